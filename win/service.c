// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kstack install / uninstall: the Service Control Manager side of the
 * driver. Both commands are idempotent: installing an installed driver
 * (re)starts it, uninstalling a missing one only removes a stray file.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "device.h"
#include "options.h"
#include "service.h"

#define STATE_WAIT_MS	10000u
/* winerror.h of the Windows SDK; mingw-w64's lacks it. */
#ifndef ERROR_INVALID_IMAGE_HASH
#define ERROR_INVALID_IMAGE_HASH	577L
#endif

static int driver_dest_path(char *out, DWORD size)
{
	UINT n = GetSystemDirectoryA(out, size);

	if (!n || n + sizeof("\\drivers\\" KS_DRIVER_FILE_NAME) > size)
		return -1;
	strcat(out, "\\drivers\\" KS_DRIVER_FILE_NAME);
	return 0;
}

static int driver_source_path(const char *given, char *out, DWORD size)
{
	DWORD n;
	char *slash;

	if (given) {
		n = GetFullPathNameA(given, size, out, NULL);
		return (n && n < size) ? 0 : -1;
	}
	n = GetModuleFileNameA(NULL, out, size);
	if (!n || n >= size)
		return -1;
	slash = strrchr(out, '\\');
	if (!slash || (size_t)(slash + 1 - out) + sizeof(KS_DRIVER_FILE_NAME) > size)
		return -1;
	strcpy(slash + 1, KS_DRIVER_FILE_NAME);
	return 0;
}

/* A 32-bit kstack on 64-bit Windows would copy into SysWOW64 and install
 * a driver that cannot load: refuse early with a clear message. */
static int refuse_wow64(const char *what)
{
	BOOL wow = FALSE;

	if (IsWow64Process(GetCurrentProcess(), &wow) && wow) {
		fprintf(stderr, "kstack: %s: this is the 32-bit kstack on 64-bit Windows; "
			"use the x64 build\n", what);
		return 1;
	}
	return 0;
}

static SC_HANDLE open_scm(const char *what)
{
	SC_HANDLE scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	DWORD err;

	if (scm)
		return scm;
	err = GetLastError();
	if (err == ERROR_ACCESS_DENIED)
		fprintf(stderr, "kstack: %s: not elevated: run kstack from an "
			"administrator prompt\n", what);
	else
		fprintf(stderr, "kstack: %s: cannot open the service manager: %s\n",
			what, ks_strerror(err));
	return NULL;
}

/* Polls until the service reaches want (or leaves the pending states). */
static DWORD wait_state(SC_HANDLE svc, DWORD want)
{
	SERVICE_STATUS st;
	DWORD waited = 0;

	for (;;) {
		if (!QueryServiceStatus(svc, &st))
			return 0;
		if (st.dwCurrentState == want || waited >= STATE_WAIT_MS)
			return st.dwCurrentState;
		if (st.dwCurrentState != SERVICE_START_PENDING &&
		    st.dwCurrentState != SERVICE_STOP_PENDING &&
		    st.dwCurrentState != (want == SERVICE_RUNNING ?
					  SERVICE_STOPPED : SERVICE_RUNNING))
			return st.dwCurrentState;
		Sleep(50);
		waited += 50;
	}
}

static int copy_driver(const char *src, const char *dst)
{
	DWORD err;

	if (!lstrcmpiA(src, dst))
		return 0;
	if (CopyFileA(src, dst, FALSE))
		return 0;
	err = GetLastError();
	if (err == ERROR_SHARING_VIOLATION || err == ERROR_USER_MAPPED_FILE)
		fprintf(stderr, "kstack: install: %s is in use (a loaded driver?): "
			"run kstack uninstall first\n", dst);
	else
		fprintf(stderr, "kstack: install: cannot copy %s to %s: %s\n",
			src, dst, ks_strerror(err));
	return -1;
}

int ks_install(const char *driver_file)
{
	char src[MAX_PATH], dst[MAX_PATH];
	SC_HANDLE scm, svc;
	SERVICE_STATUS st;
	DWORD err, state;
	int created = 0;

	if (refuse_wow64("install"))
		return KS_EXIT_SERVICE;
	if (driver_source_path(driver_file, src, sizeof(src)) ||
	    driver_dest_path(dst, sizeof(dst))) {
		fprintf(stderr, "kstack: install: path too long\n");
		return KS_EXIT_SERVICE;
	}
	if (GetFileAttributesA(src) == INVALID_FILE_ATTRIBUTES) {
		fprintf(stderr, "kstack: install: driver file %s not found%s\n", src,
			driver_file ? "" : " (give one with --driver FILE)");
		return KS_EXIT_SERVICE;
	}
	scm = open_scm("install");
	if (!scm)
		return KS_EXIT_SERVICE;

	svc = OpenServiceA(scm, KS_SERVICE_NAME, SERVICE_ALL_ACCESS);
	if (svc && QueryServiceStatus(svc, &st) && st.dwCurrentState == SERVICE_RUNNING) {
		printf("kstack: driver service %s is already installed and running\n",
		       KS_SERVICE_NAME);
		CloseServiceHandle(svc);
		CloseServiceHandle(scm);
		return KS_EXIT_OK;
	}
	/* Installed but stopped, or new: (re)copy so the file matches this build. */
	if (copy_driver(src, dst)) {
		if (svc)
			CloseServiceHandle(svc);
		CloseServiceHandle(scm);
		return KS_EXIT_SERVICE;
	}
	if (!svc) {
		svc = CreateServiceA(scm, KS_SERVICE_NAME, "KStack kernel stack reader",
				     SERVICE_ALL_ACCESS, SERVICE_KERNEL_DRIVER,
				     SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, dst,
				     NULL, NULL, NULL, NULL, NULL);
		if (!svc) {
			err = GetLastError();
			fprintf(stderr, "kstack: install: cannot create service %s: %s\n",
				KS_SERVICE_NAME, ks_strerror(err));
			DeleteFileA(dst);
			CloseServiceHandle(scm);
			return KS_EXIT_SERVICE;
		}
		created = 1;
	}
	if (!StartServiceA(svc, 0, NULL) &&
	    (err = GetLastError()) != ERROR_SERVICE_ALREADY_RUNNING) {
		fprintf(stderr, "kstack: install: service %s %s but does not start: %s%s "
			"(kstack uninstall removes it)\n", KS_SERVICE_NAME,
			created ? "created" : "exists", ks_strerror(err),
			/* x64 Windows loads only signed drivers */
			err == ERROR_INVALID_IMAGE_HASH ?
			"; sign KStack.sys, or enable test signing "
			"(bcdedit /set testsigning on) and reboot" : "");
		CloseServiceHandle(svc);
		CloseServiceHandle(scm);
		return KS_EXIT_SERVICE;
	}
	state = wait_state(svc, SERVICE_RUNNING);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	if (state != SERVICE_RUNNING) {
		fprintf(stderr, "kstack: install: service %s did not reach the running "
			"state (state %lu)\n", KS_SERVICE_NAME, (unsigned long)state);
		return KS_EXIT_SERVICE;
	}
	printf("kstack: installed %s as kernel service %s and started it\n", dst,
	       KS_SERVICE_NAME);
	return KS_EXIT_OK;
}

/* Removes the driver file; a loaded image may hold it for a moment. */
static int remove_driver_file(const char *dst)
{
	DWORD err = 0;
	int i;

	for (i = 0; i < 40; i++) {
		if (DeleteFileA(dst))
			return 1;
		err = GetLastError();
		if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
			return 0;
		if (err != ERROR_SHARING_VIOLATION && err != ERROR_ACCESS_DENIED)
			break;
		Sleep(50);
	}
	fprintf(stderr, "kstack: uninstall: cannot remove %s: %s%s\n", dst,
		ks_strerror(err),
		MoveFileExA(dst, NULL, MOVEFILE_DELAY_UNTIL_REBOOT) ?
		" (it will be removed at the next reboot)" : "");
	return -1;
}

int ks_uninstall(void)
{
	char dst[MAX_PATH];
	SC_HANDLE scm, svc;
	SERVICE_STATUS st;
	DWORD err, state;
	int rc = KS_EXIT_OK, removed;

	if (refuse_wow64("uninstall"))
		return KS_EXIT_SERVICE;
	if (driver_dest_path(dst, sizeof(dst))) {
		fprintf(stderr, "kstack: uninstall: path too long\n");
		return KS_EXIT_SERVICE;
	}
	scm = open_scm("uninstall");
	if (!scm)
		return KS_EXIT_SERVICE;
	svc = OpenServiceA(scm, KS_SERVICE_NAME,
			   SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
	if (!svc) {
		err = GetLastError();
		CloseServiceHandle(scm);
		if (err != ERROR_SERVICE_DOES_NOT_EXIST) {
			fprintf(stderr, "kstack: uninstall: cannot open service %s: %s\n",
				KS_SERVICE_NAME, ks_strerror(err));
			return KS_EXIT_SERVICE;
		}
		removed = remove_driver_file(dst);
		if (removed < 0)
			return KS_EXIT_SERVICE;
		printf("kstack: driver service %s is not installed%s\n", KS_SERVICE_NAME,
		       removed ? " (removed a stray driver file)" : "");
		return KS_EXIT_OK;
	}

	if (!ControlService(svc, SERVICE_CONTROL_STOP, &st) &&
	    (err = GetLastError()) != ERROR_SERVICE_NOT_ACTIVE) {
		fprintf(stderr, "kstack: uninstall: cannot stop service %s: %s\n",
			KS_SERVICE_NAME, ks_strerror(err));
		rc = KS_EXIT_SERVICE;
	} else if ((state = wait_state(svc, SERVICE_STOPPED)) != SERVICE_STOPPED) {
		fprintf(stderr, "kstack: uninstall: service %s did not stop (state %lu)\n",
			KS_SERVICE_NAME, (unsigned long)state);
		rc = KS_EXIT_SERVICE;
	}
	/* Delete even when stop failed: the service goes at the next reboot. */
	if (!DeleteService(svc) && (err = GetLastError()) != ERROR_SERVICE_MARKED_FOR_DELETE) {
		fprintf(stderr, "kstack: uninstall: cannot delete service %s: %s\n",
			KS_SERVICE_NAME, ks_strerror(err));
		rc = KS_EXIT_SERVICE;
	}
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	if (rc == KS_EXIT_OK && remove_driver_file(dst) < 0)
		rc = KS_EXIT_SERVICE;
	if (rc == KS_EXIT_OK)
		printf("kstack: stopped and deleted service %s, removed %s\n",
		       KS_SERVICE_NAME, dst);
	return rc;
}
