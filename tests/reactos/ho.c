// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The target of the by-hand ReactOS run (tests/reactos/run.sh): two
 * threads whose stacks are known. The main thread sleeps through a known
 * chain (main -> ho_a -> ho_b -> ho_c -> Sleep: DelayExecution); the
 * worker waits on an event nobody sets (run -> WaitForSingleObject:
 * UserRequest). Built with frame pointers and DWARF, no PDB: what a mingw
 * program has on a real NT. Prints "ready PID" and lives 120 s at most.
 */
#include <stdio.h>
#include <windows.h>

static HANDLE never;

/* noinline + a use of the result: each keeps its own frame */
__attribute__((noinline)) static int ho_c(int n)
{
	Sleep(120000);
	return n + 1;
}

__attribute__((noinline)) static int ho_b(int n)
{
	return ho_c(n + 1) * 2;
}

__attribute__((noinline)) static int ho_a(int n)
{
	return ho_b(n + 1) * 3;
}

static DWORD WINAPI run(LPVOID arg)
{
	(void)arg;
	WaitForSingleObject(never, 120000);
	return 0;
}

int main(void)
{
	HANDLE t;

	never = CreateEventA(NULL, TRUE, FALSE, NULL);
	t = CreateThread(NULL, 0, run, NULL, 0, NULL);
	if (!never || !t)
		return 1;
	printf("ready %lu\n", (unsigned long)GetCurrentProcessId());
	fflush(stdout);
	return ho_a(1) > 0 ? 0 : 1;
}
