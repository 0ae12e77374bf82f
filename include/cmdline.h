/*
 * cmdline.h: what the two command lines do alike, as PostgreSQL's
 * handle_help_version_opts (fe_utils/option_utils.c): --help and
 * --version first, getopt_long's errors in our words (naming the program,
 * not argv[0]), and the hint that ends a usage error.  Each program keeps
 * its own help text.
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stdbool.h>

/*
 * When argv[1] is --help or -?, calls help (which prints to stdout); when
 * it is --version or -V, prints "progname VERSION".  True when it did: the
 * program exits 0.  Else makes getopt_long quiet (opterr 0), so that
 * cmdline_option_other says its errors: its optstring must then start with
 * ':' and take "V?".
 */
extern bool cmdline_help_version(int argc, char **argv, const char *progname,
								 void (*help) (void));

/*
 * The exit code (exitcode.h) for c, what getopt_long returned that the
 * program's own options are not: 'V' prints the version and '?' given as
 * -? the help, 0; an unknown option, a missing or unwanted argument is
 * logged, then the hint (cmdline_usage_error), 1.
 */
extern int	cmdline_option_other(int c, char **argv, const char *progname,
								 void (*help) (void));

/*
 * Ends a usage error (logged by the caller) with the hint to --help on
 * stderr; returns EXIT_BAD_INPUT.
 */
extern int	cmdline_usage_error(const char *progname);

#endif
