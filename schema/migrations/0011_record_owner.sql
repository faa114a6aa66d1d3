-- Who has owned each source record (pipelines/lookup.go). A department may move a
-- record to another person (an asset re-registered, a ticket re-assigned): the
-- profile tables are ordered by id_number, so the pipelines must also write a
-- tombstone (deleted = 1) under every earlier id_number of the record, and deletes
-- must find every id_number a record was stored under. Both read this table with
-- one primary-key lookup: WHERE dataset = ? AND (source, record_key) IN (...).
--
-- One row per (dataset, source, record key, owner) after merges: it is filled by
-- one materialized view per dataset table from the non-deleted rows (a replay
-- inserts the same rows again and they collapse). Before a merge there is one row
-- per stored version, so readers aggregate: min(source_time) is when the owner
-- first held the record (never earlier than the truth), max(source_time) with its
-- ingest_time the owner's latest version.
CREATE TABLE IF NOT EXISTS {db}.record_owner (
    dataset String,
    source String,
    record_key String,
    id_number String,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (dataset, source, record_key, id_number);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_person_mv TO {db}.record_owner AS
SELECT 'person' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.person
WHERE deleted = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_residence_mv TO {db}.record_owner AS
SELECT 'residence' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.residence
WHERE deleted = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_social_insurance_mv TO {db}.record_owner AS
SELECT 'social_insurance' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.social_insurance
WHERE deleted = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_employment_mv TO {db}.record_owner AS
SELECT 'employment' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.employment
WHERE deleted = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_health_mv TO {db}.record_owner AS
SELECT 'health' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.health
WHERE deleted = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_asset_mv TO {db}.record_owner AS
SELECT 'asset' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.asset
WHERE deleted = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_hotline_ticket_mv TO {db}.record_owner AS
SELECT 'hotline_ticket' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.hotline_ticket
WHERE deleted = 0;

-- Rows stored before this migration (the views see only new inserts). Running it
-- again, or alongside a load, only inserts rows that collapse with existing ones.
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'person', source, record_key, id_number, source_time, ingest_time FROM {db}.person WHERE deleted = 0;
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'residence', source, record_key, id_number, source_time, ingest_time FROM {db}.residence WHERE deleted = 0;
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'social_insurance', source, record_key, id_number, source_time, ingest_time FROM {db}.social_insurance WHERE deleted = 0;
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'employment', source, record_key, id_number, source_time, ingest_time FROM {db}.employment WHERE deleted = 0;
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'health', source, record_key, id_number, source_time, ingest_time FROM {db}.health WHERE deleted = 0;
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'asset', source, record_key, id_number, source_time, ingest_time FROM {db}.asset WHERE deleted = 0;
INSERT INTO {db}.record_owner (dataset, source, record_key, id_number, source_time, ingest_time)
SELECT 'hotline_ticket', source, record_key, id_number, source_time, ingest_time FROM {db}.hotline_ticket WHERE deleted = 0;
