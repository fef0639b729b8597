/*
 * Supervision, end to end with real processes. Each scenario runs
 * supervise_run in a forked test process whose stdout and stderr are
 * pipes read here, so the relay's output (masked) and the phase line can
 * be compared exactly, and the changes supervise_run makes to its process
 * (subreaper, non-dumpable, blocked signals) stay in that process. Builds
 * are /bin/sh -c commands; the pids they print are checked in /proc after
 * the scenario to prove that nothing of the build outlived it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "buf.h"
#include "supervise.h"
#include "tap.h"

/* What one scenario produced. */
struct outcome {
	int rc;			   /* supervise_run's return */
	struct err e;		   /* when rc < 0 */
	struct supervise_result r; /* scalars only; named is in names */
	char names[256];	   /* the named list, comma-separated */
	char watched[256];	   /* the watched list, comma-separated */
	char lines[1024];	   /* their lines, '|'-separated */
	int mask_same;		   /* the signal mask was given back */
	int pipe_same;		   /* and SIGPIPE's disposition */
	int dumpable;		   /* PR_GET_DUMPABLE afterwards */
	int subreaper;		   /* PR_GET_CHILD_SUBREAPER afterwards */
	long elapsed_ms;	   /* of supervise_run, measured outside */
	struct buf out, err;
	int crashed; /* the test process did not report */
};

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the test process: run, then send the outcome back on fd. */
static void test_process(const struct supervise_opts *o, int fd,
			 int close_stdout_reader)
{
	struct outcome oc;
	sigset_t before, after;
	struct sigaction pb, pa;
	long t;

	memset(&oc, 0, sizeof oc);
	(void)close_stdout_reader;
	/* The kernel fills only its 64 bits of glibc's 1024-bit sigset_t;
	 * zero both so memcmp compares the mask, not stack garbage. */
	memset(&before, 0, sizeof before);
	memset(&after, 0, sizeof after);
	sigprocmask(SIG_SETMASK, NULL, &before);
	sigaction(SIGPIPE, NULL, &pb);
	t = mono_ms();
	oc.rc = supervise_run(o, &oc.r, &oc.e);
	oc.elapsed_ms = mono_ms() - t;
	sigprocmask(SIG_SETMASK, NULL, &after);
	sigaction(SIGPIPE, NULL, &pa);
	oc.mask_same = memcmp(&before, &after, sizeof before) == 0;
	oc.pipe_same = pb.sa_handler == pa.sa_handler;
	oc.dumpable = prctl(PR_GET_DUMPABLE);
	{
		int v = 0;

		prctl(PR_GET_CHILD_SUBREAPER, &v);
		oc.subreaper = v;
	}
	for (size_t i = 0; i < oc.r.nnamed; i++) {
		if (i > 0)
			strncat(oc.names, ",",
				sizeof oc.names - strlen(oc.names) - 1);
		strncat(oc.names, oc.r.named[i],
			sizeof oc.names - strlen(oc.names) - 1);
	}
	for (size_t i = 0; i < oc.r.nwatched; i++) {
		if (i > 0)
			strncat(oc.watched, ",",
				sizeof oc.watched - strlen(oc.watched) - 1);
		strncat(oc.watched, oc.r.watched[i],
			sizeof oc.watched - strlen(oc.watched) - 1);
		if (i > 0)
			strncat(oc.lines, "|",
				sizeof oc.lines - strlen(oc.lines) - 1);
		strncat(oc.lines, oc.r.watched_line[i],
			sizeof oc.lines - strlen(oc.lines) - 1);
	}
	supervise_result_free(&oc.r);
	(void)!write(fd, &oc, sizeof oc);
	_exit(0);
}

/* Runs one scenario. With close_stdout, the reader of the test process's
 * stdout goes away at once (a `| head` that exits). */
static void scenario(const struct supervise_opts *o, struct outcome *oc,
		     int close_stdout)
{
	int po[2], pe[2], pr[2];
	struct pollfd pf[3];
	struct outcome got;
	size_t gotlen = 0;
	pid_t pid;

	memset(oc, 0, sizeof *oc);
	oc->crashed = 1;
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
	    pipe2(pr, O_CLOEXEC) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(pr[0]);
		test_process(o, pr[1], close_stdout);
	}
	close(po[1]);
	close(pe[1]);
	close(pr[1]);
	if (close_stdout) {
		close(po[0]);
		po[0] = -1;
	}
	pf[0] = (struct pollfd){.fd = po[0], .events = POLLIN};
	pf[1] = (struct pollfd){.fd = pe[0], .events = POLLIN};
	pf[2] = (struct pollfd){.fd = pr[0], .events = POLLIN};
	while (pf[0].fd >= 0 || pf[1].fd >= 0 || pf[2].fd >= 0) {
		if (poll(pf, 3, 30000) <= 0)
			break;
		for (int i = 0; i < 3; i++) {
			char b[65536];
			ssize_t n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if (i == 2)
				n = read(pf[i].fd, (char *)&got + gotlen,
					 sizeof got - gotlen);
			else
				n = read(pf[i].fd, b, sizeof b);
			if (n <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				continue;
			}
			if (i == 2)
				gotlen += (size_t)n;
			else
				buf_add(i == 0 ? &oc->out : &oc->err, b,
					(size_t)n);
		}
	}
	for (int i = 0; i < 3; i++)
		if (pf[i].fd >= 0) {
			kill(pid, SIGKILL);
			close(pf[i].fd);
		}
	waitpid(pid, NULL, 0);
	if (gotlen == sizeof got) {
		struct buf out = oc->out, err = oc->err;

		*oc = got;
		oc->out = out;
		oc->err = err;
		oc->crashed = 0;
	}
	if (oc->out.p == NULL)
		buf_adds(&oc->out, "");
	if (oc->err.p == NULL)
		buf_adds(&oc->err, "");
}

static void outcome_free(struct outcome *oc)
{
	buf_free(&oc->out);
	buf_free(&oc->err);
}

extern char **environ;

static char *sh_argv[4] = {"sh", "-c", NULL, NULL};

/* Options for `sh -c script` with the test runner's environment. */
static struct supervise_opts sh_opts(const char *script)
{
	struct supervise_opts o;

	memset(&o, 0, sizeof o);
	sh_argv[2] = (char *)(uintptr_t)script;
	o.argv = sh_argv;
	o.envp = environ;
	o.timeout_ms = -1;
	o.grace_ms = -1;
	o.drain_ms = -1;
	return o;
}

static int contains(const struct buf *b, const char *s)
{
	return b->p != NULL && memmem(b->p, b->len, s, strlen(s)) != NULL;
}

/* Shows a captured buffer on one diagnostic line, escaped. */
static void show(const char *label, const struct buf *b)
{
	char line[600];
	size_t k = 0;

	for (size_t i = 0; b->p != NULL && i < b->len && k < 500; i++) {
		unsigned char c = (unsigned char)b->p[i];

		if (c == '\n') {
			line[k++] = '\\';
			line[k++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			line[k++] = '?';
		} else {
			line[k++] = (char)c;
		}
	}
	line[k] = '\0';
	tap_diag("%s: \"%s\"", label, line);
}

/* The captured stream holds needle. */
static int has(const struct buf *b, const char *needle, const char *what)
{
	int ok = T_OK(contains(b, needle), "%s", what);

	if (!ok) {
		tap_diag("missing: %s", needle);
		show("in", b);
	}
	return ok;
}

/* Every pid (a number per line after "pid=") in the output is gone. */
static int pids_gone(const struct buf *b, int *count)
{
	const char *p = b->p;
	int all = 1;

	*count = 0;
	while (p != NULL && (p = strstr(p, "pid=")) != NULL) {
		char path[64];

		p += 4;
		snprintf(path, sizeof path, "/proc/%ld", strtol(p, NULL, 10));
		(*count)++;
		if (access(path, F_OK) == 0) {
			tap_diag("still there: %s", path);
			all = 0;
		}
	}
	return all;
}

TAP_SUITE(supervise_exit_and_relay)
{
	struct supervise_opts o = sh_opts("echo out; echo err >&2; exit 0");
	struct outcome oc;

	scenario(&o, &oc, 0);
	T_OK(!oc.crashed && oc.rc == 0, "exit 0: supervise_run returns 0");
	T_INT(oc.r.status, 0, "status 0");
	T_STR(oc.out.p, "out\n", "stdout relayed exactly");
	if (!T_OK(strncmp(oc.err.p, "err\ncleanroom: build: exit 0 in 0.",
			  34) == 0,
		  "stderr relayed, then the phase line"))
		show("stderr", &oc.err);
	T_OK(oc.mask_same && oc.pipe_same,
	     "signal mask and SIGPIPE given back");
	T_OK(oc.dumpable == 0 && oc.subreaper == 1,
	     "the supervisor stays non-dumpable and a subreaper");
	outcome_free(&oc);

	o = sh_opts("echo failing >&2; exit 3");
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 3, "exit 3");
	T_INT(oc.r.exit_code, 3, "exit code recorded");
	T_STR(oc.err.p, "failing\n", "quiet: no phase line");
	outcome_free(&oc);

	/* Much output, through both pipes at once. */
	o = sh_opts("head -c 3000000 /dev/zero | tr '\\0' a & "
		    "head -c 2000000 /dev/zero | tr '\\0' b >&2; wait");
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_INT(oc.out.len, 3000000, "3 MB of stdout relayed whole");
	T_INT(oc.err.len, 2000000, "2 MB of stderr relayed whole");
	outcome_free(&oc);
}

TAP_SUITE(supervise_exec_failures)
{
	char dir[] = "/tmp/cleanroom-sv.XXXXXX";
	char path[256], script[512];
	char *envp[] = {NULL, NULL};
	char penv[300];
	char *argv[] = {NULL, NULL};
	struct supervise_opts o = sh_opts("");
	struct outcome oc;
	int fd;

	T_OK(mkdtemp(dir) != NULL, "temp dir");
	snprintf(penv, sizeof penv, "PATH=/nonexistent:%s", dir);
	envp[0] = penv;
	o.envp = envp;
	o.argv = argv;

	argv[0] = "no-such-command-cleanroom";
	scenario(&o, &oc, 0);
	T_INT(oc.rc, 0, "not found: supervise_run returns 0");
	T_INT(oc.r.status, 127, "not found: 127");
	T_OK(oc.r.exec_failed, "exec_failed set");
	has(&oc.err,
	    "cleanroom: build: no-such-command-cleanroom:"
	    " command not found in PATH (/nonexistent:",
	    "names the command and the child's PATH: %s");
	outcome_free(&oc);

	/* Found in the child's PATH only: the parent's PATH is not used. */
	snprintf(path, sizeof path, "%s/mytool", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	snprintf(script, sizeof script, "#!/bin/sh\necho \"mytool $1\"\n");
	(void)!write(fd, script, strlen(script));
	close(fd);
	{
		char *a2[] = {"mytool", "arg", NULL};

		o.argv = a2;
		o.quiet = 1;
		scenario(&o, &oc, 0);
		T_INT(oc.r.status, 0, "found in the child's PATH");
		T_STR(oc.out.p, "mytool arg\n", "ran it with its argument");
		outcome_free(&oc);
		envp[0] = "PATH=/usr/bin:/bin";
		scenario(&o, &oc, 0);
		T_INT(oc.r.status, 127, "not in that PATH: 127");
		outcome_free(&oc);
		envp[0] = penv;
		o.argv = argv;
		o.quiet = 0;
	}

	/* Found but not executable. */
	snprintf(path, sizeof path, "%s/notexec", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	(void)!write(fd, "echo hi\n", 8);
	close(fd);
	argv[0] = "notexec";
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 126, "not executable: 126");
	has(&oc.err, "notexec: found in PATH but not executable", "says so");
	outcome_free(&oc);
	argv[0] = path;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 126, "by path, not executable: 126");
	has(&oc.err, "notexec: Permission denied", "says so");
	outcome_free(&oc);

	/* A directory of that name. */
	snprintf(path, sizeof path, "%s/adir", dir);
	mkdir(path, 0755);
	argv[0] = "adir";
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 126, "a directory in PATH: 126");
	outcome_free(&oc);

	/* Missing by path. */
	argv[0] = "/nonexistent/tool";
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 127, "missing by path: 127");
	has(&oc.err, "/nonexistent/tool: No such file or directory", "says so");
	outcome_free(&oc);

	/* Executable without #!: run by /bin/sh, as execvp does. */
	snprintf(path, sizeof path, "%s/noshebang", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	(void)!write(fd, "echo \"plain $1\"; exit 5\n", 24);
	close(fd);
	{
		char *a3[] = {"noshebang", "x", NULL};

		o.argv = a3;
		o.quiet = 1;
		scenario(&o, &oc, 0);
		T_INT(oc.r.status, 5, "script without #! runs under sh");
		T_STR(oc.out.p, "plain x\n", "with its arguments");
		T_OK(!oc.r.exec_failed, "not an exec failure");
		outcome_free(&oc);
	}
	/* The build's own 127 is not an exec failure. */
	o = sh_opts("exit 127");
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_OK(oc.r.status == 127 && !oc.r.exec_failed,
	     "the command's own exit 127 is just its status");
	outcome_free(&oc);

	snprintf(script, sizeof script, "rm -rf %s", dir);
	(void)!system(script);
}

TAP_SUITE(supervise_signals_and_timeout)
{
	struct supervise_opts o = sh_opts("kill -USR1 $$");
	struct outcome oc;

	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 128 + SIGUSR1, "killed by SIGUSR1: 138");
	T_INT(oc.r.signal, SIGUSR1, "signal recorded");
	has(&oc.err,
	    "cleanroom: build: killed by SIGUSR1 (exit "
	    "138) in ",
	    "phase line: %s");
	outcome_free(&oc);

	o = sh_opts("echo started; exec sleep 1000");
	o.timeout_ms = 300;
	o.grace_ms = 200;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 124, "timeout: 124");
	T_OK(oc.r.timed_out, "timed_out set");
	T_INT(oc.r.signal, SIGTERM, "ended by the SIGTERM");
	T_OK(oc.elapsed_ms >= 300 && oc.elapsed_ms < 3000,
	     "returned after the timeout (%ld ms)", oc.elapsed_ms);
	T_STR(oc.out.p, "started\n", "output before the timeout relayed");
	has(&oc.err,
	    "cleanroom: build: timed out after 0.30 s, "
	    "killed (exit 124)",
	    "phase line: %s");
	outcome_free(&oc);

	/* Ignores SIGTERM: SIGKILL after the grace. */
	o = sh_opts("trap '' TERM; echo pid=$$; sleep 1000; echo survived");
	o.timeout_ms = 300;
	o.grace_ms = 200;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 124, "TERM ignored: still 124");
	T_INT(oc.r.signal, SIGKILL, "ended by SIGKILL after the grace");
	T_OK(oc.elapsed_ms >= 500 && oc.elapsed_ms < 3000,
	     "after timeout + grace (%ld ms)", oc.elapsed_ms);
	T_OK(!contains(&oc.out, "survived"), "never ran on");
	{
		int n, gone = pids_gone(&oc.out, &n);

		T_OK(gone && n == 1, "the build is gone");
	}
	outcome_free(&oc);

	/* A build that writes without pause (its output dropped: nobody
	 * reads the supervisor's stdout) still times out on time. */
	o = sh_opts("exec yes");
	o.timeout_ms = 300;
	o.grace_ms = 200;
	o.quiet = 1;
	scenario(&o, &oc, 1);
	T_INT(oc.r.status, 124, "endless output: still times out");
	T_OK(oc.elapsed_ms < 2000, "on time (%ld ms)", oc.elapsed_ms);
	outcome_free(&oc);

	/* SIGTERM to the supervisor is passed to the build's group: the
	 * sleep (started before the signal, so surely in the group) dies of
	 * it along with the shell. */
	o = sh_opts("sleep 1000 & echo pid=$!; kill -TERM $PPID; wait $!");
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 128 + SIGTERM, "forwarded SIGTERM: 143");
	T_INT(oc.r.forwarded, SIGTERM, "forwarded recorded");
	T_INT(oc.r.swept, 0, "the sleep in the group got it: nothing swept");
	{
		int n, gone = pids_gone(&oc.out, &n);

		T_OK(gone && n == 1, "the sleep is gone");
	}
	T_OK(oc.elapsed_ms < SUPERVISE_DRAIN_MS,
	     "promptly, no drain wait (%ld ms)", oc.elapsed_ms);
	T_OK(oc.mask_same, "nothing left blocked or pending");
	outcome_free(&oc);

	/* A build that handles it. (No background job here: dash's forked
	 * child keeps the trap until it execs, and a signal landing in that
	 * window is lost - the shell's race, not ours.) */
	o = sh_opts("trap 'echo got TERM; exit 7' TERM; kill -TERM $PPID; "
		    "while :; do sleep 0.05; done");
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 7, "forwarded SIGTERM: the build's trap ran");
	T_STR(oc.out.p, "got TERM\n", "its output");
	outcome_free(&oc);

	o = sh_opts("kill -INT $PPID; exec sleep 1000");
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 128 + SIGINT, "forwarded SIGINT: 130");
	T_INT(oc.r.forwarded, SIGINT, "forwarded recorded");
	outcome_free(&oc);

	/* A build that ignores the forwarded signal is killed after the
	 * grace. */
	o = sh_opts("trap '' HUP; kill -HUP $PPID; sleep 1000");
	o.grace_ms = 200;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 128 + SIGKILL, "ignored SIGHUP: killed after grace");
	T_INT(oc.r.forwarded, SIGHUP, "forwarded recorded");
	T_OK(oc.elapsed_ms < 3000, "promptly (%ld ms)", oc.elapsed_ms);
	outcome_free(&oc);
}

TAP_SUITE(supervise_sweep)
{
	/* Daemons that outlive a successful build: one in its own session,
	 * one double-forked (re-parented to the supervisor). */
	struct supervise_opts o =
		sh_opts("setsid sleep 1000 >/dev/null 2>&1 & echo pid=$!; "
			"(sleep 1001 >/dev/null 2>&1 & echo pid=$!); exit 0");
	struct outcome oc;
	int n;

	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 0, "daemons: the build's status is kept");
	T_OK(pids_gone(&oc.out, &n) && n == 2,
	     "setsid and double-forked daemons are gone");
	T_INT(oc.r.swept, 2, "two swept");
	has(&oc.err, "; killed 2 processes it left running",
	    "phase line says so");
	T_OK(oc.elapsed_ms < 2000,
	     "no drain wait: their output was "
	     "elsewhere (%ld ms)",
	     oc.elapsed_ms);
	outcome_free(&oc);

	/* A daemon that keeps the output open: the drain window. */
	o = sh_opts("setsid sleep 1000 & echo pid=$!; echo done");
	o.drain_ms = 300;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 0, "pipe held open: status 0");
	T_OK(oc.elapsed_ms >= 300 && oc.elapsed_ms < 2000,
	     "returned after the drain window (%ld ms)", oc.elapsed_ms);
	T_OK(oc.r.output_cut, "output_cut set");
	T_OK(pids_gone(&oc.out, &n) && n == 1, "the holder is gone");
	has(&oc.out, "done\n", "output before the cut relayed");
	outcome_free(&oc);

	/* Closes its output and keeps running: only the timeout ends it. */
	o = sh_opts("echo pid=$$; exec >&- 2>&-; sleep 1000");
	o.timeout_ms = 400;
	o.grace_ms = 200;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 124, "closed stdout and slept: timed out");
	T_OK(oc.elapsed_ms < 3000, "did not hang (%ld ms)", oc.elapsed_ms);
	T_OK(pids_gone(&oc.out, &n) && n == 1, "gone");
	outcome_free(&oc);

	/* A tree outside the group: setsid, then children and grandchildren,
	 * killed at the timeout. */
	o = sh_opts("setsid sh -c 'sleep 1000 & echo pid=$!; "
		    "sh -c \"sleep 1000 & echo pid=\\$!; wait\" & "
		    "echo pid=$!; wait' & echo pid=$!; sleep 1000");
	o.timeout_ms = 300;
	o.grace_ms = 100;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 124, "a setsid tree at the timeout: 124");
	T_OK(pids_gone(&oc.out, &n) && n == 4, "all four gone (%d)", n);
	T_OK(oc.r.swept >= 4, "swept %u", oc.r.swept);
	outcome_free(&oc);

	/* Many processes at once (a small fork storm). */
	o = sh_opts("i=0; while [ $i -lt 200 ]; do "
		    "setsid sleep 1000 >/dev/null 2>&1 & i=$((i+1)); done; "
		    "echo pid=$!; exit 0");
	scenario(&o, &oc, 0);
	T_INT(oc.r.swept, 200, "200 setsid sleepers swept");
	T_OK(pids_gone(&oc.out, &n), "the last one is gone");
	outcome_free(&oc);
}

TAP_SUITE(supervise_masking_and_names)
{
	static const char *const masks[] = {"kb_9f8e7d6c5b4a3210",
					    "pg_pass_2718", "abc"};
	static const char *const names[] = {"SECRET_KEY_BASE", "API_TOKEN",
					    "DATABASE_URL"};
	struct supervise_opts o = sh_opts(
		"printf 'key=kb_9f8e7'; sleep 0.1; "
		"printf 'd6c5b4a3210 ok abc\\n'; "
		"printf 'db pg_pass_' >&2; sleep 0.1; "
		"printf '2718!\\n' >&2; "
		"echo 'KeyError: key not found: \"SECRET_KEY_BASE\"' >&2; "
		"echo 'missing database_url' >&2; exit 1");
	struct outcome oc;

	o.masks = masks;
	o.nmasks = 3;
	o.withheld = names;
	o.nwithheld = 3;
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_STR(oc.out.p, "key=*** ok abc\n",
	      "stdout: a secret split across writes is masked");
	if (!T_OK(strncmp(oc.err.p, "db ***!\n", 8) == 0, "stderr masked too"))
		show("stderr", &oc.err);
	T_OK(!contains(&oc.out, "kb_9f8e7") && !contains(&oc.err, "2718"),
	     "no piece of a secret shows");
	T_INT(oc.r.status, 1, "status 1");
	T_STR(oc.names, "SECRET_KEY_BASE,DATABASE_URL",
	      "named withheld variables, in the options' order");
	outcome_free(&oc);
}

TAP_SUITE(supervise_watch)
{
	/* A string over SUPERVISE_WATCH_MAX bytes never matches, even
	 * when the output holds it. */
	static const char long_one[] =
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789";
	static const char *const watch[] = {
		"Temporary failure in name resolution",
		"ECONNREFUSED",
		"fetch failed",
		"never printed",
		long_one,
		"",
		"EAI_AGAIN",
	};
	struct supervise_opts o = sh_opts(
		/* split over three reads of stdout */
		"printf 'curl: Temporary fail'; sleep 0.1; "
		"printf 'ure in na'; sleep 0.1; printf 'me resolution\n'; "
		/* on stderr, split at the first byte */
		"printf 'E' >&2; sleep 0.1; "
		"printf 'CONNREFUSED 127.0.0.1:80\n' >&2; "
		/* after 100 KiB of other output: past any tail */
		"head -c 102400 /dev/zero | tr '\\0' x; "
		"echo 'TypeError: fetch failed'; "
		"echo "
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789; "
		/* split across the streams: not one occurrence */
		"printf 'EAI_' >&2; sleep 0.1; echo 'AGAIN'; exit 1");
	struct outcome oc;

	o.watch = watch;
	o.nwatch = sizeof watch / sizeof watch[0];
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_INT(oc.r.status, 1, "status 1");
	T_STR(oc.watched,
	      "Temporary failure in name resolution,ECONNREFUSED,fetch failed",
	      "watched strings found across reads, in the options' order; "
	      "not one split between stdout and stderr, an empty one or one "
	      "over SUPERVISE_WATCH_MAX bytes");
	{
		/* The line after 100 KiB of x: SUPERVISE_LINE_MAX / 2 bytes
		 * before "fetch failed", and the rest of it. */
		char want[SUPERVISE_LINE_MAX + 128];
		size_t k = strlen("TypeError: ");
		int n = snprintf(want, sizeof want,
				 "curl: Temporary failure in name resolution|"
				 "ECONNREFUSED 127.0.0.1:80|");

		memset(want + n, 'x', SUPERVISE_LINE_MAX / 2 - k);
		(void)snprintf(want + n + SUPERVISE_LINE_MAX / 2 - k,
			       sizeof want - (size_t)n -
				       (SUPERVISE_LINE_MAX / 2 - k),
			       "TypeError: fetch failed");
		T_STR(oc.lines, want,
		      "each with its line, also when the line and the string "
		      "came in pieces");
	}
	T_OK(contains(&oc.out, "me resolution\n") &&
		     contains(&oc.err, "ECONNREFUSED 127.0.0.1:80\n"),
	     "the output is relayed unchanged");
	outcome_free(&oc);

	o = sh_opts("echo 'ECONNREFUSED'; exit 0");
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_STR(oc.watched, "", "nothing watched: nothing found");
	T_INT((int)oc.r.nwatched, 0, "nwatched 0");
	outcome_free(&oc);
}

/* A child setup that drops every capability for good, as the sandbox
 * does: root without CAP_SYS_PTRACE. */
static int drop_caps(void *arg, int errfd)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	(void)arg;
	(void)errfd;
	memset(d, 0, sizeof d);
	for (int c = 0; c < 64; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	return syscall(SYS_capset, &h, d) < 0 ? -1 : 0;
}

static int failing_setup(void *arg, int errfd)
{
	const char *m = arg;

	(void)!write(errfd, m, strlen(m));
	return -1;
}

/* Checks what the child looks like when the setup runs. */
static int check_setup(void *arg, int errfd)
{
	char b[64];
	ssize_t n = readlink("/proc/self/fd/0", b, sizeof b - 1);

	(void)arg;
	if (getsid(0) != getpid() || getpgid(0) != getpid())
		return (void)!write(errfd, "not own session", 15), -1;
	if (n != 9 || memcmp(b, "/dev/null", 9) != 0)
		return (void)!write(errfd, "stdin not /dev/null", 19), -1;
	if (fcntl(errfd, F_GETFD) != FD_CLOEXEC)
		return (void)!write(errfd, "errfd not cloexec", 17), -1;
	return 0;
}

TAP_SUITE(supervise_child)
{
	struct supervise_opts o = sh_opts("echo should not run");
	struct outcome oc;
	const char *msg = "cleanroom: sandbox: landlock: test failure\n";

	o.child_setup = failing_setup;
	o.child_setup_arg = (void *)(uintptr_t)msg;
	scenario(&o, &oc, 0);
	T_INT(oc.rc, -1, "a failed setup fails supervise_run");
	T_INT(oc.r.status, 125, "status 125");
	T_STR(oc.e.msg, "sandbox: landlock: test failure",
	      "with the setup's line as the error");
	T_INT(oc.e.kind, ERR_SYSTEM, "ERR_SYSTEM");
	T_STR(oc.out.p, "", "the command never ran");
	outcome_free(&oc);

	/* Own session and group, stdin /dev/null, only 0-2 open. */
	o = sh_opts(
		"set -- $(cat /proc/$$/stat); "
		"[ \"$5\" = $$ ] && [ \"$6\" = $$ ] && echo own-session; "
		"readlink /proc/self/fd/0; ls /proc/self/fd | tr '\\n' ' '");
	o.child_setup = check_setup;
	o.quiet = 1;
	scenario(&o, &oc, 0);
	T_OK(oc.rc == 0, "setup checks passed: %s", oc.e.msg);
	T_STR(oc.out.p, "own-session\n/dev/null\n0 1 2 3 ",
	      "own session, stdin /dev/null, no inherited fds (3 is ls's)");
	outcome_free(&oc);

	/* Non-dumpable: the build, root without capabilities, cannot read
	 * the supervisor's environment or memory. */
	o = sh_opts("id -u; cat /proc/$PPID/environ >/dev/null; "
		    "cat /proc/$PPID/mem >/dev/null; "
		    "cat /proc/$PPID/maps >/dev/null; "
		    "cat /proc/$PPID/cmdline >/dev/null && echo cmdline-ok");
	o.child_setup = drop_caps;
	o.quiet = 1;
	scenario(&o, &oc, 0);
	if (getuid() == 0) {
		has(&oc.err, "environ: Permission denied", "environ: EACCES");
		has(&oc.err, "mem: Permission denied", "mem: EACCES");
		has(&oc.err, "maps: Permission denied", "maps: EACCES");
		has(&oc.out, "0\ncmdline-ok",
		    "as uid 0 (cmdline is world-readable, as always)");
	} else {
		has(&oc.err, "environ: Permission denied",
		    "environ: EACCES (not root)");
	}
	outcome_free(&oc);

	/* The reader of our stdout goes away: the relay drops, the build
	 * finishes, the supervisor survives. */
	o = sh_opts("i=0; while [ $i -lt 2000 ]; do echo line $i; "
		    "i=$((i+1)); done; exit 4");
	o.quiet = 1;
	scenario(&o, &oc, 1);
	T_OK(!oc.crashed, "no SIGPIPE death of the supervisor");
	T_INT(oc.r.status, 4, "the build ran to its end");
	outcome_free(&oc);
}

TAP_SUITE(supervise_describe_lines)
{
	struct supervise_result r;
	char b[256];

	memset(&r, 0, sizeof r);
	r.duration_ms = 1234;
	supervise_describe(&r, -1, b, sizeof b);
	T_STR(b, "build: exit 0 in 1.23 s", "exit 0");
	r.status = 137;
	r.signal = SIGKILL;
	r.swept = 1;
	supervise_describe(&r, -1, b, sizeof b);
	T_STR(b,
	      "build: killed by SIGKILL (exit 137) in 1.23 s; killed 1 "
	      "process it left running",
	      "signal and one swept");
	r.status = 124;
	r.timed_out = 1;
	r.swept = 3;
	supervise_describe(&r, 900000, b, sizeof b);
	T_STR(b,
	      "build: timed out after 900.00 s, killed (exit 124); 3 more "
	      "processes killed",
	      "timeout");
	memset(&r, 0, sizeof r);
	r.status = 7;
	r.forwarded = SIGINT;
	r.duration_ms = 50;
	supervise_describe(&r, -1, b, sizeof b);
	T_STR(b, "build: exit 7 in 0.05 s; SIGINT was passed on to it",
	      "forwarded");
}

TAP_SUITE(supervise_descendants_listing)
{
	pid_t kids[3];
	pid_t pid[64], ppid[64];
	size_t n = 0, m = 0;
	int p[2];
	char b[64] = {0};
	pid_t grand = 0;

	/* Two children and a grandchild whose parent is the first child. */
	(void)!pipe(p);
	kids[0] = fork();
	if (kids[0] == 0) {
		pid_t g = fork();

		if (g == 0) {
			pause();
			_exit(0);
		}
		dprintf(p[1], "%d\n", (int)g);
		pause();
		_exit(0);
	}
	kids[1] = fork();
	if (kids[1] == 0) {
		pause();
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], b, sizeof b - 1);
	close(p[0]);
	grand = (pid_t)strtol(b, NULL, 10);

	T_OK(supervise_descendants(pid, ppid, 64, &n, 1) == 0, "by scan");
	T_INT(n, 3, "three descendants by scan");
	T_OK(supervise_descendants(pid, ppid, 64, &m, 0) == 0,
	     "by task files (or the scan where the kernel has none)");
	T_INT(m, 3, "the same count");
	{
		int seen = 0;

		for (size_t i = 0; i < m && i < 64; i++) {
			if (pid[i] == grand && ppid[i] == kids[0])
				seen |= 1;
			if (pid[i] == kids[1] && ppid[i] == getpid())
				seen |= 2;
			if (pid[i] == grand) {
				for (size_t k = i; k < m; k++)
					if (pid[k] == kids[0])
						seen |= 4; /* child after */
			}
		}
		T_INT(seen, 3, "pids and parents, parents listed first");
	}
	kill(kids[0], SIGKILL);
	kill(kids[1], SIGKILL);
	kill(grand, SIGKILL);
	waitpid(kids[0], NULL, 0);
	waitpid(kids[1], NULL, 0);
}
