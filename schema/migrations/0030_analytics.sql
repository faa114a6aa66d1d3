-- De-identified views for analysts, in the analytics database. Each shows the
-- CURRENT records (latest source_time per source record, deletes removed).
-- id_number is replaced by person_key = hex(MD5(salt || id_number)) (salt:
-- clickhouse.pseudonym_salt), household_id by household_key the same way;
-- names, phones, addresses and free-text summaries are not exposed; birth
-- dates are cut to the year. Grant analysts access to this database only.

CREATE VIEW IF NOT EXISTS {analytics_db}.person AS
SELECT
    hex(MD5(concat('{pseudonym_salt}', id_number))) AS person_key,
    hex(MD5(concat('{pseudonym_salt}', household_id))) AS household_key,
    sex, toUInt16OrZero(substring(birth_date, 1, 4)) AS birth_year, ethnicity, relation_to_head,
    hukou_division, status, source, source_time
FROM {db}.person FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.person GROUP BY source, record_key);

CREATE VIEW IF NOT EXISTS {analytics_db}.residence AS
SELECT
    hex(MD5(concat('{pseudonym_salt}', id_number))) AS person_key,
    community_code, since, evidence_kind, source, source_time
FROM {db}.residence FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.residence GROUP BY source, record_key);

CREATE VIEW IF NOT EXISTS {analytics_db}.social_insurance AS
SELECT
    hex(MD5(concat('{pseudonym_salt}', id_number))) AS person_key,
    insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen,
    period_start, period_end, source, source_time
FROM {db}.social_insurance FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.social_insurance GROUP BY source, record_key);

CREATE VIEW IF NOT EXISTS {analytics_db}.employment AS
SELECT
    hex(MD5(concat('{pseudonym_salt}', id_number))) AS person_key,
    employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, source_time
FROM {db}.employment FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.employment GROUP BY source, record_key);

CREATE VIEW IF NOT EXISTS {analytics_db}.health AS
SELECT
    hex(MD5(concat('{pseudonym_salt}', id_number))) AS person_key,
    disability_category, disability_grade, major_illness, source, source_time
FROM {db}.health FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.health GROUP BY source, record_key);

CREATE VIEW IF NOT EXISTS {analytics_db}.asset AS
SELECT
    hex(MD5(concat('{pseudonym_salt}', id_number))) AS person_key,
    asset_kind, value_fen, registered_at, source, source_time
FROM {db}.asset FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.asset GROUP BY source, record_key);

CREATE VIEW IF NOT EXISTS {analytics_db}.hotline_ticket AS
SELECT
    ticket_id,
    if(id_number = '', '', hex(MD5(concat('{pseudonym_salt}', id_number)))) AS person_key,
    time, community_code, category, status, source, source_time
FROM {db}.hotline_ticket FINAL
WHERE deleted = 0 AND (source, record_key, source_time) IN
    (SELECT source, record_key, max(source_time) FROM {db}.hotline_ticket GROUP BY source, record_key);
