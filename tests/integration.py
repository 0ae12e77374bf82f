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
import collections, csv, io, json, os, random, re, shutil, subprocess, sys
import time, traceback, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gtfstest as g                                         # noqa: E402
from gtfstest import (REPO, SHARED, FEEDS, FIXTURES, PROG, DB, TIMEOUT,  # noqa: E402,F401
                      TMP, check, describe, run)
REFERENCE = os.path.join(SHARED, 'gtfs-reference.tsv')
VALUE_CHECK_MAX_BYTES = int(os.environ.get('VALUE_CHECK_MAX_BYTES', 32_000_000))
LOADED = {}                     # a feed's stem -> schema it was loaded into

# ---------------------------------------------------------------- harness

TESTS = []                      # (name, function, needs_db), in run order

class Skip(Exception):
    pass

def test(db=True):
    def register(fn):
        TESTS.append((fn.__name__, fn, db))
        return fn
    return register

def absent(path):
    """The exception for a file a test needs and does not find: a skip
    when ../shared is not there at all, a failure when it is (something a
    test relies on went missing) or when the file is the project's own."""
    if os.path.isdir(SHARED) or not os.path.abspath(path).startswith(
            os.path.abspath(SHARED)):
        return AssertionError('%s absent' % path)
    return Skip('%s absent' % path)

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

def psql(script, db=''):
    """Runs an SQL script through psql, stopping at the first error (raised
    as AssertionError); returns stdout.  db: the test database (DB) unless
    given; None: the environment's default."""
    if db == '':
        db = DB
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

def load(feed, schema, *options):
    """Loads feed into schema quietly (with options), asserting exit 0;
    returns the report file's text ('' if the program wrote none)."""
    report = os.path.join(TMP, 'report-%s.json' % schema)
    if os.path.exists(report):
        os.remove(report)
    r = run('-q', '-s', schema, '--report', report, *options, feed)
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
        raise absent(REFERENCE)
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

def need_loaded(path):
    """The schema of the feed at path (a zip), loading it unless a feed test
    did."""
    stem = os.path.basename(path)[:-4]
    if not os.path.isfile(path):
        raise absent(path)
    if stem not in LOADED:
        load(path, schema_for(stem))
        LOADED[stem] = schema_for(stem)
    return LOADED[stem]

def spot_feeds(stem):
    """[(path, schema)] of the feed the tests make (see made_feed), then of
    the real feed stem when ../shared is there: a spot test checks each,
    the made one holding what the real one is picked for."""
    made = os.path.join(TMP, 'made-sample.zip')
    feeds = [(made, need_loaded(made))]
    if os.path.isdir(FEEDS):
        feeds.append(need_feed(stem))
    return feeds

def need_feed(stem):
    """(path, schema) of a real feed, loading it unless a feed test did."""
    path = os.path.join(FEEDS, stem + '.zip')
    return path, need_loaded(path)

def need_fixture(name):
    d = os.path.join(FIXTURES, name)
    if not os.path.isdir(d):
        raise absent(d)
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
    # a column the reference lacks is a key of jsonb extra
    exprs = {n: qi(n) for n in types}
    if types.get('extra') == 'jsonb':
        for n in names:
            # no field of the reference is named like our own columns
            if n and (n not in types or n in ('feed_id', 'extra', 'geom')):
                types[n], exprs[n] = 'text', 'extra->>%s' % ql(n)
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
    dx = ["btrim(%s, E' \\t')" % exprs[n] if is_text(t) else '%s::text' % exprs[n]
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

def made_feed():
    """A zip, in TMP, of fixtures/sample in the forms real feeds bring (see
    ../shared/feeds/CATALOG.md): a BOM on agency.txt, CRLF in stops.txt, no
    final newline in shapes.txt, a blank last line in transfers.txt, an
    empty pickup_type, a member that is not a .txt (the sample has hours
    of one digit and past 24, empty stop_desc).  The per-feed tests and
    the spot tests run on it always, so that a clone without ../shared
    runs them too."""
    path = os.path.join(TMP, 'made-sample.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(os.path.join(FIXTURES, 'sample'))):
            with open(os.path.join(FIXTURES, 'sample', n), 'rb') as f:
                data = f.read()
            if n == 'agency.txt':
                data = b'\xef\xbb\xbf' + data
            elif n == 'stops.txt':
                data = data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
            elif n == 'shapes.txt':
                data = data.rstrip(b'\r\n')
            elif n == 'transfers.txt':
                data += b'\n'
            elif n == 'stop_times.txt':
                # a pickup_type left empty, as bart's
                head, first, rest = data.split(b'\n', 2)
                cells = first.split(b',')
                cells[6] = b''
                data = b'\n'.join([head, b','.join(cells), rest])
            z.writestr(n, data)
        z.writestr('desktop.ini', b'[.ShellClassInfo]\n')
    return path

feed_test(made_feed())
if os.path.isdir(FEEDS):
    for p in sorted(os.listdir(FEEDS)):
        if p.endswith('.zip'):
            feed_test(os.path.join(FEEDS, p))

@test()
def spot_hart_single_digit_hours():
    for path, s in spot_feeds('hart-2018'):
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
    for path, s in spot_feeds('bart-2018'):
        r = first_record(feed_members(path)['stop_times.txt'],
                         lambda r: int(r['arrival_time'].split(':')[0] or 0) >= 24)
        got = query("SELECT arrival_time::text, arrival_time = interval %s FROM %s"
                    " WHERE trip_id = %s AND stop_sequence = %s"
                    % (ql(r['arrival_time']), rel(s, 'stop_times'),
                       ql(r['trip_id']), ql(r['stop_sequence'])))
        check(got == [(r['arrival_time'], 't')], 'file %r, table %r' % (r['arrival_time'], got))

@test()
def spot_empty_is_null():
    for path, s in spot_feeds('bart-2018'):
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
def spot_tables_with_rows_analyzed():
    """Every table of the feed that holds rows has its statistics (the
    empty ones are not analyzed: nothing to find there)."""
    for path, s in spot_feeds('bart-2018'):
        tables = ("SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relkind = 'r' AND"
                  " (c.relnamespace = %s::regnamespace OR c.oid IN (SELECT i.inhrelid FROM"
                  " pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent"
                  " WHERE p.relnamespace = %s::regnamespace))" % (ql(s), ql(s)))
        missing = query("SELECT c.oid::regclass::text FROM pg_catalog.pg_class c"
                        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE c.oid IN (%s) AND pg_catalog.pg_relation_size(c.oid) > 0"
                        " AND NOT EXISTS (SELECT FROM pg_catalog.pg_stats t WHERE"
                        " t.schemaname = n.nspname AND t.tablename = c.relname)" % tables)
        check(missing == [], 'tables with rows and no statistics: %r' % missing)
        check(value("SELECT count(*) FROM (%s) t" % tables) != '0', 'no table found')
        check(value("SELECT count(*) FROM pg_catalog.pg_stats t JOIN pg_catalog.pg_class c"
                    " ON c.relname = t.tablename JOIN pg_catalog.pg_namespace n ON n.oid ="
                    " c.relnamespace AND n.nspname = t.schemaname WHERE c.oid IN (%s) AND"
                    " t.tablename = 'stop_times' AND t.attname = 'stop_id'" % tables) == '1',
              'no statistics of stop_times.stop_id')

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
        # columns the reference lacks are keys of the jsonb column extra
        types = dict(query("SELECT column_name, data_type FROM information_schema.columns"
                           " WHERE table_schema = %s AND table_name = %s" % (ql(s), ql(table))))
        check(types.get('extra') == 'jsonb', '%s.extra: type %s' % (table, types.get('extra')))
        first = next(dict_records(m))
        keys = [f for f, row in ref.get(name, {}).items()
                if row['primary_key'] == 'yes' and f in first]
        if not keys:
            continue
        got = query('SELECT %s FROM %s WHERE %s' % (
            ', '.join('extra->>%s' % ql(c) for c in extra), rel(s, table),
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
    """desktop.ini (the made feed's, cdmx's) and Earth.kml (sacrt's) make
    no table."""
    made = os.path.join(TMP, 'made-sample.zip')
    for path, junk in [(made, 'desktop'),
                       (os.path.join(FEEDS, 'cdmx-2018.zip'), 'desktop'),
                       (os.path.join(FEEDS, 'sacrt-2024.zip'), 'earth')]:
        if path == made or os.path.isdir(FEEDS):
            s = need_loaded(path)
            tables = {t.lower() for t in tables_of(s)}
            check(junk not in tables, '%s: table %s created' % (s, junk))

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
    ('stops', 'true', "string_agg(coalesce(extra->>'stop_color_extra', '-'), ',' ORDER BY stop_id COLLATE \"C\")",
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
    ('trips', 'true', "string_agg(extra->>'my_note', '|' ORDER BY trip_id)",
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
    # the smaller feed: wanted, not a broken download (tests/replace.py)
    load(second, 's1', '--force')
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
    r = run('-q', '--strict', '-s', 's1', broken)
    check(r.returncode == 1, 'broken feed with --strict: ' + describe(r))
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

# Steps every load of the sample fixture (PostGIS, calendar, shapes) has.
SAMPLE_STEPS = [
    'agency(agency_timezone) time zone check', 'trips primary key',
    'stop_times unique index', 'stop_times(trip_id) reference check',
    'stop_times(stop_id) reference check', 'notices',
    'stop_times(stop_id) index', 'trips(route_id) index', 'shape_lines',
    'shape_lines primary key', 'stops(geom) index', 'service_days',
    'service_days primary key', 'analyze', 'notice summary', 'swap', 'commit']

def check_steps(report, expected):
    """The report's steps: the expected names among them, each once, in the
    order the load runs them, with seconds >= 0 that add up to no more than
    the run and to about the time after the files."""
    steps = report.get('steps')
    check(isinstance(steps, list) and steps, 'no "steps" in the report')
    names = [st.get('step') for st in steps]
    missing = [n for n in expected if n not in names]
    check(not missing, 'steps missing: %s (have %s)' % (missing, names))
    check(len(set(names)) == len(names), 'a step twice: %s' % names)
    order = [names.index(n) for n in expected]
    check(order == sorted(order), 'steps out of order: %s' % names)
    # a second connection's steps ran alongside the others: not summed
    secs = [0 if st.get('concurrent') else st.get('seconds') for st in steps]
    check(all(isinstance(x, (int, float)) and x >= 0 for x in secs),
          'bad seconds: %s' % steps)
    total = report['total']
    check(sum(secs) <= total['seconds'] + 0.001 * len(secs),
          'steps %.3f s > run %.3f s' % (sum(secs), total['seconds']))
    # index_seconds: from the first check to the notice summary
    inside = sum(secs[:names.index('notice summary') + 1])
    check(0.5 * total['index_seconds'] <= inside
          <= total['index_seconds'] + 0.001 * len(secs),
          'steps %.3f s, time after the files %.3f s'
          % (inside, total['index_seconds']))
    return steps

def check_table(stderr, steps):
    """The human table: within 80 columns, each step of at least 0.05 s on
    a line of its own and the others counted on one."""
    wide = [l for l in stderr.split('\n') if len(l) > 80]
    check(not wide, 'lines over 80 columns: %r' % wide[:3])
    lines = stderr.split('\n')
    check('(keys and indexes)' not in stderr, 'the old "(keys and indexes)" line')
    head = [i for i, l in enumerate(lines) if re.match(r'step +seconds$', l)]
    check(len(head) == 1, 'no "step seconds" header: %r' % stderr[-2000:])
    shown, folded = 0, 0
    for l in lines[head[0] + 1:]:
        if l.startswith('total '):
            break
        m = re.match(r'\((\d+) steps? under 0\.05 s\) +\d+\.\d\d$', l)
        if m:
            folded = int(m.group(1))
        else:
            check(re.match(r'\S.* +\d+\.\d\d$', l), 'not a step line: %r' % l)
            shown += 1
    # the report rounds to 0.001 s: a step of 0.050 there may be folded
    surely = sum(1 for st in steps if st['seconds'] > 0.0505)
    maybe = sum(1 for st in steps if st['seconds'] >= 0.0495)
    check(surely <= shown <= maybe and shown + folded == len(steps),
          'table shows %d steps and folds %d; report has %d to %d of >= 0.05 s of %d'
          % (shown, folded, surely, maybe, len(steps)))

@test()
def report_steps():
    """Each key, index, check and derived table is a step in the JSON
    report, and in the table on stderr."""
    feed = need_fixture('sample')
    path = os.path.join(TMP, 'steps.json')
    r = run('-s', 'steps', '--report', path, feed)
    check(r.returncode == 0, describe(r))
    with open(path, encoding='utf-8') as f:
        report = parse_report(f.read())
    steps = check_steps(report, SAMPLE_STEPS)
    check_table(r.stderr, steps)
    # the registry keeps the report as it was before the swap
    kept = json.loads(value("SELECT report FROM gtfs2pgsql.feeds "
                            "WHERE schema_name = 'steps'"))
    kept_names = [st['step'] for st in kept['steps']]
    check(kept_names == [st['step'] for st in steps[:len(kept_names)]]
          and 'notice summary' in kept_names and 'swap' not in kept_names,
          'registry steps: %s' % kept_names)

@test()
def report_steps_duplicates():
    """A key with duplicates: its failed build, the duplicates set aside and
    the build again are steps; the table stays within 80 columns."""
    feed = need_fixture('sample')
    header, rows = member_rows(feed, 'stops.txt')
    d = copy_feed(feed, 'steps-dup', {'stops.txt': csv_text([header] + rows + rows[:2])})
    path = os.path.join(TMP, 'steps-dup.json')
    r = run('-s', 'steps_dup', '--report', path, d)
    check(r.returncode == 0, describe(r))
    with open(path, encoding='utf-8') as f:
        report = parse_report(f.read())
    steps = check_steps(report, ['stops primary key (duplicates found)',
                                 'stops duplicates', 'stops primary key']
                        + SAMPLE_STEPS[1:])
    check_table(r.stderr, steps)
    check(re.search(r'^  set aside +2$', r.stderr, re.M),
          'no "set aside" line: %r' % r.stderr[-1500:])

# ------------------------------------------------------------- progress

PROGRESS_LINE = re.compile(r'\[(\d+):(\d\d)\] (\S.*?)  ')

def big_sample(name, as_zip):
    """The sample fixture with 150,000 stop_times (an extra column, which
    makes a notice to print while the line is up), so that loading it
    takes long enough for several redraws."""
    feed = need_fixture('sample')
    out = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence,extra_note']
    trips = [row[2] for row in member_rows(feed, 'trips.txt')[1]]
    stops = [row[0] for row in member_rows(feed, 'stops.txt')[1]]
    for n in range(150000):
        t = n % 3600
        out.append('%s,%d:%02d:00,%d:%02d:00,%s,%d,x' % (
            trips[n % len(trips)], 5 + t // 60 % 19, t % 60, 5 + t // 60 % 19,
            t % 60, stops[n % len(stops)], n))
    d = copy_feed(feed, name, {'stop_times.txt': '\n'.join(out) + '\n'})
    return zip_dir(d) if as_zip else d

def check_progress(stderr, seconds, stop_times_bytes):
    """stderr of a load with the progress line: lines redrawn after \r, at
    most 10 a second, stop_times.txt's megabytes out of its size, steps;
    each erased before a message or the table."""
    redraws = PROGRESS_LINE.findall(stderr)
    check(redraws, 'no progress line: %r' % stderr[:500])
    check(len(redraws) <= 10 * seconds + 2,
          '%d redraws in %.1f s' % (len(redraws), seconds))
    files = re.findall(r'\] (?:2nd connection: )?stop_times\.txt  (\d+) rows  ([\d.]+)/([\d.]+) MB +(\d+)%'
                       r'(?:  \d+ rows/s)?  [\d.]+ s',
                       stderr)
    # on a second connection, it may be read before the first waits for it
    beside = re.findall(r'\| 2nd connection: stop_times\.txt  (\d+)%', stderr)
    check(files or beside, 'no line for stop_times.txt: %r' % stderr[:800])
    check(all(int(pct) <= 100 for pct in beside), 'stop_times.txt beyond 100%%: %r' % beside)
    for rows, mb, size, pct in files:
        check(float(size) == round(stop_times_bytes / 1e6, 1) and
              float(mb) <= float(size) and int(pct) <= 100,
              'stop_times.txt: %s of %s MB (%s%%), %d bytes'
              % (mb, size, pct, stop_times_bytes))
    for line in stderr.split('\n'):
        last = line.split('\r')[-1]
        check(not PROGRESS_LINE.match(last), 'a progress line not erased: %r' % line[-300:])
    # (the line may have been erased by a message before, and not redrawn)
    check(re.search(r'(?:\r +\r|\n)gtfs2pgsql: notices', stderr),
          'notices not after an erased line: %r' % stderr[-3000:])
    check(re.search(r'(?:\r +\r|\n)file +rows', stderr),
          'table not after an erased line: %r' % stderr[-3000:])

def raw_run(*args):
    """(exit code, stderr as written: \r kept, seconds) of a run."""
    t0 = time.time()
    try:
        p = subprocess.run([PROG, '-d', DB] + [str(a) for a in args],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError('%s timed out' % ' '.join(map(str, args)))
    return p.returncode, p.stderr.decode(errors='replace'), time.time() - t0

@test()
def progress_always():
    """--progress=always draws the line on a stderr that is not a terminal:
    a directory feed (its files' sizes) and a zip (its directory's)."""
    for as_zip in (False, True):
        feed = big_sample('progress-big', as_zip)
        code, err, seconds = raw_run('-s', 'progress', '--progress=always', feed)
        check(code == 0, 'exit %d: %s' % (code, err[-1000:]))
        check_progress(err, seconds, os.path.getsize(
            os.path.join(TMP, 'progress-big', 'stop_times.txt')))

@test()
def progress_both_connections():
    """Issue 23, 3: while stop_times.txt loads on a second connection, the
    line says what each connection does: the other files beside its rows,
    then its steps (MTA Brooklyn's two stop_times indexes take seconds)
    while the first waits for it; the table marks its memory as the second
    connection's process's."""
    feed = os.path.join(FEEDS, 'mta-bus-brooklyn-2026-reconstructed.zip')
    if not os.path.exists(feed):
        raise absent(feed)
    report = os.path.join(TMP, 'both-connections.json')
    code, err, seconds = raw_run('-s', 'both_connections', '--progress=always',
                                 '--report', report, feed)
    check(code == 0, 'exit %d: %s' % (code, err[-1000:]))
    redraws = [l.rstrip() for l in err.split('\r') if PROGRESS_LINE.match(l)]
    beside = [l for l in redraws if re.match(
        r'\[\d+:\d\d\] (?!2nd connection)\S.*  \| 2nd connection: '
        r'stop_times\.txt  +\d+%$', l)]
    check(beside, 'no line "[m:ss] <file or step>  | 2nd connection: stop_times.txt  N%%"'
          ': %r' % redraws[:20])
    steps = {m.group(1) for m in (re.match(
        r'\[\d+:\d\d\] 2nd connection: (stop_times\S* \S.*?)  [\d.]+ s$', l)
        for l in redraws) if m}
    # its stop_id index builds on a connection of its own at once with the
    # key (issue 27): shown when it outlasts the key, else only reported
    with open(report) as f:
        concurrent = {st['step'] for st in json.load(f)['steps'] if st.get('concurrent')}
    check('stop_times unique index' in steps and
          ('stop_times(stop_id) index' in steps or 'stop_times(stop_id) index' in concurrent),
          'the line does not show the second connection building its indexes: '
          'steps %r; %r' % (sorted(steps), redraws[-30:]))
    table = err.split('\r')[-1]
    check(re.search(r'^stop_times\.txt +2400187 .* [\d.]+\*$', table, re.M) and
          re.search(r"^\* RSS of the 2nd connection's process, which loaded it; "
                    r"total: the larger$", table, re.M),
          'the table does not mark stop_times.txt\'s memory as the second '
          'connection\'s process\'s: %r' % table[-2500:])
    with open(report, encoding='utf-8') as f:
        files = {e['file']: e for e in json.load(f)['files']}
    check(files['stop_times.txt'].get('concurrent') is True and
          'concurrent' not in files['trips.txt'],
          'report: stop_times.txt %r, trips.txt %r'
          % (files['stop_times.txt'], files['trips.txt']))

@test()
def progress_never():
    """No progress line with --progress=never, nor by default when stderr is
    not a terminal, nor with -q on a terminal; \r nowhere."""
    feed = big_sample('progress-big', False)
    for args in (['--progress=never'], []):
        code, err, seconds = raw_run('-s', 'progress', *args, feed)
        check(code == 0, 'exit %d: %s' % (code, err[-1000:]))
        check('\r' not in err and 'file ' in err, '%s: %r' % (args, err[:300]))
    code, out = run_on_tty(['-q', '-s', 'progress', feed])
    check(code == 0 and '\r' not in out, '-q on a terminal: %r' % out[:300])
    r = run('--progress=sometimes', feed)
    check(r.returncode == 1 and 'sometimes' in r.stderr, describe(r))

def run_on_tty(args):
    """(exit code, what it wrote) of the program with a terminal as stderr."""
    import pty, threading
    master, slave = pty.openpty()
    p = subprocess.Popen([PROG, '-d', DB] + [str(a) for a in args],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=slave)
    os.close(slave)
    chunks = []
    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    reader = threading.Thread(target=drain)
    reader.start()
    code = p.wait(timeout=TIMEOUT)
    reader.join(timeout=10)
    os.close(master)
    return code, b''.join(chunks).decode(errors='replace')

@test()
def progress_auto_on_tty():
    """By default the line is drawn when stderr is a terminal."""
    feed = big_sample('progress-big', False)
    t0 = time.time()
    code, out = run_on_tty(['-s', 'progress', feed])
    check(code == 0, 'exit %d: %r' % (code, out[-500:]))
    # the terminal turns each \n into \r\n
    check_progress(out.replace('\r\n', '\n'), time.time() - t0, os.path.getsize(
        os.path.join(TMP, 'progress-big', 'stop_times.txt')))

# ------------------------------------------ the server a command writes to

def throwaway_env():
    """The environment without its PG* variables (pg_virtualenv sets its own)."""
    if not shutil.which('pg_virtualenv'):
        raise Skip('no pg_virtualenv')
    return {k: v for k, v in os.environ.items() if not k.startswith('PG')}

@test()
def demo_on_its_own_server():
    """Issue 23, 6: make demo loads into a throwaway server of its own even
    when PG* reaches one (here the test database), and says so first."""
    throwaway_env()
    env = dict(os.environ, PGDATABASE=DB)
    p = subprocess.run(['make', '-s', '-o', 'deps', 'demo'], cwd=REPO, env=env,
                       capture_output=True, text=True, errors='replace', timeout=TIMEOUT)
    first = next((l for l in p.stdout.splitlines() if l.startswith('== ')), '')
    check(first.startswith('== on a throwaway PostgreSQL made for this demo by '
                           'pg_virtualenv') and 'as user' in first,
          'the demo does not say first that it runs on a throwaway server: %r; stderr %s'
          % (first, p.stderr[-800:]))
    check(p.returncode == 0, 'make demo: exit %d: %s' % (p.returncode, p.stderr[-1500:]))
    check(value("SELECT count(*) FROM pg_namespace WHERE nspname IN ('gtfs', 'sample_again')")
          == '0', 'make demo wrote into %s, which PG* reaches' % DB)

@test(db=False)
def bench_drops_only_its_databases():
    """Issue 23, 6: bench/run says which server it writes to, and a
    bench_run it did not make stops it (exit 1) and is kept; the databases
    it makes bear its mark, and only those are dropped: not one another
    role made and marked (a forged mark)."""
    script = r'''
psql -X -q -d postgres -c 'CREATE DATABASE bench_run'
psql -X -q -d bench_run -c 'CREATE TABLE precious (x int)'
BENCH_SIZES=10k BENCH_REAL=none BENCH_REPEAT=1 BENCH_TOOLS=floor BENCH_EXPORT=none \
    bench/run >/dev/null 2>"$1"
echo "bench/run exit $?"
psql -X -At -d bench_run -c "SELECT 'precious ' || count(*) FROM pg_tables WHERE tablename = 'precious'"
. bench/databases.sh
bench_db_create ours && bench_db_drop t ours
echo "ours $(bench_db_state ours)"
(bench_db_drop t bench_run) 2>/dev/null
echo "dropping bench_run: exit $?, $(bench_db_state bench_run)"
psql -X -q -d postgres -v mark="$BENCH_DB_MARK" <<'EOF'
CREATE ROLE other CREATEDB;
SET ROLE other;
CREATE DATABASE bench_template;
COMMENT ON DATABASE bench_template IS :'mark';
EOF
(bench_db_drop t bench_template) 2>/dev/null
echo "another role's, marked: exit $?, $(bench_db_state bench_template)"
'''
    err = os.path.join(TMP, 'bench.err')
    p = subprocess.run(['pg_virtualenv', '-t', 'bash', '-c', script, 'bench', err], cwd=REPO,
                       env=throwaway_env(), capture_output=True, text=True,
                       errors='replace', timeout=TIMEOUT)
    bench_err = open(err, encoding='utf-8', errors='replace').read() \
        if os.path.exists(err) else ''
    lines = [l for l in p.stdout.splitlines() if not l.startswith(('Creating', 'Dropping'))]
    check(lines == ['bench/run exit 1', 'precious 1', 'ours absent',
                    'dropping bench_run: exit 1, not ours',
                    "another role's, marked: exit 1, not ours"],
          'got %r; bench/run said %r; stderr %s' % (lines, bench_err[-1500:], p.stderr[-800:]))
    check(re.match(r'bench/run: writes databases bench_template bench_run bench_export '
                   r'\(made and dropped by it\) on the server reached as user "\w+" .*'
                   r'at port "\d+"\n', bench_err) and
          'database "bench_run" exists on this server and was not made by the benchmarks'
          in bench_err, 'bench/run said: %r' % bench_err[-1500:])

@test(db=False)
def docs_options():
    """Every long option of --help is in the README's table of options."""
    r = run('--help', db=False)
    check(r.returncode == 0, describe(r))
    with open(os.path.join(REPO, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    options = sorted(set(re.findall(r'(--[a-z][a-z-]+)', r.stdout)))
    check('--progress' in options, 'no --progress in --help')
    missing = [o for o in options if not re.search(r'^\|.*`[^`]*' + o + r'\b', readme, re.M)]
    check(not missing, 'not in the README options table: %s' % missing)

# ============================================================= geometry
#
# stops.geom, shapes.geom, shape_lines, trip_lines, route_lines, locations
# and --srid / --no-geometry.  The real feeds are the ones the feed_* tests
# loaded at SRID 4326 (need_feed reloads one only when a filter skipped it).

def geo_problems(checks):
    """checks: [(description, SELECT whose first column names a bad row)].
    Runs them in one psql session, one statement each (planned together in
    one UNION they can take far longer); returns 'description: N rows (e.g.
    ...)' for each check that found rows."""
    out = psql(''.join(
        "COPY (SELECT count(*), array_to_string((array_agg(k::text))[1:3], ', ')"
        ' FROM (%s) AS x(k)) TO STDOUT;\n' % q for _, q in checks))
    rows = [tuple(copy_decode(f) for f in line.split('\t'))
            for line in out.split('\n')[:-1]]
    check(len(rows) == len(checks), 'geo_problems: %d results for %d checks'
          % (len(rows), len(checks)))
    return ['%s: %s rows (e.g. %s)' % (d, n, ex or '-')
            for (d, _), (n, ex) in zip(checks, rows) if n != '0']

def check_geom_type(schema, table, want):
    got = table_types(schema, table).get('geom')
    check(got == want, '%s.geom is %s, not %s' % (rel(schema, table), got, want))

def point_checks(schema, table, key, lat, lon, srid, tol):
    """Checks that table.geom is the point (lon, lat) in srid: exactly when
    tol is 0 (srid 4326), else within tol degrees once transformed back to
    4326 and within 1 mm of PostGIS's own transformation of (lon, lat); and
    that a row without both coordinates has a NULL geom."""
    t = rel(schema, table)
    if tol == 0:
        off = ('ST_X(geom) IS DISTINCT FROM %s OR ST_Y(geom) IS DISTINCT FROM %s'
               % (lon, lat))
    else:
        off = ('abs(ST_X(ST_Transform(geom, 4326)) - %s) > %r OR '
               'abs(ST_Y(ST_Transform(geom, 4326)) - %s) > %r OR '
               'ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326),'
               ' %d)) > 0.001' % (lon, tol, lat, tol, lon, lat, srid))
    return [
        ('%s rows with coordinates whose geom is not POINT(%s %s) in SRID %d'
         % (t, lon, lat, srid),
         "SELECT %s || ' ' || coalesce(ST_AsEWKT(geom), 'NULL') FROM %s"
         " WHERE %s IS NOT NULL AND %s IS NOT NULL AND (geom IS NULL OR"
         " GeometryType(geom) <> 'POINT' OR ST_SRID(geom) <> %d OR %s)"
         % (qi(key), t, lat, lon, srid, off)),
        ('%s rows without both coordinates whose geom is not NULL' % t,
         'SELECT %s FROM %s WHERE (%s IS NULL OR %s IS NULL) AND geom IS NOT NULL'
         % (qi(key), t, lat, lon)),
    ]

def shape_line_checks(schema, srid=4326, tol=0):
    """shape_lines against shapes: one line per shape_id, npoints and
    ST_NPoints the shape's point count, its points the shape's points in
    shape_pt_sequence order (start and end checked on their own too), M the
    shape_dist_traveled when every point of shapes has one, else no M."""
    s, l = rel(schema, 'shapes'), rel(schema, 'shape_lines')
    if tol == 0:
        def differs(g, x, y):
            return ('ST_X(%s) IS DISTINCT FROM %s OR ST_Y(%s) IS DISTINCT FROM %s'
                    % (g, x, g, y))
    else:
        def differs(g, x, y):
            g = 'ST_Transform(%s, 4326)' % g
            return ('abs(ST_X(%s) - %s) > %r OR abs(ST_Y(%s) - %s) > %r'
                    % (g, x, tol, g, y, tol))
    allm = ('(SELECT count(*) > 0 AND bool_and(shape_dist_traveled IS NOT NULL)'
            ' FROM %s)' % s)
    pts = ('(SELECT shape_id, shape_pt_lon AS x, shape_pt_lat AS y,'
           ' shape_dist_traveled AS m, row_number() OVER w AS k, count(*) OVER'
           ' (PARTITION BY shape_id) AS n FROM %s WINDOW w AS (PARTITION BY'
           ' shape_id ORDER BY shape_pt_sequence))' % s)
    return [
        ('shape_ids of shapes without a line in %s, or lines without shapes' % l,
         'SELECT coalesce(a.shape_id, b.shape_id) FROM (SELECT DISTINCT shape_id'
         ' FROM %s) a FULL JOIN %s b USING (shape_id)'
         ' WHERE a.shape_id IS NULL OR b.shape_id IS NULL' % (s, l)),
        ('%s: duplicate shape_id' % l,
         'SELECT shape_id FROM %s GROUP BY shape_id HAVING count(*) > 1' % l),
        ('%s: geom NULL, not SRID %d, npoints or ST_NPoints not the shape\'s point'
         ' count, or ST_Zmflag not 1 (M) iff every shapes row has'
         ' shape_dist_traveled' % (l, srid),
         "SELECT l.shape_id || ' npoints ' || l.npoints || ' ST_NPoints ' ||"
         " coalesce(ST_NPoints(l.geom)::text, 'NULL') || ' points ' || p.n ||"
         " ' zm ' || coalesce(ST_Zmflag(l.geom)::text, 'NULL')"
         ' FROM %s l JOIN (SELECT shape_id, count(*) AS n FROM %s GROUP BY'
         ' shape_id) p USING (shape_id) WHERE l.geom IS NULL OR ST_SRID(l.geom) <> %d'
         ' OR GeometryType(l.geom) NOT IN (\'LINESTRING\', \'LINESTRINGM\')'
         ' OR l.npoints <> p.n OR ST_NPoints(l.geom) <> p.n'
         ' OR ST_Zmflag(l.geom) <> CASE WHEN %s THEN 1 ELSE 0 END'
         % (l, s, srid, allm)),
        ('%s: ST_StartPoint not the point of the lowest shape_pt_sequence' % l,
         'SELECT p.shape_id FROM %s p JOIN %s l USING (shape_id) WHERE p.k = 1'
         ' AND (%s OR (%s AND ST_M(ST_StartPoint(l.geom)) IS DISTINCT FROM p.m))'
         % (pts, l, differs('ST_StartPoint(l.geom)', 'p.x', 'p.y'), allm)),
        ('%s: ST_EndPoint not the point of the highest shape_pt_sequence' % l,
         'SELECT p.shape_id FROM %s p JOIN %s l USING (shape_id) WHERE p.k = p.n'
         ' AND (%s OR (%s AND ST_M(ST_EndPoint(l.geom)) IS DISTINCT FROM p.m))'
         % (pts, l, differs('ST_EndPoint(l.geom)', 'p.x', 'p.y'), allm)),
        ('%s: points not the shape\'s points in shape_pt_sequence order' % l,
         "SELECT coalesce(p.shape_id, d.shape_id) || ' point ' || coalesce(p.k, d.k)"
         ' FROM %s p FULL JOIN (SELECT l.shape_id, (dp).path[1] AS k, (dp).geom AS g'
         ' FROM %s l, LATERAL ST_DumpPoints(l.geom) AS dp) d'
         ' ON d.shape_id = p.shape_id AND d.k = p.k'
         ' WHERE p.shape_id IS NULL OR d.shape_id IS NULL OR %s'
         ' OR (%s AND ST_M(d.g) IS DISTINCT FROM p.m)'
         % (pts, l, differs('d.g', 'p.x', 'p.y'), allm)),
    ]

def data_schema(schema):
    """The schema that holds the rows (and indexes) of schema's tables."""
    return value("SELECT 'gtfs2pgsql_data_' || oid FROM pg_namespace WHERE nspname = %s"
                 % ql(schema))

def gist_problems(schema):
    got = {r[0] for r in query(
        "SELECT tablename FROM pg_indexes WHERE schemaname = %s"
        " AND indexdef ~* 'USING gist \\(geom\\)'" % ql(data_schema(schema)))}
    # an empty file's table is no partition, and has no index
    rows = {t for t in ('stops', 'shapes', 'shape_lines', 'route_lines',
                        'locations')
            if value('SELECT count(*) > 0 FROM %s.%s' % (qi(schema), t)) == 't'}
    missing = sorted(rows - got)
    return ['%s: no GiST index on geom of: %s' % (schema, ', '.join(missing))] if missing else []

def geom_feed_test(path):
    stem = os.path.basename(path)[:-4]

    def fn():
        s = need_loaded(path)
        problems = []
        gather(problems, check_geom_type, s, 'stops', 'geometry(Point,4326)')
        gather(problems, check_geom_type, s, 'shapes', 'geometry(Point,4326)')
        gather(problems, check_geom_type, s, 'locations', 'geometry(MultiPolygon,4326)')
        gather(problems, check_geom_type, s, 'shape_lines', 'geometry')
        problems += geo_problems(
            point_checks(s, 'stops', 'stop_id', 'stop_lat', 'stop_lon', 4326, 0) +
            point_checks(s, 'shapes', 'shape_id', 'shape_pt_lat', 'shape_pt_lon', 4326, 0) +
            shape_line_checks(s))
        problems += gist_problems(s)
        gather(problems, check_geom_type, s, 'route_lines',
               'geometry(MultiLineString,4326)')
        views = {r[0] for r in query('SELECT table_name FROM information_schema.views'
                                     ' WHERE table_schema = %s' % ql(s))}
        # and those of tests/analysis.py: the translated ones with
        # translations.txt, as gtfs-via-postgres makes them
        want = {'trip_lines', 'arrivals_departures', 'connections',
                'feed_time_frame'}
        with zipfile.ZipFile(path) as z:
            if any(n.split('/')[-1] == 'translations.txt' for n in z.namelist()):
                want |= {'translations_by_record', 'translations_by_value',
                         'translation_languages', 'stops_translated',
                         'routes_translated', 'trips_translated',
                         'arrivals_departures_translated',
                         'connections_translated'}
        if views != want:
            problems.append('%s: views %s, not %s'
                            % (s, sorted(views), sorted(want)))
        check(not problems, '\n'.join(problems))
    TESTS.append(('geom_feed_' + schema_for(stem)[2:], fn, True))

geom_feed_test(os.path.join(TMP, 'made-sample.zip'))
if os.path.isdir(FEEDS):
    for p in sorted(os.listdir(FEEDS)):
        if p.endswith('.zip'):
            geom_feed_test(os.path.join(FEEDS, p))

# -------------------------------------------------- feed copies, fixtures

def copy_feed(src, name, changes=None):
    """A directory TMP/name with every file of feed src (a directory or a
    zip, its paths flattened), then changes applied: {file: text, or None
    to remove it}."""
    d = os.path.join(TMP, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    if os.path.isdir(src):
        for n in os.listdir(src):
            if os.path.isfile(os.path.join(src, n)):
                shutil.copy(os.path.join(src, n), d)
    else:
        with zipfile.ZipFile(src) as z:
            for info in z.infolist():
                base = info.filename.split('/')[-1]
                if info.is_dir() or '__MACOSX' in info.filename.split('/') or not base:
                    continue
                with z.open(info) as f, open(os.path.join(d, base), 'wb') as out:
                    shutil.copyfileobj(f, out)
    for n, text in (changes or {}).items():
        if text is None:
            if os.path.exists(os.path.join(d, n)):
                os.remove(os.path.join(d, n))
        else:
            write_feed(name, {n: text})
    return d

def csv_text(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerows(rows)
    return out.getvalue()

def member_rows(feed, name):
    """(header, data rows) of file name of feed (a directory or a zip)."""
    rows = list(records(feed_members(feed)[name]))
    return [h.strip() for h in rows[0]], rows[1:]

def shuffled(feed, name, seed=42):
    """The text of feed's file name with its data rows shuffled."""
    header, rows = member_rows(feed, name)
    mixed = list(rows)
    random.Random(seed).shuffle(mixed)
    check(len(rows) < 2 or mixed != rows, '%s: the shuffle changed nothing' % name)
    return csv_text([header] + mixed)

def need_sample_schema():
    """The sample fixture loaded at SRID 4326, once."""
    d = need_fixture('sample')
    if 'geo-sample' not in LOADED:
        load(d, 'geo_sample')
        LOADED['geo-sample'] = 'geo_sample'
    return d, 'geo_sample'

def load_args(feed, schema, *args):
    r = run('-q', '-s', schema, *args, feed)
    check(r.returncode == 0, 'loading %s into %s with %s: %s'
          % (feed, schema, ' '.join(map(str, args)) or 'no options', describe(r)))
    return r

# ----------------------------------------------------------------- --srid

class OtherDatabase:
    """The tests in a database of their own (DB_suffix), which is dropped
    after: the feeds of one database have their geometry in one SRID."""
    def __init__(self, suffix):
        self.name = '%s_%s' % (DB, suffix)

    def __enter__(self):
        global DB
        psql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;' % (qi(self.name), qi(self.name)))
        # psql here and the program (gtfstest.run) both go there
        self.saved, DB = DB, self.name
        g.DB = DB

    def __exit__(self, *exc):
        global DB
        DB = g.DB = self.saved
        psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(self.name))

def check_srid_load(feed, schema, srid):
    """Loads feed with --srid srid, in a database of its own, and checks its
    geometry against the file's coordinates; its stop_lat/stop_lon against
    the file."""
    with OtherDatabase('srid%d' % srid):
        check_srid_load_here(feed, schema, srid)

def check_srid_load_here(feed, schema, srid):
    load_args(feed, schema, '--srid', srid)
    members = feed_members(feed)
    problems = []
    for t in ('stops', 'shapes'):
        gather(problems, check_geom_type, schema, t, 'geometry(Point,%d)' % srid)
    gather(problems, check_geom_type, schema, 'locations', 'geometry(MultiPolygon,%d)' % srid)
    gather(problems, check_geom_type, schema, 'shape_lines', 'geometry')
    problems += geo_problems(
        point_checks(schema, 'stops', 'stop_id', 'stop_lat', 'stop_lon', srid, 1e-7) +
        point_checks(schema, 'shapes', 'shape_id', 'shape_pt_lat', 'shape_pt_lon', srid, 1e-7) +
        shape_line_checks(schema, srid, 1e-7) +
        [('%s: geom not in SRID %d' % (rel(schema, t), srid),
          'SELECT ST_AsEWKT(geom) FROM %s WHERE ST_SRID(geom) <> %d'
          % (rel(schema, t), srid)) for t in ('locations',)])
    for n in ('stops.txt', 'shapes.txt'):
        if n in members:
            gather(problems, compare_table_columns, schema, members[n])
    check(int(value('SELECT count(geom) FROM %s' % rel(schema, 'stops'))) > 0,
          '%s: no stop has a geom' % schema)
    check(not problems, '--srid %d:\n' % srid + '\n'.join(problems))

@test()
def geom_srid_3857_sample():
    check_srid_load(need_fixture('sample'), 'geo_sample_3857', 3857)

@test()
def geom_srid_32618_sample():
    # the sample is in Montréal, in UTM zone 18
    check_srid_load(need_fixture('sample'), 'geo_sample_32618', 32618)

@test()
def geom_srid_3857_bart():
    path = os.path.join(FEEDS, 'bart-2018.zip')
    if not os.path.isfile(path):
        raise absent(path)
    check_srid_load(path, 'geo_bart_3857', 3857)

@test()
def geom_srid_32610_bart():
    # the Bay Area is in UTM zone 10
    path = os.path.join(FEEDS, 'bart-2018.zip')
    if not os.path.isfile(path):
        raise absent(path)
    check_srid_load(path, 'geo_bart_32610', 32610)

@test()
def geom_srid_3857_locations():
    path, ref = need_feed('hopelink-flex-2026')
    s = 'geo_hopelink_3857'
    with OtherDatabase('srid3857_locations'):
        load_args(path, s, '--srid', 3857)
        check_geom_type(s, 'locations', 'geometry(MultiPolygon,3857)')
        got = query('SELECT id, ST_SRID(geom)::text, ST_AsHEXEWKB(ST_Transform(geom, 4326))'
                    ' FROM %s' % rel(s, 'locations'))
    check(len(got) == 1 and got[0][1] == '3857', 'locations: %r' % [r[:2] for r in got])
    # against the 4326 load, in the test database
    problems = geo_problems([
        ('locations not within 1e-7 degrees of the 4326 load',
         'SELECT coalesce(a.id, b.id) FROM (VALUES %s) AS a(id, geom) FULL JOIN %s b USING (id)'
         ' WHERE a.id IS NULL OR b.id IS NULL'
         ' OR ST_NPoints(a.geom::geometry) <> ST_NPoints(b.geom)'
         ' OR ST_HausdorffDistance(a.geom::geometry, b.geom) > 1e-7'
         % (', '.join('(%s, %s)' % (ql(i), ql(h)) for i, _, h in got),
            rel(ref, 'locations')))])
    check(not problems, '\n'.join(problems))

@test()
def geom_partial_coordinates_and_dist():
    """No shared feed has a stop without coordinates nor shapes.txt with
    shape_dist_traveled on some points only: the sample with two generic
    nodes (location_type 3, coordinates optional), one without any
    coordinate and one with stop_lat only, and one shape point's
    shape_dist_traveled blank.  Their geom is NULL; shape_lines has no M."""
    src = need_fixture('sample')
    header, stops = member_rows(src, 'stops.txt')
    node = dict(zip(header, stops[0]))
    node.update(location_type='3', parent_station=node['stop_id'], stop_code='',
                platform_code='', zone_id='')
    nodes = [dict(node, stop_id='NODE_NOWHERE', stop_lat='', stop_lon=''),
             dict(node, stop_id='NODE_LAT_ONLY', stop_lon='')]
    sh_header, shapes = member_rows(src, 'shapes.txt')
    shapes[len(shapes) // 2][sh_header.index('shape_dist_traveled')] = ''
    d = copy_feed(src, 'sample-partial', {
        'stops.txt': csv_text([header] + stops + [[n.get(h, '') for h in header]
                                                  for n in nodes]),
        'shapes.txt': csv_text([sh_header] + shapes)})
    s = 'geo_sample_partial'
    load_args(d, s)
    problems = []
    gather(problems, check_geom_type, s, 'shape_lines', 'geometry')
    problems += geo_problems(
        point_checks(s, 'stops', 'stop_id', 'stop_lat', 'stop_lon', 4326, 0) +
        point_checks(s, 'shapes', 'shape_id', 'shape_pt_lat', 'shape_pt_lon', 4326, 0) +
        shape_line_checks(s))
    got = query("SELECT stop_id, geom IS NULL FROM %s WHERE stop_id LIKE 'NODE%%'"
                " ORDER BY stop_id" % rel(s, 'stops'))
    if got != [('NODE_LAT_ONLY', 't'), ('NODE_NOWHERE', 't')]:
        problems.append('stops without both coordinates: %r' % (got,))
    zm = value('SELECT count(*) FILTER (WHERE ST_Zmflag(geom) <> 0) FROM %s'
               % rel(s, 'shape_lines'))
    if zm != '0':
        problems.append('%s shape_lines have M though a point has no shape_dist_traveled' % zm)
    check(not problems, '\n'.join(problems))

# --------------------------------------------------------- shuffled shapes

def check_same_shape_lines(a, b):
    n = int(value('SELECT count(*) FROM %s' % rel(a, 'shape_lines')))
    check(n > 0, '%s: no shape_lines' % a)
    problems = geo_problems([
        ('shape_lines differ between %s and %s' % (a, b),
         'SELECT coalesce(a.shape_id, b.shape_id) FROM %s a FULL JOIN %s b'
         ' USING (shape_id) WHERE a.shape_id IS NULL OR b.shape_id IS NULL'
         ' OR a.npoints <> b.npoints OR NOT ST_Equals(a.geom, b.geom)'
         ' OR ST_AsEWKB(a.geom) <> ST_AsEWKB(b.geom)'
         % (rel(a, 'shape_lines'), rel(b, 'shape_lines')))])
    check(not problems, '\n'.join(problems))

@test()
def geom_shuffled_shapes_sample():
    src, ref = need_sample_schema()
    d = copy_feed(src, 'sample-shuffled', {'shapes.txt': shuffled(src, 'shapes.txt')})
    load_args(d, 'geo_sample_shuffled')
    check_same_shape_lines(ref, 'geo_sample_shuffled')

@test()
def geom_shuffled_shapes_bart():
    path, ref = need_feed('bart-2018')
    d = copy_feed(path, 'bart-shuffled', {'shapes.txt': shuffled(path, 'shapes.txt')})
    load_args(d, 'geo_bart_shuffled')
    check_same_shape_lines(ref, 'geo_bart_shuffled')

# -------------------------------------------------------------- locations

def geojson_features(path):
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.split('/')[-1] == 'locations.geojson']
        check(names, '%s has no locations.geojson' % path)
        return json.loads(z.read(names[0]).decode('utf-8-sig'))['features']

def polygon_coords(geometry):
    """The rings' positions of a (Multi)Polygon, in order."""
    polys = ([geometry['coordinates']] if geometry['type'] == 'Polygon'
             else geometry['coordinates'])
    return [pos for poly in polys for ring in poly for pos in ring]

def check_locations(stem, want):
    path, s = need_feed(stem)
    features = geojson_features(path)
    check(len(features) == want, '%s: %d features in the file, not %d'
          % (stem, len(features), want))
    check_geom_type(s, 'locations', 'geometry(MultiPolygon,4326)')
    rows = {r[0]: r[1:] for r in query(
        "SELECT id, ST_IsValid(geom), ST_SRID(geom), GeometryType(geom),"
        " ST_NPoints(geom), ST_X(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)),"
        " ST_Y(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)), stop_name"
        " FROM %s" % rel(s, 'locations'))}
    check(len(rows) == want, '%s: %d locations rows, not %d' % (s, len(rows), want))
    bad = []
    for f in features:
        fid = str(f.get('id'))
        if fid not in rows:
            bad.append('%s: no row' % fid)
            continue
        valid, srid, gtype, npoints, x, y, name = rows[fid]
        coords = polygon_coords(f['geometry'])
        got = (valid, srid, gtype, int(npoints), float(x), float(y),
               name)
        exp = ('t', '4326', 'MULTIPOLYGON', len(coords), float(coords[0][0]),
               float(coords[0][1]), (f.get('properties') or {}).get('stop_name'))
        if got != exp:
            bad.append('%s: (valid, srid, type, npoints, x, y, stop_name) %r, want %r'
                       % (fid, got, exp))
    check(not bad, '\n'.join(bad))
    # stop_times that name a location or a location group
    members = feed_members(path)
    in_file = sum(1 for r in dict_records(members['stop_times.txt'])
                  if (r.get('location_id') or '').strip()
                  or (r.get('location_group_id') or '').strip())
    loc_ids = {str(f.get('id')) for f in features}
    orphans = sum(1 for r in dict_records(members['stop_times.txt'])
                  if (r.get('location_id') or '').strip()
                  and r['location_id'].strip() not in loc_ids)
    got, got_orphans = query(
        'SELECT count(*) FILTER (WHERE location_id IS NOT NULL OR location_group_id'
        ' IS NOT NULL), count(*) FILTER (WHERE location_id IS NOT NULL AND location_id'
        ' NOT IN (SELECT id FROM %s)) FROM %s' % (rel(s, 'locations'), rel(s, 'stop_times')))[0]
    check(int(got) == in_file, '%s: %s stop_times rows with location_id or location_group_id,'
          ' file has %d' % (s, got, in_file))
    check(int(got_orphans) == orphans, '%s: %s stop_times.location_id not in locations,'
          ' file has %d' % (s, got_orphans, orphans))
    return in_file

@test()
def geom_locations_ctran():
    n = check_locations('ctran-flex-2025', 8)
    check(n > 0, 'no stop_times row of ctran-flex-2025 names a location')

@test()
def geom_locations_hopelink():
    check_locations('hopelink-flex-2026', 1)

# ------------------------------------------------- trip_lines, route_lines

def trip_line_checks(schema):
    """trip_lines of trips without a shape line: the line through the trip's
    located stops (a stops row with geom) in stop_sequence order, NULL when
    it has none."""
    t, st, s, l = (rel(schema, x) for x in ('trip_lines', 'stop_times', 'stops', 'shape_lines'))
    located = ('(SELECT st.trip_id, s.geom, row_number() OVER (PARTITION BY st.trip_id'
               ' ORDER BY st.stop_sequence) AS k, count(*) OVER (PARTITION BY'
               ' st.trip_id) AS n FROM %s st JOIN %s s USING (stop_id)'
               ' WHERE s.geom IS NOT NULL)' % (st, s))
    noshape = ('(SELECT t.* FROM %s t WHERE NOT EXISTS (SELECT FROM %s l'
               ' WHERE l.shape_id = t.shape_id))' % (t, l))
    return [
        ('%s: trips with >= 2 located stops and no shape line whose geom is NULL,'
         ' from_shape not false, or ST_NPoints not their count' % t,
         'SELECT t.trip_id FROM %s t JOIN (SELECT DISTINCT trip_id, n FROM %s x'
         ' WHERE n >= 2) c USING (trip_id) WHERE t.geom IS NULL OR t.from_shape'
         ' IS DISTINCT FROM false OR ST_NPoints(t.geom) <> c.n' % (noshape, located)),
        ('%s: trips without a located stop nor a shape line whose geom is not NULL' % t,
         'SELECT t.trip_id FROM %s t WHERE t.geom IS NOT NULL AND NOT EXISTS'
         ' (SELECT FROM %s x WHERE x.trip_id = t.trip_id)' % (noshape, located)),
        ('%s: points of lines from stops not the stops in stop_sequence order' % t,
         "SELECT coalesce(x.trip_id, d.trip_id) || ' point ' || coalesce(x.k, d.k)"
         ' FROM (SELECT * FROM %s x WHERE n >= 2 AND trip_id IN (SELECT trip_id'
         ' FROM %s t)) x FULL JOIN'
         ' (SELECT t.trip_id, (dp).path[1] AS k, (dp).geom AS g FROM %s t,'
         ' LATERAL ST_DumpPoints(t.geom) dp WHERE t.trip_id IN (SELECT trip_id FROM %s'
         ' x WHERE n >= 2)) d ON d.trip_id = x.trip_id AND d.k = x.k'
         ' WHERE x.trip_id IS NULL OR d.trip_id IS NULL OR NOT ST_Equals(x.geom, d.g)'
         ' OR ST_SRID(d.g) <> ST_SRID(x.geom)' % (located, noshape, noshape, located)),
        ('%s: trips with a shape line whose geom is not that line in 2D, or from_shape'
         ' not true' % t,
         'SELECT t.trip_id FROM %s t JOIN %s l USING (shape_id) WHERE t.geom IS NULL'
         ' OR ST_AsEWKB(t.geom) <> ST_AsEWKB(ST_Force2D(l.geom)) OR NOT t.from_shape'
         % (t, l)),
        ('%s: rows not one per trip' % t,
         'SELECT coalesce(a.trip_id, b.trip_id) FROM %s a FULL JOIN %s b USING (trip_id)'
         ' WHERE a.trip_id IS NULL OR b.trip_id IS NULL OR a.route_id IS DISTINCT FROM'
         ' b.route_id OR a.shape_id IS DISTINCT FROM b.shape_id'
         % (t, rel(schema, 'trips'))),
    ]

def route_line_checks(schema):
    r, t = rel(schema, 'route_lines'), rel(schema, 'trip_lines')
    return [
        ('%s: not one row per route with a trip line' % r,
         'SELECT coalesce(a.route_id, b.route_id) FROM (SELECT DISTINCT route_id FROM %s'
         ' WHERE geom IS NOT NULL) a FULL JOIN %s b USING (route_id)'
         ' WHERE a.route_id IS NULL OR b.route_id IS NULL' % (t, r)),
        ('%s: duplicate route_id' % r,
         'SELECT route_id FROM %s GROUP BY route_id HAVING count(*) > 1' % r),
        ('%s: geom NULL or not a MULTILINESTRING' % r,
         "SELECT route_id FROM %s WHERE geom IS NULL OR GeometryType(geom)"
         " <> 'MULTILINESTRING'" % r),
        # ST_Union keeps the lines' vertices: look for them, and measure the
        # distance to the route's line only of those not found
        ('%s: a vertex of a trip line not on its route\'s line' % r,
         'WITH r AS MATERIALIZED (SELECT * FROM %s), rv AS (SELECT DISTINCT'
         ' r.route_id, ST_X((dp).geom) AS x, ST_Y((dp).geom) AS y FROM r,'
         ' LATERAL ST_DumpPoints(r.geom) dp), p AS (SELECT DISTINCT l.route_id,'
         ' (dp).geom AS g FROM (SELECT DISTINCT route_id, geom FROM %s'
         ' WHERE geom IS NOT NULL) l, LATERAL ST_DumpPoints(l.geom) dp)'
         " SELECT p.route_id || ' ' || ST_AsText(p.g) FROM p JOIN r USING (route_id)"
         ' LEFT JOIN rv ON rv.route_id = p.route_id AND rv.x = ST_X(p.g)'
         ' AND rv.y = ST_Y(p.g) WHERE ST_SRID(r.geom) <> ST_SRID(p.g) OR'
         ' (rv.route_id IS NULL AND ST_Distance(r.geom, p.g) > 1e-9)' % (r, t)),
    ]

@test()
def geom_trip_lines_without_shapes():
    """The sample without shapes.txt, every trip's shape_id blank and
    stop_times shuffled: each trip's line goes through its stops."""
    src = need_fixture('sample')
    header, trips = member_rows(src, 'trips.txt')
    for row in trips:
        row[header.index('shape_id')] = ''
    d = copy_feed(src, 'sample-noshapes', {
        'shapes.txt': None, 'trips.txt': csv_text([header] + trips),
        'stop_times.txt': shuffled(src, 'stop_times.txt')})
    s = 'geo_sample_noshapes'
    load_args(d, s)
    problems = geo_problems(trip_line_checks(s) + route_line_checks(s))
    n, from_shape = query('SELECT count(geom), count(*) FILTER (WHERE from_shape)'
                          ' FROM %s' % rel(s, 'trip_lines'))[0]
    check(int(n) > 0, '%s: no trip line' % s)
    check(from_shape == '0', '%s: %s trip lines from_shape without shapes' % (s, from_shape))
    check(not problems, '\n'.join(problems))

@test()
def geom_trip_lines_sample():
    _, s = need_sample_schema()
    problems = geo_problems(trip_line_checks(s) + route_line_checks(s))
    check(value('SELECT count(*) FILTER (WHERE from_shape) FROM %s'
                % rel(s, 'trip_lines')) != '0', '%s: no trip line from a shape' % s)
    check(not problems, '\n'.join(problems))

@test()
def geom_trip_lines_ctran():
    # flex trips serve locations and location groups, not stops: no line
    _, s = need_feed('ctran-flex-2025')
    problems = geo_problems(trip_line_checks(s) + route_line_checks(s))
    check(not problems, '\n'.join(problems))

@test()
def geom_route_lines_bart():
    _, s = need_feed('bart-2018')
    got, want = query('SELECT (SELECT count(*) FROM %s), (SELECT count(DISTINCT route_id)'
                      ' FROM %s)' % (rel(s, 'route_lines'), rel(s, 'trips')))[0]
    check(got == want and int(want) > 0,
          '%s: %s route_lines rows, %s routes with trips' % (s, got, want))
    problems = geo_problems(route_line_checks(s) + trip_line_checks(s))
    check(not problems, '\n'.join(problems))

@test()
def geom_trip_lines_valid():
    """A GTFS-Flex trip may serve a stop and then a location group: its one
    located stop must not make a one-point LineString, which is not a valid
    geometry (ST_IsValid false: 'Too few points')."""
    src = need_fixture('sample')
    header, trips = member_rows(src, 'trips.txt')
    trip = dict(zip(header, trips[0]), trip_id='FLEX', shape_id='')
    theader, times = member_rows(src, 'stop_times.txt')
    flex = ['location_group_id', 'start_pickup_drop_off_window',
            'end_pickup_drop_off_window']
    first = dict(zip(theader, times[0]), trip_id='FLEX', stop_sequence='1')
    second = dict(first, stop_sequence='2', stop_id='', arrival_time='',
                  departure_time='', location_group_id='LG1',
                  start_pickup_drop_off_window='06:00:00',
                  end_pickup_drop_off_window='07:00:00')
    all_cols = theader + flex
    d = copy_feed(src, 'sample-flex', {
        'trips.txt': csv_text([header] + trips + [[trip[h] for h in header]]),
        'stop_times.txt': csv_text([all_cols] + [r + [''] * len(flex) for r in times]
                                   + [[e.get(h, '') for h in all_cols]
                                      for e in (first, second)]),
        'location_groups.txt': 'location_group_id,location_group_name\nLG1,Zone\n',
        'location_group_stops.txt': 'location_group_id,stop_id\n'
                                    'LG1,%s\n' % times[1][theader.index('stop_id')]})
    s = 'geo_sample_flex'
    load_args(d, s)
    got = query("SELECT coalesce(ST_AsText(geom), 'NULL'), ST_IsValid(geom), from_shape"
                " FROM %s WHERE trip_id = 'FLEX'" % rel(s, 'trip_lines'))
    check(len(got) == 1 and got[0][1] != 'f' and got[0][2] == 'f',
          'trip_lines of a trip with one located stop: %r, not NULL or a valid geometry'
          % (got,))
    problems = geo_problems([(
        '%s: invalid geometries' % rel(s, 'route_lines'),
        'SELECT route_id FROM %s WHERE NOT ST_IsValid(geom)' % rel(s, 'route_lines'))])
    check(not problems, '\n'.join(problems))

# ------------------------------------------------------ bad coordinates

def record_line(text, row):
    """The physical line on which data row `row` (0: the first after the
    header; negative from the end) of CSV text starts: quoted fields may hold
    line breaks."""
    reader, ends = csv.reader(io.StringIO(text, newline='')), []
    for _ in reader:
        ends.append(reader.line_num)
    starts = [1] + [e + 1 for e in ends[:-1]]
    return starts[1:][row]

def sample_with_stop(name, field_values, row=-1):
    """A copy of the sample whose stops.txt row (0: the first data row) has
    field_values; returns (directory, the row's first physical line)."""
    src = need_fixture('sample')
    header, rows = member_rows(src, 'stops.txt')
    for k, v in field_values.items():
        rows[row][header.index(k)] = v
    text = csv_text([header] + rows)
    return copy_feed(src, name, {'stops.txt': text}), record_line(text, row), header

def check_bad_coordinate(name, field, val, row=-1, file_name='stops.txt'):
    if file_name == 'stops.txt':
        d, line, header = sample_with_stop(name, {field: val}, row)
    else:
        src = need_fixture('sample')
        header, rows = member_rows(src, file_name)
        rows[row][header.index(field)] = val
        text = csv_text([header] + rows)
        line = record_line(text, row)
        d = copy_feed(src, name, {file_name: text})
    schema = 'geo_' + re.sub(r'[^a-z0-9_]', '_', name)
    r = run('--strict', '-s', schema, d)
    check(r.returncode == 1, '--strict, %s %s: %s' % (field, val, describe(r)))
    where = '%s:%d:%d: error:' % (file_name, line, header.index(field) + 1)
    hits = [l for l in r.stderr.splitlines() if where in l and val in l]
    check(hits, 'no "%s ... %s" line in stderr: %s' % (where, val, describe(r)))
    check(schema not in schema_names(), 'schema %s created' % schema)
    # by default the row loads, that value and the point NULL, with a notice
    r = run('-s', schema, d)
    check(r.returncode == 0, '%s %s: %s' % (field, val, describe(r)))
    # (the validator's rule adds stop_without_location: the stop lost its place)
    got = query('SELECT line, code, action, value FROM %s WHERE "column" = %s'
                " AND code <> 'stop_without_location'"
                % (rel(schema, 'import_notices'), ql(field)))
    check(got == [(str(line), 'number_out_of_range', 'value_nulled', val)],
          'notices of %s: %r' % (field, got))
    table = file_name[:-4]
    nulls = value('SELECT count(*) FROM %s WHERE %s IS NULL AND geom IS NULL'
                  % (rel(schema, table), qi(field)))
    check(nulls == '1', '%s rows with %s and geom NULL, 1 expected' % (nulls, field))

def schema_names():
    return {r[0] for r in query('SELECT nspname FROM pg_namespace')}

@test()
def geom_bad_latitude():
    check_bad_coordinate('lat-91-5', 'stop_lat', '91.5')

@test()
def geom_bad_longitude():
    check_bad_coordinate('lon-180-5', 'stop_lon', '-180.5', row=5)

@test()
def geom_bad_shape_latitude():
    check_bad_coordinate('shape-lat', 'shape_pt_lat', '-90.25', row=7, file_name='shapes.txt')

@test()
def geom_coordinate_limits():
    # the bounds themselves are valid
    d, _, _ = sample_with_stop('limits', {'stop_lat': '-90', 'stop_lon': '180'}, row=3)
    s = 'geo_limits'
    r = run('-s', s, d)
    check(r.returncode == 0, describe(r))
    header, rows = member_rows(d, 'stops.txt')
    sid = rows[3][header.index('stop_id')]
    got = query('SELECT ST_X(geom), ST_Y(geom) FROM %s WHERE stop_id = %s'
                % (rel(s, 'stops'), ql(sid)))
    check(got == [('180', '-90')], 'geom of %s: %r' % (sid, got))

@test()
def geom_origin_warning():
    d, line, header = sample_with_stop('origin', {'stop_lat': '0', 'stop_lon': '0.0'}, row=4)
    s = 'geo_origin'
    r = run('-s', s, d)
    check(r.returncode == 0, describe(r))
    # the notice block: the code's line, then its notices
    lines = r.stderr.splitlines()
    at = [k for k, l in enumerate(lines) if 'point_near_origin' in l]
    check(at and lines[at[0] + 1:at[0] + 2] and
          lines[at[0] + 1].strip().startswith('stops.txt:%d: ' % line),
          'no point_near_origin at stops.txt:%d in stderr: %s' % (line, describe(r)))
    got = query('SELECT line, action FROM %s WHERE code = %s'
                % (rel(s, 'import_notices'), ql('point_near_origin')))
    check(got == [(str(line), 'kept')], 'point_near_origin notices: %r' % got)
    _, rows = member_rows(d, 'stops.txt')
    sid = rows[4][header.index('stop_id')]
    got = query('SELECT ST_AsEWKT(geom) FROM %s WHERE stop_id = %s' % (rel(s, 'stops'), ql(sid)))
    check(got == [('SRID=4326;POINT(0 0)',)], 'geom of %s: %r' % (sid, got))

def check_unknown_srid(srid):
    # unreachable server: the SRID must be refused before connecting (exit 1, not 2)
    r = run('--srid', srid, '-d', 'host=127.0.0.1 port=1 connect_timeout=2',
            need_fixture('sample'), db=False)
    check(r.returncode == 1, 'unreachable server: ' + describe(r))
    check(str(srid) in r.stderr, 'stderr does not mention %s: %s' % (srid, describe(r)))
    s = 'geo_srid_%d' % srid
    r = run('--srid', srid, '-s', s, need_fixture('sample'))
    check(r.returncode == 1, describe(r))
    check(str(srid) in r.stderr, 'stderr does not mention %s: %s' % (srid, describe(r)))
    check(s not in schema_names(), 'schema %s created' % s)

@test()
def geom_unknown_srid_12345():
    check_unknown_srid(12345)

@test()
def geom_unknown_srid_999999():
    check_unknown_srid(999999)

@test()
def geom_no_geometry():
    """In a database of its own: a --no-geometry load as its first feed."""
    with OtherDatabase('nogeom'):
        no_geometry_here()

def no_geometry_here():
    src = need_fixture('sample')
    s = 'geo_nogeom'
    load_args(src, s, '--no-geometry')
    problems = []
    gather(problems, check_counts, s, {n: count_records(m) for n, m in feed_members(src).items()})
    # the first feed of a database with PostGIS gives the cross-feed tables
    # their geometry columns, NULL in this feed: a later feed with geometry
    # changes no other feed's tables (tests/layout.py)
    geo = query("SELECT table_name || '.' || column_name FROM information_schema.columns"
                " WHERE table_schema = %s AND udt_name IN ('geometry', 'geography')" % ql(s))
    if sorted(r[0] for r in geo) != ['shapes.geom', 'stops.geom']:
        problems.append('geometry columns: %s' % ', '.join(r[0] for r in geo))
    for t in ('stops', 'shapes'):
        if table_types(s, t).get('geom') != 'geometry(Point,4326)':
            problems.append('%s.geom is %s' % (t, table_types(s, t).get('geom')))
        elif value('SELECT count(geom) FROM %s' % rel(s, t)) != '0':
            problems.append('%s.geom is not NULL' % t)
    left = sorted(tables_of(s) & {'shape_lines', 'trip_lines', 'route_lines', 'locations'})
    if left:
        problems.append('tables or views made: %s' % ', '.join(left))
    check(not problems, '\n'.join(problems))
    # the same schema loaded again with geometry, then without
    load_args(src, s)
    check('geom' in table_types(s, 'stops') and 'shape_lines' in tables_of(s),
          'no geometry after a load with geometry over a --no-geometry one')
    # the cross-feed tables keep their geometry columns, NULL in this feed
    load_args(src, s, '--no-geometry')
    check(value('SELECT count(geom) FROM %s' % rel(s, 'stops')) == '0'
          and value('SELECT count(*) FROM %s' % rel(s, 'shape_lines')) == '0'
          and 'trip_lines' not in tables_of(s),
          'geometry left after a --no-geometry load over a load with geometry')

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

def timed(name, fn):
    """fn, printing how long it took (TEST_TIMES=1)."""
    def wrapper():
        t0 = time.time()
        try:
            fn()
        finally:
            print('# %s: %.1f s' % (name, time.time() - t0), flush=True)
    return wrapper

def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ''
    if os.environ.get('TEST_TIMES'):            # print each test's duration
        TESTS[:] = [(n, timed(n, f), db) for n, f, db in TESTS]
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
