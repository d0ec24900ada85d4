/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_64 knowledge of the walker: the registers it tracks, struct pt_regs
 * and struct inactive_task_frame offsets, and how one ORC entry turns a
 * frame's registers into its caller's. No loop, no fallbacks: the tool's
 * lib/kernel/unwind.c and kstack.ko's kstack_walk.c each have theirs.
 * Addresses are the target kernel's, offsets bytes (the kernel's own
 * struct layouts, named below); every stack read goes through
 * ks_stack_read_u64(), and a step that cannot be taken says why (enum
 * ks_step_result, or false).
 * Shared by kstack.ko and the tool (walk/: compiled into both).
 */
#ifndef KSTACK_WALK_ARCH_X86_64_H
#define KSTACK_WALK_ARCH_X86_64_H

#ifndef __KERNEL__
#include <stdbool.h>
#include <stdint.h>
#endif

#include "walk/orc_format.h"
#include "walk/stack_image.h"

/* struct pt_regs (arch/x86/include/asm/ptrace.h, unchanged since 4.x) */
#define KS_PT_REGS_R13		16
#define KS_PT_REGS_BP		32
#define KS_PT_REGS_R10		56
#define KS_PT_REGS_DX		96
#define KS_PT_REGS_DI		112
#define KS_PT_REGS_IP		128
#define KS_PT_REGS_CS		136
#define KS_PT_REGS_SP		152
#define KS_PT_REGS_SIZE		168
/* A REGS_PARTIAL frame points at the hardware iret frame: ip, cs, flags, sp, ss. */
#define KS_IRET_FRAME_OFFSET	KS_PT_REGS_IP
#define KS_IRET_FRAME_SIZE	(KS_PT_REGS_SIZE - KS_PT_REGS_IP)

/* Unwind state for one frame (cf. struct unwind_state in asm/unwind.h). */
struct ks_regs {
	uint64_t ip, sp, bp;
	uint64_t regs;		/* address of this frame's pt_regs, 0 if none */
	uint64_t prev_regs;	/* earlier full pt_regs, for partial frames */
	bool full_regs;
	bool signal;		/* ip is exact, not a return address */
};

/* Why a step failed. */
enum ks_step_result {
	KS_STEP_OK = 0,
	KS_STEP_END,		/* ORC END_OF_STACK */
	KS_STEP_UNDEFINED,	/* ORC has no unwind info here */
	KS_STEP_MISSING_REG,	/* entry uses a register we do not have */
	KS_STEP_OFF_STACK,	/* a read fell outside the thread's stack */
	KS_STEP_BAD_ENTRY,	/* register/type the format does not define */
};

/*
 * Initial registers of a sleeping thread from its saved frame at thread.sp
 * (struct inactive_task_frame: bp at bp_off, return address at ret_off,
 * frame_size bytes), as __unwind_start() does for a task that is not
 * current. ret_from_fork (0 if unknown): a never-run task's resume address,
 * whose ORC entry applies at the address itself.
 */
bool ks_x86_64_initial_regs(const struct ks_stack_image *stack, uint64_t saved_sp,
			    uint32_t frame_size, uint32_t ret_off, uint32_t bp_off,
			    uint64_t ret_from_fork, struct ks_regs *ret);

/*
 * The step nearly every frame takes: a call frame whose CFA is sp or bp
 * plus an offset and whose bp is kept or saved at a fixed place. Inline
 * so that kstack.ko's fast walk pays no call for it; ks_x86_64_orc_step()
 * takes it first too, so there is one rule. False, registers untouched:
 * not that case, or a read outside the stack (the general step decides).
 */
static inline bool ks_x86_64_call_step(const struct ks_stack_image *stack,
				       const struct ks_orc *orc, struct ks_regs *r)
{
	uint64_t cfa, ip, bp = r->bp;

	if (orc->type != KS_ORC_TYPE_CALL)
		return false;
	if (orc->sp_reg == KS_ORC_REG_SP)
		cfa = r->sp + orc->sp_offset;
	else if (orc->sp_reg == KS_ORC_REG_BP)
		cfa = r->bp + orc->sp_offset;
	else
		return false;
	if (!ks_stack_read_u64(stack, cfa - 8, &ip))
		return false;
	/* UNDEFINED keeps bp: a call frame has no registers to take it from */
	if (orc->bp_reg == KS_ORC_REG_PREV_SP) {
		if (!ks_stack_read_u64(stack, cfa + orc->bp_offset, &bp))
			return false;
	} else if (orc->bp_reg != KS_ORC_REG_UNDEFINED) {
		return false;
	}
	r->ip = ip;
	r->sp = cfa;
	r->bp = bp;
	r->regs = 0;
	r->prev_regs = 0;
	r->signal = orc->signal;
	return true;
}

/* Apply one ORC entry: regs (callee) -> caller's registers, in place. */
enum ks_step_result ks_x86_64_orc_step(const struct ks_stack_image *stack,
				       const struct ks_orc *orc, struct ks_regs *regs);

/*
 * The frame-pointer rule the kernel falls back to without ORC data:
 * caller sp = bp + 16, ip = [bp + 8], bp = [bp].
 */
enum ks_step_result ks_x86_64_fp_step(const struct ks_stack_image *stack,
				      struct ks_regs *regs);

/* Does this frame's pt_regs say the CPU was in user mode (cs RPL 3)? */
bool ks_x86_64_regs_user_mode(const struct ks_stack_image *stack, const struct ks_regs *regs);

#endif
