// SPDX-License-Identifier: GPL-2.0
/*
 * The folded and pprof reports (lib/report_folded, report_pprof), read
 * back by an independent reader (a folded grammar, protoc --decode) and
 * pprof files by pprof itself (`go tool pprof -raw`/`-traces`).
 */
#include <unistd.h>

#include "test_report.h"

void test_folded(void **state)
{
	struct ks_grouping g;
	char path[256], *text;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	write_report(&g, KS_FORMAT_FOLDED, false, path, sizeof(path), NULL);
	text = slurp(path);
	/* root first; a module frame as /proc writes it; kworkers one line each */
	assert_non_null(strstr(text, "zoo;entry_SYSCALL_64_after_hwframe;do_nanosleep;schedule;"
				     "__schedule 100\n"));
	assert_non_null(strstr(text, "zoo;entry_SYSCALL_64_after_hwframe;vfs_ioctl;"
				     "kvm_vcpu_block [kvm];__schedule 100\n"));
	assert_non_null(strstr(text, "hog;[running] 3\n"));
	assert_non_null(strstr(text, "deep;[cut short];schedule;__schedule 2\n"));
	free(text);
	expect_reader("folded", path, "total=330 lines=30");
	ks_grouping_fini(&g);
}

void test_pprof(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_reader("pprof", path, "samples=6 total=330 functions=__schedule,kvm_vcpu_block,"
				     "pipe_read,[running],'[cut short]'");
	ks_grouping_fini(&g);
	group_zoo(&g, KS_GROUP_NONE, 0);
	write_report(&g, KS_FORMAT_PPROF, true, path, sizeof(path), NULL);
	expect_reader("pprof", path, "samples=330 total=330");
	ks_grouping_fini(&g);
}

/*
 * pprof's own reader, `go tool pprof` (check_report.py gopprof): what it
 * shows of our files, besides the checks it always makes (loads without a
 * message, printable ASCII only, locations in their mappings, every
 * function named). A "trace" is one sample as `pprof -traces` prints it:
 * its value, its frames leaf first, its labels.
 */
static void expect_go(const char *path, const char *args)
{
	expect_reader("gopprof", path, args);
}

void test_pprof_go_grouped(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_go(path, "types=threads/count samples=6 total=330 labels=comm,state,thread,threads "
		  "functions=kvm_vcpu_block "
		  "'trace={\"value\":100,\"frames\":[\"__schedule\",\"schedule\",\"do_nanosleep\","
		  "\"entry_SYSCALL_64_after_hwframe\"],\"labels\":{\"comm\":\"zoo x 100\","
		  "\"state\":\"S x 100\",\"thread\":\"1000-1099\",\"threads\":\"100\"}}' "
		  "'trace={\"value\":100,\"frames\":[\"__schedule\",\"kvm_vcpu_block\",\"vfs_ioctl\","
		  "\"entry_SYSCALL_64_after_hwframe\"],\"labels\":{\"state\":\"D x 100\","
		  "\"thread\":\"1100-1199\"}}' "
		  "'trace={\"value\":25,\"frames\":[\"__schedule\",\"worker_thread\",\"kthread\","
		  "\"ret_from_fork\"],\"labels\":{\"state\":\"I x 25\",\"thread\":\"10-34\"}}' "
		  "'trace={\"value\":3,\"frames\":[\"[running]\"],\"labels\":{\"comm\":\"hog x 3\","
		  "\"state\":\"R x 3\"}}' "
		  /* cut short: the missing root marked at the root's end */
		  "'trace={\"value\":2,\"frames\":[\"__schedule\",\"schedule\",\"[cut short]\"],"
		  "\"labels\":{\"comm\":\"deep x 2\",\"thread\":\"3000-3001\"}}'");
	ks_grouping_fini(&g);
}

/* Ungrouped: one sample per thread, its tid and tgid as numeric labels. */
void test_pprof_go_threads(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_zoo(&g, KS_GROUP_NONE, 0);
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_go(path, "types=threads/count samples=330 total=330 labels=comm,state,thread,tgid "
		  "'trace={\"value\":1,\"frames\":[\"__schedule\",\"kvm_vcpu_block\",\"vfs_ioctl\","
		  "\"entry_SYSCALL_64_after_hwframe\"],\"labels\":{\"comm\":\"zoo\",\"state\":\"D\","
		  "\"thread\":\"1150\",\"tgid\":\"1000\"}}' "
		  "'trace={\"value\":1,\"frames\":[\"__schedule\",\"worker_thread\",\"kthread\","
		  "\"ret_from_fork\"],\"labels\":{\"comm\":\"kworker/7:1\",\"state\":\"I\","
		  "\"thread\":\"17\"}}'");
	ks_grouping_fini(&g);
}

/*
 * --sample: 4 rounds over 4 s, 10 threads asleep for two rounds and in
 * pipe_read for two: per stack 20 samples and 20 s of wall time, the
 * period one round (1 s of wall time per sample).
 */
void test_pprof_go_sampled(void **state)
{
	struct ks_report r = { .sampled = true, .interval_ns = 1000000000ull,
			       .duration_ns = 4000000000ull };
	struct ks_grouping g;
	char path[256];
	FILE *f;

	(void)state;
	group_rounds(&g);
	r.g = &g;
	r.walked = 10;
	snprintf(path, sizeof(path), "%s/report-go-sampled-%d.pb.gz",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_no_error(ks_report_write(&r, KS_FORMAT_PPROF, f));
	fclose(f);
	expect_go(path, "types=samples/count,wall/nanoseconds period=wall/nanoseconds/1000000000 "
		  "samples=2 total=40 total2=40000000000 labels=comm,state,thread,threads "
		  "'trace={\"value\":20,\"frames\":[\"__schedule\",\"schedule\",\"pipe_read\","
		  "\"entry_SYSCALL_64_after_hwframe\"],\"labels\":{\"comm\":\"alt x 10\","
		  "\"thread\":\"500-509\"}}' "
		  "'trace={\"value\":20,\"frames\":[\"__schedule\",\"schedule\",\"do_nanosleep\","
		  "\"entry_SYSCALL_64_after_hwframe\"]}'");
	ks_grouping_fini(&g);
}

/* Both halves in one stack, leaf first: the user frames after the kernel's. */
void test_pprof_go_user_half(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_user_half(&g);
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_go(path, "samples=1 total=3 user_functions=__nanosleep,main "
		  "'trace={\"value\":3,\"frames\":[\"__schedule\",\"schedule\",\"do_nanosleep\","
		  "\"entry_SYSCALL_64_after_hwframe\",\"__nanosleep\",\"main\"],"
		  "\"labels\":{\"comm\":\"app x 3\",\"thread\":\"300-302\"}}'");
	ks_grouping_fini(&g);
}

/* Nothing shown (filters left nothing): a profile pprof loads, with no samples. */
void test_pprof_go_empty(void **state)
{
	struct ks_capture c;
	struct ks_grouping g;
	char path[256];

	(void)state;
	ks_capture_init(&c, &pool);
	ks_grouping_init(&g, KS_GROUP_WHOLE);
	assert_no_error(ks_grouping_add(&g, &c));
	ks_grouping_finish(&g, 0);
	ks_capture_fini(&c);
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_go(path, "types=threads/count samples=0 total=0");
	write_report(&g, KS_FORMAT_PPROF, true, path, sizeof(path), NULL);
	expect_go(path, "types=samples/count,wall/nanoseconds samples=0 total=0 total2=0");
	ks_grouping_fini(&g);
}

/*
 * One thread (tid 41) named comm in these frames, ungrouped and grouped:
 * pprof shows one sample whose stack reads frames (JSON strings, leaf
 * first) and whose comm label reads label ("label x 1" for a group).
 */
static void go_one_thread(const char *comm, const struct ks_cap_frame *kf, size_t nk,
			  const struct ks_cap_frame *uf, size_t nu, const char *frames,
			  const char *label)
{
	struct ks_cap_thread t = { .tid = 41, .tgid = 41, .state = 'S', .flags = KS_CAP_USER };
	char path[256], args[12288];
	struct ks_grouping g;
	struct ks_capture c;
	enum ks_group_by by;

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	for (by = KS_GROUP_NONE; by <= KS_GROUP_WHOLE; by++) {
		ks_capture_init(&c, &pool);
		assert_non_null(ks_capture_add_frames(&c, &t, kf, nk, uf, nu));
		c.walked = c.n;
		ks_grouping_init(&g, by);
		assert_no_error(ks_grouping_add(&g, &c));
		ks_grouping_finish(&g, 0);
		ks_capture_fini(&c);
		write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
		snprintf(args, sizeof(args), "samples=1 total=1 labels=comm,state,thread "
			 "'trace={\"value\":1,\"frames\":[%s],"
			 "\"labels\":{\"comm\":\"%s%s\",\"thread\":\"41\"}}'",
			 frames, label, by == KS_GROUP_NONE ? "" : " x 1");
		expect_go(path, args);
		ks_grouping_fini(&g);
	}
}

/*
 * A thread that cleared its name (prctl(PR_SET_NAME, "")): pprof drops a
 * label whose string is "", so the comm is written "-".
 */
void test_pprof_go_empty_comm(void **state)
{
	(void)state;
	go_one_thread("", stack_sleep, 2, NULL, 0, "\"__schedule\",\"schedule\"", "-");
}

/*
 * User frames no symbol covers ("libx.so!+0x1000"): each its own function
 * by module and offset, not one nameless function that pprof names after
 * the mapping ("[[user]]") for every such frame of the module.
 */
void test_pprof_go_unsymbolized(void **state)
{
	static const struct ks_cap_frame uf[] = {
		{ 0x7f0000001000ull, "libx.so!+0x1000", 0, NULL },
		{ 0x7f0000002000ull, "libx.so!+0x2000", 0, NULL },
		{ 0x401000ull, "app!main+0x10/0x40", 0, NULL },
	};

	(void)state;
	go_one_thread("app", stack_sleep, 1, uf, 3,
		      "\"__schedule\",\"libx.so+0x1000\",\"libx.so+0x2000\",\"main\"", "app");
}

/*
 * The same frames folded: each as its file in brackets, as
 * stackcollapse-perf.pl writes unsymbolized frames, never a frame that is
 * a bare " [libx.so]" (an empty function name before the module).
 */
void test_folded_unsymbolized(void **state)
{
	static const struct ks_cap_frame uf[] = {
		{ 0x7f0000001000ull, "libx.so!+0x1000", 0, NULL },
		{ 0x7f0000002000ull, "[unknown]", 0, NULL },
		{ 0x401000ull, "app!main+0x10/0x40", 0, NULL },
	};
	struct ks_cap_thread t = { .tid = 41, .tgid = 41, .state = 'S', .flags = KS_CAP_USER };
	char path[256], *text;
	struct ks_grouping g;
	struct ks_capture c;

	(void)state;
	strcpy(t.comm, "app");
	ks_capture_init(&c, &pool);
	assert_non_null(ks_capture_add_frames(&c, &t, stack_sleep, 1, uf, 3));
	c.walked = c.n;
	ks_grouping_init(&g, KS_GROUP_WHOLE);
	assert_no_error(ks_grouping_add(&g, &c));
	ks_grouping_finish(&g, 0);
	ks_capture_fini(&c);
	write_report(&g, KS_FORMAT_FOLDED, false, path, sizeof(path), NULL);
	text = slurp(path);
	assert_string_equal(text, "app;main [app];[unknown];[libx.so];__schedule 1\n");
	free(text);
	expect_reader("folded", path, "total=1 lines=1");
	ks_grouping_fini(&g);
}

/*
 * A name that reaches the writer unescaped, against the capture's
 * contract (capture.h): control bytes and invalid UTF-8 still leave the
 * profile as printable ASCII (proto3 strings are UTF-8).
 */
void test_pprof_go_unescaped_name(void **state)
{
	static const struct ks_cap_frame kf[] = {
		{ 0xffffffff81000000ull, "vmlinux!raw\x1b[31m\xff\xfe+0x1/0x2", 0, NULL },
	};

	(void)state;
	go_one_thread("app", kf, 1, NULL, 0, "\"raw\\\\033[31m\\\\377\\\\376\"", "app");
}

/*
 * Hostile comms and names through the ordinary path: a comm of control
 * bytes and invalid UTF-8 (escaped), a name with spaces, brackets and
 * colons, a 4000-byte name.
 */
void test_pprof_go_hostile(void **state)
{
	static char longname[8 + 4000 + sizeof("+0x1/0x2")];
	static char frames[4200];
	struct ks_cap_frame kf[] = {
		{ 0xffffffff81000100ull, "vmlinux!a b]c:[d x 1+0x1/0x2", 0, NULL },
		{ 0xffffffff81000200ull, longname, 0, NULL },
	};

	(void)state;
	memcpy(longname, "vmlinux!", 8);
	memset(longname + 8, 'f', 4000);
	strcpy(longname + 8 + 4000, "+0x1/0x2");
	snprintf(frames, sizeof(frames), "\"a b]c:[d x 1\",\"%.4000s\"", longname + 8);
	go_one_thread("\x01\xff\xfe\n", kf, 2, NULL, 0, frames, "\\\\001\\\\377\\\\376\\\\n");
}

/*
 * Whole stacks (kernel + user half) in each format: the user frames after
 * the kernel's, the text's "user mode" line where the halves meet, JSON's
 * user_frames read back in order, pprof's user frames in the user mapping.
 */
void test_user_half_formats(void **state)
{
	struct ks_grouping g;
	char path[256], line[256];
	FILE *f;
	int step = 0;
	static const char *const order[] = { "vmlinux!__schedule+", "vmlinux!entry_SYSCALL_64",
					     "user mode", "libc.so.6!__nanosleep+",
					     "zoo!main+" };

	(void)state;
	group_user_half(&g);
	write_report(&g, KS_FORMAT_TEXT, false, path, sizeof(path), NULL);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && step < 5) {
		if (strstr(line, order[step]))
			step++;
	}
	fclose(f);
	unlink(path);
	assert_int_equal(step, 5);
	write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
	expect_reader("json", path, "groups=1 group_threads=3 user_chain=__nanosleep,main");
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_reader("pprof", path, "samples=1 total=3 user_functions=__nanosleep,main");
	write_report(&g, KS_FORMAT_FOLDED, false, path, sizeof(path), NULL);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
	/* root first: the user half's outermost frame right after the comm */
	assert_true(!strncmp(line, "app;main [zoo];__nanosleep [libc.so.6];entry_SYSCALL_64_after_hwframe;",
			     strlen("app;main [zoo];__nanosleep [libc.so.6];entry_SYSCALL_64_after_hwframe;")));
	ks_grouping_fini(&g);
}
