// SPDX-License-Identifier: GPL-2.0
/* The CLI's one exit-status rule (cli/tally.c), every case it names. */
#include "helpers.h"
#include "../../cli/tally.c"
#include "../../cli/message.c"

/* verify_cmd.c's bar, reduced to what the rule needs from it */
bool verify_agreed(const struct tally *c)
{
	return c->walked && c->eq_kernel == c->walked && !c->failed;
}

static void show_rule(void **state)
{
	struct tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_NOTHING);
	t.missing = 2;		/* only ids with no thread */
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_NOTHING);
	t.running = 1;		/* -t EXITED RUNNING: the running one is shown */
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	memset(&t, 0, sizeof(t));
	t.running = 1;		/* a running thread alone is shown whole */
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_ALL);
	t.whole = 5;
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_ALL);
	t.cut = 1;		/* a stack cut short is never whole */
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	t.cut = 0;
	t.ran = 1;		/* kept running through every try */
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	t.ran = 0;
	t.failed = 1;
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	memset(&t, 0, sizeof(t));
	t.cut = 1;		/* shown, though cut */
	assert_int_equal(exit_status(&t, CLI_RAW), EXIT_PARTIAL);
}

/* a process or thread the caller may not trace: said, counted, exit 1 (2 if alone) */
static void denied_rule(void **state)
{
	struct ks_error *e = ks_error_format(EPERM, "thread 7: permission denied (x)");
	struct tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	tally_denied(&t, e);
	assert_int_equal(t.denied, 1);
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_NOTHING);	/* nothing else shown */
	t.whole = 1;
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	assert_int_equal(exit_status(&t, CLI_RAW), EXIT_PARTIAL);
	memset(&t, 0, sizeof(t));
	t.walked = t.eq_kernel = 1;
	tally_denied_threads(&t, 0);	/* none left out: nothing said, nothing counted */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	tally_denied_threads(&t, 95);
	assert_int_equal(t.denied, 95);
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	/* a thread's EPERM met on the way (-S, --raw, --verify) counts as denied, not failed */
	memset(&t, 0, sizeof(t));
	t.whole = 1;
	tally_error(&t, e, 7, false);
	assert_int_equal(t.denied, 1);
	assert_int_equal(t.failed, 0);
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	ks_error_destroy(e);
}

static void verify_rule(void **state)
{
	struct tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_NOTHING);
	t.walked = t.eq_kernel = 3;
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	t.ran = 2;		/* --verify skips threads that kept running */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	t.missing = 1;		/* a requested PID with no thread */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	t.missing = 0;
	t.eq_kernel = 2;	/* below the bar */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	/* the exited leader's process: its worker walked, nothing missing */
	memset(&t, 0, sizeof(t));
	t.walked = t.eq_kernel = 1;
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
}

/*
 * --verify on a stack the kernel's own unwinder also stops early on (a
 * kretprobe and function_graph on do_nanosleep): the walkers agree, yet
 * the stack is cut short: partial, and the verdict is no clean pass.
 */
static void verify_cut_stack_is_partial(void **state)
{
	struct ks_walk_result w = { .stop = KS_STOP_NO_ORC };
	struct tally t;
	char v[96];

	(void)state;
	memset(&t, 0, sizeof(t));
	t.walked = t.eq_kernel = t.eq_proc = t.unreliable = 1;
	tally_walk(&t, &w);
	assert_int_equal(t.cut, 1);
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "PASSED (1 stack cut short: partial)");
	/* cut by the frame limit (-n) is cut too */
	w.stop = KS_STOP_MAX_FRAMES;
	t.walked = t.eq_kernel = 2;
	tally_walk(&t, &w);
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "PASSED (2 stacks cut short: partial)");
	/* a missing id on top: FAILED, as before */
	t.missing = 1;
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "FAILED");
	/* every walk whole: PASSED alone, exit 0 */
	memset(&t, 0, sizeof(t));
	t.walked = t.eq_kernel = 1;
	w.stop = KS_STOP_USER;
	tally_walk(&t, &w);
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "PASSED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(show_rule),
		cmocka_unit_test(denied_rule),
		cmocka_unit_test(verify_rule),
		cmocka_unit_test(verify_cut_stack_is_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
