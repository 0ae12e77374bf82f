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
#include <sys/random.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "check.h"
#include "convert.h"
#include "copy.h"
#include "csvread.h"
#include "db.h"
#include "ddl.h"
#include "feeds.h"
#include "geojson.h"
#include "log.h"
#include "notice.h"
#include "progress.h"
#include "side.h"
#include "swap.h"
#include "timetable.h"

#define SHOW_VALUE_MAX	40		/* bytes of a bad value quoted in
								 * messages */
#define LONG_NAME_KEPT	50		/* bytes of a column name over
								 * NAMEDATALEN - 1 kept, before "_<n>" */

/*
 * Limits that keep what the server refuses (a row over 8 kB of TOAST
 * pointers, an index entry over 2704 bytes, a lock table overflowing with
 * tables) out of the load, each with a notice.
 */
#define MAX_COLUMNS		400		/* columns of one file */
#define ID_MAX_BYTES	1000	/* an id that is keyed or indexed */
#define MAX_EXTRA_FILES	200		/* .txt files the reference lacks, loaded */

/*
 * Index builds sort in memory and use parallel workers with 256 MB, not
 * with the default 64 MB: raised for the load's transaction only.
 */
#define RAISE_MAINTENANCE_WORK_MEM \
	"SELECT CASE WHEN pg_catalog.pg_size_bytes(pg_catalog." \
	"current_setting('maintenance_work_mem')) < 268435456 THEN " \
	"pg_catalog.set_config('maintenance_work_mem', '256MB', true) END"

/* What a column of the file maps to, besides a catalog field index. */
#define COL_EXTRA		(-1)	/* not in the reference: kept as text */

/* One run of load_feed. */
typedef struct
{
	PGconn	   *conn;
	const LoadOptions *opt;
	FeedSource *src;
	Report	   *rep;
	Ddl			ddl;			/* names things in the staging schema */
	char	   *chunk;			/* SOURCE_READ_CHUNK bytes of a member */
	Notices    *notices;
	uint64_t   *present;		/* per catalog file: its fields in the file */
	uint64_t   *unkeyed;		/* per catalog file: its required key fields
								 * found empty */
	int		   *columns;		/* per catalog file and field: its column
								 * in the file, 1-based, or 0 */
	bool		failed;			/* a failure that stops the load (logged) */
	bool		refused;		/* strict: the feed has errors (logged) */
	SideLoad   *side;			/* the member loading on a second
								 * connection, or NULL */
	int			side_member;	/* that member, or -1 */
	const CatalogFile *side_cat;	/* its catalog file */
	int			side_file;		/* its place in rep->files, or -1 */
	double		side_started;	/* report_now() when it started */
} LoadRun;

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
	long		data_errors;	/* the member could not be read */
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

/* One file being loaded. */
typedef struct
{
	LoadRun    *run;
	const char *member;
	const char *table;
	const CatalogFile *cat;		/* NULL for files the reference lacks */
	int			ncols;
	char	  **names;			/* per column: its name in the table */
	int		   *field;			/* per column: catalog index or COL_EXTRA */
	int			single_key;		/* column of a one-field required key, or
								 * -1: a row without it is set aside */
	int			lat_col;		/* columns that make "geom", or -1 */
	int			lon_col;
	bool		header_seen;
	bool		skipped;		/* the file cannot be a table: not loaded */
	bool		binary;			/* binary COPY (not for numeric fields) */
	bool		copying;
	int			nextra;			/* catalog file: its extra columns, sent
								 * together as one jsonb */
	Buf			extra;			/* the current row's extra columns */
	long		short_rows;		/* rows with fewer fields than the header */
	long		first_short;
	long		padded_rows;	/* rows with empty fields past the header */
	long		first_padded;
	CopyStream	copy;
	long		rows;
	const unsigned long long *bytes;	/* read so far, for the progress
										 * line */
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

/*
 * CREATE TABLE, see ddl_create_table, or with table NULL the stand-in of
 * cat's table (see ddl_create_stand_in); false (logged) on failure.
 */
static bool
create_table(LoadRun *run, const char *table, const CatalogFile *cat,
			 const char *const *extra, int nextra)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	ok = (table ? ddl_create_table(&sql, &run->ddl, table, cat, extra, nextra) :
		  ddl_create_stand_in(&sql, &run->ddl, cat)) &&
		run_sql(run, &sql);
	if (!ok)
		run->failed = true;
	buf_free(&sql);
	return ok;
}

/*
 * Bytes of the longest prefix of s, at most max, that ends on a character
 * boundary (s is UTF-8).
 */
static int
utf8_prefix(const char *s, size_t max)
{
	size_t		n = strlen(s);

	if (n > max)
	{
		n = max;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	return (int) n;
}

/*
 * Whether name is taken in the table by something not of the file: a
 * system column of PostgreSQL's or the line of each row.  Only in the text
 * table of a file the reference lacks: a catalog file's columns that are
 * not fields are keys of its jsonb extra, whatever their names.
 */
static bool
name_reserved(const FileLoad *fl, const char *name)
{
	static const char *const system[] = {
		"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid",
		DDL_LINE_COLUMN
	};

	for (size_t i = 0; fl->cat == NULL &&
		 i < sizeof(system) / sizeof(system[0]); i++)
		if (strcmp(name, system[i]) == 0)
			return true;
	return false;
}

/* Whether column i's name is already taken by an earlier column. */
static bool
name_taken(const FileLoad *fl, int i)
{
	for (int j = 0; j < i; j++)
		if (strcmp(fl->names[j], fl->names[i]) == 0)
			return true;
	return false;
}

/*
 * Reads the header: the name of each column, trimmed, mapped to its
 * catalog field.  Every column is kept: one without a name, whose name an
 * earlier column has, or whose name is longer than PostgreSQL's names (the
 * server would cut it, maybe onto another), becomes a text column named
 * after its place.  False only when out of memory (logged).
 */
static bool
map_columns(FileLoad *fl, const CsvRow *header)
{
	Notices    *nt = fl->run->notices;
	char		shown[SHOW_VALUE_MAX + 8];

	fl->ncols = header->nfields;
	fl->names = calloc((size_t) fl->ncols, sizeof(char *));
	fl->field = calloc((size_t) fl->ncols, sizeof(int));
	if (fl->names == NULL || fl->field == NULL)
	{
		log_error("out of memory");
		fl->run->failed = true;
		return false;
	}
	for (int i = 0; i < fl->ncols; i++)
	{
		const char *name = header->fields[i].data;
		size_t		len = header->fields[i].len;
		char		renamed[NAMEDATALEN + 16];

		/* whitespace around names is a common slip: forgive it */
		conv_trim(&name, &len);
		fl->names[i] = strndup(name, len);
		if (fl->names[i] == NULL)
		{
			log_error("out of memory");
			fl->run->failed = true;
			return false;
		}
		fl->field[i] = COL_EXTRA;
		if (len == 0 || !conv_utf8_valid(name, len) ||
			len >= NAMEDATALEN || name_taken(fl, i) ||
			name_reserved(fl, fl->names[i]))
		{
			NoticeKind	kind = len == 0 ? NK_EMPTY_COLUMN_NAME :
				!conv_utf8_valid(name, len) ? NK_INVALID_UTF8 :
				len >= NAMEDATALEN ? NK_LONG_COLUMN_NAME :
				name_taken(fl, i) ? NK_DUPLICATED_COLUMN :
				NK_RESERVED_COLUMN_NAME;

			if (kind != NK_EMPTY_COLUMN_NAME && kind != NK_INVALID_UTF8)
				snprintf(renamed, sizeof(renamed), "%.*s_%d",
						 utf8_prefix(fl->names[i], kind == NK_LONG_COLUMN_NAME ?
									 LONG_NAME_KEPT : 40), fl->names[i], i + 1);
			else
				snprintf(renamed, sizeof(renamed), "column_%d", i + 1);
			notice_add(nt, kind, fl->member, header->line, i + 1,
					   len > 0 && kind != NK_INVALID_UTF8 ? fl->names[i] : NULL,
					   name, len, "column %d %s \"%s\": kept as column "
					   "\"%s\"", i + 1, kind == NK_EMPTY_COLUMN_NAME ?
					   "has no name" : kind == NK_INVALID_UTF8 ?
					   "has a name that is not UTF-8" :
					   kind == NK_LONG_COLUMN_NAME ?
					   "has a name longer than 63 bytes" :
					   kind == NK_DUPLICATED_COLUMN ? "repeats the name" :
					   "has a name of the server's or of gtfs2pgsql's",
					   show_value(name, len, shown, sizeof(shown)), renamed);
			free(fl->names[i]);
			fl->names[i] = strdup(renamed);
			if (fl->names[i] == NULL)
			{
				log_error("out of memory");
				fl->run->failed = true;
				return false;
			}
			continue;
		}
		if (fl->cat)
			fl->field[i] = catalog_find_field(fl->cat, fl->names[i]);
		if (fl->field[i] < 0)
		{
			fl->field[i] = COL_EXTRA;
			if (fl->cat)
				notice_add(nt, NK_UNKNOWN_COLUMN, fl->member, header->line,
						   i + 1, fl->names[i], NULL, 0, "column \"%s\" is "
						   "not in the GTFS reference: kept as text",
						   fl->names[i]);
		}
	}
	fl->single_key = -1;
	for (int f = 0; fl->cat && f < fl->cat->nfields; f++)
	{
		const CatalogField *cf = &fl->cat->fields[f];
		int			col = -1;

		for (int i = 0; i < fl->ncols && col < 0; i++)
			if (fl->field[i] == f)
				col = i;
		if (col < 0 && (cf->flags & FIELD_REQUIRED))
			notice_add(nt, NK_MISSING_REQUIRED_COLUMN, fl->member,
					   header->line, 0, cf->name, NULL, 0,
					   "missing required column \"%s\": loaded as NULL",
					   cf->name);
		if (col >= 0 && f == ddl_single_key(fl->cat) &&
			(cf->flags & FIELD_REQUIRED))
			fl->single_key = col;
	}
	return true;
}

/*
 * Records the file in import_files: its table, the table's columns in the
 * order of the header, and the header's names as written (NULL where they
 * are not UTF-8), for pgsql2gtfs.  columns NULL: a file with no header
 * (locations.geojson).  False (logged, failed set) on failure.
 */
static bool
record_file(LoadRun *run, const char *member, const char *table,
			char *const *columns, const CsvRow *header)
{
	int			ncols = header ? header->nfields : 0;
	int			nparams = 2 + 2 * ncols;
	const char **params = calloc((size_t) nparams, sizeof(char *));
	char	  **written = calloc((size_t) ncols + 1, sizeof(char *));
	Buf			sql;
	PGresult   *res = NULL;
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
		res = PQexecParams(run->conn, sql.data, nparams, NULL, params, NULL,
						   NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			db_log_error(run->conn, res, "could not record the file");
			ok = false;
		}
	}
	else
		log_error("out of memory");
	PQclear(res);
	buf_free(&sql);
	for (int i = 0; written && i < ncols; i++)
		free(written[i]);
	free(written);
	free(params);
	run->failed = run->failed || !ok;
	return ok;
}

/* The file columns that hold the point's coordinates, when there are. */
static void
find_point_columns(FileLoad *fl)
{
	int			lat,
				lon;

	fl->lat_col = fl->lon_col = -1;
	if (fl->cat == NULL || !fl->run->ddl.geometry ||
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
	Buf			sql;
	bool		ok;

	if (header->nfields > MAX_COLUMNS)
	{
		notice_add(run->notices, NK_TOO_MANY_COLUMNS, fl->member,
				   header->line, 0, NULL, NULL, 0, "%d columns, more than "
				   "%d: the file is not loaded", header->nfields, MAX_COLUMNS);
		fl->skipped = true;
		return false;
	}
	if (!map_columns(fl, header))
		return false;
	find_point_columns(fl);
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
	for (int i = 0; i < fl->ncols; i++)
		if (fl->field[i] == COL_EXTRA)
			extra[nextra++] = fl->names[i];
	fl->nextra = fl->cat ? nextra : 0;
	ok = create_table(run, fl->table, fl->cat, extra, nextra) &&
		record_file(run, fl->member, fl->table, fl->names, header);
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
	buf_init(&sql, DDL_SQL_MAX);
	ok = ok && buf_puts(&sql, "COPY ") &&
		ddl_table(&sql, &run->ddl, fl->table) && buf_puts(&sql, " (");
	for (int i = 0, n = 0; ok && i < fl->ncols; i++)
		if (fl->field[i] != COL_EXTRA || fl->cat == NULL)
			ok = buf_puts(&sql, n++ ? ", " : "") &&
				ddl_ident(&sql, &run->ddl, fl->names[i]);
	if (fl->lat_col >= 0)
		ok = ok && buf_puts(&sql, ", geom");
	if (fl->nextra > 0)
		ok = ok && buf_puts(&sql, ", " DDL_EXTRA_COLUMN);
	ok = ok && buf_puts(&sql, ", " DDL_LINE_COLUMN) &&
		buf_puts(&sql, fl->binary ?
				 ") FROM STDIN WITH (FORMAT binary, FREEZE)" :
				 ") FROM STDIN WITH (FREEZE)") &&
		copy_begin(&fl->copy, run->conn, sql.data, fl->binary ?
				   fl->ncols - fl->nextra + (fl->lat_col >= 0) +
				   (fl->nextra > 0) + 1 : 0);
	if (!ok && !run->failed && sql.data == NULL)
		log_error("%s: COPY statement too long or out of memory", fl->member);
	run->failed = run->failed || !ok;
	buf_free(&sql);
	fl->copying = ok;
	/* a strict load already known to be bad is still checked, not sent */
	fl->copy.discard = run->opt->strict &&
		notice_count(run->notices, NOTICE_ERROR) > 0;
	return ok;
}

/*
 * The point of the row as the "geom" column: NULL without both
 * coordinates (or when one was not a coordinate: *coords_ok false).
 */
static void
put_point(FileLoad *fl, const CsvRow *row, bool coords_ok)
{
	const CsvField *lat,
			   *lon;
	const char *ys,
			   *xs;
	size_t		ylen,
				xlen;
	double		y,
				x;

	if (!coords_ok || fl->lat_col >= row->nfields ||
		fl->lon_col >= row->nfields ||
		row->fields[fl->lat_col].len == 0 || row->fields[fl->lon_col].len == 0)
	{
		copy_null(&fl->copy);
		return;
	}
	lat = &row->fields[fl->lat_col];
	lon = &row->fields[fl->lon_col];
	/* both already checked by conv_field, which trims them the same way */
	ys = lat->data, ylen = lat->len;
	xs = lon->data, xlen = lon->len;
	conv_trim(&ys, &ylen);
	conv_trim(&xs, &xlen);
	if (!conv_parse_double(ys, ylen, &y) || !conv_parse_double(xs, xlen, &x))
	{
		copy_null(&fl->copy);
		return;
	}
	if (x == 0 && y == 0)
		notice_value(fl->run->notices, NK_POINT_NEAR_ORIGIN, fl->member,
					 row->line, fl->lat_col + 1, fl->names[fl->lat_col],
					 lat->data, lat->len, "point at (0, 0): probably a "
					 "missing position");
	if (!geom_point(fl->run->opt->geom, x, y, copy_field(&fl->copy),
					fl->binary))
	{
		copy_field_undo(&fl->copy);
		copy_null(&fl->copy);
		notice_value(fl->run->notices, NK_POINT_NOT_TRANSFORMED, fl->member,
					 row->line, fl->lat_col + 1, fl->names[fl->lat_col],
					 lat->data, lat->len, "cannot transform (%s, %s) to "
					 "SRID %d: geom is NULL", lat->data, lon->data,
					 geom_srid(fl->run->opt->geom));
	}
}

/*
 * The notice kind of a value its field refused (CONV_WARN: written all
 * the same; CONV_ERROR: not storable).
 */
static NoticeKind
value_kind(const CatalogField *cf, ConvStatus st, const char *v, size_t len)
{
	if (!conv_utf8_valid(v, len))
		return NK_INVALID_UTF8;
	if (cf == NULL)
		return NK_INVALID_UTF8;
	switch (cf->type)
	{
		case GT_ENUM:
			return st == CONV_WARN ? NK_UNEXPECTED_ENUM_VALUE :
				NK_INVALID_INTEGER;
		case GT_INT:
			return st == CONV_WARN ? NK_SIGN_OUT_OF_RANGE : NK_INVALID_INTEGER;
		case GT_FLOAT:
		case GT_LAT:
		case GT_LON:
			conv_trim(&v, &len);
			if (st == CONV_WARN)
				return NK_SIGN_OUT_OF_RANGE;
			return conv_is_decimal(v, len) && cf->type != GT_FLOAT ?
				NK_COORDINATE_OUT_OF_RANGE : NK_INVALID_FLOAT;
		case GT_MONEY:
			return st == CONV_WARN ? NK_SIGN_OUT_OF_RANGE :
				NK_INVALID_CURRENCY_AMOUNT;
		case GT_DATE:
			return NK_INVALID_DATE;
		case GT_TIME:
			return NK_INVALID_TIME;
		case GT_COLOR:
			return NK_INVALID_COLOR;
		case GT_URL:
			return NK_INVALID_URL;
		case GT_EMAIL:
			return NK_INVALID_EMAIL;
		case GT_LANGUAGE:
			return NK_INVALID_LANGUAGE_CODE;
		case GT_CURRENCY:
			return NK_INVALID_CURRENCY;
		case GT_TEXT:
		case GT_TIMEZONE:
			break;
	}
	return NK_INVALID_UTF8;
}

/*
 * Counts a row whose width differs from the header's: the missing fields
 * are read as empty, empty ones past the header dropped (one notice per
 * file, at its end).  False when it has a value past the header.
 */
static bool
check_row_width(FileLoad *fl, const CsvRow *row)
{
	if (row->nfields < fl->ncols && fl->short_rows++ == 0)
		fl->first_short = row->line;
	for (int i = fl->ncols; i < row->nfields; i++)
		if (row->fields[i].len > 0)
			return false;
	if (row->nfields > fl->ncols && fl->padded_rows++ == 0)
		fl->first_padded = row->line;
	return true;
}

/* s as a JSON string into out. */
static bool
put_json_string(Buf *out, const char *s, size_t len)
{
	bool		ok = buf_putc(out, '"');

	for (size_t i = 0; ok && i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		escaped[8];

		if (c == '"' || c == '\\')
			ok = buf_putc(out, '\\') && buf_putc(out, (char) c);
		else if (c < 0x20)
			ok = buf_append(out, escaped, (size_t) snprintf(escaped,
															sizeof(escaped),
															"\\u%04x", c));
		else
			ok = buf_putc(out, (char) c);
	}
	return ok && buf_putc(out, '"');
}

/*
 * Adds column i of row, an extra column of a catalog file, to the row's
 * jsonb object, under its column's name.  A value that is not text (bad
 * UTF-8, a NUL byte) is left out, with a notice.  False when the row
 * cannot go on (fl->run->failed: the row is too long).
 */
static bool
put_extra(FileLoad *fl, const CsvRow *row, int i, const char *v, size_t len)
{
	char		shown[SHOW_VALUE_MAX + 8];

	if (!conv_utf8_valid(v, len) || memchr(v, '\0', len) != NULL)
	{
		show_value(v, len, shown, sizeof(shown));
		notice_value(fl->run->notices, NK_INVALID_UTF8, fl->member, row->line,
					 i + 1, fl->names[i], v, len, "invalid %s \"%s\": "
					 "invalid UTF-8 or NUL byte: loaded as NULL",
					 fl->names[i], shown);
		return true;
	}
	if (!buf_putc(&fl->extra, fl->extra.len ? ',' : '{') ||
		!put_json_string(&fl->extra, fl->names[i], strlen(fl->names[i])) ||
		!buf_putc(&fl->extra, ':') ||
		!put_json_string(&fl->extra, v, len))
	{
		log_error("%s:%ld: row longer than %d bytes", fl->member, row->line,
				  COPY_MAX_SIZE);
		fl->run->failed = true;
		return false;
	}
	return true;
}

/* The row's extra columns as its DDL_EXTRA_COLUMN: NULL when all empty. */
static bool
end_extra(FileLoad *fl)
{
	Buf		   *field;

	if (fl->extra.len == 0)
	{
		copy_null(&fl->copy);
		return true;
	}
	field = copy_field(&fl->copy);
	if (!buf_putc(&fl->extra, '}') ||
		(fl->binary ? !(buf_putc(field, 1) &&	/* jsonb's format version */
						buf_append(field, fl->extra.data, fl->extra.len)) :
		 conv_copy_text(field, fl->extra.data, fl->extra.len) != CONV_OK))
	{
		log_error("%s: COPY buffer over its cap", fl->member);
		fl->run->failed = true;
		return false;
	}
	return true;
}

/* One data row into the COPY buffer; false when loading must stop. */
static bool
load_row(FileLoad *fl, const CsvRow *row)
{
	Notices    *nt = fl->run->notices;
	char		shown[SHOW_VALUE_MAX + 8];
	bool		coords_ok = true;

	if (!check_row_width(fl, row))
	{
		int			i = fl->ncols;

		while (row->fields[i].len == 0)
			i++;
		notice_row_set_aside(nt, NK_ROW_TOO_LONG, fl->member, row, i + 1,
							 NULL, row->fields[i].data, row->fields[i].len,
							 "%d fields where the header has %d",
							 row->nfields, fl->ncols);
		return !notice_too_many(nt);
	}
	notice_row_begin(nt);
	copy_row_begin(&fl->copy);
	buf_reset(&fl->extra);
	for (int i = 0; i < fl->ncols; i++)
	{
		int			f = fl->field[i];
		const CatalogField *cf = f >= 0 ? &fl->cat->fields[f] : NULL;
		const char *v = i < row->nfields ? row->fields[i].data : "";
		size_t		len = i < row->nfields ? row->fields[i].len : 0;
		const char *why = "invalid UTF-8 or NUL byte";
		NoticeKind	kind;
		ConvStatus	st;

		if (len > ID_MAX_BYTES && cf &&
			((cf->flags & FIELD_KEY) || cf->refs))
		{
			notice_row_set_aside(nt, NK_ID_TOO_LONG, fl->member, row, i + 1,
								 fl->names[i], v, len, "%s of %zu bytes, "
								 "more than %d: it cannot be indexed",
								 cf->name, len, ID_MAX_BYTES);
			copy_row_rollback(&fl->copy);
			return !notice_too_many(nt);
		}
		if (cf == NULL && fl->cat)
		{
			if (len > 0 && !put_extra(fl, row, i, v, len))
				return !notice_too_many(nt) && !fl->run->failed;
			continue;
		}
		if (len == 0)
		{
			if (i == fl->single_key)
			{
				notice_row_set_aside(nt, NK_MISSING_KEY, fl->member, row,
									 i + 1, fl->names[i], NULL, 0,
									 "missing value for required field %s",
									 cf->name);
				copy_row_rollback(&fl->copy);
				return !notice_too_many(nt);
			}
			if (cf && (cf->flags & FIELD_REQUIRED) && (cf->flags & FIELD_KEY))
				fl->run->unkeyed[fl->cat - catalog_files] |= (uint64_t) 1 << f;
			if (cf && (cf->flags & FIELD_REQUIRED))
				notice_value(nt, NK_MISSING_REQUIRED_FIELD, fl->member,
							 row->line,
							 i + 1, fl->names[i], NULL, 0,
							 "missing value for required field %s", cf->name);
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
		if (st == CONV_OK)
			continue;
		if (st == CONV_NOSPACE)
		{
			/* the COPY buffer lost its rows: nothing can go on */
			log_error("%s: COPY buffer over its cap", fl->member);
			fl->run->failed = true;
			return false;
		}
		kind = value_kind(cf, st, v, len);
		show_value(v, len, shown, sizeof(shown));
		if (st == CONV_ERROR && cf && (cf->flags & FIELD_KEY))
		{
			/* a row that cannot be keyed is set aside whole */
			notice_row_set_aside(nt, kind, fl->member, row, i + 1,
								 fl->names[i], v, len, "invalid %s \"%s\": "
								 "%s", fl->names[i], shown, why);
			copy_row_rollback(&fl->copy);
			return !notice_too_many(nt);
		}
		if (st == CONV_ERROR)
		{
			copy_field_undo(&fl->copy);
			copy_null(&fl->copy);
			coords_ok = coords_ok && i != fl->lat_col && i != fl->lon_col;
		}
		notice_value(nt, kind, fl->member, row->line, i + 1, fl->names[i], v,
					 len,
					 "invalid %s \"%s\": %s%s", fl->names[i], shown, why,
					 st == CONV_ERROR ? ": loaded as NULL" : "");
	}
	if (fl->lat_col >= 0)
		put_point(fl, row, coords_ok);
	if (fl->nextra > 0 && !end_extra(fl))
		return false;
	if (fl->binary)
		buf_put_be(copy_field(&fl->copy), (uint64_t) row->line, 4);
	else
	{
		char		digits[24];

		buf_append(copy_field(&fl->copy), digits,
				   (size_t) snprintf(digits, sizeof(digits), "%ld",
									 row->line));
	}
	notice_row_keep(nt);
	fl->rows++;
	if (!copy_row_end(&fl->copy))
	{
		fl->run->failed = true;
		return false;
	}
	return !notice_too_many(nt);
}

static bool
on_row(void *ctx, const CsvRow *row)
{
	FileLoad   *fl = ctx;
	bool		ok;

	if (db_canceled())
		return false;

	if (!fl->header_seen)
	{
		fl->header_seen = true;
		return start_file(fl, row);
	}
	ok = load_row(fl, row);
	progress_rows(fl->rows, *fl->bytes);
	return ok;
}

/*
 * A record with a stray quote: set aside, as written.  In the header it
 * leaves the columns unknown: the file is not loaded.
 */
static bool
on_broken(void *ctx, const CsvBroken *b)
{
	FileLoad   *fl = ctx;
	Notices    *nt = fl->run->notices;

	if (!fl->header_seen)
	{
		notice_add(nt, NK_CSV_PARSING_FAILED, fl->member, b->bad_line,
				   b->column, NULL, b->text, b->len, "stray quote in the "
				   "header, field %d: the file is not loaded", b->column);
		return false;
	}
	notice_text_set_aside(nt, NK_CSV_STRAY_QUOTE, fl->member, b->line,
						  b->column, b->text, b->len, "stray quote on line "
						  "%ld, field %d (a quote inside an unquoted field, "
						  "or text after a closing quote): record set aside",
						  b->bad_line, b->column);
	return !notice_too_many(nt);
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
 * without ".txt".  False, with a notice, when that name is empty, too long
 * for PostgreSQL, or taken by a table of the catalog or of gtfs2pgsql.
 */
static bool
table_name_of(LoadRun *run, const char *member, char table[NAMEDATALEN])
{
	static const char *const reserved[] = {
		"shape_lines", "trip_lines", "route_lines", "locations",
		"locations_document", "import_notices", "import_files",
		"service_days", "arrivals_departures", "connections"
	};
	size_t		len = strlen(member) - strlen(".txt");
	bool		ok = len > 0 && len < NAMEDATALEN;

	snprintf(table, NAMEDATALEN, "%.*s", (int) (ok ? len : 0), member);
	for (int f = 0; ok && f < catalog_nfiles; f++)
		ok = strcmp(table, catalog_files[f].table) != 0;
	for (size_t i = 0; ok && i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ok = strcmp(table, reserved[i]) != 0;
	if (!ok)
		notice_add(run->notices, NK_UNNAMEABLE_FILE, member, 0, 0, NULL,
				   NULL, 0, "no table can be named after this file: "
				   "skipped");
	return ok;
}

/* The notices of a file that are counted while it streams. */
static void
file_notices(FileLoad *fl, CsvReader *reader, bool read_whole)
{
	Notices    *nt = fl->run->notices;
	long		line;
	const char *why = csvread_error(reader, &line);

	if (why)
		notice_add(nt, NK_CSV_PARSING_FAILED, fl->member, line, 0, NULL, NULL,
				   0, "%s: the rest of the file is not loaded", why);
	if (fl->short_rows > 0)
		notice_add(nt, NK_ROW_TOO_SHORT, fl->member, fl->first_short, 0, NULL,
				   NULL, 0, "%ld rows have fewer fields than the header, "
				   "the first on this line: the missing ones are read as "
				   "empty", fl->short_rows);
	if (fl->padded_rows > 0)
		notice_add(nt, NK_ROW_TOO_SHORT, fl->member, fl->first_padded, 0,
				   NULL, NULL, 0, "%ld rows have empty fields past the "
				   "header, the first on this line: ignored",
				   fl->padded_rows);
	if (read_whole && !fl->header_seen)
		notice_add(nt, NK_EMPTY_FILE, fl->member, 0, 0, NULL, NULL, 0,
				   "empty file");
	else if (read_whole && fl->rows == 0 &&
			 notice_set_aside(nt, fl->member) == 0 &&
			 is_required_file(fl->run->src, fl->member))
		notice_add(nt, NK_EMPTY_FILE, fl->member, 0, 0, NULL, NULL, 0,
				   "required file has no rows");
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
	long		line;
	bool		whole;
	char		stem[NAMEDATALEN];

	memset(&fl, 0, sizeof(fl));
	buf_init(&fl.extra, COPY_MAX_SIZE);
	fl.run = run;
	fl.member = source_member_name(run->src, i);
	fl.cat = cat;
	fl.table = cat ? cat->table : stem;
	fl.bytes = &bytes;
	db_set_step(fl.member);
	if (cat == NULL && !table_name_of(run, fl.member, stem))
		return;
	m = source_member_open(run->src, i);
	reader = csvread_create(fl.member, on_row, &fl);
	if (m == NULL || reader == NULL)
	{
		run->failed = reader == NULL;
		goto cleanup;
	}
	csvread_on_broken(reader, on_broken);
	progress_file(fl.member, source_member_size(m));
	whole = csvread_member(reader, m, run->chunk, &bytes);
	/* a file cut by a parse error was still read as far as it can be */
	if (!whole && csvread_error(reader, &line) != NULL)
		whole = true;
	if (log_data_errors() == errors_before)
		file_notices(&fl, reader, whole);
	if ((!fl.header_seen || fl.skipped) && cat)
		create_table(run, NULL, cat, NULL, 0);
	/* a discarded COPY ends normally: the rollback undoes it */
	if (fl.copying && !copy_end(&fl.copy, NULL))
		run->failed = true;
	if (!report_add(run->rep, fl.member, fl.rows,
					notice_set_aside(run->notices, fl.member), bytes,
					started))
		run->failed = true;

cleanup:
	csvread_destroy(reader);
	if (m)
		source_member_close(m);
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

/* The files a feed must have: see is_required_file; and a calendar. */
static void
check_required_files(LoadRun *run)
{
	for (int f = 0; f < catalog_nfiles; f++)
		if (is_required_file(run->src, catalog_files[f].file) &&
			source_find(run->src, catalog_files[f].file) < 0)
			notice_add(run->notices, NK_MISSING_REQUIRED_FILE,
					   catalog_files[f].file, 0, 0, NULL, NULL, 0,
					   "required file missing");
	if (source_find(run->src, "calendar.txt") < 0 &&
		source_find(run->src, "calendar_dates.txt") < 0)
		notice_add(run->notices, NK_MISSING_CALENDAR, "calendar.txt", 0, 0,
				   NULL, NULL, 0, "required file missing: neither "
				   "calendar.txt nor calendar_dates.txt");
}

/* Whether a strict load must stop reading: too many errors, or a failure. */
static bool
must_stop(const LoadRun *run)
{
	return run->failed || notice_too_many(run->notices) ||
		log_data_errors() > 0;
}

/* Every file of the feed into the staging schema. */
static void
load_files(LoadRun *run)
{
	long long	ignored = source_ignored_bytes(run->src);
	int			extra_files = 0;

	if (ignored > 0)
		notice_add(run->notices, NK_ZIP_TRAILING_BYTES,
				   run->opt->feed.file_name, 0, 0, NULL, NULL, 0,
				   "%lld bytes around the zip archive ignored (a web page "
				   "appended by a server?)", ignored);
	check_required_files(run);
	for (int f = 0; f < catalog_nfiles && !must_stop(run); f++)
	{
		const CatalogFile *cat = &catalog_files[f];
		int			i = source_find(run->src, cat->file);

		/* its place in the report, filled in by join_side */
		if (i >= 0 && run->side && i == run->side_member)
		{
			run->side_file = run->rep->nfiles;
			if (!report_add(run->rep, cat->file, 0, 0, 0, report_now()))
				run->failed = true;
		}
		else if (i >= 0)
			load_member(run, i, cat);
		else
			create_table(run, NULL, cat, NULL, 0);
	}
	if (run->ddl.geometry && !must_stop(run))
	{
		Buf			sql;
		int			i = source_find(run->src, "locations.geojson");

		buf_init(&sql, DDL_SQL_MAX);
		if (ddl_create_locations(&sql, &run->ddl) && run_sql(run, &sql) &&
			i >= 0 && (!geojson_load(run->conn, &run->ddl, run->src, i,
									 run->notices, run->rep, run->chunk) ||
					   !record_file(run, "locations.geojson", "locations",
									NULL, NULL)))
			run->failed = true;
		buf_free(&sql);
	}
	for (int i = 0; i < source_count(run->src) && !must_stop(run); i++)
	{
		const char *name = source_member_name(run->src, i);

		if (catalog_find_file(name) ||
			(run->ddl.geometry && strcmp(name, "locations.geojson") == 0))
			continue;
		if (has_suffix(name, ".txt") && extra_files++ >= MAX_EXTRA_FILES)
			notice_add(run->notices, NK_TOO_MANY_FILES, name, 0, 0, NULL,
					   NULL, 0, "more than %d files not of the GTFS "
					   "reference: not loaded", MAX_EXTRA_FILES);
		else if (has_suffix(name, ".txt"))
		{
			notice_add(run->notices, NK_UNKNOWN_TXT_FILE, name, 0, 0, NULL,
					   NULL, 0, "not a file of the GTFS reference: loaded "
					   "as a table of text columns");
			load_member(run, i, NULL);
		}
		else
			notice_add(run->notices, NK_UNKNOWN_MEMBER, name, 0, 0, NULL,
					   NULL, 0, "not a GTFS file: skipped");
	}
}

/*
 * Keys and references, file by file in dependency order.  Rows set aside
 * as duplicates leave their table's count.  False when the database
 * failed.
 */
static bool
check_tables(LoadRun *run)
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
		/* checked once its process is done: see join_side */
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
static bool
finish_indexes(LoadRun *run)
{
	PGresult   *res;
	Buf			sql;
	bool		ok = true;
	char		step[128];
	double		started;

	/* shape_lines carries measures only when every point has one */
	if (run->ddl.geometry)
	{
		started = progress_step("shapes measure check");
		buf_init(&sql, DDL_SQL_MAX);
		ok = buf_puts(&sql, "SELECT count(*) > 0 AND "
					  "bool_and(shape_dist_traveled IS NOT NULL) FROM ") &&
			ddl_table(&sql, &run->ddl, "shapes");
		res = ok ? db_query(run->conn, sql.data, 0, NULL) : NULL;
		ok = res != NULL;
		run->ddl.shape_m = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
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
		ok = run_sql(run, &sql) && report_add_step(run->rep, step, started);
	}
	buf_free(&sql);
	return ok;
}

/* The timetable and statistics, once every table is in staging_name. */
static bool
finish_tables(LoadRun *run, const char *staging_name)
{
	const char *params[1] = {staging_name};
	PGresult   *res;
	Buf			sql;
	bool		ok;
	double		started;

	/* before the lines go: calendar notices give theirs */
	if (!timetable_create(run->conn, &run->ddl, run->rep))
		return false;
	started = progress_step("analyze");
	res = db_query(run->conn,
				   "SELECT format('%I.%I', n.nspname, c.relname), "
				   "EXISTS (SELECT FROM pg_catalog.pg_attribute a "
				   " WHERE a.attrelid = c.oid AND a.attname = '"
				   DDL_LINE_COLUMN "' AND NOT a.attisdropped), "
				   "pg_catalog.pg_relation_size(c.oid) > 0 "
				   "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
				   "ON n.oid = c.relnamespace WHERE c.oid IN ("
				   DB_SCHEMA_RELATIONS("pg_catalog.to_regnamespace("
									   "pg_catalog.quote_ident($1))")
				   ") AND c.relkind = 'r'", 1, params);
	ok = res != NULL;
	/*
	 * The mark by which a later load knows which tables it may drop; the
	 * rows' lines have served (import_notices keeps those of the notices).
	 * A table of no page (the file absent or empty) is not analyzed: ANALYZE
	 * finds no row there and keeps no statistics, and the planner takes a
	 * table never analyzed for a small one, which such a table is.  All in
	 * one round trip: a feed has some forty tables.
	 */
	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && i < PQntuples(res); i++)
	{
		const char *table = PQgetvalue(res, i, 0);

		ok = buf_puts(&sql, "COMMENT ON TABLE ") &&
			buf_puts(&sql, table) &&
			buf_puts(&sql, " IS '" DDL_TABLE_MARK "';\n");
		if (ok && strcmp(PQgetvalue(res, i, 1), "t") == 0)
			ok = buf_puts(&sql, "ALTER TABLE ") && buf_puts(&sql, table) &&
				buf_puts(&sql, " DROP COLUMN " DDL_LINE_COLUMN ";\n");
		if (ok && strcmp(PQgetvalue(res, i, 2), "t") == 0)
			ok = buf_puts(&sql, "ANALYZE ") && buf_puts(&sql, table) &&
				buf_puts(&sql, ";\n");
	}
	/* an append that failed left sql empty: run_sql says so */
	ok = res != NULL && run_sql(run, &sql);
	PQclear(res);
	buf_free(&sql);
	return ok && report_add_step(run->rep, "analyze", started);
}

/* notice_store, timed as a step. */
static bool
store_notices(LoadRun *run, const char *table)
{
	double		started = progress_step("notices");

	return notice_store(run->notices, run->conn, table) &&
		report_add_step(run->rep, "notices", started);
}

/* notice_recount, timed as a step. */
static bool
recount_notices(LoadRun *run, const char *table)
{
	double		started = progress_step("notice count");

	return notice_recount(run->notices, run->conn, table) &&
		report_add_step(run->rep, "notice count", started);
}

/* The views of the feed's schema target (quoted), over its tables. */
static bool
create_views(LoadRun *run, const char *target)
{
	Ddl			d = run->ddl;
	Buf			sql;
	bool		ok;

	d.schema = target;
	buf_init(&sql, DDL_SQL_MAX);
	/* a feed without geometry over one with: its lines' views go */
	ok = (d.geometry ||
		  ddl_template(&sql, &d, "DROP VIEW IF EXISTS @s.route_lines, "
					   "@s.trip_lines;\n")) &&
		ddl_create_views(&sql, &d) && run_sql(run, &sql);
	buf_free(&sql);
	return ok;
}

/* Whether a strict load has errors, which refuse the feed (logged). */
static bool
strict_refusal(LoadRun *run)
{
	long		errors = notice_count(run->notices, NOTICE_ERROR);

	if (!run->opt->strict || errors == 0 || run->refused)
		return run->refused;
	log_error("feed rejected: %ld error%s; the database is unchanged",
			  errors, errors == 1 ? "" : "s");
	run->refused = true;
	return true;
}

#define CREATE_POSTGIS "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public"

/*
 * Finds PostGIS's schema, creating the extension where it is missing, into
 * *schema, quoted (PQfreemem it).  When not needed (a load without
 * geometry), a server without PostGIS, or a user who may not create it,
 * gives true with *schema NULL (said when PostGIS was there to create).
 * False (logged) when needed and not found, or when the database failed.
 */
static bool
postgis_schema(PGconn *conn, bool needed, char **schema)
{
	PGresult   *res;
	bool		ok;
	bool		there;

	*schema = NULL;
	if (!needed)
	{
		res = db_query(conn, "SELECT EXISTS (SELECT FROM "
					   "pg_catalog.pg_available_extensions "
					   "WHERE name = 'postgis')", 0, NULL);
		ok = res != NULL;
		there = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (!there)
			return ok;
	}
	/*
	 * In a transaction of its own, under a lock: two first imports into a
	 * database would otherwise both try to create it.
	 */
	if (!db_exec(conn, "BEGIN"))
		return false;
	res = db_query(conn, "SELECT pg_catalog.pg_advisory_xact_lock("
				   "pg_catalog.hashtext('gtfs2pgsql postgis'), 0)", 0, NULL);
	ok = res != NULL;
	PQclear(res);
	if (ok && needed)
		ok = db_exec(conn, CREATE_POSTGIS);
	else if (ok)
	{
		res = PQexec(conn, CREATE_POSTGIS);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			log_notice("no geometry columns in the cross-feed tables: "
					   "PostGIS could not be created (%s); a later feed "
					   "with geometry will add them to every feed's tables",
					   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
			PQclear(res);
			res = PQexec(conn, "ROLLBACK");
			ok = PQresultStatus(res) == PGRES_COMMAND_OK;
			if (!ok)
				db_log_error(conn, res, "could not roll back");
			PQclear(res);
			return ok;
		}
		PQclear(res);
	}
	ok = ok && db_exec(conn, "COMMIT");
	if (!ok)
	{
		log_hint("gtfs2pgsql needs PostGIS for geometry; "
				   "--no-geometry loads without it");
		PQclear(PQexec(conn, "ROLLBACK"));
		return false;
	}
	res = db_query(conn,
				   "SELECT n.nspname FROM pg_catalog.pg_extension e "
				   "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
				   "WHERE e.extname = 'postgis'", 0, NULL);
	if (res != NULL && PQntuples(res) == 1)
		*schema = db_ident(conn, PQgetvalue(res, 0, 0));
	PQclear(res);
	return *schema != NULL;
}

/*
 * Whether a load without geometry makes the cross-feed tables, which then
 * get their geometry columns when PostGIS can be had: into *first.  False
 * (logged) when the database failed.
 */
static bool
makes_cross_feed_tables(PGconn *conn, bool *first)
{
	PGresult   *res = db_query(conn, "SELECT pg_catalog.to_regclass("
								"'gtfs2pgsql.stops') IS NULL", 0, NULL);

	*first = res != NULL && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return res != NULL;
}

/*
 * Whether ddl's SRID can be loaded: PostGIS's spatial_ref_sys has it, and
 * the cross-feed tables, whose geometry columns have one SRID, have it
 * too (or do not exist yet).  1 if so; 0 if not, -1 when the database
 * failed (logged).
 */
static int
srid_usable(PGconn *conn, const Ddl *ddl)
{
	Buf			sql;
	PGresult   *res;
	int			usable = 0;

	buf_init(&sql, 1024);
	res = ddl_template(&sql, ddl, "SELECT (SELECT count(*) FROM "
					   "@g.spatial_ref_sys WHERE srid = @r), "
					   "(SELECT @g.postgis_typmod_srid(a.atttypmod) "
					   "FROM pg_catalog.pg_attribute a "
					   "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
					   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					   "WHERE n.nspname = 'gtfs2pgsql' AND c.relname = 'stops' "
					   "AND a.attname = 'geom' AND NOT a.attisdropped)") ?
		db_query(conn, sql.data, 0, NULL) : NULL;
	buf_free(&sql);
	if (res == NULL)
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0)
		log_error("SRID %d is not in PostGIS's spatial_ref_sys", ddl->srid);
	else if (!PQgetisnull(res, 0, 1) && atoi(PQgetvalue(res, 0, 1)) != ddl->srid)
	{
		log_error("the feeds of this database have their geometry in SRID "
				  "%s, not %d", PQgetvalue(res, 0, 1), ddl->srid);
		log_hint("load it with --srid %s, or into another database",
				 PQgetvalue(res, 0, 1));
	}
	else
		usable = 1;
	PQclear(res);
	return usable;
}

/*
 * The work of a side load's process (side.h): the member run->side_member
 * into its table in schema, as load_member does, with its key (duplicates
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
	long		errors_before = log_data_errors();
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
		ddl_create_import_files(&sql, &run.ddl) && run_sql(&run, &sql);
	if (ok)
	{
		load_member(&run, parent->side_member, cat);
		ok = !run.failed && rep.nfiles == 1;
	}
	out->data_errors = log_data_errors() - errors_before;
	if (ok && out->data_errors == 0)
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
			ok = ddl_finish(&sql, &run.ddl, i) && run_sql(&run, &sql) &&
				report_add_step(&rep, step, started);
		}
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
	/* a member that cannot be read is the parent's to refuse */
	return ok || (!run.failed && out->data_errors > 0);
}

/*
 * Whether the feed's stop_times.txt loads on a second connection, in a
 * process of its own, while this one loads the other files: when it is at
 * least opt->split_min_size bytes once uncompressed, unless strict (which
 * stops at the first errors, counted in one process).
 */
static bool
start_side(LoadRun *run)
{
	int			i = source_find(run->src, "stop_times.txt");

	if (i < 0 || run->opt->strict || run->opt->split_min_size < 0 ||
		source_declared_size(run->src, i) <
		(unsigned long long) run->opt->split_min_size)
		return true;
	run->side_member = i;
	run->side_cat = catalog_find_file("stop_times.txt");
	run->side_started = report_now();
	run->side = side_start(run->conn, side_work, run, sizeof(SideReport));
	if (run->side == NULL)
		run->failed = true;
	return run->side != NULL;
}

/*
 * Waits for the side load, then takes its work into the transaction: its
 * table into staging (quoted), its notices and file into staging's, its
 * report into run->rep, its side schema dropped; then its references are
 * checked.  False (logged) on failure; *bad_input when the member could
 * not be read (the feed is refused).
 */
static bool
join_side(LoadRun *run, const char *staging, bool *bad_input)
{
	SideReport	sr;
	const CatalogFile *cat = run->side_cat;
	int			f = (int) (cat - catalog_files);
	ReportFile *rf = &run->rep->files[run->side_file];
	const char *side = side_schema(run->side);
	char	   *table;
	double		started = report_now();
	bool		ok;

	/* its rows, read by the child, while it is waited for */
	progress_side_file(cat->file,
					   source_declared_size(run->src, run->side_member),
					   run->side_started);
	db_set_step("wait for the second connection");
	*bad_input = false;
	memset(&sr, 0, sizeof(sr));
	if (!side_wait(run->side, &sr) ||
		!report_add_step(run->rep, "wait for the second connection",
						 started))
		return false;
	if (sr.data_errors > 0)
	{
		log_error("feed rejected: it cannot be read; the database is "
				  "unchanged");
		*bad_input = true;
		return false;
	}
	rf->rows = sr.rows;
	rf->set_aside = sr.set_aside;
	rf->bytes = sr.bytes;
	rf->seconds = sr.seconds;
	rf->peak_rss_kb = sr.peak_rss_kb;
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
	Buf			text,
				shown;			/* the target's import_notices, for people */
	PGresult   *res;
	LoadStatus	status = LOAD_DB_FAILED;
	SwapStatus	swapped;
	bool		bad_input = false;
	bool		first = false;	/* makes the cross-feed tables */
	uint32_t	nonce;
	double		started,
				step_started;

	buf_init(&shown, DDL_SQL_MAX);
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
	/* the comment marks the schema as ours: see drop_previous_feed */
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
	if (!opt->geom && !makes_cross_feed_tables(conn, &first))
		goto cleanup;
	if ((opt->geom || first) &&
		!postgis_schema(conn, opt->geom != NULL, &postgis))
		goto cleanup;
	if (postgis)
	{
		run.ddl.postgis = postgis;
		run.ddl.geometry = opt->geom != NULL;
		run.ddl.srid = opt->srid;
		switch (srid_usable(conn, &run.ddl))
		{
			case 0:
				status = LOAD_BAD_INPUT;
				goto cleanup;
			case -1:
				goto cleanup;
		}
	}
	/* the orphans of a side load killed after its commit go first */
	if (!side_clean(conn) || !feeds_setup(conn) || !db_begin(conn))
		goto cleanup;
	if (!db_exec(conn, RAISE_MAINTENANCE_WORK_MEM))
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
		!run_sql(&run, &text) || !buf_puts(&shown, opt->feed.schema) ||
		!buf_puts(&shown, ".import_notices"))
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
	if (start_side(&run))
		load_files(&run);
	if (run.failed)
		goto rollback;
	if (log_data_errors() > 0)
	{
		log_error("feed rejected: it cannot be read; the database is "
				  "unchanged");
		status = LOAD_BAD_INPUT;
		goto rollback;
	}
	started = report_now();
	/* the tables of a strict load already known to be bad are incomplete */
	if ((!opt->strict || notice_count(run.notices, NOTICE_ERROR) == 0) &&
		!check_tables(&run))
		goto rollback;
	/* what does not need the side load's table is done first */
	if (run.side && (!finish_indexes(&run) ||
					 !join_side(&run, staging, &bad_input)))
	{
		status = bad_input ? LOAD_BAD_INPUT : LOAD_DB_FAILED;
		goto rollback;
	}
	db_set_step("keys, indexes and derived tables");
	if (!store_notices(&run, notices) || strict_refusal(&run) ||
		(!run.side && !finish_indexes(&run)) ||
		!finish_tables(&run, staging_name) ||
		!recount_notices(&run, notices) || strict_refusal(&run))
	{
		status = run.refused ? LOAD_BAD_INPUT : LOAD_DB_FAILED;
		goto rollback;
	}
	step_started = progress_step("notice summary");
	if (!notice_print_summary(conn, notices, shown.data))
		goto rollback;
	for (int s = 0; s < 3; s++)
		rep->notice_counts[s] = notice_count(run.notices, (NoticeSeverity) s);
	rep->notices_json = notice_report_json(conn, notices);
	if (rep->notices_json == NULL ||
		!report_add_step(rep, "notice summary", step_started))
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
	if (swapped == SWAP_OK && (!create_views(&run, target) ||
							   !report_add_step(rep, "swap", step_started)))
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
	res = PQexec(conn, "ROLLBACK");
	PQclear(res);
	side_end(run.side, conn, false);
	if (status == LOAD_DB_FAILED && !db_canceled())
		log_error("the load failed; the database is unchanged");
cleanup:
	PQfreemem(comment);
	PQfreemem(feed_id);
	PQfreemem(postgis);
	PQfreemem(staging);
	PQfreemem(target);
	notice_destroy(run.notices);
	free(notices);
	buf_free(&shown);
	free(json);
	free(run.chunk);
	free(run.present);
	free(run.unkeyed);
	free(run.columns);
	return status;
}
