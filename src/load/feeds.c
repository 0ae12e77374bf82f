/*
 * feeds.c: the registry of feeds, gtfs2pgsql.feeds.  The cross-feed
 * tables beside it are made by swap.c.
 */
#include "feeds.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "lockwait.h"
#include "log.h"
#include "trust.h"

/* schema/sql/, embedded by the Makefile */
extern const char sql_registry[];
extern const char sql_feeds_replaced[];
extern const char sql_feeds_record[];

int
feeds_unchanged(PGconn *conn, const FeedRecord *rec)
{
	const char *params[4] = {rec->feed_id, rec->sha256, rec->options,
	rec->schema};
	PGresult   *res;
	int			unchanged;
	int			registry = db_query_bool(conn, "SELECT pg_catalog.to_regclass("
										 "'gtfs2pgsql.feeds') IS NOT NULL",
										 0, NULL);

	if (registry <= 0)
		return registry;
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
	int			usable;

	/* a schema that is not there yet is usable */
	usable = db_query_bool(conn, "SELECT NOT EXISTS (SELECT FROM "
						   "pg_catalog.pg_namespace n WHERE n.nspname = $1 "
						   "AND coalesce(pg_catalog.obj_description(n.oid, "
						   "'pg_namespace'), '') NOT LIKE 'gtfs2pgsql%')",
						   1, params);
	if (usable < 0)
		return -1;
	if (!usable)
	{
		log_error("schema \"%s\" exists and was not made by gtfs2pgsql: "
				  "it is left as it is", schema);
		log_hint("choose another schema with -s, or drop this one");
	}
	return usable;
}

/* 1: the registry is there and current; 0: it is not; -1: failed */
static int
registry_current(PGconn *conn)
{
	return db_query_bool(conn, "SELECT EXISTS (SELECT FROM "
						 "pg_catalog.pg_attribute a JOIN pg_catalog."
						 "pg_class c ON c.oid = a.attrelid "
						 "JOIN pg_catalog.pg_namespace n "
						 "ON n.oid = c.relnamespace WHERE n.nspname = "
						 "'gtfs2pgsql' AND c.relname = 'feeds' "
						 "AND a.attname = 'server_name')", 0, NULL);
}

bool
feeds_setup(PGconn *conn, double wait_seconds)
{
	int			current = registry_current(conn);
	bool		ok;

	if (current != 0)
		return current > 0;

	/*
	 * Under a lock, and checked again once it is held, in a statement of
	 * its own (which sees what a session that held it committed): two
	 * first imports would otherwise both create it.  An advisory lock, as
	 * there may be no table yet to lock; any role can take it, so it is
	 * waited for as every lock is, and only here, not by every load.
	 */
	ok = db_exec(conn, "BEGIN") &&
		lockwait_advisory(conn, false, "gtfs2pgsql registry", "$2::integer",
						  "0", "the lock for creating the registry "
						  "gtfs2pgsql.feeds", wait_seconds);
	current = ok ? registry_current(conn) : -1;
	ok = current >= 0 &&
		(current > 0 ||
		 (trust_set_check(conn) && db_exec(conn, sql_registry))) &&
		db_exec(conn, "COMMIT");
	if (!ok)
		db_cleanup(conn, "ROLLBACK");
	return ok;
}

bool
feeds_put_setup(Buf *sql, PGconn *conn)
{
	PGresult   *res;
	bool		ok;

	/*
	 * the union views of the layout before partitions, which had no
	 * comment: not the timetable's of schema/sql/cross_views.sql
	 */
	res = db_query(conn, "SELECT pg_catalog.string_agg(c.oid::pg_catalog."
				   "regclass::text, ', ') FROM pg_catalog.pg_class c "
				   "WHERE c.oid IN (" DB_SCHEMA_RELATIONS(
				   "pg_catalog.to_regnamespace('gtfs2pgsql')")
				   ") AND c.relkind = 'v' AND pg_catalog.obj_description("
				   "c.oid, 'pg_class') IS NULL", 0, NULL);
	if (res == NULL)
		return false;
	ok = PQgetisnull(res, 0, 0) ||
		(buf_puts(sql, "DROP VIEW ") && buf_puts(sql, PQgetvalue(res, 0, 0)) &&
		 buf_puts(sql, ";\n"));
	PQclear(res);
	if (!ok)
		log_error("out of memory");
	return ok;
}

bool
feeds_replaced(PGconn *conn, const FeedRecord *rec, Report *rep)
{
	const char *params[2] = {rec->feed_id, rec->schema};
	PGresult   *res;
	bool		ok;

	/* one row per file of each feed, its own first */
	res = db_query(conn, sql_feeds_replaced, 2, params);
	ok = res != NULL;
	for (int i = 0; ok && i < PQntuples(res); i++)
	{
		if (i == 0 || strcmp(PQgetvalue(res, i, 0),
							 PQgetvalue(res, i - 1, 0)) != 0)
			ok = report_add_replaced(rep, PQgetvalue(res, i, 0),
									 PQgetvalue(res, i, 1),
									 PQgetvalue(res, i, 2),
									 PQgetvalue(res, i, 3));
		if (ok && !PQgetisnull(res, i, 4))
			ok = report_add_replaced_file(rep, PQgetvalue(res, i, 4),
										  strtol(PQgetvalue(res, i, 5),
												 NULL, 10));
	}
	PQclear(res);
	return ok;
}

bool
feeds_record(PGconn *conn, const FeedRecord *rec)
{
	const char *params[7] = {rec->feed_id, rec->schema, rec->file_name,
		rec->sha256, rec->version, rec->options, rec->report_json};
	PGresult   *res;

	res = db_query(conn, sql_feeds_record, 7, params);
	PQclear(res);
	return res != NULL;
}
