/*
 * The build's own control group (README "The sandbox", limits): where a
 * writable cgroup exists, the build runs in a group of its own, a child
 * `cleanroom-PID` of the group cleanroom is in, with the spec's memory
 * limit on the whole build (all its processes together, swap included)
 * and its processes limit (tasks: processes and threads, for uid 0 too,
 * which RLIMIT_NPROC exempts). The group is also the sweep's list of what
 * is left of the build. Where no cgroup is writable (inside `docker
 * build`, or cleanroom not root), the per-process rlimits are all there
 * is, and the sandbox line says so.
 *
 * Two hierarchies are understood: cgroup v1, where the pids and memory
 * controllers each have a hierarchy of their own (or share one), and
 * cgroup v2, one hierarchy whose controllers a group hands to its
 * children through cgroup.subtree_control. A machine may have both (the
 * "hybrid" layout: v1 controllers, a v2 hierarchy with none of them);
 * each controller is taken where it is, v1 first.
 *
 * The pure part reads the text of /proc/self/cgroup and
 * /proc/self/mountinfo and chooses the directories (cgroup_choose, unit
 * tested with fixture text); the rest writes to the kernel. The calls, in
 * order: cgroup_probe (in sandbox_probe: nothing is created),
 * cgroup_sweep_stale (groups of killed cleanrooms), cgroup_create (in the
 * parent, before fork), cgroup_enter (in the child, between fork and exec,
 * before its identity changes: no allocation), cgroup_close_join (in the
 * parent after fork), cgroup_kill_round (the sweep, until it reports 0),
 * cgroup_events (the OOM kills and refused forks), cgroup_destroy.
 *
 * Ownership: everything is in the caller's structs; cgroup_destroy closes
 * what cgroup_create opened.
 */
#ifndef CLEANROOM_CGROUP_H
#define CLEANROOM_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define CG_PIDS	  1u
#define CG_MEMORY 2u

/* The prefix of the groups cleanroom makes, followed by its pid. */
#define CGROUP_PREFIX "cleanroom-"

#define CGROUP_DIRS_MAX 3
#define CGROUP_PATH_MAX 1024

/* One hierarchy the build's group goes into: its version (1 or 2), the
 * controllers cleanroom uses from it (0 for a v2 group used only to list
 * and kill the build), and the directory of cleanroom's own group in it
 * (the new group's parent). */
struct cgroup_place {
	int version;
	unsigned controllers;
	char dir[CGROUP_PATH_MAX];
};

/* What is writable here: the places, or why there are none. */
struct cgroup_where {
	struct cgroup_place place[CGROUP_DIRS_MAX];
	size_t n;
	unsigned controllers; /* the union of the places' */
	char why[160];	      /* n == 0: why no group ("the cgroup
				 filesystem is read-only") */
};

/* ---- the pure part ---- */

/* The path of this process's group for a v1 controller ("pids",
 * "memory"), or for the v2 hierarchy (controller NULL: the "0::" line),
 * in the text of /proc/self/cgroup. Returns 0 with path filled, or -1
 * when there is no such line (or the path does not fit). */
int cgroup_self_path(const char *self_cgroup, const char *controller,
		     char *path, size_t size);

/* Where that group is: the first mount in the text of
 * /proc/self/mountinfo of that hierarchy (v1: a "cgroup" mount whose
 * super options name the controller; v2: a "cgroup2" mount) whose root
 * holds path. dir gets the mount point joined with the rest of path
 * (mountinfo's octal escapes undone); *ro is 1 when the mount is
 * read-only. Returns 0, or -1 when no mount shows that group. */
int cgroup_mount_dir(const char *mountinfo, const char *controller,
		     const char *path, char *dir, size_t size, int *ro);

/* The CG_ bits among the names in a v2 cgroup.controllers text
 * ("cpuset cpu io memory pids"). */
unsigned cgroup_v2_controllers(const char *text);

/* The choice, from the two texts: v1's pids and memory hierarchies where
 * they are mounted and writable, then v2 for what v1 lacks (its
 * available controllers given by v2_available, the text of the current
 * group's cgroup.controllers, or NULL when unread), or as a group with no
 * controller when v1 has no place (to list and kill the build).
 * writable(dir) answers 0 or an errno (access(2) W_OK in cgroup_probe, a
 * stub in the tests). Fills w (w->why when none). */
void cgroup_choose(const char *self_cgroup, const char *mountinfo,
		   const char *v2_available, int (*writable)(const char *dir),
		   struct cgroup_where *w);

/* "cgroup v1 (pids, memory)", "cgroup v2 (memory, pids)", "cgroup v1
 * (pids) + v2 (memory)", "cgroup v2 (no controllers)"; or, with none,
 * "no writable cgroup: per-process rlimits only". */
void cgroup_describe(const struct cgroup_where *w, char *buf, size_t size);

/* ---- the kernel ---- */

/* Reads /proc/self/cgroup, /proc/self/mountinfo and (when there is a v2
 * hierarchy) the current group's cgroup.subtree_control, and chooses. Nothing
 * is created. */
void cgroup_probe(struct cgroup_where *w);

/* Removes the groups named CGROUP_PREFIX + PID beside where this
 * cleanroom's group goes, whose PID names no live process (or this very
 * process: a pid reused by a container's next cleanroom): every process
 * still in one is killed first. *groups and *killed get how many. Returns
 * 0, or -1 with errno when a parent directory cannot be read. */
int cgroup_sweep_stale(const struct cgroup_where *w, size_t *groups,
		       size_t *killed);

/* A group made for one build. */
struct cgroup {
	size_t n;
	struct {
		int version;
		unsigned controllers; /* with a limit set */
		char path[CGROUP_PATH_MAX];
		int procs_fd; /* its cgroup.procs, open for the child to
				 join; -1 after cgroup_close_join */
		int kill_fd;  /* v2's cgroup.kill, or -1 */
	} d[CGROUP_DIRS_MAX];
	unsigned limited; /* CG_ bits whose limit is set */
	int64_t memory;	  /* the limits set, or -1 */
	int64_t processes;
};

/* Creates CGROUP_PREFIX + getpid() in each place and sets the limits
 * (memory < 0, processes < 0: none): v1 memory.limit_in_bytes then
 * memory.memsw.limit_in_bytes when the kernel accounts swap; v2
 * memory.max, memory.swap.max 0, memory.oom.group 1; pids.max for both.
 * Returns 0,
 * or -1 with e filled (ERR_SYSTEM) and nothing left behind. */
int cgroup_create(const struct cgroup_where *w, int64_t memory,
		  int64_t processes, struct cgroup *cg, struct err *e);

/* In the child: joins every group (writes "0" to each cgroup.procs).
 * Returns 0 or an errno. No allocation. */
int cgroup_enter(const struct cgroup *cg);

/* In the parent after fork: closes the fds only the child needed. */
void cgroup_close_join(struct cgroup *cg);

/* One round of the sweep: kills every process listed in the group (v2
 * with cgroup.kill: the whole group at once, fork racing or not), each
 * pinned by a pidfd and checked to still be in the group before it is
 * signalled, so that a reused pid is never hit. skip: a pid not to
 * count (the command, left unreaped on purpose), or 0. Returns how many
 * live processes the group held. */
size_t cgroup_kill_round(const struct cgroup *cg, pid_t skip);

/* What the kernel counted in the group: processes killed for want of
 * memory (v1 memory.oom_control, v2 memory.events: oom_kill) and forks
 * refused at the processes limit (pids.events: max). -1 where unknown. */
void cgroup_events(const struct cgroup *cg, long *oom_kills,
		   long *fork_refused);

/* Removes the groups (retrying while the kernel still counts a task that
 * just exited). Returns 0, or -1 with errno of the first that stayed. */
int cgroup_destroy(struct cgroup *cg);

#endif
