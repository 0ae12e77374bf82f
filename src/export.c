/*
 * export.c: a loaded feed back out as GTFS files.
 *
 * import_files says which files the load read, into which table, with
 * which columns in which order.  Each becomes one statement
 *   COPY (SELECT <each column in GTFS form> FROM table [WHERE cut])
 *   TO STDOUT WITH (FORMAT csv)
 * that the server runs when the member is written: libzip calls our source
 * callback for each member in turn while zip_close writes the archive, and
 * the callback runs the member's COPY and hands over the rows as they come
 * (PQgetCopyData), so that at most one row is held at a time.  All of it
 * runs in one REPEATABLE READ transaction: one snapshot of the feed.
 *
 * A cut (dates, box, routes) first keeps trips, then in temporary tables
 * what they use (services, routes, shapes, stops and their stations,
 * zones, levels, agencies); every table is then filtered by its
 * references to those, as the catalog lists them, so nothing dangles.
 */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "buf.h"
#include "catalog.h"
#include "db.h"
#include "ddl.h"
#include "log.h"

#define SQL_MAX			(4 * 1024 * 1024)
#define ROW_MAX			(1024 * 1024 * 1024)	/* bytes of one row */
#define WRITE_CHUNK		(64 * 1024)	/* bytes read from a COPY at once */
#define ZIP_LEVEL		6		/* deflate's level, as zip's default */

/* The ids a cut keeps, per kind; each is a temporary table pg_temp.k_*. */
typedef struct
{
	const char *ref;			/* a key as the catalog's refs name it */
	const char *table;			/* pg_temp's table of the ids kept */
} KeptIds;

static const KeptIds kept_ids[] = {
	{"trips.trip_id", "k_trips"},
	{"routes.route_id", "k_routes"},
	{"stops.stop_id", "k_stops"},
	{"stops.zone_id", "k_zones"},
	{"shapes.shape_id", "k_shapes"},
	{"agency.agency_id", "k_agency"},
	{"calendar.service_id", "k_services"},
	{"calendar_dates.service_id", "k_services"},
	{"levels.level_id", "k_levels"},
};

/*
 * The statements that fill them, "@s" for the feed's schema, after
 * k_trips (made by cut_trips).  Stops: those the trips call at, their
 * stations, and everything in those stations (entrances, nodes, other
 * platforms), which pathways.txt may link.
 */
static const char *const kept_sql[] = {
	"CREATE TEMP TABLE k_services ON COMMIT DROP AS "
	"SELECT DISTINCT service_id AS id FROM @s.trips "
	"WHERE trip_id IN (SELECT id FROM pg_temp.k_trips)",
	"CREATE TEMP TABLE k_routes ON COMMIT DROP AS "
	"SELECT DISTINCT route_id AS id FROM @s.trips "
	"WHERE trip_id IN (SELECT id FROM pg_temp.k_trips)",
	"CREATE TEMP TABLE k_shapes ON COMMIT DROP AS "
	"SELECT DISTINCT shape_id AS id FROM @s.trips "
	"WHERE trip_id IN (SELECT id FROM pg_temp.k_trips) "
	"AND shape_id IS NOT NULL",
	"CREATE TEMP TABLE k_stops ON COMMIT DROP AS "
	"WITH RECURSIVE up(id) AS ("
	"SELECT stop_id FROM @s.stop_times "
	"WHERE trip_id IN (SELECT id FROM pg_temp.k_trips) "
	"AND stop_id IS NOT NULL "
	"UNION SELECT s.parent_station FROM @s.stops s JOIN up "
	"ON s.stop_id = up.id WHERE s.parent_station IS NOT NULL), "
	"down(id) AS (SELECT id FROM up "
	"UNION SELECT s.stop_id FROM @s.stops s JOIN down "
	"ON s.parent_station = down.id) "
	"SELECT id FROM down",
	"CREATE TEMP TABLE k_zones ON COMMIT DROP AS "
	"SELECT DISTINCT zone_id AS id FROM @s.stops "
	"WHERE stop_id IN (SELECT id FROM pg_temp.k_stops) "
	"AND zone_id IS NOT NULL",
	"CREATE TEMP TABLE k_levels ON COMMIT DROP AS "
	"SELECT DISTINCT level_id AS id FROM @s.stops "
	"WHERE stop_id IN (SELECT id FROM pg_temp.k_stops) "
	"AND level_id IS NOT NULL",
	/* a route without agency_id: the feed has one agency, kept */
	"CREATE TEMP TABLE k_agency ON COMMIT DROP AS "
	"SELECT agency_id AS id FROM @s.routes "
	"WHERE route_id IN (SELECT id FROM pg_temp.k_routes) "
	"AND agency_id IS NOT NULL "
	"UNION SELECT agency_id FROM @s.agency WHERE EXISTS (SELECT "
	"FROM @s.routes WHERE route_id IN (SELECT id FROM pg_temp.k_routes) "
	"AND agency_id IS NULL)",
	"ANALYZE pg_temp.k_trips, pg_temp.k_services, pg_temp.k_routes, "
	"pg_temp.k_shapes, pg_temp.k_stops, pg_temp.k_zones, "
	"pg_temp.k_levels, pg_temp.k_agency",
};

/*
 * Tables whose references do not cut them: their rows are referred to by
 * rows kept (a booking rule by stop_times), whatever they refer to.
 */
static const char *const uncut_tables[] = {"booking_rules"};

/* One file to write. */
typedef struct
{
	char	   *file;			/* "stops.txt" */
	char	   *copy;			/* the COPY statement */
	char	   *header;			/* the CSV header line, or NULL: the rows
								 * are written as they are, not as CSV */
} Member;

/* One run of export_feed. */
typedef struct
{
	PGconn	   *conn;
	const ExportOptions *opt;
	char	   *schema;			/* quoted */
	char	   *postgis;		/* quoted PostGIS schema, or NULL */
	Member	   *members;
	int			nmembers;
	long long	rows;
	time_t		mtime;			/* of every member */
	bool		db_failed;		/* the server failed (logged) */
} Export;

/* A member's rows as they leave the server. */
typedef struct
{
	Export	   *ex;
	const Member *m;
	size_t		head_pos;		/* bytes of the header given */
	Buf			row;			/* the row being given, as CSV */
	size_t		row_pos;
	bool		copying;		/* the COPY runs */
	bool		finished;		/* and has ended well */
	zip_error_t error;			/* for libzip */
} Stream;

/* Appends template with "@s" replaced by the quoted schema. */
static bool
put_template(Buf *sql, const Export *ex, const char *template)
{
	bool		ok = true;

	for (const char *p = template; ok && *p; p++)
	{
		if (p[0] == '@' && p[1] == 's')
		{
			ok = buf_puts(sql, ex->schema);
			p++;
		}
		else if (p[0] == '@' && p[1] == 'g')
		{
			ok = buf_puts(sql, ex->postgis ? ex->postgis : "public");
			p++;
		}
		else
			ok = buf_putc(sql, *p);
	}
	return ok;
}

/* Appends name quoted as an identifier. */
static bool
put_ident(Buf *sql, const Export *ex, const char *name)
{
	char	   *q = db_ident(ex->conn, name);
	bool		ok = q != NULL && buf_puts(sql, q);

	PQfreemem(q);
	return ok;
}

/* Appends s as a CSV field: quoted when it holds a comma, quote or EOL. */
static bool
put_csv(Buf *out, const char *s)
{
	bool		ok = true;

	if (strpbrk(s, ",\"\r\n") == NULL)
		return buf_puts(out, s);
	ok = buf_putc(out, '"');
	for (; ok && *s; s++)
		ok = (*s != '"' || buf_putc(out, '"')) && buf_putc(out, *s);
	return ok && buf_putc(out, '"');
}

/*
 * Appends the column col of type (as regtype prints it) in GTFS form:
 * dates YYYYMMDD, times H:MM:SS past 24 hours, the rest as PostgreSQL
 * prints it (floats the shortest that reads back the same).  clip: the
 * date is clipped to the cut's period, from the start (<) or end (>).
 */
static bool
put_value(Buf *sql, const Export *ex, const char *col, const char *type,
		  char clip)
{
	const char *bound = clip == '<' ? ex->opt->from : ex->opt->to;

	if (strcmp(type, DDL_EXTRA_COLUMN) == 0)
	{
		char	   *key = PQescapeLiteral(ex->conn, col, strlen(col));
		bool		ok = key && buf_puts(sql, "(" DDL_EXTRA_COLUMN " ->> ") &&
			buf_puts(sql, key) && buf_putc(sql, ')');

		PQfreemem(key);
		return ok;
	}
	if (strcmp(type, "date") == 0 && clip && bound)
		return buf_puts(sql, "pg_catalog.to_char(") &&
			buf_puts(sql, clip == '<' ? "GREATEST(" : "LEAST(") &&
			put_ident(sql, ex, col) && buf_puts(sql, ", DATE '") &&
			buf_puts(sql, bound) && buf_puts(sql, "'), 'YYYYMMDD')");
	if (strcmp(type, "date") == 0)
		return buf_puts(sql, "pg_catalog.to_char(") &&
			put_ident(sql, ex, col) && buf_puts(sql, ", 'YYYYMMDD')");
	if (strcmp(type, "interval") == 0)
		return buf_puts(sql, "pg_catalog.lpad((pg_catalog.date_part("
						"'epoch', ") && put_ident(sql, ex, col) &&
			buf_puts(sql, ")::bigint / 3600)::text, 2, '0') || "
					 "pg_catalog.to_char(") &&
			put_ident(sql, ex, col) && buf_puts(sql, ", ':MI:SS')");
	return put_ident(sql, ex, col);
}

/* The temporary table of the ids a key of the catalog refers to, or NULL. */
static const char *
kept_table(const char *ref)
{
	for (size_t i = 0; i < sizeof(kept_ids) / sizeof(kept_ids[0]); i++)
	{
		size_t		n = strlen(kept_ids[i].ref);

		if (strncmp(ref, kept_ids[i].ref, n) == 0 &&
			(ref[n] == '\0' || ref[n] == '|'))
			return kept_ids[i].table;
	}
	return NULL;
}

static bool
is_cut(const ExportOptions *opt)
{
	return opt->from || opt->to || opt->bbox || opt->nroutes > 0;
}

/* Appends "<sep>col op DATE 'date'" when date is set; sep becomes AND. */
static bool
put_bound(Buf *sql, const char **sep, const char *col, const char *op,
		  const char *date)
{
	bool		ok;

	if (date == NULL)
		return true;
	ok = buf_puts(sql, *sep) && buf_puts(sql, col) && buf_putc(sql, ' ') &&
		buf_puts(sql, op) && buf_puts(sql, " DATE '") &&
		buf_puts(sql, date) && buf_putc(sql, '\'');
	*sep = " AND ";
	return ok;
}

/*
 * Appends the WHERE clause of a cut for cat's table: each field that is
 * one of the kept keys, or refers to one, must be NULL or kept; calendar
 * and calendar_dates are kept to the period.  Nothing without a cut.
 */
static bool
put_cut(Buf *sql, const Export *ex, const CatalogFile *cat)
{
	const char *sep = " WHERE ";
	bool		ok = true;
	char		own[128];

	if (!is_cut(ex->opt) || cat == NULL)
		return true;
	for (size_t i = 0; i < sizeof(uncut_tables) / sizeof(uncut_tables[0]);
		 i++)
		if (strcmp(cat->table, uncut_tables[i]) == 0)
			return true;
	for (int f = 0; ok && f < cat->nfields; f++)
	{
		const CatalogField *cf = &cat->fields[f];
		const char *kept;

		snprintf(own, sizeof(own), "%s.%s", cat->table, cf->name);
		kept = kept_table(own);
		if (kept == NULL && cf->refs)
			kept = kept_table(cf->refs);
		if (kept == NULL)
			continue;
		ok = buf_puts(sql, sep) && buf_putc(sql, '(') &&
			put_ident(sql, ex, cf->name) && buf_puts(sql, " IS NULL OR ") &&
			put_ident(sql, ex, cf->name) &&
			buf_puts(sql, " IN (SELECT id FROM pg_temp.") &&
			buf_puts(sql, kept) && buf_puts(sql, "))");
		sep = " AND ";
	}
	if (ok && strcmp(cat->table, "calendar") == 0)
		ok = put_bound(sql, &sep, "end_date", ">=", ex->opt->from) &&
			put_bound(sql, &sep, "start_date", "<=", ex->opt->to);
	if (ok && strcmp(cat->table, "calendar_dates") == 0)
		ok = put_bound(sql, &sep, "date", ">=", ex->opt->from) &&
			put_bound(sql, &sep, "date", "<=", ex->opt->to);
	return ok;
}

/*
 * The COPY of locations.geojson: one line per feature, between the
 * collection's opening and closing, from the table locations.
 */
static bool
put_geojson_copy(Buf *sql, const Export *ex)
{
	return buf_puts(sql, "COPY (SELECT line FROM (SELECT 0 AS part, NULL::"
					"text AS id, '{\"type\":\"FeatureCollection\",\"features"
					"\":[' AS line UNION ALL SELECT 1, id, CASE WHEN "
					"row_number() OVER (ORDER BY id) > 1 THEN ',' ELSE '' "
					"END || pg_catalog.json_build_object('type', 'Feature', "
					"'id', id, 'properties', properties, 'geometry', ") &&
		put_template(sql, ex, "@g.ST_AsGeoJSON(CASE WHEN @g.ST_SRID(geom) "
					 "= 4326 THEN geom ELSE @g.ST_Transform(geom, 4326) END,"
					 " 17)::json)::text FROM @s.locations UNION ALL SELECT "
					 "2, NULL, ']}') AS parts ORDER BY part, id) TO STDOUT");
}

/* Fills m with copies of file, copy and header (NULL: none). */
static bool
member_set(Member *m, const char *file, const char *copy, const char *header)
{
	m->file = strdup(file);
	m->copy = strdup(copy);
	m->header = header ? strdup(header) : NULL;
	return m->file && m->copy && (header == NULL || m->header);
}

/*
 * Reads import_files into ex->members: per file its table, columns,
 * header names and column types.  False (logged) when the feed cannot be
 * written back: a table or a column is gone.
 */
static bool
read_members(Export *ex)
{
	const char *params[1];
	PGresult   *res;
	Buf			sql,
				copy,
				header;
	bool		ok;
	int			n;

	buf_init(&sql, SQL_MAX);
	ok = buf_puts(&sql, "SELECT f.file, f.\"table\", c.col, c.head, "
				  "pg_catalog.format_type(a.atttypid, NULL), "
				  "r.oid IS NOT NULL, f.columns IS NULL, "
				  "x.attname IS NOT NULL FROM ") &&
		put_template(&sql, ex, "@s.import_files f ") &&
		buf_puts(&sql, "LEFT JOIN (pg_catalog.pg_class r JOIN "
				 "pg_catalog.pg_namespace s ON s.oid = r.relnamespace "
				 "AND s.nspname = $1) ON r.relname = f.\"table\" "
				 "LEFT JOIN LATERAL ROWS FROM (pg_catalog.unnest(f.columns), "
				 "pg_catalog.unnest(f.header)) "
				 "WITH ORDINALITY AS c(col, head, n) ON true "
				 "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid "
				 "AND a.attname = c.col AND NOT a.attisdropped "
				 "LEFT JOIN pg_catalog.pg_attribute x ON x.attrelid = r.oid "
				 "AND x.attname = '" DDL_EXTRA_COLUMN "' AND NOT x.attisdropped "
				 "AND x.atttypid = 'pg_catalog.jsonb'::pg_catalog.regtype "
				 "ORDER BY f.file, c.n");
	params[0] = ex->opt->schema;
	res = ok ? db_query(ex->conn, sql.data, 1, params) : NULL;
	buf_free(&sql);
	if (res == NULL)
	{
		ex->db_failed = true;
		return false;
	}
	n = PQntuples(res);
	ex->members = calloc((size_t) n + 1, sizeof(Member));
	ok = ex->members != NULL;
	buf_init(&copy, SQL_MAX);
	buf_init(&header, SQL_MAX);
	for (int i = 0; ok && i < n; i++)
	{
		const char *file = PQgetvalue(res, i, 0);
		const char *table = PQgetvalue(res, i, 1);
		const char *col = PQgetvalue(res, i, 2);
		const char *type = PQgetvalue(res, i, 4);
		bool		is_null = PQgetisnull(res, i, 4);
		bool		first = i == 0 || strcmp(file, PQgetvalue(res, i - 1, 0));
		bool		last = i == n - 1 || strcmp(file, PQgetvalue(res, i + 1, 0));
		const CatalogFile *cat = catalog_find_file(file);
		Member	   *m = &ex->members[ex->nmembers];

		/* a column of a file of the reference that it lacks is in extra */
		if (cat && PQgetvalue(res, i, 7)[0] == 't' &&
			catalog_find_field(cat, col) < 0)
		{
			type = DDL_EXTRA_COLUMN;
			is_null = false;
		}
		if (PQgetvalue(res, i, 5)[0] != 't')
		{
			log_error("table %s.%s of %s is missing", ex->opt->schema,
					  table, file);
			ok = false;
			break;
		}
		if (PQgetvalue(res, i, 6)[0] == 't')
		{
			/* locations.geojson */
			buf_reset(&copy);
			ok = put_geojson_copy(&copy, ex) &&
				member_set(m, file, copy.data, NULL);
			ex->nmembers += ok;
			continue;
		}
		if (is_null)
		{
			log_error("column \"%s\" of table %s.%s (%s) is missing", col,
					  ex->opt->schema, table, file);
			ok = false;
			break;
		}
		if (first)
		{
			buf_reset(&copy);
			buf_reset(&header);
			ok = buf_puts(&copy, "COPY (SELECT ");
		}
		else
			ok = buf_puts(&copy, ", ") && buf_putc(&header, ',');
		ok = ok && put_value(&copy, ex, col, type, cat &&
							 strcmp(cat->table, "calendar") == 0 ?
							 (strcmp(col, "start_date") == 0 ? '<' :
							  strcmp(col, "end_date") == 0 ? '>' : 0) : 0) &&
			put_csv(&header, PQgetisnull(res, i, 3) ? col :
					PQgetvalue(res, i, 3));
		if (!ok || !last)
			continue;
		ok = buf_puts(&copy, " FROM ") && buf_puts(&copy, ex->schema) &&
			buf_putc(&copy, '.') && put_ident(&copy, ex, table) &&
			put_cut(&copy, ex, cat) &&
			buf_puts(&copy, ") TO STDOUT") &&
			buf_putc(&header, '\n') &&
			member_set(m, file, copy.data, header.data);
		ex->nmembers += ok;
	}
	if (!ok && (copy.lost || header.lost || ex->members == NULL))
		log_error("out of memory");
	buf_free(&copy);
	buf_free(&header);
	PQclear(res);
	return ok;
}

/* Starts the member's COPY; false (logged) on failure. */
static bool
stream_open(Stream *s)
{
	PGresult   *res;

	if (db_canceled())
		return false;
	res = PQexec(s->ex->conn, s->m->copy);
	if (PQresultStatus(res) != PGRES_COPY_OUT)
	{
		db_log_error(s->ex->conn, res, "COPY failed");
		PQclear(res);
		s->ex->db_failed = true;
		return false;
	}
	PQclear(res);
	s->copying = true;
	s->head_pos = 0;
	return true;
}

/* The end of a COPY: its result must be COMMAND_OK. */
static bool
stream_end(Stream *s)
{
	PGresult   *res;
	bool		ok = true;

	while ((res = PQgetResult(s->ex->conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			db_log_error(s->ex->conn, res, "COPY failed");
			ok = false;
		}
		PQclear(res);
	}
	s->copying = false;
	s->finished = ok;
	s->ex->db_failed = s->ex->db_failed || !ok;
	return ok;
}

/* The character that the escape \c of COPY's text format stands for. */
static char
unescape(char c)
{
	switch (c)
	{
		case 'b':
			return '\b';
		case 'f':
			return '\f';
		case 'n':
			return '\n';
		case 'r':
			return '\r';
		case 't':
			return '\t';
		case 'v':
			return '\v';
	}
	return c;
}

/*
 * Whether the field [p, e) of COPY's text format must be quoted in CSV:
 * it holds a comma, a quote or a line end, or starts or ends with a space
 * or a tab (which the CSV reader would trim).
 */
static bool
needs_quotes(const char *p, const char *e)
{
	if (p < e && (*p == ' ' || (p[0] == '\\' && e - p > 1 && p[1] == 't')))
		return true;
	if (p < e && (e[-1] == ' ' || (e - p > 1 && e[-2] == '\\' &&
									e[-1] == 't')))
		return true;
	for (; p < e; p++)
	{
		if (*p == ',' || *p == '"')
			return true;
		if (*p == '\\' && p + 1 < e)
		{
			p++;
			if (*p == 'n' || *p == 'r')
				return true;
		}
	}
	return false;
}

/*
 * Appends a row of COPY's text format, row[0..len) (its fields separated
 * by tabs, escaped with backslashes, NULL as \N, ending in a line end),
 * to out as a CSV record: NULL is an empty field, and a field is quoted
 * only where CSV needs it.  as_csv false: the fields unescaped, as they
 * are.  False when out is full.
 */
static bool
put_record(Buf *out, const char *row, size_t len, bool as_csv)
{
	const char *end = row + len;
	const char *p = row;
	bool		ok = true;

	if (end > row && end[-1] == '\n')
		end--;
	while (ok)
	{
		const char *e = memchr(p, '\t', (size_t) (end - p));
		bool		quote;

		if (e == NULL)
			e = end;
		if (e - p == 2 && p[0] == '\\' && p[1] == 'N')
			p = e;
		quote = as_csv && needs_quotes(p, e);
		ok = !quote || buf_putc(out, '"');
		for (; ok && p < e; p++)
		{
			char		c = *p;

			if (c == '\\' && p + 1 < e)
				c = unescape(*++p);
			ok = (!quote || c != '"' || buf_putc(out, '"')) &&
				buf_putc(out, c);
		}
		ok = ok && (!quote || buf_putc(out, '"'));
		if (e == end)
			break;
		ok = ok && buf_putc(out, ',');
		p = e + 1;
	}
	return ok && buf_putc(out, '\n');
}

/*
 * Up to n bytes of the member: its header, then its rows.  The count,
 * 0 at the end, -1 (logged) when the server failed.
 */
static long
stream_read(Stream *s, char *out, size_t n)
{
	size_t		got = 0;

	while (got < n)
	{
		const char *head = s->m->header ? s->m->header : "";
		size_t		head_len = strlen(head);
		size_t		k;
		char	   *row = NULL;
		int			len;
		bool		ok;

		if (s->head_pos < head_len)
		{
			k = head_len - s->head_pos < n - got ?
				head_len - s->head_pos : n - got;
			memcpy(out + got, head + s->head_pos, k);
			s->head_pos += k, got += k;
			continue;
		}
		if (s->row_pos < s->row.len)
		{
			k = s->row.len - s->row_pos < n - got ?
				s->row.len - s->row_pos : n - got;
			memcpy(out + got, s->row.data + s->row_pos, k);
			s->row_pos += k, got += k;
			continue;
		}
		if (!s->copying)
			break;
		buf_reset(&s->row);
		s->row_pos = 0;
		len = PQgetCopyData(s->ex->conn, &row, 0);
		if (len > 0)
		{
			ok = put_record(&s->row, row, (size_t) len, s->m->header != NULL);
			PQfreemem(row);
			if (!ok)
			{
				log_error("%s: a row of more than %d bytes, or out of memory",
						  s->m->file, ROW_MAX);
				return -1;
			}
			s->ex->rows++;
			continue;
		}
		if (len == -1 && stream_end(s))
			continue;
		if (len == -2)
		{
			db_log_error(s->ex->conn, NULL, "COPY failed");
			s->ex->db_failed = true;
		}
		return -1;
	}
	return (long) got;
}

/* Frees what the stream holds; an unfinished COPY is left to PQfinish. */
static void
stream_close(Stream *s)
{
	buf_free(&s->row);
	s->row_pos = 0;
}

/* libzip's side of a member: see zip_source_function(3). */
static zip_int64_t
member_source(void *userdata, void *data, zip_uint64_t len,
			  zip_source_cmd_t cmd)
{
	Stream	   *s = userdata;
	long		n;

	switch (cmd)
	{
		case ZIP_SOURCE_OPEN:
			if (stream_open(s))
				return 0;
			zip_error_set(&s->error, ZIP_ER_READ, EIO);
			return -1;
		case ZIP_SOURCE_READ:
			n = stream_read(s, data, len);
			if (n >= 0)
				return n;
			zip_error_set(&s->error, ZIP_ER_READ, EIO);
			return -1;
		case ZIP_SOURCE_CLOSE:
			stream_close(s);
			return 0;
		case ZIP_SOURCE_STAT:
			{
				zip_stat_t *st = data;

				zip_stat_init(st);
				st->mtime = s->ex->mtime;
				st->valid |= ZIP_STAT_MTIME;
				return sizeof(*st);
			}
		case ZIP_SOURCE_ERROR:
			return zip_error_to_data(&s->error, data, len);
		case ZIP_SOURCE_FREE:
			stream_close(s);
			zip_error_fini(&s->error);
			free(s);
			return 0;
		case ZIP_SOURCE_SUPPORTS:
			return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
												  ZIP_SOURCE_READ,
												  ZIP_SOURCE_CLOSE,
												  ZIP_SOURCE_STAT,
												  ZIP_SOURCE_ERROR,
												  ZIP_SOURCE_FREE, -1);
		default:
			zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
			return -1;
	}
}

/* A new stream of member m; NULL (logged) when out of memory. */
static Stream *
stream_new(Export *ex, const Member *m)
{
	Stream	   *s = calloc(1, sizeof(Stream));

	if (s == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	s->ex = ex;
	s->m = m;
	buf_init(&s->row, ROW_MAX);
	zip_error_init(&s->error);
	return s;
}

/*
 * Writes every member into the zip file path: libzip writes it under a
 * temporary name beside path, renamed over it by zip_close, and removed
 * when zip_close fails.  shown names path in messages.
 */
static bool
write_zip(Export *ex, const char *path, const char *shown)
{
	zip_t	   *za;
	int			error = 0;

	za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &error);
	if (za == NULL)
	{
		zip_error_t ze;

		zip_error_init_with_code(&ze, error);
		log_error("could not create \"%s\": %s", shown, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return false;
	}
	for (int i = 0; i < ex->nmembers; i++)
	{
		Stream	   *s = stream_new(ex, &ex->members[i]);
		zip_source_t *src = s ? zip_source_function(za, member_source, s) :
			NULL;

		if (s && src == NULL)
			free(s);
		zip_int64_t idx = src ? zip_file_add(za, ex->members[i].file, src,
											 ZIP_FL_ENC_UTF_8) : -1;

		/* libzip's default is level 9: thrice the time of zip's 6 */
		if (idx < 0 ||
			zip_set_file_compression(za, (zip_uint64_t) idx, ZIP_CM_DEFLATE,
									 ZIP_LEVEL) < 0)
		{
			if (src && idx < 0)
				zip_source_free(src);	/* else the archive's */
			log_error("could not add %s to \"%s\": %s", ex->members[i].file,
					  shown, zip_strerror(za));
			zip_discard(za);
			return false;
		}
	}
	if (zip_close(za) != 0)
	{
		/* the server's failure is said already */
		if (!ex->db_failed && !db_canceled())
			log_error("could not write \"%s\": %s", shown, zip_strerror(za));
		zip_discard(za);
		return false;
	}
	return true;
}

/* Copies the file at path to stdout; false (logged) on error. */
static bool
copy_to_stdout(const char *path)
{
	char	   *chunk = malloc(WRITE_CHUNK);
	FILE	   *in = fopen(path, "rb");
	size_t		n;
	bool		ok = chunk != NULL && in != NULL;

	while (ok && (n = fread(chunk, 1, WRITE_CHUNK, in)) > 0)
		ok = fwrite(chunk, 1, n, stdout) == n;
	ok = ok && !ferror(in) && fflush(stdout) == 0;
	if (!ok)
		log_error("could not write the zip to stdout: %s", strerror(errno));
	if (in)
		fclose(in);
	free(chunk);
	return ok;
}

/*
 * "-": libzip writes only to files it can seek in, so the zip is made in
 * a temporary file of TMPDIR, then copied to stdout and removed.
 */
static bool
write_stdout(Export *ex)
{
	const char *dir = getenv("TMPDIR");
	char		path[4096];
	int			fd;
	bool		ok;

	snprintf(path, sizeof(path), "%s/pgsql2gtfs.XXXXXX",
			 dir && dir[0] ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
	{
		log_error("could not create a temporary file in %s: %s",
				  dir && dir[0] ? dir : "/tmp", strerror(errno));
		return false;
	}
	close(fd);
	ok = write_zip(ex, path, "stdout") && copy_to_stdout(path);
	unlink(path);
	return ok;
}

/*
 * Writes member m into folder dir as a plain file, under a temporary
 * name renamed at the end.
 */
static bool
write_plain(Export *ex, const Member *m, const char *dir, char *chunk)
{
	char		tmp[4096],
				path[4096];
	Stream		s = {.ex = ex, .m = m};
	FILE	   *out = NULL;
	long		n = 0;
	int			fd;
	bool		ok;

	snprintf(path, sizeof(path), "%s/%s", dir, m->file);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, m->file);
	fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0644);
	out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (out == NULL)
	{
		log_error("could not create a file in \"%s\": %s", dir,
				  strerror(errno));
		if (fd >= 0)
			close(fd);
		if (fd >= 0)
			unlink(tmp);
		return false;
	}
	buf_init(&s.row, ROW_MAX);
	ok = stream_open(&s);
	while (ok && (n = stream_read(&s, chunk, WRITE_CHUNK)) > 0)
		if (fwrite(chunk, 1, (size_t) n, out) != (size_t) n)
		{
			log_error("could not write \"%s\": %s", path, strerror(errno));
			ok = false;
		}
	ok = ok && n == 0;
	stream_close(&s);
	if (fclose(out) != 0 && ok)
	{
		log_error("could not write \"%s\": %s", path, strerror(errno));
		ok = false;
	}
	if (ok && rename(tmp, path) != 0)
	{
		log_error("could not rename \"%s\": %s", tmp, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	return ok;
}

/* Writes every member as a plain file of the folder dir, made if need be. */
static bool
write_folder(Export *ex, const char *dir)
{
	char	   *chunk;
	bool		ok = true;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
	{
		log_error("could not create folder \"%s\": %s", dir, strerror(errno));
		return false;
	}
	chunk = malloc(WRITE_CHUNK);
	if (chunk == NULL)
	{
		log_error("out of memory");
		return false;
	}
	for (int i = 0; ok && i < ex->nmembers; i++)
		ok = write_plain(ex, &ex->members[i], dir, chunk);
	free(chunk);
	return ok;
}

/*
 * Whether a file can be made beside path (a zip's temporary file), found
 * before anything is asked of the server; logged when not.
 */
static bool
output_writable(const char *path)
{
	char		probe[4096];
	const char *slash = strrchr(path, '/');
	int			fd;

	if (slash == NULL)
		snprintf(probe, sizeof(probe), ".pgsql2gtfs.XXXXXX");
	else
		snprintf(probe, sizeof(probe), "%.*s/.pgsql2gtfs.XXXXXX",
				 (int) (slash - path), path);
	fd = mkstemp(probe);
	if (fd < 0)
	{
		log_error("could not write \"%s\": %s", path, strerror(errno));
		return false;
	}
	close(fd);
	unlink(probe);
	return true;
}

/*
 * The feed's schema into opt->schema's place: from the registry when a
 * feed id is given.  Then it must be a feed gtfs2pgsql loaded, with
 * import_files.  Returns the schema's name (PQfreemem-able copy held in
 * *name), or false (logged).
 */
static bool
find_feed(Export *ex, char **name)
{
	const char *params[1];
	PGresult   *res;
	bool		ok;

	*name = NULL;
	if (ex->opt->schema == NULL)
	{
		params[0] = ex->opt->feed_id;
		res = db_query(ex->conn, "SELECT pg_catalog.to_regclass("
					   "'gtfs2pgsql.feeds') IS NOT NULL", 0, NULL);
		ok = res != NULL && PQgetvalue(res, 0, 0)[0] == 't';
		if (res != NULL && !ok)
			log_error("no feed \"%s\": this database has no feed "
					  "registry (gtfs2pgsql.feeds)", params[0]);
		PQclear(res);
		res = ok ? db_query(ex->conn, "SELECT schema_name FROM "
							"gtfs2pgsql.feeds WHERE feed_id = $1", 1,
							params) : NULL;
		if (res == NULL)
			return false;
		if (PQntuples(res) == 0)
			log_error("no feed \"%s\" in gtfs2pgsql.feeds", params[0]);
		else
			*name = strdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (*name == NULL)
			return false;
	}
	else if ((*name = strdup(ex->opt->schema)) == NULL)
		return false;
	params[0] = *name;
	res = db_query(ex->conn,
				   "SELECT coalesce(pg_catalog.obj_description(n.oid, "
				   "'pg_namespace') LIKE 'gtfs2pgsql feed%', false), "
				   "pg_catalog.to_regclass(pg_catalog.format('%I.%I', "
				   "n.nspname, 'import_files')) IS NOT NULL, "
				   "(SELECT pg_catalog.quote_ident(e.nspname) "
				   "FROM pg_catalog.pg_extension x JOIN pg_catalog."
				   "pg_namespace e ON e.oid = x.extnamespace "
				   "WHERE x.extname = 'postgis') "
				   "FROM pg_catalog.pg_namespace n WHERE n.nspname = $1",
				   1, params);
	if (res == NULL)
	{
		ex->db_failed = true;
		return false;
	}
	ok = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't' &&
		PQgetvalue(res, 0, 1)[0] == 't';
	if (PQntuples(res) == 0)
		log_error("schema \"%s\" does not exist", *name);
	else if (PQgetvalue(res, 0, 0)[0] != 't')
		log_error("schema \"%s\" is not a feed loaded by gtfs2pgsql", *name);
	else if (!ok)
	{
		log_error("the feed in schema \"%s\" has no import_files table",
				  *name);
		log_hint("it was loaded by an older gtfs2pgsql: load it again");
	}
	if (ok && !PQgetisnull(res, 0, 2))
		ex->postgis = strdup(PQgetvalue(res, 0, 2));
	PQclear(res);
	return ok;
}

/* The trips a cut keeps into pg_temp.k_trips, then what they use. */
static bool
cut_tables(Export *ex)
{
	const ExportOptions *o = ex->opt;
	Buf			sql;
	Buf			routes;
	const char *params[1];
	PGresult   *res;
	char		box[200];
	bool		ok;

	buf_init(&sql, SQL_MAX);
	buf_init(&routes, SQL_MAX);
	ok = put_template(&sql, ex, "CREATE TEMP TABLE k_trips ON COMMIT DROP "
					  "AS SELECT trip_id AS id FROM @s.trips WHERE true");
	if (ok && (o->from || o->to))
		ok = put_template(&sql, ex, " AND service_id IN (SELECT service_id "
						  "FROM @s.service_days WHERE true") &&
			(!o->from || (buf_puts(&sql, " AND date >= DATE '") &&
						  buf_puts(&sql, o->from) && buf_putc(&sql, '\''))) &&
			(!o->to || (buf_puts(&sql, " AND date <= DATE '") &&
						buf_puts(&sql, o->to) && buf_putc(&sql, '\''))) &&
			buf_putc(&sql, ')');
	if (ok && o->bbox)
	{
		snprintf(box, sizeof(box), "stop_lon BETWEEN %.17g AND %.17g AND "
				 "stop_lat BETWEEN %.17g AND %.17g", o->box[0], o->box[2],
				 o->box[1], o->box[3]);
		ok = put_template(&sql, ex, " AND trip_id IN (SELECT trip_id FROM "
						  "@s.stop_times WHERE stop_id IN (SELECT stop_id "
						  "FROM @s.stops WHERE ") &&
			buf_puts(&sql, box) && buf_puts(&sql, "))");
	}
	/* the routes as a text[] literal: {"a","b\"c"} */
	ok = ok && buf_putc(&routes, '{');
	for (int i = 0; ok && i < o->nroutes; i++)
	{
		ok = buf_puts(&routes, i ? ",\"" : "\"");
		for (const char *p = o->routes[i]; ok && *p; p++)
			ok = ((*p != '"' && *p != '\\') || buf_putc(&routes, '\\')) &&
				buf_putc(&routes, *p);
		ok = ok && buf_putc(&routes, '"');
	}
	ok = ok && buf_putc(&routes, '}');
	if (ok && o->nroutes > 0)
		ok = buf_puts(&sql, " AND route_id = ANY ($1::text[])");
	params[0] = routes.data;
	if (ok)
	{
		res = PQexecParams(ex->conn, sql.data, o->nroutes > 0, NULL, params,
						   NULL, NULL, 0);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			db_log_error(ex->conn, res, "could not cut the feed");
		PQclear(res);
	}
	else
		log_error("out of memory");
	for (size_t i = 0; ok && i < sizeof(kept_sql) / sizeof(kept_sql[0]); i++)
	{
		buf_reset(&sql);
		ok = put_template(&sql, ex, kept_sql[i]) && db_exec(ex->conn, sql.data);
	}
	ex->db_failed = !ok;
	buf_free(&sql);
	buf_free(&routes);
	return ok;
}

/* Whether s names a folder: it ends in "/" or is one. */
static bool
is_folder(const char *s)
{
	struct stat st;
	size_t		len = strlen(s);

	return (len > 0 && s[len - 1] == '/') ||
		(stat(s, &st) == 0 && S_ISDIR(st.st_mode));
}

ExportStatus
export_feed(PGconn *conn, const ExportOptions *opt, long long *rows,
			int *files)
{
	Export		ex = {.conn = conn, .mtime = time(NULL)};
	ExportOptions resolved = *opt;
	char	   *name = NULL;
	bool		folder = opt->to_folder || is_folder(opt->output);
	bool		ok;

	*rows = 0;
	*files = 0;
	ex.opt = &resolved;
	if (!folder && strcmp(opt->output, "-") != 0 &&
		!output_writable(opt->output))
		return EXPORT_BAD_INPUT;
	/* one snapshot for every file */
	ok = db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ") &&
		db_exec(conn, "SELECT pg_catalog.set_config('extra_float_digits', "
				"'1', true)");
	ex.db_failed = !ok;
	ok = ok && find_feed(&ex, &name);
	resolved.schema = name;
	ex.schema = ok ? db_ident(conn, name) : NULL;
	ok = ok && ex.schema != NULL && read_members(&ex) &&
		(!is_cut(opt) || cut_tables(&ex));
	if (ok && folder)
		ok = write_folder(&ex, opt->output);
	else if (ok && strcmp(opt->output, "-") == 0)
		ok = write_stdout(&ex);
	else if (ok)
		ok = write_zip(&ex, opt->output, opt->output);
	/* the transaction only read: its end is no news */
	PQclear(PQexec(conn, ok ? "COMMIT" : "ROLLBACK"));
	*rows = ex.rows;
	*files = ex.nmembers;
	for (int i = 0; i < ex.nmembers; i++)
	{
		free(ex.members[i].file);
		free(ex.members[i].copy);
		free(ex.members[i].header);
	}
	free(ex.members);
	free(ex.postgis);
	PQfreemem(ex.schema);
	free(name);
	return ok ? EXPORT_OK : ex.db_failed ? EXPORT_DB_FAILED :
		EXPORT_BAD_INPUT;
}
