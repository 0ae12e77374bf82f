/*
 * notice.c: the defects of a feed and what the load does about each.
 *
 * The table below is the policy: changing what a defect does means editing
 * its line.  Codes are the MobilityData GTFS validator's, with its
 * severities, so that a user can look them up; invalid_utf8,
 * zip_trailing_bytes, unnameable_file, point_not_transformed,
 * column_name_too_long, zip_inconsistent, file_name_not_utf8 and
 * unreadable_file are ours.
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
#include "copy.h"
#include "db.h"
#include "log.h"

#define NOTICE_ROW_MAX	(64 * 1024 * 1024)	/* one notice row in COPY form */
#define MESSAGE_MAX		512

typedef struct
{
	const char *code;
	NoticeSeverity severity;
	NoticeAction action;
} NoticeKindInfo;

static const NoticeKindInfo kinds[NK_COUNT] = {
	[NK_INVALID_INTEGER] = {"invalid_integer", NOTICE_ERROR, ACTION_VALUE_NULLED},
	[NK_INVALID_FLOAT] = {"invalid_float", NOTICE_ERROR, ACTION_VALUE_NULLED},
	[NK_INVALID_DATE] = {"invalid_date", NOTICE_ERROR, ACTION_VALUE_NULLED},
	[NK_INVALID_TIME] = {"invalid_time", NOTICE_ERROR, ACTION_VALUE_NULLED},
	[NK_INVALID_CURRENCY_AMOUNT] = {"invalid_currency_amount", NOTICE_ERROR,
	ACTION_VALUE_NULLED},
	[NK_COORDINATE_OUT_OF_RANGE] = {"number_out_of_range", NOTICE_ERROR,
	ACTION_VALUE_NULLED},
	[NK_SIGN_OUT_OF_RANGE] = {"number_out_of_range", NOTICE_ERROR, ACTION_KEPT},
	[NK_UNEXPECTED_ENUM_VALUE] = {"unexpected_enum_value", NOTICE_WARNING,
	ACTION_KEPT},
	[NK_INVALID_COLOR] = {"invalid_color", NOTICE_ERROR, ACTION_KEPT},
	[NK_INVALID_URL] = {"invalid_url", NOTICE_ERROR, ACTION_KEPT},
	[NK_INVALID_EMAIL] = {"invalid_email", NOTICE_ERROR, ACTION_KEPT},
	[NK_INVALID_LANGUAGE_CODE] = {"invalid_language_code", NOTICE_ERROR,
	ACTION_KEPT},
	[NK_INVALID_CURRENCY] = {"invalid_currency", NOTICE_ERROR, ACTION_KEPT},
	[NK_INVALID_UTF8] = {"invalid_utf8", NOTICE_ERROR, ACTION_VALUE_NULLED},
	[NK_MISSING_REQUIRED_FIELD] = {"missing_required_field", NOTICE_ERROR,
	ACTION_KEPT},
	[NK_MISSING_KEY] = {"missing_required_field", NOTICE_ERROR,
	ACTION_ROW_SET_ASIDE},
	[NK_ROW_TOO_LONG] = {"invalid_row_length", NOTICE_ERROR,
	ACTION_ROW_SET_ASIDE},
	[NK_ROW_TOO_SHORT] = {"invalid_row_length", NOTICE_WARNING, ACTION_KEPT},
	[NK_POINT_NEAR_ORIGIN] = {"point_near_origin", NOTICE_ERROR, ACTION_KEPT},
	[NK_POINT_NOT_TRANSFORMED] = {"point_not_transformed", NOTICE_ERROR,
	ACTION_KEPT},
	[NK_MISSING_REQUIRED_COLUMN] = {"missing_required_column", NOTICE_ERROR,
	ACTION_KEPT},
	[NK_DUPLICATED_COLUMN] = {"duplicated_column", NOTICE_ERROR, ACTION_KEPT},
	[NK_EMPTY_COLUMN_NAME] = {"empty_column_name", NOTICE_ERROR, ACTION_KEPT},
	[NK_UNKNOWN_COLUMN] = {"unknown_column", NOTICE_INFO, ACTION_KEPT},
	[NK_UNKNOWN_TXT_FILE] = {"unknown_file", NOTICE_INFO, ACTION_KEPT},
	[NK_UNKNOWN_MEMBER] = {"unknown_file", NOTICE_INFO, ACTION_FILE_SKIPPED},
	[NK_UNNAMEABLE_FILE] = {"unnameable_file", NOTICE_WARNING,
	ACTION_FILE_SKIPPED},
	[NK_MISSING_REQUIRED_FILE] = {"missing_required_file", NOTICE_ERROR,
	ACTION_KEPT},
	[NK_MISSING_CALENDAR] = {"missing_calendar_and_calendar_date_files",
	NOTICE_ERROR, ACTION_KEPT},
	[NK_EMPTY_FILE] = {"empty_file", NOTICE_ERROR, ACTION_KEPT},
	[NK_CSV_PARSING_FAILED] = {"csv_parsing_failed", NOTICE_ERROR,
	ACTION_REST_SKIPPED},
	[NK_CSV_STRAY_QUOTE] = {"csv_parsing_failed", NOTICE_ERROR,
	ACTION_ROW_SET_ASIDE},
	[NK_LEADING_OR_TRAILING_WHITESPACES] = {"leading_or_trailing_whitespaces",
	NOTICE_WARNING, ACTION_KEPT},
	[NK_LONG_COLUMN_NAME] = {"column_name_too_long", NOTICE_WARNING,
	ACTION_KEPT},
	[NK_RESERVED_COLUMN_NAME] = {"reserved_column_name", NOTICE_WARNING,
	ACTION_KEPT},
	[NK_TOO_MANY_COLUMNS] = {"too_many_columns", NOTICE_ERROR,
	ACTION_FILE_SKIPPED},
	[NK_ID_TOO_LONG] = {"id_too_long", NOTICE_ERROR, ACTION_ROW_SET_ASIDE},
	[NK_TOO_MANY_FILES] = {"too_many_files", NOTICE_ERROR,
	ACTION_FILE_SKIPPED},
	[NK_ZIP_TRAILING_BYTES] = {"zip_trailing_bytes", NOTICE_WARNING,
	ACTION_KEPT},
	[NK_DUPLICATE_KEY] = {"duplicate_key", NOTICE_ERROR, ACTION_ROW_SET_ASIDE},
	[NK_FOREIGN_KEY_VIOLATION] = {"foreign_key_violation", NOTICE_ERROR,
	ACTION_KEPT},
	[NK_INVALID_TIMEZONE] = {"invalid_timezone", NOTICE_ERROR, ACTION_KEPT},
	[NK_MALFORMED_JSON] = {"malformed_json", NOTICE_ERROR, ACTION_FILE_SKIPPED},
	[NK_DUPLICATE_GEO_JSON_KEY] = {"duplicate_geo_json_key", NOTICE_ERROR,
	ACTION_ROW_SET_ASIDE},
	/* the archive and its members, met by source.c */
	[NK_ZIP_INCONSISTENT] = {"zip_inconsistent", NOTICE_WARNING, ACTION_KEPT},
	[NK_FILE_IN_SUBFOLDER] = {"invalid_input_files_in_subfolder",
	NOTICE_ERROR, ACTION_FILE_SKIPPED},
	[NK_FILE_NAME_NOT_UTF8] = {"file_name_not_utf8", NOTICE_WARNING,
	ACTION_KEPT},
	[NK_UNREADABLE_FILE] = {"unreadable_file", NOTICE_ERROR,
	ACTION_FILE_SKIPPED},
	/* the features of locations.geojson set aside (geojson.c) */
	[NK_MISSING_REQUIRED_ELEMENT] = {"missing_required_element", NOTICE_ERROR,
	ACTION_ROW_SET_ASIDE},
	[NK_UNSUPPORTED_GEOMETRY_TYPE] = {"unsupported_geometry_type",
	NOTICE_ERROR, ACTION_ROW_SET_ASIDE},
	[NK_INVALID_GEOMETRY] = {"invalid_geometry", NOTICE_ERROR,
	ACTION_ROW_SET_ASIDE},
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

NoticeAction
notice_action(NoticeKind kind)
{
	return kinds[kind].action;
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
	static const char *const names[] = {
		"kept", "value_nulled", "row_set_aside", "file_skipped",
		"rest_of_file_skipped"
	};

	return names[action];
}

/* Appends a text column of the COPY row: shown as written, escaped. */
static bool
put_text(Notices *nt, const char *s, size_t len, bool first)
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

/* The record as CSV: fields quoted where they must be. */
static bool
put_record(Buf *out, const CsvRow *row)
{
	bool		ok = true;

	for (int i = 0; ok && i < row->nfields; i++)
	{
		const char *v = row->fields[i].data;
		size_t		len = row->fields[i].len;
		bool		quote = strcspn(v, ",\"\r\n") < len;

		ok = (i == 0 || buf_putc(out, ',')) && (!quote || buf_putc(out, '"'));
		for (size_t j = 0; ok && j < len; j++)
			ok = (v[j] != '"' || buf_putc(out, '"')) && buf_putc(out, v[j]);
		ok = ok && (!quote || buf_putc(out, '"'));
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
	ok = put_text(nt, file, strlen(file), true) &&
		put_text(nt, line > 0 ? number : NULL, strlen(number), false) &&
		put_text(nt, colname, colname ? strlen(colname) : 0, false) &&
		put_text(nt, kinds[kind].code, strlen(kinds[kind].code), false) &&
		put_text(nt, notice_severity_name(kinds[kind].severity),
				 strlen(notice_severity_name(kinds[kind].severity)), false) &&
		put_text(nt, value, vlen, false) &&
		put_text(nt, message, strlen(message), false) &&
		put_text(nt, notice_action_name(action),
				 strlen(notice_action_name(action)), false);
	if (ok && record)
	{
		Buf			csv;

		buf_init(&csv, NOTICE_ROW_MAX);
		ok = put_record(&csv, record) &&
			put_text(nt, csv.data ? csv.data : "", csv.len, false);
		buf_free(&csv);
	}
	else if (ok)
		ok = put_text(nt, raw, rawlen, false);
	return ok && buf_putc(&nt->row, '\n');
}

/* Shows an error of a strict load on stderr, as long as there is room. */
static void
print_error(Notices *nt, NoticeKind kind, const char *file, long line,
			int column, const char *message)
{
	if (!nt->strict || kinds[kind].severity != NOTICE_ERROR ||
		nt->counts[NOTICE_ERROR] + nt->held_counts[NOTICE_ERROR] >=
		nt->max_errors)
		return;
	log_data("error", file, line, column, "%s", message);
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

void
notice_add(Notices *nt, NoticeKind kind, const char *file, long line,
		   int column, const char *colname, const char *value, size_t vlen,
		   const char *fmt,...)
{
	char		message[MESSAGE_MAX];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	print_error(nt, kind, file, line, column, message);
	format_notice(nt, kind, kinds[kind].action, file, line, colname, value,
				  vlen, message, NULL, NULL, 0);
	write_row(nt);
	nt->counts[kinds[kind].severity]++;
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

void
notice_value(Notices *nt, NoticeKind kind, const char *file, long line,
			 int column, const char *colname, const char *value, size_t vlen,
			 const char *fmt,...)
{
	char		message[MESSAGE_MAX];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	print_error(nt, kind, file, line, column, message);
	if (!format_notice(nt, kind, kinds[kind].action, file, line, colname,
					   value, vlen, message, NULL, NULL, 0) ||
		!buf_append(&nt->held, nt->row.data, nt->row.len))
	{
		if (!nt->failed)
			log_error("%s:%ld: notice too long", file, line);
		nt->failed = true;
	}
	nt->held_counts[kinds[kind].severity]++;
	nt->holding = true;
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

void
notice_row_set_aside(Notices *nt, NoticeKind kind, const char *file,
					 const CsvRow *row, int column, const char *colname,
					 const char *value, size_t vlen, const char *fmt,...)
{
	char		message[MESSAGE_MAX];
	long	   *counter = set_aside_counter(nt, file);
	long		line = column > 0 && column <= row->nfields ?
		csvread_field_line(row, column - 1) : row->line;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	notice_row_begin(nt);
	print_error(nt, kind, file, line, column, message);
	/* the row's first line, so that the record can be found in the file */
	if (!format_notice(nt, kind, ACTION_ROW_SET_ASIDE, file, row->line,
					   colname, value, vlen, message, row, NULL, 0) ||
		counter == NULL)
	{
		if (!nt->failed)
			log_error("%s:%ld: out of memory or notice too long", file,
					  row->line);
		nt->failed = true;
		return;
	}
	write_row(nt);
	nt->counts[kinds[kind].severity]++;
	(*counter)++;
}

void
notice_text_set_aside(Notices *nt, NoticeKind kind, const char *file,
					  long line, int column, const char *text, size_t len,
					  const char *fmt,...)
{
	char		message[MESSAGE_MAX];
	long	   *counter = set_aside_counter(nt, file);
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	notice_row_begin(nt);
	print_error(nt, kind, file, line, column, message);
	if (!format_notice(nt, kind, ACTION_ROW_SET_ASIDE, file, line, NULL,
					   NULL, 0, message, NULL, text, len) ||
		counter == NULL)
	{
		if (!nt->failed)
			log_error("%s:%ld: out of memory or notice too long", file,
					  line);
		nt->failed = true;
		return;
	}
	write_row(nt);
	nt->counts[kinds[kind].severity]++;
	(*counter)++;
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
notice_too_many(const Notices *nt)
{
	return nt->strict && nt->counts[NOTICE_ERROR] >= nt->max_errors;
}

void
notice_count_server(Notices *nt, NoticeKind kind, long n)
{
	nt->counts[kinds[kind].severity] += n;
}

/*
 * A row set aside in the server (a duplicate key) may have had notices
 * about its values while it streamed: the record says it all now, so they
 * go (notice_recount makes the counts follow).
 */
static bool
drop_shadowed(PGconn *conn, const char *table)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, 4096);
	ok = buf_puts(&sql, "DELETE FROM ") && buf_puts(&sql, table) &&
		buf_puts(&sql, " AS n WHERE n.action <> 'row_set_aside' AND "
				 "n.\"column\" IS NOT NULL AND EXISTS (SELECT FROM ") &&
		buf_puts(&sql, table) &&
		buf_puts(&sql, " AS s WHERE s.file = n.file AND s.line = n.line "
				 "AND s.action = 'row_set_aside')") &&
		db_exec(conn, sql.data);
	buf_free(&sql);
	return ok;
}

bool
notice_recount(Notices *nt, PGconn *conn, const char *table)
{
	Buf			sql;
	PGresult   *res;

	buf_init(&sql, 4096);
	res = buf_puts(&sql, "SELECT severity, count(*) FROM ") &&
		buf_puts(&sql, table) && buf_puts(&sql, " GROUP BY severity") ?
		db_query(conn, sql.data, 0, NULL) : NULL;
	buf_free(&sql);
	if (res == NULL)
		return false;
	memset(nt->counts, 0, sizeof(nt->counts));
	for (int r = 0; r < PQntuples(res); r++)
		for (int s = 0; s < 3; s++)
			if (strcmp(PQgetvalue(res, r, 0), notice_severity_name(s)) == 0)
				nt->counts[s] = atol(PQgetvalue(res, r, 1));
	PQclear(res);
	return true;
}

bool
notice_store(Notices *nt, PGconn *conn, const char *table)
{
	CopyStream	copy;
	Buf			sql;
	char		chunk[COPY_FLUSH_SIZE];
	size_t		n;
	bool		ok;

	if (nt->failed)
		return false;
	if (fflush(nt->tmp) != 0 || ftell(nt->tmp) == 0)
		return fflush(nt->tmp) == 0;
	buf_init(&sql, 1024);
	ok = buf_puts(&sql, "COPY ") && buf_puts(&sql, table) &&
		buf_puts(&sql, " (file, line, \"column\", code, severity, value, "
				 "message, action, record) FROM STDIN") &&
		copy_begin(&copy, conn, sql.data, 0);
	buf_free(&sql);
	if (!ok)
		return false;
	rewind(nt->tmp);
	while (ok && (n = fread(chunk, 1, sizeof(chunk), nt->tmp)) > 0)
		ok = buf_append(&copy.buf, chunk, n) && copy_flush(&copy);
	if (ok && ferror(nt->tmp))
	{
		log_error("could not read notices back: %s", strerror(errno));
		ok = false;
	}
	ok = copy_end(&copy, ok ? NULL : "notices could not be read") && ok;
	ok = ok && drop_shadowed(conn, table);
	rewind(nt->tmp);
	if (ftruncate(fileno(nt->tmp), 0) != 0)
	{
		log_error("could not empty the notices' file: %s", strerror(errno));
		ok = false;
	}
	return ok;
}

/* The rank of a severity's name in SQL, errors first. */
#define SEVERITY_RANK \
	"CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"

bool
notice_print_summary(PGconn *conn, const char *table, const char *shown)
{
	Buf			sql;
	PGresult   *res;

	buf_init(&sql, 4096);
	res = buf_puts(&sql, "SELECT severity, code, count(*), string_agg(loc, "
				   "', ' ORDER BY k) FILTER (WHERE k <= 3) FROM (SELECT "
				   "severity, code, file || coalesce(':' || line, '') AS loc, "
				   "row_number() OVER (PARTITION BY severity, code ORDER BY "
				   "file, line) AS k FROM ") &&
		buf_puts(&sql, table) &&
		buf_puts(&sql, ") AS n GROUP BY severity, code ORDER BY "
				 SEVERITY_RANK ", count(*) DESC, code") ?
		db_query(conn, sql.data, 0, NULL) : NULL;
	buf_free(&sql);
	if (res == NULL)
		return false;
	if (PQntuples(res) > 0)
		log_notice("notices (in %s):", shown);
	for (int r = 0; r < PQntuples(res); r++)
		log_plain("  %-7s %-30s %8s  %s%s", PQgetvalue(res, r, 0),
				   PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
				   PQgetvalue(res, r, 3),
				   atol(PQgetvalue(res, r, 2)) > 3 ? ", ..." : "");
	PQclear(res);
	return true;
}

char *
notice_report_json(PGconn *conn, const char *table)
{
	Buf			sql;
	PGresult   *res;
	char	   *json = NULL;

	buf_init(&sql, 4096);
	res = buf_puts(&sql, "SELECT coalesce(json_agg(json_build_object("
				   "'code', code, 'severity', severity, 'file', file, "
				   "'count', n, 'first_line', first_line, 'example', "
				   "example) ORDER BY rank, file, code), '[]') FROM (SELECT "
				   "code, severity, file, count(*) AS n, min(line) AS "
				   "first_line, (array_agg(left(coalesce(value, message), "
				   "200) ORDER BY line NULLS FIRST))[1] AS example, "
				   SEVERITY_RANK " AS rank FROM ") &&
		buf_puts(&sql, table) &&
		buf_puts(&sql, " GROUP BY code, severity, file) AS g") ?
		db_query(conn, sql.data, 0, NULL) : NULL;
	buf_free(&sql);
	if (res != NULL)
	{
		json = strdup(PQgetvalue(res, 0, 0));
		if (json == NULL)
			log_error("out of memory");
	}
	PQclear(res);
	return json;
}

bool
notice_print_inserted(const Notices *nt, PGconn *conn, const char *table,
					  const char *file, const char *column, NoticeKind kind,
					  int colno, long before)
{
	const char *params[3] = {file, column ? column : "", notice_code(kind)};
	char		limit[24];
	Buf			sql;
	PGresult   *res;

	if (!nt->strict || notice_severity(kind) != NOTICE_ERROR ||
		before >= nt->max_errors)
		return true;
	snprintf(limit, sizeof(limit), "%ld", nt->max_errors - before);
	buf_init(&sql, 4096);
	res = buf_puts(&sql, "SELECT line, message FROM ") &&
		buf_puts(&sql, table) &&
		buf_puts(&sql, " WHERE file = $1 AND coalesce(\"column\", '') = $2 "
				 "AND code = $3 ORDER BY line LIMIT ") &&
		buf_puts(&sql, limit) ? db_query(conn, sql.data, 3, params) : NULL;
	for (int r = 0; res && r < PQntuples(res); r++)
		log_data("error", file, atol(PQgetvalue(res, r, 0)), colno, "%s",
				 PQgetvalue(res, r, 1));
	buf_free(&sql);
	PQclear(res);
	return res != NULL;
}
