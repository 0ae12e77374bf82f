-- The tables of the feed's schema $1 once loaded (src/load/load_finish.c):
-- each one's name, qualified and quoted, whether it still has the column
-- $2 of its rows' lines (ddl.h's DDL_LINE_COLUMN), and whether it has
-- pages (one of none is not analyzed), its bare name (a side load's
-- table was analyzed there), and whether it is smaller than
-- min_parallel_table_scan_size.  A relation of the schema is found
-- through its dependency on it: pg_class has no index on the schema alone.
-- sqlfiles.sh parameters: 'gtfs', 'gtfs2pgsql_line'
SELECT format('%I.%I', n.nspname, c.relname),
	EXISTS (SELECT FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = c.oid AND a.attname = $2::name
		AND NOT a.attisdropped),
	pg_catalog.pg_relation_size(c.oid) > 0, c.relname,
	pg_catalog.pg_relation_size(c.oid) < pg_catalog.pg_size_bytes(
		pg_catalog.current_setting('min_parallel_table_scan_size'))
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n
ON n.oid = c.relnamespace
WHERE c.oid IN (SELECT d.objid FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
	AND d.refobjid = pg_catalog.to_regnamespace(pg_catalog.quote_ident($1))
	AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
AND c.relkind = 'r'
