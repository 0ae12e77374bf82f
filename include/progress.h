/*
 * progress.h: one line on stderr, redrawn in place while a feed loads
 * (the file, its rows, megabytes and rows per second; then each step
 * after the files), as osm2pgsql and pv show theirs.
 *
 * A thread redraws it at most PROGRESS_HZ times a second, so that a long
 * step in the server keeps its clock moving; the log clears it before any
 * message, so that no line is mangled.  Every call is cheap and does
 * nothing when the line is off.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdbool.h>

#define PROGRESS_HZ		10		/* redraws a second, at most */

typedef enum
{
	PROGRESS_AUTO,				/* when stderr is a terminal */
	PROGRESS_ALWAYS,
	PROGRESS_NEVER
} ProgressMode;

/* Reads "auto", "always" or "never" into *mode; false for anything else. */
extern bool progress_parse(const char *arg, ProgressMode *mode);

/*
 * Starts the line as mode says (auto: when stderr is a terminal); it
 * shows nothing until progress_file or progress_step.  End it with
 * progress_end.  When the thread cannot start, the load goes on without
 * the line (a warning says so).
 */
extern void progress_start(ProgressMode mode);

/*
 * A file starts: name (copied), size its bytes once uncompressed, 0 when
 * unknown.
 */
extern void progress_file(const char *name, unsigned long long size);

/*
 * A forked child process (a side load, load_side.c) reads file, of
 * file_size bytes (0 unknown), from file_started (report_now()) on: the
 * line shows, after what this process does, the rows and bytes it gives
 * progress_rows, then the step it gives progress_step, until
 * progress_side_end.
 */
extern void progress_side_start(const char *file,
								unsigned long long file_size,
								double file_started);

/* This process waits for the side load: the line shows it alone, at once. */
extern void progress_side_wait(void);

/* The side load is over: the line shows this process alone again. */
extern void progress_side_end(void);

/*
 * The rows and bytes of the current file read so far: call it per row (in
 * a child forked while the line is drawn, they are those of
 * progress_side_start).
 */
extern void progress_rows(long rows, unsigned long long bytes);

/*
 * A step after the files starts (step copied); returns the time it
 * starts, report_now(), for report_add_step.  In a side load's child, the
 * step is its parent's line's.
 */
extern double progress_step(const char *step);

/* Erases the line and stops its thread; nothing after it is drawn. */
extern void progress_end(void);

#endif
