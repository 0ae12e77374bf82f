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

/*
 * What the memory shared with a side load holds: both processes' counts,
 * and the step the side load is at once its file is read (empty until
 * then), which it writes and its parent reads as a sequence lock: seq is
 * odd while the step is written, and a read that saw it change is not
 * used.
 */
typedef struct
{
	Counts		counts[2];
	atomic_uint seq;
	atomic_char step[NAME_MAX_BYTES];
	_Atomic double step_started;
} Shared;

static Shared own_shared;		/* when no memory could be shared */
static Shared *shared = &own_shared;
static int	own_slot;			/* 1 in a forked child */
static bool counting;			/* progress_rows records */

/* under lock: the side load, while it runs, as the parent sees it */
static bool side_running;
static bool side_waited;		/* the parent does nothing but wait for it */
static char side_file[NAME_MAX_BYTES];
static unsigned long long side_size;
static double side_started;

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

/* How much file_text says of a file, as the line's room allows. */
typedef enum
{
	FILE_SHARE,					/* its share read (megabytes if no size) */
	FILE_ROWS,					/* its rows, then its share */
	FILE_TIMED,					/* its rows, megabytes of its size, seconds */
	FILE_FULL					/* those and rows per second */
} FileDetail;

/*
 * A file being read: name, then what detail says of the rows and bytes
 * read so far in slot (of file_size bytes, 0 unknown), since file_started.
 * Into out.
 */
static void
file_text(char *out, size_t outsize, const char *file, int slot,
		  unsigned long long file_size, double file_started, double now,
		  FileDetail detail)
{
	double		took = now - file_started;
	long		r = atomic_load_explicit(&shared->counts[slot].rows,
										 memory_order_relaxed);
	double		mb = (double) atomic_load_explicit(&shared->counts[slot].bytes,
												   memory_order_relaxed) / 1e6;
	double		of = (double) file_size / 1e6;
	char		share[48];
	char		rows[32] = "";

	if (file_size == 0)
		snprintf(share, sizeof(share), "%.1f MB", mb);
	else if (detail >= FILE_TIMED)
		snprintf(share, sizeof(share), "%.1f/%.1f MB %3.0f%%", mb, of,
				 100.0 * mb / of);
	else
		snprintf(share, sizeof(share), "%.0f%%", 100.0 * mb / of);
	if (detail >= FILE_ROWS)
		snprintf(rows, sizeof(rows), "  %ld rows", r);
	if (detail == FILE_FULL)
		snprintf(out, outsize, "%s%s  %s  %.0f rows/s  %.1f s", file, rows,
				 share, took > 0 ? (double) r / took : 0.0, took);
	else if (detail == FILE_TIMED)
		snprintf(out, outsize, "%s%s  %s  %.1f s", file, rows, share, took);
	else
		snprintf(out, outsize, "%s%s  %s", file, rows, share);
}

/*
 * The step the side load is at (empty while it reads its file) and when it
 * started, as last read whole.  Under lock.
 */
static const char *
side_step(double *step_started)
{
	static char step[NAME_MAX_BYTES];
	static double when;
	char		read[NAME_MAX_BYTES];
	unsigned	before = atomic_load_explicit(&shared->seq,
											  memory_order_acquire);
	double		read_when;

	for (int i = 0; i < NAME_MAX_BYTES; i++)
		read[i] = atomic_load_explicit(&shared->step[i],
									   memory_order_relaxed);
	read_when = atomic_load_explicit(&shared->step_started,
									 memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	/* not while it was written: the one read before stands */
	if ((before & 1) == 0 &&
		atomic_load_explicit(&shared->seq, memory_order_relaxed) == before)
	{
		read[NAME_MAX_BYTES - 1] = '\0';
		for (char *p = read; *p; p++)
			if ((unsigned char) *p < 0x20 || *p == 0x7F)
				*p = '?';
		memcpy(step, read, sizeof(step));
		when = read_when;
	}
	*step_started = when;
	return step;
}

/*
 * The line as it stands, into out; its length.  Under lock.  While a side
 * load runs, what it does ("2nd connection: ...") follows what this
 * process does (which is then shorter), or is the line alone while this
 * process waits for it.
 */
static int
format_line(char *out, size_t outsize)
{
	double		now = report_now();
	char		total[32];
	char		side[NAME_MAX_BYTES + 64] = "";
	const char *step = "";
	double		step_started = 0;
	int			len;

	clock_text(total, sizeof(total), now - run_started);
	if (side_running)
	{
		step = side_step(&step_started);
		if (*step)
			snprintf(side, sizeof(side), "%s  %.1f s", step,
					 now - step_started);
		else
			file_text(side, sizeof(side), side_file, 1, side_size,
					  side_started, now, side_waited ? FILE_TIMED : FILE_SHARE);
	}
	if (side_running && side_waited)
		len = snprintf(out, outsize, "[%s] 2nd connection: %s", total,
					   side);
	else
	{
		char		own[NAME_MAX_BYTES + 96];

		if (showing == SHOW_FILE)
			file_text(own, sizeof(own), name, own_slot, size, started, now,
					  side_running ? FILE_ROWS : FILE_FULL);
		else
			snprintf(own, sizeof(own), "%s  %.1f s", name, now - started);
		len = snprintf(out, outsize, "[%s] %s%s%s", total, own,
					   side_running ? "  | 2nd connection: " : "", side);
	}
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

/*
 * The step the side load is at, for its parent's line (a sequence lock:
 * see Shared).
 */
static void
publish_step(const char *step, double now)
{
	unsigned	seq = atomic_load_explicit(&shared->seq, memory_order_relaxed);
	int			i;

	atomic_store_explicit(&shared->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (i = 0; step[i] && i < NAME_MAX_BYTES - 1; i++)
		atomic_store_explicit(&shared->step[i], step[i], memory_order_relaxed);
	atomic_store_explicit(&shared->step[i], '\0', memory_order_relaxed);
	atomic_store_explicit(&shared->step_started, now, memory_order_relaxed);
	atomic_store_explicit(&shared->seq, seq + 2, memory_order_release);
}

static void
after_fork_child(void)
{
	pthread_mutex_unlock(&lock);
	if (active)
		log_set_hooks(NULL, NULL);
	counting = active && shared != &own_shared;
	active = false;
	own_slot = 1;
	atomic_store_explicit(&shared->counts[1].rows, 0, memory_order_relaxed);
	atomic_store_explicit(&shared->counts[1].bytes, 0, memory_order_relaxed);
	if (counting)
		publish_step("", 0);
}

void
progress_start(ProgressMode mode)
{
	static bool fork_safe;

	pthread_condattr_t attr;
	sigset_t	all,
				old;
	int			err;
	void	   *mem;

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
	side_running = false;
	stopping = false;
	/* without shared memory, a side load shows no rows nor steps */
	mem = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shared = mem == MAP_FAILED ? &own_shared : mem;
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
		if (shared != &own_shared)
			munmap(shared, sizeof(Shared));
		shared = &own_shared;
		return;
	}
	active = true;
	counting = true;
	log_set_hooks(before_log, after_log);
}

/* file into out (NAME_MAX_BYTES), its control characters as '?'. */
static void
copy_name(char *out, const char *file)
{
	snprintf(out, NAME_MAX_BYTES, "%s", file);
	/* a member's name may hold control characters: no raw terminal codes */
	for (char *p = out; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7F)
			*p = '?';
}

void
progress_file(const char *file, unsigned long long file_size)
{
	db_set_step(file);
	if (!active)
		return;
	pthread_mutex_lock(&lock);
	copy_name(name, file);
	size = file_size;
	atomic_store_explicit(&shared->counts[own_slot].rows, 0,
						  memory_order_relaxed);
	atomic_store_explicit(&shared->counts[own_slot].bytes, 0,
						  memory_order_relaxed);
	started = report_now();
	showing = SHOW_FILE;
	pthread_mutex_unlock(&lock);
}

void
progress_side_start(const char *file, unsigned long long file_size,
					double file_started)
{
	if (!active)
		return;
	pthread_mutex_lock(&lock);
	copy_name(side_file, file);
	side_size = file_size;
	side_started = file_started;
	side_running = true;
	side_waited = false;
	pthread_mutex_unlock(&lock);
}

void
progress_side_wait(void)
{
	if (!active)
		return;
	pthread_mutex_lock(&lock);
	side_waited = true;
	/* at once: the side load may be done already */
	draw();
	pthread_mutex_unlock(&lock);
}

void
progress_side_end(void)
{
	if (!active)
		return;
	pthread_mutex_lock(&lock);
	side_running = false;
	pthread_mutex_unlock(&lock);
}

void
progress_rows(long r, unsigned long long b)
{
	if (!counting)
		return;
	atomic_store_explicit(&shared->counts[own_slot].rows, r,
						  memory_order_relaxed);
	atomic_store_explicit(&shared->counts[own_slot].bytes, b,
						  memory_order_relaxed);
}

double
progress_step(const char *step)
{
	double		now = report_now();

	db_set_step(step);
	/* a side load's steps are its parent's to show */
	if (counting && own_slot == 1)
		publish_step(step, now);
	if (!active)
		return now;
	pthread_mutex_lock(&lock);
	copy_name(name, step);
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
	if (shared != &own_shared)
		munmap(shared, sizeof(Shared));
	shared = &own_shared;
}
