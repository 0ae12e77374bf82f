/*
 * zipwrite.c: an exported feed as a zip.  libzip calls a source callback
 * for each member in turn while zip_close writes the archive, and the
 * callback reads the member's stream (member.h), so that no member is
 * ever held whole.
 */
#include "zipwrite.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "log.h"

#define ZIP_LEVEL		6		/* deflate's level, as zip's default */
#define WRITE_CHUNK		(64 * 1024)	/* bytes copied to stdout at once */

/* libzip's side of a member: see zip_source_function(3). */
typedef struct
{
	MemberStream *stream;
	time_t		mtime;
	zip_error_t error;
} MemberSource;

static zip_int64_t
member_source(void *userdata, void *data, zip_uint64_t len,
			  zip_source_cmd_t cmd)
{
	MemberSource *s = userdata;
	long		n;

	switch (cmd)
	{
		case ZIP_SOURCE_OPEN:
			if (member_stream_open(s->stream))
				return 0;
			zip_error_set(&s->error, ZIP_ER_READ, EIO);
			return -1;
		case ZIP_SOURCE_READ:
			n = member_stream_read(s->stream, data, len);
			if (n >= 0)
				return n;
			zip_error_set(&s->error, ZIP_ER_READ, EIO);
			return -1;
		case ZIP_SOURCE_CLOSE:
			member_stream_close(s->stream);
			return 0;
		case ZIP_SOURCE_STAT:
			{
				zip_stat_t *st = data;

				zip_stat_init(st);
				st->mtime = s->mtime;
				st->valid |= ZIP_STAT_MTIME;
				return sizeof(*st);
			}
		case ZIP_SOURCE_ERROR:
			return zip_error_to_data(&s->error, data, len);
		case ZIP_SOURCE_FREE:
			member_stream_free(s->stream);
			zip_error_fini(&s->error);
			free(s);
			return 0;
		case ZIP_SOURCE_SUPPORTS:
			return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
												  ZIP_SOURCE_READ,
												  ZIP_SOURCE_CLOSE,
												  ZIP_SOURCE_STAT,
												  ZIP_SOURCE_ERROR,
												  ZIP_SOURCE_FREE, -1);
		default:
			zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
			return -1;
	}
}

/*
 * The zip's side of the archive: libzip writes it through this source
 * into the temporary file z->fd, which the caller made (and removes), so
 * that a signal handler knows its name; libzip's own file sources would
 * write under a name of their own.  See zip_source_function(3).
 */
typedef struct
{
	int			fd;
	zip_error_t error;
} ZipFile;

static zip_int64_t
zip_file_source(void *userdata, void *data, zip_uint64_t len,
				zip_source_cmd_t cmd)
{
	ZipFile    *z = userdata;
	zip_source_args_seek_t *args;
	struct stat st;
	ssize_t		n;
	off_t		pos;

	switch (cmd)
	{
		case ZIP_SOURCE_OPEN:
		case ZIP_SOURCE_CLOSE:
		case ZIP_SOURCE_COMMIT_WRITE:
			return 0;
		case ZIP_SOURCE_BEGIN_WRITE:
		case ZIP_SOURCE_ROLLBACK_WRITE:
		case ZIP_SOURCE_REMOVE:
			if (ftruncate(z->fd, 0) == 0 && lseek(z->fd, 0, SEEK_SET) == 0)
				return 0;
			zip_error_set(&z->error, ZIP_ER_WRITE, errno);
			return -1;
		case ZIP_SOURCE_READ:
			n = read(z->fd, data, len);
			if (n >= 0)
				return n;
			zip_error_set(&z->error, ZIP_ER_READ, errno);
			return -1;
		case ZIP_SOURCE_WRITE:
			for (zip_uint64_t done = 0; done < len; done += (zip_uint64_t) n)
			{
				n = write(z->fd, (char *) data + done, len - done);
				if (n < 0 && errno == EINTR)
					n = 0;
				else if (n < 0)
				{
					zip_error_set(&z->error, ZIP_ER_WRITE, errno);
					return -1;
				}
			}
			return (zip_int64_t) len;
		case ZIP_SOURCE_SEEK:
		case ZIP_SOURCE_SEEK_WRITE:
			args = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len,
									   &z->error);
			if (args == NULL)
				return -1;
			if (lseek(z->fd, (off_t) args->offset, args->whence) >= 0)
				return 0;
			zip_error_set(&z->error, ZIP_ER_SEEK, errno);
			return -1;
		case ZIP_SOURCE_TELL:
		case ZIP_SOURCE_TELL_WRITE:
			pos = lseek(z->fd, 0, SEEK_CUR);
			if (pos >= 0)
				return (zip_int64_t) pos;
			zip_error_set(&z->error, ZIP_ER_TELL, errno);
			return -1;
		case ZIP_SOURCE_STAT:
			if (fstat(z->fd, &st) != 0)
			{
				zip_error_set(&z->error, ZIP_ER_READ, errno);
				return -1;
			}
			zip_stat_init(data);
			((zip_stat_t *) data)->size = (zip_uint64_t) st.st_size;
			((zip_stat_t *) data)->valid |= ZIP_STAT_SIZE;
			return sizeof(zip_stat_t);
		case ZIP_SOURCE_ERROR:
			return zip_error_to_data(&z->error, data, len);
		case ZIP_SOURCE_FREE:
			return 0;
		case ZIP_SOURCE_SUPPORTS:
			return ZIP_SOURCE_SUPPORTS_WRITABLE;
		default:
			zip_error_set(&z->error, ZIP_ER_OPNOTSUPP, 0);
			return -1;
	}
}

/* A new source of member i of ml for za; NULL (logged) on failure. */
static zip_source_t *
new_member_source(zip_t *za, MemberList *ml, int i)
{
	MemberSource *s = calloc(1, sizeof(MemberSource));
	zip_source_t *src = NULL;

	if (s)
		s->stream = member_stream_new(ml, i);
	if (s && s->stream)
	{
		s->mtime = ml->mtime;
		zip_error_init(&s->error);
		src = zip_source_function(za, member_source, s);
		if (src == NULL)
			zip_error_fini(&s->error);
	}
	if (src == NULL && s)
	{
		member_stream_free(s->stream);
		free(s);
	}
	return src;
}

bool
zipwrite_members(MemberList *ml, int fd, const char *shown)
{
	ZipFile		file = {.fd = fd};
	zip_error_t error;
	zip_source_t *out;
	zip_t	   *za = NULL;
	bool		ok;

	zip_error_init(&file.error);
	zip_error_init(&error);
	out = zip_source_function_create(zip_file_source, &file, &error);
	if (out)
		za = zip_open_from_source(out, ZIP_CREATE | ZIP_TRUNCATE, &error);
	if (za == NULL)
	{
		log_error("could not create \"%s\": %s", shown,
				  zip_error_strerror(&error));
		zip_source_free(out);
		zip_error_fini(&error);
		zip_error_fini(&file.error);
		return false;
	}
	zip_error_fini(&error);
	ok = true;
	for (int i = 0; ok && i < ml->nmembers; i++)
	{
		zip_source_t *src = new_member_source(za, ml, i);
		zip_int64_t idx;

		idx = src ? zip_file_add(za, ml->members[i].file, src,
								 ZIP_FL_ENC_UTF_8) : -1;
		/* libzip's default is level 9: thrice the time of zip's 6 */
		ok = idx >= 0 &&
			zip_set_file_compression(za, (zip_uint64_t) idx, ZIP_CM_DEFLATE,
									 ZIP_LEVEL) == 0;
		if (!ok && src && idx < 0)
			zip_source_free(src);	/* else the archive's */
		if (!ok)
			log_error("could not add %s to \"%s\": %s", ml->members[i].file,
					  shown, zip_strerror(za));
	}
	if (ok && zip_close(za) != 0)
	{
		/* the server's failure is said already */
		if (!ml->db_failed)
			log_error("could not write \"%s\": %s", shown, zip_strerror(za));
		ok = false;
	}
	if (!ok)
		zip_discard(za);
	zip_error_fini(&file.error);
	return ok;
}

bool
zipwrite_to_stdout(int fd)
{
	char	   *chunk = malloc(WRITE_CHUNK);
	ssize_t		n = 0;
	bool		ok = chunk != NULL && lseek(fd, 0, SEEK_SET) == 0;

	while (ok && (n = read(fd, chunk, WRITE_CHUNK)) > 0)
		for (ssize_t done = 0, k; ok && done < n; done += k)
		{
			k = write(STDOUT_FILENO, chunk + done, (size_t) (n - done));
			if (k < 0 && errno == EINTR)
				k = 0;
			ok = k >= 0;
		}
	ok = ok && n == 0;
	if (!ok)
		log_error("could not write the zip to stdout: %s",
				  chunk ? strerror(errno) : "out of memory");
	free(chunk);
	return ok;
}
