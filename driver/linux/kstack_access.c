// SPDX-License-Identifier: GPL-2.0
/*
 * Who may ask, checked at every request and not only at open, in the order
 * /proc/PID/stack checks (fs/proc/base.c, proc_pid_stack and lock_trace):
 *
 *   the caller: CAP_SYS_ADMIN in its credentials at the time of the ioctl,
 *     or membership of the group an admin handed the device to (group=,
 *     none by default). An fd opened by root and kept across a drop to
 *     another uid, or passed over SCM_RIGHTS, is worth nothing to a
 *     process without either.
 *   the target: ptrace_may_access(task, PTRACE_MODE_ATTACH_FSCREDS), under
 *     the target's exec_update_lock so that it cannot exec a setuid binary
 *     between the check and the capture: exactly lock_trace()'s check (6.1
 *     uses ATTACH, not READ, for /proc/PID/stack: a kernel stack tells
 *     more than what READ guards, e.g. /proc/PID/stat's wchan).
 *   kernel lockdown: memory contents (READ_MEMORY, raw stacks) are refused
 *     once the kernel is locked down for confidentiality, with the reason
 *     /proc/kcore uses (LOCKDOWN_KCORE, fs/proc/kcore.c open_kcore).
 *
 * ptrace_may_access is not exported to modules; it is resolved at load
 * through kallsyms. Without it every request about a thread is refused.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/uidgid.h>
#include "kstack.h"

/*
 * Who may use the device besides CAP_SYS_ADMIN: an admin may hand it to
 * one group (modprobe kstack group=GID mode=0660; the packaged udev rule
 * gives /dev/kstack that group). Default: none, root only. Read-only once
 * loaded: the udev rule reads it from /sys/module/kstack/parameters.
 */
static int group = -1;
module_param(group, int, 0444);
MODULE_PARM_DESC(group, "gid whose members may use /dev/kstack besides CAP_SYS_ADMIN (default -1: none)");

static kgid_t kstack_gid = INVALID_GID;

static bool (*kstack_ptrace_may_access)(struct task_struct *task, unsigned int mode);
/* lockdown only ever rises (security/lockdown/lockdown.c: lock_kernel_down) */
static bool kstack_locked;

int kstack_access_check_params(void)
{
	if (group >= 0) {
		kstack_gid = make_kgid(&init_user_ns, group);
		if (!gid_valid(kstack_gid)) {
			pr_err("kstack: group=%d is not a valid gid\n", group);
			return -EINVAL;
		}
	} else if (group != -1) {
		pr_err("kstack: group=%d: a gid, or -1 for none\n", group);
		return -EINVAL;
	}
	return 0;
}

int kstack_access_group(void)
{
	return group;
}

void kstack_access_init(kstack_lookup_t lookup)
{
	if (lookup)
		kstack_ptrace_may_access = (void *)lookup("ptrace_may_access");
	if (!kstack_ptrace_may_access)
		pr_warn("kstack: ptrace_may_access not found: every request about a thread will be refused\n");
}

/* The caller is in the group the admin handed the device to (group=). */
static bool kstack_in_granted_group(void)
{
	return gid_valid(kstack_gid) && in_group_p(kstack_gid);
}

int kstack_caller_allowed(void)
{
	/* the group first: its members' requests log no capability denials */
	if (kstack_in_granted_group() || capable(CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

bool kstack_may_read_task(struct task_struct *task)
{
	return kstack_ptrace_may_access &&
	       kstack_ptrace_may_access(task, PTRACE_MODE_ATTACH_FSCREDS);
}

/*
 * A whole-system SNAPSHOT meets the threads of a process one after another,
 * and most share their credentials: __ptrace_may_access() decides from the
 * caller's and the target's creds (one object, compared by pointer), the
 * target's mm (shared by the process) and LSM hooks that look at creds and
 * at the thread group (Yama's descendant and exception checks go to the
 * group leader). Within one RCU read section neither the signal_struct nor
 * the cred can be freed and reused, so equal pointers mean the same process
 * and the same credentials. A process's dumpable flag may change between
 * two of its threads; the whole-system pass is not atomic against such
 * changes anyway (see kstack_capture_one).
 */
bool kstack_may_read_task_memo(struct kstack_access_memo *m, struct task_struct *task)
{
	const void *signal = READ_ONCE(task->signal);
	const void *cred = rcu_dereference(task->real_cred);

	if (m->signal && m->signal == signal && m->cred == cred)
		return m->ok;
	m->ok = kstack_may_read_task(task);
	m->signal = signal;
	m->cred = cred;
	return m->ok;
}

int kstack_lock_target(struct task_struct *task)
{
	int ret = down_read_killable(&task->signal->exec_update_lock);

	if (ret)
		return ret;
	if (!kstack_may_read_task(task)) {
		up_read(&task->signal->exec_update_lock);
		return -EPERM;
	}
	return 0;
}

void kstack_unlock_target(struct task_struct *task)
{
	up_read(&task->signal->exec_update_lock);
}

bool kstack_memory_locked_down(void)
{
	if (READ_ONCE(kstack_locked))
		return true;
	/* the kernel logs its own (ratelimited) notice the first time */
	if (!security_locked_down(LOCKDOWN_KCORE))
		return false;
	WRITE_ONCE(kstack_locked, true);
	return true;
}

int kstack_lockdown_refuse(const char *what)
{
	if (!kstack_memory_locked_down())
		return 0;
	pr_notice_ratelimited("kstack: %s refused: kernel lockdown (confidentiality) forbids reading kernel memory, as /proc/kcore; frames and symbol names are still served\n",
			      what);
	return -EPERM;
}
