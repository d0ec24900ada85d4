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
	pos = 0;
	while ((v = ks_hashtab_next(&wf->words, &pos)))
		free(v);
	ks_hashtab_fini(&wf->words);
	memset(&wf->words, 0, sizeof(wf->words));
	/* the stacks of a pool outlive a round, but not the pool's own fini: forget them */
	pos = 0;
	while ((v = ks_hashtab_next(&wf->sites, &pos)))
		free(v);
	ks_hashtab_fini(&wf->sites);
	memset(&wf->sites, 0, sizeof(wf->sites));
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

/* A wait function of the kernel's, and what a thread asleep under it waits for. */
struct ks_site_fn {
	const char *name;
	size_t len;
	uint8_t site;		/* enum ks_wait_site, or KS_SITE_STOP */
	bool prefix;		/* any function whose name starts so */
};

/* asleep in a page fault (a userfaultfd, a slow disk): not a lock of these */
#define KS_SITE_STOP	0xff
#define KS_FN(n, s, pre) { n, sizeof(n) - 1, s, pre }

static const struct ks_site_fn ks_site_fns[] = {
	KS_FN("asm_exc_page_fault", KS_SITE_STOP, false),
	KS_FN("exc_page_fault", KS_SITE_STOP, false),
	KS_FN("handle_userfault", KS_SITE_STOP, false),
	KS_FN("__mutex_lock", KS_SITE_MUTEX, true),
	KS_FN("rwsem_down_write_slowpath", KS_SITE_RWSEM_WRITE, false),
	KS_FN("rwsem_down_read_slowpath", KS_SITE_RWSEM_READ, false),
	KS_FN("__down", KS_SITE_SEMAPHORE, false),
	KS_FN("__down_common", KS_SITE_SEMAPHORE, false),
	KS_FN("__down_interruptible", KS_SITE_SEMAPHORE, false),
	KS_FN("__down_killable", KS_SITE_SEMAPHORE, false),
	KS_FN("__down_timeout", KS_SITE_SEMAPHORE, false),
	KS_FN("flock_lock_inode_wait", KS_SITE_FILE_LOCK, false),
	KS_FN("locks_lock_inode_wait", KS_SITE_FILE_LOCK, false),
	KS_FN("locks_lock_file_wait", KS_SITE_FILE_LOCK, false),
	KS_FN("__do_sys_flock", KS_SITE_FILE_LOCK, false),
	KS_FN("__x64_sys_flock", KS_SITE_FILE_LOCK, false),
	KS_FN("__ia32_sys_flock", KS_SITE_FILE_LOCK, false),
	KS_FN("do_lock_file_wait", KS_SITE_FILE_LOCK, false),
	KS_FN("fcntl_setlk", KS_SITE_FILE_LOCK, false),
	KS_FN("fcntl_setlk64", KS_SITE_FILE_LOCK, false),
	KS_FN("futex_wait_queue", KS_SITE_FUTEX, false),
	KS_FN("futex_wait", KS_SITE_FUTEX, false),
	KS_FN("futex_lock_pi", KS_SITE_FUTEX, false),
	KS_FN("futex_wait_requeue_pi", KS_SITE_FUTEX, false),
	KS_FN("do_futex", KS_SITE_FUTEX, false),
};

/*
 * Does function f (without its module and offset) name fn? A compiler
 * suffix (".constprop.0", ".isra.0", ".cold") is the same function.
 */
static bool site_fn_is(const struct ks_site_fn *fn, const char *f, size_t len)
{
	return len >= fn->len && !memcmp(f, fn->name, fn->len) &&
	       (fn->prefix || len == fn->len || f[fn->len] == '.');
}

enum ks_wait_site ks_wait_site_of(const char *const *names, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct ks_name_parts p;

		ks_name_split(names[i], &p);
		/* every wait function starts with one of these letters */
		if (!p.func_len || !strchr("_aehrfld", p.func[0]))
			continue;
		for (k = 0; k < sizeof(ks_site_fns) / sizeof(ks_site_fns[0]); k++) {
			const struct ks_site_fn *fn = &ks_site_fns[k];

			if (site_fn_is(fn, p.func, p.func_len))
				return fn->site == KS_SITE_STOP ? KS_SITE_NONE :
								  (enum ks_wait_site)fn->site;
		}
	}
	return KS_SITE_NONE;
}

/* A kernel stack's site, found once: stacks are interned (capture.h). */
struct ks_waitfor_site {
	const struct ks_cap_stack *stack;
	enum ks_wait_site site;
};

static bool site_eq(const void *val, const void *key)
{
	return ((const struct ks_waitfor_site *)val)->stack == key;
}

static enum ks_wait_site site_of_stack(struct ks_waitfor *wf, const struct ks_cap_stack *st)
{
	uint64_t h = ks_hash_u64((uint64_t)(uintptr_t)st);
	struct ks_waitfor_site *c = ks_hashtab_get(&wf->sites, h, site_eq, st);
	const char *names[64];
	size_t n = ks_cap_stack_n(st), i;
	enum ks_wait_site site;

	if (c)
		return c->site;
	if (n > sizeof(names) / sizeof(names[0]))
		n = sizeof(names) / sizeof(names[0]);
	for (i = 0; i < n; i++)
		names[i] = st->f[i].name;
	site = ks_wait_site_of(names, n);
	c = malloc(sizeof(*c));
	if (c) {
		c->stack = st;
		c->site = site;
		if (!ks_hashtab_add(&wf->sites, h, c))
			free(c);	/* found again next time */
	}
	return site;
}

/* A futex word of a process: the thread whose frames tell its object, and the answer. */
struct ks_waitfor_word {
	uint64_t tgid, uaddr;
	uint64_t tid;		/* whose user half is taken */
	bool done;		/* w is its answer */
	struct ks_wait w;
};

static bool word_eq(const void *val, const void *key)
{
	const struct ks_waitfor_word *x = val;
	const uint64_t *k = key;

	return x->tgid == k[0] && x->uaddr == k[1];
}

static struct ks_waitfor_word *word_of(struct ks_waitfor *wf, uint64_t tgid, uint64_t uaddr,
				       uint64_t *hash_ret)
{
	uint64_t key[2] = { tgid, uaddr };

	*hash_ret = ks_hash_mix(ks_hash_u64(tgid), uaddr);
	return ks_hashtab_get(&wf->words, *hash_ret, word_eq, key);
}

bool ks_waitfor_user_wanted(void *arg, const struct kstack_snap_thread *r,
			    const struct kstack_user_regs *regs)
{
	struct ks_waitfor *wf = arg;
	struct ks_waitfor_word *wd;
	struct ks_futex_call c;
	uint64_t h;

	if (!regs || !ks_futex_call_of(regs, &c))
		return false;
	if (!wf || word_of(wf, r->tgid, c.uaddr, &h))
		return !wf;
	wd = calloc(1, sizeof(*wd));
	if (!wd)
		return true;	/* its own walk, then */
	wd->tgid = r->tgid;
	wd->uaddr = c.uaddr;
	wd->tid = r->tid;
	if (!ks_hashtab_add(&wf->words, h, wd))
		free(wd);
	return true;
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
	const struct kstack_user_regs *regs = t->regs;
	const char *unames[8];
	struct ks_waitfor_word *wd;
	struct ks_futex_call fc;
	enum ks_wait_site site;
	uint64_t tid = t->tid, h;
	size_t nu = 0, i;

	memset(w, 0, sizeof(*w));
	if (!t->kstack)
		return NULL;
	site = site_of_stack(wf, t->kstack);
	switch (site) {
	case KS_SITE_NONE:
		return NULL;
	case KS_SITE_FUTEX:
		if (!regs || !ks_futex_call_of(regs, &fc))
			return NULL;
		wd = word_of(wf, t->tgid, fc.uaddr, &h);
		if (wd && wd->done && !t->uw && wd->tid != t->tid) {
			/* the same word as a thread whose frames told it: the same answer */
			*w = wd->w;
			w->flags &= (uint16_t)~KS_WAIT_F_RAN;
			break;
		}
		for (i = 0; t->uw && i < t->uw->nr && nu < sizeof(unames) / sizeof(unames[0]); i++)
			unames[nu++] = t->uw->frames[i].name;
		ks_wait_futex(&fc, unames, nu, read_process, &tid, w);
		if (w->why == KS_WHY_HELD)
			check_user_holder(wf, t->tgid, w);
		if (wd && wd->tid == t->tid) {
			wd->w = *w;
			wd->done = true;
		}
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
