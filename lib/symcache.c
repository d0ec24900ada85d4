// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "output.h"
#include "symcache.h"

struct ks_symcache_slot {
	uint64_t ip;
	char *text;		/* NULL: empty slot; ks_symcache_queued: not named yet */
	bool exact;
};

struct ks_symcache_want {
	uint64_t ip;
	bool exact;
};

/*
 * A name's text: kallsyms names reach 511 bytes (KSYM_NAME_LEN), module
 * names 55, each up to 4 times as long escaped, plus offsets.
 */
#define KS_SYMCACHE_TEXT_MAX (KS_ESCAPE_SIZE(511 + 55) + 64)

/* Marks a slot reserved by ks_symcache_want() until its name arrives. */
static char ks_symcache_queued[] = "";

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
 * "module!name+0xoff/0xsize", "vmlinux!..." for the core kernel. Both
 * names are escaped (escape.h): whoever built a module chose them.
 */
static void ks_symcache_kernel_text(char *k, char *buf, size_t len)
{
	char *br = strstr(k, " [");
	size_t n;

	if (!k[0]) {
		snprintf(buf, len, "[unknown]");
		return;
	}
	if (br) {
		*br = '\0';
		br[strcspn(br + 2, "]") + 2] = '\0';
		n = ks_escape_str(buf, len, br + 2);
	} else {
		n = ks_escape_str(buf, len, "vmlinux");
	}
	if (n + 1 < len) {
		buf[n++] = '!';
		ks_escape_str(buf + n, len - n, k);
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

	char *copy;

	if ((c->used + 1) * 2 > c->cap && !ks_symcache_grow(c))
		return NULL;
	s = ks_symcache_find(c->slots, c->cap, ip, exact);
	copy = strdup(text);
	if (!copy)
		return NULL;	/* a queued slot stays queued: named on demand */
	if (!s->text)
		c->used++;
	s->text = copy;
	s->ip = ip;
	s->exact = exact;
	return s->text;
}

const char *ks_symcache_name(struct ks_symcache *c, uint64_t ip, bool exact)
{
	static char fallback[KS_SYMCACHE_TEXT_MAX];
	struct ks_symcache_slot *s;
	const char *text;
	char buf[KS_SYMCACHE_TEXT_MAX];

	if (c->cap) {
		s = ks_symcache_find(c->slots, c->cap, ip, exact);
		if (s->text && s->text != ks_symcache_queued) {
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

static bool ks_symcache_driver_mode(const struct ks_symcache *c)
{
	return (!c->ksyms || !c->ksyms->nsyms) && c->drv;
}

void ks_symcache_want(struct ks_symcache *c, uint64_t ip, bool exact)
{
	struct ks_symcache_slot *s;

	if (!ks_symcache_driver_mode(c))
		return;		/* kallsyms lookups are local and cheap */
	if (c->cap) {
		s = ks_symcache_find(c->slots, c->cap, ip, exact);
		if (s->text)
			return;	/* named or queued already */
	}
	if (c->nwant == c->want_cap) {
		size_t cap = c->want_cap ? 2 * c->want_cap : 256;
		struct ks_symcache_want *w = realloc(c->want, cap * sizeof(*w));

		if (!w)
			return;
		c->want = w;
		c->want_cap = cap;
	}
	if ((c->used + 1) * 2 > c->cap && !ks_symcache_grow(c))
		return;
	/* reserve the slot: the next want of this address is a hit */
	s = ks_symcache_find(c->slots, c->cap, ip, exact);
	s->ip = ip;
	s->exact = exact;
	s->text = ks_symcache_queued;
	c->used++;
	c->want[c->nwant++] = (struct ks_symcache_want){ ip, exact };
}

/* One SYMBOLIZE call for up to KSTACK_SYM_MAX addresses of one kind. */
static void ks_symcache_symbolize(struct ks_symcache *c, const uint64_t *ips, uint32_t n,
				  bool exact)
{
	static char names[KSTACK_SYM_MAX][KSTACK_SYM_LEN];
	struct ks_error *err = ks_driver_symbolize(c->drv, ips, n, !exact, names);
	char buf[KS_SYMCACHE_TEXT_MAX];
	uint32_t k;

	if (err) {
		ks_error_destroy(err);
		return;		/* left queued: named one by one on demand */
	}
	for (k = 0; k < n; k++) {
		ks_symcache_kernel_text(names[k], buf, sizeof(buf));
		ks_symcache_insert(c, ips[k], exact, buf);
	}
}

void ks_symcache_resolve(struct ks_symcache *c)
{
	uint64_t batch[KSTACK_SYM_MAX];
	int exact;

	/* SYMBOLIZE's flag covers a whole call: return addresses, then exact ips */
	for (exact = 0; exact < 2; exact++) {
		uint32_t n = 0;
		size_t i;

		for (i = 0; i < c->nwant; i++) {
			if (c->want[i].exact != (bool)exact)
				continue;
			batch[n++] = c->want[i].ip;
			if (n == KSTACK_SYM_MAX) {
				ks_symcache_symbolize(c, batch, n, exact);
				n = 0;
			}
		}
		if (n)
			ks_symcache_symbolize(c, batch, n, exact);
	}
	c->nwant = 0;
}

void ks_symcache_fini(struct ks_symcache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->slots[i].text != ks_symcache_queued)
			free(c->slots[i].text);
	free(c->slots);
	free(c->want);
	memset(c, 0, sizeof(*c));
}
