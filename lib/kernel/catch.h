/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threads running on a CPU, taken where they run: a SNAPSHOT gives such a
 * thread a record with no stack (KSTACK_SNAP_F_RUNNING); the driver's
 * CATCH_RUNNING (kstack_ioctl.h) asks the thread's CPU for its stack, one
 * request per running thread once the snapshot has taken the sleeping
 * ones, and answers with a record of the same format: caught (frames from
 * the interrupted registers, and the top of its user stack copied at that
 * instant), asleep by then (a sleeping thread's record), or not caught
 * (the caller's own thread; moved twice; its CPU going offline: still
 * RUNNING, with the reason). That record replaces the running one in the
 * snapshot, so everything that reads snapshots reads caught threads the
 * way it reads sleeping ones.
 */
#ifndef KSTACK_CATCH_H
#define KSTACK_CATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdriver.h"
#include "snapshot.h"

/* Does the driver take running threads where they run? */
bool ks_catch_usable(const struct ks_driver *drv);

/*
 * Take the running threads of snap (only: just these tids, nonly of them;
 * 0: all) with CATCH_RUNNING, each record replaced in place by the
 * driver's (max_frames kernel frames, up to stack_bytes of user stack,
 * bounded by KSTACK_CATCH_STACK_MAX; 0: none). Running: on a CPU
 * (KSTACK_SNAP_F_RUNNING) and, when a user stack is asked for, runnable
 * too (state R: preempted; or a thread that ran through its capture):
 * such a thread runs again soon, and a copy of its user stack made later
 * seldom matches its registers, so the driver copies it with them. A
 * thread that exited meanwhile leaves the snapshot (counted in
 * snap->skipped), one no longer the caller's to see too (snap->denied).
 * Without the driver's KSTACK_CAP_CATCH_RUNNING nothing is done. Errors:
 * no memory, a reply that does not add up (EPROTO), an unexpected error
 * of the driver.
 */
struct ks_error *ks_catch_running(struct ks_driver *drv, struct ks_snapshot *snap,
				  uint32_t max_frames, size_t stack_bytes, const uint64_t *only,
				  size_t nonly);

/*
 * The same for every record of these tids (n of them), running or not:
 * threads the user half found had run since their registers were taken.
 */
struct ks_error *ks_catch_threads(struct ks_driver *drv, struct ks_snapshot *snap,
				  uint32_t max_frames, size_t stack_bytes, const uint64_t *tids,
				  size_t n);

/*
 * The kstack_snap_catch of a record ks_snapshot_next() handed out (it
 * checked its sizes), or NULL when the record has none (not from
 * CATCH_RUNNING). stack_ret (may be NULL): the user stack bytes it holds
 * (catch->stack_len of them, from catch->stack_start), NULL when none.
 */
const struct kstack_snap_catch *ks_snapshot_catch(const struct kstack_snap_thread *rec,
						  const uint8_t **stack_ret);

/*
 * The user stack bytes of a record whose thread the driver took with its
 * copy (on a CPU, or asleep with a quiet copy): NULL when there are none.
 */
static inline const uint8_t *ks_catch_stack(const struct kstack_snap_thread *rec, size_t *len)
{
	const uint8_t *bytes;
	const struct kstack_snap_catch *k = ks_snapshot_catch(rec, &bytes);

	*len = k ? k->stack_len : 0;
	return bytes;
}

/* Was the record's thread caught on a CPU (frames and all)? */
static inline bool ks_catch_caught(const struct kstack_snap_catch *k)
{
	return k && (k->how == KSTACK_CATCH_KERNEL || k->how == KSTACK_CATCH_USER);
}

/*
 * Per-frame flags of a FRAMES record's frames for the namers: NULL (every
 * frame a return address), or, for a thread caught in kernel mode, its
 * first frame exact (the interrupted ip: bit 2, as stack_text.h's
 * KS_TEXT_EXACT and capture.h's KS_CAP_FRAME_EXACT), the rest 0.
 * KSTACK_FRAMES_MAX entries.
 */
const uint8_t *ks_catch_frame_flags(const struct kstack_snap_thread *rec);

/* Why a thread was not caught (KSTACK_MISS_*), for messages. */
const char *ks_catch_missed_why(uint32_t missed);

#endif
