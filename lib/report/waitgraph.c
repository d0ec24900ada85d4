// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "vec.h"
#include "waitgraph.h"

void ks_waitgraph_init(struct ks_waitgraph *g)
{
	memset(g, 0, sizeof(*g));
}

static void cycles_free(struct ks_waitgraph *g)
{
	size_t i;

	for (i = 0; i < g->ncycles; i++)
		free(g->cycles[i].v);
	g->ncycles = 0;
}

void ks_waitgraph_fini(struct ks_waitgraph *g)
{
	cycles_free(g);
	free(g->cycles);
	free(g->v);
	ks_hashtab_fini(&g->tids);
	memset(g, 0, sizeof(*g));
}

struct ks_wg_key {
	const struct ks_waitgraph *g;
	uint64_t tid;
};

static bool tid_eq(const void *val, const void *key)
{
	const struct ks_wg_key *k = key;

	return k->g->v[ks_hashtab_val_index(val)].tid == k->tid;
}

static size_t node_of(const struct ks_waitgraph *g, uint64_t tid)
{
	struct ks_wg_key k = { g, tid };
	void *v = ks_hashtab_get(&g->tids, ks_hash_u64(tid), tid_eq, &k);

	return v ? ks_hashtab_val_index(v) : SIZE_MAX;
}

struct ks_error *ks_waitgraph_add(struct ks_waitgraph *g, uint64_t tid, uint64_t tgid,
				  uint64_t nvcsw, uint64_t nivcsw, const struct ks_wait *w)
{
	struct ks_wg_node *nd;

	if (node_of(g, tid) != SIZE_MAX)
		return NULL;	/* each thread once */
	if (!ks_vec_grow(&g->v, &g->cap, g->n + 1, sizeof(*g->v), 256) ||
	    !ks_hashtab_add(&g->tids, ks_hash_u64(tid), ks_hashtab_index_val(g->n)))
		return &ks_error_nomem;
	nd = &g->v[g->n++];
	memset(nd, 0, sizeof(*nd));
	nd->tid = tid;
	nd->tgid = tgid;
	nd->nvcsw = nvcsw;
	nd->nivcsw = nivcsw;
	nd->next = SIZE_MAX;
	if (!w || w->kind == KS_WAIT_NONE || w->why != KS_WHY_HELD)
		return NULL;
	if (w->flags & KS_WAIT_F_RAN) {
		nd->ran = true;
		g->ran++;
		return NULL;
	}
	nd->holder = w->tid;
	nd->process = w->flags & KS_WAIT_F_PROCESS;
	g->edges++;
	return NULL;
}

/* A process holder's thread: its leader if it waits, else the first of it that waits. */
static size_t process_node(const struct ks_waitgraph *g, uint64_t pid)
{
	size_t i = node_of(g, pid);

	if (i != SIZE_MAX && g->v[i].holder)
		return i;
	for (i = 0; i < g->n; i++)
		if (g->v[i].tgid == pid && g->v[i].holder)
			return i;
	return node_of(g, pid);
}

/* Rotate c so the member with the smallest tid comes first. */
static void cycle_rotate(const struct ks_waitgraph *g, struct ks_wg_cycle *c)
{
	size_t best = 0, i, *tmp;

	for (i = 1; i < c->n; i++)
		if (g->v[c->v[i]].tid < g->v[c->v[best]].tid)
			best = i;
	if (!best)
		return;
	tmp = malloc(c->n * sizeof(*tmp));
	if (!tmp)
		return;	/* the cycle stands, rotated or not */
	for (i = 0; i < c->n; i++)
		tmp[i] = c->v[(best + i) % c->n];
	memcpy(c->v, tmp, c->n * sizeof(*tmp));
	free(tmp);
}

/* Order cycles by their first member's tid (simple insertion: there are few). */
static void cycles_sort(struct ks_waitgraph *g)
{
	size_t i, j;

	for (i = 1; i < g->ncycles; i++) {
		struct ks_wg_cycle c = g->cycles[i];

		for (j = i; j > 0 && g->v[g->cycles[j - 1].v[0]].tid > g->v[c.v[0]].tid; j--)
			g->cycles[j] = g->cycles[j - 1];
		g->cycles[j] = c;
	}
}

enum { KS_WG_NEW, KS_WG_PATH, KS_WG_DONE };

struct ks_error *ks_waitgraph_cycles(struct ks_waitgraph *g)
{
	size_t i, j;

	cycles_free(g);
	for (i = 0; i < g->n; i++) {
		struct ks_wg_node *nd = &g->v[i];

		nd->mark = KS_WG_NEW;
		nd->next = SIZE_MAX;
		if (nd->holder)
			nd->next = nd->process ? process_node(g, nd->holder) :
						 node_of(g, nd->holder);
	}
	for (i = 0; i < g->n; i++) {
		size_t at = i, len = 0;

		/* follow the edges from i until a node seen before */
		while (at != SIZE_MAX && g->v[at].mark == KS_WG_NEW) {
			g->v[at].mark = KS_WG_PATH;
			at = g->v[at].next;
		}
		if (at != SIZE_MAX && g->v[at].mark == KS_WG_PATH) {
			/* this walk met itself: the cycle starts at `at` */
			struct ks_wg_cycle c;
			size_t k = at;

			do {
				len++;
				k = g->v[k].next;
			} while (k != at);
			c.n = len;
			c.v = malloc(len * sizeof(*c.v));
			if (!c.v || !ks_vec_grow(&g->cycles, &g->cycles_cap, g->ncycles + 1,
						 sizeof(*g->cycles), 4)) {
				free(c.v);
				return &ks_error_nomem;
			}
			for (j = 0, k = at; j < len; j++, k = g->v[k].next)
				c.v[j] = k;
			cycle_rotate(g, &c);
			g->cycles[g->ncycles++] = c;
		}
		/* everything on this walk is done */
		for (at = i; at != SIZE_MAX && g->v[at].mark == KS_WG_PATH; at = g->v[at].next)
			g->v[at].mark = KS_WG_DONE;
	}
	cycles_sort(g);
	return NULL;
}

void ks_waitgraph_drop(struct ks_waitgraph *g, size_t i)
{
	if (i >= g->ncycles)
		return;
	free(g->cycles[i].v);
	memmove(&g->cycles[i], &g->cycles[i + 1], (g->ncycles - i - 1) * sizeof(*g->cycles));
	g->ncycles--;
}
