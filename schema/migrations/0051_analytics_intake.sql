-- What the hub received per source, and identity conflicts between
-- departments, for analysts: de-identified copies of the pipelines' bookkeeping
-- (0010), filled by materialized views in the profile database {db} (so the
-- salt stays out of {analytics_db}, as in 0030).
--
--   {db}.rejects ──┐ {db}.analytics_rejects_mv
--   {db}.loads   ──┴ {db}.analytics_loads_mv ──► {analytics_db}.intake_history ─ VIEW {analytics_db}.intake
--   {db}.identity_conflict ─ {db}.analytics_identity_conflict_mv ──► {analytics_db}.identity_conflict_history
--                                                                     └─ VIEW {analytics_db}.identity_conflict
--
-- Record keys become record_key_hash, id_number person_key; the conflicting
-- values (names, birth dates) are not copied. Rejection reasons carry no field
-- values (pipelines/record).

-- One row per Kafka message and outcome: 'loaded' (from loads) or 'rejected'
-- (from rejects). A message rejected and, after a fix, replayed and loaded has
-- both rows; the view intake says loaded.
CREATE TABLE IF NOT EXISTS {analytics_db}.intake_history (
    source String,
    dataset String,
    outcome String,
    record_key_hash String,
    topic String,
    kafka_partition Int32,
    kafka_offset Int64,
    field String,
    reason String,
    message_time DateTime,
    recorded_at DateTime
) ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (source, topic, kafka_partition, kafka_offset, outcome);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_rejects_mv TO {analytics_db}.intake_history AS
SELECT
    source,
    dataset,
    'rejected' AS outcome,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    topic,
    kafka_partition,
    kafka_offset,
    field,
    reason,
    message_time,
    rejected_at AS recorded_at
FROM {db}.rejects;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_loads_mv TO {analytics_db}.intake_history AS
SELECT
    source,
    dataset,
    'loaded' AS outcome,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    topic,
    kafka_partition,
    kafka_offset,
    '' AS field,
    '' AS reason,
    message_time,
    message_time AS recorded_at
FROM {db}.loads;

-- One row per Kafka message: loaded, or rejected with the field and reason.
CREATE VIEW IF NOT EXISTS {analytics_db}.intake AS
SELECT
    source,
    topic,
    kafka_partition,
    kafka_offset,
    dataset,
    record_key_hash,
    if(loaded = 1, 'loaded', 'rejected') AS outcome,
    if(loaded = 1, '', reject_field) AS field,
    if(loaded = 1, '', reject_reason) AS reason,
    message_time,
    toDate(message_time, 'Asia/Shanghai') AS message_date
FROM
(
    SELECT
        source,
        topic,
        kafka_partition,
        kafka_offset,
        any(dataset) AS dataset,
        any(record_key_hash) AS record_key_hash,
        max(outcome = 'loaded') AS loaded,
        argMaxIf(field, recorded_at, outcome = 'rejected') AS reject_field,
        argMaxIf(reason, recorded_at, outcome = 'rejected') AS reject_reason,
        max(message_time) AS message_time
    FROM {analytics_db}.intake_history
    GROUP BY source, topic, kafka_partition, kafka_offset
);

-- One row per conflict: one person (person_key), one field (name or
-- birth_date), two source records that disagree (source_a < source_b).
CREATE TABLE IF NOT EXISTS {analytics_db}.identity_conflict_history (
    person_key String,
    field String,
    source_a String,
    record_key_hash_a String,
    source_b String,
    record_key_hash_b String,
    detected_at DateTime
) ENGINE = ReplacingMergeTree(detected_at)
ORDER BY (person_key, field, source_a, record_key_hash_a, source_b, record_key_hash_b);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_identity_conflict_mv TO {analytics_db}.identity_conflict_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    field,
    source_a,
    hex(MD5(concat('{pseudonym_salt}', record_key_a))) AS record_key_hash_a,
    source_b,
    hex(MD5(concat('{pseudonym_salt}', record_key_b))) AS record_key_hash_b,
    detected_at
FROM {db}.identity_conflict;

CREATE VIEW IF NOT EXISTS {analytics_db}.identity_conflict AS
SELECT
    person_key,
    field,
    source_a,
    record_key_hash_a,
    source_b,
    record_key_hash_b,
    max(detected_at) AS detected_at,
    toDate(detected_at, 'Asia/Shanghai') AS detected_date
FROM {analytics_db}.identity_conflict_history
GROUP BY person_key, field, source_a, record_key_hash_a, source_b, record_key_hash_b;

-- Rows stored before this migration (running it again only inserts rows that collapse).
INSERT INTO {analytics_db}.intake_history (source, dataset, outcome, record_key_hash, topic, kafka_partition, kafka_offset, field, reason, message_time, recorded_at)
SELECT source, dataset, 'rejected', hex(MD5(concat('{pseudonym_salt}', record_key))), topic, kafka_partition, kafka_offset, field, reason, message_time, rejected_at
FROM {db}.rejects;
INSERT INTO {analytics_db}.intake_history (source, dataset, outcome, record_key_hash, topic, kafka_partition, kafka_offset, field, reason, message_time, recorded_at)
SELECT source, dataset, 'loaded', hex(MD5(concat('{pseudonym_salt}', record_key))), topic, kafka_partition, kafka_offset, '', '', message_time, message_time
FROM {db}.loads;
INSERT INTO {analytics_db}.identity_conflict_history (person_key, field, source_a, record_key_hash_a, source_b, record_key_hash_b, detected_at)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), field, source_a, hex(MD5(concat('{pseudonym_salt}', record_key_a))),
    source_b, hex(MD5(concat('{pseudonym_salt}', record_key_b))), detected_at
FROM {db}.identity_conflict;
