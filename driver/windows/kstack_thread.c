// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * THREAD_CONTEXT: the saved kernel stack pointer, frame pointer and return
 * address of a thread that is switched out, read from its KTHREAD through
 * the KTHREAD layout chosen and checked at load (kstack_kthread_probe.c,
 * offsets and their sources in kstack_kthread_layouts.c): KTHREAD is
 * undocumented and changes between builds, so offsets are used only once
 * a thread the driver runs itself has shown them right.
 *
 * Order of checks: request → output size → thread id (lookup) → host
 * support → thread state. A bogus id is therefore reported as such even
 * on a host where the call itself is not supported.
 */
#include "kstack_drv.h"
#include "kstack_kthread.h"

#define KSTACK_FIELD(obj, off, type) (*(const type *)((const UCHAR *)(obj) + (off)))

void kstack_thread_frame_info(struct kstack_version *v)
{
	const struct kstack_kthread_layout *l = kstack_host.kthread;

	if (!l)
		return;
	v->task_frame_size = l->frame_size;
	v->task_frame_ret_off = l->frame_ret == KSTACK_NO_OFFSET ? 0 : l->frame_ret;
	v->task_frame_bp_off = l->frame_bp == KSTACK_NO_OFFSET ? 0 : l->frame_bp;
}

NTSTATUS kstack_lookup_thread(kstack_u64 tid, PETHREAD *thread)
{
	if (tid == 0 || tid > (kstack_u64)MAXULONG_PTR)
		return STATUS_INVALID_CID;
	/* Any failure means "no such thread" to the caller. */
	if (!NT_SUCCESS(PsLookupThreadByThreadId((HANDLE)(ULONG_PTR)tid, thread)))
		return STATUS_INVALID_CID;
	return STATUS_SUCCESS;
}

/*
 * By id, through exported calls: mingw's inline PsGetCurrentThread reads
 * gs:[0x188] / fs:[0x124], which gcc 12 flags as an out-of-bounds access
 * (-Warray-bounds), and which means nothing on Wine.
 */
BOOLEAN kstack_is_current_thread(PETHREAD thread)
{
	return PsGetThreadId(thread) == PsGetCurrentThreadId();
}

static NTSTATUS kstack_read_saved_frame(PETHREAD thread,
					const struct kstack_kthread_layout *l,
					struct kstack_thread_context *tc)
{
	ULONG_PTR top = KSTACK_FIELD(thread, l->initial_stack, ULONG_PTR);
	ULONG_PTR low = KSTACK_FIELD(thread, l->stack_limit, ULONG_PTR);
	ULONG_PTR sp = KSTACK_FIELD(thread, l->kernel_stack, ULONG_PTR);
	ULONG_PTR frame[8];
	NTSTATUS status;

	tc->state = KSTACK_FIELD(thread, l->state, UCHAR);
	tc->wait_reason = KSTACK_FIELD(thread, l->wait_reason, UCHAR);
	/* Windows counts all switches in one number: report it as voluntary. */
	tc->nvcsw = KSTACK_FIELD(thread, l->context_switches, ULONG);
	tc->stack_base = low;
	tc->stack_size = top > low ? top - low : 0;
	if (tc->state != KSTACK_THREAD_STATE_WAITING)
		return STATUS_DEVICE_BUSY;	/* running or ready: no stable frame */
	/* A saved sp outside the thread's own stack means the layout is wrong. */
	if (sp < low || sp > top || top - sp < l->frame_size ||
	    l->frame_size > sizeof(frame)) {
		KSTACK_LOG("THREAD_CONTEXT: sp %p outside stack %p..%p (%s)",
			   (PVOID)sp, (PVOID)low, (PVOID)top, l->name);
		return STATUS_INTERNAL_ERROR;
	}
	tc->sp = sp;
	if (!l->frame_size)
		return STATUS_SUCCESS;	/* frame layout not sourced: sp only */
	/* The stack may be paged out (KernelStackResident == 0): copy safely. */
	status = kstack_copy_kernel(frame, sp, l->frame_size);
	if (!NT_SUCCESS(status))
		return status;
	if (l->frame_ret != KSTACK_NO_OFFSET)
		tc->ip = *(const ULONG_PTR *)((const UCHAR *)frame + l->frame_ret);
	if (l->frame_bp != KSTACK_NO_OFFSET)
		tc->fp = *(const ULONG_PTR *)((const UCHAR *)frame + l->frame_bp);
	return STATUS_SUCCESS;
}

/* The process image name, at most 15 characters (EPROCESS.ImageFileName). */
static void kstack_thread_comm(PETHREAD thread, char *comm, ULONG cap)
{
	PEPROCESS process;
	const char *name;
	ULONG i;

	RtlZeroMemory(comm, cap);
	if (!kstack_host.ps_get_thread_process ||
	    !kstack_host.ps_get_process_image_file_name)
		return;
	process = kstack_host.ps_get_thread_process(thread);
	name = process ? kstack_host.ps_get_process_image_file_name(process) : NULL;
	for (i = 0; name && name[i] && i + 1 < cap; i++)
		comm[i] = name[i];
}

NTSTATUS kstack_ioctl_thread_context(void *buf, ULONG in_len, ULONG out_len,
				     ULONG_PTR *info)
{
	struct kstack_thread_context tc;
	const struct kstack_kthread_layout *l = kstack_host.kthread;
	PETHREAD thread;
	NTSTATUS status;

	status = kstack_get_request(buf, in_len, &tc, sizeof(tc));
	if (!NT_SUCCESS(status))
		return status;
	if (out_len < sizeof(tc))
		return STATUS_BUFFER_TOO_SMALL;
	status = kstack_lookup_thread(tc.tid, &thread);
	if (!NT_SUCCESS(status))
		return status;

	if (kstack_host.wine || !l) {
		KSTACK_LOG("THREAD_CONTEXT: no KTHREAD layout for %s build %lu "
			   "(load-time checks 0x%lx failed; see the load log)",
			   kstack_host.wine ? "Wine" : "Windows",
			   kstack_host.os_build,
			   (unsigned long)kstack_host.kthread_checks);
		status = STATUS_NOT_SUPPORTED;
		goto out;
	}
	if (kstack_is_current_thread(thread)) {
		status = STATUS_DEVICE_BUSY;	/* we are running it right now */
		goto out;
	}

	tc.hdr.size = sizeof(tc);
	tc.sp = tc.fp = tc.ip = 0;
	tc.tgid = (ULONG_PTR)PsGetThreadProcessId(thread);
	tc.nvcsw = tc.nivcsw = 0;
	tc.flags = PsIsSystemThread(thread) ? KSTACK_TF_KTHREAD : 0;
	tc.reserved = 0;
	kstack_thread_comm(thread, tc.comm, sizeof(tc.comm));
	status = kstack_read_saved_frame(thread, l, &tc);
	if (NT_SUCCESS(status)) {
		RtlCopyMemory(buf, &tc, sizeof(tc));
		*info = sizeof(tc);
	}
out:
	ObDereferenceObject(thread);
	return status;
}
