/*
 * textfmt.h: values written into a Buf in the text formats both programs
 * write: a CSV field (GTFS files, notices' records), a JSON string (the
 * extra columns' jsonb, the report).
 */
#ifndef TEXTFMT_H
#define TEXTFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Appends s[0..len) as a CSV field (RFC 4180): as it is, or between
 * quotes, its quotes doubled, when it holds a comma, a quote or a line
 * end (or a NUL byte); spaces at either end kept as written, unquoted.
 * False when out is full.
 */
extern bool textfmt_csv_field(Buf *out, const char *s, size_t len);

/*
 * Quotes in place the field that out holds from start to its end, as
 * textfmt_csv_field would have written it, where it must be; with edges
 * also where it starts or ends with a space or a tab, which a reader that
 * trims (as GTFS consumers do) would drop.  For a writer that appends a
 * field's bytes itself, without a copy.  False when out is full.
 */
extern bool textfmt_csv_quote(Buf *out, size_t start, bool edges);

/*
 * Appends s[0..len) as a JSON string: quotes and backslashes escaped,
 * control characters as \u00XX, the rest (UTF-8 included) as it is.
 * backslashes (NULL: not counted) grows by the backslashes written.
 * False when out is full.
 */
extern bool textfmt_json_string(Buf *out, const char *s, size_t len,
								size_t *backslashes);

#endif
