// SPDX-License-Identifier: GPL-2.0
/*
 * kstack: the threads the command line names, found through the driver.
 * The driver numbers threads in the caller's pid namespace; /proc numbers
 * them in the namespace it was mounted in, which inside `unshare -p -f`
 * (without a new mount) is another one: "thread 2" there is someone else.
 * So threads are listed with SNAPSHOT, and /proc is used only where it is
 * checked to be ours.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void say_per_process(void)
{
	cli_message("more than %u threads on the system (one SNAPSHOT's bound): taking one SNAPSHOT per process instead; each process is one moment, the whole system is not",
		    KSTACK_SNAP_MAX_THREADS);
}

struct ks_error *target_gone(uint64_t id, bool thread, bool found, uint32_t gone)
{
	const char *what = thread ? "thread" : "process";

	if (found && gone)
		return ks_error_format(ESRCH, "%s %" PRIu64 ": has exited and is a zombie (not yet reaped): no stack to show",
				       what, id);
	return ks_error_format(ESRCH, "%s %" PRIu64 ": no such %s", what, id, what);
}

void target_thread_outcome(struct tally *t, const struct ks_pipe_target *tg)
{
	struct ks_error *why;

	if (tg->refused) {
		/* its process refused, or the thread alone: named as asked for */
		why = ks_error_format(EPERM, "thread %" PRIu64 ": permission denied (%s)", tg->id,
				      KS_DENIED_WHY);
		tally_denied(t, why);
		ks_error_destroy(why);
		return;
	}
	if (tg->err || !tg->found) {
		why = target_gone(tg->id, true, !tg->err, tg->skipped);
		tally_missing(t, why);
		ks_error_destroy(why);
	}
}

/*
 * Threads of one process (0: all) through the driver, or from /proc where
 * that is ours; the threads it left out as not ours to see are said and
 * counted in t.
 */
static struct ks_error *list_process(struct ks_driver *drv, uint64_t pid, struct ks_tid_list *l,
				     uint32_t *gone, struct tally *t)
{
	struct ks_error *err;
	uint32_t denied = 0;

	*gone = 0;
	if (drv->version.caps & KSTACK_CAP_SNAPSHOT) {
		err = ks_threads_driver(drv, pid, l, gone, &denied);
		if (!err)
			tally_denied_threads(t, denied);
		return err;
	}
	/* a driver without SNAPSHOT: /proc, if it numbers threads as the driver does */
	err = ks_proc_is_ours();
	if (err)
		return err;
	return pid ? ks_threads_of(l, NULL, pid) : ks_threads_all(l, NULL);
}

/*
 * Thread tid, with its process and name, into l; *found: its id exists.
 * EPERM: the thread is not the caller's to see.
 */
static struct ks_error *list_thread(struct ks_driver *drv, uint64_t tid, struct ks_tid_list *l,
				    bool *found, uint32_t *gone)
{
	struct kstack_thread_context ctx;
	struct ks_tid_list all = { 0 };
	struct ks_error *err;
	uint64_t pid = tid;
	uint32_t denied = 0;
	size_t i;

	*found = false;
	err = ks_driver_thread_context(drv, tid, &ctx);
	if (!err)
		pid = ctx.tgid;
	if (err && err->code == EPERM)
		return err;	/* it names the thread */
	ks_error_destroy(err);
	/*
	 * Its process's threads: named by its tgid when the context gave it,
	 * else by the thread's own id (the driver takes the thread group of
	 * the task an id names).
	 */
	err = drv->version.caps & KSTACK_CAP_SNAPSHOT ?
		ks_threads_driver(drv, pid, &all, gone, &denied) :
		list_process(drv, pid, &all, gone, NULL);
	if (err && err->code == ESRCH) {
		ks_error_destroy(err);
		err = NULL;
	} else if (!err) {
		*found = true;
	}
	for (i = 0; !err && i < all.n; i++) {
		if (all.v[i].tid != tid)
			continue;
		err = ks_tid_list_add(l, all.v[i].tgid, tid);
		if (!err)
			l->v[l->n - 1] = all.v[i];
		ks_tid_list_fini(&all);
		return err;
	}
	ks_tid_list_fini(&all);
	if (!err)
		err = ks_error_format(ENOENT, "not found");
	return err;
}

struct ks_error *targets_list(struct ks_driver *drv, const struct opts *o,
			      struct ks_tid_list *l, struct tally *t)
{
	struct ks_error *err = NULL;
	uint32_t gone;
	size_t i;

	if (o->target == CLI_ALL) {
		err = list_process(drv, 0, l, &gone, t);
		if (err && err->code == E2BIG) {
			/* past one call's bound: per process, listed from /proc if ours */
			cli_message("%s; listing from /proc", err->message);
			ks_error_destroy(err);
			err = ks_proc_is_ours();
			if (!err)
				err = ks_threads_all(l, NULL);
		}
		return err;
	}
	for (i = 0; !err && i < o->nids; i++) {
		size_t before = l->n;
		bool found = true;

		if (o->target == CLI_TIDS) {
			err = list_thread(drv, o->ids[i], l, &found, &gone);
			if (err && err->code == ENOENT) {
				ks_error_destroy(err);
				err = NULL;
			}
		} else {
			err = list_process(drv, o->ids[i], l, &gone, t);
			if (err && err->code == ESRCH) {
				ks_error_destroy(err);
				err = NULL;
				found = false;
			}
		}
		if (err && err->code == EPERM) {
			/* not the caller's to see: named on stderr, the others go on */
			tally_denied(t, err);
			ks_error_destroy(err);
			err = NULL;
			continue;
		}
		if (!err && l->n == before) {
			struct ks_error *why = target_gone(o->ids[i], o->target == CLI_TIDS,
							   found, gone);

			tally_missing(t, why);
			ks_error_destroy(why);
		}
	}
	return err;
}
