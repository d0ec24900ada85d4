// SPDX-License-Identifier: GPL-2.0
/*
 * The stack formatter (lib/kernel/stack_text.c) writes, for every stack, exactly
 * what formatting it frame by frame gives (ks_format_frame, output.c),
 * whether the stack's text comes from its cache, is formatted into it, or
 * is written past the cache's bound.
 */
#include "helpers.h"
#include "capture.h"
#include "output.h"
#include "stack_text.h"
#include "symcache.h"

#define SCHED 0xffffffff81a526adull	/* __schedule+0x2dd */
#define KTHREAD 0xffffffff810cd41aull	/* kthread+0xda */
#define NANOSLEEP 0xffffffff81156820ull	/* exact: __x64_sys_nanosleep+0x0 */
#define KVM 0xffffffffc0a0204cull	/* kvm!kvm_vcpu_block+0x4c */

/* The reference: ks_format_frame() line by line. */
static char *expected(const struct ks_ksyms *ks, const uint64_t *ips, const uint8_t *flags,
		      size_t n)
{
	char *out = calloc(1, n * 1100 + 1), line[1100];
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t fl = flags ? flags[i] : 0;

		ks_format_frame(line, sizeof(line), ks, ips[i], fl & KS_TEXT_EXACT,
				!(fl & KS_TEXT_UNRELIABLE));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

/* What ks_stack_text_put() writes for this stack. */
static char *put(struct ks_stack_text *t, const uint64_t *ips, const uint8_t *flags, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	ks_stack_text_put(t, f, ips, flags, n);
	fclose(f);
	return text;
}

static void assert_put(struct ks_stack_text *t, const struct ks_ksyms *ks, const uint64_t *ips,
		       const uint8_t *flags, size_t n)
{
	char *got = put(t, ips, flags, n), *want = expected(ks, ips, flags, n);

	assert_string_equal(got, want);
	free(got);
	free(want);
}

struct fixture {
	struct ks_symcache names;
	struct ks_stack_text text;
};

static struct fixture *fixture_new(const struct ks_ksyms *ks, size_t max_bytes)
{
	struct fixture *fx = malloc(sizeof(*fx));

	ks_symcache_init(&fx->names, ks);
	ks_stack_text_init(&fx->text, &fx->names, max_bytes);
	return fx;
}

static void fixture_free(struct fixture *fx)
{
	ks_stack_text_fini(&fx->text);
	ks_symcache_fini(&fx->names);
	free(fx);
}

/* A repeated stack is written from the cache, with the same text. */
static void identical_stacks(void **state)
{
	const uint64_t a[] = { SCHED, KTHREAD, KVM };
	const uint64_t b[] = { SCHED, KTHREAD, KVM };	/* equal, other memory */
	struct fixture *fx = fixture_new(*state, 0);
	struct ks_stack_text_entry *e;
	char *got, *want;
	size_t len = 0;
	FILE *f;

	assert_put(&fx->text, *state, a, NULL, 3);
	assert_int_equal(fx->text.misses, 1);
	assert_put(&fx->text, *state, b, NULL, 3);
	assert_put(&fx->text, *state, a, NULL, 3);
	assert_int_equal(fx->text.hits, 2);
	assert_int_equal(fx->text.misses, 1);
	assert_int_equal(fx->text.stacks.used, 1);
	/* noting finds the same stack; no frames: nothing to note */
	e = ks_stack_text_note(&fx->text, b, NULL, 3);
	assert_non_null(e);
	assert_ptr_equal(ks_stack_text_note(&fx->text, a, NULL, 3), e);
	assert_null(ks_stack_text_note(&fx->text, a, NULL, 0));
	got = NULL;
	f = open_memstream(&got, &len);
	ks_stack_text_put_noted(&fx->text, f, e);
	fclose(f);
	want = expected(*state, a, NULL, 3);
	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_int_equal(fx->text.hits, 3);
	fixture_free(fx);
}

/*
 * A noted stack's lines as text: what put writes, formatted once and kept
 * (then the same pointer); past the bound, the same text, not kept.
 */
static void lines_of_noted(void **state)
{
	const uint64_t a[] = { SCHED, KTHREAD, NANOSLEEP };
	const uint8_t flags[] = { 0, KS_TEXT_UNRELIABLE, KS_TEXT_EXACT };
	struct fixture *fx = fixture_new(*state, 0), *tiny = fixture_new(*state, 1);
	struct ks_stack_text_entry *e, *u;
	const char *text, *again;
	char *want = expected(*state, a, flags, 3);
	size_t len = 0, len2 = 0;

	e = ks_stack_text_note(&fx->text, a, flags, 3);
	assert_non_null(e);
	text = ks_stack_text_lines(&fx->text, e, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
	assert_int_equal(fx->text.misses, 1);
	again = ks_stack_text_lines(&fx->text, e, &len2);
	assert_ptr_equal(again, text);
	assert_int_equal(len2, len);
	assert_int_equal(fx->text.hits, 1);
	/* a bound of 1 byte keeps nothing: no entry to ask about */
	u = ks_stack_text_note(&tiny->text, a, flags, 3);
	assert_null(u);
	fixture_free(tiny);
	/* the smallest bound that keeps the stack but not its text */
	for (size_t bound = 8; bound < 4096; bound += 8) {
		tiny = fixture_new(*state, bound);
		u = ks_stack_text_note(&tiny->text, a, flags, 3);
		if (u) {
			text = ks_stack_text_lines(&tiny->text, u, &len);
			assert_non_null(text);
			assert_int_equal(len, strlen(want));
			assert_memory_equal(text, want, len);
			assert_int_equal(tiny->text.uncached, 1);
			assert_int_equal(tiny->text.misses, 0);
			fixture_free(tiny);
			break;
		}
		fixture_free(tiny);
		assert_true(bound + 8 < 4096);
	}
	free(want);
	fixture_free(fx);
}

/* Stacks that differ in an ip, a flag, or length each get their own text. */
static void differing_stacks(void **state)
{
	const uint64_t a[] = { SCHED, KTHREAD, NANOSLEEP };
	const uint64_t other_ip[] = { SCHED, KVM, NANOSLEEP };
	const uint8_t unreliable[] = { 0, KS_TEXT_UNRELIABLE, 0 };
	const uint8_t exact[] = { 0, 0, KS_TEXT_EXACT };
	const uint8_t both[] = { 0, KS_TEXT_UNRELIABLE, KS_TEXT_EXACT | KS_TEXT_UNRELIABLE };
	const uint8_t zeros[] = { 0, 0, 0 };
	struct fixture *fx = fixture_new(*state, 0);
	char *plain, *other;

	assert_put(&fx->text, *state, a, NULL, 3);
	assert_put(&fx->text, *state, other_ip, NULL, 3);
	assert_put(&fx->text, *state, a, unreliable, 3);
	assert_put(&fx->text, *state, a, exact, 3);
	assert_put(&fx->text, *state, a, both, 3);
	assert_put(&fx->text, *state, a, NULL, 2);	/* a prefix */
	assert_int_equal(fx->text.misses, 6);
	assert_int_equal(fx->text.hits, 0);
	/* the flags change the text: "? " and the exact ip's own function */
	plain = put(&fx->text, a, NULL, 3);
	other = put(&fx->text, a, both, 3);
	assert_non_null(strstr(other, " : ? vmlinux!kthread+0xda/0x100\n"));
	assert_non_null(strstr(other, " : ? vmlinux!__x64_sys_nanosleep+0x0/"));
	assert_null(strstr(plain, "? "));
	assert_non_null(strstr(plain, " : vmlinux!hrtimer_nanosleep+0x170/0x170\n"));
	free(plain);
	free(other);
	/* all-zero flags are the same stack as no flags */
	assert_put(&fx->text, *state, a, zeros, 3);
	assert_int_equal(fx->text.stacks.used, 6);
	/* no frames, no text */
	other = put(&fx->text, a, NULL, 0);
	assert_string_equal(other, "");
	free(other);
	fixture_free(fx);
}

/* What ks_stack_text_put_stack() writes for an interned stack. */
static char *put_stack(struct ks_stack_text *t, const struct ks_cap_stack *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	ks_stack_text_put_stack(t, f, st);
	fclose(f);
	return text;
}

/*
 * An interned stack (capture.h, named as the pipeline names it) writes
 * what put writes for its frames, kept by its identity; past the bound,
 * the same text, not kept.
 */
static void interned_stacks(void **state)
{
	const uint64_t a[] = { SCHED, KTHREAD, NANOSLEEP };
	const uint8_t flags[] = { 0, KS_TEXT_UNRELIABLE, KS_TEXT_EXACT };
	struct fixture *fx = fixture_new(*state, 0), *tiny = fixture_new(*state, 1);
	char *want = expected(*state, a, flags, 3), *got;
	struct ks_cap_frame f[3];
	struct ks_cap_stack *st;
	struct ks_cap_pool pool;
	size_t i;

	ks_cap_pool_init(&pool);
	for (i = 0; i < 3; i++)
		f[i] = (struct ks_cap_frame){
			.ip = a[i], .flags = flags[i],
			.name = ks_symcache_name(&fx->names, a[i], flags[i] & KS_TEXT_EXACT),
		};
	st = ks_cap_pool_intern_frames(&pool, f, 3);
	assert_non_null(st);
	got = put_stack(&fx->text, st);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(fx->text.misses, 1);
	got = put_stack(&fx->text, st);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(fx->text.hits, 1);
	assert_int_equal(fx->text.kept.used, 1);
	got = put_stack(&tiny->text, st);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(tiny->text.uncached, 1);
	assert_int_equal(tiny->text.kept.used, 0);
	/* no stack, no text */
	got = put_stack(&fx->text, NULL);
	assert_string_equal(got, "");
	free(got);
	ks_cap_pool_fini(&pool);
	free(want);
	fixture_free(tiny);
	fixture_free(fx);
}

/* Past the bound: nothing more is kept, the text stays the same. */
static void cap_fallback(void **state)
{
	uint64_t ips[8];
	struct fixture *fx = fixture_new(*state, 1);	/* keeps nothing */
	size_t i, kept;

	for (i = 0; i < 8; i++)
		ips[i] = SCHED + i * 0x40;
	assert_null(ks_stack_text_note(&fx->text, ips, NULL, 8));
	assert_put(&fx->text, *state, ips, NULL, 8);
	assert_put(&fx->text, *state, ips, NULL, 8);
	assert_int_equal(fx->text.uncached, 2);
	assert_int_equal(fx->text.stacks.used, 0);
	assert_int_equal(fx->text.bytes, 0);
	fixture_free(fx);

	/* room for a few stacks: all-distinct stacks fill it, then go frame by frame */
	fx = fixture_new(*state, 4096);
	for (i = 0; i < 200; i++) {
		ips[0] = KTHREAD;
		ips[1] = SCHED + i;
		assert_put(&fx->text, *state, ips, NULL, 2);
		assert_true(fx->text.bytes <= 4096);
	}
	kept = fx->text.stacks.used;
	assert_true(kept > 0 && kept < 200);
	/* each stack written once: from text kept new, or past the bound (a kept
	 * stack whose text no longer fits is written uncached) */
	assert_true(fx->text.misses > 0 && fx->text.misses <= kept);
	assert_int_equal(fx->text.misses + fx->text.uncached, 200);
	/* the kept ones still come from the cache */
	ips[1] = SCHED;
	assert_put(&fx->text, *state, ips, NULL, 2);
	assert_int_equal(fx->text.hits, 1);
	fixture_free(fx);
}

/* Names longer than the scratch buffer's first size, many frames of them. */
static void long_names(void **state)
{
	char name[400], *text = malloc(1 << 16);
	struct ks_ksyms ks;
	uint64_t ips[40];
	uint8_t flags[40];
	struct fixture *fx;
	size_t len = 0, i;

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	len += (size_t)sprintf(text + len, "ffffffff81000000 T _stext\n");
	for (i = 0; i < 40; i++) {
		name[0] = (char)('a' + i % 26);
		name[1] = (char)('a' + i / 26);
		len += (size_t)sprintf(text + len, "%016llx T %s\n",
				       0xffffffff81001000ull + i * 0x100, name);
		ips[i] = 0xffffffff81001000ull + i * 0x100 + 0x10;
		flags[i] = i % 3 ? 0 : KS_TEXT_UNRELIABLE;
	}
	len += (size_t)sprintf(text + len, "ffffffff81100000 T _etext\n");
	assert_no_error(ks_ksyms_parse(&ks, text, len));
	fx = fixture_new(&ks, 0);
	assert_put(&fx->text, &ks, ips, flags, 40);
	assert_put(&fx->text, &ks, ips, flags, 40);
	assert_int_equal(fx->text.hits, 1);
	fixture_free(fx);
	ks_ksyms_fini(&ks);
}

/* A walk: its frames' flags, the line saying how it ended, a noted walk. */
static void walk_and_stop_lines(void **state)
{
	struct ks_frame frames[3] = {
		{ .ip = SCHED, .reliable = true },
		{ .ip = KTHREAD, .reliable = false },
		{ .ip = NANOSLEEP, .reliable = true, .exact = true },
	};
	struct ks_walk_result w = { .frames = frames, .nr = 3, .stop = KS_STOP_USER,
				    .user_ip = 0x7f0c1d2e3f4aull, .user_sp = 0x7ffd5e6f7a80ull };
	const uint8_t flags[] = { 0, KS_TEXT_UNRELIABLE, KS_TEXT_EXACT };
	const uint64_t ips[] = { SCHED, KTHREAD, NANOSLEEP };
	struct fixture *fx = fixture_new(*state, 0);
	struct ks_stack_text_entry *e;
	char *text = NULL, *want = expected(*state, ips, flags, 3), *full;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	e = ks_stack_text_note_walk(&fx->text, &w);
	assert_non_null(e);
	ks_stack_text_put_walk(&fx->text, f, &w);
	ks_stack_text_put_stop(f, &w);
	w.stop = KS_STOP_END_OF_STACK;
	ks_stack_text_put_noted(&fx->text, f, e);
	ks_stack_text_put_stop(f, &w);
	w.stop = KS_STOP_MAX_FRAMES;
	ks_stack_text_put_walk(&fx->text, f, &w);
	ks_stack_text_put_stop(f, &w);
	w.stop = KS_STOP_NO_ORC;
	w.stop_ip = 0xffffffff81000123ull;
	w.frames = NULL;	/* the last line reads no frames */
	ks_stack_text_put_noted(&fx->text, f, e);
	ks_stack_text_put_stop(f, &w);
	fclose(f);
	assert_int_equal(asprintf(&full, "%s"
				  "user mode: ip 00007f0c1d2e3f4a sp 00007ffd5e6f7a80\n"
				  "%s"
				  "%s... truncated at 3 frames (raise with -n)\n"
				  "%s(walk stopped: %s at ffffffff81000123)\n",
				  want, want, want, want, ks_walk_stop_name(KS_STOP_NO_ORC)) > 0, 1);
	assert_string_equal(text, full);
	/* noted in the first pass, written from the cache three times */
	assert_int_equal(fx->text.misses, 1);
	assert_int_equal(fx->text.hits, 3);
	free(text);
	free(want);
	free(full);
	fixture_free(fx);
}

static void header_line(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	ks_stack_text_put_header(f, 1234, "zoo", 1, 5, 0);
	ks_stack_text_put_header(f, 18446744073709551615ull, "kworker/0:1H", 0x402,
				 18446744073709551615ull, 10);
	ks_stack_text_put_header(f, 0, "", 0, 0, 0);
	fclose(f);
	assert_string_equal(text, "1234 zoo S [ctxsw 5+0]\n"
			    "18446744073709551615 kworker/0:1H I [ctxsw 18446744073709551615+10]\n"
			    "0  R [ctxsw 0+0]\n");
	free(text);
}

/* A name another process chose is escaped: one line per header, no raw control byte. */
static void header_escapes_comm(void **state)
{
	static const int modes[] = { _IOFBF, _IOLBF, _IONBF };
	char text[512];
	size_t i, n;
	FILE *f;

	(void)state;
	for (i = 0; i < 3; i++) {
		f = tmpfile();
		assert_non_null(f);
		setvbuf(f, NULL, modes[i], 64);
		ks_stack_text_put_header(f, 131, "nl\nname", 1, 1, 0);
		ks_stack_text_put_header(f, 105, "\033[31mred", 1, 2, 3);
		ks_stack_text_put_header(f, 7, "tab\t\\x\xc3\xa9", 2, 0, 0);
		rewind(f);
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		assert_string_equal(text, "131 nl\\nname S [ctxsw 1+0]\n"
				    "105 \\033[31mred S [ctxsw 2+3]\n"
				    "7 tab\\t\\\\x\\303\\251 D [ctxsw 0+0]\n");
	}
}

/* Streams whose buffer takes no direct copies: unbuffered, line-buffered. */
static void other_buffering(void **state)
{
	const uint64_t a[] = { SCHED, KTHREAD, KVM };
	int modes[] = { _IONBF, _IOLBF, _IOFBF }, m;

	for (m = 0; m < 3; m++) {
		struct fixture *fx = fixture_new(*state, 0);
		char got[4096], *want = expected(*state, a, NULL, 3), *full;
		FILE *f = tmpfile();
		size_t n;

		assert_non_null(f);
		setvbuf(f, NULL, modes[m], 64);
		ks_stack_text_put_header(f, 7, "zoo", 1, 1, 2);
		ks_stack_text_put(&fx->text, f, a, NULL, 3);	/* formatted */
		ks_stack_text_put(&fx->text, f, a, NULL, 3);	/* from the cache */
		rewind(f);
		n = fread(got, 1, sizeof(got) - 1, f);
		got[n] = '\0';
		assert_true(asprintf(&full, "7 zoo S [ctxsw 1+2]\n%s%s", want, want) > 0);
		assert_string_equal(got, full);
		fclose(f);
		free(want);
		free(full);
		fixture_free(fx);
	}
}

/*
 * Driver mode, with a driver that fails every call: queued addresses are
 * queued once, and a failed batch leaves them to be named one by one.
 */
static void queued_names(void **state)
{
	struct ks_driver drv = { .fd = -1 };
	struct ks_symcache c;
	const char *a;

	(void)state;
	ks_symcache_init(&c, NULL);
	ks_symcache_use_driver(&c, &drv);
	ks_symcache_want(&c, SCHED, false);
	ks_symcache_want(&c, SCHED, false);
	ks_symcache_want(&c, SCHED, true);
	ks_symcache_want(&c, KVM, false);
	assert_int_equal(c.nwant, 3);
	ks_symcache_resolve(&c);
	assert_int_equal(c.nwant, 0);
	a = ks_symcache_name(&c, SCHED, false);
	assert_string_equal(a, "[unknown]");
	assert_ptr_equal(ks_symcache_name(&c, SCHED, false), a);
	assert_int_equal(c.misses, 1);
	assert_int_equal(c.hits, 1);
	ks_symcache_want(&c, KTHREAD, false);	/* still queued at fini */
	ks_symcache_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(identical_stacks, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(lines_of_noted, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(differing_stacks, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(cap_fallback, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(interned_stacks, ksyms_fixture_setup,
						ksyms_fixture_teardown),
		cmocka_unit_test(long_names),
		cmocka_unit_test_setup_teardown(walk_and_stop_lines, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test(header_line),
		cmocka_unit_test(header_escapes_comm),
		cmocka_unit_test(queued_names),
		cmocka_unit_test_setup_teardown(other_buffering, ksyms_fixture_setup, ksyms_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
