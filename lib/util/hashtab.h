/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one hash table of the user-space tools: open addressing with linear
 * probing over (hash, value pointer) slots, kept at most half full, so a
 * miss ends at an empty slot after a probe or two. The caller owns the
 * values and their keys; it hashes the key (ks_hash_u64() mixes one word)
 * and gives an equality callback. A slot's stored hash rejects most
 * mismatches before the callback runs.
 *
 * Used for each distinct address's name (symcache.c) and each distinct
 * stack's text (stack_text.c): a whole-system listing repeats a few hundred
 * addresses and a few dozen stacks over thousands of threads.
 */
#ifndef KSTACK_HASHTAB_H
#define KSTACK_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks_hashtab_slot {
	uint64_t hash;
	void *val;		/* NULL: empty */
};

struct ks_hashtab {
	struct ks_hashtab_slot *slots;
	size_t cap;		/* 0 or a power of two */
	size_t used;		/* values stored */
};

/* Is val the value stored for key? */
typedef bool ks_hashtab_eq_fn(const void *val, const void *key);

/* A zeroed struct ks_hashtab is an empty table; fini frees the slots, not the values. */
void ks_hashtab_fini(struct ks_hashtab *t);

/* The value stored for key (hashed to hash), or NULL. */
void *ks_hashtab_get(const struct ks_hashtab *t, uint64_t hash, ks_hashtab_eq_fn *eq,
		     const void *key);

/*
 * Store val (not NULL) for a key not yet in the table. Grows the table
 * first when it would be more than half full; false without memory (the
 * table is unchanged).
 */
bool ks_hashtab_add(struct ks_hashtab *t, uint64_t hash, void *val);

/* Bytes of slots the next ks_hashtab_add() allocates (0: no growth). */
size_t ks_hashtab_growth_bytes(const struct ks_hashtab *t);

/*
 * Each stored value in turn: start with *pos = 0; NULL at the end. Values
 * may be freed while iterating, not added.
 */
void *ks_hashtab_next(const struct ks_hashtab *t, size_t *pos);

/* A 64-bit mix (the murmur3 finalizer): every input bit moves every output bit. */
static inline uint64_t ks_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* One more word into a running hash (a stack's frames, a key of several fields). */
static inline uint64_t ks_hash_mix(uint64_t h, uint64_t v)
{
	return ks_hash_u64(h ^ ks_hash_u64(v));
}

/* len bytes (FNV-1a), mixed into h. */
static inline uint64_t ks_hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t f = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++)
		f = (f ^ b[i]) * 0x100000001b3ull;
	return ks_hash_mix(h, f);
}

/*
 * Values that are indices into the caller's own array (one that may move
 * when it grows): stored as index + 1, so that no value is NULL.
 */
static inline void *ks_hashtab_index_val(size_t index)
{
	return (void *)(uintptr_t)(index + 1);
}

static inline size_t ks_hashtab_val_index(const void *val)
{
	return (size_t)(uintptr_t)val - 1;
}

#endif
