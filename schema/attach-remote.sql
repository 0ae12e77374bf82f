-- attach-remote.sql: makes the foreign tables of schema :schema, imported
-- with IMPORT FOREIGN SCHEMA from a server where gtfs2pgsql loaded feed
-- :feed, the partitions of that feed in the cross-feed tables of schema
-- gtfs2pgsql: each goes into the hash partition of its table that the feed
-- id falls in (gtfs2pgsql_buckets.<table>_<remainder>, made when missing,
-- as gtfs2pgsql does).  One transaction.
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
CREATE SCHEMA IF NOT EXISTS gtfs2pgsql_buckets;
CREATE TEMPORARY VIEW gtfs2pgsql_remote AS
SELECT f.oid::pg_catalog.regclass AS foreign_table, t.oid::pg_catalog.regclass AS cross_feed,
	p.partstrat = 'h' AS hashed, k.remainder,
	pg_catalog.format('gtfs2pgsql_buckets.%I', t.relname || '_' || k.remainder) AS bucket
FROM pg_catalog.pg_class f
JOIN pg_catalog.pg_class t ON t.relname = f.relname
	AND t.relnamespace = 'gtfs2pgsql'::pg_catalog.regnamespace
JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = t.oid
-- a table partitioned by LIST (the layout before buckets) takes the feed
LEFT JOIN LATERAL (
	SELECT b AS remainder FROM pg_catalog.generate_series(0, 63) b
	WHERE p.partstrat = 'h'
	AND pg_catalog.satisfies_hash_partition(t.oid, 64, b, :'feed'::pg_catalog.text)) AS k ON true
WHERE f.relnamespace = pg_catalog.to_regnamespace(pg_catalog.quote_ident(:'schema'))
AND f.relkind = 'f';
-- the buckets missing
SELECT pg_catalog.format('CREATE TABLE %s (LIKE %s) PARTITION BY LIST (feed_id)',
		bucket, cross_feed),
	pg_catalog.format('ALTER TABLE %s ATTACH PARTITION %s '
		'FOR VALUES WITH (MODULUS 64, REMAINDER %s)', cross_feed, bucket, remainder)
FROM gtfs2pgsql_remote WHERE hashed AND pg_catalog.to_regclass(bucket) IS NULL
\gexec
SELECT pg_catalog.format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%L)',
	CASE WHEN hashed THEN bucket ELSE cross_feed::text END, foreign_table, :'feed')
FROM gtfs2pgsql_remote ORDER BY foreign_table::text
\gexec
DROP VIEW gtfs2pgsql_remote;
COMMIT;
