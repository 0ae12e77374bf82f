/*
 * source.c: feed members from a zip archive or a directory.
 *
 * Zip members are streamed by libzip's zip_fread: nothing is extracted and
 * no member is ever held whole in memory.  What the load must know of the
 * archive and its members (a name not UTF-8, a member that cannot be read)
 * is kept as notices for the caller to record (source_notice): this module
 * has no database.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <zip.h>

#include "buf.h"
#include "convert.h"
#include "log.h"
#include "notice.h"

/* Limits on what one zip member may expand to. */
#define MEMBER_MAX_SIZE		(64ULL << 30)	/* bytes */
#define MEMBER_MAX_RATIO	1000	/* uncompressed / compressed */
#define MEMBER_RATIO_FLOOR	(1 << 20)	/* small members may compress well */

/* The End Of Central Directory record that closes a zip archive. */
#define EOCD_SIZE			22	/* bytes, without its comment */
#define EOCD_SCAN_MAX		(16 << 20)	/* bytes searched, from the end */
#define EOCD_SCAN_CHUNK		(64 * 1024)	/* bytes searched at once */

/* Central directory entries (APPNOTE 4.3.12). */
#define CDH_SIZE			46	/* bytes, without name, extra and comment */
#define GPBF_UTF8			0x0800	/* bit 11: the name is UTF-8 */

#define NAME_MAX_SHOWN		(4 << 16)	/* bytes of an escaped name */

/* The last end record of a file, and the archive it closes. */
typedef struct
{
	off_t		offset;			/* of the record in the file */
	off_t		end;			/* just past the record's comment */
	off_t		prefix;			/* bytes before it that offsets omit */
	unsigned long cd_size;		/* of the central directory */
} EndRecord;

typedef struct
{
	char	   *name;			/* base name, valid UTF-8 (\xHH escapes) */
	char	   *raw;			/* a directory's file: its own name */
	zip_uint64_t zip_index;		/* index in the archive, for zip feeds */
	bool		unreadable;		/* a notice said so: not opened again */
} MemberEntry;

/* A notice kept for the caller; see source_notice. */
typedef struct
{
	NoticeKind	kind;
	char	   *file;
	char	   *message;
} PendingNotice;

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
	int			zip_flags;		/* ZIP_CHECKCONS, unless the archive fails
								 * it */
	off_t	   *cleared;		/* where the central directory's UTF-8 flag
								 * is read as 0: a name that is not UTF-8 */
	int			ncleared;
	PendingNotice *notices;
	int			nnotices;
	int			taken;			/* notices source_notice returned */
};

struct FeedMember
{
	FeedSource *src;
	int			index;			/* in src->members */
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

/* Keeps a notice for source_notice; false (logged) when out of memory. */
static bool
add_notice(FeedSource *src, NoticeKind kind, const char *file,
		   const char *fmt,...) PRINTF_LIKE(4, 5);

static bool
add_notice(FeedSource *src, NoticeKind kind, const char *file,
		   const char *fmt,...)
{
	PendingNotice *n = realloc(src->notices, sizeof(PendingNotice) *
							   (size_t) (src->nnotices + 1));
	va_list		ap;
	int			len;

	if (n == NULL)
	{
		log_error("out of memory");
		return false;
	}
	src->notices = n;
	n += src->nnotices;
	n->kind = kind;
	n->file = strdup(file);
	va_start(ap, fmt);
	len = vasprintf(&n->message, fmt, ap);
	va_end(ap);
	if (len < 0)
		n->message = NULL;
	if (n->file == NULL || n->message == NULL)
	{
		free(n->file);
		free(n->message);
		log_error("out of memory");
		return false;
	}
	src->nnotices++;
	return true;
}

bool
source_notice(FeedSource *src, SourceNotice *out)
{
	const PendingNotice *n;

	if (src->taken >= src->nnotices)
		return false;
	n = &src->notices[src->taken++];
	out->kind = n->kind;
	out->file = n->file;
	out->message = n->message;
	return true;
}

char *
source_escape_name(const char *s, size_t len)
{
	Buf			b;
	char	   *out = NULL;

	buf_init(&b, NAME_MAX_SHOWN);
	if (conv_utf8_show(&b, s, len))
		out = strndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

/*
 * Adds a member: name as given (raw, of length len), known by its base
 * name with bytes that are not UTF-8 escaped, and a notice saying so.
 * raw is kept for a directory's file (zip_index unused), not for a zip
 * member, read by its index.
 */
static bool
add_member(FeedSource *src, const char *raw, size_t len,
		   zip_uint64_t zip_index)
{
	MemberEntry *m;
	const char *slash = memrchr(raw, '/', len);
	const char *base = slash ? slash + 1 : raw;
	size_t		blen = len - (size_t) (base - raw);

	m = realloc(src->members,
				sizeof(MemberEntry) * (size_t) (src->nmembers + 1));
	if (m == NULL)
	{
		log_error("out of memory");
		return false;
	}
	src->members = m;
	m += src->nmembers;
	memset(m, 0, sizeof(MemberEntry));
	m->zip_index = zip_index;
	m->name = source_escape_name(base, blen);
	if (m->name != NULL && !src->zip)
		m->raw = strndup(raw, len);
	if (m->name == NULL || (!src->zip && m->raw == NULL))
	{
		free(m->name);
		log_error("out of memory");
		return false;
	}
	src->nmembers++;
	if (conv_utf8_valid(raw, len))
		return true;
	return add_notice(src, NK_FILE_NAME_NOT_UTF8, m->name, "the file's name "
					  "is not UTF-8: known by this name, its bytes that are "
					  "not UTF-8 written \\xHH");
}

/* The name of entry i of the archive as written (not converted). */
static const char *
raw_name(FeedSource *src, zip_uint64_t i, size_t *len)
{
	const char *name = zip_get_name(src->zip, i, ZIP_FL_ENC_RAW);

	if (name == NULL)
		log_error("%s: %s", src->path, zip_strerror(src->zip));
	else
		*len = strlen(name);
	return name;
}

/* Whether entry name (not a folder) is macOS's: its resource forks. */
static bool
is_mac_fork(const char *name)
{
	const char *slash = strrchr(name, '/');

	return strncmp(name, "__MACOSX/", 9) == 0 ||
		strncmp(slash ? slash + 1 : name, "._", 2) == 0;
}

/*
 * A member left out: a notice naming it as written (raw, of length len,
 * its bytes that are not UTF-8 written \xHH) and saying why.  False: the
 * notice could not be kept (logged).
 */
static bool
skip_member(FeedSource *src, NoticeKind kind, const char *raw, size_t len,
			const char *why)
{
	char	   *shown = source_escape_name(raw, len);
	bool		ok = shown != NULL &&
		add_notice(src, kind, shown, "%s: not loaded", why);

	if (shown == NULL)
		log_error("out of memory");
	free(shown);
	return ok;
}

/*
 * Entry i of the archive, named raw (of length len), a folder or without a
 * name: nothing to load, but one that holds bytes has them left out with a
 * notice.  False: the notice could not be kept (logged).
 */
static bool
skip_folder(FeedSource *src, zip_uint64_t i, const char *raw, size_t len)
{
	zip_stat_t	st;

	if (zip_stat_index(src->zip, i, 0, &st) == 0 &&
		(st.valid & ZIP_STAT_SIZE) && st.size == 0)
		return true;
	return skip_member(src, NK_UNREADABLE_FILE, raw, len, len == 0 ?
					   "an entry of the archive without a name" :
					   "a folder entry of the archive holding bytes");
}

/*
 * Whether the archive holds a file at its root whose name is also that of
 * a file in a folder: then the root is the feed (the reference puts the
 * files there) and what is in folders a copy.
 */
static bool
root_and_folder_clash(FeedSource *src, zip_int64_t n)
{
	bool		clash = false;

	for (zip_int64_t i = 0; !clash && i < n; i++)
	{
		const char *name = zip_get_name(src->zip, (zip_uint64_t) i,
										ZIP_FL_ENC_RAW);
		const char *base = name ? strrchr(name, '/') : NULL;

		if (base == NULL || base[1] == '\0' || is_mac_fork(name))
			continue;
		clash = zip_name_locate(src->zip, base + 1, 0) >= 0;
	}
	return clash;
}

static bool
list_zip(FeedSource *src)
{
	zip_int64_t n = zip_get_num_entries(src->zip, 0);
	bool		root_only = root_and_folder_clash(src, n);

	for (zip_int64_t i = 0; i < n; i++)
	{
		size_t		len = 0;
		const char *name = raw_name(src, (zip_uint64_t) i, &len);
		bool		ok;

		if (name == NULL)
			return false;
		if (len == 0 || name[len - 1] == '/')
			ok = skip_folder(src, (zip_uint64_t) i, name, len);
		else if (is_mac_fork(name))
			ok = skip_member(src, NK_UNKNOWN_MEMBER, name, len,
							 "macOS's metadata (a resource fork or "
							 "__MACOSX), not the feed's");
		else if (root_only && strchr(name, '/') != NULL)
			ok = skip_member(src, NK_FILE_IN_SUBFOLDER, name, len,
							 "a file in a folder, while the archive's root "
							 "holds the feed");
		else
			ok = add_member(src, name, len, (zip_uint64_t) i);
		if (!ok)
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
 * symbolic link, which could point anywhere, a folder, a device, a hidden
 * file) is left out with a notice naming it.
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
		size_t		len = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			ok = skip_member(src, NK_UNREADABLE_FILE, de->d_name, len,
							 strerror(errno));
		else if (S_ISLNK(st.st_mode))
			ok = skip_member(src, NK_UNREADABLE_FILE, de->d_name, len,
							 "a symbolic link, never followed");
		else if (S_ISDIR(st.st_mode))
			ok = skip_member(src, NK_UNKNOWN_MEMBER, de->d_name, len,
							 "a folder, not read");
		else if (!S_ISREG(st.st_mode))
			ok = skip_member(src, NK_UNREADABLE_FILE, de->d_name, len,
							 "not a regular file");
		else if (de->d_name[0] == '.')
			ok = skip_member(src, NK_UNKNOWN_MEMBER, de->d_name, len,
							 "a hidden file");
		else
			ok = add_member(src, de->d_name, strlen(de->d_name), 0);
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
	rec->cd_size = cd_size;
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
 * The zip file as libzip reads it when names flagged UTF-8 are not: a
 * window of the file, read with pread, with the UTF-8 flag of those
 * central directory entries read as 0, so that libzip, which refuses such
 * a name, gives it as written (ZIP_FL_ENC_RAW).  See zip_source_function(3).
 */
typedef struct
{
	int			fd;				/* of its own */
	off_t		start;
	zip_uint64_t length;
	zip_uint64_t pos;
	const off_t *cleared;		/* the flags' second bytes, in the file, in
								 * order */
	int			ncleared;
	zip_error_t error;
} ClearedFile;

/* The first of cf->cleared (in order) at offset at or after it. */
static int
first_at_or_after(const ClearedFile *cf, off_t at)
{
	int			lo = 0,
				hi = cf->ncleared;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cf->cleared[mid] < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static zip_int64_t
cleared_source(void *userdata, void *data, zip_uint64_t len,
			   zip_source_cmd_t cmd)
{
	ClearedFile *cf = userdata;
	zip_int64_t pos;
	ssize_t		n;

	switch (cmd)
	{
		case ZIP_SOURCE_OPEN:
			cf->pos = 0;
			return 0;
		case ZIP_SOURCE_CLOSE:
			return 0;
		case ZIP_SOURCE_READ:
			if (len > cf->length - cf->pos)
				len = cf->length - cf->pos;
			n = pread(cf->fd, data, len, cf->start + (off_t) cf->pos);
			if (n < 0)
			{
				zip_error_set(&cf->error, ZIP_ER_READ, errno);
				return -1;
			}
			for (int i = first_at_or_after(cf, cf->start + (off_t) cf->pos);
				 i < cf->ncleared &&
				 cf->cleared[i] < cf->start + (off_t) cf->pos + n; i++)
				((unsigned char *) data)[cf->cleared[i] - cf->start -
										 (off_t) cf->pos] &= ~(GPBF_UTF8 >> 8);
			cf->pos += (zip_uint64_t) n;
			return n;
		case ZIP_SOURCE_SEEK:
			pos = zip_source_seek_compute_offset(cf->pos, cf->length, data,
												 len, &cf->error);
			if (pos < 0)
				return -1;
			cf->pos = (zip_uint64_t) pos;
			return 0;
		case ZIP_SOURCE_TELL:
			return (zip_int64_t) cf->pos;
		case ZIP_SOURCE_STAT:
			zip_stat_init(data);
			((zip_stat_t *) data)->size = cf->length;
			((zip_stat_t *) data)->valid |= ZIP_STAT_SIZE;
			return sizeof(zip_stat_t);
		case ZIP_SOURCE_ERROR:
			return zip_error_to_data(&cf->error, data, len);
		case ZIP_SOURCE_FREE:
			close(cf->fd);
			zip_error_fini(&cf->error);
			free(cf);
			return 0;
		case ZIP_SOURCE_SUPPORTS:
			return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
												  ZIP_SOURCE_READ,
												  ZIP_SOURCE_CLOSE,
												  ZIP_SOURCE_SEEK,
												  ZIP_SOURCE_TELL,
												  ZIP_SOURCE_STAT,
												  ZIP_SOURCE_ERROR,
												  ZIP_SOURCE_FREE, -1);
		default:
			zip_error_set(&cf->error, ZIP_ER_OPNOTSUPP, 0);
			return -1;
	}
}

/*
 * A source of the window of src's file: length bytes (-1: to the end)
 * from start, read through a descriptor of its own that shares src->fd's
 * open file, never through the path, which may name another file by now;
 * with src->cleared applied when there are any.  NULL, with libzip's error
 * in *ze, on failure.
 */
static zip_source_t *
window_source(const FeedSource *src, off_t start, zip_int64_t length,
			  zip_error_t *ze)
{
	zip_source_t *zs;
	int			own = dup(src->fd);
	ClearedFile *cf = NULL;
	FILE	   *fp = NULL;
	struct stat st;

	if (own >= 0 && src->ncleared == 0)
		fp = fdopen(own, "rb");
	else if (own >= 0 && fstat(own, &st) == 0)
		cf = calloc(1, sizeof(ClearedFile));
	if (fp == NULL && cf == NULL)
	{
		zip_error_set(ze, ZIP_ER_OPEN, errno);
		if (own >= 0)
			close(own);
		return NULL;
	}
	if (fp)
	{
		zs = zip_source_filep_create(fp, (zip_uint64_t) start, length, ze);
		if (zs == NULL)
			fclose(fp);
		return zs;
	}
	cf->fd = own;
	cf->start = start;
	cf->length = (zip_uint64_t) (length >= 0 ? length : st.st_size - start);
	cf->cleared = src->cleared;
	cf->ncleared = src->ncleared;
	zip_error_init(&cf->error);
	zs = zip_source_function_create(cleared_source, cf, ze);
	if (zs == NULL)
	{
		close(own);
		zip_error_fini(&cf->error);
		free(cf);
	}
	return zs;
}

/*
 * The archive in length bytes (-1: to the end) of src's file from start,
 * opened with src->zip_flags.  NULL, with libzip's error in *ze, when it
 * is not one.
 */
static zip_t *
open_window(const FeedSource *src, off_t start, zip_int64_t length,
			zip_error_t *ze)
{
	zip_source_t *zs = window_source(src, start, length, ze);
	zip_t	   *zip = NULL;

	if (zs != NULL)
	{
		zip = zip_open_from_source(zs, ZIP_RDONLY | src->zip_flags, ze);
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
			src->zip = open_window(src, 0, rec.end, &ze);
		if (src->zip == NULL && rec.prefix > 0)
		{
			src->start = rec.prefix;
			src->length = rec.end - rec.prefix;
			src->zip = open_window(src, src->start, src->length, &ze);
		}
	}
	zip_error_fini(&ze);
	if (src->zip == NULL)
		return false;
	src->ignored = (long long) (size - src->length);
	return true;
}

static int
compare_offsets(const void *a, const void *b)
{
	off_t		x = *(const off_t *) a,
				y = *(const off_t *) b;

	return (x > y) - (x < y);
}

/*
 * Finds the central directory entries of src's file, of size bytes, whose
 * name is flagged UTF-8 but is not (libzip refuses the archive for one):
 * src->cleared gets where each flag is, and that of its local header
 * where the entry's offset finds one (not past a stub).  A Zip64 archive
 * or a directory that cannot be walked has none.  False (logged) when out
 * of memory.
 */
static bool
find_false_utf8(FeedSource *src, off_t size)
{
	EndRecord	rec;
	unsigned char h[CDH_SIZE];
	char	   *name = NULL;
	char	   *grown;
	off_t		at,
				end;
	bool		ok = true;

	if (!find_end_record(src->fd, src->path, size, &rec) ||
		rec.cd_size == 0xFFFFFFFF || rec.offset < (off_t) rec.cd_size)
		return true;
	end = rec.offset;
	for (at = end - (off_t) rec.cd_size; ok && at + CDH_SIZE <= end;)
	{
		unsigned long nlen;
		off_t	   *c;

		if (pread(src->fd, h, CDH_SIZE, at) != CDH_SIZE ||
			memcmp(h, "PK\1\2", 4) != 0)
			break;
		nlen = get_le(h + 28, 2);
		grown = realloc(name, nlen + 1);
		ok = grown != NULL;
		if (!ok)
			break;
		name = grown;
		if (pread(src->fd, name, nlen, at + CDH_SIZE) != (ssize_t) nlen)
			break;
		if ((get_le(h + 8, 2) & GPBF_UTF8) &&
			!conv_utf8_valid(name, nlen))
		{
			off_t		local = (off_t) get_le(h + 42, 4);
			unsigned char lh[8];

			c = realloc(src->cleared,
						sizeof(off_t) * (size_t) (src->ncleared + 2));
			ok = c != NULL;
			if (ok)
			{
				src->cleared = c;
				c[src->ncleared++] = at + 9;
				/* its local header too, which ZIP_CHECKCONS compares */
				if (pread(src->fd, lh, sizeof(lh), local) == sizeof(lh) &&
					memcmp(lh, "PK\3\4", 4) == 0)
					c[src->ncleared++] = local + 7;
			}
		}
		at += CDH_SIZE + (off_t) (nlen + get_le(h + 30, 2) +
								  get_le(h + 32, 2));
	}
	free(name);
	if (!ok)
		log_error("out of memory");
	else if (src->ncleared > 0)
		qsort(src->cleared, (size_t) src->ncleared, sizeof(off_t),
			  compare_offsets);
	return ok;
}

/* The last component of path. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Opens src->path, of size bytes, as a zip archive with src->zip_flags, or
 * failing that as one with junk around it when libzip's error allows for
 * that.  0 when it opens, else libzip's error code, its error into *error
 * when not NULL.
 */
static int
open_archive(FeedSource *src, off_t size, zip_error_t *error)
{
	zip_error_t ze;
	int			err;

	zip_error_init(&ze);
	src->start = 0;
	src->length = -1;
	src->zip = open_window(src, 0, -1, &ze);
	err = src->zip ? 0 : zip_error_code_zip(&ze);
	/* what libzip says of junk after the end record, or before the archive */
	if ((err == ZIP_ER_INCONS || (err == ZIP_ER_NOZIP && size >= EOCD_SIZE))
		&& open_around_junk(src, size))
		err = 0;
	if (error)
		zip_error_set(error, zip_error_code_zip(&ze),
					  zip_error_code_system(&ze));
	zip_error_fini(&ze);
	return err;
}

/*
 * Opens src->path, of size bytes, as a zip archive, with libzip's
 * consistency check (ZIP_CHECKCONS), or when libzip finds it inconsistent,
 * without it (its local headers disagree with its central directory, which
 * is then read alone: a notice), or with the UTF-8 flag of names that are
 * not UTF-8 read as 0 (libzip refuses such a name).  False (logged with
 * libzip's first error) when none opens.
 */
static bool
open_zip(FeedSource *src, off_t size)
{
	zip_error_t first;
	int			err;

	zip_error_init(&first);
	src->zip_flags = ZIP_CHECKCONS;
	err = open_archive(src, size, &first);
	if (err == ZIP_ER_INCONS)
	{
		src->zip_flags = 0;
		err = open_archive(src, size, NULL);
	}
	if (err == ZIP_ER_INCONS && find_false_utf8(src, size) &&
		src->ncleared > 0)
	{
		src->zip_flags = ZIP_CHECKCONS;
		if (open_archive(src, size, NULL) == ZIP_ER_INCONS)
		{
			src->zip_flags = 0;
			open_archive(src, size, NULL);
		}
	}
	if (src->zip == NULL)
		log_error("could not open feed \"%s\" as a zip archive: %s",
				  src->path, zip_error_strerror(&first));
	else if (src->zip_flags == 0 &&
			 !add_notice(src, NK_ZIP_INCONSISTENT, base_name(src->path),
						 "the archive's local headers disagree with its "
						 "central directory (libzip: %s): read by the "
						 "central directory, each file checked by its CRC "
						 "and size", zip_error_strerror(&first)))
	{
		zip_discard(src->zip);
		src->zip = NULL;
	}
	zip_error_fini(&first);
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
	{
		free(src->members[i].name);
		free(src->members[i].raw);
	}
	for (int i = 0; i < src->nnotices; i++)
	{
		free(src->notices[i].file);
		free(src->notices[i].message);
	}
	free(src->members);
	free(src->notices);
	free(src->cleared);
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
		const MemberEntry *e = &src->members[i];

		copy->members[i].zip_index = e->zip_index;
		copy->members[i].unreadable = e->unreadable;
		copy->members[i].name = strdup(e->name);
		copy->members[i].raw = e->raw ? strdup(e->raw) : NULL;
		ok = copy->members[i].name != NULL && (!e->raw || copy->members[i].raw);
		copy->nmembers = i + 1;
	}
	copy->cleared = src->ncleared == 0 ? NULL :
		malloc(sizeof(off_t) * (size_t) src->ncleared);
	if (ok && copy->cleared)
	{
		memcpy(copy->cleared, src->cleared,
			   sizeof(off_t) * (size_t) src->ncleared);
		copy->ncleared = src->ncleared;
	}
	ok = ok && (src->ncleared == 0 || copy->cleared != NULL);
	if (!ok)
		log_error("out of memory");
	copy->start = src->start;
	copy->length = src->length;
	copy->ignored = src->ignored;
	copy->zip_flags = src->zip_flags;
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
			copy->zip = open_window(copy, copy->start, copy->length, &ze);
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
	if (asprintf(&full, "%s/%s", src->path, src->members[i].raw) < 0)
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

/* Adds n as 8 bytes, little-endian, to ctx: the length of what follows. */
static bool
hash_length(EVP_MD_CTX *ctx, unsigned long long n)
{
	unsigned char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char) (n >> (8 * i));
	return EVP_DigestUpdate(ctx, le, sizeof(le)) == 1;
}

/*
 * Adds a directory's file, name, to ctx: its name's length and name, and
 * its content's SHA-256, so that no two folders hash alike (a file's end
 * moved into the next one's name, say).
 */
static bool
hash_member(EVP_MD_CTX *ctx, const char *dir, const char *name)
{
	EVP_MD_CTX *inner = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char	   *full = NULL;
	bool		ok;

	ok = inner && EVP_DigestInit_ex(inner, EVP_sha256(), NULL) == 1 &&
		asprintf(&full, "%s/%s", dir, name) >= 0;
	if (!ok)
		full = NULL;
	ok = ok && hash_file(inner, full) &&
		EVP_DigestFinal_ex(inner, md, &len) == 1 &&
		hash_length(ctx, strlen(name)) &&
		EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
		EVP_DigestUpdate(ctx, md, len) == 1;
	EVP_MD_CTX_free(inner);
	free(full);
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
		ok = hash_member(ctx, src->path, src->members[i].raw);
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
	MemberEntry key = {.name = (char *) name};
	MemberEntry *m = src->nmembers == 0 ? NULL :
		bsearch(&key, src->members, (size_t) src->nmembers,
				sizeof(MemberEntry), compare_entries);

	return m ? (int) (m - src->members) : -1;
}

/*
 * Member i cannot be read: a notice of the reason, and it is not opened
 * again.  False: the notice could not be kept (logged).
 */
static bool
member_unreadable(FeedSource *src, int i, const char *fmt,...)
PRINTF_LIKE(3, 4);

static bool
member_unreadable(FeedSource *src, int i, const char *fmt,...)
{
	char		why[1024];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	src->members[i].unreadable = true;
	return add_notice(src, NK_UNREADABLE_FILE, src->members[i].name,
					  "%s: the file is not loaded", why);
}

/*
 * Refuses a zip member that would expand absurdly: a zip bomb is read in
 * bounded memory anyway, but would keep the load busy for nothing.
 */
static bool
member_size_ok(FeedSource *src, int i, zip_uint64_t *size)
{
	zip_stat_t	st;

	if (zip_stat_index(src->zip, src->members[i].zip_index, 0, &st) != 0 ||
		!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
	{
		member_unreadable(src, i, "damaged archive entry: %s",
						  zip_strerror(src->zip));
		return false;
	}
	*size = st.size;
	if (st.size > MEMBER_MAX_SIZE ||
		(st.size > MEMBER_RATIO_FLOOR &&
		 st.size / (st.comp_size ? st.comp_size : 1) > MEMBER_MAX_RATIO))
	{
		member_unreadable(src, i, "refused: expands from %llu to %llu "
						  "bytes (limits: %llu bytes, ratio %d)",
						  (unsigned long long) st.comp_size,
						  (unsigned long long) st.size,
						  (unsigned long long) MEMBER_MAX_SIZE,
						  MEMBER_MAX_RATIO);
		return false;
	}
	return true;
}

FeedMember *
source_member_open(FeedSource *src, int i)
{
	FeedMember *m;

	if (src->members[i].unreadable)
		return NULL;
	m = calloc(1, sizeof(FeedMember));
	if (m == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	m->src = src;
	m->index = i;
	m->name = src->members[i].name;
	if (src->zip)
	{
		if (!member_size_ok(src, i, &m->declared))
		{
			free(m);
			return NULL;
		}
		m->zf = zip_fopen_index(src->zip, src->members[i].zip_index, 0);
		if (m->zf == NULL)
		{
			member_unreadable(src, i, "could not open: %s",
							  zip_strerror(src->zip));
			free(m);
			return NULL;
		}
	}
	else
	{
		char	   *full;

		if (asprintf(&full, "%s/%s", src->path, src->members[i].raw) < 0)
		{
			log_error("out of memory");
			free(m);
			return NULL;
		}
		m->fp = open_regular(full);
		if (m->fp == NULL)
		{
			member_unreadable(src, i, "could not open: %s",
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
	if (m->failed)
		return -1;
	if (m->zf)
	{
		zip_int64_t got = zip_fread(m->zf, buf, n);

		if (got < 0)
			member_unreadable(m->src, m->index, "could not read: %s",
							  zip_file_strerror(m->zf));
		else if ((m->read += (zip_uint64_t) got) > m->declared)
			member_unreadable(m->src, m->index,
							  "more data than the archive declares");
		else
			return (ssize_t) got;
	}
	else
	{
		size_t		got = fread(buf, 1, n, m->fp);

		if (got > 0 || !ferror(m->fp))
			return (ssize_t) got;
		member_unreadable(m->src, m->index, "could not read: %s",
						  strerror(errno));
	}
	m->failed = true;
	return -1;
}

bool
source_member_close(FeedMember *m)
{
	bool		ok = !m->failed;

	if (m->zf)
	{
		int			err = zip_fclose(m->zf);

		/* a read error already said what zip_fclose would say again */
		if (err != 0 && ok)
		{
			zip_error_t ze;

			zip_error_init_with_code(&ze, err);
			member_unreadable(m->src, m->index, "damaged archive: %s",
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
