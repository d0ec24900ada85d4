// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * --group: threads with the same stack together, as kstack --group on
 * Linux shows them ("1,800 threads wait here, 12 there"). The same stack:
 * the same kernel and user frame addresses, cut at the same place, or the
 * same reason a part is not shown; a group's frames are then its first
 * thread's. One block a group, largest first:
 *   == 3 threads (Waiting (UserRequest) x 3): app.exe x 3 (pid 812); tids 20-22
 *   waiting for mutex at 0x0, held by 40 app.exe (all 3 threads)
 *     0x... : frames, as the ungrouped text prints them
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_out.h"

/* Names, and wait lines, listed in a group header before "..." */
#define KS_GROUP_NAMES_MAX	3
#define KS_GROUP_WAITS_MAX	8
/* tid ranges listed whole up to this many, else their span and count */
#define KS_GROUP_RANGES_MAX	4

static int same_stack(const struct ks_thread_rec *a, const struct ks_thread_rec *b)
{
	if (a->stop != b->stop || strcmp(a->stop_why, b->stop_why))
		return 0;
	/* not opened, not suspended: nothing walked but the reason */
	if (a->stop == KS_REC_NO_OPEN || a->stop == KS_REC_NO_SUSPEND)
		return 1;
	if (a->kernel_shown != b->kernel_shown || a->kernel_wanted != b->kernel_wanted)
		return 0;
	if (a->kernel_shown ? !ks_part_same(&a->kernel, &b->kernel) ||
	    strcmp(a->kernel_via, b->kernel_via) : strcmp(a->kernel_why, b->kernel_why))
		return 0;
	return ks_part_same(&a->user, &b->user);
}

static int by_tid(const void *a, const void *b)
{
	DWORD x = (*(const struct ks_thread_rec *const *)a)->tid;
	DWORD y = (*(const struct ks_thread_rec *const *)b)->tid;

	return x < y ? -1 : x > y;
}

/* Largest first; ties keep the order seen (the v index is stored in m's room). */
static int by_size(const void *a, const void *b)
{
	const struct ks_group *x = a, *y = b;

	if (x->nm != y->nm)
		return x->nm > y->nm ? -1 : 1;
	return x->m < y->m ? -1 : x->m > y->m;
}

int ks_group_threads(const struct ks_thread_rec *t, unsigned n, struct ks_groups *g)
{
	const struct ks_thread_rec **slots;
	unsigned *of, i, j, k;

	memset(g, 0, sizeof(*g));
	/* one block of member slots, a group's members together */
	slots = g->slots = calloc(n ? n : 1, sizeof(*slots));
	of = calloc(n ? n : 1, sizeof(*of));
	g->v = calloc(n ? n : 1, sizeof(*g->v));
	if (!slots || !of || !g->v) {
		free(of);
		ks_groups_free(g);
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < g->n && !same_stack(&t[of[j]], &t[i]); j++)
			;
		if (j == g->n)
			of[g->n++] = i;	/* first member of group j */
		g->v[j].nm++;
	}
	/* each group's slots, in the order of the groups first seen */
	for (j = 0, k = 0; j < g->n; j++) {
		g->v[j].m = slots + k;
		k += g->v[j].nm;
		g->v[j].nm = 0;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; !same_stack(&t[of[j]], &t[i]); j++)
			;
		g->v[j].m[g->v[j].nm++] = &t[i];
	}
	free(of);
	/* slots grow with the first-seen order: by_size's tie-break */
	qsort(g->v, g->n, sizeof(*g->v), by_size);
	for (j = 0; j < g->n; j++)
		qsort(g->v[j].m, g->v[j].nm, sizeof(*g->v[j].m), by_tid);
	return 0;
}

void ks_groups_free(struct ks_groups *g)
{
	free((void *)g->slots);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

/* "Waiting (UserRequest)": the state as the ungrouped header says it */
static void state_text(const struct ks_thread_rec *t, char *buf, size_t size)
{
	if (t->state == 5)
		snprintf(buf, size, "%s (%s)", ks_thread_state_name(t->state),
			 ks_wait_reason_name(t->wait_reason));
	else
		snprintf(buf, size, "%s", ks_thread_state_name(t->state));
}

/* "Waiting (UserRequest) x 2, Running x 1", in the order first met */
static void print_states(const struct ks_group *gr)
{
	char a[96], b[96];
	unsigned i, j, count;

	for (i = 0; i < gr->nm; i++) {
		state_text(gr->m[i], a, sizeof(a));
		for (j = 0; j < i; j++) {
			state_text(gr->m[j], b, sizeof(b));
			if (!strcmp(a, b))
				break;
		}
		if (j < i)
			continue;	/* counted with its first */
		for (count = 0, j = i; j < gr->nm; j++) {
			state_text(gr->m[j], b, sizeof(b));
			count += !strcmp(a, b);
		}
		printf("%s%s x %u", i ? ", " : "", a, count);
	}
}

const char *ks_rec_comm(const struct ks_run_info *ri, const struct ks_thread_rec *t)
{
	return t->desc[0] ? t->desc : ri->name;
}

/*
 * "; worker x 2, app.exe x 1": the names where some thread has a
 * description of its own (else they say no more than the process name).
 */
static void print_names(const struct ks_run_info *ri, const struct ks_group *gr)
{
	struct ks_esc_buf e;
	unsigned i, j, count, shown = 0, names = 0, described = 0;

	for (i = 0; i < gr->nm; i++)
		described += gr->m[i]->desc[0] != '\0';
	if (!described)
		return;
	for (i = 0; i < gr->nm; i++) {
		const char *c = ks_rec_comm(ri, gr->m[i]);

		for (j = 0; j < i && strcmp(c, ks_rec_comm(ri, gr->m[j])); j++)
			;
		if (j < i)
			continue;
		names++;
		if (shown == KS_GROUP_NAMES_MAX)
			continue;
		for (count = 0, j = i; j < gr->nm; j++)
			count += !strcmp(c, ks_rec_comm(ri, gr->m[j]));
		printf("%s%s x %u", shown++ ? ", " : "; ", ks_esc(&e, c), count);
	}
	if (shown < names)
		printf(", ... (%u names)", names);
}

char *ks_tid_ranges(const struct ks_group *gr)
{
	size_t cap = (size_t)gr->nm * 24 + 1, len = 0;
	char *s = malloc(cap);
	unsigned i = 0, j;

	if (!s)
		return NULL;
	s[0] = '\0';
	while (i < gr->nm) {
		for (j = i; j + 1 < gr->nm && gr->m[j + 1]->tid == gr->m[j]->tid + 1; j++)
			;
		if (j == i)
			len += (size_t)snprintf(s + len, cap - len, "%s%lu", len ? "," : "",
						(unsigned long)gr->m[i]->tid);
		else
			len += (size_t)snprintf(s + len, cap - len, "%s%lu-%lu", len ? "," : "",
						(unsigned long)gr->m[i]->tid,
						(unsigned long)gr->m[j]->tid);
		i = j + 1;
	}
	return s;
}

static void print_tids(const struct ks_group *gr)
{
	char *s = ks_tid_ranges(gr), *p;
	unsigned n = 1;

	if (!s) {
		printf("tids %lu..%lu", (unsigned long)gr->m[0]->tid,
		       (unsigned long)gr->m[gr->nm - 1]->tid);
		return;
	}
	for (p = s; *p; p++)
		n += *p == ',';
	if (n <= KS_GROUP_RANGES_MAX)
		printf("tids %s", s);
	else
		printf("tids %lu..%lu in %u ranges", (unsigned long)gr->m[0]->tid,
		       (unsigned long)gr->m[gr->nm - 1]->tid, n);
	free(s);
}

static int same_wait(const struct ks_wait_rec *a, const struct ks_wait_rec *b)
{
	return a->waits == b->waits && !strcmp(a->kind, b->kind) &&
	       a->holder_tid == b->holder_tid && !strcmp(a->holder, b->holder) &&
	       (a->holder_tid || !strcmp(a->reason, b->reason));
}

/* One line per distinct thing the group's threads wait for, with how many. */
static void print_waits(const struct ks_group *gr)
{
	struct ks_esc_buf e;
	unsigned i, j, count, shown = 0, more = 0;

	for (i = 0; i < gr->nm; i++) {
		const struct ks_wait_rec *w = &gr->m[i]->wait;

		if (!w->waits)
			continue;
		for (j = 0; j < i && !same_wait(&gr->m[j]->wait, w); j++)
			;
		if (j < i)
			continue;
		for (count = 0, j = i; j < gr->nm; j++)
			count += same_wait(&gr->m[j]->wait, w);
		if (shown == KS_GROUP_WAITS_MAX) {
			more += count;
			continue;
		}
		shown++;
		if (w->holder_tid)
			printf("waiting for %s at 0x0, held by %lu %s", w->kind,
			       (unsigned long)w->holder_tid, ks_esc(&e, w->holder));
		else
			printf("waiting for %s at 0x0, holder unknown (%s)", w->kind, w->reason);
		if (count == gr->nm && gr->nm > 1)
			printf(" (all %u threads)\n", count);
		else
			printf(" (%u %s)\n", count, count == 1 ? "thread" : "threads");
	}
	if (more)
		printf("... and %u more threads waiting for other objects\n", more);
}

void ks_group_text(const struct ks_run_info *ri, const struct ks_groups *g)
{
	struct ks_esc_buf e;
	unsigned j, walked = 0;

	for (j = 0; j < g->n; j++) {
		const struct ks_group *gr = &g->v[j];

		walked += gr->nm;
		printf("== %u %s (", gr->nm, gr->nm == 1 ? "thread" : "threads");
		print_states(gr);
		/* one process a run: its name and id */
		printf("): %s x %u (pid %lu)", ks_esc(&e, ri->name), gr->nm, (unsigned long)ri->pid);
		print_names(ri, gr);
		printf("; ");
		print_tids(gr);
		printf("\n");
		print_waits(gr);
		ks_text_body(ri, gr->m[0]);
		/* said on stderr per thread; here once for the group, as on Linux */
		if (gr->m[0]->kernel.truncated || gr->m[0]->user.truncated)
			printf("... truncated at %u frames (-n raises the limit)\n",
			       gr->m[0]->user.truncated ? gr->m[0]->user.nr : gr->m[0]->kernel.nr);
		printf("\n");
	}
	printf("-- %u %s walked, %u shown in %u %s\n", walked, walked == 1 ? "thread" : "threads",
	       walked, g->n, g->n == 1 ? "group" : "groups");
}
