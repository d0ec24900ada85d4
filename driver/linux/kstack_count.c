// SPDX-License-Identifier: GPL-2.0
/*
 * The module's own task references and heap blocks, counted while live:
 * every reference it takes on a task_struct and every block it allocates
 * goes through these helpers, so that a leak on any path (an exit race, an
 * error unwind) shows as a count that does not return to zero. Read-only
 * in /sys/module/kstack/parameters/{live_task_refs,live_allocs}, and
 * logged at unload ("kstack: unloaded: 0 task references, 0 allocations
 * live"), which the stress test checks.
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "kstack.h"

static atomic_long_t kstack_live_tasks = ATOMIC_LONG_INIT(0);
static atomic_long_t kstack_live_allocs = ATOMIC_LONG_INIT(0);

struct task_struct *kstack_task_get(struct task_struct *task)
{
	get_task_struct(task);
	atomic_long_inc(&kstack_live_tasks);
	return task;
}

void kstack_task_put(struct task_struct *task)
{
	atomic_long_dec(&kstack_live_tasks);
	put_task_struct(task);
}

void kstack_task_counted(struct task_struct *task)
{
	if (task)
		atomic_long_inc(&kstack_live_tasks);
}

void *kstack_counted(void *p)
{
	if (p)
		atomic_long_inc(&kstack_live_allocs);
	return p;
}

void kstack_free(const void *p)
{
	if (!p)
		return;
	atomic_long_dec(&kstack_live_allocs);
	kvfree(p);
}

long kstack_count_tasks(void)
{
	return atomic_long_read(&kstack_live_tasks);
}

long kstack_count_allocs(void)
{
	return atomic_long_read(&kstack_live_allocs);
}

static int kstack_count_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read((atomic_long_t *)kp->arg));
}

static const struct kernel_param_ops kstack_count_ops = {
	.get = kstack_count_get,
};

module_param_cb(live_task_refs, &kstack_count_ops, &kstack_live_tasks, 0444);
MODULE_PARM_DESC(live_task_refs, "task_struct references the module holds now (debug, read-only)");
module_param_cb(live_allocs, &kstack_count_ops, &kstack_live_allocs, 0444);
MODULE_PARM_DESC(live_allocs, "heap blocks the module holds now (debug, read-only)");
