#!/usr/bin/python3
"""
The geometry a GIS client opens: types and SRIDs, and the lines of trips
and routes.

    tests/with-postgres tests/lines.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database, its closing line).
- geometry_columns gives every geometry column of a loaded feed (tables,
  views, partitioned tables, the cross-feed tables and their buckets) its
  type and SRID, which QGIS otherwise asks for: with --srid too.
- trip_lines and route_lines give what the views of gtfs2pgsql 0.1.0 gave
  (REFERENCE_*: the same geometries), on the fixtures, on a feed of trips
  without shapes made here, and on the shared feeds when they are there.
- An older load's views (route_lines a view, trip_lines an untyped one)
  give way to the new ones on reload; a view of yours over trip_lines
  fails the reload rather than going.
"""
import os, shutil, sys

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check, Skip = it.test, it.check, it.Skip
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel

# the views as gtfs2pgsql made them before the lines were derived at load
REFERENCE_TRIP_LINES = """
SELECT t.trip_id, t.route_id, t.shape_id,
	coalesce(public.ST_Force2D(l.geom),
		(SELECT CASE WHEN count(DISTINCT s.geom) > 1
			THEN public.ST_MakeLine(s.geom ORDER BY st.stop_sequence) END
		 FROM {s}.stop_times st JOIN {s}.stops s USING (stop_id)
		 WHERE st.trip_id = t.trip_id)) AS geom,
	l.geom IS NOT NULL AS from_shape
FROM {s}.trips t LEFT JOIN {s}.shape_lines l USING (shape_id)"""
REFERENCE_ROUTE_LINES = """
SELECT route_id, public.ST_Multi(public.ST_LineMerge(public.ST_Union(geom))) AS geom
FROM (SELECT DISTINCT route_id, geom FROM ({trip_lines}) AS tl
      WHERE geom IS NOT NULL) AS lines
GROUP BY route_id"""


def same_lines(schema):
    """trip_lines and route_lines of schema equal the reference's: trips
    exactly, routes as ST_Equals has it (a union's vertices may come in
    another order); returns the count of trips and routes."""
    s = qi(schema)
    trips = REFERENCE_TRIP_LINES.format(s=s)
    bad = query(
        "SELECT trip_id FROM (%s) AS a FULL JOIN %s AS b USING (trip_id)"
        " WHERE a.route_id IS DISTINCT FROM b.route_id"
        " OR a.shape_id IS DISTINCT FROM b.shape_id"
        " OR a.geom IS DISTINCT FROM b.geom OR a.from_shape IS DISTINCT FROM"
        " b.from_shape LIMIT 5" % (trips, rel(schema, 'trip_lines')))
    check(not bad, '%s: trip_lines differ from the reference: %s' % (schema, bad))
    bad = query(
        "SELECT coalesce(a.route_id, b.route_id) FROM (%s) AS a FULL JOIN %s AS b"
        " ON coalesce(a.route_id, E'\\x01') = coalesce(b.route_id, E'\\x01')"
        " WHERE a.geom IS NULL OR b.geom IS NULL"
        " OR NOT public.ST_Equals(a.geom, b.geom) LIMIT 5"
        % (REFERENCE_ROUTE_LINES.format(trip_lines=trips),
           rel(schema, 'route_lines')))
    check(not bad, '%s: route_lines differ from the reference: %s' % (schema, bad))
    return value('SELECT count(*) FROM %s' % rel(schema, 'trip_lines')), \
        value('SELECT count(*) FROM %s' % rel(schema, 'route_lines'))


def untyped(where):
    """geometry_columns' rows without a type or an SRID."""
    return query(
        "SELECT f_table_schema || '.' || f_table_name || '.' || f_geometry_column,"
        " type, srid FROM public.geometry_columns WHERE (%s)"
        " AND (type = 'GEOMETRY' AND f_table_name NOT LIKE 'shape_lines%%'"
        " OR srid = 0) ORDER BY 1" % where)


@test()
def geometry_columns_typed():
    """Every geometry column of a loaded fixture has its type and SRID,
    shape_lines its SRID (its type is LineString or LineStringM, by feed,
    in one cross-feed column); with --srid, that SRID."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'gc_sample')
    it.load(os.path.join(it.FIXTURES, 'edge'), 'gc_edge')
    bad = untyped("f_table_schema IN ('gc_sample', 'gc_edge', 'gtfs2pgsql',"
                  " 'gtfs2pgsql_buckets') OR f_table_schema LIKE"
                  " 'gtfs2pgsql\\_data\\_%'")
    check(not bad, 'untyped geometry columns: %s' % bad)
    got = dict((r[0], (r[1], r[2])) for r in query(
        "SELECT f_table_name, type, srid FROM public.geometry_columns"
        " WHERE f_table_schema = 'gc_sample'"))
    want = {'stops': ('POINT', '4326'), 'shapes': ('POINT', '4326'),
            'shape_lines': ('GEOMETRY', '4326'),
            'trip_lines': ('LINESTRING', '4326'),
            'stop_lines': ('LINESTRING', '4326'),
            'route_lines': ('MULTILINESTRING', '4326'),
            'locations': ('MULTIPOLYGON', '4326')}
    check(got == want, 'geometry_columns of gc_sample: %s, not %s' % (got, want))
    # another SRID: a database of its own, one SRID per database
    db = it.DB + '_srid'
    it.psql('CREATE DATABASE %s TEMPLATE template0;' % qi(db), db=None)
    try:
        r = it.run('-q', '-d', db, '-s', 'utm', '--srid', '32618',
                   os.path.join(it.FIXTURES, 'sample'), db=False)
        check(r.returncode == 0, it.describe(r))
        rows = it.psql("SELECT f_table_schema || '.' || f_table_name, type, srid"
                       " FROM public.geometry_columns WHERE srid <> 32618"
                       " OR (type = 'GEOMETRY' AND f_table_name NOT LIKE"
                       " 'shape_lines%')", db=db)
        check(not rows.strip(), '--srid 32618: %s' % rows)
    finally:
        it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(db), db=None)


@test()
def lines_equal_the_former_views():
    it.load(os.path.join(it.FIXTURES, 'sample'), 'ln_sample')
    it.load(os.path.join(it.FIXTURES, 'edge'), 'ln_edge')
    for schema in ('ln_sample', 'ln_edge'):
        same_lines(schema)


@test()
def lines_of_trips_without_shapes():
    """A feed whose trips have no shape (and one with a shape of one point,
    no line): their lines are those through their stops, in stop_times,
    and the routes' are the union of those."""
    src = os.path.join(it.FIXTURES, 'sample')
    feed = os.path.join(it.TMP, 'noshapes')
    shutil.copytree(src, feed)
    os.remove(os.path.join(feed, 'shapes.txt'))
    it.load(feed, 'ln_noshapes')
    n = value('SELECT count(*) FROM ln_noshapes.stop_lines')
    check(int(n) > 0, 'no stop_lines in a feed without shapes')
    trips, routes = same_lines('ln_noshapes')
    check(int(routes) > 0 and value(
        'SELECT count(*) FROM ln_noshapes.trip_lines WHERE from_shape') == '0',
          'routes %s, trips %s' % (routes, trips))


@test()
def lines_of_shared_feeds():
    feeds = [f for f in ('bart-2018', 'caltrain-2018', 'ctran-flex-2025')
             if os.path.exists(os.path.join(it.FEEDS, f + '.zip'))]
    if not feeds:
        raise Skip('%s absent' % it.FEEDS)
    for stem in feeds:
        schema = 'ln_' + stem.replace('-', '_')
        it.load(os.path.join(it.FEEDS, stem + '.zip'), schema)
        same_lines(schema)


@test()
def older_views_give_way():
    """A feed's schema as an older gtfs2pgsql left it (route_lines and
    trip_lines views, trip_lines untyped): a reload makes route_lines the
    table and trip_lines the typed view.  A view of yours over trip_lines
    in the way fails the reload (exit 3), nothing dropped."""
    sample = os.path.join(it.FIXTURES, 'sample')
    it.load(sample, 'ln_old')
    it.psql('DROP VIEW ln_old.trip_lines; DROP TABLE ln_old.route_lines;'
            'CREATE VIEW ln_old.trip_lines AS %s;'
            'CREATE VIEW ln_old.route_lines AS %s;'
            % (REFERENCE_TRIP_LINES.format(s='ln_old'),
               REFERENCE_ROUTE_LINES.format(trip_lines='TABLE ln_old.trip_lines')))
    it.load(sample, 'ln_old')
    kinds = dict(query("SELECT relname, relkind FROM pg_class WHERE relnamespace"
                       " = 'ln_old'::regnamespace AND relname IN"
                       " ('trip_lines', 'route_lines')"))
    check(kinds == {'trip_lines': 'v', 'route_lines': 'p'}, 'kinds: %s' % kinds)
    same_lines('ln_old')
    # brought up to date, the view stays from one load to the next
    oid = value("SELECT 'ln_old.trip_lines'::regclass::oid")
    it.load(sample, 'ln_old')
    check(value("SELECT 'ln_old.trip_lines'::regclass::oid") == oid,
          'a reload made trip_lines again (grants and your views over it go)')
    # a view of yours over an untyped trip_lines: the reload fails
    it.psql('DROP VIEW ln_old.trip_lines; CREATE VIEW ln_old.trip_lines AS %s;'
            'CREATE VIEW ln_old.mine AS SELECT * FROM ln_old.trip_lines;'
            % REFERENCE_TRIP_LINES.format(s='ln_old'))
    r = it.run('-q', '-s', 'ln_old', sample)
    check(r.returncode == 3 and 'mine' in r.stderr, it.describe(r))
    check(value("SELECT to_regclass('ln_old.mine') IS NOT NULL") == 't',
          'your view went')


if __name__ == '__main__':
    it.main()
