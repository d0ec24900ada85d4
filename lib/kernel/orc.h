/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tool's side of the ORC format (walk/orc_format.h): decoding with
 * errors as values, and layouts by kernel version.
 */
#ifndef KSTACK_ORC_H
#define KSTACK_ORC_H

#include "ks_error.h"
#include "walk/orc_format.h"

/*
 * Decode one raw 6-byte entry of the given layout. Returns NULL, or an error
 * naming what is impossible in that layout (bits that must be zero, a type
 * or register number that layout does not define).
 */
struct ks_error *ks_orc_decode(enum ks_orc_layout layout, const void *raw,
			       struct ks_orc *ret);

/* Layout of a kernel by its version code (KERNEL_VERSION(a,b,c)). */
enum ks_orc_layout ks_orc_layout_for_kernel(uint32_t version_code);

/* "V1 (4.14..6.2)" and so on, for messages. */
const char *ks_orc_layout_name(enum ks_orc_layout layout);

#define KS_KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))

#endif
