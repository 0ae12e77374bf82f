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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "buf.h"
#include "catalog.h"
#include "copy.h"
#include "db.h"
#include "ddl.h"
#include "log.h"
#include "timetable.h"
#include "trust.h"

#define SQL_MAX			(4 * 1024 * 1024)
#define ROW_MAX			(1024 * 1024 * 1024)	/* bytes of one row */
#define WRITE_CHUNK		(64 * 1024)	/* bytes read from a COPY at once */
#define ZIP_LEVEL		6		/* deflate's level, as zip's default */
#define LOCK_TRIES		5		/* the feed changed between its lookup and
								 * its lock */

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
	char	   *copy;			/* the COPY statement, or NULL: an empty
								 * member, written back empty */
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
	/* an empty date stays empty: GREATEST and LEAST skip NULLs */
	if (strcmp(type, "date") == 0 && clip && bound)
		return buf_puts(sql, "pg_catalog.to_char(") &&
			buf_puts(sql, clip == '<' ? "GREATEST(" : "LEAST(") &&
			put_ident(sql, ex, col) && buf_puts(sql, ", CASE WHEN ") &&
			put_ident(sql, ex, col) && buf_puts(sql, " IS NOT NULL THEN DATE '") &&
			buf_puts(sql, bound) && buf_puts(sql, "' END), 'YYYYMMDD')");
	if (strcmp(type, "date") == 0)
		return buf_puts(sql, "pg_catalog.to_char(") &&
			put_ident(sql, ex, col) && buf_puts(sql, ", 'YYYYMMDD')");
	/* hours as many digits as they take (105:32:00), at least two */
	if (strcmp(type, "interval") == 0)
		return buf_puts(sql, "(CASE WHEN ") && put_ident(sql, ex, col) &&
			buf_puts(sql, " < INTERVAL '10:00:00' THEN '0' ELSE '' END || "
					 "(pg_catalog.date_part('epoch', ") &&
			put_ident(sql, ex, col) &&
			buf_puts(sql, ")::bigint / 3600)::text || pg_catalog.to_char(") &&
			put_ident(sql, ex, col) && buf_puts(sql, ", ':MI:SS'))");
	return put_ident(sql, ex, col);
}

/*
 * How a cut clips column col of cat's table (see put_value): the dates of
 * a calendar line and the feed's own period in feed_info, so that neither
 * claims days the cut left out.  0: not clipped.
 */
static char
date_clip(const CatalogFile *cat, const char *col)
{
	if (cat == NULL)
		return 0;
	if (strcmp(cat->table, "calendar") == 0)
		return strcmp(col, "start_date") == 0 ? '<' :
			strcmp(col, "end_date") == 0 ? '>' : 0;
	if (strcmp(cat->table, "feed_info") == 0)
		return strcmp(col, "feed_start_date") == 0 ? '<' :
			strcmp(col, "feed_end_date") == 0 ? '>' : 0;
	return 0;
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

/* Fills m with copies of file, copy and header (each NULL: none). */
static bool
member_set(Member *m, const char *file, const char *copy, const char *header)
{
	m->file = strdup(file);
	m->copy = copy ? strdup(copy) : NULL;
	m->header = header ? strdup(header) : NULL;
	return m->file && (copy == NULL || m->copy) &&
		(header == NULL || m->header);
}

/*
 * Reads import_files into ex->members: per file its table, columns,
 * header names and column types.  False (logged) when the feed cannot be
 * written back: a table or a column is gone.
 */
/*
 * Whether file, a name import_files gives, is a plain name of a member at
 * a zip's root, as the loader records them: written beside the others in
 * OUTPUT or in the zip, it names nothing elsewhere (no "/", "\\", "..",
 * control character).  Logs a refusal when not.
 */
static bool
member_name_ok(const char *file)
{
	size_t		len = strlen(file);
	bool		ok = len > 0 && len <= 255 && strcmp(file, ".") != 0 &&
		strcmp(file, "..") != 0;

	for (const char *p = file; ok && *p; p++)
		ok = *p != '/' && *p != '\\' && (unsigned char) *p >= 0x20 &&
			*p != 0x7F;
	if (!ok)
	{
		log_error("refusing to export a file named \"%s\" in import_files: "
				  "it is not a plain file name", file);
		log_hint("the loader records only the names of members at the "
				 "feed's root; someone changed the table");
	}
	return ok;
}

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
				  "x.attname IS NOT NULL, "
				  "pg_catalog.cardinality(f.columns) = 0 FROM ") &&
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

		if (first && !member_name_ok(file))
		{
			ok = false;
			break;
		}
		if (PQgetvalue(res, i, 8)[0] == 't')
		{
			/* a member of 0 bytes (gtfs2pgsql records it so): no table */
			ok = member_set(m, file, NULL, NULL);
			ex->nmembers += ok;
			continue;
		}
		/*
		 * A column of a file of the reference that it lacks is in extra;
		 * so is one of another file that its table lacks (past the text
		 * columns of a wide file)
		 */
		if (PQgetvalue(res, i, 7)[0] == 't' &&
			(cat ? catalog_find_field(cat, col) < 0 : is_null))
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
		ok = ok && put_value(&copy, ex, col, type, date_clip(cat, col)) &&
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

	s->head_pos = 0;
	if (s->m->copy == NULL)
		return true;			/* an empty member: nothing to read */
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

/*
 * Frees what the stream holds.  A COPY its writer left unfinished (a
 * write failed) is canceled, so that the server stops and conn takes the
 * ROLLBACK.
 */
static void
stream_close(Stream *s)
{
	if (s->copying)
		copy_out_cancel(s->ex->conn);
	s->copying = false;
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
 * The zip's side of the archive: libzip writes it through this source
 * into the temporary file z->fd, which the caller made (and removes), so
 * that a signal handler knows its name; libzip's own file sources would
 * write under a name of their own.  See zip_source_function(3).
 */
typedef struct
{
	int			fd;
	zip_error_t error;
} ZipFile;

static zip_int64_t
zip_file_source(void *userdata, void *data, zip_uint64_t len,
				zip_source_cmd_t cmd)
{
	ZipFile    *z = userdata;
	zip_source_args_seek_t *args;
	struct stat st;
	ssize_t		n;
	off_t		pos;

	switch (cmd)
	{
		case ZIP_SOURCE_OPEN:
		case ZIP_SOURCE_CLOSE:
		case ZIP_SOURCE_COMMIT_WRITE:
			return 0;
		case ZIP_SOURCE_BEGIN_WRITE:
		case ZIP_SOURCE_ROLLBACK_WRITE:
		case ZIP_SOURCE_REMOVE:
			if (ftruncate(z->fd, 0) == 0 && lseek(z->fd, 0, SEEK_SET) == 0)
				return 0;
			zip_error_set(&z->error, ZIP_ER_WRITE, errno);
			return -1;
		case ZIP_SOURCE_READ:
			n = read(z->fd, data, len);
			if (n >= 0)
				return n;
			zip_error_set(&z->error, ZIP_ER_READ, errno);
			return -1;
		case ZIP_SOURCE_WRITE:
			for (zip_uint64_t done = 0; done < len; done += (zip_uint64_t) n)
			{
				n = write(z->fd, (char *) data + done, len - done);
				if (n < 0 && errno == EINTR)
					n = 0;
				else if (n < 0)
				{
					zip_error_set(&z->error, ZIP_ER_WRITE, errno);
					return -1;
				}
			}
			return (zip_int64_t) len;
		case ZIP_SOURCE_SEEK:
		case ZIP_SOURCE_SEEK_WRITE:
			args = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len,
									   &z->error);
			if (args == NULL)
				return -1;
			if (lseek(z->fd, (off_t) args->offset, args->whence) >= 0)
				return 0;
			zip_error_set(&z->error, ZIP_ER_SEEK, errno);
			return -1;
		case ZIP_SOURCE_TELL:
		case ZIP_SOURCE_TELL_WRITE:
			pos = lseek(z->fd, 0, SEEK_CUR);
			if (pos >= 0)
				return (zip_int64_t) pos;
			zip_error_set(&z->error, ZIP_ER_TELL, errno);
			return -1;
		case ZIP_SOURCE_STAT:
			if (fstat(z->fd, &st) != 0)
			{
				zip_error_set(&z->error, ZIP_ER_READ, errno);
				return -1;
			}
			zip_stat_init(data);
			((zip_stat_t *) data)->size = (zip_uint64_t) st.st_size;
			((zip_stat_t *) data)->valid |= ZIP_STAT_SIZE;
			return sizeof(zip_stat_t);
		case ZIP_SOURCE_ERROR:
			return zip_error_to_data(&z->error, data, len);
		case ZIP_SOURCE_FREE:
			return 0;
		case ZIP_SOURCE_SUPPORTS:
			return ZIP_SOURCE_SUPPORTS_WRITABLE;
		default:
			zip_error_set(&z->error, ZIP_ER_OPNOTSUPP, 0);
			return -1;
	}
}

/*
 * Writes every member as a zip into the empty file fd (through
 * zip_file_source).  shown names it in messages.
 */
static bool
write_zip(Export *ex, int fd, const char *shown)
{
	ZipFile		file = {.fd = fd};
	zip_error_t error;
	zip_source_t *out;
	zip_t	   *za = NULL;
	bool		ok;

	zip_error_init(&file.error);
	zip_error_init(&error);
	out = zip_source_function_create(zip_file_source, &file, &error);
	if (out)
		za = zip_open_from_source(out, ZIP_CREATE | ZIP_TRUNCATE, &error);
	if (za == NULL)
	{
		log_error("could not create \"%s\": %s", shown,
				  zip_error_strerror(&error));
		zip_source_free(out);
		zip_error_fini(&error);
		zip_error_fini(&file.error);
		return false;
	}
	zip_error_fini(&error);
	ok = true;
	for (int i = 0; ok && i < ex->nmembers; i++)
	{
		Stream	   *s = stream_new(ex, &ex->members[i]);
		zip_source_t *src = s ? zip_source_function(za, member_source, s) :
			NULL;
		zip_int64_t idx;

		if (s && src == NULL)
			free(s);
		idx = src ? zip_file_add(za, ex->members[i].file, src,
								 ZIP_FL_ENC_UTF_8) : -1;
		/* libzip's default is level 9: thrice the time of zip's 6 */
		ok = idx >= 0 &&
			zip_set_file_compression(za, (zip_uint64_t) idx, ZIP_CM_DEFLATE,
									 ZIP_LEVEL) == 0;
		if (!ok && src && idx < 0)
			zip_source_free(src);	/* else the archive's */
		if (!ok)
			log_error("could not add %s to \"%s\": %s", ex->members[i].file,
					  shown, zip_strerror(za));
	}
	if (ok && zip_close(za) != 0)
	{
		/* the server's failure is said already */
		if (!ex->db_failed)
			log_error("could not write \"%s\": %s", shown, zip_strerror(za));
		ok = false;
	}
	if (!ok)
		zip_discard(za);
	zip_error_fini(&file.error);
	return ok;
}

/* Copies the file fd to stdout; false (logged) on error. */
static bool
copy_to_stdout(int fd)
{
	char	   *chunk = malloc(WRITE_CHUNK);
	ssize_t		n = 0;
	bool		ok = chunk != NULL && lseek(fd, 0, SEEK_SET) == 0;

	while (ok && (n = read(fd, chunk, WRITE_CHUNK)) > 0)
		for (ssize_t done = 0, k; ok && done < n; done += k)
		{
			k = write(STDOUT_FILENO, chunk + done, (size_t) (n - done));
			if (k < 0 && errno == EINTR)
				k = 0;
			ok = k >= 0;
		}
	ok = ok && n == 0;
	if (!ok)
		log_error("could not write the zip to stdout: %s",
				  chunk ? strerror(errno) : "out of memory");
	free(chunk);
	return ok;
}

/*
 * Writes member m as the plain file of folder dir, a folder that is ours
 * alone; chunk holds WRITE_CHUNK bytes.
 */
static bool
write_plain(Export *ex, const Member *m, const char *dir, char *chunk)
{
	char		path[PATH_MAX];
	Stream		s = {.ex = ex, .m = m};
	FILE	   *out;
	long		n = 0;
	bool		ok;

	snprintf(path, sizeof(path), "%s/%s", dir, m->file);
	out = fopen(path, "wbx");
	if (out == NULL)
	{
		log_error("could not create \"%s\": %s", path, strerror(errno));
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
	return ok;
}

/* Writes every member as a plain file of the folder dir, empty and ours. */
static bool
write_folder(Export *ex, const char *dir)
{
	char	   *chunk = malloc(WRITE_CHUNK);
	bool		ok = chunk != NULL;

	if (chunk == NULL)
		log_error("out of memory");
	for (int i = 0; ok && i < ex->nmembers; i++)
		ok = write_plain(ex, &ex->members[i], dir, chunk);
	free(chunk);
	return ok;
}

/*
 * The signals that end the program, and what their handler removes: the
 * temporary zip or folder and its files, paths recorded in advance (a
 * handler may only unlink and rmdir), the last first.
 */
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static char *const *volatile doomed;
static volatile sig_atomic_t ndoomed;
static PGcancel *volatile cancel_handle;
static char canceled_message[128];

static void
on_signal(int sig)
{
	char		errbuf[256];
	ssize_t		n;

	if (cancel_handle != NULL)
		PQcancel(cancel_handle, errbuf, sizeof(errbuf));
	for (int i = ndoomed; i-- > 0;)
		if (unlink(doomed[i]) != 0)
			rmdir(doomed[i]);
	n = write(STDERR_FILENO, canceled_message, strlen(canceled_message));
	(void) n;
	/* ends the program by sig once the handler returns */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Blocks (block true) or unblocks the signals of on_signal. */
static void
block_signals(bool block)
{
	sigset_t	set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		sigaddset(&set, fatal_signals[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * What on_signal removes from now on: paths[0..n), kept by the caller,
 * who blocks the signals meanwhile.
 */
static void
doom(char *const *paths, int n)
{
	doomed = paths;
	ndoomed = n;
}

void
export_catch_signals(PGconn *conn, const char *progname)
{
	struct sigaction sa;

	snprintf(canceled_message, sizeof(canceled_message),
			 "%s: canceled; nothing was written\n", progname);
	cancel_handle = PQgetCancel(conn);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		sigaction(fatal_signals[i], &sa, NULL);
	/* a reader gone: EPIPE, an error like any other */
	signal(SIGPIPE, SIG_IGN);
}

void
export_release_signals(void)
{
	PGcancel   *handle = cancel_handle;

	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		signal(fatal_signals[i], SIG_DFL);
	cancel_handle = NULL;
	PQfreeCancel(handle);
}

/* Where the feed goes, and what is made on the way there. */
typedef struct
{
	const char *shown;			/* OUTPUT in messages */
	char		target[PATH_MAX];	/* the zip or folder replaced ("": stdout) */
	bool		folder;
	bool		exists;			/* target is there */
	int			fd;				/* the zip being written, or -1 */
	char	  **paths;			/* the temporary zip or folder, then the
								 * folder's files: removed on failure */
	int			npaths;
} Output;

/* The mode of a new file (folder: 0777) under the umask. */
static mode_t
new_mode(mode_t mode)
{
	mode_t		mask = umask(0);

	umask(mask);
	return mode & ~mask;
}

/* Appends a copy of path to o->paths; false (logged) when out of memory. */
static bool
add_path(Output *o, const char *dir, const char *name)
{
	size_t		len = strlen(dir) + 1 + strlen(name) + 1;
	char	  **grown = realloc(o->paths, sizeof(char *) * (size_t) (o->npaths + 1));
	char	   *path = malloc(len);

	if (grown)
		o->paths = grown;
	if (grown == NULL || path == NULL)
	{
		free(path);
		log_error("out of memory");
		return false;
	}
	snprintf(path, len, "%s%s%s", dir, name[0] ? "/" : "", name);
	o->paths[o->npaths++] = path;
	return true;
}

/*
 * Whether the existing folder dir may be replaced whole: it holds only
 * the plain files an export writes (*.txt, *.geojson).  Logged when not.
 */
static bool
folder_replaceable(const char *dir)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	bool		ok = d != NULL;

	if (d == NULL)
		log_error("could not open folder \"%s\": %s", dir, strerror(errno));
	while (ok && (e = readdir(d)) != NULL)
	{
		size_t		len = strlen(e->d_name);
		struct stat st;
		char		path[PATH_MAX + NAME_MAX + 2];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ok = lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			((len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) ||
			 (len > 8 && strcmp(e->d_name + len - 8, ".geojson") == 0));
		if (!ok)
		{
			log_error("folder \"%s\" holds \"%s\", which is no file of a "
					  "feed: it is left as it is", dir, e->d_name);
			log_hint("an export replaces the folder whole; give a new or "
					 "empty folder");
		}
	}
	if (d)
		closedir(d);
	return ok;
}

/*
 * Makes the temporary zip or folder of OUTPUT beside it, before anything
 * is asked of the server (so that a failure to write there comes first),
 * and records it for on_signal.  "-": a zip in TMPDIR, removed at once
 * (it has no name left to leave behind).  False (logged).
 */
static bool
output_open(Output *o, const ExportOptions *opt)
{
	const char *dir = getenv("TMPDIR");
	char		tmp[PATH_MAX + 8];
	struct stat st;
	size_t		len = strlen(opt->output);
	int			fd;

	o->fd = -1;
	o->shown = opt->output;
	o->folder = opt->to_folder || (len > 0 && opt->output[len - 1] == '/') ||
		(stat(opt->output, &st) == 0 && S_ISDIR(st.st_mode));
	if (strcmp(opt->output, "-") == 0)
	{
		o->shown = "stdout";
		snprintf(tmp, sizeof(tmp), "%s/pgsql2gtfs.XXXXXX",
				 dir && dir[0] ? dir : "/tmp");
		o->fd = mkstemp(tmp);
		if (o->fd < 0)
			log_error("could not create a temporary file in %s: %s",
					  dir && dir[0] ? dir : "/tmp", strerror(errno));
		else
			unlink(tmp);
		return o->fd >= 0;
	}
	/* the folder without its trailing slashes */
	while (len > 1 && opt->output[len - 1] == '/')
		len--;
	if (len >= sizeof(o->target) - 8)
	{
		log_error("output name too long: \"%s\"", opt->output);
		return false;
	}
	memcpy(o->target, opt->output, len);
	o->target[len] = '\0';
	o->exists = stat(o->target, &st) == 0;
	if (o->folder && o->exists && !folder_replaceable(o->target))
		return false;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->target);
	block_signals(true);
	if (o->folder)
		fd = mkdtemp(tmp) ? 0 : -1;
	else
		fd = o->fd = mkstemp(tmp);
	if (fd < 0)
		log_error("could not write \"%s\": %s", opt->output, strerror(errno));
	else if (!add_path(o, tmp, ""))
	{
		if (o->folder)
			rmdir(tmp);
		else
			unlink(tmp);
		fd = -1;
	}
	doom(o->paths, o->npaths);
	block_signals(false);
	if (fd < 0)
		return false;
	/* the mode OUTPUT had, or a new one's */
	if (o->folder)
		chmod(tmp, o->exists ? st.st_mode & 07777 : new_mode(0777));
	else
		fchmod(o->fd, o->exists ? st.st_mode & 07777 : new_mode(0666));
	return true;
}

/* The files of the temporary folder, recorded for on_signal. */
static bool
output_add_files(Output *o, const Export *ex)
{
	bool		ok = true;

	/* realloc moves the paths that on_signal reads */
	block_signals(true);
	for (int i = 0; ok && o->folder && i < ex->nmembers; i++)
		ok = add_path(o, o->paths[0], ex->members[i].file);
	doom(o->paths, o->npaths);
	block_signals(false);
	return ok;
}

/*
 * Removes the folder dir and its plain files: the folder that OUTPUT
 * replaced.  A warning when it stays.
 */
static void
remove_old_folder(const char *dir, const char *shown)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	char		path[PATH_MAX];

	while (d && (e = readdir(d)) != NULL)
	{
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir) != 0)
		log_warning("the former \"%s\" is left as \"%s\": %s", shown, dir,
					strerror(errno));
}

/*
 * The temporary folder in place of the folder OUTPUT: swapped with it in
 * one step where the file system can (renameat2 RENAME_EXCHANGE), else
 * the old one moved aside first; then the old one removed.
 */
static bool
replace_folder(Output *o)
{
	const char *tmp = o->paths[0];
	char		old[PATH_MAX + 8];

	if (!o->exists)
		return rename(tmp, o->target) == 0;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, o->target, RENAME_EXCHANGE) == 0)
	{
		remove_old_folder(tmp, o->shown);
		return true;
	}
	if (errno != EINVAL && errno != ENOSYS)
		return false;
	snprintf(old, sizeof(old), "%s.XXXXXX", o->target);
	if (mkdtemp(old) == NULL)
		return false;
	if (rename(o->target, old) != 0)
	{
		rmdir(old);
		return false;
	}
	if (rename(tmp, o->target) != 0)
	{
		int			saved = errno;

		rename(old, o->target);
		errno = saved;
		return false;
	}
	remove_old_folder(old, o->shown);
	return true;
}

/*
 * Puts what was written in OUTPUT's place (signals held off meanwhile,
 * so that nothing is removed half-way), or copies it to stdout.  False
 * (logged).
 */
static bool
output_commit(Output *o)
{
	bool		ok;

	if (o->target[0] == '\0')
		return copy_to_stdout(o->fd);
	block_signals(true);
	ok = o->folder ? replace_folder(o) : rename(o->paths[0], o->target) == 0;
	if (ok)
		doom(NULL, 0);
	else
		log_error("could not replace \"%s\": %s", o->shown, strerror(errno));
	block_signals(false);
	return ok;
}

/* Frees o, and removes what it made unless it was committed. */
static void
output_close(Output *o, bool committed)
{
	block_signals(true);
	for (int i = o->npaths; i-- > 0;)
		if (!committed && unlink(o->paths[i]) != 0)
			rmdir(o->paths[i]);
	doom(NULL, 0);
	block_signals(false);
	for (int i = 0; i < o->npaths; i++)
		free(o->paths[i]);
	free(o->paths);
	if (o->fd >= 0)
		close(o->fd);
}

/*
 * SQL: whether the role of oid expression r is one the export trusts to
 * run no code of its own when its objects are read: the current role, a
 * superuser (who could run anything anyway), or the loading role, which
 * owns the registry (a plain table without row-level security: reading
 * it runs nothing), so that a reader role exports the loader's feeds.
 * Its tables are read under a lock that keeps their owner from making
 * them run code meanwhile (row-level security, a view, a column type).
 */
#define TRUSTED(r) \
	"(" r " = " TRUST_ME " OR coalesce(" TRUST_SUPER(r) ", false) " \
	"OR " r " = (SELECT g.relowner FROM pg_catalog.pg_class g " \
	"WHERE g.oid = pg_catalog.to_regclass('gtfs2pgsql.feeds') " \
	"AND g.relkind = 'r' AND NOT g.relrowsecurity))"

/*
 * SQL: what forbids reading the relations named in a text[] expression
 * put between UNSAFE_HEAD and UNSAFE_TAIL (with "@s" for the feed's
 * schema), of schema $1, and their partitions, and schema $1 itself:
 * rows of (object, its owner, why).  A view, a materialized view or a
 * foreign table runs code when read (a function of its query, a
 * wrapper), row-level security its policies; anything owned by a role
 * the export does not trust may be made to; a column of a type neither
 * built in nor PostGIS's may have an implicit cast of its owner's, which
 * a cut's comparisons would run.
 */
#define UNSAFE_HEAD \
	"WITH rels AS (SELECT t.relid FROM pg_catalog.pg_class r " \
	"CROSS JOIN LATERAL (SELECT r.oid AS relid UNION SELECT p.relid " \
	"FROM pg_catalog.pg_partition_tree(r.oid) p) AS t " \
	"WHERE r.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n " \
	"WHERE n.nspname = $1) AND r.relname = ANY ("
#define UNSAFE_TAIL \
	")) " \
	"SELECT 'schema ' || pg_catalog.quote_ident(n.nspname), " \
	"pg_catalog.pg_get_userbyid(n.nspowner), " \
	"'its owner is neither you, a superuser nor the registry''s owner' " \
	"FROM pg_catalog.pg_namespace n WHERE n.nspname = $1 " \
	"AND NOT " TRUSTED("n.nspowner") " " \
	"UNION ALL SELECT c.oid::pg_catalog.regclass::text, " \
	"pg_catalog.pg_get_userbyid(c.relowner), CASE " \
	"WHEN c.relkind NOT IN ('r', 'p') THEN 'it is a ' || CASE c.relkind " \
	"WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' " \
	"WHEN 'f' THEN 'foreign table' ELSE 'relation of kind ' || c.relkind::text " \
	"END || ', which runs code when read' " \
	"WHEN c.relrowsecurity THEN 'it has row-level security, whose " \
	"policies run code when read' " \
	"ELSE 'its owner is neither you, a superuser nor the registry''s owner' END " \
	"FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT rels.relid FROM rels) " \
	"AND (c.relkind NOT IN ('r', 'p') OR c.relrowsecurity " \
	"OR NOT " TRUSTED("c.relowner") ") " \
	"UNION ALL SELECT c.oid::pg_catalog.regclass::text || ' column ' || " \
	"pg_catalog.quote_ident(a.attname), " \
	"pg_catalog.pg_get_userbyid(y.typowner), 'its type ' || " \
	"pg_catalog.format_type(a.atttypid, NULL) || ' is neither built in " \
	"nor PostGIS''s, and a cast or operator of its owner''s would run in " \
	"a comparison' " \
	"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a " \
	"ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
	"JOIN pg_catalog.pg_type y ON y.oid = a.atttypid " \
	"WHERE c.oid IN (SELECT rels.relid FROM rels) " \
	"AND y.typnamespace <> 'pg_catalog'::pg_catalog.regnamespace " \
	"AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d " \
	"JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid " \
	"WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass " \
	"AND d.objid = y.oid AND d.deptype = 'e' " \
	"AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass " \
	"AND e.extname = 'postgis' AND " TRUSTED("e.extowner") ") " \
	"ORDER BY 1"

/* The tables a cut reads beside the files' (kept_sql, cut_tables). */
#define CUT_TABLES \
	"ARRAY['trips', 'stop_times', 'stops', 'routes', 'agency', " \
	"'service_days']"

/*
 * Refuses (logged) to read what UNSAFE_HEAD names UNSAFE_TAIL finds in
 * schema: false when it found anything, or the server failed
 * (ex->db_failed).
 */
static bool
refuse_unsafe(Export *ex, const char *schema, const char *names)
{
	const char *params[1] = {schema};
	Buf			sql;
	PGresult   *res;
	bool		ok;

	buf_init(&sql, SQL_MAX);
	ok = buf_puts(&sql, UNSAFE_HEAD) && put_template(&sql, ex, names) &&
		buf_puts(&sql, UNSAFE_TAIL);
	res = ok ? db_query(ex->conn, sql.data, 1, params) : NULL;
	buf_free(&sql);
	if (res == NULL)
	{
		ex->db_failed = ok;
		if (!ok)
			log_error("out of memory");
		return false;
	}
	for (int i = 0; i < PQntuples(res); i++)
		log_error("refusing to read %s, owned by role %s: %s",
				  PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				  PQgetvalue(res, i, 2));
	if (PQntuples(res) > 0)
		log_hint("pgsql2gtfs reads only tables without row-level security, "
				 "owned by you, a superuser or the owner of the registry");
	ok = PQntuples(res) == 0;
	PQclear(res);
	return ok;
}

/* The first value of the one row of sql, copied, or NULL (logged). */
static char *
query_value(Export *ex, const char *sql, int nparams, const char *const *params,
			bool *is_null)
{
	PGresult   *res = db_query(ex->conn, sql, nparams, params);
	char	   *v = NULL;

	if (res == NULL)
	{
		ex->db_failed = true;
		return NULL;
	}
	*is_null = PQntuples(res) == 0 || PQgetisnull(res, 0, 0);
	v = strdup(*is_null ? "" : PQgetvalue(res, 0, 0));
	if (v == NULL)
		log_error("out of memory");
	PQclear(res);
	return v;
}

/* SQL: the registry's schema of the feed ($1 the id, or $2 the schema). */
#define REGISTRY_SCHEMA \
	"SELECT f.schema_name FROM gtfs2pgsql.feeds f " \
	"WHERE f.feed_id = $1 OR (f.schema_name = $2 AND $1 IS NULL)"

/*
 * SQL: the tables of schema p (a parameter) owned by a trusted role, which the export
 * locks, as a list for LOCK TABLE, then as the text of their oids.
 */
#define FEED_TABLES(p) \
	"SELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ' " \
	"ORDER BY c.oid), pg_catalog.array_agg(c.oid ORDER BY c.oid)::text " \
	"FROM pg_catalog.pg_class c WHERE c.oid IN (" \
	DB_SCHEMA_RELATIONS("(SELECT n.oid FROM pg_catalog.pg_namespace n " \
						"WHERE n.nspname = " p ")") ") " \
	"AND c.relkind IN ('r', 'p') AND " TRUSTED("c.relowner")

#define FEEDS_SHOWN		20		/* feeds named when the one asked is not */

/*
 * Says which feeds the registry has, for a feed id or schema that is none
 * of them: the first FEEDS_SHOWN by id, each with its schema, and how many
 * in all.  The registry is trusted by then (refuse_unsafe).
 */
static void
say_feeds(Export *ex)
{
	char		shown[16];
	const char *params[1] = {shown};
	PGresult   *res;
	long		n;

	snprintf(shown, sizeof(shown), "%d", FEEDS_SHOWN);
	res = db_query(ex->conn,
				   "SELECT (SELECT pg_catalog.count(*) FROM gtfs2pgsql.feeds), "
				   "pg_catalog.string_agg(pg_catalog.format('%s (schema %s)', "
				   "f.feed_id, f.schema_name), ', ' ORDER BY f.feed_id) "
				   "FROM (SELECT feed_id, schema_name FROM gtfs2pgsql.feeds "
				   "ORDER BY feed_id LIMIT $1) f", 1, params);

	if (res == NULL)
		return;
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	if (n == 0)
		log_detail("the registry gtfs2pgsql.feeds has no feed");
	else if (n <= FEEDS_SHOWN)
		log_detail("the feeds of gtfs2pgsql.feeds (%ld): %s", n,
				   PQgetvalue(res, 0, 1));
	else
		log_detail("the feeds of gtfs2pgsql.feeds (%ld), the first %d: %s, "
				   "...", n, FEEDS_SHOWN, PQgetvalue(res, 0, 1));
	PQclear(res);
}

/*
 * The feed's schema, from the registry only (a schema's comment proves
 * nothing), found in a statement of its own.  Into *name (malloc'd), or
 * false (logged).
 */
static bool
registry_lookup(Export *ex, char **name)
{
	const char *params[2] = {ex->opt->feed_id, ex->opt->schema};
	PGresult   *res;
	bool		is_null;
	bool		ok;

	*name = NULL;
	res = db_query(ex->conn, "SELECT pg_catalog.to_regclass("
				   "'gtfs2pgsql.feeds') IS NOT NULL, pg_catalog.to_regnamespace("
				   "pg_catalog.quote_ident($1)) IS NOT NULL", 1, params + 1);
	if (res == NULL)
	{
		ex->db_failed = true;
		return false;
	}
	ok = PQgetvalue(res, 0, 0)[0] == 't';
	if (!ok && ex->opt->feed_id)
		log_error("no feed \"%s\": this database has no feed registry "
				  "(gtfs2pgsql.feeds)", ex->opt->feed_id);
	else if (!ok && PQgetvalue(res, 0, 1)[0] != 't')
		log_error("schema \"%s\" does not exist", ex->opt->schema);
	else if (!ok)
		log_error("schema \"%s\" is not a feed: this database has no feed "
				  "registry (gtfs2pgsql.feeds)", ex->opt->schema);
	if (ok && ex->opt->schema && PQgetvalue(res, 0, 1)[0] != 't')
	{
		log_error("schema \"%s\" does not exist", ex->opt->schema);
		ok = false;
	}
	PQclear(res);
	if (!ok || !refuse_unsafe(ex, "gtfs2pgsql", "ARRAY['feeds']"))
		return false;
	*name = query_value(ex, REGISTRY_SCHEMA, 2, params, &is_null);
	if (*name && is_null)
	{
		if (ex->opt->feed_id)
			log_error("no feed \"%s\" in gtfs2pgsql.feeds", ex->opt->feed_id);
		else
			log_error("schema \"%s\" is not a feed of the registry "
					  "gtfs2pgsql.feeds", ex->opt->schema);
		say_feeds(ex);
		free(*name);
		*name = NULL;
	}
	return *name != NULL;
}

/*
 * One try at the feed's snapshot, found as registry_lookup did: its
 * tables locked (ACCESS SHARE: a reload's swap waits for the export),
 * then, in the same REPEATABLE READ transaction, the snapshot taken by
 * the first query after LOCK TABLE, which takes none.  1: the feed is
 * the one locked; 0: it changed between the lookup and the lock (a table
 * dropped or added, the feed moved: rolled back, try again); -1: failed
 * or refused (logged).
 */
static int
lock_feed(Export *ex, const char *name)
{
	const char *params[2] = {ex->opt->feed_id, ex->opt->schema};
	const char *lock_params[1] = {name};
	PGresult   *res;
	Buf			sql;
	char	   *locked;
	const char *state;
	bool		no_tables;
	bool		ok;
	int			done;

	res = db_query(ex->conn, FEED_TABLES("$1"), 1, lock_params);
	if (res == NULL)
	{
		ex->db_failed = true;
		return -1;
	}
	locked = strdup(PQgetvalue(res, 0, 1));
	no_tables = PQgetisnull(res, 0, 1);
	buf_init(&sql, SQL_MAX);
	ok = locked && buf_puts(&sql, "LOCK TABLE gtfs2pgsql.feeds") &&
		(PQgetisnull(res, 0, 0) || (buf_puts(&sql, ", ") &&
									buf_puts(&sql, PQgetvalue(res, 0, 0)))) &&
		buf_puts(&sql, " IN ACCESS SHARE MODE");
	PQclear(res);
	if (!ok)
	{
		log_error("out of memory");
		free(locked);
		buf_free(&sql);
		return -1;
	}
	ok = db_exec(ex->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	res = ok ? PQexec(ex->conn, sql.data) : NULL;
	buf_free(&sql);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* a table dropped since: the feed changed */
	done = PQresultStatus(res) == PGRES_COMMAND_OK ? 1 :
		state && strcmp(state, "42P01") == 0 ? 0 : -1;
	if (ok && done < 0)
		db_log_error(ex->conn, res, "could not lock the feed");
	PQclear(res);
	ex->db_failed = done < 0;
	/* the snapshot: the registry checked again, then read */
	if (done > 0 && !refuse_unsafe(ex, "gtfs2pgsql", "ARRAY['feeds']"))
		done = -1;
	if (done > 0)
	{
		const char *check_params[4] = {params[0], params[1], name,
		no_tables ? NULL : locked};

		res = db_query(ex->conn, "SELECT pg_catalog.set_config("
					   "'extra_float_digits', '1', true), "
					   "(" REGISTRY_SCHEMA ") IS NOT DISTINCT FROM $3 AND "
					   "(SELECT x.a FROM (" FEED_TABLES("$3")
					   ") AS x (l, a)) IS NOT DISTINCT FROM $4, "
					   "(SELECT pg_catalog.quote_ident(e.nspname) "
					   "FROM pg_catalog.pg_extension x JOIN pg_catalog."
					   "pg_namespace e ON e.oid = x.extnamespace "
					   "WHERE x.extname = 'postgis')", 4, check_params);
		done = res == NULL ? -1 : PQgetvalue(res, 0, 1)[0] == 't';
		ex->db_failed = res == NULL;
		if (done > 0 && !PQgetisnull(res, 0, 2))
		{
			free(ex->postgis);
			ex->postgis = strdup(PQgetvalue(res, 0, 2));
		}
		PQclear(res);
	}
	free(locked);
	if (done <= 0)
		PQclear(PQexec(ex->conn, "ROLLBACK"));
	return done;
}

/*
 * Finds the feed and takes its snapshot: see lock_feed, tried again
 * while the feed changes under it.  Then what it reads first must be
 * safe to read, and import_files must be there.  The schema's name into
 * *name (malloc'd); false (logged).
 */
static bool
open_feed(Export *ex, char **name)
{
	int			done = 0;
	bool		is_null;
	char	   *has_files;
	const char *params[1];

	*name = NULL;
	for (int i = 0; done == 0 && i < LOCK_TRIES; i++)
	{
		free(*name);
		done = registry_lookup(ex, name) ? lock_feed(ex, *name) : -1;
	}
	if (done == 0)
	{
		log_error("the feed of schema \"%s\" changed at each of %d tries "
				  "to lock it", *name, LOCK_TRIES);
		ex->db_failed = true;
	}
	if (done <= 0)
		return false;
	ex->schema = db_ident(ex->conn, *name);
	if (ex->schema == NULL ||
		!refuse_unsafe(ex, *name, is_cut(ex->opt) ?
					   "ARRAY['import_files'] || " CUT_TABLES :
					   "ARRAY['import_files']"))
		return false;
	params[0] = *name;
	has_files = query_value(ex, "SELECT pg_catalog.to_regclass(pg_catalog."
							"format('%I.%I', $1::text, 'import_files'))::text",
							1, params, &is_null);
	if (has_files && is_null)
	{
		log_error("the feed in schema \"%s\" has no import_files table",
				  *name);
		log_hint("it was loaded by an older gtfs2pgsql: load it again");
	}
	free(has_files);
	return has_files && !is_null;
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
						  "FROM ") &&
			put_template(&sql, ex, timetable_service_days) &&
			put_template(&sql, ex, " AS days WHERE true") &&
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


/*
 * An empty cut is an error, not a feed: a cut that keeps no trip (a
 * period outside the calendar, a box with no stop) would write the feed's
 * header lines and little else.  True when it keeps at least one trip.
 */
static bool
cut_keeps_trips(Export *ex)
{
	bool		is_null;
	char	   *any = query_value(ex, "SELECT EXISTS (SELECT FROM "
								  "pg_temp.k_trips)", 0, NULL, &is_null);
	bool		ok = any && any[0] == 't';

	if (any && !ok)
	{
		log_error("the cut keeps no trip of the feed in schema \"%s\": "
				  "nothing written", ex->opt->schema);
		if (ex->opt->from || ex->opt->to)
			log_hint("the feed's service days: SELECT min(date), max(date) "
					 "FROM %s.service_days", ex->schema);
	}
	free(any);
	return ok;
}

/* The members of the feed, read and checked, then its cut made. */
static bool
read_feed(Export *ex)
{
	if (!read_members(ex))
		return false;
	if (ex->nmembers == 0)
	{
		log_error("the feed in schema \"%s\" lists no file in import_files: "
				  "there is nothing to write", ex->opt->schema);
		return false;
	}
	return refuse_unsafe(ex, ex->opt->schema, "ARRAY(SELECT f.\"table\" "
						 "FROM @s.import_files f)") &&
		(!is_cut(ex->opt) || (cut_tables(ex) && cut_keeps_trips(ex)));
}

ExportStatus
export_feed(PGconn *conn, const ExportOptions *opt, long long *rows,
			int *files)
{
	Export		ex = {.conn = conn, .mtime = time(NULL)};
	ExportOptions resolved = *opt;
	Output		out = {0};
	char	   *name = NULL;
	bool		ok;

	*rows = 0;
	*files = 0;
	ex.opt = &resolved;
	ok = output_open(&out, opt);
	if (!ok)
	{
		output_close(&out, false);
		return EXPORT_BAD_INPUT;
	}
	ok = open_feed(&ex, &name);
	resolved.schema = name;
	ok = ok && read_feed(&ex) && output_add_files(&out, &ex);
	if (ok && out.folder)
		ok = write_folder(&ex, out.paths[0]);
	else if (ok)
		ok = write_zip(&ex, out.fd, out.shown);
	/* the transaction only read: its end is no news */
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, ok ? "COMMIT" : "ROLLBACK"));
	ok = ok && output_commit(&out);
	output_close(&out, ok);
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
