-- The locations of a station with pathways that no walk reaches from an
-- entrance, or that no walk leaves to an exit: the validator's
-- PathwayReachableLocationValidator, a search of the pathways from every
-- entrance (location_type 2) forwards and backwards, a pathway of
-- is_bidirectional 1 going both ways.
--   pathway_unreachable_location (error): a generic node (3), a boarding
--     area (4) or a stop (0) without children, in a station (itself, its
--     parent or its grandparent) some location of which is a pathway's
--     end, that the search misses in one direction or both.
-- sqlfiles.sh parameters: '2026-01-01'
-- each step reads the pathways of the nodes just reached by their
-- indexes, not every pathway of the feed (a chain of n nodes: n steps)
WITH RECURSIVE from_entrance(stop_id) AS (
	SELECT stop_id FROM @s.stops WHERE location_type = 2
	UNION
	SELECT s.there FROM from_entrance AS f
	CROSS JOIN LATERAL (
		SELECT p.to_stop_id FROM @s.pathways AS p
		WHERE p.from_stop_id = f.stop_id
		UNION ALL
		SELECT p.from_stop_id FROM @s.pathways AS p
		WHERE p.to_stop_id = f.stop_id AND p.is_bidirectional = 1) AS s(there)
), to_exit(stop_id) AS (
	SELECT stop_id FROM @s.stops WHERE location_type = 2
	UNION
	SELECT s.here FROM to_exit AS t
	CROSS JOIN LATERAL (
		SELECT p.from_stop_id FROM @s.pathways AS p
		WHERE p.to_stop_id = t.stop_id
		UNION ALL
		SELECT p.to_stop_id FROM @s.pathways AS p
		WHERE p.from_stop_id = t.stop_id AND p.is_bidirectional = 1) AS s(here)
), location AS (
	SELECT l.gtfs2pgsql_line AS line, l.stop_id,
		coalesce(l.location_type, 0) AS location_type,
		CASE WHEN l.location_type = 1 THEN l.stop_id
			WHEN p.location_type = 1 THEN p.stop_id
			WHEN g.location_type = 1 THEN g.stop_id END AS station_id
	FROM @s.stops AS l
	LEFT JOIN @s.stops AS p ON p.stop_id = l.parent_station
	LEFT JOIN @s.stops AS g ON g.stop_id = p.parent_station
), station_with_pathways AS (
	SELECT DISTINCT l.station_id
	FROM location AS l
	JOIN (SELECT from_stop_id AS stop_id FROM @s.pathways
		UNION SELECT to_stop_id FROM @s.pathways) AS e USING (stop_id)
	WHERE l.station_id IS NOT NULL
)
SELECT 'stops.txt' AS file, l.line, 'stop_id' AS "column",
	'pathway_unreachable_location' AS code, NULL::text AS severity,
	l.stop_id AS value,
	format('%s of station %s: %s', l.stop_id, l.station_id,
		CASE WHEN f.stop_id IS NULL AND t.stop_id IS NULL
			THEN 'no entrance reaches it, it reaches no exit'
			WHEN f.stop_id IS NULL THEN 'no entrance reaches it'
			ELSE 'it reaches no exit' END) AS message
FROM location AS l
JOIN station_with_pathways USING (station_id)
LEFT JOIN from_entrance AS f USING (stop_id)
LEFT JOIN to_exit AS t USING (stop_id)
WHERE (l.location_type IN (3, 4)
		OR (l.location_type = 0 AND NOT EXISTS (SELECT FROM @s.stops AS c
			WHERE c.parent_station = l.stop_id)))
	AND (f.stop_id IS NULL OR t.stop_id IS NULL)
