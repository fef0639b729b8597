/*
 * The kernel's ABI that musl's headers may lack: the numbers of newer
 * system calls (x86-64; cleanroom is built for it alone), preadv2's
 * RWF_NOWAIT and the record getdents64 writes. One definition for every
 * module that calls them through syscall(2). A header only: nothing here
 * allocates or owns.
 */
#ifndef CLEANROOM_KABI_H
#define CLEANROOM_KABI_H

#include <stdint.h>
#include <sys/syscall.h>

#ifndef __NR_preadv2
#define __NR_preadv2 327
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

/* preadv2(2)'s flag: read only what the page cache holds (linux/fs.h). */
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

/* rt_sigaction(2)'s struct as the kernel takes it on x86_64 (handler,
 * flags, restorer, mask), for a child that must not call the libc's
 * sigaction (musl's takes a lock for SIGABRT). SIG_DFL needs no
 * restorer; pass sizeof .mask as the call's last argument. */
struct kabi_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

/* One record of getdents64(2), as the kernel lays it out. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#endif
