-- sqlfiles.sh fill: s/@x/agency/; s/@v/agency_timezone/g
-- Whether every value of column "@v" of table "@x" of schema "@s" is a
-- time zone the server knows by that name (src/load/check.c's
-- timezones_known, which says why): setting TimeZone to a name loads that
-- zone alone, where pg_timezone_names reads them all.  Values with a
-- digit, '' and 'GMT' are left to the view.  The caller runs it in a
-- savepoint that it rolls back (the setting, or the error of a name the
-- server does not take).
SELECT coalesce(bool_and(v !~ '[0-9]' AND v NOT IN ('', 'GMT')
	AND pg_catalog.set_config('TimeZone', v, true) = v), true)
FROM (SELECT DISTINCT c.@v AS v FROM @s.@x AS c
	WHERE c.@v IS NOT NULL) AS s
