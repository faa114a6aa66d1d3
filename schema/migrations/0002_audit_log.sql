-- Every read of a person's data (api/), written through Kafka topic "audit".
-- event_id makes a replayed audit message collapse to one row.
CREATE TABLE IF NOT EXISTS {db}.audit_log (
    event_id String,
    time DateTime,
    caller String,
    role String,
    purpose String,
    subject_id_number String,
    endpoint String,
    program String,
    decision String,
    status UInt16
) ENGINE = ReplacingMergeTree()
ORDER BY (subject_id_number, time, event_id);
