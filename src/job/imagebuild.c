/*
 * Is the env file in the image being built (imagebuild.h)? Two questions,
 * answered from what the kernel shows this process:
 *
 * Which builder, if any: BuildKit bind-mounts its own /etc/resolv.conf
 * and /etc/hosts from its executor directory (Docker's
 * /var/lib/docker/buildkit/executor, buildkitd's /var/lib/buildkit/
 * executor, rootless ones under ~/.local/share/buildkit) and names the
 * sandbox `buildkitsandbox` unless told otherwise; /.dockerenv, the usual
 * "in Docker" test, is absent there and says nothing about a build
 * elsewhere (the classic builder has it, as `docker run` does, and an
 * image may even carry one in a layer). So the executor's mounts decide,
 * and nothing here fires on a host or in a running container.
 *
 * Which mount holds the file: mountinfo lists every mount, bind mounts of
 * single files included, so the longest mount point above the file's
 * resolved path is the file system it is read from. The image's own file
 * system is the one mounted on /; a RUN --mount, a secret or a volume is
 * mounted somewhere below it.
 */
#include "imagebuild.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "msg.h"

/* BuildKit's default sandbox hostname (moby/buildkit executor/oci). */
#define BUILDKIT_HOSTNAME "buildkitsandbox"
#define BUILDKIT_EXECUTOR "buildkit/executor/"

/* Copies the n bytes at s into out (size bytes), turning mountinfo's
 * octal escapes (\040 space, \011 tab, \012 newline, \134 backslash) back
 * into bytes. Returns 0, or -1 when it does not fit. */
static int unescape(const char *s, size_t n, char *out, size_t size)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 3 < n && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			ch = (char)((s[i + 1] - '0') * 64 +
				    (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (k + 1 >= size)
			return -1;
		out[k++] = ch;
	}
	out[k] = '\0';
	return 0;
}

/* Finds fields 4 (the root of the mount within its file system) and 5
 * (the mount point) of one mountinfo line [p, end). Returns 0, or -1 for
 * a line too short to have them. */
static int line_fields(const char *p, const char *end, const char **root,
		       size_t *rootn, const char **mnt, size_t *mntn)
{
	const char *f[5];
	size_t fn[5];
	int k = 0;

	while (p < end && k < 5) {
		const char *s;

		while (p < end && *p == ' ')
			p++;
		s = p;
		while (p < end && *p != ' ')
			p++;
		if (p == s)
			break;
		f[k] = s;
		fn[k++] = (size_t)(p - s);
	}
	if (k < 5)
		return -1;
	*root = f[3];
	*rootn = fn[3];
	*mnt = f[4];
	*mntn = fn[4];
	return 0;
}

static int has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

const char *imagebuild_builder(const struct imagebuild_facts *f)
{
	const char *p = f->mountinfo;

	if (f->kaniko)
		return "kaniko";
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '\n'), *root, *mnt;
		size_t rootn, mntn;

		if (end == NULL)
			end = p + strlen(p);
		if (line_fields(p, end, &root, &rootn, &mnt, &mntn) == 0 &&
		    ((mntn == 16 && memcmp(mnt, "/etc/resolv.conf", 16) == 0) ||
		     (mntn == 10 && memcmp(mnt, "/etc/hosts", 10) == 0)) &&
		    has(root, rootn, BUILDKIT_EXECUTOR))
			return "BuildKit";
		p = *end != '\0' ? end + 1 : end;
	}
	if (f->hostname != NULL && strcmp(f->hostname, BUILDKIT_HOSTNAME) == 0)
		return "BuildKit";
	return NULL;
}

/* Whether mount point m holds path: m is "/", path itself, or a parent. */
static int holds(const char *m, const char *path)
{
	size_t n = strlen(m);

	if (strcmp(m, "/") == 0)
		return path[0] == '/';
	return strncmp(path, m, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int imagebuild_mount_of(const char *mountinfo, const char *path, char *mnt,
			size_t size)
{
	const char *p = mountinfo;
	size_t best = 0;
	int found = 0;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '\n'), *root, *m;
		size_t rootn, mn, len;
		char point[PATH_MAX];

		if (end == NULL)
			end = p + strlen(p);
		if (line_fields(p, end, &root, &rootn, &m, &mn) == 0 &&
		    unescape(m, mn, point, sizeof point) == 0 &&
		    holds(point, path)) {
			len = strlen(point);
			/* >=: a later mount on the same point covers it. */
			if (!found || len >= best) {
				if (len + 1 > size)
					return -1;
				memcpy(mnt, point, len + 1);
				best = len;
				found = 1;
			}
		}
		p = *end != '\0' ? end + 1 : end;
	}
	return found ? 0 : -1;
}

int imagebuild_env_check(const struct imagebuild_facts *f, const char *shown,
			 const char *resolved, char *text, size_t size)
{
	const char *builder = imagebuild_builder(f);
	char mnt[PATH_MAX];

	if (builder == NULL || f->mountinfo == NULL ||
	    imagebuild_mount_of(f->mountinfo, resolved, mnt, sizeof mnt) < 0 ||
	    strcmp(mnt, "/") != 0)
		return 0;
	(void)snprintf(
		text, size,
		"%s is part of the image being built (%s): it is on the "
		"image's own file system, not on a mount, so a COPY or an "
		"earlier RUN put it in a layer, and every secret in it ships "
		"with the image, although the build does not see them\n"
		"hint: drop the COPY and bind the file for this RUN line only: "
		"RUN --mount=type=bind,source=%s,target=%s "
		"cleanroom run (or a secret: RUN --mount=type=secret,id=appenv "
		"cleanroom run --env /run/secrets/appenv, with docker build "
		"--secret id=appenv,src=%s)",
		shown, builder, shown, resolved, shown);
	return 1;
}

void imagebuild_warn_env_files(const struct spec_list *files)
{
	struct imagebuild_facts f = {0};
	struct buf mi = {0};
	struct utsname u;
	char resolved[PATH_MAX], text[2048];

	if (files->n == 0)
		return;
	f.kaniko = access("/kaniko/executor", F_OK) == 0;
	if (uname(&u) == 0)
		f.hostname = u.nodename;
	/* No /proc: nothing to go on, and nothing is said. */
	if (io_read_file("/proc/self/mountinfo", 1 << 22, &mi) < 0 ||
	    buf_addc(&mi, '\0') < 0)
		goto out;
	f.mountinfo = mi.p;
	if (imagebuild_builder(&f) == NULL)
		goto out;
	for (size_t i = 0; i < files->n; i++)
		if (realpath(files->v[i].s, resolved) != NULL &&
		    imagebuild_env_check(&f, files->v[i].s, resolved, text,
					 sizeof text))
			msg_warn("%s", text);
out:
	buf_free(&mi);
}
