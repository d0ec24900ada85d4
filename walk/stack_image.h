/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread's kernel stack, copied once into user memory: every read the
 * unwinder makes goes through ks_stack_read_u64(), which refuses anything
 * outside the stack (the in-kernel unwinder's stack_access_ok() rule).
 *
 * kstack.ko runs the same step rules (walk/arch_x86_64.c) in its fast
 * SNAPSHOT walk; there "data" is the live stack of a sleeping task, read
 * under RCU like the kernel's own unwinder does (READ_ONCE_NOCHECK: the
 * stack of another task is not ours to be checked by KASAN).
 * Shared by kstack.ko and the tool (walk/: compiled into both).
 */
#ifndef KSTACK_WALK_STACK_IMAGE_H
#define KSTACK_WALK_STACK_IMAGE_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#endif

struct ks_stack_image {
	uint64_t base;		/* lowest address of the stack */
	uint64_t top;		/* one past the highest */
	uint64_t lo;		/* first byte copied (>= base): the saved sp */
	const uint8_t *data;	/* bytes [lo, top) */
};

/*
 * The one bounds check: is [addr, addr + len) inside [base, base + size)?
 * No sum is formed, so nothing wraps whatever the values.
 */
static inline bool ks_range_inside(uint64_t base, uint64_t size, uint64_t addr, uint64_t len)
{
	return addr >= base && addr - base <= size && len <= size - (addr - base);
}

/* Is [addr, addr + len) inside the copied part of the stack? */
static inline bool ks_stack_has(const struct ks_stack_image *s, uint64_t addr, uint64_t len)
{
	return ks_range_inside(s->lo, s->top - s->lo, addr, len);
}

static inline bool ks_stack_read_u64(const struct ks_stack_image *s, uint64_t addr,
				     uint64_t *val)
{
	if (!ks_stack_has(s, addr, 8))
		return false;
#ifdef __KERNEL__
	*val = READ_ONCE_NOCHECK(*(const u64 *)(s->data + (addr - s->lo)));
#else
	memcpy(val, s->data + (addr - s->lo), 8);	/* x86_64: little endian host */
#endif
	return true;
}

#endif
