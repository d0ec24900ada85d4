/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text of a user frame's name (user_unwind.h: ks_user_frame.name),
 * and the names of JIT code, from the process's perf map (perf_map.h):
 * what user_unwind.c's name_pc() puts together.
 */
#ifndef KSTACK_USER_NAMES_H
#define KSTACK_USER_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "user_unwind.h"

/*
 * "owner!sym+0xoff/0xsize" (no "/0xsize" when size is 0): owner escaped
 * already, sym_len bytes of sym raw (NULs too), escaped here (escape.h).
 * malloc'd; NULL without memory.
 */
char *ks_user_format_name(const char *owner, const char *sym, size_t sym_len, uint64_t off,
			  uint64_t size);

/*
 * The name of pc (looked up at lookup: pc, or pc - 1 for a return
 * address) in p's JIT code: in an executable mapping of p with no ELF
 * file behind it, covered by p's perf map (read on first need, again
 * when it grew since p's last take; one that is not used is said through
 * u->note once): "perf-NSPID.map!name+0xoff/0xsize", the map's file name
 * marking where the name came from. Kept until the unwinder's fini.
 * NULL: not JIT code a map names (or no memory).
 */
const char *ks_user_jit_name(struct ks_user_unwinder *u, const struct ks_user_proc *p,
			     uint64_t pc, uint64_t lookup);

#endif
