package schema

import "embed"

// MigrationFiles holds the ClickHouse migrations (migrations/NNNN_name.sql),
// applied in order by store.Migrate. Numbering: 0001–0009 profile tables
// and the audit log, 001x pipelines bookkeeping, 002x API, 003x analytics,
// 005x analytics: local dates, intake, identity conflicts, helper views,
// 007x data checks (hotline area and address), 008x HMAC pseudonyms, 009x
// the hotline ranking (channel, closed time, satisfaction, case id, caller;
// the current tickets; the precomputed counts), 012x program parameters.
//
//go:embed migrations/*.sql
var MigrationFiles embed.FS
