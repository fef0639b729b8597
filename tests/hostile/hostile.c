/*
 * hostile: the misbehaviours of a build that take more than one system
 * call, for tests/integration/t-hostile.sh (single calls, with their exact
 * errno, are tests/tools/try-syscall's job). Each operation prints one
 * line saying what it managed, in try-syscall's style (`ok ...` or
 * `errno ENAME ...`), and every process it leaves behind keeps this
 * program's path as argv[0], so that the test can find survivors in
 * /proc/ * /cmdline after cleanroom has exited.
 *
 * Standalone (no cleanroom code), so that it can be built static and run
 * inside the Docker-default harness.
 *
 *   hostile listen PORTFILE LOG   TCP and UDP listener on 127.0.0.1: writes
 *                                 its port to PORTFILE, a line per contact
 *                                 to LOG; runs until killed
 *   hostile listen-unix PATH LOG  a unix stream listener at PATH (a
 *                                 daemon's socket outside the build): a
 *                                 line per contact to LOG; until killed
 *   hostile daemon-setsid         a child in its own session that ignores
 *                                 TERM, HUP and INT, with its output on
 *                                 /dev/null; prints pid=N and returns
 *   hostile daemon-double-fork    the same, double-forked (its parent
 *                                 exits, so it is re-parented)
 *   hostile daemon-holding-output a setsid child that keeps stdout and
 *                                 stderr open; prints pid=N and returns
 *   hostile fork-bomb MAX         forks children that pause until fork
 *                                 fails or MAX exist; leaves them running
 *   hostile hog MAXMB             maps and touches memory in 8 MiB steps
 *   hostile hog-many N MB         N children each map and touch MB MiB
 *                                 and hold it; prints `held N x MB MiB`
 *                                 and exits 0 once all hold it together,
 *                                 or `child killed by signal S` and exits
 *                                 3 when one dies first (the memory of a
 *                                 whole build over its limit)
 *   hostile close-stdout          closes 0-2 and sleeps forever
 *   hostile print-split VALUE     writes VALUE in two writes 100 ms apart
 *   hostile sleep                 sleeps forever
 *   hostile hold-pty FILE         opens a pseudo-terminal pair (ptmx,
 *                                 unlocked), writes the terminal's path
 *                                 to FILE; runs until killed (the
 *                                 terminal a build must not open)
 *   hostile open-dev PATH...      opens each path read-only (O_NOCTTY,
 *                                 O_NONBLOCK: no controlling terminal
 *                                 gained, no wait for a carrier) and
 *                                 prints `ok PATH` or `errno ENAME PATH`
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ENOENT: return "ENOENT";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case ENODEV: return "ENODEV";
	default: return "EOTHER";
	}
}

static void forever(void)
{
	for (;;)
		pause();
}

/* Deaf to the polite signals; only SIGKILL ends it. */
static void deaf(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
}

static void quiet(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static int listen_op(const char *portfile, const char *log)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	FILE *f;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (t < 0 || u < 0 || bind(t, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(t, 8) < 0 ||
	    getsockname(t, (struct sockaddr *)&a, &len) < 0 ||
	    bind(u, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("hostile listen");
		return 1;
	}
	f = fopen(portfile, "w");
	if (f == NULL)
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		struct pollfd pf[2] = {{t, POLLIN, 0}, {u, POLLIN, 0}};
		char b[64];

		if (poll(pf, 2, -1) < 0)
			continue;
		f = fopen(log, "a");
		if (pf[0].revents) {
			int c = accept(t, NULL, NULL);

			if (f)
				fprintf(f, "tcp\n");
			if (c >= 0)
				close(c);
		}
		if (pf[1].revents && recv(u, b, sizeof b, 0) >= 0 && f)
			fprintf(f, "udp\n");
		if (f)
			fclose(f);
	}
}

static int listen_unix(const char *path, const char *log)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof a.sun_path)
		return 2;
	memcpy(a.sun_path, path, strlen(path));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
	    chmod(path, 0777) < 0 || listen(s, 8) < 0) {
		perror("hostile listen-unix");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		FILE *f;

		if (c < 0)
			continue;
		f = fopen(log, "a");
		if (f != NULL) {
			fprintf(f, "unix\n");
			fclose(f);
		}
		close(c);
	}
}

static int daemon_setsid(int keep_output)
{
	pid_t p = fork();

	if (p < 0) {
		printf("fork: errno %s\n", errname(errno));
		return 1;
	}
	if (p == 0) {
		setsid();
		deaf();
		if (!keep_output)
			quiet();
		forever();
	}
	printf("pid=%d\n", (int)p);
	return 0;
}

static int daemon_double_fork(void)
{
	int fds[2];
	pid_t p;
	char b[32] = "";

	if (pipe(fds) < 0)
		return 1;
	p = fork();
	if (p == 0) {
		pid_t g = fork();

		if (g == 0) {
			setsid();
			deaf();
			close(fds[0]);
			close(fds[1]);
			quiet();
			forever();
		}
		dprintf(fds[1], "%d", (int)g);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], b, sizeof b - 1) <= 0)
		return 1;
	waitpid(p, NULL, 0);
	printf("pid=%s\n", b);
	return 0;
}

static int fork_bomb(long max)
{
	long n = 0;

	fflush(stdout);
	for (; n < max; n++) {
		pid_t p = fork();

		if (p == 0) {
			deaf();
			forever();
		}
		if (p < 0) {
			printf("fork: errno %s after %ld\n", errname(errno), n);
			return 0;
		}
	}
	printf("fork: ok %ld\n", n);
	return 0;
}

static int hog(long maxmb)
{
	const size_t step = 8u << 20;
	long mb = 0;

	while (mb < maxmb) {
		char *p = mmap(NULL, step, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("mmap: errno %s after %ld MiB\n", errname(errno),
			       mb);
			return 0;
		}
		memset(p, 1, step);
		mb += 8;
	}
	printf("mmap: ok %ld MiB\n", mb);
	return 0;
}

static int hog_many(long n, long mb)
{
	pid_t kids[64];
	int pfd[2];
	long ready = 0, i;
	int rc = 0;

	if (n < 1 || n > 64 || pipe(pfd) < 0)
		return 2;
	fflush(stdout);
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			size_t len = (size_t)mb << 20;
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			close(pfd[0]);
			if (p == MAP_FAILED)
				_exit(4);
			memset(p, 1, len);
			if (write(pfd[1], "r", 1) != 1)
				_exit(5);
			forever();
		}
		if (kids[i] < 0)
			return 2;
	}
	close(pfd[1]);
	/* Each child writes once when it holds its memory; a child that
	 * dies first shows as a wait status before n bytes have come. */
	while (ready < n) {
		int status;
		pid_t w = waitpid(-1, &status, WNOHANG);
		struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
		char c;

		if (w > 0) {
			if (WIFSIGNALED(status))
				printf("child killed by signal %d\n",
				       WTERMSIG(status));
			else
				printf("child exited %d\n",
				       WEXITSTATUS(status));
			rc = 3;
			break;
		}
		if (poll(&pf, 1, 50) > 0 && read(pfd[0], &c, 1) == 1)
			ready++;
	}
	if (rc == 0)
		printf("held %ld x %ld MiB\n", n, mb);
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return rc;
}

static int print_split(const char *v)
{
	size_t n = strlen(v), half = n / 2;
	struct timespec ts = {0, 100 * 1000 * 1000};

	if (write(1, "value=", 6) < 0 || write(1, v, half) < 0)
		return 1;
	nanosleep(&ts, NULL);
	if (write(1, v + half, n - half) < 0 || write(1, "\n", 1) < 0)
		return 1;
	return 0;
}

static int hold_pty(const char *file)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	const char *name;
	FILE *f;

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 ||
	    (name = ptsname(m)) == NULL) {
		perror("hostile hold-pty");
		return 1;
	}
	f = fopen(file, "w");
	if (f == NULL)
		return 1;
	fprintf(f, "%s\n", name);
	fclose(f);
	forever();
	return 0;
}

static int open_dev(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i],
			      O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0) {
			printf("errno %s %s\n", errname(errno), paths[i]);
			continue;
		}
		printf("ok %s\n", paths[i]);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(op, "listen") == 0 && argc == 4)
		return listen_op(argv[2], argv[3]);
	if (strcmp(op, "listen-unix") == 0 && argc == 4)
		return listen_unix(argv[2], argv[3]);
	if (strcmp(op, "daemon-setsid") == 0)
		return daemon_setsid(0);
	if (strcmp(op, "daemon-holding-output") == 0)
		return daemon_setsid(1);
	if (strcmp(op, "daemon-double-fork") == 0)
		return daemon_double_fork();
	if (strcmp(op, "fork-bomb") == 0 && argc == 3)
		return fork_bomb(strtol(argv[2], NULL, 10));
	if (strcmp(op, "hog") == 0 && argc == 3)
		return hog(strtol(argv[2], NULL, 10));
	if (strcmp(op, "hog-many") == 0 && argc == 4)
		return hog_many(strtol(argv[2], NULL, 10),
				strtol(argv[3], NULL, 10));
	if (strcmp(op, "close-stdout") == 0) {
		printf("pid=%d\n", (int)getpid());
		close(0);
		close(1);
		close(2);
		forever();
	}
	if (strcmp(op, "print-split") == 0 && argc == 3)
		return print_split(argv[2]);
	if (strcmp(op, "sleep") == 0)
		forever();
	if (strcmp(op, "hold-pty") == 0 && argc == 3)
		return hold_pty(argv[2]);
	if (strcmp(op, "open-dev") == 0 && argc > 2)
		return open_dev(argc - 2, argv + 2);
	fprintf(stderr, "usage: hostile OP [ARG...] (see the source)\n");
	return 2;
}
