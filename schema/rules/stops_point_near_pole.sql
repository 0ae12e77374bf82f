-- The points at a pole, where a latitude and longitude swapped or a
-- default tend to land: the validator's check of every latitude of
-- stops.txt and shapes.txt (|latitude| >= 89 degrees, a point near (0, 0)
-- being point_near_origin instead, found while reading).
--   point_near_pole (error): one per row.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'stops.txt' AS file, gtfs2pgsql_line AS line, 'stop_lat' AS "column",
	'point_near_pole' AS code, NULL::text AS severity,
	stop_lat::text AS value,
	format('stop %s at (%s, %s) is at a pole', stop_id, stop_lat,
		stop_lon) AS message
FROM @s.stops
WHERE abs(stop_lat) >= 89
UNION ALL
SELECT 'shapes.txt', gtfs2pgsql_line, 'shape_pt_lat', 'point_near_pole' AS code,
	NULL, shape_pt_lat::text,
	format('point %s of shape %s at (%s, %s) is at a pole', shape_pt_sequence,
		shape_id, shape_pt_lat, shape_pt_lon)
FROM @s.shapes
WHERE abs(shape_pt_lat) >= 89
