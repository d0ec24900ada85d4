// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Reading a request out of the METHOD_BUFFERED system buffer, the same way
 * for every ioctl: length of the header first, then the header, then the
 * v1 body. The caller copies the request into a local before it writes
 * anything, because input and output share the one buffer.
 */
#include "kstack_drv.h"

NTSTATUS kstack_get_request(const void *buf, ULONG in_len, void *req,
			    ULONG v1_size)
{
	struct kstack_hdr hdr;

	/* With both lengths 0 the I/O manager passes no buffer at all. */
	if (!buf || in_len < sizeof(hdr))
		return STATUS_INVALID_PARAMETER;
	RtlCopyMemory(&hdr, buf, sizeof(hdr));
	/* A newer, larger request is fine; we read only its v1 part. */
	if (hdr.size < v1_size || hdr.size > in_len)
		return STATUS_INVALID_PARAMETER;
	if (hdr.version != KSTACK_PROTO_VERSION)
		return STATUS_REVISION_MISMATCH;
	RtlCopyMemory(req, buf, v1_size);
	return STATUS_SUCCESS;
}
