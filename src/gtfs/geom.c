/*
 * geom.c: client-side geometry, after osm2pgsql's
 * reprojection-generic-proj6.cpp: one PJ_CONTEXT and one normalised
 * transformation for the whole run.
 *
 * Points go to the server as hex EWKB, which PostGIS reads without parsing
 * text numbers: byte order, type with the SRID flag, SRID, X, Y.
 */
#include "geom.h"

#include <math.h>
#include <proj.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define WGS84_SRID		4326
#define EWKB_POINT_SRID	0x20000001u	/* wkbPoint | the EWKB SRID flag */

struct Geom
{
	int			srid;
	PJ_CONTEXT *ctx;			/* NULL when srid is 4326 */
	PJ		   *pj;				/* lon/lat in, x/y (easting first) out */
};

/*
 * Whether target names a horizontal two-dimensional CRS: geographic 2D or
 * projected.  A geocentric (EPSG:4978), vertical (5714) or 3D one would
 * give points that mean nothing on a map.  Logged when not.
 */
static bool
horizontal_2d(PJ_CONTEXT *ctx, const char *target, int srid)
{
	PJ		   *crs = proj_create(ctx, target);
	PJ_TYPE		type = crs ? proj_get_type(crs) : PJ_TYPE_UNKNOWN;
	PJ		   *cs = crs ? proj_crs_get_coordinate_system(ctx, crs) : NULL;
	int			axes = cs ? proj_cs_get_axis_count(ctx, cs) : 0;
	bool		ok = (type == PJ_TYPE_GEOGRAPHIC_2D_CRS ||
					  type == PJ_TYPE_PROJECTED_CRS) && axes == 2;

	if (crs == NULL)
		log_error("unknown SRID %d: PROJ has no coordinate system EPSG:%d",
				  srid, srid);
	else if (!ok)
		log_error("SRID %d is not a horizontal 2D coordinate system "
				  "(geographic or projected): its points would mean nothing "
				  "on a map", srid);
	if (cs)
		proj_destroy(cs);
	if (crs)
		proj_destroy(crs);
	return ok;
}

Geom *
geom_create(int srid)
{
	Geom	   *g = calloc(1, sizeof(Geom));
	char		target[32];
	PJ		   *raw;

	if (g == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	g->srid = srid;
	if (srid == WGS84_SRID)
		return g;

	g->ctx = proj_context_create();
	if (g->ctx == NULL)
	{
		log_error("could not start PROJ");
		geom_destroy(g);
		return NULL;
	}
	/* failures are reported here, not by PROJ's own logger */
	proj_log_level(g->ctx, PJ_LOG_NONE);
	snprintf(target, sizeof(target), "EPSG:%d", srid);
	if (!horizontal_2d(g->ctx, target, srid))
	{
		geom_destroy(g);
		return NULL;
	}
	raw = proj_create_crs_to_crs(g->ctx, "EPSG:4326", target, NULL);
	if (raw == NULL)
	{
		log_error("unknown SRID %d: PROJ has no coordinate system EPSG:%d",
				  srid, srid);
		geom_destroy(g);
		return NULL;
	}
	/* EPSG:4326 is latitude first; the data and PostGIS are longitude first */
	g->pj = proj_normalize_for_visualization(g->ctx, raw);
	proj_destroy(raw);
	if (g->pj == NULL)
	{
		log_error("cannot transform to SRID %d: %s", srid,
				  proj_context_errno_string(g->ctx,
											proj_context_errno(g->ctx)));
		geom_destroy(g);
		return NULL;
	}
	return g;
}

void
geom_destroy(Geom *g)
{
	if (g == NULL)
		return;
	if (g->pj)
		proj_destroy(g->pj);
	if (g->ctx)
		proj_context_destroy(g->ctx);
	free(g);
}

int
geom_srid(const Geom *g)
{
	return g->srid;
}

bool
geom_point(Geom *g, double lon, double lat, Buf *out, bool binary)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char wkb[25];
	char		text[50];
	uint64_t	bits[2];
	uint32_t	words[2] = {EWKB_POINT_SRID, (uint32_t) g->srid};
	double		x = lon,
				y = lat;
	int			n = 0;

	if (g->pj)
	{
		PJ_COORD	c = proj_trans(g->pj, PJ_FWD, proj_coord(lon, lat, 0, 0));

		if (c.xy.x == HUGE_VAL || !isfinite(c.xy.x) || !isfinite(c.xy.y))
			return false;
		x = c.xy.x;
		y = c.xy.y;
	}
	memcpy(&bits[0], &x, sizeof(double));
	memcpy(&bits[1], &y, sizeof(double));
	/* little endian: byte order, type with the SRID flag, SRID, X, Y */
	wkb[n++] = 1;
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < 4; i++)
			wkb[n++] = (unsigned char) (words[w] >> (8 * i));
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < 8; i++)
			wkb[n++] = (unsigned char) (bits[w] >> (8 * i));
	if (binary)
		return buf_append(out, wkb, sizeof(wkb));
	for (int i = 0; i < n; i++)
	{
		text[2 * i] = hex[wkb[i] >> 4];
		text[2 * i + 1] = hex[wkb[i] & 0xF];
	}
	return buf_append(out, text, sizeof(text));
}
