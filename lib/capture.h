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
#include "ks_error.h"

/* ks_cap_frame.flags: the same bits as stack_text.h's KS_TEXT_* */
#define KS_CAP_FRAME_UNRELIABLE	1u	/* found by a fallback: "? " in text */
#define KS_CAP_FRAME_EXACT	2u	/* an interrupted ip, not a return address */

struct ks_cap_frame {
	uint64_t ip;
	const char *name;	/* escaped (escape.h); not owned; never NULL */
	uint8_t flags;
};

/* ks_cap_thread.flags */
#define KS_CAP_RUNNING	1u	/* on a CPU: no saved stack, no frames */
#define KS_CAP_PARTIAL	2u	/* cut short (frame limit, walk stopped): never whole */
#define KS_CAP_USER	4u	/* the kernel half ended at the user-mode entry */
#define KS_CAP_TRUNCATED 8u	/* with PARTIAL: cut at the frame limit */

struct ks_cap_thread {
	uint64_t tid, tgid;
	char comm[KSTACK_COMM_LEN];	/* raw bytes from the kernel, NUL-ended */
	char state;			/* ps letter (ks_task_state_letter()) */
	uint32_t flags;			/* KS_CAP_* */
	const char *why;		/* PARTIAL: how the walk ended (static text) */
	uint64_t nvcsw, nivcsw;		/* context switches: voluntary, involuntary */
	uint64_t user_ip, user_sp;	/* KS_CAP_USER: where user mode was left */
	size_t nk, nu;			/* kernel frames, user frames */
	size_t first;			/* private: index of kframes[0] in the capture */
};

struct ks_capture {
	struct ks_cap_thread *v;
	size_t n, cap;
	struct ks_cap_frame *frames;	/* every thread's kernel then user frames */
	size_t nframes, frames_cap;
	uint64_t walked;		/* threads seen, before any filter */
};

void ks_capture_init(struct ks_capture *c);
void ks_capture_fini(struct ks_capture *c);
/* Forget the threads, keep the memory (one capture per sampling round). */
void ks_capture_reset(struct ks_capture *c);

/*
 * Add a thread with copies of its frames (kf[nk], then uf[nu]; either may
 * be NULL when its count is 0). t->nk/nu/first are set from the arguments.
 * Returns the stored thread, NULL without memory.
 */
struct ks_cap_thread *ks_capture_add(struct ks_capture *c, const struct ks_cap_thread *t,
				     const struct ks_cap_frame *kf, size_t nk,
				     const struct ks_cap_frame *uf, size_t nu);

/* A stored thread's frames (valid until the next add or reset). */
static inline const struct ks_cap_frame *ks_cap_kframes(const struct ks_capture *c,
							const struct ks_cap_thread *t)
{
	return c->frames + t->first;
}

static inline const struct ks_cap_frame *ks_cap_uframes(const struct ks_capture *c,
							const struct ks_cap_thread *t)
{
	return c->frames + t->first + t->nk;
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
