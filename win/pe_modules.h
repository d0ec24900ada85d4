/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The names each module of a symbols session carries in itself (COFF
 * symbol table, exports: pe_symbols.h), for the frames dbghelp cannot
 * name. Modules are registered as symbols.c loads them into dbghelp; a
 * module's image is read the first time one of its frames needs it, and
 * only then: once per run, whatever the number of frames. Called with the
 * dbghelp lock held (it also guards this cache).
 */
#ifndef KSTACK_WIN_PE_MODULES_H
#define KSTACK_WIN_PE_MODULES_H

#include <windows.h>

#include "pe_symbols.h"
#include "symbols.h"

struct ks_pe_module {
	ULONG64 base;
	ULONG64 size;		/* 0 until known (a kernel module: read from its header) */
	int kernel;		/* may be read from kernel memory (s->kernel_read) */
	int read;		/* 0: not yet; 1: syms holds what it has; -1: unreadable */
	char path[MAX_PATH];	/* DOS path of its file */
	char name[64];		/* file name without extension, as dbghelp's ModuleName */
	struct ks_pesyms syms;
};

/* Registers a module (again: the first registration stays). */
void ks_pe_modules_add(struct ks_symbols *s, ULONG64 base, ULONG64 size,
		       const char *path, int kernel);

/*
 * The module at base when base is not 0 (dbghelp knows it), else the one
 * whose image holds addr; read on first use. NULL when none is registered
 * there, or (by addr) when addr is past its image.
 */
struct ks_pe_module *ks_pe_modules_find(struct ks_symbols *s, ULONG64 base, ULONG64 addr);

void ks_pe_modules_free(struct ks_symbols *s);

#endif
