/*
 * feeds.h: the registry of the feeds in a database, gtfs2pgsql.feeds: one
 * row per feed (id, schema, file, SHA-256, import time, importer version,
 * options, per-file counts).  Each feed is queried in its schema, and all
 * together in the partitioned tables of schema gtfs2pgsql (swap.h).
 */
#ifndef FEEDS_H
#define FEEDS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "buf.h"
#include "report.h"

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
 * Outside any transaction, in one of its own: creates or updates the
 * registry when it is missing or older, waiting at most wait_seconds
 * (negative: for ever) for another session doing so.  False (logged).
 */
extern bool feeds_setup(PGconn *conn, double wait_seconds);

/*
 * Appends to sql what the swap must run first, under the registry's lock:
 * the drop of the union views of the layout before partitions.  False
 * (logged).
 */
extern bool feeds_put_setup(Buf *sql, PGconn *conn);

/*
 * Adds to rep (report_add_replaced) each feed of the registry that
 * recording rec would replace: the feed rec->feed_id, and another feed of
 * schema rec->schema, each with its files' rows as its report has them
 * (a feed whose schema is gone replaces nothing).  In the load's
 * transaction, under its lock on the schema (swap_wait_for_import), with
 * the registry made.  False (logged).
 */
extern bool feeds_replaced(PGconn *conn, const FeedRecord *rec, Report *rep);

/* Records rec in the registry, in the swap's transaction; false (logged). */
extern bool feeds_record(PGconn *conn, const FeedRecord *rec);

#endif
