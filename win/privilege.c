// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include "privilege.h"

DWORD ks_enable_debug_privilege(void)
{
	HANDLE token;
	TOKEN_PRIVILEGES tp;
	DWORD err;

	if (!OpenProcessToken(GetCurrentProcess(),
			      TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
		return GetLastError();
	tp.PrivilegeCount = 1;
	tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
	if (!LookupPrivilegeValueA(NULL, "SeDebugPrivilege", &tp.Privileges[0].Luid)) {
		err = GetLastError();
		CloseHandle(token);
		return err;
	}
	/* Succeeds even when nothing was enabled: GetLastError tells. */
	AdjustTokenPrivileges(token, FALSE, &tp, sizeof(tp), NULL, NULL);
	err = GetLastError();
	CloseHandle(token);
	return err;
}
