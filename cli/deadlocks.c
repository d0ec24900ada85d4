// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds it, on the command line: the listing's "waiting for ..." line
 * under a blocked thread's header, and kstack --deadlocks: one round of
 * the capture pipeline (lib/pipeline.h) whose per-thread callback asks
 * what each thread waits for (lib/waitfor.h) and adds it to the wait-for
 * graph (lib/waitgraph.h); its cycles, each confirmed by a second look at
 * its threads (a deadlocked thread never runs), one line each, then the
 * listing of the threads in them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vec.h"
#include "waitfor.h"
#include "waitgraph.h"

/* The user registers of t's kernel entry: its user half's, else its record's tail. */
static const struct kstack_user_regs *regs_of(const struct ks_pipe_thread *t)
{
	const struct kstack_snap_tail *tail;

	if (t->ut)
		return &t->ut->regs;
	if (!t->rec || !(t->rec->flags & KSTACK_SNAP_F_USER_REGS))
		return NULL;
	tail = ks_snapshot_tail(t->rec, NULL);
	return tail ? &tail->user : NULL;
}

struct ks_error *cli_waitfor(struct ks_waitfor *wf, const struct ks_pipe_thread *t,
			     struct ks_wait *w)
{
	struct ks_waitfor_thread in = {
		.tid = t->tid,
		.tgid = t->tgid,
		.kstack = t->kstack,
		.regs = regs_of(t),
		.uw = t->uw,
		/* a record that ran, or a user half taken twice that ran again */
		.ran = t->ran || (t->ut && (t->ut->flags & KS_UT_RAN)),
	};

	memset(w, 0, sizeof(*w));
	if (t->kind != KS_PIPE_RECORD && t->kind != KS_PIPE_ALONE)
		return NULL;
	return ks_waitfor_thread(wf, &in, w);
}

void print_wait_line(const struct listing *l, const struct ks_pipe_thread *t)
{
	char line[KS_WAIT_LINE_LEN];
	struct ks_wait w;
	struct ks_error *err;

	if (!l->wf)
		return;
	err = cli_waitfor(l->wf, t, &w);
	if (err) {
		ks_error_destroy(err);	/* no memory: the stack is still shown */
		return;
	}
	if (w.kind != KS_WAIT_NONE)
		printf("%s\n", ks_wait_line(&w, line, sizeof(line)));
}

/*
 * A futex waiter's lock is told by its user frames: where the listing
 * shows no user half (--kernel) it still takes theirs, for that alone.
 * It needs the driver's tails (the user registers) and /proc of our pid
 * namespace (the stacks are read by thread id).
 */
bool listing_wait_user(struct ks_pipe_opts *po, struct ks_waitfor *wf)
{
	struct ks_error *err;

	if (po->user || po->path != KS_PIPE_FRAMES)
		return false;
	err = ks_proc_is_ours();
	if (err) {
		ks_error_destroy(err);
		return false;
	}
	po->user = true;
	po->user_want = ks_waitfor_user_wanted;
	po->user_want_arg = wf;
	po->user_stack_bytes = KS_WAITFOR_USER_BYTES;
	return true;
}

/* A --deadlocks round's state. */
struct dl_run {
	const struct opts *o;
	struct tally *tally;
	struct ks_waitfor wf;
	struct ks_waitgraph g;
	size_t threads;		/* threads captured */
	size_t denied_procs;	/* --all past the bound: processes not the caller's */
};

static struct ks_error *dl_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct dl_run *d = ctx;
	struct ks_wait w = { 0 };
	struct ks_error *err;

	switch (t->kind) {
	case KS_PIPE_FAILED:
		/* gone, or kept running: in no cycle */
		if (t->err->code != ESRCH && t->err->code != EAGAIN && t->err->code != EBUSY)
			tally_error(d->tally, t->err, t->tid);
		return NULL;
	case KS_PIPE_RUNNING:
		d->tally->running++;
		d->threads++;
		return ks_waitgraph_add(&d->g, t->tid, t->tgid, t->nvcsw, t->nivcsw, NULL);
	default:
		break;
	}
	err = cli_waitfor(&d->wf, t, &w);
	if (err)
		return err;
	d->threads++;
	d->tally->whole++;
	return ks_waitgraph_add(&d->g, t->tid, t->tgid, t->nvcsw, t->nivcsw, &w);
}

/* A target's outcome: what could not be looked at, said and counted. */
static struct ks_error *dl_target(void *ctx, const struct ks_pipe_target *tg)
{
	struct dl_run *d = ctx;
	struct ks_error *why = NULL;

	switch (tg->scope) {
	case KS_PIPE_SYSTEM:
		if (tg->err)
			say_per_process();
		else
			tally_denied_threads(d->tally, tg->denied);
		return NULL;
	case KS_PIPE_LISTED:
		if (!tg->err)
			tally_denied_threads(d->tally, tg->denied);
		else if (tg->err->code == EPERM)
			d->denied_procs++;
		else if (tg->err->code == E2BIG)
			cli_message("process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: not looked at",
				    tg->id, KSTACK_SNAP_MAX_THREADS);
		return NULL;
	case KS_PIPE_PROCESS:
		if (tg->err && tg->err->code == EPERM) {
			tally_denied(d->tally, tg->err);
			return NULL;
		}
		if (tg->err)
			why = target_gone(tg->id, false, false, 0);
		else if (!tg->found && tg->skipped)
			why = target_gone(tg->id, false, true, tg->skipped);
		else
			tally_denied_threads(d->tally, tg->denied);
		break;
	case KS_PIPE_THREAD:
		target_thread_outcome(d->tally, tg);
		return NULL;
	}
	if (why) {
		tally_missing(d->tally, why);
		ks_error_destroy(why);
	}
	return NULL;
}

/* The capture: every thread of the targets into the graph. */
static struct ks_error *dl_capture(struct dl_run *d, struct ks_session *s,
				   struct ks_symcache *names, enum ks_pipe_path path)
{
	const struct opts *o = d->o;
	struct ks_pipe_opts po = {
		.path = path,
		/* the wait functions are near the top: no deeper walk needed */
		.max_frames = 48,
		/* a thread that ran through its capture is in no cycle: not taken again */
		.retake_ran = false,
		/* its frames tell a futex waiter's lock: its user half alone */
		.user = true,
		.user_want = ks_waitfor_user_wanted,
		.user_want_arg = &d->wf,
		.user_stack_bytes = KS_WAITFOR_USER_BYTES,
	};
	struct ks_pipe_ops ops = { .thread = dl_thread, .target = dl_target, .ctx = d };
	struct ks_pipe_targets tg = {
		.all = o->target == CLI_ALL,
		.threads = o->target == CLI_TIDS,
		.ids = o->ids,
		.nids = o->nids,
	};
	struct ks_error *err = ks_proc_is_ours();
	struct ks_cap_pool pool;
	struct ks_pipe p;

	if (err) {
		/* the user stacks are read by thread id: without /proc of ours, no user locks */
		cli_message("note: %s: user locks are not looked at", err->message);
		ks_error_destroy(err);
		po.user = false;
	}
	ks_cap_pool_init(&pool);
	ks_pipe_init(&p, s, names, &pool, &po);
	if (po.user)
		p.user.max_frames = KS_WAITFOR_USER_FRAMES;
	err = ks_pipe_run(&p, &tg, &ops);
	ks_pipe_fini(&p);
	ks_cap_pool_fini(&pool);
	if (!err && d->denied_procs) {
		cli_message("%zu %s not looked at: not permitted (%s)", d->denied_procs,
			    d->denied_procs == 1 ? "process" : "processes", KS_DENIED_WHY);
		d->tally->denied += d->denied_procs;
	}
	return err;
}

/* A cycle a second look did not confirm: said. */
static void dl_unconfirmed(void *arg, uint64_t first, uint64_t moved)
{
	(void)arg;
	cli_message("a cycle through thread %" PRIu64 " is not a deadlock: thread %" PRIu64
		    " ran since it was captured", first, moved);
}

/* "deadlock: A -> B -> A" for each cycle; the ids of their threads into *ids. */
static struct ks_error *dl_print(struct dl_run *d, uint64_t **ids, size_t *nids)
{
	size_t i, j, cap = 0;

	for (i = 0; i < d->g.ncycles; i++) {
		const struct ks_wg_cycle *c = &d->g.cycles[i];

		fputs("deadlock:", stdout);
		for (j = 0; j < c->n; j++)
			printf(" %" PRIu64 " ->", d->g.v[c->v[j]].tid);
		printf(" %" PRIu64 "\n", d->g.v[c->v[0]].tid);
		if (!ks_vec_grow(ids, &cap, *nids + c->n, sizeof(**ids), 16))
			return &ks_error_nomem;
		for (j = 0; j < c->n; j++)
			(*ids)[(*nids)++] = d->g.v[c->v[j]].tid;
	}
	return NULL;
}

struct ks_error *deadlocks_run(const struct opts *o, struct ks_session *s,
			       struct ks_symcache *names, struct ks_stack_text *text,
			       enum ks_pipe_path path, bool user, struct tally *tally)
{
	struct dl_run d = { .o = o, .tally = tally };
	uint64_t *ids = NULL;
	size_t nids = 0;
	struct ks_error *err;

	if (path != KS_PIPE_FRAMES)
		return ks_error_format(ENOTSUP, "--deadlocks: the driver gives no SNAPSHOT frames with tails (the user registers)");
	ks_waitfor_init(&d.wf, &s->drv);
	ks_waitgraph_init(&d.g);
	err = dl_capture(&d, s, names, path);
	if (!err)
		err = ks_waitfor_cycles(&d.g, &s->drv, dl_unconfirmed, NULL);
	if (!err && d.g.ran)
		cli_message("%zu %s ran during the capture: not part of any cycle", d.g.ran,
			    d.g.ran == 1 ? "waiting thread" : "waiting threads");
	if (!err)
		err = dl_print(&d, &ids, &nids);
	if (!err && !d.g.ncycles)
		printf("no deadlock: %zu threads, %zu waiting for a lock, %zu of them with a known holder\n",
		       d.threads, d.wf.waiting, d.wf.held);
	tally->deadlocks = d.g.ncycles;
	if (!err && nids) {
		/* the threads of the cycles, as the listing shows them (with their lines) */
		struct opts lo = *o;
		struct tally lt = { 0 };
		struct listing l = {
			.s = s, .names = names, .text = text, .o = &lo, .path = path,
			.user = user, .tally = &lt,
		};

		lo.action = CLI_SHOW;
		lo.target = CLI_TIDS;
		lo.ids = ids;
		lo.nids = nids;
		putchar('\n');
		err = listing_run(&l);
	}
	free(ids);
	ks_waitgraph_fini(&d.g);
	ks_waitfor_fini(&d.wf);
	return err;
}
