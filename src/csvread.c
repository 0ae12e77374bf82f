/*
 * csvread.c: libcsv with line numbers and caps.
 *
 * libcsv reports fields and rows but not where they are, so the stream is
 * handed to it one physical line at a time: when it reports a field, the
 * current line is the one the field ends on.  Fields of the current row are
 * copied, NUL-terminated, into one reusable buffer.
 */
#include "csvread.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

struct CsvReader
{
	struct csv_parser parser;
	const char *name;
	CsvRowFn	fn;
	void	   *ctx;
	Buf			rowbuf;			/* the fields of the current row */
	size_t		offsets[CSV_MAX_FIELDS];
	size_t		lengths[CSV_MAX_FIELDS];
	CsvField	fields[CSV_MAX_FIELDS];
	int			nfields;
	long		line;			/* line being parsed, 1-based */
	long		row_line;		/* line where the current row started */
	int			bom_seen;		/* bytes of a byte order mark matched so
								 * far */
	bool		started;		/* past the byte order mark */
	char		error[128];		/* why parsing failed, "" if it did not */
	long		error_line;
	bool		failed;			/* error met: ignore further callbacks */
	bool		stopped;		/* the row callback asked to stop */
};

static long
count_newlines(const char *s, size_t len)
{
	const char *end = s + len;
	long		n = 0;

	while ((s = memchr(s, '\n', (size_t) (end - s))) != NULL)
	{
		n++;
		s++;
	}
	return n;
}

/* Records why parsing failed, at which line; the reader stops. */
static void
set_error(CsvReader *r, long line, const char *fmt,...) PRINTF_LIKE(3, 4);

static void
set_error(CsvReader *r, long line, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->error_line = line;
	r->failed = true;
}

static void
on_field(void *s, size_t len, void *data)
{
	CsvReader  *r = data;

	if (r->failed || r->stopped)
		return;
	if (r->nfields == 0)
		r->row_line = r->line - (s ? count_newlines(s, len) : 0);
	if (len > CSV_MAX_FIELD)
	{
		set_error(r, r->line, "field longer than %d bytes", CSV_MAX_FIELD);
		return;
	}
	if (r->nfields == CSV_MAX_FIELDS)
	{
		set_error(r, r->row_line, "more than %d fields in a row",
				  CSV_MAX_FIELDS);
		return;
	}
	r->offsets[r->nfields] = r->rowbuf.len;
	r->lengths[r->nfields] = len;
	if ((len > 0 && !buf_append(&r->rowbuf, s, len)) ||
		!buf_putc(&r->rowbuf, '\0'))
	{
		set_error(r, r->row_line, "row longer than %d bytes", CSV_MAX_ROW);
		return;
	}
	r->nfields++;
}

static void
on_row(int terminator, void *data)
{
	CsvReader  *r = data;
	CsvRow		row;

	(void) terminator;
	if (r->failed || r->stopped)
		return;
	for (int i = 0; i < r->nfields; i++)
	{
		r->fields[i].data = r->rowbuf.data + r->offsets[i];
		r->fields[i].len = r->lengths[i];
	}
	row.fields = r->fields;
	row.nfields = r->nfields;
	row.line = r->row_line;
	if (!r->fn(r->ctx, &row))
		r->stopped = true;
	r->nfields = 0;
	buf_reset(&r->rowbuf);
}

CsvReader *
csvread_create(const char *name, CsvRowFn fn, void *ctx)
{
	CsvReader  *r = calloc(1, sizeof(CsvReader));

	if (r == NULL || csv_init(&r->parser, CSV_APPEND_NULL) != 0)
	{
		log_error("out of memory");
		free(r);
		return NULL;
	}
	csv_set_blk_size(&r->parser, 4096);
	r->name = name;
	r->fn = fn;
	r->ctx = ctx;
	r->line = 1;
	buf_init(&r->rowbuf, CSV_MAX_ROW);
	return r;
}

/* Parses one piece of at most one line; false when the reader must stop. */
static bool
parse_piece(CsvReader *r, const char *s, size_t len)
{
	if (csv_parse(&r->parser, s, len, on_field, on_row, r) != len)
	{
		set_error(r, r->line, "%s", csv_strerror(csv_error(&r->parser)));
		return false;
	}
	if (r->failed || r->stopped)
		return false;
	if (r->parser.entry_pos > CSV_MAX_FIELD)
	{
		set_error(r, r->nfields ? r->row_line : r->line,
				  "field longer than %d bytes (unterminated quote?)",
				  CSV_MAX_FIELD);
		return false;
	}
	return true;
}

bool
csvread_feed(CsvReader *r, const char *data, size_t len)
{
	static const char bom[] = "\xEF\xBB\xBF";

	if (r->failed || r->stopped)
		return false;
	/* drop a byte order mark, even one cut across chunks */
	while (!r->started && len > 0)
	{
		if (*data == bom[r->bom_seen])
		{
			data++, len--;
			r->started = ++r->bom_seen == 3;
			continue;
		}
		r->started = true;
		if (r->bom_seen > 0 && !parse_piece(r, bom, (size_t) r->bom_seen))
			return false;
	}
	while (len > 0)
	{
		const char *nl = memchr(data, '\n', len);
		size_t		piece = nl ? (size_t) (nl - data) + 1 : len;

		if (!parse_piece(r, data, piece))
			return false;
		if (nl)
			r->line++;
		data += piece;
		len -= piece;
	}
	return true;
}

/*
 * libcsv's state while inside a quoted field: its FIELD_BEGUN with quoted
 * set.  csv_fini applies CSV_STRICT_FINI only in strict mode, which would
 * also refuse the stray quotes real feeds have, so the check is made here.
 */
#define LIBCSV_FIELD_BEGUN 2

bool
csvread_finish(CsvReader *r)
{
	if (!r->started && r->bom_seen > 0 &&
		!parse_piece(r, "\xEF\xBB\xBF", (size_t) r->bom_seen))
		return false;
	if (r->failed || r->stopped)
		return false;
	if ((r->parser.pstate == LIBCSV_FIELD_BEGUN && r->parser.quoted) ||
		csv_fini(&r->parser, on_field, on_row, r) != 0)
	{
		set_error(r, r->nfields ? r->row_line : r->line,
				  "unterminated quoted field");
		return false;
	}
	return !r->failed && !r->stopped;
}

void
csvread_destroy(CsvReader *r)
{
	if (r == NULL)
		return;
	csv_free(&r->parser);
	buf_free(&r->rowbuf);
	free(r);
}

long
csvread_field_line(const CsvRow *row, int i)
{
	long		line = row->line;

	for (int j = 0; j < i; j++)
		line += count_newlines(row->fields[j].data, row->fields[j].len);
	return line;
}

bool
csvread_member(CsvReader *r, FeedMember *m, char *chunk,
			   unsigned long long *bytes)
{
	ssize_t		n;

	*bytes = 0;
	for (;;)
	{
		n = source_member_read(m, chunk, SOURCE_READ_CHUNK);
		if (n <= 0)
			break;
		*bytes += (unsigned long long) n;
		if (!csvread_feed(r, chunk, (size_t) n))
			return false;
	}
	return n == 0 && csvread_finish(r);
}

const char *
csvread_error(const CsvReader *r, long *line)
{
	*line = r->error_line;
	return r->error[0] ? r->error : NULL;
}
