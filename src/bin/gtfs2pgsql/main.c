/*
 * main.c: the command line of gtfs2pgsql.
 *
 * Options are read like PostgreSQL's createdb: --help and --version first,
 * then getopt_long; the work is run_feed's (run.h), with several feeds
 * run_feeds', whose workers run one feed after another, or drop_feeds'.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cmdline.h"
#include "connopt.h"
#include "ddl.h"
#include "drop.h"
#include "exitcode.h"
#include "feedschema.h"
#include "feedname.h"
#include "log.h"
#include "progress.h"
#include "remote.h"
#include "report_html.h"
#include "run.h"
#include "validate.h"

#define MAX_JOBS		100		/* the server's default max_connections */
#define SPLIT_MIN_SIZE	(1 << 20)	/* --split-min-size's default: see
										 * README.md */

static const char *progname = "gtfs2pgsql";

static void
help(void)
{
	printf("%s loads a GTFS Schedule feed into PostgreSQL.\n\n", progname);
	printf("Usage:\n  %s [OPTION]... FEED...\n", progname);
	printf("  %s [OPTION]... --drop FEED_ID...\n", progname);
	printf("  %s [OPTION]... --attach=SERVER FEED_ID...\n\n", progname);
	printf("FEED is a GTFS zip file or a directory of its .txt files.  "
		   "Its feed id and\nits schema come from its file name, "
		   "alone or with others: bart-2018.zip\nloads as feed bart_2018 "
		   "into schema bart_2018 (a feed loaded alone\nused to go into "
		   "schema gtfs, over the one there: -s gtfs still does that).\n"
		   "A feed already there is replaced atomically, and the load says "
		   "so.  With\nseveral FEEDs, a line per feed sums them up at the "
		   "end.\n\n");
	printf("Options:\n");
	printf("  -s, --schema=NAME         "
		   "target schema, the one queries name (default:\n"
		   "                            "
		   "the feed id as a plain name: --feed-id\n"
		   "                            "
		   "berlin-vbb-2020 loads into berlin_vbb_2020);\n"
		   "                            "
		   "not with several feeds\n");
	printf("      --feed-id=ID          "
		   "the feed's id in gtfs2pgsql.feeds and the\n"
		   "                            "
		   "cross-feed tables, kept as given (default: the\n"
		   "                            "
		   "schema given with -s, else the file name as a\n"
		   "                            "
		   "plain name); not with several feeds\n");
	printf("      --force               "
		   "replace a feed even by one that lost agency,\n"
		   "                            "
		   "stops, routes, trips, stop_times or both calendar\n"
		   "                            "
		   "files, or half its trips or stop_times (else\n"
		   "                            "
		   "refused: exit 4, the old feed kept)\n");
	printf("  -j, --jobs=N              "
		   "load N feeds at once, each on a connection of\n"
		   "                            "
		   "its own (default: 1)\n");
	printf("      --split-min-size=BYTES\n"
		   "                            "
		   "load a stop_times.txt of BYTES or more (once\n"
		   "                            "
		   "uncompressed) on a second connection while the\n"
		   "                            "
		   "other files load (default: %d MB; 0: always;\n"
		   "                            "
		   "off: never; with -j over 1, never unless given)\n",
		   SPLIT_MIN_SIZE >> 20);
	printf("      --skip-unchanged      "
		   "do nothing if this feed id was last loaded\n"
		   "                            "
		   "from the same file (SHA-256) with the same options\n"
		   "                            "
		   "(a --report says it was skipped)\n");
	printf("      --report=FILE         "
		   "write a report to FILE: a page to look at when\n"
		   "                            "
		   "FILE ends in .html (files, steps, notices, map),\n"
		   "                            "
		   "else JSON (- for stdout); with several feeds,\n"
		   "                            "
		   "an array of the feeds' JSON reports\n");
	printf("      --strict              "
		   "refuse a feed with any error notice (exit 1,\n"
		   "                            "
		   "the database unchanged), listing the errors\n");
	printf("      --max-errors=N        "
		   "with --strict, stop after N errors (default: 100)\n");
	printf("      --wait=SECONDS        "
		   "give up (exit 3) when another import, readers\n"
		   "                            "
		   "of the feed or any session holding a lock the\n"
		   "                            "
		   "load needs keep it waiting this long\n"
		   "                            "
		   "(default: wait, naming them on stderr)\n");
	printf("      --srid=N              "
		   "geometry in EPSG:N, reprojected with PROJ\n"
		   "                            "
		   "(default: 4326, the feed's own coordinates)\n");
	printf("      --no-geometry         "
		   "no geometry loaded or derived (PostGIS not needed;\n"
		   "                            "
		   "geom columns, NULL, where the layout has them)\n");
	printf("      --stats               "
		   "fill the statistics' materialized views\n"
		   "                            "
		   "(stats_by_route_date...): a pass over the whole\n"
		   "                            "
		   "timetable (default: empty until REFRESHed)\n");
	printf("      --as-of=DATE          "
		   "the day the validator's rules take for today\n"
		   "                            "
		   "(expired_calendar...; default: today)\n");
	printf("      --no-validate         "
		   "skip the validator's rules (schema/rules/): the\n"
		   "                            "
		   "data and the notices of reading it only\n");
	printf("      --no-trip-screen      "
		   "the rules read every trip's stop times, not only\n"
		   "                            "
		   "those the screen of stop_times.txt flags (slower:\n"
		   "                            "
		   "the same notices, a check of the screen)\n");
	printf("      --drop                "
		   "remove the feeds FEED_ID... (schema, partitions,\n"
		   "                            registry row), each atomically\n");
	printf("      --attach=SERVER       "
		   "attach the feeds FEED_ID... that gtfs2pgsql\n"
		   "                            "
		   "loaded on foreign server SERVER (postgres_fdw,\n"
		   "                            "
		   "with your user mapping) to the cross-feed tables,\n"
		   "                            "
		   "or refresh them, each atomically; --drop detaches\n");
	printf("      --print-schema        "
		   "print the tables' SQL definitions and exit\n");
	printf("      --progress=WHEN       "
		   "a progress line on stderr: auto (when it is a\n"
		   "                            "
		   "terminal and not -q), always or never\n");
	printf("  -q, --quiet               no notices and no summary table\n");
	printf("  -V, --version             "
		   "output version information, then exit\n");
	printf("  -?, --help                show this help, then exit\n");
	connopt_help(stdout);
	printf("\nExit status (with several feeds, the highest of theirs):\n"
		   "  0 the feed was loaded, or skipped as unchanged "
		   "(--skip-unchanged); with\n"
		   "    --drop, the feeds were dropped; --help, --version, "
		   "--print-schema\n"
		   "  1 usage error, a feed that cannot be read or holds no GTFS "
		   "file, or with\n"
		   "    --strict a feed with errors; with --drop, no such feed "
		   "(the database is\n"
		   "    unchanged)\n"
		   "  2 could not connect to the database\n"
		   "  3 the database refused the load, the second connection's "
		   "load failed,\n"
		   "    or --wait ran out (the database is unchanged)\n"
		   "  4 the feed would replace one that had more (see --force): "
		   "refused, the\n"
		   "    old feed kept\n"
		   "  130, 143 canceled by SIGINT, SIGTERM before the commit "
		   "(the database is\n"
		   "    unchanged; after it, a signal cancels nothing)\n");
}

/* Everything the command line says. */
typedef struct
{
	LoadJob		job;			/* the run of one feed, or of each */
	char	  **feeds;			/* argv's FEEDs */
	int			nfeeds;
	long		jobs;			/* -j: feeds loaded at once */
	bool		split_given;	/* --split-min-size */
	char	   *plain_schema;	/* the schema made from --feed-id */
	char	  **ids;		/* --drop, --attach: the feed ids, ndrop */
	int			ndrop;
	const char *attach_server;	/* --attach: their server */
} Options;

/* A positive integer option; false (logged) if it is not one. */
static bool
parse_positive(const char *arg, const char *option, long max, long *out)
{
	char	   *end;

	*out = strtol(arg, &end, 10);
	if (*end != '\0' || end == arg || *out < 1 || *out > max)
	{
		log_error("invalid value \"%s\" for option %s", arg, option);
		return false;
	}
	return true;
}

/*
 * Reads the command line into o.  Returns -1 to go on, else the exit code
 * (after --help, --version, --print-schema or a usage error).
 */
static int
parse_options(int argc, char **argv, Options *o)
{
	static const struct option long_options[] = {
		CONNOPT_LONG,
		{"schema", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"report", required_argument, NULL, 1},
		{"max-errors", required_argument, NULL, 2},
		{"print-schema", no_argument, NULL, 3},
		{"srid", required_argument, NULL, 4},
		{"no-geometry", no_argument, NULL, 5},
		{"skip-invalid", no_argument, NULL, 6},
		{"strict", no_argument, NULL, 9},
		{"wait", required_argument, NULL, 10},
		{"feed-id", required_argument, NULL, 7},
		{"skip-unchanged", no_argument, NULL, 8},
		{"progress", required_argument, NULL, 11},
		{"drop", no_argument, NULL, 12},
		{"jobs", required_argument, NULL, 'j'},
		{"split-min-size", required_argument, NULL, 13},
		{"force", no_argument, NULL, 14},
		{"stats", no_argument, NULL, 15},
		{"as-of", required_argument, NULL, 16},
		{"no-validate", no_argument, NULL, 17},
		{"attach", required_argument, NULL, 18},
		{"no-trip-screen", no_argument, NULL, 19},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	LoadJob    *job = &o->job;
	long		seconds;
	int			c;

	if (cmdline_help_version(argc, argv, progname, help))
		return EXIT_OK;
	while ((c = getopt_long(argc, argv, ":" CONNOPT_SHORT "s:qj:V?",
							long_options, NULL)) != -1)
	{
		if (connopt_take(&job->db, c, optarg))
			continue;
		switch (c)
		{
			case 's':
				job->load.feed.schema = optarg;
				break;
			case 'q':
				job->quiet = true;
				break;
			case 1:
				job->report_path = optarg;
				break;
			case 2:
				if (!parse_positive(optarg, "--max-errors", 1000000000L,
									&job->load.max_errors))
					return cmdline_usage_error(progname);
				break;
			case 3:
				return feedschema_print(stdout) ? EXIT_OK : EXIT_BAD_INPUT;
			case 4:
				if (!parse_positive(optarg, "--srid", 999999L, &job->srid))
					return cmdline_usage_error(progname);
				break;
			case 5:
				job->geometry = false;
				break;
			case 6:
				log_error("--skip-invalid is gone: the default now loads "
						  "every row it can and records what is wrong in "
						  "import_notices");
				log_hint("--strict refuses a feed with errors instead");
				return EXIT_BAD_INPUT;
			case 9:
				job->load.strict = true;
				break;
			case 10:
				if (!parse_positive(optarg, "--wait", 1000000000L, &seconds))
					return cmdline_usage_error(progname);
				job->load.wait_seconds = (double) seconds;
				break;
			case 7:
				job->load.feed.feed_id = optarg;
				break;
			case 8:
				job->skip_unchanged = true;
				break;
			case 11:
				if (!progress_parse(optarg, &job->progress))
				{
					log_error("invalid value \"%s\" for option --progress "
							  "(auto, always or never)", optarg);
					return cmdline_usage_error(progname);
				}
				break;
			case 12:
				o->ndrop = -1;
				break;
			case 'j':
				if (!parse_positive(optarg, "--jobs", MAX_JOBS, &o->jobs))
					return cmdline_usage_error(progname);
				break;
			case 13:
				/* 0: always; off: never */
				if (strcmp(optarg, "0") == 0)
					job->load.split_min_size = 0;
				else if (strcmp(optarg, "off") == 0)
					job->load.split_min_size = -1;
				else if (!parse_positive(optarg, "--split-min-size", LONG_MAX,
										 &job->load.split_min_size))
					return cmdline_usage_error(progname);
				o->split_given = true;
				break;
			case 14:
				job->load.force = true;
				break;
			case 15:
				job->load.stats = true;
				break;
			case 16:
				if (!validate_as_of(optarg, job->load.as_of))
					return cmdline_usage_error(progname);
				break;
			case 17:
				job->load.validate = false;
				break;
			case 18:
				o->attach_server = optarg;
				break;
			case 19:
				job->load.every_trip = true;
				break;
			default:
				return cmdline_option_other(c, argv, progname, help);
		}
	}
	if (o->ndrop != 0 && o->attach_server)
	{
		log_error("--drop and --attach cannot be used together");
		return cmdline_usage_error(progname);
	}
	if (o->ndrop != 0 || o->attach_server)
	{
		o->ids = argv + optind;
		o->ndrop = argc - optind;
		if (o->ndrop > 0)
			return -1;
		log_error("%s needs the ids of the feeds", o->attach_server ?
				  "--attach" : "--drop");
		return cmdline_usage_error(progname);
	}
	if (optind >= argc)
	{
		log_error("no feed given");
		return cmdline_usage_error(progname);
	}
	o->feeds = argv + optind;
	o->nfeeds = argc - optind;
	if (o->nfeeds > 1)
	{
		if (job->report_path && report_html_wanted(job->report_path))
		{
			log_error("an HTML report is of one feed; with several, "
					  "--report writes JSON");
			return cmdline_usage_error(progname);
		}
		/* one line redrawn by several processes would be garbled */
		if (job->progress == PROGRESS_AUTO)
			job->progress = PROGRESS_NEVER;
		/* the names come from the files, checked by run_several */
		if (job->load.feed.schema == NULL && job->load.feed.feed_id == NULL)
			return -1;
		log_error("%s cannot be used with several feeds",
				  job->load.feed.schema ? "-s/--schema" : "--feed-id");
		log_hint("each feed's id and schema come from its file name");
		return cmdline_usage_error(progname);
	}
	job->feed_path = argv[optind];
	/* the schema named after a feed id is one queries need not quote */
	if (job->load.feed.schema == NULL && job->load.feed.feed_id)
	{
		o->plain_schema = feedname_plain(job->load.feed.feed_id,
										 strlen(job->load.feed.feed_id));
		if (o->plain_schema == NULL)
		{
			log_error("out of memory");
			return EXIT_BAD_INPUT;
		}
		if (!feedname_plain_ok(job->load.feed.feed_id, o->plain_schema))
		{
			log_hint("choose its schema with -s");
			return cmdline_usage_error(progname);
		}
	}
	job->schema_given = job->load.feed.schema != NULL;
	if (job->load.feed.schema == NULL)
		job->load.feed.schema = o->plain_schema;
	/* else both come from the file's name, as with several feeds (run_feed) */
	if (job->load.feed.schema && !feedname_check(job->load.feed.feed_id,
											 job->load.feed.schema))
	{
		log_hint("choose another name with %s", job->schema_given ?
				 "-s" : "--feed-id");
		return cmdline_usage_error(progname);
	}
	return -1;
}

static int
by_feed_id(const void *a, const void *b)
{
	return strcmp((*(const BatchFeed *const *) a)->feed_id,
				  (*(const BatchFeed *const *) b)->feed_id);
}

/*
 * Several feeds: each one's id, and schema, from its file name, all
 * checked before anything is loaded; then run_feeds.  Returns as
 * run_feeds does, *child saying whether in a worker process.
 */
static int
run_several(Options *o, bool *child)
{
	BatchFeed  *feeds = calloc((size_t) o->nfeeds, sizeof(BatchFeed));
	const BatchFeed **sorted = calloc((size_t) o->nfeeds,
									  sizeof(BatchFeed *));
	int			code = EXIT_BAD_INPUT;

	*child = false;
	if (feeds == NULL || sorted == NULL)
	{
		log_error("out of memory");
		goto cleanup;
	}
	for (int i = 0; i < o->nfeeds; i++)
	{
		char	   *file = feedname_shown(o->feeds[i]);

		feeds[i].file = file;
		if (file == NULL)
		{
			log_error("out of memory");
			goto cleanup;
		}
		feeds[i].feed_id = feeds[i].schema = feedname_from_file(file);
		if (feeds[i].feed_id == NULL)
		{
			log_error("out of memory");
			goto cleanup;
		}
		if (!feedname_plain_ok(file, feeds[i].feed_id))
		{
			log_hint("rename the file, or load it alone with --feed-id and "
					 "-s");
			code = cmdline_usage_error(progname);
			goto cleanup;
		}
		if (!feedname_check(feeds[i].feed_id, feeds[i].schema))
		{
			log_detail("the feed id of \"%s\" is \"%s\"", file,
					   feeds[i].feed_id);
			log_hint("rename the file, or load it alone with --feed-id");
			code = cmdline_usage_error(progname);
			goto cleanup;
		}
		if (o->job.report_path &&
			run_report_is_feed(o->job.report_path, o->feeds[i]))
			goto cleanup;
		sorted[i] = &feeds[i];
	}
	/* one feed would replace the other */
	qsort(sorted, (size_t) o->nfeeds, sizeof(*sorted), by_feed_id);
	for (int i = 1; i < o->nfeeds; i++)
		if (strcmp(sorted[i - 1]->feed_id, sorted[i]->feed_id) == 0)
		{
			log_error("feeds \"%s\" and \"%s\" would both be feed \"%s\"",
					  sorted[i - 1]->file, sorted[i]->file,
					  sorted[i]->feed_id);
			log_hint("load one of them alone, with --feed-id");
			code = cmdline_usage_error(progname);
			goto cleanup;
		}
	/* N feeds at once keep N cores busy: no second connection each */
	if (o->jobs > 1 && !o->split_given)
		o->job.load.split_min_size = -1;
	code = run_feeds(&o->job, feeds, o->feeds, o->nfeeds, (int) o->jobs,
					 child);

cleanup:
	for (int i = 0; feeds && i < o->nfeeds; i++)
	{
		free((char *) feeds[i].file);
		free((char *) feeds[i].feed_id);
	}
	free(feeds);
	free(sorted);
	return code;
}

int
main(int argc, char **argv)
{
	Options		o = {0};
	int			code;

	log_init(progname);
	o.job.db.progname = progname;
	o.job.load.max_errors = 100;
	o.job.load.wait_seconds = -1;
	o.job.load.split_min_size = SPLIT_MIN_SIZE;
	o.job.load.validate = true;
	/* one "today" for every feed of the run, however long it lasts */
	if (!validate_as_of(NULL, o.job.load.as_of))
		return EXIT_BAD_INPUT;
	o.job.srid = 4326;
	o.job.geometry = true;
	o.jobs = 1;
	code = parse_options(argc, argv, &o);
	if (code >= 0)
	{
		free(o.plain_schema);
		return code;
	}
	log_set_quiet(o.job.quiet);
	if (o.attach_server)
		code = remote_attach_feeds(&o.job.db, o.attach_server, o.ids,
								   o.ndrop, o.job.load.wait_seconds);
	else if (o.ndrop > 0)
		code = drop_feeds(&o.job.db, o.ids, o.ndrop,
						  o.job.load.wait_seconds);
	else if (o.nfeeds > 1)
	{
		bool		child;

		/* a worker process ends here too, when it has no more feeds */
		code = run_several(&o, &child);
	}
	else
		code = run_feed(&o.job, NULL, NULL);
	free(o.plain_schema);
	return code;
}
