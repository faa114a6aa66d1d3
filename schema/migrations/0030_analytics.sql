-- The analysts' database {analytics_db}: de-identified copies of the profile
-- tables, and one view per dataset showing the CURRENT records (latest
-- source_time per source record, deletes removed). Grant analysts this database
-- only (users.xml: <allow_databases><database>analytics</database>, readonly):
-- nothing in it reads the profile database or contains the salt.
--
--   {db}.<dataset> ──MATERIALIZED VIEW {db}.analytics_<dataset>_mv──► {analytics_db}.<dataset>_history
--                                                                      └─ VIEW {analytics_db}.<dataset>
--
-- The materialized views live in the profile database {db}, so their SQL, which
-- holds clickhouse.pseudonym_salt, is invisible to analysts (SHOW CREATE of
-- anything in {analytics_db} shows no salt). They de-identify every inserted row:
-- id_number becomes person_key = hex(MD5(salt || id_number)) ('' stays ''),
-- household_id household_key and record_key record_key_hash the same way (record
-- keys often contain ID numbers); names, phones, addresses and free-text summaries are not
-- copied; birth dates are cut to the year. The views run with the caller's
-- rights (ClickHouse 18.16) and read only the _history tables.
--
-- _history tables keep every version like the profile tables: ReplacingMergeTree
-- (ingest_time) ordered by (person_key, source, record_key_hash, source_time), so
-- a replay collapses. The rows stored before this migration are copied once at
-- the end (running it again only inserts rows that collapse).

CREATE TABLE IF NOT EXISTS {analytics_db}.person_history (
    person_key String,
    household_key String,
    sex String,
    birth_year UInt16,
    ethnicity String,
    relation_to_head String,
    hukou_division String,
    status String,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_person_mv TO {analytics_db}.person_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    if(household_id = '', '', hex(MD5(concat('{pseudonym_salt}', household_id)))) AS household_key,
    sex,
    toUInt16OrZero(substring(birth_date, 1, 4)) AS birth_year,
    ethnicity,
    relation_to_head,
    hukou_division,
    status,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.person;

DROP TABLE IF EXISTS {analytics_db}.person;

CREATE VIEW IF NOT EXISTS {analytics_db}.person AS
SELECT person_key, household_key, sex, birth_year, ethnicity, relation_to_head, hukou_division, status, source, record_key_hash, source_time
FROM {analytics_db}.person_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.person_history GROUP BY source, record_key_hash);

CREATE TABLE IF NOT EXISTS {analytics_db}.residence_history (
    person_key String,
    community_code String,
    since String,
    evidence_kind String,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_residence_mv TO {analytics_db}.residence_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    community_code,
    since,
    evidence_kind,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.residence;

DROP TABLE IF EXISTS {analytics_db}.residence;

CREATE VIEW IF NOT EXISTS {analytics_db}.residence AS
SELECT person_key, community_code, since, evidence_kind, source, record_key_hash, source_time
FROM {analytics_db}.residence_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.residence_history GROUP BY source, record_key_hash);

CREATE TABLE IF NOT EXISTS {analytics_db}.social_insurance_history (
    person_key String,
    insurance_type String,
    status String,
    employer_credit_code String,
    contribution_base_fen Int64,
    monthly_pension_fen Int64,
    period_start String,
    period_end String,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_social_insurance_mv TO {analytics_db}.social_insurance_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    insurance_type,
    status,
    employer_credit_code,
    contribution_base_fen,
    monthly_pension_fen,
    period_start,
    period_end,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.social_insurance;

DROP TABLE IF EXISTS {analytics_db}.social_insurance;

CREATE VIEW IF NOT EXISTS {analytics_db}.social_insurance AS
SELECT person_key, insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen, period_start, period_end, source, record_key_hash, source_time
FROM {analytics_db}.social_insurance_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.social_insurance_history GROUP BY source, record_key_hash);

CREATE TABLE IF NOT EXISTS {analytics_db}.employment_history (
    person_key String,
    employer_credit_code String,
    employer_name String,
    period Date,
    gross_income_fen Int64,
    income_kind String,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_employment_mv TO {analytics_db}.employment_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    employer_credit_code,
    employer_name,
    period,
    gross_income_fen,
    income_kind,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.employment;

DROP TABLE IF EXISTS {analytics_db}.employment;

CREATE VIEW IF NOT EXISTS {analytics_db}.employment AS
SELECT person_key, employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, record_key_hash, source_time
FROM {analytics_db}.employment_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.employment_history GROUP BY source, record_key_hash);

CREATE TABLE IF NOT EXISTS {analytics_db}.health_history (
    person_key String,
    disability_category String,
    disability_grade Int32,
    major_illness UInt8,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_health_mv TO {analytics_db}.health_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    disability_category,
    disability_grade,
    major_illness,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.health;

DROP TABLE IF EXISTS {analytics_db}.health;

CREATE VIEW IF NOT EXISTS {analytics_db}.health AS
SELECT person_key, disability_category, disability_grade, major_illness, source, record_key_hash, source_time
FROM {analytics_db}.health_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.health_history GROUP BY source, record_key_hash);

CREATE TABLE IF NOT EXISTS {analytics_db}.asset_history (
    person_key String,
    asset_kind String,
    value_fen Int64,
    registered_at String,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_asset_mv TO {analytics_db}.asset_history AS
SELECT
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    asset_kind,
    value_fen,
    registered_at,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.asset;

DROP TABLE IF EXISTS {analytics_db}.asset;

CREATE VIEW IF NOT EXISTS {analytics_db}.asset AS
SELECT person_key, asset_kind, value_fen, registered_at, source, record_key_hash, source_time
FROM {analytics_db}.asset_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.asset_history GROUP BY source, record_key_hash);

CREATE TABLE IF NOT EXISTS {analytics_db}.hotline_ticket_history (
    ticket_id String,
    person_key String,
    time DateTime,
    community_code String,
    category String,
    status String,
    source String,
    record_key_hash String,
    deleted UInt8,
    source_time DateTime,
    ingest_time DateTime
) ENGINE = ReplacingMergeTree(ingest_time)
ORDER BY (person_key, source, record_key_hash, source_time);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_hotline_ticket_mv TO {analytics_db}.hotline_ticket_history AS
SELECT
    ticket_id,
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    time,
    community_code,
    category,
    status,
    source,
    hex(MD5(concat('{pseudonym_salt}', record_key))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.hotline_ticket;

DROP TABLE IF EXISTS {analytics_db}.hotline_ticket;

CREATE VIEW IF NOT EXISTS {analytics_db}.hotline_ticket AS
SELECT ticket_id, person_key, time, community_code, category, status, source, record_key_hash, source_time
FROM {analytics_db}.hotline_ticket_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.hotline_ticket_history GROUP BY source, record_key_hash);

-- Rows stored before this migration.
INSERT INTO {analytics_db}.person_history (person_key, household_key, sex, birth_year, ethnicity, relation_to_head, hukou_division, status, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), if(household_id = '', '', hex(MD5(concat('{pseudonym_salt}', household_id)))), sex, toUInt16OrZero(substring(birth_date, 1, 4)), ethnicity, relation_to_head, hukou_division, status, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.person;
INSERT INTO {analytics_db}.residence_history (person_key, community_code, since, evidence_kind, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), community_code, since, evidence_kind, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.residence;
INSERT INTO {analytics_db}.social_insurance_history (person_key, insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen, period_start, period_end, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen, period_start, period_end, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.social_insurance;
INSERT INTO {analytics_db}.employment_history (person_key, employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.employment;
INSERT INTO {analytics_db}.health_history (person_key, disability_category, disability_grade, major_illness, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), disability_category, disability_grade, major_illness, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.health;
INSERT INTO {analytics_db}.asset_history (person_key, asset_kind, value_fen, registered_at, source, record_key_hash, deleted, source_time, ingest_time)
SELECT if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), asset_kind, value_fen, registered_at, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.asset;
INSERT INTO {analytics_db}.hotline_ticket_history (ticket_id, person_key, time, community_code, category, status, source, record_key_hash, deleted, source_time, ingest_time)
SELECT ticket_id, if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))), time, community_code, category, status, source, hex(MD5(concat('{pseudonym_salt}', record_key))), deleted, source_time, ingest_time
FROM {db}.hotline_ticket;
