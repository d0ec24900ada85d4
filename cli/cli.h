/* SPDX-License-Identifier: GPL-2.0 */
/* The kstack CLI's shared pieces: exit codes, options, counters, and the
 * per-thread actions of show.c (print stacks) and verify_cmd.c (--verify). */
#ifndef KSTACK_CLI_H
#define KSTACK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "snapshot.h"
#include "stack_text.h"
#include "symcache.h"
#include "threads.h"

/* Exit codes (documented in --help) */
#define EXIT_ALL	0	/* every thread shown (--verify: agreement met) */
#define EXIT_PARTIAL	1	/* some threads failed (--verify: below the bar) */
#define EXIT_NOTHING	2	/* nothing shown: setup failed or no thread */
#define EXIT_USAGE	64	/* bad command line */

/* --verify passes when /proc agrees for at least this share of threads */
#define KS_PROC_AGREEMENT_MIN 0.99

struct opts {
	bool threads, all, verify, quiet, raw, tables, no_snapshot;
	uint32_t max_frames;
	const char *device, *kallsyms;
};

struct counts {
	size_t shown, failed, running, vanished, ran;
	/* --verify */
	size_t walked, eq_kernel, eq_proc, unreliable;
};

/* show.c */
void print_walk(struct ks_stack_text *text, const struct ks_walk_result *w, uint64_t tid);
/* Count a thread we could not show; loud: also say why on stderr. */
void count_error(struct counts *c, const struct ks_error *err, uint64_t tid, bool loud);
void show_thread(struct ks_session *s, struct ks_stack_text *text, const struct ks_tid *t,
		 struct counts *c, bool explicit);
void raw_thread(struct ks_session *s, struct ks_stack_text *text, const struct ks_tid *t,
		struct counts *c);
struct ks_error *show_snapshot(struct ks_session *s, struct ks_stack_text *text, uint64_t pid,
			       struct counts *c, struct ks_snapshot *snap);

/* A thread on a CPU: its line, under its escaped name. */
void print_running(uint64_t tid, const char *comm);

/*
 * frames.c: under kernel lockdown (READ_MEMORY refused), the kernel's own
 * frames for PIDs (ids), -t TIDs or --all. -1: memory reads are not
 * refused (not lockdown: the caller reports its own error); else the exit status.
 */
int frames_fallback(const struct opts *o, char *const *ids, size_t nids);

/* verify_cmd.c */
void verify_thread(struct ks_session *s, const struct ks_tid *t, struct counts *c,
		   const struct opts *o);
/* Print the agreement figures; the exit status they earn. */
int verify_summary(const struct counts *c, double secs);

#endif
