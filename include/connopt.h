/*
 * connopt.h: the connection options every command line takes, as
 * PostgreSQL's client programs have them: -d -h -p -U -w -W.
 */
#ifndef CONNOPT_H
#define CONNOPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "db.h"

/* For getopt_long's short option string. */
#define CONNOPT_SHORT "d:h:p:U:wW"

/* For getopt_long's table: each entry returns its short letter. */
#define CONNOPT_LONG \
	{"dbname", required_argument, NULL, 'd'}, \
	{"host", required_argument, NULL, 'h'}, \
	{"port", required_argument, NULL, 'p'}, \
	{"username", required_argument, NULL, 'U'}, \
	{"password", no_argument, NULL, 'W'}, \
	{"no-password", no_argument, NULL, 'w'}

/*
 * Records option c (with arg, getopt's optarg, kept not copied) in db;
 * false when c is not a connection option.
 */
extern bool connopt_take(DbParams *db, int c, const char *arg);

/* Prints the "Connection options:" block of --help to out. */
extern void connopt_help(FILE *out);

#endif
