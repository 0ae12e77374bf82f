-- Text riders read written in one case: the validator's
-- MixedCaseValidatorGenerator, over the fields its schemas mark @MixedCase
-- (agency_name, stop_name, stop_desc, route_long_name, trip_headsign,
-- trip_short_name, network_name, location_group_name and booking_rules'
-- message, pickup_message, drop_off_message).
--   mixed_case_recommended_field (warning): the value's words (runs of
--     characters between spaces, punctuation and digits) of more than one
--     letter that have a case are either one, all lower case ("downtown"),
--     or two or more, none both upper and lower case ("MAIN ST", "main
--     st"); one notice per field of a row, its value the field's.
-- Unlike the validator, words without case (Hangul, Han) are not counted:
-- there "서울 역사" gets a notice, no capital letter being possible.
-- sqlfiles.sh parameters: '2026-01-01'
WITH field AS (
	SELECT 'agency.txt' AS file, gtfs2pgsql_line AS line,
		'agency_name' AS col, agency_name AS value FROM @s.agency
	UNION ALL SELECT 'stops.txt', gtfs2pgsql_line, 'stop_name', stop_name
	FROM @s.stops
	UNION ALL SELECT 'stops.txt', gtfs2pgsql_line, 'stop_desc', stop_desc
	FROM @s.stops
	UNION ALL SELECT 'routes.txt', gtfs2pgsql_line, 'route_long_name',
		route_long_name FROM @s.routes
	UNION ALL SELECT 'trips.txt', gtfs2pgsql_line, 'trip_headsign',
		trip_headsign FROM @s.trips
	UNION ALL SELECT 'trips.txt', gtfs2pgsql_line, 'trip_short_name',
		trip_short_name FROM @s.trips
	UNION ALL SELECT 'networks.txt', gtfs2pgsql_line, 'network_name',
		network_name FROM @s.networks
	UNION ALL SELECT 'location_groups.txt', gtfs2pgsql_line,
		'location_group_name', location_group_name FROM @s.location_groups
	UNION ALL SELECT 'booking_rules.txt', gtfs2pgsql_line, 'message', message
	FROM @s.booking_rules
	UNION ALL SELECT 'booking_rules.txt', gtfs2pgsql_line, 'pickup_message',
		pickup_message FROM @s.booking_rules
	UNION ALL SELECT 'booking_rules.txt', gtfs2pgsql_line, 'drop_off_message',
		drop_off_message FROM @s.booking_rules
)
SELECT f.file, f.line, f.col AS "column",
	'mixed_case_recommended_field' AS code, NULL::text AS severity,
	f.value, format('%s "%s" is not in mixed case', f.col, f.value) AS message
FROM field AS f
CROSS JOIN LATERAL (
	SELECT count(*) AS words,
		count(*) FILTER (WHERE w <> lower(w) AND w <> upper(w)) AS mixed,
		bool_and(w = lower(w)) AS all_lower
	FROM regexp_split_to_table(f.value, '[[:space:][:punct:][:digit:]]+') AS w
	WHERE length(w) > 1 AND (w <> lower(w) OR w <> upper(w))
) AS c
WHERE f.value IS NOT NULL
AND ((c.words = 1 AND c.all_lower) OR (c.words >= 2 AND c.mixed = 0))
