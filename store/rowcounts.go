package store

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

// CurrentRowCounts counts, per dataset table of cfg.Database (by dataset
// name, every dataset of schema.Datasets), the source records whose latest
// version is not a delete: a record stored in several versions, or replayed,
// counts once.
func CurrentRowCounts(ctx context.Context, conn driver.Conn, cfg config.ClickHouse) (map[string]uint64, error) {
	out := map[string]uint64{}
	for name := range schema.Datasets {
		q := fmt.Sprintf(`SELECT count() FROM (
			SELECT argMax(deleted, source_time) AS d FROM %s.%s FINAL GROUP BY source, record_key
		) WHERE d = 0`, QuoteIdent(cfg.Database), name)
		var n uint64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("cannot count %s: %w", name, err)
		}
		out[name] = n
	}
	return out, nil
}
