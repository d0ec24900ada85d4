/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * KStack.sys internals shared by its source files. The protocol itself
 * lives in include/kstack/kstack_ioctl.h; this header only has what the
 * driver's own files need from each other.
 */
#ifndef KSTACK_DRV_H
#define KSTACK_DRV_H

#include <ntifs.h>
#include "kstack/kstack_ioctl.h"

/* 'KStk' as it shows in pool dumps (a multi-character constant, spelled out). */
#define KSTACK_POOL_TAG 0x6b74534bu

#define KSTACK_LOG(fmt, ...) DbgPrint("KStack: " fmt "\n", ##__VA_ARGS__)

/*
 * Routines that exist only on some hosts; see kstack_host.c.
 * MM_COPY_ADDRESS as MmCopyMemory takes it (by value, 8 bytes); our own
 * copy because older kits lack it, with a named union so MSVC /W4 /WX
 * (the WDK build) does not reject a nameless one.
 */
typedef struct kstack_mm_copy_address {
	union {
		PVOID VirtualAddress;
		PHYSICAL_ADDRESS PhysicalAddress;
	} u;
} kstack_mm_copy_address;
#define KSTACK_MM_COPY_MEMORY_VIRTUAL 0x2

typedef NTSTATUS (NTAPI *kstack_mm_copy_memory_fn)(PVOID target,
	kstack_mm_copy_address source, SIZE_T bytes, ULONG flags,
	PSIZE_T copied);

typedef enum kstack_apc_environment {
	KstackOriginalApcEnvironment = 0,
} kstack_apc_environment;

typedef VOID (NTAPI *kstack_ke_initialize_apc_fn)(PKAPC apc, PKTHREAD thread,
	kstack_apc_environment env, PKKERNEL_ROUTINE kernel_routine,
	PKRUNDOWN_ROUTINE rundown_routine, PKNORMAL_ROUTINE normal_routine,
	KPROCESSOR_MODE mode, PVOID normal_context);
typedef BOOLEAN (NTAPI *kstack_ke_insert_queue_apc_fn)(PKAPC apc,
	PVOID arg1, PVOID arg2, KPRIORITY increment);
typedef ULONG (NTAPI *kstack_rtl_walk_frame_chain_fn)(PVOID *callers,
	ULONG count, ULONG flags);
typedef BOOLEAN (NTAPI *kstack_se_token_is_admin_fn)(PACCESS_TOKEN token);
typedef PEPROCESS (NTAPI *kstack_ps_get_thread_process_fn)(PETHREAD thread);
typedef PCHAR (NTAPI *kstack_ps_get_process_image_file_name_fn)(PEPROCESS p);
typedef BOOLEAN (NTAPI *kstack_se_single_privilege_check_fn)(LUID privilege,
	KPROCESSOR_MODE mode);
typedef NTSTATUS (NTAPI *kstack_ob_set_security_object_by_pointer_fn)(
	PVOID object, SECURITY_INFORMATION info, PSECURITY_DESCRIPTOR sd);

struct kstack_kthread_layout;

/* What this host is and offers; filled once by kstack_host_init. */
struct kstack_host {
	BOOLEAN wine;			/* Wine's winedevice.exe, not a kernel */
	ULONG os_major;
	ULONG os_minor;
	ULONG os_build;
	ULONG_PTR system_range_start;	/* lowest kernel address; 0 on Wine */
	kstack_mm_copy_memory_fn mm_copy_memory;
	kstack_ke_initialize_apc_fn ke_initialize_apc;
	kstack_ke_insert_queue_apc_fn ke_insert_queue_apc;
	kstack_rtl_walk_frame_chain_fn rtl_walk_frame_chain;
	kstack_se_token_is_admin_fn se_token_is_admin;
	kstack_se_single_privilege_check_fn se_single_privilege_check;
	kstack_ob_set_security_object_by_pointer_fn ob_set_security_object_by_pointer;
	/* For THREAD_CONTEXT's comm; both undocumented, both Wine stubs. */
	kstack_ps_get_thread_process_fn ps_get_thread_process;
	kstack_ps_get_process_image_file_name_fn ps_get_process_image_file_name;
	/* Validated at load (kstack_kthread_probe.c); NULL: none passed. */
	const struct kstack_kthread_layout *kthread;
	kstack_u32 kthread_checks;	/* KSTACK_KTC_* that failed; 0 with a layout */
	/* This driver's own image (DRIVER_OBJECT DriverStart/DriverSize). */
	ULONG_PTR image_start, image_end;
};

extern struct kstack_host kstack_host;

/* A driver-owned buffer READ_MEMORY must be able to read (VERSION says where). */
#define KSTACK_SELF_TEST_LEN 256u
extern UCHAR kstack_self_test[KSTACK_SELF_TEST_LEN];

NTSTATUS kstack_host_init(void);
void kstack_self_test_init(void);
ULONG kstack_host_caps(void);

NTSTATUS kstack_check_caller(PIRP irp, PIO_STACK_LOCATION sp);
/* Every ioctl, at the door: the calling thread, not whoever opened. */
NTSTATUS kstack_check_request(PIRP irp, ULONG code);
/* The device's DACL: SYSTEM and Administrators only (kstack_security.c). */
NTSTATUS kstack_secure_device(PDEVICE_OBJECT dev);

/*
 * Request helpers. Each gets the METHOD_BUFFERED system buffer and both
 * lengths (bytes), validates before touching it, and sets *info to the
 * bytes to return (ULONG_PTR, the type of IoStatus.Information). Each
 * returns an NTSTATUS; the protocol header's error table says which.
 */
NTSTATUS kstack_get_request(const void *buf, ULONG in_len, void *req,
	ULONG v1_size);
NTSTATUS kstack_ioctl_version(void *buf, ULONG in_len, ULONG out_len,
	ULONG_PTR *info);
NTSTATUS kstack_ioctl_read_memory(void *buf, ULONG in_len, ULONG out_len,
	ULONG_PTR *info);
NTSTATUS kstack_ioctl_thread_context(void *buf, ULONG in_len, ULONG out_len,
	ULONG_PTR *info);
NTSTATUS kstack_ioctl_stack(void *buf, ULONG in_len, ULONG out_len,
	ULONG_PTR *info);

/* Shared by READ_MEMORY and THREAD_CONTEXT (kstack_read.c). */
NTSTATUS kstack_copy_kernel(void *dst, ULONG_PTR src, ULONG len);

/* THREAD_CONTEXT helpers (kstack_thread.c), also used by STACK and VERSION. */
NTSTATUS kstack_lookup_thread(kstack_u64 tid, PETHREAD *thread);
BOOLEAN kstack_is_current_thread(PETHREAD thread);
void kstack_thread_frame_info(struct kstack_version *v);

/* STACK's APCs still queued; DriverUnload waits for them (kstack_stack.c). */
void kstack_stack_drain(void);

/*
 * Chooses and checks the KTHREAD layout (kstack_kthread_probe.c): sets
 * kstack_host.kthread / kthread_checks. Not on Wine.
 */
NTSTATUS kstack_kthread_probe_run(void);

#endif /* KSTACK_DRV_H */
