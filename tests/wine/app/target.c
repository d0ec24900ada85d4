// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Walk target for the kstack.exe tests: threads parked in known call
 * chains, and counters that prove every thread keeps running.
 *   main thread:    main -> a -> b -> c -> Sleep (loop, counts c=)
 *   worker thread:  worker -> WaitForSingleObject(event) (counts worker=
 *                   each time `target --signal PID` sets the event)
 *   counter thread: Sleep loop, counts counter=, prints progress lines.
 * Built -O0 -gdwarf-4 with noinline so frames and names are all there.
 * It exits by itself after LIFETIME seconds (argv[1], default 120), so a
 * failed test can never leave it behind. With "churn" (argv[2]) one more
 * thread keeps starting short-lived threads, so walks meet threads that
 * exit between being listed, opened, suspended and read. With "twins"
 * three more threads sleep in twin(), all at the same place: one stack
 * for kstack --group to put together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static volatile LONG c_progress, counter, worker_wakeups;
static HANDLE go_event;
static DWORD lifetime_ms = 120000;

__attribute__((noinline)) void c(void);
__attribute__((noinline)) void b(void);
__attribute__((noinline)) void a(void);

__attribute__((noinline)) void c(void)
{
	for (;;) {
		Sleep(20);
		InterlockedIncrement(&c_progress);
	}
}

__attribute__((noinline)) void b(void)
{
	c();
}

__attribute__((noinline)) void a(void)
{
	b();
}

static __attribute__((noinline)) DWORD WINAPI worker(LPVOID arg)
{
	(void)arg;
	for (;;) {
		WaitForSingleObject(go_event, INFINITE);
		InterlockedIncrement(&worker_wakeups);
	}
	return 0;
}

static DWORD WINAPI counter_thread(LPVOID arg)
{
	DWORD start = GetTickCount();

	(void)arg;
	for (;;) {
		Sleep(10);
		if (InterlockedIncrement(&counter) % 5 == 0) {
			printf("progress c=%ld counter=%ld worker=%ld\n", c_progress,
			       counter, worker_wakeups);
			fflush(stdout);
		}
		if (GetTickCount() - start > lifetime_ms)
			ExitProcess(0);
	}
	return 0;
}

static DWORD WINAPI short_lived(LPVOID arg)
{
	(void)arg;
	Sleep(1);
	return 0;
}

static DWORD WINAPI churn(LPVOID arg)
{
	HANDLE h;

	(void)arg;
	for (;;) {
		h = CreateThread(NULL, 0, short_lived, NULL, 0, NULL);
		if (h)
			CloseHandle(h);
		Sleep(2);
	}
	return 0;
}

/* Each twin's stack is the others': Sleep from the same call. */
static __attribute__((noinline)) DWORD WINAPI twin(LPVOID arg)
{
	(void)arg;
	for (;;)
		Sleep(1000);
	return 0;
}

static int signal_worker(const char *pid)
{
	char name[64];
	HANDLE ev;

	snprintf(name, sizeof(name), "kstack-target-%s", pid);
	ev = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
	if (!ev || !SetEvent(ev)) {
		fprintf(stderr, "target: cannot signal %s: error %lu\n", name, GetLastError());
		return 1;
	}
	CloseHandle(ev);
	return 0;
}

/*
 * The worker's description holds what a hostile name would: a newline, an
 * ESC colour sequence, a backslash, U+009B (CSI) and U+202E (right-to-left
 * override); kstack must print it escaped. SetThreadDescription (Windows
 * 10 1607) is looked up at run time. Returns 1 when it was set.
 */
static int describe(HANDLE h)
{
	typedef HRESULT (WINAPI *fn_t)(HANDLE, PCWSTR);
	fn_t fn = (fn_t)(void (*)(void))GetProcAddress(GetModuleHandleA("kernel32.dll"),
						       "SetThreadDescription");

	return fn && SUCCEEDED(fn(h, L"work\n\x1b[31mred\\\x9b" L"2J\x202e" L"x"));
}

int main(int argc, char **argv)
{
	DWORD worker_tid, counter_tid;
	HANDLE worker_h;
	char name[64];
	int i;

	if (argc == 3 && !strcmp(argv[1], "--signal"))
		return signal_worker(argv[2]);
	if (argc >= 2)
		lifetime_ms = (DWORD)strtoul(argv[1], NULL, 10) * 1000;
	if (argc >= 3 && !strcmp(argv[2], "churn") &&
	    !CreateThread(NULL, 0, churn, NULL, 0, NULL)) {
		fprintf(stderr, "target: churn thread: error %lu\n", GetLastError());
		return 1;
	}
	for (i = 0; argc >= 3 && !strcmp(argv[2], "twins") && i < 3; i++) {
		if (!CreateThread(NULL, 0, twin, NULL, 0, NULL)) {
			fprintf(stderr, "target: twin thread: error %lu\n", GetLastError());
			return 1;
		}
	}

	snprintf(name, sizeof(name), "kstack-target-%lu", GetCurrentProcessId());
	go_event = CreateEventA(NULL, FALSE, FALSE, name);	/* auto-reset */
	if (!go_event ||
	    !(worker_h = CreateThread(NULL, 0, worker, NULL, 0, &worker_tid)) ||
	    !CreateThread(NULL, 0, counter_thread, NULL, 0, &counter_tid)) {
		fprintf(stderr, "target: setup failed: error %lu\n", GetLastError());
		return 1;
	}
	printf("ready pid=%lu main_tid=%lu worker_tid=%lu counter_tid=%lu described=%d\n",
	       GetCurrentProcessId(), GetCurrentThreadId(), worker_tid, counter_tid,
	       describe(worker_h));
	fflush(stdout);
	a();
	return 0;
}
