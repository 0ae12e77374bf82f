/*
 * copycsv.h: rows of COPY's text format turned into CSV as GTFS files
 * hold it (RFC 4180, quoted only where needed).
 */
#ifndef COPYCSV_H
#define COPYCSV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Appends a row of COPY's text format, row[0..len) (its fields separated
 * by tabs, escaped with backslashes, NULL as \N, ending in a line end or
 * not), to out as a CSV record ending in "\n": NULL is an empty field,
 * and a field is quoted only where CSV needs it (a comma, a quote or a
 * line end in it, or a space or a tab at either end, which a reader would
 * trim).  as_csv false: the fields unescaped, as they are, joined by
 * commas.  False when out is full.
 */
extern bool copycsv_record(Buf *out, const char *row, size_t len,
						   bool as_csv);

#endif
