/*
 * ddl.h: the SQL that makes the tables, keys, indexes and derived
 * geometry of a feed, from the catalog.  Used for the load and for
 * --print-schema (schema/gtfs.sql), so the two cannot drift apart.
 */
#ifndef DDL_H
#define DDL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "catalog.h"

#define DDL_SQL_MAX		(1024 * 1024)

typedef struct
{
	PGconn	   *conn;			/* quotes names; NULL writes them bare */
	const char *schema;			/* quoted */
	const char *postgis;		/* quoted schema of PostGIS, NULL: no
								 * geometry */
	int			srid;
	bool		shape_m;		/* every shape point has shape_dist_traveled */
} Ddl;

/* Appends name quoted as an identifier (bare without a connection). */
extern bool ddl_ident(Buf *sql, const Ddl *d, const char *name);

/* Appends schema.table. */
extern bool ddl_table(Buf *sql, const Ddl *d, const char *table);

/*
 * Appends CREATE TABLE for table: the fields of cat (none when cat is
 * NULL), a point geometry column "geom" when cat has coordinates and d has
 * PostGIS, then the extra text columns.
 */
extern bool ddl_create_table(Buf *sql, const Ddl *d, const char *table,
							 const CatalogFile *cat,
							 const char *const *extra, int nextra);

/*
 * Appends template with "@s" replaced by the schema, "@g" by PostGIS's
 * schema, "@r" by the SRID (and "@t", "@p" by shape_lines' type and points).
 */
extern bool ddl_template(Buf *sql, const Ddl *d, const char *template);

/* Appends CREATE TABLE for locations.geojson's table (needs PostGIS). */
extern bool ddl_create_locations(Buf *sql, const Ddl *d);

/*
 * Appends the statement that makes cat's key: a primary key when every key
 * field is required, else a unique index.  Where the reference lets some
 * fields of a composite key be empty, NULLs count as equal; a key of one
 * optional field (attribution_id) is unique only where it is given.
 * Appends nothing for a file without a key.
 */
extern bool ddl_key(Buf *sql, const Ddl *d, const CatalogFile *cat);

/*
 * The statements to run once the keys are made: indexes, the derived
 * geometry (shape_lines, trip_lines, route_lines) and spatial indexes.
 * ddl_finish_count() of them; ddl_finish(i) appends the i-th, which may be
 * empty (nothing to run).
 */
extern int	ddl_finish_count(void);
extern bool ddl_finish(Buf *sql, const Ddl *d, int i);

/*
 * Writes the schema of a whole feed for schema "gtfs", SRID 4326; false
 * (logged) when out could not be written.
 */
extern bool ddl_print_schema(FILE *out);

#endif
