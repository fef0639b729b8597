/*
 * beneath.c: no call follows a symlink or climbs with "..", with openat2
 * and with the fd-by-fd walk that stands in for it on older kernels.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "tap.h"

static char top[64];

static int scratch(void)
{
	char p[128];
	int fd;

	snprintf(top, sizeof top, "/tmp/cleanroom-beneath-XXXXXX");
	if (mkdtemp(top) == NULL)
		abort();
	snprintf(p, sizeof p, "%s/in", top);
	if (mkdir(p, 0755) < 0)
		abort();
	snprintf(p, sizeof p, "%s/outside", top);
	if (mkdir(p, 0755) < 0)
		abort();
	snprintf(p, sizeof p, "%s/outside/victim", top);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "precious", 8) != 8)
		abort();
	close(fd);
	snprintf(p, sizeof p, "%s/in", top);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || mkdirat(fd, "real", 0755) < 0 ||
	    symlinkat("../outside", fd, "link") < 0 ||
	    symlinkat("real", fd, "inner") < 0)
		abort();
	return fd;
}

static void cleanup(int fd)
{
	char cmd[128];

	close(fd);
	snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	if (system(cmd) != 0)
		abort();
}

static void each_way(int openat2)
{
	const char *how = openat2 ? "openat2" : "walk";
	const char *leaf;
	char buf[16] = {0};
	struct stat st;
	int dir = scratch(), fd;

	beneath_use_openat2(openat2);
	fd = beneath_open(dir, "link/victim", O_RDONLY, 0);
	T_OK(fd < 0 && errno == ELOOP, "%s: a link on the way is ELOOP (%d)",
	     how, errno);
	fd = beneath_open(dir, "inner", O_RDONLY | O_DIRECTORY, 0);
	T_OK(fd < 0 && errno == ELOOP,
	     "%s: a link at the end, even inside, is ELOOP (%d)", how, errno);
	fd = beneath_open(dir, "real/../../outside/victim", O_RDONLY, 0);
	T_OK(fd < 0 && errno == EXDEV, "%s: '..' above the start is EXDEV (%d)",
	     how, errno);
	fd = beneath_open(dir, "real", O_RDONLY | O_DIRECTORY, 0);
	T_OK(fd >= 0, "%s: a real directory opens", how);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkdirs(dir, "real/a/b");
	T_OK(fd >= 0, "%s: mkdirs makes real/a/b", how);
	if (fd >= 0)
		close(fd);
	T_OK(fstatat(dir, "real/a/b", &st, 0) == 0 && S_ISDIR(st.st_mode),
	     "%s: which is a directory", how);
	T_OK(beneath_mkdirs(dir, "link/new") < 0 && errno == ELOOP,
	     "%s: mkdirs through a link fails", how);
	T_OK(fstatat(dir, "../outside/new", &st, 0) < 0,
	     "%s: and makes nothing outside", how);
	T_OK(beneath_write_file(dir, "link/victim", "pwned", 5) < 0 &&
		     errno == ELOOP,
	     "%s: a write through a linked directory fails", how);
	T_OK(symlinkat("../outside/victim", dir, "real/lock") == 0,
	     "%s: a link where a file will be written", how);
	T_OK(beneath_write_file(dir, "real/lock", "new", 3) == 0,
	     "%s: the write replaces the link", how);
	T_OK(fstatat(dir, "real/lock", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISREG(st.st_mode),
	     "%s: with a regular file", how);
	fd = openat(dir, "../outside/victim", O_RDONLY);
	T_OK(fd >= 0 && read(fd, buf, sizeof buf - 1) == 8 &&
		     strcmp(buf, "precious") == 0,
	     "%s: the file the link led to is untouched", how);
	if (fd >= 0)
		close(fd);
	fd = beneath_parent(dir, "real/a/b/file", 0, &leaf);
	T_OK(fd >= 0 && strcmp(leaf, "file") == 0,
	     "%s: parent of real/a/b/file, leaf 'file'", how);
	if (fd >= 0)
		close(fd);
	T_OK(beneath_parent(dir, "real/..", 0, &leaf) < 0,
	     "%s: a path ending in '..' has no leaf", how);
	cleanup(dir);
	beneath_use_openat2(1);
}

TAP_SUITE(beneath_no_links)
{
	each_way(1);
	each_way(0);
}

TAP_SUITE(beneath_chown)
{
	struct stat st, before;
	int dir = scratch();
	char p[128];

	if (geteuid() != 0) {
		T_OK(1, "# SKIP chown needs root");
		cleanup(dir);
		return;
	}
	snprintf(p, sizeof p, "%s/outside/victim", top);
	T_OK(stat(p, &before) == 0, "the victim is there");
	T_OK(beneath_chown_tree(dir, "link", 4242, 4242) == 0,
	     "a link in the directory's place is given over itself");
	T_OK(stat(p, &st) == 0 && st.st_uid == before.st_uid,
	     "not what it leads to");
	T_OK(fstatat(dir, "link", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     st.st_uid == 4242,
	     "the link is");
	T_OK(symlinkat("../../outside", dir, "real/out") == 0, "a link inside");
	T_OK(beneath_chown_tree(dir, "real", 4343, 4343) == 0,
	     "chown -R of a directory with a link in it");
	T_OK(stat(p, &st) == 0 && st.st_uid == before.st_uid,
	     "does not follow it");
	T_OK(fstatat(dir, "real", &st, 0) == 0 && st.st_uid == 4343,
	     "the directory is given over");
	cleanup(dir);
}

/* The build user's hand-over: the whole tree but never a link, and
 * nothing that has the ids already (on overlayfs a chown copies a file
 * up). */
TAP_SUITE(beneath_chown_whole)
{
	struct stat st, before;
	struct timespec tick = {0, 30 * 1000 * 1000};
	int dir = scratch(), fd;

	if (geteuid() != 0) {
		T_OK(1, "# SKIP chown needs root");
		cleanup(dir);
		return;
	}
	T_OK(mkdirat(dir, "real/sub", 0755) == 0, "a subdirectory");
	fd = openat(dir, "real/sub/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	T_OK(fd >= 0 && close(fd) == 0, "a file in it");
	T_OK(symlinkat("sub", dir, "real/sublink") == 0, "a link");
	T_OK(beneath_chown_tree(dir, "real", 4444, 4444) == 0, "given over");
	T_OK(fstatat(dir, "real/sub", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     st.st_uid == 4444 && st.st_gid == 4444,
	     "the subdirectory is given over");
	T_OK(fstatat(dir, "real/sub/file", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     st.st_uid == 4444 && st.st_gid == 4444,
	     "the file is given over");
	T_OK(fstatat(dir, "real/sublink", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     st.st_uid == 4444,
	     "a link is given over itself (lchown)");
	T_OK(beneath_chown_tree(dir, "real", 0, 0) == 0, "given back");
	T_OK(fstatat(dir, "real/sub/file", &before, AT_SYMLINK_NOFOLLOW) == 0 &&
		     before.st_uid == 0,
	     "the file is root's again");
	/* More than a clock tick, so that a chown would move the ctime. */
	(void)nanosleep(&tick, NULL);
	T_OK(beneath_chown_tree(dir, "real", 0, 0) == 0, "given back again");
	T_OK(fstatat(dir, "real/sub/file", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     st.st_ctim.tv_sec == before.st_ctim.tv_sec &&
		     st.st_ctim.tv_nsec == before.st_ctim.tv_nsec,
	     "a file that has the ids already is not touched");
	T_OK(fstatat(dir, "real/sub", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     st.st_uid == 0,
	     "the subdirectory is root's again");
	cleanup(dir);
}

/* beneath_remove_tree: everything below goes, through directories made
 * unreadable, and no link is followed: what a link leads to stays. */
TAP_SUITE(beneath_remove_tree)
{
	struct stat st;
	int dir = scratch(), fd;
	char p[128];

	snprintf(p, sizeof p, "%s/outside/victim", top);
	T_OK(beneath_mkdirs(dir, "real/scratch/deep/er") >= 0,
	     "a tree to remove");
	fd = openat(dir, "real/scratch/deep/er/f", O_WRONLY | O_CREAT, 0600);
	T_OK(fd >= 0, "a file in it");
	if (fd >= 0)
		close(fd);
	T_OK(symlinkat("../../../outside", dir, "real/scratch/deep/out") == 0,
	     "a link to outside in it");
	T_OK(symlinkat("../../outside/victim", dir, "real/scratch/v") == 0,
	     "a link to a file outside in it");
	T_OK(fchmodat(dir, "real/scratch/deep/er", 0, 0) == 0 &&
		     fchmodat(dir, "real/scratch/deep", 0500, 0) == 0,
	     "directories made unreadable and unwritable");
	T_OK(beneath_remove_tree(dir, "real/scratch") == 0,
	     "the tree is removed");
	T_OK(fstatat(dir, "real/scratch", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		     errno == ENOENT,
	     "nothing of it is left");
	T_OK(stat(p, &st) == 0, "what its links led to is untouched");
	T_OK(beneath_remove_tree(dir, "link") == 0 &&
		     fstatat(dir, "link", &st, AT_SYMLINK_NOFOLLOW) < 0,
	     "a link in the tree's place is removed itself");
	snprintf(p, sizeof p, "%s/outside", top);
	T_OK(stat(p, &st) == 0 && S_ISDIR(st.st_mode),
	     "not the directory it led to");
	T_OK(beneath_remove_tree(dir, "real/none") == 0,
	     "a missing path is not an error");
	cleanup(dir);
}

/* The number of entries in the scratch's in/real (but . and ..). */
static int entries(void)
{
	char p[160];
	int n = 0;
	FILE *ls;

	snprintf(p, sizeof p, "ls -A %s/in/real | wc -l", top);
	ls = popen(p, "r");
	if (ls == NULL || fscanf(ls, "%d", &n) != 1)
		n = -1;
	if (ls != NULL)
		pclose(ls);
	return n;
}

/* beneath_stage_file, then beneath_commit_file or beneath_unstage_file:
 * the path is untouched until the commit, and an unstaged write leaves
 * nothing behind. */
TAP_SUITE(beneath_staged_write)
{
	struct beneath_staged s;
	char buf[16] = "";
	int dir = scratch(), fd, before;

	T_OK(beneath_write_file(dir, "real/lock", "old", 3) == 0,
	     "a file to replace");
	before = entries();
	T_OK(beneath_stage_file(dir, "real/lock", "new!", 4, &s) == 0,
	     "staged");
	T_INT(entries(), before + 1, "a temporary file beside it");
	fd = openat(dir, "real/lock", O_RDONLY);
	T_OK(fd >= 0 && read(fd, buf, sizeof buf) == 3 &&
		     memcmp(buf, "old", 3) == 0,
	     "the path still holds the old bytes");
	if (fd >= 0)
		close(fd);
	beneath_unstage_file(&s);
	T_INT(s.parent, -1, "unstaging releases the state");
	T_INT(entries(), before, "and removes the temporary file");
	beneath_unstage_file(&s); /* twice: nothing */

	T_OK(beneath_stage_file(dir, "real/lock", "new!", 4, &s) == 0,
	     "staged again");
	T_OK(beneath_commit_file(&s) == 0 && s.parent == -1, "committed");
	T_INT(entries(), before, "no temporary file left");
	memset(buf, 0, sizeof buf);
	fd = openat(dir, "real/lock", O_RDONLY);
	T_OK(fd >= 0 && read(fd, buf, sizeof buf) == 4 &&
		     memcmp(buf, "new!", 4) == 0,
	     "the path holds the new bytes");
	if (fd >= 0)
		close(fd);
	T_OK(beneath_stage_file(dir, "link/victim", "x", 1, &s) < 0 &&
		     errno == ELOOP && s.parent == -1,
	     "staging through a linked directory fails, nothing held");
	cleanup(dir);
}
