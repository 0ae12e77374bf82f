#!/usr/bin/python3
"""
Tests of the validator's rules (schema/rules/, src/load/validate.c; issue
26): each code a rule gives, on a small feed made here that gives it
exactly once, and the same feed correct, which gives no notice at all.

    tests/with-postgres tests/rules.py [NAME-SUBSTRING]

  rules_clean          BASE, a correct feed, loads with no notice of any code
  rule_<code>          BASE with one defect: exactly one notice of <code>,
                       with its file, line and value (CASES below)
  rules_cases_listed   every code a rule gives has a case, and README's list
                       of the codes computed at load names each case's code
  as_of_*              --as-of: its forms, a bad date, the default today
  no_validate          --no-validate runs no rule

Every load is made --as-of AS_OF, so that what is expired stays so.  Uses
the harness of tests/integration.py.  Standard library only.

To add a rule's case: a function that changes a copy of BASE (dicts of
rows, file by file), registered with @case(code, file, line, value): the
one notice's file, line (the header is line 1) and value as written.
"""
import copy, csv, datetime, io, json, os, re, subprocess, sys

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check, Skip = it.test, it.check, it.Skip
query, value, qi = it.query, it.value, it.qi

AS_OF = g.AS_OF

# A correct feed: one agency, a station with a platform, two stops, one
# route both ways along two shapes, every day of 2026-2027.  Each file is
# a list of rows (dicts, columns in the order of the first row's keys).
BASE = {
    'feed_info.txt': [
        dict(feed_publisher_name='Example Transit', feed_publisher_url='https://transit.example',
             feed_lang='en', feed_start_date='20260101', feed_end_date='20271231',
             feed_version='1', feed_contact_email='gtfs@transit.example')],
    'agency.txt': [
        dict(agency_id='A', agency_name='Example Transit', agency_url='https://transit.example',
             agency_timezone='America/New_York', agency_lang='en', agency_phone='555-0100')],
    'stops.txt': [
        dict(stop_id='ST', stop_name='Central Station', stop_lat='40.7500', stop_lon='-73.9900',
             location_type='1', parent_station='', wheelchair_boarding='1'),
        dict(stop_id='P1', stop_name='Central Station Platform 1', stop_lat='40.7501',
             stop_lon='-73.9901', location_type='0', parent_station='ST', wheelchair_boarding='1'),
        dict(stop_id='B', stop_name='Elm Street', stop_lat='40.7591', stop_lon='-73.9901',
             location_type='0', parent_station='', wheelchair_boarding='1'),
        dict(stop_id='C', stop_name='Oak Avenue', stop_lat='40.7681', stop_lon='-73.9901',
             location_type='0', parent_station='', wheelchair_boarding='1')],
    'routes.txt': [
        dict(route_id='R1', agency_id='A', route_short_name='1', route_long_name='Crosstown',
             route_type='3', route_color='0039A6', route_text_color='FFFFFF')],
    'calendar.txt': [
        dict(service_id='ALL', monday='1', tuesday='1', wednesday='1', thursday='1',
             friday='1', saturday='1', sunday='1', start_date='20260101', end_date='20271231')],
    'shapes.txt': [
        dict(shape_id='N', shape_pt_lat='40.7501', shape_pt_lon='-73.9901',
             shape_pt_sequence='1', shape_dist_traveled='0'),
        dict(shape_id='N', shape_pt_lat='40.7591', shape_pt_lon='-73.9901',
             shape_pt_sequence='2', shape_dist_traveled='1000'),
        dict(shape_id='N', shape_pt_lat='40.7681', shape_pt_lon='-73.9901',
             shape_pt_sequence='3', shape_dist_traveled='2000'),
        dict(shape_id='S', shape_pt_lat='40.7681', shape_pt_lon='-73.9901',
             shape_pt_sequence='1', shape_dist_traveled='0'),
        dict(shape_id='S', shape_pt_lat='40.7591', shape_pt_lon='-73.9901',
             shape_pt_sequence='2', shape_dist_traveled='1000'),
        dict(shape_id='S', shape_pt_lat='40.7501', shape_pt_lon='-73.9901',
             shape_pt_sequence='3', shape_dist_traveled='2000')],
    'trips.txt': [
        dict(route_id='R1', service_id='ALL', trip_id='T1', trip_headsign='Oak Avenue',
             direction_id='0', shape_id='N', wheelchair_accessible='1', bikes_allowed='1'),
        dict(route_id='R1', service_id='ALL', trip_id='T2', trip_headsign='Central Station',
             direction_id='1', shape_id='S', wheelchair_accessible='1', bikes_allowed='1')],
    'stop_times.txt': [
        dict(trip_id='T1', arrival_time='08:00:00', departure_time='08:00:00', stop_id='P1',
             stop_sequence='1', shape_dist_traveled='0', timepoint='1'),
        dict(trip_id='T1', arrival_time='08:05:00', departure_time='08:05:00', stop_id='B',
             stop_sequence='2', shape_dist_traveled='1000', timepoint='1'),
        dict(trip_id='T1', arrival_time='08:10:00', departure_time='08:10:00', stop_id='C',
             stop_sequence='3', shape_dist_traveled='2000', timepoint='1'),
        dict(trip_id='T2', arrival_time='09:00:00', departure_time='09:00:00', stop_id='C',
             stop_sequence='1', shape_dist_traveled='0', timepoint='1'),
        dict(trip_id='T2', arrival_time='09:05:00', departure_time='09:05:00', stop_id='B',
             stop_sequence='2', shape_dist_traveled='1000', timepoint='1'),
        dict(trip_id='T2', arrival_time='09:10:00', departure_time='09:10:00', stop_id='P1',
             stop_sequence='3', shape_dist_traveled='2000', timepoint='1')],
}


def feed_text(files):
    """{file: CSV text} of {file: rows}; a file of no row is left out."""
    out = {}
    for name, rows in files.items():
        if not rows:
            continue
        columns = []
        for r in rows:
            columns += [c for c in r if c not in columns]
        f = io.StringIO()
        w = csv.DictWriter(f, columns, lineterminator='\n', restval='')
        w.writeheader()
        w.writerows(rows)
        out[name] = f.getvalue()
    return out


def row(files, name, **match):
    """The first row of files[name] whose fields have the values match."""
    for r in files[name]:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    raise AssertionError('no row of %s has %r' % (name, match))


def load_rules_feed(name, files, *options):
    """Loads files into schema name --as-of AS_OF; asserts exit 0.  The
    notices: [(code, severity, file, line, column, value)]."""
    d = it.write_feed(name, feed_text(files))
    g.load_ok(d, name, '--as-of', AS_OF, *options)
    return [tuple(r) for r in query(
        'SELECT code, severity, file, line, "column", value FROM %s.import_notices '
        'ORDER BY code, file, line' % qi(name))]


# code: (what the case changes in a copy of BASE, the file, line and
# value of the one notice).
CASES = {}


def case(code, file, line, value):
    def register(change):
        CASES[code] = (change, file, line, value)
        return change
    return register


@case('expired_calendar', 'calendar.txt', 2, '20260531')
def _(f):
    row(f, 'calendar.txt', service_id='ALL')['end_date'] = '20260531'


@test()
def rules_clean():
    notices = load_rules_feed('rules_clean', BASE)
    check(notices == [], 'the correct feed gave notices: %r' % notices)


def rule_test(code):
    change, file, line, val = CASES[code]

    def fn():
        files = copy.deepcopy(BASE)
        change(files)
        notices = load_rules_feed('rule_' + code, files)
        got = [n for n in notices if n[0] == code]
        check(len(got) == 1, '%s: expected one notice, got %r (all: %r)'
              % (code, got, notices))
        check(got[0][2:4] == (file, str(line)) and got[0][5] == val,
              '%s: expected %s line %d value %r, got %r' % (code, file, line, val, got[0]))
        check(got[0][1] in ('error', 'warning', 'info'),
              '%s: severity %r' % (code, got[0][1]))
    it.TESTS.append(('rule_' + code, fn, True))


for _code in CASES:
    rule_test(_code)


def codes_given():
    """The codes the rules of schema/rules/ give: each is written as
    'code' AS code, or in a list of codes as 'code' -- code."""
    given = set()
    folder = os.path.join(g.REPO, 'schema', 'rules')
    for n in os.listdir(folder):
        if n.endswith('.sql'):
            with open(os.path.join(folder, n)) as f:
                body = f.read()
            given |= set(re.findall(r"'([a-z0-9_]+)'\s*(?:AS code\b|-- code\b)", body))
    return given


@test(db=False)
def rules_cases_listed():
    given = codes_given()
    check('expired_calendar' in given, 'the pattern of codes_given is stale')
    missing = sorted(given - set(CASES))
    check(not missing, 'codes of schema/rules/ without a case in tests/rules.py: %s'
          % ', '.join(missing))
    with open(os.path.join(g.REPO, 'README.md')) as f:
        readme = f.read()
    listed = set(re.findall(r'^\| `([a-z0-9_]+)` \| rule ', readme, re.M))
    unlisted = sorted(set(CASES) - listed)
    check(not unlisted, 'codes with a case that README does not list as computed '
          'by a rule: %s' % ', '.join(unlisted))


@test()
def as_of_forms():
    files = copy.deepcopy(BASE)
    CASES['expired_calendar'][0](files)
    d = it.write_feed('as_of_forms', feed_text(files))
    for option, expired in ((['--as-of', '20260601'], 1), (['--as-of=2026-05-31'], 0),
                            (['--as-of', '2026-05-30'], 0)):
        g.load_ok(d, 'as_of_forms', *option)
        n = int(value("SELECT count(*) FROM as_of_forms.import_notices "
                      "WHERE code = 'expired_calendar'"))
        check(n == expired, '%s: %d expired_calendar, expected %d' % (option, n, expired))


@test(db=False)
def as_of_bad():
    for bad in ('2026-02-30', '20261301', 'yesterday', '2026-1-1', '202606150'):
        r = g.run('--as-of', bad, g.SAMPLE, db=False)
        check(r.returncode == 1 and 'invalid value "%s" for option --as-of' % bad in r.stderr,
              '--as-of %s: %s' % (bad, g.describe(r)))


@test()
def as_of_default_today():
    """Without --as-of, today: a calendar that ended yesterday is expired."""
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).strftime('%Y%m%d')
    files = copy.deepcopy(BASE)
    cal = row(files, 'calendar.txt', service_id='ALL')
    cal['start_date'], cal['end_date'] = '20200101', yesterday
    d = it.write_feed('as_of_today', feed_text(files))
    r = g.run('-q', '-s', 'as_of_today', '--as-of', 'today', d)
    check(r.returncode == 1, '--as-of today: %s' % g.describe(r))
    p = subprocess.run([g.PROG, '-d', g.DB, '-q', '-s', 'as_of_today', d],
                       capture_output=True, text=True)
    check(p.returncode == 0, 'without --as-of: %s' % p.stderr)
    n = int(value("SELECT count(*) FROM as_of_today.import_notices "
                  "WHERE code = 'expired_calendar'"))
    check(n == 1, '%d expired_calendar for a calendar that ended yesterday' % n)


@test()
def no_validate():
    files = copy.deepcopy(BASE)
    CASES['expired_calendar'][0](files)
    d = it.write_feed('no_validate', feed_text(files))
    report = os.path.join(g.TMP, 'no_validate.json')
    r = g.run('--report', report, '-q', '-s', 'no_validate', '--as-of', AS_OF,
              '--no-validate', d)
    check(r.returncode == 0, g.describe(r))
    n = int(value('SELECT count(*) FROM no_validate.import_notices'))
    check(n == 0, '--no-validate: %d notices' % n)
    with open(report) as f:
        steps = [s['step'] for s in json.load(f)['steps']]
    check(not [s for s in steps if s.startswith('rule ')], '--no-validate ran %r' % steps)


if __name__ == '__main__':
    it.main()
