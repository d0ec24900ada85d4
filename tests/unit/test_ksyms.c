// SPDX-License-Identifier: GPL-2.0
/*
 * The kallsyms symbolizer on a fixture cut from the 6.1 VM's /proc/kallsyms
 * (booted nokaslr) plus hand-written module lines; see fixtures/README.md.
 */
#include "helpers.h"
#include "ksyms.h"
#include "read_file.h"

#include <unistd.h>

static void expect(const struct ks_ksyms *ks, uint64_t addr, const char *name,
		   const char *owner, uint64_t off, uint64_t size)
{
	struct ks_symbol s;

	if (!ks_ksyms_lookup(ks, addr, &s))
		fail_msg("%#llx: no symbol, want %s", (unsigned long long)addr, name);
	assert_string_equal(s.name, name);
	assert_string_equal(s.owner, owner);
	assert_int_equal(s.offset, off);
	assert_int_equal(s.size, size);
}

static void first_symbol_and_aliases(void **state)
{
	/* startup_64, _stext and _text share an address: the kernel names
	 * the first in its own order, which is the file's. */
	expect(*state, 0xffffffff81000000ull, "startup_64", "vmlinux", 0, 0x70);
	expect(*state, 0xffffffff8100006full, "startup_64", "vmlinux", 0x6f, 0x70);
}

static void address_between_symbols(void **state)
{
	expect(*state, 0xffffffff81a52dd0ull + 0x40, "schedule", "vmlinux", 0x40, 0xd0);
	expect(*state, 0xffffffff811566b0ull + 0x9e, "hrtimer_nanosleep", "vmlinux", 0x9e, 0x170);
}

static void return_address_at_function_end(void **state)
{
	struct ks_symbol s;

	/* a call as the last instruction returns to the next function's
	 * first byte; like %pB we name the caller */
	assert_true(ks_ksyms_lookup_return(*state, 0xffffffff81156820ull, &s));
	assert_string_equal(s.name, "hrtimer_nanosleep");
	assert_int_equal(s.offset, 0x170);
	assert_true(ks_ksyms_lookup(*state, 0xffffffff81156820ull, &s));
	assert_string_equal(s.name, "__x64_sys_nanosleep");
}

static void before_first_and_after_last(void **state)
{
	struct ks_symbol s;

	assert_false(ks_ksyms_lookup(*state, 0xffffffff80000000ull, &s));
	assert_false(ks_ksyms_lookup(*state, 0x1000, &s));	/* per-cpu 'A' symbols skipped */
	/* the last vmlinux symbol has no known size: only its first page */
	expect(*state, 0xffffffff84a00010ull, "__init_scratch_end", "vmlinux", 0x10, 0);
	assert_false(ks_ksyms_lookup(*state, 0xffffffff84b00000ull, &s));
}

static void module_symbols(void **state)
{
	struct ks_ksyms *ks = *state;

	/* module lines are unsorted in the file; sizes stop at the module's
	 * next symbol, never at another owner's */
	expect(ks, 0xffffffffc0a02000ull + 0x4c, "kvm_vcpu_block", "kvm", 0x4c, 0x1000);
	expect(ks, 0xffffffffc0a01000ull, "kvm_vcpu_halt", "kvm", 0, 0x1000);
	expect(ks, 0xffffffffc0b00010ull, "e1000_clean", "e1000", 0x10, 0x400);
	expect(ks, 0xffffffffc0201000ull + 5, "ftrace_trampoline", "__builtin__ftrace", 5, 0);
}

static void markers_found(void **state)
{
	struct ks_ksyms *ks = *state;

	assert_int_equal(ks->stext, 0xffffffff81000000ull);
	assert_int_equal(ks->etext, 0xffffffff81e01d32ull);
	assert_int_equal(ks->ret_from_fork, 0xffffffff810032d0ull);
	assert_int_equal(ks_ksyms_addr(ks, "__start_orc_unwind_ip"), 0xffffffff82c5f474ull);
	assert_int_equal(ks_ksyms_addr(ks, "no_such_symbol"), 0);
}

static void sched_functions(void **state)
{
	struct ks_ksyms *ks = *state;

	assert_true(ks_ksyms_in_sched(ks, 0xffffffff81a523d0ull + 0x2dd));	/* __schedule */
	assert_true(ks_ksyms_in_sched(ks, 0xffffffff81a58920ull + 0x10));	/* do_nanosleep */
	assert_true(ks_ksyms_in_sched(ks, 0xffffffff81a5a000ull + 4));		/* _raw_spin_lock */
	assert_false(ks_ksyms_in_sched(ks, 0xffffffff811566b0ull + 0x9e));	/* hrtimer_nanosleep */
	assert_false(ks_ksyms_in_sched(ks, 0xffffffff81a5917aull));		/* __sched_text_end */
}

static void text_addresses(void **state)
{
	struct ks_ksyms *ks = *state;

	assert_true(ks_ksyms_is_text(ks, 0xffffffff810cd340ull + 0xda));	/* kthread */
	assert_false(ks_ksyms_is_text(ks, 0xffffffff82000010ull));		/* rodata */
	assert_true(ks_ksyms_is_text(ks, 0xffffffffc0a02010ull));		/* kvm text */
	assert_false(ks_ksyms_is_text(ks, 0xffffffffc0a04010ull));		/* kvm data */
	assert_false(ks_ksyms_is_text(ks, 0x7ffc12345678ull));			/* user */
}

static void unprivileged_reader_sees_zeros(void **state)
{
	char text[] = "0000000000000000 T _stext\n0000000000000000 T schedule\n";
	struct ks_ksyms ks;
	struct ks_symbol s;

	(void)state;
	assert_no_error(ks_ksyms_parse(&ks, strdup(text), strlen(text)));
	assert_false(ks_ksyms_has_addresses(&ks));
	assert_false(ks_ksyms_lookup(&ks, 0, &s));
	ks_ksyms_fini(&ks);
}

static void malformed_line_reported(void **state)
{
	char text[] = "ffffffff81000000 T _stext\nthis is not kallsyms\n";
	struct ks_ksyms ks;
	struct ks_error *err;

	(void)state;
	err = ks_ksyms_parse(&ks, strdup(text), strlen(text));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "line 2"));
	ks_error_destroy(err);
}

static void missing_file_reported(void **state)
{
	struct ks_ksyms ks;
	struct ks_error *err = ks_ksyms_load(&ks, "/nonexistent/kallsyms");

	(void)state;
	assert_non_null(err);
	assert_int_equal(err->code, ENOENT);
	ks_error_destroy(err);
}

/* The whole-file reader under ks_ksyms_load(): grows past its first buffer, keeps its bound. */
static void whole_file_read(void **state)
{
	char path[] = "/tmp/ks_read_fileXXXXXX", data[10000], *text;
	struct ks_error *err;
	size_t len, i;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	close(fd);
	assert_no_error(ks_read_file(path, 16, 0, &text, &len));
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(text, data, len);
	assert_int_equal(text[len], '\0');
	free(text);
	/* one byte over the bound: refused, nothing to free */
	err = ks_read_file(path, 16, sizeof(data) - 1, &text, &len);
	assert_non_null(err);
	assert_int_equal(err->code, EFBIG);
	assert_null(text);
	ks_error_destroy(err);
	assert_no_error(ks_read_file(path, 0, sizeof(data), &text, &len));
	free(text);
	unlink(path);
	err = ks_read_file(path, 0, 0, &text, &len);
	assert_non_null(err);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->message, path));
	ks_error_destroy(err);
}

/* Damaged input: an error or a table, never a crash (run under ASan too). */
static void mutated_input_never_crashes(void **state)
{
	static const char junk[] = "\n\t [] T0f";
	size_t len, i;
	char *orig = read_fixture("kallsyms-6.1-nokaslr.txt", &len);
	int round;

	(void)state;
	srand(11);
	for (round = 0; round < 2000; round++) {
		char *text = malloc(len + 1);
		size_t cut = (size_t)rand() % (len + 1);
		struct ks_ksyms ks;
		struct ks_symbol sym;
		struct ks_error *err;

		memcpy(text, orig, len + 1);
		for (i = 0; i < 8; i++)
			text[(size_t)rand() % len] = junk[rand() % (sizeof(junk) - 1)];
		text[cut] = '\0';
		err = ks_ksyms_parse(&ks, text, cut);	/* also cut mid-line */
		if (err) {
			ks_error_destroy(err);
			continue;
		}
		for (i = 0; i < 64; i++)
			ks_ksyms_lookup_return(&ks, 0xffffffff81000000ull + (uint64_t)rand() * 16, &sym);
		ks_ksyms_fini(&ks);
	}
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_symbol_and_aliases, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(address_between_symbols, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(return_address_at_function_end, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(before_first_and_after_last, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(module_symbols, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(markers_found, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(sched_functions, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(text_addresses, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test(unprivileged_reader_sees_zeros),
		cmocka_unit_test(malformed_line_reported),
		cmocka_unit_test(missing_file_reported),
		cmocka_unit_test(whole_file_read),
		cmocka_unit_test(mutated_input_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
