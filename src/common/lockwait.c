/*
 * lockwait.c: the wait of every lock, tried, waited for visibly and given
 * up on, and the advisory locks.
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
#include "sqlbuf.h"

#define PAUSE_MIN	0.05		/* seconds between the first tries */
#define PAUSE_MAX	1.0
#define SAY_FIRST	1.0			/* seconds before "waiting" */
#define SAY_EVERY	10.0		/* seconds between "still waiting" */
#define SQL_MAX		(64 * 1024)

/* SQL bodies of schema/sql/, embedded by the Makefile */
extern const char sql_lock_holders[];
extern const char sql_lock_advisory_held[];

/* Sleeps *pause seconds, then doubles it up to PAUSE_MAX. */
static void
pause_between_tries(double *pause)
{
	struct timespec ts = {
		.tv_sec = (time_t) *pause,
		.tv_nsec = (long) ((*pause - (double) (time_t) *pause) * 1e9),
	};

	nanosleep(&ts, NULL);
	*pause = *pause * 2 > PAUSE_MAX ? PAUSE_MAX : *pause * 2;
}

bool
lockwait_until(PGconn *conn, LockwaitTry try_lock, LockwaitSay say,
			   void *arg, const char *what, double wait_seconds)
{
	double		started = report_now();
	double		said = SAY_FIRST - SAY_EVERY;
	double		pause = PAUSE_MIN;
	int			taken;

	while ((taken = try_lock(conn, arg)) == 0)
	{
		double		waited = report_now() - started;

		if (wait_seconds >= 0 && waited >= wait_seconds)
		{
			/* who was in the way, said once at least */
			if (said < 0)
				say(conn, arg, what);
			log_error("gave up waiting for %s after %.1f s (--wait)", what,
					  waited);
			return false;
		}
		if (waited - said >= SAY_EVERY)
		{
			say(conn, arg, what);
			said = waited;
		}
		pause_between_tries(&pause);
	}
	return taken > 0;
}

void
lockwait_say_holders(PGconn *conn, const char *held, int nparams,
					 const char *const *params, const char *what)
{
	const char *subst[26] = {['h' - 'a'] = held};
	Buf			sql;
	PGresult   *res;

	buf_init(&sql, SQL_MAX);
	res = sqlbuf_template(&sql, sql_lock_holders, subst) ?
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

/* An advisory lock of lockwait_advisory: its statements and their values. */
typedef struct
{
	const char *try_sql;		/* pg_try_advisory(_xact)_lock */
	const char *held_sql;		/* lock_advisory_held.sql, filled */
	const char *params[2];		/* space, key */
} Advisory;

static int
try_advisory(PGconn *conn, void *arg)
{
	const Advisory *lock = arg;

	return db_query_bool(conn, lock->try_sql, 2, lock->params);
}

static void
say_advisory_holders(PGconn *conn, void *arg, const char *what)
{
	const Advisory *lock = arg;

	lockwait_say_holders(conn, lock->held_sql, 2, lock->params, what);
}

bool
lockwait_advisory(PGconn *conn, bool session, const char *space,
				  const char *key_sql, const char *key, const char *what,
				  double wait_seconds)
{
	const char *subst[26] = {['k' - 'a'] = key_sql};
	Advisory	lock = {.params = {space, key}};
	Buf			try_sql;
	Buf			held_sql;
	bool		ok;

	buf_init(&try_sql, SQL_MAX);
	buf_init(&held_sql, SQL_MAX);
	ok = buf_puts(&try_sql, "SELECT pg_catalog.pg_try_advisory") &&
		buf_puts(&try_sql, session ? "_lock" : "_xact_lock") &&
		buf_puts(&try_sql, "(pg_catalog.hashtext($1), ") &&
		buf_puts(&try_sql, key_sql) && buf_puts(&try_sql, ")") &&
		sqlbuf_template(&held_sql, sql_lock_advisory_held, subst);
	if (!ok)
		log_error("out of memory");
	lock.try_sql = try_sql.data;
	lock.held_sql = held_sql.data;
	ok = ok && lockwait_until(conn, try_advisory, say_advisory_holders,
							  &lock, what, wait_seconds);
	buf_free(&try_sql);
	buf_free(&held_sql);
	return ok;
}
