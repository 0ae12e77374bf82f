-- The ids of places unique across files: the validator's
-- UniqueGeographyIdValidator (error).
--   duplicate_geography_id: an id that is a stop_id of stops.txt, a
--     location_group_id of location_groups.txt or a feature id of
--     locations.geojson in more than one of them, one notice per id, at
--     its row in the first of these files (a feature has no line).
-- A load --no-geometry has no locations: the rule does not run
-- (validate.c).
-- sqlfiles.sh parameters: '2026-01-01'
SELECT d.file, d.line, d."column", 'duplicate_geography_id' AS code,
	NULL::text AS severity, d.id AS value,
	format('id %s is given by %s', d.id, d.files) AS message
FROM (
	SELECT g.id, (array_agg(g.file ORDER BY g.rank))[1] AS file,
		(array_agg(g.line ORDER BY g.rank))[1] AS line,
		(array_agg(g."column" ORDER BY g.rank))[1] AS "column",
		string_agg(g.file, ', ' ORDER BY g.rank) AS files
	FROM (
		SELECT stop_id AS id, 'stops.txt' AS file, gtfs2pgsql_line AS line,
			'stop_id' AS "column", 1 AS rank
		FROM @s.stops
		UNION ALL
		SELECT location_group_id, 'location_groups.txt', gtfs2pgsql_line,
			'location_group_id', 2
		FROM @s.location_groups
		UNION ALL
		SELECT id, 'locations.geojson', NULL, 'id', 3
		FROM @s.locations
	) AS g
	WHERE g.id IS NOT NULL
	GROUP BY g.id
	HAVING count(DISTINCT g.file) > 1
) AS d
