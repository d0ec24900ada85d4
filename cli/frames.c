// SPDX-License-Identifier: GPL-2.0
/*
 * kstack PID... / --all / -t TID...: the driver's own walk. One SNAPSHOT
 * of FRAMES records per process (or one for the system), each ending in a
 * tail that says how its walk ended and holds the user-mode registers;
 * names from SYMBOLIZE, each distinct address once, each distinct stack's
 * lines formatted once (lib/stack_text.c). No ORC table is read and no
 * stack is walked here: the walker is set up only for a thread that must
 * be taken again on its own (it ran through its capture twice, or -n asks
 * for more frames than one record holds).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catch.h"
#include "cli.h"
#include "user_half.h"

bool frames_usable(const struct ks_driver *drv)
{
	uint32_t need = KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SNAP_TAIL | KSTACK_CAP_SYMBOLIZE;

	return (drv->version.caps & need) == need;
}

/* Frames a record may carry for -n (SNAPSHOT's bound is KSTACK_FRAMES_MAX). */
static uint32_t frames_max(const struct opts *o)
{
	uint32_t n = o->max_frames ? o->max_frames : KS_WALK_DEFAULT_MAX;

	return n < KSTACK_FRAMES_MAX ? n : KSTACK_FRAMES_MAX;
}

/* A record printed as it is, or one the walker takes again on its own? */
static bool frames_retake(const struct kstack_snap_thread *r, const struct opts *o)
{
	if (r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_CATCH))
		return false;
	/* ran through both captures; or cut where -n allows more than a record holds */
	return (r->flags & KSTACK_SNAP_F_RAN) || !(r->flags & KSTACK_SNAP_F_TAIL) ||
	       ((r->flags & KSTACK_SNAP_F_TRUNCATED) && o->max_frames > KSTACK_FRAMES_MAX);
}

/*
 * The record to print for r: the user half's retake of the thread (new
 * kernel frames with the registers its user half was unwound from) if it
 * was taken again, else r. *ut_ret: its user half, or NULL.
 */
static const struct kstack_snap_thread *frames_record(struct frames *f,
						      const struct kstack_snap_thread *r,
						      const struct ks_user_thread **ut_ret,
						      const struct ks_user_walk **walk_ret,
						      const struct ks_user_half_proc **proc_ret)
{
	const struct kstack_snap_thread *shown = NULL;

	*ut_ret = NULL;
	*walk_ret = NULL;
	*proc_ret = NULL;
	if (!f->user)
		return r;
	*ut_ret = ks_user_half_find(f->user, r->tgid, r->tid, walk_ret, &shown, proc_ret);
	return *ut_ret && shown ? shown : r;
}

/* A thread's block ends in a blank line; it counts whole or cut short. */
static void frames_thread_done(struct frames *f, bool whole)
{
	putchar_unlocked('\n');
	if (whole)
		f->tally->whole++;
	else
		f->tally->cut++;
}

/*
 * r taken again on its own (frames_retake()): its kernel half walked now
 * by our walker, then its user half (print_user_part_retaken(): said to
 * be of an earlier moment, and not whole, if the thread ran since its
 * registers were taken).
 */
static void frames_retake_thread(struct frames *f, const struct kstack_snap_thread *r,
				 const struct ks_user_thread *ut, const struct ks_user_walk *uw,
				 const struct ks_user_half_proc *hp)
{
	struct ks_tid t = { .tgid = r->tgid, .tid = r->tid };
	struct kstack_thread_context ctx;
	struct ks_walk_result w;
	struct ks_error *err = ks_session_walker(f->s);
	bool whole;

	if (err) {
		tally_error(f->tally, err, r->tid, true);
		ks_error_destroy(err);
		return;
	}
	memcpy(t.comm, r->comm, sizeof(t.comm));
	t.comm[sizeof(t.comm) - 1] = '\0';
	if (!walk_alone(f->s, &t, f->tally, f->o->target == CLI_TIDS, &ctx, &w))
		return;
	ks_stack_text_put_header(stdout, r->tid, ctx.comm, ctx.state, ctx.nvcsw, ctx.nivcsw);
	print_walk(f->text, &w, r->tid);
	whole = walk_whole(&w);
	if (f->user && !print_user_part_retaken(r->tid, ut, uw, hp, &ctx, w.stop == KS_STOP_USER))
		whole = false;
	frames_thread_done(f, whole);
	ks_walk_result_fini(&w);
}

/*
 * --user, a record without a user half: a kernel thread has none (--all
 * leaves them out, summed once at the end; a PID or TID that names one is
 * said and counted as not shown); a user thread without its user-mode
 * registers (exiting) is said and counted as cut short. Never dropped
 * without a word.
 */
static void frames_no_user_half(struct frames *f, const struct kstack_snap_thread *r)
{
	struct ks_error *why;

	if (r->flags & KSTACK_TF_KTHREAD) {
		if (f->o->target == CLI_ALL) {
			f->no_user++;
			return;
		}
		why = ks_error_format(ENODATA, "thread %" PRIu64 ": a kernel thread: no user half (--user)",
				      r->tid);
		tally_missing(f->tally, why);
	} else {
		why = ks_error_format(ENODATA, "thread %" PRIu64 ": no user-mode registers: no user half",
				      r->tid);
		cli_message("%s", why->message);
		f->tally->cut++;
	}
	ks_error_destroy(why);
}

static void frames_print(struct frames *f, const struct kstack_snap_thread *r,
			 const uint64_t *frames, struct ks_stack_text_entry *noted)
{
	const struct ks_user_half_proc *hp;
	const struct kstack_snap_thread *shown;
	const struct ks_user_thread *ut;
	const struct ks_user_walk *uw;
	struct ks_walk_result end;
	char comm[KSTACK_COMM_LEN];
	bool whole;

	shown = frames_record(f, r, &ut, &uw, &hp);
	if (shown != r) {
		r = shown;
		frames = (const uint64_t *)(r + 1);
		noted = NULL;
	}
	memcpy(comm, r->comm, sizeof(comm));
	comm[sizeof(comm) - 1] = '\0';
	if (r->flags & KSTACK_SNAP_F_RUNNING) {
		show_running_record(f->tally, r, comm);
		return;
	}
	/* --user shows no kernel half: the record's user half is printed as it is */
	if (f->o->half != CLI_USER && frames_retake(r, f->o)) {
		frames_retake_thread(f, r, ut, uw, hp);
		return;
	}
	if (f->o->half == CLI_USER && !ut) {
		frames_no_user_half(f, r);
		return;
	}
	whole = ks_snapshot_frames_end(r, frames, &end);
	print_record_header(r, comm);
	if (f->o->half == CLI_USER) {
		whole = true;
	} else {
		if (noted)
			ks_stack_text_put_noted(f->text, stdout, noted);
		else
			ks_stack_text_put(f->text, stdout, frames, ks_catch_frame_flags(r),
					  r->nr_frames);
		print_walk_end(&end, r->tid);
	}
	/* the halves meet at the user-mode line (printed above if the walk reached it) */
	if (f->user && !print_user_part(r->tid, ut, uw, hp,
					f->o->half == CLI_USER || end.stop != KS_STOP_USER,
					f->o->half != CLI_USER && end.stop == KS_STOP_USER))
		whole = false;
	frames_thread_done(f, whole);
}

/*
 * Print the records of snap (only_tid 0: all of them, else that thread's
 * alone; *found says whether it was there). Two passes: the first notes
 * every stack, so that all their addresses are named in a few batched
 * SYMBOLIZE calls; the second prints, taking with f->user each process's
 * user half as its records come (they come together) and forgetting it
 * once they are printed: the listing holds one process's user state at a
 * time. A thread the user half takes again prints its retake's kernel
 * frames, named as they are printed.
 */
static struct ks_error *frames_print_all(struct frames *f, const struct ks_snapshot *snap,
					 uint64_t only_tid, bool *found)
{
	struct ks_stack_text_entry **noted = calloc(snap->nr ? snap->nr : 1, sizeof(*noted));
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0, at, i;
	uint64_t tgid = 0;
	bool taken = false;

	*found = false;
	for (i = 0; (r = ks_snapshot_next(snap, &off, &data, &err)) && i < snap->nr; i++) {
		if ((only_tid && r->tid != only_tid) || (r->flags & KSTACK_SNAP_F_RUNNING) ||
		    frames_retake(r, f->o))
			continue;
		if (noted)
			noted[i] = ks_stack_text_note(f->text, data, ks_catch_frame_flags(r),
						      r->nr_frames);
	}
	ks_error_destroy(err);
	ks_symcache_resolve(f->text->names);
	off = 0;
	for (i = 0; at = off, (r = ks_snapshot_next(snap, &off, &data, &err)); i++) {
		if (only_tid && r->tid != only_tid)
			continue;
		*found = true;
		if (f->user && (!taken || r->tgid != tgid)) {
			err = ks_user_half_take_proc(f->user, &f->s->drv, snap, at);
			if (err)
				break;
			tgid = r->tgid;
			taken = true;
		}
		frames_print(f, r, data, noted && i < snap->nr ? noted[i] : NULL);
	}
	if (f->user)
		ks_user_half_reset(f->user);
	free(noted);
	return err;
}

/* The SNAPSHOT of pid (0: the system); with f->user, only_tid: that thread's user half alone. */
static struct ks_error *frames_take(struct frames *f, uint64_t pid, const uint64_t *only_tid)
{
	/* a driver with KSTACK_CAP_SNAP_TAIL (frames_usable) is asked for tails */
	struct ks_error *err = ks_snapshot_take(&f->s->drv, pid, KSTACK_SNAP_FRAMES,
						frames_max(f->o), f->snap);

	/* the running threads where they run, once the sleeping ones are taken */
	if (!err)
		err = catch_running(&f->s->drv, f->snap, f->o, frames_max(f->o), only_tid,
				    only_tid ? 1 : 0);
	if (!err && f->user)
		ks_user_half_only(f->user, only_tid, only_tid ? 1 : 0);
	return err;
}

struct ks_error *frames_show_process(struct frames *f, uint64_t pid)
{
	struct ks_error *err = frames_take(f, pid, NULL);
	bool found;

	if (err)
		return err;
	err = frames_print_all(f, f->snap, 0, &found);
	/* --all past the bound, process by process: shown as the system's SNAPSHOT shows it */
	if (f->per_process) {
		f->denied += f->snap->denied;
		return err;
	}
	if (!err && found && pid && ks_snapshot_leader_gone(f->snap, pid))
		print_leader_exited(pid);
	/* threads the driver left out as not the caller's to see: said, counted */
	if (!err)
		tally_denied_threads(f->tally, f->snap->denied);
	/* the process is there, but none of its threads: it is a zombie */
	if (!err && !found && pid && f->snap->skipped) {
		struct ks_error *why = target_gone(pid, false, true, f->snap->skipped);

		tally_missing(f->tally, why);
		ks_error_destroy(why);
	}
	return err;
}

struct ks_error *frames_show_thread(struct frames *f, uint64_t tid)
{
	struct kstack_thread_context ctx;
	struct ks_error *err;
	uint64_t pid = tid;
	bool found, denied;

	/*
	 * Its process: named by its tgid where the thread's context gives it,
	 * else (running, gone) by the thread's own id, for which the driver
	 * takes the thread group of the task that id names.
	 */
	err = ks_driver_thread_context(&f->s->drv, tid, &ctx);
	if (!err)
		pid = ctx.tgid;
	denied = err && err->code == EPERM;
	ks_error_destroy(err);
	err = frames_take(f, pid, &tid);
	if ((err && err->code == EPERM) || (!err && denied && f->snap->denied)) {
		/* its process refused, or the thread alone: named as asked for */
		ks_error_destroy(err);
		err = ks_error_format(EPERM, "thread %" PRIu64 ": permission denied (%s)", tid,
				      KS_DENIED_WHY);
		tally_denied(f->tally, err);
		ks_error_destroy(err);
		return NULL;
	}
	if (err && err->code == ESRCH) {
		ks_error_destroy(err);
		err = target_gone(tid, true, false, 0);
		tally_missing(f->tally, err);
		ks_error_destroy(err);
		return NULL;
	}
	if (err)
		return err;
	err = frames_print_all(f, f->snap, tid, &found);
	if (!err && !found) {
		struct ks_error *why = target_gone(tid, true, true, f->snap->skipped);

		tally_missing(f->tally, why);
		ks_error_destroy(why);
	}
	return err;
}
