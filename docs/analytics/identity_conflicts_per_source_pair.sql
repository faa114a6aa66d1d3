-- Identity conflicts between departments per pair of sources: how many persons two sources give a different name or birth date.
--
-- One ID number, two sources, different values (the values themselves stay in
-- the hub; caseworkers see them in the profile). Conflicts stay listed after a
-- department corrects its record.
-- Run in the analytics database (clickhouse-client --database analytics).
SELECT
    source_a,
    source_b,
    field,
    uniqExact(person_key) AS persons,
    min(detected_date) AS first_detected,
    max(detected_date) AS last_detected
FROM identity_conflict
GROUP BY source_a, source_b, field
ORDER BY source_a, source_b, field
