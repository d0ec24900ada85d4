// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "catch.h"

bool ks_catch_usable(const struct ks_driver *drv)
{
	return drv->version.caps & KSTACK_CAP_CATCH_RUNNING;
}

const struct kstack_snap_catch *ks_snapshot_catch(const struct kstack_snap_thread *rec,
						  const uint8_t **stack_ret)
{
	const struct kstack_snap_tail *t = ks_snapshot_tail(rec, NULL);
	const struct kstack_snap_catch *k;

	if (stack_ret)
		*stack_ret = NULL;
	if (!t || !(rec->flags & KSTACK_SNAP_F_CATCH))
		return NULL;
	/* right before the tail; its stack bytes before it (ks_snapshot_next() checked) */
	k = (const struct kstack_snap_catch *)t - 1;
	if (stack_ret && k->stack_len)
		*stack_ret = (const uint8_t *)k - ((k->stack_len + 7u) & ~7u);
	return k;
}

const uint8_t *ks_catch_frame_flags(const struct kstack_snap_thread *rec)
{
	static const uint8_t exact_first[KSTACK_FRAMES_MAX] = { 2 };
	const struct kstack_snap_catch *k = ks_snapshot_catch(rec, NULL);

	return k && k->how == KSTACK_CATCH_KERNEL && rec->nr_frames ? exact_first : NULL;
}

const char *ks_catch_missed_why(uint32_t missed)
{
	switch (missed) {
	case KSTACK_MISS_MIGRATED:
		return "it moved to another CPU before each call reached it";
	case KSTACK_MISS_OFFLINE:
		return "its CPU was going offline";
	case KSTACK_MISS_NO_REGS:
		return "no interrupted registers were found";
	default:
		return "not caught";
	}
}

static bool wanted(uint64_t tid, const uint64_t *only, size_t nonly)
{
	size_t i;

	for (i = 0; i < nonly; i++)
		if (only[i] == tid)
			return true;
	return !nonly;
}

/*
 * Replace the old bytes of the record at off with new (len of them),
 * growing the buffer if needed; new NULL: the record leaves.
 */
static struct ks_error *splice(struct ks_snapshot *snap, size_t off, size_t old,
			       const void *new, size_t len)
{
	size_t need = snap->used - old + len;

	if (need > snap->cap) {
		uint8_t *nb = realloc(snap->buf, need + need / 4);

		if (!nb)
			return &ks_error_nomem;
		snap->buf = nb;
		snap->cap = need + need / 4;
	}
	memmove(snap->buf + off + len, snap->buf + off + old, snap->used - off - old);
	if (len)
		memcpy(snap->buf + off, new, len);
	snap->used = need;
	return NULL;
}

/* The record the driver gives for tid into buf (cap bytes): 0, or errno. */
static int catch_one(struct ks_driver *drv, uint64_t tid, uint32_t max_frames, size_t stack_bytes,
		     void *buf, size_t cap, struct kstack_catch_running *req)
{
	memset(req, 0, sizeof(*req));
	req->hdr = (struct kstack_hdr){ .size = sizeof(*req), .version = KSTACK_PROTO_VERSION };
	req->tid = tid;
	req->record = (uint64_t)(uintptr_t)buf;
	req->record_size = (uint32_t)cap;
	req->max_frames = max_frames;
	req->stack_bytes = (uint32_t)stack_bytes;
	return ioctl(drv->fd, KSTACK_IOCTL_CATCH_RUNNING, req) ? errno : 0;
}

/* Is r one to take again with CATCH_RUNNING? */
static bool to_catch(const struct kstack_snap_thread *r, size_t stack_bytes, bool all)
{
	if (r->flags & KSTACK_SNAP_F_CATCH)
		return false;
	if (all || (r->flags & KSTACK_SNAP_F_RUNNING))
		return true;
	/* runnable (preempted), or ran through its capture: runs again soon */
	return stack_bytes && (r->flags & KSTACK_SNAP_F_USER_REGS) &&
	       (r->state == 0 || (r->flags & KSTACK_SNAP_F_RAN));
}

static struct ks_error *catch_records(struct ks_driver *drv, struct ks_snapshot *snap,
				      uint32_t max_frames, size_t stack_bytes, const uint64_t *only,
				      size_t nonly, bool all)
{
	const struct kstack_snap_thread *r;
	struct kstack_catch_running req;
	struct ks_error *err = NULL;
	const void *data;
	size_t off = 0, at, cap;
	uint8_t *buf;
	int e;

	if (!ks_catch_usable(drv) || !snap->tails)
		return NULL;
	if (max_frames < 1)
		max_frames = 1;
	if (max_frames > KSTACK_FRAMES_MAX)
		max_frames = KSTACK_FRAMES_MAX;
	if (stack_bytes > KSTACK_CATCH_STACK_MAX)
		stack_bytes = KSTACK_CATCH_STACK_MAX;
	cap = KSTACK_CATCH_RECORD_SIZE(max_frames, stack_bytes);
	buf = NULL;
	while (!err && (at = off, r = ks_snapshot_next(snap, &off, &data, &err))) {
		size_t old = r->rec_size;
		uint64_t tid = r->tid;

		if (!to_catch(r, stack_bytes, all) || !wanted(tid, only, nonly))
			continue;
		if (!buf) {
			buf = malloc(cap);
			if (!buf)
				return &ks_error_nomem;
		}
		e = catch_one(drv, tid, max_frames, stack_bytes, buf, cap, &req);
		if (e == ESRCH || e == EPERM || e == EACCES) {
			/* gone, or no longer ours to see (it exec'd): left out, as SNAPSHOT leaves it */
			err = splice(snap, at, old, NULL, 0);
			off = at;
			snap->nr--;
			if (e == ESRCH)
				snap->skipped++;
			else
				snap->denied++;
			continue;
		}
		if (e) {
			err = ks_error_format(e, "thread %llu: CATCH_RUNNING: %s",
					      (unsigned long long)tid, strerror(e));
			break;
		}
		if (req.rec_size > cap || req.rec_size < sizeof(*r) || req.rec_size % 8) {
			err = ks_error_format(EPROTO, "thread %llu: CATCH_RUNNING gave %u bytes",
					      (unsigned long long)tid, req.rec_size);
			break;
		}
		err = splice(snap, at, old, buf, req.rec_size);
		if (err)
			break;
		/* the new record, checked as every record is */
		off = at;
		r = ks_snapshot_next(snap, &off, &data, &err);
		if (!err && (!r || r->tid != tid))
			err = ks_error_format(EPROTO, "thread %llu: CATCH_RUNNING gave another thread",
					      (unsigned long long)tid);
	}
	free(buf);
	return err;
}

struct ks_error *ks_catch_running(struct ks_driver *drv, struct ks_snapshot *snap,
				  uint32_t max_frames, size_t stack_bytes, const uint64_t *only,
				  size_t nonly)
{
	return catch_records(drv, snap, max_frames, stack_bytes, only, nonly, false);
}

struct ks_error *ks_catch_threads(struct ks_driver *drv, struct ks_snapshot *snap,
				  uint32_t max_frames, size_t stack_bytes, const uint64_t *tids,
				  size_t n)
{
	/* no tids: none (not "every thread", as for ks_catch_running) */
	if (!n)
		return NULL;
	return catch_records(drv, snap, max_frames, stack_bytes, tids, n, true);
}
