/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstack's triage mode: --group, the filters (--state, --comm, --match,
 * --min-count), --format/-o, and --sample. The options are parsed in
 * triage_opts.c, the capture and the report in triage.c, the sampling loop
 * in sample.c; the work itself is in lib/ (capture, filter, group, report).
 */
#ifndef KSTACK_CLI_TRIAGE_H
#define KSTACK_CLI_TRIAGE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "group.h"
#include "report.h"
#include "session.h"
#include "symcache.h"

/* getopt values of the long options (above any short option's char) */
enum {
	KS_OPT_GROUP = 0x100,
	KS_OPT_STATE,
	KS_OPT_COMM,
	KS_OPT_MATCH,
	KS_OPT_MIN_COUNT,
	KS_OPT_FORMAT,
	KS_OPT_SAMPLE,
	KS_OPT_INTERVAL,
	KS_OPT_DURATION,
};

/* Entries for main's struct option array ("-o" is the short option 'o'). */
#define KS_TRIAGE_LONGOPTS \
	{ "group", optional_argument, NULL, KS_OPT_GROUP }, \
	{ "state", required_argument, NULL, KS_OPT_STATE }, \
	{ "comm", required_argument, NULL, KS_OPT_COMM }, \
	{ "match", required_argument, NULL, KS_OPT_MATCH }, \
	{ "min-count", required_argument, NULL, KS_OPT_MIN_COUNT }, \
	{ "format", required_argument, NULL, KS_OPT_FORMAT }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "sample", no_argument, NULL, KS_OPT_SAMPLE }, \
	{ "interval", required_argument, NULL, KS_OPT_INTERVAL }, \
	{ "duration", required_argument, NULL, KS_OPT_DURATION }

#define KS_TRIAGE_SHORTOPTS "o:"

struct triage_opts {
	bool used;			/* any triage option given */
	enum ks_group_by group;		/* KS_GROUP_NONE: not grouped */
	const char *states, *comm, *match;
	uint64_t min_count;
	enum ks_format format;
	const char *output;		/* NULL: stdout */
	bool sample;
	uint64_t interval_ns, duration_ns;
};

#define KS_SAMPLE_INTERVAL_NS	10000000ull	/* --interval default: 10 ms */
#define KS_SAMPLE_DURATION_NS	5000000000ull	/* --duration default: 5 s */

void triage_opts_init(struct triage_opts *t);

/*
 * One option of main's getopt loop: returns 1 if it was a triage option
 * (taken), 0 if not ours, -1 after printing a usage error.
 */
int triage_opt(struct triage_opts *t, int opt, const char *arg);

/* Checks across options once all are parsed; false after printing why. */
bool triage_opts_check(const struct triage_opts *t, bool all, int npids);

/* The --help paragraph. */
void triage_usage(FILE *f);

/* "10ms", "5s", "250us", "2m", "100ns" -> nanoseconds; false if malformed. */
bool triage_parse_duration(const char *s, uint64_t *ns_ret);

/*
 * Run triage mode over pids[npids] (all: every thread) with an open
 * session; names through `names`. Returns the exit status (cli.h EXIT_*).
 */
int triage_run(struct ks_session *s, struct ks_symcache *names, const struct triage_opts *t,
	       bool all, char *const *pids, int npids);

/* triage.c, for sample.c: one capture of pids (or all) into c. */
struct triage_counts {
	uint64_t failed, vanished;	/* threads we could not show / that exited */
};

struct ks_snapshot;
struct ks_capture;
struct ks_cap_pool;
struct ks_error *triage_capture(struct ks_session *s, struct ks_symcache *names, bool all,
				char *const *pids, int npids, uint32_t mode,
				struct ks_snapshot *snap, struct ks_capture *c,
				struct triage_counts *counts);

/* sample.c: rounds of triage_capture until the duration or a signal. */
struct ks_error *triage_sample(struct ks_session *s, struct ks_symcache *names,
			       const struct triage_opts *t, bool all, char *const *pids,
			       int npids, const struct ks_filter *f, struct ks_cap_pool *pool,
			       struct ks_grouping *g,
			       struct ks_report *r, struct triage_counts *counts);

#endif
