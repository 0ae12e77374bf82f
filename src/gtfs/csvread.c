/*
 * csvread.c: libcsv with line numbers and caps.
 *
 * libcsv reports fields and rows but not where they are, so the stream is
 * handed to it one physical line at a time: when it reports a field, the
 * current line is the one the field ends on.  Fields of the current row are
 * copied, NUL-terminated, into one reusable buffer.
 *
 * libcsv runs in strict mode: a quote inside an unquoted field, or text
 * after a closing quote, is a parse error where the lenient mode would
 * glue the following lines into the field until another quote.  Since a
 * line is parsed at a time, the reader can start again after such a
 * record: a fresh parser takes the next line (see csvread_on_broken).
 *
 * A quote that opens a field and is not closed on its line swallows the
 * lines after it, which are held as written (the span, at most CSV_MAX_ROW
 * bytes).  Such a record is legitimate when it closes cleanly with at
 * least as many fields as the header (a description with a line break;
 * with more, the caller sets it aside whole).  When it passes a cap once
 * its quote has closed, it is one broken record over its lines.  Else (a
 * parse error, fewer fields, the end of the file, a quoted field of more
 * than CSV_MAX_FIELD bytes) the span is read again as a person would read
 * it: its first line alone, a broken record since its quote does not close
 * as it should, then the next lines as usual, where a legitimate quoted
 * line break is one record again.
 *
 * Reading again is bounded without a budget.  The span's lines between
 * its first and its last were read inside the quote without a parse error,
 * so each has an even number of quotes: read from outside a quote, none
 * can end inside one.  A span opened again can only open on the last line
 * held, then go on with the stream; should it break on that line (a quoted
 * field over CSV_MAX_FIELD bytes), that line is read once more, alone.  So
 * a span's bytes are read again at most twice, in a loop (no recursion),
 * with one more buffer (held) of at most CSV_MAX_ROW bytes.
 *
 * A record that passes a cap (a field over CSV_MAX_FIELD bytes, quoted or
 * not, a row over CSV_MAX_ROW bytes or CSV_MAX_FIELDS fields) is broken
 * the same way: its line is skipped to its end, kept as text as far as
 * line_text holds, and the next line parsed afresh.  What libcsv holds is
 * checked after each piece (at most PIECE_MAX bytes, however much the
 * caller hands over at once), so no line, however long, makes it hold much
 * more than CSV_MAX_FIELD bytes; libcsv's buffer grows by PARSER_BLOCK, so
 * a longer piece would also cost time in the square of its length.
 *
 * libcsv also drops spaces and tabs around unquoted fields.  A line where
 * that may have happened is parsed again without it, so that the row can
 * say which values were trimmed and how they were written.
 */
#include "csvread.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define PARSER_OPTIONS	(CSV_STRICT | CSV_APPEND_NULL)
#define PARSER_BLOCK	4096	/* libcsv's buffer grows by this */
#define PIECE_MAX		(64 * 1024) /* bytes parsed before the caps are checked */

/* libcsv's state between rows: its ROW_NOT_BEGUN. */
#define LIBCSV_ROW_NOT_BEGUN 0

/*
 * libcsv's state while inside a quoted field: its FIELD_BEGUN with quoted
 * set.  csv_fini refuses an unterminated quote only with CSV_STRICT_FINI,
 * so the check is made here, where it can be reported.
 */
#define LIBCSV_FIELD_BEGUN 2

#define UNCLOSED_WHY	"unterminated quote (not closed on its line)"

struct CsvReader
{
	struct csv_parser parser;
	const char *name;
	CsvRowFn	fn;
	CsvBrokenFn broken_fn;		/* NULL: a stray quote is an error */
	void	   *ctx;
	Buf			line_text;		/* the current line as read, while it
								 * spans pieces or is broken */
	long		record_line;	/* line where the current record started */
	unsigned long long text_dropped;	/* bytes of the current line that
										 * line_text had no room for */
	CsvBroken	broken;			/* the broken record being skipped */
	bool		skipping;		/* up to the end of the broken line */
	bool		over_cap;		/* the current record passed a cap: it is
								 * to be set aside (see parse_part) */
	int			cap_column;		/* the field that passed it */
	char		cap_why[64];	/* which cap, for broken.why */
	Buf			span;			/* the lines of a record whose quoted
								 * field runs over a line end, as read */
	bool		spanning;		/* span holds the current record */
	long		span_line;		/* line where span starts */
	bool		reread;			/* span is to be read again (see
								 * read_span_again) */
	Buf			held;			/* a span being read again */
	unsigned long long replayed;	/* bytes read again, for tests */
	long		alone_until;	/* lines up to this one are read alone */
	int			width;			/* fields of the first row; 0 before */
	const char *piece;			/* the piece being parsed */
	size_t		piece_len;
	bool		may_trim;		/* libcsv may have trimmed a field of the
								 * current record */
	struct csv_parser untrimmed;	/* reads the record again, spaces kept */
	Buf			written_buf;	/* its fields */
	size_t		woffsets[CSV_MAX_FIELDS];
	size_t		wlengths[CSV_MAX_FIELDS];
	int			nwritten;		/* its fields; -1 past CSV_MAX_FIELDS */
	CsvField	written[CSV_MAX_FIELDS];
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
	bool		pending_cr;		/* the last chunk ended with a CR: a line
								 * end unless an LF comes next */
	char		error[128];		/* why parsing failed, "" if it did not */
	long		error_line;
	bool		failed;			/* error met: ignore further callbacks */
	bool		stopped;		/* the row callback asked to stop */
};

/* Line ends in s[0..len): LF, CRLF, or a CR alone (old Mac files). */
static long
count_newlines(const char *s, size_t len)
{
	long		n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n' ||
			(s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'));
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

/*
 * The current record passes a cap, which the message says: with broken_fn
 * it is to be set aside (see parse_part: its fields are dropped, whatever
 * on_field did with those after it); without, parsing stops with an error
 * at line.
 */
static void
pass_cap(CsvReader *r, long line, const char *fmt,...) PRINTF_LIKE(3, 4);

static void
pass_cap(CsvReader *r, long line, const char *fmt,...)
{
	va_list		ap;

	/* the first cap passed is the record's */
	if (r->over_cap)
		return;
	va_start(ap, fmt);
	vsnprintf(r->cap_why, sizeof(r->cap_why), fmt, ap);
	va_end(ap);
	if (r->broken_fn == NULL)
	{
		set_error(r, line, "%s", r->cap_why);
		return;
	}
	r->cap_column = r->nfields + 1;
	r->over_cap = true;
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
		pass_cap(r, r->line, "field longer than %d bytes", CSV_MAX_FIELD);
		return;
	}
	if (r->nfields == CSV_MAX_FIELDS)
	{
		pass_cap(r, r->row_line, "more than %d fields in a row",
				 CSV_MAX_FIELDS);
		return;
	}
	r->offsets[r->nfields] = r->rowbuf.len;
	r->lengths[r->nfields] = len;
	if ((len > 0 && !buf_append(&r->rowbuf, s, len)) ||
		!buf_putc(&r->rowbuf, '\0'))
	{
		pass_cap(r, r->row_line, "row longer than %d bytes", CSV_MAX_ROW);
		return;
	}
	r->nfields++;
}

/*
 * Whether the row just parsed, which ran over a line end, has fewer fields
 * than the first row (the header): lines glued into one field.  A row with
 * more is set aside whole by the caller (every line in its record).
 */
static bool
breaks_width(const CsvReader *r)
{
	return r->nfields < r->width;
}

/* libcsv's test for a space it drops, turned off. */
static int
never_space(unsigned char c)
{
	(void) c;
	return 0;
}

static void
on_written_field(void *s, size_t len, void *data)
{
	CsvReader  *r = data;

	if (r->nwritten < 0 || r->nwritten == CSV_MAX_FIELDS ||
		(len > 0 && !buf_append(&r->written_buf, s, len)) ||
		!buf_putc(&r->written_buf, '\0'))
	{
		r->nwritten = -1;
		return;
	}
	r->woffsets[r->nwritten] = r->written_buf.len - len - 1;
	r->wlengths[r->nwritten++] = len;
}

/* Whether s[0..len) less its spaces and tabs at both ends is v[0..vlen). */
static bool
trims_to(const char *s, size_t len, const char *v, size_t vlen)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len == vlen && memcmp(s, v, len) == 0;
}

/*
 * The record just parsed, read again by a lenient libcsv that keeps spaces:
 * the fields libcsv trimmed, as written (r->written, data NULL for the
 * others), or NULL when none was.  Spaces between a delimiter and a quote
 * are not a field's: the lenient reading then differs from the trimmed
 * value by more than spaces, and the field is not marked.
 */
static const CsvField *
find_trimmed(CsvReader *r)
{
	bool		any = false;
	const char *text = r->spanning ? r->span.data : r->line_text.data;
	size_t		len = r->spanning ? r->span.len : r->line_text.len;

	r->nwritten = 0;
	buf_reset(&r->written_buf);
	if (len > 0)
		csv_parse(&r->untrimmed, text, len, on_written_field, NULL, r);
	if (!r->spanning)
		csv_parse(&r->untrimmed, r->piece, r->piece_len, on_written_field,
				  NULL, r);
	csv_fini(&r->untrimmed, on_written_field, NULL, r);
	if (r->nwritten != r->nfields)
		return NULL;
	for (int i = 0; i < r->nfields; i++)
	{
		const char *w = r->written_buf.data + r->woffsets[i];

		r->written[i].data = NULL;
		r->written[i].len = 0;
		if (r->wlengths[i] != r->lengths[i] &&
			trims_to(w, r->wlengths[i], r->fields[i].data, r->lengths[i]))
		{
			r->written[i].data = w;
			r->written[i].len = r->wlengths[i];
			any = true;
		}
	}
	return any ? r->written : NULL;
}

static void
on_row(int terminator, void *data)
{
	CsvReader  *r = data;
	CsvRow		row;

	(void) terminator;
	if (r->failed || r->stopped || r->over_cap)
		return;
	/* a row ends a piece: none comes after reread is set */
	if (r->spanning)
	{
		if (breaks_width(r))
		{
			/* read_span_again gives the lines their rows */
			r->reread = true;
			r->nfields = 0;
			buf_reset(&r->rowbuf);
			return;
		}
	}
	if (r->width == 0)
		r->width = r->nfields;
	for (int i = 0; i < r->nfields; i++)
	{
		r->fields[i].data = r->rowbuf.data + r->offsets[i];
		r->fields[i].len = r->lengths[i];
	}
	row.fields = r->fields;
	row.nfields = r->nfields;
	row.line = r->row_line;
	row.written = NULL;
	/* a record over several lines is read again from its span */
	if (r->may_trim)
	{
		row.written = find_trimmed(r);
		r->may_trim = false;
	}
	if (r->spanning)
	{
		r->spanning = false;
		buf_reset(&r->span);
	}
	if (!r->fn(r->ctx, &row))
		r->stopped = true;
	r->nfields = 0;
	buf_reset(&r->rowbuf);
	r->record_line = r->line;
}

/* A fresh libcsv parser; false when out of memory (logged). */
static bool
init_parser(CsvReader *r)
{
	if (csv_init(&r->parser, PARSER_OPTIONS) != 0)
	{
		log_error("out of memory");
		return false;
	}
	csv_set_blk_size(&r->parser, PARSER_BLOCK);
	return true;
}

CsvReader *
csvread_create(const char *name, CsvRowFn fn, void *ctx)
{
	CsvReader  *r = calloc(1, sizeof(CsvReader));

	if (r == NULL)
		log_error("out of memory");
	if (r == NULL || !init_parser(r))
	{
		free(r);
		return NULL;
	}
	if (csv_init(&r->untrimmed, CSV_APPEND_NULL) != 0)
	{
		log_error("out of memory");
		csvread_destroy(r);
		return NULL;
	}
	csv_set_space_func(&r->untrimmed, never_space);
	r->name = name;
	r->fn = fn;
	r->ctx = ctx;
	r->line = 1;
	r->record_line = 1;
	buf_init(&r->rowbuf, CSV_MAX_ROW);
	buf_init(&r->line_text, CSV_MAX_ROW);
	buf_init(&r->span, CSV_MAX_ROW);
	buf_init(&r->held, CSV_MAX_ROW);
	buf_init(&r->written_buf, CSV_MAX_ROW);
	return r;
}

void
csvread_on_broken(CsvReader *r, CsvBrokenFn fn)
{
	r->broken_fn = fn;
}

/* Forgets the text kept of the current line: a new line starts. */
static void
forget_line(CsvReader *r)
{
	buf_reset(&r->line_text);
	r->text_dropped = 0;
}

/*
 * Keeps s[0..len) of the current line, as much as line_text can hold
 * (CSV_MAX_ROW bytes: the rest is counted in text_dropped); a CR in it
 * ends a line (LF ends pieces), so only what follows the last one is kept.
 */
static void
keep_text(CsvReader *r, const char *s, size_t len)
{
	const char *cr = len > 0 ? memrchr(s, '\r', len) : NULL;
	size_t		room;

	if (cr)
	{
		forget_line(r);
		len -= (size_t) (cr + 1 - s);
		s = cr + 1;
	}
	room = r->line_text.max - r->line_text.len;
	if (len > room)
		r->text_dropped += len - room;
	if (len > 0 && room > 0)
		buf_append(&r->line_text, s, len < room ? len : room);
}

/*
 * The current record is broken at field column of the current line, for
 * why: its fields are dropped, a fresh parser takes what follows, and the
 * rest of the line is skipped.  False (an error set) when out of memory.
 */
static bool
set_broken(CsvReader *r, int column, const char *why)
{
	r->broken.line = r->record_line;
	r->broken.bad_line = r->line;
	r->broken.column = column;
	r->broken.why = why;
	r->nfields = 0;
	r->over_cap = false;
	buf_reset(&r->rowbuf);
	csv_free(&r->parser);
	if (!init_parser(r))
	{
		set_error(r, r->line, "out of memory");
		return false;
	}
	r->skipping = true;
	return true;
}

/*
 * A stray quote at this point of the line: the record is broken.  False
 * when it cannot be set aside: no broken_fn (a parse error), or no memory.
 */
static bool
start_broken(CsvReader *r)
{
	if (csv_error(&r->parser) != CSV_EPARSE || r->broken_fn == NULL)
	{
		set_error(r, r->line, "%s", csv_error(&r->parser) == CSV_EPARSE ?
				  "stray quote: a quote inside an unquoted field, or text "
				  "after a closing quote" :
				  csv_strerror(csv_error(&r->parser)));
		return false;
	}
	return set_broken(r, r->nfields + 1, "stray quote (a quote inside an "
					  "unquoted field, or text after a closing quote)");
}

/* The broken line has ended: hands it to broken_fn. */
static void
end_broken(CsvReader *r)
{
	r->broken.text = r->line_text.data ? r->line_text.data : "";
	r->broken.len = r->line_text.len;
	r->broken.dropped = r->text_dropped;
	r->skipping = false;
	if (!r->broken_fn(r->ctx, &r->broken))
		r->stopped = true;
	forget_line(r);
	r->record_line = r->line;
}

/*
 * The record held in span passed a cap (column, why) once its quoted line
 * breaks had closed: it is one broken record over its lines, its text the
 * first upto bytes of span and the rest of the current line, which is
 * skipped (see set_broken).  False (an error set) when out of memory.
 */
static bool
break_span(CsvReader *r, size_t upto, int column, const char *why)
{
	Buf			spare = r->line_text;

	r->line_text = r->span;
	r->line_text.len = upto;
	r->line_text.data[upto] = '\0';
	r->text_dropped = 0;
	r->span = spare;
	buf_reset(&r->span);
	r->spanning = false;
	return set_broken(r, column, why);
}

/*
 * Parses s[0..len) of the current line, or skips it up to a line end (CR
 * or LF) after a stray quote or a cap; how many bytes were used (all of
 * them unless a stray quote was met or a broken line ended; none when the
 * record passed a cap: the part is to be skipped).  Sets failed or stopped
 * when the reader must stop.
 */
static size_t
parse_part(CsvReader *r, const char *s, size_t len)
{
	size_t		n;

	if (r->skipping)
	{
		for (n = 0; n < len && s[n] != '\r' && s[n] != '\n'; n++)
			;
		keep_text(r, s, n);
		if (n == len)
			return n;
		end_broken(r);
		return n + 1;
	}
	if (r->parser.pstate == LIBCSV_ROW_NOT_BEGUN && r->nfields == 0)
		r->record_line = r->line;
	n = csv_parse(&r->parser, s, len, on_field, on_row, r);
	if (r->spanning &&
		(r->over_cap || (n < len && csv_error(&r->parser) == CSV_EPARSE)))
	{
		/* over a cap, s[0..len) ends span: the part is skipped from its start */
		if (r->over_cap)
			return break_span(r, r->span.len -
							  (size_t) (r->piece + r->piece_len - s),
							  r->cap_column, r->cap_why) ? 0 : len;
		/* the span ends badly: it is read again, this line whole */
		r->reread = true;
		return len;
	}
	/* over a cap: the line is skipped from its start (libcsv read it) */
	if (r->over_cap && !r->failed && !r->stopped)
		return set_broken(r, r->cap_column, r->cap_why) ? 0 : len;
	if (n < len && !r->failed && !r->stopped && start_broken(r))
	{
		keep_text(r, s, n);
		return n;
	}
	return len;
}

/*
 * The first c (a space or a tab) in [from, end) that libcsv may drop: one
 * beside a comma or a line end, or at either end of the data (what is
 * beyond is not known); end if none.  Cheap: most lines have none.
 */
static const char *
next_edge_space(const char *data, const char *from, const char *end, char c)
{
	for (const char *p = from; p < end; p++)
	{
		p = memchr(p, c, (size_t) (end - p));
		if (p == NULL)
			break;
		if (p == data || p + 1 == end || memchr(",\r\n", p[-1], 3) ||
			memchr(",\r\n", p[1], 3))
			return p;
	}
	return end;
}

/* Whether libcsv is inside a quoted field. */
static bool
in_quote(const CsvReader *r)
{
	return r->parser.pstate == LIBCSV_FIELD_BEGUN && r->parser.quoted;
}

/*
 * A line read alone ends inside a quoted field: the record, from the line's
 * start to s[0..len) (its end, without the line end), is broken, for why.
 * Without broken_fn it is a parse error.
 */
static void
unclosed_quote(CsvReader *r, const char *s, size_t len, const char *why)
{
	if (r->broken_fn == NULL)
	{
		set_error(r, r->line, "unterminated quoted field");
		return;
	}
	if (!set_broken(r, r->nfields + 1, why))
		return;
	keep_text(r, s, len);
	end_broken(r);
}

/*
 * Parses one piece of at most one line; false when the reader must stop.
 * The line's text is kept only while it is needed: across pieces, or to
 * show a broken line.
 */
static bool
parse_piece(CsvReader *r, const char *s, size_t len)
{
	size_t		done = 0;
	size_t		part = 0;		/* where the last part began */
	bool		skipped = true; /* the last part was skipped (kept) */
	bool		ends = len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r');
	bool		open;			/* the line ends inside a quoted field */

	r->piece = s;
	r->piece_len = len;
	if (r->spanning && !buf_append(&r->span, s, len))
	{
		set_error(r, r->line, "out of memory");
		return false;
	}
	/* parse_part uses the whole piece when it sets reread */
	while (done < len && !r->failed && !r->stopped)
	{
		part = done;
		skipped = r->skipping;
		done += parse_part(r, s + done, len - done);
	}
	if (r->failed || r->stopped)
		return false;
	if (r->reread)
		return true;
	open = ends && in_quote(r);
	if (open && r->line <= r->alone_until)
		unclosed_quote(r, s, len - 1, UNCLOSED_WHY);
	else if (open && !r->spanning &&
			 (r->text_dropped > 0 || r->line_text.len + len > CSV_MAX_ROW))
	{
		/* more than span may hold: read alone */
		snprintf(r->cap_why, sizeof(r->cap_why), "quote open at the end of "
				 "a line over %d bytes", CSV_MAX_ROW);
		unclosed_quote(r, s, len - 1, r->cap_why);
	}
	else if (open && !r->spanning)
	{
		/* hold the record's lines from here, in case they are read again */
		r->spanning = true;
		r->span_line = r->line;
		if (!buf_append(&r->span, r->line_text.data ? r->line_text.data : "",
						r->line_text.len) ||
			!buf_append(&r->span, s, len))
			set_error(r, r->line, "out of memory");
	}
	if (r->failed || r->stopped)
		return false;
	if (ends)
		forget_line(r);
	else if (!skipped)
		keep_text(r, s + part, len - part);
	if (r->parser.entry_pos > CSV_MAX_FIELD && r->broken_fn == NULL)
	{
		set_error(r, r->nfields ? r->row_line : r->line,
				  "field longer than %d bytes (unterminated quote?)",
				  CSV_MAX_FIELD);
		return false;
	}
	/* libcsv's quoted: the field it holds began with a quote */
	if (r->parser.entry_pos > CSV_MAX_FIELD && r->spanning &&
		r->parser.quoted)
	{
		/* held long enough: an unclosed quote, most likely */
		r->reread = true;
	}
	else if (r->parser.entry_pos > CSV_MAX_FIELD)
	{
		/* the field libcsv holds is over the cap: the line is broken */
		snprintf(r->cap_why, sizeof(r->cap_why),
				 "field longer than %d bytes", CSV_MAX_FIELD);
		return r->spanning ?
			break_span(r, r->span.len, r->nfields + 1, r->cap_why) :
			set_broken(r, r->nfields + 1, r->cap_why);
	}
	return true;
}

/*
 * span holds CSV_MAX_ROW bytes and the record goes on: inside the quoted
 * field that opened it (or one opened after it), the span is read again;
 * else the record is over the row cap, one broken record over its lines.
 * False when the reader must stop.
 */
static bool
span_full(CsvReader *r)
{
	if (r->parser.quoted)
	{
		r->reread = true;
		return true;
	}
	pass_cap(r, r->line, "row longer than %d bytes", CSV_MAX_ROW);
	return !r->failed &&
		break_span(r, r->span.len, r->cap_column, r->cap_why);
}

/* The bytes of s[0..len) before its first CR or LF (memchr is fast). */
static size_t
strcspn_len(const char *s, size_t len)
{
	const char *lf = memchr(s, '\n', len);
	size_t		n = lf ? (size_t) (lf - s) : len;
	const char *cr = memchr(s, '\r', n);

	return cr ? (size_t) (cr - s) : n;
}

/*
 * Parses data[0..len) a line at a time, counting lines, until the reader
 * must stop (failed or stopped) or a quoted span is to be read again
 * (reread): how many bytes it used.
 */
static size_t
parse_lines(CsvReader *r, const char *data, size_t len)
{
	const char *start = data;
	const char *end = data + len;
	const char *space = next_edge_space(start, start, end, ' ');
	const char *tab = next_edge_space(start, start, end, '\t');

	if (r->pending_cr && len > 0)
	{
		r->pending_cr = false;
		r->line += *data != '\n';
	}
	/* a piece is one line: it ends with LF, or with a CR not before LF */
	while (len > 0)
	{
		size_t		piece = strcspn_len(data, len);
		bool		ends = piece < len;

		piece += ends;
		if (piece > PIECE_MAX)
		{
			piece = PIECE_MAX;
			ends = false;
		}
		if (r->spanning && r->span.len + piece > CSV_MAX_ROW)
		{
			/* what fits is held and parsed, then span_full decides */
			if (r->span.len < CSV_MAX_ROW)
			{
				piece = CSV_MAX_ROW - r->span.len;
				ends = false;
			}
			else if (!span_full(r) || r->reread)
				break;
		}
		if (space < data + piece || tab < data + piece)
		{
			r->may_trim = true;
			if (space < data + piece)
				space = next_edge_space(start, data + piece, end, ' ');
			if (tab < data + piece)
				tab = next_edge_space(start, data + piece, end, '\t');
		}
		if (!parse_piece(r, data, piece))
			break;
		if (ends && data[piece - 1] == '\n')
			r->line++;
		else if (ends && piece < len)
			r->line += data[piece] != '\n';
		else if (ends)
			r->pending_cr = true;
		data += piece;
		len -= piece;
		if (r->reread)
			break;
	}
	return (size_t) (data - start);
}

/*
 * The span broke: it is read again as a person would, its first line alone
 * and the lines after it as usual; should a span opened in them break
 * there (on their last line, see the head comment), its lines are read
 * once more, each alone.  The stream then goes on where it was.  False
 * when the reader must stop.
 */
static bool
read_span_again(CsvReader *r)
{
	Buf			spare = r->held;
	long		line = r->line;
	bool		pending_cr = r->pending_cr;
	size_t		at = 0;

	r->held = r->span;
	r->span = spare;
	buf_reset(&r->span);
	r->alone_until = r->line = r->span_line;
	do
	{
		r->spanning = r->reread = false;
		r->nfields = 0;
		buf_reset(&r->rowbuf);
		forget_line(r);
		csv_free(&r->parser);
		if (!init_parser(r))
		{
			set_error(r, r->line, "out of memory");
			return false;
		}
		r->record_line = r->line;
		r->pending_cr = false;
		r->replayed += r->held.len - at;
		at += parse_lines(r, r->held.data + at, r->held.len - at);
		if (r->failed || r->stopped)
			return false;
		if (r->reread)
		{
			/* the held bytes end with the new span's */
			at -= r->span.len;
			buf_reset(&r->span);
			r->line = r->span_line;
			r->alone_until = line;
		}
	} while (r->reread);
	buf_free(&r->held);
	/* the same bytes were counted the same way */
	r->line = line;
	r->pending_cr = pending_cr;
	return true;
}

/*
 * Parses data[0..len), reading broken spans again; false when the reader
 * must stop.
 */
static bool
feed_lines(CsvReader *r, const char *data, size_t len)
{
	for (;;)
	{
		size_t		used = parse_lines(r, data, len);

		if (r->failed || r->stopped)
			return false;
		if (!r->reread)
			return true;
		if (!read_span_again(r))
			return false;
		data += used;
		len -= used;
	}
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
	return feed_lines(r, data, len);
}

/*
 * Ends the record the parser holds at the end of the stream; false when
 * the reader must stop.
 */
static bool
end_last_record(CsvReader *r)
{
	r->piece_len = 0;			/* the last piece is in line_text */
	if (r->skipping)
		end_broken(r);
	if (r->failed || r->stopped)
		return false;
	/* the last line, read alone, does not close its quote */
	if (in_quote(r) && r->broken_fn)
		unclosed_quote(r, "", 0, UNCLOSED_WHY);
	if (r->failed || r->stopped)
		return false;
	if (in_quote(r) || csv_fini(&r->parser, on_field, on_row, r) != 0)
	{
		set_error(r, r->nfields ? r->row_line : r->line,
				  "unterminated quoted field");
		return false;
	}
	/* its last field passed a cap: the line is in line_text */
	if (r->over_cap && set_broken(r, r->cap_column, r->cap_why))
		end_broken(r);
	return !r->failed && !r->stopped;
}

bool
csvread_finish(CsvReader *r)
{
	if (!r->started && r->bom_seen > 0 &&
		!parse_piece(r, "\xEF\xBB\xBF", (size_t) r->bom_seen))
		return false;
	if (r->spanning && in_quote(r) && !read_span_again(r))
		return false;
	if (!end_last_record(r))
		return false;
	/* a last record over several lines without a final line end */
	if (r->reread && (!read_span_again(r) || !end_last_record(r)))
		return false;
	return true;
}

void
csvread_destroy(CsvReader *r)
{
	if (r == NULL)
		return;
	csv_free(&r->parser);
	csv_free(&r->untrimmed);
	buf_free(&r->rowbuf);
	buf_free(&r->line_text);
	buf_free(&r->span);
	buf_free(&r->held);
	buf_free(&r->written_buf);
	free(r);
}

unsigned long long
csvread_replayed(const CsvReader *r)
{
	return r->replayed;
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
