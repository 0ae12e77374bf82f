#!/usr/bin/python3
"""
Hostile and unlucky input (issue 13): a feed folder with symbolic links,
stray quotes that would glue records together, schemas that are not ours,
names over 63 bytes, a report written onto the feed, grants that a reload
must keep; then the swap under load (readers that would deadlock it or
freeze it), signals, and the server's errors said once, in our words.

    tests/with-postgres tests/hostile.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line); only the tests
registered here run.  Each feed is a copy of fixtures/sample with the
hostile part added.  Standard library only.
"""
import csv, hashlib, io, json, os, re, shutil, signal, subprocess, sys, time, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

csv.field_size_limit(1 << 30)   # the 1 MB fields of rows_past_the_copy_bound

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel
describe = it.describe

SAMPLE = os.path.join(it.FIXTURES, 'sample')
TMP = it.TMP
NAMEDATALEN = 64                # PostgreSQL's names: at most 63 bytes

# ---------------------------------------------------------------- helpers

run, load_ok, read_text, make_feed = g.run, g.load_ok, g.read_text, g.make_feed
spawn, finish = g.spawn, g.finish

def records(text):
    """CSV records of a file's text after its header, read leniently."""
    return max(sum(1 for row in csv.reader(io.StringIO(text, newline='')) if row) - 1, 0)

def schema_exists(schema):
    return value('SELECT count(*) FROM pg_namespace WHERE nspname = %s' % ql(schema)) == '1'

def table_names(schema):
    return {r[0] for r in query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')" % ql(schema))}

def notices(schema, where='TRUE'):
    """(file, line, column, code, severity, action, value, record) of
    schema.import_notices, in order."""
    return query('SELECT file, line::text, "column", code, severity, action, value, record'
                 ' FROM %s WHERE %s ORDER BY file, line, code, "column"'
                 % (rel(schema, 'import_notices'), where))

def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()

# ------------------------------------------ 1. symbolic links in a feed folder

@test()
def directory_symlinks_not_followed():
    """A feed folder's symbolic links are never followed, whatever they
    point to (here /etc/passwd, and a real stops.txt): each is skipped with
    a warning naming it, and what it points to is nowhere in the database."""
    d = make_feed('symlinks', {'stops.txt': None})
    target = os.path.join(TMP, 'outside-stops.txt')
    shutil.copy(os.path.join(SAMPLE, 'stops.txt'), target)
    os.symlink('/etc/passwd', os.path.join(d, 'notes.txt'))
    os.symlink(target, os.path.join(d, 'stops.txt'))
    os.mkdir(os.path.join(d, 'folder.txt'))
    schema = 'symlinks'
    r = run('-s', schema, d)
    check(r.returncode == 0, describe(r))
    got = sorted((n[0], n[3], n[5]) for n in notices(
        schema, "file IN ('notes.txt', 'stops.txt', 'folder.txt')"
        " AND code <> 'missing_required_file'"))
    check(got == [('folder.txt', 'unknown_file', 'file_skipped'),
                  ('notes.txt', 'unreadable_file', 'file_skipped'),
                  ('stops.txt', 'unreadable_file', 'file_skipped')],
          'notices of the links and the folder: %r' % (got,))
    check('notes' not in table_names(schema), 'a table notes was made from /etc/passwd')
    check(value('SELECT count(*) FROM %s' % rel(schema, 'stops')) == '0',
          'stops.txt was read through its symbolic link')
    with open('/etc/passwd', encoding='utf-8', errors='replace') as f:
        first = f.readline().split(':')[0] + ':'
    leaked = value("SELECT count(*) FROM %s n WHERE n::text LIKE %s"
                   % (rel(schema, 'import_notices'), ql('%' + first + '%')))
    check(leaked == '0', 'import_notices quotes /etc/passwd')
    missing = [n[0] for n in notices(schema, "code = 'missing_required_file'")]
    check(missing == ['stops.txt'], 'missing_required_file notices: %r' % missing)

# ----------------------------------------------------------- 2. stray quotes

STOPS_HEADER = ('stop_id,stop_code,stop_name,stop_desc,stop_lat,stop_lon,zone_id,'
                'location_type,parent_station,wheelchair_boarding,platform_code')

def many_stops(bad):
    """stops.txt: S0..S899 on lines 2..901 ({line: text} replaces some),
    then the sample's own stops."""
    lines = [STOPS_HEADER]
    for i in range(900):
        lines.append('S%d,%d,Stop %d,,%.5f,%.5f,Z1,0,,0,'
                     % (i, 1000 + i, i, 45 + i / 1000, -73 - i / 1000))
    for n, text in bad.items():
        lines[n - 1] = text
    sample = read_text(SAMPLE, 'stops.txt').split('\n', 1)[1]
    return '\n'.join(lines) + '\n' + sample

@test()
def stray_quote_record_set_aside():
    """Text after a closing quote (line 42) and a quote inside an unquoted
    field (line 47) used to glue S40 to the lines after it (S40 got S41's
    coordinates, exit 0 with a stop missing).  Each broken record is set
    aside with its line as written; the records around it load as they
    are, and rows + set aside = records."""
    text = many_stops({42: 'S40,1040,"abc"def,desc,45.04000,-73.04000,Z1,0,,0,',
                       47: 'S45,1045,Stop 45,x",45.04500,-73.04500,Z1,0,,0,'})
    d = make_feed('stray_quote', {'stops.txt': text})
    schema = 'stray_quote'
    load_ok(d, schema)
    stops = rel(schema, 'stops')
    n = int(value('SELECT count(*) FROM %s' % stops))
    aside = notices(schema, "file = 'stops.txt' AND action = 'row_set_aside'")
    check(n + len(aside) == records(text),
          '%d stops + %d set aside, not %d records' % (n, len(aside), records(text)))
    check([(a[1], a[2], a[3], a[4]) for a in aside] ==
          [('42', None, 'csv_parsing_failed', 'error'),
           ('47', None, 'csv_parsing_failed', 'error')],
          'set-aside notices: %r' % aside)
    check(aside[0][7] == text.split('\n')[41], 'record of line 42: %r' % aside[0][7])
    check(query("SELECT stop_id FROM %s WHERE stop_id IN ('S40', 'S45')" % stops) == [],
          'a broken record was loaded')
    got = query("SELECT stop_id, stop_lat::text, stop_lon::text FROM %s"
                " WHERE stop_id IN ('S39', 'S41', 'S46') ORDER BY 1" % stops)
    check(got == [('S39', '45.039', '-73.039'), ('S41', '45.041', '-73.041'),
                  ('S46', '45.046', '-73.046')], 'stops around the broken ones: %r' % got)

@test()
def stray_quote_refused_when_strict():
    """--strict names the line and field of the stray quote."""
    text = many_stops({42: 'S40,1040,"abc"def,desc,45.04000,-73.04000,Z1,0,,0,'})
    d = make_feed('stray_quote_strict', {'stops.txt': text})
    r = run('-s', 'stray_quote_strict', '--strict', d)
    check(r.returncode == 1, describe(r))
    check(re.search(r'stray_quote_strict:stops\.txt:42:3: error: stray quote', r.stderr),
          'no error at stops.txt:42:3: ' + describe(r))

@test()
def space_after_closing_quote_kept():
    """A space after a closing quote (as in wmata-rail-2026) is not a
    stray quote: the record loads, the value without the space."""
    text = many_stops({42: 'S40,1040,"Stop 40" ,desc,45.04000,-73.04000,Z1,0,,0,'})
    d = make_feed('space_after_quote', {'stops.txt': text})
    schema = 'space_after_quote'
    load_ok(d, schema)
    check(query("SELECT stop_name FROM %s WHERE stop_id = 'S40'" % rel(schema, 'stops'))
          == [('Stop 40',)], 'S40 not loaded as written')
    check(notices(schema, "action = 'row_set_aside'") == [], 'a record set aside')

@test()
def stray_quote_in_header():
    """A stray quote in the header leaves the columns unknown: the file is
    not loaded, and a notice says so."""
    text = 'stop_id,stop_"name,stop_lat,stop_lon\nS1,One,45,-73\n'
    d = make_feed('stray_quote_header', {'stops.txt': text})
    schema = 'stray_quote_header'
    load_ok(d, schema)
    check(value('SELECT count(*) FROM %s' % rel(schema, 'stops')) == '0', 'stops loaded')
    got = [(n[1], n[3], n[5]) for n in notices(schema, "file = 'stops.txt'")]
    check(got == [('1', 'csv_parsing_failed', 'rest_of_file_skipped')],
          'notices of stops.txt: %r' % got)

# ------------------------------------------------ 3. schemas that are not ours

@test()
def foreign_empty_schema_refused():
    """An empty schema of the user's (a comment, a grant) is refused before
    anything is loaded, and left as it was."""
    it.psql("CREATE SCHEMA users_empty; COMMENT ON SCHEMA users_empty IS 'mine';"
            ' GRANT USAGE ON SCHEMA users_empty TO PUBLIC;')
    oid = value("SELECT oid FROM pg_namespace WHERE nspname = 'users_empty'")
    r = run('-s', 'users_empty', SAMPLE)
    check(r.returncode == 1, describe(r))
    check(re.search(r'not made by gtfs2pgsql', r.stderr), describe(r))
    check(query("SELECT oid::text, obj_description(oid, 'pg_namespace'),"
                " nspacl::text LIKE '%=U/%' FROM pg_namespace"
                " WHERE nspname = 'users_empty'") == [(oid, 'mine', 't')],
          'users_empty changed')
    # before loading: a strict load of a bad feed is refused for the schema
    d = make_feed('foreign_bad', {'stops.txt': STOPS_HEADER + '\nS1,,,,95,-73,,,,,\n'})
    r = run('-s', 'users_empty', '--strict', d)
    check(r.returncode == 1 and 'not made by gtfs2pgsql' in r.stderr
          and 'rejected' not in r.stderr, 'refused after loading: ' + describe(r))

@test()
def public_schema_refused():
    """-s public on a database without feeds (public empty, no PostGIS) is
    refused: public keeps its owner and grants."""
    db = it.DB + '_public'
    it.psql('CREATE DATABASE %s;' % qi(db))
    try:
        before = it.psql("SELECT nspowner::regrole, nspacl FROM pg_namespace"
                         " WHERE nspname = 'public'", db=db)
        r = run('-s', 'public', '--no-geometry', SAMPLE, db=db)
        check(r.returncode == 1, describe(r))
        check(re.search(r'schema public belongs to role pg_database_owner', r.stderr),
              describe(r))
        after = it.psql("SELECT nspowner::regrole, nspacl FROM pg_namespace"
                        " WHERE nspname = 'public'", db=db)
        check(after == before, 'public changed: %r, then %r' % (before, after))
    finally:
        it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(db))

# ---------------------------------------------------- 4. names over 63 bytes

@test()
def schema_names_over_63_bytes_refused():
    """Two -s values sharing their first 63 bytes would land in one schema:
    a name over 63 bytes is refused before connecting (exit 1); one of 63
    bytes loads."""
    for name in ('a' * 63 + 'x', 'a' * 63 + 'y', 'é' * 32):
        r = run('-q', '-s', name, SAMPLE, db='no_such_database_%d' % os.getpid())
        check(r.returncode == 1, '-s %s: %s' % (name, describe(r)))
        check(re.search(r'longer than 63 bytes', r.stderr), describe(r))
    r = run('-q', '--feed-id', 'f' * 64, SAMPLE, db='no_such_database_%d' % os.getpid())
    check(r.returncode == 1 and 'longer than 63 bytes' in r.stderr,
          '--feed-id of 64 bytes: ' + describe(r))
    check(not schema_exists('a' * 63), 'schema %s made' % ('a' * 63))
    load_ok(SAMPLE, 'b' * 63)
    check(value('SELECT count(*) FROM %s' % rel('b' * 63, 'stops')) != '0',
              'nothing loaded into a 63-byte schema')

@test()
def system_schema_names_refused_before_loading():
    """Names the server refuses for a schema (issue 22, class 14: "pg_..."
    was refused only at the swap, after the whole load, exit 3), and names
    that are not UTF-8, are refused before connecting (exit 1), whether
    from -s, from --feed-id, or from the file names of several feeds, where
    no feed is loaded; names of the system's that exist are not ours."""
    nowhere = 'no_such_database_%d' % os.getpid()
    for args in (['-s', 'pg_feed'], ['--feed-id', 'PG-feed'],
                 ['-s', 'pg_toast'], ['-s', os.fsdecode(b'caf\xe9')],
                 ['--feed-id', os.fsdecode(b'caf\xe9'), '-s', 'cafe']):
        r = run('-q', *args, SAMPLE, db=nowhere)
        check(r.returncode == 1, '%s: %s' % (args, describe(r)))
        check(re.search(r'error: (schema "pg_\w+": names that begin with "pg_" '
                        r'are PostgreSQL\'s own|the schema and the feed id must be '
                        r'UTF-8)', r.stderr), '%s: %s' % (args, describe(r)))
        check(re.search(r'hint: choose another name with (-s|--feed-id)', r.stderr),
              '%s: %s' % (args, describe(r)))
    d = os.path.join(TMP, 'system_names')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name in ('plain_feed', 'pg_feed'):
        shutil.copytree(SAMPLE, os.path.join(d, name))
    for jobs in ('1', '2'):
        r = run('-q', '-j', jobs, os.path.join(d, 'plain_feed'), os.path.join(d, 'pg_feed'))
        check(r.returncode == 1 and 'names that begin with "pg_"' in r.stderr
              and 'the feed id of "pg_feed" is "pg_feed"' in r.stderr,
              '-j %s: %s' % (jobs, describe(r)))
        check(not schema_exists('plain_feed') and not schema_exists('pg_feed'),
              '-j %s: a feed was loaded' % jobs)
    for schema in ('information_schema', 'public'):
        r = run('-q', '-s', schema, SAMPLE)
        check(r.returncode == 1 and 'the load failed' not in r.stderr,
              '-s %s: %s' % (schema, describe(r)))

DASHED = {'stops.txt': STOPS_HEADER + '\nS1,,Gare Centrale \u2013 Quai A,,45.5,-73.5,,,,,\n'}

@test()
def database_not_utf8_refused():
    """A database in LATIN1 (issue 22, class 12: one en dash in a stop name
    failed the COPY, exit 3) is refused before anything is loaded, naming
    its encoding, with the way to make a UTF-8 one (exit 1); a SQL_ASCII
    one stores the bytes as sent and loads; and the session speaks UTF-8
    whatever PGCLIENTENCODING or PGOPTIONS say."""
    d = make_feed('dashed', DASHED)
    for encoding, code in (('LATIN1', 1), ('SQL_ASCII', 0)):
        db = '%s_%s' % (it.DB, encoding.lower())
        it.psql("DROP DATABASE IF EXISTS %s; CREATE DATABASE %s TEMPLATE template0"
                " ENCODING %s LOCALE 'C';" % (qi(db), qi(db), ql(encoding)), db=None)
        try:
            r = run('-q', '-s', 'dashed', '--no-geometry', d, db=db)
            check(r.returncode == code, '%s: %s' % (encoding, describe(r)))
            if code:
                check(re.search(r'error: database \S+ is encoded in LATIN1\b', r.stderr)
                      and 'createdb -E UTF8 -T template0' in r.stderr
                      and 'the load failed' not in r.stderr, describe(r))
                left = it.psql("SELECT count(*) FROM pg_namespace WHERE nspname"
                               " IN ('dashed', 'gtfs2pgsql')", db=db).strip()
                check(left == '0', 'LATIN1: schemas made')
            else:
                name = it.psql("SELECT stop_name FROM dashed.stops WHERE stop_id = 'S1'",
                               db=db).strip()
                check(name == 'Gare Centrale \u2013 Quai A', 'SQL_ASCII: %r' % name)
        finally:
            it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(db), db=None)
    env = dict(os.environ, PGCLIENTENCODING='LATIN1',
               PGOPTIONS='-c client_encoding=LATIN1')
    r = subprocess.run([it.PROG, '-q', '-d', it.DB, '-s', 'dashed_client', d],
                       capture_output=True, text=True, errors='replace', env=env)
    check(r.returncode == 0, 'PGCLIENTENCODING=LATIN1: ' + describe(r))
    name = value("SELECT stop_name FROM %s WHERE stop_id = 'S1'"
                 % rel('dashed_client', 'stops'))
    check(name == 'Gare Centrale \u2013 Quai A', 'PGCLIENTENCODING=LATIN1: %r' % name)

HOSTILE_NAMES = ['a$gtfs2pgsql$b', '$$', "q'uo\"te", 'back\\slash\\',
                 'new\nline', '$gtfs2pgsql$; DROP SCHEMA x; $gtfs2pgsql$']

@test()
def dollar_quotes_and_quotes_in_names():
    """A schema or feed id holding "$gtfs2pgsql$" ended the swap's
    dollar-quoted block: the whole load ran, then a syntax error, exit 3
    (issue 22, class 13); a backslash in a feed id made a reload fail
    (partition bounds compared as format's E'' text).  Each name, as the
    schema and in the feed id, loads, reloads, exports and is dropped."""
    out = os.path.join(TMP, 'hostile_names_export')
    for i, name in enumerate(HOSTILE_NAMES):
        schema, feed_id = name, 'feed ' + name
        for attempt in ('load', 'reload'):
            r = run('-q', '-s', schema, '--feed-id', feed_id, SAMPLE)
            check(r.returncode == 0, '%s of %r: %s' % (attempt, name, describe(r)))
            check(value('SELECT count(*) FROM gtfs2pgsql.feeds WHERE feed_id = %s'
                        ' AND schema_name = %s' % (ql(feed_id), ql(schema))) == '1',
                  '%r not in the registry after its %s' % (name, attempt))
            check(value('SELECT count(*) FROM %s' % rel(schema, 'stops')) != '0',
                  '%r: no stops after its %s' % (name, attempt))
        shutil.rmtree(out, ignore_errors=True)
        e = subprocess.run([os.path.join(it.REPO, 'pgsql2gtfs'), '-q', '-d', it.DB,
                            '--feed-id', feed_id, out + '/'], capture_output=True,
                           text=True, errors='replace')
        check(e.returncode == 0 and os.path.exists(os.path.join(out, 'stops.txt')),
              'export of %r: %s' % (name, describe(e)))
        # a second feed into the schema moves the first one out of it
        if i == 0:
            r = run('-q', '-s', schema, '--feed-id', feed_id + ' 2', SAMPLE)
            check(r.returncode == 0, 'another feed into %r: %s' % (name, describe(r)))
            r = run('-q', '--drop', feed_id + ' 2')
            check(r.returncode == 0, '--drop of %r 2: %s' % (name, describe(r)))
        else:
            r = run('-q', '--drop', feed_id)
            check(r.returncode == 0, '--drop of %r: %s' % (name, describe(r)))
        check(not schema_exists(schema), 'schema %r left after --drop' % name)
        check(value('SELECT count(*) FROM gtfs2pgsql.feeds WHERE schema_name = %s'
                    % ql(schema)) == '0', '%r left in the registry' % name)
    # a feed that moves from one such schema to another leaves the first
    for schema in HOSTILE_NAMES[:2]:
        r = run('-q', '-s', schema, '--feed-id', HOSTILE_NAMES[0], SAMPLE)
        check(r.returncode == 0, 'moving into %r: %s' % (schema, describe(r)))
    check(not schema_exists(HOSTILE_NAMES[0]), 'the feed did not leave its schema')
    r = run('-q', '--drop', HOSTILE_NAMES[0])
    check(r.returncode == 0 and not schema_exists(HOSTILE_NAMES[1]), describe(r))

@test()
def unknown_file_named_like_a_table_of_yours():
    """A file the reference does not define named like an object of the
    user's in the feed's schema (issue 22, class 10: "relation already
    exists" at the swap, exit 3): the object is left as it is, the file is
    skipped with a notice naming it; a free name is loaded, and so is the
    table of an unknown file that an earlier load made."""
    schema = 'yours_in_schema'
    load_ok(SAMPLE, schema)
    it.psql('CREATE TABLE %(s)s.my_notes (a int); INSERT INTO %(s)s.my_notes VALUES (7);'
            ' CREATE VIEW %(s)s.my_view AS SELECT 1 AS one;'
            ' CREATE SEQUENCE %(s)s.my_seq;'
            " CREATE TYPE %(s)s.my_type AS ENUM ('x');" % {'s': qi(schema)})
    owned = {'my_notes', 'my_view', 'my_seq', 'my_type'}
    files = {n + '.txt': 'a,b\n1,2\n' for n in owned | {'other_notes'}}
    d = make_feed('yours_in_schema', files)
    for attempt in ('load', 'reload'):
        r = run('-q', '-s', schema, d)
        check(r.returncode == 0, '%s: %s' % (attempt, describe(r)))
        check(value('SELECT a FROM %s' % rel(schema, 'my_notes')) == '7',
              'my_notes changed')
        check(value("SELECT count(*) FROM %s" % rel(schema, 'other_notes')) == '1',
              'other_notes not loaded on the ' + attempt)
        got = notices(schema, "code = 'unnameable_file'")
        check(sorted(n[0] for n in got) == sorted(n + '.txt' for n in owned)
              and all(n[4] == 'warning' and n[5] == 'file_skipped' for n in got),
              'notices: %r' % got)
    check(value("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                " c.relnamespace WHERE n.nspname = %s AND c.relname IN"
                " ('my_view', 'my_seq')" % ql(schema)) == '2', 'a relation changed')

@test()
def header_names_over_63_bytes_kept_apart():
    """Two header names sharing their first 63 bytes used to be cut to one
    name by the server (exit 3); each is kept under a name that fits, with
    a notice, and keeps its values."""
    long = 'extra_' + 'n' * 60
    text = read_text(SAMPLE, 'stops.txt').rstrip('\n').split('\n')
    rows = list(csv.reader(io.StringIO('\n'.join(text) + '\n', newline='')))
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(rows[0] + [long + '_first', long + '_second'])
    for i, row in enumerate(rows[1:]):
        w.writerow(row + ['a%d' % i, 'b%d' % i])
    d = make_feed('long_headers', {'stops.txt': out.getvalue()})
    schema = 'long_headers'
    load_ok(d, schema)
    ncols = len(rows[0])
    first = '%s_%d' % ((long + '_first')[:50], ncols + 1)
    second = '%s_%d' % ((long + '_second')[:50], ncols + 2)
    # columns the reference lacks are keys of jsonb extra
    got = query('SELECT extra->>%s, extra->>%s FROM %s WHERE stop_id = %s'
                % (ql(first), ql(second), rel(schema, 'stops'), ql(rows[1][0])))
    check(got == [('a0', 'b0')], 'values of the long columns: %r' % got)
    got = [(n[2], n[3], n[4], n[6]) for n in notices(schema, "code = 'column_name_too_long'")]
    check(got == [(long + '_first', 'column_name_too_long', 'warning', long + '_first'),
                  (long + '_second', 'column_name_too_long', 'warning', long + '_second')],
          'notices: %r' % got)

@test()
def member_names_over_63_bytes_skipped():
    """A .txt member whose table name would pass 63 bytes is skipped with a
    notice (not cut, which could land on another table); one of 63 loads."""
    d = make_feed('long_members')
    long, fits = 'x' * 64, 'y' * 63
    for stem in (long, fits):
        with open(os.path.join(d, stem + '.txt'), 'w') as f:
            f.write('a,b\n1,2\n')
    schema = 'long_members'
    load_ok(d, schema)
    tables = table_names(schema)
    check(fits in tables and not any(t.startswith('x') for t in tables),
          'tables: %r' % sorted(t for t in tables if t[0] in 'xy'))
    got = [(n[0], n[3], n[5]) for n in notices(schema, "code = 'unnameable_file'")]
    check(got == [(long + '.txt', 'unnameable_file', 'file_skipped')], 'notices: %r' % got)

# ------------------------------------------------------------- 5. the report

@test()
def report_onto_feed_refused():
    """--report naming the feed itself (or a link to it) is refused before
    anything is read, and the feed is left whole."""
    z = os.path.join(TMP, 'report_target.zip')
    zip_dir(SAMPLE, z)
    digest = sha256(z)
    link = os.path.join(TMP, 'report_target_link.zip')
    os.link(z, link)
    for report in (z, link):
        r = run('-s', 'report_onto_feed', '--report', report, z)
        check(r.returncode == 1, '--report %s: %s' % (report, describe(r)))
        check(re.search(r'report .* is the feed', r.stderr), describe(r))
        check(sha256(z) == digest, 'the feed was changed by --report')
    check(not schema_exists('report_onto_feed'), 'loaded all the same')

def zip_dir(d, path):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(d)):
            z.write(os.path.join(d, n), n)

@test()
def report_kept_when_load_fails():
    """A failed load leaves an existing report as it was; a good one
    replaces it whole, leaving no temporary file."""
    folder = os.path.join(TMP, 'reports')
    os.makedirs(folder, exist_ok=True)
    report = os.path.join(folder, 'report.json')
    with open(report, 'w') as f:
        f.write('{"previous": true}\n')
    d = make_feed('report_bad', {'stops.txt': STOPS_HEADER + '\nS1,,,,95,-73,,,,,\n'})
    r = run('-s', 'report_bad', '--strict', '--report', report, d)
    check(r.returncode == 1, describe(r))
    with open(report) as f:
        check(f.read() == '{"previous": true}\n', 'the report was changed by a failed load')
    check(os.listdir(folder) == ['report.json'], 'files left: %r' % os.listdir(folder))
    r = run('-q', '-s', 'report_good', '--report', report, SAMPLE)
    check(r.returncode == 0, describe(r))
    with open(report) as f:
        rep = it.parse_report(f.read())
    check(any(f['file'] == 'stops.txt' for f in rep['files']), 'report: %r' % rep)
    check(os.listdir(folder) == ['report.json'], 'files left: %r' % os.listdir(folder))

# ------------------------------------------------------------- 6. privileges

@test()
def grants_survive_reload():
    """An agency grants its web role USAGE on the feed's schema and SELECT
    on its tables; a reload keeps the grants (schema and tables) and our
    comment.  Once it gives the schema to another role, a load by anyone
    but that role is refused (tests/trust.py): the feed stays as it was."""
    web, owner = 'web_%d' % os.getpid(), 'owner_%d' % os.getpid()
    schema = 'granted'
    load_ok(SAMPLE, schema)
    it.psql('CREATE ROLE %s; CREATE ROLE %s;' % (qi(web), qi(owner)))
    try:
        it.psql('GRANT USAGE ON SCHEMA %s TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA %s'
                ' TO %s;' % (qi(schema), qi(web), qi(schema), qi(web)))
        load_ok(SAMPLE, schema)
        got = it.psql('SET ROLE %s; SELECT count(*) FROM %s; SELECT count(*) FROM %s;'
                      % (qi(web), rel(schema, 'stops'), rel(schema, 'trip_lines')))
        check(got.split() == [value('SELECT count(*) FROM %s' % rel(schema, 'stops')),
                              value('SELECT count(*) FROM %s' % rel(schema, 'trip_lines'))],
              'counts as %s: %r' % (web, got))
        check(value("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace"
                    " WHERE nspname = %s" % ql(schema)).startswith('gtfs2pgsql'),
              'the schema lost our comment')
        denied = query("SELECT c.relname FROM pg_class c JOIN pg_namespace n"
                       " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p')"
                       " AND NOT has_table_privilege(%s, c.oid, 'SELECT') ORDER BY 1"
                       % (ql(schema), ql(web)))
        check(denied == [], 'tables %s cannot read: %r' % (web, denied))
        loaded = value("SELECT imported_at FROM gtfs2pgsql.feeds WHERE feed_id = %s"
                       % ql(schema))
        it.psql('ALTER SCHEMA %s OWNER TO %s' % (qi(schema), qi(owner)))
        r = run('-q', '-s', schema, SAMPLE)
        check(r.returncode == 1 and re.search(r'schema %s belongs to role %s' % (
            schema, owner), r.stderr), 'a schema given away: %s' % describe(r))
        check(value("SELECT imported_at FROM gtfs2pgsql.feeds WHERE feed_id = %s"
                    % ql(schema)) == loaded, 'the feed was replaced')
    finally:
        it.psql('REASSIGN OWNED BY %s TO CURRENT_USER; DROP OWNED BY %s, %s;'
                ' DROP ROLE %s; DROP ROLE %s;'
                % (qi(owner), qi(web), qi(owner), qi(web), qi(owner)))

# ------------------------------------------------- the swap under load

class Reader:
    """A psql session of its own (application_name app), fed statements
    one at a time."""
    def __init__(self, app):
        self.app = app
        env = dict(it.PSQL_ENV, PGAPPNAME=app)
        self.p = subprocess.Popen(['psql', '-X', '-q', '-d', it.DB], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)

    def send(self, sql):
        self.p.stdin.write(sql + '\n')
        self.p.stdin.flush()

    def pid(self):
        """The backend's pid, once it has one."""
        for _ in range(100):
            got = value("SELECT coalesce(max(pid), 0) FROM pg_stat_activity"
                        " WHERE application_name = %s" % ql(self.app))
            if got != '0':
                return got
            time.sleep(0.05)
        raise AssertionError('session %s never started' % self.app)

    def wait_state(self, state):
        for _ in range(200):
            if value("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                     " AND state = %s" % (ql(self.app), ql(state))) == '1':
                return
            time.sleep(0.05)
        raise AssertionError('session %s never %s' % (self.app, state))

    def close(self):
        out, err = self.p.communicate('\\q\n', timeout=60)
        return self.p.returncode, err

def wait_for_text(err, pattern, seconds):
    """Waits until the spawned program's stderr matches pattern."""
    for _ in range(int(seconds * 20)):
        err.seek(0)
        if re.search(pattern, err.read()):
            return True
        time.sleep(0.05)
    return False

@test()
def idle_reader_makes_swap_wait_visibly():
    """An open transaction that read the feed makes the swap wait, saying
    who is in the way, without freezing the union views for others;
    --wait gives up with exit 3 and the old feed intact."""
    schema = 'idle_feed'
    load_ok(SAMPLE, schema)
    before = value('SELECT count(*) FROM %s' % rel(schema, 'stops'))
    reader = Reader('hostile_idle_%d' % os.getpid())
    try:
        reader.send('BEGIN; SELECT count(*) FROM %s;' % rel(schema, 'stops'))
        reader.wait_state('idle in transaction')
        pid = reader.pid()
        p, err = spawn('-q', '--wait', '3', '-s', schema, make_feed('idle_new'))
        check(wait_for_text(err, r'waiting for', 10), 'no "waiting for" on stderr')
        # meanwhile the union views answer (no exclusive lock held between tries)
        t0 = time.time()
        it.psql('SET statement_timeout = 2000; SELECT count(*) FROM gtfs2pgsql.stops;')
        check(time.time() - t0 < 2, 'the union view hung while the import waited')
        code, text = finish(p, err)
        check(code == 3, 'exit %d, 3 expected: %s' % (code, text))
        check(re.search(r'session %s \(user [^,]+, application hostile_idle' % pid, text),
              'the blocking session %s is not named: %s' % (pid, text))
        check('gave up waiting' in text and 'database is unchanged' in text,
              'no "gave up ... unchanged": %s' % text)
        check(value('SELECT count(*) FROM %s' % rel(schema, 'stops')) == before,
              'the old feed changed')
    finally:
        reader.send('COMMIT;')
        reader.close()
    # the reader gone, the same import goes through
    load_ok(make_feed('idle_new'), schema)

@test()
def idle_reader_of_statistics_makes_swap_wait_visibly():
    """An open transaction that read a materialized view of --stats makes
    the swap wait as a reader of its tables does: named, --wait honoured,
    the feed readable meanwhile.  Before, the swap took the tables' locks,
    then the REFRESH waited for the reader's with no lock_timeout: the load
    hung past --wait, saying nothing, and every reader of the feed waited
    behind it."""
    schema = 'idle_stats'
    load_ok(SAMPLE, schema, '--stats')
    reader = Reader('hostile_stats_%d' % os.getpid())
    try:
        reader.send('BEGIN; SELECT count(*) FROM %s;'
                    % rel(schema, 'stats_by_route_date'))
        reader.wait_state('idle in transaction')
        pid = reader.pid()
        p, err = spawn('-q', '--wait', '3', '--stats', '-s', schema, SAMPLE)
        try:
            code, text = finish(p, err, timeout=30)
        except subprocess.TimeoutExpired:
            try:
                it.psql('SET statement_timeout = 2000; SELECT count(*) FROM %s;'
                        % rel(schema, 'stops'))
                behind = 'did not wait'
            except AssertionError:
                behind = 'waited behind it'
            p.kill()
            p.wait()
            raise AssertionError('the load hung past --wait 3 (a reader of'
                                 ' %s.stops %s)' % (schema, behind))
        check(code == 3 and 'gave up waiting' in text,
              'exit %d, 3 and "gave up waiting" expected: %s' % (code, text))
        check(re.search(r'session %s \(user [^,]+, application hostile_stats' % pid,
                        text), 'the blocking session %s is not named: %s' % (pid, text))
    finally:
        reader.send('COMMIT;')
        reader.close()
    load_ok(SAMPLE, schema, '--stats')

@test()
def swap_given_up_within_a_second_names_reader():
    """--wait 1, which ends as the first "waiting" would come, still names who
    was in the way when the swap gives up, as an advisory lock's wait does
    (the two waits are one loop, lockwait_until; the swap's said nothing)."""
    schema = 'early_give_up'
    load_ok(SAMPLE, schema)
    reader = Reader('hostile_early_%d' % os.getpid())
    try:
        reader.send('BEGIN; SELECT count(*) FROM %s;' % rel(schema, 'stops'))
        reader.wait_state('idle in transaction')
        pid = reader.pid()
        r = run('-q', '--wait', '1', '-s', schema, make_feed('early_new'))
        check(r.returncode == 3 and 'gave up waiting' in r.stderr, describe(r))
        check(re.search(r'session %s \(user [^,]+, application hostile_early' % pid,
                        r.stderr), 'the reader %s is not named: %s' % (pid, r.stderr))
    finally:
        reader.send('COMMIT;')
        reader.close()

@test()
def reader_taking_locks_in_another_order_no_deadlock():
    """A reader that read trips, then reads stops while the import waits at
    the swap: neither is killed by a deadlock."""
    schema = 'order_feed'
    load_ok(SAMPLE, schema)
    reader = Reader('hostile_dl_%d' % os.getpid())
    reader.send('BEGIN; SELECT count(*) FROM %s;' % rel(schema, 'trips'))
    reader.wait_state('idle in transaction')
    p, err = spawn('-q', '-s', schema, make_feed('deadlock_new'))
    check(wait_for_text(err, r'waiting for', 10), 'the import did not wait for the reader')
    reader.send('SELECT count(*) FROM %s; SELECT pg_sleep(1.5); COMMIT;' % rel(schema, 'stops'))
    code, text = finish(p, err)
    rcode, rerr = reader.close()
    check(code == 0, 'import: exit %d: %s' % (code, text))
    check('deadlock detected' not in rerr and rcode == 0, 'reader: exit %d: %s' % (rcode, rerr))
    check('deadlock detected' not in text, 'import: %s' % text)

# ------------------------------------------ advisory locks anyone can take

PASSWORD = 'hostile-lock-password'

class Holder:
    """A psql session of role (default: the tests') in db, application app,
    holding the advisory lock (hashtext(space), key_sql) until closed."""
    def __init__(self, db, app, space, key_sql, role=None):
        env = dict(it.PSQL_ENV, PGAPPNAME=app)
        if role:
            env.update(PGUSER=role, PGPASSWORD=PASSWORD)
        self.p = subprocess.Popen(['psql', '-X', '-q', '-d', db], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.p.stdin.write('SELECT pg_advisory_lock(hashtext(%s), %s);\n'
                           % (ql(space), key_sql))
        self.p.stdin.flush()
        for _ in range(200):
            if value("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                     " WHERE l.locktype = 'advisory' AND l.granted"
                     " AND a.application_name = %s" % ql(app)) == '1':
                return
            time.sleep(0.05)
        raise AssertionError('session %s never held its lock' % app)

    def close(self):
        self.p.communicate('\\q\n', timeout=60)

def load_given_up(db, schema, holder_role, holder_app):
    """A load into db with --wait 2: gives up (exit 3) within seconds,
    naming the holder."""
    t0 = time.time()
    p, err = spawn('-q', '--wait', '2', '-s', schema, SAMPLE, db=db)
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
    code, text = finish(p, err)
    check(code == 3 and time.time() - t0 < 15,
          'exit %d after %.0f s, 3 within seconds expected: %s' % (code, time.time() - t0, text))
    check(re.search(r'session \d+ \(user %s, application %s' % (holder_role, holder_app), text)
          and 'gave up waiting' in text, 'the holder is not named: %s' % text)

@test()
def advisory_locks_of_a_connect_only_role_bounded_and_named():
    """A role with nothing but CONNECT takes the advisory locks a first
    load takes while it creates PostGIS, then the registry: a load with
    --wait gives up (exit 3) naming it; without --wait, it names it and
    goes on once it lets go.  Once the registry and PostGIS are there, a
    load takes neither lock."""
    role = 'hostile_lock_%d' % os.getpid()
    db = it.DB + '_advisory'
    it.psql('DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD %s;'
            ' DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;'
            % (qi(role), qi(role), ql(PASSWORD), qi(db), qi(db)))
    holders = []
    try:
        for space in ('gtfs2pgsql postgis', 'gtfs2pgsql registry'):
            app = 'hostile_%s_%d' % (space.split()[1], os.getpid())
            holders.append(Holder(db, app, space, '0', role))
            load_given_up(db, 'advisory', role, app)
            holders.pop().close()
        app = 'hostile_registry_%d' % os.getpid()
        holders.append(Holder(db, app, 'gtfs2pgsql registry', '0', role))
        p, err = spawn('-q', '-s', 'advisory', SAMPLE, db=db)
        check(wait_for_text(err, r'session \d+ \(user %s, application %s' % (role, app), 10),
              'no holder named while waiting')
        holders.pop().close()
        code, text = finish(p, err, 120)
        check(code == 0, 'exit %d once the lock was let go: %s' % (code, text))
        for space in ('gtfs2pgsql postgis', 'gtfs2pgsql registry'):
            holders.append(Holder(db, 'hostile_late_%d' % os.getpid(), space, '0', role))
            r = run('-q', '--wait', '2', '-s', 'advisory', SAMPLE, db=db)
            check(r.returncode == 0, 'holding %s: %s' % (space, describe(r)))
            holders.pop().close()
    finally:
        for h in holders:
            h.close()
        it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE); DROP ROLE IF EXISTS %s;'
                % (qi(db), qi(role)))

@test()
def import_wait_names_sessions_of_this_database_only():
    """Advisory locks are per database: a session of another database that
    holds the import lock's key is in nobody's way, and is not named."""
    schema = 'per_database'
    other = it.DB + '_other'
    it.psql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;' % (qi(other), qi(other)))
    key = 'hashtext(%s)' % ql(schema)
    here = Holder(it.DB, 'hostile_here_%d' % os.getpid(), 'gtfs2pgsql', key)
    there = Holder(other, 'hostile_there_%d' % os.getpid(), 'gtfs2pgsql', key)
    try:
        p, err = spawn('-q', '--wait', '2', '-s', schema, SAMPLE)
        code, text = finish(p, err, 60)
        check(code == 3, 'exit %d, 3 expected: %s' % (code, text))
        check('application hostile_here' in text, 'the holder here is not named: %s' % text)
        check('hostile_there' not in text, 'a session of another database named: %s' % text)
    finally:
        here.close()
        there.close()
        it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(other))

def big_feed():
    """A feed of 400,000 stop_times, made once: big enough to be caught in
    the middle of its load."""
    return g.big_feed('big_hostile', 400_000)

def wait_for_session(app):
    """Waits until the program's session (application_name app) is there
    (or its two, a big stop_times.txt loading on a second connection), then
    half a second more: the load is under way."""
    for _ in range(200):
        if value("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                 % ql(app)) != '0':
            time.sleep(0.5)
            return
        time.sleep(0.05)
    raise AssertionError('the program never connected as %s' % app)

def check_signal(sig, code_expected):
    schema = 'signal_feed'
    load_ok(SAMPLE, schema)
    before = value('SELECT count(*) FROM %s' % rel(schema, 'stop_times'))
    app = 'hostile_sig_%d_%d' % (os.getpid(), sig)
    p, err = spawn('-s', schema, big_feed(), env={'PGAPPNAME': app})
    wait_for_session(app)
    p.send_signal(sig)
    code, text = finish(p, err)
    check(code == code_expected, 'exit %d, %d expected: %s' % (code, code_expected, text))
    check('gtfs2pgsql: canceled; the database is unchanged' in text, 'stderr: %s' % text)
    check(all(l.startswith('gtfs2pgsql: ') for l in text.splitlines()),
          'lines without our prefix: %s' % text)
    left = '1'
    for _ in range(40):
        left = value("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                     % ql(app))
        if left == '0':
            break
        time.sleep(0.05)
    check(left == '0', 'the server session outlived the client by 2 s')
    check(value('SELECT count(*) FROM %s' % rel(schema, 'stop_times')) == before,
          'the old feed changed')

@test()
def sigint_cancels_and_rolls_back():
    check_signal(signal.SIGINT, 130)

@test()
def sigterm_cancels_and_rolls_back():
    check_signal(signal.SIGTERM, 143)

HOLD_KEY = 7207                 # the advisory lock that holds up the clean-up

class CleanUpHeld:
    """While open: the clean-up of gtfs2pgsql_dropped that a load runs after
    its commit (swap_clear_dropped) waits at its DROP, in an event trigger
    that spins until release() (at most a minute), holding no lock of its
    own; waiting() says when a session of application app is there."""
    def __init__(self):
        self.holder = Reader('hostile_hold_%d' % os.getpid())
        self.holder.send('SELECT pg_advisory_lock(%d);' % HOLD_KEY)
        self.holder.wait_state('idle')
        it.psql("""CREATE FUNCTION public.hold_clean_up() RETURNS event_trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF pg_catalog.current_query() ~
                        'lock_timeout.*DROP TABLE (IF EXISTS )?gtfs2pgsql_dropped\\.' THEN
                    FOR i IN 1..1200 LOOP
                        EXIT WHEN pg_catalog.pg_try_advisory_xact_lock_shared(%d);
                        PERFORM pg_catalog.pg_sleep(0.05);
                    END LOOP;
                END IF;
            END $$;
            CREATE EVENT TRIGGER hold_clean_up ON ddl_command_start
                WHEN TAG IN ('DROP TABLE') EXECUTE FUNCTION public.hold_clean_up();"""
                % HOLD_KEY)

    def waiting(self, app, seconds=120):
        for _ in range(int(seconds * 20)):
            if value("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                     " AND wait_event = 'PgSleep' AND query ~ 'gtfs2pgsql_dropped'"
                     % ql(app)) != '0':
                return True
            time.sleep(0.05)
        return False

    def release(self):
        self.holder.send('SELECT pg_advisory_unlock(%d);' % HOLD_KEY)

    def close(self):
        self.release()
        self.holder.close()
        it.psql('DROP EVENT TRIGGER IF EXISTS hold_clean_up;'
                ' DROP FUNCTION IF EXISTS public.hold_clean_up();')

def sigint_at_clean_up(app, committed, *args):
    """Runs the program with args (application_name app), sends it SIGINT
    while its clean-up is held up (CleanUpHeld), once committed() says the
    feed is committed, then lets it end; its (exit code, stderr)."""
    held = CleanUpHeld()
    try:
        p, err = spawn(*args, env={'PGAPPNAME': app})
        check(held.waiting(app), 'the load never reached its clean-up')
        check(committed(), 'at the clean-up, the feed is not committed')
        p.send_signal(signal.SIGINT)
        time.sleep(1)
        held.release()
        return finish(p, err)
    finally:
        held.close()

def feed_of_schema(schema):
    return value('SELECT feed_id FROM gtfs2pgsql.feeds WHERE schema_name = %s' % ql(schema))

@test()
def signal_after_commit_keeps_the_load():
    """SIGINT once the load has committed, during its clean-up of
    gtfs2pgsql_dropped (another feed's tables, put aside there by this
    load; the clean-up held up by an event trigger): the feed is loaded,
    exit 0, the summary, a warning and no "canceled"."""
    schema = 'late_feed'
    load_ok(SAMPLE, schema, '--feed-id', 'late_old')
    stops = value('SELECT count(*) FROM %s' % rel(schema, 'stops'))
    code, text = sigint_at_clean_up('hostile_late_%d' % os.getpid(),
                                    lambda: feed_of_schema(schema) == 'late_new',
                                    '-s', schema, '--feed-id', 'late_new', SAMPLE)
    check(code == 0, 'exit %d, 0 expected: %s' % (code, text))
    check('canceled' not in text and 'unchanged' not in text, 'stderr: %s' % text)
    check(re.search(r'^total +\d+', text, re.M), 'no summary: %s' % text)
    check(re.search(r'^gtfs2pgsql: warning: SIGINT came after the commit: the feed is loaded$',
                    text, re.M), 'no warning: %s' % text)
    check(value("SELECT count(*) FROM pg_class WHERE relkind = 'p' AND relnamespace ="
                " to_regnamespace('gtfs2pgsql_dropped')") == '0', 'the clean-up was not done')
    check(feed_of_schema(schema) == 'late_new', 'the feed is not the new one')
    check(value('SELECT count(*) FROM %s' % rel(schema, 'stops')) == stops, 'stops differ')

def error_messages(text):
    """The lines of stderr that are errors not about a place in the feed."""
    return [l for l in text.splitlines() if l.startswith('gtfs2pgsql: error:')]

@test()
def statement_timeout_overridden_cancel_said_once_naming_the_file():
    """A statement_timeout in PGOPTIONS is overridden (every wait is
    bounded by --wait: tests/trust.py); a statement canceled by another
    session during a file's COPY is said once, naming the file."""
    load_ok(SAMPLE, 'timeout_feed')     # PostGIS made, a feed to keep
    app = 'hostile_cancel_%d' % os.getpid()
    p, err = spawn('-q', '-s', 'timeout_feed', '--split-min-size=off', big_feed(),
                   env={'PGOPTIONS': '-c statement_timeout=100', 'PGAPPNAME': app})
    canceled = False
    for _ in range(600):
        if value("SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity"
                 " WHERE application_name = %s AND query LIKE 'COPY %%stop_times%%'"
                 " AND state = 'active'" % ql(app)) != '0':
            canceled = True
            break
        if p.poll() is not None:
            break
        time.sleep(0.02)
    code, text = finish(p, err)
    check(canceled, 'the COPY of stop_times.txt was never seen: exit %d, %s' % (code, text))
    errors = error_messages(text)
    check(code == 3, 'exit %d: %s' % (code, text))
    check(len(errors) == 2, 'one error and the conclusion expected: %s' % text)
    check(re.match(r'gtfs2pgsql: error: stop_times\.txt: .*canceling statement', errors[0]),
          'the first error does not name the file and the cause: %s' % errors[0])
    check('database is unchanged' in errors[1], errors[1])
    check(all(l.startswith('gtfs2pgsql: ') for l in text.splitlines()),
          'lines without our prefix: %s' % text)

@test()
def terminated_backend_said_once():
    app = 'hostile_term_%d' % os.getpid()
    p, err = spawn('-q', '-s', 'terminated_feed', big_feed(), env={'PGAPPNAME': app})
    wait_for_session(app)
    value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
          " WHERE application_name = %s" % ql(app))
    code, text = finish(p, err)
    check(code == 3, 'exit %d: %s' % (code, text))
    errors = error_messages(text)
    check(len(errors) == 2 and 'database is unchanged' in errors[1],
          'one error and the conclusion expected: %s' % text)
    check(all(l.startswith('gtfs2pgsql: ') for l in text.splitlines()),
          'lines without our prefix: %s' % text)
    check(len(text) < 1000, 'stderr of %d bytes: %s' % (len(text), text))

@test()
def terminated_before_the_load_transaction_concluded():
    """A session ended while a first load waits, before its transaction,
    for the lock of PostGIS's creation, then for the registry's: the
    server's error and the conclusion, as later in the load (it lacked
    the conclusion, and blamed PostGIS: terminated_backend_said_once
    failed when its kill came that early)."""
    db = it.DB + '_early_kill'
    it.psql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;' % (qi(db), qi(db)))
    try:
        for space in ('gtfs2pgsql postgis', 'gtfs2pgsql registry'):
            holder = Holder(db, 'hostile_early_%d' % os.getpid(), space, '0')
            app = 'hostile_early_load_%d' % os.getpid()
            p, err = spawn('-q', '-s', 'early', SAMPLE, db=db, env={'PGAPPNAME': app})
            waited = wait_for_text(err, r'waiting for the lock', 20)
            value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                  " WHERE application_name = %s" % ql(app))
            code, text = finish(p, err)
            holder.close()
            check(waited, '%s: the load never waited: %s' % (space, text))
            check(code == 3, '%s: exit %d: %s' % (space, code, text))
            errors = error_messages(text)
            check(len(errors) == 2 and 'terminating connection' in errors[0] and
                  errors[1] == 'gtfs2pgsql: error: the load failed; the database is unchanged',
                  '%s: the error and the conclusion expected: %s' % (space, text))
            check('needs PostGIS' not in text, '%s: PostGIS blamed: %s' % (space, text))
            # PostGIS made, for the registry's turn
            it.psql('CREATE EXTENSION IF NOT EXISTS postgis;', db=db)
    finally:
        it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE);' % qi(db))

# --------------------------------- input the server would refuse instead

def stops_with_columns(extra):
    """The sample's stops.txt with extra columns {name: value of each row}."""
    rows = list(csv.reader(io.StringIO(read_text(SAMPLE, 'stops.txt'), newline='')))
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(rows[0] + list(extra))
    for r in rows[1:]:
        if r:
            w.writerow(r + [extra[k] for k in extra])
    return out.getvalue()

@test()
def reserved_column_names_kept_apart():
    """A file the reference lacks becomes a text table: its columns named
    like the server's or ours (ctid, xmin, the line) are kept under another
    name, with a notice.  A file of the reference keeps its other columns in
    jsonb extra under their own names, even geom, ctid, feed_id or extra:
    no notice.  No server error either way."""
    extra = {'geom': 'g', 'ctid': 'c', 'xmin': 'x', 'gtfs2pgsql_line': 'l',
             'feed_id': 'f', 'extra': 'e'}
    d = make_feed('reserved_cols', {'stops.txt': stops_with_columns(extra),
                                    'notes.txt': 'id,ctid,xmin,gtfs2pgsql_line\n1,c,x,l\n'})
    schema = 'reserved_cols'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    got = notices(schema, "code = 'reserved_column_name'")
    check(sorted((x[0], x[6]) for x in got) ==
          [('notes.txt', 'ctid'), ('notes.txt', 'gtfs2pgsql_line'), ('notes.txt', 'xmin')] and
          all(x[4] == 'warning' and x[5] == 'kept' for x in got), 'notices: %r' % (got,))
    for name, v in {'ctid': 'c', 'xmin': 'x', 'gtfs2pgsql_line': 'l'}.items():
        col = '%s_%d' % (name, ['id', 'ctid', 'xmin', 'gtfs2pgsql_line'].index(name) + 1)
        check(value('SELECT %s FROM %s' % (qi(col), rel(schema, 'notes'))) == v,
              'notes.%s is not %r' % (col, v))
    n = str(records(read_text(d, 'stops.txt')))
    for name, v in extra.items():
        got = value('SELECT count(*) FROM %s WHERE extra->>%s = %s'
                    % (rel(schema, 'stops'), ql(name), ql(v)))
        check(got == n, 'extra->>%s holds %s in %s rows of %s' % (name, v, got, n))
    check(value('SELECT count(DISTINCT feed_id) FROM %s' % rel(schema, 'stops')) == '1',
          "the file's feed_id column reached the table's")
    check(value('SELECT count(*) FROM %s WHERE geom IS NOT NULL' % rel(schema, 'stops')) != '0',
          'the stops lost their geometry')

def with_columns(text, names, values):
    """text (a CSV file) with columns names after its own: each record gets
    values[line] (by its first line), or empty ones."""
    rows = list(csv.reader(io.StringIO(text, newline='')))
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(rows[0] + names)
    for r in rows[1:]:
        if r:
            w.writerow(r + [''] * len(names))
    for line in values:
        w.writerow([line] + [''] * (len(rows[0]) - 1) + values[line])
    return out.getvalue()

@test()
def rows_past_the_copy_bound_set_aside():
    """Values that grow as the server is sent them (JSON writes \\x01 as
    \\u0001, six bytes a byte): three 1 MB fields of control bytes in
    extra columns made an 18 MB jsonb, past our 16 MiB COPY buffer ("row
    longer than 16777216 bytes", exit 3; issue 22, class 7).  Such a row
    is set aside (row_too_large, the record as written) in a binary COPY
    (stops.txt), a text COPY (fare_attributes.txt, which has a price) and
    the jsonb of a file the reference lacks past its 250 text columns; two
    such fields (12 MB) load, and so do three in the text columns of a
    file the reference lacks (3 MB).  Exit 0; rows + set aside = records
    in every file."""
    mb = '\x01' * 1_000_000
    junk = ['junk_a', 'junk_b', 'junk_c']
    wide_head = ['c%d' % i for i in range(260)]
    wide_rows = [['w%d' % r] + [''] * 259 for r in range(3)]
    wide_rows[1][251:254] = [mb] * 3
    files = {
        'stops.txt': with_columns(read_text(SAMPLE, 'stops.txt'), junk,
                                  {'BIG3': [mb] * 3, 'BIG2': [mb, mb, '']}),
        'fare_attributes.txt': with_columns(read_text(SAMPLE, 'fare_attributes.txt'),
                                            junk, {'BIG3': [mb] * 3}),
        'notes.txt': 'id,a,b,c\n1,x,y,z\n2,%s,%s,%s\n3,x,y,z\n' % (mb, mb, mb),
        'wide.txt': ''.join(','.join(r) + '\n' for r in [wide_head] + wide_rows),
    }
    d = make_feed('row_bound', files)
    schema = 'row_bound'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    got = notices(schema, "code = 'row_too_large'")
    check(sorted((x[0], x[2], x[4], x[5]) for x in got) ==
          [('fare_attributes.txt', 'junk_c', 'error', 'row_set_aside'),
           ('stops.txt', 'junk_c', 'error', 'row_set_aside'),
           ('wide.txt', 'c253', 'error', 'row_set_aside')],
          'notices: %r' % ([x[:6] for x in got],))
    for x in got:
        written = [row for row in csv.reader(io.StringIO(files[x[0]], newline=''))
                   if row and row[0] in ('BIG3', 'w1')]
        check([next(csv.reader(io.StringIO(x[7], newline='')))] == written,
              '%s: the record is not the line as written' % x[0])
    aside = dict(query("SELECT file, count(*) FROM %s WHERE action = 'row_set_aside'"
                       " GROUP BY file" % rel(schema, 'import_notices')))
    for name, text in files.items():
        rows = value('SELECT count(*) FROM %s' % rel(schema, name[:-4]))
        check(int(rows) + int(aside.get(name, 0)) == records(text),
              '%s: %s rows + %s set aside, %d records' % (name, rows, aside.get(name, 0),
                                                        records(text)))
    check(value("SELECT octet_length(extra->>'junk_a') + octet_length(extra->>'junk_b')"
                " FROM %s WHERE stop_id = 'BIG2'" % rel(schema, 'stops')) == '2000000',
          'the stop of two 1 MB fields did not load whole')
    check(value("SELECT octet_length(a || b || c) FROM %s WHERE id = '2'"
                % rel(schema, 'notes')) == '3000000', 'notes.txt: the big row')

@test()
def thousand_columns_skipped_with_a_notice():
    """A file of 1,000 columns with long values (a row the server cannot
    hold): a notice, the file not loaded, the rest loaded; no server error."""
    cols = ['c%d' % i for i in range(1000)]
    text = ','.join(cols) + '\n' + ','.join('x' * 300 for _ in cols) + '\n'
    d = make_feed('wide_file', {'wide.txt': text})
    r = run('-q', '-s', 'wide_file', d)
    check(r.returncode == 0, describe(r))
    got = notices('wide_file', "code = 'too_many_columns'")
    check(len(got) == 1 and got[0][0] == 'wide.txt' and got[0][5] == 'file_skipped',
          'notices: %r' % (got,))

@test()
def long_stop_id_set_aside():
    """A 4,000-byte stop_id (over what a btree index entry holds): the row
    is set aside with a notice, the others load."""
    text = read_text(SAMPLE, 'stops.txt')
    long_id = 'S' * 4000
    n = records(text)
    d = make_feed('long_id', {'stops.txt': text.rstrip('\n') + '\n%s,,Long,45.5,-73.5\n' % long_id})
    header = next(csv.reader(io.StringIO(text)))
    if header[:5] != ['stop_id', 'stop_code', 'stop_name', 'stop_lat', 'stop_lon']:
        # put the values in the header's order
        row = {h: '' for h in header}
        row.update(stop_id=long_id, stop_name='Long', stop_lat='45.5', stop_lon='-73.5')
        out = io.StringIO()
        csv.writer(out, lineterminator='\n').writerow([row[h] for h in header])
        d = make_feed('long_id', {'stops.txt': text.rstrip('\n') + '\n' + out.getvalue()})
    r = run('-q', '-s', 'long_id', d)
    check(r.returncode == 0, describe(r))
    got = notices('long_id', "code = 'id_too_long'")
    check(len(got) == 1 and got[0][5] == 'row_set_aside', 'notices: %r' % (got,))
    check(value('SELECT count(*) FROM %s' % rel('long_id', 'stops')) == str(n),
          'the other stops did not all load')

@test()
def three_thousand_members():
    """3,000 extra .txt members (each a table: the lock table would fill):
    the first ones load, the rest are skipped with a notice."""
    d = make_feed('many_members')
    for i in range(3000):
        with open(os.path.join(d, 'extra_%04d.txt' % i), 'w') as f:
            f.write('a,b\n1,2\n')
    r = run('-q', '-s', 'many_members', d)
    check(r.returncode == 0, describe(r))
    skipped = value("SELECT count(*) FROM %s WHERE code = 'too_many_files'"
                    % rel('many_members', 'import_notices'))
    loaded = value("SELECT count(*) FROM %s WHERE code = 'unknown_file' AND action = 'kept'"
                   % rel('many_members', 'import_notices'))
    check(int(skipped) + int(loaded) == 3000 and int(skipped) > 0,
          '%s skipped, %s loaded' % (skipped, loaded))

@test()
def srid_not_horizontal_2d_refused():
    for srid in ('4978', '5714', '4979'):
        r = run('-q', '--srid', srid, '-s', 'srid_%s' % srid, SAMPLE)
        check(r.returncode == 1 and 'not a horizontal 2D' in r.stderr,
              '--srid %s: %s' % (srid, describe(r)))
        check(not schema_exists('srid_%s' % srid), 'schema made for --srid %s' % srid)

@test()
def control_characters_in_names_escaped():
    """A member whose name holds a newline and a terminal escape: every
    line of stderr is ours, no escape byte reaches the terminal."""
    d = make_feed('ctl_names')
    for name, text in (('x\ngtfs2pgsql: feed loaded\x1b[2J.txt', 'a\n1\n'),
                       ('y\x1b]0;title\x07.kml', 'zz')):
        with open(os.path.join(d, name), 'w') as f:
            f.write(text)
    r = run('-s', 'ctl_names', d)
    check(r.returncode == 0, describe(r))
    check('\x1b' not in r.stderr and '\x07' not in r.stderr, 'raw control bytes: %r' % r.stderr)
    check(not [l for l in r.stderr.splitlines() if l.startswith('gtfs2pgsql: feed loaded')],
          'a faked line: %r' % r.stderr)
    check('\\x0A' in r.stderr and '\\x1B' in r.stderr, 'the names are not shown escaped: %r'
          % r.stderr)

@test()
def file_name_not_utf8():
    d = os.path.join(TMP.encode(), b'caf\xe9')
    if os.path.exists(d):
        shutil.rmtree(d)
    shutil.copytree(SAMPLE.encode(), d)
    r = subprocess.run([it.PROG.encode(), b'-q', b'-d', it.DB.encode(), b'--feed-id', b'cafe_nonutf8', d],
                       capture_output=True)
    check(r.returncode == 0, 'exit %d: %r' % (r.returncode, r.stderr))
    check(value("SELECT file_name FROM gtfs2pgsql.feeds WHERE feed_id = 'cafe_nonutf8'")
          == 'caf\\xE9', 'file name recorded as %r'
          % value("SELECT file_name FROM gtfs2pgsql.feeds WHERE feed_id = 'cafe_nonutf8'"))

@test()
def cr_only_line_ends_counted():
    """Old Mac files end lines with CR alone: a defect on line 6 is
    reported on line 6, not line 1."""
    rows = [[v.replace('\r', ' ').replace('\n', ' ') for v in r]
            for r in csv.reader(io.StringIO(read_text(SAMPLE, 'stops.txt'), newline=''))]
    header = rows[0]
    rows[5][header.index('stop_lat')] = 'nope'
    out = io.StringIO()
    csv.writer(out, lineterminator='\r').writerows(r for r in rows if r)
    text = out.getvalue()
    check('\n' not in text, 'the sample has a line break inside a field')
    d = make_feed('cr_only', {'stops.txt': text})
    r = run('-q', '-s', 'cr_only', d)
    check(r.returncode == 0, describe(r))
    got = notices('cr_only', "\"column\" = 'stop_lat'")
    check([(x[1], x[3]) for x in got] == [('6', 'invalid_float')], 'notices: %r' % (got,))

# ------------------------------------------------- options and the report

@test()
def connection_options_h_p_U_w():
    """-h -p -U -d name the server without the PG* environment (-w: never
    prompt for a password)."""
    # the server named by the options alone (a password still from the
    # environment: pg_virtualenv's server wants one)
    env = {k: v for k, v in os.environ.items()
           if k not in ('PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE')}
    host = os.environ.get('PGHOST') or '/var/run/postgresql'
    port = os.environ.get('PGPORT') or '5432'
    user = value('SELECT current_user')
    r = subprocess.run([it.PROG, '-q', '-w', '-h', host, '-p', port, '-U', user,
                        '-d', it.DB, '-s', 'conn_opts', SAMPLE],
                       capture_output=True, text=True, env=env, timeout=300)
    check(r.returncode == 0, describe(r))
    check(value('SELECT count(*) FROM %s' % rel('conn_opts', 'stops')) != '0', 'no stops')
    # a port where no server listens: exit 2, said
    r = subprocess.run([it.PROG, '-q', '-w', '-h', host, '-p', '1', '-U', user,
                        '-d', it.DB, '-s', 'conn_opts', SAMPLE],
                       capture_output=True, text=True, env=env, timeout=300)
    check(r.returncode == 2 and 'could not connect' in r.stderr, describe(r))

@test()
def report_write_failure_said():
    """A report that cannot be written (a full disk: /dev/full) after a
    load: exit 1, said, and the feed loaded all the same."""
    if not os.path.exists('/dev/full'):
        raise it.Skip('/dev/full absent')
    r = run('-q', '--report', '/dev/full', '-s', 'report_full', SAMPLE)
    check(r.returncode == 1 and 'report' in r.stderr, describe(r))
    check('loaded all the same' in r.stderr, 'stderr: %s' % r.stderr)
    check(value('SELECT count(*) FROM %s' % rel('report_full', 'stops')) != '0',
          'the feed was not loaded')

@test()
def report_json_numbers():
    """The JSON report's numbers are the database's: rows per file, rows
    set aside, notices by code and the counts by severity."""
    text = read_text(SAMPLE, 'calendar_dates.txt')
    last = text.rstrip('\n').split('\n')[-1]
    d = make_feed('report_numbers', {'calendar_dates.txt': text + last + '\n'})
    path = os.path.join(TMP, 'report_numbers.json')
    r = run('-q', '--report', path, '-s', 'report_numbers', d)
    check(r.returncode == 0, describe(r))
    with open(path) as f:
        rep = json.load(f)
    files = {f['file']: f for f in rep['files']}
    for name, f in files.items():
        if name.endswith('.txt'):
            n = value('SELECT count(*) FROM %s' % rel('report_numbers', name[:-4]))
            check(str(f['rows']) == n, '%s: report %s rows, table %s' % (name, f['rows'], n))
    check(files['calendar_dates.txt']['set_aside'] == 1, 'set_aside %r'
          % files['calendar_dates.txt'])
    check([(n['code'], n['file'], n['count']) for n in rep['notices']]
          == [('duplicate_key', 'calendar_dates.txt', 1)], 'notices %r' % rep['notices'])
    check(rep['notice_counts'] == {'error': 1, 'warning': 0, 'info': 0},
          'notice_counts %r' % rep['notice_counts'])

# ------------------------------------- archives and member names (source.c)
#
# Issue 29 items 1 and 2, issue 22 classes 9 and 18, and members that
# cannot be read: each a notice, the rest of the feed loaded whole.

SAMPLE_FILES = sorted(n for n in os.listdir(SAMPLE) if n.endswith('.txt'))

def zip_sample(path, extra=(), method=zipfile.ZIP_DEFLATED):
    """path: a zip of the sample's files at its root, plus extra
    [(name, bytes)]."""
    with zipfile.ZipFile(path, 'w', method) as z:
        for n in SAMPLE_FILES:
            z.write(os.path.join(SAMPLE, n), n)
        for n, data in extra:
            z.writestr(n, data)
    return path

def archive_accepted(path):
    """Whether Python's zipfile and unzip -t (where installed) find the
    archive sound."""
    with zipfile.ZipFile(path) as z:
        check(z.testzip() is None, 'zipfile finds %s damaged' % path)
    if shutil.which('unzip'):
        r = subprocess.run(['unzip', '-tq', path], capture_output=True)
        check(r.returncode == 0, 'unzip -t refuses %s: %r' % (path, r.stdout + r.stderr))

def loaded_whole(schema):
    """Every table of the sample has the sample's rows."""
    for n in SAMPLE_FILES:
        want = records(read_text(SAMPLE, n))
        got = int(value('SELECT count(*) FROM %s' % rel(schema, n[:-4])))
        check(got == want, '%s: %d rows, %d in the file' % (n, got, want))

def codes(schema, code):
    return [(n[0], n[5]) for n in notices(schema, 'code = %s' % ql(code))]

@test()
def zip_local_headers_disagree():
    """A zip made like macOS's (__MACOSX/._* entries) whose local headers
    give another time than its central directory: libzip's ZIP_CHECKCONS
    refuses it, unzip -t and zipfile accept it.  The feed loads whole, with
    a zip_inconsistent notice saying what libzip found."""
    path = zip_sample(os.path.join(TMP, 'macos.zip'),
                      [('__MACOSX/._' + n, b'\x00\x05\x16\x07' + bytes(60))
                       for n in SAMPLE_FILES])
    data = bytearray(open(path, 'rb').read())
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            check(data[info.header_offset:info.header_offset + 4] == b'PK\x03\x04',
                  'no local header for %s' % info.filename)
            data[info.header_offset + 10] ^= 1      # the local header's time
    with open(path, 'wb') as f:
        f.write(bytes(data))
    archive_accepted(path)
    r = load_ok(path, 'zip_disagree')
    loaded_whole('zip_disagree')
    got = notices('zip_disagree', "code = 'zip_inconsistent'")
    check([(n[0], n[4], n[5]) for n in got] == [('macos.zip', 'warning', 'kept')],
          'zip_inconsistent notices: %r' % (got,))
    check(value("SELECT message FROM %s WHERE code = 'zip_inconsistent'"
                % rel('zip_disagree', 'import_notices')).find('libzip: ') > 0,
          'the notice does not say what libzip found')

@test()
def zip_files_twice_root_is_the_feed():
    """Every file at the root and again under data/2014-08-18/raw/: the
    root's are loaded, each file in the folder gets
    invalid_input_files_in_subfolder and nothing else of it is loaded."""
    folder = 'data/2014-08-18/raw/'
    path = zip_sample(os.path.join(TMP, 'twice.zip'),
                      [(folder + n, b'x_id\nfrom_the_folder\n') for n in SAMPLE_FILES])
    load_ok(path, 'twice')
    loaded_whole('twice')
    check(sorted(codes('twice', 'invalid_input_files_in_subfolder'))
          == [(folder + n, 'file_skipped') for n in SAMPLE_FILES],
          'notices: %r' % codes('twice', 'invalid_input_files_in_subfolder'))
    files = [r[0] for r in query('SELECT file FROM %s' % rel('twice', 'import_files'))]
    check(sorted(files) == SAMPLE_FILES, 'import_files: %r' % files)

@test()
def zip_files_in_one_folder_loaded():
    """A feed zipped as its folder (no file at the root): loaded from the
    folder, no notice of it."""
    path = os.path.join(TMP, 'folder.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n in SAMPLE_FILES:
            z.write(os.path.join(SAMPLE, n), 'gtfs/' + n)
    load_ok(path, 'in_folder')
    loaded_whole('in_folder')
    check(not codes('in_folder', 'invalid_input_files_in_subfolder'), 'a subfolder notice')

NOT_UTF8 = 'caf\\xE9'            # how caf\xe9 is known: its byte as \xHH

def check_not_utf8_member(schema, name):
    check(value('SELECT count(*) FROM %s' % rel(schema, NOT_UTF8 + name[3:-4])) == '2',
          'the table of %s lacks its rows' % name)
    got = codes(schema, 'file_name_not_utf8')
    check(got == [(NOT_UTF8 + name[3:], 'kept')], 'file_name_not_utf8 notices: %r' % got)
    files = [r[0] for r in query('SELECT file FROM %s' % rel(schema, 'import_files'))]
    check(NOT_UTF8 + name[3:] in files, 'import_files: %r' % files)

@test()
def member_name_not_utf8_in_a_folder():
    """caf\xe9.txt in a directory feed: loaded as the table caf\xE9 (its
    byte escaped), read by its own name; a notice says so."""
    d = make_feed('name_not_utf8')
    with open(os.path.join(d.encode(), b'caf\xe9.txt'), 'wb') as f:
        f.write(b'a,b\n1,2\n3,4\n')
    load_ok(d, 'name_not_utf8')
    loaded_whole('name_not_utf8')
    check_not_utf8_member('name_not_utf8', 'caf.txt')

@test()
def member_name_not_utf8_in_a_zip_flagged_utf8():
    """A zip member named caf\xe9.txt with the UTF-8 flag (general purpose
    bit 11), which libzip refuses and unzip -t accepts: loaded as above."""
    path = zip_sample(os.path.join(TMP, 'flagged.zip'), [('caf\u00e9.txt', 'a,b\n1,2\n3,4\n')])
    data = open(path, 'rb').read()
    # the name's two UTF-8 bytes become one Latin-1 byte and an x
    data = data.replace('caf\u00e9.txt'.encode(), b'caf\xe9x.txt')
    with open(path, 'wb') as f:
        f.write(data)
    if shutil.which('unzip'):
        r = subprocess.run(['unzip', '-tq', path], capture_output=True)
        check(r.returncode == 0, 'unzip -t refuses it: %r' % (r.stdout + r.stderr))
    load_ok(path, 'flagged_utf8')
    loaded_whole('flagged_utf8')
    check_not_utf8_member('flagged_utf8', 'cafx.txt')
    check(not codes('flagged_utf8', 'zip_inconsistent'), 'a zip_inconsistent notice')

@test()
def skip_unchanged_folder_hash_unambiguous():
    """A folder without trips.txt whose transfers.txt (the file before it)
    ends with "trips.txt", a NUL and trips.txt's bytes was the same SHA-256
    as the sample (names and contents without lengths): --skip-unchanged
    must load it."""
    a = make_feed('hash_a')
    b = make_feed('hash_b', {'trips.txt': None})
    with open(os.path.join(SAMPLE, 'trips.txt'), 'rb') as f:
        trips = f.read()
    with open(os.path.join(b, 'transfers.txt'), 'ab') as f:
        f.write(b'trips.txt\x00' + trips)
    load_ok(a, 'hash_feed', '--feed-id', 'hash_feed')
    before = value("SELECT sha256 FROM gtfs2pgsql.feeds WHERE feed_id = 'hash_feed'")
    # a feed without trips.txt: a wanted shrink here (tests/replace.py)
    load_ok(b, 'hash_feed', '--feed-id', 'hash_feed', '--skip-unchanged',
            '--force')
    after = value("SELECT sha256 FROM gtfs2pgsql.feeds WHERE feed_id = 'hash_feed'")
    check(before != after, 'the changed folder was skipped as unchanged')
    check(value('SELECT count(*) FROM %s' % rel('hash_feed', 'trips')) == '0',
          'trips were not loaded again')

@test()
def unreadable_member_skipped_with_a_notice():
    """A stored shapes.txt with one digit changed: only its CRC tells.  The
    file is skipped (its table empty) with an unreadable_file notice naming
    the CRC error; the rest of the feed loads, exit 0."""
    path = zip_sample(os.path.join(TMP, 'badcrc.zip'), method=zipfile.ZIP_STORED)
    data = bytearray(open(path, 'rb').read())
    with zipfile.ZipFile(path) as z:
        off = z.getinfo('shapes.txt').header_offset
    k = data.index(b'45.507903', off)
    data[k + 6] = ord('8')
    with open(path, 'wb') as f:
        f.write(bytes(data))
    load_ok(path, 'bad_crc')
    check(value('SELECT count(*) FROM %s' % rel('bad_crc', 'shapes')) == '0',
          'rows of the damaged shapes.txt were loaded')
    got = notices('bad_crc', "code = 'unreadable_file'")
    check([(n[0], n[4], n[5]) for n in got] == [('shapes.txt', 'error', 'file_skipped')],
          'unreadable_file notices: %r' % (got,))
    check('CRC' in value("SELECT message FROM %s WHERE code = 'unreadable_file'"
                         % rel('bad_crc', 'import_notices')), 'the notice does not say CRC')
    check(value('SELECT count(*) FROM %s' % rel('bad_crc', 'stop_times'))
          == str(records(read_text(SAMPLE, 'stop_times.txt'))), 'stop_times not loaded whole')
def skipped_members(schema, names):
    """(file, code, severity, action) of schema's notices on names."""
    return sorted((n[0], n[3], n[4], n[5]) for n in notices(
        schema, 'file IN (%s)' % ', '.join(ql(n) for n in names)))

@test()
def zip_members_left_out_each_noticed():
    """Entries of a zip that are not loaded: a folder entry holding bytes
    (notes.txt/), macOS's __MACOSX/x.txt and resource forks (._*, in
    __MACOSX/ or beside a file), each used to end in no row and no notice.
    Each gets one notice naming it as written; an empty folder entry holds
    nothing and gets none; the feed loads whole, exit 0."""
    left = {'notes.txt/': 'unreadable_file', '__MACOSX/x.txt': 'unknown_file',
            '__MACOSX/._stops.txt': 'unknown_file', 'sub/._agency.txt': 'unknown_file'}
    path = zip_sample(os.path.join(TMP, 'left_out.zip'),
                      [(n, b'a,b\n1,2\n') for n in left] + [('empty/', b'')])
    load_ok(path, 'left_out')
    loaded_whole('left_out')
    got = skipped_members('left_out', list(left) + ['empty/', 'empty', 'x.txt'])
    want = sorted((n, c, 'error' if c == 'unreadable_file' else 'info', 'file_skipped')
                  for n, c in left.items())
    check(got == want, 'notices: %r' % (got,))
    files = [r[0] for r in query('SELECT file FROM %s' % rel('left_out', 'import_files'))]
    check(sorted(files) == SAMPLE_FILES, 'import_files: %r' % files)

@test()
def directory_members_left_out_each_noticed():
    """A directory feed's FIFO, symbolic link, hidden file and folder are
    not read; each used to get a warning on stderr or nothing, and now a
    notice naming it (unreadable_file for the link and the FIFO, which may
    hold the feed's data; unknown_file for the others).  The feed loads
    whole, exit 0."""
    d = make_feed('dir_left_out')
    os.mkfifo(os.path.join(d, 'fifo.txt'))
    target = os.path.join(TMP, 'outside-real.txt')
    with open(target, 'w') as f:
        f.write('a\n1\n')
    os.symlink(target, os.path.join(d, 'linked.txt'))
    with open(os.path.join(d, '.hidden.txt'), 'w') as f:
        f.write('a\n1\n')
    os.mkdir(os.path.join(d, 'sub'))
    load_ok(d, 'dir_left_out')
    loaded_whole('dir_left_out')
    got = skipped_members('dir_left_out', ['fifo.txt', 'linked.txt', '.hidden.txt', 'sub'])
    check(got == [('.hidden.txt', 'unknown_file', 'info', 'file_skipped'),
                  ('fifo.txt', 'unreadable_file', 'error', 'file_skipped'),
                  ('linked.txt', 'unreadable_file', 'error', 'file_skipped'),
                  ('sub', 'unknown_file', 'info', 'file_skipped')],
          'notices: %r' % (got,))

# ------------- input that ended the load (exit 3): loaded, with notices

def set_aside_of(schema, member):
    """The records of member's rows set aside, by line."""
    return {int(r[1]): r[7] for r in notices(
        schema, "file = %s AND action = 'row_set_aside'" % ql(member))}

def check_whole(schema, member, table, n_records):
    """Rows of table + rows of member set aside = n_records, and each
    notice that sets a row aside holds its record."""
    rows = int(value('SELECT count(*) FROM %s' % rel(schema, table)))
    aside = set_aside_of(schema, member)
    check(rows + len(aside) == n_records, '%s: %d rows + %d set aside, not %d records'
          % (member, rows, len(aside), n_records))
    check(all(r for r in aside.values()), '%s: a row set aside without its record' % member)

@test()
def no_recognised_column_loads():
    """A file of the reference none of whose columns it knows
    (transfers.txt with header note,comment) and a UTF-16 stops.txt used to
    end the load on a COPY column list "(, extra, ...)".  Each loads, its
    columns in extra or renamed, with notices."""
    transfers = 'note,comment\nfirst,a\n'
    stops = read_text(SAMPLE, 'stops.txt')
    d = make_feed('no_known_column', {'transfers.txt': transfers})
    with open(os.path.join(d, 'stops.txt'), 'wb') as f:
        f.write(stops.encode('utf-16'))
    schema = 'no_known_column'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    check_whole(schema, 'transfers.txt', 'transfers', 1)
    check(value('SELECT extra FROM %s' % rel(schema, 'transfers'))
          == '{"note": "first", "comment": "a"}', 'transfers.extra')
    got = sorted(n[2] for n in notices(schema, "file = 'transfers.txt'"
                                                     " AND code = 'unknown_column'"))
    check(got == ['comment', 'note'], 'unknown_column notices: %r' % got)
    # each '\n' of the UTF-16 file ends a line; the '\0' after the last
    # is one more: as many records as '\n', the header aside
    check_whole(schema, 'stops.txt', 'stops', stops.encode('utf-16').count(b'\n'))
    check(notices(schema, "file = 'stops.txt' AND code = 'invalid_utf8'") != [],
          'no invalid_utf8 notice for the UTF-16 stops.txt')

@test()
def empty_shape_id_kept_out_of_shape_lines():
    """A shapes.txt point without shape_id used to end the load building
    shape_lines (its shape_id NOT NULL).  The point is kept, like every
    part of a composite key missing (missing_required_field, kept), and
    makes no line; the other shapes make theirs."""
    text = read_text(SAMPLE, 'shapes.txt').rstrip('\n') + '\n,45.5,-73.5,99,\n'
    d = make_feed('empty_shape_id', {'shapes.txt': text})
    schema = 'empty_shape_id'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    check_whole(schema, 'shapes.txt', 'shapes', records(text))
    got = [(n[1], n[2], n[3], n[5]) for n in notices(schema, "file = 'shapes.txt'")]
    check(got == [(str(records(text) + 1), 'shape_id', 'missing_required_field', 'kept')],
          'notices of shapes.txt: %r' % got)
    lines = value('SELECT count(*) FROM %s' % rel(schema, 'shape_lines'))
    shapes = value('SELECT count(DISTINCT shape_id) FROM %s' % rel(schema, 'shapes'))
    check(lines == shapes, '%s shape_lines for %s shape_ids' % (lines, shapes))

def long_id(n, seed):
    """An id of n bytes that does not compress (an index would compress
    repeated bytes below the limit)."""
    return hashlib.sha256(seed.encode()).hexdigest()[:8] + ''.join(
        hashlib.sha256(('%s%d' % (seed, i)).encode()).hexdigest() for i in range(n // 64 + 1))[:n - 8]

@test()
def key_over_index_limit_set_aside():
    """transfers.txt with three ids of 950 bytes (each under the 1,000-byte
    cap, together over a btree entry's 2,704): the unique index failed
    ("index row size ... exceeds btree version 4 maximum 2704").  The row
    is set aside (id_too_long, its record whole); two such ids, which fit,
    load."""
    text = read_text(SAMPLE, 'transfers.txt').rstrip('\n')
    header = text.split('\n')[0].split(',')
    check(header[:4] == ['from_stop_id', 'to_stop_id', 'from_route_id', 'to_route_id'],
          'sample transfers.txt header: %r' % header)
    rest = ',' * (len(header) - 4)
    too_long = '%s,%s,%s,%s' % (long_id(950, 'a'), long_id(950, 'b'), long_id(950, 'c'), rest)
    fits = '%s,%s,,%s' % (long_id(950, 'd'), long_id(950, 'e'), rest)
    text += '\n' + too_long + '\n' + fits + '\n'
    d = make_feed('key_index_limit', {'transfers.txt': text})
    schema = 'key_index_limit'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    check_whole(schema, 'transfers.txt', 'transfers', records(text))
    aside = notices(schema, "file = 'transfers.txt' AND action = 'row_set_aside'")
    check([(a[1], a[3], a[4]) for a in aside] ==
          [(str(records(text)), 'id_too_long', 'error')], 'set aside: %r' % aside)
    check(aside[0][7] == too_long, 'the record set aside is not the line as written')
    check(value('SELECT count(*) FROM %s WHERE from_stop_id = %s'
                % (rel(schema, 'transfers'), ql(long_id(950, 'd')))) == '1',
          'the row whose key fits is not loaded')

@test()
def geojson_bad_features_set_aside_alone():
    """locations.geojson with a Point among polygons, two features without
    an id, a 5,000-byte id, coordinates PostGIS refuses, a 3D polygon, a
    repeated id and a feature that is not an object: each used to skip the
    whole file (or end the load, for the long id).  Each is set aside
    alone, the feature as its record; rows + set aside = features."""
    def tri(k):
        return {'type': 'Polygon', 'coordinates': [
            [[-73.6 + k, 45.5], [-73.5 + k, 45.5], [-73.5 + k, 45.6], [-73.6 + k, 45.5]]]}
    def feat(fid, k, geometry=None):
        f = {'type': 'Feature', 'properties': {'stop_name': 'zone %d' % k},
             'geometry': geometry or tri(k)}
        if fid is not None:
            f['id'] = fid
        return f
    features = [feat('Z1', 1), feat('Z2', 2, {'type': 'Point', 'coordinates': [-73.5, 45.5]}),
                feat(None, 3), feat(None, 4), feat('L' * 5000, 5),
                feat('Z6', 6, {'type': 'Polygon', 'coordinates': 'x'}),
                feat('Z7', 7, {'type': 'MultiPolygon', 'coordinates': [[[[1, 2, 3], [3, 4],
                                                                         [5, 6], [1, 2]]]]}),
                feat('Z1', 8), 42, feat(9, 9), feat('Z10', 10, {'type': 'MultiPolygon',
                                                                'coordinates': [tri(10)['coordinates']]})]
    d = make_feed('geojson_features', {'locations.geojson': json.dumps(
        {'type': 'FeatureCollection', 'features': features})})
    schema = 'geojson_features'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    got = query('SELECT id FROM %s ORDER BY id' % rel(schema, 'locations'))
    check(got == [('9',), ('Z1',), ('Z10',)], 'locations: %r' % got)
    aside = query("SELECT code, \"column\", message, record FROM %s WHERE file = "
                  "'locations.geojson' AND action = 'row_set_aside'"
                  % rel(schema, 'import_notices'))
    check(len(got) + len(aside) == len(features), '%d rows + %d set aside, not %d features'
          % (len(got), len(aside), len(features)))
    by_feature = {int(re.search(r'feature (\d+)', a[2]).group(1)): a for a in aside}
    want = {2: 'unsupported_geometry_type', 3: 'missing_required_element',
            4: 'missing_required_element', 5: 'id_too_long', 6: 'invalid_geometry',
            7: 'invalid_geometry', 8: 'duplicate_geo_json_key', 9: 'missing_required_element'}
    check({n: a[0] for n, a in by_feature.items()} == want,
          'set aside: %r' % {n: a[0] for n, a in by_feature.items()})
    for n, a in by_feature.items():
        check(json.loads(a[3]) == features[n - 1], 'feature %d: record %r' % (n, a[3][:80]))

@test()
def geojson_unescapable_feature_set_aside_alone():
    """A feature with \\u0000 in its id or a property, a lone surrogate, or
    a number too large for jsonb, behind a byte order mark: each used to
    skip the whole file (PostgreSQL's JSON functions refuse them wherever
    they are).  Each is set aside alone, as written; the rest load, with
    their escapes (an escaped backslash before "u0000" too) as written."""
    def tri(k):
        return {'type': 'Polygon', 'coordinates': [
            [[-73.6 + k, 45.5], [-73.5 + k, 45.5], [-73.5 + k, 45.6], [-73.6 + k, 45.5]]]}
    def feat(fid, k, props=None):
        return {'type': 'Feature', 'id': fid, 'properties': props or {}, 'geometry': tri(k)}
    features = [json.dumps(f) for f in (
        feat('Z1', 1, {'stop_name': 'caf\u00e9 \\ "q" \\u0000 \U0001F68C'}),
        feat('Z2\u0000', 2), feat('Z3', 3, {'stop_name': 'a\u0000b'}),
        feat('Z4', 4, {'stop_name': '\ud800'}), feat('Z5', 5))]
    features.append(json.dumps(feat('Z6', 6)).replace('{}', '{"n": 1e300000}'))
    d = make_feed('geojson_unescapable', {'locations.geojson': '\ufeff'
        '{"type": "FeatureCollection", "features": [%s]}' % ', '.join(features)})
    schema = 'geojson_unescapable'
    r = run('-q', '-s', schema, d)
    check(r.returncode == 0, describe(r))
    got = query('SELECT id, stop_name FROM %s ORDER BY id' % rel(schema, 'locations'))
    check(got == [('Z1', 'caf\u00e9 \\ "q" \\u0000 \U0001F68C'), ('Z5', None)],
          'locations: %r' % got)
    aside = query("SELECT code, action, message, record FROM %s WHERE file = "
                  "'locations.geojson' ORDER BY message" % rel(schema, 'import_notices'))
    check([(a[0], a[1], re.search(r'feature (\d+)', a[2]).group(1)) for a in aside] ==
          [('malformed_json', 'row_set_aside', n) for n in '2346'], 'notices: %r' % aside)
    check([a[3] for a in aside] == [features[n] for n in (1, 2, 3, 5)],
          'the records are not the features as written: %r' % [a[3] for a in aside])

@test()
def geojson_without_features_is_a_notice():
    """A document that is JSON but has no array of features (an array, an
    object without "features") used to load nothing without a word."""
    for n, doc in enumerate(('[1, 2]', '{"type": "FeatureCollection"}',
                             '{"type": "FeatureCollection", "features": {}}')):
        schema = 'geojson_no_features_%d' % n
        r = run('-q', '-s', schema, make_feed(schema, {'locations.geojson': doc}))
        check(r.returncode == 0, describe(r))
        got = [a[3:6] for a in notices(schema, "file = 'locations.geojson'")]
        check(got == [('malformed_json', 'error', 'file_skipped')], '%s: %r' % (doc, got))

if __name__ == '__main__':
    it.main()
