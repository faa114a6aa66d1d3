-- Freshness and rejection rate per source: the latest change each department sent, when the hub last loaded one, and the share of its records rejected.
--
-- latest_source_time is the department's own change time (UTC; its China
-- date beside it), latest_ingest_time when the hub stored it. messages counts
-- every record the pipelines read from the source's Kafka topic raw.<source>
-- (a duplicate row counts again), rejected those they sent to dlq.<source>
-- and did not load since; the fields and reasons are in view intake. Records
-- a connector could not make a record of at all (no key value, unreadable
-- change time, a malformed pushed line) never reach raw.<source> and are not
-- counted here: they are in dlq.<source> only (residenthub report).
-- Run in the analytics database (clickhouse-client --database analytics).
SELECT
    source,
    latest_source_time,
    toDate(latest_source_time, 'Asia/Shanghai') AS latest_source_date,
    latest_ingest_time,
    messages,
    rejected,
    if(messages = 0, NULL, round(rejected / messages, 4)) AS rejection_rate
FROM
(
    SELECT source, max(source_time) AS latest_source_time, max(ingest_time) AS latest_ingest_time
    FROM
    (
        SELECT source, source_time, ingest_time FROM person_history
        UNION ALL SELECT source, source_time, ingest_time FROM residence_history
        UNION ALL SELECT source, source_time, ingest_time FROM social_insurance_history
        UNION ALL SELECT source, source_time, ingest_time FROM employment_history
        UNION ALL SELECT source, source_time, ingest_time FROM health_history
        UNION ALL SELECT source, source_time, ingest_time FROM asset_history
        UNION ALL SELECT source, source_time, ingest_time FROM hotline_ticket_history
    )
    GROUP BY source
)
ALL FULL OUTER JOIN
(
    SELECT source, count() AS messages, countIf(outcome = 'rejected') AS rejected
    FROM intake
    GROUP BY source
) USING source
ORDER BY source
