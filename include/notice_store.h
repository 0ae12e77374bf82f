/*
 * notice_store.h: the notices of a load in the server: stored into
 * <schema>.import_notices, counted, summed up for people and the report.
 */
#ifndef NOTICE_STORE_H
#define NOTICE_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "notice.h"

/*
 * Copies the recorded notices into table (quoted schema.table) with COPY;
 * the connection must be idle.  The temporary file is emptied.  The
 * notices about the values of a row set aside since (a duplicate key) are
 * dropped: its record holds them.  False (logged) on failure.
 */
extern bool notice_store(Notices *nt, PGconn *conn, const char *table);

/*
 * A strict load lists its errors on stderr: those that the server inserted
 * into table for (file, column, kind), as many as --max-errors leaves room
 * for after before errors.  colno is the column's place in the file
 * (1-based, 0 unknown).  Nothing unless strict.  False (logged) when the
 * database failed.
 */
extern bool notice_print_inserted(const Notices *nt, PGconn *conn,
								  const char *table, const char *file,
								  const char *column, NoticeKind kind,
								  int colno, long before);

/*
 * Sets the counts by severity to those of table, which holds every notice
 * once they are stored (and those the server added); false (logged) when
 * the database failed.
 */
extern bool notice_recount(Notices *nt, PGconn *conn, const char *table);

/*
 * Prints the notices of table (quoted schema.table; the user finds them in
 * schema's import_notices) grouped by severity and code, each with its
 * count and its first three notices as the table has them
 * (place, field, value, message), then the query that lists the rest
 * (none when schema is NULL: the notices of a feed refused before its
 * swap are not stored); nothing for a clean feed.  Silenced by -q.  False (logged) when the
 * database failed.
 */
extern bool notice_print_summary(PGconn *conn, const char *table,
								 const char *schema);

/*
 * The notices of table by code and file, as a JSON array of
 * {code, severity, file, count, first_line, example}; malloc'd, NULL
 * (logged) on failure.
 */
extern char *notice_report_json(PGconn *conn, const char *table);

#endif
