/*
 * cut.h: the part of a feed that pgsql2gtfs's --from, --to, --bbox and
 * --route keep.  The trips kept first, then in temporary tables what they
 * use (services, routes, shapes, stops and their stations, zones, levels,
 * agencies); every file is then filtered by its references to those, as
 * the catalog lists them, so that nothing dangles.
 */
#ifndef CUT_H
#define CUT_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "buf.h"
#include "catalog.h"
#include "export.h"

/* Whether opt asks for a cut. */
extern bool cut_wanted(const ExportOptions *opt);

/*
 * Makes the cut opt asks for in conn's transaction: its period (the dates
 * sent as parameters) and the ids kept, in temporary tables pg_temp.k_*
 * dropped at its end.  schema and postgis: the feed's and PostGIS's
 * schemas, quoted.  False (logged) when the server failed (*db_failed
 * set) or the cut keeps no trip (an error: the feed would be empty).
 */
extern bool cut_make(PGconn *conn, const ExportOptions *opt,
					 const char *schema, const char *postgis,
					 bool *db_failed);

/*
 * Appends the WHERE clause that cuts the table of cat (NULL: a file of no
 * catalog, never cut): each field that is one of the kept keys, or refers
 * to one, must be NULL or kept; calendar and calendar_dates are kept to
 * the period.  Nothing without a cut.  After cut_make; false (logged)
 * on error.
 */
extern bool cut_where(Buf *sql, PGconn *conn, const ExportOptions *opt,
					  const CatalogFile *cat);

/*
 * Appends the date column col of cat's table in GTFS form (YYYYMMDD),
 * clipped to the cut's period where it claims days (the dates of a
 * calendar line, feed_info's period), so that none claims days the cut
 * left out; an empty date stays empty.  False (logged) on error.
 */
extern bool cut_put_date(Buf *sql, PGconn *conn, const ExportOptions *opt,
						 const CatalogFile *cat, const char *col);

#endif
