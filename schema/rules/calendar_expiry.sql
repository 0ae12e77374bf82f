-- The service that is over or not yet begun, as of the day $1 (the load's
-- date, or --as-of): the validator's ExpiredCalendarValidator,
-- FutureCalendar... (see schema/rules/README for the columns).
--   expired_calendar (warning): a service of calendar.txt whose every day,
--     calendar_dates.txt's added and removed days counted, is before $1;
--     one notice per calendar.txt row (the validator: "Dataset should not
--     contain date ranges for services that have already expired").
-- sqlfiles.sh parameters: '2026-01-01'
WITH last_day AS (
	SELECT service_id, max(date) AS last_date
	FROM @s.service_days
	GROUP BY service_id
)
SELECT 'calendar.txt' AS file, c.gtfs2pgsql_line AS line,
	'end_date' AS "column", 'expired_calendar' AS code,
	NULL::text AS severity, to_char(c.end_date, 'YYYYMMDD') AS value,
	format('service %s ran last on %s, before %s', c.service_id,
		to_char(coalesce(l.last_date, c.end_date), 'YYYY-MM-DD'),
		to_char($1::date, 'YYYY-MM-DD')) AS message
FROM @s.calendar AS c
LEFT JOIN last_day AS l USING (service_id)
WHERE coalesce(l.last_date, c.end_date) < $1::date
	-- a range that ends before it starts has no day to expire: its own
	-- notice (start_and_end_range_out_of_order) says so
	AND c.end_date >= c.start_date
