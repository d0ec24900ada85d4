/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a stuck thread is stuck: the first kernel frame below the
 * scheduler, the frame /proc/PID/stack shows first. The kernel leaves out
 * the functions it builds into its scheduler and lock sections
 * (in_sched_functions(): __sched_text and __lock_text, the bounds the
 * driver's KERNEL_INFO gives: __schedule, schedule_timeout, mutex_lock's
 * slow path, do_nanosleep, ...); so does this. Without those bounds (an
 * older driver) the common scheduler entry points are left out by name.
 */
#ifndef KSTACK_WATCH_WHERE_H
#define KSTACK_WATCH_WHERE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

struct ks_sched_text {
	uint64_t sched_start, sched_end, lock_start, lock_end;
	bool known;		/* the bounds above are the kernel's */
};

/* From KERNEL_INFO's fields (zeros: unknown, the names are used instead). */
void ks_sched_text_init(struct ks_sched_text *s, uint64_t sched_start, uint64_t sched_end,
			uint64_t lock_start, uint64_t lock_end);

/* Is frame f scheduler or lock code? */
bool ks_sched_frame(const struct ks_sched_text *s, const struct ks_cap_frame *f);

/*
 * The first frame of st below the scheduler (named), or NULL: no frames,
 * or all of them scheduler code.
 */
const struct ks_cap_frame *ks_watch_where(const struct ks_sched_text *s,
					  const struct ks_cap_stack *st);

/*
 * The function of frame f as a label: "do_nanosleep", a module's with it
 * as the folded report writes it, "jbd2_journal_commit_transaction [jbd2]";
 * f NULL: "none". Escaped text (f's name is); cut to fit buf.
 */
size_t ks_watch_function(const struct ks_cap_frame *f, char *buf, size_t len);

#endif
