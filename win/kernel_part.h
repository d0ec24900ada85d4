/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The kernel part of a thread's stack, from the driver: STACK (the driver
 * walks the thread itself, safely, before we suspend it), else
 * THREAD_CONTEXT (saved kernel ip/sp/fp, walked here with StackWalk64 and
 * READ_MEMORY while the thread is suspended, as in the seed).
 */
#ifndef KSTACK_WIN_KERNEL_PART_H
#define KSTACK_WIN_KERNEL_PART_H

#include "walk.h"

struct ks_kernel_part {
	DWORD stack_err;	/* STACK result (0: frames came from STACK) */
	DWORD context_err;	/* THREAD_CONTEXT result, if tried */
	int have_frames;	/* frames is valid (possibly empty) */
	unsigned stack_flags;	/* KSTACK_SF_* from STACK */
	struct ks_frames frames;
};

/*
 * Why the kernel part cannot be shown for any thread of this run, as one
 * line of text, or NULL when the driver is there and claims it can.
 */
const char *ks_kernel_unavailable(const struct ks_device *dev, int no_kernel);

/* Before suspending: ask for STACK. */
void ks_kernel_part_before(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp);
/* While suspended: THREAD_CONTEXT walk when STACK was not available. */
void ks_kernel_part_suspended(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp);
/* One line saying why there are no kernel frames for this thread. */
void ks_kernel_part_why(const struct ks_walker *w, const struct ks_kernel_part *kp,
			char *buf, size_t size);

#endif
