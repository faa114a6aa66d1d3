-- The effective-dated parameters of the eligibility programs (the dibao
-- standard, limits, ...) as the API processes run them: each API process
-- publishes its programs' parameters at start when they differ from the
-- latest publication (package eligibility/paramdb), so analysts' queries
-- read the value in force on their day from here instead of typing it in
-- and keeping a stale one. Not personal data: it lives in the analytics
-- database, whose views read nothing else.

CREATE TABLE IF NOT EXISTS {analytics_db}.program_parameter_history (
    program String,
    parameter String,
    effective_from Date,
    value String,
    source_zh String,
    source_en String,
    published_at DateTime
) ENGINE = ReplacingMergeTree()
ORDER BY (program, parameter, effective_from, published_at);

-- Only each program's latest publication: a value withdrawn from a program
-- file is gone here too.
CREATE VIEW IF NOT EXISTS {analytics_db}.program_parameter AS
SELECT program, parameter, effective_from, value, source_zh, source_en, published_at,
    toDate(published_at, 'Asia/Shanghai') AS published_date
FROM {analytics_db}.program_parameter_history
WHERE (program, published_at) IN
(
    SELECT program, max(published_at)
    FROM {analytics_db}.program_parameter_history
    GROUP BY program
);
