/*
 * postgis.c: the one look-up of PostGIS's schema, for both programs.
 */
#include "postgis.h"

#include "db.h"

bool
postgis_find(PGconn *conn, char **schema)
{
	PGresult   *res = db_query(conn, "SELECT n.nspname FROM "
								"pg_catalog.pg_extension e "
								"JOIN pg_catalog.pg_namespace n "
								"ON n.oid = e.extnamespace "
								"WHERE e.extname = 'postgis'", 0, NULL);
	bool		ok = res != NULL;

	*schema = ok && PQntuples(res) == 1 ?
		db_ident(conn, PQgetvalue(res, 0, 0)) : NULL;
	ok = ok && (PQntuples(res) == 0 || *schema != NULL);
	PQclear(res);
	return ok;
}
