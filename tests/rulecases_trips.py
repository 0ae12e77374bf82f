"""
Cases of the rules of trips, stop times and frequencies (tests/rules.py,
tests/rulefeed.py say how).  In BASE, stop_times.txt's lines 2-4 are trip
T1 (P1, B, C), 5-7 trip T2; trips.txt's line 2 is T1, 3 T2.
"""
from rulefeed import case, row


def stop_time(f, trip, sequence):
    return row(f, 'stop_times.txt', trip_id=trip, stop_sequence=str(sequence))


def window(st, pickup='2', drop_off='2'):
    """st booked in a pickup/drop-off window instead of its times."""
    st.update(arrival_time='', departure_time='', timepoint='0',
              start_pickup_drop_off_window='08:00:00',
              end_pickup_drop_off_window='08:10:00',
              pickup_type=pickup, drop_off_type=drop_off)


def add_trip(f, trip, **fields):
    t = dict(row(f, 'trips.txt', trip_id='T1'), trip_id=trip)
    t.update(fields)
    f['trips.txt'].append(t)
    return t


@case('stop_time_with_only_arrival_or_departure_time', 'stop_times.txt', 3, '08:05:00')
def _(f):
    stop_time(f, 'T1', 2)['departure_time'] = ''


@case('stop_time_with_arrival_before_previous_departure_time', 'stop_times.txt', 3,
      '07:59:00')
def _(f):
    stop_time(f, 'T1', 2).update(arrival_time='07:59:00', departure_time='07:59:00')


@case('decreasing_or_equal_stop_time_distance', 'stop_times.txt', 4, '1000')
def _(f):
    stop_time(f, 'T1', 3)['shape_dist_traveled'] = '1000'


@case('missing_trip_edge', 'stop_times.txt', 4, None)
def _(f):
    stop_time(f, 'T1', 3)['arrival_time'] = ''


@case('stop_time_timepoint_without_times', 'stop_times.txt', 3, None)
def _(f):
    stop_time(f, 'T1', 2)['departure_time'] = ''


@case('missing_timepoint_value', 'stop_times.txt', 3, None)
def _(f):
    stop_time(f, 'T1', 2)['timepoint'] = ''


@case('forbidden_arrival_or_departure_time', 'stop_times.txt', 3, '08:05:00')
def _(f):
    st = stop_time(f, 'T1', 2)
    window(st)
    st.update(arrival_time='08:05:00', departure_time='08:05:00')


@case('forbidden_pickup_type', 'stop_times.txt', 3, '0')
def _(f):
    window(stop_time(f, 'T1', 2), pickup='0')


@case('forbidden_drop_off_type', 'stop_times.txt', 3, '0')
def _(f):
    window(stop_time(f, 'T1', 2), drop_off='0')


@case('forbidden_shape_dist_traveled', 'stop_times.txt', 3, '1000')
def _(f):
    f['location_groups.txt'] = [dict(location_group_id='G', location_group_name='Elm')]
    f['location_group_stops.txt'] = [dict(location_group_id='G', stop_id='B')]
    st = stop_time(f, 'T1', 2)
    window(st)
    st.update(stop_id='', location_group_id='G')


@case('forbidden_continuous_pickup_drop_off', 'routes.txt', 2, '0')
def _(f):
    row(f, 'routes.txt', route_id='R1')['continuous_pickup'] = '0'
    window(stop_time(f, 'T1', 2))


@case('missing_stop_times_record', 'stop_times.txt', 8, 'T3')
def _(f):
    add_trip(f, 'T3')
    st = dict(stop_time(f, 'T1', 1), trip_id='T3', shape_dist_traveled='')
    window(st)
    f['stop_times.txt'].append(st)


@case('unusable_trip', 'trips.txt', 4, 'T3')
def _(f):
    add_trip(f, 'T3')
    f['stop_times.txt'].append(dict(stop_time(f, 'T1', 1), trip_id='T3'))


@case('unused_trip', 'trips.txt', 4, 'T3')
def _(f):
    add_trip(f, 'T3')


@case('trip_headsign_matches_intermediate_stop', 'trips.txt', 2, 'Elm Street')
def _(f):
    row(f, 'trips.txt', trip_id='T1')['trip_headsign'] = 'Elm Street'


@case('unsorted_stop_times', 'stop_times.txt', 2, 'T1')
def _(f):
    rows = f['stop_times.txt']
    rows.append(rows.pop(2))        # T1's last row after T2's


@case('overlapping_frequency', 'frequencies.txt', 3, '07:00:00')
def _(f):
    f['frequencies.txt'] = [
        dict(trip_id='T1', start_time='06:00:00', end_time='08:00:00', headway_secs='600'),
        dict(trip_id='T1', start_time='07:00:00', end_time='09:00:00', headway_secs='600')]


@case('inconsistent_route_type_for_block_id', 'trips.txt', 2, 'BL')
def _(f):
    f['routes.txt'].append(dict(row(f, 'routes.txt', route_id='R1'), route_id='R2',
                                route_short_name='2', route_type='0'))
    row(f, 'trips.txt', trip_id='T1')['block_id'] = 'BL'
    row(f, 'trips.txt', trip_id='T2').update(block_id='BL', route_id='R2')


@case('block_trips_with_overlapping_stop_times', 'trips.txt', 2, 'BL')
def _(f):
    row(f, 'trips.txt', trip_id='T1')['block_id'] = 'BL'
    row(f, 'trips.txt', trip_id='T2')['block_id'] = 'BL'
    for sequence, time in ((1, '08:05:00'), (2, '08:10:00'), (3, '08:15:00')):
        stop_time(f, 'T2', sequence).update(arrival_time=time, departure_time=time)


@case('missing_bike_allowance', 'trips.txt', 2, None)
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_type'] = '4'
    row(f, 'trips.txt', trip_id='T1')['bikes_allowed'] = ''


@case('fast_travel_between_consecutive_stops', 'stop_times.txt', 3, '08:00:10')
def _(f):
    # 1 km in 10 s: 360 km/h, over a bus's 150
    stop_time(f, 'T1', 2).update(arrival_time='08:00:10', departure_time='08:00:10')


@case('fast_travel_between_far_stops', 'stop_times.txt', 5, '08:03:00')
def _(f):
    # stops 4 km apart a minute apart, on the minute: 120 km/h from one to
    # the next (a minute added), 180 km/h over the 12 km from the first to
    # the fourth (one minute added to three)
    for stop_id, lat in (('B', '40.7861'), ('C', '40.8221')):
        row(f, 'stops.txt', stop_id=stop_id)['stop_lat'] = lat
    f['stops.txt'].append(dict(row(f, 'stops.txt', stop_id='C'), stop_id='D',
                               stop_name='Pine Road', stop_lat='40.8581'))
    for sequence, time in ((2, '08:01:00'), (3, '08:02:00')):
        stop_time(f, 'T1', sequence).update(arrival_time=time, departure_time=time)
    f['stop_times.txt'].insert(3, dict(stop_time(f, 'T1', 3), stop_id='D',
                                       stop_sequence='4', arrival_time='08:03:00',
                                       departure_time='08:03:00', shape_dist_traveled=''))
