// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "vec.h"

void ks_grouping_init(struct ks_grouping *g, enum ks_group_by by)
{
	memset(g, 0, sizeof(*g));
	g->by = by;
}

void ks_grouping_fini(struct ks_grouping *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->v[i].m);
	free(g->v);
	free(g->refs);
	free(g->pos);
	ks_hashtab_fini(&g->groups);
	ks_hashtab_fini(&g->members);
	memset(g, 0, sizeof(*g));
}

/* What a thread is looked up by: interned stacks compare by pointer. */
struct ks_group_key {
	const struct ks_grouping *g;
	const struct ks_cap_stack *kstack, *ustack;
	uint32_t flags;
	uint64_t tid;		/* KS_GROUP_NONE only */
};

#define KS_GROUP_KEY_FLAGS (KS_CAP_RUNNING | KS_CAP_PARTIAL | KS_CAP_TRUNCATED | KS_CAP_USER | \
			    KS_CAP_NO_CFI | KS_CAP_USER_RAN | KS_CAP_ON_CPU)

static uint64_t ks_group_key_hash(const struct ks_group_key *k)
{
	uint64_t h = ks_hash_mix(0x9e3779b97f4a7c15ull, k->flags);

	h = ks_hash_mix(h, k->tid);
	h = ks_hash_mix(h, k->kstack ? k->kstack->hash : 0);
	return ks_hash_mix(h, k->ustack ? k->ustack->hash : 0);
}

static bool ks_group_is(const struct ks_grouping *g, size_t index, const struct ks_group_key *k)
{
	const struct ks_group *gr = &g->v[index];

	if (gr->flags != k->flags || gr->kstack != k->kstack || gr->ustack != k->ustack)
		return false;
	return g->by != KS_GROUP_NONE || gr->m[0].tid == k->tid;
}

static bool ks_group_eq(const void *val, const void *key)
{
	const struct ks_group_key *k = key;

	return ks_group_is(k->g, ks_hashtab_val_index(val), k);
}

struct ks_member_key {
	const struct ks_grouping *g;
	uint32_t group;
	uint64_t tid;
};

static bool ks_member_eq(const void *val, const void *key)
{
	const struct ks_member_key *k = key;
	const struct ks_grouping *g = k->g;
	const struct ks_member_ref *r = &g->refs[ks_hashtab_val_index(val)];

	return r->group == k->group && g->v[r->group].m[r->member].tid == k->tid;
}

static uint64_t ks_member_hash(uint32_t group, uint64_t tid)
{
	return ks_hash_mix(ks_hash_mix(0x2545f4914f6cdd1dull, group), tid);
}

static struct ks_group *ks_group_new(struct ks_grouping *g, const struct ks_group_key *k,
				     uint64_t h, const char *why)
{
	struct ks_group *gr;

	if (!ks_vec_grow(&g->v, &g->cap, g->n + 1, sizeof(*g->v), 64))
		return NULL;
	if (!ks_hashtab_add(&g->groups, h, ks_hashtab_index_val(g->n)))
		return NULL;
	gr = &g->v[g->n];
	memset(gr, 0, sizeof(*gr));
	gr->kstack = k->kstack;
	gr->ustack = k->ustack;
	gr->flags = k->flags;
	gr->why = why;
	gr->hash = h;
	gr->order = g->n++;
	return gr;
}

/* Index member mi of group gi in the (group, tid) table. */
static bool ks_group_index_member(struct ks_grouping *g, uint32_t gi, uint32_t mi)
{
	if (!ks_vec_grow(&g->refs, &g->refs_cap, g->nrefs + 1, sizeof(*g->refs), 256))
		return false;
	if (!ks_hashtab_add(&g->members, ks_member_hash(gi, g->v[gi].m[mi].tid),
			    ks_hashtab_index_val(g->nrefs)))
		return false;
	g->refs[g->nrefs++] = (struct ks_member_ref){ gi, mi };
	return true;
}

/*
 * The (group, tid) table, built at the second round: within one capture a
 * thread comes once, so the first round (all a --group run has) only
 * appends members.
 */
static bool ks_group_index_members(struct ks_grouping *g)
{
	size_t gi, mi;

	for (gi = 0; gi < g->n; gi++)
		for (mi = 0; mi < g->v[gi].nm; mi++)
			if (!ks_group_index_member(g, (uint32_t)gi, (uint32_t)mi))
				return false;
	return true;
}

/* The member for t in group gi: found, or added (samples 0). */
static struct ks_group_member *ks_group_member(struct ks_grouping *g, uint32_t gi,
					      const struct ks_cap_thread *t)
{
	struct ks_member_key k = { g, gi, t->tid };
	struct ks_group *gr = &g->v[gi];
	struct ks_group_member *m;
	void *ri = g->rounds ? ks_hashtab_get(&g->members, ks_member_hash(gi, t->tid),
					      ks_member_eq, &k) : NULL;

	if (ri)
		return &gr->m[g->refs[ks_hashtab_val_index(ri)].member];
	if (!ks_vec_grow(&gr->m, &gr->mcap, gr->nm + 1, sizeof(*gr->m), 4))
		return NULL;
	m = &gr->m[gr->nm];
	memset(m, 0, sizeof(*m));
	m->tid = t->tid;
	if (g->rounds && !ks_group_index_member(g, gi, (uint32_t)gr->nm))
		return NULL;
	gr->nm++;
	return m;
}

static void ks_group_key_of(const struct ks_grouping *g, const struct ks_cap_thread *t,
			    struct ks_group_key *k)
{
	k->g = g;
	k->kstack = t->kstack;
	k->ustack = g->by == KS_GROUP_KERNEL ? NULL : t->ustack;
	k->flags = t->flags & KS_GROUP_KEY_FLAGS;
	/* grouped on the kernel half: where user mode was left differs per thread */
	if (g->by == KS_GROUP_KERNEL)
		k->flags &= ~(KS_CAP_USER | KS_CAP_NO_CFI | KS_CAP_USER_RAN);
	k->tid = g->by == KS_GROUP_NONE ? t->tid : 0;
}

/* The thread at position i of the last capture, if t is it and still in its group. */
static struct ks_group_member *ks_group_pos_hit(struct ks_grouping *g, size_t i,
					       const struct ks_cap_thread *t,
					       const struct ks_group_key *k, uint32_t *gi)
{
	const struct ks_group_pos *p;

	if (i >= g->npos)
		return NULL;
	p = &g->pos[i];
	if (p->tid != t->tid || !ks_group_is(g, p->group, k))
		return NULL;
	*gi = p->group;
	return &g->v[p->group].m[p->member];
}

static struct ks_error *ks_grouping_add_thread(struct ks_grouping *g, size_t i,
					       const struct ks_cap_thread *t)
{
	struct ks_group_key k;
	uint32_t gi32 = 0;
	int64_t gi;
	struct ks_group *gr;
	struct ks_group_member *m;
	const char *letter;

	ks_group_key_of(g, t, &k);
	m = ks_group_pos_hit(g, i, t, &k, &gi32);
	gi = gi32;
	if (!m && g->last < g->n && ks_group_is(g, g->last, &k)) {
		gi = (int64_t)g->last;
		m = ks_group_member(g, (uint32_t)gi, t);
		if (!m)
			return &ks_error_nomem;
	}
	if (!m) {
		uint64_t h = ks_group_key_hash(&k);
		void *val = ks_hashtab_get(&g->groups, h, ks_group_eq, &k);

		gi = val ? (int64_t)ks_hashtab_val_index(val) : -1;
		if (gi < 0) {
			gr = ks_group_new(g, &k, h, t->why);
			if (!gr)
				return &ks_error_nomem;
			gi = (int64_t)(gr - g->v);
		}
		m = ks_group_member(g, (uint32_t)gi, t);
		if (!m)
			return &ks_error_nomem;
	}
	gr = &g->v[gi];
	g->last = (size_t)gi;
	if (i < g->pos_cap) {
		g->pos[i] = (struct ks_group_pos){ t->tid, (uint32_t)gi, (uint32_t)(m - gr->m) };
		if (i >= g->npos)
			g->npos = i + 1;
	}
	m->tgid = t->tgid;
	memcpy(m->comm, t->comm, sizeof(m->comm));
	m->state = t->state;
	m->samples++;
	m->nvcsw = t->nvcsw;
	m->nivcsw = t->nivcsw;
	m->user_ip = t->user_ip;
	m->user_sp = t->user_sp;
	m->stop_ip = t->stop_ip;
	m->wait = t->wait;
	m->pname = t->pname;
	m->pcmd = t->pcmd;
	m->kthread = t->flags & KS_CAP_KTHREAD;
	m->cpu = t->cpu;
	m->caught_ip = t->caught_ip;
	gr->samples++;
	letter = t->state ? strchr(KS_STATE_LETTERS, t->state) : NULL;
	if (letter)
		gr->states[letter - KS_STATE_LETTERS]++;
	g->samples++;
	return NULL;
}

struct ks_error *ks_grouping_add(struct ks_grouping *g, const struct ks_capture *c)
{
	struct ks_error *err;
	size_t i;

	if (g->finished)
		return ks_error_format(EINVAL, "grouping: add after finish");
	/* without memory: no position cache, the same result by hashing */
	ks_vec_grow(&g->pos, &g->pos_cap, c->n, sizeof(*g->pos), c->n);
	g->npos = g->npos < c->n ? g->npos : c->n;
	if (g->rounds == 1 && !ks_group_index_members(g))
		return &ks_error_nomem;
	for (i = 0; i < c->n; i++) {
		err = ks_grouping_add_thread(g, i, &c->v[i]);
		if (err)
			return err;
	}
	g->rounds++;
	return NULL;
}

static int ks_group_cmp(const void *a, const void *b)
{
	const struct ks_group *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int ks_member_cmp(const void *a, const void *b)
{
	const struct ks_group_member *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

void ks_grouping_finish(struct ks_grouping *g, uint64_t min_count)
{
	size_t i, n = 0;

	if (g->finished)
		return;
	g->finished = true;
	/* the tables index positions that change below */
	ks_hashtab_fini(&g->groups);
	ks_hashtab_fini(&g->members);
	free(g->refs);
	g->refs = NULL;
	free(g->pos);
	g->pos = NULL;
	g->npos = g->pos_cap = 0;
	g->nrefs = g->refs_cap = 0;
	for (i = 0; i < g->n; i++) {
		struct ks_group *gr = &g->v[i];

		if (gr->samples < min_count) {
			g->min_count_groups++;
			g->min_count_samples += gr->samples;
			g->min_count_threads += gr->nm;
			free(gr->m);
			continue;
		}
		qsort(gr->m, gr->nm, sizeof(*gr->m), ks_member_cmp);
		g->v[n++] = *gr;
	}
	g->n = n;
	if (g->by != KS_GROUP_NONE)
		qsort(g->v, g->n, sizeof(*g->v), ks_group_cmp);
}
