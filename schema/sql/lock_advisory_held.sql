-- The sessions of this database that hold the advisory lock
-- (hashtext($1), "@k"), "@k" an integer expression of $2 (src/common/
-- lockwait.c): pg_locks shows the two keys as unsigned classid and objid,
-- objsubid 2.  Advisory locks are per database: one of another database
-- with the same keys is in nobody's way.  The "@h" of lock_holders.sql.
-- sqlfiles.sh parameters: 'gtfs2pgsql registry', '0'
-- sqlfiles.sh fill: s/@k/$2::integer/
SELECT l.pid FROM pg_catalog.pg_locks l
WHERE l.granted AND l.locktype = 'advisory' AND l.objsubid = 2
	AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
		WHERE d.datname = pg_catalog.current_database())
	AND l.classid::pg_catalog.int8
		= (pg_catalog.hashtext($1)::pg_catalog.int8 & 4294967295)
	AND l.objid::pg_catalog.int8 = ((@k)::pg_catalog.int8 & 4294967295)
