/*
 * notice.h: what is wrong with a feed, and what the load did about it.
 *
 * The policy has one home: the table of kinds in notice.c gives each kind
 * its code (the GTFS validator's where it has one), its severity and what
 * happens to the data.  Notices are written as COPY rows to a temporary
 * file while the feed streams (a COPY is then in progress on the
 * connection) and copied into <schema>.import_notices at the end, so that
 * memory stays flat however many there are.
 */
#ifndef NOTICE_H
#define NOTICE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "csvread.h"
#include "log.h"

typedef enum
{
	NOTICE_ERROR,
	NOTICE_WARNING,
	NOTICE_INFO
} NoticeSeverity;

typedef enum
{
	ACTION_KEPT,				/* stored as written, or nothing to store */
	ACTION_VALUE_NULLED,		/* the column is NULL; in a key field the row
								 * is set aside instead */
	ACTION_ROW_SET_ASIDE,		/* the row is only in import_notices */
	ACTION_FILE_SKIPPED,		/* the member is not loaded */
	ACTION_REST_SKIPPED			/* the rest of the file could not be read */
} NoticeAction;

/* The kinds of defect; notice.c's table says what each one does. */
typedef enum
{
	NK_INVALID_INTEGER,
	NK_INVALID_FLOAT,
	NK_INVALID_DATE,
	NK_INVALID_TIME,
	NK_INVALID_CURRENCY_AMOUNT,
	NK_COORDINATE_OUT_OF_RANGE,
	NK_SIGN_OUT_OF_RANGE,
	NK_UNEXPECTED_ENUM_VALUE,
	NK_INVALID_COLOR,
	NK_INVALID_URL,
	NK_INVALID_EMAIL,
	NK_INVALID_LANGUAGE_CODE,
	NK_INVALID_CURRENCY,
	NK_INVALID_UTF8,
	NK_MISSING_REQUIRED_FIELD,
	NK_MISSING_KEY,
	NK_ROW_TOO_LONG,
	NK_ROW_TOO_SHORT,
	NK_POINT_NEAR_ORIGIN,
	NK_POINT_NOT_TRANSFORMED,
	NK_MISSING_REQUIRED_COLUMN,
	NK_DUPLICATED_COLUMN,
	NK_EMPTY_COLUMN_NAME,
	NK_UNKNOWN_COLUMN,
	NK_UNKNOWN_TXT_FILE,
	NK_UNKNOWN_MEMBER,
	NK_UNNAMEABLE_FILE,
	NK_MISSING_REQUIRED_FILE,
	NK_MISSING_CALENDAR,
	NK_EMPTY_FILE,
	NK_CSV_PARSING_FAILED,
	NK_CSV_STRAY_QUOTE,
	NK_LEADING_OR_TRAILING_WHITESPACES,
	NK_LONG_COLUMN_NAME,
	NK_RESERVED_COLUMN_NAME,
	NK_TOO_MANY_COLUMNS,
	NK_ID_TOO_LONG,
	NK_TOO_MANY_FILES,
	NK_ZIP_TRAILING_BYTES,
	NK_DUPLICATE_KEY,
	NK_FOREIGN_KEY_VIOLATION,
	NK_INVALID_TIMEZONE,
	NK_MALFORMED_JSON,
	NK_DUPLICATE_GEO_JSON_KEY,
	/* the archive and its members, met by source.c */
	NK_ZIP_INCONSISTENT,
	NK_FILE_IN_SUBFOLDER,
	NK_FILE_NAME_NOT_UTF8,
	NK_UNREADABLE_FILE,
	/* the features of locations.geojson set aside (geojson.c) */
	NK_MISSING_REQUIRED_ELEMENT,
	NK_UNSUPPORTED_GEOMETRY_TYPE,
	NK_INVALID_GEOMETRY,
	NK_COUNT
} NoticeKind;

typedef struct Notices Notices;

/*
 * Notices for one load.  strict: print each error as it is found (as
 * feed:file:line:column) and stop counting them past max_errors.  NULL
 * (logged) when the temporary file cannot be made; free with
 * notice_destroy.
 */
extern Notices *notice_create(bool strict, long max_errors);
extern void notice_destroy(Notices *nt);

/* The code, severity and action of a kind. */
extern const char *notice_code(NoticeKind kind);
extern NoticeSeverity notice_severity(NoticeKind kind);
extern NoticeAction notice_action(NoticeKind kind);
extern const char *notice_severity_name(NoticeSeverity severity);
extern const char *notice_action_name(NoticeAction action);

/*
 * A notice about a file, a column or a row, recorded at once.  line 0
 * (NULL in the table) for a file, column 0 (1-based, for messages) and
 * colname NULL when there is none; value NULL when there is none.  The
 * message is printf-formatted.
 */
extern void notice_add(Notices *nt, NoticeKind kind, const char *file,
					   long line, int column, const char *colname,
					   const char *value, size_t vlen,
					   const char *fmt,...) PRINTF_LIKE(9, 10);

/*
 * Notices about the values of one row are held until the row is decided:
 * notice_row_begin, notice_value for each, then notice_row_keep (they are
 * recorded) or notice_row_set_aside (they are dropped, and one notice of
 * kind records the whole row, as read, instead).
 */
extern void notice_row_begin(Notices *nt);
extern void notice_value(Notices *nt, NoticeKind kind, const char *file,
						 long line, int column, const char *colname,
						 const char *value, size_t vlen,
						 const char *fmt,...) PRINTF_LIKE(9, 10);
extern void notice_row_keep(Notices *nt);
extern void notice_row_set_aside(Notices *nt, NoticeKind kind,
								 const char *file, const CsvRow *row,
								 int column, const char *colname,
								 const char *value, size_t vlen,
								 const char *fmt,...) PRINTF_LIKE(9, 10);

/*
 * As notice_row_set_aside for a record that could not be parsed: line is
 * where it starts, column the field at fault (for the message), and
 * text[0..len) the record as written, stored as it is.
 */
extern void notice_text_set_aside(Notices *nt, NoticeKind kind,
								  const char *file, long line, int column,
								  const char *text, size_t len,
								  const char *fmt,...) PRINTF_LIKE(8, 9);

/* Notices recorded so far with this severity (those held excluded). */
extern long notice_count(const Notices *nt, NoticeSeverity severity);

/* Rows of file set aside so far by notice_row_set_aside. */
extern long notice_set_aside(const Notices *nt, const char *file);

/*
 * Whether a strict load has met as many errors as it may (and should stop
 * reading); always false when not strict.
 */
extern bool notice_too_many(const Notices *nt);

/*
 * Copies the recorded notices into table (quoted schema.table) with COPY;
 * the connection must be idle.  The temporary file is emptied.  The
 * notices about the values of a row set aside since (a duplicate key) are
 * dropped: its record holds them.  False (logged) on failure.
 */
extern bool notice_store(Notices *nt, PGconn *conn, const char *table);

/*
 * Counts notices recorded in the server (not through nt: the checks that
 * insert them with SQL) so that notice_count includes them.
 */
extern void notice_count_server(Notices *nt, NoticeKind kind, long n);

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
 * Prints the notices of table (quoted schema.table, shown to the user as
 * shown) grouped by severity and code, with a count and the first
 * locations of each; nothing for a clean feed.  Silenced by -q.  False
 * (logged) when the database failed.
 */
extern bool notice_print_summary(PGconn *conn, const char *table,
								 const char *shown);

/*
 * The notices of table by code and file, as a JSON array of
 * {code, severity, file, count, first_line, example}; malloc'd, NULL
 * (logged) on failure.
 */
extern char *notice_report_json(PGconn *conn, const char *table);

#endif
