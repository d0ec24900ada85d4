// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The driver's load-time KTHREAD check (driver/windows/kstack_kthread_*.c),
 * run on the host over fake KTHREAD images: for every layout of both
 * architectures' tables and candidate lists, an image built the way that
 * kernel lays the probe thread out must pass, and each way it can be wrong
 * (not waiting, other wait reason, limits off, saved sp outside the stack,
 * no context switch, image too short) must fail with its own bit. Then the
 * cases the issue names: ReactOS (build 3790) must get ReactOS's layout,
 * never XP's; a listed build whose layout does not fit gets none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kstack_kthread.h"

#define IMG 0x400

struct fake {
	uint8_t first[IMG], second[IMG];
	struct kstack_kthread_probe probe;
};

static void put(uint8_t *img, uint16_t off, uint64_t v, unsigned bytes)
{
	unsigned i;

	for (i = 0; i < bytes; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

/* What l's kernel shows for the probe thread: both waits, one switch. */
static void fake_build(struct fake *f, const struct kstack_kthread_layout *l)
{
	uint64_t base = l->ptr_size == 8 ? 0xfffff80012340000ull : 0x8a120000ull;
	uint64_t low = base, high = base + 0x6000;
	int pass;

	memset(f, 0xcc, sizeof(*f));	/* garbage everywhere else */
	f->probe.stack_low = low;
	f->probe.stack_high = high;
	f->probe.waiter_sp = high - 0x300;
	for (pass = 0; pass < 2; pass++) {
		uint8_t *img = pass ? f->second : f->first;

		/* each kernel's own rule (kstack_kthread.h, high_exact) */
		put(img, l->initial_stack, l->high_exact ?
		    high + l->high_below_initial : high - 0x210, l->ptr_size);
		put(img, l->stack_limit, low, l->ptr_size);
		put(img, l->kernel_stack, high - 0x500 - 0x40 * pass, l->ptr_size);
		put(img, l->state, KSTACK_THREAD_STATE_WAITING, 1);
		put(img, l->wait_reason, pass ? KSTACK_PROBE_REASON_SECOND :
			 KSTACK_PROBE_REASON_FIRST, 1);
		put(img, l->context_switches, 41 + 2 * pass, 4);
	}
}

static uint32_t fake_check(const struct kstack_kthread_layout *l, struct fake *f)
{
	return kstack_kthread_check(l, f->first, f->second, IMG, &f->probe);
}

/* Every table entry and candidate, of both architectures. */
static void for_each_layout(void (*fn)(const struct kstack_kthread_layout *))
{
	const struct kstack_kthread_arch *arches[] = {
		&kstack_kthread_x86, &kstack_kthread_x64,
	};
	size_t a, i;

	for (a = 0; a < 2; a++) {
		for (i = 0; i < arches[a]->nr_builds; i++)
			fn(arches[a]->builds[i].layout);
		for (i = 0; i < arches[a]->nr_candidates; i++)
			fn(arches[a]->candidates[i]);
	}
}

static void one_passes(const struct kstack_kthread_layout *l)
{
	static struct fake f;

	fake_build(&f, l);
	assert_int_equal(fake_check(l, &f), 0);
	assert_true(kstack_kthread_extent(l) <= IMG);
	assert_true(l->id != KSTACK_KTHREAD_NONE);
	assert_non_null(l->source);
}

static void every_layout_passes_its_own_image(void **state)
{
	(void)state;
	for_each_layout(one_passes);
}

static void one_fails_each_way(const struct kstack_kthread_layout *l)
{
	static struct fake f;

	fake_build(&f, l);	/* running, not waiting */
	put(f.first, l->state, 2, 1);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_STATE);

	fake_build(&f, l);	/* some other wait */
	put(f.second, l->wait_reason, 0, 1);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_WAIT_REASON);

	fake_build(&f, l);	/* StackLimit is not IoGetStackLimits' low end */
	put(f.first, l->stack_limit, f.probe.stack_low + 0x1000, l->ptr_size);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_STACK_LIMIT);

	fake_build(&f, l);	/* InitialStack far below the top */
	put(f.second, l->initial_stack, f.probe.stack_low + 0x100, l->ptr_size);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_INITIAL_STACK);

	fake_build(&f, l);	/* InitialStack above the top */
	put(f.first, l->initial_stack, f.probe.stack_high + 8, l->ptr_size);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_INITIAL_STACK);

	fake_build(&f, l);	/* saved sp above the waiting function's frame */
	put(f.first, l->kernel_stack, f.probe.waiter_sp + 0x10, l->ptr_size);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_KERNEL_STACK);

	fake_build(&f, l);	/* saved sp below the stack */
	put(f.second, l->kernel_stack, f.probe.stack_low - 8, l->ptr_size);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_KERNEL_STACK);

	fake_build(&f, l);	/* woken, yet ContextSwitches did not move */
	put(f.second, l->context_switches, 41, 4);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_SWITCHES);

	fake_build(&f, l);	/* ... or went backwards (a different field) */
	put(f.second, l->context_switches, 40, 4);
	assert_int_equal(fake_check(l, &f), KSTACK_KTC_SWITCHES);

	fake_build(&f, l);	/* the copy is shorter than the layout reaches */
	assert_int_equal(kstack_kthread_check(l, f.first, f.second,
					      kstack_kthread_extent(l) - 1,
					      &f.probe), KSTACK_KTC_EXTENT);
	/* exactly long enough is fine */
	assert_int_equal(kstack_kthread_check(l, f.first, f.second,
					      kstack_kthread_extent(l),
					      &f.probe), 0);

	fake_build(&f, l);	/* an all-zero KTHREAD fails, whatever the layout */
	memset(f.first, 0, IMG);
	memset(f.second, 0, IMG);
	assert_true(fake_check(l, &f) & KSTACK_KTC_STATE);
	assert_true(fake_check(l, &f) & KSTACK_KTC_STACK_LIMIT);
}

static void every_layout_fails_each_wrong_image(void **state)
{
	(void)state;
	for_each_layout(one_fails_each_way);
}

/* A ContextSwitches that wrapped past 2^32 still counts as moved. */
static void context_switches_wrap(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *l =
		kstack_kthread_lookup(&kstack_kthread_x64, 26100);

	(void)state;
	assert_non_null(l);
	fake_build(&f, l);
	put(f.first, l->context_switches, 0xffffffffu, 4);
	put(f.second, l->context_switches, 1, 4);
	assert_int_equal(fake_check(l, &f), 0);
}

/* The builds the issue asks for, and the one it says was wrong. */
static void table_lookup(void **state)
{
	const uint32_t win11[] = { 22621, 22631, 26100 };
	const struct kstack_kthread_layout *l;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		l = kstack_kthread_lookup(&kstack_kthread_x64, win11[i]);
		assert_non_null(l);
		assert_int_equal(l->id, KSTACK_KTHREAD_X64_WIN8_11);
		assert_int_equal(l->kernel_stack, 0x58);
		assert_int_equal(l->wait_reason, 0x283);
		/* Windows 11 has no x86 release */
		assert_null(kstack_kthread_lookup(&kstack_kthread_x86, win11[i]));
	}
	/* 3790 (Server 2003, ReactOS) is left to the candidates */
	assert_null(kstack_kthread_lookup(&kstack_kthread_x86, 3790));
	assert_null(kstack_kthread_lookup(&kstack_kthread_x64, 3790));
	l = kstack_kthread_lookup(&kstack_kthread_x86, 2600);
	assert_non_null(l);
	assert_int_equal(l->id, KSTACK_KTHREAD_X86_XP);
}

static const struct kstack_kthread_layout *
candidate(const struct kstack_kthread_arch *a, uint32_t id)
{
	size_t i;

	for (i = 0; i < a->nr_candidates; i++)
		if (a->candidates[i]->id == id)
			return a->candidates[i];
	return NULL;
}

/*
 * ReactOS reports build 3790 (no entry): its KTHREAD must select the
 * ReactOS layout, and XP's layout (the table's 5.1 entry) must fail on it.
 */
static void reactos_x86_gets_its_own_layout(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *ros =
		candidate(&kstack_kthread_x86, KSTACK_KTHREAD_X86_REACTOS);
	const struct kstack_kthread_layout *xp =
		candidate(&kstack_kthread_x86, KSTACK_KTHREAD_X86_XP);
	const struct kstack_kthread_layout *got;
	uint32_t checks = 0xdead;

	(void)state;
	assert_non_null(ros);
	assert_non_null(xp);
	/* the numbers, and ReactOS's switch frame */
	assert_int_equal(ros->initial_stack, 0x18);
	assert_int_equal(ros->stack_limit, 0x1c);
	assert_int_equal(ros->kernel_stack, 0x20);
	assert_int_equal(ros->context_switches, 0x48);
	assert_int_equal(ros->state, 0x4c);
	assert_int_equal(ros->wait_reason, 0x5a);
	assert_int_equal(ros->frame_size, 0x20);
	assert_int_equal(ros->frame_ret, 0x1c);
	assert_int_equal(ros->frame_bp, 0xc);

	fake_build(&f, ros);
	assert_int_not_equal(fake_check(xp, &f), 0);
	got = kstack_kthread_choose(&kstack_kthread_x86, 3790, f.first, f.second,
				    IMG, &f.probe, &checks);
	assert_ptr_equal(got, ros);
	assert_int_equal(checks, 0);
}

static void reactos_amd64_gets_its_own_layout(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *ros =
		candidate(&kstack_kthread_x64, KSTACK_KTHREAD_X64_REACTOS);
	const struct kstack_kthread_layout *got;
	uint32_t checks = 0xdead;

	(void)state;
	assert_non_null(ros);
	fake_build(&f, ros);
	got = kstack_kthread_choose(&kstack_kthread_x64, 3790, f.first, f.second,
				    IMG, &f.probe, &checks);
	assert_ptr_equal(got, ros);
	assert_int_equal(checks, 0);
}

/*
 * The numbers the ReactOS x86 live CD's serial log gave (issue 26): the
 * candidate failed KSTACK_KTC_INITIAL_STACK because ReactOS's
 * IoGetStackLimits ends 0x210 bytes (FX_SAVE_AREA) below InitialStack.
 * Those exact images must choose the ReactOS layout.
 */
static void reactos_x86_live_cd_numbers(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *ros =
		candidate(&kstack_kthread_x86, KSTACK_KTHREAD_X86_REACTOS), *got;
	uint32_t checks = 0xdead;
	int pass;

	(void)state;
	memset(&f, 0xcc, sizeof(f));
	f.probe.stack_low = 0xF6821000u;
	f.probe.stack_high = 0xF6823DF0u;
	f.probe.waiter_sp = 0xF6823D4Bu;
	for (pass = 0; pass < 2; pass++) {
		uint8_t *img = pass ? f.second : f.first;

		put(img, ros->initial_stack, 0xF6824000u, 4);
		put(img, ros->stack_limit, 0xF6821000u, 4);
		put(img, ros->kernel_stack, 0xF6823C64u, 4);
		put(img, ros->state, 5, 1);
		put(img, ros->wait_reason, pass ? 26 : 20, 1);
		put(img, ros->context_switches, 2 + pass, 4);
	}
	assert_int_equal(fake_check(ros, &f), 0);
	got = kstack_kthread_choose(&kstack_kthread_x86, 3790, f.first, f.second,
				    IMG, &f.probe, &checks);
	assert_ptr_equal(got, ros);
	assert_int_equal(checks, 0);

	/* the rule is exact: 0x10 off either way is refused */
	put(f.first, ros->initial_stack, 0xF6824010u, 4);
	assert_int_equal(fake_check(ros, &f), KSTACK_KTC_INITIAL_STACK);
	put(f.first, ros->initial_stack, 0xF6823FF0u, 4);
	assert_int_equal(fake_check(ros, &f), KSTACK_KTC_INITIAL_STACK);
}

/*
 * Microsoft's x86 kernels report StackBase, above InitialStack: an image
 * with ReactOS's relation (InitialStack 0x210 above the high end) is not
 * theirs.
 */
static void microsoft_x86_refuses_reactos_relation(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *xp =
		candidate(&kstack_kthread_x86, KSTACK_KTHREAD_X86_XP);

	(void)state;
	assert_non_null(xp);
	fake_build(&f, xp);
	put(f.first, xp->initial_stack, f.probe.stack_high + 0x210, 4);
	assert_int_equal(fake_check(xp, &f), KSTACK_KTC_INITIAL_STACK);
}

/* An unlisted new build whose kernel is Windows 11's: the candidate fits. */
static void unlisted_build_uses_a_candidate(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *w11 =
		kstack_kthread_lookup(&kstack_kthread_x64, 26100), *got;
	uint32_t checks = 0xdead;

	(void)state;
	fake_build(&f, w11);
	got = kstack_kthread_choose(&kstack_kthread_x64, 22000, f.first, f.second,
				    IMG, &f.probe, &checks);
	assert_ptr_equal(got, w11);
	assert_int_equal(checks, 0);
}

/*
 * A listed build whose kernel does not match its entry (XP's number, but
 * a ReactOS-shaped KTHREAD) gets no layout at all, and the reason.
 */
static void listed_build_that_does_not_fit_gets_none(void **state)
{
	static struct fake f;
	const struct kstack_kthread_layout *ros =
		candidate(&kstack_kthread_x86, KSTACK_KTHREAD_X86_REACTOS);
	uint32_t checks = 0;

	(void)state;
	fake_build(&f, ros);
	assert_null(kstack_kthread_choose(&kstack_kthread_x86, 2600, f.first,
					  f.second, IMG, &f.probe, &checks));
	assert_int_not_equal(checks, 0);
	assert_int_equal(checks & (KSTACK_KTC_NO_LAYOUT | KSTACK_KTC_NOT_RUN), 0);
}

/* Nothing fits (garbage): no layout, and a non-zero reason. */
static void nothing_fits(void **state)
{
	static struct fake f;
	uint32_t checks = 0;

	(void)state;
	memset(&f, 0x5a, sizeof(f));
	f.probe.stack_low = 0x1000;
	f.probe.stack_high = 0x7000;
	f.probe.waiter_sp = 0x6000;
	assert_null(kstack_kthread_choose(&kstack_kthread_x86, 3790, f.first,
					  f.second, IMG, &f.probe, &checks));
	assert_int_not_equal(checks, 0);
	assert_null(kstack_kthread_choose(&kstack_kthread_x64, 99999, f.first,
					  f.second, IMG, &f.probe, &checks));
	assert_int_not_equal(checks, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_layout_passes_its_own_image),
		cmocka_unit_test(every_layout_fails_each_wrong_image),
		cmocka_unit_test(context_switches_wrap),
		cmocka_unit_test(table_lookup),
		cmocka_unit_test(reactos_x86_gets_its_own_layout),
		cmocka_unit_test(reactos_amd64_gets_its_own_layout),
		cmocka_unit_test(reactos_x86_live_cd_numbers),
		cmocka_unit_test(microsoft_x86_refuses_reactos_relation),
		cmocka_unit_test(unlisted_build_uses_a_candidate),
		cmocka_unit_test(listed_build_that_does_not_fit_gets_none),
		cmocka_unit_test(nothing_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
