/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's SNAPSHOT: every thread of a process (or of the system) in one
 * call, as a buffer of records (kstack_ioctl.h). Takes care of sizing the
 * buffer and validates each record before handing it out.
 */
#ifndef KSTACK_SNAPSHOT_H
#define KSTACK_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdriver.h"
#include "unwind.h"

struct ks_snapshot {
	uint8_t *buf;
	size_t cap;		/* bytes allocated (kept across takes) */
	size_t used;		/* bytes of records in buf */
	uint32_t nr;		/* records */
	uint32_t skipped;	/* threads that exited before their turn */
	/*
	 * threads left out because the caller may not see them (the driver's
	 * nr_denied); 0 from a driver without KSTACK_CAP_SNAP_DENIED, whose
	 * skipped then counts them too
	 */
	uint32_t denied;
	bool tails;		/* records were asked to end in a kstack_snap_tail */
	/* which take filled buf: differs between any two takes of a run (caches key on it) */
	uint64_t seq;
};

/*
 * Capture pid's threads (0: all) in mode KSTACK_SNAP_RAW, _FRAMES or
 * _FRAMES_KERNEL (max_frames per thread). A too-small buffer is grown to
 * what the driver says it needs (plus room for new threads) and the call
 * repeated. A driver with KSTACK_CAP_SNAP_TAIL is asked to end every
 * record in a tail (snap->tails; ks_snapshot_tail()); an older one is
 * asked with the v1 request and its records have none.
 * A process the caller may not trace (pid != 0): EPERM, "process PID:
 * permission denied (...)"; the threads of the system it may not see are
 * left out and counted (snap->denied).
 */
struct ks_error *ks_snapshot_take(struct ks_driver *drv, uint64_t pid, uint32_t mode,
				  uint32_t max_frames, struct ks_snapshot *snap);

/*
 * Next record at *off (start with 0), or NULL at the end. A malformed
 * record (sizes that do not add up, its data, fixups and tail included)
 * ends the iteration with *err_ret set. data_ret: the record's frames or
 * raw stack bytes.
 */
const struct kstack_snap_thread *ks_snapshot_next(const struct ks_snapshot *snap, size_t *off,
						  const void **data_ret, struct ks_error **err_ret);

/*
 * The tail of a record ks_snapshot_next() handed out (it checked the
 * sizes), or NULL when the record has none (KSTACK_SNAP_F_TAIL clear: an
 * older driver). fixups_ret (may be NULL): the record's tail->nr_ret_fixups
 * return-address fixups (RAW records), NULL when there are none.
 */
const struct kstack_snap_tail *ks_snapshot_tail(const struct kstack_snap_thread *rec,
						const struct kstack_ret_fixup **fixups_ret);

/*
 * What the user-space walker needs of a RAW record ks_snapshot_next()
 * handed out: its stack and saved sp, and the return addresses tracing
 * replaced on it (from its tail, if any).
 */
struct ks_walk_thread ks_snapshot_walk_thread(const struct kstack_snap_thread *rec);

/*
 * Is this end reason a whole stack (user-mode entry or a kernel thread's
 * end)? An end reason this tool does not know (a newer driver's) is not.
 */
static inline bool ks_snapshot_end_whole(uint32_t end)
{
	return end == KSTACK_END_USER || end == KSTACK_END_KTHREAD;
}

/*
 * How a FRAMES record's walk ended, as a walk result without frames
 * (stop, nr, user ip/sp, stop_ip: what ks_stack_text_put_stop() prints):
 * from its tail's end reason and the record's flags. Returns true when the
 * stack is whole (reached user mode with its registers, or a kernel
 * thread's end; not cut at max_frames, nothing unreliable); a record
 * without a tail is never whole.
 */
bool ks_snapshot_frames_end(const struct kstack_snap_thread *r, const void *frames,
			    struct ks_walk_result *end);

void ks_snapshot_fini(struct ks_snapshot *snap);

/*
 * Has process pid's thread group leader exited while other threads run
 * (it called pthread_exit: a zombie leader)? True when snap holds threads
 * of thread group pid (tgid == pid) but none with tid == pid: the driver
 * leaves a thread that has exited out of a SNAPSHOT. A pid that names a
 * worker thread (its tgid differs) is never such a process.
 */
bool ks_snapshot_leader_gone(const struct ks_snapshot *snap, uint64_t pid);

#endif
