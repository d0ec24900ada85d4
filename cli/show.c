// SPDX-License-Identifier: GPL-2.0
/* kstack: printing walked stacks (one thread, a SNAPSHOT, a --raw record). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "output.h"

static void print_header(const struct kstack_thread_context *c, uint64_t tid)
{
	ks_stack_text_put_header(stdout, tid, c->comm, c->state, c->nvcsw, c->nivcsw);
}

/* How a walk ended (w->frames unused); a frame-limit cut also on stderr. */
void print_walk_end(const struct ks_walk_result *w, uint64_t tid)
{
	ks_stack_text_put_stop(stdout, w);
	if (w->stop == KS_STOP_MAX_FRAMES)
		fprintf(stderr, "kstack: thread %" PRIu64 ": stack truncated at %zu frames\n",
			tid, w->nr);
}

/* Frames one a line (lib/stack_text.h), and how the walk ended. */
void print_walk(struct ks_stack_text *text, const struct ks_walk_result *w, uint64_t tid)
{
	ks_stack_text_put_walk(text, stdout, w);
	print_walk_end(w, tid);
}

/* A thread on a CPU has no saved stack: say so, under its escaped name. */
void print_running(uint64_t tid, const char *comm)
{
	char esc[KS_ESCAPE_SIZE(KSTACK_COMM_LEN)];

	ks_escape_str(esc, sizeof(esc), comm && comm[0] ? comm : "-");
	printf("%" PRIu64 " %s R [running on a CPU: no saved kernel stack]\n\n", tid, esc);
}

/*
 * Process pid's group leader has exited (pthread_exit) while its other
 * threads run: one line in the leader's place, as a running thread gets
 * one; its name is gone with it. Printed only for such a process, so the
 * listing of any other stays as it was.
 */
void print_leader_exited(uint64_t pid)
{
	printf("%" PRIu64 " - Z [group leader has exited: a zombie leader, its other threads still running]\n\n",
	       pid);
}

bool walk_alone(struct ks_session *s, const struct ks_tid *t, struct tally *c, bool explicit,
		struct kstack_thread_context *ctx, struct ks_walk_result *w)
{
	struct ks_error *err = ks_session_walk(s, t->tid, ctx, w);

	if (!err)
		return true;
	if (err->code == EBUSY)
		print_running(t->tid, t->comm);
	if (err->code == ESRCH && explicit)
		tally_missing(c, err);
	else
		tally_error(c, err, t->tid, explicit || err->code == EAGAIN);
	ks_error_destroy(err);
	return false;
}

void show_thread(struct ks_session *s, struct ks_stack_text *text, const struct ks_tid *t,
		 struct tally *c, bool explicit)
{
	struct kstack_thread_context ctx;
	struct ks_walk_result w;

	if (!walk_alone(s, t, c, explicit, &ctx, &w))
		return;
	print_header(&ctx, t->tid);
	print_walk(text, &w, t->tid);
	printf("\n");
	tally_walk(c, &w);
	ks_walk_result_fini(&w);
}

/*
 * --raw: the thread's saved stack bytes with our walk and the kernel's, all
 * from one quiet moment: a self-contained record for bug reports and for
 * unit-test fixtures (tests/unit/fixtures/README.md).
 */
struct raw_take {
	struct ks_session *s;
	uint64_t tid;
	uint64_t kernel[KSTACK_FRAMES_MAX];
	struct kstack_stack st;
	uint8_t *buf;
	size_t len;
};

/* The stack bytes and the kernel's unwind, inside one quiet moment. */
static struct ks_error *raw_take(void *arg, const struct kstack_thread_context *ctx, bool *ran)
{
	struct raw_take *a = arg;
	struct ks_error *err;

	a->len = ctx->stack_base + ctx->stack_size - ctx->sp;
	a->buf = malloc(a->len);
	if (!a->buf)
		return &ks_error_nomem;
	err = ks_driver_read(&a->s->drv, ctx->sp, a->buf, a->len);
	if (!err)
		err = ks_driver_stack(&a->s->drv, a->tid, a->kernel, KSTACK_FRAMES_MAX, &a->st);
	if (err) {
		free(a->buf);
		a->buf = NULL;
		return err;
	}
	*ran = (a->st.flags & KSTACK_SF_RAN) || a->st.nvcsw_before != ctx->nvcsw ||
	       a->st.nivcsw_before != ctx->nivcsw;
	return NULL;
}

static void raw_drop(void *arg)
{
	struct raw_take *a = arg;

	free(a->buf);
	a->buf = NULL;
}

void raw_thread(struct ks_session *s, struct ks_stack_text *text, const struct ks_tid *t,
		struct tally *c)
{
	static struct raw_take a;
	struct kstack_thread_context ctx;
	const struct kstack_stack *st = &a.st;
	const uint64_t *kernel = a.kernel;
	struct ks_walk_thread wt;
	struct ks_walk_result w;
	struct kstack_ret_fixup *fixups = NULL;
	struct ks_error *err;
	const uint8_t *buf;
	size_t len, nfix = 0, i;
	uint64_t stext, etext;

	a.s = s;
	a.tid = t->tid;
	err = ks_session_quiet(s, t->tid, &ctx, raw_take, raw_drop, &a);
	if (!err) {
		wt = (struct ks_walk_thread){
			.stack_base = ctx.stack_base, .stack_size = ctx.stack_size, .saved_sp = ctx.sp,
		};
		err = ks_walk_image(&s->cfg, &wt, a.buf, &w);
	}
	/* cut short: tracing may have replaced return addresses the driver knows */
	if (!err && ks_session_walk_cut(&w)) {
		err = ks_session_ret_fixups(s, t->tid, &ctx, &fixups, &nfix);
		if (err && err->code == ENOTSUP) {
			ks_error_destroy(err);
			err = NULL;
		} else if (!err && nfix) {
			ks_walk_result_fini(&w);
			wt.fixups = fixups;
			wt.nr_fixups = nfix;
			err = ks_walk_image(&s->cfg, &wt, a.buf, &w);
		}
	}
	if (err) {
		if (err->code == EBUSY)
			print_running(t->tid, t->comm);
		tally_error(c, err, t->tid, true);
		ks_error_destroy(err);
		free(fixups);
		raw_drop(&a);
		return;
	}
	buf = a.buf;
	len = a.len;
	print_header(&ctx, t->tid);
	print_walk(text, &w, t->tid);
	printf("raw-context sp %016" PRIx64 " base %016" PRIx64 " size %" PRIx64,
	       ctx.sp, ctx.stack_base, ctx.stack_size);
	/* the text bounds make the record self-contained (KASLR offset); "-": unknown */
	if (ks_session_text_bounds(s, &stext, &etext))
		printf(" stext %016" PRIx64 " etext %016" PRIx64 "\n", stext, etext);
	else
		printf(" stext - etext -\n");
	printf("raw-kernel %u", st->nr_frames);
	for (i = 0; i < st->nr_frames && i < KSTACK_FRAMES_MAX; i++)
		printf(" %016" PRIx64, kernel[i]);
	/* the return addresses the walk used in place of the stack's: slot, original */
	if (nfix) {
		printf("\nraw-fixups %zu", nfix);
		for (i = 0; i < nfix; i++)
			printf(" %016" PRIx64 " %016" PRIx64, fixups[i].slot, fixups[i].ret);
	}
	printf("\nraw-walk %zu", w.nr);
	for (i = 0; i < w.nr; i++)
		printf(" %016" PRIx64, w.frames[i].ip);
	printf("\nraw-stop %s", ks_walk_stop_name(w.stop));
	if (w.stop == KS_STOP_USER)
		printf(" user-ip %016" PRIx64 " user-sp %016" PRIx64, w.user_ip, w.user_sp);
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, buf + i, 8);
		if (i % 32 == 0)
			printf("\nraw-stack %016" PRIx64 ":", ctx.sp + i);
		printf(" %016" PRIx64, v);
	}
	printf("\n\n");
	tally_walk(c, &w);
	ks_walk_result_fini(&w);
	free(fixups);
	raw_drop(&a);
}

/*
 * PID.../--all fast path: one SNAPSHOT of raw stacks per process (or for
 * the system), each walked here. A thread that ran during its capture (even
 * when retaken) goes through the per-thread path, which retries.
 */
static bool snapshot_record_usable(const struct kstack_snap_thread *r)
{
	/* a capture the thread ran through, or one that does not cover [sp, top) */
	return !(r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN)) && r->raw_len &&
	       r->sp + r->raw_len == r->stack_base + r->stack_size;
}

/* What the first pass keeps of a record's walk for the printing pass. */
struct noted_walk {
	struct ks_stack_text_entry *stack;	/* NULL: walk again to print */
	struct ks_walk_result end;		/* how it ended; frames NULL */
};

/*
 * First pass over a snapshot: walk every stack and note it, so that the
 * addresses of all distinct stacks are named in a few batched calls
 * instead of one call per address. Returns, per record, the noted stack and
 * how its walk ended, so that printing needs neither a second walk nor a
 * second lookup (NULL without memory: then printing walks again).
 */
static struct noted_walk *note_snapshot_stacks(struct ks_session *s, struct ks_stack_text *text,
					       const struct ks_snapshot *snap)
{
	struct noted_walk *noted = calloc(snap->nr ? snap->nr : 1, sizeof(*noted));
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0, i;

	for (i = 0; (r = ks_snapshot_next(snap, &off, &data, &err)) && i < snap->nr; i++) {
		struct ks_walk_thread wt = ks_snapshot_walk_thread(r);
		struct ks_walk_result w;
		struct ks_stack_text_entry *e;

		if (!snapshot_record_usable(r))
			continue;
		err = ks_walk_image(&s->cfg, &wt, data, &w);
		if (err) {
			ks_error_destroy(err);
			continue;
		}
		e = ks_stack_text_note_walk(text, &w);
		if (noted && e) {
			noted[i].stack = e;
			noted[i].end = w;
			noted[i].end.frames = NULL;
		}
		ks_walk_result_fini(&w);
	}
	ks_error_destroy(err);
	ks_symcache_resolve(text->names);
	return noted;
}

struct ks_error *show_snapshot(struct ks_session *s, struct ks_stack_text *text,
			       uint64_t pid, struct tally *c, struct ks_snapshot *snap)
{
	const struct kstack_snap_thread *r;
	struct noted_walk *noted;
	struct ks_error *err;
	const void *data;
	size_t off = 0, i;

	err = ks_snapshot_take(&s->drv, pid, KSTACK_SNAP_RAW, 0, snap);
	if (err)
		return err;
	noted = note_snapshot_stacks(s, text, snap);
	for (i = 0; (r = ks_snapshot_next(snap, &off, &data, &err)); i++) {
		struct ks_tid t = { .tgid = r->tgid, .tid = r->tid };
		struct ks_walk_thread wt = ks_snapshot_walk_thread(r);
		struct noted_walk *nw = noted && i < snap->nr ? &noted[i] : NULL;
		struct ks_walk_result w;
		char comm[KSTACK_COMM_LEN];

		memcpy(comm, r->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		memcpy(t.comm, comm, sizeof(t.comm));
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			print_running(r->tid, comm);
			c->running++;
			continue;
		}
		/* take this thread again on its own */
		if (!snapshot_record_usable(r)) {
			show_thread(s, text, &t, c, false);
			continue;
		}
		if (nw && nw->stack) {
			w = nw->end;
		} else {
			err = ks_walk_image(&s->cfg, &wt, data, &w);
			if (err) {
				tally_error(c, err, r->tid, true);
				ks_error_destroy(err);
				continue;
			}
		}
		ks_stack_text_put_header(stdout, r->tid, comm, r->state, r->nvcsw_after,
					 r->nivcsw_after);
		if (nw && nw->stack) {
			ks_stack_text_put_noted(text, stdout, nw->stack);
			print_walk_end(&w, r->tid);
		} else {
			print_walk(text, &w, r->tid);
		}
		putchar_unlocked('\n');
		tally_walk(c, &w);
		ks_walk_result_fini(&w);
	}
	free(noted);
	if (!err && pid && ks_snapshot_leader_gone(snap, pid))
		print_leader_exited(pid);
	if (!err)
		tally_denied_threads(c, snap->denied);
	return err;
}
