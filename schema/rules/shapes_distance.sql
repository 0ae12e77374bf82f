-- The points of each shape in the order of shape_pt_sequence, one window
-- over the shape's key (see schema/rules/README for the columns):
-- the validator's ShapeIncreasingDistanceValidator and
-- SingleShapePointValidator.
--   decreasing_shape_distance (error): a point whose shape_dist_traveled
--     is below the previous point's.
--   equal_shape_distance_same_coordinates (warning): equal to the
--     previous point's, at the same lat/lon.
--   equal_shape_distance_diff_coordinates (error): equal, and the points
--     more than 1.11 m apart (the validator's distanceThreshold);
--   ..._distance_below_threshold (warning): equal, apart by at most that.
--     Distances are great-circle, the validator's earth radius 6371.01 km.
--   single_shape_point (warning): a shape of one point.
-- Only points that both have shape_dist_traveled are compared, as the
-- validator does.  One notice per point, on its line.
-- sqlfiles.sh parameters: '2026-01-01'
WITH pt AS (
	SELECT shape_id, gtfs2pgsql_line AS line, shape_pt_sequence,
		shape_pt_lat AS lat, shape_pt_lon AS lon,
		shape_dist_traveled AS dist,
		lag(shape_dist_traveled) OVER w AS prev_dist,
		lag(shape_pt_lat) OVER w AS prev_lat,
		lag(shape_pt_lon) OVER w AS prev_lon,
		lag(shape_pt_sequence) OVER w AS prev_sequence,
		count(*) OVER (PARTITION BY shape_id) AS npoints
	FROM @s.shapes
	WHERE shape_id IS NOT NULL
	WINDOW w AS (PARTITION BY shape_id ORDER BY shape_pt_sequence)
), pair AS (
	SELECT *, 2 * 6371010 * asin(sqrt(
			sin(radians(lat - prev_lat) / 2) ^ 2 +
			cos(radians(lat)) * cos(radians(prev_lat)) *
			sin(radians(lon - prev_lon) / 2) ^ 2)) AS apart
	FROM pt
	WHERE dist <= prev_dist
)
SELECT 'shapes.txt' AS file, line, 'shape_dist_traveled' AS "column",
	CASE
		WHEN dist < prev_dist THEN 'decreasing_shape_distance' -- code
		WHEN lat = prev_lat AND lon = prev_lon
			THEN 'equal_shape_distance_same_coordinates' -- code
		WHEN apart > 1.11 THEN 'equal_shape_distance_diff_coordinates' -- code
		ELSE 'equal_shape_distance_diff_coordinates_distance_below_threshold' -- code
	END AS code,
	NULL::text AS severity, dist::text AS value,
	format('shape %s: point %s has shape_dist_traveled %s, point %s before '
		'it %s; %s m apart', shape_id, shape_pt_sequence, dist,
		prev_sequence, prev_dist, round(apart::numeric, 2)) AS message
FROM pair
-- equal, apart by a distance that rounds to 0: the validator says nothing
WHERE dist < prev_dist OR (lat = prev_lat AND lon = prev_lon) OR apart > 0
UNION ALL
SELECT 'shapes.txt', line, 'shape_id', 'single_shape_point' AS code, NULL,
	shape_id, format('shape %s has a single point', shape_id)
FROM pt
WHERE npoints = 1
