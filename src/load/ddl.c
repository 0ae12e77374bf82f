/*
 * ddl.c: tables, keys, indexes and derived geometry, as SQL.
 *
 * Statements with fixed text are templates (see ddl_template), the longer
 * ones in schema/sql/.
 */
#include "ddl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "sqlbuf.h"

/* SQL bodies of schema/sql/, embedded by the Makefile */
extern const char sql_shape_lines[];
extern const char sql_shape_lines_fill[];
extern const char sql_stop_lines[];
extern const char sql_stop_lines_fill[];
extern const char sql_route_lines[];
extern const char sql_route_lines_fill[];
extern const char sql_trip_lines[];
extern const char sql_line_views_drop[];
extern const char sql_import_notices[];
extern const char sql_import_files[];
extern const char sql_locations[];

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
	/* the walks of rule pathways_reachable, a node's pathways at a time */
	{"pathways", "from_stop_id"},
	{"pathways", "to_stop_id"},
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

/*
 * The lines of trips and routes, derived once every table is in (see
 * ddl_lines): a GIS client opens route_lines as a table, where a view
 * over every trip took seconds on a big feed (MTA Brooklyn's 58 thousand
 * trips, 3 s: the union of each route's lines), and trip_lines reads the
 * lines of trips without a shape from stop_lines, where a query per trip
 * cost it the planner's estimate of one (JIT compiled it, 0.6 s more).
 * Their geometry has its type and SRID, for geometry_columns.
 */

static const struct
{
	const char *sql;
	bool		table;			/* a CREATE TABLE: DDL_TABLE_OPTIONS follow */
	const char *step;			/* its name in the report */
}			line_steps[] = {
	{sql_stop_lines, true, "stop_lines table"},
	{sql_stop_lines_fill, false, "stop_lines"},
	{"ALTER TABLE @s.stop_lines ADD PRIMARY KEY (trip_id)", false,
	"stop_lines primary key"},
	{sql_route_lines, true, "route_lines table"},
	{sql_route_lines_fill, false, "route_lines"},
	{"CREATE UNIQUE INDEX ON @s.route_lines (route_id) NULLS NOT DISTINCT",
	false, "route_lines key"},
	{"CREATE INDEX ON @s.route_lines USING gist (geom)", false,
	"route_lines(geom) index"},
};

#define NLINE_STEPS ((int) (sizeof(line_steps) / sizeof(line_steps[0])))

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
	char		tag[32];
	const char *subst[26] = {NULL};
	Buf			feed_id;
	Buf			points;
	Buf			literal;
	bool		ok;

	snprintf(srid, sizeof(srid), "%d", d->srid);
	/* the schema's name is the one text of ours in a DO block's body */
	snprintf(tag, sizeof(tag), "$ddl$");
	for (int n = 1; strstr(d->schema, tag) != NULL; n++)
		snprintf(tag, sizeof(tag), "$ddl%d$", n);
	buf_init(&feed_id, DDL_SQL_MAX);
	buf_init(&points, DDL_SQL_MAX);
	buf_init(&literal, DDL_SQL_MAX);
	subst['s' - 'a'] = d->schema;
	subst['g' - 'a'] = d->postgis;
	subst['r' - 'a'] = srid;
	subst['t' - 'a'] = tag;
	/* the column feed_id, and shape_lines' points, filled first */
	ok = (d->feed_id == NULL ||
		  (buf_puts(&feed_id, "feed_id text NOT NULL DEFAULT ") &&
		   buf_puts(&feed_id, d->feed_id) && buf_puts(&feed_id, ",\n\t"))) &&
		sqlbuf_template(&points, d->shape_m ?
						"@g.ST_SetSRID(@g.ST_MakePointM(@g.ST_X(geom), "
						"@g.ST_Y(geom), shape_dist_traveled), @r)" : "geom",
						subst);
	/* quotes doubled: the session's standard_conforming_strings is on */
	ok = ok && buf_putc(&literal, '\'');
	for (const char *p = d->schema; ok && *p; p++)
		ok = (*p != '\'' || buf_putc(&literal, '\'')) &&
			buf_putc(&literal, *p);
	ok = ok && buf_putc(&literal, '\'');
	subst['f' - 'a'] = feed_id.data ? feed_id.data : "";
	subst['p' - 'a'] = points.data;
	subst['l' - 'a'] = literal.data;
	ok = ok && sqlbuf_template(sql, template, subst);
	buf_free(&feed_id);
	buf_free(&points);
	buf_free(&literal);
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
	/*
	 * A feed without shapes: shape_lines a stand-in as an absent file's
	 * table, not a table, a key and an index to drop at the swap
	 */
	if (d->no_shapes && d->feed_id && (i == 1 || i == 2 || i == 3 + NGIST - 1))
		return true;
	switch (i)
	{
		case 0:
			return ddl_template(sql, d, sql_shape_lines) &&
				buf_puts(sql, d->no_shapes && d->feed_id ?
						 " PARTITION BY LIST (feed_id)" : DDL_TABLE_OPTIONS);
		case 1:
			return ddl_template(sql, d, sql_shape_lines_fill);
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
	return i != 0 || (d->no_locations && d->feed_id) ||
		ddl_template(sql, d, "ALTER TABLE @s.locations ADD PRIMARY KEY (id);\n"
					 "CREATE INDEX ON @s.locations USING gist (geom)");
}

const char *
ddl_finish_table(int i)
{
	return i < NJOIN_INDEXES ? join_indexes[i].table : NULL;
}

bool
ddl_drop_line_views(Buf *sql, const Ddl *d, bool all)
{
	const char *subst[26] = {NULL};
	Buf			filled;
	bool		ok;

	/*
	 * "@c" first, the condition that puts a view in the way (all: any);
	 * with geometry, a trip_lines of an untyped geom too
	 */
	subst['c' - 'a'] = all ? "true" :
		"(c.relname = 'route_lines' OR NOT EXISTS (SELECT FROM "
		"pg_catalog.pg_attribute a WHERE a.attrelid = c.oid "
		"AND a.attname = 'geom' AND @g.postgis_typmod_type(a.atttypmod) = "
		"'LineString' AND @g.postgis_typmod_srid(a.atttypmod) = @r))";
	buf_init(&filled, DDL_SQL_MAX);
	ok = sqlbuf_template(&filled, sql_line_views_drop, subst) &&
		ddl_template(sql, d, filled.data);
	buf_free(&filled);
	return ok;
}

bool
ddl_create_trip_lines(Buf *sql, const Ddl *d)
{
	if (!d->geometry)
		return true;
	return (d->conn == NULL ||
			(ddl_drop_line_views(sql, d, false) && buf_puts(sql, ";\n"))) &&
		ddl_template(sql, d, sql_trip_lines) && buf_puts(sql, ";\n");
}

int
ddl_lines_count(void)
{
	return NLINE_STEPS;
}

bool
ddl_lines(Buf *sql, const Ddl *d, int i)
{
	if (!d->geometry || i < 0 || i >= NLINE_STEPS)
		return true;
	return ddl_template(sql, d, line_steps[i].sql) &&
		(!line_steps[i].table || buf_puts(sql, DDL_TABLE_OPTIONS));
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

bool
ddl_create_notices(Buf *sql, const Ddl *d)
{
	return ddl_template(sql, d, sql_import_notices) &&
		buf_puts(sql, DDL_TABLE_OPTIONS);
}

bool
ddl_create_import_files(Buf *sql, const Ddl *d)
{
	return ddl_template(sql, d, sql_import_files) &&
		buf_puts(sql, DDL_TABLE_OPTIONS);
}

bool
ddl_create_locations(Buf *sql, const Ddl *d)
{
	/*
	 * Most feeds have no locations.geojson: a table of storage, its key
	 * and GiST index would be five files made to be dropped at the swap
	 */
	return ddl_template(sql, d, sql_locations) &&
		buf_puts(sql, d->no_locations && d->feed_id ?
				 " PARTITION BY LIST (feed_id)" : DDL_TABLE_OPTIONS);
}
