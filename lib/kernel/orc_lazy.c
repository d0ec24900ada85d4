// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "orc_lazy.h"
#include "walk/search.h"

/* entries that can cover one block of text, as the kernel's orc_find() */
struct ks_orc_block {
	uint32_t n;
	uint64_t *ips;
	struct ks_orc *entries;
};

struct ks_orc_lazy {
	ks_orc_read_fn *read;
	void *ctx;
	enum ks_orc_layout layout;
	uint64_t ip_addr, orc_addr;	/* __start_orc_unwind_ip, __start_orc_unwind */
	size_t n;			/* entries in the whole table */
	uint64_t start;			/* _stext: block 0 */
	uint32_t order;			/* log2 of the block size */
	uint32_t *lookup;		/* orc_lookup[], nlookup entries */
	size_t nlookup;
	struct ks_orc_block **blocks;	/* nlookup - 1 slots, filled on use */
	struct ks_orc_block unreadable;	/* marks a block whose read failed */
};

static int32_t ks_le32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* Read and decode entries [first, first + m). */
static struct ks_orc_block *ks_orc_lazy_fetch(struct ks_orc_lazy *lz, size_t first, size_t m)
{
	struct ks_orc_block *b = calloc(1, sizeof(*b));
	uint8_t *raw = malloc(m * (4 + KS_ORC_RAW_SIZE));
	struct ks_error *err = NULL;
	size_t i;

	if (!b || !raw)
		goto fail;
	b->ips = malloc(m * sizeof(*b->ips));
	b->entries = malloc(m * sizeof(*b->entries));
	if (!b->ips || !b->entries)
		goto fail;
	err = lz->read(lz->ctx, lz->ip_addr + 4 * first, raw, 4 * m);
	if (!err)
		err = lz->read(lz->ctx, lz->orc_addr + KS_ORC_RAW_SIZE * first, raw + 4 * m,
			       KS_ORC_RAW_SIZE * m);
	for (i = 0; !err && i < m; i++) {
		b->ips[i] = lz->ip_addr + 4 * (first + i) + (uint64_t)(int64_t)ks_le32(raw + 4 * i);
		err = ks_orc_decode(lz->layout, raw + 4 * m + KS_ORC_RAW_SIZE * i, &b->entries[i]);
	}
	if (err)
		goto fail;
	b->n = (uint32_t)m;
	free(raw);
	return b;
fail:
	ks_error_destroy(err);
	free(raw);
	if (b) {
		free(b->ips);
		free(b->entries);
		free(b);
	}
	return NULL;
}

const struct ks_orc *ks_orc_lazy_find(struct ks_orc_lazy *lz, uint64_t pc)
{
	struct ks_orc_block *b;
	size_t idx, first, stop, found;

	if (pc < lz->start)
		return NULL;
	idx = (size_t)((pc - lz->start) >> lz->order);
	if (idx + 1 >= lz->nlookup)
		return NULL;
	b = lz->blocks[idx];
	if (!b) {
		/* as unwind_orc.c: entries lookup[idx] .. lookup[idx + 1] inclusive */
		first = lz->lookup[idx];
		stop = (size_t)lz->lookup[idx + 1] + 1;
		b = first < stop && stop <= lz->n ? ks_orc_lazy_fetch(lz, first, stop - first) : NULL;
		lz->blocks[idx] = b = b ? b : &lz->unreadable;
	}
	if (!ks_search_last_le(b->ips, 0, b->n, pc, ks_search_key_u64, &found))
		return NULL;
	return &b->entries[found];
}

void ks_orc_lazy_destroy(struct ks_orc_lazy *lz)
{
	size_t i;

	if (!lz)
		return;
	for (i = 0; lz->blocks && i + 1 < lz->nlookup; i++) {
		if (lz->blocks[i] && lz->blocks[i] != &lz->unreadable) {
			free(lz->blocks[i]->ips);
			free(lz->blocks[i]->entries);
			free(lz->blocks[i]);
		}
	}
	free(lz->blocks);
	free(lz->lookup);
	free(lz);
}

/* A few thousand entries from the middle must look like real code. */
static struct ks_error *ks_orc_lazy_sample_check(struct ks_orc_lazy *lz, const char *name)
{
	size_t m = lz->n < 4096 ? lz->n : 4096, first = (lz->n - m) / 2;
	uint8_t *raw = malloc(m * (4 + KS_ORC_RAW_SIZE));
	struct ks_orc_table *t = NULL;
	struct ks_error *err;

	if (!raw)
		return &ks_error_nomem;
	err = lz->read(lz->ctx, lz->ip_addr + 4 * first, raw, 4 * m);
	if (!err)
		err = lz->read(lz->ctx, lz->orc_addr + KS_ORC_RAW_SIZE * first, raw + 4 * m,
			       KS_ORC_RAW_SIZE * m);
	if (!err) {
		uint64_t base = lz->ip_addr + 4 * first;
		uint64_t lo = base + (uint64_t)(int64_t)ks_le32(raw);
		uint64_t hi = base + 4 * (m - 1) + (uint64_t)(int64_t)ks_le32(raw + 4 * (m - 1));

		err = ks_orc_table_from_raw(name, lz->layout, raw, base, raw + 4 * m, m, lo,
					    hi > lo ? hi + 1 : lo + 1, &t);
	}
	if (!err)
		err = ks_orc_table_check(t, false, NULL);
	ks_orc_table_destroy(t);
	free(raw);
	return err;
}

struct ks_error *ks_orc_lazy_table(const char *name, enum ks_orc_layout layout,
				   ks_orc_read_fn *read, void *ctx,
				   const struct kstack_kernel_info *ki,
				   struct ks_orc_table **ret)
{
	struct ks_orc_lazy *lz;
	struct ks_orc_table *t;
	struct ks_error *err;
	size_t nip, norc, i;

	if (!ki->orc_lookup_start || ki->orc_lookup_end <= ki->orc_lookup_start ||
	    (ki->orc_lookup_end - ki->orc_lookup_start) % 4 || !ki->orc_lookup_block_order ||
	    ki->orc_lookup_block_order > 20 || ki->text_end <= ki->text_start)
		return ks_error_format(ENOENT, "%s: no usable ORC block index from the driver", name);
	nip = (size_t)((ki->orc_ip_end - ki->orc_ip_start) / 4);
	norc = (size_t)((ki->orc_end - ki->orc_start) / KS_ORC_RAW_SIZE);
	if (ki->orc_ip_end <= ki->orc_ip_start || nip != norc || (ki->orc_ip_end - ki->orc_ip_start) % 4)
		return ks_error_format(EPROTO, "%s: ORC table bounds disagree (%zu ips, %zu entries)",
				       name, nip, norc);
	lz = calloc(1, sizeof(*lz));
	if (!lz)
		return &ks_error_nomem;
	*lz = (struct ks_orc_lazy){
		.read = read, .ctx = ctx, .layout = layout, .ip_addr = ki->orc_ip_start,
		.orc_addr = ki->orc_start, .n = nip, .start = ki->text_start,
		.order = ki->orc_lookup_block_order,
		.nlookup = (size_t)((ki->orc_lookup_end - ki->orc_lookup_start) / 4),
	};
	lz->lookup = malloc(lz->nlookup * sizeof(*lz->lookup));
	lz->blocks = calloc(lz->nlookup, sizeof(*lz->blocks));
	t = calloc(1, sizeof(*t));
	if (!lz->lookup || !lz->blocks || !t) {
		err = &ks_error_nomem;
		goto fail;
	}
	err = read(ctx, ki->orc_lookup_start, lz->lookup, lz->nlookup * sizeof(*lz->lookup));
	if (err) {
		err = ks_error_wrap(err, "%s: reading the ORC block index", name);
		goto fail;
	}
	/* the index must rise from 0 and stay inside the table */
	for (i = 0; i < lz->nlookup; i++) {
		if ((i == 0 && lz->lookup[0] != 0) || (i && lz->lookup[i] < lz->lookup[i - 1]) ||
		    lz->lookup[i] >= lz->n) {
			err = ks_error_format(EPROTO, "%s: ORC block index is inconsistent at block %zu",
					      name, i);
			goto fail;
		}
	}
	err = ks_orc_lazy_sample_check(lz, name);
	if (err)
		goto fail;
	t->name = strdup(name);
	if (!t->name) {
		err = &ks_error_nomem;
		goto fail;
	}
	t->start = ki->text_start;
	t->end = ki->text_end;
	t->n = lz->n;
	t->lazy = lz;
	t->lazy_find = ks_orc_lazy_find;
	t->lazy_destroy = ks_orc_lazy_destroy;
	*ret = t;
	return NULL;
fail:
	free(t);
	ks_orc_lazy_destroy(lz);
	return err;
}
