// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "escape.h"
#include "output.h"
#include "stack_text.h"
#include "vec.h"

/* One distinct stack: its key (ips, flags) and, once written, its text. */
struct ks_stack_text_entry {
	size_t n;
	bool plain;		/* every flag 0 (matches a flags == NULL key) */
	char *text;		/* NULL until written (or when over the bound) */
	size_t len;
	uint8_t *flags;		/* n, stored after ips[] */
	uint64_t ips[];
};

void ks_stack_text_init(struct ks_stack_text *t, struct ks_symcache *names, size_t max_bytes)
{
	memset(t, 0, sizeof(*t));
	t->names = names;
	t->max_bytes = max_bytes ? max_bytes : KS_STACK_TEXT_MAX_BYTES;
}

struct ks_stack_text_kept;

void ks_stack_text_fini(struct ks_stack_text *t)
{
	struct ks_stack_text_kept *k;
	struct ks_stack_text_entry *e;
	size_t pos = 0;

	while ((e = ks_hashtab_next(&t->stacks, &pos))) {
		free(e->text);
		free(e);
	}
	ks_hashtab_fini(&t->stacks);
	pos = 0;
	while ((k = ks_hashtab_next(&t->kept, &pos)))
		free(k);
	ks_hashtab_fini(&t->kept);
	free(t->buf);
	free(t->ips);
	free(t->flags);
	memset(t, 0, sizeof(*t));
}

/*
 * fwrite() for the hot path. Under TCG a glibc fwrite costs about half a
 * microsecond a call (vtable checks, indirect calls), more than copying a
 * whole cached stack; with room in the stream's buffer, copy into it as
 * glibc's own putc_unlocked does (line-buffered and unbuffered streams
 * never show room there, so they keep their flushing rules).
 */
static void ks_out_write(FILE *out, const char *p, size_t len)
{
#ifdef __GLIBC__
	if (out->_IO_write_ptr && (size_t)(out->_IO_write_end - out->_IO_write_ptr) >= len) {
		memcpy(out->_IO_write_ptr, p, len);
		out->_IO_write_ptr += len;
		return;
	}
#endif
	fwrite_unlocked(p, 1, len, out);
}

static uint8_t ks_text_flag(const uint8_t *flags, size_t i)
{
	return flags ? flags[i] : 0;
}

/* Over the ips only: stacks that differ in flags alone are rare. */
static uint64_t ks_stack_text_hash(const uint64_t *ips, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h ^ ips[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return ks_hash_u64(h);
}

/* a stack's key: its frames and their per-frame flags (NULL: all 0) */
struct ks_stack_key {
	const uint64_t *ips;
	const uint8_t *flags;
	size_t n;
};

static bool ks_stack_text_same_key(const struct ks_stack_text_entry *e,
				   const struct ks_stack_key *k)
{
	if (e->n != k->n || memcmp(e->ips, k->ips, k->n * sizeof(*k->ips)))
		return false;
	return k->flags ? !memcmp(e->flags, k->flags, k->n) : e->plain;
}

static bool ks_stack_text_eq(const void *val, const void *key)
{
	return ks_stack_text_same_key(val, key);
}

/*
 * The entry for this stack; a new one (*added) if it is not kept yet.
 * NULL when the bound (or memory) allows no new entry.
 */
static struct ks_stack_text_entry *ks_stack_text_entry(struct ks_stack_text *t,
						       const uint64_t *ips,
						       const uint8_t *flags, size_t n,
						       bool *added)
{
	const struct ks_stack_key key = { ips, flags, n };
	struct ks_stack_text_entry *e;
	size_t size = sizeof(*e) + n * (sizeof(*ips) + 1), grow, i;
	uint64_t h;

	*added = false;
	/* threads of one process often sleep alike, and come one after another */
	if (t->last && ks_stack_text_same_key(t->last, &key))
		return t->last;
	h = ks_stack_text_hash(ips, n);
	e = ks_hashtab_get(&t->stacks, h, ks_stack_text_eq, &key);
	if (e)
		return t->last = e;
	grow = ks_hashtab_growth_bytes(&t->stacks);
	if (t->bytes + grow + size > t->max_bytes)
		return NULL;
	e = malloc(size);
	if (!e)
		return NULL;
	if (!ks_hashtab_add(&t->stacks, h, e)) {
		free(e);
		return NULL;
	}
	e->n = n;
	e->text = NULL;
	e->len = 0;
	e->flags = (uint8_t *)&e->ips[n];
	memcpy(e->ips, ips, n * sizeof(*ips));
	e->plain = true;
	for (i = 0; i < n; i++) {
		e->flags[i] = ks_text_flag(flags, i);
		if (e->flags[i])
			e->plain = false;
	}
	t->bytes += grow + size;
	*added = true;
	return t->last = e;
}

struct ks_stack_text_entry *ks_stack_text_note(struct ks_stack_text *t, const uint64_t *ips,
					       const uint8_t *flags, size_t n)
{
	struct ks_stack_text_entry *e;
	bool added;
	size_t i;

	if (!n)
		return NULL;
	e = ks_stack_text_entry(t, ips, flags, n, &added);
	if (e && !added)
		return e;	/* seen before: its addresses are queued already */
	for (i = 0; i < n; i++)
		ks_symcache_want(t->names, ips[i], ks_text_flag(flags, i) & KS_TEXT_EXACT);
	return e;
}

static void ks_hex16(char *dst, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		dst[i] = hex[v & 15];
}

/* "addr : [? ]name\n" into dst, which has room; returns its length. */
static size_t ks_frame_line(char *dst, uint64_t ip, uint8_t flags, const char *name,
			    size_t name_len)
{
	size_t len = 19;

	ks_hex16(dst, ip);
	memcpy(dst + 16, " : ", 3);
	if (flags & KS_TEXT_UNRELIABLE) {
		memcpy(dst + len, "? ", 2);
		len += 2;
	}
	memcpy(dst + len, name, name_len);
	len += name_len;
	dst[len++] = '\n';
	return len;
}

#define KS_FRAME_LINE_FIXED 22	/* address, " : ", "? ", newline */

/* One frame line appended to t->buf at *len; false without memory. */
static bool ks_stack_text_add_line(struct ks_stack_text *t, size_t *len, uint64_t ip,
				   uint8_t flags, const char *name)
{
	size_t nl = strlen(name);

	if (!ks_vec_grow(&t->buf, &t->buf_cap, *len + KS_FRAME_LINE_FIXED + nl, 1, 1024))
		return false;
	*len += ks_frame_line(t->buf + *len, ip, flags, name, nl);
	return true;
}

/* The stack's frame lines into t->buf; false without memory. */
static bool ks_stack_text_format(struct ks_stack_text *t, const uint64_t *ips,
				 const uint8_t *flags, size_t n, size_t *len_ret)
{
	size_t i;

	*len_ret = 0;
	for (i = 0; i < n; i++) {
		uint8_t fl = ks_text_flag(flags, i);

		if (!ks_stack_text_add_line(t, len_ret, ips[i], fl,
					    ks_symcache_name(t->names, ips[i], fl & KS_TEXT_EXACT)))
			return false;
	}
	return true;
}

/* One frame line written piece by piece: without memory for the scratch buffer, the same text. */
static void ks_put_frame_line(FILE *out, uint64_t ip, uint8_t flags, const char *name)
{
	char addr[20];

	ks_hex16(addr, ip);
	memcpy(addr + 16, " : ", 4);
	fputs_unlocked(addr, out);
	if (flags & KS_TEXT_UNRELIABLE)
		fputs_unlocked("? ", out);
	fputs_unlocked(name, out);
	putc_unlocked('\n', out);
}

/* A stack's lines without the scratch buffer, names from the symbolizer. */
static void ks_stack_text_put_lines(struct ks_stack_text *t, FILE *out, const uint64_t *ips,
				    const uint8_t *flags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t fl = ks_text_flag(flags, i);

		ks_put_frame_line(out, ips[i], fl,
				  ks_symcache_name(t->names, ips[i], fl & KS_TEXT_EXACT));
	}
}

const char *ks_stack_text_lines(struct ks_stack_text *t, struct ks_stack_text_entry *e,
				size_t *len)
{
	if (e->text) {
		t->hits++;
		*len = e->len;
		return e->text;
	}
	if (!ks_stack_text_format(t, e->ips, e->plain ? NULL : e->flags, e->n, len))
		return NULL;
	/* keep the text while within the bound; past it, this was per-frame work */
	if (t->bytes + *len <= t->max_bytes && (e->text = malloc(*len))) {
		memcpy(e->text, t->buf, *len);
		e->len = *len;
		t->bytes += *len;
		t->misses++;
		return e->text;
	}
	t->uncached++;
	return t->buf;
}

/* A stack's lines: its kept text, or formatted (and kept if within the bound). */
static void ks_stack_text_write(struct ks_stack_text *t, FILE *out,
				struct ks_stack_text_entry *e, const uint64_t *ips,
				const uint8_t *flags, size_t n)
{
	const char *text;
	size_t len;

	if (e) {
		text = ks_stack_text_lines(t, e, &len);
		if (text) {
			ks_out_write(out, text, len);
			return;
		}
	} else if (ks_stack_text_format(t, ips, flags, n, &len)) {
		t->uncached++;
		ks_out_write(out, t->buf, len);
		return;
	}
	t->uncached++;
	ks_stack_text_put_lines(t, out, ips, flags, n);
}

void ks_stack_text_put(struct ks_stack_text *t, FILE *out, const uint64_t *ips,
		       const uint8_t *flags, size_t n)
{
	bool added;

	if (n)
		ks_stack_text_write(t, out, ks_stack_text_entry(t, ips, flags, n, &added), ips,
				    flags, n);
}

void ks_stack_text_put_noted(struct ks_stack_text *t, FILE *out, struct ks_stack_text_entry *e)
{
	ks_stack_text_write(t, out, e, e->ips, e->plain ? NULL : e->flags, e->n);
}

static uint8_t ks_frame_text_flags(const struct ks_frame *f)
{
	return (uint8_t)((f->reliable ? 0 : KS_TEXT_UNRELIABLE) | (f->exact ? KS_TEXT_EXACT : 0));
}

/* A walk's frames as (t->ips, t->flags); false without memory. */
static bool ks_stack_text_key_of(struct ks_stack_text *t, const struct ks_walk_result *w)
{
	size_t i;

	if (!ks_vec_grow(&t->ips, &t->ips_cap, w->nr, sizeof(*t->ips), 32) ||
	    !ks_vec_grow(&t->flags, &t->flags_cap, w->nr, 1, 32))
		return false;
	for (i = 0; i < w->nr; i++) {
		t->ips[i] = w->frames[i].ip;
		t->flags[i] = ks_frame_text_flags(&w->frames[i]);
	}
	return true;
}

struct ks_stack_text_entry *ks_stack_text_note_walk(struct ks_stack_text *t,
						    const struct ks_walk_result *w)
{
	size_t i;

	if (ks_stack_text_key_of(t, w))
		return ks_stack_text_note(t, t->ips, t->flags, w->nr);
	for (i = 0; i < w->nr; i++)
		ks_symcache_want(t->names, w->frames[i].ip, w->frames[i].exact);
	return NULL;
}

static void ks_put_user_line(FILE *out, uint64_t ip, uint64_t sp)
{
	/* "user mode: ip %016" PRIx64 " sp %016" PRIx64 "\n" without printf */
	char line[] = "user mode: ip 0123456789abcdef sp 0123456789abcdef\n";

	ks_hex16(line + 14, ip);
	ks_hex16(line + 34, sp);
	ks_out_write(out, line, sizeof(line) - 1);
}

void ks_stack_text_put_walk(struct ks_stack_text *t, FILE *out, const struct ks_walk_result *w)
{
	size_t i;

	if (ks_stack_text_key_of(t, w)) {
		ks_stack_text_put(t, out, t->ips, t->flags, w->nr);
	} else {
		for (i = 0; i < w->nr; i++) {
			uint8_t fl = ks_frame_text_flags(&w->frames[i]);

			ks_stack_text_put_lines(t, out, &w->frames[i].ip, &fl, 1);
		}
	}
}

void ks_stack_text_put_stop(FILE *out, const struct ks_walk_result *w)
{
	switch (w->stop) {
	case KS_STOP_USER:
		ks_put_user_line(out, w->user_ip, w->user_sp);
		break;
	case KS_STOP_END_OF_STACK:
		break;
	case KS_STOP_MAX_FRAMES:
		fprintf(out, "... truncated at %zu frames (raise with -n)\n", w->nr);
		break;
	default:
		fprintf(out, "(walk stopped: %s at %016" PRIx64 ")\n", ks_walk_stop_name(w->stop),
			w->stop_ip);
		break;
	}
}

/* v in decimal at p; returns the end. */
static char *ks_put_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void ks_stack_text_put_process(FILE *out, uint64_t tgid, const char *name, const char *cmdline)
{
	fprintf(out, "PID %" PRIu64, tgid);
	if (name) {
		fputc(' ', out);
		ks_escape_write(out, name, strlen(name));
	}
	if (cmdline) {
		fputs(": ", out);
		ks_escape_write(out, cmdline, strlen(cmdline));
	}
	fputs("\n\n", out);
}

void ks_stack_text_put_header(FILE *out, uint64_t tid, const char *comm, uint32_t state,
			      uint64_t nvcsw, uint64_t nivcsw)
{
	/* printf's parsing costs about as much as the rest of a cached stack */
	char line[128], *p;
	size_t cl = strlen(comm);

	p = ks_put_dec(line, tid);
	*p++ = ' ';
	if (cl > 16 || ks_escape_needed(comm, cl)) {
		/* another process chose the name: escaped (escape.h), in pieces */
		ks_out_write(out, line, (size_t)(p - line));
		ks_escape_write(out, comm, cl);
		p = line;
	} else {
		memcpy(p, comm, cl);
		p += cl;
	}
	*p++ = ' ';
	*p++ = ks_task_state_letter(state);
	memcpy(p, " [ctxsw ", 8);
	p = ks_put_dec(p + 8, nvcsw);
	*p++ = '+';
	p = ks_put_dec(p, nivcsw);
	memcpy(p, "]\n", 2);
	ks_out_write(out, line, (size_t)(p + 2 - line));
}

/* An interned stack's kept text (capture.h: its identity is its address). */
struct ks_stack_text_kept {
	const struct ks_cap_stack *st;
	size_t len;
	char text[];
};

static bool ks_stack_text_kept_eq(const void *val, const void *key)
{
	const struct ks_stack_text_kept *k = val;

	return k->st == key;
}

/* st's frame lines into t->buf, with the names it carries; false without memory. */
static bool ks_stack_text_format_stack(struct ks_stack_text *t, const struct ks_cap_stack *st,
				       size_t *len_ret)
{
	size_t i;

	*len_ret = 0;
	for (i = 0; i < st->n; i++)
		if (!ks_stack_text_add_line(t, len_ret, st->f[i].ip, st->f[i].flags, st->f[i].name))
			return false;
	return true;
}

void ks_stack_text_put_stack(struct ks_stack_text *t, FILE *out, const struct ks_cap_stack *st)
{
	struct ks_stack_text_kept *k = t->last_kept;
	uint64_t h = ks_hash_u64((uint64_t)(uintptr_t)st);
	size_t len, grow, i;

	if (!st || !st->n)
		return;
	if (!k || k->st != st)
		k = ks_hashtab_get(&t->kept, h, ks_stack_text_kept_eq, st);
	if (k) {
		t->hits++;
		t->last_kept = k;
		ks_out_write(out, k->text, k->len);
		return;
	}
	if (!ks_stack_text_format_stack(t, st, &len)) {
		/* without memory: one line at a time, the same text */
		t->uncached++;
		for (i = 0; i < st->n; i++)
			ks_put_frame_line(out, st->f[i].ip, st->f[i].flags, st->f[i].name);
		return;
	}
	grow = ks_hashtab_growth_bytes(&t->kept);
	/* keep the text while within the bound; past it, formatted each time */
	k = t->bytes + grow + sizeof(*k) + len <= t->max_bytes ? malloc(sizeof(*k) + len) : NULL;
	if (k) {
		k->st = st;
		k->len = len;
		memcpy(k->text, t->buf, len);
		if (ks_hashtab_add(&t->kept, h, k)) {
			t->bytes += grow + sizeof(*k) + len;
			t->misses++;
			t->last_kept = k;
		} else {
			free(k);
			t->uncached++;
		}
	} else {
		t->uncached++;
	}
	ks_out_write(out, t->buf, len);
}
