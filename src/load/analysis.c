/*
 * analysis.c: the statistics and translated views of a feed's schema (see
 * analysis.h), from the SQL of schema/sql/, where "@s" is the schema and
 * "@d" every day of every service.
 */
#include "analysis.h"

#include <stddef.h>

#include "sqlbuf.h"
#include "timetable.h"

/* schema/sql/, embedded by the Makefile */
extern const char sql_stats_views[];
extern const char sql_stats_matviews[];
extern const char sql_translated[];

static const char *const matviews[] = {
	"stats_by_route_date", "stats_by_agency_route_stop_hour",
	"stats_active_trips_by_hour"
};

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

bool
analysis_refresh(Buf *sql, const Ddl *d, bool fill)
{
	bool		ok = true;

	/* in order: the last reads feed_time_frame, no other of them */
	for (size_t i = 0; ok && i < sizeof(matviews) / sizeof(matviews[0]); i++)
		ok = ddl_template(sql, d, "REFRESH MATERIALIZED VIEW @s.") &&
			buf_puts(sql, matviews[i]) &&
			buf_puts(sql, fill ? ";\n" : " WITH NO DATA;\n");
	return ok;
}
