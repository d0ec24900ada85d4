// SPDX-License-Identifier: GPL-2.0
/*
 * Text report. Ungrouped: kstack's per-thread text (its process's line
 * before a process's first thread; header, frame lines, how the walk
 * ended, a blank line). Grouped: one block per distinct stack,
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
#include "stack_text.h"

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
	else if (gr->flags & KS_CAP_NO_CFI)
		fputs("(user walk stopped: no unwind information in the binary)\n", out);
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
	if (gr->flags & KS_CAP_ON_CPU)
		/* kstack's own header for a thread caught running (cli/running.c) */
		fprintf(out, "%" PRIu64 " %s R [running on CPU %u: caught at %016" PRIx64
			" in %s mode; ctxsw %" PRIu64 "+%" PRIu64 "]", m->tid, comm, m->cpu,
			m->caught_ip, m->caught_ip >> 63 ? "kernel" : "user", m->nvcsw, m->nivcsw);
	else
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

/* Names listed in a group header before "...", unless --verbose */
#define KS_TEXT_NAMES_MAX	3
/* Process ids listed after a process name before "...", unless --verbose */
#define KS_TEXT_PIDS_MAX	3
/* tid ranges listed whole up to this many, else their span and count, unless --verbose */
#define KS_TEXT_RANGES_MAX	4

/* "svc x 400 (pids 94, 301)", "sleep x 40 (40 processes: pids 100, 103, 106, ...)" */
static void ks_text_proc(const struct ks_report *r, FILE *out, const struct ks_proc_count *p)
{
	size_t i, n = p->npids;

	ks_escape_write(out, p->name, strlen(p->name));
	fprintf(out, " x %" PRIu64 " (", p->threads);
	if (n > KS_TEXT_PIDS_MAX && !r->verbose) {
		fprintf(out, "%zu processes: pids", n);
		n = KS_TEXT_PIDS_MAX;
	} else {
		fputs(n == 1 ? "pid" : "pids", out);
	}
	for (i = 0; i < n; i++)
		fprintf(out, "%s %" PRIu64, i ? "," : "", p->pids[i]);
	fputs(n < p->npids ? ", ...)" : ")", out);
}

/*
 * The processes of a group: its user processes by name, with their ids,
 * most threads first; then its kernel threads, counted (each is a process
 * of its own, named by the thread names that follow).
 */
static void ks_text_procs(const struct ks_report *r, FILE *out, const struct ks_proc_counts *pc)
{
	uint64_t kthreads = 0;
	size_t i, users = 0, shown = 0;

	for (i = 0; i < pc->n; i++) {
		if (pc->v[i].kthread) {
			kthreads += pc->v[i].threads;
			continue;
		}
		if (users++ >= KS_TEXT_NAMES_MAX && !r->verbose)
			continue;
		if (shown++)
			fputs(", ", out);
		ks_text_proc(r, out, &pc->v[i]);
	}
	if (shown < users)
		fprintf(out, ", ... (%zu names)", users);
	if (kthreads)
		fprintf(out, "%s%" PRIu64 " kernel %s", users ? ", " : "", kthreads,
			kthreads == 1 ? "thread" : "threads");
}

/*
 * Do the thread names say no more than the process names (processes of
 * one thread, named alike)?
 */
static bool ks_text_comms_same(const struct ks_proc_counts *pc, const struct ks_comm_fold *c,
			       size_t nc)
{
	size_t i;

	if (pc->n != nc)
		return false;
	for (i = 0; i < nc; i++)
		if (pc->v[i].kthread || strcmp(pc->v[i].name, c[i].comm) ||
		    pc->v[i].threads != c[i].threads)
			return false;
	return true;
}

/* "tids 3-7,9,12-13"; past KS_TEXT_RANGES_MAX ranges "tids 99..698 in 37 ranges" */
static void ks_text_tids(const struct ks_report *r, FILE *out, const struct ks_group *gr,
			 const char *ranges)
{
	size_t n = 1;
	const char *p;

	for (p = ranges; *p; p++)
		n += *p == ',';
	if (n <= KS_TEXT_RANGES_MAX || r->verbose || !gr->nm)
		fprintf(out, "tids %s", ranges);
	else
		fprintf(out, "tids %" PRIu64 "..%" PRIu64 " in %zu ranges", gr->m[0].tid,
			gr->m[gr->nm - 1].tid, n);
}

/*
 * A group's header: its threads (sampling: samples, their share and the
 * thread-seconds they stand for), states, then its processes by name with
 * their ids, the thread names where they say more, and the thread ids:
 *   == 400 threads (S x 400): svc x 400 (pids 94, 301); worker x 400; tids 99..698 in 9 ranges
 *   == 14 threads (I x 14): 14 kernel threads; kworker/<star> x 12, kblockd x 1, ...
 */
static struct ks_error *ks_text_group(const struct ks_report *r, FILE *out,
				      const struct ks_group *gr)
{
	struct ks_comm_fold *comms;
	size_t nc = ks_report_comms_folded(gr, &comms), i;
	char *tids = ks_report_tid_ranges(gr);
	struct ks_proc_counts pc;
	bool procs = ks_report_procs(gr, &pc);

	if (!comms || !tids || !procs) {
		free(comms);
		free(tids);
		ks_report_procs_fini(&pc);
		return &ks_error_nomem;
	}
	if (r->sampled)
		fprintf(out, "== %" PRIu64 " samples (%.1f%%, ~%.3f thread-seconds) in %zu %s "
			"(samples by state: ", gr->samples,
			r->g->samples ? 100.0 * (double)gr->samples / (double)r->g->samples : 0.0,
			(double)ks_report_wall_ns(r, gr->samples) / 1e9, gr->nm,
			gr->nm == 1 ? "thread" : "threads");
	else
		fprintf(out, "== %zu %s (", gr->nm, gr->nm == 1 ? "thread" : "threads");
	ks_text_states(out, gr);
	fputs("): ", out);
	ks_text_procs(r, out, &pc);
	if (!ks_text_comms_same(&pc, comms, nc)) {
		fputs("; ", out);
		for (i = 0; i < nc && (i < KS_TEXT_NAMES_MAX || r->verbose); i++) {
			if (i)
				fputs(", ", out);
			ks_escape_write(out, comms[i].comm, strlen(comms[i].comm));
			fprintf(out, " x %" PRIu64, comms[i].threads);
		}
		if (i < nc)
			fprintf(out, ", ... (%zu names)", nc);
	}
	fputs("; ", out);
	ks_text_tids(r, out, gr, tids);
	fputc('\n', out);
	free(comms);
	free(tids);
	ks_report_procs_fini(&pc);
	if (gr->flags & KS_CAP_RUNNING)
		fputs("[running on a CPU: no saved kernel stack]\n", out);
	if (gr->flags & KS_CAP_ON_CPU)
		fputs("[on CPU: caught running there]\n", out);
	ks_text_group_waits(out, gr);
	ks_text_stack(out, gr->kstack);
	/* where the halves meet (each thread left user mode at its own sp) */
	if ((gr->flags & KS_CAP_USER) && gr->ustack)
		fputs("user mode\n", out);
	ks_text_stack(out, gr->ustack);
	ks_text_end(out, gr, NULL);
	/* the kernel half reached user mode; its user half is not part of the group: why */
	if ((gr->flags & KS_CAP_USER) && !gr->ustack) {
		const char *why = gr->flags & KS_CAP_USER_RAN ?
				  "user half not taken: the thread ran or exited while it was copied" :
				  r->no_user_why;

		fprintf(out, "user mode%s%s%s\n", why ? " (" : "", why ? why : "", why ? ")" : "");
	}
	fputc('\n', out);
	return NULL;
}

static void ks_text_summary(const struct ks_report *r, FILE *out)
{
	const struct ks_grouping *g = r->g;
	uint64_t shown = g->samples - g->min_count_samples;

	if (r->sampled) {
		uint64_t threads = ks_report_threads_shown(r);

		fprintf(out, "-- %" PRIu64 " %s in %.3f s (every %.1f ms asked, %.1f ms achieved)%s; "
			"%" PRIu64 " samples of %" PRIu64 " %s walked, %" PRIu64 " samples of %" PRIu64
			" %s shown",
			g->rounds, g->rounds == 1 ? "round" : "rounds", (double)r->duration_ns / 1e9,
			(double)r->interval_ns / 1e6,
			g->rounds ? (double)r->duration_ns / 1e6 / (double)g->rounds : 0.0,
			r->interrupted ? ", interrupted" : "", r->samples_walked, r->walked,
			r->walked == 1 ? "thread" : "threads", shown, threads,
			threads == 1 ? "thread" : "threads");
	} else
		fprintf(out, "-- %" PRIu64 " %s walked, %" PRIu64 " shown", r->walked,
			r->walked == 1 ? "thread" : "threads", shown);
	if (g->by != KS_GROUP_NONE)
		fprintf(out, " in %zu %s", g->n, g->n == 1 ? "group" : "groups");
	if (r->samples_user_ran)
		fprintf(out, "; %" PRIu64 " %s without the user half (the thread ran or exited while it "
			"was copied)",
			r->samples_user_ran, r->samples_user_ran == 1 ? "sample" : "samples");
	if (ks_report_left_out(r) || g->min_count_groups) {
		/* the filters given, each with what it left out (0 too: it was asked) */
		const char *sep = "; left out: ";

		if (r->has_state) {
			fprintf(out, "%s%" PRIu64 " by --state", sep, r->left.state);
			sep = ", ";
		}
		if (r->has_process) {
			fprintf(out, "%s%" PRIu64 " by --process", sep, r->left.process);
			sep = ", ";
		}
		if (r->has_comm) {
			fprintf(out, "%s%" PRIu64 " by --comm", sep, r->left.comm);
			sep = ", ";
		}
		if (r->has_match) {
			fprintf(out, "%s%" PRIu64 " by --match", sep, r->left.match);
			sep = ", ";
		}
		if (g->min_count_groups)
			fprintf(out, "%s%" PRIu64 " in %" PRIu64 " %s by --min-count", sep,
				r->sampled ? g->min_count_samples : g->min_count_threads,
				g->min_count_groups, g->min_count_groups == 1 ? "group" : "groups");
	}
	if (r->not_permitted)
		fprintf(out, "; %" PRIu64 " %s not permitted", r->not_permitted,
			r->sampled ? "thread samples" : r->not_permitted == 1 ? "thread" : "threads");
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
			const struct ks_group_member *m = &r->g->v[i].m[0];

			/* the listing's process line before each process's threads */
			if (!i || m->tgid != r->g->v[i - 1].m[0].tgid)
				ks_stack_text_put_process(out, m->tgid, m->pname, m->pcmd);
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
