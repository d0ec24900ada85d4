// SPDX-License-Identifier: GPL-2.0
/*
 * THREAD_CONTEXT (the seed's IOCTL_THREAD_CONTEXT) and STACK (the kernel's
 * own unwinder, an oracle for the user-space walker).
 *
 * Lifetime: get_pid_task() pins the task_struct, not its stack; the stack
 * is released on exit (a vmap stack goes to a per-CPU cache for the next
 * task, or is freed after an RCU grace period: mapped either way while we
 * hold rcu_read_lock) and put_task_stack() is not exported, so every stack
 * access happens inside rcu_read_lock() after re-reading task->stack, with
 * nofault or KASAN-exempt reads; the ctxsw counts and exit_state say
 * whether what we read still belonged to the task.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/switch_to.h>
#include <asm/unwind.h>
#include "kstack.h"

/* a sleeping thread that keeps waking up between our reads: give up */
#define KSTACK_CTX_TRIES	3

struct task_struct *kstack_get_task(u64 tid)
{
	struct task_struct *task;
	struct pid *pid;

	if (!tid || tid > PID_MAX_LIMIT)
		return NULL;
	pid = find_get_pid((pid_t)tid);	/* caller's pid namespace */
	if (!pid)
		return NULL;
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	kstack_task_counted(task);
	return task;
}

static void kstack_fill_ident(struct kstack_thread_context *c,
			      struct task_struct *task)
{
	c->tgid = task_tgid_vnr(task);
	c->state = READ_ONCE(task->__state);
	c->flags = 0;
	if (task->flags & PF_KTHREAD)
		c->flags |= KSTACK_TF_KTHREAD;
	if (task->flags & PF_EXITING)
		c->flags |= KSTACK_TF_EXITING;
	c->wait_reason = 0;
	__get_task_comm(c->comm, sizeof(c->comm), task);
}

void kstack_counts(struct task_struct *task, u64 *nvcsw, u64 *nivcsw)
{
	*nvcsw = READ_ONCE(task->nvcsw);
	*nivcsw = READ_ONCE(task->nivcsw);
}

/* Did the task run since cap's "before" counts? Fills the "after" ones. */
bool kstack_ran(struct task_struct *task, struct kstack_capture *cap)
{
	kstack_counts(task, &cap->nvcsw_after, &cap->nivcsw_after);
	return READ_ONCE(task->on_cpu) ||
	       cap->nvcsw_after != cap->nvcsw_before ||
	       cap->nivcsw_after != cap->nivcsw_before;
}

/*
 * Caller holds rcu_read_lock. The stack of a task that sleeps, or -ESRCH
 * (exited: its stack is gone) / -EBUSY (on a CPU: nothing is saved). Fills
 * the "before" counts, ordered before the caller's reads of the stack.
 */
int kstack_quiet_stack(struct task_struct *task, struct kstack_capture *cap,
		       unsigned long *stack)
{
	*stack = (unsigned long)READ_ONCE(task->stack);
	if (!*stack || READ_ONCE(task->exit_state))
		return -ESRCH;
	if (READ_ONCE(task->on_cpu))
		return -EBUSY;
	kstack_counts(task, &cap->nvcsw_before, &cap->nivcsw_before);
	/* counts before the stack: pairs with the switch that updates both */
	smp_rmb();
	return 0;
}

/*
 * Read the saved context of a thread that is not on a CPU. Returns -EAGAIN
 * if it ran while we read (the caller retries), -EBUSY if it is running.
 */
static int kstack_read_context(struct kstack_thread_context *c,
			       struct task_struct *task)
{
	struct inactive_task_frame frame;
	struct kstack_capture cap;
	unsigned long stack, sp;
	int ret;

	rcu_read_lock();
	ret = kstack_quiet_stack(task, &cap, &stack);
	if (ret)
		goto out;
	sp = READ_ONCE(task->thread.sp);
	if (sp < stack || sp - stack > THREAD_SIZE - sizeof(frame)) {
		ret = -EAGAIN;
		goto out;
	}
	if (copy_from_kernel_nofault(&frame, (void *)sp, sizeof(frame))) {
		ret = -EAGAIN;
		goto out;
	}
	/* frame before the re-check of the counts, so a switch is noticed */
	smp_rmb();
	if (kstack_ran(task, &cap)) {
		ret = -EAGAIN;
		goto out;
	}
	c->nvcsw = cap.nvcsw_before;
	c->nivcsw = cap.nivcsw_before;
	c->sp = sp;
	/* a word of the stack's contents: withheld under lockdown (kstack_access.c) */
	c->fp = kstack_memory_locked_down() ? 0 : frame.bp;
	c->ip = frame.ret_addr;
	c->stack_base = stack;
	c->stack_size = THREAD_SIZE;
out:
	rcu_read_unlock();
	return ret;
}

long kstack_thread_context(void __user *uarg)
{
	struct kstack_thread_context req;
	struct task_struct *task;
	int ret, tries;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	task = kstack_get_task(req.tid);
	if (!task)
		return -ESRCH;
	ret = kstack_lock_target(task);
	if (ret)
		goto out;
	for (tries = 0; tries < KSTACK_CTX_TRIES; tries++) {
		ret = kstack_read_context(&req, task);
		if (ret != -EAGAIN)
			break;
		cond_resched();
	}
	if (!ret)
		kstack_fill_ident(&req, task);
	kstack_unlock_target(task);
	if (!ret)
		ret = kstack_req_out(uarg, &req, sizeof(req));
out:
	kstack_task_put(task);
	return ret;
}

/*
 * Unwind a sleeping task: up to max frames into frames[], their count and
 * the ctxsw counts around the walk into *cap. With a cache, the fast walk
 * (kstack_walk.c) first; the kernel's unwinder when it declines or without
 * one (then KSTACK_SF_KERNEL_UNWINDER is set).
 */
int kstack_unwind_task(struct task_struct *task, u64 *frames, u32 max,
		       struct kstack_walk_cache *cache, struct kstack_capture *cap)
{
	struct unwind_state state;
	unsigned long addr, stack;
	u32 n = 0;
	int ret;

	cap->flags = 0;
	rcu_read_lock();
	ret = kstack_quiet_stack(task, cap, &stack);
	if (ret)
		goto out;
	if (cache && !kstack_fast_walk(cache, stack, READ_ONCE(task->thread.sp), frames,
				       max, cap))
		goto check;
	cap->flags = KSTACK_SF_KERNEL_UNWINDER;
	for (unwind_start(&state, task, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		if (n == max) {
			cap->flags |= KSTACK_SF_TRUNCATED;
			break;
		}
		frames[n++] = addr;
	}
	if (unwind_error(&state))
		cap->flags |= KSTACK_SF_UNRELIABLE;
	cap->nr_frames = n;
check:
	/* the walk's reads before the counts after it */
	smp_rmb();
	if (kstack_ran(task, cap))
		cap->flags |= KSTACK_SF_RAN;
out:
	rcu_read_unlock();
	return ret;
}

long kstack_stack(void __user *uarg)
{
	struct kstack_capture cap;
	struct kstack_stack req;
	struct task_struct *task;
	u64 *frames;
	u32 ncopy;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (!req.max_frames || req.max_frames > KSTACK_FRAMES_MAX)
		return -EINVAL;
	task = kstack_get_task(req.tid);
	if (!task)
		return -ESRCH;
	frames = kstack_counted(kmalloc_array(KSTACK_FRAMES_MAX, sizeof(*frames), GFP_KERNEL));
	if (!frames) {
		ret = -ENOMEM;
		goto out_task;
	}
	ret = kstack_lock_target(task);
	if (ret)
		goto out_free;
	ret = kstack_unwind_task(task, frames, KSTACK_FRAMES_MAX, NULL, &cap);
	kstack_unlock_target(task);
	if (ret)
		goto out_free;
	req.flags = cap.flags & ~KSTACK_SF_KERNEL_UNWINDER;	/* always, here */
	req.nr_frames = cap.nr_frames;
	req.nvcsw_before = cap.nvcsw_before;
	req.nivcsw_before = cap.nivcsw_before;
	req.nvcsw_after = cap.nvcsw_after;
	req.nivcsw_after = cap.nivcsw_after;
	/* frames that fit are copied; nr_frames says how many there are */
	ncopy = min(req.nr_frames, req.max_frames);
	if (copy_to_user(u64_to_user_ptr(req.frames), frames,
			 ncopy * sizeof(*frames))) {
		ret = -EFAULT;
		goto out_free;
	}
	if (req.nr_frames > req.max_frames)
		ret = -ENOSPC;
	if (kstack_req_out(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out_free:
	kstack_free(frames);
out_task:
	kstack_task_put(task);
	return ret;
}
