-- record_owner keeps only the owners of records that can move to another
-- person. A source whose record key holds the subject's id_number (payroll's
-- key is [身份证号, 所属期, 统一社会信用代码, 收入类型]) stores a record under that
-- id_number and no other: the pipelines never look its upserts up, and a
-- delete that carries only the key takes the id_number from it
-- (pipelines/record: Normalize). Its rows here were written only to be
-- merged: about 85 % of record_owner's rows, and record_owner was the most
-- re-merged table (README: Performance, Ingest).
--
-- The views skip a row whose id_number is one of its record key's parts
-- (separator '|', record.KeySeparator): the canonical key of such a source
-- holds the id_number normalized as the field is. A source whose key lacks
-- the id_number's column (asset, hotline) keeps its rows, unless a record's
-- key part is its owner's very id_number, and such a record is keyed by its
-- owner. Rows without an id_number are kept. Rows stored before stay, so
-- look-ups of older records still find them.
--
-- Each view is created under a new name before the old one is dropped, so a
-- row loaded meanwhile reaches record_owner once or twice (the copies
-- collapse: ReplacingMergeTree), never not at all.

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_person_mv_0130 TO {db}.record_owner AS
SELECT 'person' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.person
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_person_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_residence_mv_0130 TO {db}.record_owner AS
SELECT 'residence' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.residence
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_residence_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_social_insurance_mv_0130 TO {db}.record_owner AS
SELECT 'social_insurance' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.social_insurance
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_social_insurance_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_employment_mv_0130 TO {db}.record_owner AS
SELECT 'employment' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.employment
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_employment_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_health_mv_0130 TO {db}.record_owner AS
SELECT 'health' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.health
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_health_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_asset_mv_0130 TO {db}.record_owner AS
SELECT 'asset' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.asset
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_asset_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.record_owner_hotline_ticket_mv_0130 TO {db}.record_owner AS
SELECT 'hotline_ticket' AS dataset, source, record_key, id_number, source_time, ingest_time
FROM {db}.hotline_ticket
WHERE deleted = 0 AND (id_number = '' OR NOT has(splitByString('|', record_key), id_number));
DROP TABLE IF EXISTS {db}.record_owner_hotline_ticket_mv;
