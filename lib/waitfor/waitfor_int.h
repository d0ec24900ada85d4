/* SPDX-License-Identifier: GPL-2.0 */
/* The parts of waitfor.h's lookup, between its files. */
#ifndef KSTACK_WAITFOR_INT_H
#define KSTACK_WAITFOR_INT_H

#include "waitfor.h"

/*
 * A thread asleep in a file lock call (regs: its user registers): the
 * driver's answer where it has LOCK_WAIT, else /proc/locks'. *w's kind
 * stays KS_WAIT_NONE when regs show no such call.
 */
void ks_waitfor_file(struct ks_waitfor *wf, uint64_t tid, uint64_t tgid,
		     const struct kstack_user_regs *regs, struct ks_wait *w);

/*
 * The driver's LOCK_WAIT for a thread asleep at site (a kernel lock, or a
 * file lock's request): true with *w filled (its holder, or why not);
 * false when the driver could not tell and a file lock may ask /proc.
 */
bool ks_waitfor_kernel(struct ks_waitfor *wf, uint64_t tid, enum ks_wait_site site,
		       struct ks_wait *w);

#endif
