-- The locations of stops.txt, each row alone or with its parent: the
-- validator's LocationTypeSingleEntityValidator, ParentStationValidator,
-- StopNameValidator, StopLatLongValidator and StopAccessValidator.  An
-- empty location_type is 0, a stop.
--   station_with_parent_station (error): a station (1) with parent_station.
--   location_without_parent_station (error): an entrance (2), generic node
--     (3) or boarding area (4) without parent_station.
--   platform_without_parent_station (info): a stop (0) with a platform_code
--     but no parent_station.
--   wrong_parent_location_type (error): a stop, entrance or generic node
--     whose parent is no station, a boarding area whose parent is no stop.
--   missing_stop_name (error): a stop, station or entrance without
--     stop_name.
--   stop_without_location (error): a stop, station or entrance without
--     stop_lat or stop_lon.
--   same_name_and_description_for_stop (warning): stop_desc is stop_name,
--     case aside.
--   stop_access_specified_for_incorrect_location (error): stop_access on a
--     location that is no stop.
--   stop_access_specified_for_stop_with_no_parent_station (error):
--     stop_access on a stop without parent_station.  The reference forbids
--     any value there; the validator, which takes an empty stop_access for
--     0, only sees 1.
-- sqlfiles.sh parameters: '2026-01-01'
WITH location AS (
	SELECT s.gtfs2pgsql_line AS line, s.stop_id, s.stop_name, s.stop_desc,
		s.stop_lat, s.stop_lon, s.parent_station, s.platform_code,
		s.stop_access, coalesce(s.location_type, 0) AS location_type,
		coalesce(p.location_type, 0) AS parent_type, p.stop_id AS parent_id
	FROM @s.stops AS s
	LEFT JOIN @s.stops AS p ON p.stop_id = s.parent_station
)
SELECT 'stops.txt' AS file, line, 'parent_station' AS "column",
	'station_with_parent_station' AS code, NULL::text AS severity,
	parent_station AS value,
	format('station %s has a parent_station', stop_id) AS message
FROM location
WHERE location_type = 1 AND parent_station IS NOT NULL
UNION ALL
SELECT 'stops.txt', line, 'parent_station',
	'location_without_parent_station' AS code, NULL, stop_id,
	format('%s %s has no parent_station',
		(ARRAY['entrance', 'generic node', 'boarding area'])[location_type - 1],
		stop_id)
FROM location
WHERE location_type IN (2, 3, 4) AND parent_station IS NULL
UNION ALL
SELECT 'stops.txt', line, 'parent_station',
	'platform_without_parent_station' AS code, NULL, stop_id,
	format('platform %s (platform_code %s) has no parent_station', stop_id,
		platform_code)
FROM location
WHERE location_type = 0 AND parent_station IS NULL AND platform_code IS NOT NULL
UNION ALL
SELECT 'stops.txt', line, 'parent_station',
	'wrong_parent_location_type' AS code, NULL, parent_station,
	format('the parent %s of %s (location_type %s) has location_type %s, not %s',
		parent_station, stop_id, location_type, parent_type,
		CASE WHEN location_type = 4 THEN 0 ELSE 1 END)
FROM location
WHERE parent_id IS NOT NULL
	AND ((location_type IN (0, 2, 3) AND parent_type <> 1)
		OR (location_type = 4 AND parent_type <> 0))
UNION ALL
SELECT 'stops.txt', line, 'stop_name', 'missing_stop_name' AS code, NULL,
	stop_id,
	format('location %s (location_type %s) has no stop_name', stop_id,
		location_type)
FROM location
WHERE location_type IN (0, 1, 2) AND coalesce(stop_name, '') = ''
UNION ALL
SELECT 'stops.txt', line,
	CASE WHEN stop_lat IS NULL THEN 'stop_lat' ELSE 'stop_lon' END,
	'stop_without_location' AS code, NULL, stop_id,
	format('location %s (location_type %s) has no stop_lat or no stop_lon',
		stop_id, location_type)
FROM location
WHERE location_type IN (0, 1, 2) AND (stop_lat IS NULL OR stop_lon IS NULL)
UNION ALL
SELECT 'stops.txt', line, 'stop_desc',
	'same_name_and_description_for_stop' AS code, NULL, stop_desc,
	format('stop %s: stop_desc repeats stop_name', stop_id)
FROM location
WHERE lower(stop_desc) = lower(stop_name)
UNION ALL
SELECT 'stops.txt', line, 'stop_access',
	'stop_access_specified_for_incorrect_location' AS code, NULL,
	stop_access::text,
	format('location %s has location_type %s: only a stop may have stop_access',
		stop_id, location_type)
FROM location
WHERE stop_access IS NOT NULL AND location_type <> 0
UNION ALL
SELECT 'stops.txt', line, 'stop_access',
	'stop_access_specified_for_stop_with_no_parent_station' AS code, NULL,
	stop_access::text,
	format('stop %s has stop_access but no parent_station', stop_id)
FROM location
WHERE stop_access IS NOT NULL AND location_type = 0 AND parent_station IS NULL
