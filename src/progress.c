/*
 * progress.c: the progress line, drawn by a thread of its own.
 *
 * The loading thread only records what it does: the file or step under
 * a mutex (a few dozen times a load), rows and bytes as relaxed atomics
 * (per row, as cheap as a store).  The drawing thread wakes PROGRESS_HZ
 * times a second and rewrites the line after a carriage return, padded
 * over the previous one, cut to the terminal's width so that it never
 * wraps (a wrapped line cannot be redrawn in place).
 */
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "report.h"

#define LINE_MAX_BYTES	256
#define NAME_MAX_BYTES	96		/* of a file or step shown */

typedef enum
{
	SHOW_NOTHING,
	SHOW_FILE,
	SHOW_STEP
} Showing;

static bool active;				/* the thread runs */
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static bool stopping;

/* under lock */
static Showing showing;
static char name[NAME_MAX_BYTES];
static unsigned long long size;
static double started;			/* of the file or step */
static double run_started;
static int	drawn;				/* bytes of the line on screen, or 0 */

/*
 * The rows and bytes of a file read so far: [0] this process's, [1] those
 * of a process forked while the line is drawn (a side load, load.c),
 * which draws nothing but counts into memory it shares with its parent.
 */
typedef struct
{
	atomic_long rows;
	atomic_ullong bytes;
} Counts;

static Counts own_counts[2];	/* when no memory could be shared */
static Counts *counts = own_counts;
static int	own_slot;			/* 1 in a forked child */
static bool counting;			/* progress_rows records */
static int	shown_slot;			/* under lock: the file shown's counts */

bool
progress_parse(const char *arg, ProgressMode *mode)
{
	if (strcmp(arg, "auto") == 0)
		*mode = PROGRESS_AUTO;
	else if (strcmp(arg, "always") == 0)
		*mode = PROGRESS_ALWAYS;
	else if (strcmp(arg, "never") == 0)
		*mode = PROGRESS_NEVER;
	else
		return false;
	return true;
}

/* Columns the line may take: one less than the terminal's, at most ours. */
static int
line_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col <= 20)
		return 79;				/* not a terminal, or a strange one */
	return ws.ws_col <= LINE_MAX_BYTES ? ws.ws_col - 1 : LINE_MAX_BYTES - 1;
}

/* Seconds as m:ss. */
static void
clock_text(char *out, size_t outsize, double seconds)
{
	long		s = (long) seconds;

	snprintf(out, outsize, "%ld:%02ld", s / 60, s % 60);
}

/* The line as it stands, into out; its length.  Under lock. */
static int
format_line(char *out, size_t outsize)
{
	double		now = report_now();
	double		took = now - started;
	char		total[32];
	int			len;

	clock_text(total, sizeof(total), now - run_started);
	if (showing == SHOW_FILE)
	{
		long		r = atomic_load_explicit(&counts[shown_slot].rows,
											 memory_order_relaxed);
		double		mb = (double) atomic_load_explicit(&counts[shown_slot].bytes,
													   memory_order_relaxed)
			/ 1e6;
		char		of[48] = "";

		if (size > 0)
			snprintf(of, sizeof(of), "/%.1f MB %3.0f%%", (double) size / 1e6,
					 100.0 * mb / ((double) size / 1e6));
		else
			snprintf(of, sizeof(of), " MB");
		len = snprintf(out, outsize, "[%s] %s  %ld rows  %.1f%s  "
					   "%.0f rows/s  %.1f s", total, name, r, mb, of,
					   took > 0 ? (double) r / took : 0.0, took);
	}
	else
		len = snprintf(out, outsize, "[%s] %s  %.1f s", total, name, took);
	return len < (int) outsize ? len : (int) outsize - 1;
}

/* Erases the line on screen.  Under lock. */
static void
erase(void)
{
	char		blank[LINE_MAX_BYTES + 2];

	if (drawn == 0)
		return;
	blank[0] = '\r';
	memset(blank + 1, ' ', (size_t) drawn);
	blank[drawn + 1] = '\r';
	fwrite(blank, 1, (size_t) drawn + 2, stderr);
	drawn = 0;
}

/* Draws the line over the previous one.  Under lock. */
static void
draw(void)
{
	char		text[LINE_MAX_BYTES];
	char		line[LINE_MAX_BYTES + 2];
	int			width = line_width();
	int			len;

	if (showing == SHOW_NOTHING)
		return;
	len = format_line(text, sizeof(text));
	if (len > width)
	{
		len = width;
		/* not in the middle of a character */
		while (len > 0 && ((unsigned char) text[len] & 0xC0) == 0x80)
			len--;
	}
	line[0] = '\r';
	memcpy(line + 1, text, (size_t) len);
	/* blanks over what is left of a longer line */
	while (len < drawn && len < LINE_MAX_BYTES)
		line[1 + len++] = ' ';
	fwrite(line, 1, (size_t) len + 1, stderr);
	fflush(stderr);
	drawn = len;
}

/* The log's hooks: no redraw while a message is written, and none under it. */
static void
before_log(void)
{
	pthread_mutex_lock(&lock);
	erase();
}

static void
after_log(void)
{
	pthread_mutex_unlock(&lock);
}

static void *
redraw(void *arg)
{
	struct timespec until;

	(void) arg;
	pthread_mutex_lock(&lock);
	clock_gettime(CLOCK_MONOTONIC, &until);
	while (!stopping)
	{
		until.tv_nsec += 1000000000L / PROGRESS_HZ;
		if (until.tv_nsec >= 1000000000L)
		{
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!stopping &&
			   pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
			;
		if (!stopping)
			draw();
	}
	erase();
	pthread_mutex_unlock(&lock);
	return NULL;
}

/*
 * A process forked while the line is drawn (a side load, load.c) gets the
 * lock free and no line: the thread that draws it is not there, and the
 * lock, held by it at the fork, would never be released in the child.
 */
static void
before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void
after_fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void
after_fork_child(void)
{
	pthread_mutex_unlock(&lock);
	if (active)
		log_set_hooks(NULL, NULL);
	counting = active && counts != own_counts;
	active = false;
	own_slot = 1;
	atomic_store_explicit(&counts[1].rows, 0, memory_order_relaxed);
	atomic_store_explicit(&counts[1].bytes, 0, memory_order_relaxed);
}

void
progress_start(ProgressMode mode)
{
	static bool fork_safe;

	pthread_condattr_t attr;
	sigset_t	all,
				old;
	int			err;

	if (active || mode == PROGRESS_NEVER ||
		(mode == PROGRESS_AUTO && !isatty(STDERR_FILENO)))
		return;
	if (!fork_safe)
	{
		err = pthread_atfork(before_fork, after_fork_parent,
							 after_fork_child);
		if (err != 0)
		{
			log_warning("no progress line: %s", strerror(err));
			return;
		}
		fork_safe = true;
	}
	run_started = report_now();
	showing = SHOW_NOTHING;
	stopping = false;
	/* without shared memory, a side load's file shows no rows */
	counts = mmap(NULL, 2 * sizeof(Counts), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		counts = own_counts;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	/* signals (Ctrl-C cancels the load) stay with the loading thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&thread, NULL, redraw, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
	{
		log_warning("no progress line: %s", strerror(err));
		pthread_cond_destroy(&wake);
		if (counts != own_counts)
			munmap(counts, 2 * sizeof(Counts));
		counts = own_counts;
		return;
	}
	active = true;
	counting = true;
	log_set_hooks(before_log, after_log);
}

void
progress_file(const char *file, unsigned long long file_size)
{
	db_set_step(file);
	if (!active)
		return;
	pthread_mutex_lock(&lock);
	snprintf(name, sizeof(name), "%s", file);
	/* a member's name may hold control characters: no raw terminal codes */
	for (char *p = name; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7F)
			*p = '?';
	size = file_size;
	atomic_store_explicit(&counts[own_slot].rows, 0, memory_order_relaxed);
	atomic_store_explicit(&counts[own_slot].bytes, 0, memory_order_relaxed);
	started = report_now();
	showing = SHOW_FILE;
	shown_slot = own_slot;
	pthread_mutex_unlock(&lock);
}

void
progress_side_file(const char *file, unsigned long long file_size,
				   double file_started)
{
	if (!active)
		return;
	pthread_mutex_lock(&lock);
	snprintf(name, sizeof(name), "%s", file);
	for (char *p = name; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7F)
			*p = '?';
	size = file_size;
	started = file_started;
	showing = SHOW_FILE;
	shown_slot = 1;
	/* at once: the child may be done already */
	draw();
	pthread_mutex_unlock(&lock);
}

void
progress_rows(long r, unsigned long long b)
{
	if (!counting)
		return;
	atomic_store_explicit(&counts[own_slot].rows, r, memory_order_relaxed);
	atomic_store_explicit(&counts[own_slot].bytes, b, memory_order_relaxed);
}

double
progress_step(const char *step)
{
	double		now = report_now();

	db_set_step(step);
	if (!active)
		return now;
	pthread_mutex_lock(&lock);
	snprintf(name, sizeof(name), "%s", step);
	started = now;
	showing = SHOW_STEP;
	pthread_mutex_unlock(&lock);
	return now;
}

void
progress_end(void)
{
	if (!active)
		return;
	log_set_hooks(NULL, NULL);
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	pthread_cond_destroy(&wake);
	active = false;
	counting = false;
	if (counts != own_counts)
		munmap(counts, 2 * sizeof(Counts));
	counts = own_counts;
}
