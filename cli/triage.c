// SPDX-License-Identifier: GPL-2.0
/*
 * kstack's triage mode: capture the threads (one SNAPSHOT per process, or
 * of the system), filter, group, and write the report (lib/report.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "filter.h"
#include "output.h"
#include "snapshot.h"
#include "cli.h"
#include "triage.h"

/* Scratch frames of one thread, named. */
struct cap_frames {
	struct ks_cap_frame *v;
	size_t cap;
};

static bool cap_frames_room(struct cap_frames *f, size_t n)
{
	struct ks_cap_frame *v;

	if (n <= f->cap)
		return true;
	v = realloc(f->v, n * sizeof(*v));
	if (!v)
		return false;
	f->v = v;
	f->cap = n;
	return true;
}

static void cap_thread_init(struct ks_cap_thread *t, uint64_t tid, uint64_t tgid,
			    const char *comm, uint32_t state, uint64_t nvcsw, uint64_t nivcsw)
{
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid;
	memcpy(t->comm, comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->state = ks_task_state_letter(state);
	t->nvcsw = nvcsw;
	t->nivcsw = nivcsw;
}

/* A thread walked in user space (w: our walk), into c. */
static struct ks_error *cap_add_walk(struct ks_capture *c, struct ks_symcache *names,
				     struct cap_frames *fr, struct ks_cap_thread *t,
				     const struct ks_walk_result *w)
{
	size_t i;

	if (!cap_frames_room(fr, w->nr))
		return &ks_error_nomem;
	for (i = 0; i < w->nr; i++) {
		const struct ks_frame *f = &w->frames[i];

		fr->v[i] = (struct ks_cap_frame){
			.ip = f->ip,
			.name = ks_symcache_name(names, f->ip, f->exact),
			.flags = (uint8_t)((f->reliable ? 0 : KS_CAP_FRAME_UNRELIABLE) |
					   (f->exact ? KS_CAP_FRAME_EXACT : 0)),
		};
	}
	switch (w->stop) {
	case KS_STOP_USER:
		t->flags |= KS_CAP_USER;
		t->user_ip = w->user_ip;
		t->user_sp = w->user_sp;
		break;
	case KS_STOP_END_OF_STACK:
		break;
	case KS_STOP_MAX_FRAMES:
		t->flags |= KS_CAP_PARTIAL | KS_CAP_TRUNCATED;
		t->why = "frame limit";
		break;
	default:
		t->flags |= KS_CAP_PARTIAL;
		t->why = ks_walk_stop_name(w->stop);
		break;
	}
	return ks_capture_add(c, t, fr->v, w->nr, NULL, 0) ? NULL : &ks_error_nomem;
}

/* A record's frames unwound in the driver (KSTACK_SNAP_FRAMES), into c. */
static struct ks_error *cap_add_frames(struct ks_capture *c, struct ks_symcache *names,
				       struct cap_frames *fr, struct ks_cap_thread *t,
				       const struct kstack_snap_thread *r, const uint64_t *ips)
{
	size_t i;

	if (!cap_frames_room(fr, r->nr_frames))
		return &ks_error_nomem;
	for (i = 0; i < r->nr_frames; i++)
		fr->v[i] = (struct ks_cap_frame){ .ip = ips[i],
						  .name = ks_symcache_name(names, ips[i], false) };
	if (r->flags & KSTACK_SNAP_F_TRUNCATED) {
		t->flags |= KS_CAP_PARTIAL | KS_CAP_TRUNCATED;
		t->why = "frame limit";
	} else if (r->flags & KSTACK_SNAP_F_UNRELIABLE) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "the kernel's unwinder stopped early";
	} else if (r->flags & KSTACK_SNAP_F_RAN) {
		t->flags |= KS_CAP_PARTIAL;
		t->why = "ran during its capture";
	} else if (!(r->flags & KSTACK_TF_KTHREAD)) {
		t->flags |= KS_CAP_USER;	/* the driver's walk ends at the user-mode entry */
	}
	return ks_capture_add(c, t, fr->v, r->nr_frames, NULL, 0) ? NULL : &ks_error_nomem;
}

static bool record_usable(const struct kstack_snap_thread *r)
{
	return !(r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN)) && r->raw_len &&
	       r->sp + r->raw_len == r->stack_base + r->stack_size;
}

/* One thread taken on its own (its record was not usable), into c. */
static struct ks_error *cap_add_alone(struct ks_session *s, struct ks_capture *c,
				      struct ks_symcache *names, struct cap_frames *fr,
				      const struct kstack_snap_thread *r,
				      struct triage_counts *counts)
{
	struct kstack_thread_context ctx;
	struct ks_walk_result w;
	struct ks_cap_thread t;
	struct ks_error *err = ks_session_walk(s, r->tid, &ctx, &w);

	if (err && err->code == EBUSY) {
		cap_thread_init(&t, r->tid, r->tgid, r->comm, 0, r->nvcsw_after, r->nivcsw_after);
		t.flags = KS_CAP_RUNNING;
		ks_error_destroy(err);
		return ks_capture_add(c, &t, NULL, 0, NULL, 0) ? NULL : &ks_error_nomem;
	}
	if (err) {
		if (err->code == ESRCH)
			counts->vanished++;
		else
			counts->failed++;
		if (err->code != ESRCH && err->code != EAGAIN)
			fprintf(stderr, "kstack: thread %" PRIu64 ": %s\n", r->tid, err->message);
		ks_error_destroy(err);
		return NULL;
	}
	/* names of a stack not seen in the first pass */
	for (size_t i = 0; i < w.nr; i++)
		ks_symcache_want(names, w.frames[i].ip, w.frames[i].exact);
	ks_symcache_resolve(names);
	cap_thread_init(&t, r->tid, ctx.tgid, ctx.comm, ctx.state, ctx.nvcsw, ctx.nivcsw);
	err = cap_add_walk(c, names, fr, &t, &w);
	ks_walk_result_fini(&w);
	return err;
}

/*
 * One SNAPSHOT's records into c: walked (RAW) or taken as they are
 * (FRAMES), in two passes, so that every distinct address is named in a
 * few batched calls before any name is needed.
 */
static struct ks_error *cap_snapshot(struct ks_session *s, struct ks_symcache *names,
				     const struct ks_snapshot *snap, struct ks_capture *c,
				     struct triage_counts *counts)
{
	struct ks_walk_result *walks = calloc(snap->nr ? snap->nr : 1, sizeof(*walks));
	bool *walked = calloc(snap->nr ? snap->nr : 1, sizeof(*walked));
	const struct kstack_snap_thread *r;
	struct cap_frames fr = { 0 };
	struct ks_error *err = NULL, *e2;
	const void *data;
	size_t off = 0, i;

	if (!walks || !walked) {
		err = &ks_error_nomem;
		goto out;
	}
	for (i = 0; (r = ks_snapshot_next(snap, &off, &data, &err)) && i < snap->nr; i++) {
		struct ks_walk_thread wt = { r->stack_base, r->stack_size, r->sp };
		size_t k;

		if (r->nr_frames) {
			for (k = 0; k < r->nr_frames; k++)
				ks_symcache_want(names, ((const uint64_t *)data)[k], false);
			continue;
		}
		if (!record_usable(r))
			continue;
		e2 = ks_walk_image(&s->cfg, &wt, data, &walks[i]);
		if (e2) {
			ks_error_destroy(e2);
			continue;
		}
		walked[i] = true;
		for (k = 0; k < walks[i].nr; k++)
			ks_symcache_want(names, walks[i].frames[k].ip, walks[i].frames[k].exact);
	}
	if (err)
		goto out;
	ks_symcache_resolve(names);
	off = 0;
	for (i = 0; !err && (r = ks_snapshot_next(snap, &off, &data, &err)) && i < snap->nr; i++) {
		struct ks_cap_thread t;

		c->walked++;
		cap_thread_init(&t, r->tid, r->tgid, r->comm, r->state, r->nvcsw_after,
				r->nivcsw_after);
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			t.state = 'R';
			t.flags = KS_CAP_RUNNING;
			err = ks_capture_add(c, &t, NULL, 0, NULL, 0) ? NULL : &ks_error_nomem;
		} else if (r->nr_frames || (!r->raw_len && !(r->flags & KSTACK_SNAP_F_RAN))) {
			err = cap_add_frames(c, names, &fr, &t, r, data);
		} else if (walked[i]) {
			err = cap_add_walk(c, names, &fr, &t, &walks[i]);
		} else {
			err = cap_add_alone(s, c, names, &fr, r, counts);
		}
	}
out:
	for (i = 0; walks && i < snap->nr; i++)
		if (walked[i])
			ks_walk_result_fini(&walks[i]);
	free(walks);
	free(walked);
	free(fr.v);
	return err;
}

struct ks_error *triage_capture(struct ks_session *s, struct ks_symcache *names, bool all,
				char *const *pids, int npids, uint32_t mode,
				struct ks_snapshot *snap, struct ks_capture *c,
				struct triage_counts *counts)
{
	uint32_t max = s->cfg.max_frames ? s->cfg.max_frames : KS_WALK_DEFAULT_MAX;
	struct ks_error *err;
	int i;

	if (max > KSTACK_FRAMES_MAX)
		max = KSTACK_FRAMES_MAX;
	ks_capture_reset(c);
	for (i = 0; i < (all ? 1 : npids); i++) {
		uint64_t pid = all ? 0 : strtoull(pids[i], NULL, 10);

		err = ks_snapshot_take(&s->drv, pid, mode, mode == KSTACK_SNAP_RAW ? 0 : max, snap);
		if (err && err->code == ESRCH && !all) {
			/* a process that is gone: counted, the others go on */
			counts->vanished++;
			ks_error_destroy(err);
			continue;
		}
		if (err)
			return err;
		err = cap_snapshot(s, names, snap, c, counts);
		if (err)
			return err;
	}
	return NULL;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int triage_run(struct ks_session *s, struct ks_symcache *names, const struct triage_opts *t,
	       bool all, char *const *pids, int npids)
{
	struct ks_report r = { .interval_ns = t->interval_ns, .start_ns = now_ns(CLOCK_REALTIME) };
	struct triage_counts counts = { 0 };
	struct ks_snapshot snap = { 0 };
	struct ks_grouping g;
	struct ks_capture c;
	struct ks_filter f;
	struct ks_error *err;
	FILE *out = stdout;
	int rc = EXIT_ALL;

	err = ks_filter_init(&f, t->states, t->comm, t->match);
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		return EXIT_USAGE;
	}
	if (t->output) {
		out = fopen(t->output, "we");
		if (!out) {
			fprintf(stderr, "kstack: %s: %s\n", t->output, strerror(errno));
			ks_filter_fini(&f);
			return EXIT_NOTHING;
		}
	}
	ks_capture_init(&c);
	/* folded lines are per (comm, stack) by definition: group even when not asked */
	ks_grouping_init(&g, t->format == KS_FORMAT_FOLDED && t->group == KS_GROUP_NONE ?
			 KS_GROUP_WHOLE : t->group);
	if (t->sample) {
		err = triage_sample(s, names, t, all, pids, npids, &f, &g, &r, &counts);
	} else {
		/* raw stacks walked here: the frames kstack's own listing shows */
		err = triage_capture(s, names, all, pids, npids, KSTACK_SNAP_RAW, &snap, &c,
				     &counts);
		if (!err) {
			r.walked = c.walked;
			ks_filter_capture(&f, &c, &r.left);
			err = ks_grouping_add(&g, &c);
		}
	}
	if (!err) {
		ks_grouping_finish(&g, t->min_count);
		r.g = &g;
		err = ks_report_write(&r, t->format, out);
	}
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		rc = EXIT_NOTHING;
	} else if (!r.walked) {
		rc = EXIT_NOTHING;
	} else if (counts.failed || (!all && counts.vanished)) {
		rc = EXIT_PARTIAL;
	}
	if (counts.vanished && !all)
		fprintf(stderr, "kstack: %" PRIu64 " threads or processes exited before their turn\n",
			counts.vanished);
	if (counts.failed)
		fprintf(stderr, "kstack: %" PRIu64 " threads could not be walked\n", counts.failed);
	if (out != stdout && fclose(out) && rc == EXIT_ALL) {
		fprintf(stderr, "kstack: %s: %s\n", t->output, strerror(errno));
		rc = EXIT_NOTHING;
	}
	ks_snapshot_fini(&snap);
	ks_capture_fini(&c);
	ks_grouping_fini(&g);
	ks_filter_fini(&f);
	return rc;
}
