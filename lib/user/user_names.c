// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "user_names.h"

char *ks_user_format_name(const char *owner, const char *sym, size_t sym_len, uint64_t off,
			  uint64_t size)
{
	size_t elen = ks_escape(NULL, 0, sym, sym_len);
	char *esym = malloc(elen + 1), *text = NULL;
	int len;

	if (!esym)
		return NULL;
	ks_escape(esym, elen + 1, sym, sym_len);
	len = size ? asprintf(&text, "%s!%s+0x%" PRIx64 "/0x%" PRIx64, owner, esym, off, size) :
		     asprintf(&text, "%s!%s+0x%" PRIx64, owner, esym, off);
	free(esym);
	return len < 0 ? NULL : text;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* text, interned in *tree (kept until the unwinder's fini); taken over. NULL without memory. */
static const char *intern(void **tree, char *text)
{
	char **slot;

	if (!text)
		return NULL;
	slot = tsearch(text, tree, cmp_str);
	if (!slot) {
		free(text);
		return NULL;
	}
	if (*slot != text)
		free(text);
	return *slot;
}

/*
 * Could pc, outside any ELF file we could read, be JIT code? Only in an
 * executable mapping (anonymous memory; a memfd, as .NET's double mapping
 * uses): where runtimes put the code their perf maps name.
 */
static bool jit_candidate(const struct ks_user_proc *p, uint64_t lookup)
{
	const struct ks_map *m = ks_maps_find(&p->maps, lookup);

	return m && m->exec;
}

/*
 * p's perf map: read on first need, kept while p is the process named,
 * read again on a new take of p if its file changed since.
 */
static const struct ks_perf_map *jit_map_of(struct ks_user_unwinder *u,
					    const struct ks_user_proc *p)
{
	struct ks_error *err;

	if (u->jit_read && u->jit_pid == p->io_id &&
	    (u->jit_checked || ks_perf_map_unchanged(&u->jit, u->proc, p->io_id))) {
		u->jit_checked = true;
		return &u->jit;
	}
	ks_perf_map_fini(&u->jit);
	u->jit_read = true;
	u->jit_checked = true;
	u->jit_pid = p->io_id;
	err = ks_perf_map_read(&u->jit, u->proc, p->io_id);
	if (err && err->code != ENOENT && u->note) {
		char *msg;

		/* said once a process; its JIT frames stay "[unknown]" */
		if (asprintf(&msg, "process %" PRIu64 ": perf map: %s", p->pid, err->message) >= 0) {
			u->note(u->note_arg, msg);
			free(msg);
		}
	}
	ks_error_destroy(err);
	return &u->jit;
}

const char *ks_user_jit_name(struct ks_user_unwinder *u, const struct ks_user_proc *p,
			     uint64_t pc, uint64_t lookup)
{
	const struct ks_perf_map *m;
	const struct ks_perf_sym *sym;
	char owner[48];

	if (!p || !jit_candidate(p, lookup))
		return NULL;
	m = jit_map_of(u, p);
	sym = ks_perf_map_find(m, lookup);
	if (!sym)
		return NULL;
	snprintf(owner, sizeof(owner), "perf-%" PRIu64 ".map", m->nspid);
	return intern(&u->jit_names, ks_user_format_name(owner, sym->name, sym->name_len,
						 pc - sym->start, sym->end - sym->start));
}
