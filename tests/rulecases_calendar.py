"""
Cases of the rules of calendars and feed dates (tests/rules.py,
tests/rulefeed.py say how).
"""
from rulefeed import case, row


@case('expired_calendar', 'calendar.txt', 2, '20260531')
def _(f):
    row(f, 'calendar.txt', service_id='ALL')['end_date'] = '20260531'
