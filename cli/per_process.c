// SPDX-License-Identifier: GPL-2.0
/*
 * kstack --all past one SNAPSHOT's bound (KSTACK_SNAP_MAX_THREADS threads
 * on the system: the driver's E2BIG): the listing taken process by process
 * instead, each process one SNAPSHOT (one moment, with its user half), the
 * system not one moment (said once on stderr). The reports (--group,
 * --format, --sample) do the same in triage.c's capture.
 */
#include <errno.h>
#include <inttypes.h>

#include "cli.h"

/*
 * One process past one SNAPSHOT's bound (more than KSTACK_SNAP_MAX_THREADS
 * threads in it): thread by thread (STACK), its threads listed from /proc
 * (checked ours by all_processes()); the kernel half alone, each thread
 * its own moment. Said on stderr.
 */
static struct ks_error *show_process_threads(struct frames *f, uint64_t pid)
{
	struct ks_tid_list l = { 0 };
	struct ks_error *err;
	size_t i;

	if (f->o->half == CLI_USER)
		return ks_error_format(E2BIG, "process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: no user half for it",
				       pid, KSTACK_SNAP_MAX_THREADS);
	err = ks_session_walker(f->s);
	if (!err)
		err = ks_threads_of(&l, NULL, pid);
	if (err && err->code == ESRCH) {	/* exited meanwhile */
		ks_error_destroy(err);
		err = NULL;
	}
	if (!err && l.n)
		cli_message("process %" PRIu64 ": more than %u threads, past one SNAPSHOT's bound: thread by thread, the kernel half alone",
			    pid, KSTACK_SNAP_MAX_THREADS);
	for (i = 0; !err && i < l.n; i++)
		show_thread(f->s, f->text, &l.v[i], f->tally, false);
	ks_tid_list_fini(&l);
	return err;
}

/*
 * --all past one SNAPSHOT's bound (why: the driver's E2BIG): one SNAPSHOT
 * per process (each with its user half, as the whole system's would
 * have), listed from /proc of our pid namespace; a process gone or a
 * zombie by its turn is left out, as the system's SNAPSHOT leaves it out.
 */
struct ks_error *show_per_process(struct frames *f, bool frames, struct ks_error *why)
{
	struct ks_tid_list procs = { 0 };
	struct ks_error *err = all_processes(&procs, why, true);
	size_t i, denied_procs = 0;

	f->per_process = true;
	for (i = 0; !err && i < procs.n; i++) {
		uint64_t pid = procs.v[i].tgid;

		err = frames ? frames_show_process(f, pid) :
			       show_snapshot(f->s, f->text, pid, f->tally, f->snap);
		if (err && err->code == ESRCH) {
			ks_error_destroy(err);
			err = NULL;
		} else if (err && err->code == EPERM) {
			/* not the caller's: left out, as the system's SNAPSHOT leaves them */
			ks_error_destroy(err);
			err = NULL;
			denied_procs++;
		} else if (err && err->code == E2BIG) {
			ks_error_destroy(err);
			err = show_process_threads(f, pid);
		}
	}
	f->per_process = false;
	ks_tid_list_fini(&procs);
	if (denied_procs) {
		cli_message("%zu %s not shown: not permitted (%s)", denied_procs,
			    denied_procs == 1 ? "process" : "processes", KS_DENIED_WHY);
		f->tally->denied += denied_procs;
	}
	tally_denied_threads(f->tally, f->denied);
	f->denied = 0;
	return err;
}
