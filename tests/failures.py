#!/usr/bin/python3
"""
Failure tests of gtfs2pgsql: bad input (refused with --strict; the default
policy that keeps rows and records notices is in tests/notices.py), atomic
replacement under failure, concurrent readers and imports, many feeds, and
hostile archives.

    tests/with-postgres tests/failures.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line); only the tests
registered here run.  Each defective feed is a copy of fixtures/sample with
ONE defect injected.  Standard library only.
"""
import collections, csv, hashlib, io, json, os, re, signal
import subprocess, sys, threading, time, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file
csv.field_size_limit(1 << 30)

test, check = it.test, it.check
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel

SAMPLE = os.path.join(it.FIXTURES, 'sample')
EDGE = os.path.join(it.FIXTURES, 'edge')
MTA = os.path.join(it.FEEDS, 'mta-bus-brooklyn-2026-reconstructed.zip')
WMATA = os.path.join(it.FEEDS, 'wmata-rail-2026.zip')
TMP = it.TMP
VICTIM = 'victim'               # holds the sample; bad feeds must not touch it
OPTIONS = 'srid=4326 geometry=yes strict=no'

# ---------------------------------------------------------------- helpers

cmd, popen, run, load_ok = g.argv, g.popen, g.run, g.load_ok
read_text, write_file, make_feed, zip_feed = g.read_text, g.write_file, g.make_feed, g.zip_feed
csv_line, line_of, set_field, rows_of, dicts_of = (g.csv_line, g.line_of, g.set_field,
                                                   g.rows_of, g.dicts_of)
error_lines, describe = g.error_lines, g.describe

def record_counts(feed):
    """{file: records} of the .txt files of a directory or zip feed (CSV
    records after the header, blank lines not counted; bytes that are not
    UTF-8 kept as they are)."""
    out = {}
    for n, m in it.feed_members(feed).items():
        with m.open() as f:
            text = io.TextIOWrapper(f, encoding='utf-8-sig', errors='surrogateescape',
                                    newline='')
            out[n] = max(sum(1 for row in csv.reader(text) if row) - 1, 0)
    return out

def table_counts(schema):
    """{table: count} of every ordinary table of schema."""
    tables = [r[0] for r in query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1" % ql(schema))]
    if not tables:
        return {}
    return {t: int(n) for t, n in query(' UNION ALL '.join(
        'SELECT %s, count(*) FROM %s' % (ql(t), rel(schema, t)) for t in tables))}

def snapshot(schema):
    """Every table of schema with its count and a digest of its rows, and
    the schema's rows in the registry."""
    tables = [r[0] for r in query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1" % ql(schema))]
    data = {}
    if tables:
        data = {t: (n, h) for t, n, h in query(' UNION ALL '.join(
            "SELECT %s, count(*)::text, md5(coalesce(string_agg(t::text, E'\\n'"
            " ORDER BY t::text), '')) FROM %s t" % (ql(t), rel(schema, t))
            for t in tables))}
    reg = []
    if value("SELECT to_regclass('gtfs2pgsql.feeds') IS NOT NULL") == 't':
        reg = query('SELECT feed_id, sha256, imported_at::text, file_name, options'
                    ' FROM gtfs2pgsql.feeds WHERE schema_name = %s ORDER BY 1' % ql(schema))
    return data, reg

def diff_snapshots(a, b):
    (da, ra), (db, rb) = a, b
    out = []
    for t in sorted(set(da) | set(db)):
        if da.get(t) != db.get(t):
            out.append('%s: before %s rows, after %s' % (
                t, da[t][0] if t in da else '(no table)',
                db[t][0] if t in db else '(no table)'))
    if ra != rb:
        out.append('registry: before %r, after %r' % (ra, rb))
    return out

def staging_schemas():
    return [r[0] for r in query("SELECT nspname FROM pg_namespace"
                                " WHERE nspname LIKE 'gtfs2pgsql\\_load\\_%'")]

VICTIM_STATE = {}

def need_victim():
    """The sample loaded into VICTIM (once); its expected table counts."""
    if not VICTIM_STATE:
        r = run('-q', '-s', VICTIM, SAMPLE)
        check(r.returncode == 0, 'loading the sample into %s: %s' % (VICTIM, describe(r)))
        counts = table_counts(VICTIM)
        want = record_counts(SAMPLE)
        bad = ['%s: file %d, table %s' % (n, k, counts.get(n[:-4]))
               for n, k in want.items() if counts.get(n[:-4]) != k]
        check(not bad, 'the sample did not load whole: %s' % '; '.join(bad))
        VICTIM_STATE['counts'] = counts
    return VICTIM_STATE['counts']

def expect_error(r, feed, file, line, col, msg):
    """Asserts that stderr has 'gtfs2pgsql: feed:file:line[:col]: error: msg'
    (line None: a file-level error, with or without a line; line True: any
    line)."""
    errs = error_lines(r.stderr, feed)
    hits = [e for e in errs if e[0] == file
            and (line is None or (line is True and e[1]) or e[1] == line)
            and (col is None or e[2] == col)
            and re.search(msg, e[3])]
    where = '%s:%s:%s%s' % (feed, file, '' if line is None else
                            (r'\d+' if line is True else line),
                            '' if col is None else ':%s' % col)
    check(hits, 'no "%s: error: %s" line in stderr: %s' % (where, msg, describe(r)))

def check_refused(feed_path, file, line, col, msg, *args, code=1):
    """Runs the program on feed_path into VICTIM: asserts the exit code,
    the error message, and that VICTIM and the registry are as before."""
    need_victim()
    before = snapshot(VICTIM)
    r = run('-s', VICTIM, *args, feed_path)
    check(r.returncode == code, 'exit %d expected: %s' % (code, describe(r)))
    feed = os.path.basename(feed_path.rstrip('/'))
    if file:
        expect_error(r, feed, file, line, col, msg)
    else:
        check(re.search(msg, r.stderr), 'no %r in stderr: %s' % (msg, describe(r)))
    problems = diff_snapshots(before, snapshot(VICTIM))
    check(not problems, 'schema %s changed by a refused load:\n  %s'
          % (VICTIM, '\n  '.join(problems)))
    left = staging_schemas()
    check(not left, 'staging schemas left: %s' % left)
    return r

# ------------------------------------------- bad data, refused with --strict
#
# Each class of defect the notice policy knows is loaded and refused one at
# a time by tests/notices.py's gen_<case>; here only what it has no case for.

def missing_column_feed():
    """The sample with stop_times.txt's trip_id column removed."""
    header, rows = rows_of(SAMPLE, 'stop_times.txt')
    i = header.index('trip_id')
    text = '\n'.join(csv_line(r[:i] + r[i + 1:]) for r in [header] + rows) + '\n'
    return make_feed('missing_column', {'stop_times.txt': text})

@test()
def refuse_unterminated_quote():
    """A quote left open in the last record of a file, at the end of the
    file: --strict names the record's line (notices.py's quote_* tests have
    the open quote followed by more lines)."""
    text = read_text(SAMPLE, 'stops.txt')
    n = text.count('\n') + 1
    d = make_feed('unterminated_quote',
                  {'stops.txt': text + 'X99,,"Never closed,,45.5,-73.5,,0,,,\n'})
    check_refused(d, 'stops.txt', n, None, r'unterminated', '--strict')

# ---------------------------------------------- 1. archives that are bad

@test()
def zip_not_a_zip():
    path = os.path.join(TMP, 'garbage.zip')
    write_file(path, b'PK\x03\x04 this is not really a zip archive\n' * 40)
    check_refused(path, None, None, None, re.escape(path))

@test()
def zip_truncated():
    z = zip_feed(SAMPLE, os.path.join(TMP, 'whole.zip'))
    data = open(z, 'rb').read()
    path = os.path.join(TMP, 'truncated.zip')
    write_file(path, data[:len(data) // 2])
    check_refused(path, None, None, None, r'truncated\.zip')

def member_data_offset(path, name):
    """(offset, size) of member name's data in the zip at path."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    with open(path, 'rb') as f:
        f.seek(info.header_offset)
        h = f.read(30)
    check(h[:4] == b'PK\x03\x04', 'no local header for %s' % name)
    nlen, xlen = int.from_bytes(h[26:28], 'little'), int.from_bytes(h[28:30], 'little')
    return info.header_offset + 30 + nlen + xlen, info.compress_size

@test()
def zip_corrupt_deflated():
    """Bytes flipped in the middle of stop_times.txt's compressed data."""
    z = zip_feed(SAMPLE, os.path.join(TMP, 'corrupt.zip'))
    off, size = member_data_offset(z, 'stop_times.txt')
    data = bytearray(open(z, 'rb').read())
    for k in range(off + size // 2, off + size // 2 + 8):
        data[k] ^= 0x55
    write_file(z, bytes(data))
    check_refused(z, 'stop_times.txt', None, None, r'.', '--strict')

@test()
def zip_corrupt_stored_crc():
    """A stored (uncompressed) member with one digit changed: only its CRC
    tells, and it must be checked."""
    z = zip_feed(SAMPLE, os.path.join(TMP, 'crc.zip'), method=zipfile.ZIP_STORED)
    off, size = member_data_offset(z, 'shapes.txt')
    data = bytearray(open(z, 'rb').read())
    k = data.index(b'45.507903', off, off + size)
    data[k + 6] = ord('8')      # 45.507803: still a valid latitude
    write_file(z, bytes(data))
    check_refused(z, 'shapes.txt', None, None, r'(?i)crc|damaged|checksum', '--strict')

# ------------------------------------------------------ 2. missing files
#
# A required file missing is tested by notices.py's gen_missing_required_file_*
# and gen_missing_calendar_and_calendar_date_files; here: one of the two
# calendars alone is enough.

def check_whole(feed, schema):
    counts, want = table_counts(schema), record_counts(feed)
    bad = ['%s: file %d, table %s' % (n, k, counts.get(n[:-4]))
           for n, k in sorted(want.items()) if counts.get(n[:-4]) != k]
    check(not bad, 'counts differ in %s: %s' % (schema, '; '.join(bad)))

@test()
def missing_calendar_only():
    # SAT trips then need their dates in calendar_dates.txt
    text = read_text(SAMPLE, 'calendar_dates.txt') + 'SAT,20260606,1\n'
    d = make_feed('no_calendar', {'calendar.txt': None, 'calendar_dates.txt': text})
    load_ok(d, 'no_calendar')
    check_whole(d, 'no_calendar')

@test()
def missing_calendar_dates_only():
    # the FETE trip then needs its service in calendar.txt
    text = read_text(SAMPLE, 'calendar.txt') + 'FETE,0,0,0,0,0,0,0,20260624,20260701\n'
    d = make_feed('no_calendar_dates', {'calendar_dates.txt': None, 'calendar.txt': text})
    load_ok(d, 'no_calendar_dates')
    check_whole(d, 'no_calendar_dates')

@test()
def user_view_survives_reload():
    """A view of the user's on a feed's table and one on a view of ours: a
    reload keeps both, and they show the new feed."""
    schema = 'viewed'
    load_ok(SAMPLE, schema)
    it.psql('CREATE VIEW public.my_stops AS SELECT stop_id FROM viewed.stops;'
            ' CREATE VIEW public.my_days AS SELECT count(*) AS n FROM viewed.connections;')
    try:
        # the smaller feed is wanted (the guard: tests/replace.py)
        r = run('--force', '-s', schema, EDGE)
        check(r.returncode == 0, describe(r))
        check(value('SELECT count(*) FROM public.my_stops')
              == str(record_counts(EDGE)['stops.txt']), 'the view does not show the new feed')
        check(value('SELECT n FROM public.my_days') == value('SELECT count(*) FROM viewed.connections'),
              'the view over connections')
        check(not staging_schemas(), 'staging schemas left: %s' % staging_schemas())
    finally:
        it.psql('DROP VIEW IF EXISTS public.my_stops, public.my_days;')

@test()
def user_view_refuses_another_feed_id_in_its_schema():
    """Another feed id loaded into a schema puts the old feed's tables aside
    (swap.c): a view of the user's over one of them, or over a statistics
    view that is then made again, refuses the load, naming them (exit 3,
    as --drop; the old feed kept).  Before, the load went through, the
    view read the emptied tables put aside (no rows, where the README says
    it shows the new feed), and kept them from going: every later load
    said "error: could not drop the tables of dropped feeds" and exited
    0."""
    schema = 'reid'
    load_ok(SAMPLE, schema, '--feed-id', 'reid_a')
    it.psql('CREATE VIEW public.reid_stops AS SELECT stop_id FROM reid.stops;'
            ' CREATE VIEW public.reid_stats AS SELECT * FROM reid.stats_by_route_date;')
    try:
        r = run('-s', schema, '--feed-id', 'reid_b', SAMPLE)
        check(r.returncode == 3 and 'public.reid_stops' in r.stderr
              and 'public.reid_stats' in r.stderr
              and 'the database is unchanged' in r.stderr,
              'exit 3 naming both views expected: %s' % describe(r))
        check(value("SELECT feed_id FROM gtfs2pgsql.feeds WHERE schema_name = 'reid'")
              == 'reid_a', 'the old feed is gone')
        check(value('SELECT count(*) FROM public.reid_stops')
              == str(record_counts(SAMPLE)['stops.txt']), 'the view lost its rows')
    finally:
        it.psql('DROP VIEW IF EXISTS public.reid_stops, public.reid_stats;')
    r = run('-s', schema, '--feed-id', 'reid_b', SAMPLE)
    check(r.returncode == 0 and 'error' not in r.stderr, describe(r))

@test()
def refused_foreign_schema():
    """A schema gtfs2pgsql did not make is never touched."""
    it.psql('CREATE SCHEMA mine; CREATE TABLE mine.stops (a int); INSERT INTO mine.stops'
            ' VALUES (42);')
    r = run('-s', 'mine', SAMPLE)
    check(r.returncode == 1, describe(r))
    check(re.search(r'not made by gtfs2pgsql', r.stderr), describe(r))
    check(query('SELECT a FROM mine.stops') == [('42',)], 'mine.stops changed')
    check(table_counts('mine') == {'stops': 1}, 'tables of mine: %r' % table_counts('mine'))

@test()
def user_table_in_feed_schema_kept():
    """A table of the user's in a feed's schema is left alone by a reload
    (the schema is not replaced: its tables' partitions are)."""
    schema = 'annotated'
    load_ok(SAMPLE, schema)
    it.psql('CREATE TABLE annotated.my_notes (note text); '
            "INSERT INTO annotated.my_notes VALUES ('keep me');")
    r = run('--force', '-s', schema, EDGE)
    check(r.returncode == 0, describe(r))
    check(query('SELECT note FROM annotated.my_notes') == [('keep me',)],
          'my_notes lost')
    check(value('SELECT count(*) FROM annotated.stops') == str(record_counts(EDGE)['stops.txt']),
          'the feed was not replaced')

@test()
def duplicate_key_with_sql_datestyle():
    """Keys are matched as ISO dates whatever PGDATESTYLE says."""
    text = read_text(SAMPLE, 'calendar_dates.txt')
    last = text.rstrip('\n').split('\n')[-1]
    d = make_feed('dup_datestyle', {'calendar_dates.txt': text + last + '\n'})
    env = dict(os.environ, PGDATESTYLE='SQL, DMY')
    r = subprocess.run([it.PROG, '-d', it.DB, '-s', 'dupdate', '--strict', d], env=env,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 1, describe(r))
    check(re.search(r'calendar_dates\.txt:\d+:1: error: duplicate key', r.stderr),
          'no line named: ' + describe(r))

@test()
def extra_file_named_like_a_table():
    """stops.old.txt and import_notices.txt do not clash with real tables:
    import_notices stays the notices' table, and says what became of the
    file of that name."""
    d = make_feed('clashing_names', {
        'stops.old.txt': 'a,b\n1,2\n', 'import_notices.txt': 'x\n1\n'})
    r = run('-s', 'clash', d)
    check(r.returncode == 0, describe(r))
    check(value('SELECT count(*) FROM clash."stops.old"') == '1', 'stops.old not loaded')
    cols = list(it.table_types('clash', 'import_notices'))
    check(cols == ['feed_id', 'file', 'line', 'column', 'code', 'severity', 'value', 'message',
                   'action', 'record'], 'clash.import_notices has columns %r' % cols)
    check(query("SELECT count(*) FROM clash.import_notices WHERE file = 'import_notices.txt'")
          != [('0',)], 'no notice about import_notices.txt: %r'
          % query('SELECT file, code, action FROM clash.import_notices'))

@test()
def default_feed_id_keeps_dots():
    """The default feed id and schema (without -s) drop only ".zip":
    a.2024.zip and a.2023.zip are two feeds, side by side; with -s, the
    schema names the feed."""
    for year in ('2023', '2024'):
        path = os.path.join(it.TMP, 'a.%s.zip' % year)
        zip_feed(SAMPLE, path)
        r = run(path)
        check(r.returncode == 0, describe(r))
    feeds = query("SELECT feed_id, schema_name FROM gtfs2pgsql.feeds "
                  "WHERE feed_id LIKE 'a_202%' ORDER BY 1")
    check(feeds == [('a_2023', 'a_2023'), ('a_2024', 'a_2024')],
          'feeds %r' % feeds)
    r = run('-s', 'dotted', path)
    check(r.returncode == 0, describe(r))
    check(value("SELECT feed_id FROM gtfs2pgsql.feeds WHERE schema_name = 'dotted'")
          == 'dotted', 'with -s the feed id is not the schema')

# ---------------------------------------------------------- 4. max errors
#
# --max-errors bounds the errors --strict lists; the default policy records
# every notice whatever it says.

def ten_bad(kind):
    """The sample with 10 bad stop_times rows; the lines."""
    text = read_text(SAMPLE, 'stop_times.txt')
    lines = text.split('\n')
    header = next(csv.reader([lines[0]]))
    col = header.index('stop_sequence' if kind == 'value' else 'trip_id')
    for k in range(10):
        row = next(csv.reader([lines[1 + 3 * k]]))
        row[col] = 'x%d' % k if kind == 'value' else 'NOPE%d' % k
        lines[1 + 3 * k] = csv_line(row)
    return make_feed('ten_bad_' + kind, {'stop_times.txt': '\n'.join(lines)}), \
        [2 + 3 * k for k in range(10)]

def max_errors_test(kind):
    def fn():
        d, lines = ten_bad(kind)
        feed = os.path.basename(d)
        r = check_refused(d, 'stop_times.txt', lines[0], None, r'.', '--strict')
        errs = error_lines(r.stderr, feed)
        check([e[1] for e in errs] == lines,
              'default --max-errors: error lines %r, not %r: %s'
              % ([e[1] for e in errs], lines, describe(r)))
        r = check_refused(d, 'stop_times.txt', lines[0], None, r'.', '--strict',
                          '--max-errors', 3)
        errs = error_lines(r.stderr, feed)
        check([e[1] for e in errs] == lines[:3],
              '--max-errors 3: error lines %r, not %r: %s'
              % ([e[1] for e in errs], lines[:3], describe(r)))
    it.TESTS.append(('max_errors_' + kind, fn, True))

max_errors_test('value')
max_errors_test('dangling')

@test()
def max_errors_duplicates():
    text = read_text(SAMPLE, 'stops.txt')
    dups = [l for l in text.split('\n') if re.match(r'[PET]\d\d,', l)][:10]
    n0 = text.count('\n') + 1
    d = make_feed('ten_dups', {'stops.txt': text + '\n'.join(dups) + '\n'})
    r = check_refused(d, 'stops.txt', n0, None, r'duplicate stop_id', '--strict',
                      '--max-errors', 3)
    errs = error_lines(r.stderr, 'ten_dups')
    check([e[1] for e in errs] == [n0, n0 + 1, n0 + 2],
          'error lines %r, not %r: %s' % ([e[1] for e in errs], [n0, n0 + 1, n0 + 2],
                                         describe(r)))

@test()
def max_errors_ignored_by_default():
    """Without --strict, --max-errors stops nothing: every bad row is
    recorded and the feed loaded."""
    d, lines = ten_bad('value')
    schema = 'dflt_max_errors'
    r = run('-q', '-s', schema, '--max-errors', 3, d)
    check(r.returncode == 0, describe(r))
    got = sorted(int(x[0]) for x in query(
        "SELECT line FROM %s WHERE file = 'stop_times.txt' AND code = 'invalid_integer'"
        " AND action = 'row_set_aside'" % rel(schema, 'import_notices')))
    check(got == lines, 'invalid_integer notices at lines %r, not %r' % (got, lines))
    check_counts_with_aside(d, schema)

def report_files(path):
    with open(path, encoding='utf-8') as f:
        rep = json.load(f)
    return {os.path.basename(f['file']): f for f in rep['files']}

# ------------------------------------------------------ 5. the default policy
#
# The default loads what can be stored and records every defect in
# import_notices; each defect class is tested in tests/notices.py.  Here:
# rows with two defects are counted once, and a key field missing from the
# header is left out of the key.

def notice_rows(schema, where='TRUE'):
    """(file, line, column, code, severity, action, value) of
    schema.import_notices, in order."""
    return query('SELECT file, line::text, "column", code, severity, action, value FROM %s'
                 ' WHERE %s ORDER BY file, line, code, "column"'
                 % (rel(schema, 'import_notices'), where))

def check_counts_with_aside(feed, schema):
    """Asserts rows + row_set_aside notices = records for each file of feed;
    returns {file: rows set aside}."""
    counts, want = table_counts(schema), record_counts(feed)
    aside = {f: int(n) for f, n in query(
        "SELECT file, count(*) FROM %s WHERE action = 'row_set_aside' GROUP BY file"
        % rel(schema, 'import_notices'))}
    bad = ['%s: file %d, table %s + set aside %d' % (n, k, counts.get(n[:-4]), aside.get(n, 0))
           for n, k in sorted(want.items())
           if (counts.get(n[:-4]) or 0) + aside.get(n, 0) != k or n[:-4] not in counts]
    check(not bad, 'rows + set aside != records in %s: %s' % (schema, '; '.join(bad)))
    return aside

@test()
def default_bad_row_and_duplicate():
    """A stop repeated twice at the end, the first repetition with a bad
    latitude: each repetition is set aside once, as a duplicate; the first
    P01 stays whole.  A set-aside row's values count nowhere (identity 2),
    so its latitude gives no value_nulled notice."""
    text = read_text(SAMPLE, 'stops.txt')
    first = line_of(text, 'P01,')
    row = next(csv.reader([text.split('\n')[first - 1]]))
    bad = list(row)
    bad[4] = '91'
    n = text.count('\n') + 1
    d = make_feed('dup_and_bad', {'stops.txt': text + csv_line(bad) + '\n'
                                  + csv_line(row) + '\n'})
    schema = 'dflt_dup_and_bad'
    load_ok(d, schema)
    aside = check_counts_with_aside(d, schema)
    check(aside == {'stops.txt': 2}, 'rows set aside: %r' % aside)
    got = notice_rows(schema)
    dups = [(x[0], x[1], x[5]) for x in got if x[3] == 'duplicate_key']
    check(dups == [('stops.txt', str(n), 'row_set_aside'), ('stops.txt', str(n + 1),
                                                             'row_set_aside')],
          'duplicate_key notices %r: %r' % (dups, got))
    check(not [x for x in got if x[5] == 'value_nulled'],
          'a value_nulled notice for a row set aside: %r' % got)
    check(query("SELECT stop_lat::text FROM %s WHERE stop_id = 'P01'" % rel(schema, 'stops'))
          == [('45.5082',)], 'P01 not the first one')

@test()
def default_bad_row_of_dangling_trip():
    """A trip with a missing route, one of its stop_times with a bad
    stop_sequence: the trip and its other stop_times stay, that row alone
    is set aside, the route gets one foreign_key_violation."""
    tr = dicts_of(SAMPLE, 'trips.txt')[1]
    text, n, _ = set_field(read_text(SAMPLE, 'trips.txt'), '%s,%s,%s' % (
        tr['route_id'], tr['service_id'], tr['trip_id']), 'route_id', 'NOPE')
    st = read_text(SAMPLE, 'stop_times.txt')
    times = [r for r in dicts_of(SAMPLE, 'stop_times.txt') if r['trip_id'] == tr['trip_id']]
    st, m, _ = set_field(st, '%s,%s' % (tr['trip_id'], times[1]['arrival_time']),
                         'stop_sequence', 'x')
    d = make_feed('trip_and_bad_time', {'trips.txt': text, 'stop_times.txt': st})
    schema = 'dflt_trip_and_bad'
    load_ok(d, schema)
    aside = check_counts_with_aside(d, schema)
    check(aside == {'stop_times.txt': 1}, 'rows set aside: %r' % aside)
    got = notice_rows(schema)
    want = [('stop_times.txt', str(m), 'stop_sequence', 'invalid_integer', 'error',
             'row_set_aside', 'x'),
            ('trips.txt', str(n), 'route_id', 'foreign_key_violation', 'error', 'kept', 'NOPE')]
    check(got == want, 'notices %r, not %r' % (got, want))
    got = query('SELECT (SELECT count(*) FROM %s WHERE trip_id = %s),'
                ' (SELECT count(*) FROM %s WHERE trip_id = %s)'
                % (rel(schema, 'trips'), ql(tr['trip_id']), rel(schema, 'stop_times'),
                   ql(tr['trip_id'])))
    check(got == [('1', str(len(times) - 1))], '(trip, its stop_times) %r' % got)

@test()
def default_key_column_missing():
    """stop_times.txt without trip_id: the column is there, all NULL
    (missing_required_column), and the key is what is left of it,
    stop_sequence: of the rows with one stop_sequence, the first stays and
    the others are set aside as duplicates."""
    d = missing_column_feed()
    schema = 'dflt_no_trip_id'
    load_ok(d, schema)
    header, rows = rows_of(d, 'stop_times.txt')
    seqs = [int(r[header.index('stop_sequence')]) for r in rows]
    aside = check_counts_with_aside(d, schema)
    check(aside == {'stop_times.txt': len(seqs) - len(set(seqs))},
          'rows set aside %r, not %d duplicates of stop_sequence'
          % (aside, len(seqs) - len(set(seqs))))
    got = collections.Counter((x[0], x[3]) for x in notice_rows(schema))
    want = {('stop_times.txt', 'missing_required_column'): 1,
            ('stop_times.txt', 'duplicate_key'): len(seqs) - len(set(seqs))}
    check(dict(got) == want, 'notices %r, not %r' % (dict(got), want))
    check(notice_rows(schema, "code = 'missing_required_column'")
          == [('stop_times.txt', '1', 'trip_id', 'missing_required_column', 'error', 'kept',
               None)], 'missing_required_column: %r'
          % notice_rows(schema, "code = 'missing_required_column'"))
    check(query('SELECT count(trip_id) FROM %s' % rel(schema, 'stop_times')) == [('0',)],
          'trip_id not all NULL')

# ----------------------------------------- 6. killed in the middle of a load

def big_feed():
    """A feed with about 2 million stop_times: MTA Brooklyn if present, else
    the sample with that many (made once)."""
    return MTA if os.path.isfile(MTA) else g.big_feed('big', 2_000_000)

def copy_backends():
    """Backends of the test database running the COPY of stop_times into a
    staging schema, or a side load's (the big one: the kill lands halfway
    through the load)."""
    return query("SELECT pid::text, left(query, 80) FROM pg_stat_activity"
                 " WHERE datname = %s AND state = 'active' AND (query ILIKE"
                 " 'COPY %%gtfs2pgsql\\_load\\_%%stop\\_times%%' OR query ILIKE"
                 " 'COPY %%gtfs2pgsql\\_side\\_%%stop\\_times%%')"
                 % ql(it.DB))

@test()
def kill_during_load():
    feed = big_feed()
    schema = 'killed'
    load_ok(SAMPLE, schema)
    before = snapshot(schema)
    errf = open(os.path.join(TMP, 'killed.err'), 'w+')
    started = time.time()
    p = popen(cmd('-s', schema, feed), stdout=subprocess.DEVNULL, stderr=errf)
    pid = None
    try:
        while time.time() - started < 60:
            if p.poll() is not None:
                break
            rows = copy_backends()
            if rows:
                time.sleep(0.3)         # well into the COPY of stop_times
                pid = rows[0][0]
                break
            time.sleep(0.05)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
    errf.seek(0)
    check(pid is not None, 'no COPY seen in pg_stat_activity before the load ended'
          ' (exit %s, stderr %s)' % (p.returncode, errf.read()[-500:]))
    check(p.returncode == -signal.SIGKILL, 'the importer was not killed: %s' % p.returncode)
    # the server notices the dead connection
    deadline = time.time() + 15
    while time.time() < deadline and query('SELECT 1 FROM pg_stat_activity WHERE pid = %s'
                                           % pid):
        time.sleep(0.2)
    check(not query('SELECT 1 FROM pg_stat_activity WHERE pid = %s' % pid),
          'backend %s of the killed importer still there after 15 s' % pid)
    problems = diff_snapshots(before, snapshot(schema))
    check(not problems, 'schema %s changed by a killed load:\n  %s'
          % (schema, '\n  '.join(problems)))
    check(not staging_schemas(), 'staging schemas left: %s' % staging_schemas())
    locks = query("SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND"
                  " database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    check(not locks, 'advisory locks still held: %r' % locks)
    # a re-run succeeds
    report = os.path.join(TMP, 'report-killed.json')
    r = run('-q', '-s', schema, '--report', report, feed, timeout=600)
    check(r.returncode == 0, 're-run: ' + describe(r))
    files = report_files(report)
    counts = table_counts(schema)
    bad = ['%s: report %s, table %s' % (n, f['rows'], counts.get(n[:-4]))
           for n, f in files.items() if f['rows'] != counts.get(n[:-4])]
    check(not bad, '; '.join(bad))
    check(counts['stop_times'] > 1_000_000, 'stop_times: %d rows' % counts['stop_times'])

# ------------------------------------------------- 7. a reader during a replace

class Reader(threading.Thread):
    """Polls a schema through one psql session until stopped; records every
    answer (or the error that ended the session)."""
    def __init__(self, schema, feed_id):
        super().__init__(daemon=True)
        s = qi(schema)
        self.queries = [
            "SELECT 'st', count(*) FROM %s.stop_times;" % s,
            "SELECT 'both', (SELECT count(*) FROM %s.trips), (SELECT count(*) FROM %s.stop_times);"
            % (s, s),
            "SELECT 'view', count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = %s;" % ql(feed_id),
        ]
        self.answers, self.error, self.stop = [], None, threading.Event()

    def run(self):
        p = subprocess.Popen(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
                              '-d', it.DB], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=it.PSQL_ENV)
        try:
            while not self.stop.is_set():
                for q in self.queries:
                    p.stdin.write(q + '\n')
                    p.stdin.flush()
                    line = p.stdout.readline()
                    if not line:
                        self.error = 'psql ended on %r: %s' % (q, p.stderr.read().strip())
                        return
                    self.answers.append((time.time(), line.strip()))
        except (BrokenPipeError, OSError) as e:
            self.error = 'psql: %s (%s)' % (e, p.stderr.read().strip())
        finally:
            try:
                p.stdin.close()
            except OSError:
                pass
            p.kill()
            p.wait()

def counts_line(schema):
    t, s = query('SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s)'
                 % (rel(schema, 'trips'), rel(schema, 'stop_times')))[0]
    return {'st|' + s, 'both|%s|%s' % (t, s), 'view|' + s}

@test()
def reader_during_replace():
    new = WMATA if os.path.isfile(WMATA) else big_feed()
    schema = 'reader'
    load_ok(SAMPLE, schema, '--feed-id', schema)
    old = counts_line(schema)
    reader = Reader(schema, schema)
    reader.start()
    time.sleep(0.3)
    started = time.time()
    r = run('-q', '-s', schema, '--feed-id', schema, new, timeout=600)
    ended = time.time()
    time.sleep(0.3)
    reader.stop.set()
    reader.join(30)
    check(r.returncode == 0, 'loading %s: %s' % (new, describe(r)))
    check(reader.error is None, 'the reader failed: %s' % reader.error)
    newset = counts_line(schema)
    check(old != newset, 'old and new counts are the same: %r' % old)
    bad = [a for _, a in reader.answers if a not in old | newset]
    check(not bad, '%d answers neither old (%s) nor new (%s), e.g. %r'
          % (len(bad), sorted(old), sorted(newset), bad[:5]))
    during = [a for t, a in reader.answers if started < t < ended]
    # the reader was answered, with the old feed, while the import ran
    check(any(a in old for a in during),
          'no answer with the old feed while the import ran (%d answers)' % len(during))
    check(any(a in newset for _, a in reader.answers), 'the reader never saw the new feed')

# -------------------------------------------------------- 8. many feeds

def sha256_of(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()

def registry():
    return {r[0]: r[1:] for r in query(
        'SELECT feed_id, schema_name, file_name, sha256, imported_at::text, options,'
        ' importer_version FROM gtfs2pgsql.feeds')}

def check_union_views(feed_ids):
    """Each cross-feed table (partitioned by feed_id) gives, per feed, the
    count of the feed's own table."""
    reg = registry()
    views = [r[0] for r in query("SELECT c.relname FROM pg_class c JOIN pg_namespace n"
                                 " ON n.oid = c.relnamespace WHERE n.nspname = 'gtfs2pgsql'"
                                 " AND c.relkind = 'p'")]
    check('stops' in views and 'stop_times' in views, 'cross-feed tables missing: %r' % views)
    parts = ["SELECT 'view', %s, feed_id, count(*) FROM gtfs2pgsql.%s GROUP BY feed_id"
             % (ql(v), qi(v)) for v in views]
    parts += ["SELECT 'schema', %s, %s, count(*) FROM %s" % (ql(v), ql(f), rel(reg[f][0], v))
              for f in feed_ids for v in views]
    got = {(k, v, f): n for k, v, f, n in query(' UNION ALL '.join(parts))}
    problems = []
    for v in sorted(views):
        for f in feed_ids:
            if got.get(('view', v, f), '0') != got[('schema', v, f)]:
                problems.append('gtfs2pgsql.%s: %s rows for %s, its schema has %s'
                                % (v, got.get(('view', v, f), '0'), f, got[('schema', v, f)]))
        stray = {f for k, w, f in got if k == 'view' and w == v} - set(reg)
        if stray:
            problems.append('gtfs2pgsql.%s: rows for unknown feeds %r' % (v, stray))
    check(not problems, '\n'.join(problems))

@test()
def many_feeds_registry():
    a = zip_feed(SAMPLE, os.path.join(TMP, 'feed-a.zip'))
    b = zip_feed(EDGE, os.path.join(TMP, 'feed-b.zip'))
    r = run('-q', '--feed-id', 'a', a)
    check(r.returncode == 0, describe(r))
    r = run('-q', '--feed-id', 'b', b)
    check(r.returncode == 0, describe(r))
    reg = registry()
    for f, path, schema in (('a', a, 'a'), ('b', b, 'b')):
        check(f in reg, 'feed %s not in gtfs2pgsql.feeds: %r' % (f, reg))
        check(reg[f][0] == schema, 'feed %s: schema %r, not %r' % (f, reg[f][0], schema))
        check(reg[f][1] == os.path.basename(path), 'feed %s: file_name %r' % (f, reg[f][1]))
        check(reg[f][2] == sha256_of(path), 'feed %s: sha256 %s, file %s'
              % (f, reg[f][2], sha256_of(path)))
        check(reg[f][4] == OPTIONS, 'feed %s: options %r, not %r' % (f, reg[f][4], OPTIONS))
        check_whole(path, schema)
    check_union_views(['a', 'b'])

    # a again: both still there, only a's row changed
    time.sleep(0.05)
    r = run('-q', '--feed-id', 'a', a)
    check(r.returncode == 0, describe(r))
    reg2 = registry()
    check({'a', 'b'} <= set(reg2), 'after reloading a: %r' % reg2)
    check(reg2['b'] == reg['b'], 'b changed when a was reloaded: %r -> %r'
          % (reg['b'], reg2['b']))
    check(reg2['a'][3] != reg['a'][3], 'a reloaded but imported_at unchanged')
    check_union_views(['a', 'b'])

    # --skip-unchanged: the same file, the same options: nothing done
    r = run('--skip-unchanged', '--feed-id', 'a', a)
    check(r.returncode == 0, describe(r))
    check(registry()['a'] == reg2['a'], '--skip-unchanged loaded an unchanged feed')
    check(re.search(r'unchanged', r.stderr), 'no notice: ' + describe(r))
    # other options: it loads
    r = run('-q', '--skip-unchanged', '--strict', '--feed-id', 'a', a)
    check(r.returncode == 0, describe(r))
    reg3 = registry()
    check(reg3['a'][3] != reg2['a'][3] and 'strict=yes' in reg3['a'][4].split(),
          '--skip-unchanged with other options did not load: %r' % (reg3['a'],))
    # a changed file: it loads
    d = make_feed('feed-a2', {'stops.txt': read_text(SAMPLE, 'stops.txt')
                              + 'Z99,,Nouvel arrêt,,45.51,-73.55,,0,,,\n'})
    a2 = zip_feed(d, os.path.join(TMP, 'feed-a.zip'))
    r = run('-q', '--skip-unchanged', '--strict', '--feed-id', 'a', a2)
    check(r.returncode == 0, describe(r))
    reg4 = registry()
    check(reg4['a'][2] == sha256_of(a2) and reg4['a'][3] != reg3['a'][3],
          'a changed file was not loaded: %r' % (reg4['a'],))
    check(value("SELECT count(*) FROM a.stops WHERE stop_id = 'Z99'") == '1',
          'the new stop is not in a.stops')
    check_union_views(['a', 'b'])

spawn, finish = g.spawn, g.finish

@test()
def concurrent_different_feeds():
    a = zip_feed(SAMPLE, os.path.join(TMP, 'conc-1.zip'))
    b = zip_feed(EDGE, os.path.join(TMP, 'conc-2.zip'))
    p1 = spawn('-q', '--feed-id', 'conc1', a)
    p2 = spawn('-q', '--feed-id', 'conc2', b)
    (c1, e1), (c2, e2) = finish(*p1), finish(*p2)
    check(c1 == 0 and c2 == 0, 'exit %d (%s) and %d (%s)' % (c1, e1.strip(), c2, e2.strip()))
    check_whole(a, 'conc1')
    check_whole(b, 'conc2')
    reg = registry()
    check({'conc1', 'conc2'} <= set(reg), 'registry: %r' % sorted(reg))
    check_union_views(sorted(reg))

@test()
def concurrent_same_feed():
    a = zip_feed(SAMPLE, os.path.join(TMP, 'same-1.zip'))
    b = zip_feed(EDGE, os.path.join(TMP, 'same-2.zip'))
    for attempt in range(3):
        # either may come second: the smaller one is wanted too
        p1 = spawn('-q', '--force', '--feed-id', 'same', a)
        p2 = spawn('-q', '--force', '--feed-id', 'same', b)
        (c1, e1), (c2, e2) = finish(*p1), finish(*p2)
        # the second waits for the first, then replaces it: both succeed
        for c, e in ((c1, e1), (c2, e2)):
            check(c == 0, 'exit %d, stderr: %s' % (c, e.strip()))
        counts = table_counts('same')
        reg = registry()['same']
        for path in (a, b):
            want = record_counts(path)
            if all(counts.get(n[:-4]) == k for n, k in want.items()):
                check(reg[2] == sha256_of(path), 'schema holds %s but the registry says %s'
                      % (path, reg))
                break
        else:
            raise AssertionError('schema same holds neither feed: %r' % counts)
        check(not staging_schemas(), 'staging schemas left: %s' % staging_schemas())

@test()
def concurrent_first_imports_fresh_database():
    """Two imports into different schemas of a database that has neither
    PostGIS nor the registry yet."""
    db = it.DB + '_fresh'
    it.psql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s TEMPLATE template0'
            " ENCODING 'UTF8';" % (qi(db), qi(db)), db=it.DB)
    try:
        ps = [popen(cmd('-q', '-s', s, f, db=db), stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, text=True)
              for s, f in (('one', SAMPLE), ('two', EDGE))]
        res = [(p.communicate(timeout=300)[1], p.returncode)[::-1] for p in ps]
        check(all(c == 0 for c, _ in res), 'concurrent first imports: %s'
              % '; '.join('exit %d: %s' % (c, e.strip()[-400:]) for c, e in res))
    finally:
        it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(db), db=it.DB)

# ------------------------------------------------------------ 9. hostile

def run_measured(*args, timeout=120):
    """(exit code, stderr, seconds, peak RSS in kB) of one program run."""
    err = open(os.path.join(TMP, 'measured.err'), 'w+')
    t0 = time.time()
    p = popen(cmd(*args), stdout=subprocess.DEVNULL, stderr=err)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            p.kill()
            os.wait4(p.pid, 0)
            raise AssertionError('%s still running after %d s' % (' '.join(args), timeout))
        time.sleep(0.02)
    p.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    return p.returncode, err.read(), time.time() - t0, ru.ru_maxrss

class R:
    def __init__(self, code, stderr):
        self.returncode, self.stderr = code, stderr

@test()
def hostile_zip_bomb():
    need_victim()
    path = os.path.join(TMP, 'bomb.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n in sorted(os.listdir(SAMPLE)):
            if n != 'shapes.txt':
                z.write(os.path.join(SAMPLE, n), n)
        with z.open('shapes.txt', 'w') as f:
            f.write(open(os.path.join(SAMPLE, 'shapes.txt'), 'rb').read())
            chunk = b'A' * (1 << 20)
            for _ in range(300):
                f.write(chunk)
    info = zipfile.ZipFile(path).getinfo('shapes.txt')
    ratio = info.file_size / info.compress_size
    check(ratio > 1000, 'test setup: ratio %.0f' % ratio)
    code, err, _, rss = run_measured('-s', 'bomb', path)
    r = R(code, err)
    # the member is skipped with a notice, the rest of the feed loaded
    check(code == 0, describe(r))
    check(rss < 64 * 1024, 'peak RSS %d kB' % rss)
    got = query("SELECT file, action, message FROM bomb.import_notices"
                " WHERE code = 'unreadable_file'")
    check(len(got) == 1 and got[0][:2] == ('shapes.txt', 'file_skipped') and
          re.search(r'refused: expands', got[0][2]), 'unreadable_file notices: %r' % got)
    check(value('SELECT count(*) FROM bomb.shapes') == '0', 'shapes.txt was loaded')

@test()
def hostile_field_1mib_exactly():
    text = read_text(SAMPLE, 'stops.txt')
    text, n, c = set_field(text, 'P02,', 'stop_desc', 'x' * (1 << 20))
    d = make_feed('field_1mib', {'stops.txt': text})
    load_ok(d, 'field_1mib')
    check(value("SELECT length(stop_desc) FROM field_1mib.stops WHERE stop_id = 'P02'")
          == str(1 << 20), 'stop_desc not 1 MiB long')

@test()
def hostile_1024_fields_exactly():
    text = read_text(SAMPLE, 'stops.txt')
    header, _ = rows_of(SAMPLE, 'stops.txt')
    row = ['X1', '', 'Extra', '', '45.5', '-73.5'] + [''] * (1024 - 6)
    d = make_feed('cols_1024', {'stops.txt': text + csv_line(row) + '\n'})
    load_ok(d, 'cols_1024')
    check(value("SELECT count(*) FROM cols_1024.stops WHERE stop_id = 'X1'") == '1',
          'the 1024-field row is not loaded')

def path_member_test(member):
    def fn():
        work = os.path.join(TMP, 'cwd', 'a', 'b')
        os.makedirs(work, exist_ok=True)
        path = zip_feed(SAMPLE, os.path.join(TMP, 'paths.zip'), names={'stops.txt': member})
        with zipfile.ZipFile(path) as z:
            check(member in z.namelist(), 'setup: %r' % z.namelist())
        schema = 'path_member'
        before = set(os.listdir(TMP))
        r = run('-q', '-s', schema, path, cwd=work)
        check(r.returncode == 0, describe(r))
        counts = table_counts(schema)
        check(counts.get('stops') == record_counts(SAMPLE)['stops.txt'],
              'stops: %s rows' % counts.get('stops'))
        made = [p for p in (os.path.join(work, '..', '..', 'evil'), os.path.join(work, 'sub'),
                            os.path.join(TMP, 'evil'), os.path.join(work, 'evil'))
                if os.path.exists(p)]
        check(not made and set(os.listdir(TMP)) <= before | {'cwd'},
              'files made: %r' % (made or set(os.listdir(TMP)) - before))
        check(not os.listdir(work), 'files made in the working directory: %r'
              % os.listdir(work))
    it.TESTS.append(('hostile_member_' + re.sub(r'\W+', '_', member).strip('_'), fn, True))

path_member_test('../../evil/stops.txt')
path_member_test('sub/dir/stops.txt')

@test()
def hostile_two_members_same_base_name():
    path = os.path.join(TMP, 'twice.zip')
    zip_feed(SAMPLE, path, names={'stops.txt': 'a/stops.txt'})
    with zipfile.ZipFile(path, 'a') as z:
        z.write(os.path.join(SAMPLE, 'stops.txt'), 'b/stops.txt')
    check_refused(path, None, None, None, r'stops\.txt', '--strict')

@test()
def hostile_names():
    psql = it.psql
    psql('CREATE TABLE IF NOT EXISTS public.x (i int); INSERT INTO public.x VALUES (1);'
         ' CREATE SCHEMA IF NOT EXISTS x; CREATE TABLE IF NOT EXISTS x.x (i int);')
    schemas = {r[0] for r in query('SELECT nspname FROM pg_namespace')}
    weird = 'we"ird; DROP TABLE x'
    fid = "o'hare"
    load_ok(SAMPLE, weird, '--feed-id', fid)
    check_whole(SAMPLE, weird)
    reg = registry()
    check(fid in reg and reg[fid][0] == weird, 'registry: %r' % (reg.get(fid),))
    check(value('SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = %s' % ql(fid))
          == str(record_counts(SAMPLE)['stops.txt']), 'union view rows of %s' % fid)
    # again (a replace), then the feed id alone, which names the schema as
    # a name queries need not quote
    load_ok(SAMPLE, weird, '--feed-id', fid)
    check_whole(SAMPLE, weird)
    fid2 = "o'hare; DROP TABLE x; --"
    plain = re.sub(r'[^a-z0-9]', '_', fid2.lower())
    r = run('-q', '--feed-id', fid2, EDGE)
    check(r.returncode == 0, describe(r))
    check_whole(EDGE, plain)
    reg = registry()
    check(reg.get(fid2, [None])[0] == plain, 'registry: %r' % (reg.get(fid2),))
    check(value('SELECT count(*) FROM public.x') == '1', 'public.x changed')
    check(value("SELECT to_regclass('x.x') IS NOT NULL") == 't', 'x.x dropped')
    gone = schemas - {r[0] for r in query('SELECT nspname FROM pg_namespace')}
    check(not gone, 'schemas dropped: %r' % gone)
    check_union_views(sorted(reg))

@test()
def hostile_schema_name_over_63_bytes():
    """PostgreSQL cuts identifiers to 63 bytes: a longer schema name must
    be refused, or loaded and replaced like any other."""
    schema = 's' * 70
    r1 = run('-q', '-s', schema, SAMPLE)
    if r1.returncode == 1:
        check(re.search(r'schema|long', r1.stderr), describe(r1))
        return
    check(r1.returncode == 0, 'first load: ' + describe(r1))
    r2 = run('-q', '-s', schema, SAMPLE)
    check(r2.returncode == 0, 'second load into the same long schema name: ' + describe(r2))
    check_whole(SAMPLE, schema[:63])

if __name__ == '__main__':
    it.main()
