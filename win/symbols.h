/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dbghelp symbols for one target process: its user modules and, on demand,
 * the loaded kernel modules, in one dbghelp session (their address ranges
 * do not overlap). dbghelp is not thread-safe: every call into it, here
 * and in the walkers, runs under ks_dbghelp_lock().
 */
#ifndef KSTACK_WIN_SYMBOLS_H
#define KSTACK_WIN_SYMBOLS_H

#include <stddef.h>
#include <windows.h>

#define KS_DEFAULT_SYMBOL_PATH \
	"srv*%TEMP%\\kstack-symbols*https://msdl.microsoft.com/download/symbols"

struct ks_symbols {
	HANDLE process;		/* the dbghelp session key: the target's handle */
	int initialized;
	int kernel_loaded;	/* kernel modules loaded (tried once) */
	unsigned kernel_modules;	/* how many loaded */
	char path[2048];	/* effective symbol path */
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
/* Appended to a name that is only the nearest export (no symbol file). */
#define KS_EXPORT_MARK " (nearest export)"

/*
 * "module!symbol+0xoff", "module+0xoff" or "?" for addr; a symbol taken
 * from the module's export table, not a symbol file, ends in
 * KS_EXPORT_MARK. Raw: the caller escapes it before printing. For a return
 * address (not the first frame) pass is_return: the symbol is looked up at
 * addr - 1 so a call at the very end of a function names the caller.
 */
void ks_symbols_format(struct ks_symbols *s, ULONG64 addr, int is_return,
		       char *buf, size_t size);
void ks_symbols_cleanup(struct ks_symbols *s);

/* NT path of a driver ("\SystemRoot\...", "\??\C:\...", "\Device\...") to a DOS path. */
int ks_nt_path_to_dos(const char *nt, char *out, size_t size);

#endif
