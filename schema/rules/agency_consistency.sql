-- The agencies of agency.txt agree: the validator's
-- AgencyConsistencyValidator and MissingRequiredAgencyIdValidator (their
-- notices only when agency.txt has two rows or more).
--   missing_required_agency_id (error; the validator's list says
--     "varies", so the rule says): an agency.txt, routes.txt or
--     fare_attributes.txt row without agency_id; one notice per row;
--   inconsistent_agency_timezone (error): an agency whose agency_timezone
--     is not the first agency's (by line); one per such row;
--   inconsistent_agency_lang (warning): an agency whose agency_lang is not
--     the first given agency_lang (case aside); empty ones are fine.
--   missing_recommended_field (warning): with one agency, a routes.txt or
--     fare_attributes.txt row without agency_id (RouteAgencyIdValidator,
--     FareAttributeAgencyIdValidator: recommended, not required).
-- sqlfiles.sh parameters: '2026-01-01'
WITH many AS (
	SELECT count(*) > 1 AS yes FROM @s.agency
), first_agency AS (
	SELECT agency_timezone FROM @s.agency ORDER BY gtfs2pgsql_line LIMIT 1
), first_lang AS (
	SELECT agency_lang FROM @s.agency
	WHERE coalesce(agency_lang, '') <> ''
	ORDER BY gtfs2pgsql_line LIMIT 1
)
SELECT m.file, m.line, 'agency_id' AS "column",
	'missing_required_agency_id' AS code, 'error' AS severity,
	NULL::text AS value,
	format('%s line %s has no agency_id, which is required when agency.txt '
		'has several agencies', m.file, m.line) AS message
FROM (SELECT 'agency.txt' AS file, gtfs2pgsql_line AS line, agency_id
	  FROM @s.agency
	  UNION ALL
	  SELECT 'routes.txt', gtfs2pgsql_line, agency_id FROM @s.routes
	  UNION ALL
	  SELECT 'fare_attributes.txt', gtfs2pgsql_line, agency_id
	  FROM @s.fare_attributes) AS m
WHERE (SELECT yes FROM many) AND coalesce(m.agency_id, '') = ''
UNION ALL
SELECT 'agency.txt', a.gtfs2pgsql_line, 'agency_timezone',
	'inconsistent_agency_timezone' AS code, NULL, a.agency_timezone,
	format('agency %s has agency_timezone %s, the first agency %s',
		coalesce(a.agency_id, a.agency_name), a.agency_timezone,
		f.agency_timezone)
FROM @s.agency AS a CROSS JOIN first_agency AS f
WHERE a.agency_timezone IS DISTINCT FROM f.agency_timezone
UNION ALL
SELECT 'agency.txt', a.gtfs2pgsql_line, 'agency_lang',
	'inconsistent_agency_lang' AS code, NULL, a.agency_lang,
	format('agency %s has agency_lang %s, an agency before it %s',
		coalesce(a.agency_id, a.agency_name), a.agency_lang, f.agency_lang)
FROM @s.agency AS a CROSS JOIN first_lang AS f
WHERE coalesce(a.agency_lang, '') <> ''
AND lower(a.agency_lang) <> lower(f.agency_lang)
UNION ALL
SELECT m.file, m.line, 'agency_id', 'missing_recommended_field' AS code, NULL,
	NULL, format('%s line %s has no agency_id, which is recommended',
		m.file, m.line)
FROM (SELECT 'routes.txt' AS file, gtfs2pgsql_line AS line, agency_id
	  FROM @s.routes
	  UNION ALL
	  SELECT 'fare_attributes.txt', gtfs2pgsql_line, agency_id
	  FROM @s.fare_attributes) AS m
WHERE (SELECT count(*) = 1 FROM @s.agency) AND coalesce(m.agency_id, '') = ''
