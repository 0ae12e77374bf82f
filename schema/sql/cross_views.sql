-- The timetable, statistics and translations of every feed, by feed_id
-- (src/load/swap.c, after the swap, in its transaction):
-- gtfs2pgsql.arrivals_departures, connections, stats_by_route_date,
-- stats_by_agency_route_stop_hour, feed_time_frame,
-- feed_time_series(unit), stats_active_trips_by_hour and the translated
-- views (stops_, routes_, trips_, arrivals_departures_ and
-- connections_translated, over translations_by_record, _by_value and
-- translation_languages), the columns of the feeds' own
-- (timetable_arrivals_departures.sql, timetable_connections.sql,
-- stats_views.sql, stats_matviews.sql, translated.sql, which say what
-- each means) after a first column feed_id, over the cross-feed tables of
-- swap.sql; the statistics are views, computed when queried.
-- gtfs2pgsql.service_days is one of those tables.
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
-- sqlfiles.sh before: CREATE SCHEMA gtfs2pgsql; CREATE TABLE gtfs2pgsql.feeds (feed_id text); CREATE TABLE gtfs2pgsql.stop_times (feed_id text, LIKE gtfs.stop_times); CREATE TABLE gtfs2pgsql.trips (feed_id text, LIKE gtfs.trips); CREATE TABLE gtfs2pgsql.routes (feed_id text, LIKE gtfs.routes); CREATE TABLE gtfs2pgsql.agency (feed_id text, LIKE gtfs.agency); CREATE TABLE gtfs2pgsql.stops (feed_id text, LIKE gtfs.stops); CREATE TABLE gtfs2pgsql.frequencies (feed_id text, LIKE gtfs.frequencies); CREATE TABLE gtfs2pgsql.calendar (feed_id text, LIKE gtfs.calendar); CREATE TABLE gtfs2pgsql.calendar_dates (feed_id text, LIKE gtfs.calendar_dates); CREATE TABLE gtfs2pgsql.service_days (feed_id text, LIKE gtfs.service_days); CREATE TABLE gtfs2pgsql.translations (feed_id text, LIKE gtfs.translations);
DO $gtfs2pgsql$
DECLARE
-- the version of these views, in their comments: another makes them again
	mark CONSTANT text := ' of every feed, by feed_id (gtfs2pgsql 1)';
	ours CONSTANT text[] := ARRAY['arrivals_departures', 'connections',
		'stats_by_route_date', 'stats_by_agency_route_stop_hour',
		'feed_time_frame', 'stats_active_trips_by_hour',
		'translations_by_record', 'translations_by_value',
		'translation_languages', 'stops_translated', 'routes_translated',
		'trips_translated', 'arrivals_departures_translated',
		'connections_translated'];
	made text;
BEGIN
-- looked at again once the registry's lock is raised (swap.c's
-- REGISTRY_RAISE): two swaps making them take turns
FOR turn IN 1 .. 2 LOOP
	IF EXISTS (SELECT FROM pg_catalog.unnest(ARRAY['stop_times', 'trips',
			'routes', 'agency', 'stops', 'frequencies', 'calendar',
			'calendar_dates', 'service_days', 'translations']) t
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
-- feed_time_frame: each feed's first and last instants, computed as the
-- feed's (stats_views.sql says how) with the tables joined on feed_id; a
-- row for every feed of the registry (NULLs where it has no timetable, as
-- the feed's view)
EXECUTE $view$
CREATE VIEW gtfs2pgsql.feed_time_frame WITH (security_invoker = true) AS
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
), offsets AS (
	SELECT s.feed_id, s.trip_id, s.lo, s.hi
	FROM (SELECT feed_id, trip_id,
			min(least(arrival_time, departure_time)) AS lo,
			max(greatest(arrival_time, departure_time)) AS hi
		FROM gtfs2pgsql.stop_times GROUP BY feed_id, trip_id) s
	WHERE NOT EXISTS (SELECT FROM gtfs2pgsql.frequencies f
		WHERE f.feed_id = s.feed_id AND f.trip_id = s.trip_id)
	UNION ALL
	SELECT f.feed_id, f.trip_id,
		f.start_time - coalesce(x0.departure_time, x0.arrival_time)
			+ min(least(x.arrival_time, x.departure_time)),
		f.start_time + (k.n - 1) * f.headway_secs * interval '1 second'
			- coalesce(x0.departure_time, x0.arrival_time)
			+ max(greatest(x.arrival_time, x.departure_time))
	FROM gtfs2pgsql.frequencies f
	CROSS JOIN LATERAL (SELECT greatest(ceil(extract(epoch FROM
		f.end_time - f.start_time) / f.headway_secs)::integer, 0) AS n) k
	JOIN gtfs2pgsql.stop_times x0 ON x0.feed_id = f.feed_id
		AND x0.trip_id = f.trip_id
		AND NOT EXISTS (SELECT FROM gtfs2pgsql.stop_times y
			WHERE y.feed_id = x0.feed_id AND y.trip_id = x0.trip_id
			AND y.stop_sequence < x0.stop_sequence)
	JOIN gtfs2pgsql.stop_times x ON x.feed_id = f.feed_id
		AND x.trip_id = f.trip_id
	WHERE f.headway_secs > 0 AND k.n > 0
	GROUP BY f.feed_id, f.trip_id, f.start_time, f.headway_secs, k.n,
		x0.departure_time, x0.arrival_time
), services AS (
	SELECT o.feed_id, t.service_id, g.tz, min(o.lo) AS lo, max(o.hi) AS hi
	FROM offsets o
	JOIN gtfs2pgsql.trips t ON t.feed_id = o.feed_id
		AND t.trip_id = o.trip_id
	LEFT JOIN gtfs2pgsql.routes r ON r.feed_id = o.feed_id
		AND r.route_id = t.route_id
	LEFT JOIN gtfs2pgsql.agency a ON a.feed_id = o.feed_id
		AND a.agency_id = r.agency_id
	LEFT JOIN (SELECT feed_id, CASE WHEN count(DISTINCT agency_timezone) = 1
				THEN min(agency_timezone) END AS agency_timezone
		FROM gtfs2pgsql.agency GROUP BY feed_id) fa ON fa.feed_id = o.feed_id
	CROSS JOIN LATERAL (SELECT coalesce(a.agency_timezone,
		fa.agency_timezone) AS tz) g
	GROUP BY o.feed_id, t.service_id, g.tz
), spans AS (
	SELECT s.feed_id,
		min(((d.first + time '12:00') AT TIME ZONE s.tz)
			- interval '12 hours' + s.lo) AS min,
		max(((d.last + time '12:00') AT TIME ZONE s.tz)
			- interval '12 hours' + s.hi) AS max
	FROM services s
	JOIN (SELECT feed_id, service_id, min(date) AS first, max(date) AS last
		FROM days GROUP BY feed_id, service_id) d
		ON d.feed_id = s.feed_id AND d.service_id = s.service_id
	GROUP BY s.feed_id
)
SELECT f.feed_id, s.min, s.max
FROM gtfs2pgsql.feeds f LEFT JOIN spans s ON s.feed_id = f.feed_id
$view$;
-- feed_time_series(unit): the feed's, by feed_id; a body in a string,
-- which no view's drop has to wait for, and inlined into a query by the
-- planner (a set-returning SQL function of one SELECT), so that a filter
-- on feed_id reaches feed_time_frame's tables
EXECUTE $function$
CREATE OR REPLACE FUNCTION gtfs2pgsql.feed_time_series(time_unit text)
RETURNS TABLE (feed_id text, feed_time_series timestamptz)
LANGUAGE sql STABLE
AS $body$
	SELECT f.feed_id, pg_catalog.generate_series(
		pg_catalog.date_trunc(time_unit, f.min),
		pg_catalog.date_trunc(time_unit, f.max),
		pg_catalog.concat('1 ', time_unit)::pg_catalog.interval)
	FROM gtfs2pgsql.feed_time_frame f
$body$
$function$;
-- stats_active_trips_by_hour: the feed's materialized view
-- (stats_matviews.sql), computed when queried, its hours truncated in the
-- reader's time zone
EXECUTE $view$
CREATE VIEW gtfs2pgsql.stats_active_trips_by_hour
	WITH (security_invoker = true) AS
SELECT s.feed_id, s.hour, count(a.trip_id) AS nr_of_active_trips
FROM gtfs2pgsql.feed_time_series('hour') AS s (feed_id, hour)
LEFT JOIN (SELECT DISTINCT c.feed_id, h.hour, c.route_id, c.trip_id
	FROM gtfs2pgsql.connections c
	CROSS JOIN LATERAL generate_series(date_trunc('hour', c.t_departure),
		date_trunc('hour', c.t_arrival), interval '1 hour') AS h (hour)) a
	ON a.feed_id = s.feed_id AND a.hour = s.hour
GROUP BY s.feed_id, s.hour
$view$;
-- the translated views: the feed's (translated.sql, which says what they
-- give) with feed_id, over the rules of each feed
EXECUTE $view$
CREATE VIEW gtfs2pgsql.translations_by_record
	WITH (security_invoker = true) AS
SELECT DISTINCT ON (feed_id, table_name, field_name, language, record_id,
		record_sub_id)
	feed_id, table_name, field_name, language, record_id, record_sub_id,
	translation
FROM (SELECT feed_id, table_name, field_name, language, record_id,
		CASE WHEN table_name <> 'stop_times' THEN NULL
			WHEN record_sub_id ~ '^ *[0-9]{1,9} *$'
			THEN trim(record_sub_id)::integer::text
			ELSE record_sub_id END AS record_sub_id,
		translation, field_value
	FROM gtfs2pgsql.translations
	WHERE record_id IS NOT NULL AND table_name IS NOT NULL
	AND field_name IS NOT NULL AND language IS NOT NULL
	AND translation IS NOT NULL) r
ORDER BY feed_id, table_name, field_name, language, record_id,
	record_sub_id, field_value NULLS FIRST, translation
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.translations_by_value
	WITH (security_invoker = true) AS
SELECT DISTINCT ON (feed_id, table_name, field_name, language, field_value)
	feed_id, table_name, field_name, language, field_value, translation
FROM (SELECT feed_id, table_name, field_name, language, field_value,
		translation, 1 AS rank
	FROM gtfs2pgsql.translations
	WHERE record_id IS NULL AND field_value IS NOT NULL
	AND table_name IS NOT NULL AND field_name IS NOT NULL
	AND language IS NOT NULL AND translation IS NOT NULL
	UNION ALL
	SELECT t.feed_id, f.table_name, f.field_name, t.extra ->> 'lang',
		t.extra ->> 'trans_id', t.translation, 2
	FROM gtfs2pgsql.translations t
	CROSS JOIN (VALUES ('agency', 'agency_name'), ('stops', 'stop_name'),
		('stops', 'tts_stop_name'), ('stops', 'stop_desc'),
		('stops', 'platform_code'), ('routes', 'route_short_name'),
		('routes', 'route_long_name'), ('routes', 'route_desc'),
		('trips', 'trip_headsign'), ('trips', 'trip_short_name'),
		('stop_times', 'stop_headsign')) AS f (table_name, field_name)
	WHERE t.table_name IS NULL AND t.record_id IS NULL
	AND t.extra ->> 'trans_id' IS NOT NULL
	AND t.extra ->> 'lang' IS NOT NULL AND t.translation IS NOT NULL) r
ORDER BY feed_id, table_name, field_name, language, field_value, rank,
	translation
$view$;
-- each feed's languages, and NULL (as written) for every feed
EXECUTE $view$
CREATE VIEW gtfs2pgsql.translation_languages
	WITH (security_invoker = true) AS
SELECT feed_id, NULL::text AS language FROM gtfs2pgsql.feeds
UNION
SELECT feed_id, coalesce(language, extra ->> 'lang')
FROM gtfs2pgsql.translations
WHERE coalesce(language, extra ->> 'lang') IS NOT NULL
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.stops_translated WITH (security_invoker = true) AS
SELECT s.feed_id, l.language, s.stop_id, s.stop_code,
	coalesce(n1.translation, n2.translation, s.stop_name) AS stop_name,
	CASE WHEN coalesce(n1.translation, n2.translation) IS NOT NULL
		THEN l.language END AS stop_name_lang,
	coalesce(t1.translation, t2.translation, s.tts_stop_name)
		AS tts_stop_name,
	CASE WHEN coalesce(t1.translation, t2.translation) IS NOT NULL
		THEN l.language END AS tts_stop_name_lang,
	coalesce(d1.translation, d2.translation, s.stop_desc) AS stop_desc,
	CASE WHEN coalesce(d1.translation, d2.translation) IS NOT NULL
		THEN l.language END AS stop_desc_lang,
	s.stop_lat, s.stop_lon, s.zone_id,
	coalesce(u1.translation, u2.translation, s.stop_url) AS stop_url,
	CASE WHEN coalesce(u1.translation, u2.translation) IS NOT NULL
		THEN l.language END AS stop_url_lang,
	s.location_type, s.parent_station, s.stop_timezone,
	s.wheelchair_boarding, s.level_id,
	coalesce(p1.translation, p2.translation, s.platform_code)
		AS platform_code,
	CASE WHEN coalesce(p1.translation, p2.translation) IS NOT NULL
		THEN l.language END AS platform_code_lang
FROM gtfs2pgsql.stops s
JOIN gtfs2pgsql.translation_languages l ON l.feed_id = s.feed_id
LEFT JOIN gtfs2pgsql.translations_by_record n1 ON n1.feed_id = s.feed_id
	AND n1.table_name = 'stops'
	AND n1.field_name = 'stop_name' AND n1.language = l.language
	AND n1.record_id = s.stop_id
LEFT JOIN gtfs2pgsql.translations_by_value n2 ON n2.feed_id = s.feed_id
	AND n2.table_name = 'stops'
	AND n2.field_name = 'stop_name' AND n2.language = l.language
	AND n2.field_value = s.stop_name
LEFT JOIN gtfs2pgsql.translations_by_record t1 ON t1.feed_id = s.feed_id
	AND t1.table_name = 'stops'
	AND t1.field_name = 'tts_stop_name' AND t1.language = l.language
	AND t1.record_id = s.stop_id
LEFT JOIN gtfs2pgsql.translations_by_value t2 ON t2.feed_id = s.feed_id
	AND t2.table_name = 'stops'
	AND t2.field_name = 'tts_stop_name' AND t2.language = l.language
	AND t2.field_value = s.tts_stop_name
LEFT JOIN gtfs2pgsql.translations_by_record d1 ON d1.feed_id = s.feed_id
	AND d1.table_name = 'stops'
	AND d1.field_name = 'stop_desc' AND d1.language = l.language
	AND d1.record_id = s.stop_id
LEFT JOIN gtfs2pgsql.translations_by_value d2 ON d2.feed_id = s.feed_id
	AND d2.table_name = 'stops'
	AND d2.field_name = 'stop_desc' AND d2.language = l.language
	AND d2.field_value = s.stop_desc
LEFT JOIN gtfs2pgsql.translations_by_record u1 ON u1.feed_id = s.feed_id
	AND u1.table_name = 'stops'
	AND u1.field_name = 'stop_url' AND u1.language = l.language
	AND u1.record_id = s.stop_id
LEFT JOIN gtfs2pgsql.translations_by_value u2 ON u2.feed_id = s.feed_id
	AND u2.table_name = 'stops'
	AND u2.field_name = 'stop_url' AND u2.language = l.language
	AND u2.field_value = s.stop_url
LEFT JOIN gtfs2pgsql.translations_by_record p1 ON p1.feed_id = s.feed_id
	AND p1.table_name = 'stops'
	AND p1.field_name = 'platform_code' AND p1.language = l.language
	AND p1.record_id = s.stop_id
LEFT JOIN gtfs2pgsql.translations_by_value p2 ON p2.feed_id = s.feed_id
	AND p2.table_name = 'stops'
	AND p2.field_name = 'platform_code' AND p2.language = l.language
	AND p2.field_value = s.platform_code
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.routes_translated WITH (security_invoker = true) AS
SELECT r.feed_id, l.language, r.route_id, r.agency_id,
	coalesce(s1.translation, s2.translation, r.route_short_name)
		AS route_short_name,
	CASE WHEN coalesce(s1.translation, s2.translation) IS NOT NULL
		THEN l.language END AS route_short_name_lang,
	coalesce(n1.translation, n2.translation, r.route_long_name)
		AS route_long_name,
	CASE WHEN coalesce(n1.translation, n2.translation) IS NOT NULL
		THEN l.language END AS route_long_name_lang,
	coalesce(d1.translation, d2.translation, r.route_desc) AS route_desc,
	CASE WHEN coalesce(d1.translation, d2.translation) IS NOT NULL
		THEN l.language END AS route_desc_lang,
	r.route_type,
	coalesce(u1.translation, u2.translation, r.route_url) AS route_url,
	CASE WHEN coalesce(u1.translation, u2.translation) IS NOT NULL
		THEN l.language END AS route_url_lang,
	r.route_color, r.route_text_color, r.route_sort_order
FROM gtfs2pgsql.routes r
JOIN gtfs2pgsql.translation_languages l ON l.feed_id = r.feed_id
LEFT JOIN gtfs2pgsql.translations_by_record s1 ON s1.feed_id = r.feed_id
	AND s1.table_name = 'routes'
	AND s1.field_name = 'route_short_name' AND s1.language = l.language
	AND s1.record_id = r.route_id
LEFT JOIN gtfs2pgsql.translations_by_value s2 ON s2.feed_id = r.feed_id
	AND s2.table_name = 'routes'
	AND s2.field_name = 'route_short_name' AND s2.language = l.language
	AND s2.field_value = r.route_short_name
LEFT JOIN gtfs2pgsql.translations_by_record n1 ON n1.feed_id = r.feed_id
	AND n1.table_name = 'routes'
	AND n1.field_name = 'route_long_name' AND n1.language = l.language
	AND n1.record_id = r.route_id
LEFT JOIN gtfs2pgsql.translations_by_value n2 ON n2.feed_id = r.feed_id
	AND n2.table_name = 'routes'
	AND n2.field_name = 'route_long_name' AND n2.language = l.language
	AND n2.field_value = r.route_long_name
LEFT JOIN gtfs2pgsql.translations_by_record d1 ON d1.feed_id = r.feed_id
	AND d1.table_name = 'routes'
	AND d1.field_name = 'route_desc' AND d1.language = l.language
	AND d1.record_id = r.route_id
LEFT JOIN gtfs2pgsql.translations_by_value d2 ON d2.feed_id = r.feed_id
	AND d2.table_name = 'routes'
	AND d2.field_name = 'route_desc' AND d2.language = l.language
	AND d2.field_value = r.route_desc
LEFT JOIN gtfs2pgsql.translations_by_record u1 ON u1.feed_id = r.feed_id
	AND u1.table_name = 'routes'
	AND u1.field_name = 'route_url' AND u1.language = l.language
	AND u1.record_id = r.route_id
LEFT JOIN gtfs2pgsql.translations_by_value u2 ON u2.feed_id = r.feed_id
	AND u2.table_name = 'routes'
	AND u2.field_name = 'route_url' AND u2.language = l.language
	AND u2.field_value = r.route_url
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.trips_translated WITH (security_invoker = true) AS
SELECT t.feed_id, l.language, t.trip_id, t.route_id, t.service_id,
	coalesce(h1.translation, h2.translation, t.trip_headsign)
		AS trip_headsign,
	CASE WHEN coalesce(h1.translation, h2.translation) IS NOT NULL
		THEN l.language END AS trip_headsign_lang,
	coalesce(s1.translation, s2.translation, t.trip_short_name)
		AS trip_short_name,
	CASE WHEN coalesce(s1.translation, s2.translation) IS NOT NULL
		THEN l.language END AS trip_short_name_lang,
	t.direction_id, t.block_id, t.shape_id, t.wheelchair_accessible,
	t.bikes_allowed
FROM gtfs2pgsql.trips t
JOIN gtfs2pgsql.translation_languages l ON l.feed_id = t.feed_id
LEFT JOIN gtfs2pgsql.translations_by_record h1 ON h1.feed_id = t.feed_id
	AND h1.table_name = 'trips'
	AND h1.field_name = 'trip_headsign' AND h1.language = l.language
	AND h1.record_id = t.trip_id
LEFT JOIN gtfs2pgsql.translations_by_value h2 ON h2.feed_id = t.feed_id
	AND h2.table_name = 'trips'
	AND h2.field_name = 'trip_headsign' AND h2.language = l.language
	AND h2.field_value = t.trip_headsign
LEFT JOIN gtfs2pgsql.translations_by_record s1 ON s1.feed_id = t.feed_id
	AND s1.table_name = 'trips'
	AND s1.field_name = 'trip_short_name' AND s1.language = l.language
	AND s1.record_id = t.trip_id
LEFT JOIN gtfs2pgsql.translations_by_value s2 ON s2.feed_id = t.feed_id
	AND s2.table_name = 'trips'
	AND s2.field_name = 'trip_short_name' AND s2.language = l.language
	AND s2.field_value = t.trip_short_name;

$view$;
-- arrivals_departures in each language ('' standing for NULL so that the
-- joins hash)
EXECUTE $view$
CREATE VIEW gtfs2pgsql.arrivals_departures_translated WITH (security_invoker = true) AS
SELECT ad.feed_id, l.language, ad.trip_id, ad.date, ad.frequencies_it,
	ad.stop_sequence, ad.stop_id, s.stop_name, s.stop_name_lang,
	st.stop_id AS station_id, st.stop_name AS station_name,
	st.stop_name_lang AS station_name_lang,
	ad.route_id, r.route_short_name, r.route_short_name_lang,
	r.route_long_name, r.route_long_name_lang, r.route_type,
	ad.service_id, ad.direction_id, t.trip_headsign, t.trip_headsign_lang,
	coalesce(h1.translation, h2.translation, ad.stop_headsign)
		AS stop_headsign,
	CASE WHEN coalesce(h1.translation, h2.translation) IS NOT NULL
		THEN l.language END AS stop_headsign_lang,
	ad.pickup_type, ad.drop_off_type, ad.timepoint,
	ad.shape_dist_traveled, ad.t_arrival, ad.t_departure, ad.agency_id,
	ad.agency_timezone
FROM gtfs2pgsql.arrivals_departures ad
JOIN gtfs2pgsql.translation_languages l ON l.feed_id = ad.feed_id
LEFT JOIN gtfs2pgsql.stops_translated s ON s.feed_id = ad.feed_id
	AND s.stop_id = ad.stop_id
	AND coalesce(s.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.stops_translated st ON st.feed_id = ad.feed_id
	AND st.stop_id = s.parent_station
	AND coalesce(st.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.routes_translated r ON r.feed_id = ad.feed_id
	AND r.route_id = ad.route_id
	AND coalesce(r.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.trips_translated t ON t.feed_id = ad.feed_id
	AND t.trip_id = ad.trip_id
	AND coalesce(t.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.translations_by_record h1 ON h1.feed_id = ad.feed_id
	AND h1.table_name = 'stop_times'
	AND h1.field_name = 'stop_headsign' AND h1.language = l.language
	AND h1.record_id = ad.trip_id
	AND h1.record_sub_id = ad.stop_sequence::text
LEFT JOIN gtfs2pgsql.translations_by_value h2 ON h2.feed_id = ad.feed_id
	AND h2.table_name = 'stop_times'
	AND h2.field_name = 'stop_headsign' AND h2.language = l.language
	AND h2.field_value = ad.stop_headsign
$view$;
EXECUTE $view$
CREATE VIEW gtfs2pgsql.connections_translated WITH (security_invoker = true) AS
SELECT c.feed_id, l.language, c.trip_id, c.date, c.frequencies_it,
	c.route_id, r.route_short_name, r.route_short_name_lang,
	r.route_long_name, r.route_long_name_lang, r.route_type,
	c.service_id, c.direction_id, t.trip_headsign, t.trip_headsign_lang,
	c.from_stop_id, fs.stop_name AS from_stop_name,
	fs.stop_name_lang AS from_stop_name_lang,
	fst.stop_id AS from_station_id, fst.stop_name AS from_station_name,
	fst.stop_name_lang AS from_station_name_lang,
	coalesce(fh1.translation, fh2.translation, f.stop_headsign)
		AS from_stop_headsign,
	CASE WHEN coalesce(fh1.translation, fh2.translation) IS NOT NULL
		THEN l.language END AS from_stop_headsign_lang,
	c.from_stop_sequence, c.from_pickup_type, c.t_departure,
	c.to_stop_id, ts.stop_name AS to_stop_name,
	ts.stop_name_lang AS to_stop_name_lang,
	tst.stop_id AS to_station_id, tst.stop_name AS to_station_name,
	tst.stop_name_lang AS to_station_name_lang,
	coalesce(th1.translation, th2.translation, n.stop_headsign)
		AS to_stop_headsign,
	CASE WHEN coalesce(th1.translation, th2.translation) IS NOT NULL
		THEN l.language END AS to_stop_headsign_lang,
	c.to_stop_sequence, c.to_drop_off_type, c.t_arrival, c.agency_id,
	c.agency_timezone
FROM gtfs2pgsql.connections c
JOIN gtfs2pgsql.translation_languages l ON l.feed_id = c.feed_id
LEFT JOIN gtfs2pgsql.stop_times f ON f.feed_id = c.feed_id
	AND f.trip_id = c.trip_id
	AND f.stop_sequence = c.from_stop_sequence
LEFT JOIN gtfs2pgsql.stop_times n ON n.feed_id = c.feed_id
	AND n.trip_id = c.trip_id
	AND n.stop_sequence = c.to_stop_sequence
LEFT JOIN gtfs2pgsql.stops_translated fs ON fs.feed_id = c.feed_id
	AND fs.stop_id = c.from_stop_id
	AND coalesce(fs.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.stops_translated fst ON fst.feed_id = c.feed_id
	AND fst.stop_id = fs.parent_station
	AND coalesce(fst.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.stops_translated ts ON ts.feed_id = c.feed_id
	AND ts.stop_id = c.to_stop_id
	AND coalesce(ts.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.stops_translated tst ON tst.feed_id = c.feed_id
	AND tst.stop_id = ts.parent_station
	AND coalesce(tst.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.routes_translated r ON r.feed_id = c.feed_id
	AND r.route_id = c.route_id
	AND coalesce(r.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.trips_translated t ON t.feed_id = c.feed_id
	AND t.trip_id = c.trip_id
	AND coalesce(t.language, '') = coalesce(l.language, '')
LEFT JOIN gtfs2pgsql.translations_by_record fh1 ON fh1.feed_id = c.feed_id
	AND fh1.table_name = 'stop_times'
	AND fh1.field_name = 'stop_headsign' AND fh1.language = l.language
	AND fh1.record_id = c.trip_id
	AND fh1.record_sub_id = c.from_stop_sequence::text
LEFT JOIN gtfs2pgsql.translations_by_value fh2 ON fh2.feed_id = c.feed_id
	AND fh2.table_name = 'stop_times'
	AND fh2.field_name = 'stop_headsign' AND fh2.language = l.language
	AND fh2.field_value = f.stop_headsign
LEFT JOIN gtfs2pgsql.translations_by_record th1 ON th1.feed_id = c.feed_id
	AND th1.table_name = 'stop_times'
	AND th1.field_name = 'stop_headsign' AND th1.language = l.language
	AND th1.record_id = c.trip_id
	AND th1.record_sub_id = c.to_stop_sequence::text
LEFT JOIN gtfs2pgsql.translations_by_value th2 ON th2.feed_id = c.feed_id
	AND th2.table_name = 'stop_times'
	AND th2.field_name = 'stop_headsign' AND th2.language = l.language
	AND th2.field_value = n.stop_headsign
$view$;

FOREACH made IN ARRAY ours LOOP
	EXECUTE pg_catalog.format('COMMENT ON VIEW gtfs2pgsql.%I IS %L', made,
		'gtfs2pgsql: ' || made || mark);
END LOOP;
END
$gtfs2pgsql$;
