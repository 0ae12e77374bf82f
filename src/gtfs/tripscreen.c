/*
 * tripscreen.c: stop_times.txt screened trip by trip as it loads (see
 * tripscreen.h).  Each test below is one of stop_times_rows.sql's checks,
 * made on the rows of a run in the file's order, which is the order of
 * the key when the run is not suspect; where the screen could differ from
 * the rules (a float summed otherwise, a stop set aside) it calls the run
 * suspect, or keeps a margin, and lets the rules decide.
 */
#include "tripscreen.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "convert.h"
#include "log.h"

#define EARTH_KM		6371.01 /* the rules' great circles */
#define FAR_KM			10.0	/* fast_travel_between_far_stops */
#define MARGIN			1e-6	/* what float sums may differ by */
#define LINE_MAX_BYTES	(64 * 1024)
#define NO_STOP			UINT32_MAX

/* A stop of stops.txt, its id in TripScreen.ids. */
typedef struct
{
	size_t		id_start;
	uint32_t	id_len;
	bool		has_lat,
				has_lon;
	double		lat,			/* degrees, as given */
				lon;
	bool		twice;			/* a later row of stops.txt has its id */
	bool		placed;			/* lat and lon below are the rules' */
	double		place_lat,
				place_lon;
	size_t		parent_start;	/* parent_station, in ids */
	uint32_t	parent_len;
} Stop;

/* A row of a run with a place and a departure, for the far stops. */
typedef struct
{
	double		km;
	int			departure;
} FarPoint;

struct TripScreen
{
	ScreenEmit	emit;
	void	   *ctx;
	bool		every_trip;		/* each run suspect */

	Stop	   *stops;
	uint32_t	nstops;
	uint32_t	stops_cap;
	uint32_t   *slots;			/* open addressing on the id's hash */
	uint32_t	nslots;
	uint64_t	seed;			/* of that hash: see stop_slot */
	Buf			ids;
	bool		complete;		/* every stop of stops.txt is kept */
	size_t		stop_bytes;

	/* the run */
	bool		open;
	Buf			trip;			/* its trip_id, COPY-escaped */
	bool		trip_null;
	long		first_line,
				last_line,
				rows;
	bool		sorted,
				suspect,
				as_written;		/* no row with a value not as written */
	long		prev_seq;
	Buf			prev_stop;
	bool		prev_stop_given;
	bool		prev_has_distance;
	double		prev_distance;
	int			last_departure; /* of the last row with one */
	int			prev_same_time;
	int			same_time_pairs;
	long		min_seq,
				max_seq;
	int			min_arrival,
				min_departure,
				max_arrival,
				max_departure,
				top_arrival,	/* the largest of its rows, or -1 */
				top_departure;
	long		max_line;		/* the last stop's row: its line, stop_id */
	Buf			max_stop;		/* (COPY-escaped) and shape_dist_traveled */
	bool		max_stop_null;
	bool		max_has_distance;
	double		max_distance;
	bool		any_distance;	/* a row has shape_dist_traveled */
	uint64_t	calls_hash;
	uint64_t	stops_hash;
	bool		last_untimed;	/* the last row lacks a time */
	double		max_kph;		/* below 0: none */
	bool		has_place;
	double		place_lat,		/* radians: the last earlier place */
				place_lon;
	double		km;
	bool		has_timed;
	double		timed_lat,
				timed_lon;
	int			timed_departure;
	FarPoint   *points;
	size_t		npoints;
	size_t		points_cap;
	size_t		far_next;		/* points before it are in the frame */
	double		far_on[SCREEN_NLIMITS];
	double		far_off[SCREEN_NLIMITS];
	int			far_mask;
	Buf			line;
};

static const double limits[SCREEN_NLIMITS] = SCREEN_LIMITS;

/* FNV-1a */
static uint64_t
hash_bytes(const char *s, size_t len, uint64_t h)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char) s[i]) * 0x100000001b3ULL;
	return h;
}

/* splitmix64's finalizer: one value mixed into h */
static uint64_t
hash_mix(uint64_t h, uint64_t v)
{
	uint64_t	z = h + v + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
hash_text(uint64_t h, ScreenText t)
{
	/* NULL and "" differ: "" cannot be loaded, but the length marks it */
	return hash_mix(h, hash_bytes(t.data, t.len, 0xcbf29ce484222325ULL) +
					t.len);
}

TripScreen *
screen_create(ScreenEmit emit, void *ctx, bool every_trip)
{
	TripScreen *ts = calloc(1, sizeof(TripScreen));

	if (ts == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	ts->emit = emit;
	ts->ctx = ctx;
	ts->every_trip = every_trip;
	ts->complete = true;
	ts->seed = hash_mix((uint64_t) time(NULL) ^ (uint64_t) getpid(),
						(uint64_t) (uintptr_t) ts);
	buf_init(&ts->ids, SCREEN_STOPS_MAX_BYTES);
	buf_init(&ts->trip, LINE_MAX_BYTES);
	buf_init(&ts->prev_stop, LINE_MAX_BYTES);
	buf_init(&ts->max_stop, LINE_MAX_BYTES);
	buf_init(&ts->line, LINE_MAX_BYTES);
	return ts;
}

void
screen_free(TripScreen *ts)
{
	if (ts == NULL)
		return;
	free(ts->stops);
	free(ts->slots);
	free(ts->points);
	buf_free(&ts->ids);
	buf_free(&ts->trip);
	buf_free(&ts->prev_stop);
	buf_free(&ts->max_stop);
	buf_free(&ts->line);
	free(ts);
}

static const char *
stop_id(const TripScreen *ts, const Stop *s, size_t *len)
{
	*len = s->id_len;
	return ts->ids.data + s->id_start;
}

/*
 * The slot of id: its stop's, or the empty one where it would go.  The
 * low bits of FNV-1a depend on the low bits of its state only: a feed
 * could give every stop one slot (2^16 stops of 64 bytes, found in a
 * second, made the load 8 times as slow, and it grows as the square).
 * The hash starts from a seed the feed cannot know and is mixed whole.
 */
static uint32_t *
stop_slot(TripScreen *ts, const char *id, size_t len)
{
	uint32_t	mask = ts->nslots - 1;
	uint32_t	i = (uint32_t) hash_mix(ts->seed,
										hash_bytes(id, len, ts->seed)) & mask;

	for (;; i = (i + 1) & mask)
	{
		const Stop *s;
		size_t		slen;
		const char *sid;

		if (ts->slots[i] == NO_STOP)
			return &ts->slots[i];
		s = &ts->stops[ts->slots[i]];
		sid = stop_id(ts, s, &slen);
		if (slen == len && memcmp(sid, id, len) == 0)
			return &ts->slots[i];
	}
}

/* Doubles the slots, at most half full; false when out of memory. */
static bool
grow_slots(TripScreen *ts)
{
	uint32_t	n = ts->nslots ? ts->nslots * 2 : 1024;
	uint32_t   *slots = malloc(n * sizeof(uint32_t));

	if (slots == NULL)
		return false;
	free(ts->slots);
	ts->slots = slots;
	ts->nslots = n;
	memset(slots, 0xFF, n * sizeof(uint32_t));
	for (uint32_t k = 0; k < ts->nstops; k++)
	{
		size_t		len;
		const char *id = stop_id(ts, &ts->stops[k], &len);

		*stop_slot(ts, id, len) = k;
	}
	return true;
}

bool
screen_add_stop(TripScreen *ts, ScreenText id, bool has_lat, double lat,
				bool has_lon, double lon, ScreenText parent)
{
	size_t		more = sizeof(Stop) + 2 * sizeof(uint32_t) + id.len +
		parent.len + 2;
	uint32_t   *slot;
	Stop	   *s;

	if (!ts->complete || id.len == 0)
		return true;
	if (ts->stop_bytes + more > SCREEN_STOPS_MAX_BYTES)
	{
		ts->complete = false;
		return true;
	}
	if ((ts->nstops + 1) * 2 > ts->nslots && !grow_slots(ts))
		goto oom;
	slot = stop_slot(ts, id.data, id.len);
	if (*slot != NO_STOP)
	{
		/* the load keeps one of the two: not placed, the runs suspect */
		ts->stops[*slot].twice = true;
		return true;
	}
	if (ts->nstops == ts->stops_cap)
	{
		uint32_t	cap = ts->stops_cap ? ts->stops_cap * 2 : 1024;
		Stop	   *stops = realloc(ts->stops, cap * sizeof(Stop));

		if (stops == NULL)
			goto oom;
		ts->stops = stops;
		ts->stops_cap = cap;
	}
	s = &ts->stops[ts->nstops];
	memset(s, 0, sizeof(*s));
	s->id_start = ts->ids.len;
	s->id_len = (uint32_t) id.len;
	if (!buf_append(&ts->ids, id.data, id.len))
		goto oom;
	s->parent_start = ts->ids.len;
	s->parent_len = (uint32_t) parent.len;
	if (!buf_append(&ts->ids, parent.data, parent.len))
		goto oom;
	s->has_lat = has_lat;
	s->lat = lat;
	s->has_lon = has_lon;
	s->lon = lon;
	*slot = ts->nstops++;
	ts->stop_bytes += more;
	return true;
oom:
	log_error("out of memory");
	return false;
}

void
screen_stops_done(TripScreen *ts)
{
	for (uint32_t k = 0; k < ts->nstops; k++)
	{
		Stop	   *s = &ts->stops[k];
		uint32_t   *slot;
		const Stop *p = NULL;
		bool		lat_given,
					lon_given;

		if (s->twice)
			continue;
		if (s->parent_len > 0)
		{
			slot = stop_slot(ts, ts->ids.data + s->parent_start, s->parent_len);
			if (*slot != NO_STOP && !ts->stops[*slot].twice)
				p = &ts->stops[*slot];
			else if (*slot != NO_STOP || !ts->complete)
				continue;		/* a parent the screen cannot tell */
		}
		/* coalesce(s.stop_lat, ps.stop_lat) and so on, as the rules */
		lat_given = s->has_lat || (p && p->has_lat);
		lon_given = s->has_lon || (p && p->has_lon);
		s->placed = true;
		s->place_lat = lat_given && lon_given ?
			(s->has_lat ? s->lat : p->lat) : NAN;
		s->place_lon = lat_given && lon_given ?
			(s->has_lon ? s->lon : p->lon) : NAN;
	}
}

/* Appends a tab and v, or \N when not given (a failed append: b->lost). */
static void
put_int(Buf *b, long long v, bool given)
{
	char		digits[24];

	if (!given)
		buf_puts(b, "\t\\N");
	else
	{
		snprintf(digits, sizeof(digits), "\t%lld", v);
		buf_puts(b, digits);
	}
}

/* As put_int, a double in full. */
static void
put_double(Buf *b, double v, bool given)
{
	char		digits[32];

	if (!given)
		buf_puts(b, "\t\\N");
	else
	{
		snprintf(digits, sizeof(digits), "\t%.17g", v);
		buf_puts(b, digits);
	}
}

bool
screen_emit_stops(TripScreen *ts, ScreenEmit emit, void *ctx)
{
	for (uint32_t k = 0; k < ts->nstops; k++)
	{
		const Stop *s = &ts->stops[k];
		size_t		len;
		const char *id;

		if (!s->placed)
			continue;
		id = stop_id(ts, s, &len);
		buf_reset(&ts->line);
		if (conv_copy_text(&ts->line, id, len) != CONV_OK)
			continue;			/* not a stop the load kept: compared */
		put_double(&ts->line, s->place_lat, !isnan(s->place_lat));
		put_double(&ts->line, s->place_lon, !isnan(s->place_lat));
		if (ts->line.lost)
		{
			log_error("out of memory");
			return false;
		}
		if (!emit(ctx, ts->line.data, ts->line.len))
			return false;
	}
	return true;
}

/* The place of a row's stop in radians; false if none; *known false if the
 * screen cannot tell. */
static bool
row_place(TripScreen *ts, ScreenText stop, double *lat, double *lon,
		  bool *known)
{
	uint32_t   *slot;
	const Stop *s;

	*known = true;
	if (stop.len == 0)
		return false;
	if (ts->nslots == 0)
	{
		*known = ts->complete;
		return false;
	}
	slot = stop_slot(ts, stop.data, stop.len);
	if (*slot == NO_STOP)
	{
		*known = ts->complete;
		return false;
	}
	s = &ts->stops[*slot];
	if (!s->placed)
	{
		*known = false;
		return false;
	}
	if (isnan(s->place_lat))
		return false;
	*lat = s->place_lat * (M_PI / 180.0);
	*lon = s->place_lon * (M_PI / 180.0);
	return true;
}

static double
great_circle_km(double lat1, double lon1, double lat2, double lon2)
{
	double		a = sin((lat2 - lat1) / 2) * sin((lat2 - lat1) / 2) +
		cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) * sin((lon2 - lon1) / 2);

	return 2 * EARTH_KM * asin(fmin(1, sqrt(a)));
}

/* Emits the run: the columns of pg_temp.gtfs2pgsql_trip_runs. */
static bool
end_run(TripScreen *ts)
{
	Buf		   *b = &ts->line;

	if (!ts->open)
		return true;
	ts->open = false;
	if (ts->rows == 1 || ts->last_untimed || ts->every_trip)
		ts->suspect = true;
	buf_reset(b);
	if (ts->trip_null)
		buf_puts(b, "\\N");
	else
		buf_append(b, ts->trip.data, ts->trip.len);
	put_int(b, ts->first_line, true);
	put_int(b, ts->last_line, true);
	put_int(b, ts->rows, true);
	buf_puts(b, ts->sorted ? "\tt" : "\tf");
	buf_puts(b, ts->suspect ? "\tt" : "\tf");
	put_int(b, ts->min_seq, true);
	put_int(b, ts->min_arrival, ts->min_arrival >= 0);
	put_int(b, ts->min_departure, ts->min_departure >= 0);
	put_int(b, ts->max_seq, true);
	put_int(b, ts->max_arrival, ts->max_arrival >= 0);
	put_int(b, ts->max_departure, ts->max_departure >= 0);
	put_int(b, (int64_t) ts->calls_hash, true);
	put_double(b, ts->max_kph, ts->max_kph >= 0);
	put_int(b, ts->far_mask, true);
	put_int(b, (int64_t) ts->stops_hash, true);
	put_int(b, ts->max_line, true);
	buf_putc(b, '\t');
	if (ts->max_stop_null)
		buf_puts(b, "\\N");
	else
		buf_append(b, ts->max_stop.data, ts->max_stop.len);
	put_double(b, ts->max_distance, ts->max_has_distance);
	buf_puts(b, ts->any_distance ? "\tt" : "\tf");
	buf_puts(b, ts->as_written ? "\tt" : "\tf");
	put_int(b, ts->top_arrival, ts->top_arrival >= 0);
	put_int(b, ts->top_departure, ts->top_departure >= 0);
	if (b->lost)
	{
		log_error("out of memory");
		return false;
	}
	return ts->emit(ts->ctx, b->data, b->len);
}

/*
 * id COPY-escaped into out; *null when it is empty, or not an id the load
 * kept (the run is then suspect).  False when out of memory.
 */
static bool
keep_id(TripScreen *ts, Buf *out, ScreenText id, bool *null)
{
	buf_reset(out);
	*null = id.len == 0;
	if (*null || conv_copy_text(out, id.data, id.len) == CONV_OK)
		return true;
	if (out->lost)
	{
		log_error("out of memory");
		return false;
	}
	*null = true;
	ts->suspect = true;
	return true;
}

static bool
start_run(TripScreen *ts, const ScreenRow *row)
{
	ts->open = true;
	ts->suspect = false;
	if (!keep_id(ts, &ts->trip, row->trip_id, &ts->trip_null))
		return false;
	ts->suspect = ts->trip_null;
	ts->as_written = !ts->trip_null;
	ts->top_arrival = ts->top_departure = -1;
	ts->first_line = row->line;
	ts->rows = 0;
	ts->sorted = true;
	ts->prev_stop_given = false;
	ts->prev_has_distance = false;
	ts->last_departure = -1;
	ts->prev_same_time = -1;
	ts->same_time_pairs = 0;
	ts->calls_hash = 0;
	ts->stops_hash = 0;
	ts->max_kph = -1;
	ts->has_place = false;
	ts->km = 0;
	ts->has_timed = false;
	ts->npoints = 0;
	ts->far_next = 0;
	for (int k = 0; k < SCREEN_NLIMITS; k++)
		ts->far_on[k] = ts->far_off[k] = INFINITY;
	ts->far_mask = 0;
	ts->any_distance = false;
	return true;
}

/* The row of the run's last stop so far: its line, stop and distance. */
static bool
keep_last_stop(TripScreen *ts, const ScreenRow *row)
{
	ts->max_line = row->line;
	ts->max_has_distance = row->has_distance;
	ts->max_distance = row->distance;
	return keep_id(ts, &ts->max_stop, row->stop_id, &ts->max_stop_null);
}

/* Whether row is of the run's trip. */
static bool
same_trip(TripScreen *ts, const ScreenRow *row)
{
	Buf			escaped;
	bool		same;

	if (row->trip_id.len == 0 || ts->trip_null)
		return row->trip_id.len == 0 && ts->trip_null;
	/* most ids need no escape: compare them as they are */
	if (memchr(row->trip_id.data, '\\', row->trip_id.len) == NULL &&
		memchr(row->trip_id.data, '\t', row->trip_id.len) == NULL &&
		memchr(row->trip_id.data, '\n', row->trip_id.len) == NULL &&
		memchr(row->trip_id.data, '\r', row->trip_id.len) == NULL)
		return ts->trip.len == row->trip_id.len &&
			memcmp(ts->trip.data, row->trip_id.data, row->trip_id.len) == 0;
	buf_init(&escaped, LINE_MAX_BYTES);
	same = conv_copy_text(&escaped, row->trip_id.data, row->trip_id.len) ==
		CONV_OK && escaped.len == ts->trip.len &&
		memcmp(escaped.data, ts->trip.data, escaped.len) == 0;
	buf_free(&escaped);
	return same;
}

/* The far stops: rows at least FAR_KM before, per limit (see the rule). */
static void
screen_far(TripScreen *ts, int arrival)
{
	while (ts->far_next < ts->npoints &&
		   ts->points[ts->far_next].km <= ts->km - FAR_KM + MARGIN)
	{
		const FarPoint *p = &ts->points[ts->far_next++];

		for (int k = 0; k < SCREEN_NLIMITS; k++)
		{
			double		v = p->km * 3600 / limits[k] - p->departure;
			double	   *min = p->departure % 60 == 0 ? &ts->far_on[k] :
				&ts->far_off[k];

			if (v < *min)
				*min = v;
		}
	}
	for (int k = 0; k < SCREEN_NLIMITS; k++)
	{
		double		x = ts->km * 3600 / limits[k] - arrival;

		if ((arrival % 60 == 0 && x - ts->far_on[k] > 60 - MARGIN) ||
			(arrival % 60 != 0 && x - ts->far_on[k] > -MARGIN) ||
			x - ts->far_off[k] > -MARGIN)
			ts->far_mask |= 1 << k;
	}
}

/* The speeds: from the last timed place, and from the far ones. */
static bool
screen_speed(TripScreen *ts, const ScreenRow *row)
{
	double		lat = 0,
				lon = 0;
	bool		known;
	bool		placed = row_place(ts, row->stop_id, &lat, &lon, &known);

	if (!known)
	{
		ts->suspect = true;
		return true;
	}
	if (!placed)
		return true;
	if (ts->has_place)
		ts->km += great_circle_km(ts->place_lat, ts->place_lon, lat, lon);
	ts->has_place = true;
	ts->place_lat = lat;
	ts->place_lon = lon;
	if (row->arrival >= 0 && ts->has_timed)
	{
		double		seconds = (double) row->arrival - ts->timed_departure;
		double		kph;

		if (seconds <= 0)
			seconds = 60;
		else if (row->arrival % 60 == 0 && ts->timed_departure % 60 == 0)
			seconds += 60;
		kph = great_circle_km(ts->timed_lat, ts->timed_lon, lat, lon) *
			3600 / seconds;
		if (kph > ts->max_kph)
			ts->max_kph = kph;
	}
	if (row->arrival >= 0)
		screen_far(ts, row->arrival);
	if (row->departure >= 0)
	{
		ts->has_timed = true;
		ts->timed_lat = lat;
		ts->timed_lon = lon;
		ts->timed_departure = row->departure;
		if (ts->npoints == SCREEN_RUN_POINTS_MAX)
			ts->suspect = true; /* too long to keep: the rules read it */
		else
		{
			if (ts->npoints == ts->points_cap)
			{
				size_t		cap = ts->points_cap ? ts->points_cap * 2 : 64;
				FarPoint   *p = realloc(ts->points, cap * sizeof(FarPoint));

				if (p == NULL)
				{
					log_error("out of memory");
					return false;
				}
				ts->points = p;
				ts->points_cap = cap;
			}
			ts->points[ts->npoints].km = ts->km;
			ts->points[ts->npoints].departure = row->departure;
			ts->npoints++;
		}
	}
	return true;
}

bool
screen_row(TripScreen *ts, const ScreenRow *row)
{
	bool		windowed = row->window_start >= 0 || row->window_end >= 0;
	bool		untimed = row->arrival < 0 || row->departure < 0;
	int			same_time;
	uint64_t	h;

	if (ts->open && !same_trip(ts, row) && !end_run(ts))
		return false;
	if (!ts->open && !start_run(ts, row))
		return false;
	ts->rows++;
	if (ts->rows == 1)
	{
		ts->min_seq = ts->max_seq = row->stop_sequence;
		ts->min_arrival = ts->max_arrival = row->arrival;
		ts->min_departure = ts->max_departure = row->departure;
		if (!keep_last_stop(ts, row))
			return false;
		/* missing_trip_edge */
		if (untimed)
			ts->suspect = true;
	}
	else
	{
		/* unsorted_stop_times, or a row set aside in between */
		if (row->stop_sequence <= ts->prev_seq)
			ts->sorted = false;
		if (row->stop_sequence <= ts->prev_seq ||
			row->line != ts->last_line + 1)
			ts->suspect = true;
		if (row->stop_sequence < ts->min_seq)
		{
			ts->min_seq = row->stop_sequence;
			ts->min_arrival = row->arrival;
			ts->min_departure = row->departure;
		}
		if (row->stop_sequence > ts->max_seq)
		{
			ts->max_seq = row->stop_sequence;
			ts->max_arrival = row->arrival;
			ts->max_departure = row->departure;
			if (!keep_last_stop(ts, row))
				return false;
		}
	}
	ts->last_line = row->line;
	ts->prev_seq = row->stop_sequence;
	ts->last_untimed = untimed;
	ts->any_distance = ts->any_distance || row->has_distance;

	if (row->defect)
		ts->as_written = false;
	if (row->arrival > ts->top_arrival)
		ts->top_arrival = row->arrival;
	if (row->departure > ts->top_departure)
		ts->top_departure = row->departure;
	/* the checks of the rows, in the order of stop_times_rows.sql */
	if (row->defect ||
		(row->arrival < 0) != (row->departure < 0) ||
		(row->arrival >= 0 && row->arrival < ts->last_departure) ||
		(row->has_distance && ts->prev_has_distance &&
		 row->distance <= ts->prev_distance) ||
		(row->timepoint == 1 && untimed) ||
		(row->timepoint_column && row->timepoint < 0 &&
		 (row->arrival >= 0 || row->departure >= 0)) ||
		windowed ||
		(row->stop_id.len == 0 && row->has_distance) ||
		(row->stop_id.len > 0 && ts->prev_stop_given &&
		 ts->prev_stop.len == row->stop_id.len &&
		 memcmp(ts->prev_stop.data, row->stop_id.data, row->stop_id.len) == 0))
		ts->suspect = true;
	/* too_many_consecutive_stop_times_with_same_time: more than 5 */
	same_time = row->arrival >= 0 && row->arrival == row->departure ?
		row->arrival : -1;
	if (same_time >= 0 && same_time == ts->prev_same_time)
	{
		if (++ts->same_time_pairs + 1 > 5)
			ts->suspect = true;
	}
	else
		ts->same_time_pairs = 0;
	ts->prev_same_time = same_time;

	if (!screen_speed(ts, row))
		return false;

	ts->prev_has_distance = row->has_distance;
	ts->prev_distance = row->distance;
	buf_reset(&ts->prev_stop);
	ts->prev_stop_given = row->stop_id.len > 0 &&
		buf_append(&ts->prev_stop, row->stop_id.data, row->stop_id.len);
	if (row->departure >= 0)
		ts->last_departure = row->departure;
	/* duplicate_trip: the calls, summed so that their order is no matter */
	h = hash_mix(0, (uint64_t) row->stop_sequence);
	h = hash_text(h, row->stop_id);
	h = hash_text(h, row->location_group_id);
	h = hash_text(h, row->location_id);
	h = hash_mix(h, (uint64_t) (int64_t) row->arrival);
	h = hash_mix(h, (uint64_t) (int64_t) row->departure);
	h = hash_mix(h, (uint64_t) (int64_t) row->window_start);
	h = hash_mix(h, (uint64_t) (int64_t) row->window_end);
	ts->calls_hash += h;
	/* stop_too_far_from_shape: the stops called at, each as often */
	ts->stops_hash += hash_text(0, row->stop_id);
	return true;
}

bool
screen_finish(TripScreen *ts)
{
	return end_run(ts);
}
