-- Hotline tickets get what the top-problems ranking reads (package hotline):
-- the channel (12345, 12333, WeChat, suggestion box, walk-in), the closed
-- time, the resident's satisfaction, the hotline's case id and the caller
-- (personal data, kept like a phone number). The analytics copy gets them
-- too, the caller as the pseudonym caller_key (HMAC-SHA-256 as in 0080), so
-- analysts can count repeated calls about one case once. Numbering: 009x
-- the hotline ranking (schema/migrations.go).

ALTER TABLE {db}.hotline_ticket ADD COLUMN channel String AFTER status, ADD COLUMN closed_time DateTime AFTER channel, ADD COLUMN satisfaction String AFTER closed_time, ADD COLUMN case_id String AFTER satisfaction, ADD COLUMN caller String AFTER case_id;

ALTER TABLE {analytics_db}.hotline_ticket_history ADD COLUMN caller_key String AFTER person_key, ADD COLUMN channel String AFTER status, ADD COLUMN closed_time DateTime AFTER channel, ADD COLUMN satisfaction String AFTER closed_time, ADD COLUMN case_id String AFTER satisfaction;

DROP TABLE IF EXISTS {db}.analytics_hotline_ticket_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.analytics_hotline_ticket_mv TO {analytics_db}.hotline_ticket_history AS
SELECT
    ticket_id,
    if(id_number = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), id_number)))))) AS person_key,
    if(caller = '', '', hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), caller)))))) AS caller_key,
    time,
    community_code,
    category,
    status,
    channel,
    closed_time,
    satisfaction,
    case_id,
    source,
    hex(SHA256(concat(unhex('{hmac_opad}'), SHA256(concat(unhex('{hmac_ipad}'), record_key))))) AS record_key_hash,
    deleted,
    source_time,
    ingest_time
FROM {db}.hotline_ticket;

DROP TABLE IF EXISTS {analytics_db}.hotline_ticket;

CREATE VIEW IF NOT EXISTS {analytics_db}.hotline_ticket AS
SELECT ticket_id, person_key, caller_key, time, toDate(time, 'Asia/Shanghai') AS ticket_date, community_code, category, status,
    channel, closed_time, toDate(closed_time, 'Asia/Shanghai') AS closed_date, satisfaction, case_id,
    source, record_key_hash, source_time, toDate(source_time, 'Asia/Shanghai') AS source_date
FROM {analytics_db}.hotline_ticket_history FINAL
WHERE deleted = 0 AND (source, record_key_hash, source_time) IN
    (SELECT source, record_key_hash, max(source_time) FROM {analytics_db}.hotline_ticket_history GROUP BY source, record_key_hash)
