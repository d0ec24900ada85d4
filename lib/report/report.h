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
	uint64_t walked;		/* threads captured (sampling: summed over rounds) */
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

/* Total left out by the filters. */
uint64_t ks_report_left_out(const struct ks_report *r);

#endif
