/*
 * genfeed: a deterministic, realistic synthetic GTFS feed of any size.
 *
 *   genfeed [--seed S] --stop-times N OUT
 *
 * N is a row count, with an optional k or M suffix (10k, 2.5M, 50M).  OUT is
 * a directory (created if needed) that receives the .txt files, or a name
 * ending in ".zip": the files are then written to OUT.d/, zipped with the
 * zip command (fixed mtimes, -X, so the same seed gives the same bytes) and
 * the directory removed.
 *
 * The city is a jittered grid of bus and tram stops around a centre point;
 * subway lines have their own stations (location_type 1) with a platform
 * each.  Every route has one stop pattern, run in both directions, one shape
 * per direction (points between the stops) and trips spread over a weekday,
 * a Saturday and a Sunday service from about 05:00 to past 25:00, so the last
 * trips of the night run past 24:00:00.  Some routes write single-digit
 * hours ("5:07:00"), some leave the times of non-timepoint stops empty, some
 * trips are short turns, a few subway trips get frequencies.txt rows.
 *
 * Memory does not grow with N: the routes and their patterns are built first
 * (a few thousand routes at most), then trips and stop_times are written as
 * they are made.  Exactly N stop_times rows are written.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---------------------------------------------------------------- output */

typedef struct {
	FILE	   *f;
	char	   *buf;
	size_t		len;
	const char *name;
} Out;

#define OUTBUF (1 << 20)

static void
die(const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	fputs("genfeed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void
out_open(Out *o, const char *dir, const char *name, const char *header)
{
	char		path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	o->f = fopen(path, "w");
	if (o->f == NULL)
		die("%s: %s", path, strerror(errno));
	o->buf = malloc(OUTBUF);
	if (o->buf == NULL)
		die("out of memory");
	o->len = 0;
	o->name = name;
	fputs(header, o->f);
	fputc('\n', o->f);
}

static void
out_flush(Out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		die("%s: write: %s", o->name, strerror(errno));
	o->len = 0;
}

static void
out_close(Out *o)
{
	out_flush(o);
	if (fclose(o->f) != 0)
		die("%s: close: %s", o->name, strerror(errno));
	free(o->buf);
}

static inline void
need(Out *o, size_t n)
{
	if (o->len + n > OUTBUF)
		out_flush(o);
}

static inline void
put_c(Out *o, char c)
{
	need(o, 1);
	o->buf[o->len++] = c;
}

static inline void
put_s(Out *o, const char *s)
{
	size_t		n = strlen(s);

	need(o, n);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static inline void
put_u(Out *o, uint64_t v)
{
	char		tmp[24];
	int			n = 0;

	do
		tmp[n++] = (char) ('0' + v % 10);
	while ((v /= 10) != 0);
	need(o, (size_t) n);
	while (n)
		o->buf[o->len++] = tmp[--n];
}

static void
put_f(Out *o, const char *fmt, ...)
{
	va_list		ap;
	int			n;

	need(o, 256);
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, 256, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= 256)
		die("put_f overflow");
	o->len += (size_t) n;
}

/* fixed-point decimal with d digits after the point (value >= 0 or < 0) */
static inline void
put_fix(Out *o, double v, int d)
{
	static const uint64_t p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
	uint64_t	scaled;

	if (v < 0)
	{
		put_c(o, '-');
		v = -v;
	}
	scaled = (uint64_t) llround(v * (double) p10[d]);
	put_u(o, scaled / p10[d]);
	if (d > 0)
	{
		uint64_t	frac = scaled % p10[d];
		char		tmp[8];

		for (int i = d - 1; i >= 0; i--)
		{
			tmp[i] = (char) ('0' + frac % 10);
			frac /= 10;
		}
		need(o, (size_t) d + 1);
		o->buf[o->len++] = '.';
		memcpy(o->buf + o->len, tmp, (size_t) d);
		o->len += (size_t) d;
	}
}

/* GTFS time; hours may pass 24; short = "5:07:00" rather than "05:07:00" */
static inline void
put_time(Out *o, int secs, int short_hours)
{
	int			h = secs / 3600,
				m = secs / 60 % 60,
				s = secs % 60;

	need(o, 12);
	if (h >= 10 || !short_hours)
		o->buf[o->len++] = (char) ('0' + h / 10);
	o->buf[o->len++] = (char) ('0' + h % 10);
	o->buf[o->len++] = ':';
	o->buf[o->len++] = (char) ('0' + m / 10);
	o->buf[o->len++] = (char) ('0' + m % 10);
	o->buf[o->len++] = ':';
	o->buf[o->len++] = (char) ('0' + s / 10);
	o->buf[o->len++] = (char) ('0' + s % 10);
}

/* ------------------------------------------------------------------ rng */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	/* splitmix64 */
	uint64_t	z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
rng_unit(void)
{
	return (double) (rng_next() >> 11) / 9007199254740992.0;
}

static int
rng_int(int lo, int hi)			/* inclusive */
{
	return lo + (int) (rng_next() % (uint64_t) (hi - lo + 1));
}

/* ---------------------------------------------------------------- model */

#define LAT0 45.5017			/* a city centre; any will do */
#define LON0 (-73.5673)
#define SPACING_M 320.0			/* grid step between bus stops */
#define M_PER_DEG_LAT 111320.0

enum {RT_TRAM = 0, RT_SUBWAY = 1, RT_BUS = 3};

typedef struct {
	double		lat,
				lon;
} Pt;

typedef struct {
	int			type;			/* route_type */
	int			agency;			/* 0 metro (subway, tram), 1 bus */
	int			nstops;
	int		   *stops;			/* stop index, direction 0 order */
	double	   *dist;			/* cumulative metres at each stop, dir 0 */
	int			short_hours;	/* write 5:07:00 */
	int			sparse_times;	/* empty times at non-timepoints */
	double		weight;			/* share of the stop_times */
	int64_t		quota;			/* stop_times rows to produce */
} Route;

static int	grid_n;				/* grid is grid_n x grid_n bus stops */
static Pt  *stops;
static int	nstops,
			stops_cap;
static int *parent;				/* -1, or index of the parent station */
static int *loctype;

static double
dist_m(Pt a, Pt b)
{
	double		dy = (a.lat - b.lat) * M_PER_DEG_LAT,
				dx = (a.lon - b.lon) * M_PER_DEG_LAT * cos(a.lat * M_PI / 180);

	return sqrt(dx * dx + dy * dy);
}

static int
add_stop(Pt p, int type, int par)
{
	if (nstops == stops_cap)
	{
		stops_cap = stops_cap ? stops_cap * 2 : 1024;
		stops = realloc(stops, sizeof *stops * (size_t) stops_cap);
		parent = realloc(parent, sizeof *parent * (size_t) stops_cap);
		loctype = realloc(loctype, sizeof *loctype * (size_t) stops_cap);
		if (!stops || !parent || !loctype)
			die("out of memory");
	}
	stops[nstops] = p;
	loctype[nstops] = type;
	parent[nstops] = par;
	return nstops++;
}

static Pt
grid_pt(int i, int j)
{
	double		dlat = SPACING_M / M_PER_DEG_LAT,
				dlon = dlat / cos(LAT0 * M_PI / 180);
	Pt			p;

	p.lat = LAT0 + (i - grid_n / 2) * dlat;
	p.lon = LON0 + (j - grid_n / 2) * dlon;
	return p;
}

/* A walk over the grid: mostly straight, turning now and then. */
static void
walk(int len, int stride, int *ci, int *cj, int *out_i, int *out_j)
{
	static const int di[] = {1, 0, -1, 0},
				dj[] = {0, 1, 0, -1};
	int			i = rng_int(0, grid_n - 1),
				j = rng_int(0, grid_n - 1),
				d = rng_int(0, 3);

	for (int k = 0; k < len; k++)
	{
		out_i[k] = i;
		out_j[k] = j;
		for (int tries = 0; tries < 8; tries++)
		{
			int			ni = i + di[d] * stride,
						nj = j + dj[d] * stride;

			if (ni >= 0 && ni < grid_n && nj >= 0 && nj < grid_n &&
				rng_unit() > 0.12)
			{
				i = ni;
				j = nj;
				break;
			}
			d = (d + (rng_unit() < 0.5 ? 1 : 3)) % 4;
		}
	}
	*ci = i;
	*cj = j;
}

/* ----------------------------------------------------------------- main */

static int64_t
parse_count(const char *s)
{
	char	   *end;
	double		v = strtod(s, &end);

	if (end == s)
		die("bad count: %s", s);
	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1e6, end++;
	if (*end || v < 2 || v > 1e10)
		die("bad count: %s", s);
	return (int64_t) llround(v);
}

static void
usage(void)
{
	fputs("usage: genfeed [--seed S] --stop-times N OUTDIR|OUT.zip\n"
		  "  N: rows of stop_times.txt, e.g. 10000, 10k, 1M, 50M\n", stderr);
	exit(1);
}

static int
ends_with(const char *s, const char *suf)
{
	size_t		a = strlen(s),
				b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static void
shell_quote(char *dst, size_t cap, const char *s)
{
	size_t		n = 0;

	dst[n++] = '\'';
	for (; *s && n + 5 < cap; s++)
	{
		if (*s == '\'')
		{
			memcpy(dst + n, "'\\''", 4);
			n += 4;
		}
		else
			dst[n++] = *s;
	}
	dst[n++] = '\'';
	dst[n] = '\0';
}

static const char *street_a[] = {
	"Saint-Denis", "Sherbrooke", "Maple", "Oak", "Park", "Lakeview",
	"Church", "Mill", "River", "Station", "Elm", "Union", "Market",
	"Bridge", "Victoria", "Highland", "Cedar", "King", "Queen", "College"
};
static const char *street_b[] = {"Street", "Avenue", "Boulevard", "Road", "Way"};

int
main(int argc, char **argv)
{
	int64_t		n_st = -1;
	uint64_t	seed = 20260101;
	const char *out = NULL;
	char		dir[4096];
	int			zip;

	for (int a = 1; a < argc; a++)
	{
		if (strcmp(argv[a], "--stop-times") == 0 && a + 1 < argc)
			n_st = parse_count(argv[++a]);
		else if (strncmp(argv[a], "--stop-times=", 13) == 0)
			n_st = parse_count(argv[a] + 13);
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 10);
		else if (argv[a][0] == '-' && argv[a][1])
			usage();
		else if (out == NULL)
			out = argv[a];
		else
			usage();
	}
	if (n_st < 0 || out == NULL)
		usage();
	rng_state = seed;
	zip = ends_with(out, ".zip");
	snprintf(dir, sizeof dir, zip ? "%s.d" : "%s", out);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		die("%s: %s", dir, strerror(errno));

	/* ---- sizes: routes grow with sqrt(N), stops with the routes */
	int			nroutes = (int) lround(sqrt((double) n_st) / 5);

	if (nroutes < 4)
		nroutes = 4;
	if (nroutes > 1500)
		nroutes = 1500;
	if (nroutes > n_st / 2)
		nroutes = (int) (n_st / 2 > 0 ? n_st / 2 : 1);
	grid_n = (int) ceil(sqrt(nroutes * 16.0));
	if (grid_n < 8)
		grid_n = 8;

	/* ---- grid stops (bus and tram) */
	for (int i = 0; i < grid_n; i++)
		for (int j = 0; j < grid_n; j++)
		{
			Pt			p = grid_pt(i, j);

			p.lat += (rng_unit() - 0.5) * 60 / M_PER_DEG_LAT;
			p.lon += (rng_unit() - 0.5) * 60 / M_PER_DEG_LAT / cos(LAT0 * M_PI / 180);
			add_stop(p, 0, -1);
		}

	/* ---- routes and their patterns */
	Route	   *routes = calloc((size_t) nroutes, sizeof *routes);
	int		   *wi = malloc(sizeof(int) * 200),
			   *wj = malloc(sizeof(int) * 200);
	double		wsum = 0;

	if (!routes || !wi || !wj)
		die("out of memory");
	for (int r = 0; r < nroutes; r++)
	{
		Route	   *R = &routes[r];
		int			ei,
					ej;

		R->type = (r % 25 == 3) ? RT_SUBWAY : (r % 10 == 7) ? RT_TRAM : RT_BUS;
		R->agency = R->type == RT_BUS ? 1 : 0;
		R->short_hours = (r % 5 == 2);
		R->sparse_times = (R->type == RT_BUS && r % 4 == 1);
		if (R->type == RT_SUBWAY)
			R->nstops = rng_int(12, 30);
		else if (R->type == RT_TRAM)
			R->nstops = rng_int(18, 40);
		else
			R->nstops = rng_int(10, 60);
		R->stops = malloc(sizeof(int) * (size_t) R->nstops);
		R->dist = malloc(sizeof(double) * (size_t) R->nstops);
		if (!R->stops || !R->dist)
			die("out of memory");
		walk(R->nstops, R->type == RT_SUBWAY ? 3 : 1, &ei, &ej, wi, wj);
		for (int k = 0; k < R->nstops; k++)
		{
			if (R->type == RT_SUBWAY)
			{
				/* station + platform, a little off the street grid */
				Pt			p = grid_pt(wi[k], wj[k]);
				int			st;

				p.lat += 40 / M_PER_DEG_LAT;
				st = add_stop(p, 1, -1);
				R->stops[k] = add_stop(p, 0, st);
			}
			else
				R->stops[k] = wi[k] * grid_n + wj[k];
			R->dist[k] = k == 0 ? 0 :
				R->dist[k - 1] + dist_m(stops[R->stops[k - 1]], stops[R->stops[k]]);
		}
		/* busier routes: subway most, then tram, then bus */
		R->weight = (R->type == RT_SUBWAY ? 3.0 : R->type == RT_TRAM ? 1.5 : 1.0)
			* (0.5 + rng_unit()) * R->nstops;
		wsum += R->weight;
	}
	/* quotas, by cumulative rounding, so that they add up to exactly N */
	{
		double		cum = 0;
		int64_t		given = 0;
		for (int r = 0; r < nroutes; r++)
		{
			Route	   *R = &routes[r];
			int64_t		target;

			cum += R->weight;
			target = r == nroutes - 1 ? n_st : (int64_t) llround(n_st * (cum / wsum));
			if (target > n_st)
				target = n_st;
			R->quota = target - given;
			if (R->quota < 2 && r != nroutes - 1)
				R->quota = 0;
			given += R->quota;
		}
		if (given != n_st)
			die("internal: quotas add up to %lld", (long long) given);
	}

	/* ---- agency.txt */
	Out			o,
				o2;

	out_open(&o, dir, "agency.txt",
			 "agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone,agency_fare_url");
	put_s(&o, "METRO,Synthetic Metro,https://metro.example.org/,America/Montreal,fr,514-555-0100,https://metro.example.org/fares\n");
	put_s(&o, "BUS,\"Synthetic Bus Lines, Inc.\",https://bus.example.org/,America/Montreal,fr,,\n");
	out_close(&o);

	/* ---- stops.txt */
	out_open(&o, dir, "stops.txt",
			 "stop_id,stop_code,stop_name,stop_desc,stop_lat,stop_lon,zone_id,stop_url,location_type,parent_station,wheelchair_boarding,platform_code");
	for (int s = 0; s < nstops; s++)
	{
		int			a = (int) ((unsigned) s * 2654435761u % 20),
					b = (int) ((unsigned) s * 40503u % 5);

		put_s(&o, parent[s] >= 0 ? "P" : loctype[s] == 1 ? "STA" : "S");
		put_u(&o, (uint64_t) s);
		put_c(&o, ',');
		if (s % 3 != 0)
			put_u(&o, 10000 + (uint64_t) s);
		put_c(&o, ',');
		/* some names need quotes: "A / B, north side" */
		if (s % 11 == 0)
			put_f(&o, "\"%s %s / %s, north side\"", street_a[a], street_b[b], street_a[(a + 7) % 20]);
		else if (loctype[s] == 1 || parent[s] >= 0)
			put_f(&o, "%s Station", street_a[a]);
		else
			put_f(&o, "%s %s / %s", street_a[a], street_b[b], street_a[(a + 7) % 20]);
		put_c(&o, ',');
		/* stop_desc mostly empty */
		if (s % 17 == 0)
			put_s(&o, "Shelter");
		put_c(&o, ',');
		put_fix(&o, stops[s].lat, 6);
		put_c(&o, ',');
		put_fix(&o, stops[s].lon, 6);
		put_c(&o, ',');
		put_u(&o, (uint64_t) (1 + (s % 3)));
		put_c(&o, ',');
		if (s % 5 == 0)
			put_f(&o, "https://metro.example.org/stops/%d", s);
		put_c(&o, ',');
		if (loctype[s] == 1)
			put_c(&o, '1');
		else if (s % 2)
			put_c(&o, '0');
		put_c(&o, ',');
		if (parent[s] >= 0)
		{
			put_s(&o, "STA");
			put_u(&o, (uint64_t) parent[s]);
		}
		put_c(&o, ',');
		if (s % 4 != 3)
			put_u(&o, (uint64_t) (s % 3));
		put_c(&o, ',');
		if (parent[s] >= 0)
			put_c(&o, '1');
		put_c(&o, '\n');
	}
	out_close(&o);

	/* ---- routes.txt */
	static const char *colours[] = {"00A650", "EF3E42", "0072BC", "FFD200", "9E1F63", "F58220"};

	out_open(&o, dir, "routes.txt",
			 "route_id,agency_id,route_short_name,route_long_name,route_desc,route_type,route_url,route_color,route_text_color,route_sort_order");
	for (int r = 0; r < nroutes; r++)
	{
		Route	   *R = &routes[r];
		int			first = R->stops[0],
					last = R->stops[R->nstops - 1];

		put_s(&o, "R");
		put_u(&o, (uint64_t) r);
		put_s(&o, R->agency ? ",BUS," : ",METRO,");
		if (R->type == RT_SUBWAY)
			put_f(&o, "M%d", r / 25 + 1);
		else if (R->type == RT_TRAM)
			put_f(&o, "T%d", r / 10 + 1);
		else
			put_u(&o, (uint64_t) (r + 10));
		put_f(&o, ",%s - %s,", street_a[first % 20], street_a[last % 20]);
		if (r % 9 == 0)
			put_s(&o, "\"Express, limited stops\"");
		put_f(&o, ",%d,", R->type);
		if (r % 3 == 0)
			put_f(&o, "https://metro.example.org/routes/%d", r);
		put_c(&o, ',');
		if (R->type != RT_BUS || r % 2)
			put_f(&o, "%s,FFFFFF", colours[r % 6]);
		else
			put_c(&o, ',');
		put_c(&o, ',');
		put_u(&o, (uint64_t) r);
		put_c(&o, '\n');
	}
	out_close(&o);

	/* ---- shapes.txt: one per route and direction, two points between stops */
	out_open(&o, dir, "shapes.txt",
			 "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled");
	for (int r = 0; r < nroutes; r++)
	{
		Route	   *R = &routes[r];

		for (int d = 0; d < 2; d++)
		{
			int			seq = 1;

			for (int k = 0; k < R->nstops; k++)
			{
				int			kk = d ? R->nstops - 1 - k : k;
				Pt			p = stops[R->stops[kk]];
				double		dd = d ? R->dist[R->nstops - 1] - R->dist[kk] : R->dist[kk];
				int			nsub = k == R->nstops - 1 ? 1 : 3;

				for (int u = 0; u < nsub; u++)
				{
					Pt			q = p;
					double		qd = dd;

					if (u)
					{
						int			kn = d ? kk - 1 : kk + 1;
						Pt			pn = stops[R->stops[kn]];
						double		t = u / 3.0;

						q.lat = p.lat + (pn.lat - p.lat) * t + ((u == 1) ? 8 : -8) / M_PER_DEG_LAT;
						q.lon = p.lon + (pn.lon - p.lon) * t;
						qd = dd + dist_m(p, pn) * t;
					}
					put_f(&o, "SH%d_%d,", r, d);
					put_fix(&o, q.lat, 6);
					put_c(&o, ',');
					put_fix(&o, q.lon, 6);
					put_c(&o, ',');
					put_u(&o, (uint64_t) seq++);
					put_c(&o, ',');
					put_fix(&o, qd, 1);
					put_c(&o, '\n');
				}
			}
		}
	}
	out_close(&o);

	/* ---- calendar.txt, calendar_dates.txt */
	out_open(&o, dir, "calendar.txt",
			 "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date");
	put_s(&o, "WKDY,1,1,1,1,1,0,0,20260101,20261231\n"
		  "SAT,0,0,0,0,0,1,0,20260101,20261231\n"
		  "SUN,0,0,0,0,0,0,1,20260101,20261231\n");
	out_close(&o);
	out_open(&o, dir, "calendar_dates.txt", "service_id,date,exception_type");
	{
		static const char *hol[] = {"20260101", "20260403", "20260406", "20260518",
		"20260624", "20260701", "20260907", "20261012", "20261225"};

		for (size_t h = 0; h < sizeof hol / sizeof *hol; h++)
			put_f(&o, "WKDY,%s,2\nSUN,%s,1\n", hol[h], hol[h]);
	}
	out_close(&o);

	/* ---- feed_info.txt */
	out_open(&o, dir, "feed_info.txt",
			 "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email");
	put_f(&o, "gtfs2pgsql genfeed,https://example.org/genfeed,fr,20260101,20261231,seed-%llu-n-%lld,\n",
		  (unsigned long long) seed, (long long) n_st);
	out_close(&o);

	/* ---- trips.txt + stop_times.txt + frequencies.txt, streamed */
	Out			of;
	int			nfreq = 0;
	int64_t		written = 0;

	out_open(&o, dir, "trips.txt",
			 "route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id,block_id,shape_id,wheelchair_accessible,bikes_allowed");
	out_open(&o2, dir, "stop_times.txt",
			 "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,pickup_type,drop_off_type,shape_dist_traveled,timepoint");
	out_open(&of, dir, "frequencies.txt", "trip_id,start_time,end_time,headway_secs,exact_times");

	for (int r = 0; r < nroutes; r++)
	{
		Route	   *R = &routes[r];
		int64_t		left = R->quota;
		double		speed = R->type == RT_SUBWAY ? 11.0 : R->type == RT_TRAM ? 6.5 : 5.0;
		int			dwell = R->type == RT_SUBWAY ? 30 : 15;
		/* trips needed, and so the headway of each (service, direction) */
		int64_t		ntrips = (left + R->nstops - 1) / R->nstops;
		int64_t		per_sd[3],
					idx_sd[3][2] = {{0, 0}, {0, 0}, {0, 0}};
		int64_t		k = 0;

		per_sd[0] = (ntrips * 6 / 10 + 1) / 2 + 1;
		per_sd[1] = (ntrips * 2 / 10 + 1) / 2 + 1;
		per_sd[2] = (ntrips * 2 / 10 + 1) / 2 + 1;

		while (left > 0)
		{
			int			svc = (k % 5 < 3) ? 0 : (k % 5 == 3) ? 1 : 2;
			int			d = (int) ((k / 5 + k) % 2);
			int64_t		j = idx_sd[svc][d]++;
			int			span = 20 * 3600 + 30 * 60;	/* 05:00 .. 25:30 */
			int64_t		per = per_sd[svc] > 0 ? per_sd[svc] : 1;
			/* past a day's trips, a minute and a bit later: not the same
			 * trip again (duplicate_trip) */
			int			start = 5 * 3600 + (int) (j * span / per) % span +
				(int) (j / per % 50) * 67 + (d ? 420 : 0) + (r % 7) * 60;
			/* a vehicle runs one trip of its direction in every so many,
			 * two hours apart: no trips of a block at once */
			int64_t		vehicles = 7200 * per / span + 1;
			int			from = 0,
						to = R->nstops;	/* stop index range in direction order */
			int			n;

			/* short turns: every 6th bus trip skips the ends of the line */
			if (R->type == RT_BUS && k % 6 == 5 && R->nstops >= 16)
			{
				from = 3;
				to = R->nstops - 3;
			}
			n = to - from;
			if (n > left)
				n = (int) left;
			if (left - n == 1)	/* never leave a one-stop trip behind */
				n--;
			to = from + n;

			/* trips.txt */
			put_s(&o, "R");
			put_u(&o, (uint64_t) r);
			put_s(&o, svc == 0 ? ",WKDY," : svc == 1 ? ",SAT," : ",SUN,");
			put_f(&o, "T%d_%lld,", r, (long long) k);
			{
				int			endk = d ? R->nstops - 1 - (to - 1) : to - 1;

				put_f(&o, "%s%s,", street_a[R->stops[endk] % 20],
					  (from || to != R->nstops) ? " (short)" : "");
			}
			if (R->type == RT_SUBWAY)
				put_u(&o, (uint64_t) (1000 + k));
			put_f(&o, ",%d,", d);
			if (k % 4 != 3)
				put_f(&o, "B%d_%d%d_%lld_%lld", r, svc, d,
					  (long long) (j % per % vehicles), (long long) (j / per));
			put_f(&o, ",SH%d_%d,", r, d);
			if (k % 3)
				put_c(&o, '1');
			put_c(&o, ',');
			if (k % 3 == 0)
				put_c(&o, (char) ('0' + (k / 3) % 3));
			put_c(&o, '\n');

			/* a few subway trips run by frequency */
			if (R->type == RT_SUBWAY && j == 0 && svc == 0 && nfreq < 12)
			{
				put_f(&of, "T%d_%lld,", r, (long long) k);
				put_time(&of, 6 * 3600, 0);
				put_c(&of, ',');
				put_time(&of, 9 * 3600 + 30 * 60, 0);
				put_s(&of, ",180,0\n");
				nfreq++;
			}

			/* stop_times.txt */
			double		total = R->dist[R->nstops - 1];
			double		d0 = -1;
			int			t = start;

			for (int q = from; q < to; q++)
			{
				int			kk = d ? R->nstops - 1 - q : q;
				double		dd = d ? total - R->dist[kk] : R->dist[kk];
				int			tp = (q == from || q == to - 1 || (q - from) % 3 == 0);
				int			arr,
							dep;

				if (d0 >= 0)
					t += (int) ((dd - d0) / speed) + dwell;
				d0 = dd;
				arr = t;
				dep = (R->type == RT_SUBWAY || (q % 10 == 0 && q != from)) ? t + dwell : t;
				if (dep != arr && q != to - 1)
					t = dep;

				put_f(&o2, "T%d_%lld,", r, (long long) k);
				if (!R->sparse_times || tp)
				{
					put_time(&o2, arr, R->short_hours);
					put_c(&o2, ',');
					put_time(&o2, q == to - 1 ? arr : dep, R->short_hours);
				}
				else
					put_c(&o2, ',');
				put_c(&o2, ',');
				put_s(&o2, parent[R->stops[kk]] >= 0 ? "P" : "S");
				put_u(&o2, (uint64_t) R->stops[kk]);
				put_c(&o2, ',');
				put_u(&o2, (uint64_t) (q - from + 1));
				put_c(&o2, ',');
				if (q == from && R->type == RT_BUS && k % 7 == 0)
					put_s(&o2, "Express");
				put_c(&o2, ',');
				if (q == to - 1)
					put_c(&o2, '1');	/* no pickup at the terminus */
				put_c(&o2, ',');
				if (q == from)
					put_c(&o2, '1');	/* no drop-off at the start */
				put_c(&o2, ',');
				put_fix(&o2, dd, 1);
				put_c(&o2, ',');
				/* a row with times says whether they are exact, as the
				 * validator asks (missing_timepoint_value) */
				put_c(&o2, tp ? '1' : '0');
				put_c(&o2, '\n');
			}
			written += n;
			left -= n;
			k++;
		}
	}
	out_close(&of);
	out_close(&o2);
	out_close(&o);
	if (written != n_st)
		die("internal: wrote %lld stop_times, not %lld", (long long) written, (long long) n_st);

	if (zip)
	{
		char		absout[4096],
					absdir[4200],
					qout[8400],
					qdir[8400],
					cmd[40000];

		if (out[0] == '/')
			snprintf(absout, sizeof absout, "%s", out);
		else
		{
			char		cwd[2048];

			if (!getcwd(cwd, sizeof cwd))
				die("getcwd: %s", strerror(errno));
			snprintf(absout, sizeof absout, "%s/%s", cwd, out);
		}
		snprintf(absdir, sizeof absdir, "%s.d", absout);
		shell_quote(qout, sizeof qout, absout);
		shell_quote(qdir, sizeof qdir, absdir);
		/* fixed mtimes and no extra attributes: same seed, same bytes */
		snprintf(cmd, sizeof cmd,
				 "set -e; rm -f %s; cd %s; "
				 "touch -d '2026-01-01 00:00:00' *.txt; "
				 "TZ=UTC zip -q -X -D %s *.txt; cd /; rm -rf %s",
				 qout, qdir, qout, qdir);
		if (system(cmd) != 0)
			die("zip failed: %s", cmd);
	}
	fprintf(stderr, "genfeed: %lld stop_times, %d routes, %d stops -> %s\n",
			(long long) n_st, nroutes, nstops, out);
	return 0;
}
