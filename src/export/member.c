/*
 * member.c: the files of an exported feed and their bytes; see member.h.
 *
 * import_files says which files the load read, into which table, with
 * which columns in which order.  Each becomes one statement
 *   COPY (SELECT <each column in GTFS form> FROM table [WHERE cut])
 *   TO STDOUT
 * that the server runs when the member is written; its rows are turned
 * into CSV one at a time as they come (copycsv), so that at most one row
 * is held at a time.
 */
#include "member.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "copy.h"
#include "copycsv.h"
#include "cut.h"
#include "db.h"
#include "ddl.h"
#include "log.h"
#include "sqlbuf.h"
#include "textfmt.h"

#define SQL_MAX			(4 * 1024 * 1024)
#define ROW_MAX			(1024 * 1024 * 1024)	/* bytes of one row */

/*
 * Appends the column col of type (as format_type prints it) of cat's
 * table in GTFS form: dates YYYYMMDD (clipped to a cut's period: see
 * cut_put_date), times H:MM:SS past 24 hours, a column of the jsonb
 * DDL_EXTRA_COLUMN its value, the rest as PostgreSQL prints it (floats
 * the shortest that reads back the same).
 */
static bool
put_value(Buf *sql, PGconn *conn, const ExportOptions *opt,
		  const CatalogFile *cat, const char *col, const char *type)
{
	if (strcmp(type, DDL_EXTRA_COLUMN) == 0)
	{
		char	   *key = PQescapeLiteral(conn, col, strlen(col));
		bool		ok = key && buf_puts(sql, "(" DDL_EXTRA_COLUMN " ->> ") &&
			buf_puts(sql, key) && buf_putc(sql, ')');

		PQfreemem(key);
		return ok;
	}
	if (strcmp(type, "date") == 0)
		return cut_put_date(sql, conn, opt, cat, col);
	/* hours as many digits as they take (105:32:00), at least two */
	if (strcmp(type, "interval") == 0)
		return buf_puts(sql, "(CASE WHEN ") && sqlbuf_ident(sql, conn, col) &&
			buf_puts(sql, " < INTERVAL '10:00:00' THEN '0' ELSE '' END || "
					 "(pg_catalog.date_part('epoch', ") &&
			sqlbuf_ident(sql, conn, col) &&
			buf_puts(sql, ")::bigint / 3600)::text || pg_catalog.to_char(") &&
			sqlbuf_ident(sql, conn, col) && buf_puts(sql, ", ':MI:SS'))");
	return sqlbuf_ident(sql, conn, col);
}

/*
 * The COPY of locations.geojson: one line per feature, between the
 * collection's opening and closing, from the table locations.
 */
static bool
put_geojson_copy(Buf *sql, const char *const subst[26])
{
	return buf_puts(sql, "COPY (SELECT line FROM (SELECT 0 AS part, NULL::"
					"text AS id, '{\"type\":\"FeatureCollection\",\"features"
					"\":[' AS line UNION ALL SELECT 1, id, CASE WHEN "
					"row_number() OVER (ORDER BY id) > 1 THEN ',' ELSE '' "
					"END || pg_catalog.json_build_object('type', 'Feature', "
					"'id', id, 'properties', properties, 'geometry', ") &&
		sqlbuf_template(sql, "@g.ST_AsGeoJSON(CASE WHEN @g.ST_SRID(geom) "
						"= 4326 THEN geom ELSE @g.ST_Transform(geom, 4326) "
						"END, 17)::json)::text FROM @s.locations UNION ALL "
						"SELECT 2, NULL, ']}') AS parts ORDER BY part, id) "
						"TO STDOUT", subst);
}

/* Appends a header's name as a CSV field. */
static bool
put_header(Buf *header, const char *name)
{
	return textfmt_csv_field(header, name, strlen(name));
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

/* schema/sql/export_members.sql, embedded by the Makefile */
extern const char sql_export_members[];

bool
member_list_read(MemberList *ml, const ExportOptions *opt, const char *schema,
				 const char *postgis)
{
	const char *subst[26] = {['s' - 'a'] = schema, ['g' - 'a'] = postgis};
	const char *params[2];
	PGresult   *res;
	Buf			sql,
				copy,
				header;
	bool		ok;
	int			n;

	buf_init(&sql, SQL_MAX);
	ok = sqlbuf_template(&sql, sql_export_members, subst);
	params[0] = opt->schema;
	params[1] = DDL_EXTRA_COLUMN;
	res = ok ? db_query(ml->conn, sql.data, 2, params) : NULL;
	buf_free(&sql);
	if (res == NULL)
	{
		ml->db_failed = true;
		return false;
	}
	n = PQntuples(res);
	ml->members = calloc((size_t) n + 1, sizeof(Member));
	ok = ml->members != NULL;
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
		Member	   *m = &ml->members[ml->nmembers];

		if (first && !member_name_ok(file))
		{
			ok = false;
			break;
		}
		if (PQgetvalue(res, i, 8)[0] == 't')
		{
			/* a member of 0 bytes (gtfs2pgsql records it so): no table */
			ok = member_set(m, file, NULL, NULL);
			ml->nmembers += ok;
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
			log_error("table %s.%s of %s is missing", opt->schema,
					  table, file);
			ok = false;
			break;
		}
		if (PQgetvalue(res, i, 6)[0] == 't')
		{
			/* locations.geojson */
			buf_reset(&copy);
			ok = put_geojson_copy(&copy, subst) &&
				member_set(m, file, copy.data, NULL);
			ml->nmembers += ok;
			continue;
		}
		if (is_null)
		{
			log_error("column \"%s\" of table %s.%s (%s) is missing", col,
					  opt->schema, table, file);
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
		ok = ok && put_value(&copy, ml->conn, opt, cat, col, type) &&
			put_header(&header, PQgetisnull(res, i, 3) ? col :
					   PQgetvalue(res, i, 3));
		if (!ok || !last)
			continue;
		ok = buf_puts(&copy, " FROM ") && buf_puts(&copy, schema) &&
			buf_putc(&copy, '.') && sqlbuf_ident(&copy, ml->conn, table) &&
			cut_where(&copy, ml->conn, opt, cat) &&
			buf_puts(&copy, ") TO STDOUT") &&
			buf_putc(&header, '\n') &&
			member_set(m, file, copy.data, header.data);
		ml->nmembers += ok;
	}
	if (!ok && (copy.lost || header.lost || ml->members == NULL))
		log_error("out of memory");
	buf_free(&copy);
	buf_free(&header);
	PQclear(res);
	return ok;
}

void
member_list_free(MemberList *ml)
{
	for (int i = 0; i < ml->nmembers; i++)
	{
		free(ml->members[i].file);
		free(ml->members[i].copy);
		free(ml->members[i].header);
	}
	free(ml->members);
	ml->members = NULL;
	ml->nmembers = 0;
}

struct MemberStream
{
	MemberList *ml;
	const Member *m;
	size_t		head_pos;		/* bytes of the header given */
	Buf			row;			/* the row being given, as CSV */
	size_t		row_pos;
	bool		copying;		/* the COPY runs */
};

MemberStream *
member_stream_new(MemberList *ml, int i)
{
	MemberStream *s = calloc(1, sizeof(MemberStream));

	if (s == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	s->ml = ml;
	s->m = &ml->members[i];
	buf_init(&s->row, ROW_MAX);
	return s;
}

bool
member_stream_open(MemberStream *s)
{
	s->head_pos = 0;
	if (s->m->copy == NULL)
		return true;			/* an empty member: nothing to read */
	s->copying = copy_out_begin(s->ml->conn, s->m->copy);
	s->ml->db_failed = s->ml->db_failed || !s->copying;
	return s->copying;
}

/*
 * Up to n bytes of the member: its header, then its rows.  The count,
 * 0 at the end, -1 (logged) when the server failed.
 */
long
member_stream_read(MemberStream *s, char *out, size_t n)
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
		len = copy_out_row(s->ml->conn, &row);
		if (len > 0)
		{
			ok = copycsv_record(&s->row, row, (size_t) len,
								s->m->header != NULL);
			PQfreemem(row);
			if (!ok)
			{
				log_error("%s: a row of more than %d bytes, or out of memory",
						  s->m->file, ROW_MAX);
				return -1;
			}
			s->ml->rows++;
			continue;
		}
		s->copying = false;
		if (len == 0)
			continue;
		s->ml->db_failed = true;
		return -1;
	}
	return (long) got;
}

void
member_stream_close(MemberStream *s)
{
	if (s->copying)
		copy_out_cancel(s->ml->conn);
	s->copying = false;
	buf_free(&s->row);
	s->row_pos = 0;
}

void
member_stream_free(MemberStream *s)
{
	if (s == NULL)
		return;
	member_stream_close(s);
	free(s);
}
