-- Elderly aged 80 and over per community, where they live: people turning 80 or older in as_of's year (the analytics data keep the birth year only).
--
-- Counted: status normal. community_code is the person's own latest residence
-- record ('' = none). households: how many households these people belong to
-- (publish a cell only when it is 5 or more; see community_published).
-- Run in the analytics database (clickhouse-client --database analytics).
WITH toDate(now(), 'Asia/Shanghai') AS as_of  -- parameter: the day of the analysis, China time
SELECT
    community_code,
    count() AS aged_80_plus,
    countIf(birth_year <= toYear(as_of) - 90) AS aged_90_plus,
    countIf(birth_year <= toYear(as_of) - 100) AS aged_100_plus,
    uniqExact(household_key) AS households
FROM resident
WHERE status = 'normal' AND birth_year != 0 AND birth_year <= toYear(as_of) - 80
GROUP BY community_code
ORDER BY community_code
