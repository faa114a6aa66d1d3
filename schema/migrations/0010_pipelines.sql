-- Pipelines bookkeeping (pipelines/): what was rejected, what was loaded, and
-- identity conflicts between sources. Every table is a ReplacingMergeTree keyed
-- by the Kafka message (or the conflict itself), so a replay of a topic or a
-- crash between the ClickHouse insert and the Kafka offset commit leaves the
-- same rows: read with FINAL.

-- One row per rejected Kafka message (also written, with the original bytes,
-- to Kafka dlq.<source>). rejected_at is the wall-clock time of the (latest)
-- rejection, so a replay keeps the newest reason. Never holds field values.
CREATE TABLE IF NOT EXISTS {db}.rejects (
    source String,
    dataset String,
    record_key String,
    topic String,
    kafka_partition Int32,
    kafka_offset Int64,
    field String,
    reason String,
    pipeline_version String,
    message_time DateTime,
    rejected_at DateTime
) ENGINE = ReplacingMergeTree(rejected_at)
ORDER BY (source, record_key, topic, kafka_partition, kafka_offset);

-- One row per loaded Kafka message (upserts and deletes), so that a rejected
-- record that later loads (a newer version, or the same message replayed after
-- a mapping fix) is no longer counted as rejected.
CREATE TABLE IF NOT EXISTS {db}.loads (
    source String,
    dataset String,
    record_key String,
    topic String,
    kafka_partition Int32,
    kafka_offset Int64,
    pipeline_version String,
    message_time DateTime
) ENGINE = ReplacingMergeTree(message_time)
ORDER BY (source, record_key, topic, kafka_partition, kafka_offset);

-- Rejected messages not superseded by a load of the same source record at the
-- same or a later offset of the same partition ("currently rejected").
-- count() of this view = records currently waiting for a fix.
CREATE VIEW IF NOT EXISTS {db}.rejects_current AS
SELECT source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason,
    pipeline_version, message_time, rejected_at
FROM
(
    SELECT source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason,
        pipeline_version, message_time, rejected_at
    FROM {db}.rejects FINAL
)
ANY LEFT JOIN
(
    SELECT source, record_key, topic, kafka_partition, max(kafka_offset) + 1 AS loaded_next
    FROM {db}.loads
    GROUP BY source, record_key, topic, kafka_partition
) USING (source, record_key, topic, kafka_partition)
WHERE loaded_next <= kafka_offset;

-- A person known to two sources under one id_number with a different name or
-- birth date (data-quality conflict, never resolved by overwriting). The pair
-- is stored with source_a < source_b so A-vs-B and B-vs-A are one row;
-- detected_at is the Kafka time of the message that revealed it (a replay
-- gives the same row). birth_date values are "YYYY-MM-DD".
CREATE TABLE IF NOT EXISTS {db}.identity_conflict (
    id_number String,
    field String,
    source_a String,
    record_key_a String,
    value_a String,
    source_b String,
    record_key_b String,
    value_b String,
    detected_at DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(detected_at)
ORDER BY (id_number, field, source_a, value_a, source_b, value_b);
