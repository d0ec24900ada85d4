/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-mode half of a process's threads, captured without stopping
 * them: each thread's user registers as saved at its entry into the kernel
 * (the driver's SNAPSHOT tail, struct kstack_user_regs) and a copy of the
 * top of its user stack, taken for every thread of the process with one
 * process_vm_readv() (an iovec per thread; IOV_MAX threads a call). A thread
 * asleep in the kernel does not touch its user stack, so the registers and
 * the copy describe one moment as long as the thread did not run in
 * between (the caller compares its context-switch counts: user_half.h).
 * Needs root (or ptrace access to the process: process_vm_readv checks
 * PTRACE_MODE_ATTACH_REALCREDS) but never attaches, stops or signals.
 */
#ifndef KSTACK_USER_STACK_H
#define KSTACK_USER_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "ks_error.h"
#include "proc_maps.h"

/* Bytes copied per thread from its user sp up (--user-stack-bytes). */
#define KS_USER_STACK_BYTES_DEFAULT	(64u << 10)
#define KS_USER_STACK_BYTES_MAX		(64u << 20)

/* x86_64 __USER32_CS (arch/x86/include/asm/segment.h): a compat (i386) task */
#define KS_USER32_CS	0x23u

/* ks_user_thread.flags */
#define KS_UT_COMPAT	(1u << 0)	/* i386 task on the x86_64 kernel */
#define KS_UT_NO_STACK	(1u << 1)	/* sp in no readable mapping: nothing copied */
#define KS_UT_SHORT	(1u << 2)	/* the copy faulted: stack_len is what was read */
#define KS_UT_RETAKEN	(1u << 3)	/* ran between capture and copy once, taken again */
#define KS_UT_RAN	(1u << 4)	/* ran again after the retake: regs/copy may disagree */
#define KS_UT_PENDING	(1u << 5)	/* regs newer than the copy (internal) */
#define KS_UT_LIVE	(1u << 6)	/* its copy is in buf now (in p->live) */
#define KS_UT_CAUGHT	(1u << 7)	/* caught running: its copy is the driver's (caught) */

struct ks_user_thread {
	uint64_t tid;
	struct kstack_user_regs regs;	/* pt_regs order; compat: zero-extended */
	uint64_t nvcsw, nivcsw;		/* context switches when regs were taken */
	uint64_t stack_start;		/* the copy: [stack_start, +stack_len) = regs.sp.. */
	size_t stack_len;
	size_t buf_off;			/* where the copy is in ks_user_proc.buf */
	uint32_t flags;			/* KS_UT_* */
	const void *rec;		/* caller's: the record the regs came from */
	/*
	 * KS_UT_CAUGHT: the top of its stack as the driver copied it when it
	 * caught the thread running (the caller's memory, caught_len bytes
	 * from regs.sp): copied from here, not from the process.
	 */
	const uint8_t *caught;
	size_t caught_len;
};

/* ks_user_proc's index of its threads by tid */
struct ks_user_by_tid {
	uint64_t tid;
	size_t i;
};

struct ks_user_proc {
	uint64_t pid;
	/*
	 * The id /proc and process_vm_readv reach it by: pid, or a thread's
	 * when its leader has exited (pthread_exit: a zombie leader has no
	 * memory map; every thread shares the process's).
	 */
	uint64_t io_id;
	struct ks_maps maps;
	/*
	 * maps belong to an address space this process shares with others
	 * (user_mm.h): not freed with the process. space: non-zero for such
	 * an address space, the same for every process in it during one
	 * snapshot (a Dwfl made for one serves the others unchecked).
	 */
	bool maps_lent;
	uint64_t space;
	/*
	 * The driver that reads the maps (USER_MAPS: the files' mappings and
	 * those holding the threads' sps), or NULL: /proc/PID/maps whole.
	 */
	struct ks_driver *maps_drv;
	struct ks_user_thread *v;
	size_t n, cap;
	uint8_t *buf;			/* the last batch's copies, back to back */
	size_t buf_len, buf_cap;
	/*
	 * The threads the last copy dealt with (indices into v): their copies
	 * are in buf (stack_len 0: nothing could be copied); any other
	 * thread's buf_off is stale.
	 */
	size_t *live;
	size_t nlive, live_cap;
	size_t nr_readv;		/* process_vm_readv calls made (tests, bench) */
	size_t hint;			/* ks_user_proc_thread(): where the last one was */
	struct ks_user_by_tid *by_tid;	/* ks_user_proc_thread(): v sorted by tid (nby_tid) */
	size_t nby_tid;
};

void ks_user_proc_init(struct ks_user_proc *p, uint64_t pid);

/*
 * Add a thread with its user registers and the context-switch counts at
 * their capture (the SNAPSHOT record's *_after). Marked KS_UT_COMPAT when
 * regs->cs says so.
 */
struct ks_error *ks_user_proc_add(struct ks_user_proc *p, uint64_t tid,
				  const struct kstack_user_regs *regs, uint64_t nvcsw,
				  uint64_t nivcsw, const void *rec);

/*
 * Thread i was caught running (catch.h): its stack copy is these len
 * bytes from its sp, taken with its registers, not copied later from the
 * process (kept by pointer: they must live as long as p's copies).
 */
void ks_user_thread_caught(struct ks_user_proc *p, size_t i, const uint8_t *bytes, size_t len);

/* New registers for thread i (a retake): its stack is copied again next time. */
void ks_user_thread_retake(struct ks_user_proc *p, size_t i, const struct kstack_user_regs *regs,
			   uint64_t nvcsw, uint64_t nivcsw, const void *rec);

/*
 * Copy the top of each thread's user stack not yet copied: up to bytes
 * (1 .. KS_USER_STACK_BYTES_MAX) from its sp, bounded by the end of the
 * mapping holding sp. Reads the maps on first use (maps_drv). One
 * process_vm_readv per IOV_MAX threads; a copy that faults is kept short
 * (KS_UT_SHORT) and the call goes on with the next thread. ESRCH: the
 * process is gone; EPERM: no right to read it. The copies replace the
 * previous call's (live).
 */
struct ks_error *ks_user_proc_copy(struct ks_user_proc *p, size_t bytes);

/*
 * The same for a batch: the threads not yet copied from v[*next] on,
 * until their copies reach budget bytes (at least one thread), so that a
 * process of thousands of threads is copied, walked and dropped a batch
 * at a time. *next: where the next batch starts (p->n: done). p->nlive 0
 * after the call: no thread was left to copy.
 */
struct ks_error *ks_user_proc_copy_batch(struct ks_user_proc *p, size_t bytes, size_t budget,
					 size_t *next);

/* A thread's copied stack bytes (stack_len of them). */
static inline const uint8_t *ks_user_thread_stack(const struct ks_user_proc *p,
						  const struct ks_user_thread *t)
{
	return p->buf + t->buf_off;
}

/*
 * The thread with this tid, or NULL. Lookups in the order the threads were
 * added (a second SNAPSHOT lists them in the same order) cost one compare;
 * any other a binary search (an index by tid, made at the first).
 */
struct ks_user_thread *ks_user_proc_thread(struct ks_user_proc *p, uint64_t tid);

void ks_user_proc_fini(struct ks_user_proc *p);

#endif
