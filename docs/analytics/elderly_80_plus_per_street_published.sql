-- Elderly aged 80 and over per street, for publication: a cell behind fewer than 5 households is suppressed (NULL).
--
-- The pattern for any published aggregate: count the households behind each
-- cell and suppress cells under 5 (community_published does so for the common
-- counts per community). Streets (街道) are the first 9 digits of the
-- community code; people without a residence record are left out.
-- Run in the analytics database (clickhouse-client --database analytics).
WITH toDate(now(), 'Asia/Shanghai') AS as_of  -- parameter: the day of the analysis, China time
SELECT
    substring(community_code, 1, 9) AS street_code,
    if(uniqExact(household_key) < 5, NULL, count()) AS aged_80_plus
FROM resident
WHERE status = 'normal' AND community_code != '' AND birth_year != 0 AND birth_year <= toYear(as_of) - 80
GROUP BY street_code
ORDER BY street_code
