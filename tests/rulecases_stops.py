"""
Cases of the rules of stops, pathways and transfers (tests/rules.py,
tests/rulefeed.py say how).
"""
from rulefeed import case, row


def add_stop(f, stop_id, location_type, parent_station='', **more):
    """Appends a location near Central Station to stops.txt."""
    f['stops.txt'].append(dict(stop_id=stop_id, stop_name='Location ' + stop_id,
                               stop_lat='40.7502', stop_lon='-73.9902',
                               location_type=str(location_type),
                               parent_station=parent_station, **more))


def add_entrance(f):
    add_stop(f, 'E', 2, 'ST')


def pathway(f, pathway_id, from_stop_id, to_stop_id, mode='1', bidirectional='1'):
    f.setdefault('pathways.txt', []).append(dict(
        pathway_id=pathway_id, from_stop_id=from_stop_id, to_stop_id=to_stop_id,
        pathway_mode=mode, is_bidirectional=bidirectional))


def transfer(f, from_stop_id, to_stop_id, transfer_type, **more):
    f.setdefault('transfers.txt', []).append(dict(
        from_stop_id=from_stop_id, to_stop_id=to_stop_id,
        transfer_type=str(transfer_type), **more))


def add_route(f, route_id, route_type='3'):
    f['routes.txt'].append(dict(row(f, 'routes.txt', route_id='R1'), route_id=route_id,
                                route_short_name=route_id, route_type=route_type))


# stops.txt: ST line 2, P1 3, B 4, C 5, a location added 6


@case('station_with_parent_station', 'stops.txt', 6, 'ST')
def _(f):
    add_stop(f, 'ST2', 1, 'ST')


@case('location_without_parent_station', 'stops.txt', 6, 'E')
def _(f):
    add_stop(f, 'E', 2)


@case('platform_without_parent_station', 'stops.txt', 4, 'B')
def _(f):
    row(f, 'stops.txt', stop_id='B')['platform_code'] = '1'


@case('wrong_parent_location_type', 'stops.txt', 5, 'B')
def _(f):
    row(f, 'stops.txt', stop_id='C')['parent_station'] = 'B'


@case('missing_stop_name', 'stops.txt', 4, 'B')
def _(f):
    row(f, 'stops.txt', stop_id='B')['stop_name'] = ''


@case('stop_without_location', 'stops.txt', 2, 'ST')
def _(f):
    row(f, 'stops.txt', stop_id='ST')['stop_lon'] = ''


@case('same_name_and_description_for_stop', 'stops.txt', 4, 'ELM street')
def _(f):
    row(f, 'stops.txt', stop_id='B')['stop_desc'] = 'ELM street'


@case('stop_access_specified_for_incorrect_location', 'stops.txt', 2, '0')
def _(f):
    row(f, 'stops.txt', stop_id='ST')['stop_access'] = '0'


@case('stop_access_specified_for_stop_with_no_parent_station', 'stops.txt', 4, '1')
def _(f):
    row(f, 'stops.txt', stop_id='B')['stop_access'] = '1'


@case('point_near_pole', 'stops.txt', 6, '-89.5')
def _(f):
    add_stop(f, 'D', 0)
    f['stops.txt'][-1]['stop_lat'] = '-89.5'


@case('stop_without_stop_time', 'stops.txt', 6, 'D')
def _(f):
    add_stop(f, 'D', 0)
    # F is used: a Flex trip serves its location group
    add_stop(f, 'F', 0)
    f['location_groups.txt'] = [dict(location_group_id='LG', location_group_name='Zone')]
    f['location_group_stops.txt'] = [dict(location_group_id='LG', stop_id='F')]
    f['trips.txt'].append(dict(route_id='R1', service_id='ALL', trip_id='T3'))
    for sequence, pickup, drop_off in (('1', '2', '1'), ('2', '1', '2')):
        f['stop_times.txt'].append(dict(
            trip_id='T3', location_group_id='LG', stop_sequence=sequence,
            start_pickup_drop_off_window='10:00:00', end_pickup_drop_off_window='11:00:00',
            pickup_type=pickup, drop_off_type=drop_off))


@case('unused_station', 'stops.txt', 6, 'ST2')
def _(f):
    add_stop(f, 'ST2', 1)


@case('stop_without_zone_id', 'stops.txt', 4, 'B')
def _(f):
    for stop_id in ('P1', 'C'):
        row(f, 'stops.txt', stop_id=stop_id)['zone_id'] = 'Z'
    f['fare_attributes.txt'] = [dict(fare_id='F', price='2.00', currency_type='USD',
                                     payment_method='0', transfers='0', agency_id='A')]
    f['fare_rules.txt'] = [dict(fare_id='F', route_id='R1', origin_id='Z')]


@case('same_stop_and_agency_url', 'stops.txt', 4, 'https://TRANSIT.example')
def _(f):
    row(f, 'stops.txt', stop_id='B')['stop_url'] = 'https://TRANSIT.example'


@case('same_stop_and_route_url', 'stops.txt', 5, 'https://transit.example/1')
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_url'] = 'https://transit.example/1'
    row(f, 'stops.txt', stop_id='C')['stop_url'] = 'https://transit.example/1'


# pathways.txt: the first pathway line 2; an entrance E of ST


@case('bidirectional_exit_gate', 'pathways.txt', 2, '1')
def _(f):
    add_entrance(f)
    pathway(f, 'W1', 'P1', 'E', mode='7')


@case('pathway_loop', 'pathways.txt', 3, 'P1')
def _(f):
    add_entrance(f)
    pathway(f, 'W1', 'E', 'P1')
    pathway(f, 'W2', 'P1', 'P1')


@case('pathway_to_wrong_location_type', 'pathways.txt', 3, 'ST')
def _(f):
    add_entrance(f)
    pathway(f, 'W1', 'E', 'P1')
    pathway(f, 'W2', 'P1', 'ST')


@case('pathway_to_platform_with_boarding_areas', 'pathways.txt', 2, 'P1')
def _(f):
    add_entrance(f)
    add_stop(f, 'BA', 4, 'P1')
    pathway(f, 'W1', 'E', 'P1')
    pathway(f, 'W2', 'E', 'BA')


@case('pathway_to_stop_with_access_outside_of_station_pathways', 'pathways.txt', 2, 'P1')
def _(f):
    add_entrance(f)
    row(f, 'stops.txt', stop_id='P1')['stop_access'] = '1'
    pathway(f, 'W1', 'E', 'P1')


@case('missing_level_id', 'stops.txt', 3, 'P1')
def _(f):
    add_entrance(f)
    f['levels.txt'] = [dict(level_id='L0', level_index='0')]
    row(f, 'stops.txt', stop_id='E')['level_id'] = 'L0'
    pathway(f, 'W1', 'E', 'P1', mode='5')


@case('pathway_dangling_generic_node', 'stops.txt', 7, 'G')
def _(f):
    add_entrance(f)
    add_stop(f, 'G', 3, 'ST')
    pathway(f, 'W1', 'E', 'P1')
    pathway(f, 'W2', 'G', 'E')
    pathway(f, 'W3', 'E', 'G')


@case('pathway_unreachable_location', 'stops.txt', 3, 'P1')
def _(f):
    add_entrance(f)
    pathway(f, 'W1', 'E', 'P1', bidirectional='0')


# transfers.txt: the first transfer line 2


@case('transfer_with_invalid_stop_location_type', 'transfers.txt', 2, 'E')
def _(f):
    add_entrance(f)
    transfer(f, 'E', 'B', 0)


@case('transfer_with_invalid_trip_and_route', 'transfers.txt', 2, 'R2')
def _(f):
    add_route(f, 'R2')
    transfer(f, 'C', 'C', 1, from_route_id='R2', from_trip_id='T1', to_trip_id='T2')


@case('transfer_with_invalid_trip_and_stop', 'transfers.txt', 2, 'D')
def _(f):
    add_stop(f, 'D', 0)
    transfer(f, 'D', 'C', 1, from_trip_id='T1', to_trip_id='T2')


@case('transfer_with_suspicious_mid_trip_in_seat', 'transfers.txt', 2, 'B')
def _(f):
    transfer(f, 'C', 'B', 4, from_trip_id='T1', to_trip_id='T2')


@case('transfer_distance_above_2_km', 'transfers.txt', 2, '2.435')
def _(f):
    add_stop(f, 'D', 0)
    f['stops.txt'][-1].update(stop_lat='40.7900', stop_lon='-73.9901')
    transfer(f, 'C', 'D', 2, min_transfer_time='600')


@case('transfer_distance_too_large', 'transfers.txt', 2, '14.667')
def _(f):
    add_stop(f, 'D', 0)
    f['stops.txt'][-1].update(stop_lat='40.9000', stop_lon='-73.9901')
    transfer(f, 'C', 'D', 2, min_transfer_time='600')


@case('inconsistent_route_type_for_in_seat_transfer', 'transfers.txt', 2, 'R2')
def _(f):
    add_route(f, 'R2', route_type='1')
    row(f, 'trips.txt', trip_id='T2')['route_id'] = 'R2'
    transfer(f, 'C', 'C', 4, from_route_id='R1', to_route_id='R2',
             from_trip_id='T1', to_trip_id='T2')
