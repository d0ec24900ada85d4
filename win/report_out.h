/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The writers of a report (report_text.c, report_json.c, report_group.c):
 * what they are given about the run besides its threads' records.
 */
#ifndef KSTACK_WIN_REPORT_OUT_H
#define KSTACK_WIN_REPORT_OUT_H

#include <stdio.h>

#include "record.h"

struct ks_run_info {
	DWORD pid;
	const char *name;		/* the target's process name, raw */
	unsigned nr_threads;		/* threads listed */
	const char *kernel_off;		/* one line for the whole run, or NULL */
	int user_width, kernel_width;	/* hex digits of an address in the text */
	int waits_asked;		/* Wait Chain Traversal answered: no line means no wait */
};

/* Text, as each thread is walked: the header and wait line (before the walk) ... */
void ks_text_head(const struct ks_thread_rec *t);
/* ... and the rest, after it. */
void ks_text_body(const struct ks_run_info *ri, const struct ks_thread_rec *t);

/* Threads with the same stack, largest group first (ties: first seen). */
struct ks_group {
	const struct ks_thread_rec **m;	/* members, by thread id */
	unsigned nm;
};
struct ks_groups {
	struct ks_group *v;
	unsigned n;
	const struct ks_thread_rec **slots;	/* every group's members, one block */
};
/* 0, or -1 when out of memory. */
int ks_group_threads(const struct ks_thread_rec *t, unsigned n, struct ks_groups *g);
void ks_groups_free(struct ks_groups *g);
/* --group's text, after the process line. */
void ks_group_text(const struct ks_run_info *ri, const struct ks_groups *g);
/* "3-7,9,12": a group's thread ids in runs; malloc'd, NULL when out of memory. */
char *ks_tid_ranges(const struct ks_group *gr);
/* A thread's name, as kstack on Linux counts comms: its description, else the process's. */
const char *ks_rec_comm(const struct ks_run_info *ri, const struct ks_thread_rec *t);

/*
 * The JSON document (doc/kstack-report.schema.json): threads, or with g
 * its groups. 0, or -1 when a write failed.
 */
int ks_json_report(FILE *out, const struct ks_run_info *ri, const struct ks_thread_rec *t,
		   unsigned n, const struct ks_groups *g);

#endif
