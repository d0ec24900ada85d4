// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lockdown.h"
#include "snapshot.h"

/* A system grows threads between our two calls: a few tries suffice. */
#define KS_SNAPSHOT_TRIES 4

/* takes so far, in this process: each take's ks_snapshot.seq */
static uint64_t snapshot_takes;

struct ks_error *ks_snapshot_take(struct ks_driver *drv, uint64_t pid, uint32_t mode,
				  uint32_t max_frames, struct ks_snapshot *snap)
{
	int tries;

	if (!(drv->version.caps & KSTACK_CAP_SNAPSHOT))
		return ks_error_format(ENOTSUP, "driver has no SNAPSHOT");
	if (!snap->buf) {
		/*
		 * A too-small buffer costs a whole second capture, so start
		 * big: ~4,000 raw stacks fit. Only the pages the driver
		 * writes become resident.
		 */
		snap->cap = 16u << 20;
		snap->buf = malloc(snap->cap);
		if (!snap->buf)
			return &ks_error_nomem;
	}
	/* an older driver refuses the grown request's flags: send it v1 */
	snap->tails = drv->version.caps & KSTACK_CAP_SNAP_TAIL;
	for (tries = 0; tries < KS_SNAPSHOT_TRIES; tries++) {
		struct kstack_snapshot req = {
			.hdr = {
				.size = snap->tails ? sizeof(req) : KSTACK_SNAPSHOT_V1_SIZE,
				.version = KSTACK_PROTO_VERSION,
			},
			.pid = pid,
			.buffer = (uint64_t)(uintptr_t)snap->buf,
			.buffer_size = snap->cap,
			.mode = mode,
			.max_frames = max_frames,
			.flags = snap->tails ? KSTACK_SNAP_WANT_TAIL : 0,
		};
		uint8_t *nb;

		if (ioctl(drv->fd, KSTACK_IOCTL_SNAPSHOT, &req) == 0) {
			if (req.bytes_used > snap->cap)
				return ks_error_format(EPROTO, "SNAPSHOT used %llu of %zu bytes",
						       (unsigned long long)req.bytes_used, snap->cap);
			snap->seq = ++snapshot_takes;
			snap->used = (size_t)req.bytes_used;
			snap->nr = req.nr_threads;
			/* an older driver leaves nr_denied as sent (0) */
			snap->denied = (drv->version.caps & KSTACK_CAP_SNAP_DENIED) &&
				       req.nr_denied <= req.nr_skipped ? req.nr_denied : 0;
			snap->skipped = req.nr_skipped - snap->denied;
			return NULL;
		}
		if (errno != ENOSPC) {
			int e = errno;

			if (e == ESRCH)
				return ks_error_format(e, "process %llu: no such process",
						       (unsigned long long)pid);
			/*
			 * The caller passed (the device opened, VERSION answered):
			 * refused is the target, as /proc/PID/stack refuses it.
			 */
			if ((e == EPERM || e == EACCES) && pid &&
			    (mode != KSTACK_SNAP_RAW || !ks_memory_refused(drv)))
				return ks_error_format(EPERM, "process %llu: permission denied (%s)",
						       (unsigned long long)pid, KS_DENIED_WHY);
			if (e == E2BIG)
				return ks_error_format(e, "SNAPSHOT: more than %u threads%s; ask per process",
						       KSTACK_SNAP_MAX_THREADS,
						       pid ? " in this process" : " on the system");
			return ks_error_format(e, "SNAPSHOT: %s", strerror(e));
		}
		/* what it needed, plus a quarter for threads born meanwhile */
		if (req.bytes_needed > (1ull << 34))
			return ks_error_format(EFBIG, "SNAPSHOT needs %llu bytes",
					       (unsigned long long)req.bytes_needed);
		nb = realloc(snap->buf, (size_t)(req.bytes_needed + req.bytes_needed / 4));
		if (!nb)
			return &ks_error_nomem;
		snap->buf = nb;
		snap->cap = (size_t)(req.bytes_needed + req.bytes_needed / 4);
	}
	return ks_error_format(EAGAIN, "SNAPSHOT: buffer still too small after %d tries",
			       KS_SNAPSHOT_TRIES);
}

const struct kstack_snap_thread *ks_snapshot_next(const struct ks_snapshot *snap, size_t *off,
						  const void **data_ret, struct ks_error **err_ret)
{
	const struct kstack_snap_thread *r;
	size_t left, data;

	*err_ret = NULL;
	if (*off >= snap->used)
		return NULL;
	left = snap->used - *off;
	r = (const void *)(snap->buf + *off);
	if (left < sizeof(*r) || r->rec_size < sizeof(*r) || r->rec_size > left ||
	    r->rec_size % 8) {
		*err_ret = ks_error_format(EPROTO, "SNAPSHOT record at %zu: bad size", *off);
		return NULL;
	}
	data = (size_t)r->nr_frames * 8 + r->raw_len;
	if (data > r->rec_size - sizeof(*r) || (r->raw_len && r->raw_len > r->stack_size)) {
		*err_ret = ks_error_format(EPROTO, "SNAPSHOT record of thread %llu: data overruns it",
					   (unsigned long long)r->tid);
		return NULL;
	}
	if (r->flags & KSTACK_SNAP_F_TAIL) {
		const struct kstack_snap_tail *t;
		size_t after = r->rec_size - sizeof(*r) - ((data + 7) & ~(size_t)7);

		/* the tail is the record's end; the fixups sit right before it */
		t = (const void *)((const uint8_t *)r + r->rec_size - sizeof(*t));
		/* rec_size and the header are multiples of 8: after cannot wrap */
		if (after < sizeof(*t) ||
		    t->nr_ret_fixups > (after - sizeof(*t)) / sizeof(struct kstack_ret_fixup)) {
			*err_ret = ks_error_format(EPROTO,
						   "SNAPSHOT record of thread %llu: tail overruns it",
						   (unsigned long long)r->tid);
			return NULL;
		}
	}
	*data_ret = r + 1;
	*off += r->rec_size;
	return r;
}

const struct kstack_snap_tail *ks_snapshot_tail(const struct kstack_snap_thread *rec,
						const struct kstack_ret_fixup **fixups_ret)
{
	const struct kstack_snap_tail *t;

	if (fixups_ret)
		*fixups_ret = NULL;
	if (!(rec->flags & KSTACK_SNAP_F_TAIL))
		return NULL;
	t = (const void *)((const uint8_t *)rec + rec->rec_size - sizeof(*t));
	if (fixups_ret && t->nr_ret_fixups)
		*fixups_ret = (const struct kstack_ret_fixup *)t - t->nr_ret_fixups;
	return t;
}

struct ks_walk_thread ks_snapshot_walk_thread(const struct kstack_snap_thread *rec)
{
	struct ks_walk_thread t = {
		.stack_base = rec->stack_base,
		.stack_size = rec->stack_size,
		.saved_sp = rec->sp,
	};
	const struct kstack_snap_tail *tail = ks_snapshot_tail(rec, &t.fixups);

	t.nr_fixups = tail ? tail->nr_ret_fixups : 0;
	return t;
}

bool ks_snapshot_frames_end(const struct kstack_snap_thread *r, const void *frames,
			    struct ks_walk_result *end)
{
	const struct kstack_snap_tail *tail = ks_snapshot_tail(r, NULL);
	uint32_t why = tail ? tail->end : KSTACK_END_UNKNOWN;

	memset(end, 0, sizeof(*end));
	end->nr = r->nr_frames;
	/* where the walk gave up: after its last frame */
	if (r->nr_frames)
		memcpy(&end->stop_ip, (const uint8_t *)frames + (r->nr_frames - 1) * 8ul, 8);
	if ((r->flags & KSTACK_SNAP_F_TRUNCATED) || why == KSTACK_END_LIMIT) {
		end->stop = KS_STOP_MAX_FRAMES;
		return false;
	}
	/*
	 * a cut stack is never whole, whatever else the tail says. The
	 * UNRELIABLE flag on a walk that reached the user-mode entry means
	 * frames the kernel's unwinder stepped on its frame-pointer guess
	 * (BPF, trampolines): whole, as /proc prints it, but not reliable.
	 */
	if (!ks_snapshot_end_whole(why) ||
	    ((r->flags & KSTACK_SNAP_F_UNRELIABLE) && why != KSTACK_END_USER)) {
		end->stop = KS_STOP_UNRELIABLE;
		return false;
	}
	if (why == KSTACK_END_KTHREAD) {
		end->stop = KS_STOP_END_OF_STACK;
		end->reliable = true;
		return true;
	}
	/* user mode: without its registers there is no user line to print */
	if (!(r->flags & KSTACK_SNAP_F_USER_REGS)) {
		end->stop = KS_STOP_UNRELIABLE;
		return false;
	}
	end->stop = KS_STOP_USER;
	end->user_ip = tail->user.ip;
	end->user_sp = tail->user.sp;
	end->reliable = !(r->flags & KSTACK_SNAP_F_UNRELIABLE);
	return true;
}

void ks_snapshot_fini(struct ks_snapshot *snap)
{
	free(snap->buf);
	memset(snap, 0, sizeof(*snap));
}

bool ks_snapshot_leader_gone(const struct ks_snapshot *snap, uint64_t pid)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0;
	bool group = false;

	while ((r = ks_snapshot_next(snap, &off, &data, &err))) {
		if (r->tgid != pid)
			continue;
		if (r->tid == pid)
			return false;
		group = true;
	}
	ks_error_destroy(err);
	return group;
}
