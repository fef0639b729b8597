/*
 * Identity and capabilities, through libcap. The build must end with no
 * capability in any set and no way to get one back: the bounding set
 * limits what an exec can ever grant, the securebits stop uid 0 from
 * meaning "all capabilities" on exec (NOROOT) and stop setuid from
 * adjusting the sets (NO_SETUID_FIXUP), and their lock bits make that
 * permanent for the build and everything it starts (capabilities(7),
 * "The securebits flags"). Changing the bounding set and the securebits
 * needs CAP_SETPCAP, which Docker grants by default; a process without it
 * (not root) has nothing to drop but the bounding set, and no_new_privs
 * then keeps exec from raising anything (the kernel intersects the new
 * permitted set with the old one, security/commoncap.c).
 *
 * The user is resolved in the parent (musl's getpwnam reads /etc/passwd
 * and allocates nothing we keep). What runs in the child is raw system
 * calls: the child shares cleanroom's memory until it execs (vclone.h),
 * and musl's set*id wrappers run __synccall, which takes a lock and
 * signals every thread of the parent's (src/unistd/setxid.c); libcap's
 * cap_set_proc and cap_reset_ambient take its lock and make one call per
 * capability. The kernel's calls act on the calling task alone, which is
 * what the single-threaded child wants.
 */
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/securebits.h>

int sandbox_ids_resolve(const struct sandbox_plan *p, struct sandbox_ids *ids,
			struct err *e)
{
	const char *user = p->user;
	struct passwd *pw;
	char *end;
	unsigned long n;
	int ng;

	memset(ids, 0, sizeof *ids);
	if (user == NULL) {
		/* The default build user: fixed ids, whatever this image's
		 * /etc/passwd says, and no supplementary group at all
		 * (setgroups(0, NULL)): root's groups (disk, adm, shadow in
		 * some images) would give it what the uid does not. */
		if (!p->default_user)
			return 0;
		ids->uid = PLAN_BUILD_UID;
		ids->gid = PLAN_BUILD_GID;
		ids->ngroups = 0;
		ids->change = 1;
		ids->is_default = 1;
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		errno = 0;
		n = strtoul(user, &end, 10);
		if (user[0] < '0' || user[0] > '9' || *end != '\0' ||
		    errno != 0 || n >= (unsigned long)(uid_t)-1) {
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"user %s: no such user in /etc/passwd", user);
			err_hint(e, "name a user of this image, or a numeric "
				    "uid");
			return -1;
		}
		pw = getpwuid((uid_t)n);
		/* A bare uid with no passwd entry runs with the same gid and
		 * no supplementary groups, like `docker run --user N`. */
		ids->uid = (uid_t)n;
		ids->gid = pw != NULL ? pw->pw_gid : (gid_t)n;
		ids->groups[0] = ids->gid;
		ids->ngroups = 1;
		ids->change = 1;
		if (pw == NULL)
			return 0;
	} else {
		ids->uid = pw->pw_uid;
		ids->gid = pw->pw_gid;
		ids->change = 1;
	}
	ng = (int)(sizeof ids->groups / sizeof ids->groups[0]);
	if (getgrouplist(pw->pw_name, ids->gid, ids->groups, &ng) < 0) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"user %s: more than %zu groups", user,
			sizeof ids->groups / sizeof ids->groups[0]);
		return -1;
	}
	ids->ngroups = (size_t)ng;
	/* `user: root` keeps cleanroom's own identity, groups and all: the
	 * build runs as it did before the default user existed. */
	if (ids->uid == 0)
		ids->change = 0;
	return 0;
}

int sandbox_ids_apply(const struct sandbox_ids *ids, const char **step)
{
	/* Groups first: setgroups and setresgid need CAP_SETGID, which
	 * setresuid to a non-root uid may take away. */
	*step = "setgroups";
	if (syscall(SYS_setgroups, ids->ngroups,
		    ids->ngroups ? ids->groups : NULL) < 0)
		return errno;
	*step = "setresgid";
	if (syscall(SYS_setresgid, ids->gid, ids->gid, ids->gid) < 0)
		return errno;
	*step = "setresuid";
	if (syscall(SYS_setresuid, ids->uid, ids->uid, ids->uid) < 0)
		return errno;
	return 0;
}

int sandbox_caps_drop_bound(void)
{
	/* cap_max_bits reads what libcap found at startup: no call. */
	cap_value_t max = cap_max_bits();

	for (cap_value_t c = 0; c < max; c++)
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0)
			return errno;
	return 0;
}

int sandbox_caps_lock_secbits(void)
{
	/* KEEP_CAPS is left off and locked off: a later setuid clears the
	 * permitted set. */
	unsigned long bits =
		SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
		SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		SECBIT_NO_CAP_AMBIENT_RAISE |
		SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return errno;
	return 0;
}

int sandbox_caps_clear(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	/* Version 3 takes two words per set: capabilities 0-31, 32-63. */
	struct __user_cap_data_struct none[2] = {{0, 0, 0}, {0, 0, 0}};

	/* Ambient first: the kernel drops ambient capabilities that leave
	 * the permitted or inheritable set anyway, but clearing them
	 * explicitly does not depend on that. EINVAL: a kernel before 4.3
	 * has no ambient set. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return errno;
	if (syscall(SYS_capset, &hdr, none) < 0)
		return errno;
	return 0;
}

static unsigned long mask_of(cap_flag_t flag)
{
	cap_t now = cap_get_proc();
	unsigned long m = 0;
	cap_value_t max = cap_max_bits();

	if (now == NULL)
		return 0;
	for (cap_value_t c = 0; c < max && c < 64; c++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(now, c, flag, &v) == 0 && v == CAP_SET)
			m |= 1UL << c;
	}
	(void)cap_free(now);
	return m;
}

unsigned long sandbox_caps_effective(void)
{
	return mask_of(CAP_EFFECTIVE);
}

unsigned long sandbox_caps_bounding(void)
{
	unsigned long m = 0;
	cap_value_t max = cap_max_bits();

	for (cap_value_t c = 0; c < max && c < 64; c++)
		if (cap_get_bound(c) > 0)
			m |= 1UL << c;
	return m;
}
