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
long kstack_kernel_info(void __user *uarg);

struct task_struct;

/* ctxsw counts around one capture of a thread, and what happened */
struct kstack_capture {
	u64 nvcsw_before, nivcsw_before;
	u64 nvcsw_after, nivcsw_after;
	u32 nr_frames;
	u32 flags;		/* KSTACK_SF_* */
};

/* kstack_task.c: thread context and in-kernel unwinding */
struct task_struct *kstack_get_task(u64 tid);
void kstack_counts(struct task_struct *task, u64 *nvcsw, u64 *nivcsw);
bool kstack_ran(struct task_struct *task, struct kstack_capture *cap);
int kstack_quiet_stack(struct task_struct *task, struct kstack_capture *cap,
		       unsigned long *stack);
int kstack_unwind_task(struct task_struct *task, u64 *frames, u32 max,
		       struct kstack_capture *cap);
long kstack_thread_context(void __user *uarg);
long kstack_stack(void __user *uarg);

/* kstack_snapshot.c: many threads in one call */
long kstack_snapshot(void __user *uarg);

/* kstack_sym.c: kernel-side symbolization */
long kstack_symbolize(void __user *uarg);

#endif
