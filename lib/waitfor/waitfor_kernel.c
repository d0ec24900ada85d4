// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel locks (waitfor.h): the driver's LOCK_WAIT (kstack_ioctl.h) for a
 * thread asleep in __mutex_lock, rwsem_down_*_slowpath, __down*, or in a
 * file lock's wait: the lock's address and its holder, or why not.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "waitfor.h"
#include "waitfor_int.h"

static uint32_t lock_kind_of(enum ks_wait_site site)
{
	switch (site) {
	case KS_SITE_MUTEX:
		return KSTACK_LOCK_MUTEX;
	case KS_SITE_RWSEM_READ:
	case KS_SITE_RWSEM_WRITE:
		return KSTACK_LOCK_RWSEM;
	case KS_SITE_SEMAPHORE:
		return KSTACK_LOCK_SEMAPHORE;
	case KS_SITE_FILE_LOCK:
		return KSTACK_LOCK_FILE;
	default:
		return KSTACK_LOCK_ANY;
	}
}

/* The answer's holder, or why none (req: LOCK_WAIT's, filled). */
static void owner_of(const struct kstack_lock_wait *req, struct ks_wait *w)
{
	w->addr = req->lock;
	w->tid = 0;
	if (req->flags & KSTACK_LW_WRITE)
		w->flags |= KS_WAIT_F_WRITE;
	if (req->flags & KSTACK_LW_OWNER) {
		w->why = KS_WHY_HELD;
		w->tid = req->owner_tid;
	} else if (req->flags & KSTACK_LW_READERS) {
		w->why = KS_WHY_READERS;
	} else if (req->flags & KSTACK_LW_OFD) {
		w->why = KS_WHY_OFD;
	} else if (req->flags & KSTACK_LW_OWNER_HIDDEN) {
		w->why = KS_WHY_OTHER_NS;
	} else if (req->flags & KSTACK_LW_OWNER_GONE) {
		w->why = KS_WHY_EXITED;
	} else {
		w->why = req->kind == KSTACK_LOCK_SEMAPHORE ? KS_WHY_SEM : KS_WHY_NO_OWNER;
	}
}

bool ks_waitfor_kernel(struct ks_waitfor *wf, uint64_t tid, enum ks_wait_site site,
		       struct ks_wait *w)
{
	struct kstack_lock_wait req;
	int e;

	switch (site) {
	case KS_SITE_MUTEX:
		w->kind = KS_WAIT_MUTEX;
		break;
	case KS_SITE_RWSEM_READ:
	case KS_SITE_RWSEM_WRITE:
		w->kind = KS_WAIT_RWSEM;
		break;
	case KS_SITE_SEMAPHORE:
		w->kind = KS_WAIT_SEMAPHORE;
		break;
	default:
		break;	/* a file lock: the caller set its kind */
	}
	if (site == KS_SITE_RWSEM_WRITE)
		w->flags |= KS_WAIT_F_WRITE;
	if (!wf->have_lock_wait) {
		w->why = KS_WHY_NO_DRIVER;
		return true;
	}
	memset(&req, 0, sizeof(req));
	req.hdr.size = sizeof(req);
	req.hdr.version = KSTACK_PROTO_VERSION;
	req.tid = tid;
	req.kind = lock_kind_of(site);
	if (ioctl(wf->drv->fd, KSTACK_IOCTL_LOCK_WAIT, &req) == 0) {
		owner_of(&req, w);
		return true;
	}
	e = errno;
	if (site == KS_SITE_FILE_LOCK && e != EAGAIN)
		return false;	/* /proc/locks may still tell */
	w->tid = 0;
	switch (e) {
	case EAGAIN:
	case EBUSY:
		w->why = KS_WHY_RAN;
		break;
	case ENOENT:
		w->why = KS_WHY_LOCK_NOT_FOUND;
		break;
	case EOPNOTSUPP:
		w->why = KS_WHY_LAYOUT;
		break;
	case ENOTTY:
		w->why = KS_WHY_NO_DRIVER;
		break;
	default:
		w->why = KS_WHY_FAILED;
		w->tid = (uint64_t)e;
		break;
	}
	return true;
}
