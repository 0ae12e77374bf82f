-- How fast a trip goes from stop to stop (see schema/rules/README for the
-- columns), over the rows of stop_times.txt whose stop (or its parent
-- station) has coordinates, in the order of the key: the validator's
-- StopTimeTravelSpeedValidator.  Distances are great circles (radius
-- 6371.01 km); the limit is the route_type's: 100 km/h light rail (0), 150
-- subway, bus, trolleybus, monorail (1, 3, 11, 12), 500 rail (2), 80 ferry
-- (4), 30 cable tram (5), 50 aerial lift, funicular (6, 7), 200 any other
-- (the extended types too, as the validator).  The time from a departure
-- to an arrival is at least a minute, and a minute more when both are on
-- the minute (schedules rounded to the minute).
--   fast_travel_between_consecutive_stops (warning): from the last earlier
--     row with a departure_time to a row with an arrival_time, over the
--     limit; the second row, once per pair.
--   fast_travel_between_far_stops (warning): a row with an arrival_time
--     more than 10 km, along the trip's stops, from an earlier row with a
--     departure_time, over the limit; the first such row, once per trip.
-- The validator measures consecutive stops between the timed ones only,
-- in a straight line, as here.
-- sqlfiles.sh parameters: '2026-01-01'
WITH located AS (
	SELECT st.trip_id, st.stop_sequence, st.gtfs2pgsql_line, st.stop_id,
		st.arrival_time,
		extract(epoch FROM st.arrival_time)::float8 AS arrival,
		extract(epoch FROM st.departure_time)::float8 AS departure,
		radians(coalesce(s.stop_lat, p.stop_lat)) AS lat,
		radians(coalesce(s.stop_lon, p.stop_lon)) AS lon,
		CASE r.route_type WHEN 0 THEN 100 WHEN 1 THEN 150 WHEN 2 THEN 500
			WHEN 3 THEN 150 WHEN 4 THEN 80 WHEN 5 THEN 30 WHEN 6 THEN 50
			WHEN 7 THEN 50 WHEN 11 THEN 150 WHEN 12 THEN 150 ELSE 200
		END::float8 AS limit_kph
	FROM @s.stop_times AS st
	JOIN @s.stops AS s ON s.stop_id = st.stop_id
	LEFT JOIN @s.stops AS p ON p.stop_id = s.parent_station
	JOIN @s.trips AS t ON t.trip_id = st.trip_id
	JOIN @s.routes AS r ON r.route_id = t.route_id
	WHERE coalesce(s.stop_lat, p.stop_lat) IS NOT NULL AND
		coalesce(s.stop_lon, p.stop_lon) IS NOT NULL
),
legs AS (
	SELECT located.*,
		lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon
	FROM located
	WINDOW w AS (PARTITION BY trip_id ORDER BY stop_sequence)
),
along AS (
	SELECT legs.*,
		sum(coalesce(2 * 6371.01 * asin(least(1, sqrt(
			sin((lat - previous_lat) / 2) ^ 2 +
			cos(previous_lat) * cos(lat) * sin((lon - previous_lon) / 2) ^ 2))), 0))
			OVER (PARTITION BY trip_id ORDER BY stop_sequence
				  ROWS UNBOUNDED PRECEDING) AS km
	FROM legs
),
measured AS (
	SELECT along.*,
		-- the last earlier departure: its stop_sequence, time, place
		max(CASE WHEN departure IS NOT NULL THEN
			ARRAY[stop_sequence, departure, lat, lon] END)
			OVER (PARTITION BY trip_id ORDER BY stop_sequence
				  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous,
		-- over the limit from s to e: km(e) - km(s) > limit * (time) / 3600,
		-- or (km(e) * 3600 / limit - arrival(e)) - (km(s) * 3600 / limit
		-- - departure(s)) > the minute added; the least second term of
		-- the departures at least 10 km before, on the minute and not
		min(CASE WHEN departure::bigint % 60 = 0 THEN
			km * 3600 / limit_kph - departure END)
			OVER far AS far_on_minute,
		min(CASE WHEN departure::bigint % 60 <> 0 THEN
			km * 3600 / limit_kph - departure END)
			OVER far AS far_off_minute
	FROM along
	WINDOW far AS (PARTITION BY trip_id ORDER BY km
		RANGE BETWEEN UNBOUNDED PRECEDING AND 10 PRECEDING)
),
consecutive AS (
	SELECT m.*, d.km_between,
		d.km_between * 3600 / CASE
			WHEN m.arrival - m.previous[2] <= 0 THEN 60
			WHEN m.arrival::bigint % 60 = 0 AND m.previous[2]::bigint % 60 = 0
				THEN m.arrival - m.previous[2] + 60
			ELSE m.arrival - m.previous[2] END AS kph,
		(m.arrival::bigint % 60 = 0 AND
		 m.km * 3600 / m.limit_kph - m.arrival - m.far_on_minute > 60) OR
		(m.arrival::bigint % 60 <> 0 AND
		 m.km * 3600 / m.limit_kph - m.arrival - m.far_on_minute > 0) OR
		m.km * 3600 / m.limit_kph - m.arrival - m.far_off_minute > 0 AS far_fast
	FROM measured AS m
	CROSS JOIN LATERAL (SELECT 2 * 6371.01 * asin(least(1, sqrt(
		sin((m.lat - m.previous[3]) / 2) ^ 2 +
		cos(m.previous[3]) * cos(m.lat) * sin((m.lon - m.previous[4]) / 2) ^ 2)))
		AS km_between) AS d
	WHERE m.arrival IS NOT NULL
)
SELECT 'stop_times.txt' AS file, gtfs2pgsql_line AS line,
	'arrival_time' AS "column",
	'fast_travel_between_consecutive_stops' AS code, NULL::text AS severity,
	arrival_time::text AS value,
	format('trip %s: %s km from stop_sequence %s to %s (stop %s) at %s km/h, over %s',
		trip_id, round(km_between::numeric, 2), previous[1], stop_sequence,
		stop_id, round(kph::numeric), limit_kph) AS message
FROM consecutive
WHERE kph > limit_kph
UNION ALL
(SELECT DISTINCT ON (trip_id) 'stop_times.txt', gtfs2pgsql_line, 'arrival_time',
	'fast_travel_between_far_stops' AS code, NULL, arrival_time::text,
	format('trip %s: at stop_sequence %s (stop %s), more than 10 km from an earlier stop and over %s km/h from there',
		trip_id, stop_sequence, stop_id, limit_kph)
FROM consecutive
WHERE far_fast
ORDER BY trip_id, stop_sequence)
