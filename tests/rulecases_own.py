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
    # not duplicates: two templates of frequencies.txt (cdmx-2018 gave 793),
    # and two Flex trips alike but for their windows (ctran-flex-2025 1,358)
    f['trips.txt'] += [dict(f['trips.txt'][1], trip_id=t) for t in ('F1', 'F2', 'Z1', 'Z2')]
    f['stop_times.txt'] += [dict(r, trip_id=t) for t in ('F1', 'F2')
                            for r in f['stop_times.txt'] if r['trip_id'] == 'T2']
    f['frequencies.txt'] = [dict(trip_id=t, start_time=s, end_time=e, headway_secs='3600')
                            for t, s, e in (('F1', '06:00:00', '08:00:00'),
                                            ('F2', '12:00:00', '14:00:00'))]
    for t, w in (('Z1', '10:00:00'), ('Z2', '11:00:00')):
        f['stop_times.txt'] += [dict(trip_id=t, stop_id=s, stop_sequence=q,
                                     start_pickup_drop_off_window=w,
                                     end_pickup_drop_off_window='18:00:00',
                                     pickup_type='2', drop_off_type='2')
                                for s, q in (('B', '1'), ('C', '2'))]
