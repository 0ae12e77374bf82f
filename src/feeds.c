/*
 * feeds.c: the registry of feeds, gtfs2pgsql.feeds, and the views that
 * union every feed's tables.
 *
 * One schema per feed keeps each feed replaceable on its own with the
 * schema swap of load.c, lets feeds differ in their extra columns and
 * SRID, and costs nothing per row (a partitioned table would add a feed_id
 * to every row and demand identical columns).  The union views give the
 * "all feeds at once" queries; they are rebuilt at each swap, under a lock
 * that makes concurrent imports swap one at a time.
 */
#include "feeds.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "db.h"
#include "ddl.h"
#include "log.h"

static const char *const registry_sql =
"CREATE SCHEMA IF NOT EXISTS gtfs2pgsql;\n"
"CREATE TABLE IF NOT EXISTS gtfs2pgsql.feeds (\n"
"\tfeed_id text PRIMARY KEY,\n"
"\tschema_name text NOT NULL,\n"
"\tfile_name text NOT NULL,\n"
"\tsha256 text NOT NULL,\n"
"\timported_at timestamptz NOT NULL,\n"
"\timporter_version text NOT NULL,\n"
"\toptions text NOT NULL,\n"
"\treport jsonb NOT NULL\n"
");\n"
"ALTER TABLE gtfs2pgsql.feeds\n"
"\tADD COLUMN IF NOT EXISTS errors integer GENERATED ALWAYS AS\n"
"\t\t((report->'notice_counts'->>'error')::integer) STORED,\n"
"\tADD COLUMN IF NOT EXISTS warnings integer GENERATED ALWAYS AS\n"
"\t\t((report->'notice_counts'->>'warning')::integer) STORED,\n"
"\tADD COLUMN IF NOT EXISTS infos integer GENERATED ALWAYS AS\n"
"\t\t((report->'notice_counts'->>'info')::integer) STORED";

int
feeds_unchanged(PGconn *conn, const FeedRecord *rec)
{
	const char *params[4] = {rec->feed_id, rec->sha256, rec->options,
	rec->schema};
	PGresult   *res;
	int			unchanged;

	res = db_query(conn, "SELECT pg_catalog.to_regclass('gtfs2pgsql.feeds') "
				   "IS NOT NULL", 0, NULL);
	if (res == NULL)
		return -1;
	unchanged = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!unchanged)
		return 0;
	res = db_query(conn,
				   "SELECT count(*) FROM gtfs2pgsql.feeds f "
				   "WHERE f.feed_id = $1 AND f.sha256 = $2 AND f.options = $3 "
				   "AND f.schema_name = $4 AND pg_catalog.to_regnamespace("
				   "pg_catalog.quote_ident(f.schema_name)) IS NOT NULL",
				   4, params);
	if (res == NULL)
		return -1;
	unchanged = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	return unchanged;
}

int
feeds_schema_usable(PGconn *conn, const char *schema)
{
	const char *params[1] = {schema};
	PGresult   *res;
	int			usable;

	res = db_query(conn,
				   "SELECT coalesce(pg_catalog.obj_description(n.oid, "
				   "'pg_namespace'), '') LIKE 'gtfs2pgsql%' "
				   "FROM pg_catalog.pg_namespace n WHERE n.nspname = $1",
				   1, params);
	if (res == NULL)
		return -1;
	usable = PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!usable)
	{
		log_error("schema \"%s\" exists and was not made by gtfs2pgsql: "
				  "it is left as it is", schema);
		log_hint("choose another schema with -s, or drop this one");
	}
	return usable;
}

/* "DROP VIEW IF EXISTS gtfs2pgsql.agency, ..." for every catalog table. */
static bool
drop_views(PGconn *conn)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	ok = buf_puts(&sql, "DROP VIEW IF EXISTS ");
	for (int i = 0; ok && i < catalog_nfiles; i++)
		ok = buf_puts(&sql, i ? ", gtfs2pgsql." : "gtfs2pgsql.") &&
			buf_puts(&sql, catalog_files[i].table);
	ok = ok && db_exec(conn, sql.data);
	buf_free(&sql);
	return ok;
}

bool
feeds_begin_swap(PGconn *conn)
{
	PGresult   *res;
	bool		current;

	/* the registry's DDL locks it: only when it is missing or older */
	res = db_query(conn, "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute "
				   "WHERE attrelid = pg_catalog.to_regclass("
				   "'gtfs2pgsql.feeds') AND attname = 'infos')", 0, NULL);
	if (res == NULL)
		return false;
	current = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (current || db_exec(conn, registry_sql)) && drop_views(conn);
}

/* Appends one feed's part of the union view of cat. */
static bool
union_part(Buf *sql, PGconn *conn, const CatalogFile *cat,
		   const char *feed_id, const char *schema)
{
	Ddl			d = {
		.conn = conn,
		.schema = NULL,
		.postgis = NULL,
		.srid = 0,
		.shape_m = false,
	};
	char	   *literal = PQescapeLiteral(conn, feed_id, strlen(feed_id));
	char	   *quoted = db_ident(conn, schema);
	bool		ok = literal && quoted;

	d.schema = quoted;
	ok = ok && buf_puts(sql, "SELECT ") && buf_puts(sql, literal) &&
		buf_puts(sql, "::text AS feed_id");
	for (int i = 0; ok && i < cat->nfields; i++)
		ok = buf_puts(sql, ", ") && ddl_ident(sql, &d, cat->fields[i].name);
	ok = ok && buf_puts(sql, " FROM ") && ddl_table(sql, &d, cat->table);
	PQfreemem(literal);
	PQfreemem(quoted);
	return ok;
}

bool
feeds_end_swap(PGconn *conn, const FeedRecord *rec)
{
	const char *params[7] = {rec->feed_id, rec->schema, rec->file_name,
		rec->sha256, rec->version, rec->options, rec->report_json};
	PGresult   *res;
	Buf			sql;
	bool		ok;

	res = db_query(conn,
				   "WITH gone AS (DELETE FROM gtfs2pgsql.feeds "
				   "  WHERE schema_name = $2 AND feed_id <> $1) "
				   "INSERT INTO gtfs2pgsql.feeds VALUES "
				   "($1, $2, $3, $4, pg_catalog.now(), $5, $6, $7::jsonb) "
				   "ON CONFLICT (feed_id) DO UPDATE SET "
				   "schema_name = $2, file_name = $3, sha256 = $4, "
				   "imported_at = pg_catalog.now(), importer_version = $5, "
				   "options = $6, report = $7::jsonb "
				   "RETURNING 1", 7, params);
	if (res == NULL)
		return false;
	PQclear(res);

	/* the feeds whose schema is still there, in a stable order */
	res = db_query(conn,
				   "SELECT feed_id, schema_name FROM gtfs2pgsql.feeds "
				   "WHERE pg_catalog.to_regnamespace("
				   "pg_catalog.quote_ident(schema_name)) IS NOT NULL "
				   "ORDER BY feed_id", 0, NULL);
	if (res == NULL)
		return false;
	buf_init(&sql, DDL_SQL_MAX * 16);
	ok = true;
	for (int t = 0; ok && t < catalog_nfiles && PQntuples(res) > 0; t++)
	{
		buf_reset(&sql);
		ok = buf_puts(&sql, "CREATE VIEW gtfs2pgsql.") &&
			buf_puts(&sql, catalog_files[t].table) && buf_puts(&sql, " AS\n");
		for (int r = 0; ok && r < PQntuples(res); r++)
			ok = (r == 0 || buf_puts(&sql, "\nUNION ALL\n")) &&
				union_part(&sql, conn, &catalog_files[t], PQgetvalue(res, r, 0),
						   PQgetvalue(res, r, 1));
		if (!ok)
			log_error("union view too long or out of memory");
		ok = ok && db_exec(conn, sql.data);
	}
	buf_free(&sql);
	PQclear(res);
	return ok;
}
