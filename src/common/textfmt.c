/*
 * textfmt.c: the one CSV field writer and the one JSON string escaper.
 */
#include "textfmt.h"

#include <stdio.h>

bool
textfmt_csv_field(Buf *out, const char *s, size_t len)
{
	bool		quote = false;
	bool		ok;

	/* a NUL byte, where a reader of s as a string stops, quotes it too */
	for (size_t i = 0; !quote && i < len; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
			s[i] == '\n' || s[i] == '\0';

	if (!quote)
		return buf_append(out, s, len);
	ok = buf_putc(out, '"');
	for (size_t i = 0; ok && i < len; i++)
		ok = (s[i] != '"' || buf_putc(out, '"')) && buf_putc(out, s[i]);
	return ok && buf_putc(out, '"');
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
