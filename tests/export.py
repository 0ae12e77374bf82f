#!/usr/bin/python3
"""
Tests of pgsql2gtfs: a loaded feed written back as GTFS.

    tests/with-postgres tests/export.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line); only the tests
registered here run.

- Round trip on the fixtures and on every feed of ../shared/feeds/ and
  ../shared/feeds/defective/: load A, export, load the export as B; every
  table of A equals B's (EXCEPT ALL both ways, geometry included), with the
  same files and the same columns in the same order.  Rows a load set
  aside are in no table: the export is compared with the tables.
- Against the original files (shared feeds that load clean of set-aside
  rows): each exported member holds the same records, values normalised
  where the reference allows two spellings (5:30:00 and 05:30:00, 1.50 and
  1.5).
- Cuts: a one-day cut and a bbox cut of two shared feeds load with no
  foreign_key_violation, with the trip counts an SQL query over the full
  feed gives; a route cut.
- Bad input and failures: exit codes, messages, nothing left at OUTPUT.

Environment: PGSQL2GTFS, the program under test (default ./pgsql2gtfs);
EXPORT_BIG=1 adds the round trip of mta-bus-brooklyn (about a minute) and
its memory; the skip says so otherwise.  Standard library only.
"""
import collections, csv, io, json, os, re, resource, signal, subprocess, sys, \
    time, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file
csv.field_size_limit(1 << 30)

test, check, Skip = it.test, it.check, it.Skip
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel

EXPORT = os.environ.get('PGSQL2GTFS', './pgsql2gtfs')
if os.sep in EXPORT and not os.path.isabs(EXPORT):
    EXPORT = os.path.join(it.REPO, EXPORT)
TMP = it.TMP
BIG = 'mta-bus-brooklyn-2026-reconstructed'
FEEDS = ['bart-2018', 'caltrain-2018', 'cdmx-2018', 'ctran-flex-2025',
         'hart-2018', 'hopelink-flex-2026', BIG, 'sacrt-2024',
         'transcollines-2020', 'wmata-rail-2026']
DEFECTIVE = ['berlin-vbb-2020', 'caltrain-2023', 'cobblinc-flex-2021',
             'ryobi-bus-2025', 'santacruz-metro-2022', 'weho-2025']
NOT_EXPORTED = {'import_notices', 'import_files'}

# ---------------------------------------------------------------- helpers

def export(*args, db=True):
    """Runs pgsql2gtfs (with -d the test database unless db=False)."""
    cmd = [EXPORT] + (['-d', it.DB] if db else []) + [str(a) for a in args]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=it.TIMEOUT)
    except FileNotFoundError:
        raise AssertionError('program not found: %s (run make, or set '
                             'PGSQL2GTFS)' % EXPORT)

def describe(r):
    err = r.stderr.decode(errors='replace') if isinstance(r.stderr, bytes) \
        else r.stderr
    return 'exit %d, stderr: %s' % (r.returncode, err.strip()[-1500:] or '(empty)')

def exported(schema, name, *args):
    """Exports schema to TMP/name (asserting exit 0); returns the path."""
    out = os.path.join(TMP, name)
    r = export('-q', '-s', schema, *args, out)
    check(r.returncode == 0, 'exporting %s: %s' % (schema, describe(r)))
    return out

def shared(stem, defective=False):
    """The path of a shared feed: Skip without ../shared, fail when it is
    there without this feed."""
    if not os.path.isdir(it.FEEDS):
        raise Skip('%s absent' % it.FEEDS)
    path = os.path.join(it.FEEDS, 'defective' if defective else '', stem + '.zip')
    check(os.path.isfile(path), 'feed missing: %s' % path)
    return path

def columns(schema):
    """{table: [column, ...] in order} of the tables of schema."""
    return {r[0]: r[1].split('\x1f') for r in query(
        "SELECT c.relname, string_agg(a.attname, E'\\x1f' ORDER BY attnum)"
        " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p')"
        " AND a.attnum > 0 AND NOT a.attisdropped GROUP BY 1" % ql(qi(schema)))}

def compare_schemas(a, b):
    """Every table of a equals b's: the same files loaded with the same
    columns, the same tables with the same columns, the same rows."""
    files_a = query('SELECT file, "table", columns::text FROM %s ORDER BY 1'
                    % rel(a, 'import_files'))
    files_b = query('SELECT file, "table", columns::text FROM %s ORDER BY 1'
                    % rel(b, 'import_files'))
    check(files_a == files_b, 'files and columns differ:\n  A %s\n  B %s'
          % (files_a, files_b))
    ta, tb = it.tables_of(a) - NOT_EXPORTED, it.tables_of(b) - NOT_EXPORTED
    check(ta == tb, 'tables differ: only in A %s, only in B %s'
          % (sorted(ta - tb), sorted(tb - ta)))
    ca, cb = columns(a), columns(b)
    tables = sorted(t for t in ta if t in ca)
    problems = ['%s: columns %s vs %s' % (t, ca[t], cb.get(t))
                for t in tables if ca[t] != cb.get(t)]
    check(not problems, '; '.join(problems))
    # every column but feed_id, which names A or B
    def rows(schema, t):
        return 'SELECT %s FROM %s' % (', '.join(qi(c) for c in ca[t] if c != 'feed_id'),
                                      rel(schema, t))
    sql = ' UNION ALL '.join(
        "SELECT %s, (SELECT count(*) FROM (%s EXCEPT ALL %s) x),"
        " (SELECT count(*) FROM (%s EXCEPT ALL %s) y)"
        % (ql(t), rows(a, t), rows(b, t), rows(b, t), rows(a, t)) for t in tables)
    bad = ['%s: %s rows only in A, %s only in B' % r
           for r in query(sql, prelude='SET jit = off;\n')
           if r[1] != '0' or r[2] != '0']
    check(not bad, 'tables differ: ' + '; '.join(bad))
    return len(tables)

def round_trip(feed, name):
    """Loads feed as A, exports it, loads the export as B, compares."""
    a, b = 'a_' + name, 'b_' + name
    it.load(feed, a)
    out = exported(a, name + '.zip')
    check(zipfile.ZipFile(out).testzip() is None, 'damaged zip ' + out)
    it.load(out, b)
    compare_schemas(a, b)
    return a, out

def types_of(schema, table):
    return {c: t for c, t in it.table_types(schema, table).items()}

def normal(v, sqltype):
    """A value as the reference means it: times in seconds, numbers as
    numbers; spaces around it are not part of it (libcsv trims them)."""
    v = v.strip(' \t')
    if v == '':
        return ''
    try:
        if sqltype == 'interval':
            h, m, s = v.split(':')
            return int(h) * 3600 + int(m) * 60 + int(s)
        if sqltype in ('double precision', 'numeric'):
            return float(v)
        if sqltype in ('smallint', 'integer'):
            return int(v)
    except ValueError:
        pass
    return v

def read_member(z, name):
    for info in z.infolist():
        if info.filename.split('/')[-1] == name:
            with z.open(info) as f:
                rows = [r for r in csv.reader(io.TextIOWrapper(
                    f, encoding='utf-8-sig', newline='')) if r]
            return [h.strip() for h in rows[0]], rows[1:]
    return None, None

def compare_with_original(original, out, schema):
    """Each exported .txt member holds the records of the original's, as
    parsed CSV, values normalised by their column's type."""
    zo, ze = zipfile.ZipFile(original), zipfile.ZipFile(out)
    problems = []
    for name in sorted(n for n in ze.namelist() if n.endswith('.txt')):
        table = value('SELECT "table" FROM %s WHERE file = %s'
                      % (rel(schema, 'import_files'), ql(name)))
        types = types_of(schema, table)
        ho, ro = read_member(zo, name)
        he, re_ = read_member(ze, name)
        if ho != he:
            problems.append('%s: header %s vs %s' % (name, ho, he))
            continue
        tys = [types.get(h, 'text') for h in ho]
        caches = [{} for _ in ho]

        def norm(rows):
            out = collections.Counter()
            width = len(ho)
            for r in rows:
                if len(r) < width:
                    r = r + [''] * (width - len(r))
                key = []
                for i in range(width):
                    v, cache = r[i], caches[i]
                    n = cache.get(v)
                    if n is None:
                        n = cache[v] = normal(v, tys[i])
                    key.append(n)
                out[tuple(key)] += 1
            return out
        # the records written alike need no normalising
        raw_o = collections.Counter(map(tuple, ro))
        raw_e = collections.Counter(map(tuple, re_))
        same = raw_o & raw_e
        co = norm(list(map(list, (raw_o - same).elements())))
        ce = norm(list(map(list, (raw_e - same).elements())))
        if co != ce:
            only_o, only_e = co - ce, ce - co
            problems.append('%s: %d records only in the original (%s), %d only'
                            ' in the export (%s)' % (
                                name, sum(only_o.values()),
                                list(only_o)[:1], sum(only_e.values()),
                                list(only_e)[:1]))
    check(not problems, '; '.join(problems))

def set_aside(schema):
    return int(value("SELECT count(*) FROM %s WHERE action = 'row_set_aside'"
                     % rel(schema, 'import_notices')))

# ------------------------------------------------------------ command line

@test(db=False)
def cli_help():
    r = export('--help', db=False)
    out = r.stdout.decode()
    check(r.returncode == 0 and 'Usage:' in out and '--bbox' in out and
          '--dbname' in out and 'Exit status' in out, describe(r))

@test(db=False)
def cli_bad_options():
    for args in (['--nope', 'x.zip'], [], ['a.zip', 'b.zip'],
                 ['--from', '2026-02-30', 'x.zip'], ['--bbox', '1,2,3', 'x.zip'],
                 ['--from', '20260302', '--to', '20260301', 'x.zip']):
        r = export(*args, db=False)
        check(r.returncode == 1, '%s: %s' % (args, describe(r)))
        check(re.search(rb'Try "pgsql2gtfs --help"|invalid|after', r.stderr),
              '%s: %s' % (args, describe(r)))

@test(db=False)
def cli_option_errors_name_the_program():
    """getopt's errors are said as gtfs2pgsql says them (cmdline.h): the
    program's name, not argv[0]'s path, then the hint; -V and -? anywhere."""
    for args, said in ((['--nope', 'x.zip'], 'unrecognized option "--nope"'),
                       (['-x', 'x.zip'], "invalid option -- 'x'"),
                       (['x.zip', '-s'], "option requires an argument -- 's'"),
                       (['x.zip', '--route'], 'option "--route" requires an argument'),
                       (['--quiet=1', 'x.zip'], "invalid option -- 'q'")):
        r = export(*args, db=False)
        err = r.stderr.decode()
        check(r.returncode == 1 and err == 'pgsql2gtfs: error: %s\nTry "pgsql2gtfs'
              ' --help" for more information.\n' % said, '%s: %s' % (args, describe(r)))
    r = export('-q', '-V', db=False)
    check(r.returncode == 0 and r.stdout.decode().startswith('pgsql2gtfs '), describe(r))
    r = export('-q', '-?', db=False)
    check(r.returncode == 0 and 'Usage:' in r.stdout.decode(), describe(r))

# ------------------------------------------------------------- round trips

@test()
def round_trip_sample():
    """The sample (the make demo feed): the export reloads identically and
    its files hold the sample's records, written in GTFS form."""
    sample = os.path.join(it.FIXTURES, 'sample')
    a, out = round_trip(sample, 'sample')
    z = zipfile.ZipFile(out)
    st = z.read('stop_times.txt').decode()
    check('\r' not in st and not st.startswith('\ufeff'), 'CR or BOM')
    check(',05:30:00,05:30:00,' in st, 'times: %r' % st[:200])
    cal = z.read('calendar.txt').decode()
    check(re.search(r',2026\d{4},2026\d{4}\n', cal), 'dates: %r' % cal)
    stops = z.read('stops.txt').decode()
    check(',45.501,-73.567,' in stops, 'coordinates: %r' % stops[:300])
    # the sample as a zip of the original files, for the value comparison
    orig = it.zip_dir(sample)
    compare_with_original(orig, out, a)

@test()
def round_trip_edge_fixture():
    edge = os.path.join(it.FIXTURES, 'edge')
    if not os.path.isdir(edge):
        raise it.absent(edge)           # the project's own: a failure
    round_trip(edge, 'edge')

@test()
def round_trip_header_order_and_extra_files():
    """Extra columns in their place, renamed columns, a file the reference
    does not define: all written back as they were."""
    files = dict(it.MINI)
    files['stops.txt'] = ('my_col,stop_lon,stop_id,stop_name,,stop_lat,geom,'
                          'stop_name\nx,-73.5,S1,"First, ""quoted""",e,45.5,'
                          'g,dup\n,-73.6,S2,Second,,45.6,,\n')
    files['extra_notes.txt'] = 'note_id,text\n1,"multi\nline"\n2,\n'
    feed = it.write_feed('order', files)
    a, out = round_trip(feed, 'order')
    header = zipfile.ZipFile(out).read('stops.txt').decode().split('\n')[0]
    check(header == 'my_col,stop_lon,stop_id,stop_name,,stop_lat,geom,'
          'stop_name', 'header: %r' % header)
    check('extra_notes.txt' in zipfile.ZipFile(out).namelist(), 'extra file')
    compare_with_original(it.zip_dir(feed), out, a)

@test()
def times_past_99_hours_round_trip():
    """Times of three digits of hours (105:32:00, 999:59:59) are
    written whole, not cut to their first two digits (issue 22, class 16);
    times under ten hours keep their two digits (05:30:00)."""
    files = dict(it.MINI)
    files['stop_times.txt'] = (
        'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n'
        'T1,5:30:00,9:59:59,S1,1\nT1,105:32:00,105:32:00,S2,2\n'
        'T1,999:59:59,999:59:59,S1,3\n')
    feed = it.write_feed('hours', files)
    a, out = round_trip(feed, 'hours')
    st = zipfile.ZipFile(out).read('stop_times.txt').decode()
    for times in ('05:30:00,09:59:59', '105:32:00,105:32:00',
                  '999:59:59,999:59:59'):
        check(',%s,' % times in st, '%s not in the export: %r' % (times, st))
    compare_with_original(it.zip_dir(feed), out, a)

@test()
def round_trip_wide_unknown_file():
    """A file the reference does not define of 400 columns (the cap), with
    20-byte values (a row of 400 text columns passes a heap page: "row is
    too big", exit 3) and with 2,000-byte values: its first 250 columns
    are text columns, the rest keys of the jsonb extra (a column named
    extra renamed), and both come back byte for byte."""
    files = dict(it.MINI)
    names = ['c%d' % i for i in range(400)]
    names[3], names[300] = 'extra', 'extra_x'
    for fname, width in (('wide20.txt', 20), ('wide2000.txt', 2000)):
        rows = [names] + [[('r%d_%d_' % (r, i)).ljust(width, 'x') for i in range(400)]
                          for r in range(3)]
        rows[2][350] = ''           # an empty value, NULL in extra
        files[fname] = ''.join(','.join(row) + '\n' for row in rows)
    feed = it.write_feed('wide_unknown', files)
    a, out = round_trip(feed, 'wide_unknown')
    z = zipfile.ZipFile(out)
    for fname in ('wide20.txt', 'wide2000.txt'):
        check(z.read(fname).decode() == files[fname], '%s not written back as read' % fname)
        table = rel(a, fname[:-4])
        got = query("SELECT c0 = 'r0_0_' || repeat('x', length(c0) - 5), extra_4 IS NOT NULL,"
                    " c249 IS NOT NULL, extra->>'c250' LIKE 'r0_250_%%', extra->>'extra_x'"
                    " LIKE 'r0_300_%%' FROM %s ORDER BY extra_4 LIMIT 1" % table)
        check(got == [('t', 't', 't', 't', 't')], '%s: columns %r' % (fname, got))
        check(value("SELECT count(*) FROM %s WHERE extra ? 'c350'" % table) == '2',
              '%s: the empty value is in extra' % fname)

@test()
def round_trip_empty_members():
    """Members of 0 bytes (transfers.txt of the reference, notes.txt not of
    it) are files of the feed: recorded in import_files and written back,
    empty, so that the export has as many files as the feed."""
    files = dict(it.MINI)
    files['transfers.txt'] = ''
    files['notes.txt'] = ''
    feed = it.write_feed('empty_members', files)
    a, out = round_trip(feed, 'empty_members')
    got = query('SELECT file, columns::text, header::text FROM %s WHERE file IN'
                " ('transfers.txt', 'notes.txt') ORDER BY 1" % rel(a, 'import_files'))
    check(got == [('notes.txt', '{}', '{}'), ('transfers.txt', '{}', '{}')],
          'import_files: %r' % (got,))
    z = zipfile.ZipFile(out)
    check(sorted(z.namelist()) == sorted(files), 'members %r, the feed %r'
          % (sorted(z.namelist()), sorted(files)))
    check(z.read('transfers.txt') == b'' and z.read('notes.txt') == b'',
          'empty members written back: %r' % [z.read(n)[:40] for n in
                                             ('transfers.txt', 'notes.txt')])
    d = exported(a, 'empty_members_dir/')
    check(sorted(os.listdir(d)) == sorted(files) and
          os.path.getsize(os.path.join(d, 'transfers.txt')) == 0,
          'folder: %r' % sorted(os.listdir(d)))

@test()
def renamed_columns_never_collide():
    """A column renamed (empty, repeated, too long, reserved) never takes
    the name of another column, earlier or later, renamed or not, nor one
    of the table's (issue 22, class 2: an empty 6th column renamed
    column_6 beside a column_6 lost a value; column_2 before an empty one
    gave exit 3).  Every combination of three such names after a catalog
    file's header (twelve files of the reference, fare_attributes.txt
    in a text COPY) and after a file the
    reference lacks: every value as written is in its table or extra, the
    names are distinct, and pgsql2gtfs writes each file back byte for
    byte."""
    files = dict(it.MINI)
    files['stop_times.txt'] = files['stop_times.txt'].replace(
        ',5:30:00,5:30:00,', ',05:30:00,05:30:00,')
    files.update({
        'calendar_dates.txt': 'service_id,date,exception_type\nWK,20260105,2\n',
        'shapes.txt': 'shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n'
                      'SH,45.5,-73.5,1\nSH,45.6,-73.6,2\n',
        'levels.txt': 'level_id,level_index\nL1,0\n',
        'fare_attributes.txt': 'fare_id,price,currency_type,payment_method,'
                               'transfers\nF1,2.5,CAD,0,\n',
        'feed_info.txt': 'feed_publisher_name,feed_publisher_url,feed_lang\n'
                         'Mini,https://mini.example/,en\n',
        'areas.txt': 'area_id,area_name\nA1,Area\n'})
    bases = sorted(name for name in files)
    long_name = 'L' * 70

    def tokens(head, n):
        """Names for the three columns after head (its first n columns);
        f(a, b, c) with a, b, c their places, 1-based."""
        h1 = head[1]
        pl = lambda k: n + k + 1
        out = [lambda p: '', lambda p: 'column_%d' % pl(0),
               lambda p: 'column_%d' % pl(1), lambda p: 'column_%d' % pl(2),
               lambda p: h1, lambda p: '%s_%d' % (h1, pl(1))]
        if head[0] == 'id':     # a file the reference lacks: a text table
            out += [lambda p: 'ctid', lambda p: 'ctid_%d' % pl(2),
                    lambda p: long_name,
                    lambda p: '%s_%d' % (long_name[:50], pl(0))]
        return out

    def with_slots(text, combo, tag):
        lines = text.rstrip('\n').split('\n')
        head = lines[0].split(',')
        names = [t(None) for t in (tokens(head, len(head))[k] for k in combo)]
        out = [','.join(head + names)]
        for r, line in enumerate(lines[1:]):
            out.append(line + ''.join(',%s_%d_%d' % (tag, r, k) for k in range(3)))
        return '\n'.join(out) + '\n'

    cat_combos = [(a, b, c) for a in range(6) for b in range(6) for c in range(6)]
    note_combos = [(a, b, c) for a in range(10) for b in range(10) for c in range(10)]
    nfeeds = len(cat_combos) // len(bases)
    per_feed = -(-len(note_combos) // nfeeds)
    problems = []
    for f in range(nfeeds):
        feed_files = dict(files)
        for j, name in enumerate(bases):
            feed_files[name] = with_slots(files[name], cat_combos[f * len(bases) + j],
                                          't%d' % j)
        for j, combo in enumerate(note_combos[f * per_feed:(f + 1) * per_feed]):
            feed_files['n%03d.txt' % j] = with_slots('id,v\n1,2\n', combo, 'n%d' % j)
        schema = 'renamed_%d' % f
        feed = it.write_feed(schema, feed_files)
        it.load(feed, schema)
        recorded = {r[0]: (json.loads(r[1]), r[2]) for r in query(
            'SELECT file, array_to_json(columns), "table" FROM %s'
            % rel(schema, 'import_files'))}
        rows = collections.defaultdict(list)
        for r in query(' UNION ALL '.join(
                'SELECT %s, to_jsonb(t) FROM %s t' % (ql(name), rel(schema, recorded[name][1]))
                for name in sorted(feed_files))):
            rows[r[0]].append(json.loads(r[1]))
        for name, text in sorted(feed_files.items()):
            head = text.split('\n')[0].split(',')
            cols = recorded[name][0]
            want = sorted(line.split(',')[len(head) - 3:]
                          for line in text.rstrip('\n').split('\n')[1:])
            got = sorted([(r.get('extra') or {}).get(c, r.get(c)) for c in cols[-3:]]
                         for r in rows[name])
            if len(set(cols)) != len(cols) or got != want:
                problems.append('%s/%s: header %s as %s: %s where %s was written'
                                % (schema, name, head, cols, got, want))
        out = exported(schema, schema + '.zip')
        z = zipfile.ZipFile(out)
        for name, text in sorted(feed_files.items()):
            back = z.read(name).decode() if name in z.namelist() else None
            if back != text:
                problems.append('%s/%s written back as %r, not %r' % (schema, name, back, text))
    check(not problems, '%d problems: %s' % (len(problems), '; '.join(problems[:5])))

def shared_round_trip(stem, defective):
    def fn():
        path = shared(stem, defective)
        if stem == BIG and not os.environ.get('EXPORT_BIG'):
            raise Skip('set EXPORT_BIG=1 for the round trip of %s' % stem)
        name = re.sub(r'[^a-z0-9]', '_', stem)
        a, out = round_trip(path, name)
        if not defective and set_aside(a) == 0:
            compare_with_original(path, out, a)
    fn.__name__ = 'round_trip_%s%s' % ('defective_' if defective else '',
                                       re.sub(r'[^a-z0-9]', '_', stem))
    test()(fn)

for _stem in FEEDS:
    shared_round_trip(_stem, False)
for _stem in DEFECTIVE:
    shared_round_trip(_stem, True)

@test()
def shared_feeds_all_listed():
    """Every feed of ../shared/feeds is one of the round trips above."""
    if not os.path.isdir(it.FEEDS):
        raise Skip('%s absent' % it.FEEDS)
    for sub, names in (('', FEEDS), ('defective', DEFECTIVE)):
        d = os.path.join(it.FEEDS, sub)
        there = {n[:-4] for n in os.listdir(d) if n.endswith('.zip')}
        check(there == set(names), '%s: not tested %s, missing %s' % (
            d, sorted(there - set(names)), sorted(set(names) - there)))

# ------------------------------------------------------------- outputs

@test()
def output_stdout_and_folder():
    """- writes the same zip to stdout; a folder gets plain files."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'o_sample')
    ref = zipfile.ZipFile(exported('o_sample', 'o.zip'))
    r = export('-q', '-s', 'o_sample', '-')
    check(r.returncode == 0, describe(r))
    z = zipfile.ZipFile(io.BytesIO(r.stdout))
    check(sorted(z.namelist()) == sorted(ref.namelist()), z.namelist())
    d = exported('o_sample', 'o_folder/')
    check(sorted(os.listdir(d)) == sorted(ref.namelist()), os.listdir(d))
    for n in ref.namelist():
        check(z.read(n) == ref.read(n), 'stdout: %s differs' % n)
        with open(os.path.join(d, n), 'rb') as f:
            check(f.read() == ref.read(n), 'folder: %s differs' % n)

# ------------------------------------------------------------- cuts

def cut_counts(schema):
    return int(value('SELECT count(*) FROM %s' % rel(schema, 'trips')))

def check_cut_loads(out, schema):
    it.load(out, schema)
    fk = value("SELECT count(*) FROM %s WHERE code = 'foreign_key_violation'"
               % rel(schema, 'import_notices'))
    check(fk == '0', '%s: %s foreign_key_violation notices: %s' % (
        schema, fk, query("SELECT file, \"column\", value FROM %s WHERE code"
                          " = 'foreign_key_violation' LIMIT 3"
                          % rel(schema, 'import_notices'))))
    unused = value('SELECT count(*) FROM %s r WHERE NOT EXISTS (SELECT FROM'
                   ' %s t WHERE t.route_id = r.route_id)'
                   % (rel(schema, 'routes'), rel(schema, 'trips')))
    check(unused == '0', '%s: %s routes without trips' % (schema, unused))

def cuts_of(stem):
    def fn():
        path = shared(stem)
        a = 'c_' + stem.replace('-', '_')
        it.load(path, a)
        # the busiest day
        day = value('SELECT date FROM %s GROUP BY 1 ORDER BY count(*) DESC, 1'
                    ' LIMIT 1' % rel(a, 'service_days'))
        want = int(value(
            'SELECT count(*) FROM %s t WHERE service_id IN (SELECT service_id'
            ' FROM %s WHERE date = %s)' % (rel(a, 'trips'),
                                           rel(a, 'service_days'), ql(day))))
        out = exported(a, a + '-day.zip', '--from', day, '--to', day)
        check_cut_loads(out, a + '_day')
        check(cut_counts(a + '_day') == want, 'day %s: %d trips, want %d'
              % (day, cut_counts(a + '_day'), want))
        same = value('SELECT count(*) FROM (SELECT service_id FROM %s WHERE date'
                     ' = %s EXCEPT SELECT service_id FROM %s) x' % (
                         rel(a, 'service_days'), ql(day),
                         rel(a + '_day', 'service_days')))
        check(same == '0', 'day %s: %s services lost' % (day, same))
        outside = value('SELECT count(*) FROM %s WHERE date <> %s' % (
            rel(a + '_day', 'service_days'), ql(day)))
        check(outside == '0', '%s service days outside %s' % (outside, day))
        # a box around the middle stop of the feed
        lon, lat = query('SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY '
                         'stop_lon), percentile_disc(0.5) WITHIN GROUP (ORDER '
                         'BY stop_lat) FROM %s' % rel(a, 'stops'))[0]
        box = [float(lon) - 0.02, float(lat) - 0.02, float(lon) + 0.02,
               float(lat) + 0.02]
        want = int(value(
            'SELECT count(DISTINCT st.trip_id) FROM %s st JOIN %s s USING '
            '(stop_id) WHERE stop_lon BETWEEN %r AND %r AND stop_lat BETWEEN '
            '%r AND %r' % (rel(a, 'stop_times'), rel(a, 'stops'), box[0],
                           box[2], box[1], box[3])))
        out = exported(a, a + '-box.zip', '--bbox', ','.join(map(repr, box)))
        check_cut_loads(out, a + '_box')
        check(want > 0 and cut_counts(a + '_box') == want,
              'box %s: %d trips, want %d' % (box, cut_counts(a + '_box'), want))
        # one route
        route, want = query('SELECT route_id, count(*) FROM %s GROUP BY 1 '
                            'ORDER BY 2 DESC, 1 LIMIT 1' % rel(a, 'trips'))[0]
        out = exported(a, a + '-route.zip', '--route', route)
        check_cut_loads(out, a + '_route')
        check(cut_counts(a + '_route') == int(want), 'route %s' % route)
    fn.__name__ = 'cuts_' + stem.replace('-', '_')
    test()(fn)

cuts_of('bart-2018')
cuts_of('sacrt-2024')

@test()
def cut_sample_period_clips_calendar():
    it.load(os.path.join(it.FIXTURES, 'sample'), 'p_sample')
    out = exported('p_sample', 'p.zip', '--from', '2026-03-02', '--to',
                   '2026-03-08')
    check_cut_loads(out, 'p_cut')
    bad = value("SELECT count(*) FROM %s WHERE start_date < '2026-03-02' OR"
                " end_date > '2026-03-08'" % rel('p_cut', 'calendar'))
    check(bad == '0', '%s calendar rows not clipped' % bad)
    days = query("SELECT service_id, date FROM %s WHERE date BETWEEN "
                 "'2026-03-02' AND '2026-03-08' EXCEPT SELECT service_id, date"
                 " FROM %s" % (rel('p_sample', 'service_days'),
                               rel('p_cut', 'service_days')))
    check(not days, 'service days lost: %s' % days[:5])

@test()
def cut_clips_feed_info_dates():
    """A cut's feed_info claims the cut's period, not the whole feed's
    (the sample's 20260101-20261231); an empty date stays empty."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'fi_sample')
    out = exported('fi_sample', 'fi.zip', '--from', '2026-03-02', '--to',
                   '2026-03-02')
    with zipfile.ZipFile(out) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open('feed_info.txt'),
                                                    encoding='utf-8')))
    check([(r['feed_start_date'], r['feed_end_date']) for r in rows] ==
          [('20260302', '20260302')], 'feed_info dates of a one-day cut: %s'
          % [(r['feed_start_date'], r['feed_end_date']) for r in rows])
    it.psql('UPDATE %s SET feed_start_date = NULL' % rel('fi_sample', 'feed_info'))
    out = exported('fi_sample', 'fi2.zip', '--from', '2026-03-02')
    with zipfile.ZipFile(out) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open('feed_info.txt'),
                                                    encoding='utf-8')))
    check([(r['feed_start_date'], r['feed_end_date']) for r in rows] ==
          [('', '20261231')], 'feed_info dates, start empty, cut from '
          '2026-03-02: %s' % [(r['feed_start_date'], r['feed_end_date'])
                              for r in rows])

@test()
def empty_cut_is_an_error():
    """A cut that keeps no trip (a period after the calendar, a box with
    no stop) exits 1 and leaves OUTPUT as it was."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'empty_cut')
    d = os.path.join(TMP, 'empty_cut')
    for args in (['--from', '2030-01-01'], ['--bbox=10,10,11,11']):
        out = older_output(d, 'feed.zip')
        r = export('-s', 'empty_cut', *args, out)
        check(r.returncode == 1 and b'keeps no trip' in r.stderr,
              '%s: %s' % (args, describe(r)))
        check(is_older(out) and os.listdir(d) == ['feed.zip'],
              '%s: OUTPUT touched or left: %s' % (args, os.listdir(d)))

@test()
def unknown_feed_id_lists_the_feeds():
    """--feed-id of no feed names the feeds there are (the first 20 and
    their count), as --schema of a schema that is no feed does."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'listed_sample')
    out = os.path.join(TMP, 'listed', 'x.zip')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    r = export('--feed-id', 'no_such_feed', out)
    err = r.stderr.decode()
    n = int(value('SELECT count(*) FROM gtfs2pgsql.feeds'))
    first = ['%s (schema %s)' % f for f in query(
        'SELECT feed_id, schema_name FROM gtfs2pgsql.feeds ORDER BY feed_id'
        ' LIMIT 20')]
    said = re.search(r'detail: the feeds of gtfs2pgsql.feeds \((\d+)\)'
                     r'(?:, the first 20)?: (.*?)(?:, \.\.\.)?$', err, re.M)
    check(r.returncode == 1 and said and int(said.group(1)) == n and
          said.group(2).split(', ') == first and (n > 20) == err.rstrip()
          .endswith('...'), '%s\n  expected the %d feeds, first %s'
          % (describe(r), n, first))
    r = export('-s', 'public', out)
    check(r.returncode == 1 and first[0] in r.stderr.decode(), describe(r))
    nothing_at(out)

# ------------------------------------------------------------- failures

def nothing_at(path):
    d = os.path.dirname(path)
    left = [n for n in os.listdir(d) if n.startswith(os.path.basename(path))
            or n.startswith('.pgsql2gtfs')] if os.path.isdir(d) else []
    check(not left, 'left at %s: %s' % (d, left))

@test()
def bad_schema_and_output():
    out = os.path.join(TMP, 'bad', 'x.zip')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    r = export('-s', 'no_such_schema', out)
    check(r.returncode == 1 and b'does not exist' in r.stderr, describe(r))
    r = export('-s', 'public', out)
    check(r.returncode == 1 and b'not a feed' in r.stderr, describe(r))
    r = export('--feed-id', 'no_such_feed', out)
    check(r.returncode == 1 and b'no_such_feed' in r.stderr, describe(r))
    nothing_at(out)
    it.load(os.path.join(it.FIXTURES, 'sample'), 'bad_sample')
    r = export('-s', 'bad_sample', os.path.join(TMP, 'no', 'such', 'x.zip'))
    check(r.returncode == 1 and b'could not write' in r.stderr, describe(r))
    # a folder the program cannot write in: read-only, but root (as CI
    # runs) writes there anyway, so a file where the folder should be,
    # which no one can write under
    ro = os.path.join(TMP, 'readonly')
    os.makedirs(ro, exist_ok=True)
    os.chmod(ro, 0o555)
    if os.access(ro, os.W_OK):
        ro = os.path.join(TMP, 'a-file')
        with open(ro, 'w') as f:
            f.write('not a folder\n')
    r = export('-s', 'bad_sample', os.path.join(ro, 'x.zip'))
    check(r.returncode == 1 and b'could not write' in r.stderr, describe(r))
    r = export('-s', 'bad_sample', '--from', '2026-03-09', '--to',
               '2026-03-01', out)
    check(r.returncode == 1 and b'after' in r.stderr, describe(r))
    nothing_at(out)

def break_feed_info(schema):
    """Makes the COPY of feed_info.txt fail in the server, after agency.txt
    to fare_rules.txt are written: a date past the end of timestamps, which
    to_char cannot print.  No code of anyone's runs."""
    it.psql("UPDATE %s SET feed_end_date = '5000000-01-01'"
            % rel(schema, 'feed_info'))

def older_output(d, name):
    """d/name, a file an earlier export left (d made if needed)."""
    os.makedirs(d, exist_ok=True)
    out = os.path.join(d, name)
    with open(out, 'wb') as f:
        f.write(b'older')
    return out

def is_older(out):
    """Whether out is still the file of older_output."""
    with open(out, 'rb') as f:
        return f.read() == b'older'

@test()
def server_failure_mid_export_leaves_nothing():
    """The server fails while feed_info streams, after other members are
    written: exit 3, and neither OUTPUT nor a temporary file is left, nor
    the older OUTPUT touched."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'mid')
    break_feed_info('mid')
    d = os.path.join(TMP, 'mid')
    out = older_output(d, 'feed.zip')
    r = export('-s', 'mid', out)
    check(r.returncode == 3 and b'out of range' in r.stderr, describe(r))
    check(os.listdir(d) == ['feed.zip'], 'left: %s' % os.listdir(d))
    check(is_older(out), 'OUTPUT changed')
    r = export('-s', 'mid', d + '/folder/')
    check(r.returncode == 3, describe(r))
    check(sorted(os.listdir(d)) == ['feed.zip'], 'left: %s' % os.listdir(d))

def folder_state(d):
    """{name: bytes} of the files of folder d."""
    out = {}
    for n in sorted(os.listdir(d)):
        with open(os.path.join(d, n), 'rb') as f:
            out[n] = f.read()
    return out

@test()
def folder_failure_leaves_it_as_it_was():
    """Item 5: a second export into a folder fails mid-way (the server, at
    feed_info.txt): the folder holds the first export's files, the stray
    one included, byte for byte, and nothing is left beside it.  Once it
    succeeds, the folder holds exactly the feed's files: the stray file is
    gone.  A folder holding anything but GTFS files is refused, untouched."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'fold')
    base = os.path.join(TMP, 'fold')
    os.makedirs(base, exist_ok=True)
    d = exported('fold', 'fold/feed/')
    with open(os.path.join(d, 'stray.txt'), 'w') as f:
        f.write('from an older feed\n')
    before = folder_state(d)
    check('agency.txt' in before and 'feed_info.txt' in before, before.keys())
    it.psql("UPDATE fold.agency SET agency_name = 'Renamed Transit'")
    it.psql("CREATE TABLE fold_feed_info AS SELECT * FROM fold.feed_info")
    break_feed_info('fold')
    r = export('-s', 'fold', d)
    check(r.returncode == 3, describe(r))
    after = folder_state(d)
    check(after == before, 'folder changed: %s' % sorted(
        n for n in set(before) | set(after) if before.get(n) != after.get(n)))
    check(os.listdir(base) == ['feed'], 'left beside: %s' % os.listdir(base))
    # the export succeeds: the folder is the new feed, the stray file gone
    it.psql("UPDATE fold.feed_info f SET feed_end_date = o.feed_end_date"
            " FROM fold_feed_info o")
    r = export('-q', '-s', 'fold', d)
    check(r.returncode == 0, describe(r))
    now = folder_state(d)
    check(sorted(now) == sorted(n for n in before if n != 'stray.txt'),
          'files: %s' % sorted(now))
    check(b'Renamed Transit' in now['agency.txt'], now['agency.txt'])
    check(os.listdir(base) == ['feed'], 'left beside: %s' % os.listdir(base))
    # a folder that holds a folder, or another kind of file: refused
    for extra in ('sub/', 'notes.doc'):
        p = os.path.join(d, extra)
        if extra.endswith('/'):
            os.makedirs(p)
            held = None
        else:
            open(p, 'w').close()
            held = folder_state(d)
        r = export('-s', 'fold', d)
        check(r.returncode == 1 and extra.rstrip('/').encode() in r.stderr,
              '%s: %s' % (extra, describe(r)))
        check(os.path.exists(p) and (held is None or folder_state(d) == held),
              '%s: folder changed' % extra)
        check(os.listdir(base) == ['feed'], 'left beside: %s' % os.listdir(base))
        if extra.endswith('/'):
            os.rmdir(p)
        else:
            os.remove(p)

def rows_read(table):
    """Rows the server has read from table and its partitions (seq_tup_read):
    how much of a COPY it ran."""
    return int(value("SELECT coalesce(sum(seq_tup_read), 0) FROM"
                     " pg_stat_user_tables WHERE relid IN (SELECT relid FROM"
                     " pg_partition_tree(%s::regclass))" % ql(table)))

@test()
def write_failure_mid_copy_ends_the_copy():
    """A write fails mid-member (the file size limit, RLIMIT_FSIZE, which
    binds root too): the export ends that COPY at once (the server asked to
    cancel it) before it rolls back, so the server stops reading the table;
    before, the ROLLBACK was sent while the COPY ran and libpq swallowed
    every row that was left.  Exit 1, the error said, nothing left; to a
    folder and to a zip."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'efbig')
    it.psql("INSERT INTO efbig.stop_times (feed_id, trip_id, arrival_time,"
            " departure_time, stop_id, stop_sequence) SELECT feed_id, trip_id,"
            " arrival_time, departure_time, stop_id, stop_sequence + 1000 * g"
            " FROM efbig.stop_times, generate_series(1, 1000) g")
    total = int(value('SELECT count(*) FROM efbig.stop_times'))
    d = os.path.join(TMP, 'efbig')
    os.makedirs(d, exist_ok=True)

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for out in (d + '/folder/', d + '/feed.zip'):
        before = rows_read('efbig.stop_times')
        r = subprocess.run([EXPORT, '-d', it.DB, '-s', 'efbig', out],
                           capture_output=True, timeout=it.TIMEOUT,
                           preexec_fn=limits)
        check(r.returncode == 1 and b'File too large' in r.stderr,
              '%s: %s' % (out, describe(r)))
        check(os.listdir(d) == [], '%s: left %s' % (out, os.listdir(d)))
        # the backend reports its counts as it exits, a moment later
        for _ in range(100):
            read = rows_read('efbig.stop_times') - before
            if read > 0:
                break
            time.sleep(0.05)
        check(0 < read < total // 2, '%s: the server read %d of the %d'
              ' stop_times after the failure' % (out, read, total))

# ------------------------------------------------------ races and signals

class Session:
    """A psql session kept open, to hold locks across the steps of a test."""
    def __init__(self):
        self.p = subprocess.Popen(
            ['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
             it.DB], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=it.PSQL_ENV)
        self.n = 0

    def run(self, sql):
        """Runs sql and waits until it is done: the session names itself
        after it, which pg_stat_activity shows (psql buffers its output)."""
        self.n += 1
        name = 'hold_%d_%d' % (os.getpid(), self.n)
        self.p.stdin.write("%s\nSET application_name = '%s';\n" % (sql, name))
        self.p.stdin.flush()
        wait_until("SELECT count(*) FROM pg_stat_activity WHERE"
                   " application_name = %s AND state <> 'active'" % ql(name),
                   'psql: %s' % sql, self.p)

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            self.p.wait(timeout=60)

def wait_until(sql, what, proc=None):
    """Polls sql (a count) until it is not 0: the state another session
    reached; fails when proc ended first or after a minute."""
    for _ in range(1200):
        if value(sql) != '0':
            return
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read()
            raise AssertionError('%s: it ended first: exit %s, %s' % (
                what, proc.returncode, err[-1500:]))
        time.sleep(0.05)
    raise AssertionError('%s: not reached after a minute' % what)

def waiting_on_lock(app, event=None):
    return ("SELECT count(*) FROM pg_stat_activity WHERE datname ="
            " current_database() AND application_name = %s AND"
            " wait_event_type = 'Lock'%s" % (
                ql(app), '' if event is None else
                ' AND wait_event = %s' % ql(event)))

def spawn_export(*args, env=None, stdout=subprocess.DEVNULL):
    """Starts pgsql2gtfs on the test database, with no core dump."""
    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return subprocess.Popen([EXPORT, '-d', it.DB] + [str(a) for a in args],
                            stdout=stdout, stderr=subprocess.PIPE,
                            env=env, preexec_fn=limits)

@test()
def export_racing_a_reload():
    """Item 4: a reload of the feed commits after the export began but
    before it locked the feed's tables (the reload held at its registry
    row, its swap done, by a trigger waiting for an advisory lock of a psql
    session).  The export sees exactly the new feed, the file the reload
    added too, and exits 0; before, it read no file and removed the zip."""
    sample = os.path.join(it.FIXTURES, 'sample')
    it.load(sample, 'race')
    os.makedirs(os.path.join(TMP, 'race'), exist_ok=True)
    out = exported('race', 'race/x.zip')
    files = {}
    for n in os.listdir(sample):
        with open(os.path.join(sample, n), encoding='utf-8') as f:
            files[n] = f.read()
    name = files['agency.txt'].split('\n')[1].split(',')[1]
    files['agency.txt'] = files['agency.txt'].replace(name, 'Reloaded', 1)
    files['extra_race.txt'] = 'race_id,note\n1,new\n'
    feed = it.write_feed('race_feed', files)
    hold = Session()
    try:
        it.psql("CREATE FUNCTION public.race_hold() RETURNS trigger"
                " LANGUAGE plpgsql SET lock_timeout = 0 AS $$BEGIN"
                " PERFORM pg_catalog.pg_advisory_xact_lock(4242, 4242);"
                " RETURN NEW; END$$;"
                " CREATE TRIGGER race_hold BEFORE INSERT ON gtfs2pgsql.feeds"
                " FOR EACH ROW WHEN (NEW.schema_name = 'race')"
                " EXECUTE FUNCTION public.race_hold();")
        hold.run('SELECT pg_catalog.pg_advisory_lock(4242, 4242);')
        reload = subprocess.Popen([it.PROG, '-d', it.DB, '-q', '-s', 'race',
                                   feed], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        wait_until(waiting_on_lock('gtfs2pgsql', 'advisory'),
                   'the reload held at its registry row', reload)
        exp = spawn_export('-s', 'race', out)
        wait_until(waiting_on_lock('pgsql2gtfs'),
                   'the export waiting for the reload', exp)
        hold.run('SELECT pg_catalog.pg_advisory_unlock(4242, 4242);')
        check(reload.wait(timeout=120) == 0, 'reload: %s' % reload.stderr.read())
        exp.wait(timeout=120)
        err = exp.stderr.read().decode(errors='replace')
        check(exp.returncode == 0, 'export: exit %d, %s' % (exp.returncode, err))
        check(os.path.exists(out), 'the zip is gone: %s' % err)
        z = zipfile.ZipFile(out)
        check(b'Reloaded' in z.read('agency.txt'),
              'not the new feed: %r' % z.read('agency.txt')[:200])
        check(sorted(z.namelist()) == sorted(files), z.namelist())
    finally:
        hold.close()
        it.psql('DROP TRIGGER IF EXISTS race_hold ON gtfs2pgsql.feeds;'
                ' DROP FUNCTION IF EXISTS public.race_hold();')

@test()
def export_of_no_file_is_an_error():
    """Item 4: a feed whose import_files lists nothing writes nothing: exit
    1, and the older OUTPUT is left as it was."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'nofile')
    it.psql('DELETE FROM nofile.import_files')
    d = os.path.join(TMP, 'nofile')
    out = older_output(d, 'x.zip')
    r = export('-s', 'nofile', out)
    check(r.returncode == 1 and b'no file' in r.stderr, describe(r))
    check(os.listdir(d) == ['x.zip'], 'left: %s' % os.listdir(d))
    check(is_older(out), 'OUTPUT changed')

@test()
def signals_remove_temporary_files():
    """Item 6: SIGHUP, SIGTERM, SIGINT, SIGQUIT while the export waits for
    a lock (a psql session holds the feed's stops), its temporary zip or
    folder there: it is removed, the older OUTPUT is left, and the program
    ends by that signal.  The zip made for stdout leaves nothing in TMPDIR."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'sig')
    d = os.path.join(TMP, 'sig')
    tmpdir = os.path.join(TMP, 'sig_tmpdir')
    os.makedirs(tmpdir, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmpdir)
    zip_out = older_output(d, 'x.zip')
    folder_out = exported('sig', 'sig/folder/')
    folder_before = folder_state(folder_out)
    hold = Session()
    try:
        hold.run('BEGIN; LOCK TABLE sig.stops IN ACCESS EXCLUSIVE MODE;')
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT,
                    signal.SIGQUIT):
            for out in (zip_out, folder_out, '-'):
                what = '%s, %s' % (signal.Signals(sig).name, out)
                p = spawn_export('-s', 'sig', out, env=env)
                try:
                    wait_until(waiting_on_lock('pgsql2gtfs'),
                               '%s: the export waiting for the lock' % what, p)
                    if out != '-':
                        temp = set(os.listdir(d)) - {'x.zip', 'folder'}
                        check(temp, '%s: no temporary file while waiting'
                              % what)
                    p.send_signal(sig)
                    p.wait(timeout=60)
                finally:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
                err = p.stderr.read().decode(errors='replace')
                check(p.returncode == -sig, '%s: exit %d, %s'
                      % (what, p.returncode, err))
                check(sorted(os.listdir(d)) == ['folder', 'x.zip'],
                      '%s: left %s' % (what, os.listdir(d)))
                check(not os.listdir(tmpdir), '%s: left in TMPDIR %s'
                      % (what, os.listdir(tmpdir)))
                check(is_older(zip_out), '%s: OUTPUT changed' % what)
                check(folder_state(folder_out) == folder_before,
                      '%s: the folder changed' % what)
    finally:
        hold.close()

@test()
def stdout_closed_early():
    """Item 6: pgsql2gtfs - | head: the reader is gone when the zip is
    written; SIGPIPE is ignored, the write fails with EPIPE: exit 1, and
    nothing is left in TMPDIR."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'pipe')
    tmpdir = os.path.join(TMP, 'pipe_tmpdir')
    os.makedirs(tmpdir, exist_ok=True)
    hold = Session()
    try:
        hold.run('BEGIN; LOCK TABLE pipe.stops IN ACCESS EXCLUSIVE MODE;')
        p = spawn_export('-s', 'pipe', '-', stdout=subprocess.PIPE,
                         env=dict(os.environ, TMPDIR=tmpdir))
        wait_until(waiting_on_lock('pgsql2gtfs'), 'the export waiting', p)
        p.stdout.close()                # the reader is gone
        hold.run('COMMIT;')
        p.wait(timeout=60)
        err = p.stderr.read().decode(errors='replace')
        check(p.returncode == 1 and 'stdout' in err,
              'exit %d, %s' % (p.returncode, err))
        check(not os.listdir(tmpdir), 'left in TMPDIR: %s' % os.listdir(tmpdir))
    finally:
        hold.close()

@test()
def untrusted_relations_refused():
    """Item 1 (export side): a role's schema commented as a feed, whose
    views call a function that would make her a superuser, is not read:
    not with -s (it is not in the registry), nor once the registry names
    it (a view, owned by her: refused, naming it and her); nor her plain
    table in a feed of the registry.  The function never ran."""
    it.load(os.path.join(it.FIXTURES, 'sample'), 'trusted')
    role = 'mallory_%d' % os.getpid()
    d = os.path.join(TMP, 'trust')
    os.makedirs(d, exist_ok=True)
    out = os.path.join(d, 'x.zip')
    it.psql('CREATE ROLE %s; GRANT CREATE ON DATABASE %s TO %s;'
            ' CREATE TABLE public.mallory_ran (at timestamptz);'
            ' GRANT INSERT ON public.mallory_ran TO PUBLIC;'
            % (qi(role), qi(it.DB), qi(role)))
    try:
        it.psql("""SET ROLE %(r)s;
CREATE SCHEMA evil;
COMMENT ON SCHEMA evil IS 'gtfs2pgsql feed';
CREATE FUNCTION evil.grab() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.mallory_ran VALUES (pg_catalog.now());
    EXECUTE 'ALTER ROLE %(r)s SUPERUSER';
    RETURN 'x';
END$$;
CREATE VIEW evil.import_files AS SELECT 'agency.txt'::text AS file,
    'agency'::text AS "table", ARRAY['agency_id', 'agency_name']::text[]
    AS columns, ARRAY['agency_id', 'agency_name']::text[] AS header
    WHERE evil.grab() IS NOT NULL;
CREATE VIEW evil.agency AS SELECT evil.grab() AS agency_id,
    evil.grab() AS agency_name;
CREATE TABLE evil.tbl (x text);
RESET ROLE;""" % {'r': qi(role)})

        def ran():
            return (value('SELECT count(*) FROM public.mallory_ran') != '0' or
                    value('SELECT rolsuper FROM pg_roles WHERE rolname = %s'
                          % ql(role)) == 't')
        r = export('-s', 'evil', out)
        check(not ran(), 'her function ran: %s' % describe(r))
        check(r.returncode == 1 and b'not a feed' in r.stderr, describe(r))
        # the registry names her schema: her view is refused
        it.psql("INSERT INTO gtfs2pgsql.feeds (feed_id, schema_name,"
                " file_name, sha256, imported_at, importer_version, options,"
                " report) VALUES ('evil', 'evil', 'x.zip', '', now(), '', '',"
                " '{}')")
        r = export('--feed-id', 'evil', out)
        check(not ran(), 'her function ran: %s' % describe(r))
        check(r.returncode == 1 and b'evil.import_files' in r.stderr and
              role.encode() in r.stderr and b'view' in r.stderr, describe(r))
        # her plain table in a feed of the registry, read for a file
        it.psql('ALTER TABLE evil.tbl SET SCHEMA trusted;'
                ' INSERT INTO trusted.import_files (feed_id, file, "table",'
                " columns, header) SELECT feed_id, 'tbl.txt', 'tbl',"
                " ARRAY['x'], ARRAY['x'] FROM trusted.import_files LIMIT 1")
        r = export('-s', 'trusted', out)
        check(r.returncode == 1 and b'trusted.tbl' in r.stderr and
              role.encode() in r.stderr, describe(r))
        check(not ran(), 'her function ran: %s' % describe(r))
        nothing_at(out)
    finally:
        it.psql("DELETE FROM gtfs2pgsql.feeds WHERE feed_id = 'evil';"
                " DELETE FROM trusted.import_files WHERE file = 'tbl.txt';"
                ' DROP OWNED BY %s CASCADE; DROP ROLE %s;'
                ' DROP TABLE public.mallory_ran;' % (qi(role), qi(role)))

# ------------------------------------------------------------- memory

def peak_kb(*args):
    r = subprocess.run(['/usr/bin/time', '-f', '%M', EXPORT, '-d', it.DB, '-q']
                       + list(args), capture_output=True)
    check(r.returncode == 0, describe(r))
    return int(r.stderr.decode().strip().split('\n')[-1])

@test()
def memory_flat():
    """Peak memory of the export of the sample and of a feed 100 times its
    size differ by little: nothing is held whole."""
    if not os.path.exists('/usr/bin/time'):
        raise Skip('/usr/bin/time absent')
    with open(EXPORT, 'rb') as f:
        if b'__asan_init' in f.read():
            raise Skip('built with AddressSanitizer, whose quarantine keeps '
                       'freed memory')
    big = BIG if os.environ.get('EXPORT_BIG') else 'hart-2018'
    path = shared(big)
    it.load(os.path.join(it.FIXTURES, 'sample'), 'm_small')
    schema = 'a_' + re.sub(r'[^a-z0-9]', '_', big)
    if schema not in it.tables_of(schema) and not it.tables_of(schema):
        it.load(path, schema)
    small = peak_kb('-s', 'm_small', os.path.join(TMP, 'm_small.zip'))
    large = peak_kb('-s', schema, os.path.join(TMP, 'm_large.zip'))
    print('# peak memory: sample %d kB, %s %d kB' % (small, big, large))
    check(large < small + 4096, 'sample %d kB, %s %d kB' % (small, big, large))

if __name__ == '__main__':
    it.main()
