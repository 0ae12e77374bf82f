-- Trips of one block that run at once (see schema/rules/README for the
-- columns):
--   block_trips_with_overlapping_stop_times (error): two trips of a
--     block_id, on services that share a day, the second leaving its first
--     stop before the first arrives at its last
--     (BlockTripsWithOverlappingStopTimesValidator: trips in the order of
--     their first arrival and last departure; a trip whose first or last
--     stop has no times is left out; the last stop of one repeated as the
--     first of the next, same times, is no overlap).  The first trip's
--     row, once per pair, with the first day they share.
-- sqlfiles.sh parameters: '2026-01-01'
WITH span AS (
	SELECT t.trip_id, t.block_id, t.service_id, t.gtfs2pgsql_line,
		f.arrival_time AS first_arrival, f.departure_time AS first_departure,
		l.arrival_time AS last_arrival, l.departure_time AS last_departure
	FROM @s.trips AS t
	CROSS JOIN LATERAL (
		SELECT st.arrival_time, st.departure_time FROM @s.stop_times AS st
		WHERE st.trip_id = t.trip_id ORDER BY st.stop_sequence LIMIT 1) AS f
	CROSS JOIN LATERAL (
		SELECT st.arrival_time, st.departure_time FROM @s.stop_times AS st
		WHERE st.trip_id = t.trip_id ORDER BY st.stop_sequence DESC LIMIT 1) AS l
	WHERE t.block_id IS NOT NULL
),
ordered AS (
	SELECT span.*, row_number() OVER (PARTITION BY block_id
		ORDER BY first_arrival, last_departure, gtfs2pgsql_line) AS place
	FROM span
	WHERE first_arrival IS NOT NULL AND first_departure IS NOT NULL AND
		last_arrival IS NOT NULL AND last_departure IS NOT NULL
)
SELECT 'trips.txt' AS file, a.gtfs2pgsql_line AS line, 'block_id' AS "column",
	'block_trips_with_overlapping_stop_times' AS code, NULL::text AS severity,
	a.block_id AS value,
	format('block %s: trip %s (%s to %s) and trip %s (line %s, %s to %s) both run on %s',
		a.block_id, a.trip_id, a.first_arrival, a.last_departure, b.trip_id,
		b.gtfs2pgsql_line, b.first_arrival, b.last_departure,
		to_char(d.day, 'YYYY-MM-DD')) AS message
FROM ordered AS a
JOIN ordered AS b ON b.block_id = a.block_id AND b.place > a.place AND
	b.first_arrival < a.last_departure AND
	NOT (a.last_arrival = b.first_arrival AND a.last_departure = b.first_departure)
CROSS JOIN LATERAL (
	SELECT min(x.date) AS day
	FROM @s.service_days AS x
	JOIN @s.service_days AS y ON y.date = x.date AND y.service_id = b.service_id
	WHERE x.service_id = a.service_id) AS d
WHERE d.day IS NOT NULL
