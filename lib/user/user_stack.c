// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "user_stack.h"
#include "vec.h"

#ifndef IOV_MAX
#define IOV_MAX 1024	/* UIO_MAXIOV, include/uapi/linux/uio.h */
#endif

void ks_user_proc_init(struct ks_user_proc *p, uint64_t pid)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->io_id = pid;
}

static void set_regs(struct ks_user_thread *t, const struct kstack_user_regs *regs,
		     uint64_t nvcsw, uint64_t nivcsw, const void *rec)
{
	t->regs = *regs;
	t->nvcsw = nvcsw;
	t->nivcsw = nivcsw;
	t->rec = rec;
	t->flags &= ~(KS_UT_COMPAT | KS_UT_NO_STACK | KS_UT_SHORT | KS_UT_LIVE);
	t->flags |= KS_UT_PENDING;
	if (regs->cs == KS_USER32_CS)
		t->flags |= KS_UT_COMPAT;
	t->stack_start = regs->sp;
	t->stack_len = 0;
}

struct ks_error *ks_user_proc_add(struct ks_user_proc *p, uint64_t tid,
				  const struct kstack_user_regs *regs, uint64_t nvcsw,
				  uint64_t nivcsw, const void *rec)
{
	struct ks_user_thread *t;

	if (!ks_vec_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v), 16))
		return &ks_error_nomem;
	t = &p->v[p->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	set_regs(t, regs, nvcsw, nivcsw, rec);
	return NULL;
}

void ks_user_thread_caught(struct ks_user_proc *p, size_t i, const uint8_t *bytes, size_t len)
{
	p->v[i].flags |= KS_UT_CAUGHT;
	p->v[i].caught = bytes;
	p->v[i].caught_len = len;
}

void ks_user_thread_retake(struct ks_user_proc *p, size_t i, const struct kstack_user_regs *regs,
			   uint64_t nvcsw, uint64_t nivcsw, const void *rec)
{
	set_regs(&p->v[i], regs, nvcsw, nivcsw, rec);
	p->v[i].flags |= KS_UT_RETAKEN;
}

static int by_tid_cmp(const void *a, const void *b)
{
	const struct ks_user_by_tid *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/*
 * The threads' index sorted by tid, made again when threads were added:
 * a SNAPSHOT of the process lists threads whose user half was not taken
 * too (pipeline.h's user_want), each a miss that would scan them all.
 */
static bool by_tid_index(struct ks_user_proc *p)
{
	size_t i;

	if (p->nby_tid == p->n)
		return true;
	free(p->by_tid);
	p->nby_tid = 0;
	p->by_tid = malloc(p->n * sizeof(*p->by_tid));
	if (!p->by_tid)
		return false;
	for (i = 0; i < p->n; i++)
		p->by_tid[i] = (struct ks_user_by_tid){ p->v[i].tid, i };
	qsort(p->by_tid, p->n, sizeof(*p->by_tid), by_tid_cmp);
	p->nby_tid = p->n;
	return true;
}

struct ks_user_thread *ks_user_proc_thread(struct ks_user_proc *p, uint64_t tid)
{
	struct ks_user_by_tid key = { tid, 0 }, *hit;
	size_t i, k;

	/* in the order added: the next one */
	if (p->n && p->v[p->hint % p->n].tid == tid) {
		i = p->hint % p->n;
		p->hint = i + 1 < p->n ? i + 1 : 0;
		return &p->v[i];
	}
	if (p->n > 16 && by_tid_index(p)) {
		hit = bsearch(&key, p->by_tid, p->n, sizeof(*p->by_tid), by_tid_cmp);
		if (!hit)
			return NULL;
		p->hint = hit->i + 1 < p->n ? hit->i + 1 : 0;
		return &p->v[hit->i];
	}
	for (k = 0; k < p->n; k++) {
		i = (p->hint + k) % p->n;
		if (p->v[i].tid == tid) {
			p->hint = i + 1 < p->n ? i + 1 : 0;
			return &p->v[i];
		}
	}
	return NULL;
}

/* How much to copy for t: bytes from sp, within sp's mapping. */
static size_t copy_len(const struct ks_user_proc *p, struct ks_user_thread *t, size_t bytes)
{
	/* a compat task's sp is 32 bits; the kernel zero-extends it */
	uint64_t sp = t->flags & KS_UT_COMPAT ? (uint32_t)t->regs.sp : t->regs.sp;
	const struct ks_map *m = ks_maps_find(&p->maps, sp);

	t->stack_start = sp;
	if (!m || !m->readable) {
		t->flags |= KS_UT_NO_STACK;
		return 0;
	}
	return m->end - sp < bytes ? (size_t)(m->end - sp) : bytes;
}

/* Grow buf for a batch of copies: total more bytes. */
static struct ks_error *reserve(struct ks_user_proc *p, size_t total)
{
	return ks_vec_grow(&p->buf, &p->buf_cap, p->buf_len + total, 1, 65536) ? NULL :
									       &ks_error_nomem;
}

/*
 * One process_vm_readv for threads idx[0..n) (n <= IOV_MAX). The kernel
 * copies the iovecs in order and stops at the first fault: the threads
 * before it are whole, the one it stopped in keeps what was read. Returns
 * how many threads were dealt with (at least one) or an error.
 */
static struct ks_error *readv_batch(struct ks_user_proc *p, const size_t *idx, size_t n,
				    size_t *done_ret)
{
	struct iovec local[IOV_MAX], remote[IOV_MAX];
	size_t i, left;
	ssize_t r;

	for (i = 0; i < n; i++) {
		struct ks_user_thread *t = &p->v[idx[i]];

		local[i].iov_base = p->buf + t->buf_off;
		local[i].iov_len = t->stack_len;
		remote[i].iov_base = (void *)(uintptr_t)t->stack_start;
		remote[i].iov_len = t->stack_len;
	}
	p->nr_readv++;
	r = process_vm_readv((pid_t)p->io_id, local, n, remote, n, 0);
	if (r < 0) {
		int e = errno;

		if (e != EFAULT)
			return ks_error_format(e, "process %" PRIu64 ": process_vm_readv: %s",
					       p->pid, strerror(e));
		r = 0;	/* the first thread's stack faulted at once */
	}
	left = (size_t)r;
	for (i = 0; i < n; i++) {
		struct ks_user_thread *t = &p->v[idx[i]];

		if (left >= t->stack_len) {
			left -= t->stack_len;
			continue;
		}
		/* stopped in this one: keep what was read, go on after it */
		t->stack_len = left;
		t->flags |= KS_UT_SHORT;
		*done_ret = i + 1;
		return NULL;
	}
	*done_ret = n;
	return NULL;
}

/* p's maps through the driver: the anonymous ones only where a thread's sp is. */
static struct ks_error *read_maps_driver(struct ks_user_proc *p, uint64_t id)
{
	uint64_t *sps = malloc((p->n ? p->n : 1) * sizeof(*sps));
	struct ks_error *err;
	size_t i;

	if (!sps)
		return &ks_error_nomem;
	for (i = 0; i < p->n; i++)
		sps[i] = p->v[i].flags & KS_UT_COMPAT ? (uint32_t)p->v[i].regs.sp : p->v[i].regs.sp;
	err = ks_maps_read_driver(&p->maps, p->maps_drv, id, sps, p->n);
	free(sps);
	return err;
}

/*
 * p's maps. A leader that has exited (its mm is gone) while other threads
 * run has none (/proc/PID/maps empty, USER_MAPS ESRCH): then read them,
 * and reach the process from now on, through its first thread.
 */
static struct ks_error *read_maps(struct ks_user_proc *p)
{
	struct ks_error *err = p->maps_drv ? read_maps_driver(p, p->pid) :
					     ks_maps_read(&p->maps, NULL, p->pid);
	bool none = p->maps_drv ? err && err->code == ESRCH : !err && !p->maps.n;

	if (none && p->n && p->v[0].tid != p->pid) {
		ks_error_destroy(err);
		ks_maps_fini(&p->maps);
		err = p->maps_drv ? read_maps_driver(p, p->v[0].tid) :
				    ks_maps_read(&p->maps, NULL, p->v[0].tid);
		if (!err)
			p->io_id = p->v[0].tid;
	}
	return err;
}

struct ks_error *ks_user_proc_copy_batch(struct ks_user_proc *p, size_t bytes, size_t budget,
					 size_t *next)
{
	struct ks_error *err;
	size_t *idx, n = 0, total = 0, i, k, done;

	for (i = 0; i < p->nlive; i++)
		p->v[p->live[i]].flags &= ~KS_UT_LIVE;
	p->nlive = 0;
	p->buf_len = 0;		/* the last batch's copies are walked: drop them */
	if (!bytes || bytes > KS_USER_STACK_BYTES_MAX)
		return ks_error_format(EINVAL, "user stack bytes %zu: need 1..%u", bytes,
				       KS_USER_STACK_BYTES_MAX);
	if (!p->maps.v) {
		err = read_maps(p);
		if (err)
			return err;
	}
	if (!ks_vec_grow(&p->live, &p->live_cap, p->n, sizeof(*p->live), 16))
		return &ks_error_nomem;
	idx = malloc((p->n ? p->n : 1) * sizeof(*idx));
	if (!idx)
		return &ks_error_nomem;
	for (i = *next; i < p->n && (!p->nlive || total < budget); i++) {
		struct ks_user_thread *t = &p->v[i];

		if (!(t->flags & KS_UT_PENDING))
			continue;
		t->flags = (t->flags & ~KS_UT_PENDING) | KS_UT_LIVE;
		if (t->flags & KS_UT_CAUGHT) {
			t->stack_start = t->regs.sp;
			t->stack_len = t->caught_len < bytes ? t->caught_len : bytes;
		} else {
			t->stack_len = copy_len(p, t, bytes);
		}
		p->live[p->nlive++] = i;
		if (t->stack_len)
			idx[n++] = i;
		total += t->stack_len;
	}
	*next = i;
	err = reserve(p, total);
	if (err) {
		free(idx);
		return err;
	}
	for (i = 0, k = 0; i < n; i++) {
		struct ks_user_thread *t = &p->v[idx[i]];

		t->buf_off = p->buf_len;
		p->buf_len += t->stack_len;
		/* a caught thread's copy is the driver's, of the moment it was caught */
		if (t->flags & KS_UT_CAUGHT)
			memcpy(p->buf + t->buf_off, t->caught, t->stack_len);
		else
			idx[k++] = idx[i];
	}
	for (n = k, i = 0; i < n; i += done) {
		err = readv_batch(p, idx + i, n - i < IOV_MAX ? n - i : IOV_MAX, &done);
		if (err)
			break;
	}
	free(idx);
	return err;
}

struct ks_error *ks_user_proc_copy(struct ks_user_proc *p, size_t bytes)
{
	size_t next = 0;

	return ks_user_proc_copy_batch(p, bytes, SIZE_MAX, &next);
}

void ks_user_proc_fini(struct ks_user_proc *p)
{
	if (!p->maps_lent)
		ks_maps_fini(&p->maps);
	free(p->v);
	free(p->buf);
	free(p->live);
	free(p->by_tid);
	memset(p, 0, sizeof(*p));
}
