/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the unit tests: cmocka includes, fixture loading, raw encoders. */
#ifndef KSTACK_TEST_HELPERS_H
#define KSTACK_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "ks_error.h"
#include "ksyms.h"

/* Fail the test with the error's message if err is set. */
#define assert_no_error(err) do {					\
		struct ks_error *e_ = (err);				\
		if (e_)							\
			fail_msg("unexpected error: %s", e_->message);	\
	} while (0)

static inline char *read_fixture(const char *name, size_t *len_ret)
{
	char path[1024];
	size_t cap = 1 << 16, len = 0, r;
	char *buf = malloc(cap);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	while ((r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += r;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[len] = '\0';
	*len_ret = len;
	return buf;
}

/* A raw V1 ORC entry (kernel 6.1 layout) into 6 bytes. */
static inline void raw_orc_v1(uint8_t *p, int16_t sp_off, int16_t bp_off, unsigned sp_reg,
			      unsigned bp_reg, unsigned type, unsigned end)
{
	uint16_t flags = (uint16_t)(sp_reg | bp_reg << 4 | type << 8 | end << 10);

	memcpy(p, &sp_off, 2);
	memcpy(p + 2, &bp_off, 2);
	memcpy(p + 4, &flags, 2);
}

/* ip table entry i (at ip_addr + 4 i) pointing at ip. */
static inline void raw_ip(uint8_t *table, uint64_t ip_addr, size_t i, uint64_t ip)
{
	int32_t off = (int32_t)(ip - (ip_addr + 4 * i));

	memcpy(table + 4 * i, &off, 4);
}

/* cmocka setup/teardown: *state = the kallsyms fixture, parsed */
static inline int ksyms_fixture_setup(void **state)
{
	struct ks_ksyms *ks = malloc(sizeof(*ks));
	size_t len;
	char *text = read_fixture("kallsyms-6.1-nokaslr.txt", &len);

	assert_no_error(ks_ksyms_parse(ks, text, len));
	*state = ks;
	return 0;
}

static inline int ksyms_fixture_teardown(void **state)
{
	ks_ksyms_fini(*state);
	free(*state);
	return 0;
}

#endif
