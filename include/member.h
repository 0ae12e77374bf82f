/*
 * member.h: the files of an exported feed, as import_files lists them, and
 * the bytes of each as its COPY (SELECT ...) TO STDOUT gives them.
 */
#ifndef MEMBER_H
#define MEMBER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "export.h"

/* One file to write. */
typedef struct
{
	char	   *file;			/* "stops.txt" */
	char	   *copy;			/* the COPY statement, or NULL: an empty
								 * member, written back empty */
	char	   *header;			/* the CSV header line, or NULL: the rows
								 * are written as they are, not as CSV */
} Member;

/* The files of a feed, and what writing them did. */
typedef struct
{
	PGconn	   *conn;
	Member	   *members;
	int			nmembers;
	time_t		mtime;			/* of every member */
	long long	rows;			/* rows written */
	bool		db_failed;		/* the server failed (logged) */
} MemberList;

/*
 * Reads the feed's import_files into ml (ml->conn set, in the snapshot's
 * transaction, after the cut if any): per file its name and the COPY
 * that gives its rows in GTFS form, cut as opt says.  schema, postgis:
 * the feed's and PostGIS's schemas, quoted.  False (logged) when the feed
 * cannot be written back: a table or a column is gone, a file's name is
 * not a plain one.  member_list_free frees ml either way.
 */
extern bool member_list_read(MemberList *ml, const ExportOptions *opt,
							 const char *schema, const char *postgis);
extern void member_list_free(MemberList *ml);

/* A member's bytes as they leave the server (opaque). */
typedef struct MemberStream MemberStream;

/* A stream of member i of ml; NULL (logged) when out of memory. */
extern MemberStream *member_stream_new(MemberList *ml, int i);

/* Starts the member's COPY; false (logged) when the server refused it. */
extern bool member_stream_open(MemberStream *s);

/*
 * Up to n bytes of the member into out: its header, then its rows.  The
 * count, 0 at the end, -1 (logged) on failure; ml->rows counts the rows.
 */
extern long member_stream_read(MemberStream *s, char *out, size_t n);

/*
 * Ends what the stream holds; a COPY its writer left unfinished (a write
 * failed) is canceled, so that the server stops and the connection takes
 * the next statement.  It may then be opened again.
 */
extern void member_stream_close(MemberStream *s);

/* Closes and frees s (NULL: nothing). */
extern void member_stream_free(MemberStream *s);

#endif
