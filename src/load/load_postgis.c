/*
 * load_postgis.c: PostGIS found, or created where it is missing, and the
 * SRID of the load checked against it and against the other feeds.
 */
#include "load_run.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "lockwait.h"
#include "log.h"
#include "postgis.h"

#define CREATE_POSTGIS "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public"

/*
 * Finds PostGIS's schema, creating the extension where it is missing, into
 * *schema, quoted (PQfreemem it); waits at most wait_seconds (negative:
 * for ever) for another session creating it.  When not needed (a load
 * without geometry), a server without PostGIS, or a user who may not
 * create it, gives true with *schema NULL (said when PostGIS was there to
 * create).  False (logged) when needed and not found, or when the
 * database failed.
 */
bool
postgis_schema(PGconn *conn, bool needed, double wait_seconds,
			   char **schema)
{
	PGresult   *res;
	bool		ok;
	int			there;

	if (!postgis_find(conn, schema) || *schema != NULL)
		return *schema != NULL;
	if (!needed)
	{
		there = db_query_bool(conn, "SELECT EXISTS (SELECT FROM "
							  "pg_catalog.pg_available_extensions "
							  "WHERE name = 'postgis')", 0, NULL);
		if (there <= 0)
			return there == 0;
	}
	/*
	 * In a transaction of its own, under a lock: two first imports into a
	 * database would otherwise both try to create it.  An advisory lock,
	 * as there is no object yet to lock; any role can take it, so it is
	 * waited for as every lock is, and only while PostGIS is missing.
	 */
	if (!db_exec(conn, "BEGIN"))
		return false;
	ok = lockwait_advisory(conn, false, "gtfs2pgsql postgis", "$2::integer",
						   "0", "the lock for creating PostGIS",
						   wait_seconds);
	if (ok && needed)
		ok = db_exec(conn, CREATE_POSTGIS);
	else if (ok)
	{
		/* any refusal: PostGIS is only wished for here */
		DbOutcome	created = db_run(conn, CREATE_POSTGIS, 0, NULL, "*",
									 "could not create PostGIS", &res);

		if (created == DB_REFUSED)
		{
			log_notice("no geometry columns in the cross-feed tables: "
					   "PostGIS could not be created (%s); a later feed "
					   "with geometry will add them to every feed's tables",
					   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
			PQclear(res);
			ok = db_cleanup(conn, "ROLLBACK");
			if (!ok)
				db_log_error(conn, NULL, "could not roll back");
			return ok;
		}
		PQclear(res);
		ok = created == DB_DONE;
	}
	ok = ok && db_exec(conn, "COMMIT");
	if (!ok)
	{
		/* not when the session is gone: PostGIS is not to blame */
		if (PQstatus(conn) == CONNECTION_OK)
			log_hint("gtfs2pgsql needs PostGIS for geometry; "
					 "--no-geometry loads without it");
		db_cleanup(conn, "ROLLBACK");
		return false;
	}
	return postgis_find(conn, schema) && *schema != NULL;
}

/*
 * Whether a load without geometry makes the cross-feed tables, which then
 * get their geometry columns when PostGIS can be had: into *first.  False
 * (logged) when the database failed.
 */
bool
postgis_first_feed(PGconn *conn, bool *first)
{
	int			none = db_query_bool(conn, "SELECT pg_catalog.to_regclass("
									 "'gtfs2pgsql.stops') IS NULL", 0, NULL);

	*first = none == 1;
	return none >= 0;
}

/*
 * Whether ddl's SRID can be loaded: PostGIS's spatial_ref_sys has it, and
 * the cross-feed tables, whose geometry columns have one SRID, have it
 * too (or do not exist yet).  1 if so; 0 if not, -1 when the database
 * failed (logged).
 */
int
postgis_srid_usable(PGconn *conn, const Ddl *ddl)
{
	Buf			sql;
	PGresult   *res;
	int			usable = 0;

	buf_init(&sql, 1024);
	res = ddl_template(&sql, ddl, "SELECT (SELECT count(*) FROM "
					   "@g.spatial_ref_sys WHERE srid = @r), "
					   "(SELECT @g.postgis_typmod_srid(a.atttypmod) "
					   "FROM pg_catalog.pg_attribute a "
					   "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
					   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					   "WHERE n.nspname = 'gtfs2pgsql' AND c.relname = 'stops' "
					   "AND a.attname = 'geom' AND NOT a.attisdropped)") ?
		db_query(conn, sql.data, 0, NULL) : NULL;
	buf_free(&sql);
	if (res == NULL)
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0)
		log_error("SRID %d is not in PostGIS's spatial_ref_sys", ddl->srid);
	else if (!PQgetisnull(res, 0, 1) && atoi(PQgetvalue(res, 0, 1)) != ddl->srid)
	{
		log_error("the feeds of this database have their geometry in SRID "
				  "%s, not %d", PQgetvalue(res, 0, 1), ddl->srid);
		log_hint("load it with --srid %s, or into another database",
				 PQgetvalue(res, 0, 1));
	}
	else
		usable = 1;
	PQclear(res);
	return usable;
}
