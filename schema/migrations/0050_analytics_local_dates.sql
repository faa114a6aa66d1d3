-- Local dates in the analysts' views. Instants are stored in UTC (DateTime on a
-- UTC server), so toDate(source_time) puts a record changed at 07:30 China time
-- on the previous day. Every current view now has, beside each instant, its
-- calendar day in China Standard Time (Asia/Shanghai, UTC+8, no daylight saving
-- since 1991): source_date beside source_time, ticket_date beside
-- hotline_ticket.time. Group and filter by those (docs/analytics.md).
--
-- The views are replaced (DROP + CREATE, as in 0030); the _history tables keep
-- their columns: there, group by toDate(source_time, 'Asia/Shanghai').

DROP TABLE IF EXISTS {analytics_db}.person;

CREATE VIEW IF NOT EXISTS {analytics_db}.person AS
SELECT person_key, household_key, sex, birth_year, ethnicity, relation_to_head, hukou_division, status, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.person_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.person_history GROUP BY source, record_key_hash);

DROP TABLE IF EXISTS {analytics_db}.residence;

CREATE VIEW IF NOT EXISTS {analytics_db}.residence AS
SELECT person_key, community_code, since, evidence_kind, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.residence_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.residence_history GROUP BY source, record_key_hash);

DROP TABLE IF EXISTS {analytics_db}.social_insurance;

CREATE VIEW IF NOT EXISTS {analytics_db}.social_insurance AS
SELECT person_key, insurance_type, status, employer_credit_code, contribution_base_fen, monthly_pension_fen, period_start, period_end, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.social_insurance_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.social_insurance_history GROUP BY source, record_key_hash);

DROP TABLE IF EXISTS {analytics_db}.employment;

CREATE VIEW IF NOT EXISTS {analytics_db}.employment AS
SELECT person_key, employer_credit_code, employer_name, period, gross_income_fen, income_kind, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.employment_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.employment_history GROUP BY source, record_key_hash);

DROP TABLE IF EXISTS {analytics_db}.health;

CREATE VIEW IF NOT EXISTS {analytics_db}.health AS
SELECT person_key, disability_category, disability_grade, major_illness, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.health_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.health_history GROUP BY source, record_key_hash);

DROP TABLE IF EXISTS {analytics_db}.asset;

CREATE VIEW IF NOT EXISTS {analytics_db}.asset AS
SELECT person_key, asset_kind, value_fen, registered_at, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.asset_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.asset_history GROUP BY source, record_key_hash);

DROP TABLE IF EXISTS {analytics_db}.hotline_ticket;

CREATE VIEW IF NOT EXISTS {analytics_db}.hotline_ticket AS
SELECT ticket_id, person_key, time, toDate(time, 'Asia/Shanghai') AS ticket_date, community_code, category, status, source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.hotline_ticket_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.hotline_ticket_history GROUP BY source, record_key_hash);
