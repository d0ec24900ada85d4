// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* kstack.exe's JSON writer (json_out.h: the layout and the escaping, and why). */
#include <string.h>

#include "json_out.h"

void ks_json_write_string(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		if (u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\') {
			if (u[i] == '"')
				putc('\\', f);	/* JSON's escape; '"' is printable: kept */
			putc(u[i], f);
			continue;
		}
		/* the schema's \xNN, its '\' written as JSON writes one: "\\" */
		fputs("\\\\x", f);
		putc(hex[u[i] >> 4], f);
		putc(hex[u[i] & 0xf], f);
	}
	putc('"', f);
}

/* The next entry of the open container: its separator, its line, its key. */
static void entry(struct ks_json *j, const char *key)
{
	int i;

	if (j->level) {
		fputs(j->more[j->level] ? ",\n" : "\n", j->f);
		j->more[j->level] = 1;
		for (i = 0; i < j->level; i++)
			putc(' ', j->f);
	}
	if (key)
		fprintf(j->f, "\"%s\": ", key);
}

void ks_json_open(struct ks_json *j, const char *key, char bracket)
{
	entry(j, key);
	putc(bracket, j->f);
	/* deeper than KS_JSON_DEPTH is a bug of the caller: stay in bounds */
	if (j->level < KS_JSON_DEPTH)
		j->level++;
	j->more[j->level] = 0;
}

void ks_json_close(struct ks_json *j, char bracket)
{
	int i;

	/* an empty container is "[]" / "{}", as jansson writes it */
	if (j->more[j->level]) {
		putc('\n', j->f);
		for (i = 0; i < j->level - 1; i++)
			putc(' ', j->f);
	}
	if (j->level)
		j->level--;
	putc(bracket, j->f);
}

void ks_json_strn(struct ks_json *j, const char *key, const char *s, size_t len)
{
	entry(j, key);
	ks_json_write_string(j->f, s, len);
}

void ks_json_str(struct ks_json *j, const char *key, const char *s)
{
	ks_json_strn(j, key, s, strlen(s));
}

void ks_json_uint(struct ks_json *j, const char *key, unsigned long long v)
{
	entry(j, key);
	fprintf(j->f, "%llu", v);
}

void ks_json_hex(struct ks_json *j, const char *key, unsigned long long v)
{
	entry(j, key);
	fprintf(j->f, "\"0x%016llx\"", v);
}

void ks_json_bool(struct ks_json *j, const char *key, int v)
{
	entry(j, key);
	fputs(v ? "true" : "false", j->f);
}

void ks_json_null(struct ks_json *j, const char *key)
{
	entry(j, key);
	fputs("null", j->f);
}
