/*
 * swap.c: waiting for other imports and readers, and the swap itself.
 *
 * A lock the swap needs is tried with a short lock_timeout inside a
 * savepoint; when it is not free, the savepoint is rolled back, which
 * releases everything taken since, the sessions in the way are named, and
 * the try is repeated after a pause that grows to a second.  So an idle
 * reader of the old feed makes this import wait, visibly, without making
 * readers of other feeds or other imports wait behind it, and a reader
 * that takes its locks in another order never meets a deadlock.
 */
#include "swap.h"

#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "buf.h"
#include "db.h"
#include "catalog.h"
#include "lockwait.h"
#include "log.h"
#include "report.h"
#include "timetable.h"
#include "trust.h"

#define LOCK_TRY_TIMEOUT	"200ms"	/* below deadlock_timeout (1 s) */

/* SQL bodies of schema/sql/, embedded by the Makefile */
extern const char sql_swap[];
extern const char sql_swap_relations[];
extern const char sql_swap_widened[];
extern const char sql_swap_name_taken[];
extern const char sql_cross_views[];

#define SWAP_SQL_MAX (16 * 1024 * 1024)

/* The modes of schema/sql/swap.sql, and the uses of its values */
#define DO_PREPARE "prepare"
#define DO_SWAP "swap"
#define DO_DROP "drop"

/* the last try_locked failed on an object another role made (trust.h) */
static bool refused_by_trust;

/*
 * The registry's lock, a table lock: taking it makes the server read the
 * catalog changes of the swap that held it before (an advisory lock would
 * not, and a feed's tables made by that swap would look missing).  A swap
 * takes it in ROW EXCLUSIVE mode, which other swaps do not wait for: two
 * swaps wait for each other only when their feeds share a bucket.  What
 * makes or changes objects that every feed shares (a cross-feed table, a
 * bucket, a column of a cross-feed table, gtfs2pgsql_dropped) raises it
 * to SHARE ROW EXCLUSIVE first, REGISTRY_RAISE, so that such swaps take
 * turns, and looks again once it holds it; so do drops and a feed that
 * moves to another schema.  Of two swaps that raise it at once, the
 * server fails one as a deadlock at once: it tries again (try_locked).
 */
#define REGISTRY_LOCK \
	"LOCK TABLE gtfs2pgsql.feeds IN ROW EXCLUSIVE MODE;\n"
#define REGISTRY_RAISE \
	"LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;\n"
#define REGISTRY_HELD \
	"(l.relation = pg_catalog.to_regclass('gtfs2pgsql.feeds') " \
	"AND l.mode <> 'AccessShareLock')"

/* A swap's or a drop's wait for its locks (lockwait_until). */
typedef struct
{
	const char *sql;			/* statements that take them */
	const char *doing;			/* what fails when sql fails */
	const char *schema;			/* the feed's schemas it changes */
	const char *other;
	const char *held;			/* other locks held in the way: a
								 * condition on pg_locks l */
} SwapWait;

/*
 * Names on stderr the sessions that hold a lock this one waits for: locks
 * on the relations of the schemas that a swap changes
 * (schema/sql/swap_relations.sql), or those that held says.
 */
static void
say_who_blocks(PGconn *conn, void *arg, const char *what)
{
	const SwapWait *wait = arg;
	const char *params[2] = {wait->schema, wait->other};
	Buf			sql;

	buf_init(&sql, 8192);
	if (buf_puts(&sql, "SELECT l.pid FROM pg_catalog.pg_locks l "
				 "WHERE l.granted AND (l.relation IN (") &&
		buf_puts(&sql, sql_swap_relations) && buf_puts(&sql, ") OR ") &&
		buf_puts(&sql, wait->held) && buf_putc(&sql, ')'))
		lockwait_say_holders(conn, sql.data, 2, params, what);
	buf_free(&sql);
}

/* a SET LOCAL outlives RELEASE: the rest of the transaction waits */
#define SWAP_TRY_END \
	";\nRELEASE SAVEPOINT gtfs2pgsql_swap;\nSET LOCAL lock_timeout = 0"

/*
 * Runs the statements of wait, which take locks, in a savepoint with a
 * short lock_timeout.  1: done, the locks held; 0: a lock was not free and
 * nothing is held; -1: failed (logged as the failure of wait->doing).
 */
static int
try_locked(PGconn *conn, void *arg)
{
	const SwapWait *wait = arg;
	PGresult   *res;
	DbOutcome	outcome;
	Buf			sql;
	int			done;

	/* one message: a statement that fails ends it, before the release */
	buf_init(&sql, SWAP_SQL_MAX);
	if (!buf_puts(&sql, "SAVEPOINT gtfs2pgsql_swap;\n"
				  "SET LOCAL lock_timeout = '" LOCK_TRY_TIMEOUT "';\n") ||
		!buf_puts(&sql, wait->sql) || !buf_puts(&sql, SWAP_TRY_END))
	{
		log_error("out of memory");
		buf_free(&sql);
		return -1;
	}
	/*
	 * A lock not free in time (55P03), or two swaps raising the registry's
	 * lock at once, which the server refuses at once as a deadlock
	 * (40P01): tried again.
	 */
	outcome = db_run(conn, sql.data, 0, NULL, "55P03 40P01", wait->doing,
					 &res);
	buf_free(&sql);
	refused_by_trust = strcmp(db_sqlstate(res), "42501") == 0;
	PQclear(res);
	if (outcome == DB_FAILED)
		return -1;
	done = outcome == DB_DONE;
	return done ? 1 :
		db_exec(conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_swap"
				SWAP_TRY_END) ? 0 : -1;
}

bool
swap_wait_for_import(PGconn *conn, const char *schema, double wait_seconds)
{
	char		what[256];

	snprintf(what, sizeof(what), "another import into schema \"%s\"",
			 schema);
	return lockwait_advisory(conn, false, "gtfs2pgsql",
							 "pg_catalog.hashtext($2)", schema, what,
							 wait_seconds);
}

/*
 * Appends to sql the DO block of schema/sql/swap.sql (the partitioned
 * layout of swap.h, in one round trip) in mode (DO_PREPARE, DO_SWAP,
 * DO_DROP), which reads the values set_values set; false when out of
 * memory.
 */
static bool
put_block(Buf *sql, const char *mode)
{
	return buf_puts(sql, "SELECT pg_catalog.set_config("
					"'gtfs2pgsql.swap_mode', '") &&
		buf_puts(sql, mode) && buf_puts(sql, "', true);\n") &&
		buf_puts(sql, sql_swap);
}

/*
 * Runs the block in mode DO_PREPARE: what a swap can do before it takes
 * its locks; false (logged).
 */
static bool
prepare_swap(PGconn *conn)
{
	Buf			sql;
	bool		ok;

	buf_init(&sql, SWAP_SQL_MAX);
	ok = put_block(&sql, DO_PREPARE);
	if (!ok)
		log_error("out of memory");
	ok = ok && db_exec(conn, sql.data);
	buf_free(&sql);
	return ok;
}

char *
swap_leaf_tables(void)
{
	static const char *const derived[] = {
		"shape_lines", "service_days", "trip_starts", "import_notices",
		"import_files", "locations", "stop_lines", "route_lines"
	};
	Buf			b;
	char	   *out;
	bool		ok;

	buf_init(&b, 64 * 1024);
	ok = buf_putc(&b, '{');
	for (int i = 0; ok && i < catalog_nfiles; i++)
		ok = buf_puts(&b, catalog_files[i].table) && buf_putc(&b, ',');
	for (size_t i = 0; ok && i < sizeof(derived) / sizeof(derived[0]); i++)
		ok = buf_puts(&b, derived[i]) &&
			buf_putc(&b, i + 1 < sizeof(derived) / sizeof(derived[0]) ?
					 ',' : '}');
	out = ok ? strdup(b.data) : NULL;
	if (out == NULL)
		log_error("out of memory");
	buf_free(&b);
	return out;
}

/*
 * The statement that takes every lock of a swap or a drop at once, in one
 * order: the registry's (in turns, SHARE ROW EXCLUSIVE, or not: see
 * REGISTRY_LOCK), the cross-feed tables widened (quoted names, "" for
 * none; see widened_tables) with every feed's partitions, then the
 * relations of schema and other (and the partitions of their partitioned
 * tables) by oid.  LOCK TABLE refuses materialized views: theirs is taken
 * by an ALTER ... OWNER TO their owner, which changes nothing; left to the
 * REFRESH of analysis.h after the swap, it waited, with no lock_timeout
 * and the tables' locks held, for a reader of the statistics, past --wait
 * and unnamed, and every reader of the feed waited behind it.  Built by
 * the server from the catalogs, as they are now.  Appended to sql; false
 * (logged).
 */
static bool
put_locks(Buf *sql, PGconn *conn, const char *schema, const char *other,
		  bool turns, const char *widened)
{
	const char *params[2] = {schema, other};
	Buf			query;
	PGresult   *res = NULL;
	bool		ok;

	buf_init(&query, 64 * 1024);
	if (buf_puts(&query, "SELECT pg_catalog.string_agg(c.oid::pg_catalog."
				 "regclass::text, ', ' ORDER BY c.oid) FILTER (WHERE "
				 "c.relkind <> 'm'), pg_catalog.string_agg(pg_catalog.format("
				 "'ALTER MATERIALIZED VIEW %s OWNER TO %I;', c.oid::"
				 "pg_catalog.regclass, pg_catalog.pg_get_userbyid(c.relowner)), "
				 "E'\n' ORDER BY c.oid) FILTER (WHERE c.relkind = 'm') "
				 "FROM pg_catalog.pg_class c WHERE c.oid IN (") &&
		buf_puts(&query, sql_swap_relations) && buf_putc(&query, ')'))
		res = db_query(conn, query.data, 2, params);
	else
		log_error("out of memory");
	buf_free(&query);
	ok = res != NULL &&
		buf_puts(sql, turns || widened[0] ? REGISTRY_RAISE : REGISTRY_LOCK) &&
		(widened[0] == '\0' ||
		 (buf_puts(sql, "LOCK TABLE ") && buf_puts(sql, widened) &&
		  buf_puts(sql, " IN ACCESS EXCLUSIVE MODE;\n"))) &&
		(PQgetisnull(res, 0, 0) ||
		 (buf_puts(sql, "LOCK TABLE ") && buf_puts(sql, PQgetvalue(res, 0, 0)) &&
		  buf_puts(sql, " IN ACCESS EXCLUSIVE MODE;\n"))) &&
		(PQgetisnull(res, 0, 1) ||
		 (buf_puts(sql, PQgetvalue(res, 0, 1)) && buf_putc(sql, '\n')));
	if (res != NULL && !ok)
		log_error("out of memory");
	PQclear(res);
	return ok;
}

/*
 * The cross-feed tables that lack a column of the staging schema's table
 * of their file, which the swap adds to them and so to every feed's
 * partition (the class of change the layout avoids: see swap.h), as
 * quoted names into names and as a condition on pg_locks l (the locks on
 * their partition trees, or the registry's: see say_who_blocks) into
 * held; both empty when there is none.  False (logged).
 */
static bool
widened_tables(PGconn *conn, const char *staging_name, Buf *names, Buf *held)
{
	char	   *leaves = swap_leaf_tables();
	const char *params[2] = {staging_name, leaves};
	PGresult   *res = leaves ?
		db_query(conn, sql_swap_widened, 2, params) : NULL;
	bool		ok = res != NULL;

	if (ok && !PQgetisnull(res, 0, 0))
		ok = buf_puts(names, PQgetvalue(res, 0, 0)) &&
			buf_puts(held, "(" REGISTRY_HELD " OR l.relation IN (SELECT "
					 "t.relid FROM pg_catalog.unnest('{") &&
			buf_puts(held, PQgetvalue(res, 0, 1)) &&
			buf_puts(held, "}'::pg_catalog.regclass[]) AS w (r), "
					 "pg_catalog.pg_partition_tree(w.r) AS t))");
	if (res != NULL && !ok)
		log_error("out of memory");
	PQclear(res);
	free(leaves);
	return ok;
}

/*
 * Sets, for the rest of the transaction, the values that the DO block of
 * schema/sql/swap.sql reads for use (DO_SWAP: its modes DO_PREPARE and
 * DO_SWAP; DO_DROP: DO_DROP): schema, feed_id (NULL: none) and the staging
 * schema; with the leaves, the names of analysis.h's objects and the
 * timetable's functions, which go with the feed's views, and the trust check it runs (trust.h); false
 * (logged).
 */
static bool
set_values(PGconn *conn, const char *use, const char *schema,
		   const char *feed_id, const char *staging)
{
	char	   *leaves = swap_leaf_tables();
	const char *params[5] = {use, schema, feed_id ? feed_id : "", staging,
	leaves};
	PGresult   *res = leaves ?
		db_query(conn, "SELECT pg_catalog.set_config('gtfs2pgsql.' || $1 || "
				 "'_target', $2, true), pg_catalog.set_config('gtfs2pgsql.' "
				 "|| $1 || '_feed', $3, true), pg_catalog.set_config("
				 "'gtfs2pgsql.' || $1 || '_staging', $4, true), "
				 "pg_catalog.set_config('gtfs2pgsql.leaves', $5, true), "
				 "pg_catalog.set_config('gtfs2pgsql.analysis_matviews', "
				 "ARRAY[" ANALYSIS_MATVIEWS "]::text, true), "
				 "pg_catalog.set_config('gtfs2pgsql.view_functions', "
				 "ARRAY[" TIMETABLE_FUNCTIONS ", " ANALYSIS_FUNCTIONS
				 "]::text, true), "
				 "pg_catalog.set_config('gtfs2pgsql.analysis_views', "
				 "ARRAY[" ANALYSIS_VIEWS "]::text, true)",
				 5, params) : NULL;

	PQclear(res);
	free(leaves);
	return res != NULL && trust_set_check(conn);
}

/*
 * The schema that holds feed_id now, when it is another than schema, into
 * other (NAMEDATALEN bytes); else schema.  False (logged) on failure.
 */
static bool
current_schema_of(PGconn *conn, const char *feed_id, const char *schema,
				  char *other)
{
	const char *params[1] = {feed_id};
	PGresult   *res;
	int			registry;

	snprintf(other, NAMEDATALEN, "%s", schema);
	registry = db_query_bool(conn, "SELECT pg_catalog.to_regclass("
							 "'gtfs2pgsql.feeds') IS NOT NULL", 0, NULL);
	if (registry <= 0)
		return registry == 0;
	res = db_query(conn, "SELECT schema_name FROM gtfs2pgsql.feeds "
				   "WHERE feed_id = $1", 1, params);
	if (res == NULL)
		return false;
	if (PQntuples(res) == 1)
		snprintf(other, NAMEDATALEN, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

SwapStatus
swap_feed(PGconn *conn, const FeedRecord *record, const char *target,
		  const char *staging_name, const char *comment, double wait_seconds)
{
	char		other[NAMEDATALEN];
	Buf			what;
	Buf			widened;		/* cross-feed tables that gain columns */
	Buf			held;			/* their locks, for say_who_blocks */
	Buf			sql;
	SwapWait	wait;
	int			usable;
	bool		ok;

	if (!current_schema_of(conn, record->feed_id, record->schema, other))
		return SWAP_FAILED;
	usable = feeds_schema_usable(conn, record->schema);
	if (usable <= 0)
		return usable == 0 ? SWAP_REFUSED : SWAP_FAILED;
	buf_init(&what, 64 * 1024);
	buf_init(&widened, 64 * 1024);
	buf_init(&held, 64 * 1024);
	buf_init(&sql, SWAP_SQL_MAX);
	ok = set_values(conn, DO_SWAP, record->schema, record->feed_id,
					staging_name) &&
		(strcmp(other, record->schema) == 0 ||
		 set_values(conn, DO_DROP, other, NULL, staging_name)) &&
		prepare_swap(conn) &&
		widened_tables(conn, staging_name, &widened, &held);
	/*
	 * a feed that moves to another schema leaves its old one; one that
	 * widens cross-feed tables waits for the readers of every feed
	 */
	ok = ok && put_locks(&sql, conn, record->schema, other,
						 strcmp(other, record->schema) != 0,
						 widened.len ? widened.data : "") &&
		feeds_put_setup(&sql, conn) &&
		(strcmp(other, record->schema) == 0 || put_block(&sql, DO_DROP)) &&
		put_block(&sql, DO_SWAP) &&
		buf_putc(&sql, '\n') && buf_puts(&sql, sql_cross_views) &&
		buf_puts(&what, "the readers of schema \"") &&
		buf_puts(&what, record->schema) && buf_putc(&what, '"') &&
		(widened.len == 0 ||
		 (buf_puts(&what, " and of every feed's ") &&
		  buf_puts(&what, widened.data) &&
		  buf_puts(&what, " (columns added for every feed)"))) &&
		buf_puts(&what, " to finish");
	if (!ok && (sql.lost || what.lost))
		log_error("out of memory");
	wait = (SwapWait) {
		.sql = sql.data,
		.doing = "could not swap the feed in",
		.schema = record->schema,
		.other = other,
		.held = held.len ? held.data : REGISTRY_HELD,
	};
	ok = ok && lockwait_until(conn, try_locked, say_who_blocks, &wait,
							  what.data, wait_seconds) &&
		db_execf(conn, "COMMENT ON SCHEMA %s IS %s", target, comment) &&
		feeds_record(conn, record);
	buf_free(&sql);
	buf_free(&held);
	buf_free(&widened);
	buf_free(&what);
	return ok ? SWAP_OK : refused_by_trust ? SWAP_REFUSED : SWAP_FAILED;
}

int
swap_name_taken(PGconn *conn, const char *schema, const char *table)
{
	const char *params[2] = {schema, table};

	return db_query_bool(conn, sql_swap_name_taken, 2, params);
}

SwapStatus
swap_drop_feed(PGconn *conn, const char *feed_id, double wait_seconds)
{
	char		schema[NAMEDATALEN];
	char		what[256];
	Buf			sql;
	SwapWait	wait;
	char	   *literal;
	bool		ok;

	/* "" when there is no registry or no such feed in it */
	if (!current_schema_of(conn, feed_id, "", schema))
		return SWAP_FAILED;
	if (schema[0] == '\0')
	{
		log_error("no feed \"%s\" in this database", feed_id);
		return SWAP_REFUSED;
	}
	snprintf(what, sizeof(what), "the readers of schema \"%s\" to finish",
			 schema);
	buf_init(&sql, SWAP_SQL_MAX);
	literal = PQescapeLiteral(conn, schema, strlen(schema));
	ok = literal != NULL && put_locks(&sql, conn, schema, schema, true, "") &&
		set_values(conn, DO_DROP, schema, NULL, "") &&
		put_block(&sql, DO_DROP) &&
		buf_puts(&sql, "DELETE FROM gtfs2pgsql.feeds WHERE schema_name = ") &&
		buf_puts(&sql, literal);
	if (!ok && (sql.lost || literal == NULL))
		log_error("out of memory");
	wait = (SwapWait) {
		.sql = sql.data,
		.doing = "could not drop the feed",
		.schema = schema,
		.other = schema,
		.held = REGISTRY_HELD,
	};
	ok = ok && lockwait_until(conn, try_locked, say_who_blocks, &wait, what,
							  wait_seconds);
	PQfreemem(literal);
	buf_free(&sql);
	return ok ? SWAP_OK : refused_by_trust ? SWAP_REFUSED : SWAP_FAILED;
}

void
swap_clear_dropped(PGconn *conn)
{
	PGresult   *res = db_query(conn,
								"SELECT pg_catalog.string_agg(c.oid::pg_catalog."
								"regclass::text, ', ') FROM pg_catalog.pg_class c "
								"WHERE c.oid IN (" DB_SCHEMA_RELATIONS(
								"pg_catalog.to_regnamespace('gtfs2pgsql_dropped')")
								") AND c.relkind = 'p'",
								0, NULL);
	Buf			sql;

	if (res == NULL || PQgetisnull(res, 0, 0))
	{
		PQclear(res);
		return;
	}
	/*
	 * One short try, in a transaction of its own: a lock on the buckets,
	 * which readers of their feeds never wait for long.  When it
	 * is not free, the next import or drop tries again.  IF EXISTS: a
	 * -j worker's clean-up may have dropped some of them meanwhile.
	 */
	buf_init(&sql, SWAP_SQL_MAX);
	if (buf_puts(&sql, "BEGIN; SET LOCAL lock_timeout = '" LOCK_TRY_TIMEOUT
				 "'; DROP TABLE IF EXISTS ") && buf_puts(&sql, PQgetvalue(res, 0, 0)) &&
		buf_puts(&sql, "; COMMIT"))
	{
		/* a lock not free (55P03): the next one tries */
		db_run(conn, sql.data, 0, NULL, "55P03", "could not drop the tables "
			   "of dropped feeds (in schema gtfs2pgsql_dropped)", NULL);
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			db_cleanup(conn, "ROLLBACK");
	}
	buf_free(&sql);
	PQclear(res);
}
