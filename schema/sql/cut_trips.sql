-- The trips a cut keeps (src/export/cut.c makes pg_temp.k_trips of them):
-- those of routes $1 (NULL: every route), of a service that runs on a day
-- from $2 to $3 (dates; NULL: unbounded; both NULL: whatever the days),
-- that call at a stop in the box of longitudes $4 to $6 and latitudes $5
-- to $7 (NULL: anywhere).  "@s" the feed's schema, "@d" its days
-- (timetable_days.sql).  The server plans it with the values known: a
-- test of a NULL value leaves no trace in the plan.
-- sqlfiles.sh parameters: '{r1}', '2024-01-01', NULL, 0, 0, 1, 1
SELECT trip_id AS id FROM @s.trips
WHERE ($1::text[] IS NULL OR route_id = ANY ($1::text[]))
AND (($2::date IS NULL AND $3::date IS NULL)
	OR service_id IN (SELECT days.service_id FROM @d AS days
		WHERE ($2::date IS NULL OR days.date >= $2::date)
		AND ($3::date IS NULL OR days.date <= $3::date)))
AND ($4::double precision IS NULL
	OR trip_id IN (SELECT trip_id FROM @s.stop_times
		WHERE stop_id IN (SELECT stop_id FROM @s.stops
			WHERE stop_lon BETWEEN $4::double precision AND $6::double precision
			AND stop_lat BETWEEN $5::double precision AND $7::double precision)))
