/*
 * The lock: sha256sum format with GNU escaping, parsing back, sorting,
 * errors with positions, differences between two locks, and agreement
 * with sha256sum -c on files with awkward names.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "lock.h"
#include "tap.h"

static void digest(const char *data, unsigned char *out)
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(data), (const uint8_t *)data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

TAP_SUITE(lock_format_escaping)
{
	struct lock l;
	struct buf out = {0};
	unsigned char d[32];

	lock_init(&l);
	digest("a", d);
	lock_add(&l, "z/plain.css", d);
	lock_add(&l, "a\nb", d);
	lock_add(&l, "c\\d", d);
	lock_add(&l, "e\rf", d);
	lock_add(&l, "sp ace", d);
	T_INT(lock_sort(&l), 0, "no duplicates");
	lock_format(&l, &out);
	T_STR(out.p,
	      "\\ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48"
	      "bb"
	      "  a\\nb\n"
	      "\\ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48"
	      "bb"
	      "  c\\\\d\n"
	      "\\ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48"
	      "bb"
	      "  e\\rf\n"
	      "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
	      "  sp ace\n"
	      "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
	      "  z/plain.css\n",
	      "sorted bytewise, escaped as GNU sha256sum");

	struct lock back;
	struct err e = {0};

	lock_init(&back);
	T_OK(lock_parse("l", out.p, out.len, &back, &e) == 0, "parses back");
	T_INT(back.n, 5, "five entries");
	for (size_t i = 0; i < back.n && i < l.n; i++)
		T_STR(back.v[i].path, l.v[i].path, "path round trip");
	lock_free(&back);
	buf_free(&out);
	lock_free(&l);
}

/* Many entries, a few escaped, through format and parse: the text is
 * sized before it is written (one allocation), paths live in the lock's
 * arena, and an unescaped line's path is taken whole. */
TAP_SUITE(lock_round_trip_many)
{
	struct lock l, back;
	struct buf out = {.plain = 1};
	struct err e = {0};
	unsigned char d[32];
	char path[64];
	size_t same = 0, want = 0;

	lock_init(&l);
	lock_init(&back);
	for (int i = 0; i < 20000; i++) {
		snprintf(path, sizeof path, "public/assets/d%03d/f%05d%s.js",
			 i % 200, i, i % 997 == 0 ? "\n\\x" : "");
		digest(path, d);
		if (lock_add(&l, path, d) < 0)
			T_OK(0, "added %s", path);
	}
	T_INT(lock_sort(&l), 0, "no duplicates");
	T_INT(lock_format(&l, &out), 0, "formats");
	for (size_t i = 0; i < l.n; i++)
		want += 64 + 2 + strlen(l.v[i].path) + 1 +
			(strpbrk(l.v[i].path, "\n\\") ? 1 + 2 : 0);
	T_INT(out.len, want, "every line, with its escapes");
	T_OK(lock_parse("l", out.p, out.len, &back, &e) == 0, "parses back");
	T_INT(back.n, l.n, "as many entries");
	for (size_t i = 0; i < back.n && i < l.n; i++)
		same += strcmp(back.v[i].path, l.v[i].path) == 0 &&
			memcmp(back.v[i].sha256, l.v[i].sha256, 32) == 0;
	T_INT(same, l.n, "every path and digest round trips");
	lock_free(&back);
	lock_free(&l);
	buf_free(&out);
	T_OK(out.p == NULL && out.len == 0 && out.plain == 1,
	     "freed, and still plain");
}

/* lock_same_fd over a file holding the len bytes at text. */
static int same_as(const struct lock *l, const char *text, size_t len)
{
	FILE *f = tmpfile();
	int rc;

	if (f == NULL)
		return -1;
	if (len > 0 && fwrite(text, 1, len, f) != len)
		rc = -1;
	else {
		fflush(f);
		lseek(fileno(f), 0, SEEK_SET);
		rc = lock_same_fd(l, fileno(f), NULL);
	}
	fclose(f);
	return rc;
}

/* lock_same_fd: the text lock_format writes, and nothing else. */
TAP_SUITE(lock_same_fd)
{
	struct lock l;
	struct buf out = {.plain = 1}, big = {.plain = 1};
	unsigned char d[32];
	char name[64];

	lock_init(&l);
	digest("a", d);
	lock_add(&l, "out/a.css", d);
	digest("b", d);
	lock_add(&l, "out/b.js", d);
	lock_format(&l, &out);
	T_INT(same_as(&l, out.p, out.len), 1, "its own text");
	T_INT(same_as(&l, out.p, out.len - 1), 0, "without the last newline");
	char was = out.p[3];

	out.p[3] = was == '0' ? '1' : '0';
	T_INT(same_as(&l, out.p, out.len), 0, "a digit changed");
	out.p[3] = was;
	out.p[out.len - 3] = 'J';
	T_INT(same_as(&l, out.p, out.len), 0, "a path changed");
	out.p[out.len - 3] = 'j';
	T_INT(same_as(&l, out.p, out.len), 1, "restored");
	buf_add(&out, out.p, 67 + 9);
	T_INT(same_as(&l, out.p, out.len), 0, "a line more");
	T_INT(same_as(&l, "x", 1), 0, "other text");
	T_INT(same_as(&l, "", 0), 0, "an empty lock file");
	buf_free(&out);
	digest("c", d);
	lock_add(&l, "out/new\nline", d);
	lock_sort(&l);
	lock_format(&l, &out);
	T_INT(same_as(&l, out.p, out.len), 1, "an escaped name, as written");
	buf_free(&out);

	/* Text longer than one 64 KiB read: lines across chunk edges. */
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "out/dir%04d/file-%d.js", i, i);
		digest(name, d);
		lock_add(&l, name, d);
	}
	lock_sort(&l);
	lock_format(&l, &big);
	T_OK(big.len > 3 * (64u << 10), "the text spans chunks (%zu bytes)",
	     big.len);
	T_INT(same_as(&l, big.p, big.len), 1, "many lines, as written");
	big.p[(64u << 10) + 1] ^= 1;
	T_INT(same_as(&l, big.p, big.len), 0, "a byte changed past a chunk");
	big.p[(64u << 10) + 1] ^= 1;
	T_INT(same_as(&l, big.p, big.len - 70), 0, "cut short");
	buf_free(&big);
	lock_free(&l);

	struct lock none;

	lock_init(&none);
	T_INT(same_as(&none, "", 0), 1, "no files, no text");
	T_INT(same_as(&none, "\n", 1), 0, "no files, a newline");
	lock_free(&none);
}

TAP_SUITE(lock_parse_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"abc  x\n", "1:1: line too short"},
		{"zz978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee4"
		 "8bb"
		 "  x\n",
		 "1:1: not a SHA-256 digest in hex"},
		{"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee4"
		 "8bb"
		 " x\n",
		 "1:65: expected two spaces after the digest"},
		{"\\ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afe"
		 "e48"
		 "bb  a\\qb\n",
		 "1:69: bad escape in path"},
		{"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee4"
		 "8bb"
		 "  x\n"
		 "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee4"
		 "8bb"
		 "  x\n",
		 "0:0: 'x' is listed twice"},
		{"\n", "1:1: line too short"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lock l;
		struct err e = {0};
		char got[600];

		lock_init(&l);
		T_OK(lock_parse("l", cases[i].text, strlen(cases[i].text), &l,
				&e) < 0,
		     "rejects case %zu", i);
		snprintf(got, sizeof got, "%u:%u: %s", e.line, e.col, e.msg);
		T_STR(got, cases[i].want, cases[i].want);
		lock_free(&l);
	}
}

struct counts {
	int added, removed, changed;
	char last[64];
};

static void count(enum lock_change what, const char *path,
		  const unsigned char *o, const unsigned char *n, void *arg)
{
	struct counts *c = arg;

	(void)o;
	(void)n;
	c->added += what == LOCK_ADDED;
	c->removed += what == LOCK_REMOVED;
	c->changed += what == LOCK_CHANGED;
	snprintf(c->last, sizeof c->last, "%s", path);
}

TAP_SUITE(lock_diff_sets)
{
	struct lock a, b;
	unsigned char d1[32], d2[32];
	struct counts c = {0};

	digest("one", d1);
	digest("two", d2);
	lock_init(&a);
	lock_init(&b);
	lock_add(&a, "same", d1);
	lock_add(&a, "gone", d1);
	lock_add(&a, "edited", d1);
	lock_add(&b, "same", d1);
	lock_add(&b, "edited", d2);
	lock_add(&b, "new", d2);
	lock_sort(&a);
	lock_sort(&b);
	T_INT(lock_diff(&a, &b, count, &c), 3, "three differences");
	T_INT(c.added, 1, "one added");
	T_INT(c.removed, 1, "one removed");
	T_INT(c.changed, 1, "one changed");
	memset(&c, 0, sizeof c);
	T_INT(lock_diff(&a, &a, count, &c), 0, "a lock equals itself");
	lock_free(&a);
	lock_free(&b);
}

/* What lock_write produces is accepted by sha256sum -c. */
TAP_SUITE(lock_sha256sum_check)
{
	char dir[] = "/tmp/cleanroom-lock-XXXXXX";
	static const char *const names[] = {"plain",  "sp ace", "a\nb",
					    "c\\d",   "e\rf",	"caf\xc3\xa9",
					    "raw\xff"};
	struct lock l;
	struct err e = {0};
	char path[256], cmd[512];
	unsigned char d[32];

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	lock_init(&l);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		f = fopen(path, "w");
		fputs(names[i], f);
		fclose(f);
		digest(names[i], d);
		lock_add(&l, names[i], d);
	}
	lock_sort(&l);
	snprintf(path, sizeof path, "%s/cleanroom.lock", dir);
	T_OK(lock_write(path, &l, &e) == 0, "lock written: %s", e.msg);
	snprintf(cmd, sizeof cmd,
		 "cd %s && sha256sum --quiet -c cleanroom.lock", dir);
	T_INT(system(cmd), 0, "sha256sum -c accepts the lock");
	snprintf(cmd, sizeof cmd,
		 "cd %s && printf x >> plain && ! sha256sum --quiet -c "
		 "cleanroom.lock >/dev/null 2>&1",
		 dir);
	T_INT(system(cmd), 0, "sha256sum -c rejects a changed file");
	struct lock back;

	lock_init(&back);
	T_OK(lock_load(path, &back, &e) == 0, "lock_load reads it back");
	T_INT(back.n, l.n, "same number of entries");
	lock_free(&back);
	lock_free(&l);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	T_INT(system(cmd), 0, "cleanup");
}

/* A lock already there with the same bytes is left as it is (same inode,
 * same mtime); one that differs in its bytes, its mode or its links is
 * replaced by a new file. */
TAP_SUITE(lock_write_same_kept)
{
	char dir[] = "/tmp/cleanroom-lock-XXXXXX";
	char path[256], other[256];
	struct lock l;
	struct err e = {0};
	struct stat a, b;
	unsigned char d[32];

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/cleanroom.lock", dir);
	snprintf(other, sizeof other, "%s/other", dir);
	lock_init(&l);
	digest("a", d);
	lock_add(&l, "a.css", d);
	umask(022);
	T_OK(lock_write(path, &l, &e) == 0, "written: %s", e.msg);
	T_INT(stat(path, &a), 0, "stat");
	T_OK(lock_write(path, &l, &e) == 0, "again: %s", e.msg);
	T_INT(stat(path, &b), 0, "stat");
	T_OK(a.st_ino == b.st_ino, "the same bytes: the file is kept");

	T_INT(chmod(path, 0666), 0, "chmod 0666");
	T_OK(lock_write(path, &l, &e) == 0, "again: %s", e.msg);
	T_INT(stat(path, &a), 0, "stat");
	T_OK(a.st_ino != b.st_ino && (a.st_mode & 07777) == 0644,
	     "another mode: replaced, 0644");

	T_INT(link(path, other), 0, "a second link");
	T_OK(lock_write(path, &l, &e) == 0, "again: %s", e.msg);
	T_INT(stat(path, &b), 0, "stat");
	T_OK(a.st_ino != b.st_ino, "two links: replaced");

	digest("b", d);
	lock_add(&l, "b.css", d);
	lock_sort(&l);
	T_OK(lock_write(path, &l, &e) == 0, "another lock: %s", e.msg);
	T_INT(stat(path, &a), 0, "stat");
	T_OK(a.st_ino != b.st_ino && a.st_size == 2 * (64 + 2 + 5 + 1),
	     "other bytes: replaced, with the new text");

	T_INT(unlink(path), 0, "unlink");
	T_INT(symlink("other", path), 0, "a symlink in its place");
	T_OK(lock_write(path, &l, &e) == 0, "through: %s", e.msg);
	T_INT(lstat(path, &b), 0, "lstat");
	T_OK(S_ISREG(b.st_mode), "the symlink replaced, not followed");
	lock_free(&l);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	T_INT(system(path), 0, "cleanup");
}

/* The file lock_same_fd saw equal is kept without a second read while
 * nothing has written to it; one written to since (the same size, other
 * bytes: only its ctime and mtime say so) is compared again and
 * replaced. */
TAP_SUITE(lock_write_seen)
{
	char dir[] = "/tmp/cleanroom-lock-XXXXXX";
	char path[256];
	struct lock l;
	struct lock_seen seen;
	struct err e = {0};
	struct stat a, b;
	unsigned char d[32];
	struct buf text = {.plain = 1};
	int fd;

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/cleanroom.lock", dir);
	lock_init(&l);
	digest("a", d);
	lock_add(&l, "a.css", d);
	digest("b", d);
	lock_add(&l, "b\\c\n.css", d);
	lock_sort(&l);
	umask(022);
	T_OK(lock_write(path, &l, &e) == 0, "written: %s", e.msg);
	/* Past the file times' tick (4 ms at HZ=250, 10 at HZ=100): a file
	 * changed in the current tick is never taken as seen. */
	(void)nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	T_INT(lock_same_fd(&l, fd, &seen), 1, "the same text");
	T_INT(seen.valid, 1, "seen, a tick later");
	(void)close(fd);
	T_INT(stat(path, &a), 0, "stat");
	T_OK(lock_write_at(AT_FDCWD, path, path, &l, &seen, &e) == 0,
	     "again, seen: %s", e.msg);
	T_INT(stat(path, &b), 0, "stat");
	T_OK(a.st_ino == b.st_ino && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec,
	     "kept as it was");

	/* The same size, one digit changed: what was seen is stale. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	T_OK(fd >= 0 && pwrite(fd, "f", 1, 0) == 1, "one byte changed");
	if (fd >= 0)
		(void)close(fd);
	T_OK(lock_write_at(AT_FDCWD, path, path, &l, &seen, &e) == 0,
	     "again, seen before the change: %s", e.msg);
	T_INT(stat(path, &b), 0, "stat");
	T_OK(a.st_ino != b.st_ino, "compared again, and replaced");
	T_INT(lock_format(&l, &text), 0, "lock_format");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	T_INT(lock_same_fd(&l, fd, &seen), 1, "with the lock's text");
	if (fd >= 0)
		(void)close(fd);
	T_OK((size_t)b.st_size == text.len, "of its length");

	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	T_OK(fd >= 0 && write(fd, "x", 1) == 1, "a byte appended");
	if (fd >= 0) {
		(void)lseek(fd, 0, SEEK_SET);
		(void)close(fd);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	T_INT(lock_same_fd(&l, fd, &seen), 0, "no longer the same");
	T_INT(seen.valid, 0, "not seen");
	if (fd >= 0)
		(void)close(fd);
	buf_free(&text);
	lock_free(&l);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	T_INT(system(path), 0, "cleanup");
}

/* A lock is read from a regular file alone: a symlink in its place is
 * not followed, a FIFO does not block. */
TAP_SUITE(lock_read_no_link)
{
	char dir[] = "/tmp/cleanroom-lock-XXXXXX";
	char path[256], target[256];
	struct lock l;
	struct err e = {0};
	unsigned char d[32];

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/cleanroom.lock", dir);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	lock_init(&l);
	digest("a", d);
	lock_add(&l, "a.css", d);
	T_OK(lock_write(target, &l, &e) == 0, "a lock elsewhere: %s", e.msg);
	lock_free(&l);
	T_INT(symlink("elsewhere", path), 0, "a symlink in the lock's place");
	lock_init(&l);
	T_INT(lock_load(path, &l, &e), -1, "not read through the link");
	T_OK(strstr(e.msg, "symlink") != NULL, "says so: %s", e.msg);
	T_INT((int)l.n, 0, "nothing loaded");
	lock_free(&l);
	T_INT(unlink(path), 0, "unlink");
	T_INT(mkfifo(path, 0600), 0, "a FIFO in its place");
	e = (struct err){0};
	lock_init(&l);
	T_INT(lock_load(path, &l, &e), -1, "refused, without blocking");
	T_OK(strstr(e.msg, "not a regular file") != NULL, "says so: %s", e.msg);
	lock_free(&l);
	lock_init(&l);
	T_INT(lock_load(target, &l, &e), 0, "the real file is read");
	T_INT((int)l.n, 1, "its one entry");
	lock_free(&l);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	T_INT(system(path), 0, "cleanup");
}

/* An escape is found wherever it falls in a path (the scan goes eight
 * bytes at a time): a path of each length up to 40 with '\', '\n' or
 * '\r' at each place formats to its escaped line and parses back. */
TAP_SUITE(lock_escape_positions)
{
	static const char bytes[] = "\\\n\r";
	struct lock l, back;
	struct buf out = {.plain = 1};
	struct err e = {0};
	unsigned char d[32];
	char path[48];
	size_t want = 0, same = 0;

	lock_init(&l);
	lock_init(&back);
	for (size_t len = 1; len <= 40; len++)
		for (size_t at = 0; at <= len; at++) {
			memset(path, 'a' + (int)(len % 26), len);
			path[len] = '\0';
			/* at == len: none escaped. */
			if (at < len)
				path[at] = bytes[(len + at) % 3];
			snprintf(path + len, sizeof path - len, "%02zu", at);
			digest(path, d);
			if (lock_add(&l, path, d) < 0)
				T_OK(0, "added");
			want += 64 + 2 + strlen(path) + 1 + (at < len ? 2 : 0);
		}
	T_INT(lock_sort(&l), 0, "no duplicates");
	T_INT(lock_format(&l, &out), 0, "formats");
	T_INT(out.len, want, "each escaped where it must be, once");
	T_OK(lock_parse("l", out.p, out.len, &back, &e) == 0, "parses back: %s",
	     e.msg);
	for (size_t i = 0; i < back.n && back.n == l.n; i++)
		same += strcmp(back.v[i].path, l.v[i].path) == 0;
	T_INT(same, l.n, "every path as it was");
	lock_free(&back);
	lock_free(&l);
	buf_free(&out);
}
