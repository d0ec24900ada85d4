// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "catch.h"
#include "user_half.h"
#include "vec.h"

void ks_user_half_init(struct ks_user_half *h, size_t stack_bytes, uint32_t max_frames,
		       uint32_t kernel_max_frames)
{
	memset(h, 0, sizeof(*h));
	ks_user_unwinder_init(&h->unwinder);
	h->stack_bytes = stack_bytes ? stack_bytes : KS_USER_STACK_BYTES_DEFAULT;
	h->max_frames = max_frames;
	h->kernel_max_frames = kernel_max_frames;
}

static void caught_stack(struct ks_user_half_proc *hp, size_t i,
			 const struct kstack_snap_thread *r);

/* The process taken, if it is tgid. */
static struct ks_user_half_proc *proc_of(struct ks_user_half *h, uint64_t tgid)
{
	return h->taken && h->cur.proc.pid == tgid ? &h->cur : NULL;
}

static const struct kstack_user_regs *user_regs_of(const struct kstack_snap_thread *r)
{
	const struct kstack_snap_tail *t;

	if (!(r->flags & KSTACK_SNAP_F_USER_REGS) || (r->flags & KSTACK_SNAP_F_RUNNING))
		return NULL;
	t = ks_snapshot_tail(r, NULL);
	return t ? &t->user : NULL;
}

/*
 * Copy and walk hp's threads not yet copied, a batch of stacks at a time
 * (KS_USER_HALF_BATCH_BYTES), each batch's copies dropped once walked: a
 * process of thousands of threads never holds all their stacks at once.
 */
static void copy_and_walk(struct ks_user_half *h, struct ks_user_half_proc *hp)
{
	size_t next = 0;

	while (!hp->err) {
		struct ks_error *err = ks_user_proc_copy_batch(&hp->proc, h->stack_bytes,
							       KS_USER_HALF_BATCH_BYTES, &next);

		if (!err && !hp->proc.nlive)
			break;
		if (!err)
			err = ks_user_unwind_live(&h->unwinder, &hp->proc, h->max_frames, hp->walks);
		hp->err = err;
	}
}

/*
 * find_moved() for a few threads of a large process (h->want took some):
 * each one's counts now, one THREAD_CONTEXT a thread, rather than a
 * SNAPSHOT of all of them. A thread on a CPU now, or that kept running
 * while it was read, moved; one gone is left out.
 */
static struct ks_error *find_moved_each(struct ks_driver *drv, struct ks_user_half_proc *hp,
					bool only_retaken, uint64_t **moved_ret, size_t *n_ret)
{
	uint64_t *moved = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < hp->proc.n; i++) {
		struct ks_user_thread *t = &hp->proc.v[i];
		struct kstack_thread_context ctx;
		struct ks_error *err;
		bool ran;

		if (only_retaken && !(t->flags & KS_UT_RETAKEN))
			continue;
		err = ks_driver_thread_context(drv, t->tid, &ctx);
		ran = err ? err->code == EBUSY || err->code == EAGAIN :
			    ctx.nvcsw != t->nvcsw || ctx.nivcsw != t->nivcsw;
		ks_error_destroy(err);
		if (!ran)
			continue;
		if (!ks_vec_grow(&moved, &cap, n + 1, sizeof(*moved), 16)) {
			free(moved);
			return &ks_error_nomem;
		}
		moved[n++] = t->tid;
	}
	*moved_ret = moved;
	*n_ret = n;
	return NULL;
}

/*
 * Which threads of hp ran since their registers were taken: their counts
 * in a new SNAPSHOT of the process differ from those at capture, or they
 * are on a CPU now (a thread woken and still running has not been
 * switched out: its counts have not moved yet). *moved_ret: their tids,
 * *n_ret of them; only_retaken: look at the threads taken again only.
 */
static struct ks_error *find_moved(struct ks_user_half *h, struct ks_driver *drv,
				   struct ks_user_half_proc *hp, bool only_retaken,
				   uint64_t **moved_ret, size_t *n_ret)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	uint64_t *moved = NULL;
	size_t off = 0, n = 0, cap = 0;

	*moved_ret = NULL;
	*n_ret = 0;
	if (h->want && hp->nrec > 8 * hp->proc.n)
		return find_moved_each(drv, hp, only_retaken, moved_ret, n_ret);
	err = ks_snapshot_take(drv, hp->proc.pid, KSTACK_SNAP_FRAMES, 1, &h->check);
	if (err && err->code == ESRCH) {
		/*
		 * the process exited since its records were taken (a whole-system
		 * listing, or --sample, meets that): nothing to check against; its
		 * walks stand as of their moment, the run goes on
		 */
		ks_error_destroy(err);
		return NULL;
	}
	if (err)
		return err;
	while ((r = ks_snapshot_next(&h->check, &off, &data, &err))) {
		struct ks_user_thread *t = r->tgid == hp->proc.pid ?
					   ks_user_proc_thread(&hp->proc, r->tid) : NULL;

		/* a caught thread's halves are of one instant: nothing to check */
		if (!t || (only_retaken && !(t->flags & KS_UT_RETAKEN)) || (t->flags & KS_UT_CAUGHT))
			continue;
		if (!(r->flags & KSTACK_SNAP_F_RUNNING) && r->nvcsw_before == t->nvcsw &&
		    r->nivcsw_before == t->nivcsw)
			continue;
		if (!ks_vec_grow(&moved, &cap, n + 1, sizeof(*moved), 16)) {
			free(moved);
			return &ks_error_nomem;
		}
		moved[n++] = r->tid;
	}
	if (err) {
		free(moved);
		return err;
	}
	*moved_ret = moved;
	*n_ret = n;
	return NULL;
}

/* Take the moved threads of hp again: one SNAPSHOT of the process, new copies, new walks. */
static void retake(struct ks_user_half *h, struct ks_driver *drv, struct ks_user_half_proc *hp,
		   const uint64_t *moved, size_t n)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	if (hp->err)
		return;
	err = ks_snapshot_take(drv, hp->proc.pid, KSTACK_SNAP_FRAMES, h->kernel_max_frames,
			       &h->retake);
	/* the driver copies their stacks with their registers, on a CPU or off it */
	if (!err)
		err = ks_catch_threads(drv, &h->retake, h->kernel_max_frames, h->stack_bytes, moved,
				       n);
	if (err) {
		hp->err = ks_error_wrap(err, "retake");
		return;
	}
	hp->retaken = true;
	while ((r = ks_snapshot_next(&h->retake, &off, &data, &err))) {
		struct ks_user_thread *t = ks_user_proc_thread(&hp->proc, r->tid);
		const struct kstack_user_regs *regs = user_regs_of(r);
		size_t j;

		if (!t || (t->flags & KS_UT_RETAKEN))
			continue;
		for (j = 0; j < n && moved[j] != r->tid; j++)
			;
		if (j == n)
			continue;
		h->retaken++;
		if (regs) {
			ks_user_thread_retake(&hp->proc, (size_t)(t - hp->proc.v), regs,
					      r->nvcsw_after, r->nivcsw_after, r);
			caught_stack(hp, (size_t)(t - hp->proc.v), r);
		} else {
			/* running now: its old half stays, marked */
			t->flags |= KS_UT_RETAKEN | KS_UT_RAN;
			h->ran++;
		}
	}
	ks_error_destroy(err);
	copy_and_walk(h, hp);
}

void ks_user_half_only(struct ks_user_half *h, const uint64_t *only, size_t nonly)
{
	h->only = only;
	h->nonly = nonly;
}

static bool wanted(const struct ks_user_half *h, uint64_t tid)
{
	size_t i;

	for (i = 0; i < h->nonly; i++)
		if (h->only[i] == tid)
			return true;
	return !h->nonly;
}

/*
 * hp in an address space other processes of the snapshot share: lend it
 * the maps one of them read, or keep its own for the others once read.
 */
static void share_maps_in(struct ks_user_half *h, struct ks_user_half_proc *hp,
			  const struct ks_snapshot *snap, uint64_t mm_id)
{
	hp->mm = ks_user_mms_shared(&h->mms, mm_id);
	if (!hp->mm)
		return;
	hp->proc.space = ks_hash_mix(snap->seq, mm_id);
	if (hp->mm->maps.v) {
		hp->proc.maps = hp->mm->maps;
		hp->proc.maps_lent = true;
		h->mms.maps_lent++;
	}
}

static void share_maps_out(struct ks_user_half *h, struct ks_user_half_proc *hp)
{
	if (!hp->mm || hp->proc.maps_lent || !hp->proc.maps.v)
		return;
	hp->mm->maps = hp->proc.maps;
	hp->proc.maps_lent = true;
	h->mms.maps_read++;
}

/*
 * Thread i's record came with its user stack, copied by the driver with
 * its registers (catch.h): that is its copy.
 */
static void caught_stack(struct ks_user_half_proc *hp, size_t i, const struct kstack_snap_thread *r)
{
	size_t len;
	const uint8_t *bytes = ks_catch_stack(r, &len);

	if (bytes)
		ks_user_thread_caught(&hp->proc, i, bytes, len);
}

static uint64_t mm_id_of(const struct kstack_snap_thread *r)
{
	const struct kstack_snap_tail *t = ks_snapshot_tail(r, NULL);

	return t ? t->mm_id : 0;
}

struct ks_error *ks_user_half_take_proc(struct ks_user_half *h, struct ks_driver *drv,
					const struct ks_snapshot *snap, size_t off)
{
	struct ks_user_half_proc *hp = &h->cur;
	const struct kstack_snap_thread *r;
	struct ks_error *err = NULL;
	const void *data;
	uint64_t *moved = NULL, tgid = 0, mm_id = 0;
	size_t n, i;
	bool first = true;

	ks_user_half_reset(h);
	hp->nrec = 0;
	err = ks_user_mms_count(&h->mms, snap);
	if (err)
		return err;
	while ((r = ks_snapshot_next(snap, &off, &data, &err))) {
		const struct kstack_user_regs *regs = user_regs_of(r);

		if (first)
			tgid = r->tgid;
		first = false;
		if (r->tgid != tgid)
			break;	/* the next process's records */
		hp->nrec++;
		if (!regs || !wanted(h, r->tid) || (h->want && !h->want(h->want_arg, r, regs)))
			continue;
		if (!h->taken) {
			ks_user_proc_init(&hp->proc, tgid);
			h->taken = true;
			mm_id = mm_id_of(r);
		}
		err = ks_user_proc_add(&hp->proc, r->tid, regs, r->nvcsw_after, r->nivcsw_after, r);
		if (err)
			return err;
		caught_stack(hp, hp->proc.n - 1, r);
	}
	if (err || !h->taken)
		return err;	/* none of its threads left user mode: kernel threads */
	hp->walks = calloc(hp->proc.n, sizeof(*hp->walks));
	if (!hp->walks)
		return &ks_error_nomem;
	/*
	 * Only some threads taken (h->want: a few futex waiters): each
	 * process's maps of its own, from USER_MAPS with those threads' sps,
	 * not the whole /proc/PID/maps of an address space that other
	 * processes share (thousands of lines for a vfork parent's threads)
	 */
	if (!h->want)
		share_maps_in(h, hp, snap, mm_id);
	/*
	 * The driver's USER_MAPS where it has it, but for an address space
	 * shared with other processes: their threads' sps are not known
	 * yet, and the maps read here are lent to them (user_mm.h)
	 */
	if ((drv->version.caps & KSTACK_CAP_USER_MAPS) && !hp->mm)
		hp->proc.maps_drv = drv;
	copy_and_walk(h, hp);
	share_maps_out(h, hp);
	err = find_moved(h, drv, hp, false, &moved, &n);
	if (!err && n)
		retake(h, drv, hp, moved, n);
	free(moved);
	moved = NULL;
	if (!err && n) {
		err = find_moved(h, drv, hp, true, &moved, &n);
		for (i = 0; !err && i < n; i++) {
			struct ks_user_thread *t = ks_user_proc_thread(&hp->proc, moved[i]);

			if (t && !(t->flags & KS_UT_RAN)) {
				t->flags |= KS_UT_RAN;
				h->ran++;
			}
		}
		free(moved);
	}
	return err;
}

const struct ks_user_thread *ks_user_half_find(struct ks_user_half *h, uint64_t tgid,
					       uint64_t tid, const struct ks_user_walk **walk_ret,
					       const struct kstack_snap_thread **rec_ret,
					       const struct ks_user_half_proc **proc_ret)
{
	struct ks_user_half_proc *hp = proc_of(h, tgid);
	struct ks_user_thread *t = hp ? ks_user_proc_thread(&hp->proc, tid) : NULL;

	*walk_ret = NULL;
	*rec_ret = NULL;
	*proc_ret = hp;
	if (!t)
		return NULL;
	if (hp->walks && !hp->err)
		*walk_ret = &hp->walks[t - hp->proc.v];
	*rec_ret = t->rec;
	return t;
}

void ks_user_half_reset(struct ks_user_half *h)
{
	struct ks_user_half_proc *hp = &h->cur;

	if (!h->taken)
		return;
	if (hp->walks)
		ks_user_walks_fini(hp->walks, hp->proc.n);
	free(hp->walks);
	ks_user_proc_fini(&hp->proc);	/* lent maps stay */
	if (hp->mm)
		ks_user_mms_done(&h->mms, hp->mm);
	ks_error_destroy(hp->err);
	memset(hp, 0, sizeof(*hp));
	h->taken = false;
}

void ks_user_half_fini(struct ks_user_half *h)
{
	ks_user_half_reset(h);
	ks_snapshot_fini(&h->check);
	ks_snapshot_fini(&h->retake);
	ks_user_mms_fini(&h->mms);
	ks_user_unwinder_fini(&h->unwinder);
	memset(h, 0, sizeof(*h));
}
