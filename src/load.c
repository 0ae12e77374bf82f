/*
 * load.c: a feed into PostgreSQL.
 *
 * The shape of a load, after shp2pgsql's header/body/footer:
 *   BEGIN, and a lock that makes a second import of the same schema wait;
 *   CREATE SCHEMA staging; for each file in dependency order, CREATE TABLE
 *   and COPY ... FROM STDIN WITH (FREEZE), the rows checked on the way;
 *   keys and indexes once the data is in; ANALYZE;
 *   drop the previous feed's tables, rename staging to the target, COMMIT.
 * Readers of the target schema see the old feed until the COMMIT and the
 * new one after it; a failure anywhere leaves the old one in place.
 */
#include "load.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "convert.h"
#include "copy.h"
#include "csvread.h"
#include "db.h"
#include "log.h"

#define READ_CHUNK		(64 * 1024)
#define SQL_MAX			(1024 * 1024)
#define SHOW_VALUE_MAX	40		/* bytes of a bad value quoted in messages */

/* What a column of the file maps to, besides a catalog field index. */
#define COL_EXTRA		(-1)	/* not in the reference: kept as text */
#define COL_IGNORED		(-2)	/* no name in the header */

/* Indexes for the joins everybody makes, besides the primary keys. */
static const struct
{
	const char *table;
	const char *column;
}			join_indexes[] = {
	{"stop_times", "stop_id"},
	{"trips", "route_id"},
	{"trips", "service_id"},
	{"trips", "shape_id"},
};

/* One file being loaded. */
typedef struct
{
	PGconn	   *conn;
	const LoadOptions *opt;
	char	   *qname;			/* quoted schema.table */
	const char *member;
	const CatalogFile *cat;		/* NULL for files the reference lacks */
	int			ncols;
	int		   *field;			/* per column: catalog index or COL_* */
	long	   *warnings;		/* per column: values warned about */
	bool		header_seen;
	bool		copying;
	bool		db_failed;
	bool		short_rows_warned;
	bool		long_rows_warned;
	CopyStream	copy;
	long		rows;
} FileLoad;

/* Appends name as a quoted identifier, or bare when there is no conn. */
static bool
sql_ident(Buf *sql, PGconn *conn, const char *name)
{
	char	   *q;
	bool		ok;

	if (conn == NULL)
		return buf_puts(sql, name);
	q = db_ident(conn, name);
	if (q == NULL)
		return false;
	ok = buf_puts(sql, q);
	PQfreemem(q);
	return ok;
}

static bool
is_id_field(const CatalogField *f)
{
	size_t		len = strlen(f->name);

	return f->type == GT_TEXT && len > 3 && strcmp(f->name + len - 3, "_id") == 0;
}

/* "name type [COLLATE] [NOT NULL]" for a catalog field. */
static bool
sql_column(Buf *sql, PGconn *conn, const CatalogField *f)
{
	return sql_ident(sql, conn, f->name) &&
		buf_putc(sql, ' ') &&
		buf_puts(sql, catalog_sql_type(f->type)) &&
		/* ids are compared bytewise: "C" builds their indexes much faster */
		(!is_id_field(f) || buf_puts(sql, " COLLATE \"C\"")) &&
		(!(f->flags & FIELD_REQUIRED) || buf_puts(sql, " NOT NULL"));
}

/* schema.table, with schema already quoted. */
static bool
sql_qualified(Buf *sql, PGconn *conn, const char *schema, const char *table)
{
	return buf_puts(sql, schema) && buf_putc(sql, '.') &&
		sql_ident(sql, conn, table);
}

/*
 * CREATE TABLE qname for a catalog file, with the file's extra columns
 * (header columns mapped to COL_EXTRA) appended as text.  Without a
 * catalog file, the named header columns all become text columns.
 */
static bool
sql_create_table(Buf *sql, PGconn *conn, const char *qname,
				 const CatalogFile *cat, const CsvRow *header,
				 const int *field)
{
	bool		first = true;
	bool		ok;

	ok = buf_puts(sql, "CREATE TABLE ") && buf_puts(sql, qname) &&
		buf_puts(sql, " (");
	for (int i = 0; ok && cat && i < cat->nfields; i++, first = false)
		ok = buf_puts(sql, first ? "\n\t" : ",\n\t") &&
			sql_column(sql, conn, &cat->fields[i]);
	for (int i = 0; ok && header && i < header->nfields; i++)
		if (field[i] == COL_EXTRA)
		{
			ok = buf_puts(sql, first ? "\n\t" : ",\n\t") &&
				sql_ident(sql, conn, header->fields[i].data) &&
				buf_puts(sql, " text");
			first = false;
		}
	return ok && buf_puts(sql, "\n)");
}

/*
 * The statement that makes the file's key: a primary key when every key
 * field is required, else a unique index.  Where the reference lets some
 * fields of a composite key be empty, NULLs count as equal; a key of one
 * optional field (attribution_id) is unique only where it is given.
 * Appends nothing when the file has no key.
 */
static bool
sql_key(Buf *sql, PGconn *conn, const char *schema, const CatalogFile *cat)
{
	bool		all_required = true;
	int			nkeys = 0;
	bool		any = false;
	bool		ok;

	for (int i = 0; i < cat->nfields; i++)
		if (cat->fields[i].flags & FIELD_KEY)
		{
			nkeys++;
			if (!(cat->fields[i].flags & FIELD_REQUIRED))
				all_required = false;
		}
	if (nkeys == 0)
		return true;
	if (all_required)
		ok = buf_puts(sql, "ALTER TABLE ") &&
			sql_qualified(sql, conn, schema, cat->table) &&
			buf_puts(sql, " ADD PRIMARY KEY (");
	else
		ok = buf_puts(sql, "CREATE UNIQUE INDEX ON ") &&
			sql_qualified(sql, conn, schema, cat->table) &&
			buf_puts(sql, " (");
	any = false;
	for (int i = 0; ok && i < cat->nfields; i++)
		if (cat->fields[i].flags & FIELD_KEY)
		{
			ok = (!any || buf_puts(sql, ", ")) &&
				sql_ident(sql, conn, cat->fields[i].name);
			any = true;
		}
	return ok && buf_putc(sql, ')') &&
		(all_required || nkeys == 1 || buf_puts(sql, " NULLS NOT DISTINCT"));
}

static bool
sql_join_index(Buf *sql, PGconn *conn, const char *schema, int i)
{
	return buf_puts(sql, "CREATE INDEX ON ") &&
		sql_qualified(sql, conn, schema, join_indexes[i].table) &&
		buf_puts(sql, " (") && sql_ident(sql, conn, join_indexes[i].column) &&
		buf_putc(sql, ')');
}

void
load_print_schema(FILE *out)
{
	Buf			sql;

	buf_init(&sql, SQL_MAX);
	fputs("-- The tables gtfs2pgsql creates, one per file of the GTFS Schedule\n"
		  "-- reference, shown for schema \"gtfs\" (option -s).  Generated by\n"
		  "-- \"gtfs2pgsql --print-schema\": do not edit.\n"
		  "-- Columns of a feed that the reference does not define are added\n"
		  "-- to their table as text; files it does not define become tables\n"
		  "-- of text columns.  Keys and indexes are built after the data.\n\n"
		  "CREATE SCHEMA gtfs;\n", out);
	for (int i = 0; i < catalog_nfiles; i++)
	{
		char		qname[128];

		buf_reset(&sql);
		snprintf(qname, sizeof(qname), "gtfs.%s", catalog_files[i].table);
		sql_create_table(&sql, NULL, qname, &catalog_files[i], NULL, NULL);
		fprintf(out, "\n%s;\n", sql.data);
	}
	fputc('\n', out);
	for (int i = 0; i < catalog_nfiles; i++)
	{
		buf_reset(&sql);
		sql_key(&sql, NULL, "gtfs", &catalog_files[i]);
		if (sql.len)
			fprintf(out, "%s;\n", sql.data);
	}
	for (size_t i = 0; i < sizeof(join_indexes) / sizeof(join_indexes[0]); i++)
	{
		buf_reset(&sql);
		sql_join_index(&sql, NULL, "gtfs", (int) i);
		fprintf(out, "%s;\n", sql.data);
	}
	buf_free(&sql);
}

/* value, cut to SHOW_VALUE_MAX bytes on a character boundary, into out. */
static const char *
show_value(const char *s, size_t len, char *out, size_t outsize)
{
	size_t		n = len;

	if (n > SHOW_VALUE_MAX)
	{
		n = SHOW_VALUE_MAX;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	snprintf(out, outsize, "%.*s%s", (int) n, s, n < len ? "..." : "");
	return out;
}

static const char *
column_name(const FileLoad *fl, const CsvRow *row, int col)
{
	(void) row;
	if (fl->field[col] >= 0)
		return fl->cat->fields[fl->field[col]].name;
	return "extra column";
}

/* CREATE TABLE qname; see sql_create_table.  False (logged) on failure. */
static bool
create_table(PGconn *conn, const char *qname, const CatalogFile *cat,
			 const CsvRow *header, const int *field)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, SQL_MAX);
	ok = sql_create_table(&sql, conn, qname, cat, header, field) &&
		db_exec(conn, sql.data);
	buf_free(&sql);
	return ok;
}

/* "schema.table" as a new string (free it), NULL (logged) on failure. */
static char *
qualified_name(PGconn *conn, const char *schema, const char *table)
{
	Buf			qname;

	buf_init(&qname, SQL_MAX);
	if (!sql_qualified(&qname, conn, schema, table))
	{
		buf_free(&qname);
		return NULL;
	}
	return qname.data;
}

/*
 * The header: maps each column by name, creates the table and starts its
 * COPY.  Returns false when loading this file cannot go on.
 */
static bool
start_file(FileLoad *fl, const CsvRow *header)
{
	Buf			sql;
	bool		ok = true;
	int			named = 0;

	fl->ncols = header->nfields;
	fl->field = calloc((size_t) fl->ncols, sizeof(int));
	fl->warnings = calloc((size_t) fl->ncols, sizeof(long));
	if (fl->field == NULL || fl->warnings == NULL)
	{
		log_error("out of memory");
		return false;
	}
	for (int i = 0; i < fl->ncols; i++)
	{
		CsvField   *h = (CsvField *) &header->fields[i];
		char	   *name = (char *) h->data;

		/* whitespace around names is a common slip: forgive it */
		while (h->len > 0 && (*name == ' ' || *name == '\t'))
			name++, h->len--;
		while (h->len > 0 && (name[h->len - 1] == ' ' || name[h->len - 1] == '\t'))
			name[--h->len] = '\0';
		h->data = name;
		if (!conv_utf8_valid(name, h->len))
		{
			log_data_error(fl->member, header->line, i + 1,
						   "column name is not valid UTF-8");
			ok = false;
			continue;
		}
		for (int j = 0; j < i; j++)
			if (fl->field[j] != COL_IGNORED && h->len > 0 &&
				strcmp(header->fields[j].data, name) == 0)
			{
				log_data_error(fl->member, header->line, i + 1,
							   "duplicate column \"%s\"", name);
				ok = false;
			}
		if (h->len == 0)
		{
			fl->field[i] = COL_IGNORED;
			log_data_warning(fl->member, header->line, i + 1,
							 "column without a name: ignored");
			continue;
		}
		named++;
		fl->field[i] = fl->cat ? catalog_find_field(fl->cat, name) : COL_EXTRA;
		if (fl->field[i] < 0)
		{
			fl->field[i] = COL_EXTRA;
			if (fl->cat)
				log_notice("%s: column \"%s\" is not in the GTFS reference: "
						   "kept as text", fl->member, name);
		}
	}
	if (named == 0)
	{
		log_data_error(fl->member, header->line, 0, "header names no column");
		ok = false;
	}
	for (int f = 0; fl->cat && f < fl->cat->nfields; f++)
	{
		bool		present = false;

		if (!(fl->cat->fields[f].flags & FIELD_REQUIRED))
			continue;
		for (int i = 0; i < fl->ncols; i++)
			present = present || fl->field[i] == f;
		if (!present)
		{
			log_data_error(fl->member, header->line, 0,
						   "missing required column \"%s\"",
						   fl->cat->fields[f].name);
			ok = false;
		}
	}
	if (!ok)
		return false;

	/* a feed already known to be bad is checked but not sent */
	buf_init(&sql, SQL_MAX);
	ok = buf_puts(&sql, "COPY ") && buf_puts(&sql, fl->qname) &&
		buf_puts(&sql, " (");
	for (int i = 0, n = 0; ok && i < fl->ncols; i++)
		if (fl->field[i] != COL_IGNORED)
			ok = buf_puts(&sql, n++ ? ", " : "") &&
				sql_ident(&sql, fl->conn, header->fields[i].data);
	ok = ok && buf_puts(&sql, ") FROM STDIN WITH (FREEZE)") &&
		create_table(fl->conn, fl->qname, fl->cat, header, fl->field) &&
		copy_begin(&fl->copy, fl->conn, sql.data);
	fl->copying = ok;
	fl->db_failed = !ok;
	fl->copy.discard = log_data_errors() > 0;
	buf_free(&sql);
	return ok;
}

/* Warns about a value the first time a column has one worth a warning. */
static void
warn_value(FileLoad *fl, const CsvRow *row, int col, const char *why)
{
	char		shown[SHOW_VALUE_MAX + 8];

	if (fl->warnings[col]++ > 0)
		return;
	log_data_warning(fl->member, csvread_field_line(row, col), col + 1,
					 "%s \"%s\": %s", column_name(fl, row, col),
					 show_value(row->fields[col].data, row->fields[col].len,
								shown, sizeof(shown)), why);
}

/* One data row into the COPY buffer; false when loading must stop. */
static bool
load_row(FileLoad *fl, const CsvRow *row)
{
	char		shown[SHOW_VALUE_MAX + 8];
	bool		bad = false;

	if (row->nfields < fl->ncols && !fl->short_rows_warned)
	{
		fl->short_rows_warned = true;
		log_data_warning(fl->member, row->line, 0,
						 "%d fields where the header has %d: the missing "
						 "ones are read as empty", row->nfields, fl->ncols);
	}
	for (int i = fl->ncols; i < row->nfields; i++)
	{
		if (row->fields[i].len == 0)
		{
			if (!fl->long_rows_warned)
				log_data_warning(fl->member, row->line, i + 1,
								 "empty fields past the header's %d: ignored",
								 fl->ncols);
			fl->long_rows_warned = true;
			continue;
		}
		log_data_error(fl->member, row->line, i + 1,
					   "%d fields where the header has %d", row->nfields,
					   fl->ncols);
		bad = true;
		break;
	}

	copy_row_begin(&fl->copy);
	for (int i = 0; i < fl->ncols && !bad; i++)
	{
		int			f = fl->field[i];
		const CatalogField *cf = f >= 0 ? &fl->cat->fields[f] : NULL;
		const char *v = i < row->nfields ? row->fields[i].data : "";
		size_t		len = i < row->nfields ? row->fields[i].len : 0;
		const char *why = "invalid UTF-8 or NUL byte";
		ConvStatus	st;

		if (f == COL_IGNORED)
			continue;
		if (len == 0)
		{
			if (cf && (cf->flags & FIELD_REQUIRED))
			{
				log_data_error(fl->member, csvread_field_line(row, i), i + 1,
							   "missing value for required field %s", cf->name);
				bad = true;
			}
			copy_null(&fl->copy);
			continue;
		}
		if (cf)
			st = conv_field(cf, v, len, copy_field(&fl->copy), &why);
		else
			st = conv_copy_text(copy_field(&fl->copy), v, len);
		switch (st)
		{
			case CONV_OK:
				break;
			case CONV_WARN:
				warn_value(fl, row, i, why);
				break;
			case CONV_ERROR:
				log_data_error(fl->member, csvread_field_line(row, i), i + 1,
							   "invalid %s \"%s\": %s", column_name(fl, row, i),
							   show_value(v, len, shown, sizeof(shown)), why);
				bad = true;
				break;
			case CONV_NOSPACE:
				log_data_error(fl->member, row->line, 0, "row too long");
				bad = true;
				break;
		}
	}
	if (bad)
	{
		copy_row_rollback(&fl->copy);
		fl->copy.discard = true;
		if (log_data_errors() >= fl->opt->max_errors)
		{
			log_error("too many errors (%ld): stopping", log_data_errors());
			return false;
		}
		return true;
	}
	fl->rows++;
	if (!copy_row_end(&fl->copy))
	{
		fl->db_failed = true;
		return false;
	}
	return true;
}

static bool
on_row(void *ctx, const CsvRow *row)
{
	FileLoad   *fl = ctx;

	if (!fl->header_seen)
	{
		fl->header_seen = true;
		return start_file(fl, row);
	}
	return load_row(fl, row);
}

/*
 * Streams member i of src through the CSV reader into its table in the
 * staging schema: the table of cat, or for a file the reference does not
 * define (cat NULL) a text table named after the member.  Sets *db_failed
 * when the database refused something.
 */
static void
load_member(PGconn *conn, FeedSource *src, int i, const CatalogFile *cat,
			const char *staging, const LoadOptions *opt, char *chunk,
			Report *rep, bool *db_failed)
{
	FileLoad	fl;
	FeedMember *m;
	CsvReader  *reader = NULL;
	unsigned long long bytes = 0;
	double		started = report_now();
	long		errors_before = log_data_errors();
	ssize_t		n = 0;
	char		stem[256];

	memset(&fl, 0, sizeof(fl));
	fl.conn = conn;
	fl.opt = opt;
	fl.member = source_member_name(src, i);
	fl.cat = cat;
	snprintf(stem, sizeof(stem), "%.*s", (int) strcspn(fl.member, "."),
			 fl.member);
	fl.qname = qualified_name(conn, staging, cat ? cat->table : stem);
	m = source_member_open(src, i);
	reader = csvread_create(fl.member, on_row, &fl);
	if (fl.qname == NULL || m == NULL || reader == NULL)
	{
		fl.db_failed = fl.qname == NULL;
		goto cleanup;
	}
	while ((n = source_member_read(m, chunk, READ_CHUNK)) > 0)
	{
		bytes += (unsigned long long) n;
		if (!csvread_feed(reader, chunk, (size_t) n))
			break;
	}
	if (n == 0)
		csvread_finish(reader);
	else if (n < 0)
		log_data_error(fl.member, 0, 0, "could not read the member");

	if (!fl.header_seen)
	{
		if (n == 0 && log_data_errors() == errors_before)
			log_data_warning(fl.member, 0, 0, "empty file");
		if (cat && !create_table(conn, fl.qname, cat, NULL, NULL))
			fl.db_failed = true;
	}
	/* a discarded COPY ends normally: the rollback undoes it */
	if (fl.copying && !copy_end(&fl.copy, NULL))
		fl.db_failed = true;
	for (int c = 0; c < fl.ncols; c++)
		if (fl.warnings[c] > 1)
			log_data_warning(fl.member, 0, c + 1,
							 "%ld more values of this column warned about",
							 fl.warnings[c] - 1);
	if (!fl.db_failed && !report_add(rep, fl.member, fl.rows, bytes, started))
		fl.db_failed = true;

cleanup:
	*db_failed = *db_failed || fl.db_failed;
	csvread_destroy(reader);
	if (m && !source_member_close(m) && log_data_errors() == errors_before)
		log_data_error(fl.member, 0, 0, "the archive is damaged");
	free(fl.qname);
	free(fl.field);
	free(fl.warnings);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		n = strlen(s),
				k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Runs fmt with each %s replaced by the next argument; false (logged). */
static bool
exec_fmt(PGconn *conn, const char *fmt, const char *arg1, const char *arg2)
{
	Buf			sql;
	const char *args[2] = {arg1, arg2};
	int			next = 0;
	bool		ok = true;

	buf_init(&sql, SQL_MAX);
	for (const char *p = fmt; ok && *p; p++)
	{
		if (p[0] == '%' && p[1] == 's' && next < 2)
		{
			ok = buf_puts(&sql, args[next++]);
			p++;
		}
		else
			ok = buf_putc(&sql, *p);
	}
	ok = ok && db_exec(conn, sql.data);
	buf_free(&sql);
	return ok;
}

/* Keys, indexes and statistics of the tables in the staging schema. */
static bool
build_indexes(PGconn *conn, const char *staging, const char *staging_name)
{
	const char *params[1] = {staging_name};
	PGresult   *res;
	Buf			sql;
	bool		ok = true;

	buf_init(&sql, SQL_MAX);
	for (int i = 0; ok && i < catalog_nfiles; i++)
	{
		buf_reset(&sql);
		ok = sql_key(&sql, conn, staging, &catalog_files[i]) &&
			(sql.len == 0 || db_exec(conn, sql.data));
	}
	for (size_t i = 0; ok && i < sizeof(join_indexes) / sizeof(join_indexes[0]); i++)
	{
		buf_reset(&sql);
		ok = sql_join_index(&sql, conn, staging, (int) i) &&
			db_exec(conn, sql.data);
	}
	buf_free(&sql);
	if (!ok)
		return false;
	res = db_query(conn,
				   "SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') "
				   "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
				   "ON n.oid = c.relnamespace "
				   "WHERE n.nspname = $1 AND c.relkind = 'r'", 1, params);
	ok = res != NULL &&
		exec_fmt(conn, "ANALYZE %s", PQgetvalue(res, 0, 0), NULL);
	PQclear(res);
	return ok;
}

/*
 * Checks that the target schema is absent, empty, or holds a feed of ours,
 * and drops that feed's tables.  Refuses to drop anything it did not make;
 * DROP without CASCADE, so a view of the user's that depends on the old
 * tables makes the load fail instead of disappearing.
 */
static LoadStatus
drop_previous_feed(PGconn *conn, const char *schema, const char *quoted)
{
	const char *params[1] = {schema};
	PGresult   *res;
	LoadStatus	status = LOAD_OK;

	res = db_query(conn,
				   "SELECT coalesce(obj_description(n.oid, 'pg_namespace'), '') "
				   "LIKE 'gtfs2pgsql%', "
				   "(SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') "
				   " FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid "
				   " AND c.relkind IN ('r', 'p')), "
				   "(SELECT count(*) FROM pg_catalog.pg_class c "
				   " WHERE c.relnamespace = n.oid) "
				   "FROM pg_catalog.pg_namespace n WHERE n.nspname = $1",
				   1, params);
	if (res == NULL)
		return LOAD_DB_FAILED;
	if (PQntuples(res) == 1)
	{
		bool		ours = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		bool		empty = strcmp(PQgetvalue(res, 0, 2), "0") == 0;

		if (!ours && !empty)
		{
			log_error("schema \"%s\" exists and was not made by gtfs2pgsql",
					  schema);
			log_detail("choose another schema with -s, or drop this one");
			status = LOAD_BAD_INPUT;
		}
		else if ((!PQgetisnull(res, 0, 1) &&
				  !exec_fmt(conn, "DROP TABLE %s", PQgetvalue(res, 0, 1), NULL)) ||
				 !exec_fmt(conn, "DROP SCHEMA %s", quoted, NULL))
			status = LOAD_DB_FAILED;
	}
	PQclear(res);
	return status;
}

/* Every file of the feed into the staging schema; false on a database error. */
static bool
load_files(PGconn *conn, FeedSource *src, const char *staging,
		   const LoadOptions *opt, Report *rep, char *chunk)
{
	bool		db_failed = false;

	for (int f = 0; f < catalog_nfiles && !db_failed &&
		 log_data_errors() < opt->max_errors; f++)
	{
		const CatalogFile *cat = &catalog_files[f];
		int			i = source_find(src, cat->file);
		char	   *qname;

		if (i >= 0)
		{
			load_member(conn, src, i, cat, staging, opt, chunk, rep, &db_failed);
			continue;
		}
		qname = qualified_name(conn, staging, cat->table);
		db_failed = qname == NULL || !create_table(conn, qname, cat, NULL, NULL);
		free(qname);
	}
	for (int i = 0; i < source_count(src) && !db_failed &&
		 log_data_errors() < opt->max_errors; i++)
	{
		const char *name = source_member_name(src, i);

		if (catalog_find_file(name))
			continue;
		if (has_suffix(name, ".txt"))
		{
			log_notice("%s is not a file of the GTFS reference: "
					   "loaded as a table of text columns", name);
			load_member(conn, src, i, NULL, staging, opt, chunk, rep, &db_failed);
		}
		else
			log_notice("%s is not a GTFS file: skipped", name);
	}
	return !db_failed;
}

LoadStatus
load_feed(PGconn *conn, FeedSource *src, const LoadOptions *opt, Report *rep)
{
	char		staging_name[64];
	char	   *staging = NULL;
	char	   *target = NULL;
	char	   *comment = NULL;
	char	   *chunk = NULL;
	Buf			text;
	const char *lock_params[1] = {opt->schema};
	PGresult   *res;
	LoadStatus	status = LOAD_DB_FAILED;
	double		started;

	snprintf(staging_name, sizeof(staging_name), "gtfs2pgsql_load_%d",
			 PQbackendPID(conn));
	staging = db_ident(conn, staging_name);
	target = db_ident(conn, opt->schema);
	/* the comment marks the schema as ours: see drop_previous_feed */
	buf_init(&text, SQL_MAX);
	if (buf_puts(&text, "gtfs2pgsql feed: ") && buf_puts(&text, opt->feed_name))
		comment = PQescapeLiteral(conn, text.data, text.len);
	buf_free(&text);
	chunk = malloc(READ_CHUNK);
	if (staging == NULL || target == NULL || comment == NULL || chunk == NULL)
	{
		log_error("out of memory");
		goto cleanup;
	}

	if (!db_exec(conn, "BEGIN"))
		goto cleanup;
	/* a second import into the same schema waits for this one */
	res = db_query(conn, "SELECT pg_catalog.pg_advisory_xact_lock("
				   "pg_catalog.hashtext('gtfs2pgsql'), pg_catalog.hashtext($1))",
				   1, lock_params);
	if (res == NULL)
		goto rollback;
	PQclear(res);
	if (!exec_fmt(conn, "CREATE SCHEMA %s", staging, NULL) ||
		!load_files(conn, src, staging, opt, rep, chunk))
		goto rollback;
	if (log_data_errors() > 0)
	{
		log_error("feed rejected: %ld error%s; the database is unchanged",
				  log_data_errors(), log_data_errors() == 1 ? "" : "s");
		status = LOAD_BAD_INPUT;
		goto rollback;
	}

	started = report_now();
	if (!build_indexes(conn, staging, staging_name))
		goto rollback;
	rep->index_seconds = report_now() - started;

	status = drop_previous_feed(conn, opt->schema, target);
	if (status != LOAD_OK)
		goto rollback;
	status = LOAD_DB_FAILED;
	if (!exec_fmt(conn, "ALTER SCHEMA %s RENAME TO %s", staging, target) ||
		!exec_fmt(conn, "COMMENT ON SCHEMA %s IS %s", target, comment) ||
		!db_exec(conn, "COMMIT"))
		goto rollback;
	status = LOAD_OK;
	goto cleanup;

rollback:
	res = PQexec(conn, "ROLLBACK");
	PQclear(res);
cleanup:
	PQfreemem(comment);
	PQfreemem(staging);
	PQfreemem(target);
	free(chunk);
	return status;
}
