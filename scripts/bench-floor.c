/*
 * The kernel's floor for a lock of many small files: what opening,
 * fstat-ing and reading every file costs, with no walk, no hashing and
 * no scan. The names come NUL-separated on stdin (find -print0) and are
 * read before the clock starts; then one thread per CPU takes names in
 * turn and does what cleanroom does for a small file at the least:
 * a batch of names opened (O_NOFOLLOW, beneath their directory's fd) and
 * fstat-ed, then each read once into a reused buffer, then the batch's
 * fds closed by close_range runs.
 * Prints the seconds that took. Benchmarks only (scripts/bench.sh).
 *
 * Usage: find DIR -type f -print0 | floor [THREADS]
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char **names;
static size_t nnames;
static atomic_size_t next;
static atomic_size_t failed;

/* Names are taken BATCH at a time, so a thread mostly opens the files
 * of one directory in a row: each beneath that directory's fd (opened
 * once for the run of names in it), as cleanroom opens them. */
#define BATCH 32

/* Closes a batch's fds: a run of consecutive numbers with one
 * close_range (Linux 5.9), as cleanroom does. */
static void close_all(int *fds, size_t *n)
{
	for (size_t k = 0; k < *n;) {
		size_t e = k + 1;

		while (e < *n && fds[e] == fds[e - 1] + 1)
			e++;
		if (e - k > 1 && syscall(SYS_close_range, (unsigned)fds[k],
					 (unsigned)fds[e - 1], 0U) == 0) {
			k = e;
			continue;
		}
		for (; k < e; k++)
			close(fds[k]);
	}
	*n = 0;
}

static void *work(void *arg)
{
	static _Thread_local char buf[64 * 1024];
	char dir[4096] = "";
	int dfd = -1, fds[BATCH];
	size_t nfds = 0;
	size_t i;

	(void)arg;
	while ((i = atomic_fetch_add(&next, BATCH)) < nnames) {
		size_t end = i + BATCH < nnames ? i + BATCH : nnames;

		for (; i < end; i++) {
			const char *slash = strrchr(names[i], '/');
			size_t dl = slash ? (size_t)(slash - names[i]) : 1;
			const char *base = slash ? slash + 1 : names[i];
			struct stat st;
			int fd;

			if (dl >= sizeof dir)
				return NULL;
			if (dfd < 0 || strncmp(dir, names[i], dl) != 0 ||
			    dir[dl] != '\0') {
				if (dfd >= 0)
					close(dfd);
				memcpy(dir, slash ? names[i] : ".", dl);
				dir[dl] = '\0';
				dfd = open(dir,
					   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			}
			fd = openat(dfd, base,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || fstat(fd, &st) < 0)
				atomic_fetch_add(&failed, 1);
			if (fd >= 0)
				fds[nfds++] = fd;
		}
		for (size_t k = 0; k < nfds; k++)
			if (read(fds[k], buf, sizeof buf) < 0)
				atomic_fetch_add(&failed, 1);
		close_all(fds, &nfds);
	}
	if (dfd >= 0)
		close(dfd);
	return NULL;
}

int main(int argc, char **argv)
{
	size_t cap = 0, len = 0, cap_names = 0;
	char *all = NULL;
	cpu_set_t set;
	unsigned n;
	pthread_t th[64];
	struct timespec a, b;

	n = sched_getaffinity(0, sizeof set, &set) == 0
		    ? (unsigned)CPU_COUNT(&set)
		    : 1;
	if (argc > 1)
		n = (unsigned)atoi(argv[1]);
	if (n < 1 || n > 64)
		n = 1;
	for (;;) {
		size_t got;

		if (len == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			all = realloc(all, cap);
			if (all == NULL)
				return 1;
		}
		got = fread(all + len, 1, cap - len, stdin);
		if (got == 0)
			break;
		len += got;
	}
	for (size_t off = 0; off < len;) {
		size_t l = strnlen(all + off, len - off);

		if (off + l == len)
			break; /* no terminating NUL: not a whole name */
		if (nnames == cap_names) {
			cap_names = cap_names ? 2 * cap_names : 4096;
			names = realloc(names, cap_names * sizeof *names);
			if (names == NULL)
				return 1;
		}
		names[nnames++] = all + off;
		off += l + 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned k = 0; k < n; k++)
		if (pthread_create(&th[k], NULL, work, NULL) != 0)
			return 1;
	for (unsigned k = 0; k < n; k++)
		pthread_join(th[k], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (atomic_load(&failed) > 0) {
		fprintf(stderr, "floor: %zu of %zu files could not be read\n",
			atomic_load(&failed), nnames);
		return 1;
	}
	printf("%.4f\n", (double)(b.tv_sec - a.tv_sec) +
				 (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
