package record

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

// validID completes 17 digits with their GB 11643-1999 check character.
func validID(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

var (
	id1    = validID("11010519800101001")
	ingest = time.Date(2026, 11, 29, 8, 0, 0, 500, time.UTC)
	hukou  = &config.Source{Name: "hukou", Dataset: "person", CodeMappings: map[string]map[string]string{
		"sex":    {"M": "1", "F": "2"},
		"status": {"ZC": "normal"},
	}}
)

func personEnv(fields map[string]string) *schema.Envelope {
	return &schema.Envelope{Source: "hukou", Dataset: "person", RecordKey: "k1", Op: schema.OpUpsert,
		SourceTime: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), Fields: fields}
}

func basePerson() map[string]string {
	return map[string]string{"id_number": id1, "name": "张 三", "household_id": "H001"}
}

func TestNormalizePerson(t *testing.T) {
	f := func(extra map[string]string, field string, want any) {
		t.Helper()
		fields := basePerson()
		for k, v := range extra {
			fields[k] = v
		}
		row, _, err := Normalize(personEnv(fields), hukou, ingest)
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		ds := schema.Datasets["person"]
		for i, fl := range ds.Fields {
			if fl.Name == field {
				if fmt.Sprint(row.Values[i]) != fmt.Sprint(want) {
					t.Fatalf("%v: %s = %v, want %v", extra, field, row.Values[i], want)
				}
				return
			}
		}
		t.Fatalf("no field %s", field)
	}
	f(nil, "id_number", id1)
	f(nil, "name", "张 三")
	f(nil, "sex", "")
	f(nil, "birth_date", "")
	f(map[string]string{"sex": "M"}, "sex", "1")
	f(map[string]string{"sex": "女", "id_number": validID("11010519800101002")}, "sex", "2")
	f(map[string]string{"sex": "9"}, "sex", "9") // unspecified: no parity to check
	f(map[string]string{"sex": "  "}, "sex", "")
	f(map[string]string{"ethnicity": "汉族"}, "ethnicity", "01")
	f(map[string]string{"birth_date": "1980年1月1日"}, "birth_date", "1980-01-01")
	f(map[string]string{"id_number": "110105194910010015", "birth_date": "1949-10-01"}, "birth_date", "1949-10-01") // before ClickHouse Date's 1970: stored as an ISO string
	f(map[string]string{"status": "ZC"}, "status", "normal")
	f(map[string]string{"status": "Normal"}, "status", "normal")
	f(map[string]string{"status": "迁出"}, "status", "moved_out")
	f(map[string]string{"hukou_division": "110105"}, "hukou_division", "110105")
	f(map[string]string{"phone": "+86 138-1234-5678"}, "phone", "13812345678")
	f(map[string]string{"hukou_address": " 朝阳区　某路 1 号 "}, "hukou_address", "朝阳区 某路 1 号")
	f(map[string]string{"relation_to_head": "户主"}, "relation_to_head", "02")
}

func TestNormalizeRejects(t *testing.T) {
	f := func(env *schema.Envelope, src *config.Source, field string) {
		t.Helper()
		_, _, err := Normalize(env, src, ingest)
		var r *Reject
		if !errors.As(err, &r) {
			t.Fatalf("err = %v, want a Reject of %s", err, field)
		}
		if r.Field != field || r.Reason == "" {
			t.Fatalf("reject = %+v, want field %s", r, field)
		}
	}
	with := func(k, v string) *schema.Envelope {
		fields := basePerson()
		if v == "-" {
			delete(fields, k)
		} else {
			fields[k] = v
		}
		return personEnv(fields)
	}
	f(with("id_number", "110105198001010010"), hukou, "id_number")
	f(with("id_number", "-"), hukou, "id_number")
	f(with("name", "-"), hukou, "name")
	f(with("name", "  "), hukou, "name")
	f(with("household_id", "-"), hukou, "household_id")
	f(with("sex", "X"), hukou, "sex")
	f(with("status", "alive"), hukou, "status")
	f(with("birth_date", "1980-02-30"), hukou, "birth_date")
	f(with("hukou_division", "999999"), hukou, "hukou_division")
	f(with("phone", "12345"), hukou, "phone")
	f(with("nickname", "x"), hukou, "fields")
	f(with("birth_date", "1930-05-05"), hukou, "birth_date")               // the ID number encodes another date
	f(with("id_number", validID("11019919800101001")), hukou, "id_number") // address code in no edition of GB/T 2260
	f(with("sex", "F"), hukou, "sex")                                      // the ID number's 17th digit is odd: male
	f(with("name", "张\uFFFD"), hukou, "name")                              // a lossy decoder's replacement character
	f(with("household_id", "H\xff"), hukou, "household_id")                // invalid UTF-8
	env0 := with("name", "张三")
	env0.RecordKey = "k\uFFFD"
	f(env0, hukou, "record_key")
	f(with("name", "x"), &config.Source{Name: "other", Dataset: "person"}, "source")
	f(with("name", "x"), &config.Source{Name: "hukou", Dataset: "residence"}, "dataset")
	env := with("name", "x")
	env.Op = "merge"
	f(env, hukou, "envelope")
	f(nil, hukou, "envelope")
	env = with("name", "x")
	env.SourceTime = time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	f(env, hukou, "source_time")
}

func TestNormalizeDelete(t *testing.T) {
	env := &schema.Envelope{Source: "hukou", Dataset: "person", RecordKey: "k1", Op: schema.OpDelete,
		Fields: map[string]string{"name": "not checked", "sex": "??"}}
	row, _, err := Normalize(env, hukou, ingest)
	if err != nil {
		t.Fatal(err)
	}
	if !row.Deleted || row.Values[0] != "" || row.Values[1] != "" {
		t.Fatalf("row = %+v", row)
	}
	if !row.SourceTime.Equal(ingest.Truncate(time.Second)) || !row.IngestTime.Equal(ingest.Truncate(time.Second)) {
		t.Fatalf("times = %v %v", row.SourceTime, row.IngestTime)
	}
	env.Fields["id_number"] = id1
	env.PulledAt = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	row, _, err = Normalize(env, hukou, ingest)
	if err != nil || row.Values[0] != id1 || !row.SourceTime.Equal(env.PulledAt) {
		t.Fatalf("row = %+v, err = %v", row, err)
	}
	env.Fields["id_number"] = "bad"
	if _, _, err := Normalize(env, hukou, ingest); err == nil {
		t.Fatal("delete with an invalid id_number accepted")
	}
}

// TestNormalizeDeleteSubjectFromKey: a delete without an id_number takes it
// from its canonical record key when the source's key holds the id_number's
// column (the record can have no other owner), and only then.
func TestNormalizeDeleteSubjectFromKey(t *testing.T) {
	payroll := &config.Source{Name: "payroll", Dataset: "employment", Key: []string{"sfzh", "month"},
		Fields: map[string]string{"id_number": "sfzh", "period": "month"}}
	assets := &config.Source{Name: "assets", Dataset: "asset", Key: []string{"no"},
		Fields: map[string]string{"id_number": "owner", "asset_id": "no"}}
	lower := strings.ToLower(validID("11010519800101002")) // normalized like the field: X upper case
	for _, c := range []struct {
		name   string
		src    *config.Source
		key    string
		fields map[string]string
		want   string
	}{
		{"key holds the id", payroll, id1 + "|2026-10", nil, id1},
		{"key part normalized", payroll, lower + "|2026-10", nil, strings.ToUpper(lower)},
		{"id given wins", payroll, id1 + "|2026-10", map[string]string{"id_number": validID("11010519800101003")}, validID("11010519800101003")},
		{"key kept as sent (parts differ)", payroll, id1, nil, ""},
		{"blank key part", payroll, " |2026-10", nil, ""},
		{"key without the id's column", assets, id1, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := schema.Datasets[c.src.Dataset]
			env := &schema.Envelope{Source: c.src.Name, Dataset: ds.Name, RecordKey: c.key, Op: schema.OpDelete, Fields: c.fields}
			row, _, err := Normalize(env, c.src, ingest)
			if err != nil {
				t.Fatal(err)
			}
			if got := row.Values[ds.SubjectIndex()]; got != c.want {
				t.Fatalf("id_number = %q, want %q (key %q)", got, c.want, row.RecordKey)
			}
		})
	}
}

func TestNormalizeEveryDataset(t *testing.T) {
	f := func(dataset string, fields map[string]string) {
		t.Helper()
		src := &config.Source{Name: "s", Dataset: dataset}
		env := &schema.Envelope{Source: "s", Dataset: dataset, RecordKey: "k", Op: schema.OpUpsert, Fields: fields}
		row, _, err := Normalize(env, src, ingest)
		if err != nil {
			t.Fatalf("%s: %v", dataset, err)
		}
		ds := schema.Datasets[dataset]
		if len(row.Values) != len(ds.Fields) {
			t.Fatalf("%s: %d values", dataset, len(row.Values))
		}
		for i, fl := range ds.Fields {
			if got := fmt.Sprintf("%T", row.Values[i]); got != GoType(fl.Kind).String() {
				t.Fatalf("%s.%s: type %s, want %s", dataset, fl.Name, got, GoType(fl.Kind))
			}
		}
	}
	f("residence", map[string]string{"id_number": id1, "address": "某路1号", "community_code": "110105001001", "since": "2020-01-02", "evidence_kind": "门禁"})
	f("social_insurance", map[string]string{"id_number": id1, "insurance_type": "养老保险", "status": "领取", "employer_credit_code": "91110000600037341L",
		"contribution_base_fen": "5000.00", "monthly_pension_fen": "3,200.50", "period_start": "2020-01-01", "period_end": ""})
	f("employment", map[string]string{"id_number": id1, "period": "2026年10月", "gross_income_fen": "8000", "income_kind": "工资"})
	f("health", map[string]string{"id_number": id1, "health_code_colour": "绿码", "health_code_time": "2026-01-02 08:00:00", "disability_category": "肢体", "disability_grade": "２", "major_illness": "否"})
	f("asset", map[string]string{"id_number": id1, "asset_kind": "存款", "value_fen": "1.2万", "registered_at": "20200101"})
	f("hotline_ticket", map[string]string{"ticket_id": "T1", "time": "2026-11-01T10:00:00+08:00", "status": "已办结"})
	f("hotline_ticket", map[string]string{"ticket_id": "T1", "time": "2026-11-01T10:00:00+08:00", "id_number": ""})
}

func TestMonth(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got, err := Month(in)
		if want == "" {
			if err == nil {
				t.Fatalf("Month(%q) = %v, want an error", in, got)
			}
			return
		}
		if err != nil || got.Format("2006-01-02") != want {
			t.Fatalf("Month(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	f("2026-10", "2026-10-01")
	f("2026-1", "2026-01-01")
	f("2026/10", "2026-10-01")
	f("202610", "2026-10-01")
	f("2026年10月", "2026-10-01")
	f("２０２６年１０月", "2026-10-01")
	f("2026-10-17", "2026-10-01")
	f("20261017", "2026-10-01")
	f("2026-13", "")
	f("202613", "")
	f("2026", "")
	f("46000", "2025-12-01")
	f("", "")
	f("October", "")
}

func TestBoolIntEnum(t *testing.T) {
	fb := func(in string, mapping map[string]string, want uint8, ok bool) {
		t.Helper()
		got, err := Bool(in, mapping)
		if (err == nil) != ok || got != want {
			t.Fatalf("Bool(%q) = %d, %v", in, got, err)
		}
	}
	fb("1", nil, 1, true)
	fb("是", nil, 1, true)
	fb("无", nil, 0, true)
	fb("Y", nil, 1, true)
	fb("FALSE", nil, 0, true)
	fb("maybe", nil, 0, false)
	fb("患有", map[string]string{"患有": "1"}, 1, true)
	fb("患有", map[string]string{"患有": "perhaps"}, 0, false)

	fi := func(in string, want int32, ok bool) {
		t.Helper()
		got, err := Int(in)
		if (err == nil) != ok || got != want {
			t.Fatalf("Int(%q) = %d, %v", in, got, err)
		}
	}
	fi("3", 3, true)
	fi(" -2 ", -2, true)
	fi("３", 3, true)
	fi("3.5", 0, false)
	fi("99999999999", 0, false)
	fi("三", 0, false)

	fe := func(in string, values []string, mapping map[string]string, want string) {
		t.Helper()
		got, err := Enum(in, values, mapping)
		if want == "" {
			if err == nil {
				t.Fatalf("Enum(%q) = %q, want an error", in, got)
			}
			return
		}
		if err != nil || got != want {
			t.Fatalf("Enum(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
	person := []string{"normal", "deceased", "moved_out"}
	insurance := []string{"active", "suspended", "terminated", "receiving"}
	fe("正常", person, nil, "normal")
	fe("正常", insurance, nil, "active")
	fe(" DECEASED ", person, nil, "deceased")
	fe("1", person, map[string]string{"1": "Normal"}, "normal")
	fe("1", person, map[string]string{"1": "alive"}, "")
	fe("active", person, nil, "")
	fe("", person, nil, "")
}

// TestNegativeMoney: no money field of the schema may be negative, so a
// negative income, pension, deposit or asset value is rejected naming the
// field; a field marked MayBeNegative keeps its sign.
func TestNegativeMoney(t *testing.T) {
	src := func(ds string) *config.Source { return &config.Source{Name: "s", Dataset: ds} }
	f := func(ds, field string, fields map[string]string) {
		t.Helper()
		env := &schema.Envelope{Source: "s", Dataset: ds, RecordKey: "k", Op: schema.OpUpsert,
			SourceTime: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), Fields: fields}
		_, _, err := Normalize(env, src(ds), ingest)
		var r *Reject
		if !errors.As(err, &r) || r.Field != field || r.Reason != "is negative; "+field+" cannot be negative" {
			t.Fatalf("%s.%s: %v", ds, field, err)
		}
	}
	f("employment", "gross_income_fen", map[string]string{"id_number": id1, "period": "2026-10", "gross_income_fen": "-200"})
	f("asset", "value_fen", map[string]string{"id_number": id1, "asset_kind": "deposit", "value_fen": "−1.2万"})
	f("social_insurance", "monthly_pension_fen", map[string]string{"id_number": id1, "insurance_type": "pension", "monthly_pension_fen": "-3,200.50"})
	f("social_insurance", "contribution_base_fen", map[string]string{"id_number": id1, "insurance_type": "pension", "contribution_base_fen": "-1"})
	for _, ds := range schema.Datasets {
		for _, fl := range ds.Fields {
			if fl.Kind == schema.KindFen && fl.MayBeNegative {
				t.Fatalf("%s.%s may be negative: add it to this test", ds.Name, fl.Name)
			}
		}
	}
	v, _, err := fen(schema.Field{Name: "balance_fen", Kind: schema.KindFen, MayBeNegative: true}, "-200")
	if err != nil || v != int64(-20000) {
		t.Fatalf("MayBeNegative: %v %v", v, err)
	}
	if v, _, err := fen(schema.Field{Name: "value_fen", Kind: schema.KindFen}, "0"); err != nil || v != int64(0) {
		t.Fatalf("zero: %v %v", v, err)
	}
}

// TestSourceTimeLayouts: a hotline feed with US-style times in New York is
// read with the source's layouts only; without them every record would be
// rejected, and a day-first value is never guessed.
func TestSourceTimeLayouts(t *testing.T) {
	cfg, err := config.Parse([]byte(`
clickhouse: {pseudonym_salt: record-test-salt-01}
sources:
  - name: hotline
    kind: push
    dataset: hotline_ticket
    key: [id]
    fields: {ticket_id: id, time: t}
    times: {zone: America/New_York, layouts: ["01/02/2006 03:04:05 PM"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	src := &cfg.Sources[0]
	env := func(v string) *schema.Envelope {
		return &schema.Envelope{Source: "hotline", Dataset: "hotline_ticket", RecordKey: "T1", Op: schema.OpUpsert,
			SourceTime: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), Fields: map[string]string{"ticket_id": "T1", "time": v}}
	}
	row, _, err := Normalize(env("06/26/2018 10:58:54 AM"), src, ingest)
	if err != nil {
		t.Fatal(err)
	}
	ds := schema.Datasets["hotline_ticket"]
	for i, f := range ds.Fields {
		if f.Name == "time" && row.Values[i] != time.Date(2018, 6, 26, 14, 58, 54, 0, time.UTC) {
			t.Fatalf("time = %v", row.Values[i])
		}
	}
	for _, v := range []string{"26/06/2018 10:58:54", "2018-06-26 10:58:54"} {
		var r *Reject
		if _, _, err := Normalize(env(v), src, ingest); !errors.As(err, &r) || r.Field != "time" {
			t.Fatalf("%q: %v, want a time rejection", v, err)
		}
	}
}

// TestAllFieldErrorsReported: a record with several bad fields is rejected
// once, naming every one of them with its reason.
func TestAllFieldErrorsReported(t *testing.T) {
	fields := basePerson()
	delete(fields, "household_id")
	fields["birth_date"] = "1980-02-30"
	fields["phone"] = "12345"
	_, _, err := Normalize(personEnv(fields), hukou, ingest)
	var r *Reject
	if !errors.As(err, &r) || r.Field != "birth_date,household_id,phone" ||
		!strings.Contains(r.Reason, "birth_date: ") || !strings.Contains(r.Reason, "; household_id: is required; phone: ") {
		t.Fatalf("%+v", err)
	}
}

// TestNormalizeDetachesStrings: a row shares no bytes with the envelope it
// came from (which would keep the whole message text alive while the row
// waits to be stored), and its values are those of the envelope.
func TestNormalizeDetachesStrings(t *testing.T) {
	raw := `{"source":"hukou","dataset":"person","record_key":"k-1","op":"upsert","source_time":"2026-11-01T02:00:00Z",` +
		`"fields":{"id_number":"` + id1 + `","name":"张三","household_id":"H001","hukou_address":"朝阳区某路1号"}}`
	env, err := schema.UnmarshalEnvelope([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	row, _, err := Normalize(env, hukou, ingest)
	if err != nil {
		t.Fatal(err)
	}
	// The decoder's copy of the message: env.Source starts 11 bytes in.
	start := unsafe.Add(unsafe.Pointer(unsafe.StringData(env.Source)), -len(`{"source":"`))
	if unsafe.String((*byte)(start), len(raw)) != raw {
		t.Fatal("cannot locate the decoder's copy of the message")
	}
	text := uintptr(start)
	strs := []string{row.RecordKey, row.RawKey, row.Source}
	for _, v := range row.Values {
		if s, ok := v.(string); ok && s != "" {
			strs = append(strs, s)
		}
	}
	for _, s := range strs {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= text && p < text+uintptr(len(raw)) {
			t.Errorf("row string %q points into the envelope's text", s)
		}
	}
	sent := map[string]string{"id_number": id1, "name": "张三", "household_id": "H001", "hukou_address": "朝阳区某路1号"}
	for i, f := range schema.Datasets["person"].Fields {
		if want, ok := sent[f.Name]; ok && row.Values[i] != want {
			t.Errorf("%s = %v, want %q", f.Name, row.Values[i], want)
		}
	}
	if row.RecordKey != "k-1" || row.RawKey != "k-1" || row.Source != "hukou" {
		t.Errorf("keys %q %q, source %q", row.RecordKey, row.RawKey, row.Source)
	}
}
