-- The stops and stations nothing uses, and the stops a zone fare cannot
-- price: the validator's LocationHasStopTimesValidator,
-- ParentStationValidator and StopZoneIdValidator.
--   stop_without_stop_time (warning): a stop (location_type 0 or empty)
--     that no stop_times.stop_id names, nor a location group of it
--     (location_group_stops.txt) a stop_times.location_group_id.
--   unused_station (info): a station (1) that no stop (0) has for
--     parent_station (unused_parent_station, its name before validator
--     7.0.0, is no longer given).
--   stop_without_zone_id (info): a stop without zone_id that a trip of a
--     route visits while fare_rules.txt prices that route by zones
--     (origin_id, destination_id or contains_id).
-- Each probe of stop_times goes by its index on stop_id.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'stops.txt' AS file, s.gtfs2pgsql_line AS line, 'stop_id' AS "column",
	'stop_without_stop_time' AS code, NULL::text AS severity,
	s.stop_id AS value,
	format('stop %s is in no trip', s.stop_id) AS message
FROM @s.stops AS s
WHERE coalesce(s.location_type, 0) = 0
	AND NOT EXISTS (SELECT FROM @s.stop_times AS st WHERE st.stop_id = s.stop_id)
	AND NOT EXISTS (SELECT FROM @s.location_group_stops AS g
		WHERE g.stop_id = s.stop_id AND EXISTS (SELECT FROM @s.stop_times AS st
			WHERE st.location_group_id = g.location_group_id))
UNION ALL
SELECT 'stops.txt', s.gtfs2pgsql_line, 'stop_id', 'unused_station' AS code,
	NULL, s.stop_id, format('station %s has no stop', s.stop_id)
FROM @s.stops AS s
WHERE s.location_type = 1
	AND NOT EXISTS (SELECT FROM @s.stops AS c
		WHERE c.parent_station = s.stop_id AND coalesce(c.location_type, 0) = 0)
UNION ALL
SELECT 'stops.txt', s.gtfs2pgsql_line, 'zone_id', 'stop_without_zone_id' AS code,
	NULL, s.stop_id,
	format('stop %s has no zone_id, and route %s is priced by zones',
		s.stop_id, min(t.route_id))
FROM @s.stops AS s
JOIN @s.stop_times AS st ON st.stop_id = s.stop_id
JOIN @s.trips AS t ON t.trip_id = st.trip_id
WHERE coalesce(s.location_type, 0) = 0 AND s.zone_id IS NULL
	AND t.route_id IN (SELECT route_id FROM @s.fare_rules
		WHERE origin_id IS NOT NULL OR destination_id IS NOT NULL
			OR contains_id IS NOT NULL)
GROUP BY s.gtfs2pgsql_line, s.stop_id
