-- arrivals_departures: every stop time of every trip instance of every
-- service day, with t_arrival and t_departure as instants, in the columns
-- of gtfs-via-postgres (lib/stop_times.js), same names and meaning; the
-- GTFS codes stay integers where it has enums (pickup_type 0-3, not
-- 'regular'...), agency_timezone (= tz) is ours.  "@s": the schema, "@d":
-- every day of every service (timetable_days.sql).
--
-- GTFS gives a trip's times as offsets from "noon minus 12h" of its
-- service day in its agency's time zone, so that 25:10:00 is the next
-- morning and, on the days clocks change, 01:30:00 is not 1:30 on the
-- clock; times are intervals with no day part, so the additions are of
-- elapsed time and exact across DST:
--   t = ((date + time '12:00') AT TIME ZONE tz) - interval '12 hours' + time
--
-- A view of the layout before these columns is dropped first: CREATE OR
-- REPLACE VIEW only adds columns at the end.
-- the schema's name, for the DO block: written in its body, a name holding
-- its dollar quote would end it (a setting of the session: psql runs
-- --print-schema's statements each in a transaction of its own)
SELECT pg_catalog.set_config('gtfs2pgsql.timetable_schema',
	t.typnamespace::pg_catalog.regnamespace::text, false)
FROM pg_catalog.pg_type t
WHERE t.oid = pg_catalog.pg_typeof(NULL::@s.stop_times);
DO $gtfs2pgsql$
DECLARE
	old regclass := pg_catalog.to_regclass(pg_catalog.current_setting(
		'gtfs2pgsql.timetable_schema') || '.arrivals_departures');
BEGIN
	IF old IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = old AND a.attname = 'arrival_departure_id')
	THEN
		EXECUTE 'DROP VIEW ' || old;
	END IF;
END
$gtfs2pgsql$;
CREATE OR REPLACE VIEW @s.arrivals_departures AS
-- each stop time (st) of each trip (t) on each day of its service (sd),
-- the trip's start and numbering (trs), its agency (g: the route's, else
-- the feed's when all its agencies share one time zone, as routes may omit
-- agency_id when there is one agency), its stop and station; t0: the
-- instant its times count from
WITH stop_times_based AS NOT MATERIALIZED (
	SELECT g.agency_id, t.route_id, r.route_short_name, r.route_long_name,
		r.route_type, st.trip_id, t.direction_id, t.trip_headsign,
		t.wheelchair_accessible, t.bikes_allowed, t.service_id, t.shape_id,
		sd.date, st.stop_sequence,
-- the stop time's rank in its trip and the trip's first time, from
-- trip_starts (timetable_trip_starts.sql says why)
		CASE WHEN trs.sequences IS NULL
			THEN st.stop_sequence - trs.first_sequence
			ELSE width_bucket(st.stop_sequence, trs.sequences) - 1
			END AS stop_sequence_consec,
		st.stop_headsign, st.pickup_type, st.drop_off_type,
		st.shape_dist_traveled, st.timepoint, g.tz, st.arrival_time,
		st.departure_time, trs.start_time AS trip_start_time,
		st.stop_id,
-- the stop and its station by joins: a filter on station_id then starts
-- from the station's key (MTA Brooklyn, a 20-minute window: 21 ms, where
-- subqueries computed for every stop time of the window took 17 s), and a
-- hash join of the stops costs a row less than four subqueries did
		s.stop_name, p.stop_id AS station_id, p.stop_name AS station_name,
-- 0: no information, or the station's; NULL for a stop the feed lacks
		CASE WHEN s.stop_id IS NOT NULL THEN coalesce(nullif(
			s.wheelchair_boarding, 0), nullif(p.wheelchair_boarding, 0), 0)
			END AS wheelchair_boarding,
		((sd.date + time '12:00') AT TIME ZONE g.tz) - interval '12 hours'
			AS t0
	FROM @s.stop_times st
	JOIN @s.trips t ON t.trip_id = st.trip_id
	JOIN @d sd ON sd.service_id = t.service_id
	LEFT JOIN @s.trip_starts trs ON trs.trip_id = st.trip_id
	LEFT JOIN @s.routes r ON r.route_id = t.route_id
	LEFT JOIN @s.agency a ON a.agency_id = r.agency_id
	LEFT JOIN @s.stops s ON s.stop_id = st.stop_id
	LEFT JOIN @s.stops p ON p.stop_id = s.parent_station
-- the feed's agency and time zone as subqueries of no row's, each read
-- once: a relation of their own, they were joined last, and a window's
-- filter on t0 came after every other join (MTA Brooklyn, every departure
-- of 20 minutes: 1.3 s, where 0.6 s filtered with the trips)
	CROSS JOIN LATERAL (SELECT
		coalesce(a.agency_id, (SELECT CASE WHEN count(*) = 1
			THEN min(agency_id) END FROM @s.agency)) AS agency_id,
		coalesce(a.agency_timezone, (SELECT CASE WHEN
			count(DISTINCT agency_timezone) = 1 THEN min(agency_timezone) END
			FROM @s.agency)) AS tz) g
),
-- a trip not in frequencies.txt runs once, at its times (frequencies_row
-- and frequencies_it -1); one of frequencies.txt runs once per start_time
-- + k * headway_secs before end_time (exact_times 0 or 1 alike), its first
-- departure moved there and its other times with it, and its template
-- times are no instance.  frequencies_row: the row of frequencies.txt
-- among the trip's of its start_time (1: (trip_id, start_time) is its
-- key); frequencies_it counts the trip's instances from 1, in order
instances AS NOT MATERIALIZED (
	SELECT b.*, -1 AS frequencies_row, -1 AS frequencies_it,
		interval '0' AS shift
	FROM stop_times_based b
	WHERE NOT EXISTS (SELECT FROM @s.frequencies f
		WHERE f.trip_id = b.trip_id)
	UNION ALL
	SELECT b.*, 1, i.it, i.shift
	FROM stop_times_based b
	JOIN @s.frequencies f ON f.trip_id = b.trip_id AND f.headway_secs > 0
	CROSS JOIN LATERAL generate_series(0, greatest(ceil(extract(epoch FROM
		f.end_time - f.start_time) / f.headway_secs)::integer, 0) - 1) k
	CROSS JOIN LATERAL (SELECT k + 1 + (SELECT coalesce(sum(greatest(ceil(
			extract(epoch FROM e.end_time - e.start_time)
			/ e.headway_secs)::integer, 0)), 0)
			FROM @s.frequencies e WHERE e.trip_id = f.trip_id
			AND e.start_time < f.start_time AND e.headway_secs > 0)::integer
			AS it,
		f.start_time + k * f.headway_secs * interval '1 second'
			- b.trip_start_time AS shift) i
)
-- arrival_departure_id: gtfs-via-postgres's, so that the ids of both
-- match: trip_id, date, stop_sequence, frequencies_row and frequencies_it
-- in base64, joined by ":"
SELECT encode(convert_to(trip_id, 'UTF8'), 'base64')
		|| ':' || encode(convert_to(to_char(date, 'YYYY-MM-DD'), 'UTF8'),
			'base64')
		|| ':' || encode(convert_to(stop_sequence::text, 'UTF8'), 'base64')
		|| ':' || encode(convert_to(frequencies_row::text, 'UTF8'),
			'base64')
		|| ':' || encode(convert_to(frequencies_it::text, 'UTF8'), 'base64')
		AS arrival_departure_id,
	agency_id, route_id, route_short_name, route_long_name, route_type,
	trip_id, direction_id, trip_headsign, wheelchair_accessible,
	bikes_allowed, service_id, shape_id, date, stop_sequence,
	stop_sequence_consec, stop_headsign, pickup_type, drop_off_type,
	shape_dist_traveled, timepoint, tz, arrival_time,
	t0 + shift + arrival_time AS t_arrival, departure_time,
	t0 + shift + departure_time AS t_departure, trip_start_time, stop_id,
	stop_name, station_id, station_name, wheelchair_boarding,
	frequencies_row, frequencies_it, tz AS agency_timezone
FROM instances;
-- the row of an arrival_departure_id, NULL when there is none
CREATE OR REPLACE FUNCTION @s.arrival_departure_by_arrival_departure_id(
	id text)
RETURNS @s.arrivals_departures LANGUAGE sql STABLE STRICT
BEGIN ATOMIC
	SELECT * FROM @s.arrivals_departures
	WHERE trip_id = convert_from(decode(split_part(id, ':', 1), 'base64'),
		'UTF8')
	AND date = convert_from(decode(split_part(id, ':', 2), 'base64'),
		'UTF8')::date
	AND stop_sequence = convert_from(decode(split_part(id, ':', 3),
		'base64'), 'UTF8')::integer
	AND frequencies_row = convert_from(decode(split_part(id, ':', 4),
		'base64'), 'UTF8')::integer
	AND frequencies_it = convert_from(decode(split_part(id, ':', 5),
		'base64'), 'UTF8')::integer;
END
