// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The device's own ACL: SYSTEM and Administrators only, what the SDDL
 * string "D:P(A;;GA;;;SY)(A;;GA;;;BA)" gives with IoCreateDeviceSecure.
 *
 * IoCreateDeviceSecure lives in wdmsec.lib, a static library of the WDK
 * that mingw-w64 does not ship (it has wdmsec.h only), so the descriptor
 * is built here by hand — the same steps that library takes: create the
 * device (FILE_DEVICE_SECURE_OPEN, so the ACL also guards opens of names
 * below \Device\KStack), then set its DACL with
 * ObSetSecurityObjectByPointer before the symbolic link makes it
 * reachable. The ACEs grant FILE_ALL_ACCESS, the file-object meaning of
 * the SDDL's GA. SIDs are written out (S-1-5-18 LocalSystem, S-1-5-32-544
 * BUILTIN\Administrators) rather than read from SeExports, a data export.
 *
 * Wine: ObSetSecurityObjectByPointer is a stub that kills the driver host
 * (Wine runs every program as one user anyway): skipped there, and said.
 */
#include "kstack_drv.h"

/* A SID with room for two sub-authorities, as RtlInitializeSid fills it. */
struct kstack_sid2 {
	UCHAR revision;
	UCHAR count;
	SID_IDENTIFIER_AUTHORITY authority;
	ULONG sub[2];
};

#define KSTACK_ACL_SIZE 128u	/* header + 2 ACEs with these SIDs: 56 bytes */

static NTSTATUS kstack_make_sid(struct kstack_sid2 *sid, ULONG a, ULONG b,
				UCHAR count)
{
	SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
	NTSTATUS status;

	RtlZeroMemory(sid, sizeof(*sid));
	status = RtlInitializeSid((PSID)sid, &nt, count);
	if (!NT_SUCCESS(status))
		return status;
	*RtlSubAuthoritySid((PSID)sid, 0) = a;
	if (count > 1)
		*RtlSubAuthoritySid((PSID)sid, 1) = b;
	return STATUS_SUCCESS;
}

NTSTATUS kstack_secure_device(PDEVICE_OBJECT dev)
{
	struct kstack_sid2 system, admins;
	SECURITY_DESCRIPTOR sd;
	PACL acl;
	NTSTATUS status;

	if (kstack_host.wine) {
		KSTACK_LOG("Wine host: device ACL not set (ObSetSecurityObjectByPointer "
			   "is a stub there); IRP_MJ_CREATE and every request still "
			   "check the caller");
		return STATUS_SUCCESS;
	}
	if (!kstack_host.ob_set_security_object_by_pointer) {
		KSTACK_LOG("ObSetSecurityObjectByPointer not exported: cannot set "
			   "the device ACL");
		return STATUS_NOT_SUPPORTED;
	}
	/* The object manager copies the descriptor: ours may be temporary. */
	acl = ExAllocatePoolWithTag(PagedPool, KSTACK_ACL_SIZE, KSTACK_POOL_TAG);
	if (!acl)
		return STATUS_INSUFFICIENT_RESOURCES;
	status = kstack_make_sid(&system, SECURITY_LOCAL_SYSTEM_RID, 0, 1);
	if (NT_SUCCESS(status))
		status = kstack_make_sid(&admins, SECURITY_BUILTIN_DOMAIN_RID,
					 DOMAIN_ALIAS_RID_ADMINS, 2);
	if (NT_SUCCESS(status))
		status = RtlCreateAcl(acl, KSTACK_ACL_SIZE, ACL_REVISION);
	if (NT_SUCCESS(status))
		status = RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS,
						(PSID)&system);
	if (NT_SUCCESS(status))
		status = RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS,
						(PSID)&admins);
	if (NT_SUCCESS(status))
		status = RtlCreateSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
	if (NT_SUCCESS(status))
		status = RtlSetDaclSecurityDescriptor(&sd, TRUE, acl, FALSE);
	if (NT_SUCCESS(status))
		status = kstack_host.ob_set_security_object_by_pointer(dev,
			DACL_SECURITY_INFORMATION, &sd);
	ExFreePoolWithTag(acl, KSTACK_POOL_TAG);
	if (NT_SUCCESS(status))
		KSTACK_LOG("device ACL set: SYSTEM and Administrators only "
			   "(D:P(A;;GA;;;SY)(A;;GA;;;BA))");
	else
		KSTACK_LOG("setting the device ACL failed: 0x%08lx",
			   (unsigned long)status);
	return status;
}
