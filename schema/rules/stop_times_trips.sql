-- The trips of stop_times.txt as wholes, from the screen of the file as it
-- loaded (src/gtfs/tripscreen.c; schema/sql/screen_tables.sql): a line
-- per run of a trip's rows, with its first and last stops' times and its
-- calls summed as hashes.  See schema/rules/README for the columns; the
-- rows themselves are stop_times_rows.sql's.
--   unused_trip (warning): a trip no row names (TripUsageValidator), and
--     unusable_trip too, as the validator counts it.
-- Trips of one block that run at once, from the first and last rows of each:
--   block_trips_with_overlapping_stop_times (error): two trips of a
--     block_id, on services that share a day, the second leaving its first
--     stop before the first arrives at its last
--     (BlockTripsWithOverlappingStopTimesValidator: trips in the order of
--     their first arrival and last departure; a trip whose first or last
--     stop has no times is left out; the last stop of one repeated as the
--     first of the next, same times, is no overlap).  The first trip's
--     row, once per trip (the validator gives one per pair: n trips of a
--     block at once would give n(n-1)/2), naming the first trip that
--     overlaps it, the first day they share and how many overlap it.  A
--     trip meets only the trips that start while it runs, and the days two
--     services share are sought once per pair of services.
-- Of our own (src/gtfs/validator.c):
--   duplicate_trip (warning): a trip of the route, service, stops and
--     times of another (gtfs-validator #1729, "Duplicate Departure Stop
--     Time"), Flex zones and windows counted, trips of frequencies.txt
--     left out; one per trips.txt row but the first of each set, its value
--     the trip_id.
-- sqlfiles.sh parameters: '2026-01-01'
-- sqlfiles.sh before: \i schema/sql/screen_tables.sql
WITH
-- each trip's runs, together: the times of its first and last stops.
-- Most trips are one run, taken as it is: the runs of the others are
-- summed up
apart AS (
	SELECT trip_id
	FROM pg_temp.gtfs2pgsql_trip_runs
	GROUP BY trip_id
	HAVING count(*) > 1
),
trip_run AS (
	SELECT trip_id, rows::bigint AS calls, calls_hash::numeric AS calls_hash,
		min_arrival AS first_arrival, min_departure AS first_departure,
		max_arrival AS last_arrival, max_departure AS last_departure
	FROM pg_temp.gtfs2pgsql_trip_runs
	WHERE trip_id NOT IN (SELECT trip_id FROM apart WHERE trip_id IS NOT NULL)
	UNION ALL
	SELECT trip_id, sum(rows), sum(calls_hash),
		(array_agg(min_arrival ORDER BY min_sequence, first_line))[1],
		(array_agg(min_departure ORDER BY min_sequence, first_line))[1],
		(array_agg(max_arrival ORDER BY max_sequence DESC, first_line))[1],
		(array_agg(max_departure ORDER BY max_sequence DESC, first_line))[1]
	FROM pg_temp.gtfs2pgsql_trip_runs
	WHERE trip_id IN (SELECT trip_id FROM apart)
	GROUP BY trip_id
),
-- each trip's runs and trips.txt row
trip_fact AS MATERIALIZED (
	SELECT r.*, t.route_id, t.service_id, t.block_id,
		t.gtfs2pgsql_line AS trip_line,
		coalesce(hashtextextended(t.route_id, 0), 0) #
			coalesce(hashtextextended(t.service_id, 1), 0) #
			hashint8extended(r.calls, 2) #
			hashtextextended(r.calls_hash::text, 3) AS alike_key
	FROM trip_run AS r
	JOIN @s.trips AS t USING (trip_id)
),
-- the few trips whose hash of route, service and calls another has, for
-- the window below to sort (not every trip)
alike AS (
	SELECT *
	FROM trip_fact
	WHERE alike_key IN (SELECT alike_key FROM trip_fact
		GROUP BY alike_key HAVING count(*) > 1)
),
-- the trips of the route and service of another, call for call: two
-- trips alike in their calls' hashes summed are alike call for call but
-- by a 64-bit chance
duplicate AS (
	SELECT trip_line AS line, trip_id,
		first_value(trip_id) OVER same AS first_trip,
		row_number() OVER same AS k
	FROM alike
	-- a trip of frequencies.txt is a template: two alike run at other times
	WHERE trip_id NOT IN (SELECT f.trip_id FROM @s.frequencies AS f
		WHERE f.trip_id IS NOT NULL)
	WINDOW same AS (PARTITION BY route_id, service_id, calls, calls_hash
		ORDER BY trip_line)
),
-- the trips of a block, with their first and last times
span AS (
	SELECT trip_id, block_id, service_id, trip_line,
		make_interval(secs => first_arrival) AS first_arrival,
		make_interval(secs => first_departure) AS first_departure,
		make_interval(secs => last_arrival) AS last_arrival,
		make_interval(secs => last_departure) AS last_departure
	FROM trip_fact
	WHERE block_id IS NOT NULL
),
-- each trip's place in its block, and g, its place among all (one key to
-- join on: on the two, the planner joined every two trips of a block)
ordered AS (
	SELECT span.*, row_number() OVER (PARTITION BY block_id
		ORDER BY first_arrival, last_departure, trip_line) AS place,
		row_number() OVER (ORDER BY block_id, first_arrival, last_departure,
			trip_line) AS g
	FROM span
	WHERE first_arrival IS NOT NULL AND first_departure IS NOT NULL AND
		last_arrival IS NOT NULL AND last_departure IS NOT NULL
),
-- the last place of a block that starts before a trip ends: the starts
-- counted up to its end (an end before the starts of the same time), so
-- that a trip meets only the trips that start while it runs, not every
-- trip of its block (a feed giving all its trips one block_id)
reach AS (
	SELECT block_id, place, g, is_end, count(*) FILTER (WHERE NOT is_end)
		OVER (PARTITION BY block_id ORDER BY instant, is_end DESC
			ROWS UNBOUNDED PRECEDING) AS last_place
	FROM (SELECT block_id, place, g, first_arrival AS instant, false AS is_end
		FROM ordered
		UNION ALL
		SELECT block_id, place, g, last_departure, true FROM ordered) AS event
),
-- materialized: the planner would join every two trips of a block first
meeting AS MATERIALIZED (
	SELECT r.g AS a_g, r.g + later.place - r.place AS b_g
	FROM reach AS r
	CROSS JOIN generate_series(r.place + 1, r.last_place) AS later(place)
	WHERE r.is_end
),
-- each trip of a meeting, then the other: two relations a step, for the
-- planner (misled by generate_series's thousand rows a call) joined every
-- two trips of the feed first
meeting_a AS MATERIALIZED (
	SELECT m.a_g, m.b_g, a.service_id AS a_service, a.last_arrival,
		a.last_departure
	FROM meeting AS m
	JOIN ordered AS a ON a.g = m.a_g
),
pair AS (
	SELECT m.a_g, m.b_g, m.a_service, b.service_id AS b_service
	FROM meeting_a AS m
	JOIN ordered AS b ON b.g = m.b_g
	WHERE NOT (m.last_arrival = b.first_arrival AND
		m.last_departure = b.first_departure)
),
-- materialized: inlined, the planner sought the days once per pair of trips
shared AS MATERIALIZED (
	SELECT p.a_service, p.b_service, d.day
	FROM (SELECT DISTINCT a_service, b_service FROM pair) AS p
	CROSS JOIN LATERAL (
		SELECT min(x.date) AS day
		FROM @s.service_days AS x
		JOIN @s.service_days AS y ON y.date = x.date AND
			y.service_id = p.b_service
		WHERE x.service_id = p.a_service) AS d
	WHERE d.day IS NOT NULL
),
first_pair AS (
	SELECT DISTINCT ON (p.a_g) p.a_g, p.b_g, s.day,
		count(*) OVER (PARTITION BY p.a_g) AS overlaps
	FROM pair AS p
	JOIN shared AS s USING (a_service, b_service)
	ORDER BY p.a_g, p.b_g
),
first_pair_a AS MATERIALIZED (
	SELECT p.*, a.block_id, a.trip_id, a.trip_line, a.first_arrival,
		a.last_departure
	FROM first_pair AS p
	JOIN ordered AS a ON a.g = p.a_g
)
SELECT 'trips.txt' AS file, p.trip_line AS line, 'block_id' AS "column",
	'block_trips_with_overlapping_stop_times' AS code, NULL::text AS severity,
	p.block_id AS value,
	format('block %s: trip %s (%s to %s) and trip %s (line %s, %s to %s) both run on %s%s',
		p.block_id, p.trip_id, p.first_arrival, p.last_departure, b.trip_id,
		b.trip_line, b.first_arrival, b.last_departure,
		to_char(p.day, 'YYYY-MM-DD'),
		CASE WHEN p.overlaps > 1
			THEN format(' (%s later trips overlap it)', p.overlaps) END) AS message
FROM first_pair_a AS p
JOIN ordered AS b ON b.g = p.b_g
UNION ALL
SELECT 'trips.txt', t.gtfs2pgsql_line, 'trip_id', u.code, NULL, t.trip_id,
	format('trip %s has no stop time', t.trip_id)
FROM @s.trips AS t
CROSS JOIN (VALUES ('unused_trip' -- code
	), ('unusable_trip' -- code
	)) AS u (code)
WHERE NOT EXISTS (SELECT FROM trip_run AS r WHERE r.trip_id = t.trip_id)
UNION ALL
SELECT 'trips.txt', line, 'trip_id', 'duplicate_trip' AS code, NULL, trip_id,
	format('trip %s has the route, service, stops and times of trip %s',
		trip_id, first_trip)
FROM duplicate
WHERE k > 1
