-- An attribution that names no role: the validator's
-- AttributionWithoutRoleValidator (warning).
--   attribution_without_role: none of is_producer, is_operator and
--     is_authority is 1; one notice per row.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'attributions.txt' AS file, a.gtfs2pgsql_line AS line,
	'is_producer' AS "column", 'attribution_without_role' AS code,
	NULL::text AS severity, a.attribution_id AS value,
	format('attribution %s (%s) is neither producer, operator nor authority',
		coalesce(a.attribution_id, 'without id'), a.organization_name) AS message
FROM @s.attributions AS a
WHERE 1 NOT IN (coalesce(a.is_producer, 0), coalesce(a.is_operator, 0),
	coalesce(a.is_authority, 0))
