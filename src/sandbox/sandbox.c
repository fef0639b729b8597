/*
 * The sandbox as a whole: probing each layer, the summary line, preparing
 * in the parent and applying in the child. The layers themselves live in
 * sandbox_landlock.c, sandbox_seccomp.c, sandbox_caps.c and
 * sandbox_limits.c.
 *
 * The order in the child is fixed (STYLE.md 7, as minijail_enter and
 * bubblewrap do it), each step because of the next:
 *   1. close fds: nothing cleanroom holds open (the spec, env files, the
 *      relay's other ends) reaches the build; the Landlock ruleset fd and
 *      errfd are kept until they are used.
 *   2. rlimits: set while CAP_SYS_RESOURCE may still be held, though only
 *      lowering is ever asked.
 *   3. netns (only as a fallback, see probe_netns): unshare needs
 *      CAP_SYS_ADMIN, so before capabilities go.
 *   4. identity and capabilities: the bounding set and the securebits
 *      need CAP_SETPCAP, set*id need CAP_SETUID/CAP_SETGID, so they come
 *      first; then every remaining set is cleared.
 *   5. no_new_privs: landlock_restrict_self and a seccomp filter both
 *      require it of a process without CAP_SYS_ADMIN (which is gone by
 *      now), and it keeps exec from granting anything back.
 *   6. Landlock: its rules were opened in the parent, before the identity
 *      changed, with cleanroom's own access to the paths.
 *   7. seccomp last: the filter refuses calls (unshare, mount, ...) that
 *      earlier steps might need, and it is the step right before execve.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "vclone.h"

#define CAP_SETUID_BIT	(1UL << 7)
#define CAP_SETGID_BIT	(1UL << 6)
#define CAP_SETPCAP_BIT (1UL << 8)
#define CAP_SYSADM_BIT	(1UL << 21)

struct sandbox_prepared {
	int ruleset_fd; /* -1: no Landlock */
	int do_netns, do_bound, do_secbits, do_caps, do_nnp, do_seccomp;
	struct sandbox_ids ids;
	struct sandbox_rlimit lim[SANDBOX_RLIMITS_MAX];
	size_t nlim;
	struct sandbox_bpf bpf;
};

static const struct {
	int num;
	const char *name;
} errnames[] = {
	{EPERM, "EPERM"},
	{ENOENT, "ENOENT"},
	{ESRCH, "ESRCH"},
	{EINTR, "EINTR"},
	{EIO, "EIO"},
	{ENXIO, "ENXIO"},
	{E2BIG, "E2BIG"},
	{ENOEXEC, "ENOEXEC"},
	{EBADF, "EBADF"},
	{ECHILD, "ECHILD"},
	{EAGAIN, "EAGAIN"},
	{ENOMEM, "ENOMEM"},
	{EACCES, "EACCES"},
	{EFAULT, "EFAULT"},
	{EBUSY, "EBUSY"},
	{EEXIST, "EEXIST"},
	{EXDEV, "EXDEV"},
	{ENODEV, "ENODEV"},
	{ENOTDIR, "ENOTDIR"},
	{EISDIR, "EISDIR"},
	{EINVAL, "EINVAL"},
	{ENFILE, "ENFILE"},
	{EMFILE, "EMFILE"},
	{ENOTTY, "ENOTTY"},
	{EFBIG, "EFBIG"},
	{ENOSPC, "ENOSPC"},
	{EROFS, "EROFS"},
	{EPIPE, "EPIPE"},
	{ERANGE, "ERANGE"},
	{ENAMETOOLONG, "ENAMETOOLONG"},
	{ENOSYS, "ENOSYS"},
	{ENOTEMPTY, "ENOTEMPTY"},
	{ELOOP, "ELOOP"},
	{EOPNOTSUPP, "EOPNOTSUPP"},
	{EAFNOSUPPORT, "EAFNOSUPPORT"},
	{EPROTONOSUPPORT, "EPROTONOSUPPORT"},
	{ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
	{ECONNREFUSED, "ECONNREFUSED"},
	{ENETUNREACH, "ENETUNREACH"},
	{EHOSTUNREACH, "EHOSTUNREACH"},
	{ETIMEDOUT, "ETIMEDOUT"},
	{EBADFD, "EBADFD"},
	{EOVERFLOW, "EOVERFLOW"},
	{E2BIG, "E2BIG"},
};

const char *sandbox_errno_name(int errnum)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (errnames[i].num == errnum)
			return errnames[i].name;
	return "an unknown errno";
}

const char *sandbox_state_text(enum layer_state s)
{
	switch (s) {
	case LAYER_ON: return "on";
	case LAYER_OFF_KERNEL: return "off: the kernel lacks it";
	case LAYER_OFF_BLOCKED:
		return "off: blocked by the container's seccomp";
	case LAYER_OFF_UNPRIVILEGED: return "off: not privileged";
	case LAYER_NOT_REQUESTED: return "not requested";
	}
	return "?";
}

const struct sandbox_layer *sandbox_layer_find(const struct sandbox_status *st,
					       const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->layer[i].name, name) == 0)
			return &st->layer[i];
	return NULL;
}

static struct sandbox_layer *layer_add(struct sandbox_status *st,
				       const char *name, enum layer_state s,
				       int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct sandbox_layer *layer_add(struct sandbox_status *st,
				       const char *name, enum layer_state s,
				       int err, const char *fmt, ...)
{
	struct sandbox_layer *l = &st->layer[st->n++];
	va_list ap;

	l->name = name;
	l->state = s;
	l->err = err;
	va_start(ap, fmt);
	(void)vsnprintf(l->detail, sizeof l->detail, fmt, ap);
	va_end(ap);
	return l;
}

/* The state an errno from a probe means. */
static enum layer_state classify(int err)
{
	switch (err) {
	case 0: return LAYER_ON;
	case ENOSYS:
	case EOPNOTSUPP:
	case EINVAL: return LAYER_OFF_KERNEL;
	default: return LAYER_OFF_BLOCKED;
	}
}

/* "the kernel lacks it: ENOSYS" and so on, for a layer that is off. */
static const char *why_off(const struct sandbox_layer *l, char *buf,
			   size_t size)
{
	const char *what = "?";

	switch (l->state) {
	case LAYER_OFF_KERNEL: what = "the kernel lacks it"; break;
	case LAYER_OFF_BLOCKED:
		what = "blocked by the container's seccomp";
		break;
	case LAYER_OFF_UNPRIVILEGED: what = "not privileged"; break;
	case LAYER_ON:
	case LAYER_NOT_REQUESTED: break;
	}
	if (l->err > 0)
		(void)snprintf(buf, size, "%s: %s", what,
			       sandbox_errno_name(l->err));
	else if (l->err < 0)
		(void)snprintf(buf, size, "%s: the probe died of signal %d",
			       what, -l->err);
	else
		(void)snprintf(buf, size, "%s", what);
	return buf;
}

/* The errno of a trial step, or the negated signal that killed the probe
 * before it got there. */
static int trial(int v, int killed_by)
{
	if (v == SANDBOX_NOT_TRIED)
		return killed_by > 0 ? -killed_by : EPERM;
	return v;
}

/* What the probe child is given: the ids to try, the Landlock ABI, and
 * where to write each result (the parent's memory: vclone shares it). */
struct probe_args {
	const struct sandbox_ids *ids;
	int abi, netns_only;
	struct sandbox_trials *t;
};

/*
 * The probe child: tries every irreversible step in the order apply uses,
 * each result recorded before the next step, in the parent's memory. It
 * runs in a vclone child: system calls only, no allocation. Its return
 * ends the child.
 */
static int probe_child(void *arg)
{
	const struct probe_args *a = arg;
	struct sandbox_trials *t = a->t;
	const char *step;

	if (a->netns_only) {
		t->netns = unshare(CLONE_NEWNET) < 0 ? errno : 0;
		return 0;
	}
	t->cap_bound = sandbox_caps_drop_bound();
	t->secbits = sandbox_caps_lock_secbits();
	if (a->ids->change && geteuid() == 0)
		t->identity = sandbox_ids_apply(a->ids, &step);
	t->cap_clear = sandbox_caps_clear();
	t->nnp = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? errno : 0;
	if (a->abi > 0)
		t->landlock = sandbox_landlock_trial();
	t->seccomp = sandbox_seccomp_trial();
	t->userns = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	return 0;
}

/* Runs the probe (or, with netns_only, only the network namespace trial)
 * in a child that shares our memory until it exits (vclone: no copy of
 * cleanroom's page tables), so that a child killed half-way still tells
 * how far it got. */
static int run_probe(const struct sandbox_ids *ids, int abi, int netns_only,
		     struct sandbox_trials *out, struct err *e)
{
	struct sandbox_trials t = {SANDBOX_NOT_TRIED, SANDBOX_NOT_TRIED,
				   SANDBOX_NOT_TRIED, SANDBOX_NOT_TRIED,
				   SANDBOX_NOT_TRIED, SANDBOX_NOT_TRIED,
				   SANDBOX_NOT_TRIED, SANDBOX_NOT_TRIED,
				   SANDBOX_NOT_TRIED, 0};
	struct probe_args a = {ids, abi, netns_only, &t};
	pid_t pid;
	int status = 0;

	pid = vclone(probe_child, &a);
	if (pid < 0)
		return err_sys(e, -pid, "sandbox: probe: clone");
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		t.killed_by = WTERMSIG(status);
	*out = t;
	return 0;
}

static void probe_limits(const struct sandbox_plan *p,
			 struct sandbox_status *st)
{
	const struct spec_limits *l = &p->limits;
	char d[160];
	int n;

	n = snprintf(d, sizeof d, "core 0");
#define LIM(field, label)                                                      \
	if (l->field >= 0 && n > 0 && (size_t)n < sizeof d)                    \
		n += snprintf(d + n, sizeof d - (size_t)n, ", %s %lld", label, \
			      (long long)l->field);
	LIM(cpu_ms, "cpu ms")
	LIM(memory, "memory")
	LIM(files, "files")
	LIM(processes, "processes")
	LIM(file_size, "file_size")
#undef LIM
	/* pids.max binds uid 0 as any other: with the build's cgroup, the
	 * processes limit holds whoever the build runs as. */
	st->nproc_unenforced = l->processes >= 0 && st->build_uid == 0 &&
			       !(st->cgroup.controllers & CG_PIDS);
	if (st->nproc_unenforced && n > 0 && (size_t)n < sizeof d)
		(void)snprintf(d + n, sizeof d - (size_t)n,
			       "; processes not enforced for uid 0");
	layer_add(st, "limits", LAYER_ON, 0, "%s", d);
}

/* What a build that keeps uid 0 can do that the default user cannot,
 * for doctor and the layer line; the build's cgroup (pids.max) holds
 * the processes limit for uid 0 too. */
#define ROOT_COST_FILES "chmod, chown, utimes of the image's files not confined"
#define ROOT_COST	"processes limit off (uid 0 is exempt); " ROOT_COST_FILES

static void probe_identity(const struct sandbox_plan *p,
			   const struct sandbox_ids *ids,
			   struct sandbox_status *st)
{
	char who[64];
	int err;

	st->build_uid = (long)geteuid();
	if (ids->is_default)
		(void)snprintf(who, sizeof who, "the default user %ld",
			       (long)ids->uid);
	else
		(void)snprintf(who, sizeof who, "user %.40s",
			       p->user ? p->user : "?");
	if (p->user == NULL && !p->default_user) {
		layer_add(st, "identity", LAYER_NOT_REQUESTED, 0,
			  "no user: the build runs as uid %ld", st->build_uid);
		return;
	}
	if (geteuid() != 0) {
		layer_add(st, "identity", LAYER_OFF_UNPRIVILEGED, EPERM,
			  "%s needs cleanroom to run as root; the build "
			  "runs as uid %ld",
			  who, st->build_uid);
		return;
	}
	if (!ids->change) {
		st->keeps_root = 1;
		layer_add(st, "identity", LAYER_NOT_REQUESTED, 0,
			  "%s: the build keeps uid 0: %s", who,
			  (st->cgroup.controllers & CG_PIDS) ? ROOT_COST_FILES
							     : ROOT_COST);
		return;
	}
	err = trial(st->tried.identity, st->tried.killed_by);
	if (err == 0) {
		st->build_uid = (long)ids->uid;
		layer_add(st, "identity", LAYER_ON, 0,
			  "%s: uid %ld, gid %ld, %zu groups", who,
			  (long)ids->uid, (long)ids->gid, ids->ngroups);
		return;
	}
	st->keeps_root = 1;
	layer_add(st, "identity",
		  (st->caps_held & (CAP_SETUID_BIT | CAP_SETGID_BIT)) !=
				  (CAP_SETUID_BIT | CAP_SETGID_BIT)
			  ? LAYER_OFF_UNPRIVILEGED
			  : classify(err),
		  err, "%s not applied; the build runs as uid %ld", who,
		  st->build_uid);
}

static void probe_caps(struct sandbox_status *st)
{
	const struct sandbox_trials *t = &st->tried;
	int err = trial(t->cap_clear, t->killed_by);

	if (err != 0) {
		layer_add(st, "caps", classify(err), err,
			  "capabilities kept: %#lx", st->caps_held);
		return;
	}
	if (t->cap_bound == 0 && t->secbits == 0)
		layer_add(st, "caps", LAYER_ON, 0,
			  "held now %#lx; all sets and the bounding set "
			  "cleared, securebits locked",
			  st->caps_held);
	else
		layer_add(st, "caps", LAYER_ON, 0,
			  "held now %#lx; all sets cleared; bounding set and "
			  "securebits kept (%s): no_new_privs keeps exec from "
			  "regaining any",
			  st->caps_held,
			  (st->caps_held & CAP_SETPCAP_BIT)
				  ? sandbox_errno_name(t->cap_bound)
				  : "no CAP_SETPCAP");
}

/* 1 when the running kernel is at least major.minor. */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma > major || (ma == major && mi >= minor);
}

static void probe_landlock(const struct sandbox_plan *p, int abi_err,
			   struct sandbox_status *st)
{
	int err;

	if (st->landlock_abi == 0) {
		/* Docker before 20.10.18 (runc's stub for calls its profile
		 * does not know) answers ENOSYS, which would read as an old
		 * kernel: under a seccomp filter on a kernel that has
		 * Landlock (5.13), it is the container's doing. */
		if (abi_err == ENOSYS && st->seccomp_mode == 2 &&
		    kernel_at_least(5, 13))
			layer_add(st, "landlock", LAYER_OFF_BLOCKED, abi_err,
				  "Linux >= 5.13 has it: the container's "
				  "profile answers ENOSYS%s; /dev is not "
				  "restricted",
				  p->nhidden ? "; env files stay readable"
					     : "");
		else
			layer_add(st, "landlock", classify(abi_err), abi_err,
				  "%s/dev is not restricted",
				  p->nhidden ? "env files stay readable; "
					     : "");
		return;
	}
	err = trial(st->tried.landlock, st->tried.killed_by);
	if (err != 0) {
		layer_add(st, "landlock", classify(err), err,
			  "ABI %d offered; /dev is not restricted",
			  st->landlock_abi);
		st->landlock_abi = 0;
		return;
	}
	layer_add(st, "landlock", LAYER_ON, 0,
		  "ABI %d: %s%s; writable: %zu paths; env files hidden: %zu; "
		  "/dev: %s only",
		  st->landlock_abi,
		  sandbox_landlock_covers(st->landlock_abi, p->deny_network),
		  st->landlock_abi >= 6 ? ", signals scoped" : "", p->nwritable,
		  p->nhidden, sandbox_landlock_devices());
}

static void probe_seccomp(const struct sandbox_plan *p,
			  struct sandbox_status *st)
{
	int err = trial(st->tried.seccomp, st->tried.killed_by);

	if (err == 0)
		layer_add(st, "seccomp", LAYER_ON, 0,
			  "%sEPERM: dangerous calls, setuid/setgid modes, "
			  "foreign owners, others' limits; io_uring ENOSYS; "
			  "foreign ABIs killed",
			  !p->deny_network	  ? ""
			  : p->allow_unix_sockets ? "sockets AF_UNIX only; "
						  : "no sockets but AF_UNIX "
						    "pairs; ");
	else
		layer_add(st, "seccomp", classify(err), err, "%s",
			  p->deny_network ? "the network is not denied" : "");
}

/*
 * A network namespace is only a fallback: with seccomp's socket check
 * (and Landlock's abstract-socket scope) in place it adds nothing, and
 * creating one costs more than the rest of the sandbox together (about
 * 0.3 ms, and its teardown is deferred work in the kernel). It is tried
 * when the network is denied and seccomp cannot deny it, or when Landlock
 * cannot scope abstract unix sockets.
 */
static int probe_netns(const struct sandbox_plan *p,
		       const struct sandbox_ids *ids, struct sandbox_status *st,
		       struct err *e)
{
	const struct sandbox_layer *sc = sandbox_layer_find(st, "seccomp");
	struct sandbox_trials t = {0};

	if (!p->deny_network) {
		layer_add(st, "netns", LAYER_NOT_REQUESTED, 0,
			  "the network is allowed");
		return 0;
	}
	if (sc->state == LAYER_ON && st->landlock_abi >= 6) {
		layer_add(st, "netns", LAYER_NOT_REQUESTED, 0,
			  "not needed: seccomp denies sockets, Landlock "
			  "scopes abstract sockets");
		return 0;
	}
	if (!(st->caps_held & CAP_SYSADM_BIT)) {
		layer_add(st, "netns", LAYER_OFF_UNPRIVILEGED, EPERM,
			  "needs CAP_SYS_ADMIN");
		return 0;
	}
	if (run_probe(ids, 0, 1, &t, e) < 0)
		return -1;
	t.netns = trial(t.netns, t.killed_by);
	layer_add(st, "netns", classify(t.netns), t.netns,
		  t.netns == 0 ? "a new, empty network namespace" : "");
	return 0;
}

/* The build's own cgroup (cgroup.h): where one can be made, for the
 * limits on the whole build and the sweep. Probed before the limits
 * layer, which says whether the processes limit holds for uid 0; its
 * layer comes last, an extra like netns: inside `docker build` there is
 * never a writable cgroup, and --strict does not ask for one. */
static void probe_cgroup(const struct sandbox_plan *p,
			 struct sandbox_status *st)
{
	const struct spec_limits *l = &p->limits;
	char d[160];

	cgroup_describe(&st->cgroup, d, sizeof d);
	if (st->cgroup.n == 0) {
		layer_add(st, "cgroup", LAYER_OFF_UNPRIVILEGED, 0, "%s: %s",
			  st->cgroup.why, d);
		return;
	}
	layer_add(st, "cgroup", LAYER_ON, 0,
		  "%s under %s; memory %s, processes %s", d,
		  st->cgroup.place[0].dir,
		  l->memory >= 0 && (st->cgroup.controllers & CG_MEMORY)
			  ? "limited for the whole build"
			  : "not limited",
		  l->processes >= 0 && (st->cgroup.controllers & CG_PIDS)
			  ? "limited for the whole build"
			  : "not limited");
}

int sandbox_probe(const struct sandbox_plan *p, struct sandbox_status *st,
		  struct err *e)
{
	struct utsname u;
	struct sandbox_ids ids;
	int abi_err, err, mode;

	memset(st, 0, sizeof *st);
	if (uname(&u) == 0)
		(void)snprintf(st->kernel, sizeof st->kernel, "%.40s %.20s",
			       u.release, u.machine);
	st->landlock_abi = sandbox_landlock_abi(&abi_err);
	mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	st->seccomp_mode = mode < 0 ? -errno : mode;
	st->nnp_now = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	st->caps_held = sandbox_caps_effective();
	st->caps_bound = sandbox_caps_bounding();
	cgroup_probe(&st->cgroup);
	if (sandbox_ids_resolve(p, &ids, e) < 0)
		return -1;
	if (run_probe(&ids, st->landlock_abi, 0, &st->tried, e) < 0)
		return -1;
	err = trial(st->tried.userns, st->tried.killed_by);
	st->userns = err == 0;
	st->userns_err = err;

	layer_add(st, "fds", LAYER_ON, 0, "all but 0-2 closed");
	probe_identity(p, &ids, st);
	probe_limits(p, st);
	probe_caps(st);
	err = trial(st->tried.nnp, st->tried.killed_by);
	layer_add(st, "nnp", classify(err), err, "%s",
		  err == 0 ? "no_new_privs: exec grants no privileges"
			   : "setuid programs can gain privileges");
	probe_landlock(p, abi_err, st);
	probe_seccomp(p, st);
	layer_add(st, "session", LAYER_ON, 0,
		  "own session; cleanroom is its subreaper");
	layer_add(st, "environment", LAYER_ON, 0, "built from scratch");
	if (probe_netns(p, &ids, st, e) < 0)
		return -1;
	probe_cgroup(p, st);
	return 0;
}

int sandbox_missing(const struct sandbox_status *st, const char **which)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct sandbox_layer *l = &st->layer[i];

		if (l->state == LAYER_ON || l->state == LAYER_NOT_REQUESTED)
			continue;
		/* An extra layer, not one the plan needs. */
		if (strcmp(l->name, "netns") == 0 ||
		    strcmp(l->name, "cgroup") == 0)
			continue;
		*which = l->name;
		return 1;
	}
	if (st->nproc_unenforced) {
		*which = "limits";
		return 1;
	}
	*which = NULL;
	return 0;
}

static const char *consequence(const struct sandbox_layer *l,
			       const struct sandbox_status *st,
			       const struct sandbox_plan *p)
{
	const struct sandbox_layer *ns = sandbox_layer_find(st, "netns");

	if (strcmp(l->name, "landlock") == 0)
		return p->nhidden ? "env files stay readable, writes are not "
				    "confined, /dev is not restricted"
				  : "writes are not confined, /dev is not "
				    "restricted";
	if (strcmp(l->name, "seccomp") == 0) {
		if (!p->deny_network)
			return "dangerous calls allowed";
		return ns != NULL && ns->state == LAYER_ON
			       ? "dangerous calls allowed; the network is cut "
				 "by a network namespace"
			       : "the network is not denied, dangerous calls "
				 "allowed";
	}
	if (strcmp(l->name, "caps") == 0)
		return "capabilities kept";
	if (strcmp(l->name, "nnp") == 0)
		return "setuid programs can gain privileges";
	if (strcmp(l->name, "identity") == 0)
		return "the user is not changed";
	return "";
}

/* Appends one piece of the summary: " " before the first, " · " between
 * the others. */
static int piece(struct buf *out, int *first, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int piece(struct buf *out, int *first, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (buf_adds(out, *first ? " " : " \xc2\xb7 ") < 0)
		return -1;
	*first = 0;
	return buf_adds(out, text);
}

static int is_on(const struct sandbox_status *st, const char *name)
{
	const struct sandbox_layer *l = sandbox_layer_find(st, name);

	return l != NULL && l->state == LAYER_ON;
}

int sandbox_summary(const struct sandbox_status *st,
		    const struct sandbox_plan *p, struct buf *out)
{
	int first = 1;
	char why[96];

	if (buf_adds(out, "sandbox:") < 0)
		return -1;
	if (is_on(st, "landlock") &&
	    piece(out, &first, "landlock v%d %s", st->landlock_abi,
		  sandbox_landlock_covers(st->landlock_abi, p->deny_network)) <
		    0)
		return -1;
	if (is_on(st, "seccomp") &&
	    piece(out, &first, "seccomp%s",
		  !p->deny_network	  ? ""
		  : p->allow_unix_sockets ? " net-deny+unix"
					  : " net-deny") < 0)
		return -1;
	if (is_on(st, "netns") && piece(out, &first, "netns") < 0)
		return -1;
	if (is_on(st, "caps") && piece(out, &first, "caps 0") < 0)
		return -1;
	if (is_on(st, "nnp") && piece(out, &first, "nnp") < 0)
		return -1;
	if (piece(out, &first, "uid %ld", st->build_uid) < 0)
		return -1;
	for (size_t i = 0; i < st->n; i++) {
		const struct sandbox_layer *l = &st->layer[i];
		int is_identity = strcmp(l->name, "identity") == 0;

		if (l->state == LAYER_ON || l->state == LAYER_NOT_REQUESTED ||
		    strcmp(l->name, "netns") == 0 ||
		    strcmp(l->name, "cgroup") == 0)
			continue;
		if (piece(out, &first, "%s%s off (%s): %s",
			  is_identity ? "user " : l->name,
			  !is_identity ? ""
			  : p->user    ? p->user
				       : "(default)",
			  why_off(l, why, sizeof why),
			  consequence(l, st, p)) < 0)
			return -1;
	}
	{
		const struct sandbox_layer *id =
			sandbox_layer_find(st, "identity");

		/* `user: root` chosen: what it costs, on the line. */
		if (st->keeps_root && id != NULL &&
		    id->state == LAYER_NOT_REQUESTED &&
		    piece(out, &first,
			  "user root: chmod/chown/utimes outside not "
			  "confined") < 0)
			return -1;
	}
	if (st->nproc_unenforced &&
	    piece(out, &first, "processes limit off (uid 0 is exempt)%s",
		  plan_user_is_root(p->user) ? ": drop sandbox.user: root"
					     : "") < 0)
		return -1;
	/* Last: where the limits of the whole build hold, or that only
	 * the per-process ones do. */
	if (sandbox_layer_find(st, "cgroup") != NULL) {
		char cg[160];

		cgroup_describe(&st->cgroup, cg, sizeof cg);
		if (piece(out, &first, "%s", cg) < 0)
			return -1;
	}
	return 0;
}

int sandbox_prepare(const struct sandbox_plan *p,
		    const struct sandbox_status *st,
		    struct sandbox_prepared **out, struct err *e)
{
	struct sandbox_prepared *sp;
	const struct sandbox_layer *l;

	*out = NULL;
	sp = calloc(1, sizeof *sp);
	if (sp == NULL)
		return err_sys(e, ENOMEM, "sandbox");
	sp->ruleset_fd = -1;
	sp->nlim = sandbox_limits_plan(&p->limits, sp->lim);
#define ON(name) ((l = sandbox_layer_find(st, name)) && l->state == LAYER_ON)
	if (ON("identity") && sandbox_ids_resolve(p, &sp->ids, e) < 0)
		goto fail;
	if (ON("caps")) {
		sp->do_caps = 1;
		sp->do_bound = st->tried.cap_bound == 0;
		sp->do_secbits = st->tried.secbits == 0;
	}
	sp->do_nnp = ON("nnp");
	if (ON("landlock") && sandbox_landlock_ruleset(p, st->landlock_abi,
						       &sp->ruleset_fd, e) < 0)
		goto fail;
	if (ON("seccomp")) {
		struct sandbox_seccomp_opts so = {
			.deny_network = p->deny_network,
			.allow_unix = p->allow_unix_sockets,
		};

		/* The ids the build runs as, after sandbox_apply. */
		(void)sandbox_user_ids(sp, &so.uid, &so.gid);
		if (sandbox_seccomp_build(&so, &sp->bpf) < 0) {
			err_set(e, ERR_SYSTEM, NULL, 0, 0,
				"sandbox: the seccomp program is too long");
			goto fail;
		}
		sp->do_seccomp = 1;
	}
	sp->do_netns = ON("netns");
#undef ON
	*out = sp;
	return 0;
fail:
	sandbox_prepared_free(sp);
	return -1;
}

void sandbox_prepared_free(struct sandbox_prepared *sp)
{
	if (sp == NULL)
		return;
	if (sp->ruleset_fd >= 0)
		(void)close(sp->ruleset_fd);
	free(sp);
}

const struct sandbox_ids *
sandbox_prepared_ids(const struct sandbox_prepared *sp)
{
	return &sp->ids;
}

int sandbox_user_ids(const struct sandbox_prepared *sp, uid_t *uid, gid_t *gid)
{
	if (!sp->ids.change) {
		*uid = geteuid();
		*gid = getegid();
		return 0;
	}
	*uid = sp->ids.uid;
	*gid = sp->ids.gid;
	return 1;
}

/* Writes "cleanroom: sandbox: LAYER: WHAT: ENAME (strerror)" to fd and
 * returns -1. Only stack memory: this runs in the child. */
static int die_line(int fd, const char *layer, const char *what, int err)
{
	char line[256];
	int n = snprintf(line, sizeof line,
			 "cleanroom: sandbox: %s: %s: %s (%s)\n", layer, what,
			 sandbox_errno_name(err), strerror(err));

	if (n > 0)
		(void)io_write_all(fd, line,
				   (size_t)n < sizeof line ? (size_t)n
							   : sizeof line - 1);
	return -1;
}

int sandbox_apply(const struct sandbox_prepared *sp, int errfd)
{
	int keep[2], err;
	size_t nkeep = 0, bad = 0;
	const char *step = NULL;

	if (errfd > 2) {
		if (fcntl(errfd, F_SETFD, FD_CLOEXEC) < 0)
			return die_line(errfd, "fds", "errfd", errno);
		keep[nkeep++] = errfd;
	}
	if (sp->ruleset_fd >= 0)
		keep[nkeep++] = sp->ruleset_fd;
	err = sandbox_close_fds(keep, nkeep);
	if (err != 0)
		return die_line(errfd, "fds", "closing", err);

	err = sandbox_limits_apply(sp->lim, sp->nlim, &bad);
	if (err != 0)
		return die_line(errfd, "limits",
				sandbox_rlimit_name(sp->lim[bad].resource),
				err);

	if (sp->do_netns && unshare(CLONE_NEWNET) < 0)
		return die_line(errfd, "netns", "unshare", errno);

	if (sp->do_bound && (err = sandbox_caps_drop_bound()) != 0)
		return die_line(errfd, "caps", "bounding set", err);
	if (sp->do_secbits && (err = sandbox_caps_lock_secbits()) != 0)
		return die_line(errfd, "caps", "securebits", err);
	if (sp->ids.change && (err = sandbox_ids_apply(&sp->ids, &step)) != 0)
		return die_line(errfd, "identity", step, err);
	if (sp->do_caps && (err = sandbox_caps_clear()) != 0)
		return die_line(errfd, "caps", "clearing", err);

	if (sp->do_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return die_line(errfd, "nnp", "prctl", errno);

	if (sp->ruleset_fd >= 0) {
		err = sandbox_landlock_restrict(sp->ruleset_fd);
		if (err != 0)
			return die_line(errfd, "landlock",
					"landlock_restrict_self", err);
		(void)close(sp->ruleset_fd);
	}

	if (sp->do_seccomp && (err = sandbox_seccomp_install(&sp->bpf)) != 0)
		return die_line(errfd, "seccomp", "installing the filter", err);
	return 0;
}
