/*
 * notice.h: what is wrong with a feed, and what the load did about it.
 *
 * The policy has one home: the table of kinds in notice.c gives each kind
 * its code (the GTFS validator's where it has one), its severity and its
 * rule: what happens to the data, by context where it depends on one.
 * Every caller asks the table and does what it says; no other file
 * decides.  Notices are written as COPY rows to a temporary file while the
 * feed streams (a COPY is then in progress on the connection) and copied
 * into <schema>.import_notices at the end (notice_store.h), so that memory
 * stays flat however many there are.  Nothing here talks to the server.
 */
#ifndef NOTICE_H
#define NOTICE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "csvread.h"
#include "log.h"

typedef enum
{
	NOTICE_ERROR,
	NOTICE_WARNING,
	NOTICE_INFO
} NoticeSeverity;

/*
 * What the load does about a defect: the rules of the table.  Each caller
 * asks notice_rule (or gets the rule back from the function that records
 * the notice) and carries it out; the notice records the rule applied.
 */
typedef enum
{
	ACTION_KEPT,				/* stored as written, or nothing to store */
	ACTION_VALUE_NULLED,		/* the column is NULL */
	ACTION_ROW_SET_ASIDE,		/* the row is only in import_notices */
	ACTION_FILE_SKIPPED,		/* the member is not loaded */
	ACTION_REST_SKIPPED,		/* the rest of the file could not be read */
	ACTION_FEED_REFUSED,		/* the load stops: exit 1, nothing changes */
	ACTION_COUNT
} NoticeAction;

/* What a kind of defect is found in. */
typedef enum
{
	SCOPE_VALUE,				/* one value of a row: rule by context */
	SCOPE_COLUMN,				/* a column of a file's header */
	SCOPE_ROW,					/* a record as a whole */
	SCOPE_FILE,					/* a member of the feed */
	SCOPE_FEED					/* the feed as a whole */
} NoticeScope;

/*
 * Where a value is, the context on which a value kind's rule depends: the
 * role of its field, the first that applies (notice_field_context).  Kinds
 * of other scopes have one rule, NC_OPTIONAL's.
 */
typedef enum
{
	NC_OPTIONAL,				/* an optional field, or an extra column */
	NC_REQUIRED,				/* a required field */
	NC_REFERENCE,				/* names a row of another file */
	NC_KEY_PART,				/* one field of a key of several */
	NC_KEY,						/* the one field of its file's key */
	NC_COUNT
} NoticeContext;

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
	NK_ROW_TOO_LONG,
	NK_ROW_TOO_SHORT,
	NK_POINT_NEAR_ORIGIN,
	NK_POINT_NOT_TRANSFORMED,
	NK_MISSING_REQUIRED_COLUMN,
	NK_DUPLICATED_COLUMN,
	NK_EMPTY_COLUMN_NAME,
	NK_INVALID_UTF8_COLUMN_NAME,
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
	NK_NON_ASCII_ID,
	NK_INVALID_CHARACTER,
	NK_LONG_COLUMN_NAME,
	NK_RESERVED_COLUMN_NAME,
	NK_TOO_MANY_COLUMNS,
	NK_ID_TOO_LONG,
	NK_ROW_TOO_LARGE,
	NK_TOO_MANY_FILES,
	NK_ZIP_TRAILING_BYTES,
	NK_DUPLICATE_KEY,
	NK_FOREIGN_KEY_VIOLATION,
	NK_INVALID_TIMEZONE,
	NK_START_AND_END_RANGE_OUT_OF_ORDER,
	NK_SERVICE_EXTENDS_FAR_IN_THE_FUTURE,
	NK_MALFORMED_JSON,
	NK_MALFORMED_JSON_FEATURE,
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

/*
 * The table: what the load does about kind in context (see NoticeContext;
 * any for kinds not of SCOPE_VALUE).  A test build (GTFS2PGSQL_POLICY_TEST)
 * also reads GTFS2PGSQL_POLICY=kind=action,... to change rules.
 */
extern NoticeAction notice_rule(NoticeKind kind, NoticeContext context);

/* The context of a value of field f of cat (catalog.h). */
extern NoticeContext notice_field_context(const CatalogFile *cat, int f);

/* The kind's name (as its NK_ name, lower case), code, severity, scope. */
extern const char *notice_kind_name(NoticeKind kind);
extern const char *notice_code(NoticeKind kind);
extern NoticeSeverity notice_severity(NoticeKind kind);
extern NoticeScope notice_scope(NoticeKind kind);

/* Whether the load can carry out action for kind (the table's bounds). */
extern bool notice_allows(NoticeKind kind, NoticeAction action);

extern const char *notice_severity_name(NoticeSeverity severity);
extern const char *notice_action_name(NoticeAction action);

/*
 * A notice about the feed, a file or a column, recorded at once with its
 * kind's rule, which is returned for the caller to carry out.  line 0
 * (NULL in the table) for a file, column 0 (1-based, for messages) and
 * colname NULL when there is none; value NULL when there is none.  The
 * message is printf-formatted.
 */
extern NoticeAction notice_add(Notices *nt, NoticeKind kind,
							   const char *file, long line, int column,
							   const char *colname, const char *value,
							   size_t vlen, const char *fmt,...)
			PRINTF_LIKE(9, 10);

/*
 * Notices about a row are held until the row is decided: notice_row_begin,
 * then notice_value for each defect of a value (or notice_row for one of
 * the row), then notice_row_keep (they are recorded) unless a rule set the
 * row aside.
 */
extern void notice_row_begin(Notices *nt);

/*
 * A defect of a value of row in context: returns the table's rule, for
 * the caller to carry out.  ACTION_ROW_SET_ASIDE: the notices held for the
 * row are dropped and this one records the whole row, as read (the caller
 * drops the row); ACTION_FEED_REFUSED: the load stops (notice_must_stop).
 * Otherwise the notice is held for the row.
 */
extern NoticeAction notice_value(Notices *nt, NoticeKind kind,
								 NoticeContext context, const char *file,
								 const CsvRow *row, int column,
								 const char *colname, const char *value,
								 size_t vlen, const char *fmt,...)
			PRINTF_LIKE(10, 11);

/* As notice_value for a defect of the row as a whole. */
extern NoticeAction notice_row(Notices *nt, NoticeKind kind,
							   const char *file, const CsvRow *row,
							   int column, const char *colname,
							   const char *value, size_t vlen,
							   const char *fmt,...) PRINTF_LIKE(9, 10);
extern void notice_row_keep(Notices *nt);

/*
 * As notice_row for a record that could not be parsed: line is where it
 * starts, column the field at fault (for the message), and text[0..len)
 * the record as written, stored as it is.
 */
extern NoticeAction notice_text(Notices *nt, NoticeKind kind,
								const char *file, long line, int column,
								const char *text, size_t len,
								const char *fmt,...) PRINTF_LIKE(8, 9);

/* Notices recorded so far with this severity (those held excluded). */
extern long notice_count(const Notices *nt, NoticeSeverity severity);

/* Rows of file set aside so far by a rule. */
extern long notice_set_aside(const Notices *nt, const char *file);

/*
 * Whether the load should stop reading: a rule refused the feed, or a
 * strict load met as many errors as it may.
 */
extern bool notice_must_stop(const Notices *nt);

/* Whether a rule refused the feed (the refusal is logged where found). */
extern bool notice_refused(const Notices *nt);

/*
 * Counts n notices of kind recorded in the server (not through nt: the
 * checks that insert them with SQL, with notice_rule's action) so that
 * notice_count includes them, and a refusing rule refuses the feed.
 */
extern void notice_count_server(Notices *nt, NoticeKind kind, long n);

/* Sets the counts by severity (notice_store.h's recount). */
extern void notice_set_counts(Notices *nt, const long counts[3]);

/*
 * Errors a strict load may still print after before of them: none unless
 * strict.
 */
extern long notice_error_room(const Notices *nt, long before);

/*
 * Passes the recorded notices, as COPY text rows for import_notices (file,
 * line, column, code, severity, value, message, action, record), to sink in
 * pieces, then empties the temporary file.  False (logged) when a notice
 * could not be written or read back, or when sink returned false.
 * *any: whether there were notices.
 */
extern bool notice_drain(Notices *nt,
						 bool (*sink) (void *ctx, const char *data,
									   size_t len),
						 void *ctx, bool *any);

#endif
