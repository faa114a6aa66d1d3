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
// counts once. The latest version is the one with the latest source_time,
// then ingest_time; at a tie a live row beats a tombstone: when a record
// moves to another owner, the old owner's tombstone and the new owner's row
// share both times, and the record is current.
func CurrentRowCounts(ctx context.Context, conn driver.Conn, cfg config.ClickHouse) (map[string]uint64, error) {
	out := map[string]uint64{}
	for name := range schema.Datasets {
		q := fmt.Sprintf(`SELECT count() FROM (
			SELECT argMax(deleted, tuple(source_time, ingest_time, toUInt8(1 - deleted))) AS d FROM %s.%s FINAL GROUP BY source, record_key
		) WHERE d = 0`, QuoteIdent(cfg.Database), name)
		var n uint64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("cannot count %s: %w", name, err)
		}
		out[name] = n
	}
	return out, nil
}
