// SPDX-License-Identifier: GPL-2.0
/*
 * kstack's triage mode: capture the threads (one SNAPSHOT per process, or
 * of the system), filter, group, and write the report (lib/report.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "filter.h"
#include "output.h"
#include "snapshot.h"
#include "cli.h"
#include "triage.h"

/* Scratch: one walk's frames as (ips, flags), the key of the stack pool. */
struct cap_scratch {
	uint64_t *ips;
	uint8_t *flags;
	size_t cap;
};

static bool cap_scratch_room(struct cap_scratch *k, size_t n)
{
	uint64_t *ips;
	uint8_t *flags;

	if (n <= k->cap)
		return true;
	ips = realloc(k->ips, n * sizeof(*ips));
	if (!ips)
		return false;
	k->ips = ips;
	flags = realloc(k->flags, n);
	if (!flags)
		return false;
	k->flags = flags;
	k->cap = n;
	return true;
}

/* What the first pass keeps of a record for the second. */
struct rec_note {
	struct ks_cap_stack *stack;	/* NULL: take the thread on its own */
	enum ks_walk_stop stop;		/* RAW: how our walk ended */
	uint64_t user_ip, user_sp;
	bool walked;			/* RAW: stop/user_* set */
};

static void cap_thread_init(struct ks_cap_thread *t, uint64_t tid, uint64_t tgid,
			    const char *comm, uint32_t state, uint64_t nvcsw, uint64_t nivcsw)
{
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid;
	memcpy(t->comm, comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->state = ks_task_state_letter(state);
	t->nvcsw = nvcsw;
	t->nivcsw = nivcsw;
}

/*
 * The pool's stack for a walk; a new one has its addresses queued for
 * naming (ks_symcache_want). NULL without memory.
 */
static struct ks_cap_stack *cap_intern_walk(struct ks_cap_pool *pool, struct ks_symcache *names,
					    struct cap_scratch *k, const struct ks_walk_result *w)
{
	struct ks_cap_stack *st;
	bool added;
	size_t i;

	if (!cap_scratch_room(k, w->nr))
		return NULL;
	for (i = 0; i < w->nr; i++) {
		k->ips[i] = w->frames[i].ip;
		k->flags[i] = (uint8_t)((w->frames[i].reliable ? 0 : KS_CAP_FRAME_UNRELIABLE) |
					(w->frames[i].exact ? KS_CAP_FRAME_EXACT : 0));
	}
	st = ks_cap_pool_intern(pool, k->ips, k->flags, w->nr, &added);
	if (st && added)
		for (i = 0; i < w->nr; i++)
			ks_symcache_want(names, k->ips[i], k->flags[i] & KS_CAP_FRAME_EXACT);
	return st;
}

/* Name the pool's stacks from index `from` on (after ks_symcache_resolve()). */
static void cap_name_new(struct ks_cap_pool *pool, struct ks_symcache *names, size_t from)
{
	size_t i, j;

	for (i = from; i < pool->n; i++) {
		struct ks_cap_stack *st = pool->v[i];

		if (st->named)
			continue;
		for (j = 0; j < st->n; j++)
			st->f[j].name = ks_symcache_name(names, st->f[j].ip,
							 st->f[j].flags & KS_CAP_FRAME_EXACT);
		st->named = true;
	}
}

/* How our walk ended, as the capture says it. */
static void cap_set_end(struct ks_cap_thread *t, enum ks_walk_stop stop, uint64_t user_ip,
			uint64_t user_sp)
{
	switch (stop) {
	case KS_STOP_USER:
		t->flags |= KS_CAP_USER;
		t->user_ip = user_ip;
		t->user_sp = user_sp;
		break;
	case KS_STOP_END_OF_STACK:
		break;
	case KS_STOP_MAX_FRAMES:
		t->flags |= KS_CAP_PARTIAL | KS_CAP_TRUNCATED;
		t->why = "frame limit";
		break;
	default:
		t->flags |= KS_CAP_PARTIAL;
		t->why = ks_walk_stop_name(stop);
		break;
	}
}

/* How the driver's walk of a FRAMES record ended. */
static void cap_set_frames_end(struct ks_cap_thread *t, const struct kstack_snap_thread *r)
{
	if (r->flags & KSTACK_SNAP_F_TRUNCATED) {
		t->flags |= KS_CAP_PARTIAL | KS_CAP_TRUNCATED;
		t->why = "frame limit";
	} else if (r->flags & KSTACK_SNAP_F_UNRELIABLE) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "the kernel's unwinder stopped early";
	} else if (r->flags & KSTACK_SNAP_F_RAN) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "ran during its capture";
	} else if (!(r->flags & KSTACK_TF_KTHREAD)) {
		t->flags |= KS_CAP_USER;	/* the driver's walk ends at the user-mode entry */
	}
}

static bool record_usable(const struct kstack_snap_thread *r)
{
	return !(r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN)) && r->raw_len &&
	       r->sp + r->raw_len == r->stack_base + r->stack_size;
}

/*
 * A RAW record (or one that ran through its capture) that the first pass
 * did not walk: taken again on its own, as kstack's listing does.
 */
static bool record_alone(const struct kstack_snap_thread *r, const struct rec_note *n)
{
	return !(r->flags & KSTACK_SNAP_F_RUNNING) && !r->nr_frames && !n->walked &&
	       (r->raw_len || (r->flags & KSTACK_SNAP_F_RAN));
}

/* One thread taken on its own (its record was not usable), into c. */
static struct ks_error *cap_add_alone(struct ks_session *s, struct ks_capture *c,
				      struct ks_symcache *names, struct cap_scratch *k,
				      const struct kstack_snap_thread *r,
				      struct triage_counts *counts)
{
	struct kstack_thread_context ctx;
	struct ks_walk_result w;
	struct ks_cap_thread t;
	size_t from = c->pool->n;
	struct ks_error *err = ks_session_walk(s, r->tid, &ctx, &w);

	if (err && err->code == EBUSY) {
		cap_thread_init(&t, r->tid, r->tgid, r->comm, 0, r->nvcsw_after, r->nivcsw_after);
		t.flags = KS_CAP_RUNNING;
		ks_error_destroy(err);
		return ks_capture_add(c, &t) ? NULL : &ks_error_nomem;
	}
	if (err) {
		if (err->code == ESRCH)
			counts->vanished++;
		else
			counts->failed++;
		if (err->code != ESRCH && err->code != EAGAIN)
			fprintf(stderr, "kstack: thread %" PRIu64 ": %s\n", r->tid, err->message);
		ks_error_destroy(err);
		return NULL;
	}
	cap_thread_init(&t, r->tid, ctx.tgid, ctx.comm, ctx.state, ctx.nvcsw, ctx.nivcsw);
	t.kstack = w.nr ? cap_intern_walk(c->pool, names, k, &w) : NULL;
	cap_set_end(&t, w.stop, w.user_ip, w.user_sp);
	err = w.nr && !t.kstack ? &ks_error_nomem : NULL;
	ks_walk_result_fini(&w);
	if (err)
		return err;
	ks_symcache_resolve(names);
	cap_name_new(c->pool, names, from);
	return ks_capture_add(c, &t) ? NULL : &ks_error_nomem;
}

/*
 * One SNAPSHOT's records into c, in two passes: the first walks RAW
 * stacks (FRAMES records come walked) and interns each stack in the pool,
 * queueing the addresses of new ones for naming; then one batch of
 * SYMBOLIZE calls names them all; the second pass adds the threads. A
 * thread's cost is then a walk and a hash: a whole-system listing has a
 * few dozen distinct stacks.
 */
static struct ks_error *cap_snapshot(struct ks_session *s, struct ks_symcache *names,
				     const struct ks_snapshot *snap, struct ks_capture *c,
				     struct triage_counts *counts)
{
	struct rec_note *notes = calloc(snap->nr ? snap->nr : 1, sizeof(*notes));
	size_t pos0 = (size_t)c->walked;	/* this snapshot's first position in c */
	const struct kstack_snap_thread *r;
	struct cap_scratch k = { 0 };
	struct ks_error *err = NULL, *e2;
	size_t off = 0, i, from = c->pool->n;
	const void *data;

	if (!notes)
		return &ks_error_nomem;
	if (pos0 + snap->nr > c->hints_cap) {
		/* without memory: no hints, the same stacks by hashing */
		struct ks_cap_stack **h = realloc(c->hints, (pos0 + snap->nr) * sizeof(*h));

		if (h) {
			memset(h + c->hints_cap, 0, (pos0 + snap->nr - c->hints_cap) * sizeof(*h));
			c->hints = h;
			c->hints_cap = pos0 + snap->nr;
		}
	}
	for (i = 0; (r = ks_snapshot_next(snap, &off, &data, &err)) && i < snap->nr; i++) {
		struct ks_walk_thread wt = { r->stack_base, r->stack_size, r->sp };
		struct ks_walk_result w;
		bool added;
		size_t j;

		if (r->flags & KSTACK_SNAP_F_RUNNING)
			continue;
		if (r->nr_frames) {
			struct ks_cap_stack *hint = pos0 + i < c->hints_cap ? c->hints[pos0 + i] : NULL;

			notes[i].stack = ks_cap_pool_intern_hint(c->pool, hint, data, NULL,
								 r->nr_frames, &added);
			if (notes[i].stack && pos0 + i < c->hints_cap)
				c->hints[pos0 + i] = notes[i].stack;
			if (!notes[i].stack) {
				err = &ks_error_nomem;
				break;
			}
			for (j = 0; added && j < r->nr_frames; j++)
				ks_symcache_want(names, ((const uint64_t *)data)[j], false);
			continue;
		}
		if (!record_usable(r))
			continue;
		e2 = ks_walk_image(&s->cfg, &wt, data, &w);
		if (e2) {
			ks_error_destroy(e2);
			continue;
		}
		notes[i].walked = true;
		notes[i].stop = w.stop;
		notes[i].user_ip = w.user_ip;
		notes[i].user_sp = w.user_sp;
		notes[i].stack = w.nr ? cap_intern_walk(c->pool, names, &k, &w) : NULL;
		if (w.nr && !notes[i].stack)
			err = &ks_error_nomem;
		ks_walk_result_fini(&w);
		if (err)
			break;
	}
	if (err)
		goto out;
	ks_symcache_resolve(names);
	cap_name_new(c->pool, names, from);
	off = 0;
	for (i = 0; !err && (r = ks_snapshot_next(snap, &off, &data, &err)) && i < snap->nr; i++) {
		struct ks_cap_thread t;

		c->walked++;
		if (record_alone(r, &notes[i])) {
			err = cap_add_alone(s, c, names, &k, r, counts);
			continue;
		}
		cap_thread_init(&t, r->tid, r->tgid, r->comm, r->state, r->nvcsw_after,
				r->nivcsw_after);
		t.kstack = notes[i].stack;
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			t.state = 'R';
			t.flags = KS_CAP_RUNNING;
		} else if (notes[i].walked) {
			cap_set_end(&t, notes[i].stop, notes[i].user_ip, notes[i].user_sp);
		} else {
			cap_set_frames_end(&t, r);
		}
		if (!ks_capture_add(c, &t))
			err = &ks_error_nomem;
	}
out:
	free(notes);
	free(k.ips);
	free(k.flags);
	return err;
}

struct ks_error *triage_capture(struct ks_session *s, struct ks_symcache *names, bool all,
				char *const *pids, int npids, uint32_t mode,
				struct ks_snapshot *snap, struct ks_capture *c,
				struct triage_counts *counts)
{
	uint32_t max = s->cfg.max_frames ? s->cfg.max_frames : KS_WALK_DEFAULT_MAX;
	struct ks_error *err;
	int i;

	if (max > KSTACK_FRAMES_MAX)
		max = KSTACK_FRAMES_MAX;
	ks_capture_reset(c);
	for (i = 0; i < (all ? 1 : npids); i++) {
		uint64_t pid = all ? 0 : strtoull(pids[i], NULL, 10);

		err = ks_snapshot_take(&s->drv, pid, mode, mode == KSTACK_SNAP_RAW ? 0 : max, snap);
		if (err && err->code == ESRCH && !all) {
			/* a process that is gone: counted, the others go on */
			counts->vanished++;
			ks_error_destroy(err);
			continue;
		}
		if (err)
			return err;
		err = cap_snapshot(s, names, snap, c, counts);
		if (err)
			return err;
	}
	return NULL;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int triage_run(struct ks_session *s, struct ks_symcache *names, const struct triage_opts *t,
	       bool all, char *const *pids, int npids)
{
	struct ks_report r = { .interval_ns = t->interval_ns, .start_ns = now_ns(CLOCK_REALTIME) };
	struct triage_counts counts = { 0 };
	struct ks_snapshot snap = { 0 };
	struct ks_cap_pool pool;
	struct ks_grouping g;
	struct ks_capture c;
	struct ks_filter f;
	struct ks_error *err;
	FILE *out = stdout;
	int rc = EXIT_ALL;

	err = ks_filter_init(&f, t->states, t->comm, t->match);
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		return EXIT_USAGE;
	}
	if (t->output) {
		out = fopen(t->output, "we");
		if (!out) {
			fprintf(stderr, "kstack: %s: %s\n", t->output, strerror(errno));
			ks_filter_fini(&f);
			return EXIT_NOTHING;
		}
	}
	ks_cap_pool_init(&pool);
	ks_capture_init(&c, &pool);
	/* folded lines are per (comm, stack) by definition: group even when not asked */
	ks_grouping_init(&g, t->format == KS_FORMAT_FOLDED && t->group == KS_GROUP_NONE ?
			 KS_GROUP_WHOLE : t->group);
	if (t->sample) {
		err = triage_sample(s, names, t, all, pids, npids, &f, &pool, &g, &r, &counts);
	} else {
		/* raw stacks walked here: the frames kstack's own listing shows */
		err = triage_capture(s, names, all, pids, npids, KSTACK_SNAP_RAW, &snap, &c,
				     &counts);
		if (!err) {
			r.walked = c.walked;
			ks_filter_capture(&f, &c, &r.left);
			err = ks_grouping_add(&g, &c);
		}
	}
	if (!err) {
		ks_grouping_finish(&g, t->min_count);
		r.g = &g;
		err = ks_report_write(&r, t->format, out);
	}
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		rc = EXIT_NOTHING;
	} else if (!r.walked) {
		rc = EXIT_NOTHING;
	} else if (counts.failed || (!all && counts.vanished)) {
		rc = EXIT_PARTIAL;
	}
	if (counts.vanished && !all)
		fprintf(stderr, "kstack: %" PRIu64 " threads or processes exited before their turn\n",
			counts.vanished);
	if (counts.failed)
		fprintf(stderr, "kstack: %" PRIu64 " threads could not be walked\n", counts.failed);
	if (out != stdout && fclose(out) && rc == EXIT_ALL) {
		fprintf(stderr, "kstack: %s: %s\n", t->output, strerror(errno));
		rc = EXIT_NOTHING;
	}
	ks_snapshot_fini(&snap);
	ks_capture_fini(&c);
	ks_grouping_fini(&g);
	ks_cap_pool_fini(&pool);
	ks_filter_fini(&f);
	return rc;
}
