// SPDX-License-Identifier: GPL-2.0
/*
 * vmlinux's ORC read on demand through the kernel's block index must answer
 * exactly like the fully loaded table, read only what it needs, and refuse
 * an index or a layout that does not add up.
 */
#include "helpers.h"
#include "orc_lazy.h"

#define TEXT 0xffffffff81000000ull
#define TEXT_LEN 0x4000ull
#define IPTAB 0xffffffff82c00000ull
#define ORCTAB 0xffffffff82e00000ull
#define LOOKUP 0xffffffff83000000ull
#define N 300
#define ORDER 8
#define NLOOKUP ((TEXT_LEN >> ORDER) + 1)

struct mem {
	uint8_t ip[4 * N], orc[6 * N];
	uint32_t lookup[NLOOKUP];
	uint64_t ips[N];
	size_t reads, bytes;
	bool fail;
};

static struct ks_error *mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct mem *m = ctx;
	const struct { uint64_t base; const void *p; size_t len; } r[] = {
		{ IPTAB, m->ip, sizeof(m->ip) }, { ORCTAB, m->orc, sizeof(m->orc) },
		{ LOOKUP, m->lookup, sizeof(m->lookup) },
	};

	m->reads++;
	m->bytes += len;
	for (size_t i = 0; i < 3 && !m->fail; i++) {
		if (addr >= r[i].base && addr + len <= r[i].base + r[i].len) {
			memcpy(buf, (const uint8_t *)r[i].p + (addr - r[i].base), len);
			return NULL;
		}
	}
	return ks_error_format(EPERM, "no memory at %#llx", (unsigned long long)addr);
}

/* Entries every 0x20..0x5f bytes from TEXT; the index built as the kernel does. */
static void make_mem(struct mem *m, unsigned type_every)
{
	uint64_t ip = TEXT;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < N; i++) {
		bool weak = type_every && i % type_every;

		m->ips[i] = ip;
		raw_ip(m->ip, IPTAB, i, ip);
		raw_orc_v1(m->orc + 6 * i, (int16_t)(8 + i % 100), 0, weak ? 0 : KS_ORC_REG_SP, 0, 0, 0);
		ip += 0x20 + (i * 7) % 0x40;
	}
	for (size_t b = 0; b < NLOOKUP; b++) {
		uint64_t at = TEXT + (b << ORDER);
		size_t last = 0;

		for (size_t i = 0; i < N; i++)
			if (m->ips[i] <= at)
				last = i;
		m->lookup[b] = (uint32_t)last;
	}
}

static struct kstack_kernel_info info(void)
{
	struct kstack_kernel_info ki = { 0 };

	ki.text_start = TEXT;
	ki.text_end = TEXT + TEXT_LEN;
	ki.orc_ip_start = IPTAB;
	ki.orc_ip_end = IPTAB + 4 * N;
	ki.orc_start = ORCTAB;
	ki.orc_end = ORCTAB + 6 * N;
	ki.orc_lookup_start = LOOKUP;
	ki.orc_lookup_end = LOOKUP + 4 * NLOOKUP;
	ki.orc_lookup_block_order = ORDER;
	return ki;
}

static void same_answers_as_full_table(void **state)
{
	static struct mem m;
	struct kstack_kernel_info ki = info();
	struct ks_orc_table *lazy, *full;
	size_t reads;

	(void)state;
	make_mem(&m, 0);
	assert_no_error(ks_orc_lazy_table("vmlinux", KS_ORC_LAYOUT_V1, mem_read, &m, &ki, &lazy));
	assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V1, m.ip, IPTAB, m.orc, N,
					      TEXT, TEXT + TEXT_LEN, &full));
	reads = m.reads;
	for (uint64_t pc = TEXT; pc < TEXT + TEXT_LEN; pc += 3) {
		const struct ks_orc *a = ks_orc_table_find(lazy, pc), *b = ks_orc_table_find(full, pc);

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(a->sp_offset, b->sp_offset);
		assert_int_equal(a->sp_reg, b->sp_reg);
	}
	/* two reads (ips, entries) per block touched, never more */
	assert_true(m.reads - reads <= 2 * (NLOOKUP - 1));
	assert_null(ks_orc_table_find(lazy, TEXT - 1));
	assert_null(ks_orc_table_find(lazy, TEXT + TEXT_LEN + 0x1000));
	ks_orc_table_destroy(lazy);
	ks_orc_table_destroy(full);
}

static void reads_only_blocks_used(void **state)
{
	static struct mem m;
	struct kstack_kernel_info ki = info();
	struct ks_orc_table *lazy;
	size_t reads;

	(void)state;
	make_mem(&m, 0);
	assert_no_error(ks_orc_lazy_table("vmlinux", KS_ORC_LAYOUT_V1, mem_read, &m, &ki, &lazy));
	reads = m.reads;
	for (int i = 0; i < 100; i++)
		assert_non_null(ks_orc_table_find(lazy, TEXT + 0x1234));
	assert_int_equal(m.reads - reads, 2);	/* one block, cached */
	ks_orc_table_destroy(lazy);
}

static void unreadable_block_is_no_entry(void **state)
{
	static struct mem m;
	struct kstack_kernel_info ki = info();
	struct ks_orc_table *lazy;

	(void)state;
	make_mem(&m, 0);
	assert_no_error(ks_orc_lazy_table("vmlinux", KS_ORC_LAYOUT_V1, mem_read, &m, &ki, &lazy));
	m.fail = true;
	assert_null(ks_orc_table_find(lazy, TEXT + 0x2000));
	m.fail = false;	/* remembered as unreadable: no retry storm */
	assert_null(ks_orc_table_find(lazy, TEXT + 0x2000));
	ks_orc_table_destroy(lazy);
}

static void bad_index_refused(void **state)
{
	static struct mem m;
	struct kstack_kernel_info ki = info();
	struct ks_orc_table *lazy = NULL;
	struct ks_error *err;

	(void)state;
	make_mem(&m, 0);
	m.lookup[5] = m.lookup[4] - 1;	/* goes backwards */
	err = ks_orc_lazy_table("vmlinux", KS_ORC_LAYOUT_V1, mem_read, &m, &ki, &lazy);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "inconsistent"));
	ks_error_destroy(err);
	ki = info();
	ki.orc_end -= 6;	/* ip and entry counts disagree */
	make_mem(&m, 0);
	err = ks_orc_lazy_table("vmlinux", KS_ORC_LAYOUT_V1, mem_read, &m, &ki, &lazy);
	assert_non_null(err);
	ks_error_destroy(err);
	assert_null(lazy);
}

static void wrong_layout_refused(void **state)
{
	static struct mem m;
	struct kstack_kernel_info ki = info();
	struct ks_orc_table *lazy = NULL;
	struct ks_error *err;

	(void)state;
	make_mem(&m, 4);	/* 3 of 4 entries undefined: not real code */
	err = ks_orc_lazy_table("vmlinux", KS_ORC_LAYOUT_V1, mem_read, &m, &ki, &lazy);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "sanity"));
	ks_error_destroy(err);
	assert_null(lazy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_answers_as_full_table),
		cmocka_unit_test(reads_only_blocks_used),
		cmocka_unit_test(unreadable_block_is_no_entry),
		cmocka_unit_test(bad_index_refused),
		cmocka_unit_test(wrong_layout_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
