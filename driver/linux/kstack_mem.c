// SPDX-License-Identifier: GPL-2.0
/*
 * READ_MEMORY: kernel memory for a user-space stack walker, and nothing
 * else, since every byte handed out could be a secret. Only ranges a stack
 * walker needs are readable (live tasks' kernel stacks, core kernel text
 * and rodata incl. the ORC tables, modules' text and rodata); everything
 * else is -EPERM. Reads go through copy_from_kernel_nofault in page-sized
 * chunks via a heap bounce buffer, and each chunk's range is re-checked
 * under RCU right before it is copied, so a task or module that goes away
 * mid-request is noticed instead of read after free.
 */
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <asm/orc_lookup.h>
#include "kstack.h"

/* Core kernel ranges, resolved once at load (not exported to modules). */
static struct {
	unsigned long stext, etext;
	unsigned long srodata, erodata;
	unsigned long orc_start, orc_end;	/* orc tables may sit outside rodata */
} core;
static struct module *(*module_address)(unsigned long addr);
static bool core_ok;
/* handed to user space by KERNEL_INFO; not used for access checks */
static struct kstack_kernel_info kinfo;

void kstack_mem_init(kstack_lookup_t lookup)
{
	core.stext = lookup("_stext");
	core.etext = lookup("_etext");
	core.srodata = lookup("__start_rodata");
	core.erodata = lookup("__end_rodata");
	core.orc_start = lookup("__start_orc_unwind_ip");
	core.orc_end = lookup("__stop_orc_unwind");
	module_address = (void *)lookup("__module_address");
	kinfo.text_start = core.stext;
	kinfo.text_end = core.etext;
	kinfo.orc_ip_start = core.orc_start;
	kinfo.orc_ip_end = lookup("__stop_orc_unwind_ip");
	kinfo.orc_start = lookup("__start_orc_unwind");
	kinfo.orc_end = core.orc_end;
	kinfo.ret_from_fork = lookup("ret_from_fork");
	kinfo.sched_start = lookup("__sched_text_start");
	kinfo.sched_end = lookup("__sched_text_end");
	kinfo.lock_start = lookup("__lock_text_start");
	kinfo.lock_end = lookup("__lock_text_end");
	kinfo.orc_lookup_start = lookup("orc_lookup");
	kinfo.orc_lookup_end = lookup("orc_lookup_end");
	kinfo.orc_lookup_block_order = LOOKUP_BLOCK_ORDER;
	core_ok = core.stext && core.etext > core.stext &&
		  core.srodata && core.erodata > core.srodata;
	if (!core_ok)
		pr_warn("kstack: kernel text/rodata bounds not found; READ_MEMORY limited to kernel stacks\n");
	if (core.orc_start >= core.orc_end) {
		core.orc_start = 0;
		core.orc_end = 0;
	}
}

const struct kstack_kernel_info *kstack_mem_kernel_info(void)
{
	return &kinfo;
}

long kstack_kernel_info(void __user *uarg)
{
	struct kstack_kernel_info req;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	kinfo.hdr = req.hdr;
	return kstack_req_out(uarg, &kinfo, sizeof(kinfo));
}

u32 kstack_mem_caps(void)
{
	return KSTACK_CAP_READ_MEMORY;
}

/* [addr, addr + len) inside [start, end)? (an empty or inverted range holds nothing) */
static bool kstack_within(unsigned long start, unsigned long end,
			  unsigned long addr, size_t len)
{
	return end > start && ks_range_inside(start, end - start, addr, len);
}

static bool kstack_in_core(unsigned long addr, size_t len)
{
	if (!core_ok)
		return false;
	return kstack_within(core.stext, core.etext, addr, len) ||
	       kstack_within(core.srodata, core.erodata, addr, len) ||
	       (core.orc_start &&
		kstack_within(core.orc_start, core.orc_end, addr, len)) ||
	       (kinfo.orc_lookup_start < kinfo.orc_lookup_end &&
		kstack_within(kinfo.orc_lookup_start, kinfo.orc_lookup_end, addr, len));
}

/* Caller disables preemption: __module_address requires it. */
static bool kstack_in_module(unsigned long addr, size_t len)
{
	struct module *mod;
	unsigned long base;

	if (!module_address)
		return false;
	mod = module_address(addr);
	if (!mod || mod->state == MODULE_STATE_UNFORMED)
		return false;
#if KERNEL_VERSION(6, 4, 0) <= LINUX_VERSION_CODE
	/* v6.4 split the layout into mem[] regions (untested here) */
	base = (unsigned long)mod->mem[MOD_TEXT].base;
	if (kstack_within(base, base + mod->mem[MOD_TEXT].size, addr, len))
		return true;
	base = (unsigned long)mod->mem[MOD_RODATA].base;
	return kstack_within(base, base + mod->mem[MOD_RODATA].size, addr, len);
#else
	/* core_layout: [text | rodata | ro_after_init | data]; ro_size ends rodata */
	base = (unsigned long)mod->core_layout.base;
	return kstack_within(base, base + mod->core_layout.ro_size, addr, len);
#endif
}

/*
 * Caller holds rcu_read_lock: the thread list and stacks stay valid. The
 * task whose stack holds the range, pinned (the caller puts it), or NULL
 * (also when the task is outside the caller's pid namespace).
 * O(threads): done once per request, not per chunk.
 */
static struct task_struct *kstack_stack_owner(unsigned long addr, size_t len)
{
	struct task_struct *p, *t;

	for_each_process_thread(p, t) {
		unsigned long stack = (unsigned long)READ_ONCE(t->stack);

		if (!stack || !kstack_within(stack, stack + THREAD_SIZE, addr, len))
			continue;
		/* a thread the caller's pid namespace cannot name: as by tid */
		if (!task_pid_vnr(t))
			return NULL;
		return kstack_task_get(t);	/* leaves both loops */
	}
	return NULL;
}

/* Caller holds rcu_read_lock: is the range still in owner's live stack? */
static bool kstack_in_stack_of(struct task_struct *owner, unsigned long addr, size_t len)
{
	unsigned long stack = (unsigned long)READ_ONCE(owner->stack);

	return stack && kstack_within(stack, stack + THREAD_SIZE, addr, len);
}

/*
 * Caller holds rcu_read_lock. Core kernel ranges, then modules (with
 * preemption disabled: __module_address needs it, and the module cannot go
 * away before the copy), then the stack of owner (found by
 * kstack_check_range). *preempt_off: the caller must preempt_enable()
 * after copying.
 */
static bool kstack_allowed(unsigned long addr, size_t len, struct task_struct *owner,
			   bool *preempt_off)
{
	*preempt_off = false;
	if (addr < TASK_SIZE_MAX)	/* never user space through this path */
		return false;
	if (owner)
		return kstack_in_stack_of(owner, addr, len);
	if (kstack_in_core(addr, len))
		return true;
	preempt_disable();
	if (kstack_in_module(addr, len)) {
		*preempt_off = true;
		return true;
	}
	preempt_enable();
	return false;
}

/* Check, then copy one chunk, in one RCU section. */
static int kstack_copy_chunk(void *dst, unsigned long addr, size_t len,
			     struct task_struct *owner)
{
	bool preempt_off;
	int ret = -EPERM;

	rcu_read_lock();
	if (kstack_allowed(addr, len, owner, &preempt_off))
		ret = copy_from_kernel_nofault(dst, (const void *)addr, len) ?
		      -EFAULT : 0;
	if (preempt_off)
		preempt_enable();
	rcu_read_unlock();
	return ret;
}

/*
 * The whole range must be allowed before a byte is copied. A range in a
 * task's stack: *owner is that task, pinned, and each chunk is checked
 * against its stack alone (a walk over every thread only once, under RCU
 * without holding off preemption).
 */
static int kstack_check_range(unsigned long addr, size_t len, struct task_struct **owner)
{
	bool ok, preempt_off;

	*owner = NULL;
	rcu_read_lock();
	ok = kstack_allowed(addr, len, NULL, &preempt_off);
	if (preempt_off)
		preempt_enable();
	if (!ok && addr >= TASK_SIZE_MAX) {
		*owner = kstack_stack_owner(addr, len);
		ok = *owner;
	}
	rcu_read_unlock();
	return ok ? 0 : -EPERM;
}

long kstack_read_memory(void __user *uarg)
{
	struct kstack_read_memory req;
	struct task_struct *owner;
	u8 __user *ubuf;
	void *bounce;
	u32 done = 0;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (!req.length || req.length > KSTACK_READ_MAX)
		return -EINVAL;
	/* every byte it gives is kernel memory, stacks included */
	ret = kstack_lockdown_refuse("READ_MEMORY");
	if (ret)
		return ret;
	ret = kstack_check_range(req.address, req.length, &owner);
	if (ret)
		return ret;
	/* a thread's stack: only if the caller may see that thread's stack */
	if (owner) {
		ret = kstack_lock_target(owner);
		if (ret) {
			kstack_task_put(owner);
			return ret;
		}
	}

	bounce = kstack_counted(kmalloc(PAGE_SIZE, GFP_KERNEL));
	if (!bounce) {
		ret = -ENOMEM;
		goto out;
	}
	ubuf = u64_to_user_ptr(req.buffer);
	while (done < req.length) {
		size_t n = min_t(size_t, req.length - done, PAGE_SIZE);

		ret = kstack_copy_chunk(bounce, req.address + done, n, owner);
		if (ret)
			break;
		if (copy_to_user(ubuf + done, bounce, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		cond_resched();
	}
	kstack_free(bounce);
	req.bytes_read = done;
	if (kstack_req_out(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	if (owner) {
		kstack_unlock_target(owner);
		kstack_task_put(owner);
	}
	return ret;
}
