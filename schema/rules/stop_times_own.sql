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
WITH ordered AS (
	SELECT trip_id, stop_sequence, stop_id, gtfs2pgsql_line AS line,
		-- the time of a stop time whose arrival is its departure
		CASE WHEN arrival_time = departure_time THEN arrival_time END AS t,
		arrival_time, departure_time,
		lag(stop_id) OVER w AS prev_stop,
		lag(CASE WHEN arrival_time = departure_time THEN arrival_time END)
			OVER w AS prev_t,
		row_number() OVER w AS n
	FROM @s.stop_times
	WINDOW w AS (PARTITION BY trip_id ORDER BY stop_sequence)
)
, st AS MATERIALIZED (
	SELECT o.*,
		-- runs of one time: a row starts one where the time changes
		count(*) FILTER (WHERE t IS NULL OR prev_t IS NULL
			OR t <> prev_t) OVER (PARTITION BY trip_id ORDER BY stop_sequence
			ROWS UNBOUNDED PRECEDING) AS run
	FROM ordered AS o
)
, same_time AS (
	SELECT 'stop_times.txt' AS file, min(line) AS line,
		'arrival_time' AS "column",
		'too_many_consecutive_stop_times_with_same_time' AS code,
		NULL::text AS severity, to_char(min(t), 'HH24:MI:SS') AS value,
		format('trip %s: %s consecutive stop times at %s', trip_id,
			count(*), to_char(min(t), 'HH24:MI:SS')) AS message
	FROM st
	WHERE t IS NOT NULL
	GROUP BY trip_id, run
	HAVING count(*) > 5
)
, same_stop AS (
	SELECT 'stop_times.txt' AS file, line, 'stop_id' AS "column",
		'consecutive_same_stop' AS code, NULL::text AS severity,
		stop_id AS value,
		format('trip %s: stop %s again at stop_sequence %s', trip_id, stop_id,
			stop_sequence) AS message
	FROM st
	WHERE stop_id = prev_stop
)
, pattern AS (
	SELECT trip_id,
		md5(string_agg(concat_ws('/', stop_id, arrival_time, departure_time),
			',' ORDER BY n)) AS times
	FROM st
	GROUP BY trip_id
)
, duplicate AS (
	SELECT t.gtfs2pgsql_line AS line, t.trip_id,
		first_value(t.trip_id) OVER same AS first_trip,
		row_number() OVER same AS k
	FROM @s.trips AS t
	JOIN pattern AS p USING (trip_id)
	WINDOW same AS (PARTITION BY t.route_id, t.service_id, p.times
		ORDER BY t.gtfs2pgsql_line)
)
SELECT * FROM same_time
UNION ALL SELECT * FROM same_stop
UNION ALL
SELECT 'trips.txt', line, 'trip_id', 'duplicate_trip' AS code, NULL::text,
	trip_id, format('trip %s has the route, service, stops and times of '
		'trip %s', trip_id, first_trip)
FROM duplicate
WHERE k > 1
