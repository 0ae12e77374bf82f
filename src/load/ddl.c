/*
 * ddl.c: tables, keys, indexes and derived geometry, as SQL.
 *
 * Statements with fixed text are templates in which "@s" stands for the
 * feed's schema, "@g" for PostGIS's schema, "@r" for the SRID and "@f"
 * for the feed_id column.
 */
#include "ddl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "sqlbuf.h"

/* Indexes for the joins everybody makes, besides the primary keys. */
static const struct
{
	const char *table;
	const char *column;
}			join_indexes[] = {
	{"stop_times", "stop_id"},
	{"trips", "route_id"},
	{"trips", "service_id"},
	{"trips", "shape_id"},
};

#define NJOIN_INDEXES ((int) (sizeof(join_indexes) / sizeof(join_indexes[0])))

/*
 * The geometry derived in the server once the data is in.  shape_lines is
 * built there, not on the client, because shapes.txt need not be sorted:
 * the server sorts each shape's points in bounded memory (spilling to disk
 * past work_mem), where the client would have to hold them all.  Its
 * geometry has measures (LineStringM) in a feed whose shapes all have
 * shape_dist_traveled, not in others: one column of the cross-feed table
 * holds both, so it has no type modifier but a CHECK of its SRID.
 */
static const char *const shape_lines_sql =
"CREATE TABLE @s.shape_lines (\n"
"\t@fshape_id text COLLATE \"C\" NOT NULL,\n"
"\tgeom @g.geometry CHECK (@g.ST_SRID(geom) = @r),\n"
"\tnpoints integer NOT NULL\n"
")" DDL_TABLE_OPTIONS;
static const char *const shape_lines_fill_sql =
"INSERT INTO @s.shape_lines (shape_id, geom, npoints)\n"
"-- one point makes no valid line: NULL then\n"
"SELECT shape_id, CASE WHEN count(geom) > 1\n"
"\tTHEN @g.ST_MakeLine(@p ORDER BY shape_pt_sequence) END, count(*)\n"
"-- points without a shape_id (kept, with a notice) make no line\n"
"FROM @s.shapes WHERE shape_id IS NOT NULL GROUP BY shape_id";

/*
 * The lines of trips and routes, derived once every table is in (see
 * ddl_lines): a GIS client opens route_lines as a table, where a view
 * over every trip took seconds on a big feed (MTA Brooklyn's 58 thousand
 * trips, 3 s: the union of each route's lines), and trip_lines reads the
 * lines of trips without a shape from stop_lines, where a query per trip
 * cost it the planner's estimate of one (JIT compiled it, 0.6 s more).
 * Their geometry has its type and SRID, for geometry_columns.
 */
static const char *const stop_lines_sql =
"CREATE TABLE @s.stop_lines (\n"
"\t@ftrip_id text COLLATE \"C\" NOT NULL,\n"
"\tgeom @g.geometry(LineString, @r) NOT NULL\n"
")" DDL_TABLE_OPTIONS;
/*
 * In a DO block, so that the INSERT is planned only for a feed that has
 * trips without a shape line: planned without statistics, its query per
 * trip made the planner's estimate large enough for JIT (0.6 s of
 * compiling on MTA Brooklyn, which has no such trip).
 */
static const char *const stop_lines_fill_sql =
"IF EXISTS (SELECT FROM @s.trips t LEFT JOIN @s.shape_lines l\n"
"\tON l.shape_id = t.shape_id AND l.geom IS NOT NULL\n"
"\tWHERE l.shape_id IS NULL) THEN\n"
"INSERT INTO @s.stop_lines (trip_id, geom)\n"
"-- the line through the stops of each trip without a shape line, one\n"
"-- trip at a time through the stop_times key\n"
"SELECT bare.trip_id, line.geom\n"
"FROM (SELECT t.trip_id FROM @s.trips t LEFT JOIN @s.shape_lines l\n"
"\tON l.shape_id = t.shape_id AND l.geom IS NOT NULL\n"
"\tWHERE l.shape_id IS NULL) AS bare\n"
"CROSS JOIN LATERAL (SELECT\n"
"\t@g.ST_MakeLine(s.geom ORDER BY st.stop_sequence) AS geom\n"
"\tFROM @s.stop_times st JOIN @s.stops s USING (stop_id)\n"
"\tWHERE st.trip_id = bare.trip_id\n"
"\tHAVING count(DISTINCT s.geom) > 1) AS line;\n"
"END IF;";
static const char *const route_lines_sql =
"CREATE TABLE @s.route_lines (\n"
"\t@froute_id text COLLATE \"C\",\n"
"\tgeom @g.geometry(MultiLineString, @r)\n"
")" DDL_TABLE_OPTIONS;
static const char *const route_lines_fill_sql =
"INSERT INTO @s.route_lines (route_id, geom)\n"
"-- each route's geometry: the union of its trips' distinct lines, merged\n"
"SELECT route_id, @g.ST_Multi(@g.ST_LineMerge(@g.ST_CollectionExtract(\n"
"\t@g.ST_Union(geom), 2)))\n"
"FROM (SELECT t.route_id, @g.ST_Force2D(l.geom) AS geom\n"
"\tFROM (SELECT DISTINCT route_id, shape_id FROM @s.trips) AS t\n"
"\tJOIN @s.shape_lines l ON l.shape_id = t.shape_id\n"
"\tWHERE l.geom IS NOT NULL\n"
"\tUNION\n"
"\tSELECT t.route_id, sl.geom\n"
"\tFROM @s.trips t JOIN @s.stop_lines sl ON sl.trip_id = t.trip_id) AS lines\n"
"GROUP BY route_id";

static const struct
{
	const char *sql;
	bool		in_do;			/* the body of a DO block */
	const char *step;			/* its name in the report */
}			line_steps[] = {
	{stop_lines_sql, false, "stop_lines table"},
	{stop_lines_fill_sql, true, "stop_lines"},
	{"ALTER TABLE @s.stop_lines ADD PRIMARY KEY (trip_id)", false,
	"stop_lines primary key"},
	{route_lines_sql, false, "route_lines table"},
	{route_lines_fill_sql, false, "route_lines"},
	{"CREATE UNIQUE INDEX ON @s.route_lines (route_id) NULLS NOT DISTINCT",
	false, "route_lines key"},
	{"CREATE INDEX ON @s.route_lines USING gist (geom)", false,
	"route_lines(geom) index"},
};

#define NLINE_STEPS ((int) (sizeof(line_steps) / sizeof(line_steps[0])))

/* Views: computed when queried, so they cost the load nothing. */
static const char *const trip_lines_sql =
"CREATE OR REPLACE VIEW @s.trip_lines AS\n"
"-- each trip's line: its shape, else the line through its stops\n"
"SELECT t.trip_id, t.route_id, t.shape_id,\n"
"\tcoalesce(@g.ST_Force2D(l.geom), sl.geom)::@g.geometry(LineString, @r)\n"
"\t\tAS geom,\n"
"\tl.geom IS NOT NULL AS from_shape\n"
"FROM @s.trips t LEFT JOIN @s.shape_lines l USING (shape_id)\n"
"LEFT JOIN @s.stop_lines sl USING (trip_id)";

/*
 * Drops the views trip_lines and route_lines of @s that are in the way
 * (see ddl_drop_line_views); "@c" stands for the condition on a view c
 * that puts it in the way.  Without CASCADE: a view of yours over them
 * fails the load, never silently goes.
 */
static const char *const drop_line_views_sql =
"DO @$\nDECLARE\n\tviews text;\nBEGIN\n"
"SELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ')\n"
"\tINTO views FROM pg_catalog.pg_class c\n"
"\tWHERE c.relnamespace = pg_catalog.to_regnamespace(@l) AND c.relkind = 'v'\n"
"\tAND c.relname IN ('trip_lines', 'route_lines') AND @c;\n"
"IF views IS NOT NULL THEN\n"
"\tEXECUTE 'DROP VIEW ' || views;\n"
"END IF;\nEND\n@$";

static const char *const gist_tables[] = {"stops", "shapes", "shape_lines"};

#define NGIST ((int) (sizeof(gist_tables) / sizeof(gist_tables[0])))

bool
ddl_ident(Buf *sql, const Ddl *d, const char *name)
{
	bool		ok;

	/*
	 * Without a connection (--print-schema), quoted as PQescapeIdentifier
	 * does, without its check of the encoding (as pg_dump's fmtId): the
	 * names are the catalog's.  Bare, a name such as "from" or "Stop"
	 * would not be itself.
	 */
	if (d->conn == NULL)
	{
		ok = buf_putc(sql, '"');
		for (const char *p = name; ok && *p; p++)
			ok = (*p != '"' || buf_putc(sql, '"')) && buf_putc(sql, *p);
		return ok && buf_putc(sql, '"');
	}
	return sqlbuf_ident(sql, d->conn, name);
}

bool
ddl_table(Buf *sql, const Ddl *d, const char *table)
{
	return buf_puts(sql, d->schema) && buf_putc(sql, '.') &&
		ddl_ident(sql, d, table);
}

bool
ddl_template(Buf *sql, const Ddl *d, const char *template)
{
	char		srid[16];
	const char *subst[26] = {NULL};
	Buf			feed_id;
	Buf			points;
	bool		ok;

	snprintf(srid, sizeof(srid), "%d", d->srid);
	buf_init(&feed_id, DDL_SQL_MAX);
	buf_init(&points, DDL_SQL_MAX);
	subst['s' - 'a'] = d->schema;
	subst['g' - 'a'] = d->postgis;
	subst['r' - 'a'] = srid;
	/* the column feed_id, and shape_lines' points, filled first */
	ok = (d->feed_id == NULL ||
		  (buf_puts(&feed_id, "feed_id text NOT NULL DEFAULT ") &&
		   buf_puts(&feed_id, d->feed_id) && buf_puts(&feed_id, ",\n\t"))) &&
		sqlbuf_template(&points, d->shape_m ?
						"@g.ST_SetSRID(@g.ST_MakePointM(@g.ST_X(geom), "
						"@g.ST_Y(geom), shape_dist_traveled), @r)" : "geom",
						subst);
	subst['f' - 'a'] = feed_id.data ? feed_id.data : "";
	subst['p' - 'a'] = points.data;
	ok = ok && sqlbuf_template(sql, template, subst);
	buf_free(&feed_id);
	buf_free(&points);
	return ok;
}

/* Ids and what refers to them: compared bytewise, so collation "C". */
static bool
is_id_field(const CatalogField *f)
{
	size_t		len = strlen(f->name);

	return f->type == GT_TEXT &&
		(f->refs || (len > 3 && strcmp(f->name + len - 3, "_id") == 0));
}

/*
 * "name type [COLLATE]" for a catalog field.  No NOT NULL: an empty
 * required field is loaded as NULL (with a notice); the primary key
 * brings its own.
 */
static bool
ddl_column(Buf *sql, const Ddl *d, const CatalogField *f)
{
	return ddl_ident(sql, d, f->name) &&
		buf_putc(sql, ' ') &&
		buf_puts(sql, catalog_sql_type(f->type)) &&
		/* "C" also builds their indexes much faster */
		(!is_id_field(f) || buf_puts(sql, " COLLATE \"C\""));
}

/* CREATE TABLE: see ddl_create_table and ddl_create_stand_in. */
static bool
append_create_table(Buf *sql, const Ddl *d, const char *table,
					const CatalogFile *cat, const char *const *extra,
					int nextra, bool jsonb, bool stand_in)
{
	const char *sep = "\n\t";
	int			lat,
				lon;
	bool		ok;

	ok = buf_puts(sql, "CREATE TABLE ") && ddl_table(sql, d, table) &&
		buf_puts(sql, " (\n\t") && (cat == NULL || ddl_template(sql, d, "@f"));
	for (int i = 0; ok && cat && i < cat->nfields; i++, sep = ",\n\t")
		ok = buf_puts(sql, i ? sep : "") &&
			ddl_column(sql, d, &cat->fields[i]);
	if (ok && cat && d->postgis && catalog_point_fields(cat, &lat, &lon))
		ok = buf_puts(sql, sep) &&
			ddl_template(sql, d, "geom @g.geometry(Point, @r)");
	for (int i = 0; ok && !cat && i < nextra; i++, sep = ",\n\t")
		ok = buf_puts(sql, i ? sep : "") && ddl_ident(sql, d, extra[i]) &&
			buf_puts(sql, " text");
	if (ok && (cat || jsonb))
	{
		ok = buf_puts(sql, cat || nextra ? sep : "") &&
			buf_puts(sql, DDL_EXTRA_COLUMN " jsonb");
		sep = ",\n\t";
	}
	if (ok && d->line_column)
		ok = buf_puts(sql, sep) &&
			buf_puts(sql, DDL_LINE_COLUMN " integer");
	return ok && buf_puts(sql, stand_in ? "\n) PARTITION BY LIST (feed_id)" :
						  "\n)" DDL_TABLE_OPTIONS);
}

bool
ddl_create_table(Buf *sql, const Ddl *d, const char *table,
				 const CatalogFile *cat, const char *const *extra, int nextra,
				 bool jsonb)
{
	return append_create_table(sql, d, table, cat, extra, nextra, jsonb, false);
}

bool
ddl_create_stand_in(Buf *sql, const Ddl *d, const CatalogFile *cat)
{
	return append_create_table(sql, d, cat->table, cat, NULL, 0, true,
							   d->feed_id != NULL);
}

bool
ddl_key_where(Buf *sql, const Ddl *d, const CatalogFile *cat,
			  uint64_t unkeyed)
{
	const char *sep = " WHERE ";
	bool		ok = true;

	for (int i = 0; ok && i < cat->nfields; i++)
		if ((cat->fields[i].flags & FIELD_KEY) &&
			(unkeyed & ((uint64_t) 1 << i)))
		{
			ok = buf_puts(sql, sep) && ddl_ident(sql, d, cat->fields[i].name) &&
				buf_puts(sql, " IS NOT NULL");
			sep = " AND ";
		}
	return ok;
}

bool
ddl_key(Buf *sql, const Ddl *d, const CatalogFile *cat, uint64_t present,
		uint64_t unkeyed)
{
	int			fields[CATALOG_MAX_FIELDS];
	int			nkeys = catalog_key_fields(cat, present, fields);
	int			single = catalog_single_key(cat);
	bool		primary = single >= 0 &&
		(cat->fields[single].flags & FIELD_REQUIRED);
	bool		ok;

	if (nkeys == 0)
		return true;
	if (primary)
		ok = buf_puts(sql, "ALTER TABLE ") && ddl_table(sql, d, cat->table) &&
			buf_puts(sql, " ADD PRIMARY KEY (");
	else
		ok = buf_puts(sql, "CREATE UNIQUE INDEX ON ") &&
			ddl_table(sql, d, cat->table) && buf_puts(sql, " (");
	for (int k = 0; ok && k < nkeys; k++)
		ok = buf_puts(sql, k ? ", " : "") &&
			ddl_ident(sql, d, cat->fields[fields[k]].name);
	/* a composite key's missing parts are equal; one optional id is not */
	return ok && buf_putc(sql, ')') &&
		(single >= 0 || buf_puts(sql, " NULLS NOT DISTINCT")) &&
		(primary || ddl_key_where(sql, d, cat, unkeyed));
}

int
ddl_finish_count(void)
{
	/* join indexes, shape_lines (3 steps), GiST, locations key */
	return NJOIN_INDEXES + 3 + NGIST + 1;
}

bool
ddl_finish(Buf *sql, const Ddl *d, int i)
{
	if (i < NJOIN_INDEXES)
		return buf_puts(sql, "CREATE INDEX ON ") &&
			ddl_table(sql, d, join_indexes[i].table) && buf_puts(sql, " (") &&
			ddl_ident(sql, d, join_indexes[i].column) && buf_putc(sql, ')');
	i -= NJOIN_INDEXES;
	if (!d->geometry)
		return true;
	switch (i)
	{
		case 0:
			return ddl_template(sql, d, shape_lines_sql);
		case 1:
			return ddl_template(sql, d, shape_lines_fill_sql);
		case 2:
			return ddl_template(sql, d,
								"ALTER TABLE @s.shape_lines "
								"ADD PRIMARY KEY (shape_id)");
	}
	i -= 3;
	if (i < NGIST)
		return buf_puts(sql, "CREATE INDEX ON ") &&
			ddl_table(sql, d, gist_tables[i]) &&
			buf_puts(sql, " USING gist (geom)");
	i -= NGIST;
	return i != 0 ||
		ddl_template(sql, d, "ALTER TABLE @s.locations ADD PRIMARY KEY (id);\n"
					 "CREATE INDEX ON @s.locations USING gist (geom)");
}

const char *
ddl_finish_table(int i)
{
	return i < NJOIN_INDEXES ? join_indexes[i].table : NULL;
}

/*
 * Into tag, a dollar quote that the schema's name, the one text of ours
 * in a DO block's body that is not, cannot end early: $ddl$, $ddl1$, ...
 */
static void
do_tag(const Ddl *d, char *tag, size_t size)
{
	snprintf(tag, size, "$ddl$");
	for (int n = 1; strstr(d->schema, tag) != NULL; n++)
		snprintf(tag, size, "$ddl%d$", n);
}

bool
ddl_drop_line_views(Buf *sql, const Ddl *d, bool all)
{
	char		tag[32];
	char	   *literal = NULL;
	bool		ok = true;

	do_tag(d, tag, sizeof(tag));
	if (d->conn)
	{
		literal = PQescapeLiteral(d->conn, d->schema, strlen(d->schema));
		if (literal == NULL)
			return false;
	}
	for (const char *p = drop_line_views_sql; ok && *p; p++)
	{
		if (*p != '@')
		{
			ok = buf_putc(sql, *p);
			continue;
		}
		switch (*++p)
		{
			case '$':
				ok = buf_puts(sql, tag);
				break;
			case 'l':
				ok = literal ? buf_puts(sql, literal) :
					buf_putc(sql, '\'') && buf_puts(sql, d->schema) &&
					buf_putc(sql, '\'');
				break;
			case 'c':
				/* with geometry: a trip_lines of an untyped geom too */
				ok = all ? buf_puts(sql, "true") :
					ddl_template(sql, d, "(c.relname = 'route_lines' OR "
								 "NOT EXISTS (SELECT FROM "
								 "pg_catalog.pg_attribute a WHERE "
								 "a.attrelid = c.oid AND a.attname = 'geom' "
								 "AND @g.postgis_typmod_type(a.atttypmod) = "
								 "'LineString' AND @g.postgis_typmod_srid("
								 "a.atttypmod) = @r))");
				break;
			default:
				ok = false;
		}
	}
	PQfreemem(literal);
	return ok;
}

bool
ddl_create_trip_lines(Buf *sql, const Ddl *d)
{
	if (!d->geometry)
		return true;
	return (d->conn == NULL ||
			(ddl_drop_line_views(sql, d, false) && buf_puts(sql, ";\n"))) &&
		ddl_template(sql, d, trip_lines_sql) && buf_puts(sql, ";\n");
}

int
ddl_lines_count(void)
{
	return NLINE_STEPS;
}

bool
ddl_lines(Buf *sql, const Ddl *d, int i)
{
	char		tag[32];

	if (!d->geometry || i < 0 || i >= NLINE_STEPS)
		return true;
	if (!line_steps[i].in_do)
		return ddl_template(sql, d, line_steps[i].sql);
	do_tag(d, tag, sizeof(tag));
	return buf_puts(sql, "DO ") && buf_puts(sql, tag) &&
		buf_puts(sql, "\nBEGIN\n") &&
		ddl_template(sql, d, line_steps[i].sql) &&
		buf_puts(sql, "\nEND\n") && buf_puts(sql, tag);
}

const char *
ddl_lines_name(int i)
{
	return i >= 0 && i < NLINE_STEPS ? line_steps[i].step : "";
}

void
ddl_finish_name(int i, char *out, size_t outsize)
{
	static const char *const after_joins[] = {
		"shape_lines table", "shape_lines", "shape_lines primary key"
	};
	int			j = i - NJOIN_INDEXES;
	int			g = j - 3;

	if (i < NJOIN_INDEXES)
		snprintf(out, outsize, "%s(%s) index", join_indexes[i].table,
				 join_indexes[i].column);
	else if (j < 3)
		snprintf(out, outsize, "%s", after_joins[j]);
	else if (g < NGIST)
		snprintf(out, outsize, "%s(geom) index", gist_tables[g]);
	else
		snprintf(out, outsize, "locations key and index");
}

/* What the load found wrong with the feed: see notice.h. */
static const char *const notices_sql =
"CREATE TABLE @s.import_notices (\n"
"\t@ffile text NOT NULL,\n"
"\tline integer,\n"
"\t\"column\" text,\n"
"\tcode text NOT NULL,\n"
"\tseverity text NOT NULL,\n"
"\tvalue text,\n"
"\tmessage text NOT NULL,\n"
"\taction text NOT NULL,\n"
"\trecord text\n"
")" DDL_TABLE_OPTIONS;

bool
ddl_create_notices(Buf *sql, const Ddl *d)
{
	return ddl_template(sql, d, notices_sql);
}

/*
 * The files the load read into tables, with their header as written, so
 * that pgsql2gtfs writes each one back with its columns in their order.
 */
static const char *const import_files_sql =
"CREATE TABLE @s.import_files (\n"
"\t@ffile text NOT NULL,\n"
"\t\"table\" text NOT NULL,\n"
"\tcolumns text[],\n"
"\theader text[]\n"
")" DDL_TABLE_OPTIONS;

bool
ddl_create_import_files(Buf *sql, const Ddl *d)
{
	return ddl_template(sql, d, import_files_sql);
}

/* locations.geojson's table: see load.c for how it is filled. */
static const char *const locations_sql =
"CREATE TABLE @s.locations (\n"
"\t@fid text COLLATE \"C\" NOT NULL,\n"
"\tstop_name text,\n"
"\tstop_desc text,\n"
"\tproperties jsonb,\n"
"\tgeom @g.geometry(MultiPolygon, @r)\n"
")" DDL_TABLE_OPTIONS;

bool
ddl_create_locations(Buf *sql, const Ddl *d)
{
	return ddl_template(sql, d, locations_sql);
}
