/*
 * load_row.c: the row path, one record of a CSV file into the COPY buffer.
 *
 * Each value is converted to its field's type (convert.h), or nulled, or
 * the row is set aside, with its notices (notice.h); extra columns of a
 * catalog file go into one jsonb.  Nothing here talks to the server: the
 * caller ends the row (copy_row_end), so that tests/unit.c runs it alone.
 */
#include "load_run.h"

#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "geom.h"
#include "log.h"
#include "textfmt.h"

/*
 * A row under ROW_MAX_BYTES and its next value fit in the buffers: the
 * COPY's holds the rows before it (under COPY_FLUSH_SIZE), extra's the
 * JSON of a field (six bytes a byte) and of its column's name.
 */
_Static_assert(COPY_FLUSH_SIZE + ROW_MAX_BYTES + 6 * CSV_MAX_FIELD +
			   6 * NAMEDATALEN + 64 < COPY_MAX_SIZE,
			   "a row and its next value must fit in the COPY buffer");

/*
 * Values of at most ROW_WATCH_BYTES as read cannot pass ROW_MAX_BYTES once
 * written: a byte takes at most seven (JSON's \u0001, its backslash doubled
 * by a text COPY), a column's name in extra and the field's own bytes at
 * most 512 more.  A row is measured only once the values read so far pass
 * it: before, row_too_large could not find it too large.
 */
#define ROW_WATCH_BYTES ((ROW_MAX_BYTES - CSV_MAX_FIELDS * 512) / 7)
_Static_assert(7 * (NAMEDATALEN - 1) + 64 <= 512,
			   "a column's name in extra must take at most 512 bytes");

/* value, cut to SHOW_VALUE_MAX bytes on a character boundary, into out. */
const char *
row_show_value(const char *s, size_t len, char *out, size_t outsize)
{
	size_t		n = len;

	if (n > SHOW_VALUE_MAX)
	{
		n = SHOW_VALUE_MAX;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	snprintf(out, outsize, "%.*s%s", (int) n, s, n < len ? "..." : "");
	/* invalid UTF-8 is the likely problem: show it as '?' */
	conv_utf8_repair(out, strlen(out));
	return out;
}

/* note, for a message, when the rule of kind in context nulls the value */
static const char *
nulled_note(NoticeKind kind, NoticeContext context, const char *note)
{
	return notice_rule(kind, context) == ACTION_VALUE_NULLED ? note : "";
}

/*
 * Carries out the table's rule about a value just noticed: written says
 * whether its column was started (copy_field) with the value in it.  False
 * when the row is dropped (set aside, or the feed refused): the caller
 * stops building it.
 */
static bool
apply_value_rule(FileLoad *fl, NoticeAction action, bool written)
{
	switch (action)
	{
		case ACTION_KEPT:
			if (!written)
				copy_null(&fl->copy);
			return true;
		case ACTION_VALUE_NULLED:
			if (written)
				copy_field_undo(&fl->copy);
			copy_null(&fl->copy);
			return true;
		default:
			copy_row_rollback(&fl->copy);
			return false;
	}
}

/*
 * The point of the row as the "geom" column: NULL without both
 * coordinates (or when one was not a coordinate: coords_ok false).  False
 * when a rule dropped the row.
 */
static bool
put_point(FileLoad *fl, const CsvRow *row, bool coords_ok)
{
	Notices    *nt = fl->run->notices;
	const CsvField *lat,
			   *lon;
	const char *ys,
			   *xs;
	size_t		ylen,
				xlen;
	double		y,
				x;
	NoticeAction action;

	if (!coords_ok || fl->lat_col >= row->nfields ||
		fl->lon_col >= row->nfields ||
		row->fields[fl->lat_col].len == 0 || row->fields[fl->lon_col].len == 0)
	{
		copy_null(&fl->copy);
		return true;
	}
	lat = &row->fields[fl->lat_col];
	lon = &row->fields[fl->lon_col];
	/* both already checked by conv_field, which trims them the same way */
	ys = lat->data, ylen = lat->len;
	xs = lon->data, xlen = lon->len;
	conv_trim(&ys, &ylen);
	conv_trim(&xs, &xlen);
	if (!conv_parse_double(ys, ylen, &y) || !conv_parse_double(xs, xlen, &x))
	{
		copy_null(&fl->copy);
		return true;
	}
	if (x == 0 && y == 0)
	{
		action = notice_value(nt, NK_POINT_NEAR_ORIGIN, NC_OPTIONAL,
							  fl->member, row, fl->lat_col + 1,
							  fl->names[fl->lat_col], lat->data, lat->len,
							  "point at (0, 0): probably a missing position");
		if (action != ACTION_KEPT)
			return apply_value_rule(fl, action, false);
	}
	if (!geom_point(fl->run->opt->geom, x, y, copy_field(&fl->copy),
					fl->binary))
	{
		/* the value nulled is the point's, not the coordinates' */
		action = notice_value(nt, NK_POINT_NOT_TRANSFORMED, NC_OPTIONAL,
							  fl->member, row, fl->lat_col + 1, "geom",
							  lat->data, lat->len,
							  "cannot transform (%s, %s) to SRID %d%s",
							  lat->data, lon->data,
							  geom_srid(fl->run->opt->geom),
							  nulled_note(NK_POINT_NOT_TRANSFORMED,
										  NC_OPTIONAL, ": geom is NULL"));
		return apply_value_rule(fl, action, true);
	}
	return true;
}

/*
 * The notice kind of a value its field refused (CONV_WARN: written all
 * the same; CONV_ERROR: not storable).
 */
static NoticeKind
value_kind(const CatalogField *cf, ConvStatus st, const char *v, size_t len)
{
	if (!conv_utf8_valid(v, len))
		return NK_INVALID_UTF8;
	if (cf == NULL)
		return NK_INVALID_UTF8;
	switch (cf->type)
	{
		case GT_ENUM:
			return st == CONV_WARN ? NK_UNEXPECTED_ENUM_VALUE :
				NK_INVALID_INTEGER;
		case GT_INT:
			return st == CONV_WARN ? NK_SIGN_OUT_OF_RANGE : NK_INVALID_INTEGER;
		case GT_FLOAT:
		case GT_LAT:
		case GT_LON:
			conv_trim(&v, &len);
			if (st == CONV_WARN)
				return NK_SIGN_OUT_OF_RANGE;
			return conv_is_decimal(v, len) && cf->type != GT_FLOAT ?
				NK_COORDINATE_OUT_OF_RANGE : NK_INVALID_FLOAT;
		case GT_MONEY:
			return st == CONV_WARN ? NK_SIGN_OUT_OF_RANGE :
				NK_INVALID_CURRENCY_AMOUNT;
		case GT_DATE:
			return NK_INVALID_DATE;
		case GT_TIME:
			return NK_INVALID_TIME;
		case GT_COLOR:
			return NK_INVALID_COLOR;
		case GT_URL:
			return NK_INVALID_URL;
		case GT_EMAIL:
			return NK_INVALID_EMAIL;
		case GT_LANGUAGE:
			return NK_INVALID_LANGUAGE_CODE;
		case GT_CURRENCY:
			return NK_INVALID_CURRENCY;
		case GT_TEXT:
		case GT_TIMEZONE:
			break;
	}
	return NK_INVALID_UTF8;
}

/*
 * Counts a row whose width differs from the header's: the missing fields
 * are read as empty, empty ones past the header dropped (one notice per
 * file, at its end).  False when it has a value past the header.
 */
static bool
check_row_width(FileLoad *fl, const CsvRow *row)
{
	if (row->nfields < fl->ncols && fl->short_rows++ == 0)
		fl->first_short = row->line;
	for (int i = fl->ncols; i < row->nfields; i++)
		if (row->fields[i].len > 0)
			return false;
	if (row->nfields > fl->ncols && fl->padded_rows++ == 0)
		fl->first_padded = row->line;
	return true;
}

/*
 * Adds column i of row, an extra column of a catalog file or one past
 * TEXT_COLUMNS_MAX of another file, to the row's jsonb object, under its
 * column's name.  A value that is not text (bad UTF-8, a NUL byte) has a
 * notice, whose rule leaves it out or drops the row (*dropped).  False
 * when the row cannot go on: dropped, or fl->run->failed (the row is too
 * long).
 */
static bool
put_extra(FileLoad *fl, const CsvRow *row, int i, const char *v, size_t len,
		  bool *dropped)
{
	char		shown[SHOW_VALUE_MAX + 8];

	if (!conv_utf8_valid(v, len) || memchr(v, '\0', len) != NULL)
	{
		NoticeAction action;

		row_show_value(v, len, shown, sizeof(shown));
		action = notice_value(fl->run->notices, NK_INVALID_UTF8, NC_OPTIONAL,
							  fl->member, row, i + 1, fl->names[i], v, len,
							  "invalid %s \"%s\": invalid UTF-8 or NUL "
							  "byte%s", fl->names[i], shown,
							  nulled_note(NK_INVALID_UTF8, NC_OPTIONAL,
										  ": loaded as NULL"));
		if (action == ACTION_VALUE_NULLED)
			return true;		/* left out of the object */
		copy_row_rollback(&fl->copy);
		*dropped = true;
		return false;
	}
	if (!buf_putc(&fl->extra, fl->extra.len ? ',' : '{') ||
		!textfmt_json_string(&fl->extra, fl->names[i], strlen(fl->names[i]),
							 &fl->extra_backslashes) ||
		!buf_putc(&fl->extra, ':') ||
		!textfmt_json_string(&fl->extra, v, len, &fl->extra_backslashes))
	{
		log_error("%s:%ld: out of memory", fl->member, row->line);
		fl->run->failed = true;
		return false;
	}
	return true;
}

/* The row's extra columns as its DDL_EXTRA_COLUMN: NULL when all empty. */
static bool
end_extra(FileLoad *fl)
{
	Buf		   *field;

	if (fl->extra.len == 0)
	{
		copy_null(&fl->copy);
		return true;
	}
	field = copy_field(&fl->copy);
	if (!buf_putc(&fl->extra, '}') ||
		(fl->binary ? !(buf_putc(field, 1) &&	/* jsonb's format version */
						buf_append(field, fl->extra.data, fl->extra.len)) :
		 conv_copy_text(field, fl->extra.data, fl->extra.len) != CONV_OK))
	{
		log_error("%s: COPY buffer over its cap", fl->member);
		fl->run->failed = true;
		return false;
	}
	return true;
}

/*
 * Bytes the row takes in the COPY so far: its values, and its extra
 * columns as end_extra will write them (with "}", a length or a tab, and
 * the jsonb version or each backslash doubled).
 */
static size_t
row_bytes(const FileLoad *fl)
{
	size_t		extra = fl->extra.len == 0 ? 0 : fl->extra.len + 6 +
		(fl->binary ? 0 : fl->extra_backslashes);

	if (fl->copy.buf.len < fl->copy.row_start)
		return extra;
	return fl->copy.buf.len - fl->copy.row_start + extra;
}

/*
 * Whether the row, column i written, passes ROW_MAX_BYTES: then it is set
 * aside (rolled back), with i as the notice's column.
 */
static bool
row_too_large(FileLoad *fl, const CsvRow *row, int i)
{
	size_t		bytes = row_bytes(fl);

	if (bytes <= ROW_MAX_BYTES)
		return false;
	/* the table allows only dropping the row: set aside or refused */
	copy_row_rollback(&fl->copy);
	notice_row(fl->run->notices, NK_ROW_TOO_LARGE, fl->member, row, i + 1,
			   fl->names[i], NULL, 0, "row of %zu bytes written for the "
			   "server at %s, more than %d: it cannot be loaded", bytes,
			   fl->names[i], ROW_MAX_BYTES);
	return true;
}

void
row_key_columns(FileLoad *fl)
{
	int			fields[CATALOG_MAX_FIELDS];
	int			nkeys = fl->cat ? catalog_key_fields(fl->cat, ~(uint64_t) 0,
												 fields) : 0;

	fl->nkey_cols = 0;
	for (int i = 0; i < fl->ncols; i++)
		for (int k = 0; k < nkeys; k++)
			if (fl->field[i] == fields[k])
				fl->key_cols[fl->nkey_cols++] = i;
}

/*
 * Whether the row's key, each of its values under ID_MAX_BYTES, would
 * make an index entry over INDEX_ENTRY_MAX: then it is dropped as the
 * table says (with the longest value as the notice's).
 */
static bool
key_too_long(FileLoad *fl, const CsvRow *row)
{
	size_t		bytes = INDEX_ENTRY_HEADER;
	size_t		read = 0;
	int			longest = -1;

	if (fl->nkey_cols < 2)
		return false;
	/* most keys are short: INDEX_VALUE_MAX adds at most 24 a value */
	for (int k = 0; k < fl->nkey_cols; k++)
		if (fl->key_cols[k] < row->nfields)
			read += row->fields[fl->key_cols[k]].len;
	if (read + 24 * (size_t) fl->nkey_cols + bytes <= INDEX_ENTRY_MAX)
		return false;
	for (int k = 0; k < fl->nkey_cols; k++)
	{
		int			i = fl->key_cols[k];
		size_t		len = i < row->nfields ? row->fields[i].len : 0;

		bytes += INDEX_VALUE_MAX(len);
		if (len > 0 && (longest < 0 || len > row->fields[longest].len))
			longest = i;
	}
	if (bytes <= INDEX_ENTRY_MAX)
		return false;
	/* the table allows only dropping the row: set aside or refused */
	notice_value(fl->run->notices, NK_ID_TOO_LONG, NC_KEY_PART, fl->member,
				 row, longest + 1, fl->names[longest],
				 row->fields[longest].data, row->fields[longest].len,
				 "key of %zu bytes stored, more than %d: it cannot be "
				 "indexed", bytes, INDEX_ENTRY_MAX);
	return true;
}

/*
 * Field i of row without the spaces and tabs around it, as the validator's
 * leading_or_trailing_whitespaces does, quoted or not: a notice shows it
 * as written (libcsv already dropped them around an unquoted value: see
 * CsvRow's written).  Nothing but spaces leaves it empty.
 */
#define IS_BLANK(c) ((c) == ' ' || (c) == '\t')

static void
trim_value(FileLoad *fl, const CsvRow *row, int i, const char **v,
		   size_t *len)
{
	bool		trimmed = row->written && row->written[i].data;
	CsvField	w = trimmed ? row->written[i] : (CsvField) {*v, *len};
	const char *s = *v;
	size_t		n = *len;
	char		shown[SHOW_VALUE_MAX + 8];

	while (n > 0 && IS_BLANK(*s))
		s++, n--;
	while (n > 0 && IS_BLANK(s[n - 1]))
		n--;
	if (!trimmed && n == *len)
		return;
	row_show_value(w.data, w.len, shown, sizeof(shown));
	/* the table allows only keeping the value trimmed, or refusing */
	notice_value(fl->run->notices, NK_LEADING_OR_TRAILING_WHITESPACES,
				 NC_OPTIONAL, fl->member, row, i + 1, fl->names[i], w.data,
				 w.len, "%s \"%s\" has spaces or tabs around it: loaded "
				 "without them", fl->names[i], shown);
	*v = s;
	*len = n;
}

/* Whether s[0..len) is printable ASCII only, as an id should be. */
static bool
printable_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] < 32 || (unsigned char) s[i] > 126)
			return false;
	return true;
}

/* Whether s[0..len) holds U+FFFD, the mark of a character lost. */
static bool
has_replacement_char(const char *s, size_t len)
{
	const char *end = s + len;
	const char *p = s;

	while ((p = memchr(p, 0xEF, (size_t) (end - p))) != NULL)
	{
		if (end - p >= 3 && (unsigned char) p[1] == 0xBF &&
			(unsigned char) p[2] == 0xBD)
			return true;
		p++;
	}
	return false;
}

/*
 * The validator's checks of a value of field cf as read (its
 * DefaultFieldValidator and @NoInvalidCharacters), each a notice with the
 * value kept: an id of other than printable ASCII, text for riders with
 * U+FFFD.
 */
static void
check_value_text(FileLoad *fl, const CsvRow *row, int i,
				 const CatalogField *cf, NoticeContext context,
				 const char *v, size_t len)
{
	Notices    *nt = fl->run->notices;
	char		shown[SHOW_VALUE_MAX + 8];

	if ((cf->flags & FIELD_ID) && !printable_ascii(v, len))
		notice_value(nt, NK_NON_ASCII_ID, context, fl->member, row, i + 1,
					 fl->names[i], v, len, "%s \"%s\" has characters other "
					 "than printable ASCII", fl->names[i],
					 row_show_value(v, len, shown, sizeof(shown)));
	if ((cf->flags & FIELD_TEXT) && has_replacement_char(v, len))
		notice_value(nt, NK_INVALID_CHARACTER, context, fl->member, row,
					 i + 1, fl->names[i], v, len, "%s \"%s\" has U+FFFD, "
					 "a character lost in a conversion", fl->names[i],
					 row_show_value(v, len, shown, sizeof(shown)));
}

/*
 * One data row into the COPY buffer (see load_run.h): begun, not ended.
 * Each defect is the table's to decide (notice_value, notice_row): this
 * carries out its rule.
 */
bool
row_convert(FileLoad *fl, const CsvRow *row, bool *built)
{
	Notices    *nt = fl->run->notices;
	char		shown[SHOW_VALUE_MAX + 8];
	bool		coords_ok = true;
	bool		dropped = false;
	size_t		read_bytes = 0;	/* of the values before column i */

	*built = false;
	if (!check_row_width(fl, row))
	{
		int			i = fl->ncols;

		while (row->fields[i].len == 0)
			i++;
		/* only set aside or refused: the values past the header are data */
		notice_row(nt, NK_ROW_TOO_LONG, fl->member, row, i + 1, NULL,
				   row->fields[i].data, row->fields[i].len,
				   "%d fields where the header has %d", row->nfields,
				   fl->ncols);
		return !notice_must_stop(nt);
	}
	if (key_too_long(fl, row))
		return !notice_must_stop(nt);
	notice_row_begin(nt);
	copy_row_begin(&fl->copy);
	if (fl->screening)
	{
		fl->screen_defect = false;
		memset(fl->screen_values, 0,
			   (size_t) fl->cat->nfields * sizeof(ScreenText));
	}
	buf_reset(&fl->extra);
	fl->extra_backslashes = 0;
	for (int i = 0; i < fl->ncols; i++)
	{
		int			f = fl->field[i];
		const CatalogField *cf = f >= 0 ? &fl->cat->fields[f] : NULL;
		const char *v = i < row->nfields ? row->fields[i].data : "";
		size_t		len = i < row->nfields ? row->fields[i].len : 0;
		const char *why = "invalid UTF-8 or NUL byte";
		NoticeContext context;
		NoticeAction action;
		NoticeKind	kind;
		ConvStatus	st;

		/* a long row is measured after each value: see ROW_MAX_BYTES */
		if (read_bytes > ROW_WATCH_BYTES && row_too_large(fl, row, i - 1))
			return !notice_must_stop(nt);
		read_bytes += len;
		/*
		 * one libcsv trimmed, or with a space or tab at an edge (both are
		 * at most ' ': a cheap first test)
		 */
		if (row->written ? i < row->nfields :
			len > 0 && ((unsigned char) v[0] <= ' ' ||
						(unsigned char) v[len - 1] <= ' '))
			trim_value(fl, row, i, &v, &len);
		/* an id that is keyed or indexed: only so long */
		if (len > ID_MAX_BYTES && cf &&
			((cf->flags & FIELD_KEY) || cf->refs))
		{
			/* the table allows only dropping the row: set aside or refused */
			notice_value(nt, NK_ID_TOO_LONG, notice_field_context(fl->cat, f),
						 fl->member, row, i + 1,
						 fl->names[i], v, len, "%s of %zu bytes, more than "
						 "%d: it cannot be indexed", cf->name, len,
						 ID_MAX_BYTES);
			copy_row_rollback(&fl->copy);
			return !notice_must_stop(nt);
		}
		if (cf && len > 0)
			check_value_text(fl, row, i, cf, notice_field_context(fl->cat, f),
							 v, len);
		if (f == COL_JSON || (cf == NULL && fl->cat))
		{
			if (len > 0 && !put_extra(fl, row, i, v, len, &dropped))
				return dropped ? !notice_must_stop(nt) : false;
			continue;
		}
		if (len == 0)
		{
			if (cf && (cf->flags & FIELD_REQUIRED))
			{
				action = notice_value(nt, NK_MISSING_REQUIRED_FIELD,
									  notice_field_context(fl->cat, f),
									  fl->member, row, i + 1, fl->names[i],
									  NULL, 0, "missing value for required "
									  "field %s", cf->name);
				if (!apply_value_rule(fl, action, false))
					return !notice_must_stop(nt);
				fl->screen_defect = true;
				/* NULL in a key: its table gets a unique index instead */
				if ((cf->flags & FIELD_KEY) && action == ACTION_KEPT)
					fl->run->unkeyed[fl->cat - catalog_files] |=
						(uint64_t) 1 << f;
			}
			else
				copy_null(&fl->copy);
			continue;
		}
		if (cf && fl->binary)
			st = conv_field_binary(cf, v, len, copy_field(&fl->copy), &why);
		else if (cf)
			st = conv_field(cf, v, len, copy_field(&fl->copy), &why);
		else if (fl->binary)
			st = conv_text_binary(copy_field(&fl->copy), v, len);
		else
			st = conv_copy_text(copy_field(&fl->copy), v, len);
		if (st == CONV_OK)
		{
			if (fl->screening && f >= 0)
				fl->screen_values[f] = (ScreenText) {v, len};
			continue;
		}
		fl->screen_defect = true;
		if (st == CONV_NOSPACE)
		{
			/* the COPY buffer lost its rows: nothing can go on */
			log_error("%s: COPY buffer over its cap", fl->member);
			fl->run->failed = true;
			return false;
		}
		/* a defect: the table's rule, in the value's context */
		kind = value_kind(cf, st, v, len);
		context = cf ? notice_field_context(fl->cat, f) : NC_OPTIONAL;
		row_show_value(v, len, shown, sizeof(shown));
		action = notice_value(nt, kind, context, fl->member, row, i + 1,
							  fl->names[i], v, len, "invalid %s \"%s\": %s%s",
							  fl->names[i], shown, why,
							  nulled_note(kind, context, ": loaded as NULL"));
		if (!apply_value_rule(fl, action, true))
			return !notice_must_stop(nt);
		if (action == ACTION_VALUE_NULLED)
			coords_ok = coords_ok && i != fl->lat_col && i != fl->lon_col;
	}
	if (read_bytes > ROW_WATCH_BYTES && row_too_large(fl, row, fl->ncols - 1))
		return !notice_must_stop(nt);
	if (fl->lat_col >= 0 && !put_point(fl, row, coords_ok))
		return !notice_must_stop(nt);
	if (fl->nextra > 0 && !end_extra(fl))
		return false;
	if (fl->binary)
		buf_put_be(copy_field(&fl->copy), (uint64_t) row->line, 4);
	else
	{
		char		digits[24];

		buf_append(copy_field(&fl->copy), digits,
				   (size_t) snprintf(digits, sizeof(digits), "%ld",
									 row->line));
	}
	notice_row_keep(nt);
	fl->rows++;
	*built = true;
	if (fl->screening)
		screening_row(fl, row->line);
	return true;
}
