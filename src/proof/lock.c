/*
 * Writing, reading and comparing locks. The text format is GNU
 * sha256sum's, chosen so that users can check an output set with the tool
 * they already have; cleanroom's reader accepts exactly what its writer
 * produces (text mode, two spaces) plus sha256sum's binary-mode marker.
 */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "hex.h"
#include "io.h"
#include "vec.h"

#define LOCK_MAX (512u << 20)

void lock_init(struct lock *l)
{
	memset(l, 0, sizeof *l);
}

void lock_free(struct lock *l)
{
	arena_free(&l->paths);
	free(l->v);
	lock_init(l);
}

int lock_add_borrowed(struct lock *l, char *path, const unsigned char *sha256)
{
	if (vec_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) < 0)
		return -1;
	l->v[l->n].path = path;
	memcpy(l->v[l->n].sha256, sha256, 32);
	l->n++;
	return 0;
}

/* Adds a copy of the n bytes at path, in the lock's arena, with its
 * digest. */
static int add_n(struct lock *l, const char *path, size_t n,
		 const unsigned char *sha256)
{
	char *copy = arena_strndup(&l->paths, path, n);

	return copy == NULL ? -1 : lock_add_borrowed(l, copy, sha256);
}

int lock_add(struct lock *l, const char *path, const unsigned char *sha256)
{
	return add_n(l, path, strlen(path), sha256);
}

int lock_reserve(struct lock *l, size_t n)
{
	return vec_grow((void **)&l->v, &l->cap, l->n + n, sizeof *l->v);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct lock_entry *)a)->path,
		      ((const struct lock_entry *)b)->path);
}

size_t lock_sort(struct lock *l)
{
	size_t dups = 0, k = 1;

	/* A lock built from a walk, or read from a lock file, is in order
	 * already: one pass says so. */
	while (k < l->n && strcmp(l->v[k - 1].path, l->v[k].path) < 0)
		k++;
	if (k >= l->n)
		return 0;
	qsort(l->v, l->n, sizeof *l->v, by_path);
	for (size_t i = 1; i < l->n; i++)
		dups += strcmp(l->v[i - 1].path, l->v[i].path) == 0;
	return dups;
}

/* Whether any of the 8 bytes of x is b (the classic has-zero-byte test
 * on x with b's bytes cleared). */
static int has_byte(uint64_t x, unsigned char b)
{
	uint64_t y = x ^ (0x0101010101010101u * b);

	return ((y - 0x0101010101010101u) & ~y & 0x8080808080808080u) != 0;
}

/* The bytes path takes on its line: itself, or with escapes, one more
 * each and the line's leading backslash. *esc says which. strlen, then
 * eight bytes at a time for the three bytes that need an escape (musl's
 * strcspn builds its byte set at every call: a fifth of the lock's text
 * once; a byte at a time, still a tenth). */
static size_t spelt(const char *path, int *esc)
{
	size_t n = strlen(path), i = 0, extra = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, path + i, 8);
		if (has_byte(x, '\\') || has_byte(x, '\n') || has_byte(x, '\r'))
			break;
	}
	for (size_t k = i; k < n; k++)
		extra += path[k] == '\\' || path[k] == '\n' || path[k] == '\r';
	*esc = extra > 0;
	return extra > 0 ? n + extra + 1 : n;
}

/* Appends le's line: digest, two spaces, path (escaped, with the
 * line's leading backslash, where it must be), newline. n and esc are
 * spelt()'s. Written in place once the room is there. */
static int add_line(struct buf *out, const struct lock_entry *le, size_t n,
		    int esc)
{
	char *p;

	if (buf_reserve(out, 64 + 2 + n + 1) < 0)
		return -1;
	p = out->p + out->len;
	if (esc)
		*p++ = '\\';
	hex_encode(p, le->sha256, 32);
	p += 64;
	*p++ = ' ';
	*p++ = ' ';
	if (!esc) {
		buf_copy(p, le->path, n);
		p += n;
	}
	for (const char *c = le->path; esc && *c != '\0'; c++) {
		if (*c == '\\' || *c == '\n' || *c == '\r') {
			*p++ = '\\';
			*p++ = (char)(*c == '\\'   ? '\\'
				      : *c == '\n' ? 'n'
						   : 'r');
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\n';
	out->len = (size_t)(p - out->p);
	out->p[out->len] = '\0';
	return 0;
}

int lock_format(const struct lock *l, struct buf *out)
{
	size_t need = 0;
	int esc;

	/* One allocation for the whole text: growing a buffer of megabytes
	 * by doubling copies and wipes each size on the way. */
	for (size_t i = 0; i < l->n; i++)
		need += 64 + 2 + spelt(l->v[i].path, &esc) + 1;
	if (buf_reserve(out, need) < 0)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		size_t n = spelt(l->v[i].path, &esc);

		if (add_line(out, &l->v[i], n, esc) < 0)
			return -1;
	}
	return 0;
}

/* A file read a chunk at a time, to be compared with bytes in order. */
struct stream {
	int fd;
	size_t have, pos;
	char chunk[64 << 10];
};

static int64_t ns_of(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether a and b hold the same n bytes: eight at a time (musl's memcmp
 * goes byte by byte, and a lock is compared whole, megabytes). */
static int same_mem(const char *a, const char *b, size_t n)
{
	uint64_t x[4], y[4];

	for (; n >= sizeof x; n -= sizeof x, a += sizeof x, b += sizeof x) {
		memcpy(x, a, sizeof x);
		memcpy(y, b, sizeof y);
		if (((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		     (x[3] ^ y[3])) != 0)
			return 0;
	}
	for (; n > 0; n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* Whether the next n bytes of the stream are those at p. */
static int stream_eq(struct stream *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t k;

		if (s->pos == s->have) {
			ssize_t got = read(s->fd, s->chunk, sizeof s->chunk);

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return 0;
			s->have = (size_t)got;
			s->pos = 0;
		}
		k = s->have - s->pos < n ? s->have - s->pos : n;
		if (!same_mem(s->chunk + s->pos, p, k))
			return 0;
		s->pos += k;
		p += k;
		n -= k;
	}
	return 1;
}

/* Whether the stream has nothing left after what was compared. */
static int stream_at_end(struct stream *s)
{
	if (s->pos < s->have)
		return 0;
	for (;;) {
		ssize_t got = read(s->fd, s->chunk, sizeof s->chunk);

		if (got < 0 && errno == EINTR)
			continue;
		return got == 0;
	}
}

/* Whether the lock at name is still the file seen (lock_same_fd): the
 * same inode, size, mtime and ctime (a write, truncate, chmod or link
 * moves ctime past the one seen, which no caller can set back). */
static int still_seen(const struct stat *st, const struct lock_seen *seen)
{
	return seen != NULL && seen->valid &&
	       (uint64_t)st->st_dev == seen->dev &&
	       (uint64_t)st->st_ino == seen->ino &&
	       (uint64_t)st->st_size == seen->size &&
	       ns_of(st->st_mtim) == seen->mtime_ns &&
	       ns_of(st->st_ctim) == seen->ctime_ns;
}

/*
 * Whether the file at name beneath dirfd is already what writing l would
 * leave there: a regular file of ours, mode 0644, one link, and exactly
 * l's text, made durable (fsync: free when it is). Then the lock is not
 * written again: 9 MB for 100,000 files, a write and two fsyncs, when
 * nothing was rebuilt. The file seen equal to l by lock_same_fd and not
 * written to since needs no second look at its bytes; any other is
 * compared with l's text: formatted into text (*fmt 1; -1 when out of
 * memory), which the caller then writes when it differs. Anything else
 * (a link, another owner or mode, another size, an error) says no, and
 * the lock is written as ever.
 */
static int written_already(int dirfd, const char *name, const struct lock *l,
			   const struct lock_seen *seen, struct buf *text,
			   int *fmt)
{
	struct stream *s;
	struct stat st;
	int fd = beneath_open(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0),
	    same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    st.st_uid == geteuid() && (st.st_mode & 07777) == 0644) {
		if (still_seen(&st, seen)) {
			same = fsync(fd) == 0;
		} else if ((*fmt = lock_format(l, text) == 0 ? 1 : -1) > 0 &&
			   (size_t)st.st_size == text->len &&
			   (s = malloc(sizeof *s)) != NULL) {
			/* A chunk at a time: no second copy of megabytes. */
			*s = (struct stream){.fd = fd};
			same = stream_eq(s, text->p, text->len) &&
			       stream_at_end(s) && fsync(fd) == 0;
			free(s);
		}
	}
	(void)close(fd);
	return same;
}

int lock_write_at(int dirfd, const char *name, const char *shown,
		  const struct lock *l, const struct lock_seen *seen,
		  struct err *e)
{
	struct buf text = {.plain = 1};
	int rc = 0, fmt = 0; /* 1: text is l's; -1: out of memory */

	if (written_already(dirfd, name, l, seen, &text, &fmt))
		goto out;
	if (fmt == 0)
		fmt = lock_format(l, &text) == 0 ? 1 : -1;
	if (fmt < 0)
		rc = err_sys(e, ENOMEM, "writing the lock");
	else if (beneath_write_file(dirfd, name, text.p ? text.p : "",
				    text.len) < 0)
		rc = err_sys(e, errno, "%s", shown);
out:
	buf_free(&text);
	return rc;
}

int lock_write(const char *path, const struct lock *l, struct err *e)
{
	return lock_write_at(AT_FDCWD, path, path, l, NULL, e);
}

static int bad_line(struct err *e, const char *name, unsigned line,
		    unsigned col, const char *what)
{
	err_set(e, ERR_CONFIG, name, line, col, "%s", what);
	err_hint(e, "a lock line is '<64 hex digits>  <path>', as sha256sum "
		    "writes it");
	return -1;
}

/* One line (without its newline) into the lock. */
static int parse_line(const char *name, unsigned lineno, const char *s,
		      size_t len, struct lock *out, struct buf *path,
		      struct err *e)
{
	unsigned char sha[32];
	size_t i = 0, bad;
	int esc = 0;

	if (len > 0 && s[0] == '\\') {
		esc = 1;
		i = 1;
	}
	if (len < i + 64 + 2)
		return bad_line(e, name, lineno, 1, "line too short");
	if (hex_decode(sha, s + i, 32, &bad) < 0)
		/* The column of the pair holding the bad digit. */
		return bad_line(e, name, lineno,
				(unsigned)(i + bad - bad % 2 + 1),
				"not a SHA-256 digest in hex");
	i += 64;
	if (s[i] != ' ' || (s[i + 1] != ' ' && s[i + 1] != '*'))
		return bad_line(e, name, lineno, (unsigned)i + 1,
				"expected two spaces after the digest");
	i += 2;
	if (i == len)
		return bad_line(e, name, lineno, (unsigned)i + 1,
				"no path after the digest");
	if (!esc) {
		if (add_n(out, s + i, len - i, sha) < 0)
			return err_sys(e, ENOMEM, "%s", name);
		return 0;
	}
	buf_reset(path);
	for (; i < len; i++) {
		char c = s[i];

		if (esc && c == '\\') {
			char n = '\0';

			if (i + 1 < len)
				n = s[i + 1];

			if (n == '\\')
				c = '\\';
			else if (n == 'n')
				c = '\n';
			else if (n == 'r')
				c = '\r';
			else
				return bad_line(e, name, lineno,
						(unsigned)i + 1,
						"bad escape in path");
			i++;
		}
		if (buf_addc(path, c) < 0)
			return err_sys(e, ENOMEM, "%s", name);
	}
	if (lock_add(out, path->p, sha) < 0)
		return err_sys(e, ENOMEM, "%s", name);
	return 0;
}

int lock_parse(const char *name, const char *buf, size_t len, struct lock *out,
	       struct err *e)
{
	struct buf path = {0};
	unsigned lineno = 0;
	int rc = -1;

	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - buf) : len;

		lineno++;
		if (memchr(buf + off, '\0', end - off) != NULL) {
			bad_line(e, name, lineno, 1, "NUL byte");
			goto out;
		}
		if (parse_line(name, lineno, buf + off, end - off, out, &path,
			       e) < 0)
			goto out;
		off = end + 1;
	}
	/* Any order is accepted (sha256sum lists files as its arguments
	 * came); a path listed twice is not. */
	if (lock_sort(out) > 0) {
		for (size_t i = 1; i < out->n; i++)
			if (strcmp(out->v[i - 1].path, out->v[i].path) == 0) {
				err_set(e, ERR_CONFIG, name, 0, 0,
					"'%s' is listed twice", out->v[i].path);
				break;
			}
		goto out;
	}
	rc = 0;
out:
	buf_free(&path);
	return rc;
}

int lock_read(const char *path, struct buf *text, struct err *e)
{
	/* The lock lies among a build's outputs: a symlink in its place
	 * is not followed (cleanroom writes it as a regular file), and a
	 * FIFO does not hang the open. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				    O_CLOEXEC);
	struct stat st;
	int saved = 0;

	text->plain = 1;
	if (fd < 0 || fstat(fd, &st) < 0 ||
	    (S_ISREG(st.st_mode) && io_read_fd(fd, LOCK_MAX, text) < 0))
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL;
	if (fd >= 0)
		(void)close(fd);
	if (saved == 0)
		return 0;
	buf_free(text);
	err_set(e, ERR_CONFIG, path, 0, 0, "cannot read lock: %s",
		saved == ELOOP	  ? "it is a symlink"
		: saved == EINVAL ? "it is not a regular file"
				  : strerror(saved));
	err_hint(e, "cleanroom writes the lock as a regular file and never "
		    "reads one through a link; remove it and run again");
	return -1;
}

int lock_load(const char *path, struct lock *out, struct err *e)
{
	struct buf text = {.plain = 1};
	int rc;

	if (lock_read(path, &text, e) < 0)
		return -1;
	rc = lock_parse(path, text.p ? text.p : "", text.len, out, e);
	buf_free(&text);
	return rc;
}

int lock_same_fd(const struct lock *l, int fd, struct lock_seen *seen)
{
	struct stream *s = malloc(sizeof *s);
	struct buf lines = {.plain = 1};
	int same = s != NULL;
	struct timespec now;
	struct stat st;

	if (seen != NULL)
		memset(seen, 0, sizeof *seen);
	/* File times come from this clock: a write from now on gives the
	 * file a ctime at or after it. */
	if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0)
		seen = NULL;
	if (s != NULL)
		*s = (struct stream){.fd = fd};
	/* Lines are made a few hundred at a time, each batch compared with
	 * what comes next in the file. */
	for (size_t i = 0; same && i < l->n; i++) {
		int esc;
		size_t n = spelt(l->v[i].path, &esc);

		same = add_line(&lines, &l->v[i], n, esc) == 0;
		if (same && (lines.len >= sizeof s->chunk || i + 1 == l->n)) {
			same = stream_eq(s, lines.p, lines.len);
			buf_reset(&lines);
		}
	}
	/* And nothing after the last line. */
	same = same && stream_at_end(s);
	/* Seen only when nothing wrote to the file from the start of the
	 * comparison on (its ctime is older), so that any later write shows
	 * in its ctime: with a ctime of the current tick, a write in the
	 * same tick would not. */
	if (same && seen != NULL && fstat(fd, &st) == 0 &&
	    ns_of(st.st_ctim) < ns_of(now))
		*seen = (struct lock_seen){1,
					   (uint64_t)st.st_dev,
					   (uint64_t)st.st_ino,
					   (uint64_t)st.st_size,
					   ns_of(st.st_mtim),
					   ns_of(st.st_ctim)};
	buf_free(&lines);
	free(s);
	return same;
}

size_t lock_diff(const struct lock *a, const struct lock *b,
		 void (*each)(enum lock_change what, const char *path,
			      const unsigned char *old_sha,
			      const unsigned char *new_sha, void *arg),
		 void *arg)
{
	size_t i = 0, j = 0, n = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n   ? 1
			: j == b->n ? -1
				    : strcmp(a->v[i].path, b->v[j].path);

		if (c < 0) {
			each(LOCK_REMOVED, a->v[i].path, a->v[i].sha256, NULL,
			     arg);
			i++;
			n++;
		} else if (c > 0) {
			each(LOCK_ADDED, b->v[j].path, NULL, b->v[j].sha256,
			     arg);
			j++;
			n++;
		} else {
			if (memcmp(a->v[i].sha256, b->v[j].sha256, 32) != 0) {
				each(LOCK_CHANGED, a->v[i].path, a->v[i].sha256,
				     b->v[j].sha256, arg);
				n++;
			}
			i++;
			j++;
		}
	}
	return n;
}
