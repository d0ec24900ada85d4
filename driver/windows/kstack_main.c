// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * KStack.sys: device, dispatch and unload.
 *  - DriverEntry undoes exactly what it created, in reverse, when a later
 *    step fails: a failed load leaves no device or link behind, and never
 *    deletes a link it did not make (it may be another driver's);
 *  - DriverUnload deletes the link (by the link's name), then the device:
 *    a link left behind keeps its name taken, and the next load's
 *    IoCreateSymbolicLink fails;
 *  - the device has its own ACL (SYSTEM and Administrators), and both
 *    IRP_MJ_CREATE and every ioctl check who is calling (kstack_access.c):
 *    the default device ACL lets any user in, and a handle can outlive or
 *    leave the caller that opened it;
 *  - IoStatus.Information is ULONG_PTR end to end: a ULONG would cut the
 *    byte count on x64;
 *  - one switch in the ioctl dispatch, each case one helper that checks the
 *    buffer lengths before it touches the buffer (METHOD_BUFFERED: the
 *    lengths are the caller's word, the buffer only as long as they say).
 */
#include "kstack_drv.h"

static const WCHAR kstack_device_name[] = L"\\Device\\KStack";
static const WCHAR kstack_link_name[] = L"\\DosDevices\\KStack";

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD kstack_unload;
static DRIVER_DISPATCH kstack_create_close;
static DRIVER_DISPATCH kstack_device_control;

static NTSTATUS kstack_complete(PIRP irp, NTSTATUS status, ULONG_PTR info)
{
	irp->IoStatus.Status = status;
	/* Nothing goes back to the caller with an error status. */
	irp->IoStatus.Information = NT_ERROR(status) ? 0 : info;
	IoCompleteRequest(irp, IO_NO_INCREMENT);
	return status;
}

static NTSTATUS NTAPI kstack_create_close(PDEVICE_OBJECT dev, PIRP irp)
{
	PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
	NTSTATUS status = STATUS_SUCCESS;

	UNREFERENCED_PARAMETER(dev);
	if (sp->MajorFunction == IRP_MJ_CREATE)
		status = kstack_check_caller(irp, sp);
	return kstack_complete(irp, status, 0);
}

static NTSTATUS NTAPI kstack_device_control(PDEVICE_OBJECT dev, PIRP irp)
{
	PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
	/* METHOD_BUFFERED: one system buffer holds the input, then the output. */
	void *buf = irp->AssociatedIrp.SystemBuffer;
	ULONG in_len = sp->Parameters.DeviceIoControl.InputBufferLength;
	ULONG out_len = sp->Parameters.DeviceIoControl.OutputBufferLength;
	ULONG_PTR info = 0;
	NTSTATUS status;

	UNREFERENCED_PARAMETER(dev);
	/* Who is asking comes first, for every code (VERSION too: it holds a
	 * driver address, the self-test buffer). */
	status = kstack_check_request(irp, sp->Parameters.DeviceIoControl.IoControlCode);
	if (!NT_SUCCESS(status))
		return kstack_complete(irp, status, 0);
	switch (sp->Parameters.DeviceIoControl.IoControlCode) {
	case KSTACK_IOCTL_VERSION:
		status = kstack_ioctl_version(buf, in_len, out_len, &info);
		break;
	case KSTACK_IOCTL_READ_MEMORY:
		status = kstack_ioctl_read_memory(buf, in_len, out_len, &info);
		break;
	case KSTACK_IOCTL_THREAD_CONTEXT:
		status = kstack_ioctl_thread_context(buf, in_len, out_len, &info);
		break;
	case KSTACK_IOCTL_STACK:
		status = kstack_ioctl_stack(buf, in_len, out_len, &info);
		break;
	default:
		/* Documented in README.md: unknown code → ERROR_INVALID_FUNCTION. */
		status = STATUS_INVALID_DEVICE_REQUEST;
		break;
	}
	return kstack_complete(irp, status, info);
}

static VOID NTAPI kstack_unload(PDRIVER_OBJECT drv)
{
	UNICODE_STRING link;

	KSTACK_LOG("unloading");
	/* An APC still queued would run code that is about to go away. */
	kstack_stack_drain();
	RtlInitUnicodeString(&link, kstack_link_name);
	IoDeleteSymbolicLink(&link);
	IoDeleteDevice(drv->DeviceObject);
	KSTACK_LOG("unloaded: link and device deleted");
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT drv, PUNICODE_STRING reg_path)
{
	UNICODE_STRING name, link;
	PDEVICE_OBJECT dev = NULL;
	NTSTATUS status;

	UNREFERENCED_PARAMETER(reg_path);
	kstack_self_test_init();
	status = kstack_host_init();
	if (!NT_SUCCESS(status)) {
		KSTACK_LOG("host probe failed: 0x%08lx", (unsigned long)status);
		return status;
	}
	/* STACK leaves our own frames out of a thread's stack (kstack_stack.c). */
	kstack_host.image_start = (ULONG_PTR)drv->DriverStart;
	kstack_host.image_end = kstack_host.image_start + drv->DriverSize;

	/* Handlers first: the device is openable as soon as the link exists. */
	drv->MajorFunction[IRP_MJ_CREATE] = kstack_create_close;
	drv->MajorFunction[IRP_MJ_CLOSE] = kstack_create_close;
	drv->MajorFunction[IRP_MJ_DEVICE_CONTROL] = kstack_device_control;
	drv->DriverUnload = kstack_unload;

	RtlInitUnicodeString(&name, kstack_device_name);
	status = IoCreateDevice(drv, 0, &name, FILE_DEVICE_UNKNOWN,
				FILE_DEVICE_SECURE_OPEN | FILE_READ_ONLY_DEVICE,
				FALSE, &dev);
	if (!NT_SUCCESS(status)) {
		KSTACK_LOG("IoCreateDevice failed: 0x%08lx", (unsigned long)status);
		return status;	/* nothing created yet, nothing to undo */
	}

	/* Before the link exists: nobody can open it with the default ACL. */
	status = kstack_secure_device(dev);
	if (!NT_SUCCESS(status)) {
		IoDeleteDevice(dev);
		return status;
	}

	RtlInitUnicodeString(&link, kstack_link_name);
	status = IoCreateSymbolicLink(&link, &name);
	if (!NT_SUCCESS(status)) {
		KSTACK_LOG("IoCreateSymbolicLink failed: 0x%08lx",
			   (unsigned long)status);
		IoDeleteDevice(dev);	/* the link was not made: only the device */
		return status;
	}

	KSTACK_LOG("loaded: protocol %u, driver 0x%06x, OS %lu.%lu build %lu%s, caps 0x%lx",
		   KSTACK_PROTO_VERSION, KSTACK_DRIVER_VERSION,
		   kstack_host.os_major, kstack_host.os_minor,
		   kstack_host.os_build, kstack_host.wine ? " (Wine host)" : "",
		   kstack_host_caps());
	return STATUS_SUCCESS;
}
