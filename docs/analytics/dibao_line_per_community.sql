-- Households below the dibao line and near-poor households (at most 10 % above it) per community, by income per counted member (income only; the program also checks assets and the applicant's hukou).
--
-- Income as the dibao program counts it (eligibility/programs/dibao.yaml): per
-- member with status normal, the employment income of the income_months
-- calendar months before as_of's month divided by income_months (integer
-- fen), plus the monthly pension of pension records being received; per
-- household the sum divided by the members (integer fen). The standard and
-- income_months are the values in force on as_of, read from the view
-- program_parameter (published by the hub from the program file), so the
-- query never holds a stale standard; it answers no rows when the hub has
-- not published the dibao program. below_line: per-capita income under the
-- standard; below_line_gap_fen: what lifting those households to the line
-- would cost a month (the allowance before the asset and applicant checks),
-- in fen; near_poor: at or above it, but at most 10 % above (income × 10 ≤
-- standard × 11); households: all households with a counted member. A
-- household belongs to the community most of its members live in (view
-- household; '' = none has a residence record).
-- Run in the analytics database (clickhouse-client --database analytics).
SELECT
    community_code,
    count() AS households,
    countIf(per_capita_income_fen < standard_fen) AS below_line,
    sumIf(members, per_capita_income_fen < standard_fen) AS below_line_members,
    sumIf((standard_fen - per_capita_income_fen) * members, per_capita_income_fen < standard_fen) AS below_line_gap_fen,
    countIf(per_capita_income_fen >= standard_fen AND per_capita_income_fen * 10 <= standard_fen * 11) AS near_poor,
    sumIf(members, per_capita_income_fen >= standard_fen AND per_capita_income_fen * 10 <= standard_fen * 11) AS near_poor_members
FROM
(
    SELECT household_key, members, per_capita_income_fen, standard_fen, community_code
    FROM
    (
        SELECT household_key, count() AS members, intDiv(sum(income_fen), count()) AS per_capita_income_fen, any(standard_fen) AS standard_fen
        FROM
        (
            SELECT household_key, employment_monthly_fen + pension_fen AS income_fen, standard_fen
            FROM
            (
                SELECT person_key, any(household_key) AS household_key, any(standard_fen) AS standard_fen,
                    intDiv(sumIf(gross_income_fen, period >= addMonths(toStartOfMonth(as_of), -income_months) AND period < toStartOfMonth(as_of)), any(income_months)) AS employment_monthly_fen
                FROM
                (
                    SELECT person_key, household_key, as_of, standard_fen, income_months
                    FROM resident
                    CROSS JOIN
                    (
                        SELECT as_of,
                            toInt64(argMaxIf(value, effective_from, parameter = 'standard_fen')) AS standard_fen,
                            toInt64(argMaxIf(value, effective_from, parameter = 'income_months')) AS income_months
                        FROM program_parameter
                        CROSS JOIN
                        (
                            SELECT
                                toDate(now(), 'Asia/Shanghai') AS as_of  -- parameter: the day of the analysis, China time
                        )
                        WHERE program = 'dibao' AND parameter IN ('standard_fen', 'income_months') AND effective_from <= as_of
                        GROUP BY as_of
                    )
                    WHERE status = 'normal' AND household_key != ''
                )
                ALL LEFT JOIN
                (
                    SELECT person_key, period, gross_income_fen
                    FROM employment
                ) USING person_key
                GROUP BY person_key
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
GROUP BY community_code
ORDER BY community_code
