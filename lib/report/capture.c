// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "vec.h"

void ks_cap_pool_init(struct ks_cap_pool *p)
{
	memset(p, 0, sizeof(*p));
}

void ks_cap_pool_fini(struct ks_cap_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	ks_hashtab_fini(&p->tab);
	memset(p, 0, sizeof(*p));
}

struct ks_cap_key {
	const uint64_t *ips;
	const uint8_t *flags;
	size_t n;
};

static uint8_t ks_cap_flag(const uint8_t *flags, size_t i)
{
	return flags ? flags[i] : 0;
}

static bool ks_cap_stack_is(const struct ks_cap_stack *s, const uint64_t *ips,
			    const uint8_t *flags, size_t n)
{
	size_t i;

	if (s->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (s->f[i].ip != ips[i] || s->f[i].flags != ks_cap_flag(flags, i))
			return false;
	return true;
}

static bool ks_cap_stack_eq(const void *val, const void *key)
{
	const struct ks_cap_stack *s = val;
	const struct ks_cap_key *k = key;

	return ks_cap_stack_is(s, k->ips, k->flags, k->n);
}

struct ks_cap_stack *ks_cap_pool_intern_hint(struct ks_cap_pool *p, struct ks_cap_stack *hint,
					     const uint64_t *ips, const uint8_t *flags, size_t n,
					     bool *added)
{
	if (hint && ks_cap_stack_is(hint, ips, flags, n)) {
		*added = false;
		return hint;
	}
	return ks_cap_pool_intern(p, ips, flags, n, added);
}

static uint64_t ks_cap_hash(const uint64_t *ips, const uint8_t *flags, size_t n)
{
	uint64_t h = ks_hash_mix(0x9e3779b97f4a7c15ull, n);
	size_t j;

	for (j = 0; j < n; j++)
		h = ks_hash_mix(h, ips[j] ^ ((uint64_t)ks_cap_flag(flags, j) << 62));
	return h;
}

/* A new stack of these frames (names NULL, not named), in the pool under h. */
static struct ks_cap_stack *ks_cap_pool_add(struct ks_cap_pool *p, uint64_t h,
					    const uint64_t *ips, const uint8_t *flags, size_t n)
{
	struct ks_cap_stack *s;
	size_t j;

	if (!ks_vec_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v), 64))
		return NULL;
	s = malloc(sizeof(*s) + n * sizeof(s->f[0]));
	if (!s || !ks_hashtab_add(&p->tab, h, s)) {
		free(s);
		return NULL;
	}
	s->hash = h;
	s->n = n;
	s->named = false;
	for (j = 0; j < n; j++)
		s->f[j] = (struct ks_cap_frame){ .ip = ips[j], .name = NULL,
						 .flags = ks_cap_flag(flags, j) };
	p->v[p->n++] = s;
	return s;
}

struct ks_cap_stack *ks_cap_pool_intern(struct ks_cap_pool *p, const uint64_t *ips,
					const uint8_t *flags, size_t n, bool *added)
{
	struct ks_cap_key k = { ips, flags, n };
	uint64_t h;
	struct ks_cap_stack *s;

	*added = false;
	if (p->last && ks_cap_stack_is(p->last, ips, flags, n))
		return p->last;
	h = ks_cap_hash(ips, flags, n);
	s = ks_hashtab_get(&p->tab, h, ks_cap_stack_eq, &k);
	if (s)
		return p->last = s;
	s = ks_cap_pool_add(p, h, ips, flags, n);
	if (!s)
		return NULL;
	*added = true;
	return p->last = s;
}

/* The key of ks_cap_pool_intern_frames(): addresses, flags and names. */
struct ks_cap_named_key {
	struct ks_cap_key k;
	const struct ks_cap_frame *f;
};

/*
 * Equal frames and equal names; a stack not yet named matches on its
 * addresses (the caller names it). User addresses mean something per
 * address space: two processes can share a pc sequence (non-PIE binaries
 * load at the same address) in different files, which must stay two
 * stacks, told apart by their names.
 */
static bool ks_cap_stack_eq_named(const void *val, const void *key)
{
	const struct ks_cap_stack *s = val;
	const struct ks_cap_named_key *nk = key;
	size_t i;

	if (!ks_cap_stack_is(s, nk->k.ips, nk->k.flags, nk->k.n))
		return false;
	if (!s->named)
		return true;
	for (i = 0; i < s->n; i++)
		if (s->f[i].name != nk->f[i].name && strcmp(s->f[i].name, nk->f[i].name))
			return false;
	return true;
}

struct ks_cap_stack *ks_cap_pool_intern_frames(struct ks_cap_pool *p,
					       const struct ks_cap_frame *f, size_t n)
{
	uint64_t *ips = malloc((n ? n : 1) * sizeof(*ips));
	uint8_t *flags = malloc(n ? n : 1);
	struct ks_cap_named_key nk = { { ips, flags, n }, f };
	struct ks_cap_stack *s = NULL;
	size_t i;

	if (ips && flags) {
		uint64_t h;

		for (i = 0; i < n; i++) {
			ips[i] = f[i].ip;
			flags[i] = f[i].flags;
		}
		h = ks_cap_hash(ips, flags, n);
		s = ks_hashtab_get(&p->tab, h, ks_cap_stack_eq_named, &nk);
		if (!s)
			s = ks_cap_pool_add(p, h, ips, flags, n);
		if (s && !s->named) {
			for (i = 0; i < n; i++) {
				s->f[i].name = f[i].name;
				s->f[i].raw = f[i].raw;
			}
			s->named = true;
		}
		if (s)
			p->last = s;
	}
	free(ips);
	free(flags);
	return s;
}

void ks_capture_init(struct ks_capture *c, struct ks_cap_pool *pool)
{
	memset(c, 0, sizeof(*c));
	c->pool = pool;
}

void ks_capture_fini(struct ks_capture *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void ks_capture_reset(struct ks_capture *c)
{
	c->n = 0;
	c->walked = 0;
}

bool ks_capture_reserve(struct ks_capture *c, size_t n)
{
	return n <= SIZE_MAX - c->n && ks_vec_grow(&c->v, &c->cap, c->n + n, sizeof(*c->v), 256);
}

struct ks_cap_thread *ks_capture_add(struct ks_capture *c, const struct ks_cap_thread *t)
{
	struct ks_cap_thread *s;

	if (!ks_vec_grow(&c->v, &c->cap, c->n + 1, sizeof(*c->v), 256))
		return NULL;
	s = &c->v[c->n++];
	*s = *t;
	s->comm[sizeof(s->comm) - 1] = '\0';
	return s;
}

struct ks_cap_thread *ks_capture_add_frames(struct ks_capture *c, const struct ks_cap_thread *t,
					    const struct ks_cap_frame *kf, size_t nk,
					    const struct ks_cap_frame *uf, size_t nu)
{
	struct ks_cap_thread copy = *t;

	copy.kstack = nk ? ks_cap_pool_intern_frames(c->pool, kf, nk) : NULL;
	copy.ustack = nu ? ks_cap_pool_intern_frames(c->pool, uf, nu) : NULL;
	if ((nk && !copy.kstack) || (nu && !copy.ustack))
		return NULL;
	return ks_capture_add(c, &copy);
}

void ks_name_split(const char *name, struct ks_name_parts *p)
{
	const char *bang = strchr(name, '!'), *plus, *end;

	memset(p, 0, sizeof(*p));
	p->func = name;
	if (bang && bang != name) {
		p->owner = name;
		p->owner_len = (size_t)(bang - name);
		p->func = bang + 1;
	}
	/* the offset is the last "+0x"; a C++ or Rust name may hold '+' itself */
	plus = NULL;
	for (end = p->func; (end = strstr(end, "+0x")); end++)
		plus = end;
	if (!plus) {
		p->func_len = strlen(p->func);
		return;
	}
	p->func_len = (size_t)(plus - p->func);
	p->offset = strtoull(plus + 3, NULL, 16);
}
