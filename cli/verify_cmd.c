// SPDX-License-Identifier: GPL-2.0
/* kstack --verify: one thread three ways, mismatches with both stacks, figures. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "escape.h"
#include "output.h"
#include "verify.h"

static void print_mismatch(const struct ks_session *s, const struct ks_verify *v, uint64_t tid)
{
	char buf[512], comm[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];
	size_t i;

	ks_escape_str(comm, sizeof(comm), v->ctx.comm);
	printf("MISMATCH %" PRIu64 " %s %c:%s%s\n", tid, comm,
	       ks_task_state_letter(v->ctx.state),
	       v->eq_kernel ? "" : " walker != kernel unwinder",
	       v->eq_proc ? "" : " walker != /proc");
	printf("  walker (%zu frames, stop: %s):\n", v->walk.nr, ks_walk_stop_name(v->walk.stop));
	for (i = 0; i < v->walk.nr; i++) {
		const struct ks_frame *f = &v->walk.frames[i];

		ks_format_frame(buf, sizeof(buf), &s->ksyms, f->ip, f->exact, f->reliable);
		printf("    %s%s\n", buf, ks_ksyms_in_sched(&s->ksyms, f->ip) ? "  [sched]" : "");
	}
	printf("  kernel unwinder via STACK (%u frames%s):\n", v->nkernel,
	       v->kernel_flags & KSTACK_SF_UNRELIABLE ? ", unreliable" : "");
	for (i = 0; i < v->nkernel && i < KSTACK_FRAMES_MAX; i++) {
		ks_format_frame(buf, sizeof(buf), &s->ksyms, v->kernel[i], false, true);
		printf("    %s\n", buf);
	}
	printf("  /proc/%" PRIu64 "/task/%" PRIu64 "/stack (%zu frames):\n", v->ctx.tgid, tid,
	       v->nproc);
	for (i = 0; i < v->nproc; i++)
		printf("    %s\n", v->proc[i]);
	if (!v->eq_kernel)
		printf("  first difference from the kernel unwinder at frame %zu\n", v->kernel_diff);
	if (!v->eq_proc)
		printf("  first difference from /proc at frame %zu (scheduler frames dropped)\n",
		       v->proc_diff);
	if (ks_verify_cut_by_limit(&v->walk))
		printf("  walker cut at the frame limit (-n): compared over its %zu frames\n",
		       v->walk.nr);
}

struct ks_error *verify_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct listing *l = ctx;
	struct ks_session *s = l->s;
	const struct opts *o = l->o;
	struct tally *c = l->tally;
	struct ks_verify v;
	struct ks_error *err = ks_verify_thread(s, t->tgid, t->tid, &v);

	if (err) {
		tally_error(c, err, t->tid);
		ks_error_destroy(err);
		return NULL;
	}
	c->walked++;
	c->eq_kernel += v.eq_kernel;
	c->eq_proc += v.eq_proc;
	c->unreliable += !v.walk.reliable;
	/* agreeing walkers do not make a cut stack whole: partial */
	tally_walk(c, &v.walk);
	if (!v.eq_kernel || !v.eq_proc) {
		print_mismatch(s, &v, t->tid);
	} else if (!o->quiet) {
		char comm[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

		ks_escape_str(comm, sizeof(comm), v.ctx.comm);
		printf("ok %" PRIu64 " %s %c: %zu frames, stop: %s%s\n", t->tid, comm,
		       ks_task_state_letter(v.ctx.state), v.walk.nr,
		       ks_walk_stop_name(v.walk.stop),
		       /* the others may go on: only the frames both have were compared */
		       ks_verify_cut_by_limit(&v.walk) ?
		       " (cut by -n: compared over these frames only)" :
		       !ks_walk_whole(&v.walk) ? " (stack cut short)" : "");
	}
	ks_verify_fini(&v);
	return NULL;
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

void verify_summary(const struct tally *c, double secs)
{
	char verdict[96];

	/*
	 * Nothing compared (no such process, a zombie, every thread on a CPU):
	 * figures of 0/0 would read as a failed comparison. Say only why; the
	 * missing ids were said as they were found.
	 */
	if (!c->walked) {
		if (c->running || c->ran || c->failed)
			cli_message("verify: no thread compared: %zu running on a CPU, %zu kept running, %zu errors",
				    c->running, c->ran, c->failed);
		return;
	}
	printf("verify: %zu sleeping threads walked; %zu running, %zu kept running (skipped); %zu missing; %zu errors\n",
	       c->walked, c->running, c->ran, c->missing, c->failed);
	printf("verify: walker == kernel unwinder (STACK), frame for frame: %zu/%zu (%.1f%%)\n",
	       c->eq_kernel, c->walked, pct(c->eq_kernel, c->walked));
	printf("verify: walker == /proc/PID/task/TID/stack (scheduler frames dropped): %zu/%zu (%.1f%%)\n",
	       c->eq_proc, c->walked, pct(c->eq_proc, c->walked));
	printf("verify: walks with unreliable frames: %zu; stacks cut short: %zu; time %.3f s\n",
	       c->unreliable, c->cut, secs);
	/* the same rule as the exit status: PASSED alone is exit 0 */
	verify_verdict(c, verdict, sizeof(verdict));
	printf("verify: %s\n", verdict);
}
