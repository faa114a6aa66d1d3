package analytics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/analytics"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestCatalogMatchesTheDatabase migrates a fresh database on a real
// ClickHouse and compares every table and view of its analytics database,
// column by column with types, with the catalog docs/analytics.md is
// generated from: a table, view or column the migrations add without a
// dictionary entry (or one the dictionary describes that is not there)
// fails here.
func TestCatalogMatchesTheDatabase(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	actual, err := analytics.Describe(ctx, conn, cfg.AnalyticsDatabase)
	if err != nil {
		t.Fatal(err)
	}
	if diff := analytics.Check(actual); len(diff) > 0 {
		t.Fatalf("the analytics database and its catalog (schema/dictionary.go, analytics/tables.go) differ:\n%s", strings.Join(diff, "\n"))
	}
}

// TestCatalogDescribesEveryColumn: every column has a meaning, an origin and
// a de-identification, and every dataset field that reaches the analytics
// database appears in both the dataset's view and its history table.
func TestCatalogDescribesEveryColumn(t *testing.T) {
	for _, tb := range analytics.Catalog() {
		if tb.Description == "" || len(tb.Columns) == 0 {
			t.Errorf("%s: no description or no columns", tb.Name)
		}
		seen := map[string]bool{}
		for _, c := range tb.Columns {
			if c.Description == "" || c.Origin == "" || c.Deidentification == "" || c.Type == "" {
				t.Errorf("%s.%s is not fully described: %+v", tb.Name, c.Name, c)
			}
			if seen[c.Name] {
				t.Errorf("%s lists %s twice", tb.Name, c.Name)
			}
			seen[c.Name] = true
			if c.Type == "DateTime" && tb.Engine == "View" {
				if _, ok := tb.Column(localDateOf(tb, c.Name)); !ok {
					t.Errorf("view %s: instant %s has no China-time date beside it", tb.Name, c.Name)
				}
			}
		}
	}
	for _, doc := range schema.Dictionary {
		view, ok1 := analytics.Lookup(doc.Name)
		hist, ok2 := analytics.Lookup(doc.Name + "_history")
		if !ok1 || !ok2 {
			t.Fatalf("dataset %s lacks its view or history table in the catalog", doc.Name)
		}
		for name, f := range doc.Fields {
			col := f.AnalyticsColumn(name)
			if col == "" {
				continue
			}
			if _, ok := view.Column(col); !ok {
				t.Errorf("view %s lacks %s", doc.Name, col)
			}
			if _, ok := hist.Column(col); !ok {
				t.Errorf("table %s_history lacks %s", doc.Name, col)
			}
		}
	}
}

// localDateOf returns the name of the Date column that follows an instant.
func localDateOf(tb analytics.Table, col string) string {
	for i, c := range tb.Columns {
		if c.Name == col && i+1 < len(tb.Columns) && tb.Columns[i+1].Type == "Date" {
			return tb.Columns[i+1].Name
		}
	}
	return ""
}
