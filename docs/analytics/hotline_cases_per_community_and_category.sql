-- 12345 problem cases per community and category in a year: repeated calls counted once (view hotline_case), with the calls, the share resolved and the median days to close.
--
-- A case belongs to the year (China time) of its first call. community_code
-- is as the hotline delivered it ('' = the ticket named only an area or
-- address; the hub's ranking places those by its configuration). Map
-- categories to the district's problem kinds and committees with the hub's
-- table (README, "12345 hotline"); GET /v1/hotline/top-problems does it.
-- Run in the analytics database (clickhouse-client --database analytics).
WITH 2026 AS year  -- parameter: the calendar year, China time
SELECT
    community_code,
    category,
    count() AS cases,
    sum(calls) AS calls,
    round(avg(resolved), 4) AS resolved_share,
    round(quantileExact(0.5)(days_to_close), 1) AS median_days_to_close
FROM hotline_case
WHERE toYear(opened_date) = year
GROUP BY community_code, category
ORDER BY community_code, cases DESC, category
