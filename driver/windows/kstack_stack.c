// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * STACK: another thread's kernel call stack, the modern way. A special
 * kernel APC is queued to the target thread; when the thread next runs in
 * kernel mode (or is woken from a wait to run it) the APC captures the
 * return addresses with RtlWalkFrameChain, on the thread's own stack, and
 * signals us. Everything it needs (KeInitializeApc, KeInsertQueueApc,
 * RtlWalkFrameChain) is undocumented or optional, so it is resolved at run
 * time and the call reports STATUS_NOT_SUPPORTED when any is missing — and
 * always on Wine, where all three are stubs that kill the driver host.
 *
 * The thread may never run the APC (suspended, or waiting with kernel APCs
 * disabled), so we wait at most timeout_ms and then fail with
 * STATUS_IO_TIMEOUT. Not STATUS_TIMEOUT: that is a *success* code
 * (0x102), which DeviceIoControl reports as TRUE with whatever bytes we
 * returned, so the caller could not tell a timeout from an empty stack.
 *
 * Lifetime: the APC may still run after we gave up waiting, so its context
 * is pool memory with two references (waiter, APC), freed by whichever
 * drops the last. DriverUnload waits until no APC is queued, since a queued
 * APC points into this driver's code.
 */
#include "kstack_drv.h"

#define KSTACK_STACK_TIMEOUT_MS_DEFAULT 500u
#define KSTACK_STACK_TIMEOUT_MS_MAX 10000u

struct kstack_apc_ctx {
	KAPC apc;
	KEVENT done;
	volatile LONG refs;
	ULONG max_frames;
	ULONG count;
	PVOID frames[KSTACK_FRAMES_MAX];
};

static volatile LONG kstack_apcs_queued;

static void kstack_apc_put(struct kstack_apc_ctx *c)
{
	if (InterlockedDecrement(&c->refs) == 0)
		ExFreePoolWithTag(c, KSTACK_POOL_TAG);
}

static VOID NTAPI kstack_apc_run(PKAPC apc, PKNORMAL_ROUTINE *normal,
				 PVOID *normal_ctx, PVOID *arg1, PVOID *arg2)
{
	struct kstack_apc_ctx *c = CONTAINING_RECORD(apc, struct kstack_apc_ctx, apc);

	UNREFERENCED_PARAMETER(normal);
	UNREFERENCED_PARAMETER(normal_ctx);
	UNREFERENCED_PARAMETER(arg1);
	UNREFERENCED_PARAMETER(arg2);
	/* Flags 0: kernel-mode frames of the current (target) thread. */
	c->count = kstack_host.rtl_walk_frame_chain(c->frames, c->max_frames, 0);
	KeSetEvent(&c->done, IO_NO_INCREMENT, FALSE);
	kstack_apc_put(c);
	InterlockedDecrement(&kstack_apcs_queued);
}

/* The thread exited with our APC still queued. */
static VOID NTAPI kstack_apc_rundown(PKAPC apc)
{
	struct kstack_apc_ctx *c = CONTAINING_RECORD(apc, struct kstack_apc_ctx, apc);

	c->count = 0;
	KeSetEvent(&c->done, IO_NO_INCREMENT, FALSE);
	kstack_apc_put(c);
	InterlockedDecrement(&kstack_apcs_queued);
}

void kstack_stack_drain(void)
{
	LARGE_INTEGER delay;
	BOOLEAN said = FALSE;

	delay.QuadPart = -10LL * 1000 * 10;	/* 10 ms, relative */
	while (InterlockedCompareExchange(&kstack_apcs_queued, 0, 0) != 0) {
		if (!said)
			KSTACK_LOG("unload waits for %ld queued stack APC(s)",
				   (long)kstack_apcs_queued);
		said = TRUE;
		KeDelayExecutionThread(KernelMode, FALSE, &delay);
	}
}

/*
 * *walked: frames RtlWalkFrameChain gave (max_frames: it may have had
 * more); *count: those of them copied to out, the driver's own left out.
 */
static NTSTATUS kstack_capture(PETHREAD thread, ULONG max_frames,
			       ULONG timeout_ms, kstack_u64 *out, ULONG *count,
			       ULONG *walked)
{
	struct kstack_apc_ctx *c;
	LARGE_INTEGER timeout;
	NTSTATUS status = STATUS_SUCCESS;
	ULONG i;

	/* NonPagedPool: the APC runs at APC_LEVEL and works on this memory. */
	c = ExAllocatePoolWithTag(NonPagedPool, sizeof(*c), KSTACK_POOL_TAG);
	if (!c)
		return STATUS_INSUFFICIENT_RESOURCES;
	RtlZeroMemory(c, sizeof(*c));
	c->refs = 2;
	c->max_frames = max_frames;

	if (kstack_is_current_thread(thread)) {
		/* Our own caller: walk right here, no APC needed. */
		c->count = kstack_host.rtl_walk_frame_chain(c->frames, max_frames, 0);
		c->refs = 1;
		goto copy;
	}

	KeInitializeEvent(&c->done, NotificationEvent, FALSE);
	kstack_host.ke_initialize_apc(&c->apc, (PKTHREAD)thread,
				      KstackOriginalApcEnvironment,
				      kstack_apc_run, kstack_apc_rundown,
				      NULL, KernelMode, NULL);
	InterlockedIncrement(&kstack_apcs_queued);
	if (!kstack_host.ke_insert_queue_apc(&c->apc, NULL, NULL, 0)) {
		/* The thread is exiting and takes no more APCs. */
		InterlockedDecrement(&kstack_apcs_queued);
		ExFreePoolWithTag(c, KSTACK_POOL_TAG);
		return STATUS_THREAD_IS_TERMINATING;
	}

	timeout.QuadPart = -10000LL * timeout_ms;
	status = KeWaitForSingleObject(&c->done, Executive, KernelMode, FALSE,
				       &timeout);
	if (status == STATUS_TIMEOUT) {
		kstack_apc_put(c);	/* the APC frees it if it ever runs */
		return STATUS_IO_TIMEOUT;
	}
	status = STATUS_SUCCESS;
copy:
	/*
	 * Our APC routine (or, for our own caller, the ioctl path) is not the
	 * thread's: leave the driver's own frames out rather than show them
	 * under a name the driver does not export.
	 */
	*count = 0;
	*walked = c->count;
	for (i = 0; i < c->count; i++)
		if ((ULONG_PTR)c->frames[i] < kstack_host.image_start ||
		    (ULONG_PTR)c->frames[i] >= kstack_host.image_end)
			out[(*count)++] = (ULONG_PTR)c->frames[i];
	kstack_apc_put(c);
	return status;
}

NTSTATUS kstack_ioctl_stack(void *buf, ULONG in_len, ULONG out_len,
			    ULONG_PTR *info)
{
	struct kstack_stack st;
	PETHREAD thread;
	ULONG count = 0, walked = 0, timeout_ms;
	NTSTATUS status;

	status = kstack_get_request(buf, in_len, &st, sizeof(st));
	if (!NT_SUCCESS(status))
		return status;
	if (st.max_frames == 0 || st.max_frames > KSTACK_FRAMES_MAX ||
	    st.timeout_ms > KSTACK_STACK_TIMEOUT_MS_MAX)
		return STATUS_INVALID_PARAMETER;
	if (out_len < sizeof(st) + st.max_frames * sizeof(kstack_u64))
		return STATUS_BUFFER_TOO_SMALL;
	status = kstack_lookup_thread(st.tid, &thread);
	if (!NT_SUCCESS(status))
		return status;

	if (kstack_host.wine || !(kstack_host_caps() & KSTACK_CAP_STACK)) {
		KSTACK_LOG("STACK: kernel APCs or RtlWalkFrameChain unavailable on %s",
			   kstack_host.wine ? "Wine" : "this host");
		status = STATUS_NOT_SUPPORTED;
		goto out;
	}
	timeout_ms = st.timeout_ms ? st.timeout_ms : KSTACK_STACK_TIMEOUT_MS_DEFAULT;
	/* The request is in `st`: the frames go straight after it in the buffer. */
	status = kstack_capture(thread, st.max_frames, timeout_ms,
				(kstack_u64 *)((UCHAR *)buf + sizeof(st)), &count,
				&walked);
	if (!NT_SUCCESS(status))
		goto out;

	st.hdr.size = sizeof(st);
	st.nr_frames = count;
	/* RtlWalkFrameChain cannot say whether more frames were left. */
	st.flags = walked == st.max_frames ? KSTACK_SF_TRUNCATED : 0;
	st.nvcsw_before = st.nivcsw_before = 0;
	st.nvcsw_after = st.nivcsw_after = 0;
	RtlCopyMemory(buf, &st, sizeof(st));
	*info = sizeof(st) + count * sizeof(kstack_u64);
out:
	ObDereferenceObject(thread);
	return status;
}
