#!/usr/bin/python3
"""
Tests of the notice policy (issue 8): the default load keeps every row it can
store and records every defect in <schema>.import_notices; --strict refuses
a feed with any error notice and leaves the database unchanged.

    tests/with-postgres tests/notices.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line) and helpers of
tests/failures.py (the victim schema, snapshots), and tests/gtfstest.py;
only the tests registered here run.  Standard library
only.

  identities_<feed>   every real feed of ../shared/feeds and its defective/
                      subfolder, loaded with the default options: per CSV
                      file, rows + row_set_aside notices = records; per
                      column, non-NULL values + value_nulled notices =
                      non-empty values of the rows not set aside
  expected_<feed>     the defects each defective feed is known to have
  strict_<feed>       --strict on each defective feed, into a schema that
                      holds the sample: refused when the default load had an
                      error notice, the schema unchanged
  gen_<defect>        the sample with ONE defect of each class of the
                      policy: the notice, the identities, nothing cascades,
                      the stderr block, the report, the registry, --strict
  memory_*            1,000,000 stop_times clean, every row twice, every row
                      naming a missing stop: the peak RSS stays flat (about
                      a minute together, so part of the default run)
  skip_invalid_is_gone

Environment (besides integration.py's):
"""
import collections, csv, io, json, os, re, subprocess, sys
import time, zipfile

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402
import failures as fl                                        # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file
csv.field_size_limit(1 << 30)

test, check, Skip = it.test, it.check, it.Skip
query, value, qi, ql, rel = it.query, it.value, it.qi, it.ql, it.rel
describe = it.describe

SAMPLE = g.SAMPLE
TMP = it.TMP
DEFECTIVE = os.path.join(it.FEEDS, 'defective')
MTA_STEM = 'mta-bus-brooklyn-2026-reconstructed'

# The feeds ../shared/feeds/CATALOG.md lists: when ../shared is there, each
# must be (a missing one fails its test rather than skipping it).
REAL_FEEDS = ['bart-2018', 'caltrain-2018', 'cdmx-2018', 'ctran-flex-2025',
              'hart-2018', 'hopelink-flex-2026', MTA_STEM, 'sacrt-2024',
              'transcollines-2020', 'wmata-rail-2026']
DEFECTIVE_FEEDS = ['berlin-vbb-2020', 'caltrain-2023', 'cobblinc-flex-2021',
                   'ryobi-bus-2025', 'santacruz-metro-2022', 'weho-2025']

# CSV records per file of the defective feeds, from CATALOG.md.
CATALOG_COUNTS = {
    'caltrain-2023': dict(agency=1, attributions=1, calendar=2, calendar_dates=20,
                          fare_attributes=6, fare_rules=36, feed_info=1,
                          rider_categories=0, routes=9, shapes=12027, stops=109,
                          stop_times=3498, transfers=10, trips=176),
    'ryobi-bus-2025': dict(agency=1, calendar=10, calendar_dates=162,
                           fare_attributes=4212, fare_rules=102636, feed_info=1,
                           routes=172, shapes=51507, stops=1876, stop_times=48303,
                           translations=3069, trips=1687),
    'santacruz-metro-2022': dict(agency=1, calendar=10, calendar_dates=45,
                                 fare_attributes=3, fare_leg_rules=44, fare_products=32,
                                 fare_rules=49, feed_info=1, rider_categories=4,
                                 routes=26, shapes=68143, stops=804,
                                 stop_times=163607, trips=4082),
    'weho-2025': dict(agency=1, calendar=4, calendar_dates=11, fare_attributes=1,
                      fare_rules=4, routes=4, shapes=1294, stops=91, stop_times=5413,
                      trips=241),
    'berlin-vbb-2020': dict(agency=37, calendar=2052, calendar_dates=38184, routes=6,
                            shapes=8328, stops=211, stop_times=8865, trips=348),
    'cobblinc-flex-2021': dict(agency=1, booking_rules=1, calendar=1, fare_attributes=1,
                               fare_rules=9, feed_info=1, location_groups=0, routes=3,
                               shapes=350, stops=4, stop_times=288, trips=72),
}

# ------------------------------------------------------------ the policy

NOTICE_COLUMNS = [('feed_id', 'text'), ('file', 'text'), ('line', 'integer'), ('column', 'text'),
                  ('code', 'text'), ('severity', 'text'), ('value', 'text'),
                  ('message', 'text'), ('action', 'text'), ('record', 'text')]

E, W, I = 'error', 'warning', 'info'
ASIDE, NULLED, KEPT = 'row_set_aside', 'value_nulled', 'kept'
FILE_SKIPPED, REST_SKIPPED = 'file_skipped', 'rest_of_file_skipped'
REFUSED = 'feed_refused'

def table_policy():
    """{code: {(severity, action, header)}} of src/gtfs/notice.c's table of
    kinds, read from its source: the (severity, default action) of each
    kind of that code (a value's kind, each action of its rule by context),
    header whether such a notice may be on line 1: only for a header's
    column, never for a value or a row, either for a file or the feed.  The table is the policy: a notice must match a
    kind of it, so that a label the table gives no kind of the code fails."""
    text = source_text('src/gtfs/notice.c')
    table = text[text.index('static const NoticeKindInfo kinds[NK_COUNT]'):]
    table = re.sub(r'/\*.*?\*/', '', table[table.index('{') + 1:table.index('\n};')],
                   flags=re.S)
    names = {'KEPT': KEPT, 'VALUE_NULLED': NULLED, 'ROW_SET_ASIDE': ASIDE,
             'FILE_SKIPPED': FILE_SKIPPED, 'REST_SKIPPED': REST_SKIPPED,
             'FEED_REFUSED': REFUSED}
    macros = {'NULL_OR_ASIDE': ['VALUE_NULLED', 'ROW_SET_ASIDE']}
    out, kinds = {}, 0
    for m in re.finditer(r'\[NK_\w+\]\s*=\s*\{\s*"\w+",\s*"(\w+)",\s*([EWI]),\s*SCOPE_(\w+),'
                         r'.*?,\s*(ALL\(\w+\)|NULL_OR_ASIDE|\{[^{}]*\})\s*\}', table, re.S):
        code, sev, scope, rule = m.groups()
        actions = ([rule[4:-1]] if rule.startswith('ALL(') else macros.get(rule)
                   or re.findall(r'ACTION_(\w+)', rule))
        # a header's column on line 1, a value or row below it, a file or
        # the feed anywhere
        lines = {'COLUMN': [True], 'VALUE': [False], 'ROW': [False]}.get(scope,
                                                                        [True, False])
        out.setdefault(code, set()).update(
            ({'E': E, 'W': W, 'I': I}[sev], names[a], h) for a in actions for h in lines)
        kinds += 1
    check(kinds == len(re.findall(r'\[NK_\w+\]\s*=', table)),
          'src/gtfs/notice.c: %d kinds read of %d' % (kinds, len(re.findall(
              r'\[NK_\w+\]\s*=', table))))
    return out

def rules_policy():
    """{code: {(severity, action, header)}} of the codes the validator's
    rules give (schema/rules/, src/load/validate.c): each with its
    severity in src/gtfs/validator_codes.c or, a code of our own, in
    src/gtfs/validator.c (any, for one that varies),
    action kept, on any line."""
    text = source_text('src/gtfs/validator_codes.c') + source_text('src/gtfs/validator.c')
    sev = {'ERROR': [E], 'WARNING': [W], 'INFO': [I], 'VARIES': [E, W, I]}
    return {code: {(v, KEPT, h) for v in sev[s] for h in (True, False)}
            for code, s in re.findall(r'\{"(\w+)", VALIDATOR_(\w+),', text)}

POLICY = {}

def policy():
    """The table of kinds' policy (table_policy), and for a code it does
    not have, the rules' (rules_policy); read once."""
    if not POLICY:
        POLICY.update(rules_policy())
        POLICY.update(table_policy())
    return POLICY

Notice = collections.namedtuple('Notice', [c for c, _ in NOTICE_COLUMNS if c != 'feed_id'])

def notices_of(schema):
    """Every row of schema.import_notices, as Notices (line an int)."""
    rows = query('SELECT file, line::text, "column", code, severity, value, message,'
                 ' action, record FROM %s' % rel(schema, 'import_notices'))
    return [Notice(r[0], None if r[1] is None else int(r[1]), *r[2:]) for r in rows]

def show(n):
    """A notice, short, for messages."""
    return '%s/%s/%s %s:%s%s%s%s' % (
        n.code, n.severity, n.action, n.file, n.line,
        '' if n.column is None else ' [%s]' % n.column,
        '' if n.value is None else ' value=%r' % n.value[:40],
        '' if n.message is None else ' "%s"' % n.message[:100])

def shape_problems(notices):
    """Notices whose code, severity and action the policy does not allow
    together, whose record is there without the row being set aside (or
    missing with it), or which set a row aside without a line."""
    out = []
    for n in notices:
        allowed = policy().get(n.code)
        header = n.line == '1' or n.line == 1
        if allowed is None:
            out.append('code not in the policy: %s' % show(n))
        elif (n.severity, n.action, header) not in allowed:
            out.append('%s with severity %s and action %s %s (the table of kinds: %s): %s'
                       % (n.code, n.severity, n.action,
                          'on a header' if header else 'not on a header',
                          sorted(allowed), show(n)))
        if (n.record is not None) != (n.action == ASIDE):
            out.append('record %s with action %s: %s'
                       % ('set' if n.record is not None else 'NULL', n.action, show(n)))
        if n.action == ASIDE and n.line is None and n.file and n.file.endswith('.txt'):
            out.append('a row set aside without a line: %s' % show(n))
        if not n.message:
            out.append('no message: %s' % show(n))
    return out[:20]

# --------------------------------------------------- reading a CSV member

def blank(row):
    """A line libcsv gives no row for: nothing but spaces or tabs."""
    return not row or (len(row) == 1 and not row[0].strip(' \t'))

def csv_records(member):
    """(start line, fields) of every CSV record of a member, header first.
    Lines are counted at each LF, as the program counts them: a record's
    line is the physical line it starts on, however many line breaks its
    quoted fields hold.  UTF-8 with or without BOM; bytes that are not
    UTF-8 kept (surrogate escapes); CRLF or LF; blank lines skipped."""
    with member.open() as f:
        text = io.TextIOWrapper(f, encoding='utf-8-sig', errors='surrogateescape',
                                newline='\n')
        reader = csv.reader(text)
        prev = 0
        for row in reader:
            start, prev = prev + 1, reader.line_num
            if not blank(row):
                yield start, row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def source_text(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as f:
        return f.read()

# The files of the reference, as the program's catalog has them.
KNOWN_FILES = set(re.findall(r'\{"(\w+\.txt)", "\w+", \w+_fields',
                             source_text('src/gtfs/catalog_gtfs.c')))

RESERVED_NAMES = {'tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid', 'gtfs2pgsql_line'}

def column_names(header, unknown_file=False):
    """The table column of each header field: the name as in the header,
    a later repetition (or, in a file the reference lacks, a name of the
    server's or ours) <name>_<N>, a name of 64 bytes or more its first 50
    and _<N>, an empty name or one not UTF-8 column_<N> (N its 1-based
    position)."""
    out, seen = [], set()
    for i, h in enumerate(header):
        h = h.strip(' \t')
        if not h or any('\udc80' <= ch <= '\udcff' for ch in h):
            out.append('column_%d' % (i + 1))
        elif len(h.encode()) >= 64:
            out.append('%s_%d' % (h.encode()[:50].decode('utf-8', 'ignore'), i + 1))
        elif h in seen or (unknown_file and h in RESERVED_NAMES):
            out.append('%s_%d' % (h, i + 1))
        else:
            out.append(h)
            seen.add(h)
    return out

def norm(fields):
    return [f.strip(' \t') for f in fields]

class FileData:
    """What a CSV member holds: its header, its records (all, and those
    before a parse error), per column the non-empty values in rows not set
    aside, the records' start lines and the set-aside records."""
    def __init__(self, member, aside_lines, cutoff=None):
        self.header, self.records, self.counted = None, 0, 0
        self.nonempty, self.starts, self.aside_fields = [], set(), {}
        self.error = None
        try:
            for start, row in csv_records(member):
                if self.header is None:
                    self.header = row
                    self.nonempty = [0] * len(row)
                    continue
                self.records += 1
                if cutoff is not None and start >= cutoff:
                    continue
                self.counted += 1
                self.starts.add(start)
                if start in aside_lines:
                    self.aside_fields[start] = row
                    continue
                for i in range(min(len(row), len(self.header))):
                    if row[i].strip(' \t'):
                        self.nonempty[i] += 1
        except (csv.Error, UnicodeError) as e:
            self.error = '%s: Python cannot read it: %s' % (member.name, e)
        self.names = column_names(self.header or [], member.name not in KNOWN_FILES)

def schema_columns(schema):
    """{table: {column}} of schema."""
    out = collections.defaultdict(set)
    for t, c in query('SELECT table_name, column_name FROM information_schema.columns'
                      ' WHERE table_schema = %s' % ql(schema)):
        out[t].add(c)
    return out

RECORD_MAX = 4 << 20       # bytes of a line a record keeps (README)

def cut_of(n):
    """The bytes not kept that a csv_parsing_failed notice's message gives
    for a line longer than RECORD_MAX, else None."""
    m = re.search(r'; the record keeps its first %d bytes, (\d+) more are not kept$'
                  % RECORD_MAX, n.message or '')
    return int(m.group(1)) if m and n.code == 'csv_parsing_failed' else None

def cut_problems(name, line, member, rec, dropped):
    """A cut record: the first RECORD_MAX bytes of its line as written,
    and the count of the others."""
    with member.open() as f:
        for _ in range(line):
            text = f.readline()
    text = text.rstrip(b'\r\n')
    if len(text) != RECORD_MAX + dropped or \
            (rec or '').encode('utf-8', 'surrogateescape') != text[:RECORD_MAX]:
        return ['%s:%d: a record cut at %d bytes, %d not kept, is not the line\'s '
                '(%d bytes)' % (name, line, RECORD_MAX, dropped, len(text))]
    return []

def identity_problems(schema, feed, notices, only=None):
    """Identities 1 and 2 of the policy for every CSV member of feed (only:
    those files) loaded into schema; also that every row_set_aside notice
    names a record's start line, once, and that its record gives back the
    fields of that record.  A file with a rest_of_file_skipped notice counts
    only its records before the notice's line; a file_skipped one is not
    checked.  Returns the problems found."""
    members = it.feed_members(feed)
    cols = schema_columns(schema)
    aside = collections.defaultdict(collections.Counter)
    records = collections.defaultdict(dict)
    cuts = collections.defaultdict(dict)
    nulled = collections.Counter()
    skipped, cutoff = set(), {}
    for n in notices:
        if n.action == ASIDE:
            aside[n.file][n.line] += 1
            records[n.file][n.line] = n.record
            cuts[n.file][n.line] = cut_of(n)
        elif n.action == NULLED:
            nulled[(n.file, n.column)] += 1
        elif n.action == FILE_SKIPPED:
            skipped.add(n.file)
        elif n.action == REST_SKIPPED:
            cutoff[n.file] = min(n.line or 0, cutoff.get(n.file, n.line or 0))
    problems, plans = [], []
    for name, m in sorted(members.items()):
        if (only and name not in only) or name in skipped:
            continue
        data = FileData(m, aside[name], cutoff.get(name))
        if data.error:
            problems.append(data.error)
            continue
        table = it.table_of(name)
        if table not in cols:
            problems.append('%s: no table %s' % (name, rel(schema, table)))
            continue
        twice = sorted(l for l, k in aside[name].items() if k > 1)
        if twice:
            problems.append('%s: lines set aside more than once: %s' % (name, twice[:10]))
        strays = sorted(l for l in aside[name] if l not in data.starts)
        if strays:
            problems.append('%s: row_set_aside notices at lines where no record starts:'
                            ' %s' % (name, strays[:10]))
        for line, fields in sorted(data.aside_fields.items()):
            rec = records[name].get(line)
            if any('\udc80' <= ch <= '\udcff' or ch == '\0' for f in fields for ch in f):
                continue            # not storable as text: not compared
            if cuts[name].get(line) is not None:
                problems += cut_problems(name, line, m, rec, cuts[name][line])
                continue
            got = list(csv.reader(io.StringIO(rec or '', newline='')))
            if len(got) != 1 or norm(got[0]) != norm(fields):
                problems.append('%s:%d: record %r does not give back the fields %r'
                                % (name, line, rec, fields))
                break
        # a column the reference lacks is a key of jsonb extra
        absent = [c for c in data.names if c not in cols[table] and 'extra' not in cols[table]]
        if absent:
            problems.append('%s: header columns not in table %s: %s'
                            % (name, table, ', '.join(absent)))
        # no field of the reference is named like our own columns
        ours = ('feed_id', 'extra', 'geom') if 'extra' in cols[table] else ()
        present = [(i, c if c in cols[table] and c not in ours else ('extra', c))
                   for i, c in enumerate(data.names) if c in cols[table] or 'extra' in cols[table]]
        plans.append((name, table, data, present))
    if not plans:
        return problems
    script = ''.join(
        'COPY (SELECT count(*)%s FROM %s) TO STDOUT;\n'
        % (''.join(', count(%s)' % (qi(c) if isinstance(c, str) else 'extra->' + ql(c[1]))
                   for _, c in present), rel(schema, table))
        for _, table, _, present in plans)
    lines = it.psql(script).split('\n')[:-1]
    check(len(lines) == len(plans), 'counts: %d answers for %d tables'
          % (len(lines), len(plans)))
    for (name, table, data, present), line in zip(plans, lines):
        got = [int(x) for x in line.split('\t')]
        rows, set_aside = got[0], sum(aside[name].values())
        if rows + set_aside != data.counted:
            problems.append('identity 1, %s: %d rows in %s + %d set aside != %d records%s'
                            % (name, rows, table, set_aside, data.counted,
                               '' if name not in cutoff else
                               ' before line %d (the parse error)' % cutoff[name]))
        bad = []
        for (i, c), k in zip(present, got[1:]):
            c = c if isinstance(c, str) else c[1]
            header_name = data.header[i].strip(' \t')
            nn = nulled[(name, header_name)] if data.names.index(c) == i else 0
            if k + nn != data.nonempty[i]:
                bad.append('%s: %d non-NULL + %d value_nulled != %d non-empty'
                           % (c, k, nn, data.nonempty[i]))
        if bad:
            problems.append('identity 2, %s: %s%s' % (name, '; '.join(bad[:5]),
                            '' if len(bad) <= 5 else '; and %d more' % (len(bad) - 5)))
    stray = sorted({f for f, _ in nulled} - {p[0] for p in plans} - skipped)
    if stray and not only:
        problems.append('value_nulled notices for files not in the feed: %s' % stray)
    return problems

# ---------------------------------------------------------- loading

def load_default(feed, schema, *args, timeout=1200):
    """Loads feed into schema with the default policy (no -q: the notice
    block is part of what is tested), asserting exit 0; returns (the run,
    the report as a dict)."""
    report = os.path.join(TMP, 'report-%s.json' % schema)
    if os.path.exists(report):
        os.remove(report)
    r = g.run('-s', schema, '--report', report, *args, feed, timeout=timeout)
    check(r.returncode == 0, 'default load of %s into %s: %s' % (feed, schema, describe(r)))
    check(os.path.exists(report), 'no report written to %s' % report)
    with open(report, encoding='utf-8') as f:
        try:
            rep = json.load(f)
        except ValueError as e:
            raise AssertionError('the report is not JSON: %s' % e)
    return r, rep

# The notice block as the policy writes it; notice_block() reads its content
# more leniently (a "gtfs2pgsql:" prefix on each line, other words in the
# heading) so that its counts are checked even when its form is not, which
# stderr_notice_block_form checks alone.  Under a line per (severity, code)
# with the count, the first three notices of the code (place: field "value":
# message), then how many more and the query that lists them.
BLOCK_HEAD = r'^gtfs2pgsql: notices \(in (.+)\.import_notices\):$'
BLOCK_LINE = r'^  (error|warning|info) +(\w+) +(\d+)$'
BLOCK_SAMPLE = r'^      (\S.*)$'
BLOCK_MORE = (r"^      and (\d+) more: SELECT \* FROM (.+)\.import_notices WHERE "
              r"(?:severity = '(\w+)' AND )?code = '(\w+)'$")

def notice_block(stderr):
    """(schema named, [(severity, code, count, rest)]) of the default
    stderr's notice block, or None when there is none; rest is the lines
    under the code's, joined."""
    lines = stderr.splitlines()
    for k, l in enumerate(lines):
        m = re.match(r'^gtfs2pgsql: notices \((?:[\w ]+ )?in (.+)\.import_notices\):\s*$', l)
        if m:
            out = []
            for l2 in lines[k + 1:]:
                m2 = re.match(r'^(?:gtfs2pgsql:)?\s{1,2}(error|warning|info)\s+(\w+)\s+(\d+)\b'
                              r'\s*(.*)$', l2)
                m3 = re.match(r'^(?:gtfs2pgsql:)?\s{3,}(\S.*)$', l2)
                if m2:
                    out.append((m2.group(1), m2.group(2), int(m2.group(3)), m2.group(4)))
                elif m3 and out:
                    s, c, n, rest = out[-1]
                    out[-1] = (s, c, n, (rest + '\n' + m3.group(1)).strip())
                else:
                    break
            return m.group(1), out
    return None

def block_samples(stderr):
    """{(severity, code): (count, [sample lines], more line or None)} of
    stderr's notice block in the policy's form (BLOCK_*)."""
    lines = stderr.splitlines()
    heads = [k for k, l in enumerate(lines) if re.match(BLOCK_HEAD, l)]
    out, key = {}, None
    for l in lines[heads[0] + 1:] if heads else []:
        m = re.match(BLOCK_LINE, l)
        if m:
            key = (m.group(1), m.group(2))
            out[key] = (int(m.group(3)), [], None)
        elif key and re.match(BLOCK_MORE, l):
            out[key] = out[key][:2] + (l.strip(),)
        elif key and re.match(BLOCK_SAMPLE, l) and out[key][2] is None:
            out[key][1].append(l.strip())
        else:
            break
    return out

def output_problems(schema, r, rep, notices):
    """The stderr notice block, the report's notices and set_aside, and the
    registry's counts, each against import_notices."""
    out = []
    by_sc = collections.Counter((n.severity, n.code) for n in notices)
    block = notice_block(r.stderr)
    if not notices:
        if block is not None:
            out.append('a notice block on stderr for a feed without notices')
    elif block is None:
        out.append('no "gtfs2pgsql: notices (in %s.import_notices):" block on stderr'
                   % schema)
    else:
        named, lines = block
        if named.strip('"') != schema:
            out.append('the notice block names schema %s, not %s' % (named, schema))
        got = {(s, c): k for s, c, k, _ in lines}
        if len(got) != len(lines):
            out.append('the notice block has a (severity, code) twice: %r' % lines)
        if got != dict(by_sc):
            out.append('the notice block %r, import_notices %r'
                       % (sorted(got.items()), sorted(by_sc.items())))
        for s, c, k, rest in lines:
            files = {n.file for n in notices if (n.severity, n.code) == (s, c) and n.file}
            if len(files) == 1 and next(iter(files)) not in rest:
                out.append('the notice block line of %s %s does not name %s: %r'
                           % (s, c, next(iter(files)), rest))
    # the report
    if not isinstance(rep.get('notices'), list):
        out.append('no "notices" list in the report')
    else:
        want = collections.defaultdict(list)
        for n in notices:
            want[(n.code, n.file)].append(n)
        got = {}
        for e in rep['notices']:
            key = (e.get('code'), e.get('file'))
            if key in got:
                out.append('report notices: (code, file) %r twice' % (key,))
            got[key] = e
        for key, ns in sorted(want.items(), key=str):
            e = got.get(key)
            if e is None:
                out.append('report notices: no entry for %r' % (key,))
                continue
            lines = [n.line for n in ns if n.line is not None]
            if e.get('count') != len(ns) or e.get('severity') != ns[0].severity \
                    or e.get('first_line') != (min(lines) if lines else None):
                out.append('report notices %r: count %r severity %r first_line %r; '
                           'import_notices: %d, %s, %r'
                           % (key, e.get('count'), e.get('severity'), e.get('first_line'),
                              len(ns), ns[0].severity, min(lines) if lines else None))
        extra = set(got) - set(want)
        if extra:
            out.append('report notices not in import_notices: %r' % sorted(extra, key=str))
    aside = collections.Counter(n.file for n in notices if n.action == ASIDE)
    counts = fl.table_counts(schema)
    for f in rep.get('files', []):
        name = os.path.basename(str(f.get('file')))
        if not name.endswith('.txt'):
            continue
        if f.get('set_aside') != aside.get(name, 0):
            out.append('report %s: set_aside %r, import_notices %d'
                       % (name, f.get('set_aside'), aside.get(name, 0)))
        t = counts.get(it.table_of(name))
        if t is not None and f.get('rows') != t:
            out.append('report %s: rows %r, table %d' % (name, f.get('rows'), t))
    # the registry
    sev = collections.Counter(n.severity for n in notices)
    have = {c for c, in query("SELECT column_name FROM information_schema.columns WHERE"
                              " table_schema = 'gtfs2pgsql' AND table_name = 'feeds'")}
    want = (str(sev[E]), str(sev[W]), str(sev[I]))
    reg = None
    if not {'errors', 'warnings', 'infos'} <= have:
        out.append('gtfs2pgsql.feeds has no columns errors, warnings, infos: %s'
                   % sorted(have))
    else:
        reg = query('SELECT errors::text, warnings::text, infos::text FROM gtfs2pgsql.feeds'
                    ' WHERE schema_name = %s' % ql(schema))
    if reg is not None and reg != [want]:
        out.append('gtfs2pgsql.feeds (errors, warnings, infos) %r, import_notices %r'
                   % (reg, want))
    return out

# ------------------------------------------------------- real feeds

LOADS = {}          # stem -> (path, schema, notices)

def feed_key(stem):
    return re.sub(r'[^a-z0-9]+', '_', stem.lower())

def feed_path(stem):
    """Path of a real feed; Skip when ../shared is absent, fail when it is
    there without the feed."""
    folder = DEFECTIVE if stem in DEFECTIVE_FEEDS else it.FEEDS
    path = os.path.join(folder, stem + '.zip')
    if not os.path.isdir(it.SHARED):
        raise Skip('%s absent' % it.SHARED)
    check(os.path.isfile(path), '%s is missing (../shared is there)' % path)
    return path

def need_load(stem):
    """The real feed loaded with the default options (once): (path,
    schema, notices)."""
    if stem not in LOADS:
        path = feed_path(stem)
        schema = 'n_' + feed_key(stem)
        # the real feeds with the validator's rules too: their notices
        # must be within the policy, and the identities hold
        g.VALIDATE = True
        try:
            r, rep = load_default(path, schema)
        finally:
            g.VALIDATE = False
        notices = notices_of(schema)
        problems = output_problems(schema, r, rep, notices)
        LOADS[stem] = (path, schema, notices, problems)
    return LOADS[stem][:3]

def identities_test(stem):
    def fn():
        path, schema, notices = need_load(stem)
        problems = shape_problems(notices)
        problems += identity_problems(schema, path, notices)
        problems += LOADS[stem][3]
        check(not problems, '\n'.join(problems))
    it.TESTS.append(('identities_' + feed_key(stem), fn, True))

for _stem in REAL_FEEDS + DEFECTIVE_FEEDS:
    identities_test(_stem)

def member_lines(path, name):
    """[(start line, {field: value})] of a member's records."""
    recs = csv_records(it.feed_members(path)[name])
    _, header = next(recs)
    header = [h.strip(' \t') for h in header]
    return [(line, dict(zip(header, norm(row)))) for line, row in recs]

def catalog_count_problems(stem, schema, notices, exact=False):
    """Rows + set aside = CATALOG.md's record count, per file (exact: no
    row set aside at all)."""
    aside = collections.Counter(n.file for n in notices if n.action == ASIDE)
    counts = fl.table_counts(schema)
    out = []
    for table, k in sorted(CATALOG_COUNTS[stem].items()):
        rows, a = counts.get(table), aside.get(table + '.txt', 0)
        if rows is None:
            out.append('no table %s' % table)
        elif rows + a != k or (exact and a):
            out.append('%s: %d rows + %d set aside, CATALOG.md says %d records'
                       % (table, rows, a, k))
    return out

def fk_problems(path, notices, file, column, target_file, target_field):
    """One foreign_key_violation notice per distinct value of file.column
    missing from target_file.target_field, at the value's first line, with
    its count of rows in the message; returns (problems, rows referring to
    a missing value)."""
    have = {d[target_field] for _, d in member_lines(path, target_file)}
    first, count = {}, collections.Counter()
    for line, d in member_lines(path, file):
        v = d.get(column, '')
        if v and v not in have:
            first.setdefault(v, line)
            count[v] += 1
    got = [n for n in notices if (n.code, n.file, n.column) ==
           ('foreign_key_violation', file, column)]
    out = []
    if not first:
        out.append('setup: no %s.%s value is missing from %s' % (file, column, target_file))
    by_value = collections.defaultdict(list)
    for n in got:
        by_value[n.value].append(n)
    for v in sorted(first):
        ns = by_value.get(v, [])
        if len(ns) != 1:
            out.append('%d foreign_key_violation notices for %s %s=%r, not 1'
                       % (len(ns), file, column, v))
            continue
        n = ns[0]
        if n.line != first[v] or (n.severity, n.action) != (E, KEPT) \
                or not re.search(r'\b%d\b' % count[v], n.message or ''):
            out.append('%s %s=%r (first at line %d, %d rows): %s'
                       % (file, column, v, first[v], count[v], show(n)))
    extra = sorted(set(by_value) - set(first), key=str)
    if extra:
        out.append('foreign_key_violation notices on %s %s for values that are there: %r'
                   % (file, column, extra[:5]))
    return out[:15], sum(count.values())

def expected_test(stem):
    def fn():
        path, schema, notices = need_load(stem)
        problems = catalog_count_problems(stem, schema, notices,
                                          exact=stem == 'caltrain-2023')
        problems += EXPECTED[stem](path, schema, notices)
        check(not problems, '\n'.join(problems))
    it.TESTS.append(('expected_' + feed_key(stem), fn, True))

def expect_weho(path, schema, notices):
    dups = [n for n in notices if n.code == 'duplicate_key']
    out = []
    if len(dups) != 1 or (dups[0].file, dups[0].severity, dups[0].action) != \
            ('calendar_dates.txt', E, ASIDE):
        out.append('duplicate_key notices: %s' % [show(n) for n in dups])
    # the set-aside row is the later one: the same (service_id, date) as a row kept
    elif dups[0].record:
        rec = norm(next(csv.reader([dups[0].record])))
        header = [h.strip() for h in next(csv_records(
            it.feed_members(path)['calendar_dates.txt']))[1]]
        d = dict(zip(header, rec))
        kept = value("SELECT count(*) FROM %s WHERE service_id = %s AND date = %s::date"
                     % (rel(schema, 'calendar_dates'), ql(d.get('service_id')),
                        ql(d.get('date'))))
        if kept != '1':
            out.append('%s rows of calendar_dates with the set-aside key %r' % (kept, d))
        lines = [l for l, x in member_lines(path, 'calendar_dates.txt')
                 if (x['service_id'], x['date']) == (d.get('service_id'), d.get('date'))]
        if len(lines) != 2 or dups[0].line != lines[1] or \
                not re.search(r'\b%d\b' % lines[0], dups[0].message or ''):
            out.append('the duplicate is at lines %r: %s' % (lines, show(dups[0])))
    if value('SELECT count(*) FROM %s' % rel(schema, 'calendar_dates')) != '10':
        out.append('calendar_dates: %s rows, not 10'
                   % value('SELECT count(*) FROM %s' % rel(schema, 'calendar_dates')))
    return out

def expect_berlin(path, schema, notices):
    # CATALOG.md's "121 stops" are 121 missing parent stations, which all
    # 211 stops name: 121 notices
    out, rows = fk_problems(path, notices, 'stops.txt', 'parent_station',
                            'stops.txt', 'stop_id')
    k = len([n for n in notices if (n.code, n.file, n.column) ==
             ('foreign_key_violation', 'stops.txt', 'parent_station')])
    if k != 121 or rows != 211:
        out.append('%d foreign_key_violation notices on parent_station for %d stops,'
                   ' not 121 for 211' % (k, rows))
    n = value('SELECT count(*) FROM %s' % rel(schema, 'stops'))
    if n != '211':
        out.append('stops: %s rows, not 211' % n)
    n = value('SELECT count(*) FROM %s WHERE parent_station IS NOT NULL'
              % rel(schema, 'stops'))
    want = sum(1 for _, d in member_lines(path, 'stops.txt') if d.get('parent_station'))
    if n != str(want):
        out.append('stops with a parent_station: %s, the file has %d' % (n, want))
    return out

def expect_cobblinc(path, schema, notices):
    out, rows = fk_problems(path, notices, 'stop_times.txt', 'stop_id',
                            'stops.txt', 'stop_id')
    n = value('SELECT count(*) FROM %s' % rel(schema, 'stop_times'))
    if n != '288':
        out.append('stop_times: %s rows, not 288' % n)
    return out

def expect_ryobi(path, schema, notices):
    out = []
    for col in ('table_name', 'field_name', 'language'):
        ns = [n for n in notices if (n.code, n.file, n.column) ==
              ('missing_required_column', 'translations.txt', col)]
        if len(ns) != 1 or (ns[0].severity, ns[0].action, ns[0].line) != (E, KEPT, 1):
            out.append('missing_required_column translations.txt %s: %s'
                       % (col, [show(n) for n in ns]))
    for col in ('trans_id', 'lang'):
        ns = [n for n in notices if (n.code, n.file, n.column) ==
              ('unknown_column', 'translations.txt', col)]
        if len(ns) != 1 or (ns[0].severity, ns[0].action, ns[0].line) != (I, KEPT, 1):
            out.append('unknown_column translations.txt %s: %s'
                       % (col, [show(n) for n in ns]))
    types = it.table_types(schema, 'translations')
    for col in ('translation', 'table_name', 'field_name', 'language'):
        if col not in types:
            out.append('translations has no column %s: %r' % (col, sorted(types)))
    if not out:
        # trans_id and lang, GTFS-JP's, are keys of jsonb extra
        got = query("SELECT count(*)::text, count(extra->'trans_id')::text,"
                    " count(extra->'lang')::text,"
                    ' count(table_name)::text, count(field_name)::text,'
                    ' count(language)::text FROM %s' % rel(schema, 'translations'))[0]
        if got[0] != '3069' or got[3:] != ('0', '0', '0') or got[1] == '0' or got[2] == '0':
            out.append('translations (rows, trans_id, lang, table_name, field_name,'
                       ' language): %r' % (got,))
    return out

# fare_leg_rules' key fields in the reference
FARE_LEG_KEY = ('network_id', 'from_area_id', 'to_area_id', 'from_timeframe_group_id',
                'to_timeframe_group_id', 'fare_product_id')

def expect_santacruz(path, schema, notices):
    """The draft's fare_leg_rules: no fare_product_id in 12 of 44 rows
    (missing_required_field, kept: so these rows stay, whatever their other
    key fields), and rows told apart only by rider_category_id, which is no
    key field: the key is UNIQUE NULLS NOT DISTINCT over the key fields the
    header has, so the later rows of one key are set aside as duplicate_key
    (44 = rows + set aside)."""
    out = []
    recs = member_lines(path, 'fare_leg_rules.txt')
    empty = [l for l, d in recs if not d.get('fare_product_id')]
    header = recs[0][1].keys() if recs else []
    first, dups = {}, []
    for l, d in recs:
        if not d.get('fare_product_id'):
            continue                    # kept, as missing_required_field says
        key = tuple(d.get(f) or None for f in FARE_LEG_KEY if f in header)
        if key in first:
            dups.append((l, first[key]))
        else:
            first[key] = l
    got = sorted((n.line, n.action) for n in notices
                 if (n.code, n.file) == ('duplicate_key', 'fare_leg_rules.txt'))
    if got != [(l, ASIDE) for l, _ in dups]:
        out.append('duplicate_key notices of fare_leg_rules at %r, the file repeats keys at'
                   ' lines %r' % (got, [l for l, _ in dups]))
    bad = [show(n) for n in notices if (n.code, n.file) == ('duplicate_key',
                                                              'fare_leg_rules.txt')
           and not re.search(r'\b%d\b' % dict(dups).get(n.line, -1), n.message or '')]
    if bad:
        out.append('duplicate_key messages not naming the first line: %s' % bad[:3])
    if not empty:
        out.append('setup: no fare_leg_rules row without fare_product_id')
    ns = [n for n in notices if (n.code, n.file, n.column) ==
          ('missing_required_field', 'fare_leg_rules.txt', 'fare_product_id')]
    if sorted(n.line for n in ns) != empty or any((n.severity, n.action) != (E, KEPT)
                                                  for n in ns):
        out.append('missing_required_field fare_product_id at lines %r (the file: %r): %s'
                   % (sorted(n.line for n in ns), empty, [show(n) for n in ns[:3]]))
    kept = [l for l, d in recs if l not in dict(dups)]
    want = (str(len(kept)), str(len([l for l in kept if l not in empty])))
    got = query('SELECT count(*)::text, count(fare_product_id)::text FROM %s'
                % rel(schema, 'fare_leg_rules'))[0]
    if len(recs) != 44 or got != want:
        out.append('fare_leg_rules (rows, fare_product_id): %r, not %r (of %d records)'
                   % (got, want, len(recs)))
    return out

def expect_caltrain(path, schema, notices):
    out = []
    ns = [n for n in notices if n.code == 'zip_trailing_bytes']
    if len(ns) != 1 or (ns[0].severity, ns[0].action) != (W, KEPT):
        out.append('zip_trailing_bytes notices: %s' % [show(n) for n in ns])
    return out

EXPECTED = {'weho-2025': expect_weho, 'berlin-vbb-2020': expect_berlin,
            'cobblinc-flex-2021': expect_cobblinc, 'ryobi-bus-2025': expect_ryobi,
            'santacruz-metro-2022': expect_santacruz, 'caltrain-2023': expect_caltrain}

for _stem in DEFECTIVE_FEEDS:
    expected_test(_stem)

# ---------------------------------------------------------- --strict

def rejected_count(stderr):
    m = re.search(r'(?m)^gtfs2pgsql: error: feed rejected: (\d+) errors?; '
                  r'the database is unchanged$', stderr)
    return m and int(m.group(1))

def strict_refusal_problems(feed, schema, errors, r, before):
    """What is wrong with a --strict run r that must have refused feed:
    exit 1, an error line naming a file with an error notice, the count of
    errors, the schema as it was (before), no staging schema left."""
    out = []
    if r.returncode != 1:
        out.append('--strict: exit %d, not 1 (%d error notices in the default load: %s)'
                   % (r.returncode, len(errors), [show(n) for n in errors[:3]]))
    name = os.path.basename(feed.rstrip('/'))
    lines = g.error_lines(r.stderr, name)
    files = {n.file for n in errors}
    if not [l for l in lines if l[0] in files]:
        out.append('no "gtfs2pgsql: %s:FILE:...: error:" line naming one of %s'
                   % (name, sorted(files, key=str)))
    strays = [l for l in lines if l[0] not in files]
    if strays:
        out.append('error lines naming files without an error notice: %r' % strays[:5])
    # --strict may stop before the checks that would find the others (the
    # server's), so N is at most the default load's count of errors
    k = rejected_count(r.stderr)
    if k is None or not 1 <= k <= len(errors) or len(lines) != min(k, 100):
        out.append('"feed rejected: N errors" with N %r, %d error lines, the default load'
                   ' has %d errors' % (k, len(lines), len(errors)))
    problems = fl.diff_snapshots(before, fl.snapshot(schema))
    if problems:
        out.append('schema %s changed by a refused load: %s' % (schema, '; '.join(problems)))
    if fl.staging_schemas():
        out.append('staging schemas left: %s' % fl.staging_schemas())
    if out:
        out.append('stderr: ' + r.stderr.strip()[-1500:])
    return out

# The error notices the default loads of the defective feeds gave (the
# tests compute them from import_notices; listed here for the reader): every
# one of the six has some, so each is refused by --strict.
#   weho-2025             duplicate_key: calendar_dates.txt 1
#   berlin-vbb-2020       foreign_key_violation: stops.txt parent_station 121
#                         (and 4 unexpected_enum_value warnings, routes.txt)
#   cobblinc-flex-2021    foreign_key_violation: stop_times.txt stop_id 3
#   ryobi-bus-2025        missing_required_column: translations.txt 3;
#                         duplicate_key: fare_rules.txt 181
#   santacruz-metro-2022  duplicate_key: fare_leg_rules.txt 24, fare_rules.txt 23;
#                         missing_required_field: fare_leg_rules.txt 12
#   caltrain-2023         missing_required_column: rider_categories.txt
#                         rider_category_name (a header-only file); besides
#                         the zip_trailing_bytes warning
# (and among the clean feeds, wmata-rail-2026: number_out_of_range, 4
# pathways with traversal_time 0)
def strict_test(stem):
    def fn():
        path, _, notices = need_load(stem)
        errors = [n for n in notices if n.severity == E]
        schema = 'sv_' + feed_key(stem)
        g.load_ok(SAMPLE, schema)
        before = fl.snapshot(schema)
        r = g.run('-s', schema, '--strict', path, timeout=1200)
        if errors:
            problems = strict_refusal_problems(path, schema, errors, r, before)
            check(not problems, '\n'.join(problems))
        else:
            check(r.returncode == 0, '--strict on a feed with no error notice: '
                  + describe(r))
            check(not g.error_lines(r.stderr, os.path.basename(path)),
                  'error lines on stderr: ' + describe(r))
            problems = identity_problems(schema, path, notices_of(schema))
            check(not problems, 'after --strict: ' + '\n'.join(problems))
    it.TESTS.append(('strict_' + feed_key(stem), fn, True))

for _stem in DEFECTIVE_FEEDS:
    strict_test(_stem)

# ------------------------------------------------- generated defects

ANY = object()

class N:
    """A notice a generated feed must give: the fields given must be equal
    (ANY: not compared), msg a regex the message must match, record the
    fields the record must give back; count: how many such notices."""
    def __init__(self, code, severity, action, file=ANY, line=ANY, column=ANY,
                 value=ANY, msg=None, record=None, count=1):
        self.code, self.severity, self.action = code, severity, action
        self.file, self.line, self.column, self.value = file, line, column, value
        self.msg, self.record, self.count = msg, record, count

    def matches(self, n):
        for f in ('code', 'severity', 'action', 'file', 'line', 'column', 'value'):
            want = getattr(self, f)
            if want is not ANY and getattr(n, f) != want:
                return False
        if self.msg and not re.search(self.msg, n.message or ''):
            return False
        if self.record is not None:
            got = list(csv.reader(io.StringIO(n.record or '', newline='')))
            if len(got) != 1 or got[0] != self.record:
                return False
        return True

    def __repr__(self):
        return '%s/%s/%s %s' % (self.code, self.severity, self.action, ', '.join(
            '%s=%r' % (f, getattr(self, f)) for f in
            ('file', 'line', 'column', 'value', 'msg', 'record')
            if getattr(self, f) not in (ANY, None)))

class Case:
    """The sample with ONE defect.  changes: {file: text, bytes or None}
    applied to a copy; build(directory) -> feed path, for archives; expect:
    the notices it must give, the defect's own first; aside: {file: rows
    set aside} (every other file: none); extra: other codes allowed
    (consequences, e.g. the foreign_key_violation of rows naming a stop set
    aside); sql: [(what, SELECT giving one value with @ for the schema,
    expected text)]."""
    def __init__(self, name, changes=None, expect=(), aside=None, extra=(), sql=(),
                 build=None, args=(), database=None, strict=True):
        self.name, self.changes, self.expect = name, changes or {}, list(expect)
        self.aside, self.extra, self.sql, self.build = aside or {}, set(extra), sql, build
        self.args, self.database, self.strict = list(args), database, strict

    def feed(self):
        d = g.make_feed('gen_' + self.name, self.changes)
        return self.build(d) if self.build else d

def S(name):
    return g.read_text(SAMPLE, name)

def setf(file, prefix, field, val, text=None):
    """file's text (or text) with field of the one-line record starting
    with prefix set to val; (text, line, 1-based column)."""
    return g.set_field(text if text is not None else S(file), prefix, field, val)

def lines_of(file, pred):
    """[(line, {field: value})] of the sample's file records matching pred."""
    return [(l, d) for l, d in member_lines(SAMPLE, file) if pred(d)]

def header_of(file, text=None):
    return next(csv.reader([(text if text is not None else S(file)).split('\n')[0]]))

def fields_at(text, line):
    """The fields of the record of text starting at line."""
    for start, row in csv_records(it.Member('x', lambda: io.BytesIO(
            text.encode('utf-8', 'surrogateescape')), 0)):
        if start == line:
            return row
    raise AssertionError('no record starts at line %d' % line)

def stops_with_timezones(zones):
    """The sample's stops.txt with a column stop_timezone, zones[i] in its
    i-th record (the others empty); (text, line of the first record given
    'Mars/Base')."""
    header, rows = g.rows_of(SAMPLE, 'stops.txt')
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(header + ['stop_timezone'])
    bad = None
    for i, row in enumerate(rows):
        if bad is None and i < len(zones) and zones[i] == 'Mars/Base':
            bad = out.getvalue().count('\n') + 1
        w.writerow(row + [zones[i] if i < len(zones) else ''])
    return out.getvalue(), bad

def zip_build(d):
    return g.zip_feed(d)

def appended_build(d):
    z = g.zip_feed(d)
    with open(z, 'ab') as f:
        f.write(b'<!DOCTYPE html>\n<html><head><title>Download</title></head>\n'
                b'<body><p>Your download will start shortly.</p></body></html>\n' * 20)
    return z

def prepended_build(d):
    z = g.zip_feed(d)
    with open(z, 'rb') as f:
        data = f.read()
    with open(z, 'wb') as f:
        f.write(b'#!/bin/sh\necho this is a self-extracting stub\nexit 0\n' * 8 + data)
    return z

def feature(fid, k, geometry=None):
    """A feature: a triangle k degrees east, with id fid (None: no id)."""
    f = {'type': 'Feature', 'properties': {}, 'geometry': geometry or {
        'type': 'Polygon', 'coordinates': [
            [[-73.6 + k, 45.5], [-73.5 + k, 45.5], [-73.5 + k, 45.6], [-73.6 + k, 45.5]]]}}
    if fid is not None:
        f['id'] = fid
    return f

def geojson(*features):
    """A FeatureCollection of a triangle per id, or of the features given
    as dicts."""
    return json.dumps({'type': 'FeatureCollection', 'features': [
        f if isinstance(f, dict) else feature(f, k) for k, f in enumerate(features)]})

def cases():
    out = []
    add = lambda *a, **k: out.append(Case(*a, **k))
    st = member_lines(SAMPLE, 'stop_times.txt')
    tr = member_lines(SAMPLE, 'trips.txt')

    def rows_where(file, **kv):
        return sum(1 for _, d in member_lines(SAMPLE, file)
                   if all(d[k] == v for k, v in kv.items()))

    def value_case(name, code, file, prefix, field, val, action=NULLED, sev=E, sql=(),
                   check_value=True, aside=None, extra=()):
        text, n, _ = setf(file, prefix, field, val)
        rec = fields_at(text, n) if action == ASIDE else None
        if rec and any('\udc80' <= ch <= '\udcff' for f in rec for ch in f):
            rec = None                  # not storable as text: not compared
        add(name, {file: text}, [N(code, sev, action, file, n, field,
                                   val if check_value else ANY, record=rec)],
            aside=aside or ({file: 1} if action == ASIDE else {}), sql=sql, extra=extra)

    # ---- row level: values
    value_case('invalid_integer_enum', 'invalid_integer', 'routes.txt', 'R35,', 'route_type',
               'bus', sql=[('route_type of R35', "SELECT count(*) FROM @.routes WHERE"
                            " route_id = 'R35' AND route_type IS NULL", '1')])
    value_case('invalid_integer_time', 'invalid_integer', 'fare_attributes.txt',
               'BUS_ADULT,', 'transfer_duration', '24:00:00')
    first = st[0][1]
    value_case('invalid_integer_key', 'invalid_integer', 'stop_times.txt',
               '%s,%s' % (first['trip_id'], first['arrival_time']), 'stop_sequence', 'x',
               action=ASIDE)
    value_case('invalid_float', 'invalid_float', 'shapes.txt', 'SH_R10_0,45.507903',
               'shape_dist_traveled', '1.2.3')
    value_case('invalid_float_longitude', 'invalid_float', 'stops.txt', 'P03,', 'stop_lon',
               'abc', sql=[('P03 kept', "SELECT count(*) FROM @.stops WHERE stop_id = 'P03'"
                            " AND stop_lon IS NULL AND stop_lat IS NOT NULL", '1')])
    value_case('invalid_date', 'invalid_date', 'calendar.txt', 'WKDY,', 'start_date',
               '20261301')
    value_case('invalid_date_key', 'invalid_date', 'calendar_dates.txt', 'FETE,20260624',
               'date', '2026-06-24', action=ASIDE)
    value_case('invalid_time', 'invalid_time', 'stop_times.txt',
               '%s,%s' % (st[1][1]['trip_id'], st[1][1]['arrival_time']), 'arrival_time',
               '25:61:00')
    freq = member_lines(SAMPLE, 'frequencies.txt')[0][1]
    value_case('invalid_time_key', 'invalid_time', 'frequencies.txt',
               '%s,%s' % (freq['trip_id'], freq['start_time']), 'start_time', 'noon',
               action=ASIDE)
    # price is a "Non-negative float" in the reference; amount of
    # fare_products.txt is its "Currency amount"
    value_case('invalid_float_price', 'invalid_float', 'fare_attributes.txt',
               'TRAM_ADULT,', 'price', 'four')
    add('invalid_currency_amount',
        {'fare_products.txt': 'fare_product_id,fare_product_name,amount,currency\n'
                              'FP1,Single,2.50,CAD\nFP2,Day,four,CAD\n'},
        [N('invalid_currency_amount', E, NULLED, 'fare_products.txt', 3, 'amount', 'four')])
    value_case('number_out_of_range_latitude', 'number_out_of_range', 'stops.txt', 'P03,',
               'stop_lat', '91', sql=[('P03 kept', "SELECT count(*) FROM @.stops WHERE"
                                       " stop_id = 'P03' AND stop_lat IS NULL", '1')])
    value_case('number_out_of_range_longitude', 'number_out_of_range', 'shapes.txt',
               'SH_R10_0,45.507903', 'shape_pt_lon', '-180.5')
    value_case('number_out_of_range_sign', 'number_out_of_range', 'fare_attributes.txt',
               'BUS_ADULT,', 'price', '-3.75', action=KEPT,
               sql=[('price kept', "SELECT price::text FROM @.fare_attributes"
                     " WHERE fare_id = 'BUS_ADULT'", '-3.75')])
    value_case('unexpected_enum_value', 'unexpected_enum_value', 'routes.txt', 'R35,',
               'route_type', '700', action=KEPT, sev=W,
               sql=[('route_type kept', "SELECT route_type::text FROM @.routes"
                     " WHERE route_id = 'R35'", '700')])
    value_case('unexpected_enum_value_location_type', 'unexpected_enum_value', 'stops.txt',
               'P07,', 'location_type', '9', action=KEPT, sev=W)
    value_case('invalid_color', 'invalid_color', 'routes.txt', 'R10,', 'route_color',
               'GGGGGG', action=KEPT,
               sql=[('colour kept', "SELECT route_color FROM @.routes WHERE route_id = 'R10'",
                     'GGGGGG')])
    value_case('invalid_color_short', 'invalid_color', 'routes.txt', 'R22,',
               'route_text_color', '0', action=KEPT)
    value_case('invalid_url', 'invalid_url', 'agency.txt', 'RVT,', 'agency_url',
               'not a url', action=KEPT,
               sql=[('url kept', "SELECT agency_url FROM @.agency WHERE agency_id = 'RVT'",
                     'not a url')])
    value_case('invalid_email', 'invalid_email', 'agency.txt', 'RVT,', 'agency_email',
               'info at riverton', action=KEPT)
    value_case('invalid_language_code', 'invalid_language_code', 'agency.txt', 'LVT,',
               'agency_lang', 'not a language', action=KEPT)
    value_case('invalid_currency', 'invalid_currency', 'fare_attributes.txt', 'TRAM_ADULT,',
               'currency_type', 'dollars', action=KEPT)
    value_case('invalid_utf8', 'invalid_utf8', 'stops.txt', 'P01,', 'stop_name',
               'Principale \udce9 Westminster', check_value=False,
               sql=[('P01 kept', "SELECT count(*) FROM @.stops WHERE stop_id = 'P01'"
                     " AND stop_name IS NULL", '1')])
    value_case('nul_byte', 'invalid_utf8', 'stops.txt', 'P02,', 'stop_desc', 'a\x00b',
               check_value=False)
    p06 = lines_of('stop_times.txt', lambda d: d['stop_id'] == 'P06')
    value_case('invalid_utf8_key', 'invalid_utf8', 'stops.txt', 'P06,', 'stop_id',
               'P0\udcff6', action=ASIDE, check_value=False)
    out[-1].expect.append(N('foreign_key_violation', E, KEPT, 'stop_times.txt', p06[0][0],
                            'stop_id', 'P06', msg=r'\b%d\b' % len(p06)))
    out[-1].sql = [('stop_times at P06 kept', "SELECT count(*) FROM @.stop_times"
                    " WHERE stop_id = 'P06'", str(len(p06)))]

    # ---- row level: required fields, row length, origin
    t5 = tr[5][1]['trip_id']
    t5_times = lines_of('stop_times.txt', lambda d: d['trip_id'] == t5)
    d5 = tr[5][1]
    text, n, _ = setf('trips.txt', '%s,%s,%s' % (d5['route_id'], d5['service_id'], t5),
                      'trip_id', '')
    add('missing_required_field_key', {'trips.txt': text},
        [N('missing_required_field', E, ASIDE, 'trips.txt', n, 'trip_id',
           record=fields_at(text, n)),
         N('foreign_key_violation', E, KEPT, 'stop_times.txt', t5_times[0][0], 'trip_id', t5,
           msg=r'\b%d\b' % len(t5_times))],
        aside={'trips.txt': 1},
        sql=[('stop_times of the set-aside trip kept', "SELECT count(*) FROM @.stop_times"
              " WHERE trip_id = %s" % ql(t5), str(len(t5_times)))])
    text, n, _ = setf('agency.txt', 'LVT,', 'agency_name', '')
    add('missing_required_field', {'agency.txt': text},
        [N('missing_required_field', E, KEPT, 'agency.txt', n, 'agency_name')],
        sql=[('LVT kept', "SELECT count(*) FROM @.agency WHERE agency_id = 'LVT'"
              " AND agency_name IS NULL", '1')])

    # a required field of a composite key empty in two rows of one trip: both
    # rows kept (the action says so), neither a duplicate of the other
    text, n1, _ = setf('stop_times.txt', '%s,%s' % (st[2][1]['trip_id'],
                                                   st[2][1]['arrival_time']),
                       'stop_sequence', '')
    text, n2, _ = setf('stop_times.txt', '%s,%s' % (st[3][1]['trip_id'],
                                                   st[3][1]['arrival_time']),
                       'stop_sequence', '', text)
    check(st[2][1]['trip_id'] == st[3][1]['trip_id'], 'setup: two trips')
    add('missing_required_field_in_composite_key', {'stop_times.txt': text},
        [N('missing_required_field', E, KEPT, 'stop_times.txt', n1, 'stop_sequence'),
         N('missing_required_field', E, KEPT, 'stop_times.txt', n2, 'stop_sequence')],
        sql=[('both rows kept', 'SELECT count(*) FROM @.stop_times WHERE stop_sequence'
              ' IS NULL AND trip_id = %s' % ql(st[2][1]['trip_id']), '2')])
    text = S('routes.txt')
    n = g.line_of(text, 'R22,')
    lines = text.split('\n')
    lines[n - 1] += ',extra'
    text = '\n'.join(lines)
    r22 = lines_of('trips.txt', lambda d: d['route_id'] == 'R22')
    r22_fares = lines_of('fare_rules.txt', lambda d: d['route_id'] == 'R22')
    r22_transfers = lines_of('transfers.txt', lambda d: d['from_route_id'] == 'R22')
    add('invalid_row_length', {'routes.txt': text},
        [N('invalid_row_length', E, ASIDE, 'routes.txt', n, record=fields_at(text, n)),
         N('foreign_key_violation', E, KEPT, 'trips.txt', r22[0][0], 'route_id', 'R22',
           msg=r'\b%d\b' % len(r22)),
         N('foreign_key_violation', E, KEPT, 'fare_rules.txt', r22_fares[0][0], 'route_id',
           'R22', msg=r'\b%d\b' % len(r22_fares)),
         N('foreign_key_violation', E, KEPT, 'transfers.txt', r22_transfers[0][0],
           'from_route_id', 'R22', msg=r'\b%d\b' % len(r22_transfers))],
        aside={'routes.txt': 1},
        sql=[('trips of R22 kept', "SELECT count(*) FROM @.trips WHERE route_id = 'R22'",
              str(len(r22)))])
    # a set-aside record over two physical lines (a quoted line break)
    text = S('stops.txt')
    n = g.line_of(text, 'STN_CENTRAL_A,')
    lines = text.split('\n')
    lines[n] += ',extra'                 # the record's second physical line
    text = '\n'.join(lines)
    rec = fields_at(text, n)
    check(len(rec) == 12 and '\n' in rec[3], 'setup: %r' % rec)
    add('invalid_row_length_multiline', {'stops.txt': text},
        [N('invalid_row_length', E, ASIDE, 'stops.txt', n, record=rec)],
        aside={'stops.txt': 1}, extra={'foreign_key_violation'},
        sql=[('stops after it kept', "SELECT count(*) FROM @.stops WHERE stop_id ="
              " 'STN_CENTRAL_B'", '1')])
    text = S('routes.txt')
    n = g.line_of(text, 'R35,')
    lines = text.split('\n')
    lines[n - 1] = lines[n - 1].rsplit(',', 1)[0]     # no route_sort_order
    add('invalid_row_length_short', {'routes.txt': '\n'.join(lines)},
        [N('invalid_row_length', W, KEPT, 'routes.txt', n)],
        sql=[('R35 kept', "SELECT count(*) FROM @.routes WHERE route_id = 'R35'"
              " AND route_sort_order IS NULL AND route_color = 'F7941D'", '1')])
    text, n, _ = setf('stops.txt', 'P04,', 'stop_lat', '0')
    text, _, _ = setf('stops.txt', 'P04,', 'stop_lon', '0.0', text)
    add('point_near_origin', {'stops.txt': text},
        [N('point_near_origin', E, KEPT, 'stops.txt', n)],
        sql=[('P04 kept at (0, 0)', "SELECT count(*) FROM @.stops WHERE stop_id = 'P04'"
              " AND stop_lat = 0 AND stop_lon = 0", '1')])

    # ---- spaces and tabs around a value (class 3 of issue 22): loaded
    # without them, quoted or not, the value as written in a warning
    value_case('leading_or_trailing_whitespaces', 'leading_or_trailing_whitespaces',
               'stops.txt', 'P03,', 'stop_name', '  Spaced name  ', action=KEPT, sev=W,
               sql=[('P03 trimmed', "SELECT stop_name FROM @.stops WHERE stop_id = 'P03'",
                     'Spaced name')])
    value_case('leading_or_trailing_whitespaces_blank', 'leading_or_trailing_whitespaces',
               'stops.txt', 'P03,', 'stop_code', '   ', action=KEPT, sev=W,
               sql=[('P03 stop_code NULL', "SELECT count(*) FROM @.stops WHERE"
                     " stop_id = 'P03' AND stop_code IS NULL", '1')])
    text, n, col = setf('stops.txt', 'P03,', 'stop_name', 'QUOTED')
    add('leading_or_trailing_whitespaces_quoted',
        {'stops.txt': text.replace('QUOTED', '"  Quoted name "')},
        [N('leading_or_trailing_whitespaces', W, KEPT, 'stops.txt', n, 'stop_name',
           '  Quoted name ')],
        sql=[('P03 trimmed', "SELECT stop_name FROM @.stops WHERE stop_id = 'P03'",
              'Quoted name')])
    text, n, col = setf('routes.txt', 'R35,', 'route_type', 'TYPE')
    add('leading_or_trailing_whitespaces_tab', {'routes.txt': text.replace('TYPE', '\t3 ')},
        [N('leading_or_trailing_whitespaces', W, KEPT, 'routes.txt', n, 'route_type',
           '\t3 ')],
        sql=[('route_type 3', "SELECT route_type::text FROM @.routes WHERE"
              " route_id = 'R35'", '3')])

    # ---- the validator's checks of text as read: noticed, kept
    value_case('non_ascii_or_non_printable_char', 'non_ascii_or_non_printable_char',
               'trips.txt', 'R10,WKDY,R10-WKDY-0-0530', 'block_id', 'B10-\u00e9', action=KEPT,
               sev=W, sql=[('block_id kept', "SELECT block_id FROM @.trips WHERE"
                            " trip_id = 'R10-WKDY-0-0530'", 'B10-\u00e9')])
    value_case('invalid_character', 'invalid_character', 'stops.txt', 'P03,', 'stop_name',
               'Caf\ufffd', action=KEPT, sql=[('P03 kept', "SELECT stop_name FROM @.stops"
                                               " WHERE stop_id = 'P03'", 'Caf\ufffd')])

    # ---- header and file level
    header, rows = g.rows_of(SAMPLE, 'routes.txt')
    i = header.index('route_type')
    text = ''.join(g.csv_line(r[:i] + r[i + 1:]) + '\n' for r in [header] + rows)
    add('missing_required_column', {'routes.txt': text},
        [N('missing_required_column', E, KEPT, 'routes.txt', 1, 'route_type')],
        sql=[('routes, route_type NULL', "SELECT count(*)::text || ' ' ||"
              " count(route_type)::text FROM @.routes", '%d 0' % len(rows))])
    header, rows = g.rows_of(SAMPLE, 'stops.txt')
    text = ''.join(g.csv_line(r + [v]) + '\n' for r, v in
                   [(header, 'stop_name')] + [(r, 'dup ' + r[0]) for r in rows])
    add('duplicated_column', {'stops.txt': text},
        [N('duplicated_column', E, KEPT, 'stops.txt', 1, 'stop_name')],
        sql=[('stop_name_12 kept', "SELECT (extra->>'stop_name_12') || '/' || stop_name FROM @.stops"
              " WHERE stop_id = 'P05'", 'dup P05/Place du "Vieux Moulin"')])
    header, rows = g.rows_of(SAMPLE, 'routes.txt')
    text = ''.join(g.csv_line(r + [v]) + '\n' for r, v in
                   [(header, '')] + [(r, 'x' + r[0]) for r in rows])
    add('empty_column_name', {'routes.txt': text},
        [N('empty_column_name', E, KEPT, 'routes.txt', 1)],
        sql=[('column_10 kept', "SELECT extra->>'column_10' FROM @.routes WHERE route_id = 'T1'",
              'xT1')])
    header, rows = g.rows_of(SAMPLE, 'trips.txt')
    text = ''.join(g.csv_line(r + [v]) + '\n' for r, v in
                   [(header, 'my_extra')] + [(r, 'e' + r[2]) for r in rows])
    add('unknown_column', {'trips.txt': text},
        [N('unknown_column', I, KEPT, 'trips.txt', 1, 'my_extra')],
        sql=[('my_extra kept', "SELECT count(extra->'my_extra') FROM @.trips", str(len(rows)))])
    add('unknown_file', {'notes.txt': 'note_id,note\n1,"first, with a comma"\n2,second\n'},
        [N('unknown_file', I, KEPT, 'notes.txt', None)],
        sql=[('notes loaded', "SELECT string_agg(note, '|' ORDER BY note_id) FROM @.notes",
              'first, with a comma|second')])
    add('unknown_file_other', {'desktop.ini': '[.ShellClassInfo]\r\nIconResource=x\r\n'},
        [N('unknown_file', I, FILE_SKIPPED, 'desktop.ini', None)], build=zip_build)
    for name in ('agency.txt', 'routes.txt', 'trips.txt', 'stop_times.txt', 'stops.txt'):
        table = name[:-4]
        add('missing_required_file_' + table, {name: None},
            [N('missing_required_file', E, KEPT, name, None)],
            extra={'foreign_key_violation'},
            sql=[('table %s there, empty' % table, 'SELECT count(*) FROM @.%s' % table, '0')])
    add('missing_calendar_and_calendar_date_files',
        {'calendar.txt': None, 'calendar_dates.txt': None},
        [N('missing_calendar_and_calendar_date_files', E, KEPT, line=None)],
        extra={'foreign_key_violation'},
        sql=[('trips kept', 'SELECT count(*) FROM @.trips', str(len(tr)))])
    add('stops_optional_with_locations',
        {'stops.txt': None, 'locations.geojson': geojson('Z1')},
        [], extra={'foreign_key_violation'})
    add('empty_file_required', {'stops.txt': S('stops.txt').split('\n')[0] + '\n'},
        [N('empty_file', E, KEPT, 'stops.txt')], extra={'foreign_key_violation'})
    add('empty_file_agency', {'agency.txt': S('agency.txt').split('\n')[0] + '\n'},
        [N('empty_file', E, KEPT, 'agency.txt')], extra={'foreign_key_violation'})
    add('empty_file_no_header', {'transfers.txt': ''},
        [N('empty_file', E, KEPT, 'transfers.txt')],
        sql=[('transfers there, empty', 'SELECT count(*) FROM @.transfers', '0')])

    def parse_case(name, text, n, stops):
        """A line over a cap at line n: set aside alone, stops rows load."""
        add(name, {'stops.txt': text},
            [N('csv_parsing_failed', E, ASIDE, 'stops.txt', n)],
            aside={'stops.txt': 1}, extra={'foreign_key_violation'},
            sql=[('the stops of the other lines loaded', 'SELECT count(*) FROM @.stops',
                  str(stops))])

    # an unterminated quote: quote_* tests below (Python's csv reads the
    # lines after it as one record, the program reads each line alone)
    stops = len(member_lines(SAMPLE, 'stops.txt'))
    text, n, _ = setf('stops.txt', 'P02,', 'stop_desc', 'x' * (2 << 20))
    parse_case('csv_parsing_failed_field_over_1mib', text, n, stops - 1)
    text = S('stops.txt')
    for f in ('stop_code', 'stop_name', 'stop_desc', 'zone_id', 'platform_code'):
        text, n, _ = setf('stops.txt', 'P02,', f, 'y' * 900_000, text)
    parse_case('csv_parsing_failed_row_over_4mib', text, n, stops - 1)
    text = S('stops.txt')
    n = g.line_of(text, 'P05,')
    lines = text.split('\n')
    lines.insert(n - 1, 'X1' + ',' * 100_000)
    parse_case('csv_parsing_failed_100k_fields', '\n'.join(lines), n, stops)
    add('zip_trailing_bytes', {}, [N('zip_trailing_bytes', W, KEPT)], build=appended_build)
    add('zip_leading_bytes', {}, [N('zip_trailing_bytes', W, KEPT)], build=prepended_build)

    # ---- server side
    def appended(file, prefix_or_line, name, sql=(), extra=()):
        text = S(file)
        check(text.endswith('\n'), 'setup: %s has no final newline' % file)
        first = (prefix_or_line if isinstance(prefix_or_line, int)
                 else g.line_of(text, prefix_or_line))
        rec = fields_at(text, first)
        n = text.count('\n') + 1
        text += g.csv_line(rec) + '\n'
        add(name, {file: text}, [N('duplicate_key', E, ASIDE, file, n, msg=r'\b%d\b' % first,
                                   record=rec)],
            aside={file: 1}, sql=sql, extra=extra)

    appended('stops.txt', 'P01,', 'duplicate_key',
             sql=[('P01 once', "SELECT count(*) FROM @.stops WHERE stop_id = 'P01'", '1')])
    appended('calendar_dates.txt', 'FETE,20260701', 'duplicate_key_composite')
    appended('stops.txt', 'STN_CENTRAL_A,', 'duplicate_key_multiline',
             sql=[('the first STN_CENTRAL_A kept', "SELECT stop_desc FROM @.stops"
                   " WHERE stop_id = 'STN_CENTRAL_A'", 'Platform A\nUse the north stairs')])
    text = S('stop_times.txt')
    rec = fields_at(text, 2)
    seq = header_of('stop_times.txt').index('stop_sequence')
    dup = list(rec)
    dup[seq] = '0' + rec[seq]
    n = text.count('\n') + 1
    add('duplicate_key_leading_zero', {'stop_times.txt': text + g.csv_line(dup) + '\n'},
        [N('duplicate_key', E, ASIDE, 'stop_times.txt', n, msg=r'\b2\b', record=dup)],
        aside={'stop_times.txt': 1})

    def dangling(name, file, prefix, field, sql=()):
        text, n, old = setf(file, prefix, field, 'NOPE')
        add(name, {file: text}, [N('foreign_key_violation', E, KEPT, file, n, field, 'NOPE',
                                   msg=r'\b1\b')], sql=sql)
        return old

    # three stop_times naming one missing stop: one notice, its count 3
    text = S('stop_times.txt')
    picked = [st[4], st[40], st[200]]
    for _, d in picked:
        text, _, _ = setf('stop_times.txt', '%s,%s' % (d['trip_id'], d['arrival_time']),
                          'stop_id', 'NOPE', text)
    add('foreign_key_stop', {'stop_times.txt': text},
        [N('foreign_key_violation', E, KEPT, 'stop_times.txt', picked[0][0], 'stop_id', 'NOPE',
           msg=r'\b3\b')],
        sql=[('the 3 rows kept', "SELECT count(*) FROM @.stop_times WHERE stop_id = 'NOPE'",
              '3')])
    d = st[3][1]
    dangling('foreign_key_stop_time_trip', 'stop_times.txt',
             '%s,%s' % (d['trip_id'], d['arrival_time']), 'trip_id',
             sql=[('the row kept', "SELECT count(*) FROM @.stop_times WHERE trip_id = 'NOPE'",
                   '1')])
    for k, field in ((1, 'route_id'), (2, 'service_id'), (3, 'shape_id')):
        d = tr[k][1]
        t = d['trip_id']
        dangling('foreign_key_trip_' + field[:-3], 'trips.txt',
                 '%s,%s,%s' % (d['route_id'], d['service_id'], t), field,
                 sql=[('the trip kept', "SELECT count(*) FROM @.trips WHERE trip_id = %s"
                       " AND %s = 'NOPE'" % (ql(t), field), '1'),
                      ('its stop_times kept', 'SELECT count(*) FROM @.stop_times WHERE'
                       ' trip_id = %s' % ql(t), str(rows_where('stop_times.txt', trip_id=t)))])
    dangling('foreign_key_parent_station', 'stops.txt', 'STN_CENTRAL_B,', 'parent_station',
             sql=[('the stop kept', "SELECT count(*) FROM @.stops WHERE stop_id ="
                   " 'STN_CENTRAL_B' AND parent_station = 'NOPE'", '1')])
    text, n, _ = setf('agency.txt', 'LVT,', 'agency_timezone', 'Mars/Base')
    t1 = [d['trip_id'] for _, d in tr if d['route_id'] == 'T1']
    add('invalid_timezone', {'agency.txt': text},
        [N('invalid_timezone', E, KEPT, 'agency.txt', n, 'agency_timezone', 'Mars/Base')],
        sql=[('LVT kept', "SELECT agency_timezone FROM @.agency WHERE agency_id = 'LVT'",
              'Mars/Base'),
             ('its trips kept', "SELECT count(*) FROM @.trips WHERE route_id = 'T1'",
              str(len(t1)))])
    # names the server takes as TimeZone that pg_timezone_names does not
    # list are notices too: another case, a POSIX specification
    for name, tz in (('invalid_timezone_case', 'america/toronto'),
                     ('invalid_timezone_posix', '<+05>-05')):
        text, n, _ = setf('agency.txt', 'LVT,', 'agency_timezone', tz)
        add(name, {'agency.txt': text},
            [N('invalid_timezone', E, KEPT, 'agency.txt', n, 'agency_timezone', tz)])
    # the same bad name in two files: a notice per column at its first line,
    # with its count; the good names beside it (some with a digit, which the
    # server's list decides) none
    text, n, _ = setf('agency.txt', 'LVT,', 'agency_timezone', 'Mars/Base')
    stops, bad = stops_with_timezones(['Mars/Base', 'GMT', 'EST5EDT', 'Mars/Base',
                                       'Etc/GMT+5', 'Europe/Paris', 'UTC'])
    add('invalid_timezone_two_files', {'agency.txt': text, 'stops.txt': stops},
        [N('invalid_timezone', E, KEPT, 'agency.txt', n, 'agency_timezone', 'Mars/Base',
           msg=r'\(1 rows\)'),
         N('invalid_timezone', E, KEPT, 'stops.txt', bad, 'stop_timezone', 'Mars/Base',
           msg=r'\(2 rows\)')],
        sql=[('the stops kept', "SELECT count(*) FROM @.stops WHERE"
              " stop_timezone = 'Mars/Base'", '2')])
    add('malformed_json', {'locations.geojson': '{"type": "FeatureCollection", "features": ['},
        [N('malformed_json', E, FILE_SKIPPED, 'locations.geojson')])
    add('duplicate_geo_json_key', {'locations.geojson': geojson('Z1', 'Z2', 'Z1')},
        [N('duplicate_geo_json_key', E, ASIDE, 'locations.geojson')],
        aside={'locations.geojson': 1},
        sql=[('Z1 once, Z2', "SELECT string_agg(id, ',' ORDER BY id) FROM @.locations",
              'Z1,Z2')])
    # one bad feature is set aside alone, the feature as its record
    loaded = ('the others loaded', "SELECT string_agg(id, ',' ORDER BY id) FROM @.locations",
              'Z1,Z3')
    add('missing_required_element',
        {'locations.geojson': geojson('Z1', feature(None, 1), feature(None, 2), 'Z3')},
        [N('missing_required_element', E, ASIDE, 'locations.geojson', None, 'id', None,
           msg='feature [23] has no id', count=2)],
        aside={'locations.geojson': 2}, sql=[loaded])
    add('unsupported_geometry_type',
        {'locations.geojson': geojson('Z1', feature('Z2', 1, {
            'type': 'Point', 'coordinates': [-73.5, 45.5]}), 'Z3')},
        [N('unsupported_geometry_type', E, ASIDE, 'locations.geojson', None, 'geometry',
           'Point', msg='feature 2: geometry of type Point')],
        aside={'locations.geojson': 1}, sql=[loaded])
    add('invalid_geometry',
        {'locations.geojson': geojson('Z1', feature('Z2', 1, {
            'type': 'Polygon', 'coordinates': 'x'}), 'Z3')},
        [N('invalid_geometry', E, ASIDE, 'locations.geojson', None, 'geometry', 'Polygon',
           msg='feature 2: invalid geometry: .*not an array')],
        aside={'locations.geojson': 1}, sql=[loaded])
    add('id_too_long_geojson', {'locations.geojson': geojson('Z1', 'L' * 5000, 'Z3')},
        [N('id_too_long', E, ASIDE, 'locations.geojson', None, 'id', 'L' * 5000,
           msg='feature 2: id of 5000 bytes')],
        aside={'locations.geojson': 1}, sql=[loaded])


    # ---- found by the load's SQL (timetable.c), as the table of kinds says
    cal = S('calendar.txt')
    check('SAT,0,0,0,0,0,1,0,20260103,20261226' in cal and
          'SUN,0,0,0,0,0,0,1,20260104,20261227' in cal, 'setup: calendar.txt')
    add('start_and_end_range_out_of_order',
        {'calendar.txt': cal.replace('20260103,20261226', '20260103,20251226')},
        [N('start_and_end_range_out_of_order', E, KEPT, 'calendar.txt', 3, 'end_date',
           '20251226')],
        )
    add('service_extends_far_in_the_future',
        {'calendar.txt': cal.replace('20260104,20261227', '20260104,20991227')},
        [N('service_extends_far_in_the_future', I, KEPT, 'calendar.txt', 4, 'end_date',
           '20991227')])

    # ---- kinds of the table that the cases above do not give
    header, rows = g.rows_of(SAMPLE, 'stops.txt')
    text = ''.join(g.csv_line(r + [v]) + '\n' for r, v in
                   [(header, 'caf\udce9')] + [(r, 'c' + r[0]) for r in rows])
    add('invalid_utf8_column_name',
        {'stops.txt': text.encode('utf-8', 'surrogateescape')},
        [N('invalid_utf8', E, KEPT, 'stops.txt', 1, None)],
        sql=[('its values kept', "SELECT extra->>'column_%d' FROM @.stops WHERE stop_id = 'P05'"
              % (len(header) + 1), 'cP05')])
    header, rows = g.rows_of(SAMPLE, 'trips.txt')
    long_name = 'a_column_whose_name_is_longer_than_the_sixty_three_bytes_of_a_name'
    text = ''.join(g.csv_line(r + [v]) + '\n' for r, v in
                   [(header, long_name)] + [(r, 'l' + r[2]) for r in rows])
    add('column_name_too_long', {'trips.txt': text},
        [N('column_name_too_long', W, KEPT, 'trips.txt', 1, long_name)])
    add('reserved_column_name', {'notes.txt': 'note_id,xmin\n1,first\n2,second\n'},
        [N('reserved_column_name', W, KEPT, 'notes.txt', 1, 'xmin'),
         N('unknown_file', I, KEPT, 'notes.txt', None)],
        sql=[('xmin kept as xmin_2', "SELECT string_agg(xmin_2, '|' ORDER BY note_id)"
              " FROM @.notes", 'first|second')])
    add('too_many_columns', {'wide.txt': ','.join('c%d' % i for i in range(401)) + '\n'
                                         + ','.join('v%d' % i for i in range(401)) + '\n'},
        [N('too_many_columns', E, FILE_SKIPPED, 'wide.txt', 1),
         N('unknown_file', I, KEPT, 'wide.txt', None)])
    add('too_many_files', dict(('extra_%03d.txt' % i, 'k\n%d\n' % i) for i in range(201)),
        [N('unknown_file', I, KEPT, count=200),
         N('too_many_files', E, FILE_SKIPPED, line=None)])
    add('unnameable_file', {'import_notices.txt': 'a\n1\n'},
        [N('unnameable_file', W, FILE_SKIPPED, 'import_notices.txt', None),
         N('unknown_file', I, KEPT, 'import_notices.txt', None)])
    value_case('id_too_long', 'id_too_long', 'routes.txt', 'R35,', 'route_id', 'R' * 1001,
               action=ASIDE, extra={'foreign_key_violation'})
    text = S('stops.txt')
    n = text.count('\n') + 1
    add('csv_stray_quote', {'stops.txt': text + 'X98,Fo"ur,,45.5,-73.5,,0,,,\n'},
        [N('csv_parsing_failed', E, ASIDE, 'stops.txt', n)], aside={'stops.txt': 1})
    # the south pole has no place in Lambert-93 (EPSG:2154): PROJ fails
    text, n, _ = setf('stops.txt', 'P03,', 'stop_lat', '-90')
    add('point_not_transformed', {'stops.txt': text},
        [N('point_not_transformed', E, NULLED, 'stops.txt', n, 'geom', '-90')],
        args=['--srid', '2154'], database='srid2154',
        sql=[('P03 kept, geom NULL', "SELECT count(*) FROM @.stops WHERE stop_id = 'P03'"
              " AND geom IS NULL AND stop_lat = -90", '1')])
    # a row whose extra columns, JSON-escaped (\u0001: six bytes a byte),
    # pass what a row may take in the COPY: set aside, as written
    header, rows = g.rows_of(SAMPLE, 'stops.txt')
    wide = io.StringIO()
    w = csv.writer(wide, lineterminator='\n')
    w.writerow(header + ['junk_a', 'junk_b', 'junk_c'])
    w.writerows(r + [''] * 3 for r in rows)
    n = wide.getvalue().count('\n') + 1
    big = ['BIG'] + [''] * (len(header) - 1) + ['\x01' * 1_000_000] * 3
    w.writerow(big)
    add('row_too_large', {'stops.txt': wide.getvalue()},
        [N('row_too_large', E, ASIDE, 'stops.txt', n, 'junk_c', None,
           msg='more than 16777216', record=big)],
        aside={'stops.txt': 1}, extra={'unknown_column'},
        sql=[('the other stops loaded', 'SELECT count(*) FROM @.stops', str(len(rows)))])

    # ---- clean: every field quoted, quotes doubled, commas and line breaks
    # in quoted fields: no notice at all
    header, rows = g.rows_of(SAMPLE, 'stops.txt')
    rows[5][2] = 'Quoted "name", with a comma\nand a line break'
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator='\r\n').writerows([header] + rows)
    add('clean_quoted', {'stops.txt': buf.getvalue()}, [],
        sql=[('the quoted name', 'SELECT stop_name FROM @.stops WHERE stop_id = %s'
              % ql(rows[5][0]), rows[5][2])])
    return out

CASES = {}

def get_case(name):
    if not CASES:
        CASES.update((c.name, c) for c in cases())
    return CASES[name]

def case_schema(name):
    return ('g_' + name)[:60]

def run_case(case):
    feed = case.feed()
    schema = case_schema(case.name)
    # the reading's policy alone: the validator's rules, which a defect
    # rightly sets off too, have their cases in tests/rules.py
    r, rep = load_default(feed, schema, '--no-validate', *case.args)
    notices = notices_of(schema)
    problems = shape_problems(notices)
    used = set()
    for want in case.expect:
        hits = [k for k, n in enumerate(notices) if want.matches(n)]
        used.update(hits)
        if len(hits) != want.count:
            near = [show(n) for n in notices if n.code == want.code]
            problems.append('%d notices %r, not %d; %s ones: %s'
                            % (len(hits), want, want.count, want.code, near[:5] or 'none'))
    others = [show(n) for k, n in enumerate(notices)
              if k not in used and n.code not in case.extra]
    if others:
        problems.append('other notices: %s' % others[:8])
    aside = collections.Counter(n.file for n in notices if n.action == ASIDE)
    if dict(aside) != case.aside:
        problems.append('rows set aside %r, expected %r (nothing cascades)'
                        % (dict(aside), case.aside))
    problems += identity_problems(schema, feed, notices)
    for what, sql, want in case.sql:
        got = query(sql.replace('@', qi(schema)))
        if got != [(want,)]:
            problems.append('%s: %r, expected %r' % (what, got, want))
    problems += output_problems(schema, r, rep, notices)
    check(not problems, '\n'.join(problems) + '\n# stderr: ' + r.stderr.strip()[-800:])
    return feed, notices

def strict_case(case, feed, notices):
    """--strict: refused with the error on stderr and VICTIM unchanged when
    the feed gave an error notice; else loaded."""
    errors = [n for n in notices if n.severity == E]
    name = os.path.basename(feed.rstrip('/'))
    if not errors:
        r = g.run('-s', case_schema(case.name) + '_s', '--strict', '--no-validate',
                  *case.args, feed)
        check(r.returncode == 0, '--strict on a feed with warnings/infos only: '
              + describe(r))
        return
    fl.need_victim()
    before = fl.snapshot(fl.VICTIM)
    r = g.run('-s', fl.VICTIM, '--strict', *case.args, feed)
    problems = strict_refusal_problems(feed, fl.VICTIM, errors, r, before)
    lines = g.error_lines(r.stderr, name)
    # the defect itself (listed first); its consequences (a foreign key to a
    # row set aside...) may be found by checks --strict does not reach
    for want in case.expect[:1]:
        if want.severity != E or want.file is ANY or want.file is None:
            continue
        hits = [l for l in lines if l[0] == want.file]
        if isinstance(want.line, int):
            # LINE: the physical line of the field COLUMN names (the
            # record's first line but in a record with line breaks)
            col, span = None, [want.line]
            path = os.path.join(feed, want.file)
            if want.file.endswith('.txt') and os.path.isfile(path):
                member = it.Member(want.file, lambda: open(path, 'rb'), 0)
                recs = dict(csv_records(member))
                header = [h.strip(' \t') for h in recs.get(1, [])]
                rec = recs.get(want.line, [])
                if isinstance(want.column, str) and want.column in header:
                    col = header.index(want.column) + 1
                    if want.code == 'duplicated_column':
                        # the column that repeats the name: its last one
                        col = len(header) - header[::-1].index(want.column)
                    span = [want.line + sum(f.count('\n') for f in rec[:col - 1])]
                else:
                    span = list(range(want.line, want.line + 1 + sum(f.count('\n')
                                                                      for f in rec)))
            hits = [l for l in hits if l[1] in span]
            if col is not None:
                hits = [l for l in hits if l[2] == col]
            where = '%s:%s%s' % (want.file, span[0] if len(span) == 1 else span,
                                 '' if col is None else ':%d' % col)
        else:
            where = want.file
        if not hits:
            problems.append('--strict: no "gtfs2pgsql: %s:%s: error:" line for %r'
                            % (name, where, want))
    check(not problems, '\n'.join(problems) + '\n# stderr: ' + r.stderr.strip()[-1500:])

def gen_test(name):
    def fn():
        case = get_case(name)
        if case.database:
            # a database of its own (another SRID): --strict, whose schema
            # to keep is in the test database, is not run
            with it.OtherDatabase(case.database):
                run_case(case)
            return
        feed, notices = run_case(case)
        if case.strict:
            strict_case(case, feed, notices)
    it.TESTS.append(('gen_' + name, fn, True))

CASE_NAMES = [
    'invalid_integer_enum', 'invalid_integer_time', 'invalid_integer_key', 'invalid_float',
    'invalid_float_longitude', 'invalid_date', 'invalid_date_key', 'invalid_time',
    'invalid_time_key', 'invalid_float_price', 'invalid_currency_amount',
    'number_out_of_range_latitude',
    'number_out_of_range_longitude', 'number_out_of_range_sign', 'unexpected_enum_value',
    'unexpected_enum_value_location_type', 'invalid_color', 'invalid_color_short',
    'invalid_url', 'invalid_email', 'invalid_language_code', 'invalid_currency',
    'invalid_utf8', 'nul_byte', 'invalid_utf8_key', 'missing_required_field_key',
    'missing_required_field', 'missing_required_field_in_composite_key',
    'invalid_row_length', 'invalid_row_length_multiline',
    'invalid_row_length_short', 'point_near_origin', 'missing_required_column',
    'duplicated_column', 'empty_column_name', 'unknown_column', 'unknown_file',
    'unknown_file_other', 'missing_required_file_agency', 'missing_required_file_routes',
    'missing_required_file_trips', 'missing_required_file_stop_times',
    'missing_required_file_stops', 'missing_calendar_and_calendar_date_files',
    'stops_optional_with_locations', 'empty_file_required', 'empty_file_agency',
    'empty_file_no_header', 'leading_or_trailing_whitespaces',
    'leading_or_trailing_whitespaces_blank', 'leading_or_trailing_whitespaces_quoted',
    'leading_or_trailing_whitespaces_tab', 'non_ascii_or_non_printable_char',
    'invalid_character',
    'csv_parsing_failed_field_over_1mib', 'csv_parsing_failed_row_over_4mib',
    'csv_parsing_failed_100k_fields', 'zip_trailing_bytes', 'zip_leading_bytes',
    'duplicate_key', 'duplicate_key_composite', 'duplicate_key_multiline',
    'duplicate_key_leading_zero', 'foreign_key_stop', 'foreign_key_stop_time_trip',
    'foreign_key_trip_route', 'foreign_key_trip_service', 'foreign_key_trip_shape',
    'foreign_key_parent_station', 'invalid_timezone', 'invalid_timezone_case',
    'invalid_timezone_posix', 'invalid_timezone_two_files', 'malformed_json',
    'duplicate_geo_json_key', 'missing_required_element', 'unsupported_geometry_type',
    'invalid_geometry', 'id_too_long_geojson', 'clean_quoted', 'invalid_utf8_column_name',
    'column_name_too_long', 'reserved_column_name', 'too_many_columns', 'too_many_files',
    'unnameable_file', 'id_too_long', 'csv_stray_quote', 'point_not_transformed',
    'start_and_end_range_out_of_order', 'service_extends_far_in_the_future',
    'row_too_large',
]
for _name in CASE_NAMES:
    gen_test(_name)

@test()
def gen_cases_all_registered():
    """Every generated case has its test (the list above is kept by hand)."""
    names = [c.name for c in cases()]
    check(len(names) == len(set(names)), 'a case name twice: %r'
          % [n for n in names if names.count(n) > 1])
    check(sorted(names) == sorted(CASE_NAMES), 'cases without a test: %r; tests without'
          ' a case: %r' % (sorted(set(names) - set(CASE_NAMES)),
                           sorted(set(CASE_NAMES) - set(names))))
    codes = {n.code for c in cases() for n in c.expect}
    # the archive's codes are given by hostile.py's tests (SOURCE_KINDS)
    table = set(table_policy()) - {'zip_inconsistent', 'invalid_input_files_in_subfolder',
                             'file_name_not_utf8', 'unreadable_file'}
    check(codes == table, 'codes of the table no case gives: %r; codes not in the'
          ' table: %r' % (sorted(table - codes), sorted(codes - table)))

# ---------------------------------------------- the table of kinds decides

def table_kinds():
    """{kind name: (code, severity, default rules)} of src/gtfs/notice.c's table."""
    text = source_text('src/gtfs/notice.c')
    table = text[text.index('static const NoticeKindInfo kinds[NK_COUNT]'):]
    table = table[:table.index('};')]
    out = {}
    for m in re.finditer(r'\[NK_\w+\] = \{\s*"(\w+)",\s*"(\w+)",\s*(\w+),', table):
        out[m.group(1)] = (m.group(2), m.group(3))
    check(out, 'no kind found in src/gtfs/notice.c')
    return out

# Each kind of the table: the generated case that gives it (its code, with
# the action of its rule for that case's context); SOURCE_KINDS: those of
# the archive, met by source.c, and of a feature jsonb cannot hold, each
# given by a test of tests/hostile.py (or the helper its tests share) that
# builds such an input.
KIND_CASES = {
    'invalid_integer': 'invalid_integer_enum', 'invalid_float': 'invalid_float',
    'invalid_date': 'invalid_date', 'invalid_time': 'invalid_time',
    'invalid_currency_amount': 'invalid_currency_amount',
    'coordinate_out_of_range': 'number_out_of_range_latitude',
    'sign_out_of_range': 'number_out_of_range_sign',
    'unexpected_enum_value': 'unexpected_enum_value', 'invalid_color': 'invalid_color',
    'invalid_url': 'invalid_url', 'invalid_email': 'invalid_email',
    'invalid_language_code': 'invalid_language_code', 'invalid_currency': 'invalid_currency',
    'invalid_utf8': 'invalid_utf8', 'missing_required_field': 'missing_required_field_key',
    'id_too_long': 'id_too_long', 'row_too_large': 'row_too_large',
    'point_near_origin': 'point_near_origin',
    'point_not_transformed': 'point_not_transformed', 'row_too_long': 'invalid_row_length',
    'csv_stray_quote': 'csv_stray_quote', 'duplicate_key': 'duplicate_key',
    'duplicate_geo_json_key': 'duplicate_geo_json_key', 'row_too_short': 'invalid_row_length_short',
    'missing_required_column': 'missing_required_column',
    'duplicated_column': 'duplicated_column', 'empty_column_name': 'empty_column_name',
    'invalid_utf8_column_name': 'invalid_utf8_column_name',
    'long_column_name': 'column_name_too_long', 'reserved_column_name': 'reserved_column_name',
    'unknown_column': 'unknown_column', 'too_many_columns': 'too_many_columns',
    'unknown_txt_file': 'unknown_file', 'unknown_member': 'unknown_file_other',
    'unnameable_file': 'unnameable_file', 'too_many_files': 'too_many_files',
    'missing_required_file': 'missing_required_file_stops',
    'missing_calendar': 'missing_calendar_and_calendar_date_files',
    'empty_file': 'empty_file_required',
    'csv_parsing_failed': 'csv_parsing_failed_field_over_1mib',
    'leading_or_trailing_whitespaces': 'leading_or_trailing_whitespaces',
    'non_ascii_id': 'non_ascii_or_non_printable_char',
    'invalid_character': 'invalid_character',
    'malformed_json': 'malformed_json', 'zip_trailing_bytes': 'zip_trailing_bytes',
    'foreign_key_violation': 'foreign_key_stop', 'invalid_timezone': 'invalid_timezone',
    'missing_required_element': 'missing_required_element',
    'unsupported_geometry_type': 'unsupported_geometry_type',
    'invalid_geometry': 'invalid_geometry',
    'start_and_end_range_out_of_order': 'start_and_end_range_out_of_order',
    'service_extends_far_in_the_future': 'service_extends_far_in_the_future',
}
SOURCE_KINDS = {
    'zip_inconsistent': 'zip_local_headers_disagree',
    'file_in_subfolder': 'zip_files_twice_root_is_the_feed',
    'file_name_not_utf8': 'check_not_utf8_member',
    'unreadable_file': 'unreadable_member_skipped_with_a_notice',
    'malformed_json_feature': 'geojson_unescapable_feature_set_aside_alone',
}

@test(db=False)
def kinds_all_have_cases():
    """Every kind of the table is given by a generated case (an archive's,
    by a test of hostile.py that looks for its code); no case names a kind
    the table lacks."""
    kinds = table_kinds()
    missing = sorted(set(kinds) - set(KIND_CASES) - set(SOURCE_KINDS))
    check(not missing, 'kinds of src/gtfs/notice.c without a case: %r' % missing)
    stale = sorted(set(KIND_CASES) - set(kinds))
    check(not stale, 'cases for kinds src/gtfs/notice.c lacks: %r' % stale)
    bad = []
    for kind, name in sorted(KIND_CASES.items()):
        code = kinds[kind][0]
        if name not in CASE_NAMES:
            bad.append('%s: no case %s' % (kind, name))
        elif code not in {n.code for n in get_case(name).expect}:
            bad.append('%s: case %s does not expect code %s' % (kind, name, code))
    hostile = source_text('tests/hostile.py')
    for kind, name in sorted(SOURCE_KINDS.items()):
        m = re.search(r'\ndef %s\(.*?\):\n(.*?)(?:\n@test|\ndef |\Z)' % name, hostile,
                      re.S)
        if kind not in kinds:
            bad.append('%s: not a kind of src/gtfs/notice.c' % kind)
        elif not m or kinds[kind][0] not in m.group(1):
            bad.append('%s: hostile.py has no test %s looking for code %s'
                       % (kind, name, kinds[kind][0]))
    check(not bad, '; '.join(bad))

POLICY_PROG = os.environ.get('GTFS2PGSQL_POLICY_PROG', './build/policy-test/gtfs2pgsql')

def run_policy(policy, *args, prog=POLICY_PROG):
    """The program (the test build by default) with GTFS2PGSQL_POLICY set."""
    if not os.path.exists(prog):
        raise AssertionError('no %s: make %s' % (prog, prog.lstrip('./')))
    env = dict(os.environ, GTFS2PGSQL_POLICY=policy)
    return subprocess.run([prog, '-d', it.DB] + [str(a) for a in args], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors='replace', timeout=600)

def url_case_feed():
    """The invalid_url case's feed (agency RVT's agency_url 'not a url')."""
    return get_case('invalid_url').feed()

@test()
def policy_rule_changed_in_test_build():
    """The table decides: the test build with invalid_url's rule changed
    from kept to row_set_aside sets agency RVT aside, with its record; the
    real program reads no such variable and keeps it."""
    feed = url_case_feed()
    r = run_policy('invalid_url=row_set_aside', '-s', 'policy_aside', feed)
    check(r.returncode == 0, describe(r))
    got = query("SELECT action, record IS NOT NULL FROM %s WHERE code = 'invalid_url'"
                % rel('policy_aside', 'import_notices'))
    check(got == [('row_set_aside', 't')], 'invalid_url notices: %r' % (got,))
    check(value("SELECT count(*) FROM %s WHERE agency_id = 'RVT'"
                % rel('policy_aside', 'agency')) == '0', 'RVT still loaded')
    problems = identity_problems('policy_aside', feed, notices_of('policy_aside'))
    check(not problems, '\n'.join(problems))
    r = run_policy('invalid_url=row_set_aside', '-s', 'policy_real', feed, prog=it.PROG)
    check(r.returncode == 0, describe(r))
    check(value("SELECT count(*) FROM %s WHERE agency_id = 'RVT'"
                % rel('policy_real', 'agency')) == '1',
          'the real program read GTFS2PGSQL_POLICY')

@test()
def policy_value_nulled_in_test_build():
    """invalid_url switched to value_nulled: RVT loaded, its URL NULL, the
    notice says value_nulled and its message so."""
    feed = url_case_feed()
    r = run_policy('invalid_url=value_nulled', '-s', 'policy_nulled', feed)
    check(r.returncode == 0, describe(r))
    got = query("SELECT action, message FROM %s WHERE code = 'invalid_url'"
                % rel('policy_nulled', 'import_notices'))
    check(len(got) == 1 and got[0][0] == 'value_nulled' and 'loaded as NULL' in got[0][1],
          'invalid_url notices: %r' % (got,))
    check(value("SELECT count(*) FROM %s WHERE agency_id = 'RVT' AND agency_url IS NULL"
                % rel('policy_nulled', 'agency')) == '1', 'RVT not loaded with a NULL URL')

@test()
def policy_feed_refused_in_test_build():
    """unknown_column switched to feed_refused: exit 1, the defect on
    stderr, no schema; a rule the load cannot carry out (invalid_date=kept)
    is refused with a warning and changes nothing."""
    r = run_policy('unknown_column=feed_refused', '-s', 'policy_refused',
                   get_case('unknown_column').feed())
    check(r.returncode == 1 and 'the feed is refused' in r.stderr and
          'feed rejected' in r.stderr, describe(r))
    check(not query("SELECT 1 FROM pg_namespace WHERE nspname = 'policy_refused'"),
          'schema policy_refused made')
    r = run_policy('invalid_date=kept', '-s', 'policy_bounds', get_case('invalid_date').feed())
    check(r.returncode == 0 and 'GTFS2PGSQL_POLICY: no rule "invalid_date=kept"' in r.stderr,
          describe(r))
    got = query("SELECT action FROM %s WHERE code = 'invalid_date'"
                % rel('policy_bounds', 'import_notices'))
    check(got == [('value_nulled',)], 'invalid_date notices: %r' % (got,))


# ------------------------------------------------------ the clean sample

@test()
def clean_sample_no_notices():
    """The sample: import_notices there with the policy's columns, empty; no
    notice block on stderr; the report and the registry say none."""
    schema = 'clean_sample'
    r, rep = load_default(SAMPLE, schema)
    types = it.table_types(schema, 'import_notices')
    check(list(types.items()) == NOTICE_COLUMNS,
          'import_notices columns %r, not %r' % (list(types.items()), NOTICE_COLUMNS))
    notices = notices_of(schema)
    check(not notices, 'notices on the clean sample: %s' % [show(n) for n in notices[:10]])
    check(notice_block(r.stderr) is None, 'a notice block for a clean feed: ' + describe(r))
    problems = output_problems(schema, r, rep, notices)
    problems += identity_problems(schema, SAMPLE, notices)
    check(rep.get('notices') == [], 'report notices %r' % rep.get('notices'))
    check(not problems, '\n'.join(problems))

@test()
def stderr_notice_block_form():
    """The block as the policy gives it: a heading, then one line per
    (severity, code) with the count, and under it its notices."""
    text = S('calendar_dates.txt')
    last = text.rstrip('\n').split('\n')[-1]
    n = text.count('\n') + 1
    d = g.make_feed('block_form', {'calendar_dates.txt': text + last + '\n' + last + '\n',
                                    'notes.txt': 'a\n1\n'})
    r = g.run('-s', 'block_form', d)
    check(r.returncode == 0, describe(r))
    lines = r.stderr.splitlines()
    heads = [k for k, l in enumerate(lines) if re.match(BLOCK_HEAD, l)]
    check(len(heads) == 1 and re.match(BLOCK_HEAD, lines[heads[0]]).group(1) == 'block_form',
          'no line "gtfs2pgsql: notices (in block_form.import_notices):"; stderr begins: '
          + r.stderr[:400])
    got = block_samples(r.stderr)
    dup, info = got.get(('error', 'duplicate_key')), got.get(('info', 'unknown_file'))
    key = ', '.join(last.split(',')[:2])
    check(len(got) == 2 and dup and info and dup[0] == 2 and dup[2] is None
          and dup[1] == ['calendar_dates.txt:%d: duplicate key (%s): first at line %d'
                         % (line, key, n - 1) for line in (n, n + 1)]
          and info[0] == 1 and len(info[1]) == 1 and info[1][0].startswith('notes.txt: ')
          and info[2] is None,
          'the lines after the heading are not "  error    duplicate_key    2", '
          '"      calendar_dates.txt:%d: duplicate key (%s): first at line %d", ..., '
          '"  info    unknown_file    1", "      notes.txt: ...": %r'
          % (n, key, n - 1, lines[heads[0] + 1:heads[0] + 7]))

@test()
def stderr_notice_says_what():
    """Issue 23, 2: a reference to a stop that is not there shows on stderr
    with its place, field, value and message, as import_notices has it."""
    text, line, _ = setf('stop_times.txt', 'R10-WKDY-0-0530,5:32:00', 'stop_id', 'NOWHERE')
    d = g.make_feed('says_what', {'stop_times.txt': text})
    r = g.run('-s', 'says_what', d)
    check(r.returncode == 0, describe(r))
    row = query("SELECT file, line, \"column\", value, message FROM says_what.import_notices"
                " WHERE code = 'foreign_key_violation'")
    check(row == [('stop_times.txt', str(line), 'stop_id', 'NOWHERE',
                   'stop_id "NOWHERE" is not in stops.txt (1 rows)')],
          'import_notices: %r' % row)
    fk = block_samples(r.stderr).get(('error', 'foreign_key_violation'))
    want = 'stop_times.txt:%d: stop_id "NOWHERE" is not in stops.txt (1 rows)' % line
    check(fk == (1, [want], None),
          'no "      %s" under "  error   foreign_key_violation   1": %s' % (want, describe(r)))

@test()
def stderr_notice_first_three():
    """Issue 23, 2: of ten notices of one code, stderr shows the first three,
    then how many more and a query that lists all ten; -q shows none."""
    rows = list(csv.reader(io.StringIO(S('stops.txt'), newline='')))
    col = rows[0].index('stop_lon')
    for row in [row for row in rows[1:]
                if row[col] and not any('\n' in v for v in row)][:10]:
        row[col] = ' ' + row[col]
    d = g.make_feed('first_three', {'stops.txt': ''.join(g.csv_line(row) + '\n'
                                                          for row in rows)})
    r = g.run('-s', 'first_three', d)
    check(r.returncode == 0, describe(r))
    got = block_samples(r.stderr).get(('warning', 'leading_or_trailing_whitespaces'))
    check(got is not None and got[0] == 10 and len(got[1]) == 3,
          'not 10 leading_or_trailing_whitespaces with three shown: %s' % describe(r))
    check(all(re.match(r'stops\.txt:\d+: stop_lon " -?[\d.]+" has spaces', l) for l in got[1]),
          'the notices shown do not give place, field, value and message: %r' % got[1])
    m = re.match(BLOCK_MORE, '      ' + (got[2] or ''))
    check(m and m.group(1) == '7' and m.group(2) == 'first_three',
          'no "and 7 more: SELECT * FROM first_three.import_notices WHERE code = ...": %r'
          % (got[2],))
    listed = query(got[2].split(': ', 1)[1].replace('*', 'line', 1))
    check(len(listed) == 10, 'the query given lists %d notices, not 10' % len(listed))
    r = g.run('-q', '-s', 'first_three', d)
    check(r.returncode == 0 and 'notices' not in r.stderr, '-q: ' + describe(r))

@test()
def stderr_notice_long_file_name_cut():
    """A zip member of a 2000-byte name (a hostile zip) shows cut on
    stderr, as a long value does, not as a line of 2000 characters."""
    d = g.make_feed('long_member', {'N' * 200 + '.txt': 'a\n1\n'})
    z = g.zip_feed(d, names={'N' * 200 + '.txt': 'N' * 2000 + '.txt'})
    r = g.run('-s', 'long_member', z)
    check(r.returncode == 0, describe(r))
    lines = [l for l in r.stderr.splitlines() if 'NNN' in l]
    check(lines and all(len(l) < 400 and 'N' * 60 + '...' in l for l in lines),
          'the member\'s name is not cut: %r' % [l[:100] + '... (%d)' % len(l)
                                                  for l in lines])

@test()
def stderr_notice_schema_quoted():
    """A schema that needs quotes (-s Berlin-VBB) is quoted as the server
    would in the block's heading as in its queries: each runs as printed."""
    rows = list(csv.reader(io.StringIO(S('stops.txt'), newline='')))
    col = rows[0].index('stop_lon')
    for row in [row for row in rows[1:]
                if row[col] and not any('\n' in v for v in row)][:5]:
        row[col] = ' ' + row[col]
    d = g.make_feed('schema_quoted', {'stops.txt': ''.join(g.csv_line(row) + '\n'
                                                            for row in rows)})
    r = g.run('-s', 'Berlin-VBB', d)
    check(r.returncode == 0, describe(r))
    head = [l for l in r.stderr.splitlines() if l.startswith('gtfs2pgsql: notices (')]
    check(head == ['gtfs2pgsql: notices (in "Berlin-VBB".import_notices):'],
          'the heading does not quote the schema: %r' % head)
    more = block_samples(r.stderr).get(('warning', 'leading_or_trailing_whitespaces'))
    check(more and more[2] and len(query(more[2].split(': ', 1)[1])) == 5,
          'the query does not list the 5 notices: %r' % (more,))
    check(value('SELECT count(*) FROM %s' % head[0].split('(in ')[1][:-2]) == '5',
          'the table the heading names does not hold the notices')

@test()
def strict_clean_sample():
    r = g.run('-q', '-s', 'strict_clean', '--strict', SAMPLE)
    check(r.returncode == 0, describe(r))
    fl.check_whole(SAMPLE, 'strict_clean')
    check('strict=yes' in value('SELECT options FROM gtfs2pgsql.feeds WHERE schema_name = %s'
                                % ql('strict_clean')).split(),
          'registry options: %r' % value('SELECT options FROM gtfs2pgsql.feeds'
                                         " WHERE schema_name = 'strict_clean'"))

@test()
def strict_max_errors():
    """--strict lists at most --max-errors errors, then the count of all."""
    text = S('stop_times.txt')
    lines = text.split('\n')
    header = next(csv.reader([lines[0]]))
    col = header.index('stop_id')
    want = []
    for k in range(10):
        row = next(csv.reader([lines[1 + 3 * k]]))
        row[col] = 'NOPE%d' % k
        lines[1 + 3 * k] = g.csv_line(row)
        want.append(2 + 3 * k)
    d = g.make_feed('strict_ten', {'stop_times.txt': '\n'.join(lines)})
    r = fl.check_refused(d, 'stop_times.txt', want[0], col + 1, r'NOPE0', '--strict',
                         '--max-errors', 4)
    got = [e[1] for e in g.error_lines(r.stderr, 'strict_ten')]
    check(got == want[:4], 'error lines %r, not %r: %s' % (got, want[:4], describe(r)))
    check(rejected_count(r.stderr) == 10, 'no "feed rejected: 10 errors": ' + describe(r))

# ------------------------------------- quotes over line ends (issue 22, 1)

def line_problems(schema, file, text, first, key, records):
    """Every line of text from line first on is a row of file's table
    (key[1](line text) among the values of the SQL expression key[0]) or
    the record of a row_set_aside notice at its line, as written; rows +
    set aside = records.  Returns the problems found."""
    expr, of_line = key
    table = rel(schema, file[:-4])
    loaded = collections.Counter(r[0] for r in query('SELECT %s FROM %s' % (expr, table)))
    aside = {n.line: n for n in notices_of(schema)
             if n.file == file and n.action == ASIDE}
    problems = []
    lines = [l for l in text.split('\n')]
    for i, l in enumerate(lines[first - 1:], start=first):
        if not l.strip():
            continue
        if i in aside:
            if aside[i].record != l:
                problems.append('line %d set aside with record %r, not %r'
                                % (i, aside[i].record, l))
        elif loaded[of_line(l)] != 1:
            problems.append('line %d (%r) in neither a row nor a notice' % (i, l))
    stray = sorted(n for n in aside if n < first)
    if stray:
        problems.append('lines set aside before %d: %r' % (first, stray))
    rows = int(value('SELECT count(*) FROM %s' % table))
    if rows + len(aside) != records:
        problems.append('%d rows + %d set aside != %d records' % (rows, len(aside), records))
    return problems

STOP_KEY = ('stop_id', lambda l: l.split(',')[0])

def quote_stops(lines):
    """The sample's stops.txt with lines added: (text, first added line,
    records: the sample's and one per line added)."""
    text = S('stops.txt').rstrip('\n')
    return (text + '\n' + '\n'.join(lines) + '\n', text.count('\n') + 2,
            len(member_lines(SAMPLE, 'stops.txt')) + len(lines))

@test()
def quote_stray_opening():
    """The red team's five lines: S2's opening quote swallowed S3 up to
    S4's quote (2 loaded + 1 set aside of 5).  Each line is now a row or a
    broken record with its line: S1, S3 and S5 loaded, S2 and S4 set
    aside."""
    text, first, records = quote_stops(['S1,,One,,45.5,-73.5,,0,,,', 'S2,,"Two,,45.5,-73.5,,0,,,',
                               'S3,,Three,,45.5,-73.5,,0,,,', 'S4,,Fo"ur,,45.5,-73.5,,0,,,',
                               'S5,,Five,,45.5,-73.5,,0,,,'])
    # the reader's notices alone (--no-validate: a stop whose line is set
    # aside rightly leaves others without stop times for the rules too)
    load_default(g.make_feed('quote_stray', {'stops.txt': text}), 'quote_stray', '--no-validate')
    problems = line_problems('quote_stray', 'stops.txt', text, first, STOP_KEY, records)
    got = sorted((n.line, n.code) for n in notices_of('quote_stray') if n.action == ASIDE)
    want = [(first + 1, 'csv_parsing_failed'), (first + 3, 'csv_parsing_failed')]
    check(got == want, 'set aside %r, not %r' % (got, want))
    check(not problems, '\n'.join(problems))

@test()
def quote_span_breaks_width():
    """A quoted field over two lines with fewer fields than the header
    (S6's quote closed on S7's line), and one broken on its second line (the
    first line used to be lost): each line set aside alone, with its line;
    the stops after them load."""
    text, first, records = quote_stops(['S6,,"Six,,45.5', 'S7,,Seven",45.5',
                               'S8,,Eight,,45.5,-73.5,,0,,,', 'S9,,"Nine',
                               'more"x,,45.5,-73.5,,0,,,', 'S10,,Ten,,45.5,-73.5,,0,,,'])
    load_default(g.make_feed('quote_width', {'stops.txt': text}), 'quote_width', '--no-validate')
    problems = line_problems('quote_width', 'stops.txt', text, first, STOP_KEY, records)
    got = sorted(n.line for n in notices_of('quote_width') if n.action == ASIDE)
    want = [first, first + 1, first + 3, first + 4]
    check(got == want, 'set aside %r, not %r' % (got, want))
    check(not problems, '\n'.join(problems))

@test()
def quote_multiline_kept():
    """A quoted line break with the header's width is one record, loaded
    as written (the sample's own STN_CENTRAL_A has one)."""
    text, _, _ = quote_stops(['S6,,"Six\nand a half",,45.5,-73.5,,0,,,'])
    load_default(g.make_feed('quote_multiline', {'stops.txt': text}), 'quote_multiline', '--no-validate')
    check(value("SELECT stop_name FROM %s WHERE stop_id = 'S6'"
                % rel('quote_multiline', 'stops')) == 'Six\nand a half', 'S6 not as written')
    check(notices_of('quote_multiline') == [], 'notices: %r'
          % [show(n) for n in notices_of('quote_multiline')])

@test()
def quote_unterminated_stop_times():
    """An unterminated quote near the top of the sample's 320 stop_times
    used to skip the rest of the file (311 of 320 lost): now that line is
    set aside and the 319 others load."""
    lines = S('stop_times.txt').split('\n')
    check(len([l for l in lines[1:] if l]) == 320 and '"' not in ''.join(lines),
          'setup: 320 stop_times without quotes')
    lines[9] = lines[9].replace(',', ',"', 3).replace(',"', ',', 2)
    text = '\n'.join(lines)
    load_default(g.make_feed('quote_unterminated', {'stop_times.txt': text}),
                 'quote_unterminated', '--no-validate')
    key = ("trip_id || ',' || stop_sequence",
           lambda l: ','.join(l.split(',')[i] for i in (0, 4)))
    problems = line_problems('quote_unterminated', 'stop_times.txt', text, 2, key, 320)
    got = [(n.line, n.code, n.action) for n in notices_of('quote_unterminated')
           if n.file == 'stop_times.txt' and n.code == 'csv_parsing_failed']
    check(got == [(10, 'csv_parsing_failed', ASIDE)], 'notices %r' % got)
    check(not problems, '\n'.join(problems))

# ----------------------------------------- a line over a cap (issue 22, H1)

@test()
def cap_field_over_1mib():
    """A field over 1 MiB (CSV_MAX_FIELD) used to skip the rest of its
    file (1 of 27 stops loaded): its line is now set aside whole, as
    written, and every other line loads; the same for a quoted field of
    2 MB on one line."""
    text, first, records = quote_stops(['S1,,One,' + 'x' * 1_100_000 + ',45.5,-73.5,,0,,,',
                                        'S2,,Two,,45.5,-73.5,,0,,,',
                                        'S3,,"' + 'y' * 2_000_000 + '",,45.5,-73.5,,0,,,',
                                        'S4,,Four,,45.5,-73.5,,0,,,'])
    load_default(g.make_feed('cap_field', {'stops.txt': text}), 'cap_field', '--no-validate')
    problems = line_problems('cap_field', 'stops.txt', text, first, STOP_KEY, records)
    got = [(n.line, n.code, n.action, n.message) for n in notices_of('cap_field')
           if n.file == 'stops.txt']
    want = [(first, 'csv_parsing_failed', ASIDE, 'field longer than 1048576 bytes on '
             'line %d, field 4: record set aside' % first),
            (first + 2, 'csv_parsing_failed', ASIDE, 'field longer than 1048576 bytes on '
             'line %d, field 3: record set aside' % (first + 2))]
    check(got == want, 'notices %r' % [g[:2] + (g[3],) for g in got])
    check(not problems, '\n'.join(problems))

@test()
def cap_line_50mb_bounded():
    """A 50 MB line without a line end: set aside with its first 4 MiB
    (CSV_MAX_ROW) as its record, the message saying how many bytes are not
    kept; the peak RSS stays within 10 MB of the clean sample's."""
    head = S('stops.txt').rstrip('\n') + '\n'
    tail = 'S9,,Nine,' + 'w' * 50_000_000
    feed = g.make_feed('cap_line', {'stops.txt': head + tail})
    code, err, rss = measured_load(feed, 'cap_line')
    _, _, clean = measured_load(SAMPLE, 'cap_line_clean')
    check(code == 0, 'exit %d: %s' % (code, err[-800:]))
    line = head.count('\n') + 1
    got = [(n.line, n.code, n.action, len(n.record), n.message)
           for n in notices_of('cap_line') if n.file == 'stops.txt']
    kept = 4 << 20
    want = [(line, 'csv_parsing_failed', ASIDE, kept, 'field longer than 1048576 bytes '
             'on line %d, field 4: record set aside; the record keeps its first %d '
             'bytes, %d more are not kept' % (line, kept, len(tail) - kept))]
    check(got == want, 'notices %r' % got)
    record = [n.record for n in notices_of('cap_line') if n.file == 'stops.txt'][0]
    check(record == tail[:kept], 'the record is not the line\'s first bytes')
    check(value('SELECT count(*) FROM %s' % rel('cap_line', 'stops')) ==
          value('SELECT count(*) FROM %s' % rel('cap_line_clean', 'stops')),
          'stops before the line lost')
    check(rss < clean + 10 * 1024, 'peak RSS %d kB, %d kB clean' % (rss, clean))

@test()
def duplicate_key_record_as_written():
    """The record of a duplicate_key notice, which the check reads again
    from the member, is the line as written: spaces libcsv drops around a
    value are in it (class 3)."""
    text, first, _ = quote_stops(['S1,,One,,45.5,-73.5,,0,,,',
                                  'S1 , ,  One  ,,45.5,-73.5 ,,0,,,'])
    load_default(g.make_feed('dup_written', {'stops.txt': text}), 'dup_written', '--no-validate')
    got = [(n.line, n.record) for n in notices_of('dup_written')
           if n.code == 'duplicate_key']
    want = [(first + 1, 'S1 , ,  One  ,,45.5,-73.5 ,,0,,,')]
    check(got == want, 'duplicate_key notices %r, not %r' % (got, want))

# -------------------------------------------------------- --skip-invalid

@test()
def skip_invalid_is_gone():
    r = g.run('-s', 'skip_gone', '--skip-invalid', SAMPLE)
    check(r.returncode == 1, describe(r))
    check(re.search(r'(?m)^gtfs2pgsql: error: --skip-invalid is gone\b', r.stderr)
          and '--strict' in r.stderr,
          'no "gtfs2pgsql: error: --skip-invalid is gone: ..." mentioning --strict: '
          + describe(r))
    check('skip_gone' not in {x[0] for x in query('SELECT nspname FROM pg_namespace')},
          'schema skip_gone created')

# ---------------------------------------------------------------- memory

MEMORY = {}
BIG_TRIPS, BIG_STOPS = 20_000, 50

def memory_feed(kind):
    """TMP/big-<kind>.zip: 20,000 trips of 50 stop_times; kind 'clean',
    'duplicates' (every stop_times row twice in a row) or 'missing' (every
    stop_time names a stop not in stops.txt, 1,000 distinct ones).  Written
    as a stream; returns (path, distinct missing stop ids)."""
    path = os.path.join(TMP, 'big-%s.zip' % kind)
    missing = set()
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr('agency.txt', 'agency_id,agency_name,agency_url,agency_timezone\n'
                   'A,Big,https://big.example/,America/Toronto\n')
        z.writestr('stops.txt', 'stop_id,stop_name,stop_lat,stop_lon\n' + ''.join(
            'S%d,Stop %d,%.5f,%.5f\n' % (s, s, 45.5 + s / 1000, -73.6 + s / 1000)
            for s in range(BIG_STOPS)))
        z.writestr('routes.txt', 'route_id,agency_id,route_short_name,route_type\n'
                   'R1,A,1,3\n')
        z.writestr('calendar.txt', 'service_id,monday,tuesday,wednesday,thursday,friday,'
                   'saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n')
        with z.open('trips.txt', 'w') as f:
            f.write(b'route_id,service_id,trip_id\n')
            f.write(''.join('R1,WK,T%d\n' % t for t in range(BIG_TRIPS)).encode())
        with z.open('stop_times.txt', 'w', force_zip64=True) as f:
            f.write(b'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n')
            for t in range(BIG_TRIPS):
                base = 5 * 3600 + (t % 1000) * 60
                out = []
                for s in range(BIG_STOPS):
                    secs = base + s * 90
                    hms = '%d:%02d:%02d' % (secs // 3600, secs // 60 % 60, secs % 60)
                    stop = 'S%d' % s
                    if kind == 'missing':
                        stop = 'M%d' % (s + BIG_STOPS * (t % 20))
                        missing.add(stop)
                    line = 'T%d,%s,%s,%s,%d\n' % (t, hms, hms, stop, s + 1)
                    out.append(line)
                    if kind == 'duplicates':
                        out.append(line)
                f.write(''.join(out).encode())
    return path, missing

def measured_load(path, schema):
    """Loads path with the default policy; (exit, stderr, peak RSS in kB
    as GNU time measures it)."""
    tfile = os.path.join(TMP, 'time-%s.txt' % schema)
    # the reader's memory and notices: the rules run in the server
    argv = ['/usr/bin/time', '-f', '%M', '-o', tfile, it.PROG, '-d', it.DB, '-q',
            '--no-validate', '-s', schema, path]
    if not os.access('/usr/bin/time', os.X_OK):
        raise AssertionError('/usr/bin/time absent (apt-get install time)')
    p = subprocess.run(argv, capture_output=True, text=True, errors='replace', timeout=900)
    with open(tfile) as f:
        rss = int(f.read().strip().splitlines()[-1])
    return p.returncode, p.stderr, rss

def memory_run(kind):
    if kind not in MEMORY:
        t0 = time.time()
        path, missing = memory_feed(kind)
        t1 = time.time()
        code, err, rss = measured_load(path, 'big_' + kind)
        t2 = time.time()
        os.remove(path)
        print('# memory %s: generated in %.1f s, loaded in %.1f s, peak RSS %d kB'
              % (kind, t1 - t0, t2 - t1, rss), flush=True)
        check(code == 0, 'loading the %s feed: exit %d, stderr %s' % (kind, code, err[-800:]))
        MEMORY[kind] = (rss, missing)
    return MEMORY[kind]

def memory_compare(kind):
    clean, _ = memory_run('clean')
    rss, _ = memory_run(kind)
    check(rss <= clean * 1.10 + 2048,
          'peak RSS %d kB with %s, %d kB clean: more than 10%% + 2 MB above'
          % (rss, kind, clean))

@test()
def memory_clean():
    memory_run('clean')
    got = query("SELECT (SELECT count(*) FROM big_clean.stop_times),"
                " (SELECT count(*) FROM big_clean.import_notices)")
    check(got == [(str(BIG_TRIPS * BIG_STOPS), '0')], '(stop_times, notices) %r' % got)

@test()
def memory_duplicates():
    memory_compare('duplicates')
    got = query("SELECT (SELECT count(*) FROM big_duplicates.stop_times),"
                " (SELECT count(*) FROM big_duplicates.import_notices WHERE"
                " action = 'row_set_aside' AND file = 'stop_times.txt'"
                " AND code = 'duplicate_key'),"
                " (SELECT count(*) FROM big_duplicates.import_notices)")
    n = str(BIG_TRIPS * BIG_STOPS)
    check(got == [(n, n, n)], '(stop_times, duplicate_key set aside, all notices) %r,'
          ' expected %r' % (got, (n, n, n)))

@test()
def memory_missing_stops():
    memory_compare('missing')
    _, missing = MEMORY['missing']
    got = query("SELECT (SELECT count(*) FROM big_missing.stop_times),"
                " (SELECT count(*) FROM big_missing.import_notices WHERE"
                " code = 'foreign_key_violation' AND file = 'stop_times.txt'"
                " AND \"column\" = 'stop_id'),"
                " (SELECT count(*) FROM big_missing.import_notices)")
    want = (str(BIG_TRIPS * BIG_STOPS), str(len(missing)), str(len(missing)))
    check(got == [want], '(stop_times, foreign_key_violation on stop_id, all notices) %r,'
          ' expected %r' % (got, want))

if __name__ == '__main__':
    it.main()
