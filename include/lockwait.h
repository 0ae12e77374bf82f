/*
 * lockwait.h: the way every wait of gtfs2pgsql for a lock goes (tried
 * without waiting, again after a pause, naming on stderr the sessions that
 * hold the lock, and given up after --wait), and its advisory locks.  Any
 * role that can connect can take any advisory lock, so none of them may
 * make a load hang unseen.
 */
#ifndef LOCKWAIT_H
#define LOCKWAIT_H

#include <libpq-fe.h>
#include <stdbool.h>

/*
 * One try of a lock: 1 when taken, 0 when not free (nothing held), -1
 * when it failed (logged).
 */
typedef int (*LockwaitTry) (PGconn *conn, void *arg);

/* Names on stderr, as waiting for what, the sessions in the way. */
typedef void (*LockwaitSay) (PGconn *conn, void *arg, const char *what);

/*
 * The wait of every lock: calls try_lock until it takes the lock, pausing
 * between tries (from 50 ms, doubling up to a second), and gives up after
 * wait_seconds (negative: never).  Calls say after a second, every ten
 * seconds, and on giving up when it had not yet.  False (logged) when it
 * gave up or a try failed.
 */
extern bool lockwait_until(PGconn *conn, LockwaitTry try_lock,
						   LockwaitSay say, void *arg, const char *what,
						   double wait_seconds);

/*
 * Takes the advisory lock (hashtext(space), key_sql), key_sql being an
 * SQL integer expression of $2, which key fills (e.g. "pg_catalog.
 * hashtext($2)", "$2::integer"): for the session when session, else for
 * the caller's transaction.  Waits as lockwait_until, naming the holders
 * (pid, role, application).  False (logged) when it gave up or the
 * database failed.
 */
extern bool lockwait_advisory(PGconn *conn, bool session, const char *space,
							  const char *key_sql, const char *key,
							  const char *what, double wait_seconds);

/*
 * Names on stderr, as waiting for what, the other sessions whose pids
 * the query held gives (on pg_catalog.pg_locks, granted locks: see
 * schema/sql/lock_holders.sql), which may use params ($1..$nparams); just
 * "waiting for what" when there is none.
 */
extern void lockwait_say_holders(PGconn *conn, const char *held, int nparams,
								 const char *const *params, const char *what);

#endif
