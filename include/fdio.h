/*
 * fdio.h: whole messages over a pipe or socket between gtfs2pgsql's
 * processes (batch.c's workers, side.c's child).
 */
#ifndef FDIO_H
#define FDIO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads (out false) or writes (out true) all of len bytes of data on fd,
 * again after EINTR; false at EOF or on error (errno says which).
 */
extern bool fdio_transfer(int fd, void *data, size_t len, bool out);

#endif
