// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "orc_table.h"
#include "vec.h"
#include "walk/search.h"

/* 256-byte blocks: small enough that a block holds a handful of entries. */
#define KS_ORC_BLOCK_SHIFT 8

static int32_t ks_le32s(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* Sort helpers: the kernel puts "weak" terminators (UNDEFINED) first among
 * equal ips so a real entry at the same address wins (unwind_orc.c). */
struct ks_orc_sort_item {
	uint64_t ip;
	struct ks_orc orc;
	size_t index;
};

static int ks_orc_sort_cmp(const void *a_, const void *b_)
{
	const struct ks_orc_sort_item *a = a_, *b = b_;
	int aw = a->orc.type == KS_ORC_TYPE_UNDEFINED;
	int bw = b->orc.type == KS_ORC_TYPE_UNDEFINED;

	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	if (aw != bw)
		return aw ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static struct ks_error *ks_orc_sort(struct ks_orc_table *t)
{
	struct ks_orc_sort_item *items = malloc(t->n * sizeof(*items));
	size_t i;

	if (!items)
		return &ks_error_nomem;
	for (i = 0; i < t->n; i++) {
		items[i].ip = t->ips[i];
		items[i].orc = t->entries[i];
		items[i].index = i;
	}
	qsort(items, t->n, sizeof(*items), ks_orc_sort_cmp);
	for (i = 0; i < t->n; i++) {
		t->ips[i] = items[i].ip;
		t->entries[i] = items[i].orc;
	}
	free(items);
	return NULL;
}

static struct ks_error *ks_orc_build_blocks(struct ks_orc_table *t)
{
	uint64_t span;
	size_t b, i = 0;

	if (t->end <= t->start)
		return ks_error_format(EINVAL, "%s: empty code range", t->name);
	span = t->end - t->start;
	/* One block per 256 bytes of code, plus the closing one. */
	t->nblocks = (size_t)((span + (1u << KS_ORC_BLOCK_SHIFT) - 1) >> KS_ORC_BLOCK_SHIFT) + 1;
	t->blocks = malloc(t->nblocks * sizeof(*t->blocks));
	if (!t->blocks)
		return &ks_error_nomem;
	/* blocks[b]: rightmost entry with ip <= block start (0 if none). */
	for (b = 0; b < t->nblocks; b++) {
		uint64_t addr = t->start + ((uint64_t)b << KS_ORC_BLOCK_SHIFT);

		while (i + 1 < t->n && t->ips[i + 1] <= addr)
			i++;
		t->blocks[b] = (uint32_t)i;
	}
	return NULL;
}

struct ks_error *ks_orc_table_from_raw(const char *name, enum ks_orc_layout layout,
				       const void *ip_raw, uint64_t ip_addr,
				       const void *orc_raw, size_t n,
				       uint64_t start, uint64_t end,
				       struct ks_orc_table **ret)
{
	const uint8_t *ipp = ip_raw, *orcp = orc_raw;
	struct ks_orc_table *t;
	struct ks_error *err;
	bool sorted = true;
	size_t i;

	if (n == 0)
		return ks_error_format(ENOENT, "%s: ORC table is empty", name);
	if (n > UINT32_MAX)
		return ks_error_format(EFBIG, "%s: ORC table too large (%zu entries)", name, n);
	t = calloc(1, sizeof(*t));
	if (!t)
		return &ks_error_nomem;
	t->name = strdup(name);
	t->ips = malloc(n * sizeof(*t->ips));
	t->entries = malloc(n * sizeof(*t->entries));
	if (!t->name || !t->ips || !t->entries) {
		ks_orc_table_destroy(t);
		return &ks_error_nomem;
	}
	t->n = n;
	t->start = start;
	t->end = end;
	for (i = 0; i < n; i++) {
		t->ips[i] = ip_addr + 4 * (uint64_t)i + (uint64_t)(int64_t)ks_le32s(ipp + 4 * i);
		err = ks_orc_decode(layout, orcp + KS_ORC_RAW_SIZE * i, &t->entries[i]);
		if (err) {
			ks_orc_table_destroy(t);
			return ks_error_wrap(err, "%s: ORC entry %zu of %zu (ip %#llx) as %s",
					     name, i, n, (unsigned long long)(ip_addr + 4 * i),
					     ks_orc_layout_name(layout));
		}
		/* order: by ip, weak terminators first among equals */
		if (i && (t->ips[i] < t->ips[i - 1] ||
			  (t->ips[i] == t->ips[i - 1] &&
			   t->entries[i].type == KS_ORC_TYPE_UNDEFINED &&
			   t->entries[i - 1].type != KS_ORC_TYPE_UNDEFINED)))
			sorted = false;
	}
	/* vmlinux is sorted at build time, modules at load; check, don't trust. */
	if (!sorted) {
		err = ks_orc_sort(t);
		if (err) {
			ks_orc_table_destroy(t);
			return err;
		}
	}
	err = ks_orc_build_blocks(t);
	if (err) {
		ks_orc_table_destroy(t);
		return err;
	}
	*ret = t;
	return NULL;
}

struct ks_error *ks_orc_table_check(const struct ks_orc_table *t, bool need_end,
				    struct ks_orc_stats *stats_ret)
{
	struct ks_orc_stats s = { 0 };
	size_t i;

	for (i = 0; i < t->n; i++) {
		switch (t->entries[i].type) {
		case KS_ORC_TYPE_CALL:
			s.call++;
			break;
		case KS_ORC_TYPE_REGS:
			s.regs++;
			break;
		case KS_ORC_TYPE_REGS_PARTIAL:
			s.regs_partial++;
			break;
		case KS_ORC_TYPE_END_OF_STACK:
			s.end_of_stack++;
			break;
		default:
			s.undefined++;
			break;
		}
	}
	if (stats_ret)
		*stats_ret = s;
	/* Compiled C is CALL frames almost everywhere (vmlinux 6.1: >95%). */
	if (s.call * 2 < t->n)
		return ks_error_format(EPROTO,
				       "%s: ORC table fails the layout sanity test: only %zu of %zu entries are CALL frames (%zu undefined, %zu regs-partial); wrong layout?",
				       t->name, s.call, t->n, s.undefined, s.regs_partial);
	if (need_end && s.end_of_stack == 0)
		return ks_error_format(EPROTO,
				       "%s: ORC table has no end-of-stack entry; wrong layout?",
				       t->name);
	return NULL;
}

const struct ks_orc *ks_orc_table_find(const struct ks_orc_table *t, uint64_t pc)
{
	size_t lo = 0, hi = t->n - 1, i;

	if (t->lazy)
		return t->lazy_find(t->lazy, pc);
	if (pc < t->ips[0])
		return NULL;
	if (pc >= t->start && pc < t->end) {
		size_t b = (size_t)((pc - t->start) >> KS_ORC_BLOCK_SHIFT);

		lo = t->blocks[b];
		hi = b + 1 < t->nblocks ? t->blocks[b + 1] : t->n - 1;
		/* blocks[b+1] is the last entry <= next block's start; the
		 * answer can be that entry itself. */
	}
	if (hi >= t->n || !ks_search_last_le(t->ips, lo, hi + 1, pc, ks_search_key_u64, &i))
		return NULL;
	return &t->entries[i];
}

void ks_orc_table_destroy(struct ks_orc_table *t)
{
	if (!t)
		return;
	if (t->lazy)
		t->lazy_destroy(t->lazy);
	free(t->name);
	free(t->ips);
	free(t->entries);
	free(t->blocks);
	free(t);
}

struct ks_error *ks_orc_set_add(struct ks_orc_set *set, struct ks_orc_table *table)
{
	struct ks_orc_table **tables;
	size_t i, pos = set->count;

	for (i = 0; i < set->count; i++) {
		const struct ks_orc_table *o = set->tables[i];

		if (table->start < o->end && o->start < table->end) {
			struct ks_error *err = ks_error_format(EEXIST,
				"ORC table %s [%#llx, %#llx) overlaps %s", table->name,
				(unsigned long long)table->start,
				(unsigned long long)table->end, o->name);
			ks_orc_table_destroy(table);
			return err;
		}
		if (pos == set->count && table->start < o->start)
			pos = i;
	}
	if (!ks_vec_grow(&set->tables, &set->cap, set->count + 1, sizeof(*set->tables), 8)) {
		ks_orc_table_destroy(table);
		return &ks_error_nomem;
	}
	tables = set->tables;
	memmove(tables + pos + 1, tables + pos, (set->count - pos) * sizeof(*tables));
	tables[pos] = table;
	set->count++;
	return NULL;
}

static uint64_t ks_table_start_key(const void *tables, size_t i)
{
	return ((const struct ks_orc_table *const *)tables)[i]->start;
}

const struct ks_orc_table *ks_orc_set_table(const struct ks_orc_set *set, uint64_t pc)
{
	const struct ks_orc_table *t;
	size_t i;

	/* the last table starting at or below pc; tables do not overlap */
	if (!ks_search_last_le(set->tables, 0, set->count, pc, ks_table_start_key, &i))
		return NULL;
	t = set->tables[i];
	return pc < t->end ? t : NULL;
}

const struct ks_orc *ks_orc_set_find(const struct ks_orc_set *set, uint64_t pc)
{
	const struct ks_orc_table *t = ks_orc_set_table(set, pc);

	return t ? ks_orc_table_find(t, pc) : NULL;
}

void ks_orc_set_clear(struct ks_orc_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		ks_orc_table_destroy(set->tables[i]);
	free(set->tables);
	set->tables = NULL;
	set->count = 0;
	set->cap = 0;
}
