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
	/* NULL: keep uid/gid; else a user name or uid, only when root. */
	const char *user;
	int strict;
};

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
