-- The calendar.txt line that runs on no day of the week: the validator's
-- ServiceHasNoActiveDayOfTheWeekValidator (severity warning there; its
-- list says "varies", so the rule says).
--   service_has_no_active_day_of_the_week (warning): every one of monday
--     ... sunday is 0 (or empty); one notice per calendar.txt row, whether
--     or not calendar_dates.txt adds days to the service.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'calendar.txt' AS file, c.gtfs2pgsql_line AS line,
	'service_id' AS "column",
	'service_has_no_active_day_of_the_week' AS code,
	'warning' AS severity, c.service_id AS value,
	format('service %s runs on no day of the week (monday to sunday all 0)',
		c.service_id) AS message
FROM @s.calendar AS c
WHERE c.service_id IS NOT NULL
AND coalesce(c.monday, 0) = 0 AND coalesce(c.tuesday, 0) = 0
AND coalesce(c.wednesday, 0) = 0 AND coalesce(c.thursday, 0) = 0
AND coalesce(c.friday, 0) = 0 AND coalesce(c.saturday, 0) = 0
AND coalesce(c.sunday, 0) = 0
