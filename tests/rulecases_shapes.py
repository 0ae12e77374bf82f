"""
Cases of the rules of shapes and routes (tests/rules.py, tests/rulefeed.py
say how): schema/rules/shapes_*.sql and routes_*.sql.
"""
from rulefeed import case, row


def shape_point(f, shape_id, sequence, lat, lon, dist):
    f['shapes.txt'].append(dict(shape_id=shape_id, shape_pt_lat=lat, shape_pt_lon=lon,
                                shape_pt_sequence=sequence, shape_dist_traveled=dist))


@case('decreasing_shape_distance', 'shapes.txt', 4, '2000')
def _(f):
    row(f, 'shapes.txt', shape_id='N', shape_pt_sequence='2')['shape_dist_traveled'] = '2500'


@case('equal_shape_distance_same_coordinates', 'shapes.txt', 8, '2000')
def _(f):
    shape_point(f, 'N', '4', '40.7681', '-73.9901', '2000')


@case('equal_shape_distance_diff_coordinates', 'shapes.txt', 8, '2000')
def _(f):
    shape_point(f, 'N', '4', '40.7690', '-73.9901', '2000')     # 100 m on


@case('equal_shape_distance_diff_coordinates_distance_below_threshold', 'shapes.txt', 8,
      '2000')
def _(f):
    shape_point(f, 'N', '4', '40.768105', '-73.9901', '2000')   # 0.56 m on


@case('single_shape_point', 'shapes.txt', 8, 'X')
def _(f):
    shape_point(f, 'X', '1', '40.7501', '-73.9901', '0')


@case('unused_shape', 'shapes.txt', 8, 'U')
def _(f):
    shape_point(f, 'U', '1', '40.7501', '-73.9901', '0')
    shape_point(f, 'U', '2', '40.7591', '-73.9901', '1000')


@case('trip_distance_exceeds_shape_distance', 'stop_times.txt', 4, '2500')
def _(f):
    row(f, 'stop_times.txt', trip_id='T1', stop_sequence='3')['shape_dist_traveled'] = '2500'
    # the shape ends 100 m past the last stop
    row(f, 'shapes.txt', shape_id='N', shape_pt_sequence='3')['shape_pt_lat'] = '40.7690'


@case('trip_distance_exceeds_shape_distance_below_threshold', 'stop_times.txt', 4, '2500')
def _(f):
    # the shape ends at the last stop
    row(f, 'stop_times.txt', trip_id='T1', stop_sequence='3')['shape_dist_traveled'] = '2500'


@case('trip_with_shape_dist_traveled_but_no_shape_distances', 'trips.txt', 2, 'N')
def _(f):
    row(f, 'shapes.txt', shape_id='N', shape_pt_sequence='2')['shape_dist_traveled'] = ''


@case('route_both_short_and_long_name_missing', 'routes.txt', 2, 'R1')
def _(f):
    r = row(f, 'routes.txt', route_id='R1')
    r['route_short_name'] = r['route_long_name'] = ''


@case('route_short_name_too_long', 'routes.txt', 2, '1234567890ABC')
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_short_name'] = '1234567890ABC'


@case('route_long_name_contains_short_name', 'routes.txt', 2, '1 - Crosstown')
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_long_name'] = '1 - Crosstown'


@case('same_name_and_description_for_route', 'routes.txt', 2, 'crosstown')
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_desc'] = 'crosstown'


@case('duplicate_route_name', 'routes.txt', 3, 'R2')
def _(f):
    f['routes.txt'].append(dict(row(f, 'routes.txt', route_id='R1'), route_id='R2'))


@case('route_color_contrast', 'routes.txt', 2, '000000')
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_text_color'] = '000000'


@case('same_route_and_agency_url', 'routes.txt', 2, 'HTTPS://transit.example')
def _(f):
    row(f, 'routes.txt', route_id='R1')['route_url'] = 'HTTPS://transit.example'


@case('route_networks_specified_in_more_than_one_file', 'routes.txt', None, None)
def _(f):
    row(f, 'routes.txt', route_id='R1')['network_id'] = 'NET'
    f['networks.txt'] = [dict(network_id='NET', network_name='City')]
    f['route_networks.txt'] = [dict(network_id='NET', route_id='R1')]


@case('stop_too_far_from_shape', 'stop_times.txt', 6, 'D')
def _(f):
    # T2 calls at D, 840 m east of its shape
    f['stops.txt'].append(dict(row(f, 'stops.txt', stop_id='B'), stop_id='D', stop_name='Pine Street',
                               stop_lon='-73.9801'))
    row(f, 'stop_times.txt', trip_id='T2', stop_sequence='2')['stop_id'] = 'D'
