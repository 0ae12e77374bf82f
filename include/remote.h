/*
 * remote.h: feeds of other servers, attached to the cross-feed tables of
 * this database as foreign tables (postgres_fdw) through a foreign server
 * and user mapping that the user made; recorded in the registry with their
 * server (schema/sql/remote_attach.sql, remote_detach.sql).
 */
#ifndef REMOTE_H
#define REMOTE_H

#include <libpq-fe.h>

#include "db.h"

/*
 * Connects with db and attaches, or refreshes when attached already, the
 * nfeeds feeds of feed_ids that gtfs2pgsql loaded on foreign server
 * server, each in a transaction of its own: a feed's foreign tables are
 * replaced at once, never seen half made.  Each lock is waited for at most
 * wait_seconds (negative: for ever).  Returns the exit code (exitcode.h):
 * the worst of the feeds', 1 when refused (no such server or feed, a
 * feed loaded here, what is not ours); each failure logged.
 */
extern int	remote_attach_feeds(const DbParams *db, const char *server,
								char *const *feed_ids, int nfeeds,
								double wait_seconds);

/*
 * Whether feed_id is a feed of another server in the registry of conn's
 * database: 1 if so, 0 if not (or no registry), -1 (logged) on failure.
 */
extern int	remote_is_attached(PGconn *conn, const char *feed_id);

/*
 * Whether a feed may be loaded into conn's database as feed_id into
 * schema: not when either is that of a feed attached from another server
 * (its foreign tables are the feed's partitions).  1 if it may, 0 if not
 * (logged, with a hint), -1 (logged) on failure.
 */
extern int	remote_load_allowed(PGconn *conn, const char *feed_id,
								const char *schema);

/*
 * In conn's transaction, detaches and drops the foreign tables of the
 * attached feed feed_id, its schema and its registry row (the feed stays
 * on its server), waiting at most wait_seconds (negative: for ever) for
 * each lock (the readers of the hash partitions of its tables).  False
 * (logged) on failure; the caller rolls back.
 */
extern bool remote_detach_feed(PGconn *conn, const char *feed_id,
							   double wait_seconds);

#endif
