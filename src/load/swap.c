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
#include "ddl.h"
#include "lockwait.h"
#include "log.h"
#include "report.h"
#include "timetable.h"
#include "trust.h"

#define LOCK_TRY_TIMEOUT	"200ms"	/* below deadlock_timeout (1 s) */

/*
 * The relations a swap or a drop changes: those of the feed's schemas $1
 * and $2, the partitions of their partitioned tables, and the union views
 * of the layout before partitions, which go.
 */
#define FEED_RELATIONS \
	"SELECT c.oid, c.relkind FROM pg_catalog.pg_class c WHERE c.oid IN (" \
	DB_SCHEMA_RELATIONS("ANY (SELECT n.oid FROM pg_catalog.pg_namespace n " \
						"WHERE n.nspname IN ($1, $2))") ") " \
	"AND c.relkind IN ('r', 'v', 'm', 'p')"
#define SWAP_RELATIONS \
	"SELECT f.oid FROM (" FEED_RELATIONS ") AS f " \
	"UNION SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid IN (" \
	DB_SCHEMA_RELATIONS("pg_catalog.to_regnamespace('gtfs2pgsql')") ") " \
	"AND c.relkind = 'v' " \
	"UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i " \
	"WHERE i.inhparent IN (SELECT f.oid FROM (" FEED_RELATIONS ") AS f " \
	"WHERE f.relkind = 'p')"

#define SWAP_SQL_MAX (16 * 1024 * 1024)

/* The uses of the DO blocks' values: see set_values. */
#define DO_SWAP "swap"
#define DO_DROP "drop"

/* the last try_locked failed on an object another role made (trust.h) */
static bool refused_by_trust;

/*
 * A cross-feed table is partitioned by HASH (feed_id) into BUCKETS
 * tables, each partitioned by LIST (feed_id) into feeds: an ATTACH
 * re-reads the bounds of every partition of its parent, so a new feed
 * costs in proportion to the feeds of its bucket, a sixty-fourth of them.
 */
#define BUCKETS			"64"
#define BUCKET_SCHEMA	"gtfs2pgsql_buckets"
#define BUCKET_COMMENT	"gtfs2pgsql: the cross-feed tables'' hash partitions, " \
	"each partitioned by feed_id"

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

/*
 * Names on stderr the sessions that hold a lock this one waits for: locks
 * on the SWAP_RELATIONS of schema and other, or the lock that held (a
 * condition on pg_locks l: REGISTRY_HELD) says.
 */
static void
say_who_blocks(PGconn *conn, const char *schema, const char *other,
			   const char *held, const char *what)
{
	const char *params[2] = {schema, other};
	Buf			sql;

	buf_init(&sql, 8192);
	if (buf_puts(&sql, "l.relation IN (" SWAP_RELATIONS ") OR ") &&
		buf_puts(&sql, held))
		lockwait_say_holders(conn, sql.data, 2, params, what);
	buf_free(&sql);
}

/*
 * Runs sql, statements that take locks, in a savepoint with a short
 * lock_timeout.  1: done, the locks held; 0: a lock was not free and
 * nothing is held; -1: failed (logged as the failure of doing).
 */
static int
try_locked(PGconn *conn, const char *sql, const char *const *params,
		   int nparams, const char *doing)
{
	PGresult   *res;
	DbOutcome	outcome;
	int			done;

	if (!db_exec(conn, "SAVEPOINT gtfs2pgsql_swap") ||
		!db_exec(conn, "SET LOCAL lock_timeout = '" LOCK_TRY_TIMEOUT "'"))
		return -1;
	/*
	 * Without parameters, sql may hold more than one statement.  A lock
	 * not free in time (55P03), or two swaps raising the registry's lock
	 * at once, which the server refuses at once as a deadlock (40P01):
	 * tried again.
	 */
	outcome = db_run(conn, sql, nparams, params, "55P03 40P01", doing, &res);
	refused_by_trust = strcmp(db_sqlstate(res), "42501") == 0;
	PQclear(res);
	if (outcome == DB_FAILED)
		return -1;
	done = outcome == DB_DONE;
	if (!done && !db_exec(conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_swap"))
		return -1;
	/* a SET LOCAL outlives RELEASE: the rest of the transaction waits */
	return db_exec(conn, "RELEASE SAVEPOINT gtfs2pgsql_swap") &&
		db_exec(conn, "SET LOCAL lock_timeout = 0") ? done : -1;
}

/*
 * Tries sql (see try_locked) until it is done or wait_seconds (negative:
 * for ever) have passed, naming the sessions in the way (say_who_blocks)
 * now and then.  False (logged) when it failed or gave up.
 */
static bool
lock_waiting(PGconn *conn, const char *sql, const char *const *params,
			 int nparams, const char *doing, const char *schema,
			 const char *other, const char *held, const char *what,
			 double wait_seconds)
{
	double		started = report_now();
	double		said = LOCKWAIT_SAY_FIRST - LOCKWAIT_SAY_EVERY;
	double		pause = LOCKWAIT_PAUSE_MIN;
	int			done;

	while ((done = try_locked(conn, sql, params, nparams, doing)) == 0)
	{
		double		waited = report_now() - started;

		if (wait_seconds >= 0 && waited >= wait_seconds)
		{
			log_error("gave up waiting for %s after %.1f s (--wait)", what,
					  waited);
			return false;
		}
		if (waited - said >= LOCKWAIT_SAY_EVERY)
		{
			say_who_blocks(conn, schema, other, held, what);
			said = waited;
		}
		lockwait_pause(&pause);
	}
	return done > 0;
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
 * The partitioned layout (see swap.h), as PL/pgSQL run in the load's
 * transaction: one DO block per swap or drop, so that its dozens of
 * catalog statements cost one round trip.  A DO block takes no
 * parameters, and no name is ever pasted into its body, where one holding
 * its closing "$gtfs2pgsql$" would end it: it reads them from settings of
 * the transaction that set_values set from parameters (see DO_DECLARE).
 */
/*
 * Makes schema name when missing; one another role made meanwhile (after
 * the block's TRUST_DO) is refused.
 */
#define DO_OUR_SCHEMA(name) \
"CREATE SCHEMA IF NOT EXISTS " name ";\n" \
"IF NOT (SELECT " TRUST_OWNER_OK("n.nspowner") " FROM " \
"pg_catalog.pg_namespace n WHERE n.nspname = '" name "') THEN\n" \
"\tRAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = " \
"'schema " name " was made by another role';\n" \
"END IF;\n"

/*
 * The bound of feed's partitions as pg_get_expr prints it: quotes doubled,
 * and backslashes as they are (db.c sets standard_conforming_strings),
 * where format's %L would write E'\\'.
 */
#define DO_BOUND \
"\tbound text := 'FOR VALUES IN (''' || pg_catalog.replace(feed, '''', '''''')\n" \
"\t\t|| ''')';\n"

/*
 * The block's values, from the settings gtfs2pgsql.<use>_*: the feed's
 * schema, the feed id ('': none), the staging schema; and the tables that
 * are partitions of cross-feed tables.
 */
#define DO_DECLARE(use) \
"DO $gtfs2pgsql$\n" \
"DECLARE\n" \
"\ttarget text := pg_catalog.current_setting('gtfs2pgsql." use "_target');\n" \
"\tfeed text := NULLIF(pg_catalog.current_setting(\n" \
"\t\t'gtfs2pgsql." use "_feed'), '');\n" \
"\tstaging text := pg_catalog.current_setting('gtfs2pgsql." use "_staging');\n" \
"\tleaves text[] := pg_catalog.current_setting('gtfs2pgsql.leaves')::text[];\n" \
DO_BOUND \
"\tns oid := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));\n" \
"\tcleared regclass[] := '{}';\n" \
"\ttop regclass;\n" \
"\tparent regclass;\n" \
"\tbucket int;\n" \
"\tsub regclass;\n" \
"\tstaged regclass;\n" \
"\tleaf text;\n" \
"\tr record;\n" \
"BEGIN\n"

/*
 * Empties the feed's schema, refusing when the feed goes (feed NULL) and
 * views of the user's read its tables: its plain tables go, and its views
 * (and the timetable's functions, TIMETABLE_FUNCTIONS) when the feed goes or the tables they read are those of the layout
 * before partitions (else they stay, replaced by the load, keeping their
 * privileges and the views of users over them); each of its partitioned
 * tables loses its partitions (collected in "cleared").  Such a table
 * stays when it is the partition of feed, or a partition of nothing (an
 * empty file's: see swap_sql) unless the feed goes; else it is put aside
 * in gtfs2pgsql_dropped: that locks it alone, where dropping it would
 * lock its bucket for every reader of its feeds (see swap_clear_dropped).
 */
#define DO_EMPTY_TARGET \
"IF ns IS NOT NULL AND (feed IS NULL OR EXISTS (SELECT FROM pg_catalog.pg_class c\n" \
"\tWHERE c.relname = ANY (leaves) AND c.relnamespace = ns AND c.relkind = 'r'))\n" \
"THEN\n" \
"\tSELECT pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::text, ', ')\n" \
"\t\tINTO leaf FROM pg_catalog.pg_proc p WHERE p.pronamespace = ns\n" \
"\t\tAND p.proname IN (" TIMETABLE_FUNCTIONS ");\n" \
"\tIF leaf IS NOT NULL THEN\n" \
"\t\tEXECUTE 'DROP FUNCTION ' || leaf;\n" \
"\tEND IF;\n" \
"\tSELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ')\n" \
"\t\tINTO leaf FROM pg_catalog.pg_class c WHERE c.relnamespace = ns\n" \
"\t\tAND c.relkind = 'm' AND c.relname IN (" ANALYSIS_MATVIEWS ");\n" \
"\tIF leaf IS NOT NULL THEN\n" \
"\t\tEXECUTE 'DROP MATERIALIZED VIEW ' || leaf;\n" \
"\tEND IF;\n" \
"\tSELECT pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::text, ', ')\n" \
"\t\tINTO leaf FROM pg_catalog.pg_proc p WHERE p.pronamespace = ns\n" \
"\t\tAND p.proname IN (" ANALYSIS_FUNCTIONS ");\n" \
"\tIF leaf IS NOT NULL THEN\n" \
"\t\tEXECUTE 'DROP FUNCTION ' || leaf;\n" \
"\tEND IF;\n" \
"\tSELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ')\n" \
"\t\tINTO leaf FROM pg_catalog.pg_class c WHERE c.relnamespace = ns\n" \
"\t\tAND c.relkind = 'v' AND c.relname IN ('route_lines', 'trip_lines',\n" \
"\t\t'connections', 'arrivals_departures', " ANALYSIS_VIEWS ");\n" \
"\tIF leaf IS NOT NULL THEN\n" \
"\t\tEXECUTE 'DROP VIEW ' || leaf;\n" \
"\tEND IF;\n" \
"END IF;\n" \
"IF ns IS NOT NULL AND feed IS NULL THEN\n" \
"\tSELECT pg_catalog.string_agg(DISTINCT w.ev_class::pg_catalog.regclass::text,\n" \
"\t\t', ') INTO leaf FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite w\n" \
"\t\tON w.oid = d.objid JOIN pg_catalog.pg_class c ON c.oid = d.refobjid\n" \
"\t\tWHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass\n" \
"\t\tAND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass\n" \
"\t\tAND c.oid IN (" DB_SCHEMA_RELATIONS("ns") ")\n" \
"\t\tAND c.relkind = 'p' AND w.ev_class <> c.oid;\n" \
"\tIF leaf IS NOT NULL THEN\n" \
"\t\tRAISE EXCEPTION 'cannot drop the feed of schema %: % depend on its " \
"tables', target, leaf\n" \
"\t\t\tUSING HINT = 'drop them first';\n" \
"\tEND IF;\n" \
"END IF;\n" \
"IF ns IS NOT NULL THEN\n" \
"\tFOR r IN SELECT c.oid::pg_catalog.regclass AS t, c.relkind,\n" \
"\t\tc.relname, i.inhparent IS NULL AS alone,\n" \
"\t\tpg_catalog.pg_get_expr(c.relpartbound, c.oid) = bound\n" \
"\t\tAND i.inhparent IN (\n" \
"\t\t\tSELECT t.oid FROM (VALUES (pg_catalog.to_regclass(pg_catalog.format(\n" \
"\t\t\t'gtfs2pgsql.%I', c.relname))::pg_catalog.oid)) AS t (oid)\n" \
"\t\t\tUNION ALL SELECT j.inhrelid FROM pg_catalog.pg_inherits j\n" \
"\t\t\tWHERE j.inhparent = pg_catalog.to_regclass(pg_catalog.format(\n" \
"\t\t\t'gtfs2pgsql.%I', c.relname))) AS ours\n" \
"\t\tFROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_inherits i\n" \
"\t\tON i.inhrelid = c.oid WHERE c.oid IN (" DB_SCHEMA_RELATIONS("ns") ")\n" \
"\t\tAND (c.relkind = 'p' OR (c.relkind = 'r' AND\n" \
"\t\tpg_catalog.obj_description(c.oid, 'pg_class') = '" DDL_TABLE_MARK "'))\n" \
"\tLOOP\n" \
"\t\tIF r.relkind = 'r' THEN\n" \
"\t\t\tEXECUTE 'DROP TABLE ' || r.t;\n" \
"\t\t\tCONTINUE;\n" \
"\t\tEND IF;\n" \
"\t\tFOR sub IN SELECT i.inhrelid FROM pg_catalog.pg_inherits i\n" \
"\t\t\tWHERE i.inhparent = r.t\n" \
"\t\tLOOP\n" \
"\t\t\tEXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s', " \
"r.t, sub);\n" \
"\t\t\tcleared := cleared || sub;\n" \
"\t\tEND LOOP;\n" \
"\t\tIF r.alone AND feed IS NULL THEN\n" \
"\t\t\tEXECUTE 'DROP TABLE ' || r.t;\n" \
"\t\tELSIF NOT r.alone AND NOT coalesce(r.ours, false) THEN\n" \
"\t\t\t" REGISTRY_RAISE \
"\t\t\t" DO_OUR_SCHEMA("gtfs2pgsql_dropped") \
"\t\t\tEXECUTE pg_catalog.format('ALTER TABLE %s RENAME TO %I', r.t,\n" \
"\t\t\t\tpg_catalog.left(r.relname, 40) || '_' || r.t::oid);\n" \
"\t\t\tEXECUTE pg_catalog.format('ALTER TABLE %I.%I SET SCHEMA " \
"gtfs2pgsql_dropped', target,\n" \
"\t\t\t\tpg_catalog.left(r.relname, 40) || '_' || r.t::oid);\n" \
"\t\tEND IF;\n" \
"\tEND LOOP;\n" \
"END IF;\n"

/*
 * Drops the partitions the feed had, and the schemas that held them
 * (gtfs2pgsql_data_N) once empty.
 */
#define DO_DROP_CLEARED \
"FOR r IN SELECT DISTINCT c.relnamespace FROM pg_catalog.pg_class c\n" \
"\tWHERE c.oid = ANY (cleared)\n" \
"LOOP\n" \
"\tFOREACH sub IN ARRAY cleared LOOP\n" \
"\t\tCONTINUE WHEN (SELECT c.relnamespace FROM pg_catalog.pg_class c\n" \
"\t\t\tWHERE c.oid = sub) <> r.relnamespace;\n" \
"\t\tEXECUTE 'DROP TABLE ' || sub;\n" \
"\tEND LOOP;\n" \
"\tIF pg_catalog.starts_with(r.relnamespace::pg_catalog.regnamespace::text,\n" \
"\t\t'gtfs2pgsql_data_') AND NOT EXISTS (" \
DB_SCHEMA_RELATIONS("r.relnamespace") ")\n" \
"\tTHEN\n" \
"\t\tEXECUTE 'DROP SCHEMA ' || r.relnamespace::pg_catalog.regnamespace;\n" \
"\tEND IF;\n" \
"END LOOP;\n"

/*
 * Where the feed's table of file leaf is attached, in parent: the bucket
 * of the cross-feed table top that feed hashes to, or top itself when
 * top is partitioned by LIST (the layout before buckets).  The bucket of
 * remainder N, leaf_N, is made the first time a feed falls in it: made
 * apart and attached, it takes no lock that readers of top wait for, as
 * CREATE TABLE ... PARTITION OF would; made with top, the 64 buckets of
 * each table cost a new database's first load a second.
 */
#define DO_FIND_PARENT \
"\t\tparent := top;\n" \
"\t\tIF (SELECT p.partstrat FROM pg_catalog.pg_partitioned_table p\n" \
"\t\t\tWHERE p.partrelid = top) = 'h'\n" \
"\t\tTHEN\n" \
"\t\t\tbucket := (SELECT b FROM pg_catalog.generate_series(0, " BUCKETS \
" - 1) b\n" \
"\t\t\t\tWHERE pg_catalog.satisfies_hash_partition(top, " BUCKETS ", b, " \
"feed));\n" \
"\t\t\tparent := pg_catalog.to_regclass(pg_catalog.format('" BUCKET_SCHEMA \
".%I',\n" \
"\t\t\t\tleaf || '_' || bucket));\n" \
"\t\t\tIF parent IS NULL THEN\n" \
"\t\t\t\t" REGISTRY_RAISE \
"\t\t\t\tparent := pg_catalog.to_regclass(pg_catalog.format('" \
BUCKET_SCHEMA ".%I',\n" \
"\t\t\t\t\tleaf || '_' || bucket));\n" \
"\t\t\tEND IF;\n" \
"\t\t\tIF parent IS NULL THEN\n" \
"\t\t\t\t" DO_OUR_SCHEMA(BUCKET_SCHEMA) \
"\t\t\t\tCOMMENT ON SCHEMA " BUCKET_SCHEMA " IS '" BUCKET_COMMENT "';\n" \
"\t\t\t\tEXECUTE pg_catalog.format('CREATE TABLE " BUCKET_SCHEMA ".%I " \
"(LIKE %s INCLUDING CONSTRAINTS) PARTITION BY LIST (feed_id)', " \
"leaf || '_' || bucket, top);\n" \
"\t\t\t\tEXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION " \
BUCKET_SCHEMA ".%I FOR VALUES WITH (MODULUS " BUCKETS ", REMAINDER %s)', " \
"top,\n" \
"\t\t\t\t\tleaf || '_' || bucket, bucket);\n" \
"\t\t\t\tparent := pg_catalog.format('" BUCKET_SCHEMA ".%I', leaf || '_' " \
"|| bucket)::pg_catalog.regclass;\n" \
"\t\t\tEND IF;\n" \
"\t\tEND IF;\n"

/*
 * The feed's partitioned table of file leaf, in sub: made like its
 * cross-feed table when missing.  route_lines was a view of ours before it
 * was a table: that view goes (not a view of yours over it, which fails
 * the load).
 */
#define DO_MAKE_SUB \
"\tsub := pg_catalog.to_regclass(pg_catalog.format('%I.%I', target, leaf));\n" \
"\tIF leaf = 'route_lines' AND (SELECT c.relkind FROM pg_catalog.pg_class c\n" \
"\t\tWHERE c.oid = sub) = 'v' THEN\n" \
"\t\tEXECUTE 'DROP VIEW ' || sub;\n" \
"\t\tsub := NULL;\n" \
"\tEND IF;\n" \
"\tIF sub IS NULL THEN\n" \
"\t\tEXECUTE pg_catalog.format('CREATE TABLE %I.%I (LIKE gtfs2pgsql.%I " \
"INCLUDING CONSTRAINTS) PARTITION BY LIST (feed_id)', target, leaf, leaf);\n" \
"\t\tEXECUTE pg_catalog.format('COMMENT ON TABLE %I.%I IS %L', target, " \
"leaf, 'gtfs2pgsql: the feed''s ' || leaf);\n" \
"\t\tsub := pg_catalog.format('%I.%I', target, leaf)::pg_catalog.regclass;\n" \
"\tEND IF;\n"

/*
 * The swap: the staging schema's tables named in leaves become the
 * partitions of feed in the target's partitioned tables (made when
 * missing), or are dropped when empty; its other tables move to the
 * target, and it becomes the feed's data schema gtfs2pgsql_data_<oid of
 * the target>.  A partitioned table of the target is attached to its
 * bucket of the cross-feed table of gtfs2pgsql (made with its buckets
 * when missing) when its file has rows: each ATTACH costs in proportion
 * to the partitions already there, and most feeds lack most files.
 */
static const char *const swap_sql =
DO_DECLARE(DO_SWAP)
TRUST_DO("target")
"IF ns IS NULL THEN\n"
"\tEXECUTE pg_catalog.format('CREATE SCHEMA %I', target);\n"
"\tns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));\n"
"END IF;\n"
DO_EMPTY_TARGET
"FOREACH leaf IN ARRAY leaves LOOP\n"
"\tstaged := pg_catalog.to_regclass(pg_catalog.format('%I.%I', staging, "
"leaf));\n"
"\ttop := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', leaf));\n"
"\tCONTINUE WHEN staged IS NULL AND top IS NULL;\n"
"\tIF top IS NULL THEN\n"
"\t\t" REGISTRY_RAISE
"\t\ttop := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', "
"leaf));\n"
"\tEND IF;\n"
"\tIF top IS NULL THEN\n"
"\t\tEXECUTE pg_catalog.format('CREATE TABLE gtfs2pgsql.%I (LIKE %I.%I "
"INCLUDING CONSTRAINTS) PARTITION BY HASH (feed_id)', leaf, staging, leaf);\n"
"\t\tEXECUTE pg_catalog.format('COMMENT ON TABLE gtfs2pgsql.%I IS %L', "
"leaf, 'gtfs2pgsql: ' || leaf || ' of every feed, by feed_id');\n"
/* a primary key made its columns NOT NULL in this feed, not in all */
"\t\tFOR r IN SELECT a.attname FROM pg_catalog.pg_attribute a\n"
"\t\t\tWHERE a.attrelid = pg_catalog.format('gtfs2pgsql.%I', leaf)::"
"pg_catalog.regclass\n"
"\t\t\tAND a.attnum > 0 AND a.attnotnull AND a.attname <> 'feed_id'\n"
"\t\tLOOP\n"
"\t\t\tEXECUTE pg_catalog.format('ALTER TABLE gtfs2pgsql.%I ALTER %I "
"DROP NOT NULL', leaf, r.attname);\n"
"\t\tEND LOOP;\n"
/* made from the stand-in of a file the feed lacks (ddl.h) */
"\t\tIF EXISTS (SELECT FROM pg_catalog.pg_attribute a\n"
"\t\t\tWHERE a.attrelid = pg_catalog.format('gtfs2pgsql.%I', leaf)::"
"pg_catalog.regclass\n"
"\t\t\tAND a.attname = '" DDL_LINE_COLUMN "')\n"
"\t\tTHEN\n"
"\t\t\tEXECUTE pg_catalog.format('ALTER TABLE gtfs2pgsql.%I DROP COLUMN "
DDL_LINE_COLUMN "', leaf);\n"
"\t\tEND IF;\n"
"\t\ttop := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', "
"leaf));\n"
"\tEND IF;\n"
DO_MAKE_SUB
/*
 * an empty file's table is no partition (prepare_sql dropped it when it
 * could): a feed's every ATTACH reads all of pg_constraint (looking for
 * foreign keys to clone), so that the fewer there are and the fewer
 * constraints stay, the less a feed costs with a thousand loaded
 */
"\tCONTINUE WHEN staged IS NULL;\n"
"\tIF pg_catalog.pg_relation_size(staged) = 0 THEN\n"
"\t\tEXECUTE 'DROP TABLE ' || staged;\n"
"\t\tCONTINUE;\n"
"\tEND IF;\n"
"\tIF NOT EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE i.inhrelid = sub)\n"
"\tTHEN\n"
DO_FIND_PARENT
/* a partition of feed left behind by a drop */
"\t\tFOR r IN SELECT c.oid::pg_catalog.regclass AS t\n"
"\t\t\tFROM pg_catalog.pg_class c WHERE c.oid IN ("
DB_SCHEMA_RELATIONS("pg_catalog.to_regnamespace('gtfs2pgsql_dropped')") ")\n"
"\t\t\tAND EXISTS (SELECT FROM pg_catalog.pg_inherits i\n"
"\t\t\t\tWHERE i.inhrelid = c.oid AND i.inhparent = parent)\n"
"\t\t\tAND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = bound\n"
"\t\tLOOP\n"
"\t\t\tEXECUTE 'DROP TABLE ' || r.t;\n"
"\t\tEND LOOP;\n"
"\t\tEXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION "
"%s FOR VALUES IN (%L)', parent, sub, feed);\n"
"\tEND IF;\n"
/* partitions have the same columns: a column one side lacks is added */
"\tIF EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = staged\n"
"\t\tAND a.attnum > 0 AND NOT a.attisdropped AND NOT EXISTS (SELECT\n"
"\t\tFROM pg_catalog.pg_attribute b WHERE b.attrelid = top\n"
"\t\tAND b.attname = a.attname AND NOT b.attisdropped))\n"
"\tTHEN\n"
"\t\t" REGISTRY_RAISE
"\tEND IF;\n"
"\tFOR r IN SELECT a.attname, a.atttypid, a.atttypmod, b.atttypid AS other,\n"
"\t\tb.atttypmod AS other_mod, a.attrelid = top AS on_top\n"
"\t\tFROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attribute b\n"
"\t\tON b.attrelid = CASE WHEN a.attrelid = top THEN\n"
"\t\t\tpg_catalog.format('%I.%I', staging, leaf)::pg_catalog.regclass\n"
"\t\t\tELSE top END\n"
"\t\tAND b.attname = a.attname AND b.attnum > 0 AND NOT b.attisdropped\n"
"\t\tWHERE a.attrelid IN (top,\n"
"\t\t\tpg_catalog.format('%I.%I', staging, leaf)::pg_catalog.regclass)\n"
"\t\tAND a.attnum > 0 AND NOT a.attisdropped\n"
"\t\tAND (b.attname IS NULL OR b.atttypid <> a.atttypid\n"
"\t\t\tOR b.atttypmod <> a.atttypmod)\n"
"\tLOOP\n"
"\t\tIF r.other IS NOT NULL THEN\n"
"\t\t\tRAISE EXCEPTION 'column % of % is % in gtfs2pgsql.% but % here',\n"
"\t\t\t\tr.attname, leaf,\n"
"\t\t\t\tpg_catalog.format_type(CASE WHEN r.on_top THEN r.atttypid\n"
"\t\t\t\t\tELSE r.other END, CASE WHEN r.on_top THEN r.atttypmod\n"
"\t\t\t\t\tELSE r.other_mod END), leaf,\n"
"\t\t\t\tpg_catalog.format_type(CASE WHEN r.on_top THEN r.other\n"
"\t\t\t\t\tELSE r.atttypid END, CASE WHEN r.on_top THEN r.other_mod\n"
"\t\t\t\t\tELSE r.atttypmod END);\n"
"\t\tEND IF;\n"
"\t\tEXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s',\n"
"\t\t\tCASE WHEN r.on_top THEN pg_catalog.format('%I.%I', staging, leaf)\n"
"\t\t\tELSE top::text END, r.attname,\n"
"\t\t\tpg_catalog.format_type(r.atttypid, r.atttypmod));\n"
"\tEND LOOP;\n"
"\tEXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION %I.%I "
"FOR VALUES IN (%L)', sub, staging, leaf, feed);\n"
"END LOOP;\n"
"FOR r IN SELECT c.relname FROM pg_catalog.pg_class c\n"
"\tWHERE c.oid IN (" DB_SCHEMA_RELATIONS("pg_catalog.to_regnamespace("
"pg_catalog.quote_ident(staging))") ")\n"
"\tAND c.relkind = 'r' AND c.relname <> ALL (leaves)\n"
"LOOP\n"
"\tEXECUTE pg_catalog.format('ALTER TABLE %I.%I SET SCHEMA %I', staging, "
"r.relname, target);\n"
"END LOOP;\n"
DO_DROP_CLEARED
"EXECUTE pg_catalog.format('ALTER SCHEMA %I RENAME TO %I', staging,\n"
"\t'gtfs2pgsql_data_' || ns);\n"
"EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', "
"'gtfs2pgsql_data_' || ns,\n"
"\t'gtfs2pgsql: the partitions of feed ' || feed || ', to be queried in "
"schema ' || target);\n"
"END\n"
"$gtfs2pgsql$;\n";

/*
 * What a swap can do before it takes its locks, so that swaps, which take
 * turns, are shorter: the feed's schema and its partitioned tables, when
 * missing and their cross-feed table exists (made now, they are out of
 * others' sight until the commit), and the empty files' tables of the
 * staging schema dropped once the feed's table of that name exists.
 */
static const char *const prepare_sql =
DO_DECLARE(DO_SWAP)
"FOREACH leaf IN ARRAY leaves LOOP\n"
"\ttop := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', leaf));\n"
"\tCONTINUE WHEN top IS NULL;\n"
"\tIF ns IS NULL THEN\n"
"\t\tEXECUTE pg_catalog.format('CREATE SCHEMA %I', target);\n"
"\t\tns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));\n"
"\tEND IF;\n"
DO_MAKE_SUB
"\tstaged := pg_catalog.to_regclass(pg_catalog.format('%I.%I', staging, "
"leaf));\n"
"\tIF pg_catalog.pg_relation_size(staged) = 0 THEN\n"
"\t\tEXECUTE 'DROP TABLE ' || staged;\n"
"\tEND IF;\n"
"END LOOP;\n"
"END\n"
"$gtfs2pgsql$;\n";

/*
 * A drop: the feed's schema emptied, then dropped unless the user's
 * objects are still in it.
 */
static const char *const drop_sql =
DO_DECLARE(DO_DROP)
TRUST_DO("target")
DO_EMPTY_TARGET
DO_DROP_CLEARED
"IF ns IS NOT NULL THEN\n"
"\tBEGIN\n"
"\t\tEXECUTE pg_catalog.format('DROP SCHEMA %I', target);\n"
"\tEXCEPTION WHEN dependent_objects_still_exist THEN\n"
"\t\tRAISE NOTICE 'schema % is kept: it holds objects of yours', target;\n"
"\tEND;\n"
"END IF;\n"
"END\n"
"$gtfs2pgsql$;\n";

/* The tables that become partitions of cross-feed tables, as a text[]. */
static char *
leaf_tables(void)
{
	static const char *const derived[] = {
		"shape_lines", "service_days", "import_notices", "import_files",
		"locations", "stop_lines", "route_lines"
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
 * tables) by oid, but materialized views, which LOCK TABLE refuses (the
 * REFRESH of analysis.h locks them after the swap).  Built by the server
 * from the catalogs, as they are now.  Appended to sql; false (logged).
 */
static bool
put_locks(Buf *sql, PGconn *conn, const char *schema, const char *other,
		  bool turns, const char *widened)
{
	const char *params[2] = {schema, other};
	PGresult   *res = db_query(conn,
								"SELECT pg_catalog.string_agg(oid::pg_catalog."
								"regclass::text, ', ' ORDER BY oid) FROM ("
								SWAP_RELATIONS ") AS r WHERE (SELECT "
								"c.relkind FROM pg_catalog.pg_class c "
								"WHERE c.oid = r.oid) <> 'm'", 2, params);
	bool		ok = res != NULL &&
		buf_puts(sql, turns || widened[0] ? REGISTRY_RAISE : REGISTRY_LOCK) &&
		(widened[0] == '\0' ||
		 (buf_puts(sql, "LOCK TABLE ") && buf_puts(sql, widened) &&
		  buf_puts(sql, " IN ACCESS EXCLUSIVE MODE;\n"))) &&
		(PQgetisnull(res, 0, 0) ||
		 (buf_puts(sql, "LOCK TABLE ") && buf_puts(sql, PQgetvalue(res, 0, 0)) &&
		  buf_puts(sql, " IN ACCESS EXCLUSIVE MODE;\n")));

	PQclear(res);
	return ok;
}

/*
 * The cross-feed tables (of the leaves $2) that lack a column of the
 * staging schema $1's table of their file, which the swap attaches (it has
 * rows): their names, quoted, and their oids.
 */
#define WIDENED_SQL \
	"SELECT pg_catalog.string_agg(r.top::pg_catalog.regclass::text, ', ' " \
	"ORDER BY r.top), pg_catalog.string_agg(r.top::text, ',' ORDER BY r.top) " \
	"FROM pg_catalog.unnest($2::text[]) AS f (leaf), LATERAL (SELECT " \
	"pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1::text, f.leaf))::" \
	"pg_catalog.oid AS staged, pg_catalog.to_regclass(pg_catalog.format(" \
	"'gtfs2pgsql.%I', f.leaf))::pg_catalog.oid AS top) AS r " \
	"WHERE r.top IS NOT NULL AND r.staged IS NOT NULL " \
	"AND pg_catalog.pg_relation_size(r.staged) > 0 " \
	"AND EXISTS (SELECT FROM pg_catalog.pg_attribute a " \
	"WHERE a.attrelid = r.staged AND a.attnum > 0 AND NOT a.attisdropped " \
	"AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute b " \
	"WHERE b.attrelid = r.top AND b.attname = a.attname " \
	"AND NOT b.attisdropped))"

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
	char	   *leaves = leaf_tables();
	const char *params[2] = {staging_name, leaves};
	PGresult   *res = leaves ? db_query(conn, WIDENED_SQL, 2, params) : NULL;
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
 * Sets, for the rest of the transaction, the values that the DO blocks of
 * use (DO_SWAP: prepare_sql and swap_sql; DO_DROP: drop_sql) read: schema,
 * feed_id (NULL: none) and the staging schema; false (logged).
 */
static bool
set_values(PGconn *conn, const char *use, const char *schema,
		   const char *feed_id, const char *staging)
{
	char	   *leaves = leaf_tables();
	const char *params[5] = {use, schema, feed_id ? feed_id : "", staging,
	leaves};
	PGresult   *res = leaves ?
		db_query(conn, "SELECT pg_catalog.set_config('gtfs2pgsql.' || $1 || "
				 "'_target', $2, true), pg_catalog.set_config('gtfs2pgsql.' "
				 "|| $1 || '_feed', $3, true), pg_catalog.set_config("
				 "'gtfs2pgsql.' || $1 || '_staging', $4, true), "
				 "pg_catalog.set_config('gtfs2pgsql.leaves', $5, true)",
				 5, params) : NULL;

	PQclear(res);
	free(leaves);
	return res != NULL;
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
		db_exec(conn, prepare_sql) &&
		widened_tables(conn, staging_name, &widened, &held);
	/*
	 * a feed that moves to another schema leaves its old one; one that
	 * widens cross-feed tables waits for the readers of every feed
	 */
	ok = ok && put_locks(&sql, conn, record->schema, other,
						 strcmp(other, record->schema) != 0,
						 widened.len ? widened.data : "") &&
		feeds_put_setup(&sql, conn) &&
		(strcmp(other, record->schema) == 0 || buf_puts(&sql, drop_sql)) &&
		buf_puts(&sql, swap_sql) &&
		buf_puts(&what, "the readers of schema \"") &&
		buf_puts(&what, record->schema) && buf_putc(&what, '"') &&
		(widened.len == 0 ||
		 (buf_puts(&what, " and of every feed's ") &&
		  buf_puts(&what, widened.data) &&
		  buf_puts(&what, " (columns added for every feed)"))) &&
		buf_puts(&what, " to finish");
	if (!ok && (sql.lost || what.lost))
		log_error("out of memory");
	ok = ok && lock_waiting(conn, sql.data, NULL, 0, "could not swap the feed in",
							record->schema, other,
							held.len ? held.data : REGISTRY_HELD, what.data,
							wait_seconds) &&
		db_execf(conn, "COMMENT ON SCHEMA %s IS %s", target, comment) &&
		feeds_record(conn, record);
	buf_free(&sql);
	buf_free(&held);
	buf_free(&widened);
	buf_free(&what);
	return ok ? SWAP_OK : refused_by_trust ? SWAP_REFUSED : SWAP_FAILED;
}

/*
 * Whether $2 names, in schema $1, a relation or a type that the swap would
 * not drop before it moves the staging schema's tables there: anything
 * but a table of a file that gtfs2pgsql made (DO_EMPTY_TARGET).
 */
#define NAME_TAKEN_SQL \
	"WITH ns AS (SELECT pg_catalog.to_regnamespace(pg_catalog.quote_ident(" \
	"$1::text)) AS oid), ours AS (SELECT c.oid FROM pg_catalog.pg_class c, " \
	"ns WHERE c.relnamespace = ns.oid AND c.relname = $2 AND " \
	"c.relkind = 'r' AND pg_catalog.obj_description(c.oid, 'pg_class') = '" \
	DDL_TABLE_MARK "') " \
	"SELECT EXISTS (SELECT FROM pg_catalog.pg_class c, ns " \
	"WHERE c.relnamespace = ns.oid AND c.relname = $2 " \
	"AND c.oid NOT IN (SELECT ours.oid FROM ours)) " \
	"OR EXISTS (SELECT FROM pg_catalog.pg_type t, ns " \
	"WHERE t.typnamespace = ns.oid AND t.typname = $2 " \
	"AND t.typrelid NOT IN (SELECT ours.oid FROM ours))"

int
swap_name_taken(PGconn *conn, const char *schema, const char *table)
{
	const char *params[2] = {schema, table};

	return db_query_bool(conn, NAME_TAKEN_SQL, 2, params);
}

SwapStatus
swap_drop_feed(PGconn *conn, const char *feed_id, double wait_seconds)
{
	char		schema[NAMEDATALEN];
	char		what[256];
	Buf			sql;
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
		buf_puts(&sql, drop_sql) &&
		buf_puts(&sql, "DELETE FROM gtfs2pgsql.feeds WHERE schema_name = ") &&
		buf_puts(&sql, literal);
	if (!ok && (sql.lost || literal == NULL))
		log_error("out of memory");
	ok = ok && lock_waiting(conn, sql.data, NULL, 0, "could not drop the feed",
							schema, schema, REGISTRY_HELD, what, wait_seconds);
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
