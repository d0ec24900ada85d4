/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Names a PE image carries in itself, for frames dbghelp cannot name
 * (issue 26): dbghelp reads PDBs on Windows and DWARF on Wine/ReactOS, and
 * a mingw program or a kernel without its PDB has neither. What is left:
 *  - the COFF symbol table mingw's ld keeps unless stripped (-s): every
 *    function, static ones included. Only in the file: the loader does
 *    not map it.
 *  - the export table: named exports, and ordinal-only ones as "#N".
 *
 * Plain C with no Windows headers, so the host tests (tests/wine/host)
 * run it against binutils' view of real mingw images. Every offset and
 * count read from the image is checked before use: an image is input
 * from outside, and a hostile one is refused, never read out of bounds.
 */
#ifndef KSTACK_WIN_PE_SYMBOLS_H
#define KSTACK_WIN_PE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

enum ks_pesym_source {
	KS_PESYM_COFF = 1,	/* the COFF symbol table */
	KS_PESYM_EXPORT = 2,	/* the export table */
};

struct ks_pesym {
	uint32_t rva;
	uint32_t name;		/* offset into ks_pesyms.names */
	uint8_t source;		/* enum ks_pesym_source */
};

struct ks_pesyms {
	struct ks_pesym *v;	/* sorted by rva; at one rva COFF first */
	size_t n, cap;
	char *names;		/* NUL-terminated names, back to back */
	size_t names_len, names_cap;
	uint32_t image_size;	/* SizeOfImage: the lookup's upper bound */
	uint16_t machine;	/* FileHeader.Machine */
	size_t coff, exports;	/* how many of each kind */
	unsigned refused;	/* sources the header declares but that lie
				 * outside the image (dropped): KS_PESYM_* bits */
};

/*
 * Reads len bytes at off into buf: 0, or -1 when they cannot all be read
 * (no short reads). For the mapped layout off is an RVA.
 */
typedef int (*ks_pe_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/*
 * A whole image file in memory (FILE layout: the section table maps RVAs
 * to file offsets): its COFF symbols and exports. Returns 0, or -1 when
 * the headers are malformed or memory runs out (t is then empty). A
 * table that is not where the headers say is dropped alone, and said in
 * t->refused: the other one may still name frames.
 */
int ks_pesyms_from_file(struct ks_pesyms *t, const void *data, size_t size);

/*
 * A loaded image (MAPPED layout: RVA == offset), read piece by piece
 * through read: e.g. a kernel module out of kernel memory. Headers and
 * the export directory only (the COFF table is not mapped). Reads stay
 * below SizeOfImage. Returns 0 or -1 as ks_pesyms_from_file.
 */
int ks_pesyms_from_mapped(struct ks_pesyms *t, ks_pe_read_fn read, void *ctx);

/*
 * The entry with the greatest rva <= rva (COFF before an export at the
 * same rva), or NULL when rva is below every entry or at or past
 * SizeOfImage. For a return address, pass the address - 1.
 */
const struct ks_pesym *ks_pesyms_lookup(const struct ks_pesyms *t, uint32_t rva);

static inline const char *ks_pesyms_name(const struct ks_pesyms *t, const struct ks_pesym *e)
{
	return t->names + e->name;
}

void ks_pesyms_free(struct ks_pesyms *t);

#endif
