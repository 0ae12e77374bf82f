/*
 * timetable.h: the timetable as real time, in every feed's schema.
 *
 *   service_days(service_id, date)  a table: the days each service runs,
 *                                   the first two years of each
 *                                   calendar.txt line at most
 *   arrivals_departures             a view: every stop time of every trip
 *                                   instance of every service day, with
 *                                   t_arrival and t_departure as instants
 *   connections                     a view: every pair of consecutive stop
 *                                   times of a trip instance
 *   arrival_departure_by_arrival_departure_id(id),
 *   connection_by_connection_id(id) a row of each view by its id
 *   largest_arrival_time(), largest_departure_time(),
 *   dates_filter_min(t), dates_filter_max(t)
 *                                   the bounds of the days of a time
 *                                   window, to read service_days(date)
 *
 * The views have gtfs-via-postgres's columns, names and meaning.
 *
 * Made by the load once keys and indexes exist (service_days is filled
 * then; the views cost nothing until queried) and shown by --print-schema.
 */
#ifndef TIMETABLE_H
#define TIMETABLE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "buf.h"
#include "ddl.h"
#include "notice.h"
#include "report.h"

/*
 * Every day of every service, as a subquery of (service_id, date) in
 * which "@s" stands for the schema (ddl_template's): service_days and the
 * days of calendar.txt past those it holds, computed when queried
 * (schema/sql/timetable_days.sql).  The views read it; a query of the
 * days of a period should too.
 */
extern const char sql_timetable_days[];

/*
 * Appends template to sql with "@d" replaced by every day of every
 * service (sql_timetable_days), then expanded by ddl_template.  False
 * when sql would pass DDL_SQL_MAX or memory runs out.
 */
extern bool timetable_template(Buf *sql, const Ddl *d, const char *template);

/*
 * The names of the functions the views come with, as SQL literals: a
 * feed's drop drops them with the views (those of the lookups depend on
 * their row types).
 */
#define TIMETABLE_FUNCTIONS \
	"'arrival_departure_by_arrival_departure_id', " \
	"'connection_by_connection_id', 'largest_arrival_time', " \
	"'largest_departure_time', 'dates_filter_min', 'dates_filter_max'"

/* Which statements timetable_sql() appends. */
typedef enum
{
	TIMETABLE_SCHEMA,			/* the table, not how the load fills it */
	TIMETABLE_LOAD,				/* the table and what fills it */
	TIMETABLE_VIEWS				/* the views, made in the feed's schema */
} TimetablePart;

/* The number of statements timetable_sql() knows. */
extern int	timetable_count(void);

/*
 * Appends the i-th statement (0 <= i < timetable_count()) for the schema
 * of d when it is of part (else nothing).  The statements that record
 * notices of a load read the staging tables' DDL_LINE_COLUMN: they are of
 * TIMETABLE_LOAD only.  False when sql is full.
 */
extern bool timetable_sql(Buf *sql, const Ddl *d, int i, TimetablePart part);

/*
 * Runs the statements of TIMETABLE_LOAD on conn, in its open transaction,
 * in d's staging schema: the tables of the feed (with DDL_LINE_COLUMN) and
 * import_notices must exist, with their keys and indexes.  The notices
 * found count in nt, and a strict load lists its errors (end_date_column:
 * end_date's column in calendar.txt, 1-based, 0 when unknown).  Each is a step
 * of rep (and of the progress line).  False (logged) when one failed; the
 * transaction is then aborted.
 */
extern bool timetable_create(PGconn *conn, const Ddl *d, Notices *nt,
							 int end_date_column, Report *rep);

#endif
