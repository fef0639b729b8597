/*
 * The child between clone and exec: a clean slate for the build (signals,
 * session, fds, the workdir), the caller's sandbox setup, then the exec,
 * searching PATH as execvp would but in the build's environment. The
 * child shares cleanroom's memory until the exec (vclone.h): system calls,
 * stack buffers and snprintf only, no allocation and no lock; a failure is
 * written to the error pipe and ends the child at once.
 */
#include "supervise_parts.h"

#include "io.h"
#include "kabi.h"
#include "vclone.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void child_write(int errw, const char *a, const char *b, const char *c)
{
	char msg[PATH_MAX + 512];
	int n = snprintf(msg, sizeof msg, "%s%s%s", a, b, c);

	if (n > 0)
		(void)io_write_all(errw, msg, strnlen(msg, sizeof msg));
}

/* A setup step failed: say which, and never exec. */
static void child_die(int errw, const char *what, int errnum)
{
	char line[512];
	int n = snprintf(line, sizeof line, "build: %s: %s", what,
			 strerror(errnum));

	if (n > 0)
		(void)io_write_all(errw, line, strnlen(line, sizeof line));
	vclone_exit(EXIT_INTERNAL);
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* execve, and for a file the kernel cannot execute (no #! line) a retry
 * under /bin/sh, as execvp does. Returns the errno. */
static int try_exec(char *path, char *const *argv, char *const *envp)
{
	static char sh_name[] = "sh";
	char *sh_argv[256];
	size_t n = 0;

	execve(path, argv, envp);
	if (errno != ENOEXEC)
		return errno;
	while (argv[n] != NULL)
		n++;
	if (n + 2 > sizeof sh_argv / sizeof sh_argv[0] || n == 0)
		return ENOEXEC;
	sh_argv[0] = sh_name;
	sh_argv[1] = path;
	memcpy(sh_argv + 2, argv + 1, n * sizeof *argv); /* with the NULL */
	execve("/bin/sh", sh_argv, envp);
	return ENOEXEC;
}

/* execvpe's search over the child's PATH, without allocating:
 * EXIT_NOTFOUND when nothing was found, EXIT_NOEXEC when something was
 * found but would not run. */
static void exec_search(char *const *argv, char *const *envp, int errw)
{
	char *file = argv[0];
	const char *path, *p;
	char cand[PATH_MAX];
	size_t flen = strlen(file);
	int eacces = 0, err;
	char noscan[256] = "";
	struct stat st;

	if (flen == 0) {
		child_write(errw, "\001", "build: the command is empty", "");
		vclone_exit(EXIT_NOTFOUND);
	}
	if (strchr(file, '/') != NULL) {
		err = try_exec(file, argv, envp);
		child_write(errw, "\001build: ", file, ": ");
		child_write(errw, "", strerror(err), "");
		vclone_exit(err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	path = env_get(envp, "PATH");
	if (path == NULL)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path;; p++) {
		const char *colon = strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);

		/* An empty element means the current directory. */
		if (dlen + flen + 2 <= sizeof cand) {
			if (dlen > 0) {
				memcpy(cand, p, dlen);
				cand[dlen++] = '/';
			}
			memcpy(cand + dlen, file, flen + 1);
			err = try_exec(cand, argv, envp);
			switch (err) {
			case EACCES:
				/* The file is there and may not be run;
				 * or a directory on the way may not be
				 * searched (a 0700 /root in PATH, for the
				 * build user): then it was not found. */
				if (stat(cand, &st) == 0)
					eacces = 1;
				else if (noscan[0] == '\0')
					(void)snprintf(noscan, sizeof noscan,
						       "%.*s",
						       (int)(dlen > 1 ? dlen - 1
								      : dlen),
						       cand);
				break;
			case ENOENT:
			case ENOTDIR:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT: break;
			default:
				child_write(errw, "\001build: ", cand, ": ");
				child_write(errw, "", strerror(err), "");
				vclone_exit(EXIT_NOEXEC);
			}
		}
		p = colon;
		if (*p == '\0')
			break;
	}
	if (eacces) {
		child_write(errw, "\001build: ", file,
			    ": found in PATH but not executable (Permission "
			    "denied)");
		vclone_exit(EXIT_NOEXEC);
	}
	child_write(errw, "\001build: ", file, ": command not found in PATH ");
	child_write(errw, "(", path, ")");
	if (noscan[0] != '\0')
		child_write(errw, "; the build may not search ", noscan,
			    " (Permission denied)");
	vclone_exit(EXIT_NOTFOUND);
}

/* Puts fd on target, even when the two are equal or the source sits
 * on another target (the fds are moved above 2 first by the caller). */
static int move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* Every disposition back to SIG_DFL through the kernel's own call: the
 * libc's sigaction takes a lock for SIGABRT (musl's __abort_lock), which
 * the parent's memory holds. Its struct is the kernel's (handler, flags,
 * restorer, mask); SIG_DFL needs no restorer. */
static void signals_default(void)
{
	struct kabi_sigaction k = {SIG_DFL, 0, NULL, 0};
	unsigned long none = 0;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, s, &k, NULL,
				      sizeof k.mask);
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
		      sizeof none);
}

int sv_child_main(void *args)
{
	const struct sv_child_args *a = args;
	const struct sv *sv = a->sv;
	const struct supervise_opts *o = sv->o;
	int fds[3] = {a->null_fd, a->out_w, a->err_w};
	int errw = a->errw;
	int err;

	/* A clean slate for the build: no signal cleanroom's caller ignored
	 * or blocked, and none cleanroom blocked for its signalfd (vclone
	 * blocked them all). A signal forwarded before this point is
	 * delivered here and ends the child before it execs, as it
	 * should. */
	signals_default();

	if (setsid() < 0)
		child_die(errw, "setsid", errno);
	/* Nothing but 0-2 may reach the build, whatever the caller left
	 * open (the sandbox closes them too; this also covers a run without
	 * it). Best effort: close_range is Linux 5.9. */
	(void)syscall(__NR_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC_FLAG);
	for (int i = 0; i < 3; i++) {
		if (fds[i] > 2)
			continue;
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			child_die(errw, "dup", errno);
	}
	for (int i = 0; i < 3; i++)
		if (move_fd(fds[i], i) < 0)
			child_die(errw, "dup2", errno);
	if (o->workdir != NULL && chdir(o->workdir) < 0) {
		char what[PATH_MAX + 16];

		(void)snprintf(what, sizeof what, "chdir %s", o->workdir);
		child_die(errw, what, errno);
	}
	/* Into the build's cgroup while still root and before the sandbox
	 * closes the fds the parent opened for it. */
	if (sv->cg.n > 0 && (err = cgroup_enter(&sv->cg)) != 0)
		child_die(errw, "joining its cgroup", err);
	if (o->child_setup != NULL &&
	    o->child_setup(o->child_setup_arg, errw) < 0)
		vclone_exit(EXIT_INTERNAL);
	/* If cleanroom itself is killed, the command goes with it. Set after
	 * the setup: a change of uid clears it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sv->self)
		vclone_exit(EXIT_INTERNAL);
	exec_search(o->argv, o->envp, errw);
	return EXIT_INTERNAL;
}
