/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which threads to look at: through the driver (SNAPSHOT: ids in the
 * caller's pid namespace, the ones every other request takes), or from
 * /proc (whose ids are those of the namespace /proc was mounted in).
 */
#ifndef KSTACK_THREADS_H
#define KSTACK_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdriver.h"
#include "ks_error.h"

struct ks_tid {
	uint64_t tgid, tid;
	char comm[16];		/* "" when not known (listed from /proc, or -t) */
	bool running;		/* on a CPU when listed */
};

struct ks_tid_list {
	struct ks_tid *v;
	size_t n, cap;
};

struct ks_error *ks_tid_list_add(struct ks_tid_list *l, uint64_t tgid, uint64_t tid);

/* Every thread of process pid (ENOENT/ESRCH-style error if it is gone). */
struct ks_error *ks_threads_of(struct ks_tid_list *l, const char *proc, uint64_t pid);

/* Every thread on the system, kernel threads included. */
struct ks_error *ks_threads_all(struct ks_tid_list *l, const char *proc);

/*
 * Every process on the system (its numeric entries: thread group ids, as
 * /proc lists them; tgid == tid in each entry), kernel threads included,
 * in /proc's order. Ids are /proc's namespace's: check it is
 * ours (ks_proc_is_ours()) before giving them to the driver.
 */
struct ks_error *ks_procs_all(struct ks_tid_list *l, const char *proc);

/*
 * Every thread of process pid (0: of the system) as the driver numbers
 * them, from one SNAPSHOT (frames mode, one frame each: its cheapest).
 * ESRCH: no such process. *gone_ret: threads that had exited (a process
 * found with all its threads gone is a zombie); *denied_ret: threads left
 * out as not the caller's to see. ENOTSUP: no SNAPSHOT. EPERM: process
 * pid is not the caller's to see.
 */
struct ks_error *ks_threads_driver(struct ks_driver *drv, uint64_t pid, struct ks_tid_list *l,
				   uint32_t *gone_ret, uint32_t *denied_ret);

void ks_tid_list_fini(struct ks_tid_list *l);

/*
 * Is /proc mounted for our own pid namespace, so that its ids are the
 * driver's (the caller's namespace's)? EXDEV, saying what to do, when it
 * is another namespace's (inside `unshare -p -f` without a new mount).
 */
struct ks_error *ks_proc_is_ours(void);

#endif
