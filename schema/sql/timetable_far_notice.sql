-- sqlfiles.sh before: ALTER TABLE gtfs.calendar ADD gtfs2pgsql_line integer;
-- sqlfiles.sh parameters: 'code', 'info', 'kept'
-- A calendar.txt line that runs past the days service_days holds of it
-- (730: the validator's "more than two years" of
-- service_extends_far_in_the_future), or past two years from today; not
-- one of no weekday, which runs on no day.  $1, $2, $3 and gtfs2pgsql_line
-- as in timetable_range_notice.sql.
INSERT INTO @s.import_notices
	(file, line, "column", code, severity, value, message, action)
SELECT 'calendar.txt', gtfs2pgsql_line, 'end_date', $1, $2,
	to_char(end_date, 'YYYYMMDD'),
	format('service %s runs from %s to %s, more than two years '
		'%s%s', service_id, to_char(start_date, 'YYYYMMDD'),
		to_char(end_date, 'YYYYMMDD'),
		CASE WHEN end_date > current_date + 730
			THEN 'after today' ELSE 'long' END,
		CASE WHEN end_date >= start_date + 730
			THEN format(': service_days holds its days to %s, '
				'arrivals_departures and connections compute the later '
				'ones when queried', to_char(start_date + 730 - 1,
				'YYYYMMDD')) ELSE '' END),
	$3
FROM @s.calendar
WHERE 1 IN (monday, tuesday, wednesday, thursday, friday, saturday, sunday)
AND (end_date >= start_date + 730
	OR (end_date >= start_date AND end_date > current_date + 730))
