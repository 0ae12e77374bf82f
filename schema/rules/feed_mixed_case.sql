-- Text riders read written in one case: the validator's
-- MixedCaseValidatorGenerator, over the fields its schemas mark @MixedCase
-- (agency_name, stop_name, stop_desc, route_long_name, trip_headsign,
-- trip_short_name, network_name, location_group_name and booking_rules'
-- message, pickup_message, drop_off_message).
--   mixed_case_recommended_field (warning): a value none of whose words
--     (runs of letters) is both upper and lower case, that has two words
--     of two cased letters or more ("MAIN ST", "main st", "ST-BROADWAY
--     via CHURCH"), or one word only, all lower case ("downtown"); one
--     notice per field of a row, its value the field's.  "UPPERCASE" alone
--     is fine, as in the validator.
-- Unlike the validator, words without case (Hangul, Han) are not counted:
-- it flags "서울 역사", which no capital letter can mend.
-- sqlfiles.sh parameters: '2026-01-01'
WITH field AS (
	SELECT 'agency.txt' AS file, gtfs2pgsql_line AS line,
		'agency_name' AS col, agency_name AS value FROM @s.agency
	UNION ALL SELECT 'stops.txt', t.gtfs2pgsql_line, v.col, v.value
	FROM @s.stops AS t, LATERAL (VALUES ('stop_name', t.stop_name),
		('stop_desc', t.stop_desc)) AS v (col, value)
	UNION ALL SELECT 'routes.txt', gtfs2pgsql_line, 'route_long_name',
		route_long_name FROM @s.routes
	UNION ALL SELECT 'trips.txt', t.gtfs2pgsql_line, v.col, v.value
	FROM @s.trips AS t, LATERAL (VALUES ('trip_headsign', t.trip_headsign),
		('trip_short_name', t.trip_short_name)) AS v (col, value)
	UNION ALL SELECT 'networks.txt', gtfs2pgsql_line, 'network_name',
		network_name FROM @s.networks
	UNION ALL SELECT 'location_groups.txt', gtfs2pgsql_line,
		'location_group_name', location_group_name FROM @s.location_groups
	UNION ALL SELECT 'booking_rules.txt', t.gtfs2pgsql_line, v.col, v.value
	FROM @s.booking_rules AS t, LATERAL (VALUES ('message', t.message),
		('pickup_message', t.pickup_message),
		('drop_off_message', t.drop_off_message)) AS v (col, value)
)
-- the words of each distinct value, once: a feed repeats its headsigns
, one_case AS (
	SELECT v.value
	FROM (SELECT DISTINCT value FROM field WHERE value IS NOT NULL
		OFFSET 0) AS v
	-- no word both upper and lower case
	WHERE v.value !~ ('[[:upper:]][^[:space:][:punct:][:digit:]]*[[:lower:]]'
		'|[[:lower:]][^[:space:][:punct:][:digit:]]*[[:upper:]]')
	-- and two words of two letters or more, or one, all lower case
	AND (v.value ~ ('[[:upper:][:lower:]]{2}.*[^[:alpha:]].*'
			'[[:upper:][:lower:]]{2}')
		OR (v.value !~ '[[:upper:]]' AND v.value ~ '[[:lower:]]{2}'
			AND v.value !~ '[[:alpha:]][^[:alpha:]]+[[:alpha:]]'))
)
SELECT f.file, f.line, f.col AS "column",
	'mixed_case_recommended_field' AS code, NULL::text AS severity,
	f.value, format('%s "%s" is not in mixed case', f.col, f.value) AS message
FROM field AS f
JOIN one_case USING (value)
