// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * COFF symbols and exports of a PE image (pe_symbols.h). Layouts from the
 * PE/COFF specification; fields are read byte by byte as little-endian,
 * never through a cast of the image, so no alignment or host order is
 * assumed and the host tests read the same bytes Windows would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe_symbols.h"

#define MACHINE_I386	0x014c
#define SCN_CNT_CODE	0x00000020u
#define SCN_MEM_EXECUTE	0x20000000u
#define SYM_CLASS_EXTERNAL	2
#define SYM_CLASS_STATIC	3
#define SYM_SIZE	18	/* one symbol table record */
/*
 * Sanity bounds on what a header claims, so a hostile one cannot make us
 * allocate or read gigabytes: the ordinal table is 16-bit (no export past
 * 65536 can be named), real names are far below NAME_MAX, and loaders
 * put the NT headers within the first page or so.
 */
#define MAX_EXPORTS	65536u
#define NAME_MAX_LEN	1024
#define MAX_LFANEW	0x10000u

/* What reading one table can end in, besides 0. */
#define BAD_TABLE	(-1)	/* not where the header says: the table is dropped */
#define NO_MEMORY	(-2)	/* the whole load fails */

struct section {
	uint32_t va, vsize, raw, rawsize, flags;
};

/* One image being read: where its bytes come from and what its headers say. */
struct pe {
	ks_pe_read_fn read;
	void *ctx;
	const uint8_t *file;	/* FILE layout: the whole file; NULL when mapped */
	size_t file_size;
	uint32_t image_size, headers_size;
	uint32_t lfanew;
	uint16_t machine, nsect, opt_size;
	struct section *sect;
	uint32_t exp_rva, exp_size;
	uint32_t symtab, nsyms;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The read callback of the FILE layout: bytes of the file, bounds-checked. */
static int read_buffer(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct pe *pe = ctx;

	if (off > pe->file_size || len > pe->file_size - off)
		return -1;
	memcpy(buf, pe->file + off, len);
	return 0;
}

/*
 * len bytes at rva. Mapped: rva is the offset. File: the headers sit at
 * the same offsets, a section's bytes at its PointerToRawData; what is
 * not in the file (past SizeOfRawData: zero-fill) cannot be read.
 */
static int read_rva(const struct pe *pe, uint64_t rva, void *buf, size_t len)
{
	uint16_t i;

	if (rva > pe->image_size || len > pe->image_size - rva)
		return -1;
	if (!len)	/* nothing to read: the driver's READ_MEMORY refuses 0 */
		return 0;
	if (!pe->file)
		return pe->read(pe->ctx, rva, buf, len);
	if (rva + len <= pe->headers_size)
		return read_buffer((void *)pe, rva, buf, len);
	for (i = 0; i < pe->nsect; i++) {
		const struct section *s = &pe->sect[i];

		if (rva >= s->va && rva - s->va < s->rawsize &&
		    len <= s->rawsize - (rva - s->va))
			return read_buffer((void *)pe, (uint64_t)s->raw + (rva - s->va),
					   buf, len);
	}
	return -1;
}

/*
 * The NUL-terminated string at rva, cut at size - 1 bytes. Read in
 * chunks (the mapped reader may be a driver call per read); a chunk that
 * would cross the end of a section or the image is retried byte by byte.
 * -1 when it cannot be read up to its NUL or the cut.
 */
static int read_name(const struct pe *pe, uint64_t rva, char *out, size_t size)
{
	char chunk[64];
	size_t n = 0, k, i;

	while (n < size - 1) {
		k = size - 1 - n < sizeof(chunk) ? size - 1 - n : sizeof(chunk);
		if (read_rva(pe, rva + n, chunk, k)) {
			k = 1;
			if (read_rva(pe, rva + n, chunk, 1))
				return -1;
		}
		for (i = 0; i < k; i++) {
			out[n] = chunk[i];
			if (!chunk[i])
				return 0;
			n++;
		}
	}
	out[n] = '\0';
	return 0;
}

/*
 * Room for need elements in *p. A local helper, not lib/util/vec.h's
 * ks_vec_grow: lib/ is GPL-2.0 only and win/ is GPL-2.0 OR MIT, and
 * kstack.exe links nothing from lib/.
 */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -1;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static int add(struct ks_pesyms *t, uint32_t rva, const char *name, size_t len,
	       enum ks_pesym_source source)
{
	void *v = t->v, *names = t->names;
	int rc;

	if (t->names_len > UINT32_MAX - len - 1)
		return -1;
	rc = grow(&v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v = v;
	if (rc)
		return -1;
	rc = grow(&names, &t->names_cap, t->names_len + len + 1, 1);
	t->names = names;
	if (rc)
		return -1;
	memcpy(t->names + t->names_len, name, len);
	t->names[t->names_len + len] = '\0';
	t->v[t->n].rva = rva;
	t->v[t->n].name = (uint32_t)t->names_len;
	t->v[t->n].source = (uint8_t)source;
	t->n++;
	t->names_len += len + 1;
	if (source == KS_PESYM_COFF)
		t->coff++;
	else
		t->exports++;
	return 0;
}

/*
 * DOS header, NT headers, and (file layout) the section table. Sets
 * image_size first, so every later read is bounded by it. -1 when
 * malformed.
 */
static int read_headers(struct pe *pe)
{
	uint8_t dos[64], nt[24 + 240], *opt = nt + 24;
	uint32_t ndirs, want;
	uint16_t magic, i;
	size_t n;

	pe->image_size = UINT32_MAX;	/* until the header says */
	if (pe->read(pe->ctx, 0, dos, sizeof(dos)) || dos[0] != 'M' || dos[1] != 'Z')
		return -1;
	pe->lfanew = le32(dos + 0x3c);
	if (pe->lfanew < sizeof(dos) || pe->lfanew > MAX_LFANEW)
		return -1;
	if (pe->read(pe->ctx, pe->lfanew, nt, 24) || memcmp(nt, "PE\0\0", 4))
		return -1;
	pe->machine = le16(nt + 4);
	pe->nsect = le16(nt + 6);
	pe->symtab = le32(nt + 12);
	pe->nsyms = le32(nt + 16);
	pe->opt_size = le16(nt + 20);
	n = pe->opt_size < sizeof(nt) - 24 ? pe->opt_size : sizeof(nt) - 24;
	if (n < 64 || pe->read(pe->ctx, pe->lfanew + 24, opt, n))
		return -1;
	magic = le16(opt);
	/* Where NumberOfRvaAndSizes is, then the directories: by the magic. */
	if (magic == 0x10b)
		want = 92;
	else if (magic == 0x20b)
		want = 108;
	else
		return -1;
	pe->image_size = le32(opt + 56);
	pe->headers_size = le32(opt + 60);
	if (!pe->image_size || pe->headers_size > pe->image_size)
		return -1;
	/* No export directory is not an error: an .exe usually has none. */
	if (n >= want + 4) {
		ndirs = le32(opt + want);
		if (ndirs >= 1 && n >= want + 4 + 8) {
			pe->exp_rva = le32(opt + want + 4);
			pe->exp_size = le32(opt + want + 8);
		}
	}
	if (!pe->file)
		return 0;	/* mapped: RVAs need no section table */
	pe->sect = calloc(pe->nsect ? pe->nsect : 1, sizeof(*pe->sect));
	if (!pe->sect)
		return -1;
	for (i = 0; i < pe->nsect; i++) {
		uint8_t s[40];

		if (read_buffer(pe, (uint64_t)pe->lfanew + 24 + pe->opt_size + 40ull * i,
				s, sizeof(s)))
			return -1;
		pe->sect[i].vsize = le32(s + 8);
		pe->sect[i].va = le32(s + 12);
		pe->sect[i].rawsize = le32(s + 16);
		pe->sect[i].raw = le32(s + 20);
		pe->sect[i].flags = le32(s + 36);
	}
	return 0;
}

static int is_forwarder(const struct pe *pe, uint32_t rva)
{
	/* A forwarder's "address" is its "DLL.Name" string, inside the directory. */
	return rva >= pe->exp_rva && rva - pe->exp_rva < pe->exp_size;
}

/*
 * Named exports, then ordinal-only ones as "#N". Forwarders (code in
 * another DLL) and exports outside the image are left out. BAD_TABLE
 * when the directory or its arrays cannot be read, NO_MEMORY.
 */
static int read_exports(const struct pe *pe, struct ks_pesyms *t)
{
	uint8_t dir[40];
	uint32_t base, nfunc, nnames, i, *funcs = NULL, *names = NULL;
	uint8_t *named = NULL, *raw = NULL;
	uint16_t *ords = NULL;
	char name[NAME_MAX_LEN];
	int rc = NO_MEMORY;

	if (!pe->exp_rva || !pe->exp_size)
		return 0;
	if (read_rva(pe, pe->exp_rva, dir, sizeof(dir)))
		return BAD_TABLE;
	base = le32(dir + 16);
	nfunc = le32(dir + 20);
	nnames = le32(dir + 24);
	if (nfunc > MAX_EXPORTS || nnames > MAX_EXPORTS)
		return BAD_TABLE;
	funcs = calloc(nfunc + 1, sizeof(*funcs));
	names = calloc(nnames + 1, sizeof(*names));
	ords = calloc(nnames + 1, sizeof(*ords));
	named = calloc(nfunc + 1, 1);
	raw = malloc(4u * (nfunc > nnames ? nfunc : nnames) + 4);
	if (!funcs || !names || !ords || !named || !raw)
		goto out;
	/* Each array in one read: one driver call each in the mapped case. */
	rc = BAD_TABLE;
	if (read_rva(pe, le32(dir + 28), raw, 4u * nfunc))
		goto out;
	for (i = 0; i < nfunc; i++)
		funcs[i] = le32(raw + 4 * i);
	if (read_rva(pe, le32(dir + 32), raw, 4u * nnames))
		goto out;
	for (i = 0; i < nnames; i++)
		names[i] = le32(raw + 4 * i);
	if (read_rva(pe, le32(dir + 36), raw, 2u * nnames))
		goto out;
	rc = NO_MEMORY;
	for (i = 0; i < nnames; i++)
		ords[i] = le16(raw + 2 * i);

	for (i = 0; i < nnames; i++) {
		uint32_t rva;

		if (ords[i] >= nfunc)
			continue;
		named[ords[i]] = 1;
		rva = funcs[ords[i]];
		if (!rva || rva >= pe->image_size || is_forwarder(pe, rva))
			continue;
		if (read_name(pe, names[i], name, sizeof(name)) || !name[0])
			continue;	/* one bad name does not spoil the rest */
		if (add(t, rva, name, strlen(name), KS_PESYM_EXPORT))
			goto out;	/* rc is NO_MEMORY */
	}
	for (i = 0; i < nfunc; i++) {
		int len;

		if (named[i] || !funcs[i] || funcs[i] >= pe->image_size ||
		    is_forwarder(pe, funcs[i]))
			continue;
		len = snprintf(name, sizeof(name), "#%lu",
			       (unsigned long)((uint64_t)base + i));
		if (add(t, funcs[i], name, (size_t)len, KS_PESYM_EXPORT))
			goto out;
	}
	rc = 0;
out:
	free(funcs);
	free(names);
	free(ords);
	free(named);
	free(raw);
	return rc;
}

/*
 * Is this COFF record a function? A function type (0x20: what mingw and
 * MSVC set on functions), or an external or static symbol in an
 * executable section (mingw keeps static functions as C_STAT, some with
 * type 0). A C_STAT with aux records and no type is a section's own
 * symbol (".text"), not a function.
 */
static int is_function(const struct pe *pe, const uint8_t *rec)
{
	int16_t sec = (int16_t)le16(rec + 12);
	uint16_t type = le16(rec + 14);
	uint8_t cls = rec[16], aux = rec[17];
	uint32_t flags;

	if (sec <= 0 || sec > pe->nsect)
		return 0;
	if ((type & 0xf0) == 0x20)
		return 1;
	flags = pe->sect[sec - 1].flags;
	if (!(flags & (SCN_CNT_CODE | SCN_MEM_EXECUTE)))
		return 0;
	if (cls == SYM_CLASS_STATIC)
		return !(aux && type == 0);
	return cls == SYM_CLASS_EXTERNAL;
}

/*
 * The COFF symbol table (file layout only) and the string table right
 * after it, which holds names longer than 8 bytes. BAD_TABLE when the
 * table the header declares is not in the file, NO_MEMORY.
 */
static int read_coff(const struct pe *pe, struct ks_pesyms *t)
{
	uint64_t end, strtab;
	uint32_t strsize = 0, i;

	if (!pe->symtab || !pe->nsyms)
		return 0;
	end = (uint64_t)pe->symtab + (uint64_t)SYM_SIZE * pe->nsyms;
	if (end > pe->file_size)
		return BAD_TABLE;
	strtab = end;
	if (strtab + 4 <= pe->file_size) {
		strsize = le32(pe->file + strtab);
		/* The size counts its own 4 bytes; a wrong one: no long names. */
		if (strsize < 4 || strsize > pe->file_size - strtab)
			strsize = 0;
	}
	for (i = 0; i < pe->nsyms; i += 1 + pe->file[pe->symtab + (uint64_t)SYM_SIZE * i + 17]) {
		const uint8_t *rec = pe->file + pe->symtab + (uint64_t)SYM_SIZE * i;
		const char *name;
		uint64_t rva;
		size_t len;

		if (!is_function(pe, rec))
			continue;
		if (le32(rec)) {	/* short name: 8 bytes, NUL-padded */
			const char *nul = memchr(rec, '\0', 8);

			/* (memchr, not strnlen: XP's msvcrt.dll has no strnlen) */
			name = (const char *)rec;
			len = nul ? (size_t)(nul - name) : 8;
		} else {		/* long name: an offset into the string table */
			uint32_t off = le32(rec + 4);
			const char *end_nul;

			if (off < 4 || off >= strsize)
				continue;
			name = (const char *)pe->file + strtab + off;
			end_nul = memchr(name, '\0', strsize - off);
			if (!end_nul)
				continue;
			len = (size_t)(end_nul - name);
		}
		/* i386 C names carry a leading '_' (cdecl): the C name is without. */
		if (pe->machine == MACHINE_I386 && len > 1 && name[0] == '_') {
			name++;
			len--;
		}
		/* ".L..." labels and the like: not function names. */
		if (!len || name[0] == '.')
			continue;
		rva = (uint64_t)pe->sect[(int16_t)le16(rec + 12) - 1].va + le32(rec + 8);
		if (rva >= pe->image_size)
			continue;
		if (len >= NAME_MAX_LEN)
			len = NAME_MAX_LEN - 1;
		if (add(t, (uint32_t)rva, name, len, KS_PESYM_COFF))
			return NO_MEMORY;
	}
	return 0;
}

static int by_rva(const void *a, const void *b)
{
	const struct ks_pesym *x = a, *y = b;

	if (x->rva != y->rva)
		return x->rva < y->rva ? -1 : 1;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	/* Then in the image's order: the same table for the same file. */
	return x->name < y->name ? -1 : x->name > y->name;
}

/*
 * Both layouts: headers, then each table. A table that cannot be read
 * is dropped on its own (the other may still name frames); a failure of
 * the headers or of memory empties t.
 */
static int load(struct ks_pesyms *t, struct pe *pe)
{
	int rc = -1, r;

	memset(t, 0, sizeof(*t));
	if (read_headers(pe))
		goto out;
	t->image_size = pe->image_size;
	t->machine = pe->machine;
	r = pe->file ? read_coff(pe, t) : 0;
	if (r == NO_MEMORY)
		goto out;
	if (r == BAD_TABLE)
		t->refused |= KS_PESYM_COFF;
	r = read_exports(pe, t);
	if (r == NO_MEMORY)
		goto out;
	if (r == BAD_TABLE)
		t->refused |= KS_PESYM_EXPORT;
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), by_rva);
	rc = 0;
out:
	free(pe->sect);
	if (rc)
		ks_pesyms_free(t);
	return rc;
}

int ks_pesyms_from_file(struct ks_pesyms *t, const void *data, size_t size)
{
	struct pe pe;

	memset(&pe, 0, sizeof(pe));
	pe.file = data;
	pe.file_size = size;
	pe.read = read_buffer;
	pe.ctx = &pe;
	return load(t, &pe);
}

int ks_pesyms_from_mapped(struct ks_pesyms *t, ks_pe_read_fn read, void *ctx)
{
	struct pe pe;

	memset(&pe, 0, sizeof(pe));
	pe.read = read;
	pe.ctx = ctx;
	return load(t, &pe);
}

const struct ks_pesym *ks_pesyms_lookup(const struct ks_pesyms *t, uint32_t rva)
{
	size_t lo = 0, hi = t->n, mid;

	if (rva >= t->image_size)
		return NULL;
	/* The first entry above rva; the one before it is the answer. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->v[mid].rva <= rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	lo--;
	/* Back to the first of its rva: the COFF name before an export's. */
	while (lo && t->v[lo - 1].rva == t->v[lo].rva)
		lo--;
	return &t->v[lo];
}

void ks_pesyms_free(struct ks_pesyms *t)
{
	free(t->v);
	free(t->names);
	memset(t, 0, sizeof(*t));
}
