/*
 * run.c: one feed's whole run, and several feeds, each a run of its own.
 *
 * A run works on its own copy of the job: the names it makes, its SHA-256,
 * its options string and its geometry live and die with it, so that a
 * worker of several feeds starts each one clean (a run used to leave the
 * next one its freed geometry).
 */
#include "run.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "catalog.h"
#include "exitcode.h"
#include "feeds.h"
#include "feedname.h"
#include "geom.h"
#include "log.h"
#include "remote.h"
#include "report.h"
#include "report_html.h"
#include "source.h"
#include "trust.h"
#include "version.h"

bool
run_report_is_feed(const char *report, const char *feed)
{
	struct stat rs,
				fs;

	if (strcmp(report, "-") == 0 || stat(report, &rs) != 0 ||
		stat(feed, &fs) != 0 || rs.st_dev != fs.st_dev ||
		rs.st_ino != fs.st_ino)
		return false;
	log_error("the report \"%s\" is the feed itself", report);
	return true;
}

/*
 * A folder is one feed, never a folder of feeds: one that holds zip files
 * and no .txt file is warned about, with the way to load those zips.
 */
static void
warn_folder_of_zips(const char *path)
{
	DIR		   *dir = opendir(path);
	struct dirent *e;
	bool		zips = false,
				txt = false;

	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL)
	{
		size_t		len = strlen(e->d_name);

		if (len > 4 && strcasecmp(e->d_name + len - 4, ".zip") == 0)
			zips = true;
		else if (len > 4 && strcasecmp(e->d_name + len - 4, ".txt") == 0)
			txt = true;
	}
	closedir(dir);
	if (zips && !txt)
	{
		log_warning("directory \"%s\" holds zip files and no .txt file: "
					"it is read as one feed", path);
		log_hint("to load each zip file as a feed, name them: %s/*.zip",
				 path);
	}
}

/*
 * Whether the feed holds a file of the GTFS reference, or
 * locations.geojson: a zip of a readme and notes is no feed, and would
 * replace one with nothing.  Logged when not.
 */
static bool
holds_gtfs_file(const FeedSource *src, const char *file)
{
	for (int i = 0; i < source_count(src); i++)
	{
		const char *name = source_member_name(src, i);

		if (catalog_find_file(name) || strcmp(name, "locations.geojson") == 0)
			return true;
	}
	log_error("\"%s\" holds no GTFS file (agency.txt, stops.txt, "
			  "routes.txt, ...): it is not a feed", file);
	log_detail("the database is unchanged");
	return false;
}

/*
 * Says on stderr (unless -q) which feeds the load replaced, and when it
 * is loaded alone, with their files' rows then and now, where it went.
 */
static void
say_loaded(const LoadJob *job, const FeedRecord *feed, const Report *rep)
{
	for (int i = 0; i < rep->nreplaced; i++)
	{
		const ReportReplaced *old = &rep->replaced[i];

		log_notice("replaced feed \"%s\" of schema \"%s\", loaded from "
				   "%s at %s", old->feed_id, old->schema, old->file,
				   old->imported_at);
	}
	/* with several feeds, their summary names each one's schema */
	if (job->tag != NULL)
		return;
	if (rep->nreplaced > 0 && !job->quiet)
		report_print_replaced(rep, stderr);
	/* the id is the registry's, the schema is what queries name */
	log_notice("feed id \"%s\" loaded into schema \"%s\"",
			   feed->feed_id, feed->schema);
}

/*
 * The report of the feed into report: HTML or JSON as its path says; false
 * (logged) when it could not be written.
 */
static bool
write_report(const LoadJob *job, const FeedRecord *feed, PGconn *conn,
			 const Report *rep, ReportSink *report)
{
	return report_html_wanted(job->report_path) ?
		report_html_write(conn, rep, feed->feed_id, feed->schema,
						  job->geometry, report) :
		report_write_json(rep, report);
}

/*
 * The signal that came after the last commit, which canceled nothing:
 * said, with what is done.
 */
void
run_warn_signal_after_commit(const char *done)
{
	int			sig = db_signal_after_commit();

	if (sig)
		log_warning("%s came after the commit: %s",
					sig == SIGINT ? "SIGINT" : "SIGTERM", done);
}

int
run_feed(const LoadJob *job, BatchResult *result, PGconn *given)
{
	LoadOptions load = job->load;	/* this run's: no pointer outlives it */
	FeedSource *src = NULL;
	PGconn	   *conn = NULL;
	Report		rep;
	char		sha256[65] = "";
	ReportSink	report = {0};
	int			usable;
	char		options[128];
	char	   *path;
	char	   *default_id = NULL;
	char	   *shown_name = NULL;
	LoadStatus	status = LOAD_BAD_INPUT;
	int			code = EXIT_BAD_INPUT;

	report_init(&rep, "");
	/* the path without its trailing slashes, as messages show it */
	path = strdup(job->feed_path);
	for (size_t len = path ? strlen(path) : 0;
		 len > 1 && path[len - 1] == '/';)
		path[--len] = '\0';
	load.feed.file_name = shown_name = feedname_shown(job->feed_path);
	if (path == NULL || shown_name == NULL)
	{
		log_error("out of memory");
		goto cleanup;
	}
	log_set_feed(load.feed.file_name);
	rep.feed = load.feed.file_name;
	if (load.feed.feed_id == NULL)
	{
		/*
		 * One feed per schema: -s names the feed too; else the file names
		 * both, as it does each of several feeds
		 */
		load.feed.feed_id = default_id = job->schema_given ?
			strdup(load.feed.schema) :
			feedname_from_file(load.feed.file_name);
		if (default_id == NULL)
		{
			log_error("out of memory");
			goto cleanup;
		}
		if (load.feed.schema == NULL)
			load.feed.schema = default_id;
		if (!job->schema_given &&
			!feedname_plain_ok(load.feed.file_name, default_id))
		{
			log_hint("name the feed with --feed-id and its schema with -s");
			goto cleanup;
		}
		if (!feedname_check(load.feed.feed_id, load.feed.schema))
		{
			log_hint("name the feed with --feed-id, or its schema with -s");
			goto cleanup;
		}
	}
	rep.feed_id = load.feed.feed_id;
	rep.schema = load.feed.schema;
	if (job->report_path &&
		(run_report_is_feed(job->report_path, path) ||
		 !report_open(&report, job->report_path)))
		goto cleanup;
	/* stats only when given: the string of earlier loads is unchanged */
	snprintf(options, sizeof(options), "srid=%ld geometry=%s strict=%s%s",
			 job->geometry ? job->srid : 0, job->geometry ? "yes" : "no",
			 load.strict ? "yes" : "no", load.stats ? " stats=yes" : "");
	load.feed.options = options;
	load.feed.sha256 = sha256;
	load.feed.version = GTFS2PGSQL_VERSION;

	/* an unknown SRID is refused before anything is read or sent */
	load.srid = (int) job->srid;
	load.geom = NULL;
	if (job->geometry)
	{
		load.geom = geom_create((int) job->srid);
		if (load.geom == NULL)
			goto cleanup;
	}
	warn_folder_of_zips(path);
	src = source_open(path);
	if (src == NULL || !holds_gtfs_file(src, load.feed.file_name) ||
		!source_sha256(src, sha256))
		goto cleanup;
	conn = given ? given : db_connect(&job->db);
	if (conn == NULL)
	{
		code = EXIT_BADCONN;
		goto cleanup;
	}
	/*
	 * Before anything reads the registry: what another role made is
	 * refused (trust.h), and so is a schema that is not ours, and the
	 * feed id or schema of a feed attached from another server
	 */
	usable = trust_load_allowed(conn, load.feed.schema, job->geometry);
	if (usable > 0)
		usable = feeds_schema_usable(conn, load.feed.schema);
	if (usable > 0)
		usable = remote_load_allowed(conn, load.feed.feed_id,
									 load.feed.schema);
	if (usable <= 0)
	{
		code = usable == 0 ? EXIT_BAD_INPUT : EXIT_DB_FAILED;
		goto cleanup;
	}
	if (job->skip_unchanged)
	{
		int			unchanged = feeds_unchanged(conn, &load.feed);

		if (unchanged != 0)
		{
			if (unchanged > 0)
				log_notice("feed \"%s\" is unchanged "
						   "(SHA-256 %.12s...): skipped",
						   load.feed.feed_id, sha256);
			if (result)
				result->skipped = unchanged > 0;
			code = unchanged > 0 ? EXIT_OK : EXIT_DB_FAILED;
			if (unchanged > 0 && job->report_path)
			{
				/* the report says it was skipped */
				rep.skipped = true;
				report_finish(&rep);
				if (!write_report(job, &load.feed, conn, &rep, &report))
					code = EXIT_BAD_INPUT;
			}
			goto cleanup;
		}
	}
	if (!given)
		db_catch_signals(conn);
	/* -q wants a quiet stderr, unless the line is asked for */
	progress_start(job->quiet && job->progress == PROGRESS_AUTO ?
				   PROGRESS_NEVER : job->progress);
	status = load_feed(conn, src, &load, &rep);
	progress_end();
	report_finish(&rep);
	if (db_canceled())
	{
		fprintf(stderr, "%s: %s%scanceled; the database is unchanged\n",
				job->db.progname, job->tag ? job->tag : "",
				job->tag ? ": " : "");
		code = EXIT_SIGNAL + db_canceled();
		goto cleanup;
	}
	if (status == LOAD_OK)
	{
		if (result)
		{
			for (int i = 0; i < rep.nfiles; i++)
				result->rows += rep.files[i].rows;
			result->errors = rep.notice_counts[0];
			result->warnings = rep.notice_counts[1];
		}
		/* with several feeds, their summary says enough */
		if (!job->quiet && job->tag == NULL)
			report_print_table(&rep, stderr);
		say_loaded(job, &load.feed, &rep);
		if (job->report_path &&
			!write_report(job, &load.feed, conn, &rep, &report))
		{
			log_detail("the feed was loaded all the same");
			status = LOAD_BAD_INPUT;
		}
	}
	/* the comparison that made the load refused */
	if (status == LOAD_SHRINKS && !job->quiet && job->tag == NULL)
		report_print_replaced(&rep, stderr);
	code = status == LOAD_OK ? EXIT_OK :
		status == LOAD_BAD_INPUT ? EXIT_BAD_INPUT :
		status == LOAD_SHRINKS ? EXIT_SHRINKS : EXIT_DB_FAILED;
	if (status == LOAD_OK)
		run_warn_signal_after_commit("the feed is loaded");

cleanup:
	/*
	 * Whichever step failed, in the load's transaction or before it (the
	 * trust checks, PostGIS, the registry: a session ended there too)
	 */
	if (code == EXIT_DB_FAILED && !db_canceled())
		log_error("the load failed; the database is unchanged");
	/* caught to the end: a signal after the commit ends nothing */
	if (!given && conn)
		db_release_signals();
	if (!given)
		PQfinish(conn);
	source_close(src);
	geom_destroy(load.geom);
	report_discard(&report);
	report_free(&rep);
	free(default_id);
	/* the log keeps no name of a run that is over */
	log_set_feed(NULL);
	free(shown_name);
	free(path);
	return code;
}

/* What each worker of run_feeds needs. */
typedef struct
{
	const LoadJob *job;			/* the command line's, never changed */
	const BatchFeed *feeds;
	char	   *const *paths;
	PGconn	   *conn;			/* the worker's, kept from feed to feed */
} Several;

/*
 * Feed number feed of several, in a worker process: a run of its own with
 * its names, on the worker's connection, made anew when the last one
 * broke.
 */
static int
load_one(int feed, const char *report_path, BatchResult *result, void *arg)
{
	Several    *several = arg;
	LoadJob		job = *several->job;	/* this feed's */
	int			code;

	job.feed_path = several->paths[feed];
	job.load.feed.feed_id = several->feeds[feed].feed_id;
	job.load.feed.schema = several->feeds[feed].schema;
	job.report_path = report_path;
	job.tag = job.load.feed.feed_id;
	log_set_tag(job.tag);
	if (several->conn &&
		(PQstatus(several->conn) != CONNECTION_OK ||
		 PQtransactionStatus(several->conn) != PQTRANS_IDLE))
	{
		db_release_signals();
		PQfinish(several->conn);
		several->conn = NULL;
	}
	if (several->conn == NULL)
	{
		several->conn = db_connect(&job.db);
		if (several->conn == NULL)
			return EXIT_BADCONN;
		/* caught from feed to feed: a signal between two ends the worker */
		db_catch_signals(several->conn);
	}
	code = run_feed(&job, result, several->conn);
	log_set_tag(NULL);
	return code;
}

/*
 * The bytes of the feed at path, to start the biggest first: a file's
 * size, a folder's files' sizes summed (0 when it cannot be read: the
 * load says why).
 */
static long long
feed_bytes(const char *path)
{
	struct stat st;
	DIR		   *dir;
	struct dirent *e;
	long long	bytes = 0;

	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return (long long) st.st_size;
	dir = opendir(path);
	while (dir && (e = readdir(dir)) != NULL)
	{
		char		member[4096];

		if (snprintf(member, sizeof(member), "%s/%s", path, e->d_name) <
			(int) sizeof(member) && stat(member, &st) == 0 &&
			S_ISREG(st.st_mode))
			bytes += (long long) st.st_size;
	}
	if (dir)
		closedir(dir);
	return bytes;
}

int
run_feeds(const LoadJob *job, BatchFeed *feeds, char *const *paths,
		  int nfeeds, int jobs, bool *child)
{
	LoadJob		common = *job;	/* with the password asked for */
	Several		several = {&common, feeds, paths, NULL};
	char	   *password = NULL;
	ReportSink	report;
	PGconn	   *conn;
	int			code = EXIT_BAD_INPUT;

	*child = false;
	for (int i = 0; i < nfeeds; i++)
		feeds[i].bytes = feed_bytes(paths[i]);
	/* what every feed would refuse is said once */
	if (job->geometry)
	{
		Geom	   *geom = geom_create((int) job->srid);

		if (geom == NULL)
			return EXIT_BAD_INPUT;
		geom_destroy(geom);
	}
	if (job->report_path && strcmp(job->report_path, "-") != 0)
	{
		if (!report_open(&report, job->report_path))
			return EXIT_BAD_INPUT;
		report_discard(&report);
	}
	conn = db_connect(&job->db);
	if (conn == NULL)
		return EXIT_BADCONN;
	/* a password asked for once serves every feed */
	if (PQconnectionUsedPassword(conn))
	{
		password = strdup(PQpass(conn));
		common.db.password = password;
	}
	PQfinish(conn);
	code = batch_run(feeds, nfeeds, jobs, job->report_path, job->quiet,
					 load_one, &several, child);
	if (several.conn)
	{
		db_release_signals();
		PQfinish(several.conn);
	}
	free(password);
	return code;
}
