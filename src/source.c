/*
 * source.c: feed members from a zip archive or a directory.
 *
 * Zip members are streamed by libzip's zip_fread: nothing is extracted and
 * no member is ever held whole in memory.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "log.h"

typedef struct
{
	char	   *name;			/* base name */
	zip_uint64_t zip_index;		/* index in the archive, for zip feeds */
} MemberEntry;

struct FeedSource
{
	char	   *path;
	zip_t	   *zip;			/* NULL for a directory */
	MemberEntry *members;
	int			nmembers;
};

struct FeedMember
{
	FeedSource *src;
	const char *name;
	zip_file_t *zf;				/* zip member, or */
	FILE	   *fp;				/* plain file */
};

static int
compare_entries(const void *a, const void *b)
{
	return strcmp(((const MemberEntry *) a)->name,
				  ((const MemberEntry *) b)->name);
}

static bool
add_member(FeedSource *src, const char *name, zip_uint64_t zip_index)
{
	MemberEntry *m;

	m = realloc(src->members, sizeof(MemberEntry) * (size_t) (src->nmembers + 1));
	if (m == NULL)
	{
		log_error("out of memory");
		return false;
	}
	src->members = m;
	m[src->nmembers].name = strdup(name);
	m[src->nmembers].zip_index = zip_index;
	if (m[src->nmembers].name == NULL)
	{
		log_error("out of memory");
		return false;
	}
	src->nmembers++;
	return true;
}

static bool
list_zip(FeedSource *src)
{
	zip_int64_t n = zip_get_num_entries(src->zip, 0);

	for (zip_int64_t i = 0; i < n; i++)
	{
		const char *name = zip_get_name(src->zip, (zip_uint64_t) i, 0);
		const char *base;

		if (name == NULL)
		{
			log_error("%s: %s", src->path, zip_strerror(src->zip));
			return false;
		}
		base = strrchr(name, '/');
		base = base ? base + 1 : name;
		/* folders, and the resource forks macOS adds to archives */
		if (*base == '\0' || strncmp(name, "__MACOSX/", 9) == 0 ||
			strncmp(base, "._", 2) == 0)
			continue;
		if (!add_member(src, base, (zip_uint64_t) i))
			return false;
	}
	return true;
}

static bool
list_directory(FeedSource *src)
{
	DIR		   *dir = opendir(src->path);
	struct dirent *de;
	bool		ok = true;

	if (dir == NULL)
	{
		log_error("could not open directory \"%s\": %s", src->path,
				  strerror(errno));
		return false;
	}
	while (ok && (de = readdir(dir)) != NULL)
	{
		char	   *full;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", src->path, de->d_name) < 0)
		{
			log_error("out of memory");
			ok = false;
			break;
		}
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			ok = add_member(src, de->d_name, 0);
		free(full);
	}
	closedir(dir);
	return ok;
}

FeedSource *
source_open(const char *path)
{
	FeedSource *src = calloc(1, sizeof(FeedSource));
	struct stat st;
	bool		ok;

	if (src == NULL || (src->path = strdup(path)) == NULL)
	{
		log_error("out of memory");
		free(src);
		return NULL;
	}
	if (stat(path, &st) != 0)
	{
		log_error("could not open feed \"%s\": %s", path, strerror(errno));
		source_close(src);
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		ok = list_directory(src);
	else
	{
		int			err;

		src->zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err);
		if (src->zip == NULL)
		{
			zip_error_t ze;

			zip_error_init_with_code(&ze, err);
			log_error("could not open feed \"%s\" as a zip archive: %s",
					  path, zip_error_strerror(&ze));
			zip_error_fini(&ze);
			source_close(src);
			return NULL;
		}
		ok = list_zip(src);
	}
	if (!ok)
	{
		source_close(src);
		return NULL;
	}
	qsort(src->members, (size_t) src->nmembers, sizeof(MemberEntry),
		  compare_entries);
	for (int i = 1; i < src->nmembers; i++)
	{
		if (strcmp(src->members[i - 1].name, src->members[i].name) == 0)
		{
			log_error("feed \"%s\" holds two members named \"%s\"",
					  path, src->members[i].name);
			source_close(src);
			return NULL;
		}
	}
	return src;
}

void
source_close(FeedSource *src)
{
	if (src == NULL)
		return;
	if (src->zip)
		zip_discard(src->zip);
	for (int i = 0; i < src->nmembers; i++)
		free(src->members[i].name);
	free(src->members);
	free(src->path);
	free(src);
}

int
source_count(const FeedSource *src)
{
	return src->nmembers;
}

const char *
source_member_name(const FeedSource *src, int i)
{
	return src->members[i].name;
}

int
source_find(const FeedSource *src, const char *name)
{
	MemberEntry key = {(char *) name, 0};
	MemberEntry *m = bsearch(&key, src->members, (size_t) src->nmembers,
							 sizeof(MemberEntry), compare_entries);

	return m ? (int) (m - src->members) : -1;
}

FeedMember *
source_member_open(FeedSource *src, int i)
{
	FeedMember *m = calloc(1, sizeof(FeedMember));

	if (m == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	m->src = src;
	m->name = src->members[i].name;
	if (src->zip)
	{
		m->zf = zip_fopen_index(src->zip, src->members[i].zip_index, 0);
		if (m->zf == NULL)
		{
			log_error("%s: could not open member \"%s\": %s", src->path,
					  m->name, zip_strerror(src->zip));
			free(m);
			return NULL;
		}
	}
	else
	{
		char	   *full;

		if (asprintf(&full, "%s/%s", src->path, m->name) < 0)
		{
			log_error("out of memory");
			free(m);
			return NULL;
		}
		m->fp = fopen(full, "rb");
		if (m->fp == NULL)
		{
			log_error("could not open \"%s\": %s", full, strerror(errno));
			free(full);
			free(m);
			return NULL;
		}
		free(full);
	}
	return m;
}

ssize_t
source_member_read(FeedMember *m, char *buf, size_t n)
{
	if (m->zf)
	{
		zip_int64_t got = zip_fread(m->zf, buf, n);

		if (got < 0)
			log_error("%s: could not read member \"%s\": %s", m->src->path,
					  m->name, zip_file_strerror(m->zf));
		return (ssize_t) got;
	}
	else
	{
		size_t		got = fread(buf, 1, n, m->fp);

		if (got == 0 && ferror(m->fp))
		{
			log_error("could not read \"%s/%s\": %s", m->src->path, m->name,
					  strerror(errno));
			return -1;
		}
		return (ssize_t) got;
	}
}

bool
source_member_close(FeedMember *m)
{
	bool		ok = true;

	if (m->zf)
	{
		int			err = zip_fclose(m->zf);

		if (err != 0)
		{
			zip_error_t ze;

			zip_error_init_with_code(&ze, err);
			log_error("%s: member \"%s\": %s", m->src->path, m->name,
					  zip_error_strerror(&ze));
			zip_error_fini(&ze);
			ok = false;
		}
	}
	else if (m->fp)
		fclose(m->fp);
	free(m);
	return ok;
}
