// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "orc.h"

static uint16_t ks_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Registers the in-kernel unwinder accepts, per role (unwind_orc.c). */
static bool ks_orc_sp_reg_valid(unsigned int reg)
{
	return reg <= KS_ORC_REG_SP_INDIRECT && reg != KS_ORC_REG_PREV_SP;
}

static bool ks_orc_bp_reg_valid(unsigned int reg)
{
	return reg == KS_ORC_REG_UNDEFINED || reg == KS_ORC_REG_PREV_SP ||
	       reg == KS_ORC_REG_BP;
}

struct ks_error *ks_orc_decode(enum ks_orc_layout layout, const void *raw,
			       struct ks_orc *ret)
{
	const uint8_t *p = raw;
	uint16_t flags = ks_le16(p + 4);
	unsigned int sp_reg = flags & 0xf, bp_reg = (flags >> 4) & 0xf;
	unsigned int type, end = 0, signal = 0;

	ret->sp_offset = (int16_t)ks_le16(p);
	ret->bp_offset = (int16_t)ks_le16(p + 2);

	switch (layout) {
	case KS_ORC_LAYOUT_V1:
		if (flags & 0xf800)
			return ks_error_format(EPROTO, "ORC V1 entry has unused bits set (flags %#x)", flags);
		type = (flags >> 8) & 3;
		end = (flags >> 10) & 1;
		break;
	case KS_ORC_LAYOUT_V2:
		if (flags & 0xf000)
			return ks_error_format(EPROTO, "ORC V2 entry has unused bits set (flags %#x)", flags);
		type = (flags >> 8) & 3;
		signal = (flags >> 10) & 1;
		end = (flags >> 11) & 1;
		break;
	case KS_ORC_LAYOUT_V3:
		if (flags & 0xf000)
			return ks_error_format(EPROTO, "ORC V3 entry has unused bits set (flags %#x)", flags);
		type = (flags >> 8) & 7;
		signal = (flags >> 11) & 1;
		break;
	default:
		return ks_error_format(ENOTSUP, "unknown ORC layout %d", (int)layout);
	}

	if (layout != KS_ORC_LAYOUT_V3) {
		if (type > 2)
			return ks_error_format(EPROTO, "ORC entry type %u undefined in %s",
					       type, ks_orc_layout_name(layout));
		/* V1/V2 CALL 0, REGS 1, REGS_PARTIAL 2 -> V3 numbering */
		type += KS_ORC_TYPE_CALL;
		if (sp_reg == KS_ORC_REG_UNDEFINED)
			type = end ? KS_ORC_TYPE_END_OF_STACK : KS_ORC_TYPE_UNDEFINED;
		if (layout == KS_ORC_LAYOUT_V1)
			signal = type == KS_ORC_TYPE_REGS || type == KS_ORC_TYPE_REGS_PARTIAL;
	} else if (type > KS_ORC_TYPE_REGS_PARTIAL) {
		return ks_error_format(EPROTO, "ORC entry type %u undefined in %s",
				       type, ks_orc_layout_name(layout));
	}

	/* Entries that end or lack unwind info carry no registers to check. */
	if (type != KS_ORC_TYPE_UNDEFINED && type != KS_ORC_TYPE_END_OF_STACK) {
		if (!ks_orc_sp_reg_valid(sp_reg))
			return ks_error_format(EPROTO, "ORC entry has invalid sp_reg %u", sp_reg);
		if (!ks_orc_bp_reg_valid(bp_reg))
			return ks_error_format(EPROTO, "ORC entry has invalid bp_reg %u", bp_reg);
	}

	ret->sp_reg = (uint8_t)sp_reg;
	ret->bp_reg = (uint8_t)bp_reg;
	ret->type = (uint8_t)type;
	ret->signal = (uint8_t)signal;
	return NULL;
}

enum ks_orc_layout ks_orc_layout_for_kernel(uint32_t version_code)
{
	if (version_code < KS_KERNEL_VERSION(4, 14, 0))
		return KS_ORC_LAYOUT_UNKNOWN;
	if (version_code < KS_KERNEL_VERSION(6, 3, 0))
		return KS_ORC_LAYOUT_V1;
	if (version_code < KS_KERNEL_VERSION(6, 4, 0))
		return KS_ORC_LAYOUT_V2;
	return KS_ORC_LAYOUT_V3;
}

const char *ks_orc_layout_name(enum ks_orc_layout layout)
{
	switch (layout) {
	case KS_ORC_LAYOUT_V1:
		return "ORC V1 (Linux 4.14..6.2)";
	case KS_ORC_LAYOUT_V2:
		return "ORC V2 (Linux 6.3)";
	case KS_ORC_LAYOUT_V3:
		return "ORC V3 (Linux 6.4+)";
	default:
		return "unknown ORC layout";
	}
}
