/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstack's triage mode: --group, the filters (--state, --comm, --match,
 * --min-count), --format/-o, and --sample. The options are rows of
 * options.c's table whose values triage_opts.c parses and checks; the
 * report is in triage.c (triage_run(), cli.h), the capture (a round of
 * lib/pipeline.h into lib/report/capture.h's model) in triage_capture.c, the
 * sampling loop in sample.c; the work itself is in lib/ (pipeline,
 * capture, filter, group, report).
 */
#ifndef KSTACK_CLI_TRIAGE_H
#define KSTACK_CLI_TRIAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "group.h"
#include "report.h"
#include "session.h"
#include "symcache.h"

/* getopt values of the long-only options (above any short option's char) */
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
	KS_OPT_VERIFY_USER,
	KS_OPT_PROCESS,
};

struct triage_opts {
	bool used;			/* any triage option given */
	enum ks_group_by group;		/* KS_GROUP_NONE: not grouped */
	const char *states, *comm, *match;
	const char *process;		/* --process: its process's name or command line */
	uint64_t min_count;
	enum ks_format format;
	const char *output;		/* NULL: stdout */
	bool sample;
	uint64_t interval_ns, duration_ns;
	bool timing_given;		/* --interval or --duration: need --sample */
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

/* "10ms", "5s", "250us", "2m", "100ns" -> nanoseconds; false if malformed. */
bool triage_parse_duration(const char *s, uint64_t *ns_ret);

/* What to capture: the command line's processes (or all), and how. */
struct triage_target {
	/* the capture pipeline, set up for the run (lib/pipeline.h: path, user half, retakes) */
	struct ks_pipe *pipe;
	bool all;			/* every thread on the system */
	bool threads;			/* -t: ids are threads (else processes) */
	const uint64_t *pids;		/* else these processes (threads) */
	size_t npids;
	bool user_only;			/* --user: no kernel frames, user threads only */
	bool user_flags;		/* a user half cut short marks the thread partial */
	/*
	 * what each thread waits for (waitfor.h; NULL: not asked, --sample);
	 * user_for_waits: user halves taken for that alone, not shown
	 */
	struct ks_waitfor *wf;
	bool user_for_waits;
	bool sampled;			/* --sample: rounds, what is cut is a sample */
	/* the run's: problems said once a kind at the end, --strict, no_cfi */
	struct tally *tally;
	struct cli_procs *procs;	/* each thread's process, named (procs.c) */
};

/* A named process (or -t thread) with no thread to show: gone, or a zombie. */
struct triage_gone {
	uint64_t pid;
	uint32_t zombie;	/* threads the driver found but left out (0: no such process) */
	bool thread;		/* -t: pid is a thread id */
};

/* What a capture could not show. */
struct triage_counts {
	uint64_t failed;	/* threads not shown (said on stderr) */
	uint64_t cut;		/* --sample: samples cut short, over every round */
	uint64_t user_ran;	/* --sample: samples kept without their user half (it ran, or exited) */
	struct triage_gone *gone;	/* named processes with nothing to show (each once), malloc'd */
	size_t ngone, gone_cap;
	bool per_process_said;	/* --all past one SNAPSHOT's bound: said once */
	/* --all past the bound: processes the caller may not trace (sampling: summed) */
	uint64_t denied_listed;
	/* named processes (-t: threads) the caller may not trace (each once), malloc'd */
	struct triage_gone *denied;
	size_t ndenied, denied_cap;
	/* threads the driver left out as not the caller's (sampling: summed over rounds) */
	uint64_t denied_threads;
};

struct ks_capture;
struct ks_cap_pool;
struct cli_procs;
struct ks_pipe;

/*
 * triage_capture.c: one round of the pipeline into c (its threads as the
 * capture model has them, what could not be shown in *counts).
 */
struct ks_error *triage_capture(const struct triage_target *tg, struct ks_capture *c,
				struct triage_counts *counts);

/* sample.c: rounds of triage_capture until the duration or a signal. */
struct ks_error *triage_sample(const struct triage_target *tg, const struct triage_opts *t,
			       const struct ks_filter *f, struct ks_cap_pool *pool,
			       struct ks_grouping *g, struct ks_report *r,
			       struct triage_counts *counts);

#endif
