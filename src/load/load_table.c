/*
 * load_table.c: a file's table in the staging schema, its line of
 * import_files, and its COPY started.
 */
#include "load_run.h"

#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "db.h"
#include "log.h"

/* Runs the statement in sql; false (logged, failed set) on failure. */
bool
table_run_sql(LoadRun *run, const Buf *sql)
{
	if (sql->data == NULL || !db_exec(run->conn, sql->data))
	{
		if (sql->data == NULL)
			log_error("statement too long or out of memory");
		run->failed = true;
		return false;
	}
	return true;
}

/*
 * CREATE TABLE, see ddl_create_table, or with table NULL the stand-in of
 * cat's table (see ddl_create_stand_in); false (logged) on failure.
 */
bool
table_create(LoadRun *run, const char *table, const CatalogFile *cat,
			 const char *const *extra, int nextra, bool jsonb)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	ok = (table ? ddl_create_table(&sql, &run->ddl, table, cat, extra, nextra,
								   jsonb) :
		  ddl_create_stand_in(&sql, &run->ddl, cat)) &&
		table_run_sql(run, &sql);
	if (!ok)
		run->failed = true;
	buf_free(&sql);
	return ok;
}

/*
 * Records the file in import_files: its table, the table's columns in the
 * order of the header, and the header's names as written (NULL where they
 * are not UTF-8), for pgsql2gtfs.  header NULL: a file with no header
 * (locations.geojson); a header of no field: an empty member, which
 * pgsql2gtfs writes back empty.  False (logged, failed set) on failure.
 */
bool
table_record_file(LoadRun *run, const char *member, const char *table,
			char *const *columns, const CsvRow *header)
{
	int			ncols = header ? header->nfields : 0;
	int			nparams = 2 + 2 * ncols;
	const char **params = calloc((size_t) nparams, sizeof(char *));
	char	  **written = calloc((size_t) ncols + 1, sizeof(char *));
	Buf			sql;
	char		number[16];
	bool		ok = params != NULL && written != NULL;

	buf_init(&sql, DDL_SQL_MAX);
	ok = ok && buf_puts(&sql, "INSERT INTO ") &&
		ddl_table(&sql, &run->ddl, "import_files") &&
		buf_puts(&sql, " (file, \"table\", columns, header) VALUES ($1, $2, ");
	for (int half = 0; ok && half < 2; half++)
	{
		ok = buf_puts(&sql, header ? "ARRAY[" : "NULL");
		for (int i = 0; ok && header && i < ncols; i++)
		{
			snprintf(number, sizeof(number), "%s$%d", i ? ", " : "",
					 3 + half * ncols + i);
			ok = buf_puts(&sql, number);
		}
		ok = ok && buf_puts(&sql, header ? "]::text[]" : "") &&
			buf_puts(&sql, half ? ")" : ", ");
	}
	for (int i = 0; ok && i < ncols; i++)
	{
		const char *name = header->fields[i].data;
		size_t		len = header->fields[i].len;

		conv_trim(&name, &len);
		params[2 + i] = columns[i];
		if (!conv_utf8_valid(name, len))
			continue;
		written[i] = strndup(name, len);
		ok = written[i] != NULL;
		params[2 + ncols + i] = written[i];
	}
	if (ok)
	{
		params[0] = member;
		params[1] = table;
		ok = db_run(run->conn, sql.data, nparams, params, NULL,
					"could not record the file", NULL) == DB_DONE;
	}
	else
		log_error("out of memory");
	buf_free(&sql);
	for (int i = 0; written && i < ncols; i++)
		free(written[i]);
	free(written);
	free(params);
	run->failed = run->failed || !ok;
	return ok;
}

/*
 * The header: maps each column by name, creates the table and starts its
 * COPY.  Returns false when loading this file cannot go on.
 */
bool
table_start_copy(FileLoad *fl, const CsvRow *header)
{
	LoadRun    *run = fl->run;
	const char **extra;
	int			nextra = 0;
	Buf			sql;
	bool		ok,
				begun;

	/* the table allows only skipping the file: not loaded, or refused */
	if (header->nfields > MAX_COLUMNS)
	{
		notice_add(run->notices, NK_TOO_MANY_COLUMNS, fl->member,
				   header->line, 0, NULL, NULL, 0, "%d columns, more than "
				   "%d: the file is not loaded", header->nfields, MAX_COLUMNS);
		fl->skipped = true;
		return false;
	}
	if (!header_map(fl, header) || fl->skipped)
		return false;
	header_point_columns(fl);
	row_key_columns(fl);
	for (int i = 0; fl->cat && i < fl->ncols; i++)
		if (fl->field[i] >= 0)
		{
			int			f = (int) (fl->cat - catalog_files);

			run->present[f] |= (uint64_t) 1 << fl->field[i];
			run->columns[f * CATALOG_MAX_FIELDS + fl->field[i]] = i + 1;
		}

	extra = calloc((size_t) header->nfields, sizeof(char *));
	if (extra == NULL)
	{
		log_error("out of memory");
		run->failed = true;
		return false;
	}
	/* a file the reference lacks: its text columns, then the jsonb */
	for (int i = 0; i < fl->ncols; i++)
	{
		if (fl->cat == NULL && i >= TEXT_COLUMNS_MAX)
			fl->field[i] = COL_JSON;
		if (fl->field[i] == COL_EXTRA)
			extra[nextra++] = fl->names[i];
	}
	fl->nextra = fl->cat ? nextra : fl->ncols - nextra;
	ok = table_create(run, fl->table, fl->cat, extra, nextra,
					  fl->nextra > 0) &&
		table_record_file(run, fl->member, fl->table, fl->names, header);
	free(extra);

	/*
	 * COPY table (the file's columns in the file's order [, geom], line),
	 * in binary, which the server reads a third faster than text, unless
	 * the file has a numeric field (whose binary form is not written here).
	 */
	fl->binary = true;
	for (int f = 0; fl->cat && f < fl->cat->nfields; f++)
		if (fl->cat->fields[f].type == GT_MONEY)
			fl->binary = false;
	/* the line last, after a comma only when something is before it */
	buf_init(&sql, DDL_SQL_MAX);
	ok = ok && buf_puts(&sql, "COPY ") &&
		ddl_table(&sql, &run->ddl, fl->table) && buf_puts(&sql, " (");
	for (int i = 0; ok && i < fl->ncols; i++)
		if (fl->field[i] >= 0 ||
			(fl->field[i] == COL_EXTRA && fl->cat == NULL))
			ok = ddl_ident(&sql, &run->ddl, fl->names[i]) &&
				buf_puts(&sql, ", ");
	if (fl->lat_col >= 0)
		ok = ok && buf_puts(&sql, "geom, ");
	if (fl->nextra > 0)
		ok = ok && buf_puts(&sql, DDL_EXTRA_COLUMN ", ");
	/*
	 * A COPY shared with a second connection (copy_share) wants the table
	 * committed, so that the other sees it (the schema is the side load's,
	 * see side.h), and no FREEZE, which wants the table made in the COPY's
	 * own transaction.
	 */
	ok = ok && buf_puts(&sql, DDL_LINE_COLUMN) &&
		buf_puts(&sql, ") FROM STDIN WITH (") &&
		buf_puts(&sql, fl->binary ? "FORMAT binary" : "") &&
		buf_puts(&sql, run->copy_conn2 ? ")" :
				 fl->binary ? ", FREEZE)" : "FREEZE)");
	if (ok && run->copy_conn2)
		ok = db_exec(run->conn, "COMMIT") && db_exec(run->conn, "BEGIN");
	begun = ok && copy_begin(&fl->copy, run->conn, sql.data, fl->binary ?
							 fl->ncols - fl->nextra + (fl->lat_col >= 0) +
							 (fl->nextra > 0) + 1 : 0);
	ok = begun &&
		(run->copy_conn2 == NULL ||
		 copy_share(&fl->copy, run->copy_conn2, sql.data));
	if (!ok && !run->failed && sql.data == NULL)
		log_error("%s: COPY statement too long or out of memory", fl->member);
	run->failed = run->failed || !ok;
	buf_free(&sql);
	/* a COPY begun is ended (copy_end), even when sharing it failed */
	fl->copying = begun;
	/* a strict load already known to be bad is still checked, not sent */
	fl->copy.discard = run->opt->strict &&
		notice_count(run->notices, NOTICE_ERROR) > 0;
	return ok;
}
