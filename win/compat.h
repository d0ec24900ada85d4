/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Windows functions newer than NT 5.1, resolved at run time so that
 * kstack.exe starts on XP SP2+ / Server 2003 / ReactOS: an import the
 * loader cannot resolve stops the program before main (c0000139). Each
 * wrapper says what it does where the function is missing. Nothing here
 * is imported; tests/wine/imports checks both builds' import tables
 * against tests/wine/imports/nt51-baseline.txt.
 */
#ifndef KSTACK_WIN_COMPAT_H
#define KSTACK_WIN_COMPAT_H

#include <stddef.h>
#include <windows.h>
#include <dbghelp.h>

/*
 * psapi EnumProcessModulesEx(LIST_MODULES_ALL) (Vista): every module of
 * a WOW64 target. Without it, EnumProcessModules (NT 4): the modules of
 * the target's own bitness.
 */
BOOL ks_enum_process_modules(HANDLE process, HMODULE *mods, DWORD bytes,
			     DWORD *needed);

/* dbghelp SymLoadModuleEx (DbgHelp 6.0), else SymLoadModule64 (5.1). */
DWORD64 ks_sym_load_module(HANDLE process, const char *image, DWORD64 base,
			   DWORD size);

/* dbghelp SymRefreshModuleList (DbgHelp 6.5); FALSE where missing. */
BOOL ks_sym_refresh_module_list(HANDLE process);

#ifdef _WIN64
/*
 * kernel32 Wow64GetThreadContext (Vista x64). Missing (XP x64 / Server
 * 2003 x64): FALSE with ERROR_NOT_SUPPORTED, the 32-bit part is not shown.
 */
BOOL ks_wow64_get_thread_context(HANDLE thread, WOW64_CONTEXT *ctx);
#endif

/*
 * kernel32 GetThreadDescription (Windows 10 1607) as UTF-8, raw (the
 * caller escapes it). Returns 0 and "" where missing or unset.
 */
int ks_thread_description(HANDLE thread, char *out, size_t size);

#endif
