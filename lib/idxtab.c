// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "idxtab.h"

void ks_idxtab_init(struct ks_idxtab *t)
{
	memset(t, 0, sizeof(*t));
}

void ks_idxtab_fini(struct ks_idxtab *t)
{
	free(t->slots);
	free(t->hashes);
	memset(t, 0, sizeof(*t));
}

int64_t ks_idxtab_find(const struct ks_idxtab *t, uint64_t hash, ks_idxtab_eq_fn *eq,
		       const void *ctx, const void *key)
{
	size_t i;

	if (!t->cap)
		return -1;
	for (i = (size_t)(hash >> 17) & (t->cap - 1); t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (t->hashes[i] == hash && eq(ctx, t->slots[i] - 1, key))
			return t->slots[i] - 1;
	return -1;
}

static void ks_idxtab_place(uint32_t *slots, uint64_t *hashes, size_t cap, uint64_t hash,
			    uint32_t slot)
{
	size_t i = (size_t)(hash >> 17) & (cap - 1);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = slot;
	hashes[i] = hash;
}

bool ks_idxtab_insert(struct ks_idxtab *t, uint64_t hash, uint32_t index)
{
	if ((t->used + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64, i;
		uint32_t *slots = calloc(cap, sizeof(*slots));
		uint64_t *hashes = malloc(cap * sizeof(*hashes));

		if (!slots || !hashes) {
			free(slots);
			free(hashes);
			return false;
		}
		for (i = 0; i < t->cap; i++)
			if (t->slots[i])
				ks_idxtab_place(slots, hashes, cap, t->hashes[i], t->slots[i]);
		free(t->slots);
		free(t->hashes);
		t->slots = slots;
		t->hashes = hashes;
		t->cap = cap;
	}
	ks_idxtab_place(t->slots, t->hashes, t->cap, hash, index + 1);
	t->used++;
	return true;
}

uint64_t ks_hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t f = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++)
		f = (f ^ b[i]) * 0x100000001b3ull;
	return ks_hash_mix(h, f);
}
