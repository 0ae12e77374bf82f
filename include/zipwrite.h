/*
 * zipwrite.h: an exported feed written as a zip, member by member as the
 * server gives them.
 */
#ifndef ZIPWRITE_H
#define ZIPWRITE_H

#include <stdbool.h>

#include "member.h"

/*
 * Writes every member of ml as a zip into fd, an empty file the caller
 * made and closes (a temporary file whose name a signal handler knows:
 * libzip's own file sources would write under a name of their own).
 * Deflated at zip's default level, each member stamped ml->mtime.  shown
 * names the output in messages.  False (logged; a server's failure is
 * said once, ml->db_failed) on failure.
 */
extern bool zipwrite_members(MemberList *ml, int fd, const char *shown);

/* Copies the file fd, from its start, to stdout; false (logged) on error. */
extern bool zipwrite_to_stdout(int fd);

#endif
