-- connections: every pair of consecutive stop times of a trip instance,
-- in the columns of gtfs-via-postgres (lib/stop_times.js), same names and
-- meaning (GTFS codes as integers); agency_id and agency_timezone are
-- ours.  Days, instants and instances as in
-- timetable_arrivals_departures.sql ("@s": the schema, "@d": the days).
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
		'gtfs2pgsql.timetable_schema') || '.connections');
BEGIN
	IF old IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = old AND a.attname = 'connection_id')
	THEN
		EXECUTE 'DROP VIEW ' || old;
	END IF;
END
$gtfs2pgsql$;
CREATE OR REPLACE VIEW @s.connections AS
-- each stop time (st) and the next one of its trip (n); the trip's start
-- and numbering (trs: timetable_trip_starts.sql)
WITH stop_times_based AS NOT MATERIALIZED (
	SELECT t.route_id, r.route_short_name, r.route_long_name, r.route_type,
		st.trip_id, t.service_id, t.direction_id, t.trip_headsign,
		t.wheelchair_accessible, t.bikes_allowed,
		trs.start_time AS trip_start_time,
		st.stop_id AS from_stop_id,
-- the stops and their stations by joins (see timetable_arrivals_departures.sql)
		fs.stop_name AS from_stop_name, fp.stop_id AS from_station_id,
		fp.stop_name AS from_station_name,
		CASE WHEN fs.stop_id IS NOT NULL THEN coalesce(nullif(
			fs.wheelchair_boarding, 0), nullif(fp.wheelchair_boarding, 0), 0)
			END AS from_wheelchair_boarding,
		st.stop_headsign AS from_stop_headsign,
		st.pickup_type AS from_pickup_type, st.departure_time,
		st.stop_sequence AS from_stop_sequence,
		CASE WHEN trs.sequences IS NULL
			THEN st.stop_sequence - trs.first_sequence
			ELSE width_bucket(st.stop_sequence, trs.sequences) - 1
			END AS from_stop_sequence_consec,
		st.timepoint AS from_timepoint, sd.date,
		n.timepoint AS to_timepoint, n.stop_sequence AS to_stop_sequence,
		n.arrival_time, n.drop_off_type AS to_drop_off_type,
		n.stop_headsign AS to_stop_headsign, n.stop_id AS to_stop_id,
		ts.stop_name AS to_stop_name, tp.stop_id AS to_station_id,
		tp.stop_name AS to_station_name,
		CASE WHEN ts.stop_id IS NOT NULL THEN coalesce(nullif(
			ts.wheelchair_boarding, 0), nullif(tp.wheelchair_boarding, 0), 0)
			END AS to_wheelchair_boarding,
		g.agency_id, g.tz,
		((sd.date + time '12:00') AT TIME ZONE g.tz) - interval '12 hours'
			AS t0
	FROM @s.stop_times st
	JOIN @s.trips t ON t.trip_id = st.trip_id
	JOIN @d sd ON sd.service_id = t.service_id
	LEFT JOIN @s.trip_starts trs ON trs.trip_id = st.trip_id
	LEFT JOIN @s.routes r ON r.route_id = t.route_id
	LEFT JOIN @s.agency a ON a.agency_id = r.agency_id
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
	CROSS JOIN LATERAL (SELECT x.stop_id, x.stop_sequence, x.arrival_time,
			x.drop_off_type, x.stop_headsign, x.timepoint
		FROM @s.stop_times x
		WHERE x.trip_id = st.trip_id AND x.stop_sequence > st.stop_sequence
		ORDER BY x.stop_sequence LIMIT 1) n
	LEFT JOIN @s.stops fs ON fs.stop_id = st.stop_id
	LEFT JOIN @s.stops fp ON fp.stop_id = fs.parent_station
	LEFT JOIN @s.stops ts ON ts.stop_id = n.stop_id
	LEFT JOIN @s.stops tp ON tp.stop_id = ts.parent_station
),
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
-- connection_id: gtfs-via-postgres's (trip_id, date, from_stop_sequence,
-- frequencies_row, frequencies_it in base64, joined by ":")
SELECT encode(convert_to(trip_id, 'UTF8'), 'base64')
		|| ':' || encode(convert_to(to_char(date, 'YYYY-MM-DD'), 'UTF8'),
			'base64')
		|| ':' || encode(convert_to(from_stop_sequence::text, 'UTF8'),
			'base64')
		|| ':' || encode(convert_to(frequencies_row::text, 'UTF8'),
			'base64')
		|| ':' || encode(convert_to(frequencies_it::text, 'UTF8'), 'base64')
		AS connection_id,
	route_id, route_short_name, route_long_name, route_type, trip_id,
	service_id, direction_id, trip_headsign, wheelchair_accessible,
	bikes_allowed, trip_start_time, from_stop_id, from_stop_name,
	from_station_id, from_station_name, from_wheelchair_boarding,
	from_stop_headsign, from_pickup_type,
	t0 + shift + departure_time AS t_departure, departure_time,
	from_stop_sequence, from_stop_sequence_consec, from_timepoint, date,
	to_timepoint, to_stop_sequence,
	from_stop_sequence_consec + 1 AS to_stop_sequence_consec,
	t0 + shift + arrival_time AS t_arrival, arrival_time, to_drop_off_type,
	to_stop_headsign, to_stop_id, to_stop_name, to_station_id,
	to_station_name, to_wheelchair_boarding, frequencies_row,
	frequencies_it, agency_id, tz AS agency_timezone
FROM instances;
-- the row of a connection_id, NULL when there is none
CREATE OR REPLACE FUNCTION @s.connection_by_connection_id(id text)
RETURNS @s.connections LANGUAGE sql STABLE STRICT
BEGIN ATOMIC
	SELECT * FROM @s.connections
	WHERE trip_id = convert_from(decode(split_part(id, ':', 1), 'base64'),
		'UTF8')
	AND date = convert_from(decode(split_part(id, ':', 2), 'base64'),
		'UTF8')::date
	AND from_stop_sequence = convert_from(decode(split_part(id, ':', 3),
		'base64'), 'UTF8')::integer
	AND frequencies_row = convert_from(decode(split_part(id, ':', 4),
		'base64'), 'UTF8')::integer
	AND frequencies_it = convert_from(decode(split_part(id, ':', 5),
		'base64'), 'UTF8')::integer;
END
