-- A stop's page that is the agency's or a route's: the validator's
-- UrlConsistencyValidator, URLs compared case aside, one notice per pair.
--   same_stop_and_agency_url (warning): stop_url is an agency_url.
--   same_stop_and_route_url (warning): stop_url is a route_url.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'stops.txt' AS file, s.gtfs2pgsql_line AS line, 'stop_url' AS "column",
	'same_stop_and_agency_url' AS code, NULL::text AS severity,
	s.stop_url AS value,
	format('stop %s has the URL of agency %s', s.stop_id,
		coalesce(a.agency_id, a.agency_name)) AS message
FROM @s.stops AS s
JOIN @s.agency AS a ON lower(a.agency_url) = lower(s.stop_url)
UNION ALL
SELECT 'stops.txt', s.gtfs2pgsql_line, 'stop_url',
	'same_stop_and_route_url' AS code, NULL, s.stop_url,
	format('stop %s has the URL of route %s', s.stop_id, r.route_id)
FROM @s.stops AS s
JOIN @s.routes AS r ON lower(r.route_url) = lower(s.stop_url)
