/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread's stack as text, in kstack.exe's format plus sizes (output.h):
 *   1234 zoo S [ctxsw 5+0]                              header
 *   ffffffff9c05271d : vmlinux!__schedule+0x2dd/0x960   frame lines
 *   ffffffff9c0f0001 : ? vmlinux!foo+0x11/0x40          (unreliable frame)
 *   user mode: ip 00007f0c1d2e3f4a sp 00007ffd5e6f7a80  how the walk ended
 * The one formatter of kstack PID/--all and of the benchmark's +sym methods.
 *
 * Why a cache of whole stacks: a whole-system listing has ~1,200 threads
 * but a few dozen distinct stacks (idle workers all sleep in the same
 * places), so the frame lines of each distinct stack (its ips and the
 * per-frame flags that change the text) are formatted once and kept; a
 * repeated stack costs a hash, a compare and one fwrite. Names come from a
 * ks_symcache. The kept keys and text are bounded (max_bytes); past that a
 * stack is written frame by frame: the same text, only slower.
 */
#ifndef KSTACK_STACK_TEXT_H
#define KSTACK_STACK_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hashtab.h"
#include "symcache.h"
#include "unwind.h"

/* Per-frame flags; none set: a reliable return address. */
#define KS_TEXT_UNRELIABLE	1u	/* "? " before the name */
#define KS_TEXT_EXACT		2u	/* ip is not a return address */

/* Default bound on kept keys + text: ~7,000 ten-frame stacks. */
#define KS_STACK_TEXT_MAX_BYTES	((size_t)4 << 20)

struct ks_stack_text_entry;

struct ks_stack_text {
	struct ks_symcache *names;
	struct ks_hashtab stacks;		/* of struct ks_stack_text_entry */
	struct ks_stack_text_entry *last;	/* the entry found or made last */
	struct ks_hashtab kept;			/* interned stacks' text (_put_stack) */
	struct ks_stack_text_kept *last_kept;
	size_t bytes, max_bytes;	/* kept: table, keys, text */
	char *buf;			/* formatting scratch */
	size_t buf_cap;
	uint64_t *ips;			/* a walk's frames as (ips, flags) */
	uint8_t *flags;
	size_t ips_cap, flags_cap;
	size_t hits, misses, uncached;	/* stacks written from / into / past the cache */
};

/* max_bytes 0: KS_STACK_TEXT_MAX_BYTES. */
void ks_stack_text_init(struct ks_stack_text *t, struct ks_symcache *names, size_t max_bytes);
void ks_stack_text_fini(struct ks_stack_text *t);

/*
 * First pass of a listing (optional): remember the stack, and queue the
 * addresses of a stack not seen before for naming (ks_symcache_want), so
 * that one ks_symcache_resolve() names the whole listing in a few calls.
 * flags NULL: every frame a reliable return address. Returns the kept
 * stack for ks_stack_text_put_noted() (valid until fini), or NULL when it
 * is not kept (no frames, past the bound): then write it with _put.
 */
struct ks_stack_text_entry *ks_stack_text_note(struct ks_stack_text *t, const uint64_t *ips,
					       const uint8_t *flags, size_t n);

/* Write the stack's frame lines to out. */
void ks_stack_text_put(struct ks_stack_text *t, FILE *out, const uint64_t *ips,
		       const uint8_t *flags, size_t n);

/*
 * A noted stack's frame lines as text, formatted once and kept (the names
 * of every frame, for a caller that does not print them right away). The
 * text is valid until fini; past the bound, until the next call. NULL
 * without memory (ks_stack_text_put_noted() still writes it).
 */
const char *ks_stack_text_lines(struct ks_stack_text *t, struct ks_stack_text_entry *e,
				size_t *len);

/* Write a noted stack's frame lines, without finding it again. */
void ks_stack_text_put_noted(struct ks_stack_text *t, FILE *out, struct ks_stack_text_entry *e);

/* The same for a walk's frames. */
struct ks_stack_text_entry *ks_stack_text_note_walk(struct ks_stack_text *t,
						    const struct ks_walk_result *w);
void ks_stack_text_put_walk(struct ks_stack_text *t, FILE *out, const struct ks_walk_result *w);

struct ks_cap_stack;

/*
 * An interned stack's frame lines (capture.h: named, kept once per
 * distinct stack in a pool), its text formatted once and kept by the
 * stack's identity: a repeated stack costs a pointer compare or one probe.
 * NULL or empty: nothing.
 */
void ks_stack_text_put_stack(struct ks_stack_text *t, FILE *out, const struct ks_cap_stack *st);

/*
 * The line after a walk's frames, saying how it ended ("user mode: ip ..
 * sp ..", "... truncated at N frames", "(walk stopped: ...)"; nothing at
 * the end of a kernel stack). Reads no frames: w->frames may be NULL.
 */
void ks_stack_text_put_stop(FILE *out, const struct ks_walk_result *w);

/*
 * A process's line before its threads, a paragraph of its own (then a
 * blank line), as eu-stack prints "PID 94 - process":
 *   PID 94 svc: /usr/sbin/svc --workers 200
 * name (its leader's comm) and command line raw, escaped here; NULL: not
 * known, or none (a kernel thread has no command line): "PID 2 kthreadd".
 */
void ks_stack_text_put_process(FILE *out, uint64_t tgid, const char *name, const char *cmdline);

/* "TID comm state [ctxsw V+I]\n" (state: a task->__state value; comm escaped, escape.h). */
void ks_stack_text_put_header(FILE *out, uint64_t tid, const char *comm, uint32_t state,
			      uint64_t nvcsw, uint64_t nivcsw);

#endif
