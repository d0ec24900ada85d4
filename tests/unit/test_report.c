// SPDX-License-Identifier: GPL-2.0
/*
 * Triage modules on a synthetic capture (lib/capture, group, filter,
 * report_*): a zoo of 300 threads in 3 stacks and states plus system
 * threads, running and cut-short ones. Grouping counts, filters and their
 * left-out counts, --min-count; each format written, then read back by an
 * independent reader (tests/unit/tools/check_report.py: python3's json +
 * jsonschema against doc/, protoc --decode for pprof, a folded grammar),
 * and pprof files by pprof itself (`go tool pprof -raw`/`-traces`).
 *
 * One binary, one list: the tests live in test_report_{group,text,pprof}.c,
 * the zoo they share in test_report_zoo.c; the list below runs them in
 * this order.
 */
#include "test_report.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_zoo),
		cmocka_unit_test(test_group_none_keeps_order),
		cmocka_unit_test(test_group_kernel_half),
		cmocka_unit_test(test_min_count),
		cmocka_unit_test(test_group_rounds),
		cmocka_unit_test(test_text_sampled_counts),
		cmocka_unit_test(test_group_rounds_shifting),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_pool_named),
		cmocka_unit_test(test_name_split),
		cmocka_unit_test(test_text_grouped),
		cmocka_unit_test(test_text_group_summary),
		cmocka_unit_test(test_text_ungrouped),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_json_grouped),
		cmocka_unit_test(test_json_ungrouped_filtered),
		cmocka_unit_test(test_json_min_count_and_sampled),
		cmocka_unit_test(test_json_reader_rejects),
		cmocka_unit_test(test_not_permitted),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_pprof),
		cmocka_unit_test(test_pprof_go_grouped),
		cmocka_unit_test(test_pprof_go_threads),
		cmocka_unit_test(test_pprof_go_sampled),
		cmocka_unit_test(test_pprof_go_user_half),
		cmocka_unit_test(test_pprof_go_empty),
		cmocka_unit_test(test_pprof_go_empty_comm),
		cmocka_unit_test(test_pprof_go_unsymbolized),
		cmocka_unit_test(test_folded_unsymbolized),
		cmocka_unit_test(test_pprof_go_unescaped_name),
		cmocka_unit_test(test_pprof_go_hostile),
		cmocka_unit_test(test_user_half_formats),
		cmocka_unit_test(test_match_demangled),
		cmocka_unit_test(test_json_streamed_bytes),
		cmocka_unit_test(test_json_streamed_distinct_stacks),
		cmocka_unit_test(test_json_write_error),
	};

	int rc;

	ks_cap_pool_init(&pool);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ks_cap_pool_fini(&pool);
	return rc;
}
