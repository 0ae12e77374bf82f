"""
What every test file shares: where things are (the repository, the
program, the test database, a temporary folder), running the program, and
making feeds from fixtures/sample.  The test registry, the psql helpers and
main() are tests/integration.py's (imported by each file as "it"); this
module imports nothing of the tests, so any of them, integration.py
included, imports it.

    import gtfstest as g
    d = g.make_feed('no_agency', {'agency.txt': None})
    r = g.run('-s', 'no_agency', d)

Standard library only.
"""
import csv, errno, io, os, re, shutil, subprocess, tempfile, time, zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(REPO, '..', 'shared')
FEEDS = os.path.join(SHARED, 'feeds')
FIXTURES = os.path.join(REPO, 'fixtures')
SAMPLE = os.path.join(FIXTURES, 'sample')
PROG = os.environ.get('GTFS2PGSQL', './gtfs2pgsql')
if os.sep in PROG and not os.path.isabs(PROG):
    PROG = os.path.join(REPO, PROG)
DB = 'gtfs2pgsql_test_%d' % os.getpid()
TIMEOUT = int(os.environ.get('TEST_TIMEOUT', '1200'))
TMP = tempfile.mkdtemp(prefix='gtfs2pgsql_test_')


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def describe(r):
    return 'exit %d, stderr: %s' % (r.returncode, r.stderr.strip()[-1500:] or '(empty)')

# ------------------------------------------------------------ the program

# The day the validator's rules take for today in every load of the tests
# (unless one gives --as-of): the sample's calendar ends 2026-12-31, and a
# test must not change its outcome when that day has passed.
AS_OF = '2026-06-15'
# Whether the loads of a test file run the validator's rules: the files
# that test them (tests/rules.py, tests/rules_hostile.py, the real feeds'
# identities in tests/notices.py) set it; the others test the reading and
# what follows it, whose notices a rule would add to (--no-validate).
VALIDATE = False


def argv(*args, db=None):
    """The program's command line: -d the test database (db: another one;
    False: no -d), --as-of AS_OF, and args."""
    head = [PROG] if db is False else [PROG, '-d', DB if db in (None, True) else db]
    args = [str(a) for a in args]
    # not before --help or --version, which must come first
    if not any(a.startswith('--as-of') or a in ('--help', '-?', '--version', '-V')
               for a in args):
        head.append('--as-of=' + AS_OF)
        if not VALIDATE and '--no-validate' not in args:
            head.append('--no-validate')
    return head + args


def popen(cmd, **kw):
    """subprocess.Popen of the program, retried for a while when it is
    missing or busy (being rebuilt by make)."""
    for attempt in range(20):
        try:
            return subprocess.Popen(cmd, **kw)
        except OSError as e:
            if attempt == 19 or e.errno not in (errno.ENOENT, errno.ETXTBSY, errno.EACCES):
                raise AssertionError('cannot run %s: %s (run make, or set GTFS2PGSQL)'
                                     % (cmd[0], e))
            time.sleep(0.5)


def run(*args, db=None, cwd=None, env=None, timeout=None):
    """Runs the program (see argv) and waits for it: a CompletedProcess
    with text stdout and stderr.  env: variables added to the environment."""
    cmd = argv(*args, db=db)
    timeout = timeout or TIMEOUT
    p = popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
              errors='replace', cwd=cwd, env=dict(os.environ, **(env or {})))
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError('%s timed out after %d s' % (' '.join(cmd), timeout))
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def load_ok(feed, schema, *args):
    """Loads feed into schema quietly; asserts exit 0."""
    r = run('-q', '-s', schema, *args, feed)
    check(r.returncode == 0, 'loading %s into %s: %s' % (feed, schema, describe(r)))
    return r


def spawn(*args, env=None, db=None):
    """The program (see argv) in the background, its stderr to a file:
    (Popen, the file)."""
    err = open(os.path.join(TMP, 'spawn-%f.err' % time.time()), 'w+')
    p = popen(argv(*args, db=db), stdout=subprocess.DEVNULL, stderr=err, text=True,
              env=dict(os.environ, **(env or {})))
    return p, err


def finish(p, err, timeout=300):
    """Waits for a spawned program: (exit code, stderr)."""
    p.wait(timeout)
    err.seek(0)
    return p.returncode, err.read()


def error_lines(stderr, feed):
    """The data error lines of stderr about feed (its base name): (file,
    line or None, column or None, message)."""
    out = []
    pat = re.compile(r'^gtfs2pgsql: %s:([^:\s]+):(?:(\d+):)?(?:(\d+):)? error: (.*)$'
                     % re.escape(feed))
    for l in stderr.splitlines():
        m = pat.match(l)
        if m:
            out.append((m.group(1), m.group(2) and int(m.group(2)),
                        m.group(3) and int(m.group(3)), m.group(4)))
    return out

# ----------------------------------------------------------------- feeds

def read_text(feed, name):
    """A directory feed's file, as text, line ends kept."""
    with open(os.path.join(feed, name), encoding='utf-8', newline='') as f:
        return f.read()


def write_file(path, data):
    """Writes bytes, or text as UTF-8 (lone surrogates back to their bytes)."""
    with open(path, 'wb') as f:
        f.write(data if isinstance(data, bytes)
                else data.encode('utf-8', errors='surrogateescape'))


def make_feed(name, changes=None, src=SAMPLE):
    """TMP/name: a copy of the directory feed src with changes applied
    ({file: text or bytes, or None to remove it})."""
    d = os.path.join(TMP, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for n in os.listdir(src):
        if os.path.isfile(os.path.join(src, n)):
            shutil.copy(os.path.join(src, n), d)
    for n, data in (changes or {}).items():
        if data is None:
            os.remove(os.path.join(d, n))
        else:
            write_file(os.path.join(d, n), data)
    return d


def zip_feed(d, path=None, names=None, method=zipfile.ZIP_DEFLATED):
    """A zip of the files of directory d (TMP/<d's name>.zip unless path);
    names maps a file to the member name to use."""
    path = path or os.path.join(TMP, os.path.basename(d.rstrip('/')) + '.zip')
    with zipfile.ZipFile(path, 'w', method) as z:
        for n in sorted(os.listdir(d)):
            if os.path.isfile(os.path.join(d, n)):
                z.write(os.path.join(d, n), (names or {}).get(n, n))
    return path


def big_feed(name, stop_times, shape_points=0):
    """TMP/name, made once: the sample with stop_times stop_times
    (spread over its trips, every stop in turn) and shape_points more
    shape points: a load long enough to be caught under way."""
    d = os.path.join(TMP, name)
    if os.path.isdir(d):
        return d
    make_feed(name)
    stops = [r['stop_id'] for r in csv.DictReader(io.StringIO(read_text(SAMPLE, 'stops.txt')))]
    trips = [r['trip_id'] for r in csv.DictReader(io.StringIO(read_text(SAMPLE, 'trips.txt')))]
    per_trip = stop_times // len(trips) + 1
    with open(os.path.join(d, 'stop_times.txt'), 'w', newline='') as f:
        f.write('trip_id,arrival_time,departure_time,stop_id,stop_sequence\n')
        for k in range(stop_times):
            t, seq = trips[k // per_trip], k % per_trip
            h, m = divmod(seq // 60, 60)
            f.write('%s,%d:%02d:%02d,%d:%02d:%02d,%s,%d\n'
                    % (t, 5 + h, m, seq % 60, 5 + h, m, seq % 60,
                       stops[seq % len(stops)], seq))
    if shape_points:
        with open(os.path.join(d, 'shapes.txt'), 'a', newline='') as f:
            for k in range(shape_points):
                f.write('BIG%d,45.%06d,-73.%06d,%d\n' % (k // 1000, k % 1000000,
                                                          (k * 7) % 1000000, k % 1000))
    return d

# ------------------------------------------------------------- CSV text

def csv_line(row):
    """row as one CSV record, without a line end: a field with a line
    break quoted (csv quotes the characters of its lineterminator)."""
    out = io.StringIO()
    csv.writer(out, lineterminator='\r\n').writerow(row)
    return out.getvalue()[:-2]


def line_of(text, prefix):
    """1-based number of the first physical line starting with prefix."""
    for i, l in enumerate(text.split('\n')):
        if l.startswith(prefix):
            return i + 1
    raise AssertionError('no line starts with %r' % prefix)


def set_field(text, prefix, field, val):
    """text with field of the (one-line) record starting with prefix set to
    val; returns (text, line, 1-based column)."""
    lines = text.split('\n')
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    n = line_of(text, prefix)
    row = next(csv.reader([lines[n - 1]]))
    col = header.index(field)
    row[col] = val
    lines[n - 1] = csv_line(row)
    return '\n'.join(lines), n, col + 1


def rows_of(feed, name):
    """(header, rows) of a directory feed's file."""
    with open(os.path.join(feed, name), encoding='utf-8-sig', newline='') as f:
        rows = [r for r in csv.reader(f) if r]
    return [h.strip() for h in rows[0]], rows[1:]


def dicts_of(feed, name):
    header, rows = rows_of(feed, name)
    return [dict(zip(header, r)) for r in rows]
