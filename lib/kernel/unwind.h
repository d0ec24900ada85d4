/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The walk: from a sleeping thread's saved context, through call frames and
 * pt_regs entry frames, up to the user-mode boundary. Arch rules live in
 * arch_x86_64.c, table lookup in orc_table.c; memory comes from a callback,
 * so tests can walk a recorded stack image.
 *
 * Fallbacks are marked: where ORC has no entry the kernel's frame-pointer
 * rule is tried (frames marked unreliable, as the kernel marks its own walk
 * unreliable there); if the frame pointer is unusable the rest of the stack
 * is scanned for kernel text addresses (KS_HOW_SCAN, unreliable, as oops
 * traces print "? "). A walk never reports a guess as certain.
 */
#ifndef KSTACK_UNWIND_H
#define KSTACK_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "ks_error.h"
#include "orc_table.h"

#define KS_WALK_DEFAULT_MAX 128

/* Read len bytes of kernel memory at addr. */
typedef struct ks_error *ks_read_fn(void *ctx, uint64_t addr, void *buf, size_t len);
/* Is addr inside kernel code (vmlinux or module text)? */
typedef bool ks_is_text_fn(void *ctx, uint64_t addr);

/* Where a frame came from. */
enum ks_frame_how {
	KS_HOW_TASK,	/* the saved task frame's return address */
	KS_HOW_ORC,	/* ORC call frame */
	KS_HOW_REGS,	/* pt_regs of an interrupt/exception (exact ip) */
	KS_HOW_FP,	/* frame-pointer fallback: unreliable */
	KS_HOW_SCAN,	/* stack scan: unreliable, may be stale */
};

struct ks_frame {
	uint64_t ip;
	uint64_t sp;		/* the frame's stack pointer (caller's CFA) */
	uint8_t how;		/* enum ks_frame_how */
	bool reliable;
	bool exact;		/* ip is an interrupted instruction, not a return address */
};

enum ks_walk_stop {
	KS_STOP_END_OF_STACK,	/* ORC end of stack (kernel thread's base) */
	KS_STOP_USER,		/* reached the user-mode pt_regs: user_ip/sp valid */
	KS_STOP_MAX_FRAMES,	/* frame limit: truncated */
	KS_STOP_LOOP,		/* stack pointer did not move up */
	KS_STOP_OFF_STACK,	/* next frame lies outside the thread's stack */
	KS_STOP_NO_ORC,		/* ORC says there is no unwind info here */
	KS_STOP_BAD_ORC,	/* entry uses a register/type we cannot follow */
	KS_STOP_NOT_TEXT,	/* next ip is not kernel code */
	KS_STOP_SCANNED,	/* fell back to a stack scan, which ran to the top */
	KS_STOP_UNRELIABLE,	/* the driver's walk (SNAPSHOT frames) ended early */
};

struct ks_walk_config {
	ks_read_fn *read;
	ks_is_text_fn *is_text;	/* NULL: "covered by an ORC table" */
	/*
	 * Code is_text does not know that the kernel's unwinder still walks
	 * (BPF programs and trampolines, ftrace and kprobe trampolines: no
	 * ORC data, stepped with the frame pointer). Asked only for a return
	 * address a step found, never for a stack scan's words. NULL: none.
	 */
	ks_is_text_fn *is_generated;
	void *ctx;
	const struct ks_orc_set *orc;
	uint32_t max_frames;	/* 0: KS_WALK_DEFAULT_MAX */
	uint64_t ret_from_fork;	/* 0 if unknown */
	/* saved task frame layout (kstack_version.task_frame_*) */
	uint32_t frame_size, frame_ret_off, frame_bp_off;
};

/* The thread: its stack and saved stack pointer (kstack_thread_context). */
struct ks_walk_thread {
	uint64_t stack_base, stack_size;
	uint64_t saved_sp;
	/*
	 * Return addresses tracing replaced on this stack (function_graph,
	 * kretprobes), from the driver's RAW record: the walk reads ret where
	 * the stack holds a trampoline's address at slot, as the kernel's
	 * unwinder does. Slots outside the stack are ignored.
	 */
	const struct kstack_ret_fixup *fixups;
	size_t nr_fixups;
};

struct ks_walk_result {
	struct ks_frame *frames;	/* nr entries, owned by the result */
	size_t nr;
	enum ks_walk_stop stop;
	bool reliable;		/* every frame from ORC; stopped at a real end */
	uint64_t user_ip, user_sp;	/* with KS_STOP_USER */
	uint64_t stop_ip;	/* ip whose unwinding failed, for messages */
};

/* Is the stack whole: did its walk end where the stack ends (user mode, a kernel thread's end)? */
static inline bool ks_walk_whole(const struct ks_walk_result *w)
{
	return w->stop == KS_STOP_USER || w->stop == KS_STOP_END_OF_STACK;
}

/*
 * Walk one thread. Reads the stack [saved_sp, base + size) with one call to
 * cfg->read. Errors (bad arguments, the read failing) come back as values;
 * a walk that stops early is not an error: see result->stop.
 */
struct ks_error *ks_walk(const struct ks_walk_config *cfg, const struct ks_walk_thread *thread,
			 struct ks_walk_result *result);

/* Same, over a stack already in memory (data covers [saved_sp, top)). */
struct ks_error *ks_walk_image(const struct ks_walk_config *cfg,
			       const struct ks_walk_thread *thread, const void *data,
			       struct ks_walk_result *result);

void ks_walk_result_fini(struct ks_walk_result *result);

const char *ks_walk_stop_name(enum ks_walk_stop stop);

#endif
