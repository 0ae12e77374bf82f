-- The timetable and statistics of every feed, by feed_id (src/load/swap.c,
-- after the swap, in its transaction): gtfs2pgsql.arrivals_departures,
-- gtfs2pgsql.connections, gtfs2pgsql.stats_by_route_date and
-- gtfs2pgsql.stats_by_agency_route_stop_hour, the columns of the feeds'
-- own (timetable_arrivals_departures.sql, timetable_connections.sql,
-- stats_matviews.sql, which say what each means) after a first column
-- feed_id, over the cross-feed tables of swap.sql; the statistics are
-- views, computed when queried.  gtfs2pgsql.service_days is one of those
-- tables.
--
-- A query filtered on feed_id reads that feed's partitions and locks no
-- other's (tests/layout.py cross_feed_timetable_pruned): every table is
-- joined on feed_id, which the planner then knows for each and prunes
-- when it plans.  A subquery correlated with a row cannot be pruned so
-- (its feed_id is a parameter: every feed's partition is planned and
-- locked, and a reader of one feed would hold up another's swap), so what
-- the feeds' views compute by subqueries is here joined:
--   the stop and its station: LEFT JOINs on the row's feed_id (a stop
--     the feed lacks has no wheelchair_boarding, as there);
--   stop_sequence_consec and trip_start_time: a window over the feed's
--     stop_times (w), left out of the plan when neither is asked for (its
--     DISTINCT ON makes it unique on the join); asked for, it reads the
--     feed's stop_times whole;
--   a frequency instance's shift: the trip's first stop time (x0, none
--     before it), and the instances before a frequencies.txt row by a
--     window over the feed's frequencies;
--   the next stop time of a connection: the later one of its trip with
--     none between them.
-- Made once, when missing or made by another version (its comment): a
-- view of the user's over ours keeps ours as it is, with a notice.  The
-- views run with the reader's rights (security_invoker): who may not read
-- a feed's tables may not read its timetable here either.
-- The views' statements are literals run by EXECUTE: a DO block parses the
-- statements of its body whenever it runs, every swap (3 ms for these).
--
-- sqlfiles.sh before: CREATE SCHEMA gtfs2pgsql; CREATE TABLE gtfs2pgsql.feeds (feed_id text); CREATE TABLE gtfs2pgsql.stop_times (feed_id text, LIKE gtfs.stop_times); CREATE TABLE gtfs2pgsql.trips (feed_id text, LIKE gtfs.trips); CREATE TABLE gtfs2pgsql.routes (feed_id text, LIKE gtfs.routes); CREATE TABLE gtfs2pgsql.agency (feed_id text, LIKE gtfs.agency); CREATE TABLE gtfs2pgsql.stops (feed_id text, LIKE gtfs.stops); CREATE TABLE gtfs2pgsql.frequencies (feed_id text, LIKE gtfs.frequencies); CREATE TABLE gtfs2pgsql.calendar (feed_id text, LIKE gtfs.calendar); CREATE TABLE gtfs2pgsql.calendar_dates (feed_id text, LIKE gtfs.calendar_dates); CREATE TABLE gtfs2pgsql.service_days (feed_id text, LIKE gtfs.service_days);
DO $gtfs2pgsql$
DECLARE
-- the version of these views, in their comments: another makes them again
	mark CONSTANT text := ' of every feed, by feed_id (gtfs2pgsql 1)';
	ours CONSTANT text[] := ARRAY['arrivals_departures', 'connections',
		'stats_by_route_date', 'stats_by_agency_route_stop_hour'];
	made text;
BEGIN
-- looked at again once the registry's lock is raised (swap.c's
-- REGISTRY_RAISE): two swaps making them take turns
FOR turn IN 1 .. 2 LOOP
	IF EXISTS (SELECT FROM pg_catalog.unnest(ARRAY['stop_times', 'trips',
			'routes', 'agency', 'stops', 'frequencies', 'calendar',
			'calendar_dates', 'service_days']) t
		WHERE pg_catalog.to_regclass('gtfs2pgsql.' || t) IS NULL)
	OR (SELECT pg_catalog.bool_and(pg_catalog.obj_description(
			pg_catalog.to_regclass('gtfs2pgsql.' || v), 'pg_class')
			IS NOT DISTINCT FROM 'gtfs2pgsql: ' || v || mark)
		FROM pg_catalog.unnest(ours) v)
	THEN
		RETURN;
	END IF;
	EXIT WHEN turn = 2;
	LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
END LOOP;
SELECT pg_catalog.string_agg(pg_catalog.to_regclass('gtfs2pgsql.' || v)::text,
		', ') INTO made
	FROM pg_catalog.unnest(ours) v;
BEGIN
	IF made IS NOT NULL THEN
		EXECUTE 'DROP VIEW ' || made;
	END IF;
EXCEPTION WHEN dependent_objects_still_exist THEN
	RAISE NOTICE 'the views of every feed''s timetable in schema gtfs2pgsql are kept as they are: views of yours depend on them';
	RETURN;
END;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.arrivals_departures WITH (security_invoker = true) AS
-- every day of every service (timetable_days.sql's, by feed)
WITH days AS NOT MATERIALIZED (
	SELECT feed_id, service_id, date FROM gtfs2pgsql.service_days
	UNION ALL
	SELECT c.feed_id, c.service_id, s.date
	FROM (SELECT b.feed_id, b.first + generate_series(0, b.last - b.first)
			AS date
		FROM (SELECT feed_id, min(start_date) + 730 AS first,
			max(end_date) AS last FROM gtfs2pgsql.calendar
			WHERE end_date >= start_date + 730 GROUP BY feed_id) b) s
	JOIN gtfs2pgsql.calendar c ON c.feed_id = s.feed_id
		AND s.date BETWEEN c.start_date + 730 AND c.end_date
	WHERE c.service_id IS NOT NULL
	AND (ARRAY[c.sunday, c.monday, c.tuesday, c.wednesday, c.thursday,
		c.friday, c.saturday])[extract(dow FROM s.date)::integer + 1] = 1
	AND NOT EXISTS (SELECT FROM gtfs2pgsql.calendar_dates x
		WHERE x.feed_id = c.feed_id AND x.service_id = c.service_id
		AND x.date = s.date AND x.exception_type IN (1, 2))
),
stop_times_based AS NOT MATERIALIZED (
	SELECT st.feed_id, g.agency_id, t.route_id, r.route_short_name,
		r.route_long_name, r.route_type, st.trip_id, t.direction_id,
		t.trip_headsign, t.wheelchair_accessible, t.bikes_allowed,
		t.service_id, t.shape_id, sd.date, st.stop_sequence,
		w.stop_sequence_consec, st.stop_headsign, st.pickup_type,
		st.drop_off_type, st.shape_dist_traveled, st.timepoint, g.tz,
		st.arrival_time, st.departure_time, w.trip_start_time, st.stop_id,
		s.stop_name, p.stop_id AS station_id, p.stop_name AS station_name,
		CASE WHEN s.stop_id IS NOT NULL THEN coalesce(nullif(
			s.wheelchair_boarding, 0), nullif(p.wheelchair_boarding, 0), 0)
			END AS wheelchair_boarding,
		((sd.date + time '12:00') AT TIME ZONE g.tz) - interval '12 hours'
			AS t0
	FROM gtfs2pgsql.stop_times st
	JOIN gtfs2pgsql.trips t ON t.feed_id = st.feed_id
		AND t.trip_id = st.trip_id
	JOIN days sd ON sd.feed_id = st.feed_id AND sd.service_id = t.service_id
	LEFT JOIN (SELECT DISTINCT ON (x.feed_id, x.trip_id, x.stop_sequence)
			x.feed_id, x.trip_id, x.stop_sequence,
			(row_number() OVER o - 1)::integer AS stop_sequence_consec,
			first_value(coalesce(x.departure_time, x.arrival_time)) OVER o
				AS trip_start_time
		FROM gtfs2pgsql.stop_times x
		WINDOW o AS (PARTITION BY x.feed_id, x.trip_id
			ORDER BY x.stop_sequence)) w
		ON w.feed_id = st.feed_id AND w.trip_id = st.trip_id
		AND w.stop_sequence = st.stop_sequence
	LEFT JOIN gtfs2pgsql.stops s ON s.feed_id = st.feed_id
		AND s.stop_id = st.stop_id
	LEFT JOIN gtfs2pgsql.stops p ON p.feed_id = st.feed_id
		AND p.stop_id = s.parent_station
	LEFT JOIN gtfs2pgsql.routes r ON r.feed_id = st.feed_id
		AND r.route_id = t.route_id
	LEFT JOIN gtfs2pgsql.agency a ON a.feed_id = st.feed_id
		AND a.agency_id = r.agency_id
	JOIN (SELECT feed_id,
			CASE WHEN count(*) = 1 THEN min(agency_id) END AS agency_id,
			CASE WHEN count(DISTINCT agency_timezone) = 1
				THEN min(agency_timezone) END AS agency_timezone
		FROM gtfs2pgsql.agency GROUP BY feed_id) fa ON fa.feed_id = st.feed_id
	CROSS JOIN LATERAL (SELECT
		coalesce(a.agency_id, fa.agency_id) AS agency_id,
		coalesce(a.agency_timezone, fa.agency_timezone) AS tz) g
),
instances AS NOT MATERIALIZED (
	SELECT b.*, -1 AS frequencies_row, -1 AS frequencies_it,
		interval '0' AS shift
	FROM stop_times_based b
	WHERE NOT EXISTS (SELECT FROM gtfs2pgsql.frequencies f
		WHERE f.feed_id = b.feed_id AND f.trip_id = b.trip_id)
	UNION ALL
	SELECT b.*, 1, i.it, i.shift
	FROM stop_times_based b
	JOIN (SELECT e.*, coalesce(sum(greatest(ceil(extract(epoch FROM
				e.end_time - e.start_time) / e.headway_secs)::integer, 0))
			OVER (PARTITION BY e.feed_id, e.trip_id ORDER BY e.start_time
				RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
				EXCLUDE GROUP), 0)::integer AS before
		FROM gtfs2pgsql.frequencies e WHERE e.headway_secs > 0) f
		ON f.feed_id = b.feed_id AND f.trip_id = b.trip_id
	JOIN gtfs2pgsql.stop_times x0 ON x0.feed_id = b.feed_id
		AND x0.trip_id = b.trip_id
		AND NOT EXISTS (SELECT FROM gtfs2pgsql.stop_times y
			WHERE y.feed_id = x0.feed_id AND y.trip_id = x0.trip_id
			AND y.stop_sequence < x0.stop_sequence)
	CROSS JOIN LATERAL generate_series(0, greatest(ceil(extract(epoch FROM
		f.end_time - f.start_time) / f.headway_secs)::integer, 0) - 1) k
	CROSS JOIN LATERAL (SELECT k + 1 + f.before AS it,
		f.start_time + k * f.headway_secs * interval '1 second'
			- coalesce(x0.departure_time, x0.arrival_time) AS shift) i
)
SELECT feed_id,
	encode(convert_to(trip_id, 'UTF8'), 'base64')
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
FROM instances
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.connections WITH (security_invoker = true) AS
WITH days AS NOT MATERIALIZED (
	SELECT feed_id, service_id, date FROM gtfs2pgsql.service_days
	UNION ALL
	SELECT c.feed_id, c.service_id, s.date
	FROM (SELECT b.feed_id, b.first + generate_series(0, b.last - b.first)
			AS date
		FROM (SELECT feed_id, min(start_date) + 730 AS first,
			max(end_date) AS last FROM gtfs2pgsql.calendar
			WHERE end_date >= start_date + 730 GROUP BY feed_id) b) s
	JOIN gtfs2pgsql.calendar c ON c.feed_id = s.feed_id
		AND s.date BETWEEN c.start_date + 730 AND c.end_date
	WHERE c.service_id IS NOT NULL
	AND (ARRAY[c.sunday, c.monday, c.tuesday, c.wednesday, c.thursday,
		c.friday, c.saturday])[extract(dow FROM s.date)::integer + 1] = 1
	AND NOT EXISTS (SELECT FROM gtfs2pgsql.calendar_dates x
		WHERE x.feed_id = c.feed_id AND x.service_id = c.service_id
		AND x.date = s.date AND x.exception_type IN (1, 2))
),
-- each stop time (st) and the next one of its trip (n)
stop_times_based AS NOT MATERIALIZED (
	SELECT st.feed_id, t.route_id, r.route_short_name, r.route_long_name,
		r.route_type, st.trip_id, t.service_id, t.direction_id,
		t.trip_headsign, t.wheelchair_accessible, t.bikes_allowed,
		w.trip_start_time, st.stop_id AS from_stop_id,
		s.stop_name AS from_stop_name, p.stop_id AS from_station_id,
		p.stop_name AS from_station_name,
		CASE WHEN s.stop_id IS NOT NULL THEN coalesce(nullif(
			s.wheelchair_boarding, 0), nullif(p.wheelchair_boarding, 0), 0)
			END AS from_wheelchair_boarding,
		st.stop_headsign AS from_stop_headsign,
		st.pickup_type AS from_pickup_type, st.departure_time,
		st.stop_sequence AS from_stop_sequence,
		w.stop_sequence_consec AS from_stop_sequence_consec,
		st.timepoint AS from_timepoint, sd.date,
		n.timepoint AS to_timepoint, n.stop_sequence AS to_stop_sequence,
		n.arrival_time, n.drop_off_type AS to_drop_off_type,
		n.stop_headsign AS to_stop_headsign, n.stop_id AS to_stop_id,
		ns.stop_name AS to_stop_name, np.stop_id AS to_station_id,
		np.stop_name AS to_station_name,
		CASE WHEN ns.stop_id IS NOT NULL THEN coalesce(nullif(
			ns.wheelchair_boarding, 0), nullif(np.wheelchair_boarding, 0), 0)
			END AS to_wheelchair_boarding,
		g.agency_id, g.tz,
		((sd.date + time '12:00') AT TIME ZONE g.tz) - interval '12 hours'
			AS t0
	FROM gtfs2pgsql.stop_times st
	JOIN gtfs2pgsql.trips t ON t.feed_id = st.feed_id
		AND t.trip_id = st.trip_id
	JOIN days sd ON sd.feed_id = st.feed_id AND sd.service_id = t.service_id
	JOIN gtfs2pgsql.stop_times n ON n.feed_id = st.feed_id
		AND n.trip_id = st.trip_id AND n.stop_sequence > st.stop_sequence
		AND NOT EXISTS (SELECT FROM gtfs2pgsql.stop_times y
			WHERE y.feed_id = st.feed_id AND y.trip_id = st.trip_id
			AND y.stop_sequence > st.stop_sequence
			AND y.stop_sequence < n.stop_sequence)
	LEFT JOIN (SELECT DISTINCT ON (x.feed_id, x.trip_id, x.stop_sequence)
			x.feed_id, x.trip_id, x.stop_sequence,
			(row_number() OVER o - 1)::integer AS stop_sequence_consec,
			first_value(coalesce(x.departure_time, x.arrival_time)) OVER o
				AS trip_start_time
		FROM gtfs2pgsql.stop_times x
		WINDOW o AS (PARTITION BY x.feed_id, x.trip_id
			ORDER BY x.stop_sequence)) w
		ON w.feed_id = st.feed_id AND w.trip_id = st.trip_id
		AND w.stop_sequence = st.stop_sequence
	LEFT JOIN gtfs2pgsql.stops s ON s.feed_id = st.feed_id
		AND s.stop_id = st.stop_id
	LEFT JOIN gtfs2pgsql.stops p ON p.feed_id = st.feed_id
		AND p.stop_id = s.parent_station
	LEFT JOIN gtfs2pgsql.stops ns ON ns.feed_id = st.feed_id
		AND ns.stop_id = n.stop_id
	LEFT JOIN gtfs2pgsql.stops np ON np.feed_id = st.feed_id
		AND np.stop_id = ns.parent_station
	LEFT JOIN gtfs2pgsql.routes r ON r.feed_id = st.feed_id
		AND r.route_id = t.route_id
	LEFT JOIN gtfs2pgsql.agency a ON a.feed_id = st.feed_id
		AND a.agency_id = r.agency_id
	JOIN (SELECT feed_id,
			CASE WHEN count(*) = 1 THEN min(agency_id) END AS agency_id,
			CASE WHEN count(DISTINCT agency_timezone) = 1
				THEN min(agency_timezone) END AS agency_timezone
		FROM gtfs2pgsql.agency GROUP BY feed_id) fa ON fa.feed_id = st.feed_id
	CROSS JOIN LATERAL (SELECT
		coalesce(a.agency_id, fa.agency_id) AS agency_id,
		coalesce(a.agency_timezone, fa.agency_timezone) AS tz) g
),
instances AS NOT MATERIALIZED (
	SELECT b.*, -1 AS frequencies_row, -1 AS frequencies_it,
		interval '0' AS shift
	FROM stop_times_based b
	WHERE NOT EXISTS (SELECT FROM gtfs2pgsql.frequencies f
		WHERE f.feed_id = b.feed_id AND f.trip_id = b.trip_id)
	UNION ALL
	SELECT b.*, 1, i.it, i.shift
	FROM stop_times_based b
	JOIN (SELECT e.*, coalesce(sum(greatest(ceil(extract(epoch FROM
				e.end_time - e.start_time) / e.headway_secs)::integer, 0))
			OVER (PARTITION BY e.feed_id, e.trip_id ORDER BY e.start_time
				RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
				EXCLUDE GROUP), 0)::integer AS before
		FROM gtfs2pgsql.frequencies e WHERE e.headway_secs > 0) f
		ON f.feed_id = b.feed_id AND f.trip_id = b.trip_id
	JOIN gtfs2pgsql.stop_times x0 ON x0.feed_id = b.feed_id
		AND x0.trip_id = b.trip_id
		AND NOT EXISTS (SELECT FROM gtfs2pgsql.stop_times y
			WHERE y.feed_id = x0.feed_id AND y.trip_id = x0.trip_id
			AND y.stop_sequence < x0.stop_sequence)
	CROSS JOIN LATERAL generate_series(0, greatest(ceil(extract(epoch FROM
		f.end_time - f.start_time) / f.headway_secs)::integer, 0) - 1) k
	CROSS JOIN LATERAL (SELECT k + 1 + f.before AS it,
		f.start_time + k * f.headway_secs * interval '1 second'
			- coalesce(x0.departure_time, x0.arrival_time) AS shift) i
)
SELECT feed_id,
	encode(convert_to(trip_id, 'UTF8'), 'base64')
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
FROM instances
$view$;
-- stats_by_route_date: nr_of_trips by service day is the count of trip
-- instances, that by the day on the clock counts the trips' first stop
-- times (the feed's counts both so, in one pass: grouping sets, which keep
-- a query's feed_id and route_id from the rows they group); the second
-- computes every day of the route's to find those of the query
EXECUTE $view$
CREATE VIEW gtfs2pgsql.stats_by_route_date WITH (security_invoker = true) AS
SELECT feed_id, route_id, date, extract(dow FROM date) AS dow,
	count(DISTINCT (trip_id, frequencies_it)) AS nr_of_trips,
	count(*) AS nr_of_arrs_deps, false AS is_effective
FROM gtfs2pgsql.arrivals_departures
GROUP BY feed_id, route_id, date
UNION ALL
SELECT ad.feed_id, ad.route_id, e.date, extract(dow FROM e.date),
	count(*) FILTER (WHERE ad.stop_sequence = f.stop_sequence), count(*),
	true
FROM gtfs2pgsql.arrivals_departures ad
JOIN (SELECT feed_id, trip_id, min(stop_sequence) AS stop_sequence
	FROM gtfs2pgsql.stop_times GROUP BY feed_id, trip_id) f
	ON f.feed_id = ad.feed_id AND f.trip_id = ad.trip_id
CROSS JOIN LATERAL (SELECT (coalesce(ad.t_departure, ad.t_arrival)
	AT TIME ZONE ad.agency_timezone)::date AS date) e
GROUP BY ad.feed_id, ad.route_id, e.date
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.stats_by_agency_route_stop_hour
	WITH (security_invoker = true) AS
SELECT feed_id, agency_id, route_id, stop_id, station_id,
	min(date) AS service_date,
	date_trunc('hour', t_arrival, agency_timezone) AS effective_hour,
	count(*) AS nr_of_arrs
FROM gtfs2pgsql.arrivals_departures
GROUP BY feed_id, agency_id, route_id, stop_id, station_id,
	date_trunc('hour', t_arrival, agency_timezone)
$view$;
FOREACH made IN ARRAY ours LOOP
	EXECUTE pg_catalog.format('COMMENT ON VIEW gtfs2pgsql.%I IS %L', made,
		'gtfs2pgsql: ' || made || mark);
END LOOP;
END
$gtfs2pgsql$;
