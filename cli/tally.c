// SPDX-License-Identifier: GPL-2.0
/* kstack: what a run showed, and the one rule that makes it an exit status. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "user_unwind.h"

bool user_walk_whole(const struct ks_user_walk *w)
{
	return w && w->stop == KS_USTOP_END;
}

void tally_walk(struct tally *t, const struct ks_walk_result *w)
{
	if (ks_walk_whole(w))
		t->whole++;
	else
		t->cut++;
}

/* --verify's bar (here with the rule it feeds; verify_cmd.c prints the figures) */
bool verify_agreed(const struct tally *c)
{
	/* a thread we failed to walk for a reason other than running is a
	 * failure too: it was neither compared nor explained away */
	return c->walked > 0 && c->eq_kernel == c->walked && !c->failed &&
	       (double)c->eq_proc >= KS_PROC_AGREEMENT_MIN * (double)c->walked;
}

void verify_verdict(const struct tally *t, char *buf, size_t len)
{
	struct tally uncut = *t;

	if (exit_status(t, CLI_VERIFY) == EXIT_ALL) {
		snprintf(buf, len, "PASSED");
		return;
	}
	/* the walkers agreed, but a stack is not whole: not a clean pass */
	uncut.cut = 0;
	if (t->cut && exit_status(&uncut, CLI_VERIFY) == EXIT_ALL)
		snprintf(buf, len, "PASSED (%zu %s cut short: partial)", t->cut,
			 t->cut == 1 ? "stack" : "stacks");
	else
		snprintf(buf, len, "FAILED");
}

int exit_status(const struct tally *t, enum cli_action action)
{
	size_t shown = action == CLI_VERIFY ? t->walked + t->running :
			t->whole + t->cut + t->running;

	if (!shown)
		return EXIT_NOTHING;
	if (action == CLI_DEADLOCKS && t->deadlocks)
		return EXIT_DEADLOCK;
	if (t->cut || t->missing || t->failed || t->denied)
		return EXIT_PARTIAL;
	/* --verify compares quiet threads: one that kept running is skipped */
	if (action == CLI_VERIFY)
		return verify_agreed(t) ? EXIT_ALL : EXIT_PARTIAL;
	return t->ran ? EXIT_PARTIAL : EXIT_ALL;
}

const char *tally_detail(const struct ks_error *err, uint64_t tid)
{
	char prefix[40];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "thread %" PRIu64 ": ", tid);
	return strncmp(err->message, prefix, n) ? err->message : err->message + n;
}

/*
 * A thread met while listing a process (or the system) that is running
 * or gone by its turn is a fact of the moment, not a failure: it counts as
 * running (shown as such) or is left out. An explicitly named one that is
 * gone is counted missing by the caller. A thread not shown for any other
 * reason is a problem, said once a kind at the end (problems.c).
 */
void tally_error(struct tally *t, const struct ks_error *err, uint64_t tid)
{
	switch (err->code) {
	case EBUSY:
		t->running++;	/* shown as running: its line says so */
		return;
	case ESRCH:
		return;
	case EAGAIN:
		t->ran++;
		cli_problem(&t->problems, tid, false, "thread", "threads",
			    "not shown: kept running through every try");
		return;
	case EPERM:
		t->denied++;
		cli_problem(&t->problems, tid, false, "thread", "threads", "not shown: %s",
			    tally_detail(err, tid));
		return;
	default:
		t->failed++;
		cli_problem(&t->problems, tid, false, "thread", "threads", "not shown: %s",
			    tally_detail(err, tid));
		return;
	}
}

void tally_missing(struct tally *t, const struct ks_error *why)
{
	cli_message("%s", why->message);
	t->missing++;
}

void tally_denied(struct tally *t, const struct ks_error *why)
{
	cli_message("%s", why->message);
	t->denied++;
}

void tally_denied_threads(struct tally *t, size_t n)
{
	if (!n)
		return;
	cli_message("%zu %s not shown: not permitted (%s)", n, n == 1 ? "thread" : "threads",
		    KS_DENIED_WHY);
	t->denied += n;
}
