// SPDX-License-Identifier: GPL-2.0
/*
 * Versioned requests: every request starts with {size, version}. A client
 * built against an older (smaller) or newer (larger) struct still works:
 * we read and write back only min(hdr.size, what we know), and require at
 * least the fields of protocol version 1.
 */
#include <linux/uaccess.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/errno.h>
#include "kstack.h"

int kstack_req_in(void *req, size_t ksize, size_t minsize,
		  const void __user *uarg)
{
	struct kstack_hdr hdr;

	if (copy_from_user(&hdr, uarg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.version != KSTACK_PROTO_VERSION || hdr.size < minsize)
		return -EINVAL;
	memset(req, 0, ksize);
	if (copy_from_user(req, uarg, min_t(size_t, hdr.size, ksize)))
		return -EFAULT;
	return 0;
}

int kstack_req_out(void __user *uarg, const void *req, size_t ksize)
{
	const struct kstack_hdr *hdr = req;

	if (copy_to_user(uarg, req, min_t(size_t, hdr->size, ksize)))
		return -EFAULT;
	return 0;
}
