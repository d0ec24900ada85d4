// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "escape.h"
#include "options.h"
#include "privilege.h"
#include "status.h"

#define SELF_TEST_SHOW	16u	/* bytes of the self-test region printed */

static void print_caps(unsigned caps)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ KSTACK_CAP_READ_MEMORY, "READ_MEMORY" },
		{ KSTACK_CAP_THREAD_CONTEXT, "THREAD_CONTEXT" },
		{ KSTACK_CAP_STACK, "STACK" },
		{ KSTACK_CAP_SNAPSHOT, "SNAPSHOT" },
		{ KSTACK_CAP_MMCOPYMEMORY, "MMCOPYMEMORY" },
		{ KSTACK_CAP_WINE_HOST, "WINE_HOST" },
	};
	unsigned i, first = 1;

	printf("caps: 0x%x", caps);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & names[i].bit) {
			printf("%s%s", first ? " (" : ",", names[i].name);
			first = 0;
		}
	printf("%s\n", first ? "" : ")");
}

const char *ks_kthread_layout_name(unsigned id)
{
	static const struct { unsigned id; const char *name; } names[] = {
		{ KSTACK_KTHREAD_X86_XP, "Windows XP x86" },
		{ KSTACK_KTHREAD_X86_VISTA, "Windows Vista x86" },
		{ KSTACK_KTHREAD_X86_WIN7, "Windows 7 x86" },
		{ KSTACK_KTHREAD_X86_WIN8_10, "Windows 8 to 10 x86" },
		{ KSTACK_KTHREAD_X86_REACTOS, "ReactOS x86" },
		{ KSTACK_KTHREAD_X64_VISTA, "Windows Vista x64" },
		{ KSTACK_KTHREAD_X64_WIN7, "Windows 7 x64" },
		{ KSTACK_KTHREAD_X64_WIN8_11, "Windows 8 to 11 x64" },
		{ KSTACK_KTHREAD_X64_REACTOS, "ReactOS amd64" },
	};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].id == id)
			return names[i].name;
	return "unknown";
}

void ks_kthread_checks_text(unsigned checks, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *what; } why[] = {
		{ KSTACK_KTC_NOT_RUN, "not probed (Wine, or the probe thread failed)" },
		{ KSTACK_KTC_NO_LAYOUT, "no layout for this build" },
		{ KSTACK_KTC_STATE, "State" },
		{ KSTACK_KTC_WAIT_REASON, "WaitReason" },
		{ KSTACK_KTC_STACK_LIMIT, "StackLimit" },
		{ KSTACK_KTC_INITIAL_STACK, "InitialStack" },
		{ KSTACK_KTC_KERNEL_STACK, "KernelStack" },
		{ KSTACK_KTC_SWITCHES, "ContextSwitches" },
		{ KSTACK_KTC_EXTENT, "extent" },
	};
	size_t pos = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(why) / sizeof(why[0]) && pos < size; i++)
		if (checks & why[i].bit)
			pos += snprintf(buf + pos, size - pos, "%s%s",
					pos ? ", " : "", why[i].what);
	if (!pos)
		snprintf(buf, size, "none");
}

int ks_status(void)
{
	struct ks_device dev;
	unsigned char buf[SELF_TEST_SHOW];
	struct ks_esc_buf e;
	DWORD err, n, i;

	ks_enable_debug_privilege();
	err = ks_device_open(&dev);
	if (err) {
		printf("driver: not running (%s: %s); `kstack install` loads it\n",
		       KSTACK_DEVICE_WIN32, ks_strerror(err));
		return KS_EXIT_FAILED;
	}
	printf("driver: running, version %u.%u.%u, protocol %u, %s, on %s\n",
	       dev.ver.driver_version >> 16, (dev.ver.driver_version >> 8) & 0xff,
	       dev.ver.driver_version & 0xff, dev.ver.proto_version,
	       dev.ver.arch == KSTACK_ARCH_X86_64 ? "x64" :
	       dev.ver.arch == KSTACK_ARCH_X86 ? "x86" : "unknown arch",
	       dev.ver.release[0] ? ks_esc(&e, dev.ver.release) : "?");
	print_caps(dev.ver.caps);
	if (dev.ver.kthread_layout) {
		printf("kthread layout: %s (checked at load)\n",
		       ks_kthread_layout_name(dev.ver.kthread_layout));
	} else {
		char why[256];

		ks_kthread_checks_text(dev.ver.kthread_checks, why, sizeof(why));
		printf("kthread layout: none, THREAD_CONTEXT unavailable; failed: %s\n",
		       why);
	}

	n = dev.ver.self_test_len < SELF_TEST_SHOW ? dev.ver.self_test_len : SELF_TEST_SHOW;
	if (!dev.ver.self_test_addr || !n) {
		printf("read_memory self-test: no self-test region\n");
	} else if ((err = ks_device_read(&dev, dev.ver.self_test_addr, buf, n))) {
		printf("read_memory self-test: FAILED at 0x%llx: %s\n",
		       (unsigned long long)dev.ver.self_test_addr, ks_strerror(err));
		ks_device_close(&dev);
		return KS_EXIT_FAILED;
	} else {
		printf("read_memory self-test: %lu bytes at 0x%llx:", (unsigned long)n,
		       (unsigned long long)dev.ver.self_test_addr);
		for (i = 0; i < n; i++)
			printf(" %02x", buf[i]);
		printf("\n");
	}
	ks_device_close(&dev);
	return KS_EXIT_OK;
}
