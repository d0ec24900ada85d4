// SPDX-License-Identifier: GPL-2.0
/*
 * Threads running on a CPU, as the pipeline took them where they run
 * (lib/pipeline.c, lib/kernel/catch.h), said as such:
 *   353 ticker R [running on CPU 1: caught at 000055d0c1a2b10f in user mode; ctxsw 2+35]
 *   354 kstack R [running on CPU 0: kstack's own thread, running this listing]
 *   355 hog R [running on CPU 1: not caught: it moved to another CPU before each call reached it]
 * A caught thread is shown with its frames and counts as any other; the
 * caller's own thread is shown running (whole: there is no other stack to
 * take of it); one not caught is partial, and said on stderr.
 */
#include <inttypes.h>
#include <stdio.h>

#include "catch.h"
#include "cli.h"
#include "escape.h"

void print_running(uint64_t tid, const char *comm)
{
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	ks_escape_str(esc, sizeof(esc), comm && comm[0] ? comm : "-");
	printf("%" PRIu64 " %s R [running on a CPU: no saved kernel stack]\n\n", tid, esc);
}

void print_thread_header(const struct ks_pipe_thread *t)
{
	const struct kstack_snap_catch *k = t->caught;
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	if (!ks_catch_caught(k)) {
		ks_stack_text_put_header(stdout, t->tid, t->comm, t->state, t->nvcsw, t->nivcsw);
		return;
	}
	ks_escape_str(esc, sizeof(esc), t->comm[0] ? t->comm : "-");
	printf("%" PRIu64 " %s R [running on CPU %u: caught at %016" PRIx64 " in %s mode; ctxsw %"
	       PRIu64 "+%" PRIu64 "]\n", t->tid, esc, k->cpu, k->ip,
	       k->how == KSTACK_CATCH_USER ? "user" : "kernel", t->nvcsw, t->nivcsw);
}

void show_running_thread(struct tally *c, const struct ks_pipe_thread *t)
{
	const struct kstack_snap_catch *k = t->caught;
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	if (!k) {
		/* a driver that cannot take it where it runs */
		print_running(t->tid, t->comm);
		c->running++;
		return;
	}
	ks_escape_str(esc, sizeof(esc), t->comm[0] ? t->comm : "-");
	if (k->how == KSTACK_CATCH_SELF) {
		printf("%" PRIu64 " %s R [running on CPU %u: kstack's own thread, running this listing]\n\n",
		       t->tid, esc, k->cpu);
		c->running++;
		return;
	}
	printf("%" PRIu64 " %s R [running on CPU %u: not caught: %s]\n\n", t->tid, esc, k->cpu,
	       ks_catch_missed_why(k->missed));
	cli_message("thread %" PRIu64 ": running on CPU %u, not caught: %s", t->tid, k->cpu,
		    ks_catch_missed_why(k->missed));
	c->cut++;
}
