/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
#ifndef KSTACK_WIN_PRIVILEGE_H
#define KSTACK_WIN_PRIVILEGE_H

#include <windows.h>

/*
 * Enables SeDebugPrivilege in the process token, so OpenProcess/OpenThread
 * succeed on other users' processes. Returns 0 or a Win32 error
 * (ERROR_NOT_ALL_ASSIGNED: the token does not hold it, i.e. not elevated).
 */
DWORD ks_enable_debug_privilege(void);

#endif
