/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one "last entry at or below an address" search, for every sorted
 * table the walkers look things up in: ORC ip tables (the tool's decoded
 * ones, its lazily read blocks, kstack.ko's view of vmlinux's own
 * self-relative table), the set of loaded tables, kernel symbols.
 * Shared by kstack.ko and the tool (walk/: compiled into both).
 */
#ifndef KSTACK_WALK_SEARCH_H
#define KSTACK_WALK_SEARCH_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

/* Key i of an ascending array: an address. */
typedef uint64_t ks_search_key_fn(const void *keys, size_t i);

/*
 * The last i in [first, end) with key(keys, i) <= addr, into *ret; false
 * if there is none (empty range, or every key above addr). Among equal
 * keys the last wins: the kernel's orc_find() rule, under which a real
 * ORC entry beats a weak section terminator at the same address. Inline,
 * and called with a constant key function, the compiler inlines the key
 * too: no indirect call per probe in kstack.ko's fast walk.
 */
static inline bool ks_search_last_le(const void *keys, size_t first, size_t end, uint64_t addr,
				     ks_search_key_fn *key, size_t *ret)
{
	size_t lo = first, hi = end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key(keys, mid) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == first)
		return false;
	*ret = lo - 1;
	return true;
}

/* keys as a plain uint64_t array */
static inline uint64_t ks_search_key_u64(const void *keys, size_t i)
{
	return ((const uint64_t *)keys)[i];
}

/*
 * keys as the kernel's .orc_unwind_ip: s32 offsets, each relative to its
 * own address (arch/x86/kernel/unwind_orc.c, orc_ip()); the array must be
 * the kernel's own, read in place.
 */
static inline uint64_t ks_search_key_self_rel32(const void *keys, size_t i)
{
	const int32_t *ip = (const int32_t *)keys + i;

	return (uint64_t)(uintptr_t)ip + (uint64_t)(int64_t)*ip;
}

#endif
