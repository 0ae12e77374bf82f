-- attach-remote.sql: makes the foreign tables of schema :schema, imported
-- with IMPORT FOREIGN SCHEMA from a server where gtfs2pgsql loaded feed
-- :feed, the partitions of that feed in the cross-feed tables of schema
-- gtfs2pgsql: each goes into the hash partition (gtfs2pgsql_buckets) of
-- its table that the feed id falls in.  One transaction.
--
--   psql -d transit -v schema=far -v feed=far -f attach-remote.sql
--
-- To remove the feed again (DETACH locks the bucket: readers of its feeds
-- wait for it):
--   SELECT format('ALTER TABLE %s DETACH PARTITION %s', i.inhparent::regclass,
--          i.inhrelid::regclass) FROM pg_inherits i JOIN pg_class c
--   ON c.oid = i.inhrelid WHERE c.relnamespace = 'far'::regnamespace \gexec
\set ON_ERROR_STOP on
BEGIN;
SELECT pg_catalog.format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%L)',
	coalesce(b.bucket, t.oid)::pg_catalog.regclass, f.oid::pg_catalog.regclass,
	:'feed')
FROM pg_catalog.pg_class f
JOIN pg_catalog.pg_class t ON t.relname = f.relname AND t.relkind = 'p'
	AND t.relnamespace = 'gtfs2pgsql'::pg_catalog.regnamespace
-- a table partitioned by LIST (the layout before buckets) takes the feed
LEFT JOIN LATERAL (
	SELECT i.inhrelid AS bucket
	FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid,
	LATERAL pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
		'modulus (\d+), remainder (\d+)') AS m
	WHERE i.inhparent = t.oid AND m IS NOT NULL
	AND pg_catalog.satisfies_hash_partition(t.oid, m[1]::pg_catalog.int4,
		m[2]::pg_catalog.int4, :'feed'::pg_catalog.text)) AS b ON true
WHERE f.relnamespace = pg_catalog.to_regnamespace(pg_catalog.quote_ident(:'schema'))
AND f.relkind = 'f'
ORDER BY f.relname
\gexec
COMMIT;
