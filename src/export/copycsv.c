/*
 * copycsv.c: COPY's text format turned into CSV, which is how pgsql2gtfs
 * writes what COPY (SELECT ...) TO STDOUT gives it.  Fields are quoted as
 * textfmt_csv_field quotes them, and also where a space or tab ends them,
 * but in place, from the escaped text, without a copy of each field.
 */
#include "copycsv.h"

#include <string.h>

/* The character that the escape \c of COPY's text format stands for. */
static char
unescape(char c)
{
	switch (c)
	{
		case 'b':
			return '\b';
		case 'f':
			return '\f';
		case 'n':
			return '\n';
		case 'r':
			return '\r';
		case 't':
			return '\t';
		case 'v':
			return '\v';
	}
	return c;
}

/*
 * Whether the field [p, e) of COPY's text format must be quoted in CSV:
 * it holds a comma, a quote or a line end, or starts or ends with a space
 * or a tab (which the CSV reader would trim).
 */
static bool
needs_quotes(const char *p, const char *e)
{
	if (p < e && (*p == ' ' || (p[0] == '\\' && e - p > 1 && p[1] == 't')))
		return true;
	if (p < e && (e[-1] == ' ' || (e - p > 1 && e[-2] == '\\' &&
									e[-1] == 't')))
		return true;
	for (; p < e; p++)
	{
		if (*p == ',' || *p == '"')
			return true;
		if (*p == '\\' && p + 1 < e)
		{
			p++;
			if (*p == 'n' || *p == 'r')
				return true;
		}
	}
	return false;
}

bool
copycsv_record(Buf *out, const char *row, size_t len, bool as_csv)
{
	const char *end = row + len;
	const char *p = row;
	bool		ok = true;

	if (end > row && end[-1] == '\n')
		end--;
	while (ok)
	{
		const char *e = memchr(p, '\t', (size_t) (end - p));
		bool		quote;

		if (e == NULL)
			e = end;
		if (e - p == 2 && p[0] == '\\' && p[1] == 'N')
			p = e;
		quote = as_csv && needs_quotes(p, e);
		ok = !quote || buf_putc(out, '"');
		for (; ok && p < e; p++)
		{
			char		c = *p;

			if (c == '\\' && p + 1 < e)
				c = unescape(*++p);
			ok = (!quote || c != '"' || buf_putc(out, '"')) &&
				buf_putc(out, c);
		}
		ok = ok && (!quote || buf_putc(out, '"'));
		if (e == end)
			break;
		ok = ok && buf_putc(out, ',');
		p = e + 1;
	}
	return ok && buf_putc(out, '\n');
}
