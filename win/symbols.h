/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dbghelp symbols for one target process: its user modules and, on demand,
 * the loaded kernel modules, in one dbghelp session (their address ranges
 * do not overlap). dbghelp is not thread-safe: every call into it, here
 * and in the walkers, runs under ks_dbghelp_lock(). Frames dbghelp cannot
 * name are named from the module's own image (pe_modules.h), under the
 * same lock.
 */
#ifndef KSTACK_WIN_SYMBOLS_H
#define KSTACK_WIN_SYMBOLS_H

#include <stddef.h>
#include <windows.h>

#define KS_DEFAULT_SYMBOL_PATH \
	"srv*%TEMP%\\kstack-symbols*https://msdl.microsoft.com/download/symbols"

/*
 * Reads len bytes of kernel memory at addr: 0, or -1 when they cannot all
 * be read (no short reads). Called with the dbghelp lock held: it must not
 * call dbghelp.
 */
typedef int (*ks_kernel_read_fn)(void *ctx, ULONG64 addr, void *buf, size_t len);

struct ks_pe_module;	/* symbols.c: a module's own names (pe_symbols.h) */

struct ks_symbols {
	HANDLE process;		/* the dbghelp session key: the target's handle */
	int initialized;
	int kernel_loaded;	/* kernel modules loaded (tried once) */
	unsigned kernel_modules;	/* how many loaded */
	unsigned kernel_failed;		/* how many dbghelp did not load */
	char kernel_failed_example[2 * MAX_PATH + 32];	/* the first: "NT path (DOS path)", raw */
	DWORD kernel_failed_err;	/* and dbghelp's error for it (0: no DOS path) */
	char path[2048];	/* effective symbol path */
	/* Each module's COFF symbols and exports, read once (symbols.c). */
	struct ks_pe_module *pe;
	size_t npe, pe_cap;
	ks_kernel_read_fn kernel_read;	/* NULL: kernel images from files only */
	void *kernel_read_ctx;
};

void ks_dbghelp_lock(void);
void ks_dbghelp_unlock(void);

/*
 * Starts a session for process (PROCESS_QUERY_INFORMATION | PROCESS_VM_READ)
 * and loads its modules. path: --symbol-path, NULL for _NT_SYMBOL_PATH or
 * KS_DEFAULT_SYMBOL_PATH. Returns 0 or a Win32 error.
 */
DWORD ks_symbols_init(struct ks_symbols *s, HANDLE process, const char *path);
/* Loads the kernel modules (EnumDeviceDrivers) once; returns how many. */
unsigned ks_symbols_load_kernel(struct ks_symbols *s);
/*
 * Where a kernel module's names come from when its file cannot be read
 * (a path EnumDeviceDrivers names that user mode cannot open): the image
 * as loaded, read through read (the driver's READ_MEMORY): its headers
 * and export directory, a piece at a time, never past SizeOfImage. Call
 * before the first ks_symbols_format; NULL turns it off.
 */
void ks_symbols_set_kernel_reader(struct ks_symbols *s, ks_kernel_read_fn read,
				  void *ctx);

/* Appended to a name that is only the nearest export (no symbol file). */
#define KS_EXPORT_MARK " (nearest export)"
/* Appended to a name from the module's COFF symbol table (no symbol file). */
#define KS_COFF_MARK " (COFF symbol)"
/* Appended to "module+0xoff" when the module has no names at all. */
#define KS_NO_SYMBOLS_MARK " (no symbols)"

/*
 * "module!symbol+0xoff", "module+0xoff" or "?" for addr. Names come from
 * what the module has, best first: a symbol file through dbghelp (PDB on
 * Windows, DWARF under Wine), else the module's COFF symbol table (a
 * mingw image not stripped), ending in KS_COFF_MARK, else its exports,
 * ending in KS_EXPORT_MARK; a module with none of them is
 * "module+0xoff (no symbols)". Raw: the caller escapes it before
 * printing. For a return address (not the first frame) pass is_return:
 * the symbol is looked up at addr - 1 so a call at the very end of a
 * function names the caller.
 */
void ks_symbols_format(struct ks_symbols *s, ULONG64 addr, int is_return,
		       char *buf, size_t size);
void ks_symbols_cleanup(struct ks_symbols *s);

/* NT path of a driver ("\SystemRoot\...", "\??\C:\...", "\Device\...") to a DOS path. */
int ks_nt_path_to_dos(const char *nt, char *out, size_t size);

#endif
