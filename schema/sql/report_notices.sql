-- The notices of the feed in "@s" for the HTML report
-- (src/load/report_html.c): at most $1 of each severity and code, with
-- their count and the code's description from $2 (a JSON object of them,
-- validator.h), errors first.
-- sqlfiles.sh parameters: 3, '{"duplicate_key": "Duplicated entity"}'
SELECT severity, code, n, file, line, "column", left(value, 200),
	left(message, 300), $2::json ->> code
FROM (SELECT *, count(*) OVER w AS n,
		row_number() OVER (w ORDER BY file, line NULLS FIRST) AS k
	FROM @s.import_notices
	WINDOW w AS (PARTITION BY severity, code)) AS e
WHERE k <= $1::integer
ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
	n DESC, code, k
