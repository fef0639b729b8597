/*
 * The tree walk and hashing pass, on fixture trees built in a mkdtemp
 * directory: hashes compared with coreutils' sha256sum (run through popen
 * with --zero, so names with newlines need no unescaping), bytewise order,
 * awkward names, empty and big files, a 4 GiB sparse file, symlinks in
 * and out of the root, special files, unreadable files (in a child that
 * drops root, when run as root), missing roots, exclusion, overlapping
 * roots, secrets found through the pass, hard links read once, the
 * bounds (max_files, admit, a deadline) and progress, directories with
 * their modes and links to them, and a link resolved below PATH_MAX's
 * reach. Each suite runs with the
 * fixture directory as the cwd and restores the cwd afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "scan.h"
#include "tap.h"
#include "tree.h"

static char fixture[] = "/tmp/cleanroom-tree-XXXXXX";
static int oldcwd = -1;

static int enter_fixture(void)
{
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mkdtemp(fixture) == NULL || chdir(fixture) < 0) {
		tap_diag("fixture: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void leave_fixture(void)
{
	char cmd[128];

	if (fchdir(oldcwd) < 0)
		tap_diag("fchdir: %s", strerror(errno));
	(void)close(oldcwd);
	/* Mode 000 directories left by the unreadable test need a chmod
	 * before rm can empty them when not root. */
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx %s 2>/dev/null; rm -rf %s",
		 fixture, fixture);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", fixture);
	memcpy(fixture + strlen(fixture) - 6, "XXXXXX", 6);
}

static int put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

static void hex(const unsigned char *d, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The awkward-names fixture under X/. */
static const char *const names[] = {
	"X/with space.txt",
	"X/new\nline.txt",
	"X/bad\xff\xfe.bin",
	"X/empty",
	"X/a-b",
	"X/a/c",
	"X/a.b",
	"X/a0",
	"X/ab",
	"X/a/b/deep",
	"X/big.bin",
	"X/.hidden",
};

static int build_names(void)
{
	static char big[3 << 20];
	int rc = 0;

	rc |= mkdir("X", 0755) | mkdir("X/a", 0755) | mkdir("X/a/b", 0755);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char data[64];
		int n = snprintf(data, sizeof data, "content %zu\n", i);

		if (strcmp(names[i], "X/empty") == 0)
			n = 0;
		if (strcmp(names[i], "X/big.bin") == 0) {
			for (size_t k = 0; k < sizeof big; k++)
				big[k] = (char)(k * 2654435761u >> 13);
			rc |= put(names[i], big, sizeof big);
		} else {
			rc |= put(names[i], data, (size_t)n);
		}
	}
	return rc;
}

/* Reads `sha256sum --zero` over every file under dir: "HASH  PATH\0"
 * records. Returns how many matched the tree's hash for that path, or -1
 * when a path is missing from the tree. */
static int compare_sha256sum(const struct tree *t, const char *dir,
			     size_t *nref)
{
	char cmd[256], rec[4096];
	FILE *p;
	int ok = 0, c;
	size_t n = 0;

	snprintf(cmd, sizeof cmd,
		 "find %s -type f -print0 | xargs -0 sha256sum --zero", dir);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	*nref = 0;
	while ((c = fgetc(p)) != EOF) {
		if (c != '\0') {
			if (n < sizeof rec - 1)
				rec[n++] = (char)c;
			continue;
		}
		rec[n] = '\0';
		n = 0;
		(*nref)++;
		const struct tree_file *f = tree_find(t, rec + 66);
		char h[65];

		if (f == NULL || !f->hashed) {
			tap_diag("not in the tree: %s", rec + 66);
			ok = -1;
			continue;
		}
		hex(f->sha256, h);
		if (ok >= 0 && strncmp(h, rec, 64) == 0)
			ok++;
		else
			tap_diag("hash differs: %s", rec + 66);
	}
	if (pclose(p) != 0)
		return -1;
	return ok;
}

TAP_SUITE(tree_hashes)
{
	static const char *const roots[] = {"X"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	size_t nref = 0;

	if (enter_fixture() < 0)
		return;
	T_INT(build_names(), 0, "fixture built");
	for (unsigned threads = 1; threads <= 4; threads += 3) {
		o.threads = threads;
		if (!T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan"))
			break;
		T_INT(t.nfiles, sizeof names / sizeof names[0],
		      "every regular file listed");
		T_INT(t.nfindings, 0, "no findings");
		int same = compare_sha256sum(&t, "X", &nref);

		T_INT(same, (int)nref, "every hash equals sha256sum's");
		T_INT(nref, t.nfiles, "sha256sum saw as many files");
		T_INT(t.bytes, (3 << 20) + 9 * 10 + 11,
		      "bytes hashed: the sum of the sizes");
		T_OK(t.threads >= 1 && t.threads <= threads, "threads used: %u",
		     t.threads);

		const struct tree_file *f = tree_find(&t, "X/empty");

		T_OK(f && f->hashed && f->size == 0 && f->error == 0 &&
			     S_ISREG(f->mode),
		     "empty file hashed, size 0, a regular file");
		f = tree_find(&t, "X/new\nline.txt");
		T_STR(f ? f->rel : NULL, "new\nline.txt",
		      "rel: the path below the root");
		T_OK(f && f->root == 0 && f->ino != 0 && f->mtime_ns > 0,
		     "root index and stat fields");
		T_OK(tree_find(&t, "X/nope") == NULL &&
			     tree_find(&t, "X") == NULL,
		     "tree_find: absent paths");
		tree_free(&t);
	}
	leave_fixture();
}

TAP_SUITE(tree_order)
{
	static const char *const roots[] = {"X"};
	static const char *const want[] = {
		"X/.hidden",
		"X/a-b",
		"X/a.b",
		"X/a/b/deep",
		"X/a/c",
		"X/a0",
		"X/ab",
		"X/bad\xff\xfe.bin",
		"X/big.bin",
		"X/empty",
		"X/new\nline.txt",
		"X/with space.txt",
	};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	int sorted = 1;

	if (enter_fixture() < 0)
		return;
	T_INT(build_names(), 0, "fixture built");
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		for (size_t i = 0; i < t.nfiles && i < 12; i++)
			T_STR(t.files[i].path, want[i], "bytewise order");
		for (size_t i = 1; i < t.nfiles; i++)
			sorted &= strcmp(t.files[i - 1].path, t.files[i].path) <
				  0;
		T_OK(sorted, "strictly increasing by strcmp");
		tree_free(&t);
	}
	leave_fixture();
}

/* One directory of 600 entries, names of random bytes (no "/" or NUL),
 * some of them directories holding a file: the merge sort, and the "/"
 * that directories sort with. */
TAP_SUITE(tree_order_many)
{
	static const char *const roots[] = {"M"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	unsigned seed = 12345;
	int rc = 0, sorted = 1;
	size_t want = 0;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("M", 0755);
	for (int i = 0; i < 600; i++) {
		char name[32] = "M/", inner[64];
		size_t len = 1 + i % 5;

		for (size_t k = 0; k < len; k++) {
			char c;

			do {
				seed = seed * 1103515245 + 12345;
				c = (char)(seed >> 16);
			} while (c == '/' || c == '\0');
			name[2 + k] = c;
		}
		snprintf(name + 2 + len, sizeof name - 2 - len, "%d", i);
		if (i % 7 == 0) {
			rc |= mkdir(name, 0755);
			snprintf(inner, sizeof inner, "%s/f", name);
			rc |= put(inner, "d", 1);
		} else {
			rc |= put(name, "f", 1);
		}
		want++;
	}
	T_INT(rc, 0, "fixture built");
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		for (size_t i = 1; i < t.nfiles; i++)
			sorted &= strcmp(t.files[i - 1].path, t.files[i].path) <
				  0;
		T_INT(t.nfiles, want, "600 files");
		T_OK(sorted, "strictly increasing by strcmp");
		tree_free(&t);
	}
	leave_fixture();
}

/* Whether the page cache holds none of fd's first page (mincore, which
 * reads nothing: a RWF_NOWAIT probe would start the readahead it looks
 * for). -1: cannot say. */
static int uncached(int fd)
{
	unsigned char v = 0;
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	int rc;

	if (p == MAP_FAILED)
		return -1;
	rc = mincore(p, 4096, &v) < 0 ? -1 : (v & 1) == 0;
	munmap(p, 4096);
	return rc;
}

/* Files whose pages were dropped from the cache, whole or after their
 * first page: round one's first read looks only in the cache, finds them
 * missing (or short) and must fall back to reading them, with the rest
 * of the batch advised. Hashes equal sha256sum's either way. */
TAP_SUITE(tree_cold_cache)
{
	static const char *const roots[] = {"C"};
	static char data[600 << 10];
	struct tree_opts o = {
		.roots = roots, .nroots = 1, .hash = 1, .threads = 2};
	struct tree t;
	struct err e = {0};
	size_t nref = 0;
	int rc = 0, cold = 0, probed = 0;

	if (enter_fixture() < 0)
		return;
	for (size_t k = 0; k < sizeof data; k++)
		data[k] = (char)(k * 2654435761u >> 11);
	rc |= mkdir("C", 0755);
	for (int i = 0; i < 90; i++) {
		char name[32];
		/* Empty, small, one page, several read chunks. */
		size_t len = i % 3 == 0	  ? (size_t)(i * 37) % 5000
			     : i % 3 == 1 ? 4096
					  : sizeof data - (size_t)i;

		snprintf(name, sizeof name, "C/f%02d", i);
		if (len > sizeof data - 90)
			len = sizeof data - 90;
		rc |= put(name, data + i, len);
	}
	T_INT(rc, 0, "fixture built");
	sync();
	for (int i = 0; i < 90; i++) {
		char name[32], b[4096];
		int fd;

		snprintf(name, sizeof name, "C/f%02d", i);
		fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		/* Every fifth: its first page back in, the rest still out. */
		if (i % 5 == 4 && pread(fd, b, sizeof b, 0) < 0)
			rc = -1;
		int u = uncached(fd);

		probed += u >= 0;
		cold += u == 1;
		close(fd);
	}
	if (probed == 0 || cold == 0) {
		const char *mw = getenv("MUST_WORK");

		if (mw != NULL && strcmp(mw, "1") == 0)
			T_OK(0, "skipped but MUST_WORK=1: no file made cold");
		else
			tap_diag("SKIP no file could be made cold here "
				 "(POSIX_FADV_DONTNEED not honoured on "
				 "%s): the warm path only",
				 fixture);
	} else {
		T_OK(cold > 0, "%d of 90 files out of the page cache", cold);
	}
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		int same = compare_sha256sum(&t, "C", &nref);

		T_INT(t.nfiles, 90, "every file");
		T_INT(same, (int)nref, "every hash equals sha256sum's");
		T_INT(t.nfindings, 0, "no findings");
		tree_free(&t);
	}
	leave_fixture();
}

TAP_SUITE(tree_sparse_4g)
{
	static const char *const roots[] = {"S"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	char h[65];
	int fd;

	if (enter_fixture() < 0)
		return;
	(void)mkdir("S", 0755);
	fd = open("S/zeros", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	T_OK(fd >= 0 && ftruncate(fd, (off_t)4 << 30) == 0,
	     "a 4 GiB sparse file");
	if (fd >= 0)
		(void)close(fd);
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		T_OK(t.nfiles == 1 && t.files[0].size == (uint64_t)4 << 30,
		     "size 4 GiB (past 32 bits)");
		hex(t.files[0].sha256, h);
		/* `head -c 4294967296 /dev/zero | sha256sum` */
		T_STR(h,
		      "8479e43911dc45e89f934fe48d01297e16f51d17aa561d4d1c216b1"
		      "ae0fcddca",
		      "SHA-256 of 4 GiB of zeros");
		tree_free(&t);
	}
	leave_fixture();
}

/* Data, holes and data again, and a hole at the end: hashed as
 * sha256sum reads it, and a secret after a hole found at its offset. */
TAP_SUITE(tree_sparse_mixed)
{
	static const char *const roots[] = {"H"};
	static const struct scan_secret sec[] = {
		{"K", "after-the-hole-secret", 21}};
	struct err e = {0};
	struct scan *s = scan_new(sec, 1, &e);
	struct tree_opts o = {
		.roots = roots, .nroots = 1, .scan = s, .hash = 1};
	struct tree t;
	size_t nref = 0;
	int fd, rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("H", 0755);
	fd = open("H/holes", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	rc |= fd < 0;
	rc |= pwrite(fd, "head", 4, 0) != 4;
	rc |= pwrite(fd, "after-the-hole-secret", 21, 2 << 20) != 21;
	rc |= pwrite(fd, "tail", 4, (5 << 20) + 7) != 4;
	rc |= ftruncate(fd, 9 << 20);
	if (fd >= 0)
		(void)close(fd);
	T_INT(rc, 0, "a 9 MiB file of holes with three bits of data");
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		int same = compare_sha256sum(&t, "H", &nref);

		T_OK(same == 1 && nref == 1, "hash equals sha256sum's");
		T_OK(t.nfiles == 1 && t.files[0].size == 9 << 20,
		     "size: all 9 MiB");
		T_OK(t.nhits == 1 && t.hits[0].offset == 2 << 20,
		     "the secret after the hole, at 2 MiB");
		tree_free(&t);
	}
	scan_free(s);
	leave_fixture();
}

static const struct tree_finding *
find_kind(const struct tree *t, const char *path, enum tree_finding_kind kind)
{
	for (size_t i = 0; i < t->nfindings; i++)
		if (t->findings[i].kind == kind &&
		    strcmp(t->findings[i].path, path) == 0)
			return &t->findings[i];
	return NULL;
}

TAP_SUITE(tree_symlinks)
{
	static const char *const roots[] = {"R"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("R", 0755) | mkdir("R/sub", 0755);
	rc |= put("outside.txt", "outside\n", 8);
	rc |= put("R/sub/target.txt", "target\n", 7);
	rc |= symlink("sub/target.txt", "R/inside");
	rc |= symlink("../sub/target.txt", "R/sub/up");
	rc |= symlink("sub/../sub/./target.txt", "R/dotted");
	rc |= symlink("../outside.txt", "R/out");
	rc |= symlink("/etc/passwd", "R/absolute");
	rc |= symlink("sub/hop", "R/chain");
	rc |= symlink("../../outside.txt", "R/sub/hop");
	rc |= symlink("sub", "R/dirlink");
	rc |= symlink("missing", "R/dangling");
	rc |= symlink("loop2", "R/loop1");
	rc |= symlink("loop1", "R/loop2");
	rc |= symlink("dirlink/target.txt", "R/viadir");
	T_INT(rc, 0, "fixture built");
	if (!T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		leave_fixture();
		return;
	}
	const struct tree_file *target = tree_find(&t, "R/sub/target.txt");
	static const char *const same[] = {"R/inside", "R/sub/up", "R/dotted",
					   "R/viadir"};

	for (size_t i = 0; i < 4; i++) {
		const struct tree_file *f = tree_find(&t, same[i]);

		T_OK(f && target && f->hashed &&
			     memcmp(f->sha256, target->sha256, 32) == 0 &&
			     f->size == 7 && S_ISREG(f->mode),
		     "%s: listed with its target's bytes", same[i]);
	}
	const struct tree_finding *fd =
		find_kind(&t, "R/out", TREE_SYMLINK_OUTSIDE);

	T_STR(fd ? fd->detail : NULL, "../outside.txt",
	      "../ out of the root: a finding with the link's text");
	T_OK(find_kind(&t, "R/absolute", TREE_SYMLINK_OUTSIDE) != NULL,
	     "absolute target: outside");
	T_OK(find_kind(&t, "R/chain", TREE_SYMLINK_OUTSIDE) != NULL,
	     "a chain whose second link leaves the root: outside");
	T_OK(find_kind(&t, "R/sub/hop", TREE_SYMLINK_OUTSIDE) != NULL,
	     "and that second link itself");
	T_OK(tree_find(&t, "R/out") == NULL &&
		     tree_find(&t, "R/absolute") == NULL &&
		     tree_find(&t, "R/chain") == NULL,
	     "links out of the root are not listed");
	T_OK(tree_find(&t, "R/dirlink") == NULL && t.nfiles == 8,
	     "a link to a directory inside is skipped (8 files listed)");
	fd = find_kind(&t, "R/dangling", TREE_UNREADABLE);
	T_STR(fd ? fd->detail : NULL, strerror(ENOENT),
	      "dangling: unreadable, ENOENT");
	const struct tree_file *f = tree_find(&t, "R/dangling");

	T_OK(f && f->error == ENOENT && !f->hashed && S_ISLNK(f->mode),
	     "dangling: listed with error ENOENT, mode S_IFLNK");
	f = tree_find(&t, "R/loop1");
	T_OK(f && f->error == ELOOP &&
		     find_kind(&t, "R/loop1", TREE_UNREADABLE),
	     "a loop: ELOOP");
	T_OK(tree_find(&t, "outside.txt") == NULL, "nothing from outside");
	tree_free(&t);
	leave_fixture();
}

TAP_SUITE(tree_special_files)
{
	static const char *const roots[] = {"P"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int sock;

	if (enter_fixture() < 0)
		return;
	(void)mkdir("P", 0755);
	T_INT(mkfifo("P/fifo", 0644), 0, "a FIFO (opening it would block)");
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "P/sock");
	T_OK(sock >= 0 && bind(sock, (struct sockaddr *)&sa, sizeof sa) == 0,
	     "a socket");
	T_INT(put("P/file", "x", 1), 0, "a file");
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		const struct tree_finding *f =
			find_kind(&t, "P/fifo", TREE_SPECIAL);

		T_STR(f ? f->detail : NULL, "fifo", "FIFO: special");
		f = find_kind(&t, "P/sock", TREE_SPECIAL);
		T_STR(f ? f->detail : NULL, "socket", "socket: special");
		T_OK(t.nfiles == 1 && strcmp(t.files[0].path, "P/file") == 0,
		     "only the regular file listed");
		tree_free(&t);
	}
	o.hash = 0;
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "snapshot")) {
		const struct tree_file *f = tree_find(&t, "P/fifo");

		T_OK(f && S_ISFIFO(f->mode) && t.nfindings == 0,
		     "a snapshot lists the FIFO by its mode, no finding");
		tree_free(&t);
	}
	if (sock >= 0)
		(void)close(sock);
	leave_fixture();
}

/* Results of the unreadable test, sent from the child that ran it. */
struct unreadable_result {
	int rc, file_err, file_stat, file_finding, dir_finding, other_hashed;
};

static void run_unreadable(struct unreadable_result *r)
{
	static const char *const roots[] = {"U"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};

	r->rc = tree_hash_scan(&o, &t, &e);
	if (r->rc != 0)
		return;
	const struct tree_file *f = tree_find(&t, "U/secret.key");

	r->file_err = f ? f->error : -1;
	r->file_stat = f && f->size == 1 && S_ISREG(f->mode);
	r->file_finding =
		find_kind(&t, "U/secret.key", TREE_UNREADABLE) != NULL;
	r->dir_finding = find_kind(&t, "U/closed", TREE_UNREADABLE) != NULL;
	f = tree_find(&t, "U/open.txt");
	r->other_hashed = f && f->hashed;
	tree_free(&t);
}

/*
 * Root reads any file whatever its mode, so as root the test forks a
 * child that drops to nobody (65534) before walking; the fixture is made
 * world-searchable for it.
 */
TAP_SUITE(tree_unreadable)
{
	struct unreadable_result r = {-1, 0, 0, 0, 0, 0};
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= chmod(".", 0755) | mkdir("U", 0755) | mkdir("U/closed", 0755);
	rc |= put("U/closed/inner", "x", 1) | put("U/open.txt", "ok\n", 3);
	rc |= put("U/secret.key", "k", 1);
	rc |= chmod("U/secret.key", 0) | chmod("U/closed", 0);
	if (geteuid() != 0) {
		run_unreadable(&r);
	} else {
		int p[2];
		pid_t pid;

		rc |= chmod(fixture, 0755) | chown("U", 65534, 65534);
		rc |= chown("U/open.txt", 65534, 65534);
		if (pipe(p) < 0 || (pid = fork()) < 0) {
			T_OK(0, "pipe and fork");
			leave_fixture();
			return;
		}
		if (pid == 0) {
			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
			    setuid(65534) < 0)
				_exit(2);
			run_unreadable(&r);
			_exit(write(p[1], &r, sizeof r) == sizeof r ? 0 : 3);
		}
		(void)close(p[1]);
		if (read(p[0], &r, sizeof r) != sizeof r)
			r.rc = -2;
		(void)close(p[0]);
		(void)waitpid(pid, NULL, 0);
	}
	T_INT(rc, 0, "fixture built (mode 000 file and directory)");
	T_INT(r.rc, 0, "tree_hash_scan as an unprivileged user");
	T_INT(r.file_err, EACCES, "mode 000 file: listed with EACCES");
	T_OK(r.file_stat, "and with its size and mode from fstatat");
	T_OK(r.file_finding, "mode 000 file: TREE_UNREADABLE");
	T_OK(r.dir_finding, "mode 000 directory: TREE_UNREADABLE");
	T_OK(r.other_hashed, "the readable file is still hashed");
	leave_fixture();
}

/* With few file descriptors left, round one's batches (32 files open at
 * once) must read what they have open and retry rather than report the
 * rest unreadable. The limit is lowered in a child. */
TAP_SUITE(tree_fd_limit)
{
	static const char *const roots[] = {"F"};
	int rc = 0, status = -1;
	pid_t pid;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("F", 0755);
	for (int i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof name, "F/f%03d", i);
		rc |= put(name, name, strlen(name));
	}
	T_INT(rc, 0, "100 files");
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = {20, 20};
		struct tree_opts o = {
			.roots = roots, .nroots = 1, .threads = 1, .hash = 1};
		struct tree t;
		struct err e = {0};
		size_t hashed = 0;

		for (int fd = 3; fd < 1024; fd++)
			(void)close(fd);
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 ||
		    tree_hash_scan(&o, &t, &e) < 0)
			_exit(2);
		for (size_t i = 0; i < t.nfiles; i++)
			hashed += (size_t)t.files[i].hashed;
		_exit(hashed == 100 && t.nfindings == 0 ? 0 : 1);
	}
	if (pid > 0)
		(void)waitpid(pid, &status, 0);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "20 fds: all 100 files hashed, no findings (status %d)", status);
	leave_fixture();
}

TAP_SUITE(tree_roots)
{
	static const char *const roots[] = {"missing", "afile", "./D/", "D/in",
					    "."};
	struct tree_opts o = {.roots = roots, .nroots = 4, .hash = 1};
	struct tree t;
	struct err e = {0};
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= put("afile", "f", 1) | mkdir("D", 0755) | mkdir("D/in", 0755);
	rc |= put("D/top", "t", 1) | put("D/in/low", "l", 1);
	T_INT(rc, 0, "fixture built");
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		T_OK(find_kind(&t, "missing", TREE_ROOT_MISSING) != NULL,
		     "missing root");
		T_OK(find_kind(&t, "afile", TREE_ROOT_NOT_DIR) != NULL,
		     "a root that is a file");
		T_INT(t.nfiles, 2, "nested roots: each file once");
		T_OK(t.nfiles == 2 &&
			     strcmp(t.files[0].path, "D/in/low") == 0 &&
			     strcmp(t.files[1].path, "D/top") == 0,
		     "\"./D/\" is spelt \"D\"");
		T_OK(t.nfiles == 2 && t.files[0].root == 2 &&
			     strcmp(t.files[0].rel, "in/low") == 0,
		     "a file under both roots belongs to the first given");
		tree_free(&t);
	}
	o.nroots = 5;
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "with \".\" as well")) {
		const struct tree_file *f = tree_find(&t, "afile");

		T_OK(f && f->root == 4 && strcmp(f->rel, "afile") == 0,
		     "root \".\": paths without \"./\"");
		T_INT(t.nfiles, 3, "three files in all");
		tree_free(&t);
	}
	leave_fixture();
}

TAP_SUITE(tree_snapshot_exclude)
{
	static const char *const roots[] = {"."};
	static const char *const excl[] = {"W/skip", "./W/one.txt", "gone"};
	struct tree_opts o = {.roots = roots,
			      .nroots = 1,
			      .exclude = excl,
			      .nexclude = 3,
			      .hash = 0};
	struct tree t;
	struct err e = {0};
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("W", 0755) | mkdir("W/skip", 0755) | mkdir("W/keep", 0755);
	rc |= put("W/skip/a", "a", 1) | put("W/one.txt", "1", 1);
	rc |= put("W/two.txt", "22", 2) | put("W/keep/b", "b", 1);
	rc |= symlink("/nowhere", "W/link");
	T_INT(rc, 0, "fixture built");
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "snapshot")) {
		T_OK(tree_find(&t, "W/skip") == NULL &&
			     tree_find(&t, "W/skip/a") == NULL,
		     "an excluded directory and its subtree");
		T_OK(tree_find(&t, "W/one.txt") == NULL,
		     "an excluded file (\"./\" spelling)");
		const struct tree_file *f = tree_find(&t, "W/keep");

		T_OK(f && S_ISDIR(f->mode), "directories are listed");
		f = tree_find(&t, "W/link");
		T_OK(f && S_ISLNK(f->mode) && t.nfindings == 0,
		     "a symlink out: listed as a link, no finding");
		f = tree_find(&t, "W/two.txt");
		T_OK(f && f->size == 2 && !f->hashed, "stat only, no hash");
		T_INT(t.nfiles, 5, "W W/keep W/keep/b W/link W/two.txt");
		T_INT(t.bytes, 3, "bytes: the regular files' sizes");
		tree_free(&t);
	}
	leave_fixture();
}

struct planted {
	const char *path;
	uint64_t offset;
	const char *encoding;
};

TAP_SUITE(tree_secrets)
{
	static const char *const roots[] = {"O"};
	static const struct scan_secret sec[] = {
		{"API_TOKEN", "tok_4f9a8b7c6d5e4f3a", 20},
		{"DB_PASSWORD", "hunter2/with slash", 18},
	};
	static char big[600 << 10];
	static const char b64[] = "dG9rXzRmOWE4YjdjNmQ1ZTRmM2";
	struct err e = {0};
	struct scan *s = scan_new(sec, 2, &e);
	struct tree_opts o = {
		.roots = roots, .nroots = 1, .scan = s, .hash = 1};
	struct tree t;
	char many[1024] = "";
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("O", 0755);
	rc |= put("O/app.js", "const k=\"hunter2\\/with slash\";", 30);
	rc |= put("O/clean.js", "nothing here", 12);
	rc |= put("O/data.txt", b64, sizeof b64 - 1);
	/* Across the pass's 256 KiB reads. */
	memset(big, 'x', sizeof big);
	memcpy(big + (256 << 10) - 7, sec[0].value, 20);
	rc |= put("O/big.bin", big, sizeof big);
	for (int i = 0; i < 20; i++)
		strcat(many, "tok_4f9a8b7c6d5e4f3a ");
	rc |= put("O/many.txt", many, strlen(many));
	T_INT(rc, 0, "fixture built");
	if (!T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		scan_free(s);
		leave_fixture();
		return;
	}
	static const struct planted want[] = {
		{"O/app.js", 9, "json"},
		{"O/big.bin", (256 << 10) - 7, "raw"},
		{"O/data.txt", 0, "base64"},
	};
	size_t k = 0;

	for (size_t i = 0; i < t.nhits; i++) {
		const struct tree_hit *h = &t.hits[i];
		const char *path = t.files[h->file].path;

		if (strcmp(path, "O/many.txt") == 0)
			continue;
		if (k < 3)
			T_OK(strcmp(path, want[k].path) == 0 &&
				     h->offset == want[k].offset &&
				     strcmp(h->encoding, want[k].encoding) == 0,
			     "hit %zu: %s at %llu as %s", k, want[k].path,
			     (unsigned long long)want[k].offset,
			     want[k].encoding);
		k++;
	}
	T_INT(k, 3, "three planted secrets found, nothing in clean.js");
	size_t many_hits = 0;
	int ordered = 1;

	for (size_t i = 0; i < t.nhits; i++) {
		many_hits +=
			strcmp(t.files[t.hits[i].file].path, "O/many.txt") == 0;
		if (i > 0)
			ordered &= t.hits[i - 1].file < t.hits[i].file ||
				   (t.hits[i - 1].file == t.hits[i].file &&
				    t.hits[i - 1].offset < t.hits[i].offset);
	}
	T_INT(many_hits, TREE_HITS_PER_SECRET,
	      "20 occurrences: TREE_HITS_PER_SECRET kept");
	T_OK(ordered, "hits sorted by file, then offset");
	tree_free(&t);
	scan_free(s);
	leave_fixture();
}

TAP_SUITE(tree_free_by_hand)
{
	struct tree t = {0};

	t.files = calloc(2, sizeof *t.files);
	if (t.files != NULL) {
		t.files[0].path = strdup("a");
		t.files[1].path = strdup("b");
		t.nfiles = 2;
	}
	T_OK(tree_find(&t, "b") == &t.files[1], "tree_find on a tree by hand");
	tree_free(&t);
	T_OK(t.files == NULL && t.nfiles == 0,
	     "tree_free frees its paths one by one (LeakSanitizer checks)");
}

/* Hard links and a link to the same file: every name listed with the
 * same digest, the inode read once, a secret in it reported under every
 * name. */
TAP_SUITE(tree_hard_links)
{
	static const char *const roots[] = {"L"};
	static const struct scan_secret sec[] = {
		{"K", "hard-linked-secret-value", 24}};
	static char body[100000];
	struct err e = {0};
	struct scan *s = scan_new(sec, 1, &e);
	struct tree_opts o = {
		.roots = roots, .nroots = 1, .scan = s, .hash = 1};
	struct tree t;
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	memset(body, 'a', sizeof body);
	memcpy(body + 5000, sec[0].value, 24);
	rc |= mkdir("L", 0755) | mkdir("L/sub", 0755);
	rc |= put("L/a.js", body, sizeof body);
	rc |= link("L/a.js", "L/b.js") | link("L/a.js", "L/sub/c.js");
	rc |= symlink("../a.js", "L/sub/link.js");
	rc |= put("L/other.js", "other\n", 6);
	T_INT(rc, 0, "a file with two more names and a link to it");
	if (!T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		scan_free(s);
		leave_fixture();
		return;
	}
	const struct tree_file *a = tree_find(&t, "L/a.js");
	static const char *const others[] = {"L/b.js", "L/sub/c.js",
					     "L/sub/link.js"};
	size_t hit_names = 0;

	T_INT(t.nfiles, 5, "five names listed");
	for (size_t i = 0; i < 3; i++) {
		const struct tree_file *f = tree_find(&t, others[i]);

		T_OK(a && f && f->hashed && f->size == sizeof body &&
			     memcmp(f->sha256, a->sha256, 32) == 0,
		     "%s: the same digest and size", others[i]);
	}
	T_INT(t.aliases, 3, "three names read through another");
	T_INT(t.bytes, sizeof body + 6, "the shared inode read once");
	T_INT(t.walk_bytes, 4 * sizeof body + 6,
	      "apparent sizes count every name");
	for (size_t i = 0; i < t.nhits; i++)
		hit_names += t.hits[i].offset == 5000;
	T_INT(hit_names, 4, "the secret reported under all four names");
	tree_free(&t);
	scan_free(s);
	leave_fixture();
}

static uint64_t admitted;

static int refuse(const struct tree *t, const void *arg)
{
	(void)arg;
	admitted = t->walk_bytes;
	return 1;
}

/* max_files stops the walk; admit sees the walked sizes and stops before
 * anything is read; a deadline already passed stops at once. */
TAP_SUITE(tree_bounds)
{
	static const char *const roots[] = {"B"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	char name[32];
	size_t hashed = 0;
	int rc = 0, fd;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("B", 0755) | mkdir("B/d", 0755);
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "B/d/f%02d", i);
		rc |= put(name, "x", 1);
	}
	fd = open("B/huge", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	rc |= fd < 0 || ftruncate(fd, (off_t)1 << 40) != 0;
	if (fd >= 0)
		(void)close(fd);
	T_INT(rc, 0, "30 files and a 1 TiB sparse file");

	o.max_files = 10;
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "max_files 10")) {
		T_INT(t.stopped, TREE_STOP_FILES, "the walk stopped");
		T_OK(t.nfiles <= 10 && t.entries <= 11,
		     "at most 10 listed (%zu)", t.nfiles);
		for (size_t i = 0; i < t.nfiles; i++)
			hashed += t.files[i].hashed;
		T_INT(hashed, 0, "nothing read");
		tree_free(&t);
	}
	o.max_files = 0;
	o.admit = refuse;
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "admit refuses")) {
		T_INT(t.stopped, TREE_STOP_ADMIT, "stopped by admit");
		T_INT(admitted, ((uint64_t)1 << 40) + 30,
		      "admit saw the apparent sizes of all 31 files");
		T_INT(t.nfiles, 31, "all listed");
		hashed = 0;
		for (size_t i = 0; i < t.nfiles; i++)
			hashed += t.files[i].hashed;
		T_OK(hashed == 0 && t.bytes == 0, "nothing read");
		tree_free(&t);
	}
	o.admit = NULL;
	o.deadline_ms = 1; /* long past */
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "a deadline passed")) {
		T_INT(t.stopped, TREE_STOP_TIME, "stopped for the time");
		T_INT(t.bytes, 0, "nothing read");
		tree_free(&t);
	}
	leave_fixture();
}

struct seen_progress {
	int calls, reading;
	uint64_t bytes, total;
};

static void count_progress(const struct tree_progress *p, void *arg)
{
	struct seen_progress *s = arg;

	s->calls++;
	if (p->hashing) {
		s->reading = 1;
		s->bytes = p->bytes;
		s->total = p->total;
	}
}

static int accept_all(const struct tree *t, const void *arg)
{
	(void)t;
	(void)arg;
	return 0;
}

/* A deadline reached while reading a file (64 GiB of holes) stops the
 * pass inside it; the progress callback ran meanwhile, with the total
 * the walk found (admit set: the walk stats the files). */
TAP_SUITE(tree_deadline_progress)
{
	static const char *const roots[] = {"T"};
	struct seen_progress sp = {0};
	struct tree_opts o = {.roots = roots,
			      .nroots = 1,
			      .hash = 1,
			      .admit = accept_all,
			      .progress = count_progress,
			      .progress_arg = &sp,
			      .progress_ms = 20};
	struct tree t;
	struct err e = {0};
	int rc = 0, fd;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("T", 0755);
	fd = open("T/huge", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	rc |= fd < 0 || ftruncate(fd, (off_t)64 << 30) != 0;
	if (fd >= 0)
		(void)close(fd);
	T_INT(rc, 0, "a 64 GiB sparse file");
	o.deadline_ms = io_now_ms() + 400;
	if (T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		T_INT(t.stopped, TREE_STOP_TIME, "stopped by the deadline");
		T_OK(t.nfiles == 1 && !t.files[0].hashed,
		     "the file is not hashed");
		T_OK(sp.calls > 0 && sp.reading,
		     "progress said it was reading");
		T_OK(sp.bytes > 0 && sp.total == (uint64_t)64 << 30,
		     "with the bytes read and the total");
		tree_free(&t);
	}
	leave_fixture();
}

/* Directories are listed with their modes (roots included), and links
 * to directories inside the root with their targets. */
TAP_SUITE(tree_dirs_links)
{
	static const char *const roots[] = {"D"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	int rc = 0;

	if (enter_fixture() < 0)
		return;
	rc |= mkdir("D", 0755) | mkdir("D/open", 0755) | mkdir("D/v2", 0755);
	rc |= chmod("D/open", 01777);
	rc |= put("D/v2/app.js", "x", 1);
	rc |= symlink("v2", "D/current");
	rc |= symlink("..", "D/v2/top");
	T_INT(rc, 0, "fixture built");
	if (!T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		leave_fixture();
		return;
	}
	T_INT(t.ndirs, 3, "three directories");
	T_OK(t.ndirs == 3 && strcmp(t.dirs[0].path, "D") == 0 &&
		     S_ISDIR(t.dirs[0].mode),
	     "the root first, by its name");
	T_OK(t.ndirs == 3 && strcmp(t.dirs[1].path, "D/open") == 0 &&
		     (t.dirs[1].mode & 07777) == 01777,
	     "D/open with its mode 1777");
	T_INT(t.nlinks, 2, "two directory links");
	T_OK(t.nlinks == 2 && strcmp(t.links[0].path, "D/current") == 0 &&
		     strcmp(t.links[0].target, "v2") == 0,
	     "D/current leads to v2");
	T_OK(t.nlinks == 2 && strcmp(t.links[1].path, "D/v2/top") == 0 &&
		     strcmp(t.links[1].target, "") == 0,
	     "D/v2/top leads to the root itself");
	T_OK(t.nfiles == 1 && t.nfindings == 0,
	     "files under their real paths only, no findings");
	tree_free(&t);
	leave_fixture();
}

/*
 * Resolution one name at a time: a link at the bottom of a tree whose
 * path is longer than PATH_MAX, leading back to a file at the top. Each
 * lookup is one name in a directory already open, so neither the depth
 * nor the length of the path walked matters (resolving each prefix from
 * the root, as before, failed here with ENAMETOOLONG, and cost the
 * square of the depth).
 */
TAP_SUITE(tree_deep_link)
{
	static const char *const roots[] = {"Z"};
	struct tree_opts o = {.roots = roots, .nroots = 1, .hash = 1};
	struct tree t;
	struct err e = {0};
	char seg[201], up[25 * 3 + 8] = "";
	int rc = 0, dfd;
	const int depth = 25;

	if (enter_fixture() < 0)
		return;
	memset(seg, 'd', 200);
	seg[200] = '\0';
	rc |= mkdir("Z", 0755);
	rc |= put("Z/f.js", "top\n", 4);
	dfd = open("Z", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < depth && dfd >= 0; i++) {
		int next;

		rc |= mkdirat(dfd, seg, 0755);
		next = openat(dfd, seg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		(void)close(dfd);
		dfd = next;
		strcat(up, "../");
	}
	strcat(up, "f.js");
	rc |= dfd < 0 || symlinkat(up, dfd, "up.js") != 0;
	if (dfd >= 0)
		(void)close(dfd);
	T_INT(rc, 0, "a 5,000-byte deep path with a link back to the top");
	if (!T_INT(tree_hash_scan(&o, &t, &e), 0, "tree_hash_scan")) {
		leave_fixture();
		return;
	}
	const struct tree_file *top = tree_find(&t, "Z/f.js");
	const struct tree_file *deep = NULL;

	for (size_t i = 0; i < t.nfiles; i++)
		if (strlen(t.files[i].path) > PATH_MAX)
			deep = &t.files[i];
	T_OK(deep != NULL && deep->error == 0 && deep->hashed,
	     "the deep link resolved and read (error %d)",
	     deep ? deep->error : -1);
	T_OK(deep && top && memcmp(deep->sha256, top->sha256, 32) == 0,
	     "with the top file's bytes");
	T_INT(t.nfindings, 0, "no findings");
	tree_free(&t);
	leave_fixture();
}

/* The early fixture: E/ holds 6,000 small files in 60 directories, some
 * with a secret, a 2 MiB file (round two), a hard-linked pair, links to
 * files inside (one whose target is listed too, one to a file outside
 * any listing order), a dangling link and a link out of the root. */
static const struct scan_secret early_sec[] = {
	{"K", "early-pass-secret-value", 23}};

static int build_early(void)
{
	static char big[2 << 20];
	char name[64], body[600];
	int rc = mkdir("E", 0755);

	for (int d = 0; d < 60 && rc == 0; d++) {
		snprintf(name, sizeof name, "E/d%02d", d);
		rc |= mkdir(name, 0755);
		for (int f = 0; f < 100; f++) {
			int n = snprintf(body, sizeof body, "file %d %d %s\n",
					 d, f,
					 f % 37 == 0 ? early_sec[0].value : "");

			snprintf(name, sizeof name, "E/d%02d/f%03d.js", d, f);
			rc |= put(name, body, (size_t)n);
		}
	}
	for (size_t k = 0; k < sizeof big; k++)
		big[k] = (char)(k * 2654435761u >> 11);
	memcpy(big + 12345, early_sec[0].value, early_sec[0].len);
	rc |= put("E/d30/big.bin", big, sizeof big);
	rc |= link("E/d10/f001.js", "E/d50/hard.js");
	rc |= symlink("../d20/f002.js", "E/d05/link.js");
	rc |= symlink("../d59/f099.js", "E/d00/alink.js");
	rc |= symlink("nowhere.js", "E/d40/dangling.js");
	rc |= symlink("/etc/passwd", "E/d45/out.js");
	return rc;
}

/* What must be the same whichever way a pass ran. */
static int same_tree(const struct tree *a, const struct tree *b)
{
	if (a->nfiles != b->nfiles || a->nhits != b->nhits ||
	    a->nfindings != b->nfindings || a->bytes != b->bytes ||
	    a->aliases != b->aliases || a->walk_bytes != b->walk_bytes) {
		tap_diag("files %zu/%zu hits %zu/%zu findings %zu/%zu bytes "
			 "%llu/%llu aliases %zu/%zu",
			 a->nfiles, b->nfiles, a->nhits, b->nhits, a->nfindings,
			 b->nfindings, (unsigned long long)a->bytes,
			 (unsigned long long)b->bytes, a->aliases, b->aliases);
		return 0;
	}
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct tree_file *f = &a->files[i], *g = &b->files[i];

		if (strcmp(f->path, g->path) != 0 || f->hashed != g->hashed ||
		    f->error != g->error || f->size != g->size ||
		    f->mode != g->mode || f->symlink != g->symlink ||
		    (f->alias == 0) != (g->alias == 0) ||
		    memcmp(f->sha256, g->sha256, 32) != 0) {
			tap_diag("differs: %s / %s", f->path, g->path);
			return 0;
		}
	}
	for (size_t i = 0; i < a->nhits; i++)
		if (a->hits[i].file != b->hits[i].file ||
		    a->hits[i].offset != b->hits[i].offset) {
			tap_diag("hit %zu differs", i);
			return 0;
		}
	for (size_t i = 0; i < a->nfindings; i++)
		if (a->findings[i].kind != b->findings[i].kind ||
		    strcmp(a->findings[i].path, b->findings[i].path) != 0) {
			tap_diag("finding %zu differs: %s", i,
				 a->findings[i].path);
			return 0;
		}
	return 1;
}

/* Reading while the walk runs (two threads, one root, no admit) gives
 * what reading after it gives (one thread): digests, errors, aliases,
 * hits, findings. Stopped by max_files, nothing it read is reported. */
TAP_SUITE(tree_early)
{
	static const char *const roots[] = {"E"};
	struct err e = {0};
	struct scan *s = scan_new(early_sec, 1, &e);
	struct tree_opts o = {.roots = roots,
			      .nroots = 1,
			      .scan = s,
			      .hash = 1,
			      .max_files = 1000000};
	struct tree one, two;
	size_t hashed = 0, unreadable = 0;
	int early = 0;

	if (enter_fixture() < 0)
		return;
	T_INT(build_early(), 0, "6,000 files, a big one, links");
	o.threads = 1;
	if (!T_INT(tree_hash_scan(&o, &one, &e), 0, "one thread")) {
		scan_free(s);
		leave_fixture();
		return;
	}
	T_INT(one.early, 0, "one thread reads after the walk");
	T_INT(one.nfiles, 6000 + 1 + 1 + 2 + 1, "every name listed");
	T_OK(one.nhits > 160, "secrets found (%zu)", one.nhits);
	/* The overlap depends on the scheduler: a few tries, and every
	 * one of them must agree with one thread. */
	o.threads = 2;
	for (int k = 0; k < 5 && !early; k++) {
		if (!T_INT(tree_hash_scan(&o, &two, &e), 0, "two threads"))
			break;
		T_OK(same_tree(&one, &two),
		     "two threads (%zu read early): "
		     "the same tree",
		     two.early);
		early = two.early > 0;
		tree_free(&two);
	}
	if (!early)
		tap_diag("SKIP the readers never started before the walk "
			 "ended here (a busy machine)");
	tree_free(&one);

	o.max_files = 5000;
	if (T_INT(tree_hash_scan(&o, &two, &e), 0, "max_files 5000")) {
		T_INT(two.stopped, TREE_STOP_FILES, "the walk stopped");
		for (size_t i = 0; i < two.nfiles; i++)
			hashed += two.files[i].hashed;
		/* The dangling link is the walk's finding, not a read's. */
		for (size_t i = 0; i < two.nfindings; i++)
			unreadable += two.findings[i].kind == TREE_UNREADABLE &&
				      strcmp(two.findings[i].path,
					     "E/d40/dangling.js") != 0;
		T_OK(hashed == 0 && two.nhits == 0 && two.bytes == 0 &&
			     unreadable == 0,
		     "nothing read is reported (%zu taken early)", two.early);
		tree_free(&two);
	}
	scan_free(s);
	leave_fixture();
}
