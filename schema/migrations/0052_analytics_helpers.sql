-- Helper views for analysts (docs/analytics.md), reading only {analytics_db}:
--
--   resident             one row per person: the latest person record across
--                        sources, with the community of their latest residence
--   household            one row per household: counted members (status normal),
--                        all persons, and the community most members live in
--   community_published  counts per community for publication, with every cell
--                        under 5 households suppressed (NULL)
--
-- Ties between versions with the same source_time go to the greater source
-- name, so the choice does not depend on read order.

CREATE VIEW IF NOT EXISTS {analytics_db}.resident AS
SELECT
    person_key,
    tupleElement(latest, 1) AS household_key,
    tupleElement(latest, 2) AS sex,
    tupleElement(latest, 3) AS birth_year,
    tupleElement(latest, 4) AS ethnicity,
    tupleElement(latest, 5) AS relation_to_head,
    tupleElement(latest, 6) AS hukou_division,
    tupleElement(latest, 7) AS status,
    community_code
FROM
(
    SELECT
        person_key,
        argMax((household_key, sex, birth_year, ethnicity, relation_to_head, hukou_division, status), (source_time, source)) AS latest
    FROM {analytics_db}.person
    WHERE person_key != ''
    GROUP BY person_key
)
ANY LEFT JOIN
(
    SELECT person_key, argMax(community_code, (source_time, source)) AS community_code
    FROM {analytics_db}.residence
    WHERE person_key != ''
    GROUP BY person_key
) USING person_key;

-- community_code: the community of most counted members' residences (ties:
-- the smaller code); '' when no counted member has a residence record.
CREATE VIEW IF NOT EXISTS {analytics_db}.household AS
SELECT
    household_key,
    sum(counted) AS members,
    sum(listed) AS persons,
    arraySort((c, n) -> (-n, c),
        groupArrayIf(community_code, community_code != '' AND counted > 0),
        groupArrayIf(counted, community_code != '' AND counted > 0))[1] AS community_code
FROM
(
    SELECT household_key, community_code, countIf(status = 'normal') AS counted, count() AS listed
    FROM {analytics_db}.resident
    WHERE household_key != ''
    GROUP BY household_key, community_code
)
GROUP BY household_key;

-- Small-count suppression: a cell counting fewer than 5 households is NULL.
-- Every count is of counted members (status normal) by the community of their
-- household (view household); aged 80+ by birth year: turning 80 or older in
-- the current year, China time. Primary suppression only: publish these cells,
-- not totals computed beside them (a total minus the shown cells would reveal
-- a suppressed one).
CREATE VIEW IF NOT EXISTS {analytics_db}.community_published AS
SELECT
    community_code,
    if(households < 5, NULL, households) AS households,
    if(households < 5, NULL, residents) AS residents,
    if(households_80_plus < 5, NULL, aged_80_plus) AS aged_80_plus,
    if(households_disabled < 5, NULL, disabled) AS disabled
FROM
(
    SELECT
        community_code,
        uniqExact(household_key) AS households,
        count() AS residents,
        countIf(is_80_plus) AS aged_80_plus,
        uniqExactIf(household_key, is_80_plus) AS households_80_plus,
        countIf(is_disabled = 1) AS disabled,
        uniqExactIf(household_key, is_disabled = 1) AS households_disabled
    FROM
    (
        SELECT person_key, household_key, is_80_plus, is_disabled, community_code
        FROM
        (
            SELECT person_key, household_key, birth_year != 0 AND birth_year <= toYear(toDate(now(), 'Asia/Shanghai')) - 80 AS is_80_plus, is_disabled
            FROM
            (
                SELECT person_key, household_key, birth_year
                FROM {analytics_db}.resident
                WHERE status = 'normal' AND household_key != ''
            )
            ANY LEFT JOIN
            (
                SELECT person_key, max(disability_grade > 0) AS is_disabled
                FROM {analytics_db}.health
                GROUP BY person_key
            ) USING person_key
        )
        ANY LEFT JOIN
        (
            SELECT household_key, community_code
            FROM {analytics_db}.household
        ) USING household_key
    )
    GROUP BY community_code
);
