/*
 * tripscreen.h: stop_times.txt screened trip by trip as it loads, so that
 * the validator's rules over its rows (schema/rules/stop_times_rows.sql)
 * read only the trips that may give a notice.
 *
 * A run of rows of one trip_id, one after the other in the file, is summed
 * up in one line (screen_row's emit): its lines, its first and last stops'
 * times, a hash of its calls and one of the stops it calls at, the fastest
 * it goes between timed stops and which speed limits its far stops break.  A run is "suspect" when one of
 * the rules might fire on its rows, or when the screen cannot tell (rows
 * out of order or apart, a value the load did not take as written, a stop
 * it does not know): the rules read those trips' rows, and only the
 * others' summaries.  The screen only has to be cautious: the rules decide.
 * A run whose rows were all taken as written ("as_written") also gives
 * the timetable its trip's first stop time and numbering
 * (schema/sql/timetable_trip_starts_fill.sql).
 *
 * Pure code with no I/O, tested by tests/unit.c.
 */
#ifndef TRIPSCREEN_H
#define TRIPSCREEN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The speed limits of the rules (km/h, by route_type), in the order of
 * the bits of a run's far mask: stop_times_rows.sql says which limit each
 * route_type has and reads the bit of its limit.
 */
#define SCREEN_LIMITS	{30, 50, 80, 100, 150, 200, 500}
#define SCREEN_NLIMITS	7

/* The stops kept for the speeds: at most this many bytes of them. */
#define SCREEN_STOPS_MAX_BYTES	(12 * 1024 * 1024)

/* Rows of one run whose places are kept for the far stops' speeds. */
#define SCREEN_RUN_POINTS_MAX	4096

typedef struct TripScreen TripScreen;

/* Receives one line of COPY text (no line end); false stops the screen. */
typedef bool (*ScreenEmit) (void *ctx, const char *line, size_t len);

/* A text value of a row: len 0 is NULL (an empty field). */
typedef struct
{
	const char *data;
	size_t		len;
} ScreenText;

/* A stop_times.txt row as loaded; a time or an integer below 0 is NULL. */
typedef struct
{
	long		line;
	bool		timepoint_column;	/* the file has the column */
	bool		defect;			/* a value of the row is not as written */
	ScreenText	trip_id;
	ScreenText	stop_id;
	ScreenText	location_group_id;
	ScreenText	location_id;
	long		stop_sequence;
	int			arrival;		/* seconds */
	int			departure;
	int			window_start;
	int			window_end;
	int			pickup_type;
	int			drop_off_type;
	int			timepoint;
	bool		has_distance;
	double		distance;		/* shape_dist_traveled */
} ScreenRow;

/*
 * A screen whose runs go to emit(ctx, line), one line per run in the
 * columns of schema/sql/screen_tables.sql's table of runs; with
 * every_trip, each run is suspect.  NULL when out of memory (logged).
 * Free with screen_free.
 */
extern TripScreen *screen_create(ScreenEmit emit, void *ctx, bool every_trip);

/*
 * Adds a row of stops.txt: its id, its coordinates in degrees where given
 * and its parent station (len 0: none).  A later row of the same id, or a
 * stop past SCREEN_STOPS_MAX_BYTES, is left out: the runs at such a stop
 * are suspect.  False when out of memory (logged).
 */
extern bool screen_add_stop(TripScreen *ts, ScreenText id, bool has_lat,
							double lat, bool has_lon, double lon,
							ScreenText parent);

/*
 * Ends the stops: each takes the coordinates the rules give it (its own,
 * else its parent's).  Before the first screen_row.
 */
extern void screen_stops_done(TripScreen *ts);

/*
 * Emits each stop kept, "stop_id<TAB>lat<TAB>lon" in degrees (\N where it
 * has no place), for the rules to compare with the stops loaded.  False
 * when emit said so or out of memory.
 */
extern bool screen_emit_stops(TripScreen *ts, ScreenEmit emit, void *ctx);

/* Screens the next row of the file; false when emit said so or out of memory. */
extern bool screen_row(TripScreen *ts, const ScreenRow *row);

/* Ends the last run (emits it); false when emit said so. */
extern bool screen_finish(TripScreen *ts);

/* Frees ts; NULL is allowed. */
extern void screen_free(TripScreen *ts);

#endif
