package profile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

var spaces = regexp.MustCompile(`\s+`)

// TestReadSideViewsMatchSchema: after all migrations, every profile
// dataset has exactly one materialized view into profile_rows, and it packs
// the dataset's fields as the reader unpacks them (viewSelect, derived from
// schema). A field added to schema without its migration fails here, with
// the statement to put in the migration.
func TestReadSideViewsMatchSchema(t *testing.T) {
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	placeholders := config.ClickHouse{Database: "{db}", AnalyticsDatabase: "{analytics_db}"}
	create := regexp.MustCompile(`(?s)^CREATE MATERIALIZED VIEW IF NOT EXISTS \{db\}\.(\S+) TO \{db\}\.profile_rows AS (.*)$`)
	drop := regexp.MustCompile(`^DROP TABLE (?:IF EXISTS )?\{db\}\.(\S+)$`)
	live := map[string]string{} // view name → its SELECT
	for _, m := range migs {
		for _, stmt := range store.Statements(m.SQL, placeholders) {
			stmt = strings.TrimSpace(spaces.ReplaceAllString(stripComments(stmt), " "))
			if c := create.FindStringSubmatch(stmt); c != nil {
				live[c[1]] = c[2]
			} else if d := drop.FindStringSubmatch(stmt); d != nil {
				delete(live, d[1])
			}
		}
	}
	byDataset := map[string][]string{}
	for name, sel := range live {
		from := sel[strings.LastIndex(sel, "FROM {db}.")+len("FROM {db}."):]
		byDataset[from] = append(byDataset[from], name)
	}
	for _, def := range facts.Defs() {
		views := byDataset[def.Name]
		want := viewSelect(def)
		switch {
		case len(views) != 1:
			t.Errorf("dataset %s has %d read-side views (%v), want 1", def.Name, len(views), views)
		case live[views[0]] != want:
			t.Errorf("the read-side view of %s does not pack the schema's fields; a migration must create it again as\n"+
				"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_%s_mv_NNNN TO {db}.profile_rows AS\n%s;\n"+
				"and then drop {db}.%s\n(it has: %s)", def.Name, def.Name, want, views[0], live[views[0]])
		}
		delete(byDataset, def.Name)
	}
	if len(byDataset) > 0 {
		t.Errorf("read-side views of datasets outside the profile: %v", byDataset)
	}
}

func stripComments(sql string) string {
	var out []string
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// randomID returns a valid-looking 18-character ID number of the test run.
func randomID(t *testing.T) string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e9))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("110105%09d%03d", n.Int64(), len(t.Name())%1000)
}

// TestReadSideHoldsTheHistory: after inserts through the history tables
// (versions, replays, deletes, a record moved to another person, a field
// of every kind), profile_rows holds exactly their rows, field for field,
// also for rows stored before migration 0040 (its copy).
func TestReadSideHoldsTheHistory(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, b := randomID(t), randomID(t)
	t0, t1 := day("2023-01-01"), day("2024-01-01")
	insert(t, conn, cfg, "person",
		person(a, "H1", "normal", t0, row{"phone": "13812345678", "birth_date": "1945-03-03"}),
		person(a, "H2", "normal", t1),
		person(a, "H2", "normal", t1), // replay
		person(b, "H2", "deceased", t1, row{"record_key": "b-1"}),
	)
	insert(t, conn, cfg, "health",
		row{"id_number": a, "health_code_colour": "green", "health_code_time": time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC), "disability_grade": int32(2),
			"major_illness": uint8(1), "source": "health", "record_key": "h", "source_time": t0, "ingest_time": t0})
	insert(t, conn, cfg, "employment",
		row{"id_number": a, "period": day("2023-12-01"), "gross_income_fen": int64(-5), "source": "payroll", "record_key": "p", "source_time": t0, "ingest_time": t0},
		row{"id_number": a, "period": day("2023-12-01"), "deleted": uint8(1), "source": "payroll", "record_key": "p", "source_time": t1, "ingest_time": t1},
		row{"id_number": b, "period": day("2023-12-01"), "gross_income_fen": int64(7), "source": "payroll", "record_key": "p", "source_time": t1, "ingest_time": t1},
	)
	// Rows stored before the read side existed: empty it and run the
	// migration's copy again.
	db := store.QuoteIdent(cfg.Database)
	if err := conn.Exec(ctx, "DROP TABLE "+db+".profile_rows"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "DROP TABLE "+db+".household_members"); err != nil {
		t.Fatal(err)
	}
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if m.Version != 40 {
			continue
		}
		for _, stmt := range store.Statements(m.SQL, cfg) {
			if strings.Contains(stmt, "CREATE MATERIALIZED VIEW") {
				continue // the views exist
			}
			if err := conn.Exec(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A row stored after the copy arrives through the views.
	insert(t, conn, cfg, "asset", row{"id_number": b, "asset_kind": "deposit", "value_fen": int64(100), "registered_at": "2020-02-02",
		"source": "bank", "record_key": "d", "source_time": t1, "ingest_time": t1})

	ids := []string{a, b}
	got := readSideRows(t, conn, cfg, ids)
	want := historyRows(t, conn, cfg, ids)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("profile_rows:\n%s\nhistory tables:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(want) != 8 {
		t.Fatalf("%d rows, want 8:\n%s", len(want), strings.Join(want, "\n"))
	}
	// household_members lists both households of a, and b in H2.
	var members []string
	rows, err := conn.Query(ctx, "SELECT DISTINCT concat(household_id, ':', id_number) FROM "+db+".household_members WHERE household_id IN ('H1', 'H2')")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		members = append(members, s)
	}
	rows.Close()
	sort.Strings(members)
	w := []string{"H1:" + a, "H2:" + a, "H2:" + b}
	sort.Strings(w)
	if !reflect.DeepEqual(members, w) {
		t.Fatalf("household_members %v, want %v", members, w)
	}
}

// readSideRows returns the deduplicated rows of ids in profile_rows, one
// text line each: dataset, id, bookkeeping, field values.
func readSideRows(t *testing.T, conn driver.Conn, cfg config.ClickHouse, ids []string) []string {
	t.Helper()
	tb, _ := ext.NewTable("_ids", ext.Column("id", "String"))
	for _, id := range ids {
		_ = tb.Append(id)
	}
	ctx := clickhouse.Context(context.Background(), clickhouse.WithExternalTable(tb))
	rows, err := conn.Query(ctx, "SELECT id_number, packed FROM "+store.QuoteIdent(cfg.Database)+".profile_rows FINAL WHERE id_number IN _ids")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		var packed []string
		if err := rows.Scan(&id, &packed); err != nil {
			t.Fatal(err)
		}
		r, err := unpack(id, packed)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rowLine(r))
	}
	sort.Strings(out)
	return out
}

// historyRows reads the same from the six history tables.
func historyRows(t *testing.T, conn driver.Conn, cfg config.ClickHouse, ids []string) []string {
	t.Helper()
	var out []string
	for _, def := range facts.Defs() {
		tb, _ := ext.NewTable("_ids", ext.Column("id", "String"))
		for _, id := range ids {
			_ = tb.Append(id)
		}
		ctx := clickhouse.Context(context.Background(), clickhouse.WithExternalTable(tb))
		fields := valueFields(def)
		exprs := make([]string, len(fields))
		for i, f := range fields {
			exprs[i] = fieldExpr(f)
		}
		q := fmt.Sprintf("SELECT id_number, [%s], source, record_key, deleted, source_time, ingest_time FROM %s.%s FINAL WHERE id_number IN _ids",
			strings.Join(exprs, ", "), store.QuoteIdent(cfg.Database), def.Name)
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			r := dsRow{ds: def.Name}
			if err := rows.Scan(&r.id, &r.vals, &r.bk.source, &r.bk.recordKey, &r.bk.deleted, &r.bk.sourceTime, &r.bk.ingestTime); err != nil {
				t.Fatal(err)
			}
			out = append(out, rowLine(r))
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

func rowLine(r dsRow) string {
	return fmt.Sprintf("%s %s %s %s del=%d st=%d it=%d %q", r.ds, r.id, r.bk.source, r.bk.recordKey, r.bk.deleted,
		r.bk.sourceTime.Unix(), r.bk.ingestTime.Unix(), r.vals)
}

// TestConcurrentReadsShareQueries: many concurrent household reads through
// one query slot (so they are batched) give exactly what each gives alone,
// and a reader whose caller gives up does not hold the others up.
func TestConcurrentReadsShareQueries(t *testing.T) {
	conn, cfg := storetest.New(t)
	t0 := day("2024-01-01")
	var rows []row
	var ids []string
	for h := 0; h < 12; h++ {
		for m := 0; m < 3; m++ {
			id := fmt.Sprintf("1101051980%02d%02d%03d%d", h, m, h*3+m, m)
			ids = append(ids, id)
			rows = append(rows, person(id, fmt.Sprintf("HH%02d", h), "normal", t0.AddDate(0, 0, h)))
		}
	}
	insert(t, conn, cfg, "person", rows...)
	var emp []row
	for i, id := range ids {
		emp = append(emp, row{"id_number": id, "period": day("2024-02-01"), "gross_income_fen": int64(i), "source": "payroll", "record_key": id,
			"source_time": t0, "ingest_time": t0})
	}
	insert(t, conn, cfg, "employment", emp...)
	asOf := day("2024-03-01")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	alone := NewReader(conn, cfg)
	want := map[string]string{}
	for _, id := range ids {
		h, err := alone.Household(ctx, id, asOf)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = householdText(h)
		if len(h.Members) != 3 {
			t.Fatalf("household of %s: %d members", id, len(h.Members))
		}
	}
	shared := NewReaderWith(conn, cfg, ReadOptions{Queries: 1, MaxBatch: 8})
	var queries int
	shared.batch.read = func(ctx context.Context, reqs []*pointRead) (*pointRows, error) {
		queries++ // one slot: never concurrent
		return shared.readPoints(ctx, reqs)
	}
	gone, stop := context.WithCancel(ctx)
	stop()
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(ids))
	for round := 0; round < 4; round++ {
		for _, id := range ids {
			wg.Add(2)
			go func(id string) {
				defer wg.Done()
				h, err := shared.Household(ctx, id, asOf)
				if err == nil && householdText(h) != want[id] {
					err = fmt.Errorf("household of %s read together with others:\n%s\nalone:\n%s", id, householdText(h), want[id])
				}
				if err != nil {
					errs <- err
				}
			}(id)
			go func(id string) {
				defer wg.Done()
				if _, err := shared.Resident(gone, id, asOf); err == nil {
					errs <- fmt.Errorf("a read whose caller had gone answered")
				}
			}(id)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if queries >= 4*len(ids) {
		t.Fatalf("%d queries for %d concurrent reads: none shared", queries, 4*len(ids))
	}
	t.Logf("%d concurrent household reads in %d queries", 4*len(ids), queries)
}

func householdText(h *Household) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s applicant %s\n", h.HouseholdID, h.Applicant.IDNumber)
	for _, m := range h.Members {
		fmt.Fprintf(&b, "%s person %v %+v\n", m.IDNumber, m.Person.Values, m.Person.Evidence)
		for _, def := range facts.Defs()[1:] {
			for _, r := range m.Of(def.Name) {
				fmt.Fprintf(&b, "  %s %v %+v\n", def.Name, r.Values, r.Evidence)
			}
		}
	}
	return b.String()
}

// recordingConn is a real connection that remembers every query text.
type recordingConn struct {
	driver.Conn
	mu      sync.Mutex
	queries []string
}

func (c *recordingConn) Query(ctx context.Context, q string, args ...any) (driver.Rows, error) {
	c.record(q, args)
	return c.Conn.Query(ctx, q, args...)
}

func (c *recordingConn) QueryRow(ctx context.Context, q string, args ...any) driver.Row {
	c.record(q, args)
	return c.Conn.QueryRow(ctx, q, args...)
}

func (c *recordingConn) record(q string, args []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries = append(c.queries, fmt.Sprint(q, args))
}

// TestNoIDNumberInQueryText: ClickHouse shows every running query's text to
// every user, so profile reads pass ID numbers as data (external tables).
func TestNoIDNumberInQueryText(t *testing.T) {
	conn, cfg := storetest.New(t)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "测试" + hex.EncodeToString(suffix)
	id := randomID(t)
	insert(t, conn, cfg, "person", person(id, "H-"+id, "normal", day("2024-01-01"), row{"name": name}))
	rec := &recordingConn{Conn: conn}
	r := NewReader(rec, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := r.Household(ctx, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resident(ctx, id, day("2024-06-01")); err != nil {
		t.Fatal(err)
	}
	if len(rec.queries) == 0 {
		t.Fatal("no query recorded")
	}
	for _, q := range rec.queries {
		if strings.Contains(q, id) || strings.Contains(q, id[6:14]) || strings.Contains(q, name) {
			t.Fatalf("query text holds the person: %s", q)
		}
	}
}

// TestRememberedHouseholdsAreChecked: a reader remembers the household_ids
// of the persons it read and reads their households by them next time; a
// move, a new member and an "as of" date before a move still give the
// household the history says, as a fresh reader reads it.
func TestRememberedHouseholdsAreChecked(t *testing.T) {
	conn, cfg := storetest.New(t)
	a, b, c := randomID(t), randomID(t), randomID(t)
	t0, t1, t2 := day("2023-01-01"), day("2024-01-01"), day("2024-02-01")
	insert(t, conn, cfg, "person", person(a, "HA", "normal", t0), person(b, "HA", "normal", t0), person(c, "HC", "normal", t0))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := NewReader(conn, cfg)
	members := func(r *Reader, id string, asOf time.Time) string {
		t.Helper()
		h, err := r.Household(ctx, id, asOf)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range h.Members {
			ids = append(ids, m.IDNumber)
		}
		sort.Strings(ids)
		return h.HouseholdID + ":" + strings.Join(ids, ",")
	}
	f := func(id string, asOf time.Time, want ...string) {
		t.Helper()
		sort.Strings(want[1:])
		w := want[0] + ":" + strings.Join(want[1:], ",")
		if got := members(r, id, asOf); got != w {
			t.Fatalf("household of %s as of %s: %s, want %s", id, asOf.Format(time.DateOnly), got, w)
		}
		if got := members(NewReader(conn, cfg), id, asOf); got != w {
			t.Fatalf("a fresh reader: %s, want %s", got, w)
		}
	}
	now := day("2024-06-01")
	f(a, now, "HA", a, b)
	if got := r.households.get(a); strings.Join(got, ",") != "HA" {
		t.Fatalf("remembered %v for a", got)
	}
	// c joins HA: the remembered HA lists c now.
	insert(t, conn, cfg, "person", person(c, "HA", "normal", t1))
	f(a, now, "HA", a, b, c)
	// a moves to HB: the remembered HA no longer holds a's household.
	insert(t, conn, cfg, "person", person(a, "HB", "normal", t2))
	f(a, now, "HB", a)
	f(b, now, "HA", b, c)
	// As of before the moves.
	f(a, day("2023-06-01"), "HA", a, b)
	f(c, day("2023-06-01"), "HC", c)
}
