/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Suspending a thread for its walk, with the promise that it is resumed:
 * on the normal path, on errors, on Ctrl+C / console close and when kstack
 * itself crashes. One thread at a time is suspended.
 */
#ifndef KSTACK_WIN_SUSPEND_H
#define KSTACK_WIN_SUSPEND_H

#include <windows.h>

/* Console control handler + unhandled-exception filter; call once first. */
void ks_suspend_setup(void);

/*
 * Suspends thread h (opened with THREAD_SUSPEND_RESUME) and remembers it.
 * Returns 0, ERROR_OPERATION_ABORTED when Ctrl+C came first, or the
 * SuspendThread error.
 */
DWORD ks_suspend_begin(HANDLE h);
/* Resumes the remembered thread unless a handler already did. */
void ks_suspend_end(void);

/* Non-zero once Ctrl+C / close was seen: stop walking. */
int ks_interrupted(void);

/*
 * Test hook (tests/wine/app), run while a thread is suspended:
 * KSTACK_TEST_HOOK=interrupt runs the Ctrl+C handler, =pause waits (up to
 * 10 s) for a real Ctrl+C, =crash raises an access violation; the tests
 * then check the target still runs.
 */
void ks_suspend_test_hook(void);

#endif
