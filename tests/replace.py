#!/usr/bin/python3
"""
Replacing feeds (issue 23): a feed loaded alone is named after its file, as
each of several is; a load that replaces a feed says so, on stderr and in
its report; input with no GTFS file is no feed; a replacement that loses
what the old feed had is refused (exit 4) unless --force; and the command
line's small things (getopt's messages, --help's exit codes, the feed id
beside its schema, --skip-unchanged's report).

    tests/with-postgres tests/replace.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line); only the tests
registered here run.  The feeds are copies of fixtures/sample, some cut
down, made by the tests; two tests use ../shared/feeds (an older and a
newer Caltrain, three defective feeds) and skip when it is absent.
Standard library only.
"""
import json, os, re, shutil, subprocess, sys, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, ql, describe = it.query, it.value, it.ql, it.describe

SAMPLE = os.path.join(it.FIXTURES, 'sample')
TMP = it.TMP
EXIT_SHRINKS = 4

# ---------------------------------------------------------------- helpers

run = g.run

def sample_text(name):
    with open(os.path.join(SAMPLE, name), encoding='utf-8', newline='') as f:
        return f.read()

def feed(name, changes=None, drop=()):
    """TMP/name: the sample with changes ({file: text}) and without the
    files in drop, zipped when name ends in .zip, else a directory."""
    d = os.path.join(TMP, name + '.d' if name.endswith('.zip') else name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(SAMPLE, d)
    for n in drop:
        os.remove(os.path.join(d, n))
    for n, text in (changes or {}).items():
        with open(os.path.join(d, n), 'w', encoding='utf-8', newline='') as f:
            f.write(text)
    if not name.endswith('.zip'):
        return d
    path = os.path.join(TMP, name)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(d)):
            z.write(os.path.join(d, n), n)
    return path

def first_lines(name, n):
    """The sample's file with its header and its first n records."""
    return ''.join(sample_text(name).splitlines(True)[:n + 1])

def registry():
    """{feed_id: (schema_name, file_name, sha256)} of gtfs2pgsql.feeds."""
    if value("SELECT to_regclass('gtfs2pgsql.feeds') IS NULL") == 't':
        return {}
    return {r[0]: r[1:] for r in query(
        'SELECT feed_id, schema_name, file_name, sha256 FROM gtfs2pgsql.feeds')}

def rows(schema, table):
    return int(value('SELECT count(*) FROM %s' % it.rel(schema, table)))

def staging_left():
    return value("SELECT count(*) FROM pg_namespace"
                 " WHERE nspname LIKE 'gtfs2pgsql\\_load\\_%'")

def load_ok(*args):
    r = run(*args)
    check(r.returncode == 0, 'load %r: %s' % (args, describe(r)))
    return r

def shared(*path):
    p = os.path.join(it.FEEDS, *path)
    if not os.path.exists(p):
        raise it.absent(p)
    return p

def refused_untouched(r, code, schema, before, what):
    """r exited code, the feeds as before and schema's rows as they were."""
    check(r.returncode == code, '%s: exit %d, not %d: %s'
          % (what, r.returncode, code, describe(r)))
    check(registry() == before[0], '%s changed the registry: %r'
          % (what, registry()))
    check((rows(schema, 'stops'), rows(schema, 'stop_times')) == before[1],
          '%s changed the feed of %s' % (what, schema))
    check(staging_left() == '0', '%s left a staging schema' % what)

def state(schema):
    return registry(), (rows(schema, 'stops'), rows(schema, 'stop_times'))

# ------------------------------------------------------------------ tests

@test()
def alone_named_after_its_file():
    """Two feeds loaded one after the other, alone, are both there, each
    in the schema of its file's name; the load says where it went."""
    a = feed('North-Line-2026.zip')
    b = feed('south.line')
    r = load_ok(a)
    check('feed id "north_line_2026" loaded into schema "north_line_2026"'
          in r.stderr, 'no word of where it went: %s' % r.stderr[-600:])
    check('replaced' not in r.stderr, 'a first load replaced: %s' % r.stderr)
    load_ok('-q', b)
    reg = registry()
    check(reg.get('north_line_2026', ('',))[0] == 'north_line_2026' and
          reg.get('south_line', ('',))[0] == 'south_line',
          'the two feeds are not both there: %r' % reg)
    check(value("SELECT to_regnamespace('gtfs') IS NULL") == 't',
          'a feed went into schema gtfs')
    check(rows('north_line_2026', 'stops') == rows('south_line', 'stops') > 0,
          'the feeds have not their stops')

@test()
def keyword_file_names_need_no_quotes():
    """A file named after a keyword SQL reserves (all.zip, User.zip)
    loads into a schema queries need not quote, as the README says:
    feed_all, feed_user, as a leading digit gets feed_; the query of the
    README's form works unquoted."""
    for name, schema in (('all.zip', 'feed_all'), ('User', 'feed_user')):
        r = load_ok('-q', feed(name))
        check(registry().get(schema, ('',))[0] == schema,
              '%s: not in schema %s: %r' % (name, schema, registry()))
        p = subprocess.run(['psql', '-X', '-At', '-d', it.DB, '-c',
                            'SELECT count(*) FROM %s.stops' % schema],
                           capture_output=True, text=True)
        check(p.returncode == 0 and int(p.stdout) > 0,
              '%s.stops unquoted: %s' % (schema, p.stderr))

@test()
def vague_names_refused():
    """Names in another script (москва.zip, самара.zip) or of punctuation
    (---.zip) would make one plain name, ____________ or ___, so that each
    load replaced the other's feed: refused up front (exit 1), the
    registry unchanged; with -s they load."""
    before = registry()
    for args in (['москва.zip'], ['самара-2024.zip'], ['---.zip'],
                 ['--feed-id', 'москва', 'plain.zip'],
                 ['other.zip', 'москва.zip']):
        r = run(*[feed(a) if a.endswith('.zip') else a for a in args])
        check(r.returncode == 1 and 'mostly "_"' in r.stderr,
              '%r: not refused as a vague name: %s' % (args, describe(r)))
        check(registry() == before, '%r changed the registry' % (args,))
    load_ok('-q', '-s', 'moskva', '--feed-id', 'москва', feed('москва.zip'))
    check(registry().get('москва', ('',))[0] == 'moskva', registry())

@test()
def schema_gtfs_still_loads_there():
    """-s gtfs: the old default, for scripts that query gtfs.stops."""
    load_ok('-q', '-s', 'gtfs', feed('whatever.zip'))
    check(registry().get('gtfs', ('',))[0] == 'gtfs', registry())
    check(rows('gtfs', 'stops') > 0, 'no stops in gtfs')

@test()
def feed_id_kept_schema_plain():
    """--feed-id berlin-vbb-2020: the id as given, the schema a plain
    name, the message naming both."""
    r = load_ok('--feed-id', 'Berlin-VBB-2020', feed('berlin'))
    check(registry().get('Berlin-VBB-2020', ('',))[0] == 'berlin_vbb_2020',
          registry())
    check('feed id "Berlin-VBB-2020" loaded into schema "berlin_vbb_2020"'
          in r.stderr, r.stderr[-600:])

@test()
def replacement_said():
    """A load that replaces a feed says so: on stderr the old feed's file,
    when it was loaded and its rows beside the new ones; the same in the
    JSON report and the HTML page."""
    load_ok('-q', '--feed-id', 'said', feed('said-v1.zip'))
    loaded_at = value("SELECT to_char(imported_at, 'YYYY-MM-DD HH24:MI')"
                      " FROM gtfs2pgsql.feeds WHERE feed_id = 'said'")
    stops = sample_text('stops.txt')
    more = stops + 'extra_stop,,Extra,,45.51,-73.55,,0,,,\n'
    report = os.path.join(TMP, 'said.json')
    r = load_ok('--feed-id', 'said', '--report', report,
                feed('said-v2.zip', {'stops.txt': more}))
    check(re.search(r'replaced feed "said" of schema "said", loaded from '
                    r'said-v1\.zip at %s' % re.escape(loaded_at), r.stderr),
          'the replacement is not said: %s' % r.stderr[-1500:])
    n = rows('said', 'stops')
    check(re.search(r'^stops\.txt +%d +%d$' % (n - 1, n), r.stderr, re.M),
          'no rows before and now of stops.txt: %s' % r.stderr[-1500:])
    with open(report, encoding='utf-8') as f:
        rep = json.load(f)
    check(rep.get('feed_id') == 'said' and rep.get('schema') == 'said' and
          rep.get('skipped') is False, 'report: %r' % {k: rep.get(k) for k in
                                                       ('feed_id', 'schema', 'skipped')})
    old = rep.get('replaced') or [{}]
    check(len(rep['replaced']) == 1 and old[0].get('feed_id') == 'said' and
          old[0].get('file') == 'said-v1.zip' and
          old[0].get('imported_at', '').startswith(loaded_at),
          'report: replaced %r' % rep.get('replaced'))
    before = {f['file']: f['rows'] for f in old[0].get('files', [])}
    now = {f['file']: f['rows'] for f in rep['files']}
    check(before.get('stops.txt') == n - 1 and now.get('stops.txt') == n and
          before.keys() == now.keys(), 'report: rows %r, %r' % (before, now))
    # the page, and a first load's report that replaced nothing
    page = os.path.join(TMP, 'said.html')
    load_ok('-q', '--feed-id', 'said', '--report', page, feed('said-v1.zip'))
    with open(page, encoding='utf-8') as f:
        html = f.read()
    check('<table id="replaced">' in html and 'said-v2.zip' in html,
          'the page has no table of the replaced feed')
    first = os.path.join(TMP, 'first.json')
    load_ok('-q', '--feed-id', 'first_of_its_name', '--report', first,
            feed('first.zip'))
    with open(first, encoding='utf-8') as f:
        check(json.load(f).get('replaced') == [], 'a first load replaced')

@test()
def another_feed_of_the_schema_is_replaced_and_said():
    """-s names a schema holding another feed: that one is replaced, and
    said."""
    load_ok('-q', '--feed-id', 'tenant_a', '-s', 'shared_schema',
            feed('tenant-a.zip'))
    r = load_ok('--feed-id', 'tenant_b', '-s', 'shared_schema',
                feed('tenant-b.zip'))
    check('replaced feed "tenant_a" of schema "shared_schema"' in r.stderr,
          r.stderr[-800:])
    check('tenant_a' not in registry(), registry())

@test()
def no_gtfs_file_is_no_feed():
    """A zip of readme.csv and notes.txt, an error page saved as a zip, an
    empty folder: refused (exit 1), the feed there untouched."""
    load_ok('-q', '-s', 'kept', feed('kept.zip'))
    before = state('kept')
    notes = os.path.join(TMP, 'notes.zip')
    with zipfile.ZipFile(notes, 'w') as z:
        z.writestr('readme.csv', 'a,b\n1,2\n')
        z.writestr('notes.txt', 'note\nhello\n')
    r = run('-s', 'kept', notes)
    refused_untouched(r, 1, 'kept', before, 'a zip of no GTFS file')
    check('holds no GTFS file' in r.stderr, r.stderr)
    r = run('-s', 'kept', '--force', notes)
    refused_untouched(r, 1, 'kept', before, '--force on a zip of no GTFS file')
    page = os.path.join(TMP, 'error-page.zip')
    with open(page, 'w') as f:
        f.write('<!DOCTYPE html><html><body>503 Service Unavailable'
                '</body></html>\n')
    refused_untouched(run('-s', 'kept', page), 1, 'kept', before,
                      'an error page saved as a zip')
    empty = os.path.join(TMP, 'empty-folder')
    os.makedirs(empty, exist_ok=True)
    refused_untouched(run('-s', 'kept', empty), 1, 'kept', before,
                      'an empty folder')

@test()
def shrink_refused_unless_forced():
    """Yesterday's good feed survives today's broken download: a file lost,
    a header alone, both calendar files lost, less than half the
    stop_times: exit 4, the feed untouched; --force replaces it."""
    load_ok('-q', '--feed-id', 'nightly', feed('nightly.zip'))
    before = state('nightly')
    cases = [
        ('stop_times.txt lost', {}, ['stop_times.txt'], 'stop_times.txt has no rows'),
        ('stops.txt a header alone', {'stops.txt': first_lines('stops.txt', 0)},
         [], 'stops.txt has no rows'),
        ('both calendar files lost', {}, ['calendar.txt', 'calendar_dates.txt'],
         'calendar.txt and calendar_dates.txt have no rows'),
        ('a third of stop_times', {'stop_times.txt': first_lines('stop_times.txt', 100)},
         [], 'stop_times.txt has 100 rows, less than half of its'),
    ]
    for what, changes, drop, said in cases:
        r = run('--feed-id', 'nightly', feed('nightly.zip', changes, drop))
        refused_untouched(r, EXIT_SHRINKS, 'nightly', before, what)
        check(said in r.stderr and '--force' in r.stderr,
              '%s: not said: %s' % (what, r.stderr[-1200:]))
        check(re.search(r'^file +rows before +rows now$', r.stderr, re.M),
              '%s: no table of the rows: %s' % (what, r.stderr[-1200:]))
    # a lost file the feed does not need is no shrink
    load_ok('-q', '--feed-id', 'nightly',
            feed('nightly.zip', drop=['calendar_dates.txt', 'shapes.txt']))
    load_ok('-q', '--feed-id', 'nightly', feed('nightly.zip'))
    load_ok('-q', '--force', '--feed-id', 'nightly',
            feed('nightly.zip', {'stop_times.txt': first_lines('stop_times.txt', 100)}))
    check(rows('nightly', 'stop_times') == 100, '--force did not replace it')

@test()
def refused_feed_notices_not_pointed_at():
    """A refused replacement's notices (here why it shrank: stop_times.txt
    lost its trip_id column, its rows duplicates) are shown, but as not
    stored: no query over the schema's import_notices, which still holds
    the old feed's; and the calendar files traded for calendar_dates.txt
    alone is no shrink."""
    load_ok('-q', '--feed-id', 'kept', feed('kept.zip'))
    before = state('kept')
    old_notices = query('SELECT code, count(*) FROM kept.import_notices'
                        ' GROUP BY code ORDER BY code')
    st = first_lines('stop_times.txt', 400)
    r = run('--feed-id', 'kept',
            feed('kept.zip', {'stop_times.txt': st.replace('trip_id', 'tripid', 1)}))
    refused_untouched(r, EXIT_SHRINKS, 'kept', before, 'a lost trip_id column')
    check('missing_required_column' in r.stderr and
          'notices (not stored: the feed is not loaded):' in r.stderr and
          re.search(r'^      and \d+ more$', r.stderr, re.M) and
          'import_notices' not in r.stderr,
          'the notices of the refused feed point at the old one\'s: %s'
          % r.stderr[-2500:])
    check(query('SELECT code, count(*) FROM kept.import_notices'
                ' GROUP BY code ORDER BY code') == old_notices,
          'the old feed\'s notices changed')
    load_ok('-q', '--feed-id', 'kept', feed('kept.zip', drop=['calendar.txt']))

@test()
def shrink_judged_per_feed_under_jobs():
    """With several feeds each is judged alone: the broken one is refused
    (exit 4, kept), the other loads."""
    good = feed('left-feed.zip')
    other = feed('right-feed.zip')
    load_ok('-q', good, other)
    before = registry()
    broken = feed('left-feed.zip', drop=['stop_times.txt', 'trips.txt'])
    more = sample_text('stops.txt') + 'x_stop,,X,,45.51,-73.55,,0,,,\n'
    changed = feed('right-feed.zip', {'stops.txt': more})
    r = run('-j', '2', broken, changed)
    check(r.returncode == EXIT_SHRINKS, 'exit %d: %s' % (r.returncode, describe(r)))
    check(re.search(r'^left_feed +left_feed +exit 4 ', r.stderr, re.M) and
          re.search(r'^right_feed +right_feed +loaded ', r.stderr, re.M),
          'summary: %s' % r.stderr[-800:])
    after = registry()
    check(after['left_feed'] == before['left_feed'], 'the broken feed replaced')
    check(after['right_feed'] != before['right_feed'], 'the other not loaded')

@test()
def shared_older_and_newer_caltrain():
    """The shared feeds: Caltrain 2018 then 2023 as one feed (a
    replacement, said); 2023 less its stop_times, or an error page, then
    refused, 2023 kept."""
    older = shared('caltrain-2018.zip')
    newer = shared('defective', 'caltrain-2023.zip')
    load_ok('-q', '--feed-id', 'caltrain', older)
    r = load_ok('--feed-id', 'caltrain', newer)
    check('replaced feed "caltrain" of schema "caltrain", loaded from '
          'caltrain-2018.zip' in r.stderr, r.stderr[-1500:])
    check(re.search(r'^stop_times\.txt +2853 +3498$', r.stderr, re.M),
          'no 2853 -> 3498 stop_times: %s' % r.stderr[-1500:])
    before = state('caltrain')
    broken = os.path.join(TMP, 'caltrain-broken.zip')
    with zipfile.ZipFile(newer) as src, zipfile.ZipFile(broken, 'w') as z:
        for i in src.infolist():
            if os.path.basename(i.filename) != 'stop_times.txt':
                z.writestr(i, src.read(i))
    refused_untouched(run('--feed-id', 'caltrain', broken), EXIT_SHRINKS,
                      'caltrain', before, '2023 less its stop_times')
    page = os.path.join(TMP, 'caltrain-page.zip')
    with open(page, 'w') as f:
        f.write('<html><head><title>502 Bad Gateway</title></head></html>\n')
    refused_untouched(run('--feed-id', 'caltrain', page), 1, 'caltrain',
                      before, 'an error page')
    check(registry()['caltrain'][1] == 'caltrain-2023.zip', registry())

@test()
def shared_three_feeds_one_after_another():
    """weho, berlin, cobblinc loaded alone one after the other: all three
    are there (each replaced the last before)."""
    names = ['weho-2025', 'berlin-vbb-2020', 'cobblinc-flex-2021']
    paths = [shared('defective', n + '.zip') for n in names]
    for p in paths:
        load_ok('-q', p)
    reg = registry()
    for n in names:
        plain = n.replace('-', '_')
        check(reg.get(plain, ('',))[0] == plain, '%s missing: %r' % (plain, reg))

@test()
def skip_unchanged_writes_its_report():
    """--skip-unchanged --report on an unchanged feed: a report saying
    skipped, JSON or HTML."""
    f = feed('same.zip')
    load_ok('-q', '--feed-id', 'same', f)
    report = os.path.join(TMP, 'skipped.json')
    if os.path.exists(report):
        os.remove(report)
    r = load_ok('--skip-unchanged', '--feed-id', 'same', '--report', report, f)
    check('skipped' in r.stderr, r.stderr)
    check(os.path.exists(report), 'no report written')
    with open(report, encoding='utf-8') as fh:
        rep = json.load(fh)
    check(rep.get('skipped') is True and rep.get('feed_id') == 'same' and
          rep.get('schema') == 'same', 'report: %r' % rep)
    page = os.path.join(TMP, 'skipped.html')
    load_ok('-q', '--skip-unchanged', '--feed-id', 'same', '--report', page, f)
    with open(page, encoding='utf-8') as fh:
        check('skipped' in fh.read(), 'the page does not say skipped')

@test(db=False)
def unknown_option_names_the_program():
    """getopt's messages begin "gtfs2pgsql:", not the binary's path."""
    for args, said in ((['--bogus'], 'unrecognized option "--bogus"'),
                       (['-x'], "invalid option -- 'x'"),
                       (['--schema'], 'option "--schema" requires an argument'),
                       (['--force=yes'], 'option "--force" takes no argument')):
        r = subprocess.run([os.path.abspath(it.PROG)] + args,
                           capture_output=True, text=True)
        first = r.stderr.splitlines()[0] if r.stderr else ''
        check(r.returncode == 1 and first == 'gtfs2pgsql: error: ' + said and
              'Try "gtfs2pgsql --help"' in r.stderr,
              '%r: exit %d, %r' % (args, r.returncode, r.stderr))

@test(db=False)
def help_gives_every_exit_code():
    """--help: every exit status, 0 with its skip, 4 with --force; the
    default schema and the old one."""
    out = subprocess.run([it.PROG, '--help'], capture_output=True,
                         text=True).stdout
    status = out[out.index('Exit status'):]
    for code in ('0', '1', '2', '3', '4', '130, 143'):
        check(re.search(r'^  %s ' % code, status, re.M),
              'exit %s not in --help' % code)
    check('skipped as unchanged' in status and '--force' in status, status)
    check('bart-2018.zip' in out and 'bart_2018' in out and
          '-s gtfs' in out, 'the default naming is not said')

if __name__ == '__main__':
    it.main()
