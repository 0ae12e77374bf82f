-- The stops too far from the shape of a trip that calls at them (see
-- schema/rules/README for the columns): the validator's
-- ShapeToStopMatchingValidator, matching by geography.
--   stop_too_far_from_shape (warning): a stop of a trip (its location, or
--     its parent's when it has none) farther than 100 m (the validator's
--     DEFAULT_MAX_DISTANCE_FROM_STOP_TO_SHAPE_IN_METERS) from every
--     segment of the trip's shape; 400 m (its large station multiplier, 4)
--     for the first and last stops of a trip of route_type 2 (rail).  One
--     notice per stop and shape, as the validator, on the first line of
--     stop_times.txt where a trip of that shape calls at the stop.
-- Without PostGIS: each segment of a shape, and each stop padded by its
-- distance, fall into cells of 0.002 degree (about 200 m); only the
-- segments of a stop's cells are measured, on a plane tangent at the stop
-- (exact enough at 400 m).
-- The stops of a shape's trips are read from one trip of each set that
-- calls at the same stops as often (the screen's runs of stop_times.txt,
-- schema/sql/screen_tables.sql), the first in the file: its lines come
-- before the others', but for a trip whose rows are apart, read alone.
-- sqlfiles.sh parameters: '2026-01-01'
-- sqlfiles.sh before: \i schema/sql/screen_tables.sql
WITH trip_run AS (
	SELECT trip_id, sum(stops_hash) AS stops_hash, sum(rows) AS calls,
		min(first_line) AS first_line, count(*) AS runs
	FROM pg_temp.gtfs2pgsql_trip_runs
	GROUP BY trip_id
), pattern AS (
	-- the trips of a shape and a route that exist, as the validator's;
	-- the first in the file by its first line (one run's: lines are the
	-- runs' own), hashed, not sorted
	SELECT p.shape_id, p.trips, f.trip_id
	FROM (SELECT t.shape_id, count(*) AS trips, min(r.first_line) AS first_line
		FROM trip_run AS r
		JOIN @s.trips AS t USING (trip_id)
		WHERE t.shape_id IN (SELECT shape_id FROM @s.shapes)
			AND t.route_id IN (SELECT route_id FROM @s.routes)
		GROUP BY t.shape_id, r.stops_hash, r.calls,
			CASE WHEN r.runs > 1 THEN r.trip_id END) AS p
	JOIN pg_temp.gtfs2pgsql_trip_runs AS f ON f.first_line = p.first_line
), visit AS (
	-- the rows of those trips by the key, not a pass over stop_times
	SELECT p.shape_id, st.stop_id, min(st.gtfs2pgsql_line) AS line,
		sum(p.trips) AS n
	FROM @s.stop_times AS st
	JOIN pattern AS p ON p.trip_id = st.trip_id
	WHERE st.trip_id = ANY (ARRAY(SELECT trip_id FROM pattern))
	GROUP BY p.shape_id, st.stop_id
), rail_end AS (
	-- the first and last stop times of rail trips, by the key
	SELECT t.shape_id, e.stop_id, count(*) AS n
	FROM @s.trips AS t
	JOIN @s.routes AS r USING (route_id)
	CROSS JOIN LATERAL (
		(SELECT stop_id FROM @s.stop_times AS st
		 WHERE st.trip_id = t.trip_id ORDER BY st.stop_sequence LIMIT 1)
		UNION ALL
		(SELECT stop_id FROM @s.stop_times AS st
		 WHERE st.trip_id = t.trip_id ORDER BY st.stop_sequence DESC LIMIT 1)
	) AS e
	WHERE r.route_type = 2
	GROUP BY t.shape_id, e.stop_id
), stop_at AS (
	-- 400 m where every call at the stop ends a rail trip
	SELECT v.shape_id, v.stop_id, v.line,
		CASE WHEN e.n >= v.n THEN 400 ELSE 100 END AS max_distance,
		coalesce(s.stop_lat, p.stop_lat) AS lat,
		coalesce(s.stop_lon, p.stop_lon) AS lon
	FROM visit AS v
	LEFT JOIN rail_end AS e USING (shape_id, stop_id)
	JOIN @s.stops AS s ON s.stop_id = v.stop_id
	LEFT JOIN @s.stops AS p ON p.stop_id = s.parent_station
), stop_cell AS (
	SELECT a.shape_id, a.stop_id, a.lat, a.lon, gy, gx
	FROM stop_at AS a
	CROSS JOIN LATERAL (SELECT a.max_distance / 111195.0 AS pad,
		a.max_distance / 111195.0 / greatest(cos(radians(a.lat)), 0.01)
			AS lon_pad) AS p
	CROSS JOIN LATERAL generate_series(floor((a.lat - p.pad) / 0.002)::integer,
		floor((a.lat + p.pad) / 0.002)::integer) AS gy
	CROSS JOIN LATERAL generate_series(floor((a.lon - p.lon_pad) / 0.002)::integer,
		floor((a.lon + p.lon_pad) / 0.002)::integer) AS gx
	WHERE a.lat IS NOT NULL AND a.lon IS NOT NULL
), segment AS (
	SELECT shape_id, shape_pt_lat AS lat1, shape_pt_lon AS lon1,
		coalesce(lead(shape_pt_lat) OVER w, shape_pt_lat) AS lat2,
		coalesce(lead(shape_pt_lon) OVER w, shape_pt_lon) AS lon2
	FROM @s.shapes
	WHERE shape_id IN (SELECT shape_id FROM visit)
		AND shape_pt_lat IS NOT NULL AND shape_pt_lon IS NOT NULL
	WINDOW w AS (PARTITION BY shape_id ORDER BY shape_pt_sequence)
), segment_cell AS (
	SELECT g.*, gy, gx
	FROM segment AS g
	CROSS JOIN LATERAL generate_series(
		floor(least(g.lat1, g.lat2) / 0.002)::integer,
		floor(greatest(g.lat1, g.lat2) / 0.002)::integer) AS gy
	CROSS JOIN LATERAL generate_series(
		floor(least(g.lon1, g.lon2) / 0.002)::integer,
		floor(greatest(g.lon1, g.lon2) / 0.002)::integer) AS gx
), nearest AS (
	-- the distance to each segment near the stop, on the plane at the stop
	SELECT c.shape_id, c.stop_id, min(sqrt(
			(e.ax + e.t * e.dx) ^ 2 + (e.ay + e.t * e.dy) ^ 2)) AS distance
	FROM stop_cell AS c
	JOIN segment_cell AS g USING (shape_id, gy, gx)
	CROSS JOIN LATERAL (SELECT
		(g.lon1 - c.lon) * 111195 * cos(radians(c.lat)) AS ax,
		(g.lat1 - c.lat) * 111195 AS ay,
		(g.lon2 - g.lon1) * 111195 * cos(radians(c.lat)) AS dx,
		(g.lat2 - g.lat1) * 111195 AS dy) AS v
	CROSS JOIN LATERAL (SELECT v.*, CASE WHEN v.dx = 0 AND v.dy = 0 THEN 0
		ELSE least(1, greatest(0, -(v.ax * v.dx + v.ay * v.dy) /
			(v.dx ^ 2 + v.dy ^ 2))) END AS t) AS e
	GROUP BY c.shape_id, c.stop_id
)
SELECT 'stop_times.txt' AS file, a.line, 'stop_id' AS "column",
	'stop_too_far_from_shape' AS code, NULL::text AS severity,
	a.stop_id AS value,
	format('stop %s is %s from shape %s, more than %s m', a.stop_id,
		coalesce(round(n.distance::numeric) || ' m', 'farther'),
		a.shape_id, a.max_distance) AS message
FROM stop_at AS a
LEFT JOIN nearest AS n USING (shape_id, stop_id)
WHERE a.lat IS NOT NULL AND a.lon IS NOT NULL
	AND (n.distance IS NULL OR n.distance > a.max_distance)
