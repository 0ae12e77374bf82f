-- A gap of more than 13 days between two days a service runs: the
-- validator's ServiceGapValidator (MAX_GAP_DAYS = 13).
--   big_gap_in_service (info): for each service of calendar.txt, each run
--     of more than 13 days without service between two of its days
--     (calendar_dates.txt counted; the days before its first day or after
--     its last are no gap); one notice per gap, on the service's
--     calendar.txt line, its value the gap's first day.
-- service_days holds at most 730 days of a calendar.txt line (ddl.h): a
-- gap after them is not seen.
-- sqlfiles.sh parameters: '2026-01-01'
WITH runs AS (
	SELECT service_id, date,
		lead(date) OVER (PARTITION BY service_id ORDER BY date) AS next_date
	FROM @s.service_days
)
SELECT 'calendar.txt' AS file, c.gtfs2pgsql_line AS line,
	'service_id' AS "column", 'big_gap_in_service' AS code,
	NULL::text AS severity, to_char(r.date + 1, 'YYYYMMDD') AS value,
	format('service %s does not run for %s days, from %s to %s (more than 13)',
		c.service_id, r.next_date - r.date - 1,
		to_char(r.date + 1, 'YYYY-MM-DD'),
		to_char(r.next_date - 1, 'YYYY-MM-DD')) AS message
FROM runs AS r
JOIN @s.calendar AS c USING (service_id)
WHERE r.next_date - r.date - 1 > 13
