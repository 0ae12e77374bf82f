/*
 * export.h: a loaded feed back out as GTFS files, for pgsql2gtfs.
 *
 * Each file the load recorded in import_files leaves the server through
 * COPY (SELECT ...) TO STDOUT, its values put in GTFS form by the SELECT,
 * and streams into a zip member through a libzip source callback (or into
 * a plain file of a directory): no member is ever held whole.  All files
 * come from one snapshot.  A cut keeps some trips and what they use.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct
{
	const char *schema;			/* the feed's schema, or NULL: */
	const char *feed_id;		/* the registry's schema for this feed id */
	const char *output;			/* a zip path, "-" (stdout) or a folder */
	bool		to_folder;		/* output is a folder of .txt files */
	const char *from;			/* YYYY-MM-DD, or NULL: no start */
	const char *to;				/* YYYY-MM-DD, or NULL: no end */
	bool		bbox;			/* cut to the trips calling in box */
	double		box[4];			/* min lon, min lat, max lon, max lat */
	const char *const *routes;	/* cut to these routes' trips */
	int			nroutes;
} ExportOptions;

typedef enum
{
	EXPORT_OK = 0,
	EXPORT_BAD_INPUT = 1,		/* not a feed, or OUTPUT not written */
	EXPORT_DB_FAILED = 3		/* the server failed */
} ExportStatus;

/*
 * Writes the feed opt names, cut as opt says, to opt->output over conn
 * (connected with db_connect, idle).  The feed is found through the
 * registry gtfs2pgsql.feeds alone, its tables locked before its snapshot
 * is taken: it is the feed before or after a concurrent reload, never a
 * mix.  Refused (EXPORT_BAD_INPUT, logged, naming the object and its
 * owner): reading a view, materialized view or foreign table, a table
 * with row-level security, or what a role owns that is neither the
 * current one nor a superuser (the registry included).  A zip is written
 * under a temporary name beside OUTPUT, a folder as a new folder beside
 * it, and renamed into place at the end: a failure leaves OUTPUT as it
 * was.  A folder is replaced whole; one that holds anything but *.txt and
 * *.geojson files is refused.  A feed of no file is an error.  Logs
 * where it fails; rows and files written go to *rows and *files.
 */
extern ExportStatus export_feed(PGconn *conn, const ExportOptions *opt,
								long long *rows, int *files);

/*
 * From now on until export_release_signals: SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT ask the server to cancel what conn runs, remove export_feed's
 * temporary files, say "<progname>: canceled" and end the program by
 * that signal; SIGPIPE is ignored (a write to a closed pipe fails with
 * EPIPE, an error export_feed reports).
 */
extern void export_catch_signals(PGconn *conn, const char *progname);
extern void export_release_signals(void);

#endif
