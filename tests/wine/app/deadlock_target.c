// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Wait-chain target for kstack.exe's "waiting for" lines and --deadlocks:
 * two threads each own a mutex and wait for the other's (ABBA: a cycle of
 * 2), a third waits for a critical section the main thread holds. Prints
 * "ready pid=P a=TID b=TID c=TID main=TID" once they all wait; exits by
 * itself after LIFETIME seconds (argv[1], default 120).
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

static HANDLE ma, mb, go;
static CRITICAL_SECTION cs;
static volatile LONG started;

static DWORD WINAPI one(LPVOID arg)
{
	int b = arg != NULL;

	WaitForSingleObject(b ? mb : ma, INFINITE);
	InterlockedIncrement(&started);
	WaitForSingleObject(go, INFINITE);
	WaitForSingleObject(b ? ma : mb, INFINITE);	/* never returns */
	return 0;
}

static DWORD WINAPI cs_waiter(LPVOID arg)
{
	(void)arg;
	EnterCriticalSection(&cs);	/* the main thread holds it */
	return 0;
}

int main(int argc, char **argv)
{
	DWORD lifetime = argc > 1 ? (DWORD)atoi(argv[1]) * 1000 : 120000, ta, tb, tc;

	ma = CreateMutexA(NULL, FALSE, NULL);
	mb = CreateMutexA(NULL, FALSE, NULL);
	go = CreateEventA(NULL, TRUE, FALSE, NULL);
	InitializeCriticalSection(&cs);
	EnterCriticalSection(&cs);
	CloseHandle(CreateThread(NULL, 0, one, NULL, 0, &ta));
	CloseHandle(CreateThread(NULL, 0, one, (LPVOID)1, 0, &tb));
	while (started < 2)
		Sleep(10);
	SetEvent(go);
	CloseHandle(CreateThread(NULL, 0, cs_waiter, NULL, 0, &tc));
	Sleep(500);
	printf("ready pid=%lu a=%lu b=%lu c=%lu main=%lu\n", GetCurrentProcessId(), ta, tb, tc,
	       GetCurrentThreadId());
	fflush(stdout);
	Sleep(lifetime);
	return 0;
}
