/*
 * feeds.h: the registry of the feeds in a database, in schema gtfs2pgsql.
 *
 * Each feed lives in a schema of its own, replaced atomically on its own.
 * gtfs2pgsql.feeds records one row per feed (id, schema, file, SHA-256,
 * import time, importer version, options, per-file counts), and for every
 * file of the GTFS reference a view gtfs2pgsql.<table> unions that table of
 * every feed, with a leading feed_id column, so that feeds can be queried
 * together.
 */
#ifndef FEEDS_H
#define FEEDS_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct
{
	const char *feed_id;
	const char *schema;
	const char *file_name;
	const char *sha256;			/* 64 hex digits */
	const char *options;		/* the options that shape the result */
	const char *version;
	const char *report_json;	/* per-file counts */
} FeedRecord;

/*
 * Whether the registry already holds this feed id with the same SHA-256 and
 * options, and its schema still exists.  -1 (logged) on failure.
 */
extern int	feeds_unchanged(PGconn *conn, const FeedRecord *rec);

/*
 * Whether a feed may be loaded into schema: it does not exist, or
 * gtfs2pgsql made it (its comment starts with "gtfs2pgsql").  1 if so;
 * 0 if not (logged: the load must be refused, the schema left alone); -1
 * (logged) when the database failed.
 */
extern int	feeds_schema_usable(PGconn *conn, const char *schema);

/*
 * Within the transaction that swaps a feed in, holding the registry's lock
 * (swap.c: concurrent imports swap one at a time): creates or updates the
 * registry when it is missing or older, and drops the union views, which
 * would otherwise keep the old tables from being dropped.  False (logged).
 */
extern bool feeds_begin_swap(PGconn *conn);

/* Records rec and recreates the union views; false (logged). */
extern bool feeds_end_swap(PGconn *conn, const FeedRecord *rec);

#endif
