-- Every read of a person's data (api/), written through Kafka topic "audit".
-- ID numbers only, never names.
-- event_id makes a replayed audit message collapse to one row.
CREATE TABLE IF NOT EXISTS {db}.audit_log (
    event_id String,
    time DateTime,
    caller String,
    role String,
    purpose String,
    subject_id_number String,
    -- ID numbers of the other persons whose data the answer held (household
    -- members of a household check or a profile), empty for the subject alone.
    household_members Array(String),
    endpoint String,
    program String,
    decision String,
    status UInt16
) ENGINE = ReplacingMergeTree()
ORDER BY (subject_id_number, time, event_id);
