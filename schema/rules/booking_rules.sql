-- The booking rules of GTFS-Flex that contradict their booking_type or
-- themselves: the validator's BookingRulesEntityValidator, whose notices
-- are all errors (the codes' severity "varies" in the list; this class
-- gives each as an error).  One notice per row and code:
--   forbidden_real_time_booking_field_value: booking_type 0 (real time)
--     with any prior_notice_* field;
--   forbidden_same_day_booking_field_value: booking_type 1 (same day) with
--     prior_notice_last_day, _last_time or _service_id;
--   forbidden_prior_day_booking_field_value: booking_type 2 (prior day)
--     with prior_notice_duration_min or _max;
--   missing_prior_notice_duration_min: booking_type 1 without it;
--   invalid_prior_notice_duration_min: prior_notice_duration_max below
--     prior_notice_duration_min;
--   forbidden_prior_notice_start_day: prior_notice_start_day with
--     prior_notice_duration_max;
--   prior_notice_last_day_after_start_day: prior_notice_last_day greater
--     than prior_notice_start_day;
--   missing_prior_notice_last_day, missing_prior_notice_last_time:
--     booking_type 2 without them;
--   forbidden_prior_notice_start_time, missing_prior_notice_start_time:
--     prior_notice_start_time without prior_notice_start_day, or the day
--     without the time.
-- sqlfiles.sh parameters: '2026-01-01'
WITH booking AS (
	SELECT b.*,
		array_to_string(array_remove(ARRAY[
			CASE WHEN b.booking_type IN (0, 2) AND
				b.prior_notice_duration_min IS NOT NULL
				THEN 'prior_notice_duration_min' END,
			CASE WHEN b.booking_type IN (0, 2) AND
				b.prior_notice_duration_max IS NOT NULL
				THEN 'prior_notice_duration_max' END,
			CASE WHEN b.booking_type IN (0, 1) AND
				b.prior_notice_last_day IS NOT NULL
				THEN 'prior_notice_last_day' END,
			CASE WHEN b.booking_type IN (0, 1) AND
				b.prior_notice_last_time IS NOT NULL
				THEN 'prior_notice_last_time' END,
			CASE WHEN b.booking_type = 0 AND
				b.prior_notice_start_day IS NOT NULL
				THEN 'prior_notice_start_day' END,
			CASE WHEN b.booking_type = 0 AND
				b.prior_notice_start_time IS NOT NULL
				THEN 'prior_notice_start_time' END,
			CASE WHEN b.booking_type IN (0, 1) AND
				b.prior_notice_service_id IS NOT NULL
				THEN 'prior_notice_service_id' END], NULL), ', ') AS forbidden
	FROM @s.booking_rules AS b
)
SELECT 'booking_rules.txt' AS file, b.gtfs2pgsql_line AS line,
	n."column", n.code, 'error' AS severity, n.value,
	format('booking rule %s: %s', b.booking_rule_id, n.message) AS message
FROM booking AS b
CROSS JOIN LATERAL (VALUES
	(b.booking_type = 0 AND b.forbidden <> '',
	 'forbidden_real_time_booking_field_value' -- code
	 , 'booking_type', b.booking_type::text,
	 format('booking_type 0 (real time) forbids %s', b.forbidden)),
	(b.booking_type = 1 AND b.forbidden <> '',
	 'forbidden_same_day_booking_field_value' -- code
	 , 'booking_type', b.booking_type::text,
	 format('booking_type 1 (same day) forbids %s', b.forbidden)),
	(b.booking_type = 2 AND b.forbidden <> '',
	 'forbidden_prior_day_booking_field_value' -- code
	 , 'booking_type', b.booking_type::text,
	 format('booking_type 2 (prior day) forbids %s', b.forbidden)),
	(b.booking_type = 1 AND b.prior_notice_duration_min IS NULL,
	 'missing_prior_notice_duration_min' -- code
	 , 'prior_notice_duration_min', NULL,
	 'booking_type 1 (same day) requires prior_notice_duration_min'),
	(b.prior_notice_duration_max < b.prior_notice_duration_min,
	 'invalid_prior_notice_duration_min' -- code
	 , 'prior_notice_duration_min', b.prior_notice_duration_min::text,
	 format('prior_notice_duration_min %s is more than prior_notice_duration_max %s',
		b.prior_notice_duration_min, b.prior_notice_duration_max)),
	(b.prior_notice_start_day IS NOT NULL AND
	 b.prior_notice_duration_max IS NOT NULL,
	 'forbidden_prior_notice_start_day' -- code
	 , 'prior_notice_start_day', b.prior_notice_start_day::text,
	 format('prior_notice_start_day is forbidden with prior_notice_duration_max (%s)',
		b.prior_notice_duration_max)),
	(b.prior_notice_last_day > b.prior_notice_start_day,
	 'prior_notice_last_day_after_start_day' -- code
	 , 'prior_notice_last_day', b.prior_notice_last_day::text,
	 format('prior_notice_last_day %s is after prior_notice_start_day %s',
		b.prior_notice_last_day, b.prior_notice_start_day)),
	(b.booking_type = 2 AND b.prior_notice_last_day IS NULL,
	 'missing_prior_notice_last_day' -- code
	 , 'prior_notice_last_day', NULL,
	 'booking_type 2 (prior day) requires prior_notice_last_day'),
	(b.booking_type = 2 AND b.prior_notice_last_time IS NULL,
	 'missing_prior_notice_last_time' -- code
	 , 'prior_notice_last_time', NULL,
	 'booking_type 2 (prior day) requires prior_notice_last_time'),
	(b.prior_notice_start_time IS NOT NULL AND
	 b.prior_notice_start_day IS NULL,
	 'forbidden_prior_notice_start_time' -- code
	 , 'prior_notice_start_time', to_char(b.prior_notice_start_time, 'HH24:MI:SS'),
	 'prior_notice_start_time is forbidden without prior_notice_start_day'),
	(b.prior_notice_start_time IS NULL AND
	 b.prior_notice_start_day IS NOT NULL,
	 'missing_prior_notice_start_time' -- code
	 , 'prior_notice_start_time', NULL,
	 format('prior_notice_start_day %s requires prior_notice_start_time',
		b.prior_notice_start_day))
) AS n (fires, code, "column", value, message)
WHERE n.fires
