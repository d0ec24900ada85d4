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

/* kstack PID whose leader called pthread_exit: only workers are recorded */
static void leader_gone_found(void **state)
{
	static uint8_t buf[4096];
	struct ks_snapshot snap = { .buf = buf, .cap = sizeof(buf) };
	struct kstack_snap_thread *r;
	size_t n;

	(void)state;
	n = put_rec(buf, 101, 0, sizeof(*r));	/* a worker of 100 */
	((struct kstack_snap_thread *)buf)->tgid = 100;
	snap.used = n;
	assert_true(ks_snapshot_leader_gone(&snap, 100));
	/* 101 named as a PID: a worker's id, not a process whose leader left */
	assert_false(ks_snapshot_leader_gone(&snap, 101));
	/* the leader recorded too: a normal process */
	r = (void *)(buf + snap.used);
	snap.used += put_rec(buf + snap.used, 100, 0, sizeof(*r));
	r->tgid = 100;
	assert_false(ks_snapshot_leader_gone(&snap, 100));
	/* nothing recorded (a zombie process): not this case */
	snap.used = 0;
	assert_false(ks_snapshot_leader_gone(&snap, 100));
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

/* a frames record with nfix fixups and a tail, as the driver lays it out */
static size_t put_tail_rec(uint8_t *buf, uint64_t tid, uint32_t nr_frames, uint32_t nfix,
			   uint32_t end)
{
	struct kstack_snap_thread r = { 0 };
	struct kstack_snap_tail t = { 0 };
	size_t data = (nr_frames * 8 + 7) & ~(size_t)7, off;

	r.rec_size = (uint32_t)(sizeof(r) + data + nfix * sizeof(struct kstack_ret_fixup) +
				sizeof(t));
	r.tid = tid;
	r.nr_frames = nr_frames;
	r.stack_size = 0x4000;
	r.flags = KSTACK_SNAP_F_TAIL | KSTACK_SNAP_F_USER_REGS;
	memcpy(buf, &r, sizeof(r));
	off = sizeof(r);
	memset(buf + off, 0xab, data);
	off += data;
	for (uint32_t i = 0; i < nfix; i++) {
		struct kstack_ret_fixup f = { .slot = 0x1000 + i * 8, .ret = 0x2000 + i };

		memcpy(buf + off, &f, sizeof(f));
		off += sizeof(f);
	}
	t.end = end;
	t.nr_ret_fixups = nfix;
	t.user.sp = 0x7ffd0000 + tid;
	memcpy(buf + off, &t, sizeof(t));
	return off + sizeof(t);
}

static void tails_found(void **state)
{
	static uint8_t buf[8192];
	struct ks_snapshot snap = { .buf = buf, .cap = sizeof(buf) };
	const struct kstack_snap_thread *r;
	const struct kstack_snap_tail *t;
	const struct kstack_ret_fixup *fx;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	(void)state;
	snap.used += put_tail_rec(buf, 10, 5, 0, KSTACK_END_USER);
	snap.used += put_tail_rec(buf + snap.used, 11, 3, 2, KSTACK_END_UNRELIABLE);
	snap.used += put_rec(buf + snap.used, 12, 8, sizeof(*r) + 8);	/* old driver: no tail */
	r = ks_snapshot_next(&snap, &off, &data, &err);
	assert_non_null(r);
	t = ks_snapshot_tail(r, &fx);
	assert_non_null(t);
	assert_null(fx);
	assert_int_equal(t->end, KSTACK_END_USER);
	assert_int_equal(t->user.sp, 0x7ffd0000 + 10);
	assert_true(ks_snapshot_end_whole(t->end));
	r = ks_snapshot_next(&snap, &off, &data, &err);
	assert_non_null(r);
	t = ks_snapshot_tail(r, &fx);
	assert_non_null(t);
	assert_non_null(fx);
	assert_int_equal(t->nr_ret_fixups, 2);
	assert_int_equal(fx[1].slot, 0x1008);
	assert_int_equal(fx[1].ret, 0x2001);
	assert_false(ks_snapshot_end_whole(t->end));
	r = ks_snapshot_next(&snap, &off, &data, &err);
	assert_non_null(r);
	assert_null(ks_snapshot_tail(r, &fx));
	assert_null(fx);
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_null(err);
	assert_false(ks_snapshot_end_whole(99));
}

static void lying_tails_refused(void **state)
{
	static uint8_t buf[8192];
	struct ks_snapshot snap = { .buf = buf, .cap = sizeof(buf) };
	struct kstack_snap_thread *r = (void *)buf;
	struct kstack_snap_tail *t;
	struct ks_error *err;
	const void *data;
	size_t off;

	(void)state;
	/* more fixups than the record holds */
	snap.used = put_tail_rec(buf, 10, 4, 1, KSTACK_END_USER);
	t = (void *)(buf + snap.used - sizeof(*t));
	t->nr_ret_fixups = 2;
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
	t->nr_ret_fixups = 0x10000001;	/* would wrap a 32-bit product */
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
	/* a tail flag on a record with no room for one */
	snap.used = put_rec(buf, 10, 8, sizeof(*r) + 8);
	r->flags |= KSTACK_SNAP_F_TAIL;
	off = 0;
	assert_null(ks_snapshot_next(&snap, &off, &data, &err));
	assert_non_null(err);
	ks_error_destroy(err);
}

/* A FRAMES record with nframes frames, nfix fixups and a tail ending in end. */
static size_t put_frames_rec(uint8_t *buf, uint32_t nframes, uint32_t nfix, uint32_t end,
			     uint32_t flags)
{
	struct kstack_snap_thread r = { 0 };
	struct kstack_snap_tail t = { 0 };
	size_t size = sizeof(r) + nframes * 8 + nfix * sizeof(struct kstack_ret_fixup) + sizeof(t);
	uint32_t i;

	r.rec_size = (uint32_t)size;
	r.flags = flags | KSTACK_SNAP_F_TAIL;
	r.tid = 77;
	r.nr_frames = nframes;
	memcpy(buf, &r, sizeof(r));
	for (i = 0; i < nframes; i++) {
		uint64_t ip = 0xffffffff81000000ull + i;

		memcpy(buf + sizeof(r) + i * 8, &ip, 8);
	}
	memset(buf + sizeof(r) + nframes * 8, 0xee, nfix * sizeof(struct kstack_ret_fixup));
	t.end = end;
	t.nr_ret_fixups = nfix;
	t.user.ip = 0x401000;
	t.user.sp = 0x7ffd0000;
	memcpy(buf + size - sizeof(t), &t, sizeof(t));
	return size;
}

/* Whole only when the tail says so and no flag says otherwise. */
static void frames_end_rules(void **state)
{
	static uint8_t buf[4096];
	const struct kstack_snap_thread *r = (const void *)buf;
	struct ks_walk_result end;

	(void)state;
	put_frames_rec(buf, 3, 0, KSTACK_END_USER, KSTACK_SNAP_F_USER_REGS);
	assert_true(ks_snapshot_frames_end(r, r + 1, &end));
	assert_int_equal(end.stop, KS_STOP_USER);
	assert_int_equal(end.user_ip, 0x401000);
	assert_int_equal(end.user_sp, 0x7ffd0000);
	assert_int_equal(end.nr, 3);

	put_frames_rec(buf, 3, 0, KSTACK_END_KTHREAD, 0);
	assert_true(ks_snapshot_frames_end(r, r + 1, &end));
	assert_int_equal(end.stop, KS_STOP_END_OF_STACK);

	put_frames_rec(buf, 2, 0, KSTACK_END_LIMIT, KSTACK_SNAP_F_TRUNCATED);
	assert_false(ks_snapshot_frames_end(r, r + 1, &end));
	assert_int_equal(end.stop, KS_STOP_MAX_FRAMES);
	assert_int_equal(end.nr, 2);

	/*
	 * user mode reached through code the kernel's unwinder stepped on its
	 * frame-pointer guess (BPF): whole, as /proc prints it, not reliable
	 */
	put_frames_rec(buf, 4, 0, KSTACK_END_USER, KSTACK_SNAP_F_UNRELIABLE | KSTACK_SNAP_F_USER_REGS);
	assert_true(ks_snapshot_frames_end(r, r + 1, &end));
	assert_int_equal(end.stop, KS_STOP_USER);
	assert_false(end.reliable);

	/* a cut stack is never whole, whatever else the tail says */
	put_frames_rec(buf, 4, 0, KSTACK_END_KTHREAD, KSTACK_SNAP_F_UNRELIABLE);
	assert_false(ks_snapshot_frames_end(r, r + 1, &end));
	assert_int_equal(end.stop, KS_STOP_UNRELIABLE);
	assert_int_equal(end.stop_ip, 0xffffffff81000003ull);	/* after the last frame */

	put_frames_rec(buf, 4, 0, KSTACK_END_UNRELIABLE, 0);
	assert_false(ks_snapshot_frames_end(r, r + 1, &end));
	assert_int_equal(end.stop, KS_STOP_UNRELIABLE);

	put_frames_rec(buf, 4, 0, KSTACK_END_UNKNOWN, 0);
	assert_false(ks_snapshot_frames_end(r, r + 1, &end));

	/* user mode reached, but no registers to show */
	put_frames_rec(buf, 4, 0, KSTACK_END_USER, 0);
	assert_false(ks_snapshot_frames_end(r, r + 1, &end));

	/* no tail at all (an older driver) */
	put_frames_rec(buf, 4, 0, KSTACK_END_USER, KSTACK_SNAP_F_USER_REGS);
	((struct kstack_snap_thread *)buf)->flags &= ~KSTACK_SNAP_F_TAIL;
	assert_false(ks_snapshot_frames_end(r, r + 1, &end));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records_iterated),
		cmocka_unit_test(leader_gone_found),
		cmocka_unit_test(lying_sizes_refused),
		cmocka_unit_test(tails_found),
		cmocka_unit_test(lying_tails_refused),
		cmocka_unit_test(frames_end_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
