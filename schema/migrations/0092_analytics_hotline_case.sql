-- Analysts' view of 12345 problem cases: repeated calls counted once, by the
-- hub's rule (package hotline) on what the analytics database holds —
-- tickets with one case_id are one case; tickets by one caller (caller_key)
-- with one category in one community_code are one case while each comes
-- within 30 days of the previous one; anonymous tickets are one case each.
-- The ranking's problem kinds, committees and area/address → community
-- mapping are the hub's configuration and are applied by the API
-- (GET /v1/hotline/top-problems), not here: this view keeps the
-- department's category and the community code as delivered ('' for
-- tickets that name only an area or address).

CREATE VIEW IF NOT EXISTS {analytics_db}.hotline_case AS
SELECT
    hex(grp) AS case_key,
    cs[first].2 AS community_code,
    cs[first].3 AS category,
    caller_key,
    cs[first].1 AS opened,
    toDate(opened, 'Asia/Shanghai') AS opened_date,
    toUInt64(last - first + 1) AS calls,
    cs[last].4 AS status,
    toUInt8(status = 'closed') AS resolved,
    cs[last].5 AS closed_time,
    toDate(closed_time, 'Asia/Shanghai') AS closed_date,
    if(resolved AND toUInt32(closed_time) > 0, greatest(toInt64(closed_time) - toInt64(opened), 0) / 86400, NULL) AS days_to_close
FROM
(
    SELECT grp, ck AS caller_key, toUInt64(starts[j]) AS first,
        if(j < length(starts), toUInt64(starts[j + 1] - 1), length(cs)) AS last, cs
    FROM
    (
        SELECT grp, any(ck) AS ck, any(windowed) AS w,
            arraySort(x -> x.1, groupArray((time, community_code, category, status, closed_time))) AS cs,
            if(w, arrayFilter(i -> i = 1 OR toInt64(cs[i].1) - toInt64(cs[i - 1].1) > 2592000, arrayEnumerate(cs)), [1]) AS starts
        FROM
        (
            SELECT multiIf(case_id != '', cityHash64('c', case_id),
                           caller_key != '', cityHash64('p', caller_key, category, community_code),
                           cityHash64('t', source, record_key_hash)) AS grp,
                if(case_id = '', caller_key, '') AS ck,
                case_id = '' AND caller_key != '' AS windowed,
                time, community_code, category, status, closed_time
            FROM {analytics_db}.hotline_ticket
        )
        GROUP BY grp
    )
    ARRAY JOIN arrayEnumerate(starts) AS j
)
