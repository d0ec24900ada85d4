// SPDX-License-Identifier: GPL-2.0
/*
 * The text and JSON reports of the zoo (lib/report_text, report_json):
 * what they say, escaping, the counts of threads left out, and JSON read
 * back against doc/kstack-report.schema.json.
 */
#include <unistd.h>

#include "test_report.h"

void test_text_grouped(void **state)
{
	struct ks_grouping g;
	char path[256], *text;

	(void)state;
	group_zoo(&g, KS_GROUP_WHOLE, 0);
	write_report(&g, KS_FORMAT_TEXT, false, path, sizeof(path), NULL);
	text = slurp(path);
	unlink(path);
	/* processes by name with their ids first; thread names where they say more */
	assert_non_null(strstr(text, "== 100 threads (S x 100): zoo x 100 (pid 1000); tids 1000-1099\n"
				     "ffffffff81a526ad : vmlinux!__schedule+0x2dd/0x960\n"));
	assert_non_null(strstr(text, "== 100 threads (D x 100): zoo x 100 (pid 1000); tids 1100-1199\n"));
	assert_non_null(strstr(text, "== 100 threads (S x 100): zoo x 100 (pid 1000); zoo-pipe x 100; "
				     "tids 1200-1299\n"));
	assert_non_null(strstr(text, "ffffffff81300010 : ? vmlinux!vfs_ioctl+0x10/0x40\n"));
	assert_non_null(strstr(text, "== 3 threads (R x 3): hog x 3 (pids 2000, 2001, 2002); "
				     "tids 2000-2002\n"
				     "[running on a CPU: no saved kernel stack]\n"));
	/* one entry for a kind of kernel thread, not one a name */
	assert_non_null(strstr(text, "== 25 threads (I x 25): 25 kernel threads; kworker/* x 25; tids 10-34\n"));
	assert_null(strstr(text, "kworker/0:1"));
	assert_non_null(strstr(text, "== 2 threads (S x 2): deep x 2 (pids 3000, 3001); tids 3000-3001\n"));
	assert_non_null(strstr(text, "... truncated at 2 frames (raise with -n)\n"));
	assert_non_null(strstr(text, "-- 330 threads walked, 330 shown in 6 groups\n"));
	free(text);
	ks_grouping_fini(&g);
}

/*
 * A group of many processes and scattered tids: a count and a span, not
 * hundreds of characters; --verbose lists them all.
 */
void test_text_group_summary(void **state)
{
	struct ks_grouping g;
	struct ks_capture c;
	struct ks_report r = { .walked = 40 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	ks_capture_init(&c, &pool);
	for (i = 0; i < 40; i++) {
		struct ks_cap_thread t = { .tid = 100 + 3 * (uint64_t)i, .tgid = 100 + 3 * (uint64_t)i,
					   .state = 'S', .flags = KS_CAP_USER, .pname = "sleep" };

		snprintf(t.comm, sizeof(t.comm), "sleep");
		assert_non_null(ks_capture_add_frames(&c, &t, stack_sleep, 4, NULL, 0));
	}
	c.walked = c.n;
	ks_grouping_init(&g, KS_GROUP_WHOLE);
	assert_no_error(ks_grouping_add(&g, &c));
	ks_grouping_finish(&g, 0);
	r.g = &g;
	f = open_memstream(&text, &len);
	assert_no_error(ks_report_text(&r, f));
	fclose(f);
	assert_non_null(strstr(text, "== 40 threads (S x 40): sleep x 40 (40 processes: pids 100, 103, "
				     "106, ...); tids 100..217 in 40 ranges\n"));
	free(text);
	r.verbose = true;
	f = open_memstream(&text, &len);
	assert_no_error(ks_report_text(&r, f));
	fclose(f);
	assert_non_null(strstr(text, "(pids 100, 103, 106, 109, 112, "));
	assert_non_null(strstr(text, "; tids 100,103,106,"));
	free(text);
	ks_grouping_fini(&g);
	ks_capture_fini(&c);
}

void test_text_ungrouped(void **state)
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
void test_escaping(void **state)
{
	struct ks_capture c;
	struct ks_grouping g;
	struct ks_cap_frame named = { 0xffffffff81000000ull, "vmlinux!bad\\033[2J;name+0x1/0x2", 0, NULL };
	struct ks_cap_thread t = { .tid = 1, .tgid = 1, .state = 'S', .pname = "x;y\n\x1b\xc3\xa9" };
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
	assert_non_null(strstr(text, "): x;y\\n\\033\\303\\251 x 1 (pid 1); tids 1\n"));
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

void test_json_grouped(void **state)
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

void test_json_ungrouped_filtered(void **state)
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

void test_json_min_count_and_sampled(void **state)
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
void test_not_permitted(void **state)
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
void test_json_reader_rejects(void **state)
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
