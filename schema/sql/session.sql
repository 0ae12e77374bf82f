-- The session every load and export relies on, whatever the database,
-- the role or PGOPTIONS set (as pg_dump sets its own): see db_connect in
-- src/common/db.c, which runs it after "SET statement_timeout = 0" (a
-- role's statement_timeout could end it).  What only tunes speed or
-- durability (work_mem, synchronous_commit, ...) is the user's.
-- Embedded in the programs by the Makefile (build/sql/session.c).
-- names are schema-qualified: nobody's objects are found by accident
SELECT pg_catalog.set_config('search_path', '', false),
-- every wait is ours to bound (--wait, swap.c); a load's first connection
-- waits idle in its transaction while the second loads stop_times.txt
	pg_catalog.set_config('lock_timeout', '0', false),
	pg_catalog.set_config('statement_timeout', '0', false),
	pg_catalog.set_config('idle_in_transaction_session_timeout', '0',
		false),
	pg_catalog.set_config('idle_session_timeout', '0', false),
-- the swap's catalog reads and retries are written for READ COMMITTED
	pg_catalog.set_config('default_transaction_isolation',
		'read committed', false),
	pg_catalog.set_config('default_transaction_read_only', 'off', false),
	pg_catalog.set_config('default_transaction_deferrable', 'off', false),
-- a table with row security is an error, never rows silently missing
	pg_catalog.set_config('row_security', 'off', false),
	pg_catalog.set_config('default_table_access_method', 'heap', false),
-- the database's own tablespace: pg_global, say, would refuse every table
	pg_catalog.set_config('default_tablespace', '', false),
-- errors the swap catches and retries must not end the session
	pg_catalog.set_config('exit_on_error', 'off', false),
-- names read back from the catalogs (regclass::text) are compared
	pg_catalog.set_config('quote_all_identifiers', 'off', false),
-- the SQL we write means what it says
	pg_catalog.set_config('standard_conforming_strings', 'on', false),
	pg_catalog.set_config('transform_null_equals', 'off', false),
	pg_catalog.set_config('array_nulls', 'on', false),
	pg_catalog.set_config('plpgsql.extra_errors', 'none', false),
-- exported numbers print exactly
	pg_catalog.set_config('extra_float_digits', '1', false),
-- keys are matched with the file's text: dates and times print as ISO
	pg_catalog.set_config('datestyle', 'ISO, YMD', false),
	pg_catalog.set_config('intervalstyle', 'postgres', false),
-- server notices such as "already exists, skipping" are noise here
	pg_catalog.set_config('client_min_messages', 'warning', false),
-- a client killed with -9 must not leave a session holding its locks
	pg_catalog.set_config('client_connection_check_interval', '1s', false);
