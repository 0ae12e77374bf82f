#!/usr/bin/python3
"""
Archives (issue 12): many feeds in one command.  Each feed's id and schema
come from its file name; -j N loads N at once on N connections; a bad feed
stops no other; the exit status is the worst; a line per feed at the end;
--skip-unchanged over a set loads only what changed; SIGINT reaches the
feeds under way.

    tests/with-postgres tests/archive.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line); only the tests
registered here run.  The feeds are copies of fixtures/sample, some
changed, some made big enough to be caught loading.  Standard library only.
"""
import csv, io, json, os, re, signal, subprocess, sys, time, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402
import hostile as h                                          # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, ql, describe = it.query, it.value, it.ql, it.describe

SAMPLE = os.path.join(it.FIXTURES, 'sample')
TMP = it.TMP
SAMPLE_STOPS = 0                # rows of the sample's stops.txt, set below

# ---------------------------------------------------------------- helpers

run, spawn, finish, read_text = g.run, g.spawn, g.finish, g.read_text

def feed_dir(name, changes=None):
    """TMP/name: a copy of the sample with changes ({file: text})."""
    return g.make_feed(name, changes)

def feed_zip(name, changes=None):
    """TMP/name: the sample with changes, zipped."""
    d = feed_dir(name + '.d', changes)
    path = os.path.join(TMP, name)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(d)):
            z.write(os.path.join(d, n), n)
    return path

def with_stop(stop_id):
    """The sample's stops.txt with one more stop."""
    return {'stops.txt': read_text(SAMPLE, 'stops.txt')
            + '%s,,Arret %s,,45.51,-73.55,,0,,,\n' % (stop_id, stop_id)}

def big_feed(name, rows=200000):
    """A directory feed with about rows stop_times (the sample's other
    files): long enough a load to be seen under way."""
    return g.big_feed(name, rows)

def registry():
    """{feed_id: (schema_name, sha256, imported_at)} of gtfs2pgsql.feeds."""
    if value("SELECT to_regclass('gtfs2pgsql.feeds') IS NULL") == 't':
        return {}
    return {r[0]: r[1:] for r in query(
        'SELECT feed_id, schema_name, sha256, imported_at::text FROM gtfs2pgsql.feeds')}

def stops_of(feed_id):
    """Rows of the feed's stops, through the cross-feed view."""
    return int(value('SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = %s'
                     % ql(feed_id)))

def stop_times_of(feed_id):
    return int(value('SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = %s'
                     % ql(feed_id)))

SUMMARY = re.compile(r'^(\S+) +(\S+) +(loaded|skipped|exit \d+|not run) ', re.M)

def summary(stderr):
    """[(feed id, schema, status)] of the summary's lines, in order."""
    check(re.search(r'^feed +schema +status +rows', stderr, re.M),
          'no summary header: %s' % stderr)
    return SUMMARY.findall(stderr)

def sessions(app, loading=True):
    """Client sessions of application app, not their parallel workers
    (loading: in a transaction, which the parent's first connection, that
    checks the server, never is)."""
    return int(value("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                     " AND backend_type = 'client backend'%s"
                     % (ql(app), ' AND xact_start IS NOT NULL' if loading else '')))

def wait_sessions(app, n, seconds=60):
    """Waits until n sessions of application app are open at once; the
    most seen."""
    most = 0
    for _ in range(int(seconds * 20)):
        most = max(most, sessions(app))
        if most >= n:
            return most
        time.sleep(0.05)
    return most

def sample_stops():
    global SAMPLE_STOPS
    if not SAMPLE_STOPS:
        SAMPLE_STOPS = len(list(csv.DictReader(io.StringIO(read_text(SAMPLE, 'stops.txt')))))
    return SAMPLE_STOPS

# ------------------------------------------------------------------ tests

@test(db=False)
def help_shows_several_feeds():
    r = subprocess.run([it.PROG, '--help'], capture_output=True, text=True)
    check(r.returncode == 0, describe(r))
    check('FEED...' in r.stdout and '--jobs=N' in r.stdout,
          'no FEED... or --jobs in --help: %s' % r.stdout)
    check(max(len(l) for l in r.stdout.splitlines()) <= 80, 'a --help line over 80 columns')

@test()
def three_feeds_named_after_their_files():
    """A directory, a zip and a zip named with a leading digit and capitals:
    each its own feed id and schema, as plain names; the summary in the
    order given, in 80 columns, without the per-file tables."""
    a = feed_dir('north-line')
    b = feed_zip('South.Line-2026.zip', with_stop('S1'))
    c = feed_zip('3rd.zip', with_stop('T1'))
    r = run(a, b, c)
    check(r.returncode == 0, describe(r))
    want = [('north_line', 'north_line'), ('south_line_2026', 'south_line_2026'),
            ('feed_3rd', 'feed_3rd')]
    reg = registry()
    for feed_id, schema in want:
        check(feed_id in reg and reg[feed_id][0] == schema,
              'feed %s not in schema %s: %r' % (feed_id, schema, reg))
    check(stops_of('north_line') == sample_stops(), 'north_line stops')
    check(stops_of('south_line_2026') == sample_stops() + 1, 'south_line_2026 stops')
    check(value("SELECT count(*) FROM feed_3rd.stops WHERE stop_id = 'T1'") == '1',
          'feed_3rd.stops lacks its own stop')
    got = summary(r.stderr)
    check([g[:2] for g in got] == want and all(g[2] == 'loaded' for g in got),
          'summary %r: %s' % (got, r.stderr))
    check(re.search(r'^3 feeds: 3 loaded, 0 skipped, 0 failed$', r.stderr, re.M),
          'no count line: %s' % r.stderr)
    check('rows/s' not in r.stderr, 'a per-file table: %s' % r.stderr)
    check(max(len(l) for l in r.stderr.splitlines()) <= 80,
          'a line over 80 columns: %s' % r.stderr)

@test()
def broken_feed_stops_no_other():
    """Not a zip, between two good feeds: exit 1, the two loaded; its
    error line names it."""
    good1 = feed_zip('good-one.zip')
    good2 = feed_dir('good-two')
    broken = os.path.join(TMP, 'broken-one.zip')
    with open(broken, 'w') as f:
        f.write('<html>not found</html>\n')
    r = run('-j', '2', good1, broken, good2)
    check(r.returncode == 1, 'exit 1 expected: %s' % describe(r))
    got = summary(r.stderr)
    check([g[2] for g in got] == ['loaded', 'exit 1', 'loaded'],
          'summary %r: %s' % (got, r.stderr))
    check(re.search(r'^gtfs2pgsql: broken_one: error: .*broken-one\.zip', r.stderr, re.M),
          'the error does not name its feed: %s' % r.stderr)
    check(stops_of('good_one') == sample_stops() and stops_of('good_two') == sample_stops(),
          'the good feeds were not loaded')
    check('broken_one' not in registry(), 'the broken feed is in the registry')
    for line in r.stderr.splitlines():
        check(line.startswith('gtfs2pgsql: ') or SUMMARY.match(line)
              or re.match(r'(feed +schema|\d+ feeds:)', line),
              'a line neither ours nor the summary: %r' % line)

@test()
def exit_status_is_the_worst():
    """A broken feed and a schema not ours (1 each) beside a good feed: 1,
    the good one loaded; a broken feed (1) and feeds the database refuses
    (3, --wait ran out): 3."""
    it.psql('CREATE SCHEMA IF NOT EXISTS not_ours')     # not made by us
    good = feed_zip('worst-good.zip')
    broken = os.path.join(TMP, 'worst-broken.zip')
    with open(broken, 'w') as f:
        f.write('nothing\n')
    r = run('-q', broken, good, feed_dir('not-ours'))
    check(r.returncode == 1, 'exit 1 expected: %s' % describe(r))
    check(stops_of('worst_good') == sample_stops(), 'the good feed was not loaded')
    # another import of the schema holds it longer than --wait allows
    holder = subprocess.Popen(['psql', '-X', '-q', '-d', it.DB], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True, env=it.PSQL_ENV)
    try:
        holder.stdin.write("SELECT pg_advisory_lock(hashtext('gtfs2pgsql'),"
                           " hashtext('worst_refused'));\n")
        holder.stdin.flush()
        for _ in range(200):
            if it.value("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND objid = hashtext('worst_refused')::oid") != '0':
                break
            time.sleep(0.05)
        r = run('-q', '--wait=1', broken, feed_zip('worst-refused.zip'))
    finally:
        holder.communicate('\\q\n', timeout=60)
    check(r.returncode == 3, 'exit 3 expected (1 and 3): %s' % describe(r))

@test()
def names_refused_up_front():
    """-s and --feed-id with several feeds, two files of one feed id: exit
    1 and nothing loaded."""
    a = feed_dir('dup')
    b = feed_zip('DUP.zip')
    c = feed_zip('other-feed.zip')
    for args, pattern in ((['-s', 'x', a, c], r'-s/--schema cannot be used with several feeds'),
                          (['--feed-id', 'x', a, c], r'--feed-id cannot be used with several'),
                          ([a, c, b], r'feeds "dup" and "DUP.zip" would both be feed "dup"')):
        r = run(*args)
        check(r.returncode == 1, '%s: exit 1 expected: %s' % (args, describe(r)))
        check(re.search(pattern, r.stderr), '%s: stderr: %s' % (args, r.stderr))
        check(not {'x', 'dup', 'other_feed'} & set(registry()),
              '%s: something was loaded: %r' % (args, registry()))

@test()
def folder_of_zips_is_one_feed():
    """A folder keeps its meaning, one feed of .txt files; when it holds
    zip files and no .txt, a warning says how to load them, and it is
    refused as no feed (no GTFS file in it: tests/replace.py)."""
    d = os.path.join(TMP, 'zips')
    os.makedirs(d, exist_ok=True)
    feed_zip('zips/one.zip')
    feed_zip('zips/two.zip')
    r = run('-q', '-s', 'zips_folder', d)
    check(r.returncode == 1 and 'holds no GTFS file' in r.stderr, describe(r))
    check(re.search(r'warning: directory ".*zips" holds zip files and no \.txt file', r.stderr)
          and re.search(r'hint: .*zips/\*\.zip', r.stderr), 'no warning: %s' % r.stderr)
    check(value("SELECT to_regnamespace('zips_folder') IS NULL") == 't',
          'zips_folder was made')
    r = run('-q', '-s', 'sample_folder', feed_dir('plain-folder'))
    check(r.returncode == 0 and 'warning' not in r.stderr, describe(r))

@test()
def unreachable_server_said_once():
    a, b = feed_dir('unreach-a'), feed_dir('unreach-b')
    r = subprocess.run([it.PROG, '-h', '/nonexistent', a, b], capture_output=True,
                       text=True)
    check(r.returncode == 2, describe(r))
    check(r.stderr.count('could not connect') == 1, 'not said once: %s' % r.stderr)

@test()
def skip_unchanged_over_a_set():
    """A second run over three feeds where one changed loads exactly that one."""
    feeds = [feed_zip('set-a.zip'), feed_zip('set-b.zip'), feed_dir('set-c')]
    r = run('-q', '--skip-unchanged', '-j', '2', *feeds)
    check(r.returncode == 0, describe(r))
    before = registry()
    feed_zip('set-b.zip', with_stop('B2'))
    r = run('--skip-unchanged', '-j', '2', *feeds)
    check(r.returncode == 0, describe(r))
    after = registry()
    got = summary(r.stderr)
    check([g[2] for g in got] == ['skipped', 'loaded', 'skipped'],
          'summary %r: %s' % (got, r.stderr))
    for f in ('set_a', 'set_c'):
        check(after[f] == before[f], '%s was loaded again: %r -> %r' % (f, before[f], after[f]))
    check(after['set_b'][1] != before['set_b'][1] and after['set_b'][2] != before['set_b'][2],
          'set_b was not loaded again: %r' % (after['set_b'],))
    check(stops_of('set_b') == sample_stops() + 1, 'set_b lacks its new stop')

@test()
def report_is_an_array():
    """--report with several feeds: one array, a member per feed in the
    order given, each with its own report (null when not loaded)."""
    good = feed_zip('rep-good.zip')
    broken = os.path.join(TMP, 'rep-broken.zip')
    with open(broken, 'w') as f:
        f.write('nothing\n')
    other = feed_dir('rep-other')
    path = os.path.join(TMP, 'reports.json')
    r = run('-q', '-j', '2', '--report', path, good, broken, other)
    check(r.returncode == 1, describe(r))
    with open(path, encoding='utf-8') as f:
        reports = json.load(f)
    check(isinstance(reports, list) and len(reports) == 3, 'not an array of 3: %r' % reports)
    check([(x['feed_id'], x['status'], x['exit']) for x in reports]
          == [('rep_good', 'loaded', 0), ('rep_broken', 'failed', 1),
              ('rep_other', 'loaded', 0)], 'members: %r' % reports)
    check(reports[1]['report'] is None, 'a report for the broken feed')
    for x in (reports[0], reports[2]):
        files = {f['file']: f['rows'] for f in x['report']['files']}
        check(files.get('stops.txt') == sample_stops(), '%s: files %r' % (x['feed_id'], files))
    check(not [n for n in os.listdir(TMP) if n.startswith('.reports.json')],
          'a temporary report left behind')

def tmpdir_of_length(length):
    """A directory (made) whose path is length bytes, in 200-byte parts."""
    d = os.path.realpath(TMP)
    while len(d) < length:
        d += '/' + 'd' * min(200, length - len(d) - 1)
    os.makedirs(d, exist_ok=True)
    return d

@test()
def worker_runs_share_no_memory():
    """A worker loads feed after feed, and each run's file name, SHA-256,
    options and geometry are its own: a run that fails before it makes its
    geometry (here its report cannot be created) frees nothing of the run
    before it, where it freed that run's geometry again (a crash, exit 139;
    heap-use-after-free under ASan: GTFS2PGSQL=an ASan build).  Eleven
    feeds, zips and folders, some skipped as unchanged (--skip-unchanged),
    on 2 workers; TMPDIR is as long as the temporary file of a report
    N.json of one digit allows, so feed 10's cannot be made."""
    feeds = [feed_zip('own-%d.zip' % i) if i % 2 else feed_dir('own-%d' % i)
             for i in range(11)]
    r = run('-q', '-j', '2', *feeds[:4])
    check(r.returncode == 0, describe(r))
    # TMPDIR/gtfs2pgsql-XXXXXX/.N.json.XXXXXX: 33 bytes more for one digit
    tmpdir = tmpdir_of_length(os.pathconf('/', 'PC_PATH_MAX') - 1 - 33)
    path = os.path.join(TMP, 'own.json')
    r = run('--skip-unchanged', '-j', '2', '--report', path, *feeds,
            env={'TMPDIR': tmpdir})
    check('Sanitizer' not in r.stderr, describe(r))
    got = summary(r.stderr)
    check(got == [('own_%d' % i, 'own_%d' % i,
                   'skipped' if i < 4 else 'loaded' if i < 10 else 'exit 1')
                  for i in range(11)], 'summary %r: %s' % (got, r.stderr))
    check(r.returncode == 1, describe(r))
    check(re.search(r'^gtfs2pgsql: own_10: error: could not create a '
                    r'temporary file for report', r.stderr, re.M), describe(r))
    with open(path, encoding='utf-8') as f:
        reports = json.load(f)
    check([x['report']['feed'] if x['report'] else None for x in reports]
          == [os.path.basename(f) for f in feeds[:10]] + [None],
          'reports: %r' % [x['report'] and x['report']['feed'] for x in reports])
    for i in range(10):
        check(stops_of('own_%d' % i) == sample_stops(), 'own_%d not loaded' % i)

@test()
def jobs_2_loads_two_at_once():
    """-j 2: two sessions of the program are open at once (one per feed);
    -j 1 never has two (its stop_times.txt not on a second connection of
    its own: see tests/side.py)."""
    feeds = [big_feed('big-one', 100000), big_feed('big-two', 100000)]
    app = 'archive_jobs_%d' % os.getpid()
    for jobs, most_expected in (('2', 2), ('1', 1)):
        p, err = spawn('-q', '-j', jobs, '--split-min-size=%d' % (1 << 62), *feeds,
                       env={'PGAPPNAME': app})
        most = 0
        while p.poll() is None:
            most = max(most, sessions(app))
            time.sleep(0.02)
        code, text = finish(p, err)
        check(code == 0, '-j %s: exit %d: %s' % (jobs, code, text))
        check(most == most_expected, '-j %s: at most %d sessions at once, %d expected'
              % (jobs, most, most_expected))
    check(stop_times_of('big_one') == 100000 and stop_times_of('big_two') == 100000,
          'stop_times not all loaded')

@test()
def workers_keep_their_connection():
    """-j 1 over four feeds: one session loads them all (plus the parent's
    first, that checks the server); -j 2: two."""
    feeds = [feed_dir('keep-%d' % i, with_stop('K%d' % i)) for i in range(4)]
    for jobs in (1, 2):
        app = 'archive_keep_%d_%d' % (os.getpid(), jobs)
        p, err = spawn('-q', '-j', jobs, *feeds, env={'PGAPPNAME': app})
        pids = set()
        while p.poll() is None:
            pids.update(query("SELECT pid FROM pg_stat_activity WHERE application_name = %s"
                              " AND backend_type = 'client backend'" % ql(app)))
            time.sleep(0.01)
        code, text = finish(p, err)
        check(code == 0, '-j %d: exit %d: %s' % (jobs, code, text))
        check(len(pids) <= jobs + 1, '-j %d: %d sessions for 4 feeds: %r'
              % (jobs, len(pids), sorted(pids)))
    check(all(stops_of('keep_%d' % i) == sample_stops() + 1 for i in range(4)),
          'a feed not loaded')

@test()
def biggest_feed_starts_first():
    """-j 1 over a small feed then a big one: the big one is loaded
    first (as pg_restore -j does), the summary keeps the order given."""
    feeds = [feed_dir('order-small'), big_feed('order-big', 50000)]
    r = run('-j', '1', *feeds)
    check(r.returncode == 0, describe(r))
    check([g[0] for g in summary(r.stderr)] == ['order_small', 'order_big'],
          'summary order: %s' % r.stderr)
    first = value("SELECT feed_id FROM gtfs2pgsql.feeds WHERE feed_id IN"
                  " ('order_big', 'order_small') ORDER BY imported_at LIMIT 1")
    check(first == 'order_big', 'loaded first: %s' % first)

@test()
def sigint_reaches_the_feeds_under_way():
    """SIGINT to the parent alone with -j 2: both feeds under way roll
    back, the third never starts, exit 130, no session left."""
    feeds = [big_feed('sig-one'), big_feed('sig-two'), feed_dir('sig-three')]
    sample = feed_dir('sig-sample')
    for f in ('sig_one', 'sig_two', 'sig_three'):
        r = run('-q', '--feed-id', f, sample)
        check(r.returncode == 0, describe(r))
    before = registry()
    counts = {f: stop_times_of(f) for f in ('sig_one', 'sig_two', 'sig_three')}
    app = 'archive_sig_%d' % os.getpid()
    p, err = spawn('-j', '2', *feeds, env={'PGAPPNAME': app})
    check(wait_sessions(app, 2) == 2, 'the two loads never ran at once')
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    code, text = finish(p, err)
    check(code == 130, 'exit %d, 130 expected: %s' % (code, text))
    for f in ('sig_one', 'sig_two'):
        check(re.search(r'^gtfs2pgsql: %s: canceled; the database is unchanged$' % f,
                        text, re.M), 'no cancel line for %s: %s' % (f, text))
    check([g[2] for g in summary(text)] == ['exit 130', 'exit 130', 'not run'],
          'summary: %s' % text)
    check(re.search(r'^3 feeds: 0 loaded, 0 skipped, 0 failed, 2 canceled, 1 not run$',
                    text, re.M), 'count line: %s' % text)
    left = 1
    for _ in range(40):
        left = sessions(app, loading=False)
        if left == 0:
            break
        time.sleep(0.05)
    check(left == 0, 'a server session outlived the program by 2 s')
    check(registry() == before, 'the registry changed')
    check({f: stop_times_of(f) for f in counts} == counts, 'a feed changed')

@test()
def killed_feed_stops_no_other():
    """One child killed with -9 in the middle of its load: its feed
    unchanged and "exit 137", the other loaded, the status 137."""
    feeds = [big_feed('kill-one', 100000), big_feed('kill-two', 100000)]
    app = 'archive_kill_%d' % os.getpid()
    p, err = spawn('-j', '2', *feeds, env={'PGAPPNAME': app})
    check(wait_sessions(app, 2) == 2, 'the two loads never ran at once')
    with open('/proc/%d/task/%d/children' % (p.pid, p.pid)) as f:
        children = [int(c) for c in f.read().split()]
    check(len(children) == 2, 'children: %r' % children)
    os.kill(children[0], signal.SIGKILL)
    code, text = finish(p, err)
    check(code == 137, 'exit %d, 137 expected: %s' % (code, text))
    got = {g[0]: g[2] for g in summary(text)}
    check(sorted(got.values()) == ['exit 137', 'loaded'], 'summary: %s' % text)
    reg = registry()
    for feed_id, status in got.items():
        check((feed_id in reg) == (status == 'loaded'), 'registry %r, summary %s' % (reg, text))

@test()
def sigint_after_commit_counts_loaded():
    """SIGINT to the parent with -j 2 once a feed is committed, during its
    clean-up of gtfs2pgsql_dropped (held up as in hostile.py): the feed is
    loaded, the other skipped as unchanged, exit 0, no "canceled"."""
    late, same = feed_dir('jlate'), feed_dir('jsame')
    for args in (('-s', 'jlate', '--feed-id', 'jlate_old', late), ('-s', 'jsame', same)):
        r = run('-q', *args)
        check(r.returncode == 0, describe(r))
    code, text = h.sigint_at_clean_up('archive_late_%d' % os.getpid(),
                                      lambda: registry().get('jlate', ('',))[0] == 'jlate',
                                      '-j', '2', '--skip-unchanged', late, same)
    check(code == 0, 'exit %d, 0 expected: %s' % (code, text))
    check('canceled' not in text and 'unchanged,' not in text, 'stderr: %s' % text)
    check(re.search(r'^gtfs2pgsql: jlate: warning: SIGINT came after the commit: '
                    r'the feed is loaded$', text, re.M), 'no warning: %s' % text)
    check([g[2] for g in summary(text)] == ['loaded', 'skipped'], 'summary: %s' % text)
    check(re.search(r'^2 feeds: 1 loaded, 1 skipped, 0 failed$', text, re.M),
          'count line: %s' % text)
    check(registry().get('jlate', ('',))[0] == 'jlate', 'the feed is not there')

def process_alive(pid):
    """Whether pid runs (a zombie, whose parent is gone, does not)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False

@test()
def killed_parent_takes_its_workers():
    """kill -9 of the parent with -j 2 while both workers wait at their swap
    (for a reader of their feeds): the workers die with it, and no feed is
    committed once the reader has gone."""
    names = ('orphan_one', 'orphan_two', 'orphan_three')
    feeds = [feed_dir(n) for n in names]
    for n, f in zip(names, feeds):
        r = run('-q', '-s', n, f)
        check(r.returncode == 0, describe(r))
    before = registry()
    reader = h.Reader('archive_reader_%d' % os.getpid())
    reader.send('BEGIN; %s' % ' '.join('SELECT count(*) FROM %s.stops;' % n for n in names))
    reader.wait_state('idle in transaction')
    app = 'archive_orphan_%d' % os.getpid()
    left, p = [], None
    try:
        p, err = spawn('-j', '2', *feeds, env={'PGAPPNAME': app})
        waiting = set()
        for _ in range(1200):
            err.seek(0)
            waiting = set(re.findall(r'^gtfs2pgsql: (orphan_\w+): .*waiting for',
                                     err.read(), re.M))
            if len(waiting) == 2:
                break
            time.sleep(0.05)
        check(len(waiting) == 2, 'the two workers never waited at the swap')
        with open('/proc/%d/task/%d/children' % (p.pid, p.pid)) as f:
            children = [int(c) for c in f.read().split()]
        check(len(children) == 2, 'children: %r' % children)
        p.kill()
        p.wait()
        for _ in range(100):
            left = [c for c in children if process_alive(c)]
            if not left:
                break
            time.sleep(0.05)
    finally:
        if p and p.poll() is None:
            p.kill()
        reader.send('COMMIT;')
        reader.close()
    # what a worker left would do now, with nobody to report
    time.sleep(3)
    after = registry()
    for c in left:
        if process_alive(c):
            os.kill(c, signal.SIGKILL)
    check(after == before, 'feeds committed after the kill: %r' %
          {k: v for k, v in after.items() if before.get(k) != v})
    check(not left, 'workers outlived their parent: %r' % left)
    check(sessions(app, loading=False) == 0, 'a session of the workers is left')

if __name__ == '__main__':
    it.main()
