-- The pipelines write a loaded message's row of {analytics_db}.intake_history
-- themselves (pipelines/flush.go), with the record key's pseudonym computed
-- in the hub (store.Pseudonym: the same HMAC-SHA-256 as migration 0080's
-- views), instead of a {db}.loads row copied by a materialized view. Per
-- loaded record ClickHouse then writes one bookkeeping row instead of two
-- (and no hash): the loads row and its view were a third of ClickHouse's
-- work per record (README: Performance).
--
-- What analysts see does not change: intake_history gets the same rows
-- (the same columns, recorded_at = message_time, so a replay collapses as
-- before), and the view intake is untouched. {db}.loads is no longer
-- written; its rows are already in intake_history (0051/0080 copied them),
-- so it is kept only for reading what was loaded before this migration
-- (drop it when no longer needed).
--
-- rejects_current now finds the loads in intake_history: a rejection is
-- current unless a message of the same source record (the pseudonym of the
-- record key as sent) on the same topic and partition, at the same or a
-- later offset, loaded. The pseudonym is a function of the key, so the
-- answer is the one the view gave over loads.
--
-- Safe while an older hub runs: a load it writes between the DROP of the
-- view and its next start is in loads only. Stop the pipelines for the
-- upgrade (the next start migrates before it consumes).

DROP TABLE IF EXISTS {db}.analytics_loads_mv;

DROP TABLE IF EXISTS {db}.rejects_current;

CREATE VIEW IF NOT EXISTS {db}.rejects_current AS
SELECT source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason,
    pipeline_version, message_time, rejected_at
FROM
(
    SELECT source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason,
        pipeline_version, message_time, rejected_at,
        hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash
    FROM {db}.rejects FINAL
)
ANY LEFT JOIN
(
    SELECT source, record_key_hash, topic, kafka_partition, max(kafka_offset) + 1 AS loaded_next
    FROM {analytics_db}.intake_history
    WHERE outcome = 'loaded'
    GROUP BY source, record_key_hash, topic, kafka_partition
) USING (source, record_key_hash, topic, kafka_partition)
WHERE loaded_next <= kafka_offset;
