/*
 * feedname.c: a feed's default id and schema, from its file name, and the
 * rules of a feed's names.
 */
#include "feedname.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "convert.h"
#include "log.h"

#define REGISTRY_SCHEMA "gtfs2pgsql"	/* see feeds.h */
#define NAME_MAX_BYTES	63		/* PostgreSQL cuts longer names */

/*
 * PostgreSQL's keywords that cannot name a schema unquoted in "x.stops"
 * (reserved, and type or function names: catcode R and T of
 * pg_get_keywords() in 15 to 17, system_user from 16), sorted for
 * bsearch: all.zip or user.zip would load into a schema every query must
 * quote.
 */
static const char *const reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc",
	"asymmetric", "authorization", "binary", "both", "case", "cast", "check",
	"collate", "collation", "column", "concurrently", "constraint", "create",
	"cross", "current_catalog", "current_date", "current_role",
	"current_schema", "current_time", "current_timestamp", "current_user",
	"default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "false", "fetch", "for", "foreign", "freeze", "from", "full",
	"grant", "group", "having", "ilike", "in", "initially", "inner",
	"intersect", "into", "is", "isnull", "join", "lateral", "leading", "left",
	"like", "limit", "localtime", "localtimestamp", "natural", "not",
	"notnull", "null", "offset", "on", "only", "or", "order", "outer",
	"overlaps", "placing", "primary", "references", "returning", "right",
	"select", "session_user", "similar", "some", "symmetric", "system_user",
	"table", "tablesample", "then", "to", "trailing", "true", "union", "unique",
	"user", "using", "variadic", "verbose", "when", "where", "window", "with"
};

/* bsearch's comparison of a name with an entry of reserved. */
static int
compare_word(const void *name, const void *word)
{
	return strcmp(name, *(const char *const *) word);
}

char *
feedname_plain(const char *s, size_t len)
{
	bool		digit = len > 0 && s[0] >= '0' && s[0] <= '9';
	char	   *name = malloc(len + 5 + 1);
	char	   *p = name;

	if (name == NULL)
		return NULL;
	/* a leading digit would need quotes too */
	if (digit)
		p = stpcpy(p, "feed_");
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c >= 'A' && c <= 'Z')
			*p++ = (char) (c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			*p++ = c;
		else
			*p++ = '_';
	}
	*p = '\0';
	/* and so would a keyword (p past the digits' "feed_" has none) */
	if (!digit && bsearch(name, reserved, sizeof(reserved) /
						  sizeof(reserved[0]), sizeof(reserved[0]),
						  compare_word))
	{
		memmove(name + 5, name, len + 1);
		memcpy(name, "feed_", 5);
	}
	return name;
}

char *
feedname_from_file(const char *file)
{
	size_t		len = strlen(file);

	if (len > 4 && strcasecmp(file + len - 4, ".zip") == 0)
		len -= 4;
	return feedname_plain(file, len);
}

bool
feedname_vague(const char *name)
{
	size_t		len = strlen(name);
	int			kept = 0,
				lost = 0;

	if (len > 4 && strcasecmp(name + len - 4, ".zip") == 0)
		len -= 4;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9'))
			kept++;
		/* a character of UTF-8 is lost once, on its first byte */
		else if (c != '_' && (c & 0xC0) != 0x80)
			lost++;
	}
	return lost > kept;
}

bool
feedname_plain_ok(const char *source, const char *name)
{
	if (!feedname_vague(source))
		return true;
	log_error("\"%s\" makes the name \"%s\", mostly \"_\" for characters "
			  "a plain name cannot hold: another's would make it too, and "
			  "replace its feed", source, name);
	return false;
}

char *
feedname_shown(const char *path)
{
	size_t		len = strlen(path);
	const char *name;
	char	   *shown_name = NULL;
	Buf			shown;

	while (len > 1 && path[len - 1] == '/')
		len--;
	/* the last slash before the end, unless it is the path's only byte */
	name = path + len;
	while (name > path && name[-1] != '/')
		name--;
	if (name == path + len)
		name = path;
	len -= (size_t) (name - path);
	if (conv_utf8_valid(name, len))
		shown_name = strndup(name, len);
	else
	{
		buf_init(&shown, 4096);
		if (conv_utf8_show(&shown, name, len))
			shown_name = strdup(shown.data);
		buf_free(&shown);
	}
	return shown_name;
}

bool
feedname_check(const char *feed_id, const char *schema)
{
	if (schema[0] == '\0' || (feed_id && feed_id[0] == '\0'))
	{
		log_error("the schema and the feed id may not be empty");
		return false;
	}
	if (!conv_utf8_valid(schema, strlen(schema)) ||
		(feed_id && !conv_utf8_valid(feed_id, strlen(feed_id))))
	{
		log_error("the schema and the feed id must be UTF-8");
		return false;
	}
	if (strncmp(schema, "pg_", 3) == 0)
	{
		log_error("schema \"%s\": names that begin with \"pg_\" are "
				  "PostgreSQL's own", schema);
		return false;
	}
	/* gtfs2pgsql, gtfs2pgsql_data_N, gtfs2pgsql_dropped are the layout's */
	if (strncmp(schema, REGISTRY_SCHEMA, strlen(REGISTRY_SCHEMA)) == 0)
	{
		log_error("schema \"%s\": names that begin with \"%s\" are "
				  "gtfs2pgsql's own", schema, REGISTRY_SCHEMA);
		return false;
	}
	if (strlen(schema) > NAME_MAX_BYTES)
	{
		log_error("schema name \"%s\" is longer than %d bytes",
				  schema, NAME_MAX_BYTES);
		return false;
	}
	return true;
}
