/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Where a switched-out thread keeps its kernel context, per Windows build.
 * KTHREAD is opaque and changes between builds, so each entry covers a
 * range of builds it was checked for and names its public source;
 * kstack_kthread.c holds the tables. An unknown build gets no entry, and
 * THREAD_CONTEXT then answers STATUS_NOT_SUPPORTED: we never guess.
 */
#ifndef KSTACK_KTHREAD_H
#define KSTACK_KTHREAD_H

#define KSTACK_NO_OFFSET 0xffffu

struct kstack_kthread_layout {
	const char *name;	/* which Windows versions */
	USHORT initial_stack;	/* KTHREAD.InitialStack: top of the stack */
	USHORT stack_limit;	/* KTHREAD.StackLimit: its lowest address */
	USHORT kernel_stack;	/* KTHREAD.KernelStack: sp saved at switch */
	USHORT state;		/* KTHREAD.State (UCHAR, KTHREAD_STATE) */
	USHORT wait_reason;	/* KTHREAD.WaitReason (UCHAR) */
	USHORT context_switches;	/* KTHREAD.ContextSwitches (ULONG) */
	/*
	 * The switch frame KernelStack points at (KSWITCH_FRAME); size 0 when
	 * its layout is not sourced: then only sp is reported (ip = fp = 0).
	 */
	USHORT frame_size;
	USHORT frame_bp;	/* saved frame pointer, or KSTACK_NO_OFFSET */
	USHORT frame_ret;	/* return address, or KSTACK_NO_OFFSET */
	const char *source;	/* where these numbers come from */
};

/* One released build (RtlGetVersion dwBuildNumber) and its layout. */
struct kstack_kthread_build {
	ULONG build;
	const struct kstack_kthread_layout *layout;
};

/* KTHREAD_STATE: Waiting. Only a waiting thread has a stable saved frame. */
#define KSTACK_THREAD_STATE_WAITING 5

#endif /* KSTACK_KTHREAD_H */
