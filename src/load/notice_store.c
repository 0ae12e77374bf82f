/*
 * notice_store.c: the notices of a load into the server, and what is read
 * back from there: counts, a summary for people, the report's list.
 */
#include "notice_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "copy.h"
#include "db.h"
#include "log.h"

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
	long		counts[3] = {0, 0, 0};
	Buf			sql;
	PGresult   *res;

	buf_init(&sql, 4096);
	res = buf_puts(&sql, "SELECT severity, count(*) FROM ") &&
		buf_puts(&sql, table) && buf_puts(&sql, " GROUP BY severity") ?
		db_query(conn, sql.data, 0, NULL) : NULL;
	buf_free(&sql);
	if (res == NULL)
		return false;
	for (int r = 0; r < PQntuples(res); r++)
		for (int s = 0; s < 3; s++)
			if (strcmp(PQgetvalue(res, r, 0), notice_severity_name(s)) == 0)
				counts[s] = atol(PQgetvalue(res, r, 1));
	PQclear(res);
	notice_set_counts(nt, counts);
	return true;
}

/* Appends data to the COPY of the notices; notice_drain's sink. */
static bool
copy_notices(void *ctx, const char *data, size_t len)
{
	CopyStream *copy = ctx;

	return buf_append(&copy->buf, data, len) && copy_flush(copy);
}

bool
notice_store(Notices *nt, PGconn *conn, const char *table)
{
	CopyStream	copy;
	Buf			sql;
	bool		ok;
	bool		any;

	buf_init(&sql, 1024);
	ok = buf_puts(&sql, "COPY ") && buf_puts(&sql, table) &&
		buf_puts(&sql, " (file, line, \"column\", code, severity, value, "
				 "message, action, record) FROM STDIN") &&
		copy_begin(&copy, conn, sql.data, 0);
	buf_free(&sql);
	if (!ok)
		return false;
	ok = notice_drain(nt, copy_notices, &copy, &any);
	ok = copy_end(&copy, ok ? NULL : "notices could not be read") && ok;
	return ok && (!any || drop_shadowed(conn, table));
}

#define SUMMARY_SAMPLES		3	/* notices shown of each code */
#define SAMPLE_VALUE_MAX	60	/* characters of a value, a file shown */
#define SAMPLE_MESSAGE_MAX	300 /* characters of a message shown */
/* a macro's value as a string literal, for SQL */
#define CppAsString(x)		#x
#define CppAsString2(x)		CppAsString(x)

/* The rank of a severity's name in SQL, errors first. */
#define SEVERITY_RANK \
	"CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"

/*
 * A notice for people, as the server has it: where, then its field and
 * value when the message does not name them (the field goes with the
 * value: a key's message names the values of its fields), then the
 * message; cut (a zip's member may have a name of 64 KB; the log writes
 * control characters as \xHH).
 */
#define SHOW_VALUE	"value IS NOT NULL AND strpos(message, value) = 0"
#define SHOW_COLUMN	"\"column\" IS NOT NULL AND strpos(message, \"column\") " \
	"= 0 AND (value IS NULL OR strpos(message, value) = 0)"
#define SAMPLE_TEXT \
	"left(file, " CppAsString2(SAMPLE_VALUE_MAX) ") || CASE WHEN " \
	"length(file) > " CppAsString2(SAMPLE_VALUE_MAX) " THEN '...' ELSE '' " \
	"END || coalesce(':' || line, '') || ': ' || " \
	"CASE WHEN show_column THEN \"column\" || CASE WHEN show_value " \
	"THEN ' ' ELSE ': ' END ELSE '' END || CASE WHEN show_value THEN " \
	"'\"' || left(value, " CppAsString2(SAMPLE_VALUE_MAX) ") || " \
	"CASE WHEN length(value) > " CppAsString2(SAMPLE_VALUE_MAX) \
	" THEN '...' ELSE '' END || '\": ' ELSE '' END || " \
	"left(message, " CppAsString2(SAMPLE_MESSAGE_MAX) ")"

bool
notice_print_summary(PGconn *conn, const char *table, const char *schema)
{
	const char *params[1] = {schema ? schema : ""};
	Buf			sql;
	PGresult   *res;

	/*
	 * at most SUMMARY_SAMPLES rows a code: the client's memory stays flat;
	 * the columns sorted are only those shown (not the records)
	 */
	buf_init(&sql, 4096);
	res = buf_puts(&sql, "SELECT severity, code, n, " SAMPLE_TEXT ", "
				   "format('SELECT * FROM %I.import_notices WHERE ', $1::text) || "
				   "CASE WHEN n < n_code THEN format('severity = %L AND ', "
				   "severity) ELSE '' END || format('code = %L', code), "
				   "format('%I.import_notices', $1::text) "
				   "FROM (SELECT *, " SHOW_VALUE " AS show_value, " SHOW_COLUMN
				   " AS show_column FROM (SELECT severity, code, file, line, "
				   "\"column\", value, message, count(*) OVER (PARTITION BY "
				   "severity, code) AS n, count(*) OVER (PARTITION BY code) AS "
				   "n_code, row_number() OVER (PARTITION BY severity, code "
				   "ORDER BY file, line NULLS FIRST, \"column\") AS k FROM ") &&
		buf_puts(&sql, table) &&
		buf_puts(&sql, ") AS a WHERE k <= " CppAsString2(SUMMARY_SAMPLES)
				 ") AS n ORDER BY " SEVERITY_RANK ", n DESC, code, k") ?
		db_query(conn, sql.data, 1, params) : NULL;
	buf_free(&sql);
	if (res == NULL)
		return false;
	/* the table named as in the queries, which a user may copy */
	if (PQntuples(res) > 0 && schema)
		log_notice("notices (in %s):", PQgetvalue(res, 0, 5));
	else if (PQntuples(res) > 0)
		log_notice("notices (not stored: the feed is not loaded):");
	for (int r = 0; r < PQntuples(res); r++)
	{
		long		n = atol(PQgetvalue(res, r, 2));
		bool		first = r == 0 ||
			strcmp(PQgetvalue(res, r, 1), PQgetvalue(res, r - 1, 1)) != 0 ||
			strcmp(PQgetvalue(res, r, 0), PQgetvalue(res, r - 1, 0)) != 0;
		bool		last = r + 1 == PQntuples(res) ||
			strcmp(PQgetvalue(res, r, 1), PQgetvalue(res, r + 1, 1)) != 0 ||
			strcmp(PQgetvalue(res, r, 0), PQgetvalue(res, r + 1, 0)) != 0;

		if (first)
			log_plain("  %-7s %-30s %8ld", PQgetvalue(res, r, 0),
					  PQgetvalue(res, r, 1), n);
		log_plain("      %s", PQgetvalue(res, r, 3));
		if (last && n > SUMMARY_SAMPLES && schema)
			log_plain("      and %ld more: %s", n - SUMMARY_SAMPLES,
					  PQgetvalue(res, r, 4));
		else if (last && n > SUMMARY_SAMPLES)
			log_plain("      and %ld more", n - SUMMARY_SAMPLES);
	}
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

	if (notice_severity(kind) != NOTICE_ERROR ||
		notice_error_room(nt, before) == 0)
		return true;
	snprintf(limit, sizeof(limit), "%ld", notice_error_room(nt, before));
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
