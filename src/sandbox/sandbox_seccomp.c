/*
 * The seccomp layer: a classic BPF program written by hand (no
 * libseccomp; README "The sandbox" says why), small enough to read and
 * tested instruction by instruction (tests/unit/test_seccomp.c runs it in
 * an interpreter over a table of calls). It denies the network to the
 * build by refusing socket() (every family, or every family but AF_UNIX
 * when unix sockets are allowed; socketpair stays), refuses the calls
 * that widen the kernel's attack surface or reach other processes, and
 * refuses what Landlock does not govern but a build could use to plant
 * privileges: setuid/setgid modes, files given to other users, limits set
 * on other processes. Everything else is allowed, because the build is an
 * ordinary program (node, ruby, python) whose system calls we cannot
 * enumerate.
 *
 * Layout of the program:
 *
 *   0  ld  arch                    the ABI the call came in through
 *   1  jeq AUDIT_ARCH_X86_64 ? 3 : 2
 *   2  ret KILL_PROCESS            int 0x80 (i386) or any foreign ABI
 *   3  ld  nr
 *   4  jset __X32_SYSCALL_BIT ? 5 : 6
 *   5  ret KILL_PROCESS            x32 calls share our arch value
 *   6  the argument blocks, one per group of calls (below)
 *   .  per refused call, two instructions: jeq NR ? next : skip 1;
 *      ret ACTION (EPERM for the dangerous calls, ENOSYS for io_uring,
 *      clone3 and openat2, EAFNOSUPPORT for socket when no socket is
 *      allowed)
 *   n  ret ALLOW
 *
 * An argument block is written as a list of guards (block_begin ...
 * block_end): its head compares the call number with each call of the
 * group (a match jumps to the guards, the last mismatch jumps past the
 * block); each guard loads one argument and either jumps to the block's
 * refusal, jumps to its allowance, or falls through to the next guard; a
 * call that passes every guard reaches the block's `ret ALLOW`, followed
 * by its `ret REFUSAL`. The jumps are resolved when the block ends, so no
 * offset is counted by hand. Every path through a block ends in a
 * return, so the accumulator holds the call number again whenever a
 * block is skipped.
 *
 * Arguments: the kernel truncates int, unsigned int, umode_t, uid_t and
 * pid_t arguments to their 32 bits before using them (the syscall
 * wrappers cast each register to the declared type; kernel/fork.c uses
 * lower_32_bits(clone_flags)), so for those only the low word is looked
 * at, and junk in the high word cannot change the call. A pointer is 64
 * bits: prlimit64's new-limit pointer is NULL only when both words are
 * zero, and both are compared (refuse_unless_arg64_zero). The low word is
 * at the argument's offset on these little-endian machines.
 *
 * The argument blocks come first because they run on every call they
 * cover (openat above all); a call whose answer does not depend on its
 * arguments (read, write, the refused list) is answered from the
 * kernel's per-call cache (kernel/seccomp.c, seccomp_cache_prepare, Linux
 * 5.11) without running the program at all, wherever it sits.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define CR_AUDIT_ARCH AUDIT_ARCH_X86_64
#define CR_X32_BIT    0x40000000u
#elif defined(__aarch64__)
#define CR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "cleanroom's seccomp filter knows x86_64 and aarch64 only"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ARG_LO/ARG_HI assume a little-endian machine"
#endif

/* Calls newer than the headers cleanroom may be built against; the
 * numbers are the same on x86_64 and aarch64 (the unified table). */
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
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

/* The mode bits no file made or changed by the build may carry. */
#define CR_SETID_BITS 06000u /* S_ISUID | S_ISGID */
/* The open flags under which the kernel uses the mode argument at all
 * (fs/open.c, build_open_how: WILL_CREATE); without them the mode is
 * ignored, and a caller may leave junk there. __O_TMPFILE is O_TMPFILE
 * without O_DIRECTORY. */
#define CR_CREATE_FLAGS                                                        \
	((unsigned)O_CREAT | ((unsigned)O_TMPFILE & ~(unsigned)O_DIRECTORY))
/* uid_t and gid_t -1: chown's "leave it unchanged". */
#define CR_ID_UNCHANGED 0xffffffffu

#define ERRNO(e) (SECCOMP_RET_ERRNO | ((unsigned)(e)&SECCOMP_RET_DATA))

/* Offsets into struct seccomp_data. A 64-bit argument's low word is at
 * the argument's offset, its high word 4 bytes further (little-endian). */
#define OFF_NR	  offsetof(struct seccomp_data, nr)
#define OFF_ARCH  offsetof(struct seccomp_data, arch)
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))
#define ARG_HI(i) (ARG_LO(i) + sizeof(__u32))

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
	/* openat2 passes its mode in memory (struct open_how) for the same
	 * reason, so a setuid file could be created through it; ENOSYS is
	 * what a kernel before 5.6 answers, and every caller (glibc does
	 * not use it for open; systemd, Rust's std, Go's x/sys callers
	 * check) falls back to openat, whose mode is checked. */
	{__NR_openat2, ERRNO(ENOSYS)},
};

/* Jump targets inside an argument block, resolved by block_end; a
 * target >= 0 is a literal count of instructions to skip. */
enum {
	TO_NEXT = 0,	/* fall through */
	TO_GUARDS = -1, /* from the head: the block's first guard */
	TO_ALLOW = -2,	/* the block's `ret ALLOW` */
	TO_REFUSE = -3, /* the block's `ret REFUSAL` */
	TO_AFTER = -4,	/* past the block: the next block's head */
};

struct emitter {
	struct sandbox_bpf *out;
	int overflow; /* too long, or a jump that cannot be encoded */
	int in_block;
	unsigned short block, guards; /* where they start */
	signed char jt[SANDBOX_BPF_MAX], jf[SANDBOX_BPF_MAX]; /* targets */
};

static void emit(struct emitter *em, unsigned short code, unsigned k, int jt,
		 int jf)
{
	struct sandbox_bpf *o = em->out;

	if (o->len >= SANDBOX_BPF_MAX) {
		em->overflow = 1;
		return;
	}
	if ((jt < 0 || jf < 0) && !em->in_block)
		em->overflow = 1; /* a label outside a block: a bug */
	em->jt[o->len] = (signed char)(jt < 0 ? jt : 0);
	em->jf[o->len] = (signed char)(jf < 0 ? jf : 0);
	if (jt > 255 || jf > 255)
		em->overflow = 1;
	o->insn[o->len++] =
		(struct sock_filter){code, (unsigned char)(jt > 0 ? jt : 0),
				     (unsigned char)(jf > 0 ? jf : 0), k};
}

static void ld(struct emitter *em, size_t off)
{
	emit(em, BPF_LD | BPF_W | BPF_ABS, (unsigned)off, 0, 0);
}

static void ret(struct emitter *em, unsigned action)
{
	emit(em, BPF_RET | BPF_K, action, 0, 0);
}

static void jeq(struct emitter *em, unsigned k, int jt, int jf)
{
	emit(em, BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}

static void jset(struct emitter *em, unsigned k, int jt, int jf)
{
	emit(em, BPF_JMP | BPF_JSET | BPF_K, k, jt, jf);
}

/* A call refused whatever its arguments: jeq NR; ret ACTION. */
static void refuse_call(struct emitter *em, int nr, unsigned action)
{
	jeq(em, (unsigned)nr, 0, 1);
	ret(em, action);
}

/* The head of an argument block for the calls nrs[0..n). */
static void block_begin(struct emitter *em, const int *nrs, size_t n)
{
	em->in_block = 1;
	em->block = em->out->len;
	for (size_t i = 0; i < n; i++)
		jeq(em, (unsigned)nrs[i], TO_GUARDS,
		    i + 1 < n ? TO_NEXT : TO_AFTER);
	em->guards = em->out->len;
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define BLOCK(em, ...)                                                         \
	block_begin((em), (const int[]){__VA_ARGS__},                          \
		    NELEMS(((const int[]){__VA_ARGS__})))

static unsigned short resolve(const struct emitter *em, int to,
			      unsigned short allow)
{
	switch (to) {
	case TO_GUARDS: return em->guards;
	case TO_ALLOW: return allow;
	case TO_REFUSE: return (unsigned short)(allow + 1);
	default: return (unsigned short)(allow + 2); /* TO_AFTER */
	}
}

/* The end of a block: `ret ALLOW` for a call that passed every guard,
 * `ret refusal` for one a guard refused; then every label of the block
 * becomes a forward offset. */
static void block_end(struct emitter *em, unsigned refusal)
{
	unsigned short allow = em->out->len;

	ret(em, SECCOMP_RET_ALLOW);
	ret(em, refusal);
	em->in_block = 0;
	if (em->overflow)
		return;
	for (unsigned short i = em->block; i < allow; i++) {
		struct sock_filter *in = &em->out->insn[i];
		int jt = em->jt[i] < 0 ? resolve(em, em->jt[i], allow) - i - 1
				       : in->jt;
		int jf = em->jf[i] < 0 ? resolve(em, em->jf[i], allow) - i - 1
				       : in->jf;

		if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
			em->overflow = 1;
			return;
		}
		in->jt = (unsigned char)jt;
		in->jf = (unsigned char)jf;
	}
}

/*
 * The guards. Each loads the argument it looks at (so that guards can be
 * read, and reordered, one by one), then refuses, allows, or falls
 * through to the next guard. All but refuse_unless_arg64_zero look at
 * the low word only: see the top of this file.
 */

/* Refused when any of bits is set in argument i. */
static void refuse_if_arg_bits(struct emitter *em, int i, unsigned bits)
{
	ld(em, ARG_LO(i));
	jset(em, bits, TO_REFUSE, TO_NEXT);
}

/* Refused when argument i is k. */
static void refuse_if_arg_eq(struct emitter *em, int i, unsigned k)
{
	ld(em, ARG_LO(i));
	jeq(em, k, TO_REFUSE, TO_NEXT);
}

/* Refused unless argument i is k. */
static void refuse_unless_arg_eq(struct emitter *em, int i, unsigned k)
{
	ld(em, ARG_LO(i));
	jeq(em, k, TO_NEXT, TO_REFUSE);
}

/* Refused unless argument i is a or b. */
static void refuse_unless_arg_in(struct emitter *em, int i, unsigned a,
				 unsigned b)
{
	ld(em, ARG_LO(i));
	jeq(em, a, 1, TO_NEXT);
	jeq(em, b, TO_NEXT, TO_REFUSE);
}

/* Refused unless the 64-bit argument i is 0 (a NULL pointer): both
 * words must be zero. */
static void refuse_unless_arg64_zero(struct emitter *em, int i)
{
	ld(em, ARG_LO(i));
	jeq(em, 0, TO_NEXT, TO_REFUSE);
	ld(em, ARG_HI(i));
	jeq(em, 0, TO_NEXT, TO_REFUSE);
}

/* Allowed at once when argument i is k. */
static void allow_if_arg_eq(struct emitter *em, int i, unsigned k)
{
	ld(em, ARG_LO(i));
	jeq(em, k, TO_ALLOW, TO_NEXT);
}

/* Allowed at once when none of bits is set in argument i. */
static void allow_unless_arg_bits(struct emitter *em, int i, unsigned bits)
{
	ld(em, ARG_LO(i));
	jset(em, bits, TO_NEXT, TO_ALLOW);
}

/* Where the mode argument is, per call (numbered from 0). The calls
 * without a directory fd do not exist on aarch64. */
static const int mode_arg1[] = {
#ifdef __NR_chmod
	__NR_chmod,  __NR_creat, __NR_mkdir, __NR_mknod,
#endif
	__NR_fchmod,
};
static const int mode_arg2[] = {
	__NR_fchmodat,
	__NR_fchmodat2,
	__NR_mkdirat,
	__NR_mknodat,
};
/* chown(path, uid, gid), fchown(fd, uid, gid), lchown(path, uid, gid). */
static const int owner_arg1[] = {
#ifdef __NR_chown
	__NR_chown,
	__NR_lchown,
#endif
	__NR_fchown,
};

int sandbox_seccomp_build(const struct sandbox_seccomp_opts *o,
			  struct sandbox_bpf *out)
{
	struct emitter em = {.out = out};

	out->len = 0;
	ld(&em, OFF_ARCH);
	jeq(&em, CR_AUDIT_ARCH, 1, 0);
	ret(&em, SECCOMP_RET_KILL_PROCESS);
	ld(&em, OFF_NR);
#ifdef CR_X32_BIT
	jset(&em, CR_X32_BIT, 0, 1);
	ret(&em, SECCOMP_RET_KILL_PROCESS);
#endif

	/* open(path, flags, mode), openat(dfd, path, flags, mode): no
	 * setuid or setgid file, when the call may create one. First: the
	 * most frequent call that runs the program. */
	BLOCK(&em, __NR_openat);
	allow_unless_arg_bits(&em, 2, CR_CREATE_FLAGS);
	refuse_if_arg_bits(&em, 3, CR_SETID_BITS);
	block_end(&em, ERRNO(EPERM));
#ifdef __NR_open
	BLOCK(&em, __NR_open);
	allow_unless_arg_bits(&em, 1, CR_CREATE_FLAGS);
	refuse_if_arg_bits(&em, 2, CR_SETID_BITS);
	block_end(&em, ERRNO(EPERM));
#endif

	/* TIOCSTI pushes input into a terminal's queue, TIOCLINUX can do the
	 * same on a virtual console: with an inherited terminal the build
	 * could type commands into the shell that started cleanroom
	 * (CVE-2017-5226, bubblewrap's fix). */
	BLOCK(&em, __NR_ioctl);
	refuse_if_arg_eq(&em, 1, TIOCSTI_NR);
	refuse_if_arg_eq(&em, 1, TIOCLINUX_NR);
	block_end(&em, ERRNO(EPERM));

	BLOCK(&em, __NR_clone);
	refuse_if_arg_bits(&em, 0, CR_CLONE_NS);
	block_end(&em, ERRNO(EPERM));

	/* Setuid and setgid bits: Landlock does not govern modes, and a
	 * build running as root owns most of the system's files, so it
	 * could make any program setuid-root in the image (chmod 4755) or
	 * create one (open with O_CREAT and mode 04755). No asset needs
	 * them. mkdir ignores the two bits today (vfs_mkdir masks them);
	 * refused anyway, so that nothing comes to rely on passing them. */
	block_begin(&em, mode_arg1, NELEMS(mode_arg1));
	refuse_if_arg_bits(&em, 1, CR_SETID_BITS);
	block_end(&em, ERRNO(EPERM));
	block_begin(&em, mode_arg2, NELEMS(mode_arg2));
	refuse_if_arg_bits(&em, 2, CR_SETID_BITS);
	block_end(&em, ERRNO(EPERM));

	/* Owners: files may be given only to the build's own uid and gid
	 * (or left unchanged, -1). Without capabilities the kernel already
	 * refuses most of this; the filter holds where it would not (a
	 * build keeping a capability, a supplementary group). */
	block_begin(&em, owner_arg1, NELEMS(owner_arg1));
	refuse_unless_arg_in(&em, 1, (unsigned)o->uid, CR_ID_UNCHANGED);
	refuse_unless_arg_in(&em, 2, (unsigned)o->gid, CR_ID_UNCHANGED);
	block_end(&em, ERRNO(EPERM));
	BLOCK(&em, __NR_fchownat); /* (dfd, path, uid, gid, flags) */
	refuse_unless_arg_in(&em, 2, (unsigned)o->uid, CR_ID_UNCHANGED);
	refuse_unless_arg_in(&em, 3, (unsigned)o->gid, CR_ID_UNCHANGED);
	block_end(&em, ERRNO(EPERM));

	/* prlimit64(pid, resource, new, old) on another process may only
	 * read: setting a limit on cleanroom (RLIMIT_CPU kills it before
	 * the timeout, the sweep and the verification) or on another
	 * process of the same uid (RLIMIT_CORE up, then a core dump with
	 * its secrets) is refused. pid 0 is the caller itself (setrlimit in
	 * glibc and musl); the new limit is a pointer, so both words. */
	BLOCK(&em, __NR_prlimit64);
	allow_if_arg_eq(&em, 0, 0);
	refuse_unless_arg64_zero(&em, 2);
	block_end(&em, ERRNO(EPERM));

	/* The network: with it denied no socket() at all, or only AF_UNIX
	 * ones when the plan allows them (a pathname socket outside, such
	 * as /var/run/docker.sock or an ssh agent, is reachable through
	 * AF_UNIX and Landlock does not govern connect); socketpair()
	 * makes only a connected pair inside the build, so AF_UNIX pairs
	 * stay (libuv's child stdio, Python's multiprocessing). */
	if (o->deny_network) {
		if (o->allow_unix) {
			BLOCK(&em, __NR_socket);
			refuse_unless_arg_eq(&em, 0, AF_UNIX);
			block_end(&em, ERRNO(EAFNOSUPPORT));
		} else {
			refuse_call(&em, __NR_socket, ERRNO(EAFNOSUPPORT));
		}
		BLOCK(&em, __NR_socketpair);
		refuse_unless_arg_eq(&em, 0, AF_UNIX);
		block_end(&em, ERRNO(EAFNOSUPPORT));
	}

	for (size_t i = 0; i < NELEMS(denied); i++)
		refuse_call(&em, denied[i].nr, denied[i].action);
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
