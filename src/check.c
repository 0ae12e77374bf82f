/*
 * check.c: unique keys and references, checked in the server once a file
 * is in, with the lines of the offending rows found by reading the member
 * again.
 *
 * Both checks cost nothing extra on a good feed beyond what must be built
 * anyway (the key) or one anti-join per reference.  Only when something is
 * wrong does the member get read a second time, with the offending values
 * in a small hash set, so that every message can name its line.
 */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "csvread.h"
#include "db.h"
#include "log.h"

#define KEY_SEP		'\x1f'		/* between the fields of a composite key */
#define MAX_KEY_FIELDS 8
#define SHOW_MAX	60

/* Keys, each with a slot the rescan uses (0: not met yet). */
typedef struct
{
	char	  **keys;
	long	   *slots;
	size_t		cap;			/* a power of two */
	size_t		n;
} KeySet;

static uint64_t
hash_key(const char *s, size_t len)
{
	uint64_t	h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
	return h;
}

/* The index where key is, or where it would go. */
static size_t
keyset_probe(const KeySet *ks, const char *key, size_t len)
{
	size_t		i = hash_key(key, len) & (ks->cap - 1);

	while (ks->keys[i] &&
		   (strlen(ks->keys[i]) != len || memcmp(ks->keys[i], key, len) != 0))
		i = (i + 1) & (ks->cap - 1);
	return i;
}

static bool
keyset_add(KeySet *ks, const char *key, size_t len)
{
	size_t		i;

	if (2 * (ks->n + 1) > ks->cap)
	{
		KeySet		bigger = {NULL, NULL, ks->cap ? 2 * ks->cap : 64, 0};

		bigger.keys = calloc(bigger.cap, sizeof(char *));
		bigger.slots = calloc(bigger.cap, sizeof(long));
		if (bigger.keys == NULL || bigger.slots == NULL)
		{
			free(bigger.keys);
			free(bigger.slots);
			log_error("out of memory");
			return false;
		}
		for (size_t j = 0; j < ks->cap; j++)
			if (ks->keys[j])
			{
				size_t		k = keyset_probe(&bigger, ks->keys[j],
											 strlen(ks->keys[j]));

				bigger.keys[k] = ks->keys[j];
				bigger.slots[k] = ks->slots[j];
				bigger.n++;
			}
		free(ks->keys);
		free(ks->slots);
		*ks = bigger;
	}
	i = keyset_probe(ks, key, len);
	if (ks->keys[i])
		return true;
	ks->keys[i] = strndup(key, len);
	if (ks->keys[i] == NULL)
	{
		log_error("out of memory");
		return false;
	}
	ks->n++;
	return true;
}

/* The slot of key, or NULL if it is not in the set. */
static long *
keyset_find(const KeySet *ks, const char *key, size_t len)
{
	size_t		i;

	if (ks->n == 0)
		return NULL;
	i = keyset_probe(ks, key, len);
	return ks->keys[i] ? &ks->slots[i] : NULL;
}

static void
keyset_free(KeySet *ks)
{
	for (size_t i = 0; i < ks->cap; i++)
		free(ks->keys[i]);
	free(ks->keys);
	free(ks->slots);
}

/* key with its separators shown as ", ", cut for messages. */
static const char *
show_key(const char *key, char *out, size_t outsize)
{
	size_t		o = 0;
	const char *p;

	for (p = key; *p && o + 6 < outsize; p++)
	{
		if (*p == KEY_SEP)
			out[o++] = ',', out[o++] = ' ';
		else
			out[o++] = *p;
	}
	strcpy(out + o, *p ? "..." : "");
	return out;
}

/* What the rescan looks for and what it does with a match. */
typedef struct Rescan Rescan;
typedef bool (*MatchFn) (Rescan *rs, const CsvRow *row, long *slot,
						 const char *key);

struct Rescan
{
	CheckRun   *cr;
	const CatalogFile *cat;
	const char *member;
	const int  *fields;			/* catalog fields making the key */
	int			nfields;
	int			cols[MAX_KEY_FIELDS];	/* their columns in the file */
	bool		header_seen;
	KeySet	   *set;
	Buf			key;
	Buf			scratch;
	MatchFn		fn;
	const char *what;			/* for fn's messages */
};

/* The key's text as the server prints it: values as COPY reads them. */
static bool
append_key_value(Rescan *rs, const CatalogField *f, const char *v, size_t len)
{
	const char *why;

	if (len == 0)
		return buf_append(&rs->key, "\\N", 2);
	if (f->type == GT_TEXT || f->type == GT_COLOR || f->type == GT_TIMEZONE)
		return buf_append(&rs->key, v, len);
	/* "01" is stored, and printed, as 1 */
	if (f->type == GT_INT || f->type == GT_ENUM)
	{
		long		n;
		char		digits[24];

		conv_trim(&v, &len);
		if (conv_parse_int(v, len, &n))
			return buf_append(&rs->key, digits,
							  (size_t) snprintf(digits, sizeof(digits),
												"%ld", n));
	}
	buf_reset(&rs->scratch);
	if (conv_field(f, v, len, &rs->scratch, &why) == CONV_ERROR ||
		rs->scratch.data == NULL)
		return buf_append(&rs->key, v, len);
	return buf_append(&rs->key, rs->scratch.data, rs->scratch.len);
}

static bool
rescan_row(void *ctx, const CsvRow *row)
{
	Rescan	   *rs = ctx;
	long	   *slot;

	if (!rs->header_seen)
	{
		rs->header_seen = true;
		for (int k = 0; k < rs->nfields; k++)
		{
			const char *name = rs->cat->fields[rs->fields[k]].name;

			rs->cols[k] = -1;
			for (int i = 0; i < row->nfields; i++)
			{
				const char *h = row->fields[i].data;
				size_t		len = row->fields[i].len;

				conv_trim(&h, &len);
				if (len == strlen(name) && memcmp(h, name, len) == 0)
					rs->cols[k] = i;
			}
		}
		return true;
	}
	/* a row set aside already is not in the table: it cannot match */
	if (rs->cr->rejects && reject_has(rs->cr->rejects, rs->member, row->line))
		return true;
	buf_reset(&rs->key);
	for (int k = 0; k < rs->nfields; k++)
	{
		int			c = rs->cols[k];
		bool		have = c >= 0 && c < row->nfields;

		if ((k > 0 && !buf_putc(&rs->key, KEY_SEP)) ||
			!append_key_value(rs, &rs->cat->fields[rs->fields[k]],
							  have ? row->fields[c].data : "",
							  have ? row->fields[c].len : 0))
			return true;		/* a key past the cap matches nothing */
	}
	slot = keyset_find(rs->set, rs->key.data, rs->key.len);
	return slot == NULL || rs->fn(rs, row, slot, rs->key.data);
}

/* Reads the member of rs->cat again, calling rs->fn on every match. */
static bool
rescan(Rescan *rs)
{
	int			i = source_find(rs->cr->src, rs->cat->file);
	FeedMember *m = i >= 0 ? source_member_open(rs->cr->src, i) : NULL;
	CsvReader  *reader = csvread_create(rs->cat->file, rescan_row, rs);
	char	   *chunk = malloc(SOURCE_READ_CHUNK);
	unsigned long long bytes;
	bool		ok = m && reader && chunk;

	rs->member = rs->cat->file;
	buf_init(&rs->key, CSV_MAX_ROW);
	buf_init(&rs->scratch, CSV_MAX_FIELD);
	ok = ok && csvread_member(reader, m, chunk, &bytes);
	buf_free(&rs->key);
	buf_free(&rs->scratch);
	free(chunk);
	csvread_destroy(reader);
	if (m)
		source_member_close(m);
	return ok;
}

/* The file column of the rescan's first key field, 1-based, or 0. */
static int
first_column(const Rescan *rs)
{
	return rs->cols[0] >= 0 ? rs->cols[0] + 1 : 0;
}

static bool
on_duplicate(Rescan *rs, const CsvRow *row, long *slot, const char *key)
{
	char		shown[SHOW_MAX + 8];
	char		message[256];

	if (*slot == 0)
	{
		*slot = row->line;		/* the first row with this key stays */
		return true;
	}
	show_key(key, shown, sizeof(shown));
	if (rs->cr->rejects == NULL)
	{
		log_data_error(rs->member, row->line, first_column(rs),
					   "duplicate %s (%s): first at line %ld", rs->what,
					   shown, *slot);
		return log_data_errors() < rs->cr->max_errors;
	}
	snprintf(message, sizeof(message), "duplicate %s: first at line %ld",
			 rs->what, *slot);
	return reject_add(rs->cr->rejects, rs->member, row->line,
					  rs->cat->fields[rs->fields[0]].name, shown,
					  strlen(shown), message);
}

/*
 * Reports the keys the rescan never met (the file's text of a value did
 * not match how the server prints it): without a line, but never silently.
 */
static bool
report_unmatched(Rescan *rs, const char *what)
{
	char		shown[SHOW_MAX + 8];
	char		message[256];

	/* a rescan stopped by --max-errors did not meet them all */
	if (rs->cr->rejects == NULL && log_data_errors() >= rs->cr->max_errors)
		return true;
	for (size_t i = 0; i < rs->set->cap; i++)
	{
		if (rs->set->keys[i] == NULL || rs->set->slots[i] != 0)
			continue;
		show_key(rs->set->keys[i], shown, sizeof(shown));
		snprintf(message, sizeof(message), "%s %s (%s), line not found",
				 what, rs->nfields > 1 ? "key" :
				 rs->cat->fields[rs->fields[0]].name, shown);
		if (rs->cr->rejects == NULL)
			log_data_error(rs->member, 0, 0, "%s", message);
		else if (!reject_add(rs->cr->rejects, rs->member, 0,
							 rs->cat->fields[rs->fields[0]].name, shown,
							 strlen(shown), message))
			return false;
	}
	return true;
}

/* Fills set with the first column of res's rows. */
static bool
fill_set(KeySet *set, PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++)
		if (!keyset_add(set, PQgetvalue(res, r, 0),
						(size_t) PQgetlength(res, r, 0)))
			return false;
	return true;
}

/*
 * Runs sql inside a savepoint, so that a failure leaves the transaction
 * usable; *unique_violation tells whether it failed on a duplicate key
 * (other failures are logged).
 */
static bool
exec_in_savepoint(PGconn *conn, const char *sql, bool *unique_violation)
{
	PGresult   *res;
	const char *state;
	bool		ok;

	*unique_violation = false;
	if (!db_exec(conn, "SAVEPOINT gtfs2pgsql_check"))
		return false;
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!ok && state && strcmp(state, "23505") == 0)
		*unique_violation = true;
	else if (!ok)
	{
		db_log_error(conn, res, "statement failed");
		log_detail("statement: %s", sql);
	}
	PQclear(res);
	if (!ok && !db_exec(conn, "ROLLBACK TO SAVEPOINT gtfs2pgsql_check"))
		*unique_violation = false;
	return db_exec(conn, "RELEASE SAVEPOINT gtfs2pgsql_check") && ok;
}

/* "k1, k2" and "coalesce(k1::text, '\N') || sep || ..." for cat's key. */
static bool
key_sql(CheckRun *cr, const CatalogFile *cat, const int *fields, int nfields,
		Buf *list, Buf *text)
{
	bool		ok = true;

	for (int k = 0; ok && k < nfields; k++)
	{
		const char *name = cat->fields[fields[k]].name;

		ok = buf_puts(list, k ? ", " : "") && ddl_ident(list, cr->ddl, name) &&
			buf_puts(text, k ? " || E'\\x1f' || " : "") &&
			buf_puts(text, "coalesce(") && ddl_ident(text, cr->ddl, name) &&
			buf_puts(text, "::text, '\\N')");
	}
	return ok;
}

bool
check_key(CheckRun *cr, const CatalogFile *cat)
{
	int			fields[MAX_KEY_FIELDS];
	int			nfields = 0;
	KeySet		set = {0};
	Rescan		rs = {0};
	Buf			sql,
				list,
				text;
	PGresult   *res = NULL;
	bool		violation;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	if (!ddl_key(&sql, cr->ddl, cat))
	{
		buf_free(&sql);
		return false;
	}
	if (sql.len == 0)
		return true;			/* no key: nothing was allocated */
	ok = exec_in_savepoint(cr->conn, sql.data, &violation);
	if (ok || !violation)
	{
		buf_free(&sql);
		return ok;
	}

	/* duplicates: which keys, then on which lines */
	for (int i = 0; i < cat->nfields && nfields < MAX_KEY_FIELDS; i++)
		if (cat->fields[i].flags & FIELD_KEY)
			fields[nfields++] = i;
	buf_init(&list, DDL_SQL_MAX);
	buf_init(&text, DDL_SQL_MAX);
	buf_reset(&sql);
	ok = key_sql(cr, cat, fields, nfields, &list, &text) &&
		buf_puts(&sql, "SELECT ") && buf_append(&sql, text.data, text.len) &&
		buf_puts(&sql, " FROM ") && ddl_table(&sql, cr->ddl, cat->table) &&
		buf_puts(&sql, " GROUP BY ") && buf_append(&sql, list.data, list.len) &&
		buf_puts(&sql, " HAVING count(*) > 1");
	res = ok ? db_query(cr->conn, sql.data, 0, NULL) : NULL;
	ok = res != NULL && fill_set(&set, res);
	PQclear(res);

	rs.cr = cr;
	rs.cat = cat;
	rs.fields = fields;
	rs.nfields = nfields;
	rs.set = &set;
	rs.fn = on_duplicate;
	rs.what = nfields > 1 ? "key" : cat->fields[fields[0]].name;
	if (ok && !rescan(&rs) && log_data_errors() == 0)
		ok = false;
	ok = ok && report_unmatched(&rs, "duplicate");

	/* under --skip-invalid, the first row of each key stays */
	if (ok && cr->rejects)
	{
		Buf			del;

		buf_init(&del, DDL_SQL_MAX);
		ok = buf_puts(&del, "DELETE FROM ") &&
			ddl_table(&del, cr->ddl, cat->table) &&
			buf_puts(&del, " WHERE ctid IN (SELECT ctid FROM (SELECT ctid, "
					 "row_number() OVER (PARTITION BY ") &&
			buf_append(&del, list.data, list.len) &&
			buf_puts(&del, " ORDER BY ctid) AS n FROM ") &&
			ddl_table(&del, cr->ddl, cat->table) &&
			buf_puts(&del, ") AS rows WHERE n > 1)") &&
			db_exec(cr->conn, del.data);
		buf_reset(&del);
		ok = ok && ddl_key(&del, cr->ddl, cat) && db_exec(cr->conn, del.data);
		buf_free(&del);
	}
	keyset_free(&set);
	buf_free(&list);
	buf_free(&text);
	buf_free(&sql);
	return ok;
}

static bool
on_dangling(Rescan *rs, const CsvRow *row, long *slot, const char *key)
{
	char		shown[SHOW_MAX + 8];
	char		message[256];

	(*slot)++;
	show_key(key, shown, sizeof(shown));
	if (rs->cr->rejects == NULL)
	{
		/* one message per value, at its first row */
		if (*slot > 1)
			return true;
		log_data_error(rs->member, csvread_field_line(row, rs->cols[0]),
					   first_column(rs), "%s \"%s\" is not in %s",
					   rs->cat->fields[rs->fields[0]].name, shown, rs->what);
		return log_data_errors() < rs->cr->max_errors;
	}
	snprintf(message, sizeof(message), "%s is not in %s",
			 rs->cat->fields[rs->fields[0]].name, rs->what);
	return reject_add(rs->cr->rejects, rs->member, row->line,
					  rs->cat->fields[rs->fields[0]].name, key, strlen(key),
					  message);
}

/*
 * "c.field IS NOT NULL AND NOT EXISTS (...) AND ..." for one field's
 * references, and the files they name ("trips.txt or ...") into files.
 * False with nothing appended when a target table is not loaded.
 */
static bool
dangling_sql(CheckRun *cr, const CatalogField *f, Buf *where, Buf *files)
{
	const char *p = f->refs;
	bool		ok = buf_puts(where, "c.") &&
		ddl_ident(where, cr->ddl, f->name) &&
		buf_puts(where, " IS NOT NULL");

	/* a time zone must be one the server knows, as it must convert times */
	if (f->type == GT_TIMEZONE)
		return ok && buf_puts(where, " AND c.") &&
			ddl_ident(where, cr->ddl, f->name) &&
			buf_puts(where, " NOT IN (SELECT name FROM "
					 "pg_catalog.pg_timezone_names)") &&
			buf_puts(files, "the time zone database");
	while (ok && p && *p)
	{
		size_t		n = strcspn(p, "|");
		const char *dot = memchr(p, '.', n);
		char		table[64],
					field[64];

		if (dot == NULL || (size_t) (dot - p) >= sizeof(table) ||
			n - (size_t) (dot - p) > sizeof(field))
			return false;
		snprintf(table, sizeof(table), "%.*s", (int) (dot - p), p);
		snprintf(field, sizeof(field), "%.*s",
				 (int) (n - (size_t) (dot - p) - 1), dot + 1);
		/* locations.geojson has a table only when geometry is loaded */
		if (strcmp(table, "locations") == 0 && cr->ddl->postgis == NULL)
			return false;
		ok = buf_puts(where, " AND NOT EXISTS (SELECT FROM ") &&
			ddl_table(where, cr->ddl, table) &&
			buf_puts(where, " AS p WHERE p.") &&
			ddl_ident(where, cr->ddl, field) && buf_puts(where, " = c.") &&
			ddl_ident(where, cr->ddl, f->name) && buf_putc(where, ')') &&
			buf_puts(files, files->len ? " or " : "") &&
			buf_puts(files, table) &&
			buf_puts(files,
					 strcmp(table, "locations") ? ".txt" : ".geojson");
		p += n + (p[n] == '|');
	}
	return ok;
}

bool
check_references(CheckRun *cr, const CatalogFile *cat, uint64_t present)
{
	bool		ok = true;

	for (int f = 0; ok && f < cat->nfields; f++)
	{
		const CatalogField *field = &cat->fields[f];
		KeySet		set = {0};
		Rescan		rs = {0};
		Buf			where,
					files,
					sql;
		PGresult   *res;

		if ((field->refs == NULL && field->type != GT_TIMEZONE) ||
			!(present & ((uint64_t) 1 << f)))
			continue;
		buf_init(&where, DDL_SQL_MAX);
		buf_init(&files, DDL_SQL_MAX);
		buf_init(&sql, DDL_SQL_MAX);
		if (!dangling_sql(cr, field, &where, &files))
			goto next;
		ok = buf_puts(&sql, "SELECT DISTINCT c.") &&
			ddl_ident(&sql, cr->ddl, field->name) && buf_puts(&sql, " FROM ") &&
			ddl_table(&sql, cr->ddl, cat->table) &&
			buf_puts(&sql, " AS c WHERE ") &&
			buf_append(&sql, where.data, where.len);
		res = ok ? db_query(cr->conn, sql.data, 0, NULL) : NULL;
		ok = res != NULL && fill_set(&set, res);
		PQclear(res);
		if (!ok || set.n == 0)
			goto next;

		rs.cr = cr;
		rs.cat = cat;
		rs.fields = &f;
		rs.nfields = 1;
		rs.set = &set;
		rs.fn = on_dangling;
		rs.what = files.data;
		if (!rescan(&rs) && log_data_errors() == 0)
			ok = false;
		ok = ok && report_unmatched(&rs, "dangling");
		if (ok && cr->rejects)
		{
			buf_reset(&sql);
			ok = buf_puts(&sql, "DELETE FROM ") &&
				ddl_table(&sql, cr->ddl, cat->table) &&
				buf_puts(&sql, " AS c WHERE ") &&
				buf_append(&sql, where.data, where.len) &&
				db_exec(cr->conn, sql.data);
		}
next:
		keyset_free(&set);
		buf_free(&where);
		buf_free(&files);
		buf_free(&sql);
	}
	return ok;
}
