/*
 * trust.c: what a load may touch, checked in the catalogs before anything
 * of the feed is read or sent (trust.h).
 */
#include "trust.h"

#include <string.h>

#include "db.h"
#include "log.h"

#define OFFENDERS_SHOWN	5		/* objects named; the rest counted */

/* schema/sql/trust_offenders.sql, embedded by the Makefile */
extern const char sql_trust_offenders[];

bool
trust_set_check(PGconn *conn)
{
	const char *params[1] = {sql_trust_offenders};
	PGresult   *res = db_query(conn, "SELECT pg_catalog.set_config("
								"'gtfs2pgsql.trust_offenders', $1, true)",
								1, params);

	PQclear(res);
	return res != NULL;
}

/*
 * The objects of schema (NULL: the shared schemas) that break the rule,
 * logged; 1 when there is none, 0 when there are, -1 on failure.
 */
static int
check_owners(PGconn *conn, const char *schema)
{
	const char *params[1] = {schema ? schema : "gtfs2pgsql"};
	PGresult   *res = db_query(conn, sql_trust_offenders, 1, params);
	PGresult   *who;
	int			n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	if (n > 0)
	{
		who = db_query(conn, "SELECT pg_catalog.quote_ident(CURRENT_USER)",
					   0, NULL);
		log_error("%s %s, not to %s who runs gtfs2pgsql: nothing is loaded",
				  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
				  who ? PQgetvalue(who, 0, 0) : "the role");
		for (int i = 1; i < n && i < OFFENDERS_SHOWN; i++)
			log_detail("%s %s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		if (n > OFFENDERS_SHOWN)
			log_detail("and %d more", n - OFFENDERS_SHOWN);
		log_hint("gtfs2pgsql runs nothing another role made or could "
				 "change: run it as the role that owns these objects, "
				 "choose another schema with -s, or have their owner "
				 "drop them or revoke what others were granted");
		PQclear(who);
	}
	PQclear(res);
	return n == 0;
}

/*
 * The privileges a load needs that can be known before it starts: CREATE
 * on the database (for its staging schema) and PostGIS when geometry is
 * wanted.  1, 0 (logged, with the GRANT to run) or -1.
 */
static int
check_privileges(PGconn *conn, bool geometry)
{
	PGresult   *res = db_query(conn,
								"SELECT pg_catalog.has_database_privilege("
								"pg_catalog.current_database(), 'CREATE'), "
								"EXISTS (SELECT FROM pg_catalog.pg_extension e "
								"WHERE e.extname = 'postgis'), "
								"(SELECT r.rolsuper FROM pg_catalog.pg_roles r "
								"WHERE r.rolname = CURRENT_USER), "
								"pg_catalog.quote_ident(pg_catalog."
								"current_database()), "
								"pg_catalog.quote_ident(CURRENT_USER)",
								0, NULL);
	int			ok;

	if (res == NULL)
		return -1;
	ok = 1;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		log_error("role %s may not create schemas in database %s, which "
				  "every load does (its staging schema): nothing is loaded",
				  PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 3));
		log_hint("the owner of the database can run: GRANT CREATE ON "
				 "DATABASE %s TO %s;", PQgetvalue(res, 0, 3),
				 PQgetvalue(res, 0, 4));
		ok = 0;
	}
	else if (geometry && strcmp(PQgetvalue(res, 0, 1), "t") != 0 &&
			 strcmp(PQgetvalue(res, 0, 2), "t") != 0)
	{
		log_error("PostGIS is not installed in database %s and role %s may "
				  "not install it: nothing is loaded", PQgetvalue(res, 0, 3),
				  PQgetvalue(res, 0, 4));
		log_hint("a superuser can run, in database %s: CREATE EXTENSION "
				 "postgis SCHEMA public; or load with --no-geometry",
				 PQgetvalue(res, 0, 3));
		ok = 0;
	}
	PQclear(res);
	return ok;
}

/*
 * The database's encoding: UTF8, or SQL_ASCII, which stores the bytes
 * sent as they are.  In any other, a feed's character that the encoding
 * lacks (one en dash in a stop name, in LATIN1) would fail its COPY.  1,
 * 0 (logged, with the way to make a UTF-8 database) or -1.
 */
static int
check_encoding(PGconn *conn)
{
	PGresult   *res = db_query(conn,
								"SELECT pg_catalog.current_setting("
								"'server_encoding'), pg_catalog.quote_ident("
								"pg_catalog.current_database())", 0, NULL);
	const char *encoding;
	int			ok;

	if (res == NULL)
		return -1;
	encoding = PQgetvalue(res, 0, 0);
	ok = strcmp(encoding, "UTF8") == 0 || strcmp(encoding, "SQL_ASCII") == 0;
	if (!ok)
	{
		log_error("database %s is encoded in %s, which cannot hold every "
				  "character of a feed (UTF-8): nothing is loaded",
				  PQgetvalue(res, 0, 1), encoding);
		log_hint("load into a UTF-8 database, made with: createdb -E UTF8 "
				 "-T template0 NAME");
	}
	PQclear(res);
	return ok;
}

int
trust_load_allowed(PGconn *conn, const char *schema, bool geometry)
{
	int			ok = schema ? check_encoding(conn) : 1;

	if (ok > 0 && schema)
		ok = check_privileges(conn, geometry);

	return ok > 0 ? check_owners(conn, schema) : ok;
}
