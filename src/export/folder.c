/*
 * folder.c: an exported feed as a folder of plain files, written into a
 * new folder that then takes the place of the one named.
 */
#include "folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define WRITE_CHUNK		(64 * 1024)	/* bytes read from a member at once */

/*
 * Writes member i of ml as the plain file of folder dir, a folder that is ours
 * alone; chunk holds WRITE_CHUNK bytes.
 */
static bool
write_plain(MemberList *ml, int i, const char *dir, char *chunk)
{
	const Member *m = &ml->members[i];
	char		path[PATH_MAX];
	MemberStream *s;
	FILE	   *out;
	long		n = 0;
	bool		ok;

	snprintf(path, sizeof(path), "%s/%s", dir, m->file);
	out = fopen(path, "wbx");
	if (out == NULL)
	{
		log_error("could not create \"%s\": %s", path, strerror(errno));
		return false;
	}
	s = member_stream_new(ml, i);
	ok = s && member_stream_open(s);
	while (ok && (n = member_stream_read(s, chunk, WRITE_CHUNK)) > 0)
		if (fwrite(chunk, 1, (size_t) n, out) != (size_t) n)
		{
			log_error("could not write \"%s\": %s", path, strerror(errno));
			ok = false;
		}
	ok = ok && n == 0;
	member_stream_free(s);
	if (fclose(out) != 0 && ok)
	{
		log_error("could not write \"%s\": %s", path, strerror(errno));
		ok = false;
	}
	return ok;
}

bool
folder_write(MemberList *ml, const char *dir)
{
	char	   *chunk = malloc(WRITE_CHUNK);
	bool		ok = chunk != NULL;

	if (chunk == NULL)
		log_error("out of memory");
	for (int i = 0; ok && i < ml->nmembers; i++)
		ok = write_plain(ml, i, dir, chunk);
	free(chunk);
	return ok;
}

bool
folder_replaceable(const char *dir)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	bool		ok = d != NULL;

	if (d == NULL)
		log_error("could not open folder \"%s\": %s", dir, strerror(errno));
	while (ok && (e = readdir(d)) != NULL)
	{
		size_t		len = strlen(e->d_name);
		struct stat st;
		char		path[PATH_MAX + NAME_MAX + 2];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ok = lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			((len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) ||
			 (len > 8 && strcmp(e->d_name + len - 8, ".geojson") == 0));
		if (!ok)
		{
			log_error("folder \"%s\" holds \"%s\", which is no file of a "
					  "feed: it is left as it is", dir, e->d_name);
			log_hint("an export replaces the folder whole; give a new or "
					 "empty folder");
		}
	}
	if (d)
		closedir(d);
	return ok;
}

/*
 * Removes the folder dir and its plain files: the folder that OUTPUT
 * replaced.  A warning when it stays.
 */
static void
remove_old_folder(const char *dir, const char *shown)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	char		path[PATH_MAX];

	while (d && (e = readdir(d)) != NULL)
	{
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir) != 0)
		log_warning("the former \"%s\" is left as \"%s\": %s", shown, dir,
					strerror(errno));
}

bool
folder_replace(const char *tmp, const char *target, bool exists,
			   const char *shown)
{
	char		old[PATH_MAX + 8];

	if (!exists)
		return rename(tmp, target) == 0;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0)
	{
		remove_old_folder(tmp, shown);
		return true;
	}
	if (errno != EINVAL && errno != ENOSYS)
		return false;
	snprintf(old, sizeof(old), "%s.XXXXXX", target);
	if (mkdtemp(old) == NULL)
		return false;
	if (rename(target, old) != 0)
	{
		rmdir(old);
		return false;
	}
	if (rename(tmp, target) != 0)
	{
		int			saved = errno;

		rename(old, target);
		errno = saved;
		return false;
	}
	remove_old_folder(old, shown);
	return true;
}
