/*
 * csvread.h: rows of a CSV stream, parsed by libcsv, with line numbers.
 *
 * Feed the stream in chunks of any size; each complete row is handed to a
 * callback.  Memory is bounded: a field, a row and the number of fields
 * have caps; a record passing one is a broken record (csvread_on_broken),
 * else an error naming the line.
 */
#ifndef CSVREAD_H
#define CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"

#define CSV_MAX_FIELD	(1024 * 1024)	/* bytes in one field */
#define CSV_MAX_ROW		(4 * 1024 * 1024)	/* bytes in one row */
#define CSV_MAX_FIELDS	1024	/* fields in one row */

typedef struct
{
	const char *data;			/* followed by a NUL */
	size_t		len;
} CsvField;

typedef struct
{
	const CsvField *fields;
	int			nfields;
	long		line;			/* physical line where the row starts */
	const CsvField *written;	/* NULL, or per field the value as written
								 * when libcsv dropped spaces or tabs around
								 * it (data NULL for the others) */
} CsvRow;

/* Called for each row; returning false stops the reader. */
typedef bool (*CsvRowFn) (void *ctx, const CsvRow *row);

/* A record the reader cannot give as a row: a stray quote, or a cap. */
typedef struct
{
	long		line;			/* physical line where the record starts */
	long		bad_line;		/* the line of the stray quote or cap */
	int			column;			/* 1-based field of the stray quote, or
								 * the field that passed the cap */
	const char *why;			/* what is wrong with it, for messages */
	const char *text;			/* bad_line as written, without its line
								 * end, or from line on (a record over
								 * lines past a cap): its first
								 * CSV_MAX_ROW bytes */
	size_t		len;
	unsigned long long dropped; /* bytes up to bad_line's end past text,
								 * not kept */
} CsvBroken;

/* Called for each broken record; returning false stops the reader. */
typedef bool (*CsvBrokenFn) (void *ctx, const CsvBroken *broken);

typedef struct CsvReader CsvReader;

/*
 * A reader for the member called name (kept, not copied, for messages).
 * Returns NULL (logged) when out of memory; free with csvread_destroy.
 */
extern CsvReader *csvread_create(const char *name, CsvRowFn fn, void *ctx);

/*
 * What becomes of a record with a stray quote (a quote inside an unquoted
 * field, or text after a closing quote) or one that passes a cap (a field
 * over CSV_MAX_FIELD bytes, quoted or not, a row over CSV_MAX_ROW bytes or
 * CSV_MAX_FIELDS fields): with fn, the reader drops the record, calls fn
 * with the ctx of csvread_create (its text lives until fn returns) and
 * goes on with the next line (a CR or LF ends the line).  Memory stays
 * bounded whatever the line's length: the text is its first CSV_MAX_ROW
 * bytes, and dropped counts the rest.  Without fn, the default, such a
 * record is a parse error that stops the reader (csvread_error).
 *
 * A quoted field that runs over line ends is one record when it closes
 * with at least as many fields as the first row (the header); passing a
 * cap after it closed, one broken record over its lines (text: their
 * first CSV_MAX_ROW bytes, with their line ends).  Otherwise (a stray
 * quote, fewer fields, the end of the stream, or a quoted field of more
 * than CSV_MAX_FIELD bytes) its first line alone is a broken record, and
 * the lines after it are read again as usual, each with its own line
 * number.
 */
extern void csvread_on_broken(CsvReader *r, CsvBrokenFn fn);

/*
 * Parses the next len bytes.  A UTF-8 byte order mark at the start of the
 * stream is dropped.  Returns false after a parse error or a cap (see
 * csvread_error) or when the callback stopped the reader.
 */
extern bool csvread_feed(CsvReader *r, const char *data, size_t len);

/* Ends the stream: flushes a last row without a final newline. */
extern bool csvread_finish(CsvReader *r);

/*
 * Frees r (not its name); a row not flushed by csvread_finish is dropped.
 * r may be NULL.
 */
extern void csvread_destroy(CsvReader *r);

/*
 * Feeds member m through r, SOURCE_READ_CHUNK bytes of chunk at a time,
 * and finishes r at the member's end; *bytes gets what was read.  True
 * when the whole member was read and parsed without error; false when the
 * reader stopped, on a parse error (csvread_error), or when the member
 * could not be read (logged as a data error).
 */
extern bool csvread_member(CsvReader *r, FeedMember *m, char *chunk,
						   unsigned long long *bytes);

/*
 * Why parsing stopped (a parse error or a cap), with the line it was met
 * on in *line; NULL when it did not (the callback stopped the reader, or
 * no error).  The message is owned by r.
 */
extern const char *csvread_error(const CsvReader *r, long *line);

/*
 * Bytes r has read again after quoted spans broke (see csvread_on_broken):
 * at most twice those of the spans, for tests of that bound.
 */
extern unsigned long long csvread_replayed(const CsvReader *r);

/* Physical line on which field i of row starts. */
extern long csvread_field_line(const CsvRow *row, int i);

#endif
