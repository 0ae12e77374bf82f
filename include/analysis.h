/*
 * analysis.h: what a researcher queries beside the timetable, as
 * gtfs-via-postgres names it, in every feed's schema:
 *
 *   feed_time_frame (view), feed_time_series(unit)   the feed's first and
 *                                   last instants, and the instants between
 *   stats_by_route_date, stats_by_agency_route_stop_hour,
 *   stats_active_trips_by_hour      materialized views over the whole
 *                                   timetable, filled by the load only with
 *                                   --stats (else empty until a REFRESH),
 *                                   indexed once filled
 *   stops_translated, routes_translated, trips_translated,
 *   arrivals_departures_translated, connections_translated
 *                                   views (of a feed with translations.txt):
 *                                   one row per record and language
 *                                   of translations.txt (either form of
 *                                   the reference, or GTFS-JP's trans_id)
 *
 * The SQL is schema/sql/stats_views.sql, stats_matviews.sql and
 * translated.sql.  Made after the timetable (timetable.h), whose views
 * they read.
 */
#ifndef ANALYSIS_H
#define ANALYSIS_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "buf.h"
#include "ddl.h"

/* The materialized views, for a catalog query (swap.c drops them). */
#define ANALYSIS_MATVIEWS \
	"'stats_by_route_date', 'stats_by_agency_route_stop_hour', " \
	"'stats_active_trips_by_hour'"

/* The functions (swap.c drops them with the views). */
#define ANALYSIS_FUNCTIONS "'feed_time_series'"

/* The views over the timetable's, which go before the timetable's do. */
#define ANALYSIS_VIEWS \
	"'feed_time_frame', 'arrivals_departures_translated', " \
	"'connections_translated', 'stops_translated', 'routes_translated', " \
	"'trips_translated', 'translation_languages', " \
	"'translations_by_record', 'translations_by_value'"

/*
 * Appends the statements (each ended by ";\n") that make the views,
 * functions and materialized views of d's schema, where the timetable's
 * views exist; a materialized view already there is kept (see
 * analysis_refresh).  The translated views only with translations (the
 * feed has translations.txt), as gtfs-via-postgres makes them: some
 * 30 ms of every load, a tenth of a small feed's; those of an earlier
 * load stay, over the feed's translations as they are.  False when sql
 * is full.
 */
extern bool analysis_views(Buf *sql, const Ddl *d, bool translations);

/*
 * Appends the statements that make the indexes of the materialized views
 * of d's schema (kept when there), which only filled views get.  False
 * (logged) when sql is full.
 */
extern bool analysis_indexes(Buf *sql, const Ddl *d);

/*
 * Fills the materialized views of d's schema (fill) and makes their
 * indexes, or empties those that
 * hold rows (!fill: rows of the feed replaced), on d->conn in its open
 * transaction, once analysis_views' statements have run; one that reads
 * tables the swap put aside (the schema's feed id changed) is made again
 * first.  False (logged) when the server refused.
 */
extern bool analysis_refresh(const Ddl *d, bool fill);

#endif
