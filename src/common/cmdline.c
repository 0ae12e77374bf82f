/*
 * cmdline.c: --help, --version and getopt_long's errors, alike in both
 * programs.
 */
#include "cmdline.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "version.h"

static void
print_version(const char *progname)
{
	printf("%s %s\n", progname, GTFS2PGSQL_VERSION);
}

bool
cmdline_help_version(int argc, char **argv, const char *progname,
					 void (*help) (void))
{
	if (argc > 1 &&
		(strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		help();
		return true;
	}
	if (argc > 1 &&
		(strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		print_version(progname);
		return true;
	}
	/* getopt's own messages would name argv[0], a path: ours name us */
	opterr = 0;
	return false;
}

/*
 * What getopt_long, quiet, found wrong: c '?' an unknown option or an
 * argument where none is taken, ':' a missing argument; arg the argument
 * it was reading, which names a long option.  Logged.
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

int
cmdline_option_other(int c, char **argv, const char *progname,
					 void (*help) (void))
{
	switch (c)
	{
		case 'V':
			print_version(progname);
			return EXIT_OK;
		case '?':
			if (optopt == 0 && strcmp(argv[optind - 1], "-?") == 0)
			{
				help();
				return EXIT_OK;
			}
			option_error(c, argv[optind - 1]);
			break;
		case ':':
			option_error(c, argv[optind - 1]);
			break;
	}
	return cmdline_usage_error(progname);
}

int
cmdline_usage_error(const char *progname)
{
	fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
	return EXIT_BAD_INPUT;
}
