/*
 * swap.c: waiting for other imports and readers, and the swap itself.
 *
 * A lock the swap needs is tried with a short lock_timeout inside a
 * savepoint; when it is not free, the savepoint is rolled back, which
 * releases everything taken since, the sessions in the way are named, and
 * the try is repeated after a pause that grows to a second.  So an idle
 * reader of the old feed makes this import wait, visibly, without making
 * readers of other feeds or other imports wait behind it, and a reader
 * that takes its locks in another order never meets a deadlock.
 */
#include "swap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "ddl.h"
#include "log.h"

#define LOCK_TRY_TIMEOUT	"200ms"	/* below deadlock_timeout (1 s) */
#define PAUSE_MIN			0.05	/* seconds between tries, doubling */
#define PAUSE_MAX			1.0
#define SAY_EVERY			10.0	/* seconds between "still waiting" */

/* The relations of the old feed and the union views, which the swap drops. */
#define SWAP_RELATIONS \
	"SELECT c.oid FROM pg_catalog.pg_class c " \
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " \
	"WHERE (n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'p')) " \
	"OR (n.nspname = 'gtfs2pgsql' AND c.relkind = 'v')"

/* The registry's lock, as pg_locks shows an advisory lock on (key, 0). */
#define REGISTRY_KEY "pg_catalog.hashtext('gtfs2pgsql registry')"
#define IMPORT_KEY "pg_catalog.hashtext('gtfs2pgsql')"

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
pause_for(double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t) seconds,
		.tv_nsec = (long) ((seconds - (double) (time_t) seconds) * 1e9),
	};

	nanosleep(&ts, NULL);
}

/*
 * Names on stderr the sessions that hold a lock this one waits for: locks
 * on the relations of blockers_where ($1 the target schema), or the
 * advisory lock of key (pg_locks shows its two int4 keys as oids).
 */
static void
say_who_blocks(PGconn *conn, const char *schema, const char *key,
			   const char *what)
{
	const char *params[1] = {schema};
	Buf			sql;
	PGresult   *res;

	buf_init(&sql, 8192);
	res = buf_puts(&sql, "SELECT a.pid, coalesce(a.usename, '?'), "
				   "coalesce(nullif(a.application_name, ''), '?'), "
				   "coalesce(pg_catalog.to_char(a.xact_start, "
				   "'YYYY-MM-DD HH24:MI:SS'), '?'), a.state "
				   "FROM pg_catalog.pg_stat_activity a "
				   "WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.pid IN ("
				   "SELECT l.pid FROM pg_catalog.pg_locks l WHERE l.granted "
				   "AND (l.relation IN (" SWAP_RELATIONS ") OR "
				   "(l.locktype = 'advisory' AND l.classid::pg_catalog.int8 = (") &&
		buf_puts(&sql, key) &&
		buf_puts(&sql, "::pg_catalog.int8 & 4294967295)))) ORDER BY a.pid") ?
		db_query(conn, sql.data, 1, params) : NULL;
	buf_free(&sql);
	for (int r = 0; res && r < PQntuples(res); r++)
		log_warning("waiting for %s: session %s (user %s, application %s, "
					"in a transaction since %s, %s) holds a lock",
					what, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
					PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
					PQgetvalue(res, r, 4));
	if (res && PQntuples(res) == 0)
		log_warning("waiting for %s", what);
	PQclear(res);
}

/*
 * Runs sql, statements that take locks, in a savepoint with a short
 * lock_timeout.  1: done, the locks held; 0: a lock was not free and
 * nothing is held; -1: failed (logged).
 */
static int
try_locked(PGconn *conn, const char *sql, const char *const *params,
		   int nparams)
{
	PGresult   *res;
	const char *state;
	int			done;

	if (!db_exec(conn, "SAVEPOINT gtfs2pgsql_swap") ||
		!db_exec(conn, "SET LOCAL lock_timeout = '" LOCK_TRY_TIMEOUT "'"))
		return -1;
	/* without parameters, sql may hold more than one statement */
	res = nparams > 0 ?
		PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0) :
		PQexec(conn, sql);
	done = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!done && !(state && strcmp(state, "55P03") == 0))
	{
		db_log_error(conn, res, "could not take the locks of the swap");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	if (!done && !db_exec(conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_swap"))
		return -1;
	return db_exec(conn, "RELEASE SAVEPOINT gtfs2pgsql_swap") ? done : -1;
}

/*
 * Tries sql (see try_locked) until it is done or wait_seconds (negative:
 * for ever) have passed, naming the sessions in the way (say_who_blocks)
 * now and then.  False (logged) when it failed or gave up.
 */
static bool
lock_waiting(PGconn *conn, const char *sql, const char *const *params,
			 int nparams, const char *schema, const char *key,
			 const char *what, double wait_seconds)
{
	double		started = now_seconds();
	double		said = -SAY_EVERY;
	double		pause = PAUSE_MIN;
	int			done;

	while ((done = try_locked(conn, sql, params, nparams)) == 0)
	{
		double		waited = now_seconds() - started;

		if (wait_seconds >= 0 && waited >= wait_seconds)
		{
			log_error("gave up waiting for %s after %.1f s (--wait)", what,
					  waited);
			return false;
		}
		if (waited - said >= SAY_EVERY)
		{
			say_who_blocks(conn, schema, key, what);
			said = waited;
		}
		pause_for(pause);
		pause = pause * 2 > PAUSE_MAX ? PAUSE_MAX : pause * 2;
	}
	return done > 0;
}

bool
swap_wait_for_import(PGconn *conn, const char *schema, double wait_seconds)
{
	const char *params[1] = {schema};
	char		what[256];

	snprintf(what, sizeof(what), "another import into schema \"%s\"",
			 schema);
	return lock_waiting(conn, "SELECT pg_catalog.pg_advisory_xact_lock("
						IMPORT_KEY ", pg_catalog.hashtext($1))",
						params, 1, schema, IMPORT_KEY, what, wait_seconds);
}

/*
 * The statements that give the staging schema ($2) what the target schema
 * ($1) had besides its data: its owner and privileges, the owner and
 * privileges of each table or view found in both, and the default
 * privileges attached to the schema (which would go with it).  Built by
 * the server from the catalogs (aclexplode), names quoted by format.
 */
#define GRANTEE_SQL \
	"CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(" \
	"pg_catalog.pg_get_userbyid(a.grantee)) END || CASE WHEN " \
	"a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END"

static const char *const carry_sql =
"WITH old AS (SELECT oid, nspowner, nspacl FROM pg_catalog.pg_namespace "
"  WHERE nspname = $1),\n"
" new AS (SELECT oid, nspowner FROM pg_catalog.pg_namespace "
"  WHERE nspname = $2),\n"
" rels AS (SELECT o.relname, o.relkind, o.relowner, o.relacl, "
"  n.relowner AS new_owner FROM pg_catalog.pg_class o "
"  JOIN pg_catalog.pg_class n ON n.relname = o.relname "
"  AND n.relkind = o.relkind "
"  WHERE o.relnamespace = (SELECT oid FROM old) "
"  AND n.relnamespace = (SELECT oid FROM new) AND o.relkind IN ('r', 'v'))\n"
"SELECT 1, pg_catalog.format('ALTER SCHEMA %I OWNER TO %I', $2, "
" pg_catalog.pg_get_userbyid(old.nspowner)) FROM old, new "
" WHERE old.nspowner <> new.nspowner\n"
"UNION ALL SELECT 2, pg_catalog.format('GRANT %s ON SCHEMA %I TO %s', "
" a.privilege_type, $2, " GRANTEE_SQL ") "
" FROM old, pg_catalog.aclexplode(old.nspacl) AS a\n"
"UNION ALL SELECT 3, pg_catalog.format('ALTER %s %I.%I OWNER TO %I', "
" CASE relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, $2, relname, "
" pg_catalog.pg_get_userbyid(relowner)) FROM rels "
" WHERE relowner <> new_owner\n"
"UNION ALL SELECT 4, pg_catalog.format('GRANT %s ON TABLE %I.%I TO %s', "
" a.privilege_type, $2, relname, " GRANTEE_SQL ") "
" FROM rels, pg_catalog.aclexplode(rels.relacl) AS a\n"
"UNION ALL SELECT 5, pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE "
" %I IN SCHEMA %I GRANT %s ON %s TO %s', "
" pg_catalog.pg_get_userbyid(d.defaclrole), $2, a.privilege_type, "
" CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' "
" WHEN 'f' THEN 'FUNCTIONS' ELSE 'TYPES' END, " GRANTEE_SQL ") "
" FROM old JOIN pg_catalog.pg_default_acl d "
" ON d.defaclnamespace = old.oid, "
" pg_catalog.aclexplode(d.defaclacl) AS a "
" WHERE d.defaclobjtype IN ('r', 'S', 'f', 'T')\n"
"ORDER BY 1";

/*
 * Gives the staging schema the owner and privileges of the target (see
 * carry_sql), in the swap, so that a reload keeps what was granted on the
 * feed.  False (logged) when the database failed.
 */
static bool
carry_privileges(PGconn *conn, const char *schema, const char *staging)
{
	const char *params[2] = {schema, staging};
	PGresult   *res = db_query(conn, carry_sql, 2, params);
	bool		ok = res != NULL;

	for (int i = 0; ok && i < PQntuples(res); i++)
		ok = db_exec(conn, PQgetvalue(res, i, 1));
	PQclear(res);
	return ok;
}

/*
 * Checks that the target schema is absent or holds a feed of ours
 * (feeds_schema_usable), gives its owner and privileges to the staging
 * schema, and drops the old feed's tables (those with DDL_TABLE_MARK as their
 * comment).  Anything else in the schema, or a view of the user's that
 * depends on the old tables elsewhere, makes the load fail (no CASCADE)
 * instead of disappearing.
 */
static SwapStatus
drop_previous_feed(PGconn *conn, const char *schema, const char *quoted,
				   const char *staging)
{
	const char *params[1] = {schema};
	PGresult   *res;
	SwapStatus	status = SWAP_OK;
	int			usable = feeds_schema_usable(conn, schema);

	if (usable <= 0)
		return usable == 0 ? SWAP_REFUSED : SWAP_FAILED;
	res = db_query(conn,
				   "SELECT (SELECT string_agg("
				   "format('%I.%I', n.nspname, c.relname), ', ') "
				   " FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid "
				   " AND c.relkind = 'r' "
				   " AND obj_description(c.oid, 'pg_class') = '"
				   DDL_TABLE_MARK "') "
				   "FROM pg_catalog.pg_namespace n WHERE n.nspname = $1",
				   1, params);
	if (res == NULL)
		return SWAP_FAILED;
	if (PQntuples(res) == 1 &&
		(!carry_privileges(conn, schema, staging) ||
		 !db_execf(conn, "DROP VIEW IF EXISTS %s.route_lines, "
				   "%s.trip_lines, %s.connections, %s.arrivals_departures",
				   quoted, quoted, quoted, quoted) ||
		 (!PQgetisnull(res, 0, 0) &&
		  !db_execf(conn, "DROP TABLE %s", PQgetvalue(res, 0, 0))) ||
		 !db_execf(conn, "DROP SCHEMA %s", quoted)))
		status = SWAP_FAILED;
	PQclear(res);
	return status;
}


/*
 * The statement that takes every lock of the swap at once, in one order:
 * the registry's, then the old feed's relations and the union views by
 * oid.  Built by the server from the catalogs, as they are now.
 */
static char *
swap_locks_sql(PGconn *conn, const char *schema)
{
	const char *params[1] = {schema};
	PGresult   *res;
	Buf			sql;
	char	   *out = NULL;

	res = db_query(conn,
				   "SELECT pg_catalog.string_agg("
				   "oid::pg_catalog.regclass::text, ', ' ORDER BY oid) "
				   "FROM (" SWAP_RELATIONS ") AS r", 1, params);
	if (res == NULL)
		return NULL;
	buf_init(&sql, 16 * 1024 * 1024);
	if (buf_puts(&sql, "SELECT pg_catalog.pg_advisory_xact_lock("
				 REGISTRY_KEY ", 0)") &&
		(PQgetisnull(res, 0, 0) ||
		 (buf_puts(&sql, "; LOCK TABLE ") &&
		  buf_puts(&sql, PQgetvalue(res, 0, 0)) &&
		  buf_puts(&sql, " IN ACCESS EXCLUSIVE MODE"))))
		out = strdup(sql.data);
	if (out == NULL)
		log_error("out of memory");
	buf_free(&sql);
	PQclear(res);
	return out;
}

SwapStatus
swap_feed(PGconn *conn, const FeedRecord *record, const char *target,
		  const char *staging_name, const char *staging, const char *comment,
		  double wait_seconds)
{
	char		what[256];
	char	   *locks = swap_locks_sql(conn, record->schema);
	SwapStatus	status;

	snprintf(what, sizeof(what), "the readers of schema \"%s\" to finish",
			 record->schema);
	if (locks == NULL ||
		!lock_waiting(conn, locks, NULL, 0, record->schema, REGISTRY_KEY,
					  what, wait_seconds))
	{
		free(locks);
		return SWAP_FAILED;
	}
	free(locks);
	if (!feeds_begin_swap(conn))
		return SWAP_FAILED;
	status = drop_previous_feed(conn, record->schema, target, staging_name);
	if (status != SWAP_OK)
		return status;
	if (!db_execf(conn, "ALTER SCHEMA %s RENAME TO %s", staging, target) ||
		!db_execf(conn, "COMMENT ON SCHEMA %s IS %s", target, comment) ||
		!feeds_end_swap(conn, record))
		return SWAP_FAILED;
	return SWAP_OK;
}
