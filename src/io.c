/*
 * Reading and writing whole buffers. Reads go through a stack chunk that is
 * wiped afterwards, since the files read here may hold secrets.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int io_read_file(const char *path, size_t max, struct buf *out)
{
	char chunk[65536];
	struct stat st;
	int fd, saved = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		saved = errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		saved = EISDIR;
		goto out;
	}
	/* One allocation of the right size for a regular file: growing by
	 * doubling would touch (and fault in) twice the memory. */
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size <= max &&
	    buf_reserve(out, (size_t)st.st_size) < 0) {
		saved = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n > max || out->len > max - (size_t)n) {
			saved = EFBIG;
			break;
		}
		if (buf_add(out, chunk, (size_t)n) < 0) {
			saved = ENOMEM;
			break;
		}
	}
out:
	explicit_bzero(chunk, sizeof chunk);
	close(fd);
	errno = saved;
	return saved ? -1 : 0;
}

int io_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}
