// SPDX-License-Identifier: GPL-2.0
/*
 * Threads running on a CPU: taken where they run (lib/catch.h) once a
 * SNAPSHOT has taken the sleeping ones, and said as such:
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
#include "user_half.h"

struct ks_error *catch_running(struct ks_driver *drv, struct ks_snapshot *snap,
			       const struct opts *o, uint32_t max_frames, const uint64_t *only,
			       size_t nonly)
{
	size_t bytes = o->user_stack_bytes ? o->user_stack_bytes : KS_USER_STACK_BYTES_DEFAULT;

	/* no user half shown: no user stack to copy */
	return ks_catch_running(drv, snap, max_frames, o->half == CLI_KERNEL ? 0 : bytes,
				only, nonly);
}

void print_record_header(const struct kstack_snap_thread *r, const char *comm)
{
	const struct kstack_snap_catch *k = ks_snapshot_catch(r, NULL);
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	if (!ks_catch_caught(k)) {
		ks_stack_text_put_header(stdout, r->tid, comm, r->state, r->nvcsw_after,
					 r->nivcsw_after);
		return;
	}
	ks_escape_str(esc, sizeof(esc), comm[0] ? comm : "-");
	printf("%" PRIu64 " %s R [running on CPU %u: caught at %016" PRIx64 " in %s mode; ctxsw %"
	       PRIu64 "+%" PRIu64 "]\n", r->tid, esc, k->cpu, k->ip,
	       k->how == KSTACK_CATCH_USER ? "user" : "kernel", r->nvcsw_after, r->nivcsw_after);
}

void show_running_record(struct tally *t, const struct kstack_snap_thread *r, const char *comm)
{
	const struct kstack_snap_catch *k = ks_snapshot_catch(r, NULL);
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	if (!k) {
		/* a driver that cannot take it where it runs */
		print_running(r->tid, comm);
		t->running++;
		return;
	}
	ks_escape_str(esc, sizeof(esc), comm && comm[0] ? comm : "-");
	if (k->how == KSTACK_CATCH_SELF) {
		printf("%" PRIu64 " %s R [running on CPU %u: kstack's own thread, running this listing]\n\n",
		       r->tid, esc, k->cpu);
		t->running++;
		return;
	}
	printf("%" PRIu64 " %s R [running on CPU %u: not caught: %s]\n\n", r->tid, esc, k->cpu,
	       ks_catch_missed_why(k->missed));
	cli_message("thread %" PRIu64 ": running on CPU %u, not caught: %s", r->tid, k->cpu,
		    ks_catch_missed_why(k->missed));
	t->cut++;
}
