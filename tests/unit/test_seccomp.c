/*
 * The seccomp program, instruction by instruction: a small classic-BPF
 * interpreter (the subset the kernel accepts for seccomp) runs the
 * generated program over struct seccomp_data for a table of calls
 * (architecture, number, arguments) and checks the exact action and errno
 * of each; the program's shape is checked too (header, every jump inside
 * the program, every load aligned and inside the data). Then forked
 * children install the filter for real and check what the kernel returns
 * (setuid modes, foreign owners and prlimit on the parent refused while
 * this test runs as root with every capability, so that only the filter
 * can refuse them), and that a foreign ABI (int 0x80) and an x32 call
 * kill the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

static struct seccomp_data call4(uint32_t arch, int nr, uint64_t a0,
				 uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof d);
	d.arch = arch;
	d.nr = nr;
	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	d.args[3] = a3;
	return d;
}

static struct seccomp_data call(uint32_t arch, int nr, uint64_t a0, uint64_t a1)
{
	return call4(arch, nr, a0, a1, 0, 0);
}

/* The programs the cases run against. */
enum {
	NET_ALLOWED,	 /* --network allow */
	NET_DENIED,	 /* the default: no socket() at all */
	NET_DENIED_UNIX, /* sandbox.unix_sockets: true */
	NPROGS
};

/* The build's ids in the interpreted programs. */
#define BUILD_UID 1000u
#define BUILD_GID 1001u
#define UNCHANGED 0xffffffffu

static int build_prog(int which, uid_t uid, gid_t gid, struct sandbox_bpf *out)
{
	struct sandbox_seccomp_opts o = {
		.deny_network = which != NET_ALLOWED,
		.allow_unix = which == NET_DENIED_UNIX,
		.uid = uid,
		.gid = gid,
	};

	return sandbox_seccomp_build(&o, out);
}

struct bpf_case {
	const char *what;
	uint32_t arch;
	int nr;
	uint64_t a0, a1;
	int deny_network; /* which program: NET_DENIED, NET_ALLOWED, ... */
	uint32_t want;
};

/* Cases that look at the third and fourth arguments. */
struct bpf_case4 {
	const char *what;
	int nr;
	uint64_t a0, a1, a2, a3;
	int which;
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
	{"socket AF_UNIX", A64, __NR_socket, AF_UNIX, SOCK_STREAM, 1,
	 ERRNO(EAFNOSUPPORT)},
	{"socket AF_UNIX, unix sockets allowed", A64, __NR_socket, AF_UNIX,
	 SOCK_STREAM, NET_DENIED_UNIX, ALLOW},
	{"socket AF_INET, unix sockets allowed", A64, __NR_socket, AF_INET,
	 SOCK_STREAM, NET_DENIED_UNIX, ERRNO(EAFNOSUPPORT)},
	{"socket AF_NETLINK, unix sockets allowed", A64, __NR_socket,
	 AF_NETLINK, SOCK_RAW, NET_DENIED_UNIX, ERRNO(EAFNOSUPPORT)},
	{"socket AF_UNIX, network allowed", A64, __NR_socket, AF_UNIX, 0, 0,
	 ALLOW},
	{"socketpair AF_UNIX, unix sockets allowed", A64, __NR_socketpair,
	 AF_UNIX, 0, NET_DENIED_UNIX, ALLOW},
	{"socketpair AF_INET, unix sockets allowed", A64, __NR_socketpair,
	 AF_INET, 0, NET_DENIED_UNIX, ERRNO(EAFNOSUPPORT)},
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
	{"socket AF_UNIX in the low word, junk above (unix allowed)", A64,
	 __NR_socket, 0x100000000ULL | AF_UNIX, 0, NET_DENIED_UNIX, ALLOW},
	{"socket AF_INET in the low word, AF_UNIX above (unix allowed)", A64,
	 __NR_socket, ((uint64_t)AF_UNIX << 32) | AF_INET, 0, NET_DENIED_UNIX,
	 ERRNO(EAFNOSUPPORT)},
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
	{"ioctl TIOCLINUX, network allowed", A64, __NR_ioctl, 0, 0x541C, 0,
	 ERRNO(EPERM)},
	/* Modes in the second argument: setuid and setgid refused. */
	{"chmod 04755", A64, __NR_chmod, 0, 04755, 1, ERRNO(EPERM)},
	{"chmod 02755", A64, __NR_chmod, 0, 02755, 1, ERRNO(EPERM)},
	{"chmod 06755, network allowed", A64, __NR_chmod, 0, 06755, 0,
	 ERRNO(EPERM)},
	{"chmod 0755", A64, __NR_chmod, 0, 0755, 1, ALLOW},
	{"chmod 01777 (sticky)", A64, __NR_chmod, 0, 01777, 1, ALLOW},
	{"chmod 04755 only in the high word (umode_t ignores it)", A64,
	 __NR_chmod, 0, 04755ULL << 32, 1, ALLOW},
	{"chmod with a path pointer ending in 06000 bits", A64, __NR_chmod,
	 0x7ffd6000, 0644, 1, ALLOW},
	{"fchmod 04755", A64, __NR_fchmod, 3, 04755, 1, ERRNO(EPERM)},
	{"fchmod 0600", A64, __NR_fchmod, 3, 0600, 1, ALLOW},
	{"creat 04755", A64, __NR_creat, 0, 04755, 1, ERRNO(EPERM)},
	{"creat 0644", A64, __NR_creat, 0, 0644, 1, ALLOW},
	{"mkdir 02775", A64, __NR_mkdir, 0, 02775, 1, ERRNO(EPERM)},
	{"mkdir 0755", A64, __NR_mkdir, 0, 0755, 1, ALLOW},
	{"mknod S_IFREG|04755", A64, __NR_mknod, 0, 0104755, 1, ERRNO(EPERM)},
	{"mknod S_IFIFO|0644", A64, __NR_mknod, 0, 010644, 1, ALLOW},
	/* prlimit64(pid, resource, new, old): a limit of another process
	 * may be read, not set. */
	{"prlimit64 on itself (pid 0), setting", A64, __NR_prlimit64, 0, 4, 1,
	 ALLOW},
	{"prlimit64 pid 0 in the low word, junk above (pid_t: 0)", A64,
	 __NR_prlimit64, 0x100000000ULL, 4, 1, ALLOW},
	{"prlimit64 on pid 1234, reading", A64, __NR_prlimit64, 1234, 4, 1,
	 ALLOW},
};

static const struct bpf_case4 cases4[] = {
	{"prlimit64 on pid 1234, setting", __NR_prlimit64, 1234,
	 0 /* RLIMIT_CPU */, 0x7ffd1000, 0, NET_DENIED, ERRNO(EPERM)},
	{"prlimit64 on pid 1234, new limit only in the high word",
	 __NR_prlimit64, 1234, 0, 0x7ffd00000000ULL, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"prlimit64 on pid 1234, setting, network allowed", __NR_prlimit64,
	 1234, 4, 0x7ffd1000, 0, NET_ALLOWED, ERRNO(EPERM)},
	{"prlimit64 on pid 1234, reading into old", __NR_prlimit64, 1234, 4, 0,
	 0x7ffd1000, NET_DENIED, ALLOW},
	/* Modes in the third argument. */
	{"fchmodat 04755", __NR_fchmodat, 3, 0x7ffd1000, 04755, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"fchmodat 0644", __NR_fchmodat, 3, 0x7ffd1000, 0644, 0, NET_DENIED,
	 ALLOW},
	{"fchmodat 0644, path pointer ending in 06000 bits", __NR_fchmodat, 3,
	 0x7ffd6000, 0644, 0, NET_DENIED, ALLOW},
	{"fchmodat2 02755", 452, 3, 0x7ffd1000, 02755, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"fchmodat2 0755", 452, 3, 0x7ffd1000, 0755, 0, NET_DENIED, ALLOW},
	{"mkdirat 04755", __NR_mkdirat, 3, 0x7ffd1000, 04755, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"mkdirat 0700", __NR_mkdirat, 3, 0x7ffd1000, 0700, 0, NET_DENIED,
	 ALLOW},
	{"mknodat S_IFREG|02755", __NR_mknodat, 3, 0x7ffd1000, 0102755, 0,
	 NET_DENIED, ERRNO(EPERM)},
	/* open and openat: the mode counts only when the call may create. */
	{"open O_CREAT 04755", __NR_open, 0x7ffd1000, O_WRONLY | O_CREAT, 04755,
	 0, NET_DENIED, ERRNO(EPERM)},
	{"open O_CREAT 0644", __NR_open, 0x7ffd1000, O_WRONLY | O_CREAT, 0644,
	 0, NET_DENIED, ALLOW},
	{"open O_RDONLY with junk 06000 in the unused mode", __NR_open,
	 0x7ffd1000, O_RDONLY, 06777, 0, NET_DENIED, ALLOW},
	{"open O_TMPFILE 02755", __NR_open, 0x7ffd1000, O_TMPFILE | O_RDWR,
	 02755, 0, NET_DENIED, ERRNO(EPERM)},
	{"openat O_CREAT|O_EXCL 04755", __NR_openat, 3, 0x7ffd1000,
	 O_WRONLY | O_CREAT | O_EXCL, 04755, NET_DENIED, ERRNO(EPERM)},
	{"openat O_CREAT 04755, network allowed", __NR_openat, 3, 0x7ffd1000,
	 O_WRONLY | O_CREAT, 04755, NET_ALLOWED, ERRNO(EPERM)},
	{"openat O_CREAT 0666", __NR_openat, 3, 0x7ffd1000, O_WRONLY | O_CREAT,
	 0666, NET_DENIED, ALLOW},
	{"openat O_RDONLY, junk 04000 in the unused mode", __NR_openat, 3,
	 0x7ffd1000, O_RDONLY | O_CLOEXEC, 04000, NET_DENIED, ALLOW},
	{"openat O_TMPFILE 04700", __NR_openat, 3, 0x7ffd1000,
	 O_TMPFILE | O_WRONLY, 04700, NET_DENIED, ERRNO(EPERM)},
	{"openat2 (mode in memory)", 437, 3, 0x7ffd1000, 0x7ffd2000, 24,
	 NET_DENIED, ERRNO(ENOSYS)},
	{"openat2, network allowed", 437, 3, 0x7ffd1000, 0x7ffd2000, 24,
	 NET_ALLOWED, ERRNO(ENOSYS)},
	/* Owners: the build's uid and gid, or -1, and nothing else. */
	{"chown to the build's ids", __NR_chown, 0x7ffd1000, BUILD_UID,
	 BUILD_GID, 0, NET_DENIED, ALLOW},
	{"chown -1 -1", __NR_chown, 0x7ffd1000, UNCHANGED, UNCHANGED, 0,
	 NET_DENIED, ALLOW},
	{"chown to uid 0", __NR_chown, 0x7ffd1000, 0, UNCHANGED, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"chown to gid 0", __NR_chown, 0x7ffd1000, UNCHANGED, 0, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"chown to another uid, the build's gid", __NR_chown, 0x7ffd1000,
	 BUILD_UID + 1, BUILD_GID, 0, NET_DENIED, ERRNO(EPERM)},
	{"chown to the build's uid, another gid", __NR_chown, 0x7ffd1000,
	 BUILD_UID, BUILD_GID + 7, 0, NET_ALLOWED, ERRNO(EPERM)},
	{"chown, the build's uid in the low word, junk above", __NR_chown,
	 0x7ffd1000, 0xabc00000000ULL | BUILD_UID, UNCHANGED, 0, NET_DENIED,
	 ALLOW},
	{"chown, uid 0 in the low word, the build's uid above", __NR_chown,
	 0x7ffd1000, (uint64_t)BUILD_UID << 32, UNCHANGED, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"lchown to uid 0", __NR_lchown, 0x7ffd1000, 0, 0, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"lchown -1, the build's gid", __NR_lchown, 0x7ffd1000, UNCHANGED,
	 BUILD_GID, 0, NET_DENIED, ALLOW},
	{"fchown to uid 0", __NR_fchown, 3, 0, UNCHANGED, 0, NET_DENIED,
	 ERRNO(EPERM)},
	{"fchown to the build's ids", __NR_fchown, 3, BUILD_UID, BUILD_GID, 0,
	 NET_DENIED, ALLOW},
	{"fchownat to uid 0", __NR_fchownat, 3, 0x7ffd1000, 0, UNCHANGED,
	 NET_DENIED, ERRNO(EPERM)},
	{"fchownat to gid 0", __NR_fchownat, 3, 0x7ffd1000, UNCHANGED, 0,
	 NET_DENIED, ERRNO(EPERM)},
	{"fchownat to the build's ids", __NR_fchownat, 3, 0x7ffd1000, BUILD_UID,
	 BUILD_GID, NET_DENIED, ALLOW},
	{"fchownat whose dfd is the build's uid (not an id)", __NR_fchownat,
	 BUILD_UID, BUILD_UID, UNCHANGED, UNCHANGED, NET_DENIED, ALLOW},
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
	static const char *const names[NPROGS] = {
		"network allowed", "network denied",
		"network denied, unix sockets allowed"};
	struct sandbox_bpf prog[NPROGS];

	for (int net = 0; net < NPROGS; net++) {
		const struct sock_filter *in;
		int ok = 1;

		T_OK(build_prog(net, BUILD_UID, BUILD_GID, &prog[net]) == 0,
		     "builds (%s)", names[net]);
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
	T_OK(prog[2].len > prog[1].len,
	     "allowing AF_UNIX adds a family check (%u > %u)", prog[2].len,
	     prog[1].len);
	/* The ids are compared in the program: a filter for uid 0 is not
	 * the filter for uid 1000. */
	{
		struct sandbox_bpf root;

		(void)build_prog(NET_DENIED, 0, 0, &root);
		T_OK(root.len == prog[1].len &&
			     memcmp(root.insn, prog[1].insn,
				    root.len * sizeof root.insn[0]) != 0,
		     "the build's uid and gid are in the program");
	}
}

TAP_SUITE(seccomp_bpf_cases)
{
	struct sandbox_bpf prog[NPROGS];
	size_t n = 0;

	for (int p = 0; p < NPROGS; p++)
		(void)build_prog(p, BUILD_UID, BUILD_GID, &prog[p]);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bpf_case *c = &cases[i];
		struct seccomp_data d = call(c->arch, c->nr, c->a0, c->a1);

		check_call(&prog[c->deny_network], c->what, &d, c->want);
		n++;
	}
	for (size_t i = 0; i < sizeof cases4 / sizeof cases4[0]; i++) {
		const struct bpf_case4 *c = &cases4[i];
		struct seccomp_data d =
			call4(A64, c->nr, c->a0, c->a1, c->a2, c->a3);

		check_call(&prog[c->which], c->what, &d, c->want);
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

/* Results from a forked child: name, got, want; errnos, or plain
 * values (is_val). */
struct rec {
	char what[96];
	long long got, want;
	int is_val;
};

static void put_rec(int fd, const char *what, long long got, long long want,
		    int is_val)
{
	struct rec r;

	memset(&r, 0, sizeof r);
	(void)snprintf(r.what, sizeof r.what, "%s", what);
	r.got = got;
	r.want = want;
	r.is_val = is_val;
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(3);
}

static void put(int fd, const char *what, long long got, long long want)
{
	put_rec(fd, what, got, want, 0);
}

static void put_val(int fd, const char *what, long long got, long long want)
{
	put_rec(fd, what, got, want, 1);
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

	while (read(rfd, &r, sizeof r) == (ssize_t)sizeof r) {
		if (r.is_val) {
			tap_ok(r.got == r.want, __FILE__, __LINE__,
			       "%s: %s (got %#llo, want %#llo)", what, r.what,
			       r.got, r.want);
			continue;
		}
		tap_ok(r.got == r.want, __FILE__, __LINE__,
		       "%s: %s (got %s, want %s)", what, r.what,
		       r.got == 0 ? "ok" : sandbox_errno_name((int)r.got),
		       r.want == 0 ? "ok" : sandbox_errno_name((int)r.want));
	}
	(void)close(rfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "%s: the child exited 0 (status %#x)", what, status);
}

/* The calls that plant privileges, in a child under the filter, in dir
 * (a fresh directory with a file "f" of this process's ids). This test
 * runs as root with every capability where it can: then the kernel would
 * allow each of them, and only the filter refuses. */
static void planted(int w, const char *dir)
{
	char f[256], g[256];
	struct rlimit lim;
	struct stat sb;

	(void)snprintf(f, sizeof f, "%s/f", dir);
	(void)snprintf(g, sizeof g, "%s/suid", dir);
	put(w, "chmod 04755", err_of(chmod(f, 04755)), EPERM);
	put(w, "chmod 02755", err_of(chmod(f, 02755)), EPERM);
	put(w, "fchmodat 06755",
	    err_of(syscall(__NR_fchmodat, AT_FDCWD, f, 06755)), EPERM);
	put(w, "fchmodat2 04755 (refused before the kernel looks)",
	    err_of(syscall(452, AT_FDCWD, f, 04755, 0)), EPERM);
	put(w, "chmod 0640 stays allowed", err_of(chmod(f, 0640)), 0);
	put(w, "stat f", err_of(stat(f, &sb)), 0);
	put_val(w, "f's mode", (long long)(sb.st_mode & 07777), 0640);
	put(w, "open(O_CREAT, 04755)",
	    err_of(open(g, O_WRONLY | O_CREAT | O_CLOEXEC, 04755)), EPERM);
	put(w, "and no file was made", err_of(stat(g, &sb)), ENOENT);
	put(w, "mkdir 02755", err_of(syscall(__NR_mkdirat, AT_FDCWD, g, 02755)),
	    EPERM);
	put(w, "openat2 (ENOSYS: libc falls back)",
	    err_of(syscall(437, AT_FDCWD, g, NULL, 0)), ENOSYS);
	put(w, "chown to uid 4242", err_of(chown(f, 4242, (gid_t)-1)), EPERM);
	put(w, "chown to gid 4242", err_of(chown(f, (uid_t)-1, 4242)), EPERM);
	put(w, "chown to its own ids", err_of(chown(f, getuid(), getgid())), 0);
	put(w, "stat f", err_of(stat(f, &sb)), 0);
	put_val(w, "f's owner is unchanged", (long long)sb.st_uid,
		(long long)getuid());
	put(w, "prlimit(parent) reading",
	    err_of(prlimit(getppid(), RLIMIT_CORE, NULL, &lim)), 0);
	put(w, "prlimit(parent) setting",
	    err_of(prlimit(getppid(), RLIMIT_CORE, &lim, NULL)), EPERM);
	put(w, "prlimit(itself by pid 0) setting",
	    err_of(prlimit(0, RLIMIT_CORE, &lim, NULL)), 0);
	put(w, "setrlimit", err_of(setrlimit(RLIMIT_CORE, &lim)), 0);
}

/* Runs planted() and the socket calls under a program built for which,
 * for this process's ids. */
static void installed(int which, const char *what, const char *dir)
{
	struct sandbox_bpf prog;
	int fds[2], sv[2];
	pid_t pid;

	(void)build_prog(which, getuid(), getgid(), &prog);
	if (pipe(fds) < 0) {
		T_OK(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int w = fds[1];

		(void)close(fds[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(4);
		put(w, "install", sandbox_seccomp_install(&prog), 0);
		put(w, "socket(AF_UNIX)",
		    err_of(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)),
		    which == NET_DENIED ? EAFNOSUPPORT : 0);
		put(w, "socket(AF_INET)",
		    err_of(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)),
		    EAFNOSUPPORT);
		put(w, "socketpair(AF_UNIX)",
		    err_of(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				      sv)),
		    0);
		planted(w, dir);
		_exit(0);
	}
	(void)close(fds[1]);
	if (pid < 0) {
		T_OK(0, "fork");
		(void)close(fds[0]);
		return;
	}
	collect(fds[0], pid, what);
}

TAP_SUITE(seccomp_installed_planted)
{
	char dir[] = "/tmp/cleanroom-seccomp.XXXXXX", f[64];
	int fd;

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	(void)snprintf(f, sizeof f, "%s/f", dir);
	fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	T_OK(fd >= 0, "a file to change");
	if (fd >= 0)
		(void)close(fd);
	if (geteuid() != 0)
		tap_diag("not root: the kernel refuses foreign owners itself "
			 "here, so the owner checks prove less");
	installed(NET_DENIED, "filter, network denied", dir);
	installed(NET_DENIED_UNIX, "filter, unix sockets allowed", dir);
	{
		char g[64];

		(void)snprintf(g, sizeof g, "%s/suid", dir);
		(void)unlink(g);
		(void)rmdir(g);
	}
	(void)unlink(f);
	(void)rmdir(dir);
}

TAP_SUITE(seccomp_installed)
{
	struct sandbox_bpf prog;
	int fds[2];
	pid_t pid;

	(void)build_prog(NET_DENIED, getuid(), getgid(), &prog);
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
		put(w, "socket(AF_UNIX)", err_of(s), EAFNOSUPPORT);
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

	(void)build_prog(NET_DENIED, getuid(), getgid(), &prog);
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
