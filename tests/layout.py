#!/usr/bin/python3
"""
The partitioned layout (issue 12): one table per GTFS file in schema
gtfs2pgsql, partitioned by feed_id, whose partition for a feed is that
feed's table in its schema.  Readers of one feed never make an import of
another wait; a one-feed query locks that feed's relations only; --drop
removes a feed whole (a feed of another server: tests/remote.py).

    tests/with-postgres tests/layout.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py and the helpers of
tests/hostile.py.  Standard library only.
"""
import os, re, subprocess, sys, time

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402
import hostile as h                                          # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel
SAMPLE = g.SAMPLE


def load_feed(feed_id, *args, feed=SAMPLE):
    r = g.run('-q', '--feed-id', feed_id, *args, feed)
    check(r.returncode == 0, 'loading %s: %s' % (feed_id, it.describe(r)))


def counts_by_feed(table):
    return dict(query('SELECT feed_id, count(*)::text FROM gtfs2pgsql.%s GROUP BY 1' % table))


@test()
def cross_feed_tables_are_partitioned():
    """Each feed is the partition of its feed_id in gtfs2pgsql.<table>,
    its schema's table has every row and column (extra columns in jsonb
    extra), and a reload replaces the partition, not the table."""
    stops = g.read_text(SAMPLE, 'stops.txt').split('\n')
    stops = [stops[0] + ',my_code'] + [l + ',c%d' % i for i, l in enumerate(stops[1:]) if l]
    d = g.make_feed('layout_extra', {'stops.txt': '\n'.join(stops) + '\n'})
    load_feed('lay-a')
    load_feed('lay-b', feed=d)
    n = value('SELECT count(*) FROM lay_a.stop_times')
    c = counts_by_feed('stop_times')
    check(c.get('lay-a') == n and c.get('lay-b') == n, 'cross-feed counts %r, %s each' % (c, n))
    check(value("SELECT relkind FROM pg_class WHERE oid = 'gtfs2pgsql.stops'::regclass") == 'p',
          'gtfs2pgsql.stops is not partitioned')
    check(value("SELECT pg_get_expr(relpartbound, oid) FROM pg_class "
                "WHERE oid = 'lay_b.stops'::regclass") == "FOR VALUES IN ('lay-b')",
          'lay_b.stops is not the partition of lay-b')
    check(value("SELECT extra->>'my_code' FROM lay_b.stops WHERE stop_id = "
                "(SELECT min(stop_id) FROM lay_b.stops)") is not None,
          'the extra column is not in jsonb extra')
    check(value("SELECT count(*) FROM lay_b.stops WHERE extra ? 'my_code'")
          == value('SELECT count(*) FROM lay_b.stops'), 'extra values missing')
    oid = value("SELECT 'lay_a.stops'::regclass::oid")
    it.psql("GRANT SELECT ON lay_a.stops TO PUBLIC")
    load_feed('lay-a')
    check(value("SELECT 'lay_a.stops'::regclass::oid") == oid,
          'a reload replaced the feed\'s table, not its partition')
    check(value("SELECT relacl::text LIKE '%=r/%' FROM pg_class "
                "WHERE oid = 'lay_a.stops'::regclass") == 't',
          'the grant on lay_a.stops to PUBLIC is lost')
    check(counts_by_feed('stop_times').get('lay-a') == n, 'rows after reload')


@test()
def partitions_hold_rows_and_no_check():
    """A feed's partitions are the tables of its files with rows: an empty
    file's table in its schema has none, and reads as empty; no CHECK on
    feed_id is left (each later ATTACH reads all of pg_constraint), the
    partition bound refuses another feed's row; each partition is
    analyzed and left out of autovacuum."""
    load_feed('lay-rows')
    data = value("SELECT 'gtfs2pgsql_data_' || oid FROM pg_namespace WHERE nspname = 'lay_rows'")
    empty = [t for (t,) in query(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'lay_rows'::regnamespace"
        " AND c.relkind = 'p'") if value('SELECT count(*) FROM lay_rows.%s' % qi(t)) == '0']
    check('pathways' in empty and 'stops' not in empty, 'empty tables: %r' % empty)
    leaves = [t for (t,) in query(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace"
        " AND c.relkind = 'r'" % ql(data))]
    check('stops' in leaves and not set(empty) & set(leaves),
          'partitions %r, empty tables %r' % (leaves, empty))
    checks = value("SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid IN"
                   " (SELECT oid FROM pg_class WHERE relnamespace = %s::regnamespace)"
                   " AND pg_get_constraintdef(oid) ~ 'feed_id'" % ql(data))
    check(checks == '0', '%s CHECK constraints on feed_id on the partitions' % checks)
    # analyzed in the load, autovacuum would analyze them again (it
    # counts the load's rows only after its commit)
    analyzed = [t for (t,) in query(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace"
        " AND c.relkind = 'r' AND 'autovacuum_enabled=false' = ANY (c.reloptions)"
        " AND EXISTS (SELECT FROM pg_statistic s WHERE s.starelid = c.oid)" % ql(data))]
    check(sorted(analyzed) == sorted(leaves),
          'analyzed, without autovacuum: %r of %r' % (analyzed, leaves))
    try:
        it.psql("INSERT INTO %s.stops (feed_id, stop_id) VALUES ('other', 'x')" % qi(data))
        refused = ''
    except AssertionError as e:
        refused = str(e)
    check('partition constraint' in refused, 'a row of another feed went in: %r' % refused)


@test()
def feeds_go_to_hash_buckets_and_list_layout_still_loads():
    """A cross-feed table is partitioned by HASH (feed_id) into buckets,
    each by LIST into feeds: a feed's table is a partition of the bucket
    its id hashes to.  A cross-feed table of the layout before buckets
    (LIST, feeds right under it) keeps taking new feeds, reloads and drops."""
    load_feed('bucket-a')
    check(value("SELECT partstrat FROM pg_partitioned_table"
                " WHERE partrelid = 'gtfs2pgsql.stops'::regclass") == 'h',
          'gtfs2pgsql.stops is not partitioned by hash')
    bucket = value("SELECT inhparent::regclass::text FROM pg_inherits"
                   " WHERE inhrelid = 'bucket_a.stops'::regclass")
    check(value("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = %s::regclass"
                % ql(bucket)).startswith('FOR VALUES WITH (modulus 64,'),
          '%s is not one of 64 hash partitions' % bucket)
    check(value("SELECT satisfies_hash_partition('gtfs2pgsql.stops'::regclass, 64,"
                " (regexp_match(pg_get_expr(relpartbound, oid), 'remainder (\\d+)'))[1]::int,"
                " 'bucket-a'::text) FROM pg_class WHERE oid = %s::regclass" % ql(bucket)) == 't',
          'bucket-a is in %s, not the bucket its id hashes to' % bucket)
    # gtfs2pgsql.stops made again as before buckets, every feed's table
    # moved; that layout had no cross-feed views (the next load makes them)
    it.psql("""DO $$
DECLARE r record;
BEGIN
  DROP VIEW gtfs2pgsql.arrivals_departures, gtfs2pgsql.connections,
    gtfs2pgsql.feed_time_frame, gtfs2pgsql.translation_languages,
    gtfs2pgsql.translations_by_record, gtfs2pgsql.translations_by_value CASCADE;
  ALTER TABLE gtfs2pgsql.stops RENAME TO stops_hashed;
  CREATE TABLE gtfs2pgsql.stops (LIKE gtfs2pgsql.stops_hashed) PARTITION BY LIST (feed_id);
  FOR r IN SELECT f.inhparent::regclass AS b, f.inhrelid::regclass AS t,
      pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_inherits f ON f.inhparent = i.inhrelid
    JOIN pg_class c ON c.oid = f.inhrelid
    WHERE i.inhparent = 'gtfs2pgsql.stops_hashed'::regclass
  LOOP
    EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', r.b, r.t);
    EXECUTE format('ALTER TABLE gtfs2pgsql.stops ATTACH PARTITION %s %s', r.t, r.bound);
  END LOOP;
  DROP TABLE gtfs2pgsql.stops_hashed;
END $$""")
    n = value('SELECT count(*) FROM bucket_a.stops')
    load_feed('bucket-b')
    load_feed('bucket-a')
    parents = dict(query("SELECT c.relnamespace::regnamespace::text, i.inhparent::regclass::text"
                         " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                         " WHERE c.relnamespace IN ('bucket_a'::regnamespace,"
                         " 'bucket_b'::regnamespace) AND c.relname = 'stops'"))
    check(parents == {'bucket_a': 'gtfs2pgsql.stops', 'bucket_b': 'gtfs2pgsql.stops'},
          'the feeds\' stops are under %r' % parents)
    check(value("SELECT inhparent::regclass::text FROM pg_inherits"
                " WHERE inhrelid = 'bucket_b.stop_times'::regclass").startswith('gtfs2pgsql_buckets.'),
          'stop_times of bucket-b is not in a bucket')
    check(counts_by_feed('stops').get('bucket-b') == n, 'rows of bucket-b: %r' % counts_by_feed('stops'))
    check(value("SELECT count(DISTINCT stop_name) FROM gtfs2pgsql.arrivals_departures"
                " WHERE feed_id = 'bucket-b' AND date = '2026-03-02'") != '0',
          'no gtfs2pgsql.arrivals_departures over the stops of the layout before buckets')
    r = g.run('-q', '--drop', 'bucket-b')
    check(r.returncode == 0, it.describe(r))
    check(counts_by_feed('stops').get('bucket-a') == n and 'bucket-b' not in counts_by_feed('stops'),
          'after the drop: %r' % counts_by_feed('stops'))


@test()
def idle_reader_of_another_feed_does_not_delay_an_import():
    """An idle transaction that read feed A, through its schema and through
    the cross-feed table filtered on A, does not make an import of feed B
    wait; an import of A waits and names the reader."""
    load_feed('idle-a')
    load_feed('idle-b')
    reader = h.Reader('layout_idle_%d' % os.getpid())
    try:
        reader.send("BEGIN; SELECT count(*) FROM idle_a.stops; "
                    "SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = 'idle-a';")
        reader.wait_state('idle in transaction')
        pid = reader.pid()
        r = g.run('-q', '--wait', '5', '--feed-id', 'idle-b', SAMPLE)
        check(r.returncode == 0 and 'waiting' not in r.stderr,
              'the import of another feed waited: %s' % it.describe(r))
        r = g.run('-q', '--feed-id', 'idle-new', SAMPLE)
        check(r.returncode == 0, 'a new feed could not be added: %s' % it.describe(r))
        p, err = g.spawn('--wait', '2', '--feed-id', 'idle-a', SAMPLE)
        code, text = g.finish(p, err)
        check(code == 3, 'exit %d, 3 expected: %s' % (code, text))
        check(re.search(r'session %s \(user [^,]+, application layout_idle' % pid, text),
              'the reader %s is not named: %s' % (pid, text))
    finally:
        reader.send('COMMIT;')
        reader.close()


def probe_feed(schema, table='stops'):
    """Whether a read of schema.table gets its lock within 50 ms."""
    r = subprocess.run(['psql', '-X', '-q', '-d', it.DB, '-c',
                        "SET lock_timeout = '50ms'; SELECT count(*) FROM %s"
                        % rel(schema, table)],
                       capture_output=True, text=True, env=it.PSQL_ENV)
    return r.returncode == 0


@test()
def new_feed_with_geometry_among_feeds_without():
    """In a database whose feeds were loaded --no-geometry, a new feed with
    geometry changes no other feed's tables (the cross-feed tables have
    their geometry columns from the first load): an idle reader of feed b
    does not delay it, readers of feed a never wait meanwhile, and the
    reader's transaction goes on."""
    with it.OtherDatabase('geomfeeds'):
        load_feed('nogeom-a', '--no-geometry')
        load_feed('nogeom-b', '--no-geometry')
        reader = h.Reader('layout_geom_%d' % os.getpid())
        try:
            reader.send("BEGIN; SELECT count(*) FROM nogeom_b.stops;")
            reader.wait_state('idle in transaction')
            started = time.time()
            p, err = g.spawn('-q', '--wait', '20', '--feed-id', 'geom-c', SAMPLE)
            stalled = 0
            while p.poll() is None:
                stalled += not probe_feed('nogeom_a')
            code, text = g.finish(p, err)
            took = time.time() - started
            check(code == 0 and 'waiting' not in text,
                  'the new feed with geometry: exit %d after %.1f s, %d reads of nogeom-a waited: %s' % (code, took, stalled, text))
            check(took < 20, 'the new feed with geometry took %.1f s' % took)
            check(stalled == 0, '%d reads of feed nogeom-a waited for the import' % stalled)
            reader.send("SELECT count(*) FROM nogeom_b.stops; SELECT count(*) FROM nogeom_b.shapes;")
            reader.wait_state('idle in transaction')
        finally:
            reader.send('COMMIT;')
            reader.close()
        check(value('SELECT count(geom) FROM geom_c.stops') ==
              value('SELECT count(*) FROM geom_c.stops') != '0',
              'geom-c has no geometry')
        check(value("SELECT count(geom) FROM gtfs2pgsql.stops WHERE feed_id = 'nogeom-b'") == '0',
              'nogeom-b has geometry')


@test()
def geom_columns_added_names_every_feeds_readers():
    """When the cross-feed tables lack the geometry columns (a database
    whose first feeds were loaded without PostGIS, or before it had them),
    a feed with geometry adds them to every feed: it waits for the readers
    of every feed, and names them; once they are gone it loads."""
    with it.OtherDatabase('geomadd'):
        load_feed('legacy-a', '--no-geometry')
        load_feed('legacy-b', '--no-geometry')
        it.psql('ALTER TABLE gtfs2pgsql.stops DROP COLUMN IF EXISTS geom;'
                ' ALTER TABLE gtfs2pgsql.shapes DROP COLUMN IF EXISTS geom;')
        reader = h.Reader('layout_geomadd_%d' % os.getpid())
        try:
            reader.send("BEGIN; SELECT count(*) FROM legacy_b.stops;")
            reader.wait_state('idle in transaction')
            pid = reader.pid()
            p, err = g.spawn('--wait', '3', '--feed-id', 'legacy-c', SAMPLE)
            code, text = g.finish(p, err)
            check(code == 3, 'exit %d, 3 expected: %s' % (code, text))
            check(re.search(r'session %s \(user [^,]+, application layout_geomadd' % pid, text)
                  and 'gtfs2pgsql.stops' in text,
                  'the reader %s of legacy-b is not named: %s' % (pid, text))
        finally:
            reader.send('COMMIT;')
            reader.close()
        load_feed('legacy-c')
        check(value('SELECT count(geom) FROM legacy_c.stops') != '0'
              and value('SELECT count(geom) FROM legacy_b.stops') == '0',
              'geometry of legacy-c, legacy-b after the columns were added')


@test()
def one_feed_query_locks_that_feed_only():
    """A query on the cross-feed table filtered on one feed_id locks the
    cross-feed table and relations of that feed, nothing of the others."""
    for f in ('lock-a', 'lock-b', 'lock-c'):
        load_feed(f)
    out = it.psql(
        "BEGIN; SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = 'lock-b';"
        " SELECT n.nspname || '.' || c.relname FROM pg_locks l"
        " JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE l.pid = pg_backend_pid() AND n.nspname <> 'pg_catalog'; COMMIT;")
    names = [l for l in out.split('\n') if '.' in l]
    data = value("SELECT 'gtfs2pgsql_data_' || oid FROM pg_namespace WHERE nspname = 'lock_b'")
    # the hash partition lock_b.stop_times is in, and no other
    bucket = value("SELECT inhparent::regclass::text FROM pg_inherits"
                   " WHERE inhrelid = 'lock_b.stop_times'::regclass")
    others = [n for n in names
              if n.split('.')[0] not in ('gtfs2pgsql', 'lock_b', data) and n != bucket]
    check('lock_b.stop_times' in names, 'lock_b.stop_times not locked: %r' % names)
    check(bucket.startswith('gtfs2pgsql_buckets.'), 'lock_b.stop_times is in %s' % bucket)
    check(not others, 'locks outside feed lock-b: %r' % others)


TIMETABLES = ('arrivals_departures', 'connections')


# cross-b's translations, a rule naming its record and one naming a value
CROSS_TRANSLATIONS = (
    'table_name,field_name,language,translation,record_id,record_sub_id,field_value\n'
    'stops,stop_name,en,Old Mill Square,P05,,\n'
    'routes,route_long_name,en,Main Street,,,Rue Principale\n'
    'stop_times,stop_headsign,en,Downtown,R10-WKDY-0-0530,2,\n')


def cross_feed_feeds():
    """Three made feeds for the cross-feed timetable: the sample; one
    without frequencies.txt whose stop P05 has another name, and
    translations.txt; one whose
    weekday calendar runs to 2029, past the two years service_days holds,
    and which lacks stop P05 that its stop times name."""
    stops = g.read_text(SAMPLE, 'stops.txt').replace('P05,2105,"', 'P05,2105,"Other ', 1)
    calendar = g.read_text(SAMPLE, 'calendar.txt').replace('20261231', '20291231', 1)
    no_p05 = ''.join(l for l in g.read_text(SAMPLE, 'stops.txt').splitlines(True)
                     if not l.startswith('P05,'))
    load_feed('cross-a')
    load_feed('cross-b', feed=g.make_feed('cross_b', {'stops.txt': stops,
                                                      'frequencies.txt': None,
                                                      'translations.txt': CROSS_TRANSLATIONS}))
    load_feed('cross-c', feed=g.make_feed('cross_c', {'calendar.txt': calendar,
                                                      'stops.txt': no_p05}))


@test()
def cross_feed_timetable_is_each_feeds():
    """gtfs2pgsql.arrivals_departures and gtfs2pgsql.connections, filtered
    on a feed_id, are that feed's own views row for row (every column,
    ids included), frequency instances and the days past service_days too,
    and its statistics, stats_by_route_date and
    stats_by_agency_route_stop_hour, are the feed's, made by the load; a
    load keeps them (one made by another version is made again, one a view
    of the user's depends on stays)."""
    cross_feed_feeds()
    for view in TIMETABLES:
        check(value("SELECT obj_description('gtfs2pgsql.%s'::regclass)" % view)
              .endswith('(gtfs2pgsql 1)'), 'gtfs2pgsql.%s not made by the load' % view)
        for feed, schema in (('cross-a', 'cross_a'), ('cross-b', 'cross_b'),
                             ('cross-c', 'cross_c')):
            days = "date IN ('2026-03-02', '2026-03-07', '2026-03-08', '2029-06-04')"
            diff = value(
                "SELECT (SELECT count(*) FROM (SELECT * FROM gtfs2pgsql.%(v)s"
                " WHERE feed_id = %(f)s AND %(d)s EXCEPT ALL SELECT %(f)s, * FROM %(s)s.%(v)s"
                " WHERE %(d)s) x) || ' ' || (SELECT count(*) FROM (SELECT %(f)s, *"
                " FROM %(s)s.%(v)s WHERE %(d)s EXCEPT ALL SELECT * FROM gtfs2pgsql.%(v)s"
                " WHERE feed_id = %(f)s AND %(d)s) y) || ' ' || (SELECT count(*)"
                " FROM %(s)s.%(v)s WHERE %(d)s)" % {'v': view, 'f': ql(feed), 's': schema,
                                                    'd': days})
            only_cross, only_feed, rows = diff.split()
            check(only_cross == only_feed == '0' and int(rows) > 0,
                  '%s of %s: %s rows only across feeds, %s only in the feed\'s, of %s'
                  % (view, feed, only_cross, only_feed, rows))
    for stats in ('stats_by_route_date', 'stats_by_agency_route_stop_hour'):
        it.psql('REFRESH MATERIALIZED VIEW cross_a.%s' % stats)
        diff = value(
            "SELECT (SELECT count(*) FROM (SELECT * FROM gtfs2pgsql.%(v)s"
            " WHERE feed_id = 'cross-a' EXCEPT ALL SELECT 'cross-a', * FROM cross_a.%(v)s) x)"
            " || ' ' || (SELECT count(*) FROM (SELECT 'cross-a', * FROM cross_a.%(v)s"
            " EXCEPT ALL SELECT * FROM gtfs2pgsql.%(v)s WHERE feed_id = 'cross-a') y)"
            " || ' ' || (SELECT count(*) FROM cross_a.%(v)s)" % {'v': stats})
        only_cross, only_feed, rows = diff.split()
        check(only_cross == only_feed == '0' and int(rows) > 0,
              '%s of cross-a: %s rows only across feeds, %s only in the feed\'s, of %s'
              % (stats, only_cross, only_feed, rows))
    check(value("SELECT count(*) FROM gtfs2pgsql.arrivals_departures WHERE feed_id = 'cross-c'"
                " AND date = '2029-06-04'") != '0', 'no day past service_days in cross-c')
    check(value("SELECT count(DISTINCT stop_name) FROM gtfs2pgsql.arrivals_departures"
                " WHERE feed_id IN ('cross-a', 'cross-b') AND stop_id = 'P05'"
                " AND date = '2026-03-02'") == '2', 'the stop names of two feeds mixed')
    it.psql("COMMENT ON VIEW gtfs2pgsql.connections IS 'gtfs2pgsql: an older version';"
            "CREATE VIEW public.cross_board AS SELECT feed_id, stop_id"
            " FROM gtfs2pgsql.arrivals_departures")
    try:
        oid = value("SELECT 'gtfs2pgsql.arrivals_departures'::regclass::oid")
        load_feed('cross-a')
        check(value("SELECT 'gtfs2pgsql.arrivals_departures'::regclass::oid") == oid,
              'gtfs2pgsql.arrivals_departures made again under a view of the user\'s')
        it.psql("DROP VIEW public.cross_board")
        load_feed('cross-a')
        check(value("SELECT obj_description('gtfs2pgsql.connections'::regclass)")
              .endswith('(gtfs2pgsql 1)'), 'gtfs2pgsql.connections of another version kept')
    finally:
        it.psql("DROP VIEW IF EXISTS public.cross_board")


# the cross-feed objects of tests/analysis.py's, each with the query of
# the feed's own (the materialized view filled first)
CROSS_ANALYSIS = (
    ('feed_time_frame', 'feed_time_frame'),
    ("feed_time_series('hour')", "feed_time_series('hour')"),
    ('stats_active_trips_by_hour', 'stats_active_trips_by_hour'),
    ('stops_translated', 'stops_translated'),
    ('routes_translated', 'routes_translated'),
    ('trips_translated', 'trips_translated'),
    ('arrivals_departures_translated',
     "arrivals_departures_translated WHERE date = '2026-03-02'"),
    ('connections_translated',
     "connections_translated WHERE date = '2026-03-02'"))


@test()
def cross_feed_analysis_is_each_feeds():
    """gtfs2pgsql.feed_time_frame, feed_time_series('hour'),
    stats_active_trips_by_hour and the translated views, filtered on a
    feed_id, are that feed's own row for row (in the same time zone), a
    feed with translations.txt and feeds without (which, as in
    gtfs-via-postgres, have no translated views of their own); the
    translation of a feed names its feed's rows only."""
    cross_feed_feeds()
    for feed, schema in (('cross-a', 'cross_a'), ('cross-b', 'cross_b'),
                         ('cross-c', 'cross_c')):
        it.psql('REFRESH MATERIALIZED VIEW %s.stats_active_trips_by_hour' % schema)
        for cross, own in CROSS_ANALYSIS:
            if '_translated' in own and schema != 'cross_b':
                check(value("SELECT to_regclass('%s.%s') IS NULL"
                            % (schema, own.split(' ')[0])) == 't',
                      '%s.%s without translations.txt' % (schema, own))
                continue
            where = ' AND ' + own.split(' WHERE ')[1] if ' WHERE ' in own else ''
            # JIT off, as the README says: the plans' estimates pass
            # jit_optimize_above_cost, and JIT compiles for tens of seconds
            diff = query(
                "SELECT (SELECT count(*) FROM (SELECT * FROM gtfs2pgsql.%(c)s"
                " WHERE feed_id = %(f)s%(w)s EXCEPT ALL SELECT %(f)s, * FROM %(s)s.%(o)s) x)"
                " || ' ' || (SELECT count(*) FROM (SELECT %(f)s, * FROM %(s)s.%(o)s"
                " EXCEPT ALL SELECT * FROM gtfs2pgsql.%(c)s WHERE feed_id = %(f)s%(w)s) y)"
                " || ' ' || (SELECT count(*) FROM %(s)s.%(o)s)"
                % {'c': cross.split(' ')[0], 'o': own, 'f': ql(feed), 's': schema, 'w': where},
                'SET jit = off;\n')[0][0]
            only_cross, only_feed, rows = diff.split()
            check(only_cross == only_feed == '0' and int(rows) > 0,
                  '%s of %s: %s rows only across feeds, %s only in the feed\'s, of %s'
                  % (cross, feed, only_cross, only_feed, rows))
    names = query("SELECT feed_id, stop_name, stop_name_lang FROM gtfs2pgsql.stops_translated"
                  " WHERE stop_id = 'P05' AND language = 'en' ORDER BY 1")
    check(names == [('cross-b', 'Old Mill Square', 'en')],
          'stops_translated of P05 in English: %r' % names)
    check(value("SELECT count(*) FROM gtfs2pgsql.feed_time_frame WHERE feed_id LIKE 'cross-%'"
                " AND min < max") == '3', 'feed_time_frame lacks a feed')


@test()
def cross_feed_timetable_pruned():
    """A query of gtfs2pgsql.arrivals_departures, connections, the
    statistics, feed_time_frame, feed_time_series or the translated views
    filtered on one feed_id plans (EXPLAIN) and locks that
    feed's relations only, all columns asked for: no other feed's reader
    holds up its swap."""
    cross_feed_feeds()
    data = dict(query("SELECT nspname, 'gtfs2pgsql_data_' || oid FROM pg_namespace"
                      " WHERE nspname IN ('cross_a', 'cross_b', 'cross_c')"))
    for view, where in (('arrivals_departures', "stop_id = 'U01' AND date = '2026-03-02'"),
                        ('connections', "from_stop_id = 'U01' AND date = '2026-03-02'"),
                        ('stats_by_route_date', "route_id = 'R10'"
                         " AND date BETWEEN '2026-03-02' AND '2026-03-08'"),
                        ('stats_by_agency_route_stop_hour', "stop_id = 'U01'"),
                        ('feed_time_frame', 'true'),
                        ("feed_time_series('hour')", 'true'),
                        ('stats_active_trips_by_hour', "hour < '2026-03-03'"),
                        ('stops_translated', "stop_id = 'P05'"),
                        ('routes_translated', "route_id = 'R10'"),
                        ('trips_translated', "route_id = 'R10'"),
                        ('arrivals_departures_translated',
                         "stop_id = 'U01' AND date = '2026-03-02'"),
                        ('connections_translated',
                         "from_stop_id = 'U01' AND date = '2026-03-02'")):
        for feed, schema in (('cross-b', 'cross_b'), ('cross-c', 'cross_c')):
            q = ("SELECT * FROM gtfs2pgsql.%s WHERE feed_id = %s AND %s"
                 % (view, ql(feed), where))
            plan = it.psql('EXPLAIN (VERBOSE, COSTS OFF) ' + q)
            scanned = set(re.findall(r' on (gtfs2pgsql_data_\d+)\.', plan))
            check(scanned == {data[schema]}, '%s of %s scans %r, not only %s'
                  % (view, feed, sorted(scanned), data[schema]))
            out = it.psql(
                "BEGIN; %s \\g /dev/null\n"
                "SELECT n.nspname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE l.pid = pg_backend_pid() AND n.nspname <> 'pg_catalog'; COMMIT;" % q)
            others = {n for n in out.split('\n') if n and n not in (
                'gtfs2pgsql', 'gtfs2pgsql_buckets', schema, data[schema])}
            check(not others, '%s of %s locks relations of %r' % (view, feed, sorted(others)))


@test()
def drop_removes_a_feed_whole():
    """--drop removes the schema, the data schema, the partitions and the
    registry row, in one transaction, while a reader of another feed holds
    its transaction open; a view or an SQL-bodied function of the user's
    on the feed refuses it (exit 3); an unknown feed id exits 1."""
    load_feed('drop-a')
    load_feed('drop-b')
    data = value("SELECT 'gtfs2pgsql_data_' || oid FROM pg_namespace WHERE nspname = 'drop_a'")
    # a view of the user's over the feed's tables: refused, as DROP would be
    it.psql('CREATE VIEW public.drop_a_stops AS SELECT stop_id FROM drop_a.stops')
    r = g.run('--drop', 'drop-a')
    check(r.returncode == 3 and 'public.drop_a_stops' in r.stderr, it.describe(r))
    check('drop-a' in counts_by_feed('stops'), 'a refused drop removed rows')
    it.psql('DROP VIEW public.drop_a_stops')
    # a function of the user's with an SQL body: the same (it went through,
    # kept the tables put aside from going, and every later load said so
    # as an error)
    it.psql('CREATE FUNCTION public.drop_a_count() RETURNS bigint LANGUAGE sql'
            ' BEGIN ATOMIC SELECT count(*) FROM drop_a.stops; END')
    r = g.run('--drop', 'drop-a')
    check(r.returncode == 3 and 'public.drop_a_count()' in r.stderr, it.describe(r))
    it.psql('DROP FUNCTION public.drop_a_count()')
    reader = h.Reader('layout_drop_%d' % os.getpid())
    try:
        reader.send("BEGIN; SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = 'drop-b';")
        reader.wait_state('idle in transaction')
        r = g.run('--wait', '5', '--drop', 'drop-a')
        check(r.returncode == 0, it.describe(r))
    finally:
        reader.send('COMMIT;')
        reader.close()
    check(not h.schema_exists('drop_a') and not h.schema_exists(data),
          'schema drop_a or %s is still there' % data)
    check(value("SELECT count(*) FROM gtfs2pgsql.feeds WHERE feed_id = 'drop-a'") == '0',
          'registry row still there')
    check('drop-a' not in counts_by_feed('stops') and 'drop-b' in counts_by_feed('stops'),
          'cross-feed rows: %r' % counts_by_feed('stops'))
    r = g.run('--drop', 'no-such-feed')
    check(r.returncode == 1 and 'no feed "no-such-feed"' in r.stderr, it.describe(r))
    # the feed comes back as it was
    load_feed('drop-a')
    check('drop-a' in counts_by_feed('stops'), 'drop-a could not be loaded again')


@test()
def feed_id_changes_in_a_schema():
    """Loading another feed into a schema replaces the one there (its rows
    leave the cross-feed tables); a feed loaded into another schema leaves
    its old one."""
    load_feed('swap-one', '-s', 'swapped')
    load_feed('swap-two', '-s', 'swapped')
    c = counts_by_feed('stops')
    check('swap-one' not in c and 'swap-two' in c, 'cross-feed feeds %r' % c)
    check(value("SELECT count(*) FROM gtfs2pgsql.feeds WHERE feed_id = 'swap-one'") == '0',
          'swap-one still registered')
    load_feed('swap-two', '-s', 'swapped_too')
    check(not h.schema_exists('swapped') and h.schema_exists('swapped_too'),
          'the feed did not move from schema swapped')
    check(counts_by_feed('stops').get('swap-two') == value('SELECT count(*) FROM swapped_too.stops'),
          'rows of swap-two')


if __name__ == '__main__':
    it.main()
