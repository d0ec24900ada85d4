// SPDX-License-Identifier: GPL-2.0
/*
 * SNAPSHOT: every thread of a process or of the system in one call, each as
 * a record of in-kernel unwound frames or of its raw live stack. Threads
 * are captured under RCU into a heap chunk of records, and each full chunk
 * is copied out with no lock held (one copy_to_user per ~64 KiB, not per
 * thread): the whole system in one pass over the thread list with the lock
 * broken per chunk (kstack_snap_all), one process from a pinned list of
 * its threads. Work per call is bounded by KSTACK_SNAP_MAX_THREADS threads.
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/uaccess.h>
#include <asm/switch_to.h>
#include "kstack.h"

/* a RAW record's return-address fixups, at most: one per frame walked */
#define KSTACK_SNAP_FIXUPS_MAX	KSTACK_FRAMES_MAX

/* the largest record: RAW, a whole stack, every fixup and the tail */
#define KSTACK_SNAP_REC_MAX	(sizeof(struct kstack_snap_thread) + THREAD_SIZE + \
				 KSTACK_SNAP_FIXUPS_MAX * sizeof(struct kstack_ret_fixup) + \
				 sizeof(struct kstack_snap_tail))

/* records gathered in the kernel, copied out a chunk at a time */
#define KSTACK_SNAP_CHUNK	(64u << 10)

struct kstack_tasks {
	struct task_struct **t;
	u32 nr, cap;
};

/* the kernel's thread count (not exported): sizes the list without a pass */
static const int *kstack_nr_threads;

void kstack_snapshot_init(kstack_lookup_t lookup)
{
	kstack_nr_threads = (const int *)lookup("nr_threads");
}

static u32 kstack_count_threads(struct task_struct *leader)
{
	struct task_struct *p, *t;
	u32 n = 0;

	if (leader)
		return get_nr_threads(leader);
	if (kstack_nr_threads)
		return max(READ_ONCE(*kstack_nr_threads), 0);
	rcu_read_lock();
	for_each_process_thread(p, t)
		n++;
	rcu_read_unlock();
	return n;
}

/* Pin the threads of one process (leader) or all (NULL); false if more than cap. */
static bool kstack_pin(struct kstack_tasks *list, struct task_struct *leader)
{
	struct task_struct *p, *t;
	bool all = true;

	rcu_read_lock();
	if (leader) {
		for_each_thread(leader, t) {
			if (list->nr == list->cap) {
				all = false;
				break;
			}
			list->t[list->nr++] = kstack_task_get(t);
		}
	} else {
		for_each_process_thread(p, t) {
			if (list->nr == list->cap) {
				all = false;
				goto out;
			}
			list->t[list->nr++] = kstack_task_get(t);
		}
	}
out:
	rcu_read_unlock();
	return all;
}

static void kstack_unpin(struct kstack_tasks *list)
{
	u32 i;

	for (i = 0; i < list->nr; i++)
		kstack_task_put(list->t[i]);
	kstack_free(list->t);
	list->t = NULL;
	list->nr = 0;
}

/*
 * Pin every thread, none left out: sized by the current count plus room
 * for a few born meanwhile, and taken again, larger, if more came. -E2BIG
 * beyond KSTACK_SNAP_MAX_THREADS (bounded work per call).
 */
static int kstack_collect(struct kstack_tasks *list, struct task_struct *leader)
{
	u32 cap = min(kstack_count_threads(leader) + 64, KSTACK_SNAP_MAX_THREADS);

	for (;;) {
		list->t = kstack_counted(kvmalloc_array(cap, sizeof(*list->t), GFP_KERNEL));
		if (!list->t)
			return -ENOMEM;
		list->cap = cap;
		list->nr = 0;
		if (kstack_pin(list, leader))
			return 0;
		kstack_unpin(list);
		if (cap == KSTACK_SNAP_MAX_THREADS)
			return -E2BIG;
		cap = min(cap * 2, KSTACK_SNAP_MAX_THREADS);
	}
}

/*
 * Copy the live part of a sleeping thread's stack: saved sp .. top. With
 * user (a tail asked for), its user-mode registers too (in the copy, but
 * found by the same rule as for frames records), and after the copy,
 * padded to 8 bytes, the return addresses tracing replaced in it
 * (cap->nr_fixups of them): what a walker of the copy cannot know.
 */
static int kstack_capture_raw(struct task_struct *task, struct kstack_snap_thread *rec,
			      u8 *data, struct kstack_user_regs *user,
			      struct kstack_capture *cap)
{
	unsigned long stack, sp;
	int ret;

	cap->flags = 0;
	cap->nr_fixups = 0;
	cap->end = KSTACK_END_UNKNOWN;	/* the tool walks */
	rcu_read_lock();
	ret = kstack_quiet_stack(task, cap, &stack);
	if (ret)
		goto out;
	sp = READ_ONCE(task->thread.sp);
	if (!ks_range_inside(stack, THREAD_SIZE, sp, sizeof(struct inactive_task_frame))) {
		cap->flags |= KSTACK_SF_RAN;	/* mid-switch: take it again */
		goto out;
	}
	rec->sp = sp;
	rec->raw_len = stack + THREAD_SIZE - sp;
	if (copy_from_kernel_nofault(data, (void *)sp, rec->raw_len)) {
		rec->raw_len = 0;
		cap->flags |= KSTACK_SF_RAN;
		goto out;
	}
	rec->ip = *(u64 *)(data + offsetof(struct inactive_task_frame, ret_addr));
	if (user) {
		kstack_user_regs(task, stack, user, cap);
		/* the unwinder's pass only where a trampoline is in the copy */
		if (kstack_has_ret_trampoline(data, rec->raw_len))
			cap->nr_fixups = kstack_ret_fixups(task, data, sp, rec->raw_len,
							   (void *)(data + ALIGN(rec->raw_len, 8)),
							   KSTACK_SNAP_FIXUPS_MAX);
	}
	/* stack bytes before the counts after */
	smp_rmb();
	if (kstack_ran(task, cap))
		cap->flags |= KSTACK_SF_RAN;
out:
	rcu_read_unlock();
	rec->stack_base = stack;
	rec->stack_size = THREAD_SIZE;
	return ret;
}

/*
 * kstack_snap_tail.mm_id: the mm pointer hashed with a key drawn once per
 * module load, as the kernel hashes pointers it shows (%p): equal for
 * the tasks sharing an mm, and no kernel address leaves the driver. The
 * pointer is only hashed, never followed, so no reference is needed; a
 * task that execs meanwhile is flagged by its switch counts anyway.
 */
static siphash_key_t kstack_mm_key;

static u64 kstack_mm_id(struct task_struct *task)
{
	struct mm_struct *mm = READ_ONCE(task->mm);

	if (!mm || (task->flags & PF_KTHREAD))
		return 0;
	get_random_once(&kstack_mm_key, sizeof(kstack_mm_key));
	return siphash_1u64((u64)(unsigned long)mm, &kstack_mm_key) ?: 1;
}

/*
 * With KSTACK_SNAP_WANT_TAIL: the tail after the record's data (padded to
 * 8 bytes at len), then the record's final size.
 */
u32 kstack_snap_put_tail(struct task_struct *task, struct kstack_snap_thread *rec,
			 u32 len, const struct kstack_capture *cap,
			 const struct kstack_user_regs *user)
{
	u32 fixups = cap->nr_fixups * sizeof(struct kstack_ret_fixup);
	struct kstack_snap_tail *tail = (void *)((u8 *)rec + ALIGN(len, 8) + fixups);

	memset(tail, 0, sizeof(*tail));
	tail->end = cap->end;
	tail->nr_ret_fixups = cap->nr_fixups;
	tail->mm_id = kstack_mm_id(task);
	if (rec->flags & KSTACK_SNAP_F_USER_REGS)
		tail->user = *user;
	rec->flags |= KSTACK_SNAP_F_TAIL;
	return ALIGN(len, 8) + fixups + sizeof(*tail);
}

/*
 * One thread into rec (+ data and tail after it); retaken once if it ran.
 * memo: the whole-system pass's access answers (under its RCU section), or NULL.
 */
static int kstack_capture_one(struct task_struct *task, const struct kstack_snapshot *req,
			      struct kstack_walk_cache *cache, bool init_ns,
			      struct kstack_access_memo *memo, struct kstack_snap_thread *rec)
{
	bool want_tail = req->flags & KSTACK_SNAP_WANT_TAIL;
	struct kstack_user_regs user;
	struct kstack_capture cap;
	void *data = rec + 1;
	int ret, tries;
	u32 len;

	/* a thread outside the caller's pid namespace has no number there */
	if (!init_ns && !task_pid_vnr(task))
		return -ENOENT;
	/*
	 * Each thread checked as /proc/PID/task/TID/stack checks it, at its
	 * capture: the whole-system pass cannot take each thread's
	 * exec_update_lock (a sleeping lock, inside RCU), so there the check
	 * and the capture are not atomic against an exec; SNAPSHOT of one
	 * process holds that process's lock throughout.
	 */
	if (!(memo ? kstack_may_read_task_memo(memo, task) : kstack_may_read_task(task)))
		return -EACCES;
	memset(rec, 0, sizeof(*rec));
	for (tries = 0; tries < 2; tries++) {
		if (req->mode == KSTACK_SNAP_RAW)
			ret = kstack_capture_raw(task, rec, data, want_tail ? &user : NULL, &cap);
		else
			ret = kstack_unwind_task(task, data, req->max_frames, cache,
						 want_tail ? &user : NULL, &cap);
		if (ret || !(cap.flags & KSTACK_SF_RAN))
			break;
		rec->flags |= KSTACK_SNAP_F_RETAKEN;
	}
	if (ret == -ESRCH)
		return ret;
	/* ids as the caller sees them; in the initial namespace, the task's own */
	if (init_ns) {
		rec->tid = task->pid;
		rec->tgid = task->tgid;
	} else {
		rec->tid = task_pid_vnr(task);
		rec->tgid = task_tgid_vnr(task);
	}
	rec->state = READ_ONCE(task->__state);
	BUILD_BUG_ON(sizeof(rec->comm) != TASK_COMM_LEN);
	/*
	 * Without task_lock, as the sched tracepoints copy it (and as
	 * get_task_comm() does since v6.12): a rename racing with us may give
	 * a mix of the two names, never an unterminated one.
	 */
	data_race(memcpy(rec->comm, task->comm, sizeof(rec->comm)));
	rec->comm[sizeof(rec->comm) - 1] = '\0';
	if (task->flags & PF_KTHREAD)
		rec->flags |= KSTACK_TF_KTHREAD;
	if (task->flags & PF_EXITING)
		rec->flags |= KSTACK_TF_EXITING;
	if (ret == -EBUSY) {
		rec->flags |= KSTACK_SNAP_F_RUNNING;
		rec->raw_len = 0;
		cap.end = KSTACK_END_RUNNING;
		cap.nr_fixups = 0;
	} else {
		rec->nvcsw_before = cap.nvcsw_before;
		rec->nivcsw_before = cap.nivcsw_before;
		rec->nvcsw_after = cap.nvcsw_after;
		rec->nivcsw_after = cap.nivcsw_after;
		if (cap.flags & KSTACK_SF_RAN)
			rec->flags |= KSTACK_SNAP_F_RAN;
		if (cap.flags & KSTACK_SF_TRUNCATED)
			rec->flags |= KSTACK_SNAP_F_TRUNCATED;
		if (cap.flags & KSTACK_SF_UNRELIABLE)
			rec->flags |= KSTACK_SNAP_F_UNRELIABLE;
		if (cap.flags & KSTACK_SF_KERNEL_UNWINDER)
			rec->flags |= KSTACK_SNAP_F_KERNEL_UNWINDER;
		if (cap.flags & KSTACK_SF_USER_REGS)
			rec->flags |= KSTACK_SNAP_F_USER_REGS;
		if (req->mode != KSTACK_SNAP_RAW)
			rec->nr_frames = cap.nr_frames;
	}
	len = sizeof(*rec) + (req->mode == KSTACK_SNAP_RAW ? rec->raw_len :
			      rec->nr_frames * sizeof(u64));
	/* no stale heap bytes out: the padding is zeroed, the tail written whole */
	memset((u8 *)rec + len, 0, ALIGN(len, 8) - len);
	rec->rec_size = want_tail ? kstack_snap_put_tail(task, rec, len, &cap, &user) :
				    ALIGN(len, 8);
	return 0;
}

int kstack_snap_record(struct task_struct *task, u32 max_frames,
		       struct kstack_snap_thread *rec)
{
	const struct kstack_snapshot req = {
		.mode = KSTACK_SNAP_FRAMES,
		.max_frames = max_frames,
		.flags = KSTACK_SNAP_WANT_TAIL,
	};

	return kstack_capture_one(task, &req, NULL, task_active_pid_ns(current) == &init_pid_ns,
				  NULL, rec);
}

static int kstack_snap_check(const struct kstack_snapshot *req)
{
	/* unknown flags may ask for what this driver cannot give: refuse them */
	if (req->flags & ~KSTACK_SNAP_WANT_TAIL || req->reserved || req->reserved2)
		return -EINVAL;
	if (req->mode == KSTACK_SNAP_FRAMES || req->mode == KSTACK_SNAP_FRAMES_KERNEL)
		return req->max_frames && req->max_frames <= KSTACK_FRAMES_MAX ? 0 : -EINVAL;
	return req->mode == KSTACK_SNAP_RAW ? 0 : -EINVAL;
}

/* the records in out.buf go to the user buffer at ubuf + out.done */
struct kstack_snap_out {
	u8 *buf;
	u32 len;
	u32 cap;	/* bytes at buf */
	u64 done;
	u8 __user *ubuf;
};

/* one SNAPSHOT call's state */
struct kstack_snap {
	struct kstack_snapshot req;
	struct kstack_snap_out out;
	struct kstack_walk_cache *cache;
	u32 rec_max;		/* a record with the largest data it may carry */
	bool init_ns;
	struct kstack_access_memo memo;	/* kstack_snap_all's, per RCU section */
	bool use_memo;
};

static int kstack_snap_flush(struct kstack_snap_out *out)
{
	if (out->len && copy_to_user(out->ubuf + out->done, out->buf, out->len))
		return -EFAULT;
	out->done += out->len;
	out->len = 0;
	return 0;
}

static bool kstack_snap_full(const struct kstack_snap *sn)
{
	return sn->out.cap - sn->out.len < sn->rec_max;
}

/* all records from the start again (a walk of the thread list restarts) */
static void kstack_snap_reset(struct kstack_snap *sn)
{
	sn->req.nr_threads = 0;
	sn->req.nr_skipped = 0;
	sn->req.nr_denied = 0;
	sn->req.bytes_used = 0;
	sn->req.bytes_needed = 0;
	sn->out.len = 0;
	sn->out.done = 0;
}

/* One thread's record into the chunk, which has room for it. */
static void kstack_snap_add(struct kstack_snap *sn, struct task_struct *t)
{
	struct kstack_snap_thread *rec = (void *)(sn->out.buf + sn->out.len);
	struct kstack_snapshot *req = &sn->req;

	int ret = kstack_capture_one(t, req, sn->cache, sn->init_ns,
				     sn->use_memo ? &sn->memo : NULL, rec);

	if (ret) {
		/* exited before its turn, or not the caller's to see: counted apart */
		if (ret == -ESRCH || ret == -EACCES)
			req->nr_skipped++;
		if (ret == -EACCES)
			req->nr_denied++;
		return;
	}
	req->bytes_needed += rec->rec_size;
	/* records in order: once one does not fit, only count the rest */
	if (req->bytes_used == req->bytes_needed - rec->rec_size &&
	    req->bytes_needed <= req->buffer_size) {
		sn->out.len += rec->rec_size;
		req->bytes_used += rec->rec_size;
		req->nr_threads++;
	}
}

/* Threads pinned first, then taken one by one with no lock held between. */
static int kstack_snap_pinned(struct kstack_snap *sn, struct task_struct *leader)
{
	struct kstack_tasks list = { };
	int ret;
	u32 i;

	ret = kstack_collect(&list, leader);
	for (i = 0; !ret && i < list.nr; i++) {
		if (kstack_snap_full(sn))
			ret = kstack_snap_flush(&sn->out);
		if (!ret)
			kstack_snap_add(sn, list.t[i]);
		cond_resched();
	}
	kstack_unpin(&list);
	return ret;
}

/*
 * Threads taken under one RCU read section, at most: ~1 ms of work under
 * TCG, far less on hardware; the read section is preemptible (PREEMPT_RCU)
 * or short, and each break costs a copy out and a reschedule point.
 */
#define KSTACK_SNAP_BATCH	1024

/*
 * Every thread on the system in one pass over the thread list under RCU,
 * without pinning each (that pass and its undo cost as much as the unwinding
 * of a thread). The lock is broken to copy out each full chunk and every
 * KSTACK_SNAP_BATCH threads, as hung_task's rcu_lock_break() does: the
 * thread we stand on and its leader are pinned across the break, and if
 * either was unhashed meanwhile the list can no longer be followed from
 * there: -EAGAIN, the caller starts over.
 */
static int kstack_snap_all(struct kstack_snap *sn)
{
	struct task_struct *g, *t;
	u32 n = 0, batch = 0;
	bool alive;
	int ret = 0;

	/* a double loop: leave it with goto, never break (sched/signal.h) */
	rcu_read_lock();
	memset(&sn->memo, 0, sizeof(sn->memo));
	sn->use_memo = true;
	for_each_process_thread(g, t) {
		if (++n > KSTACK_SNAP_MAX_THREADS) {
			ret = -E2BIG;
			goto out;
		}
		if (kstack_snap_full(sn) || ++batch > KSTACK_SNAP_BATCH) {
			kstack_task_get(g);
			kstack_task_get(t);
			memset(&sn->memo, 0, sizeof(sn->memo));	/* valid within a section */
			rcu_read_unlock();
			ret = kstack_snap_flush(&sn->out);
			cond_resched();
			rcu_read_lock();
			alive = pid_alive(g) && pid_alive(t);
			kstack_task_put(t);
			kstack_task_put(g);
			if (!ret && !alive)
				ret = -EAGAIN;
			if (ret)
				goto out;
			batch = 1;	/* t, taken next */
		}
		kstack_snap_add(sn, t);
	}
out:
	sn->use_memo = false;
	rcu_read_unlock();
	return ret;
}

/* a thread list that keeps changing under us: pin it instead */
#define KSTACK_SNAP_RESTARTS	3

/*
 * The largest record this request can produce: the header, the most
 * data its mode carries (max_frames frames, or a whole raw stack with
 * every fixup), and a tail when asked for one.
 */
static u32 kstack_snap_rec_max(const struct kstack_snapshot *req)
{
	bool tail = req->flags & KSTACK_SNAP_WANT_TAIL;
	u32 len = sizeof(struct kstack_snap_thread);

	if (req->mode == KSTACK_SNAP_RAW)
		len += THREAD_SIZE + (tail ? KSTACK_SNAP_FIXUPS_MAX *
					     sizeof(struct kstack_ret_fixup) : 0);
	else
		len += ALIGN(req->max_frames * sizeof(u64), 8);
	return len + (tail ? sizeof(struct kstack_snap_tail) : 0);
}

long kstack_snapshot(void __user *uarg)
{
	struct task_struct *leader = NULL;
	struct kstack_snap sn = { };
	int ret, tries;
	u32 threads;

	BUILD_BUG_ON(KSTACK_SNAP_CHUNK < 2 * KSTACK_SNAP_REC_MAX);
	ret = kstack_req_in(&sn.req, sizeof(sn.req), KSTACK_SNAPSHOT_V1_SIZE, uarg);
	if (ret)
		return ret;
	ret = kstack_snap_check(&sn.req);
	if (ret)
		return ret;
	/* raw stacks are kernel memory; frames stay allowed (kstack_access.c) */
	if (sn.req.mode == KSTACK_SNAP_RAW) {
		ret = kstack_lockdown_refuse("SNAPSHOT of raw stacks");
		if (ret)
			return ret;
	}
	if (sn.req.pid) {
		leader = kstack_get_task(sn.req.pid);
		if (!leader)
			return -ESRCH;
		/* the process as /proc/PID/stack: checked, no exec until done */
		ret = kstack_lock_target(leader);
		if (ret) {
			kstack_task_put(leader);
			return ret;
		}
	}
	sn.init_ns = task_active_pid_ns(current) == &init_pid_ns;
	sn.rec_max = kstack_snap_rec_max(&sn.req);
	/*
	 * A process's records in a chunk that holds them all, up to the
	 * usual chunk: small processes cost no page allocations (each
	 * zeroed under init_on_alloc), and a tool asks for one per process.
	 */
	threads = leader ? min_t(u32, get_nr_threads(leader), KSTACK_SNAP_MAX_THREADS) :
		  KSTACK_SNAP_MAX_THREADS;
	sn.out.cap = min_t(u64, KSTACK_SNAP_CHUNK,
			   max_t(u64, 2 * sn.rec_max, (u64)threads * sn.rec_max));
	sn.out.ubuf = u64_to_user_ptr(sn.req.buffer);
	sn.out.buf = kstack_counted(kvmalloc(sn.out.cap, GFP_KERNEL));
	if (!sn.out.buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* without it (no ORC tables found) every thread takes the slow path */
	if (sn.req.mode == KSTACK_SNAP_FRAMES)
		sn.cache = kstack_walk_cache_new(min_t(u64, (u64)threads * sn.req.max_frames,
						       U32_MAX));

	ret = -EAGAIN;
	for (tries = 0; !leader && ret == -EAGAIN && tries < KSTACK_SNAP_RESTARTS; tries++) {
		kstack_snap_reset(&sn);
		ret = kstack_snap_all(&sn);
	}
	if (ret == -EAGAIN) {
		kstack_snap_reset(&sn);
		ret = kstack_snap_pinned(&sn, leader);
	}
	if (!ret)
		ret = kstack_snap_flush(&sn.out);
	if (ret)
		goto out;
	ret = sn.req.bytes_needed > sn.req.buffer_size ? -ENOSPC : 0;
	if (kstack_req_out(uarg, &sn.req, sizeof(sn.req)))
		ret = -EFAULT;
out:
	kstack_free(sn.out.buf);
	kstack_walk_cache_free(sn.cache);
	if (leader) {
		kstack_unlock_target(leader);
		kstack_task_put(leader);
	}
	return ret;
}
