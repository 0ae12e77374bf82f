-- The tables of schema $1 owned by a role pgsql2gtfs trusts ("@o":
-- export_trusted.sql), which an export locks (src/export/export.c): as a
-- list for LOCK TABLE, then as the text of the array of their oids, which
-- says whether they changed.  Their owner cannot make them run code while
-- the lock is held (row-level security, a view, a column type).  A
-- relation of the schema is found through its dependency on it: pg_class
-- has no index on the schema alone.
-- sqlfiles.sh parameters: 'gtfs'
-- sqlfiles.sh fill: s/@o/SELECT r.oid FROM pg_catalog.pg_roles r/
SELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', '
		ORDER BY c.oid),
	pg_catalog.array_agg(c.oid ORDER BY c.oid)::text
FROM pg_catalog.pg_class c
WHERE c.oid IN (SELECT d.objid FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
	AND d.refobjid = (SELECT n.oid FROM pg_catalog.pg_namespace n
		WHERE n.nspname = $1::text)
	AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
AND c.relkind IN ('r', 'p') AND c.relowner IN (@o)
