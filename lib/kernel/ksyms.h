/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols from /proc/kallsyms: parsed once into one sorted flat
 * array (binary search), sizes taken from the next symbol of the same
 * owner (vmlinux or one module), the way the kernel's kallsyms sizes them.
 */
#ifndef KSTACK_KSYMS_H
#define KSTACK_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_error.h"

struct ks_sym {
	uint64_t addr;
	uint64_t size;		/* 0: unknown (last symbol of its owner) */
	uint32_t name;		/* offset into ks_ksyms.names */
	uint16_t owner;		/* index into ks_ksyms.owners; 0 = vmlinux */
	char type;		/* kallsyms type letter */
};

struct ks_ksyms {
	char *names;		/* the file's text, NUL-split in place */
	struct ks_sym *syms;	/* sorted by address, aliases in file order */
	size_t nsyms;
	char **owners;		/* "vmlinux", then module names as seen */
	size_t nowners, owners_cap;
	/* ranges the kernel's in_sched_functions() skips in /proc/PID/stack */
	uint64_t sched_start, sched_end, lock_start, lock_end;
	uint64_t stext, etext;	/* vmlinux text */
	uint64_t ret_from_fork;
	/* where vmlinux's ORC tables live (0 if the kernel has none) */
	uint64_t orc_ip_start, orc_ip_stop, orc_start, orc_stop;
};

/* Result of a lookup. */
struct ks_symbol {
	const char *name;
	const char *owner;	/* "vmlinux" or module name */
	uint64_t addr;		/* symbol start */
	uint64_t offset;	/* of the looked-up address from start */
	uint64_t size;		/* 0 if unknown */
};

/* Parse a kallsyms text: len bytes followed by a NUL (the buffer is taken
 * over and freed by fini, also on error). */
struct ks_error *ks_ksyms_parse(struct ks_ksyms *ks, char *text, size_t len);

/* Read and parse a file such as /proc/kallsyms. */
struct ks_error *ks_ksyms_load(struct ks_ksyms *ks, const char *path);

void ks_ksyms_fini(struct ks_ksyms *ks);

/*
 * Symbol containing addr. Returns false if none does (before the first
 * symbol, past the end of the last one with a known size, or an all-zero
 * table as a non-root reader of /proc/kallsyms sees it).
 */
bool ks_ksyms_lookup(const struct ks_ksyms *ks, uint64_t addr, struct ks_symbol *ret);

/*
 * As the kernel's %pB prints a return address: look up addr - 1 (a call
 * at the very end of a function returns past it) and add the 1 back.
 */
bool ks_ksyms_lookup_return(const struct ks_ksyms *ks, uint64_t addr, struct ks_symbol *ret);

/* Address of a vmlinux symbol by name, 0 if absent (linear: use sparingly). */
uint64_t ks_ksyms_addr(const struct ks_ksyms *ks, const char *name);

/* Is addr in a text symbol (type t/T, vmlinux or module)? */
bool ks_ksyms_is_text(const struct ks_ksyms *ks, uint64_t addr);

/* Would /proc/PID/stack leave this address out (scheduler/lock code)? */
bool ks_ksyms_in_sched(const struct ks_ksyms *ks, uint64_t addr);

/* Does the table hold real addresses (root) rather than all zeros? */
bool ks_ksyms_has_addresses(const struct ks_ksyms *ks);

#endif
