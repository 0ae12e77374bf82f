/*
 * batch.h: several feeds, each loaded by a process of its own, N at once.
 *
 * A child process per feed runs the one-feed load on its own connection
 * with its own memory; the parent only starts them, forwards SIGINT and
 * SIGTERM to them, and keeps a few figures per feed for the summary.
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
 * Loads feed number feed in a child process, writing its JSON report to
 * report_path (NULL: none) and its figures to result; returns its exit
 * code.
 */
typedef int (*BatchLoad) (int feed, const char *report_path,
						  BatchResult *result, void *arg);

/*
 * Loads the nfeeds feeds, jobs at once, each by load(i, ...) in a child
 * process, and prints one line per feed on stderr in the order given
 * (unless quiet).  A SIGINT or SIGTERM is passed on to the children and
 * starts no more feeds.  When report_path is not NULL, writes there (as
 * report_open does) a JSON array of each feed's id, schema, status and
 * report.
 *
 * Returns the highest exit code of the feeds (128 + the signal when one
 * came), with *child false.  In each child it returns that child's exit
 * code with *child true: the caller must then clean up and exit with it.
 */
extern int	batch_run(const BatchFeed *feeds, int nfeeds, int jobs,
					  const char *report_path, bool quiet, BatchLoad load,
					  void *arg, bool *child);

#endif
