// SPDX-License-Identifier: GPL-2.0
/* What a thread waits for, as text (wait.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "wait.h"

static const char *const ks_wait_kinds[KS_WAIT_NKINDS] = {
	[KS_WAIT_NONE] = "none",
	[KS_WAIT_PTHREAD_MUTEX] = "pthread_mutex",
	[KS_WAIT_PI_FUTEX] = "pi_futex",
	[KS_WAIT_PTHREAD_RWLOCK] = "pthread_rwlock",
	[KS_WAIT_FUTEX] = "futex",
	[KS_WAIT_MUTEX] = "mutex",
	[KS_WAIT_RWSEM] = "rwsem",
	[KS_WAIT_SEMAPHORE] = "semaphore",
	[KS_WAIT_FLOCK] = "flock",
	[KS_WAIT_POSIX_LOCK] = "posix_lock",
};

const char *ks_wait_kind_name(enum ks_wait_kind k)
{
	return (unsigned int)k < KS_WAIT_NKINDS ? ks_wait_kinds[k] : "none";
}

const char *ks_wait_reason(const struct ks_wait *w, char *buf, size_t len)
{
	switch ((enum ks_wait_why)w->why) {
	case KS_WHY_HELD:
		return NULL;
	case KS_WHY_NO_OWNER:
		snprintf(buf, len, "no owner recorded");
		break;
	case KS_WHY_READERS:
		snprintf(buf, len, "held by readers");
		break;
	case KS_WHY_SEM:
		snprintf(buf, len, "a semaphore has no owner");
		break;
	case KS_WHY_EXITED:
		if (w->tid)
			snprintf(buf, len, "owner %" PRIu64 " has exited", w->tid);
		else
			snprintf(buf, len, "its owner has exited");
		break;
	case KS_WHY_OTHER_NS:
		if (w->tid)
			snprintf(buf, len, "owner %" PRIu64 " is in another pid namespace", w->tid);
		else
			snprintf(buf, len, "its owner is not in this pid namespace");
		break;
	case KS_WHY_OWNER_DIED:
		snprintf(buf, len, "its owner died holding it");
		break;
	case KS_WHY_NO_FRAMES:
		snprintf(buf, len, "no user frames to tell which object");
		break;
	case KS_WHY_UNREADABLE:
		snprintf(buf, len, "its memory is not readable: %s", strerror((int)w->tid));
		break;
	case KS_WHY_OFD:
		snprintf(buf, len, "an OFD lock: owned by an open file, not a process");
		break;
	case KS_WHY_NOT_FOUND:
		snprintf(buf, len, "its blocker is not in /proc/locks");
		break;
	case KS_WHY_NO_DRIVER:
		snprintf(buf, len, "the driver has no LOCK_WAIT");
		break;
	case KS_WHY_LAYOUT:
		snprintf(buf, len, "the driver's check of this kernel's lock layouts failed at load");
		break;
	case KS_WHY_LOCK_NOT_FOUND:
		snprintf(buf, len, "its waiter record was not found");
		break;
	case KS_WHY_RAN:
		snprintf(buf, len, "it ran while it was looked at");
		break;
	default:
		snprintf(buf, len, "lookup failed: %s", strerror((int)w->tid));
		break;
	}
	return buf;
}

const char *ks_wait_line(const struct ks_wait *w, char *buf, size_t len)
{
	char why[96], comm[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];
	const char *kind = ks_wait_kind_name((enum ks_wait_kind)w->kind);

	if (w->kind == KS_WAIT_NONE) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	if (w->why == KS_WHY_HELD) {
		ks_escape_str(comm, sizeof(comm), w->comm[0] ? w->comm : "-");
		snprintf(buf, len, "waiting for %s at 0x%" PRIx64 ", held by %" PRIu64 " %s", kind,
			 w->addr, w->tid, comm);
	} else {
		snprintf(buf, len, "waiting for %s at 0x%" PRIx64 ", holder unknown (%s)", kind,
			 w->addr, ks_wait_reason(w, why, sizeof(why)));
	}
	return buf;
}

bool ks_wait_same(const struct ks_wait *a, const struct ks_wait *b)
{
	if (a->kind != b->kind || a->addr != b->addr || a->why != b->why)
		return false;
	/* the /proc/locks fallback has no address: its holder tells the locks apart */
	return a->why != KS_WHY_HELD || a->tid == b->tid;
}
