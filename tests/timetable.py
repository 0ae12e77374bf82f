#!/usr/bin/python3
"""
Tests of the timetable as real time: service_days, arrivals_departures and
connections (src/load/timetable.c).

    tests/with-postgres tests/timetable.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database, psql helpers and
"N passed, N failed, N skipped" line); only the tests registered here run.

- A hand-made feed: agencies in America/New_York, Europe/Berlin and
  America/Los_Angeles, trips at 00:30:00 ... 25:30:00 on the days clocks
  change and on ordinary days, each t_arrival checked against the instant
  computed here (Python's zoneinfo) from the GTFS rule: times count from
  "noon minus 12h" of the service day in the agency's time zone.
- frequencies.txt: 06:00:00-07:00:00 every 600 s gives 6 instances, for
  exact_times 0 and 1.
- calendar edge cases, and the notice of an end_date before start_date.
- gtfs-via-postgres (npm, bench/package.json) as an oracle on the small real
  feeds of ../shared/feeds: the (trip_id, stop_sequence, t_arrival,
  t_departure) of both arrivals_departures views on a date of the feed and
  on a DST changeover date it covers must be equal, but for the trips of
  frequencies.txt, where gtfs-via-postgres departs from the GTFS reference
  (see oracle_frequencies).  Skipped when node/npm cannot provide it.

Environment: TIMETABLE_ORACLE_FEEDS, the feed stems to compare (default
"caltrain-2018 bart-2018 cdmx-2018 sacrt-2024"; gtfs-via-postgres takes
seconds to a minute for each).
"""
import datetime, fcntl, os, re, shutil, subprocess, sys, time, zipfile, zoneinfo

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, qi, ql = it.query, it.value, it.qi, it.ql

ORACLE_FEEDS = os.environ.get(
    'TIMETABLE_ORACLE_FEEDS',
    'caltrain-2018 bart-2018 cdmx-2018 sacrt-2024').split()
BENCH = os.path.join(it.REPO, 'bench')
GVP = os.path.join(BENCH, 'node_modules', '.bin', 'gtfs-to-sql')

# ------------------------------------------------------- the hand-made feed

TIMES = ['00:30:00', '01:30:00', '02:30:00', '12:00:00', '23:59:00',
         '24:10:00', '25:30:00']
ZONES = {'NY': 'America/New_York', 'BER': 'Europe/Berlin',
         'LA': 'America/Los_Angeles'}
# US changeovers, EU changeovers, ordinary days
DST_DAYS = ['2026-03-08', '2026-11-01', '2026-03-29', '2026-10-25',
            '2026-03-07', '2026-06-15', '2026-11-02']
TEMPLATE = ['08:00:00', '08:05:00', '08:12:00']   # frequency trips' stops

def secs(hms):
    h, m, s = (int(x) for x in hms.split(':'))
    return h * 3600 + m * 60 + s

def hms(n):
    return '%02d:%02d:%02d' % (n // 3600, n // 60 % 60, n % 60)

def gtfs_instant(day, time, zone):
    """The GTFS rule by hand: noon of day in zone, minus 12 hours, plus
    time (elapsed seconds); as a Unix epoch."""
    d = datetime.date.fromisoformat(day)
    noon = datetime.datetime(d.year, d.month, d.day, 12,
                             tzinfo=zoneinfo.ZoneInfo(zone))
    return int(noon.timestamp()) - 12 * 3600 + secs(time)

def dst_feed():
    stop_times = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence']
    trips = ['route_id,service_id,trip_id']
    for a in ZONES:
        for i, t in enumerate(TIMES):
            trip = '%s-%d' % (a, i)
            trips.append('R%s,ALL,%s' % (a, trip))
            later = hms(secs(t) + 600)
            stop_times.append('%s,%s,%s,A,1' % (trip, t, t))
            stop_times.append('%s,%s,%s,B,2' % (trip, later, later))
    for f in ('F0', 'F1'):
        trips.append('RNY,ALL,%s' % f)
        for seq, t in enumerate(TEMPLATE, 1):
            stop_times.append('%s,%s,%s,%s,%d' % (f, t, t, 'ABC'[seq - 1], seq))
    files = {
        'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n' +
        ''.join('%s,Agency %s,https://%s.example/,%s\n' % (a, a, a.lower(), z)
                for a, z in ZONES.items()),
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\n'
                     'A,A,40.7,-74.0\nB,B,40.8,-74.0\nC,C,40.9,-74.0\n',
        'routes.txt': 'route_id,agency_id,route_short_name,route_type\n' +
        ''.join('R%s,%s,%s,3\n' % (a, a, a) for a in ZONES),
        'trips.txt': '\n'.join(trips) + '\n',
        'stop_times.txt': '\n'.join(stop_times) + '\n',
        'frequencies.txt': 'trip_id,start_time,end_time,headway_secs,'
                           'exact_times\n'
                           'F0,06:00:00,07:00:00,600,0\n'
                           'F1,06:00:00,07:00:00,600,1\n',
        'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,'
                        'friday,saturday,sunday,start_date,end_date\n'
                        'ALL,1,1,1,1,1,1,1,20260101,20261231\n'
                        # June 2026 weekdays, minus Wednesday 10th
                        'REMOVE,1,1,1,1,1,0,0,20260601,20260630\n'
                        # weekdays of a week, plus a Saturday after it
                        'ADD,1,1,1,1,1,0,0,20260601,20260605\n'
                        # no weekday: no day
                        'NONE,0,0,0,0,0,0,0,20260601,20260630\n'
                        # ends before it starts: no day, a notice
                        'BACKWARDS,1,1,1,1,1,1,1,20260630,20260601\n'
                        # a one-day range on a day it does not run
                        'SUNDAY,0,0,0,0,0,0,1,20260601,20260601\n',
        'calendar_dates.txt': 'service_id,date,exception_type\n'
                              'REMOVE,20260610,2\n'
                              'ADD,20260613,1\n'
                              'ONLY,20260615,1\n'
                              'ONLY,20260616,1\n'
                              # removal of a day the calendar does not give
                              'SUNDAY,20260602,2\n',
    }
    return it.write_feed('timetable-dst', files)

def expected_days():
    """{service_id: set of dates} for the calendar of dst_feed()."""
    def span(a, b, weekdays):
        d, out = datetime.date.fromisoformat(a), set()
        while d <= datetime.date.fromisoformat(b):
            if d.weekday() in weekdays:
                out.add(d.isoformat())
            d += datetime.timedelta(days=1)
        return out
    return {
        'ALL': span('2026-01-01', '2026-12-31', range(7)),
        'REMOVE': span('2026-06-01', '2026-06-30', range(5)) - {'2026-06-10'},
        'ADD': span('2026-06-01', '2026-06-05', range(5)) | {'2026-06-13'},
        'ONLY': {'2026-06-15', '2026-06-16'},
    }

SCHEMA = 'timetable_dst'
_loaded = []

def need_dst():
    if not _loaded:
        it.load(dst_feed(), SCHEMA)
        _loaded.append(True)
    return SCHEMA

def epochs(sql):
    return {tuple(r[:-2]) + (None if r[-2] is None else int(float(r[-2])),
                              None if r[-1] is None else int(float(r[-1])))
            for r in query(sql)}

@test()
def objects_exist():
    """The three objects in every loaded schema, also for a feed with no
    calendar at all, and after a replacing load."""
    s = need_dst()
    kinds = dict(query(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname IN"
        " ('service_days', 'arrivals_departures', 'connections')" % ql(s)))
    check(kinds == {'service_days': 'p', 'arrivals_departures': 'v',
                    'connections': 'v'}, 'objects: %r' % kinds)
    # the keys are those of the feed's partition
    keys = value("SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER"
                 " BY 1) FROM pg_index WHERE indrelid = (SELECT inhrelid FROM"
                 " pg_inherits WHERE inhparent = '%s.service_days'::regclass)" % qi(s))
    check('(service_id, date)' in keys and '(date)' in keys,
          'service_days indexes: %s' % keys)
    d = it.write_feed('timetable-nocal', {
        'agency.txt': 'agency_name,agency_url,agency_timezone\n'
                      'X,https://x.example/,Europe/Paris\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,A,48.8,2.3\n',
        'routes.txt': 'route_id,route_short_name,route_type\nR,R,3\n',
        'trips.txt': 'route_id,service_id,trip_id\nR,S,T\n',
        'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,'
                          'stop_sequence\nT,08:00:00,08:00:00,A,1\n'})
    it.load(d, 'timetable_nocal')
    it.load(d, 'timetable_nocal')
    check(value('SELECT count(*) FROM timetable_nocal.arrivals_departures')
          == '0', 'rows without a calendar')

@test()
def service_days_calendar():
    """calendar.txt plus and minus calendar_dates.txt, day by day."""
    s = need_dst()
    got = {}
    for sid, day in query('SELECT service_id, date::text FROM %s.service_days'
                          % qi(s)):
        got.setdefault(sid, set()).add(day)
    want = expected_days()
    for sid in sorted(set(got) | set(want)):
        g, w = got.get(sid, set()), want.get(sid, set())
        check(g == w, 'service %s: extra %s, missing %s'
              % (sid, sorted(g - w)[:5], sorted(w - g)[:5]))

@test()
def service_days_range_notice():
    """An end_date before start_date: no day and an error notice with its
    line, the validator's start_and_end_range_out_of_order."""
    s = need_dst()
    rows = query("SELECT file, line, \"column\", severity, value, action"
                 " FROM %s.import_notices WHERE code ="
                 " 'start_and_end_range_out_of_order'" % qi(s))
    check(rows == [('calendar.txt', '6', 'end_date', 'error', '20260601',
                    'kept')], 'notices: %r' % rows)

@test()
def dst_noon_minus_12h():
    """Every t_arrival and t_departure of every trip on the changeover days
    (US and EU) and ordinary days, in three time zones, equals the instant
    of the GTFS rule computed by hand."""
    s = need_dst()
    days = ', '.join(ql(d) for d in DST_DAYS)
    got = epochs("SELECT trip_id, date::text, stop_sequence::text,"
                 " extract(epoch FROM t_arrival),"
                 " extract(epoch FROM t_departure)"
                 " FROM %s.arrivals_departures WHERE date IN (%s)"
                 " AND frequencies_it = -1" % (qi(s), days))
    want = set()
    for a, zone in ZONES.items():
        for i, t in enumerate(TIMES):
            for day in DST_DAYS:
                for seq, tt in ((1, t), (2, hms(secs(t) + 600))):
                    e = gtfs_instant(day, tt, zone)
                    want.add(('%s-%d' % (a, i), day, str(seq), e, e))
    check(got == want, 'extra %r, missing %r'
          % (sorted(got - want)[:4], sorted(want - got)[:4]))

@test()
def dst_by_hand():
    """The rule's consequences on the US changeover days, written out.
    2026-03-08 (clocks 02:00 EST -> 03:00 EDT): noon EDT minus 12h is 23:00
    EST the day before, so 00:30:00 is 23:30 on March 7 and 02:30:00 is
    01:30 EST.  2026-11-01 (02:00 EDT -> 01:00 EST): noon EST minus 12h is
    01:00 EDT, so 00:30:00 is 01:30 EDT and 01:30:00 the second 01:30,
    EST."""
    s = need_dst()
    rows = dict(query(
        "SELECT date || ' ' || t_arrival_local, to_char(t_arrival AT TIME"
        " ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM (SELECT date, t_arrival,"
        " (SELECT x.t FROM (SELECT arrival_time) x(t)) AS t_arrival_local"
        " FROM (SELECT a.date, a.t_arrival, st.arrival_time FROM"
        " %s.arrivals_departures a JOIN %s.stop_times st USING (trip_id,"
        " stop_sequence) WHERE a.trip_id LIKE 'NY-%%' AND a.stop_sequence = 1"
        " AND a.date IN ('2026-03-08', '2026-11-01')) y) z" % (qi(s), qi(s))))
    want = {
        '2026-03-08 00:30:00': '2026-03-08 04:30',   # 23:30 EST, March 7
        '2026-03-08 02:30:00': '2026-03-08 06:30',   # 01:30 EST
        '2026-03-08 12:00:00': '2026-03-08 16:00',   # noon EDT
        '2026-03-08 25:30:00': '2026-03-09 05:30',   # 01:30 EDT, March 9
        '2026-11-01 00:30:00': '2026-11-01 05:30',   # 01:30 EDT
        '2026-11-01 01:30:00': '2026-11-01 06:30',   # 01:30 EST
        '2026-11-01 02:30:00': '2026-11-01 07:30',   # 02:30 EST
        '2026-11-01 12:00:00': '2026-11-01 17:00',   # noon EST
    }
    for k, v in want.items():
        check(rows.get(k) == v, '%s: %s, want %s UTC' % (k, rows.get(k), v))

@test()
def frequencies_instances():
    """06:00:00-07:00:00 every 600 s: 6 instances (end_time excluded),
    exact_times 0 and 1 alike; each moves the whole template; the template's
    own 08:00:00 is no instance; connections follow."""
    s = need_dst()
    day = '2026-06-15'
    for f in ('F0', 'F1'):
        got = epochs("SELECT frequencies_it::text, stop_sequence::text,"
                     " extract(epoch FROM t_arrival),"
                     " extract(epoch FROM t_departure)"
                     " FROM %s.arrivals_departures WHERE trip_id = %s AND"
                     " date = %s" % (qi(s), ql(f), ql(day)))
        want = set()
        for k in range(6):
            for seq, t in enumerate(TEMPLATE, 1):
                e = gtfs_instant(day, hms(6 * 3600 + 600 * k + secs(t)
                                          - secs(TEMPLATE[0])), ZONES['NY'])
                want.add((str(k + 1), str(seq), e, e))
        check(got == want, '%s: extra %r, missing %r'
              % (f, sorted(got - want)[:4], sorted(want - got)[:4]))
        conn = query("SELECT count(*), count(DISTINCT frequencies_it),"
                     " min(t_arrival - t_departure)::text FROM %s.connections"
                     " WHERE trip_id = %s AND date = %s" % (qi(s), ql(f),
                                                           ql(day)))
        check(conn == [('12', '6', '00:05:00')], '%s connections: %r'
              % (f, conn))

@test()
def connections_consecutive():
    """A connection per pair of consecutive stop times: from A at t to B at
    t + 10 min, for every plain trip and day."""
    s = need_dst()
    rows = query("SELECT count(*), count(*) FILTER (WHERE from_stop_id = 'A'"
                 " AND to_stop_id = 'B' AND t_arrival - t_departure ="
                 " interval '10 minutes' AND from_stop_sequence = 1 AND"
                 " to_stop_sequence = 2) FROM %s.connections WHERE date ="
                 " '2026-03-08' AND frequencies_it = -1" % qi(s))
    check(rows == [('21', '21')], 'connections: %r' % rows)

@test()
def agency_without_id():
    """routes.txt without agency_id in a one-agency feed: that agency's time
    zone."""
    d = it.write_feed('timetable-one-agency', {
        'agency.txt': 'agency_name,agency_url,agency_timezone\n'
                      'X,https://x.example/,Europe/Berlin\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,A,52.5,13.4\n'
                     'B,B,52.6,13.4\n',
        'routes.txt': 'route_id,route_short_name,route_type\nR,R,3\n',
        'trips.txt': 'route_id,service_id,trip_id\nR,S,T\n',
        'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,'
                          'stop_sequence\nT,01:30:00,01:30:00,A,1\n'
                          'T,02:30:00,02:30:00,B,2\n',
        'calendar_dates.txt': 'service_id,date,exception_type\n'
                              'S,20260329,1\n'})
    it.load(d, 'timetable_one_agency')
    got = epochs("SELECT trip_id, extract(epoch FROM t_arrival),"
                 " extract(epoch FROM t_departure)"
                 " FROM timetable_one_agency.arrivals_departures")
    want = {('T', gtfs_instant('2026-03-29', t, 'Europe/Berlin'),
             gtfs_instant('2026-03-29', t, 'Europe/Berlin'))
            for t in ('01:30:00', '02:30:00')}
    check(got == want, 'got %r, want %r' % (sorted(got), sorted(want)))

@test()
def stop_day_uses_indexes():
    """A stop and a day: stop_times through its stop_id index, not a scan
    of stop_times."""
    s = need_dst()
    plan = it.psql("SET enable_seqscan = off;\nEXPLAIN SELECT * FROM"
                   " %s.arrivals_departures WHERE stop_id = 'A' AND date ="
                   " '2026-06-15';\n" % qi(s))
    check('Seq Scan on stop_times' not in plan and 'stop_id' in plan,
          'plan:\n' + plan)

@test()
def window_unknown_time_zone():
    """A time zone the server does not know (kept, with the notice
    invalid_timezone) does not fail the load: the window helpers take the
    widest offsets, -12 and +14 hours: 13:00Z less 26 hours less 12 is
    23:00Z of the 14th; 10:00Z plus 14 hours is the 17th."""
    d = it.write_feed('timetable-mars', {
        'agency.txt': 'agency_name,agency_url,agency_timezone\n'
                      'X,https://x.example/,Mars/Base\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,A,48.8,2.3\n',
        'routes.txt': 'route_id,route_short_name,route_type\nR,R,3\n',
        'trips.txt': 'route_id,service_id,trip_id\nR,S,T\n',
        'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,'
                          'stop_sequence\nT,08:00:00,26:00:00,A,1\n',
        'calendar_dates.txt': 'service_id,date,exception_type\n'
                              'S,20260315,1\n'})
    it.load(d, 'timetable_mars')
    got = query("SELECT timetable_mars.dates_filter_min('2026-03-16"
                " 13:00Z')::text, timetable_mars.dates_filter_max("
                "'2026-03-16 10:00Z')::text")
    check(got == [('2026-03-14', '2026-03-17')], 'bounds: %r' % got)

@test()
def drop_takes_functions():
    """A feed's drop takes the timetable's functions with its views (the
    lookups depend on their row types), and its schema goes."""
    ours = 'timetable_drop'
    it.load(columns_feed(), ours)
    code, err, _ = it.raw_run('-q', '--drop', ours)
    left = value("SELECT count(*) FROM pg_namespace WHERE nspname = %s"
                 % ql(ours))
    check(code == 0 and left == '0', 'drop: exit %d, %s; schema left: %s'
          % (code, err.strip()[-300:], left))

# ------------------------------------------------------- calendars of years

CALENDAR_HEAD = ('service_id,monday,tuesday,wednesday,thursday,friday,'
                 'saturday,sunday,start_date,end_date\n')
HELD_DAYS = 730          # what service_days holds of a calendar.txt line

def calendar_days(lines, exceptions, day):
    """The services of calendar lines (service_id, weekdays as a 7-char
    string from Monday, start, end as dates) and of exceptions {(service_id,
    date): exception_type} that run on day."""
    out = {sid for sid, wd, a, b in lines
           if a <= day <= b and wd[day.weekday()] == '1'
           and exceptions.get((sid, day)) != 2}
    return out | {sid for (sid, d), e in exceptions.items()
                  if d == day and e == 1}

def years_feed(name, lines, exceptions, trips):
    """A feed of the calendar lines and exceptions of calendar_days and
    trips [(trip_id, service_id)] of two stops at 08:00 and 08:10."""
    ymd = lambda d: '%04d%02d%02d' % (d.year, d.month, d.day)
    return it.write_feed(name, {
        'agency.txt': 'agency_name,agency_url,agency_timezone\n'
                      'X,https://x.example/,Europe/Paris\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\n'
                     'A,A,48.80,2.30\nB,B,48.81,2.31\n',
        'routes.txt': 'route_id,route_short_name,route_type\nR,R,3\n',
        'calendar.txt': CALENDAR_HEAD + ''.join(
            '%s,%s,%s,%s\n' % (sid, ','.join(wd), ymd(a), ymd(b))
            for sid, wd, a, b in lines),
        'calendar_dates.txt': 'service_id,date,exception_type\n' + ''.join(
            '%s,%s,%d\n' % (sid, ymd(d), e)
            for (sid, d), e in sorted(exceptions.items())),
        'trips.txt': 'route_id,service_id,trip_id\n' + ''.join(
            'R,%s,%s\n' % (sid, tid) for tid, sid in trips),
        'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,'
                          'stop_sequence\n' + ''.join(
            '%s,08:00:00,08:00:00,A,1\n%s,08:10:00,08:10:00,B,2\n'
            % (tid, tid) for tid, _ in trips)})

def check_days(schema, lines, exceptions, trips, days):
    """On each day, the trips of arrivals_departures and of connections are
    those of the services calendar_days gives, at 08:00 Paris time."""
    for day in days:
        runs = calendar_days(lines, exceptions, day)
        want = {tid for tid, sid in trips if sid in runs}
        for view, stop, t in (('arrivals_departures', 'stop_id',
                               't_departure'),
                              ('connections', 'from_stop_id', 't_departure')):
            rows = query("SELECT trip_id, to_char(%s AT TIME ZONE"
                         " 'Europe/Paris', 'HH24:MI') FROM %s.%s WHERE"
                         " date = %s AND %s = 'A'"
                         % (t, qi(schema), view, ql(day.isoformat()), stop))
            got = {r[0] for r in rows}
            check(got == want and all(r[1] == '08:00' for r in rows),
                  '%s %s: got %s, want %s' % (view, day, sorted(rows),
                                              sorted(want)))

def far_notices(schema):
    return query("SELECT line, severity, value, action FROM"
                 " %s.import_notices WHERE file = 'calendar.txt' AND code ="
                 " 'service_extends_far_in_the_future' ORDER BY line::integer"
                 % qi(schema))

@test()
def calendar_of_millennia():
    """Issue 22 (15): calendar.txt lines from 00010101 to 99991231 (3.65
    million days each) load in bounded time and space: service_days holds
    730 days of each, each that runs on a weekday gets the validator's
    service_extends_far_in_the_future, and the views still give the right
    trips on any day: year 1, 5000 (a removal and an addition there),
    9999."""
    D = datetime.date
    lines = [('EVERY', '1111111', D(1, 1, 1), D(9999, 12, 31)),
             ('WED', '0010000', D(1, 1, 1), D(9999, 12, 31)),
             ('YEAR', '1111100', D(2026, 1, 1), D(2026, 12, 31)),
             ('NEVER', '0000000', D(1, 1, 1), D(9999, 12, 31))]
    exceptions = {('EVERY', D(5000, 1, 1)): 2, ('YEAR', D(5000, 1, 1)): 1,
                  ('WED', D(4000, 1, 5)): 2}
    trips = [('TE', 'EVERY'), ('TW', 'WED'), ('TY', 'YEAR'), ('TN', 'NEVER')]
    d = years_feed('millennia', lines, exceptions, trips)
    started = datetime.datetime.now()
    it.load(d, 'timetable_millennia')
    seconds = (datetime.datetime.now() - started).total_seconds()
    print('# 3 lines of 00010101-99991231: loaded in %.2f s' % seconds)
    rows = int(value('SELECT count(*) FROM timetable_millennia.service_days'))
    check(rows <= 2 * HELD_DAYS + 261 + 1, 'service_days: %d rows' % rows)
    check(seconds < 30, 'load took %.1f s' % seconds)
    check(far_notices('timetable_millennia') ==
          [('2', 'info', '99991231', 'kept'), ('3', 'info', '99991231', 'kept')],
          'notices: %r' % far_notices('timetable_millennia'))
    check_days('timetable_millennia', lines, exceptions, trips,
               [D(1, 1, 1), D(1, 1, 3), D(2, 12, 31), D(3, 1, 1),
                D(2026, 6, 10), D(2026, 6, 13), D(4000, 1, 5), D(4000, 1, 12),
                D(5000, 1, 1), D(5000, 1, 2), D(9999, 12, 29),
                D(9999, 12, 31)])

DECADES_SERVICES = 149

def decades_calendar():
    """Like a real feed's: 149 services from 2024 to 2059, with holidays
    removed and days added, some of them decades out, and 2,213 stop
    times."""
    D = datetime.date
    masks = ['1111100', '0000010', '0000001', '1111111', '1010100',
             '0101000', '1111110']
    lines = [('S%03d' % i, masks[i % len(masks)], D(2024 + i % 3, 1 + i % 12, 1),
              D(2059, 12, 31) if i % 10 else D(2040, 6, 30))
             for i in range(DECADES_SERVICES)]
    exceptions = {}
    for i, (sid, _, a, _) in enumerate(lines):
        exceptions[(sid, D(2059, 6, 1 + i % 5))] = 2
        exceptions[(sid, D(2045, 12, 25))] = 2
        exceptions[(sid, a + datetime.timedelta(days=HELD_DAYS))] = 2
        exceptions[(sid, D(2050, 8, 15 + i % 3))] = 1
    trips = [('T%04d' % k, lines[k % DECADES_SERVICES][0])
             for k in range(2213 // 2 + 1)]
    return lines, exceptions, trips

@test()
def calendar_of_decades():
    """Issue 29 (3): 149 services to 2059 load with service_days in
    proportion to the lines (730 days of each at most, where one row per
    day made 790,000 rows and took 3 s), a notice each, and the views give
    the trips of every service on days held, on the first day past them,
    and decades out (2045, 2050, 2059), calendar_dates included; a
    pgsql2gtfs cut of a day of 2059 keeps its trips."""
    D = datetime.date
    lines, exceptions, trips = decades_calendar()
    d = years_feed('decades', lines, exceptions, trips)
    report = it.parse_report(it.load(d, 'timetable_decades'))
    step = [st.get('seconds') for st in report.get('steps', [])
            if st.get('step') == 'service_days']
    rows = int(value('SELECT count(*) FROM timetable_decades.service_days'))
    print('# %d services to 2059: service_days %d rows in %s s'
          % (len(lines), rows, step))
    check(rows <= len(lines) * HELD_DAYS + len(exceptions),
          'service_days: %d rows' % rows)
    check(len(far_notices('timetable_decades')) == len(lines),
          'notices: %d' % len(far_notices('timetable_decades')))
    days = [D(2024, 1, 1), D(2025, 12, 30), D(2025, 12, 31), D(2026, 1, 1),
            D(2026, 3, 2), D(2026, 12, 7), D(2040, 6, 30), D(2040, 7, 1),
            D(2045, 12, 25), D(2050, 8, 15), D(2050, 8, 16), D(2059, 6, 1),
            D(2059, 6, 3), D(2059, 12, 31), D(2060, 1, 1)]
    days += [a + datetime.timedelta(days=k) for _, _, a, _ in lines[:7]
             for k in (HELD_DAYS - 1, HELD_DAYS, HELD_DAYS + 1)]
    check_days('timetable_decades', lines, exceptions, trips, days)
    # the cut of pgsql2gtfs reads the days past those held too
    out = os.path.join(it.TMP, 'decades-2059.zip')
    export = os.environ.get('PGSQL2GTFS', './pgsql2gtfs')
    r = subprocess.run([export, '-q', '-d', it.DB, '-s', 'timetable_decades',
                        '--from', '2059-06-03', '--to', '2059-06-03', out],
                       capture_output=True, text=True, timeout=it.TIMEOUT)
    check(r.returncode == 0, 'pgsql2gtfs: %s' % r.stderr[-500:])
    runs = calendar_days(lines, exceptions, D(2059, 6, 3))
    want = sorted(tid for tid, sid in trips if sid in runs)
    with zipfile.ZipFile(out) as z:
        rows = z.read('trips.txt').decode().splitlines()
    col = rows[0].split(',').index('trip_id')
    got = sorted(l.split(',')[col] for l in rows[1:])
    check(got == want, 'cut: %d trips, want %d' % (len(got), len(want)))

@test()
def service_days_every_weekday():
    """Issue 27: service_days holds, row for row, the days a calendar line
    gives (its first HELD_DAYS), less those calendar_dates removes or also
    adds, plus those it adds: lines starting on each day of the week with
    each of the 128 weekday masks, spans of 0 to 20 days, an end before the
    start, years (cut at HELD_DAYS), and a day of each both removed and
    added by exceptions.  The fill makes each weekday a series in steps of
    7 from its first day: an off-by-one there loses or adds days here."""
    D, step = datetime.date, datetime.timedelta
    lines, exceptions = [], {}
    for mask in range(128):
        wd = format(mask, '07b')
        for first in range(7):
            a = D(2026, 3, 2) + step(days=first)      # Monday 2 March 2026
            b = a + step(days=(mask + first) % 21)
            sid = 'M%03d_%d' % (mask, first)
            lines.append((sid, wd, a, b))
            exceptions[(sid, a + step(days=mask % 5))] = 2
            exceptions[(sid, b + step(days=1 + first % 2))] = 1
    lines += [('BACK', '1111111', D(2026, 5, 10), D(2026, 5, 1)),
              ('YEARS', '0100101', D(2026, 1, 1), D(2031, 12, 31)),
              ('ADDED', '0000000', D(2026, 1, 1), D(2026, 1, 1))]
    exceptions[('YEARS', D(2026, 1, 1) + step(days=HELD_DAYS - 1))] = 2
    exceptions[('ADDED', D(2026, 7, 14))] = 1
    trips = [('T_' + sid, sid) for sid, _, _, _ in lines]
    d = years_feed('every-weekday', lines, exceptions, trips)
    it.load(d, 'timetable_weekdays')
    want = set()
    for sid, wd, a, b in lines:
        for k in range(min((b - a).days + 1, HELD_DAYS)):
            day = a + step(days=k)
            if wd[day.weekday()] == '1' and (sid, day) not in exceptions:
                want.add((sid, day.isoformat()))
    want |= {(sid, day.isoformat())
             for (sid, day), e in exceptions.items() if e == 1}
    got = set(query('SELECT service_id, date::text FROM'
                    ' timetable_weekdays.service_days'))
    check(got == want, 'service_days: extra %s, missing %s (%d rows)'
          % (sorted(got - want)[:5], sorted(want - got)[:5], len(got)))

# ------------------------------------------------------- the oracle

def gvp_available():
    """gtfs-via-postgres's program, installed by npm when missing.  Test
    files run at once (tests/run-all): the one that installs holds a lock
    the others wait for, or they would see its program before its modules
    (MODULE_NOT_FOUND)."""
    with open(os.path.join(BENCH, '.npm-install.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(GVP):
            if shutil.which('npm') is None or shutil.which('node') is None:
                raise it.Skip('gtfs-via-postgres needs node and npm')
            p = subprocess.run(['npm', 'install', '--prefix', BENCH, '--no-audit',
                                '--no-fund', '--no-package-lock'],
                               capture_output=True, text=True, timeout=600)
            if p.returncode or not os.path.exists(GVP):
                raise it.Skip('npm could not install gtfs-via-postgres: %s'
                              % p.stderr.strip()[-300:])
    return GVP

def gvp_load(feed, schema):
    """Imports a feed (a zip of ../shared/feeds by its stem, or a directory
    of .txt files) with gtfs-via-postgres into schema, as bench/run does
    (the awk works around psql 15.20, bench/README.md)."""
    if os.path.isdir(feed):
        d = feed
    else:
        d = os.path.join(it.TMP, 'gvp-' + feed)
        os.makedirs(d, exist_ok=True)
        subprocess.run(['unzip', '-q', '-o', '-j',
                        os.path.join(it.FEEDS, feed + '.zip'), '*.txt', '-d',
                        d], check=True)
    txt = sorted(os.path.join(d, n) for n in os.listdir(d)
                 if n.endswith('.txt'))
    p = subprocess.run(
        ['bash', '-o', 'pipefail', '-c',
         '"$0" -s --schema "$1" --require-dependencies -u'
         ' --trips-without-shape-id -- "${@:2}" |'
         ' awk \'$0 == ";" && p == "\\\\." {next} /./ {p = $0} {print}\' |'
         ' psql -X -b -q -v ON_ERROR_STOP=1 -d "$DB"', GVP, schema] + txt,
        capture_output=True, text=True, env=dict(it.PSQL_ENV, DB=it.DB),
        timeout=900)
    if d != feed:
        shutil.rmtree(d, ignore_errors=True)
    return p

def gvp_columns(gvp, view):
    """The columns of gtfs-via-postgres's view, each as (name, the SQL of
    ours, the SQL of theirs) giving the same value: the GTFS code of their
    enums (declared in the order of the codes), route_type's label (a code
    too) as an integer, wheelchair_boarding's label (text there: coalesce of
    enums and a literal), shape_dist_traveled as their real."""
    out = []
    for name, kind in query(
            "SELECT a.attname, t.typtype::text || t.typname FROM pg_attribute a"
            " JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid ="
            " '%s.%s'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
            " ORDER BY a.attnum" % (qi(gvp), view)):
        col = qi(name)
        if name.endswith('route_type'):
            out.append((name, col, '%s::text::integer' % col))
        elif name.endswith('wheelchair_boarding'):   # their enum's labels
            out.append((name, col, "array_position(ARRAY['no_info_or_inherit',"
                        " 'accessible', 'not_accessible'], %s::text) - 1"
                        % col))
        elif kind.startswith('e'):
            out.append((name, col, 'array_position(enum_range(%s), %s) - 1'
                        % (col, col)))
        elif kind == 'bfloat4':
            out.append((name, '%s::real' % col, col))
        else:
            out.append((name, col, col))
    return out

def compare_columns(ours, gvp, view, day):
    """Rows of trips outside frequencies.txt on day, every column of
    gtfs-via-postgres's view compared: (rows, columns, only ours, only
    theirs)."""
    cols = gvp_columns(gvp, view)
    where = (" WHERE date = %s AND trip_id NOT IN (SELECT trip_id FROM"
             " %%s.frequencies)" % ql(day))
    mine = 'SELECT %s FROM %s.%s%s' % (', '.join(c[1] for c in cols),
                                       qi(ours), view, where % qi(ours))
    theirs = 'SELECT %s FROM %s.%s%s' % (', '.join(c[2] for c in cols),
                                         qi(gvp), view, where % qi(gvp))
    n = int(value('SELECT count(*) FROM (%s) x' % mine))
    only_ours = query('(%s) EXCEPT ALL (%s) LIMIT 2' % (mine, theirs))
    only_gvp = query('(%s) EXCEPT ALL (%s) LIMIT 2' % (theirs, mine))
    return n, [c[0] for c in cols], only_ours, only_gvp

def oracle_dates(ours):
    """A busy date of the feed, and its first DST changeover day with
    service (if any)."""
    busy = value("SELECT sd.date FROM %s.service_days sd JOIN %s.trips t"
                 " USING (service_id) GROUP BY 1 ORDER BY count(*) DESC,"
                 " 1 LIMIT 1" % (qi(ours), qi(ours)))
    dst = query("SELECT DISTINCT sd.date FROM %s.service_days sd, (SELECT"
                " min(agency_timezone) AS tz FROM %s.agency) a WHERE"
                " ((sd.date + 1)::timestamp AT TIME ZONE a.tz)"
                " - (sd.date::timestamp AT TIME ZONE a.tz)"
                " <> interval '24 hours' ORDER BY 1 LIMIT 1"
                % (qi(ours), qi(ours)))
    return [busy] + [r[0] for r in dst if r[0] != busy]

def compare(ours, gvp, day):
    """Rows of trips outside frequencies.txt only in ours / only in gvp."""
    cols = ("trip_id, stop_sequence, extract(epoch FROM t_arrival),"
            " extract(epoch FROM t_departure)")
    mine = ("SELECT %s FROM %s.arrivals_departures WHERE date = %s AND"
            " frequencies_it = -1" % (cols, qi(ours), ql(day)))
    theirs = ("SELECT %s FROM %s.arrivals_departures WHERE date = %s AND"
              " trip_id NOT IN (SELECT trip_id FROM %s.frequencies)"
              % (cols, qi(gvp), ql(day), qi(gvp)))
    n = value('SELECT count(*) FROM (%s) x' % mine)
    only_ours = query('(%s) EXCEPT ALL (%s) LIMIT 3' % (mine, theirs))
    only_gvp = query('(%s) EXCEPT ALL (%s) LIMIT 3' % (theirs, mine))
    return int(n), only_ours, only_gvp

def oracle_frequencies(ours, gvp, day):
    """The trips of frequencies.txt.  gtfs-via-postgres (4.11.1) differs
    from the GTFS reference three ways, shown here as counts:

    1. It expands exact_times=1 only ("WHERE frequencies.exact_times =
       'schedule_based'"); the reference defines exact_times=0 as
       "Frequency-based trips" whose service also runs every headway_secs
       from start_time to end_time.
    2. It also gives every frequency trip's template (its stop_times.txt
       times) as an instance (frequencies_it -1): the reference says of
       frequencies.txt that it "represents trips that operate on regular
       headways" and of start_time "Time at which the first vehicle departs
       from the first stop of the trip with the specified headway": the
       template times only give the offsets.
    3. Its generate_series(start_time, end_time, headway) includes
       end_time; the reference's exact_times=1: "the end_time value must be
       greater than the last desired trip start_time but less than the last
       desired trip start_time + headway_secs": end_time is excluded.

    So: our instances equal theirs for exact_times=1 less those starting at
    end_time; their template rows are extra; exact_times=0 instances are
    ours only."""
    cols = ("trip_id, stop_sequence, extract(epoch FROM t_arrival),"
            " extract(epoch FROM t_departure)")
    mine = ("SELECT %s FROM %s.arrivals_departures a WHERE date = %s AND"
            " frequencies_it <> -1" % (cols, qi(ours), ql(day)))
    n = int(value('SELECT count(*) FROM (%s) x' % mine))
    if n == 0:
        return None
    sched = ("SELECT %s FROM %s.arrivals_departures a WHERE date = %s AND"
             " frequencies_it <> -1 AND EXISTS (SELECT FROM"
             " %s.frequencies f WHERE f.trip_id = a.trip_id AND"
             " f.exact_times = 1)" % (cols, qi(ours), ql(day), qi(ours)))
    theirs = ("SELECT %s FROM %s.arrivals_departures a WHERE date = %s AND"
              " frequencies_it <> -1" % (cols, qi(gvp), ql(day)))
    only_ours = int(value('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x'
                          % (sched, theirs)))
    at_end = int(value(
        "SELECT count(*) FROM %s.arrivals_departures a JOIN %s.frequencies f"
        " USING (trip_id) WHERE a.date = %s AND a.frequencies_it <> -1 AND"
        " f.exact_times = 'schedule_based' AND (SELECT min(t_departure) FROM"
        " %s.arrivals_departures b WHERE b.trip_id = a.trip_id AND b.date ="
        " a.date AND b.frequencies_row = a.frequencies_row AND"
        " b.frequencies_it = a.frequencies_it) = (a.date::timestamp +"
        " interval '12 hours') AT TIME ZONE a.tz - interval '12 hours' +"
        " f.end_time" % (qi(gvp), qi(gvp), ql(day), qi(gvp))))
    only_theirs = int(value('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x'
                            % (theirs, sched)))
    template = int(value(
        "SELECT count(*) FROM %s.arrivals_departures WHERE date = %s AND"
        " frequencies_it = -1 AND trip_id IN (SELECT trip_id FROM"
        " %s.frequencies)" % (qi(gvp), ql(day), qi(gvp))))
    zero = int(value('SELECT count(*) FROM (%s) x WHERE NOT EXISTS (SELECT'
                     ' FROM %s.frequencies f WHERE f.trip_id = x.trip_id AND'
                     ' f.exact_times = 1)' % (mine, qi(ours))))
    return dict(ours=n, exact1_only_ours=only_ours,
                exact1_only_theirs=only_theirs, theirs_at_end_time=at_end,
                theirs_template_rows=template, exact0_ours_only=zero)

def oracle_test(stem):
    def fn():
        path = os.path.join(it.FEEDS, stem + '.zip')
        if not os.path.exists(path):
            raise it.absent(path)
        gvp_available()
        ours, gvp = 'tt_' + stem.replace('-', '_'), 'gvp_' + stem.replace(
            '-', '_')
        it.load(path, ours)
        p = gvp_load(stem, gvp)
        if p.returncode:
            raise it.Skip('gtfs-via-postgres cannot import %s: %s'
                          % (stem, p.stderr.strip()[-300:]))
        for day in oracle_dates(ours):
            n, only_ours, only_gvp = compare(ours, gvp, day)
            check(not only_ours and not only_gvp,
                  '%s %s: only ours %r, only gtfs-via-postgres %r'
                  % (stem, day, only_ours, only_gvp))
            for view in ('arrivals_departures', 'connections'):
                rows, cols, only_ours, only_gvp = compare_columns(
                    ours, gvp, view, day)
                check(not only_ours and not only_gvp,
                      '%s %s %s (%s): only ours %r, only gtfs-via-postgres'
                      ' %r' % (stem, day, view, ', '.join(cols), only_ours,
                               only_gvp))
                print('# %s %s: %s, %d rows, %d columns equal'
                      % (stem, day, view, rows, len(cols)))
            freq = oracle_frequencies(ours, gvp, day)
            print('# %s %s: %d rows equal%s' % (
                stem, day, n, '' if freq is None else
                '; frequencies: %r' % freq))
            if freq:
                check(freq['exact1_only_ours'] == 0 and
                      freq['exact1_only_theirs'] ==
                      freq['theirs_at_end_time'],
                      '%s %s frequencies: %r' % (stem, day, freq))
    fn.__name__ = 'oracle_' + stem.replace('-', '_')
    fn.__doc__ = 'gtfs-via-postgres agrees on %s' % stem
    return fn

# ------------------------------------------------------- every column

def columns_feed():
    """A feed of what the columns of gtfs-via-postgres read: a station
    whose platforms inherit its wheelchair_boarding or not, stops without
    one, route names and types, trip fields, stop_sequence with gaps, every
    pickup_type, drop_off_type and timepoint, headsigns, shape distances,
    times past 24:00:00 across a DST change, and an exact_times=1 trip of
    frequencies.txt."""
    return it.write_feed('timetable-columns', {
        'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n'
                      'X,X,https://x.example/,Europe/Berlin\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon,location_type,'
                     'parent_station,wheelchair_boarding\n'
                     'S,Station,52.50,13.40,1,,1\n'
                     'P1,Platform 1,52.50,13.40,0,S,\n'
                     'P2,Platform 2,52.50,13.40,0,S,2\n'
                     'Q,Q,52.51,13.41,,,\n'
                     'R,R,52.52,13.42,0,,1\n',
        'routes.txt': 'route_id,agency_id,route_short_name,route_long_name,'
                      'route_type\nR1,X,1,One Line,3\nR2,X,,Two Line,2\n',
        'shapes.txt': 'shape_id,shape_pt_lat,shape_pt_lon,'
                      'shape_pt_sequence\nSH,52.50,13.40,1\nSH,52.52,13.42,2\n',
        'trips.txt': 'route_id,service_id,trip_id,trip_headsign,'
                     'direction_id,shape_id,wheelchair_accessible,'
                     'bikes_allowed\n'
                     'R1,S1,T1,Up,0,SH,1,2\n'
                     'R2,S1,T2,,1,,,\n'
                     'R1,S1,T3,Often,,,0,1\n',
        'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,'
                          'stop_sequence,stop_headsign,pickup_type,'
                          'drop_off_type,shape_dist_traveled,timepoint\n'
                          'T1,23:50:00,23:51:00,P1,1,Via Q,0,1,0,1\n'
                          'T1,24:30:00,24:31:00,Q,5,,2,3,1234.5,0\n'
                          'T1,25:40:00,25:40:00,P2,10,End,1,0,2469.25,\n'
                          'T2,01:30:00,01:30:00,R,3,,,,,\n'
                          'T2,02:30:00,02:31:00,P1,4,,,,,\n'
                          'T3,08:00:00,08:00:00,Q,1,,,,,\n'
                          'T3,08:10:00,08:11:00,R,2,,,,,\n'
                          'T3,08:25:00,08:25:00,P2,3,,,,,\n',
        'frequencies.txt': 'trip_id,start_time,end_time,headway_secs,'
                           'exact_times\nT3,06:00:00,07:00:00,1200,1\n',
        'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,'
                        'friday,saturday,sunday,start_date,end_date\n'
                        'S1,1,1,1,1,1,1,1,20260325,20260402\n'})

COLUMN_DAYS = ['2026-03-28', '2026-03-29', '2026-03-30']

def need_columns():
    """The feed of columns_feed in ours and gtfs-via-postgres's schemas."""
    gvp_available()
    d = columns_feed()
    if not _loaded_columns:
        it.load(d, 'tt_columns')
        p = gvp_load(d, 'gvp_columns')
        check(p.returncode == 0, 'gtfs-via-postgres: %s' % p.stderr[-500:])
        _loaded_columns.append(True)
    return 'tt_columns', 'gvp_columns'

_loaded_columns = []

@test()
def columns_as_gtfs_via_postgres():
    """Issue 25 (1): every column of gtfs-via-postgres's arrivals_departures
    and connections exists here with the same values on a feed made for
    them (ids included, so that they match), on the days around a DST
    change; and the instances of an exact_times=1 trip are theirs but the
    one they add at end_time (the reference excludes it, see
    oracle_frequencies)."""
    ours, gvp = need_columns()
    for day in COLUMN_DAYS:
        for view in ('arrivals_departures', 'connections'):
            rows, cols, only_ours, only_gvp = compare_columns(ours, gvp,
                                                              view, day)
            check(rows > 0 and not only_ours and not only_gvp,
                  '%s %s: %d rows, only ours %r, only theirs %r'
                  % (view, day, rows, only_ours, only_gvp))
    print('# arrivals_departures: %d columns, connections: %d, all equal'
          % (len(gvp_columns(gvp, 'arrivals_departures')),
             len(gvp_columns(gvp, 'connections'))))
    for view, seq in (('arrivals_departures', 'stop_sequence'),
                      ('connections', 'from_stop_sequence')):
        cols = gvp_columns(gvp, view)
        mine = ("SELECT %s FROM %s.%s WHERE trip_id = 'T3'"
                % (', '.join(c[1] for c in cols), qi(ours), view))
        theirs = ("SELECT %s FROM %s.%s WHERE trip_id = 'T3' AND"
                  " frequencies_it <> -1" % (', '.join(c[2] for c in cols),
                                             qi(gvp), view))
        only_ours = query('(%s) EXCEPT ALL (%s)' % (mine, theirs))
        extra = query("SELECT DISTINCT frequencies_it, to_char(min(t_departure)"
                      " OVER (PARTITION BY date, frequencies_it) AT TIME ZONE"
                      " 'Europe/Berlin', 'HH24:MI') FROM ((%s) EXCEPT ALL (%s))"
                      " x" % (theirs, mine))
        check(not only_ours and extra == [('4', '07:00')],
              '%s of T3: only ours %r, only theirs %r'
              % (view, only_ours[:2], extra))

@test()
def lookup_by_id():
    """arrival_departure_by_arrival_departure_id and
    connection_by_connection_id give back the row of each id, theirs too
    (the same ids), and NULL for an id of no row."""
    ours, gvp = need_columns()
    for view, fn, key in (
            ('arrivals_departures', 'arrival_departure_by_arrival_departure_id',
             'arrival_departure_id'),
            ('connections', 'connection_by_connection_id', 'connection_id')):
        bad = query("SELECT %s FROM %s.%s v WHERE date = '2026-03-29' AND"
                    " (%s.%s(v.%s)).t_departure IS DISTINCT FROM v.t_departure"
                    " OR (%s.%s(v.%s)).%s IS DISTINCT FROM v.%s"
                    % (key, qi(ours), view, qi(ours), fn, key, qi(ours), fn,
                       key, key, key))
        check(not bad, '%s: %r' % (fn, bad[:2]))
        n = value("SELECT count(*) FROM %s.%s v WHERE date = '2026-03-29' AND"
                  " (%s.%s(v.%s)).t_departure = v.t_departure"
                  % (qi(ours), view, qi(gvp), fn, key))
        total = value("SELECT count(*) FROM %s.%s WHERE date = '2026-03-29'"
                      % (qi(ours), view))
        check(n == total and int(n) > 0, '%s of theirs: %s of %s'
              % (fn, n, total))
        none = value("SELECT (%s.%s('VDk=:MjAyNi0wMy0yOQ==:MQ==:LTE=:LTE='))"
                     ".%s IS NULL" % (qi(ours), fn, key))
        check(none == 't', '%s of no row: %s' % (fn, none))

# windows of a few rows each: times past 24:00:00 of the day before (the
# 28th's 24:31:00 at 00:31+01), of the DST day, of a frequency trip
WINDOWS = [('2026-03-29 00:20+01', 30), ('2026-03-29 01:35+01', 10),
           ('2026-03-29 23:45+02', 10), ('2026-03-30 00:25+02', 20),
           ('2026-03-29 06:30+02', 15)]

@test()
def window_helpers():
    """Issue 25 (2): a window of t_departure with dates_filter_min/max
    gives every row of the window (the days of times past 24:00:00, of
    frequency instances), in a session time zone 14 hours ahead or 12
    behind of the feed's as in its own; the same rows as
    gtfs-via-postgres's where its helpers hold (the feed's zone); the
    largest times include frequency instances."""
    ours, gvp = need_columns()
    largest = query("SELECT %s.largest_arrival_time()::text,"
                    " %s.largest_departure_time()::text" % (qi(ours), qi(ours)))
    check(largest == [('25:40:00', '25:40:00')], 'largest: %r' % largest)
    for zone in ('Europe/Berlin', 'Pacific/Kiritimati', 'Etc/GMT+12'):
        for start, minutes in WINDOWS:
            for view in ('arrivals_departures', 'connections'):
                window = ("t_departure >= %s::timestamptz AND t_departure <"
                          " %s::timestamptz + interval '%d minutes'"
                          % (ql(start), ql(start), minutes))
                helped = ("%s AND date >= %%s.dates_filter_min(%s) AND date"
                          " <= %%s.dates_filter_max(%s::timestamptz +"
                          " interval '%d minutes')"
                          % (window, ql(start), ql(start), minutes))
                sql = ("SET TimeZone = %s; SELECT trip_id, t_departure FROM"
                       " %%s.%s WHERE %%s ORDER BY 1, 2"
                       % (ql(zone), view))
                every = it.psql(sql % (qi(ours), window))
                got = it.psql(sql % (qi(ours), helped % (qi(ours), qi(ours))))
                check(got == every and (every.count('\n') > 0 or
                                        view == 'connections'),
                      '%s %s %s: with helpers\n%s\nwithout\n%s'
                      % (zone, start, view, got, every))
                if zone == 'Europe/Berlin':
                    theirs = it.psql(
                        ("SET TimeZone = %s; SELECT trip_id, t_departure FROM"
                         " %s.%s WHERE %s AND NOT (trip_id = 'T3' AND"
                         " frequencies_it IN (-1, 4)) ORDER BY 1, 2")
                        % (ql(zone), qi(gvp), view,
                           helped % (qi(gvp), qi(gvp))))
                    check(got == theirs, '%s %s: ours\n%s\ntheirs\n%s'
                          % (start, view, got, theirs))

@test()
def window_uses_service_days_index():
    """A window query by t_departure with dates_filter_min/max reads the
    days through service_days(date), not a scan of it."""
    ours, _ = need_columns()
    for view in ('arrivals_departures', 'connections'):
        plan = it.psql(
            "SET enable_seqscan = off;\nEXPLAIN SELECT * FROM %s.%s WHERE"
            " t_departure >= '2026-03-29 08:00+02' AND t_departure <"
            " '2026-03-29 08:20+02' AND date >= %s.dates_filter_min("
            "'2026-03-29 08:00+02') AND date <= %s.dates_filter_max("
            "'2026-03-29 08:20+02');\n" % (qi(ours), view, qi(ours),
                                            qi(ours)))
        check('service_days_date_idx' in plan and
              'Seq Scan on service_days' not in plan,
              '%s plan:\n%s' % (view, plan))

def busy_feed():
    """A made feed of one route: 8,000 trips through the same 40 stops
    (320,000 stop times), each on one of 16 services of one day each (500
    trips a day), the shape of MTA Brooklyn's busy stop (2,803 stop times,
    642 on a day)."""
    trips = ['T%03d' % i for i in range(8000)]
    st = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence\n']
    for i, t in enumerate(trips):
        start = 4 * 3600 + i * 9
        st.extend('%s,%s,%s,S%02d,%d\n' % ((t,) + (hms(start + k * 90),) * 2
                                          + (k, k + 1)) for k in range(40))
    return it.write_feed('timetable_busy', {
        'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n'
                      'A,A,https://a.example,America/New_York\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\n' + ''.join(
            'S%02d,Stop %d,40.6%02d,-73.9\n' % (k, k, k) for k in range(40)),
        'routes.txt': 'route_id,agency_id,route_short_name,route_type\n'
                      'R,A,B1,3\n',
        'trips.txt': 'route_id,service_id,trip_id\n' + ''.join(
            'R,D%02d,%s\n' % (i % 16, t) for i, t in enumerate(trips)),
        'stop_times.txt': ''.join(st),
        'calendar_dates.txt': 'service_id,date,exception_type\n' + ''.join(
            'D%02d,202603%02d,1\n' % (k, k + 1) for k in range(16))})

def hms(seconds):
    return '%02d:%02d:%02d' % (seconds // 3600, seconds // 60 % 60,
                               seconds % 60)

@test()
def typical_queries_below_jit():
    """A stop's day, a 20-minute window at a stop, a station, a route and
    every route, under the server's default settings, are planned below
    jit_above_cost: past it, JIT
    compiles the plan's ~200 expressions for 1-2 s (MTA Brooklyn's stop-day
    query: 2.2 s, where 30 ms without), so a plan's estimates crossing it
    mean its joins are misestimated (issue 25: the feed schema's tables
    are partitioned parents; their own statistics, not their partition's,
    estimate a join)."""
    it.load(busy_feed(), 'timetable_busy')
    window = ("'2026-03-04 08:00 America/New_York'",
              "'2026-03-04 08:20 America/New_York'")
    in_window = ("date >= timetable_busy.dates_filter_min(%s)"
                 " AND date <= timetable_busy.dates_filter_max(%s) AND"
                 " t_departure >= %s AND t_departure < %s" % (window * 2))
    for view, where in (
            # a route in a window, and every route: stop_sequence_consec
            # and trip_start_time, subqueries of each stop time, were
            # estimated past jit_above_cost (MTA Brooklyn, every route:
            # JIT 2.8 s of 3.4); from trip_starts they cost nothing
            ('arrivals_departures', "route_short_name = 'B1' AND " + in_window),
            ('arrivals_departures', in_window),
            ('connections', "route_short_name = 'B1' AND " + in_window),
            ('arrivals_departures', "stop_id = 'S20' AND date = '2026-03-04'"),
            ('arrivals_departures',
             "stop_id = 'S20' AND date >= timetable_busy.dates_filter_min(%s)"
             " AND date <= timetable_busy.dates_filter_max(%s) AND"
             " t_departure >= %s AND t_departure < %s" % (window * 2)),
            ('connections', "from_stop_id = 'S20' AND date = '2026-03-04'"),
            # gtfs-via-postgres's benchmark: a station in a window (S20 is
            # none: no row); its stops by the station's key, not the
            # station computed for every stop time of the window (17 s on
            # MTA Brooklyn; estimated at 13.8 million)
            ('arrivals_departures',
             "station_id = 'S20' AND date >= timetable_busy.dates_filter_min(%s)"
             " AND date <= timetable_busy.dates_filter_max(%s) AND"
             " t_departure >= %s AND t_departure < %s" % (window * 2)),
            ('connections',
             "from_station_id = 'S20' AND date >= timetable_busy.dates_filter_min(%s)"
             " AND date <= timetable_busy.dates_filter_max(%s) AND"
             " t_departure >= %s AND t_departure < %s" % (window * 2))):
        sql = 'SELECT * FROM timetable_busy.%s WHERE %s' % (view, where)
        plan = it.psql('EXPLAIN (FORMAT JSON) %s;\n' % sql)
        total = float(re.search(r'"Total Cost": ([0-9.]+)', plan).group(1))
        limit = float(value("SELECT pg_catalog.current_setting("
                            "'jit_above_cost')"))
        check(total < limit, '%s: estimated cost %.0f, jit_above_cost %.0f'
              % (sql, total, limit))

# What the rows of a feed's stop_times say of each numbered stop time: its
# rank in its trip (the earlier ones counted) and the trip's first stop
# time's departure, else arrival
ROWS_SAY = ("SELECT st.trip_id, st.stop_sequence, (SELECT count(*) FROM"
            " {s}.stop_times x WHERE x.trip_id = st.trip_id AND"
            " x.stop_sequence < st.stop_sequence), (SELECT coalesce("
            "x.departure_time, x.arrival_time) FROM {s}.stop_times x WHERE"
            " x.trip_id = st.trip_id ORDER BY x.stop_sequence LIMIT 1)"
            " FROM {s}.stop_times st WHERE st.stop_sequence IS NOT NULL"
            " ORDER BY 1, 2")

def check_numbering(schema, stop_times):
    """arrivals_departures' stop_sequence_consec and trip_start_time, and
    connections' from_stop_sequence_consec, of schema's numbered stop times
    (as many as stop_times; a trip's template, not its frequency
    instances) are what the rows say."""
    want = query(ROWS_SAY.format(s=qi(schema)))
    check(len(want) == stop_times, '%s: %d stop times' % (schema, len(want)))
    got = query("SELECT DISTINCT trip_id, stop_sequence, stop_sequence_consec,"
                " trip_start_time FROM %s.arrivals_departures WHERE"
                " frequencies_it IN (-1, 1) AND stop_sequence IS NOT NULL"
                " ORDER BY 1, 2" % qi(schema))
    check(got == want, '%s: arrivals_departures %r, the rows say %r'
          % (schema, got, want))
    got = query("SELECT DISTINCT trip_id, from_stop_sequence,"
                " from_stop_sequence_consec, trip_start_time FROM %s."
                "connections WHERE frequencies_it IN (-1, 1) ORDER BY 1, 2"
                % qi(schema))
    ends = {(r[0], r[1]) for r in query(
        "SELECT trip_id, max(stop_sequence)::text FROM %s.stop_times"
        " GROUP BY 1" % qi(schema))}
    check(got == [r for r in want if (r[0], r[1]) not in ends],
          '%s: connections %r' % (schema, got))

def numbering_feed():
    """Trips whose stop times number and order every way a feed does: one
    to n, from 0 or negative, with gaps, out of order, in two runs apart,
    a row with a value not as written, one stop time, none, and a trip of
    frequencies.txt."""
    rows = [
        ('ONE', [(1, '08:00:00'), (2, '08:05:00'), (3, '08:10:00')]),
        ('ZERO', [(0, '09:00:00'), (1, '09:04:00')]),
        ('NEG', [(-2, '09:30:00'), (-1, '09:31:00'), (0, '09:32:00')]),
        ('GAPS', [(10, '10:00:00'), (20, '10:10:00'), (35, '10:20:00')]),
        ('UNSORTED', [(3, '11:20:00'), (1, '11:00:00'), (2, '11:10:00')]),
        ('SPLIT', [(1, '12:00:00'), (2, '12:05:00')]),
        ('BAD', [(1, '13:00:00'), (2, '1x:05:00'), (3, '13:10:00')]),
        ('LATE', [(5, '25:10:00'), (6, '26:00:00')]),
        ('SOLO', [(7, '14:00:00')]),
        ('NOTIME', [(1, ''), (2, '15:00:00'), (3, '15:10:00')]),
        ('FREQ', [(1, '06:00:00'), (2, '06:10:00')]),
    ]
    st = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence\n']
    for trip, calls in rows:
        if trip == 'SPLIT':
            continue
        for seq, t in calls:
            st.append('%s,%s,%s,S%d,%d\n' % (trip, t, t, abs(seq) % 3, seq))
    # SPLIT's rows in two runs, another trip's between them
    st.insert(1, 'SPLIT,12:05:00,12:05:00,S2,2\n')
    st.append('SPLIT,12:00:00,12:00:00,S1,1\n')
    trips = [t for t, _ in rows] + ['EMPTY']
    return it.write_feed('timetable_numbering', {
        'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n'
                      'A,A,https://a.example,Europe/Berlin\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\n' + ''.join(
            'S%d,Stop %d,52.5%d,13.4\n' % (k, k, k) for k in range(3)),
        'routes.txt': 'route_id,agency_id,route_short_name,route_type\n'
                      'R,A,1,3\n',
        'trips.txt': 'route_id,service_id,trip_id\n' + ''.join(
            'R,D,%s\n' % t for t in trips),
        'frequencies.txt': 'trip_id,start_time,end_time,headway_secs\n'
                           'FREQ,07:00:00,08:00:00,1800\n',
        'stop_times.txt': ''.join(st),
        'calendar_dates.txt': 'service_id,date,exception_type\n'
                              'D,20260304,1\n'})

@test()
def trip_starts_as_every_trip_read():
    """arrivals_departures' stop_sequence_consec and trip_start_time (and
    connections' from_stop_sequence_consec), which come from trip_starts,
    the screen's summary of a trip or its rows read, equal what the trip's
    rows say (its earlier stop times counted, its first stop time's
    departure, else arrival) for every kind of numbering and order, with
    the rules, without them, and with --no-trip-screen; a window over
    every route is planned below jit_above_cost."""
    feed = numbering_feed()
    for schema, options in (('tnum', ()), ('tnum_nv', ('--no-validate',)),
                            ('tnum_every', ('--no-trip-screen',))):
        it.load(feed, schema, *options)
        check_numbering(schema, 27)
        # the largest times, from the screen too: LATE's 26:00:00 (FREQ's
        # instances end at 07:40)
        largest = query("SELECT %s.largest_arrival_time(), %s."
                        "largest_departure_time(), max(arrival_time),"
                        " max(departure_time) FROM %s.stop_times"
                        % ((qi(schema),) * 3))[0]
        check(largest == ('26:00:00',) * 4, '%s: largest times %r'
              % (schema, largest))
    sparse = query("SELECT trip_id FROM tnum.trip_starts WHERE sequences"
                   " IS NOT NULL ORDER BY 1")
    check(sparse == [('GAPS',)], 'trips numbered with gaps: %r' % sparse)

def hostile_numbering_feed(long_trip=0):
    """Trips whose numbering a feed author made hostile: stop_sequence 0
    and 2^31-1 in one run as written (one more than their difference is
    past integer), 2^31-1 and -2^31 apart, a row without stop_sequence in
    a trip's middle (loaded, as NULL, with an error), a trip whose only row
    has none; or, with long_trip, only a trip of that many stop times
    numbered with gaps."""
    top, bottom = 2 ** 31 - 1, -2 ** 31
    st = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence\n',
          'HUGE,08:00:00,08:00:00,S0,0\n', 'HUGE,08:05:00,08:05:00,S1,%d\n'
          % top, 'WIDE,09:00:00,09:00:00,S0,0\n',
          'WIDE,09:05:00,09:05:00,S1,%d\n' % bottom,
          'WIDE,09:10:00,09:10:00,S2,%d\n' % top,
          'NOSEQ,10:00:00,10:00:00,S0,1\n', 'NOSEQ,10:05:00,10:05:00,S1,\n',
          'NOSEQ,10:10:00,10:10:00,S2,3\n', 'NONE,11:00:00,11:00:00,S0,\n']
    trips = ['HUGE', 'WIDE', 'NOSEQ', 'NONE']
    if long_trip:
        st[1:] = ['LONG,%s,%s,S%d,%d\n' % (hms(8 * 3600 + i), hms(8 * 3600 + i),
                                            i % 3, 2 * i) for i in range(long_trip)]
        trips = ['LONG']
    return it.write_feed('timetable_hostile_numbering%d' % long_trip, {
        'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n'
                      'A,A,https://a.example,Europe/Berlin\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\n' + ''.join(
            'S%d,Stop %d,52.5%d,13.4\n' % (k, k, k) for k in range(3)),
        'routes.txt': 'route_id,agency_id,route_short_name,route_type\n'
                      'R,A,1,3\n',
        'trips.txt': 'route_id,service_id,trip_id\n' + ''.join(
            'R,D,%s\n' % t for t in trips),
        'stop_times.txt': ''.join(st),
        'calendar_dates.txt': 'service_id,date,exception_type\n'
                              'D,20260304,1\n'})

@test()
def trip_starts_of_hostile_numbering():
    """A trip numbered 0 and 2^31-1 loads (one more than the difference
    overflowed integer: the load failed), and so does one from -2^31 to
    2^31-1; a stop time after one without stop_sequence counts only the
    numbered ones before it, as the rows say (the trip's rows were
    counted whole); a trip whose only stop time has no stop_sequence has
    its start (the load failed: first_sequence was NOT NULL); with the
    rules and without."""
    feed = hostile_numbering_feed()
    for schema, options in (('thostile', ()),
                            ('thostile_nv', ('--no-validate',))):
        it.load(feed, schema, *options)
        check_numbering(schema, 7)
        got = query("SELECT trip_id, trip_start_time FROM %s.arrivals_departures"
                    " WHERE stop_sequence IS NULL ORDER BY 1" % qi(schema))
        check(got == [('NONE', '11:00:00'), ('NOSEQ', '10:00:00')],
              '%s: the stop times without stop_sequence: %r' % (schema, got))

@test()
def trip_starts_of_a_long_trip_with_gaps():
    """A trip of 30,000 stop times numbered with gaps: its stop times'
    ranks are found in its numbering by a binary search, not a scan of it
    for each (array_position: 5.5 s for the trip's stop times, 0.5 s with
    width_bucket, the rest the array read for each: a bound of 2 s)."""
    it.load(hostile_numbering_feed(30000), 'thostile_long', '--no-validate',
            '--no-geometry')
    started = time.monotonic()
    got = query("SELECT count(*), sum(stop_sequence_consec),"
                " count(DISTINCT trip_start_time) FROM"
                " thostile_long.arrivals_departures WHERE trip_id = 'LONG'")
    seconds = time.monotonic() - started
    check(got == [('30000', str(30000 * 29999 // 2), '1')],
          'the long trip\'s ranks: %r' % got)
    check(seconds < 2, 'its stop times took %.1f s' % seconds)

@test()
def parents_analyzed_on_joined_columns():
    """The feed's partitioned stop_times has statistics of its own for
    trip_id and stop_id (a query names the parent, whose statistics, not
    its partition's, estimate the joins): without stop_id's, a station's
    20 minutes of a generated 10M feed joined its 948 stop times with
    every trip (131 ms, where 10 ms through the trips' key)."""
    it.load(busy_feed(), 'timetable_busy')
    got = query("SELECT attname FROM pg_catalog.pg_stats WHERE schemaname ="
                " 'timetable_busy' AND tablename = 'stop_times' AND inherited"
                " ORDER BY 1")
    check(got == [('stop_id',), ('trip_id',)],
          'statistics of the parent stop_times: %r' % got)

@test()
def small_tables_without_parallel_workers():
    """A feed's table under min_parallel_table_scan_size has
    parallel_workers = 0, as the planner gives a plain table of that size
    (a partition gets workers at any size: gtfs-via-postgres's "stops by
    distance" on MTA Brooklyn, 4,575 stops, took 115 ms with a worker's
    start, 22 ms without); a bigger one keeps the planner's choice."""
    it.load(busy_feed(), 'timetable_busy')
    options = dict(query(
        "SELECT c.relname, coalesce(array_to_string(c.reloptions, ','), '')"
        " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent IN ('timetable_busy.stops'::regclass,"
        " 'timetable_busy.stop_times'::regclass,"
        " 'timetable_busy.routes'::regclass)"))
    size = int(value("SELECT pg_relation_size(i.inhrelid) FROM pg_inherits i"
                     " WHERE i.inhparent = 'timetable_busy.stop_times'::regclass"))
    limit = int(value("SELECT pg_size_bytes(current_setting("
                      "'min_parallel_table_scan_size'))"))
    check(size >= limit, 'the busy feed\'s stop_times (%d bytes) is not'
          ' bigger than min_parallel_table_scan_size (%d)' % (size, limit))
    for table, want in (('stops', True), ('routes', True),
                        ('stop_times', False)):
        check(('parallel_workers=0' in options[table]) == want,
              '%s: reloptions %r' % (table, options[table]))

for _stem in ORACLE_FEEDS:
    test()(oracle_test(_stem))

if __name__ == '__main__':
    it.main()
