/*
 * postgis.h: where PostGIS is, for SQL that names its functions and types
 * by their schema (the search_path is empty).
 */
#ifndef POSTGIS_H
#define POSTGIS_H

#include <libpq-fe.h>
#include <stdbool.h>

/*
 * PostGIS's schema, quoted, into *schema (PQfreemem it), NULL when the
 * extension is not in conn's database.  False (logged) when the server
 * failed.
 */
extern bool postgis_find(PGconn *conn, char **schema);

#endif
