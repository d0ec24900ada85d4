// SPDX-License-Identifier: GPL-2.0
/*
 * Text report. Ungrouped: kstack's per-thread text (header, frame lines,
 * how the walk ended, a blank line). Grouped: one block per distinct stack,
 *   == 100 threads (S x 100): zoo x 100; tids 301-400
 * (sampling: "== 523 samples (52.3%, ~2.615 s) in 100 threads (...)"),
 * the frame lines, how the stack ended. A closing "-- " line counts what
 * was walked, shown and left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void ks_text_stack(FILE *out, const struct ks_cap_stack *s)
{
	const struct ks_cap_frame *f = s ? s->f : NULL;
	size_t i;

	for (i = 0; i < ks_cap_stack_n(s); i++)
		fprintf(out, "%016" PRIx64 " : %s%s\n", f[i].ip,
			f[i].flags & KS_CAP_FRAME_UNRELIABLE ? "? " : "", f[i].name);
}

/* The line after the frames: how the stack ended (none at a kernel thread's end). */
static void ks_text_end(FILE *out, const struct ks_group *gr, const struct ks_group_member *m)
{
	if (gr->flags & KS_CAP_TRUNCATED)
		fprintf(out, "... truncated at %zu frames (raise with -n)\n", ks_group_nk(gr));
	else if ((gr->flags & KS_CAP_PARTIAL) && m && m->stop_ip)
		/* kstack's own line for a walk that stopped (stack_text.c) */
		fprintf(out, "(walk stopped: %s at %016" PRIx64 ")\n", gr->why ? gr->why : "cut short",
			m->stop_ip);
	else if (gr->flags & KS_CAP_PARTIAL)
		fprintf(out, "(walk stopped: %s)\n", gr->why ? gr->why : "cut short");
	else if ((gr->flags & KS_CAP_USER) && !gr->ustack && m)
		fprintf(out, "user mode: ip %016" PRIx64 " sp %016" PRIx64 "\n", m->user_ip,
			m->user_sp);
}

/* A thread's "waiting for ..." line (wait.h), under its header. */
static void ks_text_wait(FILE *out, const struct ks_wait *w)
{
	char line[KS_WAIT_LINE_LEN];

	if (w->kind != KS_WAIT_NONE)
		fprintf(out, "%s\n", ks_wait_line(w, line, sizeof(line)));
}

/* Distinct objects a group's threads wait for, at most this many lines. */
#define KS_TEXT_WAIT_OBJECTS 8

/*
 * A group's waits: one line per distinct object its threads wait for,
 * with how many of them (all: who holds what they all wait for).
 */
static void ks_text_group_waits(FILE *out, const struct ks_group *gr)
{
	const struct ks_wait *seen[KS_TEXT_WAIT_OBJECTS];
	size_t count[KS_TEXT_WAIT_OBJECTS], n = 0, more = 0, i, j;
	char line[KS_WAIT_LINE_LEN];

	for (i = 0; i < gr->nm; i++) {
		const struct ks_wait *w = &gr->m[i].wait;

		if (w->kind == KS_WAIT_NONE)
			continue;
		for (j = 0; j < n && !ks_wait_same(seen[j], w); j++)
			;
		if (j < n) {
			count[j]++;
		} else if (n < KS_TEXT_WAIT_OBJECTS) {
			seen[n] = w;
			count[n++] = 1;
		} else {
			more++;
		}
	}
	for (j = 0; j < n; j++) {
		ks_wait_line(seen[j], line, sizeof(line));
		if (count[j] == gr->nm && gr->nm > 1)
			fprintf(out, "%s (all %zu threads)\n", line, gr->nm);
		else
			fprintf(out, "%s (%zu %s)\n", line, count[j], count[j] == 1 ? "thread" : "threads");
	}
	if (more)
		fprintf(out, "... and %zu more threads waiting for other objects\n", more);
}

static void ks_text_thread(const struct ks_report *r, FILE *out, const struct ks_group *gr)
{
	const struct ks_group_member *m = &gr->m[0];
	char comm[KS_COMM_ESC];

	ks_report_comm(m->comm, comm);
	if (gr->flags & KS_CAP_RUNNING) {
		fprintf(out, "%" PRIu64 " %s R [running on a CPU: no saved kernel stack", m->tid, comm);
		if (r->sampled)
			fprintf(out, "; %" PRIu64 " samples", gr->samples);
		fputs("]\n\n", out);
		return;
	}
	fprintf(out, "%" PRIu64 " %s %c [ctxsw %" PRIu64 "+%" PRIu64 "]", m->tid, comm,
		m->state ? m->state : '?', m->nvcsw, m->nivcsw);
	if (r->sampled)
		fprintf(out, " [%" PRIu64 " samples, ~%.3f s]", gr->samples,
			(double)ks_report_wall_ns(r, gr->samples) / 1e9);
	fputc('\n', out);
	ks_text_wait(out, &m->wait);
	ks_text_stack(out, gr->kstack);
	/* the halves meet where user mode was left, as kstack's listing says it */
	if ((gr->flags & KS_CAP_USER) && gr->ustack)
		fprintf(out, "user mode: ip %016" PRIx64 " sp %016" PRIx64 "\n", m->user_ip,
			m->user_sp);
	ks_text_stack(out, gr->ustack);
	ks_text_end(out, gr, m);
	fputc('\n', out);
}

static void ks_text_states(FILE *out, const struct ks_group *gr)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(gr->states) / sizeof(gr->states[0]); i++) {
		if (!gr->states[i])
			continue;
		fprintf(out, "%s%c x %" PRIu64, sep, KS_STATE_LETTERS[i], gr->states[i]);
		sep = ", ";
	}
}

static struct ks_error *ks_text_group(const struct ks_report *r, FILE *out,
				      const struct ks_group *gr)
{
	struct ks_comm_count *comms;
	size_t nc = ks_report_comms(gr, &comms), i;
	char *tids = ks_report_tid_ranges(gr);
	char comm[KS_COMM_ESC];

	if (!comms || !tids) {
		free(comms);
		free(tids);
		return &ks_error_nomem;
	}
	if (r->sampled)
		fprintf(out, "== %" PRIu64 " samples (%.1f%%, ~%.3f s) in %zu threads (", gr->samples,
			r->g->samples ? 100.0 * (double)gr->samples / (double)r->g->samples : 0.0,
			(double)ks_report_wall_ns(r, gr->samples) / 1e9, gr->nm);
	else
		fprintf(out, "== %zu threads (", gr->nm);
	ks_text_states(out, gr);
	fputs("): ", out);
	for (i = 0; i < nc; i++)
		fprintf(out, "%s%s x %" PRIu64, i ? ", " : "",
			ks_report_comm(comms[i].comm, comm),
			comms[i].threads);
	fprintf(out, "; tids %s\n", tids);
	free(comms);
	free(tids);
	if (gr->flags & KS_CAP_RUNNING)
		fputs("[running on a CPU: no saved kernel stack]\n", out);
	ks_text_group_waits(out, gr);
	ks_text_stack(out, gr->kstack);
	/* where the halves meet (each thread left user mode at its own sp) */
	if ((gr->flags & KS_CAP_USER) && gr->ustack)
		fputs("user mode\n", out);
	ks_text_stack(out, gr->ustack);
	ks_text_end(out, gr, NULL);
	if ((gr->flags & KS_CAP_USER) && !gr->ustack)
		fputs("user mode\n", out);
	fputc('\n', out);
	return NULL;
}

static void ks_text_summary(const struct ks_report *r, FILE *out)
{
	const struct ks_grouping *g = r->g;
	uint64_t shown = g->samples - g->min_count_samples;

	if (r->sampled)
		fprintf(out, "-- %" PRIu64 " rounds in %.3f s (every %.1f ms asked, %.1f ms achieved)%s; "
			"%" PRIu64 " thread samples walked, %" PRIu64 " shown",
			g->rounds, (double)r->duration_ns / 1e9, (double)r->interval_ns / 1e6,
			g->rounds ? (double)r->duration_ns / 1e6 / (double)g->rounds : 0.0,
			r->interrupted ? ", interrupted" : "", r->walked, shown);
	else
		fprintf(out, "-- %" PRIu64 " threads walked, %" PRIu64 " shown", r->walked, shown);
	if (g->by != KS_GROUP_NONE)
		fprintf(out, " in %zu groups", g->n);
	if (ks_report_left_out(r) || g->min_count_groups) {
		fprintf(out, "; left out: %" PRIu64 " by --state, %" PRIu64 " by --comm, %" PRIu64
			" by --match", r->left.state, r->left.comm, r->left.match);
		if (g->min_count_groups)
			fprintf(out, ", %" PRIu64 " in %" PRIu64 " groups by --min-count",
				r->sampled ? g->min_count_samples : g->min_count_threads,
				g->min_count_groups);
	}
	if (r->not_permitted)
		fprintf(out, "; %" PRIu64 " %s not permitted", r->not_permitted,
			r->sampled ? "thread samples" : "threads");
	if (r->not_permitted_processes)
		fprintf(out, "; %" PRIu64 " %s not permitted", r->not_permitted_processes,
			r->not_permitted_processes == 1 ? "process" : "processes");
	fputc('\n', out);
}

/* "deadlock: A -> B -> A", a line per confirmed cycle of the capture. */
static void ks_text_deadlocks(const struct ks_report *r, FILE *out)
{
	const struct ks_waitgraph *wg = r->waits;
	size_t i, j;

	for (i = 0; wg && i < wg->ncycles; i++) {
		const struct ks_wg_cycle *c = &wg->cycles[i];

		fputs("deadlock:", out);
		for (j = 0; j < c->n; j++)
			fprintf(out, " %" PRIu64 " ->", wg->v[c->v[j]].tid);
		fprintf(out, " %" PRIu64 "\n", wg->v[c->v[0]].tid);
	}
}

struct ks_error *ks_report_text(const struct ks_report *r, FILE *out)
{
	struct ks_error *err;
	size_t i;

	for (i = 0; i < r->g->n; i++) {
		if (r->g->by == KS_GROUP_NONE) {
			ks_text_thread(r, out, &r->g->v[i]);
			continue;
		}
		err = ks_text_group(r, out, &r->g->v[i]);
		if (err)
			return err;
	}
	ks_text_deadlocks(r, out);
	ks_text_summary(r, out);
	return NULL;
}
