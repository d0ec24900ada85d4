// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kdriver.h"

#define KS_HDR(req) \
	{ .size = sizeof(req), .version = KSTACK_PROTO_VERSION }

struct ks_error *ks_driver_open(struct ks_driver *drv, const char *path)
{
	struct kstack_version *v = &drv->version;

	if (!path)
		path = KSTACK_DEVICE_LINUX;
	memset(drv, 0, sizeof(*drv));
	drv->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (drv->fd < 0) {
		int e = errno;

		drv->fd = -1;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			return ks_error_format(e, "%s: %s: the kstack driver is not loaded (load it with: insmod kstack.ko, or modprobe kstack)",
					       path, strerror(e));
		if (e == EPERM || e == EACCES)
			return ks_error_format(e, "%s: %s: kstack needs root (CAP_SYS_ADMIN)",
					       path, strerror(e));
		return ks_error_format(e, "%s: %s", path, strerror(e));
	}
	v->hdr = (struct kstack_hdr)KS_HDR(*v);
	if (ioctl(drv->fd, KSTACK_IOCTL_VERSION, v) < 0) {
		int e = errno;

		ks_driver_close(drv);
		return ks_error_format(e, "%s: VERSION: %s", path, strerror(e));
	}
	if (v->proto_version != KSTACK_PROTO_VERSION) {
		uint32_t pv = v->proto_version;

		ks_driver_close(drv);
		return ks_error_format(EPROTO, "%s: driver speaks protocol %u, this tool %u",
				       path, pv, KSTACK_PROTO_VERSION);
	}
	return NULL;
}

void ks_driver_close(struct ks_driver *drv)
{
	if (drv->fd >= 0)
		close(drv->fd);
	drv->fd = -1;
}

struct ks_error *ks_driver_read(struct ks_driver *drv, uint64_t addr, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		struct kstack_read_memory req = { .hdr = KS_HDR(req) };
		uint32_t n = len > KSTACK_READ_MAX ? KSTACK_READ_MAX : (uint32_t)len;

		req.address = addr;
		req.buffer = (uint64_t)(uintptr_t)p;
		req.length = n;
		if (ioctl(drv->fd, KSTACK_IOCTL_READ_MEMORY, &req) < 0) {
			int e = errno;

			return ks_error_format(e, "READ_MEMORY %#llx+%u: %s%s",
					       (unsigned long long)addr, n, strerror(e),
					       e == EPERM ? " (address not in a range the driver allows)" : "");
		}
		if (req.bytes_read != n)
			return ks_error_format(EIO, "READ_MEMORY %#llx+%u: short read (%u)",
					       (unsigned long long)addr, n, req.bytes_read);
		addr += n;
		p += n;
		len -= n;
	}
	return NULL;
}

struct ks_error *ks_driver_read_cb(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return ks_driver_read(ctx, addr, buf, len);
}

struct ks_error *ks_driver_thread_context(struct ks_driver *drv, uint64_t tid,
					  struct kstack_thread_context *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->hdr = (struct kstack_hdr)KS_HDR(*ret);
	ret->tid = tid;
	if (ioctl(drv->fd, KSTACK_IOCTL_THREAD_CONTEXT, ret) < 0) {
		int e = errno;

		if (e == ESRCH)
			return ks_error_format(e, "thread %llu: no such thread (exited?)",
					       (unsigned long long)tid);
		if (e == EBUSY)
			return ks_error_format(e, "thread %llu: running on a CPU right now",
					       (unsigned long long)tid);
		if (e == EPERM || e == EACCES)
			return ks_error_format(EPERM, "thread %llu: permission denied (%s)",
					       (unsigned long long)tid, KS_DENIED_WHY);
		return ks_error_format(e, "thread %llu: THREAD_CONTEXT: %s",
				       (unsigned long long)tid, strerror(e));
	}
	ret->comm[KSTACK_COMM_LEN - 1] = '\0';
	return NULL;
}

struct ks_error *ks_driver_stack(struct ks_driver *drv, uint64_t tid, uint64_t *frames,
				 uint32_t max, struct kstack_stack *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->hdr = (struct kstack_hdr)KS_HDR(*ret);
	ret->tid = tid;
	ret->frames = (uint64_t)(uintptr_t)frames;
	ret->max_frames = max > KSTACK_FRAMES_MAX ? KSTACK_FRAMES_MAX : max;
	if (ioctl(drv->fd, KSTACK_IOCTL_STACK, ret) < 0) {
		int e = errno;

		if (e == ESRCH)
			return ks_error_format(e, "thread %llu: no such thread (exited?)",
					       (unsigned long long)tid);
		if (e == EBUSY || e == EAGAIN)
			return ks_error_format(e, "thread %llu: ran during the walk",
					       (unsigned long long)tid);
		if (e == EPERM || e == EACCES)
			return ks_error_format(EPERM, "thread %llu: permission denied (%s)",
					       (unsigned long long)tid, KS_DENIED_WHY);
		return ks_error_format(e, "thread %llu: STACK: %s",
				       (unsigned long long)tid, strerror(e));
	}
	if (ret->nr_frames > ret->max_frames)
		return ks_error_format(EPROTO, "thread %llu: STACK returned %u frames for %u",
				       (unsigned long long)tid, ret->nr_frames, ret->max_frames);
	return NULL;
}

struct ks_error *ks_driver_kernel_info(struct ks_driver *drv, struct kstack_kernel_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->hdr = (struct kstack_hdr)KS_HDR(*ret);
	if (ioctl(drv->fd, KSTACK_IOCTL_KERNEL_INFO, ret) < 0) {
		int e = errno;

		return ks_error_format(e, "KERNEL_INFO: %s%s", strerror(e),
				       e == ENOTTY ? " (driver older than this tool)" : "");
	}
	return NULL;
}

bool ks_driver_is_text(struct ks_driver *drv, uint64_t addr)
{
	char name[KSTACK_SYM_LEN];
	struct kstack_symbolize req = { .hdr = KS_HDR(req) };

	req.addrs = (uint64_t)(uintptr_t)&addr;
	req.names = (uint64_t)(uintptr_t)name;
	req.nr = 1;
	req.flags = KSTACK_SYM_TEXT;
	return ioctl(drv->fd, KSTACK_IOCTL_SYMBOLIZE, &req) == 0 && name[0];
}

/* modules loaded between our two calls: a few tries suffice */
#define KS_MODULE_ORC_TRIES 4

struct ks_error *ks_driver_module_orc(struct ks_driver *drv, struct kstack_module_orc **ret,
				      size_t *nr_ret)
{
	uint32_t max = 256;	/* a typical system has ~100 modules */
	int tries;

	*ret = NULL;
	*nr_ret = 0;
	if (!(drv->version.caps & KSTACK_CAP_MODULE_ORC))
		return ks_error_format(ENOTSUP, "driver has no MODULE_ORC");
	for (tries = 0; tries < KS_MODULE_ORC_TRIES; tries++) {
		struct kstack_module_orcs req = { .hdr = KS_HDR(req) };
		struct kstack_module_orc *buf = calloc(max, sizeof(*buf));
		int e;

		if (!buf)
			return &ks_error_nomem;
		req.buffer = (uint64_t)(uintptr_t)buf;
		req.max = max;
		if (ioctl(drv->fd, KSTACK_IOCTL_MODULE_ORC, &req) == 0) {
			if (req.nr > max) {
				free(buf);
				return ks_error_format(EPROTO, "MODULE_ORC wrote %u of %u entries",
						       req.nr, max);
			}
			*ret = buf;
			*nr_ret = req.nr;
			return NULL;
		}
		e = errno;
		free(buf);
		if (e != ENOSPC || req.nr >= KSTACK_MODULE_ORC_MAX)
			return ks_error_format(e, "MODULE_ORC: %s", strerror(e));
		max = req.nr + 16 < KSTACK_MODULE_ORC_MAX ? req.nr + 16 : KSTACK_MODULE_ORC_MAX;
	}
	return ks_error_format(EAGAIN, "MODULE_ORC: modules kept coming after %d tries",
			       KS_MODULE_ORC_TRIES);
}

struct ks_error *ks_driver_symbolize(struct ks_driver *drv, const uint64_t *addrs, uint32_t n,
				     bool retaddr, char (*names)[KSTACK_SYM_LEN])
{
	struct kstack_symbolize req = { .hdr = KS_HDR(req) };

	req.addrs = (uint64_t)(uintptr_t)addrs;
	req.names = (uint64_t)(uintptr_t)names;
	req.nr = n;
	req.flags = retaddr ? KSTACK_SYM_RETADDR : 0;
	if (ioctl(drv->fd, KSTACK_IOCTL_SYMBOLIZE, &req) < 0) {
		int e = errno;

		return ks_error_format(e, "SYMBOLIZE: %s", strerror(e));
	}
	return NULL;
}
