// SPDX-License-Identifier: GPL-2.0
/* The JSON report, streamed: jansson's bytes in every shape, and a write error mid-stream. */
#include <errno.h>
#include <jansson.h>
#include <unistd.h>

#include "test_report.h"

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

void test_json_streamed_bytes(void **state)
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
void test_json_streamed_distinct_stacks(void **state)
{
	static const enum ks_group_by bys[] = { KS_GROUP_NONE, KS_GROUP_WHOLE };
	static struct ks_cap_frame kf[KSTACK_FRAMES_MAX];
	struct ks_grouping g;
	struct ks_capture c;
	char path[256];
	size_t i, j, b;

	(void)state;
	for (j = 0; j < KSTACK_FRAMES_MAX; j++)
		kf[j] = (struct ks_cap_frame){ 0, stack_sleep[j % 4].name, (uint8_t)(j % 3), NULL };
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
void test_json_write_error(void **state)
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
