/*
 * main.c: the command line of gtfs2pgsql.
 *
 * Options are read like PostgreSQL's createdb: --help and --version first,
 * then getopt_long; the work is load_feed's, or with several feeds
 * batch_run's, whose workers run the one-feed path once per feed.
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "batch.h"
#include "catalog.h"
#include "connopt.h"
#include "convert.h"
#include "db.h"
#include "ddl.h"
#include "feeds.h"
#include "feedschema.h"
#include "feedname.h"
#include "geom.h"
#include "load.h"
#include "log.h"
#include "progress.h"
#include "report.h"
#include "report_html.h"
#include "side.h"
#include "source.h"
#include "swap.h"
#include "trust.h"
#include "version.h"

#define REGISTRY_SCHEMA "gtfs2pgsql"	/* see feeds.h */
#define NAME_MAX_BYTES	63		/* PostgreSQL cuts longer names */
#define MAX_JOBS		100		/* the server's default max_connections */

/* Exit codes, also listed in --help and the README. */
#define EXIT_OK			0
#define EXIT_BAD_INPUT	1		/* usage error or invalid feed */
#define EXIT_BADCONN	2		/* could not connect */
#define EXIT_DB_FAILED	3		/* the database refused the load */
#define EXIT_SHRINKS	4		/* the feed would replace one that had more
								 * (replace.h): refused unless --force */
#define EXIT_SIGNAL		128		/* + the signal that canceled the load */
#define SPLIT_MIN_SIZE	(1 << 20)	/* --split-min-size's default: see
										 * README.md */

static const char *progname = "gtfs2pgsql";

static void
help(void)
{
	printf("%s loads a GTFS Schedule feed into PostgreSQL.\n\n", progname);
	printf("Usage:\n  %s [OPTION]... FEED...\n", progname);
	printf("  %s [OPTION]... --drop FEED_ID...\n\n", progname);
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
	printf("      --drop                "
		   "remove the feeds FEED_ID... (schema, partitions,\n"
		   "                            registry row), each atomically\n");
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

/* The feed's file or folder name without the path, for the report. */
static const char *
base_name(char *path)
{
	size_t		len = strlen(path);
	char	   *slash;

	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/*
 * The schema and the feed id may be neither empty nor the registry's, and
 * the schema's name must be one the server takes, checked before anything
 * is loaded (the server would refuse it only at the swap): not cut (two
 * long names would be one schema), not one of the system's, UTF-8 like
 * everything we send.  Logged, then the caller's hint, when not.
 */
static bool
names_ok(const FeedRecord *feed)
{
	if (feed->schema[0] == '\0' || (feed->feed_id && feed->feed_id[0] == '\0'))
	{
		log_error("the schema and the feed id may not be empty");
		return false;
	}
	if (!conv_utf8_valid(feed->schema, strlen(feed->schema)) ||
		(feed->feed_id &&
		 !conv_utf8_valid(feed->feed_id, strlen(feed->feed_id))))
	{
		log_error("the schema and the feed id must be UTF-8");
		return false;
	}
	if (strncmp(feed->schema, "pg_", 3) == 0)
	{
		log_error("schema \"%s\": names that begin with \"pg_\" are "
				  "PostgreSQL's own", feed->schema);
		return false;
	}
	/* gtfs2pgsql, gtfs2pgsql_data_N, gtfs2pgsql_dropped are the layout's */
	if (strncmp(feed->schema, REGISTRY_SCHEMA, strlen(REGISTRY_SCHEMA)) == 0)
	{
		log_error("schema \"%s\": names that begin with \"%s\" are "
				  "gtfs2pgsql's own", feed->schema, REGISTRY_SCHEMA);
		return false;
	}
	if (strlen(feed->schema) > NAME_MAX_BYTES)
	{
		log_error("schema name \"%s\" is longer than %d bytes",
				  feed->schema, NAME_MAX_BYTES);
		return false;
	}
	return true;
}

/*
 * Whether name, the plain name made of source (a file's name or a feed
 * id), names it well enough to be its feed's: not mostly "_" (feedname.h),
 * which another's would make too.  Logged when not.
 */
static bool
plain_name_ok(const char *source, const char *name)
{
	if (!feedname_vague(source))
		return true;
	log_error("\"%s\" makes the name \"%s\", mostly \"_\" for characters "
			  "a plain name cannot hold: another's would make it too, and "
			  "replace its feed", source, name);
	return false;
}

/* Whether the report would be written over the feed itself (logged). */
static bool
report_is_feed(const char *report, const char *feed)
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

/* Everything the command line says. */
typedef struct
{
	DbParams	db;
	LoadOptions load;
	char	  **feeds;			/* argv's FEEDs */
	int			nfeeds;
	long		jobs;			/* -j: feeds loaded at once */
	bool		split_given;	/* --split-min-size */
	char	   *feed_path;		/* argv's: base_name may trim it */
	const char *report_path;
	const char *tag;			/* with several feeds, the feed's id */
	long		srid;
	bool		geometry;
	bool		skip_unchanged;
	bool		quiet;
	ProgressMode progress;
	char	   *plain_schema;	/* the schema made from --feed-id */
	bool		schema_given;	/* -s */
	char	  **drop_ids;		/* --drop: the feed ids, ndrop of them */
	int			ndrop;
} Options;

/*
 * What getopt_long, quiet (opterr 0), found wrong: c '?' an unknown
 * option or an argument where none is taken, ':' a missing argument;
 * arg the argument it was reading, which names a long option.  Logged.
 */
static void
option_error(int c, const char *arg)
{
	/* a short option's letter; a long one's value is below ' ', or 0 */
	if (c == ':' && strncmp(arg, "--", 2) == 0)
		log_error("option \"%s\" requires an argument", arg);
	else if (optopt > ' ' && optopt < 127)
		log_error(c == ':' ? "option requires an argument -- '%c'" :
				  "invalid option -- '%c'", optopt);
	else if (c == ':')
		log_error("option \"%s\" requires an argument", arg);
	else if (optopt != 0)
		log_error("option \"%.*s\" takes no argument",
				  (int) strcspn(arg, "="), arg);
	else
		log_error("unrecognized option \"%s\"", arg);
}

static int
usage_error(void)
{
	fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
	return EXIT_BAD_INPUT;
}

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
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	long		seconds;
	int			c;

	if (argc > 1 &&
		(strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		help();
		return EXIT_OK;
	}
	if (argc > 1 &&
		(strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		printf("%s %s\n", progname, GTFS2PGSQL_VERSION);
		return EXIT_OK;
	}
	/* getopt's own messages would name argv[0], a path: ours name us */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":" CONNOPT_SHORT "s:qj:V?",
							long_options, NULL)) != -1)
	{
		if (connopt_take(&o->db, c, optarg))
			continue;
		switch (c)
		{
			case 's':
				o->load.feed.schema = optarg;
				break;
			case 'q':
				o->quiet = true;
				break;
			case 1:
				o->report_path = optarg;
				break;
			case 2:
				if (!parse_positive(optarg, "--max-errors", 1000000000L,
									&o->load.max_errors))
					return usage_error();
				break;
			case 3:
				return feedschema_print(stdout) ? EXIT_OK : EXIT_BAD_INPUT;
			case 4:
				if (!parse_positive(optarg, "--srid", 999999L, &o->srid))
					return usage_error();
				break;
			case 5:
				o->geometry = false;
				break;
			case 6:
				log_error("--skip-invalid is gone: the default now loads "
						  "every row it can and records what is wrong in "
						  "import_notices");
				log_hint("--strict refuses a feed with errors instead");
				return EXIT_BAD_INPUT;
			case 9:
				o->load.strict = true;
				break;
			case 10:
				if (!parse_positive(optarg, "--wait", 1000000000L, &seconds))
					return usage_error();
				o->load.wait_seconds = (double) seconds;
				break;
			case 7:
				o->load.feed.feed_id = optarg;
				break;
			case 8:
				o->skip_unchanged = true;
				break;
			case 11:
				if (!progress_parse(optarg, &o->progress))
				{
					log_error("invalid value \"%s\" for option --progress "
							  "(auto, always or never)", optarg);
					return usage_error();
				}
				break;
			case 12:
				o->ndrop = -1;
				break;
			case 'j':
				if (!parse_positive(optarg, "--jobs", MAX_JOBS, &o->jobs))
					return usage_error();
				break;
			case 13:
				/* 0: always; off: never */
				if (strcmp(optarg, "0") == 0)
					o->load.split_min_size = 0;
				else if (strcmp(optarg, "off") == 0)
					o->load.split_min_size = -1;
				else if (!parse_positive(optarg, "--split-min-size", LONG_MAX,
										 &o->load.split_min_size))
					return usage_error();
				o->split_given = true;
				break;
			case 14:
				o->load.force = true;
				break;
			case 'V':
				printf("%s %s\n", progname, GTFS2PGSQL_VERSION);
				return EXIT_OK;
			case '?':
				if (optopt == 0 && strcmp(argv[optind - 1], "-?") == 0)
				{
					help();
					return EXIT_OK;
				}
				option_error(c, argv[optind - 1]);
				return usage_error();
			case ':':
				option_error(c, argv[optind - 1]);
				return usage_error();
			default:
				return usage_error();
		}
	}
	if (o->ndrop != 0)
	{
		o->drop_ids = argv + optind;
		o->ndrop = argc - optind;
		if (o->ndrop > 0)
			return -1;
		log_error("--drop needs the ids of the feeds to drop");
		return usage_error();
	}
	if (optind >= argc)
	{
		log_error("no feed given");
		return usage_error();
	}
	o->feeds = argv + optind;
	o->nfeeds = argc - optind;
	if (o->nfeeds > 1)
	{
		if (o->report_path && report_html_wanted(o->report_path))
		{
			log_error("an HTML report is of one feed; with several, "
					  "--report writes JSON");
			return usage_error();
		}
		/* one line redrawn by several processes would be garbled */
		if (o->progress == PROGRESS_AUTO)
			o->progress = PROGRESS_NEVER;
		/* the names come from the files, checked by run_several */
		if (o->load.feed.schema == NULL && o->load.feed.feed_id == NULL)
			return -1;
		log_error("%s cannot be used with several feeds",
				  o->load.feed.schema ? "-s/--schema" : "--feed-id");
		log_hint("each feed's id and schema come from its file name");
		return usage_error();
	}
	o->feed_path = argv[optind];
	/* the schema named after a feed id is one queries need not quote */
	if (o->load.feed.schema == NULL && o->load.feed.feed_id)
	{
		o->plain_schema = feedname_plain(o->load.feed.feed_id,
										 strlen(o->load.feed.feed_id));
		if (o->plain_schema == NULL)
		{
			log_error("out of memory");
			return EXIT_BAD_INPUT;
		}
		if (!plain_name_ok(o->load.feed.feed_id, o->plain_schema))
		{
			log_hint("choose its schema with -s");
			return usage_error();
		}
	}
	o->schema_given = o->load.feed.schema != NULL;
	if (o->load.feed.schema == NULL)
		o->load.feed.schema = o->plain_schema;
	/* else both come from the file's name, as with several feeds (run) */
	if (o->load.feed.schema && !names_ok(&o->load.feed))
	{
		log_hint("choose another name with %s", o->schema_given ?
				 "-s" : "--feed-id");
		return usage_error();
	}
	return -1;
}

/*
 * The file name of the feed at path as shown (bytes that are not UTF-8 as
 * \xHH, valid in SQL), malloc'd; NULL (logged) when out of memory.
 */
static char *
shown_file_name(char *path)
{
	const char *name = base_name(path);
	char	   *shown_name = NULL;
	Buf			shown;

	if (conv_utf8_valid(name, strlen(name)))
		shown_name = strdup(name);
	else
	{
		buf_init(&shown, 4096);
		if (conv_utf8_show(&shown, name, strlen(name)))
			shown_name = strdup(shown.data);
		buf_free(&shown);
	}
	if (shown_name == NULL)
		log_error("out of memory");
	return shown_name;
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
say_loaded(const Options *o, const Report *rep)
{
	for (int i = 0; i < rep->nreplaced; i++)
	{
		const ReportReplaced *old = &rep->replaced[i];

		log_notice("replaced feed \"%s\" of schema \"%s\", loaded from "
				   "%s at %s", old->feed_id, old->schema, old->file,
				   old->imported_at);
	}
	/* with several feeds, their summary names each one's schema */
	if (o->tag != NULL)
		return;
	if (rep->nreplaced > 0 && !o->quiet)
		report_print_replaced(rep, stderr);
	/* the id is the registry's, the schema is what queries name */
	log_notice("feed id \"%s\" loaded into schema \"%s\"",
			   o->load.feed.feed_id, o->load.feed.schema);
}

/*
 * The report of a feed skipped as unchanged (--skip-unchanged), which
 * says so; false (logged) when it could not be written.
 */
static bool
write_skipped_report(const Options *o, PGconn *conn, Report *rep,
					 ReportSink *report)
{
	rep->skipped = true;
	report_finish(rep);
	return report_html_wanted(o->report_path) ?
		report_html_write(conn, rep, o->load.feed.feed_id,
						  o->load.feed.schema, o->geometry, report) :
		report_write_json(rep, report);
}

/*
 * The signal that came after the last commit, which canceled nothing:
 * said, with what is done.
 */
static void
warn_signal_after_commit(const char *done)
{
	int			sig = db_signal_after_commit();

	if (sig)
		log_warning("%s came after the commit: %s",
					sig == SIGINT ? "SIGINT" : "SIGTERM", done);
}

/*
 * Reads, connects and loads; the exit code.  result, when not NULL, gets
 * what the summary of several feeds shows.  With given, a connection whose
 * signals the caller catches, the load runs on it and leaves it open.
 */
static int
run(Options *o, BatchResult *result, PGconn *given)
{
	FeedSource *src = NULL;
	PGconn	   *conn = NULL;
	Report		rep;
	char		sha256[65] = "";
	ReportSink	report = {0};
	int			usable;
	char		options[128];
	char	   *default_id = NULL;
	char	   *shown_name = NULL;
	LoadStatus	status = LOAD_BAD_INPUT;
	int			code = EXIT_BAD_INPUT;

	report_init(&rep, "");
	o->load.feed.file_name = shown_name = shown_file_name(o->feed_path);
	if (shown_name == NULL)
		goto cleanup;
	log_set_feed(o->load.feed.file_name);
	rep.feed = o->load.feed.file_name;
	if (o->load.feed.feed_id == NULL)
	{
		/*
		 * One feed per schema: -s names the feed too; else the file names
		 * both, as it does each of several feeds
		 */
		o->load.feed.feed_id = default_id = o->schema_given ?
			strdup(o->load.feed.schema) :
			feedname_from_file(o->load.feed.file_name);
		if (default_id == NULL)
		{
			log_error("out of memory");
			goto cleanup;
		}
		if (o->load.feed.schema == NULL)
			o->load.feed.schema = default_id;
		if (!o->schema_given &&
			!plain_name_ok(o->load.feed.file_name, default_id))
		{
			log_hint("name the feed with --feed-id and its schema with -s");
			goto cleanup;
		}
		if (!names_ok(&o->load.feed))
		{
			log_hint("name the feed with --feed-id, or its schema with -s");
			goto cleanup;
		}
	}
	rep.feed_id = o->load.feed.feed_id;
	rep.schema = o->load.feed.schema;
	if (o->report_path &&
		(report_is_feed(o->report_path, o->feed_path) ||
		 !report_open(&report, o->report_path)))
		goto cleanup;
	snprintf(options, sizeof(options), "srid=%ld geometry=%s strict=%s",
			 o->geometry ? o->srid : 0, o->geometry ? "yes" : "no",
			 o->load.strict ? "yes" : "no");
	o->load.feed.options = options;
	o->load.feed.sha256 = sha256;
	o->load.feed.version = GTFS2PGSQL_VERSION;

	/* an unknown SRID is refused before anything is read or sent */
	o->load.srid = (int) o->srid;
	if (o->geometry)
	{
		o->load.geom = geom_create((int) o->srid);
		if (o->load.geom == NULL)
			goto cleanup;
	}
	warn_folder_of_zips(o->feed_path);
	src = source_open(o->feed_path);
	if (src == NULL || !holds_gtfs_file(src, o->load.feed.file_name) ||
		!source_sha256(src, sha256))
		goto cleanup;
	conn = given ? given : db_connect(&o->db);
	if (conn == NULL)
	{
		code = EXIT_BADCONN;
		goto cleanup;
	}
	/*
	 * Before anything reads the registry: what another role made is
	 * refused (trust.h), and so is a schema that is not ours
	 */
	usable = trust_load_allowed(conn, o->load.feed.schema, o->geometry);
	if (usable > 0)
		usable = feeds_schema_usable(conn, o->load.feed.schema);
	if (usable <= 0)
	{
		code = usable == 0 ? EXIT_BAD_INPUT : EXIT_DB_FAILED;
		goto cleanup;
	}
	if (o->skip_unchanged)
	{
		int			unchanged = feeds_unchanged(conn, &o->load.feed);

		if (unchanged != 0)
		{
			if (unchanged > 0)
				log_notice("feed \"%s\" is unchanged "
						   "(SHA-256 %.12s...): skipped",
						   o->load.feed.feed_id, sha256);
			if (result)
				result->skipped = unchanged > 0;
			code = unchanged > 0 ? EXIT_OK : EXIT_DB_FAILED;
			if (unchanged > 0 && o->report_path &&
				!write_skipped_report(o, conn, &rep, &report))
				code = EXIT_BAD_INPUT;
			goto cleanup;
		}
	}
	if (!given)
		db_catch_signals(conn);
	/* -q wants a quiet stderr, unless the line is asked for */
	progress_start(o->quiet && o->progress == PROGRESS_AUTO ?
				   PROGRESS_NEVER : o->progress);
	status = load_feed(conn, src, &o->load, &rep);
	progress_end();
	report_finish(&rep);
	if (db_canceled())
	{
		fprintf(stderr, "%s: %s%scanceled; the database is unchanged\n",
				progname, o->tag ? o->tag : "", o->tag ? ": " : "");
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
		if (!o->quiet && o->tag == NULL)
			report_print_table(&rep, stderr);
		say_loaded(o, &rep);
		if (o->report_path &&
			!(report_html_wanted(o->report_path) ?
			  report_html_write(conn, &rep, o->load.feed.feed_id,
								o->load.feed.schema, o->geometry, &report) :
			  report_write_json(&rep, &report)))
		{
			log_detail("the feed was loaded all the same");
			status = LOAD_BAD_INPUT;
		}
	}
	/* the comparison that made the load refused */
	if (status == LOAD_SHRINKS && !o->quiet && o->tag == NULL)
		report_print_replaced(&rep, stderr);
	code = status == LOAD_OK ? EXIT_OK :
		status == LOAD_BAD_INPUT ? EXIT_BAD_INPUT :
		status == LOAD_SHRINKS ? EXIT_SHRINKS : EXIT_DB_FAILED;
	if (status == LOAD_OK)
		warn_signal_after_commit("the feed is loaded");

cleanup:
	/* caught to the end: a signal after the commit ends nothing */
	if (!given && conn)
		db_release_signals();
	if (!given)
		PQfinish(conn);
	source_close(src);
	geom_destroy(o->load.geom);
	report_discard(&report);
	report_free(&rep);
	free(default_id);
	free(shown_name);
	return code;
}

/* --drop: each feed in a transaction of its own; the exit code. */
static int
run_drop(Options *o)
{
	PGconn	   *conn = db_connect(&o->db);
	int			code = EXIT_OK;

	if (conn == NULL)
		return EXIT_BADCONN;
	/* the registry is read only once it is known to be ours */
	switch (trust_load_allowed(conn, NULL, false))
	{
		case 0:
			PQfinish(conn);
			return EXIT_BAD_INPUT;
		case -1:
			PQfinish(conn);
			return EXIT_DB_FAILED;
	}
	db_catch_signals(conn);
	/* the orphans of side loads killed after their commit (side.h) */
	if (!side_clean(conn))
		code = EXIT_DB_FAILED;
	for (int i = 0; i < o->ndrop && !db_canceled(); i++)
	{
		SwapStatus	status = SWAP_FAILED;

		db_set_step(o->drop_ids[i]);
		if (db_begin(conn))
			status = swap_drop_feed(conn, o->drop_ids[i],
									o->load.wait_seconds);
		if (status == SWAP_OK && db_commit(conn))
			log_notice("feed \"%s\" dropped", o->drop_ids[i]);
		else
		{
			PQclear(PQexec(conn, "ROLLBACK"));
			if (code != EXIT_DB_FAILED)
				code = status == SWAP_REFUSED ? EXIT_BAD_INPUT :
					EXIT_DB_FAILED;
		}
	}
	if (db_canceled())
		code = EXIT_SIGNAL + db_canceled();
	else
	{
		swap_clear_dropped(conn);
		warn_signal_after_commit("the feeds are dropped");
	}
	db_release_signals();
	PQfinish(conn);
	return code;
}

/* What each worker of run_several needs. */
typedef struct
{
	Options    *options;
	const BatchFeed *feeds;
	PGconn	   *conn;			/* the worker's, kept from feed to feed */
} Several;

/*
 * Feed number feed of several, in a worker process: run with its names,
 * on the worker's connection, made anew when the last one broke.
 */
static int
load_one(int feed, const char *report_path, BatchResult *result, void *arg)
{
	Several    *several = arg;
	Options    *o = several->options;

	o->feed_path = o->feeds[feed];
	o->load.feed.feed_id = several->feeds[feed].feed_id;
	o->load.feed.schema = several->feeds[feed].schema;
	o->report_path = report_path;
	o->tag = o->load.feed.feed_id;
	log_set_tag(o->tag);
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
		several->conn = db_connect(&o->db);
		if (several->conn == NULL)
			return EXIT_BADCONN;
		/* caught from feed to feed: a signal between two ends the worker */
		db_catch_signals(several->conn);
	}
	return run(o, result, several->conn);
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

static int
by_feed_id(const void *a, const void *b)
{
	return strcmp((*(const BatchFeed *const *) a)->feed_id,
				  (*(const BatchFeed *const *) b)->feed_id);
}

/*
 * Several feeds: each one's id, and schema, from its file name, all
 * checked before anything is loaded, with the connection; then batch_run.
 * Returns as batch_run does, *child saying whether in a worker process.
 */
static int
run_several(Options *o, bool *child)
{
	BatchFeed  *feeds = calloc((size_t) o->nfeeds, sizeof(BatchFeed));
	const BatchFeed **sorted = calloc((size_t) o->nfeeds,
									  sizeof(BatchFeed *));
	Several		several = {o, feeds, NULL};
	char	   *password = NULL;
	ReportSink	report;
	PGconn	   *conn;
	int			code = EXIT_BAD_INPUT;

	*child = false;
	if (feeds == NULL || sorted == NULL)
	{
		log_error("out of memory");
		goto cleanup;
	}
	for (int i = 0; i < o->nfeeds; i++)
	{
		FeedRecord	names = {0};
		char	   *file = shown_file_name(o->feeds[i]);

		feeds[i].file = file;
		if (file == NULL)
			goto cleanup;
		feeds[i].feed_id = feeds[i].schema = feedname_from_file(file);
		feeds[i].bytes = feed_bytes(o->feeds[i]);
		if (feeds[i].feed_id == NULL)
		{
			log_error("out of memory");
			goto cleanup;
		}
		names.feed_id = names.schema = feeds[i].feed_id;
		if (!plain_name_ok(file, feeds[i].feed_id))
		{
			log_hint("rename the file, or load it alone with --feed-id and "
					 "-s");
			code = usage_error();
			goto cleanup;
		}
		if (!names_ok(&names))
		{
			log_detail("the feed id of \"%s\" is \"%s\"", file,
					   feeds[i].feed_id);
			log_hint("rename the file, or load it alone with --feed-id");
			code = usage_error();
			goto cleanup;
		}
		if (o->report_path && report_is_feed(o->report_path, o->feeds[i]))
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
			code = usage_error();
			goto cleanup;
		}
	/* what every feed would refuse is said once */
	if (o->geometry)
	{
		Geom	   *geom = geom_create((int) o->srid);

		if (geom == NULL)
			goto cleanup;
		geom_destroy(geom);
	}
	if (o->report_path && strcmp(o->report_path, "-") != 0)
	{
		if (!report_open(&report, o->report_path))
			goto cleanup;
		report_discard(&report);
	}
	conn = db_connect(&o->db);
	if (conn == NULL)
	{
		code = EXIT_BADCONN;
		goto cleanup;
	}
	/* a password asked for once serves every feed */
	if (PQconnectionUsedPassword(conn))
	{
		password = strdup(PQpass(conn));
		o->db.password = password;
	}
	PQfinish(conn);
	/* N feeds at once keep N cores busy: no second connection each */
	if (o->jobs > 1 && !o->split_given)
		o->load.split_min_size = -1;
	code = batch_run(feeds, o->nfeeds, (int) o->jobs, o->report_path,
					 o->quiet, load_one, &several, child);
	if (several.conn)
	{
		db_release_signals();
		PQfinish(several.conn);
	}

cleanup:
	for (int i = 0; feeds && i < o->nfeeds; i++)
	{
		free((char *) feeds[i].file);
		free((char *) feeds[i].feed_id);
	}
	free(feeds);
	free(sorted);
	free(password);
	return code;
}

int
main(int argc, char **argv)
{
	Options		o = {0};
	int			code;

	log_init(progname);
	o.db.progname = progname;
	o.load.max_errors = 100;
	o.load.wait_seconds = -1;
	o.load.split_min_size = SPLIT_MIN_SIZE;
	o.srid = 4326;
	o.geometry = true;
	o.jobs = 1;
	code = parse_options(argc, argv, &o);
	if (code >= 0)
	{
		free(o.plain_schema);
		return code;
	}
	log_set_quiet(o.quiet);
	if (o.ndrop > 0)
		code = run_drop(&o);
	else if (o.nfeeds > 1)
	{
		bool		child;

		/* a worker process ends here too, when it has no more feeds */
		code = run_several(&o, &child);
	}
	else
		code = run(&o, NULL, NULL);
	free(o.plain_schema);
	return code;
}
