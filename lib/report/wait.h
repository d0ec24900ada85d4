/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a blocked thread waits for, and who holds it, as the reports carry
 * it (a thread's and a group member's): the kind of lock, its address,
 * its holder or why it is not known; and the one text of it, the line
 * "waiting for KIND at 0xADDR, held by TID COMM" every output prints.
 * Found by lib/waitfor/ (waitfor.h); thread ids are the caller's pid
 * namespace's.
 */
#ifndef KSTACK_WAIT_H
#define KSTACK_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"

/* What a thread waits for; the names are the text and JSON's KIND. */
enum ks_wait_kind {
	KS_WAIT_NONE,		/* nothing we can name: no line */
	KS_WAIT_PTHREAD_MUTEX,	/* "pthread_mutex": glibc's pthread_mutex_t */
	KS_WAIT_PI_FUTEX,	/* "pi_futex": FUTEX_LOCK_PI(2), its owner in the word */
	KS_WAIT_PTHREAD_RWLOCK,	/* "pthread_rwlock": glibc's pthread_rwlock_t */
	KS_WAIT_FUTEX,		/* "futex": a condvar, semaphore or unknown futex */
	KS_WAIT_MUTEX,		/* "mutex": a kernel struct mutex */
	KS_WAIT_RWSEM,		/* "rwsem": a kernel struct rw_semaphore */
	KS_WAIT_SEMAPHORE,	/* "semaphore": a kernel struct semaphore */
	KS_WAIT_FLOCK,		/* "flock": flock(2) */
	KS_WAIT_POSIX_LOCK,	/* "posix_lock": fcntl(2) record locks, OFD ones too */
	KS_WAIT_NKINDS
};

/* Why the holder is not named (KS_WHY_HELD: it is). */
enum ks_wait_why {
	KS_WHY_HELD,		/* held by tid (comm) */
	KS_WHY_NO_OWNER,	/* the object records no owner: "no owner recorded" */
	KS_WHY_READERS,		/* read-held: "held by readers" */
	KS_WHY_SEM,		/* "a semaphore has no owner" */
	KS_WHY_EXITED,		/* "owner N has exited" (arg: N) */
	KS_WHY_OTHER_NS,	/* "owner N is in another pid namespace" (arg: N) */
	KS_WHY_OWNER_DIED,	/* robust/PI: "owner died" (FUTEX_OWNER_DIED) */
	KS_WHY_NO_FRAMES,	/* futex, no user frames to tell which object */
	KS_WHY_UNREADABLE,	/* "memory not readable: ERRNO" (arg: errno) */
	KS_WHY_OFD,		/* "an OFD lock: owned by an open file, not a process" */
	KS_WHY_NOT_FOUND,	/* file lock: "blocker not found" */
	KS_WHY_NO_DRIVER,	/* kernel lock: "the driver has no LOCK_WAIT" */
	KS_WHY_LAYOUT,		/* kernel lock: "lock layouts failed the driver's check at load" */
	KS_WHY_LOCK_NOT_FOUND,	/* kernel lock: "waiter record not found" */
	KS_WHY_RAN,		/* "ran while it was looked at" */
	KS_WHY_FAILED,		/* "lookup failed: ERRNO" (arg: errno) */
	KS_WHY_NKINDS
};

/* ks_wait.flags */
#define KS_WAIT_F_RAN		(1u << 0)	/* the thread ran during its capture: in no cycle */
#define KS_WAIT_F_PROCESS	(1u << 1)	/* holder is a process (flock, POSIX lock): its tgid */
#define KS_WAIT_F_WRITE		(1u << 2)	/* waits to write (rwlock, rwsem) */
#define KS_WAIT_F_SHARED	(1u << 3)	/* a process-shared user lock: its holder may be in another process */

struct ks_wait {
	uint8_t kind;		/* enum ks_wait_kind */
	uint8_t why;		/* enum ks_wait_why */
	uint16_t flags;		/* KS_WAIT_F_* */
	uint32_t reserved;
	uint64_t addr;		/* the lock: a user or kernel address (0: none known) */
	uint64_t tid;		/* KS_WHY_HELD: the holder; else what the reason names */
	char comm[KSTACK_COMM_LEN];	/* KS_WHY_HELD: the holder's name, raw; "" unknown */
};

const char *ks_wait_kind_name(enum ks_wait_kind k);

/* The reason's words (KS_WHY_HELD: NULL), into buf. */
const char *ks_wait_reason(const struct ks_wait *w, char *buf, size_t len);

/*
 * "waiting for KIND at 0xADDR, held by TID COMM" or "waiting for KIND at
 * 0xADDR, holder unknown (REASON)", COMM escaped (escape.h), no newline;
 * "" for KS_WAIT_NONE. Returns buf.
 */
#define KS_WAIT_LINE_LEN 160
const char *ks_wait_line(const struct ks_wait *w, char *buf, size_t len);

/* Two waits for the same object (kind and address; a file lock: and holder). */
bool ks_wait_same(const struct ks_wait *a, const struct ks_wait *b);

#endif
