/*
 * source.c: feed members from a zip archive or a directory.
 *
 * Zip members are streamed by libzip's zip_fread: nothing is extracted and
 * no member is ever held whole in memory.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <zip.h>

#include "log.h"

/* Limits on what one zip member may expand to. */
#define MEMBER_MAX_SIZE		(64ULL << 30)	/* bytes */
#define MEMBER_MAX_RATIO	1000	/* uncompressed / compressed */
#define MEMBER_RATIO_FLOOR	(1 << 20)	/* small members may compress well */

/* The End Of Central Directory record that closes a zip archive. */
#define EOCD_SIZE			22	/* bytes, without its comment */
#define EOCD_SCAN_MAX		(16 << 20)	/* bytes searched, from the end */
#define EOCD_SCAN_CHUNK		(64 * 1024)	/* bytes searched at once */

/* The last end record of a file, and the archive it closes. */
typedef struct
{
	off_t		offset;			/* of the record in the file */
	off_t		end;			/* just past the record's comment */
	off_t		prefix;			/* bytes before it that offsets omit */
} EndRecord;

typedef struct
{
	char	   *name;			/* base name */
	zip_uint64_t zip_index;		/* index in the archive, for zip feeds */
} MemberEntry;

struct FeedSource
{
	char	   *path;
	int			fd;				/* the zip file, for source_reopen; -1 for
								 * a directory */
	zip_t	   *zip;			/* NULL for a directory */
	off_t		start;			/* the archive in the file: its first byte */
	zip_int64_t length;			/* and its length, -1 to the end */
	MemberEntry *members;
	int			nmembers;
	long long	ignored;		/* bytes of the file outside the archive */
};

struct FeedMember
{
	const char *name;
	zip_file_t *zf;				/* zip member, or */
	FILE	   *fp;				/* plain file */
	zip_uint64_t declared;		/* zip: the size the archive gives */
	zip_uint64_t read;			/* zip: bytes read so far */
	bool		failed;			/* a read error was reported */
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

	m = realloc(src->members,
				sizeof(MemberEntry) * (size_t) (src->nmembers + 1));
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

/*
 * Opens the file at path for reading if it is a regular file, never
 * through a symbolic link (O_NOFOLLOW), so that a feed folder cannot make
 * the load read a file outside it.  NULL with errno set otherwise (ELOOP
 * for a link, EINVAL for anything but a regular file).
 */
static FILE *
open_regular(const char *path)
{
	int			fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
						  O_NONBLOCK);
	struct stat st;
	FILE	   *fp;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	fp = fdopen(fd, "rb");
	if (fp == NULL)
		close(fd);
	return fp;
}

/*
 * The members of a directory: its regular files.  Anything else (a
 * symbolic link, which could point anywhere, a folder, a device) is
 * skipped with a warning naming it; hidden files silently.
 */
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
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			log_warning("feed \"%s\": skipped \"%s\": %s", src->path,
						de->d_name, strerror(errno));
		else if (!S_ISREG(st.st_mode))
			log_warning("feed \"%s\": skipped \"%s\": %s", src->path,
						de->d_name, S_ISLNK(st.st_mode) ?
						"a symbolic link is never followed" :
						"not a regular file");
		else
			ok = add_member(src, de->d_name, 0);
	}
	closedir(dir);
	return ok;
}

/* The n-byte little-endian number at p. */
static unsigned long
get_le(const unsigned char *p, int n)
{
	unsigned long v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * Whether the EOCD_SIZE bytes at r, found at offset in a file of size
 * bytes, are an end record whose comment ends within the file; if so, fills
 * in rec.  The central directory ends where its end record starts: when the
 * record puts its end earlier, the difference is bytes put before the
 * archive that the offsets leave out, as unzip reckons.  A Zip64 archive
 * leaves the directory's size and offset to another record (0xFFFFFFFF).
 */
static bool
decode_end_record(const unsigned char *r, off_t offset, off_t size,
				  EndRecord *rec)
{
	unsigned long cd_size;
	unsigned long cd_offset;

	if (memcmp(r, "PK\5\6", 4) != 0 ||
		offset + EOCD_SIZE + (off_t) get_le(r + 20, 2) > size)
		return false;
	cd_size = get_le(r + 12, 4);
	cd_offset = get_le(r + 16, 4);
	rec->offset = offset;
	rec->end = offset + EOCD_SIZE + (off_t) get_le(r + 20, 2);
	rec->prefix = 0;
	if (cd_size != 0xFFFFFFFF && cd_offset != 0xFFFFFFFF &&
		(off_t) cd_offset + (off_t) cd_size < offset)
		rec->prefix = offset - (off_t) cd_offset - (off_t) cd_size;
	return true;
}

/*
 * Finds the last end record (see decode_end_record) that starts in the last
 * EOCD_SCAN_MAX bytes of the file open as fd, of size bytes, reading it
 * backwards EOCD_SCAN_CHUNK bytes at a time.  False when there is none,
 * logged if the file cannot be read.
 */
static bool
find_end_record(int fd, const char *path, off_t size, EndRecord *rec)
{
	unsigned char buf[EOCD_SCAN_CHUNK + EOCD_SIZE - 1];
	off_t		floor = size > EOCD_SCAN_MAX ? size - EOCD_SCAN_MAX : 0;
	off_t		hi = size - EOCD_SIZE + 1;	/* records start before hi */

	while (hi > floor)
	{
		off_t		lo = hi - floor > EOCD_SCAN_CHUNK ?
			hi - EOCD_SCAN_CHUNK : floor;
		size_t		want = (size_t) (hi - lo) + EOCD_SIZE - 1;
		ssize_t		got = pread(fd, buf, want, lo);

		if (got < 0 || (size_t) got != want)
		{
			log_error("could not read \"%s\": %s", path,
					  got < 0 ? strerror(errno) : "file changed size");
			return false;
		}
		for (size_t i = (size_t) (hi - lo); i-- > 0;)
			if (decode_end_record(buf + i, lo + (off_t) i, size, rec))
				return true;
		hi = lo;
	}
	return false;
}

/*
 * The archive in length bytes (-1: to the end) of the file open as fd from
 * start, read through a descriptor of its own that shares fd's open file,
 * never through the path, which may name another file by now.  NULL, with
 * libzip's error in *ze, when it is not one.
 */
static zip_t *
open_window(int fd, off_t start, zip_int64_t length, zip_error_t *ze)
{
	zip_source_t *zs;
	zip_t	   *zip = NULL;
	int			own = dup(fd);
	FILE	   *fp = own >= 0 ? fdopen(own, "rb") : NULL;

	if (fp == NULL)
	{
		if (own >= 0)
			close(own);
		zip_error_set(ze, ZIP_ER_OPEN, errno);
		return NULL;
	}
	zs = zip_source_filep_create(fp, (zip_uint64_t) start, length, ze);
	if (zs == NULL)
		fclose(fp);
	else
	{
		zip = zip_open_from_source(zs, ZIP_RDONLY | ZIP_CHECKCONS, ze);
		if (zip == NULL)
			zip_source_free(zs);
	}
	return zip;
}

/*
 * Opens the zip file libzip refused as the archive its last end record
 * closes, ignoring the bytes around that archive as unzip does: a web page
 * a server sent after the feed, or a stub put before it.  The archive is
 * first taken to start with the file (libzip finds members put after a
 * stub when the central directory counts the stub in its offsets), then,
 * failing that, after the record's prefix.  Sets src->zip and src->ignored;
 * false if there is no such archive.
 */
static bool
open_around_junk(FeedSource *src, off_t size)
{
	EndRecord	rec;
	zip_error_t ze;

	zip_error_init(&ze);
	if (find_end_record(src->fd, src->path, size, &rec))
	{
		src->start = 0;
		src->length = rec.end;
		if (rec.end < size)
			src->zip = open_window(src->fd, 0, rec.end, &ze);
		if (src->zip == NULL && rec.prefix > 0)
		{
			src->start = rec.prefix;
			src->length = rec.end - rec.prefix;
			src->zip = open_window(src->fd, src->start, src->length, &ze);
		}
	}
	zip_error_fini(&ze);
	if (src->zip == NULL)
		return false;
	src->ignored = (long long) (size - src->length);
	return true;
}

/*
 * Opens src->path, of size bytes, as a zip archive, or failing that as one
 * with junk around it when libzip's error allows for that.  False (logged
 * with libzip's first error) when neither opens.
 */
static bool
open_zip(FeedSource *src, off_t size)
{
	int			err;
	zip_error_t ze;

	zip_error_init(&ze);
	src->start = 0;
	src->length = -1;
	src->zip = open_window(src->fd, 0, -1, &ze);
	err = zip_error_code_zip(&ze);
	/* what libzip says of junk after the end record, or before the archive */
	if (src->zip == NULL &&
		!((err == ZIP_ER_INCONS ||
		   (err == ZIP_ER_NOZIP && size >= EOCD_SIZE)) &&
		  open_around_junk(src, size)))
		log_error("could not open feed \"%s\" as a zip archive: %s",
				  src->path, zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return src->zip != NULL;
}

FeedSource *
source_open(const char *path)
{
	FeedSource *src = calloc(1, sizeof(FeedSource));
	struct stat st;
	bool		ok;

	if (src != NULL)
	{
		src->fd = -1;
		src->path = strdup(path);
	}
	if (src == NULL || src->path == NULL)
	{
		log_error("out of memory");
		free(src);
		return NULL;
	}
	/* the zip file is read through this descriptor alone (source_reopen) */
	src->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (src->fd < 0 || fstat(src->fd, &st) != 0)
	{
		log_error("could not open feed \"%s\": %s", path, strerror(errno));
		source_close(src);
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
	{
		close(src->fd);
		src->fd = -1;
		ok = list_directory(src);
	}
	else
		ok = open_zip(src, st.st_size) && list_zip(src);
	if (!ok)
	{
		source_close(src);
		return NULL;
	}
	if (src->nmembers > 0)
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
	if (src->fd >= 0)
		close(src->fd);
	for (int i = 0; i < src->nmembers; i++)
		free(src->members[i].name);
	free(src->members);
	free(src->path);
	free(src);
}

FeedSource *
source_reopen(const FeedSource *src)
{
	FeedSource *copy = calloc(1, sizeof(FeedSource));
	char		proc[64];
	struct stat was,
				now;
	zip_error_t ze;
	bool		ok;

	if (copy == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	copy->fd = -1;
	copy->path = strdup(src->path);
	copy->members = calloc((size_t) src->nmembers + 1, sizeof(MemberEntry));
	ok = copy->path != NULL && copy->members != NULL;
	for (int i = 0; ok && i < src->nmembers; i++)
	{
		copy->members[i].zip_index = src->members[i].zip_index;
		copy->members[i].name = strdup(src->members[i].name);
		ok = copy->members[i].name != NULL;
		copy->nmembers = i + 1;
	}
	if (!ok)
		log_error("out of memory");
	copy->start = src->start;
	copy->length = src->length;
	copy->ignored = src->ignored;
	if (ok && src->zip)
	{
		/* a new open file of the same file: an offset of its own */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src->fd);
		copy->fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		ok = copy->fd >= 0 && fstat(copy->fd, &now) == 0 &&
			fstat(src->fd, &was) == 0 && now.st_dev == was.st_dev &&
			now.st_ino == was.st_ino;
		if (!ok)
			log_error("could not open feed \"%s\" again: %s", src->path,
					  copy->fd < 0 ? strerror(errno) : "not the same file");
		zip_error_init(&ze);
		if (ok)
			copy->zip = open_window(copy->fd, copy->start, copy->length, &ze);
		if (ok && copy->zip == NULL)
		{
			log_error("could not open feed \"%s\" again as a zip archive: "
					  "%s", src->path, zip_error_strerror(&ze));
			ok = false;
		}
		zip_error_fini(&ze);
	}
	if (!ok)
	{
		source_close(copy);
		return NULL;
	}
	return copy;
}

unsigned long long
source_declared_size(const FeedSource *src, int i)
{
	zip_stat_t	zst;
	struct stat st;
	char	   *full;
	unsigned long long size = 0;

	if (src->zip)
		return zip_stat_index(src->zip, src->members[i].zip_index, 0,
							  &zst) == 0 && (zst.valid & ZIP_STAT_SIZE) ?
			(unsigned long long) zst.size : 0;
	if (asprintf(&full, "%s/%s", src->path, src->members[i].name) < 0)
		return 0;
	if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
		size = (unsigned long long) st.st_size;
	free(full);
	return size;
}

/* Adds the bytes of the file at path to ctx. */
static bool
hash_file(EVP_MD_CTX *ctx, const char *path)
{
	FILE	   *fp = open_regular(path);
	char		chunk[64 * 1024];
	size_t		n;
	bool		ok = fp != NULL;

	while (ok)
	{
		n = fread(chunk, 1, sizeof(chunk), fp);
		if (n == 0)
			break;
		ok = EVP_DigestUpdate(ctx, chunk, n) == 1;
	}
	if (fp == NULL || ferror(fp))
	{
		log_error("could not read \"%s\": %s", path, strerror(errno));
		ok = false;
	}
	if (fp)
		fclose(fp);
	return ok;
}

bool
source_sha256(const FeedSource *src, char out[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	bool		ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	if (ok && src->zip)
		ok = hash_file(ctx, src->path);
	for (int i = 0; ok && !src->zip && i < src->nmembers; i++)
	{
		char	   *full;

		ok = EVP_DigestUpdate(ctx, src->members[i].name,
							  strlen(src->members[i].name) + 1) == 1 &&
			asprintf(&full, "%s/%s", src->path, src->members[i].name) >= 0;
		if (ok)
		{
			ok = hash_file(ctx, full);
			free(full);
		}
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1;
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; ok && i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	if (!ok)
		log_error("could not compute the SHA-256 of \"%s\"", src->path);
	return ok;
}

long long
source_ignored_bytes(const FeedSource *src)
{
	return src->ignored;
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
	MemberEntry *m = src->nmembers == 0 ? NULL :
		bsearch(&key, src->members, (size_t) src->nmembers,
				sizeof(MemberEntry), compare_entries);

	return m ? (int) (m - src->members) : -1;
}

/*
 * Refuses a zip member that would expand absurdly: a zip bomb is read in
 * bounded memory anyway, but would keep the load busy for nothing.
 */
static bool
member_size_ok(FeedSource *src, const MemberEntry *e, zip_uint64_t *size)
{
	zip_stat_t	st;

	if (zip_stat_index(src->zip, e->zip_index, 0, &st) != 0 ||
		!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
	{
		log_data_error(e->name, 0, 0, "damaged archive entry: %s",
					   zip_strerror(src->zip));
		return false;
	}
	*size = st.size;
	if (st.size > MEMBER_MAX_SIZE ||
		(st.size > MEMBER_RATIO_FLOOR &&
		 st.size / (st.comp_size ? st.comp_size : 1) > MEMBER_MAX_RATIO))
	{
		log_data_error(e->name, 0, 0, "refused: expands from %llu to %llu "
					   "bytes (limits: %llu bytes, ratio %d)",
					   (unsigned long long) st.comp_size,
					   (unsigned long long) st.size,
					   (unsigned long long) MEMBER_MAX_SIZE, MEMBER_MAX_RATIO);
		return false;
	}
	return true;
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
	m->name = src->members[i].name;
	if (src->zip)
	{
		if (!member_size_ok(src, &src->members[i], &m->declared))
		{
			free(m);
			return NULL;
		}
		m->zf = zip_fopen_index(src->zip, src->members[i].zip_index, 0);
		if (m->zf == NULL)
		{
			log_data_error(m->name, 0, 0, "could not open: %s",
						   zip_strerror(src->zip));
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
		m->fp = open_regular(full);
		if (m->fp == NULL)
		{
			log_data_error(m->name, 0, 0, "could not open \"%s\": %s", full,
						   strerror(errno));
			free(full);
			free(m);
			return NULL;
		}
		free(full);
	}
	return m;
}

unsigned long long
source_member_size(const FeedMember *m)
{
	struct stat st;

	if (m->zf)
		return (unsigned long long) m->declared;
	if (fstat(fileno(m->fp), &st) == 0)
		return (unsigned long long) st.st_size;
	return 0;
}

ssize_t
source_member_read(FeedMember *m, char *buf, size_t n)
{
	if (m->zf)
	{
		zip_int64_t got = zip_fread(m->zf, buf, n);

		if (got < 0)
		{
			log_data_error(m->name, 0, 0, "could not read: %s",
						   zip_file_strerror(m->zf));
			m->failed = true;
			return -1;
		}
		m->read += (zip_uint64_t) got;
		if (m->read > m->declared)
		{
			log_data_error(m->name, 0, 0,
						   "more data than the archive declares");
			m->failed = true;
			return -1;
		}
		return (ssize_t) got;
	}
	else
	{
		size_t		got = fread(buf, 1, n, m->fp);

		if (got == 0 && ferror(m->fp))
		{
			log_data_error(m->name, 0, 0, "could not read: %s",
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

		/* a read error already said what zip_fclose would say again */
		if (err != 0 && !m->failed)
		{
			zip_error_t ze;

			zip_error_init_with_code(&ze, err);
			log_data_error(m->name, 0, 0, "damaged archive: %s",
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
