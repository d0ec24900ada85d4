// SPDX-License-Identifier: GPL-2.0
/*
 * Symbols the kernel does not export to modules (the core kernel's text
 * and rodata bounds, the ORC tables, ptrace_may_access, the module list),
 * resolved once at load through kallsyms_lookup_name. That one is not
 * exported either since v5.7, but a kprobe on it still resolves its
 * address. Each part of the driver takes what it needs from the lookup in
 * its own init, which kstack_init calls in order.
 */
#include <linux/kprobes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kstack.h"

/*
 * With IBT the probe lands after the ENDBR64, so step back over it to get
 * the callable entry.
 */
kstack_lookup_t kstack_find_lookup_name(void)
{
	static const u8 endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;
	u8 prev[4];

	if (register_kprobe(&kp))
		return NULL;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	if (!copy_from_kernel_nofault(prev, (void *)(addr - 4), 4) &&
	    !memcmp(prev, endbr64, 4))
		addr -= 4;
	return (kstack_lookup_t)addr;
}
