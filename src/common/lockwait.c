/*
 * lockwait.c: advisory locks tried, waited for visibly, and given up on.
 *
 * pg_try_advisory_lock never waits in the server, so a try needs no
 * lock_timeout nor savepoint and works in a transaction or out of one.
 * The holders are looked for in this database only: advisory locks are
 * per database, and a session of another one holding the same key is in
 * nobody's way.
 */
#include "lockwait.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "report.h"

#define PAUSE_MAX	1.0
#define SQL_MAX		1024

void
lockwait_pause(double *pause)
{
	struct timespec ts = {
		.tv_sec = (time_t) *pause,
		.tv_nsec = (long) ((*pause - (double) (time_t) *pause) * 1e9),
	};

	nanosleep(&ts, NULL);
	*pause = *pause * 2 > PAUSE_MAX ? PAUSE_MAX : *pause * 2;
}

void
lockwait_say_holders(PGconn *conn, const char *held, int nparams,
					 const char *const *params, const char *what)
{
	Buf			sql;
	PGresult   *res;

	buf_init(&sql, 8192);
	res = buf_puts(&sql, "SELECT a.pid, coalesce(a.usename, '?'), "
				   "coalesce(nullif(a.application_name, ''), '?'), "
				   "coalesce(pg_catalog.to_char(a.xact_start, "
				   "'YYYY-MM-DD HH24:MI:SS'), '?'), coalesce(a.state, '?') "
				   "FROM pg_catalog.pg_stat_activity a "
				   "WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.pid IN ("
				   "SELECT l.pid FROM pg_catalog.pg_locks l WHERE l.granted "
				   "AND (") &&
		buf_puts(&sql, held) && buf_puts(&sql, ")) ORDER BY a.pid") ?
		db_query(conn, sql.data, nparams, params) : NULL;
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
 * Names the other sessions of this database that hold the advisory lock
 * (hashtext($1), key_sql); pg_locks shows its keys as unsigned classid and
 * objid, objsubid 2.
 */
static void
say_holders(PGconn *conn, const char *key_sql, const char *const *params,
			const char *what)
{
	char		held[SQL_MAX];

	snprintf(held, sizeof(held),
			 "l.locktype = 'advisory' AND l.objsubid = 2 "
			 "AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d "
			 "WHERE d.datname = pg_catalog.current_database()) "
			 "AND l.classid::pg_catalog.int8 = (pg_catalog.hashtext($1)"
			 "::pg_catalog.int8 & 4294967295) "
			 "AND l.objid::pg_catalog.int8 = ((%s)::pg_catalog.int8 "
			 "& 4294967295)", key_sql);
	lockwait_say_holders(conn, held, 2, params, what);
}

bool
lockwait_advisory(PGconn *conn, bool session, const char *space,
				  const char *key_sql, const char *key, const char *what,
				  double wait_seconds)
{
	const char *params[2] = {space, key};
	char		sql[SQL_MAX];
	double		started = report_now();
	double		said = LOCKWAIT_SAY_FIRST - LOCKWAIT_SAY_EVERY;
	double		pause = LOCKWAIT_PAUSE_MIN;
	int			taken;

	snprintf(sql, sizeof(sql), "SELECT pg_catalog.pg_try_advisory%s_lock("
			 "pg_catalog.hashtext($1), %s)", session ? "" : "_xact", key_sql);
	while ((taken = db_query_bool(conn, sql, 2, params)) == 0)
	{
		double		waited = report_now() - started;

		if (wait_seconds >= 0 && waited >= wait_seconds)
		{
			if (said < 0)
				say_holders(conn, key_sql, params, what);
			log_error("gave up waiting for %s after %.1f s (--wait)", what,
					  waited);
			return false;
		}
		if (waited - said >= LOCKWAIT_SAY_EVERY)
		{
			say_holders(conn, key_sql, params, what);
			said = waited;
		}
		lockwait_pause(&pause);
	}
	return taken > 0;
}
