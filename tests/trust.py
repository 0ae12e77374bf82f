#!/usr/bin/python3
"""
Trust (issue 21): nothing another role made runs as the role that loads;
another role's side schema is no denial of service; missing privileges are
said before the feed is read; a role that owns only its database loads,
reloads, drops and exports; the settings a DBA or a role may have set
(timeouts, isolation) do not break a load.

    tests/with-postgres tests/trust.py [NAME-SUBSTRING]

Each test makes real roles that log in (with a password, for servers that
ask for one) and, where a role must own a database, a database of its own.
Uses the harness of tests/integration.py; only the tests registered here
run.  Standard library only.
"""
import os, re, shutil, subprocess, sys, time

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
qi, ql = it.qi, it.ql
describe = it.describe

SAMPLE = os.path.join(it.FIXTURES, 'sample')
TMP = it.TMP
PASSWORD = 'trust-test-secret'
EXPORT = os.path.join(os.path.dirname(it.PROG), 'pgsql2gtfs')

# ---------------------------------------------------------------- helpers

class Roles:
    """Roles (LOGIN, non-superuser) and databases made for one test, all
    dropped at the end: `with Roles('alice', 'bob') as r: r.alice`."""
    def __init__(self, *names, owner_db=None):
        self.names = {n: '%s_%d' % (n, os.getpid()) for n in names}
        self.dbs = []

    def __getattr__(self, name):
        try:
            return self.__dict__['names'][name]
        except KeyError:
            raise AttributeError(name)

    def __enter__(self):
        for role in self.names.values():
            it.psql("DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD %s;"
                    % (qi(role), qi(role), ql(PASSWORD)))
        return self

    def database(self, owner):
        """A new database owned by role owner, with PostGIS (which only a
        superuser can create)."""
        db = 'trust_%s_%d' % (owner.split('_')[0], os.getpid())
        it.psql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s OWNER %s'
                % (qi(db), qi(db), qi(owner)), db=None)
        self.dbs.append(db)
        it.psql('CREATE EXTENSION postgis SCHEMA public', db=db)
        return db

    def __exit__(self, *exc):
        for db in self.dbs:
            it.psql('DROP DATABASE IF EXISTS %s WITH (FORCE)' % qi(db), db=None)
        for role in self.names.values():
            it.psql('REASSIGN OWNED BY %s TO CURRENT_USER; DROP OWNED BY %s;'
                    ' DROP ROLE %s' % (qi(role), qi(role), qi(role)))
        return False

def env_as(role):
    env = dict(os.environ, PGUSER=role, PGPASSWORD=PASSWORD)
    env.pop('PGOPTIONS', None)
    return env

def run_as(role, db, *args, prog=None):
    """The program (or prog) as role, in database db."""
    cmd = [prog or it.PROG, '-d', db] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, errors='replace',
                          env=env_as(role), timeout=it.TIMEOUT)

def run_super(db, *args):
    return it.run('-d', db, *args, db=False)

def psql_as(role, db, sql):
    p = subprocess.run(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
                        '-d', db, '-f', '-'], input=sql, capture_output=True,
                       text=True, env=dict(it.PSQL_ENV, **{
                           'PGUSER': role, 'PGPASSWORD': PASSWORD}))
    if p.returncode:
        raise AssertionError('as %s: %s\n  in: %s' % (role, p.stderr.strip(), sql[-300:]))
    return p.stdout

def value_in(db, sql):
    return it.psql('COPY (%s) TO STDOUT' % sql, db=db).strip()

def is_super(role):
    return value_in(None, 'SELECT rolsuper FROM pg_roles WHERE rolname = %s'
                    % ql(role)) == 't'

# A function that makes its owner superuser and leaves a mark, run by
# whatever calls it with the privileges to do so.
ESCALATE = '''
CREATE TABLE public.marks (who text);
GRANT INSERT ON public.marks TO PUBLIC;
CREATE FUNCTION public.escalate_now() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO public.marks VALUES (current_user);
    EXECUTE 'ALTER ROLE %s SUPERUSER';
END $f$;
CREATE FUNCTION public.escalate(x text) RETURNS text LANGUAGE plpgsql
IMMUTABLE AS $f$
BEGIN
    PERFORM public.escalate_now();
    RETURN x;
END $f$;
CREATE FUNCTION public.escalate_trigger() RETURNS trigger LANGUAGE plpgsql
AS $f$
BEGIN
    PERFORM public.escalate_now();
    RETURN NEW;
END $f$;
'''

def marks(db):
    return value_in(db, 'SELECT count(*) FROM public.marks')

def stops_columns(db, schema):
    """The column list of schema.stops, as CREATE TABLE wants it."""
    return value_in(db, "SELECT string_agg(quote_ident(a.attname) || ' ' ||"
                    " format_type(a.atttypid, a.atttypmod) || coalesce(' COLLATE '"
                    " || quote_ident(c.collname), '') || CASE WHEN a.attnotnull"
                    " THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY a.attnum)"
                    " FROM pg_attribute a LEFT JOIN pg_collation c"
                    " ON c.oid = a.attcollation AND c.collname <> 'default'"
                    " WHERE a.attrelid = %s::regclass"
                    " AND a.attnum > 0 AND NOT a.attisdropped"
                    % ql('%s.stops' % qi(schema)))

def refused_naming(r, *patterns):
    check(r.returncode == 1, 'exit 1 expected: %s' % describe(r))
    for p in patterns:
        check(re.search(p, r.stderr), 'stderr lacks /%s/: %s' % (p, describe(r)))

# ------------------------------------------ 1. another role's code never runs

@test()
def superuser_load_into_owner_schema_refused():
    """A database owner who is not superuser makes schema agency, comments
    it as ours and adds a partitioned agency.stops whose index calls her
    function; a superuser's load into agency is refused (exit 1) naming the
    schema and its owner; her function never ran and she is no superuser."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        check(run_super(db, '-q', '-s', 'first', SAMPLE).returncode == 0, 'first load')
        cols = stops_columns(db, 'first')
        psql_as(r.alice, db, ESCALATE % qi(r.alice) + '''
            CREATE SCHEMA agency;
            COMMENT ON SCHEMA agency IS 'gtfs2pgsql feed';
            CREATE TABLE agency.stops (%s) PARTITION BY LIST (feed_id);
            CREATE INDEX ON agency.stops (public.escalate(stop_id));
            ''' % cols)
        res = run_super(db, '-q', '-s', 'agency', SAMPLE)
        check(not is_super(r.alice), 'she became superuser: %s' % describe(res))
        check(marks(db) == '0', 'her function ran')
        refused_naming(res, r'schema "?agency"? belongs to role "?%s' % r.alice,
                       r'nothing is loaded')
        check(value_in(db, "SELECT count(*) FROM gtfs2pgsql.feeds WHERE feed_id = 'agency'")
              == '0', 'agency is in the registry')

@test()
def registry_made_by_another_role_refused():
    """Before the first load, the database owner makes schema gtfs2pgsql
    with a table feeds that has a trigger; a superuser's load is refused
    and the trigger never runs."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        psql_as(r.alice, db, ESCALATE % qi(r.alice) + '''
            CREATE SCHEMA gtfs2pgsql;
            CREATE TABLE gtfs2pgsql.feeds (feed_id text PRIMARY KEY,
              schema_name text NOT NULL, file_name text NOT NULL,
              sha256 text NOT NULL, imported_at timestamptz NOT NULL,
              importer_version text NOT NULL, options text NOT NULL,
              report jsonb NOT NULL);
            CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON gtfs2pgsql.feeds
              FOR EACH ROW EXECUTE FUNCTION public.escalate_trigger();
            ''')
        res = run_super(db, '-q', '-s', 'mine', SAMPLE)
        check(not is_super(r.alice), 'she became superuser: %s' % describe(res))
        check(marks(db) == '0', 'her trigger ran')
        refused_naming(res, r'schema "?gtfs2pgsql"? belongs to role "?%s' % r.alice)
        res = run_super(db, '--drop', 'mine')
        check(marks(db) == '0', 'her trigger ran at --drop')
        refused_naming(res, r'gtfs2pgsql"? belongs to role')

@test()
def index_calling_another_role_function_refused():
    """A feed's own table (ours) with an index whose expression calls a
    function another role owns (and may replace at any time): the next load
    and drop are refused, naming the index and the function's owner."""
    with Roles('alice', 'bob') as r:
        db = r.database(r.alice)
        check(run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE).returncode == 0, 'load')
        it.psql('GRANT CREATE ON DATABASE %s TO %s' % (qi(db), qi(r.bob)), db=None)
        psql_as(r.bob, db, '''CREATE SCHEMA bobs;
            CREATE FUNCTION bobs.f(x text) RETURNS text LANGUAGE sql IMMUTABLE
            AS 'SELECT x';
            GRANT USAGE ON SCHEMA bobs TO PUBLIC;''')
        psql_as(r.alice, db, 'CREATE INDEX alices_index ON feed.routes (bobs.f(route_id))')
        res = run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE)
        refused_naming(res, r'alices_index.* calls bobs\.f\(text\), which belongs to role "?%s'
                       % r.bob)
        res = run_as(r.alice, db, '--drop', 'feed')
        refused_naming(res, r'alices_index')

@test()
def create_on_our_schema_granted_refused():
    """A schema of ours in which another role may create objects (which
    could be found in it by name) is refused, naming the grantee."""
    with Roles('alice', 'bob') as r:
        db = r.database(r.alice)
        check(run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE).returncode == 0, 'load')
        psql_as(r.alice, db, 'GRANT CREATE ON SCHEMA gtfs2pgsql TO %s' % qi(r.bob))
        res = run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE)
        refused_naming(res, r'schema "?gtfs2pgsql"? lets role "?%s"? create objects' % r.bob)

@test()
def postgis_overload_in_public_never_runs_at_html_report():
    """The database owner owns schema public, where PostGIS lives, and
    adds public.st_affine(geometry, float8, integer, integer, float8,
    float8, float8) and public.st_simplify(geometry, numeric, boolean):
    closer matches than PostGIS's own for the map of an HTML report, whose
    calls pass the literals 0, 0 and 0.4.  A superuser's load with
    --report FILE.html never calls them and she is no superuser."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        psql_as(r.alice, db, ESCALATE % qi(r.alice) + '''
            CREATE FUNCTION public.st_affine(g public.geometry, a float8,
              b integer, d integer, e float8, xo float8, yo float8)
              RETURNS public.geometry LANGUAGE plpgsql AS $f$
            BEGIN
                PERFORM public.escalate_now();
                RETURN public.st_affine(g, a, b::float8, d::float8, e, xo, yo);
            END $f$;
            CREATE FUNCTION public.st_simplify(g public.geometry, t numeric,
              p boolean) RETURNS public.geometry LANGUAGE plpgsql AS $f$
            BEGIN
                PERFORM public.escalate_now();
                RETURN public.st_simplify(g, t::float8, p);
            END $f$;
            ''')
        report = os.path.join(TMP, 'overload-%d.html' % os.getpid())
        res = run_super(db, '-q', '-s', 'feed', '--report', report, SAMPLE)
        check(not is_super(r.alice), 'she became superuser: %s' % describe(res))
        check(marks(db) == '0', 'her overload of a PostGIS function ran')
        check(res.returncode in (0, 1), 'exit 0 or 1 expected: %s' % describe(res))

@test()
def staging_names_taken_in_advance_block_nothing():
    """Any role that may create schemas takes gtfs2pgsql_load_N for the
    next 300 backend pids: the feed owner's loads still succeed."""
    with Roles('alice', 'mallory') as r:
        db = r.database(r.alice)
        it.psql('GRANT CREATE ON DATABASE %s TO %s' % (qi(db), qi(r.mallory)), db=None)
        psql_as(r.mallory, db, "DO $$ BEGIN FOR i IN pg_backend_pid()..pg_backend_pid() + 300"
                " LOOP EXECUTE pg_catalog.format('CREATE SCHEMA gtfs2pgsql_load_%s', i);"
                " END LOOP; END $$")
        for i in range(3):
            res = run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE)
            check(res.returncode == 0, 'load %d: %s' % (i, describe(res)))

# --------------------------------------- 2. side schemas of another role

@test()
def side_schema_of_another_role_left_alone():
    """Any role that may create schemas makes gtfs2pgsql_side_4242 with
    the side load's comment: the feed owner's loads (split on two
    connections, and not) and --drop succeed and leave it alone."""
    with Roles('alice', 'mallory') as r:
        db = r.database(r.alice)
        it.psql('GRANT CREATE ON DATABASE %s TO %s' % (qi(db), qi(r.mallory)), db=None)
        psql_as(r.mallory, db, "CREATE SCHEMA gtfs2pgsql_side_4242;"
                " COMMENT ON SCHEMA gtfs2pgsql_side_4242 IS 'gtfs2pgsql side load'")
        for args in (['--split-min-size=0'], []):
            res = run_as(r.alice, db, '-q', '-s', 'feed', *args, SAMPLE)
            check(res.returncode == 0, 'load %s: %s' % (args, describe(res)))
        res = run_as(r.alice, db, '--drop', 'feed')
        check(res.returncode == 0, '--drop: %s' % describe(res))
        check(value_in(db, "SELECT count(*) FROM pg_namespace"
                       " WHERE nspname = 'gtfs2pgsql_side_4242'") == '1',
              'the other role\'s schema was dropped')

# ------------------------------------------- 3. least privilege, said first

@test()
def missing_privileges_said_up_front():
    """A role without CREATE on the database, and one with it whose
    database's feeds belong to another role: each is refused at once (exit
    1) with what to run, before any table is made."""
    with Roles('alice', 'carol', 'dave') as r:
        db = r.database(r.alice)
        check(run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE).returncode == 0, 'load')
        it.psql('GRANT CREATE ON DATABASE %s TO %s' % (qi(db), qi(r.carol)), db=None)
        res = run_as(r.carol, db, '-q', '-s', 'carols', SAMPLE)
        refused_naming(res, r'schema "?gtfs2pgsql"? belongs to role "?%s' % r.alice,
                       r'hint: .*run it as the role that owns')
        res = run_as(r.dave, db, '-q', '-s', 'daves', SAMPLE)
        refused_naming(res, r'GRANT CREATE ON DATABASE %s TO %s;' % (
            re.escape(db), re.escape(r.dave)))
        check(value_in(db, "SELECT count(*) FROM pg_namespace WHERE nspname IN"
                       " ('carols', 'daves') OR nspname LIKE 'gtfs2pgsql_load%'") == '0',
              'a schema was made')

@test()
def postgis_missing_said_up_front():
    """A role that owns its database, where PostGIS is missing, loading
    with geometry: exit 1 with the statement a superuser should run; with
    --no-geometry the load works."""
    with Roles('alice') as r:
        db = 'trust_nopostgis_%d' % os.getpid()
        it.psql('CREATE DATABASE %s OWNER %s' % (qi(db), qi(r.alice)), db=None)
        r.dbs.append(db)
        res = run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE)
        refused_naming(res, r'CREATE EXTENSION postgis')
        res = run_as(r.alice, db, '-q', '-s', 'feed', '--no-geometry', SAMPLE)
        check(res.returncode == 0, '--no-geometry: %s' % describe(res))

# ------------------------------- a role that owns only its database, all of it

@test()
def database_owner_loads_reloads_drops_exports():
    """A role that is not superuser and owns only its database: first load,
    a second feed, a reload, several feeds with -j 2, an export, a drop."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        out = os.path.join(TMP, 'owner-export.zip')
        two = os.path.join(TMP, 'owner-two')
        three = os.path.join(TMP, 'owner-three')
        shutil.rmtree(two, ignore_errors=True)
        shutil.rmtree(three, ignore_errors=True)
        shutil.copytree(SAMPLE, two)
        shutil.copytree(SAMPLE, three)
        for what, args in (('first load', ['-s', 'one', SAMPLE]),
                           ('a second feed', ['-s', 'two', '--split-min-size=0', two]),
                           ('a reload', ['-s', 'one', SAMPLE]),
                           ('-j 2', ['-j', '2', two, three]),
                           ('--drop', ['--drop', 'one'])):
            res = run_as(r.alice, db, '-q', *args)
            check(res.returncode == 0, '%s: %s' % (what, describe(res)))
            if what == 'a reload':
                res = run_as(r.alice, db, '-s', 'one', out, prog=EXPORT)
                check(res.returncode == 0 and os.path.getsize(out) > 0,
                      'export: %s' % describe(res))
        feeds = value_in(db, 'SELECT string_agg(feed_id, \',\' ORDER BY feed_id)'
                         ' FROM gtfs2pgsql.feeds')
        check(feeds == 'owner_three,owner_two,two', 'feeds: %s' % feeds)
        check(not is_super(r.alice), 'alice is superuser')

@test()
def connection_limit_of_two_still_splits_stop_times():
    """A role limited to two connections: a split stop_times, which wants
    a third (the side load's second, for its COPY and index), loads on the
    side's one, said as a notice; before, the third was refused and the
    load failed (exit 3)."""
    with Roles('carol') as r:
        db = r.database(r.carol)
        it.psql('ALTER ROLE %s CONNECTION LIMIT 2' % qi(r.carol))
        res = run_as(r.carol, db, '-s', 'lim', '--split-min-size=0', SAMPLE)
        check(res.returncode == 0, 'limit 2: %s' % describe(res))
        check('one connection fewer' in res.stderr and 'error' not in res.stderr,
              'the refusal not said as a notice: %s' % res.stderr)
        rows = value_in(db, 'SELECT count(*) FROM lim.stop_times')
        want = sum(1 for _ in open(os.path.join(SAMPLE, 'stop_times.txt'))) - 1
        check(rows == str(want), 'stop_times rows %s, %d expected' % (rows, want))
        indexes = value_in(db, "SELECT count(*) FROM pg_indexes WHERE tablename ="
                           " 'stop_times' AND schemaname LIKE 'gtfs2pgsql_data_%'")
        check(int(indexes) >= 2, 'stop_times indexes: %s' % indexes)

@test()
def reader_role_as_readme_says():
    """The README's read-only role: it reads a feed, the cross-feed
    tables and a feed loaded after the grants, and exports; it cannot
    write."""
    with Roles('alice', 'reader') as r:
        db = r.database(r.alice)
        check(run_as(r.alice, db, '-q', '-s', 'bart', SAMPLE).returncode == 0, 'load')
        psql_as(r.alice, db, """
            GRANT USAGE ON SCHEMA gtfs2pgsql, bart TO {r};
            GRANT SELECT ON ALL TABLES IN SCHEMA gtfs2pgsql, bart TO {r};
            ALTER DEFAULT PRIVILEGES FOR ROLE {a} GRANT USAGE ON SCHEMAS TO {r};
            ALTER DEFAULT PRIVILEGES FOR ROLE {a} GRANT SELECT ON TABLES TO {r};
            """.format(r=qi(r.reader), a=qi(r.alice)))
        check(run_as(r.alice, db, '-q', '-s', 'later', SAMPLE).returncode == 0, 'load later')
        got = psql_as(r.reader, db, 'SELECT count(*) FROM bart.stops;'
                      ' SELECT count(*) FROM later.stops;'
                      ' SELECT count(DISTINCT feed_id) FROM gtfs2pgsql.stops;').split()
        check(got[0] == got[1] != '0' and got[2] == '2', 'reader counts: %r' % got)
        out = os.path.join(TMP, 'reader.zip')
        res = run_as(r.reader, db, '-s', 'later', out, prog=EXPORT)
        check(res.returncode == 0, 'export as reader: %s' % describe(res))
        res = run_as(r.reader, db, '-q', '-s', 'later', SAMPLE)
        check(res.returncode == 1, 'a load as reader: %s' % describe(res))

# ------------------------------------------- settings a DBA may have set

def feed_copies(prefix, n):
    feeds = []
    for i in range(n):
        d = os.path.join(TMP, '%s-%d' % (prefix, i))
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(SAMPLE, d)
        feeds.append(d)
    return feeds

def with_settings(settings, steps):
    """settings ("database"/"role", name, value) set on a new database
    owned by a new role; then each (what, args) of steps must load, as
    that role."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        for on, name, val in settings:
            it.psql('ALTER %s %s SET %s = %s' % (
                'DATABASE' if on == 'database' else 'ROLE',
                qi(db if on == 'database' else r.alice), name, ql(val)), db=None)
        for what, args in steps:
            res = run_as(r.alice, db, '-q', *args)
            check(res.returncode == 0, '%s: %s' % (what, describe(res)))
        return value_in(db, 'SELECT count(*) FROM gtfs2pgsql.feeds')

def generated_feed(stop_times):
    """A feed of bench/genfeed.c with that many stop_times rows."""
    prog = os.path.join(TMP, 'genfeed')
    if not os.path.exists(prog):
        subprocess.run(['cc', '-O2', '-std=c11', '-o', prog,
                        os.path.join(it.REPO, 'bench', 'genfeed.c'), '-lm'], check=True)
    out = os.path.join(TMP, 'generated-%s' % stop_times)
    if not os.path.isdir(out):
        subprocess.run([prog, '--stop-times', stop_times, out], check=True,
                       capture_output=True)
    return out

@test()
def idle_in_transaction_timeout_does_not_end_a_split_load():
    """idle_in_transaction_session_timeout on the database: the first
    connection waits idle in its transaction while the second loads
    a stop_times.txt of 200k rows, and is not ended for it."""
    with_settings([('database', 'idle_in_transaction_session_timeout', '100ms')],
                  [('a split load', ['-s', 'split', '--split-min-size=0',
                                     generated_feed('200k')])])

@test()
def failure_names_the_step_under_way():
    """The first connection's session is ended while it waits for the
    second (pg_terminate_backend): the message names that wait or the step
    that found the session gone, not a file the parent loaded before (nor
    one the feed lacks)."""
    feed = generated_feed('600k')
    app = 'trust_step_%d' % os.getpid()
    env = dict(os.environ, PGAPPNAME=app)
    p = subprocess.Popen([it.PROG, '-d', it.DB, '-q', '-s', 'stepname',
                          '--split-min-size=0', feed], stderr=subprocess.PIPE,
                         text=True, env=env)
    try:
        ended = False
        for _ in range(400):
            # the parent is idle in its transaction while a session of the
            # same application (the child) works
            got = value_in(it.DB, "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a"
                           " WHERE a.application_name = %s AND a.state = 'idle in transaction'"
                           " AND a.state_change < clock_timestamp() - interval '200 ms'"
                           " AND EXISTS (SELECT FROM pg_stat_activity b WHERE"
                           " b.application_name = a.application_name AND b.pid <> a.pid"
                           " AND b.state = 'active')" % ql(app))
            if got == 't':
                ended = True
                break
            if p.poll() is not None:
                break
            time.sleep(0.02)
        err = p.communicate(timeout=120)[1]
    finally:
        if p.poll() is None:
            p.kill()
    check(ended, 'the first connection never waited idle for the second (exit %s): %s'
          % (p.returncode, err[-800:]))
    check(p.returncode == 3, 'exit 3 expected: exit %d, %s' % (p.returncode, err))
    check(re.search(r"error: (wait for the second connection|second connection's tables): ",
                    err) and not re.search(r'error: \w+\.txt: ', err), 'stderr: %s' % err)

@test()
def lock_timeout_of_role_does_not_fail_first_loads():
    """lock_timeout on the role: a first -j 4 into a new database (which
    makes the registry and the cross-feed tables under locks) loads every
    feed."""
    n = with_settings([('role', 'lock_timeout', '1ms')],
                      [('-j 4 into a new database', ['-j', '4'] + feed_copies('lt', 8))])
    check(n == '8', '%s feeds loaded of 8' % n)

@test()
def isolation_of_database_does_not_fail_loads():
    """default_transaction_isolation repeatable read, then serializable:
    -j 4 loads and reloads of 8 feeds all succeed."""
    for level in ('repeatable read', 'serializable'):
        feeds = feed_copies(level.split()[0], 8)
        n = with_settings([('database', 'default_transaction_isolation', level)],
                          [('-j 4', ['-j', '4'] + feeds),
                           ('-j 4 reload', ['-j', '4'] + feeds)])
        check(n == '8', '%s: %s feeds loaded of 8' % (level, n))

@test()
def timeouts_and_read_only_of_role_do_not_break_loads():
    """statement_timeout and default_transaction_read_only on the role:
    a load and a --drop succeed (--wait is the only bound on a load)."""
    with_settings([('role', 'statement_timeout', '10ms'),
                   ('role', 'default_transaction_read_only', 'on')],
                  [('a load', ['-s', 'one', SAMPLE]),
                   ('a drop', ['--drop', 'one'])])

@test()
def quote_all_identifiers_of_database_does_not_break_reloads():
    """quote_all_identifiers on the database (any database owner may set
    it; it changes what regnamespace::text and quote_ident say): a load, a
    reload and a --drop succeed, and the drop leaves no gtfs2pgsql_data_N."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        psql_as(r.alice, db, 'ALTER DATABASE %s SET quote_all_identifiers = on'
                % qi(db))
        for what, args in (('a load', ['-s', 'one', SAMPLE]),
                           ('a reload', ['-s', 'one', SAMPLE]),
                           ('a drop', ['--drop', 'one'])):
            res = run_as(r.alice, db, '-q', *args)
            check(res.returncode == 0, '%s: %s' % (what, describe(res)))
        check(value_in(db, "SELECT count(*) FROM pg_namespace"
                       " WHERE nspname LIKE 'gtfs2pgsql\\_data\\_%'") == '0',
              'a data schema is left after the drop')

@test()
def exit_on_error_of_database_does_not_break_loads():
    """exit_on_error on the database (any database owner may set it): the
    swaps' deadlocks and lock timeouts, which a load retries, end the
    session instead; -j 3 loads of 6 feeds into a new database, then their
    reloads, all succeed."""
    feeds = feed_copies('exit', 6)
    n = with_settings([('database', 'exit_on_error', 'on')],
                      [('-j 3', ['-j', '3'] + feeds),
                       ('-j 3 reload', ['-j', '3'] + feeds)])
    check(n == '6', '%s feeds loaded of 6' % n)

@test()
def default_tablespace_of_database_does_not_break_loads():
    """default_tablespace = pg_global, which the database owner may set,
    would refuse every table: a load and a reload still succeed (the
    database's own tablespace is used)."""
    with_settings([('database', 'default_tablespace', 'pg_global')],
                  [('a load', ['-s', 'one', SAMPLE]), ('a reload', ['-s', 'one', SAMPLE])])

@test()
def gtfs2pgsql_settings_of_database_steer_nothing():
    """The settings swap.sql's and timetable's DO blocks read
    (gtfs2pgsql.*), set on the database (its owner may) to steer them: a
    trust check that finds an offender everywhere, another target and
    feed, leaves, views to drop; and plpgsql.variable_conflict.  A load, a
    reload with another feed id, --stats, a drop all succeed, and the
    schema named in them is untouched: each is set in the load's own
    transaction before it is read."""
    settings = [('database', 'gtfs2pgsql.trust_offenders',
                 "SELECT 'steered'::text AS object, 'by the database'::text"
                 " AS problem WHERE $1 IS NOT NULL"),
                ('database', 'gtfs2pgsql.swap_mode', 'drop'),
                ('database', 'gtfs2pgsql.leaves', '{victim}'),
                ('database', 'gtfs2pgsql.analysis_views', '{victim}'),
                ('database', 'gtfs2pgsql.analysis_matviews', '{victim}'),
                ('database', 'gtfs2pgsql.view_functions', '{victim}'),
                ('database', 'gtfs2pgsql.timetable_schema', 'victim'),
                ('database', 'plpgsql.variable_conflict', 'use_column')]
    for use in ('swap', 'drop'):
        settings += [('database', 'gtfs2pgsql.%s_target' % use, 'victim'),
                     ('database', 'gtfs2pgsql.%s_feed' % use, 'victim'),
                     ('database', 'gtfs2pgsql.%s_staging' % use, 'victim')]
    with Roles('alice') as r:
        db = r.database(r.alice)
        psql_as(r.alice, db, 'CREATE SCHEMA victim; CREATE TABLE victim.victim'
                ' (a int); CREATE VIEW victim.v AS SELECT 1 AS one;')
        for on, name, val in settings:
            it.psql('ALTER DATABASE %s SET %s = %s' % (qi(db), qi(name), ql(val)),
                    db=None)
        for what, args in (('a load', ['-s', 'one', SAMPLE]),
                           ('another feed id, --stats',
                            ['-s', 'one', '--feed-id', 'other', '--stats', SAMPLE]),
                           ('a drop', ['--drop', 'other'])):
            res = run_as(r.alice, db, '-q', *args)
            check(res.returncode == 0, '%s: %s' % (what, describe(res)))
        left = value_in(db, "SELECT string_agg(relname, ',' ORDER BY relname)"
                        " FROM pg_class WHERE relnamespace = 'victim'::regnamespace")
        check(left == 'v,victim', 'schema victim holds %s' % left)

# ------------------------------ red team 2: a hostile loader, the exporter

def loaded_for_reader(r, db, schema):
    """alice loads the sample into schema and lets r.reader read it."""
    check(run_as(r.alice, db, '-q', '-s', schema, SAMPLE).returncode == 0, 'load')
    psql_as(r.alice, db, 'GRANT USAGE ON SCHEMA gtfs2pgsql, {s} TO {r};'
            ' GRANT SELECT ON ALL TABLES IN SCHEMA gtfs2pgsql, {s} TO {r};'
            .format(s=qi(schema), r=qi(r.reader)))

def traversal_folder(name):
    """TMP/name, new, holding a/b: an export goes to a/b/out/, whence a
    name with "../../" reaches a/."""
    top = os.path.join(TMP, name)
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(os.path.join(top, 'a', 'b'))
    return top

@test()
def import_files_name_never_writes_outside_output():
    """The loader (owner of the registry, whom the exporter trusts) sets a
    file name of import_files to '../../x.txt': a reader's export to a
    folder must write nothing outside OUTPUT (it wrote x.txt two levels up,
    beside the folder's parent)."""
    with Roles('alice', 'reader') as r:
        db = r.database(r.alice)
        loaded_for_reader(r, db, 'feed')
        top = traversal_folder('traversal-write')
        psql_as(r.alice, db, "UPDATE feed.import_files SET file = "
                "'../../escaped.txt' WHERE file = 'agency.txt'")
        res = run_as(r.reader, db, '-s', 'feed',
                     os.path.join(top, 'a', 'b', 'out') + '/', prog=EXPORT)
        escaped = os.path.join(top, 'a', 'escaped.txt')
        check(not os.path.exists(escaped), 'the export wrote %s outside OUTPUT: %s'
              % (escaped, describe(res)))
        check(res.returncode == 1, 'exit 1 expected: %s' % describe(res))

@test()
def import_files_name_never_removes_a_file_outside_output():
    """import_files names '../../victim.txt', a file that exists: the
    export fails to create it ("wbx") and its clean-up must not unlink
    it (it removed the victim)."""
    with Roles('alice', 'reader') as r:
        db = r.database(r.alice)
        loaded_for_reader(r, db, 'feed')
        top = traversal_folder('traversal-unlink')
        victim = os.path.join(top, 'a', 'victim.txt')
        with open(victim, 'w') as f:
            f.write('precious\n')
        psql_as(r.alice, db, "UPDATE feed.import_files SET file = "
                "'../../victim.txt' WHERE file = 'stops.txt'")
        res = run_as(r.reader, db, '-s', 'feed',
                     os.path.join(top, 'a', 'b', 'out') + '/', prog=EXPORT)
        check(os.path.exists(victim), 'the export removed %s: %s' % (victim, describe(res)))
        check(res.returncode == 1, 'exit 1 expected: %s' % describe(res))

@test()
def import_files_name_is_a_plain_member_name_in_the_zip():
    """A zip member must not be named '../../slip.txt' (a zip slip for
    whoever unpacks the export): refused, exit 1."""
    with Roles('alice', 'reader') as r:
        db = r.database(r.alice)
        loaded_for_reader(r, db, 'feed')
        psql_as(r.alice, db, "UPDATE feed.import_files SET file = "
                "'../../slip.txt' WHERE file = 'agency.txt'")
        out = os.path.join(TMP, 'slip.zip')
        res = run_as(r.reader, db, '-s', 'feed', out, prog=EXPORT)
        check(res.returncode == 1, 'exit 1 expected: %s' % describe(res))

# The loader's type, and an implicit cast from it to numeric that runs her
# function: any comparison of a column of that type with a number runs it.
HOSTILE_CAST = '''
CREATE TYPE public.ev AS (v float8);
CREATE FUNCTION public.ev_num(public.ev) RETURNS numeric LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.escalate_now(); RETURN ($1).v; END $f$;
CREATE CAST (public.ev AS numeric) WITH FUNCTION public.ev_num(public.ev) AS IMPLICIT;
-- the feed's and the cross-feed views of stop_lon are hers too: they go first
DROP VIEW IF EXISTS feed.stops_translated CASCADE;
DROP VIEW gtfs2pgsql.stops_translated CASCADE;
ALTER TABLE gtfs2pgsql.stops ALTER stop_lon TYPE public.ev
  USING ROW(stop_lon)::public.ev;
'''

@test()
def loader_cast_never_runs_at_superuser_bbox_export():
    """The loader gives stops.stop_lon a composite type of hers with an
    implicit cast to numeric (a role may, on a type she owns); a
    superuser's export with --bbox compares stop_lon with numbers and ran
    her cast function, which made her superuser.  Her code must not run
    (refusing a column of a type the exporter does not trust would do)."""
    with Roles('alice') as r:
        db = r.database(r.alice)
        check(run_as(r.alice, db, '-q', '-s', 'feed', SAMPLE).returncode == 0, 'load')
        psql_as(r.alice, db, ESCALATE % qi(r.alice) + HOSTILE_CAST)
        out = os.path.join(TMP, 'cast-bbox.zip')
        res = subprocess.run([EXPORT, '-d', db, '-s', 'feed',
                              '--bbox=-180,-90,180,90', out],
                             capture_output=True, text=True, errors='replace',
                             timeout=it.TIMEOUT)
        check(not is_super(r.alice), 'she became superuser: %s' % describe(res))
        check(marks(db) == '0', 'her cast function ran %s times' % marks(db))
        refused_naming(res, r'stop_lon.*its type .*ev is neither built in nor PostGIS')

if __name__ == '__main__':
    it.main()
