/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which captured threads to keep: --state LETTERS (ps letters), --process
 * REGEX (its process's name or command line, as pgrep matches them
 * without and with -f), --comm REGEX (the thread's name), --match REGEX
 * (some frame, as printed: "module!function", or its function alone;
 * a demangled name's mangled form too). Applied
 * before printing and grouping; each thread left out is counted under the
 * first filter it failed, so the counts add up to the threads left out.
 * Regexes are POSIX extended (regcomp(3) REG_EXTENDED), unanchored.
 */
#ifndef KSTACK_FILTER_H
#define KSTACK_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"

/* ps's state letters (proc(5), fs/proc/array.c task_state_array, 6.1) */
#define KS_STATE_LETTERS "RSDTtXZPI"

struct ks_filter {
	char states[sizeof(KS_STATE_LETTERS)];	/* "" : any state */
	bool has_comm, has_match, has_process;
	regex_t comm, match, process;
};

struct ks_filter_counts {
	uint64_t state, comm, match;	/* threads left out by each filter */
	uint64_t process;
};

/*
 * Any argument NULL: that filter is off. Errors (EINVAL): a letter that is
 * no ps state, a regex that does not compile (regerror()'s text).
 */
struct ks_error *ks_filter_init(struct ks_filter *f, const char *states, const char *comm_re,
				const char *match_re);
void ks_filter_fini(struct ks_filter *f);

/* --process REGEX on an initialized filter. EINVAL: the regex does not compile. */
struct ks_error *ks_filter_set_process(struct ks_filter *f, const char *process_re);

bool ks_filter_active(const struct ks_filter *f);

/* Whether t passes; if not, counts it in *left_out. */
bool ks_filter_keep(const struct ks_filter *f, const struct ks_cap_thread *t,
		    struct ks_filter_counts *left_out);

/* Move the threads that pass to the front of c (in order); c->n shrinks. */
void ks_filter_capture(const struct ks_filter *f, struct ks_capture *c,
		       struct ks_filter_counts *left_out);

#endif
