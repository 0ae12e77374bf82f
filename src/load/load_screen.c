/*
 * load_screen.c: stop_times.txt screened as it loads (tripscreen.h), for
 * the validator's rules to read only the trips that may give a notice, and
 * for each trip's start and stop numbering (timetable_trip_starts_fill.sql)
 * to come from its summary rather than from a pass over stop_times.
 *
 * With the rules, the stops are read from stops.txt before the files
 * load, so that the process that streams stop_times.txt (this one, or a
 * side load's, which inherits them) has their places.  Each run of a trip
 * is written as a line of COPY text to a temporary file; in the load's
 * transaction the file and the stops' places fill two temporary tables,
 * which the timetable and the rules read and the commit drops.  Nothing of
 * the feed is held but its stops, at most SCREEN_STOPS_MAX_BYTES of them.
 */
#include "load_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "db.h"
#include "log.h"
#include "progress.h"
#include "report.h"
#include "source.h"

#define RUNS_TABLE		"pg_temp.gtfs2pgsql_trip_runs"
#define PLACES_TABLE	"pg_temp.gtfs2pgsql_stop_places"

/* schema/sql/screen_tables.sql, embedded by the Makefile */
extern const char sql_screen_tables[];

/* The fields of stop_times.txt the screen reads, and their catalog indexes. */
enum
{
	F_TRIP_ID, F_STOP_ID, F_LOCATION_GROUP_ID, F_LOCATION_ID, F_ARRIVAL,
	F_DEPARTURE, F_WINDOW_START, F_WINDOW_END, F_PICKUP_TYPE,
	F_DROP_OFF_TYPE, F_TIMEPOINT, F_STOP_SEQUENCE, F_DISTANCE, F_COUNT
};
static const char *const field_names[F_COUNT] = {
	"trip_id", "stop_id", "location_group_id", "location_id", "arrival_time",
	"departure_time", "start_pickup_drop_off_window",
	"end_pickup_drop_off_window", "pickup_type", "drop_off_type", "timepoint",
	"stop_sequence", "shape_dist_traveled"
};
static int	fields[F_COUNT];

/* The columns of stops.txt the screen reads, by position in its header. */
typedef struct
{
	TripScreen *screen;
	bool		header_seen;
	int			id,
				lat,
				lon,
				parent;
	bool		failed;
} StopsRead;

static ScreenText
field_text(const CsvRow *row, int i)
{
	ScreenText	t = {"", 0};

	if (i >= 0 && i < row->nfields)
	{
		t.data = row->fields[i].data;
		t.len = row->fields[i].len;
		conv_trim(&t.data, &t.len);
	}
	return t;
}

static bool
text_double(ScreenText t, double *v)
{
	return t.len > 0 && conv_is_decimal(t.data, t.len) &&
		conv_parse_double(t.data, t.len, v);
}

/*
 * A row of stops.txt into the screen.  Its values are read as the load
 * reads them, but for its defects: the rules compare the places kept with
 * those of the stops loaded, and read the trips of any that differ.
 */
static bool
stops_record(void *ctx, const CsvRow *row)
{
	StopsRead  *sr = ctx;
	double		lat = 0,
				lon = 0;
	bool		has_lat,
				has_lon;

	if (!sr->header_seen)
	{
		sr->header_seen = true;
		sr->id = sr->lat = sr->lon = sr->parent = -1;
		for (int i = 0; i < row->nfields; i++)
		{
			ScreenText	name = field_text(row, i);
			int		   *col = NULL;

			if (name.len == 7 && memcmp(name.data, "stop_id", 7) == 0)
				col = &sr->id;
			else if (name.len == 8 && memcmp(name.data, "stop_lat", 8) == 0)
				col = &sr->lat;
			else if (name.len == 8 && memcmp(name.data, "stop_lon", 8) == 0)
				col = &sr->lon;
			else if (name.len == 14 &&
					 memcmp(name.data, "parent_station", 14) == 0)
				col = &sr->parent;
			if (col != NULL && *col < 0)
				*col = i;
		}
		return true;
	}
	has_lat = text_double(field_text(row, sr->lat), &lat);
	has_lon = text_double(field_text(row, sr->lon), &lon);
	if (!screen_add_stop(sr->screen, field_text(row, sr->id), has_lat, lat,
						 has_lon, lon, field_text(row, sr->parent)))
	{
		sr->failed = true;
		return false;
	}
	return true;
}

/* A run of the screen, as a line of the temporary file. */
static bool
write_run(void *ctx, const char *line, size_t len)
{
	FILE	   *f = ctx;

	if (fwrite(line, 1, len, f) != len || putc('\n', f) == EOF)
	{
		log_error("could not write the screen of stop_times.txt to a "
				  "temporary file: %s", strerror(errno));
		return false;
	}
	return true;
}

bool
screening_begin(LoadRun *run)
{
	int			stop_times = source_find(run->src, "stop_times.txt");
	int			stops = source_find(run->src, "stops.txt");
	StopsRead	sr = {0};
	FeedMember *m = NULL;
	CsvReader  *reader = NULL;
	unsigned long long bytes = 0;
	const CatalogFile *cat = catalog_find_file("stop_times.txt");

	if (stop_times < 0)
		return true;
	for (int f = 0; f < F_COUNT; f++)
		fields[f] = catalog_find_field(cat, field_names[f]);
	run->screen_runs = tmpfile();
	if (run->screen_runs == NULL)
	{
		log_error("could not make a temporary file: %s", strerror(errno));
		return false;
	}
	sr.screen = run->screen = screen_create(write_run, run->screen_runs,
											 run->opt->every_trip);
	if (run->screen == NULL)
		return false;
	/* the places are the rules' only: without them, every run is suspect */
	if (stops >= 0 && run->opt->validate)
	{
		m = source_member_open(run->src, stops);
		reader = csvread_create("stops.txt", stops_record, &sr);
		/* unread, the stops are unknown: the rules read every trip */
		if (m != NULL && reader != NULL)
			(void) csvread_member(reader, m, run->chunk, &bytes);
		csvread_destroy(reader);
		if (m != NULL)
			(void) source_member_close(m);
		if (reader == NULL || sr.failed)
			return false;
	}
	screen_stops_done(run->screen);
	return true;
}

/*
 * A time in seconds (is_time) or an integer, or -1 for NULL; a value that
 * is not one makes the row a defect.
 */
static long
value_number(ScreenText t, bool is_time, ScreenRow *r)
{
	int			seconds;
	long		v;

	if (t.len == 0)
		return -1;
	if (is_time && conv_parse_time(t.data, t.len, &seconds))
		return seconds;
	if (!is_time && conv_parse_int(t.data, t.len, &v))
		return v;
	r->defect = true;
	return -1;
}

void
screening_row(FileLoad *fl, long line)
{
	const ScreenText *v = fl->screen_values;
	ScreenRow	r = {.line = line, .defect = fl->screen_defect,
		.timepoint_column = fl->screen_timepoint};

	r.trip_id = v[fields[F_TRIP_ID]];
	r.stop_id = v[fields[F_STOP_ID]];
	r.location_group_id = v[fields[F_LOCATION_GROUP_ID]];
	r.location_id = v[fields[F_LOCATION_ID]];
	r.arrival = (int) value_number(v[fields[F_ARRIVAL]], true, &r);
	r.departure = (int) value_number(v[fields[F_DEPARTURE]], true, &r);
	r.window_start = (int) value_number(v[fields[F_WINDOW_START]], true, &r);
	r.window_end = (int) value_number(v[fields[F_WINDOW_END]], true, &r);
	r.pickup_type = (int) value_number(v[fields[F_PICKUP_TYPE]], false, &r);
	r.drop_off_type = (int) value_number(v[fields[F_DROP_OFF_TYPE]], false, &r);
	r.timepoint = (int) value_number(v[fields[F_TIMEPOINT]], false, &r);
	r.stop_sequence = value_number(v[fields[F_STOP_SEQUENCE]], false, &r);
	r.has_distance = v[fields[F_DISTANCE]].len > 0;
	if (r.has_distance && !text_double(v[fields[F_DISTANCE]],
									   &r.distance))
		r.defect = true;
	if (!screen_row(fl->run->screen, &r))
		fl->run->failed = true;
}

bool
screening_member_end(LoadRun *run)
{
	if (!screen_finish(run->screen))
		return false;
	if (fflush(run->screen_runs) != 0)
	{
		log_error("could not write the screen of stop_times.txt to a "
				  "temporary file: %s", strerror(errno));
		return false;
	}
	return true;
}

/* A line into the COPY of ctx. */
static bool
copy_line(void *ctx, const char *line, size_t len)
{
	CopyStream *cs = ctx;

	copy_row_begin(cs);
	return buf_append(copy_field(cs), line, len) && copy_row_end(cs);
}

/* The lines of the temporary file into the COPY of cs. */
static bool
copy_runs(LoadRun *run, CopyStream *cs)
{
	char	   *line = NULL;
	size_t		size = 0;
	ssize_t		len;
	bool		ok = true;

	rewind(run->screen_runs);
	while (ok && (len = getline(&line, &size, run->screen_runs)) > 0)
		ok = copy_line(cs, line, (size_t) len - 1);
	if (ok && ferror(run->screen_runs))
	{
		log_error("could not read the screen of stop_times.txt from its "
				  "temporary file: %s", strerror(errno));
		ok = false;
	}
	free(line);
	return ok;
}

bool
screening_tables(LoadRun *run)
{
	double		started;
	CopyStream	cs;
	bool		ok;

	started = progress_step("stop_times screen");
	/* without stop_times.txt, the tables are there and empty */
	ok = db_exec(run->conn, sql_screen_tables);
	if (ok && run->screen == NULL)
		return report_add_step(run->rep, "stop_times screen", started);
	ok = ok &&
		copy_begin(&cs, run->conn, "COPY " RUNS_TABLE " FROM STDIN", 0);
	if (ok)
		ok = copy_end(&cs, copy_runs(run, &cs) ? NULL :
					  "the screen of stop_times.txt could not be read") &&
			copy_begin(&cs, run->conn, "COPY " PLACES_TABLE " FROM STDIN", 0);
	if (ok)
		ok = copy_end(&cs, screen_emit_stops(run->screen, copy_line, &cs) ?
					  NULL : "the stops could not be sent");
	/* the rules' plans weigh them; trip_starts' fill reads them once */
	return ok &&
		(!run->opt->validate ||
		 db_exec(run->conn, "ANALYZE " RUNS_TABLE "; ANALYZE " PLACES_TABLE)) &&
		report_add_step(run->rep, "stop_times screen", started);
}

void
screening_free(LoadRun *run)
{
	screen_free(run->screen);
	run->screen = NULL;
	if (run->screen_runs != NULL)
		fclose(run->screen_runs);
	run->screen_runs = NULL;
}
