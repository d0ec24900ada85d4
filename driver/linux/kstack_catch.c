// SPDX-License-Identifier: GPL-2.0
/*
 * CATCH_RUNNING: a thread on a CPU has no saved kernel stack, and its user
 * stack changes while it runs, so it is taken where it runs: the CPU it
 * runs on is asked (smp_call_function_single() to task_cpu()), and the
 * handler, when the thread is the one that CPU interrupted, unwinds it
 * from the interrupted registers and copies the top of its user stack
 * before the thread goes on (kstack_ioctl.h gives the record's layout).
 *
 * The order is /proc/PID/stack's and every request's: the caller
 * (kstack_main.c), then the target (kstack_lock_target(): ptrace access,
 * no exec until done), then everything the handler writes is allocated;
 * only then is a CPU asked. The handler runs in the call-function
 * interrupt with interrupts off: it takes no lock (the kernel's unwinder
 * takes none: perf unwinds from NMIs with it), writes only the record
 * allocated before the call, and bounds every copy (max_frames frames,
 * stack_bytes of user stack, a page at a time with
 * copy_from_user_nofault(), which never sleeps and stops at a fault).
 *
 * The interrupted registers: the call-function interrupt does not set
 * get_irq_regs() (arch/x86/kernel/smp.c, sysvec_call_function_single; only
 * the timer and device interrupts do), so the handler finds them as the
 * kernel's unwinder does for a stack dump from an interrupt: the first
 * entry frame above the handler is the interrupt's, holding what it
 * interrupted.
 */
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/unwind.h>
#include "kstack.h"

/* a thread that moved to another CPU between the check and the call: asked again once */
#define KSTACK_CATCH_TRIES	2
/* frames from the handler up to the interrupt's entry frame: a handful; bounded */
#define KSTACK_CATCH_ENTRY_DEPTH	32

/* What the handler is given (allocated before the call) and what it fills. */
struct kstack_catch_ctx {
	struct task_struct *task;
	struct kstack_snap_thread *rec;	/* frames and stack bytes go after it */
	u32 max_frames;
	u32 stack_bytes;		/* 0: no copy (lockdown, or none asked) */
	/* out */
	bool caught;
	bool user_mode;
	u32 cpu;
	u32 missed;			/* KSTACK_MISS_*, when not caught */
	u64 ip, sp;			/* interrupted: ip; kernel mode: sp */
	u64 stack_base;			/* its kernel stack */
	u64 stack_start;		/* the user stack copy's address */
	u32 stack_len;
	struct kstack_user_regs user;
	struct kstack_capture cap;
};

/* The registers the interrupt that runs us interrupted, or NULL. */
static struct pt_regs *kstack_catch_entry_regs(void)
{
	struct unwind_state state;
	struct pt_regs *regs;
	bool partial;
	int i;

	unwind_start(&state, current, NULL, NULL);
	for (i = 0; i < KSTACK_CATCH_ENTRY_DEPTH && !unwind_done(&state); i++) {
		regs = unwind_get_entry_regs(&state, &partial);
		/* the interrupt's entry saves every register */
		if (regs)
			return partial ? NULL : regs;
		unwind_next_frame(&state);
	}
	return NULL;
}

/* The top of the user stack, from the user sp, a page at a time: a fault ends it. */
static void kstack_catch_user_stack(struct kstack_catch_ctx *c, u8 *dst)
{
	unsigned long sp = c->user.sp, chunk;
	u32 len = 0;

	c->stack_start = sp;
	while (len < c->stack_bytes) {
		chunk = min_t(unsigned long, c->stack_bytes - len,
			      PAGE_SIZE - offset_in_page(sp + len));
		if (copy_from_user_nofault(dst + len, (const void __user *)(sp + len), chunk))
			break;
		len += chunk;
	}
	c->stack_len = len;
}

/*
 * smp_call_function_single()'s function, on the thread's CPU with
 * interrupts off. Nothing is taken unless the thread is the one this
 * interrupt interrupted: it went to sleep or moved on meanwhile otherwise
 * (and a queue flushed outside the interrupt, by the idle loop or the
 * migration thread, has no interrupted registers).
 */
static void kstack_catch_on_cpu(void *arg)
{
	struct kstack_catch_ctx *c = arg;
	u64 *frames = (u64 *)(c->rec + 1);
	struct unwind_state state;
	struct pt_regs *regs;

	if (current != c->task)
		return;
	c->cpu = smp_processor_id();
	regs = in_hardirq() ? kstack_catch_entry_regs() : NULL;
	if (!regs) {
		c->missed = KSTACK_MISS_NO_REGS;
		return;
	}
	c->caught = true;
	c->ip = regs->ip;
	c->stack_base = (unsigned long)task_stack_page(current);
	kstack_counts(current, &c->cap.nvcsw_before, &c->cap.nivcsw_before);
	c->cap.nvcsw_after = c->cap.nvcsw_before;
	c->cap.nivcsw_after = c->cap.nivcsw_before;
	if (user_mode(regs)) {
		/* the registers user mode was left with; no kernel frames */
		c->user_mode = true;
		kstack_regs_to_user(regs, &c->user);
		c->cap.flags |= KSTACK_SF_USER_REGS;
		c->cap.end = KSTACK_END_USER;
		c->cap.nr_frames = 0;
	} else {
		/* the interrupted ip (exact), then the kernel's unwinder from those registers */
		c->sp = regs->sp;
		frames[0] = regs->ip;
		c->cap.flags |= KSTACK_SF_KERNEL_UNWINDER;
		unwind_start(&state, current, regs, NULL);
		kstack_unwind_frames(&state, frames, 1, c->max_frames, &c->cap);
		kstack_user_regs(current, c->stack_base, &c->user, &c->cap);
	}
	if ((c->cap.flags & KSTACK_SF_USER_REGS) && c->stack_bytes)
		kstack_catch_user_stack(c, (u8 *)(frames + c->cap.nr_frames));
}

/*
 * rec, the RUNNING record of the thread, made the record of its catch:
 * frames (written by the handler), the user stack bytes after them
 * (padded), the kstack_snap_catch, the tail. Returns its size.
 */
static u32 kstack_catch_record(struct kstack_catch_ctx *c, struct kstack_snap_thread *rec,
			       u32 how)
{
	u32 len = sizeof(*rec) + c->cap.nr_frames * sizeof(u64);
	struct kstack_snap_catch *k;

	rec->flags &= ~(KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RETAKEN);
	rec->flags |= KSTACK_SNAP_F_CATCH;
	if (c->cap.flags & KSTACK_SF_TRUNCATED)
		rec->flags |= KSTACK_SNAP_F_TRUNCATED;
	if (c->cap.flags & KSTACK_SF_UNRELIABLE)
		rec->flags |= KSTACK_SNAP_F_UNRELIABLE;
	if (c->cap.flags & KSTACK_SF_KERNEL_UNWINDER)
		rec->flags |= KSTACK_SNAP_F_KERNEL_UNWINDER;
	if (c->cap.flags & KSTACK_SF_USER_REGS)
		rec->flags |= KSTACK_SNAP_F_USER_REGS;
	rec->nr_frames = c->cap.nr_frames;
	rec->nvcsw_before = c->cap.nvcsw_before;
	rec->nivcsw_before = c->cap.nivcsw_before;
	rec->nvcsw_after = c->cap.nvcsw_after;
	rec->nivcsw_after = c->cap.nivcsw_after;
	rec->state = TASK_RUNNING;
	rec->sp = c->sp;
	rec->ip = c->ip;
	rec->stack_base = c->stack_base;
	rec->stack_size = THREAD_SIZE;
	rec->raw_len = 0;
	/* the copy is in place; zero its padding */
	memset((u8 *)rec + len + c->stack_len, 0, ALIGN(c->stack_len, 8) - c->stack_len);
	len += ALIGN(c->stack_len, 8);
	k = (void *)((u8 *)rec + len);
	memset(k, 0, sizeof(*k));
	k->how = how;
	k->cpu = c->cpu;
	k->ip = c->ip;
	k->stack_start = c->stack_start;
	k->stack_len = c->stack_len;
	len += sizeof(*k);
	c->cap.nr_fixups = 0;
	return kstack_snap_put_tail(c->task, rec, len, &c->cap, &c->user);
}

/* rec, a RUNNING record with no data, given its kstack_snap_catch: how it was not caught. */
static u32 kstack_catch_not_caught(struct kstack_catch_ctx *c, struct kstack_snap_thread *rec,
				   u32 how, u32 cpu)
{
	struct kstack_snap_catch *k = (void *)(rec + 1);
	struct kstack_capture cap = { .end = KSTACK_END_RUNNING };

	rec->flags |= KSTACK_SNAP_F_CATCH;
	memset(k, 0, sizeof(*k));
	k->how = how;
	k->cpu = cpu;
	k->missed = how == KSTACK_CATCH_MISSED ? c->missed : KSTACK_MISS_NONE;
	return kstack_snap_put_tail(c->task, rec, sizeof(*rec) + sizeof(*k), &cap, NULL);
}

/*
 * rec, the record of a thread that is not on a CPU (a SNAPSHOT record with
 * its user registers), given the top of its user stack too, copied here
 * (access_process_vm(): the target's mm lock, so in process context) and
 * kept only if the thread did not run since its record was taken (its
 * switch counts unchanged, not on a CPU now): then registers and copy are
 * of one moment, as a caught thread's are. 0: kept (KSTACK_SNAP_F_CATCH,
 * how ASLEEP), or nothing copied (the record as it was); -EAGAIN: it ran.
 */
static int kstack_catch_asleep_stack(struct kstack_catch_ctx *c, struct kstack_snap_thread *rec)
{
	u32 len = sizeof(*rec) + rec->nr_frames * sizeof(u64);
	struct kstack_snap_tail tail;
	struct kstack_snap_catch *k;
	u64 nvcsw, nivcsw;
	int n;

	/* the copy goes where the tail is: keep the tail */
	memcpy(&tail, (u8 *)rec + rec->rec_size - sizeof(tail), sizeof(tail));
	if (tail.nr_ret_fixups)
		return 0;
	n = access_process_vm(c->task, tail.user.sp, (u8 *)rec + len, c->stack_bytes, 0);
	/* the copy before the counts that say it is the thread's of that moment */
	smp_rmb();
	kstack_counts(c->task, &nvcsw, &nivcsw);
	if (READ_ONCE(c->task->on_cpu) || nvcsw != rec->nvcsw_after || nivcsw != rec->nivcsw_after)
		return -EAGAIN;
	if (n <= 0) {
		memcpy((u8 *)rec + rec->rec_size - sizeof(tail), &tail, sizeof(tail));
		return 0;
	}
	memset((u8 *)rec + len + n, 0, ALIGN(n, 8) - n);
	len += ALIGN(n, 8);
	k = (void *)((u8 *)rec + len);
	memset(k, 0, sizeof(*k));
	k->how = KSTACK_CATCH_ASLEEP;
	k->cpu = task_cpu(c->task);
	k->stack_start = tail.user.sp;
	k->stack_len = n;
	len += sizeof(*k);
	memcpy((u8 *)rec + len, &tail, sizeof(tail));
	rec->flags |= KSTACK_SNAP_F_CATCH;
	rec->rec_size = len + sizeof(tail);
	return 0;
}

/*
 * Take the thread: as a sleeping one while it sleeps (with its user stack
 * when asked, copied in the same quiet moment: taken again if it ran); on
 * its CPU while it runs, asked again once if it moved on before the call
 * came. Returns 0 with *how and the record in rec (rec->rec_size), or an
 * error.
 */
static int kstack_catch(struct kstack_catch_ctx *c, u32 *how, u32 *tries)
{
	struct kstack_snap_thread *rec = c->rec;
	int cpu = 0, ret, quiet = 0;

	for (*tries = 0;; ) {
		ret = kstack_snap_record(c->task, c->max_frames, rec);
		if (ret)
			return ret == -EACCES ? -EPERM : -ESRCH;
		if (!(rec->flags & KSTACK_SNAP_F_RUNNING)) {
			*how = KSTACK_CATCH_ASLEEP;
			if (!c->stack_bytes || !(rec->flags & KSTACK_SNAP_F_USER_REGS) ||
			    (rec->flags & KSTACK_SNAP_F_RAN))
				return 0;
			/* it ran during the copy: take it again, on its CPU if it runs */
			if (kstack_catch_asleep_stack(c, rec) != -EAGAIN)
				return 0;
			if (++quiet < KSTACK_CATCH_TRIES)
				continue;
			ret = kstack_snap_record(c->task, c->max_frames, rec);
			if (ret)
				return ret == -EACCES ? -EPERM : -ESRCH;
			if (!(rec->flags & KSTACK_SNAP_F_RUNNING))
				return 0;	/* the record alone: the tool copies, and checks */
		}
		cpu = task_cpu(c->task);
		if (c->task == current) {
			*how = KSTACK_CATCH_SELF;
			break;
		}
		if (*tries == KSTACK_CATCH_TRIES) {
			*how = KSTACK_CATCH_MISSED;
			break;
		}
		(*tries)++;
		c->caught = false;
		c->user_mode = false;
		c->cap = (struct kstack_capture){ };
		c->stack_len = 0;
		c->stack_start = 0;
		c->sp = 0;
		c->missed = KSTACK_MISS_MIGRATED;
		/* -ENXIO: the CPU is not online (it was going down) */
		if (!cpu_online(cpu) || smp_call_function_single(cpu, kstack_catch_on_cpu, c, 1)) {
			c->missed = KSTACK_MISS_OFFLINE;
			continue;
		}
		if (c->caught) {
			*how = c->user_mode ? KSTACK_CATCH_USER : KSTACK_CATCH_KERNEL;
			rec->rec_size = kstack_catch_record(c, rec, *how);
			return 0;
		}
	}
	rec->rec_size = kstack_catch_not_caught(c, rec, *how, cpu);
	return 0;
}

long kstack_catch_running(void __user *uarg)
{
	struct kstack_catch_running req;
	struct kstack_catch_ctx c = { };
	struct task_struct *task;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (!req.max_frames || req.max_frames > KSTACK_FRAMES_MAX ||
	    req.stack_bytes > KSTACK_CATCH_STACK_MAX || req.flags || req.reserved)
		return -EINVAL;
	task = kstack_get_task(req.tid);
	if (!task)
		return -ESRCH;
	/* the target as /proc/PID/stack checks it, before any CPU is asked */
	ret = kstack_lock_target(task);
	if (ret)
		goto out_task;
	c.task = task;
	c.max_frames = req.max_frames;
	/* lockdown: registers and return addresses, no memory contents */
	c.stack_bytes = kstack_memory_locked_down() ? 0 : req.stack_bytes;
	/* everything the handler writes, allocated before the call */
	c.rec = kstack_counted(kvmalloc(KSTACK_CATCH_RECORD_SIZE(req.max_frames, c.stack_bytes),
					GFP_KERNEL));
	if (!c.rec) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = kstack_catch(&c, &req.how, &req.tries);
	if (ret)
		goto out_unlock;
	req.rec_size = c.rec->rec_size;
	if (req.rec_size > req.record_size)
		ret = -ENOSPC;
	else if (copy_to_user(u64_to_user_ptr(req.record), c.rec, req.rec_size))
		ret = -EFAULT;
	if (ret != -EFAULT && kstack_req_out(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out_unlock:
	kstack_unlock_target(task);
	kstack_free(c.rec);
out_task:
	kstack_task_put(task);
	return ret;
}
