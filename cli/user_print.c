// SPDX-License-Identifier: GPL-2.0
/*
 * The user-mode half of a thread (lib/user/user_half.h), printed under its
 * kernel half in the same line form:
 *   user mode: ip 00007f3a1c2e5a3d sp 00007ffd5e6f7a80
 *   00007f3a1c2e5a3d : libc.so.6!__clock_nanosleep+0x4d/0x80
 *   000055d0c1a2b10f : ? myprog!worker+0x1f/0x60      (found without CFI)
 * Names were escaped when they were made (lib/user/user_unwind.c); the
 * process's error, which may name a path, is escaped here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "user_half.h"

bool print_user_half(uint64_t tid, const struct ks_user_thread *ut, const struct ks_user_walk *w,
		     const struct ks_user_half_proc *hp, bool user_line)
{
	size_t i;

	if (user_line)
		printf("user mode: ip %016" PRIx64 " sp %016" PRIx64 "\n", ut->regs.ip, ut->regs.sp);
	if (!w) {
		const char *why = hp && hp->err ? hp->err->message : "not taken";

		fputs("(no user half: ", stdout);
		ks_escape_write(stdout, why, strlen(why));
		fputs(")\n", stdout);
		/* a thread shown without half its stack is not whole (tally.c) */
		cli_message("thread %" PRIu64 ": no user half: %s", tid, why);
		return false;
	}
	for (i = 0; i < w->nr; i++)
		printf("%016" PRIx64 " : %s%s\n", w->frames[i].pc,
		       w->frames[i].flags & KS_UF_FALLBACK ? "? " : "", w->frames[i].name);
	switch (w->stop) {
	case KS_USTOP_END:
		break;
	case KS_USTOP_LIMIT:
		printf("... user stack truncated at %zu frames (raise with -n)\n", w->nr);
		fprintf(stderr, "kstack: thread %" PRIu64 ": user stack truncated at %zu frames\n",
			tid, w->nr);
		return false;
	case KS_USTOP_ERROR:
		printf("(user walk stopped: %s)\n", w->why);
		cli_message("thread %" PRIu64 ": user stack cut short: %s", tid, w->why);
		return false;
	case KS_USTOP_NONE:
		printf("(no user stack: %s)\n", w->why);
		cli_message("thread %" PRIu64 ": no user stack: %s", tid, w->why);
		return false;
	}
	if (ut->flags & KS_UT_RAN) {
		printf("(the thread ran while its user half was taken, twice: frames may not match)\n");
		fprintf(stderr, "kstack: thread %" PRIu64 ": ran while its user stack was copied\n",
			tid);
		return false;
	}
	return true;
}

bool print_user_part(uint64_t tid, const struct ks_user_thread *ut, const struct ks_user_walk *w,
		     const struct ks_user_half_proc *hp, bool user_line, bool reached_user)
{
	if (ut)
		return print_user_half(tid, ut, w, hp, user_line);
	if (!reached_user)
		return true;	/* no user mode to show: a kernel thread */
	printf("(no user half: no user registers came with its kernel stack)\n");
	cli_message("thread %" PRIu64 ": no user half: no user registers", tid);
	return false;
}

bool print_user_part_retaken(uint64_t tid, const struct ks_user_thread *ut,
			     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
			     const struct kstack_thread_context *ctx, bool reached_user)
{
	bool moved = ut && (ctx->nvcsw != ut->nvcsw || ctx->nivcsw != ut->nivcsw);

	if (moved) {
		printf("(the thread ran since its user half was taken: the user half below is of an earlier moment)\n");
		cli_message("thread %" PRIu64 ": ran between its kernel and user halves", tid);
	}
	/* moved: its own "user mode" line, the walk's above may be of another moment */
	return print_user_part(tid, ut, w, hp, moved || !reached_user, reached_user) && !moved;
}
