/*
 * convert.h: checks GTFS field values and writes them in COPY text format.
 *
 * Pure functions with no I/O, tested by tests/unit.c.
 */
#ifndef CONVERT_H
#define CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "catalog.h"

typedef enum
{
	CONV_OK,					/* value written */
	CONV_WARN,					/* value written, but it breaks its field's
								 * rule: notice.c's table says whether it
								 * stays */
	CONV_ERROR,					/* the value cannot be written as its type:
								 * the field is to be undone */
	CONV_NOSPACE				/* the output buffer hit its cap */
} ConvStatus;

/*
 * Checks s[0..len) (not empty, followed by a NUL) as a value of field f and
 * appends its COPY text form to out.  On CONV_WARN and CONV_ERROR, *why
 * points to a static explanation.
 */
extern ConvStatus conv_field(const CatalogField *f, const char *s, size_t len,
							 Buf *out, const char **why);

/*
 * As conv_field, in binary COPY's representation of the field's type (text
 * as it is, integers and floats big-endian, dates as days from 2000-01-01,
 * times as intervals).  GT_MONEY (numeric) has no binary form here: a file
 * with such a field must be copied as text.
 */
extern ConvStatus conv_field_binary(const CatalogField *f, const char *s,
									size_t len, Buf *out, const char **why);

/* Appends text s as it is, for binary COPY; CONV_ERROR on invalid UTF-8. */
extern ConvStatus conv_text_binary(Buf *out, const char *s, size_t len);

/* Appends s escaped for COPY text format; false on invalid UTF-8 or NUL. */
extern ConvStatus conv_copy_text(Buf *out, const char *s, size_t len);

/* "H:MM:SS" or "HH:MM:SS", hours possibly past 24, into seconds. */
extern bool conv_parse_time(const char *s, size_t len, int *seconds);

/* "YYYYMMDD" with a real calendar day. */
extern bool conv_parse_date(const char *s, size_t len,
							int *year, int *month, int *day);

/* A decimal integer with optional sign that fits in 32 bits. */
extern bool conv_parse_int(const char *s, size_t len, long *value);

/* A decimal number: [+-] digits [. digits] [e [+-] digits]. */
extern bool conv_is_decimal(const char *s, size_t len);

/* Narrows s[0..*len) to leave out spaces and tabs around it. */
extern void conv_trim(const char **s, size_t *len);

/*
 * The value of a decimal number (conv_is_decimal), rounded as strtod does
 * (s must be followed by a non-digit, such as the field's NUL); false if
 * it overflows or underflows a double.
 */
extern bool conv_parse_double(const char *s, size_t len, double *value);

/* Six hexadecimal digits, as GTFS writes colours. */
extern bool conv_is_color(const char *s, size_t len);

/*
 * Length of the longest prefix of s[0..len) that does not end inside a
 * UTF-8 sequence: where a stream cut in chunks can be cut safely.
 */
extern size_t conv_utf8_cut(const char *s, size_t len);

/*
 * Replaces, in place, each byte of s that is not valid UTF-8 (or NUL) by
 * '?'.
 */
extern void conv_utf8_repair(char *s, size_t len);

/*
 * Appends s[0..len) to out with each byte that is not valid UTF-8 (or NUL)
 * written as \xHH, so that a value can be shown as written; false when
 * out hit its cap.
 */
extern bool conv_utf8_show(Buf *out, const char *s, size_t len);

/* Whether s[0..len) is well-formed UTF-8 without NUL bytes. */
extern bool conv_utf8_valid(const char *s, size_t len);

#endif
