/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Linux x86_64 ORC unwind format: raw layouts by kernel version, and the
 * one normalized in-memory entry everything after loading works with.
 * Shared by kstack.ko and the tool (walk/: compiled into both).
 *
 * The raw entry is always 6 bytes, {s16 sp_offset, s16 bp_offset, u16 flags},
 * little endian. Only the flags' bit layout changed (numbering ours, the
 * same as in the protocol header's KSTACK_ORC_*):
 *
 *  V1 (v4.14 .. v6.2, commit ee9f8fce9964 "x86/unwind: Add the ORC unwinder"):
 *      bits 0-3 sp_reg, 4-7 bp_reg, 8-9 type (CALL 0, REGS 1, REGS_PARTIAL 2),
 *      10 end; 11-15 unused (zero).
 *  V2 (v6.3, commit ffb1b4a41016 "x86/unwind/orc: Add 'signal' field"):
 *      bits 0-3 sp_reg, 4-7 bp_reg, 8-9 type, 10 signal, 11 end.
 *  V3 (v6.4+, commit fb799447ae29 "x86,objtool: Split UNWIND_HINT_EMPTY in
 *      two"): bits 0-3 sp_reg, 4-7 bp_reg, 8-10 type (UNDEFINED 0,
 *      END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4), 11 signal.
 *
 * Normalization (done once, at load): types take the V3 numbering; in V1/V2
 * "sp_reg == UNDEFINED" means END_OF_STACK when end is set and UNDEFINED
 * (no unwind info: a "weak" section terminator) when not. In V1 the signal
 * flag did not exist: the in-kernel unwinder treated the frame after a REGS
 * or REGS_PARTIAL frame as a signal frame, which is what signal=1 on those
 * types means in V2/V3, so we set it from the type.
 */
#ifndef KSTACK_WALK_ORC_FORMAT_H
#define KSTACK_WALK_ORC_FORMAT_H

#ifdef __KERNEL__		/* kstack.ko decodes its kernel's entries with this too */
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#endif

/* Raw layouts; values match KSTACK_ORC_* in kstack_ioctl.h. */
enum ks_orc_layout {
	KS_ORC_LAYOUT_UNKNOWN = 0,
	KS_ORC_LAYOUT_V1 = 1,
	KS_ORC_LAYOUT_V2 = 2,
	KS_ORC_LAYOUT_V3 = 3,
};

#define KS_ORC_RAW_SIZE 6	/* bytes of one raw entry, every version */

/* ORC base registers (arch/x86/include/asm/orc_types.h, unchanged so far) */
enum ks_orc_reg {
	KS_ORC_REG_UNDEFINED = 0,
	KS_ORC_REG_PREV_SP = 1,
	KS_ORC_REG_DX = 2,
	KS_ORC_REG_DI = 3,
	KS_ORC_REG_BP = 4,
	KS_ORC_REG_SP = 5,
	KS_ORC_REG_R10 = 6,
	KS_ORC_REG_R13 = 7,
	KS_ORC_REG_BP_INDIRECT = 8,
	KS_ORC_REG_SP_INDIRECT = 9,
};

/* Normalized types: the V3 numbering. */
enum ks_orc_type {
	KS_ORC_TYPE_UNDEFINED = 0,
	KS_ORC_TYPE_END_OF_STACK = 1,
	KS_ORC_TYPE_CALL = 2,
	KS_ORC_TYPE_REGS = 3,
	KS_ORC_TYPE_REGS_PARTIAL = 4,
};

/* The normalized entry: 8 bytes, naturally aligned. */
struct ks_orc {
	int16_t sp_offset;
	int16_t bp_offset;
	uint8_t sp_reg;		/* enum ks_orc_reg */
	uint8_t bp_reg;		/* enum ks_orc_reg */
	uint8_t type;		/* enum ks_orc_type */
	uint8_t signal;		/* next lookup uses ip, not ip - 1 */
};

/* Why a raw entry is impossible in its layout. */
enum ks_orc_bad {
	KS_ORC_GOOD = 0,
	KS_ORC_BAD_LAYOUT,	/* not a layout we know */
	KS_ORC_BAD_BITS,	/* bits that must be zero are set */
	KS_ORC_BAD_TYPE,	/* ret->type: the raw type number */
	KS_ORC_BAD_SP_REG,	/* ret->sp_reg */
	KS_ORC_BAD_BP_REG,	/* ret->bp_reg */
};

/* Registers the in-kernel unwinder accepts, per role (unwind_orc.c). */
static inline bool ks_orc_sp_reg_valid(unsigned int reg)
{
	return reg <= KS_ORC_REG_SP_INDIRECT && reg != KS_ORC_REG_PREV_SP;
}

static inline bool ks_orc_bp_reg_valid(unsigned int reg)
{
	return reg == KS_ORC_REG_UNDEFINED || reg == KS_ORC_REG_PREV_SP ||
	       reg == KS_ORC_REG_BP;
}

/*
 * Decode one raw 6-byte entry of the given layout into *ret, without
 * allocating (kstack.ko decodes its running kernel's entries with the same
 * rules). On failure *ret holds the offending field, raw.
 */
static inline enum ks_orc_bad ks_orc_decode_raw(enum ks_orc_layout layout, const uint8_t *p,
						struct ks_orc *ret)
{
	uint16_t flags = (uint16_t)(p[4] | p[5] << 8);
	unsigned int sp_reg = flags & 0xf, bp_reg = (flags >> 4) & 0xf;
	unsigned int type, end = 0, signal = 0;

	ret->sp_offset = (int16_t)(p[0] | p[1] << 8);
	ret->bp_offset = (int16_t)(p[2] | p[3] << 8);
	ret->sp_reg = (uint8_t)sp_reg;
	ret->bp_reg = (uint8_t)bp_reg;
	switch (layout) {
	case KS_ORC_LAYOUT_V1:
		if (flags & 0xf800)
			return KS_ORC_BAD_BITS;
		type = (flags >> 8) & 3;
		end = (flags >> 10) & 1;
		break;
	case KS_ORC_LAYOUT_V2:
		if (flags & 0xf000)
			return KS_ORC_BAD_BITS;
		type = (flags >> 8) & 3;
		signal = (flags >> 10) & 1;
		end = (flags >> 11) & 1;
		break;
	case KS_ORC_LAYOUT_V3:
		if (flags & 0xf000)
			return KS_ORC_BAD_BITS;
		type = (flags >> 8) & 7;
		signal = (flags >> 11) & 1;
		break;
	default:
		return KS_ORC_BAD_LAYOUT;
	}
	ret->type = (uint8_t)type;
	if (layout != KS_ORC_LAYOUT_V3) {
		if (type > 2)
			return KS_ORC_BAD_TYPE;
		/* V1/V2 CALL 0, REGS 1, REGS_PARTIAL 2 -> V3 numbering */
		type += KS_ORC_TYPE_CALL;
		if (sp_reg == KS_ORC_REG_UNDEFINED)
			type = end ? KS_ORC_TYPE_END_OF_STACK : KS_ORC_TYPE_UNDEFINED;
		if (layout == KS_ORC_LAYOUT_V1)
			signal = type == KS_ORC_TYPE_REGS || type == KS_ORC_TYPE_REGS_PARTIAL;
	} else if (type > KS_ORC_TYPE_REGS_PARTIAL) {
		return KS_ORC_BAD_TYPE;
	}
	ret->type = (uint8_t)type;
	ret->signal = (uint8_t)signal;
	/* Entries that end or lack unwind info carry no registers to check. */
	if (type != KS_ORC_TYPE_UNDEFINED && type != KS_ORC_TYPE_END_OF_STACK) {
		if (!ks_orc_sp_reg_valid(sp_reg))
			return KS_ORC_BAD_SP_REG;
		if (!ks_orc_bp_reg_valid(bp_reg))
			return KS_ORC_BAD_BP_REG;
	}
	return KS_ORC_GOOD;
}

#endif
