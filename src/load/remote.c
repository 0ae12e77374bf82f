/*
 * remote.c: --attach, the feeds of another server made partitions of the
 * cross-feed tables here, and their detach by --drop.  The work is the DO
 * blocks of schema/sql/remote_attach.sql and remote_detach.sql, which read
 * their values from settings of the transaction, as swap.sql does.
 */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "feeds.h"
#include "log.h"
#include "run.h"
#include "swap.h"
#include "trust.h"

extern const char sql_remote_attach[];
extern const char sql_remote_detach[];

/*
 * In a transaction: the settings remote_attach.sql reads, and a
 * lock_timeout of wait_seconds (a refresh detaches the old foreign tables,
 * which waits for the readers of their buckets).  False (logged).
 */
static bool
set_attach_values(PGconn *conn, const char *server, const char *feed_id,
				  double wait_seconds)
{
	char	   *leaves = swap_leaf_tables();
	const char *params[3] = {server, feed_id, leaves};
	PGresult   *res = leaves ?
		db_query(conn, "SELECT pg_catalog.set_config("
				 "'gtfs2pgsql.remote_server', $1, true), "
				 "pg_catalog.set_config('gtfs2pgsql.remote_feed', $2, true), "
				 "pg_catalog.set_config('gtfs2pgsql.leaves', $3, true)",
				 3, params) : NULL;

	PQclear(res);
	free(leaves);
	return res != NULL && trust_set_check(conn) &&
		(wait_seconds < 0 ||
		 db_execf(conn, "SET LOCAL lock_timeout = '%.0fms'",
				  wait_seconds * 1000));
}

/*
 * ANALYZE of the attached feed's foreign tables, once committed: without
 * statistics the planner joins them here in nested loops (a cross-feed
 * timetable view of HART 2018 ran for minutes, 0.2 s once analyzed).
 * postgres_fdw reads the rows from the server (PostgreSQL 16 samples them
 * there), in a transaction of its own (a signal cancels it) that locks
 * them alone, not the buckets of other feeds; the feed's tables only, not
 * its views (imported too), which ANALYZE would compute whole there.
 * False (logged) on failure.
 */
static bool
analyze_attached(PGconn *conn, const char *feed_id)
{
	const char *params[1] = {feed_id};
	PGresult   *res;
	bool		ok;

	res = db_query(conn, "SELECT pg_catalog.string_agg(c.oid::pg_catalog."
				   "regclass::text, ', ' ORDER BY c.relname) "
				   "FROM gtfs2pgsql.feeds f JOIN pg_catalog.pg_class c "
				   "ON c.relnamespace = pg_catalog.to_regnamespace("
				   "pg_catalog.quote_ident(f.schema_name)) "
				   "WHERE f.feed_id = $1 AND f.server_name IS NOT NULL "
				   "AND c.relkind = 'f' AND c.relispartition AND c.relowner = (SELECT r.oid "
				   "FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)",
				   1, params);
	ok = res != NULL &&
		(PQgetisnull(res, 0, 0) ||
		 (db_begin(conn) &&
		  db_execf(conn, "ANALYZE %s", PQgetvalue(res, 0, 0)) &&
		  db_commit(conn)));
	PQclear(res);
	if (!ok)
		db_cleanup(conn, "ROLLBACK");
	return ok;
}

/*
 * After res failed for --wait: who holds the lock (the detach of a
 * feed's foreign tables locks the hash partitions it shares with others).
 */
static void
hint_lock_timeout(const PGresult *res)
{
	if (res && strcmp(db_sqlstate(res), "55P03") == 0)
		log_hint("readers of the cross-feed tables (of any feed in the same "
				 "hash partitions) hold them: wait longer (--wait) or end "
				 "them");
}

/* One feed in a transaction of its own; an exit code (logged). */
static int
attach_one(PGconn *conn, const char *server, const char *feed_id,
		   double wait_seconds)
{
	char		what[256];
	PGresult   *res = NULL;
	DbOutcome	outcome = DB_FAILED;

	snprintf(what, sizeof(what),
			 "could not attach feed \"%s\" of server \"%s\"", feed_id, server);
	if (db_begin(conn) &&
		set_attach_values(conn, server, feed_id, wait_seconds))
		outcome = db_run(conn, sql_remote_attach, 0, NULL, NULL, what, &res);
	if (outcome == DB_DONE && db_commit(conn))
	{
		PQclear(res);
		log_notice("feed \"%s\" of server \"%s\" attached", feed_id, server);
		if (analyze_attached(conn, feed_id))
			return EXIT_OK;
		log_hint("the feed is attached; ANALYZE its foreign tables, or "
				 "attach it again");
		return db_canceled() ? EXIT_OK : EXIT_DB_FAILED;
	}
	db_cleanup(conn, "ROLLBACK");
	hint_lock_timeout(res);
	/* P0001: refused by the block (no such feed, not ours) */
	outcome = res && (strcmp(db_sqlstate(res), "P0001") == 0 ||
					  strcmp(db_sqlstate(res), "42501") == 0) ?
		DB_REFUSED : DB_FAILED;
	PQclear(res);
	return outcome == DB_REFUSED ? EXIT_BAD_INPUT : EXIT_DB_FAILED;
}

int
remote_attach_feeds(const DbParams *db, const char *server,
					char *const *feed_ids, int nfeeds, double wait_seconds)
{
	PGconn	   *conn = db_connect(db);
	int			code = EXIT_OK;

	if (conn == NULL)
		return EXIT_BADCONN;
	switch (trust_load_allowed(conn, NULL, false))
	{
		case 0:
			PQfinish(conn);
			return EXIT_BAD_INPUT;
		case -1:
			PQfinish(conn);
			return EXIT_DB_FAILED;
	}
	if (!feeds_setup(conn, wait_seconds))
	{
		PQfinish(conn);
		return EXIT_DB_FAILED;
	}
	db_catch_signals(conn);
	for (int i = 0; i < nfeeds && !db_canceled(); i++)
	{
		int			one;

		db_set_step(feed_ids[i]);
		one = attach_one(conn, server, feed_ids[i], wait_seconds);
		if (one > code)
			code = one;
	}
	if (db_canceled())
		code = EXIT_SIGNAL + db_canceled();
	else
		run_warn_signal_after_commit("the feeds are attached");
	db_release_signals();
	PQfinish(conn);
	return code;
}

/* 1: the registry knows remote feeds (server_name); 0: not; -1: failed */
static int
registry_has_servers(PGconn *conn)
{
	/* a registry older than remote feeds has none */
	return db_query_bool(conn, "SELECT EXISTS (SELECT FROM "
						 "pg_catalog.pg_attribute a WHERE a.attrelid = "
						 "pg_catalog.to_regclass('gtfs2pgsql.feeds') "
						 "AND a.attname = 'server_name')", 0, NULL);
}

int
remote_is_attached(PGconn *conn, const char *feed_id)
{
	const char *params[1] = {feed_id};
	int			registry = registry_has_servers(conn);

	if (registry <= 0)
		return registry;
	return db_query_bool(conn, "SELECT server_name IS NOT NULL FROM "
						 "gtfs2pgsql.feeds WHERE feed_id = $1", 1, params);
}

int
remote_load_allowed(PGconn *conn, const char *feed_id, const char *schema)
{
	const char *params[2] = {feed_id, schema};
	int			registry = registry_has_servers(conn);
	PGresult   *res;

	if (registry <= 0)
		return registry == 0;
	res = db_query(conn, "SELECT feed_id, schema_name, server_name "
				   "FROM gtfs2pgsql.feeds WHERE server_name IS NOT NULL "
				   "AND (feed_id = $1 OR schema_name = $2) "
				   "ORDER BY feed_id = $1 DESC LIMIT 1", 2, params);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
	{
		PQclear(res);
		return 1;
	}
	/* its foreign tables are the feed's partitions: a load here would clash */
	if (strcmp(PQgetvalue(res, 0, 0), feed_id) == 0)
		log_error("feed \"%s\" is attached from server \"%s\": it cannot "
				  "be loaded here too", feed_id, PQgetvalue(res, 0, 2));
	else
		log_error("schema \"%s\" holds feed \"%s\" of server \"%s\": a "
				  "feed cannot be loaded into it", schema,
				  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2));
	log_hint("detach it first (gtfs2pgsql --drop %s), or load with another "
			 "--feed-id and -s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

bool
remote_detach_feed(PGconn *conn, const char *feed_id, double wait_seconds)
{
	const char *params[1] = {feed_id};
	PGresult   *res = db_query(conn, "SELECT pg_catalog.set_config("
								"'gtfs2pgsql.remote_feed', $1, true)",
								1, params);
	bool		ok;

	PQclear(res);
	ok = res != NULL && trust_set_check(conn) &&
		(wait_seconds < 0 ||
		 db_execf(conn, "SET LOCAL lock_timeout = '%.0fms'",
				  wait_seconds * 1000));
	res = NULL;
	ok = ok && db_run(conn, sql_remote_detach, 0, NULL, NULL,
					  "could not detach the feed of another server",
					  &res) == DB_DONE;
	if (!ok)
		hint_lock_timeout(res);
	PQclear(res);
	return ok;
}
