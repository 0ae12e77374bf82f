/*
 * feedname.c: a feed's default id and schema, from its file name.
 */
#include "feedname.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
