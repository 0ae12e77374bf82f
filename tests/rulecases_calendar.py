"""
Cases of the rules of calendars and feed dates (tests/rules.py,
tests/rulefeed.py say how).
"""
from rulefeed import case, row


@case('expired_calendar', 'calendar.txt', 2, '20260531')
def _(f):
    row(f, 'calendar.txt', service_id='ALL')['end_date'] = '20260531'


@case('service_has_no_active_day_of_the_week', 'calendar.txt', 3, 'NONE')
def _(f):
    f['calendar.txt'].append(dict(
        row(f, 'calendar.txt', service_id='ALL'), service_id='NONE', monday='0',
        tuesday='0', wednesday='0', thursday='0', friday='0', saturday='0', sunday='0'))


@case('big_gap_in_service', 'calendar.txt', 2, '20260701')
def _(f):
    f['calendar_dates.txt'] = [dict(service_id='ALL', date='202607%02d' % d,
                                    exception_type='2') for d in range(1, 15)]


@case('feed_expiration_date7_days', 'feed_info.txt', 2, '20260621')
def _(f):
    f['feed_info.txt'][0]['feed_end_date'] = '20260621'


@case('feed_expiration_date30_days', 'feed_info.txt', 2, '20260715')
def _(f):
    f['feed_info.txt'][0]['feed_end_date'] = '20260715'


@case('future_feed', 'feed_info.txt', 2, '20260616')
def _(f):
    f['feed_info.txt'][0]['feed_start_date'] = '20260616'


@case('feed_valid_beyond_total_service_window', 'feed_info.txt', 2, '20280115')
def _(f):
    f['feed_info.txt'][0]['feed_end_date'] = '20280115'


@case('service_window_outside_feed_period', 'calendar.txt', 2, 'ALL')
def _(f):
    f['feed_info.txt'][0]['feed_start_date'] = '20260102'


@case('start_and_end_range_equal', 'frequencies.txt', 2, '08:00:00')
def _(f):
    f['frequencies.txt'] = [dict(trip_id='T1', start_time='08:00:00',
                                 end_time='08:00:00', headway_secs='600')]


@case('trip_coverage_not_active_for_next7_days', 'trips.txt', None, '20260621')
def _(f):
    row(f, 'calendar.txt', service_id='ALL')['end_date'] = '20260621'


@case('missing_feed_contact_email_and_url', 'feed_info.txt', 2, None)
def _(f):
    del f['feed_info.txt'][0]['feed_contact_email']


@case('missing_feed_info_date', 'feed_info.txt', 2, None)
def _(f):
    del f['feed_info.txt'][0]['feed_end_date']


@case('more_than_one_entity', 'feed_info.txt', 3, '2')
def _(f):
    f['feed_info.txt'].append(dict(f['feed_info.txt'][0], feed_version='2'))


@case('feed_info_lang_and_agency_lang_mismatch', 'agency.txt', 2, 'fr')
def _(f):
    f['agency.txt'][0]['agency_lang'] = 'fr'


def second_agency(f, **fields):
    f['agency.txt'].append(dict(f['agency.txt'][0], agency_id='B',
                                agency_name='Other Transit', **fields))


@case('inconsistent_agency_lang', 'agency.txt', 3, 'es')
def _(f):
    f['feed_info.txt'][0]['feed_lang'] = 'mul'
    second_agency(f, agency_lang='es')


@case('inconsistent_agency_timezone', 'agency.txt', 3, 'America/Chicago')
def _(f):
    second_agency(f, agency_timezone='America/Chicago')


@case('missing_required_agency_id', 'routes.txt', 2, None)
def _(f):
    second_agency(f)
    f['routes.txt'][0]['agency_id'] = ''


@case('missing_recommended_file', 'feed_info.txt', None, None)
def _(f):
    f['feed_info.txt'] = []


@case('mixed_case_recommended_field', 'stops.txt', 4, 'ELM STREET')
def _(f):
    row(f, 'stops.txt', stop_id='B')['stop_name'] = 'ELM STREET'


@case('missing_recommended_field', 'routes.txt', 2, None)
def _(f):
    f['routes.txt'][0]['agency_id'] = ''


@case('future_calendar', 'calendar.txt', 2, '20260701')
def _(f):
    row(f, 'calendar.txt', service_id='ALL')['start_date'] = '20260701'
