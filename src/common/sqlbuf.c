/*
 * sqlbuf.c: SQL text built in a Buf, the one place that quotes names and
 * expands templates for both programs.
 */
#include "sqlbuf.h"

#include <libpq-fe.h>

#include "db.h"

bool
sqlbuf_ident(Buf *sql, PGconn *conn, const char *name)
{
	char	   *q = db_ident(conn, name);
	bool		ok = q != NULL && buf_puts(sql, q);

	PQfreemem(q);
	return ok;
}

bool
sqlbuf_template(Buf *sql, const char *template, const char *const subst[26])
{
	bool		ok = true;

	for (const char *p = template; ok && *p; p++)
	{
		if (p[0] == '@' && p[1] >= 'a' && p[1] <= 'z' &&
			subst[p[1] - 'a'] != NULL)
		{
			ok = buf_puts(sql, subst[p[1] - 'a']);
			p++;
		}
		else
			ok = buf_putc(sql, *p);
	}
	return ok;
}
