#!/usr/bin/python3
"""
Integration tests of gtfs2pgsql against a real PostgreSQL server.

    tests/with-postgres tests/integration.py [NAME-SUBSTRING]

The server comes from the PG* environment (tests/with-postgres provides one).
Each run creates the database gtfs2pgsql_test_<pid>, loads feeds into it with
the program and drops it at the end unless KEEP_TEST_DB is set.  Standard
library only: the database is reached through psql.

Environment:
  GTFS2PGSQL             program under test (default ./gtfs2pgsql, relative
                         to the repository root)
  KEEP_TEST_DB           keep the test database
  TEST_TIMEOUT           seconds allowed per program run (default 1200)
  VALUE_CHECK_MAX_BYTES  real-feed members larger than this get their row
                         counts checked but not their values (default 32 MB)
"""
import collections, csv, io, json, os, re, shutil, subprocess, sys
import tempfile, traceback, zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(REPO, '..', 'shared')
FEEDS = os.path.join(SHARED, 'feeds')
REFERENCE = os.path.join(SHARED, 'gtfs-reference.tsv')
FIXTURES = os.path.join(REPO, 'fixtures')
PROG = os.environ.get('GTFS2PGSQL', './gtfs2pgsql')
if os.sep in PROG and not os.path.isabs(PROG):
    PROG = os.path.join(REPO, PROG)
DB = 'gtfs2pgsql_test_%d' % os.getpid()
TIMEOUT = int(os.environ.get('TEST_TIMEOUT', '1200'))
VALUE_CHECK_MAX_BYTES = int(os.environ.get('VALUE_CHECK_MAX_BYTES', 32_000_000))
TMP = tempfile.mkdtemp(prefix='gtfs2pgsql_test_')
LOADED = {}                     # real feed stem -> schema it was loaded into

# ---------------------------------------------------------------- harness

TESTS = []                      # (name, function, needs_db), in run order

class Skip(Exception):
    pass

def test(db=True):
    def register(fn):
        TESTS.append((fn.__name__, fn, db))
        return fn
    return register

def check(cond, msg):
    if not cond:
        raise AssertionError(msg)

def gather(problems, fn, *args):
    """Runs fn(*args), adding its AssertionError to problems; returns its value."""
    try:
        return fn(*args)
    except AssertionError as e:
        problems.append(str(e))

# ------------------------------------------------------------- database

PSQL_ENV = dict(os.environ, PGCLIENTENCODING='UTF8', PGOPTIONS=(
    os.environ.get('PGOPTIONS', '') + ' -c intervalstyle=postgres'
    ' -c datestyle=ISO -c extra_float_digits=1'
    ' -c client_min_messages=warning').strip())

def psql(script, db=DB):
    """Runs an SQL script through psql, stopping at the first error (raised
    as AssertionError); returns stdout.  db=None: the environment's default."""
    cmd = ['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-']
    if db:
        cmd += ['-d', db]
    p = subprocess.run(cmd, input=script.encode(), capture_output=True,
                       env=PSQL_ENV)
    if p.returncode:
        raise AssertionError('%s\n  in: %s' % (
            p.stderr.decode(errors='replace').strip(), script[-400:].strip()))
    return p.stdout.decode()

COPY_UNESCAPE = {'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}

def copy_decode(field):
    if field == r'\N':
        return None
    return re.sub(r'\\(.)', lambda m: COPY_UNESCAPE.get(m.group(1), m.group(1)),
                  field)

def copy_escape(v):
    if v is None:
        return r'\N'
    return (v.replace('\\', '\\\\').replace('\t', '\\t')
            .replace('\n', '\\n').replace('\r', '\\r'))

def query(sql, prelude=''):
    """Rows of a SELECT as tuples of str (None for NULL).  Read through COPY
    text format, so values come back exactly, newlines and all."""
    out = psql(prelude + 'COPY (%s) TO STDOUT;\n' % sql)
    return [tuple(copy_decode(f) for f in line.split('\t'))
            for line in out.split('\n')[:-1]]

def value(sql):
    return query(sql)[0][0]

def qi(name):
    return '"' + name.replace('"', '""') + '"'

def ql(s):
    return 'NULL' if s is None else "'" + s.replace("'", "''") + "'"

def rel(schema, table):
    return qi(schema) + '.' + qi(table)

def table_types(schema, table):
    """{column: SQL type} of schema.table, {} when there is no such table."""
    return dict(query(
        'SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute'
        ' WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped'
        % ql(rel(schema, table))))

def tables_of(schema):
    return {r[0] for r in query(
        'SELECT table_name FROM information_schema.tables'
        ' WHERE table_schema = %s' % ql(schema))}

def is_text(sqltype):
    return sqltype == 'text' or sqltype.startswith('character varying')

# ------------------------------------------------------------ program

def run(*args, db=True):
    """Runs the program (with -d the test database unless db=False)."""
    cmd = [PROG] + (['-d', DB] if db else []) + [str(a) for a in args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              errors='replace', timeout=TIMEOUT)
    except FileNotFoundError:
        raise AssertionError('program not found: %s (run make, or set '
                             'GTFS2PGSQL)' % PROG)
    except subprocess.TimeoutExpired:
        raise AssertionError('%s timed out after %d s' % (' '.join(cmd), TIMEOUT))
    except OSError as e:
        raise AssertionError('cannot run %s: %s' % (PROG, e))

def describe(r):
    return 'exit %d, stderr: %s' % (r.returncode, r.stderr.strip()[-1500:] or '(empty)')

def load(feed, schema):
    """Loads feed into schema quietly, asserting exit 0; returns the report
    file's text ('' if the program wrote none)."""
    report = os.path.join(TMP, 'report-%s.json' % schema)
    if os.path.exists(report):
        os.remove(report)
    r = run('-q', '-s', schema, '--report', report, feed)
    check(r.returncode == 0, 'loading %s into %s: %s' % (feed, schema, describe(r)))
    if not os.path.exists(report):
        return ''
    with open(report, encoding='utf-8') as f:
        return f.read()

def parse_report(text):
    try:
        report = json.loads(text)
    except ValueError as e:
        raise AssertionError('report is not JSON (%s): %r' % (e, text[:200]))
    check(isinstance(report, dict) and isinstance(report.get('files'), list)
          and isinstance(report.get('total'), dict),
          'report lacks "files" or "total": %r' % text[:300])
    return report

# -------------------------------------------------------------- feeds

Member = collections.namedtuple('Member', 'name open size')

def feed_members(feed):
    """{basename: Member} of the .txt files of a zip or directory feed."""
    if os.path.isdir(feed):
        paths = [os.path.join(feed, n) for n in sorted(os.listdir(feed))]
        return {os.path.basename(p): Member(os.path.basename(p),
                                            (lambda p=p: open(p, 'rb')),
                                            os.path.getsize(p))
                for p in paths if p.endswith('.txt') and os.path.isfile(p)}
    z = zipfile.ZipFile(feed)
    members = {}
    for info in z.infolist():
        parts = info.filename.split('/')
        if info.is_dir() or '__MACOSX' in parts or not parts[-1].endswith('.txt'):
            continue
        members[parts[-1]] = Member(parts[-1], (lambda i=info: z.open(i)),
                                    info.file_size)
    return members

def records(member):
    """The CSV records of a member, header first, as the loader must read
    them: UTF-8 with optional BOM, any line ending, blank lines skipped."""
    with member.open() as f:
        for row in csv.reader(io.TextIOWrapper(f, encoding='utf-8-sig', newline='')):
            if row:
                yield row

def count_records(member):
    return max(sum(1 for _ in records(member)) - 1, 0)

def dict_records(member):
    rows = records(member)
    header = [h.strip() for h in next(rows)]
    for row in rows:
        yield dict(zip(header, row))

def first_record(member, pred):
    for r in dict_records(member):
        if pred(r):
            return r
    raise AssertionError('%s: no record matches' % member.name)

def table_of(name):
    return name[:-4].lower()

def schema_for(stem):
    return 'f_' + re.sub(r'[^a-z0-9_]', '_', stem.lower())

def write_feed(name, files):
    d = os.path.join(TMP, name)
    os.makedirs(d, exist_ok=True)
    for fname, text in files.items():
        with open(os.path.join(d, fname), 'w', encoding='utf-8', newline='') as f:
            f.write(text)
    return d

def zip_dir(d):
    """A zip, in TMP, of every regular file of directory d."""
    path = os.path.join(TMP, os.path.basename(d.rstrip('/')) + '.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(d)):
            if os.path.isfile(os.path.join(d, n)):
                z.write(os.path.join(d, n), n)
    return path

def reference():
    """{file: {field: row}} from gtfs-reference.tsv; Skip if absent."""
    if not os.path.isfile(REFERENCE):
        raise Skip('%s absent' % REFERENCE)
    with open(REFERENCE, encoding='utf-8', newline='') as f:
        ref = collections.defaultdict(dict)
        for row in csv.DictReader(f, delimiter='\t'):
            ref[row['file']][row['field']] = row
    return ref

# A tiny feed of our own, for tests that must not depend on fixtures/.
MINI = {
    'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\n'
                  'A,Mini Transit,https://mini.example/,America/Toronto\n',
    'stops.txt': 'stop_id,stop_code,stop_name,stop_lat,stop_lon\n'
                 'S1,,First,45.5,-73.5\nS2,2,Second,45.6,-73.6\n',
    'routes.txt': 'route_id,agency_id,route_short_name,route_type\nR1,A,1,3\n',
    'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,friday,'
                    'saturday,sunday,start_date,end_date\n'
                    'WK,1,1,1,1,1,0,0,20260101,20261231\n',
    'trips.txt': 'route_id,service_id,trip_id\nR1,WK,T1\n',
    'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n'
                      'T1,5:30:00,5:30:00,S1,1\nT1,25:10:00,25:10:00,S2,2\n',
}

def mini_feed():
    return write_feed('mini', MINI)

def need_mini_schema():
    if 'mini' not in LOADED:
        load(mini_feed(), 'mini')
        LOADED['mini'] = 'mini'
    return 'mini'

def need_feed(stem):
    """(path, schema) of a real feed, loading it unless a feed test did."""
    path = os.path.join(FEEDS, stem + '.zip')
    if not os.path.isfile(path):
        raise Skip('%s absent' % path)
    if stem not in LOADED:
        load(path, schema_for(stem))
        LOADED[stem] = schema_for(stem)
    return path, LOADED[stem]

def need_fixture(name):
    d = os.path.join(FIXTURES, name)
    if not os.path.isdir(d):
        raise Skip('%s absent' % d)
    return d

# ---------------------------------------------------------- comparisons

def check_counts(schema, counts):
    """Asserts that count(*) of each file's table equals counts[file]."""
    if not counts:
        return
    missing = sorted(n for n in counts if table_of(n) not in tables_of(schema))
    check(not missing, 'no table in %s for: %s' % (schema, ', '.join(missing)))
    got = dict(query(' UNION ALL '.join(
        'SELECT %s, count(*) FROM %s' % (ql(n), rel(schema, table_of(n)))
        for n in sorted(counts))))
    bad = ['%s: file %d, table %s' % (n, counts[n], got[n])
           for n in sorted(counts) if int(got[n]) != counts[n]]
    check(not bad, 'row counts differ in %s: %s' % (schema, '; '.join(bad)))

def check_report(report_text, counts):
    """Asserts that the report lists every file with its row count."""
    report = parse_report(report_text)
    files = {os.path.basename(str(f.get('file'))): f for f in report['files']}
    missing = sorted(n for n in counts if n not in files)
    check(not missing, 'report lacks files: %s' % ', '.join(missing))
    bad = ['%s: file %d, report %s' % (n, counts[n], files[n].get('rows'))
           for n in sorted(counts) if files[n].get('rows') != counts[n]]
    check(not bad, 'report rows differ: %s' % '; '.join(bad))

def compare_table_columns(schema, member, text_only=False):
    """Compares the values of a feed file with its table, column by column as
    multisets (a load need not keep row order), then as whole rows.

    File values are normalised as the contract says the loader stores them:
    '' becomes NULL, and spaces and tabs are stripped because libcsv trims
    them around unquoted fields.  Python's csv cannot tell quoted fields from
    unquoted ones, so text values from the table are stripped as well before
    comparing.  Values of a non-text column are cast by the server to the
    column's type and both sides compared as text: '5:30:00' must be stored
    as interval '05:30:00', and '25:10:00' as '25:10:00', not '1 day 01:10:00'.
    Every header column must exist in the table."""
    table = table_of(member.name)
    types = table_types(schema, table)
    check(types, 'no table %s' % rel(schema, table))
    rows = records(member)
    names = [h.strip() for h in next(rows, [])]
    missing = [n for n in names if n and n not in types]
    check(not missing, '%s: header columns missing from the table: %s'
          % (table, ', '.join(missing)))
    cols = [(i, n, types[n]) for i, n in enumerate(names)
            if n and names.index(n) == i and (is_text(types[n]) or not text_only)]
    if not cols:
        return
    data = os.path.join(TMP, 'values.copy')
    with open(data, 'w', encoding='utf-8', newline='') as out:
        for row in rows:
            vals = [row[i].strip(' \t') if i < len(row) else '' for i, _, _ in cols]
            out.write('\t'.join(copy_escape(v or None) for v in vals) + '\n')
    fx = ['f%d' % i if is_text(t) else 'f%d::%s::text' % (i, t) for i, _, t in cols]
    dx = ["btrim(%s, E' \\t')" % qi(n) if is_text(t) else '%s::text' % qi(n)
          for _, n, t in cols]
    fx.append('ROW(%s)::text' % ', '.join(fx))
    dx.append('ROW(%s)::text' % ', '.join(dx))
    labels = [n for _, n, _ in cols] + ['(whole rows)']
    parts = []
    for label, f, d in zip(labels, fx, dx):
        src = rel(schema, table)
        parts.append(
            '(WITH a AS (SELECT %s AS v FROM file_rows EXCEPT ALL SELECT %s FROM %s),'
            ' b AS (SELECT %s AS v FROM %s EXCEPT ALL SELECT %s FROM file_rows)'
            ' SELECT %s, (SELECT count(*) FROM a), (SELECT count(*) FROM b),'
            " (SELECT string_agg(quote_nullable(v), ', ') FROM (SELECT v FROM a LIMIT 3) x),"
            " (SELECT string_agg(quote_nullable(v), ', ') FROM (SELECT v FROM b LIMIT 3) x))"
            % (f, d, src, d, src, f, ql(label)))
    prelude = ('CREATE TEMP TABLE file_rows (%s);\n\\copy file_rows FROM %s\n'
               % (', '.join('f%d text' % i for i, _, _ in cols), ql(data)))
    bad = []
    for label, na, nb, ea, eb in query(' UNION ALL '.join(parts), prelude):
        if (na, nb) != ('0', '0') and (label != '(whole rows)' or not bad):
            bad.append('%s: %s file values not in table (%s), %s table values '
                       'not in file (%s)' % (label, na, ea or '-', nb, eb or '-'))
    if len(bad) > 4:
        bad[4:] = ['and %d more columns' % (len(bad) - 4)]
    check(not bad, '%s differs from %s:\n  %s'
          % (rel(schema, table), member.name, '\n  '.join(bad)))

def verify_load(schema, members, report_text, max_bytes=None):
    """Counts, report and values of a loaded feed; returns problems found."""
    problems = []
    counts = {n: count_records(m) for n, m in members.items()}
    gather(problems, check_counts, schema, counts)
    gather(problems, check_report, report_text, counts)
    for m in members.values():
        if max_bytes is None or m.size <= max_bytes:
            gather(problems, compare_table_columns, schema, m)
    return problems

# ================================================================ tests

@test()
def db_postgis_available():
    check(value("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
          == '1', 'PostGIS is not installed on the server (postgresql-15-postgis-3)')

@test(db=False)
def cli_help():
    r = run('--help', db=False)
    check(r.returncode == 0, describe(r))
    check(re.search('usage', r.stdout, re.I), 'no "Usage" in stdout: %r' % r.stdout[:200])

@test(db=False)
def cli_version():
    r = run('--version', db=False)
    check(r.returncode == 0 and r.stdout.strip(), 'no version: ' + describe(r))

@test(db=False)
def cli_bad_option():
    r = run('--no-such-option', mini_feed(), db=False)
    check(r.returncode == 1, describe(r))
    check('Try "gtfs2pgsql --help"' in r.stderr, 'no hint: ' + describe(r))

@test()
def cli_missing_feed():
    path = os.path.join(TMP, 'no-such-feed.zip')
    r = run(path)
    check(r.returncode == 1, describe(r))
    check(path in r.stderr, 'stderr does not name %s: %s' % (path, describe(r)))

@test()
def cli_not_a_zip():
    path = os.path.join(TMP, 'x.zip')
    with open(path, 'wb') as f:
        f.write(b'this is not a zip archive\n' * 10)
    r = run(path)
    check(r.returncode == 1, describe(r))

@test(db=False)
def cli_unreachable_server():
    r = run('-d', 'host=127.0.0.1 port=1 connect_timeout=2', mini_feed(), db=False)
    check(r.returncode == 2, describe(r))

def feed_test(path):
    stem = os.path.basename(path)[:-4]
    schema = schema_for(stem)

    def fn():
        members = feed_members(path)
        report = load(path, schema)
        LOADED[stem] = schema
        problems = verify_load(schema, members, report, VALUE_CHECK_MAX_BYTES)
        check(not problems, '\n'.join(problems))
    TESTS.append(('feed_' + schema[2:], fn, True))

if os.path.isdir(FEEDS):
    for p in sorted(os.listdir(FEEDS)):
        if p.endswith('.zip'):
            feed_test(os.path.join(FEEDS, p))
else:
    @test()
    def feeds():
        raise Skip('%s absent' % FEEDS)

@test()
def spot_hart_single_digit_hours():
    path, s = need_feed('hart-2018')
    check(int(value("SELECT count(*) FROM %s WHERE arrival_time < interval '10:00:00'"
                    % rel(s, 'stop_times'))) > 0, 'no arrival_time before 10:00')
    r = first_record(feed_members(path)['stop_times.txt'],
                     lambda r: re.match(r'\d:', r['arrival_time']))
    got = query("SELECT arrival_time::text, arrival_time = interval %s FROM %s"
                " WHERE trip_id = %s AND stop_sequence = %s"
                % (ql(r['arrival_time']), rel(s, 'stop_times'),
                   ql(r['trip_id']), ql(r['stop_sequence'])))
    check(got == [('0' + r['arrival_time'], 't')],
          'file %r, table %r' % (r['arrival_time'], got))

@test()
def spot_bart_times_past_24():
    path, s = need_feed('bart-2018')
    r = first_record(feed_members(path)['stop_times.txt'],
                     lambda r: int(r['arrival_time'].split(':')[0] or 0) >= 24)
    got = query("SELECT arrival_time::text, arrival_time = interval %s FROM %s"
                " WHERE trip_id = %s AND stop_sequence = %s"
                % (ql(r['arrival_time']), rel(s, 'stop_times'),
                   ql(r['trip_id']), ql(r['stop_sequence'])))
    check(got == [(r['arrival_time'], 't')], 'file %r, table %r' % (r['arrival_time'], got))

@test()
def spot_empty_is_null():
    path, s = need_feed('bart-2018')
    members = feed_members(path)
    r = first_record(members['stops.txt'], lambda r: r['stop_desc'] == '')
    check(value('SELECT stop_desc IS NULL FROM %s WHERE stop_id = %s'
                % (rel(s, 'stops'), ql(r['stop_id']))) == 't', 'stop_desc not NULL')
    r = first_record(members['stop_times.txt'], lambda r: r['pickup_type'] == '')
    check(value('SELECT pickup_type IS NULL FROM %s WHERE trip_id = %s AND stop_sequence = %s'
                % (rel(s, 'stop_times'), ql(r['trip_id']), ql(r['stop_sequence'])))
          == 't', 'pickup_type not NULL')
    for schema in set(LOADED.values()) | {s}:
        types = table_types(schema, 'stops')
        cols = [c for c, t in types.items() if is_text(t)]
        n = value('SELECT count(*) FROM %s WHERE %s' % (rel(schema, 'stops'), ' OR '.join(
            "%s = ''" % qi(c) for c in cols))) if cols else '0'
        check(n == '0', "%s: %s stops rows hold '' in a text column" % (schema, n))

@test()
def spot_wmata_extra_columns():
    ref = reference()
    path, s = need_feed('wmata-rail-2026')
    seen = 0
    for name, m in sorted(feed_members(path).items()):
        header = [h.strip() for h in next(records(m))]
        extra = [h for h in header if h not in ref.get(name, {})]
        if not extra:
            continue
        table = table_of(name)
        types = dict(query("SELECT column_name, data_type FROM information_schema.columns"
                           " WHERE table_schema = %s AND table_name = %s" % (ql(s), ql(table))))
        for c in extra:
            check(types.get(c) == 'text', '%s.%s: type %s' % (table, c, types.get(c)))
        first = next(dict_records(m))
        keys = [f for f, row in ref.get(name, {}).items()
                if row['primary_key'] == 'yes' and f in first]
        if not keys:
            continue
        got = query('SELECT %s FROM %s WHERE %s' % (
            ', '.join(qi(c) for c in extra), rel(s, table),
            ' AND '.join('%s = %s' % (qi(k), ql(first[k].strip())) for k in keys)))
        want = [tuple(first[c].strip() or None for c in extra)]
        check(got == want, '%s first row: file %r, table %r' % (name, want, got))
        seen += 1
    check(seen, 'no extra columns found in wmata-rail-2026')

@test()
def spot_column_types():
    s = need_mini_schema()
    want = [('stop_times', 'arrival_time', 'interval'), ('stops', 'stop_lat', 'double precision'),
            ('routes', 'route_type', 'smallint'), ('calendar', 'start_date', 'date'),
            ('stop_times', 'stop_sequence', 'integer'), ('stops', 'stop_id', 'text')]
    got = dict(((t, c), d) for t, c, d in query(
        'SELECT table_name, column_name, data_type FROM information_schema.columns'
        ' WHERE table_schema = %s' % ql(s)))
    bad = ['%s.%s is %s, not %s' % (t, c, got.get((t, c)), d)
           for t, c, d in want if got.get((t, c)) != d]
    check(not bad, '; '.join(bad))

@test()
def spot_catalog_tables_always_created():
    ref = reference()
    s = need_mini_schema()
    absent = [f for f in ref if f.endswith('.txt') and f not in MINI]
    missing = [f for f in absent if table_of(f) not in tables_of(s)]
    check(not missing, 'tables not created for absent files: %s' % ', '.join(missing))
    check_counts(s, {f: 0 for f in absent})

@test()
def spot_non_txt_members_skipped():
    found = 0
    for stem, junk in [('cdmx-2018', 'desktop'), ('sacrt-2024', 'earth')]:
        if os.path.isfile(os.path.join(FEEDS, stem + '.zip')):
            _, s = need_feed(stem)
            tables = {t.lower() for t in tables_of(s)}
            check(junk not in tables, '%s: table %s created' % (s, junk))
            found += 1
    if not found:
        raise Skip('cdmx-2018 and sacrt-2024 absent')

def fixture_test(name, as_zip):
    def fn():
        d = need_fixture(name)
        feed = zip_dir(d) if as_zip else d
        schema = 'fx_%s_%s' % (name, 'zip' if as_zip else 'dir')
        report = load(feed, schema)
        problems = verify_load(schema, feed_members(feed), report)
        check(not problems, '\n'.join(problems))
    TESTS.append(('fixture_%s_%s' % (name, 'zip' if as_zip else 'dir'), fn, True))

for _name in ('sample', 'edge'):
    fixture_test(_name, False)
    fixture_test(_name, True)

# Values from fixtures/edge/EXPECTED.md: (table, row, expression, expected text or None).
EDGE_EXPECTED = [
    ('agency', "agency_id = 'EDGE'", 'count(*)', '1'),      # no BOM in the column name
    ('agency', "agency_id = 'EDGE'", 'agency_name', 'Edge Case Transit, Ltd.'),
    ('agency', "agency_id = 'EDGE'", 'agency_timezone', 'America/Toronto'),
    ('agency', "agency_id = 'EDGE'", 'agency_phone', None),
    ('stops', "stop_id = 'STA'", 'location_type', '1'),
    ('stops', "stop_id = 'S1'", 'stop_name', 'Gare Centrale – Côté Est'),
    ('stops', "stop_id = 'S1'", "length(stop_name) || '/' || octet_length(stop_name)", '24/28'),
    ('stops', "stop_id = 'S1'", 'stop_desc', "Quai 1\r\nAccès par l'escalier nord"),
    ('stops', "stop_id = 'S1'", "length(stop_desc) || '/' || octet_length(stop_desc)", '33/34'),
    ('stops', "stop_id = 'S1'", 'parent_station', 'STA'),
    ('stops', "stop_id = 'S1'", '(stop_lat, stop_lon) = (45.50105, -73.56695)', 't'),
    ('stops', "stop_id = 'S2'", 'stop_name', 'Rue "Principale", Nord'),
    ('stops', "stop_id = 'S2'", 'stop_code', None),
    ('stops', "stop_id = 'S2'", 'stop_desc', None),                # was ""
    ('stops', "stop_id = 'S3'", 'stop_name', 'Parc Émile-Nelligan'),
    ('stops', "stop_id = 'S3'", 'wheelchair_boarding', '2'),
    ('stops', "stop_id = 'S4'", 'wheelchair_boarding', None),
    ('stops', 'true', "string_agg(coalesce(stop_color_extra, '-'), ',' ORDER BY stop_id COLLATE \"C\")",
     'FF0000,00FF00,0000FF,-,-'),
    ('routes', "route_id = 'R1'", 'route_long_name', 'Ligne 1 "Express"'),
    ('routes', "route_id = 'R1'", 'route_desc', None),
    ('routes', "route_id = 'R1'", 'route_text_color', 'FFFFFF'),
    ('routes', "route_id = 'R2'", 'route_desc', 'Runs after midnight, every night'),
    ('routes', "route_id = 'R2'", 'route_text_color', 'FFFF00'),  # no trailing \r
    ('routes', 'true', "string_agg(route_type::text, ',')", '3,3'),
    ('trips', "trip_id = 'T1'", 'trip_headsign', 'Terminus Ouest\nvia Parc Émile-Nelligan'),
    ('trips', "trip_id = 'T1'", "length(trip_headsign) || '/' || octet_length(trip_headsign)", '38/39'),
    ('trips', "trip_id = 'T1'", 'shape_id', 'SH1'),
    ('trips', "trip_id = 'T3'", "service_id || ' ' || shape_id", 'HOL SH2'),
    ('trips', 'true', "string_agg(my_note, '|' ORDER BY trip_id)",
     'first "day" trip|night run|holiday, special'),
    ('stop_times', 'true', 'count(*)', '10'),
    ('stop_times', "trip_id = 'T1' AND stop_sequence = 1",
     "concat_ws(' ', stop_id, arrival_time, departure_time)", 'S1 05:30:00 05:30:00'),
    ('stop_times', "trip_id = 'T1' AND stop_sequence = 1", 'extract(epoch FROM arrival_time)::int', '19800'),
    ('stop_times', "trip_id = 'T1' AND stop_sequence = 2", 'arrival_time IS NULL AND departure_time IS NULL', 't'),
    ('stop_times', "trip_id = 'T1' AND stop_sequence = 2", "concat_ws(' ', timepoint, shape_dist_traveled)", '0 1.11'),
    ('stop_times', "trip_id = 'T1' AND stop_sequence = 3", "concat_ws(' ', arrival_time, departure_time)",
     '05:41:00 05:42:00'),
    ('stop_times', "trip_id = 'T2' AND stop_sequence = 5", 'arrival_time::text', '24:50:00'),
    ('stop_times', "trip_id = 'T2' AND stop_sequence = 10", "concat_ws(' ', arrival_time, departure_time)",
     '25:10:00 25:10:30'),
    ('stop_times', "trip_id = 'T2' AND stop_sequence = 10", 'extract(epoch FROM departure_time)::int', '90630'),
    ('stop_times', "trip_id = 'T2' AND stop_sequence = 15", 'departure_time::text', '25:30:00'),
    ('stop_times', "trip_id = 'T2'", "count(*) || '/' || count(shape_dist_traveled)", '3/0'),
    ('stop_times', "trip_id = 'T3'", "count(*) || '/' || count(timepoint)", '3/0'),
    ('calendar', "service_id = 'WK'", "concat_ws(',', monday, tuesday, wednesday, thursday, friday, "
     "saturday, sunday, start_date, end_date)", '1,1,1,1,1,0,0,2026-01-01,2026-12-31'),
    ('calendar_dates', 'true', 'count(*)', '4'),
    ('calendar_dates', "service_id = 'WK' AND date = '2026-05-18'", 'exception_type', '2'),
    ('calendar_dates', "service_id = 'HOL' AND date = '2026-12-25'", 'exception_type', '1'),
    ('shapes', 'true', "count(*) FILTER (WHERE shape_id = 'SH1') || '/' || "
     "count(*) FILTER (WHERE shape_id = 'SH2')", '6/6'),
    ('shapes', "shape_id = 'SH1' AND shape_pt_sequence = 1",
     '(shape_pt_lat, shape_pt_lon, shape_dist_traveled) = (45.50105, -73.56695, 0)', 't'),
    ('shapes', "shape_id = 'SH1' AND shape_pt_sequence = 6",
     '(shape_pt_lat, shape_pt_lon, shape_dist_traveled) = (45.515, -73.6, 3.025)', 't'),
    ('shapes', "shape_id = 'SH2' AND shape_pt_sequence = 6",     # last bytes, no newline
     '(shape_pt_lat, shape_pt_lon, shape_dist_traveled) = (45.50105, -73.56695, 3.025)', 't'),
    ('frequencies', 'true', 'count(*)', '0'),
]

@test()
def fixture_edge_expected_values():
    s = 'fx_edge_expected'
    load(need_fixture('edge'), s)
    bad = []
    for table, where, expr, want in EDGE_EXPECTED:
        sql = 'SELECT %s FROM %s WHERE %s' % (expr, rel(s, table), where)
        try:
            got = query(sql)
            got = got[0][0] if len(got) == 1 else '%d rows' % len(got)
        except AssertionError as e:
            got = 'error: %s' % str(e).split('\n')[0]
        if got != want:
            bad.append('%s: want %r, got %r' % (sql, want, got))
    junk = {t.lower() for t in tables_of(s)} & {'notes', 'expected'}
    check(not junk, 'tables made from non-.txt members: %s' % ', '.join(junk))
    check(not bad, '\n'.join(bad))

@test()
def atomic_replace():
    first, second = os.path.join(FIXTURES, 'sample'), os.path.join(FIXTURES, 'edge')
    if not (os.path.isdir(first) and os.path.isdir(second)):
        # fixtures not there: two versions of our own feed
        first = mini_feed()
        second = write_feed('mini2', {k: v for k, v in MINI.items() if k != 'calendar.txt'}
                            | {'stops.txt': MINI['stops.txt'] + 'S3,,Third,45.7,-73.7\n'})
    load(first, 's1')
    load(second, 's1')
    counts = {n: count_records(m) for n, m in feed_members(second).items()}
    counts.update({n: 0 for n in feed_members(first) if n not in counts})
    check_counts('s1', counts)
    # the second feed again, its last stop's stop_lat made 'abc'
    stops = list(records(feed_members(second)['stops.txt']))
    stops[-1][[h.strip() for h in stops[0]].index('stop_lat')] = 'abc'
    text = io.StringIO()
    csv.writer(text, lineterminator='\n').writerows(stops)
    broken = os.path.join(TMP, 'broken')
    shutil.copytree(second, broken)
    write_feed('broken', {'stops.txt': text.getvalue()})
    r = run('-q', '-s', 's1', broken)
    check(r.returncode == 1, 'broken feed: ' + describe(r))
    check_counts('s1', counts)

@test()
def report_json():
    feed = (os.path.join(FIXTURES, 'sample') if os.path.isdir(os.path.join(FIXTURES, 'sample'))
            else mini_feed())
    members = feed_members(feed)
    path = os.path.join(TMP, 'report.json')
    r = run('-s', 'rep', '--report', path, feed)
    check(r.returncode == 0, describe(r))
    check(r.stderr.strip(), 'no human table on stderr without -q')
    with open(path, encoding='utf-8') as f:
        report = parse_report(f.read())
    files, total = report['files'], report['total']
    check(isinstance(report.get('feed'), str), 'no "feed" string')
    check(total.get('rows') == sum(f.get('rows', 0) for f in files),
          'total.rows %s != sum of files rows' % total.get('rows'))
    for f in files + [total]:
        check(isinstance(f.get('peak_rss_kb'), int) and f['peak_rss_kb'] > 0,
              'peak_rss_kb not > 0 in %r' % f)
        check(isinstance(f.get('seconds'), (int, float)) and f['seconds'] >= 0,
              'bad seconds in %r' % f)
    sizes = {os.path.basename(str(f.get('file'))): f.get('bytes') for f in files}
    bad = [n for n, m in members.items() if sizes.get(n) != m.size]
    check(not bad, 'bytes differ from file sizes for: %s' % ', '.join(bad))
    check_report(json.dumps(report), {n: count_records(m) for n, m in members.items()})
    r = run('-q', '-s', 'rep', '--report', '-', feed)
    check(r.returncode == 0, describe(r))
    parse_report(r.stdout)
    check(not r.stderr.strip(), 'stderr not empty with -q: %r' % r.stderr[:300])

# ================================================================= main

def create_db():
    """Creates the test database; returns the default database that worked,
    or raises AssertionError."""
    errors = []
    for default in (None, 'postgres', 'template1'):
        for opts in (" TEMPLATE template0 ENCODING 'UTF8'",
                     " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'"):
            try:
                psql('CREATE DATABASE %s%s;' % (qi(DB), opts), db=default)
                return default
            except AssertionError as e:
                errors.append(str(e).split('\n')[0])
    raise AssertionError('cannot create database %s: %s' % (DB, errors[0]))

def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ''
    print('# program %s, database %s' % (PROG, DB), flush=True)
    setup_error, default = None, None
    try:
        default = create_db()
    except AssertionError as e:
        setup_error = str(e)
    passed = failed = skipped = 0
    try:
        for name, fn, needs_db in TESTS:
            if pattern not in name:
                continue
            try:
                if needs_db and setup_error:
                    raise AssertionError(setup_error)
                fn()
                print('ok - %s' % name)
                passed += 1
            except Skip as e:
                print('skip - %s: %s' % (name, e))
                skipped += 1
            except Exception as e:
                if not isinstance(e, AssertionError):
                    e = '%s\n%s' % (e, traceback.format_exc())
                print('not ok - %s: %s' % (name, str(e).strip().replace('\n', '\n#   ')))
                failed += 1
            sys.stdout.flush()
    finally:
        if setup_error is None:
            if os.environ.get('KEEP_TEST_DB'):
                print('# kept database %s' % DB)
            else:
                try:
                    psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(DB), db=default)
                except AssertionError as e:
                    print('# could not drop %s: %s' % (DB, e))
        shutil.rmtree(TMP, ignore_errors=True)
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    sys.exit(1 if failed else 0)

if __name__ == '__main__':
    main()
