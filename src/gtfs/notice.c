/*
 * notice.c: the defects of a feed and what the load does about each.
 *
 * The table below is the policy: changing what a defect does means editing
 * its line.  Each kind has its rule (by the context of the value, for the
 * kinds of a value) and the actions the load can carry out for it; tests/
 * unit.c checks that every line is complete and every rule within bounds.
 * Codes are the MobilityData GTFS validator's, with its severities, so
 * that a user can look them up; invalid_utf8, zip_trailing_bytes,
 * unnameable_file, point_not_transformed, column_name_too_long,
 * zip_inconsistent, file_name_not_utf8, unreadable_file and row_too_large
 * are ours.
 */
#include "notice.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "convert.h"
#include "log.h"
#include "textfmt.h"

#define NOTICE_ROW_MAX	(64 * 1024 * 1024)	/* one notice row in COPY form */
#define MESSAGE_MAX		512
#define DRAIN_CHUNK		(64 * 1024)

typedef struct
{
	const char *name;			/* the kind, as its NK_ name */
	const char *code;
	NoticeSeverity severity;
	NoticeScope scope;
	unsigned	allows;			/* bit per NoticeAction the load can do */
	NoticeAction rule[NC_COUNT];	/* by context (SCOPE_VALUE), else all
									 * alike */
} NoticeKindInfo;

#define A(action)	(1u << ACTION_##action)
/* what can be done about a value that was written, or could not be */
#define STORED		(A(KEPT) | A(VALUE_NULLED) | A(ROW_SET_ASIDE) | \
					 A(FEED_REFUSED))
#define UNSTORED	(A(VALUE_NULLED) | A(ROW_SET_ASIDE) | A(FEED_REFUSED))
/* a header's column: renamed and kept, or its file not loaded */
#define COLUMN		(A(KEPT) | A(FILE_SKIPPED) | A(FEED_REFUSED))
#define ONLY(action)	(A(action) | A(FEED_REFUSED))
#define ALL(action)	{ACTION_##action, ACTION_##action, ACTION_##action, \
					 ACTION_##action, ACTION_##action}
/* a value that cannot be stored: NULL, but the row of a key goes */
#define NULL_OR_ASIDE	{ACTION_VALUE_NULLED, ACTION_VALUE_NULLED, \
						 ACTION_VALUE_NULLED, ACTION_ROW_SET_ASIDE, \
						 ACTION_ROW_SET_ASIDE}
#define E	NOTICE_ERROR
#define W	NOTICE_WARNING
#define I	NOTICE_INFO

static const NoticeKindInfo kinds[NK_COUNT] = {
	[NK_INVALID_INTEGER] = {"invalid_integer", "invalid_integer", E,
	SCOPE_VALUE, UNSTORED, NULL_OR_ASIDE},
	[NK_INVALID_FLOAT] = {"invalid_float", "invalid_float", E, SCOPE_VALUE,
	UNSTORED, NULL_OR_ASIDE},
	[NK_INVALID_DATE] = {"invalid_date", "invalid_date", E, SCOPE_VALUE,
	UNSTORED, NULL_OR_ASIDE},
	[NK_INVALID_TIME] = {"invalid_time", "invalid_time", E, SCOPE_VALUE,
	UNSTORED, NULL_OR_ASIDE},
	[NK_INVALID_CURRENCY_AMOUNT] = {"invalid_currency_amount",
	"invalid_currency_amount", E, SCOPE_VALUE, UNSTORED, NULL_OR_ASIDE},
	[NK_COORDINATE_OUT_OF_RANGE] = {"coordinate_out_of_range",
	"number_out_of_range", E, SCOPE_VALUE, UNSTORED, NULL_OR_ASIDE},
	[NK_SIGN_OUT_OF_RANGE] = {"sign_out_of_range", "number_out_of_range", E,
	SCOPE_VALUE, STORED, ALL(KEPT)},
	[NK_UNEXPECTED_ENUM_VALUE] = {"unexpected_enum_value",
	"unexpected_enum_value", W, SCOPE_VALUE, STORED, ALL(KEPT)},
	/* text that breaks its format's rule is stored as written */
	[NK_INVALID_COLOR] = {"invalid_color", "invalid_color", E, SCOPE_VALUE,
	STORED, ALL(KEPT)},
	[NK_INVALID_URL] = {"invalid_url", "invalid_url", E, SCOPE_VALUE, STORED,
	ALL(KEPT)},
	[NK_INVALID_EMAIL] = {"invalid_email", "invalid_email", E, SCOPE_VALUE,
	STORED, ALL(KEPT)},
	[NK_INVALID_LANGUAGE_CODE] = {"invalid_language_code",
	"invalid_language_code", E, SCOPE_VALUE, STORED, ALL(KEPT)},
	[NK_INVALID_CURRENCY] = {"invalid_currency", "invalid_currency", E,
	SCOPE_VALUE, STORED, ALL(KEPT)},
	[NK_INVALID_UTF8] = {"invalid_utf8", "invalid_utf8", E, SCOPE_VALUE,
	UNSTORED, NULL_OR_ASIDE},
	/* empty: NULL, but a row without its one-field key cannot be keyed */
	[NK_MISSING_REQUIRED_FIELD] = {"missing_required_field",
		"missing_required_field", E, SCOPE_VALUE,
		A(KEPT) | A(ROW_SET_ASIDE) | A(FEED_REFUSED),
	{ACTION_KEPT, ACTION_KEPT, ACTION_KEPT, ACTION_KEPT, ACTION_ROW_SET_ASIDE}},
	/* an id that is keyed or indexed, too long for the index */
	[NK_ID_TOO_LONG] = {"id_too_long", "id_too_long", E, SCOPE_VALUE,
	ONLY(ROW_SET_ASIDE), ALL(ROW_SET_ASIDE)},
	[NK_POINT_NEAR_ORIGIN] = {"point_near_origin", "point_near_origin", E,
	SCOPE_VALUE, STORED, ALL(KEPT)},
	[NK_POINT_NOT_TRANSFORMED] = {"point_not_transformed",
	"point_not_transformed", E, SCOPE_VALUE, UNSTORED, ALL(VALUE_NULLED)},
	[NK_ROW_TOO_LONG] = {"row_too_long", "invalid_row_length", E, SCOPE_ROW,
	ONLY(ROW_SET_ASIDE), ALL(ROW_SET_ASIDE)},
	[NK_CSV_STRAY_QUOTE] = {"csv_stray_quote", "csv_parsing_failed", E,
	SCOPE_ROW, ONLY(ROW_SET_ASIDE), ALL(ROW_SET_ASIDE)},
	/* a row past ROW_MAX_BYTES as written for the server (load_run.h) */
	[NK_ROW_TOO_LARGE] = {"row_too_large", "row_too_large", E, SCOPE_ROW,
	ONLY(ROW_SET_ASIDE), ALL(ROW_SET_ASIDE)},
	[NK_DUPLICATE_KEY] = {"duplicate_key", "duplicate_key", E, SCOPE_ROW,
	ONLY(ROW_SET_ASIDE), ALL(ROW_SET_ASIDE)},
	[NK_DUPLICATE_GEO_JSON_KEY] = {"duplicate_geo_json_key",
		"duplicate_geo_json_key", E, SCOPE_ROW, ONLY(ROW_SET_ASIDE),
	ALL(ROW_SET_ASIDE)},
	/* the missing fields are read as empty */
	[NK_ROW_TOO_SHORT] = {"row_too_short", "invalid_row_length", W,
	SCOPE_FILE, ONLY(KEPT), ALL(KEPT)},
	[NK_MISSING_REQUIRED_COLUMN] = {"missing_required_column",
	"missing_required_column", E, SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	/* a column that cannot be named as written is renamed after its place */
	[NK_DUPLICATED_COLUMN] = {"duplicated_column", "duplicated_column", E,
	SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	[NK_EMPTY_COLUMN_NAME] = {"empty_column_name", "empty_column_name", E,
	SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	[NK_INVALID_UTF8_COLUMN_NAME] = {"invalid_utf8_column_name",
	"invalid_utf8", E, SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	/* the value is loaded without them, as the validator reads it */
	[NK_LEADING_OR_TRAILING_WHITESPACES] = {"leading_or_trailing_whitespaces",
		"leading_or_trailing_whitespaces", W, SCOPE_VALUE, ONLY(KEPT),
	ALL(KEPT)},
	/* kept as written, as the validator reads them */
	[NK_NON_ASCII_ID] = {"non_ascii_id", "non_ascii_or_non_printable_char", W,
	SCOPE_VALUE, ONLY(KEPT), ALL(KEPT)},
	[NK_INVALID_CHARACTER] = {"invalid_character", "invalid_character", E,
	SCOPE_VALUE, ONLY(KEPT), ALL(KEPT)},
	[NK_LONG_COLUMN_NAME] = {"long_column_name", "column_name_too_long", W,
	SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	[NK_RESERVED_COLUMN_NAME] = {"reserved_column_name",
	"reserved_column_name", W, SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	[NK_UNKNOWN_COLUMN] = {"unknown_column", "unknown_column", I,
	SCOPE_COLUMN, COLUMN, ALL(KEPT)},
	[NK_TOO_MANY_COLUMNS] = {"too_many_columns", "too_many_columns", E,
	SCOPE_FILE, ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	/* a .txt file the reference lacks: a table of text columns */
	[NK_UNKNOWN_TXT_FILE] = {"unknown_txt_file", "unknown_file", I,
		SCOPE_FILE, A(KEPT) | A(FILE_SKIPPED) | A(FEED_REFUSED),
	ALL(KEPT)},
	[NK_UNKNOWN_MEMBER] = {"unknown_member", "unknown_file", I, SCOPE_FILE,
	ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	[NK_UNNAMEABLE_FILE] = {"unnameable_file", "unnameable_file", W,
	SCOPE_FILE, ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	[NK_TOO_MANY_FILES] = {"too_many_files", "too_many_files", E, SCOPE_FILE,
	ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	[NK_MISSING_REQUIRED_FILE] = {"missing_required_file",
	"missing_required_file", E, SCOPE_FILE, ONLY(KEPT), ALL(KEPT)},
	[NK_MISSING_CALENDAR] = {"missing_calendar",
		"missing_calendar_and_calendar_date_files", E, SCOPE_FEED,
	ONLY(KEPT), ALL(KEPT)},
	[NK_EMPTY_FILE] = {"empty_file", "empty_file", E, SCOPE_FILE, ONLY(KEPT),
	ALL(KEPT)},
	[NK_CSV_PARSING_FAILED] = {"csv_parsing_failed", "csv_parsing_failed", E,
	SCOPE_FILE, ONLY(REST_SKIPPED), ALL(REST_SKIPPED)},
	[NK_MALFORMED_JSON] = {"malformed_json", "malformed_json", E, SCOPE_FILE,
	ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	/* the archive and its members, met by source.c, which skips them */
	[NK_ZIP_INCONSISTENT] = {"zip_inconsistent", "zip_inconsistent", W,
	SCOPE_FEED, ONLY(KEPT), ALL(KEPT)},
	[NK_FILE_IN_SUBFOLDER] = {"file_in_subfolder",
		"invalid_input_files_in_subfolder", E, SCOPE_FILE,
	ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	[NK_FILE_NAME_NOT_UTF8] = {"file_name_not_utf8", "file_name_not_utf8", W,
	SCOPE_FILE, ONLY(KEPT), ALL(KEPT)},
	[NK_UNREADABLE_FILE] = {"unreadable_file", "unreadable_file", E,
	SCOPE_FILE, ONLY(FILE_SKIPPED), ALL(FILE_SKIPPED)},
	/* the features of locations.geojson set aside (geojson.c) */
	[NK_MALFORMED_JSON_FEATURE] = {"malformed_json_feature",
		"malformed_json", E, SCOPE_ROW, ONLY(ROW_SET_ASIDE),
	ALL(ROW_SET_ASIDE)},
	[NK_MISSING_REQUIRED_ELEMENT] = {"missing_required_element",
		"missing_required_element", E, SCOPE_ROW, ONLY(ROW_SET_ASIDE),
	ALL(ROW_SET_ASIDE)},
	[NK_UNSUPPORTED_GEOMETRY_TYPE] = {"unsupported_geometry_type",
		"unsupported_geometry_type", E, SCOPE_ROW, ONLY(ROW_SET_ASIDE),
	ALL(ROW_SET_ASIDE)},
	[NK_INVALID_GEOMETRY] = {"invalid_geometry", "invalid_geometry", E,
	SCOPE_ROW, ONLY(ROW_SET_ASIDE), ALL(ROW_SET_ASIDE)},
	[NK_ZIP_TRAILING_BYTES] = {"zip_trailing_bytes", "zip_trailing_bytes", W,
	SCOPE_FEED, ONLY(KEPT), ALL(KEPT)},
	/* found in the server, once the data is in */
	[NK_FOREIGN_KEY_VIOLATION] = {"foreign_key_violation",
	"foreign_key_violation", E, SCOPE_VALUE, ONLY(KEPT), ALL(KEPT)},
	[NK_INVALID_TIMEZONE] = {"invalid_timezone", "invalid_timezone", E,
	SCOPE_VALUE, ONLY(KEPT), ALL(KEPT)},
	/* calendar.txt's lines, found by timetable.c as it fills service_days */
	[NK_START_AND_END_RANGE_OUT_OF_ORDER] = {
		"start_and_end_range_out_of_order",
		"start_and_end_range_out_of_order", E, SCOPE_VALUE, ONLY(KEPT),
	ALL(KEPT)},
	[NK_SERVICE_EXTENDS_FAR_IN_THE_FUTURE] = {
		"service_extends_far_in_the_future",
		"service_extends_far_in_the_future", I, SCOPE_VALUE, ONLY(KEPT),
	ALL(KEPT)},
};

/* Rows of one file set aside. */
typedef struct
{
	char	   *file;
	long		count;
} FileSetAside;

struct Notices
{
	FILE	   *tmp;			/* COPY text rows for import_notices */
	Buf			row;			/* the notice being written */
	Buf			held;			/* notices of the row being read */
	bool		holding;		/* held has notices (or their counts) */
	long		held_counts[3];
	long		counts[3];		/* by severity, recorded */
	FileSetAside *set_aside;
	int			nfiles;
	bool		strict;
	long		max_errors;
	bool		refused;		/* a rule refused the feed */
	bool		failed;			/* writing the temporary file failed */
};

Notices *
notice_create(bool strict, long max_errors)
{
	Notices    *nt = calloc(1, sizeof(Notices));

	if (nt != NULL)
		nt->tmp = tmpfile();
	if (nt == NULL || nt->tmp == NULL)
	{
		log_error("could not create a temporary file: %s", strerror(errno));
		free(nt);
		return NULL;
	}
	buf_init(&nt->row, NOTICE_ROW_MAX);
	buf_init(&nt->held, NOTICE_ROW_MAX);
	nt->strict = strict;
	nt->max_errors = max_errors;
	return nt;
}

void
notice_destroy(Notices *nt)
{
	if (nt == NULL)
		return;
	fclose(nt->tmp);
	buf_free(&nt->row);
	buf_free(&nt->held);
	for (int i = 0; i < nt->nfiles; i++)
		free(nt->set_aside[i].file);
	free(nt->set_aside);
	free(nt);
}

#ifdef GTFS2PGSQL_POLICY_TEST
/*
 * The test build's rules: the table's, changed by GTFS2PGSQL_POLICY
 * (kind=action, comma-separated; a rule the load cannot carry out is
 * refused, with a warning).  Read once.
 */
static NoticeKindInfo test_kinds[NK_COUNT];

static const NoticeKindInfo *
table(void)
{
	static bool read;
	const char *spec = getenv("GTFS2PGSQL_POLICY");

	if (read)
		return test_kinds;
	read = true;
	memcpy(test_kinds, kinds, sizeof(kinds));
	while (spec && *spec)
	{
		int			len = (int) strcspn(spec, ",");
		char		rule[128];
		char	   *action;
		bool		done = false;

		snprintf(rule, sizeof(rule), "%.*s", len, spec);
		action = strchr(rule, '=');
		if (action)
			*action++ = '\0';
		for (int k = 0; action && k < NK_COUNT && !done; k++)
			for (int a = 0; a < ACTION_COUNT && !done; a++)
				if (strcmp(rule, kinds[k].name) == 0 &&
					strcmp(action, notice_action_name(a)) == 0 &&
					(kinds[k].allows & (1u << a)))
				{
					for (int c = 0; c < NC_COUNT; c++)
						test_kinds[k].rule[c] = (NoticeAction) a;
					done = true;
				}
		if (!done)
			log_warning("GTFS2PGSQL_POLICY: no rule \"%.*s\"", len, spec);
		spec += len + (spec[len] == ',');
	}
	return test_kinds;
}
#else
#define table()	kinds
#endif

NoticeAction
notice_rule(NoticeKind kind, NoticeContext context)
{
	return table()[kind].rule[kinds[kind].scope == SCOPE_VALUE ? context :
							  NC_OPTIONAL];
}

NoticeContext
notice_field_context(const CatalogFile *cat, int f)
{
	const CatalogField *cf = &cat->fields[f];

	if ((cf->flags & FIELD_KEY) && catalog_single_key(cat) == f)
		return NC_KEY;
	if (cf->flags & FIELD_KEY)
		return NC_KEY_PART;
	if (cf->refs)
		return NC_REFERENCE;
	if (cf->flags & FIELD_REQUIRED)
		return NC_REQUIRED;
	return NC_OPTIONAL;
}

const char *
notice_kind_name(NoticeKind kind)
{
	return kinds[kind].name;
}

const char *
notice_code(NoticeKind kind)
{
	return kinds[kind].code;
}

NoticeSeverity
notice_severity(NoticeKind kind)
{
	return kinds[kind].severity;
}

NoticeScope
notice_scope(NoticeKind kind)
{
	return kinds[kind].scope;
}

bool
notice_allows(NoticeKind kind, NoticeAction action)
{
	return (kinds[kind].allows & (1u << action)) != 0;
}

const char *
notice_severity_name(NoticeSeverity severity)
{
	static const char *const names[] = {"error", "warning", "info"};

	return names[severity];
}

const char *
notice_action_name(NoticeAction action)
{
	static const char *const names[ACTION_COUNT] = {
		[ACTION_KEPT] = "kept",
		[ACTION_VALUE_NULLED] = "value_nulled",
		[ACTION_ROW_SET_ASIDE] = "row_set_aside",
		[ACTION_FILE_SKIPPED] = "file_skipped",
		[ACTION_REST_SKIPPED] = "rest_of_file_skipped",
		[ACTION_FEED_REFUSED] = "feed_refused",
	};

	return names[action];
}

/* Appends a text column of the COPY row: shown as written, escaped. */
static bool
put_column(Notices *nt, const char *s, size_t len, bool first)
{
	if (!first && !buf_putc(&nt->row, '\t'))
		return false;
	if (s == NULL)
		return buf_append(&nt->row, "\\N", 2);
	if (conv_utf8_valid(s, len))
		return conv_copy_text(&nt->row, s, len) == CONV_OK;
	else
	{
		Buf			shown;
		bool		ok;

		buf_init(&shown, NOTICE_ROW_MAX);
		ok = conv_utf8_show(&shown, s, len) &&
			conv_copy_text(&nt->row, shown.data, shown.len) == CONV_OK;
		buf_free(&shown);
		return ok;
	}
}

/*
 * The record as CSV: fields quoted where they must be, each as written
 * (with the spaces libcsv dropped around it: CsvRow's written).
 */
static bool
put_csv_record(Buf *out, const CsvRow *row)
{
	bool		ok = true;

	for (int i = 0; ok && i < row->nfields; i++)
	{
		bool		trimmed = row->written && row->written[i].data;
		const char *v = trimmed ? row->written[i].data : row->fields[i].data;
		size_t		len = trimmed ? row->written[i].len : row->fields[i].len;

		ok = (i == 0 || buf_putc(out, ',')) && textfmt_csv_field(out, v, len);
	}
	return ok;
}

/*
 * Writes one notice as a COPY row into nt->row: file, line, column, code,
 * severity, value, message, action, record (the fields of record, else
 * raw[0..rawlen) as it is, else NULL).
 */
static bool
format_notice(Notices *nt, NoticeKind kind, NoticeAction action,
			  const char *file, long line, const char *colname,
			  const char *value, size_t vlen, const char *message,
			  const CsvRow *record, const char *raw, size_t rawlen)
{
	char		number[24];
	bool		ok;

	buf_reset(&nt->row);
	snprintf(number, sizeof(number), "%ld", line);
	ok = put_column(nt, file, strlen(file), true) &&
		put_column(nt, line > 0 ? number : NULL, strlen(number), false) &&
		put_column(nt, colname, colname ? strlen(colname) : 0, false) &&
		put_column(nt, kinds[kind].code, strlen(kinds[kind].code), false) &&
		put_column(nt, notice_severity_name(kinds[kind].severity),
				 strlen(notice_severity_name(kinds[kind].severity)), false) &&
		put_column(nt, value, vlen, false) &&
		put_column(nt, message, strlen(message), false) &&
		put_column(nt, notice_action_name(action),
				 strlen(notice_action_name(action)), false);
	if (ok && record)
	{
		Buf			csv;

		buf_init(&csv, NOTICE_ROW_MAX);
		ok = put_csv_record(&csv, record) &&
			put_column(nt, csv.data ? csv.data : "", csv.len, false);
		buf_free(&csv);
	}
	else if (ok)
		ok = put_column(nt, raw, rawlen, false);
	return ok && buf_putc(&nt->row, '\n');
}

/*
 * Shows an error of a strict load on stderr, as long as there is room, and
 * every notice that refuses the feed.
 */
static void
print_error(Notices *nt, NoticeKind kind, NoticeAction action,
			const char *file, long line, int column, const char *message)
{
	if (action == ACTION_FEED_REFUSED)
		log_data("error", file, line, column, "%s: the feed is refused",
				 message);
	else if (nt->strict && kinds[kind].severity == NOTICE_ERROR &&
			 nt->counts[NOTICE_ERROR] + nt->held_counts[NOTICE_ERROR] <
			 nt->max_errors)
		log_data("error", file, line, column, "%s", message);
	if (action == ACTION_FEED_REFUSED)
		nt->refused = true;
}

/* Appends nt->row to the temporary file. */
static void
write_row(Notices *nt)
{
	if (nt->row.data == NULL ||
		fwrite(nt->row.data, 1, nt->row.len, nt->tmp) != nt->row.len)
	{
		if (!nt->failed)
			log_error("could not write a notice to a temporary file: %s",
					  nt->row.data ? strerror(errno) : "too long");
		nt->failed = true;
	}
}

NoticeAction
notice_add(Notices *nt, NoticeKind kind, const char *file, long line,
		   int column, const char *colname, const char *value, size_t vlen,
		   const char *fmt,...)
{
	NoticeAction action = notice_rule(kind, NC_OPTIONAL);
	char		message[MESSAGE_MAX];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	print_error(nt, kind, action, file, line, column, message);
	format_notice(nt, kind, action, file, line, colname, value, vlen,
				  message, NULL, NULL, 0);
	write_row(nt);
	nt->counts[kinds[kind].severity]++;
	return action;
}

void
notice_row_begin(Notices *nt)
{
	/* once per row: nothing to do after a row without notices */
	if (!nt->holding)
		return;
	buf_reset(&nt->held);
	memset(nt->held_counts, 0, sizeof(nt->held_counts));
	nt->holding = false;
}

/* The set-aside counter of file, added when missing; NULL when no memory. */
static long *
set_aside_counter(Notices *nt, const char *file)
{
	FileSetAside *more;

	for (int i = 0; i < nt->nfiles; i++)
		if (strcmp(nt->set_aside[i].file, file) == 0)
			return &nt->set_aside[i].count;
	more = realloc(nt->set_aside,
				   sizeof(FileSetAside) * (size_t) (nt->nfiles + 1));
	if (more == NULL)
		return NULL;
	nt->set_aside = more;
	more[nt->nfiles].file = strdup(file);
	more[nt->nfiles].count = 0;
	if (more[nt->nfiles].file == NULL)
		return NULL;
	return &more[nt->nfiles++].count;
}

/*
 * Records a notice of kind about row, or (row NULL) the record text[0..len)
 * starting at line, with action: one that sets the row aside drops the
 * notices held for it and keeps its record; any other is held for the row.
 */
static void
record_row(Notices *nt, NoticeKind kind, NoticeAction action,
		   const char *file, const CsvRow *row, long line, int column,
		   const char *colname, const char *value, size_t vlen,
		   const char *text, size_t len, const char *message)
{
	bool		aside = action == ACTION_ROW_SET_ASIDE;
	long	   *counter = aside ? set_aside_counter(nt, file) : NULL;

	if (aside)
		notice_row_begin(nt);
	/* the physical line of the field at fault, for people */
	print_error(nt, kind, action, file,
				row && column > 0 && column <= row->nfields ?
				csvread_field_line(row, column - 1) : line, column, message);
	/* the row's first line, so that the record can be found in the file */
	if (!format_notice(nt, kind, action, file, line, colname, value, vlen,
					   message, aside ? row : NULL, aside ? text : NULL,
					   aside ? len : 0) ||
		(aside && counter == NULL) ||
		(!aside && !buf_append(&nt->held, nt->row.data, nt->row.len)))
	{
		if (!nt->failed)
			log_error("%s:%ld: out of memory or notice too long", file, line);
		nt->failed = true;
		return;
	}
	if (!aside)
	{
		nt->held_counts[kinds[kind].severity]++;
		nt->holding = true;
		return;
	}
	write_row(nt);
	nt->counts[kinds[kind].severity]++;
	(*counter)++;
}

/* A notice of a row's value or of the row, its message formatted from ap. */
static NoticeAction
record_row_formatted(Notices *nt, NoticeKind kind, NoticeContext context,
					 const char *file, const CsvRow *row, int column,
					 const char *colname, const char *value, size_t vlen,
					 const char *fmt, va_list ap)
{
	NoticeAction action = notice_rule(kind, context);
	char		message[MESSAGE_MAX];

	vsnprintf(message, sizeof(message), fmt, ap);
	record_row(nt, kind, action, file, row, row->line, column, colname,
			   value, vlen, NULL, 0, message);
	return action;
}

NoticeAction
notice_value(Notices *nt, NoticeKind kind, NoticeContext context,
			 const char *file, const CsvRow *row, int column,
			 const char *colname, const char *value, size_t vlen,
			 const char *fmt,...)
{
	NoticeAction action;
	va_list		ap;

	va_start(ap, fmt);
	action = record_row_formatted(nt, kind, context, file, row, column,
								  colname, value, vlen, fmt, ap);
	va_end(ap);
	return action;
}

NoticeAction
notice_row(Notices *nt, NoticeKind kind, const char *file, const CsvRow *row,
		   int column, const char *colname, const char *value, size_t vlen,
		   const char *fmt,...)
{
	NoticeAction action;
	va_list		ap;

	va_start(ap, fmt);
	action = record_row_formatted(nt, kind, NC_OPTIONAL, file, row, column,
								  colname, value, vlen, fmt, ap);
	va_end(ap);
	return action;
}

void
notice_row_keep(Notices *nt)
{
	if (!nt->holding)
		return;
	if (fwrite(nt->held.data, 1, nt->held.len, nt->tmp) != nt->held.len)
	{
		if (!nt->failed)
			log_error("could not write a notice to a temporary file: %s",
					  strerror(errno));
		nt->failed = true;
	}
	for (int s = 0; s < 3; s++)
		nt->counts[s] += nt->held_counts[s];
	notice_row_begin(nt);
}

NoticeAction
notice_text(Notices *nt, NoticeKind kind, const char *file, long line,
			int column, const char *text, size_t len, const char *fmt,...)
{
	NoticeAction action = notice_rule(kind, NC_OPTIONAL);
	char		message[MESSAGE_MAX];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	notice_row_begin(nt);
	record_row(nt, kind, action, file, NULL, line, column, NULL, NULL, 0,
			   text, len, message);
	/* a record alone: nothing else is held for it */
	notice_row_keep(nt);
	return action;
}

long
notice_count(const Notices *nt, NoticeSeverity severity)
{
	return nt->counts[severity];
}

long
notice_set_aside(const Notices *nt, const char *file)
{
	for (int i = 0; i < nt->nfiles; i++)
		if (strcmp(nt->set_aside[i].file, file) == 0)
			return nt->set_aside[i].count;
	return 0;
}

bool
notice_must_stop(const Notices *nt)
{
	return nt->refused ||
		(nt->strict && nt->counts[NOTICE_ERROR] >= nt->max_errors);
}

bool
notice_refused(const Notices *nt)
{
	return nt->refused;
}

void
notice_count_server(Notices *nt, NoticeKind kind, long n)
{
	nt->counts[kinds[kind].severity] += n;
	if (n > 0 && notice_rule(kind, NC_OPTIONAL) == ACTION_FEED_REFUSED)
	{
		log_error("%s: %ld notices of a kind the policy refuses",
				  kinds[kind].code, n);
		nt->refused = true;
	}
}

void
notice_set_counts(Notices *nt, const long counts[3])
{
	memcpy(nt->counts, counts, sizeof(nt->counts));
}

long
notice_error_room(const Notices *nt, long before)
{
	return nt->strict && before < nt->max_errors ? nt->max_errors - before :
		0;
}

bool
notice_drain(Notices *nt, bool (*sink) (void *ctx, const char *data,
										size_t len),
			 void *ctx, bool *any)
{
	char		chunk[DRAIN_CHUNK];
	size_t		n;
	bool		ok = !nt->failed;

	*any = false;
	if (!ok)
		return false;
	if (fflush(nt->tmp) != 0)
	{
		log_error("could not write notices: %s", strerror(errno));
		return false;
	}
	*any = ftell(nt->tmp) > 0;
	rewind(nt->tmp);
	while (ok && *any && (n = fread(chunk, 1, sizeof(chunk), nt->tmp)) > 0)
		ok = sink(ctx, chunk, n);
	if (ok && ferror(nt->tmp))
	{
		log_error("could not read notices back: %s", strerror(errno));
		ok = false;
	}
	rewind(nt->tmp);
	if (ftruncate(fileno(nt->tmp), 0) != 0)
	{
		log_error("could not empty the notices' file: %s", strerror(errno));
		ok = false;
	}
	return ok;
}
