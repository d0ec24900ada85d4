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

/*
 * A walk that ended where a binary has no unwind information: whole as
 * far as the binary allows (counted apart, for the closing line), or with
 * --strict cut short, as eu-stack counts it.
 */
static bool user_no_cfi(struct tally *t, uint64_t tid, const struct ks_user_walk *w)
{
	if (!t->strict) {
		t->no_cfi++;
		return true;
	}
	cli_problem(&t->problems, tid, true, "user stack", "user stacks",
		    "cut short: %s (--strict)", w->why);
	return false;
}

bool print_user_half(struct tally *t, uint64_t tid, const struct ks_user_thread *ut,
		     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
		     bool user_line)
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
		cli_problem(&t->problems, tid, true, "user half", "user halves", "missing: %s", why);
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
		cli_problem(&t->problems, tid, true, "stack", "stacks", "truncated at -n %zu", w->nr);
		return false;
	case KS_USTOP_ERROR:
		printf("(user walk stopped: %s)\n", w->why);
		if (w->no_cfi)
			return user_no_cfi(t, tid, w);
		cli_problem(&t->problems, tid, true, "user stack", "user stacks", "cut short: %s",
			    w->why);
		return false;
	case KS_USTOP_NONE:
		printf("(no user stack: %s)\n", w->why);
		cli_problem(&t->problems, tid, true, "user stack", "user stacks", "missing: %s",
			    w->why);
		return false;
	}
	if (ut->flags & KS_UT_RAN) {
		printf("(the thread ran while its user half was taken, twice: frames may not match)\n");
		cli_problem(&t->problems, tid, true, "user half", "user halves",
			    "taken while the thread ran, twice: frames may not match");
		return false;
	}
	return true;
}

bool print_user_part(struct tally *t, uint64_t tid, const struct ks_user_thread *ut,
		     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
		     bool user_line, bool reached_user)
{
	if (ut)
		return print_user_half(t, tid, ut, w, hp, user_line);
	if (!reached_user)
		return true;	/* no user mode to show: a kernel thread */
	printf("(no user half: no user registers came with its kernel stack)\n");
	cli_problem(&t->problems, tid, true, "user half", "user halves",
		    "missing: no user registers");
	return false;
}

bool print_user_part_retaken(struct tally *t, uint64_t tid, const struct ks_user_thread *ut,
			     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
			     const struct kstack_thread_context *ctx, bool reached_user)
{
	bool moved = ut && (ctx->nvcsw != ut->nvcsw || ctx->nivcsw != ut->nivcsw);

	if (moved) {
		printf("(the thread ran since its user half was taken: the user half below is of an earlier moment)\n");
		cli_problem(&t->problems, tid, true, "user half", "user halves",
			    "of an earlier moment: the thread ran between its kernel and user halves");
	}
	/* moved: its own "user mode" line, the walk's above may be of another moment */
	return print_user_part(t, tid, ut, w, hp, moved || !reached_user, reached_user) && !moved;
}
