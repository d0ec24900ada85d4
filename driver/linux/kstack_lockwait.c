// SPDX-License-Identifier: GPL-2.0
/*
 * LOCK_WAIT: what a sleeping thread waits for in the kernel, and who holds
 * it (kstack_ioctl.h).
 *
 * A thread asleep on a mutex, rw_semaphore or semaphore has a waiter
 * record on its own stack, linked into the lock's wait list; a thread
 * asleep on a file lock has a wait queue entry on its stack, queued on its
 * request's fl_wait. Found from the thread's side, checked both ways:
 *  1. a word of its stack is the thread's task pointer, where a waiter
 *     record (a wait queue entry) keeps it; the record's list links are
 *     consistent (next->prev and prev->next lead back to it);
 *  2. following the links reaches a list head whose lock (the head minus
 *     the lock's offset of wait_list) the thread's stack holds too: the
 *     function asleep keeps its lock pointer live across schedule(); and
 *     that lock is in the state a lock with waiters is in (a mutex's
 *     MUTEX_FLAG_WAITERS, a rwsem's RWSEM_FLAG_WAITERS, a semaphore's
 *     count 0; a file lock request with a blocker whose blocked list
 *     holds it).
 * Every read of memory not ours is copy_from_kernel_nofault(), inside one
 * quiet moment of the thread (its context-switch counts the same around
 * the whole lookup). The owner is a task only if the task that pid names
 * now is that very task_struct.
 *
 * The waiter records are not in the kernel's exported headers: their
 * layouts below are read from v6.1 and checked at load (kstack_lockwait_init())
 * on a lock of each kind the driver holds itself while a thread of its own
 * waits for it, by the lookup requests use; a kind whose check fails is
 * never looked at (EOPNOTSUPP).
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/wait.h>
#include "kstack.h"

/*
 * kernel/locking/mutex.h (v6.1): struct mutex_waiter { struct list_head
 * list; struct task_struct *task; struct ww_acquire_ctx *ww_ctx; [void
 * *magic with CONFIG_DEBUG_MUTEXES] }. kernel/locking/mutex.c: owner's low
 * bits MUTEX_FLAG_WAITERS 0x01, HANDOFF 0x02, PICKUP 0x04 (MUTEX_FLAGS 0x07).
 */
struct kstack_mutex_waiter {
	struct list_head list;
	struct task_struct *task;
	void *ww_ctx;
};

#define KSTACK_MUTEX_FLAG_WAITERS	0x01UL
#define KSTACK_MUTEX_FLAGS		0x07UL

/*
 * kernel/locking/rwsem.c (v6.1): struct rwsem_waiter { struct list_head
 * list; struct task_struct *task; enum rwsem_waiter_type type (WRITE 0,
 * READ 1); unsigned long timeout; bool handoff_set }. count: bit 0
 * RWSEM_WRITER_LOCKED, bit 1 RWSEM_FLAG_WAITERS, readers from bit 8
 * (RWSEM_READER_SHIFT); owner: the writer's task | RWSEM_READER_OWNED (bit
 * 0) | RWSEM_NONSPINNABLE (bit 1) (RWSEM_OWNER_FLAGS_MASK).
 */
struct kstack_rwsem_waiter {
	struct list_head list;
	struct task_struct *task;
	int type;
	unsigned long timeout;
	bool handoff_set;
};

#define KSTACK_RWSEM_WRITER_LOCKED	BIT(0)
#define KSTACK_RWSEM_FLAG_WAITERS	BIT(1)
#define KSTACK_RWSEM_READER_SHIFT	8
#define KSTACK_RWSEM_OWNER_FLAGS	3UL
#define KSTACK_RWSEM_WAITING_FOR_WRITE	0

/*
 * kernel/locking/semaphore.c (v6.1): struct semaphore_waiter { struct
 * list_head list; struct task_struct *task; bool up }.
 */
struct kstack_semaphore_waiter {
	struct list_head list;
	struct task_struct *task;
	bool up;
};

/* wait list nodes followed at most (a lock's waiters, a blocker's requests) */
#define KSTACK_LW_NODES		4096
#define KSTACK_LW_TRIES		3

/* One kind of lock: where its waiter keeps the task, where its lock keeps the list. */
struct kstack_lw_kind {
	const char *name;
	size_t waiter_task, waiter_list;	/* in the waiter record */
	size_t lock_list, lock_spin;		/* in the lock */
	bool checked;				/* passed the load-time check */
};

#ifdef CONFIG_PREEMPT_RT
/* mutexes and rw_semaphores are rtmutex-based there: not these layouts */
#define KSTACK_LW_SLEEPING_LOCKS	0
#else
#define KSTACK_LW_SLEEPING_LOCKS	1
#endif

static struct kstack_lw_kind kstack_lw_kinds[] = {
#if KSTACK_LW_SLEEPING_LOCKS
	[KSTACK_LOCK_MUTEX] = {
		.name = "mutex",
		.waiter_task = offsetof(struct kstack_mutex_waiter, task),
		.waiter_list = offsetof(struct kstack_mutex_waiter, list),
		.lock_list = offsetof(struct mutex, wait_list),
		.lock_spin = offsetof(struct mutex, wait_lock),
	},
	[KSTACK_LOCK_RWSEM] = {
		.name = "rwsem",
		.waiter_task = offsetof(struct kstack_rwsem_waiter, task),
		.waiter_list = offsetof(struct kstack_rwsem_waiter, list),
		.lock_list = offsetof(struct rw_semaphore, wait_list),
		.lock_spin = offsetof(struct rw_semaphore, wait_lock),
	},
#endif
	[KSTACK_LOCK_SEMAPHORE] = {
		.name = "semaphore",
		.waiter_task = offsetof(struct kstack_semaphore_waiter, task),
		.waiter_list = offsetof(struct kstack_semaphore_waiter, list),
		.lock_list = offsetof(struct semaphore, wait_list),
		.lock_spin = offsetof(struct semaphore, lock),
	},
	[KSTACK_LOCK_FILE] = {
		.name = "file lock",
		.waiter_task = offsetof(struct wait_queue_entry, private),
		.waiter_list = offsetof(struct wait_queue_entry, entry),
	},
};

/* A thread's stack, copied from its saved sp to the top, and its words sorted. */
struct kstack_lw_stack {
	struct task_struct *task;
	unsigned long sp;
	const unsigned long *words;	/* words[i] is at sp + i * sizeof(long) */
	size_t n;
	unsigned long *sorted;
};

static int kstack_lw_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Does the thread's stack hold the word v? */
static bool kstack_lw_holds(const struct kstack_lw_stack *s, unsigned long v)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->sorted[mid] == v)
			return true;
		if (s->sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool kstack_lw_kernel_ptr(unsigned long v)
{
	return v >= TASK_SIZE_MAX && IS_ALIGNED(v, sizeof(long));
}

/* len bytes at a kernel address (any alignment), or false */
static bool kstack_lw_read(unsigned long addr, void *buf, size_t len)
{
	return addr >= TASK_SIZE_MAX && !copy_from_kernel_nofault(buf, (void *)addr, len);
}

/* The word at addr, from the copy when it is on the thread's stack. */
static bool kstack_lw_word(const struct kstack_lw_stack *s, unsigned long addr, unsigned long *v)
{
	if (ks_range_inside(s->sp, s->n * sizeof(long), addr, sizeof(long)) &&
	    IS_ALIGNED(addr - s->sp, sizeof(long))) {
		*v = s->words[(addr - s->sp) / sizeof(long)];
		return true;
	}
	return kstack_lw_read(addr, v, sizeof(*v));
}

/* Is node's list_head consistently linked (next->prev and prev->next are node)? */
static bool kstack_lw_linked(const struct kstack_lw_stack *s, unsigned long node,
			     unsigned long *next_ret)
{
	unsigned long next, prev, back;

	if (!kstack_lw_word(s, node, &next) || !kstack_lw_word(s, node + sizeof(long), &prev) ||
	    !kstack_lw_kernel_ptr(next) || !kstack_lw_kernel_ptr(prev))
		return false;
	if (!kstack_lw_read(next + sizeof(long), &back, sizeof(back)) || back != node)
		return false;
	if (!kstack_lw_read(prev, &back, sizeof(back)) || back != node)
		return false;
	*next_ret = next;
	return true;
}

/*
 * A task_struct pointer a lock recorded as its owner: its id in the
 * caller's pid namespace if the task its pid names now is that very task
 * (caller holds rcu_read_lock).
 */
static void kstack_lw_owner(unsigned long p, struct kstack_lock_wait *req)
{
	struct task_struct *t = (struct task_struct *)p;
	struct task_struct *live = NULL;
	struct pid *pid;
	pid_t nr;

	if (kstack_lw_read((unsigned long)&t->pid, &nr, sizeof(nr)) && nr > 0) {
		pid = find_pid_ns(nr, &init_pid_ns);
		live = pid ? pid_task(pid, PIDTYPE_PID) : NULL;
	}
	if (live != t) {
		req->flags |= KSTACK_LW_OWNER_GONE;
		return;
	}
	nr = task_pid_nr_ns(t, task_active_pid_ns(current));
	if (!nr) {
		req->flags |= KSTACK_LW_OWNER_HIDDEN;
		return;
	}
	req->owner_tid = nr;
	req->flags |= KSTACK_LW_OWNER;
}

/*
 * Is lock (of kind k, the head of the list the waiter is on) one with
 * waiters, and who owns it? false: not such a lock.
 */
static bool kstack_lw_lock(u32 kind, unsigned long lock, unsigned long waiter,
			   const struct kstack_lw_stack *s, struct kstack_lock_wait *req)
{
	unsigned long owner, count;
	unsigned int scount;
	int type;

	switch (kind) {
	case KSTACK_LOCK_MUTEX:
		if (!kstack_lw_read(lock + offsetof(struct mutex, owner), &owner, sizeof(owner)) ||
		    !(owner & KSTACK_MUTEX_FLAG_WAITERS))
			return false;
		owner &= ~KSTACK_MUTEX_FLAGS;
		if (owner)
			kstack_lw_owner(owner, req);
		else
			req->flags |= KSTACK_LW_NO_OWNER;	/* handed over, not yet taken */
		return true;
	case KSTACK_LOCK_RWSEM:
		if (!kstack_lw_read(lock + offsetof(struct rw_semaphore, count), &count,
				    sizeof(count)) ||
		    !(count & KSTACK_RWSEM_FLAG_WAITERS) ||
		    !kstack_lw_read(lock + offsetof(struct rw_semaphore, owner), &owner,
				    sizeof(owner)))
			return false;
		if (!kstack_lw_read(waiter + offsetof(struct kstack_rwsem_waiter, type), &type,
				    sizeof(type)))
			return false;
		if (type == KSTACK_RWSEM_WAITING_FOR_WRITE)
			req->flags |= KSTACK_LW_WRITE;
		if ((count & KSTACK_RWSEM_WRITER_LOCKED) && (owner & ~KSTACK_RWSEM_OWNER_FLAGS))
			kstack_lw_owner(owner & ~KSTACK_RWSEM_OWNER_FLAGS, req);
		else if (count >> KSTACK_RWSEM_READER_SHIFT)
			req->flags |= KSTACK_LW_READERS;
		else
			req->flags |= KSTACK_LW_NO_OWNER;
		return true;
	case KSTACK_LOCK_SEMAPHORE:
		if (!kstack_lw_read(lock + offsetof(struct semaphore, count), &scount,
				    sizeof(scount)) || scount)
			return false;
		req->flags |= KSTACK_LW_NO_OWNER;	/* a semaphore has no owner */
		return true;
	}
	return false;
}

/*
 * The mutex, rwsem or semaphore (kind) whose wait list holds a waiter
 * record of the thread's: 0 with the answer in *req, -ENOENT when there is
 * none.
 */
static int kstack_lw_sleeping(const struct kstack_lw_stack *s, u32 kind,
			      struct kstack_lock_wait *req)
{
	const struct kstack_lw_kind *k = &kstack_lw_kinds[kind];
	size_t i, n;

	for (i = 0; i < s->n; i++) {
		unsigned long waiter, node, x;

		if (s->words[i] != (unsigned long)s->task ||
		    i * sizeof(long) < k->waiter_task)
			continue;
		waiter = s->sp + i * sizeof(long) - k->waiter_task;
		node = waiter + k->waiter_list;
		if (!kstack_lw_linked(s, node, &x))
			continue;
		for (n = 0; n < KSTACK_LW_NODES && x != node; n++) {
			unsigned long lock = x - k->lock_list;

			if ((kstack_lw_holds(s, lock) || kstack_lw_holds(s, lock + k->lock_spin)) &&
			    kstack_lw_lock(kind, lock, waiter, s, req)) {
				req->kind = kind;
				req->lock = lock;
				req->waiter = waiter;
				return 0;
			}
			if (!kstack_lw_read(x, &x, sizeof(x)))
				break;
		}
	}
	return -ENOENT;
}

#if KERNEL_VERSION(6, 9, 0) > LINUX_VERSION_CODE
/*
 * Does blocker b's list of blocked requests hold request f (its
 * fl_blocked_member)?
 */
static bool kstack_lw_blocks(unsigned long b, unsigned long f)
{
	unsigned long head = b + offsetof(struct file_lock, fl_blocked_requests);
	unsigned long member = f + offsetof(struct file_lock, fl_blocked_member);
	unsigned long x;
	size_t n;

	if (!kstack_lw_read(head, &x, sizeof(x)))
		return false;
	for (n = 0; n < KSTACK_LW_NODES && x != head; n++) {
		if (x == member)
			return true;
		if (!kstack_lw_read(x, &x, sizeof(x)))
			return false;
	}
	return false;
}

/* The blocking lock's process (fl_pid: a tgid of the initial namespace). */
static void kstack_lw_file_owner(unsigned int fl_pid, struct kstack_lock_wait *req)
{
	struct pid *pid = find_pid_ns(fl_pid, &init_pid_ns);
	pid_t nr;

	if (!pid) {
		req->flags |= KSTACK_LW_OWNER_GONE;
		return;
	}
	nr = pid_nr_ns(pid, task_active_pid_ns(current));
	if (!nr) {
		req->flags |= KSTACK_LW_OWNER_HIDDEN;
		return;
	}
	req->owner_tid = nr;
	req->flags |= KSTACK_LW_OWNER;
}

/*
 * Is fl the request the thread sleeps on (its pointer, or its fl_wait's or
 * fl_blocked_member's, on the thread's stack), blocked by a lock whose
 * blocked list holds it? Then that lock and its owner into *req.
 */
static bool kstack_lw_request(const struct kstack_lw_stack *s, unsigned long fl,
			      struct kstack_lock_wait *req)
{
	unsigned long blocker;
	unsigned int flags, fl_pid;
	unsigned char type;

	if (!kstack_lw_holds(s, fl) &&
	    !kstack_lw_holds(s, fl + offsetof(struct file_lock, fl_wait)) &&
	    !kstack_lw_holds(s, fl + offsetof(struct file_lock, fl_blocked_member)))
		return false;
	if (!kstack_lw_read(fl + offsetof(struct file_lock, fl_blocker), &blocker,
			    sizeof(blocker)) ||
	    !kstack_lw_kernel_ptr(blocker) || !kstack_lw_blocks(blocker, fl))
		return false;
	if (!kstack_lw_read(fl + offsetof(struct file_lock, fl_type), &type, sizeof(type)) ||
	    !kstack_lw_read(blocker + offsetof(struct file_lock, fl_flags), &flags,
			    sizeof(flags)) ||
	    !kstack_lw_read(blocker + offsetof(struct file_lock, fl_pid), &fl_pid,
			    sizeof(fl_pid)))
		return false;
	req->kind = KSTACK_LOCK_FILE;
	req->lock = blocker;
	if (type == F_WRLCK)
		req->flags |= KSTACK_LW_WRITE;
	if (flags & FL_FLOCK)
		req->flags |= KSTACK_LW_FLOCK;
	if (flags & FL_OFDLCK)
		req->flags |= KSTACK_LW_OFD;	/* owned by an open file, not a process */
	else
		kstack_lw_file_owner(fl_pid, req);
	return true;
}

/*
 * A file lock request the thread sleeps on (its wait queue entry queued on
 * the request's fl_wait, the request's pointer on its stack) and the lock
 * that blocks it (fl_blocker, whose blocked list holds the request).
 */
static int kstack_lw_file(const struct kstack_lw_stack *s, struct kstack_lock_wait *req)
{
	const struct kstack_lw_kind *k = &kstack_lw_kinds[KSTACK_LOCK_FILE];
	const size_t head_off = offsetof(struct file_lock, fl_wait) +
				offsetof(struct wait_queue_head, head);
	size_t i, n;

	for (i = 0; i < s->n; i++) {
		unsigned long entry, node, x, func;

		if (s->words[i] != (unsigned long)s->task || i * sizeof(long) < k->waiter_task)
			continue;
		entry = s->sp + i * sizeof(long) - k->waiter_task;
		/* wait_event_interruptible()'s entry: autoremove_wake_function */
		if (!kstack_lw_word(s, entry + offsetof(struct wait_queue_entry, func), &func) ||
		    func != (unsigned long)autoremove_wake_function)
			continue;
		node = entry + k->waiter_list;
		if (!kstack_lw_linked(s, node, &x))
			continue;
		for (n = 0; n < KSTACK_LW_NODES && x != node; n++) {
			if (kstack_lw_request(s, x - head_off, req)) {
				req->waiter = entry;
				return 0;
			}
			if (!kstack_lw_read(x, &x, sizeof(x)))
				break;
		}
	}
	return -ENOENT;
}
#else
static int kstack_lw_file(const struct kstack_lw_stack *s, struct kstack_lock_wait *req)
{
	return -EOPNOTSUPP;	/* struct file_lock_core (v6.9): not this layout */
}
#endif

static int kstack_lw_find(const struct kstack_lw_stack *s, u32 kind,
			  struct kstack_lock_wait *req)
{
	if (kind == KSTACK_LOCK_FILE)
		return kstack_lw_file(s, req);
	return kstack_lw_sleeping(s, kind, req);
}

/*
 * The lookup for task, in one quiet moment: its stack copied into buf
 * (2 * THREAD_SIZE bytes: the copy, its sorted words), then the kinds
 * asked for. -EAGAIN: it ran meanwhile; -EBUSY, -ESRCH as the others.
 */
static int kstack_lw_lookup(struct task_struct *task, u32 kind, unsigned long *buf,
			    struct kstack_lock_wait *req)
{
	struct kstack_lw_stack s = { .task = task };
	struct kstack_capture cap;
	unsigned long stack;
	u32 k;
	int ret;

	rcu_read_lock();
	ret = kstack_quiet_stack(task, &cap, &stack);
	if (ret)
		goto out;
	s.sp = READ_ONCE(task->thread.sp);
	if (!ks_range_inside(stack, THREAD_SIZE, s.sp, sizeof(long)) ||
	    !IS_ALIGNED(s.sp, sizeof(long))) {
		ret = -EAGAIN;
		goto out;
	}
	s.n = (stack + THREAD_SIZE - s.sp) / sizeof(long);
	if (copy_from_kernel_nofault(buf, (void *)s.sp, s.n * sizeof(long))) {
		ret = -EAGAIN;
		goto out;
	}
	s.words = buf;
	s.sorted = buf + THREAD_SIZE / sizeof(long);
	memcpy(s.sorted, buf, s.n * sizeof(long));
	sort(s.sorted, s.n, sizeof(long), kstack_lw_cmp, NULL);
	ret = -ENOENT;
	for (k = KSTACK_LOCK_MUTEX; k <= KSTACK_LOCK_FILE && ret == -ENOENT; k++) {
		if (kind != KSTACK_LOCK_ANY && k != kind)
			continue;
		if (!kstack_lw_kinds[k].checked) {
			if (kind != KSTACK_LOCK_ANY)
				ret = -EOPNOTSUPP;
			continue;
		}
		req->flags = 0;
		req->owner_tid = 0;
		ret = kstack_lw_find(&s, k, req);
	}
	/* every read before the counts: a thread that ran may have left it */
	smp_rmb();
	if (kstack_ran(task, &cap))
		ret = -EAGAIN;
out:
	rcu_read_unlock();
	return ret;
}

static u32 kstack_lw_checked(void)
{
	u32 k, mask = 0;

	for (k = 0; k < ARRAY_SIZE(kstack_lw_kinds); k++)
		if (kstack_lw_kinds[k].checked)
			mask |= 1U << k;
	return mask;
}

long kstack_lock_wait(void __user *uarg)
{
	struct kstack_lock_wait req;
	struct task_struct *task;
	unsigned long *buf;
	u32 kind;
	int ret, tries;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (req.kind > KSTACK_LOCK_FILE || req.reserved)
		return -EINVAL;
	kind = req.kind;
	task = kstack_get_task(req.tid);
	if (!task)
		return -ESRCH;
	buf = kstack_counted(kmalloc(2 * THREAD_SIZE, GFP_KERNEL));
	if (!buf) {
		ret = -ENOMEM;
		goto out_task;
	}
	ret = kstack_lock_target(task);
	if (ret)
		goto out_free;
	for (tries = 0; tries < KSTACK_LW_TRIES; tries++) {
		ret = kstack_lw_lookup(task, kind, buf, &req);
		if (ret != -EAGAIN)
			break;
		cond_resched();
	}
	kstack_unlock_target(task);
	req.checked = kstack_lw_checked();
	if (!ret)
		ret = kstack_req_out(uarg, &req, sizeof(req));
out_free:
	kstack_free(buf);
out_task:
	kstack_task_put(task);
	return ret;
}

/* --- the load-time check: a lock of each kind held here, a thread of ours waiting --- */

static DEFINE_MUTEX(kstack_lw_test_mutex);
static DECLARE_RWSEM(kstack_lw_test_rwsem);
static struct semaphore kstack_lw_test_sem;

static int kstack_lw_waiter_fn(void *arg)
{
	u32 kind = (u32)(unsigned long)arg;

	switch (kind) {
	case KSTACK_LOCK_MUTEX:
		mutex_lock(&kstack_lw_test_mutex);
		mutex_unlock(&kstack_lw_test_mutex);
		break;
	case KSTACK_LOCK_RWSEM:
		down_write(&kstack_lw_test_rwsem);
		up_write(&kstack_lw_test_rwsem);
		break;
	case KSTACK_LOCK_SEMAPHORE:
		down(&kstack_lw_test_sem);
		up(&kstack_lw_test_sem);
		break;
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static bool kstack_lw_has_waiter(u32 kind)
{
	switch (kind) {
	case KSTACK_LOCK_MUTEX:
		return !list_empty_careful(&kstack_lw_test_mutex.wait_list);
	case KSTACK_LOCK_RWSEM:
		return !list_empty_careful(&kstack_lw_test_rwsem.wait_list);
	default:
		return !list_empty_careful(&kstack_lw_test_sem.wait_list);
	}
}

static unsigned long kstack_lw_test_lock(u32 kind)
{
	switch (kind) {
	case KSTACK_LOCK_MUTEX:
		return (unsigned long)&kstack_lw_test_mutex;
	case KSTACK_LOCK_RWSEM:
		return (unsigned long)&kstack_lw_test_rwsem;
	default:
		return (unsigned long)&kstack_lw_test_sem;
	}
}

/* What the check's lookup (ret, req) found wrong, or NULL. */
static const char *kstack_lw_verdict(u32 kind, int ret, const struct kstack_lock_wait *req,
				     unsigned long stack)
{
	if (ret)
		return "its waiter record was not found";
	if (req->lock != kstack_lw_test_lock(kind))
		return "another lock was found";
	if (!ks_range_inside(stack, THREAD_SIZE, req->waiter, sizeof(struct list_head)))
		return "the waiter record is not on the thread's stack";
	if (kind == KSTACK_LOCK_SEMAPHORE ? req->flags != KSTACK_LW_NO_OWNER :
	    !(req->flags & KSTACK_LW_OWNER) || req->owner_tid != task_pid_vnr(current))
		return "the owner is not the holder";
	if (kind == KSTACK_LOCK_RWSEM && !(req->flags & KSTACK_LW_WRITE))
		return "the waiter's type is not its own";
	return NULL;
}

/*
 * Hold a lock of this kind, start a thread that waits for it, and look it
 * up as a request would (the check runs the lookup itself, with the layout
 * taken as checked): the lock found must be ours, its waiter record on the
 * thread's stack, its owner us (a semaphore: none). Then let the thread
 * have the lock and stop it.
 */
static const char *kstack_lw_check(u32 kind)
{
	struct kstack_lock_wait req = { .kind = kind };
	struct task_struct *t;
	unsigned long *buf, stack;
	const char *why = NULL;
	int i, ret = -EAGAIN;

	buf = kstack_counted(kmalloc(2 * THREAD_SIZE, GFP_KERNEL));
	if (!buf)
		return "no memory";
	switch (kind) {
	case KSTACK_LOCK_MUTEX:
		mutex_lock(&kstack_lw_test_mutex);
		break;
	case KSTACK_LOCK_RWSEM:
		down_write(&kstack_lw_test_rwsem);
		break;
	default:
		down(&kstack_lw_test_sem);
		break;
	}
	t = kthread_run(kstack_lw_waiter_fn, (void *)(unsigned long)kind, "kstack-lw/%u", kind);
	if (IS_ERR(t)) {
		why = "no test thread";
		t = NULL;
	}
	/*
	 * until it sleeps on the wait list (it spins while we run: we
	 * sleep), switched out
	 */
	for (i = 0; t && i < 2000 && (!kstack_lw_has_waiter(kind) ||
				      READ_ONCE(t->__state) != TASK_UNINTERRUPTIBLE ||
				      READ_ONCE(t->on_cpu)); i++)
		usleep_range(1000, 2000);
	if (t && !kstack_lw_has_waiter(kind))
		why = "the test thread never waited";
	kstack_lw_kinds[kind].checked = true;
	for (i = 0; t && !why && i < 100 && (ret == -EAGAIN || ret == -EBUSY); i++) {
		ret = kstack_lw_lookup(t, kind, buf, &req);
		if (ret == -EAGAIN || ret == -EBUSY)
			usleep_range(1000, 2000);
	}
	kstack_lw_kinds[kind].checked = false;
	stack = t ? (unsigned long)t->stack : 0;
	if (!why)
		why = kstack_lw_verdict(kind, ret, &req, stack);
	switch (kind) {
	case KSTACK_LOCK_MUTEX:
		mutex_unlock(&kstack_lw_test_mutex);
		break;
	case KSTACK_LOCK_RWSEM:
		up_write(&kstack_lw_test_rwsem);
		break;
	default:
		up(&kstack_lw_test_sem);
		break;
	}
	if (t)
		kthread_stop(t);
	kstack_free(buf);
	return why;
}

void kstack_lockwait_init(void)
{
	u32 k;

	sema_init(&kstack_lw_test_sem, 1);
	for (k = KSTACK_LOCK_MUTEX; k <= KSTACK_LOCK_SEMAPHORE; k++) {
		const char *why;

		if (!kstack_lw_kinds[k].name)
			continue;	/* not on this kernel (PREEMPT_RT) */
		why = kstack_lw_check(k);
		kstack_lw_kinds[k].checked = !why;
		if (why)
			pr_warn("kstack: LOCK_WAIT: the %s layout failed its check (%s): %ss not looked at\n",
				kstack_lw_kinds[k].name, why, kstack_lw_kinds[k].name);
	}
#if KERNEL_VERSION(6, 9, 0) > LINUX_VERSION_CODE
	/* struct file_lock and wait_queue_entry are the exported headers' own */
	kstack_lw_kinds[KSTACK_LOCK_FILE].checked = true;
#endif
}
