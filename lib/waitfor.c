// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds it (waitfor.h): which kind of wait a thread is in, from its
 * kernel frames, handed to the lookup of that kind (waitfor_user.c,
 * waitfor_file.c, waitfor_kernel.c); the holder checked and named; the
 * line the listing prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capture.h"
#include "escape.h"
#include "pipeline.h"
#include "waitfor.h"
#include "waitfor_int.h"

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

/* A holder's name, looked up once a round. */
struct ks_waitfor_comm {
	uint64_t tid, tgid;	/* tgid: the process it was looked for in (0: any) */
	int err;		/* 0: comm is its name */
	char comm[KSTACK_COMM_LEN];
};

static bool comm_eq(const void *val, const void *key)
{
	const struct ks_waitfor_comm *c = val;
	const uint64_t *k = key;

	return c->tid == k[0] && c->tgid == k[1];
}

void ks_waitfor_init(struct ks_waitfor *wf, struct ks_driver *drv)
{
	ssize_t n;

	memset(wf, 0, sizeof(*wf));
	wf->drv = drv;
	wf->have_lock_wait = drv && (drv->version.caps & KSTACK_CAP_LOCK_WAIT);
	n = readlink("/proc/self/ns/pid", wf->self_ns, sizeof(wf->self_ns) - 1);
	wf->self_ns[n > 0 ? n : 0] = '\0';
}

void ks_waitfor_reset(struct ks_waitfor *wf)
{
	size_t pos = 0;
	void *v;

	while ((v = ks_hashtab_next(&wf->comms, &pos)))
		free(v);
	ks_hashtab_fini(&wf->comms);
	memset(&wf->comms, 0, sizeof(wf->comms));
	free(wf->locks);
	wf->locks = NULL;
	wf->locks_len = 0;
	wf->locks_read = false;
	wf->ns_tgid = 0;
}

void ks_waitfor_fini(struct ks_waitfor *wf)
{
	ks_waitfor_reset(wf);
	memset(wf, 0, sizeof(*wf));
}

/* A frame name's function without a compiler suffix (".constprop.0", ".isra.0", ".cold"). */
static bool func_is(const struct ks_name_parts *p, const char *name)
{
	size_t n = strlen(name);

	return p->func_len >= n && !memcmp(p->func, name, n) &&
	       (p->func_len == n || p->func[n] == '.');
}

static bool func_starts(const struct ks_name_parts *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return p->func_len >= n && !memcmp(p->func, prefix, n);
}

enum ks_wait_site ks_wait_site_of(const char *const *names, size_t n)
{
	static const char *const sems[] = {
		"__down", "__down_common", "__down_interruptible", "__down_killable",
		"__down_timeout",
	};
	static const char *const files[] = {
		"flock_lock_inode_wait", "locks_lock_inode_wait", "locks_lock_file_wait",
		"__do_sys_flock", "__x64_sys_flock", "__ia32_sys_flock", "do_lock_file_wait",
		"fcntl_setlk", "fcntl_setlk64",
	};
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct ks_name_parts p;

		ks_name_split(names[i], &p);
		/* asleep in a page fault (a userfaultfd, a slow disk): not a lock of these */
		if (func_is(&p, "asm_exc_page_fault") || func_is(&p, "exc_page_fault") ||
		    func_is(&p, "handle_userfault"))
			return KS_SITE_NONE;
		if (func_starts(&p, "__mutex_lock"))
			return KS_SITE_MUTEX;
		if (func_is(&p, "rwsem_down_write_slowpath"))
			return KS_SITE_RWSEM_WRITE;
		if (func_is(&p, "rwsem_down_read_slowpath"))
			return KS_SITE_RWSEM_READ;
		for (k = 0; k < sizeof(sems) / sizeof(sems[0]); k++)
			if (func_is(&p, sems[k]))
				return KS_SITE_SEMAPHORE;
		for (k = 0; k < sizeof(files) / sizeof(files[0]); k++)
			if (func_is(&p, files[k]))
				return KS_SITE_FILE_LOCK;
		if (func_is(&p, "futex_wait_queue") || func_is(&p, "futex_wait") ||
		    func_is(&p, "futex_lock_pi") || func_is(&p, "futex_wait_requeue_pi") ||
		    func_is(&p, "do_futex"))
			return KS_SITE_FUTEX;
	}
	return KS_SITE_NONE;
}

/* Reads of the waiting thread's process, without stopping it. */
static int read_process(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const uint64_t *tid = ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv((pid_t)*tid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? errno : EFAULT;
}

static const struct kstack_user_regs *regs_of(const struct ks_pipe_thread *t)
{
	const struct kstack_snap_tail *tail;

	if (t->ut)
		return &t->ut->regs;
	if (!t->rec || !(t->rec->flags & KSTACK_SNAP_F_USER_REGS))
		return NULL;
	tail = ks_snapshot_tail(t->rec, NULL);
	return tail ? &tail->user : NULL;
}

/* Is process tgid in our pid namespace (the TIDs its memory records are ours)? */
static bool ns_ours(struct ks_waitfor *wf, uint64_t tgid)
{
	char path[64], ns[64];
	ssize_t n;

	if (wf->ns_tgid == tgid)
		return wf->ns_ours;
	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/ns/pid", tgid);
	n = readlink(path, ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = '\0';
	wf->ns_tgid = tgid;
	/* unreadable: take it as ours, the names below will tell */
	wf->ns_ours = n <= 0 || !wf->self_ns[0] || !strcmp(ns, wf->self_ns);
	return wf->ns_ours;
}

/* Thread tid's name (in process tgid's task list; tgid 0: anywhere): 0 or an errno. */
static int holder_comm(struct ks_waitfor *wf, uint64_t tid, uint64_t tgid, char *comm)
{
	uint64_t key[2] = { tid, tgid }, h = ks_hash_mix(ks_hash_u64(tid), tgid);
	struct ks_waitfor_comm *c = ks_hashtab_get(&wf->comms, h, comm_eq, key);
	char path[96];
	ssize_t n;
	int fd;

	if (c) {
		memcpy(comm, c->comm, KSTACK_COMM_LEN);
		return c->err;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->tid = tid;
		c->tgid = tgid;
	}
	if (tgid)
		snprintf(path, sizeof(path), "/proc/%" PRIu64 "/task/%" PRIu64 "/comm", tgid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%" PRIu64 "/comm", tid);
	memset(comm, 0, KSTACK_COMM_LEN);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, comm, KSTACK_COMM_LEN - 1);
	if (fd >= 0)
		close(fd);
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	if (c) {
		c->err = n < 0 ? (errno ? errno : ENOENT) : 0;
		memcpy(c->comm, comm, KSTACK_COMM_LEN);
		if (!ks_hashtab_add(&wf->comms, h, c)) {
			free(c);
			return n < 0 ? ENOENT : 0;
		}
		return c->err;
	}
	return n < 0 ? ENOENT : 0;
}

/*
 * A user lock's holder, a TID its memory records: in our pid namespace
 * only if the waiter's process is; alive, and in the waiter's process
 * unless the lock is process-shared.
 */
static void check_user_holder(struct ks_waitfor *wf, uint64_t tgid, struct ks_wait *w)
{
	if (!ns_ours(wf, tgid)) {
		w->why = KS_WHY_OTHER_NS;
		return;
	}
	if (!holder_comm(wf, w->tid, tgid, w->comm))
		return;
	if ((w->flags & KS_WAIT_F_SHARED) && !holder_comm(wf, w->tid, 0, w->comm))
		return;
	w->why = KS_WHY_EXITED;
}

struct ks_error *ks_waitfor_thread(struct ks_waitfor *wf, const struct ks_pipe_thread *t,
				   struct ks_wait *w)
{
	const char *names[64], *unames[8];
	const struct kstack_user_regs *regs;
	struct ks_futex_call fc;
	enum ks_wait_site site;
	uint64_t tid = t->tid;
	size_t n, nu = 0, i;

	memset(w, 0, sizeof(*w));
	if ((t->kind != KS_PIPE_RECORD && t->kind != KS_PIPE_ALONE) || !t->kstack)
		return NULL;
	n = ks_cap_stack_n(t->kstack);
	if (n > sizeof(names) / sizeof(names[0]))
		n = sizeof(names) / sizeof(names[0]);
	for (i = 0; i < n; i++)
		names[i] = t->kstack->f[i].name;
	site = ks_wait_site_of(names, n);
	regs = regs_of(t);
	switch (site) {
	case KS_SITE_NONE:
		return NULL;
	case KS_SITE_FUTEX:
		if (!regs || !ks_futex_call_of(regs, &fc))
			return NULL;
		for (i = 0; t->uw && i < t->uw->nr && nu < sizeof(unames) / sizeof(unames[0]); i++)
			unames[nu++] = t->uw->frames[i].name;
		ks_wait_futex(&fc, unames, nu, read_process, &tid, w);
		if (w->why == KS_WHY_HELD)
			check_user_holder(wf, t->tgid, w);
		break;
	case KS_SITE_FILE_LOCK:
		ks_waitfor_file(wf, t->tid, t->tgid, regs, w);
		if (w->why == KS_WHY_HELD && holder_comm(wf, w->tid, 0, w->comm))
			w->why = KS_WHY_EXITED;
		break;
	default:
		ks_waitfor_kernel(wf, t->tid, site, w);
		/* the driver found it alive a moment ago: unnamed rather than gone */
		if (w->why == KS_WHY_HELD)
			holder_comm(wf, w->tid, 0, w->comm);
		break;
	}
	if (w->kind == KS_WAIT_NONE)
		return NULL;
	if (t->ran || (t->ut && (t->ut->flags & KS_UT_RAN)))
		w->flags |= KS_WAIT_F_RAN;
	wf->waiting++;
	if (w->why == KS_WHY_HELD)
		wf->held++;
	return NULL;
}
