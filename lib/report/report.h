/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a grouping (group.h) in one of kstack's formats:
 *   text    grouped: each distinct stack once, with its count, states,
 *           comms and tid ranges; ungrouped: kstack's own per-thread text
 *   json    one document (schema: doc/kstack-report.schema.json, README)
 *   folded  "comm;outermost;...;innermost count" lines (flamegraph.pl,
 *           speedscope); root first
 *   pprof   gzip'd perftools.profiles.Profile (pprof's profile.proto)
 * Strings from outside never reach the output raw: comms are escaped here
 * (escape.h), frame names come escaped from the symbolizer (capture.h).
 */
#ifndef KSTACK_REPORT_H
#define KSTACK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "escape.h"
#include "filter.h"
#include "group.h"
#include "waitgraph.h"

enum ks_format {
	KS_FORMAT_TEXT,
	KS_FORMAT_JSON,
	KS_FORMAT_FOLDED,
	KS_FORMAT_PPROF,
};

/* "text" ... "pprof" -> *ret; false for any other name. */
bool ks_format_parse(const char *name, enum ks_format *ret);
const char *ks_format_name(enum ks_format f);

struct ks_report {
	const struct ks_grouping *g;	/* finished */
	bool sampled;			/* --sample: rounds, interval, duration */
	uint64_t interval_ns;		/* asked for between rounds */
	uint64_t duration_ns;		/* first round's start to last round's end */
	uint64_t start_ns;		/* wall clock (CLOCK_REALTIME) at the start */
	uint64_t walked;		/* threads captured (sampling: distinct threads seen) */
	uint64_t samples_walked;	/* sampling: thread samples captured, over every round */
	uint64_t samples_user_ran;	/* sampling: of them, kept without their user half (ran, exited) */
	struct ks_filter_counts left;	/* left out by the filters */
	/*
	 * left out as not the caller's to see (the driver refused them):
	 * threads of the listed processes or the system (sampling: summed
	 * over rounds), and named processes refused whole (each once)
	 */
	uint64_t not_permitted, not_permitted_processes;
	bool interrupted;		/* ended early by a signal */
	/* the capture's wait-for graph, its cycles confirmed; NULL: not looked for (--sample) */
	const struct ks_waitgraph *waits;
	bool verbose;			/* text: whole id and name lists in group headers */
	/*
	 * text: why a group whose kernel half reached user mode shows no user
	 * frames ("user half not taken: --kernel"); NULL: nothing to say
	 */
	const char *no_user_why;
	/* which filters were given (text names only those in its closing line) */
	bool has_state, has_comm, has_match, has_process;
};

/*
 * Write the report. Errors: EIO (the stream failed), ENOMEM, or the
 * format's library's error (jansson, protobuf-c, zlib) as EIO with its text.
 */
struct ks_error *ks_report_write(const struct ks_report *r, enum ks_format fmt, FILE *out);

struct ks_error *ks_report_text(const struct ks_report *r, FILE *out);
struct ks_error *ks_report_json(const struct ks_report *r, FILE *out);
struct ks_error *ks_report_folded(const struct ks_report *r, FILE *out);
struct ks_error *ks_report_pprof(const struct ks_report *r, FILE *out);

/* Shared helpers of the writers */

/* A comm (KSTACK_COMM_LEN bytes at most, raw) escaped into buf (escape.h). */
#define KS_COMM_ESC KS_ESCAPE_SIZE(KSTACK_COMM_LEN)
const char *ks_report_comm(const char *comm, char buf[KS_COMM_ESC]);

/* Estimated wall time a group's samples stand for, in nanoseconds. */
uint64_t ks_report_wall_ns(const struct ks_report *r, uint64_t samples);

/* "3-7,9,12-13": the members' tids as ranges, into a malloc'd string. */
char *ks_report_tid_ranges(const struct ks_group *gr);

/* A group's distinct comms with their thread counts, largest first. */
struct ks_comm_count {
	const char *comm;	/* points into a member */
	uint64_t threads, samples;
};

/* *ret malloc'd (free it); returns the count, 0 with *ret NULL without memory. */
size_t ks_report_comms(const struct ks_group *gr, struct ks_comm_count **ret);

/*
 * A kernel thread's name folded to what its kind shares: up to its first
 * slash, then a star ("kworker/0:1" and "kworker/u4:2" both fold to
 * "kworker/" and a star); other names as they are. Into buf, returned.
 */
#define KS_FOLD_LEN (KSTACK_COMM_LEN + 2)
const char *ks_report_fold(const char *comm, bool kthread, char buf[KS_FOLD_LEN]);

/* The same as ks_report_comms() with kernel threads' names folded (ks_report_fold()). */
struct ks_comm_fold {
	char comm[KS_FOLD_LEN];
	uint64_t threads, samples;
};

size_t ks_report_comms_folded(const struct ks_group *gr, struct ks_comm_fold **ret);

/*
 * A group's processes by name (a kernel thread's name folded: its kind),
 * most threads first, each with its distinct process ids ascending.
 */
struct ks_proc_count {
	char name[KS_FOLD_LEN];		/* raw; "-": not known */
	bool kthread;			/* kernel threads: pids not worth listing */
	uint64_t threads;
	const uint64_t *pids;		/* into the store */
	size_t npids;
};

struct ks_proc_counts {
	struct ks_proc_count *v;
	size_t n;
	uint64_t *store;		/* every entry's pids */
};

/* false without memory; free with ks_report_procs_fini(). */
bool ks_report_procs(const struct ks_group *gr, struct ks_proc_counts *pc);
void ks_report_procs_fini(struct ks_proc_counts *pc);

/* Total left out by the filters. */
uint64_t ks_report_left_out(const struct ks_report *r);

/*
 * Threads shown: one capture, its groups' threads; sampling, the distinct
 * threads of every group kept (a thread seen in two stacks is one).
 * UINT64_MAX without memory.
 */
uint64_t ks_report_threads_shown(const struct ks_report *r);

#endif
