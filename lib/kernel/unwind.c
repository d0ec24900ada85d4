// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "walk/arch_x86_64.h"
#include "unwind.h"
#include "vec.h"

/* A kernel thread stack is 16 KiB on x86_64 6.1; refuse absurd sizes. */
#define KS_STACK_SIZE_MAX (1u << 20)

struct ks_walker {
	const struct ks_walk_config *cfg;
	const struct ks_stack_image *stack;
	struct ks_walk_result *res;
	uint32_t max;
	size_t cap;		/* frames allocated */
	bool nomem;		/* growing res->frames failed */
};

/*
 * Room for this many frames first, grown by doubling up to the limit. Most
 * stacks have about ten frames, and a block this small stays in malloc's
 * per-thread cache between walks; a limit-sized one (128 frames, 3 KiB) was
 * handed back to the kernel at each free and faulted in again at the next
 * walk: ~5 us a walk under TCG, most of a whole-system listing's walking.
 */
#define KS_WALK_FIRST_FRAMES 32

static bool ks_walker_is_text(const struct ks_walker *w, uint64_t addr)
{
	if (w->cfg->is_text)
		return w->cfg->is_text(w->cfg->ctx, addr);
	return w->cfg->orc && ks_orc_set_table(w->cfg->orc, addr);
}

/* Append a frame; false when the limit is reached (result truncated). */
static bool ks_walker_emit(struct ks_walker *w, const struct ks_regs *r,
			   enum ks_frame_how how, bool reliable)
{
	struct ks_frame *f;

	if (w->res->nr >= w->max) {
		w->res->stop = KS_STOP_MAX_FRAMES;
		return false;
	}
	if (!ks_vec_grow(&w->res->frames, &w->cap, w->res->nr + 1, sizeof(*w->res->frames),
			 KS_WALK_FIRST_FRAMES)) {
		w->nomem = true;
		return false;
	}
	f = &w->res->frames[w->res->nr++];
	f->ip = r->ip;
	f->sp = r->sp;
	f->how = (uint8_t)how;
	f->reliable = reliable;
	f->exact = r->signal;
	if (!reliable)
		w->res->reliable = false;
	return true;
}

/*
 * No ORC data and no usable frame pointer: report every kernel text address
 * left on the stack above sp, all unreliable (they may be stale).
 */
static void ks_walker_scan(struct ks_walker *w, uint64_t sp)
{
	const struct ks_stack_image *s = w->stack;
	uint64_t addr = (sp + 7) & ~7ull, val;

	if (addr < s->lo)
		addr = s->lo;
	for (; addr + 8 <= s->top; addr += 8) {
		struct ks_regs r = { 0 };

		if (!ks_stack_read_u64(s, addr, &val) || !ks_walker_is_text(w, val))
			continue;
		r.ip = val;
		r.sp = addr + 8;
		if (!ks_walker_emit(w, &r, KS_HOW_SCAN, false))
			return;
	}
	w->res->stop = KS_STOP_SCANNED;
}

static struct ks_error *ks_walk_image_plain(const struct ks_walk_config *cfg,
					    const struct ks_walk_thread *t, const void *data,
					    struct ks_walk_result *res);

static enum ks_walk_stop ks_step_stop(enum ks_step_result res)
{
	switch (res) {
	case KS_STEP_END:
		return KS_STOP_END_OF_STACK;
	case KS_STEP_UNDEFINED:
		return KS_STOP_NO_ORC;
	case KS_STEP_OFF_STACK:
		return KS_STOP_OFF_STACK;
	default:
		return KS_STOP_BAD_ORC;
	}
}

static void ks_walker_run(struct ks_walker *w, struct ks_regs r)
{
	struct ks_walk_result *res = w->res;
	bool reliable = true;

	if (!ks_walker_emit(w, &r, KS_HOW_TASK, true))
		return;
	for (;;) {
		/* A return address's ORC entry is the call's: look up ip - 1. */
		uint64_t pc = r.signal ? r.ip : r.ip - 1;
		const struct ks_orc *orc = w->cfg->orc ? ks_orc_set_find(w->cfg->orc, pc) : NULL;
		uint64_t prev_sp = r.sp;
		enum ks_frame_how how;
		enum ks_step_result step;

		res->stop_ip = r.ip;
		if (orc) {
			step = ks_x86_64_orc_step(w->stack, orc, &r);
			how = orc->type == KS_ORC_TYPE_CALL ? KS_HOW_ORC : KS_HOW_REGS;
		} else {
			/* Generated code (BPF, trampolines): the kernel's guess,
			 * and from here on nothing is certain. */
			reliable = false;
			how = KS_HOW_FP;
			step = r.bp >= w->stack->lo && r.bp < w->stack->top ?
				ks_x86_64_fp_step(w->stack, &r) : KS_STEP_OFF_STACK;
			if (step != KS_STEP_OK) {
				ks_walker_scan(w, r.sp);
				return;
			}
		}
		if (step != KS_STEP_OK) {
			res->stop = ks_step_stop(step);
			if (step != KS_STEP_END)
				res->reliable = false;
			return;
		}
		/* The entry pt_regs of a syscall/exception from user mode. */
		if (ks_x86_64_regs_user_mode(w->stack, &r)) {
			res->stop = KS_STOP_USER;
			res->user_ip = r.ip;
			res->user_sp = r.sp;
			return;
		}
		/* Bad data must not loop us: each frame lies above the last. */
		if (r.sp <= prev_sp) {
			res->stop = KS_STOP_LOOP;
			res->reliable = false;
			return;
		}
		if (!ks_walker_is_text(w, r.ip) &&
		    !(w->cfg->is_generated && w->cfg->is_generated(w->cfg->ctx, r.ip))) {
			res->stop = KS_STOP_NOT_TEXT;
			res->reliable = false;
			return;
		}
		if (!ks_walker_emit(w, &r, how, reliable))
			return;
	}
}

static struct ks_error *ks_walk_check(const struct ks_walk_config *cfg,
				      const struct ks_walk_thread *t)
{
	if (!t->stack_size || t->stack_size > KS_STACK_SIZE_MAX ||
	    t->stack_base + t->stack_size < t->stack_base)
		return ks_error_format(EINVAL, "bad kernel stack [%#llx, +%#llx)",
				       (unsigned long long)t->stack_base,
				       (unsigned long long)t->stack_size);
	if (!ks_range_inside(t->stack_base, t->stack_size, t->saved_sp, 1))
		return ks_error_format(EINVAL, "saved sp %#llx outside the stack [%#llx, %#llx)",
				       (unsigned long long)t->saved_sp,
				       (unsigned long long)t->stack_base,
				       (unsigned long long)(t->stack_base + t->stack_size));
	if (!cfg->frame_size || cfg->frame_ret_off + 8 > cfg->frame_size ||
	    cfg->frame_bp_off + 8 > cfg->frame_size)
		return ks_error_format(EINVAL, "bad saved task frame layout (size %u, ret %u, bp %u)",
				       cfg->frame_size, cfg->frame_ret_off, cfg->frame_bp_off);
	return NULL;
}

/*
 * The stack with its replaced return addresses put back: a copy, so the
 * caller's bytes stay as the kernel had them. NULL: out of memory.
 */
static void *ks_walk_fixed_copy(const struct ks_walk_thread *t, const void *data)
{
	uint64_t lo = t->saved_sp, len = t->stack_base + t->stack_size - t->saved_sp;
	uint8_t *copy = malloc(len);
	size_t i;

	if (!copy)
		return NULL;
	memcpy(copy, data, len);
	for (i = 0; i < t->nr_fixups; i++) {
		const struct kstack_ret_fixup *f = &t->fixups[i];

		if (ks_range_inside(lo, len, f->slot, 8))
			memcpy(copy + (f->slot - lo), &f->ret, 8);
	}
	return copy;
}

struct ks_error *ks_walk_image(const struct ks_walk_config *cfg,
			       const struct ks_walk_thread *t, const void *data,
			       struct ks_walk_result *res)
{
	struct ks_walk_thread plain;
	struct ks_error *err;
	void *fixed;

	if (!t->nr_fixups)
		return ks_walk_image_plain(cfg, t, data, res);
	*res = (struct ks_walk_result){ 0 };
	err = ks_walk_check(cfg, t);
	if (err)
		return err;
	fixed = ks_walk_fixed_copy(t, data);
	if (!fixed)
		return &ks_error_nomem;
	plain = *t;
	plain.nr_fixups = 0;
	err = ks_walk_image_plain(cfg, &plain, fixed, res);
	free(fixed);
	return err;
}

/* ks_walk_image() of a stack whose return addresses are as the walk needs them */
static struct ks_error *ks_walk_image_plain(const struct ks_walk_config *cfg,
					    const struct ks_walk_thread *t, const void *data,
					    struct ks_walk_result *res)
{
	struct ks_stack_image stack = {
		.base = t->stack_base,
		.top = t->stack_base + t->stack_size,
		.lo = t->saved_sp,
		.data = data,
	};
	struct ks_walker w = { .cfg = cfg, .stack = &stack, .res = res };
	struct ks_error *err;
	struct ks_regs r;

	*res = (struct ks_walk_result){ 0 };
	err = ks_walk_check(cfg, t);
	if (err)
		return err;
	w.max = cfg->max_frames ? cfg->max_frames : KS_WALK_DEFAULT_MAX;
	w.cap = w.max < KS_WALK_FIRST_FRAMES ? w.max : KS_WALK_FIRST_FRAMES;
	res->frames = calloc(w.cap, sizeof(*res->frames));
	if (!res->frames)
		return &ks_error_nomem;
	res->reliable = true;
	if (!ks_x86_64_initial_regs(&stack, t->saved_sp, cfg->frame_size, cfg->frame_ret_off,
				    cfg->frame_bp_off, cfg->ret_from_fork, &r)) {
		res->stop = KS_STOP_OFF_STACK;
		res->reliable = false;
		return NULL;
	}
	ks_walker_run(&w, r);
	if (w.nomem) {
		ks_walk_result_fini(res);
		return &ks_error_nomem;
	}
	return NULL;
}

struct ks_error *ks_walk(const struct ks_walk_config *cfg, const struct ks_walk_thread *t,
			 struct ks_walk_result *res)
{
	struct ks_error *err;
	uint64_t len;
	void *buf;

	*res = (struct ks_walk_result){ 0 };
	err = ks_walk_check(cfg, t);
	if (err)
		return err;
	len = t->stack_base + t->stack_size - t->saved_sp;
	buf = malloc(len);
	if (!buf)
		return &ks_error_nomem;
	err = cfg->read(cfg->ctx, t->saved_sp, buf, len);
	if (err) {
		free(buf);
		return ks_error_wrap(err, "reading kernel stack at %#llx",
				     (unsigned long long)t->saved_sp);
	}
	err = ks_walk_image(cfg, t, buf, res);
	free(buf);
	return err;
}

void ks_walk_result_fini(struct ks_walk_result *res)
{
	free(res->frames);
	res->frames = NULL;
	res->nr = 0;
}

const char *ks_walk_stop_name(enum ks_walk_stop stop)
{
	static const char *const names[] = {
		[KS_STOP_END_OF_STACK] = "end of stack",
		[KS_STOP_USER] = "user mode",
		[KS_STOP_MAX_FRAMES] = "frame limit",
		[KS_STOP_LOOP] = "stack pointer did not move up",
		[KS_STOP_OFF_STACK] = "left the thread's stack",
		[KS_STOP_NO_ORC] = "no unwind info",
		[KS_STOP_BAD_ORC] = "unusable ORC entry",
		[KS_STOP_NOT_TEXT] = "return address is not kernel code",
		[KS_STOP_SCANNED] = "stack scan (unreliable)",
		[KS_STOP_UNRELIABLE] = "the kernel's unwinder stopped early",
	};

	return stop < sizeof(names) / sizeof(names[0]) && names[stop] ? names[stop] : "?";
}
