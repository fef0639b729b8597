/*
 * The freshness state of `cleanroom start` and `cleanroom run` (see
 * freshness.h).
 */
#include "freshness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "lock.h"
#include "policy.h"
#include "stamp.h"
#include "verify.h"

extern char **environ;

#define STAMP_FILE FRESHNESS_STAMP
#define CACHE_FILE FRESHNESS_DIR "/stamp-cache"
#define STAMP_MAX  (64u << 20)

/* The stamp of what the build would be given now. */
int freshness_stamp(const struct cli *c, char hex[65], struct err *e)
{
	struct config cfg;
	struct policy pol;
	struct stamp_input in = {0};
	struct stamp_cache cache = {0};
	struct buf spec = {0};
	const char **inputs = NULL;
	char **argv = NULL;
	struct stamp_stats stats;
	unsigned char sum[32];
	size_t loaded;
	int rc = -1;

	memset(&pol, 0, sizeof pol);
	if (config_load(c, &cfg, e) < 0 ||
	    policy_build(&cfg, environ, &pol, e) < 0)
		goto out;
	if (cfg.spec_found &&
	    io_read_file(cfg.spec.path, STAMP_MAX, &spec) < 0) {
		err_sys(e, errno, "%s", cfg.spec.path);
		goto out;
	}
	inputs = calloc(cfg.spec.inputs.n + 1, sizeof *inputs);
	argv = calloc(cfg.spec.command.n + 1, sizeof *argv);
	if (inputs == NULL || argv == NULL) {
		err_sys(e, ENOMEM, "start");
		goto out;
	}
	for (size_t i = 0; i < cfg.spec.inputs.n; i++)
		inputs[i] = cfg.spec.inputs.v[i].s;
	for (size_t i = 0; i < cfg.spec.command.n; i++)
		argv[i] = cfg.spec.command.v[i].s;
	in.spec = cfg.spec_found ? (spec.p ? spec.p : "") : NULL;
	in.spec_len = spec.len;
	in.env = pol.envp;
	in.argv = argv;
	in.shell = cfg.spec.command_shell;
	in.inputs = inputs;
	in.ninputs = cfg.spec.inputs.n;
	if (stamp_cache_load(CACHE_FILE, &cache, e) < 0)
		goto out;
	loaded = cache.n;
	if (stamp_compute(&in, &cache, sum, e) < 0)
		goto out;
	/* Nothing rehashed and no entry gone: the saved cache is still
	 * right (its older reference time only makes more entries racy),
	 * and the fresh path skips rewriting it. */
	stamp_cache_stats(&cache, &stats);
	if (stats.hashed > 0 || cache.n != loaded) {
		if (mkdir(FRESHNESS_DIR, 0755) < 0 && errno != EEXIST) {
			err_sys(e, errno, "%s", FRESHNESS_DIR);
			goto out;
		}
		if (stamp_cache_save(CACHE_FILE, &cache, e) < 0)
			goto out;
	}
	stamp_hex(sum, hex);
	rc = 0;
out:
	stamp_cache_free(&cache);
	free(inputs);
	free(argv);
	buf_free(&spec);
	policy_free(&pol);
	config_free(&cfg);
	return rc;
}

/* The recorded stamp matches and every output it lists is there with its
 * size. */
int freshness_fresh(const char *hex)
{
	struct buf text = {0};
	int fresh = 0;

	if (io_read_file(STAMP_FILE, STAMP_MAX, &text) < 0 || text.len < 65 ||
	    memcmp(text.p, hex, 64) != 0 || text.p[64] != '\n')
		goto out;
	fresh = 1;
	/* Lines after the first: "SIZE PATH" (paths without newlines; a
	 * path with one makes the set stale, which only costs a build). */
	for (char *line = text.p + 65; *line != '\0' && fresh;) {
		char *nl = strchr(line, '\n');
		char *sp = strchr(line, ' ');
		struct stat st;

		if (nl == NULL || sp == NULL || sp > nl) {
			fresh = 0;
			break;
		}
		*nl = '\0';
		fresh = lstat(sp + 1, &st) == 0 && S_ISREG(st.st_mode) &&
			(unsigned long long)st.st_size ==
				strtoull(line, NULL, 10);
		line = nl + 1;
	}
out:
	buf_free(&text);
	return fresh;
}

/* Records hex and the sizes of the files in the lock just written. */
int freshness_record(const struct cli *c, const char *hex, struct err *e)
{
	struct config cfg;
	struct lock lk;
	struct buf text = {0}, where = {0};
	char *lock_path = NULL;
	const char *wd;
	int rc = -1;

	lock_init(&lk);
	if (config_load(c, &cfg, e) < 0)
		goto out;
	/* The lock's paths are relative to the workdir; the state's to
	 * here. */
	wd = cfg.spec.workdir.s;
	if (wd != NULL && (strcmp(wd, ".") == 0 || wd[0] == '\0'))
		wd = NULL;
	lock_path = verify_lock_path(&cfg.spec);
	if (lock_path != NULL && wd != NULL && lock_path[0] != '/') {
		char *joined = NULL;

		if (asprintf(&joined, "%s/%s", wd, lock_path) < 0)
			joined = NULL;
		free(lock_path);
		lock_path = joined;
	}
	if (lock_path == NULL || lock_load(lock_path, &lk, e) < 0)
		goto out;
	if (buf_printf(&text, "%s\n", hex) < 0)
		goto oom;
	for (size_t i = 0; i < lk.n; i++) {
		struct stat st;

		if (strchr(lk.v[i].path, '\n') != NULL ||
		    buf_printf(&where, "%s%s%s", wd ? wd : "", wd ? "/" : "",
			       lk.v[i].path) < 0 ||
		    lstat(where.p, &st) < 0) {
			where.len = 0;
			continue;
		}
		where.len = 0;
		if (buf_printf(&text, "%llu %s%s%s\n",
			       (unsigned long long)st.st_size, wd ? wd : "",
			       wd ? "/" : "", lk.v[i].path) < 0)
			goto oom;
	}
	if ((mkdir(FRESHNESS_DIR, 0755) < 0 && errno != EEXIST) ||
	    io_write_file_atomic(STAMP_FILE, text.p, text.len) < 0) {
		err_sys(e, errno, "%s", STAMP_FILE);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	err_sys(e, ENOMEM, "start");
out:
	buf_free(&text);
	buf_free(&where);
	free(lock_path);
	lock_free(&lk);
	config_free(&cfg);
	return rc;
}
