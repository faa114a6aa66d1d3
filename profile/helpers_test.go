package profile

import (
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store/storetest"
)

// row is one table row by column name; missing columns get zero values.
type row = storetest.Row

// insert writes rows into a dataset table as the pipelines do.
func insert(t testing.TB, conn driver.Conn, cfg config.ClickHouse, table string, rows ...row) {
	t.Helper()
	storetest.Insert(t, conn, cfg, table, rows...)
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
