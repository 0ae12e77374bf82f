#!/usr/bin/python3
"""
The feed mutation harness (issue 22, "Nothing lost, by construction,
checked by a machine"): mutates the fixtures and real feeds at random,
loads each case into a fresh database and checks that nothing is lost.

    tests/fuzz_feeds.py [--seconds N] [--seed S] [--cases N] [--stop]
    tests/fuzz_feeds.py --self-test
    tests/fuzz_feeds.py --replay build/fuzz-feeds/failures/SEED-N

For every case:
  (a) the exit status is 0 (1 only for a case made unreadable on purpose);
      never 3, never a signal;
  (b) per file, rows loaded + rows set aside = records, the records counted
      here from the member's bytes (below);
  (c) per loaded row and column, a value is non-NULL or has a value_nulled
      notice exactly when it is non-empty as written; a text column holds
      the value as written;
  (d) every non-blank line after the header is in a loaded row (the record
      starting on that line, its fields as written) or in a notice's record
      (the line's text at that line number), once; every member is recorded
      (import_files or a notice).

Records, independently of the loader: the member's physical lines (ended by
CRLF, LF or a lone CR); the header is the first non-blank record; a record
is read from a line as RFC 4180 says (quotes only around a whole field, ""
inside); a record that cannot be read so (a stray or unterminated quote), or
whose quoted field runs over a line end while it has fewer fields than the
header, is its lines, one record each (issue 22, class 1; more fields than
the header keep it one record, set aside as too long).  A blank line (empty, or
spaces and tabs) is no record.

The loaded rows' lines: the tables lose their line column at the end of the
load, so an event trigger (a harness object in a harness database, never
the loader's) copies each table's rows with their line just before that
column is dropped.  Each case loads into one database with PostGIS and that
trigger, whose every other schema is dropped before the case.

GTFS2PGSQL names another program to run (default ./gtfs2pgsql).

A failing case is written to OUT/failures/SEED-N/: the feed, the command
that reproduces it (README) and what failed.  Standard library only; the
server is the PG* environment's, reached through psql.
"""
import argparse, codecs, json, os, random, re, shutil, signal, subprocess, sys
import tempfile, time, zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = [os.path.join(REPO, 'fixtures', n) for n in ('sample', 'edge')]
REAL_FEEDS = os.path.join(REPO, '..', 'shared', 'feeds')
PROG = os.path.abspath(os.environ.get('GTFS2PGSQL', os.path.join(REPO, 'gtfs2pgsql')))
MAX_LINES = 300                 # lines kept of each member of a real feed
RECORD_MAX = 4 << 20            # bytes of a set-aside line the loader keeps
                                # (CSV_MAX_ROW): the message counts the rest
CSV_LINE_MAX = 1 << 20          # bytes of one of those lines
CASE_TIMEOUT = 120              # seconds for one load
PSQL_ENV = dict(os.environ, PGCLIENTENCODING='UTF8')
EOL = re.compile(rb'\r\n|\n|\r')
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")  # a repr'd value

# ------------------------------------------------------------ the database

def psql(sql, db='postgres'):
    """stdout of sql run by psql in db; raises RuntimeError on an error."""
    p = subprocess.run(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
                        '-d', db, '-f', '-'], input=sql.encode(),
                       capture_output=True, env=PSQL_ENV)
    if p.returncode:
        raise RuntimeError('psql: %s' % p.stderr.decode(errors='replace').strip())
    return p.stdout.decode()

# Copies a staging table's rows with their line when the load is about to
# drop the line column: the tables then carry the mark comment.
TEMPLATE_SQL = r"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA fuzz_harness;
CREATE TABLE fuzz_harness.snapped (rel oid PRIMARY KEY);
CREATE TABLE fuzz_harness.rows (tbl text, line integer, r jsonb);
CREATE FUNCTION fuzz_harness.snap() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.oid, n.nspname, c.relname FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid
       AND a.attname = 'gtfs2pgsql_line' AND NOT a.attisdropped
      WHERE c.relkind = 'r'
        AND obj_description(c.oid, 'pg_class') = 'gtfs2pgsql'
        AND NOT EXISTS (SELECT FROM fuzz_harness.snapped s WHERE s.rel = c.oid)
  LOOP
    INSERT INTO fuzz_harness.snapped VALUES (t.oid);
    EXECUTE format('INSERT INTO fuzz_harness.rows SELECT %L, x.gtfs2pgsql_line,'
                   ' to_jsonb(x) - ''gtfs2pgsql_line'' FROM %I.%I x',
                   t.relname, t.nspname, t.relname);
  END LOOP;
END $f$;
CREATE EVENT TRIGGER fuzz_harness_snap ON ddl_command_start
  WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION fuzz_harness.snap();
"""

RESULT_SQL = r"""
SELECT json_build_object(
 'files', (SELECT coalesce(json_agg(json_build_object('file', file, 'table', "table",
   'columns', columns, 'header', header)), '[]') FROM %(s)s.import_files),
 'notices', (SELECT coalesce(json_agg(json_build_object('file', file, 'line', line,
   'column', "column", 'code', code, 'action', action, 'value', value,
   'record', record, 'message', message)), '[]') FROM %(s)s.import_notices),
 'rows', (SELECT coalesce(json_agg(json_build_object('table', tbl, 'line', line,
   'row', r)), '[]') FROM fuzz_harness.rows),
 'counts', (SELECT coalesce(json_object_agg(c.relname,
   (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %%I.%%I',
    n.nspname, c.relname), false, true, '')))[1]::text::bigint), '{}')
   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = %(l)s AND c.relkind IN ('r', 'p')),
 'types', (SELECT coalesce(json_object_agg(c.relname || '.' || a.attname,
   format_type(a.atttypid, a.atttypmod)), '{}')
   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE n.nspname = %(l)s AND c.relkind IN ('r', 'p')))
"""

SCHEMA = 'fuzz'

RESET_SQL = r"""
DO $r$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('public', 'fuzz_harness', 'information_schema')
        AND nspname NOT LIKE 'pg\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $r$;
TRUNCATE fuzz_harness.rows, fuzz_harness.snapped;
"""

# What a load leaves behind, which a reset must take away.
STATE_SQL = r"""
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
"""

class Server:
    """A database with PostGIS and the harness's trigger, made again as
    it was before each case (a DROP DATABASE per case would cost a
    checkpoint each)."""

    def __init__(self):
        if psql('SELECT rolsuper FROM pg_roles WHERE rolname = CURRENT_USER').strip() != 't':
            print('fuzz_feeds: skipped: the event trigger that keeps the rows\' lines '
                  'needs a superuser')
            sys.exit(0)
        self.db = 'fuzz_feeds_%d' % os.getpid()
        psql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;' % (self.db, self.db))
        psql(TEMPLATE_SQL, self.db)
        self.state = psql(STATE_SQL, self.db)

    def fresh(self):
        """The database, as it was before any load."""
        psql(RESET_SQL, self.db)
        if psql(STATE_SQL, self.db) != self.state:
            raise RuntimeError('the database was not made again as it was: %s relations '
                               'instead of %s' % (psql(STATE_SQL, self.db).strip(),
                                                  self.state.strip()))
        return self.db

    def result(self, db):
        out = psql(RESULT_SQL % {'s': '"%s"' % SCHEMA, 'l': "'%s'" % SCHEMA}, db)
        return json.loads(out)

    def close(self):
        psql('DROP DATABASE IF EXISTS %s' % self.db)

# -------------------------------------------------------------- the feeds

class RawName(zipfile.ZipInfo):
    """A zip member named by bytes as they are, UTF-8 or not (zipfile
    would write a name that is not ASCII as UTF-8, flagged so)."""

    def __init__(self, raw):
        super().__init__(raw.decode('latin-1'), date_time=(2026, 1, 1, 0, 0, 0))
        self.raw = raw

    def _encodeFilenameFlags(self):
        try:
            self.raw.decode('ascii')
            return self.raw, self.flag_bits
        except UnicodeDecodeError:
            pass
        try:
            self.raw.decode('utf-8')
            return self.raw, self.flag_bits | 0x800
        except UnicodeDecodeError:
            return self.raw, self.flag_bits & ~0x800

def zip_name(info):
    """A zip member's name as the bytes it was written with."""
    return info.filename.encode('utf-8' if info.flag_bits & 0x800 else 'cp437')

class Feed:
    """A feed in memory: members (name as bytes -> content bytes, in
    order) and how it is written (a directory or a zip file)."""

    def __init__(self, origin, members, kind='dir'):
        self.origin = origin
        self.members = dict(members)
        self.kind = kind
        self.may_refuse = False  # a mutation made it unreadable on purpose
        self.options = []        # of the load

    def copy(self):
        f = Feed(self.origin, self.members, self.kind)
        f.may_refuse = self.may_refuse
        f.options = list(self.options)
        return f

    def write(self, where):
        """Writes the feed under where; returns its path."""
        if self.kind == 'dir':
            path = os.path.join(where, 'feed')
            os.makedirs(path)
            for name, data in self.members.items():
                p = os.path.join(os.fsencode(path), name)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, 'wb') as f:
                    f.write(data)
            return path
        path = os.path.join(where, 'feed.zip')
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
            for name, data in self.members.items():
                z.writestr(RawName(name), data, zipfile.ZIP_DEFLATED)
        if self.may_refuse:             # damaged: its end cut off
            with open(path, 'r+b') as f:
                f.truncate(os.path.getsize(path) * 2 // 3)
        return path

def head(z, info):
    """The first MAX_LINES lines of a zip member, read no further."""
    with z.open(info) as f:
        return b''.join(f.readline(CSV_LINE_MAX) for _ in range(MAX_LINES))

def load_bases(fixtures_only=False):
    """The feeds to mutate: the fixtures, and the real feeds when there."""
    bases = []
    for d in FIXTURES:
        members = {}
        for n in sorted(os.listdir(d)):
            with open(os.path.join(d, n), 'rb') as f:
                members[n.encode()] = f.read()
        bases.append(Feed(os.path.relpath(d, REPO), members))
    if os.path.isdir(REAL_FEEDS) and not fixtures_only:
        for root in (REAL_FEEDS, os.path.join(REAL_FEEDS, 'defective')):
            for n in sorted(os.listdir(root)) if os.path.isdir(root) else []:
                if not n.endswith('.zip'):
                    continue
                members = {}
                try:
                    with zipfile.ZipFile(os.path.join(root, n)) as z:
                        for info in z.infolist():
                            if info.is_dir() or '/' in info.filename:
                                continue
                            members[zip_name(info)] = (
                                head(z, info) if info.filename.endswith('.txt')
                                or info.file_size > 8 * CSV_LINE_MAX else z.read(info))
                except (zipfile.BadZipFile, OSError):
                    continue
                bases.append(Feed(n, members))
    return bases

# --------------------------------------------------------------- mutations

def txt_members(feed):
    return [n for n, d in feed.members.items() if n.lower().endswith(b'.txt')]

def split_lines(data):
    """[(text, eol)] of data's physical lines."""
    out, pos = [], 0
    for m in EOL.finditer(data):
        out.append((data[pos:m.start()], m.group()))
        pos = m.end()
    if pos < len(data):
        out.append((data[pos:], b''))
    return out

def join_lines(lines):
    return b''.join(t + e for t, e in lines)

def pick_member(rng, feed):
    names = [n for n in txt_members(feed) if feed.members[n].count(b'\n') >= 1]
    return rng.choice(names) if names else None

def edit_line(rng, feed, fn, header=False):
    """Replaces a random line (the header when header) of a random member
    by fn(rng, fields) (a list of fields), or fn's bytes."""
    name = pick_member(rng, feed)
    if name is None:
        return None
    lines = split_lines(feed.members[name])
    if not lines:
        return None
    i = 0 if header or len(lines) < 2 else rng.randrange(1, len(lines))
    text, eol = lines[i]
    new = fn(rng, text.split(b','))
    lines[i] = (new if isinstance(new, bytes) else b','.join(new), eol)
    feed.members[name] = join_lines(lines)
    return '%s line %d' % (name.decode(errors='replace'), i + 1)

def at_field(transform):
    def fn(rng, fields):
        k = rng.randrange(len(fields))
        fields[k] = transform(rng, fields[k])
        return fields
    return fn

def insert_at(rng, s, piece):
    k = rng.randint(0, len(s))
    return s[:k] + piece + s[k:]

LONG_NAME = b'n' * 70

def m_quote_stray(rng, feed):
    return edit_line(rng, feed, at_field(lambda r, f: insert_at(r, f + b'x', b'"')))

def m_quote_open(rng, feed):
    return edit_line(rng, feed, at_field(lambda r, f: b'"' + f))

def m_quote_doubled(rng, feed):
    return edit_line(rng, feed, at_field(lambda r, f: b'"' + f + b'""q""' + b'"'))

def m_quote_multiline(rng, feed):
    return edit_line(rng, feed, at_field(lambda r, f: b'"' + f + b'\nsecond line"'))

def m_quote_after_close(rng, feed):
    return edit_line(rng, feed, at_field(lambda r, f: b'"' + f + b'"tail'))

def m_delimiter(rng, feed):
    d = rng.choice([b';', b'\t', b'|'])
    return edit_line(rng, feed, lambda r, fields: d.join(fields))

def m_delimiter_file(rng, feed):
    name = pick_member(rng, feed)
    if name is None:
        return None
    feed.members[name] = feed.members[name].replace(b',', b';')
    return '%s: commas made semicolons' % name.decode(errors='replace')

def m_latin1(rng, feed):
    return edit_line(rng, feed, at_field(lambda r, f: insert_at(r, f, b'caf\xe9')))

def m_invalid_utf8(rng, feed):
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randint(1, 4)))
    return edit_line(rng, feed, at_field(lambda r, f: insert_at(r, f, junk)))

def m_utf16(rng, feed):
    name = pick_member(rng, feed)
    if name is None:
        return None
    text = feed.members[name].decode('utf-8', 'replace')
    enc = rng.choice(['utf-16', 'utf-16-le', 'utf-16-be'])
    feed.members[name] = text.encode(enc)
    return '%s as %s' % (name.decode(errors='replace'), enc)

def m_bom(rng, feed):
    name = pick_member(rng, feed)
    if name is None:
        return None
    bom = rng.choice([b'\xef\xbb\xbf', b'\xef\xbb\xbf\xef\xbb\xbf', b'\xff\xfe',
                      b'\xef\xbb'])
    feed.members[name] = bom + feed.members[name]
    return '%s starts with %r' % (name.decode(errors='replace'), bom)

def m_row_long(rng, feed):
    extra = rng.choice([[b''], [b'', b''], [b'x'], [b'', b'y']])
    return edit_line(rng, feed, lambda r, fields: fields + extra)

def m_row_short(rng, feed):
    return edit_line(rng, feed, lambda r, fields: fields[:rng.randrange(1, len(fields) + 1)])

def header_edit(name, transform):
    def m(rng, feed):
        return edit_line(rng, feed, lambda r, fields: transform(r, fields), header=True)
    m.__name__ = name
    return m

def h_set(name, value):
    return header_edit(name, lambda r, f: f[:(k := r.randrange(len(f)))] + [value(r, f)]
                       + f[k + 1:])

m_header_empty = h_set('m_header_empty', lambda r, f: b'')
m_header_dup = h_set('m_header_dup', lambda r, f: r.choice(f))
m_header_column_n = h_set('m_header_column_n',
                          lambda r, f: b'column_%d' % r.randint(1, len(f) + 1))
m_header_latin1 = h_set('m_header_latin1', lambda r, f: b'caf\xe9')
m_header_reserved = h_set('m_header_reserved', lambda r, f: r.choice(
    [b'geom', b'ctid', b'extra', b'feed_id', b'gtfs2pgsql_line', b'xmin', b'tableoid',
     b'oid', b'GEOM', b'Stop_Id']))
m_header_long = h_set('m_header_long', lambda r, f: LONG_NAME + r.choice([b'', b'a', b'b']))
m_header_space = h_set('m_header_space', lambda r, f: b' ' + r.choice(f) + b' ')
def collide(r, f):
    """An empty name and, elsewhere, the name it would be renamed to."""
    if len(f) < 2:
        return f
    k, j = r.sample(range(len(f)), 2)
    f[k], f[j] = b'', b'column_%d' % (k + 1)
    return f

m_header_collide = header_edit('m_header_collide', collide)
m_header_unknown_all = header_edit('m_header_unknown_all',
                                   lambda r, f: [b'note_%d' % i for i in range(len(f))])

def m_value_long(rng, feed):
    n = rng.choice([950, 1001, 2700, 5000])
    return edit_line(rng, feed, at_field(lambda r, f: b'i' * n))

def m_value_long_row(rng, feed):
    n = rng.choice([400, 950, 999])
    return edit_line(rng, feed,
                     lambda r, fields: [b'%d' % k + b'i' * n for k in range(len(fields))])

def m_extra_huge(rng, feed):
    """Unknown columns whose values JSON escapes sixfold (\\u0001)."""
    name = pick_member(rng, feed)
    if name is None:
        return None
    lines = split_lines(feed.members[name])
    if len(lines) < 2:
        return None
    ncol = len(lines[0][0].split(b','))
    k = rng.randrange(1, len(lines))
    lines[0] = (lines[0][0] + b',junk_a,junk_b,junk_c', lines[0][1])
    text = lines[k][0].split(b',')
    text += [b''] * (ncol - len(text))
    lines[k] = (b','.join(text + [b'\x01' * 1_000_000] * 3), lines[k][1])
    feed.members[name] = join_lines(lines)
    return '%s line %d: three unknown columns of 1 MB of \\x01' % (name.decode(errors='replace'),
                                                                  k + 1)

def m_value_huge(rng, feed):
    """A field of 300 kB, or over 1 MiB (CSV_MAX_FIELD), quoted or not; one
    of 5 MB makes its line longer than what a notice's record keeps."""
    n = rng.choice([300_000, 1_100_000, 2_000_000, 5_000_000])
    q = rng.choice([b'', b'"'])
    return edit_line(rng, feed, at_field(lambda r, f: q + b'h' * n + q))

def m_control(rng, feed):
    c = rng.choice([b'\x00', b'\r', b'\x1a', b'\x1b', b'\x7f', b'\x01', b'\t'])
    return edit_line(rng, feed, at_field(lambda r, f: insert_at(r, f, c)))

def m_copy_escapes(rng, feed):
    """What COPY's text format would read otherwise: \\N, \\., backslashes."""
    piece = rng.choice([b'\\N', b'\\.', b'\\', b'\\t', b'\\x41', b'\\\\', b'NULL'])
    whole = rng.random() < 0.5
    return edit_line(rng, feed, at_field(lambda r, f: piece if whole else insert_at(r, f, piece)))

def m_whitespace(rng, feed):
    w = rng.choice([b'   ', b'  %s  ', b'\t%s'])
    return edit_line(rng, feed, at_field(lambda r, f: w.replace(b'%s', f) if b'%s' in w else w))

def m_empty_key(rng, feed):
    return edit_line(rng, feed, lambda r, fields: [b''] + fields[1:])

def m_duplicate_line(rng, feed):
    name = pick_member(rng, feed)
    if name is None:
        return None
    lines = split_lines(feed.members[name])
    if len(lines) < 2:
        return None
    i = rng.randrange(1, len(lines))
    t, e = lines[i]
    lines.insert(rng.randrange(1, len(lines) + 1), (t, e or b'\n'))
    if not lines[-2][1]:
        lines[-2] = (lines[-2][0], b'\n')
    feed.members[name] = join_lines(lines)
    return '%s line %d repeated' % (name.decode(errors='replace'), i + 1)

def m_line_ends(rng, feed):
    name = pick_member(rng, feed)
    if name is None:
        return None
    eol = rng.choice([b'\r\n', b'\r', b'mixed'])
    lines = split_lines(feed.members[name])
    feed.members[name] = join_lines(
        [(t, (rng.choice([b'\n', b'\r\n', b'\r']) if eol == b'mixed' else eol) if e else e)
         for t, e in lines])
    return '%s line ends %r' % (name.decode(errors='replace'), eol)

def m_blank_lines(rng, feed):
    return edit_line(rng, feed, lambda r, fields: b','.join(fields) + b'\n\n  \n')

def m_no_final_newline(rng, feed):
    name = pick_member(rng, feed)
    if name is None:
        return None
    feed.members[name] = feed.members[name].rstrip(b'\r\n') + b'\ntrailing,garbage'
    return '%s ends without a line end' % name.decode(errors='replace')

def m_missing_file(rng, feed):
    names = txt_members(feed)
    if not names:
        return None
    name = rng.choice(names)
    del feed.members[name]
    return '%s removed' % name.decode(errors='replace')

def m_empty_file(rng, feed):
    names = txt_members(feed)
    if not names:
        return None
    name = rng.choice(names)
    lines = split_lines(feed.members[name])
    feed.members[name] = rng.choice([b'', lines[0][0] + b'\n' if lines else b'', b'\n\n'])
    return '%s emptied' % name.decode(errors='replace')

def m_member_name(rng, feed):
    names = txt_members(feed)
    if not names:
        return None
    name = rng.choice(names)
    how = rng.choice(['folder', 'upper', 'latin1', 'space', 'unknown'])
    new = {'folder': b'gtfs/' + name, 'upper': name.upper(),
           'latin1': b'caf\xe9_' + name, 'space': b' ' + name,
           'unknown': b'notes.txt'}[how]
    if how == 'folder':             # a zip's folder holds the whole feed
        feed.kind = 'zip'
        feed.members = {b'gtfs/' + n: d for n, d in feed.members.items()}
    else:
        feed.members[new] = feed.members.pop(name)
    return '%s: member name %s' % (name.decode(errors='replace'), how)

def m_unknown_file(rng, feed):
    ncol = rng.choice([3, 40, 400, 401])
    width = rng.choice([1, 20])
    header = b','.join(b'c%d' % i for i in range(ncol))
    rows = [b','.join(b'v' * width for _ in range(ncol)) for _ in range(rng.randint(0, 5))]
    feed.members[b'extra_data.txt'] = b'\n'.join([header] + rows) + b'\n'
    return 'extra_data.txt of %d columns, values of %d bytes' % (ncol, width)

POLY = [[[-122.0, 37.0], [-122.0, 37.1], [-121.9, 37.1], [-122.0, 37.0]]]

def m_geojson(rng, feed):
    feats = []
    for i in range(rng.randint(1, 4)):
        feats.append({'type': 'Feature', 'id': 'zone%d' % i,
                      'properties': {'stop_name': 'Zone %d' % i},
                      'geometry': {'type': 'Polygon', 'coordinates': POLY}})
    how = rng.choice(['valid', 'broken', 'no_id', 'point', 'dup_id', 'long_id', 'no_geom'])
    f = feats[rng.randrange(len(feats))]
    if how == 'no_id':
        del f['id']
    elif how == 'point':
        f['geometry'] = {'type': 'Point', 'coordinates': [-122.0, 37.0]}
    elif how == 'dup_id':
        feats.append(dict(f))
    elif how == 'long_id':
        f['id'] = 'z' * 5000
    elif how == 'no_geom':
        f['geometry'] = None
    data = json.dumps({'type': 'FeatureCollection', 'features': feats}).encode()
    if how == 'broken':
        data = data[:rng.randrange(1, len(data))]
    feed.members[b'locations.geojson'] = data
    return 'locations.geojson %s, %d features' % (how, len(feats))

def m_split(rng, feed):
    feed.options = ['--split-min-size=0']
    return 'stop_times.txt on a second connection'

def m_damaged_zip(rng, feed):
    feed.kind = 'zip'
    feed.may_refuse = True
    return 'written as a zip whose last third is cut off (exit 1 allowed)'

def m_zip(rng, feed):
    feed.kind = 'zip'
    return 'written as a zip'

MUTATIONS = [
    m_quote_stray, m_quote_open, m_quote_doubled, m_quote_multiline,
    m_quote_after_close, m_delimiter, m_delimiter_file, m_latin1, m_invalid_utf8,
    m_utf16, m_bom, m_row_long, m_row_short, m_header_empty, m_header_dup,
    m_header_column_n, m_header_latin1, m_header_reserved, m_header_long,
    m_header_space, m_header_collide, m_header_unknown_all, m_value_long,
    m_value_long_row, m_extra_huge, m_value_huge, m_control,
    m_copy_escapes, m_whitespace, m_empty_key, m_duplicate_line, m_line_ends, m_blank_lines,
    m_no_final_newline, m_missing_file, m_empty_file, m_member_name,
    m_unknown_file, m_geojson, m_split, m_damaged_zip, m_zip,
]

def mutate(rng, base, only=None):
    """A mutated copy of base and the list of what was done."""
    feed = base.copy()
    done = []
    pool = [m for m in MUTATIONS if not only or only in m.__name__]
    for _ in range(rng.choice([1, 1, 2, 3])):
        m = rng.choice(pool)
        what = m(rng, feed)
        if what:
            done.append('%s: %s' % (m.__name__[2:], what))
    return feed, done

# ----------------------------------------------------- reading as written

def hex_escape(err):
    bad = err.object[err.start:err.end]
    return ''.join('\\x%02X' % c for c in bad), err.end

codecs.register_error('fuzz_feeds_hex', hex_escape)

def escaped(b):
    """b as the loader shows bytes that are not UTF-8 (nor NUL, which no
    text value holds): \\xHH."""
    return b.decode('utf-8', 'fuzz_feeds_hex').replace('\0', '\\x00')

def is_blank(text):
    return text.strip(b' \t') == b''

def read_record(data, pos):
    """The RFC 4180 record at data[pos:]: (fields, end, spans) with end the
    offset after its line end and spans True when a quoted field holds a
    line end; None when it cannot be read so."""
    fields, n = [], len(data)
    spans = False
    while True:
        i = pos
        while i < n and data[i] in b' \t':
            i += 1
        if i < n and data[i] == 0x22:
            i += 1
            val = bytearray()
            while True:
                if i >= n:
                    return None                 # unterminated
                c = data[i]
                if c == 0x22:
                    if i + 1 < n and data[i + 1] == 0x22:
                        val.append(0x22)
                        i += 2
                        continue
                    i += 1
                    break
                if c in b'\r\n':
                    spans = True
                val.append(c)
                i += 1
            while i < n and data[i] in b' \t':
                i += 1
            fields.append(bytes(val))
            if i < n and data[i] not in b',\r\n':
                return None                     # text after a closing quote
        else:
            j = i
            while j < n and data[j] not in b',\r\n':
                if data[j] == 0x22:
                    return None                 # a quote in an unquoted field
                j += 1
            fields.append(data[pos:j])
            i = j
        if i >= n:
            return fields, n, spans
        if data[i] == 0x2c:
            pos = i + 1
            continue
        end = i + 2 if data[i:i + 2] == b'\r\n' else i + 1
        return fields, end, spans

class Member:
    """A CSV member's lines and records, as this harness reads them."""

    def __init__(self, data):
        if data.startswith(b'\xef\xbb\xbf'):
            data = data[3:]
        self.data = data
        self.lines = []                         # (start, end without eol)
        pos = 0
        for m in EOL.finditer(data):
            self.lines.append((pos, m.start()))
            pos = m.end()
        if pos < len(data):
            self.lines.append((pos, len(data)))
        self.line_at = {s: i for i, (s, e) in enumerate(self.lines)}
        self.header = None
        self.header_line = 0
        self.records = {}                       # first line -> (last line, fields)
        i = 0
        while i < len(self.lines):
            start, end = self.lines[i]
            if is_blank(data[start:end]):
                i += 1
                continue
            rec = read_record(data, start)
            last = i
            if rec is not None:
                fields, stop, spans = rec
                last = self.line_of(stop) - 1
                if spans and self.header is not None and len(fields) < len(self.header):
                    rec, last = None, i
            if rec is None:
                fields = data[start:end].split(b',')
            if self.header is None:
                self.header = fields
                self.header_line = last + 1     # its last line
            else:
                self.records[i + 1] = (last + 1, fields if rec else None)
            i = last + 1

    def line_of(self, offset):
        """0-based index of the line starting at offset (len(lines) at the end)."""
        return self.line_at.get(offset, len(self.lines))

    def text(self, line):
        s, e = self.lines[line - 1]
        return self.data[s:e]

    def nonblank(self):
        """1-based numbers of the non-blank lines after the header."""
        return [i + 1 for i, (s, e) in enumerate(self.lines)
                if i + 1 > self.header_line and not is_blank(self.data[s:e])]

# ---------------------------------------------------------------- checks

# the loader's columns in the table of every file of the reference: a
# file's column of that name is in extra
OWN_COLUMNS = ('feed_id', 'extra')

def shown_names(feed, name):
    """The names the loader may give a member: its path or its base name,
    as UTF-8 (else \\xHH), or in a zip, unflagged, as CP437 says."""
    names = set()
    for n in (name, name.rsplit(b'/', 1)[-1]):
        names.add(escaped(n))
        if feed.kind == 'zip':
            names.add(n.decode('cp437'))
    return names

def member_of(feed, file):
    """The member that import_files' or a notice's file names."""
    for name in feed.members:
        if file in shown_names(feed, name):
            return name
    return None

def check_case(feed, status, result):
    """The invariants' failures (strings) for a load of feed that exited
    with status and whose database holds result (None when it failed)."""
    bad = []
    if status < 0 or status >= 128:
        return ['(a) the load died of signal %d' % (-status if status < 0 else status - 128)]
    if status not in (0, 1) or (status == 1 and not feed.may_refuse):
        return ['(a) exit %d' % status]
    if status == 1:
        return []
    notices = result['notices']
    files = {f['file']: f for f in result['files']}
    rows_by_table = {}
    for r in result['rows']:
        rows_by_table.setdefault(r['table'], []).append(r)
    for table, n in result['counts'].items():
        got = len(rows_by_table.get(table, []))
        if table in {f['table'] for f in files.values()
                     if not f['file'].endswith('.geojson')} and got != n:
            bad.append('harness: %d rows of %s copied with their line, %d in the table'
                       % (got, table, n))
    noticed = {n['file'] for n in notices}
    for name in feed.members:
        if not shown_names(feed, name) & (set(files) | noticed):
            bad.append('(d) %s: member in no table and no notice' % escaped(name))
    for file, f in sorted(files.items()):
        name = member_of(feed, file)
        if name is None:
            bad.append('(d) import_files names %r, which is no member' % file)
            continue
        if file.endswith('.geojson'):
            continue
        bad += check_file(file, Member(feed.members[name]), f,
                          rows_by_table.get(f['table'], []),
                          [n for n in notices if n['file'] == file], result['types'])
    bad += check_geojson(feed, result, notices)
    return bad

def check_file(file, member, f, rows, notices, types):
    """The failures of one CSV member against its table's rows and its notices."""
    bad = []
    covered = {}                                # line -> what holds it
    skipped = [n for n in notices if n['action'] == 'file_skipped']
    if skipped:
        if rows:
            bad.append('(b) %s: skipped and yet %d rows loaded' % (file, len(rows)))
        return bad
    columns, header = f['columns'] or [], f['header'] or []
    table = f['table']

    def cover(first, last, what):
        for line in range(first, last + 1):
            if line in covered:
                bad.append('(d) %s:%d: in %s and in %s' % (file, line, covered[line], what))
            covered[line] = what

    nulled = {(n['line'], n['column']) for n in notices if n['action'] == 'value_nulled'}
    # values kept otherwise than written, a notice giving them as written
    # (among others on the value, which may give it as loaded: invalid_url)
    as_written = {}
    for n in notices:
        if n['action'] == 'kept' and n['value'] is not None:
            as_written.setdefault((n['line'], n['column']), set()).add(n['value'])
    # a file the reference lacks is a table of its own columns alone; a
    # column the reference lacks is in extra whatever its name (geom)
    own = set() if any(n['code'] == 'unknown_file' for n in notices) else set(OWN_COLUMNS)
    own |= {n['column'] for n in notices if n['code'] == 'unknown_column' and n['line'] == 1}
    for r in sorted(rows, key=lambda r: r['line'] or 0):
        line = r['line']
        rec = member.records.get(line)
        if rec is None:
            bad.append('(d) %s:%s: a loaded row starts on a line where no record does'
                       % (file, line))
            continue
        last, fields = rec
        cover(line, last, 'the row of line %d' % line)
        if fields is None:
            bad.append('(d) %s:%d: a loaded row from a record with a stray or '
                       'unterminated quote: %r' % (file, line, escaped(member.text(line))[:120]))
            continue
        bad += check_row(file, line, fields, columns, r['row'], nulled, as_written,
                         types, table, own)
    # a value_nulled notice names a value of a loaded row (or of one set
    # aside), which is NULL there (check_row): not a header, not a value kept
    row_lines = {r['line'] for r in rows}
    aside_lines = {n['line'] for n in notices if n['action'] == 'row_set_aside'}
    for line, column in sorted(nulled, key=lambda k: (k[0] or 0, k[1] or '')):
        if line not in row_lines and line not in aside_lines:
            bad.append('(c) %s:%s: a value_nulled notice for column %s on a line of no '
                       'row' % (file, line, column))
    set_aside = 0
    for n in notices:
        line = n['line']
        if n['action'] == 'row_set_aside':
            set_aside += 1
            if line is None or n['record'] is None:
                bad.append('(d) %s: %s set aside without %s' % (
                    file, n['code'], 'line' if line is None else 'record'))
                continue
            if not 1 <= line <= len(member.lines):
                bad.append('(d) %s:%d: set aside on a line the member lacks' % (file, line))
                continue
            bad += check_record(file, member, n, cover)
        elif n['action'] == 'rest_of_file_skipped':
            bad.append('(d) %s:%s: rest_of_file_skipped: the lines from there on are in '
                       'no record (%s)' % (file, line, n.get('message', '')[:100]))
            if line:
                cover(line, len(member.lines), 'the rest_of_file_skipped notice')
    for line in member.nonblank():
        if line not in covered:
            bad.append('(d) %s:%d: line in no row and no notice: %r'
                       % (file, line, escaped(member.text(line))[:100]))
    records = len(member.records)
    if len(rows) + set_aside != records and not any(
            n['action'] == 'rest_of_file_skipped' for n in notices):
        bad.append('(b) %s: %d rows + %d set aside, %d records'
                   % (file, len(rows), set_aside, records))
    return bad

def check_record(file, member, n, cover):
    """A set-aside notice's record: the line as written (a stray quote) or
    the record's fields as read (quoted again where they must be), either
    way those of the record starting on the notice's line."""
    line, record = n['line'], n['record']
    rec = member.records.get(line)
    raw = record.encode('utf-8', 'surrogateescape')
    if rec is None:
        cover(line, line + len(EOL.split(raw)) - 1, 'the %s notice of line %d'
              % (n['code'], line))
        return ['(d) %s:%d: a %s notice on a line where no record starts'
                % (file, line, n['code'])]
    last, fields = rec
    cover(line, last, 'the %s notice of line %d' % (n['code'], line))
    written = b'\n'.join(member.text(i) for i in range(line, last + 1))
    if record == escaped(written) or EOL.sub(b'\n', raw) == EOL.sub(b'\n', written):
        return []
    if cut_record(n, written):
        return []
    parsed = read_record(raw, 0)
    if fields is not None and parsed is not None and \
            [escaped(f) for f in parsed[0]] == [escaped(f) for f in fields]:
        return []
    trimmed = fields is not None and parsed is not None and \
        [escaped(f) for f in parsed[0]] == [escaped(f.strip(b' \t')) for f in fields]
    return ['(d) %s:%d: the record of a %s notice is not the line: %r, the line %r%s'
            % (file, line, n['code'], record[:80], escaped(written)[:80],
               ' (trimmed)' if trimmed else '')]

def cut_record(n, written):
    """Whether n is the loader's documented form of a line longer than it
    keeps (README, "A line over a cap"): a csv_parsing_failed notice whose
    record is the line's first RECORD_MAX bytes and whose message ends with
    the number of bytes not kept."""
    if n['code'] != 'csv_parsing_failed' or len(written) <= RECORD_MAX:
        return False
    tail = '; the record keeps its first %d bytes, %d more are not kept' % (
        RECORD_MAX, len(written) - RECORD_MAX)
    return n['record'] == escaped(written[:RECORD_MAX]) and \
        (n.get('message') or '').endswith(tail)

def check_row(file, line, fields, columns, row, nulled, as_written, types, table, own):
    """(c) for one loaded row: each field as written against its value,
    which may be it without spaces and tabs around it when a notice gives
    it as written (leading_or_trailing_whitespaces)."""
    bad = []
    extra = row.get('extra') or {}
    for i, column in enumerate(columns):
        written = fields[i] if i < len(fields) else b''
        if column in row and column not in own:
            stored = row[column]
            sqltype = types.get('%s.%s' % (table, column), '')
        else:
            stored = extra.get(column)
            sqltype = 'text'
        empty = written == b''
        trimmed = escaped(written.strip(b' \t'))
        recorded = escaped(written) in as_written.get((line, column), ())
        if stored is None:
            if not empty and (line, column) not in nulled and not (trimmed == '' and recorded):
                bad.append('(c) %s:%d: %s %r as written, NULL, no value_nulled notice%s'
                           % (file, line, column, escaped(written)[:60],
                              ' (blank)' if is_blank(written) else ''))
        else:
            if empty:
                bad.append('(c) %s:%d: %s empty as written, %r loaded'
                           % (file, line, column, str(stored)[:60]))
            elif (line, column) in nulled:
                bad.append('(c) %s:%d: %s has a value_nulled notice and a value'
                           % (file, line, column))
            elif sqltype == 'text' and stored != escaped(written) and not (
                    stored == trimmed and recorded):
                bad.append('(c) %s:%d: %s %r as written, %r loaded%s'
                           % (file, line, column, escaped(written)[:60], str(stored)[:60],
                              ' (trimmed)' if trimmed == stored else ''))
    for i in range(len(columns), len(fields)):
        if fields[i] != b'':
            bad.append('(c) %s:%d: field %d %r past the header, loaded'
                       % (file, line, i + 1, escaped(fields[i])[:60]))
    return bad

def check_geojson(feed, result, notices):
    """locations.geojson: its features = rows of locations + set aside;
    a file that reads as JSON is not skipped whole."""
    name = member_of(feed, 'locations.geojson')
    if name is None:
        return []
    try:
        doc = json.loads(feed.members[name])
        features = doc.get('features') if isinstance(doc, dict) else None
    except ValueError:
        features = None
    mine = [n for n in notices if n['file'] == 'locations.geojson']
    if any(n['action'] == 'file_skipped' for n in mine):
        return [] if not isinstance(features, list) else [
            '(b) locations.geojson reads as JSON (%d features) and is skipped whole: %s'
            % (len(features), '; '.join(sorted({n['code'] for n in mine})))]
    if not isinstance(features, list):
        return ['(d) locations.geojson is not GeoJSON and was not skipped']
    rows = result['counts'].get('locations', 0)
    aside = sum(1 for n in mine if n['action'] == 'row_set_aside')
    if rows + aside != len(features):
        return ['(b) locations.geojson: %d rows + %d set aside, %d features'
                % (rows, aside, len(features))]
    return []

# ------------------------------------------------------------- the runner

def run_case(server, feed, where, path=None):
    """Loads feed (written under where, unless at path); (status, result,
    stderr, command)."""
    path = path or feed.write(where)
    db = server.fresh()
    cmd = [PROG, '-q', '-d', db, '-s', SCHEMA] + feed.options + [path]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=CASE_TIMEOUT)
        status, stderr = p.returncode, p.stderr.decode(errors='replace')
    except subprocess.TimeoutExpired:
        status, stderr = 124, 'timed out after %d s' % CASE_TIMEOUT
    result = server.result(db) if status == 0 else None
    return status, result, stderr, cmd

def save_failure(out, tag, feed, what, cmd, status, stderr, bad):
    d = os.path.join(out, 'failures', tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    path = feed.write(d)
    if feed.may_refuse:                 # its members, undamaged, for --replay
        whole = feed.copy()
        whole.kind = 'dir'
        os.makedirs(os.path.join(d, 'members'))
        whole.write(os.path.join(d, 'members'))
    with open(os.path.join(d, 'README'), 'w') as f:
        f.write('base: %s\nmutations:\n%s\n\nreproduce (from the repository):\n'
                '  createdb fuzz_repro && ./gtfs2pgsql -d fuzz_repro -s %s %s\n'
                '  tests/fuzz_feeds.py --replay %s\n\nexit %d; failures:\n%s\n\n'
                'stderr:\n%s\n' % (feed.origin, '\n'.join('  ' + w for w in what),
                                   ' '.join([SCHEMA] + feed.options),
                                   os.path.relpath(path, REPO),
                                   os.path.relpath(d, REPO), status,
                                   '\n'.join('  ' + b for b in bad), stderr[-3000:]))
    with open(os.path.join(d, 'case.json'), 'w') as f:
        json.dump({'origin': feed.origin, 'kind': feed.kind, 'may_refuse': feed.may_refuse,
                   'options': feed.options,
                   'mutations': what, 'failures': bad, 'status': status}, f, indent=1)
    return d

def replay(server, d):
    with open(os.path.join(d, 'case.json')) as f:
        case = json.load(f)
    members = {}
    path = os.path.join(d, 'feed' if case['kind'] == 'dir' else 'feed.zip')
    if case['kind'] == 'dir' or case['may_refuse']:
        root = os.path.join(os.fsencode(d), b'members/feed' if case['may_refuse'] else b'feed')
        for top, dirs, names in os.walk(root):
            for n in names:
                p = os.path.join(top, n)
                with open(p, 'rb') as fh:
                    members[os.path.relpath(p, root)] = fh.read()
    else:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                members[zip_name(info)] = z.read(info)
    feed = Feed(case['origin'], members, case['kind'])
    feed.may_refuse = case['may_refuse']
    feed.options = case.get('options', [])
    status, result, stderr, cmd = run_case(server, feed, None, path)
    bad = check_case(feed, status, result)
    print('exit %d\n%s' % (status, '\n'.join(bad) or 'no failure'))
    return not bad

def group(classes, d, bad):
    """Adds the failures of case directory d to classes, by the shape of
    their message (numbers and quoted values left out)."""
    for b in bad:
        key = QUOTED.sub("'.'", re.sub(r'\d+', 'N', b))[:110]
        classes.setdefault(key, []).append(d)

def print_classes(classes):
    for key, dirs in sorted(classes.items()):
        print('%5d  %s\n         e.g. %s' % (len(dirs), key, ' '.join(sorted(set(dirs))[:3])))

def summarize(out):
    """The failures saved under out, grouped."""
    classes = {}
    root = os.path.join(REPO, out, 'failures')
    for tag in sorted(os.listdir(root)):
        d = os.path.join(root, tag)
        with open(os.path.join(d, 'case.json')) as f:
            case = json.load(f)
        group(classes, os.path.relpath(d, REPO), case['failures'])
    print_classes(classes)

def fuzz(args):
    bases = load_bases(args.fixtures)
    out = os.path.join(REPO, args.out)
    os.makedirs(out, exist_ok=True)
    server = Server()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    started = time.time()
    n = failed = 0
    classes = {}
    print('fuzz_feeds: seed %d, %s, %d feeds to mutate%s' % (
        seed, '%d cases' % args.cases if args.cases else '%d s' % args.seconds,
        len(bases), '' if os.path.isdir(REAL_FEEDS) else ' (no real feeds: fixtures only)'),
        flush=True)
    try:
        while (args.bases or (n < args.cases if args.cases
                              else time.time() - started < args.seconds)):
            n += 1
            if args.bases:
                if n > len(bases):
                    break
                feed, what = bases[n - 1].copy(), []
            else:
                feed, what = mutate(rng, rng.choice(bases), args.only)
            with tempfile.TemporaryDirectory(prefix='fuzz_feeds_') as tmp:
                status, result, stderr, cmd = run_case(server, feed, tmp)
            bad = check_case(feed, status, result)
            if bad:
                failed += 1
                d = os.path.relpath(save_failure(out, '%d-%d' % (seed, n), feed, what, cmd,
                                                 status, stderr, bad), REPO)
                group(classes, d, bad)
                print('FAIL %s (%s): %s' % (d, '; '.join(what), bad[0][:200]), flush=True)
                if args.stop:
                    break
    finally:
        server.close()
    print('fuzz_feeds: seed %d: %d cases, %d failed, %.0f s'
          % (seed, n, failed, time.time() - started))
    print_classes(classes)
    return failed == 0

# -------------------------------------------------------------- self-test

def self_test():
    """Each check catches a violation planted in a hand-made result."""
    stops = (b'stop_id,stop_name,stop_lat,note\n'
             b'S1,One,1.5,n1\n'
             b'S2,"Two\nlines",2.5,\n'
             b'\n'
             b'S3,Th"ree,3.5\n'
             b'S4,Four,x,\n')
    feed = Feed('self-test', {b'stops.txt': stops, b'notes.kml': b'<kml/>'})
    types = {'stops.stop_id': 'text', 'stops.stop_name': 'text',
             'stops.stop_lat': 'double precision', 'stops.extra': 'jsonb'}

    def good():
        return {
            'files': [{'file': 'stops.txt', 'table': 'stops',
                       'columns': ['stop_id', 'stop_name', 'stop_lat', 'note'],
                       'header': ['stop_id', 'stop_name', 'stop_lat', 'note']}],
            'notices': [
                {'file': 'notes.kml', 'line': None, 'column': None, 'code': 'unknown_file',
                 'action': 'file_skipped', 'value': None, 'record': None},
                {'file': 'stops.txt', 'line': 6, 'column': None, 'code': 'csv_parsing_failed',
                 'action': 'row_set_aside', 'value': None, 'record': 'S3,Th"ree,3.5'},
                {'file': 'stops.txt', 'line': 7, 'column': 'stop_lat', 'code': 'invalid_float',
                 'action': 'value_nulled', 'value': 'x', 'record': None}],
            'rows': [
                {'table': 'stops', 'line': 2, 'row': {
                    'stop_id': 'S1', 'stop_name': 'One', 'stop_lat': 1.5,
                    'extra': {'note': 'n1'}}},
                {'table': 'stops', 'line': 3, 'row': {
                    'stop_id': 'S2', 'stop_name': 'Two\nlines', 'stop_lat': 2.5,
                    'extra': None}},
                {'table': 'stops', 'line': 7, 'row': {
                    'stop_id': 'S4', 'stop_name': 'Four', 'stop_lat': None,
                    'extra': None}}],
            'counts': {'stops': 3}, 'types': types}

    def plant(change):
        r = good()
        change(r)
        return check_case(feed, 0, r)

    ok = True

    def expect(name, bad, pattern):
        nonlocal ok
        hit = [b for b in bad if re.search(pattern, b)]
        print('%-48s %s' % (name, 'caught' if hit else 'MISSED: %r' % bad))
        ok = ok and bool(hit)

    base = check_case(feed, 0, good())
    print('%-48s %s' % ('a clean result', 'clean' if not base else 'FAILS: %r' % base))
    ok = ok and not base
    expect('(a) exit 3', check_case(feed, 3, None), r'^\(a\) exit 3')
    expect('(a) a crash', check_case(feed, -11, None), r'signal 11')
    expect('(a) exit 1 for a readable feed', check_case(feed, 1, None), r'exit 1')
    expect('(b)(d) a row lost',
           plant(lambda r: (r['rows'].pop(0), r['counts'].update(stops=2))),
           r'stops.txt:2: line in no row')
    expect('(b) a set-aside notice lost', plant(lambda r: r['notices'].pop(1)),
           r'^\(b\) stops.txt: 3 rows \+ 0 set aside, 4 records')
    expect('(d) the second line of a quoted record lost',
           plant(lambda r: r['rows'][1]['row'].update(stop_name='Two')),
           r"'Two\\nlines' as written, 'Two' loaded")
    expect('(d) a notice on the wrong line',
           plant(lambda r: r['notices'][1].update(line=7)), r'stops.txt:7: in the')
    expect('(d) a set-aside record not the line\'s',
           plant(lambda r: r['notices'][1].update(record='S9,x')), r'is not the line')
    expect('(d) a row on the wrong line', plant(lambda r: r['rows'][2].update(line=5)),
           r'no record does')
    expect('(d) a row from a line with a stray quote',
           plant(lambda r: (r['notices'].pop(1), r['rows'].append(
               {'table': 'stops', 'line': 6, 'row': {}}), r['counts'].update(stops=4))),
           r'stray or unterminated quote')
    expect('(c) a value nulled without notice', plant(lambda r: r['notices'].pop(2)),
           r"stop_lat 'x' as written, NULL")
    expect('(c) a value trimmed', plant(lambda r: r['rows'][0]['row'].update(stop_name='On')),
           r"'One' as written, 'On' loaded")
    expect('(c) an unknown column\'s value lost from extra',
           plant(lambda r: r['rows'][0]['row'].update(extra=None)),
           r"note 'n1' as written, NULL")
    spaced = Feed('self-test', {b'stops.txt': b'stop_id,stop_name\nS1,  One \nS2,   \n'})
    trimmed_ok = {
        'files': [{'file': 'stops.txt', 'table': 'stops', 'columns': ['stop_id', 'stop_name'],
                   'header': ['stop_id', 'stop_name']}],
        'notices': [{'file': 'stops.txt', 'line': 2, 'column': 'stop_name',
                     'code': 'leading_or_trailing_whitespaces', 'action': 'kept',
                     'value': '  One ', 'record': None},
                    {'file': 'stops.txt', 'line': 3, 'column': 'stop_name',
                     'code': 'leading_or_trailing_whitespaces', 'action': 'kept',
                     'value': '   ', 'record': None}],
        'rows': [{'table': 'stops', 'line': 2, 'row': {'stop_id': 'S1', 'stop_name': 'One'}},
                 {'table': 'stops', 'line': 3, 'row': {'stop_id': 'S2', 'stop_name': None}}],
        'counts': {'stops': 2}, 'types': types}
    got = check_case(spaced, 0, trimmed_ok)
    print('%-48s %s' % ('spaces trimmed, the value as written noticed',
                        'clean' if not got else 'FAILS: %r' % got))
    ok = ok and not got
    # a second notice kept on the value gives it as loaded (22022-859)
    trimmed_ok['notices'].append({'file': 'stops.txt', 'line': 2, 'column': 'stop_name',
                                  'code': 'invalid_url', 'action': 'kept',
                                  'value': 'One', 'record': None})
    got = check_case(spaced, 0, trimmed_ok)
    print('%-48s %s' % ('... and another notice giving it as loaded',
                        'clean' if not got else 'FAILS: %r' % got))
    ok = ok and not got
    trimmed_ok['notices'] = []
    expect('(c) spaces trimmed, no notice', check_case(spaced, 0, trimmed_ok),
           r"'  One ' as written, 'One' loaded \(trimmed\)")
    expect('(c) a blank value nulled, no notice', check_case(spaced, 0, trimmed_ok),
           r"'   ' as written, NULL, no value_nulled notice \(blank\)")
    expect('(c) a value from an empty field',
           plant(lambda r: r['rows'][1]['row'].update(extra={'note': 'x'})),
           r'note empty as written')
    expect('(d) a member in no table and no notice',
           plant(lambda r: r['notices'].pop(0)), r'notes.kml: member in no table')
    expect('(c) a value_nulled notice on the header',
           plant(lambda r: r['notices'].append({
               'file': 'stops.txt', 'line': 1, 'column': 'note', 'code': 'invalid_utf8',
               'action': 'value_nulled', 'value': None, 'record': None})),
           r'value_nulled notice for column note on a line of no row')
    expect('harness: rows copied != rows in the table',
           plant(lambda r: r['counts'].update(stops=4)), r'harness: 3 rows')
    expect('(d) rest_of_file_skipped loses lines',
           plant(lambda r: (r['notices'].pop(1), r['rows'].pop(), r['counts'].update(stops=2),
                            r['notices'].append({
                                'file': 'stops.txt', 'line': 6, 'column': None,
                                'code': 'csv_parsing_failed',
                                'action': 'rest_of_file_skipped', 'value': None,
                                'record': None}))),
           r'rest_of_file_skipped')
    long_line = b'S5,' + b'h' * (RECORD_MAX + 10)
    cut = Feed('self-test', {b'stops.txt': b'stop_id,stop_name\n' + long_line + b'\n'})
    cut_ok = {
        'files': [{'file': 'stops.txt', 'table': 'stops', 'columns': ['stop_id', 'stop_name'],
                   'header': ['stop_id', 'stop_name']}],
        'notices': [{'file': 'stops.txt', 'line': 2, 'column': None,
                     'code': 'csv_parsing_failed', 'action': 'row_set_aside', 'value': None,
                     'record': long_line[:RECORD_MAX].decode(),
                     'message': 'field longer than 1048576 bytes on line 2, field 2: record '
                                'set aside; the record keeps its first %d bytes, 13 more are '
                                'not kept' % RECORD_MAX}],
        'rows': [], 'counts': {'stops': 0}, 'types': types}
    got = check_case(cut, 0, cut_ok)
    print('%-48s %s' % ('a line over the record\'s bound, cut as said',
                        'clean' if not got else 'FAILS: %r' % got))
    ok = ok and not got
    cut_ok['notices'][0]['message'] = cut_ok['notices'][0]['message'].replace('13 more', '12 more')
    expect('(d) a cut record, the bytes not kept miscounted', check_case(cut, 0, cut_ok),
           r'is not the line')
    cut_ok['notices'][0]['message'] = cut_ok['notices'][0]['message'].replace('12 more', '13 more')
    cut_ok['notices'][0]['record'] = long_line[:RECORD_MAX - 1].decode()
    expect('(d) a cut record shorter than the bound', check_case(cut, 0, cut_ok),
           r'is not the line')
    stray = Member(b'a,b\n1,"x\n2,y\n3,"z"\n')
    expect('records: a quote running over lines, its lines',
           ['records %r' % sorted(stray.records)], r'^records \[2, 3, 4\]$')
    narrow = Member(b'a,b,c\n1,"x\ny",z\n2,"w\nv"\n')
    expect('records: a multi-line field, fewer fields than the header: lines',
           ['records %r' % sorted(narrow.records)], r'^records \[2, 4, 5\]$')
    wide = Member(b'a,b\n1,"x\ny",z\n2,w\n')
    expect('records: a multi-line field, more fields than the header: one',
           ['records %r' % sorted(wide.records)], r'^records \[2, 4\]$')
    header = Member(b'"a\nb",c\n1,2\n')
    expect('records: a header over two lines', ['%r %r' % (header.nonblank(), header.records)],
           r"^\[3\] \{3: \(3, \[b'1', b'2'\]\)\}$")
    fine = Member(b'\xef\xbb\xbfa,b\r\n1,"x\r\ny"\r\n\r\n2,w')
    expect('records: a BOM, CRLF, a quoted line end, blank',
           ['records %r' % sorted(fine.records.items())],
           r"^records \[\(2, \(3, \[b'1', b'x\\r\\ny'\]\)\), \(5, \(5, ")
    return ok

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--cases', type=int, default=0, help='this many cases (not --seconds)')
    ap.add_argument('--seed', type=int)
    ap.add_argument('--stop', action='store_true', help='stop at the first failure')
    ap.add_argument('--only', help='only the mutations whose name holds this')
    ap.add_argument('--fixtures', action='store_true', help='mutate the fixtures alone')
    ap.add_argument('--out', default='build/fuzz-feeds')
    ap.add_argument('--bases', action='store_true',
                    help='each feed once, as it is (the checks on clean input)')
    ap.add_argument('--self-test', action='store_true')
    ap.add_argument('--replay', metavar='CASE-DIR')
    ap.add_argument('--summarize', action='store_true',
                    help='the failures saved under --out, grouped')
    args = ap.parse_args()
    # the harness's database goes on SIGTERM too (a finally clause)
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(143))
    if args.self_test:
        sys.exit(0 if self_test() else 1)
    if args.summarize:
        sys.exit(summarize(args.out))
    if not os.access(PROG, os.X_OK):
        sys.exit('fuzz_feeds: %s not built (make)' % PROG)
    if args.replay:
        server = Server()
        try:
            sys.exit(0 if replay(server, args.replay) else 1)
        finally:
            server.close()
    sys.exit(0 if fuzz(args) else 1)

if __name__ == '__main__':
    main()
