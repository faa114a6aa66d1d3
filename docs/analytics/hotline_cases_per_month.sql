-- Trend of 12345 problem cases by month of a year, district-wide: cases (repeated calls counted once) and their tickets (calls), by the month of the case's first call (China time).
--
-- Run in the analytics database (clickhouse-client --database analytics).
WITH 2026 AS year  -- parameter: the calendar year, China time
SELECT
    toStartOfMonth(opened_date) AS month,
    count() AS cases,
    sum(calls) AS tickets,
    countIf(calls > 1) AS cases_with_repeated_calls
FROM hotline_case
WHERE toYear(opened_date) = year
GROUP BY month
ORDER BY month
