#!/usr/bin/python3
"""
The validator's rules (schema/rules/) against a hostile feed author
(issue 26, red team): inputs that would make a rule quadratic or explode
in notices.

    tests/with-postgres tests/rules_hostile.py [NAME-SUBSTRING]

  block_of_many_trips_bounded  hundreds of trips of one block_id, all at
                               once: the rule's step stays short and gives
                               one notice per trip, not one per pair
  block_of_sequential_trips_bounded  20,000 trips of one block one after
                               the other: each compared with its neighbours
  pathway_chain_bounded        a chain of 5,000 pathway nodes: the search
                               from the entrances follows each node's own
                               pathways, not every pathway at each step

Built on BASE (tests/rulefeed.py), loaded --as-of AS_OF with --report to
read each rule's step.  Uses the harness of tests/integration.py.
Standard library only.
"""
import copy, json, os, sys

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402
import gtfstest as g                                         # noqa: E402

g.VALIDATE = True            # these test the rules


if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check = it.test, it.check
query, qi = it.query, it.qi

from rulefeed import AS_OF, BASE, feed_text                  # noqa: E402


def load_with_report(name, files, *options):
    """Loads files into schema name; asserts exit 0.  ({code: count},
    {rule step: seconds})."""
    d = it.write_feed(name, feed_text(files))
    report = os.path.join(g.TMP, name + '.json')
    g.load_ok(d, name, '--as-of', AS_OF, '--report', report, *options)
    with open(report) as f:
        steps = {s['step']: s['seconds'] for s in json.load(f)['steps']}
    counts = dict(query('SELECT code, count(*)::int FROM %s.import_notices GROUP BY code'
                        % qi(name)))
    return {k: int(v) for k, v in counts.items()}, steps


def hms(seconds):
    return '%02d:%02d:%02d' % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def trips_of_one_block(files, n, gap=0):
    """files' trips and stop_times replaced by n trips of block BL over P1,
    B, C: every one from 08:00 to 08:10, or, gap seconds apart, from
    00:00 + i gap to i gap + 2 s."""
    files['trips.txt'], files['stop_times.txt'] = [], []
    for i in range(n):
        trip = 'T%d' % i
        files['trips.txt'].append(dict(
            route_id='R1', service_id='ALL', trip_id=trip, trip_headsign='Oak Avenue',
            direction_id='0', shape_id='N', wheelchair_accessible='1', bikes_allowed='1',
            block_id='BL'))
        for s, stop in enumerate(('P1', 'B', 'C')):
            t = hms(i * gap + s) if gap else '08:%02d:00' % (s * 5)
            files['stop_times.txt'].append(dict(
                trip_id=trip, arrival_time=t, departure_time=t, stop_id=stop,
                stop_sequence=str(s + 1), shape_dist_traveled=str(s * 1000),
                timepoint='1'))


@test()
def block_of_many_trips_bounded():
    """300 trips of one block, all at once on a service of 730 days: the
    rule joined each pair's days (44,850 pairs x 730 days: 30 s) and gave
    one notice per pair.  Now: a notice per trip that a later one
    overlaps (299), the step well under a few seconds."""
    n = 300
    files = copy.deepcopy(BASE)
    trips_of_one_block(files, n)
    counts, steps = load_with_report('block_many_trips', files)
    got = counts.get('block_trips_with_overlapping_stop_times', 0)
    check(got == n - 1, '%d notices of block_trips_with_overlapping_stop_times for %d '
          'trips at once, expected %d (one per trip)' % (got, n, n - 1))
    seconds = steps['rule stop_times_rows']
    check(seconds < 5, 'rule stop_times_rows took %.1f s for %d trips' % (seconds, n))



@test()
def block_of_sequential_trips_bounded():
    """20,000 trips of one block, one after the other (a feed giving every
    trip the same block_id): no notice, and the rule compares each trip
    with those that start before it ends, not with every trip of the
    block (200 million pairs)."""
    n = 20000
    files = copy.deepcopy(BASE)
    trips_of_one_block(files, n, gap=4)
    counts, steps = load_with_report('block_sequential_trips', files)
    got = counts.get('block_trips_with_overlapping_stop_times', 0)
    check(got == 0, '%d notices of block_trips_with_overlapping_stop_times' % got)
    for t in files['trips.txt']:
        t['block_id'] = ''
    _, unblocked = load_with_report('block_sequential_trips', files)
    seconds, base = steps['rule stop_times_rows'], unblocked['rule stop_times_rows']
    check(seconds < 2 * base + 1, 'rule stop_times_rows took %.1f s for %d trips of one '
          'block, %.1f s without block_id' % (seconds, n, base))


@test()
def pathway_chain_bounded():
    """An entrance, a chain of 5,000 generic nodes and the platform: each
    step of the search from the entrances read every pathway of the feed
    (5,000 steps: 16 s); it now follows each node's own pathways.  No
    notice: every node is reached both ways."""
    n = 5000
    files = copy.deepcopy(BASE)
    files['stops.txt'].append(dict(stop_id='E', stop_name='Entrance', stop_lat='40.75',
                                   stop_lon='-73.99', location_type='2',
                                   parent_station='ST', wheelchair_boarding='1'))
    for i in range(n):
        files['stops.txt'].append(dict(stop_id='N%d' % i, location_type='3',
                                       parent_station='ST'))
    ends = ['E'] + ['N%d' % i for i in range(n)] + ['P1']
    files['pathways.txt'] = [dict(pathway_id='W%d' % i, from_stop_id=a, to_stop_id=b,
                                  pathway_mode='1', is_bidirectional='1')
                             for i, (a, b) in enumerate(zip(ends, ends[1:]))]
    counts, steps = load_with_report('pathway_chain', files)
    check(counts.get('pathway_unreachable_location', 0) == 0, 'notices %r' % counts)
    seconds = steps['rule pathways_reachable']
    check(seconds < 4, 'rule pathways_reachable took %.1f s for %d nodes' % (seconds, n))


if __name__ == '__main__':
    it.main()
