/*
 * ddl.h: the SQL that makes the tables, keys, indexes and derived
 * geometry of a feed, from the catalog.  Used for the load and for
 * --print-schema (schema/gtfs.sql), so the two cannot drift apart.
 */
#ifndef DDL_H
#define DDL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "catalog.h"

#define DDL_SQL_MAX		(1024 * 1024)

/* The comment on the tables a load made, which a later load may drop. */
#define DDL_TABLE_MARK	"gtfs2pgsql"

/*
 * The storage options of a feed's tables.  A load writes each table once
 * (COPY FREEZE) and analyzes it before its commit, but autovacuum counts
 * the load's rows only after the commit and would analyze every table a
 * second time.  Vacuums against transaction id wraparound still run; a
 * table edited in place can have autovacuum back with ALTER TABLE ...
 * RESET (autovacuum_enabled).
 */
#define DDL_TABLE_OPTIONS	" WITH (autovacuum_enabled = false)"

/* The column of staging tables that holds each row's line in its file. */
#define DDL_LINE_COLUMN	"gtfs2pgsql_line"

typedef struct
{
	PGconn	   *conn;			/* quotes; NULL: for --print-schema */
	const char *schema;			/* quoted */
	const char *postgis;		/* quoted schema of PostGIS, NULL: no
								 * geometry columns */
	bool		geometry;		/* with postgis: points and derived geometry
								 * are loaded; false: the tables have their
								 * "geom" columns, NULL (swap.h), nothing
								 * more */
	int			srid;
	bool		shape_m;		/* every shape point has shape_dist_traveled */
	bool		line_column;	/* tables get DDL_LINE_COLUMN last */
	const char *feed_id;		/* quoted literal: tables get a first
								 * column feed_id holding it, to be
								 * partitions of the cross-feed tables
								 * (swap.h); NULL: none */
	bool		no_locations;	/* the feed has no locations.geojson: its
								 * table is a stand-in (ddl_create_locations) */
	bool		no_shapes;		/* shapes has no row: shape_lines is a
								 * stand-in, with no key (ddl_finish) */
} Ddl;

/* The name of the column that holds a catalog file's extra columns. */
#define DDL_EXTRA_COLUMN	"extra"

/* Appends name quoted as an identifier (always, connection or not). */
extern bool ddl_ident(Buf *sql, const Ddl *d, const char *name);

/* Appends schema.table. */
extern bool ddl_table(Buf *sql, const Ddl *d, const char *table);

/*
 * Appends CREATE TABLE for table: feed_id (see Ddl), the fields of cat, a
 * point geometry column "geom" when cat has coordinates and d has PostGIS
 * (geometry or not),
 * and a jsonb column DDL_EXTRA_COLUMN for the file's other columns.
 * Without cat (a file the reference does not define), the extra columns
 * are text columns of their own, followed by the jsonb DDL_EXTRA_COLUMN
 * when jsonb, and there is no feed_id.
 */
extern bool ddl_create_table(Buf *sql, const Ddl *d, const char *table,
							 const CatalogFile *cat,
							 const char *const *extra, int nextra,
							 bool jsonb);

/*
 * Appends CREATE TABLE for the table of a file of cat that the feed lacks
 * or leaves empty, which only has to be read until the swap drops it:
 * ddl_create_table's, partitioned when d has a feed_id, so that it has no
 * storage and no TOAST table (the index of which a new table builds,
 * waiting for a sync to disk).  It keeps DDL_LINE_COLUMN, which a
 * cross-feed table made from it loses (swap.c).
 */
extern bool ddl_create_stand_in(Buf *sql, const Ddl *d,
								const CatalogFile *cat);

/*
 * Appends template with "@s" replaced by the schema, "@g" by PostGIS's
 * schema, "@r" by the SRID, "@f" by the feed_id column and a comma (or
 * nothing: see Ddl), "@p" by shape_lines' points, "@l" by the schema's
 * name as a literal (for to_regnamespace) and "@t" by a dollar quote
 * ($ddl$, $ddl1$, ...) that the schema's name, the one text of ours in a
 * DO block's body, cannot end.
 */
extern bool ddl_template(Buf *sql, const Ddl *d, const char *template);

/*
 * Appends CREATE TABLE for locations.geojson's table (needs geometry); with
 * d->no_locations and a feed_id, a stand-in of no storage, as for an absent
 * file (ddl_create_stand_in), which ddl_finish gives no key.
 */
extern bool ddl_create_locations(Buf *sql, const Ddl *d);

/*
 * Appends the statement that makes cat's key over the key fields whose bit
 * is set in present (bit i: field i is a column of the file): a primary
 * key when the file's key is one required field, else a unique index.
 * The parts of a composite key may be NULL and count as equal; a key of
 * one optional field (agency_id) is unique only where it is given.  The
 * required key fields in unkeyed, found empty in some rows, leave those
 * rows out of the key (ddl_key_where).  Appends nothing when no key field
 * is present.
 */
extern bool ddl_key(Buf *sql, const Ddl *d, const CatalogFile *cat,
					uint64_t present, uint64_t unkeyed);

/*
 * Appends " WHERE f IS NOT NULL AND ..." for the key fields of cat in
 * unkeyed; nothing when there is none.
 */
extern bool ddl_key_where(Buf *sql, const Ddl *d, const CatalogFile *cat,
						  uint64_t unkeyed);

/*
 * Appends CREATE TABLE for import_files(file, "table", columns, header):
 * one row per member loaded, its table's columns in the order of the
 * file's header and the header's names as written (NULL where not UTF-8;
 * columns NULL for locations.geojson), for pgsql2gtfs.
 */
extern bool ddl_create_import_files(Buf *sql, const Ddl *d);

/* Appends CREATE TABLE for import_notices (see notice.h). */
extern bool ddl_create_notices(Buf *sql, const Ddl *d);

/*
 * Appends the statement that makes the view trip_lines of a feed's schema
 * d (with geometry; nothing without).  With a connection, first drops a
 * trip_lines whose geom is not typed (made by an older gtfs2pgsql) and a
 * route_lines view (now a table).  The other views: feedschema.h.
 */
extern bool ddl_create_trip_lines(Buf *sql, const Ddl *d);

/*
 * The statements to run once the keys are made: indexes, the derived
 * geometry (shape_lines) and spatial indexes (with geometry).
 * ddl_finish_count() of them; ddl_finish(i) appends the i-th, which may be
 * empty (nothing to run).
 */
extern int	ddl_finish_count(void);
extern bool ddl_finish(Buf *sql, const Ddl *d, int i);

/*
 * The statements that derive the lines of trips and routes, once every
 * table of the feed is in d's schema (stop_times too) and shape_lines is
 * made: stop_lines(trip_id, geom), the line through the stops of each
 * trip without a shape line, and route_lines(route_id, geom), the union
 * of each route's trip lines.  ddl_lines_count() of them; ddl_lines(i)
 * appends the i-th (nothing without geometry), ddl_lines_name(i) is its
 * name in the report.
 */
extern int	ddl_lines_count(void);
extern bool ddl_lines(Buf *sql, const Ddl *d, int i);
extern const char *ddl_lines_name(int i);

/*
 * Appends a statement that drops the views trip_lines and route_lines of
 * d's schema: all: both, when they are views (a feed without geometry);
 * else the route_lines view and a trip_lines whose geom is not
 * geometry(LineString, SRID).  No CASCADE: a view of yours over one makes
 * the statement fail.  False when sql is full.
 */
extern bool ddl_drop_line_views(Buf *sql, const Ddl *d, bool all);

/*
 * The table of the i-th of those steps when it indexes one table only (a
 * join index), else NULL: a side load (load.c) builds those of its table.
 */
extern const char *ddl_finish_table(int i);

/*
 * The name of the i-th of those steps for people, into out
 * ("stop_times(stop_id) index", "shape_lines"), for the progress line and
 * the report.
 */
extern void ddl_finish_name(int i, char *out, size_t outsize);

#endif
