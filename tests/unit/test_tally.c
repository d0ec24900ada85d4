// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's one exit-status rule (cli/tally.c), every case it names; and
 * how a thread's user half (cli/user_print.c) takes part in it.
 */
#include "helpers.h"
#include "../../cli/tally.c"
#include "../../cli/problems.c"
#include "../../cli/message.c"
#include "../../cli/user_print.c"

#include <unistd.h>

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
	t.walked = t.eq_kernel = t.eq_proc = 1;
	tally_denied_threads(&t, 0);	/* none left out: nothing said, nothing counted */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	tally_denied_threads(&t, 95);
	assert_int_equal(t.denied, 95);
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	/* a thread's EPERM met on the way (-S, --raw, --verify) counts as denied, not failed */
	memset(&t, 0, sizeof(t));
	t.whole = 1;
	tally_error(&t, e, 7);
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
	t.walked = t.eq_kernel = t.eq_proc = 3;
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	t.ran = 2;		/* --verify skips threads that kept running */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	t.missing = 1;		/* a requested PID with no thread */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	t.missing = 0;
	t.eq_kernel = 2;	/* below the bar */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	t.eq_kernel = 3;
	t.eq_proc = 2;		/* /proc below its 99% */
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_PARTIAL);
	/* the exited leader's process: its worker walked, nothing missing */
	memset(&t, 0, sizeof(t));
	t.walked = t.eq_kernel = t.eq_proc = 1;
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
	t.walked = t.eq_kernel = t.eq_proc = 2;
	tally_walk(&t, &w);
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "PASSED (2 stacks cut short: partial)");
	/* a missing id on top: FAILED, as before */
	t.missing = 1;
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "FAILED");
	/* every walk whole: PASSED alone, exit 0 */
	memset(&t, 0, sizeof(t));
	t.walked = t.eq_kernel = t.eq_proc = 1;
	w.stop = KS_STOP_USER;
	tally_walk(&t, &w);
	assert_int_equal(exit_status(&t, CLI_VERIFY), EXIT_ALL);
	verify_verdict(&t, v, sizeof(v));
	assert_string_equal(v, "PASSED");
}

/* What fn printed on stdout and stderr, into out/err (NUL-ended). */
struct printed {
	char out[1024], err[1024];
};

static void capture_fd(int fd, FILE *f, int *saved, char *tmpl)
{
	int t = mkstemp(tmpl);

	assert_true(t >= 0);
	fflush(f);
	*saved = dup(fd);
	dup2(t, fd);
	close(t);
}

static void restore_fd(int fd, FILE *f, int saved, const char *path, char *buf, size_t len)
{
	FILE *in;
	size_t n;

	fflush(f);
	dup2(saved, fd);
	close(saved);
	in = fopen(path, "r");
	assert_non_null(in);
	n = fread(buf, 1, len - 1, in);
	buf[n] = '\0';
	fclose(in);
	unlink(path);
}

#define PRINTED(p, call) ({						\
	char o_[] = "/tmp/ks-out-XXXXXX", e_[] = "/tmp/ks-err-XXXXXX";	\
	int so_, se_;							\
	bool r_;							\
	capture_fd(1, stdout, &so_, o_);				\
	capture_fd(2, stderr, &se_, e_);				\
	r_ = (call);							\
	restore_fd(1, stdout, so_, o_, (p)->out, sizeof((p)->out));	\
	restore_fd(2, stderr, se_, e_, (p)->err, sizeof((p)->err));	\
	r_; })

/* What cli_problems_say() prints for t's problems. */
#define SAID(p, t) PRINTED(p, ({ cli_problems_say(&(t)->problems); true; }))

/*
 * A user half is whole only when its walk reached the outermost frame:
 * a walk that stopped early, a thread with no stack copy, one cut at the
 * frame limit or a process that could not be read is partial, said on
 * stdout under the frames, and on stderr once a kind at the end. A walk
 * that stopped in a binary's code without unwind information is whole as
 * far as the binary allows, counted apart; with --strict it is partial.
 */
static void user_half_whole_rule(void **state)
{
	static struct ks_user_frame frames[] = {
		{ .pc = 0x7f0000001000ull, .flags = KS_UF_EXACT, .name = "libc.so.6!read+0x4c/0x9d" },
		{ .pc = 0x55000000100aull, .flags = 0, .name = "prog!reader+0x27/0x38" },
	};
	struct ks_user_thread ut = { .tid = 9, .regs = { .ip = 0x7f0000001000ull, .sp = 0x7ffc00 } };
	struct ks_user_walk w = { .frames = frames, .nr = 2, .stop = KS_USTOP_END };
	struct ks_user_half_proc hp = { .err = NULL };
	struct printed p;
	struct tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_true(user_walk_whole(&w));
	assert_true(PRINTED(&p, print_user_half(&t, 9, &ut, &w, &hp, true)));
	assert_non_null(strstr(p.out, "user mode: ip 00007f0000001000 sp 00000000007ffc00\n"));
	assert_non_null(strstr(p.out, "prog!reader+0x27/0x38\n"));
	assert_string_equal(p.err, "");
	assert_int_equal(t.problems.n, 0);

	/* libdwfl gave up before the outermost frame, after a step by CFI */
	w.stop = KS_USTOP_ERROR;
	strcpy(w.why, "Invalid register");
	assert_false(user_walk_whole(&w));
	assert_false(PRINTED(&p, print_user_half(&t, 9, &ut, &w, &hp, true)));
	assert_non_null(strstr(p.out, "(user walk stopped: Invalid register)\n"));
	assert_string_equal(p.err, "");		/* said at the end, once a kind */
	SAID(&p, &t);
	assert_string_equal(p.err, "kstack: 1 user stack cut short: Invalid register (thread 9)\n");
	/* the rule: one such thread among whole ones makes the run partial */
	t.whole = 3;
	t.cut = 1;
	assert_int_equal(exit_status(&t, CLI_SHOW), EXIT_PARTIAL);
	cli_problems_fini(&t.problems);

	/* in a binary's code without unwind information: whole as far as it allows */
	memset(&t, 0, sizeof(t));
	strcpy(w.why, "No DWARF information found");
	w.no_cfi = true;
	assert_true(PRINTED(&p, print_user_half(&t, 9, &ut, &w, &hp, true)));
	assert_non_null(strstr(p.out, "(user walk stopped: No DWARF information found)\n"));
	assert_int_equal(t.no_cfi, 1);
	assert_int_equal(t.problems.n, 0);
	/* --strict: partial, said */
	t.strict = true;
	assert_false(PRINTED(&p, print_user_half(&t, 9, &ut, &w, &hp, true)));
	SAID(&p, &t);
	assert_non_null(strstr(p.err, "kstack: 1 user stack cut short: No DWARF information found"));
	cli_problems_fini(&t.problems);
	w.no_cfi = false;

	memset(&t, 0, sizeof(t));
	w.stop = KS_USTOP_NONE;
	strcpy(w.why, "user sp in no readable mapping");
	w.nr = 0;
	assert_false(user_walk_whole(&w));
	assert_false(PRINTED(&p, print_user_half(&t, 9, &ut, &w, &hp, true)));
	assert_non_null(strstr(p.out, "(no user stack: user sp in no readable mapping)\n"));
	SAID(&p, &t);
	assert_non_null(strstr(p.err, "1 user stack missing: user sp in no readable mapping (thread 9)"));
	cli_problems_fini(&t.problems);

	w.stop = KS_USTOP_LIMIT;
	w.nr = 2;
	assert_false(user_walk_whole(&w));
	assert_false(PRINTED(&p, print_user_half(&t, 9, &ut, &w, &hp, true)));

	/* the process could not be read: no walk at all */
	hp.err = ks_error_format(ESRCH, "process 7: gone");
	assert_false(user_walk_whole(NULL));
	assert_false(PRINTED(&p, print_user_half(&t, 9, &ut, NULL, &hp, true)));
	assert_non_null(strstr(p.out, "(no user half: process 7: gone)\n"));
	SAID(&p, &t);
	assert_non_null(strstr(p.err, "kstack: 1 stack truncated at -n 2 (thread 9)\n"));
	assert_non_null(strstr(p.err, "kstack: 1 user half missing: process 7: gone (thread 9)\n"));
	ks_error_destroy(hp.err);
	cli_problems_fini(&t.problems);
}

/*
 * stderr's rule: one line a kind of problem, however many threads met it,
 * with the count and the first thread ids; --verbose says each too.
 */
static void problems_one_line_a_kind(void **state)
{
	struct cli_problems pr = { 0 };
	struct printed p;
	char why[256];
	uint64_t tid;

	(void)state;
	/* -n 3 on 290 threads: both halves truncated, a few with no user stack */
	for (tid = 362; tid < 362 + 290; tid++) {
		cli_problem(&pr, tid, true, "stack", "stacks", "truncated at -n %d", 3);
		if (tid != 400)
			cli_problem(&pr, tid, true, "stack", "stacks", "truncated at -n %d", 3);
	}
	cli_problem(&pr, 7, false, "thread", "threads", "not shown: %s", "kept running");
	cli_problem(&pr, 8, false, "thread", "threads", "not shown: %s", "kept running");
	assert_int_equal(pr.n, 2);
	assert_true(PRINTED(&p, ({ cli_problems_say(&pr); true; })));
	assert_string_equal(p.err,
			    "kstack: 579 stacks truncated at -n 3 (e.g. 362, 363, 364, ...)\n"
			    "kstack: 2 threads not shown: kept running (threads 7, 8)\n");
	assert_int_equal(cli_problems_why(&pr, true, why, sizeof(why)), 1);
	assert_string_equal(why, "579 stacks truncated at -n 3");
	assert_int_equal(cli_problems_why(&pr, false, why, sizeof(why)), 1);
	assert_string_equal(why, "2 threads not shown: kept running");
	cli_problems_fini(&pr);

	/* --verbose: each as it happens, and the summary */
	pr.verbose = true;
	assert_true(PRINTED(&p, ({ cli_problem(&pr, 5, true, "stack", "stacks",
					       "truncated at -n %d", 2); true; })));
	assert_string_equal(p.err, "kstack: thread 5: stack truncated at -n 2\n");
	cli_problems_fini(&pr);
}

/*
 * A thread whose kernel half was walked again on its own (it ran through
 * its capture): its user half is printed under it, whole when the thread
 * did not switch since its user registers were taken; when it did, still
 * printed, under its own user-mode line and a note, and not whole. A
 * thread whose walk reached user mode but came without user registers
 * says so; a kernel thread prints nothing.
 */
static void user_half_under_retaken_kernel_half(void **state)
{
	static struct ks_user_frame frames[] = {
		{ .pc = 0x7f0000002000ull, .flags = KS_UF_EXACT, .name = "libc.so.6!__nanosleep+0x13/0x31" },
		{ .pc = 0x55000000200aull, .flags = 0, .name = "prog!sleeper+0x20/0x40" },
	};
	struct ks_user_thread ut = { .tid = 12, .nvcsw = 40, .nivcsw = 2,
				     .regs = { .ip = 0x7f0000002000ull, .sp = 0x7ffd00 } };
	struct ks_user_walk w = { .frames = frames, .nr = 2, .stop = KS_USTOP_END };
	struct kstack_thread_context ctx = { .nvcsw = 40, .nivcsw = 2 };
	struct printed p;
	struct tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	/* quiet since: the walk above ended at user mode and printed that line */
	assert_true(PRINTED(&p, print_user_part_retaken(&t, 12, &ut, &w, NULL, &ctx, true)));
	assert_string_equal(p.out, "00007f0000002000 : libc.so.6!__nanosleep+0x13/0x31\n"
				   "000055000000200a : prog!sleeper+0x20/0x40\n");
	assert_string_equal(p.err, "");
	/* it ran between the halves */
	ctx.nivcsw = 3;
	assert_false(PRINTED(&p, print_user_part_retaken(&t, 12, &ut, &w, NULL, &ctx, true)));
	assert_non_null(strstr(p.out, "(the thread ran since its user half was taken"));
	assert_non_null(strstr(p.out, "user mode: ip 00007f0000002000 sp 00000000007ffd00\n"));
	assert_non_null(strstr(p.out, "prog!sleeper+0x20/0x40\n"));
	/* no user registers with a walk that reached user mode */
	assert_false(PRINTED(&p, print_user_part_retaken(&t, 12, NULL, NULL, NULL, &ctx, true)));
	assert_non_null(strstr(p.out, "(no user half: "));
	SAID(&p, &t);
	assert_non_null(strstr(p.err, "1 user half of an earlier moment: the thread ran between its kernel and user halves (thread 12)"));
	assert_non_null(strstr(p.err, "1 user half missing: no user registers (thread 12)"));
	cli_problems_fini(&t.problems);
	/* a kernel thread: nothing */
	assert_true(PRINTED(&p, print_user_part_retaken(&t, 12, NULL, NULL, NULL, &ctx, false)));
	assert_string_equal(p.out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(show_rule),
		cmocka_unit_test(denied_rule),
		cmocka_unit_test(verify_rule),
		cmocka_unit_test(verify_cut_stack_is_partial),
		cmocka_unit_test(user_half_whole_rule),
		cmocka_unit_test(problems_one_line_a_kind),
		cmocka_unit_test(user_half_under_retaken_kernel_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
