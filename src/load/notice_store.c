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
#include "sqlbuf.h"
#include "validator.h"

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

#define SUMMARY_SAMPLES		3		/* notices shown of each code */

/* schema/sql/notices_*.sql, embedded by the Makefile: "@n" the table */
extern const char sql_notices_summary[];
extern const char sql_notices_report[];

/* Runs the query template with "@n" the notices' table; NULL (logged). */
static PGresult *
query_notices(PGconn *conn, const char *template, const char *table,
			  int nparams, const char *const *params)
{
	const char *subst[26] = {['n' - 'a'] = table};
	Buf			sql;
	PGresult   *res = NULL;

	buf_init(&sql, 16 * 1024);
	if (sqlbuf_template(&sql, template, subst))
		res = db_query(conn, sql.data, nparams, params);
	else
		log_error("out of memory");
	buf_free(&sql);
	return res;
}

bool
notice_print_summary(PGconn *conn, const char *table, const char *schema)
{
	char		samples[16];
	const char *params[2] = {schema ? schema : "", samples};
	PGresult   *res;

	snprintf(samples, sizeof(samples), "%d", SUMMARY_SAMPLES);
	res = query_notices(conn, sql_notices_summary, table, 2, params);
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
	Buf			descriptions;
	PGresult   *res = NULL;
	char	   *json = NULL;

	buf_init(&descriptions, 1024 * 1024);
	if (validator_descriptions_json(&descriptions))
		res = query_notices(conn, sql_notices_report, table, 1,
							(const char *const *) &descriptions.data);
	else
		log_error("out of memory");
	buf_free(&descriptions);
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
