// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "symcache.h"

struct ks_symcache_slot {
	uint64_t ip;
	char *text;		/* NULL: empty slot */
	bool exact;
};

void ks_symcache_init(struct ks_symcache *c, const struct ks_ksyms *ksyms)
{
	memset(c, 0, sizeof(*c));
	c->ksyms = ksyms;
}

void ks_symcache_use_driver(struct ks_symcache *c, struct ks_driver *drv)
{
	c->drv = drv;
}

/*
 * The kernel names an address "name+0xoff/0xsize [module]"; we print
 * "module!name+0xoff/0xsize", "vmlinux!..." for the core kernel.
 */
static void ks_symcache_kernel_text(char *k, char *buf, size_t len)
{
	char *br = strstr(k, " [");

	if (!k[0]) {
		snprintf(buf, len, "[unknown]");
	} else if (br) {
		*br = '\0';
		br[strcspn(br + 2, "]") + 2] = '\0';
		snprintf(buf, len, "%s!%s", br + 2, k);
	} else {
		snprintf(buf, len, "vmlinux!%s", k);
	}
}

static void ks_symcache_from_driver(struct ks_driver *drv, uint64_t ip, bool exact,
				    char *buf, size_t len)
{
	static char names[1][KSTACK_SYM_LEN];
	struct ks_error *err = ks_driver_symbolize(drv, &ip, 1, !exact, names);

	if (err) {
		ks_error_destroy(err);
		names[0][0] = '\0';
	}
	ks_symcache_kernel_text(names[0], buf, len);
}

static size_t ks_symcache_hash(uint64_t ip, bool exact)
{
	uint64_t h = (ip ^ (uint64_t)exact) * 0x9e3779b97f4a7c15ull;	/* Fibonacci hashing */

	return (size_t)(h >> 32);
}

static struct ks_symcache_slot *ks_symcache_find(struct ks_symcache_slot *slots, size_t cap,
						 uint64_t ip, bool exact)
{
	size_t i = ks_symcache_hash(ip, exact) & (cap - 1);

	while (slots[i].text && (slots[i].ip != ip || slots[i].exact != exact))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static bool ks_symcache_grow(struct ks_symcache *c)
{
	size_t cap = c->cap ? 2 * c->cap : 1024, i;
	struct ks_symcache_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return false;
	for (i = 0; i < c->cap; i++)
		if (c->slots[i].text)
			*ks_symcache_find(slots, cap, c->slots[i].ip, c->slots[i].exact) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return true;
}

/* Store text for (ip, exact); NULL when out of memory. */
static const char *ks_symcache_insert(struct ks_symcache *c, uint64_t ip, bool exact,
				      const char *text)
{
	struct ks_symcache_slot *s;

	if ((c->used + 1) * 2 > c->cap && !ks_symcache_grow(c))
		return NULL;
	s = ks_symcache_find(c->slots, c->cap, ip, exact);
	s->text = strdup(text);
	if (!s->text)
		return NULL;
	s->ip = ip;
	s->exact = exact;
	c->used++;
	return s->text;
}

static bool ks_symcache_has(const struct ks_symcache *c, uint64_t ip, bool exact)
{
	return c->cap && ks_symcache_find(c->slots, c->cap, ip, exact)->text;
}

const char *ks_symcache_name(struct ks_symcache *c, uint64_t ip, bool exact)
{
	static char fallback[512];
	struct ks_symcache_slot *s;
	const char *text;
	char buf[512];

	if (c->cap) {
		s = ks_symcache_find(c->slots, c->cap, ip, exact);
		if (s->text) {
			c->hits++;
			return s->text;
		}
	}
	c->misses++;
	if ((!c->ksyms || !c->ksyms->nsyms) && c->drv)
		ks_symcache_from_driver(c->drv, ip, exact, buf, sizeof(buf));
	else
		ks_format_symbol(buf, sizeof(buf), c->ksyms, ip, exact);
	text = ks_symcache_insert(c, ip, exact, buf);
	if (text)
		return text;
	snprintf(fallback, sizeof(fallback), "%s", buf);
	return fallback;
}

/*
 * Driver-backed names cost an ioctl each; name every address of a run in
 * as few SYMBOLIZE calls as possible instead (one per 4,096 distinct).
 */
static int ks_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void ks_symcache_prefetch(struct ks_symcache *c, const uint64_t *ips, const bool *exact,
			  size_t n)
{
	static char names[KSTACK_SYM_MAX][KSTACK_SYM_LEN];
	uint64_t *want;
	char buf[512];
	int pass;

	if ((c->ksyms && c->ksyms->nsyms) || !c->drv || !n)
		return;		/* kallsyms lookups are local and cheap */
	want = malloc(n * sizeof(*want));
	if (!want)
		return;		/* names come one by one later */
	for (pass = 0; pass < 2; pass++) {	/* return addresses, then exact ips */
		size_t nw = 0, nu = 0, i, k;

		for (i = 0; i < n; i++)
			if (exact[i] == (bool)pass && !ks_symcache_has(c, ips[i], pass))
				want[nw++] = ips[i];
		qsort(want, nw, sizeof(*want), ks_u64_cmp);
		for (i = 0; i < nw; i++)	/* distinct only */
			if (!nu || want[nu - 1] != want[i])
				want[nu++] = want[i];
		for (i = 0; i < nu; i += KSTACK_SYM_MAX) {
			uint32_t m = nu - i > KSTACK_SYM_MAX ? KSTACK_SYM_MAX : (uint32_t)(nu - i);
			struct ks_error *err = ks_driver_symbolize(c->drv, want + i, m, !pass, names);

			if (err) {
				ks_error_destroy(err);
				goto out;
			}
			for (k = 0; k < m; k++) {
				ks_symcache_kernel_text(names[k], buf, sizeof(buf));
				if (!ks_symcache_insert(c, want[i + k], pass, buf))
					goto out;
			}
		}
	}
out:
	free(want);
}

void ks_symcache_fini(struct ks_symcache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->slots[i].text);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}
