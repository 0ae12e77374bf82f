/*
 * load.c: a feed into PostgreSQL.
 *
 * The shape of a load, after shp2pgsql's header/body/footer:
 *   BEGIN, and a lock that makes a second import of the same schema wait;
 *   CREATE SCHEMA staging; for each file in dependency order, CREATE TABLE
 *   and COPY ... FROM STDIN WITH (FREEZE), the rows checked on the way;
 *   keys, indexes and derived geometry once the data is in; ANALYZE;
 *   the swap (swap.h): staging's tables become the feed's partitions of
 *   the cross-feed tables, its views are made in the target schema, the
 *   registry records the feed; COMMIT.
 * Readers of the target schema see the old feed until the COMMIT and the
 * new one after it; a failure anywhere leaves the old one in place.
 */
#include "load.h"

#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <sys/random.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "ddl.h"
#include "feeds.h"
#include "load_run.h"
#include "log.h"
#include "notice.h"
#include "notice_store.h"
#include "progress.h"
#include "replace.h"
#include "side.h"
#include "swap.h"

LoadStatus
load_feed(PGconn *conn, FeedSource *src, const LoadOptions *opt, Report *rep)
{
	LoadRun		run = {
		.conn = conn,
		.opt = opt,
		.src = src,
		.rep = rep,
		.ddl = {
			.conn = conn,
			.schema = NULL,
			.postgis = NULL,
			.geometry = false,
			.srid = 4326,
			.shape_m = false,
		},
		.chunk = NULL,
		.notices = NULL,
		.present = NULL,
		.unkeyed = NULL,
		.columns = NULL,
		.failed = false,
		.refused = false,
		.side = NULL,
		.side_member = -1,
		.side_cat = NULL,
		.side_file = -1,
	};
	char		staging_name[64];
	char	   *staging = NULL;
	char	   *target = NULL;
	char	   *postgis = NULL;
	char	   *comment = NULL;
	char	   *json = NULL;
	char	   *notices = NULL; /* staging's import_notices, quoted */
	char	   *feed_id = NULL;	/* quoted literal */
	FeedRecord	record;
	Buf			text;
	LoadStatus	status = LOAD_DB_FAILED;
	SwapStatus	swapped;
	bool		first = false;	/* makes the cross-feed tables */
	const ReportReplaced *shrunk = NULL;	/* the feed it would replace */
	char		why[1024];		/* what shrunk loses, when not NULL */
	uint32_t	nonce;
	double		started,
				step_started;

	/*
	 * Not only the backend's pid, which another role could guess and take
	 * first (a schema of that name made in advance fails every load)
	 */
	if (getrandom(&nonce, sizeof(nonce), 0) != (ssize_t) sizeof(nonce))
		nonce = (uint32_t) report_now() ^ (uint32_t) getpid();
	snprintf(staging_name, sizeof(staging_name), "gtfs2pgsql_load_%d_%08x",
			 PQbackendPID(conn), (unsigned) nonce);
	staging = db_ident(conn, staging_name);
	target = db_ident(conn, opt->feed.schema);
	feed_id = PQescapeLiteral(conn, opt->feed.feed_id,
							  strlen(opt->feed.feed_id));
	/* the comment marks the schema as ours: see feeds_schema_usable */
	buf_init(&text, DDL_SQL_MAX);
	if (buf_puts(&text, "gtfs2pgsql feed: ") &&
		buf_puts(&text, opt->feed.file_name))
		comment = PQescapeLiteral(conn, text.data, text.len);
	buf_free(&text);
	run.chunk = malloc(SOURCE_READ_CHUNK);
	run.present = calloc((size_t) catalog_nfiles, sizeof(uint64_t));
	run.unkeyed = calloc((size_t) catalog_nfiles, sizeof(uint64_t));
	run.columns = calloc((size_t) catalog_nfiles * CATALOG_MAX_FIELDS,
						 sizeof(int));
	if (staging == NULL || target == NULL || comment == NULL ||
		feed_id == NULL ||
		run.chunk == NULL || run.present == NULL || run.unkeyed == NULL ||
		run.columns == NULL)
	{
		log_error("out of memory");
		goto cleanup;
	}
	run.ddl.schema = staging;
	run.ddl.feed_id = feed_id;

	/* without geometry, the database's first feed has the columns, NULL */
	if (!opt->geom && !postgis_first_feed(conn, &first))
		goto cleanup;
	if ((opt->geom || first) &&
		!postgis_schema(conn, opt->geom != NULL, opt->wait_seconds,
						&postgis))
		goto cleanup;
	if (postgis)
	{
		run.ddl.postgis = postgis;
		run.ddl.geometry = opt->geom != NULL;
		run.ddl.srid = opt->srid;
		switch (postgis_srid_usable(conn, &run.ddl))
		{
			case 0:
				status = LOAD_BAD_INPUT;
				goto cleanup;
			case -1:
				goto cleanup;
		}
	}
	/* the orphans of a side load killed after its commit go first */
	if (!side_clean(conn) || !feeds_setup(conn, opt->wait_seconds) ||
		!db_begin(conn))
		goto cleanup;
	if (!db_exec(conn, LOAD_TRANSACTION_SETTINGS))
		goto rollback;
	/* a second import into the same schema waits for this one */
	if (!swap_wait_for_import(conn, opt->feed.schema, opt->wait_seconds))
		goto rollback;
	if (!db_execf(conn, "CREATE SCHEMA %s", staging))
		goto rollback;
	run.ddl.line_column = true;
	run.notices = notice_create(opt->strict, opt->max_errors);
	buf_init(&text, DDL_SQL_MAX);
	if (run.notices == NULL || !ddl_create_notices(&text, &run.ddl) ||
		!buf_puts(&text, ";\n") ||
		!ddl_create_import_files(&text, &run.ddl) ||
		!table_run_sql(&run, &text))
	{
		buf_free(&text);
		goto rollback;
	}
	buf_reset(&text);
	if (!ddl_table(&text, &run.ddl, "import_notices") ||
		(notices = strdup(text.data)) == NULL)
	{
		buf_free(&text);
		goto rollback;
	}
	buf_free(&text);
	if (!screening_begin(&run))
		goto rollback;
	if (sideload_start(&run))
		files_load_all(&run);
	if (run.failed)
		goto rollback;
	/* a rule that refuses the feed stopped the files: nothing more */
	if (notice_refused(run.notices) && finish_strict_refusal(&run))
	{
		status = LOAD_BAD_INPUT;
		goto rollback;
	}
	started = report_now();
	/* the tables of a strict load already known to be bad are incomplete */
	if ((!opt->strict || notice_count(run.notices, NOTICE_ERROR) == 0) &&
		!finish_check_tables(&run))
		goto rollback;
	/* what does not need the side load's table is done first */
	if (run.side && (!finish_indexes(&run) || !sideload_join(&run, staging)))
	{
		status = run.refused ? LOAD_BAD_INPUT : LOAD_DB_FAILED;
		goto rollback;
	}
	db_set_step("keys, indexes and derived tables");
	if (!finish_store_notices(&run, notices) || finish_strict_refusal(&run) ||
		(!run.side && !finish_indexes(&run)) ||
		!finish_tables(&run, staging_name) ||
		!finish_recount_notices(&run, notices) || finish_strict_refusal(&run))
	{
		status = run.refused ? LOAD_BAD_INPUT : LOAD_DB_FAILED;
		goto rollback;
	}
	/*
	 * What the swap replaces, read under the import's lock, before
	 * anything is changed: a feed that lost what the old one had is
	 * refused, its staging schema rolled back, after its notices (which
	 * may say why), shown as not stored
	 */
	if (!feeds_replaced(conn, &opt->feed, rep))
		goto rollback;
	for (int i = 0; i < rep->nreplaced && !opt->force && !shrunk; i++)
		if (replace_shrinks(&rep->replaced[i], rep, why, sizeof(why)))
			shrunk = &rep->replaced[i];
	step_started = progress_step("notice summary");
	if (!notice_print_summary(conn, notices, shrunk ? NULL :
							  opt->feed.schema))
		goto rollback;
	if (shrunk)
	{
		log_error("feed \"%s\" (%s, loaded %s) not replaced: %s",
				  shrunk->feed_id, shrunk->file, shrunk->imported_at, why);
		log_detail("a broken download? the feed in schema \"%s\" is left "
				   "as it was", shrunk->schema);
		log_hint("--force replaces it all the same");
		status = LOAD_SHRINKS;
		goto rollback;
	}
	for (int s = 0; s < 3; s++)
		rep->notice_counts[s] = notice_count(run.notices, (NoticeSeverity) s);
	rep->notices_json = notice_report_json(conn, notices);
	if (rep->notices_json == NULL ||
		!report_add_step(rep, "notice summary", step_started))
		goto rollback;
	rep->as_of = opt->validate ? opt->as_of : NULL;
	rep->summary_json = finish_summary(&run);
	if (rep->summary_json == NULL)
		goto rollback;
	rep->index_seconds = report_now() - started;

	/* the swap: short, and one import at a time */
	db_set_step("swap");
	record = opt->feed;
	report_finish(rep);
	record.report_json = json = report_json(rep);
	if (json == NULL)
		goto rollback;
	step_started = progress_step("swap");
	swapped = swap_feed(conn, &record, target, staging_name, comment,
						opt->wait_seconds);
	if (swapped == SWAP_OK && (!finish_views(&run, target) ||
							   !report_add_step(rep, "swap", step_started) ||
							   !finish_analyze_parents(&run, target) ||
							   !finish_stats(&run, target)))
		swapped = SWAP_FAILED;
	step_started = progress_step("commit");
	if (swapped != SWAP_OK || !db_commit(conn))
	{
		status = swapped == SWAP_REFUSED ? LOAD_BAD_INPUT : LOAD_DB_FAILED;
		goto rollback;
	}
	/*
	 * Committed: a step not recorded (logged) is only missing from the
	 * table, and a signal from now on is no cancel (db_commit).
	 */
	report_add_step(rep, "commit", step_started);
	side_end(run.side, conn, true);
	swap_clear_dropped(conn);
	status = LOAD_OK;
	goto cleanup;

rollback:
	/* a side load that was not waited for is over too */
	progress_side_end();
	db_cleanup(conn, "ROLLBACK");
	side_end(run.side, conn, false);
cleanup:
	PQfreemem(comment);
	PQfreemem(feed_id);
	PQfreemem(postgis);
	PQfreemem(staging);
	PQfreemem(target);
	notice_destroy(run.notices);
	free(notices);
	free(json);
	free(run.chunk);
	free(run.present);
	free(run.unkeyed);
	free(run.columns);
	screening_free(&run);
	return status;
}
