-- Trips and their blocks (see schema/rules/README for the columns; a trip
-- without stop times: stop_times_rows.sql):
--   missing_bike_allowance (warning): a trip of a ferry route (route_type
--     4) whose bikes_allowed is empty or 0 (BikesAllowanceValidator).
--   inconsistent_route_type_for_block_id (warning): a block_id whose trips
--     run routes of more than one route_type; the block's first trip's row
--     (InconsistentRouteTypeForBlockIdValidator).
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'trips.txt' AS file, t.gtfs2pgsql_line AS line,
	'bikes_allowed' AS "column", 'missing_bike_allowance' AS code,
	NULL::text AS severity, t.bikes_allowed::text AS value,
	format('trip %s of ferry route %s: no bike allowance', t.trip_id, t.route_id) AS message
FROM @s.trips AS t
JOIN @s.routes AS r USING (route_id)
WHERE r.route_type = 4 AND coalesce(t.bikes_allowed, 0) = 0
UNION ALL
SELECT 'trips.txt', min(t.gtfs2pgsql_line), 'block_id',
	'inconsistent_route_type_for_block_id' AS code, NULL, t.block_id,
	format('block %s runs routes %s of route_types %s', t.block_id,
		string_agg(DISTINCT t.route_id, ', '),
		string_agg(DISTINCT r.route_type::text, ', '))
FROM @s.trips AS t
JOIN @s.routes AS r USING (route_id)
WHERE t.block_id IS NOT NULL
GROUP BY t.block_id
HAVING count(DISTINCT r.route_type) > 1
