/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Where a switched-out thread keeps its kernel context, per Windows build,
 * and the load-time check that a layout really fits the running kernel.
 *
 * KTHREAD is opaque and changes between builds, so each layout names its
 * public source (kstack_kthread_layouts.c) — and is still not trusted:
 * DriverEntry runs a thread whose stack, state and wait reason it knows,
 * copies that thread's KTHREAD, and uses a layout only when every field
 * read through it matches (kstack_kthread_check.c). A build without a
 * table entry gets the candidate layouts of its architecture, tried the
 * same way.
 *
 * Pure C over a copied image (no kernel headers), so the host unit tests
 * (tests/wine/host) feed it fake KTHREAD images for every table entry.
 */
#ifndef KSTACK_KTHREAD_H
#define KSTACK_KTHREAD_H

/* No <stdint.h>: older WDK compilers (the `sources` build) lack it. */
#include <stddef.h>
#include "kstack/kstack_ioctl.h"

#define KSTACK_NO_OFFSET 0xffffu

struct kstack_kthread_layout {
	kstack_u32 id;		/* KSTACK_KTHREAD_* (protocol header) */
	const char *name;	/* which Windows versions */
	unsigned char ptr_size;	/* 4 (x86) or 8 (x64) */
	unsigned short initial_stack;	/* KTHREAD.InitialStack: top of the usable stack */
	unsigned short stack_limit;	/* KTHREAD.StackLimit: its lowest address */
	unsigned short kernel_stack;	/* KTHREAD.KernelStack: sp saved at switch */
	unsigned short state;		/* KTHREAD.State (UCHAR, KTHREAD_STATE) */
	unsigned short wait_reason;	/* KTHREAD.WaitReason (UCHAR) */
	unsigned short context_switches;	/* KTHREAD.ContextSwitches (ULONG) */
	/*
	 * The switch frame KernelStack points at; size 0 when its layout is
	 * not sourced: then only sp is reported (ip = fp = 0).
	 */
	unsigned short frame_size;
	unsigned short frame_bp;	/* saved frame pointer, or KSTACK_NO_OFFSET */
	unsigned short frame_ret;	/* return address, or KSTACK_NO_OFFSET */
	const char *source;	/* where these numbers come from */
	/*
	 * Where IoGetStackLimits' high end lies against InitialStack on that
	 * kernel. KSTACK_HIGH_ABOVE_INITIAL (0, Microsoft's kernels): at or
	 * above it, by the FPU / XSAVE area at most (see
	 * KSTACK_KTHREAD_INITIAL_SLACK). Otherwise the kernel's own rule,
	 * exactly: high == InitialStack - high_below_initial.
	 */
	unsigned char high_exact;
	unsigned short high_below_initial;
};

#define KSTACK_HIGH_ABOVE_INITIAL	0, 0
/*
 * ReactOS's IoGetStackLimits takes its high end from RtlpGetStackLimits
 * (ntoskrnl/rtl/libsupp.c): InitialStack - sizeof(FX_SAVE_AREA) on i386,
 * InitialStack itself elsewhere. sizeof(FX_SAVE_AREA) is 0x210
 * (NPX_FRAME_LENGTH, NDK i386/asm.h; C_ASSERTed equal in
 * ntoskrnl/include/internal/i386/ke.h).
 * Seen on the ReactOS x86 live CD: InitialStack F6824000, high F6823DF0.
 */
#define KSTACK_HIGH_REACTOS_X86		1, 0x210
#define KSTACK_HIGH_REACTOS_AMD64	1, 0

/* One released build (RtlGetVersion dwBuildNumber) and its layout. */
struct kstack_kthread_build {
	kstack_u32 build;
	const struct kstack_kthread_layout *layout;
};

/* One architecture's table and its candidates for unlisted builds. */
struct kstack_kthread_arch {
	const struct kstack_kthread_build *builds;
	size_t nr_builds;
	const struct kstack_kthread_layout *const *candidates;
	size_t nr_candidates;
};

extern const struct kstack_kthread_arch kstack_kthread_x86;
extern const struct kstack_kthread_arch kstack_kthread_x64;

/* KTHREAD_STATE: Waiting. Only a waiting thread has a stable saved frame. */
#define KSTACK_THREAD_STATE_WAITING 5

/*
 * The wait reasons the probe thread waits with, first and second: values
 * of KWAIT_REASON (WrRendezvous, WrKernel) no system thread of ours uses
 * otherwise, below MaximumWaitReason on every build since NT 5.1.
 */
#define KSTACK_PROBE_REASON_FIRST	20u
#define KSTACK_PROBE_REASON_SECOND	26u

/*
 * On Microsoft's kernels InitialStack sits below the top of the stack
 * (IoGetStackLimits' high end: StackBase) by the floating-point / XSAVE
 * area the kernel keeps there: 0x210 bytes on x86 NT 5.x (FX_SAVE_AREA),
 * more on x64 with AVX. Anything within this many bytes of the top is
 * accepted. ReactOS puts that area below InitialStack instead and reports
 * the high end under it: its layouts say so exactly (high_exact).
 */
#define KSTACK_KTHREAD_INITIAL_SLACK	0x3000u

/*
 * What the probe thread knows about itself, recorded in the thread:
 * IoGetStackLimits and the address of a local in the function that waits
 * (the saved sp of its wait is below it).
 */
struct kstack_kthread_probe {
	kstack_u64 stack_low;
	kstack_u64 stack_high;
	kstack_u64 waiter_sp;
};

/* The fields a layout reads out of one image. */
struct kstack_kthread_fields {
	kstack_u64 initial_stack, stack_limit, kernel_stack;
	kstack_u32 state, wait_reason, context_switches;
};

/* Bytes of KTHREAD a layout reads (its highest field's end). */
size_t kstack_kthread_extent(const struct kstack_kthread_layout *l);

/* Reads l's fields out of img; 0, or KSTACK_KTC_EXTENT when len is short. */
kstack_u32 kstack_kthread_read(const struct kstack_kthread_layout *l,
			     const void *img, size_t len,
			     struct kstack_kthread_fields *f);

/*
 * One image of the probe thread waiting with `reason`: KSTACK_KTC_* bits
 * of every check that fails (0: all hold).
 */
kstack_u32 kstack_kthread_check_waiting(const struct kstack_kthread_layout *l,
				      const void *img, size_t len,
				      const struct kstack_kthread_probe *p,
				      kstack_u32 reason);

/*
 * The whole check: first image waiting with KSTACK_PROBE_REASON_FIRST,
 * second after a wake-up waiting with KSTACK_PROBE_REASON_SECOND, and
 * ContextSwitches moved between them. Returns the failing KSTACK_KTC_* bits.
 */
kstack_u32 kstack_kthread_check(const struct kstack_kthread_layout *l,
			      const void *first, const void *second, size_t len,
			      const struct kstack_kthread_probe *p);

/* The table's layout for a build, or NULL. */
const struct kstack_kthread_layout *
kstack_kthread_lookup(const struct kstack_kthread_arch *a, kstack_u32 build);

/*
 * The layout to use: the build's table entry if it passes, else (no entry)
 * the first candidate that passes; NULL when none does. *checks gets the
 * failing bits of the entry (or of the first candidate), 0 when one is
 * chosen.
 */
const struct kstack_kthread_layout *
kstack_kthread_choose(const struct kstack_kthread_arch *a, kstack_u32 build,
		      const void *first, const void *second, size_t len,
		      const struct kstack_kthread_probe *p, kstack_u32 *checks);

/* Largest extent over an architecture's entries and candidates. */
size_t kstack_kthread_arch_extent(const struct kstack_kthread_arch *a);

#endif /* KSTACK_KTHREAD_H */
