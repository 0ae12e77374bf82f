/*
 * main.c: the command line of pgsql2gtfs, which writes a feed that
 * gtfs2pgsql loaded back out as a GTFS zip; the work is export_feed's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmdline.h"
#include "connopt.h"
#include "db.h"
#include "exitcode.h"
#include "export.h"
#include "log.h"

static const char *progname = "pgsql2gtfs";

static void
help(void)
{
	printf("%s writes a feed loaded by gtfs2pgsql back as a GTFS zip.\n\n",
		   progname);
	printf("Usage:\n  %s [OPTION]... OUTPUT\n\n", progname);
	printf("OUTPUT is a zip file, - for stdout, or a folder (a name ending "
		   "in /, or\none that exists) to hold the .txt files.\n\n");
	printf("Options:\n");
	printf("  -s, --schema=NAME         "
		   "the feed's schema (default: gtfs)\n");
	printf("      --feed-id=ID          "
		   "the feed of this id in gtfs2pgsql.feeds\n");
	printf("      --from=DATE           "
		   "only services running on or after DATE\n"
		   "                            "
		   "(YYYY-MM-DD or YYYYMMDD), calendars clipped\n");
	printf("      --to=DATE             "
		   "only services running on or before DATE\n");
	printf("      --bbox=MINLON,MINLAT,MAXLON,MAXLAT\n"
		   "                            "
		   "only trips calling at a stop in the box\n");
	printf("      --route=ID            "
		   "only this route's trips (repeatable)\n");
	printf("  -q, --quiet               no summary\n");
	printf("  -V, --version             "
		   "output version information, then exit\n");
	printf("  -?, --help                show this help, then exit\n");
	printf("\nCuts keep whole trips and what they use (stops and their "
		   "stations,\nroutes, agencies, shapes, services, ...): the "
		   "result is a consistent feed.\n");
	connopt_help(stdout);
	printf("\nOn any failure OUTPUT is left as it was.  A folder is replaced "
		   "whole: files\nan export does not write are gone; one holding "
		   "anything but .txt and\n.geojson files is refused.\n");
	printf("\nExit status:\n"
		   "  0 the feed was written\n"
		   "  1 usage error, no such feed, a relation refused, or OUTPUT "
		   "could not be\n"
		   "    written\n"
		   "  2 could not connect to the database\n"
		   "  3 the database failed\n"
		   "  129, 130, 131, 143 killed by SIGHUP, SIGINT, SIGQUIT, SIGTERM "
		   "(as the\n"
		   "    shell shows it), temporary files removed\n");
}

/*
 * A date as YYYY-MM-DD or YYYYMMDD into out as YYYY-MM-DD; false (logged)
 * when it is not a day of the calendar.
 */
static bool
parse_date(const char *arg, const char *option, char out[11])
{
	struct tm	tm = {0};
	int			y = 0,
				m = 0,
				d = 0;
	char		end;
	time_t		t;

	if (sscanf(arg, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 &&
		(strlen(arg) != 8 ||
		 sscanf(arg, "%4d%2d%2d%c", &y, &m, &d, &end) != 3))
		y = 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = y > 0 ? timegm(&tm) : -1;
	if (t == -1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 ||
		tm.tm_mday != d)
	{
		log_error("invalid date \"%s\" for option %s", arg, option);
		return false;
	}
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned) y % 10000u,
			 (unsigned) m % 100u, (unsigned) d % 100u);
	return true;
}

/* MINLON,MINLAT,MAXLON,MAXLAT; false (logged) when it is not a box. */
static bool
parse_bbox(const char *arg, double box[4])
{
	const char *p = arg;
	char	   *end;

	for (int i = 0; i < 4; i++)
	{
		box[i] = strtod(p, &end);
		if (end == p || *end != (i < 3 ? ',' : '\0'))
			break;
		p = end + 1;
		if (i < 3)
			continue;
		if (box[0] <= box[2] && box[1] <= box[3] && box[0] >= -180 &&
			box[2] <= 180 && box[1] >= -90 && box[3] <= 90)
			return true;
	}
	log_error("invalid value \"%s\" for option --bbox", arg);
	log_hint("give MINLON,MINLAT,MAXLON,MAXLAT in degrees");
	return false;
}

/* Everything the command line says. */
typedef struct
{
	DbParams	db;
	ExportOptions out;
	const char **routes;		/* argc of them at most */
	char		from[11];
	char		to[11];
	bool		quiet;
} Options;

/*
 * Reads the command line into o.  Returns -1 to go on, else the exit code
 * (after --help, --version or a usage error).
 */
static int
parse_options(int argc, char **argv, Options *o)
{
	static const struct option long_options[] = {
		CONNOPT_LONG,
		{"schema", required_argument, NULL, 's'},
		{"feed-id", required_argument, NULL, 1},
		{"from", required_argument, NULL, 2},
		{"to", required_argument, NULL, 3},
		{"bbox", required_argument, NULL, 4},
		{"route", required_argument, NULL, 5},
		{"quiet", no_argument, NULL, 'q'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	if (cmdline_help_version(argc, argv, progname, help))
		return EXIT_OK;
	while ((c = getopt_long(argc, argv, ":" CONNOPT_SHORT "s:qV?",
							long_options, NULL)) != -1)
	{
		if (connopt_take(&o->db, c, optarg))
			continue;
		switch (c)
		{
			case 's':
				o->out.schema = optarg;
				break;
			case 1:
				o->out.feed_id = optarg;
				break;
			case 2:
				if (!parse_date(optarg, "--from", o->from))
					return cmdline_usage_error(progname);
				o->out.from = o->from;
				break;
			case 3:
				if (!parse_date(optarg, "--to", o->to))
					return cmdline_usage_error(progname);
				o->out.to = o->to;
				break;
			case 4:
				if (!parse_bbox(optarg, o->out.box))
					return cmdline_usage_error(progname);
				o->out.bbox = true;
				break;
			case 5:
				o->routes[o->out.nroutes++] = optarg;
				break;
			case 'q':
				o->quiet = true;
				break;
			default:
				return cmdline_option_other(c, argv, progname, help);
		}
	}
	if (optind != argc - 1)
	{
		if (optind >= argc)
			log_error("no output given");
		else
			log_error("too many command-line arguments (first is \"%s\")",
					  argv[optind + 1]);
		return cmdline_usage_error(progname);
	}
	o->out.output = argv[optind];
	if (o->out.schema && o->out.feed_id)
	{
		log_error("give -s or --feed-id, not both");
		return cmdline_usage_error(progname);
	}
	if (o->out.schema == NULL && o->out.feed_id == NULL)
		o->out.schema = "gtfs";
	if (o->out.from && o->out.to && strcmp(o->out.from, o->out.to) > 0)
	{
		log_error("--from %s is after --to %s", o->out.from, o->out.to);
		return cmdline_usage_error(progname);
	}
	o->out.routes = o->routes;
	return -1;
}

int
main(int argc, char **argv)
{
	Options		o = {0};
	PGconn	   *conn;
	ExportStatus status;
	long long	rows;
	int			files;
	int			code;

	log_init(progname);
	o.db.progname = progname;
	o.routes = calloc((size_t) argc, sizeof(char *));
	if (o.routes == NULL)
	{
		log_error("out of memory");
		return EXIT_BAD_INPUT;
	}
	code = parse_options(argc, argv, &o);
	if (code >= 0)
	{
		free(o.routes);
		return code;
	}
	log_set_quiet(o.quiet);
	conn = db_connect(&o.db);
	if (conn == NULL)
	{
		free(o.routes);
		return EXIT_BADCONN;
	}
	export_catch_signals(conn, progname);
	status = export_feed(conn, &o.out, &rows, &files);
	export_release_signals();
	if (status == EXPORT_OK)
	{
		log_notice("%d files, %lld rows written to %s", files, rows,
				   strcmp(o.out.output, "-") == 0 ? "stdout" : o.out.output);
		code = EXIT_OK;
	}
	else
		code = status == EXPORT_BAD_INPUT ? EXIT_BAD_INPUT : EXIT_DB_FAILED;
	PQfinish(conn);
	free(o.routes);
	return code;
}
