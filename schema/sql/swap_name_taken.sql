-- Whether $2 names, in schema $1, a relation or a type that the swap would
-- not drop before it moves the staging schema's tables there: anything but
-- a table of a file that gtfs2pgsql made, commented with ddl.h's
-- DDL_TABLE_MARK (src/load/swap.c, swap_name_taken).
-- sqlfiles.sh parameters: 'public', 'stops'
WITH ns AS (
	SELECT pg_catalog.to_regnamespace(pg_catalog.quote_ident($1::text))
		AS oid),
ours AS (
	SELECT c.oid FROM pg_catalog.pg_class c, ns
	WHERE c.relnamespace = ns.oid AND c.relname = $2::name
	AND c.relkind = 'r'
	AND pg_catalog.obj_description(c.oid, 'pg_class') = 'gtfs2pgsql')
SELECT EXISTS (SELECT FROM pg_catalog.pg_class c, ns
		WHERE c.relnamespace = ns.oid AND c.relname = $2::name
		AND c.oid NOT IN (SELECT ours.oid FROM ours))
	OR EXISTS (SELECT FROM pg_catalog.pg_type t, ns
		WHERE t.typnamespace = ns.oid AND t.typname = $2::name
		AND t.typrelid NOT IN (SELECT ours.oid FROM ours))
