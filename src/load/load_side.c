/*
 * load_side.c: a big stop_times.txt on a second connection (side.h), in a
 * process of its own, while the first loads the other files; then its
 * work taken into the load's transaction.
 */
#include "load_run.h"

#include <string.h>

#include "check.h"
#include "db.h"
#include "log.h"
#include "notice_store.h"
#include "progress.h"
#include "report.h"
#include "source.h"

#define SIDE_STEPS_MAX	8		/* steps of a side load in its report */

/*
 * What the process of a side load reports (see side_work): its file's line
 * of the report, set-aside duplicates counted; what the checks need of its
 * columns; its steps.
 */
typedef struct
{
	long		rows;
	long		set_aside;
	unsigned long long bytes;
	double		seconds;
	long		peak_rss_kb;
	bool		refused;		/* a rule of the table refused the feed */
	uint64_t	present;
	uint64_t	unkeyed;
	int			columns[CATALOG_MAX_FIELDS];
	int			nsteps;
	struct
	{
		char		step[128];
		double		seconds;
	}			steps[SIDE_STEPS_MAX];
} SideReport;


/*
 * The work of a side load's process (side.h): the member run->side_member
 * into its table in schema, as files_load_member does, with its key (duplicates
 * set aside) and its join indexes, and its notices in the schema's
 * import_notices; its file of import_files there too.  run is the child's
 * copy of the parent's run; the feed is opened again, so that the two
 * processes do not share a file offset.
 */
static bool
side_work(PGconn *conn, const char *schema, void *arg, void *result)
{
	LoadRun    *parent = arg;
	LoadRun		run = *parent;
	SideReport *out = result;
	const CatalogFile *cat = parent->side_cat;
	int			f = (int) (cat - catalog_files);
	long		set_aside = 0;
	Report		rep;
	Buf			sql;
	bool		ok;

	report_init(&rep, parent->rep->feed);
	run.conn = conn;
	run.ddl.conn = conn;
	run.ddl.schema = schema;
	run.rep = &rep;
	run.side = NULL;
	run.side_cat = NULL;
	run.src = source_reopen(parent->src);
	run.notices = notice_create(false, run.opt->max_errors);
	buf_init(&sql, DDL_SQL_MAX);
	ok = run.src != NULL && run.notices != NULL &&
		db_exec(conn, RAISE_MAINTENANCE_WORK_MEM) &&
		ddl_create_notices(&sql, &run.ddl) && buf_puts(&sql, ";\n") &&
		ddl_create_import_files(&sql, &run.ddl) && table_run_sql(&run, &sql);
	if (ok)
	{
		files_load_member(&run, parent->side_member, cat);
		ok = !run.failed && rep.nfiles == 1;
	}
	out->refused = run.notices != NULL && notice_refused(run.notices);
	if (ok && !out->refused)
	{
		CheckRun	cr = {
			.conn = conn,
			.ddl = &run.ddl,
			.src = run.src,
			.notices = run.notices,
			.max_errors = run.opt->max_errors,
			.columns = &run.columns[f * CATALOG_MAX_FIELDS],
			.rep = &rep,
		};

		db_set_step(cat->file);
		ok = check_key(&cr, cat, run.present[f], run.unkeyed[f], &set_aside);
		if (ok && set_aside > 0)
			report_set_aside(&rep, cat->file, set_aside);
		for (int i = 0; ok && i < ddl_finish_count(); i++)
		{
			char		step[128];
			double		started;

			if (ddl_finish_table(i) == NULL ||
				strcmp(ddl_finish_table(i), cat->table) != 0)
				continue;
			buf_reset(&sql);
			ddl_finish_name(i, step, sizeof(step));
			started = progress_step(step);
			ok = ddl_finish(&sql, &run.ddl, i) && table_run_sql(&run, &sql) &&
				report_add_step(&rep, step, started);
		}
		buf_reset(&sql);
		progress_step("notices and commit");
		ok = ok && ddl_table(&sql, &run.ddl, "import_notices") &&
			notice_store(run.notices, conn, sql.data);
	}
	if (ok)
	{
		out->rows = rep.files[0].rows;
		out->set_aside = rep.files[0].set_aside;
		out->bytes = rep.files[0].bytes;
		out->seconds = rep.files[0].seconds;
		out->present = run.present[f];
		out->unkeyed = run.unkeyed[f];
		memcpy(out->columns, &run.columns[f * CATALOG_MAX_FIELDS],
			   sizeof(out->columns));
		for (int i = 0; i < rep.nsteps && i < SIDE_STEPS_MAX; i++)
		{
			snprintf(out->steps[i].step, sizeof(out->steps[i].step), "%s",
					 rep.steps[i].step);
			out->steps[i].seconds = rep.steps[i].seconds;
			out->nsteps = i + 1;
		}
		out->peak_rss_kb = report_peak_rss_kb();
	}
	buf_free(&sql);
	report_free(&rep);
	notice_destroy(run.notices);
	source_close(run.src);
	/* a feed refused is the parent's to refuse */
	return ok || (!run.failed && out->refused);
}

/*
 * Whether the feed's stop_times.txt loads on a second connection, in a
 * process of its own, while this one loads the other files: when it is at
 * least opt->split_min_size bytes once uncompressed, unless strict (which
 * stops at the first errors, counted in one process).
 */
bool
sideload_start(LoadRun *run)
{
	int			i = source_find(run->src, "stop_times.txt");

	if (i < 0 || run->opt->strict || run->opt->split_min_size < 0 ||
		source_declared_size(run->src, i) <
		(unsigned long long) run->opt->split_min_size)
		return true;
	run->side_member = i;
	run->side_cat = catalog_find_file("stop_times.txt");
	run->side_started = report_now();
	run->side = side_start(run->conn, side_work, run, sizeof(SideReport),
							run->opt->wait_seconds);
	if (run->side == NULL)
		run->failed = true;
	else
		progress_side_start(run->side_cat->file,
							source_declared_size(run->src, i),
							run->side_started);
	return run->side != NULL;
}

/*
 * Waits for the side load, then takes its work into the transaction: its
 * table into staging (quoted), its notices and file into staging's, its
 * report into run->rep, its side schema dropped; then its references are
 * checked.  False (logged) on failure.
 */
bool
sideload_join(LoadRun *run, const char *staging)
{
	SideReport	sr;
	const CatalogFile *cat = run->side_cat;
	int			f = (int) (cat - catalog_files);
	ReportFile *rf = &run->rep->files[run->side_file];
	const char *side = side_schema(run->side);
	char	   *table;
	double		started = report_now();
	bool		ok;

	/* what the child does, while it is waited for */
	progress_side_wait();
	db_set_step("wait for the second connection");
	memset(&sr, 0, sizeof(sr));
	ok = side_wait(run->side, &sr);
	progress_side_end();
	if (!ok || !report_add_step(run->rep, "wait for the second connection",
								started))
		return false;
	if (sr.refused)
	{
		log_error("feed rejected: a defect the policy refuses; the "
				  "database is unchanged");
		run->refused = true;
		return false;
	}
	rf->rows = sr.rows;
	rf->set_aside = sr.set_aside;
	rf->bytes = sr.bytes;
	rf->seconds = sr.seconds;
	rf->peak_rss_kb = sr.peak_rss_kb;
	rf->concurrent = true;
	if (sr.peak_rss_kb > run->rep->peak_rss_kb)
		run->rep->peak_rss_kb = sr.peak_rss_kb;
	for (int i = 0; i < sr.nsteps; i++)
		if (!report_add_concurrent_step(run->rep, sr.steps[i].step,
										sr.steps[i].seconds))
			return false;
	run->present[f] = sr.present;
	run->unkeyed[f] = sr.unkeyed;
	memcpy(&run->columns[f * CATALOG_MAX_FIELDS], sr.columns,
		   sizeof(sr.columns));
	table = db_ident(run->conn, cat->table);
	started = progress_step("second connection's tables");
	ok = table != NULL &&
		db_execf(run->conn, "ALTER TABLE %s.%s SET SCHEMA %s;\n"
				 "INSERT INTO %s.import_notices SELECT * FROM "
				 "%s.import_notices;\n"
				 "INSERT INTO %s.import_files SELECT * FROM "
				 "%s.import_files;\n"
				 "DROP SCHEMA %s CASCADE",
				 side, table, staging, staging, side, staging, side, side) &&
		report_add_step(run->rep, "second connection's tables", started);
	PQfreemem(table);
	if (ok)
	{
		CheckRun	cr = {
			.conn = run->conn,
			.ddl = &run->ddl,
			.src = run->src,
			.notices = run->notices,
			.max_errors = run->opt->max_errors,
			.columns = &run->columns[f * CATALOG_MAX_FIELDS],
			.rep = run->rep,
		};

		db_set_step(cat->file);
		ok = check_references(&cr, cat, run->present[f]);
	}
	return ok;
}
