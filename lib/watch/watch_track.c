// SPDX-License-Identifier: GPL-2.0
/* kstack --watch: which threads are stuck, round after round (watch_track.h). */
#include <errno.h>
#include <string.h>

#include "hashtab.h"
#include "vec.h"
#include "watch_track.h"

void ks_watch_track_init(struct ks_watch_track *t, uint64_t stuck_ns)
{
	memset(t, 0, sizeof(*t));
	t->stuck_ns = stuck_ns;
}

void ks_watch_track_fini(struct ks_watch_track *t)
{
	free(t->prev);
	free(t->cur);
	free(t->index);
	free(t->gone);
	memset(t, 0, sizeof(*t));
}

void ks_watch_track_begin(struct ks_watch_track *t, uint64_t now_ns)
{
	t->last_now = t->now;
	t->now = now_ns < t->now ? t->now : now_ns;
	t->ncur = 0;
	t->ngone = 0;
	t->hint = 0;
	t->in_round = true;
}

/* Last round's entry of tid, or NULL: tried at the hint first (threads come in order). */
static struct ks_watch_entry *ks_watch_prev(struct ks_watch_track *t, uint64_t tid)
{
	size_t mask = t->index_cap - 1, i;

	if (t->hint < t->nprev && t->prev[t->hint].tid == tid)
		return &t->prev[t->hint++];
	if (!t->index_cap)
		return NULL;
	for (i = ks_hash_u64(tid) & mask; t->index[i]; i = (i + 1) & mask) {
		size_t at = t->index[i] - 1;

		if (t->prev[at].tid == tid) {
			t->hint = at + 1;
			return &t->prev[at];
		}
	}
	return NULL;
}

/* Is e the thread as o shows it now? */
static bool ks_watch_same(const struct ks_watch_entry *e, const struct ks_watch_obs *o)
{
	return !o->running && !e->running && e->tgid == o->tgid && e->state == o->state &&
	       e->stack == o->stack && e->nvcsw == o->nvcsw && e->nivcsw == o->nivcsw;
}

struct ks_error *ks_watch_track_see(struct ks_watch_track *t, const struct ks_watch_obs *o,
				    struct ks_watch_seen *ret)
{
	struct ks_watch_entry *p = ks_watch_prev(t, o->tid), *e;

	memset(ret, 0, sizeof(*ret));
	ret->what = KS_WATCH_MOVED;
	if (p && p->seen)
		p = NULL;	/* seen twice in a round (a PID named twice): anew */
	if (!ks_vec_grow(&t->cur, &t->cur_cap, t->ncur + 1, sizeof(*t->cur), 256))
		return &ks_error_nomem;
	ret->at = t->ncur;
	e = &t->cur[t->ncur++];
	if (p && ks_watch_same(p, o)) {
		p->seen = true;
		*e = *p;
		e->seen = false;
		ret->for_ns = t->now - e->since_ns;
		if (e->reported)
			ret->what = KS_WATCH_REPORTED;
		else if (ret->for_ns >= t->stuck_ns)
			ret->what = KS_WATCH_STUCK;
		else
			ret->what = KS_WATCH_STILL;
		return NULL;
	}
	if (p) {
		p->seen = true;
		if (p->reported) {
			ret->unstuck = true;
			ret->unstuck_ns = t->now - p->since_ns;
		}
	}
	memset(e, 0, sizeof(*e));
	e->tid = o->tid;
	e->tgid = o->tgid;
	e->since_ns = t->now;
	e->stack = o->stack;
	e->nvcsw = o->nvcsw;
	e->nivcsw = o->nivcsw;
	e->state = o->state;
	e->running = o->running;
	if (o->comm)
		strncpy(e->comm, o->comm, sizeof(e->comm) - 1);
	return NULL;
}

/* prev's index by tid, rebuilt: at least twice as many slots as entries. */
static bool ks_watch_index(struct ks_watch_track *t)
{
	size_t cap = 16, i;

	while (cap < 2 * t->nprev)
		cap *= 2;
	if (cap > t->index_cap || cap * 4 < t->index_cap) {
		uint32_t *v = malloc(cap * sizeof(*v));

		if (!v)
			return false;
		free(t->index);
		t->index = v;
		t->index_cap = cap;
	}
	memset(t->index, 0, t->index_cap * sizeof(*t->index));
	for (i = 0; i < t->nprev; i++) {
		size_t mask = t->index_cap - 1, j = ks_hash_u64(t->prev[i].tid) & mask;

		while (t->index[j])
			j = (j + 1) & mask;
		t->index[j] = (uint32_t)(i + 1);
	}
	return true;
}

struct ks_error *ks_watch_track_end(struct ks_watch_track *t)
{
	struct ks_watch_entry *v;
	size_t i, cap;

	t->in_round = false;
	for (i = 0; i < t->nprev; i++) {
		const struct ks_watch_entry *p = &t->prev[i];
		struct ks_watch_gone *g;

		if (p->seen || !p->reported)
			continue;
		if (!ks_vec_grow(&t->gone, &t->gone_cap, t->ngone + 1, sizeof(*t->gone), 16))
			break;	/* without memory its line is lost; the thread is dropped */
		g = &t->gone[t->ngone++];
		g->tid = p->tid;
		g->tgid = p->tgid;
		g->for_ns = t->now - p->since_ns;
		memcpy(g->comm, p->comm, sizeof(g->comm));
	}
	/* this round's threads become the last round's; the old array is reused */
	v = t->prev;
	cap = t->prev_cap;
	t->prev = t->cur;
	t->prev_cap = t->cur_cap;
	t->nprev = t->ncur;
	t->cur = v;
	t->cur_cap = cap;
	t->ncur = 0;
	/* a round of many more threads than now: its memory is given back */
	if (t->cur_cap > 1024 && t->cur_cap > 4 * t->nprev) {
		free(t->cur);
		t->cur = NULL;
		t->cur_cap = 0;
	}
	if (t->nprev > UINT32_MAX - 1 || !ks_watch_index(t)) {
		t->nprev = 0;
		return &ks_error_nomem;
	}
	return NULL;
}

void ks_watch_track_reported(struct ks_watch_track *t, size_t at)
{
	if (at < t->nprev)
		t->prev[at].reported = true;
}
