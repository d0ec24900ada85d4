/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Who holds it, on Windows: the Wait Chain Traversal API (advapi32,
 * Windows Vista and later: GetThreadWaitChain) says what a thread waits
 * for (a critical section, a mutex, an ALPC port, a COM call, a
 * SendMessage, a thread or process) and which thread owns it, and flags
 * a chain that closes on itself: a deadlock. Resolved at run time, so
 * kstack.exe still starts on NT 5.1, where it is not available.
 */
#ifndef KSTACK_WIN_WAITCHAIN_H
#define KSTACK_WIN_WAITCHAIN_H

#include <stddef.h>
#include <windows.h>

struct ks_wct {
	void *session;		/* HWCT; NULL: not available (why) */
	const char *why;
	void *get, *close;	/* GetThreadWaitChain, CloseThreadWaitChainSession */
};

/* Open a synchronous session: 0, or why not in w->why (a Win32 error is set). */
int ks_wct_open(struct ks_wct *w);
void ks_wct_close(struct ks_wct *w);

/* The longest chain asked for (wct.h's WCT_MAX_NODE_COUNT). */
#define KS_WCT_MAX_NODES 16

/* What thread tid waits for, as kstack's "waiting for" line says it. */
struct ks_wct_wait {
	int waits;		/* 0: it waits for nothing the chain names */
	const char *kind;	/* "critical_section", "mutex", "alpc", ... */
	DWORD holder_pid, holder_tid;	/* 0: no owner named */
	const char *reason;	/* holder unknown: why */
	int cycle;		/* the chain is a deadlock (WCT's IsCycle) */
	DWORD cycle_tids[KS_WCT_MAX_NODES];	/* its threads, in wait-for order */
	unsigned ncycle;
};

/* 0 (w filled), or a Win32 error from GetThreadWaitChain. */
DWORD ks_wct_thread(struct ks_wct *w, DWORD tid, struct ks_wct_wait *out);

#endif
