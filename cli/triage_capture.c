// SPDX-License-Identifier: GPL-2.0
/*
 * The reports' capture: one round of the capture pipeline (lib/pipeline.h:
 * SNAPSHOTs, names, user halves, retakes) turned into the capture model
 * every report reads (lib/report/capture.h): each thread handed on becomes a
 * ks_cap_thread whose kernel stack is the pipeline's interned one and
 * whose user walk is interned beside it (names as the unwinder made them,
 * kept until the pipeline's fini); what a target could not show (gone, a
 * zombie, not the caller's) is counted for the tally, each named process
 * once however many rounds meet it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "catch.h"
#include "output.h"
#include "vec.h"
#include "cli.h"
#include "triage.h"

/* A round's state: where its threads go. */
struct triage_cap {
	const struct triage_target *tg;
	struct ks_capture *c;
	struct triage_counts *counts;
	struct ks_cap_frame *uf;	/* a user walk's frames, the pool's key */
	size_t ucap;
};

static void cap_thread_init(struct triage_cap *k, struct ks_cap_thread *t,
			    const struct ks_pipe_thread *pt)
{
	/* a record says it; a thread walked on its own ends its kernel stack as only they do */
	bool kthread = pt->rec ? pt->rec->flags & KSTACK_TF_KTHREAD :
		       pt->kind == KS_PIPE_ALONE && pt->end.stop == KS_STOP_END_OF_STACK;
	const struct cli_proc *p = cli_procs_get(k->tg->procs, pt->tgid,
						 pt->tid == pt->tgid ? pt->comm : NULL, kthread);

	memset(t, 0, sizeof(*t));
	if (kthread)
		t->flags = KS_CAP_KTHREAD;
	t->pname = p ? p->name : NULL;
	t->pcmd = p ? p->cmdline : NULL;
	t->tid = pt->tid;
	t->tgid = pt->tgid;
	memcpy(t->comm, pt->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->state = ks_task_state_letter(pt->state);
	t->nvcsw = pt->nvcsw;
	t->nivcsw = pt->nivcsw;
}

/*
 * A thread of this round cut short (partial), said once a kind at the end
 * (problems.c): a stack (sampling: a sample) and why.
 */
static void cap_problem(struct triage_cap *k, uint64_t tid, const char *fmt, const char *what)
{
	struct cli_problems *p = &k->tg->tally->problems;

	if (k->tg->sampled)
		cli_problem(p, tid, true, "sample", "samples", fmt, what);
	else
		cli_problem(p, tid, true, "stack", "stacks", fmt, what);
}

/* How a walk ended (ours, or the driver's from its tail), as the capture says it. */
static void cap_set_end(struct triage_cap *k, struct ks_cap_thread *t,
			const struct ks_walk_result *end)
{
	char n[24];

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
		snprintf(n, sizeof(n), "%zu", end->nr);
		cap_problem(k, t->tid, "truncated at -n %s", n);
		break;
	default:
		t->flags |= KS_CAP_PARTIAL;
		t->why = ks_walk_stop_name(end->stop);
		t->stop_ip = end->stop_ip;
		cap_problem(k, t->tid, "cut short: kernel walk stopped: %s", t->why);
		break;
	}
}

/*
 * A thread the pipeline took where it ran (pt->caught, catch.h): marked,
 * with where (an on-CPU sample, told apart from the off-CPU ones in every
 * report); one on a CPU and not caught there is not whole, said once (not
 * every sampling round).
 */
static void cap_set_caught(struct triage_cap *k, const struct ks_pipe_thread *pt,
			   struct ks_cap_thread *t)
{
	const struct kstack_snap_catch *c = pt->caught;

	if (c && c->how == KSTACK_CATCH_MISSED) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "running, not caught on its CPU";
		if (k->tg->pipe->o.retake_ran)
			cli_message("thread %" PRIu64 ": running on CPU %u, not caught: %s", pt->tid,
				    c->cpu, ks_catch_missed_why(c->missed));
	}
	if (!ks_catch_caught(c))
		return;
	t->flags |= KS_CAP_ON_CPU;
	t->state = 'R';
	t->cpu = c->cpu;
	t->caught_ip = c->ip;
}

/*
 * t's user half from pt: its walk interned in the pool, and with
 * tg->user_flags a user half that is not whole (user_walk_whole(): cut at
 * the frame limit, stopped before its outermost frame, not walked or not
 * taken) or a thread that ran while its user half was taken marks t
 * partial, as the listing counts them; one that ends in a binary's code
 * without unwind information is whole as far as the binary allows
 * (KS_CAP_NO_CFI), partial with --strict. NULL, or without memory.
 */
static struct ks_error *cap_user_apply(struct triage_cap *k, const struct ks_pipe_thread *pt,
				       struct ks_cap_thread *t)
{
	const struct triage_target *tg = k->tg;
	const struct ks_user_walk *w = pt->uw;
	size_t i, n;
	char lim[24];

	if (!pt->ut)
		return NULL;
	if (tg->user_only) {
		/* the kernel half is not shown: nor is how it ended (where it ran is) */
		t->kstack = NULL;
		t->flags = KS_CAP_USER | (t->flags & (KS_CAP_KTHREAD | KS_CAP_ON_CPU));
		t->why = NULL;
		t->stop_ip = 0;
		t->user_ip = pt->ut->regs.ip;
		t->user_sp = pt->ut->regs.sp;
	}
	n = w ? w->nr : 0;
	if (!ks_vec_grow(&k->uf, &k->ucap, n, sizeof(*k->uf), 32))
		return &ks_error_nomem;
	for (i = 0; i < n; i++) {
		const struct ks_user_frame *f = &w->frames[i];

		k->uf[i] = (struct ks_cap_frame){
			.ip = f->pc,
			.name = f->name,
			.raw = f->raw,
			.flags = (uint8_t)((f->flags & KS_UF_FALLBACK ? KS_CAP_FRAME_UNRELIABLE : 0) |
					   (f->flags & KS_UF_EXACT ? KS_CAP_FRAME_EXACT : 0)),
		};
	}
	t->ustack = n ? ks_cap_pool_intern_frames(k->c->pool, k->uf, n) : NULL;
	if (n && !t->ustack)
		return &ks_error_nomem;
	if (!tg->user_flags || (t->flags & KS_CAP_PARTIAL))
		return NULL;
	if (w && w->stop == KS_USTOP_LIMIT) {
		t->flags |= KS_CAP_PARTIAL | KS_CAP_TRUNCATED;
		t->why = "user frame limit";
		snprintf(lim, sizeof(lim), "%zu", w->nr);
		cap_problem(k, t->tid, "truncated at -n %s", lim);
	} else if (!w && tg->sampled && !tg->user_only && pt->hp && pt->hp->err &&
		   pt->hp->err->code == ESRCH) {
		/* a sample of a process that exited while its user half was taken: as below */
		t->flags |= KS_CAP_USER_RAN;
		k->counts->user_ran++;
	} else if (w && w->stop == KS_USTOP_ERROR && w->no_cfi && !tg->tally->strict) {
		/* whole as far as the binary allows: a group of its own, said so */
		t->flags |= KS_CAP_NO_CFI;
		if (!tg->sampled)
			tg->tally->no_cfi++;
	} else if (!user_walk_whole(w)) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = !w ? "no user half" : w->stop == KS_USTOP_NONE ? "no user stack" :
			 "user walk stopped";
		if (w && w->no_cfi)
			cap_problem(k, t->tid, "cut short: %s (--strict)", w->why);
		else
			cap_problem(k, t->tid, "cut short: %s",
				    !w ? (pt->hp && pt->hp->err ? pt->hp->err->message :
					  "no user half") : w->why);
	} else if ((pt->ut->flags & KS_UT_RAN) && tg->sampled && !tg->user_only) {
		/*
		 * a sample of a thread that ran while its user half was copied,
		 * twice: its kernel half is of one moment, kept; its user half
		 * is not, left out and said (an off-CPU profile meets running
		 * threads all the time: no reason to call the profile partial)
		 */
		t->ustack = NULL;
		t->flags |= KS_CAP_USER_RAN;
		k->counts->user_ran++;
	} else if (pt->ut->flags & KS_UT_RAN) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "ran while its user half was taken";
		cap_problem(k, t->tid, "cut short: %s", t->why);
	}
	return NULL;
}

static struct ks_error *cap_add(struct triage_cap *k, const struct ks_cap_thread *t)
{
	return ks_capture_add(k->c, t) ? NULL : &ks_error_nomem;
}

/* One thread handed on, into the capture. */
static struct ks_error *cap_thread(void *ctx, const struct ks_pipe_thread *pt)
{
	struct triage_cap *k = ctx;
	struct ks_cap_thread t;
	struct ks_error *err;

	k->c->walked++;
	/* --user: a thread without a user half (a kernel thread) is not shown */
	if (k->tg->user_only && !pt->ut && pt->kind != KS_PIPE_RUNNING)
		return NULL;
	cap_thread_init(k, &t, pt);
	switch (pt->kind) {
	case KS_PIPE_RUNNING:
		t.state = 'R';
		t.flags |= KS_CAP_RUNNING;
		cap_set_caught(k, pt, &t);
		return cap_add(k, &t);
	case KS_PIPE_FAILED:
		if (pt->err->code == EBUSY) {
			/* on a CPU by its turn: running, as its record would say */
			t.state = 'R';
			t.flags |= KS_CAP_RUNNING;
			return cap_add(k, &t);
		}
		/* exited meanwhile: not a failure (it is no longer there to show) */
		if (pt->err->code != ESRCH) {
			k->counts->failed++;
			cli_problem(&k->tg->tally->problems, pt->tid, false, "thread", "threads",
				    "not shown: %s", tally_detail(pt->err, pt->tid));
		}
		return NULL;
	default:
		break;
	}
	t.kstack = pt->kstack;
	if (pt->ran) {
		/* a sampling round takes no thread twice: what it holds is of no one moment */
		t.flags |= KS_CAP_PARTIAL;
		t.why = "ran during its capture";
		cap_problem(k, t.tid, "cut short: %s", t.why);
	} else {
		cap_set_end(k, &t, &pt->end);
	}
	cap_set_caught(k, pt, &t);
	err = k->tg->user_for_waits ? NULL : cap_user_apply(k, pt, &t);
	if (!err && k->tg->wf)
		err = cli_waitfor(k->tg->wf, pt, &t.wait);
	return err ? err : cap_add(k, &t);
}

/*
 * A process's records come next: room for the rest of its SNAPSHOT's
 * threads in one allocation (at the first of them), not a doubling series.
 */
static struct ks_error *cap_process(void *ctx, const struct ks_pipe_proc *pp)
{
	struct triage_cap *k = ctx;

	return ks_capture_reserve(k->c, pp->left) ? NULL : &ks_error_nomem;
}

/* A named process or thread with nothing to show (zombie: threads found but left out), once. */
static struct ks_error *counts_gone(struct triage_counts *counts, uint64_t pid, uint32_t zombie,
				    bool thread)
{
	size_t i;

	for (i = 0; i < counts->ngone; i++)
		if (counts->gone[i].pid == pid && counts->gone[i].thread == thread)
			return NULL;
	if (!ks_vec_grow(&counts->gone, &counts->gone_cap, counts->ngone + 1,
			 sizeof(*counts->gone), 8))
		return &ks_error_nomem;
	counts->gone[counts->ngone++] = (struct triage_gone){ pid, zombie, thread };
	return NULL;
}

/* A named process or thread not the caller's (each once: sampling meets it every round). */
static struct ks_error *counts_denied(struct triage_counts *counts, uint64_t pid, bool thread)
{
	size_t i;

	for (i = 0; i < counts->ndenied; i++)
		if (counts->denied[i].pid == pid && counts->denied[i].thread == thread)
			return NULL;
	if (!ks_vec_grow(&counts->denied, &counts->denied_cap, counts->ndenied + 1,
			 sizeof(*counts->denied), 8))
		return &ks_error_nomem;
	counts->denied[counts->ndenied++] = (struct triage_gone){ .pid = pid, .thread = thread };
	return NULL;
}

/*
 * A target's outcome. A named process that is gone or a zombie is counted
 * once (counts->gone), one not the caller's once (counts->denied); one
 * listed for --all past the bound that is gone or a zombie is left out,
 * as the whole-system SNAPSHOT leaves it out, one not the caller's
 * counted in denied_listed, and one itself past the bound ends the run:
 * its threads are not one group's worth of moments.
 */
static struct ks_error *cap_target(void *ctx, const struct ks_pipe_target *tg)
{
	struct triage_cap *k = ctx;
	struct triage_counts *counts = k->counts;

	switch (tg->scope) {
	case KS_PIPE_SYSTEM:
		if (tg->err) {
			/* E2BIG: one SNAPSHOT per process from here, said once (sampling) */
			if (!counts->per_process_said)
				say_per_process();
			counts->per_process_said = true;
			return NULL;
		}
		break;
	case KS_PIPE_LISTED:
		if (tg->err && tg->err->code == EPERM)
			counts->denied_listed++;
		if (tg->err && tg->err->code == E2BIG)
			return ks_error_format(E2BIG, "process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: --group, --format and --sample cannot take it (list it thread by thread: kstack --kernel %" PRIu64 ")",
					       tg->id, KSTACK_SNAP_MAX_THREADS, tg->id);
		if (tg->err)
			return NULL;
		break;
	case KS_PIPE_PROCESS:
		if (tg->err && tg->err->code == EPERM)
			return counts_denied(counts, tg->id, false);
		if (tg->err)
			return counts_gone(counts, tg->id, 0, false);
		/* found, with every thread gone: a zombie, said as the listing says it */
		if (!tg->found && tg->skipped) {
			counts->denied_threads += tg->denied;
			return counts_gone(counts, tg->id, tg->skipped, false);
		}
		break;
	case KS_PIPE_THREAD:
		/* -t: a thread not the caller's, or gone (its process a zombie), as the listing says */
		if (tg->refused)
			return counts_denied(counts, tg->id, true);
		if (tg->err || !tg->found)
			return counts_gone(counts, tg->id, tg->err ? 0 : tg->skipped, true);
		return NULL;
	}
	counts->denied_threads += tg->denied;
	return NULL;
}

struct ks_error *triage_capture(const struct triage_target *tg, struct ks_capture *c,
				struct triage_counts *counts)
{
	struct triage_cap k = { .tg = tg, .c = c, .counts = counts };
	struct ks_pipe_ops ops = {
		.thread = cap_thread, .process = cap_process, .target = cap_target, .ctx = &k,
	};
	struct ks_pipe_targets targets = {
		.all = tg->all, .threads = tg->threads, .ids = tg->pids, .nids = tg->npids,
	};
	struct ks_error *err;

	ks_capture_reset(c);
	err = ks_pipe_run(tg->pipe, &targets, &ops);
	free(k.uf);
	return err;
}
