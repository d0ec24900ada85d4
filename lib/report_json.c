// SPDX-License-Identifier: GPL-2.0
/*
 * JSON report, written with jansson: one document, stable field names,
 * numbers as numbers, addresses as "0x..." hex strings (a JSON number
 * loses 64-bit addresses in most readers). Schema:
 * doc/kstack-report.schema.json; described in README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define KS_JSON_VERSION 1	/* bump on any incompatible change of the shape */

static json_t *ks_json_comm(const char *comm)
{
	char buf[KS_COMM_ESC];

	return json_string(ks_report_comm(comm, buf));
}

/*
 * A frame name or part of one: escaped by the symbolizer, so ASCII; should
 * a caller hand raw bytes that are no UTF-8 (jansson refuses them), escape.
 */
static json_t *ks_json_name(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *buf;

	if (j)
		return j;
	buf = malloc(KS_ESCAPE_SIZE(len));
	if (!buf)
		return NULL;
	ks_escape(buf, KS_ESCAPE_SIZE(len), s, len);
	j = json_string(buf);
	free(buf);
	return j;
}

static json_t *ks_json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
	return json_string(buf);
}

static json_t *ks_json_u64(uint64_t v)
{
	/* json_int_t is long long: counts and ids fit */
	return json_integer((json_int_t)v);
}

/* json_object_set_new that remembers a failed allocation. */
static void ks_json_set(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v))
		*ok = false;
}

static void ks_json_push(json_t *a, json_t *v, bool *ok)
{
	if (!v || json_array_append_new(a, v))
		*ok = false;
}

static json_t *ks_json_frames(const struct ks_cap_stack *s, bool *ok)
{
	const struct ks_cap_frame *f = s ? s->f : NULL;
	size_t n = ks_cap_stack_n(s), i;
	json_t *a = json_array();

	if (!a) {
		*ok = false;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		struct ks_name_parts p;

		if (!o) {
			*ok = false;
			break;
		}
		ks_name_split(f[i].name, &p);
		ks_json_set(o, "address", ks_json_hex(f[i].ip), ok);
		ks_json_set(o, "name", ks_json_name(f[i].name, strlen(f[i].name)), ok);
		ks_json_set(o, "module", p.owner_len ? ks_json_name(p.owner, p.owner_len) : json_null(),
			    ok);
		ks_json_set(o, "function", ks_json_name(p.func, p.func_len), ok);
		/* the symbol as the file has it: mangled where function is demangled */
		if (f[i].raw)
			ks_name_split(f[i].raw, &p);
		ks_json_set(o, "raw_function", ks_json_name(p.func, p.func_len), ok);
		ks_json_set(o, "offset", ks_json_u64(p.offset), ok);
		ks_json_set(o, "reliable", json_boolean(!(f[i].flags & KS_CAP_FRAME_UNRELIABLE)), ok);
		ks_json_set(o, "exact", json_boolean(f[i].flags & KS_CAP_FRAME_EXACT), ok);
		ks_json_push(a, o, ok);
	}
	return a;
}

static const char *ks_json_end(const struct ks_group *gr)
{
	if (gr->flags & KS_CAP_RUNNING)
		return "running";
	if (gr->flags & KS_CAP_TRUNCATED)
		return "truncated";
	if (gr->flags & KS_CAP_PARTIAL)
		return "stopped";
	if (gr->flags & KS_CAP_USER)
		return "user";
	return "kernel_thread";
}

/*
 * "waiting_for": what a thread waits for (waitfor.h), null when nothing
 * we can name; left out where not looked for (--sample).
 */
static void ks_json_wait(json_t *o, const struct ks_report *r, const struct ks_wait *w, bool *ok)
{
	json_t *j;
	char why[96];

	if (!r->waits)
		return;
	if (w->kind == KS_WAIT_NONE) {
		ks_json_set(o, "waiting_for", json_null(), ok);
		return;
	}
	j = json_object();
	if (!j) {
		*ok = false;
		return;
	}
	ks_json_set(j, "kind", json_string(ks_wait_kind_name((enum ks_wait_kind)w->kind)), ok);
	ks_json_set(j, "address", ks_json_hex(w->addr), ok);
	ks_json_set(j, "holder_tid", w->why == KS_WHY_HELD ? ks_json_u64(w->tid) : json_null(), ok);
	ks_json_set(j, "reason", w->why == KS_WHY_HELD ? json_null() :
		    json_string(ks_wait_reason(w, why, sizeof(why))), ok);
	ks_json_set(o, "waiting_for", j, ok);
}

/* "deadlocks": the capture's confirmed cycles, each its thread ids in wait-for order. */
static void ks_json_deadlocks(json_t *doc, const struct ks_report *r, bool *ok)
{
	const struct ks_waitgraph *wg = r->waits;
	json_t *a;
	size_t i, j;

	if (!wg)
		return;
	a = json_array();
	if (!a) {
		*ok = false;
		return;
	}
	for (i = 0; i < wg->ncycles; i++) {
		json_t *c = json_array();

		for (j = 0; c && j < wg->cycles[i].n; j++)
			ks_json_push(c, ks_json_u64(wg->v[wg->cycles[i].v[j]].tid), ok);
		ks_json_push(a, c, ok);
	}
	ks_json_set(doc, "deadlocks", a, ok);
}

/* What a thread and a group both carry: the stack and how it ended. */
static void ks_json_stack(json_t *o, const struct ks_group *gr, bool *ok)
{
	ks_json_set(o, "end", json_string(ks_json_end(gr)), ok);
	ks_json_set(o, "partial", json_boolean(gr->flags & (KS_CAP_PARTIAL | KS_CAP_RUNNING)), ok);
	if (gr->flags & KS_CAP_PARTIAL)
		ks_json_set(o, "stop_reason", json_string(gr->why ? gr->why : "cut short"), ok);
	ks_json_set(o, "kernel_frames", ks_json_frames(gr->kstack, ok), ok);
	ks_json_set(o, "user_frames", ks_json_frames(gr->ustack, ok), ok);
}

static void ks_json_samples(json_t *o, const struct ks_report *r, const struct ks_group *gr,
			    bool *ok)
{
	if (!r->sampled)
		return;
	ks_json_set(o, "samples", ks_json_u64(gr->samples), ok);
	ks_json_set(o, "wall_ns", ks_json_u64(ks_report_wall_ns(r, gr->samples)), ok);
	ks_json_set(o, "share", json_real(r->g->samples ? (double)gr->samples /
					  (double)r->g->samples : 0.0), ok);
}

static json_t *ks_json_thread(const struct ks_report *r, const struct ks_group *gr, bool *ok)
{
	const struct ks_group_member *m = &gr->m[0];
	json_t *o = json_object(), *cs = json_object();
	char state[2] = { m->state ? m->state : '?', '\0' };

	if (!o || !cs) {
		json_decref(o);
		json_decref(cs);
		*ok = false;
		return NULL;
	}
	ks_json_set(o, "tid", ks_json_u64(m->tid), ok);
	ks_json_set(o, "tgid", ks_json_u64(m->tgid), ok);
	ks_json_set(o, "comm", ks_json_comm(m->comm), ok);
	ks_json_set(o, "state", json_string(state), ok);
	ks_json_set(cs, "voluntary", ks_json_u64(m->nvcsw), ok);
	ks_json_set(cs, "involuntary", ks_json_u64(m->nivcsw), ok);
	ks_json_set(o, "ctxsw", cs, ok);
	ks_json_wait(o, r, &m->wait, ok);
	ks_json_samples(o, r, gr, ok);
	ks_json_stack(o, gr, ok);
	if ((gr->flags & KS_CAP_USER) && !(gr->flags & KS_CAP_PARTIAL)) {
		ks_json_set(o, "user_ip", ks_json_hex(m->user_ip), ok);
		ks_json_set(o, "user_sp", ks_json_hex(m->user_sp), ok);
	}
	return o;
}

static json_t *ks_json_group(const struct ks_report *r, const struct ks_group *gr, bool *ok)
{
	json_t *o = json_object(), *states = json_object(), *comms = json_array(),
	       *members = json_array();
	struct ks_comm_count *cc;
	size_t nc = ks_report_comms(gr, &cc), i;
	char *tids = ks_report_tid_ranges(gr);

	if (!o || !states || !comms || !members || !cc || !tids) {
		json_decref(o);
		json_decref(states);
		json_decref(comms);
		json_decref(members);
		free(cc);
		free(tids);
		*ok = false;
		return NULL;
	}
	ks_json_set(o, "threads", ks_json_u64(gr->nm), ok);
	ks_json_samples(o, r, gr, ok);
	for (i = 0; i < sizeof(gr->states) / sizeof(gr->states[0]); i++) {
		char key[2] = { KS_STATE_LETTERS[i], '\0' };

		if (gr->states[i])
			ks_json_set(states, key, ks_json_u64(gr->states[i]), ok);
	}
	ks_json_set(o, "states", states, ok);
	for (i = 0; i < nc; i++) {
		json_t *c = json_object();

		if (c) {
			ks_json_set(c, "comm", ks_json_comm(cc[i].comm), ok);
			ks_json_set(c, "threads", ks_json_u64(cc[i].threads), ok);
		}
		ks_json_push(comms, c, ok);
	}
	ks_json_set(o, "comms", comms, ok);
	ks_json_set(o, "tid_ranges", json_string(tids), ok);
	for (i = 0; i < gr->nm; i++) {
		const struct ks_group_member *m = &gr->m[i];
		char state[2] = { m->state ? m->state : '?', '\0' };
		json_t *t = json_object();

		if (t) {
			ks_json_set(t, "tid", ks_json_u64(m->tid), ok);
			ks_json_set(t, "tgid", ks_json_u64(m->tgid), ok);
			ks_json_set(t, "comm", ks_json_comm(m->comm), ok);
			ks_json_set(t, "state", json_string(state), ok);
			ks_json_set(t, "samples", ks_json_u64(m->samples), ok);
			ks_json_wait(t, r, &m->wait, ok);
		}
		ks_json_push(members, t, ok);
	}
	ks_json_set(o, "members", members, ok);
	ks_json_stack(o, gr, ok);
	free(cc);
	free(tids);
	return o;
}

static const char *ks_json_group_by(enum ks_group_by by)
{
	return by == KS_GROUP_WHOLE ? "whole" : by == KS_GROUP_KERNEL ? "kernel" : "none";
}

struct ks_error *ks_report_json(const struct ks_report *r, FILE *out)
{
	const struct ks_grouping *g = r->g;
	json_t *doc = json_object(), *left = json_object(), *list = json_array();
	bool ok = doc && left && list;
	size_t i;

	if (!ok) {
		json_decref(doc);
		json_decref(left);
		json_decref(list);
		return &ks_error_nomem;
	}
	ks_json_set(doc, "format", json_string("kstack-report"), &ok);
	ks_json_set(doc, "version", json_integer(KS_JSON_VERSION), &ok);
	ks_json_set(doc, "mode", json_string(r->sampled ? "sample" : "snapshot"), &ok);
	ks_json_set(doc, "group_by", json_string(ks_json_group_by(g->by)), &ok);
	ks_json_set(doc, "threads_walked", ks_json_u64(r->walked), &ok);
	ks_json_set(doc, "threads_shown", ks_json_u64(g->samples - g->min_count_samples), &ok);
	ks_json_set(left, "state", ks_json_u64(r->left.state), &ok);
	ks_json_set(left, "comm", ks_json_u64(r->left.comm), &ok);
	ks_json_set(left, "match", ks_json_u64(r->left.match), &ok);
	ks_json_set(left, "min_count", ks_json_u64(r->sampled ? g->min_count_samples :
						   g->min_count_threads), &ok);
	ks_json_set(left, "min_count_groups", ks_json_u64(g->min_count_groups), &ok);
	/* only when there are any: a report without stays valid for older readers */
	if (r->not_permitted)
		ks_json_set(left, "not_permitted", ks_json_u64(r->not_permitted), &ok);
	if (r->not_permitted_processes)
		ks_json_set(left, "not_permitted_processes",
			    ks_json_u64(r->not_permitted_processes), &ok);
	ks_json_set(doc, "left_out", left, &ok);
	if (r->sampled) {
		json_t *s = json_object();

		if (s) {
			ks_json_set(s, "rounds", ks_json_u64(g->rounds), &ok);
			ks_json_set(s, "interval_ns", ks_json_u64(r->interval_ns), &ok);
			ks_json_set(s, "duration_ns", ks_json_u64(r->duration_ns), &ok);
			ks_json_set(s, "achieved_interval_ns",
				    ks_json_u64(g->rounds ? r->duration_ns / g->rounds : 0), &ok);
			ks_json_set(s, "interrupted", json_boolean(r->interrupted), &ok);
		}
		ks_json_set(doc, "sampling", s, &ok);
	}
	for (i = 0; i < g->n && ok; i++)
		ks_json_push(list, g->by == KS_GROUP_NONE ? ks_json_thread(r, &g->v[i], &ok) :
				   ks_json_group(r, &g->v[i], &ok), &ok);
	ks_json_set(doc, g->by == KS_GROUP_NONE ? "threads" : "groups", list, &ok);
	ks_json_deadlocks(doc, r, &ok);
	if (!ok) {
		json_decref(doc);
		return &ks_error_nomem;
	}
	if (json_dumpf(doc, out, JSON_PRESERVE_ORDER | JSON_INDENT(1)) || fputc('\n', out) == EOF) {
		json_decref(doc);
		return ks_error_format(EIO, "writing JSON: %s", strerror(errno));
	}
	json_decref(doc);
	return NULL;
}
