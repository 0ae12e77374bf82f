#!/usr/bin/python3
"""
A big stop_times.txt on a second connection (issue 14, item 1): the same
tables, notices, report and exit status as a load on one connection; kill -9
of either process at each phase, Ctrl-C, and what the next run cleans up.

    tests/with-postgres tests/side.py [NAME-SUBSTRING]

--split-min-size=0 makes any feed split.  Uses the harness of
tests/integration.py (its database gtfs2pgsql_test_<pid>, its psql helpers,
its "N passed, N failed, N skipped" line); only the tests registered here
run.  Standard library only.
"""
import json, os, re, shutil, signal, subprocess, sys, time

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel
describe = it.describe

SAMPLE = os.path.join(it.FIXTURES, 'sample')
EDGE = os.path.join(it.FIXTURES, 'edge')
TMP = it.TMP
SPLIT = '--split-min-size=0'
NEVER = '--split-min-size=%d' % (1 << 62)
SPLIT_STEP = 'wait for the second connection'

# ---------------------------------------------------------------- helpers

run, read_text, make_feed = g.run, g.read_text, g.make_feed

def side_schemas():
    return [r[0] for r in query("SELECT nspname FROM pg_namespace"
                                " WHERE nspname LIKE 'gtfs2pgsql\\_side\\_%'")]

def staging_schemas():
    return [r[0] for r in query("SELECT nspname FROM pg_namespace"
                                " WHERE nspname LIKE 'gtfs2pgsql\\_load\\_%'")]

def columns(schema, table):
    """The columns of a table but feed_id, as text to compare."""
    return ', '.join(
        r[0] for r in query(
            "SELECT CASE WHEN format_type(atttypid, NULL) LIKE 'geometry%%'"
            " THEN 'public.ST_AsEWKT(' || quote_ident(attname) || ')'"
            " ELSE quote_ident(attname) || '::text' END FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
            " AND attname <> 'feed_id' ORDER BY attnum" % ql(rel(schema, table))))

def tables(schema):
    return sorted(r[0] for r in query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')" % ql(schema)))

def differences(a, b):
    """The tables of schemas a and b whose rows differ (feed_id aside)."""
    out = []
    ta, tb = tables(a), tables(b)
    if ta != tb:
        out.append('tables %s and %s' % (ta, tb))
    for t in ta:
        if t not in tb:
            continue
        cols = columns(a, t)
        n = value('SELECT (SELECT count(*) FROM (SELECT %s FROM %s EXCEPT ALL SELECT %s FROM %s) x)'
                  ' + (SELECT count(*) FROM (SELECT %s FROM %s EXCEPT ALL SELECT %s FROM %s) y)'
                  % (cols, rel(a, t), cols, rel(b, t), cols, rel(b, t), cols, rel(a, t)))
        if n != '0':
            out.append('%s: %s rows differ' % (t, n))
    return out

def indexes(schema):
    """The indexes of the feed's partitions, by table, without names."""
    return sorted(re.sub(r'INDEX \S+ ON \S+\.', 'INDEX ON ', r[0]).replace(schema, 'S')
                  for r in query(
        "SELECT i.indexdef FROM pg_indexes i WHERE i.schemaname IN (SELECT"
        " n.nspname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class p ON"
        " p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace"
        " WHERE pn.nspname = %s)" % ql(schema)))

def load_report(feed, schema, *args):
    """Loads feed into schema; (completed process, report or None)."""
    path = os.path.join(TMP, 'report-%s.json' % schema)
    if os.path.exists(path):
        os.remove(path)
    r = run('-s', schema, '--report', path, *args, feed)
    rep = None
    if os.path.exists(path):
        with open(path) as f:
            rep = json.load(f)
    return r, rep

def comparable(rep):
    """What a report says of the feed, not of the run."""
    return ([(f['file'], f['rows'], f.get('set_aside'), f['bytes']) for f in rep['files']],
            rep['notice_counts'], rep['total']['rows'],
            sorted(json.dumps(n, sort_keys=True) for n in rep['notices']))

def check_same(feed, name):
    """feed loaded on one connection and split: the same."""
    one, split = name + '_one', name + '_split'
    r1, rep1 = load_report(feed, one, NEVER)
    r2, rep2 = load_report(feed, split, SPLIT)
    check(r1.returncode == r2.returncode,
          'exit %d on one connection, %d split: %s' % (r1.returncode, r2.returncode,
                                                       describe(r2)))
    check(r2.returncode == 0, describe(r2))
    steps1 = [s['step'] for s in rep1['steps']]
    steps2 = [s['step'] for s in rep2['steps']]
    check(SPLIT_STEP not in steps1, 'split without being asked: %s' % steps1)
    check(SPLIT_STEP in steps2, 'not split: %s' % steps2)
    # split, stop_times is analyzed on its own, the others in "analyze"
    check(sorted(set(steps1)) == sorted(set(steps2) - {SPLIT_STEP,
                                                       "second connection's tables",
                                                       'stop_times analyze'}),
          'steps: %s and %s' % (steps1, steps2))
    it.check_steps(rep2, [SPLIT_STEP, 'notice summary', 'swap', 'commit'])
    concurrent = [s['step'] for s in rep2['steps'] if s.get('concurrent')]
    check(concurrent and all(s.startswith('stop_times') for s in concurrent),
          'steps of the second connection: %s' % concurrent)
    check(comparable(rep1) == comparable(rep2),
          'reports differ:\n  %r\n  %r' % (comparable(rep1), comparable(rep2)))
    problems = differences(one, split)
    check(not problems, 'one connection and split differ: %s' % '; '.join(problems))
    check(indexes(one) == indexes(split), 'indexes: %s and %s' % (indexes(one), indexes(split)))
    e1 = [l for l in r1.stderr.splitlines() if 'notices' in l or l.startswith('  ')]
    e2 = [l for l in r2.stderr.splitlines() if 'notices' in l or l.startswith('  ')]
    check([l.replace(one, 'S') for l in e1] == [l.replace(split, 'S') for l in e2],
          'notices on stderr:\n%s\n---\n%s' % ('\n'.join(e1), '\n'.join(e2)))
    reg = query("SELECT feed_id, errors, warnings, infos FROM gtfs2pgsql.feeds"
                " WHERE feed_id IN (%s, %s) ORDER BY feed_id = %s" % (ql(one), ql(split), ql(one)))
    check(len(reg) == 2 and reg[0][1:] == reg[1][1:], 'registry counts: %r' % reg)
    check(not side_schemas(), 'side schemas left: %s' % side_schemas())
    return rep2

# ------------------------------------------------ 1. the same as one connection

@test()
def split_sample_same():
    check_same(SAMPLE, 'sample')

@test()
def split_edge_same():
    check_same(EDGE, 'edge')

def defective_stop_times():
    """The sample's stop_times with defects of every kind the load and the
    checks find."""
    text = read_text(SAMPLE, 'stop_times.txt')
    lines = text.rstrip('\n').split('\n')
    header = lines[0].split(',')
    first = lines[1].split(',')
    def row(**kw):
        r = list(first)
        for k, v in kw.items():
            r[header.index(k)] = v
        return ','.join(r)
    extra = [
        lines[1],                                   # duplicate key
        lines[2],                                   # another
        row(trip_id='NO-SUCH-TRIP', stop_sequence='901'),   # reference
        row(stop_id='NO-SUCH-STOP', stop_sequence='902'),   # reference
        row(arrival_time='25:6o:00', stop_sequence='903'),  # bad time
        row(stop_sequence='x'),                     # a key not of its type
        row(trip_id='', stop_sequence='904'),       # empty key field
        row(stop_sequence='905') + ',,surplus',     # too long
        row(stop_sequence='906').replace(',', ',"a"b,', 1),  # stray quote
        row(pickup_type='7', stop_sequence='907') if 'pickup_type' in header
        else row(stop_sequence='907'),
        row(stop_sequence='908', arrival_time=''),  # fine
    ]
    return '\n'.join(lines + extra) + '\n'

@test()
def split_defective_stop_times_same():
    feed = make_feed('defective', {'stop_times.txt': defective_stop_times()})
    rep = check_same(feed, 'defect')
    codes = {n['code'] for n in rep['notices'] if n['file'] == 'stop_times.txt'}
    for code in ('duplicate_key', 'foreign_key_violation', 'invalid_time',
                 'invalid_integer', 'missing_required_field', 'invalid_row_length',
                 'csv_parsing_failed'):
        check(code in codes, 'no %s notice on stop_times.txt: %s' % (code, sorted(codes)))
    st = [f for f in rep['files'] if f['file'] == 'stop_times.txt'][0]
    check(st['set_aside'] >= 5, 'stop_times set aside: %r' % st)

@test()
def split_zip_same():
    """A zip feed (read again by the second process, not by its path)."""
    path = os.path.join(TMP, 'defective.zip')
    feed = make_feed('defective_zip', {'stop_times.txt': defective_stop_times()})
    subprocess.run(['zip', '-qjr', path, feed], check=True)
    check_same(path, 'zipped')

@test()
def split_damaged_member_skipped_alike():
    """A stop_times.txt whose compressed data is damaged, read by the second
    process: skipped as on one connection (its table empty, an
    unreadable_file notice naming it), the rest of the feed loaded, exit 0,
    nothing left."""
    import zipfile
    path = os.path.join(TMP, 'damaged.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(SAMPLE)):
            z.write(os.path.join(SAMPLE, n), n)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo('stop_times.txt')
    data = bytearray(open(path, 'rb').read())
    h = data[info.header_offset:info.header_offset + 30]
    off = info.header_offset + 30 + int.from_bytes(h[26:28], 'little') + \
        int.from_bytes(h[28:30], 'little')
    for k in range(off + info.compress_size // 2, off + info.compress_size // 2 + 8):
        data[k] ^= 0x55
    with open(path, 'wb') as f:
        f.write(bytes(data))
    seen = []
    for arg in (NEVER, SPLIT):
        schema = 'damaged_' + arg.split('=')[1][:4]
        r = run('-q', '-s', schema, arg, path)
        check(r.returncode == 0, '%s: %s' % (arg, describe(r)))
        check(not side_schemas(), 'side schemas left: %s' % side_schemas())
        check(it.value('SELECT count(*) FROM %s.stop_times' % schema) == '0',
              '%s: rows of the damaged stop_times.txt loaded' % arg)
        seen.append(it.query("SELECT file, code, action FROM %s.import_notices"
                             " WHERE code = 'unreadable_file'" % schema))
    check(seen[0] == seen[1] == [('stop_times.txt', 'unreadable_file', 'file_skipped')],
          'unreadable_file notices on one connection and split: %r' % seen)

@test()
def split_not_with_strict():
    """--strict counts and caps its errors in one process: no split."""
    r, rep = load_report(SAMPLE, 'strict_sample', SPLIT, '--strict')
    check(r.returncode == 0, describe(r))
    check(SPLIT_STEP not in [s['step'] for s in rep['steps']], 'split with --strict')

@test()
def split_copy_and_indexes_on_two_connections():
    """A split stop_times.txt is copied by two backends at once (the rows of
    each committed by its own transaction, about half each), then its key
    and its stop_id index are built one on each connection, and it is
    analyzed there: the first connection's ANALYZE leaves it out."""
    schema = 'big_two'
    r, rep = load_report(big_feed(), schema, SPLIT)
    check(r.returncode == 0, describe(r))
    halves = [int(n) for (n,) in query("SELECT count(*) FROM %s.stop_times GROUP BY xmin::text"
                                    % qi(schema))]
    check(len(halves) == 2 and sum(halves) == 600_000 and min(halves) > 100_000,
          'rows by transaction: %s' % halves)
    concurrent = [s['step'] for s in rep['steps'] if s.get('concurrent')]
    for step in ('stop_times unique index', 'stop_times(stop_id) index',
                 'stop_times analyze'):
        check(step in concurrent, '%s not on the side: %s' % (step, concurrent))
    check(value("SELECT count(*) FROM pg_stats WHERE tablename = 'stop_times' AND"
                " schemaname IN (SELECT n.nspname FROM pg_inherits h JOIN pg_class c"
                " ON c.oid = h.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE h.inhparent = %s::regclass)" % ql(schema + '.stop_times')) != '0',
          'stop_times not analyzed')

@test()
def split_off_never():
    """--split-min-size=off keeps even a big stop_times.txt on one
    connection."""
    r, rep = load_report(big_feed(), 'big_off', '--split-min-size=off')
    check(r.returncode == 0, describe(r))
    check(SPLIT_STEP not in [s['step'] for s in rep['steps']], 'split with off')

@test()
def split_default_size_not_for_small():
    """The default threshold leaves a small feed on one connection."""
    r, rep = load_report(SAMPLE, 'small_default')
    check(r.returncode == 0, describe(r))
    check(SPLIT_STEP not in [s['step'] for s in rep['steps']], 'a small feed split')

@test()
def split_with_jobs_only_when_given():
    """-j 2 keeps both cores busy with two feeds: no second connection
    each, unless --split-min-size is given (then as asked)."""
    one = big_feed()
    two = os.path.join(TMP, 'big_side_two')
    if not os.path.isdir(two):
        shutil.copytree(one, two)
    for args, split in (([], False), ([SPLIT], True)):
        path = os.path.join(TMP, 'report-jobs.json')
        r = run('-q', '-j', '2', '--report', path, *args, one, two)
        check(r.returncode == 0, describe(r))
        with open(path) as f:
            feeds = json.load(f)
        for feed in feeds:
            steps = [s['step'] for s in feed['report']['steps']]
            check((SPLIT_STEP in steps) == split, '%s -j 2: %s split' % (
                ' '.join(args), feed['feed_id'] + (' not' if split else '')))

@test()
def split_min_size_refused_when_bad():
    for bad in ('-1', 'x', '1k', '', 'Off'):
        r = run('--split-min-size=' + bad, SAMPLE)
        check(r.returncode == 1 and 'invalid value' in r.stderr,
              '--split-min-size=%s: %s' % (bad, describe(r)))

# --------------------------------------------------- 2. kill -9 at each phase

def big_feed():
    """The sample with 600,000 stop_times and 300,000 more shape points,
    made once: long enough to be caught at each phase of a split load."""
    return g.big_feed('big_side', 600_000, 300_000)

def shapes_header_ok():
    header = read_text(SAMPLE, 'shapes.txt').split('\n', 1)[0].strip().split(',')
    return header[:4] == ['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence']

def snapshot(schema):
    return (sorted(query("SELECT c.relname, (xpath('/row/c/text()', query_to_xml("
                         "format('SELECT count(*) AS c FROM %%I.%%I', n.nspname, c.relname),"
                         " false, true, '')))[1]::text FROM pg_class c JOIN pg_namespace n"
                         " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN"
                         " ('r', 'p')" % ql(schema))),
            query("SELECT feed_id, sha256, imported_at::text FROM gtfs2pgsql.feeds"
                  " WHERE schema_name = %s" % ql(schema)))

def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []

def side_copy_running():
    return query("SELECT pid FROM pg_stat_activity WHERE datname = %s AND state = 'active'"
                 " AND query ILIKE 'COPY %%gtfs2pgsql\\_side\\_%%'" % ql(it.DB))

def side_committed():
    return bool(side_schemas())

spawn, finish = g.spawn, g.finish

def wait_until(p, cond, seconds=120):
    """Polls cond while p runs; whether it held before p ended."""
    deadline = time.time() + seconds
    while time.time() < deadline and p.poll() is None:
        if cond():
            return True
        time.sleep(0.02)
    return False

def sessions_gone(app):
    for _ in range(100):
        if value("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                 % ql(app)) == '0':
            return True
        time.sleep(0.1)
    return False

def check_after_kill(schema, before, app, leftovers_ok):
    """The old feed intact and no session left; then a clean re-run, after
    which no side schema is left."""
    check(sessions_gone(app), 'sessions of the killed load still there after 10 s')
    problems = [] if snapshot(schema) == before else ['%r\n  now %r' % (before, snapshot(schema))]
    check(not problems, 'schema %s changed by a killed load: %s' % (schema, problems))
    check(not staging_schemas(), 'staging schemas left: %s' % staging_schemas())
    if not leftovers_ok:
        check(not side_schemas(), 'side schemas left at once: %s' % side_schemas())
    # the killed load may have committed the big feed: the sample after
    # it is a wanted shrink (the guard: tests/replace.py)
    r = run('-q', '--force', '-s', schema, SPLIT, SAMPLE)
    check(r.returncode == 0, 're-run: ' + describe(r))
    check(not side_schemas(), 'side schemas left after a re-run: %s' % side_schemas())
    locks = query("SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND"
                  " database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    check(not locks, 'advisory locks still held: %r' % locks)

def proc_state(pid):
    """The state letter of process pid (R, S, T, Z...), None when gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(') ')[1][0]
    except OSError:
        return None

def alive(pid):
    return proc_state(pid) not in (None, 'Z')

def stopped_alive(pid):
    """Stops pid (SIGSTOP) and waits until it is stopped or has ended:
    whether it is stopped, so that a SIGKILL now lands on a running load
    and not on a child that already exited."""
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        return False
    for _ in range(100):
        state = proc_state(pid)
        if state in (None, 'Z', 'T'):
            return state == 'T'
        time.sleep(0.01)
    raise AssertionError('process %d not stopped after 1 s (state %s)' % (pid, state))

def kill_test(name, when, victim, expect, orphan=False):
    """Loads big_feed split into a schema holding the sample; when when()
    holds, kill -9 the victim ('parent' or 'child'); expect: 'failed' (the
    parent exits 3), 'killed' (the parent was: its child must follow it at
    once), or 'by_state' (the child is stopped first: if it had already
    exited, its report stands and the load succeeds; if not, the parent
    sees it killed and fails, exit 3).  orphan: a side schema is left for the next run to drop.
    Then check_after_kill."""
    schema = 'kill_' + name
    r = run('-q', '-s', schema, SAMPLE)
    check(r.returncode == 0, describe(r))
    before = snapshot(schema)
    app = 'side_kill_%d_%s' % (os.getpid(), name)
    p, err = spawn('-s', schema, SPLIT, big_feed(), env={'PGAPPNAME': app})
    try:
        # the child as soon as it is there: after its commit it ends, a
        # zombie until the parent waits for it
        kids = []
        def phase():
            if not kids:
                kids.extend(children(p.pid))
            if not when():
                return False
            if not kids:
                kids.extend(children(p.pid))
            return True
        hit = wait_until(p, phase)
        target, child_alive = None, False
        if hit and victim == 'parent':
            target = p.pid
        elif hit:
            target = kids[0] if kids else None
            child_alive = target is not None and (
                stopped_alive(target) if expect == 'by_state' else alive(target))
            print('# the child was %s when killed' % ('alive' if child_alive else 'gone'))
        if target:
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass            # the child ended, reaped by its parent
        if target and victim == 'parent':
            for _ in range(40):
                if not any(alive(k) for k in kids):
                    break
                time.sleep(0.05)
            check(not any(alive(k) for k in kids),
                  'the child outlived its parent by 2 s: %s' % kids)
    finally:
        if p.poll() is None and victim == 'parent':
            p.kill()
        code, text = finish(p, err)
    check(hit, 'the phase was not reached before the load ended (exit %s): %s'
          % (code, text[-800:]))
    check(target is not None or expect == 'by_state', 'no process to kill')
    if orphan:
        check(side_schemas(), 'no side schema left by the killed load')
    if expect == 'killed':
        check(code == -signal.SIGKILL, 'exit %s: %s' % (code, text[-800:]))
        leftovers_ok = True
    elif expect == 'failed':
        check(code == 3 and 'the database is unchanged' in text,
              'exit %s: %s' % (code, text[-800:]))
        leftovers_ok = False
    elif child_alive:
        check(code == 3 and 'killed by signal 9' in text and
              'the database is unchanged' in text,
              'the child was killed before it ended: exit %s, 3 expected: %s'
              % (code, text[-800:]))
        leftovers_ok = False
    else:
        check(code == 0, 'the child had ended with its report: exit %s, 0 expected: %s'
              % (code, text[-800:]))
        before = snapshot(schema)
        leftovers_ok = False
    check_after_kill(schema, before, app, leftovers_ok)
    return code, text

@test()
def kill_child_during_copy():
    code, text = kill_test('child_copy', side_copy_running, 'child', 'failed')
    check('killed by signal 9' in text, 'stderr: %s' % text)

@test()
def kill_child_after_commit():
    """The child's schema committed, the parent not done with the other
    files: the child, if still running, is killed and the load fails (exit
    3); if it had ended, its report stands and the load succeeds (exit 0);
    nothing is left either way."""
    check(shapes_header_ok(), "fixtures/sample's shapes.txt has other columns than"
          " big_feed writes")
    kill_test('child_commit', side_committed, 'child', 'by_state')

@test()
def kill_parent_during_child_copy():
    kill_test('parent_copy', side_copy_running, 'parent', 'killed')

@test()
def kill_parent_after_child_commit():
    """The side schema committed, the parent then killed: the schema is an
    orphan whose lock is free, which the next run drops."""
    check(shapes_header_ok(), "fixtures/sample's shapes.txt has other columns than"
          " big_feed writes")
    kill_test('parent_commit', side_committed, 'parent', 'killed', orphan=True)

def in_swap():
    return bool(query("SELECT 1 FROM pg_stat_activity WHERE datname = %s AND"
                      " state = 'active' AND query ILIKE '%%ATTACH PARTITION%%'"
                      % ql(it.DB)))

SWAP_ATTEMPTS = 4

@test()
def kill_parent_during_swap():
    """kill -9 while the swap's ATTACH PARTITION runs: the old feed or the
    new one, whole.  The swap is short: a load the poll misses ends whole
    and is tried again, at most SWAP_ATTEMPTS times in all; the test fails
    unless one kill hit the swap."""
    schema = 'kill_swap'
    r = run('-q', '-s', schema, SAMPLE)
    check(r.returncode == 0, describe(r))
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        before = snapshot(schema)
        app = 'side_kill_%d_swap_%d' % (os.getpid(), attempt)
        p, err = spawn('-s', schema, SPLIT, big_feed(), env={'PGAPPNAME': app})
        hit = wait_until(p, in_swap, seconds=300)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        code, text = finish(p, err)
        print('# attempt %d: the kill %s the swap (exit %s)'
              % (attempt, 'hit' if hit else 'missed', code))
        check(sessions_gone(app), 'sessions of the killed load still there after 10 s')
        if hit:
            break
        # missed: the load ended whole (or was killed before it swapped)
        check(code in (0, -signal.SIGKILL), 'exit %s: %s' % (code, text[-800:]))
    check(hit, 'the kill missed the swap %d times' % SWAP_ATTEMPTS)
    now = snapshot(schema)
    loaded = value('SELECT count(*) FROM %s' % rel(schema, 'stop_times'))
    check(now == before or int(loaded) > 500000,
          'neither the old feed nor the new: %r, stop_times %s' % (now, loaded))
    check_after_kill(schema, snapshot(schema), app, True)

@test()
def reader_of_the_side_schema_makes_the_load_wait_visibly():
    """The side schema is committed while stop_times loads, for all to see
    (a superuser's or pg_read_all_data's pg_dump locks its tables): a
    session that holds a lock on its stop_times makes the load wait to take
    it over, naming it, and --wait gives up (exit 3).  Before, the ALTER
    ... SET SCHEMA waited with no lock_timeout: the load hung past --wait,
    naming no one."""
    schema = 'side_reader'
    app = 'side_reader_%d' % os.getpid()
    p, err = spawn('-q', '--wait', '3', '-s', schema, SPLIT, big_feed())
    reader = None
    try:
        check(wait_until(p, side_committed), 'no side schema seen')
        side = side_schemas()[0]
        reader = subprocess.Popen(['psql', '-X', '-q', '-d', it.DB], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  text=True, env=dict(it.PSQL_ENV, PGAPPNAME=app))
        reader.stdin.write('BEGIN; SELECT FROM %s LIMIT 1;\n' % rel(side, 'stop_times'))
        reader.stdin.flush()
        try:
            code, text = finish(p, err, timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            code, text = finish(p, err)
            raise AssertionError('the load hung past --wait 3 behind a reader of %s' % side)
        pid = value("SELECT pid FROM pg_stat_activity WHERE application_name = %s" % ql(app))
        check(code == 3 and 'gave up waiting' in text
              and re.search(r'session %s \(user [^,]+, application %s' % (pid, app), text),
              'exit %s, 3 naming session %s expected: %s' % (code, pid, text[-800:]))
    finally:
        if p.poll() is None:
            p.kill()
        if reader:
            reader.communicate('COMMIT;\n', timeout=60)
    r = run('-q', '-s', schema, SPLIT, SAMPLE)
    check(r.returncode == 0 and not side_schemas(), describe(r))

# ------------------------------------------------------------- 3. Ctrl-C

def check_cancel(sig, code_expected):
    schema = 'cancel_%d' % sig
    r = run('-q', '-s', schema, SAMPLE)
    check(r.returncode == 0, describe(r))
    before = snapshot(schema)
    app = 'side_sig_%d_%d' % (os.getpid(), sig)
    p, err = spawn('-s', schema, SPLIT, big_feed(), env={'PGAPPNAME': app})
    hit = wait_until(p, side_copy_running)
    kids = children(p.pid)
    if hit:
        p.send_signal(sig)
        # the child is told at once, not waited for
        for _ in range(30):
            if not any(alive(k) for k in kids):
                break
            time.sleep(0.05)
    gone = not any(alive(k) for k in kids)
    code, text = finish(p, err)
    check(gone, 'the child outlived the cancel by 1.5 s')
    check(hit, 'no side COPY seen: exit %s: %s' % (code, text[-800:]))
    check(code == code_expected, 'exit %d, %d expected: %s' % (code, code_expected, text))
    check('gtfs2pgsql: canceled; the database is unchanged' in text, 'stderr: %s' % text)
    check(not re.search(r'error:', text), 'errors said on a cancel: %s' % text)
    check(all(l.startswith('gtfs2pgsql: ') for l in text.splitlines()),
          'lines without our prefix: %s' % text)
    check(sessions_gone(app), 'the server sessions outlived the client by 10 s')
    check(snapshot(schema) == before, 'the old feed changed')
    check(not side_schemas(), 'side schemas left: %s' % side_schemas())

@test()
def sigint_during_split_load():
    check_cancel(signal.SIGINT, 130)

@test()
def sigterm_during_split_load():
    check_cancel(signal.SIGTERM, 143)

@test()
def drop_cleans_orphans():
    """--drop drops a side schema whose lock is free, and leaves one whose
    lock is held (a live load's)."""
    it.psql("CREATE SCHEMA gtfs2pgsql_side_999991; CREATE SCHEMA gtfs2pgsql_side_999992;"
            " COMMENT ON SCHEMA gtfs2pgsql_side_999991 IS 'gtfs2pgsql side load';"
            " COMMENT ON SCHEMA gtfs2pgsql_side_999992 IS 'gtfs2pgsql side load';"
            " CREATE TABLE gtfs2pgsql_side_999991.t (a int);")
    holder = subprocess.Popen(['psql', '-X', '-q', '-d', it.DB], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=it.PSQL_ENV)
    holder.stdin.write("SELECT pg_advisory_lock(hashtext('gtfs2pgsql side'), 999992);\n"
                       "SELECT 'locked';\n")
    holder.stdin.flush()
    check(holder.stdout.readline() and True, 'the holder did not lock')
    try:
        for _ in range(100):
            if query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 999992"):
                break
            time.sleep(0.05)
        r = run('--drop', 'no_such_feed')
        check(r.returncode == 1, describe(r))
        left = side_schemas()
        check(left == ['gtfs2pgsql_side_999992'], 'side schemas after --drop: %s' % left)
    finally:
        holder.communicate('\\q\n', timeout=60)
    r = run('--drop', 'no_such_feed')
    check(not side_schemas(), 'side schemas once the lock is free: %s' % side_schemas())

if __name__ == '__main__':
    it.main()
