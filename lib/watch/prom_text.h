/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstack --watch's metrics in the Prometheus text exposition format
 * (version 0.0.4: "# HELP", "# TYPE", then "name{label="value"} number"
 * lines; label values escape \ " and newline as \\ \" \n, HELP text \ and
 * newline), as node_exporter's textfile collector reads them, and the
 * file written atomically: a temporary file in the same directory,
 * fsync'd, then renamed over the old one, so a reader (or a crash, or a
 * SIGTERM) never meets a half-written file.
 *
 *   kstack_threads{state="D"}                   threads watched, per ps state letter
 *   kstack_stuck_threads{state,function}        threads stuck now, by where
 *   kstack_deadlocks                            deadlocks found now
 *   kstack_snapshot_seconds                     the last round's capture time
 *   kstack_watch_rounds_total                   rounds so far (a counter)
 *
 * function is the first kernel frame below the scheduler; its cardinality
 * is bounded: the KS_PROM_TOP_FUNCTIONS functions with the most stuck
 * threads get a series each, the rest are summed as function="other",
 * a series every state letter always has (0 when nothing else is stuck:
 * the family is never empty, and a sum by state never meets a gap).
 */
#ifndef KSTACK_PROM_TEXT_H
#define KSTACK_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "ks_error.h"

#define KS_PROM_TOP_FUNCTIONS	20
#define KS_PROM_FILE		"kstack.prom"

/* Stuck threads in one state at one function, this round. */
struct ks_prom_stuck {
	char state;
	char *function;		/* owned: escaped text (escape.h), as kstack prints names */
	uint64_t threads;
};

struct ks_prom_metrics {
	uint64_t threads[sizeof(KS_STATE_LETTERS) - 1];	/* by KS_STATE_LETTERS' order */
	struct ks_prom_stuck *stuck;
	size_t nstuck, stuck_cap;
	uint64_t deadlocks;
	double snapshot_seconds;
	uint64_t rounds;
};

void ks_prom_metrics_init(struct ks_prom_metrics *m);
void ks_prom_metrics_fini(struct ks_prom_metrics *m);
/* A new round: every count 0, no stuck threads (rounds is kept). */
void ks_prom_metrics_reset(struct ks_prom_metrics *m);

/* One thread watched in state (a ps letter; others are not counted). */
void ks_prom_count_thread(struct ks_prom_metrics *m, char state);

/* One stuck thread in state at function (len bytes, copied). false without memory. */
bool ks_prom_count_stuck(struct ks_prom_metrics *m, char state, const char *function,
			 size_t len);

/*
 * The exposition text of m into *buf (malloc'd, *len bytes, grown as
 * needed; reused across calls). false without memory.
 */
bool ks_prom_format(const struct ks_prom_metrics *m, char **buf, size_t *len, size_t *cap);

/* A textfile directory, held open for a run's rewrites. */
struct ks_prom_file {
	int dirfd;
	const char *dir;	/* as given: for messages */
	char *buf;		/* the text, reused */
	size_t len, cap;
};

/* Open dir (a directory we can write in: checked by writing the file once later). */
struct ks_error *ks_prom_file_open(struct ks_prom_file *f, const char *dir);
void ks_prom_file_close(struct ks_prom_file *f);

/*
 * Rewrite dir/kstack.prom with m: write dir/.kstack.prom.tmp, fsync it,
 * rename it over kstack.prom, fsync the directory. On error the old file
 * stays as it was (the temporary one is removed).
 */
struct ks_error *ks_prom_file_write(struct ks_prom_file *f, const struct ks_prom_metrics *m);

#endif
