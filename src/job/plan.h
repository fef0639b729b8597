/*
 * The sandbox plan of a job, as plain data (struct sandbox_plan, which
 * sandbox.h applies) with the absolute paths it points at: the output roots
 * and the writable directories the build may write beneath, the env files
 * it may not read, the network, limits, user and strictness of the
 * configuration. Every path is the configuration's, made absolute against
 * the workdir: `run` and `doctor` see the same plan. Building it touches
 * nothing; `run` creates the directories (plan_make_dirs) and adds its
 * private TMPDIR (plan_add_writable).
 *
 * Ownership: plan_build fills a caller-owned struct plan; plan_free
 * releases it. The plan borrows strings of the configuration (the user).
 */
#ifndef CLEANROOM_PLAN_H
#define CLEANROOM_PLAN_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "spec.h"

/* What the build may do, as sandbox.h applies it. */
struct sandbox_plan {
	const char *workdir; /* absolute; the caller chdirs there */
	/* Absolute paths the build may write beneath: output roots, scratch
	 * dirs, the private TMPDIR. The caller creates them beforehand (and,
	 * with `user`, makes them writable by that user: sandbox_user_ids). */
	const char *const *writable;
	size_t nwritable;
	/* Absolute paths of the env files, to be unreadable by the build. A
	 * path that does not exist is skipped (nothing to hide). */
	const char *const *hidden;
	size_t nhidden;
	int deny_network;
	/* With deny_network: socket(AF_UNIX) stays allowed (the spec's
	 * sandbox.unix_sockets). Pairs (socketpair) always are. */
	int allow_unix_sockets;
	struct spec_limits limits; /* -1 = unset: leave the inherited limit */
	/* The spec's user (a name or uid, applied only when cleanroom is
	 * root), or NULL. "root" (or a user whose uid is 0) keeps uid 0. */
	const char *user;
	/* 1: cleanroom is root and the spec names no user, so the build runs
	 * as PLAN_BUILD_UID:PLAN_BUILD_GID with no supplementary groups. */
	int default_user;
	/* 1: the build runs as another user than cleanroom's (default_user,
	 * or a user other than root), so it gets a private, empty HOME at
	 * PLAN_HOME instead of the caller's. */
	int private_home;
	int strict;
};

/* The build's ids when cleanroom runs as root and the spec names no
 * user: `nobody` and its group, which Debian, Ubuntu, Alpine, Fedora and
 * busybox images list in /etc/passwd (so getpwuid answers), below 65536
 * (so a daemon with remapped users maps it), and used by no file of a
 * web app's tree. README "The build's user" weighs the choice. */
#define PLAN_BUILD_UID 65534
#define PLAN_BUILD_GID 65534
/* The build's HOME with private_home: one stable path, so that a tool
 * that writes HOME into its output writes the same on every run. */
#define PLAN_HOME "/tmp/cleanroom-home"

/* 1 when user names root as `user:` may ("root" or "0"). */
int plan_user_is_root(const char *user);

struct plan {
	struct sandbox_plan sb;
	char **paths; /* owns every absolute path below */
	size_t npaths, cap;
	const char **writable; /* sb.writable: roots, writable, extras */
	const char **hidden;   /* sb.hidden: the env files */
};

/* wd_abs: the workdir's absolute path. Returns 0, or -1 with e filled
 * (ERR_SYSTEM: out of memory). */
int plan_build(const struct config *cfg, const char *wd_abs, struct plan *p,
	       struct err *e);

/* Adds one more writable absolute path (run's TMPDIR); p owns a copy.
 * plan_build keeps room for two. Returns 0, or -1 with e filled
 * (ERR_SYSTEM). */
int plan_add_writable(struct plan *p, const char *abs, struct err *e);

/* mkdir -p of every output root and writable directory of the
 * configuration, beneath the current directory (the workdir) and never
 * through a link. Returns 0, or -1 with e filled (ERR_CONFIG for a bad
 * path). */
int plan_make_dirs(const struct config *cfg, struct err *e);

/* Frees the paths and arrays p owns; p->sb's pointers die with them. */
void plan_free(struct plan *p);

#endif
