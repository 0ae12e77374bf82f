-- The places that have stop times and should not: the validator's
-- LocationHasStopTimesValidator (error; its other code,
-- stop_without_stop_time, is a rule of stops).
--   location_with_unexpected_stop_time: a stops.txt row that is not a stop
--     (location_type other than 0) and yet has stop times, one notice per
--     such row (the message names its first stop time).
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
