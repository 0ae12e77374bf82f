/*
 * side.h: work on a second connection, in a child process, committed into
 * a schema of its own (gtfs2pgsql_side_<the parent's backend pid>) that the
 * parent then takes into its transaction: a big stop_times.txt loads there
 * while the parent loads the other files (load.c).
 *
 * The parent holds a session advisory lock named after that schema from
 * before the child starts until the schema is gone, so that a schema whose
 * lock is free is an orphan of a run killed after the child committed:
 * side_clean drops those, and every load and --drop calls it first.
 */
#ifndef SIDE_H
#define SIDE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct SideLoad SideLoad;

/*
 * The child's work, on its own connection conn (db_connect_like the
 * parent's, signals caught), in a transaction that has just created schema
 * (quoted): it fills the schema, and result with what the parent needs,
 * and returns true, and the transaction commits; false when it failed
 * (logged).  It may commit and begin again on the way, so that other
 * connections of its own see what it made: the schema committed is still
 * the parent's to take or drop (its lock).  arg is the child's copy of the
 * parent's argument.
 */
typedef bool (*SideWork) (PGconn *conn, const char *schema, void *arg,
						  void *result);

/*
 * Drops the side schemas of this database that conn's role owns and whose
 * lock is free, without waiting for the others (another role's schema of
 * that name is left alone: it may be no orphan of ours, and is not ours to
 * drop); conn must be idle, outside a transaction.
 * False (logged) when the database failed.
 */
extern bool side_clean(PGconn *conn);

/*
 * Takes the lock of conn's side schema, waiting at most wait_seconds
 * (negative: for ever) for a session that holds it, and forks a child
 * that runs work (which must not use conn) and reports result_size bytes
 * of result.  The child dies with the parent.  NULL (logged) when it
 * could not start; end it with side_end.
 */
extern SideLoad *side_start(PGconn *conn, SideWork work, void *arg,
							size_t result_size, double wait_seconds);

/* The side schema's name, quoted (owned by side). */
extern const char *side_schema(const SideLoad *side);

/*
 * Waits for the child to end and copies what it reported into result.
 * False (logged) when it failed or died, or when the run was canceled
 * (db_canceled: the child is sent the same signal, not logged).
 */
extern bool side_wait(SideLoad *side, void *result);

/*
 * Ends side: a child still running is killed and reaped; unless the
 * parent's committed transaction dropped it (taken), the side schema is
 * dropped now, conn being out of its transaction (what cannot be dropped
 * is left to the next side_clean); the lock is released; side is freed.
 * side may be NULL.
 */
extern void side_end(SideLoad *side, PGconn *conn, bool taken);

#endif
