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
#include "notice_store.h"
#include "sqlbuf.h"

/* schema/sql/locations_*.sql, embedded by the Makefile */
extern const char sql_locations_parts[];
extern const char sql_locations_features[];

/*
 * The features without a problem, or with "@w" the one numbered $1;
 * "@m": their geometry.
 */
static const char *const from_features_sql =
"INSERT INTO @s.locations (id, stop_name, stop_desc, properties, geom)\n"
"SELECT f->>'id', f->'properties'->>'stop_name',\n"
"\tf->'properties'->>'stop_desc', f->'properties', @g.ST_Multi(@m)\n"
"FROM @s.locations_features WHERE problem IS NULL@w";

/*
 * What sets a feature aside, with the SQL of its notice's value and
 * message (over n, f, why and id_max, the bound on an id's bytes).
 */
static const struct
{
	const char *problem;
	NoticeKind	kind;
	const char *column;
	const char *value;
	const char *message;
}			problems[] = {
	{"json", NK_MALFORMED_JSON_FEATURE, NULL, "NULL",
	"format('feature %s is not valid JSON: %s: set aside', n, why)"},
	{"id", NK_MISSING_REQUIRED_ELEMENT, "id", "NULL",
	"format('feature %s has no id (a string or a number): set aside', n)"},
	{"long", NK_ID_TOO_LONG, "id", "f->>'id'",
		"format('feature %s: id of %s bytes, more than %s: it cannot be "
	"indexed', n, octet_length(f->>'id'), id_max)"},
	{"duplicate", NK_DUPLICATE_GEO_JSON_KEY, "id", "f->>'id'",
	"format('duplicate feature id \"%s\": feature %s set aside', f->>'id', n)"},
	{"geometry", NK_MISSING_REQUIRED_ELEMENT, "geometry", "NULL",
	"format('feature %s has no geometry: set aside', n)"},
	{"type", NK_UNSUPPORTED_GEOMETRY_TYPE, "geometry",
		"f->'geometry'->>'type'",
		"format('feature %s: geometry of type %s, not Polygon or MultiPolygon: "
	"set aside', n, coalesce(f->'geometry'->>'type', 'none'))"},
	{"invalid", NK_INVALID_GEOMETRY, "geometry", "f->'geometry'->>'type'",
	"format('feature %s: invalid geometry: %s: set aside', n, why)"},
};

#define NPROBLEMS ((int) (sizeof(problems) / sizeof(problems[0])))

/* Runs the template sql with ddl's names; false (logged) on failure. */
static bool
exec_template(PGconn *conn, const Ddl *ddl, const char *sql)
{
	Buf			filled;
	bool		ok;

	buf_init(&filled, DDL_SQL_MAX);
	ok = ddl_template(&filled, ddl, sql) && db_exec(conn, filled.data);
	buf_free(&filled);
	return ok;
}

/*
 * Streams the member into the one-row table locations_document, escaped;
 * *valid false (with a notice) when it is not UTF-8 text, or when the
 * member cannot be read (a notice of the source; the table is dropped).
 * False when the database failed (logged).
 */
static bool
load_document(PGconn *conn, const Ddl *ddl, FeedMember *m,
			  const char *member, Notices *nt, char *chunk,
			  unsigned long long *bytes, bool *valid)
{
	size_t		carry = 0;		/* bytes of a cut UTF-8 sequence */
	CopyStream	copy;
	Buf			sql;
	ssize_t		n = 0;
	bool		ok;

	*valid = true;
	buf_init(&sql, DDL_SQL_MAX);
	ok = db_execf(conn,
				  "CREATE TABLE %s.locations_document (document text)",
				  ddl->schema) &&
		buf_puts(&sql, "COPY ") &&
		ddl_table(&sql, ddl, "locations_document") &&
		buf_puts(&sql, " FROM STDIN") &&
		copy_begin(&copy, conn, sql.data, 0);
	buf_free(&sql);
	if (!ok)
		return false;
	copy_row_begin(&copy);
	while ((n = source_member_read(m, chunk + carry,
								   SOURCE_READ_CHUNK - carry)) > 0)
	{
		size_t		have = carry + (size_t) n;
		size_t		cut = conv_utf8_cut(chunk, have);
		/* a byte order mark is no part of the JSON text (RFC 8259, 8.1) */
		size_t		bom = *bytes == 0 && cut >= 3 &&
			memcmp(chunk, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

		*bytes += (unsigned long long) n;
		if (conv_copy_text(&copy.buf, chunk + bom, cut - bom) != CONV_OK)
		{
			*valid = false;
			break;
		}
		carry = have - cut;
		memmove(chunk, chunk + cut, carry);
		if (!copy_flush(&copy))
			break;
	}
	if ((n == 0 && carry > 0) || !*valid)
	{
		notice_add(nt, NK_MALFORMED_JSON, member, 0, 0, NULL, NULL,
				   0, "invalid UTF-8 or NUL byte: the file is not loaded");
		copy.discard = true;
		*valid = false;
	}
	copy_row_end(&copy);
	if (!copy_end(&copy, NULL) || n < 0)
	{
		/* a member that cannot be read is a notice of the source */
		*valid = false;
		return n < 0 && db_execf(conn, "DROP TABLE %s.locations_document",
								 ddl->schema);
	}
	return true;
}

/*
 * Runs a statement of the document that may fail on its data, in a
 * savepoint: *refused gets the server's message when it did (PQfreemem
 * it), NULL when it ran.  False when the database failed (logged).
 */
static bool
exec_or_refused(PGconn *conn, const char *sql, int nparams,
				const char *const *params, char **refused)
{
	PGresult   *res;
	DbOutcome	outcome;
	bool		ok;

	*refused = NULL;
	if (!db_exec(conn, "SAVEPOINT geojson"))
		return false;
	/* any refusal: the data's */
	outcome = db_run(conn, sql, nparams, params, "*",
					 "could not load locations.geojson", &res);
	ok = outcome == DB_DONE;
	if (outcome == DB_REFUSED)
	{
		const char *why = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		*refused = strdup(why ? why : "refused by the server");
		ok = *refused != NULL &&
			db_exec(conn, "ROLLBACK TO SAVEPOINT geojson");
	}
	PQclear(res);
	return ok && db_exec(conn, "RELEASE SAVEPOINT geojson");
}

/*
 * Runs the template all; when the server refuses it, runs the template
 * one for each n that the template list gives, in turn, and the template
 * mark with that n and the server's message for each it refuses.  False
 * when the database failed (logged).
 */
static bool
exec_or_one_by_one(PGconn *conn, const Ddl *ddl, const char *all,
				   const char *list, const char *one, const char *mark)
{
	Buf			sql[4];
	PGresult   *res = NULL;
	char	   *refused = NULL;
	bool		ok;

	for (int i = 0; i < 4; i++)
		buf_init(&sql[i], DDL_SQL_MAX);
	ok = ddl_template(&sql[0], ddl, all) &&
		exec_or_refused(conn, sql[0].data, 0, NULL, &refused);
	if (ok && refused)
	{
		ok = ddl_template(&sql[1], ddl, list) &&
			ddl_template(&sql[2], ddl, one) &&
			ddl_template(&sql[3], ddl, mark);
		res = ok ? db_query(conn, sql[1].data, 0, NULL) : NULL;
		ok = res != NULL;
	}
	free(refused);
	for (int r = 0; ok && res && r < PQntuples(res); r++)
	{
		const char *params[2] = {PQgetvalue(res, r, 0), NULL};

		ok = exec_or_refused(conn, sql[2].data, 1, params, &refused);
		params[1] = refused;
		if (ok && refused)
		{
			ok = db_run(conn, sql[3].data, 2, params, NULL,
						"could not check locations.geojson", NULL) == DB_DONE;
		}
		free(refused);
	}
	PQclear(res);
	for (int i = 0; i < 4; i++)
		buf_free(&sql[i]);
	return ok;
}

/*
 * The features without a problem into locations: all at once, or when the
 * server refuses one (a geometry PostGIS cannot read or transform), one by
 * one, each refused one marked "invalid" with the server's message.
 * *rows gets how many loaded.  False when the database failed (logged).
 */
static bool
insert_features(PGconn *conn, const Ddl *ddl, long *rows)
{
	/* GeoJSON is WGS 84; ST_Transform even to 4326 costs PROJ's start-up */
	const char *geometry = ddl->srid == 4326 ?
		"@g.ST_SetSRID(@g.ST_GeomFromGeoJSON(f->'geometry'), 4326)" :
		"@g.ST_Transform(@g.ST_SetSRID(@g.ST_GeomFromGeoJSON(f->'geometry'),"
		" 4326), @r)";
	/* filled here, then with ddl's names (@g, @r) by exec_or_one_by_one */
	const char *subst_all[26] = {['m' - 'a'] = geometry, ['w' - 'a'] = ""};
	const char *subst_one[26] = {['m' - 'a'] = geometry,
	['w' - 'a'] = " AND n = $1"};
	Buf			all,
				one,
				count;
	PGresult   *res;
	bool		ok;

	buf_init(&all, DDL_SQL_MAX);
	buf_init(&one, DDL_SQL_MAX);
	buf_init(&count, DDL_SQL_MAX);
	ok = sqlbuf_template(&all, from_features_sql, subst_all) &&
		sqlbuf_template(&one, from_features_sql, subst_one) &&
		exec_or_one_by_one(conn, ddl, all.data,
						   "SELECT n FROM @s.locations_features "
						   "WHERE problem IS NULL ORDER BY n", one.data,
						   "UPDATE @s.locations_features SET "
						   "problem = 'invalid', why = $2 WHERE n = $1") &&
		ddl_template(&count, ddl, "SELECT count(*) FROM @s.locations");
	res = ok ? db_query(conn, count.data, 0, NULL) : NULL;
	ok = res != NULL;
	*rows = ok ? atol(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	buf_free(&all);
	buf_free(&one);
	buf_free(&count);
	return ok;
}

/*
 * The notices of the features set aside, each with the feature as its
 * record; *set_aside gets how many.  False when the database failed.
 */
static bool
record_problems(PGconn *conn, const Ddl *ddl, const char *member,
				Notices *nt, int id_max_bytes, long *set_aside)
{
	Buf			sql,
				filled;
	char		id_max[16];
	bool		ok = true;

	*set_aside = 0;
	snprintf(id_max, sizeof(id_max), "%d", id_max_bytes);
	buf_init(&sql, DDL_SQL_MAX);
	buf_init(&filled, DDL_SQL_MAX);
	for (int p = 0; ok && p < NPROBLEMS; p++)
	{
		NoticeKind	kind = problems[p].kind;
		const char *params[7] = {
			member, problems[p].column, notice_code(kind),
			id_max, notice_severity_name(notice_severity(kind)),
			notice_action_name(notice_rule(kind, NC_OPTIONAL)),
			problems[p].problem
		};
		long		before = notice_count(nt, NOTICE_ERROR);
		PGresult   *res;
		long		n;

		buf_reset(&sql);
		buf_reset(&filled);
		ok = buf_puts(&sql, "INSERT INTO @s.import_notices (file, line, "
					  "\"column\", code, severity, value, message, action, "
					  "record)\nSELECT $1, NULL, $2, $3, $5, ") &&
			buf_puts(&sql, problems[p].value) && buf_puts(&sql, ", ") &&
			buf_puts(&sql, problems[p].message) &&
			buf_puts(&sql, ", $6, coalesce(f::text, raw) FROM "
					 "@s.locations_features, (SELECT $4::text AS id_max) "
					 "AS bound WHERE problem = $7 ORDER BY n") &&
			ddl_template(&filled, ddl, sql.data);
		res = NULL;
		ok = ok && db_run(conn, filled.data, 7, params, NULL,
						  "could not check locations.geojson",
						  &res) == DB_DONE;
		n = ok ? atol(PQcmdTuples(res)) : 0;
		PQclear(res);
		if (!ok || n == 0)
			continue;
		buf_reset(&sql);
		ok = ddl_table(&sql, ddl, "import_notices") &&
			notice_print_inserted(nt, conn, sql.data, member,
								  problems[p].column, kind, 0, before);
		notice_count_server(nt, kind, n);
		*set_aside += n;
	}
	buf_free(&sql);
	buf_free(&filled);
	return ok;
}

/*
 * The document's features into locations_parts, each as jsonb in f, or
 * with why it is not JSON that jsonb can hold (\u0000, a lone surrogate, a
 * number too large).  *valid false (with a notice, and no table) when the
 * document is not JSON or has no array of features.  False when the
 * database failed (logged).
 */
static bool
split_features(PGconn *conn, const Ddl *ddl, const char *member,
			   Notices *nt, bool *valid)
{
	Buf			sql;
	PGresult   *res = NULL;
	char	   *refused = NULL;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	ok = ddl_template(&sql, ddl, sql_locations_parts) &&
		exec_or_refused(conn, sql.data, 0, NULL, &refused);
	*valid = ok && refused == NULL;
	if (ok && refused)
		notice_add(nt, NK_MALFORMED_JSON, member, 0, 0, NULL, NULL,
				   0, "not valid GeoJSON: %s: the file is not loaded",
				   refused);
	free(refused);
	buf_reset(&sql);
	if (*valid)
	{
		ok = ddl_template(&sql, ddl,
						  "SELECT kind FROM @s.locations_parts LIMIT 1");
		res = ok ? db_query(conn, sql.data, 0, NULL) : NULL;
		ok = res != NULL;
		*valid = ok && strcmp(PQgetvalue(res, 0, 0), "array") == 0;
		if (ok && !*valid)
			notice_add(nt, NK_MALFORMED_JSON, member, 0, 0, NULL, NULL, 0,
					   "no array of features: the file is not loaded");
		PQclear(res);
		ok = ok && (*valid ||
					exec_template(conn, ddl, "DROP TABLE @s.locations_parts"));
	}
	buf_free(&sql);
	return ok && (!*valid ||
				  exec_or_one_by_one(conn, ddl,
									 "UPDATE @s.locations_parts SET f = raw::jsonb",
									 "SELECT n FROM @s.locations_parts "
									 "WHERE n IS NOT NULL ORDER BY n",
									 "UPDATE @s.locations_parts SET f = raw::jsonb "
									 "WHERE n = $1",
									 "UPDATE @s.locations_parts SET why = $2 "
									 "WHERE n = $1"));
}

/*
 * locations.geojson: the document is streamed, escaped, into a one-row
 * staging table, and PostgreSQL's JSON functions with PostGIS's
 * ST_GeomFromGeoJSON turn its features into rows, so that the client never
 * holds the document.  A document that is not GeoJSON is a notice, and its
 * table stays empty; a feature that cannot be a row (JSON that jsonb cannot
 * hold, no id, an id seen before or too long to index, no polygon) is set
 * aside with a notice.
 */
bool
geojson_load(PGconn *conn, const Ddl *ddl, FeedSource *src, int i,
			 Notices *nt, Report *rep, char *chunk, int id_max_bytes)
{
	const char *member = source_member_name(src, i);
	FeedMember *m = source_member_open(src, i);
	double		started = report_now();
	unsigned long long bytes = 0;
	char		id_max[16];
	const char *subst[26] = {['n' - 'a'] = id_max};
	Buf			sql;
	long		rows = 0;
	long		set_aside = 0;
	bool		valid;
	bool		ok;

	if (m == NULL)
		return true;			/* a notice of the source */
	db_set_step(member);
	buf_init(&sql, DDL_SQL_MAX);
	ok = load_document(conn, ddl, m, member, nt, chunk, &bytes, &valid);
	/*
	 * What was read of a member that closes badly (a zip member's CRC) is
	 * not used (source.h): a notice of the source, as a read error is.
	 */
	if (!source_member_close(m) && ok && valid)
	{
		valid = false;
		ok = db_execf(conn, "DROP TABLE %s.locations_document", ddl->schema);
	}
	if (!ok || !valid)
		goto cleanup;

	snprintf(id_max, sizeof(id_max), "%d", id_max_bytes);
	ok = split_features(conn, ddl, member, nt, &valid) &&
		(!valid ||
		 (sqlbuf_template(&sql, sql_locations_features, subst) &&
		  exec_template(conn, ddl, sql.data) &&
		  insert_features(conn, ddl, &rows) &&
		  record_problems(conn, ddl, member, nt, id_max_bytes, &set_aside) &&
		  exec_template(conn, ddl, "DROP TABLE @s.locations_features, "
						"@s.locations_parts")));
	ok = ok && db_execf(conn, "DROP TABLE %s.locations_document",
						ddl->schema);
	ok = ok && report_add(rep, member, rows, set_aside, bytes, started);

cleanup:
	buf_free(&sql);
	return ok;
}
