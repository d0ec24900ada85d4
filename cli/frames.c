// SPDX-License-Identifier: GPL-2.0
/*
 * kstack under kernel lockdown: the driver may not read kernel memory, so
 * this tool cannot walk stacks itself; it shows the frames the kernel's
 * unwinder (and the driver's walk) produce in the kernel, named by the
 * driver: SNAPSHOT frames for PID.../--all, STACK for -t. No user-mode
 * ip/sp line (that comes from our own walk), and every stack whose thread
 * ran while it was taken, or that the unwinder cut short, is reported as
 * such, never printed as whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "lockdown.h"

/* How a record of kernel frames ended; false: it is not whole. */
static bool frames_end(const char *why_cut, size_t n, uint64_t tid, struct counts *c)
{
	if (!why_cut)
		return true;
	if (!strcmp(why_cut, "limit"))
		printf("... truncated at %zu frames (raise with -n)\n", n);
	else
		printf("(walk stopped: the kernel's unwinder %s)\n", why_cut);
	fprintf(stderr, "kstack: thread %" PRIu64 ": stack %s\n", tid,
		!strcmp(why_cut, "limit") ? "truncated" : "cut short by the kernel's unwinder");
	c->failed++;
	return false;
}

static void frames_snapshot(struct ks_driver *drv, struct ks_stack_text *text, uint64_t pid,
			    uint32_t max, struct counts *c, struct ks_error **err_ret)
{
	const struct kstack_snap_thread *r;
	struct ks_snapshot snap = { 0 };
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	err = ks_snapshot_take(drv, pid, KSTACK_SNAP_FRAMES, max, &snap);
	if (err) {
		*err_ret = err;
		return;
	}
	/* name every distinct address of the listing in a few calls */
	while ((r = ks_snapshot_next(&snap, &off, &data, &err)))
		if (!(r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN)))
			ks_stack_text_note(text, data, NULL, r->nr_frames);
	ks_error_destroy(err);
	ks_symcache_resolve(text->names);
	off = 0;
	while ((r = ks_snapshot_next(&snap, &off, &data, &err))) {
		char comm[KSTACK_COMM_LEN];

		memcpy(comm, r->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			print_running(r->tid, comm);
			c->running++;
			continue;
		}
		if (r->flags & KSTACK_SNAP_F_RAN) {
			fprintf(stderr, "kstack: thread %" PRIu64 ": ran while its stack was taken (twice)\n",
				r->tid);
			c->ran++;
			c->failed++;
			continue;
		}
		ks_stack_text_put_header(stdout, r->tid, comm, r->state, r->nvcsw_after,
					 r->nivcsw_after);
		ks_stack_text_put(text, stdout, data, NULL, r->nr_frames);
		frames_end(r->flags & KSTACK_SNAP_F_TRUNCATED ? "limit" :
			   r->flags & KSTACK_SNAP_F_UNRELIABLE ? "reported an error" : NULL,
			   r->nr_frames, r->tid, c);
		putchar('\n');
		c->shown++;
	}
	*err_ret = err;
	ks_snapshot_fini(&snap);
}

/* -t TID: STACK between two contexts, from one quiet moment. */
static void frames_thread(struct ks_driver *drv, struct ks_stack_text *text, uint64_t tid,
			  uint32_t max, struct counts *c)
{
	struct kstack_thread_context ctx, after;
	uint64_t frames[KSTACK_FRAMES_MAX];
	struct ks_error *err = NULL;
	struct kstack_stack st;
	int tries;

	for (tries = 0; tries < KS_SESSION_TRIES; tries++) {
		err = ks_driver_thread_context(drv, tid, &ctx);
		if (!err)
			err = ks_driver_stack(drv, tid, frames, max, &st);
		if (!err)
			err = ks_driver_thread_context(drv, tid, &after);
		if (err)
			break;
		if (!(st.flags & KSTACK_SF_RAN) && after.nvcsw == ctx.nvcsw &&
		    after.nivcsw == ctx.nivcsw && st.nvcsw_before == ctx.nvcsw &&
		    st.nivcsw_before == ctx.nivcsw)
			break;
		err = ks_error_format(EAGAIN, "thread %" PRIu64 ": ran during the walk %d times",
				      tid, KS_SESSION_TRIES);
	}
	if (err) {
		if (err->code == EBUSY) {
			print_running(tid, "-");
			c->running++;
		} else {
			count_error(c, err, tid, true);
		}
		ks_error_destroy(err);
		return;
	}
	ks_stack_text_put_header(stdout, tid, ctx.comm, ctx.state, ctx.nvcsw, ctx.nivcsw);
	ks_stack_text_put(text, stdout, frames, NULL, st.nr_frames);
	frames_end(st.flags & KSTACK_SF_TRUNCATED ? "limit" :
		   st.flags & KSTACK_SF_UNRELIABLE ? "reported an error" : NULL,
		   st.nr_frames, tid, c);
	putchar('\n');
	c->shown++;
}

int frames_fallback(const struct opts *o, char *const *ids, size_t nids)
{
	struct ks_ksyms none = { 0 };
	struct ks_stack_text text;
	struct ks_symcache names;
	struct counts c = { 0 };
	struct ks_driver drv;
	struct ks_error *err;
	char level[64];
	uint32_t max = o->max_frames ? o->max_frames : KS_WALK_DEFAULT_MAX;
	size_t i;
	int rc;

	err = ks_driver_open(&drv, o->device);
	if (err) {
		ks_error_destroy(err);
		return -1;
	}
	if (!ks_memory_refused(&drv)) {
		ks_driver_close(&drv);
		return -1;
	}
	if (!ks_lockdown_level(level, sizeof(level)))
		snprintf(level, sizeof(level), "level unknown: securityfs not mounted");
	fprintf(stderr, "kstack: the kernel is locked down (%s): the driver may not read kernel memory, as /proc/kcore may not, so kstack cannot walk stacks itself.\n",
		level);
	if (o->raw || o->verify || o->tables) {
		fprintf(stderr, "kstack: %s reads kernel memory: not available under lockdown; plain kstack PID/-t/--all still show the kernel's frames\n",
			o->raw ? "--raw" : o->verify ? "--verify" : "--tables");
		ks_driver_close(&drv);
		return EXIT_NOTHING;
	}
	fprintf(stderr, "kstack: showing the frames unwound in the kernel instead (as /proc/PID/stack; no user-mode ip/sp line)\n");
	if (max > KSTACK_FRAMES_MAX)
		max = KSTACK_FRAMES_MAX;	/* the kernel's requests return at most this */
	ks_symcache_init(&names, &none);
	ks_symcache_use_driver(&names, &drv);
	ks_stack_text_init(&text, &names, 0);
	err = NULL;
	if (o->all)
		frames_snapshot(&drv, &text, 0, max, &c, &err);
	for (i = 0; !o->all && !err && i < nids; i++) {
		uint64_t v = strtoull(ids[i], NULL, 10);

		if (o->threads) {
			frames_thread(&drv, &text, v, max, &c);
			continue;
		}
		frames_snapshot(&drv, &text, v, max, &c, &err);
		if (err && err->code == ESRCH) {	/* report, go on */
			fprintf(stderr, "kstack: process %" PRIu64 ": no such process\n", v);
			ks_error_destroy(err);
			err = NULL;
			c.failed++;
		}
	}
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		rc = EXIT_NOTHING;
	} else if (c.shown == 0 && c.running == 0) {
		rc = EXIT_NOTHING;
	} else {
		rc = c.failed || c.vanished ? EXIT_PARTIAL : EXIT_ALL;
	}
	ks_stack_text_fini(&text);
	ks_symcache_fini(&names);
	ks_driver_close(&drv);
	return rc;
}
