/*
 * geojson.h: locations.geojson into the table locations (needs PostGIS).
 */
#ifndef GEOJSON_H
#define GEOJSON_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "ddl.h"
#include "notice.h"
#include "report.h"
#include "source.h"

/*
 * Loads member i of src, locations.geojson, into ddl's table locations
 * (made already, with import_notices), recording it in rep.  chunk is
 * SOURCE_READ_CHUNK bytes of scratch.  A document that is not GeoJSON is a
 * notice; so is each feature set aside (JSON PostgreSQL cannot hold, as
 * \u0000; without an id, with one seen before or of more than
 * id_max_bytes, without a polygon PostGIS reads), whose record is the
 * feature.  A member that cannot be read is a notice
 * of the source.  False (logged) when the database failed.
 */
extern bool geojson_load(PGconn *conn, const Ddl *ddl, FeedSource *src, int i,
						 Notices *nt, Report *rep, char *chunk,
						 int id_max_bytes);

#endif
