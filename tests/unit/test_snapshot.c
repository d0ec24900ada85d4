// SPDX-License-Identifier: GPL-2.0
/* SNAPSHOT records: iteration and refusal of records whose sizes lie. */
#include "helpers.h"
#include "snapshot.h"

static size_t put_rec(uint8_t *buf, uint64_t tid, uint32_t raw_len, uint32_t rec_size)
{
	struct kstack_snap_thread r = { 0 };

	r.rec_size = rec_size;
	r.tid = tid;
	r.raw_len = raw_len;
	r.stack_size = 0x4000;
	memcpy(buf, &r, sizeof(r));
	memset(buf + sizeof(r), 0xab, rec_size - sizeof(r));
	return rec_size;
}

static void records_iterated(void **state)
{
	static uint8_t buf[4096];
	struct ks_snapshot snap = { .buf = buf, .cap = sizeof(buf) };
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0, n = 0;

	(void)state;
	snap.used += put_rec(buf, 10, 64, sizeof(*r) + 64);
	snap.used += put_rec(buf + snap.used, 11, 0, sizeof(*r));	/* running: no data */
	snap.used += put_rec(buf + snap.used, 12, 5, sizeof(*r) + 8);	/* padded to 8 */
	while ((r = ks_snapshot_next(&snap, &off, &data, &err))) {
		assert_ptr_equal(data, r + 1);
		assert_int_equal(r->tid, 10 + n);
		n++;
	}
	assert_null(err);
	assert_int_equal(n, 3);
}

static void lying_sizes_refused(void **state)
{
	static uint8_t buf[4096];
	struct ks_snapshot snap = { .buf = buf, .cap = sizeof(buf) };
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off;

	(void)state;
	/* data longer than the record */
	snap.used = put_rec(buf, 10, 128, sizeof(*r) + 64);
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
	/* record longer than the buffer's used part */
	snap.used = put_rec(buf, 10, 0, sizeof(*r) + 64) - 8;
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
	/* rec_size not a multiple of 8, or too small to step on */
	snap.used = put_rec(buf, 10, 0, sizeof(*r) + 4) + 4;
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
	memset(buf, 0, sizeof(*r));
	snap.used = sizeof(*r);
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records_iterated),
		cmocka_unit_test(lying_sizes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
