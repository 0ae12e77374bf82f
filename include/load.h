/*
 * load.h: a whole feed into one schema, in one transaction.
 *
 * Every member goes through csvread and conv into a COPY of its own table
 * in a staging schema; keys and indexes follow the data; the staging schema
 * then replaces the target schema and the transaction commits.  What is
 * wrong with the feed goes to the table import_notices (notice.h) and the
 * rest loads; with strict, an error rolls everything back instead.
 */
#ifndef LOAD_H
#define LOAD_H

#include <libpq-fe.h>

#include "feeds.h"
#include "geom.h"
#include "report.h"
#include "source.h"

typedef struct
{
	FeedRecord	feed;			/* target schema, id, file... (report_json
								 * unset) */
	long		max_errors;		/* strict: stop reading after this many */
	Geom	   *geom;			/* points in the target SRID; NULL: no
								 * geometry */
	int			srid;			/* of the geometry columns, also of those
								 * a load without geometry makes (see
								 * load_feed) */
	bool		strict;			/* any error notice refuses the feed */
	bool		force;			/* replace a feed even by one that lost
								 * files or most trips (replace.h) */
	double		wait_seconds;	/* for other imports and readers at the
								 * swap; negative: for ever */
	long		split_min_size;	/* a stop_times.txt of this many bytes
								 * (uncompressed) or more loads on a second
								 * connection; negative: never */
	bool		stats;			/* fill the statistics' materialized views
								 * (analysis.h); else they are emptied */
	bool		validate;		/* run the validator's rules (validate.h) */
	bool		every_trip;		/* the rules read every trip's stop times,
								 * not only the screen's suspects */
	char		as_of[11];		/* the rules' today, YYYY-MM-DD */
} LoadOptions;

typedef enum
{
	LOAD_OK = 0,
	LOAD_BAD_INPUT = 1,			/* the feed is invalid: nothing changed */
	LOAD_DB_FAILED = 3,			/* the server refused: nothing changed */
	LOAD_SHRINKS = 4			/* it would replace a feed by one that lost
								 * what it had (replace.h): nothing
								 * changed */
} LoadStatus;

/*
 * Loads src into opt->schema over conn, recording each file in rep, and
 * in rep->replaced the feeds it replaces (read before the swap; the load
 * is refused, LOAD_SHRINKS, when it would lose what one of them had,
 * unless opt->force).
 * Errors are logged where they are found.  A load without geometry that
 * makes the cross-feed tables (the database's first feed) creates PostGIS
 * when the server has it and gives them their geometry columns, NULL in
 * this feed, so that no later feed with geometry adds them to every
 * feed's tables (swap.h).
 */
extern LoadStatus load_feed(PGconn *conn, FeedSource *src,
							const LoadOptions *opt, Report *rep);

#endif
