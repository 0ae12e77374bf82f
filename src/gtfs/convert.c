/*
 * convert.c: GTFS value checks and their COPY text form.
 *
 * Values are checked here so that a bad value is reported with its file,
 * line and column instead of failing the whole COPY in the server.  Numbers
 * are checked for syntax and range and then passed through as written:
 * reformatting a float could only lose digits.
 */
#include "convert.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
digits_value(const char *s, size_t n)
{
	int			v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool
conv_parse_time(const char *s, size_t len, int *seconds)
{
	const char *colon;
	size_t		hlen = 0;
	int			minutes,
				secs;

	/* the first colon, if among the first four bytes (no memchr call) */
	while (hlen < len && hlen < 4 && s[hlen] != ':')
		hlen++;
	colon = s + hlen;
	/* 1 to 3 hour digits, then exactly ":MM:SS" */
	if (hlen < 1 || hlen > 3 || len != hlen + 6 || !all_digits(s, hlen) ||
		colon[3] != ':' || !all_digits(colon + 1, 2) ||
		!all_digits(colon + 4, 2))
		return false;
	minutes = digits_value(colon + 1, 2);
	secs = digits_value(colon + 4, 2);
	if (minutes > 59 || secs > 59)
		return false;
	*seconds = digits_value(s, hlen) * 3600 + minutes * 60 + secs;
	return true;
}

bool
conv_parse_date(const char *s, size_t len, int *year, int *month, int *day)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y,
				m,
				d;

	if (len != 8 || !all_digits(s, 8))
		return false;
	y = digits_value(s, 4);
	m = digits_value(s + 4, 2);
	d = digits_value(s + 6, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	*year = y;
	*month = m;
	*day = d;
	return true;
}

bool
conv_parse_int(const char *s, size_t len, long *value)
{
	size_t		i = 0;
	bool		neg = false;
	int64_t		v = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+'))
	{
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return false;
	for (; i < len; i++)
	{
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > 2147483648L)
			return false;
	}
	if (neg)
		v = -v;
	if (v > 2147483647L)
		return false;
	*value = (long) v;
	return true;
}

bool
conv_is_decimal(const char *s, size_t len)
{
	size_t		i = 0,
				int_digits = 0,
				frac_digits = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && is_digit(s[i]))
		i++, int_digits++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && is_digit(s[i]))
			i++, frac_digits++;
	}
	if (int_digits + frac_digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		exp_digits = 0;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < len && is_digit(s[i]))
			i++, exp_digits++;
		/* 1e99999 would be a numeric too big for the server */
		if (exp_digits == 0 || exp_digits > 3)
			return false;
	}
	return i == len;
}

void
conv_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*len)--;
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

bool
conv_parse_double(const char *s, size_t len, double *value)
{
	/* powers of ten exactly representable as doubles */
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15
	};
	uint64_t	mantissa = 0;
	size_t		i = 0,
				digits = 0,
				frac = 0;
	bool		neg = false,
				dot = false;

	if (len > 0 && (s[0] == '-' || s[0] == '+'))
		neg = s[i++] == '-';
	for (; i < len; i++)
	{
		if (s[i] == '.' && !dot)
			dot = true;
		else if (is_digit(s[i]) && digits < 15)
		{
			mantissa = mantissa * 10 + (uint64_t) (s[i] - '0');
			digits++;
			frac += dot;
		}
		else
			break;
	}
	/*
	 * Up to 15 digits and no exponent: the mantissa and the power of ten
	 * are exact doubles, so one division rounds correctly, as strtod does.
	 */
	if (i == len && digits > 0)
	{
		*value = (double) mantissa / pow10[frac];
		if (neg)
			*value = -*value;
		return true;
	}
	errno = 0;
	*value = strtod(s, NULL);
	return errno != ERANGE;
}

bool
conv_is_color(const char *s, size_t len)
{
	if (len != 6)
		return false;
	for (size_t i = 0; i < 6; i++)
	{
		char		c = s[i];

		if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F'))
			return false;
	}
	return true;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t
utf8_sequence(const unsigned char *s, size_t n)
{
	size_t		need;
	unsigned int cp;

	if (s[0] < 0x80)
		return s[0] != 0;
	else if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
		(cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return need;
}

void
conv_utf8_repair(char *s, size_t len)
{
	unsigned char *p = (unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		size_t		n = utf8_sequence(p + i, len - i);

		if (n == 0)
			p[i++] = '?';
		else
			i += n;
	}
}

bool
conv_utf8_show(Buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;
	bool		ok = true;

	while (ok && i < len)
	{
		size_t		n = utf8_sequence(p + i, len - i);

		if (n > 0)
		{
			ok = buf_append(out, s + i, n);
			i += n;
			continue;
		}
		ok = buf_puts(out, "\\x") && buf_putc(out, hex[p[i] >> 4]) &&
			buf_putc(out, hex[p[i] & 0xF]);
		i++;
	}
	return ok;
}

bool
conv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		size_t		n;

		/* ASCII but NUL, what most values are, without a call */
		if ((unsigned int) p[i] - 1 < 0x7F)
		{
			i++;
			continue;
		}
		n = utf8_sequence(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t
conv_utf8_cut(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		back = 0;

	/* step back over continuation bytes to the last lead byte */
	while (back < 3 && back < len && (p[len - 1 - back] & 0xC0) == 0x80)
		back++;
	if (back < len && p[len - 1 - back] >= 0xC0)
	{
		unsigned char lead = p[len - 1 - back];
		size_t		need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

		if (back + 1 < need)
			return len - 1 - back;
	}
	return len;
}

ConvStatus
conv_copy_text(Buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		start = 0,
				i = 0;

	/* Copy runs of plain ASCII at once; stop at what needs a look. */
	while (i < len)
	{
		unsigned char c = p[i];
		const char *esc;

		if (c >= 0x20 && c < 0x80 && c != '\\')
		{
			i++;
			continue;
		}
		if (c >= 0x80)
		{
			size_t		n = utf8_sequence(p + i, len - i);

			if (n == 0)
				return CONV_ERROR;
			i += n;
			continue;
		}
		switch (c)
		{
			case '\\':
				esc = "\\\\";
				break;
			case '\t':
				esc = "\\t";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\0':
				return CONV_ERROR;
			default:
				/* other control characters are legal in text */
				i++;
				continue;
		}
		if (!buf_append(out, s + start, i - start) || !buf_append(out, esc, 2))
			return CONV_NOSPACE;
		start = ++i;
	}
	return buf_append(out, s + start, len - start) ? CONV_OK : CONV_NOSPACE;
}

static bool
sign_ok(GtfsSign sign, double v)
{
	switch (sign)
	{
		case SIGN_NONNEG:
			return v >= 0;
		case SIGN_POSITIVE:
			return v > 0;
		case SIGN_NONZERO:
			return v != 0;
		case SIGN_ANY:
			break;
	}
	return true;
}

static ConvStatus
append_status(Buf *out, const char *s, size_t len)
{
	return buf_append(out, s, len) ? CONV_OK : CONV_NOSPACE;
}

/* Days from 2000-01-01, PostgreSQL's epoch for dates (Hinnant's algorithm). */
static int32_t
days_since_2000(int y, int m, int d)
{
	int			era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - 10957;
}

static ConvStatus
put_be(Buf *out, uint64_t v, int n)
{
	return buf_put_be(out, v, n) ? CONV_OK : CONV_NOSPACE;
}

/* The types stored as text, as written. */
static bool
is_text_type(GtfsType type)
{
	return type == GT_TEXT || type == GT_TIMEZONE || type == GT_COLOR ||
		type == GT_URL || type == GT_EMAIL || type == GT_LANGUAGE ||
		type == GT_CURRENCY;
}

static bool
all_of(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define ALPHA "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* IETF BCP 47 in its common shape: 2-3 letters, then "-" subtags. */
static bool
is_language_code(const char *s, size_t len)
{
	size_t		n = strcspn(s, "-");

	if (n > len)
		n = len;
	if (n < 2 || n > 3 || !all_of(s, n, ALPHA))
		return false;
	while (n < len)
	{
		size_t		k;

		s += n + 1, len -= n + 1;
		k = strcspn(s, "-");
		if (k > len)
			k = len;
		if (k < 1 || k > 8 || !all_of(s, k, ALNUM))
			return false;
		n = k;
	}
	return true;
}

/*
 * Whether a text value keeps the rule of its type (time zones are checked
 * against the server's list after the load); *why says which otherwise.
 */
static bool
text_format_ok(GtfsType type, const char *s, size_t len, const char **why)
{
	const char *at;

	if (type == GT_TEXT || type == GT_TIMEZONE)
		return true;
	conv_trim(&s, &len);
	switch (type)
	{
		case GT_COLOR:
			*why = "not a color of six hexadecimal digits";
			return conv_is_color(s, len);
		case GT_URL:
			*why = "not an http or https URL";
			return (strncasecmp(s, "http://", 7) == 0 ||
					strncasecmp(s, "https://", 8) == 0) &&
				strcspn(s, " \t") >= len && len > 8;
		case GT_EMAIL:
			*why = "not an e-mail address";
			at = memchr(s, '@', len);
			return at != NULL && at > s && strcspn(s, " \t") >= len &&
				memchr(at + 1, '.', len - (size_t) (at - s) - 1) != NULL &&
				memchr(at + 1, '@', len - (size_t) (at - s) - 1) == NULL;
		case GT_LANGUAGE:
			*why = "not an IETF BCP 47 language code";
			return is_language_code(s, len);
		case GT_CURRENCY:
			*why = "not an ISO 4217 currency code";
			return len == 3 && all_of(s, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		default:
			return true;
	}
}

/*
 * The one conversion of a value of field f: checked, then written as COPY
 * text or, with binary, as binary COPY's representation of its type.
 */
static ConvStatus
convert(const CatalogField *f, const char *s, size_t len, Buf *out,
		const char **why, bool binary)
{
	char		tmp[32];
	long		lv;
	double		dv;
	uint64_t	bits;
	ConvStatus	st;
	int			seconds,
				y,
				m,
				d;

	/*
	 * text is written as it is even when it breaks its format's rule
	 * (CONV_WARN): whether it stays is the notice table's to say
	 */
	if (is_text_type(f->type))
	{
		*why = "invalid UTF-8 or NUL byte";
		if (!binary)
			st = conv_copy_text(out, s, len);
		else
			st = conv_utf8_valid(s, len) ? append_status(out, s, len) : CONV_ERROR;
		return st == CONV_OK && !text_format_ok(f->type, s, len, why) ?
			CONV_WARN : st;
	}

	/*
	 * Numbers, dates and times may carry padding: ignore it (a space and
	 * a tab are at most ' ': no call for most values).
	 */
	if (len > 0 && ((unsigned char) s[0] <= ' ' ||
					(unsigned char) s[len - 1] <= ' '))
		conv_trim(&s, &len);

	switch (f->type)
	{
		case GT_TEXT:
		case GT_TIMEZONE:
		case GT_COLOR:
		case GT_URL:
		case GT_EMAIL:
		case GT_LANGUAGE:
		case GT_CURRENCY:
			break;
		case GT_ENUM:
			*why = "not an integer";
			if (!conv_parse_int(s, len, &lv) || lv < -32768 || lv > 32767)
				return CONV_ERROR;
			st = binary ? put_be(out, (uint64_t) lv, 2) : append_status(out, s, len);
			if (st != CONV_OK)
				return st;
			*why = "value not defined by the GTFS reference";
			return catalog_enum_allows(f, lv) ? CONV_OK : CONV_WARN;
		case GT_INT:
			*why = "not an integer";
			if (!conv_parse_int(s, len, &lv))
				return CONV_ERROR;
			st = binary ? put_be(out, (uint64_t) lv, 4) : append_status(out, s, len);
			if (st != CONV_OK)
				return st;
			*why = "sign not allowed by the GTFS reference";
			return sign_ok(f->sign, (double) lv) ? CONV_OK : CONV_WARN;
		case GT_FLOAT:
		case GT_LAT:
		case GT_LON:
		case GT_MONEY:
			*why = "not a decimal number";
			if (!conv_is_decimal(s, len))
				return CONV_ERROR;
			/* numeric has no binary form here: see conv_field_binary */
			if (f->type == GT_MONEY)
				return binary ? CONV_ERROR : append_status(out, s, len);
			*why = "number out of range for double precision";
			if (!conv_parse_double(s, len, &dv))
				return CONV_ERROR;
			*why = f->type == GT_LAT ? "latitude out of range [-90, 90]" :
				"longitude out of range [-180, 180]";
			if ((f->type == GT_LAT && (dv < -90 || dv > 90)) ||
				(f->type == GT_LON && (dv < -180 || dv > 180)))
				return CONV_ERROR;
			memcpy(&bits, &dv, sizeof(bits));
			st = binary ? put_be(out, bits, 8) : append_status(out, s, len);
			if (st != CONV_OK)
				return st;
			*why = "sign not allowed by the GTFS reference";
			return sign_ok(f->sign, dv) ? CONV_OK : CONV_WARN;
		case GT_DATE:
			*why = "not a date of the form YYYYMMDD";
			if (!conv_parse_date(s, len, &y, &m, &d))
				return CONV_ERROR;
			if (binary)
			{
				uint32_t	days = (uint32_t) days_since_2000(y, m, d);

				return put_be(out, days, 4);
			}
			/* ISO form, whatever the server's DateStyle */
			memcpy(tmp, s, 4);
			tmp[4] = '-';
			memcpy(tmp + 5, s + 4, 2);
			tmp[7] = '-';
			memcpy(tmp + 8, s + 6, 2);
			return append_status(out, tmp, 10);
		case GT_TIME:
			*why = "not a time of the form H:MM:SS";
			if (!conv_parse_time(s, len, &seconds))
				return CONV_ERROR;
			/* an interval: microseconds, then days and months (none) */
			if (binary)
				return put_be(out, (uint64_t) seconds * 1000000, 8) ==
					CONV_OK && put_be(out, 0, 8) == CONV_OK ?
					CONV_OK : CONV_NOSPACE;
			/*
			 * interval input reads "25:10:00" as 25 hours 10 minutes; the
			 * hours get two digits at least, as the server prints them
			 */
			if (len == 7)
				tmp[0] = '0';
			memcpy(tmp + (len == 7), s, len);
			return append_status(out, tmp, len + (len == 7));
	}
	*why = "unknown type";
	return CONV_ERROR;
}

ConvStatus
conv_field(const CatalogField *f, const char *s, size_t len, Buf *out,
		   const char **why)
{
	return convert(f, s, len, out, why, false);
}

ConvStatus
conv_field_binary(const CatalogField *f, const char *s, size_t len, Buf *out,
				  const char **why)
{
	return convert(f, s, len, out, why, true);
}

ConvStatus
conv_text_binary(Buf *out, const char *s, size_t len)
{
	return conv_utf8_valid(s, len) ? append_status(out, s, len) : CONV_ERROR;
}
