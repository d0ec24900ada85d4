// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "kernel_part.h"

#define CAPS_KERNEL (KSTACK_CAP_STACK | KSTACK_CAP_THREAD_CONTEXT)

const char *ks_kernel_unavailable(const struct ks_device *dev, int no_kernel)
{
	static char line[512];

	if (no_kernel)
		return "kernel part: not shown (--no-kernel)";
	if (dev->h == INVALID_HANDLE_VALUE) {
		snprintf(line, sizeof(line),
			 "kernel part: not shown: the KStack driver is not running "
			 "(%s: %s); `kstack install` loads it",
			 KSTACK_DEVICE_WIN32, ks_strerror(dev->open_error));
		return line;
	}
	if (!(dev->ver.caps & CAPS_KERNEL)) {
		snprintf(line, sizeof(line),
			 "kernel part: not shown: the KStack driver cannot capture "
			 "kernel stacks on this host%s",
			 (dev->ver.caps & KSTACK_CAP_WINE_HOST) ?
			 " (Wine: there are no kernel stacks)" : "");
		return line;
	}
	return NULL;
}

void ks_kernel_part_before(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp)
{
	unsigned nr = 0, flags = 0, max = kp->frames.max;

	kp->have_frames = 0;
	kp->context_err = ERROR_NOT_SUPPORTED;
	kp->frames.nr = 0;
	kp->frames.truncated = 0;
	if (!(w->dev->ver.caps & KSTACK_CAP_STACK)) {
		kp->stack_err = ERROR_NOT_SUPPORTED;
		return;
	}
	if (max > KSTACK_FRAMES_MAX)
		max = KSTACK_FRAMES_MAX;
	kp->stack_err = ks_device_stack(w->dev, tid, kp->frames.pc, max, &nr, &flags);
	if (kp->stack_err)
		return;
	kp->frames.nr = nr;
	kp->stack_flags = flags;
	kp->frames.truncated = !!(flags & KSTACK_SF_TRUNCATED);
	kp->have_frames = 1;
}

void ks_kernel_part_suspended(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp)
{
	struct kstack_thread_context tc;

	if (kp->have_frames || !(w->dev->ver.caps & KSTACK_CAP_THREAD_CONTEXT))
		return;
	kp->context_err = ks_device_thread_context(w->dev, tid, &tc);
	if (kp->context_err)
		return;
	kp->context_err = ks_walk_kernel_context(w, &tc, &kp->frames);
	if (!kp->context_err)
		kp->have_frames = 1;
}

void ks_kernel_part_why(const struct ks_walker *w, const struct ks_kernel_part *kp,
			char *buf, size_t size)
{
	char stack[160], context[160];
	int wine = !!(w->dev->ver.caps & KSTACK_CAP_WINE_HOST);

	snprintf(stack, sizeof(stack), "%s", ks_strerror(kp->stack_err));
	snprintf(context, sizeof(context), "%s", ks_strerror(kp->context_err));
	if (kp->stack_err == ERROR_NOT_SUPPORTED && kp->context_err == ERROR_NOT_SUPPORTED)
		snprintf(buf, size, "kernel: not shown: the driver cannot capture kernel "
			 "stacks on this host (STACK and THREAD_CONTEXT: not supported)%s",
			 wine ? "; Wine has no kernel stacks" : "");
	else
		snprintf(buf, size, "kernel: not shown: STACK: %s; THREAD_CONTEXT: %s",
			 stack, context);
}
