-- The hotline ranking's compact read: the current version of every ticket
-- (the latest source_time per source record; a delete is a version with
-- deleted = 1), only the columns the ranking reads, partitioned by the
-- year the ticket was received so a ranking reads its two years alone.
-- FINAL collapses the versions along the sort key, without the hash table
-- a GROUP BY over every ticket would build. Filled by a materialized view
-- from hotline_ticket; tickets stored before this migration are copied.

CREATE TABLE IF NOT EXISTS {db}.hotline_ticket_current (
    source String,
    record_key String,
    time DateTime,
    community_code String,
    area String,
    address String,
    category String,
    status String,
    closed_time DateTime,
    case_id String,
    caller String,
    deleted UInt8,
    source_time DateTime
) ENGINE = ReplacingMergeTree(source_time)
PARTITION BY toYear(time)
ORDER BY (source, record_key);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.hotline_ticket_current_mv TO {db}.hotline_ticket_current AS
SELECT source, record_key, time, community_code, area, address, category, status, closed_time, case_id, caller, deleted, source_time
FROM {db}.hotline_ticket;

INSERT INTO {db}.hotline_ticket_current (source, record_key, time, community_code, area, address, category, status, closed_time, case_id, caller, deleted, source_time)
SELECT source, record_key, time, community_code, area, address, category, status, closed_time, case_id, caller, deleted, source_time
FROM {db}.hotline_ticket
