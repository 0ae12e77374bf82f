/*
 * batch.h: several feeds, loaded by N worker processes at once.
 *
 * Each worker runs the one-feed load for one feed after another, in its
 * own memory; the parent only starts them, hands out the feeds, forwards
 * SIGINT and SIGTERM to them, and keeps a few figures per feed for the
 * summary.  A worker that crashes fails its feed only.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stdbool.h>

/* A feed as the parent knows it. */
typedef struct
{
	const char *file;			/* the file name as shown */
	const char *feed_id;
	const char *schema;
	long long	bytes;			/* its size: the biggest start first */
} BatchFeed;

/* What a child says of its feed, beyond its exit code. */
typedef struct
{
	bool		skipped;		/* unchanged (--skip-unchanged) */
	long		rows;			/* loaded */
	long		errors;			/* notices by severity */
	long		warnings;
} BatchResult;

/*
 * Loads feed number feed in a worker process, writing its JSON report to
 * report_path (NULL: none) and its figures to result; returns its exit
 * code.  What it keeps in arg (a connection) serves the worker's next
 * feeds.
 */
typedef int (*BatchLoad) (int feed, const char *report_path,
						  BatchResult *result, void *arg);

/*
 * Loads the nfeeds feeds, jobs at once, each by load(i, ...) in one of
 * jobs worker processes, the biggest first (as pg_restore -j does: a big
 * feed started last would end alone), and prints one line per feed on
 * stderr in the order given (unless quiet).  A SIGINT or SIGTERM is passed on to the
 * workers and starts no more feeds.  When report_path is not NULL, writes
 * there (as report_open does) a JSON array of each feed's id, schema,
 * status and report.
 *
 * Returns the highest exit code of the feeds (128 + the signal when one
 * came), with *child false.  In each worker it returns 0 with *child true
 * once the worker has no more feeds: the caller must then free what arg
 * holds and exit with it.
 */
extern int	batch_run(const BatchFeed *feeds, int nfeeds, int jobs,
					  const char *report_path, bool quiet, BatchLoad load,
					  void *arg, bool *child);

#endif
