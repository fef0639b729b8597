/*
 * Inside an image build, is the env file part of the image? A `COPY
 * .aptible.env` (or a RUN that writes it) puts every secret of the file in
 * a layer that anyone who pulls the image can read, although cleanroom
 * withholds them from the build. Read through a mount (`RUN
 * --mount=type=bind` or `type=secret`), the file is in no layer. `run` and
 * `doctor` warn about the first case.
 *
 * The decision is pure (imagebuild_builder, imagebuild_mount_of,
 * imagebuild_env_check take the facts as text); imagebuild_warn_env_files
 * gathers the facts from this process and prints the warnings.
 */
#ifndef CLEANROOM_IMAGEBUILD_H
#define CLEANROOM_IMAGEBUILD_H

#include <stddef.h>

#include "spec.h"

struct imagebuild_facts {
	const char *mountinfo; /* /proc/self/mountinfo's text, or NULL */
	const char *hostname;  /* uname's nodename, or NULL */
	int kaniko;	       /* /kaniko/executor exists */
};

/* The image builder running this process, or NULL when none can be told:
 * a plain host, a `docker run` container, and the classic builder, whose
 * RUN containers are `docker run`'s in every respect a process can see.
 * BuildKit (Docker's builder since 23.0, and `DOCKER_BUILDKIT=1`) is
 * known by its executor's /etc/resolv.conf or /etc/hosts bind mount (a
 * file under a `buildkit/executor` directory) or its default hostname
 * `buildkitsandbox`; kaniko by /kaniko/executor. */
const char *imagebuild_builder(const struct imagebuild_facts *f);

/* The mount point of the mount that holds path (absolute, symlinks
 * resolved) according to mountinfo: the longest mount point that is path
 * or a parent directory of it, the last one listed when mounts are stacked.
 * Copies it (unescaped: mountinfo writes a space as \040) into mnt.
 * Returns 0, or -1 when no line of mountinfo holds it (or mnt is too
 * small). */
int imagebuild_mount_of(const char *mountinfo, const char *path, char *mnt,
			size_t size);

/* Whether to warn about the env file shown as `shown` (as the user named
 * it) and resolved to `resolved` (absolute): 1 with the warning and its
 * hint (`WHAT\nhint: HOW`) in text when an image build is running and the
 * file lies on the image's own root file system, not on a mount; 0 when
 * there is nothing to say. */
int imagebuild_env_check(const struct imagebuild_facts *f, const char *shown,
			 const char *resolved, char *text, size_t size);

/* Prints a warning (msg_warn) for each of files that imagebuild_env_check
 * flags, with this process's facts. Files that cannot be resolved are
 * skipped: reading them is the policy's job, and it reports them. */
void imagebuild_warn_env_files(const struct spec_list *files);

#endif
