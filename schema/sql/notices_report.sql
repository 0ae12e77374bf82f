-- The notices of a load for its JSON report (src/load/notice_store.c,
-- notice_report_json), from the table "@n": a count per code, severity and
-- file with its first line and an example, errors first, and the code's
-- description from $1, a JSON object of them (validator.h).
-- sqlfiles.sh fill: s/@n/gtfs.import_notices/g
-- sqlfiles.sh parameters: '{"duplicate_key": "Duplicated entity"}'
SELECT coalesce(json_agg(json_build_object('code', code,
		'description', $1::json ->> code,
		'severity', severity, 'file', file, 'count', n,
		'first_line', first_line, 'example', example)
		ORDER BY rank, file, code), '[]')
FROM (SELECT code, severity, file, count(*) AS n, min(line) AS first_line,
		(array_agg(left(coalesce(value, message), 200)
			ORDER BY line NULLS FIRST))[1] AS example,
		CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END
			AS rank
	FROM @n
	GROUP BY code, severity, file) AS g
