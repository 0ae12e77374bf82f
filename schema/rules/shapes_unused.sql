-- The shapes no trip follows: the validator's ShapeUsageValidator
-- (see schema/rules/README for the columns).
--   unused_shape (warning): a shape_id of shapes.txt that no trip of
--     trips.txt names; one notice per shape, on its first line.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'shapes.txt' AS file, min(s.gtfs2pgsql_line) AS line,
	'shape_id' AS "column", 'unused_shape' AS code, NULL::text AS severity,
	s.shape_id AS value,
	format('shape %s is followed by no trip', s.shape_id) AS message
FROM @s.shapes AS s
WHERE s.shape_id IS NOT NULL
	AND NOT EXISTS (SELECT FROM @s.trips AS t WHERE t.shape_id = s.shape_id)
GROUP BY s.shape_id
