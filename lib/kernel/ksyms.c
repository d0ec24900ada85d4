// SPDX-License-Identifier: GPL-2.0
/*
 * A hand-rolled parser: /proc/kallsyms has ~100k lines, and a tool that
 * runs once per command must not spend its time in sscanf.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "read_file.h"
#include "vec.h"
#include "walk/search.h"

static int ks_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* kallsyms prints lower case */
}

static int ks_owner_index(struct ks_ksyms *ks, char *name, uint16_t *ret)
{
	size_t i;

	/* Module lines come grouped: the last owner is almost always it. */
	for (i = ks->nowners; i-- > 0;) {
		if (strcmp(ks->owners[i], name) == 0) {
			*ret = (uint16_t)i;
			return 0;
		}
	}
	if (ks->nowners >= UINT16_MAX)
		return -1;
	if (!ks_vec_grow(&ks->owners, &ks->owners_cap, ks->nowners + 1, sizeof(*ks->owners), 8))
		return -1;
	ks->owners[ks->nowners] = name;
	*ret = (uint16_t)ks->nowners++;
	return 0;
}

static int ks_sym_cmp(const void *a_, const void *b_)
{
	const struct ks_sym *a = a_, *b = b_;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* names are in file order: keep aliases in the kernel's order */
	return a->name < b->name ? -1 : a->name > b->name;
}

static bool ks_type_is_absolute(char t)
{
	return t == 'a' || t == 'A';
}

/*
 * Size = distance to the next higher address of the same owner; aliases
 * (symbols at one address) share it. Walks backwards, one pass.
 */
static void ks_ksyms_sizes(struct ks_ksyms *ks)
{
	struct { uint64_t addr, next; bool seen; } *own = calloc(ks->nowners, sizeof(*own));
	size_t i;

	if (!own)
		return;	/* sizes stay 0: "unknown", still correct output */
	for (i = ks->nsyms; i-- > 0;) {
		struct ks_sym *s = &ks->syms[i];

		if (!own[s->owner].seen || own[s->owner].addr != s->addr) {
			own[s->owner].next = own[s->owner].seen ? own[s->owner].addr : 0;
			own[s->owner].addr = s->addr;
			own[s->owner].seen = true;
		}
		s->size = own[s->owner].next ? own[s->owner].next - s->addr : 0;
	}
	free(own);
}

/* The few vmlinux symbols the walker and the /proc comparison need. */
static void ks_ksyms_note_marker(struct ks_ksyms *ks, const char *name, uint64_t addr)
{
	static const struct { const char *name; size_t off; } markers[] = {
		{ "__sched_text_start", offsetof(struct ks_ksyms, sched_start) },
		{ "__sched_text_end", offsetof(struct ks_ksyms, sched_end) },
		{ "__lock_text_start", offsetof(struct ks_ksyms, lock_start) },
		{ "__lock_text_end", offsetof(struct ks_ksyms, lock_end) },
		{ "_stext", offsetof(struct ks_ksyms, stext) },
		{ "_etext", offsetof(struct ks_ksyms, etext) },
		{ "ret_from_fork", offsetof(struct ks_ksyms, ret_from_fork) },
		{ "__start_orc_unwind_ip", offsetof(struct ks_ksyms, orc_ip_start) },
		{ "__stop_orc_unwind_ip", offsetof(struct ks_ksyms, orc_ip_stop) },
		{ "__start_orc_unwind", offsetof(struct ks_ksyms, orc_start) },
		{ "__stop_orc_unwind", offsetof(struct ks_ksyms, orc_stop) },
	};
	size_t i;

	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		if (strcmp(name, markers[i].name) == 0) {
			memcpy((char *)ks + markers[i].off, &addr, sizeof(addr));
			return;
		}
	}
}

struct ks_error *ks_ksyms_parse(struct ks_ksyms *ks, char *text, size_t len)
{
	size_t cap = 0, n = 0;
	char *p = text, *end = text + len;
	bool sorted = true;
	uint16_t vmlinux;
	size_t lineno = 0;

	memset(ks, 0, sizeof(*ks));
	ks->names = text;
	if (text[len] != '\0') {	/* names at the end need their terminator */
		ks_ksyms_fini(ks);
		return ks_error_format(EINVAL, "kallsyms text not NUL-terminated");
	}
	if (len > UINT32_MAX) {	/* names are 32-bit offsets */
		ks_ksyms_fini(ks);
		return ks_error_format(EFBIG, "kallsyms text too large");
	}
	/* a kallsyms line is ~32 bytes: one allocation for most files */
	if (!ks_vec_grow(&ks->syms, &cap, len / 32 + 16, sizeof(*ks->syms), 0) ||
	    ks_owner_index(ks, "vmlinux", &vmlinux) < 0) {
		ks_ksyms_fini(ks);
		return &ks_error_nomem;
	}
	while (p < end) {
		char *line = p, *name, *mod = NULL;
		uint64_t addr = 0;
		struct ks_sym *s;
		char type;
		int d;

		lineno++;
		while (p < end && (d = ks_hexval(*p)) >= 0) {
			addr = addr << 4 | (uint64_t)d;
			p++;
		}
		if (p == line && (p == end || *p == '\n')) {	/* empty line */
			p++;
			continue;
		}
		if (end - p < 4 || p[0] != ' ' || p[1] == '\n' || p[2] != ' ' || p[3] == '\n') {
			ks_ksyms_fini(ks);
			return ks_error_format(EPROTO, "kallsyms line %zu: not \"ADDR TYPE NAME\"", lineno);
		}
		line = p;
		/* one pass over the name: up to a tab (module follows) or the end */
		for (p += 3; p < end && *p != '\n' && *p != '\t'; p++)
			;
		if (p < end && *p == '\t') {
			*p++ = '\0';
			mod = p;
			while (p < end && *p != '\n')
				p++;
		}
		if (p < end)
			*p++ = '\0';
		type = line[1];
		name = line + 3;
		if (ks_type_is_absolute(type))
			continue;	/* per-cpu offsets, not code */
		if (!ks_vec_grow(&ks->syms, &cap, n + 1, sizeof(*ks->syms), 0)) {
			ks_ksyms_fini(ks);
			return &ks_error_nomem;
		}
		s = &ks->syms[n];
		s->addr = addr;
		s->size = 0;
		s->type = type;
		s->name = (uint32_t)(name - text);
		s->owner = vmlinux;
		if (mod) {
			char *close;

			if (mod < end && *mod == '[')
				mod++;
			close = strchr(mod, ']');
			if (close)
				*close = '\0';
			if (ks_owner_index(ks, mod, &s->owner) < 0) {
				ks_ksyms_fini(ks);
				return &ks_error_nomem;
			}
		} else if ((name[0] == '_' && (name[1] == 's' || name[1] == 'e' ||
					       (name[1] == '_' && strchr("slo", name[2])))) ||
			   name[0] == 'r') {
			/* cheap filter first: a third of all names start with '_' */
			ks_ksyms_note_marker(ks, name, addr);
		}
		if (n && addr < ks->syms[n - 1].addr)
			sorted = false;
		n++;
	}
	ks->nsyms = n;
	/* vmlinux is in address order already; modules usually are not. */
	if (!sorted)
		qsort(ks->syms, n, sizeof(*ks->syms), ks_sym_cmp);
	ks_ksyms_sizes(ks);
	return NULL;
}

/*
 * A bound on what is read as kallsyms: the booted kernel's, every module's
 * symbols included, is ~10-20 MiB (93,947 symbols, 4.1 MiB in the test
 * VM); a path such as /dev/zero must end in an error, not in the OOM
 * killer.
 */
#define KS_KALLSYMS_MAX (64u << 20)

struct ks_error *ks_ksyms_load(struct ks_ksyms *ks, const char *path)
{
	struct ks_error *err;
	size_t len;
	char *buf;

	/* the booted kernel's is ~4 MiB: one read into the first buffer */
	err = ks_read_file(path, 1u << 22, KS_KALLSYMS_MAX, &buf, &len);
	if (err && err->code == EFBIG) {
		ks_error_destroy(err);
		return ks_error_format(EFBIG, "%s: more than %u MiB: not a kallsyms file", path,
				       KS_KALLSYMS_MAX >> 20);
	}
	if (err)
		return err;
	return ks_error_wrap(ks_ksyms_parse(ks, buf, len), "%s", path);
}

void ks_ksyms_fini(struct ks_ksyms *ks)
{
	free(ks->names);
	free(ks->syms);
	free(ks->owners);
	memset(ks, 0, sizeof(*ks));
}

static uint64_t ks_sym_key(const void *syms, size_t i)
{
	return ((const struct ks_sym *)syms)[i].addr;
}

/* Index of the first (in kernel order) symbol at the highest address <= addr. */
static bool ks_ksyms_find(const struct ks_ksyms *ks, uint64_t addr, size_t *ret)
{
	size_t i;

	if (!ks_search_last_le(ks->syms, 0, ks->nsyms, addr, ks_sym_key, &i))
		return false;
	while (i > 0 && ks->syms[i - 1].addr == ks->syms[i].addr)
		i--;
	*ret = i;
	return true;
}

bool ks_ksyms_lookup(const struct ks_ksyms *ks, uint64_t addr, struct ks_symbol *ret)
{
	const struct ks_sym *s;
	size_t i;

	if (!ks_ksyms_has_addresses(ks) || !ks_ksyms_find(ks, addr, &i))
		return false;
	s = &ks->syms[i];
	/* The last symbol of an owner has no known end: accept only its own
	 * address range's first page rather than claim anything above it. */
	if (s->size ? addr - s->addr >= s->size : addr - s->addr >= 4096)
		return false;
	ret->name = ks->names + s->name;
	ret->owner = ks->owners[s->owner];
	ret->addr = s->addr;
	ret->offset = addr - s->addr;
	ret->size = s->size;
	return true;
}

bool ks_ksyms_lookup_return(const struct ks_ksyms *ks, uint64_t addr, struct ks_symbol *ret)
{
	if (!addr || !ks_ksyms_lookup(ks, addr - 1, ret))
		return false;
	ret->offset++;
	return true;
}

uint64_t ks_ksyms_addr(const struct ks_ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->nsyms; i++)
		if (ks->syms[i].owner == 0 && strcmp(ks->names + ks->syms[i].name, name) == 0)
			return ks->syms[i].addr;
	return 0;
}

bool ks_ksyms_is_text(const struct ks_ksyms *ks, uint64_t addr)
{
	const struct ks_sym *s;
	size_t i;

	/* vmlinux: the kernel's own is_kernel_text() range */
	if (ks->stext && addr >= ks->stext && addr < ks->etext)
		return true;
	if (!ks_ksyms_find(ks, addr, &i))
		return false;
	s = &ks->syms[i];
	if (s->owner == 0 || !strchr("tTwW", s->type))
		return false;
	return s->size ? addr - s->addr < s->size : addr - s->addr < 4096;
}

bool ks_ksyms_in_sched(const struct ks_ksyms *ks, uint64_t addr)
{
	return (addr >= ks->sched_start && addr < ks->sched_end) ||
	       (addr >= ks->lock_start && addr < ks->lock_end);
}

bool ks_ksyms_has_addresses(const struct ks_ksyms *ks)
{
	return ks->nsyms && ks->syms[ks->nsyms - 1].addr != 0;
}
