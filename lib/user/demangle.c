// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "demangle.h"
#include "vec.h"

/*
 * The demanglers write through a callback into this buffer, so that the
 * output is bounded as it is made (cplus_demangle_v3() would malloc the
 * whole text first, however large) and no libiberty allocator (xmalloc
 * exits the process when memory runs out) is involved.
 */
struct dm_buf {
	char *s;
	size_t len, cap;
	bool bad;		/* over KS_DEMANGLE_MAX, or no memory */
};

static void dm_put(const char *s, size_t n, void *arg)
{
	struct dm_buf *b = arg;

	if (b->bad)
		return;
	if (b->len + n + 1 > KS_DEMANGLE_MAX) {
		b->bad = true;
		return;
	}
	if (!ks_vec_grow(&b->s, &b->cap, b->len + n + 1, 1, 256)) {
		b->bad = true;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* One demangler's text for name, or NULL (not its scheme, too long, no memory). */
static char *dm_run(int (*fn)(const char *, int, demangle_callbackref, void *),
		    const char *name, int options)
{
	struct dm_buf b = { 0 };

	if (!fn(name, options, dm_put, &b) || b.bad || !b.len) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *ks_demangle(const char *sym)
{
	const char *at = strchr(sym, '@');
	char *base = NULL, *out, *full;
	const char *name = sym;

	/* every scheme we know starts so: skip the copy for C names */
	if (sym[0] != '_' || (sym[1] != 'Z' && sym[1] != 'R'))
		return NULL;
	if (at) {
		base = strndup(sym, (size_t)(at - sym));
		if (!base)
			return NULL;
		name = base;
	}
	/* Rust first: its legacy names are valid Itanium names too (cplus_demangle()'s order) */
	out = dm_run(rust_demangle_callback, name, 0);
	if (!out && sym[1] == 'Z')
		out = dm_run(cplus_demangle_v3_callback, name, DMGL_PARAMS | DMGL_ANSI);
	free(base);
	if (!out || !at)
		return out;
	full = malloc(strlen(out) + strlen(at) + 1);
	if (full) {
		strcpy(full, out);
		strcat(full, at);
	}
	free(out);
	return full;
}
