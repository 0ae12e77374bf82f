/*
 * timetable.c: service_days, arrivals_departures and connections, as SQL.
 *
 * GTFS gives a trip's times as offsets from "noon minus 12h" of its service
 * day in its agency's time zone, so that 25:10:00 is the next morning and,
 * on the days clocks change, 01:30:00 is not 1:30 on the clock.  These
 * objects turn the timetable into instants, as gtfs-via-postgres does
 * (same object and column names), and they are exact across DST:
 *
 *   t = ((date + time '12:00') AT TIME ZONE tz) - interval '12 hours' + time
 *
 * Times are intervals with no day part, so the additions are of elapsed
 * time.  The templates are expanded by ddl_template ("@s": the schema).
 */
#include "timetable.h"

#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "notice_store.h"
#include "progress.h"

/* The days of each service: calendar.txt, plus and minus calendar_dates. */
static const char service_days_sql[] =
"CREATE TABLE @s.service_days (\n"
"\t@fservice_id text COLLATE \"C\" NOT NULL,\n"
"\tdate date NOT NULL\n"
")" DDL_TABLE_OPTIONS;

/*
 * The statements that record notices take their kind's code, severity and
 * action, as notice.c's table gives them, as $1, $2 and $3.
 */
#define NOTICE_INSERT \
"INSERT INTO @s.import_notices\n" \
"\t(file, line, \"column\", code, severity, value, message, action)\n" \
"SELECT 'calendar.txt', " DDL_LINE_COLUMN ", 'end_date', $1, $2,\n"

/* A range that ends before it starts gives no day and a notice. */
static const char range_notice_sql[] =
NOTICE_INSERT
"\tto_char(end_date, 'YYYYMMDD'),\n"
"\tformat('end_date before start_date %s: service %s has no day '\n"
"\t\t'from calendar.txt', to_char(start_date, 'YYYYMMDD'), service_id),\n"
"\t$3\n"
"FROM @s.calendar WHERE end_date < start_date";

/*
 * A calendar.txt line of years (00010101-99991231: 3.6 million days) would
 * make service_days as big as the days it spans, whatever the feed's size:
 * service_days holds the first HELD_DAYS of each line (the validator's
 * "more than two years" of service_extends_far_in_the_future), every day
 * of calendar_dates.txt, and LATER_DAYS computes the rest when a view asks.
 */
#define HELD_DAYS "730"

/*
 * A line that runs past its held days, or past two years from today (the
 * validator's rule); not one of no weekday, which runs on no day.
 */
static const char far_notice_sql[] =
NOTICE_INSERT
"\tto_char(end_date, 'YYYYMMDD'),\n"
"\tformat('service %s runs from %s to %s, more than two years '\n"
"\t\t'%s%s', service_id, to_char(start_date, 'YYYYMMDD'),\n"
"\t\tto_char(end_date, 'YYYYMMDD'),\n"
"\t\tCASE WHEN end_date > current_date + " HELD_DAYS "\n"
"\t\t\tTHEN 'after today' ELSE 'long' END,\n"
"\t\tCASE WHEN end_date >= start_date + " HELD_DAYS "\n"
"\t\t\tTHEN format(': service_days holds its days to %s, '\n"
"\t\t\t\t'arrivals_departures and connections compute the later '\n"
"\t\t\t\t'ones when queried', to_char(start_date + " HELD_DAYS " - 1,\n"
"\t\t\t\t'YYYYMMDD')) ELSE '' END),\n"
"\t$3\n"
"FROM @s.calendar\n"
"WHERE 1 IN (monday, tuesday, wednesday, thursday, friday, saturday, sunday)\n"
"AND (end_date >= start_date + " HELD_DAYS "\n"
"\tOR (end_date >= start_date AND end_date > current_date + " HELD_DAYS "))";

/* Whether calendar row c runs on the weekday of day. */
#define ON_WEEKDAY(c, day) \
"(ARRAY[" c ".sunday, " c ".monday, " c ".tuesday, " c ".wednesday,\n" \
"\t\t" c ".thursday, " c ".friday, " c ".saturday])" \
"[extract(dow FROM " day ")::integer + 1] = 1"

static const char service_days_fill_sql[] =
"INSERT INTO @s.service_days (service_id, date)\n"
"SELECT service_id, date FROM (\n"
"\t-- the weekdays of calendar.txt from start_date, its held days at most\n"
"\tSELECT c.service_id, d::date AS date\n"
"\tFROM @s.calendar c CROSS JOIN LATERAL generate_series(\n"
"\t\tc.start_date::timestamp,\n"
"\t\tleast(c.end_date, c.start_date + " HELD_DAYS " - 1)::timestamp,\n"
"\t\tinterval '1 day') AS d\n"
"\tWHERE " ON_WEEKDAY("c", "d") "\n"
"\tUNION\n"
"\t-- exception_type 1: added\n"
"\tSELECT service_id, date FROM @s.calendar_dates"
" WHERE exception_type = 1\n"
") AS days\n"
"WHERE service_id IS NOT NULL AND date IS NOT NULL\n"
"-- exception_type 2: removed\n"
"AND NOT EXISTS (SELECT FROM @s.calendar_dates x\n"
"\tWHERE x.service_id = days.service_id AND x.date = days.date\n"
"\tAND x.exception_type = 2)\n"
"ORDER BY service_id, date";

/*
 * The days of calendar.txt past the held ones, computed when queried: one
 * series of the days from the first to the last of them for the whole
 * feed (none when every line is held whole), streamed (a set-returning
 * function in the select list is not stored first, as one in FROM is) and
 * filtered by the query's date before the join with the lines that run on
 * it, less the days of calendar_dates.txt (removed, or added and so held).
 */
#define LATER_DAYS \
"SELECT c.service_id, s.date\n" \
"\tFROM (SELECT first + generate_series(0, last - first) AS date\n" \
"\t\tFROM (SELECT min(start_date) + " HELD_DAYS " AS first,\n" \
"\t\t\tmax(end_date) AS last FROM @s.calendar\n" \
"\t\t\tWHERE end_date >= start_date + " HELD_DAYS ") b) s\n" \
"\tJOIN @s.calendar c\n" \
"\t\tON s.date BETWEEN c.start_date + " HELD_DAYS " AND c.end_date\n" \
"\tWHERE c.service_id IS NOT NULL AND " ON_WEEKDAY("c", "s.date") "\n" \
"\tAND NOT EXISTS (SELECT FROM @s.calendar_dates x\n" \
"\t\tWHERE x.service_id = c.service_id AND x.date = s.date\n" \
"\t\tAND x.exception_type IN (1, 2))"

/* Every day of every service: service_days and LATER_DAYS. */
#define SERVICE_DAYS_ALL \
"(SELECT service_id, date FROM @s.service_days\n" \
"\tUNION ALL\n" \
"\t" LATER_DAYS ")"

const char timetable_service_days[] = SERVICE_DAYS_ALL;

/*
 * Every stop time (st) of every trip (t) on every day of its service (sd),
 * and its agency (g): the route's, else the feed's when all its agencies
 * share one time zone (routes may omit agency_id when there is one agency).
 */
#define BASE_FROM \
"FROM @s.stop_times st\n" \
"JOIN @s.trips t ON t.trip_id = st.trip_id\n" \
"JOIN " SERVICE_DAYS_ALL " sd ON sd.service_id = t.service_id\n" \
"LEFT JOIN @s.routes r ON r.route_id = t.route_id\n" \
"LEFT JOIN @s.agency a ON a.agency_id = r.agency_id\n" \
"CROSS JOIN (SELECT\n" \
"\t\tCASE WHEN count(*) = 1 THEN min(agency_id) END AS agency_id,\n" \
"\t\tCASE WHEN count(DISTINCT agency_timezone) = 1\n" \
"\t\t\tTHEN min(agency_timezone) END AS agency_timezone\n" \
"\tFROM @s.agency) fa\n" \
"CROSS JOIN LATERAL (SELECT\n" \
"\tcoalesce(a.agency_id, fa.agency_id) AS agency_id,\n" \
"\tcoalesce(a.agency_timezone, fa.agency_timezone) AS tz) g\n"

/* A trip not in frequencies.txt runs once, at its times. */
#define PLAIN_INSTANCE \
"CROSS JOIN LATERAL (SELECT NULL::integer AS it, interval '0' AS shift) i\n"
#define PLAIN_WHERE \
"WHERE NOT EXISTS (SELECT FROM @s.frequencies f" \
" WHERE f.trip_id = st.trip_id)\n"

/*
 * A trip of frequencies.txt runs once per start_time + k * headway_secs
 * before end_time (exact_times 0 or 1 alike): its first departure moved
 * there, its other times with it.  Its template times are no instance.
 * frequencies_it counts its instances from 1, in order of start_time.
 */
#define FREQUENCY_COUNT(f) \
"greatest(ceil(extract(epoch FROM " f ".end_time - " f ".start_time)\n" \
"\t/ " f ".headway_secs)::integer, 0)"
#define FREQUENCY_INSTANCE \
"JOIN @s.frequencies f ON f.trip_id = st.trip_id AND f.headway_secs > 0\n" \
"CROSS JOIN LATERAL generate_series(0, " FREQUENCY_COUNT("f") " - 1) k\n" \
"CROSS JOIN LATERAL (SELECT k + 1 + (SELECT coalesce(sum(\n" \
"\t\t" FREQUENCY_COUNT("e") "), 0)\n" \
"\t\tFROM @s.frequencies e WHERE e.trip_id = f.trip_id\n" \
"\t\tAND e.start_time < f.start_time AND e.headway_secs > 0)::integer" \
" AS it,\n" \
"\tf.start_time + k * f.headway_secs * interval '1 second'\n" \
"\t\t- (SELECT coalesce(departure_time, arrival_time)\n" \
"\t\t\tFROM @s.stop_times WHERE trip_id = f.trip_id\n" \
"\t\t\tORDER BY stop_sequence LIMIT 1) AS shift) i\n"

/* The instant the instance's times count from: noon minus 12h. */
#define ORIGIN \
"CROSS JOIN LATERAL (SELECT ((sd.date + time '12:00') AT TIME ZONE g.tz)\n" \
"\t- interval '12 hours' + i.shift AS t0) z\n"

#define ARRIVALS_DEPARTURES_SELECT \
"SELECT st.trip_id, sd.date, i.it AS frequencies_it, st.stop_sequence,\n" \
"\tst.stop_id, t.route_id, t.service_id, t.direction_id, t.trip_headsign,\n" \
"\tst.stop_headsign, st.pickup_type, st.drop_off_type, st.timepoint,\n" \
"\tst.shape_dist_traveled,\n" \
"\tz.t0 + st.arrival_time AS t_arrival,\n" \
"\tz.t0 + st.departure_time AS t_departure,\n" \
"\tg.agency_id, g.tz AS agency_timezone\n" \
BASE_FROM

static const char arrivals_departures_sql[] =
"CREATE OR REPLACE VIEW @s.arrivals_departures AS\n"
"-- one row per stop time per trip instance per service day\n"
ARRIVALS_DEPARTURES_SELECT PLAIN_INSTANCE ORIGIN PLAIN_WHERE
"UNION ALL\n"
ARRIVALS_DEPARTURES_SELECT FREQUENCY_INSTANCE ORIGIN;

#define CONNECTIONS_SELECT \
"SELECT st.trip_id, sd.date, i.it AS frequencies_it, t.route_id,\n" \
"\tt.service_id, t.direction_id, t.trip_headsign,\n" \
"\tst.stop_id AS from_stop_id, st.stop_sequence AS from_stop_sequence,\n" \
"\tst.pickup_type AS from_pickup_type,\n" \
"\tz.t0 + st.departure_time AS t_departure,\n" \
"\tn.stop_id AS to_stop_id, n.stop_sequence AS to_stop_sequence,\n" \
"\tn.drop_off_type AS to_drop_off_type,\n" \
"\tz.t0 + n.arrival_time AS t_arrival,\n" \
"\tg.agency_id, g.tz AS agency_timezone\n" \
BASE_FROM

/* The next stop time of the trip. */
#define NEXT_STOP \
"CROSS JOIN LATERAL (SELECT stop_id, stop_sequence, arrival_time,\n" \
"\t\tdrop_off_type FROM @s.stop_times\n" \
"\tWHERE trip_id = st.trip_id AND stop_sequence > st.stop_sequence\n" \
"\tORDER BY stop_sequence LIMIT 1) n\n"

static const char connections_sql[] =
"CREATE OR REPLACE VIEW @s.connections AS\n"
"-- one row per pair of consecutive stop times of a trip instance\n"
CONNECTIONS_SELECT PLAIN_INSTANCE ORIGIN NEXT_STOP PLAIN_WHERE
"UNION ALL\n"
CONNECTIONS_SELECT FREQUENCY_INSTANCE ORIGIN NEXT_STOP;

/* In the order the load runs them. */
static const struct
{
	const char *sql;
	bool		view;
	const char *step;			/* its name in the report */
	NoticeKind	notice;			/* the kind it records (then not of the
								 * schema), or NK_COUNT */
}			statements[] = {
	{service_days_sql, false, "service_days table", NK_COUNT},
	{range_notice_sql, false, "calendar date range check",
	NK_START_AND_END_RANGE_OUT_OF_ORDER},
	{far_notice_sql, false, "calendar far future check",
	NK_SERVICE_EXTENDS_FAR_IN_THE_FUTURE},
	{service_days_fill_sql, false, "service_days", NK_COUNT},
	{"ALTER TABLE @s.service_days ADD PRIMARY KEY (service_id, date)",
	false, "service_days primary key", NK_COUNT},
	{"CREATE INDEX ON @s.service_days (date)", false,
	"service_days(date) index", NK_COUNT},
	{arrivals_departures_sql, true, "arrivals_departures view", NK_COUNT},
	{connections_sql, true, "connections view", NK_COUNT},
};

#define NSTATEMENTS ((int) (sizeof(statements) / sizeof(statements[0])))

int
timetable_count(void)
{
	return NSTATEMENTS;
}

bool
timetable_sql(Buf *sql, const Ddl *d, int i, TimetablePart part)
{
	if (i < 0 || i >= NSTATEMENTS ||
		(part == TIMETABLE_SCHEMA &&
		 (statements[i].notice != NK_COUNT || statements[i].view)) ||
		(part == TIMETABLE_LOAD && statements[i].view) ||
		(part == TIMETABLE_VIEWS && !statements[i].view))
		return true;
	return ddl_template(sql, d, statements[i].sql);
}

/*
 * Runs statement i, which records notices of its kind: their code,
 * severity and action are the table's; they count with the others and a
 * strict load lists its errors.
 */
static bool
record_notices(PGconn *conn, const Ddl *d, Notices *nt, int end_date_column,
			   const char *sql, NoticeKind kind)
{
	const char *params[3] = {
		notice_code(kind),
		notice_severity_name(notice_severity(kind)),
		notice_action_name(notice_rule(kind, NC_OPTIONAL))
	};
	long		before = notice_count(nt, NOTICE_ERROR);
	PGresult   *res;
	bool		ok = db_run(conn, sql, 3, params, NULL,
							"could not check calendar.txt", &res) == DB_DONE;
	Buf			table;

	if (ok)
		notice_count_server(nt, kind, atol(PQcmdTuples(res)));
	PQclear(res);
	buf_init(&table, DDL_SQL_MAX);
	ok = ok && ddl_table(&table, d, "import_notices") &&
		notice_print_inserted(nt, conn, table.data, "calendar.txt",
							  "end_date", kind, end_date_column, before);
	buf_free(&table);
	return ok;
}

bool
timetable_create(PGconn *conn, const Ddl *d, Notices *nt,
				 int end_date_column, Report *rep)
{
	Buf			sql;
	bool		ok = true;

	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && i < NSTATEMENTS; i++)
	{
		double		started = progress_step(statements[i].step);

		buf_reset(&sql);
		ok = timetable_sql(&sql, d, i, TIMETABLE_LOAD);
		if (!ok)
			log_error("statement too long or out of memory");
		else if (sql.len == 0)
			continue;
		else if (statements[i].notice != NK_COUNT)
			ok = record_notices(conn, d, nt, end_date_column, sql.data,
								statements[i].notice);
		else
			ok = db_exec(conn, sql.data);
		ok = ok && report_add_step(rep, statements[i].step, started);
	}
	buf_free(&sql);
	return ok;
}
