/*
 * The seccomp layer: a classic BPF program written by hand (no
 * libseccomp), small enough to read and tested instruction by instruction
 * (tests/unit/test_seccomp.c runs it in an interpreter over a table of
 * calls). It denies the network to the build by refusing every socket
 * family but AF_UNIX, and refuses the calls that widen the kernel's attack
 * surface or reach other processes; everything else is allowed, because
 * the build is an ordinary program (node, ruby, python) whose system calls
 * we cannot enumerate.
 *
 * Layout of the program (instruction numbers for x86_64):
 *
 *   0  ld  arch                    the ABI the call came in through
 *   1  jeq AUDIT_ARCH_X86_64 ? 3 : 2
 *   2  ret KILL_PROCESS            int 0x80 (i386) or any foreign ABI
 *   3  ld  nr
 *   4  jset __X32_SYSCALL_BIT ? 5 : 6
 *   5  ret KILL_PROCESS            x32 calls share our arch value
 *   6  per call, two instructions: jeq NR ? next : skip 1; ret ACTION
 *      (EPERM for the dangerous calls, ENOSYS for io_uring and clone3)
 *   .  clone:  jeq; ld args[0] low; jset CLONE_NEW* ? EPERM : ALLOW
 *   .  ioctl:  jeq; ld args[1] low; TIOCSTI or TIOCLINUX ? EPERM : ALLOW
 *   .  socket, socketpair (network denied): jeq; ld args[0] low;
 *      AF_UNIX ? ALLOW : ERRNO(EAFNOSUPPORT)
 *   n  ret ALLOW
 *
 * Every block that loads an argument ends in a return on every path, so
 * the accumulator holds the call number again whenever a block is skipped.
 * Only the low 32 bits of an argument are looked at because the kernel
 * itself truncates these arguments to int / unsigned int (socket's family,
 * ioctl's command, clone's flags: kernel/fork.c uses
 * lower_32_bits(clone_flags)), so the high word cannot change the call.
 *
 * The list is linear, and that costs nothing for the calls a build makes
 * most: a call whose answer does not depend on its arguments (read,
 * write, openat, ...) is answered from the kernel's per-call cache
 * (kernel/seccomp.c, seccomp_cache_prepare, Linux 5.11) without running
 * the program. Only ioctl, clone, socket and socketpair run it.
 */
#include "sandbox.h"

#include <errno.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define CR_AUDIT_ARCH AUDIT_ARCH_X86_64
#define CR_X32_BIT    0x40000000u
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#elif defined(__aarch64__)
#define CR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "cleanroom's seccomp filter knows x86_64 and aarch64 only"
#endif

/* The namespace flags a clone() may not carry: a new user namespace is
 * the door to the kernel code that only root could reach before (mount,
 * netfilter, ...), and the others are refused with it so that the build
 * cannot leave the view of the system it was given. CLONE_NEWTIME is
 * 0x80, inside CSIGNAL for clone(), so it can only come through clone3
 * and unshare, both refused whole. */
#define CR_CLONE_NS                                                            \
	(0x00020000u /* NEWNS */ | 0x02000000u /* NEWCGROUP */ |               \
	 0x04000000u /* NEWUTS */ | 0x08000000u /* NEWIPC */ |                 \
	 0x10000000u /* NEWUSER */ | 0x20000000u /* NEWPID */ |                \
	 0x40000000u /* NEWNET */)

#define TIOCSTI_NR   0x5412u
#define TIOCLINUX_NR 0x541Cu

#define ERRNO(e) (SECCOMP_RET_ERRNO | ((unsigned)(e)&SECCOMP_RET_DATA))

/* Offsets into struct seccomp_data; the low word of a 64-bit argument is
 * at the argument's offset on a little-endian machine. */
#define OFF_NR	   offsetof(struct seccomp_data, nr)
#define OFF_ARCH   offsetof(struct seccomp_data, arch)
#define OFF_ARG(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))

struct deny {
	int nr;
	unsigned action;
};

/* The calls refused outright, each with why. */
static const struct deny denied[] = {
	/* Reading or writing other processes: the parent's memory and
	 * environment hold the secrets that were withheld. */
	{__NR_ptrace, ERRNO(EPERM)},
	{__NR_process_vm_readv, ERRNO(EPERM)},
	{__NR_process_vm_writev, ERRNO(EPERM)},
	{__NR_pidfd_getfd, ERRNO(EPERM)},
	/* Replacing or extending the kernel. */
	{__NR_kexec_load, ERRNO(EPERM)},
	{__NR_kexec_file_load, ERRNO(EPERM)},
	{__NR_init_module, ERRNO(EPERM)},
	{__NR_finit_module, ERRNO(EPERM)},
	{__NR_delete_module, ERRNO(EPERM)},
	/* Kernel attack surface reachable without privileges on many
	 * systems, and never needed by an asset build. */
	{__NR_bpf, ERRNO(EPERM)},
	{__NR_perf_event_open, ERRNO(EPERM)},
	{__NR_userfaultfd, ERRNO(EPERM)},
	/* The kernel keyrings are not namespaced: keys of the same uid in
	 * other containers would be visible. */
	{__NR_keyctl, ERRNO(EPERM)},
	{__NR_add_key, ERRNO(EPERM)},
	{__NR_request_key, ERRNO(EPERM)},
	/* Changing the filesystem view (old and new mount API). */
	{__NR_mount, ERRNO(EPERM)},
	{__NR_umount2, ERRNO(EPERM)},
	{__NR_pivot_root, ERRNO(EPERM)},
	{__NR_chroot, ERRNO(EPERM)},
	{__NR_fsopen, ERRNO(EPERM)},
	{__NR_fsconfig, ERRNO(EPERM)},
	{__NR_fsmount, ERRNO(EPERM)},
	{__NR_fspick, ERRNO(EPERM)},
	{__NR_move_mount, ERRNO(EPERM)},
	{__NR_open_tree, ERRNO(EPERM)},
	{__NR_open_tree_attr, ERRNO(EPERM)},
	{__NR_mount_setattr, ERRNO(EPERM)},
	/* Namespaces: see CR_CLONE_NS. */
	{__NR_unshare, ERRNO(EPERM)},
	{__NR_setns, ERRNO(EPERM)},
	/* Opens any file by its handle, around every path check. */
	{__NR_open_by_handle_at, ERRNO(EPERM)},
	/* The machine's own state. */
	{__NR_swapon, ERRNO(EPERM)},
	{__NR_swapoff, ERRNO(EPERM)},
	{__NR_reboot, ERRNO(EPERM)},
	{__NR_acct, ERRNO(EPERM)},
	{__NR_syslog, ERRNO(EPERM)},
#ifdef __NR_iopl
	{__NR_iopl, ERRNO(EPERM)},
	{__NR_ioperm, ERRNO(EPERM)},
#endif
	/* io_uring performs socket, open and other operations without
	 * passing through seccomp (its requests are not system calls), so
	 * it would bypass this filter; ENOSYS makes programs fall back to
	 * plain calls, as on kernels without io_uring. */
	{__NR_io_uring_setup, ERRNO(ENOSYS)},
	{__NR_io_uring_enter, ERRNO(ENOSYS)},
	{__NR_io_uring_register, ERRNO(ENOSYS)},
	/* clone3 passes its flags in memory, which seccomp cannot read;
	 * ENOSYS makes glibc and others fall back to clone(), whose flags
	 * are checked below (Docker's default profile does the same). */
	{__NR_clone3, ERRNO(ENOSYS)},
};

struct emitter {
	struct sandbox_bpf *out;
	int overflow;
};

static void emit(struct emitter *em, unsigned short code, unsigned k,
		 unsigned char jt, unsigned char jf)
{
	struct sandbox_bpf *o = em->out;

	if (o->len >= SANDBOX_BPF_MAX) {
		em->overflow = 1;
		return;
	}
	o->insn[o->len++] = (struct sock_filter){code, jt, jf, k};
}

static void ld(struct emitter *em, size_t off)
{
	emit(em, BPF_LD | BPF_W | BPF_ABS, (unsigned)off, 0, 0);
}

static void ret(struct emitter *em, unsigned action)
{
	emit(em, BPF_RET | BPF_K, action, 0, 0);
}

static void jeq(struct emitter *em, unsigned k, unsigned char jt,
		unsigned char jf)
{
	emit(em, BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}

static void jset(struct emitter *em, unsigned k, unsigned char jt,
		 unsigned char jf)
{
	emit(em, BPF_JMP | BPF_JSET | BPF_K, k, jt, jf);
}

/* socket() and socketpair(): AF_UNIX only. */
static void family_check(struct emitter *em, int nr)
{
	jeq(em, (unsigned)nr, 0, 4);
	ld(em, OFF_ARG(0));
	jeq(em, AF_UNIX, 0, 1);
	ret(em, SECCOMP_RET_ALLOW);
	ret(em, ERRNO(EAFNOSUPPORT));
}

int sandbox_seccomp_build(int deny_network, struct sandbox_bpf *out)
{
	struct emitter em = {out, 0};

	out->len = 0;
	ld(&em, OFF_ARCH);
	jeq(&em, CR_AUDIT_ARCH, 1, 0);
	ret(&em, SECCOMP_RET_KILL_PROCESS);
	ld(&em, OFF_NR);
#ifdef CR_X32_BIT
	jset(&em, CR_X32_BIT, 0, 1);
	ret(&em, SECCOMP_RET_KILL_PROCESS);
#endif
	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
		jeq(&em, (unsigned)denied[i].nr, 0, 1);
		ret(&em, denied[i].action);
	}

	jeq(&em, __NR_clone, 0, 4);
	ld(&em, OFF_ARG(0));
	jset(&em, CR_CLONE_NS, 0, 1);
	ret(&em, ERRNO(EPERM));
	ret(&em, SECCOMP_RET_ALLOW);

	/* TIOCSTI pushes input into a terminal's queue, TIOCLINUX can do the
	 * same on a virtual console: with an inherited terminal the build
	 * could type commands into the shell that started cleanroom
	 * (CVE-2017-5226, bubblewrap's fix). */
	jeq(&em, __NR_ioctl, 0, 5);
	ld(&em, OFF_ARG(1));
	jeq(&em, TIOCSTI_NR, 1, 0);
	jeq(&em, TIOCLINUX_NR, 0, 1);
	ret(&em, ERRNO(EPERM));
	ret(&em, SECCOMP_RET_ALLOW);

	if (deny_network) {
		family_check(&em, __NR_socket);
		family_check(&em, __NR_socketpair);
	}
	ret(&em, SECCOMP_RET_ALLOW);
	return em.overflow ? -1 : 0;
}

int sandbox_seccomp_install(const struct sandbox_bpf *prog)
{
	struct sock_fprog fp = {
		.len = prog->len,
		/* The kernel copies the program; it never writes to it. */
		.filter = (struct sock_filter *)(uintptr_t)prog->insn,
	};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
		return errno;
	return 0;
}

int sandbox_seccomp_trial(void)
{
	struct sandbox_bpf allow = {.len = 1};

	allow.insn[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						     SECCOMP_RET_ALLOW);
	return sandbox_seccomp_install(&allow);
}
