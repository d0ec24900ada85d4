// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * --format json: the document of kstack --format json on Linux
 * (doc/kstack-report.schema.json, version 1), so Windows stacks reach the
 * same triage and fleet tools. What Windows cannot say, and what is
 * written instead (win/README.md says it for users):
 *  - state: the ps letter nearest the thread's state (record.h);
 *  - comm: the thread's description, else the process's name;
 *  - ctxsw: Windows counts no voluntary/involuntary switches: 0 and 0;
 *  - waiting_for: only the kinds the schema knows (a "mutex"), at address
 *    0 (Wait Chain Traversal gives none); other kinds leave it out; null
 *    where WCT answered that the thread waits for nothing it names; left
 *    out where WCT is not available;
 *  - a frame's raw_function is its function (dbghelp undecorates them),
 *    reliable is true but where the driver's unwinder said otherwise,
 *    exact is true for the first frame of each part (its saved pc);
 *  - left_out: kstack.exe has no filters, so every count is 0.
 * A stack with no kernel part for the whole run (--no-kernel, no driver)
 * has kernel_frames [] and is not partial: the user part is whole.
 */
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "kstack/kstack_ioctl.h"
#include "report_out.h"

#define KS_JSON_VERSION 1	/* the schema's: bump with it */

static void frames(struct ks_json *j, const char *key, const struct ks_part_rec *p,
		   int reliable)
{
	struct ks_name_split s;
	unsigned i;

	ks_json_open(j, key, '[');
	for (i = 0; i < p->nr; i++) {
		ks_frame_name_split(p->f[i].name, &s);
		ks_json_open(j, NULL, '{');
		ks_json_hex(j, "address", p->f[i].pc);
		ks_json_str(j, "name", p->f[i].name);
		if (s.module)
			ks_json_strn(j, "module", s.module, s.module_len);
		else
			ks_json_null(j, "module");
		ks_json_strn(j, "function", s.func, s.func_len);
		ks_json_strn(j, "raw_function", s.func, s.func_len);
		ks_json_uint(j, "offset", s.offset);
		ks_json_bool(j, "reliable", reliable);
		ks_json_bool(j, "exact", i == 0);
		ks_json_close(j, '}');
	}
	ks_json_close(j, ']');
}

/* How the stack ended, and its frames: what a thread and a group both carry. */
static void stack(struct ks_json *j, const struct ks_thread_rec *t)
{
	static const struct ks_part_rec none;
	const char *why = NULL, *end;
	char cut[96];

	if (t->stop != KS_REC_WALKED) {
		end = "stopped";
		why = t->stop_why;
	} else if (t->kernel_wanted && !t->kernel_shown) {
		/* the driver is there, yet this thread's kernel part is not */
		end = "stopped";
		why = t->kernel_why;
	} else if (t->kernel.truncated || t->user.truncated) {
		end = "truncated";
		snprintf(cut, sizeof(cut), "truncated at %u frames (-n raises the limit)",
			 t->user.truncated ? t->user.nr : t->kernel.nr);
		why = cut;
	} else {
		/* no user-mode context: a thread of the system process */
		end = t->user.nr ? "user" : "kernel_thread";
	}
	ks_json_str(j, "end", end);
	ks_json_bool(j, "partial", why != NULL);
	if (why)
		ks_json_str(j, "stop_reason", why);
	frames(j, "kernel_frames", t->kernel_shown ? &t->kernel : &none,
	       !(t->kernel_flags & KSTACK_SF_UNRELIABLE));
	frames(j, "user_frames", t->stop == KS_REC_WALKED ? &t->user : &none, 1);
}

/*
 * "waiting_for" (see the top of the file): null when WCT said nothing
 * waits, left out when not asked or of a kind the schema has no name for.
 */
static void waiting_for(struct ks_json *j, const struct ks_run_info *ri,
			const struct ks_thread_rec *t)
{
	const struct ks_wait_rec *w = &t->wait;

	if (!ri->waits_asked)
		return;
	if (!w->waits) {
		ks_json_null(j, "waiting_for");
		return;
	}
	if (strcmp(w->kind, "mutex"))
		return;
	ks_json_open(j, "waiting_for", '{');
	ks_json_str(j, "kind", w->kind);
	ks_json_hex(j, "address", 0);
	if (w->holder_tid) {
		ks_json_uint(j, "holder_tid", w->holder_tid);
		ks_json_null(j, "reason");
	} else {
		ks_json_null(j, "holder_tid");
		ks_json_str(j, "reason", w->reason);
	}
	ks_json_close(j, '}');
}

static void state(struct ks_json *j, const struct ks_thread_rec *t)
{
	char s[2] = { ks_rec_state_letter(t), '\0' };

	ks_json_str(j, "state", s);
}

static void thread(struct ks_json *j, const struct ks_run_info *ri, const struct ks_thread_rec *t)
{
	ks_json_open(j, NULL, '{');
	ks_json_uint(j, "tid", t->tid);
	ks_json_uint(j, "tgid", ri->pid);
	ks_json_str(j, "comm", ks_rec_comm(ri, t));
	state(j, t);
	ks_json_open(j, "ctxsw", '{');
	ks_json_uint(j, "voluntary", 0);
	ks_json_uint(j, "involuntary", 0);
	ks_json_close(j, '}');
	waiting_for(j, ri, t);
	stack(j, t);
	ks_json_close(j, '}');
}

static void group(struct ks_json *j, const struct ks_run_info *ri, const struct ks_group *gr)
{
	static const char letters[] = "RSDTtXZPI";	/* the schema's, in its order */
	unsigned i, k, count;
	char key[2] = { 0, 0 };
	char *tids;

	ks_json_open(j, NULL, '{');
	ks_json_uint(j, "threads", gr->nm);
	ks_json_open(j, "states", '{');
	for (k = 0; letters[k]; k++) {
		for (count = 0, i = 0; i < gr->nm; i++)
			count += ks_rec_state_letter(gr->m[i]) == letters[k];
		key[0] = letters[k];
		if (count)
			ks_json_uint(j, key, count);
	}
	ks_json_close(j, '}');
	/* each name once, with its threads, in the order first met */
	ks_json_open(j, "comms", '[');
	for (i = 0; i < gr->nm; i++) {
		const char *c = ks_rec_comm(ri, gr->m[i]);

		for (k = 0; k < i && strcmp(c, ks_rec_comm(ri, gr->m[k])); k++)
			;
		if (k < i)
			continue;
		for (count = 0, k = i; k < gr->nm; k++)
			count += !strcmp(c, ks_rec_comm(ri, gr->m[k]));
		ks_json_open(j, NULL, '{');
		ks_json_str(j, "comm", c);
		ks_json_uint(j, "threads", count);
		ks_json_close(j, '}');
	}
	ks_json_close(j, ']');
	tids = ks_tid_ranges(gr);
	ks_json_str(j, "tid_ranges", tids ? tids : "");
	free(tids);
	ks_json_open(j, "members", '[');
	for (i = 0; i < gr->nm; i++) {
		ks_json_open(j, NULL, '{');
		ks_json_uint(j, "tid", gr->m[i]->tid);
		ks_json_uint(j, "tgid", ri->pid);
		ks_json_str(j, "comm", ks_rec_comm(ri, gr->m[i]));
		state(j, gr->m[i]);
		ks_json_uint(j, "samples", 1);	/* one capture: each thread once */
		waiting_for(j, ri, gr->m[i]);
		ks_json_close(j, '}');
	}
	ks_json_close(j, ']');
	stack(j, gr->m[0]);
	ks_json_close(j, '}');
}

int ks_json_report(FILE *out, const struct ks_run_info *ri, const struct ks_thread_rec *t,
		   unsigned n, const struct ks_groups *g)
{
	struct ks_json j;
	unsigned i;

	memset(&j, 0, sizeof(j));
	j.f = out;
	ks_json_open(&j, NULL, '{');
	ks_json_str(&j, "format", "kstack-report");
	ks_json_uint(&j, "version", KS_JSON_VERSION);
	ks_json_str(&j, "mode", "snapshot");
	ks_json_str(&j, "group_by", g ? "whole" : "none");
	/* no filters: every thread walked is shown */
	ks_json_uint(&j, "threads_walked", n);
	ks_json_uint(&j, "threads_shown", n);
	ks_json_open(&j, "left_out", '{');
	ks_json_uint(&j, "state", 0);
	ks_json_uint(&j, "comm", 0);
	ks_json_uint(&j, "match", 0);
	ks_json_uint(&j, "min_count", 0);
	ks_json_uint(&j, "min_count_groups", 0);
	ks_json_close(&j, '}');
	ks_json_open(&j, g ? "groups" : "threads", '[');
	for (i = 0; g && i < g->n; i++)
		group(&j, ri, &g->v[i]);
	for (i = 0; !g && i < n; i++)
		thread(&j, ri, &t[i]);
	ks_json_close(&j, ']');
	ks_json_close(&j, '}');
	putc('\n', out);
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "kstack: writing JSON: the output failed\n");
		return -1;
	}
	return 0;
}
