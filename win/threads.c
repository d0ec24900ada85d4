// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Thread list with state and wait reason. Toolhelp gives only ids; the
 * scheduler state Process Explorer shows comes from the process snapshot
 * of NtQuerySystemInformation(SystemProcessInformation), where each
 * SYSTEM_PROCESS_INFORMATION is followed by its SYSTEM_THREAD_INFORMATION
 * array.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <winternl.h>

#include "threads.h"

#define SNAPSHOT_MAX	(64u << 20)	/* a bound, so a bad answer cannot loop us */

static void *system_process_snapshot(DWORD *err)
{
	ULONG size = 256 << 10, need = 0;
	NTSTATUS st;
	void *buf;

	for (;;) {
		buf = malloc(size);
		if (!buf) {
			*err = ERROR_NOT_ENOUGH_MEMORY;
			return NULL;
		}
		st = NtQuerySystemInformation(SystemProcessInformation, buf, size, &need);
		if (st >= 0)
			return buf;
		free(buf);
		/* STATUS_INFO_LENGTH_MISMATCH: processes came and went; grow. */
		if ((ULONG)st != 0xC0000004u || size >= SNAPSHOT_MAX) {
			*err = RtlNtStatusToDosError(st);
			return NULL;
		}
		size = need > size ? need + (64 << 10) : size * 2;
	}
}

static int has_thread(const SYSTEM_PROCESS_INFORMATION *p, DWORD tid)
{
	const SYSTEM_THREAD_INFORMATION *t = (const void *)(p + 1);
	ULONG i;

	for (i = 0; i < p->NumberOfThreads; i++)
		if ((DWORD)(ULONG_PTR)t[i].ClientId.UniqueThread == tid)
			return 1;
	return 0;
}

DWORD ks_query_process(DWORD pid, DWORD tid, struct ks_process_info *out)
{
	const SYSTEM_PROCESS_INFORMATION *p;
	const SYSTEM_THREAD_INFORMATION *t;
	DWORD err = 0;
	char *buf;
	ULONG i;

	memset(out, 0, sizeof(*out));
	buf = system_process_snapshot(&err);
	if (!buf)
		return err;
	for (p = (const void *)buf;; p = (const void *)((const char *)p + p->NextEntryOffset)) {
		DWORD id = (DWORD)(ULONG_PTR)p->UniqueProcessId;

		if (pid ? id == pid : has_thread(p, tid))
			break;
		if (!p->NextEntryOffset) {
			free(buf);
			return ERROR_NOT_FOUND;
		}
	}
	out->pid = (DWORD)(ULONG_PTR)p->UniqueProcessId;
	if (p->ImageName.Buffer && p->ImageName.Length)
		WideCharToMultiByte(CP_UTF8, 0, p->ImageName.Buffer,
				    p->ImageName.Length / sizeof(WCHAR), out->name,
				    sizeof(out->name) - 1, NULL, NULL);
	else
		strcpy(out->name, out->pid == 4 ? "System" : "?");
	out->threads = calloc(p->NumberOfThreads ? p->NumberOfThreads : 1,
			      sizeof(*out->threads));
	if (!out->threads) {
		free(buf);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	t = (const void *)(p + 1);
	for (i = 0; i < p->NumberOfThreads; i++) {
		struct ks_thread_info *ti = &out->threads[out->nr_threads];

		ti->tid = (DWORD)(ULONG_PTR)t[i].ClientId.UniqueThread;
		if (tid && ti->tid != tid)
			continue;
		ti->state = t[i].ThreadState;
		ti->wait_reason = t[i].WaitReason;
		out->nr_threads++;
	}
	free(buf);
	if (tid && !out->nr_threads) {
		ks_process_info_free(out);
		return ERROR_NOT_FOUND;
	}
	return 0;
}

void ks_process_info_free(struct ks_process_info *info)
{
	free(info->threads);
	info->threads = NULL;
	info->nr_threads = 0;
}

const char *ks_thread_state_name(ULONG state)
{
	static const char *const names[] = {
		"Initialized", "Ready", "Running", "Standby", "Terminated",
		"Waiting", "Transition", "DeferredReady", "GateWait",
		"WaitingForProcessInSwap",
	};
	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "Unknown";
}

const char *ks_wait_reason_name(ULONG reason)
{
	/* KWAIT_REASON, in the order of the WDK's wdm.h. */
	static const char *const names[] = {
		"Executive", "FreePage", "PageIn", "PoolAllocation",
		"DelayExecution", "Suspended", "UserRequest", "WrExecutive",
		"WrFreePage", "WrPageIn", "WrPoolAllocation", "WrDelayExecution",
		"WrSuspended", "WrUserRequest", "WrSpare0", "WrQueue",
		"WrLpcReceive", "WrLpcReply", "WrVirtualMemory", "WrPageOut",
		"WrRendezvous", "WrKeyedEvent", "WrTerminated", "WrProcessInSwap",
		"WrCpuRateControl", "WrCalloutStack", "WrKernel", "WrResource",
		"WrPushLock", "WrMutex", "WrQuantumEnd", "WrDispatchInt",
		"WrPreempted", "WrYieldExecution", "WrFastMutex", "WrGuardedMutex",
		"WrRundown", "WrAlertByThreadId", "WrDeferredPreempt",
		"WrPhysicalFault", "WrIoRing", "WrMdlCache",
	};
	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "Unknown";
}
