/*
 * analysis.c: the statistics and translated views of a feed's schema (see
 * analysis.h), from the SQL of schema/sql/, where "@s" is the schema and
 * "@d" every day of every service.
 */
#include "analysis.h"

#include "db.h"
#include "sqlbuf.h"
#include "timetable.h"

/* schema/sql/, embedded by the Makefile */
extern const char sql_stats_views[];
extern const char sql_stats_matviews[];
extern const char sql_translated[];

/* Appends template with "@d" filled, then "@s" and ddl_template's. */
static bool
append_template(Buf *sql, const Ddl *d, const char *template)
{
	const char *subst[26] = {NULL};
	Buf			days;
	bool		ok;

	subst['d' - 'a'] = timetable_service_days;
	buf_init(&days, DDL_SQL_MAX);
	ok = sqlbuf_template(&days, template, subst) &&
		ddl_template(sql, d, days.data);
	buf_free(&days);
	return ok;
}

bool
analysis_views(Buf *sql, const Ddl *d)
{
	return append_template(sql, d, sql_stats_views) &&
		append_template(sql, d, sql_stats_matviews) &&
		append_template(sql, d, sql_translated);
}

/*
 * Those to refresh, in d->schema (quoted): all to fill them, those that
 * hold rows to empty them (a REFRESH ... WITH NO DATA of an empty one
 * costs tens of milliseconds all the same: a new file and its indexes).
 */
static const char matviews_sql[] =
"SELECT pg_catalog.format('REFRESH MATERIALIZED VIEW %s%s', c.oid::"
"pg_catalog.regclass, CASE WHEN $2 THEN '' ELSE ' WITH NO DATA' END)\n"
"FROM pg_catalog.pg_class c\n"
"WHERE c.relnamespace = $1::pg_catalog.regnamespace AND c.relkind = 'm'\n"
"AND c.relname IN (" ANALYSIS_MATVIEWS ") AND ($2 OR c.relispopulated)";

bool
analysis_refresh(const Ddl *d, bool fill)
{
	const char *params[2] = {d->schema, fill ? "true" : "false"};
	PGresult   *res = db_query(d->conn, matviews_sql, 2, params);
	bool		ok = res != NULL;

	/* none reads another */
	for (int i = 0; ok && i < PQntuples(res); i++)
		ok = db_exec(d->conn, PQgetvalue(res, i, 0));
	PQclear(res);
	return ok;
}
