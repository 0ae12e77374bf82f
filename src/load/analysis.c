/*
 * analysis.c: the statistics and translated views of a feed's schema (see
 * analysis.h), from the SQL of schema/sql/, expanded by timetable_template.
 */
#include "analysis.h"

#include "db.h"
#include "log.h"
#include "timetable.h"

/* schema/sql/, embedded by the Makefile */
extern const char sql_stats_views[];
extern const char sql_stats_matviews[];
extern const char sql_stats_indexes[];
extern const char sql_translated[];

bool
analysis_views(Buf *sql, const Ddl *d, bool translations)
{
	return timetable_template(sql, d, sql_stats_views) &&
		timetable_template(sql, d, sql_stats_matviews) &&
		(!translations || timetable_template(sql, d, sql_translated));
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

/*
 * Those of d->schema (quoted) that read a table of another schema: the
 * feed's tables they read were put aside by the swap (gtfs2pgsql_dropped,
 * the feed id of the schema changed), where they keep them from going.
 */
static const char stale_sql[] =
"SELECT DISTINCT pg_catalog.format('DROP MATERIALIZED VIEW %s', m.oid::"
"pg_catalog.regclass)\n"
"FROM pg_catalog.pg_class m\n"
"JOIN pg_catalog.pg_rewrite w ON w.ev_class = m.oid\n"
"JOIN pg_catalog.pg_depend d ON d.objid = w.oid\n"
"\tAND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass\n"
"\tAND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass\n"
"JOIN pg_catalog.pg_class c ON c.oid = d.refobjid\n"
"WHERE m.relnamespace = $1::pg_catalog.regnamespace AND m.relkind = 'm'\n"
"AND m.relname IN (" ANALYSIS_MATVIEWS ")\n"
"AND c.relnamespace <> m.relnamespace";

/*
 * Runs each statement that query gives (its parameters: the schema, and
 * fill unless NULL); *ran: how many (when not NULL).
 */
static bool
run_each(const Ddl *d, const char *query, const char *fill, int *ran)
{
	const char *params[2] = {d->schema, fill};
	PGresult   *res = db_query(d->conn, query, fill ? 2 : 1, params);
	bool		ok = res != NULL;
	int			i;

	for (i = 0; ok && i < PQntuples(res); i++)
		ok = db_exec(d->conn, PQgetvalue(res, i, 0));
	PQclear(res);
	if (ran)
		*ran = i;
	return ok;
}

bool
analysis_refresh(const Ddl *d, bool fill)
{
	Buf			sql;
	int			stale = 0;
	bool		ok = run_each(d, stale_sql, NULL, &stale);

	/* those of the tables put aside are made again over the feed's */
	buf_init(&sql, DDL_SQL_MAX);
	if (ok && stale > 0)
	{
		if (!timetable_template(&sql, d, sql_stats_matviews))
		{
			log_error("statement too long or out of memory");
			ok = false;
		}
		else
			ok = db_exec(d->conn, sql.data);
	}
	/* none reads another; filled, they get their indexes */
	ok = ok && run_each(d, matviews_sql, fill ? "true" : "false", NULL);
	if (ok && fill)
	{
		buf_reset(&sql);
		ok = analysis_indexes(&sql, d) && db_exec(d->conn, sql.data);
	}
	buf_free(&sql);
	return ok;
}

bool
analysis_indexes(Buf *sql, const Ddl *d)
{
	if (timetable_template(sql, d, sql_stats_indexes))
		return true;
	log_error("statement too long or out of memory");
	return false;
}
