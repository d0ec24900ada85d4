// SPDX-License-Identifier: GPL-2.0
/* The escaper of strings from outside (lib/util/escape.h): every byte value, multi-byte input. */
#include "helpers.h"
#include "escape.h"

/* The expected escape of one byte, spelled out independently of escape.c. */
static void expect_one(unsigned int c, char *out)
{
	switch (c) {
	case '\\': strcpy(out, "\\\\"); return;
	case '\t': strcpy(out, "\\t"); return;
	case '\n': strcpy(out, "\\n"); return;
	case '\v': strcpy(out, "\\v"); return;
	case '\f': strcpy(out, "\\f"); return;
	case '\r': strcpy(out, "\\r"); return;
	}
	if (c >= 0x20 && c < 0x7f)
		sprintf(out, "%c", c);
	else
		sprintf(out, "\\%03o", c);
}

/* Inverse of the convention: the reader's side. Returns the byte count. */
static size_t unescape(const char *s, unsigned char *out)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case '\\': out[n++] = '\\'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case 'n': out[n++] = '\n'; s++; break;
		case 'v': out[n++] = '\v'; s++; break;
		case 'f': out[n++] = '\f'; s++; break;
		case 'r': out[n++] = '\r'; s++; break;
		default:
			assert_true(s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' &&
				    s[2] >= '0' && s[2] <= '7');
			out[n++] = (unsigned char)((s[0] - '0') << 6 | (s[1] - '0') << 3 | (s[2] - '0'));
			s += 3;
		}
	}
	return n;
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static void every_byte_alone(void **state)
{
	char got[16], want[16];
	unsigned int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		char b = (char)c;
		size_t n = ks_escape(got, sizeof(got), &b, 1);

		expect_one(c, want);
		if (strcmp(got, want) || n != strlen(want))
			fail_msg("byte %#x: got \"%s\" (%zu), want \"%s\"", c, got, n, want);
		assert_int_equal(ks_escape_needed(&b, 1), strlen(want) != 1);
		assert_true(printable_ascii(got));
	}
}

/* All 256 values in one string (NUL inside it too), and back. */
static void every_byte_in_one_string_round_trips(void **state)
{
	char src[256], dst[KS_ESCAPE_SIZE(256)], want[KS_ESCAPE_SIZE(256)] = "";
	unsigned char back[256];
	unsigned int c;
	size_t n;

	(void)state;
	for (c = 0; c < 256; c++) {
		char one[8];

		src[c] = (char)c;
		expect_one(c, one);
		strcat(want, one);
	}
	n = ks_escape(dst, sizeof(dst), src, sizeof(src));
	assert_string_equal(dst, want);
	assert_int_equal(n, strlen(want));
	assert_true(printable_ascii(dst));
	assert_int_equal(unescape(dst, back), 256);
	assert_memory_equal(back, src, 256);
	/* no byte of a line break or an escape sequence is left in the text */
	assert_null(strchr(dst, '\n'));
	assert_null(strchr(dst, '\033'));
}

static void issue_inputs(void **state)
{
	char buf[128];

	(void)state;
	ks_escape_str(buf, sizeof(buf), "nl\nname");
	assert_string_equal(buf, "nl\\nname");
	ks_escape_str(buf, sizeof(buf), "\033[31mred");
	assert_string_equal(buf, "\\033[31mred");
	ks_escape_str(buf, sizeof(buf), "tab\there");
	assert_string_equal(buf, "tab\\there");
	ks_escape_str(buf, sizeof(buf), "back\\slash");
	assert_string_equal(buf, "back\\\\slash");
	ks_escape_str(buf, sizeof(buf), "kworker/0:1H-kblockd");
	assert_string_equal(buf, "kworker/0:1H-kblockd");
	ks_escape_str(buf, sizeof(buf), "Web Content");
	assert_string_equal(buf, "Web Content");
	assert_false(ks_escape_needed("Web Content", 11));
	ks_escape_str(buf, sizeof(buf), "");
	assert_string_equal(buf, "");
}

/* UTF-8 (2, 3 and 4 bytes), a broken sequence, and mixed text. */
static void multibyte(void **state)
{
	static const char *const in[] = {
		"caf\xc3\xa9",			/* café */
		"\xe6\x97\xa5\xe6\x9c\xac",	/* 日本 */
		"\xf0\x9f\x98\x80!",		/* 😀! */
		"\xc3",				/* cut sequence */
		"a\xe2\x80\xae" "b",		/* RIGHT-TO-LEFT OVERRIDE */
		"\xc2\x9b" "31m",		/* C1 CSI as UTF-8 */
		"\x9b" "31m",			/* C1 CSI as one byte */
	};
	static const char *const want[] = {
		"caf\\303\\251",
		"\\346\\227\\245\\346\\234\\254",
		"\\360\\237\\230\\200!",
		"\\303",
		"a\\342\\200\\256b",
		"\\302\\23331m",
		"\\23331m",
	};
	char buf[128];
	unsigned char back[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = ks_escape_str(buf, sizeof(buf), in[i]);

		assert_string_equal(buf, want[i]);
		assert_int_equal(n, strlen(want[i]));
		assert_int_equal(unescape(buf, back), strlen(in[i]));
		assert_memory_equal(back, in[i], strlen(in[i]));
	}
}

/* A short buffer: never half an escape, always terminated, full length returned. */
static void cut_keeps_whole_escapes(void **state)
{
	const char src[] = "a\033b\\c\nd";	/* a \033 b \\ c \n d: 1+4+1+2+1+2+1 */
	char buf[32];
	size_t cap;

	(void)state;
	for (cap = 1; cap < sizeof(buf); cap++) {
		size_t n;

		memset(buf, 'X', sizeof(buf));
		n = ks_escape(buf, cap, src, sizeof(src) - 1);
		assert_int_equal(n, 12);
		assert_true(strlen(buf) < cap);
		assert_int_equal(buf[cap], 'X');	/* nothing past cap */
		/* a prefix of the whole text, ending on an escape's end */
		assert_memory_equal(buf, "a\\033b\\\\c\\nd", strlen(buf));
		assert_true(strlen(buf) == 0 || strlen(buf) == 1 || strlen(buf) == 5 ||
			    strlen(buf) == 6 || strlen(buf) == 8 || strlen(buf) == 9 ||
			    strlen(buf) == 11 || strlen(buf) == 12);
	}
	assert_int_equal(ks_escape(NULL, 0, src, sizeof(src) - 1), 12);
}

static void write_equals_escape(void **state)
{
	char src[256], want[KS_ESCAPE_SIZE(256)], *got = NULL;
	size_t len = 0;
	unsigned int c;
	FILE *f;

	(void)state;
	for (c = 0; c < 256; c++)
		src[c] = (char)(255 - c);
	ks_escape(want, sizeof(want), src, sizeof(src));
	f = open_memstream(&got, &len);
	assert_non_null(f);
	ks_escape_write(f, src, sizeof(src));
	ks_escape_write(f, "plain", 5);
	fclose(f);
	assert_int_equal(len, strlen(want) + 5);
	assert_memory_equal(got, want, strlen(want));
	assert_memory_equal(got + strlen(want), "plain", 5);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_byte_alone),
		cmocka_unit_test(every_byte_in_one_string_round_trips),
		cmocka_unit_test(issue_inputs),
		cmocka_unit_test(multibyte),
		cmocka_unit_test(cut_keeps_whole_escapes),
		cmocka_unit_test(write_equals_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
