/*
 * copycsv.c: COPY's text format turned into CSV, which is how pgsql2gtfs
 * writes what COPY (SELECT ...) TO STDOUT gives it.  Each field is
 * unescaped straight into the output, then quoted there by textfmt (the
 * one CSV writer), also where a space or a tab ends it.
 */
#include "copycsv.h"

#include <string.h>

#include "textfmt.h"

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
		size_t		start = out->len;

		if (e == NULL)
			e = end;
		if (e - p == 2 && p[0] == '\\' && p[1] == 'N')
			p = e;
		for (; ok && p < e; p++)
			ok = buf_putc(out, *p == '\\' && p + 1 < e ? unescape(*++p) : *p);
		ok = ok && (!as_csv || textfmt_csv_quote(out, start, true));
		if (e == end)
			break;
		ok = ok && buf_putc(out, ',');
		p = e + 1;
	}
	return ok && buf_putc(out, '\n');
}
