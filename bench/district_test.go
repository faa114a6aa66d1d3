package bench

import (
	"fmt"
	"strings"
	"testing"
)

// TestReadTruth: the sample takes household heads and residents of status
// normal spread over the lists, and skips the fields it does not need.
func TestReadTruth(t *testing.T) {
	var hh, res []string
	for i := range 10 {
		hh = append(hh, fmt.Sprintf(`{"household_id":"H%d","applicant_id":"A%d","members":["A%d"]}`, i, i, i))
		res = append(res, fmt.Sprintf(`{"id_number":"A%d","name":"张%d","status":"normal","residence":{"address":"x"}}`, i, i))
		res = append(res, fmt.Sprintf(`{"id_number":"B%d","name":"李%d","status":"deceased"}`, i, i))
	}
	doc := `{"seed":1,"files":[{"path":"drop/hukou/h.csv","records":25},{"path":"drop/asset/a.jsonl","records":5}],
		"counts":{"person":{"rows":20}},"summary":{"residents":20,"households":10,"invalid":3,"by_status":{"normal":10}},
		"invalid":[{"line":2}],"households":[` + strings.Join(hh, ",") + `],"residents":[` + strings.Join(res, ",") + `]}`
	tr, err := readTruth(strings.NewReader(doc), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Files) != 2 || tr.Files[0].Records != 25 || tr.Summary.Residents != 20 || tr.Summary.Invalid != 3 {
		t.Errorf("files %+v summary %+v", tr.Files, tr.Summary)
	}
	if got := fmt.Sprint(tr.sample.applicants); got != "[{A0 张0} {A2 张2} {A4 张4} {A6 张6} {A8 张8}]" {
		t.Errorf("applicants %s", got)
	}
	// Every 4th resident (20/5) that is normal: positions 0, 4, 8, ... hold A0, A2, A4, ...
	if got := fmt.Sprint(tr.sample.residents); got != "[{A0 张0} {A2 张2} {A4 张4} {A6 张6} {A8 张8}]" {
		t.Errorf("residents %s", got)
	}
	if _, err := readTruth(strings.NewReader(`{"files":[]}`), 5); err == nil {
		t.Error("an empty truth was accepted")
	}
}
