// SPDX-License-Identifier: GPL-2.0
/*
 * Triage modules on a synthetic capture (lib/capture, group, filter,
 * report_*): a zoo of 300 threads in 3 stacks and states plus system
 * threads, running and cut-short ones. Grouping counts, filters and their
 * left-out counts, --min-count; each format written, then read back by an
 * independent reader (tests/unit/tools/check_report.py: python3's json +
 * jsonschema against doc/, protoc --decode for pprof, a folded grammar),
 * and pprof files by pprof itself (`go tool pprof -raw`/`-traces`).
 */
#include <errno.h>
#include <jansson.h>
#include <sys/wait.h>

#include "helpers.h"
#include "capture.h"
#include "filter.h"
#include "group.h"
#include "report.h"

#define SKIP_EXIT 77

/* every test's distinct stacks: outlives each capture and grouping */
static struct ks_cap_pool pool;

static const struct ks_cap_frame stack_sleep[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0 },
	{ 0xffffffff81a52e2aull, "vmlinux!schedule+0x5a/0xd0", 0 },
	{ 0xffffffff81a5899bull, "vmlinux!do_nanosleep+0x7b/0x140", 0 },
	{ 0xffffffff81c00126ull, "vmlinux!entry_SYSCALL_64_after_hwframe+0x6e/0xd8", 0 },
};

static const struct ks_cap_frame stack_d[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0 },
	{ 0xffffffffc0a0204cull, "kvm!kvm_vcpu_block+0x4c/0xa0", 0 },
	{ 0xffffffff81300010ull, "vmlinux!vfs_ioctl+0x10/0x40", KS_CAP_FRAME_UNRELIABLE },
	{ 0xffffffff81c00126ull, "vmlinux!entry_SYSCALL_64_after_hwframe+0x6e/0xd8", 0 },
};

static const struct ks_cap_frame stack_pipe[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0 },
	{ 0xffffffff81a52e2aull, "vmlinux!schedule+0x5a/0xd0", 0 },
	{ 0xffffffff812f1111ull, "vmlinux!pipe_read+0x2d1/0x470", 0 },
	{ 0xffffffff81c00126ull, "vmlinux!entry_SYSCALL_64_after_hwframe+0x6e/0xd8", 0 },
};

static const struct ks_cap_frame stack_kthread[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0 },
	{ 0xffffffff810c4567ull, "vmlinux!worker_thread+0xb7/0x3c0", 0 },
	{ 0xffffffff810cd41aull, "vmlinux!kthread+0xda/0x100", 0 },
	{ 0xffffffff81001f0full, "vmlinux!ret_from_fork+0x1f/0x30", 0 },
};

static const struct ks_cap_frame user_a[] = {
	{ 0x00007f0000001000ull, "libc.so.6!__nanosleep+0x17/0x40", 0 },
	{ 0x0000000000401000ull, "zoo!main+0x20/0x80", 0 },
};

static const struct ks_cap_frame user_b[] = {
	{ 0x00007f0000001000ull, "libc.so.6!__nanosleep+0x17/0x40", 0 },
	{ 0x0000000000402000ull, "zoo!other+0x20/0x80", 0 },
};

#define N_ZOO 300
#define N_SYS 25
#define N_RUN 3
#define N_CUT 2
#define N_ALL (N_ZOO + N_SYS + N_RUN + N_CUT)

static void add(struct ks_capture *c, uint64_t tid, const char *comm, char state, uint32_t flags,
		const struct ks_cap_frame *kf, size_t nk)
{
	struct ks_cap_thread t = { .tid = tid, .tgid = tid, .state = state, .flags = flags,
				   .nvcsw = tid, .nivcsw = 1, .user_ip = 0x401234, .user_sp = 0x7ffc00 };

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	if (flags & KS_CAP_PARTIAL)
		t.why = "frame limit";
	assert_non_null(ks_capture_add_frames(c, &t, kf, nk, NULL, 0));
}

/* The zoo: 100 sleeping, 100 in D, 100 reading a pipe; kworkers; running; cut. */
static void zoo(struct ks_capture *c)
{
	char comm[32];
	int i;

	ks_capture_init(c, &pool);
	/* interleaved, as threads of several processes come in a listing */
	for (i = 0; i < 100; i++) {
		add(c, 1000 + i, "zoo", 'S', KS_CAP_USER, stack_sleep, 4);
		add(c, 1100 + i, "zoo", 'D', KS_CAP_USER, stack_d, 4);
		add(c, 1200 + i, "zoo-pipe", 'S', KS_CAP_USER, stack_pipe, 4);
	}
	for (i = 0; i < N_SYS; i++) {
		snprintf(comm, sizeof(comm), "kworker/%d:1", i);
		add(c, 10 + i, comm, 'I', 0, stack_kthread, 4);
	}
	for (i = 0; i < N_RUN; i++)
		add(c, 2000 + i, "hog", 'R', KS_CAP_RUNNING, NULL, 0);
	for (i = 0; i < N_CUT; i++)
		add(c, 3000 + i, "deep", 'S', KS_CAP_PARTIAL | KS_CAP_TRUNCATED, stack_sleep, 2);
	c->walked = c->n;
}

static void group_zoo(struct ks_grouping *g, enum ks_group_by by, uint64_t min_count)
{
	struct ks_capture c;

	zoo(&c);
	ks_grouping_init(g, by);
	assert_no_error(ks_grouping_add(g, &c));
	ks_grouping_finish(g, min_count);
	ks_capture_fini(&c);
}

static void test_group_zoo(void **state)
{
	struct ks_grouping g;
	uint64_t sum = 0;
	size_t i;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	/* 3 zoo stacks, the kworkers' one, running, cut short */
	assert_int_equal(g.n, 6);
	for (i = 0; i < 3; i++) {
		assert_int_equal(g.v[i].nm, 100);
		assert_int_equal(g.v[i].samples, 100);
	}
	assert_int_equal(g.v[3].nm, N_SYS);
	assert_int_equal(g.v[3].states[strchr(KS_STATE_LETTERS, 'I') - KS_STATE_LETTERS], N_SYS);
	/* largest first, ties in the order first seen: sleep, D, pipe */
	assert_int_equal(g.v[0].m[0].tid, 1000);
	assert_int_equal(g.v[1].m[0].tid, 1100);
	assert_int_equal(g.v[1].states[strchr(KS_STATE_LETTERS, 'D') - KS_STATE_LETTERS], 100);
	assert_int_equal(g.v[2].m[99].tid, 1299);
	/* the running ones alone, the cut-short ones never with the whole stack */
	assert_int_equal(g.v[4].nm, N_RUN);
	assert_true(g.v[4].flags & KS_CAP_RUNNING);
	assert_int_equal(g.v[5].nm, N_CUT);
	assert_true(g.v[5].flags & KS_CAP_PARTIAL);
	for (i = 0; i < g.n; i++)
		sum += g.v[i].samples;
	assert_int_equal(sum, N_ALL);
	assert_int_equal(g.samples, N_ALL);
	ks_grouping_fini(&g);
}

static void test_group_none_keeps_order(void **state)
{
	struct ks_grouping g;

	(void)state;
	group_zoo(&g, KS_GROUP_NONE, 0);
	assert_int_equal(g.n, N_ALL);
	assert_int_equal(g.v[0].m[0].tid, 1000);
	assert_int_equal(g.v[1].m[0].tid, 1100);
	assert_int_equal(g.v[2].m[0].tid, 1200);
	ks_grouping_fini(&g);
}

/* With user stacks: whole-stack grouping tells them apart, --group=kernel not. */
static void test_group_kernel_half(void **state)
{
	struct ks_capture c;
	struct ks_grouping whole, kern;
	struct ks_cap_thread t = { .tgid = 7, .state = 'S', .flags = KS_CAP_USER };
	int i;

	(void)state;
	ks_capture_init(&c, &pool);
	for (i = 0; i < 10; i++) {
		t.tid = 100 + i;
		strcpy(t.comm, "app");
		assert_non_null(ks_capture_add_frames(&c, &t, stack_sleep, 4, i < 6 ? user_a : user_b, 2));
	}
	ks_grouping_init(&whole, KS_GROUP_WHOLE);
	ks_grouping_init(&kern, KS_GROUP_KERNEL);
	assert_no_error(ks_grouping_add(&whole, &c));
	assert_no_error(ks_grouping_add(&kern, &c));
	ks_grouping_finish(&whole, 0);
	ks_grouping_finish(&kern, 0);
	assert_int_equal(whole.n, 2);
	assert_int_equal(whole.v[0].nm, 6);
	assert_int_equal(ks_group_nu(&whole.v[0]), 2);
	assert_ptr_equal(whole.v[0].kstack, whole.v[1].kstack);
	assert_int_equal(whole.v[1].nm, 4);
	assert_int_equal(kern.n, 1);
	assert_int_equal(kern.v[0].nm, 10);
	assert_int_equal(ks_group_nu(&kern.v[0]), 0);
	ks_grouping_fini(&whole);
	ks_grouping_fini(&kern);
	ks_capture_fini(&c);
}

static void test_min_count(void **state)
{
	struct ks_grouping g;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 50);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.min_count_groups, 3);
	assert_int_equal(g.min_count_threads, N_SYS + N_RUN + N_CUT);
	ks_grouping_fini(&g);
}

/* Four sampling rounds of the same 10 threads: two asleep, two reading a pipe. */
static void group_rounds(struct ks_grouping *g)
{
	struct ks_capture c;
	int round;

	ks_grouping_init(g, KS_GROUP_WHOLE);
	for (round = 0; round < 4; round++) {
		ks_capture_init(&c, &pool);
		for (int i = 0; i < 10; i++)
			add(&c, 500 + i, "alt", 'S', KS_CAP_USER, round < 2 ? stack_sleep : stack_pipe, 4);
		assert_no_error(ks_grouping_add(g, &c));
		ks_capture_fini(&c);
	}
	ks_grouping_finish(g, 0);
}

/* Sampling: rounds add up per stack; members counted once. */
static void test_group_rounds(void **state)
{
	struct ks_grouping g;
	struct ks_report r = { .sampled = true, .duration_ns = 4000000000ull };

	(void)state;
	group_rounds(&g);
	r.g = &g;
	assert_int_equal(g.rounds, 4);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.v[0].samples, 20);
	assert_int_equal(g.v[0].nm, 10);
	assert_int_equal(g.v[0].m[3].samples, 2);
	/* each round stands for a quarter of the 4 s: 20 samples ~ 20 thread-seconds / 10 */
	assert_int_equal(ks_report_wall_ns(&r, g.v[0].samples), 20000000000ull);
	ks_grouping_fini(&g);
}

/*
 * The position cache of sampling rounds: threads that come, go, change
 * places or stacks between rounds are counted exactly as a fresh lookup
 * would count them.
 */
static void test_group_rounds_shifting(void **state)
{
	static const struct ks_cap_frame *stacks[] = { stack_sleep, stack_pipe, stack_d };
	struct ks_grouping g;
	struct ks_capture c;
	uint64_t want[3][64] = { { 0 } };	/* [stack][tid - 100] samples */
	int round, i, s;

	(void)state;
	ks_grouping_init(&g, KS_GROUP_WHOLE);
	for (round = 0; round < 12; round++) {
		ks_capture_init(&c, &pool);
		/* a window of tids that slides, each thread's stack changing now and then */
		for (i = round % 5; i < 40 + round % 7; i++) {
			s = (i / 3 + round / 4) % 3;
			add(&c, 100 + i, "t", 'S', KS_CAP_USER, stacks[s], 4);
			want[s][i]++;
		}
		assert_no_error(ks_grouping_add(&g, &c));
		ks_capture_fini(&c);
	}
	ks_grouping_finish(&g, 0);
	for (i = 0; i < (int)g.n; i++) {
		const struct ks_group *gr = &g.v[i];

		for (s = 0; s < 3; s++)
			if (gr->kstack->f[1].ip == stacks[s][1].ip && gr->kstack->f[2].ip == stacks[s][2].ip)
				break;
		assert_true(s < 3);
		for (size_t m = 0; m < gr->nm; m++) {
			assert_int_equal(gr->m[m].samples, want[s][gr->m[m].tid - 100]);
			want[s][gr->m[m].tid - 100] = 0;
		}
	}
	for (s = 0; s < 3; s++)
		for (i = 0; i < 64; i++)
			assert_int_equal(want[s][i], 0);
	ks_grouping_fini(&g);
}

static void filter_zoo(const char *states, const char *comm, const char *match, size_t want,
		       struct ks_filter_counts *left)
{
	struct ks_capture c;
	struct ks_filter f;

	zoo(&c);
	assert_no_error(ks_filter_init(&f, states, comm, match));
	memset(left, 0, sizeof(*left));
	ks_filter_capture(&f, &c, left);
	assert_int_equal(c.n, want);
	assert_int_equal(c.n + left->state + left->comm + left->match, N_ALL);
	ks_filter_fini(&f);
	ks_capture_fini(&c);
}

static void test_filters(void **state)
{
	struct ks_filter_counts left;
	struct ks_filter f;
	struct ks_error *err;

	(void)state;
	filter_zoo("D", NULL, NULL, 100, &left);
	assert_int_equal(left.state, N_ALL - 100);
	filter_zoo("DR", NULL, NULL, 100 + N_RUN, &left);
	filter_zoo(NULL, "^zoo-pipe$", NULL, 100, &left);
	assert_int_equal(left.comm, N_ALL - 100);
	filter_zoo(NULL, NULL, "^pipe_read$", 100, &left);
	assert_int_equal(left.match, N_ALL - 100);
	/* a module frame's function, not its "kvm!" owner or offset */
	filter_zoo(NULL, NULL, "^kvm_vcpu_block$", 100, &left);
	filter_zoo(NULL, NULL, "0x4c", 0, &left);
	/* each left-out thread counted once, under the first filter it fails */
	filter_zoo("S", "^zoo", "do_nanosleep", 100, &left);
	assert_int_equal(left.state, N_ALL - 200 - N_CUT);
	assert_int_equal(left.comm, N_CUT);
	assert_int_equal(left.match, 100);

	err = ks_filter_init(&f, "DQ", NULL, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, EINVAL);
	assert_non_null(strstr(err->message, "'Q'"));
	ks_error_destroy(err);
	err = ks_filter_init(&f, NULL, "(", NULL);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "--comm"));
	ks_error_destroy(err);
	err = ks_filter_init(&f, NULL, NULL, "[a-");
	assert_non_null(err);
	assert_non_null(strstr(err->message, "--match"));
	ks_error_destroy(err);
}

/* One pool entry per distinct (addresses, flags); names set once. */
static void test_pool(void **state)
{
	static const uint64_t ips[] = { 1, 2, 3 };
	static const uint8_t fl[] = { 0, KS_CAP_FRAME_UNRELIABLE, 0 };
	struct ks_cap_pool p;
	struct ks_cap_stack *a, *b, *c, *d;
	bool added;

	(void)state;
	ks_cap_pool_init(&p);
	a = ks_cap_pool_intern(&p, ips, NULL, 3, &added);
	assert_true(added);
	assert_false(a->named);
	b = ks_cap_pool_intern(&p, ips, NULL, 3, &added);
	assert_false(added);
	assert_ptr_equal(a, b);
	c = ks_cap_pool_intern(&p, ips, fl, 3, &added);
	assert_true(added);
	assert_ptr_not_equal(a, c);
	d = ks_cap_pool_intern(&p, ips, NULL, 2, &added);
	assert_true(added);
	assert_ptr_not_equal(a, d);
	assert_int_equal(p.n, 3);
	ks_cap_pool_fini(&p);
}

/*
 * User stacks (ks_cap_pool_intern_frames): the same addresses in two
 * processes running different files (non-PIE binaries both at 0x401000)
 * are two stacks, each keeping its names; the same names (equal text,
 * other pointers: another process of the same program) are one.
 */
static void test_pool_named(void **state)
{
	static const struct ks_cap_frame prog_a[] = {
		{ 0x401136, "proga!c+0x6/0x20", KS_CAP_FRAME_EXACT },
		{ 0x401160, "proga!main+0x10/0x30", 0 },
	};
	static const struct ks_cap_frame prog_b[] = {
		{ 0x401136, "progb!spin+0x6/0x20", KS_CAP_FRAME_EXACT },
		{ 0x401160, "progb!main+0x10/0x30", 0 },
	};
	char c_copy[] = "proga!c+0x6/0x20", main_copy[] = "proga!main+0x10/0x30";
	struct ks_cap_frame again[] = {
		{ 0x401136, c_copy, KS_CAP_FRAME_EXACT },
		{ 0x401160, main_copy, 0 },
	};
	struct ks_cap_stack *a, *b, *a2;
	struct ks_cap_pool p;

	(void)state;
	ks_cap_pool_init(&p);
	a = ks_cap_pool_intern_frames(&p, prog_a, 2);
	b = ks_cap_pool_intern_frames(&p, prog_b, 2);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_string_equal(a->f[0].name, "proga!c+0x6/0x20");
	assert_string_equal(b->f[0].name, "progb!spin+0x6/0x20");
	a2 = ks_cap_pool_intern_frames(&p, again, 2);
	assert_ptr_equal(a, a2);
	assert_ptr_equal(ks_cap_pool_intern_frames(&p, prog_b, 2), b);
	assert_int_equal(p.n, 2);
	ks_cap_pool_fini(&p);
}

static void test_name_split(void **state)
{
	struct ks_name_parts p;

	(void)state;
	ks_name_split("kvm!kvm_vcpu_block+0x4c/0xa0", &p);
	assert_int_equal(p.owner_len, 3);
	assert_memory_equal(p.owner, "kvm", 3);
	assert_int_equal(p.func_len, strlen("kvm_vcpu_block"));
	assert_memory_equal(p.func, "kvm_vcpu_block", p.func_len);
	assert_int_equal(p.offset, 0x4c);
	ks_name_split("[unknown]", &p);
	assert_int_equal(p.owner_len, 0);
	assert_string_equal(p.func, "[unknown]");
	assert_int_equal(p.func_len, 9);
	ks_name_split("libx.so!operator+(int)+0x10/0x20", &p);
	assert_int_equal(p.func_len, strlen("operator+(int)"));
	assert_int_equal(p.offset, 0x10);
}

/* A report of the zoo into a file; its path in buf. */
static void write_report(struct ks_grouping *g, enum ks_format fmt, bool sampled, char *path,
			 size_t len, struct ks_filter_counts *left)
{
	struct ks_report r = { .g = g, .walked = g->samples,
			       .sampled = sampled,
			       .interval_ns = 10000000, .duration_ns = 1000000000 };
	FILE *f;

	if (left) {
		r.left = *left;
		r.walked += ks_report_left_out(&r);
	}
	snprintf(path, len, "%s/report-%s-%d.out", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 ks_format_name(fmt), (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_no_error(ks_report_write(&r, fmt, f));
	fclose(f);
}

/* Run the independent reader; returns its exit status (SKIP_EXIT: reader missing). */
static int reader(const char *kind, const char *path, const char *args)
{
	char cmd[16384];
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 %s/../tools/check_report.py %s %s %s", FIXTURES,
		 kind, path, args);
	/* the reader's "SKIP: why" lands in the log before cmocka's verdict (run.sh) */
	fflush(stdout);
	fflush(stderr);
	rc = system(cmd);
	unlink(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static void expect_reader(const char *kind, const char *path, const char *args)
{
	int rc = reader(kind, path, args);

	if (rc == SKIP_EXIT)
		skip();
	assert_int_equal(rc, 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static void test_text_grouped(void **state)
{
	struct ks_grouping g;
	char path[256], *text;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	write_report(&g, KS_FORMAT_TEXT, false, path, sizeof(path), NULL);
	text = slurp(path);
	unlink(path);
	assert_non_null(strstr(text, "== 100 threads (S x 100): zoo x 100; tids 1000-1099\n"
				     "ffffffff81a526ad : vmlinux!__schedule+0x2dd/0x960\n"));
	assert_non_null(strstr(text, "== 100 threads (D x 100): zoo x 100; tids 1100-1199\n"));
	assert_non_null(strstr(text, "ffffffff81300010 : ? vmlinux!vfs_ioctl+0x10/0x40\n"));
	assert_non_null(strstr(text, "== 3 threads (R x 3): hog x 3; tids 2000-2002\n"
				     "[running on a CPU: no saved kernel stack]\n"));
	assert_non_null(strstr(text, "... truncated at 2 frames (raise with -n)\n"));
	assert_non_null(strstr(text, "kworker/0:1 x 1"));
	assert_non_null(strstr(text, "-- 330 threads walked, 330 shown in 6 groups\n"));
	free(text);
	ks_grouping_fini(&g);
}

static void test_text_ungrouped(void **state)
{
	struct ks_grouping g;
	char path[256], *text;

	(void)state;
	group_zoo(&g, KS_GROUP_NONE, 0);
	write_report(&g, KS_FORMAT_TEXT, false, path, sizeof(path), NULL);
	text = slurp(path);
	unlink(path);
	/* kstack's own per-thread text */
	assert_non_null(strstr(text, "1000 zoo S [ctxsw 1000+1]\n"
				     "ffffffff81a526ad : vmlinux!__schedule+0x2dd/0x960\n"));
	assert_non_null(strstr(text, "2000 hog R [running on a CPU: no saved kernel stack]\n\n"));
	assert_non_null(strstr(text, "user mode: ip 0000000000401234 sp 00000000007ffc00\n\n"));
	free(text);
	ks_grouping_fini(&g);
}

/*
 * Strings from outside never reach the output raw: comms are escaped by the
 * writers (escape.h), names come escaped from the symbolizer and pass as
 * they are, but for folded's separator.
 */
static void test_escaping(void **state)
{
	struct ks_capture c;
	struct ks_grouping g;
	struct ks_cap_frame named = { 0xffffffff81000000ull, "vmlinux!bad\\033[2J;name+0x1/0x2", 0 };
	struct ks_cap_thread t = { .tid = 1, .tgid = 1, .state = 'S' };
	char path[256], *text;

	(void)state;
	ks_capture_init(&c, &pool);
	memcpy(t.comm, "x;y\n\x1b\xc3\xa9", 8);
	assert_non_null(ks_capture_add_frames(&c, &t, &named, 1, NULL, 0));
	ks_grouping_init(&g, KS_GROUP_WHOLE);
	assert_no_error(ks_grouping_add(&g, &c));
	ks_grouping_finish(&g, 0);
	write_report(&g, KS_FORMAT_TEXT, false, path, sizeof(path), NULL);
	text = slurp(path);
	unlink(path);
	assert_null(strchr(text, '\x1b'));
	assert_non_null(strstr(text, "): x;y\\n\\033\\303\\251 x 1; tids 1\n"));
	assert_non_null(strstr(text, "ffffffff81000000 : vmlinux!bad\\033[2J;name+0x1/0x2\n"));
	free(text);
	write_report(&g, KS_FORMAT_FOLDED, false, path, sizeof(path), NULL);
	text = slurp(path);
	assert_string_equal(text, "x\\073y\\n\\033\\303\\251;bad\\033[2J\\073name 1\n");
	free(text);
	expect_reader("folded", path, "total=1 lines=1");
	write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
	expect_reader("json", path, "");
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_reader("pprof", path, "samples=1 total=1");
	ks_grouping_fini(&g);
	ks_capture_fini(&c);
}

static void test_json_grouped(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
	expect_reader("json", path, "threads_walked=330 threads_shown=330 groups=6 "
				    "group_threads=100,100,100,25,3,2");
	ks_grouping_fini(&g);
}

static void test_json_ungrouped_filtered(void **state)
{
	struct ks_filter_counts left = { .state = 200, .comm = 0, .match = 0 };
	struct ks_grouping g;
	struct ks_capture c;
	struct ks_filter f;
	char path[256];

	(void)state;
	zoo(&c);
	memset(&left, 0, sizeof(left));
	assert_no_error(ks_filter_init(&f, "D", NULL, NULL));
	ks_filter_capture(&f, &c, &left);
	ks_grouping_init(&g, KS_GROUP_NONE);
	assert_no_error(ks_grouping_add(&g, &c));
	ks_grouping_finish(&g, 0);
	write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), &left);
	expect_reader("json", path, "threads_walked=330 threads_shown=100 left_state=230");
	ks_filter_fini(&f);
	ks_grouping_fini(&g);
	ks_capture_fini(&c);
}

static void test_json_min_count_and_sampled(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_zoo(&g, KS_GROUP_KERNEL, 50);
	write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
	expect_reader("json", path, "groups=3 left_min_count=30 left_min_count_groups=3");
	write_report(&g, KS_FORMAT_JSON, true, path, sizeof(path), NULL);
	expect_reader("json", path, "groups=3");
	ks_grouping_fini(&g);
}

/*
 * Threads and processes the driver refused: JSON left_out counts them (read
 * back against the schema), the text closing line says them.
 */
static void test_not_permitted(void **state)
{
	struct ks_grouping g;
	struct ks_report r = { .not_permitted = 95, .not_permitted_processes = 1 };
	char path[256], *text;
	FILE *f;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	r.g = &g;
	r.walked = g.samples;
	snprintf(path, sizeof(path), "%s/report-denied-%d.json",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_no_error(ks_report_write(&r, KS_FORMAT_JSON, f));
	fclose(f);
	expect_reader("json", path, "left_not_permitted=95 left_not_permitted_processes=1");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_no_error(ks_report_write(&r, KS_FORMAT_TEXT, f));
	fclose(f);
	text = slurp(path);
	unlink(path);
	assert_non_null(strstr(text, "; 95 threads not permitted; 1 process not permitted\n"));
	free(text);
	ks_grouping_fini(&g);
}

/* The reader itself: a document that breaks the schema fails. */
static void test_json_reader_rejects(void **state)
{
	char path[256];
	FILE *f;
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/report-bad-%d.json", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"format\":\"kstack-report\",\"version\":1,\"mode\":\"snapshot\",\"group_by\":\"none\","
	      "\"threads_walked\":1,\"threads_shown\":1,\"left_out\":{\"state\":0,\"comm\":0,"
	      "\"match\":0,\"min_count\":0,\"min_count_groups\":0},\"threads\":[{\"tid\":\"1\"}]}\n", f);
	fclose(f);
	rc = reader("json", path, "");
	if (rc == SKIP_EXIT)
		skip();
	assert_int_equal(rc, 1);
}

static void test_folded(void **state)
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

static void test_pprof(void **state)
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

/* 3 threads in one whole stack: kernel half, then user half. */
static void group_user_half(struct ks_grouping *g)
{
	struct ks_cap_thread t = { .tgid = 7, .state = 'S', .flags = KS_CAP_USER,
				   .user_ip = 0x7f0000001000ull, .user_sp = 0x7ffc00 };
	struct ks_capture c;
	int i;

	ks_capture_init(&c, &pool);
	for (i = 0; i < 3; i++) {
		t.tid = 300 + i;
		strcpy(t.comm, "app");
		assert_non_null(ks_capture_add_frames(&c, &t, stack_sleep, 4, user_a, 2));
	}
	c.walked = c.n;
	ks_grouping_init(g, KS_GROUP_WHOLE);
	assert_no_error(ks_grouping_add(g, &c));
	ks_grouping_finish(g, 0);
	ks_capture_fini(&c);
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

static void test_pprof_go_grouped(void **state)
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
static void test_pprof_go_threads(void **state)
{
	struct ks_grouping g;
	char path[256];

	(void)state;
	group_zoo(&g, KS_GROUP_NONE, 0);
	write_report(&g, KS_FORMAT_PPROF, false, path, sizeof(path), NULL);
	expect_go(path, "types=threads/count samples=330 total=330 labels=comm,state,thread,tgid "
		  "'trace={\"value\":1,\"frames\":[\"__schedule\",\"kvm_vcpu_block\",\"vfs_ioctl\","
		  "\"entry_SYSCALL_64_after_hwframe\"],\"labels\":{\"comm\":\"zoo\",\"state\":\"D\","
		  "\"thread\":\"1150\",\"tgid\":\"1150\"}}' "
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
static void test_pprof_go_sampled(void **state)
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
static void test_pprof_go_user_half(void **state)
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
static void test_pprof_go_empty(void **state)
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
static void test_pprof_go_empty_comm(void **state)
{
	(void)state;
	go_one_thread("", stack_sleep, 2, NULL, 0, "\"__schedule\",\"schedule\"", "-");
}

/*
 * User frames no symbol covers ("libx.so!+0x1000"): each its own function
 * by module and offset, not one nameless function that pprof names after
 * the mapping ("[[user]]") for every such frame of the module.
 */
static void test_pprof_go_unsymbolized(void **state)
{
	static const struct ks_cap_frame uf[] = {
		{ 0x7f0000001000ull, "libx.so!+0x1000", 0 },
		{ 0x7f0000002000ull, "libx.so!+0x2000", 0 },
		{ 0x401000ull, "app!main+0x10/0x40", 0 },
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
static void test_folded_unsymbolized(void **state)
{
	static const struct ks_cap_frame uf[] = {
		{ 0x7f0000001000ull, "libx.so!+0x1000", 0 },
		{ 0x7f0000002000ull, "[unknown]", 0 },
		{ 0x401000ull, "app!main+0x10/0x40", 0 },
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
static void test_pprof_go_unescaped_name(void **state)
{
	static const struct ks_cap_frame kf[] = {
		{ 0xffffffff81000000ull, "vmlinux!raw\x1b[31m\xff\xfe+0x1/0x2", 0 },
	};

	(void)state;
	go_one_thread("app", kf, 1, NULL, 0, "\"raw\\\\033[31m\\\\377\\\\376\"", "app");
}

/*
 * Hostile comms and names through the ordinary path: a comm of control
 * bytes and invalid UTF-8 (escaped), a name with spaces, brackets and
 * colons, a 4000-byte name.
 */
static void test_pprof_go_hostile(void **state)
{
	static char longname[8 + 4000 + sizeof("+0x1/0x2")];
	static char frames[4200];
	struct ks_cap_frame kf[] = {
		{ 0xffffffff81000100ull, "vmlinux!a b]c:[d x 1+0x1/0x2", 0 },
		{ 0xffffffff81000200ull, longname, 0 },
	};

	(void)state;
	memcpy(longname, "vmlinux!", 8);
	memset(longname + 8, 'f', 4000);
	strcpy(longname + 8 + 4000, "+0x1/0x2");
	snprintf(frames, sizeof(frames), "\"a b]c:[d x 1\",\"%.4000s\"", longname + 8);
	go_one_thread("\x01\xff\xfe\n", kf, 2, NULL, 0, frames, "\\\\001\\\\377\\\\376\\\\n");
}

/*
 * The JSON document is streamed, a thread or group (and a group's members)
 * at a time (report_json.c): its bytes must be those jansson writes for the
 * whole document at once. Read it back with jansson (which keeps the members'
 * order) and dump it whole again: the same bytes, in every shape.
 */
static void expect_jansson_bytes(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	char *want, *got;
	FILE *f;
	long len;

	if (!doc)
		fail_msg("%s: not one JSON document: %s at line %d", path, jerr.text, jerr.line);
	want = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	assert_non_null(want);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	got = calloc(1, (size_t)len + 1);
	assert_non_null(got);
	assert_int_equal(fread(got, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	/* json_dumpf's document, then the report's newline */
	assert_int_equal((size_t)len, strlen(want) + 1);
	assert_int_equal(got[len - 1], '\n');
	got[len - 1] = '\0';
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_decref(doc);
}

static void test_json_streamed_bytes(void **state)
{
	static const enum ks_group_by bys[] = { KS_GROUP_NONE, KS_GROUP_WHOLE, KS_GROUP_KERNEL };
	struct ks_grouping g;
	struct ks_capture c;
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bys) / sizeof(bys[0]); i++) {
		group_zoo(&g, bys[i], 0);
		write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
		expect_jansson_bytes(path);
		write_report(&g, KS_FORMAT_JSON, true, path, sizeof(path), NULL);
		expect_jansson_bytes(path);
		expect_reader("json", path, "");
		ks_grouping_fini(&g);
	}
	/* with user halves; and no thread at all ("threads": []) */
	group_user_half(&g);
	write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
	expect_jansson_bytes(path);
	ks_grouping_fini(&g);
	for (i = 0; i < 2; i++) {
		ks_capture_init(&c, &pool);
		ks_grouping_init(&g, bys[i]);
		assert_no_error(ks_grouping_add(&g, &c));
		ks_grouping_finish(&g, 0);
		write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
		expect_jansson_bytes(path);
		expect_reader("json", path, "threads_shown=0");
		ks_grouping_fini(&g);
		ks_capture_fini(&c);
	}
	unlink(path);
}

/*
 * The writer keeps the text of recent distinct stacks' frames (bounded in
 * slots and bytes): with more distinct stacks than it keeps, stacks met
 * again after being dropped, and a stack too large to keep (256 frames),
 * the bytes are still jansson's.
 */
static void test_json_streamed_distinct_stacks(void **state)
{
	static const enum ks_group_by bys[] = { KS_GROUP_NONE, KS_GROUP_WHOLE };
	static struct ks_cap_frame kf[KSTACK_FRAMES_MAX];
	struct ks_grouping g;
	struct ks_capture c;
	char path[256];
	size_t i, j, b;

	(void)state;
	for (j = 0; j < KSTACK_FRAMES_MAX; j++)
		kf[j] = (struct ks_cap_frame){ 0, stack_sleep[j % 4].name, (uint8_t)(j % 3) };
	for (b = 0; b < sizeof(bys) / sizeof(bys[0]); b++) {
		ks_capture_init(&c, &pool);
		for (i = 0; i < 1500; i++) {
			struct ks_cap_thread t = { .tid = 5000 + i, .tgid = 5000, .state = 'S',
						   .flags = KS_CAP_USER };
			/* 700 distinct stacks of 40 frames, each met twice; one of 256 */
			size_t n = i == 1400 ? KSTACK_FRAMES_MAX : 40;

			snprintf(t.comm, sizeof(t.comm), "d%zu", i % 7);
			for (j = 0; j < n; j++)
				kf[j].ip = 0xffffffff81000000ull + (i % 700) * 0x1000 + j * 8;
			assert_non_null(ks_capture_add_frames(&c, &t, kf, n, user_a, 2));
		}
		c.walked = c.n;
		ks_grouping_init(&g, bys[b]);
		assert_no_error(ks_grouping_add(&g, &c));
		ks_grouping_finish(&g, 0);
		write_report(&g, KS_FORMAT_JSON, false, path, sizeof(path), NULL);
		expect_jansson_bytes(path);
		unlink(path);
		ks_grouping_fini(&g);
		ks_capture_fini(&c);
	}
}

/* A stream that takes `room` bytes, then fails as a full disk does. */
struct full_disk {
	size_t room, written;
	unsigned int refused;	/* writes tried after the disk was full */
};

static ssize_t full_disk_write(void *cookie, const char *buf, size_t n)
{
	struct full_disk *d = cookie;

	(void)buf;
	if (d->written + n > d->room) {
		d->refused++;
		errno = ENOSPC;
		return 0;	/* fopencookie: 0 is the error */
	}
	d->written += n;
	return (ssize_t)n;
}

/*
 * A write error in the middle of the stream (here after 64 KiB of a ~600
 * KiB document) is an error said as such, and the writer stops there
 * rather than building and writing every remaining thread into a dead file.
 */
static void test_json_write_error(void **state)
{
	static const enum ks_group_by bys[] = { KS_GROUP_NONE, KS_GROUP_WHOLE };
	cookie_io_functions_t io = { .write = full_disk_write };
	struct ks_grouping g;
	struct ks_report r = { 0 };
	struct ks_error *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bys) / sizeof(bys[0]); i++) {
		struct full_disk d = { .room = i ? 4096 : 65536 };
		FILE *f = fopencookie(&d, "w", io);

		assert_non_null(f);
		group_zoo(&g, bys[i], 0);
		r.g = &g;
		r.walked = g.samples;
		err = ks_report_write(&r, KS_FORMAT_JSON, f);
		assert_non_null(err);
		assert_int_equal(err->code, EIO);
		assert_non_null(strstr(err->message, strerror(ENOSPC)));
		/* the failed write, and ks_report_write's own flush */
		assert_in_range(d.refused, 1, 2);
		ks_error_destroy(err);
		fclose(f);
		ks_grouping_fini(&g);
	}
}

/*
 * Whole stacks (kernel + user half) in each format: the user frames after
 * the kernel's, the text's "user mode" line where the halves meet, JSON's
 * user_frames read back in order, pprof's user frames in the user mapping.
 */
static void test_user_half_formats(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_zoo),
		cmocka_unit_test(test_group_none_keeps_order),
		cmocka_unit_test(test_group_kernel_half),
		cmocka_unit_test(test_min_count),
		cmocka_unit_test(test_group_rounds),
		cmocka_unit_test(test_group_rounds_shifting),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_pool_named),
		cmocka_unit_test(test_name_split),
		cmocka_unit_test(test_text_grouped),
		cmocka_unit_test(test_text_ungrouped),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_json_grouped),
		cmocka_unit_test(test_json_ungrouped_filtered),
		cmocka_unit_test(test_json_min_count_and_sampled),
		cmocka_unit_test(test_json_reader_rejects),
		cmocka_unit_test(test_json_streamed_bytes),
		cmocka_unit_test(test_json_streamed_distinct_stacks),
		cmocka_unit_test(test_json_write_error),
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
	};

	int rc;

	ks_cap_pool_init(&pool);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ks_cap_pool_fini(&pool);
	return rc;
}
