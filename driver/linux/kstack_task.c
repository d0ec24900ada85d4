// SPDX-License-Identifier: GPL-2.0
/*
 * THREAD_CONTEXT (a sleeping thread's saved kernel sp/fp/ip, where a
 * user-space walker starts) and STACK (the kernel's own unwinder, an
 * oracle for that walker).
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
	if (!ks_range_inside(stack, THREAD_SIZE, sp, sizeof(frame))) {
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
 * Caller holds rcu_read_lock and found the task quiet with its stack at
 * stack (kstack_quiet_stack): copy the user-mode registers saved at its
 * entry into the kernel, task_pt_regs(), and set KSTACK_SF_USER_REGS. Not
 * for kernel threads and io_uring workers (PF_IO_WORKER): they never ran
 * in user mode and their pt_regs are zeroed (copy_thread()); a pt_regs
 * whose cs is not a user segment is left out too. The caller's check of
 * the ctxsw counts after this copy says it is the thread's current state
 * (only a ptrace tracer writes these registers while the thread sleeps).
 */
void kstack_user_regs(struct task_struct *task, unsigned long stack,
		      struct kstack_user_regs *user, struct kstack_capture *cap)
{
	/* task_pt_regs(), on the stack pointer we already hold */
	const struct pt_regs *src = (const struct pt_regs *)(stack + THREAD_SIZE -
							     TOP_OF_KERNEL_STACK_PADDING) - 1;
	struct pt_regs regs;

	if (task->flags & (PF_KTHREAD | PF_IO_WORKER))
		return;
	if (copy_from_kernel_nofault(&regs, src, sizeof(regs)) || !user_mode(&regs))
		return;
	kstack_regs_to_user(&regs, user);
	cap->flags |= KSTACK_SF_USER_REGS;
}

void kstack_regs_to_user(const struct pt_regs *regs, struct kstack_user_regs *user)
{
	/* field by field: struct pt_regs's cs/ss became unions (FRED, v6.9) */
	user->r15 = regs->r15;
	user->r14 = regs->r14;
	user->r13 = regs->r13;
	user->r12 = regs->r12;
	user->bp = regs->bp;
	user->bx = regs->bx;
	user->r11 = regs->r11;
	user->r10 = regs->r10;
	user->r9 = regs->r9;
	user->r8 = regs->r8;
	user->ax = regs->ax;
	user->cx = regs->cx;
	user->dx = regs->dx;
	user->si = regs->si;
	user->di = regs->di;
	user->orig_ax = regs->orig_ax;
	user->ip = regs->ip;
	user->cs = regs->cs;
	user->flags = regs->flags;
	user->sp = regs->sp;
	user->ss = regs->ss;
}

/*
 * Caller holds rcu_read_lock and found the task quiet; data holds a copy
 * of its stack from sp, len bytes. The return addresses tracing replaced
 * (function_graph's return_to_handler, kretprobe/rethook trampolines), as
 * the kernel's unwinder recovers them (unwind_recover_ret_addr()): each
 * stack slot the walk read an ip from whose copy differs from the ip the
 * unwinder reports. A call frame's ip comes from the slot below the
 * caller's sp; a pt_regs frame's from regs->ip. Up to max into fix[];
 * returns how many.
 */
u32 kstack_ret_fixups(struct task_struct *task, const u8 *data, unsigned long sp,
		      unsigned long len, struct kstack_ret_fixup *fix, u32 max)
{
	struct unwind_state state;
	unsigned long slot;
	u32 n = 0, frames = 0;
	u64 raw;

	unwind_start(&state, task, NULL, NULL);
	while (n < max && frames++ < KSTACK_FRAMES_MAX && unwind_next_frame(&state)) {
		slot = state.regs ? (unsigned long)&state.regs->ip : state.sp - sizeof(long);
		if (!ks_range_inside(sp, len, slot, sizeof(raw)))
			continue;
		memcpy(&raw, data + (slot - sp), sizeof(raw));
		if (raw == state.ip)
			continue;
		fix[n].slot = slot;
		fix[n].ret = state.ip;
		n++;
	}
	return n;
}

/*
 * The kernel's unwinder from a started state: return addresses into
 * frames[n..max), then cap->nr_frames, why the walk ended (cap->end) and
 * KSTACK_SF_TRUNCATED / _UNRELIABLE. Reads only what the unwinder reads:
 * any context, an interrupt handler's too (CATCH_RUNNING).
 */
void kstack_unwind_frames(struct unwind_state *state, u64 *frames, u32 n, u32 max,
			  struct kstack_capture *cap)
{
	unsigned long addr;

	for (; !unwind_done(state); unwind_next_frame(state)) {
		addr = unwind_get_return_address(state);
		if (!addr)
			break;
		if (n == max) {
			cap->flags |= KSTACK_SF_TRUNCATED;
			break;
		}
		frames[n++] = addr;
	}
	cap->nr_frames = n;
	/*
	 * An error with the user-mode entry reached: the walk went through
	 * code without ORC data (BPF, trampolines) on the kernel's frame-
	 * pointer guess, and still reached its end. Without the user-mode
	 * entry, an error or a stop before the end (a return address outside
	 * kernel text) cuts the stack short.
	 */
	if (unwind_error(state))
		cap->flags |= KSTACK_SF_UNRELIABLE;
	if (cap->flags & KSTACK_SF_TRUNCATED)
		cap->end = KSTACK_END_LIMIT;
	else if (state->regs && user_mode(state->regs))
		/*
		 * the user-mode entry frame: its ip is no kernel text (the
		 * loop stopped there), or the next step ended the walk
		 */
		cap->end = KSTACK_END_USER;
	else if (unwind_error(state) || !unwind_done(state))
		cap->end = KSTACK_END_UNRELIABLE;
	else
		cap->end = KSTACK_END_KTHREAD;	/* ORC end of stack */
	if (cap->end == KSTACK_END_UNRELIABLE)
		cap->flags |= KSTACK_SF_UNRELIABLE;
}

/*
 * Unwind a sleeping task: up to max frames into frames[], their count, the
 * end reason and the ctxsw counts around the walk into *cap; with user, its
 * user-mode registers too (KSTACK_SF_USER_REGS), under the same check. With
 * a cache, the fast walk (kstack_walk.c) first; the kernel's unwinder when
 * it declines or without one (then KSTACK_SF_KERNEL_UNWINDER is set).
 */
int kstack_unwind_task(struct task_struct *task, u64 *frames, u32 max,
		       struct kstack_walk_cache *cache, struct kstack_user_regs *user,
		       struct kstack_capture *cap)
{
	struct unwind_state state;
	unsigned long stack;
	int ret;

	cap->flags = 0;
	cap->end = KSTACK_END_UNKNOWN;
	cap->nr_fixups = 0;
	rcu_read_lock();
	ret = kstack_quiet_stack(task, cap, &stack);
	if (ret)
		goto out;
	if (user)
		kstack_user_regs(task, stack, user, cap);
	if (cache && !kstack_fast_walk(cache, stack, READ_ONCE(task->thread.sp), frames,
				       max, cap))
		goto check;
	cap->flags = (cap->flags & KSTACK_SF_USER_REGS) | KSTACK_SF_KERNEL_UNWINDER;
	unwind_start(&state, task, NULL, NULL);
	kstack_unwind_frames(&state, frames, 0, max, cap);
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
	ret = kstack_unwind_task(task, frames, KSTACK_FRAMES_MAX, NULL, NULL, &cap);
	kstack_unlock_target(task);
	if (ret)
		goto out_free;
	req.flags = cap.flags & ~(KSTACK_SF_KERNEL_UNWINDER | KSTACK_SF_USER_REGS);
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
