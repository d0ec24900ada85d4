/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --verify: one thread walked three ways from one quiet moment (its
 * context-switch counts unchanged throughout): our user-space walk, the
 * driver's STACK (the kernel's own unwinder), and /proc/PID/task/TID/stack
 * (the same unwinder, minus scheduler functions, at most 64 frames).
 */
#ifndef KSTACK_VERIFY_H
#define KSTACK_VERIFY_H

#include "session.h"

/* /proc/PID/stack's depth limit (MAX_STACK_TRACE_DEPTH in fs/proc/base.c) */
#define KS_PROC_STACK_MAX 64

struct ks_verify {
	struct kstack_thread_context ctx;
	struct ks_walk_result walk;
	uint64_t kernel[KSTACK_FRAMES_MAX];	/* STACK ioctl frames */
	uint32_t nkernel;
	uint32_t kernel_flags;			/* KSTACK_SF_* */
	char **proc;				/* /proc lines without "[<0>] " */
	size_t nproc;
	/*
	 * walk.frames[i] as /proc names it, formed by the kernel (the
	 * driver's SYMBOLIZE: sprint_symbol(), a return address at addr - 1),
	 * escaped; NULL where the driver cannot name (then kallsyms: ksyms.h)
	 */
	char **proc_names;
	/* results */
	bool eq_kernel;		/* our frames == STACK frames, frame for frame */
	bool eq_proc;		/* our frames, scheduler dropped, == /proc */
	size_t kernel_diff;	/* first differing index when !eq_kernel */
	size_t proc_diff;
};

/*
 * Walk tid three ways; retried while the thread runs in between. Errors:
 * EBUSY running, ESRCH gone, EAGAIN kept running, others are real failures.
 */
struct ks_error *ks_verify_thread(struct ks_session *s, uint64_t tgid, uint64_t tid,
				  struct ks_verify *v);

void ks_verify_fini(struct ks_verify *v);

/* Read /proc/TGID/task/TID/stack (path prefix proc, NULL: /proc). */
struct ks_error *ks_proc_stack_read(const char *proc, uint64_t tgid, uint64_t tid,
				    char ***lines_ret, size_t *n_ret);

/*
 * Was w cut at the caller's frame limit (-n)? Then it is compared with
 * the kernel's unwinder and /proc over the frames it has: both may go on
 * past its last frame.
 */
bool ks_verify_cut_by_limit(const struct ks_walk_result *w);

/* Comparisons, exposed for unit tests. Return true if equal (for a walk
 * cut at the frame limit: its frames are the other side's first ones);
 * *diff_ret is the first index that differs. */
bool ks_verify_cmp_kernel(const struct ks_walk_result *w, const uint64_t *k, size_t nk,
			  size_t *diff_ret);
bool ks_verify_cmp_proc(const struct ks_ksyms *ks, const struct ks_walk_result *w,
			char *const *proc, size_t nproc, size_t *diff_ret);
/*
 * The same with w's frames named as /proc names them (names[i] for
 * w->frames[i], ks_verify.proc_names); ks tells the scheduler functions
 * /proc leaves out. Names must equal /proc's lines exactly.
 */
bool ks_verify_cmp_proc_names(const struct ks_ksyms *ks, const struct ks_walk_result *w,
			      char *const *names, char *const *proc, size_t nproc,
			      size_t *diff_ret);

/*
 * w's frames named as the kernel names them in /proc/PID/stack (%pB):
 * SYMBOLIZE's "name+0xoff/0xsize [module]" for return addresses, "0x..."
 * where no symbol covers one, escaped (escape.h). kallsyms cannot tell
 * the size of a BPF program or trampoline (the distance to the next
 * symbol in [bpf] is not it) and lists ftrace and kprobe trampolines
 * the kernel's lookup by address does not name; the kernel's own
 * lookup gets both right. *names_ret: w->nr strings (malloc'd, free
 * each and the array). ENOTSUP: the driver has no SYMBOLIZE.
 */
struct ks_error *ks_verify_name_as_proc(struct ks_driver *drv, const struct ks_walk_result *w,
					char ***names_ret);

#endif
