/*
 * cut.c: the part of a feed a cut keeps; see cut.h.
 *
 * The period reaches the server as parameters only: into pg_temp.k_period,
 * which the statements that follow read (a COPY takes no parameters).
 */
#include "cut.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "sqlbuf.h"
#include "timetable.h"

#define SQL_MAX			(4 * 1024 * 1024)

/* The ids a cut keeps, per kind; each is a temporary table pg_temp.k_*. */
typedef struct
{
	const char *ref;			/* a key as the catalog's refs name it */
	const char *table;			/* pg_temp's table of the ids kept */
} KeptIds;

static const KeptIds kept_ids[] = {
	{"trips.trip_id", "k_trips"},
	{"routes.route_id", "k_routes"},
	{"stops.stop_id", "k_stops"},
	{"stops.zone_id", "k_zones"},
	{"shapes.shape_id", "k_shapes"},
	{"agency.agency_id", "k_agency"},
	{"calendar.service_id", "k_services"},
	{"calendar_dates.service_id", "k_services"},
	{"levels.level_id", "k_levels"},
};

/*
 * The statements that fill them after k_trips (made by cut_tables):
 * schema/sql/cut_kept.sql, embedded by the Makefile, "@s" for the feed's
 * schema.
 */
extern const char sql_cut_kept[];

/* The trips it keeps: schema/sql/cut_trips.sql, "@s" and "@d". */
extern const char sql_cut_trips[];

/*
 * Tables whose references do not cut them: their rows are referred to by
 * rows kept (a booking rule by stop_times), whatever they refer to.
 */
static const char *const uncut_tables[] = {"booking_rules"};

/* The temporary table of the ids a key of the catalog refers to, or NULL. */
static const char *
kept_table(const char *ref)
{
	for (size_t i = 0; i < sizeof(kept_ids) / sizeof(kept_ids[0]); i++)
	{
		size_t		n = strlen(kept_ids[i].ref);

		if (strncmp(ref, kept_ids[i].ref, n) == 0 &&
			(ref[n] == '\0' || ref[n] == '|'))
			return kept_ids[i].table;
	}
	return NULL;
}

bool
cut_wanted(const ExportOptions *opt)
{
	return opt->from || opt->to || opt->bbox || opt->nroutes > 0;
}

/* SQL: the period's first and last day (k_period's, NULL: unbounded). */
static const char *const first_day = "(SELECT first_day FROM pg_temp.k_period)";
static const char *const last_day = "(SELECT last_day FROM pg_temp.k_period)";

/* Appends "<sep>col op day" when set; sep becomes AND. */
static bool
put_bound(Buf *sql, const char **sep, const char *col, const char *op,
		  const char *set, const char *day)
{
	bool		ok;

	if (set == NULL)
		return true;
	ok = buf_puts(sql, *sep) && buf_puts(sql, col) && buf_putc(sql, ' ') &&
		buf_puts(sql, op) && buf_putc(sql, ' ') && buf_puts(sql, day);
	*sep = " AND ";
	return ok;
}

bool
cut_where(Buf *sql, PGconn *conn, const ExportOptions *opt,
		  const CatalogFile *cat)
{
	const char *sep = " WHERE ";
	bool		ok = true;
	char		own[128];

	if (!cut_wanted(opt) || cat == NULL)
		return true;
	for (size_t i = 0; i < sizeof(uncut_tables) / sizeof(uncut_tables[0]);
		 i++)
		if (strcmp(cat->table, uncut_tables[i]) == 0)
			return true;
	for (int f = 0; ok && f < cat->nfields; f++)
	{
		const CatalogField *cf = &cat->fields[f];
		const char *kept;

		snprintf(own, sizeof(own), "%s.%s", cat->table, cf->name);
		kept = kept_table(own);
		if (kept == NULL && cf->refs)
			kept = kept_table(cf->refs);
		if (kept == NULL)
			continue;
		ok = buf_puts(sql, sep) && buf_putc(sql, '(') &&
			sqlbuf_ident(sql, conn, cf->name) &&
			buf_puts(sql, " IS NULL OR ") &&
			sqlbuf_ident(sql, conn, cf->name) &&
			buf_puts(sql, " IN (SELECT id FROM pg_temp.") &&
			buf_puts(sql, kept) && buf_puts(sql, "))");
		sep = " AND ";
	}
	if (ok && strcmp(cat->table, "calendar") == 0)
		ok = put_bound(sql, &sep, "end_date", ">=", opt->from, first_day) &&
			put_bound(sql, &sep, "start_date", "<=", opt->to, last_day);
	if (ok && strcmp(cat->table, "calendar_dates") == 0)
		ok = put_bound(sql, &sep, "date", ">=", opt->from, first_day) &&
			put_bound(sql, &sep, "date", "<=", opt->to, last_day);
	if (!ok)
		log_error("out of memory");
	return ok;
}

/*
 * How a cut clips column col of cat's table: from the period's start (<)
 * or to its end (>); 0: not clipped.
 */
static char
date_clip(const CatalogFile *cat, const char *col)
{
	if (cat == NULL)
		return 0;
	if (strcmp(cat->table, "calendar") == 0)
		return strcmp(col, "start_date") == 0 ? '<' :
			strcmp(col, "end_date") == 0 ? '>' : 0;
	if (strcmp(cat->table, "feed_info") == 0)
		return strcmp(col, "feed_start_date") == 0 ? '<' :
			strcmp(col, "feed_end_date") == 0 ? '>' : 0;
	return 0;
}

bool
cut_put_date(Buf *sql, PGconn *conn, const ExportOptions *opt,
			 const CatalogFile *cat, const char *col)
{
	char		clip = date_clip(cat, col);
	const char *bound = clip == '<' ? opt->from : opt->to;
	bool		ok;

	/* GREATEST and LEAST skip NULLs: the CASE keeps an empty date empty */
	if (clip && bound)
		ok = buf_puts(sql, "pg_catalog.to_char(") &&
			buf_puts(sql, clip == '<' ? "GREATEST(" : "LEAST(") &&
			sqlbuf_ident(sql, conn, col) && buf_puts(sql, ", CASE WHEN ") &&
			sqlbuf_ident(sql, conn, col) &&
			buf_puts(sql, " IS NOT NULL THEN ") &&
			buf_puts(sql, clip == '<' ? first_day : last_day) &&
			buf_puts(sql, " END), 'YYYYMMDD')");
	else
		ok = buf_puts(sql, "pg_catalog.to_char(") &&
			sqlbuf_ident(sql, conn, col) && buf_puts(sql, ", 'YYYYMMDD')");
	return ok;
}

/* opt's routes as a text[] literal: {"a","b\"c"} */
static bool
put_routes(Buf *routes, const ExportOptions *opt)
{
	bool		ok = buf_putc(routes, '{');

	for (int i = 0; ok && i < opt->nroutes; i++)
	{
		ok = buf_puts(routes, i ? ",\"" : "\"");
		for (const char *p = opt->routes[i]; ok && *p; p++)
			ok = ((*p != '"' && *p != '\\') || buf_putc(routes, '\\')) &&
				buf_putc(routes, *p);
		ok = ok && buf_putc(routes, '"');
	}
	return ok && buf_putc(routes, '}');
}

/*
 * The trips the cut keeps into pg_temp.k_trips (schema/sql/cut_trips.sql),
 * then what they use (cut_kept.sql); false (logged) on failure.
 */
static bool
cut_tables(PGconn *conn, const ExportOptions *o, const char *const subst[26])
{
	const char *period[2] = {o->from, o->to};
	const char *params[7] = {NULL, o->from, o->to};
	const char *trips_subst[26];
	char		box[4][32];
	Buf			sql;
	Buf			days;
	Buf			routes;
	bool		ok;

	memcpy(trips_subst, subst, sizeof(trips_subst));
	for (int i = 0; o->bbox && i < 4; i++)
	{
		snprintf(box[i], sizeof(box[i]), "%.17g", o->box[i]);
		params[3 + i] = box[i];
	}
	buf_init(&sql, SQL_MAX);
	buf_init(&days, SQL_MAX);
	buf_init(&routes, SQL_MAX);
	ok = sqlbuf_template(&days, sql_timetable_days, subst) &&
		(o->nroutes == 0 || put_routes(&routes, o));
	params[0] = o->nroutes > 0 ? routes.data : NULL;
	trips_subst['d' - 'a'] = days.data;
	ok = ok && buf_puts(&sql, "CREATE TEMP TABLE k_trips ON COMMIT DROP AS ") &&
		sqlbuf_template(&sql, sql_cut_trips, trips_subst);
	if (!ok)
		log_error("out of memory");
	ok = ok && db_run(conn, "CREATE TEMP TABLE k_period ON COMMIT DROP "
					  "AS SELECT $1::date AS first_day, $2::date AS last_day",
					  2, period, NULL, "could not cut the feed", NULL) == DB_DONE &&
		db_run(conn, sql.data, 7, params, NULL, "could not cut the feed",
			   NULL) == DB_DONE;
	if (ok)
	{
		buf_reset(&sql);
		ok = sqlbuf_template(&sql, sql_cut_kept, subst);
		if (!ok)
			log_error("out of memory");
		ok = ok && db_exec(conn, sql.data);
	}
	buf_free(&sql);
	buf_free(&days);
	buf_free(&routes);
	return ok;
}

bool
cut_make(PGconn *conn, const ExportOptions *opt, const char *schema,
		 const char *postgis, bool *db_failed)
{
	const char *subst[26] = {['s' - 'a'] = schema, ['g' - 'a'] = postgis};
	PGresult   *res;
	bool		ok;

	if (!cut_tables(conn, opt, subst))
	{
		*db_failed = true;
		return false;
	}
	/*
	 * An empty cut is an error, not a feed: a cut that keeps no trip (a
	 * period outside the calendar, a box with no stop) would write the
	 * feed's header lines and little else.
	 */
	res = db_query(conn, "SELECT EXISTS (SELECT FROM pg_temp.k_trips)", 0,
				   NULL);
	if (res == NULL)
	{
		*db_failed = true;
		return false;
	}
	ok = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!ok)
	{
		log_error("the cut keeps no trip of the feed in schema \"%s\": "
				  "nothing written", opt->schema);
		if (opt->from || opt->to)
			log_hint("the feed's service days: SELECT min(date), max(date) "
					 "FROM %s.service_days", schema);
	}
	return ok;
}
