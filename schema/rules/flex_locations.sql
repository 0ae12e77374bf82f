-- The places of GTFS-Flex: the validator's LocationHasStopTimesValidator
-- and the check of geography ids unique across files (errors):
--   location_with_unexpected_stop_time: a stops.txt row that is not a stop
--     (location_type other than 0) and yet has stop times, one notice per
--     such row (the message names its first stop time);
--   duplicate_geography_id: an id that is a stop_id of stops.txt, a
--     location_group_id of location_groups.txt or a feature id of
--     locations.geojson in more than one of them, one notice per id, at
--     its row in the first of these files (a feature has no line).
-- The validator takes the group ids from location_group_stops.txt, whose
-- rows repeat a group's id once per stop, and so finds a group of two stops
-- "duplicated"; here a group's id is its row of location_groups.txt.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'stops.txt' AS file, s.gtfs2pgsql_line AS line, 'stop_id' AS "column",
	'location_with_unexpected_stop_time' AS code, NULL::text AS severity,
	s.stop_id AS value,
	format('stop %s has location_type %s, not a stop, and stop times (stop_times.txt line %s the first)',
		s.stop_id, s.location_type, first_use.line) AS message
FROM @s.stops AS s
CROSS JOIN LATERAL (
	SELECT min(st.gtfs2pgsql_line) AS line
	FROM @s.stop_times AS st
	WHERE st.stop_id = s.stop_id
) AS first_use
WHERE s.location_type <> 0 AND first_use.line IS NOT NULL
UNION ALL
SELECT d.file, d.line, d."column", 'duplicate_geography_id' AS code,
	NULL::text, d.id,
	format('id %s is given by %s', d.id, d.files)
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
