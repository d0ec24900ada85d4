/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open-addressing set of indices into the caller's own array, found by
 * hash and the caller's equality test: the one lookup table of the triage
 * modules (groups by stack, members by thread, pprof's strings, functions
 * and locations), so that each keeps its items in a plain array in the
 * order they came.
 */
#ifndef KSTACK_IDXTAB_H
#define KSTACK_IDXTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks_idxtab {
	uint32_t *slots;	/* index + 1; 0: empty */
	uint64_t *hashes;	/* per slot, to skip most equality calls */
	size_t cap, used;	/* cap: power of two, at most half full */
};

/* eq(ctx, index, key): does the item at index equal the key looked up? */
typedef bool ks_idxtab_eq_fn(const void *ctx, uint32_t index, const void *key);

void ks_idxtab_init(struct ks_idxtab *t);
void ks_idxtab_fini(struct ks_idxtab *t);

/* The index stored for this key, or -1. */
int64_t ks_idxtab_find(const struct ks_idxtab *t, uint64_t hash, ks_idxtab_eq_fn *eq,
		       const void *ctx, const void *key);

/* Store index under hash (the caller found it absent); false without memory. */
bool ks_idxtab_insert(struct ks_idxtab *t, uint64_t hash, uint32_t index);

/* A 64-bit mix of v into h (a step of the hashes above; not cryptographic). */
static inline uint64_t ks_hash_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* FNV-1a over len bytes, then mixed. */
uint64_t ks_hash_bytes(uint64_t h, const void *p, size_t len);

#endif
