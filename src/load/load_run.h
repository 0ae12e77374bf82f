/*
 * load_run.h: the state of one load, shared by the modules of load.c's
 * steps (private to them; load.h is the interface).
 *
 * load.c keeps the transaction and the order of the steps; each step has
 * its module:
 *   load_header.c  a file's header: columns mapped by name, renamed where
 *                  a name cannot be a column
 *   load_row.c     the row path: one record into the COPY buffer as typed
 *                  values, or set aside, with its notices (no server)
 *   load_table.c   a file's table, its line of import_files, its COPY
 *   load_rules.c   the rules on files: required, unknown, named, empty
 *   load_files.c   the loop over the feed's files, and locations.geojson
 *   load_finish.c  the work after the files: keys, indexes, timetable,
 *                  ANALYZE, views, notices, the strict refusal
 *   load_postgis.c PostGIS found or installed, and the SRID checked
 *   load_side.c    stop_times.txt on a second connection
 */
#ifndef LOAD_RUN_H
#define LOAD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "catalog.h"
#include "copy.h"
#include "csvread.h"
#include "db.h"
#include "ddl.h"
#include "load.h"
#include "notice.h"
#include "side.h"
#include "tripscreen.h"

#define SHOW_VALUE_MAX	40		/* bytes of a bad value quoted in
								 * messages */
#define LONG_NAME_KEPT	50		/* bytes of a column name over
								 * NAMEDATALEN - 1 kept, before "_<n>" */

/*
 * Limits that keep what the server refuses (a row over 8 kB of TOAST
 * pointers, an index entry over 2704 bytes, a lock table overflowing with
 * tables) out of the load, each with a notice.
 */
#define MAX_COLUMNS		400		/* columns of one file */
#define ID_MAX_BYTES	1000	/* an id that is keyed or indexed */
#define MAX_EXTRA_FILES	200		/* .txt files the reference lacks, loaded */

/*
 * An index entry holds the key columns of its row together: a btree's may
 * not pass 2704 bytes (8 kB pages hold three).  The load keeps each of a
 * row's keys to this bound, a margin below, counting what its values may
 * take stored: a varlena header and its alignment, or a fixed type's
 * size, and the entry's own header and null bitmap.
 */
#define INDEX_ENTRY_MAX		2600
#define INDEX_ENTRY_HEADER	16	/* IndexTupleData, null bitmap, aligned */
#define INDEX_VALUE_MAX(len) ((len) + 8 > 24 ? (len) + 8 : 24)

/*
 * The most bytes a row may take in the COPY, its values escaped for the
 * server (JSON writes a control byte in six), of the buffers' COPY_MAX_SIZE:
 * a row over it is set aside (row_too_large).  The row is measured after
 * each value, so that the buffers must hold it and one more value.
 */
#define ROW_MAX_BYTES	(16 * 1024 * 1024)

/*
 * A file the reference lacks has its first columns as text columns, the
 * rest as keys of its row's jsonb extra: a row of 400 short values (too
 * short to be moved out of line, about 24 bytes each at most) would pass
 * a heap page.
 */
#define TEXT_COLUMNS_MAX	250

/*
 * The settings of a load's transaction, for it only.  Index builds sort in
 * memory and use parallel workers with 256 MB of maintenance_work_mem, not
 * with the default 64 MB.  No JIT: each statement runs once, over tables
 * not yet analyzed, whose guessed costs crossed jit_above_cost and spent
 * 0.2-1.5 s compiling the fill of service_days alone (issue 27).
 */
#define LOAD_TRANSACTION_SETTINGS \
	"SELECT CASE WHEN pg_catalog.pg_size_bytes(pg_catalog." \
	"current_setting('maintenance_work_mem')) < 268435456 THEN " \
	"pg_catalog.set_config('maintenance_work_mem', '256MB', true) END, " \
	"pg_catalog.set_config('jit', 'off', true)"

/* What a column of the file maps to, besides a catalog field index. */
#define COL_EXTRA		(-1)	/* not in the reference: kept as text, in
								 * a column of its own in a file the
								 * reference lacks, else in jsonb extra */
#define COL_JSON		(-2)	/* a file the reference lacks: past
								 * TEXT_COLUMNS_MAX, in jsonb extra */

/* One run of load_feed. */
typedef struct
{
	PGconn	   *conn;
	const LoadOptions *opt;
	FeedSource *src;
	Report	   *rep;
	Ddl			ddl;			/* names things in the staging schema */
	char	   *chunk;			/* SOURCE_READ_CHUNK bytes of a member */
	Notices    *notices;
	uint64_t   *present;		/* per catalog file: its fields in the file */
	uint64_t   *unkeyed;		/* per catalog file: its required key fields
								 * found empty */
	int		   *columns;		/* per catalog file and field: its column
								 * in the file, 1-based, or 0 */
	bool		failed;			/* a failure that stops the load (logged) */
	bool		refused;		/* strict: the feed has errors (logged) */
	SideLoad   *side;			/* the member loading on a second
								 * connection, or NULL */
	int			side_member;	/* that member, or -1 */
	const CatalogFile *side_cat;	/* its catalog file */
	int			side_file;		/* its place in rep->files, or -1 */
	double		side_started;	/* report_now() when it started */
	PGconn	   *copy_conn2;		/* a side load's second connection, which
								 * shares its COPY (copy_share), or NULL */
	bool		side_analyzed;	/* the side load analyzed its table */
	TripScreen *screen;			/* stop_times.txt screened for the rules
								 * (load_screen.c), or NULL */
	FILE	   *screen_runs;	/* its runs, as COPY text */
} LoadRun;

/* One file being loaded. */
typedef struct
{
	LoadRun    *run;
	const char *member;
	const char *table;
	const CatalogFile *cat;		/* NULL for files the reference lacks */
	int			ncols;
	char	  **names;			/* per column: its name in the table */
	int		   *field;			/* per column: catalog index or COL_EXTRA */
	int			single_key;		/* column of a one-field required key, or
								 * -1: a row without it is set aside */
	int			key_cols[CATALOG_MAX_FIELDS];	/* the columns of the file's
												 * key, one index entry */
	int			nkey_cols;
	int			lat_col;		/* columns that make "geom", or -1 */
	int			lon_col;
	bool		header_seen;
	bool		skipped;		/* the file cannot be a table: not loaded */
	bool		binary;			/* binary COPY (not for numeric fields) */
	bool		copying;
	int			nextra;			/* columns sent together as one jsonb: a
								 * catalog file's extra ones, else those
								 * past TEXT_COLUMNS_MAX */
	Buf			extra;			/* the current row's extra columns */
	size_t		extra_backslashes;	/* of extra, which a text COPY doubles */
	long		short_rows;		/* rows with fewer fields than the header */
	long		first_short;
	long		padded_rows;	/* rows with empty fields past the header */
	long		first_padded;
	CopyStream	copy;
	bool		screening;		/* the rows go to run->screen too */
	bool		screen_defect;	/* a value of the row not as written */
	bool		screen_timepoint;	/* the file has the column */
	ScreenText	screen_values[CATALOG_MAX_FIELDS];	/* the row's, by field */
	long		rows;
	const unsigned long long *bytes;	/* read so far, for the progress
										 * line */
} FileLoad;

/* load_header.c */

/*
 * Reads the header row into fl: ncols, names, field, single_key.  False
 * only when out of memory (logged, run->failed set).
 */
extern bool header_map(FileLoad *fl, const CsvRow *header);

/* Sets fl->lat_col and lon_col: the columns that make "geom", or -1. */
extern void header_point_columns(FileLoad *fl);

/* load_row.c */

/*
 * Sets fl->key_cols: the file's columns that its key (ddl_key) indexes
 * together, whose values row_convert keeps within INDEX_ENTRY_MAX.
 */
extern void row_key_columns(FileLoad *fl);

/* s[0..len) cut to SHOW_VALUE_MAX bytes, for a message, into out. */
extern const char *row_show_value(const char *s, size_t len, char *out,
								  size_t outsize);

/*
 * One data row into fl->copy's buffer, as a row begun and not ended, or
 * set aside (rolled back, with its notice).  *built: the row is in the
 * buffer, for the caller to end with copy_row_end.  False when loading
 * must stop (run->failed, or a strict load's error cap).
 */
extern bool row_convert(FileLoad *fl, const CsvRow *row, bool *built);

/* load_table.c */

/* Runs sql; false (logged, run->failed set) on failure. */
extern bool table_run_sql(LoadRun *run, const Buf *sql);

/*
 * CREATE TABLE of a file (see ddl_create_table), or with table NULL cat's
 * stand-in (logged).
 */
extern bool table_create(LoadRun *run, const char *table,
						 const CatalogFile *cat, const char *const *extra,
						 int nextra, bool jsonb);

/* The file's line of import_files (logged, run->failed set on failure). */
extern bool table_record_file(LoadRun *run, const char *member,
							  const char *table, char *const *columns,
							  const CsvRow *header);

/*
 * The header: columns mapped, the table created, its COPY started; false
 * when loading this file cannot go on.
 */
extern bool table_start_copy(FileLoad *fl, const CsvRow *header);

/* load_rules.c */

/* Whether the feed must have rows of member. */
extern bool rules_required_file(const FeedSource *src, const char *member);

/* The table of a .txt member the reference lacks; false with a notice. */
extern bool rules_table_name(LoadRun *run, const char *member,
							 char table[NAMEDATALEN]);

/* Notices of the files the feed lacks. */
extern void rules_check_required_files(LoadRun *run);

/* The notices of a file counted while it streamed. */
extern void rules_file_notices(FileLoad *fl, CsvReader *reader,
							   bool read_whole);

/* load_files.c */

/* Member i into its table (cat NULL: a file the reference lacks). */
extern void files_load_member(LoadRun *run, int i, const CatalogFile *cat);

/* Whether the load must stop reading. */
extern bool files_must_stop(const LoadRun *run);

/* Every file of the feed into the staging schema. */
extern void files_load_all(LoadRun *run);

/*
 * The feed's summary for the reports (schema/sql/feed_summary.sql), read
 * from the staging schema once the notices are stored: a JSON object,
 * malloc'd, or NULL (logged) on failure.  A step of the report.
 */
extern char *finish_summary(LoadRun *run);

/* load_finish.c */

extern bool finish_check_tables(LoadRun *run);
extern bool finish_indexes(LoadRun *run);
extern bool finish_tables(LoadRun *run, const char *staging_name);
extern bool finish_store_notices(LoadRun *run, const char *table);
extern bool finish_recount_notices(LoadRun *run, const char *table);
extern bool finish_views(LoadRun *run, const char *target);
extern bool finish_analyze_parents(LoadRun *run, const char *target);
extern bool finish_stats(LoadRun *run, const char *target);
extern bool finish_strict_refusal(LoadRun *run);

/* load_postgis.c */

extern bool postgis_schema(PGconn *conn, bool needed, double wait_seconds,
						   char **schema);
extern bool postgis_first_feed(PGconn *conn, bool *first);
extern int	postgis_srid_usable(PGconn *conn, const Ddl *ddl);

/* load_side.c */

/* Starts stop_times.txt on a second connection when it is big enough. */
extern bool sideload_start(LoadRun *run);

/* Waits for it and takes its work into the transaction. */
extern bool sideload_join(LoadRun *run, const char *staging);

/* load_screen.c */

/*
 * Before the files: when the feed has stop_times.txt, makes run->screen
 * (with the stops of stops.txt when the rules run) and the file of its
 * runs.  False
 * (logged) on failure.  Free with screening_free.
 */
extern bool screening_begin(LoadRun *run);

/* Screens the row fl has just built (fl->screening), from its values. */
extern void screening_row(FileLoad *fl, long line);

/* After stop_times.txt: its last run written out; false (logged) on failure. */
extern bool screening_member_end(LoadRun *run);

/*
 * In the load's transaction, before the timetable: the runs and the stops'
 * places into the temporary tables that it and the rules read (dropped at
 * commit).
 * False (logged) on failure.
 */
extern bool screening_tables(LoadRun *run);

/* Frees the screen and its file; run->screen may be NULL. */
extern void screening_free(LoadRun *run);

#endif
