/*
 * textfmt.c: the one CSV field writer and the one JSON string escaper.
 */
#include "textfmt.h"

#include <stdio.h>

/*
 * Whether CSV must quote s[0..len): it holds a comma, a quote, a line end
 * or a NUL byte (where a reader of s as a string stops), or, with edges,
 * starts or ends with a space or a tab.
 */
static bool
csv_needs_quotes(const char *s, size_t len, bool edges)
{
	if (edges && (s[0] == ' ' || s[0] == '\t' ||
				  s[len - 1] == ' ' || s[len - 1] == '\t'))
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n' ||
			s[i] == '\0')
			return true;
	return false;
}

bool
textfmt_csv_quote(Buf *out, size_t start, bool edges)
{
	size_t		quotes = 0;
	size_t		to;
	char	   *s;

	if (out->len <= start || !csv_needs_quotes(out->data + start,
											   out->len - start, edges))
		return true;
	for (size_t i = start; i < out->len; i++)
		quotes += out->data[i] == '"';
	if (!buf_reserve(out, quotes + 2))
		return false;
	/* from the end: each byte moves right, never onto one not yet moved */
	s = out->data;
	to = out->len + quotes + 2;
	s[to] = '\0';
	s[--to] = '"';
	for (size_t i = out->len; i-- > start;)
	{
		s[--to] = s[i];
		if (s[i] == '"')
			s[--to] = '"';
	}
	s[start] = '"';
	out->len += quotes + 2;
	return true;
}

bool
textfmt_csv_field(Buf *out, const char *s, size_t len)
{
	size_t		start = out->len;

	return buf_append(out, s, len) && textfmt_csv_quote(out, start, false);
}

bool
textfmt_json_string(Buf *out, const char *s, size_t len, size_t *backslashes)
{
	bool		ok = buf_putc(out, '"');

	for (size_t i = 0; ok && i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		escaped[8];

		if (backslashes && (c == '"' || c == '\\' || c < 0x20))
			(*backslashes)++;
		if (c == '"' || c == '\\')
			ok = buf_putc(out, '\\') && buf_putc(out, (char) c);
		else if (c < 0x20)
			ok = buf_append(out, escaped, (size_t) snprintf(escaped,
															sizeof(escaped),
															"\\u%04x", c));
		else
			ok = buf_putc(out, (char) c);
	}
	return ok && buf_putc(out, '"');
}
