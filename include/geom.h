/*
 * geom.h: points in the target spatial reference system, as hex EWKB for
 * COPY.  Coordinates come as WGS 84 longitude/latitude (EPSG:4326) and are
 * reprojected on the client with PROJ when another SRID is asked for.
 */
#ifndef GEOM_H
#define GEOM_H

#include <stdbool.h>

#include "buf.h"

typedef struct Geom Geom;

/*
 * Prepares points for EPSG:srid: one PROJ transformation, reused for the
 * whole feed (none for 4326).  Logs and returns NULL when PROJ does not know
 * the SRID.  Free with geom_destroy.
 */
extern Geom *geom_create(int srid);

/* Frees g and its PROJ objects; g may be NULL. */
extern void geom_destroy(Geom *g);

/* The SRID g was created for; g must not be NULL. */
extern int	geom_srid(const Geom *g);

/*
 * Appends the point (lon, lat) as EWKB with the SRID: hex for COPY text,
 * raw bytes for binary COPY.  False when the transformation failed or out
 * hit its cap (nothing useful appended then).
 */
extern bool geom_point(Geom *g, double lon, double lat, Buf *out,
					   bool binary);

#endif
