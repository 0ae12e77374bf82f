#!/usr/bin/python3
"""
Feeds of another server (issue 28): the test starts a second PostgreSQL
cluster of its own (initdb in a temporary directory, its own port,
password authentication over TCP on the loopback), loads feeds there with
gtfs2pgsql, and attaches them to the test database's cross-feed tables
with gtfs2pgsql --attach through a foreign server and user mapping made as
a user would; then queries across the servers, the second server stopped
and started again, a reload there seen atomically, a refresh and --drop.

    tests/with-postgres tests/remote.py [NAME-SUBSTRING]

The tests run in order on one second cluster (each one's state is the
next's).  Uses the harness of tests/integration.py.  Standard library only.
"""
import atexit, os, shutil, socket, subprocess, sys, tempfile, time

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, value, qi, ql = it.query, it.value, it.qi, it.ql
SAMPLE = g.SAMPLE
SERVER = 'two_far'                  # the foreign server, as the user names it
READER = 'gtfs2pgsql_far_reader'    # the role the coordinator logs in as there
SECRET = 'far-secret'


def pg_bin():
    """The directory of the server's initdb and pg_ctl (pg_config's)."""
    out = subprocess.run(['pg_config', '--bindir'], capture_output=True, text=True)
    for d in (out.stdout.strip(), '/usr/lib/postgresql/15/bin'):
        if d and os.path.exists(os.path.join(d, 'initdb')):
            return d
    raise AssertionError('no initdb (pg_config --bindir, /usr/lib/postgresql/15/bin)')


class Cluster:
    """A second cluster: data directory and socket in a temporary directory,
    listening on 127.0.0.1 at a free port, local connections trusted, TCP
    ones by password.  Run as user postgres when we are root (initdb
    refuses root), as tests/with-postgres's pg_virtualenv does."""

    def __init__(self):
        self.bin = pg_bin()
        self.dir = tempfile.mkdtemp(prefix='gtfs2pgsql_remote_')
        self.data = os.path.join(self.dir, 'data')
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            self.port = s.getsockname()[1]
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, 'postgres', 'postgres')
            self.as_user = ['runuser', '-u', 'postgres', '--']
        self.cmd('initdb', '-D', self.data, '-U', 'postgres', '-E', 'UTF8',
                 '--locale', 'C', '--auth-local=trust', '--auth-host=scram-sha-256')
        with open(os.path.join(self.data, 'postgresql.conf'), 'a') as f:
            f.write("port = %d\nlisten_addresses = '127.0.0.1'\n"
                    "unix_socket_directories = '%s'\nfsync = off\n" % (self.port, self.dir))
        self.running = False
        self.start()

    def cmd(self, prog, *args):
        r = subprocess.run(self.as_user + [os.path.join(self.bin, prog)] + list(args),
                           capture_output=True, text=True)
        check(r.returncode == 0, '%s: %s' % (prog, r.stderr.strip() or r.stdout.strip()))

    def start(self):
        self.cmd('pg_ctl', '-D', self.data, '-l', os.path.join(self.dir, 'log'), '-w', 'start')
        self.running = True

    def stop(self):
        self.cmd('pg_ctl', '-D', self.data, '-m', 'fast', '-w', 'stop')
        self.running = False

    def conninfo(self, db='postgres'):
        """Over the socket, as its superuser: the tests' side, not the
        coordinator's."""
        return 'host=%s port=%d user=postgres dbname=%s' % (self.dir, self.port, db)

    def psql(self, sql, db='postgres'):
        r = subprocess.run(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
                            '-d', self.conninfo(db), '-c', sql],
                           capture_output=True, text=True)
        check(r.returncode == 0, 'on the second server: %s\n  in: %s' % (r.stderr.strip(), sql))
        return r.stdout.strip()

    def remove(self):
        if self.running:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


FAR = None              # the second cluster, made by the first test
FAR_DB = 'far_db'


def far():
    check(FAR is not None, 'no second cluster (the first test failed)')
    return FAR


def load_far(feed_id, feed):
    r = g.run('-q', '--feed-id', feed_id, feed, db=far().conninfo(FAR_DB))
    check(r.returncode == 0, 'loading %s on the second server: %s' % (feed_id, it.describe(r)))


def attach(*feed_ids):
    return g.run('--attach', SERVER, *feed_ids)


def plan(sql):
    return it.psql('EXPLAIN (VERBOSE, COSTS OFF) %s;' % sql)


def fails_naming_server(sql):
    try:
        it.psql(sql + ';')
    except AssertionError as e:
        return SERVER in str(e), str(e)
    return False, 'it did not fail'


# the feed reloaded there: its stops renamed, a file more
V2 = None


def v2_feed():
    global V2
    if V2 is None:
        lines = g.read_text(SAMPLE, 'stops.txt').split('\n')
        head = lines[0].split(',')
        name = head.index('stop_name')
        out = [lines[0]]
        for l in lines[1:]:
            if l:
                f = l.split(',')
                f[name] = f[name] + ' v2'
                out.append(','.join(f))
        V2 = g.make_feed('remote_v2', {'stops.txt': '\n'.join(out) + '\n'})
    return V2


@test()
def attach_a_feed_of_another_server():
    """The second server's feed joins the cross-feed tables through the
    foreign server the user made, recorded in the registry, its foreign
    tables analyzed (the views' joins need statistics); a query on it
    reaches that server alone, its filter pushed down; counts across local
    and remote feeds are right; so are its timetable views."""
    global FAR
    FAR = Cluster()
    atexit.register(FAR.remove)
    FAR.psql('CREATE DATABASE %s' % FAR_DB)
    load_far('far', g.make_feed('remote_v1', {'frequencies.txt': None}))
    FAR.psql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (READER, SECRET))
    FAR.psql('GRANT USAGE ON SCHEMA far, gtfs2pgsql TO %s;'
             ' GRANT SELECT ON ALL TABLES IN SCHEMA far, gtfs2pgsql TO %s;'
             ' ALTER DEFAULT PRIVILEGES IN SCHEMA far GRANT SELECT ON TABLES TO %s'
             % (READER, READER, READER), db=FAR_DB)
    r = g.run('-q', '--feed-id', 'near', SAMPLE)
    check(r.returncode == 0, it.describe(r))
    # before the server exists: refused, naming it
    r = attach('far')
    check(r.returncode == 1 and 'no foreign server %s' % SERVER in r.stderr,
          'attach without a server: %s' % it.describe(r))
    it.psql("CREATE EXTENSION IF NOT EXISTS postgres_fdw;"
            " CREATE SERVER %s FOREIGN DATA WRAPPER postgres_fdw"
            " OPTIONS (host '127.0.0.1', port '%d', dbname '%s');"
            " CREATE USER MAPPING FOR CURRENT_USER SERVER %s"
            " OPTIONS (user '%s', password '%s');"
            % (SERVER, FAR.port, FAR_DB, SERVER, READER, SECRET))
    r = attach('nowhere')
    check(r.returncode == 1 and 'holds no feed nowhere' in r.stderr,
          'attach of a feed the server lacks: %s' % it.describe(r))
    r = attach('near')
    check(r.returncode == 1, 'attach of a feed id loaded here: %s' % it.describe(r))
    r = attach('far')
    check(r.returncode == 0, 'attach: %s' % it.describe(r))
    check(query("SELECT schema_name, server_name, file_name FROM gtfs2pgsql.feeds"
                " WHERE feed_id = 'far'") == [('far', SERVER, 'remote_v1')],
          'registry: %r' % query("SELECT * FROM gtfs2pgsql.feeds WHERE feed_id = 'far'"))
    n = value("SELECT count(*) FROM near.stop_times")
    # analyzed: without statistics the cross-feed views' joins ran for minutes
    analyzed = query("SELECT c.relname, c.reltuples::bigint::text FROM pg_class c"
                     " WHERE c.relnamespace = 'far'::regnamespace AND c.relkind = 'f'"
                     " AND c.relname IN ('stop_times', 'arrivals_departures')"
                     " AND c.reltuples >= 0 ORDER BY 1")
    check(analyzed == [('stop_times', n)],
          'the foreign tables (not the views) analyzed: %r' % analyzed)
    c = dict(query("SELECT feed_id, count(*)::text FROM gtfs2pgsql.stop_times GROUP BY 1"))
    check(c == {'near': n, 'far': n}, 'cross-feed counts %r, %s each' % (c, n))
    check(value("SELECT count(*) FROM gtfs2pgsql.stops s JOIN gtfs2pgsql.stop_times t"
                " USING (feed_id, stop_id) WHERE feed_id = 'far'") == n,
          'a join within the remote feed')
    stop = value("SELECT min(stop_id) FROM near.stop_times")
    p = plan("SELECT arrival_time FROM gtfs2pgsql.stop_times"
             " WHERE feed_id = 'far' AND stop_id = %s" % ql(stop))
    check('Foreign Scan on far.stop_times' in p and 'Remote SQL' in p
          and 'stop_id = ' in p.split('Remote SQL')[1]
          and 'Seq Scan' not in p and 'Index' not in p,
          'a one-feed query of the remote feed:\n%s' % p)
    p = plan("SELECT arrival_time FROM gtfs2pgsql.stop_times WHERE feed_id = 'near'")
    check('Foreign' not in p, 'a local feed\'s query reaches the server:\n%s' % p)
    # the feed's views, computed there; the cross-feed ones over its tables
    ad = FAR.psql('SELECT count(*) FROM far.arrivals_departures', db=FAR_DB)
    check(value('SELECT count(*) FROM far.arrivals_departures') == ad,
          'far.arrivals_departures')
    check(value("SELECT count(*) FROM gtfs2pgsql.arrivals_departures"
                " WHERE feed_id = 'far'") == ad,
          'gtfs2pgsql.arrivals_departures of the remote feed')


@test()
def load_over_an_attached_feed_refused():
    """A load here under the feed id of an attached feed, or into its
    schema, is refused before anything is read (exit 1, naming the server),
    not failed at the swap on its partitions; the attached feed stays."""
    before = query("SELECT feed_id, schema_name, server_name FROM gtfs2pgsql.feeds"
                   " ORDER BY 1")
    for args, said in ((['--feed-id', 'far'], 'feed "far" is attached from server "%s"'),
                       (['--feed-id', 'other', '-s', 'far'],
                        'schema "far" holds feed "far" of server "%s"'),
                       (['--feed-id', 'far', '-s', 'elsewhere'],
                        'feed "far" is attached from server "%s"')):
        r = g.run('-q', *(args + [SAMPLE]))
        check(r.returncode == 1 and said % SERVER in r.stderr
              and 'gtfs2pgsql --drop far' in r.stderr,
              'a load %s over the attached feed: %s' % (' '.join(args), it.describe(r)))
    check(query("SELECT feed_id, schema_name, server_name FROM gtfs2pgsql.feeds"
                " ORDER BY 1") == before, 'the registry changed')
    check(value("SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = 'far'")
          == value("SELECT count(*) FROM near.stop_times"), 'the attached feed')


@test()
def schema_of_another_servers_feed_refused():
    """Two servers may each hold a feed in a schema of one name: attaching
    the second's is refused (exit 1, naming the feed there and its
    server), not the first's feed detached and its registry row lost."""
    far().psql('CREATE DATABASE far_db2')
    r = g.run('-q', '--feed-id', 'twin', '-s', 'far', SAMPLE, db=far().conninfo('far_db2'))
    check(r.returncode == 0, 'loading twin there: %s' % it.describe(r))
    it.psql("CREATE SERVER two_far2 FOREIGN DATA WRAPPER postgres_fdw"
            " OPTIONS (host '127.0.0.1', port '%d', dbname 'far_db2');"
            " CREATE USER MAPPING FOR CURRENT_USER SERVER two_far2"
            " OPTIONS (user 'postgres', password_required 'false')" % far().port)
    far().psql("ALTER ROLE postgres PASSWORD '%s'" % SECRET)
    it.psql("ALTER USER MAPPING FOR CURRENT_USER SERVER two_far2"
            " OPTIONS (ADD password '%s')" % SECRET)
    before = query("SELECT feed_id, schema_name, server_name FROM gtfs2pgsql.feeds"
                   " ORDER BY 1")
    try:
        r = g.run('--attach', 'two_far2', 'twin')
        check(r.returncode == 1 and 'schema far holds feed far of server %s' % SERVER
              in r.stderr, 'a feed of another server in the schema of far: %s'
              % it.describe(r))
        check(query("SELECT feed_id, schema_name, server_name FROM gtfs2pgsql.feeds"
                    " ORDER BY 1") == before, 'the registry changed')
        check(value("SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = 'far'") != '0',
              'the feed far was detached')
    finally:
        it.psql('DROP SERVER two_far2 CASCADE')
        far().psql('DROP DATABASE far_db2')


@test()
def server_of_another_role_refused():
    """A foreign server of another role is not used: its owner says where
    the rows come from (trust.h)."""
    other = 'gtfs2pgsql_other_%d' % os.getpid()
    it.psql("CREATE ROLE %s; GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO %s;"
            " CREATE SERVER other_far FOREIGN DATA WRAPPER postgres_fdw"
            " OPTIONS (host '127.0.0.1', port '%d', dbname '%s');"
            " CREATE USER MAPPING FOR CURRENT_USER SERVER other_far"
            " OPTIONS (user '%s', password '%s');"
            " ALTER SERVER other_far OWNER TO %s"
            % (other, other, far().port, FAR_DB, READER, SECRET, other))
    try:
        r = g.run('--attach', 'other_far', 'far')
        check(r.returncode == 1 and 'belongs to role %s' % other in r.stderr,
              'a server of another role: %s' % it.describe(r))
        check(query("SELECT server_name FROM gtfs2pgsql.feeds WHERE feed_id = 'far'")
              == [(SERVER,)], 'the feed moved to the other server')
    finally:
        it.psql("DROP SERVER other_far CASCADE; DROP OWNED BY %s; DROP ROLE %s"
                % (other, other))


@test()
def server_down_and_up_again():
    """The second server stopped: local feeds are queried, and loaded, as
    before; a query of its feed fails naming the server.  Started again,
    everything works, nothing repaired."""
    far().stop()
    try:
        n = value("SELECT count(*) FROM near.stop_times")
        check(value("SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = 'near'") == n,
              'a local feed while the server is down')
        named, msg = fails_naming_server(
            "SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = 'far'")
        check(named, 'the remote feed while its server is down: %s' % msg)
        named, msg = fails_naming_server("SELECT count(*) FROM gtfs2pgsql.stops")
        check(named, 'every feed while a server is down: %s' % msg)
        r = g.run('-q', '--feed-id', 'near_two', SAMPLE)
        check(r.returncode == 0, 'a load while a server is down: %s' % it.describe(r))
    finally:
        far().start()
    c = dict(query("SELECT feed_id, count(*)::text FROM gtfs2pgsql.stop_times GROUP BY 1"))
    check(c.get('far') == c.get('near') == c.get('near_two'), 'once started: %r' % c)


@test()
def remote_reload_seen_atomically_then_refreshed():
    """A reload on the second server is seen from here whole or not at all
    (a reader there makes its swap wait, the new rows loaded: here, the old
    feed); then --attach again brings its new table (frequencies)."""
    stops = value("SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = 'far'")
    # a reader of the feed there: the reload's swap waits for it
    reader = subprocess.Popen(['psql', '-X', '-q', '-d', far().conninfo(FAR_DB)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    reader.stdin.write('BEGIN; SELECT count(*) FROM far.stops;\n')
    reader.stdin.flush()
    time.sleep(0.5)
    p, err = g.spawn('-q', '--feed-id', 'far', v2_feed(), db=far().conninfo(FAR_DB))
    try:
        deadline = time.time() + 30
        while 'waiting' not in open(err.name).read() and p.poll() is None:
            check(time.time() < deadline, 'the reload there never waited')
            time.sleep(0.2)
        check(p.poll() is None, 'the reload did not wait for the reader')
        seen = query("SELECT count(*), count(*) FILTER (WHERE stop_name LIKE '% v2')"
                     " FROM gtfs2pgsql.stops WHERE feed_id = 'far'")
        check(seen == [(stops, '0')], 'during the reload there: %r' % seen)
    finally:
        reader.stdin.write('COMMIT;\n')
        reader.stdin.close()
        reader.wait(timeout=30)
    check(p.wait(timeout=60) == 0, 'the reload there: %s' % open(err.name).read())
    seen = query("SELECT count(*), count(*) FILTER (WHERE stop_name LIKE '% v2')"
                 " FROM gtfs2pgsql.stops WHERE feed_id = 'far'")
    there = far().psql("SELECT count(*) || '|' || count(*) FILTER (WHERE stop_name LIKE"
                       " '% v2') FROM far.stops", db=FAR_DB)
    check(seen == [tuple(there.split('|'))] and seen[0][1] != '0',
          'after the reload there: %r, there %s' % (seen, there))
    check(value("SELECT count(*) FROM gtfs2pgsql.frequencies WHERE feed_id = 'far'") == '0',
          'frequencies before the refresh')
    r = attach('far')
    check(r.returncode == 0, 'refresh: %s' % it.describe(r))
    check(value("SELECT count(*) FROM gtfs2pgsql.frequencies WHERE feed_id = 'far'")
          == value("SELECT count(*) FROM near.frequencies") != '0',
          'frequencies of the refreshed feed')
    check(value("SELECT file_name FROM gtfs2pgsql.feeds WHERE feed_id = 'far'") == 'remote_v2',
          'the registry after the refresh')


@test()
def drop_detaches_a_feed_of_another_server():
    """--drop of an attached feed detaches it here; it stays there.  A
    reader of its cross-feed tables holds the drop at most --wait, then it
    fails (exit 3, said why), the feed attached."""
    reader = subprocess.Popen(['psql', '-X', '-q', '-d', it.DB],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    reader.stdin.write("BEGIN; SELECT count(*) FROM gtfs2pgsql.stops"
                       " WHERE feed_id = 'far';\n")
    reader.stdin.flush()
    time.sleep(0.5)
    try:
        start = time.time()
        r = g.run('--wait', '1', '--drop', 'far')
        took = time.time() - start
        check(r.returncode == 3 and 'lock timeout' in r.stderr and took < 10,
              'a drop while a reader holds the feed (%.1f s): %s' % (took, it.describe(r)))
        check(value("SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = 'far'") != '0',
              'the feed was detached')
    finally:
        reader.stdin.write('COMMIT;\n')
        reader.stdin.close()
        reader.wait(timeout=30)
    r = g.run('--drop', 'far')
    check(r.returncode == 0, it.describe(r))
    check(value("SELECT count(*) FROM gtfs2pgsql.feeds WHERE feed_id = 'far'") == '0'
          and value("SELECT to_regnamespace('far') IS NULL") == 't'
          and value("SELECT count(*) FROM gtfs2pgsql.stops WHERE feed_id = 'far'") == '0',
          'the feed is still attached')
    check(value("SELECT count(*) FROM pg_class WHERE relkind = 'f'") == '0',
          'foreign tables are left')
    check(far().psql("SELECT count(*) FROM far.stops", db=FAR_DB) != '0',
          'the feed is gone from its server')


if __name__ == '__main__':
    try:
        it.main()
    finally:
        if FAR is not None:
            FAR.remove()
