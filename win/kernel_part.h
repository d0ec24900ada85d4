/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The kernel part of a thread's stack, from the driver: STACK (the driver
 * walks the thread itself, safely, before we suspend it), else
 * THREAD_CONTEXT (saved kernel ip/sp/fp, walked here with StackWalk64 and
 * READ_MEMORY, kept when the thread did not switch during the walk) when
 * STACK failed: a host
 * where STACK's kernel APC cannot run, or a thread that did not run it
 * in time. --kernel-via picks one of the two; the output says which gave
 * the frames.
 */
#ifndef KSTACK_WIN_KERNEL_PART_H
#define KSTACK_WIN_KERNEL_PART_H

#include "options.h"
#include "walk.h"

struct ks_kernel_part {
	enum ks_kernel_via want;	/* set by the caller: --kernel-via */
	int stack_tried;	/* STACK asked */
	DWORD stack_err;	/* STACK result (0: frames came from STACK) */
	int context_tried;	/* THREAD_CONTEXT asked (STACK failed or not wanted) */
	DWORD context_err;	/* its result */
	int have_frames;	/* frames is valid (possibly empty) */
	unsigned stack_flags;	/* KSTACK_SF_* from STACK */
	struct ks_frames frames;
};

/*
 * Why the kernel part cannot be shown for any thread of this run, as one
 * line of text (--no-kernel, driver not running), or NULL.
 */
const char *ks_kernel_unavailable(const struct ks_device *dev, int no_kernel);

/*
 * Asks the driver for the kernel part of thread tid (not suspended) by
 * the requests `want` allows and returns one line for the whole run when
 * the driver answers each with "not supported" (as under Wine), else NULL. The
 * requests are made whatever VERSION's caps say: the answer is the truth.
 */
const char *ks_kernel_probe(struct ks_walker *w, DWORD tid, enum ks_kernel_via want);

/*
 * Before suspending (the suspend APC would wake the thread out of its
 * wait): STACK, else the THREAD_CONTEXT walk, as kp->want says.
 */
void ks_kernel_part_before(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp);
/* "STACK" or "THREAD_CONTEXT": the request that gave kp's frames. */
const char *ks_kernel_part_via(const struct ks_kernel_part *kp);
/* One line saying why there are no kernel frames for this thread. */
void ks_kernel_part_why(const struct ks_walker *w, const struct ks_kernel_part *kp,
			char *buf, size_t size);

#endif
