/*
 * Whether the build, as the user sandbox_apply makes it, can get at a
 * path: every directory on the way searchable, the path itself readable
 * (or executable) by its mode bits for that uid, its gid and its groups.
 * cleanroom runs as root, so access(2) would answer for root; this reads
 * the modes instead, the way the kernel's generic_permission does without
 * capabilities (the build has none): the owner's bits if the uid owns the
 * file, else the group's if one of its groups does, else the others'.
 * ACLs are not read (an image's files seldom carry any; one that grants
 * more makes this say "cannot" where the build could, and the build then
 * is only told so after it failed for another reason). Links are resolved
 * first, as the build's own lookup would, and the walk then follows the
 * resolved path.
 */
#include "sandbox.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mode bits (rwx, 0-7) that apply to ids for a file with st. */
static unsigned bits_for(const struct sandbox_ids *ids, const struct stat *st)
{
	if (st->st_uid == ids->uid)
		return (st->st_mode >> 6) & 7;
	if (st->st_gid == ids->gid)
		return (st->st_mode >> 3) & 7;
	for (size_t i = 0; i < ids->ngroups; i++)
		if (st->st_gid == ids->groups[i])
			return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

/* The bits (rwx) that some class (owner, group, others) has: what the
 * build would have as root too, capabilities dropped, on a file it owns
 * or whose group it has. Bits no class has are refused to any build, and
 * so are not the build user's to report: the build fails as it would
 * have, with the tool's own message (a script of mode 0644). */
static unsigned bits_any(const struct stat *st)
{
	return ((st->st_mode >> 6) | (st->st_mode >> 3) | st->st_mode) & 7;
}

static int denied(const char *path, const struct stat *st,
		  struct sandbox_denied *why)
{
	size_t n = strlen(path);

	if (n >= sizeof why->path)
		n = sizeof why->path - 1;
	memcpy(why->path, path, n);
	why->path[n] = '\0';
	why->mode = st->st_mode & 07777;
	why->uid = st->st_uid;
	why->gid = st->st_gid;
	return 0;
}

int sandbox_access_check(const struct sandbox_prepared *sp, const char *path,
			 int want, struct sandbox_denied *why)
{
	const struct sandbox_ids *ids = sandbox_prepared_ids(sp);
	char real[PATH_MAX], pre[PATH_MAX];
	struct stat st;
	unsigned need = 0;
	size_t n;

	memset(why, 0, sizeof *why);
	if (!ids->change || ids->uid == 0)
		return 1;
	if (realpath(path, real) == NULL)
		return -1;
	/* Each prefix ending at a '/' ("/" itself first) is a directory on
	 * the way and must be searchable; the whole path is the target. */
	n = strlen(real);
	for (size_t i = 0; i <= n; i++) {
		size_t len = i == 0 ? 1 : i;

		if (i != n && real[i] != '/')
			continue;
		memcpy(pre, real, len);
		pre[len] = '\0';
		if (stat(pre, &st) < 0)
			return -1;
		if (i == n)
			break;
		if (!(bits_for(ids, &st) & 1) && (bits_any(&st) & 1))
			return denied(pre, &st, why);
	}
	if (want & R_OK)
		need |= 4;
	if (want & W_OK)
		need |= 2;
	if (want & X_OK)
		need |= 1;
	if ((bits_for(ids, &st) & need) != need &&
	    (bits_any(&st) & need) == need)
		return denied(real, &st, why);
	return 1;
}
