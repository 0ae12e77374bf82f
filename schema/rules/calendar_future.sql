-- future_calendar (info): every service of the feed starts after the day
-- of the load $1, so none covers it (the validator: "All services in the
-- feed start in the future; no service covers today's date").  One notice
-- for the feed, at the row that gives its first day of service:
-- calendar.txt's line of the earliest start (its range, calendar_dates.txt
-- counted, begins then), else calendar_dates.txt's earliest added day.
-- sqlfiles.sh parameters: '2026-01-01'
WITH first_day AS (
	SELECT min(date) AS day FROM @s.service_days
), first_row AS (
	SELECT 'calendar.txt' AS file, c.gtfs2pgsql_line AS line,
		'start_date' AS col, c.start_date AS day, 0 AS rank
	FROM @s.calendar AS c
	WHERE c.end_date >= c.start_date
	UNION ALL
	SELECT 'calendar_dates.txt', d.gtfs2pgsql_line, 'date', d.date, 1
	FROM @s.calendar_dates AS d
	WHERE d.exception_type = 1
	ORDER BY day, rank, line
	LIMIT 1
)
SELECT r.file, r.line, r.col AS "column", 'future_calendar' AS code,
	NULL::text AS severity, to_char(r.day, 'YYYYMMDD') AS value,
	format('the first day of service is %s, after %s: no service runs on '
		'that day or before', to_char(f.day, 'YYYY-MM-DD'),
		to_char($1::date, 'YYYY-MM-DD')) AS message
FROM first_day AS f, first_row AS r
WHERE f.day > $1::date
