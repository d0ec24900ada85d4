/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-mode half of the threads in a SNAPSHOT, from the same moment as
 * their kernel half, taken one process at a time (the records of one
 * process come together, in a SNAPSHOT of the system too), so that a
 * listing holds one process's user state at a time, however many threads
 * the system has: the user registers come with each record (its tail,
 * KSTACK_SNAP_F_USER_REGS); the process's user stacks are copied
 * (user_stack.h: one process_vm_readv per batch) and unwound (user_unwind.h)
 * a batch at a time, each batch's copies dropped once walked; then a
 * second, cheap SNAPSHOT of the process (one frame a thread) tells which
 * threads ran since their registers were taken (their context-switch
 * counts moved, or they are on a CPU now). Those are taken again once (a
 * SNAPSHOT of their process: new kernel frames and registers, a new copy,
 * a new walk) and checked again; a thread that ran again is flagged
 * KS_UT_RAN: shown, but as possibly inconsistent. A thread asleep in the
 * kernel does not touch its user stack, so a copy made later than the
 * registers is still theirs when the counts did not move. A thread the
 * driver took with its user stack (lib/kernel/catch.h: caught on its CPU, or
 * asleep with a quiet copy) brings its copy in its record: it is neither
 * copied again nor checked. Nothing is stopped, signalled or
 * ptrace-attached.
 */
#ifndef KSTACK_USER_HALF_H
#define KSTACK_USER_HALF_H

#include <stddef.h>
#include <stdint.h>

#include "kdriver.h"
#include "snapshot.h"
#include "user_mm.h"
#include "user_stack.h"
#include "user_unwind.h"

/*
 * A process's stack copies held at once (one thread's always fits): a
 * batch of zoo threads (a few KiB from sp to the top of a pthread stack)
 * is a few hundred threads, one process_vm_readv.
 */
#define KS_USER_HALF_BATCH_BYTES	(1u << 20)

struct ks_user_half_proc {
	struct ks_user_proc proc;
	struct ks_user_walk *walks;	/* proc.n of them */
	struct ks_user_mm *mm;	/* the address space it shares with others, or NULL */
	bool retaken;		/* threads of it taken again: records in h->retake */
	size_t nrec;		/* records of it in the SNAPSHOT (h->want: more than taken) */
	struct ks_error *err;	/* why this process has no user half */
};

struct ks_user_half {
	struct ks_user_unwinder unwinder;	/* for the whole run */
	size_t stack_bytes;	/* per thread, from sp (--user-stack-bytes) */
	uint32_t max_frames;	/* per thread */
	uint32_t kernel_max_frames;	/* a retake's kernel half */
	struct ks_user_half_proc cur;	/* the process taken last */
	bool taken;		/* cur holds one */
	struct ks_snapshot check;	/* the counts after the copy */
	struct ks_snapshot retake;	/* cur's retake (new records of its threads that ran) */
	size_t retaken, ran;	/* threads retaken; flagged after the retake */
	struct ks_user_mms mms;	/* address spaces shared in the snapshot taken from */
	const uint64_t *only;	/* ks_user_half_only() */
	size_t nonly;
	/* the threads taken: those this accepts (NULL: all; pipeline.h's user_want) */
	bool (*want)(void *arg, const struct kstack_snap_thread *r,
		     const struct kstack_user_regs *regs);
	void *want_arg;
};

/* stack_bytes 0: KS_USER_STACK_BYTES_DEFAULT. */
void ks_user_half_init(struct ks_user_half *h, size_t stack_bytes, uint32_t max_frames,
		       uint32_t kernel_max_frames);

/*
 * The user half of the process whose records start at offset off of snap
 * (a SNAPSHOT of that process or of the system, in a FRAMES mode with
 * tails; off as ks_snapshot_next() takes it): its records up to the first
 * of another process, those that carry user registers. The process taken
 * before is forgotten first (ks_user_half_reset()). None of its threads
 * with user registers (kernel threads): nothing to take, NULL. Errors only
 * when nothing can be done (no memory, the check SNAPSHOT failed); a
 * process that exited meanwhile or cannot be read gets its err.
 */
struct ks_error *ks_user_half_take_proc(struct ks_user_half *h, struct ks_driver *drv,
					const struct ks_snapshot *snap, size_t off);

/*
 * Only these threads (nonly of them; 0: every thread) from the next take
 * on: -t TID asks for one thread, not its whole process.
 */
void ks_user_half_only(struct ks_user_half *h, const uint64_t *only, size_t nonly);

/*
 * The user half of (tgid, tid) in the process taken last, or NULL (no
 * user registers: a kernel thread, a running one; another process). *walk_ret: its walk; *rec_ret: the record to show
 * for the kernel half (the retake's if the thread was taken again), and
 * *proc_ret: its process (for err).
 */
const struct ks_user_thread *ks_user_half_find(struct ks_user_half *h, uint64_t tgid,
					       uint64_t tid, const struct ks_user_walk **walk_ret,
					       const struct kstack_snap_thread **rec_ret,
					       const struct ks_user_half_proc **proc_ret);

/* Forget the processes (between two takes); the unwinder's caches and held Dwfl stay. */
void ks_user_half_reset(struct ks_user_half *h);
void ks_user_half_fini(struct ks_user_half *h);

#endif
