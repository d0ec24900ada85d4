// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * KTHREAD offset tables, one per architecture. Every entry names where
 * its numbers were read; builds not listed are unsupported.
 */
#include "kstack_drv.h"
#include "kstack_kthread.h"

#if defined(_WIN64)
static const struct kstack_kthread_layout kstack_kthread_layouts[] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL },
};
#else
static const struct kstack_kthread_layout kstack_kthread_layouts[] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL },
};
#endif

const struct kstack_kthread_layout *kstack_kthread_lookup(ULONG build)
{
	ULONG i;

	for (i = 0; i < ARRAYSIZE(kstack_kthread_layouts); i++) {
		const struct kstack_kthread_layout *l = &kstack_kthread_layouts[i];

		if (l->source && build >= l->build_min && build <= l->build_max)
			return l;
	}
	return NULL;
}
