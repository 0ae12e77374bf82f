-- The feed's time frame (src/load/analysis.c), a view: computed when
-- queried, from the first and last days of service only.  "@s" is the
-- feed's schema, "@d" every day of every service (timetable.h's
-- timetable_service_days).
--
-- min: the first arrival or departure of the feed, max: the last.
-- gtfs-via-postgres's feed_time_frame (a materialized view) gives the same
-- min; its max is the first instant of the last days (its max_dep and
-- max_arr take min()), which we do not copy.
--
-- An instant is t0 of its day (the day's "noon minus 12h" on its agency's
-- clock) plus an offset, and t0 grows with the day: the first instant is
-- that of a service's first day plus the smallest offset of its trips, the
-- last that of its last day plus the largest.  So each trip's offsets are
-- read once (one pass over stop_times, no day expanded: arrivals_departures
-- over the first and last days took 2.0 s on MTA Brooklyn, 6.7 s with JIT;
-- this 0.5 s), a trip of frequencies.txt shifted as its instances are
-- (arrivals_departures' shift: start_time + k * headway_secs less its
-- first stop time), its first instance for the smallest, its last for the
-- largest.  gtfs2pgsql.feed_time_frame (cross_views.sql) is this by feed_id.
CREATE OR REPLACE VIEW @s.feed_time_frame AS
WITH offsets AS (
	SELECT s.trip_id, s.lo, s.hi
	FROM (SELECT trip_id, min(least(arrival_time, departure_time)) AS lo,
			max(greatest(arrival_time, departure_time)) AS hi
		FROM @s.stop_times GROUP BY trip_id) s
	WHERE NOT EXISTS (SELECT FROM @s.frequencies f
		WHERE f.trip_id = s.trip_id)
	UNION ALL
	SELECT f.trip_id,
		f.start_time - coalesce(x0.departure_time, x0.arrival_time)
			+ min(least(x.arrival_time, x.departure_time)),
		f.start_time + (k.n - 1) * f.headway_secs * interval '1 second'
			- coalesce(x0.departure_time, x0.arrival_time)
			+ max(greatest(x.arrival_time, x.departure_time))
	FROM @s.frequencies f
	CROSS JOIN LATERAL (SELECT greatest(ceil(extract(epoch FROM
		f.end_time - f.start_time) / f.headway_secs)::integer, 0) AS n) k
	JOIN @s.stop_times x0 ON x0.trip_id = f.trip_id
		AND NOT EXISTS (SELECT FROM @s.stop_times y
			WHERE y.trip_id = x0.trip_id
			AND y.stop_sequence < x0.stop_sequence)
	JOIN @s.stop_times x ON x.trip_id = f.trip_id
	WHERE f.headway_secs > 0 AND k.n > 0
	GROUP BY f.trip_id, f.start_time, f.headway_secs, k.n,
		x0.departure_time, x0.arrival_time
), services AS (
	SELECT t.service_id, g.tz, min(o.lo) AS lo, max(o.hi) AS hi
	FROM offsets o
	JOIN @s.trips t ON t.trip_id = o.trip_id
	LEFT JOIN @s.routes r ON r.route_id = t.route_id
	LEFT JOIN @s.agency a ON a.agency_id = r.agency_id
	CROSS JOIN (SELECT CASE WHEN count(DISTINCT agency_timezone) = 1
			THEN min(agency_timezone) END AS agency_timezone
		FROM @s.agency) fa
	CROSS JOIN LATERAL (SELECT coalesce(a.agency_timezone,
		fa.agency_timezone) AS tz) g
	GROUP BY t.service_id, g.tz
), days AS (
	SELECT service_id, min(date) AS first, max(date) AS last
	FROM @d AS d GROUP BY service_id
)
SELECT min(((d.first + time '12:00') AT TIME ZONE s.tz) - interval '12 hours'
		+ s.lo) AS min,
	max(((d.last + time '12:00') AT TIME ZONE s.tz) - interval '12 hours'
		+ s.hi) AS max
FROM services s JOIN days d ON d.service_id = s.service_id;

-- Every instant from the feed's first to its last, truncated to time_unit
-- (hour, day, week...) in the session's time zone, one time_unit apart.
-- A body of SQL, not a string: the schema's name may hold any quote
CREATE OR REPLACE FUNCTION @s.feed_time_series(time_unit text)
RETURNS SETOF timestamptz
LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT generate_series(date_trunc(time_unit, min),
		date_trunc(time_unit, max), ('1 ' || time_unit)::interval)
	FROM @s.feed_time_frame;
END;
