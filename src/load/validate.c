/*
 * validate.c: the rules of schema/rules/ run over a loaded feed, each
 * wrapped into one INSERT of its notices with their severity.
 */
#include "validate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "convert.h"
#include "db.h"
#include "log.h"
#include "progress.h"
#include "validator.h"

/* build/sql/rules.c: every rule's name and body, up to NULL */
extern const char *const rule_names[];
extern const char *const rule_bodies[];

#define STEP_MAX	128

/*
 * The rules' settings, for the rest of the load's transaction: the pass
 * over stop_times sorts and keeps each trip's rows, to disk at the default
 * 4 MB of work_mem; a larger setting the user made is kept.
 */
#define RULES_SETTINGS \
	"SELECT CASE WHEN pg_catalog.pg_size_bytes(pg_catalog." \
	"current_setting('work_mem')) < 268435456 THEN " \
	"pg_catalog.set_config('work_mem', '256MB', true) END"

/*
 * A rule marked KEY_ORDER_MARK reads stop_times in the order of its key:
 * the planner would rather sort the 2.4M joined rows of MTA Brooklyn (to
 * disk, 0.5 GB) or gather them from parallel workers into the leader,
 * which took twice the index scan's time.  The two settings are kept in
 * placeholders and given back after the rule.
 */
#define KEY_ORDER_MARK	"/* validate.c: in the key's order */"
#define KEY_ORDER_SETTINGS \
	"SELECT pg_catalog.set_config('gtfs2pgsql.enable_sort', " \
	"pg_catalog.current_setting('enable_sort'), true), " \
	"pg_catalog.set_config('enable_sort', 'off', true), " \
	"pg_catalog.set_config('gtfs2pgsql.parallel', pg_catalog." \
	"current_setting('max_parallel_workers_per_gather'), true), " \
	"pg_catalog.set_config('max_parallel_workers_per_gather', '0', true)"
#define KEY_ORDER_RESTORE \
	"SELECT pg_catalog.set_config('enable_sort', pg_catalog." \
	"current_setting('gtfs2pgsql.enable_sort'), true), " \
	"pg_catalog.set_config('max_parallel_workers_per_gather', pg_catalog." \
	"current_setting('gtfs2pgsql.parallel'), true)"

/* validator_each's callback: one (code, severity) of a VALUES list. */
static bool
put_code(const ValidatorCode *code, void *ctx)
{
	Buf		   *sql = ctx;

	/* a code whose severity varies has none here: the rule must say */
	return buf_puts(sql, sql->data[sql->len - 1] == ')' ? ",\n\t('" :
					"\n\t('") &&
		buf_puts(sql, code->code) && buf_puts(sql, "', ") &&
		buf_puts(sql, code->severity == VALIDATOR_VARIES ? "NULL" : "'") &&
		(code->severity == VALIDATOR_VARIES ||
		 (buf_puts(sql, validator_severity_name(code->severity)) &&
		  buf_puts(sql, "'"))) &&
		buf_puts(sql, ")");
}

/*
 * The INSERT of a rule's notices: its rows joined with their code's
 * severity, from severities (the VALUES list of every code, made once for
 * all the rules).  $1 is typed by the condition even when the rule has no
 * use for it.  False when out of memory.
 */
static bool
rule_insert(Buf *sql, const Ddl *d, const char *body, const Buf *severities)
{
	return buf_puts(sql, "INSERT INTO ") &&
		ddl_table(sql, d, "import_notices") &&
		buf_puts(sql, " (file, line, \"column\", code, severity, value, "
				 "message, action)\nSELECT r.file, r.line, r.\"column\", "
				 "r.code, coalesce(r.severity, c.severity), r.value, "
				 "r.message, 'kept'\nFROM (\n") &&
		ddl_template(sql, d, body) &&
		buf_puts(sql, "\n) AS r\nJOIN ") &&
		buf_append(sql, severities->data, severities->len) &&
		buf_puts(sql, " ON c.code = r.code\nWHERE $1::date IS NOT NULL");
}

/*
 * Whether the rule body can run on d's feed: one that calls PostGIS ("@g")
 * or reads the zones of locations.geojson needs the geometry, which a load
 * --no-geometry has not (no PostGIS, no table locations).
 */
static bool
rule_runs(const Ddl *d, const char *body)
{
	return d->geometry ||
		(strstr(body, "@g.") == NULL && strstr(body, "@s.locations") == NULL);
}

bool
validate_feed(PGconn *conn, const Ddl *d, const char *as_of, Report *rep)
{
	Buf			sql;
	Buf			severities;
	bool		ok = true;

	if (!db_exec(conn, RULES_SETTINGS))
		return false;
	buf_init(&severities, DDL_SQL_MAX);
	if (!buf_puts(&severities, "(VALUES") ||
		!validator_each(put_code, &severities) ||
		!buf_puts(&severities, ") AS c (code, severity)"))
	{
		log_error("out of memory");
		buf_free(&severities);
		return false;
	}
	buf_init(&sql, DDL_SQL_MAX);
	for (int i = 0; ok && rule_names[i] != NULL; i++)
	{
		char		step[STEP_MAX];
		double		started;
		bool		key_order;

		if (!rule_runs(d, rule_bodies[i]))
			continue;
		snprintf(step, sizeof(step), "rule %s", rule_names[i]);
		started = progress_step(step);
		buf_reset(&sql);
		if (!rule_insert(&sql, d, rule_bodies[i], &severities))
		{
			log_error("out of memory");
			ok = false;
			break;
		}
		key_order = strstr(rule_bodies[i], KEY_ORDER_MARK) != NULL;
		db_set_step(step);
		ok = (!key_order || db_exec(conn, KEY_ORDER_SETTINGS)) &&
			db_run(conn, sql.data, 1, &as_of, NULL, NULL, NULL) == DB_DONE &&
			(!key_order || db_exec(conn, KEY_ORDER_RESTORE)) &&
			report_add_step(rep, step, started);
	}
	buf_free(&sql);
	buf_free(&severities);
	return ok;
}

bool
validate_as_of(const char *as_of, char out[11])
{
	struct tm	tm;
	time_t		now;
	char		digits[40];
	int			year,
				month,
				day;

	if (as_of == NULL)
	{
		now = time(NULL);
		if (localtime_r(&now, &tm) == NULL ||
			strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		{
			log_error("could not read today's date");
			return false;
		}
		return true;
	}
	/* YYYY-MM-DD as YYYYMMDD */
	if (strlen(as_of) == 10 && as_of[4] == '-' && as_of[7] == '-')
		snprintf(digits, sizeof(digits), "%.4s%.2s%.2s", as_of, as_of + 5,
				 as_of + 8);
	else
		snprintf(digits, sizeof(digits), "%s", as_of);
	if (strlen(as_of) > 10 ||
		!conv_parse_date(digits, strlen(digits), &year, &month, &day) ||
		year < 1000)
	{
		log_error("invalid value \"%s\" for option --as-of (a date: "
				  "YYYY-MM-DD or YYYYMMDD)", as_of);
		return false;
	}
	/* conv_parse_date read four digits, two and two */
	snprintf(digits, sizeof(digits), "%04d-%02d-%02d", year, month, day);
	memcpy(out, digits, 11);
	return true;
}
