// SPDX-License-Identifier: GPL-2.0
/*
 * MODULE_ORC: each loaded module's ORC tables as the module loader keeps
 * them for the kernel's unwinder (mod->arch.orc_unwind_ip / orc_unwind /
 * num_orcs), so the tool reads them whole instead of sizing them from gaps
 * between /sys/module section addresses. The module list is not exported:
 * its head is resolved once at load; it is walked under RCU, as the
 * kernel's own readers do (free_module() unlinks with list_del_rcu() and
 * waits for a grace period before freeing).
 */
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "kstack.h"

static struct list_head *kstack_modules;	/* the kernel's "modules" list head */

void kstack_modorc_init(kstack_lookup_t lookup)
{
	kstack_modules = (struct list_head *)lookup("modules");
}

bool kstack_modorc_available(void)
{
	return IS_ENABLED(CONFIG_UNWINDER_ORC) && kstack_modules;
}

/* One module's entry; false if it has no tables or is not (still) live. */
static bool kstack_modorc_fill(struct module *mod, struct kstack_module_orc *e)
{
#if IS_ENABLED(CONFIG_UNWINDER_ORC)
	unsigned long text;

	if (mod->state != MODULE_STATE_LIVE || !mod->arch.orc_unwind_ip ||
	    !mod->arch.orc_unwind || !mod->arch.num_orcs)
		return false;
	memset(e, 0, sizeof(*e));
	BUILD_BUG_ON(sizeof(e->name) < sizeof(mod->name));
	strscpy(e->name, mod->name, sizeof(e->name));
#if KERNEL_VERSION(6, 4, 0) <= LINUX_VERSION_CODE
	text = (unsigned long)mod->mem[MOD_TEXT].base;
	e->text_end = text + mod->mem[MOD_TEXT].size;
#else
	text = (unsigned long)mod->core_layout.base;
	e->text_end = text + mod->core_layout.text_size;
#endif
	e->text_start = text;
	e->orc_ip = (unsigned long)mod->arch.orc_unwind_ip;
	e->orc = (unsigned long)mod->arch.orc_unwind;
	e->num_orcs = mod->arch.num_orcs;
	return true;
#else
	return false;
#endif
}

long kstack_module_orc(void __user *uarg)
{
	struct kstack_module_orcs req;
	struct kstack_module_orc *out;
	struct module *mod;
	u32 n = 0;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (!req.max || req.max > KSTACK_MODULE_ORC_MAX)
		return -EINVAL;
	if (!kstack_modorc_available())
		return -EOPNOTSUPP;
	out = kstack_counted(kvmalloc_array(req.max, sizeof(*out), GFP_KERNEL));
	if (!out)
		return -ENOMEM;
	/* entries into our buffer under RCU; copied out with no lock held */
	rcu_read_lock();
	list_for_each_entry_rcu(mod, kstack_modules, list) {
		struct kstack_module_orc e;

		if (!kstack_modorc_fill(mod, &e))
			continue;
		if (n < req.max)
			out[n] = e;
		n++;
	}
	rcu_read_unlock();
	req.nr = n;
	if (copy_to_user(u64_to_user_ptr(req.buffer), out,
			 (size_t)min(n, req.max) * sizeof(*out))) {
		ret = -EFAULT;
		goto out;
	}
	ret = n > req.max ? -ENOSPC : 0;
	if (kstack_req_out(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	kstack_free(out);
	return ret;
}
