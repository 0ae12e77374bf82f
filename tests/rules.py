#!/usr/bin/python3
"""
Tests of the validator's rules (schema/rules/, src/load/validate.c; issue
26): each code a rule gives, on a small feed made here that gives it
exactly once, and the same feed correct, which gives no notice at all.

    tests/with-postgres tests/rules.py [NAME-SUBSTRING]

  rules_clean          BASE, a correct feed, loads with no notice of any code
  rule_<code>          BASE with one defect: exactly one notice of <code>,
                       with its file, line and value (the cases of
                       tests/rulecases_*.py; tests/rulefeed.py says how)
  rules_cases_listed   every code a rule gives has a case, and README's list
                       of the codes computed at load names each case's code
  as_of_*              --as-of: its forms, a bad date, the default today
  no_validate          --no-validate runs no rule
  trip_screen_*        the same notices with the screen of stop_times.txt
                       as with --no-trip-screen (every trip read): on a
                       feed of every case at once, and on the shared feeds
  summary_*            the reports' summary (publisher, validity, agencies,
                       counts, features) and the codes' descriptions

Every load is made --as-of AS_OF, so that what is expired stays so.  Uses
the harness of tests/integration.py.  Standard library only.
"""
import copy, csv, datetime, io, json, os, re, subprocess, sys

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

g.VALIDATE = True            # these test the rules

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check, Skip = it.test, it.check, it.Skip
query, value, qi = it.query, it.value, it.qi

from rulefeed import AS_OF, BASE, CASES, feed_text, row     # noqa: E402

# every group's cases: tests/rulecases_*.py
for _name in sorted(os.listdir(os.path.dirname(os.path.abspath(__file__)))):
    if _name.startswith('rulecases_') and _name.endswith('.py'):
        __import__(_name[:-3])


def load_rules_feed(name, files, *options):
    """Loads files into schema name --as-of AS_OF; asserts exit 0.  The
    notices: [(code, severity, file, line, column, value)]."""
    d = it.write_feed(name, feed_text(files))
    g.load_ok(d, name, '--as-of', AS_OF, *options)
    return [tuple(r) for r in query(
        'SELECT code, severity, file, line, "column", value FROM %s.import_notices '
        'ORDER BY code, file, line' % qi(name))]


@test()
def rules_clean():
    notices = load_rules_feed('rules_clean', BASE)
    check(notices == [], 'the correct feed gave notices: %r' % notices)


def rule_test(code):
    change, file, line, val = CASES[code]

    def fn():
        files = copy.deepcopy(BASE)
        change(files)
        # a schema's name has at most 63 bytes, a code up to 62
        notices = load_rules_feed(('rule_' + code)[:63], files)
        got = [n for n in notices if n[0] == code]
        check(len(got) == 1, '%s: expected one notice, got %r (all: %r)'
              % (code, got, notices))
        want = (file, None if line is None else str(line))
        check(got[0][2:4] == want and got[0][5] == val,
              '%s: expected %s line %s value %r, got %r' % (code, file, line, val, got[0]))
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


def all_notices(feed, name, *options):
    """Loads feed into schema name --as-of AS_OF: every notice, sorted."""
    g.load_ok(feed, name, '--as-of', AS_OF, *options)
    return [tuple(r) for r in query(
        'SELECT code, file, line, "column", value, message FROM %s.import_notices '
        'ORDER BY 1, 2, 3, 4, 5, 6' % qi(name))]


def screen_same(feed, name):
    """The notices of feed with the screen, and with every trip read."""
    screened = all_notices(feed, name + '_s')
    every = all_notices(feed, name + '_e', '--no-trip-screen')
    only_s = sorted(set(screened) - set(every))
    only_e = sorted(set(every) - set(screened))
    check(screened == every, '%s: %d notices screened, %d reading every trip; '
          'only screened: %r; only reading every trip: %r'
          % (name, len(screened), len(every), only_s[:5], only_e[:5]))
    return screened


@test()
def trip_screen_every_case():
    # every case's defect at once (those that still apply), for trips of
    # every kind the screen must flag
    files = copy.deepcopy(BASE)
    applied = 0
    for code in sorted(CASES):
        try:
            trial = copy.deepcopy(files)
            CASES[code][0](trial)
            feed_text(trial)
        except Exception:           # a case that needs the rows another took
            continue
        files = trial
        applied += 1
    check(applied > len(CASES) // 2, 'only %d cases applied' % applied)
    d = it.write_feed('screen_cases', feed_text(files))
    notices = screen_same(d, 'screen_cases')
    check(len({n[0] for n in notices}) > 20, 'few codes: %r' % notices)


def screen_trip(name, changes):
    """BASE with T1's stop_times.txt rows changed (changes: {stop_sequence:
    {column: value}}), loaded with the screen and reading every trip: the
    notices of both, which must be the same."""
    files = copy.deepcopy(BASE)
    for sequence, values in changes.items():
        row(files, 'stop_times.txt', trip_id='T1', stop_sequence=sequence).update(values)
    return screen_same(it.write_feed(name, feed_text(files)), name)


@test()
def trip_screen_times_past_582_hours():
    # the last departure before a row, found as stop_sequence * 2^21 +
    # seconds, took a departure of 700:00:00 (over 2^21 s) at stop 1 for
    # the last one at stop 3: a false notice at stop 3, which the screen
    # (rightly) did not read
    notices = screen_trip('screen_582_hours', {
        '1': dict(arrival_time='700:00:00', departure_time='700:00:00'),
        '2': dict(arrival_time='700:00:00', departure_time='08:00:00'),
        '3': dict(arrival_time='09:00:00', departure_time='09:00:00')})
    wrong = [n for n in notices
             if n[0] == 'stop_time_with_arrival_before_previous_departure_time']
    check(not wrong, 'arrival after the last departure taken for before it: %r' % wrong)


@test()
def trip_screen_negative_stop_sequence():
    # stop_sequence below 0 is loaded (number_out_of_range): the last
    # earlier departure, decoded from stop_sequence * 2^22 + seconds with
    # a remainder of the dividend's sign, was below 0 and no arrival before it
    notices = screen_trip('screen_negative_sequence', {
        '1': dict(stop_sequence='-3'),
        '2': dict(stop_sequence='-2', arrival_time='08:06:00', departure_time='08:06:00'),
        '3': dict(stop_sequence='-1', arrival_time='08:05:00', departure_time='08:05:00')})
    found = [(n[2], n[4]) for n in notices
             if n[0] == 'stop_time_with_arrival_before_previous_departure_time']
    check(found == [('4', '08:05:00')], 'arrival before the departure before it: %r' % found)


@test()
def trip_screen_headsign_stops_alike():
    # 2000 trips headed to "Terminal", 2000 stops of that name none calls
    # at: the trips whose headsign names one of their stops were sought
    # by a probe per trip and stop so named, 4M probes (21 s)
    files = copy.deepcopy(BASE)
    files['stops.txt'] += [dict(stop_id='X%d' % i, stop_name='Terminal',
                                stop_lat='%.4f' % (40.8 + i * 1e-4), stop_lon='-74.1')
                           for i in range(2000)]
    for t in range(2000):
        files['trips.txt'].append(dict(route_id='R1', service_id='ALL', trip_id='H%d' % t,
                                       trip_headsign='Terminal', shape_id='N'))
        for k, stop in enumerate(['P1', 'B', 'C']):
            at = '%02d:%02d:%02d' % (5 + t // 120, t // 2 % 60, k * 20)
            files['stop_times.txt'].append(dict(trip_id='H%d' % t, arrival_time=at,
                                                departure_time=at, stop_id=stop,
                                                stop_sequence=str(k + 1), timepoint='1'))
    r = report_of('screen_headsign_alike', files, '--as-of', AS_OF)
    seconds = [s['seconds'] for s in r['steps'] if s['step'] == 'rule stop_times_rows']
    check(seconds and seconds[0] < 5, 'rule stop_times_rows took %r s' % seconds)
    named = int(value("SELECT count(*) FROM screen_headsign_alike.import_notices "
                      "WHERE code = 'trip_headsign_matches_intermediate_stop'"))
    check(named == 0, '%d trip_headsign_matches_intermediate_stop' % named)


# The shared feeds the screen is checked on: all but MTA Brooklyn, whose
# 2.4M stop_times read every trip take a minute (bench/README.md has it)
SCREEN_FEEDS = ['bart-2018', 'caltrain-2018', 'cdmx-2018', 'ctran-flex-2025',
                'hart-2018', 'hopelink-flex-2026', 'sacrt-2024',
                'transcollines-2020', 'wmata-rail-2026', 'defective/berlin-vbb-2020',
                'defective/caltrain-2023', 'defective/cobblinc-flex-2021',
                'defective/ryobi-bus-2025', 'defective/santacruz-metro-2022',
                'defective/weho-2025']


@test()
def trip_screen_shared_feeds():
    for name in SCREEN_FEEDS:
        path = os.path.join(g.FEEDS, name + '.zip')
        if not os.path.exists(path):
            raise it.absent(path)
        screen_same(path, 'screen_' + os.path.basename(name).replace('-', '_'))


def report_of(name, files, *options):
    """Loads files into schema name with --report NAME.json: the report."""
    d = it.write_feed(name, feed_text(files))
    report = os.path.join(g.TMP, name + '.json')
    g.load_ok(d, name, '--report', report, *options)
    with open(report) as f:
        return json.load(f)


@test()
def summary_json():
    files = copy.deepcopy(BASE)
    files['translations.txt'] = [dict(table_name='stops', field_name='stop_name',
                                      language='fr', translation='Gare centrale',
                                      record_id='ST')]
    files['frequencies.txt'] = [dict(trip_id='T1', start_time='06:00:00',
                                     end_time='07:00:00', headway_secs='1800')]
    r = report_of('summary_json', files, '--as-of', AS_OF)
    s = r['summary']
    check(r['as_of'] == AS_OF, 'as_of %r' % r['as_of'])
    check(s['publisher']['name'] == 'Example Transit' and s['publisher']['lang'] == 'en'
          and s['publisher']['version'] == '1', 'publisher %r' % s['publisher'])
    check(s['validity'] == {'feed_info': {'start_date': '2026-01-01', 'end_date': '2027-12-31'},
                            'service': {'first_day': '2026-01-01', 'last_day': '2027-12-31'}},
          'validity %r' % s['validity'])
    check([a['agency_id'] for a in s['agencies']] == ['A']
          and s['agencies'][0]['timezone'] == 'America/New_York', 'agencies %r' % s['agencies'])
    check(s['counts'] == {'agencies': 1, 'routes': 1, 'trips': 2, 'blocks': 0, 'stops': 4,
                          'shapes': 2, 'services': 1}, 'counts %r' % s['counts'])
    features = sorted(f['feature'] for f in s['features'])
    want = sorted(['Wheelchair Accessibility', 'Route Colors', 'Bikes Allowance',
                   'Translations', 'Headsigns', 'Location Types', 'Feed Information',
                   'Shapes', 'Frequencies'])
    check(features == want, 'features %r, expected %r' % (features, want))


@test()
def summary_without_rules():
    r = report_of('summary_no_rules', BASE, '--no-validate')
    check(r['as_of'] is None, '--no-validate: as_of %r' % r['as_of'])
    check(r['summary']['counts']['trips'] == 2, 'summary %r' % r['summary'])


@test()
def summary_descriptions_and_html():
    files = copy.deepcopy(BASE)
    for i in range(5):
        files['calendar.txt'].append(dict(files['calendar.txt'][0], service_id='OLD%d' % i,
                                          start_date='20250101', end_date='20250131'))
    r = report_of('summary_html', files, '--as-of', AS_OF)
    expired = [n for n in r['notices'] if n['code'] == 'expired_calendar']
    check(len(expired) == 1 and expired[0]['count'] == 5 and expired[0]['description']
          == 'Dataset should not contain date ranges for services that have already expired',
          'notices %r' % r['notices'])
    d = it.write_feed('summary_html', feed_text(files))
    page = os.path.join(g.TMP, 'summary_html.html')
    g.load_ok(d, 'summary_html', '--as-of', AS_OF, '--report', page)
    with open(page) as f:
        text = f.read()
    for want in ('<table class="kv" id="summary">', '<th>publisher</th><td>Example Transit',
                 '<th>service (calendar)</th><td>2026-01-01 to 2027-12-31</td>',
                 'Dataset should not contain date ranges',
                 'and 2 more: <code>SELECT * FROM &quot;summary_html&quot;.import_notices '
                 "WHERE code = 'expired_calendar'</code>"):
        check(want in text, 'the page lacks %r' % want)


if __name__ == '__main__':
    it.main()
