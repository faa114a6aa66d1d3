-- Time to close 12345 problem cases per category in a year: resolved cases, and the median and 90th percentile of the days from the first call to the close.
--
-- Per committee: the hub's configuration (hotline.committees) says which
-- problem kinds, and so which categories, each committee answers for; group
-- these rows by it. Cases not resolved, or closed without a closed time, are
-- not counted (days_to_close is NULL).
-- Run in the analytics database (clickhouse-client --database analytics).
WITH 2026 AS year  -- parameter: the calendar year, China time
SELECT
    category,
    count() AS resolved_cases,
    round(quantileExact(0.5)(days_to_close), 1) AS median_days_to_close,
    round(quantileExact(0.9)(days_to_close), 1) AS p90_days_to_close
FROM hotline_case
WHERE toYear(opened_date) = year AND days_to_close IS NOT NULL
GROUP BY category
ORDER BY category
