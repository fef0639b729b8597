/*
 * The seccomp program, instruction by instruction: a small classic-BPF
 * interpreter (the subset the kernel accepts for seccomp) runs the
 * generated program over struct seccomp_data for a table of calls
 * (architecture, number, arguments) and checks the exact action and errno
 * of each; the program's shape is checked too (header, every jump inside
 * the program, every load aligned and inside the data). Then forked
 * children install the filter for real and check what the kernel returns,
 * and that a foreign ABI (int 0x80) and an x32 call kill the process.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "sandbox.h"
#include "tap.h"

#define ALLOW	 SECCOMP_RET_ALLOW
#define KILL	 SECCOMP_RET_KILL_PROCESS
#define ERRNO(e) (SECCOMP_RET_ERRNO | (unsigned)(e))
#define BAD	 0xdeadbeefu /* the interpreter met something invalid */

#define X32 0x40000000

/* Runs prog over d. Returns the action, or BAD for an instruction the
 * kernel's seccomp checker would refuse (unknown opcode, misaligned or
 * out-of-range load, jump out of the program, running off the end). */
static uint32_t run_bpf(const struct sandbox_bpf *prog,
			const struct seccomp_data *d, unsigned *steps)
{
	uint32_t a = 0;
	unsigned pc = 0;

	*steps = 0;
	while (pc < prog->len) {
		const struct sock_filter *in = &prog->insn[pc];
		uint32_t word;

		(*steps)++;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k % 4 != 0 || in->k + 4 > sizeof *d)
				return BAD;
			memcpy(&word, (const char *)d + in->k, 4);
			a = word;
			pc++;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += 1 + (a == in->k ? in->jt : in->jf);
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += 1 + ((a & in->k) ? in->jt : in->jf);
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += 1 + (a >= in->k ? in->jt : in->jf);
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += 1 + (a > in->k ? in->jt : in->jf);
			break;
		case BPF_JMP | BPF_JA: pc += 1 + in->k; break;
		case BPF_RET | BPF_K: return in->k;
		default: return BAD;
		}
	}
	return BAD;
}

static struct seccomp_data call(uint32_t arch, int nr, uint64_t a0, uint64_t a1)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof d);
	d.arch = arch;
	d.nr = nr;
	d.args[0] = a0;
	d.args[1] = a1;
	return d;
}

struct bpf_case {
	const char *what;
	uint32_t arch;
	int nr;
	uint64_t a0, a1;
	int deny_network; /* which program: 1 network denied, 0 allowed */
	uint32_t want;
};

#define A64 AUDIT_ARCH_X86_64

static const struct bpf_case cases[] = {
	/* Foreign ABIs and x32 are killed before anything else. */
	{"i386 getpid (int 0x80)", AUDIT_ARCH_I386, 20, 0, 0, 1, KILL},
	{"i386 socketcall", AUDIT_ARCH_I386, 102, 1, 0, 1, KILL},
	{"aarch64 arch value", AUDIT_ARCH_AARCH64, 0, 0, 0, 1, KILL},
	{"arch 0", 0, 0, 0, 0, 1, KILL},
	{"x32 read", A64, X32 | 0, 0, 0, 1, KILL},
	{"x32 socket AF_UNIX", A64, X32 | 41, AF_UNIX, 0, 1, KILL},
	{"x32 ptrace (x32 number)", A64, X32 | 521, 0, 0, 1, KILL},
	{"x32 bit, network allowed", A64, X32 | 39, 0, 0, 0, KILL},
	{"i386, network allowed", AUDIT_ARCH_I386, 1, 0, 0, 0, KILL},
	/* Ordinary calls pass. */
	{"read", A64, __NR_read, 0, 0, 1, ALLOW},
	{"write", A64, __NR_write, 1, 0, 1, ALLOW},
	{"openat", A64, __NR_openat, 0, 0, 1, ALLOW},
	{"execve", A64, __NR_execve, 0, 0, 1, ALLOW},
	{"mmap", A64, __NR_mmap, 0, 0, 1, ALLOW},
	{"exit_group", A64, __NR_exit_group, 0, 0, 1, ALLOW},
	{"prctl", A64, __NR_prctl, 0, 0, 1, ALLOW},
	{"seccomp (nesting a filter)", A64, __NR_seccomp, 0, 0, 1, ALLOW},
	{"name_to_handle_at", A64, __NR_name_to_handle_at, 0, 0, 1, ALLOW},
	{"connect (no socket to use)", A64, __NR_connect, 3, 0, 1, ALLOW},
	{"highest number", A64, 511, 0, 0, 1, ALLOW},
	/* Sockets: AF_UNIX only when the network is denied. */
	{"socket AF_UNIX", A64, __NR_socket, AF_UNIX, SOCK_STREAM, 1, ALLOW},
	{"socket AF_INET", A64, __NR_socket, AF_INET, SOCK_STREAM, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_INET6", A64, __NR_socket, AF_INET6, SOCK_DGRAM, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_NETLINK", A64, __NR_socket, AF_NETLINK, SOCK_RAW, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_PACKET", A64, __NR_socket, AF_PACKET, SOCK_RAW, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_VSOCK", A64, __NR_socket, 40, SOCK_STREAM, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_ALG", A64, __NR_socket, 38, 0, 1, ERRNO(EAFNOSUPPORT)},
	{"socket AF_UNSPEC", A64, __NR_socket, 0, 0, 1, ERRNO(EAFNOSUPPORT)},
	{"socket AF_UNIX in the low word, junk above", A64, __NR_socket,
	 0x100000000ULL | AF_UNIX, 0, 1, ALLOW},
	{"socket AF_INET in the low word, AF_UNIX above", A64, __NR_socket,
	 ((uint64_t)AF_UNIX << 32) | AF_INET, 0, 1, ERRNO(EAFNOSUPPORT)},
	{"socketpair AF_UNIX", A64, __NR_socketpair, AF_UNIX, 0, 1, ALLOW},
	{"socketpair AF_INET", A64, __NR_socketpair, AF_INET, 0, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_INET, network allowed", A64, __NR_socket, AF_INET, 0, 0,
	 ALLOW},
	{"socket AF_NETLINK, network allowed", A64, __NR_socket, AF_NETLINK, 0,
	 0, ALLOW},
	/* io_uring and clone3: ENOSYS, so programs fall back. */
	{"io_uring_setup", A64, __NR_io_uring_setup, 8, 0, 1, ERRNO(ENOSYS)},
	{"io_uring_enter", A64, __NR_io_uring_enter, 0, 0, 1, ERRNO(ENOSYS)},
	{"io_uring_register", A64, __NR_io_uring_register, 0, 0, 1,
	 ERRNO(ENOSYS)},
	{"io_uring_setup, network allowed", A64, __NR_io_uring_setup, 8, 0, 0,
	 ERRNO(ENOSYS)},
	{"clone3", A64, __NR_clone3, 0, 0, 1, ERRNO(ENOSYS)},
	/* clone: namespace flags refused, threads and forks pass. */
	{"clone fork (SIGCHLD)", A64, __NR_clone, SIGCHLD, 0, 1, ALLOW},
	{"clone thread flags", A64, __NR_clone, 0x3d0f00, 0, 1, ALLOW},
	{"clone vfork", A64, __NR_clone, 0x4111, 0, 1, ALLOW},
	{"clone CLONE_NEWUSER", A64, __NR_clone, 0x10000000 | SIGCHLD, 0, 1,
	 ERRNO(EPERM)},
	{"clone CLONE_NEWNS", A64, __NR_clone, 0x00020000, 0, 1, ERRNO(EPERM)},
	{"clone CLONE_NEWNET", A64, __NR_clone, 0x40000000, 0, 1, ERRNO(EPERM)},
	{"clone CLONE_NEWPID", A64, __NR_clone, 0x20000000, 0, 1, ERRNO(EPERM)},
	{"clone CLONE_NEWIPC", A64, __NR_clone, 0x08000000, 0, 1, ERRNO(EPERM)},
	{"clone CLONE_NEWUTS", A64, __NR_clone, 0x04000000, 0, 1, ERRNO(EPERM)},
	{"clone CLONE_NEWCGROUP", A64, __NR_clone, 0x02000000, 0, 1,
	 ERRNO(EPERM)},
	{"clone CLONE_NEWUSER only in the high word (ignored by the kernel)",
	 A64, __NR_clone, 0x10000000ULL << 32, 0, 1, ALLOW},
	{"clone CLONE_NEWUSER, network allowed", A64, __NR_clone, 0x10000000, 0,
	 0, ERRNO(EPERM)},
	/* ioctl: terminal input injection refused, the rest passes. */
	{"ioctl TCGETS", A64, __NR_ioctl, 0, 0x5401, 1, ALLOW},
	{"ioctl FIONREAD", A64, __NR_ioctl, 0, 0x541B, 1, ALLOW},
	{"ioctl TIOCSTI", A64, __NR_ioctl, 0, 0x5412, 1, ERRNO(EPERM)},
	{"ioctl TIOCLINUX", A64, __NR_ioctl, 0, 0x541C, 1, ERRNO(EPERM)},
	{"ioctl TIOCSTI in the high word only", A64, __NR_ioctl, 0,
	 0x5412ULL << 32, 1, ALLOW},
};

/* The calls refused with EPERM, whatever their arguments. */
static const struct {
	const char *name;
	int nr;
} eperm[] = {
	{"ptrace", __NR_ptrace},
	{"process_vm_readv", __NR_process_vm_readv},
	{"process_vm_writev", __NR_process_vm_writev},
	{"pidfd_getfd", __NR_pidfd_getfd},
	{"kexec_load", __NR_kexec_load},
	{"kexec_file_load", __NR_kexec_file_load},
	{"init_module", __NR_init_module},
	{"finit_module", __NR_finit_module},
	{"delete_module", __NR_delete_module},
	{"bpf", __NR_bpf},
	{"perf_event_open", __NR_perf_event_open},
	{"userfaultfd", __NR_userfaultfd},
	{"keyctl", __NR_keyctl},
	{"add_key", __NR_add_key},
	{"request_key", __NR_request_key},
	{"mount", __NR_mount},
	{"umount2", __NR_umount2},
	{"pivot_root", __NR_pivot_root},
	{"chroot", __NR_chroot},
	{"fsopen", __NR_fsopen},
	{"fsconfig", __NR_fsconfig},
	{"fsmount", __NR_fsmount},
	{"fspick", __NR_fspick},
	{"move_mount", __NR_move_mount},
	{"open_tree", __NR_open_tree},
	{"open_tree_attr", 467},
	{"mount_setattr", __NR_mount_setattr},
	{"unshare", __NR_unshare},
	{"setns", __NR_setns},
	{"open_by_handle_at", __NR_open_by_handle_at},
	{"swapon", __NR_swapon},
	{"swapoff", __NR_swapoff},
	{"reboot", __NR_reboot},
	{"acct", __NR_acct},
	{"syslog", __NR_syslog},
	{"iopl", __NR_iopl},
	{"ioperm", __NR_ioperm},
};

static const char *action_name(uint32_t a, char *buf, size_t size)
{
	if (a == ALLOW)
		return "ALLOW";
	if (a == KILL)
		return "KILL_PROCESS";
	if (a == BAD)
		return "invalid program";
	if ((a & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO) {
		(void)snprintf(buf, size, "ERRNO(%s)",
			       sandbox_errno_name((int)(a & SECCOMP_RET_DATA)));
		return buf;
	}
	(void)snprintf(buf, size, "%#x", a);
	return buf;
}

static void check_call(const struct sandbox_bpf *prog, const char *what,
		       const struct seccomp_data *d, uint32_t want)
{
	unsigned steps;
	uint32_t got = run_bpf(prog, d, &steps);
	char gb[48], wb[48];

	T_OK(got == want, "bpf: %s: %s (want %s, %u instructions run)", what,
	     action_name(got, gb, sizeof gb), action_name(want, wb, sizeof wb),
	     steps);
}

TAP_SUITE(seccomp_bpf_shape)
{
	struct sandbox_bpf prog[2];

	for (int net = 0; net < 2; net++) {
		const struct sock_filter *in;
		int ok = 1;

		T_INT(sandbox_seccomp_build(net, &prog[net]), 0,
		      net ? "builds (network denied)"
			  : "builds (network allowed)");
		in = prog[net].insn;
		T_OK(prog[net].len > 6 && prog[net].len <= SANDBOX_BPF_MAX,
		     "length %u", prog[net].len);
		/* The header: arch first, then the x32 check. */
		T_OK(in[0].code == (BPF_LD | BPF_W | BPF_ABS) &&
			     in[0].k == offsetof(struct seccomp_data, arch),
		     "0: ld arch");
		T_OK(in[1].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
			     in[1].k == AUDIT_ARCH_X86_64 && in[1].jt == 1 &&
			     in[1].jf == 0,
		     "1: jeq AUDIT_ARCH_X86_64, skip the kill");
		T_OK(in[2].code == (BPF_RET | BPF_K) && in[2].k == KILL,
		     "2: ret KILL_PROCESS");
		T_OK(in[3].code == (BPF_LD | BPF_W | BPF_ABS) &&
			     in[3].k == offsetof(struct seccomp_data, nr),
		     "3: ld nr");
		T_OK(in[4].code == (BPF_JMP | BPF_JSET | BPF_K) &&
			     in[4].k == X32 && in[4].jt == 0 && in[4].jf == 1,
		     "4: jset __X32_SYSCALL_BIT");
		T_OK(in[5].code == (BPF_RET | BPF_K) && in[5].k == KILL,
		     "5: ret KILL_PROCESS");
		T_OK(in[prog[net].len - 1].code == (BPF_RET | BPF_K) &&
			     in[prog[net].len - 1].k == ALLOW,
		     "last: ret ALLOW");
		/* Every jump lands inside the program; every load is an
		 * aligned word of struct seccomp_data. */
		for (unsigned i = 0; i < prog[net].len; i++) {
			unsigned cls = BPF_CLASS(in[i].code);

			if (cls == BPF_JMP &&
			    in[i].code != (BPF_JMP | BPF_JA) &&
			    (i + 1 + in[i].jt >= prog[net].len ||
			     i + 1 + in[i].jf >= prog[net].len))
				ok = 0;
			if (cls == BPF_LD &&
			    (in[i].k % 4 ||
			     in[i].k + 4 > sizeof(struct seccomp_data)))
				ok = 0;
		}
		T_OK(ok, "every jump and load in range");
	}
	T_OK(prog[1].len > prog[0].len,
	     "the network check adds instructions (%u > %u)", prog[1].len,
	     prog[0].len);
}

TAP_SUITE(seccomp_bpf_cases)
{
	struct sandbox_bpf prog[2];
	size_t n = 0;

	(void)sandbox_seccomp_build(0, &prog[0]);
	(void)sandbox_seccomp_build(1, &prog[1]);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bpf_case *c = &cases[i];
		struct seccomp_data d = call(c->arch, c->nr, c->a0, c->a1);

		check_call(&prog[c->deny_network], c->what, &d, c->want);
		n++;
	}
	for (size_t i = 0; i < sizeof eperm / sizeof eperm[0]; i++) {
		for (int net = 0; net < 2; net++) {
			struct seccomp_data d = call(A64, eperm[i].nr, 0, 0);
			char what[64];

			(void)snprintf(what, sizeof what, "%s%s", eperm[i].name,
				       net ? "" : ", network allowed");
			check_call(&prog[net], what, &d, ERRNO(EPERM));
			n++;
		}
	}
	/* Every argument of a refused call is irrelevant. */
	{
		struct seccomp_data d = call(A64, __NR_ptrace, 16, 1);

		d.args[2] = d.args[3] = d.args[4] = d.args[5] = ~0ULL;
		check_call(&prog[1], "ptrace(PTRACE_ATTACH) with junk", &d,
			   ERRNO(EPERM));
		n++;
	}
	tap_diag("%zu cases", n);
}

/* Results from a forked child: name, got, want. */
struct rec {
	char what[96];
	long long got, want;
};

static void put(int fd, const char *what, long long got, long long want)
{
	struct rec r;

	memset(&r, 0, sizeof r);
	(void)snprintf(r.what, sizeof r.what, "%s", what);
	r.got = got;
	r.want = want;
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(3);
}

/* errno of a call that returned rc (0 when it succeeded). */
static long long err_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static void collect(int rfd, pid_t pid, const char *what)
{
	struct rec r;
	int status = 0;

	while (read(rfd, &r, sizeof r) == (ssize_t)sizeof r)
		tap_ok(r.got == r.want, __FILE__, __LINE__,
		       "%s: %s (got %s, want %s)", what, r.what,
		       r.got == 0 ? "ok" : sandbox_errno_name((int)r.got),
		       r.want == 0 ? "ok" : sandbox_errno_name((int)r.want));
	(void)close(rfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "%s: the child exited 0 (status %#x)", what, status);
}

TAP_SUITE(seccomp_installed)
{
	struct sandbox_bpf prog;
	int fds[2];
	pid_t pid;

	(void)sandbox_seccomp_build(1, &prog);
	if (pipe(fds) < 0) {
		T_OK(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int w = fds[1], s;

		(void)close(fds[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(4);
		put(w, "install", sandbox_seccomp_install(&prog), 0);
		put(w, "socket(AF_INET)",
		    err_of(socket(AF_INET, SOCK_STREAM, 0)), EAFNOSUPPORT);
		put(w, "socket(AF_INET6)",
		    err_of(socket(AF_INET6, SOCK_DGRAM, 0)), EAFNOSUPPORT);
		put(w, "socket(AF_NETLINK)",
		    err_of(socket(AF_NETLINK, SOCK_RAW, 0)), EAFNOSUPPORT);
		put(w, "socket(AF_PACKET)",
		    err_of(socket(AF_PACKET, SOCK_RAW, 0)), EAFNOSUPPORT);
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		put(w, "socket(AF_UNIX)", err_of(s), 0);
		put(w, "ptrace(PTRACE_ATTACH, parent)",
		    err_of(syscall(__NR_ptrace, 16 /* PTRACE_ATTACH */,
				   getppid(), 0, 0)),
		    EPERM);
		put(w, "io_uring_setup",
		    err_of(syscall(__NR_io_uring_setup, 8, NULL)), ENOSYS);
		put(w, "clone3", err_of(syscall(__NR_clone3, NULL, 0)), ENOSYS);
		put(w, "unshare(CLONE_NEWUSER)",
		    err_of(syscall(__NR_unshare, 0x10000000)), EPERM);
		put(w, "keyctl", err_of(syscall(__NR_keyctl, 0, 0, 0)), EPERM);
		put(w, "bpf", err_of(syscall(__NR_bpf, 0, NULL, 0)), EPERM);
		put(w, "mount",
		    err_of(syscall(__NR_mount, "none", "/mnt", "tmpfs", 0,
				   NULL)),
		    EPERM);
		put(w, "getpid still works", err_of(syscall(__NR_getpid)), 0);
		_exit(0);
	}
	(void)close(fds[1]);
	if (pid < 0) {
		T_OK(0, "fork");
		(void)close(fds[0]);
		return;
	}
	collect(fds[0], pid, "seccomp installed");
}

/* A child that installs the filter and makes one forbidden-ABI call:
 * returns the signal that ended it, or 0 when it exited. */
static int killed_by(int which)
{
	struct sandbox_bpf prog;
	pid_t pid;
	int status = 0;

	(void)sandbox_seccomp_build(1, &prog);
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_seccomp_install(&prog) != 0)
			_exit(4);
		if (which == 0) {
			/* i386 getpid through the 32-bit entry. */
			long ret = 20;

			__asm__ volatile("int $0x80"
					 : "+a"(ret)
					 :
					 : "memory", "cc", "r8", "r9", "r10",
					   "r11");
		} else {
			(void)syscall(X32 | 39); /* x32 getpid */
		}
		_exit(0);
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* Whether this kernel has the 32-bit entry at all: int 0x80 getpid, with
 * no filter, in a child. Without IA32 emulation (or where the hypervisor
 * does not route the gate, as on some PVM guests) the child dies by
 * SIGSEGV, and under ASan it exits through ASan's handler instead. */
static int have_int80(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		long ret = 20;

		__asm__ volatile("int $0x80"
				 : "+a"(ret)
				 :
				 : "memory", "cc", "r8", "r9", "r10", "r11");
		_exit(ret == (long)getpid() ? 0 : 1);
	}
	if (pid < 0)
		return 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TAP_SUITE(seccomp_foreign_abi)
{
	/* A kernel without the 32-bit entry cannot be entered that way at
	 * all: there is nothing for the filter to guard, so this is a skip
	 * even under MUST_WORK (which is for layers the sandbox relies on). */
	if (have_int80())
		T_INT(killed_by(0), SIGSYS,
		      "int 0x80 (i386 ABI) kills with SIGSYS");
	else
		tap_diag("SKIP int 0x80: this kernel has no 32-bit syscall "
			 "entry (without a filter the call dies by SIGSEGV)");
	T_INT(killed_by(1), SIGSYS, "an x32 call kills with SIGSYS");
}
