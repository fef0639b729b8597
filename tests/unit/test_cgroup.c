/*
 * The choice of the build's cgroup (src/sandbox/cgroup.c) from the text
 * of /proc/self/cgroup and /proc/self/mountinfo: cgroup v1 as on a host
 * with systemd's hybrid layout, pure v2 as on a current distribution,
 * inside a container without a cgroup namespace (the mount's root is the
 * container's group), read-only mounts as Docker makes them, escapes in
 * mount points; and one real group made, joined and swept where this
 * machine lets cleanroom write a cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "tap.h"

static int all_writable(const char *dir)
{
	(void)dir;
	return 0;
}

static int none_writable(const char *dir)
{
	(void)dir;
	return EACCES;
}

/* This machine's layout: v1 controllers, v2 with none of them. */
static const char hybrid_self[] =
	"12:pids:/user.slice/user-0.slice\n"
	"9:name=systemd:/user.slice\n"
	"4:memory:/process_api/c0ffee\n"
	"3:cpu,cpuacct:/\n"
	"0::/user.slice/user-0.slice/session-1.scope\n";
static const char hybrid_mi[] =
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup "
	"rw,cpu,cpuacct\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup "
	"cgroup rw,memory\n"
	"38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 "
	"rw\n";

/* A current distribution: one v2 hierarchy at /sys/fs/cgroup. */
static const char v2_self[] = "0::/system.slice/ci-runner.service\n";
static const char v2_mi[] =
	"24 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
	"shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

TAP_SUITE(cgroup_self_path)
{
	char p[256];

	T_INT(cgroup_self_path(hybrid_self, "pids", p, sizeof p), 0, "pids");
	T_STR(p, "/user.slice/user-0.slice", "pids path");
	T_INT(cgroup_self_path(hybrid_self, "memory", p, sizeof p), 0,
	      "memory");
	T_STR(p, "/process_api/c0ffee", "memory path");
	T_INT(cgroup_self_path(hybrid_self, "cpuacct", p, sizeof p), 0,
	      "a controller sharing its line");
	T_STR(p, "/", "cpuacct path");
	T_INT(cgroup_self_path(hybrid_self, NULL, p, sizeof p), 0, "v2");
	T_STR(p, "/user.slice/user-0.slice/session-1.scope", "v2 path");
	T_INT(cgroup_self_path(v2_self, "memory", p, sizeof p), -1,
	      "no v1 memory on a v2 machine");
	T_INT(cgroup_self_path("0::/../../outside\n", NULL, p, sizeof p), -1,
	      "a group outside the cgroup namespace");
	T_INT(cgroup_self_path("0::/a-long-path\n", NULL, p, 5), -1,
	      "a path that does not fit");
	T_INT(cgroup_self_path("", NULL, p, sizeof p), -1, "empty");
}

TAP_SUITE(cgroup_mount_dir)
{
	char d[256];
	int ro = -1;

	T_INT(cgroup_mount_dir(hybrid_mi, "memory", "/process_api/c0ffee", d,
			       sizeof d, &ro),
	      0, "v1 memory");
	T_STR(d, "/sys/fs/cgroup/memory/process_api/c0ffee", "memory dir");
	T_INT(ro, 0, "read-write");
	T_INT(cgroup_mount_dir(hybrid_mi, "pids", "/", d, sizeof d, &ro), 0,
	      "the root group");
	T_STR(d, "/sys/fs/cgroup/pids", "no trailing slash");
	T_INT(cgroup_mount_dir(hybrid_mi, "cpuacct", "/x", d, sizeof d, &ro), 0,
	      "a co-mounted controller");
	T_STR(d, "/sys/fs/cgroup/cpu,cpuacct/x", "its dir");
	T_INT(cgroup_mount_dir(hybrid_mi, "mem", "/", d, sizeof d, &ro), -1,
	      "a prefix of a controller's name is not the controller");
	T_INT(cgroup_mount_dir(v2_mi, NULL, "/system.slice/ci-runner.service",
			       d, sizeof d, &ro),
	      0, "v2");
	T_STR(d, "/sys/fs/cgroup/system.slice/ci-runner.service", "v2 dir");
	T_INT(cgroup_mount_dir(v2_mi, "memory", "/", d, sizeof d, &ro), -1,
	      "no v1 mount on a v2 machine");

	/* Docker without a cgroup namespace: the container's group is the
	 * mount's root, read-only. */
	static const char docker[] =
		"700 690 0:30 /docker/abc /sys/fs/cgroup ro,nosuid,nodev,"
		"noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
	T_INT(cgroup_mount_dir(docker, NULL, "/docker/abc", d, sizeof d, &ro),
	      0, "the container's own group");
	T_STR(d, "/sys/fs/cgroup", "at the mount point");
	T_INT(ro, 1, "read-only");
	T_INT(cgroup_mount_dir(docker, NULL, "/docker/abcdef", d, sizeof d,
			       &ro),
	      -1, "a sibling whose name extends the root is not beneath it");
	T_INT(cgroup_mount_dir(docker, NULL, "/docker/abc/sub", d, sizeof d,
			       &ro),
	      0, "a group beneath the root");
	T_STR(d, "/sys/fs/cgroup/sub", "joined");

	/* A mount point with a space, escaped as mountinfo does. */
	static const char spaced[] =
		"41 30 0:38 / /mnt/my\\040cgroups rw - cgroup2 none rw\n";
	T_INT(cgroup_mount_dir(spaced, NULL, "/g", d, sizeof d, &ro), 0,
	      "escaped mount point");
	T_STR(d, "/mnt/my cgroups/g", "unescaped");

	/* Lines that are not mountinfo are passed over. */
	T_INT(cgroup_mount_dir("garbage\n- - -\n", NULL, "/", d, sizeof d, &ro),
	      -1, "garbage");
}

TAP_SUITE(cgroup_v2_controllers)
{
	T_INT(cgroup_v2_controllers("cpuset cpu io memory hugetlb pids "
				    "rdma misc\n"),
	      CG_PIDS | CG_MEMORY, "both");
	T_INT(cgroup_v2_controllers("hugetlb\n"), 0, "none (this machine)");
	T_INT(cgroup_v2_controllers("memory_recursiveprot pidsx\n"), 0,
	      "whole names only");
	T_INT(cgroup_v2_controllers(""), 0, "empty");
}

TAP_SUITE(cgroup_choose)
{
	struct cgroup_where w;
	char d[160];

	/* Hybrid: v1's two hierarchies; v2 (hugetlb only) unused. */
	cgroup_choose(hybrid_self, hybrid_mi, "hugetlb\n", all_writable, &w);
	T_INT(w.n, 2, "two v1 places");
	T_INT(w.controllers, CG_PIDS | CG_MEMORY, "both controllers");
	T_INT(w.place[0].version, 1, "v1");
	T_STR(w.place[0].dir, "/sys/fs/cgroup/pids/user.slice/user-0.slice",
	      "pids place");
	T_STR(w.place[1].dir, "/sys/fs/cgroup/memory/process_api/c0ffee",
	      "memory place");
	cgroup_describe(&w, d, sizeof d);
	T_STR(d, "cgroup v1 (pids, memory)", "described");

	/* Pure v2, both delegated. */
	cgroup_choose(v2_self, v2_mi, "memory pids\n", all_writable, &w);
	T_INT(w.n, 1, "one v2 place");
	T_INT(w.place[0].version, 2, "v2");
	T_INT(w.place[0].controllers, CG_PIDS | CG_MEMORY, "both");
	T_STR(w.place[0].dir, "/sys/fs/cgroup/system.slice/ci-runner.service",
	      "v2 place");
	cgroup_describe(&w, d, sizeof d);
	T_STR(d, "cgroup v2 (pids, memory)", "described");

	/* v2 with nothing delegated: a group to list and kill the build,
	 * no limits. */
	cgroup_choose(v2_self, v2_mi, "", all_writable, &w);
	T_INT(w.n, 1, "a v2 place");
	T_INT(w.controllers, 0, "no controllers");
	cgroup_describe(&w, d, sizeof d);
	T_STR(d, "cgroup v2 (no controllers)", "described");

	/* v1 pids only; memory from v2. */
	static const char mixed_self[] = "5:pids:/a\n0::/b\n";
	static const char mixed_mi[] =
		"38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
		"40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	cgroup_choose(mixed_self, mixed_mi, "memory pids", all_writable, &w);
	T_INT(w.n, 2, "two places");
	T_INT(w.place[1].version, 2, "the second is v2");
	T_INT(w.place[1].controllers, CG_MEMORY, "memory only from v2");
	cgroup_describe(&w, d, sizeof d);
	T_STR(d, "cgroup v1 (pids) + v2 (memory)", "described");

	/* Docker: read-only. */
	static const char docker_mi[] =
		"700 690 0:30 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 "
		"rw\n";
	cgroup_choose("0::/\n", docker_mi, "memory pids", all_writable, &w);
	T_INT(w.n, 0, "none in a container");
	T_STR(w.why, "the cgroup filesystem is read-only", "why");
	cgroup_describe(&w, d, sizeof d);
	T_STR(d, "no writable cgroup: per-process rlimits only", "described");

	cgroup_choose(hybrid_self, hybrid_mi, NULL, none_writable, &w);
	T_INT(w.n, 0, "none writable");
	T_OK(strstr(w.why, "not writable") != NULL, "why: %s", w.why);

	cgroup_choose("", "", NULL, all_writable, &w);
	T_INT(w.n, 0, "nothing mounted");
	T_STR(w.why, "no cgroup hierarchy of this process is mounted", "why");
}

/* A real group, where this machine has a writable one: made with the
 * limits, joined by a child, swept, removed. */
TAP_SUITE(cgroup_real)
{
	struct cgroup_where w;
	struct cgroup cg;
	struct err e = {0};
	int pfd[2];
	pid_t pid;
	char c;
	size_t left = 1;

	cgroup_probe(&w);
	if (w.n == 0) {
		tap_diag("skip: %s", w.why);
		return;
	}
	if (!T_OK(cgroup_create(&w, 64 << 20, 50, &cg, &e) == 0, "create: %s",
		  e.msg))
		return;
	T_INT(cg.limited, w.controllers, "every controller limited");
	if (!T_OK(pipe(pfd) == 0, "pipe"))
		goto out;
	pid = fork();
	if (pid == 0) {
		if (cgroup_enter(&cg) != 0)
			_exit(1);
		(void)write(pfd[1], "x", 1);
		pause();
		_exit(0);
	}
	cgroup_close_join(&cg);
	close(pfd[1]);
	T_INT(read(pfd[0], &c, 1), 1, "the child joined");
	close(pfd[0]);
	for (int i = 0; i < 100 && left > 0; i++) {
		left = cgroup_kill_round(&cg, 0);
		if (i == 0)
			T_INT(left, 1, "the group held the child");
		usleep(10000);
	}
	T_INT(left, 0, "the sweep emptied it");
	{
		int status = 0;

		(void)waitpid(pid, &status, 0);
		T_OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		     "killed by SIGKILL");
	}
out:
	T_INT(cgroup_destroy(&cg), 0, "removed");
	T_OK(access(cg.d[0].path, F_OK) < 0, "gone");
}
