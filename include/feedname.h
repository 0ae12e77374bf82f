/*
 * feedname.h: the names a feed gets when it is given none: its id, and the
 * schema it loads into, both from its file's name, as a name queries need
 * not quote (bart-2018.zip: feed bart_2018 in schema bart_2018), whether it
 * is loaded alone or with others; and the rules every name must follow.
 */
#ifndef FEEDNAME_H
#define FEEDNAME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * s[0..len) as a name SQL needs no quotes for: lower case, "_" for any
 * other character than a letter or a digit of ASCII, "feed_" before a
 * leading digit or a keyword SQL reserves (user: feed_user).  malloc'd;
 * NULL when out of memory.
 */
extern char *feedname_plain(const char *s, size_t len);

/*
 * The feed id, and schema, of a feed given no name: its file name (without
 * the path) less a ".zip" of any case, as feedname_plain makes it.
 * malloc'd; NULL when out of memory.
 */
extern char *feedname_from_file(const char *file);

/*
 * Whether the plain name made of name (a file's name, less a ".zip", or a
 * feed id) is mostly "_" put for characters it cannot hold: more of them
 * (a character of UTF-8 counted once) than ASCII letters and digits kept.
 * Such a name says little and another's makes it too (москва.zip and
 * самара.zip are both ____________, ---.zip and +++.zip ___), whose load
 * would replace the feed.
 */
extern bool feedname_vague(const char *name);

/*
 * Whether name, the plain name made of source (a file's name or a feed
 * id), names it well enough to be its feed's: not vague (feedname_vague),
 * which another's would make too.  Logged when not; the caller adds its
 * hint.
 */
extern bool feedname_plain_ok(const char *source, const char *name);

/*
 * The file or folder name of the feed at path as shown and recorded: the
 * path's last part, trailing slashes aside, with bytes that are not UTF-8
 * as \xHH (valid in SQL).  malloc'd; NULL when out of memory.
 */
extern char *feedname_shown(const char *path);

/*
 * Whether schema and feed_id (NULL: none given yet) are names a feed may
 * have, checked before anything is loaded (the server would refuse some
 * only at the swap): neither empty nor invalid UTF-8, the schema not one of
 * PostgreSQL's (pg_) or of gtfs2pgsql's layout, nor so long the server
 * would cut it (two long names would be one schema).  Logged when not; the
 * caller adds its hint.
 */
extern bool feedname_check(const char *feed_id, const char *schema);

#endif
