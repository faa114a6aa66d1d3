-- Read side for point reads (profile/readside.go): the counter's checks read a
-- household from here in one query instead of six wide history tables.
--
-- profile_rows holds every stored row (every version) of the six profile
-- datasets in one table, ordered by (id_number, dataset, source, record_key,
-- source_time) and collapsed like the history tables (ReplacingMergeTree on
-- ingest_time), so the reader's "current as of" logic over it gives exactly the
-- history tables' answer, "as of" dates included. What a read needs is packed
-- into one Array(String) column: [dataset, source, record_key, deleted,
-- source_time, ingest_time (Unix seconds), then every field but id_number in
-- schema order (integers in decimal, DateTime as Unix seconds)], so a point read
-- decompresses two columns. household_members maps a household_id to every
-- id_number ever filed under it. Both use 256-row granules (the history tables
-- have 8,192): a person is one or two granules.
--
-- Materialized views on the history tables fill them in the same insert as the
-- pipelines' rows, so nothing else writes here and a row is readable as soon as
-- the insert returns. The rows stored before this migration are copied at the
-- end (running it again, or beside a load, only inserts rows that collapse).
--
-- A new field of a profile dataset: its migration adds the column to the
-- history table, creates the dataset's view again under a new name
-- (profile_rows_<dataset>_mv_<migration number>) with the field appended to
-- packed, then drops the old view; TestReadSideViewsMatchSchema (profile) prints
-- the statement. Rows stored before read the new field as its zero value, as the
-- history table's added column does.

CREATE TABLE IF NOT EXISTS {db}.profile_rows (
    id_number String,
    dataset String,
    source String,
    record_key String,
    source_time DateTime,
    ingest_time DateTime,
    household_id String,
    packed Array(String)
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, dataset, source, record_key, source_time)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS {db}.household_members (
    household_id String,
    id_number String
) ENGINE = ReplacingMergeTree()
ORDER BY (household_id, id_number)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.household_members_mv TO {db}.household_members AS
SELECT household_id, id_number FROM {db}.person;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_person_mv TO {db}.profile_rows AS
SELECT id_number, 'person' AS dataset, source, record_key, source_time, ingest_time, household_id,
    ['person', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), name, sex, birth_date, ethnicity, household_id,
     relation_to_head, hukou_division, hukou_address, status, phone] AS packed
FROM {db}.person;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_residence_mv TO {db}.profile_rows AS
SELECT id_number, 'residence' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['residence', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), address, community_code, since, evidence_kind] AS packed
FROM {db}.residence;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_social_insurance_mv TO {db}.profile_rows AS
SELECT id_number, 'social_insurance' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['social_insurance', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), insurance_type, status, employer_credit_code,
     toString(contribution_base_fen), toString(monthly_pension_fen), period_start, period_end] AS packed
FROM {db}.social_insurance;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_employment_mv TO {db}.profile_rows AS
SELECT id_number, 'employment' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['employment', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), employer_credit_code, employer_name, toString(period),
     toString(gross_income_fen), income_kind] AS packed
FROM {db}.employment;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_health_mv TO {db}.profile_rows AS
SELECT id_number, 'health' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['health', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), health_code_colour, toString(toUnixTimestamp(health_code_time)),
     disability_category, toString(disability_grade), toString(major_illness)] AS packed
FROM {db}.health;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_rows_asset_mv TO {db}.profile_rows AS
SELECT id_number, 'asset' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['asset', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), asset_kind, toString(value_fen), registered_at] AS packed
FROM {db}.asset;

-- The rows stored before this migration.
INSERT INTO {db}.profile_rows (id_number, dataset, source, record_key, source_time, ingest_time, household_id, packed)
SELECT id_number, 'person' AS dataset, source, record_key, source_time, ingest_time, household_id,
    ['person', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), name, sex, birth_date, ethnicity, household_id,
     relation_to_head, hukou_division, hukou_address, status, phone] AS packed
FROM {db}.person;
INSERT INTO {db}.profile_rows (id_number, dataset, source, record_key, source_time, ingest_time, household_id, packed)
SELECT id_number, 'residence' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['residence', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), address, community_code, since, evidence_kind] AS packed
FROM {db}.residence;
INSERT INTO {db}.profile_rows (id_number, dataset, source, record_key, source_time, ingest_time, household_id, packed)
SELECT id_number, 'social_insurance' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['social_insurance', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), insurance_type, status, employer_credit_code,
     toString(contribution_base_fen), toString(monthly_pension_fen), period_start, period_end] AS packed
FROM {db}.social_insurance;
INSERT INTO {db}.profile_rows (id_number, dataset, source, record_key, source_time, ingest_time, household_id, packed)
SELECT id_number, 'employment' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['employment', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), employer_credit_code, employer_name, toString(period),
     toString(gross_income_fen), income_kind] AS packed
FROM {db}.employment;
INSERT INTO {db}.profile_rows (id_number, dataset, source, record_key, source_time, ingest_time, household_id, packed)
SELECT id_number, 'health' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['health', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), health_code_colour, toString(toUnixTimestamp(health_code_time)),
     disability_category, toString(disability_grade), toString(major_illness)] AS packed
FROM {db}.health;
INSERT INTO {db}.profile_rows (id_number, dataset, source, record_key, source_time, ingest_time, household_id, packed)
SELECT id_number, 'asset' AS dataset, source, record_key, source_time, ingest_time, '' AS household_id,
    ['asset', source, record_key, toString(deleted), toString(toUnixTimestamp(source_time)),
     toString(toUnixTimestamp(ingest_time)), asset_kind, toString(value_fen), registered_at] AS packed
FROM {db}.asset;
INSERT INTO {db}.household_members (household_id, id_number)
SELECT household_id, id_number FROM {db}.person;
