// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Who may open \\.\KStack, and who may ask it anything. The device hands
 * out kernel memory and kernel stacks, so, like /proc/PID/stack on Linux,
 * it is for administrators only:
 * the caller must be an administrator (SYSTEM's token carries the
 * Administrators group too) or hold SeDebugPrivilege, enabled, which is
 * what Process Explorer-style tools turn on before opening their driver.
 * The default device ACL would let any user in.
 *
 * The check runs twice: in IRP_MJ_CREATE, on the subject context the I/O
 * manager captured for this open, and again on every ioctl, on the thread
 * that sends it (METHOD_BUFFERED dispatch runs in the caller's context) —
 * as System Informer's driver checks each request at the door. A handle
 * outlives the rights of whoever opened it: it can be inherited, duplicated
 * into a process of a plain user, or kept after the opener dropped its
 * privileges; only a check per request sees who is asking now. The device
 * ACL (kstack_security.c) keeps everyone else from opening at all.
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

/* The thread sending this request, by its effective token. Not on Wine
 * (SeCaptureSubjectContext and SeTokenIsAdmin are stubs there). */
static BOOLEAN kstack_current_thread_is_admin(void)
{
	SECURITY_SUBJECT_CONTEXT sc;
	PACCESS_TOKEN token;
	BOOLEAN admin;

	if (kstack_host.wine || !kstack_host.se_token_is_admin)
		return FALSE;
	SeCaptureSubjectContext(&sc);
	token = SeQuerySubjectContextToken(&sc);
	admin = token && kstack_host.se_token_is_admin(token);
	SeReleaseSubjectContext(&sc);
	return admin;
}

NTSTATUS kstack_check_request(PIRP irp, ULONG code)
{
	if (irp->RequestorMode == KernelMode)
		return STATUS_SUCCESS;
	if (kstack_current_thread_is_admin())
		return STATUS_SUCCESS;
	if (kstack_caller_has_debug_privilege(irp->RequestorMode))
		return STATUS_SUCCESS;
	KSTACK_LOG("request 0x%08lx refused: the calling thread is not an "
		   "administrator and does not hold SeDebugPrivilege",
		   (unsigned long)code);
	return STATUS_ACCESS_DENIED;
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
