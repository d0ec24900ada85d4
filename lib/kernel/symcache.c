// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "output.h"
#include "symcache.h"
#include "vec.h"

/* One distinct (address, exact): its text once named. */
struct ks_symcache_entry {
	uint64_t ip;
	bool exact;
	char *text;		/* NULL: queued by ks_symcache_want(), not named yet */
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

static uint64_t ks_symcache_hash(uint64_t ip, bool exact)
{
	return ks_hash_u64(ip ^ (uint64_t)exact);
}

static bool ks_symcache_eq(const void *val, const void *key)
{
	const struct ks_symcache_entry *e = val;
	const struct ks_symcache_want *k = key;

	return e->ip == k->ip && e->exact == k->exact;
}

static struct ks_symcache_entry *ks_symcache_find(const struct ks_symcache *c, uint64_t ip,
						  bool exact)
{
	const struct ks_symcache_want key = { ip, exact };

	return ks_hashtab_get(&c->names, ks_symcache_hash(ip, exact), ks_symcache_eq, &key);
}

/* The entry for (ip, exact), made (unnamed) if new; NULL without memory. */
static struct ks_symcache_entry *ks_symcache_entry(struct ks_symcache *c, uint64_t ip,
						   bool exact)
{
	struct ks_symcache_entry *e = ks_symcache_find(c, ip, exact);

	if (e)
		return e;
	e = malloc(sizeof(*e));
	if (!e)
		return NULL;
	*e = (struct ks_symcache_entry){ .ip = ip, .exact = exact };
	if (!ks_hashtab_add(&c->names, ks_symcache_hash(ip, exact), e)) {
		free(e);
		return NULL;
	}
	return e;
}

/* Store text for (ip, exact); NULL when out of memory. */
static const char *ks_symcache_insert(struct ks_symcache *c, uint64_t ip, bool exact,
				      const char *text)
{
	struct ks_symcache_entry *e = ks_symcache_entry(c, ip, exact);
	char *copy;

	if (!e)
		return NULL;
	copy = strdup(text);
	if (!copy)
		return NULL;	/* a queued entry stays queued: named on demand */
	free(e->text);
	e->text = copy;
	return copy;
}

const char *ks_symcache_name(struct ks_symcache *c, uint64_t ip, bool exact)
{
	static char fallback[KS_SYMCACHE_TEXT_MAX];
	struct ks_symcache_entry *e = ks_symcache_find(c, ip, exact);
	const char *text;
	char buf[KS_SYMCACHE_TEXT_MAX];

	if (e && e->text) {
		c->hits++;
		return e->text;
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
	if (!ks_symcache_driver_mode(c))
		return;		/* kallsyms lookups are local and cheap */
	if (ks_symcache_find(c, ip, exact))
		return;		/* named or queued already */
	if (!ks_vec_grow(&c->want, &c->want_cap, c->nwant + 1, sizeof(*c->want), 256))
		return;
	/* an unnamed entry: the next want of this address is a hit */
	if (!ks_symcache_entry(c, ip, exact))
		return;
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
	struct ks_symcache_entry *e;
	size_t pos = 0;

	while ((e = ks_hashtab_next(&c->names, &pos))) {
		free(e->text);
		free(e);
	}
	ks_hashtab_fini(&c->names);
	free(c->want);
	memset(c, 0, sizeof(*c));
}
