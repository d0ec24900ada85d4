// SPDX-License-Identifier: GPL-2.0
/*
 * kstack's triage mode: capture the threads (triage_capture.c: the
 * pipeline's rounds), filter, group, and write the report (lib/report/report.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "filter.h"
#include "output.h"
#include "cli.h"
#include "triage.h"
#include "waitfor.h"
#include "waitgraph.h"

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
		struct ks_error *why = target_gone(gp->pid, gp->thread, gp->zombie || gp->thread,
						   gp->zombie);

		tally_missing(tally, why);
		ks_error_destroy(why);
	}
	for (i = 0; i < counts->ndenied; i++) {
		struct ks_error *why = ks_error_format(EPERM, "%s %" PRIu64
						       ": permission denied (%s)",
						       counts->denied[i].thread ? "thread" : "process",
						       counts->denied[i].pid, KS_DENIED_WHY);

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
 * The capture's deadlocks: its wait-for graph's cycles, each confirmed by
 * a new look at its threads (waitgraph.h), into *wg for the report.
 */
static struct ks_error *triage_deadlocks(const struct ks_capture *c, struct ks_driver *drv,
					 struct ks_waitgraph *wg)
{
	struct ks_error *err = NULL;
	size_t i;

	for (i = 0; !err && i < c->n; i++) {
		const struct ks_cap_thread *t = &c->v[i];

		err = ks_waitgraph_add(wg, t->tid, t->tgid, t->nvcsw, t->nivcsw,
				       t->flags & KS_CAP_RUNNING ? NULL : &t->wait);
	}
	return err ? err : ks_waitfor_cycles(wg, drv, NULL, NULL);
}

/*
 * Why a group whose kernel half reached user mode shows no user frames
 * (said under it: "user mode (...)"); NULL: its user frames are there.
 */
static const char *triage_no_user_why(const struct opts *o, bool user)
{
	if (o->half == CLI_KERNEL)
		return "user half not taken: --kernel";
	if (o->triage.group == KS_GROUP_KERNEL)
		return "user halves not grouped on: --group=kernel";
	return user ? NULL : "user half not taken";
}

struct ks_error *triage_run(const struct opts *o, struct ks_session *s,
			    struct ks_symcache *names, enum ks_pipe_path path, bool user,
			    struct tally *tally)
{
	const struct triage_opts *t = &o->triage;
	struct ks_report r = { .interval_ns = t->interval_ns, .start_ns = now_ns(CLOCK_REALTIME) };
	struct ks_pipe_opts po = {
		.path = path,
		/* a record's bound (KSTACK_FRAMES_MAX) stands: no retake deeper */
		.max_frames = o->max_frames,
		/* a sampling round takes no thread twice: one that ran is a cut sample */
		.retake_ran = !t->sample,
		/* a thread on a CPU: taken there, an on-CPU sample (marked in every report) */
		.catch_running = true,
		.user = user,
		.user_only = user && o->half == CLI_USER,
		.user_stack_bytes = o->user_stack_bytes,
	};
	struct ks_pipe pipe;
	/* each thread's process, named: the report's strings point here until its end */
	struct cli_procs procs = { 0 };
	struct triage_target tg = {
		.pipe = &pipe,
		.all = o->target == CLI_ALL,
		.threads = o->target == CLI_TIDS,
		.pids = o->ids,
		.npids = o->nids,
		.user_only = po.user_only,
		/* grouped on the kernel half: the user half only filters (--match) */
		.user_flags = user && t->group != KS_GROUP_KERNEL,
		.sampled = t->sample,
		.tally = tally,
		.procs = &procs,
	};
	struct triage_counts counts = { 0 };
	struct ks_cap_pool pool;
	struct ks_grouping g;
	struct ks_capture c;
	struct ks_filter f;
	struct ks_error *err;
	struct ks_waitfor wf;
	struct ks_waitgraph wg;
	FILE *out = stdout;

	/* a capture says what each thread waits for (not each round of --sample) */
	ks_waitfor_init(&wf, &s->drv);
	ks_waitgraph_init(&wg);
	if (!t->sample) {
		tg.wf = &wf;
		/* futex waiters' frames tell their locks: taken, not shown */
		tg.user_for_waits = listing_wait_user(&po, &wf);
	}

	ks_cap_pool_init(&pool);
	ks_pipe_init(&pipe, s, names, &pool, &po);
	if (tg.user_for_waits)
		pipe.user.max_frames = KS_WAITFOR_USER_FRAMES;
	if (po.user)
		cli_user_names(&pipe.user, o);
	/* the options were checked (triage_opts_check): this compiles */
	err = ks_filter_init(&f, t->states, t->comm, t->match);
	if (!err) {
		err = ks_filter_set_process(&f, t->process);
		if (err)
			ks_filter_fini(&f);
	}
	if (err)
		goto out_pipe;
	r.verbose = o->verbose;
	r.no_user_why = triage_no_user_why(o, user);
	r.has_state = t->states;
	r.has_comm = t->comm;
	r.has_match = t->match;
	r.has_process = t->process;
	/* an older driver's RAW stacks are walked here: the walker first */
	err = ks_pipe_prepare(&pipe);
	if (!err && t->output) {
		out = fopen(t->output, "we");
		if (!out)
			err = ks_error_format(errno, "%s: %s", t->output, strerror(errno));
	}
	if (err)
		goto out_filter;
	ks_capture_init(&c, &pool);
	/* folded lines are per (comm, stack) by definition: group even when not asked */
	ks_grouping_init(&g, t->format == KS_FORMAT_FOLDED && t->group == KS_GROUP_NONE ?
			 KS_GROUP_WHOLE : t->group);
	if (t->sample) {
		err = triage_sample(&tg, t, &f, &pool, &g, &r, &counts);
	} else {
		err = triage_capture(&tg, &c, &counts);
		if (!err)
			err = triage_deadlocks(&c, &s->drv, &wg);
		if (!err) {
			r.waits = &wg;
			r.walked = c.walked;
			ks_filter_capture(&f, &c, &r.left);
			err = ks_grouping_add(&g, &c);
		}
	}
	if (!err) {
		ks_grouping_finish(&g, t->min_count);
		r.g = &g;
		r.not_permitted = counts.denied_threads;
		r.samples_user_ran = counts.user_ran;
		r.not_permitted_processes = counts.ndenied + counts.denied_listed;
		err = ks_report_write(&r, t->format, out);
	}
	if (!err)
		triage_tally(tally, &c, r.walked, t->sample, &counts);
	if (out != stdout && fclose(out) && !err)
		err = ks_error_format(errno, "%s: %s", t->output, strerror(errno));
	ks_capture_fini(&c);
	ks_grouping_fini(&g);
	ks_waitgraph_fini(&wg);
	ks_waitfor_fini(&wf);
	cli_procs_fini(&procs);
out_filter:
	ks_filter_fini(&f);
	free(counts.gone);
	free(counts.denied);
out_pipe:
	ks_cap_pool_fini(&pool);
	/* last: the pool's user frame names are the unwinder's */
	ks_pipe_fini(&pipe);
	return err;
}
