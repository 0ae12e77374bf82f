/*
 * check.c: unique keys and references, checked in the server once a file
 * is in, as set-based SQL over the line each row came from.
 *
 * On a good feed both cost nothing beyond what must be built anyway (the
 * key) and one anti-join per reference.  A duplicate key is found when the
 * key cannot be built: the later rows of each key are deleted, and the
 * member is read again, in step with a cursor over their lines, so that
 * each one is set aside whole, as read.  A reference to nothing is one
 * notice per missing value, inserted by the server; the rows stay.
 */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "csvread.h"
#include "db.h"
#include "log.h"
#include "notice_store.h"
#include "progress.h"
#include "sqlbuf.h"

#define FETCH_ROWS		"10000"	/* lines of duplicates fetched at once */
#define SHOW_MAX		200		/* bytes of a key shown in messages */

/* SQL bodies of schema/sql/, embedded by the Makefile (see put_check) */
extern const char sql_check_duplicates[];
extern const char sql_check_timezones[];
extern const char sql_check_references[];

/* The reading of a member again, in step with the duplicates' lines. */
typedef struct
{
	CheckRun   *cr;
	const CatalogFile *cat;
	const int  *fields;			/* catalog fields making the key */
	int			nfields;
	int			cols[CATALOG_MAX_FIELDS];	/* their columns in the file */
	bool		header_seen;
	PGresult   *batch;			/* lines of duplicates, in order */
	int			next;			/* the next of batch to find */
	long		found;
	bool		failed;			/* the database failed (logged) */
	Buf			key;
} DupScan;

/* Fetches the next batch of lines; false at their end or on failure. */
static bool
fetch_batch(DupScan *ds)
{
	PQclear(ds->batch);
	ds->next = 0;
	ds->batch = db_query(ds->cr->conn, "FETCH " FETCH_ROWS
						 " FROM gtfs2pgsql_duplicates", 0, NULL);
	if (ds->batch == NULL)
		ds->failed = true;
	return ds->batch != NULL && PQntuples(ds->batch) > 0;
}

/* The file's columns of the key fields, by their trimmed header names. */
static void
map_key_columns(DupScan *ds, const CsvRow *header)
{
	for (int k = 0; k < ds->nfields; k++)
	{
		const char *name = ds->cat->fields[ds->fields[k]].name;

		ds->cols[k] = -1;
		for (int i = 0; i < header->nfields && ds->cols[k] < 0; i++)
		{
			const char *h = header->fields[i].data;
			size_t		len = header->fields[i].len;

			conv_trim(&h, &len);
			if (len == strlen(name) && memcmp(h, name, len) == 0)
				ds->cols[k] = i;
		}
	}
}

static bool
on_duplicate_row(void *ctx, const CsvRow *row)
{
	DupScan    *ds = ctx;
	const CatalogField *first = &ds->cat->fields[ds->fields[0]];
	long		line;
	long		first_line;

	if (!ds->header_seen)
	{
		ds->header_seen = true;
		map_key_columns(ds, row);
		return fetch_batch(ds);
	}
	line = atol(PQgetvalue(ds->batch, ds->next, 0));
	if (row->line < line)
		return true;
	first_line = atol(PQgetvalue(ds->batch, ds->next, 1));
	if (row->line == line)
	{
		/* the key as written: its fields joined by ", " */
		buf_reset(&ds->key);
		for (int k = 0; k < ds->nfields; k++)
		{
			int			c = ds->cols[k];

			if (k > 0)
				buf_puts(&ds->key, ", ");
			if (c >= 0 && c < row->nfields)
				buf_append(&ds->key, row->fields[c].data, row->fields[c].len);
		}
		notice_row(ds->cr->notices, NK_DUPLICATE_KEY,
							 ds->cat->file, row,
							 ds->cols[0] >= 0 ? ds->cols[0] + 1 : 0,
							 first->name, ds->key.data ? ds->key.data : "",
							 ds->key.len, "duplicate %s (%.*s): first at "
							 "line %ld",
							 ds->nfields > 1 ? "key" : first->name,
							 (int) (ds->key.len < SHOW_MAX ?
									ds->key.len : SHOW_MAX),
							 ds->key.data ? ds->key.data : "", first_line);
		ds->found++;
	}
	return ++ds->next < PQntuples(ds->batch) || fetch_batch(ds);
}

/* A record with a stray quote: set aside by the load already. */
static bool
skip_broken(void *ctx, const CsvBroken *broken)
{
	(void) ctx;
	(void) broken;
	return true;
}

/*
 * Reads cat's member again, setting aside the rows on the lines of
 * gtfs2pgsql_duplicates; false when the database failed (logged).
 */
static bool
set_aside_duplicates(CheckRun *cr, const CatalogFile *cat, const int *fields,
					 int nfields, long expected)
{
	DupScan		ds = {
		.cr = cr,
		.cat = cat,
		.fields = fields,
		.nfields = nfields,
	};
	int			i = source_find(cr->src, cat->file);
	FeedMember *m = i >= 0 ? source_member_open(cr->src, i) : NULL;
	CsvReader  *reader = csvread_create(cat->file, on_duplicate_row, &ds);
	char	   *chunk = malloc(SOURCE_READ_CHUNK);
	unsigned long long bytes;
	bool		ok = m && reader && chunk &&
		db_exec(cr->conn, "DECLARE gtfs2pgsql_duplicates NO SCROLL CURSOR "
				"FOR SELECT line, first_line FROM pg_temp.gtfs2pgsql_lines "
				"ORDER BY line");

	buf_init(&ds.key, CSV_MAX_ROW);
	if (ok)
	{
		csvread_on_broken(reader, skip_broken);
		csvread_member(reader, m, chunk, &bytes);
	}
	ok = ok && !ds.failed && db_exec(cr->conn, "CLOSE gtfs2pgsql_duplicates");
	if (ok && ds.found != expected)
		log_warning("%s: %ld duplicate rows set aside, %ld found again in "
					"the file", cat->file, expected, ds.found);
	PQclear(ds.batch);
	buf_free(&ds.key);
	free(chunk);
	csvread_destroy(reader);
	/*
	 * Read whole by the load already: a failure now costs only lines of
	 * duplicates not found again, which the warning above counts
	 */
	if (m)
		(void) source_member_close(m);
	return ok;
}

/*
 * Runs sql inside a savepoint, so that a failure leaves the transaction
 * usable; *unique_violation tells whether it failed on a duplicate key
 * (other failures are logged).  The savepoint, sql and its release go in
 * one message, one round trip for a key that holds: a failure stops the
 * message there, before the release.
 */
static bool
exec_in_savepoint(PGconn *conn, const char *sql, bool *unique_violation)
{
	DbOutcome	outcome;
	Buf			batch;

	*unique_violation = false;
	buf_init(&batch, DDL_SQL_MAX);
	if (!buf_puts(&batch, "SAVEPOINT gtfs2pgsql_check;\n") ||
		!buf_puts(&batch, sql) ||
		!buf_puts(&batch, ";\nRELEASE SAVEPOINT gtfs2pgsql_check"))
	{
		log_error("statement too long or out of memory");
		buf_free(&batch);
		return false;
	}
	/* unique_violation */
	outcome = db_run(conn, batch.data, 0, NULL, "23505", NULL, NULL);
	buf_free(&batch);
	if (outcome == DB_DONE)
		return true;
	*unique_violation = outcome == DB_REFUSED;
	if (!db_exec(conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_check; "
				 "RELEASE SAVEPOINT gtfs2pgsql_check"))
		*unique_violation = false;
	return false;
}

/*
 * Appends template, a schema/sql/check_*.sql, with "@s" the schema, "@x"
 * cat's table, "@v" column (NULL: none), "@k" keys and "@w" where (NULL:
 * none), the last two SQL as they are.  False (logged) when too long or
 * out of memory.
 */
static bool
put_check(Buf *sql, const CheckRun *cr, const char *template,
		  const CatalogFile *cat, const char *column, const char *keys,
		  const char *where)
{
	Buf			table,
				col;
	bool		ok;

	buf_init(&table, DDL_SQL_MAX);
	buf_init(&col, DDL_SQL_MAX);
	ok = ddl_ident(&table, cr->ddl, cat->table) &&
		(column == NULL || ddl_ident(&col, cr->ddl, column));
	if (ok)
	{
		const char *subst[26] = {
			['s' - 'a'] = cr->ddl->schema,
			['x' - 'a'] = table.data,
			['v' - 'a'] = column ? col.data : NULL,
			['k' - 'a'] = keys,
			['w' - 'a'] = where,
		};

		ok = sqlbuf_template(sql, template, subst);
	}
	if (!ok)
		log_error("%s: statement too long or out of memory", cat->file);
	buf_free(&table);
	buf_free(&col);
	return ok;
}

/*
 * Moves the lines of the rows after the first of each key of cat's table
 * (those ddl_key leaves out aside) into the temporary table
 * gtfs2pgsql_lines (line, first_line) and deletes those rows
 * (schema/sql/check_duplicates.sql); *count gets how many.
 */
static bool
delete_duplicates(CheckRun *cr, const CatalogFile *cat, const int *fields,
				  int nfields, uint64_t unkeyed, long *count)
{
	Buf			sql,
				keys,
				where;
	PGresult   *res = NULL;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	buf_init(&keys, DDL_SQL_MAX);
	buf_init(&where, DDL_SQL_MAX);
	ok = buf_puts(&keys, "PARTITION BY ");
	for (int k = 0; ok && k < nfields; k++)
		ok = buf_puts(&keys, k ? ", " : "") &&
			ddl_ident(&keys, cr->ddl, cat->fields[fields[k]].name);
	/* the rows the key leaves out, as ddl_key does */
	if (ok && catalog_single_key(cat) >= 0)
		unkeyed |= (uint64_t) 1 << fields[0];
	ok = ok && ddl_key_where(&where, cr->ddl, cat, unkeyed) &&
		put_check(&sql, cr, sql_check_duplicates, cat, NULL, keys.data,
				  where.len ? where.data : "");
	ok = ok && db_run(cr->conn, sql.data, 0, NULL, NULL,
					  "could not delete duplicate rows", &res) == DB_DONE;
	*count = ok ? atol(PQcmdTuples(res)) : 0;
	PQclear(res);
	buf_free(&sql);
	buf_free(&keys);
	buf_free(&where);
	return ok;
}

bool
check_key(CheckRun *cr, const CatalogFile *cat, uint64_t present,
		  uint64_t unkeyed, long *set_aside)
{
	int			fields[CATALOG_MAX_FIELDS];
	int			nfields = catalog_key_fields(cat, present, fields);
	Buf			sql;
	bool		violation;
	bool		ok;
	char		step[128],
				dup_step[160];
	double		started;

	*set_aside = 0;
	buf_init(&sql, DDL_SQL_MAX);
	if (!ddl_key(&sql, cr->ddl, cat, present, unkeyed))
	{
		buf_free(&sql);
		return false;
	}
	if (sql.len == 0)
	{
		buf_free(&sql);
		return true;			/* no key */
	}
	snprintf(step, sizeof(step), "%s %s", cat->table,
			 strstr(sql.data, "PRIMARY KEY") ? "primary key" : "unique index");
	started = progress_step(step);
	ok = exec_in_savepoint(cr->conn, sql.data, &violation);
	if (!ok && violation)
	{
		/* the failed build, the duplicates set aside, the build again */
		snprintf(dup_step, sizeof(dup_step), "%s (duplicates found)", step);
		ok = report_add_step(cr->rep, dup_step, started);
		snprintf(dup_step, sizeof(dup_step), "%s duplicates", cat->table);
		started = progress_step(dup_step);
		ok = ok && delete_duplicates(cr, cat, fields, nfields, unkeyed,
									 set_aside) &&
			set_aside_duplicates(cr, cat, fields, nfields, *set_aside) &&
			db_exec(cr->conn, "DROP TABLE pg_temp.gtfs2pgsql_lines") &&
			report_add_step(cr->rep, dup_step, started);
		started = progress_step(step);
		ok = ok && db_exec(cr->conn, sql.data);
	}
	ok = ok && report_add_step(cr->rep, step, started);
	buf_free(&sql);
	return ok;
}

/*
 * "c.field IS NOT NULL AND NOT EXISTS (...) AND ..." for one field's
 * references, and the files they name ("trips.txt or ...") into files.
 * False with nothing appended when a target table is not loaded.
 */
static bool
dangling_sql(CheckRun *cr, const CatalogField *f, Buf *where, Buf *files)
{
	const char *p = f->refs;
	bool		ok = buf_puts(where, "c.") &&
		ddl_ident(where, cr->ddl, f->name) &&
		buf_puts(where, " IS NOT NULL");

	/* a time zone must be one the server knows, as it must convert times */
	if (f->type == GT_TIMEZONE)
		return ok && buf_puts(where, " AND c.") &&
			ddl_ident(where, cr->ddl, f->name) &&
			buf_puts(where, " NOT IN (SELECT name FROM "
					 "pg_catalog.pg_timezone_names)");
	while (ok && p && *p)
	{
		size_t		n = strcspn(p, "|");
		const char *dot = memchr(p, '.', n);
		char		table[64],
					field[64];

		if (dot == NULL || (size_t) (dot - p) >= sizeof(table) ||
			n - (size_t) (dot - p) > sizeof(field))
			return false;
		snprintf(table, sizeof(table), "%.*s", (int) (dot - p), p);
		snprintf(field, sizeof(field), "%.*s",
				 (int) (n - (size_t) (dot - p) - 1), dot + 1);
		/* locations.geojson has a table only when geometry is loaded */
		if (strcmp(table, "locations") == 0 && !cr->ddl->geometry)
			return false;
		ok = buf_puts(where, " AND NOT EXISTS (SELECT FROM ") &&
			ddl_table(where, cr->ddl, table) &&
			buf_puts(where, " AS p WHERE p.") &&
			ddl_ident(where, cr->ddl, field) && buf_puts(where, " = c.") &&
			ddl_ident(where, cr->ddl, f->name) && buf_putc(where, ')') &&
			buf_puts(files, files->len ? " or " : "") &&
			buf_puts(files, table) &&
			buf_puts(files,
					 strcmp(table, "locations") ? ".txt" : ".geojson");
		p += n + (p[n] == '|');
	}
	return ok;
}

/*
 * Whether every value of cat's time zone field is, for certain, the name of
 * a zone of pg_catalog.pg_timezone_names, found without that view: it loads
 * every zone of the server's tz database each time it is read (50-75 ms),
 * where setting TimeZone to a name loads that zone alone.  The server gives
 * a name it takes back in the case of its file in the tz database, which is
 * the name the view lists; what it takes besides (offsets and POSIX
 * specifications, "<+05>-05", "UTC+3", all with a digit, and "GMT", known
 * without a file) is left to the view.  *known is false when any value is
 * not found so, or the server does not take it (it logs that error): the
 * caller then asks the view, which stays the rule, for the notices as
 * before.  False (logged) when the database failed.
 */
static bool
timezones_known(CheckRun *cr, const CatalogFile *cat,
				const CatalogField *field, bool *known)
{
	Buf			sql;
	PGresult   *res = NULL;
	bool		ok;

	/*
	 * the session's TimeZone as it was, after a name taken or refused: the
	 * savepoint and the query in one message (its result is the query's),
	 * the way back in another
	 */
	buf_init(&sql, DDL_SQL_MAX);
	ok = buf_puts(&sql, "SAVEPOINT gtfs2pgsql_timezone;\n");
	if (!ok)
		log_error("out of memory");
	ok = ok && put_check(&sql, cr, sql_check_timezones, cat, field->name,
						 NULL, NULL);
	/* any refusal: a name the server does not know */
	*known = ok && db_run(cr->conn, sql.data, 0, NULL, "*", NULL,
						  &res) == DB_DONE &&
		strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	ok = ok &&
		db_exec(cr->conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_timezone; "
				"RELEASE SAVEPOINT gtfs2pgsql_timezone");
	buf_free(&sql);
	return ok;
}

bool
check_references(CheckRun *cr, const CatalogFile *cat, uint64_t present)
{
	bool		ok = true;

	for (int f = 0; ok && f < cat->nfields; f++)
	{
		const CatalogField *field = &cat->fields[f];
		NoticeKind	kind = field->type == GT_TIMEZONE ?
			NK_INVALID_TIMEZONE : NK_FOREIGN_KEY_VIOLATION;
		long		before = notice_count(cr->notices, NOTICE_ERROR);
		Buf			where,
					files,
					message,
					sql;
		const char *params[6];
		PGresult   *res;
		int			found;
		char		step[160];
		double		started;

		if ((field->refs == NULL && field->type != GT_TIMEZONE) ||
			!(present & ((uint64_t) 1 << f)))
			continue;
		snprintf(step, sizeof(step), "%s(%s) %s", cat->table, field->name,
				 field->type == GT_TIMEZONE ? "time zone check" :
				 "reference check");
		started = 0;
		buf_init(&where, DDL_SQL_MAX);
		buf_init(&files, DDL_SQL_MAX);
		buf_init(&message, DDL_SQL_MAX);
		buf_init(&sql, DDL_SQL_MAX);
		if (!dangling_sql(cr, field, &where, &files))
			goto next;
		started = progress_step(step);
		if (field->type == GT_TIMEZONE)
		{
			bool		known;

			ok = timezones_known(cr, cat, field, &known);
			if (!ok || known)
				goto next;
		}
		/*
		 * A plain count first, which the server runs in parallel (an
		 * INSERT ... SELECT runs alone; a LIMIT 1 would plan a nested
		 * loop): on a good feed it finds nothing, and that is all the
		 * check costs.
		 */
		ok = buf_puts(&sql, "SELECT count(*) > 0 FROM ") &&
			ddl_table(&sql, cr->ddl, cat->table) &&
			buf_puts(&sql, " AS c WHERE ") &&
			buf_append(&sql, where.data, where.len);
		found = ok ? db_query_bool(cr->conn, sql.data, 0, NULL) : -1;
		ok = found >= 0;
		if (found <= 0)
			goto next;
		buf_reset(&sql);
		/* the format of each notice's message: value, then count */
		ok = field->type == GT_TIMEZONE ?
			buf_puts(&message, "\"%s\" is not a time zone the server "
					 "knows (%s rows)") :
			buf_puts(&message, field->name) &&
			buf_puts(&message, " \"%s\" is not in ") &&
			buf_puts(&message, files.data) &&
			buf_puts(&message, " (%s rows)");
		if (!ok)
			log_error("%s: out of memory", cat->file);
		ok = ok && put_check(&sql, cr, sql_check_references, cat,
							 field->name, NULL, where.data);
		if (!ok)
			goto next;
		params[0] = cat->file;
		params[1] = field->name;
		params[2] = notice_code(kind);
		params[3] = notice_severity_name(notice_severity(kind));
		params[4] = message.data;
		params[5] = notice_action_name(notice_rule(kind, NC_OPTIONAL));
		ok = db_run(cr->conn, sql.data, 6, params, NULL,
					"could not check references", &res) == DB_DONE;
		if (ok)
			notice_count_server(cr->notices, kind, atol(PQcmdTuples(res)));
		PQclear(res);
		buf_reset(&sql);
		ok = ok && ddl_table(&sql, cr->ddl, "import_notices") &&
			notice_print_inserted(cr->notices, cr->conn, sql.data, cat->file,
								  field->name, kind,
								  cr->columns[catalog_find_field(cat,
																 field->name)],
								  before);
next:
		/* a check that did not run (its target is not loaded) is none */
		if (started > 0)
			ok = ok && report_add_step(cr->rep, step, started);
		buf_free(&where);
		buf_free(&files);
		buf_free(&message);
		buf_free(&sql);
	}
	return ok;
}
