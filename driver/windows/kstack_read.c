// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * READ_MEMORY: copy kernel memory for the user-mode stack walker.
 *
 *  - every length is validated before the buffer is touched, and a short
 *    output buffer is an error, not a silently shorter read: a walker
 *    that got fewer bytes than it asked for would unwind from garbage;
 *  - user-mode addresses (below MmSystemRangeStart) are refused: the ioctl
 *    runs in the caller's context, so they would read (or fault on) the
 *    caller's own pageable memory; ranges that wrap are refused too;
 *  - MmCopyMemory (Windows 8.1+, resolved at run time) copies with fault
 *    handling, so an unmapped page is an error, not a bugcheck;
 *  - without it, every page of the range is checked with MmIsAddressValid,
 *    since a range valid at both ends can have a hole in the middle. The
 *    check and the copy still race (a page can go away between them), so
 *    this fallback is meant for the stacks of threads that are not
 *    running, which nothing unmaps under us.
 */
#include "kstack_drv.h"

#define KSTACK_PAGE_MASK ((ULONG_PTR)PAGE_SIZE - 1)

static BOOLEAN kstack_range_is_kernel(ULONG_PTR first, ULONG_PTR last)
{
	if (kstack_host.wine) {
		/*
		 * Wine has no kernel address space: everything is memory of the
		 * winedevice.exe process. Serve only our own self-test buffer,
		 * so the read path can be tested and nothing else is exposed.
		 */
		ULONG_PTR lo = (ULONG_PTR)kstack_self_test;
		ULONG_PTR hi = lo + KSTACK_SELF_TEST_LEN - 1;

		return first >= lo && last <= hi;
	}
	return first >= kstack_host.system_range_start;
}

static NTSTATUS kstack_copy_page_checked(void *dst, ULONG_PTR src, ULONG len)
{
	ULONG_PTR page = src & ~KSTACK_PAGE_MASK;
	ULONG_PTR last_page = (src + len - 1) & ~KSTACK_PAGE_MASK;

	/* Stops at last_page, so page never steps past the top of memory. */
	for (;;) {
		if (!MmIsAddressValid((PVOID)page))
			return STATUS_ACCESS_VIOLATION;
		if (page == last_page)
			break;
		page += PAGE_SIZE;
	}
	RtlCopyMemory(dst, (const void *)src, len);
	return STATUS_SUCCESS;
}

NTSTATUS kstack_copy_kernel(void *dst, ULONG_PTR src, ULONG len)
{
	kstack_mm_copy_address from;
	SIZE_T copied = 0;
	NTSTATUS status;

	if (!kstack_host.mm_copy_memory)
		return kstack_copy_page_checked(dst, src, len);
	from.u.PhysicalAddress.QuadPart = 0;
	from.u.VirtualAddress = (PVOID)src;
	status = kstack_host.mm_copy_memory(dst, from, len,
					    KSTACK_MM_COPY_MEMORY_VIRTUAL,
					    &copied);
	/* All or nothing: a partial copy is reported as the fault it hit. */
	if (!NT_SUCCESS(status) || copied != len)
		return STATUS_ACCESS_VIOLATION;
	return STATUS_SUCCESS;
}

NTSTATUS kstack_ioctl_read_memory(void *buf, ULONG in_len, ULONG out_len,
				  ULONG_PTR *info)
{
	struct kstack_read_memory req;
	kstack_u64 last;
	NTSTATUS status;

	status = kstack_get_request(buf, in_len, &req, sizeof(req));
	if (!NT_SUCCESS(status))
		return status;
	if (req.length == 0 || req.length > KSTACK_READ_MAX)
		return STATUS_INVALID_PARAMETER;
	if (out_len < req.length)
		return STATUS_BUFFER_TOO_SMALL;
	last = req.address + req.length - 1;
	/* Wraps past 2^64, or (x86) does not fit a pointer at all. */
	if (last < req.address || last > (kstack_u64)MAXULONG_PTR)
		return STATUS_INTEGER_OVERFLOW;
	if (!kstack_range_is_kernel((ULONG_PTR)req.address, (ULONG_PTR)last))
		return STATUS_ACCESS_VIOLATION;

	/* The request is in `req` now: the shared buffer may be overwritten. */
	status = kstack_copy_kernel(buf, (ULONG_PTR)req.address, req.length);
	if (!NT_SUCCESS(status))
		return status;
	*info = req.length;
	return STATUS_SUCCESS;
}
