-- The other sessions that hold a lock this one waits for (src/common/
-- lockwait.c names them on stderr): pid, role, application, when their
-- transaction began, their state.  "@h" is a query of the pids of the
-- holders (on pg_catalog.pg_locks l), which may take parameters.
-- sqlfiles.sh fill: s/@h/SELECT l.pid FROM pg_catalog.pg_locks l WHERE l.granted/
SELECT a.pid, coalesce(a.usename, '?'),
	coalesce(nullif(a.application_name, ''), '?'),
	coalesce(pg_catalog.to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS'), '?'),
	coalesce(a.state, '?')
FROM pg_catalog.pg_stat_activity a
WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.pid IN (@h)
ORDER BY a.pid
