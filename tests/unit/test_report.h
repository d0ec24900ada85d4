/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_report's parts: the synthetic zoo every part reports on
 * (test_report_zoo.c), the tests of each concern (grouping and filters,
 * text and JSON, folded and pprof) and the one list that runs them in
 * order (test_report.c).
 */
#ifndef KSTACK_TEST_REPORT_H
#define KSTACK_TEST_REPORT_H

#include <stdbool.h>

#include "helpers.h"
#include "capture.h"
#include "filter.h"
#include "group.h"
#include "report.h"

#define SKIP_EXIT 77

#define N_ZOO 300
#define N_SYS 25
#define N_RUN 3
#define N_CUT 2
#define N_ALL (N_ZOO + N_SYS + N_RUN + N_CUT)

/* every test's distinct stacks: outlives each capture and grouping */
extern struct ks_cap_pool pool;

/* kernel halves (4 frames each) and user halves (2 frames each) */
extern const struct ks_cap_frame stack_sleep[], stack_d[], stack_pipe[], stack_kthread[];
extern const struct ks_cap_frame user_a[], user_b[];

void add(struct ks_capture *c, uint64_t tid, const char *comm, char state, uint32_t flags,
	 const struct ks_cap_frame *kf, size_t nk);
/* The zoo: 100 sleeping, 100 in D, 100 reading a pipe; kworkers; running; cut. */
void zoo(struct ks_capture *c);
void group_zoo(struct ks_grouping *g, enum ks_group_by by, uint64_t min_count);
/* Four sampling rounds of the same 10 threads: two asleep, two reading a pipe. */
void group_rounds(struct ks_grouping *g);
/* 3 threads in one whole stack: kernel half, then user half. */
void group_user_half(struct ks_grouping *g);
/* A report of the zoo into a file; its path in buf. */
void write_report(struct ks_grouping *g, enum ks_format fmt, bool sampled, char *path,
		  size_t len, struct ks_filter_counts *left);
/* Run the independent reader; returns its exit status (SKIP_EXIT: reader missing). */
int reader(const char *kind, const char *path, const char *args);
/* The reader's verdict as the test's: skipped when the reader is missing. */
void expect_reader(const char *kind, const char *path, const char *args);
/* The file's text (up to 1 MiB), to free. */
char *slurp(const char *path);

/* test_report_group.c: grouping, sampling rounds, filters, the pool */
void test_group_zoo(void **state);
void test_group_none_keeps_order(void **state);
void test_group_kernel_half(void **state);
void test_min_count(void **state);
void test_group_rounds(void **state);
void test_text_sampled_counts(void **state);
void test_group_rounds_shifting(void **state);
void test_filters(void **state);
void test_match_demangled(void **state);

/* test_report_json.c: the streamed JSON document */
void test_json_streamed_bytes(void **state);
void test_json_streamed_distinct_stacks(void **state);
void test_json_write_error(void **state);
void test_pool(void **state);
void test_pool_named(void **state);
void test_name_split(void **state);

/* test_report_text.c: the text and JSON reports */
void test_text_grouped(void **state);
void test_text_group_summary(void **state);
void test_text_ungrouped(void **state);
void test_escaping(void **state);
void test_json_grouped(void **state);
void test_json_ungrouped_filtered(void **state);
void test_json_min_count_and_sampled(void **state);
void test_not_permitted(void **state);
void test_json_reader_rejects(void **state);

/* test_report_pprof.c: folded and pprof, read back by their own tools */
void test_folded(void **state);
void test_pprof(void **state);
void test_pprof_go_grouped(void **state);
void test_pprof_go_threads(void **state);
void test_pprof_go_sampled(void **state);
void test_pprof_go_user_half(void **state);
void test_pprof_go_empty(void **state);
void test_pprof_go_empty_comm(void **state);
void test_pprof_go_unsymbolized(void **state);
void test_folded_unsymbolized(void **state);
void test_pprof_go_unescaped_name(void **state);
void test_pprof_go_hostile(void **state);
void test_user_half_formats(void **state);

#endif
