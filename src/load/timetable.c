/*
 * timetable.c: service_days, trip_starts, arrivals_departures, connections
 * and their helper functions, in the order a load makes them.
 *
 * The SQL is in schema/sql/timetable_*.sql, which says what each does:
 * the timetable as instants, exact across DST, with gtfs-via-postgres's
 * objects and columns.  The templates are expanded by ddl_template ("@s":
 * the schema), after "@d": every day of every service.
 */
#include "timetable.h"

#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "notice_store.h"
#include "progress.h"
#include "sqlbuf.h"

/* The SQL of schema/sql/timetable_*.sql (the Makefile embeds it). */
extern const char sql_timetable_service_days[];
extern const char sql_timetable_range_notice[];
extern const char sql_timetable_far_notice[];
extern const char sql_timetable_days_fill[];
extern const char sql_timetable_trip_starts[];
extern const char sql_timetable_trip_starts_fill[];
extern const char sql_timetable_arrivals_departures[];
extern const char sql_timetable_connections[];
extern const char sql_timetable_window[];

/* In the order the load runs them. */
static const struct
{
	const char *sql;
	bool		view;
	const char *step;			/* its name in the report */
	NoticeKind	notice;			/* the kind it records (then not of the
								 * schema), or NK_COUNT */
}			statements[] = {
	{sql_timetable_service_days, false, "service_days table", NK_COUNT},
	{sql_timetable_range_notice, false, "calendar date range check",
	NK_START_AND_END_RANGE_OUT_OF_ORDER},
	{sql_timetable_far_notice, false, "calendar far future check",
	NK_SERVICE_EXTENDS_FAR_IN_THE_FUTURE},
	{sql_timetable_days_fill, false, "service_days", NK_COUNT},
	{"ALTER TABLE @s.service_days ADD PRIMARY KEY (service_id, date)",
	false, "service_days primary key", NK_COUNT},
	{"CREATE INDEX ON @s.service_days (date)", false,
	"service_days(date) index", NK_COUNT},
	{sql_timetable_trip_starts, false, "trip_starts table", NK_COUNT},
	{sql_timetable_trip_starts_fill, false, "trip_starts", NK_COUNT},
	{"ALTER TABLE @s.trip_starts ADD PRIMARY KEY (trip_id)", false,
	"trip_starts primary key", NK_COUNT},
	{sql_timetable_arrivals_departures, true, "arrivals_departures view",
	NK_COUNT},
	{sql_timetable_connections, true, "connections view", NK_COUNT},
	{sql_timetable_window, true, "time window functions", NK_COUNT},
};

bool
timetable_template(Buf *sql, const Ddl *d, const char *template)
{
	const char *subst[26] = {NULL};
	Buf			days;
	bool		ok;

	buf_init(&days, DDL_SQL_MAX);
	subst['d' - 'a'] = sql_timetable_days;
	ok = sqlbuf_template(&days, template, subst) &&
		ddl_template(sql, d, days.data);
	buf_free(&days);
	return ok;
}

#define NSTATEMENTS ((int) (sizeof(statements) / sizeof(statements[0])))

int
timetable_count(void)
{
	return NSTATEMENTS;
}

bool
timetable_sql(Buf *sql, const Ddl *d, int i, TimetablePart part)
{
	if (i < 0 || i >= NSTATEMENTS ||
		(part == TIMETABLE_SCHEMA &&
		 (statements[i].notice != NK_COUNT || statements[i].view)) ||
		(part == TIMETABLE_LOAD && statements[i].view) ||
		(part == TIMETABLE_VIEWS && !statements[i].view))
		return true;
	return timetable_template(sql, d, statements[i].sql);
}

/*
 * Runs statement i, which records notices of its kind: their code,
 * severity and action are the table's; they count with the others and a
 * strict load lists its errors.
 */
static bool
record_notices(PGconn *conn, const Ddl *d, Notices *nt, int end_date_column,
			   const char *sql, NoticeKind kind)
{
	const char *params[3] = {
		notice_code(kind),
		notice_severity_name(notice_severity(kind)),
		notice_action_name(notice_rule(kind, NC_OPTIONAL))
	};
	long		before = notice_count(nt, NOTICE_ERROR);
	PGresult   *res;
	bool		ok = db_run(conn, sql, 3, params, NULL,
							"could not check calendar.txt", &res) == DB_DONE;
	Buf			table;

	if (ok)
		notice_count_server(nt, kind, atol(PQcmdTuples(res)));
	PQclear(res);
	buf_init(&table, DDL_SQL_MAX);
	ok = ok && ddl_table(&table, d, "import_notices") &&
		notice_print_inserted(nt, conn, table.data, "calendar.txt",
							  "end_date", kind, end_date_column, before);
	buf_free(&table);
	return ok;
}

bool
timetable_create(PGconn *conn, const Ddl *d, Notices *nt,
				 int end_date_column, Report *rep)
{
	Buf			sql;
	bool		ok = true;

	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && i < NSTATEMENTS; i++)
	{
		double		started = progress_step(statements[i].step);

		buf_reset(&sql);
		ok = timetable_sql(&sql, d, i, TIMETABLE_LOAD);
		if (!ok)
			log_error("statement too long or out of memory");
		else if (sql.len == 0)
			continue;
		else if (statements[i].notice != NK_COUNT)
			ok = record_notices(conn, d, nt, end_date_column, sql.data,
								statements[i].notice);
		else
			ok = db_exec(conn, sql.data);
		ok = ok && report_add_step(rep, statements[i].step, started);
	}
	buf_free(&sql);
	return ok;
}
