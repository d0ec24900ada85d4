/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlinux's ORC table read on demand. Reading and decoding all of it (384k
 * entries on Debian's 6.1) costs a tool ~200 ms under TCG before the first
 * frame; a stack walk touches a few hundred distinct code blocks. The
 * kernel keeps a block index (orc_lookup[], one u32 per 256-byte block of
 * text) that bounds the entries which can cover a block; we read that index
 * once, then each block's few entries the first time a pc falls in it.
 */
#ifndef KSTACK_ORC_LAZY_H
#define KSTACK_ORC_LAZY_H

#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "orc_table.h"

/* Same shape as ks_read_fn (unwind.h), which includes this header's users. */
typedef struct ks_error *ks_orc_read_fn(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * A table for vmlinux backed by reads through read(ctx, ...), laid out as
 * KERNEL_INFO describes. Checks the bounds agree and that a sample of
 * entries passes the layout sanity test before returning it.
 */
struct ks_error *ks_orc_lazy_table(const char *name, enum ks_orc_layout layout,
				   ks_orc_read_fn *read, void *ctx,
				   const struct kstack_kernel_info *ki,
				   struct ks_orc_table **ret);

/* Entry for pc (last with ip <= pc in its block), NULL if none/unreadable. */
const struct ks_orc *ks_orc_lazy_find(struct ks_orc_lazy *lz, uint64_t pc);

void ks_orc_lazy_destroy(struct ks_orc_lazy *lz);

#endif
