-- Checks of stop_times.txt people ask the validators for, codes of our own
-- (src/gtfs/validator.c), in one pass over stop_times in the key's order:
--   too_many_consecutive_stop_times_with_same_time (info): a run of more
--     than five consecutive stop times of a trip, each with its arrival
--     and departure at one same time (MobilityData gtfs-validator #178 and
--     its pull request #2185, after Google's transitfeed, which warned
--     past five; #1794 asks for three); one notice per run, at its first
--     row, its value the time.  A row with other times ends the run.
--   consecutive_same_stop (info): a stop time at the stop of the one
--     before it in its trip (gtfs-validator #166: "not to have twice the
--     same stop consecutively"; a layover can be written so: CUTR
--     gtfs-realtime-validator #117); one per second row, its value the
--     stop_id.
--   duplicate_trip (warning): a trip of the route, service, stops and
--     times of another (gtfs-validator #1729, "Duplicate Departure Stop
--     Time"); one per trips.txt row but the first of each set, its value
--     the trip_id.
-- sqlfiles.sh parameters: '2026-01-01'
-- One ordered pass (the key's index) keeps the rows a rule looks at: a stop
-- time at the stop or the time of the one before it; the trips' calls are
-- summed apart, in parallel, without order.
WITH flagged AS MATERIALIZED (
	SELECT *
	FROM (SELECT trip_id, stop_sequence, stop_id, gtfs2pgsql_line AS line, t,
			stop_id = lag(stop_id) OVER w AS same_stop,
			t = lag(t) OVER w AS same_time,
			lag(gtfs2pgsql_line) OVER w AS prev_line,
			row_number() OVER w AS n
		FROM (SELECT *, CASE WHEN arrival_time = departure_time
					THEN arrival_time END AS t
				FROM @s.stop_times) AS st
		WINDOW w AS (PARTITION BY trip_id ORDER BY stop_sequence)) AS o
	WHERE same_stop OR same_time
)
-- runs of rows at the time of the row before (the run's first is the row
-- before its first): n less their rank is one number along a run
, run AS (
	SELECT trip_id, t, (array_agg(prev_line ORDER BY n))[1] AS line,
		count(*) + 1 AS calls
	FROM (SELECT trip_id, t, prev_line, n,
			n - row_number() OVER (PARTITION BY trip_id ORDER BY n) AS run
		FROM flagged
		WHERE same_time) AS r
	GROUP BY trip_id, t, run
	HAVING count(*) + 1 > 5
)
-- the trip's calls, order and all, as two numbers: two trips alike in them
-- are alike call for call but by a 64-bit chance
, calls AS (
	SELECT trip_id, count(*) AS calls,
		sum(hashtextextended(concat_ws('/', stop_sequence, stop_id,
			arrival_time, departure_time), 0)) AS calls_hash
	FROM @s.stop_times
	GROUP BY trip_id
)
, duplicate AS (
	SELECT t.gtfs2pgsql_line AS line, t.trip_id,
		first_value(t.trip_id) OVER same AS first_trip,
		row_number() OVER same AS k
	FROM @s.trips AS t
	JOIN calls AS c USING (trip_id)
	WINDOW same AS (PARTITION BY t.route_id, t.service_id, c.calls,
		c.calls_hash ORDER BY t.gtfs2pgsql_line)
)
SELECT 'stop_times.txt' AS file, line, 'arrival_time' AS "column",
	'too_many_consecutive_stop_times_with_same_time' AS code,
	NULL::text AS severity, to_char(t, 'HH24:MI:SS') AS value,
	format('trip %s: %s consecutive stop times at %s', trip_id, calls,
		to_char(t, 'HH24:MI:SS')) AS message
FROM run
UNION ALL
SELECT 'stop_times.txt', line, 'stop_id', 'consecutive_same_stop' AS code,
	NULL::text, stop_id, format('trip %s: stop %s again at stop_sequence %s',
		trip_id, stop_id, stop_sequence)
FROM flagged
WHERE same_stop
UNION ALL
SELECT 'trips.txt', line, 'trip_id', 'duplicate_trip' AS code, NULL::text,
	trip_id, format('trip %s has the route, service, stops and times of '
		'trip %s', trip_id, first_trip)
FROM duplicate
WHERE k > 1
