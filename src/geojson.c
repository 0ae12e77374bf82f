/*
 * geojson.c: locations.geojson, the zones of GTFS-Flex, into the table
 * locations with PostGIS, without the client ever holding the document.
 */
#include "geojson.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "copy.h"
#include "db.h"
#include "log.h"

/*
 * Appends template with its "%s" replaced by first, then second, and
 * "%%" by "%"; false when sql hit its cap.
 */
static bool
buf_printf_template(Buf *sql, const char *template, const char *first,
					const char *second)
{
	const char *args[2] = {first, second};
	int			next = 0;
	bool		ok = true;

	for (const char *p = template; ok && *p; p++)
	{
		if (p[0] == '%' && p[1] == 's' && next < 2 && args[next])
		{
			ok = buf_puts(sql, args[next++]);
			p++;
		}
		else if (p[0] == '%' && p[1] == '%')
		{
			ok = buf_putc(sql, '%');
			p++;
		}
		else
			ok = buf_putc(sql, *p);
	}
	return ok;
}

/*
 * locations.geojson: the document is streamed, escaped, into a one-row
 * staging table, and PostgreSQL's JSON functions with PostGIS's
 * ST_GeomFromGeoJSON turn its features into rows, so that the client never
 * holds the document.  A document that is not GeoJSON is a notice, and its
 * table stays empty; a feature whose id an earlier one has is set aside.
 */
bool
geojson_load(PGconn *conn, const Ddl *ddl, FeedSource *src, int i,
			 Notices *nt, Report *rep, char *chunk)
{
	static const char *const features =
		"SELECT f, n, row_number() OVER (PARTITION BY f->>'id' ORDER BY n) "
		"AS rank FROM @s.locations_document, jsonb_array_elements("
		"document::jsonb->'features') WITH ORDINALITY AS features(f, n)";
	static const char *const from_document =
		"INSERT INTO @s.locations "
		"(id, stop_name, stop_desc, properties, geom)\n"
		"SELECT f->>'id', f->'properties'->>'stop_name',\n"
		"\tf->'properties'->>'stop_desc', f->'properties', @g.ST_Multi(%s)\n"
		"FROM (%s) AS features WHERE rank = 1";
	static const char *const duplicates =
		"INSERT INTO @s.import_notices (file, line, \"column\", code, "
		"severity, value, message, action, record)\n"
		"SELECT $1, NULL, 'id', $2, $3, f->>'id', format('duplicate feature "
		"id \"%%s\": feature %%s set aside', f->>'id', n), $4, f::text\n"
		"FROM (%s) AS features WHERE rank > 1";
	/* GeoJSON is WGS 84; ST_Transform even to 4326 costs PROJ's start-up */
	const char *geometry = ddl->srid == 4326 ?
		"@g.ST_SetSRID(@g.ST_GeomFromGeoJSON(f->'geometry'), 4326)" :
		"@g.ST_Transform(@g.ST_SetSRID(@g.ST_GeomFromGeoJSON(f->'geometry'),"
		" 4326), @r)";
	const char *member = source_member_name(src, i);
	FeedMember *m = source_member_open(src, i);
	double		started = report_now();
	unsigned long long bytes = 0;
	size_t		carry = 0;		/* bytes of a cut UTF-8 sequence */
	const char *params[4] = {
		member, notice_code(NK_DUPLICATE_GEO_JSON_KEY),
		notice_severity_name(notice_severity(NK_DUPLICATE_GEO_JSON_KEY)),
		notice_action_name(ACTION_ROW_SET_ASIDE)
	};
	CopyStream	copy;
	Buf			sql,
				filled;
	PGresult   *res;
	ssize_t		n = 0;
	long		rows = 0;
	long		set_aside = 0;
	bool		valid = true;
	bool		ok;

	if (m == NULL)
		return true;			/* a notice of the source */
	buf_init(&sql, DDL_SQL_MAX);
	buf_init(&filled, DDL_SQL_MAX);
	ok = db_execf(conn,
				  "CREATE TABLE %s.locations_document (document text)",
				  ddl->schema) &&
		buf_puts(&sql, "COPY ") &&
		ddl_table(&sql, ddl, "locations_document") &&
		buf_puts(&sql, " FROM STDIN") &&
		copy_begin(&copy, conn, sql.data, 0);
	if (!ok)
		goto cleanup;
	copy_row_begin(&copy);
	while ((n = source_member_read(m, chunk + carry,
								   SOURCE_READ_CHUNK - carry)) > 0)
	{
		size_t		have = carry + (size_t) n;
		size_t		cut = conv_utf8_cut(chunk, have);

		bytes += (unsigned long long) n;
		if (conv_copy_text(&copy.buf, chunk, cut) != CONV_OK)
		{
			valid = false;
			break;
		}
		carry = have - cut;
		memmove(chunk, chunk + cut, carry);
		if (!copy_flush(&copy))
			break;
	}
	if ((n == 0 && carry > 0) || !valid)
	{
		notice_add(nt, NK_MALFORMED_JSON, member, 0, 0, NULL, NULL,
				   0, "invalid UTF-8 or NUL byte: the file is not loaded");
		copy.discard = true;
		valid = false;
	}
	copy_row_end(&copy);
	if (!copy_end(&copy, NULL) || n < 0)
	{
		/* a member that cannot be read is a notice of the source */
		ok = n < 0 && db_execf(conn, "DROP TABLE %s.locations_document",
							   ddl->schema);
		goto cleanup;
	}

	/* a savepoint turns an invalid document into a notice */
	buf_reset(&sql);
	ok = valid && db_exec(conn, "SAVEPOINT geojson") &&
		buf_printf_template(&sql, from_document, geometry, features) &&
		ddl_template(&filled, ddl, sql.data);
	if (!ok)
	{
		ok = !valid;
		goto cleanup;
	}
	res = PQexec(conn, filled.data);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
	{
		rows = atol(PQcmdTuples(res));
		ok = db_exec(conn, "RELEASE SAVEPOINT geojson");
	}
	else if (PQstatus(conn) != CONNECTION_OK)
	{
		db_log_error(conn, res, "could not load locations.geojson");
		ok = false;
	}
	else
	{
		const char *why = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		notice_add(nt, NK_MALFORMED_JSON, member, 0, 0, NULL, NULL,
				   0, "not valid GeoJSON: %s: the file is not loaded",
				   why ? why : PQerrorMessage(conn));
		ok = db_exec(conn, "ROLLBACK TO SAVEPOINT geojson");
		valid = false;
	}
	PQclear(res);
	/* the key of locations: later features with an id already seen */
	buf_reset(&sql);
	buf_reset(&filled);
	if (ok && valid)
	{
		ok = buf_printf_template(&sql, duplicates, features, NULL) &&
			ddl_template(&filled, ddl, sql.data);
		res = ok ? PQexecParams(conn, filled.data, 4, NULL, params,
								NULL, NULL, 0) : NULL;
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (ok)
			set_aside = atol(PQcmdTuples(res));
		else
			db_log_error(conn, res, "could not check locations.geojson");
		PQclear(res);
		buf_reset(&sql);
		ok = ok && ddl_table(&sql, ddl, "import_notices") &&
			notice_print_inserted(nt, conn, sql.data, member, "id",
								  NK_DUPLICATE_GEO_JSON_KEY, 0,
								  notice_count(nt, NOTICE_ERROR));
		notice_count_server(nt, NK_DUPLICATE_GEO_JSON_KEY, set_aside);
	}
	ok = ok && db_execf(conn, "DROP TABLE %s.locations_document",
						ddl->schema);
	ok = ok && report_add(rep, member, rows, set_aside, bytes, started);

cleanup:
	buf_free(&sql);
	buf_free(&filled);
	source_member_close(m);
	return ok;
}

