/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of kstack.ko. */
#ifndef KSTACK_INTERNAL_H
#define KSTACK_INTERNAL_H

#include <linux/types.h>
#include <kstack/kstack_ioctl.h>

/* kstack_req.c: versioned request copy in / out */
int kstack_req_in(void *req, size_t ksize, size_t minsize,
		  const void __user *uarg);
int kstack_req_out(void __user *uarg, const void *req, size_t ksize);

/* kstack_mem.c: which kernel ranges READ_MEMORY may touch */
int kstack_mem_init(void);
u32 kstack_mem_caps(void);
long kstack_read_memory(void __user *uarg);

/* kstack_task.c: thread context and in-kernel unwinding */
long kstack_thread_context(void __user *uarg);
long kstack_stack(void __user *uarg);

#endif
