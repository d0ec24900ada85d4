// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * What the host offers, probed once in DriverEntry.
 *
 * Optional kernel routines are resolved with MmGetSystemRoutineAddress and
 * never imported: MmCopyMemory exists only from Windows 8.1, and an import
 * the loader cannot resolve makes the whole driver fail to load.
 *
 * Wine: winedevice.exe hosts drivers in a user process. About half of its
 * ntoskrnl exports are stubs that kill that process when called (among
 * them KeInsertQueueApc, RtlWalkFrameChain, SeTokenIsAdmin,
 * ObSetSecurityObjectByPointer,
 * SeCaptureSubjectContext and the MmSystemRangeStart variable), and
 * MmGetSystemRoutineAddress happily returns those stubs. So we detect the
 * host first and never resolve a stubbed routine there. Wine's
 * MmGetSystemRoutineAddress looks names up in its own ntoskrnl.exe, which
 * exports wine_ntoskrnl_main_loop (the loop winedevice.exe runs) and, in
 * newer versions, wine_enumerate_root_devices; Windows has neither, so
 * finding one is a reliable, side-effect-free test. (Not used: ntdll's
 * wine_get_version, which MmGetSystemRoutineAddress cannot see — it
 * searches only ntoskrnl.exe and hal.dll — and the HKLM\Software\Wine key,
 * which any administrator can create on Windows.)
 */
#include "kstack_drv.h"
#include "kstack_kthread.h"

struct kstack_host kstack_host;

static PVOID kstack_resolve(PCWSTR name)
{
	UNICODE_STRING u;

	RtlInitUnicodeString(&u, name);
	return MmGetSystemRoutineAddress(&u);
}

static void kstack_probe_version(void)
{
	RTL_OSVERSIONINFOW v;

	RtlZeroMemory(&v, sizeof(v));
	v.dwOSVersionInfoSize = sizeof(v);
	if (NT_SUCCESS(RtlGetVersion(&v))) {
		kstack_host.os_major = v.dwMajorVersion;
		kstack_host.os_minor = v.dwMinorVersion;
		kstack_host.os_build = v.dwBuildNumber;
	}
}

NTSTATUS kstack_host_init(void)
{
	RtlZeroMemory(&kstack_host, sizeof(kstack_host));
	kstack_probe_version();
	kstack_host.wine = kstack_resolve(L"wine_ntoskrnl_main_loop") ||
			   kstack_resolve(L"wine_enumerate_root_devices");
	if (kstack_host.wine) {
		/*
		 * No kernel address space, no KTHREAD layout, no APCs: READ_MEMORY
		 * serves only our own self-test buffer, the rest is NOT_SUPPORTED.
		 * SeSinglePrivilegeCheck is implemented there (not a stub).
		 */
		kstack_host.se_single_privilege_check =
			kstack_resolve(L"SeSinglePrivilegeCheck");
		kstack_host.kthread_checks = KSTACK_KTC_NOT_RUN;
		KSTACK_LOG("Wine host: THREAD_CONTEXT and STACK are not supported, "
			   "READ_MEMORY serves the self-test buffer only");
		return STATUS_SUCCESS;
	}

	{
		/* A data export: the variable's address, read once. */
		PVOID *range = kstack_resolve(L"MmSystemRangeStart");

		if (!range) {
			KSTACK_LOG("MmSystemRangeStart not exported");
			return STATUS_NOT_SUPPORTED;
		}
		kstack_host.system_range_start = (ULONG_PTR)*range;
	}
	kstack_host.mm_copy_memory = kstack_resolve(L"MmCopyMemory");
	kstack_host.ke_initialize_apc = kstack_resolve(L"KeInitializeApc");
	kstack_host.ke_insert_queue_apc = kstack_resolve(L"KeInsertQueueApc");
	kstack_host.rtl_walk_frame_chain = kstack_resolve(L"RtlWalkFrameChain");
	kstack_host.se_token_is_admin = kstack_resolve(L"SeTokenIsAdmin");
	kstack_host.se_single_privilege_check =
		kstack_resolve(L"SeSinglePrivilegeCheck");
	kstack_host.ob_set_security_object_by_pointer =
		kstack_resolve(L"ObSetSecurityObjectByPointer");
	kstack_host.ps_get_thread_process = kstack_resolve(L"PsGetThreadProcess");
	kstack_host.ps_get_process_image_file_name =
		kstack_resolve(L"PsGetProcessImageFileName");
	/* A failed probe only costs THREAD_CONTEXT; the driver still loads. */
	kstack_kthread_probe_run();
	return STATUS_SUCCESS;
}

ULONG kstack_host_caps(void)
{
	ULONG caps = KSTACK_CAP_READ_MEMORY;

	if (kstack_host.wine)
		return caps | KSTACK_CAP_WINE_HOST;
	if (kstack_host.mm_copy_memory)
		caps |= KSTACK_CAP_MMCOPYMEMORY;
	if (kstack_host.kthread)
		caps |= KSTACK_CAP_THREAD_CONTEXT;
	if (kstack_host.ke_initialize_apc && kstack_host.ke_insert_queue_apc &&
	    kstack_host.rtl_walk_frame_chain)
		caps |= KSTACK_CAP_STACK;
	return caps;
}
