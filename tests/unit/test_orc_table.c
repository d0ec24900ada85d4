// SPDX-License-Identifier: GPL-2.0
/* ORC table building, lookup and the layout sanity test. */
#include "helpers.h"
#include "orc_table.h"

#define BASE 0xffffffff81000000ull
#define IPTAB 0xffffffff82c00000ull	/* where the ip array "lives" */

/* Build a V1 table of n CALL entries at the given ips (sp_offset = i). */
static struct ks_orc_table *make_table(const uint64_t *ips, const uint8_t *types, size_t n,
				       uint64_t start, uint64_t end)
{
	uint8_t *ipraw = malloc(4 * n), *orcraw = malloc(6 * n);
	struct ks_orc_table *t;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned type = types ? types[i] : 0;
		unsigned sp_reg = type == 9 ? 0 : KS_ORC_REG_SP;	/* 9: weak terminator */

		raw_ip(ipraw, IPTAB, i, ips[i]);
		raw_orc_v1(orcraw + 6 * i, (int16_t)(8 + i), 0, sp_reg, 0, type == 9 ? 0 : type, 0);
	}
	assert_no_error(ks_orc_table_from_raw("test", KS_ORC_LAYOUT_V1, ipraw, IPTAB, orcraw, n,
					      start, end, &t));
	free(ipraw);
	free(orcraw);
	return t;
}

static void relative_ips_decoded(void **state)
{
	uint64_t ips[] = { BASE + 0x10, BASE + 0x20, BASE + 0x400 };
	struct ks_orc_table *t = make_table(ips, NULL, 3, BASE, BASE + 0x1000);

	(void)state;
	assert_int_equal(t->n, 3);
	assert_int_equal(t->ips[0], BASE + 0x10);
	assert_int_equal(t->ips[2], BASE + 0x400);
	ks_orc_table_destroy(t);
}

static void find_last_entry_at_or_below(void **state)
{
	uint64_t ips[] = { BASE + 0x10, BASE + 0x20, BASE + 0x400 };
	struct ks_orc_table *t = make_table(ips, NULL, 3, BASE, BASE + 0x1000);

	(void)state;
	assert_null(ks_orc_table_find(t, BASE + 0xf));			/* before the first */
	assert_int_equal(ks_orc_table_find(t, BASE + 0x10)->sp_offset, 8);	/* exact */
	assert_int_equal(ks_orc_table_find(t, BASE + 0x1f)->sp_offset, 8);	/* between */
	assert_int_equal(ks_orc_table_find(t, BASE + 0x20)->sp_offset, 9);
	assert_int_equal(ks_orc_table_find(t, BASE + 0x3ff)->sp_offset, 9);
	assert_int_equal(ks_orc_table_find(t, BASE + 0xfff)->sp_offset, 10);	/* last */
	assert_int_equal(ks_orc_table_find(t, BASE + 0x5000)->sp_offset, 10);	/* past range */
	ks_orc_table_destroy(t);
}

static void weak_terminator_loses_to_real_entry(void **state)
{
	/* Same ip twice, terminator listed second: sorting must put it first
	 * so the real entry is the rightmost match (as the kernel sorts). */
	uint64_t ips[] = { BASE + 0x10, BASE + 0x40, BASE + 0x40, BASE + 0x80 };
	uint8_t types[] = { 0, 0, 9, 0 };
	struct ks_orc_table *t = make_table(ips, types, 4, BASE, BASE + 0x100);
	const struct ks_orc *o;

	(void)state;
	o = ks_orc_table_find(t, BASE + 0x41);
	assert_non_null(o);
	assert_int_equal(o->type, KS_ORC_TYPE_CALL);
	assert_int_equal(o->sp_offset, 9);
	ks_orc_table_destroy(t);
}

static void unsorted_input_sorted(void **state)
{
	uint64_t ips[] = { BASE + 0x300, BASE + 0x100, BASE + 0x200 };
	struct ks_orc_table *t = make_table(ips, NULL, 3, BASE, BASE + 0x1000);

	(void)state;
	assert_int_equal(t->ips[0], BASE + 0x100);
	assert_int_equal(t->ips[2], BASE + 0x300);
	assert_int_equal(ks_orc_table_find(t, BASE + 0x150)->sp_offset, 9);
	assert_int_equal(ks_orc_table_find(t, BASE + 0x350)->sp_offset, 8);
	ks_orc_table_destroy(t);
}

/* The block index must give exactly what a linear scan gives. */
static void block_index_matches_linear_scan(void **state)
{
	enum { N = 5000, PROBES = 200000 };
	uint64_t *ips = malloc(N * sizeof(*ips)), span = 1 << 20, ip = BASE + 0x40;
	struct ks_orc_table *t;
	size_t i, p;

	(void)state;
	srand(4);
	for (i = 0; i < N; i++) {
		ips[i] = ip;
		ip += (uint64_t)(rand() % 400);	/* gaps of 0..399 bytes, duplicates too */
	}
	t = make_table(ips, NULL, N, BASE, BASE + span);
	for (p = 0; p < PROBES; p++) {
		uint64_t pc = BASE + (uint64_t)rand() % (span + 0x1000);
		const struct ks_orc *got = ks_orc_table_find(t, pc), *want = NULL;

		for (i = 0; i < N; i++)
			if (t->ips[i] <= pc)
				want = &t->entries[i];
		if (got != want)
			fail_msg("pc %#llx: got entry %td, want %td", (unsigned long long)pc,
				 got ? got - t->entries : -1, want ? want - t->entries : -1);
		if (p > 20000)	/* the linear scan is slow: sample densely, then stop */
			break;
	}
	ks_orc_table_destroy(t);
	free(ips);
}

static void empty_table_refused(void **state)
{
	struct ks_orc_table *t;
	struct ks_error *err;
	uint8_t dummy[8] = { 0 };

	(void)state;
	err = ks_orc_table_from_raw("empty", KS_ORC_LAYOUT_V1, dummy, IPTAB, dummy, 0, BASE,
				    BASE + 16, &t);
	assert_non_null(err);
	ks_error_destroy(err);
}

static void set_routes_by_range(void **state)
{
	uint64_t a[] = { BASE + 0x10 }, b[] = { 0xffffffffc0000010ull };
	struct ks_orc_set set = { 0 };
	struct ks_error *err;

	(void)state;
	assert_no_error(ks_orc_set_add(&set, make_table(b, NULL, 1, 0xffffffffc0000000ull,
							0xffffffffc0001000ull)));
	assert_no_error(ks_orc_set_add(&set, make_table(a, NULL, 1, BASE, BASE + 0x1000)));
	assert_int_equal(set.count, 2);
	assert_non_null(ks_orc_set_find(&set, BASE + 0x20));
	assert_non_null(ks_orc_set_find(&set, 0xffffffffc0000020ull));
	assert_null(ks_orc_set_find(&set, BASE + 0x2000));	/* between the tables */
	assert_null(ks_orc_set_find(&set, 0x400000));		/* user address */
	err = ks_orc_set_add(&set, make_table(a, NULL, 1, BASE + 0x800, BASE + 0x1800));
	assert_non_null(err);					/* overlap */
	ks_error_destroy(err);
	ks_orc_set_clear(&set);
}

/* The real 6.1 entries (fixture cut from Debian's vmlinux). */
struct fixture {
	uint64_t ipaddr, n;
	uint8_t *ip, *orc;
	char *buf;
};

static void load_fixture(struct fixture *f)
{
	size_t len;

	f->buf = read_fixture("orc-6.1-subset.bin", &len);
	assert_true(len > 24 && !memcmp(f->buf, "KSORCFX1", 8));
	memcpy(&f->ipaddr, f->buf + 8, 8);
	memcpy(&f->n, f->buf + 16, 8);
	assert_int_equal(len, 24 + 10 * f->n);
	f->ip = (uint8_t *)f->buf + 24;
	f->orc = f->ip + 4 * f->n;
}

static void real_table_v1_passes_sanity(void **state)
{
	struct fixture f;
	struct ks_orc_table *t;
	struct ks_orc_stats s;
	const struct ks_orc *o;

	(void)state;
	load_fixture(&f);
	assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V1, f.ip, f.ipaddr, f.orc,
					      f.n, 0xffffffff81000000ull, 0xffffffff81e01d32ull, &t));
	assert_no_error(ks_orc_table_check(t, true, &s));
	assert_true(s.call > f.n / 2);
	assert_true(s.end_of_stack >= 1);
	/* ret_from_fork+0x22 returns from the kthread function: end of stack */
	o = ks_orc_table_find(t, 0xffffffff810032d0ull + 0x22 - 1);
	assert_non_null(o);
	assert_int_equal(o->type, KS_ORC_TYPE_END_OF_STACK);
	/* entry_SYSCALL_64_after_hwframe+0x6e: the user pt_regs sit at sp */
	o = ks_orc_table_find(t, 0xffffffff81c000b8ull + 0x6e - 1);
	assert_non_null(o);
	assert_int_equal(o->type, KS_ORC_TYPE_REGS);
	assert_int_equal(o->sp_reg, KS_ORC_REG_SP);
	/* an ordinary C frame */
	o = ks_orc_table_find(t, 0xffffffff811566b0ull + 0x9e - 1);
	assert_non_null(o);
	assert_int_equal(o->type, KS_ORC_TYPE_CALL);
	ks_orc_table_destroy(t);
	free(f.buf);
}

static void real_table_wrong_layout_refused(void **state)
{
	struct fixture f;
	struct ks_orc_table *t;
	struct ks_error *err;

	(void)state;
	load_fixture(&f);
	/* V1 data read as V3: decodes, but fails the sanity test */
	assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V3, f.ip, f.ipaddr, f.orc,
					      f.n, 0xffffffff81000000ull, 0xffffffff81e01d32ull, &t));
	err = ks_orc_table_check(t, true, NULL);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "wrong layout"));
	ks_error_destroy(err);
	ks_orc_table_destroy(t);
	/* V1 data read as V2: no end-of-stack entry left */
	assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V2, f.ip, f.ipaddr, f.orc,
					      f.n, 0xffffffff81000000ull, 0xffffffff81e01d32ull, &t));
	err = ks_orc_table_check(t, true, NULL);
	assert_non_null(err);
	ks_error_destroy(err);
	ks_orc_table_destroy(t);
	free(f.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relative_ips_decoded),
		cmocka_unit_test(find_last_entry_at_or_below),
		cmocka_unit_test(weak_terminator_loses_to_real_entry),
		cmocka_unit_test(unsorted_input_sorted),
		cmocka_unit_test(block_index_matches_linear_scan),
		cmocka_unit_test(empty_table_refused),
		cmocka_unit_test(set_routes_by_range),
		cmocka_unit_test(real_table_v1_passes_sanity),
		cmocka_unit_test(real_table_wrong_layout_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
