-- What forbids pgsql2gtfs to read the relations named in $2 (text[]) of
-- schema $1, their partitions, and schema $1 itself: rows of (object, its
-- owner, why), for src/export/export.c's refuse_unsafe.  A view, a
-- materialized view or a foreign table runs code when read (a function of
-- its query, a wrapper), row-level security its policies; anything owned
-- by a role the export does not trust may be made to; a column of a type
-- neither built in nor PostGIS's may have an implicit cast of its owner's,
-- which a cut's comparisons would run.
-- sqlfiles.sh parameters: 'gtfs', '{trips,stops}'
-- "@o": the roles trusted, export_trusted.sql.
-- sqlfiles.sh fill: s/@o/SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolsuper/
WITH trusted AS (@o),
rels AS (
	SELECT t.relid FROM pg_catalog.pg_class r
	CROSS JOIN LATERAL (SELECT r.oid AS relid
		UNION SELECT p.relid FROM pg_catalog.pg_partition_tree(r.oid) p) AS t
	WHERE r.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n
		WHERE n.nspname = $1::text)
	AND r.relname = ANY ($2::text[]))
SELECT 'schema ' || pg_catalog.quote_ident(n.nspname),
	pg_catalog.pg_get_userbyid(n.nspowner),
	'its owner is neither you, a superuser nor the registry''s owner'
FROM pg_catalog.pg_namespace n WHERE n.nspname = $1::text
AND n.nspowner NOT IN (SELECT trusted.oid FROM trusted)
UNION ALL
SELECT c.oid::pg_catalog.regclass::text,
	pg_catalog.pg_get_userbyid(c.relowner),
	CASE WHEN c.relkind NOT IN ('r', 'p') THEN 'it is a ' ||
		CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
		WHEN 'f' THEN 'foreign table'
		ELSE 'relation of kind ' || c.relkind::text END
		|| ', which runs code when read'
	WHEN c.relrowsecurity THEN
		'it has row-level security, whose policies run code when read'
	ELSE 'its owner is neither you, a superuser nor the registry''s owner'
	END
FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT rels.relid FROM rels)
AND (c.relkind NOT IN ('r', 'p') OR c.relrowsecurity
	OR c.relowner NOT IN (SELECT trusted.oid FROM trusted))
UNION ALL
SELECT c.oid::pg_catalog.regclass::text || ' column '
	|| pg_catalog.quote_ident(a.attname),
	pg_catalog.pg_get_userbyid(y.typowner),
	'its type ' || pg_catalog.format_type(a.atttypid, NULL)
	|| ' is neither built in nor PostGIS''s, and a cast or operator of its '
	|| 'owner''s would run in a comparison'
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a
ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type y ON y.oid = a.atttypid
WHERE c.oid IN (SELECT rels.relid FROM rels)
AND y.typnamespace <> 'pg_catalog'::pg_catalog.regnamespace
AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
	JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
	WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
	AND d.objid = y.oid AND d.deptype = 'e'
	AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
	AND e.extname = 'postgis'
	AND e.extowner IN (SELECT trusted.oid FROM trusted))
ORDER BY 1
