/*
 * The sandbox (DESIGN.md "The sandbox"): which kernel layers work here, and
 * applying them to the build in the child between clone and exec. The plan
 * says what the build may do (where it may write, which files it must not
 * read, whether it may use the network, its limits and user); the status
 * says what this kernel and this container let cleanroom enforce, layer by
 * layer, with the reason for every layer that is off. Nothing here prints:
 * sandbox_summary formats the one line the caller shows, and a failure in
 * the child is one line written to a file descriptor the caller chose.
 *
 * The plan is job/plan.h's struct sandbox_plan: the job builds it, pure
 * data, before any of this runs. The calls, in order: sandbox_probe (no lasting
 * effect on this process), sandbox_missing (for --strict), sandbox_summary,
 * sandbox_prepare (in the parent: resolves the user, opens the Landlock rules,
 * builds the seccomp program), vclone, sandbox_apply (in the child), exec.
 * Ownership: the plan and the status are the caller's; sandbox_prepare
 * allocates the prepared sandbox, which copies what it needs and borrows
 * nothing from the plan, and sandbox_prepared_free releases it (in the parent;
 * the child never frees it, it execs or _exits). Every name and text a function
 * here returns is static, or points into the caller's status.
 */
#ifndef CLEANROOM_SANDBOX_H
#define CLEANROOM_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <linux/filter.h>

#include "buf.h"
#include "cgroup.h"
#include "err.h"
#include "plan.h"
#include "spec.h"

enum layer_state {
	LAYER_ON,
	LAYER_OFF_KERNEL,	/* ENOSYS, EOPNOTSUPP: the kernel lacks it */
	LAYER_OFF_BLOCKED,	/* EPERM: the container's seccomp */
	LAYER_OFF_UNPRIVILEGED, /* it needs privileges cleanroom lacks */
	LAYER_NOT_REQUESTED,
};

struct sandbox_layer {
	/* "fds", "limits", "identity", "caps", "nnp", "landlock",
	 * "seccomp", "session", "environment", "netns", "cgroup" */
	const char *name;
	enum layer_state state;
	int err;	  /* the errno that decided an off state, else 0 */
	char detail[160]; /* what it does (on) or why it is off */
};

/* What the probe child found, step by step; read by sandbox_prepare.
 * SANDBOX_NOT_TRIED: the step was not attempted (or the child died
 * before it). */
#define SANDBOX_NOT_TRIED (-1000)
struct sandbox_trials {
	int netns, cap_bound, secbits, identity, cap_clear, nnp, landlock,
		seccomp, userns; /* 0 or an errno */
	int killed_by; /* the signal that ended the probe child, or 0 */
};

struct sandbox_status {
	struct sandbox_layer layer[16];
	size_t n;
	int landlock_abi;	  /* 0 when Landlock is unavailable */
	char kernel[64];	  /* "6.18.44-... x86_64" */
	unsigned long caps_held;  /* effective capabilities now */
	int userns;		  /* 1: an unprivileged process can create
				     user namespaces here */
	int userns_err;		  /* why not (errno), when userns is 0 */
	int seccomp_mode;	  /* PR_GET_SECCOMP now: 0 none, 2 filter */
	int nnp_now;		  /* no_new_privs is already set */
	unsigned long caps_bound; /* bounding set now */
	long build_uid;		  /* the uid the build will run as */
	int nproc_unenforced;	  /* a processes limit is asked for but the
				     build runs as uid 0, which the kernel
				     exempts; 0 when the build's cgroup
				     holds it (pids.max binds uid 0) */
	int keeps_root;		  /* cleanroom is root and the build keeps
				     uid 0 (`user: root`, or the user could
				     not be changed) */
	struct sandbox_trials tried;

	/* Where the build's own cgroup can go (cgroup.h): the layer
	 * "cgroup". */
	struct cgroup_where cgroup;
};

/* Probes each layer separately WITHOUT changing this process (anything
 * irreversible is tried in a vclone child), given the plan. Returns 0, or
 * -1 with e filled (ERR_SYSTEM: clone failed; ERR_CONFIG: the plan
 * names a user that does not exist). */
int sandbox_probe(const struct sandbox_plan *p, struct sandbox_status *st,
		  struct err *e);

/* Appends the one-line summary (no newline), e.g. "sandbox: landlock v7
 * fs+tcp · seccomp net-deny · caps 0 · nnp · uid 65534", followed by what
 * is off and why ("landlock off (blocked by the container's seccomp:
 * EPERM): env files stay readable"). Returns 0 or -1 (ENOMEM). */
int sandbox_summary(const struct sandbox_status *st,
		    const struct sandbox_plan *p, struct buf *out);

/* 1 when a layer the plan needs is unavailable (for --strict: EXIT_SANDBOX),
 * with the layer's name in *which; else 0. */
int sandbox_missing(const struct sandbox_status *st, const char **which);

/* The layer named name, or NULL; it points into st. */
const struct sandbox_layer *sandbox_layer_find(const struct sandbox_status *st,
					       const char *name);
/* "on", "off: the kernel lacks it", "off: blocked by the container's
 * seccomp", "off: not privileged", "not requested". */
const char *sandbox_state_text(enum layer_state s);

/*
 * In the parent, before the child is started: everything that may
 * allocate or must be done with cleanroom's own identity. Resolves the
 * user (getpwnam reads /etc/passwd), opens every Landlock rule into a
 * ruleset fd (O_CLOEXEC), builds the seccomp program and the rlimits.
 * Only layers the status reports ON are prepared. Returns 0, or -1 with e
 * filled: ERR_CONFIG for an unknown user or an env file inside a writable
 * dir (it could not be hidden), ERR_SYSTEM otherwise.
 */
struct sandbox_prepared; /* opaque */
int sandbox_prepare(const struct sandbox_plan *p,
		    const struct sandbox_status *st,
		    struct sandbox_prepared **out, struct err *e);

/*
 * In the child, between clone and exec, after fds 0-2 are set up: applies
 * every prepared layer in the fixed order close fds -> rlimits -> identity
 * and capabilities -> no_new_privs -> Landlock -> seccomp. Every fd above
 * 2 is closed except errfd (made close-on-exec here). System calls only,
 * no allocation, no lock: the child shares cleanroom's memory (vclone.h).
 * On failure: writes one line "cleanroom: sandbox: <layer>: <why>" to
 * errfd and returns -1; the caller must _exit(EXIT_INTERNAL) at once and
 * never exec with half a sandbox.
 */
int sandbox_apply(const struct sandbox_prepared *sp, int errfd);
void sandbox_prepared_free(struct sandbox_prepared *sp);

/* The uid and gid the build will run as after sandbox_apply (the caller
 * chowns the writable dirs it created to them). Returns 1 when the
 * identity changes, 0 when the build keeps cleanroom's. */
int sandbox_user_ids(const struct sandbox_prepared *sp, uid_t *uid, gid_t *gid);

/* Why the build cannot get at a path (sandbox_access_check). */
struct sandbox_denied {
	char path[4096]; /* the first path on the way (absolute, links
			    resolved) whose mode refuses the build */
	unsigned mode;	 /* its mode bits (07777) */
	uid_t uid;	 /* its owner */
	gid_t gid;
};

/* Whether the build, with the ids sandbox_apply gives it, can get at path
 * (absolute, or relative to the current directory): search on every
 * directory on the way, and want (R_OK, W_OK, X_OK bits) on path itself,
 * by mode bits (sandbox_access.c says why not access(2)). Returns 1 when
 * it can (always, when the identity does not change), and also when no
 * class of the mode grants it (no build could: not the user's doing);
 * 0 when it cannot as its user (why filled), -1 when path does not
 * resolve (errno set). */
int sandbox_access_check(const struct sandbox_prepared *sp, const char *path,
			 int want, struct sandbox_denied *why);

/* ------------------------------------------------------------------
 * Internal: shared by src/sandbox*.c and their unit tests, not part of
 * the contract with supervise and the commands.
 */

/* "EPERM" for EPERM, and "an unknown errno" for a number not in its
 * table (a fixed string: the child calls it after fork, where nothing may
 * be allocated or formatted into shared storage). Static strings. */
const char *sandbox_errno_name(int errnum);

/* seccomp (sandbox_seccomp.c). The program is at most SANDBOX_BPF_MAX
 * instructions; its layout is described in sandbox_seccomp.c. */
#define SANDBOX_BPF_MAX 256
struct sandbox_bpf {
	struct sock_filter insn[SANDBOX_BPF_MAX];
	unsigned short len;
};
/* What the program depends on. */
struct sandbox_seccomp_opts {
	int deny_network; /* 1: socket() refused (AF_UNIX: see allow_unix),
			     socketpair() only AF_UNIX */
	int allow_unix;	  /* with deny_network: socket(AF_UNIX) allowed */
	uid_t uid;	  /* the build's ids: chown may give a file to */
	gid_t gid;	  /* these (or leave it, -1) and no others */
};
/* Returns 0, or -1 when the program would not fit (a bug). */
int sandbox_seccomp_build(const struct sandbox_seccomp_opts *o,
			  struct sandbox_bpf *out);
/* Installs prog on the calling thread (no_new_privs must be set). Returns
 * 0 or an errno. */
int sandbox_seccomp_install(const struct sandbox_bpf *prog);
/* Installs an allow-all filter: the probe. Returns 0 or an errno. */
int sandbox_seccomp_trial(void);

/* Landlock (sandbox_landlock.c). */
/* The highest ABI the kernel offers, or 0 with *errnum set. */
int sandbox_landlock_abi(int *errnum);
/* Builds the ruleset for the plan at that ABI. Returns 0 and the ruleset
 * fd (O_CLOEXEC, the caller's to close), or -1 with e filled. */
int sandbox_landlock_ruleset(const struct sandbox_plan *p, int abi, int *fd,
			     struct err *e);
/* landlock_restrict_self(fd). Returns 0 or an errno. */
int sandbox_landlock_restrict(int fd);
/* Restricts the caller with a ruleset that only handles making block
 * devices: the probe. Returns 0 or an errno. */
int sandbox_landlock_trial(void);
/* "fs+tcp", "fs": what a ruleset at that ABI covers for the plan. */
const char *sandbox_landlock_covers(int abi, int deny_network);
/* The entries of /dev the ruleset grants ("null, zero, ..."); static.
 * Nothing else in /dev can be opened under Landlock. */
const char *sandbox_landlock_devices(void);

/* Capabilities and identity (sandbox_caps.c). */
struct sandbox_ids {
	int change;	/* 0: keep cleanroom's identity */
	int is_default; /* the default build user (plan's default_user) */
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	size_t ngroups;
};
/* The ids sandbox_apply gives the build; they point into sp. */
const struct sandbox_ids *
sandbox_prepared_ids(const struct sandbox_prepared *sp);
/* The build's ids for the plan: its user (a name or numeric uid; one
 * whose uid is 0 keeps cleanroom's identity), or the default build user
 * (PLAN_BUILD_UID, no groups) with default_user, or cleanroom's own.
 * Returns 0, or -1 with e filled (ERR_CONFIG: unknown user). */
int sandbox_ids_resolve(const struct sandbox_plan *p, struct sandbox_ids *ids,
			struct err *e);
/* setgroups, setresgid, setresuid, as raw system calls for this task
 * alone. Returns 0 or an errno, with the failed call's name in *step. */
int sandbox_ids_apply(const struct sandbox_ids *ids, const char **step);
/* Empties the bounding set. Returns 0 or an errno. */
int sandbox_caps_drop_bound(void);
/* Sets and locks NOROOT, NO_SETUID_FIXUP, KEEP_CAPS (off) and
 * NO_CAP_AMBIENT_RAISE. Returns 0 or an errno. */
int sandbox_caps_lock_secbits(void);
/* Clears the ambient, inheritable, permitted and effective sets.
 * Returns 0 or an errno. Like the three above, only system calls: safe in
 * a vclone child. */
int sandbox_caps_clear(void);
/* The effective and bounding sets now, as bit masks. */
unsigned long sandbox_caps_effective(void);
unsigned long sandbox_caps_bounding(void);

/* Limits and file descriptors (sandbox_limits.c). */
struct sandbox_rlimit {
	int resource;
	struct rlimit lim;
};
#define SANDBOX_RLIMITS_MAX 6
/* The rlimits to set for the plan's limits (core 0 always), clamped to
 * the current hard limits. Returns how many. */
size_t sandbox_limits_plan(const struct spec_limits *l,
			   struct sandbox_rlimit out[SANDBOX_RLIMITS_MAX]);
/* Sets them. Returns 0 or an errno, with the failing one's index. */
int sandbox_limits_apply(const struct sandbox_rlimit *v, size_t n,
			 size_t *failed);
/* "RLIMIT_NPROC" and so on. */
const char *sandbox_rlimit_name(int resource);
/* Closes every fd above 2 except those in keep. Returns 0 or an errno. */
int sandbox_close_fds(const int *keep, size_t nkeep);

#endif
