"""
Cases of the rules of GTFS-Flex (booking rules, windows, zones), Fares v2,
timeframes, translations and attributions (tests/rules.py,
tests/rulefeed.py say how).  BASE has none of these files: each case adds
the rows it needs.
"""
import copy, json, os

import gtfstest as g
import integration as it
from rulefeed import AS_OF, BASE, case, feed_text, row


def booking(f, **fields):
    """booking_rules.txt of one rule BR with fields."""
    f['booking_rules.txt'] = [dict(booking_rule_id='BR', **fields)]


@case('forbidden_real_time_booking_field_value', 'booking_rules.txt', 2, '0')
def _(f):
    booking(f, booking_type='0', prior_notice_duration_min='30')


@case('forbidden_same_day_booking_field_value', 'booking_rules.txt', 2, '1')
def _(f):
    booking(f, booking_type='1', prior_notice_duration_min='30', prior_notice_last_day='1')


@case('forbidden_prior_day_booking_field_value', 'booking_rules.txt', 2, '2')
def _(f):
    booking(f, booking_type='2', prior_notice_duration_min='30', prior_notice_last_day='1',
            prior_notice_last_time='17:00:00')


@case('missing_prior_notice_duration_min', 'booking_rules.txt', 2, None)
def _(f):
    booking(f, booking_type='1', prior_notice_duration_max='60')


@case('invalid_prior_notice_duration_min', 'booking_rules.txt', 2, '60')
def _(f):
    booking(f, booking_type='1', prior_notice_duration_min='60', prior_notice_duration_max='30')


@case('forbidden_prior_notice_start_day', 'booking_rules.txt', 2, '3')
def _(f):
    booking(f, booking_type='1', prior_notice_duration_min='30', prior_notice_duration_max='60',
            prior_notice_start_day='3', prior_notice_start_time='08:00:00')


@case('prior_notice_last_day_after_start_day', 'booking_rules.txt', 2, '3')
def _(f):
    booking(f, booking_type='2', prior_notice_last_day='3', prior_notice_last_time='17:00:00',
            prior_notice_start_day='2', prior_notice_start_time='08:00:00')


@case('missing_prior_notice_last_day', 'booking_rules.txt', 2, None)
def _(f):
    booking(f, booking_type='2', prior_notice_last_time='17:00:00')


@case('missing_prior_notice_last_time', 'booking_rules.txt', 2, None)
def _(f):
    booking(f, booking_type='2', prior_notice_last_day='1')


@case('forbidden_prior_notice_start_time', 'booking_rules.txt', 2, '08:00:00')
def _(f):
    booking(f, booking_type='2', prior_notice_last_day='1', prior_notice_last_time='17:00:00',
            prior_notice_start_time='08:00:00')


@case('missing_prior_notice_start_time', 'booking_rules.txt', 2, None)
def _(f):
    booking(f, booking_type='2', prior_notice_last_day='1', prior_notice_last_time='17:00:00',
            prior_notice_start_day='7')


@case('missing_pickup_drop_off_booking_rule_id', 'stop_times.txt', 3, None)
def _(f):
    booking(f, booking_type='0')
    row(f, 'stop_times.txt', trip_id='T1', stop_sequence='2')['pickup_type'] = '2'


def flex_trip(f, *stop_times):
    """A trip T3 of route R1 whose stop times (dicts) follow BASE's."""
    f['trips.txt'].append(dict(route_id='R1', service_id='ALL', trip_id='T3',
                               trip_headsign='Anywhere', direction_id='0',
                               wheelchair_accessible='1', bikes_allowed='1'))
    for i, st in enumerate(stop_times):
        f['stop_times.txt'].append(dict(trip_id='T3', stop_sequence=str(i + 1),
                                        pickup_type='2', drop_off_type='2', timepoint='0', **st))


def zones(f, *squares):
    """locations.geojson of square zones (id, west, south, side in degrees)."""
    f['locations.geojson'] = json.dumps(dict(type='FeatureCollection', features=[
        dict(type='Feature', id=i, properties={}, geometry=dict(type='Polygon', coordinates=[[
            [w, s], [w + d, s], [w + d, s + d], [w, s + d], [w, s]]]))
        for i, w, s, d in squares]))


@case('forbidden_geography_id', 'stop_times.txt', 3, 'G')
def _(f):
    f['location_groups.txt'] = [dict(location_group_id='G', location_group_name='Downtown')]
    f['location_group_stops.txt'] = [dict(location_group_id='G', stop_id='B')]
    row(f, 'stop_times.txt', trip_id='T1', stop_sequence='2')['location_group_id'] = 'G'


@case('missing_pickup_or_drop_off_window', 'stop_times.txt', 8, None)
def _(f):
    zones(f, ('Z1', -74.0, 40.75, 0.01))
    flex_trip(f, dict(location_id='Z1', start_pickup_drop_off_window='08:00:00'),
              dict(location_id='Z1', start_pickup_drop_off_window='08:00:00',
                   end_pickup_drop_off_window='10:00:00'))


@case('invalid_pickup_drop_off_window', 'stop_times.txt', 8, '08:00:00')
def _(f):
    zones(f, ('Z1', -74.0, 40.75, 0.01))
    flex_trip(f, dict(location_id='Z1', start_pickup_drop_off_window='09:00:00',
                      end_pickup_drop_off_window='08:00:00'))


@case('overlapping_zone_and_pickup_drop_off_window', 'stop_times.txt', 9, 'Z2')
def _(f):
    zones(f, ('Z1', -74.0, 40.75, 0.01), ('Z2', -73.995, 40.755, 0.01))
    flex_trip(f, dict(location_id='Z1', start_pickup_drop_off_window='08:00:00',
                      end_pickup_drop_off_window='10:00:00'),
              dict(location_id='Z2', start_pickup_drop_off_window='09:00:00',
                   end_pickup_drop_off_window='11:00:00'))


@case('location_with_unexpected_stop_time', 'stops.txt', 2, 'ST')
def _(f):
    row(f, 'stop_times.txt', trip_id='T1', stop_sequence='1')['stop_id'] = 'ST'


@case('duplicate_geography_id', 'stops.txt', 4, 'B')
def _(f):
    f['location_groups.txt'] = [dict(location_group_id='B', location_group_name='Elm')]
    f['location_group_stops.txt'] = [dict(location_group_id='B', stop_id='C')]


@case('duplicate_fare_media', 'fare_media.txt', 3, 'Transit Card')
def _(f):
    f['fare_media.txt'] = [
        dict(fare_media_id='CARD', fare_media_name='Transit Card', fare_media_type='2'),
        dict(fare_media_id='CARD2', fare_media_name='Transit Card', fare_media_type='2')]


@case('fare_product_with_multiple_default_rider_categories', 'fare_products.txt', 3, 'SENIOR')
def _(f):
    f['rider_categories.txt'] = [
        dict(rider_category_id='ADULT', rider_category_name='Adult', is_default_fare_category='1'),
        dict(rider_category_id='SENIOR', rider_category_name='Senior',
             is_default_fare_category='1')]
    f['fare_products.txt'] = [
        dict(fare_product_id='RIDE', fare_product_name='Ride', rider_category_id=c,
             amount='2.75', currency='USD') for c in ('ADULT', 'SENIOR')]


def transfer(f, **fields):
    """Fares v2 of legs L1 and L2 and one transfer rule with fields."""
    f['fare_products.txt'] = [dict(fare_product_id='RIDE', fare_product_name='Ride',
                                   amount='2.75', currency='USD')]
    f['fare_leg_rules.txt'] = [dict(leg_group_id=g, fare_product_id='RIDE') for g in ('L1', 'L2')]
    f['fare_transfer_rules.txt'] = [dict(fare_transfer_type='0', **fields)]


@case('fare_transfer_rule_duration_limit_without_type', 'fare_transfer_rules.txt', 2, '3600')
def _(f):
    transfer(f, from_leg_group_id='L1', to_leg_group_id='L2', duration_limit='3600')


@case('fare_transfer_rule_duration_limit_type_without_duration_limit',
      'fare_transfer_rules.txt', 2, '1')
def _(f):
    transfer(f, from_leg_group_id='L1', to_leg_group_id='L2', duration_limit_type='1')


@case('fare_transfer_rule_without_transfer_count', 'fare_transfer_rules.txt', 2, None)
def _(f):
    transfer(f, from_leg_group_id='L1', to_leg_group_id='L1')


@case('fare_transfer_rule_invalid_transfer_count', 'fare_transfer_rules.txt', 2, '0')
def _(f):
    transfer(f, from_leg_group_id='L1', to_leg_group_id='L1', transfer_count='0')


@case('fare_transfer_rule_with_forbidden_transfer_count', 'fare_transfer_rules.txt', 2, '1')
def _(f):
    transfer(f, from_leg_group_id='L1', to_leg_group_id='L2', transfer_count='1')


@case('timeframe_only_start_or_end_time_specified', 'timeframes.txt', 2, '07:00:00')
def _(f):
    f['timeframes.txt'] = [dict(timeframe_group_id='PEAK', start_time='07:00:00',
                                service_id='ALL')]


@case('timeframe_start_or_end_time_greater_than_twenty_four_hours', 'timeframes.txt', 2,
      '25:00:00')
def _(f):
    f['timeframes.txt'] = [dict(timeframe_group_id='PEAK', start_time='07:00:00',
                                end_time='25:00:00', service_id='ALL')]


@case('timeframe_overlap', 'timeframes.txt', 3, '09:00:00')
def _(f):
    f['timeframes.txt'] = [
        dict(timeframe_group_id='PEAK', start_time='07:00:00', end_time='10:00:00',
             service_id='ALL'),
        dict(timeframe_group_id='PEAK', start_time='09:00:00', end_time='12:00:00',
             service_id='ALL')]


def translation(f, **fields):
    f['translations.txt'] = [dict(table_name='stops', field_name='stop_name', language='fr',
                                  translation='Gare centrale', **fields)]


@case('translation_unexpected_value', 'translations.txt', 2, 'ST')
def _(f):
    translation(f, record_id='ST', field_value='Central Station')


@case('translation_unknown_table_name', 'translations.txt', 2, 'fare_attributes')
def _(f):
    translation(f, record_id='ST')
    f['translations.txt'][0]['table_name'] = 'fare_attributes'
    # an empty table_name (a GTFS-JP file has none) is the reader's
    # missing_required_field, not an unknown table
    f['translations.txt'].append(dict(f['translations.txt'][0], table_name='',
                                      translation='Gare'))


@case('translation_foreign_key_violation', 'translations.txt', 2, 'NOPE')
def _(f):
    translation(f, record_id='NOPE')


@case('attribution_without_role', 'attributions.txt', 2, 'AT')
def _(f):
    f['attributions.txt'] = [dict(attribution_id='AT', organization_name='Example Data',
                                  is_producer='0', attribution_url='https://data.example')]


@it.test()
def rules_no_geometry():
    """--no-geometry loads no locations.geojson: the rules that need it
    (PostGIS, the zones) do not run, the others do."""
    files = copy.deepcopy(BASE)
    zones(files, ('Z1', -74.0, 40.75, 0.01))
    flex_trip(files, dict(location_id='Z1', start_pickup_drop_off_window='09:00:00',
                          end_pickup_drop_off_window='08:00:00'))
    name = 'rules_no_geometry'
    report = os.path.join(g.TMP, name + '.json')
    r = g.run('--report', report, '-q', '-s', name, '--as-of', AS_OF, '--no-geometry',
              it.write_feed(name, feed_text(files)))
    it.check(r.returncode == 0, g.describe(r))
    with open(report) as f:
        steps = [s['step'] for s in json.load(f)['steps']]
    it.check('rule flex_windows' in steps and 'rule flex_zones' not in steps
             and 'rule flex_geography_ids' not in steps, 'steps: %r' % steps)
    n = it.value("SELECT count(*) FROM %s.import_notices "
                 "WHERE code = 'invalid_pickup_drop_off_window'" % name)
    it.check(int(n) == 1, '%s invalid_pickup_drop_off_window' % n)
