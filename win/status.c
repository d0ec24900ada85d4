// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <string.h>

#include "device.h"
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

int ks_status(void)
{
	struct ks_device dev;
	unsigned char buf[SELF_TEST_SHOW];
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
	       dev.ver.release[0] ? dev.ver.release : "?");
	print_caps(dev.ver.caps);

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
