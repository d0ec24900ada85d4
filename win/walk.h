/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Stack walks with dbghelp's StackWalk64, user and kernel. */
#ifndef KSTACK_WIN_WALK_H
#define KSTACK_WIN_WALK_H

#include <windows.h>
#include "device.h"
#include "symbols.h"

struct ks_walker {
	HANDLE process;		/* PROCESS_QUERY_INFORMATION | PROCESS_VM_READ */
	HANDLE thread;		/* THREAD_GET_CONTEXT | THREAD_SUSPEND_RESUME | ... */
	struct ks_device *dev;	/* kernel reads; may be closed */
	struct ks_symbols *syms;
	ULONG64 kernel_start;	/* addresses >= this are kernel addresses */
	int target_wow64;	/* 32-bit target on 64-bit Windows */
};

struct ks_frames {
	ULONG64 pc[KSTACK_FRAMES_MAX * 4];
	unsigned nr;
	unsigned max;		/* <= sizeof(pc) / sizeof(pc[0]) */
	int truncated;		/* more frames than max */
};

/* Lowest kernel address on this system (the user/kernel split). */
ULONG64 ks_kernel_start(void);

/*
 * User part: thread context (Wow64GetThreadContext for a 32-bit target
 * under the x64 build) and StackWalk64; the thread should be suspended.
 * Returns 0 (frames may be empty) or a Win32 error.
 */
DWORD ks_walk_user(struct ks_walker *w, struct ks_frames *out);

/*
 * Kernel part from the driver's THREAD_CONTEXT (saved kernel ip/sp/fp):
 * StackWalk64 over kernel memory read through READ_MEMORY, for hosts where
 * the driver cannot walk the thread itself (STACK). Stops at the first
 * user-mode address. Returns 0 or a Win32 error.
 */
DWORD ks_walk_kernel_context(struct ks_walker *w,
			     const struct kstack_thread_context *tc,
			     struct ks_frames *out);

#endif
