#!/usr/bin/env python3
"""bench/queries.py: gtfs-via-postgres's own query benchmark, against it.

    bench/queries.py FEED GVP_DB G2P_DB G2P_SCHEMA [OUT.md]

Runs the queries of the performance table of gtfs-via-postgres's readme.md
(section "Performance", VBB Berlin), with the ids, names and dates of FEED
(one of FEEDS below) in place of VBB's, against gtfs-via-postgres's database
GVP_DB (schema public) and gtfs2pgsql's G2P_DB (schema G2P_SCHEMA), both
loaded from the same feed into the same server (bench/queries.sh does the
loads).  Each query runs as many times as in their table (BENCH_QUERY_SCALE,
default 1, multiplies that), or, when BENCH_QUERY_SECONDS is set, stops
after that many seconds of the pair (at least BENCH_QUERY_LEAST iterations,
default 3), the two alternating
iteration by iteration on two open psql sessions, so that the machine's
other work weighs on both alike.  BENCH_QUERY_ONLY, a regular expression,
runs the queries whose name it finds only.  The time is psql's \\timing (round trip,
rows read and thrown away), the same for both.

Before timing, every query's rows are compared, row for row, between the
two (on the columns both have, in text; an ordered query with ties on its
order by its sorted order keys only): "same" or the differing rows.

Writes a Markdown table (p50 and p95 in ms of each side, their ratio, the
rows, the comparison) to OUT.md and stdout.
"""
import os
import re
import statistics
import subprocess
import sys

# The values of each feed the queries name, as VBB's in their table: a
# point for the stops nearest it, a route's short name, a station, one of
# its stops (or the busiest stop when the feed has no stations), a trip
# running on the day, a route for stats_by_route_date, a weekday, the
# 20-minute window on it (the feed's local time with its offset) and the
# week of the statistics.
FEEDS = {
    'mta-bus-brooklyn-2026-reconstructed': {
        'lon': -73.95, 'lat': 40.65,
        'route_short_name': 'B41',
        # MTA's bus feed has no stations (parent_station empty): both sides
        # return no row for a station; the stop is the busiest one
        'station_id': '308791', 'station_note': 'no station in this feed',
        'stop_id': '308791',
        'trip_id': None,        # filled by pick_trip (the first B41 trip)
        'route_id': 'B41',
        'day_before': '2026-10-12', 'day': '2026-10-13',
        't1': '2026-10-13T07:10-04', 't2': '2026-10-13T07:30-04',
        'week_from': '2026-10-12', 'week_to': '2026-10-18',
    },
    # bench/genfeed.c --stop-times 10M (seed 20260101) as of 3ca0d1e (the
    # generator before its blocks and timepoints: the feed gtfs-via-postgres
    # loaded in 15-25 min, kept), America/Montreal: the city's centre, bus
    # route 11 (no frequencies.txt row), the first station and its platform
    'synthetic-10M': {
        'lon': -73.5684, 'lat': 45.5036,
        'route_short_name': '11',
        'station_id': 'STA10201', 'station_note': 'King Station',
        'stop_id': 'P10202',
        'trip_id': None,
        'route_id': 'R1',
        'day_before': '2026-10-12', 'day': '2026-10-13',
        't1': '2026-10-13T07:10-04', 't2': '2026-10-13T07:30-04',
        'week_from': '2026-10-12', 'week_to': '2026-10-18',
    },
}


def queries(p):
    """[(name, iterations as in their table, SQL for gtfs-via-postgres, SQL
    for gtfs2pgsql, columns compared, ordered)] in their table's order"""
    win = (f"t_departure >= '{p['t1']}' AND t_departure <= '{p['t2']}'\n"
           f"AND date >= dates_filter_min('{p['t1']}')\n"
           f"AND date <= dates_filter_max('{p['t2']}')")
    win_ts = (f"t_departure >= '{p['t1']}' AND t_departure <= '{p['t2']}'\n"
              f"AND date >= dates_filter_min('{p['t1']}'::timestamp with time zone)\n"
              f"AND date <= dates_filter_max('{p['t2']}'::timestamp with time zone)")
    win_dates = (f"t_departure >= '{p['t1']}' AND t_departure <= '{p['t2']}'\n"
                 f"AND date >= '{p['day_before']}'\nAND date <= '{p['day']}'")
    trip = (f"trip_id = '{p['trip_id']}'\n"
            f"AND date > '{p['day_before']}' AND date <= '{p['day']}'")
    # date is a timestamp there, a date here; instants as epochs
    cols = {
        'arrivals_departures': (
            "arrival_departure_id, route_id, trip_id, date::date, stop_sequence,"
            " stop_sequence_consec, stop_id, station_id,"
            " extract(epoch FROM t_arrival), extract(epoch FROM t_departure)"),
        'connections': (
            "connection_id, route_id, trip_id, date::date, from_stop_sequence,"
            " from_stop_id, from_station_id, to_stop_sequence, to_stop_id,"
            " extract(epoch FROM t_departure), extract(epoch FROM t_arrival)"),
    }
    stops = ("SELECT *\nFROM stops\nORDER BY ST_Distance({}, ST_SetSRID("
             f"ST_MakePoint({p['lon']}, {p['lat']}), 4326)) ASC\nLIMIT 100")
    # the stop's point: stop_loc (geography) there, geom (geometry) here
    q = [('stops by distance', 170, stops.format('stop_loc::geometry'),
          stops.format('geom'), 'stop_id', True)]

    def add(name, iterations, sql, compared, ordered=False):
        q.append((name, iterations, sql, sql, compared, ordered))

    for view, by_station, by_stop, seq, n in (
            ('arrivals_departures', 'station_id', 'stop_id', 'stop_sequence',
             (90, 170, 500, 400, 500, 50, 500, 5, 5)),
            ('connections', 'from_station_id', 'from_stop_id',
             'from_stop_sequence', (20, 50, 300, 200, 500, 40, 500, 3, 3))):
        c = cols[view]
        add(f'{view}: route_short_name, window', n[0],
            f"SELECT *\nFROM {view}\nWHERE route_short_name = "
            f"'{p['route_short_name']}'\nAND {win}", c)
        add(f'{view}: {by_station}, window', n[1],
            f"SELECT *\nFROM {view}\nWHERE {by_station} = "
            f"'{p['station_id']}'\nAND {win}", c)
        add(f'{view}: {by_station}, window, {seq} = 0', n[2],
            f"SELECT *\nFROM {view}\nWHERE {by_station} = "
            f"'{p['station_id']}'\nAND {win}\nAND {seq} = 0", c)
        add(f'{view}: {by_stop}, window', n[3],
            f"SELECT *\nFROM {view}\nWHERE {by_stop} = "
            f"'{p['stop_id']}'\nAND {win}", c)
        add(f'{view}: trip_id, one day', n[4],
            f"SELECT *\nFROM {view}\nWHERE {trip}", c)
        add(f'{view}: count of {by_stop}', n[5],
            f"SELECT count(*)\nFROM {view}\nWHERE {by_stop} = "
            f"'{p['stop_id']}'", 'count')
        add(f'{view}: count of a {by_stop} not there', n[6],
            f"SELECT count(*)\nFROM {view}\nWHERE {by_stop} = "
            "'definitely-non-existent'", 'count')
        # every route in the window; connections' first 100 only (ties
        # in t_departure: compared by their t_departure)
        tail, c_all = (("\nORDER BY t_departure\nLIMIT 100",
                        "extract(epoch FROM t_departure)")
                       if view == 'connections' else ("", c))
        add(f'{view}: all in window, dates_filter_min/max', n[7],
            f"SELECT *\nFROM {view}\nWHERE {win_ts}{tail}", c_all)
        add(f'{view}: all in window, dates by hand', n[8],
            f"SELECT *\nFROM {view}\nWHERE {win_dates}{tail}", c_all)
    add('stats_by_route_date: one route, a week', 5,
        f"SELECT *\nFROM stats_by_route_date\nWHERE route_id = "
        f"'{p['route_id']}'\nAND date >= '{p['week_from']}' AND date <= "
        f"'{p['week_to']}'\nAND is_effective = true",
        "route_id, date::date, dow, nr_of_trips, nr_of_arrs_deps, is_effective")
    return q


class Session:
    """An open psql session on DB whose search_path is SCHEMA, output thrown
    away and \\timing on: run(sql) gives psql's time of sql in ms"""

    MARK = 'bench-queries-done'

    def __init__(self, db, schema):
        self.proc = subprocess.Popen(
            ['psql', '-X', '-q', '-d', db, '-v', 'ON_ERROR_STOP=1'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.send(f"SET search_path = {schema}, public;\n"
                  "\\pset format unaligned\n\\o /dev/null\n\\timing on\n")
        self.wait()

    def send(self, text):
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def wait(self):
        """the times psql printed up to the mark"""
        self.send(f"\\echo {self.MARK}\n")
        times = []
        for line in self.proc.stdout:
            line = line.strip()
            if line == self.MARK:
                return times
            if line.startswith('Time: '):
                times.append(float(line.split()[1]))
        sys.exit(f"bench/queries.py: psql ended (status {self.proc.wait()})")

    def run(self, sql):
        self.send(sql + ";\n")
        times = self.wait()
        if len(times) != 1:
            sys.exit(f"bench/queries.py: {len(times)} timings for:\n{sql}")
        return times[0]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def rows(db, schema, sql, compared, ordered):
    """the rows of sql projected on compared, as text lines (sorted unless
    ordered)"""
    out = subprocess.run(
        ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db],
        input=f"SET search_path = {schema}, public;\n"
              f"SELECT {compared} FROM (\n{sql}\n) q;\n",
        capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"bench/queries.py: {db}: {out.stderr}")
    lines = out.stdout.splitlines()
    return lines if ordered else sorted(lines)


def value(db, sql):
    """the one value sql gives in db, as text"""
    out = subprocess.run(['psql', '-X', '-At', '-d', db, '-c', sql],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def pick_trip(db, p):
    """a trip of the route running on the day (their table: a trip of
    theirs), the first by trip_id"""
    return value(db, "SELECT min(trip_id) FROM arrivals_departures WHERE"
                     f" route_short_name = '{p['route_short_name']}' AND date"
                     f" = '{p['day']}'")


def populated(db, schema):
    """whether gtfs2pgsql's stats_by_route_date of schema was filled"""
    return value(db, "SELECT ispopulated FROM pg_catalog.pg_matviews WHERE"
                     f" schemaname = '{schema}' AND matviewname ="
                     " 'stats_by_route_date'") == 't'


def percentile(values, pct):
    """nearest-rank percentile"""
    s = sorted(values)
    return s[max(0, -(-len(s) * pct // 100) - 1)]


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    feed, gvp_db, g2p_db, g2p_schema = sys.argv[1:5]
    out_md = sys.argv[5] if len(sys.argv) == 6 else None
    if feed not in FEEDS:
        sys.exit(f"bench/queries.py: no values for feed {feed} (FEEDS)")
    p = dict(FEEDS[feed])
    if not p['trip_id']:
        p['trip_id'] = pick_trip(gvp_db, p)
    scale = float(os.environ.get('BENCH_QUERY_SCALE', '1'))
    budget = float(os.environ.get('BENCH_QUERY_SECONDS', '0'))
    least = int(os.environ.get('BENCH_QUERY_LEAST', '3'))
    only = os.environ.get('BENCH_QUERY_ONLY')
    suite = [t for t in queries(p) if not only or re.search(only, t[0])]

    gvp = Session(gvp_db, 'public')
    g2p = Session(g2p_db, g2p_schema)
    lines = [f"| query | iterations | rows | same rows | gvp p50 | gvp p95 "
             f"| g2p p50 | g2p p95 | gvp/g2p p50 |",
             "|---|--:|--:|---|--:|--:|--:|--:|--:|"]
    print(lines[0], flush=True)
    diffs = []
    for name, iterations, sql_gvp, sql_g2p, compared, ordered in suite:
        if name.startswith('stats_by_route_date') and not populated(
                g2p_db, g2p_schema):
            # ours is a materialized view: its REFRESH reads every stop
            # time of every day (2.5 billion rows for the generated 10M)
            line = f"| {name} | - | - | - | - | - | not filled | - | - |"
            lines.append(line)
            print(line, flush=True)
            continue
        theirs = rows(gvp_db, 'public', sql_gvp, compared, ordered)
        ours = rows(g2p_db, g2p_schema, sql_g2p, compared, ordered)
        same = 'yes' if theirs == ours else 'NO'
        if theirs != ours:
            only_theirs = sorted(set(theirs) - set(ours))
            only_ours = sorted(set(ours) - set(theirs))
            diffs.append((name, len(theirs), len(ours), only_theirs[:5],
                          only_ours[:5], len(only_theirs), len(only_ours)))
        n = max(1, round(iterations * scale))
        t_gvp, t_g2p = [], []
        while len(t_gvp) < n:   # alternately
            t_gvp.append(gvp.run(sql_gvp))
            t_g2p.append(g2p.run(sql_g2p))
            if (budget and len(t_gvp) >= least
                    and sum(t_gvp) + sum(t_g2p) > budget * 1000):
                n = len(t_gvp)
        row = [percentile(t, pct) for t in (t_gvp, t_g2p) for pct in (50, 95)]
        ratio = row[0] / row[2] if row[2] else float('inf')
        count = theirs[0] if compared == 'count' else str(len(theirs))
        line = (f"| {name} | {n} | {count} | {same} | {row[0]:.1f} | "
                f"{row[1]:.1f} | {row[2]:.1f} | {row[3]:.1f} | {ratio:.1f} |")
        lines.append(line)
        print(line, flush=True)
    gvp.close()
    g2p.close()
    for name, n_theirs, n_ours, ot, oo, n_ot, n_oo in diffs:
        lines.append(f"\n{name}: gtfs-via-postgres {n_theirs} rows, gtfs2pgsql"
                     f" {n_ours}; {n_ot} only theirs, {n_oo} only ours")
        lines += [f"    theirs: {x}" for x in ot] + [f"    ours:   {x}" for x in oo]
    lines.append("\nValues: " + ", ".join(f"{k} {v}" for k, v in p.items()))
    if out_md:
        with open(out_md, 'w') as f:
            f.write("\n".join(lines) + "\n")
    print("\n".join(lines[len(suite) + 2:]))


if __name__ == '__main__':
    main()
