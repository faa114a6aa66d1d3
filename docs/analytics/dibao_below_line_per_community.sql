-- Households below the dibao line per community: income per counted member under the standard (income only; the program also checks assets and the applicant's hukou).
--
-- Income as the dibao program counts it (eligibility/programs/dibao.yaml): per
-- member with status normal, the employment income of the 6 calendar months
-- before as_of's month divided by 6 (integer fen), plus the monthly pension of
-- pension records being received; per household the sum divided by the
-- members (integer fen). A household belongs to the community most of its
-- members live in (view household; '' = none has a residence record).
-- Run in the analytics database (clickhouse-client --database analytics).
WITH 132000 AS standard_fen  -- parameter: the dibao standard in force on as_of, fen per person per month (dibao.yaml standard_fen)
SELECT
    community_code,
    count() AS households,
    sum(members) AS members
FROM
(
    SELECT household_key, members, per_capita_income_fen, community_code
    FROM
    (
        SELECT household_key, count() AS members, intDiv(sum(income_fen), count()) AS per_capita_income_fen
        FROM
        (
            SELECT household_key, employment_monthly_fen + pension_fen AS income_fen
            FROM
            (
                SELECT person_key, household_key, employment_monthly_fen
                FROM
                (
                    SELECT person_key, household_key
                    FROM resident
                    WHERE status = 'normal' AND household_key != ''
                )
                ANY LEFT JOIN
                (
                    WITH toDate(now(), 'Asia/Shanghai') AS as_of  -- parameter: the day of the analysis, China time
                    SELECT person_key, intDiv(sum(gross_income_fen), 6) AS employment_monthly_fen
                    FROM employment
                    WHERE period >= addMonths(toStartOfMonth(as_of), -6) AND period < toStartOfMonth(as_of)
                    GROUP BY person_key
                ) USING person_key
            )
            ANY LEFT JOIN
            (
                SELECT person_key, sum(monthly_pension_fen) AS pension_fen
                FROM social_insurance
                WHERE insurance_type = 'pension' AND status = 'receiving'
                GROUP BY person_key
            ) USING person_key
        )
        GROUP BY household_key
    )
    ANY LEFT JOIN
    (
        SELECT household_key, community_code
        FROM household
    ) USING household_key
)
WHERE per_capita_income_fen < standard_fen
GROUP BY community_code
ORDER BY community_code
