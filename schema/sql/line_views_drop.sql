-- Drops the views trip_lines and route_lines of @s that are in the way:
-- "@c" is the condition on a view c that puts it there (see
-- ddl_drop_line_views in src/load/ddl.c, which puts it in first), "@l" the
-- schema's name as a literal and "@t" a dollar quote that it cannot end.
-- Without CASCADE: a view of yours over them fails the load, never
-- silently goes.
DO @t
DECLARE
	views text;
BEGIN
SELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ')
	INTO views FROM pg_catalog.pg_class c
	WHERE c.relnamespace = pg_catalog.to_regnamespace(@l) AND c.relkind = 'v'
	AND c.relname IN ('trip_lines', 'route_lines') AND @c;
IF views IS NOT NULL THEN
	EXECUTE 'DROP VIEW ' || views;
END IF;
END
@t
