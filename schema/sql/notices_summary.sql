-- The notices of a load for people (src/load/notice_store.c,
-- notice_print_summary), from the table "@n": at most $2 of each severity
-- and code (the client's memory stays flat; the columns sorted are only
-- those shown, not the records), errors first, each with its count, its
-- text, the query that lists them all and the table's name in the feed's
-- schema $1.  A notice's text: where, then its field and value when the
-- message does not name them (the field goes with the value: a key's
-- message names the values of its fields), then the message; cut (a zip's
-- member may have a name of 64 KB; the log writes control characters as
-- \xHH).
-- sqlfiles.sh fill: s/@n/gtfs.import_notices/g
-- sqlfiles.sh parameters: 'gtfs', 3
SELECT severity, code, n,
	left(file, 60) || CASE WHEN length(file) > 60 THEN '...' ELSE '' END
	|| coalesce(':' || line, '') || ': '
	|| CASE WHEN show_column THEN "column"
		|| CASE WHEN show_value THEN ' ' ELSE ': ' END ELSE '' END
	|| CASE WHEN show_value THEN '"' || left(value, 60)
		|| CASE WHEN length(value) > 60 THEN '...' ELSE '' END || '": '
		ELSE '' END
	|| left(message, 300),
	format('SELECT * FROM %I.import_notices WHERE ', $1::text)
	|| CASE WHEN n < n_code THEN format('severity = %L AND ', severity)
		ELSE '' END
	|| format('code = %L', code),
	format('%I.import_notices', $1::text)
FROM (SELECT *,
		value IS NOT NULL AND strpos(message, value) = 0 AS show_value,
		"column" IS NOT NULL AND strpos(message, "column") = 0
		AND (value IS NULL OR strpos(message, value) = 0) AS show_column
	FROM (SELECT severity, code, file, line, "column", value, message,
			count(*) OVER (PARTITION BY severity, code) AS n,
			count(*) OVER (PARTITION BY code) AS n_code,
			row_number() OVER (PARTITION BY severity, code
				ORDER BY file, line NULLS FIRST, "column") AS k
		FROM @n) AS a
	WHERE k <= $2::integer) AS n
ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
	n DESC, code, k
