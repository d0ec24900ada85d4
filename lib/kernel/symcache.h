/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Each distinct address symbolized once: a whole-system listing repeats
 * the same few hundred return addresses (every sleeper passes through
 * __schedule), so the formatted text is kept in a hash table (hashtab.h)
 * keyed by (address, exact).
 */
#ifndef KSTACK_SYMCACHE_H
#define KSTACK_SYMCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "kdriver.h"
#include "ksyms.h"

struct ks_symcache_want;

struct ks_symcache {
	const struct ks_ksyms *ksyms;	/* used when it has symbols, else: */
	struct ks_driver *drv;		/* the driver's SYMBOLIZE, if set */
	struct ks_hashtab names;	/* of (address, exact) -> text */
	struct ks_symcache_want *want;	/* addresses queued by ks_symcache_want() */
	size_t nwant, want_cap;
	size_t hits, misses;
};

void ks_symcache_init(struct ks_symcache *c, const struct ks_ksyms *ksyms);

/* Name through the driver where ksyms holds no symbols (no kallsyms parse). */
void ks_symcache_use_driver(struct ks_symcache *c, struct ks_driver *drv);

/*
 * ks_format_symbol()'s text for ip: "owner!sym+0xoff/0xsize" or
 * "[unknown]". The pointer
 * stays valid until ks_symcache_fini(). Never NULL: without memory it
 * formats into a static buffer (valid until the next call).
 */
const char *ks_symcache_name(struct ks_symcache *c, uint64_t ip, bool exact);

/*
 * Driver mode: queue an address to be named by the next
 * ks_symcache_resolve(), which names all queued addresses in a few batched
 * SYMBOLIZE calls instead of one call each. An address already named or
 * queued costs one hash lookup. With kallsyms (local, cheap lookups) it does
 * nothing; without memory the address is named on demand later.
 */
void ks_symcache_want(struct ks_symcache *c, uint64_t ip, bool exact);
void ks_symcache_resolve(struct ks_symcache *c);

void ks_symcache_fini(struct ks_symcache *c);

#endif
