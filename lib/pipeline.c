// SPDX-License-Identifier: GPL-2.0
/*
 * The capture pipeline (pipeline.h): a round takes its targets' SNAPSHOTs
 * and hands every thread on whole, in the order the driver lists them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catch.h"
#include "pipeline.h"
#include "vec.h"

/* What the first pass keeps of a RAW record it walked. */
struct ks_pipe_end {
	struct ks_walk_result end;	/* how our walk ended (frames NULL) */
	bool walked;
};

void ks_pipe_init(struct ks_pipe *p, struct ks_session *s, struct ks_symcache *names,
		  struct ks_cap_pool *pool, const struct ks_pipe_opts *o)
{
	uint32_t max = o->max_frames ? o->max_frames : KS_WALK_DEFAULT_MAX;

	memset(p, 0, sizeof(*p));
	p->s = s;
	p->names = names;
	p->pool = pool;
	p->o = *o;
	if (o->user) {
		ks_user_half_init(&p->user, o->user_stack_bytes, max,
				  max < KSTACK_FRAMES_MAX ? max : KSTACK_FRAMES_MAX);
		p->user.unwinder.verify = o->verify_user;
		p->user.want = o->user_want;
		p->user.want_arg = o->user_want_arg;
	}
}

void ks_pipe_fini(struct ks_pipe *p)
{
	if (p->o.user)
		ks_user_half_fini(&p->user);
	ks_snapshot_fini(&p->snap);
	free(p->stacks);
	free(p->ends);
	free(p->hints);
	free(p->ips);
	free(p->flags);
	free(p->raw);
	memset(p, 0, sizeof(*p));
}

struct ks_error *ks_pipe_prepare(struct ks_pipe *p)
{
	return p->o.path == KS_PIPE_FRAMES ? NULL : ks_session_walker(p->s);
}

/* Frames a record may carry (SNAPSHOT's bound is KSTACK_FRAMES_MAX). */
static uint32_t ks_pipe_record_frames(const struct ks_pipe *p)
{
	uint32_t n = p->o.max_frames ? p->o.max_frames : KS_WALK_DEFAULT_MAX;

	return n < KSTACK_FRAMES_MAX ? n : KSTACK_FRAMES_MAX;
}

/* Name the pool's stacks from index from on (after ks_symcache_resolve()). */
static void ks_pipe_name_new(struct ks_pipe *p, size_t from)
{
	struct ks_cap_pool *pool = p->pool;
	size_t i, j;

	for (i = from; i < pool->n; i++) {
		struct ks_cap_stack *st = pool->v[i];

		if (st->named)
			continue;
		for (j = 0; j < st->n; j++)
			st->f[j].name = ks_symcache_name(p->names, st->f[j].ip,
							 st->f[j].flags & KS_CAP_FRAME_EXACT);
		st->named = true;
	}
}

/*
 * The pool's stack of these frames (flags NULL: all plain return
 * addresses), trying hint first; a new one's addresses are queued for the
 * next batch of names. *st_ret NULL: no frames.
 */
static struct ks_error *ks_pipe_intern(struct ks_pipe *p, struct ks_cap_stack *hint,
				       const uint64_t *ips, const uint8_t *flags, size_t n,
				       struct ks_cap_stack **st_ret)
{
	bool added;
	size_t i;

	*st_ret = NULL;
	if (!n)
		return NULL;
	*st_ret = ks_cap_pool_intern_hint(p->pool, hint, ips, flags, n, &added);
	if (!*st_ret)
		return &ks_error_nomem;
	for (i = 0; added && i < n; i++)
		ks_symcache_want(p->names, ips[i], flags && (flags[i] & KS_CAP_FRAME_EXACT));
	return NULL;
}

/* A walk's frames interned (ks_pipe_intern()); name_now: named before returning. */
static struct ks_error *ks_pipe_intern_walk(struct ks_pipe *p, const struct ks_walk_result *w,
					    bool name_now, struct ks_cap_stack **st_ret)
{
	size_t from = p->pool->n, i;
	struct ks_error *err;

	*st_ret = NULL;
	if (!ks_vec_grow(&p->ips, &p->ips_cap, w->nr, sizeof(*p->ips), 32) ||
	    !ks_vec_grow(&p->flags, &p->flags_cap, w->nr, 1, 32))
		return &ks_error_nomem;
	for (i = 0; i < w->nr; i++) {
		p->ips[i] = w->frames[i].ip;
		p->flags[i] = (uint8_t)((w->frames[i].reliable ? 0 : KS_CAP_FRAME_UNRELIABLE) |
					(w->frames[i].exact ? KS_CAP_FRAME_EXACT : 0));
	}
	err = ks_pipe_intern(p, NULL, p->ips, p->flags, w->nr, st_ret);
	if (!err && name_now && p->pool->n > from) {
		ks_symcache_resolve(p->names);
		ks_pipe_name_new(p, from);
	}
	return err;
}

/* A RAW record whose bytes cover [sp, top) of a stack the thread did not run on. */
static bool ks_pipe_raw_usable(const struct kstack_snap_thread *r)
{
	return !(r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN)) && r->raw_len &&
	       r->sp + r->raw_len == r->stack_base + r->stack_size;
}

/*
 * Is r's kernel half taken again on its own, by our walker? walked: a RAW
 * record's walk in the first pass succeeded.
 */
static bool ks_pipe_alone(const struct ks_pipe *p, const struct kstack_snap_thread *r,
			  bool walked)
{
	/*
	 * on a CPU, or caught there (CATCH_RUNNING): its record is its moment
	 * (one CATCH_RUNNING found asleep is a sleeping thread's record)
	 */
	if ((r->flags & KSTACK_SNAP_F_RUNNING) || p->o.user_only ||
	    ks_catch_caught(ks_snapshot_catch(r, NULL)))
		return false;
	if (r->flags & KSTACK_SNAP_F_RAN)
		return p->o.retake_ran;
	if (p->o.path == KS_PIPE_RAW)
		return !walked;
	/* an older driver's record without its tail; or cut where -n allows more */
	return !(r->flags & KSTACK_SNAP_F_TAIL) ||
	       ((r->flags & KSTACK_SNAP_F_TRUNCATED) && p->o.retake_cut &&
		p->o.max_frames > KSTACK_FRAMES_MAX);
}

/* The first pass over record i (position pos of the round): its stack noted. */
static struct ks_error *ks_pipe_note(struct ks_pipe *p, size_t i, size_t pos,
				     const struct kstack_snap_thread *r, const void *data)
{
	struct ks_cap_stack *hint = pos < p->nhints ? p->hints[pos] : NULL;
	struct ks_walk_thread wt;
	struct ks_walk_result w;
	struct ks_error *err;

	if (p->o.path == KS_PIPE_FRAMES) {
		if (ks_pipe_alone(p, r, false))
			return NULL;	/* its frames come from the walk alone */
		err = ks_pipe_intern(p, hint, data, ks_catch_frame_flags(r), r->nr_frames,
				     &p->stacks[i]);
		if (!err && p->stacks[i] && pos < p->nhints)
			p->hints[pos] = p->stacks[i];
		return err;
	}
	if (!ks_pipe_raw_usable(r))
		return NULL;
	wt = ks_snapshot_walk_thread(r);
	err = ks_walk_image(&p->s->cfg, &wt, data, &w);
	if (err) {
		ks_error_destroy(err);	/* taken again on its own */
		return NULL;
	}
	p->ends[i].walked = true;
	p->ends[i].end = w;
	p->ends[i].end.frames = NULL;
	err = ks_pipe_intern_walk(p, &w, false, &p->stacks[i]);
	ks_walk_result_fini(&w);
	return err;
}

/* The thread's ids and counts as record r has them. */
static void ks_pipe_thread_of(struct ks_pipe_thread *t, const struct kstack_snap_thread *r)
{
	t->rec = r;
	t->tid = r->tid;
	t->tgid = r->tgid;
	memcpy(t->comm, r->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->state = r->state;
	t->nvcsw = r->nvcsw_after;
	t->nivcsw = r->nivcsw_after;
	t->caught = ks_snapshot_catch(r, NULL);
}

static struct ks_error *ks_pipe_hand(struct ks_pipe *p, const struct ks_pipe_thread *t)
{
	return p->ops.thread(p->ops.ctx, t);
}

/* The same thread, failed (err, consumed) on its way. */
static struct ks_error *ks_pipe_hand_failed(struct ks_pipe *p, struct ks_pipe_thread *t,
					    struct ks_error *err)
{
	struct ks_error *ret;

	t->kind = KS_PIPE_FAILED;
	t->err = err;
	ret = ks_pipe_hand(p, t);
	ks_error_destroy(err);
	return ret;
}

/*
 * t walked on its own: its ids and counts as its walk's moment (t->ctx)
 * saw them, and its frames (w, consumed) interned and named.
 */
static struct ks_error *ks_pipe_walked(struct ks_pipe *p, struct ks_pipe_thread *t,
				       struct ks_walk_result *w)
{
	struct ks_cap_stack *st;
	struct ks_error *err;

	t->kind = KS_PIPE_ALONE;
	t->tgid = t->ctx.tgid;
	memcpy(t->comm, t->ctx.comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->state = t->ctx.state;
	t->nvcsw = t->ctx.nvcsw;
	t->nivcsw = t->ctx.nivcsw;
	err = ks_pipe_intern_walk(p, w, true, &st);
	t->kstack = st;
	t->end = *w;
	t->end.frames = NULL;
	ks_walk_result_fini(w);
	return err;
}

/* t (its ids set) taken again by our walker, in a quiet moment of its own, and handed on. */
static struct ks_error *ks_pipe_walk_alone(struct ks_pipe *p, struct ks_pipe_thread *t)
{
	struct ks_error *err = ks_session_walker(p->s);
	struct ks_walk_result w;

	if (!err)
		err = ks_session_walk(p->s, t->tid, &t->ctx, &w);
	if (err)
		return ks_pipe_hand_failed(p, t, err);
	err = ks_pipe_walked(p, t, &w);
	return err ? err : ks_pipe_hand(p, t);
}

/* --raw: the stack's bytes and the kernel's unwind, inside one quiet moment. */
struct ks_pipe_raw_arg {
	struct ks_pipe *p;
	uint64_t tid;
};

static struct ks_error *ks_pipe_raw_read(void *arg, const struct kstack_thread_context *ctx,
					 bool *ran)
{
	struct ks_pipe_raw_arg *a = arg;
	struct ks_pipe_raw *raw = a->p->raw;
	struct ks_driver *drv = &a->p->s->drv;
	struct ks_error *err;

	raw->len = ctx->stack_base + ctx->stack_size - ctx->sp;
	raw->stack = malloc(raw->len ? raw->len : 1);
	if (!raw->stack)
		return &ks_error_nomem;
	err = ks_driver_read(drv, ctx->sp, raw->stack, raw->len);
	if (!err)
		err = ks_driver_stack(drv, a->tid, raw->kernel, KSTACK_FRAMES_MAX, &raw->st);
	if (err) {
		free(raw->stack);
		raw->stack = NULL;
		return err;
	}
	*ran = (raw->st.flags & KSTACK_SF_RAN) || raw->st.nvcsw_before != ctx->nvcsw ||
	       raw->st.nivcsw_before != ctx->nivcsw;
	return NULL;
}

static void ks_pipe_raw_drop(void *arg)
{
	struct ks_pipe_raw_arg *a = arg;

	free(a->p->raw->stack);
	a->p->raw->stack = NULL;
}

/*
 * The walk of raw's copy; one cut short is walked again with the return
 * addresses tracing replaced, which the driver knows and the copy does not.
 */
static struct ks_error *ks_pipe_raw_walk(struct ks_pipe *p, uint64_t tid,
					 const struct kstack_thread_context *ctx,
					 struct ks_walk_result *w)
{
	struct ks_walk_thread wt = {
		.stack_base = ctx->stack_base, .stack_size = ctx->stack_size, .saved_sp = ctx->sp,
	};
	struct ks_pipe_raw *raw = p->raw;
	struct ks_error *err = ks_walk_image(&p->s->cfg, &wt, raw->stack, w);

	if (err || !ks_session_walk_cut(w))
		return err;
	err = ks_session_ret_fixups(p->s, tid, ctx, &raw->fixups, &raw->nr_fixups);
	if (err && err->code == ENOTSUP) {
		ks_error_destroy(err);
		return NULL;	/* the cut walk stands */
	}
	if (!err && raw->nr_fixups) {
		ks_walk_result_fini(w);
		wt.fixups = raw->fixups;
		wt.nr_fixups = raw->nr_fixups;
		err = ks_walk_image(&p->s->cfg, &wt, raw->stack, w);
	}
	if (err)
		ks_walk_result_fini(w);
	return err;
}

/* t taken with KS_PIPE_TAKE_RAW and handed on. */
static struct ks_error *ks_pipe_raw_take(struct ks_pipe *p, struct ks_pipe_thread *t)
{
	struct ks_pipe_raw_arg a = { p, t->tid };
	struct ks_walk_result w;
	struct ks_error *err;

	if (!p->raw) {
		p->raw = calloc(1, sizeof(*p->raw));
		if (!p->raw)
			return &ks_error_nomem;
	}
	err = ks_session_quiet(p->s, t->tid, &t->ctx, ks_pipe_raw_read, ks_pipe_raw_drop, &a);
	if (!err) {
		err = ks_pipe_raw_walk(p, t->tid, &t->ctx, &w);
		if (err)
			ks_pipe_raw_drop(&a);
	}
	if (err) {
		free(p->raw->fixups);
		p->raw->fixups = NULL;
		p->raw->nr_fixups = 0;
		return ks_pipe_hand_failed(p, t, err);
	}
	t->raw = p->raw;
	err = ks_pipe_walked(p, t, &w);
	if (!err)
		err = ks_pipe_hand(p, t);
	ks_pipe_raw_drop(&a);
	free(p->raw->fixups);
	p->raw->fixups = NULL;
	p->raw->nr_fixups = 0;
	return err;
}

/*
 * A process's records start at offset at, record i of the SNAPSHOT: its
 * user half, then ops->process.
 */
static struct ks_error *ks_pipe_process(struct ks_pipe *p, size_t at, size_t i, uint64_t tgid)
{
	struct ks_pipe_proc pp = { .tgid = tgid, .left = p->snap.nr - i };
	struct ks_error *err;

	if (p->o.user) {
		err = ks_user_half_take_proc(&p->user, &p->s->drv, &p->snap, at);
		if (err)
			return err;
		pp.hp = p->user.taken ? &p->user.cur : NULL;
	}
	return p->ops.process ? p->ops.process(p->ops.ctx, &pp) : NULL;
}

/* The second pass over record i: the thread, whole, handed on. */
static struct ks_error *ks_pipe_record(struct ks_pipe *p, size_t i,
				       const struct kstack_snap_thread *r, const void *data)
{
	const struct kstack_snap_thread *shown = NULL;
	struct ks_cap_stack *st = p->stacks[i];
	bool walked = p->ends && p->o.path == KS_PIPE_RAW && p->ends[i].walked;
	struct ks_pipe_thread t;
	struct ks_error *err;

	memset(&t, 0, sizeof(t));
	if (p->o.user)
		t.ut = ks_user_half_find(&p->user, r->tgid, r->tid, &t.uw, &shown, &t.hp);
	if (t.ut && shown && shown != r) {
		/* taken again by the user half: the kernel frames of its registers' moment */
		size_t from = p->pool->n;

		r = shown;
		data = shown + 1;
		walked = false;
		err = ks_pipe_intern(p, NULL, data, ks_catch_frame_flags(r), r->nr_frames, &st);
		if (err)
			return err;
		if (p->pool->n > from) {
			ks_symcache_resolve(p->names);
			ks_pipe_name_new(p, from);
		}
	}
	ks_pipe_thread_of(&t, r);
	if (r->flags & KSTACK_SNAP_F_RUNNING) {
		t.kind = KS_PIPE_RUNNING;
		return ks_pipe_hand(p, &t);
	}
	if (ks_pipe_alone(p, r, walked))
		return ks_pipe_walk_alone(p, &t);
	t.kind = KS_PIPE_RECORD;
	t.kstack = st;
	if (walked)
		t.end = p->ends[i].end;
	else
		ks_snapshot_frames_end(r, data, &t.end);
	if (r->flags & KSTACK_SNAP_F_RAN) {
		/* not taken again (sampling): what it holds may be of no one moment */
		t.ran = true;
		t.end.stop = KS_STOP_UNRELIABLE;
	}
	return ks_pipe_hand(p, &t);
}

/*
 * The records of p->snap (nonly 0: all of them, else those of the
 * nonly threads in only[] alone) in two passes: the first notes every stack, so that one batch
 * of SYMBOLIZE calls names all their addresses; the second hands the
 * threads on, taking each process's user half as its records come (they
 * come together) and forgetting it once they are handed on.
 */
static bool ks_pipe_wanted(const uint64_t *only, size_t nonly, uint64_t tid)
{
	size_t i;

	for (i = 0; i < nonly; i++)
		if (only[i] == tid)
			return true;
	return !nonly;
}

static struct ks_error *ks_pipe_records(struct ks_pipe *p, const uint64_t *only, size_t nonly,
				       bool *found)
{
	const struct ks_snapshot *snap = &p->snap;
	const struct kstack_snap_thread *r;
	size_t nr = snap->nr, pos0 = p->pos, from = p->pool->n, off, at, i;
	struct ks_error *err = NULL;
	const void *data;
	uint64_t tgid = 0;
	bool taken = false;

	*found = false;
	if (!ks_vec_grow(&p->stacks, &p->stacks_cap, nr, sizeof(*p->stacks), 64) ||
	    (p->o.path == KS_PIPE_RAW &&
	     !ks_vec_grow(&p->ends, &p->ends_cap, nr, sizeof(*p->ends), 64)))
		return &ks_error_nomem;
	if (nr)
		memset(p->stacks, 0, nr * sizeof(*p->stacks));
	if (nr && p->o.path == KS_PIPE_RAW)
		memset(p->ends, 0, nr * sizeof(*p->ends));
	/* this snapshot's positions: without memory no hints, the same stacks by hashing */
	if (pos0 + nr > p->nhints &&
	    ks_vec_grow(&p->hints, &p->hints_cap, pos0 + nr, sizeof(*p->hints), 256)) {
		memset(p->hints + p->nhints, 0, (pos0 + nr - p->nhints) * sizeof(*p->hints));
		p->nhints = pos0 + nr;
	}
	off = 0;
	for (i = 0; i < nr && (r = ks_snapshot_next(snap, &off, &data, &err)); i++) {
		if (!ks_pipe_wanted(only, nonly, r->tid) || (r->flags & KSTACK_SNAP_F_RUNNING))
			continue;
		err = ks_pipe_note(p, i, pos0 + i, r, data);
		if (err)
			return err;
	}
	/* a malformed record: returned where the second pass meets it */
	ks_error_destroy(err);
	err = NULL;
	ks_symcache_resolve(p->names);
	ks_pipe_name_new(p, from);
	off = 0;
	for (i = 0; i < nr && (at = off, r = ks_snapshot_next(snap, &off, &data, &err)); i++) {
		if (!ks_pipe_wanted(only, nonly, r->tid))
			continue;
		*found = true;
		if (!taken || r->tgid != tgid) {
			err = ks_pipe_process(p, at, i, r->tgid);
			if (err)
				break;
			tgid = r->tgid;
			taken = true;
		}
		err = ks_pipe_record(p, i, r, data);
		if (err)
			break;
	}
	if (p->o.user)
		ks_user_half_reset(&p->user);
	p->pos = pos0 + nr;
	return err;
}

static struct ks_error *ks_pipe_outcome(struct ks_pipe *p, const struct ks_pipe_target *tg)
{
	return p->ops.target ? p->ops.target(p->ops.ctx, tg) : NULL;
}

/* The SNAPSHOT of pid (0: the system), in the path's mode. */
static struct ks_error *ks_pipe_take(struct ks_pipe *p, uint64_t pid)
{
	bool frames = p->o.path == KS_PIPE_FRAMES;

	return ks_snapshot_take(&p->s->drv, pid, frames ? KSTACK_SNAP_FRAMES : KSTACK_SNAP_RAW,
				frames ? ks_pipe_record_frames(p) : 0, &p->snap);
}

/*
 * The running threads of a SNAPSHOT just taken (only: these nonly of them;
 * 0: all), taken where they run (catch.h): each record replaced in place
 * by CATCH_RUNNING's, its user stack copied with its registers when a
 * user half is wanted (and then the runnable threads too). The one place
 * a thread on a CPU is caught; the user half's retake catches the threads
 * it finds ran (user_half.c).
 */
static struct ks_error *ks_pipe_catch(struct ks_pipe *p, const uint64_t *only, size_t nonly)
{
	size_t bytes = 0;

	if (!p->o.catch_running || p->o.path != KS_PIPE_FRAMES)
		return NULL;
	if (p->o.user)
		bytes = p->o.user_stack_bytes ? p->o.user_stack_bytes : KS_USER_STACK_BYTES_DEFAULT;
	return ks_catch_running(&p->s->drv, &p->snap, ks_pipe_record_frames(p), bytes, only,
				nonly);
}

/* The threads of a snapshot just taken, then its outcome. */
static struct ks_error *ks_pipe_taken(struct ks_pipe *p, struct ks_pipe_target *tg,
				      const uint64_t *only, size_t nonly)
{
	struct ks_error *err = ks_pipe_catch(p, only, nonly);

	if (err)
		return err;
	if (p->o.user)
		ks_user_half_only(&p->user, nonly ? only : NULL, nonly);
	err = ks_pipe_records(p, only, nonly, &tg->found);
	if (p->o.user)
		ks_user_half_only(&p->user, NULL, 0);
	if (err)
		return err;
	tg->skipped = p->snap.skipped;
	tg->denied = p->snap.denied;
	tg->leader_gone = tg->scope == KS_PIPE_PROCESS && tg->found && tg->id &&
			  ks_snapshot_leader_gone(&p->snap, tg->id);
	return ks_pipe_outcome(p, tg);
}

/* Each thread of l taken on its own (opts.take), to the round's callbacks. */
static struct ks_error *ks_pipe_each(struct ks_pipe *p, const struct ks_tid_list *l)
{
	struct ks_error *err = ks_session_walker(p->s);
	size_t i;

	for (i = 0; !err && i < l->n; i++) {
		struct ks_pipe_thread t;

		memset(&t, 0, sizeof(t));
		t.tid = l->v[i].tid;
		t.tgid = l->v[i].tgid;
		memcpy(t.comm, l->v[i].comm, sizeof(t.comm));
		t.comm[sizeof(t.comm) - 1] = '\0';
		switch (p->o.take) {
		case KS_PIPE_TAKE_NONE:
			t.kind = KS_PIPE_IDS;
			err = ks_pipe_hand(p, &t);
			break;
		case KS_PIPE_TAKE_RAW:
			err = ks_pipe_raw_take(p, &t);
			break;
		default:
			err = ks_pipe_walk_alone(p, &t);
			break;
		}
	}
	return err;
}

/*
 * A process of /proc past one SNAPSHOT's bound (why: its E2BIG): with
 * bound_threads its threads, listed from /proc, each walked on its own.
 */
static struct ks_error *ks_pipe_bound(struct ks_pipe *p, struct ks_pipe_target *tg)
{
	struct ks_tid_list l = { 0 };
	struct ks_error *err;

	if (!p->o.bound_threads)
		return ks_pipe_outcome(p, tg);
	err = ks_session_walker(p->s);
	if (!err)
		err = ks_threads_of(&l, NULL, tg->id);
	if (err && err->code == ESRCH) {	/* exited meanwhile */
		ks_error_destroy(err);
		err = NULL;
	}
	if (!err) {
		tg->nthreads = l.n;
		err = ks_pipe_outcome(p, tg);
	}
	if (!err)
		err = ks_pipe_each(p, &l);
	ks_tid_list_fini(&l);
	return err;
}

/* Process pid (named, or listed for --all past the bound): its threads, its outcome. */
static struct ks_error *ks_pipe_process_target(struct ks_pipe *p, uint64_t pid,
					       enum ks_pipe_scope scope)
{
	struct ks_pipe_target tg = { .scope = scope, .id = pid };
	struct ks_error *err = ks_pipe_take(p, pid);

	if (err && (err->code == ESRCH || err->code == EPERM ||
		    (err->code == E2BIG && scope == KS_PIPE_LISTED))) {
		struct ks_error *ret;

		tg.err = err;
		ret = err->code == E2BIG ? ks_pipe_bound(p, &tg) : ks_pipe_outcome(p, &tg);
		ks_error_destroy(err);
		return ret;
	}
	return err ? err : ks_pipe_taken(p, &tg, NULL, 0);
}

/* Thread tid: its process's SNAPSHOT, that thread alone handed on. */
static struct ks_error *ks_pipe_thread_target(struct ks_pipe *p, uint64_t tid)
{
	struct ks_pipe_target tg = { .scope = KS_PIPE_THREAD, .id = tid };
	struct kstack_thread_context ctx;
	struct ks_error *err;
	uint64_t pid = tid;
	bool refused;

	/*
	 * Its process: named by its tgid where the thread's context gives it,
	 * else (running, gone) by the thread's own id, for which the driver
	 * takes the thread group of the task that id names.
	 */
	err = ks_driver_thread_context(&p->s->drv, tid, &ctx);
	if (!err)
		pid = ctx.tgid;
	refused = err && err->code == EPERM;
	ks_error_destroy(err);
	err = ks_pipe_take(p, pid);
	if (err && (err->code == ESRCH || err->code == EPERM)) {
		struct ks_error *ret;

		tg.err = err;
		tg.refused = err->code == EPERM;
		ret = ks_pipe_outcome(p, &tg);
		ks_error_destroy(err);
		return ret;
	}
	if (err)
		return err;
	if (refused && p->snap.denied) {
		/* the thread alone is not the caller's: its SNAPSHOT left it out */
		tg.refused = true;
		tg.skipped = p->snap.skipped;
		tg.denied = p->snap.denied;
		return ks_pipe_outcome(p, &tg);
	}
	return ks_pipe_taken(p, &tg, &tid, 1);
}

/*
 * --all past one SNAPSHOT's bound (why: the system's E2BIG, consumed):
 * one SNAPSHOT per process of /proc, whose ids must be the driver's.
 */
static struct ks_error *ks_pipe_per_process(struct ks_pipe *p, struct ks_error *why)
{
	struct ks_pipe_target tg = { .scope = KS_PIPE_SYSTEM, .err = why };
	struct ks_tid_list procs = { 0 };
	struct ks_error *err = ks_proc_is_ours();
	size_t i;

	if (err) {
		err = ks_error_wrap(err, "%s; listing the processes", why->message);
		ks_error_destroy(why);
		return err;
	}
	p->per_process = true;
	err = ks_pipe_outcome(p, &tg);
	ks_error_destroy(why);
	if (!err)
		err = ks_procs_all(&procs, NULL);
	for (i = 0; !err && i < procs.n; i++)
		err = ks_pipe_process_target(p, procs.v[i].tgid, KS_PIPE_LISTED);
	ks_tid_list_fini(&procs);
	return err;
}

struct ks_error *ks_pipe_run(struct ks_pipe *p, const struct ks_pipe_targets *tg,
			     const struct ks_pipe_ops *ops)
{
	struct ks_error *err;
	size_t i;

	p->ops = *ops;
	p->pos = 0;
	p->per_process = false;
	if (p->o.path == KS_PIPE_THREADS)
		return ks_error_format(EINVAL, "pipeline: thread by thread takes a thread list");
	err = ks_pipe_prepare(p);
	if (err)
		return err;
	if (tg->all) {
		struct ks_pipe_target sys = { .scope = KS_PIPE_SYSTEM };

		err = ks_pipe_take(p, 0);
		if (err && err->code == E2BIG)
			return ks_pipe_per_process(p, err);
		return err ? err : ks_pipe_taken(p, &sys, NULL, 0);
	}
	for (i = 0; !err && i < tg->nids; i++)
		err = tg->threads ? ks_pipe_thread_target(p, tg->ids[i]) :
				    ks_pipe_process_target(p, tg->ids[i], KS_PIPE_PROCESS);
	return err;
}

struct ks_error *ks_pipe_threads_of(struct ks_pipe *p, uint64_t pid, const uint64_t *tids,
				    size_t n, const struct ks_pipe_ops *ops)
{
	struct ks_pipe_target tg = { .scope = KS_PIPE_PROCESS, .id = pid };
	struct ks_error *err;

	p->ops = *ops;
	p->pos = 0;
	p->per_process = false;
	if (p->o.path == KS_PIPE_THREADS)
		return ks_error_format(EINVAL, "pipeline: thread by thread takes a thread list");
	if (!n)
		return NULL;
	err = ks_pipe_prepare(p);
	if (!err)
		err = ks_pipe_take(p, pid);
	if (err && (err->code == ESRCH || err->code == EPERM)) {
		struct ks_error *ret;

		tg.err = err;
		ret = ks_pipe_outcome(p, &tg);
		ks_error_destroy(err);
		return ret;
	}
	return err ? err : ks_pipe_taken(p, &tg, tids, n);
}

struct ks_error *ks_pipe_threads(struct ks_pipe *p, const struct ks_tid_list *l,
				 const struct ks_pipe_ops *ops)
{
	p->ops = *ops;
	return ks_pipe_each(p, l);
}

void ks_pipe_forget_stacks(struct ks_pipe *p)
{
	p->nhints = 0;
}
