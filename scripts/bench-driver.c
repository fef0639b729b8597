/* The benchmarks' driver: the verification pass as `cleanroom verify`
 * runs it (scan_new over the secrets, tree_hash_scan on all CPUs, a lock
 * in sha256sum format), built against src/ by scripts/bench-verify.sh,
 * and the ceiling (SHA-256 and the scan with no I/O). */
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scan.h"
#include "tree.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The ceiling: what the CPUs do with no I/O at all, each thread hashing
 * (and scanning) a 256 KiB buffer that stays in cache, 1 GiB in all. */
struct ceil_arg {
	const struct scan *s;
	size_t bytes;
};

static int no_hit(const struct scan_hit *h, void *arg)
{
	(void)h;
	(void)arg;
	return 0;
}

static void *ceil_thread(void *p)
{
	struct ceil_arg *a = p;
	static __thread unsigned char buf[256 << 10];
	struct sha256_ctx c;
	struct scan_state st;
	unsigned char d[32];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 11);
	sha256_init(&c);
	scan_state_init(&st);
	for (size_t done = 0; done < a->bytes; done += sizeof buf) {
		sha256_update(&c, sizeof buf, buf);
		if (a->s)
			scan_feed(a->s, &st, buf, sizeof buf, no_hit, NULL);
	}
	sha256_digest(&c, 32, d);
	return NULL;
}

static double ceiling(const struct scan *s, unsigned n)
{
	pthread_t th[64];
	struct ceil_arg a = {s, ((size_t)1 << 30) / n};
	double t0 = now_ms();

	for (unsigned i = 0; i < n; i++)
		pthread_create(&th[i], NULL, ceil_thread, &a);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return (double)(1u << 30) / ((now_ms() - t0) / 1e3) / 1e9;
}

int main(int argc, char **argv)
{
	static struct scan_secret sec[1024];
	static char names[1024][32];
	static char line[4096];
	size_t n = 0;
	struct err e = {0};
	struct tree t;

	if (argc < 3) {
		fprintf(stderr, "usage: driver SECRETS LOCK ROOT...\n"
				"       driver SECRETS --ceiling\n"
				"       driver SECRETS --ceiling-seconds\n");
		return 2;
	}
	double t0 = now_ms();
	FILE *f = fopen(argv[1], "r");

	while (f && n < 1024 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(names[n], sizeof names[n], "BENCH_SECRET_%03zu", n + 1);
		sec[n] = (struct scan_secret){names[n], strdup(line),
					      strlen(line)};
		n++;
	}
	if (f)
		fclose(f);
	struct scan *s = scan_new(sec, n, &e);

	if (strcmp(argv[2], "--ceiling-seconds") == 0) {
		unsigned cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

		printf("%.4f\n", (double)(1u << 30) / (ceiling(s, cpus) * 1e9));
		return 0;
	}
	if (strcmp(argv[2], "--ceiling") == 0) {
		unsigned cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

		printf("sha256 alone: %.2f GB/s on 1 thread, %.2f GB/s on %u; "
		       "sha256 + scan: %.2f GB/s on %u\n",
		       ceiling(NULL, 1), ceiling(NULL, cpus), cpus,
		       ceiling(s, cpus), cpus);
		return 0;
	}
	struct tree_opts o = {.roots = (const char *const *)argv + 3,
			      .nroots = (size_t)argc - 3,
			      .scan = s,
			      .hash = 1};

	if (s == NULL || tree_hash_scan(&o, &t, &e) < 0) {
		fprintf(stderr, "driver: %s\n", e.msg);
		return 1;
	}
	FILE *lock = fopen(argv[2], "w");

	for (size_t i = 0; lock && i < t.nfiles; i++) {
		char hex[65];

		for (int k = 0; k < 32; k++) {
			hex[2 * k] = "0123456789abcdef"[t.files[i].sha256[k] >> 4];
			hex[2 * k + 1] = "0123456789abcdef"[t.files[i].sha256[k] & 15];
		}
		hex[64] = '\0';
		fputs(hex, lock);
		fputs("  ", lock);
		fputs(t.files[i].path, lock);
		fputc('\n', lock);
	}
	if (lock)
		fclose(lock);
	double total = now_ms() - t0;

	printf("files %zu bytes %llu patterns %zu threads %u walk_ms %.1f "
	       "hash_ms %.1f total_ms %.1f hits %zu findings %zu\n",
	       t.nfiles, (unsigned long long)t.bytes, scan_patterns(s),
	       t.threads, t.walk_ms, t.hash_ms, total, t.nhits, t.nfindings);
	for (size_t i = 0; i < t.nhits; i++)
		printf("hit %s %s offset %llu %s\n", sec[t.hits[i].secret].name,
		       t.files[t.hits[i].file].path,
		       (unsigned long long)t.hits[i].offset,
		       t.hits[i].encoding);
	tree_free(&t);
	scan_free(s);
	return 0;
}
