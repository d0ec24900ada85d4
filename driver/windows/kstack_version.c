// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * VERSION: who we are, what this host lets us do, and where the self-test
 * buffer is (a driver-owned region READ_MEMORY must serve, so a test can
 * check a read byte for byte without knowing any other kernel address).
 */
#include "kstack_drv.h"
#include "kstack_kthread.h"

UCHAR kstack_self_test[KSTACK_SELF_TEST_LEN];

/* Byte i of the self-test buffer is (i * 37 + 11) & 0xff (README.md). */
void kstack_self_test_init(void)
{
	ULONG i;

	for (i = 0; i < KSTACK_SELF_TEST_LEN; i++)
		kstack_self_test[i] = (UCHAR)((i * 37u + 11u) & 0xffu);
}

static void kstack_copy_release(char *dst, ULONG cap)
{
	static const char prefix[] = "Windows ";
	char num[12];
	ULONG pos = 0, n, parts[3], k;

	parts[0] = kstack_host.os_major;
	parts[1] = kstack_host.os_minor;
	parts[2] = kstack_host.os_build;
	for (k = 0; prefix[k] && pos + 1 < cap; k++)
		dst[pos++] = prefix[k];
	for (k = 0; k < 3; k++) {
		ULONG v = parts[k], len = 0;

		if (k && pos + 1 < cap)
			dst[pos++] = '.';
		do {
			num[len++] = (char)('0' + v % 10);
			v /= 10;
		} while (v && len < sizeof(num));
		for (n = len; n > 0 && pos + 1 < cap; n--)
			dst[pos++] = num[n - 1];
	}
	if (kstack_host.wine) {
		static const char wine[] = " (Wine)";

		for (k = 0; wine[k] && pos + 1 < cap; k++)
			dst[pos++] = wine[k];
	}
	dst[pos] = '\0';
}

NTSTATUS kstack_ioctl_version(void *buf, ULONG in_len, ULONG out_len,
			      ULONG_PTR *info)
{
	struct kstack_version v;
	NTSTATUS status;

	status = kstack_get_request(buf, in_len, &v, sizeof(v));
	if (!NT_SUCCESS(status))
		return status;
	if (out_len < sizeof(v))
		return STATUS_BUFFER_TOO_SMALL;

	RtlZeroMemory(&v, sizeof(v));
	v.hdr.size = sizeof(v);		/* what we filled: the v1 layout */
	v.hdr.version = KSTACK_PROTO_VERSION;
	v.proto_version = KSTACK_PROTO_VERSION;
	v.driver_version = KSTACK_DRIVER_VERSION;
	v.arch = sizeof(void *) == 8 ? KSTACK_ARCH_X86_64 : KSTACK_ARCH_X86;
	v.caps = kstack_host_caps();
	v.thread_size = KERNEL_STACK_SIZE;
	v.task_frame_layout = KSTACK_FRAME_WINDOWS;
	kstack_thread_frame_info(&v);
	v.orc_layout = KSTACK_ORC_NONE;
	v.os_version = kstack_host.os_major << 8 | kstack_host.os_minor;
	v.os_build = kstack_host.os_build;
	v.kthread_layout = kstack_host.kthread ? kstack_host.kthread->id :
		KSTACK_KTHREAD_NONE;
	v.kthread_checks = kstack_host.kthread_checks;
	v.self_test_addr = (ULONG_PTR)kstack_self_test;
	v.self_test_len = KSTACK_SELF_TEST_LEN;
	kstack_copy_release(v.release, sizeof(v.release));

	RtlCopyMemory(buf, &v, sizeof(v));
	*info = sizeof(v);
	return STATUS_SUCCESS;
}
