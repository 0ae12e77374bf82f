-- The names, descriptions, colours and URLs of routes (see
-- schema/rules/README for the columns): the validator's
-- RouteNameValidator, DuplicateRouteNameValidator,
-- RouteColorContrastValidator, RouteUrlConsistencyValidator and
-- NetworkIdConsistencyValidator.  One notice per route at most for each.
--   route_both_short_and_long_name_missing (error): neither name.
--   route_short_name_too_long (warning): a short name of more than 12
--     characters (the validator's MAX_SHORT_NAME_LENGTH).
--   route_long_name_contains_short_name (warning): the long name begins,
--     case aside, with the short name followed by nothing or by a space, a
--     hyphen or a parenthesis (after at most one blank).
--   same_name_and_description_for_route (warning): route_desc equal, case
--     aside, to the short name, or else to the long name.
--   duplicate_route_name (warning): a route of the same short name, long
--     name, route_type and agency_id as one of an earlier line.
--   route_color_contrast (warning): route_color and route_text_color both
--     given, their Rec. 601 lumas less than 72 apart (the validator's
--     MAX_ROUTE_COLOR_LUMA_DIFFERENCE).
--   same_route_and_agency_url (warning): route_url equal, case aside, to
--     the agency_url of its agency (the only agency when it names none).
--   route_networks_specified_in_more_than_one_file (error): routes.txt has
--     the column network_id while route_networks.txt is given; one notice.
-- sqlfiles.sh parameters: '2026-01-01'
WITH route AS (
	SELECT r.*,
		row_number() OVER (PARTITION BY route_short_name, route_long_name,
			route_type, agency_id ORDER BY gtfs2pgsql_line) AS nth_name,
		min(gtfs2pgsql_line) OVER (PARTITION BY route_short_name,
			route_long_name, route_type, agency_id) AS first_line
	FROM @s.routes AS r
), luma AS (
	SELECT route_id, gtfs2pgsql_line, route_color, route_text_color,
		abs(0.30 * (x.r - y.r) + 0.59 * (x.g - y.g) + 0.11 * (x.b - y.b)) AS apart
	FROM route
	CROSS JOIN LATERAL (SELECT
		('x' || substr(route_color, 1, 2))::bit(8)::integer AS r,
		('x' || substr(route_color, 3, 2))::bit(8)::integer AS g,
		('x' || substr(route_color, 5, 2))::bit(8)::integer AS b) AS x
	CROSS JOIN LATERAL (SELECT
		('x' || substr(route_text_color, 1, 2))::bit(8)::integer AS r,
		('x' || substr(route_text_color, 3, 2))::bit(8)::integer AS g,
		('x' || substr(route_text_color, 5, 2))::bit(8)::integer AS b) AS y
	WHERE route_color ~ '^[0-9A-Fa-f]{6}$'
		AND route_text_color ~ '^[0-9A-Fa-f]{6}$'
)
SELECT 'routes.txt' AS file, gtfs2pgsql_line AS line,
	'route_short_name' AS "column",
	'route_both_short_and_long_name_missing' AS code, NULL::text AS severity,
	route_id AS value,
	format('route %s has neither route_short_name nor route_long_name',
		route_id) AS message
FROM route
WHERE coalesce(route_short_name, '') = '' AND coalesce(route_long_name, '') = ''
UNION ALL
SELECT 'routes.txt', gtfs2pgsql_line, 'route_short_name',
	'route_short_name_too_long' AS code, NULL, route_short_name,
	format('route %s: route_short_name of %s characters, more than 12',
		route_id, char_length(route_short_name))
FROM route
WHERE char_length(route_short_name) > 12
UNION ALL
SELECT 'routes.txt', gtfs2pgsql_line, 'route_long_name',
	'route_long_name_contains_short_name' AS code, NULL, route_long_name,
	format('route %s: route_long_name begins with route_short_name %s',
		route_id, route_short_name)
FROM route
WHERE route_short_name <> '' AND route_long_name <> ''
	AND lower(route_long_name) LIKE
		replace(replace(replace(lower(route_short_name), '\', '\\'),
			'%', '\%'), '_', '\_') || '%'
	AND substr(route_long_name, char_length(route_short_name) + 1)
		~ '^(\s?[\s()-].*)?$'
UNION ALL
SELECT 'routes.txt', gtfs2pgsql_line, 'route_desc',
	'same_name_and_description_for_route' AS code, NULL, route_desc,
	format('route %s: route_desc is its %s', route_id,
		CASE WHEN lower(route_desc) = lower(route_short_name)
			THEN 'route_short_name' ELSE 'route_long_name' END)
FROM route
WHERE route_desc <> '' AND (lower(route_desc) = lower(route_short_name)
	OR lower(route_desc) = lower(route_long_name))
UNION ALL
SELECT 'routes.txt', gtfs2pgsql_line, 'route_id',
	'duplicate_route_name' AS code, NULL, route_id,
	format('route %s has the route_short_name %s, route_long_name %s, '
		'route_type and agency_id of the route of line %s', route_id,
		coalesce(route_short_name, '(none)'),
		coalesce(route_long_name, '(none)'), first_line)
FROM route
WHERE nth_name > 1
UNION ALL
SELECT 'routes.txt', gtfs2pgsql_line, 'route_text_color',
	'route_color_contrast' AS code, NULL, route_text_color,
	format('route %s: route_color %s and route_text_color %s differ in '
		'luma by %s, less than 72', route_id, route_color,
		route_text_color, round(apart, 1))
FROM luma
WHERE apart < 72
UNION ALL
SELECT 'routes.txt', r.gtfs2pgsql_line, 'route_url',
	'same_route_and_agency_url' AS code, NULL, r.route_url,
	format('route %s: route_url is the agency_url of agency %s', r.route_id,
		coalesce(a.agency_id, '(the only one)'))
FROM route AS r
JOIN @s.agency AS a ON a.agency_id = r.agency_id
	OR (r.agency_id IS NULL AND (SELECT count(*) FROM @s.agency) = 1)
WHERE lower(r.route_url) = lower(a.agency_url)
UNION ALL
SELECT 'routes.txt', NULL, 'network_id',
	'route_networks_specified_in_more_than_one_file' AS code, NULL, NULL,
	'routes.txt has the column network_id and route_networks.txt is given: '
	'the networks of routes are given in one of them only'
FROM @s.import_files AS f
WHERE f.file = 'routes.txt' AND 'network_id' = ANY (f.columns)
	AND EXISTS (SELECT FROM @s.import_files AS g
		WHERE g.file = 'route_networks.txt')
