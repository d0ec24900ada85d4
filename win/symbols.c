// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <dbghelp.h>
#include <psapi.h>

#include "compat.h"
#include "pe_modules.h"
#include "symbols.h"

/* SymTagPublicSymbol (cvconst.h, which mingw-w64 does not ship). */
#define KS_SYMTAG_PUBLIC 10

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

/* The part of a path after its last '\\' (or '/'). */
static const char *base_name(const char *path)
{
	const char *b = path, *p;

	for (p = path; *p; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	return b;
}

/*
 * The file of module mod (loaded at base) of process: the file really
 * mapped there, by its device path, when it is the file the loader names:
 * for a WOW64 target the loader's own name says System32 where the image
 * is SysWOW64's, and dbghelp would read the 64-bit file. ReactOS (NT 5.2)
 * answers GetMappedFileName from the caller's own address space, naming
 * kstack.exe for a target whose image has the same base: a mapped file
 * whose name is not the loader's is not taken. 0, or -1 when neither
 * name is known.
 */
static int module_path(HANDLE process, HMODULE mod, LPVOID base, char *out, size_t size)
{
	char loader[MAX_PATH], nt[MAX_PATH], mapped[MAX_PATH];
	int have_loader = GetModuleFileNameExA(process, mod, loader, sizeof(loader)) != 0;
	int have_mapped = GetMappedFileNameA(process, base, nt, sizeof(nt)) &&
			  !ks_nt_path_to_dos(nt, mapped, sizeof(mapped));

	if (have_mapped && (!have_loader ||
			    !_stricmp(base_name(mapped), base_name(loader))))
		return snprintf(out, size, "%s", mapped) < (int)size ? 0 : -1;
	if (have_loader)
		return snprintf(out, size, "%s", loader) < (int)size ? 0 : -1;
	return -1;
}

/*
 * Loads every user module of the target, 32-bit ones of a WOW64 process
 * included (LIST_MODULES_ALL), so StackWalk64 finds unwind data and names
 * for either kind of frame. Each is also registered for its own names
 * (pe_modules.h). Returns how many were loaded. dbghelp lock held.
 */
static unsigned load_user_modules(struct ks_symbols *s)
{
	HANDLE process = s->process;
	HMODULE *mods = NULL;
	DWORD need = 0, i, count;
	MODULEINFO mi;
	char name[MAX_PATH];
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
		if (module_path(process, mods[i], mi.lpBaseOfDll, name, sizeof(name)))
			continue;
		if (ks_sym_load_module(process, name,
				       (DWORD64)(ULONG_PTR)mi.lpBaseOfDll,
				       mi.SizeOfImage) || GetLastError() == ERROR_SUCCESS)
			loaded++;
		ks_pe_modules_add(s, (ULONG64)(ULONG_PTR)mi.lpBaseOfDll, mi.SizeOfImage,
				  name, 0);
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
		if (!load_user_modules(s))
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
	ks_pe_modules_free(s);
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

/*
 * The length of a leading ARC device name ("multi(0)disk(0)cdrom(96)",
 * also after "\\ArcName\\"), up to the '\\' after it; 0 if there is none.
 * Drivers the boot loader loaded can be listed by it: ReactOS's live CD
 * names its ntoskrnl.exe "multi(0)disk(0)cdrom(96)\\reactos\\system32\\...".
 */
static size_t arc_name_length(const char *nt)
{
	size_t i = 0, start;

	if (!_strnicmp(nt, "\\ArcName\\", 9))
		i = 9;
	start = i;
	/* one or more "word(number)" components */
	while (nt[i] >= 'a' && nt[i] <= 'z') {
		while (nt[i] >= 'a' && nt[i] <= 'z')
			i++;
		if (nt[i++] != '(' || nt[i] < '0' || nt[i] > '9')
			return 0;
		while (nt[i] >= '0' && nt[i] <= '9')
			i++;
		if (nt[i++] != ')')
			return 0;
	}
	return i > start && nt[i] == '\\' ? i : 0;
}

/*
 * A bare file name ("acpi.sys": how ReactOS lists some drivers its boot
 * loader loaded): the file of that name in System32\\drivers, else in
 * System32, where boot drivers and the HAL live; -1 when neither exists.
 */
static int bare_name_to_dos(const char *windir, const char *name, char *out, size_t size)
{
	static const char *const dirs[] = { "System32\\drivers", "System32" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((size_t)snprintf(out, size, "%s\\%s\\%s", windir, dirs[i], name) < size &&
		    GetFileAttributesA(out) != INVALID_FILE_ATTRIBUTES)
			return 0;
	return -1;
}

int ks_nt_path_to_dos(const char *nt, char *out, size_t size)
{
	char windir[MAX_PATH];
	UINT n = GetSystemWindowsDirectoryA(windir, sizeof(windir));
	size_t w;

	if (!n || n >= sizeof(windir))
		return -1;
	if (arc_name_length(nt))	/* the boot device: the system drive */
		w = snprintf(out, size, "%.2s%s", windir, nt + arc_name_length(nt));
	else if (!_strnicmp(nt, "\\SystemRoot\\", 12))
		w = snprintf(out, size, "%s\\%s", windir, nt + 12);
	else if (!strncmp(nt, "\\??\\", 4) || !strncmp(nt, "\\\\?\\", 4))
		w = snprintf(out, size, "%s", nt + 4);
	else if (!_strnicmp(nt, "\\Device\\", 8))
		return device_to_drive(nt, out, size);
	else if (nt[0] == '\\')	/* "\Windows\System32\...": on the system drive */
		w = snprintf(out, size, "%.2s%s", windir, nt);
	else if (!_strnicmp(nt, "System32\\", 9))	/* relative to SystemRoot */
		w = snprintf(out, size, "%s\\%s", windir, nt);
	else if (!strchr(nt, '\\') && !strchr(nt, ':'))
		return bare_name_to_dos(windir, nt, out, size);
	else
		w = snprintf(out, size, "%s", nt);
	return w < size ? 0 : -1;
}

/* A kernel module dbghelp did not load: counted, the first one kept to say. */
static void kernel_failed(struct ks_symbols *s, const char *nt, const char *why,
			  DWORD err)
{
	if (s->kernel_failed++)
		return;
	snprintf(s->kernel_failed_example, sizeof(s->kernel_failed_example),
		 "%s (%s)", nt, why);
	s->kernel_failed_err = err;
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
		if (ks_nt_path_to_dos(nt, dos, sizeof(dos))) {
			kernel_failed(s, nt, "no DOS path for it", 0);
			/* its file unknown: its names from memory, if a reader is set */
			ks_pe_modules_add(s, (ULONG64)(ULONG_PTR)bases[i], 0, nt, 1);
			continue;
		}
		/* 0 with no error: dbghelp had it already */
		if (ks_sym_load_module(s->process, dos, (DWORD64)(ULONG_PTR)bases[i], 0) ||
		    GetLastError() == ERROR_SUCCESS)
			s->kernel_modules++;
		else
			kernel_failed(s, nt, dos, GetLastError());
		/* Its size is in its header: known once it is read. */
		ks_pe_modules_add(s, (ULONG64)(ULONG_PTR)bases[i], 0, dos, 1);
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

void ks_symbols_set_kernel_reader(struct ks_symbols *s, ks_kernel_read_fn read,
				  void *ctx)
{
	ks_dbghelp_lock();
	s->kernel_read = read;
	s->kernel_read_ctx = ctx;
	ks_dbghelp_unlock();
}

/* What names a frame: dbghelp's symbol, or one of the module's own. */
struct frame_name {
	const char *module;	/* NULL: in no module anyone knows */
	const char *name;	/* NULL: no name */
	DWORD64 disp;		/* of the looked-up address from the name */
	const char *mark;	/* "", KS_EXPORT_MARK, KS_COFF_MARK */
	ULONG64 base;		/* of the module */
	int nothing;		/* the module has no names at all */
	int own;		/* the module's own tables were read */
};

/*
 * The module's own names for look, into f, where dbghelp had none or a
 * weak one (f->name set): a public symbol (no size: Wine's dbghelp makes
 * them of a mingw image's external COFF symbols, a PDB's public stream
 * is the same), where a nearer name wins; or an export, where the
 * module's own tables decide: they have the static functions, and they
 * hold only what the image has (Wine's dbghelp adds an "EntryPoint" to
 * the exports, which names any address past the entry of a program that
 * exports nothing). dbghelp lock held.
 */
static void own_names(struct ks_symbols *s, const IMAGEHLP_MODULE64 *mod, int have_mod,
		      DWORD64 look, struct frame_name *f)
{
	struct ks_pe_module *m;
	const struct ks_pesym *e;
	ULONG64 at, theirs = f->name ? look - f->disp : 0;

	m = ks_pe_modules_find(s, have_mod ? mod->BaseOfImage : 0, look);
	if (!m && have_mod && mod->ImageName[0]) {
		/* One dbghelp found by itself (SymRefreshModuleList's list). */
		ks_pe_modules_add(s, mod->BaseOfImage, mod->ImageSize, mod->ImageName, 0);
		m = ks_pe_modules_find(s, mod->BaseOfImage, look);
	}
	if (!m)
		return;
	if (!f->module) {	/* a module dbghelp could not load */
		f->module = m->name;
		f->base = m->base;
		f->nothing = 1;
	}
	if (m->read != 1)
		return;
	f->own = 1;
	if (m->syms.n)
		f->nothing = 0;
	e = look >= m->base && look - m->base <= UINT32_MAX ?
		ks_pesyms_lookup(&m->syms, (uint32_t)(look - m->base)) : NULL;
	at = e ? m->base + e->rva : 0;
	if (f->name && !f->mark[0] && (!e || at <= theirs))
		return;	/* dbghelp's public symbol is as near */
	if (f->name && !e && m->syms.refused)
		return;	/* our tables are not whole: dbghelp's export stands */
	f->name = NULL;
	if (!e)
		return;
	f->name = ks_pesyms_name(&m->syms, e);
	f->disp = look - at;
	f->mark = e->source == KS_PESYM_COFF ? KS_COFF_MARK : KS_EXPORT_MARK;
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
	struct frame_name f;

	memset(&f, 0, sizeof(f));
	f.mark = "";
	ks_dbghelp_lock();
	/* The symbol first: with deferred loads it is what loads the module. */
	memset(&sym, 0, sizeof(sym));
	sym.info.SizeOfStruct = sizeof(SYMBOL_INFO);
	sym.info.MaxNameLen = MAX_SYM_NAME;
	have_sym = s->initialized && SymFromAddr(s->process, look, &disp, &sym.info);
	memset(&mod, 0, sizeof(mod));
	mod.SizeOfStruct = sizeof(mod);
	have_mod = s->initialized && SymGetModuleInfo64(s->process, look, &mod);
	if (!have_mod && s->initialized) {
		/* An older dbghelp rejects the newer, larger struct (Windows:
		 * ERROR_INVALID_PARAMETER; ReactOS's says other things): retry
		 * with the layout it knows (up to LoadedImageName), all we read. */
		mod.SizeOfStruct = offsetof(IMAGEHLP_MODULE64, LoadedPdbName);
		have_mod = SymGetModuleInfo64(s->process, look, &mod);
	}
	export = have_sym && ((sym.info.Flags & SYMFLAG_EXPORT) ||
			      (have_mod && mod.SymType == SymExport));
	if (have_mod) {
		f.module = mod.ModuleName;
		f.base = mod.BaseOfImage;
		/* Until the module's own tables say otherwise. */
		f.nothing = mod.SymType == SymNone || mod.SymType == SymExport ||
			    mod.SymType == SymDeferred;
	}
	if (have_sym) {
		f.name = sym.info.Name;
		f.disp = disp;
		f.mark = export ? KS_EXPORT_MARK : "";
	}
	/* A name from a symbol file stands; else the module's own tables. */
	if (!have_sym || export || sym.info.Tag == KS_SYMTAG_PUBLIC)
		own_names(s, &mod, have_mod, look, &f);
	/*
	 * Still nothing in a module of exports only, its image unread: dbghelp
	 * on Windows picks the nearest export itself; Wine's matches one only
	 * at its exact address, so its list is searched here.
	 */
	if (!f.name && !f.own && have_mod && mod.SymType == SymExport &&
	    nearest_export(s->process, mod.BaseOfImage, look, sym.info.Name, MAX_SYM_NAME,
			   &f.disp)) {
		f.name = sym.info.Name;
		f.mark = KS_EXPORT_MARK;
		f.nothing = 0;
	}

	if (!f.module) {	/* dbghelp named the symbol, not its module */
		struct ks_pe_module *m = ks_pe_modules_find(s, 0, look);

		if (m) {
			f.module = m->name;
			f.base = m->base;
		}
	}
	/*
	 * A name not from a symbol file (a COFF symbol, the nearest export
	 * below the address) may be far from the function really there, and
	 * is marked: "(COFF symbol)" is exact for a mingw image with its
	 * table, "(nearest export)" only a guess.
	 */
	if (look != addr)
		f.disp++;	/* report the offset of addr itself */
	if (f.module && f.name)
		snprintf(buf, size, "%s!%s+0x%llx%s", f.module, f.name,
			 (unsigned long long)f.disp, f.mark);
	else if (f.name)
		snprintf(buf, size, "%s+0x%llx%s", f.name, (unsigned long long)f.disp, f.mark);
	else if (f.module)
		snprintf(buf, size, "%s+0x%llx%s", f.module,
			 (unsigned long long)(addr - f.base), f.nothing ? KS_NO_SYMBOLS_MARK : "");
	else
		snprintf(buf, size, "?");
	ks_dbghelp_unlock();
}
