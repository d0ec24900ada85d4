// SPDX-License-Identifier: GPL-2.0
/*
 * Host micro-benchmark of the two lookups on the user-space walker's hot
 * path: ORC entry for a pc (lib/kernel/orc_table.c) and symbol for a return
 * address (lib/kernel/ksyms.c), on one core, over full-size tables of the kernel
 * the VM boots. Each lookup's answer is also checked against a plain
 * binary search first, so a fast wrong answer cannot pass.
 *
 *   micro ORC_FIXTURE KALLSYMS
 *     ORC_FIXTURE: the whole .orc_unwind table, cut by the unit tests'
 *                  orc_fixture tool ("KSORCFX1" format, fixtures/README.md)
 *     KALLSYMS:    a /proc/kallsyms captured in the VM
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ksyms.h"
#include "orc_table.h"

#define LOOKUPS 10000000u
#define CHECKS 200000u

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* xorshift: cheap, deterministic pcs spread over the table's range */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto fail;
	buf = malloc(n + 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	fprintf(stderr, "micro: cannot read %s: %s\n", path, strerror(errno));
	exit(1);
}

static int bench_orc(const char *path)
{
	size_t len, n, bad = 0;
	char *raw = slurp(path, &len);
	uint64_t ip_addr, *pcs, seed = 88172645463325252ull, sink = 0;
	struct ks_orc_table *t;
	struct ks_error *err;
	double t0, dt;

	if (len < 24 || memcmp(raw, "KSORCFX1", 8)) {
		fprintf(stderr, "micro: %s is not a KSORCFX1 fixture\n", path);
		return 1;
	}
	memcpy(&ip_addr, raw + 8, 8);
	memcpy(&n, raw + 16, 8);
	if (len != 24 + n * 10) {
		fprintf(stderr, "micro: %s: size does not match its %zu entries\n", path, n);
		return 1;
	}
	/* code range: first entry's ip .. the last one's (the table is sorted) */
	{
		int32_t first, last;

		memcpy(&first, raw + 24, 4);
		memcpy(&last, raw + 24 + 4 * (n - 1), 4);
		err = ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V1, raw + 24, ip_addr,
					    raw + 24 + 4 * n, n, ip_addr + (int64_t)first,
					    ip_addr + 4 * (n - 1) + (int64_t)last + 1, &t);
	}
	if (err) {
		fprintf(stderr, "micro: %s\n", err->message);
		return 1;
	}
	pcs = malloc(LOOKUPS * sizeof(*pcs));
	for (size_t i = 0; i < LOOKUPS; i++)
		pcs[i] = t->ips[0] + rnd(&seed) % (t->ips[t->n - 1] - t->ips[0] + 1);
	/* correctness: the entry must be the last one with ip <= pc */
	for (size_t i = 0; i < CHECKS; i++) {
		const struct ks_orc *o = ks_orc_table_find(t, pcs[i]);
		size_t lo = 0, hi = t->n;

		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;

			if (t->ips[mid] <= pcs[i])
				lo = mid;
			else
				hi = mid;
		}
		bad += o != &t->entries[lo];
	}
	t0 = now_s();
	for (size_t i = 0; i < LOOKUPS; i++)
		sink += (uintptr_t)ks_orc_table_find(t, pcs[i]);
	dt = now_s() - t0;
	printf("micro: ORC lookup: %.1f M lookups/s on one core (%zu entries, %u random pcs; %zu of %u checked answers wrong)%s\n",
	       LOOKUPS / dt / 1e6, t->n, LOOKUPS, bad, CHECKS, sink == 1 ? " " : "");
	ks_orc_table_destroy(t);
	free(pcs);
	free(raw);
	return bad != 0;
}

static int bench_ksyms(const char *path)
{
	struct ks_ksyms ks;
	struct ks_error *err = ks_ksyms_load(&ks, path);
	uint64_t *addrs, seed = 0x2545f4914f6cdd1dull, sink = 0;
	size_t ntext = 0, bad = 0;
	double t0, dt;

	if (err) {
		fprintf(stderr, "micro: %s\n", err->message);
		return 1;
	}
	/* return addresses: inside text symbols (core and modules) */
	addrs = malloc(LOOKUPS * sizeof(*addrs));
	for (size_t i = 0; i < ks.nsyms; i++)
		ntext += ks.syms[i].type == 't' || ks.syms[i].type == 'T';
	if (!ntext) {
		fprintf(stderr, "micro: %s has no text symbols with addresses\n", path);
		return 1;
	}
	for (size_t i = 0; i < LOOKUPS; i++) {
		const struct ks_sym *s;

		do
			s = &ks.syms[rnd(&seed) % ks.nsyms];
		while (s->type != 't' && s->type != 'T');
		addrs[i] = s->addr + 1 + (s->size ? rnd(&seed) % s->size : 0);
	}
	for (size_t i = 0; i < CHECKS; i++) {
		struct ks_symbol sym;

		if (!ks_ksyms_lookup_return(&ks, addrs[i], &sym) || sym.addr > addrs[i] - 1 ||
		    (sym.size && addrs[i] - 1 >= sym.addr + sym.size) || sym.offset != addrs[i] - sym.addr)
			bad++;
	}
	t0 = now_s();
	for (size_t i = 0; i < LOOKUPS; i++) {
		struct ks_symbol sym;

		sink += ks_ksyms_lookup_return(&ks, addrs[i], &sym) ? sym.offset : 0;
	}
	dt = now_s() - t0;
	printf("micro: symbolizer: %.1f M lookups/s on one core (%zu symbols, %u return addresses; %zu of %u checked answers wrong)%s\n",
	       LOOKUPS / dt / 1e6, ks.nsyms, LOOKUPS, bad, CHECKS, sink == 1 ? " " : "");
	free(addrs);
	ks_ksyms_fini(&ks);
	return bad != 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: micro ORC_FIXTURE KALLSYMS\n");
		return 2;
	}
	return bench_orc(argv[1]) | bench_ksyms(argv[2]);
}
