// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>

#include "orc.h"

struct ks_error *ks_orc_decode(enum ks_orc_layout layout, const void *raw,
			       struct ks_orc *ret)
{
	const uint8_t *p = raw;
	unsigned int flags = (unsigned int)(p[4] | p[5] << 8);

	switch (ks_orc_decode_raw(layout, p, ret)) {
	case KS_ORC_GOOD:
		return NULL;
	case KS_ORC_BAD_BITS:
		return ks_error_format(EPROTO, "%s entry has unused bits set (flags %#x)",
				       layout == KS_ORC_LAYOUT_V1 ? "ORC V1" :
				       layout == KS_ORC_LAYOUT_V2 ? "ORC V2" : "ORC V3", flags);
	case KS_ORC_BAD_TYPE:
		return ks_error_format(EPROTO, "ORC entry type %u undefined in %s",
				       ret->type, ks_orc_layout_name(layout));
	case KS_ORC_BAD_SP_REG:
		return ks_error_format(EPROTO, "ORC entry has invalid sp_reg %u", ret->sp_reg);
	case KS_ORC_BAD_BP_REG:
		return ks_error_format(EPROTO, "ORC entry has invalid bp_reg %u", ret->bp_reg);
	default:
		return ks_error_format(ENOTSUP, "unknown ORC layout %d", (int)layout);
	}
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
