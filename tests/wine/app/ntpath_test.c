// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * ks_nt_path_to_dos (win/symbols.c): the kernel-module path mapping that
 * kernel symbols depend on. Kernel frames never occur under Wine, so this
 * is the part of kernel symbol loading the tests can reach: each NT path
 * form GetDeviceDriverFileName returns must map to a DOS path. Expected
 * values are built from the running system's own answers.
 * Prints PASS:/FAIL: lines; exit 1 on any failure.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "symbols.h"

static int fails;

static void expect(const char *nt, const char *want)
{
	char got[MAX_PATH] = "";
	int rc = ks_nt_path_to_dos(nt, got, sizeof(got));

	if (want ? (rc == 0 && !_stricmp(got, want)) : rc != 0) {
		printf("PASS: app: nt path %s -> %s\n", nt, want ? want : "(error)");
	} else {
		printf("FAIL: app: nt path %s: got rc %d '%s', want %s\n", nt, rc, got,
		       want ? want : "an error");
		fails++;
	}
}

int main(void)
{
	char windir[MAX_PATH], want[MAX_PATH], dev[MAX_PATH], nt[MAX_PATH];
	char tiny[8];

	GetSystemWindowsDirectoryA(windir, sizeof(windir));
	snprintf(want, sizeof(want), "%s\\system32\\ntoskrnl.exe", windir);
	expect("\\SystemRoot\\system32\\ntoskrnl.exe", want);
	expect("\\??\\C:\\drivers\\x.sys", "C:\\drivers\\x.sys");
	snprintf(want, sizeof(want), "%.2s\\Windows\\System32\\drivers\\a.sys", windir);
	expect("\\Windows\\System32\\drivers\\a.sys", want);
	snprintf(want, sizeof(want), "%s\\System32\\drivers\\b.sys", windir);
	expect("System32\\drivers\\b.sys", want);
	/* "\Device\HarddiskVolumeN\...": whatever device C: is mapped to. */
	if (QueryDosDeviceA("C:", dev, sizeof(dev))) {
		snprintf(nt, sizeof(nt), "%s\\k\\c.sys", dev);
		if (!strncmp(nt, "\\Device\\", 8))
			expect(nt, "C:\\k\\c.sys");
	}
	expect("\\Device\\NoSuchVolume42\\x.sys", NULL);
	/* ARC names of the boot device (ReactOS's live CD lists its kernel so) */
	snprintf(want, sizeof(want), "%.2s\\reactos\\system32\\ntoskrnl.exe", windir);
	expect("multi(0)disk(0)cdrom(96)\\reactos\\system32\\ntoskrnl.exe", want);
	snprintf(want, sizeof(want), "%.2s\\WINDOWS\\system32\\hal.dll", windir);
	expect("\\ArcName\\multi(0)disk(0)rdisk(0)partition(1)\\WINDOWS\\system32\\hal.dll",
	       want);
	/* not ARC names: a bare word, or "(" without a number */
	expect("multi\\x.sys", "multi\\x.sys");
	expect("multi(x)\\x.sys", "multi(x)\\x.sys");
	/* a bare file name: where it is, in System32\drivers or System32 */
	snprintf(want, sizeof(want), "%s\\system32\\drivers\\null.sys", windir);
	if (GetFileAttributesA(want) != INVALID_FILE_ATTRIBUTES)
		expect("null.sys", want);
	snprintf(want, sizeof(want), "%s\\system32\\kernel32.dll", windir);
	expect("kernel32.dll", want);
	expect("no-such-module-42.sys", NULL);
	/* Output that does not fit is an error, never a truncated path. */
	if (ks_nt_path_to_dos("\\??\\C:\\a\\long\\path.sys", tiny, sizeof(tiny)) == 0) {
		printf("FAIL: app: nt path into a tiny buffer: no error\n");
		fails++;
	} else {
		printf("PASS: app: nt path into a tiny buffer -> error\n");
	}
	return fails != 0;
}
