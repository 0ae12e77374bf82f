#!/usr/bin/python3
"""
Tests of the statistics and translated views of a feed's schema
(src/load/analysis.c, schema/sql/stats_*.sql and translated.sql).

    tests/with-postgres tests/analysis.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py; only the tests registered here
run.

- A hand-made feed (America/New_York; a trip across midnight, a trip of
  frequencies.txt, a stop in a station) whose statistics are counted here
  by hand: stats_by_route_date by service day and by the day on the
  agency's clock, stats_by_agency_route_stop_hour, stats_active_trips_by_hour
  and feed_time_frame (also against a full scan of arrivals_departures).
- The materialized views: empty without --stats, filled with it, emptied
  by a load without it (nothing of a replaced feed stays); --drop goes
  through them.
- translations.txt in the reference's two forms (record_id, with
  record_sub_id for stop_times, and field_value; record_id first when both
  match, as the reference says) and in GTFS-JP's older
  trans_id,lang,translation; ryobi-bus-2025 (../shared/feeds/defective).
- gtfs-via-postgres (npm, bench/package.json) as the oracle on the
  hand-made feeds (without frequencies.txt, where it departs from the
  reference: see tests/timetable.py) and on caltrain-2018: the same
  statistics (its views run in the agency's time zone, as ours count) and
  the same translations.  Skipped when node/npm cannot provide it.
"""
import datetime, os, subprocess, sys, shutil

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import timetable as tt                                       # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check, Skip = it.test, it.check, it.Skip
query, value, qi, ql = it.query, it.value, it.qi, it.ql

MATVIEWS = ['stats_by_route_date', 'stats_by_agency_route_stop_hour',
            'stats_active_trips_by_hour']
TZ = 'America/New_York'

# ------------------------------------------------------- the hand-made feeds

def stats_feed(name, frequencies=True):
    """Three days (Monday 2026-06-01 to Wednesday); route R: T1 08:00-08:30,
    T2 23:50-24:20 (its arrival on the next day), T3 10:00-10:10 run by
    frequencies.txt at 10:00 and 10:30 (without frequencies.txt: once, at
    10:00).  S2 is in station ST."""
    files = {
        'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n'
                      'A,Agency,https://a.example/,%s\n' % TZ,
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon,location_type,'
                     'parent_station\n'
                     'S1,One,40.7,-74.0,0,\n'
                     'S2,Two,40.8,-74.0,0,ST\n'
                     'ST,Station,40.8,-74.0,1,\n',
        'routes.txt': 'route_id,agency_id,route_short_name,route_long_name,'
                      'route_type\nR,A,R,Red line,3\n',
        'trips.txt': 'route_id,service_id,trip_id,trip_headsign\n'
                     'R,WK,T1,North\nR,WK,T2,North\nR,WK,T3,South\n',
        'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,'
                          'stop_sequence,stop_headsign\n'
                          'T1,08:00:00,08:00:00,S1,1,Up\n'
                          'T1,08:30:00,08:30:00,S2,2,\n'
                          'T2,23:50:00,23:50:00,S1,1,Up\n'
                          'T2,24:20:00,24:20:00,S2,2,\n'
                          'T3,10:00:00,10:00:00,S1,1,\n'
                          'T3,10:10:00,10:10:00,S2,2,\n',
        'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,'
                        'friday,saturday,sunday,start_date,end_date\n'
                        'WK,1,1,1,1,1,1,1,20260601,20260603\n',
    }
    if frequencies:
        files['frequencies.txt'] = ('trip_id,start_time,end_time,'
                                    'headway_secs,exact_times\n'
                                    'T3,10:00:00,11:00:00,1800,1\n')
    return it.write_feed(name, files)

def translations_feed(name, rules):
    """stats_feed's (no frequencies.txt) with translations.txt rules."""
    d = stats_feed(name, frequencies=False)
    with open(os.path.join(d, 'translations.txt'), 'w',
              encoding='utf-8') as f:
        f.write(rules)
    return d

# the reference's forms: de for every field, record_id or field_value
# each; fr where a record_id rule and a field_value rule match the same
# stop (the record_id's wins: "the rule with record_id takes precedence")
REFERENCE_RULES = (
    'table_name,field_name,language,translation,record_id,record_sub_id,'
    'field_value\n'
    'stops,stop_name,de,Eins,S1,,\n'
    'stops,stop_name,de,Zwei,,,Two\n'
    'stops,stop_name,de,Bahnhof,ST,,\n'
    'routes,route_short_name,de,Rot,R,,\n'
    'routes,route_long_name,de,Rote Linie,,,Red line\n'
    'trips,trip_headsign,de,Nord,,,North\n'
    'trips,trip_headsign,de,Sued,T3,,\n'
    'stop_times,stop_headsign,de,Hoch,T1,1,\n'
    'stop_times,stop_headsign,de,Rauf,,,Up\n'
    'stops,stop_name,fr,Un (par id),S1,,\n'
    'stops,stop_name,fr,Un (par valeur),,,One\n')

# ------------------------------------------------------- statistics

def ny(day, time):
    """Epoch of a local time in New York."""
    d = datetime.datetime.fromisoformat('%s %s' % (day, time)).replace(
        tzinfo=tt.zoneinfo.ZoneInfo(TZ))
    return int(d.timestamp())

@test()
def stats_by_hand():
    """The statistics of the hand-made feed, counted here."""
    d = stats_feed('analysis-stats')
    it.load(d, 'an_stats', '--stats')
    s = qi('an_stats')
    rows = query('SELECT date, dow::integer, nr_of_trips, nr_of_arrs_deps,'
                 ' is_effective FROM %s.stats_by_route_date WHERE route_id ='
                 " 'R' ORDER BY is_effective, date" % s)
    want = [('2026-06-0%d' % i, str(i), '4', '8', 'f') for i in (1, 2, 3)]
    # on the clock: T2's arrival at 24:20 is the next day's
    want += [('2026-06-01', '1', '4', '7', 't'),
             ('2026-06-02', '2', '4', '8', 't'),
             ('2026-06-03', '3', '4', '8', 't'),
             ('2026-06-04', '4', '0', '1', 't')]
    check(rows == want, 'stats_by_route_date: %r, want %r' % (rows, want))

    rows = query('SELECT stop_id, station_id, service_date,'
                 ' extract(epoch FROM effective_hour)::bigint, nr_of_arrs'
                 ' FROM %s.stats_by_agency_route_stop_hour WHERE agency_id ='
                 " 'A' AND route_id = 'R' ORDER BY 4, 1" % s)
    want = []
    for day in ('2026-06-01', '2026-06-02', '2026-06-03'):
        nxt = str(datetime.date.fromisoformat(day) + datetime.timedelta(1))
        want += [('S1', None, day, ny(day, '08:00'), 1),
                 ('S2', None, day, ny(day, '08:00'), 1),
                 ('S1', None, day, ny(day, '10:00'), 2),
                 ('S2', None, day, ny(day, '10:00'), 2),
                 ('S1', None, day, ny(day, '23:00'), 1),
                 ('S2', None, day, ny(nxt, '00:00'), 1)]
    want = sorted([(a, 'ST' if a == 'S2' else None, c, str(e), str(n))
                   for a, b, c, e, n in want], key=lambda r: (int(r[3]), r[0]))
    check(rows == want, 'stats_by_agency_route_stop_hour: %r, want %r'
          % (rows, want))

    first, last = query('SELECT extract(epoch FROM min)::bigint,'
                        ' extract(epoch FROM max)::bigint'
                        ' FROM %s.feed_time_frame' % s)[0]
    check((int(first), int(last)) ==
          (ny('2026-06-01', '08:00'), ny('2026-06-04', '00:20')),
          'feed_time_frame: %s %s' % (first, last))
    scan = query('SELECT extract(epoch FROM min(least(t_arrival,'
                 ' t_departure)))::bigint, extract(epoch FROM max(greatest('
                 't_arrival, t_departure)))::bigint FROM'
                 ' %s.arrivals_departures' % s)[0]
    check(scan == (first, last), 'feed_time_frame %r, a full scan %r'
          % ((first, last), scan))

    # each day: T1 at 8, T3 at 10 (its two runs one trip), T2 at 23 and 0
    rows = dict((int(h), int(n)) for h, n in query(
        'SELECT extract(epoch FROM hour)::bigint, nr_of_active_trips'
        ' FROM %s.stats_active_trips_by_hour' % s))
    hours = range(ny('2026-06-01', '08:00'), ny('2026-06-04', '00:00') + 1,
                  3600)
    want = dict((h, 0) for h in hours)
    for day in ('2026-06-01', '2026-06-02', '2026-06-03'):
        nxt = str(datetime.date.fromisoformat(day) + datetime.timedelta(1))
        for h in (ny(day, '08:00'), ny(day, '10:00'), ny(day, '23:00'),
                  ny(nxt, '00:00')):
            want[h] += 1
    check(rows == want, 'stats_active_trips_by_hour: %r'
          % sorted(set(rows.items()) ^ set(want.items())))

def populated(schema):
    return dict(query('SELECT matviewname, ispopulated FROM'
                      ' pg_catalog.pg_matviews WHERE schemaname = %s'
                      % ql(schema)))

@test()
def stats_filled_only_with_option():
    """Without --stats the materialized views are there and empty (a query
    says to REFRESH them) and without their indexes (a file each, made
    by every feed's first load for nothing); with it, filled and indexed;
    a later load without it empties them: no statistics of a replaced
    feed stay."""
    def indexes():
        return int(value("SELECT count(*) FROM pg_catalog.pg_indexes WHERE"
                         " schemaname = 'an_option' AND tablename IN ('"
                         + "', '".join(MATVIEWS) + "')"))
    d = stats_feed('analysis-option')
    it.load(d, 'an_option')
    check(populated('an_option') == dict((m, 'f') for m in MATVIEWS),
          'without --stats: %r' % populated('an_option'))
    check(indexes() == 0, 'without --stats: %d indexes' % indexes())
    it.load(d, 'an_option', '--stats')
    check(populated('an_option') == dict((m, 't') for m in MATVIEWS),
          'with --stats: %r' % populated('an_option'))
    check(indexes() == 7, 'with --stats: %d indexes' % indexes())
    it.load(d, 'an_option')
    check(populated('an_option') == dict((m, 'f') for m in MATVIEWS),
          'reloaded without --stats: %r' % populated('an_option'))
    r = it.run('-q', '--report', '-', '-s', 'an_option', '--stats', d)
    check(r.returncode == 0 and '"step": "statistics"' in r.stdout,
          'the report has no step "statistics": %s' % it.describe(r))

@test()
def stats_follow_a_new_feed_id():
    """Another feed id loaded into the schema puts its tables aside (swap.c):
    the materialized views read the new feed's, and the old tables go."""
    it.load(stats_feed('analysis-id-a'), 'an_id', '--feed-id', 'an_id_a',
            '--stats')
    it.load(stats_feed('analysis-id-b', frequencies=False), 'an_id',
            '--feed-id', 'an_id_b', '--stats')
    trips = value("SELECT nr_of_trips FROM an_id.stats_by_route_date WHERE"
                  " date = '2026-06-01' AND NOT is_effective")
    check(trips == '3', 'trips on 2026-06-01: %s, want 3 (the new feed)'
          % trips)
    left = value("SELECT count(*) FROM pg_catalog.pg_class WHERE"
                 " relnamespace = to_regnamespace('gtfs2pgsql_dropped')")
    check(left in ('0', None), 'left in gtfs2pgsql_dropped: %s' % left)

@test()
def drop_goes_through_analysis_views():
    """--drop removes a feed whose schema has the statistics and translated
    views (which read the timetable's views and the feed's tables)."""
    d = stats_feed('analysis-drop')
    it.load(d, 'an_drop', '--stats', '--feed-id', 'an_drop')
    r = it.run('--drop', 'an_drop')
    check(r.returncode == 0, '--drop: %s' % it.describe(r))
    left = query("SELECT c.relname FROM pg_catalog.pg_class c JOIN"
                 " pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                 " WHERE n.nspname = 'an_drop' AND c.relkind IN ('v', 'm')")
    check(left == [], 'left after --drop: %r' % left)
    check(value("SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname"
                " = 'an_drop'") == '0', 'schema an_drop is still there')

# ------------------------------------------------------- translations

@test()
def translated_reference_forms():
    """record_id and field_value rules, record_sub_id for stop_times, the
    record_id's first where both match; one row per record and language,
    the original (language NULL) and a language of no rule for it."""
    d = translations_feed('analysis-tr', REFERENCE_RULES)
    it.load(d, 'an_tr')
    s = qi('an_tr')
    rows = query("SELECT coalesce(language, '-'), stop_id, stop_name,"
                 " stop_name_lang FROM %s.stops_translated"
                 " ORDER BY 1, 2" % s)
    want = [('-', 'S1', 'One', None), ('-', 'S2', 'Two', None),
            ('-', 'ST', 'Station', None),
            ('de', 'S1', 'Eins', 'de'), ('de', 'S2', 'Zwei', 'de'),
            ('de', 'ST', 'Bahnhof', 'de'),
            ('fr', 'S1', 'Un (par id)', 'fr'), ('fr', 'S2', 'Two', None),
            ('fr', 'ST', 'Station', None)]
    check(rows == want, 'stops_translated: %r' % rows)
    rows = query("SELECT route_short_name, route_short_name_lang,"
                 " route_long_name, route_long_name_lang FROM"
                 " %s.routes_translated WHERE language = 'de'" % s)
    check(rows == [('Rot', 'de', 'Rote Linie', 'de')],
          'routes_translated: %r' % rows)
    rows = query("SELECT trip_id, trip_headsign FROM %s.trips_translated"
                 " WHERE language = 'de' ORDER BY 1" % s)
    check(rows == [('T1', 'Nord'), ('T2', 'Nord'), ('T3', 'Sued')],
          'trips_translated: %r' % rows)
    rows = query("SELECT trip_id, stop_sequence, stop_name, station_id,"
                 " station_name, route_short_name, trip_headsign,"
                 " stop_headsign, stop_headsign_lang FROM"
                 " %s.arrivals_departures_translated WHERE language = 'de'"
                 " AND date = '2026-06-02' ORDER BY 1, 2" % s)
    want = [('T1', '1', 'Eins', None, None, 'Rot', 'Nord', 'Hoch', 'de'),
            ('T1', '2', 'Zwei', 'ST', 'Bahnhof', 'Rot', 'Nord', None, None),
            ('T2', '1', 'Eins', None, None, 'Rot', 'Nord', 'Rauf', 'de'),
            ('T2', '2', 'Zwei', 'ST', 'Bahnhof', 'Rot', 'Nord', None, None),
            ('T3', '1', 'Eins', None, None, 'Rot', 'Sued', None, None),
            ('T3', '2', 'Zwei', 'ST', 'Bahnhof', 'Rot', 'Sued', None, None)]
    check(rows == want, 'arrivals_departures_translated: %r' % rows)
    n = query("SELECT (SELECT count(*) FROM %s.arrivals_departures),"
              " (SELECT count(*) FROM %s.arrivals_departures_translated"
              " WHERE language IS NULL), (SELECT count(*) FROM"
              " %s.arrivals_departures_translated WHERE language = 'fr')"
              % (s, s, s))[0]
    check(n[0] == n[1] == n[2], 'rows per language: %r' % (n,))
    rows = query("SELECT trip_id, from_stop_name, to_stop_name,"
                 " to_station_name, from_stop_headsign, route_long_name"
                 " FROM %s.connections_translated WHERE language = 'de'"
                 " AND date = '2026-06-02' ORDER BY 1" % s)
    want = [('T1', 'Eins', 'Zwei', 'Bahnhof', 'Hoch', 'Rote Linie'),
            ('T2', 'Eins', 'Zwei', 'Bahnhof', 'Rauf', 'Rote Linie'),
            ('T3', 'Eins', 'Zwei', 'Bahnhof', None, 'Rote Linie')]
    check(rows == want, 'connections_translated: %r' % rows)

@test()
def translated_gtfs_jp_form():
    """GTFS-JP's trans_id,lang,translation: a text translated wherever it
    is written (a stop's name, a trip's headsign)."""
    d = translations_feed('analysis-jp', 'trans_id,lang,translation\n'
                          'One,ja,一\nNorth,ja,北\nTwo,ja-Hrkt,ニ\n')
    it.load(d, 'an_jp')
    s = qi('an_jp')
    rows = query("SELECT language, stop_id, stop_name, stop_name_lang"
                 " FROM %s.stops_translated WHERE language IS NOT NULL"
                 " AND stop_id <> 'ST' ORDER BY 1, 2" % s)
    want = [('ja', 'S1', '一', 'ja'), ('ja', 'S2', 'Two', None),
            ('ja-Hrkt', 'S1', 'One', None), ('ja-Hrkt', 'S2', 'ニ', 'ja-Hrkt')]
    check(rows == want, 'stops_translated: %r' % rows)
    rows = query("SELECT trip_id, trip_headsign, trip_headsign_lang FROM"
                 " %s.trips_translated WHERE language = 'ja' ORDER BY 1" % s)
    check(rows == [('T1', '北', 'ja'), ('T2', '北', 'ja'),
                   ('T3', 'South', None)], 'trips_translated: %r' % rows)

@test()
def translated_ryobi():
    """ryobi-bus-2025 (GTFS-JP's trans_id form, en, ja and ja-Hrkt): every
    stop once per language, every one of its 1,876 stops named in English,
    and arrivals_departures_translated as many rows per language as
    arrivals_departures."""
    path = os.path.join(it.FEEDS, 'defective', 'ryobi-bus-2025.zip')
    if not os.path.exists(path):
        raise it.absent(path)
    it.load(path, 'an_ryobi')
    s = qi('an_ryobi')
    langs = [r[0] for r in query('SELECT language FROM'
                                 ' %s.translation_languages ORDER BY 1' % s)]
    check(langs == ['en', 'ja', 'ja-Hrkt', None], 'languages: %r' % langs)
    n = query("SELECT count(*), count(DISTINCT stop_id), count(*) FILTER"
              " (WHERE stop_name_lang = 'en') FROM %s.stops_translated"
              " WHERE language = 'en'" % s)[0]
    stops = value('SELECT count(*) FROM %s.stops' % s)
    check(n == (stops, stops, stops) and stops == '1876',
          'en: %r, stops %s' % (n, stops))
    rows = query("SELECT stop_name FROM %s.stops_translated WHERE stop_id ="
                 " '1000000_1' ORDER BY language" % s)
    check(rows == [('Hibi-3chome',), ('日比三丁目',), ('ヒビサンチョウメ',),
                   ('日比三丁目',)], '1000000_1: %r' % rows)
    day = value('SELECT min(date) FROM %s.service_days' % s)
    n = query("SELECT (SELECT count(*) FROM %s.arrivals_departures WHERE"
              " date = %s), (SELECT count(*) FROM"
              " %s.arrivals_departures_translated WHERE language = 'en' AND"
              " date = %s), (SELECT count(*) FROM"
              " %s.arrivals_departures_translated WHERE language = 'en' AND"
              " date = %s AND stop_name_lang = 'en')"
              % (s, ql(day), s, ql(day), s, ql(day)))[0]
    check(n[0] == n[1] == n[2] and int(n[0]) > 0, '%s: %r' % (day, n))

# ------------------------------------------------------- the oracle

def gvp_load_dir(d, schema, *options):
    """Imports the .txt files of directory d with gtfs-via-postgres."""
    txt = sorted(os.path.join(d, n) for n in os.listdir(d)
                 if n.endswith('.txt'))
    return subprocess.run(
        ['bash', '-o', 'pipefail', '-c',
         '"$0" -s --schema "$1" -u --trips-without-shape-id --stops-without-level-id %s -- "${@:2}" |'
         ' awk \'$0 == ";" && p == "\\\\." {next} /./ {p = $0} {print}\' |'
         ' psql -X -b -q -v ON_ERROR_STOP=1 -d "$DB"' % ' '.join(options),
         tt.GVP, schema] + txt,
        capture_output=True, text=True, env=dict(it.PSQL_ENV, DB=it.DB),
        timeout=900)

GVP_STATS = ('--stats-by-route-date=view',
             '--stats-by-agency-route-stop-hour=view',
             '--stats-active-trips-by-hour=view')

def differ(a, b):
    """Rows only in query a, only in query b (3 of each at most)."""
    return (query('(%s) EXCEPT ALL (%s) LIMIT 3' % (a, b)),
            query('(%s) EXCEPT ALL (%s) LIMIT 3' % (b, a)))

def compare_stats(ours, gvp, tz, active=True):
    """Our statistics and gtfs-via-postgres's, its views in time zone tz."""
    at = "SET TimeZone = %s;\n" % ql(tz)
    o, g = qi(ours), qi(gvp)
    cols = 'route_id, date, dow::integer, nr_of_trips, nr_of_arrs_deps,' \
           ' is_effective'
    a = 'SELECT %s FROM %s.stats_by_route_date' % (cols, o)
    b = 'SELECT %s FROM %s.stats_by_route_date' % (cols, g)
    only = (query('(%s) EXCEPT ALL (%s) LIMIT 3' % (a, b), at),
            query('(%s) EXCEPT ALL (%s) LIMIT 3' % (b, a), at))
    check(only == ([], []), 'stats_by_route_date: only ours %r, only'
          ' gtfs-via-postgres %r' % only)
    cols = 'agency_id, route_id, stop_id, station_id,' \
           ' extract(epoch FROM effective_hour), nr_of_arrs'
    a = 'SELECT %s FROM %s.stats_by_agency_route_stop_hour' % (cols, o)
    b = 'SELECT %s FROM %s.stats_by_agency_route_stop_hour' % (cols, g)
    only = (query('(%s) EXCEPT ALL (%s) LIMIT 3' % (a, b), at),
            query('(%s) EXCEPT ALL (%s) LIMIT 3' % (b, a), at))
    check(only == ([], []), 'stats_by_agency_route_stop_hour: only ours %r,'
          ' only gtfs-via-postgres %r' % only)
    mins = query('SELECT (SELECT min FROM %s.feed_time_frame) ='
                 ' (SELECT min FROM %s.feed_time_frame)' % (o, g))
    check(mins == [('t',)], 'feed_time_frame: min differs')
    if not active:
        return
    # theirs counts 1 for an hour of no trip (its LEFT JOIN's empty row)
    # and ends at its feed_time_frame's max, the last days' first instant
    a = ('SELECT hour, greatest(nr_of_active_trips, 1) FROM'
         ' %s.stats_active_trips_by_hour WHERE hour <= (SELECT max FROM'
         ' %s.feed_time_frame)' % (o, g))
    b = 'SELECT hour, nr_of_active_trips FROM %s.stats_active_trips_by_hour' \
        % g
    only = (query('(%s) EXCEPT ALL (%s) LIMIT 3' % (a, b), at),
            query('(%s) EXCEPT ALL (%s) LIMIT 3' % (b, a), at))
    check(only == ([], []), 'stats_active_trips_by_hour: only ours %r, only'
          ' gtfs-via-postgres %r' % only)

@test()
def oracle_stats_hand_made():
    """gtfs-via-postgres agrees on the hand-made feed's statistics."""
    tt.gvp_available()
    d = stats_feed('analysis-oracle', frequencies=False)
    it.load(d, 'an_or', '--stats')
    p = gvp_load_dir(d, 'gvp_an_or', *GVP_STATS)
    check(p.returncode == 0, 'gtfs-via-postgres: %s' % p.stderr[-500:])
    compare_stats('an_or', 'gvp_an_or', TZ)

@test()
def oracle_stats_caltrain():
    """gtfs-via-postgres agrees on caltrain-2018's statistics (but the
    active trips by hour, which its view computes in hours per hour)."""
    path = os.path.join(it.FEEDS, 'caltrain-2018.zip')
    if not os.path.exists(path):
        raise it.absent(path)
    tt.gvp_available()
    it.load(path, 'an_caltrain', '--stats')
    d = os.path.join(it.TMP, 'an-caltrain')
    os.makedirs(d, exist_ok=True)
    subprocess.run(['unzip', '-q', '-o', '-j', path, '*.txt', '-d', d],
                   check=True)
    p = gvp_load_dir(d, 'gvp_an_caltrain', *GVP_STATS)
    shutil.rmtree(d, ignore_errors=True)
    if p.returncode:
        raise Skip('gtfs-via-postgres cannot import caltrain-2018: %s'
                   % p.stderr.strip()[-300:])
    tz = value('SELECT min(agency_timezone) FROM an_caltrain.agency')
    compare_stats('an_caltrain', 'gvp_an_caltrain', tz, active=False)

@test()
def oracle_translations():
    """gtfs-via-postgres agrees on the translations in de (one rule per
    field and record, where it gives one row per rule)."""
    tt.gvp_available()
    d = translations_feed('analysis-tr-oracle', REFERENCE_RULES)
    it.load(d, 'an_tro')
    p = gvp_load_dir(d, 'gvp_an_tro')
    check(p.returncode == 0, 'gtfs-via-postgres: %s' % p.stderr[-500:])
    for view, cols in (
            ('stops_translated', 'stop_id, stop_name, stop_name_lang'),
            ('routes_translated', 'route_id, route_short_name,'
             ' route_short_name_lang, route_long_name, route_long_name_lang'),
            ('trips_translated', 'trip_id, trip_headsign,'
             ' trip_headsign_lang'),
            ('arrivals_departures_translated', 'trip_id, date,'
             ' stop_sequence, stop_name, route_short_name, trip_headsign,'
             ' station_name')):
        lang = cols.split(', ')[2] if view != \
            'arrivals_departures_translated' else 'stop_name_lang'
        a = "SELECT %s FROM an_tro.%s WHERE language = 'de'" % (cols, view)
        b = "SELECT %s FROM gvp_an_tro.%s WHERE %s = 'de'" % (cols, view, lang)
        if view == 'arrivals_departures_translated':
            # theirs crosses the rules of each field (de's only), and gives
            # a row per matching rule: T1's first stop_headsign has two,
            # by record and by value (ours: the record's, translated_*)
            b = 'SELECT DISTINCT' + b[len('SELECT'):] + (
                " AND route_short_name_lang = 'de' AND trip_headsign_lang"
                " = 'de' AND coalesce(stop_headsign_lang, 'de') = 'de'")
        only = differ(a, b)
        check(only == ([], []), '%s: only ours %r, only gtfs-via-postgres %r'
              % ((view,) + only))

if __name__ == '__main__':
    it.main()
