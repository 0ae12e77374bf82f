/*
 * load.c: a feed into PostgreSQL.
 *
 * The shape of a load, after shp2pgsql's header/body/footer:
 *   BEGIN, and a lock that makes a second import of the same schema wait;
 *   CREATE SCHEMA staging; for each file in dependency order, CREATE TABLE
 *   and COPY ... FROM STDIN WITH (FREEZE), the rows checked on the way;
 *   keys, indexes and derived geometry once the data is in; ANALYZE;
 *   drop the previous feed's tables, rename staging to the target, COMMIT.
 * Readers of the target schema see the old feed until the COMMIT and the
 * new one after it; a failure anywhere leaves the old one in place.
 */
#include "load.h"

#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stdint.h>

#include "buf.h"
#include "catalog.h"
#include "check.h"
#include "convert.h"
#include "copy.h"
#include "csvread.h"
#include "db.h"
#include "ddl.h"
#include "feeds.h"
#include "log.h"
#include "reject.h"

#define NAMEDATALEN		64		/* PostgreSQL's limit on names, NUL
								 * included */
#define SHOW_VALUE_MAX	40		/* bytes of a bad value quoted in
								 * messages */
#define REJECTS_SHOWN	10		/* rejected rows of a file shown on stderr */
#define TABLE_MARK		"gtfs2pgsql"	/* comment on the tables a load
										 * made */

/* What a column of the file maps to, besides a catalog field index. */
#define COL_EXTRA		(-1)	/* not in the reference: kept as text */
#define COL_IGNORED		(-2)	/* no name in the header */

/* One run of load_feed. */
typedef struct
{
	PGconn	   *conn;
	const LoadOptions *opt;
	FeedSource *src;
	Report	   *rep;
	Ddl			ddl;			/* names things in the staging schema */
	char	   *chunk;			/* SOURCE_READ_CHUNK bytes of a member */
	Rejects    *rejects;		/* rows set aside, with --skip-invalid */
	uint64_t   *present;		/* per catalog file: its fields in the file */
	bool		failed;			/* a failure that stops the load (logged) */
} LoadRun;

/* One file being loaded. */
typedef struct
{
	LoadRun    *run;
	const char *member;
	const char *table;
	const CatalogFile *cat;		/* NULL for files the reference lacks */
	int			ncols;
	char	  **names;			/* per column: trimmed header name */
	int		   *field;			/* per column: catalog index or COL_* */
	long	   *warnings;		/* per column: values warned about */
	int			lat_col;		/* columns that make "geom", or -1 */
	int			lon_col;
	bool		header_seen;
	bool		binary;			/* binary COPY (not for numeric fields) */
	bool		copying;
	bool		short_rows_warned;
	bool		long_rows_warned;
	bool		origin_warned;
	CopyStream	copy;
	long		rows;
} FileLoad;

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
	/* invalid UTF-8 is the likely problem: show it as '?' */
	conv_utf8_repair(out, strlen(out));
	return out;
}

/*
 * A row that cannot be loaded, because of its column col (1-based; 0 for
 * the whole row): a data error naming the column's line, or with
 * --skip-invalid a row set aside in import_errors under the row's first
 * line (the first few also shown as warnings).
 */
static void
row_problem(FileLoad *fl, const CsvRow *row, int col, const char *value,
			size_t len, const char *fmt,...) PRINTF_LIKE(6, 7);

static void
row_problem(FileLoad *fl, const CsvRow *row, int col, const char *value,
			size_t len, const char *fmt,...)
{
	Rejects    *rejects = fl->run->rejects;
	long		line = col > 0 && col <= row->nfields ?
		csvread_field_line(row, col - 1) : row->line;
	char		message[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (rejects == NULL)
	{
		log_data_error(fl->member, line, col, "%s", message);
		return;
	}
	if (reject_count(rejects, fl->member) < REJECTS_SHOWN)
		log_data_warning(fl->member, line, col, "row rejected: %s", message);
	if (!reject_add(rejects, fl->member, row->line,
					col > 0 && col <= fl->ncols ? fl->names[col - 1] : NULL,
					value, len, message))
		fl->run->failed = true;
}

/* Runs the statement in sql; false (logged, failed set) on failure. */
static bool
run_sql(LoadRun *run, const Buf *sql)
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

/* CREATE TABLE, see ddl_create_table; false (logged) on failure. */
static bool
create_table(LoadRun *run, const char *table, const CatalogFile *cat,
			 const char *const *extra, int nextra)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	ok = ddl_create_table(&sql, &run->ddl, table, cat, extra, nextra) &&
		run_sql(run, &sql);
	if (!ok)
		run->failed = true;
	buf_free(&sql);
	return ok;
}

/*
 * Reads the header: the name of each column, trimmed, mapped to its
 * catalog field.  Logs every problem; false if any.
 */
static bool
map_columns(FileLoad *fl, const CsvRow *header)
{
	bool		ok = true;
	int			named = 0;

	fl->ncols = header->nfields;
	fl->names = calloc((size_t) fl->ncols, sizeof(char *));
	fl->field = calloc((size_t) fl->ncols, sizeof(int));
	fl->warnings = calloc((size_t) fl->ncols, sizeof(long));
	if (fl->names == NULL || fl->field == NULL || fl->warnings == NULL)
	{
		log_error("out of memory");
		fl->run->failed = true;
		return false;
	}
	for (int i = 0; i < fl->ncols; i++)
	{
		const char *name = header->fields[i].data;
		size_t		len = header->fields[i].len;

		/* whitespace around names is a common slip: forgive it */
		conv_trim(&name, &len);
		fl->names[i] = strndup(name, len);
		if (fl->names[i] == NULL)
		{
			log_error("out of memory");
			fl->run->failed = true;
			return false;
		}
		fl->field[i] = COL_IGNORED;
		if (len == 0)
		{
			log_data_warning(fl->member, header->line, i + 1,
							 "column without a name: ignored");
			continue;
		}
		if (!conv_utf8_valid(name, len))
		{
			log_data_error(fl->member, header->line, i + 1,
						   "column name is not valid UTF-8");
			ok = false;
			continue;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(fl->names[j], fl->names[i]) == 0)
			{
				log_data_error(fl->member, header->line, i + 1,
							   "duplicate column \"%s\"", fl->names[i]);
				ok = false;
			}
		named++;
		fl->field[i] = fl->cat ? catalog_find_field(fl->cat, fl->names[i]) :
			COL_EXTRA;
		if (fl->field[i] < 0)
		{
			fl->field[i] = COL_EXTRA;
			if (fl->cat)
				log_notice("%s: column \"%s\" is not in the GTFS reference: "
						   "kept as text", fl->member, fl->names[i]);
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

		for (int i = 0; i < fl->ncols; i++)
			present = present || fl->field[i] == f;
		if (!present && (fl->cat->fields[f].flags & FIELD_REQUIRED))
		{
			log_data_error(fl->member, header->line, 0,
						   "missing required column \"%s\"",
						   fl->cat->fields[f].name);
			ok = false;
		}
	}
	return ok;
}

/* The file columns that hold the point's coordinates, when there are. */
static void
find_point_columns(FileLoad *fl)
{
	int			lat,
				lon;

	fl->lat_col = fl->lon_col = -1;
	if (fl->cat == NULL || fl->run->ddl.postgis == NULL ||
		!catalog_point_fields(fl->cat, &lat, &lon))
		return;
	for (int i = 0; i < fl->ncols; i++)
	{
		if (fl->field[i] == lat)
			fl->lat_col = i;
		if (fl->field[i] == lon)
			fl->lon_col = i;
	}
	if (fl->lat_col < 0 || fl->lon_col < 0)
		fl->lat_col = fl->lon_col = -1;
}

/*
 * The header: maps each column by name, creates the table and starts its
 * COPY.  Returns false when loading this file cannot go on.
 */
static bool
start_file(FileLoad *fl, const CsvRow *header)
{
	LoadRun    *run = fl->run;
	const char **extra;
	int			nextra = 0;
	int			nfields = 0;
	Buf			sql;
	bool		ok;

	if (!map_columns(fl, header) || header->nfields < 1)
		return false;
	find_point_columns(fl);
	for (int i = 0; fl->cat && i < fl->ncols; i++)
		if (fl->field[i] >= 0)
			run->present[fl->cat - catalog_files] |=
				(uint64_t) 1 << fl->field[i];

	extra = calloc((size_t) header->nfields, sizeof(char *));
	if (extra == NULL)
	{
		log_error("out of memory");
		run->failed = true;
		return false;
	}
	for (int i = 0; i < fl->ncols; i++)
		if (fl->field[i] == COL_EXTRA)
			extra[nextra++] = fl->names[i];
	ok = create_table(run, fl->table, fl->cat, extra, nextra);
	free(extra);

	/*
	 * COPY table (the file's columns in the file's order [, geom]), in
	 * binary, which the server reads a third faster than text, unless the
	 * file has a numeric field (whose binary form is not written here).
	 */
	fl->binary = true;
	for (int f = 0; fl->cat && f < fl->cat->nfields; f++)
		if (fl->cat->fields[f].type == GT_MONEY)
			fl->binary = false;
	for (int i = 0; i < fl->ncols; i++)
		nfields += fl->field[i] != COL_IGNORED;
	nfields += fl->lat_col >= 0;
	buf_init(&sql, DDL_SQL_MAX);
	ok = ok && buf_puts(&sql, "COPY ") &&
		ddl_table(&sql, &run->ddl, fl->table) && buf_puts(&sql, " (");
	for (int i = 0, n = 0; ok && i < fl->ncols; i++)
		if (fl->field[i] != COL_IGNORED)
			ok = buf_puts(&sql, n++ ? ", " : "") &&
				ddl_ident(&sql, &run->ddl, fl->names[i]);
	if (fl->lat_col >= 0)
		ok = ok && buf_puts(&sql, ", geom");
	ok = ok && buf_puts(&sql, fl->binary ?
						") FROM STDIN WITH (FORMAT binary, FREEZE)" :
						") FROM STDIN WITH (FREEZE)") &&
		copy_begin(&fl->copy, run->conn, sql.data, fl->binary ? nfields : 0);
	if (!ok && !run->failed && sql.data == NULL)
		log_error("%s: COPY statement too long or out of memory", fl->member);
	run->failed = run->failed || !ok;
	buf_free(&sql);
	fl->copying = ok;
	/* a feed already known to be bad is still checked, but not sent */
	fl->copy.discard = log_data_errors() > 0;
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
					 "%s \"%s\": %s", fl->names[col],
					 show_value(row->fields[col].data, row->fields[col].len,
								shown, sizeof(shown)), why);
}

/* The point of the row as the "geom" column; false on an error (logged). */
static bool
put_point(FileLoad *fl, const CsvRow *row)
{
	const CsvField *lat,
			   *lon;
	const char *ys,
			   *xs;
	size_t		ylen,
				xlen;
	double		y,
				x;

	if (fl->lat_col >= row->nfields || fl->lon_col >= row->nfields ||
		row->fields[fl->lat_col].len == 0 || row->fields[fl->lon_col].len == 0)
	{
		copy_null(&fl->copy);
		return true;
	}
	lat = &row->fields[fl->lat_col];
	lon = &row->fields[fl->lon_col];
	/* both already checked by conv_field, which trims them the same way */
	ys = lat->data, ylen = lat->len;
	xs = lon->data, xlen = lon->len;
	conv_trim(&ys, &ylen);
	conv_trim(&xs, &xlen);
	if (!conv_parse_double(ys, ylen, &y) || !conv_parse_double(xs, xlen, &x))
		return false;
	if (x == 0 && y == 0 && !fl->origin_warned)
	{
		fl->origin_warned = true;
		log_data_warning(fl->member, row->line, fl->lat_col + 1,
						 "point at (0, 0): probably a missing position");
	}
	if (!geom_point(fl->run->opt->geom, x, y, copy_field(&fl->copy),
					fl->binary))
	{
		row_problem(fl, row, fl->lat_col + 1, lat->data, lat->len,
					"cannot transform (%s, %s) to SRID %d", lat->data,
					lon->data, geom_srid(fl->run->opt->geom));
		return false;
	}
	return true;
}

/* Checks the number of fields against the header; false if fatal. */
static bool
check_row_width(FileLoad *fl, const CsvRow *row)
{
	if (row->nfields < fl->ncols && !fl->short_rows_warned)
	{
		fl->short_rows_warned = true;
		log_data_warning(fl->member, row->line, 0,
						 "%d fields where the header has %d: the missing "
						 "ones are read as empty", row->nfields, fl->ncols);
	}
	for (int i = fl->ncols; i < row->nfields; i++)
	{
		if (row->fields[i].len > 0)
		{
			row_problem(fl, row, i + 1, row->fields[i].data,
						row->fields[i].len, "%d fields where the header has %d",
						row->nfields, fl->ncols);
			return false;
		}
		if (!fl->long_rows_warned)
			log_data_warning(fl->member, row->line, i + 1,
							 "empty fields past the header's %d: ignored",
							 fl->ncols);
		fl->long_rows_warned = true;
	}
	return true;
}

/* One data row into the COPY buffer; false when loading must stop. */
static bool
load_row(FileLoad *fl, const CsvRow *row)
{
	char		shown[SHOW_VALUE_MAX + 8];
	bool		bad = !check_row_width(fl, row);

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
				row_problem(fl, row, i + 1, NULL, 0,
							"missing value for required field %s", cf->name);
				bad = true;
			}
			copy_null(&fl->copy);
			continue;
		}
		if (cf && fl->binary)
			st = conv_field_binary(cf, v, len, copy_field(&fl->copy), &why);
		else if (cf)
			st = conv_field(cf, v, len, copy_field(&fl->copy), &why);
		else if (fl->binary)
			st = conv_text_binary(copy_field(&fl->copy), v, len);
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
				row_problem(fl, row, i + 1, v, len,
							"invalid %s \"%s\": %s", fl->names[i],
							show_value(v, len, shown, sizeof(shown)), why);
				bad = true;
				break;
			case CONV_NOSPACE:
				/* the COPY buffer lost its rows: nothing can go on */
				log_error("%s: COPY buffer over its cap", fl->member);
				fl->run->failed = true;
				return false;
		}
	}
	if (!bad && fl->lat_col >= 0)
		bad = !put_point(fl, row);
	if (bad)
	{
		copy_row_rollback(&fl->copy);
		if (fl->run->rejects)
			return !fl->run->failed;
		fl->copy.discard = true;
		if (log_data_errors() >= fl->run->opt->max_errors)
		{
			log_error("too many errors (%ld): stopping", log_data_errors());
			return false;
		}
		return true;
	}
	fl->rows++;
	if (!copy_row_end(&fl->copy))
	{
		fl->run->failed = true;
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
 * Whether the feed must have rows of this file: agency, routes, trips and
 * stop_times; stops unless locations.geojson gives the places.  (calendar
 * or calendar_dates: see check_required_files.)
 */
static bool
is_required_file(const FeedSource *src, const char *member)
{
	static const char *const required[] = {
		"agency.txt", "routes.txt", "trips.txt", "stop_times.txt"
	};

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (strcmp(member, required[i]) == 0)
			return true;
	return strcmp(member, "stops.txt") == 0 &&
		source_find(src, "locations.geojson") < 0;
}

/*
 * The table of a .txt member the reference does not define: its name
 * without ".txt".  False, with a warning, when that name is empty, too long
 * for PostgreSQL, or taken by a table of the catalog or of gtfs2pgsql.
 */
static bool
table_name_of(const char *member, char table[NAMEDATALEN])
{
	static const char *const reserved[] = {
		"shape_lines", "trip_lines", "route_lines", "locations",
		"locations_document", "import_errors"
	};
	size_t		len = strlen(member) - strlen(".txt");
	bool		ok = len > 0 && len < NAMEDATALEN;

	snprintf(table, NAMEDATALEN, "%.*s", (int) (ok ? len : 0), member);
	for (int f = 0; ok && f < catalog_nfiles; f++)
		ok = strcmp(table, catalog_files[f].table) != 0;
	for (size_t i = 0; ok && i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ok = strcmp(table, reserved[i]) != 0;
	if (!ok)
		log_data_warning(member, 0, 0, "no table can be named after this "
						 "file: skipped");
	return ok;
}

/*
 * Streams member i through the CSV reader into its table in the staging
 * schema: the table of cat, or for a file the reference does not define
 * (cat NULL) a text table named after the member.
 */
static void
load_member(LoadRun *run, int i, const CatalogFile *cat)
{
	FileLoad	fl;
	FeedMember *m;
	CsvReader  *reader;
	unsigned long long bytes = 0;
	double		started = report_now();
	long		errors_before = log_data_errors();
	bool		whole;
	char		stem[NAMEDATALEN];

	memset(&fl, 0, sizeof(fl));
	fl.run = run;
	fl.member = source_member_name(run->src, i);
	fl.cat = cat;
	fl.table = cat ? cat->table : stem;
	if (cat == NULL && !table_name_of(fl.member, stem))
		return;
	m = source_member_open(run->src, i);
	reader = csvread_create(fl.member, on_row, &fl);
	if (m == NULL || reader == NULL)
	{
		run->failed = reader == NULL;
		goto cleanup;
	}
	/* a file read to its end without error may still be empty */
	whole = csvread_member(reader, m, run->chunk, &bytes) &&
		log_data_errors() == errors_before;
	if (whole && fl.rows == 0 && is_required_file(run->src, fl.member))
		log_data_error(fl.member, 0, 0, "required file has no rows");
	else if (whole && !fl.header_seen)
		log_data_warning(fl.member, 0, 0, "empty file");
	if (!fl.header_seen)
	{
		if (cat)
			create_table(run, fl.table, cat, NULL, 0);
	}
	/* a discarded COPY ends normally: the rollback undoes it */
	if (fl.copying && !copy_end(&fl.copy, NULL))
		run->failed = true;
	for (int c = 0; fl.warnings && c < fl.ncols; c++)
		if (fl.warnings[c] > 1)
			log_data_warning(fl.member, 0, c + 1,
							 "%ld more values of this column warned about",
							 fl.warnings[c] - 1);
	if (!report_add(run->rep, fl.member, fl.rows,
					run->rejects ? reject_count(run->rejects, fl.member) : 0,
					bytes, started))
		run->failed = true;

cleanup:
	csvread_destroy(reader);
	if (m)
		source_member_close(m);
	for (int c = 0; c < fl.ncols && fl.names; c++)
		free(fl.names[c]);
	free(fl.names);
	free(fl.field);
	free(fl.warnings);
}

/*
 * locations.geojson: the document is streamed, escaped, into a one-row
 * staging table, and PostgreSQL's JSON functions with PostGIS's
 * ST_GeomFromGeoJSON turn its features into rows, so that the client never
 * holds the document.  An invalid document is a data error of the file.
 */
static void
load_geojson(LoadRun *run, int i)
{
	static const char *const from_document =
		"INSERT INTO @s.locations "
		"(id, stop_name, stop_desc, properties, geom)\n"
		"SELECT f->>'id', f->'properties'->>'stop_name',\n"
		"\tf->'properties'->>'stop_desc', f->'properties', @g.ST_Multi(%s)\n"
		"FROM @s.locations_document,\n"
		"\tjsonb_array_elements(document::jsonb->'features') AS f";
	static const char *const duplicate_ids =
		"SELECT id FROM @s.locations GROUP BY id HAVING count(*) > 1";
	/* GeoJSON is WGS 84; ST_Transform even to 4326 costs PROJ's start-up */
	const char *geometry = run->ddl.srid == 4326 ?
		"@g.ST_SetSRID(@g.ST_GeomFromGeoJSON(f->'geometry'), 4326)" :
		"@g.ST_Transform(@g.ST_SetSRID(@g.ST_GeomFromGeoJSON(f->'geometry'),"
		" 4326), @r)";
	const char *at = strstr(from_document, "%s");
	const char *member = source_member_name(run->src, i);
	FeedMember *m = source_member_open(run->src, i);
	double		started = report_now();
	unsigned long long bytes = 0;
	size_t		carry = 0;		/* bytes of a cut UTF-8 sequence */
	CopyStream	copy;
	Buf			sql;
	PGresult   *res;
	ssize_t		n = 0;
	long		rows = 0;
	bool		ok;

	if (m == NULL)
		return;
	buf_init(&sql, DDL_SQL_MAX);
	ok = db_execf(run->conn,
				  "CREATE TABLE %s.locations_document (document text)",
				  run->ddl.schema) &&
		buf_puts(&sql, "COPY ") &&
		ddl_table(&sql, &run->ddl, "locations_document") &&
		buf_puts(&sql, " FROM STDIN") &&
		copy_begin(&copy, run->conn, sql.data, 0);
	if (!ok)
	{
		run->failed = true;
		goto cleanup;
	}
	copy.discard = log_data_errors() > 0;
	copy_row_begin(&copy);
	while ((n = source_member_read(m, run->chunk + carry,
								   SOURCE_READ_CHUNK - carry)) > 0)
	{
		size_t		have = carry + (size_t) n;
		size_t		cut = conv_utf8_cut(run->chunk, have);

		bytes += (unsigned long long) n;
		if (conv_copy_text(&copy.buf, run->chunk, cut) != CONV_OK)
		{
			log_data_error(member, 0, 0, "invalid UTF-8 or NUL byte");
			copy.discard = true;
			break;
		}
		carry = have - cut;
		memmove(run->chunk, run->chunk + cut, carry);
		if (!copy_flush(&copy))
			break;
	}
	if (n == 0 && carry > 0)
		log_data_error(member, 0, 0, "invalid UTF-8 at the end of the file");
	copy_row_end(&copy);
	if (!copy_end(&copy, NULL))
	{
		run->failed = true;
		goto cleanup;
	}
	if (log_data_errors() > 0)
		goto cleanup;

	/* a savepoint turns an invalid document into a data error */
	buf_reset(&sql);
	ok = db_exec(run->conn, "SAVEPOINT geojson") &&
		buf_append(&sql, from_document, (size_t) (at - from_document)) &&
		buf_puts(&sql, geometry) && buf_puts(&sql, at + 2);
	if (ok)
	{
		Buf			filled;

		buf_init(&filled, DDL_SQL_MAX);
		ok = ddl_template(&filled, &run->ddl, sql.data);
		buf_free(&sql);
		sql = filled;
	}
	if (!ok)
	{
		run->failed = true;
		goto cleanup;
	}
	res = PQexec(run->conn, sql.data);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
	{
		rows = atol(PQcmdTuples(res));
		ok = db_exec(run->conn, "RELEASE SAVEPOINT geojson");
	}
	else if (PQstatus(run->conn) != CONNECTION_OK)
	{
		db_log_error(run->conn, res, "could not load locations.geojson");
		ok = false;
	}
	else
	{
		const char *why = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		log_data_error(member, 0, 0, "invalid GeoJSON: %s",
					   why ? why : PQerrorMessage(run->conn));
		ok = db_exec(run->conn, "ROLLBACK TO SAVEPOINT geojson");
	}
	PQclear(res);
	/* the key of locations, checked here to name the ids */
	buf_reset(&sql);
	res = ok && ddl_template(&sql, &run->ddl, duplicate_ids) ?
		db_query(run->conn, sql.data, 0, NULL) : NULL;
	for (int r = 0; res && r < PQntuples(res); r++)
		log_data_error(member, 0, 0, "duplicate feature id \"%s\"",
					   PQgetvalue(res, r, 0));
	ok = ok && res != NULL;
	PQclear(res);
	ok = ok && db_execf(run->conn, "DROP TABLE %s.locations_document",
						run->ddl.schema);
	if (!ok || !report_add(run->rep, member, rows, 0, bytes, started))
		run->failed = true;

cleanup:
	buf_free(&sql);
	source_member_close(m);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		n = strlen(s),
				k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The files a feed must have: see is_required_file; and a calendar. */
static void
check_required_files(LoadRun *run)
{
	for (int f = 0; f < catalog_nfiles; f++)
		if (is_required_file(run->src, catalog_files[f].file) &&
			source_find(run->src, catalog_files[f].file) < 0)
			log_data_error(catalog_files[f].file, 0, 0,
						   "required file missing");
	if (source_find(run->src, "calendar.txt") < 0 &&
		source_find(run->src, "calendar_dates.txt") < 0)
		log_data_error("calendar.txt", 0, 0, "required file missing "
					   "(and no calendar_dates.txt)");
}

/* Every file of the feed into the staging schema. */
static void
load_files(LoadRun *run)
{
	check_required_files(run);
	for (int f = 0; f < catalog_nfiles && !run->failed &&
		 log_data_errors() < run->opt->max_errors; f++)
	{
		const CatalogFile *cat = &catalog_files[f];
		int			i = source_find(run->src, cat->file);

		if (i >= 0)
			load_member(run, i, cat);
		else
			create_table(run, cat->table, cat, NULL, 0);
	}
	if (run->ddl.postgis && !run->failed)
	{
		Buf			sql;
		int			i = source_find(run->src, "locations.geojson");

		buf_init(&sql, DDL_SQL_MAX);
		if (ddl_create_locations(&sql, &run->ddl) && run_sql(run, &sql) &&
			i >= 0)
			load_geojson(run, i);
		buf_free(&sql);
	}
	for (int i = 0; i < source_count(run->src) && !run->failed &&
		 log_data_errors() < run->opt->max_errors; i++)
	{
		const char *name = source_member_name(run->src, i);

		if (catalog_find_file(name) ||
			(run->ddl.postgis && strcmp(name, "locations.geojson") == 0))
			continue;
		if (has_suffix(name, ".txt"))
		{
			log_notice("%s is not a file of the GTFS reference: "
					   "loaded as a table of text columns", name);
			load_member(run, i, NULL);
		}
		else
			log_notice("%s is not a GTFS file: skipped", name);
	}
}

/*
 * Keys and references, file by file in dependency order, so that a row
 * rejected for a dangling reference takes the rows that refer to it along
 * when their file is checked.  False when the database failed.
 */
static bool
check_tables(LoadRun *run)
{
	CheckRun	cr = {
		.conn = run->conn,
		.ddl = &run->ddl,
		.src = run->src,
		.rejects = run->rejects,
		.max_errors = run->opt->max_errors,
	};

	for (int f = 0; f < catalog_nfiles; f++)
	{
		if (!check_key(&cr, &catalog_files[f]) ||
			!check_references(&cr, &catalog_files[f], run->present[f]))
			return false;
		if (log_data_errors() >= run->opt->max_errors)
			break;
	}
	return true;
}

/* Indexes, derived geometry and statistics, once the keys are made. */
static bool
finish_tables(LoadRun *run, const char *staging_name)
{
	const char *params[1] = {staging_name};
	PGresult   *res;
	Buf			sql;
	bool		ok = true;

	/* shape_lines carries measures only when every point has one */
	if (run->ddl.postgis)
	{
		buf_init(&sql, DDL_SQL_MAX);
		ok = buf_puts(&sql, "SELECT count(*) > 0 AND "
					  "bool_and(shape_dist_traveled IS NOT NULL) FROM ") &&
			ddl_table(&sql, &run->ddl, "shapes");
		res = ok ? db_query(run->conn, sql.data, 0, NULL) : NULL;
		ok = res != NULL;
		run->ddl.shape_m = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		buf_free(&sql);
	}
	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && i < ddl_finish_count(); i++)
	{
		buf_reset(&sql);
		ok = ddl_finish(&sql, &run->ddl, i) &&
			(sql.len == 0 || run_sql(run, &sql));
	}
	buf_free(&sql);
	if (!ok)
		return false;
	res = db_query(run->conn,
				   "SELECT format('%I.%I', n.nspname, c.relname) "
				   "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
				   "ON n.oid = c.relnamespace "
				   "WHERE n.nspname = $1 AND c.relkind = 'r'", 1, params);
	ok = res != NULL;
	/* the mark by which a later load knows which tables it may drop */
	for (int i = 0; ok && i < PQntuples(res); i++)
		ok = db_execf(run->conn, "COMMENT ON TABLE %s IS '" TABLE_MARK "'",
					  PQgetvalue(res, i, 0)) &&
			db_execf(run->conn, "ANALYZE %s", PQgetvalue(res, i, 0));
	PQclear(res);
	return ok;
}

/*
 * Checks that the target schema is absent, empty, or holds a feed of ours,
 * and drops that feed's tables (those with TABLE_MARK as their comment).
 * Anything else in the schema, or a view of the user's that depends on the
 * old tables elsewhere, makes the load fail (no CASCADE) instead of
 * disappearing.
 */
static LoadStatus
drop_previous_feed(PGconn *conn, const char *schema, const char *quoted)
{
	const char *params[1] = {schema};
	PGresult   *res;
	LoadStatus	status = LOAD_OK;

	res = db_query(conn,
				   "SELECT coalesce(obj_description(n.oid, "
				   "'pg_namespace'), '') "
				   "LIKE 'gtfs2pgsql%', "
				   "(SELECT string_agg("
				   "format('%I.%I', n.nspname, c.relname), ', ') "
				   " FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid "
				   " AND c.relkind = 'r' "
				   " AND obj_description(c.oid, 'pg_class') = '"
				   TABLE_MARK "'), "
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
			log_hint("choose another schema with -s, or drop this one");
			status = LOAD_BAD_INPUT;
		}
		else if ((ours &&
				  !db_execf(conn, "DROP VIEW IF EXISTS %s.route_lines, "
							"%s.trip_lines", quoted, quoted)) ||
				 (!PQgetisnull(res, 0, 1) &&
				  !db_execf(conn, "DROP TABLE %s", PQgetvalue(res, 0, 1))) ||
				 !db_execf(conn, "DROP SCHEMA %s", quoted))
			status = LOAD_DB_FAILED;
	}
	PQclear(res);
	return status;
}

/*
 * Finds PostGIS's schema, creating the extension where it is missing.
 * Returns it quoted (PQfreemem it), or NULL (logged).
 */
static char *
postgis_schema(PGconn *conn)
{
	PGresult   *res;
	char	   *quoted = NULL;
	bool		ok;

	/*
	 * In a transaction of its own, under a lock: two first imports into a
	 * database would otherwise both try to create it.
	 */
	if (!db_exec(conn, "BEGIN"))
		return NULL;
	res = db_query(conn, "SELECT pg_catalog.pg_advisory_xact_lock("
				   "pg_catalog.hashtext('gtfs2pgsql postgis'), 0)", 0, NULL);
	ok = res != NULL &&
		db_exec(conn, "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public") &&
		db_exec(conn, "COMMIT");
	PQclear(res);
	if (!ok)
	{
		log_hint("gtfs2pgsql needs PostGIS for geometry; "
				   "--no-geometry loads without it");
		PQclear(PQexec(conn, "ROLLBACK"));
		return NULL;
	}
	res = db_query(conn,
				   "SELECT n.nspname FROM pg_catalog.pg_extension e "
				   "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
				   "WHERE e.extname = 'postgis'", 0, NULL);
	if (res != NULL && PQntuples(res) == 1)
		quoted = db_ident(conn, PQgetvalue(res, 0, 0));
	PQclear(res);
	return quoted;
}

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
			.srid = 4326,
			.shape_m = false,
		},
		.chunk = NULL,
		.rejects = NULL,
		.present = NULL,
		.failed = false,
	};
	char		staging_name[64];
	char	   *staging = NULL;
	char	   *target = NULL;
	char	   *postgis = NULL;
	char	   *comment = NULL;
	char	   *json = NULL;
	FeedRecord	record;
	Buf			text;
	const char *lock_params[1] = {opt->feed.schema};
	PGresult   *res;
	LoadStatus	status = LOAD_DB_FAILED;
	double		started;

	snprintf(staging_name, sizeof(staging_name), "gtfs2pgsql_load_%d",
			 PQbackendPID(conn));
	staging = db_ident(conn, staging_name);
	target = db_ident(conn, opt->feed.schema);
	/* the comment marks the schema as ours: see drop_previous_feed */
	buf_init(&text, DDL_SQL_MAX);
	if (buf_puts(&text, "gtfs2pgsql feed: ") &&
		buf_puts(&text, opt->feed.file_name))
		comment = PQescapeLiteral(conn, text.data, text.len);
	buf_free(&text);
	run.chunk = malloc(SOURCE_READ_CHUNK);
	run.present = calloc((size_t) catalog_nfiles, sizeof(uint64_t));
	if (staging == NULL || target == NULL || comment == NULL ||
		run.chunk == NULL || run.present == NULL)
	{
		log_error("out of memory");
		goto cleanup;
	}
	run.ddl.schema = staging;

	if (opt->geom)
	{
		postgis = postgis_schema(conn);
		if (postgis == NULL)
			goto cleanup;
		run.ddl.postgis = postgis;
		run.ddl.srid = geom_srid(opt->geom);
	}
	if (!db_exec(conn, "BEGIN"))
		goto cleanup;
	/*
	 * Index builds sort in memory and use parallel workers with 256 MB,
	 * not with the default 64 MB: raise it for this transaction only.
	 */
	if (!db_exec(conn, "SELECT CASE WHEN pg_catalog.pg_size_bytes(pg_catalog."
				 "current_setting('maintenance_work_mem')) < 268435456 THEN "
				 "pg_catalog.set_config('maintenance_work_mem', '256MB', true) "
				 "END"))
		goto rollback;
	/* a second import into the same schema waits for this one */
	res = db_query(conn, "SELECT pg_catalog.pg_advisory_xact_lock("
				   "pg_catalog.hashtext('gtfs2pgsql'), "
				   "pg_catalog.hashtext($1))",
				   1, lock_params);
	if (res == NULL)
		goto rollback;
	PQclear(res);
	if (!db_execf(conn, "CREATE SCHEMA %s", staging))
		goto rollback;
	if (opt->skip_invalid)
	{
		run.rejects = reject_create();
		if (run.rejects == NULL)
			goto rollback;
	}
	load_files(&run);
	if (run.failed)
		goto rollback;
	started = report_now();
	/* the tables of a feed already known to be bad are incomplete */
	if (log_data_errors() == 0 && !check_tables(&run))
		goto rollback;
	if (log_data_errors() > 0)
	{
		log_error("feed rejected: %ld error%s; the database is unchanged",
				  log_data_errors(), log_data_errors() == 1 ? "" : "s");
		status = LOAD_BAD_INPUT;
		goto rollback;
	}

	if (run.rejects)
	{
		if (!reject_store(run.rejects, conn, &run.ddl))
			goto rollback;
		for (int i = 0; i < rep->nfiles; i++)
			report_set_rejected(rep, rep->files[i].file,
								reject_count(run.rejects, rep->files[i].file));
	}
	if (!finish_tables(&run, staging_name))
		goto rollback;
	rep->index_seconds = report_now() - started;

	/* the swap: short, and one import at a time */
	if (!feeds_begin_swap(conn))
		goto rollback;
	status = drop_previous_feed(conn, opt->feed.schema, target);
	if (status != LOAD_OK)
		goto rollback;
	status = LOAD_DB_FAILED;
	record = opt->feed;
	report_finish(rep);
	record.report_json = json = report_json(rep);
	if (json == NULL ||
		!db_execf(conn, "ALTER SCHEMA %s RENAME TO %s", staging, target) ||
		!db_execf(conn, "COMMENT ON SCHEMA %s IS %s", target, comment) ||
		!feeds_end_swap(conn, &record) ||
		!db_exec(conn, "COMMIT"))
		goto rollback;
	status = LOAD_OK;
	goto cleanup;

rollback:
	res = PQexec(conn, "ROLLBACK");
	PQclear(res);
cleanup:
	PQfreemem(comment);
	PQfreemem(postgis);
	PQfreemem(staging);
	PQfreemem(target);
	reject_destroy(run.rejects);
	free(json);
	free(run.chunk);
	free(run.present);
	return status;
}
