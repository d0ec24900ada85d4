// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The load-time KTHREAD probe: a system thread whose state the driver
 * knows, read through each layout before one is trusted.
 *
 * The thread records its own IoGetStackLimits and the address of a local,
 * then waits twice, with two chosen wait reasons. DriverEntry copies the
 * thread's KTHREAD while it is in each wait (polling until a layout sees
 * it waiting, bounded), wakes it in between and lets it exit at the end,
 * and hands both copies to kstack_kthread_choose() (pure C, unit-tested
 * on the host). The result and every check are logged.
 *
 * Never run under Wine: its ETHREAD is not a KTHREAD at all.
 */
#include "kstack_drv.h"
#include "kstack_kthread.h"

#define KSTACK_PROBE_WAIT_MS	5000	/* the probe thread's own waits */
#define KSTACK_PROBE_POLL_MS	10
#define KSTACK_PROBE_POLLS	200	/* 2 s for the thread to reach each wait */
#define KSTACK_PROBE_IMAGE	0x400	/* > every layout's extent (checked) */

struct kstack_probe {
	KEVENT started;		/* limits recorded */
	KEVENT go_first;	/* ends the first wait */
	KEVENT go_second;	/* ends the second wait */
	struct kstack_kthread_probe self;
};

static VOID NTAPI kstack_probe_thread(PVOID arg)
{
	struct kstack_probe *p = arg;
	volatile UCHAR here = 0;
	ULONG_PTR low = 0, high = 0;
	LARGE_INTEGER timeout;

	IoGetStackLimits(&low, &high);
	p->self.stack_low = low;
	p->self.stack_high = high;
	p->self.waiter_sp = (ULONG_PTR)&here;
	KeSetEvent(&p->started, IO_NO_INCREMENT, FALSE);

	/* Bounded: the thread always ends, so DriverEntry's wait does too. */
	timeout.QuadPart = -10000LL * KSTACK_PROBE_WAIT_MS;
	KeWaitForSingleObject(&p->go_first,
			      (KWAIT_REASON)KSTACK_PROBE_REASON_FIRST,
			      KernelMode, FALSE, &timeout);
	KeWaitForSingleObject(&p->go_second,
			      (KWAIT_REASON)KSTACK_PROBE_REASON_SECOND,
			      KernelMode, FALSE, &timeout);
	(void)here;
	PsTerminateSystemThread(STATUS_SUCCESS);
}

static const struct kstack_kthread_arch *kstack_probe_arch(void)
{
	return sizeof(void *) == 8 ? &kstack_kthread_x64 : &kstack_kthread_x86;
}

/*
 * Copies the thread's KTHREAD until some layout of this architecture sees
 * it waiting with `reason` (or the polls run out: the last copy is kept
 * and the checks will say what was wrong).
 */
static void kstack_probe_snapshot(PETHREAD thread,
				  const struct kstack_probe *p,
				  ULONG reason, UCHAR *img, size_t len)
{
	const struct kstack_kthread_arch *a = kstack_probe_arch();
	LARGE_INTEGER delay;
	size_t i;
	int n;

	delay.QuadPart = -10000LL * KSTACK_PROBE_POLL_MS;
	for (n = 0; n < KSTACK_PROBE_POLLS; n++) {
		/* ETHREAD is non-paged and referenced: a plain copy is safe. */
		RtlCopyMemory(img, thread, len);
		for (i = 0; i < a->nr_builds; i++)
			if (!kstack_kthread_check_waiting(a->builds[i].layout,
							  img, len, &p->self,
							  reason))
				return;
		for (i = 0; i < a->nr_candidates; i++)
			if (!kstack_kthread_check_waiting(a->candidates[i],
							  img, len, &p->self,
							  reason))
				return;
		KeDelayExecutionThread(KernelMode, FALSE, &delay);
	}
}

static void kstack_probe_log(const struct kstack_kthread_layout *l,
			     const UCHAR *first, const UCHAR *second,
			     size_t len, const struct kstack_probe *p)
{
	struct kstack_kthread_fields a, b;

	if (kstack_kthread_read(l, first, len, &a) ||
	    kstack_kthread_read(l, second, len, &b))
		return;
	KSTACK_LOG("  %s: checks 0x%lx: StackLimit %p (limits %p..%p), "
		   "InitialStack %p, KernelStack %p/%p (waiter %p), State %lu/%lu, "
		   "WaitReason %lu/%lu (want %u/%u), ContextSwitches %lu->%lu",
		   l->name,
		   (unsigned long)kstack_kthread_check(l, first, second, len, &p->self),
		   (PVOID)(ULONG_PTR)a.stack_limit, (PVOID)(ULONG_PTR)p->self.stack_low,
		   (PVOID)(ULONG_PTR)p->self.stack_high,
		   (PVOID)(ULONG_PTR)a.initial_stack, (PVOID)(ULONG_PTR)a.kernel_stack,
		   (PVOID)(ULONG_PTR)b.kernel_stack, (PVOID)(ULONG_PTR)p->self.waiter_sp,
		   (unsigned long)a.state, (unsigned long)b.state,
		   (unsigned long)a.wait_reason, (unsigned long)b.wait_reason,
		   KSTACK_PROBE_REASON_FIRST, KSTACK_PROBE_REASON_SECOND,
		   (unsigned long)a.context_switches, (unsigned long)b.context_switches);
}

NTSTATUS kstack_kthread_probe_run(void)
{
	static UCHAR first[KSTACK_PROBE_IMAGE], second[KSTACK_PROBE_IMAGE];
	const struct kstack_kthread_arch *a = kstack_probe_arch();
	const struct kstack_kthread_layout *l;
	size_t len = kstack_kthread_arch_extent(a), i;
	struct kstack_probe *p;
	OBJECT_ATTRIBUTES attr;
	CLIENT_ID cid;
	HANDLE handle;
	PETHREAD thread = NULL;
	NTSTATUS status;

	kstack_host.kthread = NULL;
	kstack_host.kthread_checks = KSTACK_KTC_NOT_RUN;
	if (len > sizeof(first)) {	/* a table grew past the copy: say so */
		KSTACK_LOG("KTHREAD probe: layouts reach 0x%lx bytes, copy is 0x%x",
			   (unsigned long)len, KSTACK_PROBE_IMAGE);
		return STATUS_INTERNAL_ERROR;
	}
	p = ExAllocatePoolWithTag(NonPagedPool, sizeof(*p), KSTACK_POOL_TAG);
	if (!p)
		return STATUS_INSUFFICIENT_RESOURCES;
	RtlZeroMemory(p, sizeof(*p));
	KeInitializeEvent(&p->started, NotificationEvent, FALSE);
	KeInitializeEvent(&p->go_first, NotificationEvent, FALSE);
	KeInitializeEvent(&p->go_second, NotificationEvent, FALSE);

	/* A kernel handle: no user process can see or close it. */
	InitializeObjectAttributes(&attr, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
	status = PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, &attr, NULL,
				      &cid, kstack_probe_thread, p);
	if (!NT_SUCCESS(status)) {
		KSTACK_LOG("KTHREAD probe: PsCreateSystemThread failed: 0x%08lx",
			   (unsigned long)status);
		ExFreePoolWithTag(p, KSTACK_POOL_TAG);
		return status;
	}
	KeWaitForSingleObject(&p->started, Executive, KernelMode, FALSE, NULL);
	status = PsLookupThreadByThreadId(cid.UniqueThread, &thread);
	if (NT_SUCCESS(status)) {
		kstack_probe_snapshot(thread, p, KSTACK_PROBE_REASON_FIRST, first, len);
		KeSetEvent(&p->go_first, IO_NO_INCREMENT, FALSE);
		kstack_probe_snapshot(thread, p, KSTACK_PROBE_REASON_SECOND, second, len);
	}
	KeSetEvent(&p->go_first, IO_NO_INCREMENT, FALSE);
	KeSetEvent(&p->go_second, IO_NO_INCREMENT, FALSE);
	/* The thread runs our code: it must be gone before we may unload. */
	ZwWaitForSingleObject(handle, FALSE, NULL);
	ZwClose(handle);
	if (thread)
		ObDereferenceObject(thread);
	if (!NT_SUCCESS(status)) {
		KSTACK_LOG("KTHREAD probe: thread lookup failed: 0x%08lx",
			   (unsigned long)status);
		ExFreePoolWithTag(p, KSTACK_POOL_TAG);
		return status;
	}

	l = kstack_kthread_choose(a, kstack_host.os_build, first, second, len,
				  &p->self, &kstack_host.kthread_checks);
	kstack_host.kthread = l;
	KSTACK_LOG("KTHREAD probe (build %lu, %s): %s layout; stack %p..%p",
		   kstack_host.os_build, sizeof(void *) == 8 ? "x64" : "x86",
		   kstack_kthread_lookup(a, kstack_host.os_build) ?
		   "table" : "no table entry, candidate",
		   (PVOID)(ULONG_PTR)p->self.stack_low,
		   (PVOID)(ULONG_PTR)p->self.stack_high);
	if (kstack_kthread_lookup(a, kstack_host.os_build)) {
		kstack_probe_log(kstack_kthread_lookup(a, kstack_host.os_build),
				 first, second, len, p);
	} else {
		for (i = 0; i < a->nr_candidates; i++)
			kstack_probe_log(a->candidates[i], first, second, len, p);
	}
	if (l)
		KSTACK_LOG("KTHREAD layout: %s, every check held; %s", l->name,
			   l->source);
	else
		KSTACK_LOG("KTHREAD layout: none passed (checks 0x%lx): "
			   "THREAD_CONTEXT is not supported, STACK still works",
			   (unsigned long)kstack_host.kthread_checks);
	ExFreePoolWithTag(p, KSTACK_POOL_TAG);
	return STATUS_SUCCESS;
}
