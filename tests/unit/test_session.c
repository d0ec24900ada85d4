// SPDX-License-Identifier: GPL-2.0
/*
 * The session's kernel text bounds (--raw's stext/etext): from KERNEL_INFO
 * when kallsyms was never loaded (the fast path), from kallsyms otherwise,
 * and never zeros passed off as bounds.
 */
#include "helpers.h"
#include "session.h"

static void text_bounds_from_kernel_info(void **state)
{
	static struct ks_session s;
	uint64_t start = 1, end = 1;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* neither source: said, and zeros are not bounds */
	assert_false(ks_session_text_bounds(&s, &start, &end));
	assert_int_equal(start, 0);
	assert_int_equal(end, 0);
	/* KERNEL_INFO alone, kallsyms never parsed (ksyms.stext 0) */
	s.kinfo.text_start = 0xffffffff8a000000ull;
	s.kinfo.text_end = 0xffffffff8ae01d32ull;
	assert_true(ks_session_text_bounds(&s, &start, &end));
	assert_int_equal(start, 0xffffffff8a000000ull);
	assert_int_equal(end, 0xffffffff8ae01d32ull);
	/* kallsyms alone */
	memset(&s, 0, sizeof(s));
	s.ksyms.stext = 0xffffffff81000000ull;
	s.ksyms.etext = 0xffffffff81e00000ull;
	assert_true(ks_session_text_bounds(&s, &start, &end));
	assert_int_equal(start, 0xffffffff81000000ull);
	assert_int_equal(end, 0xffffffff81e00000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_bounds_from_kernel_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
