-- The cross-feed tables (of the leaves $2) that lack a column of the
-- staging schema $1's table of their file, which the swap attaches (it has
-- rows): their names, quoted, and their oids, each list in one value
-- (src/load/swap.c, widened_tables).
-- sqlfiles.sh parameters: 'public', '{stops}'
SELECT pg_catalog.string_agg(r.top::pg_catalog.regclass::text, ', '
		ORDER BY r.top),
	pg_catalog.string_agg(r.top::text, ',' ORDER BY r.top)
FROM pg_catalog.unnest($2::text[]) AS f (leaf),
	LATERAL (SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I',
		$1::text, f.leaf))::pg_catalog.oid AS staged,
	pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', f.leaf))::
		pg_catalog.oid AS top) AS r
WHERE r.top IS NOT NULL AND r.staged IS NOT NULL
AND pg_catalog.pg_relation_size(r.staged) > 0
AND EXISTS (SELECT FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = r.staged AND a.attnum > 0 AND NOT a.attisdropped
	AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute b
		WHERE b.attrelid = r.top AND b.attname = a.attname
		AND NOT b.attisdropped))
