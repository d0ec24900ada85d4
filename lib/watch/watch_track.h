/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstack --watch's memory of the threads it watches: per live thread, the
 * moment it was first seen as it is now (its state, its kernel stack, its
 * context-switch counts) and whether it was reported stuck. A thread that
 * has not changed for the stuck time is stuck; one reported stuck that
 * changes (or exits) has made progress.
 *
 * Why these three: a thread that has not been switched in since the last
 * round (both counts unchanged) has not run, so its kernel stack cannot
 * have moved; the stack and the state are compared too, so that a thread
 * that ran and came back to the same counts (it cannot) or whose record
 * is of another moment is never taken for stuck. A thread on a CPU, or
 * one that ran through its capture, is making progress by definition.
 *
 * Memory stays flat over rounds: the state is one entry per thread seen
 * in the last round, in two arrays (last round's, this round's) and an
 * index by tid rebuilt each round; a thread not seen in a round (exited,
 * or no longer passing the filters) is dropped. Nothing grows with the
 * number of rounds.
 *
 * No driver, no clock: the caller hands each round's threads in with the
 * round's time; unit-tested on its own (tests/unit/test_watch.c).
 */
#ifndef KSTACK_WATCH_TRACK_H
#define KSTACK_WATCH_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "ks_error.h"

/* One thread as a round saw it. */
struct ks_watch_obs {
	uint64_t tid, tgid;
	const char *comm;	/* raw, NUL-ended (at most KSTACK_COMM_LEN - 1 bytes kept) */
	char state;		/* ps letter */
	/* its kernel stack's identity: equal stacks give equal keys (0: no frames) */
	uint64_t stack;
	uint64_t nvcsw, nivcsw;
	/* on a CPU, or ran through its capture: progress, whatever else it shows */
	bool running;
};

/* What a thread's observation means. */
enum ks_watch_what {
	KS_WATCH_MOVED,		/* first seen, or changed since the last round */
	KS_WATCH_STILL,		/* unchanged, for less than the stuck time */
	KS_WATCH_STUCK,		/* unchanged for the stuck time: to be reported */
	KS_WATCH_REPORTED,	/* stuck, and reported already */
};

struct ks_watch_seen {
	enum ks_watch_what what;
	uint64_t for_ns;	/* unchanged since (this round's time - first seen so) */
	/* MOVED of a thread reported stuck: it made progress after unstuck_ns */
	bool unstuck;
	uint64_t unstuck_ns;
	size_t at;		/* the entry: ks_watch_track_reported() after the round */
};

struct ks_watch_entry {
	uint64_t tid, tgid;
	uint64_t since_ns;	/* first seen as it is now */
	uint64_t stack, nvcsw, nivcsw;
	char state;
	bool running;
	bool reported;		/* its stuck block was written */
	bool seen;		/* (last round's entries) seen again this round */
	char comm[KSTACK_COMM_LEN];
};

/* A thread reported stuck that was not seen again: exited (or filtered out now). */
struct ks_watch_gone {
	uint64_t tid, tgid;
	uint64_t for_ns;	/* from first seen stuck to the last round that saw it */
	char comm[KSTACK_COMM_LEN];
};

struct ks_watch_track {
	uint64_t stuck_ns;		/* unchanged this long: stuck */
	uint64_t now;			/* this round's time */
	uint64_t last_now;		/* the last round's */
	struct ks_watch_entry *prev, *cur;	/* last round's threads, this round's */
	size_t nprev, ncur, prev_cap, cur_cap;
	uint32_t *index;		/* prev's positions + 1 by tid (0: empty), a power of two */
	size_t index_cap;
	size_t hint;			/* where the next thread is looked for first */
	struct ks_watch_gone *gone;	/* after ks_watch_track_end(), until the next begin */
	size_t ngone, gone_cap;
	bool in_round;
};

void ks_watch_track_init(struct ks_watch_track *t, uint64_t stuck_ns);
void ks_watch_track_fini(struct ks_watch_track *t);

/* A round starts at now_ns (monotonic, not before the last round's). */
void ks_watch_track_begin(struct ks_watch_track *t, uint64_t now_ns);

/*
 * One thread of this round (each thread once a round): *ret says what it
 * means. ENOMEM: the thread is not kept (it is seen anew next round).
 */
struct ks_error *ks_watch_track_see(struct ks_watch_track *t, const struct ks_watch_obs *o,
				    struct ks_watch_seen *ret);

/*
 * The round is over: the threads it did not see are dropped; those that
 * had been reported stuck are listed in t->gone (t->ngone) until the next
 * begin. ENOMEM: the round is dropped whole (every thread seen anew).
 */
struct ks_error *ks_watch_track_end(struct ks_watch_track *t);

/*
 * After ks_watch_track_end(): the thread seen at seen->at (KS_WATCH_STUCK)
 * was reported: it is not reported again until it has moved.
 */
void ks_watch_track_reported(struct ks_watch_track *t, size_t at);

/* Threads kept (seen in the last round). */
static inline size_t ks_watch_track_threads(const struct ks_watch_track *t)
{
	return t->nprev;
}

#endif
