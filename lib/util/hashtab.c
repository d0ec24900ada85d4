// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "hashtab.h"

/* smallest table: a listing's few dozen stacks or few hundred names fit without growing much */
#define KS_HASHTAB_MIN 64

void ks_hashtab_fini(struct ks_hashtab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	t->used = 0;
}

void *ks_hashtab_get(const struct ks_hashtab *t, uint64_t hash, ks_hashtab_eq_fn *eq,
		     const void *key)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = (size_t)hash & (t->cap - 1); t->slots[i].val; i = (i + 1) & (t->cap - 1))
		if (t->slots[i].hash == hash && eq(t->slots[i].val, key))
			return t->slots[i].val;
	return NULL;
}

static void ks_hashtab_put(struct ks_hashtab_slot *slots, size_t cap, uint64_t hash, void *val)
{
	size_t i = (size_t)hash & (cap - 1);

	while (slots[i].val)
		i = (i + 1) & (cap - 1);
	slots[i].hash = hash;
	slots[i].val = val;
}

size_t ks_hashtab_growth_bytes(const struct ks_hashtab *t)
{
	if ((t->used + 1) * 2 <= t->cap)
		return 0;
	return (t->cap ? 2 * t->cap : KS_HASHTAB_MIN) * sizeof(*t->slots);
}

bool ks_hashtab_add(struct ks_hashtab *t, uint64_t hash, void *val)
{
	if ((t->used + 1) * 2 > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : KS_HASHTAB_MIN, i;
		struct ks_hashtab_slot *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return false;
		for (i = 0; i < t->cap; i++)
			if (t->slots[i].val)
				ks_hashtab_put(slots, cap, t->slots[i].hash, t->slots[i].val);
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	ks_hashtab_put(t->slots, t->cap, hash, val);
	t->used++;
	return true;
}

void *ks_hashtab_next(const struct ks_hashtab *t, size_t *pos)
{
	while (*pos < t->cap) {
		void *v = t->slots[(*pos)++].val;

		if (v)
			return v;
	}
	return NULL;
}
