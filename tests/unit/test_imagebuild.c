/*
 * imagebuild: which builder runs us and which mount holds the env file,
 * on /proc/self/mountinfo as it was read in a real BuildKit RUN step
 * (Docker 20.10.24, a bind mount of .aptible.env and a secret mount), a
 * classic-builder RUN step, a `docker run` container and a plain host
 * that carries a /.dockerenv (trimmed to the lines that matter, the
 * overlay options shortened).
 */
#include <stdio.h>
#include <string.h>

#include "imagebuild.h"
#include "tap.h"

static const char buildkit[] =
	"103 76 0:40 / / rw,relatime master:2 - overlay overlay "
	"rw,lowerdir=/var/lib/docker/overlay2/l/AK74:/var/lib/docker/overlay2/"
	"l/3ME6,upperdir=/var/lib/docker/overlay2/0pdg/diff\n"
	"104 103 0:44 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
	"105 103 0:45 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
	"110 103 254:0 /var/lib/docker/buildkit/executor/resolv.conf "
	"/etc/resolv.conf ro,nosuid,nodev,noexec,relatime master:1 - ext4 "
	"/dev/vda rw\n"
	"111 103 254:0 /var/lib/docker/buildkit/executor/hosts.sa3b16ztsd "
	"/etc/hosts ro,nosuid,nodev,noexec,relatime master:1 - ext4 /dev/vda "
	"rw\n"
	"122 103 254:0 /var/lib/docker/overlay2/fqul/diff/.aptible.env "
	"/app/.aptible.env ro,relatime master:1 - ext4 /dev/vda rw\n"
	"123 103 0:42 /z8keroobpbq8yl2u8s67e0czq /run/secrets/appenv "
	"ro,nosuid,nodev,noexec,relatime master:3 - tmpfs tmpfs rw\n";

/* The classic builder's RUN container is a `docker run` container. */
static const char container[] =
	"99 75 0:40 / / rw,relatime master:2 - overlay overlay "
	"rw,lowerdir=/var/lib/docker/overlay2/l/JOOD\n"
	"100 99 0:43 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
	"116 99 254:0 /var/lib/docker/containers/d45536ff5064/resolv.conf "
	"/etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n"
	"117 99 254:0 /var/lib/docker/containers/d45536ff5064/hostname "
	"/etc/hostname rw,relatime - ext4 /dev/vda rw\n"
	"118 99 254:0 /var/lib/docker/containers/d45536ff5064/hosts /etc/hosts "
	"rw,relatime - ext4 /dev/vda rw\n";

static const char host[] =
	"21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	"23 26 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw\n"
	"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 "
	"rw\n";

static int check(const char *mountinfo, const char *hostname, int kaniko,
		 const char *path, char *text, size_t size)
{
	struct imagebuild_facts f = {mountinfo, hostname, kaniko};

	text[0] = '\0';
	return imagebuild_env_check(&f, ".aptible.env", path, text, size);
}

TAP_SUITE(imagebuild_builder)
{
	struct imagebuild_facts f = {buildkit, "buildkitsandbox", 0};

	T_STR(imagebuild_builder(&f), "BuildKit", "BuildKit: executor mounts");
	f.hostname = "custom-name";
	T_STR(imagebuild_builder(&f), "BuildKit",
	      "BuildKit with BUILDKIT_SANDBOX_HOSTNAME: the mounts still tell");
	f.mountinfo = host;
	f.hostname = "buildkitsandbox";
	T_STR(imagebuild_builder(&f), "BuildKit",
	      "BuildKit's default hostname alone");
	f.hostname = "d45536ff5064";
	f.mountinfo = container;
	T_STR(imagebuild_builder(&f), NULL,
	      "docker run (and the classic builder): no builder told");
	f.mountinfo = host;
	f.hostname = "vm";
	T_STR(imagebuild_builder(&f), NULL, "a plain host: none");
	f.mountinfo = NULL;
	T_STR(imagebuild_builder(&f), NULL, "no mountinfo: none");
	f.kaniko = 1;
	T_STR(imagebuild_builder(&f), "kaniko", "kaniko: /kaniko/executor");
	/* A resolv.conf mounted from elsewhere with buildkit in another
	 * field (the source) does not count: only the mount's root does. */
	f.kaniko = 0;
	f.mountinfo = "1 0 0:1 /srv/resolv.conf /etc/resolv.conf rw - ext4 "
		      "/buildkit/executor/x rw\n";
	T_STR(imagebuild_builder(&f), NULL, "only the mount's root is read");
}

TAP_SUITE(imagebuild_mount_of)
{
	char m[256];
	const char *mi = "1 0 0:1 / / rw - ext4 /dev/vda rw\n"
			 "2 1 0:2 / /app rw - tmpfs tmpfs rw\n"
			 "3 1 0:3 / /application rw - tmpfs tmpfs rw\n"
			 "4 1 0:4 / /my\\040dir rw - tmpfs tmpfs rw\n"
			 "5 2 0:5 / /app/sub rw - tmpfs tmpfs rw\n"
			 "6 2 0:6 / /app/sub rw - tmpfs tmpfs rw";

	T_INT(imagebuild_mount_of(mi, "/etc/x", m, sizeof m), 0, "/etc/x");
	T_STR(m, "/", "/etc/x is on /");
	T_INT(imagebuild_mount_of(mi, "/app/x", m, sizeof m), 0, "/app/x");
	T_STR(m, "/app", "/app/x is on /app");
	(void)imagebuild_mount_of(mi, "/app", m, sizeof m);
	T_STR(m, "/app", "the mount point itself");
	(void)imagebuild_mount_of(mi, "/apple", m, sizeof m);
	T_STR(m, "/", "/apple is not under /app: whole path components");
	(void)imagebuild_mount_of(mi, "/application/.env", m, sizeof m);
	T_STR(m, "/application", "the longest mount point wins");
	(void)imagebuild_mount_of(mi, "/my dir/.env", m, sizeof m);
	T_STR(m, "/my dir", "\\040 in mountinfo is a space");
	(void)imagebuild_mount_of(mi, "/app/sub/.env", m, sizeof m);
	T_STR(m, "/app/sub", "a nested mount");
	T_INT(imagebuild_mount_of("2 1 0:2 / /app rw - tmpfs t rw\n", "/etc/x",
				  m, sizeof m),
	      -1, "no mount holds it: -1");
	T_INT(imagebuild_mount_of("garbage\n\n", "/etc/x", m, sizeof m), -1,
	      "lines too short are skipped");
	T_INT(imagebuild_mount_of(mi, "/app/x", m, 3), -1,
	      "a mount point that does not fit: -1");
}

TAP_SUITE(imagebuild_env_check)
{
	char text[2048];

	T_INT(check(buildkit, "buildkitsandbox", 0, "/app/.aptible.env", text,
		    sizeof text),
	      0, "BuildKit, a RUN --mount=type=bind of the file: no warning");
	T_INT(check(buildkit, "buildkitsandbox", 0, "/run/secrets/appenv", text,
		    sizeof text),
	      0, "BuildKit, a secret mount: no warning");
	T_INT(check(buildkit, "buildkitsandbox", 0, "/srv/.aptible.env", text,
		    sizeof text),
	      1, "BuildKit, a COPY'd file (on /): a warning");
	T_OK(strstr(text, ".aptible.env is part of the image being built "
			  "(BuildKit)") == text,
	     "the warning names the file and the builder: %s", text);
	T_OK(strstr(text, "\nhint: drop the COPY and bind the file for this "
			  "RUN line only: RUN --mount=type=bind,source=."
			  "aptible.env,target=/srv/.aptible.env cleanroom "
			  "run") != NULL,
	     "the hint gives the mount line with the file's own path: %s",
	     text);
	T_INT(check(container, "d45536ff5064", 0, "/app/.aptible.env", text,
		    sizeof text),
	      0, "docker run or the classic builder, a file on /: no warning");
	T_INT(check(host, "vm", 0, "/work/app/.aptible.env", text, sizeof text),
	      0, "a plain host (ext4 on /): never a warning");
	T_INT(check(host, "vm", 1, "/workspace/.aptible.env", text,
		    sizeof text),
	      1, "kaniko, a file on /: a warning");
	T_INT(check(NULL, "buildkitsandbox", 0, "/app/.aptible.env", text,
		    sizeof text),
	      0, "no mountinfo: nothing to go on, no warning");
}
