// SPDX-License-Identifier: GPL-2.0
/* The first kernel frame below the scheduler (watch_where.h). */
#include <stdio.h>
#include <string.h>

#include "watch_where.h"

void ks_sched_text_init(struct ks_sched_text *s, uint64_t sched_start, uint64_t sched_end,
			uint64_t lock_start, uint64_t lock_end)
{
	s->sched_start = sched_start;
	s->sched_end = sched_end;
	s->lock_start = lock_start;
	s->lock_end = lock_end;
	s->known = sched_start && sched_end > sched_start;
}

/* Without the sections' bounds: the functions every sleeper passes through. */
static bool ks_sched_name(const struct ks_name_parts *p)
{
	static const char *const prefixes[] = {
		"__schedule", "schedule", "io_schedule", "preempt_schedule", "_raw_spin",
		"_raw_read", "_raw_write", "__mutex_lock", "mutex_lock", "rwsem_down_",
		"__down", "down_", "do_nanosleep", "__wait_for_common", "wait_for_completion",
		"__lock_text", "__sched_text",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (p->func_len >= n && !memcmp(p->func, prefixes[i], n))
			return true;
	}
	return false;
}

bool ks_sched_frame(const struct ks_sched_text *s, const struct ks_cap_frame *f)
{
	struct ks_name_parts p;

	if (s->known)
		return (f->ip >= s->sched_start && f->ip < s->sched_end) ||
		       (f->ip >= s->lock_start && f->ip < s->lock_end);
	if (!f->name)
		return false;
	ks_name_split(f->name, &p);
	return ks_sched_name(&p);
}

const struct ks_cap_frame *ks_watch_where(const struct ks_sched_text *s,
					  const struct ks_cap_stack *st)
{
	size_t i;

	for (i = 0; i < ks_cap_stack_n(st); i++)
		if (!ks_sched_frame(s, &st->f[i]))
			return &st->f[i];
	return NULL;
}

size_t ks_watch_function(const struct ks_cap_frame *f, char *buf, size_t len)
{
	struct ks_name_parts p;
	int n;

	if (!len)
		return 0;
	if (!f || !f->name) {
		n = snprintf(buf, len, "none");
	} else {
		ks_name_split(f->name, &p);
		if (p.owner_len && !(p.owner_len == 7 && !memcmp(p.owner, "vmlinux", 7)))
			n = snprintf(buf, len, "%.*s [%.*s]", (int)p.func_len, p.func,
				     (int)p.owner_len, p.owner);
		else
			n = snprintf(buf, len, "%.*s", (int)p.func_len, p.func);
	}
	if (n < 0)
		n = 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}
