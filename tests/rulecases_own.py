"""
Cases of the rules of gtfs2pgsql's own codes: checks people ask the
validators for (tests/rules.py, tests/rulefeed.py say how).
"""
from rulefeed import case


def stop_time(trip_id, seq, stop_id, time):
    return dict(trip_id=trip_id, arrival_time=time, departure_time=time,
                stop_id=stop_id, stop_sequence=str(seq), shape_dist_traveled='',
                timepoint='1')


@case('too_many_consecutive_stop_times_with_same_time', 'stop_times.txt', 2, '08:00:00')
def _(f):
    # T1 calls at P1, C, B, C, B, C at 08:00: six at one time (five would do)
    f['stop_times.txt'][0:3] = [stop_time('T1', n + 1, 'BC'[n % 2] if n else 'P1',
                                          '08:00:00') for n in range(6)]
    f['stop_times.txt'].append(stop_time('T1', 7, 'B', '08:10:00'))


@case('consecutive_same_stop', 'stop_times.txt', 4, 'B')
def _(f):
    f['stop_times.txt'][1:1] = [stop_time('T1', 2, 'B', '08:04:00')]
    for n, r in enumerate(f['stop_times.txt'][:4]):
        r['stop_sequence'] = str(n + 1)


@case('duplicate_trip', 'trips.txt', 4, 'T3')
def _(f):
    f['trips.txt'].append(dict(f['trips.txt'][0], trip_id='T3'))
    f['stop_times.txt'] += [dict(r, trip_id='T3') for r in f['stop_times.txt']
                            if r['trip_id'] == 'T1']
