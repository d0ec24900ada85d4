// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The load-time KTHREAD check (see kstack_kthread.h): every field a layout
 * names is read out of a copy of the probe thread's KTHREAD and compared
 * with what the thread itself recorded. Pure C, no kernel calls: the host
 * unit tests run exactly this code.
 */
#include "kstack_kthread.h"

/* Fields are little-endian (x86, x64); read byte by byte, no alignment. */
static kstack_u64 kstack_load(const unsigned char *p, unsigned bytes)
{
	kstack_u64 v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static size_t kstack_field_end(unsigned short off, size_t size, size_t end)
{
	if (off == KSTACK_NO_OFFSET)
		return end;
	return (size_t)off + size > end ? (size_t)off + size : end;
}

size_t kstack_kthread_extent(const struct kstack_kthread_layout *l)
{
	size_t end = 0;

	end = kstack_field_end(l->initial_stack, l->ptr_size, end);
	end = kstack_field_end(l->stack_limit, l->ptr_size, end);
	end = kstack_field_end(l->kernel_stack, l->ptr_size, end);
	end = kstack_field_end(l->state, 1, end);
	end = kstack_field_end(l->wait_reason, 1, end);
	end = kstack_field_end(l->context_switches, 4, end);
	return end;
}

kstack_u32 kstack_kthread_read(const struct kstack_kthread_layout *l,
			     const void *img, size_t len,
			     struct kstack_kthread_fields *f)
{
	const unsigned char *b = img;

	if (l->ptr_size != 4 && l->ptr_size != 8)
		return KSTACK_KTC_EXTENT;
	if (kstack_kthread_extent(l) > len)
		return KSTACK_KTC_EXTENT;
	f->initial_stack = kstack_load(b + l->initial_stack, l->ptr_size);
	f->stack_limit = kstack_load(b + l->stack_limit, l->ptr_size);
	f->kernel_stack = kstack_load(b + l->kernel_stack, l->ptr_size);
	f->state = b[l->state];
	f->wait_reason = b[l->wait_reason];
	f->context_switches = (kstack_u32)kstack_load(b + l->context_switches, 4);
	return 0;
}

/* InitialStack against IoGetStackLimits, by the kernel's own rule (l). */
static int kstack_initial_stack_fits(const struct kstack_kthread_layout *l,
				     kstack_u64 initial,
				     const struct kstack_kthread_probe *p)
{
	if (initial <= p->stack_low)
		return 0;
	if (l->high_exact)
		return initial - l->high_below_initial == p->stack_high;
	return initial <= p->stack_high &&
	       initial + KSTACK_KTHREAD_INITIAL_SLACK >= p->stack_high;
}

kstack_u32 kstack_kthread_check_waiting(const struct kstack_kthread_layout *l,
				      const void *img, size_t len,
				      const struct kstack_kthread_probe *p,
				      kstack_u32 reason)
{
	struct kstack_kthread_fields f;
	kstack_u32 bad;

	bad = kstack_kthread_read(l, img, len, &f);
	if (bad)
		return bad;
	if (f.state != KSTACK_THREAD_STATE_WAITING)
		bad |= KSTACK_KTC_STATE;
	if (f.wait_reason != reason)
		bad |= KSTACK_KTC_WAIT_REASON;
	/* IoGetStackLimits' low end is KTHREAD.StackLimit itself. */
	if (f.stack_limit != p->stack_low)
		bad |= KSTACK_KTC_STACK_LIMIT;
	if (!kstack_initial_stack_fits(l, f.initial_stack, p))
		bad |= KSTACK_KTC_INITIAL_STACK;
	/*
	 * The wait was entered from the probe function, so the saved sp is
	 * inside the stack and below that function's local.
	 */
	if (f.kernel_stack < p->stack_low || f.kernel_stack >= p->waiter_sp ||
	    f.kernel_stack >= p->stack_high)
		bad |= KSTACK_KTC_KERNEL_STACK;
	return bad;
}

kstack_u32 kstack_kthread_check(const struct kstack_kthread_layout *l,
			      const void *first, const void *second, size_t len,
			      const struct kstack_kthread_probe *p)
{
	struct kstack_kthread_fields a, b;
	kstack_u32 bad, moved;

	bad = kstack_kthread_check_waiting(l, first, len, p,
					   KSTACK_PROBE_REASON_FIRST);
	bad |= kstack_kthread_check_waiting(l, second, len, p,
					    KSTACK_PROBE_REASON_SECOND);
	if (bad & KSTACK_KTC_EXTENT)
		return bad;
	kstack_kthread_read(l, first, len, &a);
	kstack_kthread_read(l, second, len, &b);
	/*
	 * Woken and waiting again: switched in at least once (the count
	 * grows when a thread is switched to), and a handful of times at most
	 * between two snapshots taken milliseconds apart (unsigned
	 * difference: the counter may wrap).
	 */
	moved = b.context_switches - a.context_switches;
	if (moved < 1 || moved > 1000)
		bad |= KSTACK_KTC_SWITCHES;
	return bad;
}

const struct kstack_kthread_layout *
kstack_kthread_lookup(const struct kstack_kthread_arch *a, kstack_u32 build)
{
	size_t i;

	for (i = 0; i < a->nr_builds; i++)
		if (a->builds[i].build == build)
			return a->builds[i].layout;
	return NULL;
}

const struct kstack_kthread_layout *
kstack_kthread_choose(const struct kstack_kthread_arch *a, kstack_u32 build,
		      const void *first, const void *second, size_t len,
		      const struct kstack_kthread_probe *p, kstack_u32 *checks)
{
	const struct kstack_kthread_layout *l = kstack_kthread_lookup(a, build);
	size_t i;
	kstack_u32 bad;

	/* A listed build gets its own layout or none: never another's. */
	if (l) {
		*checks = kstack_kthread_check(l, first, second, len, p);
		return *checks ? NULL : l;
	}
	*checks = KSTACK_KTC_NO_LAYOUT;
	for (i = 0; i < a->nr_candidates; i++) {
		bad = kstack_kthread_check(a->candidates[i], first, second, len, p);
		if (!bad) {
			*checks = 0;
			return a->candidates[i];
		}
		if (i == 0)
			*checks = bad;
	}
	return NULL;
}

size_t kstack_kthread_arch_extent(const struct kstack_kthread_arch *a)
{
	size_t i, e, end = 0;

	for (i = 0; i < a->nr_builds; i++) {
		e = kstack_kthread_extent(a->builds[i].layout);
		end = e > end ? e : end;
	}
	for (i = 0; i < a->nr_candidates; i++) {
		e = kstack_kthread_extent(a->candidates[i]);
		end = e > end ? e : end;
	}
	return end;
}
