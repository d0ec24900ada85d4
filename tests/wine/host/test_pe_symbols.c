// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kstack.exe's PE symbol reader (win/pe_symbols.c) against binutils' view
 * of the same real mingw images (run.sh builds them into
 * $KS_PE_FIXTURES): x64 and x86, an .exe with static functions, a DLL
 * with named, ordinal-only (NONAME) and forwarded exports, and copies of
 * both stripped with -s.
 *  - COFF: the functions nm lists (T/t) are exactly the table's COFF
 *    entries, each found at its address; an address inside a function
 *    names it;
 *  - exports: exactly what objdump -p lists, forwarders left out,
 *    ordinal-only ones as "#N"; the stripped DLL still names by them;
 *  - the mapped layout (an image laid out as the loader does, read
 *    through a callback) gives the same exports;
 *  - truncated and corrupted copies: refused or read partially, never
 *    out of bounds (run.sh builds this test with AddressSanitizer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pe_symbols.h"

struct want {
	uint32_t rva;
	char name[256];
};

struct wants {
	struct want *v;
	size_t n;
};

struct file {
	uint8_t *data;
	size_t size;
};

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *dir = getenv("KS_PE_FIXTURES");

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static struct file load_file(const char *name)
{
	struct file f = { NULL, 0 };
	FILE *fp = fopen(fixture(name), "rb");
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	f.data = malloc((size_t)n);
	assert_non_null(f.data);
	assert_int_equal(fread(f.data, 1, (size_t)n, fp), (size_t)n);
	f.size = (size_t)n;
	fclose(fp);
	return f;
}

static void push(struct wants *w, uint32_t rva, const char *name)
{
	w->v = realloc(w->v, (w->n + 1) * sizeof(*w->v));
	assert_non_null(w->v);
	w->v[w->n].rva = rva;
	snprintf(w->v[w->n].name, sizeof(w->v[w->n].name), "%s", name);
	w->n++;
}

static unsigned long long image_base(const char *name)
{
	char cmd[4200], line[512];
	unsigned long long base = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "x86_64-w64-mingw32-objdump -p '%s'", fixture(name));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "ImageBase %llx", &base) == 1)
			break;
	pclose(p);
	assert_true(base != 0);
	return base;
}

/*
 * nm's functions: T/t symbols, without the section symbols and labels
 * ("." names) the reader leaves out; on i386 without the C prefix '_'.
 */
static struct wants nm_functions(const char *name, int i386)
{
	struct wants w = { NULL, 0 };
	unsigned long long base = image_base(name), addr;
	char cmd[4200], line[1024], sym[512], type;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "x86_64-w64-mingw32-nm --defined-only '%s'",
		 fixture(name));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		const char *s = sym;

		if (sscanf(line, "%llx %c %511s", &addr, &type, sym) != 3)
			continue;
		if ((type != 'T' && type != 't') || sym[0] == '.')
			continue;
		if (i386 && s[0] == '_' && s[1])
			s++;
		push(&w, (uint32_t)(addr - base), s);
	}
	pclose(p);
	return w;
}

/*
 * objdump -p's exports: the Export Address Table (index -> RVA, or a
 * forwarder) and the name table (index -> name); unnamed ones "#ordinal".
 */
static struct wants objdump_exports(const char *name, int *forwarders)
{
	struct wants w = { NULL, 0 };
	char cmd[4200], line[1024], text[512];
	unsigned idx, ord, rva, rvas[64] = { 0 }, ords[64] = { 0 }, n = 0, i;
	int named[64] = { 0 }, in_names = 0;
	FILE *p;

	*forwarders = 0;
	snprintf(cmd, sizeof(cmd), "x86_64-w64-mingw32-objdump -p '%s'", fixture(name));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, "[Ordinal/Name Pointer] Table")) {
			in_names = 1;
			continue;
		}
		if (line[0] == '\n')
			in_names = 0;
		if (sscanf(line, " [%u] +base[%u] %x", &idx, &ord, &rva) == 3 && idx < 64) {
			if (strstr(line, "Forwarder")) {
				(*forwarders)++;
				rva = 0;
			}
			rvas[idx] = rva;
			ords[idx] = ord;
			if (idx >= n)
				n = idx + 1;
		} else if (in_names && sscanf(line, " [%u] %511s", &idx, text) == 2 &&
			   idx < 64) {
			/* The name table is sorted by name; its index is not the
			 * ordinal: match by the name table's own order below. */
			named[idx] = 1;
			push(&w, idx, text);
		}
	}
	pclose(p);
	/*
	 * objdump prints the name table without the ordinal each name maps
	 * to; in these fixtures (lib.def) the named exports take the first
	 * ordinals in name order: name i is EAT entry i.
	 */
	for (i = 0; i < w.n; i++)
		w.v[i].rva = rvas[w.v[i].rva];
	for (i = 0; i < n; i++) {
		char num[16];

		if (named[i] || !rvas[i])
			continue;
		snprintf(num, sizeof(num), "#%u", ords[i]);
		push(&w, rvas[i], num);
	}
	/* forwarders: rva 0 marks them; not expected from the reader */
	for (i = 0; i < w.n; i++)
		if (!w.v[i].rva)
			w.v[i].name[0] = '\0';
	return w;
}

static int has(const struct ks_pesyms *t, uint32_t rva, const char *name, int source)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].rva == rva && t->v[i].source == source &&
		    !strcmp(ks_pesyms_name(t, &t->v[i]), name))
			return 1;
	return 0;
}

static int wanted(const struct wants *w, uint32_t rva, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].rva == rva && !strcmp(w->v[i].name, name))
			return 1;
	return 0;
}

static int by_rva(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->rva < y->rva ? -1 : x->rva > y->rva;
}

/* The table's COFF entries are exactly nm's functions; lookups land on them. */
static void check_coff(const char *name, int i386)
{
	struct file f = load_file(name);
	struct wants w = nm_functions(name, i386);
	struct ks_pesyms t;
	const struct ks_pesym *e;
	size_t i, coff = 0;

	assert_true(w.n >= 5);	/* the fixture's own functions and the CRT's */
	assert_int_equal(ks_pesyms_from_file(&t, f.data, f.size), 0);
	assert_int_equal(t.refused, 0);
	for (i = 0; i < w.n; i++) {
		if (!has(&t, w.v[i].rva, w.v[i].name, KS_PESYM_COFF))
			fail_msg("%s: nm's %s at %#x is not in the table", name,
				 w.v[i].name, w.v[i].rva);
		e = ks_pesyms_lookup(&t, w.v[i].rva);
		assert_non_null(e);
		assert_int_equal(e->rva, w.v[i].rva);
		assert_int_equal(e->source, KS_PESYM_COFF);
	}
	for (i = 0; i < t.n; i++) {
		if (t.v[i].source != KS_PESYM_COFF)
			continue;
		coff++;
		if (!wanted(&w, t.v[i].rva, ks_pesyms_name(&t, &t.v[i])))
			fail_msg("%s: %s at %#x is not a function nm lists", name,
				 ks_pesyms_name(&t, &t.v[i]), t.v[i].rva);
	}
	assert_int_equal(coff, t.coff);
	/* Inside a function (half way to the next one, and its last byte). */
	qsort(w.v, w.n, sizeof(*w.v), by_rva);
	for (i = 0; i + 1 < w.n; i++) {
		uint32_t gap = w.v[i + 1].rva - w.v[i].rva;

		if (gap < 2)
			continue;
		e = ks_pesyms_lookup(&t, w.v[i].rva + gap / 2);
		assert_non_null(e);
		assert_int_equal(e->rva, w.v[i].rva);
		e = ks_pesyms_lookup(&t, w.v[i + 1].rva - 1);
		assert_non_null(e);
		assert_int_equal(e->rva, w.v[i].rva);
	}
	/* Below the first symbol and past the image: nothing. */
	if (w.v[0].rva)
		assert_null(ks_pesyms_lookup(&t, w.v[0].rva - 1));
	assert_null(ks_pesyms_lookup(&t, t.image_size));
	/* The fixture's own static functions, by name. */
	if (strstr(name, "prog")) {
		for (i = 0; i < t.n && strcmp(ks_pesyms_name(&t, &t.v[i]),
					      "another_static_function_with_a_long_name"); i++)
			;
		assert_true(i < t.n);	/* a long name, from the string table */
		for (i = 0; i < t.n && strcmp(ks_pesyms_name(&t, &t.v[i]), "helper_static"); i++)
			;
		assert_true(i < t.n);
	}
	ks_pesyms_free(&t);
	free(w.v);
	free(f.data);
}

static void test_coff_exe_x64(void **state) { (void)state; check_coff("prog64.exe", 0); }
static void test_coff_exe_x86(void **state) { (void)state; check_coff("prog32.exe", 1); }
static void test_coff_dll_x64(void **state) { (void)state; check_coff("lib64.dll", 0); }
static void test_coff_dll_x86(void **state) { (void)state; check_coff("lib32.dll", 1); }

/* The table's exports are exactly objdump's, forwarders left out. */
static void check_exports_table(const char *name, const struct ks_pesyms *t)
{
	int forwarders;
	struct wants w = objdump_exports(name, &forwarders);
	size_t i, n = 0;

	assert_int_equal(forwarders, 1);	/* lib.def's fwd_sleep */
	for (i = 0; i < w.n; i++) {
		if (!w.v[i].name[0])
			continue;	/* the forwarder */
		n++;
		if (!has(t, w.v[i].rva, w.v[i].name, KS_PESYM_EXPORT))
			fail_msg("%s: export %s at %#x is not in the table", name,
				 w.v[i].name, w.v[i].rva);
	}
	assert_int_equal(n, 3);	/* lib_first, lib_second, #7 */
	assert_int_equal(t->exports, n);
	for (i = 0; i < t->n; i++)
		if (t->v[i].source == KS_PESYM_EXPORT)
			assert_string_not_equal(ks_pesyms_name(t, &t->v[i]), "fwd_sleep");
	free(w.v);
}

static uint32_t rva_of(const struct ks_pesyms *t, const char *name, int source)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].source == source && !strcmp(ks_pesyms_name(t, &t->v[i]), name))
			return t->v[i].rva;
	fail_msg("%s not in the table", name);
	return 0;
}

static void check_exports(const char *name)
{
	struct file f = load_file(name);
	struct ks_pesyms t;

	assert_int_equal(ks_pesyms_from_file(&t, f.data, f.size), 0);
	check_exports_table(name, &t);
	assert_true(strstr(name, "-s") ? t.coff == 0 : t.coff > 0);
	ks_pesyms_free(&t);
	free(f.data);
}

static void test_exports_x64(void **state) { (void)state; check_exports("lib64.dll"); }
static void test_exports_x86(void **state) { (void)state; check_exports("lib32.dll"); }

/*
 * Stripped: no COFF symbols (and none refused: the header says none);
 * the exe has nothing, the DLL still names a frame by its exports.
 */
static void check_stripped(const char *exe, const char *dll)
{
	struct file f = load_file(exe), g = load_file(dll);
	struct ks_pesyms t;
	const struct ks_pesym *e;
	uint32_t second;

	assert_int_equal(ks_pesyms_from_file(&t, f.data, f.size), 0);
	assert_int_equal(t.coff, 0);
	assert_int_equal(t.exports, 0);
	assert_int_equal(t.refused, 0);
	assert_null(ks_pesyms_lookup(&t, 0x1100));
	ks_pesyms_free(&t);

	assert_int_equal(ks_pesyms_from_file(&t, g.data, g.size), 0);
	assert_int_equal(t.coff, 0);
	check_exports_table(dll, &t);
	second = rva_of(&t, "lib_second", KS_PESYM_EXPORT);
	e = ks_pesyms_lookup(&t, second + 3);
	assert_non_null(e);
	assert_string_equal(ks_pesyms_name(&t, e), "lib_second");
	assert_int_equal(e->source, KS_PESYM_EXPORT);
	ks_pesyms_free(&t);
	free(f.data);
	free(g.data);
}

static void test_stripped_x64(void **state) { (void)state; check_stripped("prog64-s.exe", "lib64-s.dll"); }
static void test_stripped_x86(void **state) { (void)state; check_stripped("prog32-s.exe", "lib32-s.dll"); }

/* An image as the loader lays it out: headers, then each section at its RVA. */
struct mapped {
	uint8_t *image;
	size_t size;
	unsigned reads;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct mapped map_image(const struct file *f)
{
	struct mapped m = { NULL, 0, 0 };
	uint32_t lfanew = rd32(f->data + 0x3c), i;
	const uint8_t *fh = f->data + lfanew + 4, *opt = fh + 20;
	unsigned nsect = fh[2] | fh[3] << 8, optsize = fh[16] | fh[17] << 8;

	m.size = rd32(opt + 56);
	m.image = calloc(1, m.size);
	assert_non_null(m.image);
	memcpy(m.image, f->data, rd32(opt + 60));
	for (i = 0; i < nsect; i++) {
		const uint8_t *s = opt + optsize + 40 * i;
		uint32_t va = rd32(s + 12), rawsize = rd32(s + 16), raw = rd32(s + 20);
		uint32_t vsize = rd32(s + 8);

		if (rawsize > vsize)
			rawsize = vsize;
		assert_true(va + rawsize <= m.size && raw + rawsize <= f->size);
		memcpy(m.image + va, f->data + raw, rawsize);
	}
	return m;
}

/* The mapped reader: refuses anything past the buffer, as a driver would. */
static int read_mapped(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mapped *m = ctx;

	m->reads++;
	if (off > m->size || len > m->size - off)
		return -1;
	memcpy(buf, m->image + off, len);
	return 0;
}

static void check_mapped(const char *dll)
{
	struct file f = load_file(dll);
	struct mapped m = map_image(&f);
	struct ks_pesyms t;

	assert_int_equal(ks_pesyms_from_mapped(&t, read_mapped, &m), 0);
	assert_int_equal(t.coff, 0);	/* not mapped: the file's alone */
	check_exports_table(dll, &t);
	assert_true(m.reads < 40);	/* piece by piece, not byte by byte */
	ks_pesyms_free(&t);
	free(m.image);
	free(f.data);
}

static void test_mapped_x64(void **state) { (void)state; check_mapped("lib64.dll"); }
static void test_mapped_x86(void **state) { (void)state; check_mapped("lib32.dll"); }

/* Whatever a load returns, the table is sane: in the image, names ended. */
static void assert_sane(const struct ks_pesyms *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		assert_true(t->v[i].rva < t->image_size);
		assert_true(t->v[i].name < t->names_len);
		assert_true(strlen(t->names + t->v[i].name) < t->names_len - t->v[i].name);
		if (i)
			assert_true(t->v[i - 1].rva <= t->v[i].rva);
	}
}

/* Every prefix of the file: each byte-exact copy in its own allocation
 * (ASan catches a read past it). */
static void check_truncated(const char *name)
{
	struct file f = load_file(name);
	struct ks_pesyms t;
	uint32_t symtab = rd32(f.data + rd32(f.data + 0x3c) + 12);
	size_t len, step;
	uint8_t *copy;

	/* Every length through the headers, then about 1000 more (ASan's
	 * allocations are slow), and a cut inside the symbol table. */
	step = f.size / 1000 + 1;
	for (len = 0; len < f.size; len += (len < 1024 ? 1 : step)) {
		if (len >= 1024 && symtab && len < symtab + 9 && len + step > symtab + 9)
			len = symtab + 9;
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, f.data, len);
		if (ks_pesyms_from_file(&t, copy, len) == 0) {
			assert_true(len >= 0x40);
			assert_sane(&t);
			/* Cut inside the symbol table: refused, not half read. */
			if (symtab && len > symtab && len < symtab + 18)
				assert_true(t.refused & KS_PESYM_COFF);
			ks_pesyms_free(&t);
		} else {
			assert_int_equal(t.n, 0);
		}
		free(copy);
	}
	/* Too short for any header: refused. */
	assert_int_equal(ks_pesyms_from_file(&t, f.data, 0x40), -1);
	free(f.data);
}

static void test_truncated_exe(void **state) { (void)state; check_truncated("prog64.exe"); }
static void test_truncated_dll(void **state) { (void)state; check_truncated("lib32.dll"); }

/* A few well-known corruptions: each refused or its table dropped. */
static void test_corrupt_headers(void **state)
{
	struct file f = load_file("lib64.dll");
	struct ks_pesyms t;
	uint32_t lfanew = rd32(f.data + 0x3c);
	uint8_t *c = malloc(f.size);

	(void)state;
	assert_non_null(c);
	memcpy(c, f.data, f.size);
	c[0] = 'X';				/* no MZ */
	assert_int_equal(ks_pesyms_from_file(&t, c, f.size), -1);
	memcpy(c, f.data, f.size);
	memset(c + 0x3c, 0xff, 4);		/* e_lfanew far away */
	assert_int_equal(ks_pesyms_from_file(&t, c, f.size), -1);
	memcpy(c, f.data, f.size);
	c[lfanew + 1] = 'X';			/* no PE signature */
	assert_int_equal(ks_pesyms_from_file(&t, c, f.size), -1);
	memcpy(c, f.data, f.size);
	c[lfanew + 24] = 0x07;			/* unknown optional header magic */
	assert_int_equal(ks_pesyms_from_file(&t, c, f.size), -1);
	memcpy(c, f.data, f.size);
	memset(c + lfanew + 6, 0xff, 2);	/* 65535 sections: past the file */
	assert_int_equal(ks_pesyms_from_file(&t, c, f.size), -1);
	memcpy(c, f.data, f.size);
	memset(c + lfanew + 16, 0x7f, 4);	/* symbols past the file: COFF dropped */
	assert_int_equal(ks_pesyms_from_file(&t, c, f.size), 0);
	assert_int_equal(t.refused, KS_PESYM_COFF);
	assert_int_equal(t.coff, 0);
	assert_int_equal(t.exports, 3);		/* the exports still name frames */
	ks_pesyms_free(&t);
	free(c);
	free(f.data);
}

/*
 * Random corruption (a fixed seed: the same run every time) of the bytes
 * that steer the reader: headers, export directory and tables, symbol
 * table and string table; in both layouts.
 */
static void test_fuzz(void **state)
{
	const char *names[] = { "lib64.dll", "lib32.dll", "prog64.exe" };
	unsigned long long seed = 0x9e3779b97f4a7c15ull;
	struct ks_pesyms t;
	size_t k, i, j;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct file f = load_file(names[k]);
		uint8_t *c = malloc(f.size);
		struct mapped m;

		assert_non_null(c);
		for (i = 0; i < 600; i++) {
			memcpy(c, f.data, f.size);
			for (j = 0; j < 1 + i % 8; j++) {
				size_t off;

				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				/* Half in the first 1 KiB (headers), half anywhere. */
				off = (size_t)(seed >> 33) % (j & 1 ? f.size : 1024);
				c[off] = (uint8_t)(seed >> 20);
			}
			if (ks_pesyms_from_file(&t, c, f.size) == 0) {
				assert_sane(&t);
				ks_pesyms_free(&t);
			}
			/* The same bytes as an image in memory. */
			m.image = c;
			m.size = f.size;
			m.reads = 0;
			if (ks_pesyms_from_mapped(&t, read_mapped, &m) == 0) {
				assert_sane(&t);
				ks_pesyms_free(&t);
			}
		}
		free(c);
		free(f.data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coff_exe_x64),
		cmocka_unit_test(test_coff_exe_x86),
		cmocka_unit_test(test_coff_dll_x64),
		cmocka_unit_test(test_coff_dll_x86),
		cmocka_unit_test(test_exports_x64),
		cmocka_unit_test(test_exports_x86),
		cmocka_unit_test(test_stripped_x64),
		cmocka_unit_test(test_stripped_x86),
		cmocka_unit_test(test_mapped_x64),
		cmocka_unit_test(test_mapped_x86),
		cmocka_unit_test(test_truncated_exe),
		cmocka_unit_test(test_truncated_dll),
		cmocka_unit_test(test_corrupt_headers),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
