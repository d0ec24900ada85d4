/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user half's fast walk: each ELF file's CFI compiled, one address at
 * a time and once per run, into a small rule (how to find the CFA from
 * rsp or rbp, where the return address and the saved rbp are), then a
 * thread walked by applying rules, with no libdw call per frame. This is
 * how profilers that unwind without frame pointers keep the walk cheap
 * (OpenTelemetry's "stack deltas", Parca's unwind tables); the rules come
 * from libdw's own reading of the CFI (dwarf_cfi_addrframe() on
 * .eh_frame, then .debug_frame, the order libdwfl's unwinder uses).
 *
 * Only what such a rule expresses is walked here: x86_64 frames whose CFA
 * is rsp or rbp plus an offset, whose return address and rbp are saved at
 * the CFA plus an offset (or rbp unchanged), none a signal frame. For
 * anything else (a CFA expression, a signal trampoline, code without CFI,
 * a word that cannot be read, a compat task) the walk gives up and the
 * caller asks libdwfl for the whole thread, so every stack is walked as
 * libdwfl walks it (--verify-user compares the two on every thread).
 */
#ifndef KSTACK_USER_CFI_H
#define KSTACK_USER_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdwfl.h>

#include "hashtab.h"

/* x86-64 psABI DWARF register numbers (table 3.36) */
#define KS_DWARF_RBP	6
#define KS_DWARF_RSP	7
#define KS_DWARF_RIP	16	/* the return-address column */

/* how a register of the caller is found (ks_cfi_rule) */
enum ks_cfi_how {
	KS_CFI_SAME,		/* unchanged by this frame */
	KS_CFI_AT_CFA,		/* saved at CFA + off */
	KS_CFI_UNDEFINED,	/* lost (for the return address: the outermost frame) */
};

struct ks_cfi_rule {
	bool usable;		/* false: not expressible here, libdwfl must walk */
	uint8_t cfa_reg;	/* KS_DWARF_RSP or KS_DWARF_RBP */
	int64_t cfa_off;
	enum ks_cfi_how ra, rbp;
	int64_t ra_off, rbp_off;
};

/* Rules by (file, address in the file), for the run. */
struct ks_cfi_rules {
	struct ks_hashtab tab;
	size_t made, reused;	/* statistics (tests, bench) */
};

/* Where the walk finds a pc's module and the words of the stack. */
struct ks_cfi_walk_ops {
	/*
	 * The module holding lookup: its file's identity for the run (any
	 * pointer that stays valid and unique per file) and its load bias.
	 * NULL: no module there.
	 */
	Dwfl_Module *(*module)(void *ctx, uint64_t lookup, const void **file_ret,
			       uint64_t *bias_ret);
	bool (*read)(void *ctx, uint64_t addr, uint64_t *word);
	void *ctx;
};

/*
 * Walk from (ip, sp, bp), at most max frames into pcs[] (*nr_ret of
 * them; the first is ip). true with *whole_ret: the walk reached the
 * outermost frame (the return address undefined, or 0), or stopped at
 * max with a further frame there (*whole_ret false). false: some frame
 * is beyond what a rule expresses (see above): walk with libdwfl.
 */
bool ks_cfi_walk(struct ks_cfi_rules *rules, const struct ks_cfi_walk_ops *ops, uint64_t ip,
		 uint64_t sp, uint64_t bp, size_t max, uint64_t *pcs, size_t *nr_ret,
		 bool *whole_ret);

void ks_cfi_rules_fini(struct ks_cfi_rules *rules);

#endif
