/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who holds it: for a thread blocked on a lock, the lock and the thread
 * that holds it, found without stopping anything.
 *
 * Where each kind comes from:
 * - user locks (waitfor_user.c): a thread asleep in futex(2) has the
 *   futex's address and operation in its user registers at kernel entry
 *   (the SNAPSHOT record's tail); its user frames say whose futex word it
 *   is (__lll_lock_wait under pthread_mutex_lock, pthread_rwlock_wrlock,
 *   pthread_cond_wait, sem_wait), the object's own layout confirms it, and
 *   the owner is read beside the word with process_vm_readv: a PI futex's
 *   owner is in the word, a glibc mutex's in __owner, a rwlock's writer in
 *   __cur_writer; a condvar, a semaphore or an unknown futex records none;
 * - file locks (waitfor_file.c): a thread asleep in flock(2) or
 *   fcntl(F_SETLKW, F_OFD_SETLKW) waits behind a lock /proc/locks lists
 *   ("->" lines under their blocker), or the driver's LOCK_WAIT follows
 *   its fl_blocker;
 * - kernel locks (waitfor_kernel.c): a thread asleep in __mutex_lock,
 *   rwsem_down_*_slowpath or __down*: the driver's LOCK_WAIT finds its
 *   waiter record on its stack and the lock whose wait list holds it,
 *   and names the lock's owner.
 * Which of them applies is decided from the thread's kernel frames (the
 * innermost wait function) and its user registers. The answer is the
 * reports' struct ks_wait (wait.h); the wait-for graph's cycles
 * (waitgraph.h) are confirmed here, where the driver is.
 *
 * Thread ids are the caller's pid namespace's (the driver's, /proc's).
 */
#ifndef KSTACK_WAITFOR_H
#define KSTACK_WAITFOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "capture.h"
#include "hashtab.h"
#include "kdriver.h"
#include "ks_error.h"
#include "snapshot.h"
#include "user_unwind.h"
#include "wait.h"
#include "waitgraph.h"

/*
 * The context of one run: the driver (kernel and file locks), caches of
 * what several threads ask (a holder's name, /proc/locks of this moment,
 * whether a process is in our pid namespace).
 */
struct ks_waitfor {
	struct ks_driver *drv;	/* NULL: no driver questions */
	bool have_lock_wait;	/* the driver has LOCK_WAIT */
	char self_ns[64];	/* readlink /proc/self/ns/pid */
	uint64_t ns_tgid;	/* the process asked last, and whether it is ours */
	bool ns_ours;
	struct ks_hashtab comms;	/* tid -> struct ks_waitfor_comm */
	struct ks_hashtab sites;	/* interned kernel stack -> its wait site */
	/* (process, futex word) -> the thread whose frames tell it, and its answer */
	struct ks_hashtab words;
	char *locks;		/* /proc/locks, read at first need */
	size_t locks_len;
	bool locks_read;
	size_t waiting;		/* threads that wait for something named */
	size_t held;		/* of them, with a holder named */
};

void ks_waitfor_init(struct ks_waitfor *wf, struct ks_driver *drv);
void ks_waitfor_fini(struct ks_waitfor *wf);

/*
 * Forget what is of one moment (/proc/locks, holders' names): between
 * two captures (rounds).
 */
void ks_waitfor_reset(struct ks_waitfor *wf);

/* A thread as a capture saw it: what the lookup reads. */
struct ks_waitfor_thread {
	uint64_t tid, tgid;
	const struct ks_cap_stack *kstack;	/* its kernel frames, named; NULL: none */
	const struct kstack_user_regs *regs;	/* at its kernel entry; NULL: none */
	const struct ks_user_walk *uw;		/* its user frames; NULL: not walked */
	bool ran;			/* ran during its capture: in no cycle */
};

/*
 * What thread t waits for, into *w (KS_WAIT_NONE: nothing we can name).
 * Errors only without memory.
 */
struct ks_error *ks_waitfor_thread(struct ks_waitfor *wf, const struct ks_waitfor_thread *t,
				   struct ks_wait *w);

/*
 * Is cycle c of g still there: every member asleep with the counts of its
 * capture, in a new SNAPSHOT of each of its processes (snap: a buffer for
 * them)? false with *moved_ret: the first member that ran (or is gone).
 */
struct ks_error *ks_waitfor_confirm(const struct ks_waitgraph *g, const struct ks_wg_cycle *c,
				    struct ks_driver *drv, struct ks_snapshot *snap,
				    bool *ok_ret, uint64_t *moved_ret);

/*
 * The cycles of g (ks_waitgraph_cycles()) that a new look confirms; each
 * one that does not is dropped, and said to note (NULL: silently).
 */
struct ks_error *ks_waitfor_cycles(struct ks_waitgraph *g, struct ks_driver *drv,
				   void (*note)(void *arg, uint64_t first, uint64_t moved),
				   void *note_arg);

/*
 * A user half taken only to tell a futex waiter's lock (pipeline.h's
 * user_want): the frames of glibc's futex helpers and the lock's
 * function, from the top of the stack (deeper reads are made on demand).
 */
#define KS_WAITFOR_USER_FRAMES	8
#define KS_WAITFOR_USER_BYTES	2048

/*
 * Whether a thread's user half is needed to tell what it waits for (a
 * pipeline's user_want, arg: the struct ks_waitfor, asked once a record
 * in the order the threads are handed on): it is asleep in futex(2) and
 * the first of its process on that futex word. The others of that word
 * wait for the same object: ks_waitfor_thread() gives them its answer.
 */
bool ks_waitfor_user_wanted(void *arg, const struct kstack_snap_thread *r,
			    const struct kstack_user_regs *regs);

/* --- parts, for the tests --- */

/* What a record's kernel frames say a thread is asleep in. */
enum ks_wait_site {
	KS_SITE_NONE,
	KS_SITE_FUTEX,		/* futex(2) */
	KS_SITE_MUTEX,		/* __mutex_lock* */
	KS_SITE_RWSEM_READ,	/* rwsem_down_read_slowpath */
	KS_SITE_RWSEM_WRITE,	/* rwsem_down_write_slowpath */
	KS_SITE_SEMAPHORE,	/* __down* */
	KS_SITE_FILE_LOCK,	/* flock(2), fcntl(2) F_SETLKW, F_OFD_SETLKW: the call tells */
};

/*
 * The innermost wait function among n kernel frame names (innermost
 * first, "module!function+0xoff/0xsize" as the symbolizer gives them).
 */
enum ks_wait_site ks_wait_site_of(const char *const *names, size_t n);

/* A futex(2) call as the user registers at kernel entry show it. */
struct ks_futex_call {
	uint64_t uaddr;
	uint32_t op;		/* FUTEX_* command, flags masked off */
	bool compat;		/* an i386 task: its layouts are i386's */
	bool shared;		/* no FUTEX_PRIVATE_FLAG: may be shared between processes */
};

/* Is regs a futex(2) call (x86_64: nr 202; i386: 240, futex_time64 422)? */
bool ks_futex_call_of(const struct kstack_user_regs *regs, struct ks_futex_call *c);

/* Reads len bytes of the target process at addr (0, or an errno). */
typedef int ks_wait_read_fn(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * What a thread in futex call c waits for, from its user frame names
 * (innermost first; NULL/0: none walked) and the process's memory: *w's
 * kind, addr, why and tid (a holder's comm is not set here).
 */
void ks_wait_futex(const struct ks_futex_call *c, const char *const *ufuncs, size_t nu,
		   ks_wait_read_fn *read, void *read_ctx, struct ks_wait *w);

/*
 * File locks from /proc/locks text: the holder of the lock the waiter of
 * process pid blocks on, for a lock on device dev (major, minor) and
 * inode ino (a waiter's "->" line, its blocker the line one level up).
 * *w: kind (flock or posix_lock), why, tid (the holder's process id).
 * false: no such waiting line.
 */
bool ks_wait_proc_locks(const char *text, uint64_t pid, uint32_t major, uint32_t minor,
			uint64_t ino, bool flock, struct ks_wait *w);

#endif
