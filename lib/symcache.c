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
static void ks_symcache_from_driver(struct ks_driver *drv, uint64_t ip, bool exact,
				    char *buf, size_t len)
{
	static char names[1][KSTACK_SYM_LEN];
	struct ks_error *err = ks_driver_symbolize(drv, &ip, 1, !exact, names);
	char *k = names[0], *br;

	if (err || !k[0]) {
		ks_error_destroy(err);
		snprintf(buf, len, "[unknown]");
		return;
	}
	br = strstr(k, " [");
	if (br) {
		*br = '\0';
		br[strcspn(br + 2, "]") + 2] = '\0';
		snprintf(buf, len, "%s!%s", br + 2, k);
	} else {
		snprintf(buf, len, "vmlinux!%s", k);
	}
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

const char *ks_symcache_name(struct ks_symcache *c, uint64_t ip, bool exact)
{
	static char fallback[512];
	struct ks_symcache_slot *s;
	char buf[512];
	const char *text;

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
	text = buf;
	if ((c->used + 1) * 2 > c->cap && !ks_symcache_grow(c))
		goto nomem;
	s = ks_symcache_find(c->slots, c->cap, ip, exact);
	s->text = strdup(text);
	if (!s->text)
		goto nomem;
	s->ip = ip;
	s->exact = exact;
	c->used++;
	return s->text;
nomem:
	snprintf(fallback, sizeof(fallback), "%s", text);
	return fallback;
}

void ks_symcache_fini(struct ks_symcache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->slots[i].text);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}
