"""
The feeds of the rules' tests (tests/rules.py): BASE, a correct feed that
gives no notice of any code, and the cases, each a change to a copy of
BASE that gives one code exactly once.  The cases live in
tests/rulecases_*.py, one file per group of rules, each registering its
own with @case:

    from rulefeed import case, row

    @case('expired_calendar', 'calendar.txt', 2, '20260531')
    def _(f):
        row(f, 'calendar.txt', service_id='ALL')['end_date'] = '20260531'

code, then the one notice's file, line (the header is line 1) and value as
written.  Standard library only.
"""
import csv, io, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gtfstest as g                                         # noqa: E402

AS_OF = g.AS_OF

# A correct feed: one agency, a station with a platform, two stops, one
# route both ways along two shapes, every day of 2026-2027.  Each file is
# a list of rows (dicts, columns in the order of the first row's keys).
BASE = {
    'feed_info.txt': [
        dict(feed_publisher_name='Example Transit', feed_publisher_url='https://transit.example',
             feed_lang='en', feed_start_date='20260101', feed_end_date='20271231',
             feed_version='1', feed_contact_email='gtfs@transit.example')],
    'agency.txt': [
        dict(agency_id='A', agency_name='Example Transit', agency_url='https://transit.example',
             agency_timezone='America/New_York', agency_lang='en', agency_phone='555-0100')],
    'stops.txt': [
        dict(stop_id='ST', stop_name='Central Station', stop_lat='40.7500', stop_lon='-73.9900',
             location_type='1', parent_station='', wheelchair_boarding='1'),
        dict(stop_id='P1', stop_name='Central Station Platform 1', stop_lat='40.7501',
             stop_lon='-73.9901', location_type='0', parent_station='ST', wheelchair_boarding='1'),
        dict(stop_id='B', stop_name='Elm Street', stop_lat='40.7591', stop_lon='-73.9901',
             location_type='0', parent_station='', wheelchair_boarding='1'),
        dict(stop_id='C', stop_name='Oak Avenue', stop_lat='40.7681', stop_lon='-73.9901',
             location_type='0', parent_station='', wheelchair_boarding='1')],
    'routes.txt': [
        dict(route_id='R1', agency_id='A', route_short_name='1', route_long_name='Crosstown',
             route_type='3', route_color='0039A6', route_text_color='FFFFFF')],
    'calendar.txt': [
        dict(service_id='ALL', monday='1', tuesday='1', wednesday='1', thursday='1',
             friday='1', saturday='1', sunday='1', start_date='20260101', end_date='20271231')],
    'shapes.txt': [
        dict(shape_id='N', shape_pt_lat='40.7501', shape_pt_lon='-73.9901',
             shape_pt_sequence='1', shape_dist_traveled='0'),
        dict(shape_id='N', shape_pt_lat='40.7591', shape_pt_lon='-73.9901',
             shape_pt_sequence='2', shape_dist_traveled='1000'),
        dict(shape_id='N', shape_pt_lat='40.7681', shape_pt_lon='-73.9901',
             shape_pt_sequence='3', shape_dist_traveled='2000'),
        dict(shape_id='S', shape_pt_lat='40.7681', shape_pt_lon='-73.9901',
             shape_pt_sequence='1', shape_dist_traveled='0'),
        dict(shape_id='S', shape_pt_lat='40.7591', shape_pt_lon='-73.9901',
             shape_pt_sequence='2', shape_dist_traveled='1000'),
        dict(shape_id='S', shape_pt_lat='40.7501', shape_pt_lon='-73.9901',
             shape_pt_sequence='3', shape_dist_traveled='2000')],
    'trips.txt': [
        dict(route_id='R1', service_id='ALL', trip_id='T1', trip_headsign='Oak Avenue',
             direction_id='0', shape_id='N', wheelchair_accessible='1', bikes_allowed='1'),
        dict(route_id='R1', service_id='ALL', trip_id='T2', trip_headsign='Central Station',
             direction_id='1', shape_id='S', wheelchair_accessible='1', bikes_allowed='1')],
    'stop_times.txt': [
        dict(trip_id='T1', arrival_time='08:00:00', departure_time='08:00:00', stop_id='P1',
             stop_sequence='1', shape_dist_traveled='0', timepoint='1'),
        dict(trip_id='T1', arrival_time='08:05:00', departure_time='08:05:00', stop_id='B',
             stop_sequence='2', shape_dist_traveled='1000', timepoint='1'),
        dict(trip_id='T1', arrival_time='08:10:00', departure_time='08:10:00', stop_id='C',
             stop_sequence='3', shape_dist_traveled='2000', timepoint='1'),
        dict(trip_id='T2', arrival_time='09:00:00', departure_time='09:00:00', stop_id='C',
             stop_sequence='1', shape_dist_traveled='0', timepoint='1'),
        dict(trip_id='T2', arrival_time='09:05:00', departure_time='09:05:00', stop_id='B',
             stop_sequence='2', shape_dist_traveled='1000', timepoint='1'),
        dict(trip_id='T2', arrival_time='09:10:00', departure_time='09:10:00', stop_id='P1',
             stop_sequence='3', shape_dist_traveled='2000', timepoint='1')],
}


def feed_text(files):
    """{file: CSV text} of {file: rows}; a file of no row is left out, a
    file given as text (locations.geojson) is as given."""
    out = {}
    for name, rows in files.items():
        if not rows:
            continue
        if isinstance(rows, str):
            out[name] = rows
            continue
        columns = []
        for r in rows:
            columns += [c for c in r if c not in columns]
        f = io.StringIO()
        w = csv.DictWriter(f, columns, lineterminator='\n', restval='')
        w.writeheader()
        w.writerows(rows)
        out[name] = f.getvalue()
    return out


def row(files, name, **match):
    """The first row of files[name] whose fields have the values match."""
    for r in files[name]:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    raise AssertionError('no row of %s has %r' % (name, match))


# code: (what the case changes in a copy of BASE, the file, line and
# value of the one notice; line None for a notice of a file, value None
# for one of no value).
CASES = {}


def case(code, file, line, value):
    def register(change):
        if code in CASES:
            raise AssertionError('two cases of %s' % code)
        CASES[code] = (change, file, line, value)
        return change
    return register
