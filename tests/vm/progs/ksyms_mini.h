/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal /proc/kallsyms reader for the driver tests: they need a few
 * addresses and an independent symbolizer to compare the driver's frames
 * with /proc/PID/task/TID/stack (deliberately not lib/, which it checks).
 */
#ifndef KSYMS_MINI_H
#define KSYMS_MINI_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	size_t order;	/* position in /proc/kallsyms: keeps aliases stable */
	char type;
	char name[128];	/* "name" or "name [module]"; long names cut */
};

static struct ksym *ksyms;
static size_t nksyms;

static inline int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static inline int ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];
	size_t cap = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[256], mod[128] = "";
		unsigned long long a;
		char t;

		if (sscanf(line, "%llx %c %255s [%127[^]]]", &a, &t, name, mod) < 3)
			continue;
		if (nksyms == cap) {
			cap = cap ? cap * 2 : 65536;
			ksyms = realloc(ksyms, cap * sizeof(*ksyms));
			if (!ksyms)
				return -1;
		}
		ksyms[nksyms].addr = a;
		ksyms[nksyms].type = t;
		ksyms[nksyms].order = nksyms;
		if (mod[0])
			snprintf(ksyms[nksyms].name, sizeof(ksyms[0].name), "%.80s [%.40s]", name, mod);
		else
			snprintf(ksyms[nksyms].name, sizeof(ksyms[0].name), "%.120s", name);
		nksyms++;
	}
	fclose(f);
	qsort(ksyms, nksyms, sizeof(*ksyms), ksym_cmp);
	return nksyms ? 0 : -1;
}

static inline uint64_t ksym_addr(const char *name)
{
	for (size_t i = 0; i < nksyms; i++)
		if (!strcmp(ksyms[i].name, name))
			return ksyms[i].addr;
	return 0;
}

/* index of the last symbol at or below addr, or -1 */
static inline long ksym_find(uint64_t addr)
{
	size_t lo = 0, hi = nksyms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* like the kernel, name an address by the first of its aliases */
	while (lo > 1 && ksyms[lo - 2].addr == ksyms[lo - 1].addr)
		lo--;
	return (long)lo - 1;
}

/* [start, end) of the symbol containing addr (end: next higher address) */
static inline int ksym_bounds(uint64_t addr, uint64_t *start, uint64_t *end)
{
	long i = ksym_find(addr);
	size_t j;

	if (i < 0)
		return -1;
	*start = ksyms[i].addr;
	for (j = i + 1; j < nksyms && ksyms[j].addr == *start; j++)
		;
	*end = j < nksyms ? ksyms[j].addr : *start;
	return 0;
}

/*
 * A return address as /proc/PID/stack prints it (%pB): the symbol holding
 * addr - 1 (a call may be a function's last instruction), offset from addr.
 * Writes "name+0xoff", without "/size" or " [module]".
 */
static inline void ksym_format_ret(uint64_t addr, char *buf, size_t len)
{
	long i = ksym_find(addr - 1);
	char name[128], *sp;

	if (i < 0) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return;
	}
	memcpy(name, ksyms[i].name, sizeof(name));
	sp = strchr(name, ' ');
	if (sp)
		*sp = 0;
	snprintf(buf, len, "%.60s+0x%" PRIx64, name, addr - ksyms[i].addr);
}
#endif
