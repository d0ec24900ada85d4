/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Client side of the KStack driver protocol (include/kstack/kstack_ioctl.h).
 * Every request returns 0 or a Win32 error: the driver's NTSTATUS as
 * DeviceIoControl maps it (driver/windows/README.md lists each). Addresses
 * are the kernel's virtual addresses, lengths bytes, frames counts.
 */
#ifndef KSTACK_WIN_DEVICE_H
#define KSTACK_WIN_DEVICE_H

#include <windows.h>
#include <winioctl.h>
#include "kstack/kstack_ioctl.h"

struct ks_device {
	HANDLE h;			/* INVALID_HANDLE_VALUE: driver not available */
	DWORD open_error;		/* Win32 error of the last open attempt */
	struct kstack_version ver;	/* valid when h is open */
};

/*
 * Opens \\.\KStack, then \\.\Global\KStack (a session-local DosDevices
 * directory may shadow the first under Terminal Services), and asks the
 * driver for its version. Returns 0 or a Win32 error (also kept in
 * dev->open_error); a version mismatch closes the handle and returns
 * ERROR_REVISION_MISMATCH.
 */
DWORD ks_device_open(struct ks_device *dev);
void ks_device_close(struct ks_device *dev);

/* READ_MEMORY: reads exactly len bytes or fails. Returns 0 or a Win32 error. */
DWORD ks_device_read(struct ks_device *dev, ULONG64 addr, void *buf, DWORD len);

/*
 * STACK: up to max frames of the thread's kernel stack into frames[].
 * Returns 0 or a Win32 error (ERROR_NOT_SUPPORTED under Wine).
 */
DWORD ks_device_stack(struct ks_device *dev, DWORD tid, ULONG64 *frames,
		      unsigned max, unsigned *nr, unsigned *flags);

/* THREAD_CONTEXT: the thread's saved kernel sp/fp/ip and state. */
DWORD ks_device_thread_context(struct ks_device *dev, DWORD tid,
			       struct kstack_thread_context *out);

/* Text for a Win32 error, without the trailing newline; static buffer. */
const char *ks_strerror(DWORD err);

#endif
