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
#include "catch.h"
#include "filter.h"
#include "output.h"
#include "snapshot.h"
#include "user_half.h"
#include "cli.h"
#include "triage.h"

/* Scratch: one walk's frames as (ips, flags), the key of the stack pool. */
struct cap_scratch {
	uint64_t *ips;
	uint8_t *flags;
	size_t cap;
	struct ks_cap_frame *uf;	/* a user walk's frames */
	size_t ucap;
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

/* What the first pass keeps of a RAW record for the second (FRAMES: the stack alone). */
struct rec_walk {
	struct ks_walk_result end;	/* how our walk ended (frames NULL) */
	bool walked;			/* walked here, end set */
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

/* How a walk ended (ours, or the driver's from its tail), as the capture says it. */
static void cap_set_end(struct ks_cap_thread *t, const struct ks_walk_result *end)
{
	switch (end->stop) {
	case KS_STOP_USER:
		t->flags |= KS_CAP_USER;
		t->user_ip = end->user_ip;
		t->user_sp = end->user_sp;
		break;
	case KS_STOP_END_OF_STACK:
		break;
	case KS_STOP_MAX_FRAMES:
		t->flags |= KS_CAP_PARTIAL | KS_CAP_TRUNCATED;
		t->why = "frame limit";
		break;
	default:
		t->flags |= KS_CAP_PARTIAL;
		t->why = ks_walk_stop_name(end->stop);
		t->stop_ip = end->stop_ip;
		break;
	}
}

/*
 * A thread caught running on a CPU (catch.h): marked, with where (an
 * on-CPU sample, told apart from the off-CPU ones in every report).
 */
static void cap_set_caught(const struct triage_target *tg, struct ks_cap_thread *t,
			   const struct kstack_snap_thread *r)
{
	const struct kstack_snap_catch *k = ks_snapshot_catch(r, NULL);

	if (k && k->how == KSTACK_CATCH_MISSED) {
		/* on a CPU and not caught there: not whole (said once, not every round) */
		t->flags |= KS_CAP_PARTIAL;
		t->why = "running, not caught on its CPU";
		if (tg->retake)
			cli_message("thread %" PRIu64 ": running on CPU %u, not caught: %s", r->tid,
				    k->cpu, ks_catch_missed_why(k->missed));
	}
	if (!ks_catch_caught(k))
		return;
	t->flags |= KS_CAP_ON_CPU;
	t->state = 'R';
	t->cpu = k->cpu;
	t->caught_ip = k->ip;
}

/* A thread's user half, as the user half's take found it. */
struct cap_user {
	const struct ks_user_thread *ut;	/* NULL: none (kernel thread, running) */
	const struct ks_user_walk *w;		/* NULL: not walked (hp->err says why) */
	const struct ks_user_half_proc *hp;
};

/*
 * r's user half (its process's, taken by cap_snapshot()), and the record
 * to take its kernel half from: the user half's retake of the thread when
 * it was taken again (its kernel frames go with the registers its user
 * half was unwound from; FRAMES records, the frames right after the
 * record).
 */
static void cap_user_find(const struct triage_target *tg, const struct kstack_snap_thread **r,
			  const void **data, struct cap_user *u)
{
	const struct kstack_snap_thread *shown = NULL;

	memset(u, 0, sizeof(*u));
	if (!tg->user)
		return;
	u->ut = ks_user_half_find(tg->user, (*r)->tgid, (*r)->tid, &u->w, &shown, &u->hp);
	if (u->ut && shown && shown != *r) {
		*r = shown;
		*data = shown + 1;
	}
}

/*
 * t's user half from u: its walk interned in the pool (names as the
 * unwinder made them: escaped, kept until its fini), and with
 * tg->user_flags a user half that is not whole (user_walk_whole(): cut at
 * the frame limit, stopped before its outermost frame, not walked or not
 * taken) or a thread that ran while its user half was taken marks t
 * partial, as the listing counts them. NULL, or without memory.
 */
static struct ks_error *cap_user_apply(const struct triage_target *tg, struct ks_cap_pool *pool,
				       struct cap_scratch *k, const struct cap_user *u,
				       struct ks_cap_thread *t)
{
	size_t i, n;

	if (!u->ut)
		return NULL;
	if (tg->user_only) {
		/* the kernel half is not shown: nor is how it ended (where it ran is) */
		t->kstack = NULL;
		t->flags = KS_CAP_USER | (t->flags & KS_CAP_ON_CPU);
		t->why = NULL;
		t->stop_ip = 0;
		t->user_ip = u->ut->regs.ip;
		t->user_sp = u->ut->regs.sp;
	}
	n = u->w ? u->w->nr : 0;
	if (n > k->ucap) {
		struct ks_cap_frame *uf = realloc(k->uf, n * sizeof(*uf));

		if (!uf)
			return &ks_error_nomem;
		k->uf = uf;
		k->ucap = n;
	}
	for (i = 0; i < n; i++) {
		const struct ks_user_frame *f = &u->w->frames[i];

		k->uf[i] = (struct ks_cap_frame){
			.ip = f->pc,
			.name = f->name,
			.flags = (uint8_t)((f->flags & KS_UF_FALLBACK ? KS_CAP_FRAME_UNRELIABLE : 0) |
					   (f->flags & KS_UF_EXACT ? KS_CAP_FRAME_EXACT : 0)),
		};
	}
	t->ustack = n ? ks_cap_pool_intern_frames(pool, k->uf, n) : NULL;
	if (n && !t->ustack)
		return &ks_error_nomem;
	if (!tg->user_flags || (t->flags & KS_CAP_PARTIAL))
		return NULL;
	if (u->w && u->w->stop == KS_USTOP_LIMIT) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "user frame limit";
	} else if (!user_walk_whole(u->w)) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = !u->w ? "no user half" : u->w->stop == KS_USTOP_NONE ? "no user stack" :
			 "user walk stopped";
	} else if (u->ut->flags & KS_UT_RAN) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "ran while its user half was taken";
	}
	return NULL;
}

static bool record_usable(const struct kstack_snap_thread *r)
{
	return !(r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN)) && r->raw_len &&
	       r->sp + r->raw_len == r->stack_base + r->stack_size;
}

/*
 * Taken again on its own, as kstack's listing does: a thread that ran
 * through its capture (when the target retakes), or a RAW record the
 * first pass could not walk.
 */
static bool record_alone(const struct triage_target *tg, const struct kstack_snap_thread *r,
			 const struct rec_walk *w)
{
	if (r->flags & KSTACK_SNAP_F_RUNNING)
		return false;
	if (r->flags & KSTACK_SNAP_F_RAN)
		return tg->retake;
	return w && !w->walked;
}

/* One thread taken on its own (its record was not usable), into c. */
static struct ks_error *cap_add_alone(const struct triage_target *tg, struct ks_capture *c,
				      struct cap_scratch *k, const struct kstack_snap_thread *r,
				      const struct cap_user *u, struct triage_counts *counts)
{
	struct ks_symcache *names = tg->names;
	struct kstack_thread_context ctx;
	struct ks_walk_result w;
	struct ks_cap_thread t;
	size_t from = c->pool->n;
	struct ks_error *err = ks_session_walker(tg->s);

	if (!err)
		err = ks_session_walk(tg->s, r->tid, &ctx, &w);
	if (err && err->code == EBUSY) {
		cap_thread_init(&t, r->tid, r->tgid, r->comm, 0, r->nvcsw_after, r->nivcsw_after);
		t.flags = KS_CAP_RUNNING;
		ks_error_destroy(err);
		return ks_capture_add(c, &t) ? NULL : &ks_error_nomem;
	}
	if (err) {
		/* exited meanwhile: not a failure (it is no longer there to show) */
		if (err->code != ESRCH) {
			counts->failed++;
			fprintf(stderr, "kstack: thread %" PRIu64 ": %s\n", r->tid, err->message);
		}
		ks_error_destroy(err);
		return NULL;
	}
	cap_thread_init(&t, r->tid, ctx.tgid, ctx.comm, ctx.state, ctx.nvcsw, ctx.nivcsw);
	t.kstack = w.nr ? cap_intern_walk(c->pool, names, k, &w) : NULL;
	cap_set_end(&t, &w);
	err = w.nr && !t.kstack ? &ks_error_nomem : NULL;
	ks_walk_result_fini(&w);
	if (err)
		return err;
	ks_symcache_resolve(names);
	cap_name_new(c->pool, names, from);
	err = cap_user_apply(tg, c->pool, k, u, &t);
	if (err)
		return err;
	return ks_capture_add(c, &t) ? NULL : &ks_error_nomem;
}

/*
 * The kernel stack of a record the user half took again (a retake's
 * FRAMES record): interned, and named now if new (retakes are few).
 */
static struct ks_error *cap_retaken_stack(const struct triage_target *tg, struct ks_cap_pool *pool,
					  const struct kstack_snap_thread *r, const void *data,
					  struct ks_cap_stack **st_ret)
{
	size_t from = pool->n, j;
	bool added;

	*st_ret = NULL;
	if (!r->nr_frames)
		return NULL;
	*st_ret = ks_cap_pool_intern(pool, data, NULL, r->nr_frames, &added);
	if (!*st_ret)
		return &ks_error_nomem;
	if (added) {
		for (j = 0; j < r->nr_frames; j++)
			ks_symcache_want(tg->names, ((const uint64_t *)data)[j], false);
		ks_symcache_resolve(tg->names);
		cap_name_new(pool, tg->names, from);
	}
	return NULL;
}

/*
 * One SNAPSHOT's records into c, in two passes: the first walks RAW
 * stacks (FRAMES records come walked) and interns each stack in the pool,
 * queueing the addresses of new ones for naming; then one batch of
 * SYMBOLIZE calls names them all; the second pass adds the threads, with
 * tg->user taking each process's user half as its records come (they come
 * together) and forgetting it once they are added: only their frames stay,
 * interned in the pool, so the capture holds one process's user state at
 * a time. A thread's cost is then a walk and a hash: a whole-system
 * listing has a few dozen distinct stacks.
 */
static struct ks_error *cap_snapshot(const struct triage_target *tg,
				     const struct ks_snapshot *snap, struct ks_capture *c,
				     struct triage_counts *counts)
{
	struct ks_symcache *names = tg->names;
	/* per record: its stack; RAW records also how our walk ended */
	struct ks_cap_stack **stacks = calloc(snap->nr ? snap->nr : 1, sizeof(*stacks));
	struct rec_walk *walks = tg->frames ? NULL : calloc(snap->nr ? snap->nr : 1,
							    sizeof(*walks));
	size_t pos0 = (size_t)c->walked;	/* this snapshot's first position in c */
	const struct kstack_snap_thread *r;
	struct cap_scratch k = { 0 };
	struct ks_error *err = NULL, *e2;
	size_t off = 0, at, i, from = c->pool->n;
	const void *data;
	uint64_t tgid = 0;
	bool taken = false;

	if (!stacks || (!tg->frames && !walks)) {
		free(stacks);
		free(walks);
		return &ks_error_nomem;
	}
	/* one allocation for this snapshot's threads, not a doubling series */
	if (!ks_capture_reserve(c, snap->nr)) {
		free(stacks);
		free(walks);
		return &ks_error_nomem;
	}
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
		struct ks_walk_thread wt;
		struct ks_walk_result w;
		bool added;
		size_t j;

		if (r->flags & KSTACK_SNAP_F_RUNNING)
			continue;
		wt = ks_snapshot_walk_thread(r);
		if (r->nr_frames) {
			struct ks_cap_stack *hint = pos0 + i < c->hints_cap ? c->hints[pos0 + i] : NULL;
			const uint8_t *fl = ks_catch_frame_flags(r);

			stacks[i] = ks_cap_pool_intern_hint(c->pool, hint, data, fl, r->nr_frames,
							    &added);
			if (stacks[i] && pos0 + i < c->hints_cap)
				c->hints[pos0 + i] = stacks[i];
			if (!stacks[i]) {
				err = &ks_error_nomem;
				break;
			}
			for (j = 0; added && j < r->nr_frames; j++)
				ks_symcache_want(names, ((const uint64_t *)data)[j],
						 fl && (fl[j] & KS_CAP_FRAME_EXACT));
			continue;
		}
		if (!walks || !record_usable(r))
			continue;
		e2 = ks_walk_image(&tg->s->cfg, &wt, data, &w);
		if (e2) {
			ks_error_destroy(e2);
			continue;
		}
		walks[i].walked = true;
		walks[i].end = w;
		walks[i].end.frames = NULL;
		stacks[i] = w.nr ? cap_intern_walk(c->pool, names, &k, &w) : NULL;
		if (w.nr && !stacks[i])
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
	for (i = 0; !err && (at = off, r = ks_snapshot_next(snap, &off, &data, &err)) &&
		    i < snap->nr; i++) {
		const struct kstack_snap_thread *rec = r;
		struct ks_cap_thread t;
		struct cap_user u;

		c->walked++;
		if (tg->user && (!taken || r->tgid != tgid)) {
			err = ks_user_half_take_proc(tg->user, &tg->s->drv, snap, at);
			if (err)
				break;
			tgid = r->tgid;
			taken = true;
		}
		cap_user_find(tg, &r, &data, &u);
		if (r != rec) {
			err = cap_retaken_stack(tg, c->pool, r, data, &stacks[i]);
			if (err)
				break;
		}
		/* --user: a thread without a user half (a kernel thread) is not shown */
		if (tg->user_only && !u.ut && !(r->flags & KSTACK_SNAP_F_RUNNING))
			continue;
		if (record_alone(tg, r, walks ? &walks[i] : NULL)) {
			err = cap_add_alone(tg, c, &k, r, &u, counts);
			continue;
		}
		cap_thread_init(&t, r->tid, r->tgid, r->comm, r->state, r->nvcsw_after,
				r->nivcsw_after);
		t.kstack = stacks[i];
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			t.state = 'R';
			t.flags = KS_CAP_RUNNING;
		} else if (walks && walks[i].walked) {
			cap_set_end(&t, &walks[i].end);
		} else {
			struct ks_walk_result end;

			/* the driver's walk: its tail says how it ended */
			ks_snapshot_frames_end(r, data, &end);
			if (r->flags & KSTACK_SNAP_F_RAN) {
				end.stop = KS_STOP_UNRELIABLE;
				t.why = "ran during its capture";
			}
			cap_set_end(&t, &end);
		}
		cap_set_caught(tg, &t, r);
		err = cap_user_apply(tg, c->pool, &k, &u, &t);
		if (!err && !ks_capture_add(c, &t))
			err = &ks_error_nomem;
	}
out:
	if (tg->user)
		ks_user_half_reset(tg->user);
	free(stacks);
	free(walks);
	free(k.ips);
	free(k.flags);
	free(k.uf);
	return err;
}

/* A named process with nothing to show (zombie: threads found but left out), once. */
static struct ks_error *counts_gone(struct triage_counts *counts, uint64_t pid, uint32_t zombie)
{
	size_t i;

	for (i = 0; i < counts->ngone; i++)
		if (counts->gone[i].pid == pid)
			return NULL;
	if (counts->ngone == counts->gone_cap) {
		size_t cap = counts->gone_cap ? counts->gone_cap * 2 : 8;
		struct triage_gone *v = realloc(counts->gone, cap * sizeof(*v));

		if (!v)
			return &ks_error_nomem;
		counts->gone = v;
		counts->gone_cap = cap;
	}
	counts->gone[counts->ngone++] = (struct triage_gone){ pid, zombie };
	return NULL;
}

/* pid into the list *v (each once: sampling meets it every round) */
static struct ks_error *counts_once(uint64_t **v, size_t *n, size_t *cap, uint64_t pid)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == pid)
			return NULL;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		uint64_t *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return &ks_error_nomem;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = pid;
	return NULL;
}

/*
 * Process pid (0: the system) into c. A named process that is gone or a
 * zombie is counted once (counts->gone), the others go on; one listed for
 * --all past the bound (listed) that is gone or a zombie is left out, as
 * the whole-system SNAPSHOT leaves it out. Not the caller's: a named one
 * is counted once (counts->denied), a listed one in counts->denied_listed.
 */
static struct ks_error *capture_process(const struct triage_target *tg, uint64_t pid, bool listed,
					struct ks_snapshot *snap, struct ks_capture *c,
					struct triage_counts *counts)
{
	uint32_t mode = tg->frames ? KSTACK_SNAP_FRAMES : KSTACK_SNAP_RAW;
	struct ks_error *err;

	err = ks_snapshot_take(&tg->s->drv, pid, mode, tg->frames ? tg->max_frames : 0, snap);
	/* the running threads where they run, once the sleeping ones are taken */
	if (!err && tg->frames)
		err = ks_catch_running(&tg->s->drv, snap, tg->max_frames,
				       tg->user ? tg->user->stack_bytes : 0, NULL, 0);
	if (err && err->code == ESRCH && pid) {
		ks_error_destroy(err);
		return listed ? NULL : counts_gone(counts, pid, 0);
	}
	if (err && err->code == EPERM && pid) {
		/* not the caller's: a named one counted once; --all's counted, said once */
		ks_error_destroy(err);
		if (listed) {
			counts->denied_listed++;
			return NULL;
		}
		return counts_once(&counts->denied, &counts->ndenied, &counts->denied_cap, pid);
	}
	if (err && err->code == E2BIG && listed) {
		/* one process past the bound: its threads are not one group's worth of moments */
		ks_error_destroy(err);
		return ks_error_format(E2BIG, "process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: --group, --format and --sample cannot take it (list it thread by thread: kstack --kernel %" PRIu64 ")",
				       pid, KSTACK_SNAP_MAX_THREADS, pid);
	}
	if (err)
		return err;
	counts->denied_threads += snap->denied;
	if (pid && !snap->nr && snap->skipped)
		/* found, with every thread gone: a zombie, said as the listing says it */
		return listed ? NULL : counts_gone(counts, pid, snap->skipped);
	/* the user half is taken process by process in cap_snapshot() */
	return cap_snapshot(tg, snap, c, counts);
}

/*
 * --all past one SNAPSHOT's bound (E2BIG, why): one SNAPSHOT per process,
 * listed from /proc of our own pid namespace (the driver's ids), each
 * process one moment, the system not; said once on stderr.
 */
static struct ks_error *capture_per_process(const struct triage_target *tg, struct ks_error *why,
					    struct ks_snapshot *snap, struct ks_capture *c,
					    struct triage_counts *counts)
{
	struct ks_tid_list procs = { 0 };
	struct ks_error *err;
	size_t i;

	err = all_processes(&procs, why, !counts->per_process_said);
	counts->per_process_said = true;
	for (i = 0; !err && i < procs.n; i++)
		err = capture_process(tg, procs.v[i].tgid, true, snap, c, counts);
	ks_tid_list_fini(&procs);
	return err;
}

struct ks_error *triage_capture(const struct triage_target *tg, struct ks_snapshot *snap,
				struct ks_capture *c, struct triage_counts *counts)
{
	struct ks_error *err;
	size_t i;

	ks_capture_reset(c);
	if (tg->all) {
		err = capture_process(tg, 0, false, snap, c, counts);
		if (err && err->code == E2BIG)
			return capture_per_process(tg, err, snap, c, counts);
		return err;
	}
	for (i = 0; i < tg->npids; i++) {
		err = capture_process(tg, tg->pids[i], false, snap, c, counts);
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

/*
 * The exit status's tally (one rule for every action, tally.c): the
 * threads the capture shows, whole, cut or running (sampling: the profile
 * is whole once a round saw a thread); with filters that leave nothing,
 * the report itself is the whole output. Named processes that are gone
 * are said and counted as missing.
 */
static void triage_tally(struct tally *tally, const struct ks_capture *c, uint64_t walked,
			 bool sampled, const struct triage_counts *counts)
{
	size_t i;

	for (i = 0; !sampled && i < c->n; i++) {
		/* partial first: a running thread that was not caught is */
		if (c->v[i].flags & KS_CAP_PARTIAL)
			tally->cut++;
		else if (c->v[i].flags & KS_CAP_RUNNING)
			tally->running++;
		else
			tally->whole++;
	}
	if ((sampled || !c->n) && walked)
		tally->whole++;
	/* sampling: a sample cut short in any round makes the profile partial */
	tally->cut += counts->cut;
	tally->failed += counts->failed;
	for (i = 0; i < counts->ngone; i++) {
		const struct triage_gone *gp = &counts->gone[i];
		struct ks_error *why = target_gone(gp->pid, false, gp->zombie, gp->zombie);

		tally_missing(tally, why);
		ks_error_destroy(why);
	}
	for (i = 0; i < counts->ndenied; i++) {
		struct ks_error *why = ks_error_format(EPERM, "process %" PRIu64
						       ": permission denied (%s)",
						       counts->denied[i], KS_DENIED_WHY);

		tally_denied(tally, why);
		ks_error_destroy(why);
	}
	if (counts->denied_listed) {
		cli_message("%" PRIu64 " %s not shown: not permitted (%s)", counts->denied_listed,
			    counts->denied_listed == 1 ? "process" : "processes", KS_DENIED_WHY);
		tally->denied += counts->denied_listed;
	}
	if (!sampled) {
		tally_denied_threads(tally, counts->denied_threads);
	} else if (counts->denied_threads) {
		cli_message("%" PRIu64 " thread samples not shown: not permitted (%s)",
			    counts->denied_threads, KS_DENIED_WHY);
		tally->denied += counts->denied_threads;
	}
}

/*
 * Whether the triage takes the user half, as the listing does: both halves
 * by default, none with --kernel, and with --sample only when --user asks
 * (a user half every round costs a stack copy and a libdwfl unwind per
 * thread). It needs FRAMES records with tails and /proc of our pid
 * namespace; without them --user fails and the default goes on with the
 * kernel half, with a note. *on: taken.
 */
static struct ks_error *triage_user_open(const struct opts *o, const struct triage_target *tg,
					 struct ks_user_half *h, bool *on)
{
	uint32_t max = o->max_frames ? o->max_frames : KS_WALK_DEFAULT_MAX;
	struct ks_error *why;

	*on = false;
	if (o->half == CLI_KERNEL || (o->triage.sample && o->half != CLI_USER))
		return NULL;
	if (o->half == CLI_USER && o->triage.group == KS_GROUP_KERNEL)
		return ks_error_format(EINVAL, "--user and --group=kernel exclude each other");
	why = tg->frames ? proc_is_ours() :
		ks_error_format(ENOTSUP, "the driver gives no user registers (SNAPSHOT tails)");
	if (why) {
		why = ks_error_wrap(why, "user half");
		if (o->half == CLI_USER)
			return why;
		cli_message("note: %s", why->message);
		ks_error_destroy(why);
		return NULL;
	}
	ks_user_half_init(h, o->user_stack_bytes, max,
			  max < KSTACK_FRAMES_MAX ? max : KSTACK_FRAMES_MAX);
	*on = true;
	return NULL;
}

struct ks_error *triage_run(const struct opts *o, struct ks_session *s,
			    struct ks_symcache *names, struct tally *tally)
{
	const struct triage_opts *t = &o->triage;
	struct ks_report r = { .interval_ns = t->interval_ns, .start_ns = now_ns(CLOCK_REALTIME) };
	struct triage_target tg = {
		.s = s,
		.names = names,
		.all = o->target == CLI_ALL,
		.pids = o->ids,
		.npids = o->nids,
		/* one record's bound: the driver walks at most KSTACK_FRAMES_MAX */
		.max_frames = o->max_frames ? (o->max_frames < KSTACK_FRAMES_MAX ? o->max_frames :
					       KSTACK_FRAMES_MAX) : KS_WALK_DEFAULT_MAX,
		.frames = frames_usable(&s->drv),
		/* a sampling round takes no thread twice: one that ran is a cut sample */
		.retake = !t->sample,
	};
	struct triage_counts counts = { 0 };
	struct ks_snapshot snap = { 0 };
	struct ks_user_half user;
	bool user_on;
	struct ks_cap_pool pool;
	struct ks_grouping g;
	struct ks_capture c;
	struct ks_filter f;
	struct ks_error *err;
	FILE *out = stdout;

	err = triage_user_open(o, &tg, &user, &user_on);
	if (err)
		return err;
	if (user_on) {
		tg.user = &user;
		tg.user_only = o->half == CLI_USER;
		/* grouped on the kernel half: the user half only filters (--match) */
		tg.user_flags = t->group != KS_GROUP_KERNEL;
	}
	/* the options were checked (triage_opts_check): this compiles */
	err = ks_filter_init(&f, t->states, t->comm, t->match);
	if (err)
		goto out_user;
	if (!tg.frames) {
		/* a driver without FRAMES tails: raw stacks walked here */
		err = ks_session_walker(s);
		if (err) {
			ks_filter_fini(&f);
			goto out_user;
		}
	}
	if (t->output) {
		out = fopen(t->output, "we");
		if (!out) {
			err = ks_error_format(errno, "%s: %s", t->output, strerror(errno));
			ks_filter_fini(&f);
			goto out_user;
		}
	}
	ks_cap_pool_init(&pool);
	ks_capture_init(&c, &pool);
	/* folded lines are per (comm, stack) by definition: group even when not asked */
	ks_grouping_init(&g, t->format == KS_FORMAT_FOLDED && t->group == KS_GROUP_NONE ?
			 KS_GROUP_WHOLE : t->group);
	if (t->sample) {
		err = triage_sample(&tg, t, &f, &pool, &g, &r, &counts);
	} else {
		err = triage_capture(&tg, &snap, &c, &counts);
		if (!err) {
			r.walked = c.walked;
			ks_filter_capture(&f, &c, &r.left);
			err = ks_grouping_add(&g, &c);
		}
	}
	if (!err) {
		ks_grouping_finish(&g, t->min_count);
		r.g = &g;
		r.not_permitted = counts.denied_threads;
		r.not_permitted_processes = counts.ndenied + counts.denied_listed;
		err = ks_report_write(&r, t->format, out);
	}
	if (!err)
		triage_tally(tally, &c, r.walked, t->sample, &counts);
	if (counts.failed)
		fprintf(stderr, "kstack: %" PRIu64 " threads could not be walked\n", counts.failed);
	if (out != stdout && fclose(out) && !err)
		err = ks_error_format(errno, "%s: %s", t->output, strerror(errno));
	ks_snapshot_fini(&snap);
	ks_capture_fini(&c);
	ks_grouping_fini(&g);
	ks_cap_pool_fini(&pool);
	ks_filter_fini(&f);
	free(counts.gone);
	free(counts.denied);
out_user:
	/* last: the pool's user frame names are the unwinder's */
	if (user_on)
		ks_user_half_fini(&user);
	return err;
}
