/*
 * `cleanroom start [OPTIONS] -- SERVER [ARG...]`: the Procfile wrapper.
 * Under an exclusive flock (two starts in one directory build once), the
 * stamp over the spec, the build's environment, the command and the
 * declared inputs is compared with the one recorded by the last successful
 * build. Fresh, and every output it recorded still there with its size
 * (all hashes too with --verify full): exec SERVER at once. Stale: build,
 * verify and lock as `run` does, record the stamp (written whole or not at
 * all), then exec SERVER. The server gets cleanroom's own, full
 * environment, not the build's, and cleanroom's pid.
 *
 * The state lives in .cleanroom/ in the working directory: the stamp and
 * output sizes (stamp), the stat cache (stamp-cache) and the lock file
 * (start.lock). It is kept out of the output roots so that it never
 * becomes part of the output set it describes.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "lock.h"
#include "msg.h"
#include "policy.h"
#include "stamp.h"
#include "verify.h"

extern char **environ;

#define STATE_DIR  ".cleanroom"
#define STAMP_FILE STATE_DIR "/stamp"
#define CACHE_FILE STATE_DIR "/stamp-cache"
#define LOCK_FILE  STATE_DIR "/start.lock"
#define STAMP_MAX  (64u << 20)

/* The stamp of what the build would be given now. */
static int current_stamp(const struct cli *c, char hex[65], struct err *e)
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
	if ((stats.hashed > 0 || cache.n != loaded) &&
	    stamp_cache_save(CACHE_FILE, &cache, e) < 0)
		goto out;
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
static int recorded_fresh(const char *hex)
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
static int record(const struct cli *c, const char *hex, struct err *e)
{
	struct config cfg;
	struct lock lk;
	struct buf text = {0};
	char *lock_path = NULL;
	int rc = -1;

	lock_init(&lk);
	if (config_load(c, &cfg, e) < 0)
		goto out;
	lock_path = verify_lock_path(&cfg.spec);
	if (lock_path == NULL || lock_load(lock_path, &lk, e) < 0)
		goto out;
	if (buf_printf(&text, "%s\n", hex) < 0)
		goto oom;
	for (size_t i = 0; i < lk.n; i++) {
		struct stat st;

		if (strchr(lk.v[i].path, '\n') != NULL ||
		    lstat(lk.v[i].path, &st) < 0)
			continue;
		if (buf_printf(&text, "%llu %s\n",
			       (unsigned long long)st.st_size,
			       lk.v[i].path) < 0)
			goto oom;
	}
	if (io_write_file_atomic(STAMP_FILE, text.p, text.len) < 0) {
		err_sys(e, errno, "%s", STAMP_FILE);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	err_sys(e, ENOMEM, "start");
out:
	buf_free(&text);
	free(lock_path);
	lock_free(&lk);
	config_free(&cfg);
	return rc;
}

/* --verify full: every check and the lock, as `cleanroom verify`. */
static int verify_full(const struct cli *c, struct err *e)
{
	struct cli vc = *c;

	vc.cmd = CMD_VERIFY;
	return cmd_verify(&vc, e);
}

static int exec_server(const struct cli *c, struct err *e)
{
	/* The lock fd is close-on-exec: the next start may proceed. */
	execvp(c->argv[0], c->argv);
	err_set(e, ERR_CHILD, NULL, 0, 0, "cannot run %s: %s", c->argv[0],
		strerror(errno));
	e->status = errno == ENOENT ? 127 : 126;
	return -1;
}

int cmd_start(const struct cli *server, struct err *e)
{
	/* The command after -- is the server's; the build's comes from the
	 * spec or the preset, in everything but exec_server. */
	struct cli bc = *server, *c = &bc;
	char hex[65];
	int fd, full = c->verify != NULL && strcmp(c->verify, "full") == 0;
	double t0 = io_now_ms();

	bc.argv = NULL;
	bc.argc = 0;
	if (mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "%s", STATE_DIR);
	fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(e, errno, "%s", LOCK_FILE);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "locking %s", LOCK_FILE);
	if (current_stamp(c, hex, e) < 0)
		return -1;
	if (recorded_fresh(hex) && (!full || verify_full(c, e) == 0)) {
		msg_info("start: fresh (stamp %.12s, %.1f ms): starting %s",
			 hex, io_now_ms() - t0, server->argv[0]);
		return exec_server(server, e);
	}
	msg_info("start: stale (stamp %.12s): building", hex);
	/* The build is run's, with the spec's or the preset's command: the
	 * command after -- is the server's. */
	bc.cmd = CMD_RUN;
	if (cmd_run(&bc, e) < 0) {
		struct err why = *e;

		if (!c->serve_stale || why.kind == ERR_USAGE ||
		    access(STAMP_FILE, F_OK) != 0)
			return -1;
		msg_warn("the build failed (%s); serving the previous "
			 "verified outputs (--serve-stale)",
			 why.msg);
		return exec_server(server, e);
	}
	if (record(c, hex, e) < 0)
		return -1;
	msg_info("start: built and recorded in %.2f s: starting %s",
		 (io_now_ms() - t0) / 1e3, server->argv[0]);
	return exec_server(server, e);
}
