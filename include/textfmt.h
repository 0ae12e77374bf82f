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
 * end (or a NUL byte).  False when out is full.
 */
extern bool textfmt_csv_field(Buf *out, const char *s, size_t len);

/*
 * Appends s[0..len) as a JSON string: quotes and backslashes escaped,
 * control characters as \u00XX, the rest (UTF-8 included) as it is.
 * backslashes (NULL: not counted) grows by the backslashes written.
 * False when out is full.
 */
extern bool textfmt_json_string(Buf *out, const char *s, size_t len,
								size_t *backslashes);

#endif
