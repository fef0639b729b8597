/*
 * Running the build under supervision (supervise.h has the contract):
 * the parent's side.
 *
 * The parent is one poll loop over the build's stdout and stderr pipes, a
 * signalfd and the child's error pipe, with deadlines (timeout, grace,
 * drain) computed from one monotonic clock rather than a timer fd per
 * deadline. Signals are blocked before fork and read from the signalfd,
 * as bubblewrap's monitor does, so none is lost between fork and the
 * loop and no handler runs at an awkward moment; like tini, SIGCHLD is
 * not forwarded but answered by reaping, and the other termination
 * signals are passed to the build. The output is relayed through the
 * mask and the terminal filter, watched for the signs of a refusal. The
 * child's side is supervise_child.c; the processes and the sweep,
 * supervise_procs.c.
 */
#include "supervise_parts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "msg.h"
#include "vclone.h"
#include "vec.h"

/* ---- the parent's loop ------------------------------------------------- */

/* Looks for the strings not found yet in the n bytes at p, and in the
 * bytes where the previous read and this one meet. A string of L bytes
 * split across the two has at most L-1 bytes on either side, so the tail
 * and the head of this read, SUPERVISE_WATCH_MAX - 1 bytes each, hold
 * every such occurrence. */
/* The line that holds at, one of the n bytes at p: from at most
 * SUPERVISE_LINE_MAX / 2 bytes before at (in w->cur for the part that
 * came in earlier reads) to the line's end, SUPERVISE_LINE_MAX - 1 bytes
 * at most. */
static void keep_line(const struct watch_stream *w, char *line, const char *p,
		      size_t n, const char *at)
{
	const size_t half = SUPERVISE_LINE_MAX / 2;
	const char *start = at, *end;
	size_t len = 0;

	while (start > p && start[-1] != '\n' && (size_t)(at - start) < half)
		start--;
	if (start == p) {
		size_t want = half - (size_t)(at - start);
		size_t take = w->ncur < want ? w->ncur : want;

		memcpy(line, w->cur + w->ncur - take, take);
		len = take;
	}
	end = start;
	while (end < p + n && *end != '\n' &&
	       len + (size_t)(end - start) < SUPERVISE_LINE_MAX - 1)
		end++;
	memcpy(line + len, start, (size_t)(end - start));
	line[len + (size_t)(end - start)] = '\0';
}

/* w->cur after the n bytes at p: the current line's last bytes. */
static void track_line(struct watch_stream *w, const char *p, size_t n)
{
	const char *nl = memrchr(p, '\n', n);

	if (nl != NULL) {
		w->ncur = 0;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	if (n >= sizeof w->cur) {
		memcpy(w->cur, p + n - sizeof w->cur, sizeof w->cur);
		w->ncur = sizeof w->cur;
		return;
	}
	if (w->ncur + n > sizeof w->cur) {
		size_t drop = w->ncur + n - sizeof w->cur;

		memmove(w->cur, w->cur + drop, w->ncur - drop);
		w->ncur -= drop;
	}
	memcpy(w->cur + w->ncur, p, n);
	w->ncur += n;
}

static void watch_feed(struct watch_stream *w, const char *p, size_t n)
{
	char win[2 * sizeof w->tail];
	size_t head, keep;

	if (w->n == 0 || *w->left == 0 || n == 0)
		return;
	head = n < sizeof w->tail ? n : sizeof w->tail;
	memcpy(win, w->tail, w->ntail);
	memcpy(win + w->ntail, p, head);
	for (size_t i = 0; i < w->n; i++) {
		size_t len = strlen(w->s[i]);

		if (w->seen[i] || len == 0 || len > SUPERVISE_WATCH_MAX)
			continue;
		const char *at = memmem(p, n, w->s[i], len);

		if (at == NULL && memmem(win, w->ntail + head, w->s[i], len))
			at = p; /* across the reads: on the line p continues */
		if (at != NULL) {
			w->seen[i] = 1;
			(*w->left)--;
			keep_line(w, w->line[i], p, n, at);
		}
	}
	explicit_bzero(win, sizeof win);
	track_line(w, p, n);
	if (n >= sizeof w->tail) {
		memcpy(w->tail, p + n - sizeof w->tail, sizeof w->tail);
		w->ntail = sizeof w->tail;
		return;
	}
	keep = w->ntail + n > sizeof w->tail ? sizeof w->tail - n : w->ntail;
	memmove(w->tail, w->tail + w->ntail - keep, keep);
	memcpy(w->tail + keep, p, n);
	w->ntail = keep + n;
}

/* Writes all of b, waiting when the output is non-blocking. */
static int write_out(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};

			(void)poll(&pf, 1, 1000);
			continue;
		}
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void relay_flush(struct relay *rl)
{
	if (rl->buf.len > 0 && !rl->broken &&
	    write_out(rl->out, rl->buf.p, rl->buf.len) < 0)
		rl->broken = 1; /* EPIPE: nobody reads; keep draining */
	buf_reset(&rl->buf);
}

/* The masked bytes, made safe for a terminal (termsafe.h): secrets are
 * masked in what the build wrote, then control sequences neutralised in
 * what is shown. Out of memory: drop rather than print unmasked or
 * unfiltered. */
static void relay_show(struct relay *rl, int end)
{
	if (termsafe_feed(&rl->ts, rl->masked.p, rl->masked.len, &rl->buf) <
		    0 ||
	    (end && termsafe_finish(&rl->ts, &rl->buf) < 0)) {
		buf_reset(&rl->buf);
		(void)buf_adds(&rl->buf, "\n" MASK_TEXT " (output lost: out of "
					 "memory)\n");
	}
	buf_reset(&rl->masked);
}

static void relay_eof(struct relay *rl)
{
	close(rl->fd);
	rl->fd = -1;
	if (mask_stream_finish(&rl->ms, &rl->masked) < 0)
		buf_reset(&rl->masked);
	mask_names_finish(&rl->ns);
	relay_show(rl, 1);
	relay_flush(rl);
}

/* Reads what is there (at most max bytes). Returns the bytes read. */
static size_t relay_read(struct relay *rl, size_t max)
{
	char chunk[65536];
	size_t total = 0;

	while (rl->fd >= 0 && total < max) {
		ssize_t n = read(rl->fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			relay_eof(rl);
			break;
		}
		total += (size_t)n;
		mask_names_feed(&rl->ns, chunk, (size_t)n);
		watch_feed(&rl->ws, chunk, (size_t)n);
		if (mask_stream_feed(&rl->ms, chunk, (size_t)n, &rl->masked) <
		    0) {
			/* Out of memory: drop rather than print unmasked. */
			buf_reset(&rl->masked);
			(void)buf_adds(&rl->masked,
				       "\n" MASK_TEXT " (output lost: out of "
				       "memory)\n");
		}
		relay_show(rl, 0);
		relay_flush(rl);
		if ((size_t)n < sizeof chunk)
			break;
	}
	explicit_bzero(chunk, sizeof chunk);
	return total;
}

static void read_errfd(struct sv *sv)
{
	while (sv->errfd >= 0) {
		ssize_t n;

		if (sv->errlen + 1 >= sizeof sv->errmsg) {
			char sink[256];

			n = read(sv->errfd, sink, sizeof sink);
		} else {
			n = read(sv->errfd, sv->errmsg + sv->errlen,
				 sizeof sv->errmsg - 1 - sv->errlen);
			if (n > 0)
				sv->errlen += (size_t)n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(sv->errfd);
			sv->errfd = -1;
		}
	}
	sv->errmsg[sv->errlen] = '\0';
}

static int poll_timeout(const struct sv *sv, long long now)
{
	long long at = sv->grace_at;

	if (!sv->exited && !sv->r->timed_out && sv->timeout_at < at)
		at = sv->timeout_at;
	if (sv->exited && sv->drain_at < at)
		at = sv->drain_at;
	if (at == NEVER)
		return -1;
	if (at <= now)
		return 0;
	return at - now > INT_MAX ? INT_MAX : (int)(at - now);
}

/* Relays and reacts until the command has exited and its output is
 * closed, the drain window after its exit has passed, or the grace period
 * after a timeout or a forwarded signal is over. */
static void loop(struct sv *sv)
{
	long grace = sv->o->grace_ms < 0 ? SUPERVISE_GRACE_MS : sv->o->grace_ms;

	for (;;) {
		long long now = now_ms();
		struct pollfd pf[4];
		int np = 0, ip[2] = {-1, -1}, ie = -1;

		if (!sv->exited && !sv->r->timed_out && now >= sv->timeout_at) {
			sv->r->timed_out = 1;
			sv_signal_group(sv, SIGTERM);
			/* A stopped process would keep SIGTERM pending. */
			sv_signal_group(sv, SIGCONT);
			if (now + grace < sv->grace_at)
				sv->grace_at = now + grace;
		}
		if (sv->exited && sv->rl[0].fd < 0 && sv->rl[1].fd < 0 &&
		    sv->errfd < 0)
			return;
		if (sv->exited && now >= sv->drain_at) {
			sv->r->output_cut =
				sv->rl[0].fd >= 0 || sv->rl[1].fd >= 0;
			return;
		}
		if (now >= sv->grace_at)
			return;

		pf[np++] = (struct pollfd){.fd = sv->sfd, .events = POLLIN};
		if (sv->errfd >= 0) {
			ie = np;
			pf[np++] = (struct pollfd){.fd = sv->errfd,
						   .events = POLLIN};
		}
		for (int i = 0; i < 2; i++)
			if (sv->rl[i].fd >= 0) {
				ip[i] = np;
				pf[np++] = (struct pollfd){.fd = sv->rl[i].fd,
							   .events = POLLIN};
			}
		if (poll(pf, (nfds_t)np, poll_timeout(sv, now)) < 0) {
			if (errno == EINTR)
				continue;
			/* Cannot happen with valid fds; do not spin. */
			return;
		}
		if (pf[0].revents)
			sv_read_signals(sv, 1);
		if (ie >= 0 && pf[ie].revents)
			read_errfd(sv);
		/* A bounded read per turn: a build writing without pause must
		 * not keep the loop from its signals and deadlines. */
		for (int i = 0; i < 2; i++)
			if (ip[i] >= 0 && pf[ip[i]].revents)
				(void)relay_read(&sv->rl[i], 1u << 20);
	}
}

/* ---- putting it together ------------------------------------------------ */

static const char *sig_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},
		{SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
		{SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
		{SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
		{SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"},
		{SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
		{SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"},
		{SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
		{SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

static void secs(char *b, size_t size, long ms)
{
	(void)snprintf(b, size, "%ld.%02ld s", ms / 1000, (ms % 1000) / 10);
}

void supervise_describe(const struct supervise_result *r, long timeout_ms,
			char *buf, size_t size)
{
	struct buf b = {0};
	char d[48];
	const char *sn = sig_name(r->signal);

	secs(d, sizeof d, r->duration_ms);
	if (r->timed_out) {
		char t[48];

		secs(t, sizeof t, timeout_ms);
		(void)buf_printf(&b,
				 "build: timed out after %s, killed (exit %d)",
				 t, EXIT_TIMEOUT);
	} else if (r->signal != 0 && sn != NULL) {
		(void)buf_printf(&b, "build: killed by %s (exit %d) in %s", sn,
				 r->status, d);
	} else if (r->signal != 0) {
		(void)buf_printf(&b,
				 "build: killed by signal %d (exit %d) in "
				 "%s",
				 r->signal, r->status, d);
	} else {
		(void)buf_printf(&b, "build: exit %d in %s", r->status, d);
	}
	if (r->forwarded != 0 && sig_name(r->forwarded) != NULL)
		(void)buf_printf(&b, "; %s was passed on to it",
				 sig_name(r->forwarded));
	if (r->output_cut)
		(void)buf_adds(&b, "; its output was still held open after it "
				   "exited, and was cut off");
	/* After an exit, what is left was left running by the build; after
	 * a timeout or an interruption it was part of the running build. */
	if (r->swept > 0 && !r->timed_out && r->forwarded == 0)
		(void)buf_printf(&b, "; killed %u process%s it left running",
				 r->swept, r->swept == 1 ? "" : "es");
	else if (r->swept > 0)
		(void)buf_printf(&b, "; %u more process%s killed", r->swept,
				 r->swept == 1 ? "" : "es");
	if (r->unkillable > 0)
		(void)buf_printf(&b, "; %u processes would not die",
				 r->unkillable);
	if (size > 0) {
		size_t n = b.len < size - 1 ? b.len : size - 1;

		if (n > 0)
			memcpy(buf, b.p, n);
		buf[n] = '\0';
	}
	buf_free(&b);
}

void supervise_result_free(struct supervise_result *r)
{
	free(r->named);
	r->named = NULL;
	r->nnamed = 0;
	free(r->watched);
	r->watched = NULL;
	free(r->watched_line);
	r->watched_line = NULL;
	r->nwatched = 0;
}

static void relays_free(struct sv *sv)
{
	for (int i = 0; i < 2; i++) {
		if (sv->rl[i].fd >= 0)
			close(sv->rl[i].fd);
		mask_stream_free(&sv->rl[i].ms);
		explicit_bzero(sv->rl[i].ws.tail, sizeof sv->rl[i].ws.tail);
		explicit_bzero(sv->rl[i].ws.cur, sizeof sv->rl[i].ws.cur);
		buf_free(&sv->rl[i].masked);
		buf_free(&sv->rl[i].buf);
	}
	mask_free(sv->mask);
	mask_names_free(sv->names);
	free(sv->seen);
	free(sv->watch_seen);
	if (sv->watch_line != NULL)
		explicit_bzero(sv->watch_line,
			       (sv->o->nwatch + 1) * sizeof *sv->watch_line);
	free(sv->watch_line);
	free(sv->counted);
}

static int results(struct sv *sv, struct err *e)
{
	struct supervise_result *r = sv->r;
	int rc = 0;

	r->exit_code = sv->code;
	r->signal = sv->sig;
	r->duration_ms = (long)(sv->t_exit - sv->t0);
	if (sv->errlen > 0 && sv->errmsg[0] == EXEC_FAILED_TAG &&
	    (sv->code == EXIT_NOEXEC || sv->code == EXIT_NOTFOUND)) {
		struct err x = {0};

		r->exec_failed = 1;
		(void)err_set(&x, ERR_SYSTEM, NULL, 0, 0, "%s", sv->errmsg + 1);
		msg_error(&x);
	} else if (sv->errlen > 0 && sv->code == EXIT_INTERNAL) {
		const char *m = sv->errmsg;
		size_t len = strlen(m);

		while (len > 0 && m[len - 1] == '\n')
			sv->errmsg[--len] = '\0';
		if (strncmp(m, "cleanroom: ", 11) == 0)
			m += 11;
		rc = err_set(e, ERR_SYSTEM, NULL, 0, 0, "%s", m);
	}
	if (!sv->exited && rc == 0)
		rc = err_set(e, ERR_SYSTEM, NULL, 0, 0,
			     "build: the command would not die (stuck in the "
			     "kernel); it is left behind");
	if (r->timed_out)
		r->status = EXIT_TIMEOUT;
	else if (rc < 0)
		r->status = EXIT_INTERNAL;
	else if (sv->sig != 0)
		r->status = EXIT_SIGNAL + sv->sig;
	else
		r->status = sv->code;
	for (size_t i = 0; sv->seen != NULL && i < sv->o->nwithheld; i++)
		if (sv->seen[i])
			r->nnamed++;
	if (r->nnamed > 0 && sv->seen != NULL) {
		r->named = calloc(r->nnamed, sizeof *r->named);
		if (r->named == NULL) {
			r->nnamed = 0;
		} else {
			size_t k = 0;

			for (size_t i = 0; i < sv->o->nwithheld; i++)
				if (sv->seen[i])
					r->named[k++] = sv->o->withheld[i];
		}
	}
	r->nwatched = sv->o->nwatch - sv->watch_left;
	if (r->nwatched > 0) {
		r->watched = calloc(r->nwatched, sizeof *r->watched);
		r->watched_line = calloc(r->nwatched, sizeof *r->watched_line);
		if (r->watched == NULL || r->watched_line == NULL) {
			free(r->watched);
			free(r->watched_line);
			r->watched = NULL;
			r->watched_line = NULL;
			r->nwatched = 0;
		} else {
			size_t k = 0;

			for (size_t i = 0; i < sv->o->nwatch; i++)
				if (sv->watch_seen[i]) {
					memcpy(r->watched_line[k],
					       sv->watch_line[i],
					       SUPERVISE_LINE_MAX);
					r->watched[k++] = sv->o->watch[i];
				}
		}
	}
	return rc;
}

/* Blocks the signals the loop reads, makes SIGCHLD reapable whatever the
 * caller set (SIG_IGN or SA_NOCLDWAIT would make the kernel reap children
 * itself) and ignores SIGPIPE, so that a reader of cleanroom's output
 * going away ends the relay, not cleanroom with the build still running. */
struct saved_signals {
	sigset_t mask;
	struct sigaction chld, pipe;
};

static int signals_save(struct saved_signals *s)
{
	if (sigprocmask(SIG_BLOCK, NULL, &s->mask) < 0 ||
	    sigaction(SIGCHLD, NULL, &s->chld) < 0 ||
	    sigaction(SIGPIPE, NULL, &s->pipe) < 0)
		return -1;
	return 0;
}

/* After signals_save, so that a failure half way can be undone exactly. */
static int signals_take(int *sfd)
{
	struct sigaction act;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	memset(&act, 0, sizeof act);
	act.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &act, NULL) < 0)
		return -1;
	act.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &act, NULL) < 0)
		return -1;
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return *sfd < 0 ? -1 : 0;
}

static void signals_give_back(const struct saved_signals *s)
{
	(void)sigaction(SIGCHLD, &s->chld, NULL);
	(void)sigaction(SIGPIPE, &s->pipe, NULL);
	(void)sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int supervise_run(const struct supervise_opts *o, struct supervise_result *r,
		  struct err *e)
{
	struct sv sv;
	struct saved_signals saved;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, ctlp[2] = {-1, -1};
	int null_fd = -1, rc = -1, have_signals = 0;
	struct sv_child_args ca;
	pid_t pid;

	memset(r, 0, sizeof *r);
	r->exit_code = -1;
	r->status = EXIT_INTERNAL;
	r->oom_kills = r->fork_refused = -1;
	memset(&sv, 0, sizeof sv);
	sv.o = o;
	sv.r = r;
	sv.sfd = -1;
	sv.errfd = -1;
	sv.code = -1;
	sv.rl[0].fd = sv.rl[1].fd = -1;
	sv.self = getpid();
	if (o->argv == NULL || o->argv[0] == NULL)
		return err_set(e, ERR_SYSTEM, NULL, 0, 0, "build: no command");

	/* Orphans of the build must come to us, not to init, or the sweep
	 * could not find them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return err_sys(e, errno, "build: PR_SET_CHILD_SUBREAPER");
	/* Non-dumpable: /proc/PID/{environ,mem,maps,...} and ptrace then
	 * need CAP_SYS_PTRACE over us (ptrace_may_access), which the build
	 * never has, even as the same uid. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return err_sys(e, errno, "build: PR_SET_DUMPABLE");

	if (mask_new_secrets(o->masks, o->nmasks, &sv.mask, e) < 0 ||
	    mask_names_new(o->withheld, o->nwithheld, &sv.names, e) < 0)
		goto out;
	sv.seen = calloc(o->nwithheld + 1, 1);
	sv.watch_seen = calloc(o->nwatch + 1, 1);
	sv.watch_line = calloc(o->nwatch + 1, sizeof *sv.watch_line);
	sv.watch_left = o->nwatch;
	if (sv.seen == NULL || sv.watch_seen == NULL || sv.watch_line == NULL) {
		err_sys(e, ENOMEM, "build");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		sv.rl[i].out = o->stdout_to_stderr ? 2 : i + 1;
		mask_stream_init(&sv.rl[i].ms, sv.mask);
		termsafe_init(&sv.rl[i].ts);
		mask_names_stream_init(&sv.rl[i].ns, sv.names, sv.seen);
		sv.rl[i].ws = (struct watch_stream){
			.s = o->watch,
			.n = o->nwatch,
			.seen = sv.watch_seen,
			.line = sv.watch_line,
			.left = &sv.watch_left,
		};
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(ctlp, O_CLOEXEC) < 0) {
		err_sys(e, errno, "build: pipe");
		goto out;
	}
	if (o->pipes_to_build &&
	    (fchown(outp[1], o->build_uid, o->build_gid) < 0 ||
	     fchown(errp[1], o->build_uid, o->build_gid) < 0)) {
		err_sys(e, errno, "build: giving its output pipes to uid %ld",
			(long)o->build_uid);
		goto out;
	}
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0) {
		err_sys(e, errno, "build: /dev/null");
		goto out;
	}
	if (signals_save(&saved) < 0) {
		err_sys(e, errno, "build: signals");
		goto out;
	}
	have_signals = 1;
	if (signals_take(&sv.sfd) < 0) {
		err_sys(e, errno, "build: signals");
		goto out;
	}

	if (o->cgroup != NULL && o->cgroup->n > 0) {
		struct err ce = {0};

		/* The probe found it writable; if it cannot be made after
		 * all, the build still runs, under its rlimits, and the
		 * warning says so. */
		if (cgroup_create(o->cgroup, o->cgroup_memory,
				  o->cgroup_processes, &sv.cg, &ce) < 0)
			msg_warn("%s; the build runs without its own cgroup: "
				 "per-process rlimits only",
				 ce.msg);
	}
	r->in_cgroup = sv.cg.n > 0;

	sv.t0 = now_ms();
	/* The child shares our memory until it execs (vclone.h): no copy of
	 * cleanroom's page tables for a process that is about to replace
	 * them. We resume once it has execed or failed. */
	ca = (struct sv_child_args){&sv, null_fd, outp[1], errp[1], ctlp[1]};
	pid = vclone(sv_child_main, &ca);
	if (pid < 0) {
		sv.pid = -1;
		err_sys(e, -pid, "build: clone");
		goto out;
	}
	sv.pid = pid;

	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&ctlp[1]);
	close_fd(&null_fd);
	cgroup_close_join(&sv.cg);
	sv.rl[0].fd = outp[0];
	sv.rl[1].fd = errp[0];
	sv.errfd = ctlp[0];
	outp[0] = errp[0] = ctlp[0] = -1;
	for (int i = 0; i < 2; i++)
		(void)fcntl(sv.rl[i].fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(sv.errfd, F_SETFL, O_NONBLOCK);
	sv.timeout_at = o->timeout_ms < 0 ? NEVER : sv.t0 + o->timeout_ms;
	sv.grace_at = NEVER;
	sv.drain_at = NEVER;

	loop(&sv);
	/* The usual end: the command exited and left nothing behind. Then
	 * it is our only child, and reaping it leaves none - no sweep, no
	 * reading of /proc. Anything still running of the build would be our
	 * child now (re-parented when the command died, or its own parent is
	 * ours), so "no child left" is "no process left". */
	if (sv.exited)
		sv_reap_command(&sv);
	if (!sv.exited || sv_has_children())
		sv_sweep(&sv);
	/* Every writer is dead now: what is left in the pipes is the end of
	 * the output. */
	for (int i = 0; i < 2; i++) {
		if (sv.rl[i].fd >= 0)
			(void)relay_read(&sv.rl[i], FINAL_DRAIN_MAX);
		if (sv.rl[i].fd >= 0)
			relay_eof(&sv.rl[i]);
	}
	read_errfd(&sv);
	close_fd(&sv.errfd);
	if (sv.exited)
		sv_reap_command(&sv);
	if (sv.cg.n > 0) {
		cgroup_events(&sv.cg, &r->oom_kills, &r->fork_refused);
		if (cgroup_destroy(&sv.cg) < 0)
			msg_warn("build: its cgroup could not be removed: %s",
				 strerror(errno));
	}
	rc = results(&sv, e);
	if (!o->quiet) {
		char line[512];

		supervise_describe(r, o->timeout_ms, line, sizeof line);
		msg_info("%s", line);
	}
	if (r->unkillable > 0)
		msg_warn("build: %u processes of the build did not die; they "
			 "are left behind",
			 r->unkillable);
out:
	if (have_signals) {
		/* What arrived during the sweep is recorded, not left pending
		 * to hit cleanroom once unblocked. */
		sv_read_signals(&sv, 0);
		close_fd(&sv.sfd);
		signals_give_back(&saved);
	}
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&ctlp[0]);
	close_fd(&ctlp[1]);
	close_fd(&null_fd);
	close_fd(&sv.errfd);
	if (sv.cg.n > 0)
		(void)cgroup_destroy(&sv.cg);
	relays_free(&sv);
	return rc;
}
