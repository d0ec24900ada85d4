/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ORC tables in normalized form: flat sorted arrays, looked up in O(log n)
 * (plus a block index so a lookup touches only a few cache lines), and the
 * set of tables of a running kernel (vmlinux + one per module).
 */
#ifndef KSTACK_ORC_TABLE_H
#define KSTACK_ORC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "orc.h"

struct ks_orc_lazy;

struct ks_orc_table {
	char *name;		/* "vmlinux" or the module's name */
	uint64_t start, end;	/* code range the table answers for: [start, end) */
	size_t n;		/* entries */
	uint64_t *ips;		/* ascending; entry i covers [ips[i], ips[i+1]) */
	struct ks_orc *entries;
	/* block index: entries for pc in block b lie in [blocks[b], blocks[b+1]] */
	uint32_t *blocks;
	size_t nblocks;
	/*
	 * vmlinux read on demand (orc_lazy.c): ips/entries/blocks unused,
	 * lookups and the end go to the reader's own find and destroy,
	 * which orc_lazy.c sets (this file then never calls back into it)
	 */
	struct ks_orc_lazy *lazy;
	const struct ks_orc *(*lazy_find)(struct ks_orc_lazy *lz, uint64_t pc);
	void (*lazy_destroy)(struct ks_orc_lazy *lz);
};

/* What ks_orc_table_check() counted, for messages and tests. */
struct ks_orc_stats {
	size_t call, regs, regs_partial, end_of_stack, undefined;
};

/*
 * Build a table from the kernel's raw arrays: ip_raw holds n little-endian
 * s32 offsets, each relative to its own address (ip_addr + 4 * i, where
 * ip_addr is the array's kernel address), orc_raw n 6-byte entries of the
 * given layout. The table answers for [start, end). Every entry is decoded
 * (an entry the layout cannot hold is an error naming its index); unsorted
 * input is sorted the way the kernel sorts module tables.
 */
struct ks_error *ks_orc_table_from_raw(const char *name, enum ks_orc_layout layout,
				       const void *ip_raw, uint64_t ip_addr,
				       const void *orc_raw, size_t n,
				       uint64_t start, uint64_t end,
				       struct ks_orc_table **ret);

/*
 * Sanity test of a decoded table against its claimed layout: most entries of
 * real code are CALL frames; a table read with the wrong layout shows mostly
 * UNDEFINED (V1 read as V3) or REGS_PARTIAL (V3 read as V1). need_end: the
 * table must hold an END_OF_STACK entry (vmlinux does: ret_from_fork etc.).
 */
struct ks_error *ks_orc_table_check(const struct ks_orc_table *table, bool need_end,
				    struct ks_orc_stats *stats_ret);

/* The entry for pc: the last one with ip <= pc, or NULL when pc < ips[0]. */
const struct ks_orc *ks_orc_table_find(const struct ks_orc_table *table, uint64_t pc);

void ks_orc_table_destroy(struct ks_orc_table *table);

/* Tables of a kernel, sorted by start; non-overlapping. */
struct ks_orc_set {
	struct ks_orc_table **tables;
	size_t count, cap;
};

/* Takes ownership of table (destroyed on error). Overlap is an error. */
struct ks_error *ks_orc_set_add(struct ks_orc_set *set, struct ks_orc_table *table);

/* The table whose [start, end) holds pc, or NULL. */
const struct ks_orc_table *ks_orc_set_table(const struct ks_orc_set *set, uint64_t pc);

/* Entry for pc in the table that answers for it, or NULL (no ORC coverage). */
const struct ks_orc *ks_orc_set_find(const struct ks_orc_set *set, uint64_t pc);

void ks_orc_set_clear(struct ks_orc_set *set);

#endif
