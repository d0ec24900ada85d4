// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Who may open \\.\KStack. The device hands out kernel memory and kernel
 * stacks, so, like /proc/PID/stack on Linux, it is for administrators only:
 * the caller must be an administrator (SYSTEM's token carries the
 * Administrators group too) or hold SeDebugPrivilege, enabled, which is
 * what Process Explorer-style tools turn on before opening their driver.
 * The seed relied on the default device ACL, which lets any user in.
 *
 * The check runs in IRP_MJ_CREATE, in the opening thread's context, on the
 * subject context the I/O manager captured for this open.
 *
 * Wine: the create IRP carries no SecurityContext (NULL, a FIXME in Wine's
 * ntoskrnl) and SeTokenIsAdmin is a stub that kills winedevice.exe, so only
 * the SeDebugPrivilege test runs there; Wine's SeSinglePrivilegeCheck
 * answers TRUE for every caller, so the refusal path cannot be shown under
 * Wine (see README.md).
 */
#include "kstack_drv.h"

static BOOLEAN kstack_caller_is_admin(PIO_STACK_LOCATION sp)
{
	PIO_SECURITY_CONTEXT sc = sp->Parameters.Create.SecurityContext;
	PACCESS_TOKEN token;

	if (!kstack_host.se_token_is_admin || !sc || !sc->AccessState)
		return FALSE;
	token = SeQuerySubjectContextToken(
		&sc->AccessState->SubjectSecurityContext);
	return token && kstack_host.se_token_is_admin(token);
}

static BOOLEAN kstack_caller_has_debug_privilege(KPROCESSOR_MODE mode)
{
	if (!kstack_host.se_single_privilege_check)
		return FALSE;
	return kstack_host.se_single_privilege_check(
		RtlConvertLongToLuid(SE_DEBUG_PRIVILEGE), mode);
}

NTSTATUS kstack_check_caller(PIRP irp, PIO_STACK_LOCATION sp)
{
	/* Another driver opening us from kernel mode is trusted already. */
	if (irp->RequestorMode == KernelMode)
		return STATUS_SUCCESS;
	if (kstack_caller_is_admin(sp))
		return STATUS_SUCCESS;
	if (kstack_caller_has_debug_privilege(irp->RequestorMode))
		return STATUS_SUCCESS;
	KSTACK_LOG("open refused: caller is not an administrator and does not "
		   "hold SeDebugPrivilege");
	return STATUS_ACCESS_DENIED;
}
