// SPDX-License-Identifier: GPL-2.0
/*
 * JSON report, written with jansson: one document, stable field names,
 * numbers as numbers, addresses as "0x..." hex strings (a JSON number
 * loses 64-bit addresses in most readers). Schema:
 * doc/kstack-report.schema.json; described in README.md.
 *
 * The document is streamed: the containers (the document, its threads or
 * groups, a group's members) are opened and closed here, the values inside
 * them built as json_t, dumped by jansson and freed one at a time, so
 * memory holds one thread's values, not the whole document (a thread's
 * frames as jansson values cost ~20 KiB: 90 MiB at 4,800 threads of both
 * halves when built whole). The bytes are those json_dumpf(JSON_INDENT(1))
 * writes for the whole document. A distinct stack's frames are built and
 * dumped once, their text kept for the next thread with that stack.
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

static json_t *ks_json_frames_value(const struct ks_cap_stack *s, bool *ok)
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

static void ks_json_samples(json_t *o, const struct ks_report *r, const struct ks_group *gr,
			    bool *ok)
{
	if (!r->sampled)
		return;
	ks_json_set(o, "samples", ks_json_u64(gr->samples), ok);
	/* thread time: the samples' share of the run, summed over threads */
	ks_json_set(o, "wall_ns", ks_json_u64(ks_report_wall_ns(r, gr->samples)), ok);
	ks_json_set(o, "thread_seconds", json_real((double)ks_report_wall_ns(r, gr->samples) / 1e9),
		    ok);
	ks_json_set(o, "share", json_real(r->g->samples ? (double)gr->samples /
					  (double)r->g->samples : 0.0), ok);
}

/*
 * "waiting_for": what a thread waits for (wait.h) into object o, null
 * when nothing we can name; left out where not looked for (--sample).
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
static json_t *ks_json_deadlocks(const struct ks_report *r)
{
	const struct ks_waitgraph *wg = r->waits;
	json_t *a = json_array();
	bool ok = a != NULL;
	size_t i, j;

	for (i = 0; ok && i < wg->ncycles; i++) {
		json_t *c = json_array();

		for (j = 0; c && j < wg->cycles[i].n; j++)
			ks_json_push(c, ks_json_u64(wg->v[wg->cycles[i].v[j]].tid), &ok);
		ks_json_push(a, c, &ok);
	}
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static const char *ks_json_group_by(enum ks_group_by by)
{
	return by == KS_GROUP_WHOLE ? "whole" : by == KS_GROUP_KERNEL ? "kernel" : "none";
}

/*
 * The writer. Laid out as json_dumpf(JSON_INDENT(1)) lays out a whole
 * document: each member or element on a line of its own, indented one
 * space a level; a value dumped alone is indented from column 0, so each
 * of its newlines gets the level's spaces too.
 */
#define KS_JSON_DEPTH 4		/* the deepest container opened: a group's members */
#define KS_JSON_FLAGS (JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

/*
 * A frames array's text, kept for its stack: threads share a few distinct
 * stacks (capture.h), and a stack's frames are most of a thread's text
 * and nearly all of its cost in jansson (a miss costs ~100x a hit). Slots
 * by the stack's hash, a new stack taking its slot's place; past
 * KS_JSON_KEEP bytes in all, every text is forgotten and the keeping
 * starts again, so that a report of all-distinct stacks stays bounded.
 */
#define KS_JSON_SLOTS 256
#define KS_JSON_KEEP (1u << 20)

struct ks_json_kept {
	const struct ks_cap_stack *s;	/* interned: equal stacks, equal pointers */
	int level;			/* the text's indentation */
	char *text;
	size_t len;
};

struct ks_json_out {
	FILE *f;
	int level;			/* containers open */
	bool more[KS_JSON_DEPTH + 1];	/* the open container at each level has an entry */
	int err;			/* errno of the first failed write; EINVAL: jansson's dump */
	bool nomem;
	unsigned int flushes;		/* of buf: a text kept must not straddle one */
	struct ks_json_kept kept[KS_JSON_SLOTS];
	size_t kept_bytes;
	/*
	 * jansson hands its output over a few bytes at a time (a key, a
	 * quote, a separator): gathered here, they reach stdio in large
	 * blocks (one fwrite a token was a third of the time)
	 */
	size_t len;
	char buf[1 << 16];
};

static void ks_json_flush(struct ks_json_out *o)
{
	if (!o->err && o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
	o->flushes++;
}

static void ks_json_write(struct ks_json_out *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		ks_json_flush(o);
		if (n > sizeof(o->buf)) {
			if (!o->err && fwrite(s, 1, n, o->f) != n)
				o->err = errno ? errno : EIO;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* jansson's output (json_dump_callback): each new line indented to the level */
static int ks_json_put(const char *s, size_t n, void *data)
{
	static const char spaces[KS_JSON_DEPTH + 1] = "    ";
	struct ks_json_out *o = data;
	const char *nl;

	while ((nl = memchr(s, '\n', n))) {
		ks_json_write(o, s, (size_t)(nl - s) + 1);
		ks_json_write(o, spaces, (size_t)o->level);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	ks_json_write(o, s, n);
	return o->err ? -1 : 0;
}

/*
 * The next entry of the open container: the separator, its line, and in
 * an object its key (this file's own ASCII names: nothing to escape).
 */
static void ks_json_entry(struct ks_json_out *o, const char *key)
{
	if (o->level) {
		ks_json_put(o->more[o->level] ? ",\n" : "\n", o->more[o->level] ? 2 : 1, o);
		o->more[o->level] = true;
	}
	if (key) {
		ks_json_write(o, "\"", 1);
		ks_json_write(o, key, strlen(key));
		ks_json_write(o, "\": ", 3);
	}
}

static void ks_json_dump(struct ks_json_out *o, const json_t *v)
{
	if (json_dump_callback(v, ks_json_put, o, KS_JSON_FLAGS) && !o->err)
		o->err = EINVAL;
}

/* A value as the next entry; v is borrowed. NULL (no memory) only marks it. */
static void ks_json_value(struct ks_json_out *o, const char *key, const json_t *v)
{
	if (!v) {
		o->nomem = true;
		return;
	}
	if (o->err || o->nomem)
		return;
	ks_json_entry(o, key);
	ks_json_dump(o, v);
}

/* Each member of obj as an entry of the open object; obj is freed. */
static void ks_json_members(struct ks_json_out *o, json_t *obj)
{
	const char *key;
	json_t *v;

	if (!obj) {
		o->nomem = true;
		return;
	}
	json_object_foreach(obj, key, v)
		ks_json_value(o, key, v);
	json_decref(obj);
}

static void ks_json_open(struct ks_json_out *o, const char *key, char c)
{
	ks_json_entry(o, key);
	ks_json_write(o, &c, 1);
	o->more[++o->level] = false;
}

static void ks_json_close(struct ks_json_out *o, char c)
{
	/* an empty container is "[]", as jansson writes it */
	if (o->more[o->level--])
		ks_json_put("\n", 1, o);
	ks_json_write(o, &c, 1);
}

static void ks_json_forget(struct ks_json_out *o)
{
	size_t i;

	for (i = 0; i < KS_JSON_SLOTS; i++) {
		free(o->kept[i].text);
		o->kept[i] = (struct ks_json_kept){ 0 };
	}
	o->kept_bytes = 0;
}

/*
 * A stack's frames as the entry `key`: the text kept for it, or its
 * values built and dumped, and the text kept when it came out whole in buf.
 */
static void ks_json_frames(struct ks_json_out *o, const char *key, const struct ks_cap_stack *s)
{
	struct ks_json_kept *k = s ? &o->kept[s->hash % KS_JSON_SLOTS] : NULL;
	unsigned int flushes;
	size_t start;
	bool ok = true;
	json_t *a;

	if (o->err || o->nomem)
		return;
	if (k && k->s == s && k->level == o->level) {
		ks_json_entry(o, key);
		ks_json_write(o, k->text, k->len);
		return;
	}
	a = ks_json_frames_value(s, &ok);
	if (!ok) {
		json_decref(a);
		o->nomem = true;
		return;
	}
	ks_json_entry(o, key);
	/* the text, whole in buf to be kept: room for a large stack's first */
	if (k && o->len > sizeof(o->buf) / 2)
		ks_json_flush(o);
	start = o->len;
	flushes = o->flushes;
	ks_json_dump(o, a);
	json_decref(a);
	if (!k || o->err || o->flushes != flushes)
		return;
	/* full: start again (threads come in runs, each process's together) */
	if (o->kept_bytes - k->len + (o->len - start) > KS_JSON_KEEP)
		ks_json_forget(o);
	free(k->text);
	o->kept_bytes -= k->len;
	k->s = NULL;
	k->len = 0;
	k->text = malloc(o->len - start);
	if (!k->text)
		return;	/* kept or not, the output is the same */
	memcpy(k->text, o->buf + start, o->len - start);
	k->len = o->len - start;
	k->s = s;
	k->level = o->level;
	o->kept_bytes += k->len;
}

/* What a thread and a group both carry: the stack and how it ended. */
static void ks_json_stack(struct ks_json_out *o, const struct ks_group *gr)
{
	json_t *end = json_object();
	bool ok = end != NULL;

	if (ok) {
		ks_json_set(end, "end", json_string(ks_json_end(gr)), &ok);
		ks_json_set(end, "partial",
			    json_boolean(gr->flags & (KS_CAP_PARTIAL | KS_CAP_RUNNING)), &ok);
		ks_json_set(end, "on_cpu", json_boolean(gr->flags & KS_CAP_ON_CPU), &ok);
		if (gr->flags & KS_CAP_PARTIAL)
			ks_json_set(end, "stop_reason", json_string(gr->why ? gr->why : "cut short"),
				    &ok);
	}
	if (!ok) {
		json_decref(end);
		end = NULL;
	}
	ks_json_members(o, end);
	ks_json_frames(o, "kernel_frames", gr->kstack);
	ks_json_frames(o, "user_frames", gr->ustack);
}

static void ks_json_thread(struct ks_json_out *o, const struct ks_report *r,
			   const struct ks_group *gr)
{
	const struct ks_group_member *m = &gr->m[0];
	json_t *head = json_object(), *cs = json_object(), *user = json_object();
	char state[2] = { m->state ? m->state : '?', '\0' };
	bool ok = head && cs && user;

	if (ok) {
		ks_json_set(head, "tid", ks_json_u64(m->tid), &ok);
		ks_json_set(head, "tgid", ks_json_u64(m->tgid), &ok);
		ks_json_set(head, "comm", ks_json_comm(m->comm), &ok);
		ks_json_set(head, "state", json_string(state), &ok);
		ks_json_set(cs, "voluntary", ks_json_u64(m->nvcsw), &ok);
		ks_json_set(cs, "involuntary", ks_json_u64(m->nivcsw), &ok);
		ks_json_set(head, "ctxsw", json_incref(cs), &ok);
		ks_json_wait(head, r, &m->wait, &ok);
		ks_json_samples(head, r, gr, &ok);
		if ((gr->flags & KS_CAP_USER) && !(gr->flags & KS_CAP_PARTIAL)) {
			ks_json_set(user, "user_ip", ks_json_hex(m->user_ip), &ok);
			ks_json_set(user, "user_sp", ks_json_hex(m->user_sp), &ok);
		}
	}
	json_decref(cs);
	if (!ok) {
		json_decref(head);
		json_decref(user);
		o->nomem = true;
		return;
	}
	ks_json_open(o, NULL, '{');
	ks_json_members(o, head);
	ks_json_stack(o, gr);
	ks_json_members(o, user);
	ks_json_close(o, '}');
}

/* A group: its members streamed between the counts and the stack. */
static void ks_json_group(struct ks_json_out *o, const struct ks_report *r,
			  const struct ks_group *gr)
{
	json_t *head = json_object(), *states = json_object(), *comms = json_array();
	struct ks_comm_count *cc;
	size_t nc = ks_report_comms(gr, &cc), i;
	char *tids = ks_report_tid_ranges(gr);
	bool ok = head && states && comms && cc && tids;

	if (ok) {
		ks_json_set(head, "threads", ks_json_u64(gr->nm), &ok);
		ks_json_samples(head, r, gr, &ok);
		for (i = 0; i < sizeof(gr->states) / sizeof(gr->states[0]); i++) {
			char key[2] = { KS_STATE_LETTERS[i], '\0' };

			if (gr->states[i])
				ks_json_set(states, key, ks_json_u64(gr->states[i]), &ok);
		}
		ks_json_set(head, "states", json_incref(states), &ok);
		for (i = 0; i < nc; i++) {
			json_t *c = json_object();

			if (c) {
				ks_json_set(c, "comm", ks_json_comm(cc[i].comm), &ok);
				ks_json_set(c, "threads", ks_json_u64(cc[i].threads), &ok);
			}
			ks_json_push(comms, c, &ok);
		}
		ks_json_set(head, "comms", json_incref(comms), &ok);
		ks_json_set(head, "tid_ranges", json_string(tids), &ok);
	}
	json_decref(states);
	json_decref(comms);
	free(cc);
	free(tids);
	if (!ok) {
		json_decref(head);
		o->nomem = true;
		return;
	}
	ks_json_open(o, NULL, '{');
	ks_json_members(o, head);
	ks_json_open(o, "members", '[');
	for (i = 0; i < gr->nm && !o->err && !o->nomem; i++) {
		const struct ks_group_member *m = &gr->m[i];
		char state[2] = { m->state ? m->state : '?', '\0' };
		json_t *t = json_object();

		if (t) {
			ks_json_set(t, "tid", ks_json_u64(m->tid), &ok);
			ks_json_set(t, "tgid", ks_json_u64(m->tgid), &ok);
			ks_json_set(t, "comm", ks_json_comm(m->comm), &ok);
			ks_json_set(t, "state", json_string(state), &ok);
			ks_json_set(t, "samples", ks_json_u64(m->samples), &ok);
			ks_json_wait(t, r, &m->wait, &ok);
		}
		ks_json_value(o, NULL, ok ? t : NULL);
		json_decref(t);
	}
	ks_json_close(o, ']');
	ks_json_stack(o, gr);
	ks_json_close(o, '}');
}

/* The document's members before its threads or groups. */
static json_t *ks_json_head(const struct ks_report *r)
{
	const struct ks_grouping *g = r->g;
	json_t *doc = json_object(), *left = json_object();
	bool ok = doc && left;

	if (!ok) {
		json_decref(doc);
		json_decref(left);
		return NULL;
	}
	ks_json_set(doc, "format", json_string("kstack-report"), &ok);
	ks_json_set(doc, "version", json_integer(KS_JSON_VERSION), &ok);
	ks_json_set(doc, "mode", json_string(r->sampled ? "sample" : "snapshot"), &ok);
	ks_json_set(doc, "group_by", json_string(ks_json_group_by(g->by)), &ok);
	/* threads count threads (sampling: distinct); samples_* count (thread, round) pairs */
	ks_json_set(doc, "threads_walked", ks_json_u64(r->walked), &ok);
	ks_json_set(doc, "threads_shown", ks_json_u64(ks_report_threads_shown(r)), &ok);
	if (r->sampled) {
		ks_json_set(doc, "samples_walked", ks_json_u64(r->samples_walked), &ok);
		ks_json_set(doc, "samples_shown", ks_json_u64(g->samples - g->min_count_samples),
			    &ok);
	}
	ks_json_set(left, "state", ks_json_u64(r->left.state), &ok);
	ks_json_set(left, "comm", ks_json_u64(r->left.comm), &ok);
	ks_json_set(left, "match", ks_json_u64(r->left.match), &ok);
	/* --process: present when given (a report without stays valid for older readers) */
	if (r->has_process)
		ks_json_set(left, "process", ks_json_u64(r->left.process), &ok);
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
	/* known before the threads are written: the cycles come first */
	if (r->waits)
		ks_json_set(doc, "deadlocks", ks_json_deadlocks(r), &ok);
	if (!ok) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

struct ks_error *ks_report_json(const struct ks_report *r, FILE *out)
{
	const struct ks_grouping *g = r->g;
	struct ks_json_out *o = calloc(1, sizeof(*o));
	struct ks_error *err = NULL;
	size_t i;

	if (!o)
		return &ks_error_nomem;
	o->f = out;
	ks_json_open(o, NULL, '{');
	ks_json_members(o, ks_json_head(r));
	ks_json_open(o, g->by == KS_GROUP_NONE ? "threads" : "groups", '[');
	/* stop at the first failure: a full disk is not written to 66,000 times more */
	for (i = 0; i < g->n && !o->err && !o->nomem; i++) {
		if (g->by == KS_GROUP_NONE)
			ks_json_thread(o, r, &g->v[i]);
		else
			ks_json_group(o, r, &g->v[i]);
	}
	ks_json_close(o, ']');
	ks_json_close(o, '}');
	ks_json_write(o, "\n", 1);
	ks_json_flush(o);
	if (o->err == EINVAL)
		err = ks_error_format(EIO, "writing JSON: jansson could not encode a value");
	else if (o->err)
		err = ks_error_format(EIO, "writing JSON: %s", strerror(o->err));
	else if (o->nomem)
		err = &ks_error_nomem;
	ks_json_forget(o);
	free(o);
	return err;
}
