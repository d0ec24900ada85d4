// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The driver client: one handle, four requests. Every request starts with
 * its kstack_hdr {size, version}; METHOD_BUFFERED returns the filled-in
 * request (then the variable data) in the output buffer, except READ_MEMORY,
 * which returns only the bytes read: they land in the caller's buffer as
 * StackWalk64's read callback wants them, with no header to strip.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

const char *ks_strerror(DWORD err)
{
	static char buf[256];
	DWORD n;

	n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
			   NULL, err, MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT),
			   buf, sizeof(buf), NULL);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
		     buf[n - 1] == '.'))
		buf[--n] = '\0';
	if (!n)
		snprintf(buf, sizeof(buf), "error %lu", (unsigned long)err);
	return buf;
}

static DWORD ioctl(struct ks_device *dev, DWORD code, void *in, DWORD in_len,
		   void *out, DWORD out_len, DWORD *got)
{
	DWORD n = 0;

	if (got)
		*got = 0;
	if (dev->h == INVALID_HANDLE_VALUE)
		return dev->open_error ? dev->open_error : ERROR_NOT_READY;
	if (!DeviceIoControl(dev->h, code, in, in_len, out, out_len, &n, NULL))
		return GetLastError();
	if (got)
		*got = n;
	return 0;
}

DWORD ks_device_open(struct ks_device *dev)
{
	static const char *const names[] = {
		KSTACK_DEVICE_WIN32, "\\\\.\\Global\\KStack",
	};
	unsigned i;
	DWORD err = ERROR_FILE_NOT_FOUND, got;

	memset(dev, 0, sizeof(*dev));
	dev->h = INVALID_HANDLE_VALUE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* GENERIC_READ: the driver's codes demand FILE_READ_ACCESS. */
		dev->h = CreateFileA(names[i], GENERIC_READ, 0, NULL, OPEN_EXISTING,
				     FILE_ATTRIBUTE_NORMAL, NULL);
		if (dev->h != INVALID_HANDLE_VALUE)
			break;
		err = GetLastError();
	}
	if (dev->h == INVALID_HANDLE_VALUE) {
		dev->open_error = err;
		return err;
	}

	dev->ver.hdr.size = sizeof(dev->ver);
	dev->ver.hdr.version = KSTACK_PROTO_VERSION;
	err = ioctl(dev, KSTACK_IOCTL_VERSION, &dev->ver, sizeof(dev->ver),
		    &dev->ver, sizeof(dev->ver), &got);
	if (!err && (got < offsetof(struct kstack_version, release) ||
		     dev->ver.proto_version != KSTACK_PROTO_VERSION))
		err = ERROR_REVISION_MISMATCH;
	if (err) {
		CloseHandle(dev->h);
		dev->h = INVALID_HANDLE_VALUE;
		dev->open_error = err;
		return err;
	}
	dev->ver.release[sizeof(dev->ver.release) - 1] = '\0';
	return 0;
}

void ks_device_close(struct ks_device *dev)
{
	if (dev->h != INVALID_HANDLE_VALUE)
		CloseHandle(dev->h);
	dev->h = INVALID_HANDLE_VALUE;
}

DWORD ks_device_read(struct ks_device *dev, ULONG64 addr, void *buf, DWORD len)
{
	struct kstack_read_memory req;
	DWORD got = 0, err;

	if (len == 0 || len > KSTACK_READ_MAX)
		return ERROR_INVALID_PARAMETER;
	memset(&req, 0, sizeof(req));
	req.hdr.size = sizeof(req);
	req.hdr.version = KSTACK_PROTO_VERSION;
	req.address = addr;
	req.length = len;
	err = ioctl(dev, KSTACK_IOCTL_READ_MEMORY, &req, sizeof(req), buf, len, &got);
	if (!err && got != len)
		err = ERROR_PARTIAL_COPY;	/* never accept a silent short read */
	return err;
}

DWORD ks_device_stack(struct ks_device *dev, DWORD tid, ULONG64 *frames,
		      unsigned max, unsigned *nr, unsigned *flags)
{
	struct kstack_stack *req;
	DWORD size, got = 0, err;

	*nr = 0;
	*flags = 0;
	if (max > KSTACK_FRAMES_MAX)
		max = KSTACK_FRAMES_MAX;
	size = sizeof(*req) + max * sizeof(ULONG64);
	req = calloc(1, size);
	if (!req)
		return ERROR_NOT_ENOUGH_MEMORY;
	req->hdr.size = sizeof(*req);
	req->hdr.version = KSTACK_PROTO_VERSION;
	req->tid = tid;
	req->max_frames = max;
	err = ioctl(dev, KSTACK_IOCTL_STACK, req, sizeof(*req), req, size, &got);
	if (!err) {
		if (got < sizeof(*req) || req->nr_frames > max ||
		    got < sizeof(*req) + req->nr_frames * sizeof(ULONG64)) {
			err = ERROR_INVALID_DATA;
		} else {
			memcpy(frames, req + 1, req->nr_frames * sizeof(ULONG64));
			*nr = req->nr_frames;
			*flags = req->flags;
		}
	}
	free(req);
	return err;
}

DWORD ks_device_thread_context(struct ks_device *dev, DWORD tid,
			       struct kstack_thread_context *out)
{
	DWORD got = 0, err;

	memset(out, 0, sizeof(*out));
	out->hdr.size = sizeof(*out);
	out->hdr.version = KSTACK_PROTO_VERSION;
	out->tid = tid;
	err = ioctl(dev, KSTACK_IOCTL_THREAD_CONTEXT, out, sizeof(*out), out,
		    sizeof(*out), &got);
	if (!err && got < sizeof(*out))
		err = ERROR_INVALID_DATA;
	return err;
}
