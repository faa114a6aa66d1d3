package schema

import "embed"

// MigrationFiles holds the ClickHouse migrations (migrations/NNNN_name.sql),
// applied in order by store.Migrate. Numbering: 00xx profile tables,
// 001x pipelines bookkeeping, 002x API and audit, 003x analytics views.
//
//go:embed migrations/*.sql
var MigrationFiles embed.FS
