/* probe: what a Docker-default container lets a process do, one line per
 * check, `NAME=RESULT` where RESULT is `ok`, `ok N` (a return value) or the
 * errno's name (EPERM, ENOSYS, ...).  Used by
 * tests/integration/t-docker-default.sh, independent of cleanroom.
 *
 *   probe landlock            landlock_create_ruleset(VERSION): the ABI
 *   probe landlock-enforce D  ruleset handling file writes, a rule allowing
 *                             them under D/allowed, restrict_self (after
 *                             no_new_privs), then create D/allowed/f and
 *                             D/denied/f: `ok allowed=ok denied=EACCES`
 *   probe userns              unshare(CLONE_NEWUSER)
 *   probe mount D             mount("x", D, "tmpfs")
 *   probe clone3              clone3(NULL, 0): Docker's profile says ENOSYS
 *   probe bpf                 bpf(BPF_MAP_CREATE, NULL, 0)
 *   probe keyctl              keyctl(KEYCTL_GET_KEYRING_ID, ...)
 *   probe loopback            TCP listen on 127.0.0.1:0 and connect to it
 *   probe connect PORT        TCP connect to 127.0.0.1:PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *res(long rc, char *buf, size_t n)
{
	if (rc >= 0)
		snprintf(buf, n, "ok %ld", rc);
	else
		snprintf(buf, n, "%s", strerrorname_np(errno));
	return buf;
}

static const char *try_create(const char *dir, const char *sub, char *buf,
			      size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/f", dir, sub);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return strerrorname_np(errno);
	close(fd);
	snprintf(buf, n, "ok");
	return buf;
}

static int landlock_enforce(const char *dir)
{
	char a[64], b[64], path[4096];
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE |
				     LANDLOCK_ACCESS_FS_MAKE_REG,
	};
	long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (fd < 0) {
		printf("landlock-enforce=%s\n", strerrorname_np(errno));
		return 0;
	}
	snprintf(path, sizeof path, "%s/allowed", dir);
	struct landlock_path_beneath_attr pb = {
		.allowed_access = attr.handled_access_fs,
		.parent_fd = open(path, O_PATH | O_CLOEXEC),
	};
	if (pb.parent_fd < 0 ||
	    syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &pb,
		    0) < 0) {
		printf("landlock-enforce=add_rule:%s\n",
		       strerrorname_np(errno));
		return 0;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		printf("landlock-enforce=restrict_self:%s\n",
		       strerrorname_np(errno));
		return 0;
	}
	printf("landlock-enforce=ok allowed=%s denied=%s\n",
	       try_create(dir, "allowed", a, sizeof a),
	       try_create(dir, "denied", b, sizeof b));
	return 0;
}

static long tcp_connect(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	long rc = connect(s, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(s);
	errno = e;
	return rc;
}

static long loopback(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	long rc = tcp_connect(ntohs(sa.sin_port));
	close(l);
	return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
	char buf[64];
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : "";
		long rc;
		errno = 0;
		if (!strcmp(c, "landlock")) {
			rc = syscall(SYS_landlock_create_ruleset, NULL, 0,
				     LANDLOCK_CREATE_RULESET_VERSION);
		} else if (!strcmp(c, "landlock-enforce")) {
			landlock_enforce(arg);
			i++;
			continue;
		} else if (!strcmp(c, "userns")) {
			rc = unshare(CLONE_NEWUSER);
		} else if (!strcmp(c, "mount")) {
			rc = mount("x", arg, "tmpfs", 0, NULL);
			i++;
		} else if (!strcmp(c, "clone3")) {
			rc = syscall(SYS_clone3, NULL, 0);
		} else if (!strcmp(c, "bpf")) {
			rc = syscall(SYS_bpf, 0, NULL, 0);
		} else if (!strcmp(c, "keyctl")) {
			rc = syscall(SYS_keyctl, 0, -1, 0);
		} else if (!strcmp(c, "loopback")) {
			rc = loopback();
		} else if (!strcmp(c, "connect")) {
			rc = tcp_connect(atoi(arg));
			i++;
		} else {
			fprintf(stderr, "probe: unknown check %s\n", c);
			return 2;
		}
		printf("%s=%s\n", c, res(rc, buf, sizeof buf));
	}
	return 0;
}
