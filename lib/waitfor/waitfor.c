// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds it (waitfor.h): which kind of wait a thread is in, from its
 * kernel frames, handed to the lookup of that kind (waitfor_user.c,
 * waitfor_file.c, waitfor_kernel.c); the holder checked and named; the
 * wait-for graph's cycles confirmed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "waitfor.h"
#include "waitfor_int.h"

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

struct ks_error *ks_waitfor_thread(struct ks_waitfor *wf, const struct ks_waitfor_thread *t,
				   struct ks_wait *w)
{
	const char *names[64], *unames[8];
	const struct kstack_user_regs *regs = t->regs;
	struct ks_futex_call fc;
	enum ks_wait_site site;
	uint64_t tid = t->tid;
	size_t n, nu = 0, i;

	memset(w, 0, sizeof(*w));
	if (!t->kstack)
		return NULL;
	n = ks_cap_stack_n(t->kstack);
	if (n > sizeof(names) / sizeof(names[0]))
		n = sizeof(names) / sizeof(names[0]);
	for (i = 0; i < n; i++)
		names[i] = t->kstack->f[i].name;
	site = ks_wait_site_of(names, n);
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
	if (t->ran)
		w->flags |= KS_WAIT_F_RAN;
	wf->waiting++;
	if (w->why == KS_WHY_HELD)
		wf->held++;
	return NULL;
}

struct ks_error *ks_waitfor_confirm(const struct ks_waitgraph *g, const struct ks_wg_cycle *c,
				    struct ks_driver *drv, struct ks_snapshot *snap,
				    bool *ok_ret, uint64_t *moved_ret)
{
	size_t i, j;

	*ok_ret = true;
	*moved_ret = 0;
	for (i = 0; i < c->n; i++) {
		const struct ks_wg_node *nd = &g->v[c->v[i]];
		const struct kstack_snap_thread *r;
		struct ks_error *err;
		const void *data;
		size_t off = 0, want = 0, seen = 0;

		/* one SNAPSHOT per process: members of one taken before were checked with it */
		for (j = 0; j < i; j++)
			if (g->v[c->v[j]].tgid == nd->tgid)
				break;
		if (j < i)
			continue;
		err = ks_snapshot_take(drv, nd->tgid, KSTACK_SNAP_FRAMES, 1, snap);
		if (err && (err->code == ESRCH || err->code == EPERM)) {
			ks_error_destroy(err);
			*ok_ret = false;
			*moved_ret = nd->tid;
			return NULL;
		}
		if (err)
			return err;
		for (j = 0; j < c->n; j++)
			want += g->v[c->v[j]].tgid == nd->tgid;
		while ((r = ks_snapshot_next(snap, &off, &data, &err))) {
			for (j = 0; j < c->n; j++) {
				const struct ks_wg_node *m = &g->v[c->v[j]];

				if (m->tid != r->tid || m->tgid != nd->tgid)
					continue;
				seen++;
				if ((r->flags & KSTACK_SNAP_F_RUNNING) || r->nvcsw_before != m->nvcsw ||
				    r->nivcsw_before != m->nivcsw) {
					*ok_ret = false;
					*moved_ret = m->tid;
					return NULL;
				}
			}
		}
		if (err)
			return err;
		if (seen != want) {
			*ok_ret = false;
			*moved_ret = nd->tid;
			return NULL;
		}
	}
	return NULL;
}

struct ks_error *ks_waitfor_cycles(struct ks_waitgraph *g, struct ks_driver *drv,
				   void (*note)(void *arg, uint64_t first, uint64_t moved),
				   void *note_arg)
{
	struct ks_snapshot snap = { 0 };
	struct ks_error *err = ks_waitgraph_cycles(g);
	size_t i = 0;

	while (!err && i < g->ncycles) {
		uint64_t moved;
		bool ok;

		err = ks_waitfor_confirm(g, &g->cycles[i], drv, &snap, &ok, &moved);
		if (err || ok) {
			i++;
			continue;
		}
		if (note)
			note(note_arg, g->v[g->cycles[i].v[0]].tid, moved);
		ks_waitgraph_drop(g, i);
	}
	ks_snapshot_fini(&snap);
	return err;
}
