/*
 * try-syscall: performs one named operation and prints what the kernel
 * said, for the hostile tests that run it as the build command inside the
 * sandbox (bubblewrap's tests do the same with their own helper). The
 * output is one line: `ok` (some operations add what they saw, e.g.
 * capget's sets) or `errno ENAME`; the exit status is 0 either way, 2 for
 * a usage error. Operations that a seccomp filter answers by killing the
 * process (int80, x32) print nothing and die of SIGSYS.
 *
 * Standalone on purpose (no cleanroom code), so it can be built static and
 * copied into a container or made setuid-root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif

static const struct {
	int num;
	const char *name;
} names[] = {
	{EPERM, "EPERM"},
	{ENOENT, "ENOENT"},
	{ESRCH, "ESRCH"},
	{EINTR, "EINTR"},
	{EIO, "EIO"},
	{ENXIO, "ENXIO"},
	{E2BIG, "E2BIG"},
	{EBADF, "EBADF"},
	{ECHILD, "ECHILD"},
	{EAGAIN, "EAGAIN"},
	{ENOMEM, "ENOMEM"},
	{EACCES, "EACCES"},
	{EFAULT, "EFAULT"},
	{EBUSY, "EBUSY"},
	{EEXIST, "EEXIST"},
	{EXDEV, "EXDEV"},
	{ENODEV, "ENODEV"},
	{ENOTDIR, "ENOTDIR"},
	{EISDIR, "EISDIR"},
	{EINVAL, "EINVAL"},
	{ENFILE, "ENFILE"},
	{EMFILE, "EMFILE"},
	{ENOTTY, "ENOTTY"},
	{EFBIG, "EFBIG"},
	{ENOSPC, "ENOSPC"},
	{EROFS, "EROFS"},
	{EMLINK, "EMLINK"},
	{EPIPE, "EPIPE"},
	{ENAMETOOLONG, "ENAMETOOLONG"},
	{ENOSYS, "ENOSYS"},
	{ENOTEMPTY, "ENOTEMPTY"},
	{ELOOP, "ELOOP"},
	{EOPNOTSUPP, "EOPNOTSUPP"},
	{EPROTONOSUPPORT, "EPROTONOSUPPORT"},
	{ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
	{EAFNOSUPPORT, "EAFNOSUPPORT"},
	{EADDRINUSE, "EADDRINUSE"},
	{EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	{ENETUNREACH, "ENETUNREACH"},
	{ECONNREFUSED, "ECONNREFUSED"},
	{EHOSTUNREACH, "EHOSTUNREACH"},
	{ETIMEDOUT, "ETIMEDOUT"},
	{EINPROGRESS, "EINPROGRESS"},
	{EBADFD, "EBADFD"},
	{EOVERFLOW, "EOVERFLOW"},
};

static int report(long rc)
{
	int e = errno;

	if (rc >= 0) {
		puts("ok");
		return 0;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].num == e) {
			printf("errno %s\n", names[i].name);
			return 0;
		}
	printf("errno %d\n", e);
	return 0;
}

static int usage(void)
{
	fputs("usage: try-syscall OP [ARG...]\n"
	      "  socket-inet socket-inet6 socket-unix socket-netlink\n"
	      "  socket-raw socket-packet connect-tcp HOST PORT\n"
	      "  bind-tcp PORT udp-send HOST PORT io_uring clone3\n"
	      "  ptrace-parent ptrace PID kill PID read-proc-environ PID\n"
	      "  read-proc-mem PID open-read PATH open-write PATH\n"
	      "  create PATH write-bytes PATH N unlink PATH mkdir PATH\n"
	      "  rename A B link A B symlink A B setuid0 capget nnp\n"
	      "  unshare-user unshare-net mount-tmpfs PATH chroot PATH\n"
	      "  bpf keyctl userfaultfd fork-many N int80 x32\n"
	      "  prlimit-parent prlimit-parent-read socketpair\n"
	      "  connect-unix PATH chmod PATH MODE create-mode PATH MODE\n"
	      "  chown PATH UID GID (MODE octal, UID/GID -1 unchanged)\n",
	      stderr);
	return 2;
}

/* An IPv4 or IPv6 literal and a port. Returns the length, 0 if bad. */
static socklen_t address(const char *host, const char *port,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	long p = strtol(port, NULL, 10);

	memset(ss, 0, sizeof *ss);
	if (p <= 0 || p > 65535)
		return 0;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)p);
		return sizeof *a4;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)p);
		return sizeof *a6;
	}
	return 0;
}

static int net(const char *op, const char *host, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = address(host, port, &ss);
	int udp = strcmp(op, "udp-send") == 0;
	int s;

	if (len == 0)
		return usage();
	s = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (s < 0)
		return report(-1);
	if (udp)
		return report(
			sendto(s, "x", 1, 0, (struct sockaddr *)&ss, len));
	return report(connect(s, (struct sockaddr *)&ss, len));
}

static int read_path(const char *p)
{
	char c;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return report(-1);
	return report(read(fd, &c, 1));
}

/* Opens /proc/PID/mem and reads one byte of the first mapping listed in
 * /proc/PID/maps (when that is readable). */
static int read_mem(const char *pid)
{
	char p[64], line[256];
	unsigned long addr = 0;
	FILE *maps;
	char c;
	int fd;

	(void)snprintf(p, sizeof p, "/proc/%s/mem", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(-1);
	(void)snprintf(p, sizeof p, "/proc/%s/maps", pid);
	maps = fopen(p, "re");
	if (maps != NULL) {
		if (fgets(line, sizeof line, maps) != NULL)
			addr = strtoul(line, NULL, 16);
		(void)fclose(maps);
	}
	return report(pread(fd, &c, 1, (off_t)addr));
}

static int capget_op(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	unsigned long long eff, prm, inh, bnd = 0, amb = 0;

	if (syscall(SYS_capget, &h, d) < 0)
		return report(-1);
	eff = d[0].effective | (unsigned long long)d[1].effective << 32;
	prm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
	inh = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd |= 1ULL << c;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= 1ULL << c;
	}
	printf("ok eff=%#llx prm=%#llx inh=%#llx bnd=%#llx amb=%#llx "
	       "uid=%d euid=%d\n",
	       eff, prm, inh, bnd, amb, (int)getuid(), (int)geteuid());
	return 0;
}

static int write_bytes(const char *p, const char *count)
{
	char block[4096];
	long n = strtol(count, NULL, 10);
	int fd;

	/* EFBIG instead of death by SIGXFSZ, so the errno is seen. */
	(void)signal(SIGXFSZ, SIG_IGN);
	memset(block, 'x', sizeof block);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return report(-1);
	while (n > 0) {
		ssize_t w = write(fd, block,
				  n < (long)sizeof block ? (size_t)n
							 : sizeof block);

		if (w < 0)
			return report(-1);
		n -= w;
	}
	return report(close(fd));
}

/* prlimit(2) on cleanroom (the parent): read its RLIMIT_CORE, then set
 * it to what it is (harmless where it is allowed). With read-only, only
 * the read. */
static int prlimit_parent(int read_only)
{
	struct rlimit old;
	int rc = prlimit(getppid(), RLIMIT_CORE, NULL, &old);

	if (rc < 0 || read_only)
		return report(rc);
	return report(prlimit(getppid(), RLIMIT_CORE, &old, NULL));
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int s;

	if (strlen(path) >= sizeof sun.sun_path)
		return usage();
	memcpy(sun.sun_path, path, strlen(path));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return report(-1);
	return report(connect(s, (struct sockaddr *)&sun, sizeof sun));
}

static int fork_many(const char *count)
{
	long n = strtol(count, NULL, 10), i;
	pid_t *kids = calloc(n > 0 ? (size_t)n : 1, sizeof *kids);
	int rc = 0, e = 0;

	if (kids == NULL)
		return report(-1);
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
		if (kids[i] < 0) {
			e = errno;
			rc = -1;
			break;
		}
	}
	for (long k = 0; k < i; k++)
		(void)kill(kids[k], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	errno = e;
	return report(rc);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : NULL;
	const char *b = argc > 3 ? argv[3] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(op, "socket-inet") == 0)
		return report(socket(AF_INET, SOCK_STREAM, 0));
	if (strcmp(op, "socket-inet6") == 0)
		return report(socket(AF_INET6, SOCK_STREAM, 0));
	if (strcmp(op, "socket-unix") == 0)
		return report(socket(AF_UNIX, SOCK_STREAM, 0));
	if (strcmp(op, "socket-netlink") == 0)
		return report(socket(AF_NETLINK, SOCK_RAW, 0));
	if (strcmp(op, "socket-raw") == 0)
		return report(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	if (strcmp(op, "socket-packet") == 0)
		return report(socket(AF_PACKET, SOCK_RAW, htons(0x0003)));
	if (strcmp(op, "io_uring") == 0) {
		char params[120] = {0}; /* struct io_uring_params */

		return report(syscall(__NR_io_uring_setup, 8, params));
	}
	if (strcmp(op, "clone3") == 0)
		return report(syscall(__NR_clone3, NULL, 0));
	if (strcmp(op, "ptrace-parent") == 0)
		return report(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */,
				      getppid(), 0, 0));
	if (strcmp(op, "setuid0") == 0)
		return report(setuid(0));
	if (strcmp(op, "capget") == 0)
		return capget_op();
	if (strcmp(op, "nnp") == 0) {
		int v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

		if (v < 0)
			return report(-1);
		printf("ok %d\n", v);
		return 0;
	}
	if (strcmp(op, "subreaper") == 0) {
		int v = 0;

		if (prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) < 0)
			return report(-1);
		printf("ok %d\n", v);
		return 0;
	}
	if (strcmp(op, "unshare-user") == 0)
		return report(syscall(SYS_unshare, 0x10000000));
	if (strcmp(op, "unshare-net") == 0)
		return report(syscall(SYS_unshare, 0x40000000));
	if (strcmp(op, "bpf") == 0)
		return report(syscall(SYS_bpf, 0, NULL, 0));
	if (strcmp(op, "keyctl") == 0)
		return report(syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	if (strcmp(op, "userfaultfd") == 0)
		return report(syscall(SYS_userfaultfd, 0));
	if (strcmp(op, "int80") == 0) {
		long ret = 20; /* i386 getpid */

		__asm__ volatile("int $0x80"
				 : "+a"(ret)
				 :
				 : "memory", "cc", "r8", "r9", "r10", "r11");
		return report(ret);
	}
	if (strcmp(op, "x32") == 0)
		return report(syscall(0x40000000 | 39)); /* x32 getpid */
	if (strcmp(op, "prlimit-parent") == 0)
		return prlimit_parent(0);
	if (strcmp(op, "prlimit-parent-read") == 0)
		return prlimit_parent(1);
	if (strcmp(op, "socketpair") == 0) {
		int sv[2];

		return report(
			socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	}
	if (a == NULL)
		return usage();
	if (strcmp(op, "bind-tcp") == 0) {
		struct sockaddr_storage ss;
		socklen_t len = address("127.0.0.1", a, &ss);
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (len == 0)
			return usage();
		if (s < 0)
			return report(-1);
		return report(bind(s, (struct sockaddr *)&ss, len));
	}
	if (strcmp(op, "ptrace") == 0)
		return report(syscall(SYS_ptrace, 16, atoi(a), 0, 0));
	if (strcmp(op, "kill") == 0)
		return report(kill(atoi(a), 0));
	if (strcmp(op, "read-proc-environ") == 0) {
		char p[64];

		(void)snprintf(p, sizeof p, "/proc/%s/environ", a);
		return read_path(p);
	}
	if (strcmp(op, "read-proc-mem") == 0)
		return read_mem(a);
	if (strcmp(op, "open-read") == 0)
		return read_path(a);
	if (strcmp(op, "open-write") == 0)
		return report(open(a, O_WRONLY | O_CLOEXEC));
	if (strcmp(op, "create") == 0)
		return report(open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	if (strcmp(op, "unlink") == 0)
		return report(unlink(a));
	if (strcmp(op, "mkdir") == 0)
		return report(mkdir(a, 0755));
	if (strcmp(op, "mount-tmpfs") == 0)
		return report(syscall(SYS_mount, "none", a, "tmpfs", 0, NULL));
	if (strcmp(op, "chroot") == 0)
		return report(chroot(a));
	if (strcmp(op, "fork-many") == 0)
		return fork_many(a);
	if (strcmp(op, "connect-unix") == 0)
		return connect_unix(a);
	if (b == NULL)
		return usage();
	if (strcmp(op, "connect-tcp") == 0 || strcmp(op, "udp-send") == 0)
		return net(op, a, b);
	if (strcmp(op, "write-bytes") == 0)
		return write_bytes(a, b);
	if (strcmp(op, "rename") == 0)
		return report(rename(a, b));
	if (strcmp(op, "link") == 0)
		return report(link(a, b));
	if (strcmp(op, "symlink") == 0)
		return report(symlink(a, b));
	/* The mode as given (umask cleared): 4755 means setuid. */
	if (strcmp(op, "chmod") == 0)
		return report(chmod(a, (mode_t)strtol(b, NULL, 8)));
	if (strcmp(op, "create-mode") == 0) {
		(void)umask(0);
		return report(open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				   (mode_t)strtol(b, NULL, 8)));
	}
	if (argc > 4 && strcmp(op, "chown") == 0)
		return report(chown(a, (uid_t)strtol(b, NULL, 10),
				    (gid_t)strtol(argv[4], NULL, 10)));
	return usage();
}
