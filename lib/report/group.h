/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threads aggregated per distinct stack: "1,800 threads wait here, 12
 * there". One capture (kstack --group) adds each thread once; sampling
 * (kstack --sample) adds every round's capture, so a group's samples count
 * (thread, round) observations and its members are the distinct threads
 * seen there.
 *
 * The key: the kernel half (its interned stack: addresses and flags, so a
 * "? " frame differs), the user half unless KS_GROUP_KERNEL, and how the
 * stack ended (a stack
 * cut short never joins a whole one; running threads form one group of
 * their own). KS_GROUP_NONE adds the thread id to the key: one group per
 * thread and stack, in the order first seen, for ungrouped output.
 */
#ifndef KSTACK_GROUP_H
#define KSTACK_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "filter.h"
#include "hashtab.h"

enum ks_group_by {
	KS_GROUP_NONE,		/* one group per thread (and stack) */
	KS_GROUP_WHOLE,		/* kernel + user frames */
	KS_GROUP_KERNEL,	/* kernel frames alone (--group=kernel) */
};

struct ks_group_member {
	uint64_t tid, tgid;
	char comm[KSTACK_COMM_LEN];	/* as last seen */
	char state;			/* as last seen */
	uint64_t samples;		/* times seen in this group */
	uint64_t nvcsw, nivcsw;		/* as last seen */
	uint64_t user_ip, user_sp;	/* as last seen (KS_CAP_USER) */
	uint64_t stop_ip;		/* as last seen (KS_CAP_PARTIAL) */
	struct ks_wait wait;		/* as last seen: what it waits for */
	const char *pname, *pcmd;	/* its process's name and command line (capture.h) */
	bool kthread;			/* a kernel thread (KS_CAP_KTHREAD) */
	uint32_t cpu;			/* as last seen (KS_CAP_ON_CPU) */
	uint64_t caught_ip;		/* as last seen (KS_CAP_ON_CPU) */
};

struct ks_group {
	const struct ks_cap_stack *kstack, *ustack;	/* from the pool; NULL: none */
	uint32_t flags;			/* KS_CAP_RUNNING/PARTIAL/TRUNCATED/USER/NO_CFI/ON_CPU: the key's */
	const char *why;		/* KS_CAP_PARTIAL */
	uint64_t hash;
	uint64_t samples;		/* observations; one capture: threads */
	uint64_t states[sizeof(KS_STATE_LETTERS) - 1];	/* samples per letter */
	struct ks_group_member *m;	/* distinct threads; sorted by tid after finish */
	size_t nm, mcap;
	size_t order;			/* first seen */
};

struct ks_group_pos {
	uint64_t tid;
	uint32_t group, member;
};

struct ks_member_ref {
	uint32_t group, member;
};

struct ks_grouping {
	enum ks_group_by by;
	struct ks_group *v;
	size_t n, cap;
	struct ks_hashtab groups;	/* stack key -> v index (ks_hashtab_index_val) */
	struct ks_hashtab members;	/* (group, tid) -> refs index */
	struct ks_member_ref *refs;	/* (group, member) pairs */
	size_t nrefs, refs_cap;
	uint64_t samples;		/* every observation added */
	uint64_t rounds;		/* captures added */
	bool finished;
	/*
	 * Where the thread at each position of the last capture went: the
	 * kernel lists threads in the same order round after round, so most
	 * threads of a sampling round are found here without hashing.
	 */
	struct ks_group_pos *pos;
	size_t npos, pos_cap;
	size_t last;			/* the group found or made last: threads come in runs */
	/* --min-count: left out by ks_grouping_finish() */
	uint64_t min_count_groups, min_count_samples, min_count_threads;
};

void ks_grouping_init(struct ks_grouping *g, enum ks_group_by by);
void ks_grouping_fini(struct ks_grouping *g);

/*
 * Add every thread of c once (one round). Groups point at c's pool's
 * stacks: the pool must outlive the grouping. ENOMEM; EINVAL after finish.
 */
struct ks_error *ks_grouping_add(struct ks_grouping *g, const struct ks_capture *c);

/*
 * Done adding: drop groups with fewer than min_count samples (a capture:
 * threads; 0 keeps all) and count what they held, then order groups
 * largest first (ties: first seen; KS_GROUP_NONE keeps the order seen) and
 * members by thread id.
 */
void ks_grouping_finish(struct ks_grouping *g, uint64_t min_count);

/* A group's frame counts */
static inline size_t ks_group_nk(const struct ks_group *gr)
{
	return ks_cap_stack_n(gr->kstack);
}

static inline size_t ks_group_nu(const struct ks_group *gr)
{
	return ks_cap_stack_n(gr->ustack);
}

#endif
