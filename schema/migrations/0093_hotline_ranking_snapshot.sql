-- The hotline ranking's precomputed counts (hotline/hotlinedb.Snapshots):
-- one row per year, configuration and computation, holding the per-kind
-- counts of the year's and the previous year's cases (case_year) for every
-- community and the district as parallel arrays (community '' is the
-- district; kind '' the unmapped categories' cases), and the year's
-- unmapped categories' tickets per community, so an answer is a point read
-- of one row. config is the fingerprint of the hotline
-- configuration the counts were computed with (hotline.Fingerprint); the
-- API reads only rows of its own. Several API replicas share one
-- computation: a replica computes a year again only when the latest row is
-- older than hotline.refresh and the year's tickets changed since
-- (tickets_rows and tickets_hash over hotline_ticket_current). Newer
-- computations replace older ones in merges. Counts only: no ticket,
-- caller, address or text.

CREATE TABLE IF NOT EXISTS {db}.hotline_ranking_snapshot (
    year UInt16,
    config String,
    computed_at DateTime,
    tickets_until DateTime,
    tickets_rows UInt64,
    tickets_hash UInt64,
    seconds Float64,
    community Array(String),
    case_year Array(UInt16),
    kind Array(String),
    cases Array(UInt64),
    calls Array(UInt64),
    resolved Array(UInt64),
    closed Array(UInt64),
    median_days Array(Float64),
    unmapped_community Array(String),
    unmapped_category Array(String),
    unmapped_tickets Array(UInt64),
    unresolved_tickets UInt64
) ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (year, config)
