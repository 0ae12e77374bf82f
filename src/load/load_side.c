/*
 * load_side.c: a big stop_times.txt on a second connection (side.h), in a
 * process of its own, while the first loads the other files; then its
 * work taken into the load's transaction.
 */
#include "load_run.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "lockwait.h"
#include "log.h"
#include "notice_store.h"
#include "progress.h"
#include "report.h"
#include "source.h"

#define SIDE_STEPS_MAX	8		/* steps of a side load in its report */
#define SECOND_WAIT_MS	100		/* how often a wait looks for a cancel */
/* The server's clock in seconds: the time of the steps of a connection. */
#define SERVER_CLOCK \
	"SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) " \
	"AS server_clock"

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
	bool		analyzed;		/* the table is analyzed */
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


/* The steps run on the second connection, in order (send_second). */
typedef struct
{
	int			nsteps;
	char		step[SIDE_STEPS_MAX][128];
} SecondSteps;

/*
 * Sends, without waiting, the join indexes of cat's table (those of
 * ddl_finish_table) to conn2, to build there while the key builds on the
 * first connection: one implicit transaction, the load's settings
 * for it, the server's clock read before and after each (collect_second),
 * their names into steps.  False (logged) on failure.
 */
static bool
send_second(LoadRun *run, PGconn *conn2, const CatalogFile *cat, Buf *sql,
			SecondSteps *steps)
{
	bool		ok = buf_puts(sql, LOAD_TRANSACTION_SETTINGS ";\n"
						  SERVER_CLOCK);

	steps->nsteps = 0;
	for (int i = 0; ok && i < ddl_finish_count(); i++)
	{
		if (ddl_finish_table(i) == NULL ||
			strcmp(ddl_finish_table(i), cat->table) != 0)
			continue;
		ok = steps->nsteps < SIDE_STEPS_MAX / 2 && buf_puts(sql, ";\n") &&
			ddl_finish(sql, &run->ddl, i) &&
			buf_puts(sql, ";\n" SERVER_CLOCK);
		ddl_finish_name(i, steps->step[steps->nsteps++],
						sizeof(steps->step[0]));
	}
	if (!ok)
		log_error("%s: the second connection's statements do not fit",
				  cat->file);
	else if (!PQsendQuery(conn2, sql->data))
	{
		db_log_error(conn2, NULL, cat->file);
		ok = false;
	}
	return ok;
}

/*
 * The results of send_second, once conn2 has run them all: each step's
 * time (between two readings of the clock) into rep.  With cancel (the
 * first connection failed), or at a cancel (db_canceled) while waiting,
 * the statements are canceled.  False (logged unless canceled) when one
 * failed.
 */
static bool
collect_second(PGconn *conn2, const CatalogFile *cat,
			   const SecondSteps *steps, Report *rep, bool cancel)
{
	PGresult   *res;
	double		clock = 0;
	int			readings = 0;
	bool		canceled = false;
	bool		ok = !cancel;

	for (;;)
	{
		struct pollfd pfd = {.fd = PQsocket(conn2),.events = POLLIN};

		if ((cancel || db_canceled()) && !canceled)
		{
			PGcancel   *handle = PQgetCancel(conn2);
			char		errbuf[256];

			if (handle == NULL || !PQcancel(handle, errbuf, sizeof(errbuf)))
				log_error("could not cancel the second connection's work");
			PQfreeCancel(handle);
			canceled = true;
			ok = false;
		}
		if (!PQconsumeInput(conn2))
		{
			db_log_error(conn2, NULL, cat->file);
			return false;
		}
		if (!PQisBusy(conn2))
			break;
		if (poll(&pfd, 1, SECOND_WAIT_MS) < 0 && errno != EINTR)
		{
			log_error("could not wait for the server: %m");
			return false;
		}
	}
	while ((res = PQgetResult(conn2)) != NULL)
	{
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
			PQfnumber(res, "server_clock") == 0)
		{
			double		now = atof(PQgetvalue(res, 0, 0));

			if (ok && readings > 0 && readings <= steps->nsteps)
				ok = report_add_concurrent_step(rep, steps->step[readings - 1],
												now - clock);
			clock = now;
			readings++;
		}
		else if (PQresultStatus(res) != PGRES_COMMAND_OK &&
				 PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			if (ok)
				db_log_error(conn2, res, cat->file);
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

/*
 * The work of a side load's process (side.h): the member run->side_member
 * into its table in schema, as files_load_member does, with its key (duplicates
 * set aside) and its join indexes, and its notices in the schema's
 * import_notices; its file of import_files there too.  run is the child's
 * copy of the parent's run; the feed is opened again, so that the two
 * processes do not share a file offset.
 *
 * The server's work is shared with a second connection of the process:
 * the COPY (copy_share), then, once both COPYs are committed, the join
 * indexes and the ANALYZE there while the key builds here; a server's COPY
 * and a CREATE INDEX's merge are one core each.
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
	/* refused (a connection limit): the work is all done on conn */
	PGconn	   *conn2 = db_connect_spare(conn);
	SecondSteps second;
	bool		second_busy = false;
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
	run.copy_conn2 = conn2;
	run.src = source_reopen(parent->src);
	run.notices = notice_create(false, run.opt->max_errors);
	buf_init(&sql, DDL_SQL_MAX);
	ok = run.src != NULL && run.notices != NULL &&
		ddl_create_notices(&sql, &run.ddl) && buf_puts(&sql, ";\n") &&
		ddl_create_import_files(&sql, &run.ddl) && table_run_sql(&run, &sql);
	if (ok)
	{
		files_load_member(&run, parent->side_member, cat);
		ok = !run.failed && rep.nfiles == 1;
	}
	out->refused = run.notices != NULL && notice_refused(run.notices);
	/* the COPY committed here too, for the indexes of conn2 to read it */
	ok = ok && db_exec(conn, "COMMIT") && db_exec(conn, "BEGIN") &&
		db_exec(conn, LOAD_TRANSACTION_SETTINGS);
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
		char		step[128];
		double		started;

		buf_reset(&sql);
		second_busy = conn2 != NULL &&
			send_second(&run, conn2, cat, &sql, &second);
		ok = conn2 == NULL || second_busy;
		db_set_step(cat->file);
		ok = ok &&
			check_key(&cr, cat, run.present[f], run.unkeyed[f], &set_aside);
		if (ok && set_aside > 0)
			report_set_aside(&rep, cat->file, set_aside);
		/* without conn2, its indexes here, after the key */
		for (int i = 0; ok && conn2 == NULL && i < ddl_finish_count(); i++)
		{
			if (ddl_finish_table(i) == NULL ||
				strcmp(ddl_finish_table(i), cat->table) != 0)
				continue;
			buf_reset(&sql);
			ddl_finish_name(i, step, sizeof(step));
			started = progress_step(step);
			ok = ddl_finish(&sql, &run.ddl, i) && table_run_sql(&run, &sql) &&
				report_add_step(&rep, step, started);
		}
		/* the second's indexes, shown while they outlast the key */
		if (second_busy)
		{
			if (second.nsteps > 0)
				progress_step(second.step[0]);
			ok = collect_second(conn2, cat, &second, &rep, !ok) && ok;
		}
		snprintf(step, sizeof(step), "%s analyze", cat->table);
		started = progress_step(step);
		buf_reset(&sql);
		ok = ok && buf_puts(&sql, "ANALYZE ") &&
			ddl_table(&sql, &run.ddl, cat->table) &&
			table_run_sql(&run, &sql) &&
			report_add_step(&rep, step, started);
		progress_step("notices and commit");
		buf_reset(&sql);
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
		out->analyzed = !out->refused;
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
	PQfinish(conn2);
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
 * Takes the locks of the side schema's tables (quoted), which the takeover
 * moves and drops, waiting for them at most wait_seconds (negative: for
 * ever).  The schema is committed, in sight of a pg_dump or of any role
 * that may read every table (pg_read_all_data): a session holding a lock
 * on one made the takeover hang, past --wait, naming no one.  Nobody else
 * waits behind this wait (the tables are the load's own), so it is one
 * lock_timeout, the holders named when it runs out.  False (logged).
 */
static bool
lock_side(PGconn *conn, const char *side, const char *table,
		  double wait_seconds)
{
	const char *params[1] = {side};
	char		what[4 * NAMEDATALEN];
	char		sql[16 * NAMEDATALEN];
	PGresult   *res;
	DbOutcome	outcome;

	if (!db_exec(conn, "SAVEPOINT gtfs2pgsql_side") ||
		!db_execf(conn, "SET LOCAL lock_timeout = '%.0fms'",
				  wait_seconds < 0 ? 0 : wait_seconds * 1000 + 1))
		return false;
	snprintf(sql, sizeof(sql), "LOCK TABLE %s.%s, %s.import_notices, "
			 "%s.import_files IN ACCESS EXCLUSIVE MODE", side, table, side,
			 side);
	outcome = db_run(conn, sql, 0, NULL, "55P03", "could not take over the "
					 "second connection's tables", &res);
	PQclear(res);
	if (outcome == DB_REFUSED)
	{
		snprintf(what, sizeof(what), "the readers of schema %s", side);
		if (db_exec(conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_side"))
			lockwait_say_holders(conn, "SELECT l.pid FROM pg_catalog.pg_locks "
								 "l WHERE l.granted AND l.relation IN (SELECT "
								 "c.oid FROM pg_catalog.pg_class c WHERE "
								 "c.relnamespace = "
								 "$1::pg_catalog.regnamespace)", 1, params,
								 what);
		log_error("gave up waiting for %s after %.1f s (--wait)", what,
				  wait_seconds);
		return false;
	}
	return outcome == DB_DONE &&
		db_exec(conn, "RELEASE SAVEPOINT gtfs2pgsql_side") &&
		db_exec(conn, "SET LOCAL lock_timeout = 0");
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
	run->side_analyzed = sr.analyzed;
	run->present[f] = sr.present;
	run->unkeyed[f] = sr.unkeyed;
	memcpy(&run->columns[f * CATALOG_MAX_FIELDS], sr.columns,
		   sizeof(sr.columns));
	table = db_ident(run->conn, cat->table);
	started = progress_step("second connection's tables");
	ok = table != NULL &&
		lock_side(run->conn, side, table, run->opt->wait_seconds) &&
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
