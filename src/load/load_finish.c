/*
 * load_finish.c: the work after the files: keys and references checked,
 * indexes and derived geometry, the timetable, ANALYZE, the views, the
 * notices stored and counted, and a strict load's refusal.
 */
#include "load_run.h"

#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "check.h"
#include "db.h"
#include "feedschema.h"
#include "log.h"
#include "notice_store.h"
#include "progress.h"
#include "report.h"
#include "timetable.h"
#include "validate.h"

/* schema/sql/finish_*.sql, embedded by the Makefile */
extern const char sql_finish_tables[];
extern const char sql_finish_parents[];
extern const char sql_feed_summary[];

/*
 * Keys and references, file by file in dependency order.  Rows set aside
 * as duplicates leave their table's count.  False when the database
 * failed.
 */
bool
finish_check_tables(LoadRun *run)
{
	CheckRun	cr = {
		.conn = run->conn,
		.ddl = &run->ddl,
		.src = run->src,
		.notices = run->notices,
		.strict = run->opt->strict,
		.max_errors = run->opt->max_errors,
		.rep = run->rep,
	};

	for (int f = 0; f < catalog_nfiles; f++)
	{
		long		set_aside;

		cr.columns = &run->columns[f * CATALOG_MAX_FIELDS];
		/* checked once its process is done: see sideload_join */
		if (&catalog_files[f] == run->side_cat)
			continue;
		db_set_step(catalog_files[f].file);
		if (!check_key(&cr, &catalog_files[f], run->present[f],
					   run->unkeyed[f], &set_aside) ||
			!check_references(&cr, &catalog_files[f], run->present[f]))
			return false;
		if (set_aside > 0)
			report_set_aside(run->rep, catalog_files[f].file, set_aside);
	}
	return true;
}

/*
 * Indexes and derived geometry, once the keys are made; those of a table
 * loading on a second connection are built there.
 */
bool
finish_indexes(LoadRun *run)
{
	Buf			sql;
	bool		ok = true;
	char		step[128];
	double		started;

	/*
	 * shape_lines carries measures only when every point has one, and is a
	 * stand-in when there is none
	 */
	if (run->ddl.geometry)
	{
		PGresult   *res = NULL;

		started = progress_step("shapes measure check");
		buf_init(&sql, DDL_SQL_MAX);
		ok = buf_puts(&sql, "SELECT count(*) > 0 AND "
					  "bool_and(shape_dist_traveled IS NOT NULL), "
					  "count(*) = 0 FROM ") &&
			ddl_table(&sql, &run->ddl, "shapes");
		if (!ok)
			log_error("out of memory");
		res = ok ? db_query(run->conn, sql.data, 0, NULL) : NULL;
		ok = res != NULL;
		run->ddl.shape_m = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		run->ddl.no_shapes = ok && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
		PQclear(res);
		buf_free(&sql);
		ok = ok && report_add_step(run->rep, "shapes measure check", started);
	}
	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && i < ddl_finish_count(); i++)
	{
		buf_reset(&sql);
		if (run->side_cat && ddl_finish_table(i) &&
			strcmp(ddl_finish_table(i), run->side_cat->table) == 0)
			continue;
		ok = ddl_finish(&sql, &run->ddl, i);
		if (!ok || sql.len == 0)
			continue;
		ddl_finish_name(i, step, sizeof(step));
		started = progress_step(step);
		ok = table_run_sql(run, &sql) && report_add_step(run->rep, step, started);
	}
	buf_free(&sql);
	return ok;
}

/* The lines of trips and routes (ddl_lines), stop_times in staging. */
static bool
finish_lines(LoadRun *run)
{
	Buf			sql;
	bool		ok = true;

	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && i < ddl_lines_count(); i++)
	{
		double		started;

		buf_reset(&sql);
		ok = ddl_lines(&sql, &run->ddl, i);
		if (!ok || sql.len == 0)
			continue;
		started = progress_step(ddl_lines_name(i));
		ok = table_run_sql(run, &sql) &&
			report_add_step(run->rep, ddl_lines_name(i), started);
	}
	buf_free(&sql);
	return ok;
}

/* ANALYZE of import_notices, once the rules have added theirs. */
static bool
analyze_notices(LoadRun *run)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	/* an append that failed left sql empty: table_run_sql says so */
	if (buf_puts(&sql, "ANALYZE "))
		ddl_table(&sql, &run->ddl, "import_notices");
	ok = table_run_sql(run, &sql);
	buf_free(&sql);
	return ok;
}

/*
 * The timetable, ANALYZE, the validator's rules, and the tables marked as
 * the loader's (their lines dropped), once every table is in staging_name.
 */
bool
finish_tables(LoadRun *run, const char *staging_name)
{
	const char *params[2] = {staging_name, DDL_LINE_COLUMN};
	PGresult   *res;
	Buf			analyze;
	Buf			marks;
	bool		ok;
	double		started;
	const CatalogFile *calendar = catalog_find_file("calendar.txt");
	int			end_date = run->columns[(calendar - catalog_files) *
										CATALOG_MAX_FIELDS +
										catalog_find_field(calendar,
														   "end_date")];

	/* before the lines go: calendar notices give theirs */
	if (!screening_tables(run) ||
		!timetable_create(run->conn, &run->ddl, run->notices, end_date,
						  run->rep) ||
		!finish_lines(run))
		return false;
	started = progress_step("analyze");
	res = db_query(run->conn, sql_finish_tables, 2, params);
	ok = res != NULL;
	/*
	 * A table of no page (the file absent or empty) is not analyzed:
	 * ANALYZE finds no row there and keeps no statistics, and the planner
	 * takes a table never analyzed for a small one, which such a table is.
	 * The mark by which a later load knows which tables it may drop, once
	 * the rules have used the rows' lines (import_notices keeps those of
	 * the notices).  Each in one round trip: a feed has some forty tables.
	 */
	buf_init(&analyze, DDL_SQL_MAX);
	buf_init(&marks, DDL_SQL_MAX);
	for (int i = 0; ok && i < PQntuples(res); i++)
	{
		const char *table = PQgetvalue(res, i, 0);

		ok = buf_puts(&marks, "COMMENT ON TABLE ") &&
			buf_puts(&marks, table) &&
			buf_puts(&marks, " IS '" DDL_TABLE_MARK "';\n");
		if (ok && strcmp(PQgetvalue(res, i, 1), "t") == 0)
			ok = buf_puts(&marks, "ALTER TABLE ") && buf_puts(&marks, table) &&
				buf_puts(&marks, " DROP COLUMN " DDL_LINE_COLUMN ";\n");
		/*
		 * The planner gives a plain table under min_parallel_table_scan_size
		 * no parallel worker, but a partition (the swap makes this table
		 * one) any size: on MTA Brooklyn the 4,575 stops nearest a point
		 * took 115 ms with a worker's start, 22 ms without.  Said here, as
		 * the size the planner would weigh.
		 */
		if (ok && strcmp(PQgetvalue(res, i, 4), "t") == 0)
			ok = buf_puts(&marks, "ALTER TABLE ") && buf_puts(&marks, table) &&
				buf_puts(&marks, " SET (parallel_workers = 0);\n");
		/* a side load's table was analyzed there, at once with its key */
		if (ok && strcmp(PQgetvalue(res, i, 2), "t") == 0 &&
			!(run->side_analyzed &&
			  strcmp(PQgetvalue(res, i, 3), run->side_cat->table) == 0))
			ok = buf_puts(&analyze, "ANALYZE ") &&
				buf_puts(&analyze, table) && buf_puts(&analyze, ";\n");
	}
	/* an append that failed left a buffer empty: table_run_sql says so */
	ok = res != NULL &&
		((analyze.len == 0 && !analyze.lost) ||
		 table_run_sql(run, &analyze)) &&
		report_add_step(run->rep, "analyze", started) &&
		(!run->opt->validate ||
		 (validate_feed(run->conn, &run->ddl, run->opt->as_of, run->rep) &&
		  analyze_notices(run))) &&
		table_run_sql(run, &marks);
	PQclear(res);
	buf_free(&analyze);
	buf_free(&marks);
	return ok;
}

char *
finish_summary(LoadRun *run)
{
	double		started = progress_step("summary");
	Buf			sql;
	PGresult   *res = NULL;
	char	   *json = NULL;

	buf_init(&sql, DDL_SQL_MAX);
	if (ddl_template(&sql, &run->ddl, sql_feed_summary))
		res = db_query(run->conn, sql.data, 0, NULL);
	else
		log_error("out of memory");
	buf_free(&sql);
	if (res != NULL && (json = strdup(PQgetvalue(res, 0, 0))) == NULL)
		log_error("out of memory");
	PQclear(res);
	if (json != NULL && !report_add_step(run->rep, "summary", started))
	{
		free(json);
		json = NULL;
	}
	return json;
}

/* notice_store, timed as a step. */
bool
finish_store_notices(LoadRun *run, const char *table)
{
	double		started = progress_step("notices");

	return notice_store(run->notices, run->conn, table) &&
		report_add_step(run->rep, "notices", started);
}

/* notice_recount, timed as a step. */
bool
finish_recount_notices(LoadRun *run, const char *table)
{
	double		started = progress_step("notice count");

	return notice_recount(run->notices, run->conn, table) &&
		report_add_step(run->rep, "notice count", started);
}

/* The views of the feed's schema target (quoted), over its tables. */
bool
finish_views(LoadRun *run, const char *target)
{
	Ddl			d = run->ddl;
	const CatalogFile *translations = catalog_find_file("translations.txt");
	Buf			sql;
	bool		ok;

	d.schema = target;
	buf_init(&sql, DDL_SQL_MAX);
	/* a feed without geometry over one with: its lines' views go */
	ok = (d.geometry ||
		  (ddl_drop_line_views(&sql, &d, true) && buf_puts(&sql, ";\n"))) &&
		feedschema_views(&sql, &d,
						 run->present[translations - catalog_files] != 0) &&
		table_run_sql(run, &sql);
	buf_free(&sql);
	return ok;
}

/*
 * The statistics of the partitioned tables of the feed's schema target
 * (quoted) that its timetable views join, once the swap attached their
 * partitions: the planner estimates the views' joins from them
 * (schema/sql/finish_parents.sql says why and at what cost).
 */
bool
finish_analyze_parents(LoadRun *run, const char *target)
{
	Ddl			d = run->ddl;
	double		started = progress_step("partitioned tables analyze");
	Buf			sql;
	bool		ok;

	d.schema = target;
	buf_init(&sql, DDL_SQL_MAX);
	/* a template that failed left sql empty: table_run_sql says so */
	ddl_template(&sql, &d, sql_finish_parents);
	ok = table_run_sql(run, &sql);
	buf_free(&sql);
	return ok && report_add_step(run->rep, "partitioned tables analyze",
								 started);
}

/*
 * The materialized views of the feed's schema target (quoted), once
 * finish_views made them: filled with --stats (a step), else emptied.
 */
bool
finish_stats(LoadRun *run, const char *target)
{
	Ddl			d = run->ddl;
	double		started = progress_step("statistics");

	d.schema = target;
	if (!analysis_refresh(&d, run->opt->stats))
	{
		run->failed = true;
		return false;
	}
	return !run->opt->stats ||
		report_add_step(run->rep, "statistics", started);
}

/*
 * Whether the feed is refused (logged): a rule of the table refused it, or
 * a strict load has errors.
 */
bool
finish_strict_refusal(LoadRun *run)
{
	long		errors = notice_count(run->notices, NOTICE_ERROR);

	if (run->refused)
		return true;
	if (notice_refused(run->notices))
	{
		log_error("feed rejected: a defect the policy refuses; the database "
				  "is unchanged");
		run->refused = true;
		return true;
	}
	if (!run->opt->strict || errors == 0)
		return false;
	log_error("feed rejected: %ld error%s; the database is unchanged",
			  errors, errors == 1 ? "" : "s");
	run->refused = true;
	return true;
}
