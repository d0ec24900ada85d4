/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * One thread as captured (report.c), kept apart from how it is printed:
 * the text, JSON and --group writers all read the same record, so they
 * cannot disagree about what a thread showed.
 */
#ifndef KSTACK_WIN_RECORD_H
#define KSTACK_WIN_RECORD_H

#include <stddef.h>
#include <windows.h>

#include "threads.h"

/* A frame: its address and its name, raw (each writer escapes it its way). */
struct ks_frame_rec {
	ULONG64 pc;
	char *name;		/* ks_symbols_format()'s text; malloc'd */
};

struct ks_part_rec {
	struct ks_frame_rec *f;
	unsigned nr;
	int truncated;		/* cut at -n's limit */
};

/* The "waiting for ..." line (Wait Chain Traversal), as captured. */
struct ks_wait_rec {
	int waits;		/* 0: no line */
	const char *kind;	/* static text from waitchain.c */
	DWORD holder_tid;	/* 0: holder unknown (reason) */
	char holder[MAX_PATH];	/* the holder's process name, raw */
	const char *reason;
};

/* How far the walk of a thread got. */
enum ks_rec_stop {
	KS_REC_WALKED,		/* both parts taken (the kernel part may still be missing) */
	KS_REC_NO_OPEN,		/* OpenThread failed: nothing but the header */
	KS_REC_NO_SUSPEND,	/* SuspendThread failed */
	KS_REC_NO_CONTEXT,	/* suspended, but its context could not be read */
};

struct ks_thread_rec {
	DWORD tid;
	ULONG state, wait_reason;	/* threads.h */
	char desc[512];			/* thread description, raw; "" none */
	struct ks_wait_rec wait;
	enum ks_rec_stop stop;
	char stop_why[512];		/* stop != WALKED: why, as the "user: not shown: " line ends */
	int kernel_wanted;		/* the run asks the driver per thread */
	int kernel_shown;		/* kernel holds its frames (possibly none) */
	unsigned kernel_flags;		/* KSTACK_SF_* from STACK */
	const char *kernel_via;		/* shown: "STACK" or "THREAD_CONTEXT" (static) */
	char kernel_why[512];		/* wanted, not shown: the "kernel: ..." line */
	struct ks_part_rec kernel, user;
};

void ks_rec_free(struct ks_thread_rec *t);

/*
 * The ps state letter nearest a Windows thread's state (the JSON
 * schema's): R ready or running, S waiting, T suspended, X terminated.
 */
char ks_rec_state_letter(const struct ks_thread_rec *t);

/* Frames of one part equal, address by address (names follow from them). */
int ks_part_same(const struct ks_part_rec *a, const struct ks_part_rec *b);

/*
 * A frame name split as the JSON frame wants it: "module!symbol+0xoff",
 * "module+0xoff" (no symbol: function ""), "?" (nothing known: no
 * module), each maybe ending in KS_EXPORT_MARK (left out of function).
 */
struct ks_name_split {
	const char *module, *func;	/* module NULL: unknown */
	size_t module_len, func_len;
	unsigned long long offset;
};
void ks_frame_name_split(const char *name, struct ks_name_split *p);

#endif
