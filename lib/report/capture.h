/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A capture: threads as one moment saw them, neutral of how they were taken
 * (a SNAPSHOT's records walked here or in the driver, a thread walked on its
 * own, a unit test's literals). What grouping (group.h), filters (filter.h)
 * and every output format (report.h) read; none of them talks to the driver.
 *
 * Frames are innermost first, as walked. A frame's name is the symbolizer's
 * text, "owner!sym+0xoff/0xsize" or "[unknown]" (ks_format_symbol(),
 * ks_symcache_name()), already escaped (escape.h) as the symbolizer
 * gives it; the capture copies nothing of it, so names must outlive the
 * capture (a ks_symcache's do, until its fini). comm is raw: the writers
 * escape it.
 */
#ifndef KSTACK_CAPTURE_H
#define KSTACK_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "hashtab.h"
#include "ks_error.h"
#include "wait.h"

/* ks_cap_frame.flags: the same bits as stack_text.h's KS_TEXT_* */
#define KS_CAP_FRAME_UNRELIABLE	1u	/* found by a fallback: "? " in text */
#define KS_CAP_FRAME_EXACT	2u	/* an interrupted ip, not a return address */

struct ks_cap_frame {
	uint64_t ip;
	const char *name;	/* escaped (escape.h); not owned; never NULL */
	uint8_t flags;
	/*
	 * The same name with its symbol as the file has it (mangled C++ or
	 * Rust), where name shows it demangled; NULL: name is that already
	 * (C, kernel names, --no-demangle). Escaped; not owned.
	 */
	const char *raw;
};

/*
 * A distinct stack (its frames' addresses and flags), interned in a pool:
 * a listing of thousands of threads holds a few dozen distinct stacks,
 * so each is kept, named and compared once; threads and groups point at it
 * and stacks are equal exactly when their pointers are.
 */
struct ks_cap_stack {
	uint64_t hash;
	size_t n;
	bool named;		/* every frame's name set (see ks_cap_pool_intern()) */
	struct ks_cap_frame f[];	/* innermost first */
};

/* The distinct stacks of one run (every sampling round shares it). */
struct ks_cap_pool {
	struct ks_hashtab tab;		/* values: the stacks */
	struct ks_cap_stack **v;
	size_t n, cap;
	struct ks_cap_stack *last;	/* found or added last: threads come in runs */
};

void ks_cap_pool_init(struct ks_cap_pool *p);
void ks_cap_pool_fini(struct ks_cap_pool *p);

/*
 * The pool's stack of these n addresses (flags: KS_CAP_FRAME_* per frame,
 * NULL: all 0), added if new (*added): then its names are NULL and
 * `named` false until the caller sets them (a run names every new
 * address in one batch first). n may be 0. NULL without memory.
 */
struct ks_cap_stack *ks_cap_pool_intern(struct ks_cap_pool *p, const uint64_t *ips,
					const uint8_t *flags, size_t n, bool *added);

/*
 * The same, trying hint first (a stack the caller expects, such as the
 * same thread's in the previous sampling round): a match costs one
 * compare, no hashing. hint may be NULL.
 */
struct ks_cap_stack *ks_cap_pool_intern_hint(struct ks_cap_pool *p, struct ks_cap_stack *hint,
					     const uint64_t *ips, const uint8_t *flags, size_t n,
					     bool *added);

/*
 * The same from named frames (the user half, tests): a stack is this one
 * when its addresses, flags and names (strcmp) are: a user address means
 * something per process, and two processes may run different files at the
 * same addresses. Names are compared as shown (demangled: a raw name
 * rides along with its name), kept, not copied. NULL without memory.
 */
struct ks_cap_stack *ks_cap_pool_intern_frames(struct ks_cap_pool *p,
					       const struct ks_cap_frame *f, size_t n);

/* ks_cap_thread.flags */
#define KS_CAP_RUNNING	1u	/* on a CPU: no saved stack, no frames */
#define KS_CAP_PARTIAL	2u	/* cut short (frame limit, walk stopped): never whole */
#define KS_CAP_USER	4u	/* the kernel half ended at the user-mode entry */
#define KS_CAP_TRUNCATED 8u	/* with PARTIAL: cut at the frame limit */
/*
 * the user half ends in a binary's code without unwind information: whole
 * as far as the binary allows (kstack --strict makes it PARTIAL instead)
 */
#define KS_CAP_NO_CFI	16u
#define KS_CAP_KTHREAD	32u	/* a kernel thread (not part of a group's key) */
/*
 * a sample (kstack --sample) whose user half was copied while the thread
 * ran (twice), or whose process exited meanwhile: kept with its kernel
 * half alone, said so
 */
#define KS_CAP_USER_RAN	64u
#define KS_CAP_ON_CPU	128u	/* caught running on a CPU: its stack where it ran */

struct ks_cap_thread {
	uint64_t tid, tgid;
	char comm[KSTACK_COMM_LEN];	/* raw bytes from the kernel, NUL-ended */
	char state;			/* ps letter (ks_task_state_letter()) */
	uint32_t flags;			/* KS_CAP_* */
	const char *why;		/* PARTIAL: how the walk ended (static text) */
	uint64_t nvcsw, nivcsw;		/* context switches: voluntary, involuntary */
	uint64_t user_ip, user_sp;	/* KS_CAP_USER: where user mode was left */
	uint64_t stop_ip;		/* PARTIAL, not TRUNCATED: where the walk gave up (0: unknown) */
	uint32_t cpu;			/* ON_CPU: the CPU it was caught on */
	uint64_t caught_ip;		/* ON_CPU: the ip it was caught at */
	const struct ks_cap_stack *kstack;	/* kernel half, from the pool; NULL: none */
	const struct ks_cap_stack *ustack;	/* user half; NULL: none */
	struct ks_wait wait;		/* what it waits for (waitfor.h); kind NONE: nothing named */
	/*
	 * its process's name (the group leader's comm) and command line, raw;
	 * NULL: not known (or none). Not owned: the caller's, outliving the
	 * capture and its groupings.
	 */
	const char *pname, *pcmd;
};

struct ks_capture {
	struct ks_cap_thread *v;
	size_t n, cap;
	struct ks_cap_pool *pool;	/* where the threads' stacks live */
	uint64_t walked;		/* threads seen, before any filter */
};

/* pool: shared, outlives the capture and every grouping of it. */
void ks_capture_init(struct ks_capture *c, struct ks_cap_pool *pool);
void ks_capture_fini(struct ks_capture *c);
/* Forget the threads, keep the memory (one capture per sampling round). */
void ks_capture_reset(struct ks_capture *c);

/* Room for n more threads in one allocation (a SNAPSHOT's); false without memory. */
bool ks_capture_reserve(struct ks_capture *c, size_t n);

/* Add a copy of t (its stacks from c->pool). Returns it, NULL without memory. */
struct ks_cap_thread *ks_capture_add(struct ks_capture *c, const struct ks_cap_thread *t);

/*
 * Add t with these frames (kf[nk] kernel, uf[nu] user, named), interned in
 * c->pool. NULL without memory.
 */
struct ks_cap_thread *ks_capture_add_frames(struct ks_capture *c, const struct ks_cap_thread *t,
					    const struct ks_cap_frame *kf, size_t nk,
					    const struct ks_cap_frame *uf, size_t nu);

static inline size_t ks_cap_stack_n(const struct ks_cap_stack *s)
{
	return s ? s->n : 0;
}

/* f's raw name: its raw form where it has one, else its name. */
static inline const char *ks_cap_frame_raw(const struct ks_cap_frame *f)
{
	return f->raw ? f->raw : f->name;
}

/*
 * The parts of a symbolizer name: "kvm!kvm_vcpu_block+0x4c/0xa0" gives
 * owner "kvm" (owner_len 3), function "kvm_vcpu_block"; a name without
 * "owner!" has owner_len 0; "[unknown]" is its own function. Pointers
 * into name, not NUL-ended at the lengths.
 */
struct ks_name_parts {
	const char *owner, *func;
	size_t owner_len, func_len;
	uint64_t offset;	/* 0 when the name has none */
};

void ks_name_split(const char *name, struct ks_name_parts *p);

#endif
