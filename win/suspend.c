// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The suspended thread lives in one slot guarded by a critical section.
 * SuspendThread and the slot update happen together under the lock, and
 * so do ResumeThread and clearing the slot, so the Ctrl+C handler (which
 * runs on its own thread) and the walker can never both resume, nor leave
 * a thread suspended between "suspended" and "recorded". The lock is held
 * only around those two calls, never during a walk, so the handler never
 * waits for a walk to finish.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suspend.h"

static CRITICAL_SECTION g_lock;
static HANDLE g_suspended;
static volatile LONG g_stop;

static void resume_current(void)
{
	EnterCriticalSection(&g_lock);
	if (g_suspended) {
		ResumeThread(g_suspended);
		g_suspended = NULL;
	}
	LeaveCriticalSection(&g_lock);
}

static BOOL WINAPI on_console_ctrl(DWORD type)
{
	InterlockedExchange(&g_stop, 1);
	resume_current();
	/*
	 * TRUE: we handled it. For Ctrl+C/Break the walker sees g_stop and
	 * exits 130; for close/logoff/shutdown Windows ends the process after
	 * we return, and by then nothing is suspended.
	 */
	(void)type;
	return TRUE;
}

static LONG WINAPI on_crash(EXCEPTION_POINTERS *info)
{
	(void)info;
	resume_current();
	return EXCEPTION_CONTINUE_SEARCH;	/* then the normal crash path */
}

void ks_suspend_setup(void)
{
	InitializeCriticalSection(&g_lock);
	SetConsoleCtrlHandler(on_console_ctrl, TRUE);
	SetUnhandledExceptionFilter(on_crash);
}

DWORD ks_suspend_begin(HANDLE h)
{
	DWORD err = 0;

	EnterCriticalSection(&g_lock);
	if (g_stop)
		err = ERROR_OPERATION_ABORTED;
	else if (SuspendThread(h) == (DWORD)-1)
		err = GetLastError();
	else
		g_suspended = h;
	LeaveCriticalSection(&g_lock);
	return err;
}

void ks_suspend_end(void)
{
	resume_current();
}

int ks_interrupted(void)
{
	return g_stop != 0;
}

void ks_suspend_test_hook(void)
{
	const char *hook = getenv("KSTACK_TEST_HOOK");

	if (!hook)
		return;
	if (!strcmp(hook, "interrupt")) {
		on_console_ctrl(CTRL_C_EVENT);
	} else if (!strcmp(hook, "pause")) {
		/* Hold the thread suspended until a real Ctrl+C (Wine: SIGINT to
		 * the process) or 10 s; the marker tells the test when to send it. */
		int i;

		fprintf(stderr, "kstack: test hook: paused with a thread suspended\n");
		fflush(stderr);
		for (i = 0; i < 200 && !g_stop; i++)
			Sleep(50);
	}
	else if (!strcmp(hook, "crash"))
		*(volatile int *)0 = 0;
}
