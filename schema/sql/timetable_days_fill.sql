-- service_days: the weekdays of each calendar.txt line from its start_date,
-- its first 730 days at most (a line of years, 00010101-99991231, would
-- make the table as big as the days it spans whatever the feed's size:
-- timetable_days.sql computes the later ones when a view asks), and every
-- day of calendar_dates.txt.
INSERT INTO @s.service_days (service_id, date)
SELECT service_id, date FROM (
	SELECT c.service_id, d::date AS date
	FROM @s.calendar c CROSS JOIN LATERAL generate_series(
		c.start_date::timestamp,
		least(c.end_date, c.start_date + 730 - 1)::timestamp,
		interval '1 day') AS d
	WHERE (ARRAY[c.sunday, c.monday, c.tuesday, c.wednesday, c.thursday,
		c.friday, c.saturday])[extract(dow FROM d)::integer + 1] = 1
	UNION
-- exception_type 1: added
	SELECT service_id, date FROM @s.calendar_dates WHERE exception_type = 1
) AS days
WHERE service_id IS NOT NULL AND date IS NOT NULL
-- exception_type 2: removed
AND NOT EXISTS (SELECT FROM @s.calendar_dates x
	WHERE x.service_id = days.service_id AND x.date = days.date
	AND x.exception_type = 2)
ORDER BY service_id, date
