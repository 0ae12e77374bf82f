/*
 * log.c: stderr messages, after PostgreSQL's src/common/logging.c.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *progname = "gtfs2pgsql";
static const char *feed_name = NULL;
static const char *tag = NULL;
static bool quiet = false;
static void (*hook_before) (void) = NULL;
static void (*hook_after) (void) = NULL;

void
log_init(const char *name)
{
	progname = name;
}

void
log_set_quiet(bool q)
{
	quiet = q;
}

void
log_set_tag(const char *t)
{
	tag = t;
}

/* "progname: " and the tag's "tag: ", which every line starts with. */
static void
put_prefix(void)
{
	fprintf(stderr, "%s: ", progname);
	if (tag)
		fprintf(stderr, "%s: ", tag);
}

void
log_set_feed(const char *feed)
{
	feed_name = feed;
}

void
log_set_hooks(void (*before) (void), void (*after) (void))
{
	hook_before = before;
	hook_after = after;
}

static void
begin_message(void)
{
	if (hook_before)
		hook_before();
}

static void
end_message(void)
{
	if (hook_after)
		hook_after();
}

/*
 * Writes s with its control characters as \xHH: a name in a hostile zip
 * may hold a newline that fakes a line of ours, or a terminal escape.
 */
static void
put_escaped(const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c < 0x20 || c == 0x7F)
			fprintf(stderr, "\\x%02X", c);
		else
			fputc(c, stderr);
	}
}

static void
log_v(const char *level, const char *fmt, va_list ap)
{
	char		message[4096];
	size_t		len;

	vsnprintf(message, sizeof(message), fmt, ap);
	/* server messages come with a newline of their own */
	len = strlen(message);
	while (len > 0 && message[len - 1] == '\n')
		message[--len] = '\0';
	begin_message();
	put_prefix();
	if (level)
		fprintf(stderr, "%s: ", level);
	put_escaped(message);
	fputc('\n', stderr);
	end_message();
}

void
log_error(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	log_v("error", fmt, ap);
	va_end(ap);
}

void
log_detail(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	log_v("detail", fmt, ap);
	va_end(ap);
}

void
log_hint(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	log_v("hint", fmt, ap);
	va_end(ap);
}

void
log_warning(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	log_v("warning", fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt,...)
{
	va_list		ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	log_v(NULL, fmt, ap);
	va_end(ap);
}

static void
log_data_v(const char *level, const char *member, long line, int column,
		   const char *fmt, va_list ap)
{
	char		message[4096];

	vsnprintf(message, sizeof(message), fmt, ap);
	begin_message();
	put_prefix();
	if (feed_name)
	{
		put_escaped(feed_name);
		fputc(':', stderr);
	}
	put_escaped(member);
	fputc(':', stderr);
	if (line > 0)
		fprintf(stderr, "%ld:", line);
	if (line > 0 && column > 0)
		fprintf(stderr, "%d:", column);
	fprintf(stderr, " %s: ", level);
	put_escaped(message);
	fputc('\n', stderr);
	end_message();
}

void
log_data(const char *level, const char *member, long line, int column,
		 const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	log_data_v(level, member, line, column, fmt, ap);
	va_end(ap);
}

void
log_replay(const char *line)
{
	begin_message();
	fputs(line, stderr);
	end_message();
}

void
log_plain(const char *fmt,...)
{
	char		message[4096];
	va_list		ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	begin_message();
	/* alone, the block follows its notice; among others it names its feed */
	if (tag)
		put_prefix();
	put_escaped(message);
	fputc('\n', stderr);
	end_message();
}
