/*
 * reject.c: the rows --skip-invalid sets aside.
 *
 * They are written as COPY text rows to an unnamed temporary file while the
 * feed streams (a COPY is then in progress on the connection, so they
 * cannot go to the server yet), and copied into import_errors at the end.
 */
#include "reject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "copy.h"
#include "db.h"
#include "log.h"

#define MAX_VALUE	1024		/* bytes of a rejected value kept */

/* A file's rejected rows: their count and their lines, as a hash set. */
typedef struct
{
	char	   *file;
	long		count;
	long	   *lines;			/* 0 marks a free slot */
	size_t		cap;			/* a power of two */
	size_t		nlines;
} FileCount;

struct Rejects
{
	FILE	   *tmp;
	Buf			row;
	FileCount  *counts;
	int			nfiles;
};

Rejects *
reject_create(void)
{
	Rejects    *rj = calloc(1, sizeof(Rejects));

	if (rj != NULL)
		rj->tmp = tmpfile();
	if (rj == NULL || rj->tmp == NULL)
	{
		log_error("could not create a temporary file: %s", strerror(errno));
		free(rj);
		return NULL;
	}
	buf_init(&rj->row, 4 * MAX_VALUE + 4096);
	return rj;
}

void
reject_destroy(Rejects *rj)
{
	if (rj == NULL)
		return;
	fclose(rj->tmp);
	buf_free(&rj->row);
	for (int i = 0; i < rj->nfiles; i++)
	{
		free(rj->counts[i].file);
		free(rj->counts[i].lines);
	}
	free(rj->counts);
	free(rj);
}

static size_t
line_slot(const FileCount *c, long line)
{
	size_t		i = ((size_t) line * 11400714819323198485ULL) & (c->cap - 1);

	while (c->lines[i] != 0 && c->lines[i] != line)
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* Remembers that line of c was rejected; false when out of memory. */
static bool
add_line(FileCount *c, long line)
{
	if (line <= 0)
		return true;
	if (2 * (c->nlines + 1) > c->cap)
	{
		FileCount	bigger = *c;

		bigger.cap = c->cap ? 2 * c->cap : 64;
		bigger.lines = calloc(bigger.cap, sizeof(long));
		if (bigger.lines == NULL)
			return false;
		for (size_t i = 0; i < c->cap; i++)
			if (c->lines[i] != 0)
				bigger.lines[line_slot(&bigger, c->lines[i])] = c->lines[i];
		free(c->lines);
		*c = bigger;
	}
	if (c->lines[line_slot(c, line)] == 0)
	{
		c->lines[line_slot(c, line)] = line;
		c->nlines++;
	}
	return true;
}

/* The counts of file, or NULL if none was rejected yet. */
static FileCount *
find_file(const Rejects *rj, const char *file)
{
	for (int i = 0; i < rj->nfiles; i++)
		if (strcmp(rj->counts[i].file, file) == 0)
			return &rj->counts[i];
	return NULL;
}

/* The counts of file, made when missing; NULL when out of memory. */
static FileCount *
file_count(Rejects *rj, const char *file)
{
	FileCount  *c = find_file(rj, file);

	if (c)
		return c;
	c = realloc(rj->counts, sizeof(FileCount) * (size_t) (rj->nfiles + 1));
	if (c == NULL)
		return NULL;
	rj->counts = c;
	c += rj->nfiles;
	memset(c, 0, sizeof(FileCount));
	c->file = strdup(file);
	if (c->file == NULL)
		return NULL;
	rj->nfiles++;
	return c;
}

bool
reject_has(const Rejects *rj, const char *file, long line)
{
	const FileCount *c = find_file(rj, file);

	return c && c->cap > 0 && c->lines[line_slot(c, line)] == line;
}

long
reject_count(const Rejects *rj, const char *file)
{
	const FileCount *c = find_file(rj, file);

	return c ? c->count : 0;
}

/* A text column of the row: NULL as \N, invalid UTF-8 bytes as '?'. */
static bool
put_text(Buf *row, const char *s, size_t len, bool last)
{
	char		text[MAX_VALUE];
	bool		ok;

	if (s == NULL)
		ok = buf_append(row, "\\N", 2);
	else
	{
		if (len > sizeof(text))
			len = sizeof(text);
		memcpy(text, s, len);
		conv_utf8_repair(text, len);
		ok = conv_copy_text(row, text, len) == CONV_OK;
	}
	return ok && buf_putc(row, last ? '\n' : '\t');
}

bool
reject_add(Rejects *rj, const char *file, long line, const char *column,
		   const char *value, size_t value_len, const char *message)
{
	FileCount  *c = file_count(rj, file);
	char		num[32];
	bool		ok;

	if (c == NULL || !add_line(c, line))
	{
		log_error("out of memory");
		return false;
	}
	c->count++;
	buf_reset(&rj->row);
	if (line > 0)
		snprintf(num, sizeof(num), "%ld", line);
	else
		snprintf(num, sizeof(num), "\\N");
	ok = put_text(&rj->row, file, strlen(file), false) &&
		buf_puts(&rj->row, num) && buf_putc(&rj->row, '\t') &&
		put_text(&rj->row, column, column ? strlen(column) : 0, false) &&
		put_text(&rj->row, value, value_len, false) &&
		put_text(&rj->row, message, strlen(message), true);
	if (!ok || fwrite(rj->row.data, 1, rj->row.len, rj->tmp) != rj->row.len)
	{
		log_error("could not write to a temporary file: %s", strerror(errno));
		return false;
	}
	return true;
}

bool
reject_store(Rejects *rj, PGconn *conn, const Ddl *d)
{
	CopyStream	copy;
	Buf			sql;
	char		chunk[64 * 1024];
	size_t		n;
	bool		ok;

	buf_init(&sql, DDL_SQL_MAX);
	ok = ddl_template(&sql, d,
					  "CREATE TABLE @s.import_errors (file text NOT NULL, "
					  "line integer, \"column\" text, value text, "
					  "message text NOT NULL)") &&
		db_exec(conn, sql.data);
	buf_reset(&sql);
	ok = ok && ddl_template(&sql, d, "COPY @s.import_errors FROM STDIN") &&
		copy_begin(&copy, conn, sql.data, 0);
	buf_free(&sql);
	if (!ok)
		return false;
	/* rewind() would hide a failed flush of the last rows */
	if (fflush(rj->tmp) != 0 || fseek(rj->tmp, 0, SEEK_SET) != 0)
	{
		log_error("could not write to a temporary file: %s", strerror(errno));
		copy_end(&copy, "could not write the rejected rows");
		return false;
	}
	while (ok)
	{
		n = fread(chunk, 1, sizeof(chunk), rj->tmp);
		if (n == 0)
			break;
		ok = buf_append(&copy.buf, chunk, n) && copy_flush(&copy);
	}
	if (ferror(rj->tmp))
	{
		log_error("could not read a temporary file: %s", strerror(errno));
		ok = false;
	}
	return copy_end(&copy,
					ok ? NULL : "could not read the rejected rows") && ok;
}
