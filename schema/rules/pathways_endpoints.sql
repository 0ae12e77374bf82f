-- Each pathway and the locations it joins: the validator's
-- PathwayBidirectionalExitGatesValidator, PathwayLoopValidator,
-- PathwayEndpointTypeValidator, PathwayStopAccessValidator,
-- MissingLevelIdValidator and PathwayDanglingGenericNodeValidator.
--   bidirectional_exit_gate (error): an exit gate (pathway_mode 7) both ways.
--   pathway_loop (warning): from_stop_id is to_stop_id.
--   pathway_to_wrong_location_type (error): an end is a station; one per
--     end.
--   pathway_to_platform_with_boarding_areas (error): an end is a stop that
--     has boarding areas (any child); one per end.
--   pathway_to_stop_with_access_outside_of_station_pathways (error): an end
--     is a stop of stop_access 1 (reached from the street); one per stop.
--   missing_level_id (error): a location at an end of an elevator
--     (pathway_mode 5) without level_id; one per location.
--   pathway_dangling_generic_node (warning): a generic node (3) that
--     pathways join to one location only, directions aside.
-- sqlfiles.sh parameters: '2026-01-01'
WITH pathway_end AS (
	SELECT p.gtfs2pgsql_line AS line, p.pathway_id, p.pathway_mode,
		e.field, e.stop_id
	FROM @s.pathways AS p
	CROSS JOIN LATERAL (VALUES ('from_stop_id', p.from_stop_id),
		('to_stop_id', p.to_stop_id)) AS e(field, stop_id)
), end_location AS (
	SELECT e.*, coalesce(s.location_type, 0) AS location_type, s.stop_access,
		s.level_id, s.gtfs2pgsql_line AS stop_line,
		EXISTS (SELECT FROM @s.stops AS c WHERE c.parent_station = s.stop_id)
			AS has_children
	FROM pathway_end AS e
	JOIN @s.stops AS s USING (stop_id)
), neighbour AS (
	SELECT from_stop_id AS stop_id, to_stop_id AS other FROM @s.pathways
	UNION
	SELECT to_stop_id, from_stop_id FROM @s.pathways
)
SELECT 'pathways.txt' AS file, gtfs2pgsql_line AS line,
	'is_bidirectional' AS "column", 'bidirectional_exit_gate' AS code,
	NULL::text AS severity, is_bidirectional::text AS value,
	format('pathway %s is an exit gate both ways', pathway_id) AS message
FROM @s.pathways
WHERE pathway_mode = 7 AND is_bidirectional = 1
UNION ALL
SELECT 'pathways.txt', gtfs2pgsql_line, 'to_stop_id', 'pathway_loop' AS code,
	NULL, to_stop_id,
	format('pathway %s starts and ends at %s', pathway_id, to_stop_id)
FROM @s.pathways
WHERE from_stop_id = to_stop_id
UNION ALL
SELECT 'pathways.txt', line, field, 'pathway_to_wrong_location_type' AS code,
	NULL, stop_id, format('pathway %s leads to station %s', pathway_id, stop_id)
FROM end_location
WHERE location_type = 1
UNION ALL
SELECT 'pathways.txt', line, field,
	'pathway_to_platform_with_boarding_areas' AS code, NULL, stop_id,
	format('pathway %s leads to platform %s, not to its boarding areas',
		pathway_id, stop_id)
FROM end_location
WHERE location_type = 0 AND has_children
UNION ALL
(SELECT DISTINCT ON (line, stop_id) 'pathways.txt', line, field,
	'pathway_to_stop_with_access_outside_of_station_pathways' AS code, NULL,
	stop_id,
	format('pathway %s leads to stop %s, whose stop_access 1 says it is '
		'reached from the street', pathway_id, stop_id)
FROM end_location
WHERE stop_access = 1
ORDER BY line, stop_id, field)
UNION ALL
(SELECT DISTINCT ON (stop_id) 'stops.txt', stop_line, 'level_id',
	'missing_level_id' AS code, NULL, stop_id,
	format('%s is an end of elevator %s but has no level_id', stop_id,
		pathway_id)
FROM end_location
WHERE pathway_mode = 5 AND level_id IS NULL
ORDER BY stop_id, line)
UNION ALL
SELECT 'stops.txt', s.gtfs2pgsql_line, 'stop_id',
	'pathway_dangling_generic_node' AS code, NULL, s.stop_id,
	format('generic node %s leads only to %s', s.stop_id, min(n.other))
FROM @s.stops AS s
JOIN neighbour AS n USING (stop_id)
WHERE s.location_type = 3
GROUP BY s.gtfs2pgsql_line, s.stop_id
HAVING count(*) = 1
