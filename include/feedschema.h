/*
 * feedschema.h: a feed's schema whole, its tables (ddl.h) with its
 * timetable (timetable.h).
 */
#ifndef FEEDSCHEMA_H
#define FEEDSCHEMA_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "ddl.h"

/*
 * Appends the statements that make the views of a feed's schema d, over
 * its tables: trip_lines (with geometry: ddl_create_trip_lines), those
 * of timetable.h, and those of analysis.h over them (the translated ones
 * when translations: see analysis_views).
 */
extern bool feedschema_views(Buf *sql, const Ddl *d, bool translations);

/*
 * Writes the schema of a whole feed for schema "gtfs", SRID 4326; false
 * (logged) when out could not be written.
 */
extern bool feedschema_print(FILE *out);

#endif
