// SPDX-License-Identifier: GPL-2.0
/*
 * kstack PID/--all with the user-mode half: one SNAPSHOT of kernel frames
 * (the driver's walk) whose records carry each thread's user registers,
 * then the user half of every thread (lib/user_half.h), printed under the
 * kernel half in the same line form:
 *   1234 prog S [ctxsw 5+0]
 *   ffffffff9c05271d : vmlinux!__schedule+0x2dd/0x960
 *   ...
 *   user mode: ip 00007f3a1c2e5a3d sp 00007ffd5e6f7a80
 *   00007f3a1c2e5a3d : libc.so.6!__clock_nanosleep+0x4d/0x80
 *   000055d0c1a2b10f : prog!c+0x1f/0x60
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "user_half.h"

/* How the kernel half ended, from the record's tail, as the walker says it. */
static void put_kernel_end(const struct kstack_snap_thread *r, const struct kstack_snap_tail *t)
{
	struct ks_walk_result w = { .nr = r->nr_frames };

	if (!t) {
		if (r->flags & KSTACK_SNAP_F_TRUNCATED)
			w.stop = KS_STOP_MAX_FRAMES;
		else
			return;	/* an older driver: nothing known about the end */
	} else {
		switch (t->end) {
		case KSTACK_END_USER:
			if (!(r->flags & KSTACK_SNAP_F_USER_REGS))
				return;
			w.stop = KS_STOP_USER;
			w.user_ip = t->user.ip;
			w.user_sp = t->user.sp;
			break;
		case KSTACK_END_KTHREAD:
			return;
		case KSTACK_END_LIMIT:
			w.stop = KS_STOP_MAX_FRAMES;
			break;
		default:
			printf("(walk stopped: the driver's unwinder gave up)\n");
			return;
		}
	}
	ks_stack_text_put_stop(stdout, &w);
	if (w.stop == KS_STOP_MAX_FRAMES)
		fprintf(stderr, "kstack: thread %" PRIu64 ": stack truncated at %u frames\n", r->tid,
			r->nr_frames);
}

/* The user half's lines; returns false when it is not a whole, consistent stack. */
static bool put_user_half(struct ks_user_half *h, const struct kstack_snap_thread *r,
			  const struct ks_user_thread *ut, const struct ks_user_walk *w,
			  const struct ks_user_half_proc *hp, bool user_line)
{
	size_t i;

	if (user_line)
		printf("user mode: ip %016" PRIx64 " sp %016" PRIx64 "\n", ut->regs.ip,
		       ut->regs.sp);
	if (!w) {
		printf("(no user half: %s)\n", hp && hp->err ? hp->err->message : "not taken");
		return false;
	}
	for (i = 0; i < w->nr; i++)
		printf("%016" PRIx64 " : %s%s\n", w->frames[i].pc,
		       w->frames[i].flags & KS_UF_FALLBACK ? "? " : "", w->frames[i].name);
	switch (w->stop) {
	case KS_USTOP_END:
		break;
	case KS_USTOP_LIMIT:
		printf("... user stack truncated at %zu frames (raise with -n)\n", w->nr);
		break;
	case KS_USTOP_ERROR:
		printf("(user walk stopped: %s)\n", w->why);
		break;
	case KS_USTOP_NONE:
		printf("(no user stack: %s)\n", w->why);
		break;
	}
	(void)h;
	if (ut->flags & KS_UT_RAN) {
		printf("(the thread ran while its user half was taken, twice: frames may not match)\n");
		fprintf(stderr, "kstack: thread %" PRIu64 ": ran while its user stack was copied\n",
			r->tid);
		return false;
	}
	return true;
}

struct ks_error *show_whole(struct ks_session *s, struct ks_stack_text *text, uint64_t pid,
			    struct counts *c, struct ks_snapshot *snap, struct ks_user_half *h,
			    const struct opts *o)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	err = ks_snapshot_take(&s->drv, pid, KSTACK_SNAP_FRAMES,
			       s->cfg.max_frames < KSTACK_FRAMES_MAX ? s->cfg.max_frames : KSTACK_FRAMES_MAX,
			       snap);
	if (err)
		return err;
	if (!snap->tails)
		return ks_error_format(ENOTSUP, "the driver gives no user registers (no SNAPSHOT tails)");
	ks_user_half_reset(h);
	if (!o->kernel_only) {
		err = ks_user_half_take(h, &s->drv, pid, snap);
		if (err)
			return err;
	}
	/* name every distinct kernel address in a few batched calls */
	while ((r = ks_snapshot_next(snap, &off, &data, &err)))
		if (r->nr_frames)
			ks_stack_text_note(text, data, NULL, r->nr_frames);
	ks_error_destroy(err);
	ks_symcache_resolve(text->names);

	off = 0;
	while ((r = ks_snapshot_next(snap, &off, &data, &err))) {
		const struct kstack_snap_thread *shown = r;
		const struct ks_user_half_proc *hp = NULL;
		const struct ks_user_walk *uw = NULL;
		const struct ks_user_thread *ut = NULL;
		const struct kstack_snap_tail *tail;
		char comm[KSTACK_COMM_LEN];
		bool whole = true;

		if (h->nonly) {	/* -t: only the threads named */
			size_t j;

			for (j = 0; j < h->nonly && h->only[j] != r->tid; j++)
				;
			if (j == h->nonly)
				continue;
			c->named_seen++;
		}
		if (!o->kernel_only)
			ut = ks_user_half_find(h, r->tgid, r->tid, &uw, &shown, &hp);
		if (!ut)
			shown = r;
		memcpy(comm, shown->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		if (shown->flags & KSTACK_SNAP_F_RUNNING) {
			printf("%" PRIu64 " %s R [running on a CPU: no saved kernel stack]\n\n",
			       shown->tid, comm);
			c->running++;
			continue;
		}
		if (o->user_only && !ut)
			continue;	/* kernel threads have no user half */
		tail = ks_snapshot_tail(shown, NULL);
		ks_stack_text_put_header(stdout, shown->tid, comm, shown->state, shown->nvcsw_after,
					 shown->nivcsw_after);
		if (!o->user_only) {
			ks_stack_text_put(text, stdout, (const uint64_t *)(shown + 1), NULL,
					  shown->nr_frames);
			if (shown->flags & KSTACK_SNAP_F_RAN) {
				printf("(the thread ran while its kernel stack was taken, twice)\n");
				whole = false;
			}
			put_kernel_end(shown, tail);
			if (shown->flags & (KSTACK_SNAP_F_TRUNCATED | KSTACK_SNAP_F_UNRELIABLE))
				whole = false;
		}
		if (ut && !put_user_half(h, shown, ut, uw, hp, o->user_only || !tail ||
					 tail->end != KSTACK_END_USER))
			whole = false;
		putchar_unlocked('\n');
		c->shown++;
		if (!whole)
			c->failed++;
	}
	return err;
}
