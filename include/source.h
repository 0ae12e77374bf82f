/*
 * source.h: the members of a feed, read in chunks from a zip archive
 * (libzip, never extracted to disk) or from the files of a directory.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SOURCE_READ_CHUNK (64 * 1024)	/* bytes read from a member at once */

typedef struct FeedSource FeedSource;
typedef struct FeedMember FeedMember;

/* A defect of the feed the source met: see source_notice. */
typedef struct
{
	int			kind;			/* a NoticeKind (notice.h, which includes
								 * this header through csvread.h) */
	const char *file;			/* the member, or the feed's file */
	const char *message;
} SourceNotice;

/*
 * Opens a feed: a zip file or a directory.  Members are known by their base
 * name ("stops.txt"), whatever folder of the archive holds them; when a
 * name is both at the archive's root and in a folder, the root is the
 * feed and every member in a folder is left out with a notice.  A name
 * that is not UTF-8 is known with its invalid bytes written \xHH (a
 * notice says so) and read by its own bytes.  As unzip does, a zip file
 * may hold bytes after the archive (a web page a server sent with it) or
 * before it (a stub): see source_ignored_bytes; and an archive whose local
 * headers disagree with its central directory (libzip's ZIP_CHECKCONS) is
 * read by the central directory, with a notice, each member then checked
 * by its CRC and size as it is read.  Logs and returns NULL when the feed
 * cannot be read at all; free with source_close.
 */
extern FeedSource *source_open(const char *path);

/*
 * The next defect met since the last call, into out: those found opening
 * the feed, then a member that could not be read (source_member_open,
 * _read, _close), which is not opened again (its file is skipped).  The
 * strings are src's until source_close.  False when there are no more.
 * A source_reopen copy has none of the original's.
 */
extern bool source_notice(FeedSource *src, SourceNotice *out);

/*
 * s[0..len) with each byte that is not valid UTF-8 (or NUL) written as
 * \xHH: how a member name that is not UTF-8 is known.  malloc'd; NULL when
 * out of memory.
 */
extern char *source_escape_name(const char *s, size_t len);

/*
 * How many bytes of the zip file source_open skipped, before and after the
 * archive it read; 0 for a clean zip file or a directory.  Not logged:
 * reporting them is the caller's business.
 */
extern long long source_ignored_bytes(const FeedSource *src);

/*
 * The same feed again, for a forked child process: the same members, and
 * for a zip file an archive read through a new open file of the same file
 * (not found again by its path, which may name another file by now), so
 * that the two processes do not move each other's file offset.  Logs and
 * returns NULL on failure; free with source_close.
 */
extern FeedSource *source_reopen(const FeedSource *src);

/*
 * Discards the archive and frees src and its member names; close its
 * members first.  src may be NULL.
 */
extern void source_close(FeedSource *src);

/*
 * The feed's SHA-256 as 64 hex digits into out: of the zip file, or for a
 * directory of its members in name order, each as the length of its name,
 * its name, and the SHA-256 of its content, so that no other folder hashes
 * the same.  False (logged) when it cannot be read.
 */
extern bool source_sha256(const FeedSource *src, char out[65]);

/* Number of members, and the base name of member i (owned by src). */
extern int	source_count(const FeedSource *src);
extern const char *source_member_name(const FeedSource *src, int i);

/* Index of the member with this base name, or -1. */
extern int	source_find(const FeedSource *src, const char *name);

/*
 * Member i's size once uncompressed, as the zip's directory declares it
 * or as the file system gives it, without opening it; 0 when unknown.
 */
extern unsigned long long source_declared_size(const FeedSource *src, int i);

/*
 * Opens member i for reading.  Returns NULL when it cannot be read, with a
 * notice (source_notice), which includes a zip member that would expand
 * past 64 GiB or more than 1000 times, or one that could not be read
 * before.  Close with source_member_close, before source_close.
 */
extern FeedMember *source_member_open(FeedSource *src, int i);

/*
 * The member's size once uncompressed, as the zip's directory declares it
 * or as the file system gives it; 0 when unknown.
 */
extern unsigned long long source_member_size(const FeedMember *m);

/*
 * Reads up to n bytes: the count, 0 at the end, -1 when the member cannot
 * be read (a notice: a read error, a CRC or a size that disagrees with the
 * archive's, damaged compressed data).
 */
extern ssize_t source_member_read(FeedMember *m, char *buf, size_t n);

/*
 * Closes the member; false when it could not be read whole, with a notice
 * (source_notice): what was read of it must not be used.
 */
extern bool source_member_close(FeedMember *m);

#endif
