// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kstack.exe's JSON writer (win/json_out.c): every byte value, escaped as
 * doc/kstack-report.schema.json says (printable ASCII kept, '\' and every
 * other byte \xNN) and then as JSON ('"' and '\'), is plain printable
 * ASCII and decodes back to the input; and a small document is laid out
 * as kstack on Linux lays its out (jansson's JSON_INDENT(1)).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_out.h"

/* What f holds, NUL-ended; the caller frees it. */
static char *contents(FILE *f)
{
	long n = ftell(f);
	char *s = malloc((size_t)n + 1);

	assert_non_null(s);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	return s;
}

/* The JSON string literal s decoded (JSON escapes), then the schema's \xNN. */
static size_t decode(const char *s, unsigned char *out)
{
	char json[1024];
	size_t n = 0, i = 0, j;
	unsigned v;

	assert_int_equal(s[0], '"');
	for (j = 1; s[j] != '"'; j++) {
		if (s[j] == '\\') {
			j++;
			assert_true(s[j] == '\\' || s[j] == '"');
		}
		json[n++] = s[j];
	}
	assert_string_equal(s + j, "\"");
	json[n] = '\0';
	for (n = 0; json[i]; n++) {
		if (json[i] != '\\') {
			out[n] = (unsigned char)json[i++];
			continue;
		}
		assert_int_equal(json[i + 1], 'x');
		assert_int_equal(sscanf(json + i + 2, "%2x", &v), 1);
		out[n] = (unsigned char)v;
		i += 4;
	}
	return n;
}

static void every_byte_round_trips(void **state)
{
	unsigned char in[2], back[8];
	unsigned c;
	char *s;
	size_t i;

	(void)state;
	for (c = 0; c < 256; c++) {
		FILE *f = tmpfile();

		assert_non_null(f);
		in[0] = (unsigned char)c;
		in[1] = 'a';
		ks_json_write_string(f, (const char *)in, 2);
		s = contents(f);
		for (i = 0; s[i]; i++)
			assert_true(s[i] >= 0x20 && s[i] < 0x7f);
		assert_int_equal(decode(s, back), 2);
		assert_memory_equal(back, in, 2);
		/* kept exactly where the schema keeps it */
		if (c >= 0x20 && c < 0x7f && c != '\\')
			assert_int_equal(strlen(s), c == '"' ? 5 : 4);
		free(s);
		fclose(f);
	}
}

static void hostile_description(void **state)
{
	const char *d = "work\n\x1b[31mred\\\xc2\x9b" "2J\xe2\x80\xae" "x";
	FILE *f = tmpfile();
	char *s;

	(void)state;
	ks_json_write_string(f, d, strlen(d));
	s = contents(f);
	assert_string_equal(s, "\"work\\\\x0a\\\\x1b[31mred\\\\x5c\\\\xc2\\\\x9b2J"
			    "\\\\xe2\\\\x80\\\\xaex\"");
	free(s);
	fclose(f);
}

static void layout(void **state)
{
	struct ks_json j = { 0 };
	char *s;

	(void)state;
	j.f = tmpfile();
	ks_json_open(&j, NULL, '{');
	ks_json_str(&j, "format", "kstack-report");
	ks_json_open(&j, "left_out", '{');
	ks_json_uint(&j, "state", 0);
	ks_json_close(&j, '}');
	ks_json_open(&j, "frames", '[');
	ks_json_close(&j, ']');
	ks_json_open(&j, "threads", '[');
	ks_json_open(&j, NULL, '{');
	ks_json_hex(&j, "address", 0x7b075aecull);
	ks_json_null(&j, "module");
	ks_json_bool(&j, "exact", 1);
	ks_json_close(&j, '}');
	ks_json_close(&j, ']');
	ks_json_close(&j, '}');
	s = contents(j.f);
	assert_string_equal(s,
		"{\n"
		" \"format\": \"kstack-report\",\n"
		" \"left_out\": {\n"
		"  \"state\": 0\n"
		" },\n"
		" \"frames\": [],\n"
		" \"threads\": [\n"
		"  {\n"
		"   \"address\": \"0x000000007b075aec\",\n"
		"   \"module\": null,\n"
		"   \"exact\": true\n"
		"  }\n"
		" ]\n"
		"}");
	free(s);
	fclose(j.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_byte_round_trips),
		cmocka_unit_test(hostile_description),
		cmocka_unit_test(layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
