// SPDX-License-Identifier: GPL-2.0
/* Frame lines in the seed's format and in /proc/PID/stack's (%pB) form. */
#include "helpers.h"
#include "output.h"
#include "symcache.h"


static void seed_format(void **state)
{
	char buf[256];

	ks_format_frame(buf, sizeof(buf), *state, 0xffffffff81a523d0ull + 0x2dd, false, true);
	assert_string_equal(buf, "ffffffff81a526ad : vmlinux!__schedule+0x2dd/0xa00");
	ks_format_frame(buf, sizeof(buf), *state, 0xffffffffc0a0204cull, false, true);
	assert_string_equal(buf, "ffffffffc0a0204c : kvm!kvm_vcpu_block+0x4c/0x1000");
}

static void unreliable_and_unknown(void **state)
{
	char buf[256];

	ks_format_frame(buf, sizeof(buf), *state, 0xffffffff810cd340ull + 0xda, false, false);
	assert_string_equal(buf, "ffffffff810cd41a : ? vmlinux!kthread+0xda/0x100");
	ks_format_frame(buf, sizeof(buf), *state, 0xffffffff80001000ull, false, true);
	assert_string_equal(buf, "ffffffff80001000 : [unknown]");
}

static void exact_ip_not_shifted(void **state)
{
	char buf[256];

	/* an interrupted ip at a function's first byte is that function's */
	ks_format_frame(buf, sizeof(buf), *state, 0xffffffff81156820ull, true, true);
	assert_string_equal(buf, "ffffffff81156820 : vmlinux!__x64_sys_nanosleep+0x0/0x82b0");	/* fixture is trimmed: next symbol is far */
	ks_format_frame(buf, sizeof(buf), *state, 0xffffffff81156820ull, false, true);
	assert_string_equal(buf, "ffffffff81156820 : vmlinux!hrtimer_nanosleep+0x170/0x170");
}

static void proc_format(void **state)
{
	char buf[256];

	ks_format_proc(buf, sizeof(buf), *state, 0xffffffff811566b0ull + 0x9e);
	assert_string_equal(buf, "hrtimer_nanosleep+0x9e/0x170");
	ks_format_proc(buf, sizeof(buf), *state, 0xffffffffc0a0204cull);
	assert_string_equal(buf, "kvm_vcpu_block+0x4c/0x1000 [kvm]");
}

static void task_states(void **state)
{
	(void)state;
	assert_int_equal(ks_task_state_letter(0), 'R');
	assert_int_equal(ks_task_state_letter(1), 'S');
	assert_int_equal(ks_task_state_letter(2), 'D');
	assert_int_equal(ks_task_state_letter(0x402), 'I');
	assert_int_equal(ks_task_state_letter(4), 'T');
	assert_int_equal(ks_task_state_letter(8), 't');
	assert_int_equal(ks_task_state_letter(0x40), 'P');
}

/* The cache gives what ks_format_symbol gives, and looks each address up once. */
static void symbol_cache(void **state)
{
	struct ks_symcache c;
	char buf[256];
	const char *a, *b;
	uint64_t ip;

	ks_symcache_init(&c, *state);
	a = ks_symcache_name(&c, 0xffffffff81a526adull, false);
	assert_string_equal(a, "vmlinux!__schedule+0x2dd/0xa00");
	b = ks_symcache_name(&c, 0xffffffff81a526adull, false);
	assert_ptr_equal(a, b);
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.misses, 1);
	/* exact and return-address lookups are different entries */
	assert_string_equal(ks_symcache_name(&c, 0xffffffff81156820ull, true),
			    "vmlinux!__x64_sys_nanosleep+0x0/0x82b0");
	assert_string_equal(ks_symcache_name(&c, 0xffffffff81156820ull, false),
			    "vmlinux!hrtimer_nanosleep+0x170/0x170");
	/* past the first table size: entries survive growth */
	for (ip = 0xffffffff81000000ull; ip < 0xffffffff81000000ull + 3000; ip++) {
		ks_format_symbol(buf, sizeof(buf), *state, ip, false);
		assert_string_equal(ks_symcache_name(&c, ip, false), buf);
	}
	assert_string_equal(ks_symcache_name(&c, 0xffffffff81a526adull, false),
			    "vmlinux!__schedule+0x2dd/0xa00");
	assert_string_equal(ks_symcache_name(&c, 0xffffffff80001000ull, false), "[unknown]");
	ks_symcache_fini(&c);
}

/* Names from kallsyms (a module's builder chose them) come out escaped. */
static void names_escaped(void **state)
{
	static const char text[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81000100 T \033[31mred\n"
		"ffffffff81000200 T caf\xc3\xa9\n"
		"ffffffffc0000000 t back\\slash\t[m\033d]\n"
		"ffffffffc0000100 t end\t[m\033d]\n";
	struct ks_ksyms ks;
	struct ks_symcache c;
	char *copy = strdup(text), buf[256];

	(void)state;
	assert_no_error(ks_ksyms_parse(&ks, copy, strlen(text)));
	ks_format_frame(buf, sizeof(buf), &ks, 0xffffffff81000110ull, false, true);
	assert_string_equal(buf, "ffffffff81000110 : vmlinux!\\033[31mred+0x10/0x100");
	ks_format_symbol(buf, sizeof(buf), &ks, 0xffffffff81000201ull, true);
	assert_string_equal(buf, "vmlinux!caf\\303\\251+0x1");
	ks_format_symbol(buf, sizeof(buf), &ks, 0xffffffffc0000010ull, true);
	assert_string_equal(buf, "m\\033d!back\\\\slash+0x10/0x100");
	ks_format_proc(buf, sizeof(buf), &ks, 0xffffffffc0000010ull);
	assert_string_equal(buf, "back\\\\slash+0x10/0x100 [m\\033d]");
	/* a buffer too short: cut, terminated, no half escape */
	ks_format_symbol(buf, 11, &ks, 0xffffffff81000110ull, true);
	assert_string_equal(buf, "vmlinux!");
	ks_symcache_init(&c, &ks);
	assert_string_equal(ks_symcache_name(&c, 0xffffffff81000110ull, false),
			    "vmlinux!\\033[31mred+0x10/0x100");
	ks_symcache_fini(&c);
	ks_ksyms_fini(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(seed_format, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(unreliable_and_unknown, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(exact_ip_not_shifted, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(proc_format, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test(task_states),
		cmocka_unit_test(names_escaped),
		cmocka_unit_test_setup_teardown(symbol_cache, ksyms_fixture_setup, ksyms_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
