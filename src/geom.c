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

/* Appends n bytes as upper-case hex, least significant byte first. */
static void
put_le(char *out, uint64_t v, int n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (int i = 0; i < n; i++, v >>= 8)
	{
		out[2 * i] = hex[(v >> 4) & 0xF];
		out[2 * i + 1] = hex[v & 0xF];
	}
}

bool
geom_point_hex(Geom *g, double lon, double lat, Buf *out)
{
	char		hex[50];
	uint64_t	bits;
	double		x = lon,
				y = lat;

	if (g->pj)
	{
		PJ_COORD	c = proj_trans(g->pj, PJ_FWD, proj_coord(lon, lat, 0, 0));

		if (c.xy.x == HUGE_VAL || !isfinite(c.xy.x) || !isfinite(c.xy.y))
			return false;
		x = c.xy.x;
		y = c.xy.y;
	}
	hex[0] = '0';
	hex[1] = '1';				/* little endian */
	put_le(hex + 2, EWKB_POINT_SRID, 4);
	put_le(hex + 10, (uint32_t) g->srid, 4);
	memcpy(&bits, &x, sizeof(bits));
	put_le(hex + 18, bits, 8);
	memcpy(&bits, &y, sizeof(bits));
	put_le(hex + 34, bits, 8);
	return buf_append(out, hex, sizeof(hex));
}
