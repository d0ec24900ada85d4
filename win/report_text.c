// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The text of one thread: a header line, its "waiting for" line, then
 * kernel frames, then user frames, or a line per part saying why not.
 * The header is printed before the thread is walked (report.c), the rest
 * after: if kstack dies mid-walk, the output still names the thread.
 */
#include <stdio.h>

#include "escape.h"
#include "report_out.h"

void ks_text_head(const struct ks_thread_rec *t)
{
	const struct ks_wait_rec *w = &t->wait;
	struct ks_esc_buf e;

	printf("thread %lu: state %s", (unsigned long)t->tid, ks_thread_state_name(t->state));
	if (t->state == 5)	/* Waiting */
		printf(", wait reason %s", ks_wait_reason_name(t->wait_reason));
	/* Set by the target (SetThreadDescription): anything at all. */
	if (t->desc[0])
		printf(", description \"%s\"", ks_esc(&e, t->desc));
	printf("\n");
	/* as kstack on Linux prints it; Wait Chain Traversal names no address (0x0) */
	if (!w->waits)
		return;
	if (w->holder_tid)
		printf("waiting for %s at 0x0, held by %lu %s\n", w->kind,
		       (unsigned long)w->holder_tid, ks_esc(&e, w->holder));
	else
		printf("waiting for %s at 0x0, holder unknown (%s)\n", w->kind, w->reason);
}

static void print_frames(const struct ks_part_rec *p, int width)
{
	struct ks_esc_buf e;
	unsigned i;

	/* module and symbol names come from the target's files */
	for (i = 0; i < p->nr; i++)
		printf("  0x%0*llx : %s\n", width, (unsigned long long)p->f[i].pc,
		       ks_esc(&e, p->f[i].name));
}

void ks_text_body(const struct ks_run_info *ri, const struct ks_thread_rec *t)
{
	if (t->stop == KS_REC_NO_OPEN || t->stop == KS_REC_NO_SUSPEND) {
		printf("  user: not shown: %s\n", t->stop_why);
		return;
	}
	if (t->kernel_shown) {
		printf("  kernel: via %s\n", t->kernel_via);
		print_frames(&t->kernel, ri->kernel_width);
	}
	else if (t->kernel_wanted)
		printf("  %s\n", t->kernel_why);
	if (t->stop == KS_REC_NO_CONTEXT) {
		printf("  user: not shown: %s\n", t->stop_why);
		return;
	}
	if (!t->user.nr)
		printf("  user: no frames (the thread has no user-mode context)\n");
	print_frames(&t->user, ri->user_width);
}
