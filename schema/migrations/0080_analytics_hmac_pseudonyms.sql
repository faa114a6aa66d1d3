-- Pseudonyms become keyed HMAC-SHA-256 (RFC 2104, FIPS 198-1) instead of
-- MD5(salt || value): person_key, household_key and every record_key_hash in
-- {analytics_db} are now hex(HMAC-SHA-256(pseudonym_salt, value)), 64 hex
-- characters. HMAC is computed with ClickHouse's SHA256 (18.16 has it) as
-- SHA256((K xor opad) || SHA256((K xor ipad) || value)); the two padded keys
-- are derived from clickhouse.pseudonym_salt by the migration runner
-- (store.Statements), so the salt itself no longer appears in any SQL. The
-- materialized views stay in the profile database, out of analysts' sight.
--
-- THE CUT: old MD5 keys are not kept. Every analytics _history table is
-- emptied and refilled from the profile tables with the new keys, so within
-- the database everything joins as before, but a person_key or
-- household_key an analyst saved outside ClickHouse before this migration
-- (an exported file, a notebook) no longer matches: re-export after
-- upgrading. (Keeping the MD5 keys beside the new ones would keep the weak
-- hash this migration removes.)
--
-- Safe while the hub runs: a row loaded between a view's DROP and its
-- CREATE is copied by the refill, and one copied twice collapses
-- (ReplacingMergeTree on the same key). Running it again repeats the refill.

DROP TABLE IF EXISTS {db}.analytics_person_mv;
DROP TABLE IF EXISTS {db}.analytics_residence_mv;
DROP TABLE IF EXISTS {db}.analytics_social_insurance_mv;
DROP TABLE IF EXISTS {db}.analytics_employment_mv;
DROP TABLE IF EXISTS {db}.analytics_health_mv;
DROP TABLE IF EXISTS {db}.analytics_asset_mv;
DROP TABLE IF EXISTS {db}.analytics_hotline_ticket_mv;
DROP TABLE IF EXISTS {db}.analytics_rejects_mv;
DROP TABLE IF EXISTS {db}.analytics_loads_mv;
DROP TABLE IF EXISTS {db}.analytics_identity_conflict_mv;
TRUNCATE TABLE {analytics_db}.person_history;
TRUNCATE TABLE {analytics_db}.residence_history;
TRUNCATE TABLE {analytics_db}.social_insurance_history;
TRUNCATE TABLE {analytics_db}.employment_history;
TRUNCATE TABLE {analytics_db}.health_history;
TRUNCATE TABLE {analytics_db}.asset_history;
TRUNCATE TABLE {analytics_db}.hotline_ticket_history;
TRUNCATE TABLE {analytics_db}.intake_history;
TRUNCATE TABLE {analytics_db}.identity_conflict_history;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_person_mv TO {analytics_db}.person_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    if(household_id = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), household_id)))))) AS household_key,
    sex,
    toUInt16OrZero(substring(birth_date, 1, 4)) AS birth_year,
    ethnicity,
    relation_to_head,
    hukou_division,
    status,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.person;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_residence_mv TO {analytics_db}.residence_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    community_code,
    since,
    evidence_kind,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.residence;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_social_insurance_mv TO {analytics_db}.social_insurance_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    insurance_type,
    status,
    employer_credit_code,
    contribution_base_fen,
    monthly_pension_fen,
    period_start,
    period_end,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.social_insurance;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_employment_mv TO {analytics_db}.employment_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    employer_credit_code,
    employer_name,
    period,
    gross_income_fen,
    income_kind,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.employment;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_health_mv TO {analytics_db}.health_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    disability_category,
    disability_grade,
    major_illness,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.health;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_asset_mv TO {analytics_db}.asset_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    asset_kind,
    value_fen,
    registered_at,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.asset;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_hotline_ticket_mv TO {analytics_db}.hotline_ticket_history AS
SELECT
    ticket_id,
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    time,
    community_code,
    category,
    status,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.hotline_ticket;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_rejects_mv TO {analytics_db}.intake_history AS
SELECT
    source,
    dataset,
    'rejected' AS outcome,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
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
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    topic,
    kafka_partition,
    kafka_offset,
    '' AS field,
    '' AS reason,
    message_time,
    message_time AS recorded_at
FROM {db}.loads;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_identity_conflict_mv TO {analytics_db}.identity_conflict_history AS
SELECT
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    field,
    source_a,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key_a))))) AS record_key_hash_a,
    source_b,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key_b))))) AS record_key_hash_b,
    detected_at
FROM {db}.identity_conflict;

-- The refill.
INSERT INTO {analytics_db}.person_history (person_key, household_key, sex, birth_year, ethnicity, relation_to_head, hukou_division, status, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), if(household_id = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), household_id)))))), sex, toUInt16OrZero(substring(birth_date, 1, 4)), ethnicity, relation_to_head, hukou_division, status, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.person;
INSERT INTO {analytics_db}.residence_history (person_key, community_code, since, evidence_kind, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), community_code, since, evidence_kind, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.residence;
INSERT INTO {analytics_db}.social_insurance_history (person_key, insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen, period_start, period_end, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen, period_start, period_end, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.social_insurance;
INSERT INTO {analytics_db}.employment_history (person_key, employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.employment;
INSERT INTO {analytics_db}.health_history (person_key, disability_category, disability_grade, major_illness, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), disability_category, disability_grade, major_illness, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.health;
INSERT INTO {analytics_db}.asset_history (person_key, asset_kind, value_fen, registered_at, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), asset_kind, value_fen, registered_at, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.asset;
INSERT INTO {analytics_db}.hotline_ticket_history (ticket_id, person_key, time, community_code, category, status, source, record_key_hash, deleted, source_time, ingest_time)
SELECT ticket_id, if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), time, community_code, category, status, source, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), deleted, source_time, ingest_time
FROM {db}.hotline_ticket;
INSERT INTO {analytics_db}.intake_history (source, dataset, outcome, record_key_hash, topic, kafka_partition, kafka_offset, field, reason, message_time, recorded_at)
SELECT source, dataset, 'rejected', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), topic, kafka_partition, kafka_offset, field, reason, message_time, rejected_at
FROM {db}.rejects;
INSERT INTO {analytics_db}.intake_history (source, dataset, outcome, record_key_hash, topic, kafka_partition, kafka_offset, field, reason, message_time, recorded_at)
SELECT source, dataset, 'loaded', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))), topic, kafka_partition, kafka_offset, '', '', message_time, message_time
FROM {db}.loads;
INSERT INTO {analytics_db}.identity_conflict_history (person_key, field, source_a, record_key_hash_a, source_b, record_key_hash_b, detected_at)
SELECT if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))), field, source_a, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key_a))))),
    source_b, hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key_b))))), detected_at
FROM {db}.identity_conflict;
