/*
 * log.h: messages to stderr in the form of PostgreSQL's client programs.
 *
 * Data problems carry a locus, so that every message about a row reads
 * "gtfs2pgsql: feed.zip:stops.txt:12:6: error: invalid stop_lat "abc"".
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Sets the program name printed before each message. */
extern void log_init(const char *progname);

/* Silences notices (-q); errors and warnings are always printed. */
extern void log_set_quiet(bool quiet);

/* A problem that stops the run. */
extern void log_error(const char *fmt,...) PRINTF_LIKE(1, 2);

/* A second line that explains the previous error. */
extern void log_detail(const char *fmt,...) PRINTF_LIKE(1, 2);

/* A line that suggests what to do about the previous error. */
extern void log_hint(const char *fmt,...) PRINTF_LIKE(1, 2);

/* Something suspicious that does not stop the run. */
extern void log_warning(const char *fmt,...) PRINTF_LIKE(1, 2);

/* Progress and decisions worth knowing about (silenced by -q). */
extern void log_notice(const char *fmt,...) PRINTF_LIKE(1, 2);

/* A line of a block under a notice, without the prefix (silenced by -q). */
extern void log_plain(const char *fmt,...) PRINTF_LIKE(1, 2);

/*
 * Writes a line another process of the load wrote as one of its messages
 * (prefixed and escaped already, with its newline), as it is: it passed
 * that process's -q.
 */
extern void log_replay(const char *line);

/*
 * A problem in the feed's data: "feed:member:line[:column]: level: ...",
 * level the severity ("error").  column is 1-based; 0 leaves it out.
 */
extern void log_data(const char *level, const char *member, long line,
					 int column, const char *fmt,...) PRINTF_LIKE(5, 6);

/*
 * Starts every line, log_plain's too, with "progname: tag: " (NULL: none),
 * so that the lines of feeds loaded at once can be told apart.  tag is
 * kept, not copied.
 */
extern void log_set_tag(const char *tag);

/*
 * The feed's name printed in each data message (not copied: keep it
 * alive).
 */
extern void log_set_feed(const char *feed);

/*
 * Calls before() ahead of each message and after() once it is written,
 * so that a line redrawn in place (progress.h) is erased first and not
 * redrawn in the middle of it.  NULL, NULL: none.
 */
extern void log_set_hooks(void (*before) (void), void (*after) (void));

#endif
