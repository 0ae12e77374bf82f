/*
 * lockwait.h: the advisory locks of gtfs2pgsql, taken the way every wait
 * of it is: tried without waiting, again after a pause, naming on stderr
 * the sessions of this database that hold the lock, and given up after
 * --wait.  Any role that can connect can take any advisory lock, so none
 * of them may make a load hang unseen.
 */
#ifndef LOCKWAIT_H
#define LOCKWAIT_H

#include <libpq-fe.h>
#include <stdbool.h>

#define LOCKWAIT_PAUSE_MIN	0.05	/* seconds between tries, doubling */
#define LOCKWAIT_SAY_FIRST	1.0		/* seconds before "waiting" */
#define LOCKWAIT_SAY_EVERY	10.0	/* seconds between "still waiting" */

/*
 * Takes the advisory lock (hashtext(space), key_sql), key_sql being an
 * SQL integer expression of $2, which key fills (e.g. "pg_catalog.
 * hashtext($2)", "$2::integer"): for the session when session, else for
 * the caller's transaction.  Waits at most wait_seconds (negative: for
 * ever), naming the holders (pid, role, application) as waiting for what,
 * after LOCKWAIT_SAY_FIRST seconds, every LOCKWAIT_SAY_EVERY seconds, and
 * on giving up.  False (logged) when it gave up or the database failed.
 */
extern bool lockwait_advisory(PGconn *conn, bool session, const char *space,
							  const char *key_sql, const char *key,
							  const char *what, double wait_seconds);

/*
 * Names on stderr, as waiting for what, the other sessions that hold a
 * granted lock matching held, a condition on pg_locks l that may use
 * params ($1..$nparams); just "waiting for what" when there is none.
 */
extern void lockwait_say_holders(PGconn *conn, const char *held, int nparams,
								 const char *const *params, const char *what);

/*
 * Sleeps *pause seconds, then doubles it up to a second: the pause
 * between two tries of a lock.
 */
extern void lockwait_pause(double *pause);

#endif
