/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Which threads a process has, and what each is doing (scheduler state). */
#ifndef KSTACK_WIN_THREADS_H
#define KSTACK_WIN_THREADS_H

#include <windows.h>

struct ks_thread_info {
	DWORD tid;
	ULONG state;		/* KTHREAD_STATE */
	ULONG wait_reason;	/* KWAIT_REASON, meaningful when state is Waiting */
};

struct ks_process_info {
	DWORD pid;
	char name[MAX_PATH];
	unsigned nr_threads;
	struct ks_thread_info *threads;	/* free with ks_process_info_free */
};

/*
 * One consistent snapshot (NtQuerySystemInformation) of process pid, or,
 * when pid is 0, of the process owning thread tid. Returns 0, or
 * ERROR_NOT_FOUND when no such process/thread exists, or a Win32 error.
 */
DWORD ks_query_process(DWORD pid, DWORD tid, struct ks_process_info *out);
void ks_process_info_free(struct ks_process_info *info);

const char *ks_thread_state_name(ULONG state);
const char *ks_wait_reason_name(ULONG reason);

#endif
