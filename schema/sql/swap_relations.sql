-- The relations a swap or a drop changes (src/load/swap.c locks them and
-- names who holds locks on them): those of the feed's schemas $1 and $2,
-- the partitions of their partitioned tables, and the union views of the
-- layout before partitions, which go (they had no comment: the views of
-- cross_views.sql have one, and stay).  A relation of a schema is found
-- through its dependency on it: pg_class has no index on the schema alone.
-- A subquery of swap.c's statements: no semicolon.
-- sqlfiles.sh parameters: 'public', 'gtfs2pgsql'
WITH feed AS (
	SELECT c.oid, c.relkind FROM pg_catalog.pg_class c
	WHERE c.oid IN (SELECT d.objid FROM pg_catalog.pg_depend d
		WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
		AND d.refobjid = ANY (SELECT n.oid FROM pg_catalog.pg_namespace n
			WHERE n.nspname IN ($1::name, $2::name))
		AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
	AND c.relkind IN ('r', 'v', 'm', 'p'))
SELECT feed.oid FROM feed
UNION SELECT c.oid FROM pg_catalog.pg_class c
	WHERE c.oid IN (SELECT d.objid FROM pg_catalog.pg_depend d
		WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
		AND d.refobjid = pg_catalog.to_regnamespace('gtfs2pgsql')
		AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
	AND c.relkind = 'v' AND pg_catalog.obj_description(c.oid, 'pg_class') IS NULL
UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i
	WHERE i.inhparent IN (SELECT feed.oid FROM feed WHERE feed.relkind = 'p')
