// SPDX-License-Identifier: GPL-2.0
/*
 * SYMBOLIZE: name kernel addresses with the kernel's own kallsyms, so a
 * tool needs no parse of /proc/kallsyms (~100 ms under TCG, more than a
 * whole snapshot) to print a stack.
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kstack.h"

/*
 * A return address is named like %pB does: look up addr - 1 (the call may
 * be the function's last instruction) but report addr's offset.
 */
static void kstack_name_one(char *out, char *tmp, u64 addr, bool retaddr)
{
	unsigned long off;
	char *plus, *slash;

	sprint_symbol(tmp, retaddr ? addr - 1 : addr);
	/* no symbol: sprint_symbol prints the bare address */
	if (!strncmp(tmp, "0x", 2)) {
		out[0] = '\0';
		return;
	}
	plus = strrchr(tmp, '+');
	slash = plus ? strchr(plus, '/') : NULL;
	if (retaddr && slash) {
		*slash = '\0';
		if (!kstrtoul(plus + 1, 16, &off)) {
			*plus = '\0';
			*slash = '/';
			snprintf(out, KSTACK_SYM_LEN, "%s+%#lx%s", tmp, off + 1, slash);
			goto check;
		}
		*slash = '/';
	}
	strscpy(out, tmp, KSTACK_SYM_LEN);
check:
	if (strlen(tmp) >= KSTACK_SYM_LEN - 1)
		strscpy(out + KSTACK_SYM_LEN - 4, "...", 4);
}

long kstack_symbolize(void __user *uarg)
{
	struct kstack_symbolize req;
	char *names = NULL, *tmp = NULL;
	u64 *addrs = NULL;
	u32 i;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (!req.nr || req.nr > KSTACK_SYM_MAX || req.flags & ~KSTACK_SYM_RETADDR)
		return -EINVAL;
	addrs = kvmalloc_array(req.nr, sizeof(*addrs), GFP_KERNEL);
	names = kvmalloc_array(req.nr, KSTACK_SYM_LEN, GFP_KERNEL);
	tmp = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
	if (!addrs || !names || !tmp) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(addrs, u64_to_user_ptr(req.addrs), req.nr * sizeof(*addrs))) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < req.nr; i++)
		kstack_name_one(names + (size_t)i * KSTACK_SYM_LEN, tmp, addrs[i],
				req.flags & KSTACK_SYM_RETADDR);
	if (copy_to_user(u64_to_user_ptr(req.names), names, (size_t)req.nr * KSTACK_SYM_LEN))
		ret = -EFAULT;
out:
	kfree(tmp);
	kvfree(names);
	kvfree(addrs);
	return ret;
}
