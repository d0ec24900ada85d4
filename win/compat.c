// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Run-time resolution of functions newer than NT 5.1 (compat.h). Each
 * pointer is looked up on first use; two threads may both look it up,
 * which is harmless (same answer, pointer-sized store).
 */
#include <string.h>

#include "compat.h"
#include <psapi.h>

static FARPROC resolve(const char *dll, const char *name)
{
	HMODULE m = GetModuleHandleA(dll);

	return m ? GetProcAddress(m, name) : NULL;
}

/* LIST_MODULES_ALL of Vista's psapi.h, which NT 5.1-level headers omit. */
#define KS_LIST_MODULES_ALL 0x03

BOOL ks_enum_process_modules(HANDLE process, HMODULE *mods, DWORD bytes,
			     DWORD *needed)
{
	typedef BOOL (WINAPI *fn_t)(HANDLE, HMODULE *, DWORD, LPDWORD, DWORD);
	static fn_t fn;
	static int looked;

	if (!looked) {
		/* kernel32 has it as K32EnumProcessModulesEx from Windows 7 on. */
		fn = (fn_t)(void (*)(void))resolve("psapi.dll", "EnumProcessModulesEx");
		looked = 1;
	}
	if (fn)
		return fn(process, mods, bytes, needed, KS_LIST_MODULES_ALL);
	return EnumProcessModules(process, mods, bytes, needed);
}

DWORD64 ks_sym_load_module(HANDLE process, const char *image, DWORD64 base,
			   DWORD size)
{
	typedef DWORD64 (WINAPI *fn_t)(HANDLE, HANDLE, PCSTR, PCSTR, DWORD64,
				       DWORD, PMODLOAD_DATA, DWORD);
	static fn_t fn;
	static int looked;

	if (!looked) {
		fn = (fn_t)(void (*)(void))resolve("dbghelp.dll", "SymLoadModuleEx");
		looked = 1;
	}
	if (fn)
		return fn(process, NULL, image, NULL, base, size, NULL, 0);
	return SymLoadModule64(process, NULL, (PSTR)image, NULL, base, size);
}

BOOL ks_sym_refresh_module_list(HANDLE process)
{
	typedef BOOL (WINAPI *fn_t)(HANDLE);
	fn_t fn = (fn_t)(void (*)(void))resolve("dbghelp.dll", "SymRefreshModuleList");

	return fn ? fn(process) : FALSE;
}

#ifdef _WIN64
BOOL ks_wow64_get_thread_context(HANDLE thread, WOW64_CONTEXT *ctx)
{
	typedef BOOL (WINAPI *fn_t)(HANDLE, WOW64_CONTEXT *);
	static fn_t fn;
	static int looked;

	if (!looked) {
		fn = (fn_t)(void (*)(void))resolve("kernel32.dll", "Wow64GetThreadContext");
		looked = 1;
	}
	if (fn)
		return fn(thread, ctx);
	SetLastError(ERROR_NOT_SUPPORTED);
	return FALSE;
}
#endif

int ks_thread_description(HANDLE thread, char *out, size_t size)
{
	typedef HRESULT (WINAPI *fn_t)(HANDLE, PWSTR *);
	static fn_t fn;
	static int looked;
	PWSTR desc = NULL;
	int n;

	if (size)
		out[0] = '\0';
	if (!looked) {
		fn = (fn_t)(void (*)(void))resolve("kernel32.dll", "GetThreadDescription");
		looked = 1;
	}
	if (!fn || !size || FAILED(fn(thread, &desc)) || !desc)
		return 0;
	n = WideCharToMultiByte(CP_UTF8, 0, desc, -1, out, (int)size, NULL, NULL);
	if (n <= 0)	/* too long for out: keep what fits, ended */
		out[size - 1] = '\0';
	LocalFree(desc);
	return 0;
}
