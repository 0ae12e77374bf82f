/*
 * load_files.c: the loop over the feed's files: each member streamed
 * through the CSV reader into its table, in the catalog's order, then
 * locations.geojson, then the files the reference lacks.
 */
#include "load_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "geojson.h"
#include "log.h"
#include "progress.h"
#include "report.h"
#include "source.h"

static bool
load_record(void *ctx, const CsvRow *row)
{
	FileLoad   *fl = ctx;
	bool		built;
	bool		ok;

	if (db_canceled())
		return false;

	if (!fl->header_seen)
	{
		fl->header_seen = true;
		if (!table_start_copy(fl, row))
			return false;
		for (int i = 0; fl->screening && i < fl->ncols; i++)
			if (fl->field[i] == catalog_find_field(fl->cat, "timepoint"))
				fl->screen_timepoint = true;
		return true;
	}
	ok = row_convert(fl, row, &built);
	if (ok && built && !copy_row_end(&fl->copy))
	{
		fl->run->failed = true;
		ok = false;
	}
	ok = ok && !notice_must_stop(fl->run->notices);
	progress_rows(fl->rows, *fl->bytes);
	return ok;
}

/*
 * A record with a stray quote or over a cap: set aside, as written (the
 * message says how many bytes of a long line are not in the record).  In
 * the header it leaves the columns unknown: the file is not loaded.
 */
static bool
on_broken(void *ctx, const CsvBroken *b)
{
	FileLoad   *fl = ctx;
	Notices    *nt = fl->run->notices;
	char		cut[96] = "";

	if (b->dropped > 0)
		snprintf(cut, sizeof(cut), "; the record keeps its first %zu bytes, "
				 "%llu more are not kept", b->len, b->dropped);
	if (!fl->header_seen)
	{
		notice_add(nt, NK_CSV_PARSING_FAILED, fl->member, b->bad_line,
				   b->column, NULL, b->text, b->len, "%s in the "
				   "header, field %d: the file is not loaded%s", b->why,
				   b->column, cut);
		return false;
	}
	notice_text(nt, NK_CSV_STRAY_QUOTE, fl->member, b->line, b->column,
				b->text, b->len, "%s on line %ld, field %d: record set aside%s",
				b->why, b->bad_line, b->column, cut);
	return !notice_must_stop(nt);
}

/* Records the notices the feed's source has met since last time. */
static void
take_source_notices(LoadRun *run)
{
	SourceNotice sn;

	while (source_notice(run->src, &sn))
		notice_add(run->notices, (NoticeKind) sn.kind, sn.file, 0, 0, NULL,
				   NULL, 0, "%s", sn.message);
}

/*
 * Empties the table of a file that could not be read whole: what was read
 * of it is not to be trusted (the file is skipped).
 */
static void
empty_table(LoadRun *run, const char *table)
{
	Buf			sql;

	buf_init(&sql, DDL_SQL_MAX);
	if (buf_puts(&sql, "TRUNCATE ") && ddl_table(&sql, &run->ddl, table))
		table_run_sql(run, &sql);
	else
		run->failed = true;
	buf_free(&sql);
}

/*
 * Streams member i through the CSV reader into its table in the staging
 * schema: the table of cat, or for a file the reference does not define
 * (cat NULL) a text table named after the member.
 */
void
files_load_member(LoadRun *run, int i, const CatalogFile *cat)
{
	FileLoad	fl;
	FeedMember *m;
	CsvReader  *reader;
	unsigned long long bytes = 0;
	double		started = report_now();
	const CsvRow no_header = {.fields = NULL, .nfields = 0, .line = 0};
	long		line;
	bool		whole;
	bool		readable;
	char		stem[NAMEDATALEN];

	memset(&fl, 0, sizeof(fl));
	buf_init(&fl.extra, COPY_MAX_SIZE);
	fl.run = run;
	fl.member = source_member_name(run->src, i);
	fl.cat = cat;
	fl.table = cat ? cat->table : stem;
	fl.bytes = &bytes;
	fl.screening = run->screen != NULL && cat != NULL &&
		strcmp(cat->file, "stop_times.txt") == 0;
	db_set_step(fl.member);
	if (cat == NULL && !rules_table_name(run, fl.member, stem))
		return;
	m = source_member_open(run->src, i);
	reader = csvread_create(fl.member, load_record, &fl);
	if (m == NULL || reader == NULL)
	{
		run->failed = reader == NULL;
		/* a file that cannot be read is skipped: its table is empty */
		if (m == NULL && cat)
			table_create(run, NULL, cat, NULL, 0, true);
		goto cleanup;
	}
	csvread_on_broken(reader, on_broken);
	progress_file(fl.member, source_member_size(m));
	whole = csvread_member(reader, m, run->chunk, &bytes);
	/* a file cut by a parse error was still read as far as it can be */
	if (!whole && csvread_error(reader, &line) != NULL)
		whole = true;
	readable = source_member_close(m);
	m = NULL;
	if (readable)
		rules_file_notices(&fl, reader, whole);
	/* an empty member is a file of the feed all the same (pgsql2gtfs) */
	if (readable && whole && !fl.header_seen)
		table_record_file(run, fl.member, fl.table, NULL, &no_header);
	if ((!fl.header_seen || fl.skipped) && cat)
		table_create(run, NULL, cat, NULL, 0, true);
	/* a discarded COPY ends normally: the rollback undoes it */
	if (fl.copying && !copy_end(&fl.copy, NULL))
		run->failed = true;
	if (!readable && fl.header_seen && !fl.skipped && !run->failed)
		empty_table(run, fl.table);
	if (fl.screening && !screening_member_end(run))
		run->failed = true;
	if (!report_add(run->rep, fl.member, readable ? fl.rows : 0,
					notice_set_aside(run->notices, fl.member), bytes,
					started))
		run->failed = true;

cleanup:
	csvread_destroy(reader);
	/* a member left open here was not read: nothing of it is used */
	if (m)
		(void) source_member_close(m);
	take_source_notices(run);
	for (int c = 0; c < fl.ncols && fl.names; c++)
		free(fl.names[c]);
	free(fl.names);
	free(fl.field);
	buf_free(&fl.extra);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		n = strlen(s),
				k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Whether a strict load must stop reading: too many errors, or a failure. */
bool
files_must_stop(const LoadRun *run)
{
	return run->failed || notice_must_stop(run->notices);
}

/*
 * Runs the stand-ins that pending holds, and empties it; false (logged,
 * failed set) on failure.
 */
static bool
make_stand_ins(LoadRun *run, Buf *pending)
{
	bool		ok = (pending->len == 0 && !pending->lost) ||
		table_run_sql(run, pending);

	buf_reset(pending);
	return ok;
}

/* Every file of the feed into the staging schema. */
void
files_load_all(LoadRun *run)
{
	long long	ignored = source_ignored_bytes(run->src);
	int			extra_files = 0;
	Buf			stand_ins;		/* absent files' tables, not yet made */

	if (ignored > 0)
		notice_add(run->notices, NK_ZIP_TRAILING_BYTES,
				   run->opt->feed.file_name, 0, 0, NULL, NULL, 0,
				   "%lld bytes around the zip archive ignored (a web page "
				   "appended by a server?)", ignored);
	take_source_notices(run);
	rules_check_required_files(run);
	/*
	 * A feed lacks most files: their stand-ins, made in one round trip
	 * before the next file of the feed, keep the tables' order
	 */
	buf_init(&stand_ins, DDL_SQL_MAX);
	for (int f = 0; f < catalog_nfiles && !files_must_stop(run); f++)
	{
		const CatalogFile *cat = &catalog_files[f];
		int			i = source_find(run->src, cat->file);

		/* its place in the report, filled in by sideload_join */
		if (i >= 0 && run->side && i == run->side_member)
		{
			run->side_file = run->rep->nfiles;
			if (!report_add(run->rep, cat->file, 0, 0, 0, report_now()))
				run->failed = true;
		}
		else if (i >= 0)
		{
			if (make_stand_ins(run, &stand_ins))
				files_load_member(run, i, cat);
		}
		else if (!ddl_create_stand_in(&stand_ins, &run->ddl, cat) ||
				 !buf_puts(&stand_ins, ";\n"))
		{
			log_error("statement too long or out of memory");
			run->failed = true;
		}
	}
	if (!files_must_stop(run))
		make_stand_ins(run, &stand_ins);
	buf_free(&stand_ins);
	if (run->ddl.geometry && !files_must_stop(run))
	{
		Buf			sql;
		int			i = source_find(run->src, "locations.geojson");

		buf_init(&sql, DDL_SQL_MAX);
		run->ddl.no_locations = i < 0;
		if (ddl_create_locations(&sql, &run->ddl) && table_run_sql(run, &sql) &&
			i >= 0 && (!geojson_load(run->conn, &run->ddl, run->src, i,
									 run->notices, run->rep, run->chunk,
									 ID_MAX_BYTES) ||
					   !table_record_file(run, "locations.geojson", "locations",
									NULL, NULL)))
			run->failed = true;
		buf_free(&sql);
		take_source_notices(run);
	}
	for (int i = 0; i < source_count(run->src) && !files_must_stop(run); i++)
	{
		const char *name = source_member_name(run->src, i);

		if (catalog_find_file(name) ||
			(run->ddl.geometry && strcmp(name, "locations.geojson") == 0))
			continue;
		/* the table allows only skipping these: not loaded, or refused */
		if (has_suffix(name, ".txt") && extra_files++ >= MAX_EXTRA_FILES)
			notice_add(run->notices, NK_TOO_MANY_FILES, name, 0, 0, NULL,
					   NULL, 0, "more than %d files not of the GTFS "
					   "reference: not loaded", MAX_EXTRA_FILES);
		else if (has_suffix(name, ".txt"))
		{
			bool		kept = notice_rule(NK_UNKNOWN_TXT_FILE, NC_OPTIONAL) ==
				ACTION_KEPT;

			notice_add(run->notices, NK_UNKNOWN_TXT_FILE, name, 0, 0, NULL,
					   NULL, 0, "not a file of the GTFS reference: %s",
					   kept ? "loaded as a table of text columns" :
					   "not loaded");
			if (kept)
				files_load_member(run, i, NULL);
		}
		else
			notice_add(run->notices, NK_UNKNOWN_MEMBER, name, 0, 0, NULL,
					   NULL, 0, "not a GTFS file: skipped");
	}
}
