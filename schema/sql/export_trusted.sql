-- The roles pgsql2gtfs trusts to run no code of their own when their
-- objects are read (src/export/export.c): the current role, a superuser
-- (who could run anything anyway), or the loading role, which owns the
-- registry (a plain table without row-level security: reading it runs
-- nothing), so that a reader role exports the loader's feeds.  Their
-- oids, for the "@o" of export_unsafe.sql and export_tables.sql.
SELECT r.oid FROM pg_catalog.pg_roles r
WHERE r.rolname = CURRENT_USER OR r.rolsuper
UNION SELECT g.relowner FROM pg_catalog.pg_class g
WHERE g.oid = pg_catalog.to_regclass('gtfs2pgsql.feeds')
AND g.relkind = 'r' AND NOT g.relrowsecurity
