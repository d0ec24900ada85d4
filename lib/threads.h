/* SPDX-License-Identifier: GPL-2.0 */
/* Which threads to look at: from /proc (a process's, or every one). */
#ifndef KSTACK_THREADS_H
#define KSTACK_THREADS_H

#include <stddef.h>
#include <stdint.h>

#include "ks_error.h"

struct ks_tid {
	uint64_t tgid, tid;
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

void ks_tid_list_fini(struct ks_tid_list *l);

#endif
