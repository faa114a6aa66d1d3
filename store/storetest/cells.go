package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Cells runs query and returns its rows as ClickHouse prints them (toString
// of every column, NULL for null), sorted, for comparing a result with an
// expectation whatever the column types.
func Cells(t testing.TB, conn driver.Conn, query string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := conn.Query(ctx, "SELECT * FROM ("+query+") LIMIT 0")
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	names := rows.Columns()
	rows.Close()
	sel := make([]string, len(names))
	for i, n := range names {
		sel[i] = fmt.Sprintf("ifNull(toString(`%s`), 'NULL')", n)
	}
	rows, err = conn.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM ("+query+")")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]string, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	SortCells(out)
	return out
}

// SortCells sorts rows of cells by their text.
func SortCells(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool { return strings.Join(rows[i], "|") < strings.Join(rows[j], "|") })
}
