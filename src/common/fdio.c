/*
 * fdio.c: whole messages over a pipe or socket.
 */
#include "fdio.h"

#include <errno.h>
#include <unistd.h>

bool
fdio_transfer(int fd, void *data, size_t len, bool out)
{
	char	   *p = data;

	while (len > 0)
	{
		ssize_t		n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t) n;
	}
	return true;
}
