// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Frames of a mingw image dbghelp cannot name (issue 26), as kstack.exe
 * prints them (win/symbols.c): this program is built -g0, no DWARF, which
 * is what Wine's dbghelp reads (and ReactOS's reads only DWARF 2, Windows'
 * only PDBs), so every name below comes from the image itself.
 *
 *   pesym_test coff DLL       this program and DLL with their COFF symbol
 *       tables: static functions named, "... (COFF symbol)";
 *   pesym_test stripped DLL   both stripped (-s): the program has no names
 *       at all, "pesym_test_s+0x... (no symbols)"; the DLL still has its
 *       exports, "... (nearest export)", an ordinal-only one as "#7".
 *
 * DLL is tests/wine/host/pe_lib.c built with pe_lib.def (lib_noname is
 * exported by ordinal 7 only, lib_hidden not at all), loaded before the
 * session starts so that its modules are enumerated. Prints PASS:/FAIL:
 * lines; exit 1 on a failure.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "symbols.h"

static int fails;
static const char *kind;
static volatile ULONG_PTR ret_seen;

static void expect(struct ks_symbols *s, ULONG64 addr, int is_return, const char *want,
		   const char *what)
{
	char got[512];

	ks_symbols_format(s, addr, is_return, got, sizeof(got));
	if (!strcmp(got, want)) {
		printf("PASS: app: own names, %s, %s -> %s\n", kind, what, got);
	} else {
		printf("FAIL: app: own names, %s, %s: got '%s', want '%s'\n", kind, what, got,
		       want);
		fails++;
	}
}

/* Static: in the COFF table only (C_STAT), never exported. */
static __attribute__((noinline)) int inner_static(int x)
{
	ret_seen = (ULONG_PTR)__builtin_return_address(0);
	return x * 7 + 1;
}

static __attribute__((noinline)) int outer_static(int x)
{
	return inner_static(x) + 3;
}

/* "C:\...\pesym_test.exe" -> "pesym_test": dbghelp's module name. */
static void module_name(HMODULE h, char *out, size_t size)
{
	char path[MAX_PATH], *file, *dot;

	GetModuleFileNameA(h, path, sizeof(path));
	file = strrchr(path, '\\');
	file = file ? file + 1 : path;
	dot = strrchr(file, '.');
	if (dot)
		*dot = '\0';
	snprintf(out, size, "%s", file);
}

int main(int argc, char **argv)
{
	struct ks_symbols s;
	char self[MAX_PATH], lib[MAX_PATH], want[512];
	HMODULE h, me = GetModuleHandleA(NULL);
	ULONG64 in, out_fn, ret, second, noname;
	int coff;
	DWORD err;

	if (argc != 3 || (strcmp(argv[1], "coff") && strcmp(argv[1], "stripped"))) {
		printf("usage: pesym_test coff|stripped DLL\n");
		return 2;
	}
	coff = !strcmp(argv[1], "coff");
	kind = coff ? "COFF symbol table" : "stripped";
	h = LoadLibraryA(argv[2]);
	if (!h || !GetProcAddress(h, "lib_second") || !GetProcAddress(h, MAKEINTRESOURCEA(7))) {
		printf("FAIL: app: own names: cannot load %s (error %lu)\n", argv[2],
		       (unsigned long)GetLastError());
		return 1;
	}
	module_name(me, self, sizeof(self));
	module_name(h, lib, sizeof(lib));
	in = (ULONG64)(ULONG_PTR)inner_static;
	out_fn = (ULONG64)(ULONG_PTR)outer_static;
	outer_static(1);	/* ret_seen: a return address inside outer_static */
	ret = ret_seen;
	second = (ULONG64)(ULONG_PTR)GetProcAddress(h, "lib_second");
	noname = (ULONG64)(ULONG_PTR)GetProcAddress(h, MAKEINTRESOURCEA(7));

	/* An empty symbol path: no symbol server, no symbol files. */
	err = ks_symbols_init(&s, GetCurrentProcess(), "");
	if (err) {
		printf("FAIL: app: own names: ks_symbols_init: error %lu\n", (unsigned long)err);
		return 1;
	}
	if (coff) {
		snprintf(want, sizeof(want), "%s!inner_static+0x4 (COFF symbol)", self);
		expect(&s, in + 4, 0, want, "inside a static function");
		snprintf(want, sizeof(want), "%s!inner_static+0x0 (COFF symbol)", self);
		expect(&s, in, 0, want, "a static function's first byte");
		snprintf(want, sizeof(want), "%s!outer_static+0x%llx (COFF symbol)", self,
			 (unsigned long long)(ret - out_fn));
		expect(&s, ret, 1, want, "a return address");
		snprintf(want, sizeof(want), "%s!lib_second+0x3 (COFF symbol)", lib);
		expect(&s, second + 3, 0, want, "inside an exported function of a DLL");
		snprintf(want, sizeof(want), "%s!lib_second+0x0 (COFF symbol)", lib);
		expect(&s, second, 0, want, "an export's own address: the COFF name");
		snprintf(want, sizeof(want), "%s!lib_noname+0x2 (COFF symbol)", lib);
		expect(&s, noname + 2, 0, want, "an ordinal-only export, by its COFF name");
	} else {
		snprintf(want, sizeof(want), "%s+0x%llx (no symbols)", self,
			 (unsigned long long)(in + 4 - (ULONG64)(ULONG_PTR)me));
		expect(&s, in + 4, 0, want, "a program with no names at all");
		snprintf(want, sizeof(want), "%s+0x%llx (no symbols)", self,
			 (unsigned long long)(ret - (ULONG64)(ULONG_PTR)me));
		expect(&s, ret, 1, want, "a return address in it");
		snprintf(want, sizeof(want), "%s!lib_second+0x3 (nearest export)", lib);
		expect(&s, second + 3, 0, want, "inside an export of a stripped DLL");
		snprintf(want, sizeof(want), "%s!#7+0x2 (nearest export)", lib);
		expect(&s, noname + 2, 0, want, "an ordinal-only export");
	}
	ks_symbols_cleanup(&s);
	FreeLibrary(h);
	return fails != 0;
}
