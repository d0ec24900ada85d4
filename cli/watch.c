// SPDX-License-Identifier: GPL-2.0
/*
 * kstack --watch: rounds of the capture pipeline (lib/pipeline.h), each
 * the kernel half of the watched threads (one SNAPSHOT of frames: a few
 * µs a thread), until SIGINT or SIGTERM. A thread unchanged for --stuck
 * (its state, kernel stack and context-switch counts: lib/watch_track.h)
 * is reported once, with its whole stack taken then, both halves (a run
 * of the pipeline on that thread alone, as kstack -t takes it); one
 * reported that makes progress or exits, once more, in one line. With
 * --textfile the metrics (lib/prom_text.h) are rewritten every round for
 * node_exporter's textfile collector.
 *
 * Rounds run on a fixed grid of the monotonic clock, as --sample's do
 * (sample.c). Memory stays flat: the state is per live thread
 * (watch_track.c), and the pool of distinct kernel stacks and their names,
 * which only grow, start afresh when they hold far more than the threads
 * now use.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "escape.h"
#include "filter.h"
#include "output.h"
#include "prom_text.h"
#include "user_unwind.h"
#include "vec.h"
#include "waitfor.h"
#include "watch_json.h"
#include "watch_track.h"
#include "watch_where.h"
#include "cli.h"

/* A thread found stuck this round: reported after the round, if still so. */
struct watch_pending {
	uint64_t tid, tgid;
	size_t at;			/* its tracker entry */
	uint64_t for_ns;
	uint64_t nvcsw, nivcsw;
	char state;
	char comm[KSTACK_COMM_LEN];
	char function[256];		/* escaped */
	bool done;			/* reported (or found to have moved) */
};

/* A named process or thread the rounds cannot see: said once while so. */
struct watch_said {
	uint64_t id;
	int code;
};

struct watch {
	const struct opts *o;
	struct ks_session *s;
	struct ks_symcache *names;
	enum ks_pipe_path path;
	bool user;			/* a stuck thread's block has its user half */
	bool json;
	struct ks_cap_pool pool;	/* the rounds' kernel stacks */
	struct ks_pipe pipe;
	struct ks_pipe_targets targets;
	struct ks_filter filter;
	struct ks_sched_text sched;
	struct ks_watch_track track;
	struct ks_prom_metrics m;
	struct ks_prom_file pf;
	bool textfile;
	bool textfile_failing;		/* the last write failed (said once) */
	struct watch_pending *pending;
	size_t npending, pending_cap;
	struct watch_said *said;
	size_t nsaid, said_cap;
	bool per_process_said;
	size_t live_stacks;		/* the pool's size after the round that refilled it */
	size_t live_names;
	bool refilled;			/* the pool was emptied: the next round refills it */
	struct ks_cap_frame *uf;	/* a user walk's frames (JSON) */
	size_t uf_cap;
	struct ks_waitfor waits;	/* who holds what a stuck thread waits for (waitfor.h) */
	char wait_line[KS_WAIT_LINE_LEN];
	struct ks_error *round_err;	/* an event could not be written */
};

static volatile sig_atomic_t watch_stop;

static void watch_on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- the options ---------------------------------------------------------- */

bool watch_opts_check(const struct opts *o, int nargs)
{
	const struct triage_opts *t = &o->triage;
	struct ks_filter f;
	struct ks_error *err;

	if (t->group != KS_GROUP_NONE || t->min_count || t->sample || t->output ||
	    o->watch.duration_given) {
		fprintf(stderr, "kstack: --watch runs until SIGINT/SIGTERM, event by event: not with "
			"--group, --min-count, --sample, --duration or -o\n");
		return false;
	}
	if (t->format != KS_FORMAT_TEXT && t->format != KS_FORMAT_JSON) {
		fprintf(stderr, "kstack: --watch writes text or json (one event a line)\n");
		return false;
	}
	if (o->half == CLI_USER || o->verify_user || o->quiet || o->no_snapshot) {
		fprintf(stderr, "kstack: --watch watches the kernel half (a stuck thread's block "
			"has both, or with --kernel the kernel half): not with --user, "
			"--verify-user, -q or -S\n");
		return false;
	}
	if (o->target == CLI_TIDS && nargs <= 0) {
		fprintf(stderr, "kstack: -t needs TIDs\n");
		return false;
	}
	if (o->target == CLI_ALL && nargs > 0) {
		fprintf(stderr, "kstack: --all takes no PID/TID arguments\n");
		return false;
	}
	err = ks_filter_init(&f, t->states, t->comm, t->match);
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		return false;
	}
	ks_filter_fini(&f);
	return true;
}

/* --- hooks for the wait-for analysis ---------------------------------------- */

/*
 * A stuck thread's event's "waiting_for" (JSON): what it waits for, as
 * the listing's "waiting for ..." line says it without its first words
 * (lib/waitfor/waitfor.h; the text's line is the listing's own, under the
 * block's header); t is the thread as taken for the block, both halves.
 * NULL: nothing named.
 */
static const char *watch_waiting_for(struct watch *w, const struct ks_pipe_thread *t)
{
	static const char prefix[] = "waiting for ";
	struct ks_error *err;
	struct ks_wait wt;

	err = cli_waitfor(&w->waits, t, &wt);
	if (err) {
		ks_error_destroy(err);	/* no memory: the block without the line */
		return NULL;
	}
	if (wt.kind == KS_WAIT_NONE)
		return NULL;
	ks_wait_line(&wt, w->wait_line, sizeof(w->wait_line));
	return w->wait_line + sizeof(prefix) - 1;
}

/*
 * Deadlocks among this round's stuck threads, each reported once as
 * --deadlocks reports it (the wait-for analysis), counted for
 * kstack_deadlocks. None known yet.
 */
static uint64_t watch_deadlocks(struct watch *w)
{
	(void)w;
	return 0;
}

/* --- events ------------------------------------------------------------------ */

static void watch_event_error(struct watch *w, struct ks_error *err)
{
	if (!err)
		return;
	if (!w->round_err)
		w->round_err = err;
	else
		ks_error_destroy(err);
}

/* "unstuck: TID COMM after SECONDSs": a reported thread moved or exited. */
static void watch_unstuck(struct watch *w, uint64_t tid, uint64_t tgid, const char *comm,
			  uint64_t for_ns, bool exited)
{
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	if (w->json) {
		struct ks_watch_event e = {
			.event = "unstuck", .time_ns = clock_ns(CLOCK_REALTIME), .tid = tid,
			.tgid = tgid, .comm = comm, .seconds = (double)for_ns / 1e9,
			.exited = exited,
		};

		watch_event_error(w, ks_watch_json_write(stdout, &e));
		return;
	}
	ks_escape_str(esc, sizeof(esc), comm[0] ? comm : "-");
	printf("unstuck: %" PRIu64 " %s after %.1fs\n", tid, esc, (double)for_ns / 1e9);
}

/* "stuck: TID COMM STATE for SECONDSs" */
static void watch_stuck_line(const struct watch_pending *p)
{
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	ks_escape_str(esc, sizeof(esc), p->comm[0] ? p->comm : "-");
	printf("stuck: %" PRIu64 " %s %c for %.1fs\n", p->tid, esc, p->state,
	       (double)p->for_ns / 1e9);
}

/* How a stuck thread's stack ended, as the JSON report says it. */
static void watch_json_end(const struct ks_pipe_thread *t, bool user,
			   struct ks_watch_event *e)
{
	const struct ks_user_walk *uw = t->uw;

	switch (t->end.stop) {
	case KS_STOP_USER:
		e->end = "user";
		break;
	case KS_STOP_END_OF_STACK:
		e->end = "kernel_thread";
		break;
	case KS_STOP_MAX_FRAMES:
		e->end = "truncated";
		e->stop_reason = "frame limit";
		return;
	default:
		e->end = "stopped";
		e->stop_reason = ks_walk_stop_name(t->end.stop);
		return;
	}
	if (!user || !t->ut)
		return;
	if (uw && uw->stop == KS_USTOP_LIMIT)
		e->stop_reason = "user frame limit";
	else if (!user_walk_whole(uw))
		e->stop_reason = !uw ? "no user half" : uw->stop == KS_USTOP_NONE ?
				 "no user stack" : "user walk stopped";
	else if (t->ut->flags & KS_UT_RAN)
		e->stop_reason = "ran while its user half was taken";
}

/* The stuck event of p, its stack t (NULL: could not be taken: why). */
static void watch_stuck_json(struct watch *w, const struct watch_pending *p,
			     const struct ks_pipe_thread *t, const char *why)
{
	struct ks_watch_event e = {
		.event = "stuck", .time_ns = clock_ns(CLOCK_REALTIME), .tid = p->tid,
		.tgid = p->tgid, .comm = p->comm, .state = p->state,
		.seconds = (double)p->for_ns / 1e9, .function = p->function,
		.no_stack = why,
	};
	size_t i, nu = t && t->uw ? t->uw->nr : 0;

	if (t) {
		e.with_stack = true;
		e.nvcsw = t->nvcsw;
		e.nivcsw = t->nivcsw;
		e.kf = t->kstack ? t->kstack->f : NULL;
		e.nk = ks_cap_stack_n(t->kstack);
		watch_json_end(t, w->user, &e);
		e.waiting_for = watch_waiting_for(w, t);
		if (!ks_vec_grow(&w->uf, &w->uf_cap, nu, sizeof(*w->uf), 32)) {
			watch_event_error(w, &ks_error_nomem);
			return;
		}
		for (i = 0; i < nu; i++) {
			const struct ks_user_frame *f = &t->uw->frames[i];

			w->uf[i] = (struct ks_cap_frame){
				.ip = f->pc, .name = f->name, .raw = f->raw,
				.flags = (uint8_t)((f->flags & KS_UF_FALLBACK ?
						    KS_CAP_FRAME_UNRELIABLE : 0) |
						   (f->flags & KS_UF_EXACT ? KS_CAP_FRAME_EXACT : 0)),
			};
		}
		e.uf = w->uf;
		e.nu = nu;
	}
	watch_event_error(w, ks_watch_json_write(stdout, &e));
}

/* --- a stuck thread's block: its stack taken again, both halves --------------- */

/* Threads of one process taken for their blocks from one SNAPSHOT, at most. */
#define WATCH_REPORT_BATCH	256

struct watch_confirm {
	struct watch *w;
	struct watch_pending *batch;	/* of one process, sorted by tid */
	size_t n;
	uint64_t *tids;			/* the batch's, for the pipeline */
	struct listing l;		/* show_thread()'s: the -t listing's print */
	bool refused;			/* the process is not the caller's to trace */
	uint32_t denied;		/* threads its SNAPSHOT left out as not the caller's */
};

static int watch_pending_cmp(const void *a, const void *b)
{
	const struct watch_pending *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The stuck line alone, once, where the stack could not be taken: why. */
static void watch_stuck_alone(struct watch *w, struct watch_pending *p, const char *why)
{
	p->done = true;
	ks_watch_track_reported(&w->track, p->at);
	if (w->json) {
		watch_stuck_json(w, p, NULL, why);
		return;
	}
	watch_stuck_line(p);
	printf("(stack not taken: %s)\n\n", why);
}

/*
 * The thread as kstack -t takes it now: still as the round saw it (its
 * state and counts: it has not run since), its block is written; moved
 * meanwhile, nothing (the next round sees it move).
 */
static struct ks_error *watch_confirm_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct watch_confirm *c = ctx;
	struct watch_pending key = { .tgid = c->batch[0].tgid, .tid = t->tid }, *p;

	p = bsearch(&key, c->batch, c->n, sizeof(*p), watch_pending_cmp);
	if (!p || p->done)
		return NULL;
	p->done = true;
	if (t->kind == KS_PIPE_RUNNING || t->kind == KS_PIPE_FAILED || t->ran ||
	    t->nvcsw != p->nvcsw || t->nivcsw != p->nivcsw ||
	    ks_task_state_letter(t->state) != p->state)
		return NULL;
	ks_watch_track_reported(&c->w->track, p->at);
	if (c->w->json) {
		watch_stuck_json(c->w, p, t, NULL);
		return NULL;
	}
	watch_stuck_line(p);
	/* its "waiting for" line right under its header, as the listing prints it */
	c->l.wf = &c->w->waits;
	return show_thread(&c->l, t);
}

static struct ks_error *watch_confirm_target(void *ctx, const struct ks_pipe_target *tg)
{
	struct watch_confirm *c = ctx;

	c->refused = tg->err && tg->err->code == EPERM;
	c->denied = tg->denied;
	return NULL;
}

/* One process's batch: its SNAPSHOT, each thread's block. */
static struct ks_error *watch_report_batch(struct watch *w, struct ks_pipe *p,
					   struct watch_confirm *c)
{
	struct ks_pipe_ops ops = { .thread = watch_confirm_thread,
				   .target = watch_confirm_target, .ctx = c };
	struct ks_error *err;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < c->n; i++)
		c->tids[i] = c->batch[i].tid;
	c->refused = false;
	c->denied = 0;
	err = ks_pipe_threads_of(p, c->batch[0].tgid, c->tids, c->n, &ops);
	if (err == &ks_error_nomem)
		return err;
	if (err)
		why = err->message;	/* past a SNAPSHOT's bound, the driver's refusal */
	else if (c->refused || c->denied)
		why = "permission denied (" KS_DENIED_WHY ")";
	/* not handed on: exited meanwhile (dropped next round), or not ours to see */
	for (i = 0; why && i < c->n; i++)
		if (!c->batch[i].done)
			watch_stuck_alone(w, &c->batch[i], why);
	ks_error_destroy(err);
	return NULL;
}

/*
 * The threads found stuck this round, each taken again with both halves
 * as kstack -t takes it (its process's SNAPSHOT, its user half alone;
 * the threads of one process from one SNAPSHOT) and reported. The pool,
 * the user frames' names and the text are this report's alone, dropped
 * after it: nothing of it outlives the reports.
 */
static struct ks_error *watch_report(struct watch *w)
{
	struct opts lo = *w->o;
	struct ks_pipe_opts po = {
		.path = w->path,
		.max_frames = w->o->max_frames,
		.retake_cut = true,
		.retake_ran = false,	/* one that ran has moved: not stuck */
		.user = w->user,
		.user_stack_bytes = w->o->user_stack_bytes,
	};
	uint64_t tids[WATCH_REPORT_BATCH];
	struct watch_confirm c = { .w = w, .tids = tids };
	struct ks_stack_text text;
	struct ks_cap_pool pool;
	struct ks_error *err = NULL;
	/* a block's problems (a stack cut short) said with it, as it is printed */
	struct tally tally = { .problems.verbose = true };
	struct ks_pipe p;
	size_t i, j;

	if (!w->npending)
		return NULL;
	qsort(w->pending, w->npending, sizeof(*w->pending), watch_pending_cmp);
	lo.target = CLI_TIDS;
	ks_cap_pool_init(&pool);
	ks_stack_text_init(&text, w->names, 0);
	ks_pipe_init(&p, w->s, w->names, &pool, &po);
	if (po.user)
		cli_user_names(&p.user, w->o);
	c.l = (struct listing){ .s = w->s, .names = w->names, .text = &text, .o = &lo,
				.path = w->path, .user = w->user, .tally = &tally };
	for (i = 0; !err && i < w->npending; i = j) {
		for (j = i + 1; j < w->npending && j - i < WATCH_REPORT_BATCH &&
			     w->pending[j].tgid == w->pending[i].tgid; j++)
			;
		c.batch = &w->pending[i];
		c.n = j - i;
		err = watch_report_batch(w, &p, &c);
	}
	ks_pipe_fini(&p);
	ks_stack_text_fini(&text);
	ks_cap_pool_fini(&pool);
	cli_problems_fini(&tally.problems);
	w->npending = 0;
	return err;
}

/* --- a round ----------------------------------------------------------------- */

/* The round's view of a thread as the filters read it. */
static void watch_cap_thread(struct ks_cap_thread *ct, const struct ks_pipe_thread *t)
{
	memset(ct, 0, sizeof(*ct));
	ct->tid = t->tid;
	ct->tgid = t->tgid;
	memcpy(ct->comm, t->comm, sizeof(ct->comm));
	ct->comm[sizeof(ct->comm) - 1] = '\0';
	ct->state = ks_task_state_letter(t->state);
	ct->kstack = t->kstack;
}

static struct ks_error *watch_pend(struct watch *w, const struct ks_pipe_thread *t,
				   const struct ks_watch_seen *seen, char state,
				   const char *function)
{
	struct watch_pending *p;

	if (!ks_vec_grow(&w->pending, &w->pending_cap, w->npending + 1, sizeof(*w->pending), 16))
		return &ks_error_nomem;
	p = &w->pending[w->npending++];
	memset(p, 0, sizeof(*p));
	p->tid = t->tid;
	p->tgid = t->tgid;
	p->at = seen->at;
	p->for_ns = seen->for_ns;
	p->nvcsw = t->nvcsw;
	p->nivcsw = t->nivcsw;
	p->state = state;
	memcpy(p->comm, t->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
	snprintf(p->function, sizeof(p->function), "%s", function);
	return NULL;
}

/* One thread of a round: tracked, counted, and if newly stuck, queued for its block. */
static struct ks_error *watch_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct watch *w = ctx;
	struct ks_filter_counts left = { 0 };
	struct ks_watch_obs obs;
	struct ks_watch_seen seen;
	struct ks_cap_thread ct;
	struct ks_error *err;
	char function[256];

	/* exited by its turn: not there to watch (dropped after the round) */
	if (t->kind == KS_PIPE_FAILED && t->err->code == ESRCH)
		return NULL;
	watch_cap_thread(&ct, t);
	if (t->kind == KS_PIPE_RUNNING || t->kind == KS_PIPE_FAILED) {
		ct.state = 'R';
		ct.kstack = NULL;
	}
	if (!ks_filter_keep(&w->filter, &ct, &left))
		return NULL;
	obs = (struct ks_watch_obs){
		.tid = t->tid, .tgid = t->tgid, .comm = ct.comm, .state = ct.state,
		.stack = ct.kstack ? ct.kstack->hash : 0,
		.nvcsw = t->nvcsw, .nivcsw = t->nivcsw,
		/* on a CPU, failed to be taken (it kept running), ran through its capture */
		.running = t->kind == KS_PIPE_RUNNING || t->kind == KS_PIPE_FAILED || t->ran,
	};
	err = ks_watch_track_see(&w->track, &obs, &seen);
	if (err)
		return err;
	ks_prom_count_thread(&w->m, ct.state);
	if (seen.unstuck)
		watch_unstuck(w, t->tid, t->tgid, ct.comm, seen.unstuck_ns, false);
	if (seen.what != KS_WATCH_STUCK && seen.what != KS_WATCH_REPORTED)
		return NULL;
	ks_watch_function(ks_watch_where(&w->sched, ct.kstack), function, sizeof(function));
	if (!ks_prom_count_stuck(&w->m, ct.state, function, strlen(function)))
		return &ks_error_nomem;
	return seen.what == KS_WATCH_STUCK ? watch_pend(w, t, &seen, ct.state, function) : NULL;
}

/* A named process or thread seen again after it was said to be missing: forget it. */
static void watch_said_clear(struct watch *w, uint64_t id)
{
	size_t i;

	for (i = 0; i < w->nsaid; i++) {
		if (w->said[i].id == id) {
			w->said[i] = w->said[--w->nsaid];
			return;
		}
	}
}

/* Say once (while it lasts) that a named process or thread cannot be watched. */
static void watch_said(struct watch *w, uint64_t id, int code, const char *what)
{
	size_t i;

	for (i = 0; i < w->nsaid; i++)
		if (w->said[i].id == id && w->said[i].code == code)
			return;
	if (code == EPERM)
		cli_message("%s %" PRIu64 ": permission denied (%s): not watched", what, id,
			    KS_DENIED_WHY);
	else
		cli_message("%s %" PRIu64 ": no such %s (a zombie, or gone): not watched", what, id,
			    what);
	watch_said_clear(w, id);
	if (ks_vec_grow(&w->said, &w->said_cap, w->nsaid + 1, sizeof(*w->said), 8))
		w->said[w->nsaid++] = (struct watch_said){ id, code };
}

static struct ks_error *watch_target(void *ctx, const struct ks_pipe_target *tg)
{
	struct watch *w = ctx;
	const char *what = tg->scope == KS_PIPE_THREAD ? "thread" : "process";

	switch (tg->scope) {
	case KS_PIPE_SYSTEM:
		if (tg->err && !w->per_process_said)
			say_per_process();
		if (tg->err)
			w->per_process_said = true;
		return NULL;
	case KS_PIPE_LISTED:
		return NULL;	/* --all past the bound: as the system's SNAPSHOT leaves them out */
	case KS_PIPE_PROCESS:
	case KS_PIPE_THREAD:
		if (tg->refused || (tg->err && tg->err->code == EPERM))
			watch_said(w, tg->id, EPERM, what);
		else if (tg->err || !tg->found)
			watch_said(w, tg->id, ESRCH, what);
		else
			watch_said_clear(w, tg->id);
		return NULL;
	}
	return NULL;
}

/*
 * The pool of kernel stacks and the names of their addresses only grow:
 * once they hold far more than the last refill (stacks and addresses no
 * thread uses any more), both start afresh and the next round names what
 * the threads use now. Nothing else points into them between rounds: the
 * tracker keeps stack hashes, the pipeline's position hints are dropped.
 */
static void watch_trim(struct watch *w)
{
	if (w->refilled) {
		w->refilled = false;
		w->live_stacks = w->pool.n;
		w->live_names = w->names->names.used;
		return;
	}
	if (w->pool.n <= 2 * w->live_stacks + 1024 && w->names->names.used <= 2 * w->live_names + 8192)
		return;
	ks_pipe_forget_stacks(&w->pipe);
	ks_cap_pool_fini(&w->pool);
	ks_cap_pool_init(&w->pool);
	ks_symcache_fini(w->names);
	ks_symcache_init(w->names, &w->s->ksyms);
	ks_symcache_use_driver(w->names, &w->s->drv);
	w->refilled = true;
}

static struct ks_error *watch_round(struct watch *w, uint64_t now)
{
	struct ks_pipe_ops ops = { .thread = watch_thread, .target = watch_target, .ctx = w };
	struct ks_error *err;
	size_t i;

	ks_prom_metrics_reset(&w->m);
	/* /proc/locks and the holders' names of this round; the pool may have been trimmed */
	ks_waitfor_reset(&w->waits);
	ks_watch_track_begin(&w->track, now);
	err = ks_pipe_run(&w->pipe, &w->targets, &ops);
	w->m.snapshot_seconds = (double)(clock_ns(CLOCK_MONOTONIC) - now) / 1e9;
	if (err) {
		/* the tracker's round is dropped: every thread will be seen anew */
		ks_error_destroy(ks_watch_track_end(&w->track));
		w->npending = 0;
		return err;
	}
	err = ks_watch_track_end(&w->track);
	if (err) {
		w->npending = 0;
		return err;
	}
	for (i = 0; i < w->track.ngone; i++) {
		const struct ks_watch_gone *g = &w->track.gone[i];

		watch_unstuck(w, g->tid, g->tgid, g->comm, g->for_ns, true);
	}
	err = watch_report(w);
	if (err)
		return err;
	w->m.deadlocks = watch_deadlocks(w);
	w->m.rounds++;
	/*
	 * A textfile that cannot be written (a full disk, say) does not stop
	 * the reports: said once, and again once it can be written after
	 * having failed; the old file stays whole meanwhile.
	 */
	if (w->textfile) {
		err = ks_prom_file_write(&w->pf, &w->m);
		if (err && !w->textfile_failing)
			cli_message("%s (the reports go on; said again once it is written)",
				    err->message);
		else if (!err && w->textfile_failing)
			cli_message("--textfile %s/%s written again", w->o->watch.textfile,
				    KS_PROM_FILE);
		w->textfile_failing = err != NULL;
		if (err != &ks_error_nomem)
			ks_error_destroy(err);
		else
			return err;
	}
	if (fflush(stdout) || ferror(stdout))
		return ks_error_format(EIO, "writing standard output: %s", strerror(errno));
	err = w->round_err;
	w->round_err = NULL;
	if (!err)
		watch_trim(w);
	return err;
}

static struct ks_error *watch_setup(struct watch *w)
{
	const struct opts *o = w->o;
	struct ks_pipe_opts po = {
		.path = w->path,
		/* a record's bound (KSTACK_FRAMES_MAX) stands: a round takes no thread twice */
		.max_frames = o->max_frames,
	};
	struct kstack_kernel_info ki;
	struct ks_error *err;

	ks_cap_pool_init(&w->pool);
	ks_pipe_init(&w->pipe, w->s, w->names, &w->pool, &po);
	ks_waitfor_init(&w->waits, &w->s->drv);
	ks_watch_track_init(&w->track, o->watch.stuck_ns);
	ks_prom_metrics_init(&w->m);
	w->pf.dirfd = -1;
	w->targets = (struct ks_pipe_targets){
		/* no PID or TID: every thread of the system */
		.all = o->target == CLI_ALL || !o->nids,
		.threads = o->target == CLI_TIDS,
		.ids = o->ids,
		.nids = o->nids,
	};
	/* the scheduler's and lock sections' bounds: where "below the scheduler" starts */
	err = ks_driver_kernel_info(&w->s->drv, &ki);
	if (!err)
		ks_sched_text_init(&w->sched, ki.sched_start, ki.sched_end, ki.lock_start,
				   ki.lock_end);
	else
		ks_sched_text_init(&w->sched, 0, 0, 0, 0);
	ks_error_destroy(err);
	err = ks_filter_init(&w->filter, o->triage.states, o->triage.comm, o->triage.match);
	if (err)
		return err;
	if (o->watch.textfile) {
		err = ks_prom_file_open(&w->pf, o->watch.textfile);
		if (err)
			return err;
		w->textfile = true;
	}
	return ks_pipe_prepare(&w->pipe);
}

static void watch_teardown(struct watch *w)
{
	ks_pipe_fini(&w->pipe);
	ks_cap_pool_fini(&w->pool);
	ks_waitfor_fini(&w->waits);
	ks_filter_fini(&w->filter);
	ks_watch_track_fini(&w->track);
	ks_prom_metrics_fini(&w->m);
	if (w->textfile)
		ks_prom_file_close(&w->pf);
	free(w->pending);
	free(w->said);
	free(w->uf);
	ks_error_destroy(w->round_err);
}

struct ks_error *watch_run(const struct opts *o, struct ks_session *s, struct ks_symcache *names,
			   enum ks_pipe_path path, bool user, struct tally *tally)
{
	struct sigaction sa = { .sa_handler = watch_on_signal }, old_int, old_term;
	uint64_t interval = o->watch.interval_given ? o->triage.interval_ns :
			    KS_WATCH_INTERVAL_NS;
	struct watch w = {
		.o = o, .s = s, .names = names, .path = path, .user = user,
		.json = o->triage.format == KS_FORMAT_JSON,
	};
	struct ks_error *err;
	uint64_t next;

	/* no SA_RESTART: a signal cuts the sleep short; the round under way is finished */
	sigemptyset(&sa.sa_mask);
	watch_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	err = watch_setup(&w);
	for (next = clock_ns(CLOCK_MONOTONIC); !err && !watch_stop; ) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);

		err = watch_round(&w, now);
		if (err || watch_stop)
			break;
		next += interval;
		now = clock_ns(CLOCK_MONOTONIC);
		if (next > now) {
			struct timespec ts = { (time_t)(next / 1000000000ull),
					       (long)(next % 1000000000ull) };

			/* EINTR: a signal; the loop's test sees it */
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else {
			next = now;	/* overran: the next round now, none made up */
		}
	}
	watch_teardown(&w);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	/* ended by SIGINT/SIGTERM: the run did what it was asked to */
	if (!err)
		tally->whole++;
	return err;
}
