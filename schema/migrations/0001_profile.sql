-- Resident-profile tables: one per canonical dataset (schema/datasets.go), full history.
-- Every version of a source record is a row; a replay inserts the same sorting key again
-- and ReplacingMergeTree(ingest_time) keeps one copy, so read with FINAL (or dedupe by the key).
-- Ordered by id_number first: the API reads one person at a time (primary-key lookups).
-- Calendar dates (birth_date, since, ...) are ISO 'YYYY-MM-DD' Strings ('' = unknown):
-- ClickHouse 18.16's Date holds only 1970..2105, and people were born before 1970.
-- Months (employment.period) and instants are Date / DateTime.

CREATE TABLE IF NOT EXISTS {db}.person (
    id_number String,
    name String,
    sex String,
    birth_date String,
    ethnicity String,
    household_id String,
    relation_to_head String,
    hukou_division String,
    hukou_address String,
    status String,
    phone String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);

CREATE TABLE IF NOT EXISTS {db}.residence (
    id_number String,
    address String,
    community_code String,
    since String,
    evidence_kind String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);

CREATE TABLE IF NOT EXISTS {db}.social_insurance (
    id_number String,
    insurance_type String,
    status String,
    employer_credit_code String,
    contribution_base_fen Int64,
    monthly_pension_fen Int64,
    period_start String,
    period_end String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);

CREATE TABLE IF NOT EXISTS {db}.employment (
    id_number String,
    employer_credit_code String,
    employer_name String,
    period Date,
    gross_income_fen Int64,
    income_kind String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);

CREATE TABLE IF NOT EXISTS {db}.health (
    id_number String,
    health_code_colour String,
    health_code_time DateTime,
    disability_category String,
    disability_grade Int32,
    major_illness UInt8,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);

CREATE TABLE IF NOT EXISTS {db}.asset (
    id_number String,
    asset_kind String,
    value_fen Int64,
    registered_at String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);

CREATE TABLE IF NOT EXISTS {db}.hotline_ticket (
    ticket_id String,
    id_number String,
    time DateTime,
    community_code String,
    category String,
    summary String,
    status String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime,
    pipeline_version String
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (id_number, source, record_key, source_time);
-- Household members by household_id (the dibao check reads a whole household):
-- the same person rows, sorted by household_id, filled by a materialized view.
CREATE TABLE IF NOT EXISTS {db}.person_by_household (
    household_id String,
    id_number String,
    relation_to_head String,
    source String,
    record_key String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (household_id, id_number, source, record_key, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.person_by_household_mv TO {db}.person_by_household AS
SELECT household_id, id_number, relation_to_head, source, record_key, deleted, source_time, ingest_time
FROM {db}.person;
