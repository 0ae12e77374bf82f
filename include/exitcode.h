/*
 * exitcode.h: the exit codes of both programs, as psql's settings.h has
 * EXIT_BADCONN and EXIT_USER; each program's --help, its man page and the
 * README list those it uses.
 */
#ifndef EXITCODE_H
#define EXITCODE_H

#define EXIT_OK			0
#define EXIT_BAD_INPUT	1		/* usage error, invalid feed, refused, not
								 * written; a feed of several not run */
#define EXIT_BADCONN	2		/* could not connect */
#define EXIT_DB_FAILED	3		/* the database refused or failed */
#define EXIT_SHRINKS	4		/* gtfs2pgsql: the feed would replace one
								 * that had more (replace.h), refused
								 * unless --force */
#define EXIT_SIGNAL		128		/* + the signal that ended the run */

#endif
