package analytics

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/store"
)

// Describe reads the tables of database db as ClickHouse has them (engines
// from system.tables, columns in order from system.columns), for Check.
func Describe(ctx context.Context, conn driver.Conn, db string) (map[string]ActualTable, error) {
	out := map[string]ActualTable{}
	rows, err := conn.Query(ctx, "SELECT name, engine FROM system.tables WHERE database = ?", db)
	if err != nil {
		return nil, fmt.Errorf("cannot list the tables of %s: %w", db, err)
	}
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot list the tables of %s: %w", db, err)
		}
		out[name] = ActualTable{Engine: engine}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list the tables of %s: %w", db, err)
	}
	for name, t := range out {
		cols, err := conn.Query(ctx, "DESCRIBE TABLE "+store.QuoteIdent(db)+"."+store.QuoteIdent(name))
		if err != nil {
			return nil, fmt.Errorf("cannot describe %s.%s: %w", db, name, err)
		}
		for cols.Next() {
			var col, typ, defaultKind, defaultExpr, comment string
			if err := cols.Scan(&col, &typ, &defaultKind, &defaultExpr, &comment); err != nil {
				cols.Close()
				return nil, fmt.Errorf("cannot describe %s.%s: %w", db, name, err)
			}
			t.Columns = append(t.Columns, col+" "+typ)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return nil, fmt.Errorf("cannot describe %s.%s: %w", db, name, err)
		}
		out[name] = t
	}
	return out, nil
}
