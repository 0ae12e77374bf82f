#!/usr/bin/python3
"""
The SQL examples of README.md and of man/*.1 run as written, and give the
answers the documents show.

    tests/with-postgres tests/examples.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database, its closing line).
What is an example, and what its answer:
- README.md: a fenced ```sql block, run by psql; the fenced block right
  after it, if any, is its output as psql prints it (aligned, no footer;
  a line "..." stands for any lines).  In an indented block of shell
  commands, every psql command runs; a command's comment "# prints: X" is
  what it prints (psql: its rows unaligned, without header).
- man/*.1: in an .EX block, every "$ psql" command runs; the lines after a
  command, up to the next "$", are its output as psql prints it.
- A shell block of README.md or man/*.1 that names again.zip or
  sample.zip (the round trips) or bart.zip and caltrain.zip (the layout)
  runs whole, each command as written.
The feeds they name are the fixtures, loaded once: the database "transit"
is the test database, fixtures/sample is the feed in schemas gtfs and bart,
and feed.zip, bart.zip and caltrain.zip are copies of it (SUBSTITUTIONS,
printed).  An SQL block that cannot run here is listed in SKIPPED with its
reason, printed; a block with SQL that is neither run nor listed fails.
"""
import os, re, shutil, subprocess, sys

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check, Skip = it.test, it.check, it.Skip
REPO, TMP = it.REPO, it.TMP
DOCS = ['README.md', 'man/gtfs2pgsql.1', 'man/pgsql2gtfs.1']
READER = 'reader_%d' % os.getpid()

# (pattern, replacement, why): applied to every example before it runs
SUBSTITUTIONS = [
    (r'\btransit\b', it.DB, 'the database "transit" is the test database'),
    (r'\bfeed\.zip\b', 'fixtures/sample', 'feed.zip is fixtures/sample'),
    (r'\b(bart|caltrain)\.zip\b', r'\1', 'bart.zip and caltrain.zip are '
     'copies of fixtures/sample (directories bart/ and caltrain/)'),
    (r'\breader\b', READER, 'role reader is %s (a role is the cluster\'s)'
     % READER),
    (r'\bloader\b', 'CURRENT_USER', 'role loader is the test\'s own'),
]
# a substring of an example that cannot run here -> why
SKIPPED = {
    "FOREIGN DATA WRAPPER postgres_fdw": 'needs another server '
    '(tests/remote.py starts one and runs these)',
    "far_db": 'needs another server (tests/remote.py starts one and runs '
    'these)',
}
RUN_WHOLE = ('again.zip', 'sample.zip', 'bart.zip caltrain.zip')
SQL_WORDS = re.compile(r'^\s*(SELECT|CREATE|GRANT|ALTER|IMPORT|WITH|DROP|'
                       r'INSERT|UPDATE|DELETE)\b', re.M)

# ------------------------------------------------------------ extraction

class Example:
    def __init__(self, doc, line, kind, text, output=None):
        self.doc, self.line, self.kind = doc, line, kind
        self.text, self.output = text, output

    def where(self):
        return '%s:%d' % (self.doc, self.line)


def readme_blocks(path):
    """[Example] of README.md: fenced blocks (kind 'sql' with the next
    fenced block as output, or 'fence') and indented ones ('shell')."""
    lines = open(os.path.join(REPO, path), encoding='utf-8').read().split('\n')
    blocks, i = [], 0
    while i < len(lines):
        m = re.match(r'^```(\w*)$', lines[i])
        if m:
            j = lines.index('```', i + 1)
            blocks.append(Example(path, i + 1, 'sql' if m.group(1) == 'sql'
                                  else 'fence', '\n'.join(lines[i + 1:j])))
            i = j + 1
            continue
        if lines[i].startswith('    ') and (i == 0 or not lines[i - 1].strip()):
            j = i
            while j < len(lines) and (lines[j].startswith('    ') or
                                      (not lines[j].strip() and j + 1 < len(lines)
                                       and lines[j + 1].startswith('    '))):
                j += 1
            blocks.append(Example(path, i + 1, 'shell', '\n'.join(
                l[4:] for l in lines[i:j])))
            i = j
            continue
        i += 1
    # a fenced block right after an sql block is its output
    out = []
    for b in blocks:
        if b.kind == 'fence' and out and out[-1].kind == 'sql' and \
                out[-1].output is None:
            out[-1].output = b.text
            continue
        out.append(b)
    return out


def roff_text(line):
    """A line of an .EX block as the reader sees it."""
    line = re.sub(r'\\f[BIRP]', '', line)
    return line.replace('\\-', '-').replace('\\e', '\\')


def man_blocks(path):
    """[Example] of a man page: its .EX blocks ('man')."""
    lines = open(os.path.join(REPO, path), encoding='utf-8').read().split('\n')
    blocks = []
    for i, l in enumerate(lines):
        if l == '.EX':
            j = lines.index('.EE', i)
            blocks.append(Example(path, i + 2, 'man', '\n'.join(
                roff_text(x) for x in lines[i + 1:j])))
    return blocks


def commands(text, prompt):
    """[(command, expected output or None)] of a shell block: a command
    goes on while a quote is open or a line ends in a backslash; with
    prompt ("$ "), the lines after a command up to the next are its
    output; without, a trailing "# prints: X" is."""
    out, cmd, output = [], None, None
    for line in text.split('\n'):
        if cmd is not None and (cmd.count('"') % 2 or cmd.endswith('\\')):
            cmd += '\n' + line
            continue
        if cmd is not None:
            out.append((cmd, output))
            cmd, output = None, None
        if prompt and not line.startswith(prompt):
            if out:
                prev, o = out[-1]
                out[-1] = (prev, (o + '\n' if o is not None else '') + line)
            continue
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        cmd = line[len(prompt):] if prompt else line
    if cmd is not None:
        out.append((cmd, output))
    result = []
    for cmd, output in out:
        m = re.search(r'\s+# prints: (.*)$', cmd)
        if m:
            cmd, output = cmd[:m.start()], m.group(1)
        else:
            cmd = re.sub(r'\s+#[^"\n]*$', '', cmd)   # a remark
        result.append((cmd, output))
    return result


def examples():
    blocks = []
    for doc in DOCS:
        blocks += readme_blocks(doc) if doc.endswith('.md') else man_blocks(doc)
    return blocks

# ---------------------------------------------------------------- running

def substitute(text):
    for pattern, repl, _ in SUBSTITUTIONS:
        text = re.sub(pattern, repl, text)
    return text


PREPARED = []

def prepare():
    """The feeds the examples name, once: fixtures/sample in gtfs and bart
    (as feed bart), its export reloaded as again; the copies bart/ and
    caltrain/ and fixtures/ in the directory the commands run in."""
    if PREPARED:
        return
    os.symlink(os.path.join(REPO, 'fixtures'), os.path.join(TMP, 'fixtures'))
    for name in ('bart', 'caltrain'):
        shutil.copytree(os.path.join(REPO, 'fixtures', 'sample'),
                        os.path.join(TMP, name))
    bindir = os.path.join(TMP, 'bin')
    os.mkdir(bindir)
    for prog in ('gtfs2pgsql', 'pgsql2gtfs'):
        os.symlink(os.path.join(REPO, prog), os.path.join(bindir, prog))
    sample = os.path.join(REPO, 'fixtures', 'sample')
    it.load(sample, 'gtfs')
    it.load(sample, 'bart')
    r = subprocess.run([os.path.join(REPO, 'pgsql2gtfs'), '-q', '-d', it.DB,
                        '-s', 'gtfs', os.path.join(TMP, 'again.zip')],
                       capture_output=True, text=True)
    check(r.returncode == 0, 'export: %s' % it.describe(r))
    it.load(os.path.join(TMP, 'again.zip'), 'again')
    with open(os.path.join(TMP, 'psqlrc-table'), 'w') as f:
        f.write('\\pset footer off\n')
    with open(os.path.join(TMP, 'psqlrc-rows'), 'w') as f:
        f.write('\\set QUIET on\n\\pset format unaligned\n'
                '\\pset tuples_only on\n')
    for _, _, why in SUBSTITUTIONS:
        print('# substitution: %s' % why)
    PREPARED.append(True)


def shell(cmd, psqlrc):
    """Runs one command as a shell would, in TMP, with the programs of the
    tree first on PATH and PGDATABASE the test database; psqlrc: 'rows'
    (rows unaligned, no header), 'table' (no footer) or None (psql's own
    defaults)."""
    env = dict(it.PSQL_ENV, PGDATABASE=it.DB,
               PATH=os.path.join(TMP, 'bin') + os.pathsep + os.environ['PATH'],
               PSQLRC=os.path.join(TMP, 'psqlrc-' + psqlrc) if psqlrc
               else os.devnull)
    env.pop('PGOPTIONS', None)        # the output as a user's psql prints it
    return subprocess.run(['bash', '-c', cmd], cwd=TMP, capture_output=True,
                          text=True, env=env, timeout=it.TIMEOUT)


def same_output(expected, actual):
    """actual matches expected, line by line (trailing spaces aside), a
    line "..." of expected standing for any lines."""
    exp = [l.rstrip() for l in expected.strip('\n').split('\n')]
    act = [l.rstrip() for l in actual.strip('\n').split('\n')]

    def match(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i].strip() == '...':
            return any(match(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and exp[i] == act[j] and match(i + 1, j + 1)
    return match(0, 0)


def skipped(text):
    for key, why in SKIPPED.items():
        if key in text:
            return why
    return None


def run_example(ex):
    """Runs one example; returns the list of its problems."""
    problems = []
    if ex.kind == 'sql':
        sql = substitute(ex.text)
        print('# %s: %s' % (ex.where(), ' '.join(sql.split())[:70]))
        r = shell('psql -v ON_ERROR_STOP=1 -f -  <<\'EOF_EXAMPLE\'\n%s\nEOF_EXAMPLE'
                  % sql, 'table')
        if r.returncode:
            return ['%s: exit %d: %s' % (ex.where(), r.returncode, r.stderr.strip())]
        if ex.output is not None and not same_output(ex.output, r.stdout):
            problems.append('%s: the output differs from the documented one:\n'
                            '%s\n  --- documented:\n%s' % (ex.where(), r.stdout,
                                                         ex.output))
        return problems
    whole = any(k in ex.text for k in RUN_WHOLE)
    for cmd, expected in commands(ex.text, '$ ' if ex.kind == 'man' else ''):
        is_psql = cmd.startswith('psql')
        if not (whole or is_psql):
            continue
        print('# %s: %s' % (ex.where(), ' '.join(cmd.split())))
        r = shell(substitute(cmd), 'rows' if ex.kind == 'shell' else None)
        text = r.stdout + r.stderr if not is_psql else r.stdout
        if r.returncode:
            problems.append('%s: %s: exit %d: %s' % (
                ex.where(), cmd, r.returncode, r.stderr.strip()))
            break
        if expected is not None and not same_output(expected, text):
            problems.append('%s: %s printed\n%s\n  --- documented:\n%s' % (
                ex.where(), cmd, text, expected))
    return problems

# ------------------------------------------------------------------ tests

def has_sql(ex):
    if ex.kind == 'sql':
        return True
    if ex.kind == 'fence':
        return False
    return bool(re.search(r'(^|\$ )psql\b', ex.text, re.M) or
                SQL_WORDS.search(ex.text))


@test()
def doc_examples_run_with_their_answers():
    prepare()
    problems, ran = [], 0
    for ex in examples():
        if not has_sql(ex):
            continue
        why = skipped(ex.text)
        if why:
            print('# skipped %s: %s' % (ex.where(), why))
            continue
        if ex.kind == 'shell' and SQL_WORDS.search(ex.text) and \
                not re.search(r'^psql\b', ex.text, re.M):
            problems.append('%s: SQL in an indented block, which no test '
                            'runs: make it a ```sql block' % ex.where())
            continue
        problems += run_example(ex)
        ran += 1
    print('# %d examples run' % ran)
    check(ran >= 10, 'only %d examples found' % ran)
    check(not problems, '\n'.join(problems))


@test(db=False)
def doc_examples_extracted():
    """The extraction itself: every ```sql block of the README is found,
    and the round trips' answers are read."""
    blocks = examples()
    fences = open(os.path.join(REPO, 'README.md'), encoding='utf-8').read() \
        .count('```sql\n')
    check(sum(b.kind == 'sql' for b in blocks) == fences,
          'found %d sql blocks of %d' % (sum(b.kind == 'sql' for b in blocks),
                                         fences))
    answers = [out for b in blocks if b.kind in ('shell', 'man') and
               any(k in b.text for k in ('again.zip', 'sample.zip'))
               for cmd, out in commands(b.text, '$ ' if b.kind == 'man' else '')
               if cmd.startswith('psql')]
    check(len(answers) == 2 and all(a is not None and '0' in a for a in answers),
          'the round trips of README.md and pgsql2gtfs.1 document no answer: '
          '%r' % answers)


@test()
def demo_round_trip_differs_nowhere():
    """make demo's last table: every table of the sample and of its reload
    agree (differing 0), as the round trip promises."""
    prepare()
    env = dict(os.environ, PGDATABASE=it.DB, PSQLRC=os.devnull)
    r = subprocess.run(['bash', os.path.join(REPO, 'tests', 'demo.sh')],
                       capture_output=True, text=True, env=env,
                       timeout=it.TIMEOUT)
    check(r.returncode == 0, 'tests/demo.sh: %s' % it.describe(r))
    last = r.stdout.rsplit('== ', 1)[-1]
    rows = re.findall(r'^ (\w+) +\| (\d+) +\| (\d+)$', last, re.M)
    check(len(rows) == 13, 'the last table of tests/demo.sh has %d rows:\n%s'
          % (len(rows), last))
    bad = ['%s: %s of %s rows differ' % (t, d, n) for t, n, d in rows if d != '0']
    check(not bad, '; '.join(bad))


@test()
def man_notes_give_the_layout():
    """gtfs2pgsql(1)'s NOTES: the chain of partitions it shows is that of
    fixtures/sample loaded into schema gtfs, hash then list."""
    prepare()
    page = subprocess.run(['groff', '-man', '-Tutf8', '-P-cbou', os.path.join(
        REPO, 'man', 'gtfs2pgsql.1')], capture_output=True, text=True).stdout
    notes = ' '.join(page[page.index('NOTES'):].split())
    m = re.search(r'\((\S+) \u2192 (\S+) \u2192 (\S+?)\)', notes)
    check(m, 'no chain of partitions in the NOTES of gtfs2pgsql(1)')
    chain = list(m.groups())
    rows = it.query(
        "SELECT c.oid::regclass::text, pg_get_partkeydef(c.oid) FROM"
        " unnest(%s::text[]) WITH ORDINALITY AS t(name, i)"
        " JOIN pg_class c ON c.oid = to_regclass(t.name) ORDER BY i"
        % it.ql('{%s}' % ','.join(chain)))
    check([r[0] for r in rows] == chain, 'tables of the NOTES missing: %s, '
          'found %s' % (chain, rows))
    check([r[1] for r in rows] == ['HASH (feed_id)', 'LIST (feed_id)',
                                   'LIST (feed_id)'],
          'partitioning of %s: %s' % (chain, rows))
    for parent, child in zip(chain, chain[1:]):
        check(it.value("SELECT count(*) FROM pg_inherits WHERE inhparent ="
                       " %s::regclass AND inhrelid = %s::regclass"
                       % (it.ql(parent), it.ql(child))) == '1',
              '%s is not a partition of %s' % (child, parent))


def drop_reader():
    try:
        it.psql('DROP ROLE IF EXISTS %s;' % it.qi(READER), db=None)
    except AssertionError as e:
        print('# could not drop role %s: %s' % (READER, e))


if __name__ == '__main__':
    try:
        it.main()
    finally:
        drop_reader()
