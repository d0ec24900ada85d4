/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wait-for graph of one capture: each thread points at the holder of
 * what it waits for (waitfor.h), so a thread has one edge at most and
 * every cycle is found in one pass (a functional graph: follow the edges,
 * a walk that meets its own path closes a cycle). A thread that ran
 * during its capture has no edge: what it held or waited for may be of no
 * one moment. A file lock's holder is a process: the edge goes to the one
 * thread of it that waits (its leader when several do).
 *
 * A cycle found in a capture is then confirmed where the driver is
 * (waitfor.h, ks_waitfor_confirm()): a deadlocked thread never runs
 * again, so each member's context-switch counts must be the same in a new
 * SNAPSHOT of its process as in the capture; a member that moved breaks
 * it (threads that keep changing locks, caught at different moments,
 * never make a cycle).
 */
#ifndef KSTACK_WAITGRAPH_H
#define KSTACK_WAITGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "ks_error.h"
#include "wait.h"

struct ks_wg_node {
	uint64_t tid, tgid;
	uint64_t nvcsw, nivcsw;	/* at its capture */
	uint64_t holder;	/* the holder's thread (or process) id; 0: no edge */
	bool process;		/* holder is a process id */
	bool ran;		/* ran during its capture: no edge */
	uint8_t mark;		/* the cycle search's */
	size_t next;		/* resolved edge: node index, or SIZE_MAX */
};

struct ks_wg_cycle {
	size_t *v;		/* node indices, the smallest tid first, in edge order */
	size_t n;
};

struct ks_waitgraph {
	struct ks_wg_node *v;
	size_t n, cap;
	struct ks_hashtab tids;		/* tid -> index */
	struct ks_wg_cycle *cycles;	/* after ks_waitgraph_cycles() */
	size_t ncycles, cycles_cap;
	size_t ran;			/* threads without an edge because they ran */
	size_t edges;			/* threads with an edge */
};

void ks_waitgraph_init(struct ks_waitgraph *g);
void ks_waitgraph_fini(struct ks_waitgraph *g);

/*
 * Thread tid (of process tgid, counts at its capture) waiting for w (NULL
 * or KS_WAIT_NONE: for nothing we can name). Each thread once.
 */
struct ks_error *ks_waitgraph_add(struct ks_waitgraph *g, uint64_t tid, uint64_t tgid,
				  uint64_t nvcsw, uint64_t nivcsw, const struct ks_wait *w);

/* Every cycle, into g->cycles (ordered by their first tid). */
struct ks_error *ks_waitgraph_cycles(struct ks_waitgraph *g);

/* Drop cycle i (one that was not confirmed). */
void ks_waitgraph_drop(struct ks_waitgraph *g, size_t i);

#endif
