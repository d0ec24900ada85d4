// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "kernel_part.h"
#include "status.h"

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
	return NULL;
}

/*
 * THREAD_CONTEXT of a thread that waits. A waiting thread woken for a
 * moment (a kernel APC: another tool's STACK, a timer) answers "busy"
 * until it waits again: asked a few more times, 10 ms apart, before a
 * busy thread is taken for a running one.
 */
static DWORD context_of_waiting(struct ks_walker *w, DWORD tid,
				struct kstack_thread_context *tc)
{
	DWORD err;
	int tries = 0;

	while ((err = ks_device_thread_context(w->dev, tid, tc)) == ERROR_BUSY &&
	       ++tries < 5)
		Sleep(10);
	return err;
}

/*
 * THREAD_CONTEXT, walked at once, then asked again: the thread is not
 * suspended (suspending it would wake it from the wait it is in, to run
 * the suspend APC, and THREAD_CONTEXT answers only for a waiting thread),
 * so the walk is kept only when the thread did not switch in between:
 * same saved sp, same ContextSwitches. As STACK's SF_RAN, a retry usually
 * finds it still; after three tries the frames are kept and flagged.
 */
static void context_walk(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp)
{
	struct kstack_thread_context tc, again;
	unsigned tries;
	DWORD err;

	kp->context_tried = 1;
	for (tries = 0; tries < 3; tries++) {
		err = context_of_waiting(w, tid, &tc);
		if (!err)
			err = ks_walk_kernel_context(w, &tc, &kp->frames);
		if (err) {
			/* a walk from an earlier try stands, flagged below */
			if (!kp->have_frames)
				kp->context_err = err;
			break;
		}
		kp->have_frames = 1;
		memset(&again, 0, sizeof(again));
		if (!ks_device_thread_context(w->dev, tid, &again) &&
		    again.sp == tc.sp && again.nvcsw == tc.nvcsw)
			return;	/* it did not switch: the walk is whole */
	}
	if (kp->have_frames)
		kp->stack_flags |= KSTACK_SF_RAN;
}

void ks_kernel_part_before(struct ks_walker *w, DWORD tid, struct ks_kernel_part *kp)
{
	unsigned nr = 0, flags = 0, max = kp->frames.max, tries = 0;

	kp->have_frames = 0;
	kp->stack_tried = 0;
	kp->stack_err = 0;
	kp->context_tried = 0;
	kp->stack_flags = 0;
	kp->context_err = 0;
	kp->frames.nr = 0;
	kp->frames.truncated = 0;
	if (max > KSTACK_FRAMES_MAX)
		max = KSTACK_FRAMES_MAX;
	if (kp->want != KS_VIA_CONTEXT) {
		kp->stack_tried = 1;
		/* SF_RAN: the thread ran while the driver walked it; a retry
		 * usually catches it still. After three tries keep the frames
		 * and say so. */
		do
			kp->stack_err = ks_device_stack(w->dev, tid, kp->frames.pc, max,
							&nr, &flags);
		while (!kp->stack_err && (flags & KSTACK_SF_RAN) && ++tries < 3);
		if (!kp->stack_err) {
			kp->frames.nr = nr;
			kp->stack_flags = flags;
			kp->frames.truncated = !!(flags & KSTACK_SF_TRUNCATED);
			kp->have_frames = 1;
			return;
		}
	}
	/*
	 * Any STACK failure, not only "not supported": a thread that did not
	 * run the APC in time (suspended, kernel APCs off) still has a saved
	 * frame to read.
	 */
	if (kp->want != KS_VIA_STACK)
		context_walk(w, tid, kp);
}

const char *ks_kernel_part_via(const struct ks_kernel_part *kp)
{
	return kp->context_tried ? "THREAD_CONTEXT" : "STACK";
}

const char *ks_kernel_probe(struct ks_walker *w, DWORD tid, enum ks_kernel_via want)
{
	static char line[512];
	struct kstack_thread_context tc;
	ULONG64 pc;
	unsigned nr, flags;
	DWORD stack_err = ERROR_NOT_SUPPORTED, context_err = ERROR_NOT_SUPPORTED;

	/*
	 * Only the requests the run will make: a STACK probe queues an APC
	 * that wakes the thread, which THREAD_CONTEXT would then find
	 * between two waits.
	 */
	if (want != KS_VIA_CONTEXT)
		stack_err = ks_device_stack(w->dev, tid, &pc, 1, &nr, &flags);
	if (stack_err == ERROR_NOT_SUPPORTED && want != KS_VIA_STACK)
		context_err = ks_device_thread_context(w->dev, tid, &tc);
	if (stack_err != ERROR_NOT_SUPPORTED || context_err != ERROR_NOT_SUPPORTED)
		return NULL;
	snprintf(line, sizeof(line),
		 "kernel part: not shown: the KStack driver cannot capture kernel "
		 "stacks on this host (%s: not supported)%s",
		 want == KS_VIA_AUTO ? "STACK and THREAD_CONTEXT" :
		 want == KS_VIA_STACK ? "STACK" : "THREAD_CONTEXT",
		 (w->dev->ver.caps & KSTACK_CAP_WINE_HOST) ?
		 "; Wine has no kernel stacks" : "");
	return line;
}

void ks_kernel_part_why(const struct ks_walker *w, const struct ks_kernel_part *kp,
			char *buf, size_t size)
{
	char stack[160], why[200] = "";

	snprintf(stack, sizeof(stack), "%s", ks_strerror(kp->stack_err));
	/* THREAD_CONTEXT refused for want of a checked KTHREAD layout: say
	 * which load-time check failed (VERSION carries it). */
	if (kp->context_err == ERROR_NOT_SUPPORTED && !w->dev->ver.kthread_layout) {
		char checks[160];

		ks_kthread_checks_text(w->dev->ver.kthread_checks, checks, sizeof(checks));
		snprintf(why, sizeof(why), " (no KTHREAD layout passed the driver's "
			 "load-time check; failed: %s)", checks);
	}
	/* A layout without a sourced switch frame gives sp only (x86 Windows). */
	if (kp->context_err == ERROR_INVALID_DATA && !w->dev->ver.task_frame_size)
		snprintf(why, sizeof(why), " (the driver gives the saved sp only on this "
			 "build: where the switch frame keeps the return address is not "
			 "known for %s)", ks_kthread_layout_name(w->dev->ver.kthread_layout));
	if (kp->context_tried && kp->stack_tried)
		snprintf(buf, size, "kernel: not shown: STACK: %s; THREAD_CONTEXT: %s%s",
			 stack, ks_strerror(kp->context_err), why);
	else if (kp->context_tried)
		snprintf(buf, size, "kernel: not shown: THREAD_CONTEXT: %s%s",
			 ks_strerror(kp->context_err), why);
	else
		snprintf(buf, size, "kernel: not shown: STACK: %s", stack);
}
