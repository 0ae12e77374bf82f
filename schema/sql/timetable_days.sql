-- Every day of every service, as a subquery of (service_id, date):
-- service_days, and the days of calendar.txt past the 730 it holds of a
-- line, computed when queried: one series of the days from the first to
-- the last of them for the whole feed (none when every line is held
-- whole), streamed (a set-returning function in the select list is not
-- stored first, as one in FROM is) and filtered by the query's date before
-- the join with the lines that run on it, less the days of
-- calendar_dates.txt (removed, or added and so held).  The views read it
-- as "@d" (timetable.c), pgsql2gtfs's cut too.
(SELECT service_id, date FROM @s.service_days
	UNION ALL
	SELECT c.service_id, s.date
	FROM (SELECT first + generate_series(0, last - first) AS date
		FROM (SELECT min(start_date) + 730 AS first,
			max(end_date) AS last FROM @s.calendar
			WHERE end_date >= start_date + 730) b) s
	JOIN @s.calendar c ON s.date BETWEEN c.start_date + 730 AND c.end_date
	WHERE c.service_id IS NOT NULL
	AND (ARRAY[c.sunday, c.monday, c.tuesday, c.wednesday, c.thursday,
		c.friday, c.saturday])[extract(dow FROM s.date)::integer + 1] = 1
	AND NOT EXISTS (SELECT FROM @s.calendar_dates x
		WHERE x.service_id = c.service_id AND x.date = s.date
		AND x.exception_type IN (1, 2)))
