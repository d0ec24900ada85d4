/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's SNAPSHOT: every thread of a process (or of the system) in one
 * call, as a buffer of records (kstack_ioctl.h). Takes care of sizing the
 * buffer and validates each record before handing it out.
 */
#ifndef KSTACK_SNAPSHOT_H
#define KSTACK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "kdriver.h"

struct ks_snapshot {
	uint8_t *buf;
	size_t cap;		/* bytes allocated (kept across takes) */
	size_t used;		/* bytes of records in buf */
	uint32_t nr;		/* records */
	uint32_t skipped;	/* threads that exited before their turn */
};

/*
 * Capture pid's threads (0: all) in mode KSTACK_SNAP_RAW or _FRAMES
 * (max_frames per thread), with flags KSTACK_SNAP_WANT_* (asked only of a
 * driver with KSTACK_CAP_SNAP_TAIL; 0 sends the v1 request). A too-small
 * buffer is grown to what the driver says it needs (plus room for new
 * threads) and the call repeated. ESRCH: no such process.
 */
struct ks_error *ks_snapshot_take(struct ks_driver *drv, uint64_t pid, uint32_t mode,
				  uint32_t max_frames, uint32_t flags, struct ks_snapshot *snap);

/*
 * Next record at *off (start with 0), or NULL at the end. A malformed
 * record (sizes that do not add up) ends the iteration with *err_ret set.
 * data_ret: the record's frames or raw stack bytes.
 */
const struct kstack_snap_thread *ks_snapshot_next(const struct ks_snapshot *snap, size_t *off,
						  const void **data_ret, struct ks_error **err_ret);

void ks_snapshot_fini(struct ks_snapshot *snap);

#endif
