// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kstack.exe's output escaper (win/escape.c) over every byte value and
 * every pair of bytes: the output never holds a control character (C0,
 * DEL, or a C1/line-break/bidi code point in UTF-8), and unescaping it
 * gives the input back exactly. Then well-formed UTF-8 passes unchanged,
 * malformed UTF-8 does not, and a short buffer is cut cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

/* Inverse of ks_escape; returns the length, or -1 on a malformed escape. */
static long unescape(const char *s, unsigned char *out)
{
	long n = 0;
	unsigned v;

	while (*s) {
		if (*s != '\\') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		switch (s[1]) {
		case '\\': out[n++] = '\\'; s += 2; break;
		case 'n': out[n++] = '\n'; s += 2; break;
		case 'r': out[n++] = '\r'; s += 2; break;
		case 't': out[n++] = '\t'; s += 2; break;
		case 'x':
			if (sscanf(s + 2, "%2x", &v) != 1 || !s[2] || !s[3])
				return -1;
			out[n++] = (unsigned char)v;
			s += 4;
			break;
		default:
			return -1;
		}
	}
	return n;
}

/*
 * No byte a terminal acts on: C0, DEL, and the UTF-8 forms of the code
 * points escape.h refuses (C1 is C2 80..C2 9F; U+2028/2029, U+202A..E,
 * U+2066..9 start with E2 80 / E2 81).
 */
static void assert_inert(const char *out)
{
	const unsigned char *u = (const unsigned char *)out;
	size_t i;

	for (i = 0; u[i]; i++) {
		assert_false(u[i] < 0x20 || u[i] == 0x7f);
		if (u[i] == 0xc2)
			assert_false(u[i + 1] >= 0x80 && u[i + 1] <= 0x9f);
		if (u[i] == 0xe2 && u[i + 1] == 0x80)
			assert_false(u[i + 2] >= 0xa8 && u[i + 2] <= 0xae);
		if (u[i] == 0xe2 && u[i + 1] == 0x81)
			assert_false(u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9);
	}
}

static void round_trip(const char *in, size_t len)
{
	char out[64];
	unsigned char back[64];
	size_t need = ks_escape(in, len, out, sizeof(out));

	assert_true(need < sizeof(out));
	assert_int_equal(strlen(out), need);
	assert_inert(out);
	assert_int_equal(unescape(out, back), (long)len);
	assert_memory_equal(back, in, len);
}

static void every_byte(void **state)
{
	char in[1];
	char out[8];
	int b;

	(void)state;
	for (b = 0; b < 256; b++) {
		in[0] = (char)b;
		round_trip(in, 1);
		ks_escape(in, 1, out, sizeof(out));
		/* one byte alone: printable ASCII as is, anything else escaped */
		if (b >= 0x20 && b < 0x7f && b != '\\')
			assert_true(out[0] == b && out[1] == 0);
		else
			assert_int_equal(out[0], '\\');
	}
}

static void every_pair_of_bytes(void **state)
{
	char in[2];
	int a, b;

	(void)state;
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			round_trip(in, 2);
		}
}

/* Every three-byte sequence starting with E2 (the bidi/line-break range). */
static void every_e2_triple(void **state)
{
	char in[3] = { (char)0xe2 };
	int a, b;

	(void)state;
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[1] = (char)a;
			in[2] = (char)b;
			round_trip(in, 3);
		}
}

static void expect(const char *in, const char *want)
{
	char out[256];

	ks_escape(in, strlen(in), out, sizeof(out));
	assert_string_equal(out, want);
}

static void the_issue_inputs(void **state)
{
	(void)state;
	/* a name with a newline, ESC colour codes, a tab */
	expect("nl\nname", "nl\\nname");
	expect("\x1b[31mred", "\\x1b[31mred");
	expect("a\tb\r", "a\\tb\\r");
	expect("back\\slash", "back\\\\slash");
	expect("del\x7f", "del\\x7f");
}

static void utf8(void **state)
{
	(void)state;
	expect("caf\xc3\xa9", "caf\xc3\xa9");		/* é passes */
	expect("\xe2\x82\xac", "\xe2\x82\xac");		/* € passes */
	expect("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");	/* U+1F600 passes */
	expect("\xc2\x9b" "2J", "\\xc2\\x9b2J");	/* U+009B CSI */
	expect("\xc2\x85", "\\xc2\\x85");		/* U+0085 NEL */
	expect("\xe2\x80\xae" "abc", "\\xe2\\x80\\xaeabc");	/* U+202E RLO */
	expect("\xe2\x81\xa6", "\\xe2\\x81\\xa6");	/* U+2066 LRI */
	expect("\xe2\x80\xa8", "\\xe2\\x80\\xa8");	/* U+2028 LS */
	expect("\xc0\x80", "\\xc0\\x80");		/* overlong NUL */
	expect("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate */
	expect("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	/* > U+10FFFF */
	expect("\xe2\x82", "\\xe2\\x82");		/* cut short */
}

/* A short buffer: snprintf's return, NUL-terminated, no half escape. */
static void short_buffers(void **state)
{
	const char *in = "ab\x1b" "cd\xc3\xa9";
	char full[64], out[64];
	size_t need, size, got;

	(void)state;
	need = ks_escape(in, strlen(in), full, sizeof(full));
	assert_int_equal(need, strlen("ab\\x1bcd\xc3\xa9"));
	for (size = 0; size <= need + 1; size++) {
		memset(out, 'Z', sizeof(out));
		assert_int_equal(ks_escape(in, strlen(in), out, size), need);
		if (!size) {
			assert_int_equal(out[0], 'Z');	/* nothing written */
			continue;
		}
		got = strlen(out);
		assert_true(got < size);
		assert_memory_equal(out, full, got);
		/* cut only between whole pieces: "ab", "\x1b", "c", "d", "é" */
		assert_true(got == 0 || got == 1 || got == 2 || got == 6 ||
			    got == 7 || got == 8 || got == 10);
	}
	/* ks_esc: a name too long for its buffer ends in "..." */
	{
		static char big[20000];
		static struct ks_esc_buf b;

		memset(big, '\n', sizeof(big) - 1);
		assert_int_equal(strlen(ks_esc(&b, big)), 8191);
		assert_string_equal(ks_esc(&b, big) + 8188, "...");
	}
}

/* Path mode: '\\' passes, everything else as before; still inert. */
static void paths(void **state)
{
	static struct ks_esc_buf e;
	char in[2], out[64];
	int a, b;

	(void)state;
	ks_escape_flags("C:\\Windows\\x.sys", 16, out, sizeof(out), KS_ESC_PATH);
	assert_string_equal(out, "C:\\Windows\\x.sys");
	ks_escape_flags("a\\\nb", 4, out, sizeof(out), KS_ESC_PATH);
	assert_string_equal(out, "a\\\\nb");
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			ks_escape_flags(in, 2, out, sizeof(out), KS_ESC_PATH);
			assert_inert(out);
		}
	assert_string_equal(ks_esc_path(&e, "D:\\k\x1b"), "D:\\k\\x1b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_byte),
		cmocka_unit_test(every_pair_of_bytes),
		cmocka_unit_test(every_e2_triple),
		cmocka_unit_test(the_issue_inputs),
		cmocka_unit_test(utf8),
		cmocka_unit_test(short_buffers),
		cmocka_unit_test(paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
