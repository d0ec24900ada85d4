// SPDX-License-Identifier: GPL-2.0
/*
 * kstack --sample: a snapshot every --interval for --duration, each one's
 * threads added to the grouping, so a group's samples say how often threads
 * were seen there and, times duration / rounds, about how long they spent
 * there: an off-CPU profile without eBPF, BTF or debuginfo.
 *
 * Rounds are scheduled on a fixed grid (start + k * interval) on the
 * monotonic clock, so a slow round delays the next one instead of shifting
 * every later one; a round that overran the grid starts right away (no
 * burst of rounds to catch up). Kernel frames come from the driver's walk
 * (KSTACK_SNAP_FRAMES): no stack bytes copied out, a few µs a thread; the
 * user half, unless --kernel, as the listing takes it (a stack copy and a
 * walk by compiled CFI rules per thread); a thread that ran through its
 * capture counts as a cut sample, not retaken. Samples count (thread,
 * round) pairs; the report counts threads apart (each once).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "hashtab.h"
#include "triage.h"

static volatile sig_atomic_t sample_stop;

static void sample_on_signal(int sig)
{
	(void)sig;
	sample_stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Progress on a terminal's stderr, at most 5 times a second. */
static void sample_progress(uint64_t elapsed, uint64_t duration, uint64_t rounds,
			    size_t threads)
{
	fprintf(stderr, "\rkstack: sampling %.1f/%.1f s, %" PRIu64 " snapshots, %zu threads\033[K",
		(double)elapsed / 1e9, (double)duration / 1e9, rounds, threads);
}

/* Samples of this round cut short (frame limit, walk stopped, ran during it). */
static void sample_count_cut(const struct ks_capture *c, struct triage_counts *counts)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if ((c->v[i].flags & (KS_CAP_PARTIAL | KS_CAP_RUNNING)) == KS_CAP_PARTIAL)
			counts->cut++;
}

static bool sample_tid_eq(const void *val, const void *key)
{
	return (uintptr_t)val == (uintptr_t)*(const uint64_t *)key;
}

/* The threads of this round not seen in an earlier one, counted in *threads. */
static struct ks_error *sample_count_threads(const struct ks_capture *c, struct ks_hashtab *seen,
					     uint64_t *threads)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		uint64_t tid = c->v[i].tid, h = ks_hash_u64(tid);

		/* a tid is never 0: the value itself is the key */
		if (ks_hashtab_get(seen, h, sample_tid_eq, &tid))
			continue;
		if (!ks_hashtab_add(seen, h, (void *)(uintptr_t)tid))
			return &ks_error_nomem;
		(*threads)++;
	}
	return NULL;
}

struct ks_error *triage_sample(const struct triage_target *tg, const struct triage_opts *t,
			       const struct ks_filter *f, struct ks_cap_pool *pool,
			       struct ks_grouping *g, struct ks_report *r,
			       struct triage_counts *counts)
{
	struct sigaction sa = { .sa_handler = sample_on_signal }, old_int, old_term;
	bool progress = t->duration_ns > 1000000000ull && isatty(STDERR_FILENO);
	uint64_t start, next, end, shown_at = 0, last_end;
	struct ks_error *err = NULL;
	struct ks_hashtab seen = { 0 };	/* tids walked: threads, not (thread, round) pairs */
	struct ks_capture c;

	/* no SA_RESTART: Ctrl-C cuts the sleep short, the report is still written */
	sigemptyset(&sa.sa_mask);
	sample_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ks_capture_init(&c, pool);
	r->sampled = true;
	start = mono_ns();
	last_end = start;
	end = start + t->duration_ns;
	for (next = start; !sample_stop; ) {
		uint64_t now;

		err = triage_capture(tg, &c, counts);
		if (err)
			break;
		r->samples_walked += c.walked;
		err = sample_count_threads(&c, &seen, &r->walked);
		if (err)
			break;
		ks_filter_capture(f, &c, &r->left);
		sample_count_cut(&c, counts);
		err = ks_grouping_add(g, &c);
		if (err)
			break;
		now = last_end = mono_ns();
		if (progress && now - shown_at >= 200000000ull) {
			sample_progress(now - start, t->duration_ns, g->rounds, c.n);
			shown_at = now;
		}
		next += t->interval_ns;
		if (next >= end)
			break;
		if (next > now) {
			struct timespec ts = { (time_t)(next / 1000000000ull),
					       (long)(next % 1000000000ull) };

			/* EINTR: a signal; the loop's test sees it */
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else {
			next = now;
		}
	}
	r->duration_ns = last_end - start;
	r->interrupted = sample_stop;
	if (progress)
		fputs("\r\033[K", stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	ks_capture_fini(&c);
	ks_hashtab_fini(&seen);
	return err;
}
