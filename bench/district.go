package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// district writes the demo district into <work>/var/demo with the
// residenthub-demo command (the hub binary never links the generator) and
// keeps a sample of its truth for the checks and freshness parts.
func (r *run) district() error {
	o := r.o
	dir := filepath.Join(r.work, "var", "demo")
	hh := householdsFor(o.Residents)
	o.logf("generating a district of %d households (about %d residents) into %s", hh, o.Residents, dir)
	t0 := time.Now()
	cmd := exec.Command(o.DemoBinary, "-out", dir, "-households", strconv.Itoa(hh), "-seed", strconv.FormatInt(o.Seed, 10))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot generate the district (%s): %v: %s", o.DemoBinary, err, lastLines(string(out), 10))
	}
	d := &r.res.District
	d.GenerateSecond = time.Since(t0).Seconds()
	f, err := os.Open(filepath.Join(dir, "truth.json"))
	if err != nil {
		return fmt.Errorf("cannot read the district's truth: %w", err)
	}
	defer f.Close()
	t, err := readTruth(bufio.NewReaderSize(f, 1<<20), 2000)
	if err != nil {
		return fmt.Errorf("cannot read the district's truth: %w", err)
	}
	d.Files, d.Invalid = len(t.Files), t.Summary.Invalid
	for _, f := range t.Files {
		d.Records += int64(f.Records)
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path))); err == nil {
			d.Bytes += st.Size()
		}
	}
	r.res.Residents, r.res.Households = t.Summary.Residents, t.Summary.Households
	r.sample = t.sample
	o.logf("district: %d residents, %d households, %d records in %d files (%.0f MiB), generated in %.1f s",
		r.res.Residents, r.res.Households, d.Records, d.Files, float64(d.Bytes)/(1<<20), d.GenerateSecond)
	return nil
}

// truth is what the bench reads of the generator's truth.json (internal/
// demo's Truth): the files, the summary, and a sample of its households and
// residents.
type truth struct {
	Files []struct {
		Path    string `json:"path"`
		Records int    `json:"records"`
	} `json:"files"`
	Summary struct {
		Residents  int `json:"residents"`
		Households int `json:"households"`
		Invalid    int `json:"invalid"`
	} `json:"summary"`
	sample *sample
}

type truthHousehold struct {
	ApplicantID string `json:"applicant_id"`
}

type truthResident struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Status   string `json:"status"`
}

// readTruth reads truth.json element by element (a large district's truth
// is ~1 KB a resident) and keeps up to n household heads and n residents of
// status normal, evenly spread: the households list comes before the
// residents list, whose counts the summary (before both) gives.
func readTruth(r io.Reader, n int) (*truth, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object (%v)", err)
	}
	t := &truth{sample: &sample{}}
	heads := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case "files":
			err = dec.Decode(&t.Files)
		case "summary":
			err = dec.Decode(&t.Summary)
		case "households":
			step := max(1, t.Summary.Households/n)
			i := 0
			err = eachElement(dec, func(d *json.Decoder) error {
				var h truthHousehold
				if err := d.Decode(&h); err != nil {
					return err
				}
				if i%step == 0 && len(heads) < n && h.ApplicantID != "" {
					heads[h.ApplicantID] = true
				}
				i++
				return nil
			})
		case "residents":
			step := max(1, t.Summary.Residents/n)
			i := 0
			err = eachElement(dec, func(d *json.Decoder) error {
				var res truthResident
				if err := d.Decode(&res); err != nil {
					return err
				}
				p := person{res.IDNumber, res.Name}
				if heads[res.IDNumber] {
					t.sample.applicants = append(t.sample.applicants, p)
				}
				if i%step == 0 && len(t.sample.residents) < n && res.Status == "normal" {
					t.sample.residents = append(t.sample.residents, p)
				}
				i++
				return nil
			})
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fmt.Errorf("%v: %w", tok, err)
		}
	}
	if t.Summary.Residents == 0 || len(t.Files) == 0 {
		return nil, errors.New("no residents or files in the truth")
	}
	return t, nil
}

// eachElement calls f for every element of the JSON array (or null) the
// decoder is at.
func eachElement(dec *json.Decoder, f func(*json.Decoder) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("want an array, got %v", tok)
	}
	for dec.More() {
		if err := f(dec); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// demoBinary returns residenthub-demo beside the residenthub binary.
func demoBinary(hub string) string {
	return filepath.Join(filepath.Dir(hub), strings.Replace(filepath.Base(hub), "residenthub", "residenthub-demo", 1))
}
