/*
 * The sandbox applied for real, in forked children: after sandbox_apply
 * each hostile operation is tried and its exact errno checked (the env
 * files unreadable, also through a symlink, a hard link or a rename into a
 * writable dir; writes only beneath the writable paths; no network; no
 * capabilities; no_new_privs; the limits). Also the probe, the summary
 * line, sandbox_missing, and the plan errors of sandbox_prepare.
 *
 * A layer this machine lacks is a skip, and a skip fails under
 * MUST_WORK=1 (CI), as in the integration tests.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/securebits.h>

#include "sandbox.h"
#include "tap.h"

static char root[4096]; /* the scratch tree */

static void skip(const char *why)
{
	const char *mw = getenv("MUST_WORK");

	if (mw != NULL && strcmp(mw, "1") == 0)
		T_OK(0, "skipped but MUST_WORK=1: %s", why);
	else
		tap_diag("SKIP %s", why);
}

static void path(char *buf, size_t size, const char *rel)
{
	(void)snprintf(buf, size, "%s/%s", root, rel);
}

static int put_file(const char *rel, const char *text)
{
	char p[4200];
	int fd, ok;

	path(p, sizeof p, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	(void)close(fd);
	return ok ? 0 : -1;
}

static int make_dir(const char *rel)
{
	char p[4200];

	path(p, sizeof p, rel);
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The scratch tree:
 *   app/                    the workdir (read-only for the build)
 *   app/.aptible.env        hidden
 *   app/config/secrets.env  hidden, in a directory with other files
 *   app/config/app.yml, app/src/main.js
 *   app/public/assets/      writable (an output root)
 *   app/tmp/cache/          writable (scratch)
 *   tmp/                    writable (the private TMPDIR)
 *   outside.txt */
static int make_tree(void)
{
	char tmpl[] = "/tmp/cleanroom-sandbox.XXXXXX";

	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL)
		return -1;
	if (make_dir("app") < 0 || make_dir("app/config") < 0 ||
	    make_dir("app/src") < 0 || make_dir("app/public") < 0 ||
	    make_dir("app/public/assets") < 0 || make_dir("app/tmp") < 0 ||
	    make_dir("app/tmp/cache") < 0 || make_dir("tmp") < 0 ||
	    put_file("app/.aptible.env", "SECRET_KEY_BASE=hunter2hunter2\n") <
		    0 ||
	    put_file("app/config/secrets.env", "TOKEN=abc\n") < 0 ||
	    put_file("app/config/app.yml", "a: 1\n") < 0 ||
	    put_file("app/src/main.js", "console.log(1)\n") < 0 ||
	    put_file("outside.txt", "x\n") < 0)
		return -1;
	return 0;
}

static void remove_tree(void)
{
	char cmd[4200];

	if (root[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", root);
}

struct plan_store {
	char workdir[4200];
	char w[3][4200];
	char h[3][4200];
	const char *wv[3], *hv[3];
	struct sandbox_plan plan;
};

static void default_plan(struct plan_store *s)
{
	memset(s, 0, sizeof *s);
	path(s->workdir, sizeof s->workdir, "app");
	path(s->w[0], sizeof s->w[0], "app/public/assets");
	path(s->w[1], sizeof s->w[1], "app/tmp/cache");
	path(s->w[2], sizeof s->w[2], "tmp");
	path(s->h[0], sizeof s->h[0], "app/.aptible.env");
	path(s->h[1], sizeof s->h[1], "app/config/secrets.env");
	path(s->h[2], sizeof s->h[2], "missing.env"); /* skipped */
	for (int i = 0; i < 3; i++) {
		s->wv[i] = s->w[i];
		s->hv[i] = s->h[i];
	}
	s->plan.workdir = s->workdir;
	s->plan.writable = s->wv;
	s->plan.nwritable = 3;
	s->plan.hidden = s->hv;
	s->plan.nhidden = 3;
	s->plan.deny_network = 1;
	s->plan.limits = (struct spec_limits){-1, -1, -1, -1, -1};
	s->plan.limits.cpu_ms = 60000;
	s->plan.limits.files = 64;
	s->plan.limits.file_size = 4096;
}

/* Results from a forked child, checked in the parent. */
struct rec {
	char what[112];
	long long got, want;
	int is_errno; /* got and want are errnos (0: success) */
};

static int rec_fd = -1;

static void put_rec(const char *what, long long got, long long want,
		    int is_errno)
{
	struct rec r;

	memset(&r, 0, sizeof r);
	(void)snprintf(r.what, sizeof r.what, "%s", what);
	r.got = got;
	r.want = want;
	r.is_errno = is_errno;
	if (write(rec_fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(3);
}

/* An errno (0 for success) and the one expected. */
static void put(const char *what, long long got, long long want)
{
	put_rec(what, got, want, 1);
}

/* A value and the one expected. */
static void put_val(const char *what, long long got, long long want)
{
	put_rec(what, got, want, 0);
}

static long long err_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static const char *show(long long v, int is_errno, char *buf, size_t size)
{
	if (is_errno && v == 0)
		return "ok";
	if (is_errno && v > 0 && v < 4096)
		return sandbox_errno_name((int)v);
	(void)snprintf(buf, size, "%lld", v);
	return buf;
}

/* Forks; the child runs fn and reports with put(); the parent checks every
 * record. Returns the child's wait status. */
static int in_child(const char *what, void (*fn)(void *), void *arg)
{
	int fds[2], status = 0;
	pid_t pid;
	struct rec r;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		T_OK(0, "%s: pipe", what);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		T_OK(0, "%s: fork", what);
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		(void)close(fds[0]);
		rec_fd = fds[1];
		fn(arg);
		_exit(0);
	}
	(void)close(fds[1]);
	while (read(fds[0], &r, sizeof r) == (ssize_t)sizeof r) {
		char g[32], w[32];

		tap_ok(r.got == r.want, __FILE__, __LINE__,
		       "%s: %s (got %s, want %s)", what, r.what,
		       show(r.got, r.is_errno, g, sizeof g),
		       show(r.want, r.is_errno, w, sizeof w));
	}
	(void)close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

struct apply_arg {
	const struct sandbox_prepared *sp;
	const struct sandbox_status *st;
	int inherited_fd; /* opened without O_CLOEXEC before the fork */
	int abstract_ok;  /* the parent listens on the abstract socket */
	int unix_ok;	  /* the plan allows unix sockets */
	char abstract[64];
};

static int landlock_on(const struct sandbox_status *st)
{
	const struct sandbox_layer *l = sandbox_layer_find(st, "landlock");

	return l != NULL && l->state == LAYER_ON;
}

static long long open_err(const char *rel, int flags)
{
	char p[4200];
	int fd;

	path(p, sizeof p, rel);
	fd = open(p, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	(void)close(fd);
	return 0;
}

static long long rel2(int (*fn)(const char *, const char *), const char *a,
		      const char *b)
{
	char pa[4200], pb[4200];

	path(pa, sizeof pa, a);
	path(pb, sizeof pb, b);
	return err_of(fn(pa, pb));
}

static long long rel1(int (*fn)(const char *), const char *a)
{
	char pa[4200];

	path(pa, sizeof pa, a);
	return err_of(fn(pa));
}

static int mkdir_0755(const char *p)
{
	return mkdir(p, 0755);
}

static void check_fs(void)
{
	int fd;

	/* The env files: unreadable by path, by a symlink made in a
	 * writable dir, and neither linkable nor movable into one. */
	put("open(.aptible.env)", open_err("app/.aptible.env", O_RDONLY),
	    EACCES);
	put("open(config/secrets.env)",
	    open_err("app/config/secrets.env", O_RDONLY), EACCES);
	put("symlink to .aptible.env in tmp/",
	    rel2(symlink, "app/.aptible.env", "tmp/env-link"), 0);
	put("open(tmp/env-link)", open_err("tmp/env-link", O_RDONLY), EACCES);
	put("link(.aptible.env, tmp/)",
	    rel2(link, "app/.aptible.env", "tmp/env-hard"), EXDEV);
	put("link(.aptible.env, public/assets/)",
	    rel2(link, "app/.aptible.env", "app/public/assets/e"), EXDEV);
	put("rename(.aptible.env, tmp/)",
	    rel2(rename, "app/.aptible.env", "tmp/env-moved"), EACCES);
	put("rename(config/secrets.env, app/)",
	    rel2(rename, "app/config/secrets.env", "app/s.env"), EACCES);
	put("link(src/main.js, tmp/): read-only file into a writable dir",
	    rel2(link, "app/src/main.js", "tmp/main.js"), EXDEV);
	put("unlink tmp/env-link", rel1(unlink, "tmp/env-link"), 0);

	/* Everything else stays readable, the env files' dirs listable. */
	put("read src/main.js", open_err("app/src/main.js", O_RDONLY), 0);
	put("read config/app.yml (next to a hidden file)",
	    open_err("app/config/app.yml", O_RDONLY), 0);
	put("list app/", open_err("app", O_RDONLY | O_DIRECTORY), 0);
	put("list app/config/", open_err("app/config", O_RDONLY | O_DIRECTORY),
	    0);
	put("read /etc/passwd", err_of(access("/etc/passwd", R_OK)), 0);

	/* Writes only beneath the writable paths. */
	put("write src/main.js", open_err("app/src/main.js", O_WRONLY), EACCES);
	put("create app/new.txt", open_err("app/new.txt", O_WRONLY | O_CREAT),
	    EACCES);
	put("unlink src/main.js", rel1(unlink, "app/src/main.js"), EACCES);
	put("write outside.txt", open_err("outside.txt", O_WRONLY), EACCES);
	put("mkdir app/d", rel1(mkdir_0755, "app/d"), EACCES);
	put("create public/assets/a.css",
	    open_err("app/public/assets/a.css", O_WRONLY | O_CREAT), 0);
	put("truncate public/assets/a.css",
	    open_err("app/public/assets/a.css", O_WRONLY | O_TRUNC), 0);
	put("mkdir public/assets/js", rel1(mkdir_0755, "app/public/assets/js"),
	    0);
	put("create tmp/cache/x",
	    open_err("app/tmp/cache/x", O_WRONLY | O_CREAT), 0);
	put("create tmp/x (TMPDIR)", open_err("tmp/x", O_WRONLY | O_CREAT), 0);
	put("rename public/assets/a.css -> tmp/a.css",
	    rel2(rename, "app/public/assets/a.css", "tmp/a.css"), 0);
	put("rename tmp/a.css -> app/a.css (out of the writable set)",
	    rel2(rename, "tmp/a.css", "app/a.css"), EACCES);
	put("unlink tmp/a.css", rel1(unlink, "tmp/a.css"), 0);

	/* Devices. */
	put("/dev/null O_WRONLY|O_TRUNC",
	    err_of(fd = open("/dev/null", O_WRONLY | O_TRUNC | O_CLOEXEC)), 0);
	if (fd >= 0)
		(void)close(fd);
	put("/dev/urandom O_RDONLY",
	    err_of(fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)), 0);
	if (fd >= 0)
		(void)close(fd);
	/* /dev by entry: the harmless devices read-write, the fd links
	 * through /proc, and nothing else that is there. */
	{
		static const char *const ok[] = {
			"/dev/zero",
			"/dev/full",
			"/dev/random",
		};
		static const char *const no[] = {
			"/dev/tty",  "/dev/console", "/dev/ptmx",
			"/dev/kmsg", "/dev/mem",     "/dev/loop0",
			"/dev/tty1", "/dev/fuse",    "/dev/pts/ptmx",
		};
		char what[96];

		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
			if (access(ok[i], F_OK) != 0)
				continue;
			(void)snprintf(what, sizeof what, "%s O_WRONLY", ok[i]);
			put(what,
			    err_of(fd = open(ok[i], O_WRONLY | O_CLOEXEC)), 0);
			if (fd >= 0)
				(void)close(fd);
		}
		for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
			if (access(no[i], F_OK) != 0)
				continue;
			(void)snprintf(what, sizeof what, "%s O_RDONLY", no[i]);
			put(what,
			    err_of(fd = open(no[i], O_RDONLY | O_NOCTTY |
							    O_NONBLOCK |
							    O_CLOEXEC)),
			    EACCES);
			if (fd >= 0)
				(void)close(fd);
		}
		int pfd[2];

		/* /dev/fd/N of one of its own pipes: a link through
		 * /proc/self/fd to pipefs, which no rule needs to grant. */
		if (pipe2(pfd, O_CLOEXEC) == 0 &&
		    access("/dev/fd", F_OK) == 0) {
			(void)snprintf(what, sizeof what, "/dev/fd/%d", pfd[1]);
			put("/dev/fd/N of a pipe O_WRONLY",
			    err_of(fd = open(what, O_WRONLY | O_CLOEXEC)), 0);
			if (fd >= 0)
				(void)close(fd);
			(void)close(pfd[0]);
			(void)close(pfd[1]);
		}
		/* /dev/shm: a file the test put there stays unreadable, and
		 * nothing can be made there. (Directories stay listable:
		 * the walk grants READ_DIR from / down.) */
		(void)snprintf(what, sizeof what, "/dev/shm/cleanroom-unit-%d",
			       (int)getppid());
		fd = -1;
		if (access(what, F_OK) == 0)
			put("read a file in /dev/shm",
			    err_of(fd = open(what, O_RDONLY | O_CLOEXEC)),
			    EACCES);
		if (fd >= 0)
			(void)close(fd);
		(void)snprintf(what, sizeof what, "/dev/shm/cleanroom-new-%d",
			       (int)getpid());
		fd = -1;
		if (access("/dev/shm", F_OK) == 0)
			put("create a file in /dev/shm",
			    err_of(fd = open(what,
					     O_WRONLY | O_CREAT | O_CLOEXEC,
					     0600)),
			    EACCES);
		if (fd >= 0) {
			(void)close(fd);
			(void)unlink(what);
		}
	}
}

static void check_limits(void)
{
	struct rlimit rl;
	char p[4200], block[8192];
	int fd;
	ssize_t n;

	(void)getrlimit(RLIMIT_CORE, &rl);
	put_val("RLIMIT_CORE soft", (long long)rl.rlim_cur, 0);
	put_val("RLIMIT_CORE hard", (long long)rl.rlim_max, 0);
	(void)getrlimit(RLIMIT_FSIZE, &rl);
	put_val("RLIMIT_FSIZE", (long long)rl.rlim_cur, 4096);
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	put_val("RLIMIT_NOFILE", (long long)rl.rlim_max, 64);
	(void)getrlimit(RLIMIT_CPU, &rl);
	put_val("RLIMIT_CPU soft (s)", (long long)rl.rlim_cur, 60);
	put_val("RLIMIT_CPU hard (s)", (long long)rl.rlim_max, 65);
	put("raising RLIMIT_NOFILE",
	    err_of(setrlimit(RLIMIT_NOFILE, &(struct rlimit){128, 128})),
	    EPERM);

	/* RLIMIT_FSIZE: with SIGXFSZ ignored, the write stops at the limit
	 * and the next one fails with EFBIG. */
	(void)signal(SIGXFSZ, SIG_IGN);
	memset(block, 'x', sizeof block);
	path(p, sizeof p, "tmp/big");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	n = fd < 0 ? -1 : write(fd, block, sizeof block);
	put_val("write 8192 bytes under a 4096 limit: bytes written",
		(long long)n, 4096);
	put("the next write", err_of(write(fd, block, 1)), EFBIG);
	if (fd >= 0)
		(void)close(fd);
}

static void check_privileges(const struct sandbox_status *st)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	int bound = 0;

	memset(d, 0xff, sizeof d);
	put("capget", err_of(syscall(SYS_capget, &h, d)), 0);
	put_val("effective capabilities",
		(long long)(d[0].effective | d[1].effective), 0);
	put_val("permitted capabilities",
		(long long)(d[0].permitted | d[1].permitted), 0);
	put_val("inheritable capabilities",
		(long long)(d[0].inheritable | d[1].inheritable), 0);
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bound++;
	if (st->tried.cap_bound == 0)
		put_val("bounding set: capabilities left", bound, 0);
	put_val("ambient: CAP_CHOWN raised",
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0), 0);
	if (st->tried.secbits == 0)
		put_val("securebits", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0),
			SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
				SECBIT_NO_SETUID_FIXUP |
				SECBIT_NO_SETUID_FIXUP_LOCKED |
				SECBIT_KEEP_CAPS_LOCKED |
				SECBIT_NO_CAP_AMBIENT_RAISE |
				SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED);
	put_val("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
		1);
	put_val("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
}

static void check_network_and_processes(struct apply_arg *a)
{
	char p[64];
	int s, sv[2];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	put("socket(AF_INET)", err_of(socket(AF_INET, SOCK_STREAM, 0)),
	    EAFNOSUPPORT);
	put("socket(AF_INET6)", err_of(socket(AF_INET6, SOCK_DGRAM, 0)),
	    EAFNOSUPPORT);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	put(a->unix_ok ? "socket(AF_UNIX), unix sockets allowed"
		       : "socket(AF_UNIX)",
	    err_of(s), a->unix_ok ? 0 : EAFNOSUPPORT);
	put("socketpair(AF_UNIX)",
	    err_of(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)), 0);
	if (s >= 0 && a->abstract_ok && landlock_on(a->st) &&
	    a->st->landlock_abi >= 6) {
		/* The parent listens on an abstract socket outside the
		 * build's Landlock domain. */
		memcpy(sun.sun_path + 1, a->abstract, strlen(a->abstract));
		put("connect to an abstract socket outside",
		    err_of(connect(
			    s, (struct sockaddr *)&sun,
			    (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					1 + strlen(a->abstract)))),
		    EPERM);
	}
	put("ptrace(PTRACE_ATTACH, parent)",
	    err_of(syscall(SYS_ptrace, 16, getppid(), 0, 0)), EPERM);
	if (landlock_on(a->st) && a->st->landlock_abi >= 6)
		put("kill(parent, 0): signals scoped",
		    err_of(kill(getppid(), 0)), EPERM);
	if (landlock_on(a->st)) {
		/* The parent here is dumpable (cleanroom is not): Landlock's
		 * ptrace restriction alone refuses these. */
		(void)snprintf(p, sizeof p, "/proc/%d/environ", (int)getppid());
		put("open /proc/PARENT/environ",
		    err_of(s = open(p, O_RDONLY | O_CLOEXEC)), EACCES);
		(void)snprintf(p, sizeof p, "/proc/%d/mem", (int)getppid());
		put("open /proc/PARENT/mem",
		    err_of(s = open(p, O_RDONLY | O_CLOEXEC)), EACCES);
	}
	put("io_uring_setup", err_of(syscall(SYS_io_uring_setup, 8, NULL)),
	    ENOSYS);
	put("unshare(CLONE_NEWUSER)", err_of(syscall(SYS_unshare, 0x10000000)),
	    EPERM);
}

static void child_apply(void *arg)
{
	struct apply_arg *a = arg;

	/* The report pipe is errfd: the one fd above 2 that sandbox_apply
	 * leaves open. */
	if (sandbox_apply(a->sp, rec_fd) < 0)
		_exit(125);
	/* Before anything here opens a file that could take its number. */
	put("the inherited fd is closed",
	    err_of(fcntl(a->inherited_fd, F_GETFD)), EBADF);
	put("fd 2 stays open", err_of(fcntl(2, F_GETFD)), 0);
	if (landlock_on(a->st))
		check_fs();
	check_limits();
	check_privileges(a->st);
	check_network_and_processes(a);
	_exit(0);
}

/* Only the network and process checks (the file checks above change the
 * tree, so they run once). */
static void child_network(void *arg)
{
	struct apply_arg *a = arg;

	if (sandbox_apply(a->sp, rec_fd) < 0)
		_exit(125);
	check_network_and_processes(a);
	_exit(0);
}

static int listen_abstract(char *name, size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)snprintf(name, size, "cleanroom-test-%d", (int)getpid());
	memcpy(sun.sun_path + 1, name, strlen(name));
	if (s < 0 ||
	    bind(s, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     strlen(name))) < 0 ||
	    listen(s, 1) < 0) {
		if (s >= 0)
			(void)close(s);
		return -1;
	}
	return s;
}

/* 1 when every named layer is on; otherwise a skip naming the first that
 * is off. */
static int layers_on(const struct sandbox_status *st, const char *const *need,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sandbox_layer *l = sandbox_layer_find(st, need[i]);

		if (l == NULL || l->state != LAYER_ON) {
			char why[200];

			(void)snprintf(why, sizeof why, "%s is off here: %s",
				       need[i], l ? l->detail : "missing");
			skip(why);
			return 0;
		}
	}
	return 1;
}

static int all_on(const struct sandbox_status *st)
{
	static const char *const need[] = {"landlock", "seccomp", "caps",
					   "nnp"};

	return layers_on(st, need, sizeof need / sizeof need[0]);
}

TAP_SUITE(sandbox_apply_hostile)
{
	static const char *const need[] = {"seccomp", "caps", "nnp"};
	struct plan_store ps;
	struct sandbox_status st;
	struct sandbox_prepared *sp = NULL;
	struct err e = {0};
	struct apply_arg a = {0};
	int status, lsock, shm_fd;
	char shm[64];

	if (make_tree() < 0) {
		T_OK(0, "scratch tree");
		remove_tree();
		return;
	}
	default_plan(&ps);
	if (!T_OK(sandbox_probe(&ps.plan, &st, &e) == 0, "probe: %s", e.msg) ||
	    !layers_on(&st, need, sizeof need / sizeof need[0]))
		goto out;
	if (!landlock_on(&st))
		skip("landlock is off here: no filesystem checks");
	if (!T_OK(sandbox_prepare(&ps.plan, &st, &sp, &e) == 0, "prepare: %s",
		  e.msg))
		goto out;
	a.sp = sp;
	a.st = &st;
	a.inherited_fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC */
	(void)snprintf(shm, sizeof shm, "/dev/shm/cleanroom-unit-%d",
		       (int)getpid());
	shm_fd = open(shm, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (shm_fd >= 0)
		(void)close(shm_fd);
	lsock = listen_abstract(a.abstract, sizeof a.abstract);
	a.abstract_ok = lsock >= 0;
	status = in_child("apply", child_apply, &a);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "the sandboxed child exited 0 (status %#x)", status);
	/* Again with unix sockets allowed: socket(AF_UNIX) works, and
	 * Landlock still scopes abstract sockets. */
	sandbox_prepared_free(sp);
	sp = NULL;
	ps.plan.allow_unix_sockets = 1;
	if (T_OK(sandbox_prepare(&ps.plan, &st, &sp, &e) == 0,
		 "prepare, unix sockets allowed: %s", e.msg)) {
		a.sp = sp;
		a.unix_ok = 1;
		status = in_child("apply", child_network, &a);
		T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "unix sockets allowed: the sandboxed child exited 0 "
		     "(status %#x)",
		     status);
	}
	if (a.inherited_fd >= 0)
		(void)close(a.inherited_fd);
	if (lsock >= 0)
		(void)close(lsock);
	if (landlock_on(&st)) {
		char p[4200];

		path(p, sizeof p, "app/.aptible.env");
		T_OK(access(p, F_OK) == 0, ".aptible.env was not moved");
		path(p, sizeof p, "tmp/env-hard");
		T_OK(access(p, F_OK) < 0, "no hard link to it was made");
	}
	(void)unlink(shm);
out:
	sandbox_prepared_free(sp);
	remove_tree();
}

static void child_fsize(void *arg)
{
	const struct sandbox_prepared *sp = arg;
	char p[4200], block[8192];
	int fd;

	if (sandbox_apply(sp, rec_fd) < 0)
		_exit(125);
	memset(block, 'y', sizeof block);
	path(p, sizeof p, "tmp/filler");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	for (int i = 0; i < 4; i++)
		(void)!write(fd, block, sizeof block);
	_exit(0);
}

TAP_SUITE(sandbox_fsize_signal)
{
	struct plan_store ps;
	struct sandbox_status st;
	struct sandbox_prepared *sp = NULL;
	struct err e = {0};
	int status;

	if (make_tree() < 0) {
		T_OK(0, "scratch tree");
		remove_tree();
		return;
	}
	default_plan(&ps);
	if (sandbox_probe(&ps.plan, &st, &e) == 0 &&
	    sandbox_prepare(&ps.plan, &st, &sp, &e) == 0) {
		status = in_child("filler", child_fsize, sp);
		T_OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ,
		     "a disk filler is killed by SIGXFSZ (status %#x)", status);
	} else {
		T_OK(0, "probe/prepare: %s", e.msg);
	}
	sandbox_prepared_free(sp);
	remove_tree();
}

static void child_user(void *arg)
{
	const struct sandbox_prepared *sp = arg;
	pid_t kids[32];
	int n = 0, fork_err = 0;

	if (sandbox_apply(sp, rec_fd) < 0)
		_exit(125);
	put_val("getuid", getuid(), 65534);
	put_val("geteuid", geteuid(), 65534);
	put_val("getgid", getgid(), 65534);
	put("setuid(0)", err_of(setuid(0)), EPERM);
	put("create tmp/by-nobody",
	    open_err("tmp/by-nobody", O_WRONLY | O_CREAT), 0);
	/* RLIMIT_NPROC 8 for uid 65534: a fork bomb stops. */
	for (; n < 32; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			pause();
			_exit(0);
		}
		if (kids[n] < 0) {
			fork_err = errno;
			break;
		}
	}
	put("fork under RLIMIT_NPROC 8", fork_err, EAGAIN);
	put_val("forks before the limit stopped them (at most 8)", n <= 8, 1);
	for (int i = 0; i < n; i++)
		(void)kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	_exit(0);
}

TAP_SUITE(sandbox_user)
{
	struct plan_store ps;
	struct sandbox_status st;
	struct sandbox_prepared *sp = NULL;
	struct err e = {0};
	const struct sandbox_layer *l;
	const char *which = NULL;
	uid_t uid;
	gid_t gid;
	char p[4200];
	int status;

	if (geteuid() != 0) {
		skip("not root: the user layer needs root");
		return;
	}
	if (make_tree() < 0) {
		T_OK(0, "scratch tree");
		remove_tree();
		return;
	}
	default_plan(&ps);
	ps.plan.limits.processes = 8;

	/* As root without a user, the processes limit is not enforced,
	 * unless the build's cgroup holds it (pids.max binds uid 0 too). */
	if (T_OK(sandbox_probe(&ps.plan, &st, &e) == 0, "probe: %s", e.msg) &&
	    (st.cgroup.controllers & CG_PIDS)) {
		T_INT(st.nproc_unenforced, 0, "uid 0: the cgroup holds it");
	} else if (st.n > 0) {
		T_INT(st.nproc_unenforced, 1, "uid 0: processes unenforced");
		T_INT(sandbox_missing(&st, &which), 1, "missing for --strict");
		if (landlock_on(&st))
			T_STR(which, "limits", "the missing layer");
	}

	ps.plan.user = "nobody";
	if (!T_OK(sandbox_probe(&ps.plan, &st, &e) == 0, "probe: %s", e.msg))
		goto out;
	l = sandbox_layer_find(&st, "identity");
	if (!T_OK(l != NULL && l->state == LAYER_ON, "identity on: %s",
		  l ? l->detail : "?"))
		goto out;
	T_INT(st.build_uid, 65534, "build uid");
	T_INT(st.nproc_unenforced, 0, "processes enforced for nobody");
	if (!T_OK(sandbox_prepare(&ps.plan, &st, &sp, &e) == 0, "prepare: %s",
		  e.msg))
		goto out;
	T_INT(sandbox_user_ids(sp, &uid, &gid), 1, "the identity changes");
	T_INT(uid, 65534, "uid");
	path(p, sizeof p, "tmp");
	/* mkdtemp made the scratch root 0700: let the build user in. */
	T_OK(chmod(root, 0755) == 0 && chown(p, uid, gid) == 0,
	     "chown TMPDIR to the build user");
	status = in_child("user nobody", child_user, sp);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "the child exited 0 (status %#x)", status);
out:
	sandbox_prepared_free(sp);
	remove_tree();
}

TAP_SUITE(sandbox_probe_summary)
{
	struct plan_store ps;
	struct sandbox_status st, off;
	struct buf b = {0};
	struct err e = {0};
	const char *which = "x";
	char want[512];
	static const char *const names[] = {
		"fds",	       "identity", "limits",  "caps",
		"nnp",	       "landlock", "seccomp", "session",
		"environment", "netns",	   "cgroup"};
	char cg[160];

	default_plan(&ps);
	if (!T_OK(sandbox_probe(&ps.plan, &st, &e) == 0, "probe: %s", e.msg))
		return;
	T_INT(st.n, 11, "eleven layers");
	for (size_t i = 0; i < 11 && i < st.n; i++)
		T_STR(st.layer[i].name, names[i], "layer order");
	T_OK(st.kernel[0] != '\0', "kernel: %s", st.kernel);
	tap_diag("landlock ABI %d, seccomp mode %d, caps %#lx, userns %d",
		 st.landlock_abi, st.seccomp_mode, st.caps_held, st.userns);
	if (!all_on(&st))
		return;
	/* The cgroup comes last on the line, whether there is one or not
	 * (cgroup_describe is test_cgroup.c's). */
	cgroup_describe(&st.cgroup, cg, sizeof cg);
	T_INT(sandbox_missing(&st, &which), 0, "nothing missing");
	T_OK(which == NULL, "no name");
	(void)sandbox_summary(&st, &ps.plan, &b);
	(void)snprintf(
		want, sizeof want,
		"sandbox: landlock v%d fs%s \xc2\xb7 seccomp net-deny "
		"\xc2\xb7 caps 0 \xc2\xb7 nnp \xc2\xb7 uid %d \xc2\xb7 %s",
		st.landlock_abi, st.landlock_abi >= 4 ? "+tcp" : "",
		(int)geteuid(), cg);
	T_STR(b.p, want, "summary, everything on");

	/* No writable cgroup, as inside `docker build`: said last, and not
	 * a layer --strict asks for. */
	off = st;
	memset(&off.cgroup, 0, sizeof off.cgroup);
	for (size_t i = 0; i < off.n; i++)
		if (strcmp(off.layer[i].name, "cgroup") == 0)
			off.layer[i].state = LAYER_OFF_UNPRIVILEGED;
	buf_reset(&b);
	(void)sandbox_summary(&off, &ps.plan, &b);
	(void)snprintf(
		want, sizeof want,
		"sandbox: landlock v%d fs%s \xc2\xb7 seccomp net-deny "
		"\xc2\xb7 caps 0 \xc2\xb7 nnp \xc2\xb7 uid %d \xc2\xb7 no "
		"writable cgroup: per-process rlimits only",
		st.landlock_abi, st.landlock_abi >= 4 ? "+tcp" : "",
		(int)geteuid());
	T_STR(b.p, want, "summary, no writable cgroup");
	T_INT(sandbox_missing(&off, &which), 0, "not missing for --strict");

	/* Landlock blocked by the container's seccomp (Docker before
	 * 20.10.18): named, with its errno and its consequence. */
	off = st;
	for (size_t i = 0; i < off.n; i++)
		if (strcmp(off.layer[i].name, "landlock") == 0) {
			off.layer[i].state = LAYER_OFF_BLOCKED;
			off.layer[i].err = EPERM;
		}
	off.landlock_abi = 0;
	buf_reset(&b);
	(void)sandbox_summary(&off, &ps.plan, &b);
	(void)snprintf(want, sizeof want,
		       "sandbox: seccomp net-deny \xc2\xb7 caps 0 \xc2\xb7 nnp "
		       "\xc2\xb7 uid %d \xc2\xb7 landlock off (blocked by the "
		       "container's seccomp: EPERM): env files stay readable, "
		       "writes are not confined, /dev is not restricted "
		       "\xc2\xb7 %s",
		       (int)geteuid(), cg);
	T_STR(b.p, want, "summary, landlock blocked");
	T_INT(sandbox_missing(&off, &which), 1, "landlock missing");
	T_STR(which, "landlock", "named");

	/* A kernel without seccomp, network allowed. */
	off = st;
	for (size_t i = 0; i < off.n; i++)
		if (strcmp(off.layer[i].name, "seccomp") == 0) {
			off.layer[i].state = LAYER_OFF_KERNEL;
			off.layer[i].err = EINVAL;
		}
	ps.plan.deny_network = 0;
	buf_reset(&b);
	(void)sandbox_summary(&off, &ps.plan, &b);
	(void)snprintf(want, sizeof want,
		       "sandbox: landlock v%d fs \xc2\xb7 caps 0 \xc2\xb7 nnp "
		       "\xc2\xb7 uid %d \xc2\xb7 seccomp off (the kernel lacks "
		       "it: EINVAL): dangerous calls allowed \xc2\xb7 %s",
		       st.landlock_abi, (int)geteuid(), cg);
	T_STR(b.p, want, "summary, no seccomp, network allowed");
	buf_free(&b);
}

TAP_SUITE(sandbox_prepare_errors)
{
	struct plan_store ps;
	struct sandbox_status st;
	struct sandbox_prepared *sp = NULL;
	struct err e = {0};
	char want[9000];

	if (make_tree() < 0) {
		T_OK(0, "scratch tree");
		remove_tree();
		return;
	}
	default_plan(&ps);
	ps.plan.user = "no-such-user-here";
	T_INT(sandbox_probe(&ps.plan, &st, &e), -1, "unknown user: probe");
	T_INT(e.kind, ERR_CONFIG, "kind");
	T_STR(e.msg, "user no-such-user-here: no such user in /etc/passwd",
	      "message");

	default_plan(&ps);
	if (!T_OK(sandbox_probe(&ps.plan, &st, &e) == 0, "probe: %s", e.msg))
		goto out;
	if (sandbox_layer_find(&st, "landlock")->state != LAYER_ON) {
		skip("landlock is off: no env-file conflict to find");
		goto out;
	}
	/* The workdir itself writable: its env file cannot be hidden. */
	ps.wv[1] = ps.workdir;
	T_INT(sandbox_prepare(&ps.plan, &st, &sp, &e), -1,
	      "env file inside a writable dir");
	T_INT(e.kind, ERR_CONFIG, "kind");
	(void)snprintf(want, sizeof want,
		       "the env file %s is inside the writable path %s: the "
		       "build could read it",
		       ps.h[0], ps.workdir);
	T_STR(e.msg, want, "message");
	T_OK(sp == NULL, "nothing prepared");
out:
	remove_tree();
}

TAP_SUITE(sandbox_close_fds)
{
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0) {
		T_OK(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int a = open("/dev/null", O_RDONLY), b = dup(a), c = dup(a);
		int keep[2] = {fds[1], b};

		(void)close(fds[0]);
		if (sandbox_close_fds(keep, 2) != 0)
			_exit(1);
		if (fcntl(a, F_GETFD) != -1 || fcntl(c, F_GETFD) != -1)
			_exit(2);
		if (fcntl(b, F_GETFD) < 0 || fcntl(fds[1], F_GETFD) < 0)
			_exit(3);
		_exit(0);
	}
	(void)close(fds[0]);
	(void)close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "close_fds closes all but 0-2 and the kept ones (status %#x)",
	     status);
}

struct netns_arg {
	const struct sandbox_prepared *sp;
	ino_t outside;
};

static void child_netns(void *arg)
{
	const struct netns_arg *a = arg;
	struct stat sb;

	if (sandbox_apply(a->sp, rec_fd) < 0)
		_exit(125);
	put("stat /proc/self/ns/net", err_of(stat("/proc/self/ns/net", &sb)),
	    0);
	put_val("a network namespace of its own", sb.st_ino != a->outside, 1);
	put("socket(AF_UNIX) refused by seccomp",
	    err_of(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)),
	    EAFNOSUPPORT);
	_exit(0);
}

/* The netns fallback (used when seccomp cannot deny the network): forced
 * on in a copy of the status, applied before the capabilities go. */
TAP_SUITE(sandbox_netns_fallback)
{
	struct plan_store ps;
	struct sandbox_status st;
	struct sandbox_prepared *sp = NULL;
	struct err e = {0};
	struct netns_arg a;
	struct stat sb;
	int status;

	default_plan(&ps);
	ps.plan.nwritable = 0;
	ps.plan.nhidden = 0;
	if (!T_OK(sandbox_probe(&ps.plan, &st, &e) == 0, "probe: %s", e.msg))
		return;
	if (!(st.caps_held & (1UL << 21))) {
		skip("no CAP_SYS_ADMIN: no network namespace");
		return;
	}
	for (size_t i = 0; i < st.n; i++)
		if (strcmp(st.layer[i].name, "netns") == 0)
			st.layer[i].state = LAYER_ON;
	if (!T_OK(sandbox_prepare(&ps.plan, &st, &sp, &e) == 0, "prepare: %s",
		  e.msg))
		return;
	a.sp = sp;
	a.outside = stat("/proc/self/ns/net", &sb) == 0 ? sb.st_ino : 0;
	status = in_child("netns", child_netns, &a);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "the child exited 0 (status %#x)", status);
	sandbox_prepared_free(sp);
}
