// SPDX-License-Identifier: GPL-2.0
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>

#include "user_cfi.h"

struct rule_entry {
	const void *file;
	uint64_t rel;		/* lookup address in the file */
	struct ks_cfi_rule rule;
};

struct rule_key {
	const void *file;
	uint64_t rel;
};

static bool rule_eq(const void *val, const void *key)
{
	const struct rule_entry *e = val;
	const struct rule_key *k = key;

	return e->file == k->file && e->rel == k->rel;
}

/* A caller's register from CFI ops (dwarf_frame_register()'s forms). */
static bool reg_how(Dwarf_Frame *frame, int regno, enum ks_cfi_how *how, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;

	if (dwarf_frame_register(frame, regno, mem, &ops, &nops))
		return false;
	*off = 0;
	if (!nops) {
		/* no ops: NULL means same value, ops_mem means undefined (libdw.h) */
		*how = ops ? KS_CFI_UNDEFINED : KS_CFI_SAME;
		return true;
	}
	/* offset(N): DW_OP_call_frame_cfa [DW_OP_plus_uconst N], saved at CFA + N */
	if (ops[0].atom != DW_OP_call_frame_cfa || nops > 2)
		return false;
	if (nops == 2) {
		if (ops[1].atom != DW_OP_plus_uconst)
			return false;
		*off = (int64_t)ops[1].number;
	}
	*how = KS_CFI_AT_CFA;
	return true;
}

/* The rule at lookup of mod, from one CFI section; false: none there. */
static bool rule_from(Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t lookup, struct ks_cfi_rule *r)
{
	Dwarf_Frame *frame;
	Dwarf_Op *ops;
	size_t nops;
	bool signal = false;
	int ra;

	if (!cfi || dwarf_cfi_addrframe(cfi, lookup - bias, &frame))
		return false;
	memset(r, 0, sizeof(*r));
	ra = dwarf_frame_info(frame, NULL, NULL, &signal);
	/* the CFA as reg + offset: libdw hands it over as DW_OP_bregx */
	if (ra == KS_DWARF_RIP && !signal && !dwarf_frame_cfa(frame, &ops, &nops) && nops == 1 &&
	    ops[0].atom == DW_OP_bregx &&
	    (ops[0].number == KS_DWARF_RSP || ops[0].number == KS_DWARF_RBP) &&
	    reg_how(frame, KS_DWARF_RIP, &r->ra, &r->ra_off) && r->ra != KS_CFI_SAME &&
	    reg_how(frame, KS_DWARF_RBP, &r->rbp, &r->rbp_off)) {
		r->cfa_reg = (uint8_t)ops[0].number;
		r->cfa_off = (int64_t)ops[0].number2;
		r->usable = true;
	}
	free(frame);
	return true;
}

/* The rule for lookup in mod (file at bias), made once per (file, address). */
static const struct ks_cfi_rule *rule_for(struct ks_cfi_rules *rules, Dwfl_Module *mod,
					  const void *file, uint64_t bias, uint64_t lookup)
{
	struct rule_key k = { .file = file, .rel = lookup - bias };
	uint64_t h = ks_hash_mix(ks_hash_u64((uint64_t)(uintptr_t)file), k.rel);
	struct rule_entry *e = ks_hashtab_get(&rules->tab, h, rule_eq, &k);
	Dwarf_Addr cbias = 0;
	Dwarf_CFI *cfi;

	if (e) {
		rules->reused++;
		return &e->rule;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->file = file;
	e->rel = k.rel;
	/* .eh_frame first, then .debug_frame, as libdwfl's unwinder looks */
	cfi = dwfl_module_eh_cfi(mod, &cbias);
	if (!rule_from(cfi, cbias, lookup, &e->rule)) {
		cfi = dwfl_module_dwarf_cfi(mod, &cbias);
		rule_from(cfi, cbias, lookup, &e->rule);
	}
	if (!ks_hashtab_add(&rules->tab, h, e)) {
		free(e);
		return NULL;
	}
	rules->made++;
	return &e->rule;
}

/*
 * One step from the frame at pc (registers sp, bp; bp_known: bp holds a
 * value): the caller's. 1: stepped (*pc, *sp, *bp updated), 0: the
 * outermost frame, -1: a rule cannot say (libdwfl must walk).
 */
static int step(struct ks_cfi_rules *rules, const struct ks_cfi_walk_ops *ops, bool first,
		uint64_t *pc, uint64_t *sp, uint64_t *bp, bool *bp_known)
{
	/* a return address is looked up in its call: pc - 1, except where the thread is */
	uint64_t lookup = first ? *pc : *pc - 1, bias, cfa, ra, nbp = *bp;
	const struct ks_cfi_rule *r;
	const void *file;
	Dwfl_Module *mod = ops->module(ops->ctx, lookup, &file, &bias);

	if (!mod)
		return -1;
	r = rule_for(rules, mod, file, bias, lookup);
	if (!r || !r->usable)
		return -1;
	if (r->cfa_reg == KS_DWARF_RBP && !*bp_known)
		return -1;
	cfa = (r->cfa_reg == KS_DWARF_RSP ? *sp : *bp) + (uint64_t)r->cfa_off;
	if (r->ra == KS_CFI_UNDEFINED)
		return 0;
	if (!ops->read(ops->ctx, cfa + (uint64_t)r->ra_off, &ra))
		return -1;
	if (r->rbp == KS_CFI_AT_CFA) {
		if (!ops->read(ops->ctx, cfa + (uint64_t)r->rbp_off, &nbp))
			return -1;
		*bp_known = true;
	} else if (r->rbp == KS_CFI_UNDEFINED) {
		*bp_known = false;
	}
	/* libdwfl ends a stack whose return address unwinds to 0 */
	if (!ra)
		return 0;
	*pc = ra;
	*sp = cfa;	/* the x86-64 ABI's CFI: the caller's rsp is the CFA */
	*bp = nbp;
	return 1;
}

bool ks_cfi_walk(struct ks_cfi_rules *rules, const struct ks_cfi_walk_ops *ops, uint64_t ip,
		 uint64_t sp, uint64_t bp, size_t max, uint64_t *pcs, size_t *nr_ret,
		 bool *whole_ret)
{
	bool bp_known = true;
	size_t nr = 0;
	int rc;

	*nr_ret = 0;
	if (!max)
		return false;
	pcs[nr++] = ip;
	for (;;) {
		rc = step(rules, ops, nr == 1, &ip, &sp, &bp, &bp_known);
		if (rc < 0)
			return false;
		if (rc == 0) {
			*whole_ret = true;
			break;
		}
		if (nr == max) {
			/* a further frame is there: cut at the limit, as libdwfl's walk is */
			*whole_ret = false;
			break;
		}
		pcs[nr++] = ip;
	}
	*nr_ret = nr;
	return true;
}

void ks_cfi_rules_fini(struct ks_cfi_rules *rules)
{
	struct rule_entry *e;
	size_t pos = 0;

	while ((e = ks_hashtab_next(&rules->tab, &pos)))
		free(e);
	ks_hashtab_fini(&rules->tab);
	memset(rules, 0, sizeof(*rules));
}
