// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Kernel frame names as kstack.exe prints them (win/symbols.c), on the one
 * kernel image Wine has: its ntoskrnl.exe, loaded into a dbghelp session
 * at a kernel-like base as ks_symbols_load_kernel loads drivers.
 *
 *   ksym_test STRIPPED.exe   a copy without debug information, as
 *       Microsoft ships its kernels (their symbols are PDB files on a
 *       symbol path): names are the nearest export and must say so,
 *       "ntoskrnl!KeWaitForSingleObject+0x10 (nearest export)";
 *   ksym_test                Wine's own image, whose embedded DWARF plays
 *       the symbol file: the same names, unmarked.
 *
 * Return addresses are looked up one byte back; an address in no module
 * is "?". Offsets come from the image's own export table. Prints PASS:/
 * FAIL: lines (SKIP: when the image cannot be read); exit 1 on a failure.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "compat.h"
#include "symbols.h"

#define KBASE 0xfffff80001000000ull

static int fails;
static const char *kind;	/* which image: part of each test's name */

static void expect(struct ks_symbols *s, ULONG64 addr, int is_return,
		   const char *want, const char *what)
{
	char got[512];

	ks_symbols_format(s, addr, is_return, got, sizeof(got));
	if (!strcmp(got, want)) {
		printf("PASS: app: kernel name, %s, %s -> %s\n", kind, what, got);
	} else {
		printf("FAIL: app: kernel name, %s, %s: got '%s', want '%s'\n", kind, what,
		       got, want);
		fails++;
	}
}

int main(int argc, char **argv)
{
	char path[MAX_PATH], want[256];
	const char *mark = argc > 1 ? KS_EXPORT_MARK : "";

	struct ks_symbols s;
	HMODULE img;
	ULONG64 rva;
	DWORD err;

	kind = argc > 1 ? "exports only" : "with debug info";
	if (argc > 1) {
		snprintf(path, sizeof(path), "%s", argv[1]);
	} else {
		GetSystemDirectoryA(path, sizeof(path));
		strcat(path, "\\ntoskrnl.exe");
	}
	/* The export's RVA, from the image itself (not run: no references). */
	img = LoadLibraryExA(path, NULL, DONT_RESOLVE_DLL_REFERENCES);
	if (!img || !GetProcAddress(img, "KeWaitForSingleObject")) {
		printf("SKIP: app: kernel names: cannot read %s (error %lu)\n", path,
		       (unsigned long)GetLastError());
		return 0;
	}
	rva = (ULONG64)((ULONG_PTR)GetProcAddress(img, "KeWaitForSingleObject") -
			(ULONG_PTR)img);
	FreeLibrary(img);

	/* An empty symbol path: no symbol server, no symbol files. */
	err = ks_symbols_init(&s, GetCurrentProcess(), "");
	if (err) {
		printf("FAIL: app: kernel names: ks_symbols_init: error %lu\n",
		       (unsigned long)err);
		return 1;
	}
	if (!ks_sym_load_module(GetCurrentProcess(), path, KBASE, 0)) {
		printf("FAIL: app: kernel names: loading %s at %#llx: error %lu\n", path,
		       KBASE, (unsigned long)GetLastError());
		return 1;
	}
	snprintf(want, sizeof(want), "ntoskrnl!KeWaitForSingleObject+0x10%s", mark);
	expect(&s, KBASE + rva + 0x10, 0, want, "inside an export");
	snprintf(want, sizeof(want), "ntoskrnl!KeWaitForSingleObject+0x0%s", mark);
	expect(&s, KBASE + rva, 0, want, "the export itself");
	/* A return address: looked up one byte back, its own offset shown. */
	snprintf(want, sizeof(want), "ntoskrnl!KeWaitForSingleObject+0x20%s", mark);
	expect(&s, KBASE + rva + 0x20, 1, want, "a return address");
	expect(&s, 0xfffff7ff00000000ull, 0, "?", "an address in no module");
	ks_symbols_cleanup(&s);
	return fails != 0;
}
