/*
 * feedname.c: a feed's default id and schema, from its file name.
 */
#include "feedname.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *
feedname_plain(const char *s, size_t len)
{
	bool		digit = len > 0 && s[0] >= '0' && s[0] <= '9';
	char	   *name = malloc(len + (digit ? 5 : 0) + 1);
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
