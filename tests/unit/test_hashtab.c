// SPDX-License-Identifier: GPL-2.0
/* The shared hash table: lookups through collisions, growth, iteration. */
#include "helpers.h"
#include "hashtab.h"

static bool eq_u64(const void *val, const void *key)
{
	return *(const uint64_t *)val == *(const uint64_t *)key;
}

/* Many keys, half of them on one hash (every probe chain collides): all found. */
static void add_get_collide_grow(void **state)
{
	enum { N = 1000 };
	static uint64_t keys[N];
	struct ks_hashtab t = { 0 };
	size_t i, pos = 0, seen = 0;
	uint64_t miss = 123456789;
	void *v;

	(void)state;
	assert_null(ks_hashtab_get(&t, 1, eq_u64, &miss));	/* empty table */
	assert_true(ks_hashtab_growth_bytes(&t) > 0);
	for (i = 0; i < N; i++) {
		uint64_t h = i % 2 ? 42 : ks_hash_u64(i);

		keys[i] = i * 7;
		assert_null(ks_hashtab_get(&t, h, eq_u64, &keys[i]));
		assert_true(ks_hashtab_add(&t, h, &keys[i]));
		assert_true(t.used * 2 <= t.cap);	/* at most half full */
	}
	assert_int_equal(t.used, N);
	for (i = 0; i < N; i++) {
		uint64_t h = i % 2 ? 42 : ks_hash_u64(i), k = i * 7;

		assert_ptr_equal(ks_hashtab_get(&t, h, eq_u64, &k), &keys[i]);
	}
	/* right hash, key not stored; stored key under another hash */
	assert_null(ks_hashtab_get(&t, 42, eq_u64, &miss));
	assert_null(ks_hashtab_get(&t, ks_hash_u64(1), eq_u64, &keys[1]));
	while ((v = ks_hashtab_next(&t, &pos)))
		seen++;
	assert_int_equal(seen, N);
	ks_hashtab_fini(&t);
	assert_int_equal(t.cap, 0);
	assert_null(ks_hashtab_get(&t, 42, eq_u64, &keys[1]));
}

/* The mix spreads consecutive addresses over the low bits a table indexes by. */
static void hash_spreads_low_bits(void **state)
{
	static uint8_t hit[256];
	size_t i, used = 0;

	(void)state;
	for (i = 0; i < 256; i++)
		hit[ks_hash_u64(0xffffffff81000000ull + i * 16) & 255] = 1;
	for (i = 0; i < 256; i++)
		used += hit[i];
	assert_true(used > 128);	/* a random function fills ~162 of 256 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_get_collide_grow),
		cmocka_unit_test(hash_spreads_low_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
