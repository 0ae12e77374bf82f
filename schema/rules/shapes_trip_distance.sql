-- Each trip's distances along its shape against the shape's own (see
-- schema/rules/README for the columns): the validator's
-- TripAndShapeDistanceValidator and
-- TripWithShapeDistTraveledButNoShapeDistancesValidator.
--   trip_distance_exceeds_shape_distance (error): the shape_dist_traveled
--     of the trip's last stop time (0 when it has none) is beyond the
--     shape's greatest (not 0), and the last stop is more than 11.1 m (the
--     validator's DISTANCE_THRESHOLD) from the point of that greatest;
--   ..._below_threshold (warning): beyond, and at most 11.1 m from it.
--     One notice per trip, on the line of its last stop time.
--   trip_with_shape_dist_traveled_but_no_shape_distances (info): a trip
--     with a shape_dist_traveled in a stop time whose shape lacks it on a
--     point; one notice per trip, on its line of trips.txt.
-- A trip's last stop time, and whether one has a distance, come from the
-- screen of stop_times.txt (schema/sql/screen_tables.sql) for a trip of
-- one run in stop_sequence order; the others' are read by the key
-- (trip_id, stop_sequence).
-- sqlfiles.sh parameters: '2026-01-01'
-- sqlfiles.sh before: \i schema/sql/screen_tables.sql
WITH whole AS MATERIALIZED (
	-- the trips of one run, in order (no row the load dropped)
	SELECT trip_id, max_line, max_stop_id, max_distance, any_distance
	FROM pg_temp.gtfs2pgsql_trip_runs
	WHERE sorted AND trip_id NOT IN (SELECT trip_id
		FROM pg_temp.gtfs2pgsql_trip_runs
		WHERE trip_id IS NOT NULL
		GROUP BY trip_id
		HAVING count(*) > 1)
), shape AS (
	SELECT DISTINCT ON (shape_id) shape_id,
		coalesce(shape_dist_traveled, 0) AS max_dist,
		shape_pt_lat AS lat, shape_pt_lon AS lon,
		count(*) OVER (PARTITION BY shape_id) AS npoints,
		count(shape_dist_traveled) OVER (PARTITION BY shape_id) AS ndists
	FROM @s.shapes
	WHERE shape_id IS NOT NULL
	ORDER BY shape_id, coalesce(shape_dist_traveled, 0) DESC,
		shape_pt_sequence
), last_row AS (
	-- each trip's last stop time: the screen's, else by the key
	SELECT trip_id, max_line AS line, max_stop_id AS stop_id,
		coalesce(max_distance, 0) AS dist
	FROM whole
	UNION ALL
	SELECT t.trip_id, st.*
	FROM @s.trips AS t
	CROSS JOIN LATERAL (
		SELECT gtfs2pgsql_line, stop_id, coalesce(shape_dist_traveled, 0)
		FROM @s.stop_times
		WHERE trip_id = t.trip_id
		ORDER BY stop_sequence DESC
		LIMIT 1) AS st
	WHERE t.trip_id NOT IN (SELECT trip_id FROM whole)
), last_stop AS (
	SELECT t.trip_id, t.shape_id, l.line, l.dist, sh.max_dist,
		2 * 6371010 * asin(sqrt(
			sin(radians(s.stop_lat - sh.lat) / 2) ^ 2 +
			cos(radians(s.stop_lat)) * cos(radians(sh.lat)) *
			sin(radians(s.stop_lon - sh.lon) / 2) ^ 2)) AS apart
	FROM @s.trips AS t
	JOIN shape AS sh ON sh.shape_id = t.shape_id
	JOIN last_row AS l ON l.trip_id = t.trip_id
	JOIN @s.stops AS s ON s.stop_id = l.stop_id
	WHERE sh.max_dist <> 0 AND s.stop_lat IS NOT NULL
		AND s.stop_lon IS NOT NULL
)
SELECT 'stop_times.txt' AS file, line, 'shape_dist_traveled' AS "column",
	CASE WHEN apart > 11.1
		THEN 'trip_distance_exceeds_shape_distance' -- code
		ELSE 'trip_distance_exceeds_shape_distance_below_threshold' -- code
	END AS code,
	NULL::text AS severity, dist::text AS value,
	format('trip %s ends at shape_dist_traveled %s, beyond %s, the end of '
		'shape %s; its last stop is %s m from that end', trip_id, dist,
		max_dist, shape_id, round(apart::numeric, 2)) AS message
FROM last_stop
WHERE dist > max_dist
UNION ALL
SELECT 'trips.txt', t.gtfs2pgsql_line, 'shape_id',
	'trip_with_shape_dist_traveled_but_no_shape_distances' AS code, NULL,
	t.shape_id,
	format('trip %s has shape_dist_traveled in stop_times.txt; %s of the '
		'%s points of shape %s have none', t.trip_id,
		sh.npoints - sh.ndists, sh.npoints, t.shape_id)
FROM @s.trips AS t
JOIN shape AS sh ON sh.shape_id = t.shape_id
WHERE sh.ndists < sh.npoints
	AND EXISTS (SELECT FROM @s.import_files
		WHERE file = 'stop_times.txt' AND 'shape_dist_traveled' = ANY (columns))
	AND (t.trip_id IN (SELECT trip_id FROM whole WHERE any_distance) OR
		(t.trip_id NOT IN (SELECT trip_id FROM whole) AND
		 EXISTS (SELECT FROM @s.stop_times AS st
			WHERE st.trip_id = t.trip_id AND st.shape_dist_traveled IS NOT NULL)))
