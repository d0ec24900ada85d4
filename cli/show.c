// SPDX-License-Identifier: GPL-2.0
/*
 * kstack: a thread's stacks as the listing prints them, one block a
 * thread: its header, its kernel frames (names from the pipeline,
 * lib/kernel/stack_text.c's line form), how the walk ended, its user half
 * (user_print.c), a blank line; or a --raw record. The pipeline
 * (lib/pipeline.h) hands each thread here whole; nothing is taken here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "output.h"

/* How a walk ended (w->frames unused); one cut short is a problem, said at the end. */
static void print_walk_end(struct tally *c, const struct ks_walk_result *w, uint64_t tid)
{
	ks_stack_text_put_stop(stdout, w);
	if (w->stop == KS_STOP_MAX_FRAMES)
		cli_problem(&c->problems, tid, true, "stack", "stacks", "truncated at -n %zu", w->nr);
	else if (!ks_walk_whole(w))
		cli_problem(&c->problems, tid, true, "kernel stack", "kernel stacks",
			    "cut short: %s", ks_walk_stop_name(w->stop));
}

/* The thread's header and kernel half: frames one a line (lib/kernel/stack_text.h), then how the walk ended. */
static void print_kernel_half(const struct listing *l, const struct ks_pipe_thread *t)
{
	print_thread_header(t);
	print_wait_line(l, t);
	ks_stack_text_put_stack(l->text, stdout, t->kstack);
	print_walk_end(l->tally, &t->end, t->tid);
}

/*
 * Before the first thread of each process, its line (stack_text.h), a
 * paragraph of its own: scripts that read threads as paragraphs see only
 * threads.
 */
static void show_process(struct listing *l, const struct ks_pipe_thread *t)
{
	bool kthread = t->rec && (t->rec->flags & KSTACK_TF_KTHREAD);
	const struct cli_proc *p;

	if (!l->process_lines || (l->nprocs && t->tgid == l->cur_tgid))
		return;
	l->cur_tgid = t->tgid;
	l->nprocs++;
	p = cli_procs_get(&l->procs, t->tgid, t->tid == t->tgid ? t->comm : NULL, kthread);
	ks_stack_text_put_process(stdout, t->tgid, p ? p->name : NULL, p ? p->cmdline : NULL);
}

/*
 * Process pid's group leader has exited (pthread_exit) while its other
 * threads run: one line in the leader's place, as a running thread gets
 * one; its name is gone with it. Printed only for such a process, so the
 * listing of any other stays as it was.
 */
void print_leader_exited(uint64_t pid)
{
	printf("%" PRIu64 " - Z [group leader has exited: a zombie leader, its other threads still running]\n\n",
	       pid);
}

/* A thread's block ends in a blank line; it counts whole or cut short. */
static void show_done(struct tally *c, bool whole)
{
	putchar_unlocked('\n');
	if (whole)
		c->whole++;
	else
		c->cut++;
}

/*
 * A thread to be walked on its own that could not be (t->err): one on a
 * CPU gets its line; one gone, named (-t), is missing; the rest counted
 * by the tally's rule and, where it matters, said.
 */
static void show_failed(struct listing *l, const struct ks_pipe_thread *t)
{
	bool explicit = l->o->target == CLI_TIDS;

	if (t->err->code == EBUSY) {
		show_process(l, t);
		print_running(t->tid, t->comm);
	}
	if (t->err->code == ESRCH && explicit)
		tally_missing(l->tally, t->err);
	else
		tally_error(l->tally, t->err, t->tid);
}

/*
 * --user, a record without a user half: a kernel thread has none (--all
 * leaves them out, summed once at the end; a PID or TID that names one is
 * said and counted as not shown); a user thread without its user-mode
 * registers (exiting) is said and counted as cut short. Never dropped
 * without a word.
 */
static void show_no_user_half(struct listing *l, const struct ks_pipe_thread *t)
{
	struct ks_error *why;

	if (t->rec->flags & KSTACK_TF_KTHREAD) {
		if (l->o->target == CLI_ALL) {
			l->no_user++;
			return;
		}
		why = ks_error_format(ENODATA, "thread %" PRIu64 ": a kernel thread: no user half (--user)",
				      t->tid);
		tally_missing(l->tally, why);
	} else {
		cli_problem(&l->tally->problems, t->tid, true, "user half", "user halves",
			    "missing: no user-mode registers");
		l->tally->cut++;
		return;
	}
	ks_error_destroy(why);
}

struct ks_error *show_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct listing *l = ctx;
	bool user_only = l->o->half == CLI_USER, reached, whole;

	switch (t->kind) {
	case KS_PIPE_RUNNING:
		show_process(l, t);
		/* on a CPU, not taken there (running.c says why) */
		show_running_thread(l->tally, t);
		return NULL;
	case KS_PIPE_FAILED:
		show_failed(l, t);
		return NULL;
	case KS_PIPE_ALONE:
		show_process(l, t);
		/*
		 * walked again on its own: its user half after it, said to be
		 * of an earlier moment (and not whole) if the thread ran since
		 * its registers were taken
		 */
		print_kernel_half(l, t);
		whole = ks_walk_whole(&t->end);
		if (l->user && !print_user_part_retaken(l->tally, t->tid, t->ut, t->uw, t->hp,
							&t->ctx, t->end.stop == KS_STOP_USER))
			whole = false;
		show_done(l->tally, whole);
		return NULL;
	default:
		break;
	}
	if (user_only && !t->ut) {
		show_no_user_half(l, t);
		return NULL;
	}
	show_process(l, t);
	if (user_only) {
		/* no kernel half shown: its user half is printed as it is */
		print_thread_header(t);
		print_wait_line(l, t);
		whole = true;
	} else {
		print_kernel_half(l, t);
		whole = ks_walk_whole(&t->end);
	}
	/* the halves meet at the user-mode line (printed above if the walk reached it) */
	reached = !user_only && t->end.stop == KS_STOP_USER;
	if (l->user && !print_user_part(l->tally, t->tid, t->ut, t->uw, t->hp, !reached, reached))
		whole = false;
	show_done(l->tally, whole);
	return NULL;
}

struct ks_error *raw_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct listing *l = ctx;
	const struct ks_pipe_raw *raw = t->raw;
	const struct kstack_thread_context *c = &t->ctx;
	uint64_t stext, etext;
	size_t i;

	if (t->kind == KS_PIPE_FAILED) {
		if (t->err->code == EBUSY)
			print_running(t->tid, t->comm);
		tally_error(l->tally, t->err, t->tid);
		return NULL;
	}
	print_kernel_half(l, t);
	printf("raw-context sp %016" PRIx64 " base %016" PRIx64 " size %" PRIx64,
	       c->sp, c->stack_base, c->stack_size);
	/* the text bounds make the record self-contained (KASLR offset); "-": unknown */
	if (ks_session_text_bounds(l->s, &stext, &etext))
		printf(" stext %016" PRIx64 " etext %016" PRIx64 "\n", stext, etext);
	else
		printf(" stext - etext -\n");
	printf("raw-kernel %u", raw->st.nr_frames);
	for (i = 0; i < raw->st.nr_frames && i < KSTACK_FRAMES_MAX; i++)
		printf(" %016" PRIx64, raw->kernel[i]);
	/* the return addresses the walk used in place of the stack's: slot, original */
	if (raw->nr_fixups) {
		printf("\nraw-fixups %zu", raw->nr_fixups);
		for (i = 0; i < raw->nr_fixups; i++)
			printf(" %016" PRIx64 " %016" PRIx64, raw->fixups[i].slot, raw->fixups[i].ret);
	}
	printf("\nraw-walk %zu", t->end.nr);
	for (i = 0; i < ks_cap_stack_n(t->kstack); i++)
		printf(" %016" PRIx64, t->kstack->f[i].ip);
	printf("\nraw-stop %s", ks_walk_stop_name(t->end.stop));
	if (t->end.stop == KS_STOP_USER)
		printf(" user-ip %016" PRIx64 " user-sp %016" PRIx64, t->end.user_ip,
		       t->end.user_sp);
	for (i = 0; i + 8 <= raw->len; i += 8) {
		uint64_t v;

		memcpy(&v, raw->stack + i, 8);
		if (i % 32 == 0)
			printf("\nraw-stack %016" PRIx64 ":", c->sp + i);
		printf(" %016" PRIx64, v);
	}
	printf("\n\n");
	tally_walk(l->tally, &t->end);
	return NULL;
}
