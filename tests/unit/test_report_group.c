// SPDX-License-Identifier: GPL-2.0
/*
 * Grouping (lib/group) of the zoo: counts, order, the kernel half alone,
 * --min-count, sampling rounds; filters and their left-out counts; the
 * pool of distinct stacks; splitting a frame's name.
 */
#include "test_report.h"

void test_group_zoo(void **state)
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

void test_group_none_keeps_order(void **state)
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
void test_group_kernel_half(void **state)
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

void test_min_count(void **state)
{
	struct ks_grouping g;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 50);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.min_count_groups, 3);
	assert_int_equal(g.min_count_threads, N_SYS + N_RUN + N_CUT);
	ks_grouping_fini(&g);
}

/* Sampling: rounds add up per stack; members counted once. */
void test_group_rounds(void **state)
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
	/* the 10 threads are in both groups: shown, they are 10 threads, not 20 or 40 */
	assert_int_equal(ks_report_threads_shown(&r), 10);
	ks_grouping_fini(&g);
}

/*
 * --sample's text says what each number counts (issue 25, input 5):
 * samples, threads and thread-seconds in a group's header, samples by
 * state, and samples of how many threads in the closing line.
 */
void test_text_sampled_counts(void **state)
{
	struct ks_grouping g;
	struct ks_report r = { .sampled = true, .duration_ns = 4000000000ull,
			       .interval_ns = 1000000000ull, .walked = 10, .samples_walked = 40 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	group_rounds(&g);
	r.g = &g;
	f = open_memstream(&text, &len);
	assert_no_error(ks_report_text(&r, f));
	fclose(f);
	assert_non_null(strstr(text, "== 20 samples (50.0%, ~20.000 thread-seconds) in 10 threads "
				     "(samples by state: S x 20): alt x 10 (10 processes: pids 500, 501, 502, ...); "
				     "tids 500-509\n"));
	assert_non_null(strstr(text, "-- 4 rounds in 4.000 s (every 1000.0 ms asked, 1000.0 ms "
				     "achieved); 40 samples of 10 threads walked, 40 samples of 10 "
				     "threads shown in 2 groups\n"));
	free(text);
	ks_grouping_fini(&g);
}

/*
 * The position cache of sampling rounds: threads that come, go, change
 * places or stacks between rounds are counted exactly as a fresh lookup
 * would count them.
 */
void test_group_rounds_shifting(void **state)
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

void test_filters(void **state)
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
void test_pool(void **state)
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
void test_pool_named(void **state)
{
	static const struct ks_cap_frame prog_a[] = {
		{ 0x401136, "proga!c+0x6/0x20", KS_CAP_FRAME_EXACT, NULL },
		{ 0x401160, "proga!main+0x10/0x30", 0, NULL },
	};
	static const struct ks_cap_frame prog_b[] = {
		{ 0x401136, "progb!spin+0x6/0x20", KS_CAP_FRAME_EXACT, NULL },
		{ 0x401160, "progb!main+0x10/0x30", 0, NULL },
	};
	char c_copy[] = "proga!c+0x6/0x20", main_copy[] = "proga!main+0x10/0x30";
	struct ks_cap_frame again[] = {
		{ 0x401136, c_copy, KS_CAP_FRAME_EXACT, NULL },
		{ 0x401160, main_copy, 0, NULL },
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

void test_name_split(void **state)
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

/*
 * --match on a user frame with a demangled name: it matches the name as
 * shown or as the file has it (mangled), and a long name whole.
 */
void test_match_demangled(void **state)
{
	static char longname[2048];
	struct ks_cap_frame uf[] = {
		{ 0x401000, "prog!kst::work::Waiter::grab(std::mutex&)+0x18/0x2c", 0,
		  "prog!_ZN3kst4work6Waiter4grabERSt5mutex+0x18/0x2c" },
		{ 0x402000, longname, 0, NULL },
	};
	struct ks_cap_thread t = { .tid = 7, .tgid = 7, .state = 'S', .flags = KS_CAP_USER };
	/* as printed (module!function, the module alone) or the function alone */
	static const char *const hit[] = {
		"^kst::work::Waiter::grab\\(std::mutex&\\)$", "^_ZN3kst4work6Waiter4grab",
		"std::vector<int>::tail_end$", "^prog!kst::work::Waiter::grab", "^prog",
		"prog!_ZN3kst4work",
	};
	static const char *const miss[] = { "^rog", "0x18", "^Waiter", "prog!Waiter" };
	struct ks_filter_counts left = { 0 };
	struct ks_capture c;
	struct ks_filter f;
	size_t i;

	(void)state;
	memset(longname, 0, sizeof(longname));
	strcpy(longname, "prog!");
	for (i = 0; strlen(longname) < 1500; i++)
		strcat(longname, "std::vector<int>::");
	strcat(longname, "tail_end+0x1/0x2");
	ks_capture_init(&c, &pool);
	snprintf(t.comm, sizeof(t.comm), "cxx");
	assert_non_null(ks_capture_add_frames(&c, &t, NULL, 0, uf, 2));
	for (i = 0; i < sizeof(hit) / sizeof(hit[0]); i++) {
		assert_no_error(ks_filter_init(&f, NULL, NULL, hit[i]));
		if (!ks_filter_keep(&f, &c.v[0], &left))
			fail_msg("--match '%s' missed", hit[i]);
		ks_filter_fini(&f);
	}
	for (i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
		assert_no_error(ks_filter_init(&f, NULL, NULL, miss[i]));
		if (ks_filter_keep(&f, &c.v[0], &left))
			fail_msg("--match '%s' matched", miss[i]);
		ks_filter_fini(&f);
	}
	/* the raw name rides along with the interned stack */
	assert_string_equal(c.v[0].ustack->f[0].raw, uf[0].raw);
	assert_null(c.v[0].ustack->f[1].raw);
	ks_capture_fini(&c);
}
