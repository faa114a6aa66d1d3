package profile

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/store/storetest"
)

const (
	idA = "110105197503120114" // applicant, household H1
	idB = "110105197708050228" // spouse, H1
	idC = "110105201001010336" // child, H1 until 2023, then H2
	idD = "110105194001010456" // grandparent, H1, deceased 2022
	idX = "11010519600101013X" // nobody
)

func person(id, hh, status string, st time.Time, extra ...row) row {
	r := row{"id_number": id, "name": "某人", "birth_date": day("1975-03-12"), "household_id": hh, "status": status,
		"hukou_division": "110105003", "source": "hukou", "record_key": id, "source_time": st, "ingest_time": st.Add(time.Hour)}
	for _, e := range extra {
		for k, v := range e {
			r[k] = v
		}
	}
	return r
}

// seed writes a household with history: C moves out in 2023, D dies in 2022,
// an asset is deleted in 2023, a payroll row is replayed, and a second
// household-registration source corrects A's address later.
func seed(t *testing.T) *Reader {
	return NewReader(seedDB(t))
}

// seedDB writes seed's household into a new database.
func seedDB(t *testing.T) (driver.Conn, config.ClickHouse) {
	conn, cfg := storetest.New(t)
	t0 := day("2020-01-01")
	insert(t, conn, cfg, "person",
		person(idA, "H1", "normal", t0),
		person(idB, "H1", "normal", t0, row{"birth_date": day("1977-08-05")}),
		person(idC, "H1", "normal", t0, row{"birth_date": day("2010-01-01")}),
		person(idC, "H2", "normal", day("2023-05-01"), row{"birth_date": day("2010-01-01")}),
		person(idD, "H1", "normal", t0, row{"birth_date": day("1940-01-01")}),
		person(idD, "H1", "deceased", day("2022-02-01"), row{"birth_date": day("1940-01-01")}),
		person(idA, "H1", "normal", day("2021-06-01"), row{"source": "hukou_b", "hukou_address": "新地址"}),
	)
	var emp []row
	for m := 1; m <= 12; m++ {
		p := time.Date(2023, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		emp = append(emp, row{"id_number": idA, "period": p, "gross_income_fen": int64(60000), "income_kind": "wage",
			"source": "payroll", "record_key": "A|" + p.Format("2006-01"), "source_time": p.AddDate(0, 1, 0), "ingest_time": p.AddDate(0, 1, 0)})
	}
	insert(t, conn, cfg, "employment", emp...)
	// Replay of the December row: same sorting key, later ingest.
	dec := emp[11]
	replay := row{}
	for k, v := range dec {
		replay[k] = v
	}
	replay["ingest_time"] = day("2024-02-10")
	insert(t, conn, cfg, "employment", replay)
	insert(t, conn, cfg, "asset",
		row{"id_number": idB, "asset_kind": "vehicle", "value_fen": int64(5000000), "source": "vehicles", "record_key": "V1", "source_time": day("2021-01-01"), "ingest_time": day("2021-01-01")},
		row{"id_number": idB, "asset_kind": "vehicle", "value_fen": int64(5000000), "source": "vehicles", "record_key": "V1", "deleted": uint8(1), "source_time": day("2023-03-01"), "ingest_time": day("2023-03-01")},
		row{"id_number": idA, "asset_kind": "deposit", "value_fen": int64(100000), "source": "bank", "record_key": "D1", "source_time": day("2023-03-01"), "ingest_time": day("2023-03-01")},
	)
	insert(t, conn, cfg, "health",
		row{"id_number": idB, "disability_category": "physical", "disability_grade": int32(2), "major_illness": uint8(1), "source": "health", "record_key": "B", "source_time": day("2022-01-01"), "ingest_time": day("2022-01-01")},
	)
	insert(t, conn, cfg, "social_insurance",
		row{"id_number": idD, "insurance_type": "pension", "status": "receiving", "monthly_pension_fen": int64(300000), "source": "hrss", "record_key": "D-p", "source_time": t0, "ingest_time": t0},
	)
	insert(t, conn, cfg, "residence",
		row{"id_number": idA, "address": "朝阳区某街道1号", "community_code": "110105001001", "since": day("2019-05-01"), "evidence_kind": "property", "source": "access", "record_key": "A", "source_time": day("2024-03-01"), "ingest_time": day("2024-03-01")},
	)
	return conn, cfg
}

func TestResidentHistoryAndAsOf(t *testing.T) {
	r := seed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	res, err := r.Resident(ctx, idA, day("2024-03-15"))
	if err != nil {
		t.Fatal(err)
	}
	// hukou_b's row (2021) is newer than hukou's (2020): it wins.
	if res.Person.Evidence.Source != "hukou_b" || res.Person.Str("hukou_address") != "新地址" {
		t.Errorf("person from %s (%q), want hukou_b", res.Person.Evidence.Source, res.Person.Str("hukou_address"))
	}
	if !res.Person.Date("birth_date").Equal(day("1975-03-12")) {
		t.Errorf("birth date %v", res.Person.Date("birth_date"))
	}
	// 12 months, the replayed one once, with the replay's ingest time.
	if len(res.Of("employment")) != 12 {
		t.Fatalf("employment rows %d, want 12", len(res.Of("employment")))
	}
	for _, e := range res.Of("employment") {
		if e.Date("period").Month() == time.December && !e.Evidence.IngestTime.Equal(day("2024-02-10")) {
			t.Errorf("replayed row ingest %v, want the replay's", e.Evidence.IngestTime)
		}
		if e.Evidence.Dataset != "employment" || e.Evidence.Source != "payroll" || e.Evidence.RecordKey == "" {
			t.Errorf("evidence %+v", e.Evidence)
		}
	}
	f := res.Freshness["employment"]
	if f.Records != 12 || f.DatasetRows < 12 || !f.LatestSourceTime.Equal(day("2024-01-01")) || !f.DatasetIngestTime.Equal(day("2024-02-10")) {
		t.Errorf("freshness %+v", f)
	}
	if len(res.Of("residence")) != 1 || !res.Of("residence")[0].Date("since").Equal(day("2019-05-01")) {
		t.Errorf("residences %+v", res.Of("residence"))
	}

	// As of 2021-01-01: only hukou's 2020 row, no payroll yet, no residence.
	old, err := r.Resident(ctx, idA, day("2021-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if old.Person.Evidence.Source != "hukou" || len(old.Of("employment")) != 0 || len(old.Of("residence")) != 0 {
		t.Errorf("as of 2021: person %s, %d employment, %d residences", old.Person.Evidence.Source, len(old.Of("employment")), len(old.Of("residence")))
	}
	if f := old.Freshness["employment"]; f.DatasetRows != 0 {
		t.Errorf("as of 2021 employment dataset rows %d, want 0", f.DatasetRows)
	}
	// As of mid-2023: payroll up to May (source_time = month + 1).
	mid, err := r.Resident(ctx, idA, day("2023-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mid.Of("employment")) != 5 {
		t.Errorf("as of 2023-06-15: %d employment rows, want 5", len(mid.Of("employment")))
	}

	// Deleted asset: present in 2022, gone in 2024.
	b22, err := r.Resident(ctx, idB, day("2022-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	b24, err := r.Resident(ctx, idB, day("2024-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b22.Of("asset")) != 1 || len(b24.Of("asset")) != 0 {
		t.Errorf("assets 2022: %d (want 1), 2024: %d (want 0)", len(b22.Of("asset")), len(b24.Of("asset")))
	}
	if len(b24.Of("health")) != 1 || !b24.Of("health")[0].Bool("major_illness") || b24.Of("health")[0].Int("disability_grade") != 2 {
		t.Errorf("health %+v", b24.Of("health"))
	}

	if _, err := r.Resident(ctx, idX, day("2024-01-01")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if _, err := r.Resident(ctx, idA, day("2019-01-01")); !errors.Is(err, ErrNotFound) {
		t.Errorf("before registration: %v, want ErrNotFound", err)
	}
}

func TestHousehold(t *testing.T) {
	r := seed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := func(asOf string, want ...string) {
		t.Helper()
		h, err := r.Household(ctx, idA, day(asOf))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range h.Members {
			got = append(got, m.IDNumber+":"+m.Person.Str("status"))
			if m.IDNumber == idD && !m.Person.Date("birth_date").Equal(day("1940-01-01")) {
				t.Errorf("birth date before 1970 read back as %v", m.Person.Date("birth_date"))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("as of %s: members %v, want %v", asOf, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("as of %s: members %v, want %v", asOf, got, want)
			}
		}
		if h.HouseholdID != "H1" || h.Applicant.IDNumber != idA {
			t.Errorf("household %s applicant %s", h.HouseholdID, h.Applicant.IDNumber)
		}
	}
	f("2021-01-01", idD+":normal", idA+":normal", idB+":normal", idC+":normal")
	f("2022-06-01", idD+":deceased", idA+":normal", idB+":normal", idC+":normal")
	f("2024-03-15", idD+":deceased", idA+":normal", idB+":normal")

	// C's household is H2 now.
	h, err := r.Household(ctx, idC, day("2024-03-15"))
	if err != nil {
		t.Fatal(err)
	}
	if h.HouseholdID != "H2" || len(h.Members) != 1 {
		t.Errorf("C: household %s with %d members", h.HouseholdID, len(h.Members))
	}
	if _, err := r.Household(ctx, idX, day("2024-03-15")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}

func TestCheckDibao(t *testing.T) {
	r := seed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg, err := eligibility.Default()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := reg.Program("dibao")
	// As of 2024-02-15: payroll is fresh (replay ingested 2024-02-10), but person and
	// asset data are older than 45 / 90 days → needs_review naming them.
	h, err := r.Household(ctx, idA, day("2024-02-15"))
	if err != nil {
		t.Fatal(err)
	}
	d := eligibility.Evaluate(p, eligibility.NewInput(h.Facts()), day("2024-02-15"))
	if d.Decision != eligibility.NeedsReview || len(d.Missing) == 0 {
		t.Fatalf("decision %s missing %v, want needs_review with stale datasets", d.Decision, d.Missing)
	}
	if !containsPrefix(d.Missing, "dataset person: stale") || !containsPrefix(d.Missing, "dataset asset: stale") || containsPrefix(d.Missing, "dataset employment") {
		t.Errorf("missing %v, want person and asset stale, employment fresh", d.Missing)
	}
	// Income: A 60000/month for Aug–Dec 2023 (5 of the 6 months) = 50000/month, B none,
	// C moved to H2 and D deceased (not counted): per capita 25000 < 132000.
	if d.Rules[1].ID != "income_below_standard" || d.Rules[1].Outcome != eligibility.Pass || d.Rules[1].Values["per_capita_income_fen"] != int64(25000) {
		t.Errorf("income rule %+v", d.Rules[1])
	}
	found := false
	for _, e := range d.Evidence {
		if e.Dataset == "employment" && e.Source == "payroll" && e.RecordKey == "A|2023-12" {
			found = true
		}
	}
	if !found {
		t.Errorf("evidence lacks payroll A|2023-12: %+v", d.Evidence)
	}
	if d.Applicant == idA || d.Applicant == "" {
		t.Errorf("applicant %q not masked", d.Applicant)
	}
}

func containsPrefix(ss []string, prefix string) bool {
	for _, s := range ss {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}
