// SPDX-License-Identifier: GPL-2.0
/*
 * SNAPSHOT's fast walk of a sleeping task's stack. The kernel's unwinder
 * costs most of a whole-system snapshot: an ORC table search and several
 * checks per frame. Here each distinct address's ORC entry is searched once
 * per SNAPSHOT call and kept in a small hash table, and a frame is one step
 * of the rules the user-space walker uses (walk/arch_x86_64.c, compiled
 * into both), so there is one implementation of them, checked against the
 * kernel's unwinder by the tests.
 *
 * Only the common case is handled: core kernel text, a walk that ends at
 * the ORC end of stack or at user-mode registers. Anything else (module,
 * BPF or trampoline frames, ftrace/kretprobe return trampolines, a step
 * that fails, a stack that does not move up) returns -EAGAIN and the caller
 * redoes the thread with the kernel's unwinder, which stays the authority.
 */
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <asm/switch_to.h>
#include "kstack.h"
#include "walk/arch_x86_64.h"
#include "walk/search.h"

/*
 * Slots, powers of two: a whole-system listing uses ~100 distinct
 * addresses; a SNAPSHOT of a small process gets a small table, since
 * the table is allocated (and, with init_on_alloc, zeroed) per call and a
 * tool takes one small SNAPSHOT per process to check its user half.
 */
#define KSTACK_ORC_CACHE_MIN	64u
#define KSTACK_ORC_CACHE_MAX	1024u

/* a frame's address (checked reportable) and the entry that unwinds it */
struct kstack_orc_slot {
	unsigned long ip;	/* 0: empty */
	bool signal;		/* looked up at ip, not ip - 1 */
	struct ks_orc orc;
};

struct kstack_walk_cache {
	u32 used;
	u32 mask;		/* slots - 1 */
	struct kstack_orc_slot slot[];
};

/* vmlinux's ORC tables and the addresses the fast walk must not handle */
static struct {
	bool ok;
	unsigned long text_start, text_end;
	const s32 *ip;			/* __start_orc_unwind_ip: self-relative */
	const u8 *orc;			/* __start_orc_unwind: 6-byte entries */
	unsigned long nr;		/* entries */
	const u32 *lookup;		/* orc_lookup: first entry per block */
	unsigned long nr_blocks;
	unsigned int block_order;
	unsigned long ret_from_fork;
	unsigned long tramp[3];		/* return trampolines the kernel rewrites */
} kw;

void kstack_walk_init(kstack_lookup_t lookup, const struct kstack_kernel_info *ki)
{
	unsigned long nr_ip = (ki->orc_ip_end - ki->orc_ip_start) / sizeof(s32);

	kw.text_start = ki->text_start;
	kw.text_end = ki->text_end;
	kw.ip = (const s32 *)(unsigned long)ki->orc_ip_start;
	kw.orc = (const u8 *)(unsigned long)ki->orc_start;
	kw.nr = (ki->orc_end - ki->orc_start) / KS_ORC_RAW_SIZE;
	kw.lookup = (const u32 *)(unsigned long)ki->orc_lookup_start;
	kw.nr_blocks = (ki->orc_lookup_end - ki->orc_lookup_start) / sizeof(u32);
	kw.block_order = ki->orc_lookup_block_order;
	kw.ret_from_fork = ki->ret_from_fork;
	/* as unwind_recover_ret_addr(): ftrace graph, kretprobe, rethook */
	kw.tramp[0] = lookup("return_to_handler");
	kw.tramp[1] = lookup("__kretprobe_trampoline");
	kw.tramp[2] = lookup("arch_rethook_trampoline");
	kw.ok = IS_ENABLED(CONFIG_UNWINDER_ORC) && kw.text_start &&
		kw.text_end > kw.text_start && kw.ip && kw.orc && kw.nr &&
		ki->orc_ip_end > ki->orc_ip_start && nr_ip == kw.nr &&
		ki->orc_lookup_end > ki->orc_lookup_start && kw.nr_blocks > 1 &&
		kw.ret_from_fork && kw.block_order &&
		/* a trampoline we cannot recognise would be reported as a frame */
		(kw.tramp[0] || !IS_ENABLED(CONFIG_FUNCTION_GRAPH_TRACER)) &&
		(kw.tramp[2] || !IS_ENABLED(CONFIG_RETHOOK));
	if (!kw.ok)
		pr_info("kstack: ORC tables not found; SNAPSHOT frames use the kernel's unwinder only\n");
}

struct kstack_walk_cache *kstack_walk_cache_new(u32 frames)
{
	u32 slots = KSTACK_ORC_CACHE_MAX;
	struct kstack_walk_cache *c;

	if (!kw.ok)
		return NULL;
	if (frames < KSTACK_ORC_CACHE_MAX / 2)
		slots = max(roundup_pow_of_two(frames * 2), KSTACK_ORC_CACHE_MIN);
	c = kstack_counted(kvzalloc(struct_size(c, slot, slots), GFP_KERNEL));
	if (c)
		c->mask = slots - 1;
	return c;
}

void kstack_walk_cache_free(struct kstack_walk_cache *c)
{
	kstack_free(c);
}

/*
 * pc's entry in vmlinux's table, as the kernel's orc_find() picks it: the
 * lookup block bounds a binary search for the rightmost entry at or below
 * pc (the weak section terminators lose to real entries at the same pc).
 */
static bool kstack_orc_search(unsigned long pc, struct ks_orc *orc)
{
	unsigned long idx = (pc - kw.text_start) >> kw.block_order;
	size_t first, last, found;

	if (idx + 1 >= kw.nr_blocks)
		return false;
	first = kw.lookup[idx];
	last = kw.lookup[idx + 1];	/* the next block's first, inclusive */
	if (last >= kw.nr || first > last)
		return false;
	if (!ks_search_last_le(kw.ip, first, last + 1, pc, ks_search_key_self_rel32, &found))
		found = first;	/* as orc_find(): the block's first entry */
	return ks_orc_decode_raw(KSTACK_ORC_LAYOUT, kw.orc + found * KS_ORC_RAW_SIZE,
				 orc) == KS_ORC_GOOD;
}

/* an address the fast walk may report: core text, not a trampoline */
static bool kstack_fast_text(unsigned long ip)
{
	return ip >= kw.text_start && ip < kw.text_end && ip != kw.tramp[0] &&
	       ip != kw.tramp[1] && ip != kw.tramp[2];
}

/*
 * Does a copy of a stack (len bytes, 8-aligned) hold a return trampoline's
 * address, i.e. return addresses the kernel's unwinder would recover?
 * Without the trampolines' addresses, say yes: the caller then asks the
 * unwinder, which knows.
 */
bool kstack_has_ret_trampoline(const u8 *data, unsigned long len)
{
	const u64 *w = (const u64 *)data;
	unsigned long i;

	if (!kw.tramp[0] && !kw.tramp[1] && !kw.tramp[2])
		return IS_ENABLED(CONFIG_FUNCTION_GRAPH_TRACER) || IS_ENABLED(CONFIG_RETHOOK) ||
		       IS_ENABLED(CONFIG_KRETPROBES);
	for (i = 0; i < len / sizeof(u64); i++)
		if (w[i] && (w[i] == kw.tramp[0] || w[i] == kw.tramp[1] || w[i] == kw.tramp[2]))
			return true;
	return false;
}

/*
 * The entry that unwinds a frame at ip, if the fast walk may report ip
 * (checked once per distinct address, when it is cached). A return
 * address's entry is the call's: looked up at ip - 1 unless signal.
 */
static const struct ks_orc *kstack_orc_find(struct kstack_walk_cache *c, unsigned long ip,
					    bool signal)
{
	u32 h = (u32)(((u64)ip * 0x9e3779b97f4a7c15ull) >> 52) & c->mask;
	struct kstack_orc_slot *s;
	struct ks_orc orc;

	for (;;) {
		s = &c->slot[h];
		if (!s->ip)	/* first: address 0 must not match an empty slot */
			break;
		if (s->ip == ip && s->signal == signal)
			return &s->orc;
		h = (h + 1) & c->mask;
	}
	/* keep the table at most 3/4 full: probes stay short */
	if (c->used >= (c->mask + 1) / 4 * 3 || !kstack_fast_text(ip) ||
	    !kstack_orc_search(signal ? ip : ip - 1, &orc))
		return NULL;
	s->orc = orc;
	s->ip = ip;
	s->signal = signal;
	c->used++;
	return &s->orc;
}

/*
 * Walk the stack of a task that sleeps (caller holds rcu_read_lock, found
 * the task quiet and its stack at stack; sp is its saved thread.sp). 0 with
 * frames[], cap->nr_frames, cap->end (and KSTACK_SF_TRUNCATED) filled, or
 * -EAGAIN when the kernel's unwinder must do it.
 */
int kstack_fast_walk(struct kstack_walk_cache *c, unsigned long stack, unsigned long sp,
		     u64 *frames, u32 max, struct kstack_capture *cap)
{
	struct ks_stack_image img = {
		.base = stack, .top = stack + THREAD_SIZE, .lo = sp, .data = (const u8 *)sp,
	};
	const struct ks_orc *orc;
	enum ks_step_result step;
	struct ks_regs r;
	unsigned long prev_sp;
	u32 n = 0;

	/* the kernel's unwinder needs the frame's end inside the stack, too */
	if (!ks_range_inside(stack, THREAD_SIZE, sp, sizeof(struct inactive_task_frame)))
		return -EAGAIN;
	if (!ks_x86_64_initial_regs(&img, sp, sizeof(struct inactive_task_frame),
				    offsetof(struct inactive_task_frame, ret_addr),
				    offsetof(struct inactive_task_frame, bp),
				    kw.ret_from_fork, &r))
		return -EAGAIN;
	for (;;) {
		/* not reportable or no entry: the kernel's unwinder decides */
		orc = kstack_orc_find(c, r.ip, r.signal);
		if (!orc)
			return -EAGAIN;
		if (n == max) {
			cap->flags |= KSTACK_SF_TRUNCATED;
			cap->end = KSTACK_END_LIMIT;
			break;
		}
		frames[n++] = r.ip;
		prev_sp = r.sp;
		if (ks_x86_64_call_step(&img, orc, &r)) {
			/* a call frame: no registers; it must lie above the last */
			if (r.sp <= prev_sp)
				return -EAGAIN;
			continue;
		}
		step = ks_x86_64_orc_step(&img, orc, &r);
		if (step == KS_STEP_END) {
			cap->end = KSTACK_END_KTHREAD;
			break;
		}
		if (step != KS_STEP_OK)
			return -EAGAIN;
		if (ks_x86_64_regs_user_mode(&img, &r)) {
			cap->end = KSTACK_END_USER;
			break;
		}
		if (r.sp <= prev_sp)
			return -EAGAIN;
	}
	cap->nr_frames = n;
	return 0;
}
