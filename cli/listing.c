// SPDX-License-Identifier: GPL-2.0
/*
 * kstack PID... / -t TID... / --all, and -S, --raw, --verify: the threads
 * the command line names, taken by the capture pipeline (lib/pipeline.h)
 * on the path run() resolved once: the driver's frames (one SNAPSHOT per
 * process or for the system, names from SYMBOLIZE), an older driver's RAW
 * SNAPSHOTs walked here, or thread by thread (our walker, each thread in
 * a quiet moment of its own). Each thread is printed (show.c) or compared
 * (verify_cmd.c) as it comes; what a target's SNAPSHOT could not show (no
 * such process, a zombie, not the caller's) is said and counted here.
 *
 * Past one SNAPSHOT's bound (--all on more than KSTACK_SNAP_MAX_THREADS
 * threads: the driver's E2BIG) the pipeline takes one SNAPSHOT per process
 * instead, each process one moment, the system not (said once); a process
 * itself past the bound is listed thread by thread, the kernel half alone.
 */
#include <errno.h>
#include <inttypes.h>

#include "cli.h"
#include "waitfor.h"

/* A target's outcome: what its SNAPSHOT could not show, said and counted. */
static struct ks_error *listing_target(void *ctx, const struct ks_pipe_target *tg)
{
	struct listing *l = ctx;
	struct ks_error *why = NULL;

	switch (tg->scope) {
	case KS_PIPE_SYSTEM:
		if (tg->err)	/* E2BIG: one SNAPSHOT per process from here */
			say_per_process();
		else
			tally_denied_threads(l->tally, tg->denied);
		return NULL;
	case KS_PIPE_LISTED:
		/* shown as the system's SNAPSHOT shows it: the gone and zombies left out */
		if (!tg->err)
			l->denied += tg->denied;
		else if (tg->err->code == EPERM)
			l->denied_procs++;
		else if (tg->err->code == E2BIG && l->o->half == CLI_USER)
			return ks_error_format(E2BIG, "process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: no user half for it",
					       tg->id, KSTACK_SNAP_MAX_THREADS);
		else if (tg->err->code == E2BIG && tg->nthreads)
			cli_message("process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: thread by thread, the kernel half alone",
				    tg->id, KSTACK_SNAP_MAX_THREADS);
		return NULL;
	case KS_PIPE_PROCESS:
		if (tg->err && tg->err->code == EPERM) {
			/* not the caller's: say which, go on */
			tally_denied(l->tally, tg->err);
			return NULL;
		}
		if (tg->err) {
			why = target_gone(tg->id, false, false, 0);
		} else {
			if (tg->leader_gone)
				print_leader_exited(tg->id);
			/* threads the driver left out as not the caller's to see */
			tally_denied_threads(l->tally, tg->denied);
			/* the process is there, but none of its threads: a zombie */
			if (!tg->found && tg->skipped)
				why = target_gone(tg->id, false, true, tg->skipped);
		}
		break;
	case KS_PIPE_THREAD:
		target_thread_outcome(l->tally, tg);
		return NULL;
	}
	if (why) {
		tally_missing(l->tally, why);
		ks_error_destroy(why);
	}
	return NULL;
}

/*
 * The listing's closing line, as the reports end theirs: how many threads
 * of how many processes it showed, how many of them partial and why (the
 * problems, problems.c), the user halves that end where a binary has no
 * unwind information, and how many were not shown (said on stderr).
 *   -- 258 threads in 1 process shown; 1 partial (why: 1 user half ...)
 */
static void listing_closing(struct listing *l)
{
	const struct tally *t = l->tally;
	size_t shown = t->whole + t->cut + t->running;
	size_t gone = t->missing + t->failed + t->denied + t->ran;
	char why[1024];

	printf("-- %zu %s in %zu %s shown; %zu partial", shown, shown == 1 ? "thread" : "threads",
	       l->nprocs, l->nprocs == 1 ? "process" : "processes", t->cut);
	if (t->cut && cli_problems_why(&t->problems, true, why, sizeof(why)))
		printf(" (why: %s)", why);
	if (t->no_cfi)
		printf("; %zu user %s in code without unwind information (whole as far as the binary allows; --strict: partial)",
		       t->no_cfi, t->no_cfi == 1 ? "stack ends" : "stacks end");
	/* requested ids with no thread, threads not permitted, failed: named on stderr */
	if (gone)
		printf("; %zu not shown (see stderr)", gone);
	putchar_unlocked('\n');
}

/* What is said once a listing is done: threads and processes it left out. */
static void listing_done(struct listing *l, bool per_process, bool ok)
{
	if (per_process) {
		if (l->denied_procs) {
			cli_message("%zu %s not shown: not permitted (%s)", l->denied_procs,
				    l->denied_procs == 1 ? "process" : "processes", KS_DENIED_WHY);
			l->tally->denied += l->denied_procs;
		}
		tally_denied_threads(l->tally, l->denied);
	}
	/* --user asks for user halves: the threads without one, summed */
	if (ok && l->no_user)
		cli_message("%zu kernel %s left out: no user half (--user)", l->no_user,
			    l->no_user == 1 ? "thread" : "threads");
}

/*
 * --verify-user's word on stderr: how many user stacks the compiled CFI
 * rules walked, and whether libdwfl walked every one of them the same;
 * one that differs makes the run partial.
 */
static void verify_user_summary(struct listing *l, const struct ks_pipe *p)
{
	const struct ks_user_unwinder *u = &p->user.unwinder;

	if (!p->o.user) {
		cli_message("--verify-user: no user half was taken");
		l->tally->failed++;
		return;
	}
	if (u->verify_differ) {
		cli_message("--verify-user: %zu of %zu user stacks differ from libdwfl's walk "
			    "(first: %s); %zu walked by libdwfl alone", u->verify_differ,
			    u->verified, u->verify_first, u->dwfl_walks);
		l->tally->cut++;
		return;
	}
	cli_message("--verify-user: %zu user stacks walked by CFI rules, all equal to "
		    "libdwfl's walk; %zu walked by libdwfl alone", u->verified, u->dwfl_walks);
}

struct ks_error *listing_run(struct listing *l)
{
	const struct opts *o = l->o;
	struct ks_pipe_opts po = {
		.path = l->path,
		.take = o->action == CLI_RAW ? KS_PIPE_TAKE_RAW :
			o->action == CLI_VERIFY ? KS_PIPE_TAKE_NONE : KS_PIPE_TAKE_WALK,
		.max_frames = o->max_frames,
		/* the listing takes every thread whole: again on its own where a record is not */
		.retake_cut = true,
		.retake_ran = true,
		/* a thread on a CPU: taken there (not --raw, --verify: thread by thread) */
		.catch_running = true,
		.user = l->user,
		.user_only = o->half == CLI_USER,
		.user_stack_bytes = o->user_stack_bytes,
		.verify_user = o->verify_user,
		.bound_threads = o->half != CLI_USER,
	};
	struct ks_pipe_ops ops = {
		.thread = o->action == CLI_RAW ? raw_thread :
			  o->action == CLI_VERIFY ? verify_thread : show_thread,
		.target = listing_target,
		.ctx = l,
	};
	struct ks_pipe_targets tg = {
		.all = o->target == CLI_ALL,
		.threads = o->target == CLI_TIDS,
		.ids = o->ids,
		.nids = o->nids,
	};
	struct ks_tid_list tids = { 0 };
	struct ks_cap_pool pool;
	struct ks_waitfor wf;
	struct ks_error *err;
	struct ks_pipe p;
	bool wait_user = false;

	if (l->path == KS_PIPE_THREADS && o->half == CLI_USER)
		return ks_error_format(ENOTSUP,
				       "--user: the driver gives no SNAPSHOT records with user registers");
	if (o->action == CLI_VERIFY) {
		/* /proc's stacks are compared by thread id: they must be ours */
		err = ks_proc_is_ours();
		if (err)
			return ks_error_wrap(err, "--verify compares with /proc/PID/task/TID/stack");
	}
	l->process_lines = true;
	/* the listing says what each blocked thread waits for, and who holds it */
	if (o->action == CLI_SHOW) {
		ks_waitfor_init(&wf, &l->s->drv);
		l->wf = &wf;
		wait_user = listing_wait_user(&po, &wf);
	}
	ks_cap_pool_init(&pool);
	ks_pipe_init(&p, l->s, l->names, &pool, &po);
	if (wait_user)
		p.user.max_frames = KS_WAITFOR_USER_FRAMES;
	if (po.user)
		cli_user_names(&p.user, o);
	err = ks_pipe_prepare(&p);
	if (!err && l->path == KS_PIPE_THREADS) {
		/* threads listed through the driver first, then each taken */
		err = targets_list(&l->s->drv, o, &tids, l->tally);
		if (!err)
			err = ks_pipe_threads(&p, &tids, &ops);
	} else if (!err) {
		err = ks_pipe_run(&p, &tg, &ops);
		listing_done(l, p.per_process, !err);
	}
	if (!err && o->verify_user)
		verify_user_summary(l, &p);
	if (!err && o->action == CLI_SHOW)
		listing_closing(l);
	cli_procs_fini(&l->procs);
	ks_tid_list_fini(&tids);
	ks_pipe_fini(&p);
	ks_cap_pool_fini(&pool);
	if (l->wf) {
		ks_waitfor_fini(l->wf);
		l->wf = NULL;
	}
	return err;
}
