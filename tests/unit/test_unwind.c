// SPDX-License-Identifier: GPL-2.0
/*
 * The walk loop over stack images with known answers: hand-made ORC tables
 * for each rule and failure mode, then the real 6.1 entries (fixture) with
 * stacks laid out the way the kernel lays them out.
 */
#include "helpers.h"
#include "walk/arch_x86_64.h"
#include "unwind.h"

#define T 0xffffffff81000000ull		/* fake kernel text */
#define G 0xffffffffa0000000ull		/* "generated code": no ORC */
#define S 0xffffc90000010000ull		/* stack base */
#define SSIZE 0x4000ull
#define IPTAB 0xffffffff82c00000ull

/* function layout of the hand-made table */
#define F_A	(T + 0x000)	/* CALL, CFA = sp + 16 */
#define F_B	(T + 0x100)	/* CALL, CFA = sp + 32, bp saved at CFA - 16 */
#define F_C	(T + 0x200)	/* frame pointer: CFA = bp + 16, bp saved at CFA - 16 */
#define F_ENTRY	(T + 0x300)	/* REGS: pt_regs at sp */
#define F_IRQ	(T + 0x400)	/* REGS_PARTIAL: iret frame at sp */
#define F_KBASE	(T + 0x500)	/* END_OF_STACK */
#define F_WEAK	(T + 0x600)	/* UNDEFINED */
#define F_LOOP	(T + 0x700)	/* CALL, CFA = sp: never moves */
#define F_FAR	(T + 0x800)	/* CALL, CFA far above the stack */

struct env {
	struct ks_orc_set set;
	uint8_t *stack;		/* image of [S, S + SSIZE) */
	struct ks_walk_config cfg;
	bool fail_reads;
};

static void put(struct env *e, uint64_t addr, uint64_t val)
{
	assert_true(addr >= S && addr + 8 <= S + SSIZE);
	memcpy(e->stack + (addr - S), &val, 8);
}

static struct ks_error *read_image(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct env *e = ctx;

	if (e->fail_reads || addr < S || addr + len > S + SSIZE)
		return ks_error_format(EFAULT, "bad read %#llx+%zu", (unsigned long long)addr, len);
	memcpy(buf, e->stack + (addr - S), len);
	return NULL;
}

static bool is_text(void *ctx, uint64_t addr)
{
	(void)ctx;
	return (addr >= T && addr < T + 0x1000) || (addr >= G && addr < G + 0x1000);
}

static int setup(void **state)
{
	static const struct { uint64_t ip; int16_t sp_off, bp_off; unsigned sp_reg, bp_reg, type, end; } ents[] = {
		{ F_A, 16, 0, KS_ORC_REG_SP, 0, 0, 0 },
		{ F_B, 32, -16, KS_ORC_REG_SP, KS_ORC_REG_PREV_SP, 0, 0 },
		{ F_C, 16, -16, KS_ORC_REG_BP, KS_ORC_REG_PREV_SP, 0, 0 },
		{ F_ENTRY, 0, 0, KS_ORC_REG_SP, 0, 1, 0 },
		{ F_IRQ, 0, 0, KS_ORC_REG_SP, 0, 2, 0 },
		{ F_KBASE, 0, 0, 0, 0, 0, 1 },
		{ F_WEAK, 0, 0, 0, 0, 0, 0 },
		{ F_LOOP, 0, 0, KS_ORC_REG_SP, 0, 0, 0 },
		{ F_FAR, 0x7000, 0, KS_ORC_REG_SP, 0, 0, 0 },
		{ T + 0x900, 0, 0, 0, 0, 0, 0 },
	};
	enum { N = sizeof(ents) / sizeof(ents[0]) };
	uint8_t ipraw[4 * N], orcraw[6 * N];
	struct env *e = calloc(1, sizeof(*e));
	struct ks_orc_table *t;
	size_t i;

	for (i = 0; i < N; i++) {
		raw_ip(ipraw, IPTAB, i, ents[i].ip);
		raw_orc_v1(orcraw + 6 * i, ents[i].sp_off, ents[i].bp_off, ents[i].sp_reg,
			   ents[i].bp_reg, ents[i].type, ents[i].end);
	}
	assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V1, ipraw, IPTAB, orcraw,
					      N, T, T + 0x1000, &t));
	assert_no_error(ks_orc_set_add(&e->set, t));
	e->stack = calloc(1, SSIZE);
	e->cfg = (struct ks_walk_config){
		.read = read_image, .is_text = is_text, .ctx = e, .orc = &e->set,
		.frame_size = 56, .frame_ret_off = 48, .frame_bp_off = 40,
	};
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ks_orc_set_clear(&e->set);
	free(e->stack);
	free(e);
	return 0;
}

/* Saved task frame at sp: {r15, r14, r13, r12, bx, bp, ret}. */
static struct ks_walk_thread task_frame(struct env *e, uint64_t sp, uint64_t ret, uint64_t bp)
{
	put(e, sp + 40, bp);
	put(e, sp + 48, ret);
	return (struct ks_walk_thread){ .stack_base = S, .stack_size = SSIZE, .saved_sp = sp };
}

static void expect_frames(const struct ks_walk_result *r, const uint64_t *ips, size_t n)
{
	size_t i;

	for (i = 0; i < r->nr && i < n; i++)
		if (r->frames[i].ip != ips[i])
			fail_msg("frame %zu: got %#llx, want %#llx", i,
				 (unsigned long long)r->frames[i].ip, (unsigned long long)ips[i]);
	assert_int_equal(r->nr, n);
}

/* A, B, C (frame pointer), syscall entry, user mode. */
static uint64_t build_user_stack(struct env *e, struct ks_walk_thread *t)
{
	uint64_t sp0 = S + 0x3000 + 56, sp1 = sp0 + 16, sp2 = sp1 + 32;
	uint64_t bpc = sp2 + 0x20, sp3 = bpc + 16;

	*t = task_frame(e, S + 0x3000, F_A + 0x10, 0);
	put(e, sp1 - 8, F_B + 0x20);		/* A's return address */
	put(e, sp2 - 8, F_C + 0x30);		/* B's */
	put(e, sp2 - 16, bpc);			/* B saved C's frame pointer */
	put(e, sp3 - 8, F_ENTRY + 0x40);	/* C's (CFA = bp + 16) */
	put(e, bpc, 0x1234);			/* C saved its caller's bp */
	put(e, sp3 + KS_PT_REGS_IP, 0x401000);	/* user pt_regs */
	put(e, sp3 + KS_PT_REGS_CS, 0x33);
	put(e, sp3 + KS_PT_REGS_SP, 0x7ffc0000);
	return sp3;
}

static void user_task_to_user_mode(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t;
	struct ks_walk_result r;
	const uint64_t want[] = { F_A + 0x10, F_B + 0x20, F_C + 0x30, F_ENTRY + 0x40 };

	build_user_stack(e, &t);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 4);
	assert_int_equal(r.stop, KS_STOP_USER);
	assert_int_equal(r.user_ip, 0x401000);
	assert_int_equal(r.user_sp, 0x7ffc0000);
	assert_true(r.reliable);
	assert_int_equal(r.frames[0].how, KS_HOW_TASK);
	assert_int_equal(r.frames[2].how, KS_HOW_ORC);
	ks_walk_result_fini(&r);
}

static void frame_limit_truncates(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t;
	struct ks_walk_result r;
	const uint64_t want[] = { F_A + 0x10, F_B + 0x20 };

	build_user_stack(e, &t);
	e->cfg.max_frames = 2;
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 2);
	assert_int_equal(r.stop, KS_STOP_MAX_FRAMES);
	ks_walk_result_fini(&r);
	/* exactly as many frames as the limit: not truncated */
	e->cfg.max_frames = 4;
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 4);
	assert_int_equal(r.stop, KS_STOP_USER);
	ks_walk_result_fini(&r);
}

static void kernel_thread_end_of_stack(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t = task_frame(e, S + 0x3f00, F_A + 0x10, 0);
	struct ks_walk_result r;
	const uint64_t want[] = { F_A + 0x10, F_KBASE + 0x22 };

	put(e, S + 0x3f00 + 56 + 16 - 8, F_KBASE + 0x22);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 2);
	assert_int_equal(r.stop, KS_STOP_END_OF_STACK);
	assert_true(r.reliable);
	ks_walk_result_fini(&r);
}

/*
 * A return address tracing replaced (function_graph, kretprobe): the stack
 * holds a trampoline's address; the driver's fixup gives the real one,
 * which the walk uses, leaving the caller's stack bytes as they were.
 */
static void replaced_return_address_fixed_up(void **state)
{
	struct env *e = *state;
	uint64_t slot = S + 0x3f00 + 56 + 16 - 8, tramp = 0xffffffff8f000040ull, got;
	struct ks_walk_thread t = task_frame(e, S + 0x3f00, F_A + 0x10, 0);
	struct kstack_ret_fixup fix[2] = {
		{ .slot = slot, .ret = F_KBASE + 0x22 },
		{ .slot = S - 8, .ret = 1 },	/* outside the stack: ignored */
	};
	struct ks_walk_result r;
	const uint64_t want[] = { F_A + 0x10, F_KBASE + 0x22 };

	put(e, slot, tramp);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 1);		/* without the fixup: cut */
	assert_int_not_equal(r.stop, KS_STOP_END_OF_STACK);
	ks_walk_result_fini(&r);
	t.fixups = fix;
	t.nr_fixups = 2;
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 2);
	assert_int_equal(r.stop, KS_STOP_END_OF_STACK);
	assert_true(r.reliable);
	ks_walk_result_fini(&r);
	/* over an image in memory: the bytes stay the kernel's */
	assert_no_error(ks_walk_image(&e->cfg, &t, e->stack + (t.saved_sp - S), &r));
	expect_frames(&r, want, 2);
	ks_walk_result_fini(&r);
	memcpy(&got, e->stack + (slot - S), 8);
	assert_int_equal(got, tramp);
}

/* Preempted in an interrupt: the iret frame's ip is exact (no -1). */
static void interrupt_frame(void **state)
{
	struct env *e = *state;
	uint64_t sp0 = S + 0x3000 + 56, iret = sp0 + 16, sp_int = iret + 0x100;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, F_A + 0x10, 0);
	struct ks_walk_result r;
	const uint64_t want[] = { F_A + 0x10, F_IRQ + 0x8, F_B, F_KBASE + 0x22 };

	put(e, iret - 8, F_IRQ + 0x8);
	put(e, iret, F_B);			/* interrupted at B's first byte */
	put(e, iret + 8, 0x10);			/* kernel cs */
	put(e, iret + 24, sp_int);
	put(e, sp_int + 32 - 8, F_KBASE + 0x22);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 4);
	assert_int_equal(r.stop, KS_STOP_END_OF_STACK);
	assert_int_equal(r.frames[2].how, KS_HOW_REGS);
	assert_true(r.frames[2].exact);
	assert_false(r.frames[1].exact);
	ks_walk_result_fini(&r);
}

static void loop_detected(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, F_LOOP + 0x10, 0);
	struct ks_walk_result r;

	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.stop, KS_STOP_LOOP);
	assert_false(r.reliable);
	ks_walk_result_fini(&r);
}

static void leaving_the_stack_stops(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, F_FAR + 0x10, 0);
	struct ks_walk_result r;

	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.stop, KS_STOP_OFF_STACK);
	ks_walk_result_fini(&r);
}

static void undefined_entry_stops(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, F_WEAK + 0x10, 0);
	struct ks_walk_result r;

	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.stop, KS_STOP_NO_ORC);
	assert_false(r.reliable);
	ks_walk_result_fini(&r);
}

/* No ORC for generated code: the frame pointer, marked unreliable. */
static void frame_pointer_fallback(void **state)
{
	struct env *e = *state;
	uint64_t bp = S + 0x3100;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, G + 0x10, bp);
	struct ks_walk_result r;
	const uint64_t want[] = { G + 0x10, F_A + 0x10, F_KBASE + 0x22 };

	put(e, bp, 0);
	put(e, bp + 8, F_A + 0x10);
	put(e, bp + 16 + 16 - 8, F_KBASE + 0x22);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 3);
	assert_true(r.frames[0].reliable);
	assert_int_equal(r.frames[1].how, KS_HOW_FP);
	assert_false(r.frames[1].reliable);
	assert_false(r.frames[2].reliable);	/* everything after a guess */
	assert_false(r.reliable);
	assert_int_equal(r.stop, KS_STOP_END_OF_STACK);
	ks_walk_result_fini(&r);
}

/* No ORC and no usable frame pointer: scan, every frame marked. */
static void stack_scan_fallback(void **state)
{
	struct env *e = *state;
	uint64_t sp0 = S + 0x3000 + 56;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, G + 0x10, 0);
	struct ks_walk_result r;
	const uint64_t want[] = { G + 0x10, F_B + 0x20, F_C + 0x30 };

	put(e, sp0 + 0x10, F_B + 0x20);
	put(e, sp0 + 0x40, 0x12345);		/* not text: skipped */
	put(e, sp0 + 0x80, F_C + 0x30);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	expect_frames(&r, want, 3);
	assert_int_equal(r.frames[1].how, KS_HOW_SCAN);
	assert_false(r.frames[1].reliable);
	assert_false(r.frames[2].reliable);
	assert_int_equal(r.stop, KS_STOP_SCANNED);
	ks_walk_result_fini(&r);
}

/* Past the first allocation of frames: all kept, and the limit still holds. */
static void long_walk_grows(void **state)
{
	struct env *e = *state;
	uint64_t sp0 = S + 0x3000 + 56;
	struct ks_walk_thread t = task_frame(e, S + 0x3000, G + 0x10, 0);
	struct ks_walk_result r;
	size_t i;

	for (i = 0; i < 100; i++)	/* a scan reports each */
		put(e, sp0 + 0x10 + 8 * i, F_B + i);
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 101);
	for (i = 0; i < 100; i++)
		assert_int_equal(r.frames[1 + i].ip, F_B + i);
	assert_int_equal(r.stop, KS_STOP_SCANNED);
	ks_walk_result_fini(&r);
	e->cfg.max_frames = 70;
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 70);
	assert_int_equal(r.frames[69].ip, F_B + 68);
	assert_int_equal(r.stop, KS_STOP_MAX_FRAMES);
	ks_walk_result_fini(&r);
}

static void bad_input_is_an_error(void **state)
{
	struct env *e = *state;
	struct ks_walk_thread t = { .stack_base = S, .stack_size = SSIZE, .saved_sp = S - 8 };
	struct ks_walk_result r;
	struct ks_error *err;

	err = ks_walk(&e->cfg, &t, &r);		/* sp below the stack */
	assert_non_null(err);
	assert_int_equal(err->code, EINVAL);
	ks_error_destroy(err);
	t.saved_sp = S + 0x3000;
	e->fail_reads = true;			/* the driver refuses */
	err = ks_walk(&e->cfg, &t, &r);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "reading kernel stack"));
	ks_error_destroy(err);
	e->fail_reads = false;
	t.saved_sp = S + SSIZE - 16;		/* task frame would cross the top */
	assert_no_error(ks_walk(&e->cfg, &t, &r));
	assert_int_equal(r.nr, 0);
	assert_int_equal(r.stop, KS_STOP_OFF_STACK);
	ks_walk_result_fini(&r);
}

/*
 * Real 6.1 ORC entries: lay out a stack for a chain of return addresses
 * seen in the VM's /proc/PID/stack (the inverse of the walk, using the
 * table's frame sizes), then check the walk gives the chain back.
 */
struct real {
	struct ks_orc_set set;
	char *buf;
};

static void load_real(struct real *rl)
{
	uint64_t ipaddr, n;
	struct ks_orc_table *t;
	size_t len;

	memset(rl, 0, sizeof(*rl));
	rl->buf = read_fixture("orc-6.1-subset.bin", &len);
	memcpy(&ipaddr, rl->buf + 8, 8);
	memcpy(&n, rl->buf + 16, 8);
	assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V1, rl->buf + 24, ipaddr,
					      rl->buf + 24 + 4 * n, n, 0xffffffff81000000ull,
					      0xffffffff81e01d32ull, &t));
	assert_no_error(ks_orc_set_add(&rl->set, t));
}

static void walk_real_chain(const uint64_t *chain, size_t n, bool user)
{
	struct real rl;
	uint8_t *img = calloc(1, SSIZE);
	uint64_t sp, need = 0, top = S + SSIZE;
	struct env e = { .stack = img };
	struct ks_walk_config cfg = {
		.read = read_image, .ctx = &e, .frame_size = 56, .frame_ret_off = 48,
		.frame_bp_off = 40,
	};
	struct ks_walk_thread t;
	struct ks_walk_result r;
	const struct ks_orc *o;
	size_t i;

	load_real(&rl);
	cfg.orc = &rl.set;
	o = ks_orc_set_find(&rl.set, chain[n - 1] - 1);
	assert_non_null(o);
	if (user) {
		uint64_t regs = top - KS_PT_REGS_SIZE;

		assert_int_equal(o->type, KS_ORC_TYPE_REGS);
		put(&e, regs + KS_PT_REGS_IP, 0x7f0000001234ull);
		put(&e, regs + KS_PT_REGS_CS, 0x33);
		put(&e, regs + KS_PT_REGS_SP, 0x7ffd00000000ull);
		sp = regs - (uint64_t)o->sp_offset;
	} else {
		assert_int_equal(o->type, KS_ORC_TYPE_END_OF_STACK);
		sp = top - 16;
	}
	/*
	 * Top down: frame i's CFA is frame i+1's sp. need: the bp value frame
	 * i+1 must see (0: any), which frame i restores (PREV_SP/BP rules) or
	 * passes through (UNDEFINED).
	 */
	for (i = n - 1; i-- > 0;) {
		uint64_t cfa = sp, bp = 0;

		o = ks_orc_set_find(&rl.set, chain[i] - 1);
		assert_non_null(o);
		if (o->type != KS_ORC_TYPE_CALL)
			fail_msg("frame %zu: generator handles call frames only", i);
		put(&e, cfa - 8, chain[i + 1]);
		if (o->sp_reg == KS_ORC_REG_BP) {
			bp = cfa - (uint64_t)o->sp_offset;
			sp = bp - 0x20;		/* some locals below the frame pointer */
		} else if (o->sp_reg == KS_ORC_REG_SP) {
			sp = cfa - (uint64_t)o->sp_offset;
		} else {
			fail_msg("frame %zu: generator handles sp/bp-based frames only", i);
		}
		if (o->bp_reg == KS_ORC_REG_PREV_SP) {
			put(&e, cfa + o->bp_offset, need);
			need = bp;
		} else if (o->bp_reg == KS_ORC_REG_UNDEFINED) {
			if (bp && need && need != bp)
				fail_msg("frame %zu: inconsistent frame pointers", i);
			need = bp ? bp : need;
		} else {
			fail_msg("frame %zu: generator cannot restore bp from bp", i);
		}
	}
	t = task_frame(&e, sp - 56, chain[0], need);
	assert_no_error(ks_walk(&cfg, &t, &r));
	expect_frames(&r, chain, n);
	assert_int_equal(r.stop, user ? KS_STOP_USER : KS_STOP_END_OF_STACK);
	assert_true(r.reliable);
	if (user)
		assert_int_equal(r.user_ip, 0x7f0000001234ull);
	ks_walk_result_fini(&r);
	ks_orc_set_clear(&rl.set);
	free(rl.buf);
	free(img);
}

static void real_nanosleep_chain(void **state)
{
	/* /proc/PID/stack of "sleep 1000" in the 6.1 VM (nokaslr) */
	const uint64_t chain[] = {
		0xffffffff811566b0ull + 0x9e,	/* hrtimer_nanosleep */
		0xffffffff8115ead0ull + 0x3f,	/* common_nsleep */
		0xffffffff81161700ull + 0xdb,	/* __x64_sys_clock_nanosleep */
		0xffffffff81a43dc0ull + 0x5d,	/* do_syscall_64 */
		0xffffffff81c000b8ull + 0x6e,	/* entry_SYSCALL_64_after_hwframe */
	};

	(void)state;
	walk_real_chain(chain, 5, true);
}

static void real_kthread_chain(void **state)
{
	const uint64_t chain[] = {
		0xffffffff810c5e10ull + 0x2ae,	/* rescuer_thread */
		0xffffffff810cd340ull + 0xda,	/* kthread */
		0xffffffff810032d0ull + 0x22,	/* ret_from_fork */
	};

	(void)state;
	walk_real_chain(chain, 3, false);
}

/*
 * Garbage in, a clean stop out: random stack contents (sprinkled with real
 * return addresses so walks get going) must always end with a stop reason,
 * within the frame limit, each ORC frame's sp above the previous one.
 */
static void random_stacks_terminate(void **state)
{
	static const uint64_t rets[] = {
		0xffffffff811566b0ull + 0x9e, 0xffffffff8115ead0ull + 0x3f,
		0xffffffff81161700ull + 0xdb, 0xffffffff81a43dc0ull + 0x5d,
		0xffffffff81c000b8ull + 0x6e, 0xffffffff810cd340ull + 0xda,
		0xffffffff810032d0ull + 0x22, 0xffffffff81a523d0ull + 0x34d,
	};
	struct real rl;
	uint8_t *img = malloc(SSIZE);
	struct env e = { .stack = img };
	struct ks_walk_config cfg = {
		.read = read_image, .ctx = &e, .frame_size = 56, .frame_ret_off = 48,
		.frame_bp_off = 40, .max_frames = 64,
	};
	int round;

	(void)state;
	load_real(&rl);
	cfg.orc = &rl.set;
	srand(7);
	for (round = 0; round < 3000; round++) {
		struct ks_walk_thread t = {
			.stack_base = S, .stack_size = SSIZE, .saved_sp = S + 8 * (uint64_t)(rand() % 2000),
		};
		struct ks_walk_result r;
		size_t i;

		for (i = 0; i < SSIZE / 8; i++) {
			uint64_t v;
			int k = rand() % 8;

			if (k < 3)
				v = rets[rand() % 8];
			else if (k < 5)	/* plausible stack pointers */
				v = S + 8 * (uint64_t)(rand() % (SSIZE / 8));
			else
				v = (uint64_t)rand() << 33 ^ (uint64_t)rand();
			memcpy(img + 8 * i, &v, 8);
		}
		assert_no_error(ks_walk(&cfg, &t, &r));
		assert_true(r.nr <= 64);
		assert_true(r.stop <= KS_STOP_SCANNED);
		for (i = 1; i < r.nr; i++)
			if (r.frames[i].how == KS_HOW_ORC && r.frames[i].sp <= r.frames[i - 1].sp)
				fail_msg("round %d frame %zu: sp did not move up", round, i);
		ks_walk_result_fini(&r);
	}
	ks_orc_set_clear(&rl.set);
	free(rl.buf);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(user_task_to_user_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(frame_limit_truncates, setup, teardown),
		cmocka_unit_test_setup_teardown(kernel_thread_end_of_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(interrupt_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(replaced_return_address_fixed_up, setup, teardown),
		cmocka_unit_test_setup_teardown(loop_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(leaving_the_stack_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(undefined_entry_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(frame_pointer_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(stack_scan_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(long_walk_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_input_is_an_error, setup, teardown),
		cmocka_unit_test(real_nanosleep_chain),
		cmocka_unit_test(real_kthread_chain),
		cmocka_unit_test(random_stacks_terminate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
