/*
 * swap.h: the life cycle of a feed's schema around a load: waiting for
 * another import of the same schema, and the swap that replaces the old
 * feed by the staging schema.
 *
 * Every wait is visible and bounded: locks are tried with a short
 * lock_timeout inside a savepoint, so that between two tries nothing is
 * held (no reader of another feed waits for us, no deadlock with a reader
 * that takes its locks in another order), and while waiting the sessions
 * in the way are named on stderr.
 */
#ifndef SWAP_H
#define SWAP_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "feeds.h"

typedef enum
{
	SWAP_OK,
	SWAP_REFUSED,				/* the target is not ours (logged) */
	SWAP_FAILED					/* the database failed, or the wait was too
								 * long (logged) */
} SwapStatus;

/*
 * In the load's transaction, takes the lock that makes a second import of
 * schema wait for this one, waiting at most wait_seconds (negative: for
 * ever), saying so on stderr while another import holds it.  False
 * (logged) when the wait was too long or the database failed.
 */
extern bool swap_wait_for_import(PGconn *conn, const char *schema,
								 double wait_seconds);

/*
 * The layout.  Each GTFS file has a table in schema gtfs2pgsql,
 * partitioned by feed_id into hash partitions (gtfs2pgsql_buckets), each
 * partitioned by feed_id (LIST); a feed's partition there is the table of
 * that name in the feed's schema, itself partitioned, whose one partition
 * holds the rows and lives in the feed's data schema gtfs2pgsql_data_N.
 * Replacing a feed swaps that innermost partition: it locks the feed's
 * tables, never the cross-feed tables (ATTACH takes a SHARE UPDATE
 * EXCLUSIVE lock on the bucket, which readers do not conflict with), so
 * readers of other feeds never wait, and the cost grows only with the
 * feeds of one bucket.  A feed's table that must go (a drop, another feed
 * in its schema) is emptied and moved to gtfs2pgsql_dropped; dropping it
 * locks its bucket, so swap_clear_dropped does that later, briefly.  The
 * one exception: a feed whose table has a column its cross-feed table
 * lacks adds it there, and so to every feed's partition, which locks them
 * all; the swap then waits for the readers of every feed, naming them.
 * The first feed makes the cross-feed tables with every column a later
 * one can have, "geom" too when PostGIS can be had (load.h), so that this
 * happens only in a database made without PostGIS or by an older version.
 */

/*
 * Replaces the feed of record->schema (quoted: target) by the tables of
 * the staging schema staging_name, in the load's transaction: takes every
 * lock the swap needs at once (waiting at most wait_seconds), moves the
 * feed out of the schema it had when that was another, attaches the new
 * tables, drops the old ones, makes the views of every feed's timetable,
 * statistics and translations in schema gtfs2pgsql when missing
 * (schema/sql/cross_views.sql), comments the schema and records the feed
 * in the registry.  The caller commits.
 */
extern SwapStatus swap_feed(PGconn *conn, const FeedRecord *record,
							const char *target, const char *staging_name,
							const char *comment, double wait_seconds);

/*
 * Whether the swap could not move a table named table into schema, the
 * feed's: 1 when a relation or type of the user's (or any but a table of
 * a file that gtfs2pgsql made) has that name there, 0 when it is free, -1
 * (logged) when the database failed.
 */
extern int	swap_name_taken(PGconn *conn, const char *schema,
							const char *table);

/*
 * Removes feed_id from the database in the caller's transaction: its
 * schema, its partitions and its registry row.  SWAP_REFUSED (logged)
 * when there is no such feed.  The caller commits, then calls
 * swap_clear_dropped.
 */
extern SwapStatus swap_drop_feed(PGconn *conn, const char *feed_id,
								 double wait_seconds);

/*
 * Outside any transaction: drops the emptied tables of gtfs2pgsql_dropped
 * if their lock is free at once; else leaves them for the next time.
 */
extern void swap_clear_dropped(PGconn *conn);

/*
 * The tables that become partitions of cross-feed tables, as a text[]
 * literal; free it.  NULL (logged) when out of memory.
 */
extern char *swap_leaf_tables(void);

#endif
