// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <dbghelp.h>
#include <psapi.h>

#include "compat.h"
#include "symbols.h"

static CRITICAL_SECTION g_dbghelp;
static volatile LONG g_dbghelp_init;	/* 0 none, 1 being made, 2 ready */

/*
 * One-time init without InitOnceExecuteOnce (Vista): the first caller
 * makes the lock, any other waits until it is ready (it takes a moment).
 */
void ks_dbghelp_lock(void)
{
	if (InterlockedCompareExchange(&g_dbghelp_init, 1, 0) == 0) {
		InitializeCriticalSection(&g_dbghelp);
		InterlockedExchange(&g_dbghelp_init, 2);
	}
	while (InterlockedCompareExchange(&g_dbghelp_init, 2, 2) != 2)
		Sleep(0);
	EnterCriticalSection(&g_dbghelp);
}

void ks_dbghelp_unlock(void)
{
	LeaveCriticalSection(&g_dbghelp);
}

/*
 * Loads every user module of the target, 32-bit ones of a WOW64 process
 * included (LIST_MODULES_ALL), so StackWalk64 finds unwind data and names
 * for either kind of frame. Returns how many were loaded. dbghelp lock held.
 */
static unsigned load_user_modules(HANDLE process)
{
	HMODULE *mods = NULL;
	DWORD need = 0, i, count;
	MODULEINFO mi;
	char name[MAX_PATH], nt[MAX_PATH];
	unsigned loaded = 0;

	/* Modules can come and go between the calls: ask twice, with spare room. */
	if (!ks_enum_process_modules(process, NULL, 0, &need) || !need)
		return 0;
	need += 32 * sizeof(HMODULE);
	mods = malloc(need);
	if (!mods || !ks_enum_process_modules(process, mods, need, &need)) {
		free(mods);
		return 0;
	}
	count = need / sizeof(HMODULE);
	for (i = 0; i < count; i++) {
		if (!GetModuleInformation(process, mods[i], &mi, sizeof(mi)))
			continue;
		/*
		 * The file really mapped there, by its device path: for a WOW64
		 * target the loader's own name says System32 where the image
		 * is SysWOW64's, and dbghelp would read the 64-bit file.
		 */
		if (!(GetMappedFileNameA(process, mi.lpBaseOfDll, nt, sizeof(nt)) &&
		      !ks_nt_path_to_dos(nt, name, sizeof(name))) &&
		    !GetModuleFileNameExA(process, mods[i], name, sizeof(name)))
			continue;
		if (ks_sym_load_module(process, name,
				       (DWORD64)(ULONG_PTR)mi.lpBaseOfDll,
				       mi.SizeOfImage) || GetLastError() == ERROR_SUCCESS)
			loaded++;
	}
	free(mods);
	return loaded;
}

DWORD ks_symbols_init(struct ks_symbols *s, HANDLE process, const char *path)
{
	char raw[2048];
	DWORD n, err = 0;

	memset(s, 0, sizeof(*s));
	s->process = process;
	if (!path) {
		n = GetEnvironmentVariableA("_NT_SYMBOL_PATH", raw, sizeof(raw));
		path = (n && n < sizeof(raw)) ? raw : KS_DEFAULT_SYMBOL_PATH;
	}
	n = ExpandEnvironmentStringsA(path, s->path, sizeof(s->path));
	if (!n || n > sizeof(s->path))
		return ERROR_FILENAME_EXCED_RANGE;

	ks_dbghelp_lock();
	/* Undecorated names, modules loaded when first needed, no dialogs. */
	SymSetOptions(SYMOPT_UNDNAME | SYMOPT_DEFERRED_LOADS |
		      SYMOPT_FAIL_CRITICAL_ERRORS | SYMOPT_NO_PROMPTS);
	if (SymInitialize(process, s->path, FALSE)) {
		s->initialized = 1;
		/* dbghelp's own invasion sees only the 64-bit modules of a
		 * WOW64 target: fall back to it only if ours fails. */
		if (!load_user_modules(process))
			ks_sym_refresh_module_list(process);
	} else {
		err = GetLastError();
	}
	ks_dbghelp_unlock();
	return err;
}

void ks_symbols_cleanup(struct ks_symbols *s)
{
	if (!s->initialized)
		return;
	ks_dbghelp_lock();
	SymCleanup(s->process);
	ks_dbghelp_unlock();
	s->initialized = 0;
}

/* Replaces the leading "\Device\HarddiskVolumeN" by the drive letter mapped to it. */
static int device_to_drive(const char *nt, char *out, size_t size)
{
	char drive[3] = "A:", target[MAX_PATH];
	size_t len;

	for (drive[0] = 'A'; drive[0] <= 'Z'; drive[0]++) {
		if (!QueryDosDeviceA(drive, target, sizeof(target)))
			continue;
		len = strlen(target);
		if (!_strnicmp(nt, target, len) && nt[len] == '\\') {
			if ((size_t)snprintf(out, size, "%s%s", drive, nt + len) >= size)
				return -1;
			return 0;
		}
	}
	return -1;
}

int ks_nt_path_to_dos(const char *nt, char *out, size_t size)
{
	char windir[MAX_PATH];
	UINT n = GetSystemWindowsDirectoryA(windir, sizeof(windir));
	size_t w;

	if (!n || n >= sizeof(windir))
		return -1;
	if (!_strnicmp(nt, "\\SystemRoot\\", 12))
		w = snprintf(out, size, "%s\\%s", windir, nt + 12);
	else if (!strncmp(nt, "\\??\\", 4) || !strncmp(nt, "\\\\?\\", 4))
		w = snprintf(out, size, "%s", nt + 4);
	else if (!_strnicmp(nt, "\\Device\\", 8))
		return device_to_drive(nt, out, size);
	else if (nt[0] == '\\')	/* "\Windows\System32\...": on the system drive */
		w = snprintf(out, size, "%.2s%s", windir, nt);
	else if (!_strnicmp(nt, "System32\\", 9))	/* relative to SystemRoot */
		w = snprintf(out, size, "%s\\%s", windir, nt);
	else
		w = snprintf(out, size, "%s", nt);
	return w < size ? 0 : -1;
}

unsigned ks_symbols_load_kernel(struct ks_symbols *s)
{
	LPVOID *bases = NULL;
	DWORD need = 0, i, count;
	char nt[MAX_PATH], dos[MAX_PATH];

	if (s->kernel_loaded)
		return s->kernel_modules;
	s->kernel_loaded = 1;
	/* The list can grow between the calls: ask twice, with room to spare. */
	if (!EnumDeviceDrivers(NULL, 0, &need) || !need)
		return 0;
	need += 64 * sizeof(LPVOID);
	bases = malloc(need);
	if (!bases || !EnumDeviceDrivers(bases, need, &need)) {
		free(bases);
		return 0;
	}
	count = need / sizeof(LPVOID);
	ks_dbghelp_lock();
	for (i = 0; i < count; i++) {
		if (!bases[i] || !GetDeviceDriverFileNameA(bases[i], nt, sizeof(nt)))
			continue;
		if (ks_nt_path_to_dos(nt, dos, sizeof(dos)))
			continue;
		if (ks_sym_load_module(s->process, dos,
				       (DWORD64)(ULONG_PTR)bases[i], 0))
			s->kernel_modules++;
	}
	ks_dbghelp_unlock();
	free(bases);
	return s->kernel_modules;
}

/* SymEnumSymbols callback state: the closest symbol at or below addr. */
struct nearest {
	ULONG64 addr;
	ULONG64 best;
	char name[MAX_SYM_NAME + 1];
};

static BOOL CALLBACK nearest_cb(PSYMBOL_INFO si, ULONG size, PVOID ctx)
{
	struct nearest *n = ctx;

	(void)size;
	if (si->Address <= n->addr && (!n->name[0] || si->Address > n->best)) {
		n->best = si->Address;
		snprintf(n->name, sizeof(n->name), "%.*s", (int)si->NameLen, si->Name);
	}
	return TRUE;
}

/*
 * The nearest export at or below addr in a module that has only its
 * exports. dbghelp does this itself on Windows; Wine's matches an export
 * only at its exact address, so the search is done here when dbghelp
 * found nothing. dbghelp lock held.
 */
static int nearest_export(HANDLE process, ULONG64 base, ULONG64 addr,
			  char *name, size_t size, DWORD64 *disp)
{
	struct nearest n;

	memset(&n, 0, sizeof(n));
	n.addr = addr;
	if (!SymEnumSymbols(process, base, "*", nearest_cb, &n) || !n.name[0])
		return 0;
	snprintf(name, size, "%s", n.name);
	*disp = addr - n.best;
	return 1;
}

void ks_symbols_format(struct ks_symbols *s, ULONG64 addr, int is_return,
		       char *buf, size_t size)
{
	union {
		SYMBOL_INFO info;
		char space[sizeof(SYMBOL_INFO) + MAX_SYM_NAME];
	} sym;
	IMAGEHLP_MODULE64 mod;
	DWORD64 disp = 0, look = (is_return && addr) ? addr - 1 : addr;
	int have_mod, have_sym, export;

	ks_dbghelp_lock();
	/* The symbol first: with deferred loads it is what loads the module. */
	memset(&sym, 0, sizeof(sym));
	sym.info.SizeOfStruct = sizeof(SYMBOL_INFO);
	sym.info.MaxNameLen = MAX_SYM_NAME;
	have_sym = s->initialized && SymFromAddr(s->process, look, &disp, &sym.info);
	memset(&mod, 0, sizeof(mod));
	mod.SizeOfStruct = sizeof(mod);
	have_mod = s->initialized && SymGetModuleInfo64(s->process, look, &mod);
	if (!have_mod && s->initialized && GetLastError() == ERROR_INVALID_PARAMETER) {
		/* An older dbghelp rejects the newer, larger struct: retry with
		 * the layout it knows (up to LoadedImageName), all we read. */
		mod.SizeOfStruct = offsetof(IMAGEHLP_MODULE64, LoadedPdbName);
		have_mod = SymGetModuleInfo64(s->process, look, &mod);
	}
	export = have_sym && ((sym.info.Flags & SYMFLAG_EXPORT) ||
			      (have_mod && mod.SymType == SymExport));
	if (!have_sym && have_mod && mod.SymType == SymExport)
		export = have_sym = nearest_export(s->process, mod.BaseOfImage, look,
						   sym.info.Name, MAX_SYM_NAME, &disp);
	ks_dbghelp_unlock();

	/*
	 * No symbol file for the module (none on the symbol path): the name
	 * is the nearest export below the address, which may be far from the
	 * function really there: say so.
	 */
	if (look != addr)
		disp++;	/* report the offset of addr itself */
	if (have_mod && have_sym)
		snprintf(buf, size, "%s!%s+0x%llx%s", mod.ModuleName, sym.info.Name,
			 (unsigned long long)disp, export ? KS_EXPORT_MARK : "");
	else if (have_sym)
		snprintf(buf, size, "%s+0x%llx%s", sym.info.Name, (unsigned long long)disp,
			 export ? KS_EXPORT_MARK : "");
	else if (have_mod)
		snprintf(buf, size, "%s+0x%llx", mod.ModuleName,
			 (unsigned long long)(addr - mod.BaseOfImage));
	else
		snprintf(buf, size, "?");
}
