/*
 * unit.c: tests of the pure code, no database (harness after redis's
 * testhelp.h).
 *
 * Covers convert.h (value checks and COPY text form), buf.h (caps, NUL
 * termination), catalog.h (the generated GTFS catalog), csvread.h (rows,
 * line numbers and caps), report.h's table, notice.h's table of kinds and
 * the row path of load_run.h (header, typed row, COPY text and notices).  The CSV error cases log
 * data errors to stderr: that output is expected.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include "buf.h"
#include "catalog.h"
#include "convert.h"
#include "copycsv.h"
#include "csvread.h"
#include "feedname.h"
#include "geom.h"
#include "load_run.h"
#include "log.h"
#include "notice.h"
#include "replace.h"
#include "report.h"
#include "source.h"
#include "sqlbuf.h"
#include "textfmt.h"
#include "tripscreen.h"
#include "validator.h"

static int	passed,
			failed,
			skipped;

#define test_cond(descr, cond) do { \
	if (cond) passed++; \
	else { failed++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, descr); } \
} while (0)

/*
 * A test that needs a file of ../shared (the real feeds, not the project's)
 * is skipped when ../shared is not there at all, and fails when it is
 * without the file, as tests/integration.py's absent() decides.  "skip -"
 * is the form tests/run-all counts and checks the reason of.
 */
static bool
shared_at_hand(const char *what, const char *path)
{
	if (access(path, R_OK) == 0)
		return true;
	if (access("../shared", F_OK) == 0)
	{
		failed++;
		printf("FAIL %s: %s absent, though ../shared is there\n", what, path);
	}
	else
	{
		skipped++;
		printf("skip - %s: ../shared absent\n", what);
	}
	return false;
}

/* Whether the buffer holds exactly the NUL-terminated string s. */
static bool
buf_is(const Buf *b, const char *s)
{
	size_t		n = strlen(s);

	if (b->len != n)
		return false;
	if (n == 0)
		return b->data == NULL || b->data[0] == '\0';
	return b->data != NULL && memcmp(b->data, s, n) == 0 && b->data[n] == '\0';
}

/* ---------------------------------------------------------------- convert */

static bool
time_is(const char *s, int expect)
{
	int			secs = -1;

	return conv_parse_time(s, strlen(s), &secs) && secs == expect;
}

static bool
time_bad(const char *s)
{
	int			secs;

	return !conv_parse_time(s, strlen(s), &secs);
}

static void
test_parse_time(void)
{
	int			secs;

	test_cond("time 5:30:00 (one hour digit) is 19800 s", time_is("5:30:00", 19800));
	test_cond("time 05:30:00 is 19800 s", time_is("05:30:00", 19800));
	test_cond("time 25:10:00 (past midnight) is 90600 s", time_is("25:10:00", 90600));
	test_cond("time 100:00:00 (three hour digits) is 360000 s", time_is("100:00:00", 360000));
	test_cond("time 0:00:00 is 0 s", time_is("0:00:00", 0));
	test_cond("time 00:00:00 is 0 s", time_is("00:00:00", 0));
	test_cond("time 23:59:59 is 86399 s", time_is("23:59:59", 86399));
	test_cond("time 999:59:59 (largest) is 3599999 s", time_is("999:59:59", 3599999));

	test_cond("time \"\" rejected", time_bad(""));
	test_cond("time 5:3:00 (one minute digit) rejected", time_bad("5:3:00"));
	test_cond("time 05:30:0 (one second digit) rejected", time_bad("05:30:0"));
	test_cond("time 05:60:00 (minute 60) rejected", time_bad("05:60:00"));
	test_cond("time 05:00:60 (second 60) rejected", time_bad("05:00:60"));
	test_cond("time ab:00:00 rejected", time_bad("ab:00:00"));
	test_cond("time 05:00 (no seconds) rejected", time_bad("05:00"));
	test_cond("time \"05:00:00 \" (trailing space) rejected", time_bad("05:00:00 "));
	test_cond("time \" 05:00:00\" (leading space) rejected", time_bad(" 05:00:00"));
	test_cond("time 1000:00:00 (four hour digits) rejected", time_bad("1000:00:00"));
	test_cond("time :00:00 (no hour) rejected", time_bad(":00:00"));
	test_cond("time 05:0a:00 rejected", time_bad("05:0a:00"));
	test_cond("time 05:00:0a rejected", time_bad("05:00:0a"));
	test_cond("time 05-00-00 rejected", time_bad("05-00-00"));
	test_cond("time 05:00:00:00 rejected", time_bad("05:00:00:00"));
	test_cond("time 05::000 rejected", time_bad("05::000"));
	test_cond("time -5:00:00 rejected", time_bad("-5:00:00"));
	test_cond("time +5:00:00 rejected", time_bad("+5:00:00"));
	test_cond("time 5 (no colon) rejected", time_bad("5"));
	test_cond("time 05:30:00 cut to len 7 rejected",
			  !conv_parse_time("05:30:00", 7, &secs));
	secs = -1;
	test_cond("time parse reads only len bytes (\"5:30:00xyz\", len 7)",
			  conv_parse_time("5:30:00xyz", 7, &secs) && secs == 19800);
}

static bool
date_is(const char *s, int ey, int em, int ed)
{
	int			y = 0,
				m = 0,
				d = 0;

	return conv_parse_date(s, strlen(s), &y, &m, &d) &&
		y == ey && m == em && d == ed;
}

static bool
date_bad(const char *s)
{
	int			y,
				m,
				d;

	return !conv_parse_date(s, strlen(s), &y, &m, &d);
}

static void
test_parse_date(void)
{
	test_cond("date 20260115 is 2026-01-15", date_is("20260115", 2026, 1, 15));
	test_cond("date 20240229 (leap year) valid", date_is("20240229", 2024, 2, 29));
	test_cond("date 20000229 (400-year leap) valid", date_is("20000229", 2000, 2, 29));
	test_cond("date 20261231 valid", date_is("20261231", 2026, 12, 31));
	test_cond("date 20260430 valid", date_is("20260430", 2026, 4, 30));
	test_cond("date 00010101 (year 1) valid", date_is("00010101", 1, 1, 1));
	test_cond("date 99991231 valid", date_is("99991231", 9999, 12, 31));

	test_cond("date 20260229 (not leap) invalid", date_bad("20260229"));
	test_cond("date 19000229 (century, not leap) invalid", date_bad("19000229"));
	test_cond("date 20240230 invalid", date_bad("20240230"));
	test_cond("date 20260431 (April 31) invalid", date_bad("20260431"));
	test_cond("date 20260132 invalid", date_bad("20260132"));
	test_cond("date 20261301 (month 13) invalid", date_bad("20261301"));
	test_cond("date 20260001 (month 0) invalid", date_bad("20260001"));
	test_cond("date 20260100 (day 0) invalid", date_bad("20260100"));
	test_cond("date 00000101 (year 0) invalid", date_bad("00000101"));
	test_cond("date 2026011 (7 digits) invalid", date_bad("2026011"));
	test_cond("date 202601010 (9 digits) invalid", date_bad("202601010"));
	test_cond("date \"\" invalid", date_bad(""));
	test_cond("date 2026-01-15 invalid", date_bad("2026-01-15"));
	test_cond("date 2026011a invalid", date_bad("2026011a"));
	test_cond("date \" 2026011\" invalid", date_bad(" 2026011"));
	test_cond("date +2026011 invalid", date_bad("+2026011"));
}

static bool
int_is(const char *s, long expect)
{
	long		v = 12345;

	return conv_parse_int(s, strlen(s), &v) && v == expect;
}

static bool
int_bad(const char *s)
{
	long		v;

	return !conv_parse_int(s, strlen(s), &v);
}

static void
test_parse_int(void)
{
	long		v = 0;

	test_cond("int 0", int_is("0", 0));
	test_cond("int 42", int_is("42", 42));
	test_cond("int -7", int_is("-7", -7));
	test_cond("int +5 is 5", int_is("+5", 5));
	test_cond("int -0 is 0", int_is("-0", 0));
	test_cond("int 007 is 7", int_is("007", 7));
	test_cond("int 2147483647 (INT32_MAX) ok", int_is("2147483647", 2147483647L));
	test_cond("int -2147483648 (INT32_MIN) ok", int_is("-2147483648", -2147483647L - 1));
	test_cond("int 0002147483647 (leading zeros) ok", int_is("0002147483647", 2147483647L));

	test_cond("int 2147483648 rejected", int_bad("2147483648"));
	test_cond("int +2147483648 rejected", int_bad("+2147483648"));
	test_cond("int -2147483649 rejected", int_bad("-2147483649"));
	test_cond("int 99999999999999999999999 rejected", int_bad("99999999999999999999999"));
	test_cond("int \"-\" rejected", int_bad("-"));
	test_cond("int \"+\" rejected", int_bad("+"));
	test_cond("int \"\" rejected", int_bad(""));
	test_cond("int 1.0 rejected", int_bad("1.0"));
	test_cond("int \" 5\" rejected", int_bad(" 5"));
	test_cond("int \"5 \" rejected", int_bad("5 "));
	test_cond("int 12a rejected", int_bad("12a"));
	test_cond("int 1e3 rejected", int_bad("1e3"));
	test_cond("int --5 rejected", int_bad("--5"));
	test_cond("int 0x10 rejected", int_bad("0x10"));
	test_cond("int reads only len bytes (\"123\", len 2 is 12)",
			  conv_parse_int("123", 2, &v) && v == 12);
}

static bool
dec(const char *s)
{
	return conv_is_decimal(s, strlen(s));
}

static void
test_is_decimal(void)
{
	test_cond("decimal 1", dec("1"));
	test_cond("decimal 0", dec("0"));
	test_cond("decimal -1.5", dec("-1.5"));
	test_cond("decimal .5", dec(".5"));
	test_cond("decimal -.5", dec("-.5"));
	test_cond("decimal 5.", dec("5."));
	test_cond("decimal 1e5", dec("1e5"));
	test_cond("decimal 1E-5", dec("1E-5"));
	test_cond("decimal 1.5e+10", dec("1.5e+10"));
	test_cond("decimal .5e3", dec(".5e3"));
	test_cond("decimal +3", dec("+3"));
	test_cond("decimal 45.123456789012345678901", dec("45.123456789012345678901"));

	test_cond("decimal \"\" rejected", !dec(""));
	test_cond("decimal . rejected", !dec("."));
	test_cond("decimal - rejected", !dec("-"));
	test_cond("decimal +. rejected", !dec("+."));
	test_cond("decimal e5 rejected", !dec("e5"));
	test_cond("decimal .e5 rejected", !dec(".e5"));
	test_cond("decimal 1e rejected", !dec("1e"));
	test_cond("decimal 1e+ rejected", !dec("1e+"));
	test_cond("decimal 1e5.5 rejected", !dec("1e5.5"));
	test_cond("decimal 1.2.3 rejected", !dec("1.2.3"));
	test_cond("decimal 0x10 rejected", !dec("0x10"));
	test_cond("decimal inf rejected", !dec("inf"));
	test_cond("decimal nan rejected", !dec("nan"));
	test_cond("decimal Infinity rejected", !dec("Infinity"));
	test_cond("decimal 1,5 rejected", !dec("1,5"));
	test_cond("decimal \" 1\" rejected", !dec(" 1"));
	test_cond("decimal \"1 \" rejected", !dec("1 "));
	test_cond("decimal --1 rejected", !dec("--1"));
	test_cond("decimal reads only len bytes (\"1.5x\", len 3)",
			  conv_is_decimal("1.5x", 3));
}

static bool
color(const char *s)
{
	return conv_is_color(s, strlen(s));
}

/* conv_parse_double must give strtod's double, bit for bit. */
static bool
same_as_strtod(const char *s)
{
	double		fast,
				slow = strtod(s, NULL);

	return conv_parse_double(s, strlen(s), &fast) &&
		memcmp(&fast, &slow, sizeof(double)) == 0;
}

static void
test_parse_double(void)
{
	static const char *const fixed[] = {
		"0", "-0", "-0.0", "+3", "45.50100", "-73.56700", ".5", "5.",
		"40.123456789012", "-122.41941550000001", "1e3", "1E-5",
		"123456789012345", "1234567890123456789", "0.000000000000001",
		"90", "-180", "3.14159265358979"
	};
	uint64_t	state = 42;
	bool		all_same = true;
	double		v;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		test_cond(fixed[i], same_as_strtod(fixed[i]));
	/* coordinates as feeds write them: up to 15 digits, a sign, a point */
	for (int i = 0; i < 200000; i++)
	{
		char		num[40];
		int			digits,
					point;

		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		digits = 1 + (int) ((state >> 33) % 15);
		point = (int) ((state >> 40) % (uint64_t) (digits + 1));
		snprintf(num, sizeof(num), "%s%.*s.%.*s", (state >> 20) & 1 ? "-" : "",
				 point, "987654321098765", digits - point,
				 "123456789012345" + (state >> 50) % 3);
		if (!same_as_strtod(num))
		{
			printf("FAIL conv_parse_double(\"%s\") differs from strtod\n", num);
			all_same = false;
			break;
		}
	}
	test_cond("parse_double equals strtod on 200000 generated decimals", all_same);
	test_cond("parse_double 1e400 overflows", !conv_parse_double("1e400", 5, &v));
	test_cond("parse_double 1e-400 underflows", !conv_parse_double("1e-400", 6, &v));
}

/* conv_field_binary of s gives exactly the bytes want[0..n). */
static bool
binary_gives(const CatalogField *f, const char *s, const char *want, size_t n)
{
	Buf			out;
	const char *why;
	bool		ok;

	buf_init(&out, 1024);
	ok = conv_field_binary(f, s, strlen(s), &out, &why) != CONV_ERROR &&
		out.len == n && memcmp(out.data, want, n) == 0;
	buf_free(&out);
	return ok;
}

static void
test_field_binary(void)
{
	static const CatalogField date = {"d", GT_DATE, SIGN_ANY, 0, NULL, NULL};
	static const CatalogField time = {"t", GT_TIME, SIGN_ANY, 0, NULL, NULL};
	static const CatalogField integer = {"i", GT_INT, SIGN_ANY, 0, NULL, NULL};
	static const CatalogField enumeration = {"e", GT_ENUM, SIGN_ANY, 0, "0,1", NULL};
	static const CatalogField number = {"f", GT_FLOAT, SIGN_ANY, 0, NULL, NULL};
	static const CatalogField money = {"m", GT_MONEY, SIGN_ANY, 0, NULL, NULL};
	static const CatalogField text = {"x", GT_TEXT, SIGN_ANY, 0, NULL, NULL};
	Buf			out;
	const char *why;

	test_cond("binary date 20000101 is day 0",
			  binary_gives(&date, "20000101", "\0\0\0\0", 4));
	test_cond("binary date 20260115 is day 9511",
			  binary_gives(&date, "20260115", "\0\0\x25\x27", 4));
	test_cond("binary date 19991231 is day -1",
			  binary_gives(&date, "19991231", "\xff\xff\xff\xff", 4));
	/* 25:10:00 = 90600 s = 90600000000 us = 0x15182E4A00 */
	test_cond("binary time 25:10:00 is an interval of 90600 s",
			  binary_gives(&time, "25:10:00",
						   "\0\0\0\x15\x18\x2e\x4a\0\0\0\0\0\0\0\0\0", 16));
	test_cond("binary time 5:30:00 is 19800 s",
			  binary_gives(&time, "5:30:00",
						   "\0\0\0\x04\x9c\x2c\x06\0\0\0\0\0\0\0\0\0", 16));
	test_cond("binary integer 42", binary_gives(&integer, "42", "\0\0\0\x2a", 4));
	test_cond("binary integer -1",
			  binary_gives(&integer, "-1", "\xff\xff\xff\xff", 4));
	test_cond("binary enum 1 is a smallint", binary_gives(&enumeration, "1", "\0\x01", 2));
	test_cond("binary float 1.5", binary_gives(&number, " 1.5",
											   "\x3f\xf8\0\0\0\0\0\0", 8));
	test_cond("binary text is as it is", binary_gives(&text, "a\tb\\", "a\tb\\", 4));
	buf_init(&out, 64);
	test_cond("binary text with invalid UTF-8 is CONV_ERROR",
			  conv_field_binary(&text, "a\xff", 2, &out, &why) == CONV_ERROR);
	test_cond("binary money has no binary form: CONV_ERROR",
			  conv_field_binary(&money, "2.50", 4, &out, &why) == CONV_ERROR);
	buf_free(&out);
}

static void
test_is_color(void)
{
	test_cond("color FFFFFF", color("FFFFFF"));
	test_cond("color 000000", color("000000"));
	test_cond("color lower-case a1b2c3", color("a1b2c3"));
	test_cond("color mixed case 00aaFF", color("00aaFF"));

	test_cond("color \"\" rejected", !color(""));
	test_cond("color 5 digits rejected", !color("FFFFF"));
	test_cond("color 7 digits rejected", !color("FFFFFFF"));
	test_cond("color #FFFFF rejected", !color("#FFFFF"));
	test_cond("color #FFFFFF rejected", !color("#FFFFFF"));
	test_cond("color GGGGGG rejected", !color("GGGGGG"));
	test_cond("color \"FFFFF \" rejected", !color("FFFFF "));
	test_cond("color 0xFFFF rejected", !color("0xFFFF"));
}

static bool
utf8(const char *s)
{
	return conv_utf8_valid(s, strlen(s));
}

static void
test_utf8(void)
{
	test_cond("utf8 empty (len 0) valid", conv_utf8_valid("", 0));
	test_cond("utf8 ASCII valid", utf8("Gare du Nord"));
	test_cond("utf8 2-byte e-acute valid", utf8("caf\xC3\xA9"));
	test_cond("utf8 3-byte euro sign valid", utf8("\xE2\x82\xAC 2"));
	test_cond("utf8 4-byte U+1F68C valid", utf8("\xF0\x9F\x9A\x8C"));
	test_cond("utf8 U+0080 (C2 80) valid", utf8("\xC2\x80"));
	test_cond("utf8 U+0800 (E0 A0 80) valid", utf8("\xE0\xA0\x80"));
	test_cond("utf8 U+D7FF valid", utf8("\xED\x9F\xBF"));
	test_cond("utf8 U+E000 valid", utf8("\xEE\x80\x80"));
	test_cond("utf8 U+10000 valid", utf8("\xF0\x90\x80\x80"));
	test_cond("utf8 U+10FFFF valid", utf8("\xF4\x8F\xBF\xBF"));
	test_cond("utf8 control byte 0x01 valid", utf8("a\x01" "b"));

	test_cond("utf8 overlong C0 80 rejected", !utf8("\xC0\x80"));
	test_cond("utf8 overlong C1 BF rejected", !utf8("\xC1\xBF"));
	test_cond("utf8 overlong E0 80 80 rejected", !utf8("\xE0\x80\x80"));
	test_cond("utf8 overlong F0 80 80 80 rejected", !utf8("\xF0\x80\x80\x80"));
	test_cond("utf8 surrogate ED A0 80 rejected", !utf8("\xED\xA0\x80"));
	test_cond("utf8 surrogate ED BF BF rejected", !utf8("\xED\xBF\xBF"));
	test_cond("utf8 lead byte F5 rejected", !utf8("\xF5\x80\x80\x80"));
	test_cond("utf8 beyond U+10FFFF (F4 90 80 80) rejected", !utf8("\xF4\x90\x80\x80"));
	test_cond("utf8 byte FF rejected", !utf8("a\xFF"));
	test_cond("utf8 lone continuation 80 rejected", !utf8("\x80"));
	test_cond("utf8 truncated 3-byte at end rejected", !utf8("ab\xE2\x82"));
	test_cond("utf8 truncated 2-byte at end rejected", !utf8("ab\xC3"));
	test_cond("utf8 truncated sequence before ASCII rejected", !utf8("\xE2\x82" "a"));
	test_cond("utf8 bad continuation C3 41 rejected", !utf8("\xC3" "A"));
	test_cond("utf8 sequence cut by len rejected", !conv_utf8_valid("\xC3\xA9", 1));
	test_cond("utf8 embedded NUL rejected", !conv_utf8_valid("a\0b", 3));
	test_cond("utf8 lone NUL rejected", !conv_utf8_valid("", 1));

	/* where a chunked stream may be cut */
	test_cond("utf8_cut empty is 0", conv_utf8_cut("", 0) == 0);
	test_cond("utf8_cut ASCII: whole length", conv_utf8_cut("abc", 3) == 3);
	test_cond("utf8_cut complete 2-byte at end: whole length", conv_utf8_cut("ab\xC3\xA9", 4) == 4);
	test_cond("utf8_cut lone 2-byte lead at end: before it", conv_utf8_cut("ab\xC3", 3) == 2);
	test_cond("utf8_cut complete 3-byte at end: whole length", conv_utf8_cut("a\xE2\x82\xAC", 4) == 4);
	test_cond("utf8_cut 3-byte missing 1: before its lead", conv_utf8_cut("a\xE2\x82", 3) == 1);
	test_cond("utf8_cut 3-byte missing 2: before its lead", conv_utf8_cut("a\xE2", 2) == 1);
	test_cond("utf8_cut complete 4-byte at end: whole length",
			  conv_utf8_cut("\xF0\x9F\x9A\x8C", 4) == 4);
	test_cond("utf8_cut 4-byte missing 1: 0", conv_utf8_cut("\xF0\x9F\x9A", 3) == 0);
	test_cond("utf8_cut 4-byte missing 3 after text: before its lead",
			  conv_utf8_cut("\xC3\xA9\xF0", 3) == 2);
	test_cond("utf8_cut never longer than len, always a valid prefix for valid text",
			  conv_utf8_valid("x\xE2\x82\xAC", conv_utf8_cut("x\xE2\x82\xAC", 3)));
}

static void
test_copy_text(void)
{
	Buf			b;
	ConvStatus	st;

	buf_init(&b, 1024);

	st = conv_copy_text(&b, "plain", 5);
	test_cond("copy_text plain ASCII unchanged", st == CONV_OK && buf_is(&b, "plain"));
	buf_reset(&b);
	st = conv_copy_text(&b, "a\\b", 3);
	test_cond("copy_text backslash doubled", st == CONV_OK && buf_is(&b, "a\\\\b"));
	buf_reset(&b);
	st = conv_copy_text(&b, "a\tb", 3);
	test_cond("copy_text tab is \\t", st == CONV_OK && buf_is(&b, "a\\tb"));
	buf_reset(&b);
	st = conv_copy_text(&b, "a\nb", 3);
	test_cond("copy_text LF is \\n", st == CONV_OK && buf_is(&b, "a\\nb"));
	buf_reset(&b);
	st = conv_copy_text(&b, "a\rb", 3);
	test_cond("copy_text CR is \\r", st == CONV_OK && buf_is(&b, "a\\rb"));
	buf_reset(&b);
	st = conv_copy_text(&b, "\\\t\r\n", 4);
	test_cond("copy_text only specials: \\\\\\t\\r\\n",
			  st == CONV_OK && buf_is(&b, "\\\\\\t\\r\\n"));
	buf_reset(&b);
	st = conv_copy_text(&b, "\\.", 2);
	test_cond("copy_text end-of-data marker \\. escaped as \\\\.",
			  st == CONV_OK && buf_is(&b, "\\\\."));
	buf_reset(&b);
	st = conv_copy_text(&b, "x\\\\y", 4);
	test_cond("copy_text two backslashes become four",
			  st == CONV_OK && buf_is(&b, "x\\\\\\\\y"));
	buf_reset(&b);
	st = conv_copy_text(&b, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x8C", 14);
	test_cond("copy_text passes UTF-8 through unchanged",
			  st == CONV_OK && buf_is(&b, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x8C"));
	buf_reset(&b);
	st = conv_copy_text(&b, "\xC3\xA9\t\xC3\xA9", 5);
	test_cond("copy_text escapes tab between multi-byte characters",
			  st == CONV_OK && buf_is(&b, "\xC3\xA9\\t\xC3\xA9"));
	buf_reset(&b);
	st = conv_copy_text(&b, "a\x01\x7f" "b", 4);
	test_cond("copy_text other control bytes pass through",
			  st == CONV_OK && buf_is(&b, "a\x01\x7f" "b"));
	buf_reset(&b);
	st = conv_copy_text(&b, "", 0);
	test_cond("copy_text empty value appends nothing", st == CONV_OK && b.len == 0);
	buf_reset(&b);
	buf_puts(&b, "x\t");
	st = conv_copy_text(&b, "y\tz", 3);
	test_cond("copy_text appends after existing content",
			  st == CONV_OK && buf_is(&b, "x\ty\\tz"));
	buf_reset(&b);
	st = conv_copy_text(&b, "ab\tcd", 4);
	test_cond("copy_text reads only len bytes", st == CONV_OK && buf_is(&b, "ab\\tc"));

	buf_reset(&b);
	test_cond("copy_text invalid UTF-8 (FF) is CONV_ERROR",
			  conv_copy_text(&b, "ab\xFF", 3) == CONV_ERROR);
	buf_reset(&b);
	test_cond("copy_text overlong C0 80 is CONV_ERROR",
			  conv_copy_text(&b, "\xC0\x80", 2) == CONV_ERROR);
	buf_reset(&b);
	test_cond("copy_text surrogate ED A0 80 is CONV_ERROR",
			  conv_copy_text(&b, "x\xED\xA0\x80", 4) == CONV_ERROR);
	buf_reset(&b);
	test_cond("copy_text truncated sequence at end is CONV_ERROR",
			  conv_copy_text(&b, "x\xE2\x82", 3) == CONV_ERROR);
	buf_reset(&b);
	test_cond("copy_text sequence cut by len is CONV_ERROR",
			  conv_copy_text(&b, "\xC3\xA9", 1) == CONV_ERROR);
	buf_reset(&b);
	test_cond("copy_text embedded NUL is CONV_ERROR",
			  conv_copy_text(&b, "a\0b", 3) == CONV_ERROR);
	buf_free(&b);

	/* the cap */
	buf_init(&b, 4);
	st = conv_copy_text(&b, "ab\t", 3);
	test_cond("copy_text output of exactly the cap (4 bytes \"ab\\t\") is CONV_OK",
			  st == CONV_OK && buf_is(&b, "ab\\t"));
	buf_free(&b);
	buf_init(&b, 4);
	st = conv_copy_text(&b, "abcde", 5);
	test_cond("copy_text plain value over the cap is CONV_NOSPACE", st == CONV_NOSPACE);
	test_cond("copy_text CONV_NOSPACE leaves the buffer empty", b.len == 0);
	buf_free(&b);
	buf_init(&b, 4);
	st = conv_copy_text(&b, "abc\t", 4);
	test_cond("copy_text escape pushing past the cap is CONV_NOSPACE", st == CONV_NOSPACE);
	buf_free(&b);
	buf_init(&b, 4);
	buf_puts(&b, "xyz");
	st = conv_copy_text(&b, "ab", 2);
	test_cond("copy_text cap counts existing content: CONV_NOSPACE", st == CONV_NOSPACE);
	st = conv_copy_text(&b, "ab", 2);
	test_cond("copy_text buffer reusable after CONV_NOSPACE", st == CONV_OK && buf_is(&b, "ab"));
	buf_free(&b);
}

/* Runs conv_field on NUL-terminated s into a reset out. */
static ConvStatus
field(const CatalogField *f, const char *s, Buf *out, const char **why)
{
	buf_reset(out);
	*why = NULL;
	return conv_field(f, s, strlen(s), out, why);
}

static const CatalogField f_text = {"t", GT_TEXT, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_color = {"c", GT_COLOR, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_url = {"u", GT_URL, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_email = {"m", GT_EMAIL, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_lang = {"l", GT_LANGUAGE, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_currency = {"c", GT_CURRENCY, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_enum = {"e", GT_ENUM, SIGN_ANY, 0, "0,1,2", NULL};
static const CatalogField f_int_any = {"i", GT_INT, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_int_pos = {"i", GT_INT, SIGN_POSITIVE, 0, NULL, NULL};
static const CatalogField f_int_nonneg = {"i", GT_INT, SIGN_NONNEG, 0, NULL, NULL};
static const CatalogField f_int_nonzero = {"i", GT_INT, SIGN_NONZERO, 0, NULL, NULL};
static const CatalogField f_float = {"f", GT_FLOAT, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_float_nonneg = {"f", GT_FLOAT, SIGN_NONNEG, 0, NULL, NULL};
static const CatalogField f_float_pos = {"f", GT_FLOAT, SIGN_POSITIVE, 0, NULL, NULL};
static const CatalogField f_lat = {"lat", GT_LAT, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_lon = {"lon", GT_LON, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_date = {"d", GT_DATE, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_time = {"tm", GT_TIME, SIGN_ANY, 0, NULL, NULL};
static const CatalogField f_money = {"m", GT_MONEY, SIGN_ANY, 0, NULL, NULL};

/* conv_field gives st and writes exactly want (NULL: nothing written). */
static bool
field_gives(const CatalogField *f, const char *s, ConvStatus st, const char *want)
{
	Buf			b;
	const char *why;
	ConvStatus	got;
	bool		ok;

	buf_init(&b, 1024);
	got = field(f, s, &b, &why);
	ok = got == st && buf_is(&b, want ? want : "");
	/* a warning or an error always comes with a reason */
	if (st == CONV_WARN || st == CONV_ERROR)
		ok = ok && why != NULL && why[0] != '\0';
	buf_free(&b);
	return ok;
}

static void
test_conv_field(void)
{
	Buf			b;
	const char *why;

	/* GT_TEXT */
	test_cond("field TEXT escapes like COPY", field_gives(&f_text, "a\tb\\c", CONV_OK, "a\\tb\\\\c"));
	test_cond("field TEXT keeps padding", field_gives(&f_text, " x ", CONV_OK, " x "));
	test_cond("field TEXT passes UTF-8", field_gives(&f_text, "Z\xC3\xBCrich", CONV_OK, "Z\xC3\xBCrich"));
	test_cond("field TEXT invalid UTF-8 is CONV_ERROR with a reason",
			  field_gives(&f_text, "\xFFx", CONV_ERROR, NULL));

	/* GT_TIME */
	test_cond("field TIME 5:30:00 written 05:30:00", field_gives(&f_time, "5:30:00", CONV_OK, "05:30:00"));
	test_cond("field TIME 05:30:00 unchanged", field_gives(&f_time, "05:30:00", CONV_OK, "05:30:00"));
	test_cond("field TIME 25:10:00 stays 25:10:00", field_gives(&f_time, "25:10:00", CONV_OK, "25:10:00"));
	test_cond("field TIME 100:00:00 stays 100:00:00", field_gives(&f_time, "100:00:00", CONV_OK, "100:00:00"));
	test_cond("field TIME 0:00:00 written 00:00:00", field_gives(&f_time, "0:00:00", CONV_OK, "00:00:00"));
	test_cond("field TIME padded \" 5:30:00 \" written 05:30:00",
			  field_gives(&f_time, " 5:30:00 ", CONV_OK, "05:30:00"));
	test_cond("field TIME tab-padded written 06:00:00",
			  field_gives(&f_time, "\t06:00:00\t", CONV_OK, "06:00:00"));
	test_cond("field TIME 5:30 is CONV_ERROR, nothing written",
			  field_gives(&f_time, "5:30", CONV_ERROR, NULL));
	test_cond("field TIME 05:60:00 is CONV_ERROR", field_gives(&f_time, "05:60:00", CONV_ERROR, NULL));
	test_cond("field TIME only spaces is CONV_ERROR", field_gives(&f_time, "   ", CONV_ERROR, NULL));

	/* GT_DATE */
	test_cond("field DATE 20260115 written 2026-01-15",
			  field_gives(&f_date, "20260115", CONV_OK, "2026-01-15"));
	test_cond("field DATE padded \" 20240229 \" written 2024-02-29",
			  field_gives(&f_date, " 20240229 ", CONV_OK, "2024-02-29"));
	test_cond("field DATE 00010101 written 0001-01-01",
			  field_gives(&f_date, "00010101", CONV_OK, "0001-01-01"));
	test_cond("field DATE 20260229 is CONV_ERROR", field_gives(&f_date, "20260229", CONV_ERROR, NULL));
	test_cond("field DATE 2026-01-15 is CONV_ERROR", field_gives(&f_date, "2026-01-15", CONV_ERROR, NULL));

	/* GT_LAT / GT_LON */
	test_cond("field LAT 45.5 written", field_gives(&f_lat, "45.5", CONV_OK, "45.5"));
	test_cond("field LAT padded \" 45.5\" written 45.5", field_gives(&f_lat, " 45.5", CONV_OK, "45.5"));
	test_cond("field LAT padded \"45.5  \" written 45.5", field_gives(&f_lat, "45.5  ", CONV_OK, "45.5"));
	test_cond("field LAT 90 accepted", field_gives(&f_lat, "90", CONV_OK, "90"));
	test_cond("field LAT -90.000 accepted", field_gives(&f_lat, "-90.000", CONV_OK, "-90.000"));
	test_cond("field LAT 4.55e1 accepted as written", field_gives(&f_lat, "4.55e1", CONV_OK, "4.55e1"));
	test_cond("field LAT 90.0001 is CONV_ERROR", field_gives(&f_lat, "90.0001", CONV_ERROR, NULL));
	test_cond("field LAT -90.0001 is CONV_ERROR", field_gives(&f_lat, "-90.0001", CONV_ERROR, NULL));
	test_cond("field LAT 1e2 is CONV_ERROR (100)", field_gives(&f_lat, "1e2", CONV_ERROR, NULL));
	test_cond("field LAT abc is CONV_ERROR", field_gives(&f_lat, "abc", CONV_ERROR, NULL));
	test_cond("field LAT 45,5 is CONV_ERROR", field_gives(&f_lat, "45,5", CONV_ERROR, NULL));
	test_cond("field LON -73.98 written", field_gives(&f_lon, "-73.98", CONV_OK, "-73.98"));
	test_cond("field LON 180 accepted", field_gives(&f_lon, "180", CONV_OK, "180"));
	test_cond("field LON -180 accepted", field_gives(&f_lon, "-180", CONV_OK, "-180"));
	test_cond("field LON 91 accepted (not a latitude)", field_gives(&f_lon, "91", CONV_OK, "91"));
	test_cond("field LON 180.5 is CONV_ERROR", field_gives(&f_lon, "180.5", CONV_ERROR, NULL));
	test_cond("field LON -180.0000001 is CONV_ERROR", field_gives(&f_lon, "-180.0000001", CONV_ERROR, NULL));

	/* GT_ENUM with "0,1,2" */
	test_cond("field ENUM 1 written", field_gives(&f_enum, "1", CONV_OK, "1"));
	test_cond("field ENUM 0 written", field_gives(&f_enum, "0", CONV_OK, "0"));
	test_cond("field ENUM padded \" 2 \" written 2", field_gives(&f_enum, " 2 ", CONV_OK, "2"));
	test_cond("field ENUM 7 is CONV_WARN and written", field_gives(&f_enum, "7", CONV_WARN, "7"));
	test_cond("field ENUM -1 is CONV_WARN and written", field_gives(&f_enum, "-1", CONV_WARN, "-1"));
	test_cond("field ENUM 32767 (smallint max) is CONV_WARN", field_gives(&f_enum, "32767", CONV_WARN, "32767"));
	test_cond("field ENUM -32768 (smallint min) is CONV_WARN", field_gives(&f_enum, "-32768", CONV_WARN, "-32768"));
	test_cond("field ENUM x is CONV_ERROR", field_gives(&f_enum, "x", CONV_ERROR, NULL));
	test_cond("field ENUM 40000 (beyond smallint) is CONV_ERROR", field_gives(&f_enum, "40000", CONV_ERROR, NULL));
	test_cond("field ENUM 32768 is CONV_ERROR", field_gives(&f_enum, "32768", CONV_ERROR, NULL));
	test_cond("field ENUM -32769 is CONV_ERROR", field_gives(&f_enum, "-32769", CONV_ERROR, NULL));
	test_cond("field ENUM 1.0 is CONV_ERROR", field_gives(&f_enum, "1.0", CONV_ERROR, NULL));

	/* GT_INT */
	test_cond("field INT positive 5 is CONV_OK", field_gives(&f_int_pos, "5", CONV_OK, "5"));
	test_cond("field INT positive 0 is CONV_WARN, value written", field_gives(&f_int_pos, "0", CONV_WARN, "0"));
	test_cond("field INT positive -3 is CONV_WARN, value written", field_gives(&f_int_pos, "-3", CONV_WARN, "-3"));
	test_cond("field INT nonneg 0 is CONV_OK", field_gives(&f_int_nonneg, "0", CONV_OK, "0"));
	test_cond("field INT nonneg -1 is CONV_WARN", field_gives(&f_int_nonneg, "-1", CONV_WARN, "-1"));
	test_cond("field INT nonzero 0 is CONV_WARN", field_gives(&f_int_nonzero, "0", CONV_WARN, "0"));
	test_cond("field INT nonzero -2 is CONV_OK", field_gives(&f_int_nonzero, "-2", CONV_OK, "-2"));
	test_cond("field INT any -5 is CONV_OK", field_gives(&f_int_any, "-5", CONV_OK, "-5"));
	test_cond("field INT any +5 written as +5", field_gives(&f_int_any, "+5", CONV_OK, "+5"));
	test_cond("field INT padded \" 12\\t\" written 12", field_gives(&f_int_any, " 12\t", CONV_OK, "12"));
	test_cond("field INT 1.5 is CONV_ERROR", field_gives(&f_int_any, "1.5", CONV_ERROR, NULL));
	test_cond("field INT 2147483648 is CONV_ERROR", field_gives(&f_int_any, "2147483648", CONV_ERROR, NULL));
	test_cond("field INT 2147483647 is CONV_OK", field_gives(&f_int_any, "2147483647", CONV_OK, "2147483647"));

	/* GT_FLOAT */
	test_cond("field FLOAT 1.50 passed through unchanged", field_gives(&f_float, "1.50", CONV_OK, "1.50"));
	test_cond("field FLOAT 1E-5 passed through unchanged", field_gives(&f_float, "1E-5", CONV_OK, "1E-5"));
	test_cond("field FLOAT +3 passed through unchanged", field_gives(&f_float, "+3", CONV_OK, "+3"));
	test_cond("field FLOAT -0.000 passed through unchanged", field_gives(&f_float, "-0.000", CONV_OK, "-0.000"));
	test_cond("field FLOAT long digits passed through unchanged",
			  field_gives(&f_float, "0.12345678901234567890123", CONV_OK, "0.12345678901234567890123"));
	test_cond("field FLOAT padded \" 2.5\\t\" written 2.5", field_gives(&f_float, " 2.5\t", CONV_OK, "2.5"));
	test_cond("field FLOAT 1,5 is CONV_ERROR", field_gives(&f_float, "1,5", CONV_ERROR, NULL));
	test_cond("field FLOAT nan is CONV_ERROR", field_gives(&f_float, "nan", CONV_ERROR, NULL));
	test_cond("field FLOAT 1e400 (overflows double) is CONV_ERROR",
			  field_gives(&f_float, "1e400", CONV_ERROR, NULL));
	test_cond("field FLOAT 1e-400 (underflows double) is CONV_ERROR",
			  field_gives(&f_float, "1e-400", CONV_ERROR, NULL));
	test_cond("field FLOAT nonneg -1.5 is CONV_WARN, value written",
			  field_gives(&f_float_nonneg, "-1.5", CONV_WARN, "-1.5"));
	test_cond("field FLOAT nonneg 0 is CONV_OK", field_gives(&f_float_nonneg, "0", CONV_OK, "0"));
	test_cond("field FLOAT nonneg 1e3 is CONV_OK as written", field_gives(&f_float_nonneg, "1e3", CONV_OK, "1e3"));
	test_cond("field FLOAT positive 0.0 is CONV_WARN", field_gives(&f_float_pos, "0.0", CONV_WARN, "0.0"));
	test_cond("field FLOAT positive .1 is CONV_OK", field_gives(&f_float_pos, ".1", CONV_OK, ".1"));
	test_cond("field FLOAT positive padded \" 0.5 \" is CONV_OK, 0.5",
			  field_gives(&f_float_pos, " 0.5 ", CONV_OK, "0.5"));

	/* GT_MONEY */
	test_cond("field MONEY 2.50 written unchanged", field_gives(&f_money, "2.50", CONV_OK, "2.50"));
	test_cond("field MONEY -1 written", field_gives(&f_money, "-1", CONV_OK, "-1"));
	test_cond("field MONEY 0 written", field_gives(&f_money, "0", CONV_OK, "0"));
	test_cond("field MONEY 1e3 written unchanged", field_gives(&f_money, "1e3", CONV_OK, "1e3"));
	test_cond("field MONEY padded \" 3.75 \" written 3.75", field_gives(&f_money, " 3.75 ", CONV_OK, "3.75"));
	test_cond("field MONEY $2 is CONV_ERROR", field_gives(&f_money, "$2", CONV_ERROR, NULL));
	test_cond("field MONEY 2,50 is CONV_ERROR", field_gives(&f_money, "2,50", CONV_ERROR, NULL));

	/* GT_COLOR */
	test_cond("field COLOR FFAA00 written", field_gives(&f_color, "FFAA00", CONV_OK, "FFAA00"));
	test_cond("field COLOR lower-case kept", field_gives(&f_color, "ffaa00", CONV_OK, "ffaa00"));
	test_cond("field COLOR padded \" 00FF00 \" kept as written",
			  field_gives(&f_color, " 00FF00 ", CONV_OK, " 00FF00 "));
	/* text that breaks its format's rule is kept as written, with a warning */
	test_cond("field COLOR ffaa0 is CONV_WARN, kept", field_gives(&f_color, "ffaa0", CONV_WARN, "ffaa0"));
	test_cond("field COLOR #FFAA00 is CONV_WARN, kept", field_gives(&f_color, "#FFAA00", CONV_WARN, "#FFAA00"));
	test_cond("field COLOR 0 is CONV_WARN, kept", field_gives(&f_color, "0", CONV_WARN, "0"));

	/* GT_URL, GT_EMAIL, GT_LANGUAGE, GT_CURRENCY */
	test_cond("field URL with a space is CONV_WARN", field_gives(&f_url, "https://x.org/a b", CONV_WARN, "https://x.org/a b"));
	test_cond("field URL http ok", field_gives(&f_url, "http://x.org/", CONV_OK, "http://x.org/"));
	test_cond("field URL HTTPS upper case ok", field_gives(&f_url, "HTTPS://X.ORG", CONV_OK, "HTTPS://X.ORG"));
	test_cond("field URL without scheme is CONV_WARN", field_gives(&f_url, "www.x.org", CONV_WARN, "www.x.org"));
	test_cond("field URL scheme alone is CONV_WARN", field_gives(&f_url, "https://", CONV_WARN, "https://"));
	test_cond("field EMAIL ok", field_gives(&f_email, "a.b@x.org", CONV_OK, "a.b@x.org"));
	test_cond("field EMAIL without @ is CONV_WARN", field_gives(&f_email, "x.org", CONV_WARN, "x.org"));
	test_cond("field EMAIL two @ is CONV_WARN", field_gives(&f_email, "a@b@x.org", CONV_WARN, "a@b@x.org"));
	test_cond("field EMAIL without a dot after @ is CONV_WARN", field_gives(&f_email, "a@localhost", CONV_WARN, "a@localhost"));
	test_cond("field LANGUAGE en ok", field_gives(&f_lang, "en", CONV_OK, "en"));
	test_cond("field LANGUAGE fr-CA ok", field_gives(&f_lang, "fr-CA", CONV_OK, "fr-CA"));
	test_cond("field LANGUAGE zh-Hant-TW ok", field_gives(&f_lang, "zh-Hant-TW", CONV_OK, "zh-Hant-TW"));
	test_cond("field LANGUAGE English is CONV_WARN", field_gives(&f_lang, "English", CONV_WARN, "English"));
	test_cond("field LANGUAGE en- is CONV_WARN", field_gives(&f_lang, "en-", CONV_WARN, "en-"));
	test_cond("field LANGUAGE en_US is CONV_WARN", field_gives(&f_lang, "en_US", CONV_WARN, "en_US"));
	test_cond("field CURRENCY EUR ok", field_gives(&f_currency, "EUR", CONV_OK, "EUR"));
	test_cond("field CURRENCY eur is CONV_WARN", field_gives(&f_currency, "eur", CONV_WARN, "eur"));
	test_cond("field CURRENCY EURO is CONV_WARN", field_gives(&f_currency, "EURO", CONV_WARN, "EURO"));

	/* appending and errors leave earlier content alone */
	buf_init(&b, 1024);
	buf_puts(&b, "x\t");
	test_cond("field TIME appends after existing content",
			  conv_field(&f_time, "5:30:00", 7, &b, &why) == CONV_OK && buf_is(&b, "x\t05:30:00"));
	buf_truncate(&b, 2);
	test_cond("field DATE error leaves existing content untouched",
			  conv_field(&f_date, "2026", 4, &b, &why) == CONV_ERROR && buf_is(&b, "x\t"));
	test_cond("field LAT error leaves existing content untouched",
			  conv_field(&f_lat, "91", 2, &b, &why) == CONV_ERROR && buf_is(&b, "x\t"));
	test_cond("field ENUM error leaves existing content untouched",
			  conv_field(&f_enum, "x", 1, &b, &why) == CONV_ERROR && buf_is(&b, "x\t"));
	test_cond("field TEXT reads only len bytes",
			  conv_field(&f_text, "abcdef", 3, &b, &why) == CONV_OK && buf_is(&b, "x\tabc"));
	buf_free(&b);

	/* the cap */
	buf_init(&b, 5);
	test_cond("field TIME over a 5-byte cap is CONV_NOSPACE",
			  field(&f_time, "5:30:00", &b, &why) == CONV_NOSPACE && b.len == 0);
	test_cond("field DATE over a 5-byte cap is CONV_NOSPACE",
			  field(&f_date, "20260115", &b, &why) == CONV_NOSPACE && b.len == 0);
	test_cond("field FLOAT over a 5-byte cap is CONV_NOSPACE",
			  field(&f_float, "1.23456", &b, &why) == CONV_NOSPACE);
	test_cond("field LAT over a 5-byte cap is CONV_NOSPACE",
			  field(&f_lat, "45.12345", &b, &why) == CONV_NOSPACE);
	test_cond("field TEXT over a 5-byte cap is CONV_NOSPACE",
			  field(&f_text, "abcdef", &b, &why) == CONV_NOSPACE);
	test_cond("field INT of exactly the 5-byte cap is CONV_OK",
			  field(&f_int_any, "12345", &b, &why) == CONV_OK && buf_is(&b, "12345"));
	buf_free(&b);
	buf_init(&b, 0);
	test_cond("field ENUM into a 0-byte cap is CONV_NOSPACE",
			  field(&f_enum, "1", &b, &why) == CONV_NOSPACE);
	test_cond("field INT into a 0-byte cap is CONV_NOSPACE",
			  field(&f_int_pos, "0", &b, &why) == CONV_NOSPACE);
	test_cond("field COLOR into a 0-byte cap is CONV_NOSPACE",
			  field(&f_color, "FFFFFF", &b, &why) == CONV_NOSPACE);
	test_cond("field MONEY into a 0-byte cap is CONV_NOSPACE",
			  field(&f_money, "1", &b, &why) == CONV_NOSPACE);
	buf_free(&b);
}

/* -------------------------------------------------------------------- buf */

static void
test_buf(void)
{
	Buf			b;
	bool		all_ok;
	char		chunk[100];

	buf_init(&b, 10);
	test_cond("buf_init: empty, no memory", b.data == NULL && b.len == 0 && b.cap == 0 && b.max == 10);
	test_cond("buf append \"ab\"", buf_append(&b, "ab", 2) && buf_is(&b, "ab"));
	test_cond("buf append \"cd\" concatenates", buf_append(&b, "cd", 2) && buf_is(&b, "abcd"));
	test_cond("buf data NUL-terminated after append", b.data[b.len] == '\0');
	test_cond("buf append exactly to max (10) succeeds",
			  buf_append(&b, "efghij", 6) && buf_is(&b, "abcdefghij"));
	test_cond("buf cap never above max + 1", b.cap <= b.max + 1);
	test_cond("buf one byte past max fails", !buf_putc(&b, 'k'));
	test_cond("buf failed append leaves it empty and freed", b.len == 0 && b.data == NULL && b.cap == 0);
	test_cond("buf reusable after failed append", buf_puts(&b, "xyz") && buf_is(&b, "xyz"));
	buf_free(&b);

	buf_init(&b, 10);
	test_cond("buf single append of max + 1 bytes fails", !buf_append(&b, "0123456789A", 11));
	test_cond("buf after oversize first append: empty", b.len == 0 && b.data == NULL);
	test_cond("buf single append of exactly max bytes succeeds",
			  buf_append(&b, "0123456789", 10) && buf_is(&b, "0123456789"));
	test_cond("buf appending zero bytes at max succeeds", buf_append(&b, "", 0) && b.len == 10);
	buf_free(&b);

	buf_init(&b, 3);
	test_cond("buf putc 1 of 3", buf_putc(&b, 'a'));
	test_cond("buf putc 2 of 3", buf_putc(&b, 'b'));
	test_cond("buf putc 3 of 3", buf_putc(&b, 'c') && buf_is(&b, "abc"));
	test_cond("buf putc 4 over cap 3 fails", !buf_putc(&b, 'd') && b.len == 0);
	buf_free(&b);

	buf_init(&b, 0);
	test_cond("buf max 0: appending nothing succeeds", buf_append(&b, "", 0) && b.len == 0);
	test_cond("buf max 0: any byte fails", !buf_putc(&b, 'a') && b.len == 0);
	buf_free(&b);

	/* growth past the first allocation, NUL kept throughout */
	buf_init(&b, 100000);
	memset(chunk, 'q', sizeof(chunk));
	all_ok = true;
	for (int i = 0; i < 1000; i++)
	{
		chunk[0] = (char) ('0' + i % 10);
		if (!buf_append(&b, chunk, sizeof(chunk)) || b.data[b.len] != '\0' ||
			b.cap > b.max + 1)
			all_ok = false;
	}
	test_cond("buf 1000 appends of 100 bytes fill max 100000, NUL-terminated",
			  all_ok && b.len == 100000);
	all_ok = true;
	for (int i = 0; i < 1000; i++)
		if (b.data[i * 100] != (char) ('0' + i % 10) || b.data[i * 100 + 99] != 'q')
			all_ok = false;
	test_cond("buf contents preserved across reallocations", all_ok);
	test_cond("buf full at 100000: one more byte fails", !buf_putc(&b, 'x') && b.len == 0);
	buf_free(&b);

	buf_init(&b, 100);
	test_cond("buf_reserve(50) makes room", buf_reserve(&b, 50) && b.cap >= 51 && b.len == 0);
	test_cond("buf_reserve(101) over the cap fails", !buf_reserve(&b, 101) && b.data == NULL);
	buf_puts(&b, "hello world");
	buf_truncate(&b, 5);
	test_cond("buf_truncate(5) leaves \"hello\", NUL-terminated", buf_is(&b, "hello"));
	buf_truncate(&b, 5);
	test_cond("buf_truncate to the same length is a no-op", buf_is(&b, "hello"));
	buf_truncate(&b, 0);
	test_cond("buf_truncate(0) leaves \"\"", buf_is(&b, "") && b.data != NULL);
	test_cond("buf append after truncate", buf_puts(&b, "ab") && buf_is(&b, "ab"));
	buf_reset(&b);
	test_cond("buf_reset empties but keeps memory", b.len == 0 && b.data != NULL && b.data[0] == '\0');
	buf_free(&b);
	test_cond("buf_free: no memory, empty", b.data == NULL && b.len == 0 && b.cap == 0);
	test_cond("buf usable after buf_free", buf_puts(&b, "again") && buf_is(&b, "again"));
	buf_free(&b);
	buf_reset(&b);
	test_cond("buf_reset on a freed buffer is harmless", b.len == 0 && b.data == NULL);
	buf_truncate(&b, 0);
	test_cond("buf_truncate(0) on a freed buffer is harmless", b.len == 0 && b.data == NULL);
}

/* ---------------------------------------------------------------- catalog */

static int
file_index(const char *name)
{
	const CatalogFile *f = catalog_find_file(name);

	return f ? (int) (f - catalog_files) : -1;
}

static const CatalogField *
find_field(const char *file, const char *name)
{
	const CatalogFile *f = catalog_find_file(file);
	int			i;

	if (f == NULL)
		return NULL;
	i = catalog_find_field(f, name);
	return i < 0 ? NULL : &f->fields[i];
}

/* Every value in an enumeration list is an integer, separated by commas. */
static bool
enum_list_well_formed(const char *p)
{
	if (p == NULL || *p == '\0')
		return false;
	for (;;)
	{
		char	   *end;

		(void) strtol(p, &end, 10);
		if (end == p)
			return false;
		if (*end == '\0')
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
}

static void
test_catalog(void)
{
	const CatalogFile *stops = catalog_find_file("stops.txt");
	const CatalogField *f;
	char		descr[200];
	/* (earlier, later): later references earlier (GTFS Schedule reference) */
	static const char *const deps[][2] = {
		{"stops.txt", "stop_times.txt"},
		{"trips.txt", "stop_times.txt"},
		{"routes.txt", "trips.txt"},
		{"agency.txt", "routes.txt"},
		{"levels.txt", "stops.txt"},
		{"shapes.txt", "trips.txt"},
		{"calendar.txt", "trips.txt"},
		{"calendar_dates.txt", "trips.txt"},
		{"booking_rules.txt", "stop_times.txt"},
		{"location_groups.txt", "stop_times.txt"},
		{"location_groups.txt", "location_group_stops.txt"},
		{"stops.txt", "location_group_stops.txt"},
		{"trips.txt", "frequencies.txt"},
		{"stops.txt", "transfers.txt"},
		{"routes.txt", "transfers.txt"},
		{"trips.txt", "transfers.txt"},
		{"stops.txt", "pathways.txt"},
		{"networks.txt", "route_networks.txt"},
		{"routes.txt", "route_networks.txt"},
		{"areas.txt", "stop_areas.txt"},
		{"stops.txt", "stop_areas.txt"},
		{"fare_media.txt", "fare_products.txt"},
		{"rider_categories.txt", "fare_products.txt"},
		{"fare_products.txt", "fare_leg_rules.txt"},
		{"timeframes.txt", "fare_leg_rules.txt"},
		{"areas.txt", "fare_leg_rules.txt"},
		{"fare_leg_rules.txt", "fare_transfer_rules.txt"},
		{"fare_attributes.txt", "fare_rules.txt"},
		{"routes.txt", "fare_rules.txt"},
		{"agency.txt", "fare_attributes.txt"},
	};

	test_cond("catalog has 31 files", catalog_nfiles == 31);
	test_cond("catalog_find_file(stops.txt) found", stops != NULL);
	test_cond("catalog_find_file(stops.txt) is stops.txt / stops",
			  stops && strcmp(stops->file, "stops.txt") == 0 && strcmp(stops->table, "stops") == 0);
	test_cond("catalog_find_file(nope.txt) is NULL", catalog_find_file("nope.txt") == NULL);
	test_cond("catalog_find_file(stops) without .txt is NULL", catalog_find_file("stops") == NULL);
	test_cond("catalog_find_file(\"\") is NULL", catalog_find_file("") == NULL);
	test_cond("catalog_find_file(stop_times.txt) found", catalog_find_file("stop_times.txt") != NULL);

	test_cond("catalog_find_field(stops, stop_id) is 0", stops && catalog_find_field(stops, "stop_id") == 0);
	test_cond("catalog_find_field(stops, stop_lat) names stop_lat",
			  stops && catalog_find_field(stops, "stop_lat") >= 0 &&
			  strcmp(stops->fields[catalog_find_field(stops, "stop_lat")].name, "stop_lat") == 0);
	test_cond("catalog_find_field(stops, nope) is -1", stops && catalog_find_field(stops, "nope") == -1);
	test_cond("catalog_find_field(stops, \"\") is -1", stops && catalog_find_field(stops, "") == -1);
	test_cond("catalog_find_field(stops, trip_id) (other file's field) is -1",
			  stops && catalog_find_field(stops, "trip_id") == -1);

	f = find_field("stops.txt", "stop_lat");
	test_cond("stops.stop_lat is GT_LAT", f && f->type == GT_LAT);
	f = find_field("stops.txt", "stop_lon");
	test_cond("stops.stop_lon is GT_LON", f && f->type == GT_LON);
	f = find_field("stops.txt", "stop_id");
	test_cond("stops.stop_id is a required key",
			  f && f->type == GT_TEXT && (f->flags & FIELD_REQUIRED) && (f->flags & FIELD_KEY));
	f = find_field("stop_times.txt", "arrival_time");
	test_cond("stop_times.arrival_time is GT_TIME", f && f->type == GT_TIME);
	f = find_field("stop_times.txt", "departure_time");
	test_cond("stop_times.departure_time is GT_TIME", f && f->type == GT_TIME);
	f = find_field("stop_times.txt", "stop_sequence");
	test_cond("stop_times.stop_sequence is GT_INT, non-negative", f && f->type == GT_INT && f->sign == SIGN_NONNEG);
	f = find_field("calendar.txt", "start_date");
	test_cond("calendar.start_date is GT_DATE", f && f->type == GT_DATE);
	f = find_field("routes.txt", "route_color");
	test_cond("routes.route_color is GT_COLOR", f && f->type == GT_COLOR);
	f = find_field("fare_products.txt", "amount");
	test_cond("fare_products.amount is GT_MONEY", f && f->type == GT_MONEY);
	f = find_field("frequencies.txt", "headway_secs");
	test_cond("frequencies.headway_secs is positive GT_INT", f && f->type == GT_INT && f->sign == SIGN_POSITIVE);
	f = find_field("routes.txt", "route_type");
	test_cond("routes.route_type is a required GT_ENUM",
			  f && f->type == GT_ENUM && (f->flags & FIELD_REQUIRED));
	test_cond("route_type allows 3 (bus)", f && catalog_enum_allows(f, 3));
	test_cond("route_type allows 11 and 12", f && catalog_enum_allows(f, 11) && catalog_enum_allows(f, 12));
	test_cond("route_type does not allow 8, 10, 13", f &&
			  !catalog_enum_allows(f, 8) && !catalog_enum_allows(f, 10) && !catalog_enum_allows(f, 13));
	f = find_field("calendar_dates.txt", "exception_type");
	test_cond("exception_type allows 1 and 2, not 0",
			  f && catalog_enum_allows(f, 1) && catalog_enum_allows(f, 2) && !catalog_enum_allows(f, 0));

	/* catalog_enum_allows on hand-made fields */
	test_cond("enum_allows 0,1,2: 0", catalog_enum_allows(&f_enum, 0));
	test_cond("enum_allows 0,1,2: 2", catalog_enum_allows(&f_enum, 2));
	test_cond("enum_allows 0,1,2: not 3", !catalog_enum_allows(&f_enum, 3));
	test_cond("enum_allows 0,1,2: not -1", !catalog_enum_allows(&f_enum, -1));
	test_cond("enum_allows 0,1,2: not 12", !catalog_enum_allows(&f_enum, 12));
	{
		static const CatalogField big = {"e", GT_ENUM, SIGN_ANY, 0, "1,11,111", NULL};
		static const CatalogField none = {"e", GT_ENUM, SIGN_ANY, 0, NULL, NULL};

		test_cond("enum_allows 1,11,111: 11", catalog_enum_allows(&big, 11));
		test_cond("enum_allows 1,11,111: 111", catalog_enum_allows(&big, 111));
		test_cond("enum_allows 1,11,111: not 0", !catalog_enum_allows(&big, 0));
		test_cond("enum_allows with enums NULL allows nothing", !catalog_enum_allows(&none, 0));
	}

	{
		int			lat = 99,
					lon = 99;
		const CatalogFile *cf = catalog_find_file("stops.txt");

		test_cond("point_fields stops.txt: stop_lat and stop_lon",
				  cf && catalog_point_fields(cf, &lat, &lon) &&
				  lat == catalog_find_field(cf, "stop_lat") && lon == catalog_find_field(cf, "stop_lon"));
		cf = catalog_find_file("shapes.txt");
		test_cond("point_fields shapes.txt: shape_pt_lat and shape_pt_lon",
				  cf && catalog_point_fields(cf, &lat, &lon) &&
				  lat == catalog_find_field(cf, "shape_pt_lat") &&
				  lon == catalog_find_field(cf, "shape_pt_lon"));
		cf = catalog_find_file("trips.txt");
		test_cond("point_fields trips.txt: none, both -1",
				  cf && !catalog_point_fields(cf, &lat, &lon) && lat == -1 && lon == -1);
	}

	/* every file */
	for (int i = 0; i < catalog_nfiles; i++)
	{
		const CatalogFile *cf = &catalog_files[i];
		size_t		n = strlen(cf->file);
		bool		enums_ok = true,
					names_ok = true;

		snprintf(descr, sizeof(descr), "%s: table is the file name minus .txt", cf->file);
		test_cond(descr, n > 4 && strcmp(cf->file + n - 4, ".txt") == 0 &&
				  strlen(cf->table) == n - 4 && strncmp(cf->file, cf->table, n - 4) == 0);
		snprintf(descr, sizeof(descr), "%s: catalog_find_file finds this entry", cf->file);
		test_cond(descr, catalog_find_file(cf->file) == cf);
		snprintf(descr, sizeof(descr), "%s: has fields", cf->file);
		test_cond(descr, cf->nfields > 0 && cf->fields != NULL);
		for (int j = 0; j < cf->nfields; j++)
		{
			const CatalogField *fld = &cf->fields[j];

			if (fld->name == NULL || fld->name[0] == '\0' ||
				catalog_find_field(cf, fld->name) != j)
				names_ok = false;
			if (fld->type == GT_ENUM ? !enum_list_well_formed(fld->enums) : fld->enums != NULL)
				enums_ok = false;
		}
		snprintf(descr, sizeof(descr), "%s: field names set and unique", cf->file);
		test_cond(descr, names_ok);
		snprintf(descr, sizeof(descr),
				 "%s: every GT_ENUM field has a list of integers, others have none", cf->file);
		test_cond(descr, enums_ok);
	}

	/* dependency order */
	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++)
	{
		int			a = file_index(deps[i][0]),
					b = file_index(deps[i][1]);

		snprintf(descr, sizeof(descr), "order: %s before %s", deps[i][0], deps[i][1]);
		test_cond(descr, a >= 0 && b >= 0 && a < b);
	}
}

/* ---------------------------------------------------------------- csvread */

#define REC_ROWS	16
#define REC_FIELDS	8

typedef struct
{
	long		line;
	int			nfields;
	char	   *f[REC_FIELDS];
	size_t		len[REC_FIELDS];
	long		fline[REC_FIELDS];
} RecRow;

typedef struct
{
	int			nrows;			/* rows seen, even past REC_ROWS */
	int			stop_after;		/* return false at this row (1-based); 0: never */
	bool		nul_ok;			/* every field was followed by a NUL */
	size_t		longest;		/* longest field seen */
	RecRow		row[REC_ROWS];
} Rec;

static bool
rec_row(void *ctx, const CsvRow *row)
{
	Rec		   *rec = ctx;

	for (int i = 0; i < row->nfields; i++)
	{
		if (row->fields[i].data[row->fields[i].len] != '\0')
			rec->nul_ok = false;
		if (row->fields[i].len > rec->longest)
			rec->longest = row->fields[i].len;
	}
	if (rec->nrows < REC_ROWS)
	{
		RecRow	   *r = &rec->row[rec->nrows];

		r->line = row->line;
		r->nfields = row->nfields;
		for (int i = 0; i < row->nfields && i < REC_FIELDS; i++)
		{
			r->len[i] = row->fields[i].len;
			r->f[i] = malloc(r->len[i] + 1);
			if (r->f[i] != NULL)
			{
				memcpy(r->f[i], row->fields[i].data, r->len[i]);
				r->f[i][r->len[i]] = '\0';
			}
			r->fline[i] = csvread_field_line(row, i);
		}
	}
	rec->nrows++;
	return rec->stop_after == 0 || rec->nrows < rec->stop_after;
}

static void
rec_init(Rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->nul_ok = true;
}

static void
rec_free(Rec *rec)
{
	for (int i = 0; i < rec->nrows && i < REC_ROWS; i++)
		for (int j = 0; j < rec->row[i].nfields && j < REC_FIELDS; j++)
			free(rec->row[i].f[j]);
	rec_init(rec);
}

typedef struct
{
	bool		feed_ok;		/* every csvread_feed returned true */
	bool		finish_ok;		/* csvread_finish returned true (not called: false) */
	bool		later_feed_ok;	/* a csvread_feed after a false one returned true */
} RunResult;

/* Feeds data[0..len) in chunks of chunk bytes (0: all at once). */
static RunResult
csv_run(const char *data, size_t len, size_t chunk, Rec *rec)
{
	RunResult	res = {true, false, false};
	CsvReader  *r;

	rec_init(rec);
	r = csvread_create("test.txt", rec_row, rec);
	if (r == NULL)
	{
		res.feed_ok = false;
		return res;
	}
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
	{
		size_t		n = len - off < chunk ? len - off : chunk;

		if (!csvread_feed(r, data + off, n))
		{
			res.feed_ok = false;
			res.later_feed_ok = csvread_feed(r, "x\n", 2);
			break;
		}
	}
	if (res.feed_ok)
		res.finish_ok = csvread_finish(r);
	csvread_destroy(r);
	return res;
}

static RunResult
csv_str(const char *s, size_t chunk, Rec *rec)
{
	return csv_run(s, strlen(s), chunk, rec);
}

/* Row i has field j equal to s (NUL-terminated, no embedded NUL). */
static bool
rec_field(const Rec *rec, int i, int j, const char *s)
{
	return i < rec->nrows && i < REC_ROWS && j < rec->row[i].nfields &&
		j < REC_FIELDS && rec->row[i].f[j] != NULL &&
		rec->row[i].len[j] == strlen(s) && strcmp(rec->row[i].f[j], s) == 0;
}

static bool
rec_same(const Rec *a, const Rec *b)
{
	if (a->nrows != b->nrows)
		return false;
	for (int i = 0; i < a->nrows && i < REC_ROWS; i++)
	{
		const RecRow *x = &a->row[i],
				   *y = &b->row[i];

		if (x->line != y->line || x->nfields != y->nfields)
			return false;
		for (int j = 0; j < x->nfields && j < REC_FIELDS; j++)
			if (x->len[j] != y->len[j] || x->fline[j] != y->fline[j] ||
				x->f[j] == NULL || y->f[j] == NULL ||
				memcmp(x->f[j], y->f[j], x->len[j]) != 0)
				return false;
	}
	return true;
}

static bool
no_cr(const Rec *rec)
{
	for (int i = 0; i < rec->nrows && i < REC_ROWS; i++)
		for (int j = 0; j < rec->row[i].nfields && j < REC_FIELDS; j++)
			if (rec->row[i].f[j] == NULL || memchr(rec->row[i].f[j], '\r', rec->row[i].len[j]))
				return false;
	return true;
}

/* A feed exercising quotes, CRLF, blank lines and multi-line fields. */
static const char mixed_input[] =
	"id,name,desc\r\n"						/* 1 */
	"1,\"a,b\",\"say \"\"hi\"\"\"\r\n"		/* 2 */
	"\n"									/* 3 blank */
	"2,\"multi\r\n"							/* 4 */
	"line\n"								/* 5 */
	"field\",x\n"							/* 6 */
	"\r\n"									/* 7 blank */
	"3,,\"\"\n"								/* 8 */
	"4,\"\xC3\xA9t\xC3\xA9\",\"q\n"			/* 9 */
	"\"\n"									/* 10 */
	"5,last,row";							/* 11, no final newline */

static void
test_csv_basic(void)
{
	Rec			rec;
	RunResult	res;

	/* BOM, header */
	res = csv_str("\xEF\xBB\xBFstop_id,stop_name\n1,One\n", 0, &rec);
	test_cond("csv BOM input: feed and finish succeed", res.feed_ok && res.finish_ok);
	test_cond("csv BOM stripped from the first header field", rec_field(&rec, 0, 0, "stop_id"));
	test_cond("csv BOM input: second header field intact", rec_field(&rec, 0, 1, "stop_name"));
	test_cond("csv BOM input: data row intact", rec.nrows == 2 && rec_field(&rec, 1, 0, "1") &&
			  rec_field(&rec, 1, 1, "One"));
	test_cond("csv BOM input: header on line 1, row on line 2",
			  rec.row[0].line == 1 && rec.row[1].line == 2);
	rec_free(&rec);

	res = csv_str("a\n\xEF\xBB\xBF" "b\n", 0, &rec);
	test_cond("csv BOM kept when not at the start of the stream",
			  res.finish_ok && rec.nrows == 2 && rec_field(&rec, 1, 0, "\xEF\xBB\xBF" "b"));
	rec_free(&rec);

	/* line endings */
	res = csv_str("a,b\r\nc,d\r\ne,f\n", 0, &rec);
	test_cond("csv CRLF input: 3 rows", res.finish_ok && rec.nrows == 3);
	test_cond("csv CRLF input: no trailing \\r in any field", no_cr(&rec));
	test_cond("csv CRLF input: last field of each row exact",
			  rec_field(&rec, 0, 1, "b") && rec_field(&rec, 1, 1, "d") && rec_field(&rec, 2, 1, "f"));
	test_cond("csv CRLF input: lines 1, 2, 3",
			  rec.row[0].line == 1 && rec.row[1].line == 2 && rec.row[2].line == 3);
	rec_free(&rec);

	res = csv_str("a,b\nc,d\r\ne,f\r\ng,h\n", 0, &rec);
	test_cond("csv mixed LF/CRLF: 4 rows", res.finish_ok && rec.nrows == 4);
	test_cond("csv mixed LF/CRLF: no trailing \\r", no_cr(&rec));
	test_cond("csv mixed LF/CRLF: lines 1..4",
			  rec.row[0].line == 1 && rec.row[1].line == 2 && rec.row[2].line == 3 &&
			  rec.row[3].line == 4);
	test_cond("csv mixed LF/CRLF: fields exact",
			  rec_field(&rec, 1, 1, "d") && rec_field(&rec, 2, 1, "f") && rec_field(&rec, 3, 0, "g"));
	rec_free(&rec);

	res = csv_str("a,b\r\nc,d", 0, &rec);
	test_cond("csv CRLF then no final newline: last field \"d\"",
			  res.finish_ok && rec.nrows == 2 && rec_field(&rec, 1, 1, "d"));
	rec_free(&rec);

	/* quoting */
	res = csv_str("\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",plain\n", 0, &rec);
	test_cond("csv quoted row: one row of 4 fields", res.finish_ok && rec.nrows == 1 && rec.row[0].nfields == 4);
	test_cond("csv quoted field keeps its comma", rec_field(&rec, 0, 0, "a,b"));
	test_cond("csv doubled quote becomes one quote", rec_field(&rec, 0, 1, "say \"hi\""));
	test_cond("csv quoted field keeps embedded LF", rec_field(&rec, 0, 2, "line1\nline2"));
	test_cond("csv field after a multi-line field", rec_field(&rec, 0, 3, "plain"));
	test_cond("csv multi-line field: field lines 1, 1, 1, 2",
			  rec.row[0].fline[0] == 1 && rec.row[0].fline[1] == 1 &&
			  rec.row[0].fline[2] == 1 && rec.row[0].fline[3] == 2);
	test_cond("csv fields followed by a NUL", rec.nul_ok);
	rec_free(&rec);

	res = csv_str("a,,c\n,\nx,\n", 0, &rec);
	test_cond("csv empty fields: 3 rows", res.finish_ok && rec.nrows == 3);
	test_cond("csv a,,c: 3 fields, middle empty",
			  rec.row[0].nfields == 3 && rec_field(&rec, 0, 1, "") && rec_field(&rec, 0, 2, "c"));
	test_cond("csv \",\": two empty fields",
			  rec.row[1].nfields == 2 && rec_field(&rec, 1, 0, "") && rec_field(&rec, 1, 1, ""));
	test_cond("csv trailing comma gives an empty last field",
			  rec.row[2].nfields == 2 && rec_field(&rec, 2, 0, "x") && rec_field(&rec, 2, 1, ""));
	rec_free(&rec);

	/* line numbers */
	res = csv_str("h1,h2\n"
				  "\"a\nb\nc\",x\n"
				  "next,y\n"
				  "\n"
				  "\n"
				  "after,z\n"
				  "p,\"q\nr\"\n"
				  "end,w\n", 0, &rec);
	test_cond("csv line numbers input: 6 rows", res.finish_ok && rec.nrows == 6);
	test_cond("csv header on line 1", rec.row[0].line == 1);
	test_cond("csv row with 3-line quoted first field starts on line 2", rec.row[1].line == 2);
	test_cond("csv 3-line quoted field content", rec_field(&rec, 1, 0, "a\nb\nc"));
	test_cond("csv field after the 3-line field is on line 4", rec.row[1].fline[1] == 4);
	test_cond("csv row after the 3-line field is on line 5", rec.row[2].line == 5 && rec_field(&rec, 2, 0, "next"));
	test_cond("csv row after two blank lines is on line 8", rec.row[3].line == 8 && rec_field(&rec, 3, 0, "after"));
	test_cond("csv row with a 2-line second field starts on line 9",
			  rec.row[4].line == 9 && rec.row[4].fline[0] == 9 && rec.row[4].fline[1] == 9);
	test_cond("csv row after it is on line 11", rec.row[5].line == 11 && rec_field(&rec, 5, 0, "end"));
	rec_free(&rec);

	res = csv_str("\n\n\na,b\n", 0, &rec);
	test_cond("csv leading blank lines skipped, first row on line 4",
			  res.finish_ok && rec.nrows == 1 && rec.row[0].line == 4);
	rec_free(&rec);

	/* end of stream */
	res = csv_str("a,b\n1,2", 0, &rec);
	test_cond("csv missing final newline: last row still delivered",
			  res.feed_ok && res.finish_ok && rec.nrows == 2 &&
			  rec_field(&rec, 1, 0, "1") && rec_field(&rec, 1, 1, "2"));
	test_cond("csv missing final newline: last row on line 2", rec.row[1].line == 2);
	rec_free(&rec);

	res = csv_str("a,\"b\nc\"", 0, &rec);
	test_cond("csv missing final newline after a multi-line quoted field",
			  res.finish_ok && rec.nrows == 1 && rec_field(&rec, 0, 1, "b\nc") && rec.row[0].line == 1);
	rec_free(&rec);

	res = csv_str("route_id,route_type\n", 0, &rec);
	test_cond("csv header-only input yields one row",
			  res.finish_ok && rec.nrows == 1 && rec.row[0].nfields == 2 &&
			  rec_field(&rec, 0, 0, "route_id") && rec_field(&rec, 0, 1, "route_type"));
	rec_free(&rec);

	res = csv_str("route_id,route_type", 0, &rec);
	test_cond("csv header-only input without newline yields one row",
			  res.finish_ok && rec.nrows == 1 && rec_field(&rec, 0, 1, "route_type"));
	rec_free(&rec);

	res = csv_str("", 0, &rec);
	test_cond("csv empty input: no rows, finish succeeds", res.finish_ok && rec.nrows == 0);
	rec_free(&rec);

	res = csv_str("\n\r\n\n", 0, &rec);
	test_cond("csv blank lines only: no rows", res.finish_ok && rec.nrows == 0);
	rec_free(&rec);

	res = csv_str("\xEF\xBB\xBF", 0, &rec);
	test_cond("csv BOM only: no rows", res.finish_ok && rec.nrows == 0);
	rec_free(&rec);
}

/* CR-only line ends (old Mac files), in any chunking: lines count too. */
static void
test_csv_cr_lines(void)
{
	static const char input[] = "a,b\rc,\"d\re\"\rf,g\r\nh,i\rj,k";
	static const size_t chunks[] = {0, 1, 2, 3, 4, 5, 7};

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
	{
		Rec			rec;
		RunResult	res = csv_run(input, sizeof(input) - 1, chunks[c], &rec);
		char		name[96];

		snprintf(name, sizeof(name), "csv CR line ends, chunks of %zu: rows "
				 "on lines 1, 2, 4, 5, 6", chunks[c]);
		test_cond(name, res.feed_ok && res.finish_ok && rec.nrows == 5 &&
				  rec.row[0].line == 1 && rec.row[1].line == 2 &&
				  rec.row[2].line == 4 && rec.row[3].line == 5 &&
				  rec.row[4].line == 6 && rec_field(&rec, 1, 1, "d\re"));
		rec_free(&rec);
	}
}

static void
test_csv_mixed(void)
{
	Rec			whole,
				piece;
	RunResult	res;
	size_t		len = sizeof(mixed_input) - 1;
	static const size_t chunks[] = {1, 2, 3, 5, 7, 13};

	res = csv_run(mixed_input, len, 0, &whole);
	test_cond("csv mixed input: feed and finish succeed", res.feed_ok && res.finish_ok);
	test_cond("csv mixed input: 6 rows", whole.nrows == 6);
	test_cond("csv mixed input: no \\r left from CRLF line ends", rec_field(&whole, 0, 2, "desc") &&
			  rec_field(&whole, 1, 2, "say \"hi\""));
	test_cond("csv mixed input: quoted comma", rec_field(&whole, 1, 1, "a,b"));
	test_cond("csv mixed input: CRLF kept inside a quoted field", rec_field(&whole, 2, 1, "multi\r\nline\nfield"));
	test_cond("csv mixed input: empty unquoted and empty quoted fields",
			  rec_field(&whole, 3, 1, "") && rec_field(&whole, 3, 2, ""));
	test_cond("csv mixed input: UTF-8 field", rec_field(&whole, 4, 1, "\xC3\xA9t\xC3\xA9"));
	test_cond("csv mixed input: quoted LF only", rec_field(&whole, 4, 2, "q\n"));
	test_cond("csv mixed input: last row without newline", rec_field(&whole, 5, 2, "row"));
	test_cond("csv mixed input: row lines 1, 2, 4, 8, 9, 11",
			  whole.row[0].line == 1 && whole.row[1].line == 2 && whole.row[2].line == 4 &&
			  whole.row[3].line == 8 && whole.row[4].line == 9 && whole.row[5].line == 11);
	test_cond("csv mixed input: field after 3-line field on line 6", whole.row[2].fline[2] == 6);
	test_cond("csv mixed input: csvread_field_line of first field is the row line",
			  whole.row[2].fline[0] == 4 && whole.row[4].fline[0] == 9);

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
	{
		char		descr[120];

		res = csv_run(mixed_input, len, chunks[i], &piece);
		snprintf(descr, sizeof(descr),
				 "csv mixed input fed %zu byte(s) at a time: same rows, fields and lines", chunks[i]);
		test_cond(descr, res.feed_ok && res.finish_ok && rec_same(&whole, &piece));
		rec_free(&piece);
	}
	rec_free(&whole);
}

static void
test_csv_errors(void)
{
	Rec			rec;
	RunResult	res;
	char	   *big;
	size_t		n;

	/* unterminated quote */
	res = csv_str("a,b\n1,\"unterminated\n", 0, &rec);
	test_cond("csv unterminated quote at end: csvread_feed succeeds", res.feed_ok);
	test_cond("csv unterminated quote at end: csvread_finish fails", !res.finish_ok);
	test_cond("csv unterminated quote at end: only the row before it is delivered",
			  rec.nrows == 1 && rec.row[0].line == 1 && rec_field(&rec, 0, 0, "a") &&
			  rec_field(&rec, 0, 1, "b"));
	rec_free(&rec);
	res = csv_str("\"abc", 0, &rec);
	test_cond("csv lone unterminated quote: csvread_finish fails", !res.finish_ok);
	rec_free(&rec);
	res = csv_str("a,\"b\"\"\"\n", 0, &rec);
	test_cond("csv closed quote with an escaped quote inside: csvread_finish succeeds",
			  res.finish_ok && rec.nrows == 1 && rec_field(&rec, 0, 1, "b\""));
	rec_free(&rec);

	/* a byte order mark cut across chunks */
	for (size_t chunk = 1; chunk <= 2; chunk++)
	{
		res = csv_str("\xEF\xBB\xBFstop_id,x\n", chunk, &rec);
		test_cond("csv BOM fed 1 or 2 bytes at a time is dropped",
				  res.finish_ok && rec.nrows == 1 && rec_field(&rec, 0, 0, "stop_id"));
		rec_free(&rec);
	}
	res = csv_str("\xEF\xBBx,y\n", 1, &rec);
	test_cond("csv a partial BOM is data, not dropped",
			  res.finish_ok && rec.nrows == 1 &&
			  rec_field(&rec, 0, 0, "\xEF\xBBx"));
	rec_free(&rec);

	/* field cap: one line */
	n = CSV_MAX_FIELD + 1;
	big = malloc(n + 2);
	if (big == NULL)
	{
		test_cond("malloc for the field cap tests", false);
		return;
	}
	memset(big, 'x', n);
	memcpy(big + n, "\n", 2);
	res = csv_run(big, n + 1, 0, &rec);
	test_cond("csv field of CSV_MAX_FIELD + 1 bytes: csvread_feed fails", !res.feed_ok);
	test_cond("csv after the field cap error, csvread_feed keeps failing", !res.later_feed_ok);
	rec_free(&rec);

	res = csv_run(big, n + 1, 65536, &rec);
	test_cond("csv field of CSV_MAX_FIELD + 1 bytes fed in 64 kB chunks: csvread_feed fails",
			  !res.feed_ok && rec.nrows == 0);
	rec_free(&rec);

	res = csv_run(big, n, 65536, &rec);
	test_cond("csv field of CSV_MAX_FIELD + 1 bytes, no newline, 64 kB chunks: feed fails",
			  !res.feed_ok && rec.nrows == 0);
	rec_free(&rec);

	/* unterminated quote swallowing many lines passes the field cap */
	big[0] = '"';
	for (size_t i = 100; i < n; i += 100)
		big[i] = '\n';
	res = csv_run(big, n + 1, 4096, &rec);
	test_cond("csv runaway quoted field over many lines: csvread_feed fails",
			  !res.feed_ok && rec.nrows == 0);
	rec_free(&rec);

	/* a field a little under the cap is fine */
	n = CSV_MAX_FIELD - 4096;
	memset(big, 'y', n);
	memcpy(big + n, ",z\n", 4);
	res = csv_run(big, n + 3, 0, &rec);
	test_cond("csv field of CSV_MAX_FIELD - 4096 bytes accepted",
			  res.feed_ok && res.finish_ok && rec.nrows == 1 && rec.row[0].len[0] == n &&
			  rec_field(&rec, 0, 1, "z"));
	rec_free(&rec);
	free(big);

	/* row cap: five fields of almost 1 MB pass 4 MB */
	n = 5 * (CSV_MAX_FIELD - 8192) + 8;
	big = malloc(n);
	if (big != NULL)
	{
		size_t		off = 0;

		for (int i = 0; i < 5; i++)
		{
			memset(big + off, 'r', CSV_MAX_FIELD - 8192);
			off += CSV_MAX_FIELD - 8192;
			big[off++] = i < 4 ? ',' : '\n';
		}
		res = csv_run(big, off, 65536, &rec);
		test_cond("csv row over CSV_MAX_ROW bytes: csvread_feed fails", !res.feed_ok && rec.nrows == 0);
		rec_free(&rec);
		free(big);
	}
	else
		test_cond("malloc for the row cap test", false);

	/* field count cap */
	n = 2 * (CSV_MAX_FIELDS + 1);
	big = malloc(n + 16);
	if (big != NULL)
	{
		for (int i = 0; i < CSV_MAX_FIELDS; i++)
			memcpy(big + 2 * i, i < CSV_MAX_FIELDS - 1 ? "a," : "a\n", 2);
		res = csv_run(big, 2 * CSV_MAX_FIELDS, 0, &rec);
		test_cond("csv row of exactly CSV_MAX_FIELDS fields accepted",
				  res.feed_ok && res.finish_ok && rec.nrows == 1 && rec.row[0].nfields == CSV_MAX_FIELDS);
		rec_free(&rec);

		for (int i = 0; i < CSV_MAX_FIELDS + 1; i++)
			memcpy(big + 2 * i, i < CSV_MAX_FIELDS ? "a," : "a\n", 2);
		res = csv_run(big, n, 0, &rec);
		test_cond("csv row of CSV_MAX_FIELDS + 1 fields: csvread_feed fails", !res.feed_ok && rec.nrows == 0);
		rec_free(&rec);

		res = csv_run(big, n - 1, 0, &rec);	/* no final newline */
		test_cond("csv last row of CSV_MAX_FIELDS + 1 fields, no newline: csvread_finish fails",
				  res.feed_ok && !res.finish_ok && rec.nrows == 0);
		rec_free(&rec);
		free(big);
	}
	else
		test_cond("malloc for the field count test", false);

	/* the callback stops the reader */
	{
		CsvReader  *r;

		rec_init(&rec);
		rec.stop_after = 2;
		r = csvread_create("stop.txt", rec_row, &rec);
		test_cond("csvread_create succeeds", r != NULL);
		if (r != NULL)
		{
			test_cond("csv callback false at row 2: csvread_feed fails",
					  !csvread_feed(r, "a\nb\nc\nd\n", 8));
			test_cond("csv callback false at row 2: no row after it", rec.nrows == 2);
			test_cond("csv stopped reader: further csvread_feed fails", !csvread_feed(r, "e\n", 2));
			test_cond("csv stopped reader: csvread_finish fails", !csvread_finish(r));
			test_cond("csv stopped reader: still 2 rows", rec.nrows == 2);
			csvread_destroy(r);
		}
		rec_free(&rec);

		rec.stop_after = 2;
		r = csvread_create("stop.txt", rec_row, &rec);
		if (r != NULL)
		{
			test_cond("csv callback false on the unterminated last row: feed succeeds",
					  csvread_feed(r, "a\nb", 3));
			test_cond("csv callback false on the unterminated last row: finish fails",
					  !csvread_finish(r) && rec.nrows == 2);
			csvread_destroy(r);
		}
		rec_free(&rec);
	}

}

/* Broken records seen by csv_broken_run: lines, fields, text. */
typedef struct
{
	int			n;
	long		line[4];
	long		bad_line[4];
	int			column[4];
	char		text[4][64];
	size_t		len[4];
	unsigned long long dropped[4];
} Broken;

static bool
rec_broken(void *ctx, const CsvBroken *b)
{
	Broken	   *br = ctx;

	if (br->n < 4)
	{
		br->line[br->n] = b->line;
		br->bad_line[br->n] = b->bad_line;
		br->column[br->n] = b->column;
		snprintf(br->text[br->n], sizeof(br->text[0]), "%.*s", (int) b->len,
				 b->text);
		br->len[br->n] = b->len;
		br->dropped[br->n] = b->dropped;
	}
	br->n++;
	return true;
}

/* Rows of the last csv_broken_run, recorded through its ctx. */
typedef struct
{
	Broken		broken;
	int			nrows;
	long		line[8];
	char		first[8][16];
	unsigned long long replayed;	/* csvread_replayed at the end */
} BrokenRun;

static bool
rec_broken_row(void *ctx, const CsvRow *row)
{
	BrokenRun  *run = ctx;

	if (run->nrows < 8)
	{
		run->line[run->nrows] = row->line;
		snprintf(run->first[run->nrows], sizeof(run->first[0]), "%.*s",
				 (int) row->fields[0].len, row->fields[0].data);
	}
	run->nrows++;
	return true;
}

static bool
rec_broken_cb(void *ctx, const CsvBroken *b)
{
	return rec_broken(&((BrokenRun *) ctx)->broken, b);
}

/* Feeds s in chunks of chunk bytes with a broken-record callback. */
static bool
csv_broken_run(const char *s, size_t chunk, BrokenRun *run)
{
	CsvReader  *r;
	size_t		len = strlen(s);
	bool		ok = true;

	memset(run, 0, sizeof(*run));
	r = csvread_create("stops.txt", rec_broken_row, run);
	if (r == NULL)
		return false;
	csvread_on_broken(r, rec_broken_cb);
	for (size_t off = 0; ok && off < len; off += chunk)
		ok = csvread_feed(r, s + off, len - off < chunk ? len - off : chunk);
	ok = ok && csvread_finish(r);
	run->replayed = csvread_replayed(r);
	csvread_destroy(r);
	return ok;
}

static void
test_csv_stray_quotes(void)
{
	static const char glued[] =
		"id,name,lat\n"
		"S1,\"abc\"def,1\n"		/* text after a closing quote */
		"S2,ok,2\r\n"
		"S3,x\",3\n"				/* a quote inside an unquoted field */
		"S4,\"two\nlines\"z,4\n"	/* broken on the record's 2nd line: both
									 * lines read alone */
		"S5,\"spaced\" ,5\n"		/* a space after the quote is fine */
		"S6,last,6";
	bool		all = true;
	BrokenRun	run;

	for (size_t chunk = 1; chunk <= sizeof(glued); chunk++)
	{
		bool		ok = csv_broken_run(glued, chunk, &run);

		all = all && ok && run.nrows == 4 && run.broken.n == 4 &&
			strcmp(run.first[1], "S2") == 0 && run.line[1] == 3 &&
			strcmp(run.first[2], "S5") == 0 && run.line[2] == 7 &&
			strcmp(run.first[3], "S6") == 0 && run.line[3] == 8 &&
			run.broken.line[0] == 2 && run.broken.bad_line[0] == 2 &&
			run.broken.column[0] == 2 &&
			strcmp(run.broken.text[0], "S1,\"abc\"def,1") == 0 &&
			run.broken.line[1] == 4 && run.broken.column[1] == 2 &&
			strcmp(run.broken.text[1], "S3,x\",3") == 0 &&
			run.broken.line[2] == 5 && run.broken.bad_line[2] == 5 &&
			run.broken.column[2] == 2 &&
			strcmp(run.broken.text[2], "S4,\"two") == 0 &&
			run.broken.line[3] == 6 && run.broken.bad_line[3] == 6 &&
			strcmp(run.broken.text[3], "lines\"z,4") == 0;
		if (!all)
		{
			printf("  chunk %zu: ok %d, %d rows, %d broken\n", chunk, ok,
				   run.nrows, run.broken.n);
			break;
		}
	}
	test_cond("csv stray quotes: broken records handed over whatever the "
			  "chunks, the others read", all);

	test_cond("csv stray quote in CR-only lines: the next record is read",
			  csv_broken_run("a,b\rS1,\"x\"y\rS2,z\r", 4, &run) &&
			  run.nrows == 2 && strcmp(run.first[1], "S2") == 0 &&
			  run.broken.n == 1 &&
			  strcmp(run.broken.text[0], "S1,\"x\"y") == 0);

	/* without a callback, a stray quote stops the reader at its line */
	{
		Rec			rec;
		long		line = 0;
		CsvReader  *r = csvread_create("stops.txt", rec_row, &rec);

		rec_init(&rec);
		test_cond("csv stray quote without a callback: csvread_feed fails",
				  r != NULL && !csvread_feed(r, "a,b\n1,2\n3,x\"\n5,6\n", 18));
		test_cond("csv stray quote without a callback: error at its line",
				  r != NULL && csvread_error(r, &line) != NULL && line == 3 &&
				  rec.nrows == 2);
		csvread_destroy(r);
		rec_free(&rec);
	}
}

/* Rows and broken records of s fed a chunk at a time: equal to want? */
static bool
csv_lines_are(const char *s, size_t chunk, int nrows, const long *row_lines,
			  int nbroken, const long *broken_lines, const char *const *texts)
{
	BrokenRun	run;

	if (!csv_broken_run(s, chunk, &run) || run.nrows != nrows ||
		run.broken.n != nbroken)
		return false;
	for (int i = 0; i < nrows && i < 8; i++)
		if (run.line[i] != row_lines[i])
			return false;
	for (int i = 0; i < nbroken && i < 4; i++)
		if (run.broken.line[i] != broken_lines[i] ||
			run.broken.bad_line[i] != broken_lines[i] ||
			strcmp(run.broken.text[i], texts[i]) != 0)
			return false;
	return true;
}

/* As csv_lines_are for every chunk size from 1 to all of s. */
static bool
csv_lines_all_chunks(const char *s, int nrows, const long *row_lines,
					 int nbroken, const long *broken_lines,
					 const char *const *texts)
{
	for (size_t chunk = 1; chunk <= strlen(s); chunk++)
		if (!csv_lines_are(s, chunk, nrows, row_lines, nbroken, broken_lines,
						   texts))
		{
			printf("  chunk %zu\n", chunk);
			return false;
		}
	return true;
}

static void
test_csv_quote_spans(void)
{
	/* issue 22, class 1: S2 and S3 were in neither a row nor a notice */
	{
		static const long rows[] = {1, 2, 4, 6};
		static const long broken[] = {3, 5};
		static const char *const texts[] = {"S2,\"Two,45,-73", "S4,Fo\"ur,45,-73"};

		test_cond("csv stray opening quote: each swallowed line is a row or a "
				  "broken record, with its line",
				  csv_lines_all_chunks("id,name,lat,lon\nS1,One,45,-73\n"
									   "S2,\"Two,45,-73\nS3,Three,45,-73\n"
									   "S4,Fo\"ur,45,-73\nS5,Five,45,-73\n",
									   4, rows, 2, broken, texts));
		test_cond("csv stray opening quote, CRLF: the same",
				  csv_lines_all_chunks("id,name,lat,lon\r\nS1,One,45,-73\r\n"
									   "S2,\"Two,45,-73\r\nS3,Three,45,-73\r\n"
									   "S4,Fo\"ur,45,-73\r\nS5,Five,45,-73\r\n",
									   4, rows, 2, broken, texts));
	}
	/* a span that closes cleanly with too many fields: one record, which
	 * the caller sets aside whole */
	{
		static const long rows[] = {1, 2, 4};

		test_cond("csv quoted span with too many fields: one record",
				  csv_lines_all_chunks("id,name,lat\nS1,\"One,1\nS2\",Two,2\n"
									   "S3,Three,3\n", 3, rows, 0, NULL, NULL));
	}
	/* a span that closes cleanly with too few fields */
	{
		static const long rows[] = {1, 3, 5};
		static const long broken[] = {2, 4};
		static const char *const texts[] = {"S1,\"One,1", "S3,Three\""};

		test_cond("csv quoted span with too few fields: its lines read alone",
				  csv_lines_all_chunks("id,name,lat\nS1,\"One,1\nS2,Two,2\n"
									   "S3,Three\"\nS4,Four,4\n", 3, rows, 2,
									   broken, texts));
	}
	/* a quoted line break that keeps the width: one record */
	{
		static const long rows[] = {1, 2, 5, 6};
		BrokenRun	run;

		test_cond("csv quoted line breaks that keep the width: one row each",
				  csv_lines_all_chunks("id,desc,lat\nS1,\"a\nb\nc\",1\n"
									   "S2,d,2\nS3,\"e\",3,,\n", 4, rows, 0,
									   NULL, NULL));
		test_cond("csv quoted line break, padded row: one row",
				  csv_broken_run("a,b,c\n1,\"x\ny\",3,\n", 5, &run) &&
				  run.nrows == 2 && run.broken.n == 0);
	}
	/*
	 * a stray opening quote whose span a legitimate quoted line break
	 * ends: the stray quote's line alone is broken, the record with the
	 * line break is one row (a failure of the feed harness, 22022-698)
	 */
	{
		static const long rows[] = {1, 3, 4, 6};
		static const long broken[] = {2};
		static const char *const texts[] = {"S1,\"x,1"};

		test_cond("csv stray opening quote, then a quoted line break: one "
				  "broken line, the record with the line break one row",
				  csv_lines_all_chunks("a,b,c\nS1,\"x,1\nS2,y,2\nS3,\"two\n"
									   "lines\",3\nS4,z,4\n", 4, rows, 1,
									   broken, texts));
		test_cond("csv stray opening quote, then a quoted line break, CRLF: "
				  "the same",
				  csv_lines_all_chunks("a,b,c\r\nS1,\"x,1\r\nS2,y,2\r\n"
									   "S3,\"two\r\nlines\",3\r\nS4,z,4\r\n",
									   4, rows, 1, broken, texts));
	}
	/* an unterminated quote near the top: every line but its own is a row */
	{
		Buf			text;
		BrokenRun	run;
		bool		ok;

		buf_init(&text, 1 << 24);
		buf_puts(&text, "trip_id,stop_sequence,stop_id\nT1,1,\"S1\n");
		for (int i = 2; i < 320; i++)
		{
			char		line[64];

			snprintf(line, sizeof(line), "T1,%d,S%d\n", i, i);
			buf_puts(&text, line);
		}
		ok = csv_broken_run(text.data, 4096, &run);
		test_cond("csv unterminated quote in 320 lines: 319 rows + 1 broken",
				  ok && run.nrows == 319 && run.broken.n == 1 &&
				  run.broken.line[0] == 2 && run.line[1] == 3 &&
				  strcmp(run.broken.text[0], "T1,1,\"S1") == 0);
		/* no final line end */
		text.len--;
		ok = csv_broken_run(text.data, 7, &run);
		test_cond("csv unterminated quote, no final line end: 319 rows + 1 broken",
				  ok && run.nrows == 319 && run.broken.n == 1);
		/* a span held up to CSV_MAX_FIELD, then read a line at a time */
		buf_reset(&text);
		buf_puts(&text, "a,b\n1,\"x\n");
		for (int i = 0; i < 40000; i++)
			buf_puts(&text, "2,yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n");
		buf_puts(&text, "3,\"z\"\n");
		ok = csv_broken_run(text.data, 65536, &run);
		test_cond("csv unterminated quote over CSV_MAX_FIELD bytes: every line "
				  "a row or broken",
				  ok && run.nrows == 40002 && run.broken.n == 1 &&
				  run.broken.line[0] == 2);

		/*
		 * spans read again in time linear in their bytes: a megabyte of
		 * lines each opening a quote that the next line breaks, and a
		 * megabyte of quoted lines each a stray quote read alone
		 */
		buf_reset(&text);
		buf_puts(&text, "a,b\n");
		for (int i = 0; i < 100000; i++)
			buf_puts(&text, "1,\"x\n");
		ok = csv_broken_run(text.data, 65536, &run);
		test_cond("csv 100,000 lines each opening a quote the next breaks: "
				  "each broken, read again at most twice",
				  ok && run.nrows == 1 && run.broken.n == 100000 &&
				  run.replayed > 0 && run.replayed <= 2 * text.len);
		buf_reset(&text);
		buf_puts(&text, "a,b\n1,\"x\n");
		for (int i = 0; i < 200000; i++)
			buf_puts(&text, "\"\"y\"\"\n");
		ok = csv_broken_run(text.data, 65536, &run);
		test_cond("csv a quote open over 200,000 lines each a stray quote "
				  "alone: each broken, read again at most once",
				  ok && run.nrows == 1 && run.broken.n == 200001 &&
				  run.replayed > 0 && run.replayed <= text.len);

		/*
		 * a span whose last line, read again, opens a quoted field over
		 * CSV_MAX_FIELD bytes: that line is read once more, alone
		 */
		buf_reset(&text);
		buf_puts(&text, "a\n\"\n");
		for (int i = 0; i < 2 * (CSV_MAX_FIELD + 500) + 1; i++)
			buf_putc(&text, '"');
		buf_puts(&text, "x\nok\n");
		for (size_t chunk = 65536; chunk != 0; chunk = chunk < text.len ? text.len : 0)
		{
			ok = csv_broken_run(text.data, chunk, &run);
			test_cond("csv a span broken on a line that opens a quoted field "
					  "over CSV_MAX_FIELD: both lines broken",
					  ok && run.nrows == 2 && run.line[1] == 4 &&
					  run.broken.n == 2 && run.broken.line[0] == 2 &&
					  run.broken.line[1] == 3 &&
					  run.replayed <= 2 * text.len);
		}
		buf_free(&text);
	}
}

/*
 * A line over a cap among good lines, fed in chunks of 64 kB, of 4 kB and
 * whole: rows on the lines want_rows says, the broken record on line 3,
 * field column, its text len bytes with dropped more not kept.
 */
static void
test_over_cap_line(const char *what, const char *s, int nrows,
				   const long *want_rows, int column, size_t len,
				   unsigned long long dropped)
{
	static const size_t chunks[] = {65536, 4096, 0};

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
	{
		BrokenRun	run;
		bool		ok = csv_broken_run(s, chunks[c] ? chunks[c] : strlen(s),
										&run);
		char		descr[160];

		ok = ok && run.nrows == nrows && run.broken.n == 1 &&
			run.broken.line[0] == 3 && run.broken.bad_line[0] == 3 &&
			run.broken.column[0] == column && run.broken.len[0] == len &&
			run.broken.dropped[0] == dropped;
		for (int i = 0; ok && i < nrows && i < 8; i++)
			ok = run.line[i] == want_rows[i];
		snprintf(descr, sizeof(descr), "csv %s, fed %zu bytes at a time: "
				 "set aside alone, the other lines rows", what, chunks[c]);
		test_cond(descr, ok);
		if (!ok)
			printf("  %d rows, %d broken (line %ld, column %d, %zu bytes, "
				   "%llu dropped)\n", run.nrows, run.broken.n,
				   run.broken.line[0], run.broken.column[0],
				   run.broken.len[0], run.broken.dropped[0]);
	}
}

/*
 * A record of lines 3 and 4 among good lines on lines 2 and 5, fed in
 * chunks of 64 kB, of 4 kB and whole: nrows rows (the record one of
 * them when nbroken is 0), or nbroken (1) broken record starting on line 3, broken on line 4, its text len bytes
 * with dropped more not kept.
 */
static void
test_span_over_lines(const char *what, const char *s, int nrows, int nbroken,
					 size_t len, unsigned long long dropped)
{
	static const size_t chunks[] = {65536, 4096, 0};

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
	{
		BrokenRun	run;
		bool		ok = csv_broken_run(s, chunks[c] ? chunks[c] : strlen(s),
										&run);
		char		descr[160];

		ok = ok && run.nrows == nrows && run.broken.n == nbroken &&
			run.line[1] == 2 && run.line[nrows - 1] == 5;
		if (ok && nbroken == 0)
			ok = run.line[2] == 3 &&
				strcmp(run.first[2], "2") == 0;
		if (ok && nbroken == 1)
			ok = run.broken.line[0] == 3 && run.broken.bad_line[0] == 4 &&
				strncmp(run.broken.text[0], "2,\"two\nlines\",uuu", 17) == 0 &&
				run.broken.len[0] == len && run.broken.dropped[0] == dropped;
		snprintf(descr, sizeof(descr), "csv %s, fed %zu bytes at a time: "
				 "one record over its lines", what, chunks[c]);
		test_cond(descr, ok);
		if (!ok)
			printf("  %d rows, %d broken (line %ld, %ld, %zu bytes, "
				   "%llu dropped)\n", run.nrows, run.broken.n,
				   run.broken.line[0], run.broken.bad_line[0],
				   run.broken.len[0], run.broken.dropped[0]);
	}
}

/* Appends n bytes c to b; false when over its cap. */
static bool
buf_fill(Buf *b, char c, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	memset(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

/*
 * A line of 40 MB handed over at once, as a caller may: libcsv is given at
 * most a piece of it at a time, so that what it holds is checked against
 * CSV_MAX_FIELD every piece.  It held the whole line, grown 4 kB at a time
 * (under ASan, which copies each reallocation, five minutes of the unit
 * tests).  Measured by the peak RSS of a child, which ASan's quarantine
 * (freed blocks kept resident) makes meaningless.
 */
static void
test_csv_piece_bounded(void)
{
	static const char what[] = "csv a line of 40 MB fed at once: the reader "
		"holds a few MB";
#if defined(__SANITIZE_ADDRESS__)
	skipped++;
	printf("skip - %s: built with AddressSanitizer, whose quarantine keeps "
		   "freed memory resident\n", what);
#else
	pid_t		pid;
	int			status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
	{
		Buf			text;
		BrokenRun	run;
		long		before;
		bool		ok;

		buf_init(&text, 64 << 20);
		ok = buf_puts(&text, "a,b\n1,x\n2,") &&
			buf_fill(&text, 'w', 40 * 1000 * 1000) &&
			buf_puts(&text, "\n3,y\n");
		before = report_peak_rss_kb();
		ok = ok && csv_broken_run(text.data, text.len, &run) &&
			run.nrows == 3 && run.broken.n == 1;
		_exit(ok && report_peak_rss_kb() - before < 16 * 1024 ? 0 : 1);
	}
	test_cond(what, pid > 0 && waitpid(pid, &status, 0) == pid &&
			  WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
}

static void
test_csv_over_cap(void)
{
	static const long rows[] = {1, 2, 4, 5};
	static const long head[] = {1, 2};
	static const long many[] = {1, 2, 4, 5, 6, 7, 8, 9};
	Buf			text;
	size_t		len;
	bool		ok;

	buf_init(&text, 64 << 20);
	/* an unquoted field of 1.1 MB on line 3 */
	ok = buf_puts(&text, "a,b,c\n1,x,y\n2,") &&
		buf_fill(&text, 'x', 1100 * 1000) && buf_puts(&text, ",z");
	len = text.len - 12;
	ok = ok && buf_puts(&text, "\n3,p,q\n4,r,s");
	test_over_cap_line("unquoted field over CSV_MAX_FIELD on line 3",
					   text.data, 4, rows, 2, len, 0);

	/* a quoted field of 2 MB, closed on its line */
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n2,\"") &&
		buf_fill(&text, 'q', 2000 * 1000) && buf_puts(&text, "\",z");
	len = text.len - 12;
	ok = ok && buf_puts(&text, "\r\n3,p,q\r\n4,r,s\r\n");
	test_over_cap_line("quoted field of 2 MB on line 3, CRLF", text.data, 4,
					   rows, 2, len, 0);

	/* more than CSV_MAX_FIELDS fields, then a row over CSV_MAX_ROW */
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n") &&
		buf_fill(&text, ',', CSV_MAX_FIELDS + 5) &&
		buf_puts(&text, "\n3,p,q\n4,r,s\n");
	test_over_cap_line("line of more than CSV_MAX_FIELDS fields", text.data,
					   4, rows, CSV_MAX_FIELDS + 1, CSV_MAX_FIELDS + 5, 0);
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n");
	for (int i = 0; i < 5; i++)
		ok = ok && buf_fill(&text, 'r', 900 * 1000) && buf_putc(&text, ',');
	ok = ok && buf_puts(&text, "\n3,p,q\n4,r,s\n");
	test_over_cap_line("row of 4.5 MB in five fields", text.data, 4, rows, 5,
					   CSV_MAX_ROW, 5 * 900 * 1000 + 5 - CSV_MAX_ROW);

	/* 50 MB without a line end: the record keeps CSV_MAX_ROW bytes */
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n2,") &&
		buf_fill(&text, 'w', 50 * 1000 * 1000);
	test_over_cap_line("50 MB on its last line, no line end", text.data, 2,
					   head, 2, CSV_MAX_ROW,
					   50 * 1000 * 1000 + 2 - CSV_MAX_ROW);

	/* a quoted field over the cap over many lines: each line alone */
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n2,\"open");
	for (int i = 0; i < 12000; i++)
		ok = ok && buf_puts(&text, "\n5,") && buf_fill(&text, 's', 95) &&
			buf_puts(&text, ",t");
	ok = ok && buf_puts(&text, "\n3,p,q\n");
	test_over_cap_line("quoted field over CSV_MAX_FIELD over 12,000 lines",
					   text.data, 12003, many, 2, 7, 0);

	/*
	 * a quoted line break on line 3, line 4 holding 1.8 MB in two fields:
	 * one record, a row (a failure of the feed harness, 22022-1061); with
	 * 4.5 MB in five fields, the record is over CSV_MAX_ROW: one broken
	 * record over both lines
	 */
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n2,\"two\nlines\"");
	for (int i = 0; i < 2; i++)
		ok = ok && buf_putc(&text, ',') && buf_fill(&text, 'u', 900 * 1000);
	ok = ok && buf_puts(&text, "\n3,p,q\n");
	test_span_over_lines("two-line record of 1.8 MB", text.data, 4, 0, 0, 0);
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n2,\"two\nlines\"");
	for (int i = 0; i < 5; i++)
		ok = ok && buf_putc(&text, ',') && buf_fill(&text, 'u', 900 * 1000);
	len = text.len - 12;
	ok = ok && buf_puts(&text, "\n3,p,q\n");
	test_span_over_lines("two-line record of 4.5 MB", text.data, 3, 1,
						 CSV_MAX_ROW, len - CSV_MAX_ROW);

	/* a line of 4.5 MB (2.3 MB of fields) whose last quote stays open */
	buf_reset(&text);
	ok = ok && buf_puts(&text, "a,b,c\n1,x,y\n2");
	for (int i = 0; i < 5; i++)
		ok = ok && buf_puts(&text, ",\"") && buf_fill(&text, '"', 900 * 1000) &&
			buf_putc(&text, '"');
	ok = ok && buf_puts(&text, ",\"open\nclose\",z\n3,p,q\n");
	for (size_t chunk = 65536; chunk != 0; chunk = chunk < text.len ? text.len : 0)
	{
		BrokenRun	run;

		test_cond("csv a line over CSV_MAX_ROW ending inside a quote: set "
				  "aside alone, the next lines read afresh",
				  csv_broken_run(text.data, chunk, &run) && run.nrows == 3 &&
				  run.line[2] == 5 && run.broken.n == 2 &&
				  run.broken.line[0] == 3 && run.broken.len[0] == CSV_MAX_ROW &&
				  run.broken.line[1] == 4);
	}
	test_cond("csv over cap: the test's text built", ok);
	buf_free(&text);
}

/* The fields of the second row and how libcsv says they were written. */
typedef struct
{
	int			nrows;
	int			nfields;
	char		value[4][16];
	char		written[4][16];	/* "-" when not trimmed */
} Trimmed;

static bool
rec_trimmed(void *ctx, const CsvRow *row)
{
	Trimmed    *t = ctx;

	if (t->nrows++ != 1)
		return true;
	t->nfields = row->nfields;
	for (int i = 0; i < row->nfields && i < 4; i++)
	{
		snprintf(t->value[i], sizeof(t->value[i]), "%.*s",
				 (int) row->fields[i].len, row->fields[i].data);
		if (row->written && row->written[i].data)
			snprintf(t->written[i], sizeof(t->written[i]), "%.*s",
					 (int) row->written[i].len, row->written[i].data);
		else
			strcpy(t->written[i], "-");
	}
	return true;
}

/* s fed chunk bytes at a time: its second row is values / written. */
static bool
csv_trimmed_is(const char *s, size_t chunk, int n, const char *const *values,
			   const char *const *written)
{
	Trimmed		t;
	CsvReader  *r = csvread_create("t.txt", rec_trimmed, &t);
	bool		ok = r != NULL;
	size_t		len = strlen(s);

	memset(&t, 0, sizeof(t));
	for (size_t off = 0; ok && off < len; off += chunk)
		ok = csvread_feed(r, s + off, len - off < chunk ? len - off : chunk);
	ok = ok && csvread_finish(r) && t.nfields == n;
	for (int i = 0; ok && i < n; i++)
		ok = strcmp(t.value[i], values[i]) == 0 &&
			strcmp(t.written[i], written[i]) == 0;
	csvread_destroy(r);
	return ok;
}

static void
test_csv_trimmed(void)
{
	static const char *const v1[] = {"x", "", "  q  ", "a b"};
	static const char *const w1[] = {"  x  ", "   ", "-", "-"};
	static const char *const v2[] = {"x", "y", "z", "w"};
	static const char *const w2[] = {"-", "-", "-", "-"};
	static const char *const v3[] = {"a", "b", "c\td", "e"};
	static const char *const w3[] = {"\ta", "b ", "-", "-"};
	static const char *const v4[] = {"x", "p\nq", "1", "w"};
	static const char *const w4[] = {"-", "-", " 1 ", " w"};
	bool		all = true;

	for (size_t chunk = 1; chunk < 40; chunk++)
		all = all &&
			csv_trimmed_is("a,b,c,d\n  x  ,   ,\"  q  \",a b\n", chunk, 4, v1, w1) &&
			csv_trimmed_is("a,b,c,d\r\n\ta,b ,c\td,e", chunk, 4, v3, w3);
	test_cond("csv spaces and tabs libcsv drops: the field as written, "
			  "whatever the chunks", all);
	test_cond("csv no space dropped: no field marked",
			  csv_trimmed_is("a,b,c,d\nx,y,z,w\n", 3, 4, v2, w2));
	test_cond("csv spaces around quotes: not a field's, not marked",
			  csv_trimmed_is("a,b,c,d\nx, \"y\" ,z,w\n", 5, 4, v2, w2));
	all = true;
	for (size_t chunk = 1; chunk < 40; chunk++)
		all = all &&
			csv_trimmed_is("a,b,c,d\nx,\"p\nq\", 1 , w\n", chunk, 4, v4, w4);
	test_cond("csv a record over two lines: its trimmed fields as written",
			  all);
}

/* ----------------------------------------------------------------- source */

#define SRC_CONTENT_SIZE (200 * 1024)
#define SRC_REAL_FEED "../shared/feeds/defective/caltrain-2023.zip"

/* Writes pad bytes of filler, data[0..n), then tail bytes of an HTML page. */
static bool
src_write(const char *path, size_t pad, const char *data, size_t n,
		  size_t tail)
{
	static const char page[] = "<html><body><p>Not Found</p></body></html>\n";
	FILE	   *fp = fopen(path, "wb");
	bool		ok = fp != NULL;

	for (size_t i = 0; ok && i < pad; i++)
		ok = fputc(i == 0 ? 'M' : i == 1 ? 'Z' : (int) (i % 251), fp) != EOF;
	if (ok && n > 0)
		ok = fwrite(data, 1, n, fp) == n;
	for (size_t i = 0; ok && i < tail; i++)
		ok = fputc(page[i % (sizeof(page) - 1)], fp) != EOF;
	if (fp != NULL && fclose(fp) != 0)
		ok = false;
	return ok;
}

/* The whole file at path, malloc'd, its size in *n; NULL on failure. */
static char *
src_slurp(const char *path, size_t *n)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *data = NULL;
	long		len;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) > 0 &&
		fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t) len)) != NULL)
	{
		*n = fread(data, 1, (size_t) len, fp);
		if (*n != (size_t) len)
		{
			free(data);
			data = NULL;
		}
	}
	fclose(fp);
	return data;
}

/* Writes a zip of feed/stops.txt (content) and agency.txt with libzip. */
static bool
src_make_zip(const char *path, const char *content, size_t n)
{
	static const char agency[] = "agency_id,agency_name\nA,Agency\n";
	int			err;
	zip_t	   *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	zip_source_t *zs;
	bool		ok = za != NULL;

	if (ok)
	{
		zs = zip_source_buffer(za, content, n, 0);
		ok = zs != NULL && zip_file_add(za, "feed/stops.txt", zs, 0) >= 0;
		if (zs != NULL && !ok)
			zip_source_free(zs);
	}
	if (ok)
	{
		zs = zip_source_buffer(za, agency, sizeof(agency) - 1, 0);
		ok = zs != NULL && zip_file_add(za, "agency.txt", zs, 0) >= 0;
		if (zs != NULL && !ok)
			zip_source_free(zs);
	}
	if (za != NULL && zip_close(za) != 0)
	{
		zip_discard(za);
		ok = false;
	}
	return ok;
}

/* Whether member name of src reads back as exactly expect[0..n). */
static bool
src_member_is(FeedSource *src, const char *name, const char *expect,
			  size_t n)
{
	int			i = source_find(src, name);
	FeedMember *m = i < 0 ? NULL : source_member_open(src, i);
	char		chunk[SOURCE_READ_CHUNK];
	size_t		off = 0;
	ssize_t		got = 0;
	bool		ok = m != NULL;

	while (ok && (got = source_member_read(m, chunk, sizeof(chunk))) > 0)
	{
		ok = off + (size_t) got <= n &&
			memcmp(chunk, expect + off, (size_t) got) == 0;
		off += (size_t) got;
	}
	ok = ok && got == 0 && off == n;
	if (m != NULL && !source_member_close(m))
		ok = false;
	return ok;
}

/* Opens path: whether it opens, skipping ignored bytes, with stops.txt. */
static bool
src_opens(const char *path, long long ignored, const char *stops, size_t n)
{
	FeedSource *src = source_open(path);
	bool		ok;

	ok = src != NULL && source_ignored_bytes(src) == ignored &&
		source_count(src) == 2 && source_find(src, "agency.txt") >= 0 &&
		src_member_is(src, "stops.txt", stops, n);
	source_close(src);
	return ok;
}

static bool
src_fails(const char *path)
{
	FeedSource *src = source_open(path);

	source_close(src);
	return src == NULL;
}

static void
test_source(void)
{
	char		dir[] = "/tmp/gtfs2pgsql-unit-XXXXXX";
	char		zpath[64],
				path[64];
	char	   *content = malloc(SRC_CONTENT_SIZE);
	char	   *zip = NULL;
	size_t		zn = 0;
	FeedSource *src;

	if (content == NULL || mkdtemp(dir) == NULL)
	{
		test_cond("source tests: temporary directory", false);
		free(content);
		return;
	}
	for (size_t i = 0; i < SRC_CONTENT_SIZE; i++)
		content[i] = i % 61 == 60 ? '\n' : (char) ('a' + (i * 7) % 26);
	snprintf(zpath, sizeof(zpath), "%s/clean.zip", dir);
	snprintf(path, sizeof(path), "%s/feed.zip", dir);
	if (!src_make_zip(zpath, content, SRC_CONTENT_SIZE) ||
		(zip = src_slurp(zpath, &zn)) == NULL)
	{
		test_cond("source tests: a zip written by libzip", false);
		free(content);
		unlink(zpath);
		rmdir(dir);
		return;
	}

	test_cond("source clean zip: opens, 0 bytes ignored, stops.txt exact",
			  src_opens(zpath, 0, content, SRC_CONTENT_SIZE));
	test_cond("source 300 kB of HTML after the zip: opens, 300000 ignored, "
			  "stops.txt exact",
			  src_write(path, 0, zip, zn, 300000) &&
			  src_opens(path, 300000, content, SRC_CONTENT_SIZE));
	test_cond("source 700 bytes of HTML after the zip: opens, 700 ignored",
			  src_write(path, 0, zip, zn, 700) &&
			  src_opens(path, 700, content, SRC_CONTENT_SIZE));
	test_cond("source 5000 bytes before the zip: opens, 5000 ignored",
			  src_write(path, 5000, zip, zn, 0) &&
			  src_opens(path, 5000, content, SRC_CONTENT_SIZE));
	test_cond("source 5000 bytes before and 300 kB after: opens, both ignored",
			  src_write(path, 5000, zip, zn, 300000) &&
			  src_opens(path, 305000, content, SRC_CONTENT_SIZE));

	test_cond("source HTML page, no zip: fails",
			  src_write(path, 0, NULL, 0, 3000) && src_fails(path));
	test_cond("source 10 bytes: fails",
			  src_write(path, 0, NULL, 0, 10) && src_fails(path));
	test_cond("source empty file: fails",
			  src_write(path, 0, NULL, 0, 0) && src_fails(path));
	test_cond("source zip cut in half: fails",
			  src_write(path, 0, zip, zn / 2, 0) && src_fails(path));
	test_cond("source zip cut in half, then 300 kB of HTML: fails",
			  src_write(path, 0, zip, zn / 2, 300000) && src_fails(path));
	test_cond("source zip without its last byte: fails",
			  src_write(path, 0, zip, zn - 1, 0) && src_fails(path));
	test_cond("source 17 MiB after the zip, past the search: fails",
			  src_write(path, 0, zip, zn, 17 << 20) && src_fails(path));
	unlink(path);
	unlink(zpath);

	src = source_open(dir);
	test_cond("source directory: opens, 0 bytes ignored",
			  src != NULL && source_ignored_bytes(src) == 0);
	source_close(src);
	rmdir(dir);
	free(zip);
	free(content);

	/* a real feed served with a web page after it, when at hand */
	if (shared_at_hand("source caltrain-2023.zip", SRC_REAL_FEED))
	{
		src = source_open(SRC_REAL_FEED);
		test_cond("source caltrain-2023.zip: opens, 680 bytes ignored",
				  src != NULL && source_ignored_bytes(src) == 680);
		test_cond("source caltrain-2023.zip: lists stops.txt",
				  src != NULL && source_count(src) == 18 &&
				  source_find(src, "stops.txt") >= 0);
		source_close(src);
	}
}

/* Removes dir/name. */
static void
unlink_in(const char *dir, const char *name)
{
	char		path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Writes n bytes of data to dir/name; false on failure. */
static bool
src_put(const char *dir, const char *name, const char *data, size_t n)
{
	char		path[256];
	FILE	   *fp;
	bool		ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return false;
	ok = fwrite(data, 1, n, fp) == n;
	return fclose(fp) == 0 && ok;
}

/* The SHA-256 of the folder dir as source_sha256 gives it; "" on failure. */
static void
src_hash(const char *dir, char out[65])
{
	FeedSource *src = source_open(dir);

	if (src == NULL || !source_sha256(src, out))
		out[0] = '\0';
	source_close(src);
}

/*
 * Member names that are not UTF-8: escaped as \xHH, with a notice, read by
 * their own bytes; and a folder's hash, which names and contents without
 * their lengths made ambiguous.
 */
static void
test_source_names(void)
{
	char		a[] = "/tmp/gtfs2pgsql-unit-XXXXXX";
	char		b[] = "/tmp/gtfs2pgsql-unit-XXXXXX";
	char	   *e;
	char		ha[65],
				hb[65];
	FeedSource *src;
	SourceNotice sn;
	bool		ok;

	e = source_escape_name("caf\xe9.txt", 8);
	test_cond("source escape: caf\\xE9.txt",
			  e && strcmp(e, "caf\\xE9.txt") == 0);
	free(e);
	e = source_escape_name("caf\xc3\xa9.txt", 9);
	test_cond("source escape: UTF-8 kept",
			  e && strcmp(e, "caf\xc3\xa9.txt") == 0);
	free(e);
	e = source_escape_name("\xc3(\xff", 3);
	test_cond("source escape: a cut sequence and 0xFF",
			  e && strcmp(e, "\\xC3(\\xFF") == 0);
	free(e);

	if (mkdtemp(a) == NULL || mkdtemp(b) == NULL)
	{
		test_cond("source names: temporary directories", false);
		return;
	}
	ok = src_put(a, "caf\xe9.txt", "a,b\n1,2\n", 8);
	src = ok ? source_open(a) : NULL;
	test_cond("source folder with caf\\xE9.txt: known escaped, read raw",
			  src && source_count(src) == 1 &&
			  source_find(src, "caf\\xE9.txt") == 0 &&
			  src_member_is(src, "caf\\xE9.txt", "a,b\n1,2\n", 8));
	test_cond("source folder with caf\\xE9.txt: a file_name_not_utf8 notice",
			  src && source_notice(src, &sn) &&
			  sn.kind == NK_FILE_NAME_NOT_UTF8 &&
			  strcmp(sn.file, "caf\\xE9.txt") == 0 &&
			  !source_notice(src, &sn));
	source_close(src);
	unlink_in(a, "caf\xe9.txt");

	/* b.txt "x" then c.txt "y" hashed as a.txt "xc.txt\0y" once was */
	ok = src_put(a, "b.txt", "x", 1) && src_put(a, "c.txt", "y", 1) &&
		src_put(b, "b.txt", "xc.txt\0y", 8);
	src_hash(a, ha);
	src_hash(b, hb);
	test_cond("source folder hash: a file's end is not the next one's name",
			  ok && ha[0] && hb[0] && strcmp(ha, hb) != 0);
	unlink_in(a, "b.txt");
	unlink_in(a, "c.txt");
	unlink_in(b, "b.txt");
	rmdir(a);
	rmdir(b);
}

/* ---------------------------------------------------------------- report */

/*
 * The table with a long file name, rows set aside, a long step and short
 * ones: every line within 80 columns, the short steps on one line.
 */
static void
test_report_table(void)
{
	Report		r;
	char	   *text = NULL;
	size_t		len = 0;
	FILE	   *out = open_memstream(&text, &len);
	double		now = report_now();
	int			widest = 0,
				lines = 0;

	report_init(&r, "feed.zip");
	test_cond("report: add a file",
			  report_add(&r, "a_file_of_a_very_long_name_not_in_the_"
						 "reference_at_all.txt", 1234567, 89, 123456789ULL,
						 now - 2));
	test_cond("report: add a long step",
			  report_add_step(&r, "stop_times(a_field_of_a_very_long_name_"
							  "abcdefgh\xc3\xa9) reference check",
							  now - 1.5));
	test_cond("report: add short steps",
			  report_add_step(&r, "short one", report_now()) &&
			  report_add_step(&r, "short two", report_now()));
	report_finish(&r);
	r.seconds = 3600.5;
	report_print_table(&r, out);
	fclose(out);
	for (char *line = text; line && *line; lines++)
	{
		char	   *end = strchr(line, '\n');
		int			width = (int) (end ? end - line : (long) strlen(line));

		if (width > widest)
			widest = width;
		line = end ? end + 1 : NULL;
	}
	test_cond("report table: within 80 columns", widest <= 80);
	test_cond("report table: 8 lines (header, file, set aside, step "
			  "header, step, short steps, total, set aside)", lines == 8);
	test_cond("report table: set aside on a line of its own",
			  strstr(text, "\n  set aside                         89\n"));
	test_cond("report table: the long step, cut on a character boundary",
			  strstr(text, "\nstop_times(a_field_of_a_very_long_name_abcdefgh"
					 "      1.50\n"));
	test_cond("report table: the short steps together",
			  strstr(text, "\n(2 steps under 0.05 s) "));
	free(text);
	report_free(&r);
}

/* ------------------------------------------------------ feedname, replace */

/* Whether feedname_from_file(file) is expect. */
static bool
named(const char *file, const char *expect)
{
	char	   *name = feedname_from_file(file);
	bool		same = name && strcmp(name, expect) == 0;

	free(name);
	return same;
}

/* Whether feedname_shown(path) is expect. */
static bool
shown(const char *path, const char *expect)
{
	char	   *name = feedname_shown(path);
	bool		ok = name && strcmp(name, expect) == 0;

	free(name);
	return ok;
}

static void
test_feed_names(void)
{
	char	   *plain = feedname_plain("Metro-North 2026", 16);

	test_cond("feedname: a file's name less .zip, plain",
			  named("bart-2018.zip", "bart_2018"));
	test_cond("feedname: .ZIP of any case goes, upper case lowered",
			  named("South.Line-2026.ZIP", "south_line_2026"));
	test_cond("feedname: a folder's name as it is, made plain",
			  named("sample", "sample"));
	test_cond("feedname: a leading digit gets feed_", named("3rd.zip",
															"feed_3rd"));
	test_cond("feedname: bytes past ASCII are one _ each",
			  named("z\xc3\xbcrich.zip", "z__rich"));
	test_cond("feedname: a name that is only .zip stays", named(".zip",
																 "_zip"));
	test_cond("feedname: a reserved keyword gets feed_, as a digit does",
			  named("User.zip", "feed_user") && named("all", "feed_all") &&
			  named("full.zip", "feed_full") &&
			  named("with.zip", "feed_with"));
	test_cond("feedname: other keywords and near misses stay",
			  named("time.zip", "time") && named("users.zip", "users") &&
			  named("gtfs.zip", "gtfs"));
	test_cond("feedname: a name mostly of characters lost is vague",
			  feedname_vague("\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2"
							 "\xd0\xb0-2024.zip") &&
			  feedname_vague("---.zip") && feedname_vague("+.ZIP") &&
			  feedname_vague("\xe6\x9d\xb1\xe4\xba\xac"));
	test_cond("feedname: a name that keeps most of it is not vague",
			  !feedname_vague("z\xc3\xbcrich.zip") &&
			  !feedname_vague("a-b.zip") && !feedname_vague("2024.zip") &&
			  !feedname_vague("S\xc3\xa3o Paulo") &&
			  !feedname_vague("__x__.zip") && !feedname_vague(".zip"));
	test_cond("feedname: the feed id of --feed-id made a schema",
			  plain && strcmp(plain, "metro_north_2026") == 0);
	free(plain);
	test_cond("feedname: shown, the path's last part",
			  shown("/data/feeds/bart.zip", "bart.zip"));
	test_cond("feedname: shown, a folder's trailing slashes gone",
			  shown("feeds/sample//", "sample"));
	test_cond("feedname: shown, / and a bare name stay",
			  shown("/", "/") && shown("sample", "sample"));
	test_cond("feedname: shown, bytes not UTF-8 as \\xHH",
			  shown("a/z\xfcrich.zip", "z\\xFCrich.zip"));
	test_cond("feedname: a plain id and schema pass",
			  feedname_check("bart_2018", "bart_2018") &&
			  feedname_check(NULL, "gtfs"));
	test_cond("feedname: empty, pg_, gtfs2pgsql*, 64 bytes refused",
			  !feedname_check("", "a") && !feedname_check("a", "") &&
			  !feedname_check("a", "pg_x") &&
			  !feedname_check("a", "gtfs2pgsql_data_1") &&
			  !feedname_check("a", "s234567890123456789012345678901234567890"
							  "123456789012345678901234"));
	test_cond("feedname: a name not UTF-8 refused",
			  !feedname_check("z\xfc", "a") && !feedname_check("a", "z\xfc"));
}

/* A replaced feed of files f[0], rows r[0], ... (n of them) into old. */
static void
old_feed(Report *r, const char *const *files, const long *rows, int n)
{
	report_add_replaced(r, "f", "f", "f.zip", "2026-12-07 10:00:00+00");
	for (int i = 0; i < n; i++)
		report_add_replaced_file(r, files[i], rows[i]);
}

/* The feed's files into r, as the load records them. */
static void
new_feed(Report *r, const char *const *files, const long *rows, int n)
{
	for (int i = 0; i < n; i++)
		report_add(r, files[i], rows[i], 0, 0, report_now());
}

/* Whether replacing old by new is refused, its reasons into why. */
static bool
shrinks(const char *const *old_files, const long *old_rows, int nold,
		const char *const *new_files, const long *new_rows, int nnew,
		char *why, size_t whysize)
{
	Report		r;
	bool		refused;

	report_init(&r, "feed.zip");
	old_feed(&r, old_files, old_rows, nold);
	new_feed(&r, new_files, new_rows, nnew);
	refused = replace_shrinks(&r.replaced[0], &r, why, whysize);
	report_free(&r);
	return refused;
}

static void
test_replace_guard(void)
{
	static const char *const all[] = {
		"agency.txt", "stops.txt", "routes.txt", "calendar.txt",
		"trips.txt", "stop_times.txt", "shapes.txt"
	};
	static const long full[] = {1, 50, 6, 3, 1000, 20000, 500};
	static const char *const dates[] = {
		"agency.txt", "stops.txt", "routes.txt", "calendar_dates.txt",
		"trips.txt", "stop_times.txt"
	};
	long		rows[7];
	char		why[512];

	test_cond("replace: the same feed again is no shrink",
			  !shrinks(all, full, 7, all, full, 7, why, sizeof(why)) &&
			  why[0] == '\0');
	test_cond("replace: a feed that lost shapes.txt is no shrink",
			  !shrinks(all, full, 7, all, full, 6, why, sizeof(why)));
	test_cond("replace: stop_times.txt gone is",
			  shrinks(all, full, 7, all, full, 5, why, sizeof(why)) &&
			  strcmp(why, "stop_times.txt has no rows (it had 20000)") == 0);
	memcpy(rows, full, sizeof(rows));
	rows[1] = 0;
	test_cond("replace: stops.txt of a header alone is lost",
			  shrinks(all, full, 7, all, rows, 7, why, sizeof(why)) &&
			  strstr(why, "stops.txt has no rows (it had 50)"));
	memcpy(rows, full, sizeof(rows));
	rows[5] = 9999;
	test_cond("replace: less than half of stop_times",
			  shrinks(all, full, 7, all, rows, 7, why, sizeof(why)) &&
			  strcmp(why, "stop_times.txt has 9999 rows, less than half "
					 "of its 20000") == 0);
	rows[5] = 10000;
	test_cond("replace: half of stop_times exactly is not less",
			  !shrinks(all, full, 7, all, rows, 7, why, sizeof(why)));
	rows[4] = 499;
	test_cond("replace: less than half of trips",
			  shrinks(all, full, 7, all, rows, 7, why, sizeof(why)) &&
			  strstr(why, "trips.txt has 499 rows"));
	test_cond("replace: calendar.txt for calendar_dates.txt is no loss",
			  !shrinks(all, full, 7, dates, full, 6, why, sizeof(why)));
	test_cond("replace: losing both calendar files is",
			  shrinks(all, full, 7, all, full, 3, why, sizeof(why)) &&
			  strstr(why, "calendar.txt and calendar_dates.txt have no "
					 "rows") && strstr(why, "trips.txt has no rows") &&
			  strstr(why, "; "));
	test_cond("replace: a file the old feed lacked is not asked for",
			  !shrinks(all + 1, full + 1, 6, all + 1, full + 1, 6, why,
					   sizeof(why)));
	memcpy(rows, full, sizeof(rows));
	rows[0] = 0;
	test_cond("replace: a file the old feed had empty may stay empty",
			  !shrinks(all, rows, 7, all, rows, 7, why, sizeof(why)));
	test_cond("replace: the reasons cut to the room given, still refused",
			  shrinks(all, full, 7, all, full, 2, why, 8) &&
			  strlen(why) == 7);
}

/* ----------------------------------------------------------------- notice */

/*
 * Every code the reading gives is known to validator.h, whose description
 * the reports show; no code is there twice; the descriptions are JSON.
 */
static void
test_notice_codes_described(void)
{
	bool		all = true;
	Buf			json;

	for (int k = 0; k < NK_COUNT; k++)
		if (validator_find(notice_code((NoticeKind) k)) == NULL)
		{
			all = false;
			printf("  %s: no description\n", notice_code((NoticeKind) k));
		}
	test_cond("every code of notice.c has a description", all);
	for (int i = 0; i < validator_ncodes; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(validator_codes[i].code, validator_codes[j].code) == 0)
				all = false;
	test_cond("no code of the validator is there twice", all);
	test_cond("a code of ours is found", validator_find("zip_trailing_bytes") &&
			  validator_find("zip_trailing_bytes")->severity ==
			  VALIDATOR_WARNING);
	test_cond("a code found is the validator's",
			  validator_find("expired_calendar") &&
			  validator_find("expired_calendar")->severity ==
			  VALIDATOR_WARNING);
	test_cond("no code is no code", validator_find("no_such_code") == NULL);
	buf_init(&json, 1024 * 1024);
	test_cond("the descriptions make a JSON object",
			  validator_descriptions_json(&json) && json.data[0] == '{' &&
			  json.data[json.len - 1] == '}' &&
			  strstr(json.data, "\"duplicate_key\": \"Duplicated entity\"")
			  != NULL);
	buf_free(&json);
}

/* The table: every kind complete, every rule within bounds and used. */
static void
test_notice_table(void)
{
	bool		used[ACTION_COUNT] = {false};
	bool		allowed[ACTION_COUNT] = {false};

	for (int k = 0; k < NK_COUNT; k++)
	{
		const char *name = notice_kind_name((NoticeKind) k);
		const char *code = notice_code((NoticeKind) k);
		bool		complete = name != NULL && name[0] != '\0' &&
			code != NULL && code[0] != '\0' &&
			notice_severity((NoticeKind) k) <= NOTICE_INFO &&
			notice_scope((NoticeKind) k) <= SCOPE_FEED;
		bool		bounded = true;
		bool		unique = true;

		test_cond("every kind has its line: name, code, severity, scope",
				  complete);
		if (!complete)
		{
			printf("  kind %d (after %s)\n", k,
				   k > 0 ? notice_kind_name((NoticeKind) (k - 1)) : "none");
			continue;
		}
		for (int c = 0; c < NC_COUNT; c++)
		{
			NoticeAction a = notice_rule((NoticeKind) k, (NoticeContext) c);

			bounded = bounded && a < ACTION_COUNT &&
				notice_allows((NoticeKind) k, a);
			if (a < ACTION_COUNT)
				used[a] = true;
		}
		test_cond("each rule of a kind is one the load can carry out",
				  bounded);
		for (int a = 0; a < ACTION_COUNT; a++)
			allowed[a] = allowed[a] || notice_allows((NoticeKind) k,
													 (NoticeAction) a);
		for (int j = 0; j < k; j++)
			unique = unique && strcmp(name, notice_kind_name((NoticeKind) j));
		test_cond("kind names are unique", unique);
		if (!bounded || !unique)
			printf("  kind %s\n", name);
	}
	for (int a = 0; a < ACTION_COUNT; a++)
	{
		test_cond("every action has its name in import_notices",
				  notice_action_name((NoticeAction) a) != NULL);
		/* refusing is no kind's rule today: the test build sets it */
		test_cond("every action but refusing is the rule of some kind",
				  used[a] || a == ACTION_FEED_REFUSED);
		test_cond("every action can be carried out for some kind "
				  "(reachable: the test build may set it)", allowed[a]);
		if (!used[a] && a != ACTION_FEED_REFUSED)
			printf("  action %d (%s) is no kind's rule\n", a,
				   notice_action_name((NoticeAction) a));
	}
	/* the rule depends on the context where the table says so */
	test_cond("an invalid date nulls an optional field's value",
			  notice_rule(NK_INVALID_DATE, NC_OPTIONAL) ==
			  ACTION_VALUE_NULLED);
	test_cond("an invalid date sets aside the row of a key's value",
			  notice_rule(NK_INVALID_DATE, NC_KEY_PART) ==
			  ACTION_ROW_SET_ASIDE);
	test_cond("a missing one-field key sets the row aside",
			  notice_rule(NK_MISSING_REQUIRED_FIELD, NC_KEY) ==
			  ACTION_ROW_SET_ASIDE);
	test_cond("a missing required value is kept as NULL",
			  notice_rule(NK_MISSING_REQUIRED_FIELD, NC_REQUIRED) ==
			  ACTION_KEPT);
	test_cond("a column name not UTF-8 is kept, renamed",
			  notice_rule(NK_INVALID_UTF8_COLUMN_NAME, NC_OPTIONAL) ==
			  ACTION_KEPT);
	test_cond("an unreadable file is skipped",
			  notice_rule(NK_UNREADABLE_FILE, NC_OPTIONAL) ==
			  ACTION_FILE_SKIPPED);
	test_cond("stops.stop_id is stops' one-field key",
			  notice_field_context(catalog_find_file("stops.txt"), 0) ==
			  NC_KEY);
	test_cond("stops.parent_station is a reference",
			  notice_field_context(catalog_find_file("stops.txt"),
								   catalog_find_field(catalog_find_file("stops.txt"),
													  "parent_station")) ==
			  NC_REFERENCE);
	test_cond("routes.route_type is required",
			  notice_field_context(catalog_find_file("routes.txt"),
								   catalog_find_field(catalog_find_file("routes.txt"),
													  "route_type")) ==
			  NC_REQUIRED);
	test_cond("calendar_dates.date is part of a key",
			  notice_field_context(catalog_find_file("calendar_dates.txt"),
								   catalog_find_field(catalog_find_file("calendar_dates.txt"),
													  "date")) ==
			  NC_KEY_PART);
}

/* ------------------------------------------------------------- row path */

/* notice_drain's sink for the tests: into a Buf. */
static bool
drain_to_buf(void *ctx, const char *data, size_t len)
{
	return buf_append(ctx, data, len);
}

/* The notices recorded since the last call, as COPY text rows. */
static void
drain(Notices *nt, Buf *out)
{
	bool		any;

	buf_reset(out);
	if (!notice_drain(nt, drain_to_buf, out, &any))
		printf("FAIL notice_drain\n");
}

/* Whether the notices' COPY rows have one with code, action and column. */
static bool
has_notice(const Buf *rows, const char *code, const char *action,
		   const char *column)
{
	char		want[256];

	snprintf(want, sizeof(want), "\t%s\t%s\t", column ? column : "\\N",
			 code);
	for (const char *p = rows->data; p && (p = strstr(p, want)) != NULL; p++)
	{
		const char *eol = strchr(p, '\n');
		char		act[64];

		snprintf(act, sizeof(act), "\t%s\t", action);
		if (eol && memmem(p, (size_t) (eol - p), act, strlen(act)))
			return true;
	}
	return false;
}

/* A row of n fields from values (NULL-terminated not needed: n given). */
static CsvRow
make_row(CsvField *fields, const char *const *values, int n, long line)
{
	for (int i = 0; i < n; i++)
	{
		fields[i].data = values[i];
		fields[i].len = strlen(values[i]);
	}
	return (CsvRow) {.fields = fields, .nfields = n, .line = line};
}

/* One row through row_convert into a fresh text COPY buffer. */
static bool
convert_row(FileLoad *fl, const char *const *values, int n, long line,
			bool *built)
{
	CsvField	fields[16];
	CsvRow		row = make_row(fields, values, n, line);

	buf_reset(&fl->copy.buf);
	copy_row_begin(&fl->copy);
	buf_truncate(&fl->copy.buf, 0);
	return row_convert(fl, &row, built);
}

static void
test_row_path(void)
{
	LoadOptions opt = {.geom = NULL};
	uint64_t	unkeyed[64] = {0};
	LoadRun		run = {.opt = &opt, .unkeyed = unkeyed};
	FileLoad	fl;
	Buf			rows;
	CsvField	hf[8];
	const char *const header[] = {
		" stop_id ", "stop_name", "stop_lat", "my_note", "", "caf\xE9",
		"stop_name"
	};
	CsvRow		head = make_row(hf, header, 7, 1);
	bool		built;

	run.notices = notice_create(false, 100);
	buf_init(&rows, 1 << 24);	/* a record of 3 MB */
	memset(&fl, 0, sizeof(fl));
	fl.run = &run;
	fl.member = "stops.txt";
	fl.table = "stops";
	fl.cat = catalog_find_file("stops.txt");
	buf_init(&fl.extra, COPY_MAX_SIZE);
	buf_init(&fl.copy.buf, COPY_MAX_SIZE);

	/* the header */
	test_cond("header: mapped", header_map(&fl, &head) && !fl.skipped);
	header_point_columns(&fl);
	test_cond("header: names trimmed, renamed after their place",
			  fl.ncols == 7 && strcmp(fl.names[0], "stop_id") == 0 &&
			  strcmp(fl.names[4], "column_5") == 0 &&
			  strcmp(fl.names[5], "column_6") == 0 &&
			  strcmp(fl.names[6], "stop_name_7") == 0);
	test_cond("header: fields of the reference, the others extra",
			  fl.field[0] == 0 && fl.field[2] ==
			  catalog_find_field(fl.cat, "stop_lat") &&
			  fl.field[3] == COL_EXTRA && fl.field[5] == COL_EXTRA &&
			  fl.single_key == 0 && fl.lat_col == -1);
	for (int i = 0; i < fl.ncols; i++)
		fl.nextra += fl.field[i] == COL_EXTRA;
	drain(run.notices, &rows);
	test_cond("header: unknown column, kept",
			  has_notice(&rows, "unknown_column", "kept", "my_note"));
	test_cond("header: empty name, kept",
			  has_notice(&rows, "empty_column_name", "kept", NULL));
	test_cond("header: a name not UTF-8 is kept (in extra), and says so",
			  has_notice(&rows, "invalid_utf8", "kept", NULL) &&
			  !strstr(rows.data, "value_nulled"));
	test_cond("header: a repeated name, kept",
			  has_notice(&rows, "duplicated_column", "kept", "stop_name"));

	/* typed values, extra as JSON, the line */
	{
		const char *const v[] = {"S1", "Gare", " 45.5 ", "a \"note\"", "",
		"x", "dup"};

		test_cond("row: converted", convert_row(&fl, v, 7, 2, &built) &&
				  built);
		test_cond("row: typed COPY text, extra as JSON, line",
				  buf_is(&fl.copy.buf, "S1\tGare\t45.5\t{\"my_note\":"
						 "\"a \\\\\"note\\\\\"\",\"column_6\":\"x\","
						 "\"stop_name_7\":\"dup\"}\t2"));
	}
	/* a value that cannot be stored: NULL, with its notice */
	{
		const char *const v[] = {"S2", "Gare", "4x.5", "", "", "", ""};

		test_cond("row: bad latitude nulled, row kept",
				  convert_row(&fl, v, 7, 3, &built) && built &&
				  buf_is(&fl.copy.buf, "S2\tGare\t\\N\t\\N\t3"));
		notice_row_keep(run.notices);
		drain(run.notices, &rows);
		test_cond("row: its notice says value_nulled",
				  has_notice(&rows, "invalid_float", "value_nulled",
							 "stop_lat"));
	}
	/* a key that cannot be stored: the row is set aside */
	{
		const char *const v[] = {"S\xFF", "Gare", "45", "", "", "", ""};

		test_cond("row: bad key, not built",
				  convert_row(&fl, v, 7, 4, &built) && !built &&
				  fl.copy.buf.len == 0);
		drain(run.notices, &rows);
		test_cond("row: its notice sets the row aside, with its record",
				  has_notice(&rows, "invalid_utf8", "row_set_aside",
							 "stop_id") && strstr(rows.data, "Gare") &&
				  notice_set_aside(run.notices, "stops.txt") == 1);
	}
	/* an empty one-field key: set aside; a bad extra: left out */
	{
		const char *const v[] = {"", "Gare", "45", "", "", "", ""};
		const char *const w[] = {"S3", "Gare", "45", "bad\xC3", "", "", ""};

		test_cond("row: empty key set aside",
				  convert_row(&fl, v, 7, 5, &built) && !built);
		drain(run.notices, &rows);
		test_cond("row: missing_required_field, row_set_aside",
				  has_notice(&rows, "missing_required_field",
							 "row_set_aside", "stop_id"));
		test_cond("row: extra not UTF-8 left out",
				  convert_row(&fl, w, 7, 6, &built) && built &&
				  buf_is(&fl.copy.buf, "S3\tGare\t45\t\\N\t6"));
		notice_row_keep(run.notices);
		drain(run.notices, &rows);
		test_cond("row: its notice says value_nulled",
				  has_notice(&rows, "invalid_utf8", "value_nulled",
							 "my_note"));
	}
	/* wider than the header: set aside; narrower: read as empty */
	{
		const char *const v[] = {"S4", "Gare", "45", "", "", "", "", "x"};
		const char *const w[] = {"S5", "Gare"};

		test_cond("row: a value past the header sets the row aside",
				  convert_row(&fl, v, 8, 7, &built) && !built);
		drain(run.notices, &rows);
		test_cond("row: invalid_row_length, row_set_aside",
				  has_notice(&rows, "invalid_row_length", "row_set_aside",
							 NULL));
		test_cond("row: a short row is read with empty fields",
				  convert_row(&fl, w, 2, 8, &built) && built &&
				  buf_is(&fl.copy.buf, "S5\tGare\t\\N\t\\N\t8"));
	}
	/* extra columns escaped sixfold (\u0001) past ROW_MAX_BYTES */
	{
		char	   *mb = malloc(1000001);
		const char *v[] = {"S6", "Gare", "45", NULL, NULL, NULL, ""};

		memset(mb, '\x01', 1000000);
		mb[1000000] = '\0';
		v[3] = v[4] = v[5] = mb;
		test_cond("row: three 1 MB fields of \\x01 in extra set aside",
				  convert_row(&fl, v, 7, 9, &built) && !built &&
				  fl.copy.buf.len == 0);
		drain(run.notices, &rows);
		test_cond("row: row_too_large, row_set_aside, the last column's",
				  has_notice(&rows, "row_too_large", "row_set_aside",
							 "column_6"));
		v[5] = "";
		test_cond("row: two of them (14 MB in a text COPY) loaded",
				  convert_row(&fl, v, 7, 10, &built) && built &&
				  fl.copy.buf.len > 14000000 &&
				  fl.copy.buf.len <= ROW_MAX_BYTES);
		notice_row_keep(run.notices);
		free(mb);
	}
	for (int i = 0; i < fl.ncols; i++)
		free(fl.names[i]);
	free(fl.names);
	free(fl.field);
	buf_free(&fl.extra);
	buf_free(&fl.copy.buf);
	buf_free(&rows);
	notice_destroy(run.notices);
}

/* The names header maps a header of n names to, joined by commas. */
static const char *
mapped_names(const char *member, const char *const *names, int n,
			 char *out, size_t outsize)
{
	LoadOptions opt = {.geom = NULL};
	LoadRun		run = {.opt = &opt};
	FileLoad	fl;
	CsvField	hf[8];
	CsvRow		head = make_row(hf, names, n, 1);
	size_t		used = 0;

	run.notices = notice_create(false, 100);
	memset(&fl, 0, sizeof(fl));
	fl.run = &run;
	fl.member = member;
	fl.cat = catalog_find_file(member);
	out[0] = '\0';
	if (header_map(&fl, &head))
		for (int i = 0; i < fl.ncols; i++)
			used += (size_t) snprintf(out + used, outsize - used, "%s%s",
									  i ? "," : "", fl.names[i]);
	for (int i = 0; i < fl.ncols; i++)
		free(fl.names[i]);
	free(fl.names);
	free(fl.field);
	notice_destroy(run.notices);
	return out;
}

/* "x" then n e-acutes (two bytes each), in a static buffer per call site */
#define E_ACUTE "\xC3\xA9"
#define E5	E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
#define E20 E5 E5 E5 E5
#define E24 E20 E_ACUTE E_ACUTE E_ACUTE E_ACUTE
#define E40 E20 E20

/*
 * A column renamed takes no name of another column, earlier or later,
 * renamed or not, nor one of the table's (issue 22, class 2); a name cut
 * to be kept (too long, or repeated) is cut on a character boundary, so
 * that the name stays UTF-8.
 */
static void
test_renamed_names(void)
{
	static const struct
	{
		const char *what;
		const char *member;
		const char *names[5];
		int			n;
		const char *want;
	}			cases[] = {
		{"an empty 2nd column beside column_2", "notes.txt",
		{"column_2", ""}, 2, "column_2,column_2_2"},
		{"a later column's name is its own", "stops.txt",
			{"stop_id", "", "column_2", "stop_id", "stop_id_4"}, 5,
		"stop_id,column_2_2,column_2,stop_id_4_2,stop_id_4"},
		{"reserved, then numbered on until free", "notes.txt",
			{"ctid", "ctid_1", "", "column_3_2", "column_3"}, 5,
		"ctid_1_2,ctid_1,column_3_3,column_3_2,column_3"},
		{"empty names beside the names they would take", "stops.txt",
			{"", "", "column_1", "column_2_2", "column_2"}, 5,
		"column_1_2,column_2_3,column_1,column_2_2,column_2"},
		/* 81 bytes, cut to 50 (LONG_NAME_KEPT): byte 50 is inside an e */
		{"a long name cut before a character, not inside", "notes.txt",
		{"a" E40}, 1, "a" E24 "_1"},
		/* 51 bytes repeated, cut to 40: byte 40 is inside an e */
		{"a repeated name cut before a character, not inside", "notes.txt",
			{"x" E20 E5, "x" E20 E5}, 2,
		"x" E20 E5 ",x" E5 E5 E5 E_ACUTE E_ACUTE E_ACUTE E_ACUTE "_2"},
	};
	char		got[512];

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		char		what[128];

		snprintf(what, sizeof(what), "renamed: %s", cases[k].what);
		mapped_names(cases[k].member, cases[k].names, cases[k].n, got,
					 sizeof(got));
		test_cond(what, strcmp(got, cases[k].want) == 0 &&
				  conv_utf8_valid(got, strlen(got)));
		if (strcmp(got, cases[k].want) != 0)
			printf("  got %s\n  not %s\n", got, cases[k].want);
	}
}

/* The point's EWKB, hex, from geom_point into a fresh buffer of cap max. */
static bool
point_hex(Geom *g, double lon, double lat, size_t max, char *out, size_t outsize)
{
	Buf			b;
	bool		ok;

	buf_init(&b, max);
	ok = geom_point(g, lon, lat, &b, false);
	snprintf(out, outsize, "%s", ok && b.data ? b.data : "");
	buf_free(&b);
	return ok;
}

/* X and Y of the point, read back from its binary EWKB. */
static bool
point_xy(Geom *g, double lon, double lat, double *x, double *y)
{
	Buf			b;
	bool		ok;

	buf_init(&b, 1024);
	ok = geom_point(g, lon, lat, &b, true) && b.len == 25;
	if (ok)
	{
		memcpy(x, b.data + 9, sizeof(double));
		memcpy(y, b.data + 17, sizeof(double));
	}
	buf_free(&b);
	return ok;
}

/*
 * geom.c: EWKB as PostGIS reads it (little endian, point type with the SRID
 * flag, SRID, X, Y), the reprojection, the SRIDs refused, and the points
 * PROJ cannot transform (point_not_transformed).
 */
static void
test_geom(void)
{
	static const struct
	{
		double		lon,
					lat;
		const char *hex;
	}			wgs84[] = {
		{0, 0, "0101000020E6100000" "0000000000000000" "0000000000000000"},
		{1.5, -2, "0101000020E6100000" "000000000000F83F" "00000000000000C0"},
		{-73.5, 45.5, "0101000020E6100000" "00000000006052C0" "0000000000C04640"},
	};
	static const struct
	{
		int			srid;
		double		lon,
					lat,
					x,
					y;				/* expected, to a millimetre */
	}			projected[] = {
		{3857, 0, 0, 0, 0},
		{3857, 180, 0, 20037508.342789244, 0},
		{2154, 3, 46.5, 700000, 6600000},	/* Lambert-93's origin */
		{32618, -75, 0, 500000, 0},		/* UTM 18N's central meridian */
	};
	/* geocentric, vertical, geographic 3D, none */
	static const int refused[] = {4978, 5714, 4979, 999999, 0};
	char		hex[128],
				what[128];
	Geom	   *g = geom_create(4326);

	test_cond("geom 4326: made, no transformation", g != NULL &&
			  geom_srid(g) == 4326);
	for (size_t k = 0; g && k < sizeof(wgs84) / sizeof(wgs84[0]); k++)
	{
		snprintf(what, sizeof(what), "geom 4326 (%g %g): hex EWKB",
				 wgs84[k].lon, wgs84[k].lat);
		test_cond(what, point_hex(g, wgs84[k].lon, wgs84[k].lat, 1024, hex,
								  sizeof(hex)) && strcmp(hex, wgs84[k].hex) == 0);
	}
	test_cond("geom: a buffer at its cap takes no point",
			  g && !point_hex(g, 1, 2, 49, hex, sizeof(hex)));
	geom_destroy(g);

	for (size_t k = 0; k < sizeof(projected) / sizeof(projected[0]); k++)
	{
		double		x = NAN,
					y = NAN;

		g = geom_create(projected[k].srid);
		snprintf(what, sizeof(what), "geom %d (%g %g): (%.3f %.3f)",
				 projected[k].srid, projected[k].lon, projected[k].lat,
				 projected[k].x, projected[k].y);
		test_cond(what, g != NULL && geom_srid(g) == projected[k].srid &&
				  point_xy(g, projected[k].lon, projected[k].lat, &x, &y) &&
				  fabs(x - projected[k].x) < 1e-3 &&
				  fabs(y - projected[k].y) < 1e-3);
		if (g && projected[k].srid == 2154)
		{
			char		srid_hex[16];

			/* the SRID in the EWKB: 2154 = 0x086A, little endian */
			point_hex(g, 3, 46.5, 1024, hex, sizeof(hex));
			snprintf(srid_hex, sizeof(srid_hex), "%.8s", hex + 10);
			test_cond("geom 2154: the SRID in the EWKB",
					  strcmp(srid_hex, "6A080000") == 0);
			/* the south pole has no place in Lambert-93 */
			test_cond("geom 2154: a point PROJ cannot transform is refused",
					  !point_hex(g, 3, -90, 1024, hex, sizeof(hex)));
		}
		geom_destroy(g);
	}
	for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
	{
		snprintf(what, sizeof(what), "geom: SRID %d refused", refused[k]);
		g = geom_create(refused[k]);
		test_cond(what, g == NULL);
		geom_destroy(g);
	}
	geom_destroy(NULL);
}

/* ------------------------------------------------- COPY text to CSV, text */

/*
 * Rows of COPY's text format as the server sends them (tabs between
 * fields, backslash escapes, \N for NULL, a line end) and the CSV records
 * pgsql2gtfs writes for them; raw: as_csv false (locations.geojson's
 * lines, written as they are).
 */
static const struct
{
	const char *descr;
	const char *copy;
	const char *csv;
	bool		raw;
}			copycsv_cases[] = {
	{"plain fields", "a\tb\tc\n", "a,b,c\n", false},
	{"no line end", "a\tb", "a,b\n", false},
	{"NULL is an empty field", "a\t\\N\tc\n", "a,,c\n", false},
	{"empty string is an empty field", "a\t\tc\n", "a,,c\n", false},
	{"NULL alone", "\\N\n", "\n", false},
	{"one empty field", "\n", "\n", false},
	{"NULL first and last", "\\N\tx\t\\N\n", ",x,\n", false},
	{"\\N inside a value is text", "a\\\\N\n", "a\\N\n", false},
	{"comma: quoted", "a,b\tc\n", "\"a,b\",c\n", false},
	{"quote: quoted, doubled", "say \"hi\"\tc\n", "\"say \"\"hi\"\"\",c\n", false},
	{"line feed (\\n): quoted", "one\\ntwo\tc\n", "\"one\ntwo\",c\n", false},
	{"carriage return (\\r): quoted", "one\\r\\ntwo\n", "\"one\r\ntwo\"\n", false},
	{"tab inside (\\t): as it is", "a\\tb\n", "a\tb\n", false},
	{"tab first: quoted", "\\tab\n", "\"\tab\"\n", false},
	{"tab last: quoted", "ab\\t\n", "\"ab\t\"\n", false},
	{"space first: quoted", " ab\tc\n", "\" ab\",c\n", false},
	{"space last: quoted", "ab \tc\n", "\"ab \",c\n", false},
	{"space inside: as it is", "a b\n", "a b\n", false},
	{"backslash (\\\\)", "C:\\\\dir\n", "C:\\dir\n", false},
	{"backspace, form feed, vertical tab", "\\b\\f\\v\n", "\b\f\v\n", false},
	{"UTF-8 as it is", "Montr\xc3\xa9" "al\n", "Montr\xc3\xa9" "al\n", false},
	{"raw: escapes undone, no quotes", "{\"a\":\"b,c\"}\n",
	"{\"a\":\"b,c\"}\n", true},
	{"raw: tabs become commas", "x\\ty\tz\n", "x\ty,z\n", true},
};

static void
test_copycsv(void)
{
	for (size_t i = 0; i < sizeof(copycsv_cases) / sizeof(copycsv_cases[0]);
		 i++)
	{
		Buf			out;
		const char *row = copycsv_cases[i].copy;

		buf_init(&out, 1024);
		test_cond(copycsv_cases[i].descr,
				  copycsv_record(&out, row, strlen(row),
								 !copycsv_cases[i].raw) &&
				  buf_is(&out, copycsv_cases[i].csv));
		buf_free(&out);
	}
	{
		Buf			out;

		buf_init(&out, 4);
		test_cond("copycsv: a full buffer fails",
				  !copycsv_record(&out, "abcdef\n", 7, true));
		buf_free(&out);
	}
}

static void
test_textfmt(void)
{
	static const struct
	{
		const char *in;
		size_t		len;
		const char *csv;
		const char *json;
	}			cases[] = {
		{"plain", 5, "plain", "\"plain\""},
		{"", 0, "", "\"\""},
		{"a,b", 3, "\"a,b\"", "\"a,b\""},
		{"say \"hi\"", 8, "\"say \"\"hi\"\"\"", "\"say \\\"hi\\\"\""},
		{"a\nb", 3, "\"a\nb\"", "\"a\\u000ab\""},
		{"a\rb", 3, "\"a\rb\"", "\"a\\u000db\""},
		{" a ", 3, " a ", "\" a \""},
		{"back\\slash", 10, "back\\slash", "\"back\\\\slash\""},
		{"ab,c", 2, "ab", "\"ab\""},	/* only len bytes */
	};
	/* a field quoted in place after "x,", with and without edges */
	static const struct
	{
		const char *field;
		bool		edges;
		const char *want;
	}			quoted[] = {
		{"plain", true, "x,plain"},
		{"", true, "x,"},
		{"a\"b\"", false, "x,\"a\"\"b\"\"\""},
		{"\"", true, "x,\"\"\"\""},
		{"a\nb", false, "x,\"a\nb\""},
		{" a", false, "x, a"},
		{" a", true, "x,\" a\""},
		{"a\t", true, "x,\"a\t\""},
		{"a b", true, "x,a b"},
		{"\"a, b\" ", true, "x,\"\"\"a, b\"\" \""},
	};
	size_t		backslashes = 0;
	Buf			out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		buf_init(&out, 1024);
		test_cond(cases[i].csv,
				  textfmt_csv_field(&out, cases[i].in, cases[i].len) &&
				  buf_is(&out, cases[i].csv));
		buf_free(&out);
		buf_init(&out, 1024);
		test_cond(cases[i].json,
				  textfmt_json_string(&out, cases[i].in, cases[i].len, NULL) &&
				  buf_is(&out, cases[i].json));
		buf_free(&out);
	}
	for (size_t i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++)
	{
		buf_init(&out, 1024);
		test_cond(quoted[i].want,
				  buf_puts(&out, "x,") && buf_puts(&out, quoted[i].field) &&
				  textfmt_csv_quote(&out, 2, quoted[i].edges) &&
				  buf_is(&out, quoted[i].want));
		buf_free(&out);
	}
	buf_init(&out, 8);
	test_cond("csv quoted in place: false when out is full",
			  buf_puts(&out, "a\"b\"c") && !textfmt_csv_quote(&out, 0, false));
	buf_free(&out);
	buf_init(&out, 1024);
	test_cond("json: backslashes written are counted",
			  textfmt_json_string(&out, "a\"b\\c\n", 6, &backslashes) &&
			  backslashes == 3);
	buf_free(&out);
}

static void
test_sqlbuf_template(void)
{
	const char *subst[26] = {['s' - 'a'] = "\"feed\"", ['g' - 'a'] = "gis"};
	Buf			out;

	buf_init(&out, 1024);
	test_cond("template: @s and @g replaced",
			  sqlbuf_template(&out, "SELECT @g.f(x) FROM @s.t", subst) &&
			  buf_is(&out, "SELECT gis.f(x) FROM \"feed\".t"));
	buf_free(&out);
	buf_init(&out, 1024);
	test_cond("template: a letter without substitute stays, and @ alone",
			  sqlbuf_template(&out, "@s.@r a@ @1 @", subst) &&
			  buf_is(&out, "\"feed\".@r a@ @1 @"));
	buf_free(&out);
	buf_init(&out, 1024);
	test_cond("template: a substitute is not expanded again",
			  sqlbuf_template(&out, "@g",
							  (const char *[26]) {['g' - 'a'] = "@s"}) &&
			  buf_is(&out, "@s"));
	buf_free(&out);
}

/*
 * ddl_template's "@l" and "@t" for a DO block's body: the schema as a
 * literal (quotes doubled) and a dollar quote it cannot end; and
 * ddl_drop_line_views, a schema/sql/ body filled through it.
 */
static void
test_ddl_template(void)
{
	Ddl			d = {.schema = "\"it's $ddl$\"", .srid = 4326};
	Buf			out;

	buf_init(&out, 1024);
	test_cond("ddl_template: @l a literal, @t a quote the schema lacks",
			  ddl_template(&out, &d, "@l @t @s") &&
			  buf_is(&out, "'\"it''s $ddl$\"' $ddl1$ \"it's $ddl$\""));
	buf_free(&out);
	buf_init(&out, 4096);
	test_cond("ddl_drop_line_views: a DO block with the schema's literal",
			  ddl_drop_line_views(&out, &d, true) &&
			  strncmp(out.data, "DO $ddl1$\n", 10) == 0 &&
			  strstr(out.data, "to_regnamespace('\"it''s $ddl$\"')") &&
			  strstr(out.data, "'route_lines') AND true;") &&
			  strcmp(out.data + out.len - 7, "\n$ddl1$") == 0 &&
			  strchr(out.data, '@') == NULL);
	buf_free(&out);
}

/* ------------------------------------------------------------- tripscreen */

/* Each line a screen emits, one after the other, separated by '\n'. */
static bool
screen_collect(void *ctx, const char *line, size_t len)
{
	Buf		   *out = ctx;

	return buf_append(out, line, len) && buf_putc(out, '\n');
}

/* Column k (0-based) of line n (0-based) of out, into field. */
static const char *
screen_column(const Buf *out, int n, int k, char *field, size_t size)
{
	const char *p = out->data ? out->data : "";

	for (; n > 0 && (p = strchr(p, '\n')) != NULL; n--)
		p++;
	if (p == NULL || *p == '\0')
		return "";
	for (; k > 0 && (p = strpbrk(p, "\t\n")) != NULL && *p == '\t'; k--)
		p++;
	if (p == NULL || k > 0)
		return "";
	snprintf(field, size, "%.*s", (int) strcspn(p, "\t\n"), p);
	return field;
}

static int
screen_lines(const Buf *out)
{
	int			n = 0;

	for (size_t i = 0; i < out->len; i++)
		n += out->data[i] == '\n';
	return n;
}

static ScreenText
st_text(const char *s)
{
	return (ScreenText) {s, strlen(s)};
}

/* A timed row: trip, line, sequence, stop, arrival and departure seconds. */
static ScreenRow
st_row(const char *trip, long line, long seq, const char *stop, int arrival,
	   int departure)
{
	ScreenRow	r = {.line = line, .trip_id = st_text(trip),
		.stop_id = st_text(stop), .stop_sequence = seq, .arrival = arrival,
		.departure = departure, .window_start = -1, .window_end = -1,
	.pickup_type = -1, .drop_off_type = -1, .timepoint = -1};

	return r;
}

/* The runs of rows[0..n) through a screen with the stops A..D. */
static TripScreen *
screen_of(Buf *out, const ScreenRow *rows, int n)
{
	TripScreen *ts = screen_create(screen_collect, out, false);
	ScreenText	none = {"", 0};

	/* A and B 20 km apart along a meridian (0.17986 degrees) */
	screen_add_stop(ts, st_text("A"), true, 45.0, true, 6.0, none);
	screen_add_stop(ts, st_text("B"), true, 45.17986, true, 6.0, none);
	screen_add_stop(ts, st_text("C"), false, 0, false, 0, st_text("B"));
	screen_add_stop(ts, st_text("D"), true, 45.0, true, 6.001, none);
	screen_add_stop(ts, st_text("D"), true, 46.0, true, 6.0, none);
	screen_add_stop(ts, st_text("E"), true, 45.0, true, 6.002, none);
	screen_stops_done(ts);
	for (int i = 0; i < n; i++)
		screen_row(ts, &rows[i]);
	screen_finish(ts);
	return ts;
}

/*
 * Stop ids alike in the low 20 bits of FNV-1a, which depend on the low 20
 * bits of its state only: each block of 4 bytes is one of two that lead
 * from the state before it to one same state, so that the 2^nblocks ids
 * of their choices all hash alike.  ids gets nblocks * 4 + 1 bytes each.
 */
static void
flooding_ids(int nblocks, char *ids)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const uint32_t mask = (1u << 20) - 1;
	uint32_t   *seen = calloc(mask + 1, sizeof(uint32_t));
	char		pairs[32][2][4];
	uint32_t	h = (uint32_t) 0xcbf29ce484222325ULL & mask;
	size_t		width = (size_t) nblocks * 4 + 1;

	for (int b = 0; b < nblocks && seen != NULL; b++)
	{
		memset(seen, 0, (mask + 1) * sizeof(uint32_t));
		for (uint32_t k = 1;; k++)
		{
			char		s[4];
			uint32_t	v = h;

			for (int j = 0, r = (int) k; j < 4; j++, r /= 62)
				s[j] = alphabet[r % 62];
			for (int j = 0; j < 4; j++)
				v = ((v ^ (unsigned char) s[j]) * (uint32_t) 0x100000001b3ULL) & mask;
			if (seen[v] != 0)
			{
				for (int j = 0, r = (int) seen[v]; j < 4; j++, r /= 62)
					pairs[b][0][j] = alphabet[r % 62];
				memcpy(pairs[b][1], s, 4);
				h = v;
				break;
			}
			seen[v] = k;
		}
	}
	free(seen);
	for (size_t i = 0; i < ((size_t) 1 << nblocks); i++)
	{
		for (int b = 0; b < nblocks; b++)
			memcpy(ids + i * width + b * 4, pairs[b][(i >> b) & 1], 4);
		ids[i * width + width - 1] = '\0';
	}
}

/* A feed's stop ids cannot make the screen's table of stops slow. */
static void
test_tripscreen_flooding(void)
{
	const int	nblocks = 16;
	size_t		width = (size_t) nblocks * 4 + 1;
	char	   *ids = malloc(width << nblocks);
	TripScreen *ts = screen_create(screen_collect, NULL, false); /* no row: no line */
	ScreenText	none = {"", 0};
	clock_t		started;
	bool		ok = ids != NULL && ts != NULL;
	double		seconds;

	if (ok)
		flooding_ids(nblocks, ids);
	started = clock();
	for (size_t i = 0; ok && i < ((size_t) 1 << nblocks); i++)
	{
		ScreenText	id = {ids + i * width, width - 1};

		ok = screen_add_stop(ts, id, true, 40, true, -74, none);
	}
	seconds = (double) (clock() - started) / CLOCKS_PER_SEC;
	test_cond("screen: 2^16 stop ids alike in FNV-1a's low bits, added at once",
			  ok && seconds < 1.0);
	if (!(ok && seconds < 1.0))
		printf("# %.2f s\n", seconds);
	screen_free(ts);
	free(ids);
}

static void
test_tripscreen(void)
{
	Buf			out;
	char		f[64];
	TripScreen *ts;
	int			h8 = 8 * 3600;

	buf_init(&out, 1 << 20);
	{
		/* a clean trip: 20 km in 10 minutes on the minute, then a stop */
		ScreenRow	rows[] = {
			st_row("t1", 2, 1, "A", h8, h8),
			st_row("t1", 3, 2, "B", h8 + 600, h8 + 660),
			st_row("t1", 4, 3, "E", h8 + 1500, h8 + 1500),
		};

		screen_free(screen_of(&out, rows, 3));
		test_cond("screen: one run", screen_lines(&out) == 1);
		test_cond("screen: trip, lines, rows",
				  strcmp(screen_column(&out, 0, 0, f, sizeof(f)), "t1") == 0 &&
				  strcmp(screen_column(&out, 0, 1, f, sizeof(f)), "2") == 0 &&
				  strcmp(screen_column(&out, 0, 2, f, sizeof(f)), "4") == 0 &&
				  strcmp(screen_column(&out, 0, 3, f, sizeof(f)), "3") == 0);
		test_cond("screen: sorted, not suspect",
				  strcmp(screen_column(&out, 0, 4, f, sizeof(f)), "t") == 0 &&
				  strcmp(screen_column(&out, 0, 5, f, sizeof(f)), "f") == 0);
		test_cond("screen: first and last stops' times",
				  atoi(screen_column(&out, 0, 7, f, sizeof(f))) == h8 &&
				  atoi(screen_column(&out, 0, 10, f, sizeof(f))) == h8 + 1500);
		/* 20 km in 600 s + 60 (both on the minute): 109 km/h, from A */
		test_cond("screen: the fastest speed between timed stops",
				  fabs(atof(screen_column(&out, 0, 13, f, sizeof(f))) -
					   20.0 * 3600 / 660) < 0.1);
		/* 20 km from A, on the minute: over a limit L when 72000/L - 600 > 60 */
		test_cond("screen: far stops break 30 to 100 km/h, not 150",
				  atoi(screen_column(&out, 0, 14, f, sizeof(f))) == 0xF);
		test_cond("screen: every row as written, the largest times",
				  strcmp(screen_column(&out, 0, 20, f, sizeof(f)), "t") == 0 &&
				  atoi(screen_column(&out, 0, 21, f, sizeof(f))) == h8 + 1500 &&
				  atoi(screen_column(&out, 0, 22, f, sizeof(f))) == h8 + 1500);
	}
	buf_reset(&out);
	{
		/* the same calls under another trip_id hash alike; other times not */
		ScreenRow	rows[] = {
			st_row("t1", 2, 1, "A", h8, h8), st_row("t1", 3, 2, "E", h8 + 60, h8 + 60),
			st_row("t2", 4, 1, "A", h8, h8), st_row("t2", 5, 2, "E", h8 + 60, h8 + 60),
			st_row("t3", 6, 1, "A", h8, h8), st_row("t3", 7, 2, "E", h8 + 61, h8 + 61),
		};
		char		g[64];

		screen_free(screen_of(&out, rows, 6));
		test_cond("screen: a run per trip", screen_lines(&out) == 3);
		test_cond("screen: the same calls, the same hash",
				  strcmp(screen_column(&out, 0, 12, f, sizeof(f)),
						 screen_column(&out, 1, 12, g, sizeof(g))) == 0);
		test_cond("screen: another time, another hash",
				  strcmp(screen_column(&out, 0, 12, f, sizeof(f)),
						 screen_column(&out, 2, 12, g, sizeof(g))) != 0);
		test_cond("screen: the stop 0.15 km on in 60 s is slow",
				  atof(screen_column(&out, 0, 13, f, sizeof(f))) < 10 &&
				  strcmp(screen_column(&out, 0, 5, g, sizeof(g)), "f") == 0);
	}
	/* each case: a clean two-row trip changed so that the rules must read it */
	{
		struct
		{
			const char *what;
			ScreenRow	rows[3];
			int			n;
			bool		suspect;
			bool		sorted;
		}			cases[] = {
			{"clean", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 3, 2, "E", h8 + 60, h8 + 60)}, 2, false, true},
			{"out of order", {st_row("t", 2, 2, "A", h8, h8), st_row("t", 3, 1, "E", h8 + 60, h8 + 60)}, 2, true, false},
			{"a stop_sequence twice", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 3, 1, "E", h8 + 60, h8 + 60)}, 2, true, false},
			{"a line between", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 4, 2, "E", h8 + 60, h8 + 60)}, 2, true, true},
			{"one row", {st_row("t", 2, 1, "A", h8, h8)}, 1, true, true},
			{"last untimed", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 3, 2, "E", -1, -1)}, 2, true, true},
			{"arrival only", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 3, 2, "E", h8 + 60, -1), st_row("t", 4, 3, "A", h8 + 120, h8 + 120)}, 3, true, true},
			{"arrival before departure", {st_row("t", 2, 1, "A", h8, h8 + 120), st_row("t", 3, 2, "E", h8 + 60, h8 + 60)}, 2, true, true},
			{"the same stop again", {st_row("t", 2, 1, "E", h8, h8), st_row("t", 3, 2, "E", h8 + 60, h8 + 60)}, 2, true, true},
			{"a stop of stops.txt twice", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 3, 2, "D", h8 + 60, h8 + 60)}, 2, true, true},
			{"a stop unknown", {st_row("t", 2, 1, "A", h8, h8), st_row("t", 3, 2, "Z", h8 + 60, h8 + 60)}, 2, false, true},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			char		what[128];

			buf_reset(&out);
			screen_free(screen_of(&out, cases[i].rows, cases[i].n));
			snprintf(what, sizeof(what), "screen: %s", cases[i].what);
			test_cond(what, screen_lines(&out) == 1 &&
					  strcmp(screen_column(&out, 0, 5, f, sizeof(f)),
							 cases[i].suspect ? "t" : "f") == 0 &&
					  strcmp(screen_column(&out, 0, 4, f, sizeof(f)),
							 cases[i].sorted ? "t" : "f") == 0);
		}
	}
	buf_reset(&out);
	{
		/* a row with a defect, a window, a distance not increasing */
		ScreenRow	rows[] = {
			st_row("a", 2, 1, "A", h8, h8), st_row("a", 3, 2, "E", h8 + 60, h8 + 60),
			st_row("b", 4, 1, "A", h8, h8), st_row("b", 5, 2, "E", h8 + 60, h8 + 60),
			st_row("c", 6, 1, "A", h8, h8), st_row("c", 7, 2, "E", h8 + 60, h8 + 60),
		};

		rows[1].defect = true;
		rows[3].window_start = h8;
		rows[4].has_distance = rows[5].has_distance = true;
		rows[4].distance = rows[5].distance = 1.5;
		screen_free(screen_of(&out, rows, 6));
		test_cond("screen: a defect, a window, a distance not increasing",
				  screen_lines(&out) == 3 &&
				  strcmp(screen_column(&out, 0, 5, f, sizeof(f)), "t") == 0 &&
				  strcmp(screen_column(&out, 1, 5, f, sizeof(f)), "t") == 0 &&
				  strcmp(screen_column(&out, 2, 5, f, sizeof(f)), "t") == 0);
		test_cond("screen: a row with a defect, not as written; others are",
				  strcmp(screen_column(&out, 0, 20, f, sizeof(f)), "f") == 0 &&
				  strcmp(screen_column(&out, 1, 20, f, sizeof(f)), "t") == 0);
	}
	buf_reset(&out);
	{
		/* six calls at one time are a run of more than five, five are not */
		ScreenRow	rows[12];
		const char *stops[] = {"A", "E", "A", "E", "A", "E"};

		for (int i = 0; i < 6; i++)
			rows[i] = st_row("six", 2 + i, i + 1, stops[i], h8, h8);
		for (int i = 0; i < 5; i++)
			rows[6 + i] = st_row("five", 8 + i, i + 1, stops[i], h8, h8);
		screen_free(screen_of(&out, rows, 11));
		test_cond("screen: runs of one time",
				  strcmp(screen_column(&out, 0, 5, f, sizeof(f)), "t") == 0 &&
				  strcmp(screen_column(&out, 1, 5, f, sizeof(f)), "f") == 0);
	}
	buf_reset(&out);
	{
		/* a trip apart in the file is two runs */
		ScreenRow	rows[] = {
			st_row("x", 2, 1, "A", h8, h8), st_row("y", 3, 1, "A", h8, h8),
			st_row("y", 4, 2, "E", h8 + 60, h8 + 60),
			st_row("x", 5, 2, "C", h8 + 600, h8 + 600),
		};

		ts = screen_of(&out, rows, 4);
		test_cond("screen: a trip apart, two runs",
				  screen_lines(&out) == 3 &&
				  strcmp(screen_column(&out, 2, 0, f, sizeof(f)), "x") == 0);
		buf_reset(&out);
		screen_emit_stops(ts, screen_collect, &out);
		/* C at its parent's place, exactly: the rules compare */
		test_cond("screen: the places kept, a repeated stop left out",
				  screen_lines(&out) == 4 &&
				  strstr(out.data, "C\t45.179859999999998\t6\n") != NULL &&
				  strstr(out.data, "D\t") == NULL);
		screen_free(ts);
	}
	buf_free(&out);
}

int
main(void)
{
	log_init("unit");
	log_set_quiet(true);

	test_parse_time();
	test_notice_codes_described();
	test_parse_double();
	test_field_binary();
	test_parse_date();
	test_parse_int();
	test_is_decimal();
	test_is_color();
	test_utf8();
	test_copy_text();
	test_conv_field();
	test_buf();
	test_catalog();
	test_csv_basic();
	test_csv_mixed();
	test_csv_cr_lines();
	test_csv_errors();
	test_csv_over_cap();
	test_csv_piece_bounded();
	test_csv_stray_quotes();
	test_csv_quote_spans();
	test_csv_trimmed();
	test_source();
	test_source_names();
	test_report_table();
	test_feed_names();
	test_replace_guard();
	test_notice_table();
	test_row_path();
	test_renamed_names();
	test_copycsv();
	test_textfmt();
	test_sqlbuf_template();
	test_ddl_template();
	test_geom();
	test_tripscreen();
	test_tripscreen_flooding();

	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
