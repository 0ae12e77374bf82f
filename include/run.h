/*
 * run.h: one feed's whole run, as the command line asks for it: its names,
 * its SHA-256 and --skip-unchanged, the checks of the database before
 * anything is read from it, the load with its signals and progress line,
 * what is said on stderr and the report; and several feeds by batch's
 * worker processes, each feed a run of its own.
 */
#ifndef RUN_H
#define RUN_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "batch.h"
#include "db.h"
#include "load.h"
#include "progress.h"

/* What one run is asked to do; the run changes nothing in it. */
typedef struct
{
	DbParams	db;				/* the server, when no connection is given */
	LoadOptions load;			/* load.feed's feed_id and schema: NULL to
								 * name the feed after its file; load.geom
								 * unset (each run makes its own) */
	const char *feed_path;		/* the zip file or folder */
	const char *report_path;	/* --report's FILE (- for stdout), or NULL */
	const char *tag;			/* with several feeds, the feed's id, which
								 * starts each message; NULL alone */
	long		srid;			/* of the geometry */
	bool		geometry;		/* false: --no-geometry */
	bool		schema_given;	/* -s: the schema names the feed too */
	bool		skip_unchanged;
	bool		quiet;
	ProgressMode progress;
} LoadJob;

/*
 * Whether the report at report would be written over the feed itself
 * (logged when it would).
 */
extern bool run_report_is_feed(const char *report, const char *feed);

/*
 * Says (a warning) when a signal came after the last commit, which
 * canceled nothing: done says what was done all the same.
 */
extern void run_warn_signal_after_commit(const char *done);

/*
 * Reads job->feed_path, connects and loads it; returns the exit code
 * (exitcode.h), each failure logged where it happened.  result, when not
 * NULL, gets what the summary of several feeds shows.  With conn, a
 * connection whose signals the caller catches (db_catch_signals), the load
 * runs on it and leaves it open; NULL: the run connects with job->db and
 * catches SIGINT and SIGTERM itself until it ends.
 */
extern int	run_feed(const LoadJob *job, BatchResult *result, PGconn *conn);

/*
 * Loads the nfeeds feeds at paths, named as feeds[] says (file, feed_id,
 * schema: checked by the caller, each feed's report not its feed), jobs at
 * once by batch_run, each feed a run_feed of job with its own names, path
 * and tag.  What every feed would refuse (the SRID, the report's file, the
 * server) is checked once first; a password asked for then serves every
 * feed.  Fills feeds[].bytes.  Returns as batch_run does: in a worker
 * process, with *child true, the caller must exit with the code at once.
 */
extern int	run_feeds(const LoadJob *job, BatchFeed *feeds,
					  char *const *paths, int nfeeds, int jobs, bool *child);

#endif
