-- service_days: the weekdays of each calendar.txt line from its start_date,
-- its first 730 days at most (a line of years, 00010101-99991231, would
-- make the table as big as the days it spans whatever the feed's size:
-- timetable_days.sql computes the later ones when a view asks), less the
-- days calendar_dates.txt names, and every day calendar_dates.txt adds.
-- Each weekday the line runs on is a series in steps of 7 from its first
-- day on or after start_date: no day is made only to be filtered out.
-- calendar's key makes its days unique, calendar_dates' key (service_id,
-- date) makes a day added (1) never also removed (2): UNION ALL, no
-- duplicates to look for.  OFFSET 0 keeps the days a subquery of their
-- own, so the anti-join matches both columns (a hash of calendar_dates)
-- even before ANALYZE, rather than merging on service_id alone.
INSERT INTO @s.service_days (service_id, date)
SELECT service_id, date FROM (
	SELECT c.service_id, c.start_date + k AS date
	FROM @s.calendar c
	CROSS JOIN LATERAL (VALUES (0, c.sunday), (1, c.monday),
		(2, c.tuesday), (3, c.wednesday), (4, c.thursday), (5, c.friday),
		(6, c.saturday)) AS w (dow, runs)
	CROSS JOIN LATERAL generate_series(
		(w.dow - extract(dow FROM c.start_date)::integer + 7) % 7,
		least(c.end_date - c.start_date, 730 - 1), 7) AS k
	WHERE w.runs = 1 AND c.service_id IS NOT NULL
	OFFSET 0
) AS calendar_days
-- in calendar_dates.txt: added (1) below, or removed (2)
WHERE NOT EXISTS (SELECT FROM @s.calendar_dates x
	WHERE x.service_id = calendar_days.service_id
	AND x.date = calendar_days.date AND x.exception_type IN (1, 2))
UNION ALL
SELECT service_id, date FROM @s.calendar_dates
WHERE exception_type = 1 AND service_id IS NOT NULL AND date IS NOT NULL
ORDER BY service_id, date
