// SPDX-License-Identifier: GPL-2.0
/*
 * The rules follow arch/x86/kernel/unwind_orc.c of Linux 6.1 (read for the
 * semantics; this is our own code), so that a walk from the same saved
 * context yields the same frames as the kernel's unwind_next_frame().
 */
#include "walk/arch_x86_64.h"

bool ks_x86_64_initial_regs(const struct ks_stack_image *stack, uint64_t saved_sp,
			    uint32_t frame_size, uint32_t ret_off, uint32_t bp_off,
			    uint64_t ret_from_fork, struct ks_regs *ret)
{
	struct ks_regs r = { 0 };

	if (!ks_stack_read_u64(stack, saved_sp + ret_off, &r.ip) ||
	    !ks_stack_read_u64(stack, saved_sp + bp_off, &r.bp))
		return false;
	r.sp = saved_sp + frame_size;
	/* A task that never ran resumes at ret_from_fork's first instruction. */
	r.signal = ret_from_fork && r.ip == ret_from_fork;
	*ret = r;
	return true;
}

/* A register saved in this frame's pt_regs (or the previous full set). */
static bool ks_get_reg(const struct ks_stack_image *stack, const struct ks_regs *r,
		       unsigned int off, uint64_t *val)
{
	if (!r->regs)
		return false;
	if (r->full_regs)
		return ks_stack_read_u64(stack, r->regs + off, val);
	if (r->prev_regs)
		return ks_stack_read_u64(stack, r->prev_regs + off, val);
	return false;
}

static enum ks_step_result ks_reg_value(const struct ks_stack_image *stack,
					const struct ks_regs *r, unsigned int reg,
					uint64_t *val)
{
	unsigned int off;

	switch (reg) {
	case KS_ORC_REG_R10:
		off = KS_PT_REGS_R10;
		break;
	case KS_ORC_REG_R13:
		off = KS_PT_REGS_R13;
		break;
	case KS_ORC_REG_DI:
		off = KS_PT_REGS_DI;
		break;
	case KS_ORC_REG_DX:
		off = KS_PT_REGS_DX;
		break;
	default:
		return KS_STEP_BAD_ENTRY;
	}
	return ks_get_reg(stack, r, off, val) ? KS_STEP_OK : KS_STEP_MISSING_REG;
}

enum ks_step_result ks_x86_64_orc_step(const struct ks_stack_image *stack,
				       const struct ks_orc *orc, struct ks_regs *r)
{
	uint64_t sp, tmp, bp = r->bp;
	bool indirect = false;
	enum ks_step_result res;

	if (orc->type == KS_ORC_TYPE_END_OF_STACK)
		return KS_STEP_END;
	if (orc->type == KS_ORC_TYPE_UNDEFINED)
		return KS_STEP_UNDEFINED;
	if (ks_x86_64_call_step(stack, orc, r))
		return KS_STEP_OK;

	/* The caller's stack pointer (DWARF's CFA). */
	switch (orc->sp_reg) {
	case KS_ORC_REG_SP:
		sp = r->sp + orc->sp_offset;
		break;
	case KS_ORC_REG_BP:
		sp = r->bp + orc->sp_offset;
		break;
	case KS_ORC_REG_SP_INDIRECT:
		sp = r->sp;
		indirect = true;
		break;
	case KS_ORC_REG_BP_INDIRECT:
		sp = r->bp + orc->sp_offset;
		indirect = true;
		break;
	default:
		res = ks_reg_value(stack, r, orc->sp_reg, &sp);
		if (res != KS_STEP_OK)
			return res;
		break;
	}
	if (indirect) {
		if (!ks_stack_read_u64(stack, sp, &sp))
			return KS_STEP_OFF_STACK;
		if (orc->sp_reg == KS_ORC_REG_SP_INDIRECT)
			sp += orc->sp_offset;
	}

	switch (orc->type) {
	case KS_ORC_TYPE_CALL:
		if (!ks_stack_read_u64(stack, sp - 8, &r->ip))
			return KS_STEP_OFF_STACK;
		r->sp = sp;
		r->regs = 0;
		r->prev_regs = 0;
		break;
	case KS_ORC_TYPE_REGS:
		if (!ks_stack_has(stack, sp, KS_PT_REGS_SIZE) ||
		    !ks_stack_read_u64(stack, sp + KS_PT_REGS_IP, &r->ip) ||
		    !ks_stack_read_u64(stack, sp + KS_PT_REGS_SP, &r->sp))
			return KS_STEP_OFF_STACK;
		r->regs = sp;
		r->prev_regs = 0;
		r->full_regs = true;
		break;
	case KS_ORC_TYPE_REGS_PARTIAL:
		if (!ks_stack_has(stack, sp, KS_IRET_FRAME_SIZE) ||
		    !ks_stack_read_u64(stack, sp, &r->ip) ||
		    !ks_stack_read_u64(stack, sp + KS_PT_REGS_SP - KS_IRET_FRAME_OFFSET, &r->sp))
			return KS_STEP_OFF_STACK;
		if (r->full_regs)
			r->prev_regs = r->regs;
		r->regs = sp - KS_IRET_FRAME_OFFSET;
		r->full_regs = false;
		break;
	default:
		return KS_STEP_BAD_ENTRY;
	}
	/* V1 entries carry signal for REGS types (normalized at load). */
	r->signal = orc->signal;

	/* The caller's frame pointer. */
	switch (orc->bp_reg) {
	case KS_ORC_REG_UNDEFINED:
		if (ks_get_reg(stack, r, KS_PT_REGS_BP, &tmp))
			bp = tmp;
		break;
	case KS_ORC_REG_PREV_SP:
		if (!ks_stack_read_u64(stack, sp + orc->bp_offset, &bp))
			return KS_STEP_OFF_STACK;
		break;
	case KS_ORC_REG_BP:
		if (!ks_stack_read_u64(stack, r->bp + orc->bp_offset, &bp))
			return KS_STEP_OFF_STACK;
		break;
	default:
		return KS_STEP_BAD_ENTRY;
	}
	r->bp = bp;
	return KS_STEP_OK;
}

enum ks_step_result ks_x86_64_fp_step(const struct ks_stack_image *stack,
				      struct ks_regs *r)
{
	uint64_t ip, bp;

	if (!ks_stack_read_u64(stack, r->bp + 8, &ip) ||
	    !ks_stack_read_u64(stack, r->bp, &bp))
		return KS_STEP_OFF_STACK;
	r->sp = r->bp + 16;
	r->ip = ip;
	r->bp = bp;
	r->regs = 0;
	r->prev_regs = 0;
	r->signal = false;
	return KS_STEP_OK;
}

bool ks_x86_64_regs_user_mode(const struct ks_stack_image *stack, const struct ks_regs *r)
{
	uint64_t cs;

	if (!r->regs || !ks_stack_read_u64(stack, r->regs + KS_PT_REGS_CS, &cs))
		return false;
	return (cs & 3) != 0;	/* the kernel's user_mode() on x86_64 */
}
