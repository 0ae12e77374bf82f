/*
 * main.c: the command line of gtfs2pgsql.
 *
 * Options are read like PostgreSQL's createdb: --help and --version first,
 * then getopt_long; the work is load_feed's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "ddl.h"
#include "geom.h"
#include "load.h"
#include "log.h"
#include "report.h"
#include "source.h"

#define GTFS2PGSQL_VERSION "0.1.0"

/* Exit codes, also listed in --help and the README. */
#define EXIT_OK			0
#define EXIT_BAD_INPUT	1		/* usage error or invalid feed */
#define EXIT_BADCONN	2		/* could not connect */
#define EXIT_DB_FAILED	3		/* the database refused the load */

static const char *progname = "gtfs2pgsql";

static void
help(void)
{
	printf("%s loads a GTFS Schedule feed into PostgreSQL.\n\n", progname);
	printf("Usage:\n  %s [OPTION]... FEED\n\n", progname);
	printf("FEED is a GTFS zip file or a directory of its .txt files.\n\n");
	printf("Options:\n");
	printf("  -s, --schema=NAME         target schema (default: gtfs); a feed\n"
		   "                            already there is replaced atomically\n");
	printf("      --report=FILE         write a JSON report to FILE (- for stdout)\n");
	printf("      --max-errors=N        stop reading after N data errors (default: 100)\n");
	printf("      --skip-invalid        load the rows that can be loaded; the others\n"
		   "                            go to the table import_errors\n");
	printf("      --srid=N              geometry in EPSG:N, reprojected with PROJ\n"
		   "                            (default: 4326, the feed's own coordinates)\n");
	printf("      --no-geometry         no PostGIS columns, tables or views\n");
	printf("      --print-schema        print the tables' SQL definitions and exit\n");
	printf("  -q, --quiet               no notices and no summary table\n");
	printf("  -V, --version             output version information, then exit\n");
	printf("  -?, --help                show this help, then exit\n");
	printf("\nConnection options:\n");
	printf("  -d, --dbname=DBNAME       database name, conninfo string or URI\n");
	printf("  -h, --host=HOSTNAME       database server host or socket directory\n");
	printf("  -p, --port=PORT           database server port\n");
	printf("  -U, --username=USERNAME   user name to connect as\n");
	printf("  -W, --password            force password prompt\n");
	printf("\nThe PG* environment variables (PGHOST, PGDATABASE, ...) are honoured.\n");
	printf("\nExit status:\n"
		   "  0 the feed was loaded\n"
		   "  1 usage error, or the feed is invalid (the database is unchanged)\n"
		   "  2 could not connect to the database\n"
		   "  3 the database refused the load (the database is unchanged)\n");
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

int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"password", no_argument, NULL, 'W'},
		{"schema", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"report", required_argument, NULL, 1},
		{"max-errors", required_argument, NULL, 2},
		{"print-schema", no_argument, NULL, 3},
		{"srid", required_argument, NULL, 4},
		{"no-geometry", no_argument, NULL, 5},
		{"skip-invalid", no_argument, NULL, 6},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	DbParams	db = {0};
	LoadOptions opt = {"gtfs", NULL, 100, NULL, false};
	long		srid = 4326;
	bool		geometry = true;
	const char *report_path = NULL;
	bool		quiet = false;
	FeedSource *src;
	PGconn	   *conn;
	Report		rep;
	LoadStatus	status;
	int			c;

	log_init(progname);
	db.progname = progname;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		help();
		return EXIT_OK;
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		printf("%s %s\n", progname, GTFS2PGSQL_VERSION);
		return EXIT_OK;
	}

	while ((c = getopt_long(argc, argv, "d:h:p:U:Ws:qV?", long_options, NULL)) != -1)
	{
		char	   *end;

		switch (c)
		{
			case 'd':
				db.dbname = optarg;
				break;
			case 'h':
				db.host = optarg;
				break;
			case 'p':
				db.port = optarg;
				break;
			case 'U':
				db.user = optarg;
				break;
			case 'W':
				db.prompt_password = true;
				break;
			case 's':
				opt.schema = optarg;
				break;
			case 'q':
				quiet = true;
				break;
			case 1:
				report_path = optarg;
				break;
			case 2:
				opt.max_errors = strtol(optarg, &end, 10);
				if (*end != '\0' || end == optarg || opt.max_errors < 1)
				{
					log_error("--max-errors must be a positive integer");
					return EXIT_BAD_INPUT;
				}
				break;
			case 3:
				ddl_print_schema(stdout);
				return EXIT_OK;
			case 4:
				srid = strtol(optarg, &end, 10);
				if (*end != '\0' || end == optarg || srid < 1 || srid > 999999)
				{
					log_error("--srid must be an EPSG code, such as 3857");
					return EXIT_BAD_INPUT;
				}
				break;
			case 5:
				geometry = false;
				break;
			case 6:
				opt.skip_invalid = true;
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
				fprintf(stderr, "Try \"%s --help\" for more information.\n",
						progname);
				return EXIT_BAD_INPUT;
			default:
				fprintf(stderr, "Try \"%s --help\" for more information.\n",
						progname);
				return EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 1)
	{
		if (optind >= argc)
			log_error("no feed given");
		else
			log_error("too many command-line arguments (first is \"%s\")",
					  argv[optind + 1]);
		fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
		return EXIT_BAD_INPUT;
	}
	if (opt.schema[0] == '\0')
	{
		log_error("the schema name may not be empty");
		return EXIT_BAD_INPUT;
	}
	log_set_quiet(quiet);
	opt.feed_name = base_name(argv[optind]);
	log_set_feed(opt.feed_name);

	/* an unknown SRID is refused before anything is read or sent */
	if (geometry && (opt.geom = geom_create((int) srid)) == NULL)
		return EXIT_BAD_INPUT;
	src = source_open(argv[optind]);
	if (src == NULL)
	{
		geom_destroy(opt.geom);
		return EXIT_BAD_INPUT;
	}
	conn = db_connect(&db);
	if (conn == NULL)
	{
		source_close(src);
		geom_destroy(opt.geom);
		return EXIT_BADCONN;
	}
	report_init(&rep, opt.feed_name);
	status = load_feed(conn, src, &opt, &rep);
	report_finish(&rep);
	PQfinish(conn);
	source_close(src);
	geom_destroy(opt.geom);

	if (status == LOAD_OK)
	{
		if (!quiet)
			report_print_table(&rep, stderr);
		if (report_path && !report_write_json(&rep, report_path))
			status = LOAD_BAD_INPUT;
	}
	report_free(&rep);
	switch (status)
	{
		case LOAD_OK:
			return EXIT_OK;
		case LOAD_BAD_INPUT:
			return EXIT_BAD_INPUT;
		case LOAD_DB_FAILED:
			break;
	}
	return EXIT_DB_FAILED;
}
