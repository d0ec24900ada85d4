// SPDX-License-Identifier: GPL-2.0
/*
 * Demangling (lib/user/demangle.h): C++ as __cxa_demangle (eu-stack, gdb)
 * prints it, Rust legacy and v0 as rustc-demangle's "{:#}" form, symbol
 * versions kept, plain names left alone, and a name whose text would be
 * too long left mangled.
 */
#include "helpers.h"
#include "demangle.h"

static void expect(const char *sym, const char *want)
{
	char *got = ks_demangle(sym);

	if (!want) {
		if (got)
			fail_msg("%s: demangled to \"%s\", want it left alone", sym, got);
		return;
	}
	if (!got)
		fail_msg("%s: not demangled, want \"%s\"", sym, want);
	assert_string_equal(got, want);
	free(got);
}

/* The frames of the C++ program, as eu-stack names them. */
static void cxx(void **state)
{
	(void)state;
	expect("_ZN3kst4work6Waiter4grabERSt5mutex", "kst::work::Waiter::grab(std::mutex&)");
	expect("_ZNSt6thread4joinEv", "std::thread::join()");
	expect("_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const");
	expect("_ZN3foo3barEv.cold", "foo::bar() [clone .cold]");
	expect("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE",
	       "std::condition_variable::wait(std::unique_lock<std::mutex>&)");
}

static void rust_legacy(void **state)
{
	(void)state;
	/* the hash left out, as rustc-demangle's alternate form, gdb and perf show it */
	expect("_ZN7l19rust3kst4work13sleeper_inner17hd5fad9f62e5a5156E",
	       "l19rust::kst::work::sleeper_inner");
	expect("_ZN104_$LT$core..iter..sources..from_fn..FromFn$LT$F$GT$$u20$as$u20$core..iter.."
	       "traits..iterator..Iterator$GT$4next17h5029af7e7bac568fE",
	       "<core::iter::sources::from_fn::FromFn<F> as core::iter::traits::iterator::Iterator>::next");
}

/* v0 (RFC 2603), from Debian's rustc 1.63 -C symbol-mangling-version=v0 */
static void rust_v0(void **state)
{
	(void)state;
	expect("_RNvNtNtCs6Bq21TOhnQv_1t3kst4work13sleeper_inner", "t::kst::work::sleeper_inner");
	/* a generic instance: <T as Trait>::method */
	expect("_RNvXCs6gCmtzjtd6o_7mycrateNtB2_3FooNtB2_3Bar3run", "<mycrate::Foo as mycrate::Bar>::run");
}

/* "name@@VERSION": the name demangled, the version kept */
static void versioned(void **state)
{
	(void)state;
	expect("_ZNSt6thread4joinEv@@GLIBCXX_3.4.11", "std::thread::join()@@GLIBCXX_3.4.11");
	expect("pthread_cond_wait@@GLIBC_2.3.2", NULL);
}

/* C names, and names that only look mangled, stay as they are */
static void not_mangled(void **state)
{
	(void)state;
	expect("main", NULL);
	expect("__libc_start_call_main", NULL);
	expect("_Zbogus", NULL);
	expect("_R", NULL);
	expect("", NULL);
	expect("_", NULL);
}

/*
 * Demangled text is raw bytes (escaped by whoever prints it): a C++
 * identifier holds whatever its length says.
 */
static void bytes_kept_raw(void **state)
{
	(void)state;
	expect("_Z3a\033bv", "a\033b()");
}

/*
 * A short mangled name can stand for an enormous text (each S_ repeats
 * all before it): over KS_DEMANGLE_MAX it is left mangled; a smaller one
 * of the same kind is demangled whole.
 */
static void bounded(void **state)
{
	char *small;

	(void)state;
	expect("_Z1f1PIS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IiiES0_ES1_ES2_ES3_ES4_ES5_ES6_ES7_ES8_ES9_ESA_ESB_E",
	       NULL);
	small = ks_demangle("_Z1g1PIS_IS_IS_IS_IS_IS_IiiES0_ES1_ES2_ES3_ES4_ES5_E");
	assert_non_null(small);
	assert_int_equal(strlen(small), 1085);
	assert_true(!strncmp(small, "g(P<P<P<", 8));
	free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cxx),
		cmocka_unit_test(rust_legacy),
		cmocka_unit_test(rust_v0),
		cmocka_unit_test(versioned),
		cmocka_unit_test(not_mangled),
		cmocka_unit_test(bytes_kept_raw),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
