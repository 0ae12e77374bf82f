/*
 * folder.h: an exported feed written as a folder of plain files.
 */
#ifndef FOLDER_H
#define FOLDER_H

#include <stdbool.h>

#include "member.h"

/*
 * Writes every member of ml as a plain file of dir, an empty folder that
 * is the caller's alone (files are created, never opened if there).  False
 * (logged) on failure; what was written stays for the caller to remove.
 */
extern bool folder_write(MemberList *ml, const char *dir);

/*
 * Whether the existing folder dir may be replaced whole: it holds only
 * the plain files an export writes (*.txt, *.geojson).  Logged when not.
 */
extern bool folder_replaceable(const char *dir);

/*
 * Puts the folder tmp in place of target (exists: target is there):
 * swapped with it in one step where the file system can (renameat2
 * RENAME_EXCHANGE), else the old one moved aside first; then the old one
 * and its plain files removed (a warning naming shown when it stays).
 * False, errno set, when target is as it was.
 */
extern bool folder_replace(const char *tmp, const char *target, bool exists,
						   const char *shown);

#endif
