// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kstack install / uninstall: the Service Control Manager side of the
 * driver. Both commands are idempotent: installing an installed driver
 * (re)starts it, uninstalling a missing one is a no-op that says so.
 *
 * Two ways to install, and uninstall undoes exactly the one used:
 *  - `install`: copy KStack.sys (next to kstack.exe) into
 *    %SystemRoot%\System32\drivers and register that copy;
 *  - `install --driver FILE`: register FILE where it is, no copy — for a
 *    system whose System32 is read-only, or a driver kept elsewhere.
 * What install did is written into the service's own registry key
 * (value KS_REG_COPIED: the path of the file it copied; absent when it
 * registered a file in place), so uninstall deletes a file only when
 * install put it there, and never a file the user named.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "device.h"
#include "escape.h"
#include "options.h"
#include "service.h"

#define STATE_WAIT_MS	10000u
/* winerror.h of the Windows SDK; mingw-w64's lacks it. */
#ifndef ERROR_INVALID_IMAGE_HASH
#define ERROR_INVALID_IMAGE_HASH	577L
#endif
#define KS_SERVICE_KEY	"SYSTEM\\CurrentControlSet\\Services\\" KS_SERVICE_NAME

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

/* The install record: the file install copied, "" when none (in place). */
static int read_record(char *copied, DWORD size)
{
	HKEY key;
	DWORD type = 0, n = size - 1;
	LONG err;

	copied[0] = '\0';
	if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, KS_SERVICE_KEY, 0, KEY_QUERY_VALUE,
			  &key) != ERROR_SUCCESS)
		return -1;
	err = RegQueryValueExA(key, KS_REG_COPIED, NULL, &type, (BYTE *)copied, &n);
	RegCloseKey(key);
	if (err != ERROR_SUCCESS || type != REG_SZ) {
		copied[0] = '\0';
		return err == ERROR_FILE_NOT_FOUND ? 0 : -1;
	}
	copied[n < size ? n : size - 1] = '\0';
	return 0;
}

static DWORD write_record(const char *copied)
{
	HKEY key;
	LONG err;

	err = RegOpenKeyExA(HKEY_LOCAL_MACHINE, KS_SERVICE_KEY, 0, KEY_SET_VALUE, &key);
	if (err != ERROR_SUCCESS)
		return (DWORD)err;
	if (copied)
		err = RegSetValueExA(key, KS_REG_COPIED, 0, REG_SZ, (const BYTE *)copied,
				     (DWORD)strlen(copied) + 1);
	else if ((err = RegDeleteValueA(key, KS_REG_COPIED)) == ERROR_FILE_NOT_FOUND)
		err = ERROR_SUCCESS;
	RegCloseKey(key);
	return (DWORD)err;
}

/* The driver file the existing service loads (its ImagePath). */
static int service_image(SC_HANDLE svc, char *out, DWORD size)
{
	static union {
		QUERY_SERVICE_CONFIGA cfg;
		char space[8192];
	} q;
	DWORD need = 0;

	if (!QueryServiceConfigA(svc, &q.cfg, sizeof(q), &need) ||
	    !q.cfg.lpBinaryPathName)
		return -1;
	snprintf(out, size, "%s", q.cfg.lpBinaryPathName);
	return 0;
}

static int same_file(const char *a, const char *b)
{
	/* ImagePath may carry the NT prefix the SCM adds for drivers. */
	if (!strncmp(a, "\\??\\", 4))
		a += 4;
	if (!strncmp(b, "\\??\\", 4))
		b += 4;
	return !lstrcmpiA(a, b);
}

static int copy_driver(const char *src, const char *dst)
{
	struct ks_esc_buf e1, e2;
	DWORD err;

	if (!lstrcmpiA(src, dst))
		return 0;
	if (CopyFileA(src, dst, FALSE))
		return 0;
	err = GetLastError();
	if (err == ERROR_SHARING_VIOLATION || err == ERROR_USER_MAPPED_FILE)
		fprintf(stderr, "kstack: install: %s is in use (a loaded driver?): "
			"run kstack uninstall first\n", ks_esc_path(&e1, dst));
	else if (err == ERROR_ACCESS_DENIED || err == ERROR_WRITE_PROTECT)
		fprintf(stderr, "kstack: install: cannot write %s (%s): the system "
			"directory is read-only or protected here; "
			"`kstack install --driver %s` registers the driver where it "
			"is, without copying it\n", ks_esc_path(&e1, dst), ks_strerror(err),
			ks_esc_path(&e2, src));
	else
		fprintf(stderr, "kstack: install: cannot copy %s to %s: %s\n",
			ks_esc_path(&e1, src), ks_esc_path(&e2, dst), ks_strerror(err));
	return -1;
}

static int start_driver(SC_HANDLE svc, int created, const char *image)
{
	struct ks_esc_buf e;
	DWORD err, state;

	if (!StartServiceA(svc, 0, NULL) &&
	    (err = GetLastError()) != ERROR_SERVICE_ALREADY_RUNNING) {
		fprintf(stderr, "kstack: install: service %s %s but does not start: %s%s "
			"(kstack uninstall removes it)\n", KS_SERVICE_NAME,
			created ? "created" : "exists", ks_strerror(err),
			/* x64 Windows loads only signed drivers */
			err == ERROR_INVALID_IMAGE_HASH ?
			"; sign KStack.sys, or enable test signing "
			"(bcdedit /set testsigning on) and reboot" : "");
		return KS_EXIT_SERVICE;
	}
	state = wait_state(svc, SERVICE_RUNNING);
	if (state != SERVICE_RUNNING) {
		fprintf(stderr, "kstack: install: service %s did not reach the running "
			"state (state %lu)\n", KS_SERVICE_NAME, (unsigned long)state);
		return KS_EXIT_SERVICE;
	}
	printf("kstack: installed %s as kernel service %s and started it\n",
	       ks_esc_path(&e, image), KS_SERVICE_NAME);
	return KS_EXIT_OK;
}

int ks_install(const char *driver_file)
{
	char src[MAX_PATH], dst[MAX_PATH], image[MAX_PATH], copied[MAX_PATH];
	struct ks_esc_buf e1, e2;
	const char *use;
	SC_HANDLE scm, svc;
	SERVICE_STATUS st;
	DWORD err;
	int created = 0, rc;

	if (refuse_wow64("install"))
		return KS_EXIT_SERVICE;
	if (driver_source_path(driver_file, src, sizeof(src)) ||
	    driver_dest_path(dst, sizeof(dst))) {
		fprintf(stderr, "kstack: install: path too long\n");
		return KS_EXIT_SERVICE;
	}
	if (GetFileAttributesA(src) == INVALID_FILE_ATTRIBUTES) {
		fprintf(stderr, "kstack: install: driver file %s not found%s\n", ks_esc_path(&e1, src),
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
	if (svc) {
		/*
		 * Installed but stopped: start it the way it was installed, and
		 * refresh a copy install made (it must match this build). A
		 * different driver asked for means a different install.
		 */
		if (service_image(svc, image, sizeof(image)) || read_record(copied, sizeof(copied))) {
			fprintf(stderr, "kstack: install: cannot read the existing service "
				"%s: run kstack uninstall first\n", KS_SERVICE_NAME);
			rc = KS_EXIT_SERVICE;
		} else if (driver_file ? !same_file(image, src) : !copied[0]) {
			fprintf(stderr, "kstack: install: service %s exists with driver %s; "
				"run kstack uninstall first to install %s\n", KS_SERVICE_NAME,
				ks_esc_path(&e1, image), ks_esc_path(&e2, driver_file ? src : dst));
			rc = KS_EXIT_SERVICE;
		} else if (copied[0] && copy_driver(src, copied)) {
			rc = KS_EXIT_SERVICE;
		} else {
			rc = start_driver(svc, 0, copied[0] ? copied : image);
		}
		CloseServiceHandle(svc);
		CloseServiceHandle(scm);
		return rc;
	}

	/* New: copy into the drivers directory, or register FILE in place. */
	use = driver_file ? src : dst;
	if (!driver_file && copy_driver(src, dst)) {
		CloseServiceHandle(scm);
		return KS_EXIT_SERVICE;
	}
	svc = CreateServiceA(scm, KS_SERVICE_NAME, "KStack kernel stack reader",
			     SERVICE_ALL_ACCESS, SERVICE_KERNEL_DRIVER,
			     SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, use,
			     NULL, NULL, NULL, NULL, NULL);
	if (!svc) {
		err = GetLastError();
		fprintf(stderr, "kstack: install: cannot create service %s: %s\n",
			KS_SERVICE_NAME, ks_strerror(err));
		if (!driver_file)
			DeleteFileA(dst);	/* ours, just copied */
		CloseServiceHandle(scm);
		return KS_EXIT_SERVICE;
	}
	created = 1;
	err = write_record(driver_file ? NULL : dst);
	if (err) {
		/* Without the record uninstall could not tell whose file it is. */
		fprintf(stderr, "kstack: install: cannot record the install in the "
			"service key: %s; removing the service again\n", ks_strerror(err));
		DeleteService(svc);
		if (!driver_file)
			DeleteFileA(dst);
		CloseServiceHandle(svc);
		CloseServiceHandle(scm);
		return KS_EXIT_SERVICE;
	}
	rc = start_driver(svc, created, use);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	return rc;
}

/* Removes the driver file; a loaded image may hold it for a moment. */
static int remove_driver_file(const char *dst)
{
	struct ks_esc_buf e;
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
	fprintf(stderr, "kstack: uninstall: cannot remove %s: %s%s\n", ks_esc_path(&e, dst),
		ks_strerror(err),
		MoveFileExA(dst, NULL, MOVEFILE_DELAY_UNTIL_REBOOT) ?
		" (it will be removed at the next reboot)" : "");
	return -1;
}

int ks_uninstall(void)
{
	char copied[MAX_PATH], image[MAX_PATH] = "";
	struct ks_esc_buf e;
	SC_HANDLE scm, svc;
	SERVICE_STATUS st;
	DWORD err, state;
	int rc = KS_EXIT_OK;

	if (refuse_wow64("uninstall"))
		return KS_EXIT_SERVICE;
	scm = open_scm("uninstall");
	if (!scm)
		return KS_EXIT_SERVICE;
	svc = OpenServiceA(scm, KS_SERVICE_NAME,
			   SERVICE_STOP | SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG | DELETE);
	if (!svc) {
		err = GetLastError();
		CloseServiceHandle(scm);
		if (err != ERROR_SERVICE_DOES_NOT_EXIST) {
			fprintf(stderr, "kstack: uninstall: cannot open service %s: %s\n",
				KS_SERVICE_NAME, ks_strerror(err));
			return KS_EXIT_SERVICE;
		}
		printf("kstack: driver service %s is not installed\n", KS_SERVICE_NAME);
		return KS_EXIT_OK;
	}
	/* Read what install did before the key goes with the service. */
	if (read_record(copied, sizeof(copied))) {
		fprintf(stderr, "kstack: uninstall: cannot read the install record of "
			"service %s; no file will be removed\n", KS_SERVICE_NAME);
		copied[0] = '\0';
	}
	service_image(svc, image, sizeof(image));

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
	if (rc != KS_EXIT_OK)
		return rc;
	if (copied[0]) {
		if (remove_driver_file(copied) < 0)
			return KS_EXIT_SERVICE;
		printf("kstack: stopped and deleted service %s, removed %s (copied there "
		       "by install)\n", KS_SERVICE_NAME, ks_esc_path(&e, copied));
	} else {
		printf("kstack: stopped and deleted service %s; left %s in place "
		       "(install did not copy it)\n", KS_SERVICE_NAME,
		       image[0] ? ks_esc_path(&e, image) : "its driver file");
	}
	return rc;
}
