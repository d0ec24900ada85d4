// SPDX-License-Identifier: GPL-2.0
/*
 * kstack's triage options (cli/triage_opts.c): durations with units,
 * --group's argument, --format names, --min-count, and the checks across
 * options; every bad value a usage error, never a silent default.
 */
#include "helpers.h"
#include "triage.h"

static void test_durations(void **state)
{
	static const struct { const char *s; uint64_t ns; } good[] = {
		{ "10ms", 10000000 }, { "5s", 5000000000ull }, { "250us", 250000 },
		{ "100ns", 100 }, { "2m", 120000000000ull }, { "1.5s", 1500000000ull },
		{ "0.5ms", 500000 },
	};
	static const char *const bad[] = {
		"10", "ms", "", "-5s", "5x", "5 s", "0ms", "0.1ns", "2d", "1e99s", "s5",
	};
	uint64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(triage_parse_duration(good[i].s, &ns));
		assert_int_equal(ns, good[i].ns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (triage_parse_duration(bad[i], &ns))
			fail_msg("\"%s\" taken as %llu ns", bad[i], (unsigned long long)ns);
}

static void test_values(void **state)
{
	struct triage_opts t;

	(void)state;
	triage_opts_init(&t);
	assert_false(t.used);
	assert_int_equal(t.interval_ns, 10000000);
	assert_int_equal(t.duration_ns, 5000000000ull);
	assert_int_equal(triage_opt(&t, KS_OPT_GROUP, NULL), 1);
	assert_int_equal(t.group, KS_GROUP_WHOLE);
	assert_true(t.used);
	assert_int_equal(triage_opt(&t, KS_OPT_GROUP, "kernel"), 1);
	assert_int_equal(t.group, KS_GROUP_KERNEL);
	assert_int_equal(triage_opt(&t, KS_OPT_GROUP, "user"), -1);
	assert_int_equal(triage_opt(&t, KS_OPT_FORMAT, "pprof"), 1);
	assert_int_equal(t.format, KS_FORMAT_PPROF);
	assert_int_equal(triage_opt(&t, KS_OPT_FORMAT, "xml"), -1);
	assert_int_equal(triage_opt(&t, KS_OPT_MIN_COUNT, "3"), 1);
	assert_int_equal(t.min_count, 3);
	assert_int_equal(triage_opt(&t, KS_OPT_MIN_COUNT, "0"), -1);
	assert_int_equal(triage_opt(&t, KS_OPT_MIN_COUNT, "-1"), -1);
	assert_int_equal(triage_opt(&t, KS_OPT_MIN_COUNT, "3x"), -1);
	assert_int_equal(triage_opt(&t, KS_OPT_INTERVAL, "10"), -1);
	assert_int_equal(triage_opt(&t, 'o', ""), -1);
	/* not a triage option: left to the caller */
	assert_int_equal(triage_opt(&t, 'n', "5"), 0);
}

static void test_checks(void **state)
{
	struct triage_opts t;

	(void)state;
	triage_opts_init(&t);
	triage_opt(&t, KS_OPT_MIN_COUNT, "2");
	/* --min-count counts a group's threads */
	assert_false(triage_opts_check(&t, true, 0));
	triage_opt(&t, KS_OPT_GROUP, NULL);
	assert_true(triage_opts_check(&t, true, 0));
	assert_false(triage_opts_check(&t, false, 0));
	triage_opt(&t, KS_OPT_STATE, "DQ");
	assert_false(triage_opts_check(&t, true, 0));
	triage_opt(&t, KS_OPT_STATE, "D");
	triage_opt(&t, KS_OPT_COMM, "([");
	assert_false(triage_opts_check(&t, true, 0));
	triage_opt(&t, KS_OPT_COMM, "^kworker");
	assert_true(triage_opts_check(&t, true, 0));
	/* --interval / --duration time --sample: alone they would be ignored */
	triage_opt(&t, KS_OPT_DURATION, "1s");
	assert_false(triage_opts_check(&t, true, 0));
	triage_opt(&t, KS_OPT_SAMPLE, NULL);
	assert_true(triage_opts_check(&t, true, 0));
	/* an interval past the duration: one snapshot, not a profile (issue 25, input 8) */
	triage_opt(&t, KS_OPT_INTERVAL, "2s");
	assert_false(triage_opts_check(&t, true, 0));
	triage_opt(&t, KS_OPT_INTERVAL, "1s");
	assert_true(triage_opts_check(&t, true, 0));
	/* --process: a regex, checked before the system is touched */
	assert_int_equal(triage_opt(&t, KS_OPT_PROCESS, "(["), 1);
	assert_false(triage_opts_check(&t, true, 0));
	triage_opt(&t, KS_OPT_PROCESS, "^svc$");
	assert_true(triage_opts_check(&t, true, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
