// SPDX-License-Identifier: GPL-2.0
/*
 * SYMBOLIZE: name kernel addresses with the kernel's own kallsyms, so a
 * tool needs no parse of /proc/kallsyms (~100 ms under TCG, more than a
 * whole snapshot) to print a stack.
 *
 * Names of core kernel text are kept for the life of the module: they
 * cannot change while the kernel runs, a whole-system listing asks for the
 * same few hundred return addresses every time, and a kallsyms lookup is
 * the slowest part of naming one. Module addresses (modules come and go)
 * are looked up every time.
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kstack.h"

/* __kernel_text_address(), not exported: NULL if not found */
static int (*sym_kernel_text)(unsigned long addr);

/*
 * A return address is named like %pB does: look up addr - 1 (the call may
 * be the function's last instruction) but report addr's offset.
 */
static void kstack_name_one(char *out, char *tmp, u64 addr, bool retaddr, bool text)
{
	unsigned long off;
	char *plus, *slash;

	if (text && !sym_kernel_text(addr)) {
		out[0] = '\0';
		return;
	}
	sprint_symbol(tmp, retaddr ? addr - 1 : addr);
	/* no symbol: sprint_symbol prints the bare address; %pB, addr's */
	if (!strncmp(tmp, "0x", 2)) {
		if (text)
			snprintf(out, KSTACK_SYM_LEN, "0x%llx", addr);
		else
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

#define KSTACK_SYM_CACHE_SLOTS	512	/* power of two */

struct kstack_sym_slot {
	u64 addr;		/* 0: empty */
	bool retaddr;
	char name[KSTACK_SYM_LEN];
};

static struct kstack_sym_slot *sym_cache;
static u32 sym_cache_used;
static unsigned long sym_text_start, sym_text_end;
static DEFINE_MUTEX(sym_cache_lock);

void kstack_sym_init(kstack_lookup_t lookup, unsigned long text_start, unsigned long text_end)
{
	sym_kernel_text = (void *)lookup("__kernel_text_address");
	sym_text_start = text_start;
	sym_text_end = text_end;
	/* without it every name is looked up: slower, not wrong */
	sym_cache = kstack_counted(kvcalloc(KSTACK_SYM_CACHE_SLOTS, sizeof(*sym_cache),
					    GFP_KERNEL));
}

void kstack_sym_exit(void)
{
	kstack_free(sym_cache);
	sym_cache = NULL;
}

/* Caller holds sym_cache_lock. The slot of (addr, retaddr), or a free one. */
static struct kstack_sym_slot *kstack_sym_slot(u64 addr, bool retaddr)
{
	u32 h = (u32)((addr * 0x9e3779b97f4a7c15ull) >> 40) & (KSTACK_SYM_CACHE_SLOTS - 1);
	struct kstack_sym_slot *s;

	for (;;) {
		s = &sym_cache[h];
		if (!s->addr || (s->addr == addr && s->retaddr == retaddr))
			return s;
		h = (h + 1) & (KSTACK_SYM_CACHE_SLOTS - 1);
	}
}

/* Caller holds sym_cache_lock. */
static void kstack_name_cached(char *out, char *tmp, u64 addr, bool retaddr, bool text)
{
	struct kstack_sym_slot *s = NULL;

	/* core text: named the same with or without KSTACK_SYM_TEXT */
	if (sym_cache && addr >= sym_text_start && addr < sym_text_end) {
		s = kstack_sym_slot(addr, retaddr);
		if (s->addr) {
			memcpy(out, s->name, KSTACK_SYM_LEN);
			return;
		}
	}
	kstack_name_one(out, tmp, addr, retaddr, text);
	/* at most 3/4 full: the probe above always finds an end */
	if (s && sym_cache_used < KSTACK_SYM_CACHE_SLOTS / 4 * 3) {
		memcpy(s->name, out, KSTACK_SYM_LEN);
		s->retaddr = retaddr;
		s->addr = addr;
		sym_cache_used++;
	}
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
	if (!req.nr || req.nr > KSTACK_SYM_MAX ||
	    req.flags & ~(KSTACK_SYM_RETADDR | KSTACK_SYM_TEXT))
		return -EINVAL;
	if ((req.flags & KSTACK_SYM_TEXT) && !sym_kernel_text)
		return -EOPNOTSUPP;
	addrs = kstack_counted(kvmalloc_array(req.nr, sizeof(*addrs), GFP_KERNEL));
	/* zeroed: each name is copied out whole, bytes after its NUL too */
	names = kstack_counted(kvcalloc(req.nr, KSTACK_SYM_LEN, GFP_KERNEL));
	tmp = kstack_counted(kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL));
	if (!addrs || !names || !tmp) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(addrs, u64_to_user_ptr(req.addrs), req.nr * sizeof(*addrs))) {
		ret = -EFAULT;
		goto out;
	}
	mutex_lock(&sym_cache_lock);
	for (i = 0; i < req.nr; i++)
		kstack_name_cached(names + (size_t)i * KSTACK_SYM_LEN, tmp, addrs[i],
				   req.flags & KSTACK_SYM_RETADDR, req.flags & KSTACK_SYM_TEXT);
	mutex_unlock(&sym_cache_lock);
	if (copy_to_user(u64_to_user_ptr(req.names), names, (size_t)req.nr * KSTACK_SYM_LEN))
		ret = -EFAULT;
out:
	kstack_free(tmp);
	kstack_free(names);
	kstack_free(addrs);
	return ret;
}
