// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const ks_format_names[] = {
	[KS_FORMAT_TEXT] = "text",
	[KS_FORMAT_JSON] = "json",
	[KS_FORMAT_FOLDED] = "folded",
	[KS_FORMAT_PPROF] = "pprof",
};

bool ks_format_parse(const char *name, enum ks_format *ret)
{
	size_t i;

	for (i = 0; i < sizeof(ks_format_names) / sizeof(ks_format_names[0]); i++) {
		if (!strcmp(name, ks_format_names[i])) {
			*ret = (enum ks_format)i;
			return true;
		}
	}
	return false;
}

const char *ks_format_name(enum ks_format f)
{
	return ks_format_names[f];
}

struct ks_error *ks_report_write(const struct ks_report *r, enum ks_format fmt, FILE *out)
{
	struct ks_error *err;

	switch (fmt) {
	case KS_FORMAT_TEXT:
		err = ks_report_text(r, out);
		break;
	case KS_FORMAT_JSON:
		err = ks_report_json(r, out);
		break;
	case KS_FORMAT_FOLDED:
		err = ks_report_folded(r, out);
		break;
	case KS_FORMAT_PPROF:
		err = ks_report_pprof(r, out);
		break;
	default:
		return ks_error_format(EINVAL, "unknown format %d", (int)fmt);
	}
	if (!err && (fflush(out) || ferror(out)))
		err = ks_error_format(EIO, "writing the %s report: %s", ks_format_name(fmt),
				      strerror(errno));
	return err;
}

const char *ks_report_comm(const char *comm, char buf[KS_COMM_ESC])
{
	ks_escape(buf, KS_COMM_ESC, comm, strnlen(comm, KSTACK_COMM_LEN));
	return buf;
}

uint64_t ks_report_wall_ns(const struct ks_report *r, uint64_t samples)
{
	const struct ks_grouping *g = r->g;

	/* each round stands for the time until the next: duration / rounds */
	if (!r->sampled || !g->rounds)
		return 0;
	return (uint64_t)((double)r->duration_ns * (double)samples / (double)g->rounds);
}

char *ks_report_tid_ranges(const struct ks_group *gr)
{
	size_t cap = gr->nm * 44 + 1, len = 0, i = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[0] = '\0';
	while (i < gr->nm) {
		size_t j = i;

		while (j + 1 < gr->nm && gr->m[j + 1].tid == gr->m[j].tid + 1)
			j++;
		if (j == i)
			len += (size_t)snprintf(s + len, cap - len, "%s%" PRIu64, len ? "," : "",
						gr->m[i].tid);
		else
			len += (size_t)snprintf(s + len, cap - len, "%s%" PRIu64 "-%" PRIu64,
						len ? "," : "", gr->m[i].tid, gr->m[j].tid);
		i = j + 1;
	}
	return s;
}

static int ks_comm_count_cmp(const void *a, const void *b)
{
	const struct ks_comm_count *x = a, *y = b;

	if (x->threads != y->threads)
		return x->threads > y->threads ? -1 : 1;
	return strcmp(x->comm, y->comm);
}

struct ks_comm_key {
	const struct ks_comm_count *v;
	const char *comm;
};

static bool ks_comm_eq(const void *val, const void *key)
{
	const struct ks_comm_key *k = key;

	return !strcmp(k->v[ks_hashtab_val_index(val)].comm, k->comm);
}

size_t ks_report_comms(const struct ks_group *gr, struct ks_comm_count **ret)
{
	struct ks_comm_count *v = calloc(gr->nm ? gr->nm : 1, sizeof(*v));
	struct ks_hashtab seen = { 0 };
	size_t n = 0, i;

	*ret = v;
	if (!v)
		return 0;
	for (i = 0; i < gr->nm; i++) {
		const char *comm = gr->m[i].comm;
		uint64_t h;
		struct ks_comm_key k = { v, comm };
		void *val;
		int64_t j;

		/* threads of one process come in a run, by tid, mostly named alike */
		if (n && !strcmp(v[n - 1].comm, comm)) {
			v[n - 1].threads++;
			v[n - 1].samples += gr->m[i].samples;
			continue;
		}
		h = ks_hash_bytes(0, comm, strlen(comm));
		val = ks_hashtab_get(&seen, h, ks_comm_eq, &k);
		j = val ? (int64_t)ks_hashtab_val_index(val) : -1;

		if (j < 0) {
			if (!ks_hashtab_add(&seen, h, ks_hashtab_index_val(n))) {
				free(v);
				*ret = NULL;
				n = 0;
				break;
			}
			j = (int64_t)n;
			v[n++].comm = comm;
		}
		v[j].threads++;
		v[j].samples += gr->m[i].samples;
	}
	ks_hashtab_fini(&seen);
	if (n)
		qsort(v, n, sizeof(*v), ks_comm_count_cmp);
	return n;
}

uint64_t ks_report_left_out(const struct ks_report *r)
{
	return r->left.state + r->left.comm + r->left.match + r->left.process;
}

const char *ks_report_fold(const char *comm, bool kthread, char buf[KS_FOLD_LEN])
{
	size_t n = strnlen(comm, KSTACK_COMM_LEN);
	const char *slash = kthread ? memchr(comm, '/', n) : NULL;

	if (slash)
		n = (size_t)(slash - comm) + 1;
	memcpy(buf, comm, n);
	if (slash)
		buf[n++] = '*';
	buf[n] = '\0';
	return buf;
}

static int ks_comm_fold_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ks_comm_fold *)a)->comm, ((const struct ks_comm_fold *)b)->comm);
}

static int ks_comm_fold_cmp(const void *a, const void *b)
{
	const struct ks_comm_fold *x = a, *y = b;

	if (x->threads != y->threads)
		return x->threads > y->threads ? -1 : 1;
	return strcmp(x->comm, y->comm);
}

size_t ks_report_comms_folded(const struct ks_group *gr, struct ks_comm_fold **ret)
{
	struct ks_comm_fold *v = calloc(gr->nm ? gr->nm : 1, sizeof(*v));
	size_t n = 0, i;

	*ret = v;
	if (!v)
		return 0;
	/* one entry a member, sorted by name, then the runs summed in place */
	for (i = 0; i < gr->nm; i++) {
		ks_report_fold(gr->m[i].comm, gr->m[i].kthread, v[i].comm);
		v[i].threads = 1;
		v[i].samples = gr->m[i].samples;
	}
	qsort(v, gr->nm, sizeof(*v), ks_comm_fold_name_cmp);
	for (i = 0; i < gr->nm; i++) {
		if (n && !strcmp(v[n - 1].comm, v[i].comm)) {
			v[n - 1].threads++;
			v[n - 1].samples += v[i].samples;
		} else {
			v[n++] = v[i];
		}
	}
	qsort(v, n, sizeof(*v), ks_comm_fold_cmp);
	return n;
}

/* A member's process: its name (folded for a kernel thread) and id. */
struct ks_proc_key {
	char name[KS_FOLD_LEN];
	bool kthread;
	uint64_t pid;
};

static int ks_proc_key_cmp(const void *a, const void *b)
{
	const struct ks_proc_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->kthread != y->kthread)
		return x->kthread ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int ks_proc_count_cmp(const void *a, const void *b)
{
	const struct ks_proc_count *x = a, *y = b;

	if (x->threads != y->threads)
		return x->threads > y->threads ? -1 : 1;
	return strcmp(x->name, y->name);
}

bool ks_report_procs(const struct ks_group *gr, struct ks_proc_counts *pc)
{
	size_t nm = gr->nm ? gr->nm : 1, n = 0, np = 0, i;
	struct ks_proc_key *k = calloc(nm, sizeof(*k));

	memset(pc, 0, sizeof(*pc));
	pc->v = calloc(nm, sizeof(*pc->v));
	pc->store = calloc(nm, sizeof(*pc->store));
	if (!k || !pc->v || !pc->store) {
		free(k);
		ks_report_procs_fini(pc);
		return false;
	}
	for (i = 0; i < gr->nm; i++) {
		const struct ks_group_member *m = &gr->m[i];

		/* a kernel thread is a process of its own: named by its kind */
		ks_report_fold(m->kthread ? m->comm : m->pname ? m->pname : "-", m->kthread,
			       k[i].name);
		k[i].kthread = m->kthread;
		k[i].pid = m->tgid;
	}
	qsort(k, gr->nm, sizeof(*k), ks_proc_key_cmp);
	for (i = 0; i < gr->nm; i++) {
		struct ks_proc_count *c = n ? &pc->v[n - 1] : NULL;

		if (!c || strcmp(c->name, k[i].name) || c->kthread != k[i].kthread) {
			c = &pc->v[n++];
			memcpy(c->name, k[i].name, sizeof(c->name));
			c->kthread = k[i].kthread;
			c->pids = pc->store + np;
		}
		c->threads++;
		/* sorted: a process's threads are a run */
		if (!c->npids || c->pids[c->npids - 1] != k[i].pid) {
			pc->store[np++] = k[i].pid;
			c->npids++;
		}
	}
	free(k);
	qsort(pc->v, n, sizeof(*pc->v), ks_proc_count_cmp);
	pc->n = n;
	return true;
}

void ks_report_procs_fini(struct ks_proc_counts *pc)
{
	free(pc->v);
	free(pc->store);
	memset(pc, 0, sizeof(*pc));
}

static bool ks_tid_eq(const void *val, const void *key)
{
	return (uintptr_t)val == (uintptr_t)*(const uint64_t *)key;
}

uint64_t ks_report_threads_shown(const struct ks_report *r)
{
	const struct ks_grouping *g = r->g;
	struct ks_hashtab seen = { 0 };
	uint64_t n = 0;
	size_t i, j;

	if (!r->sampled)
		return g->samples - g->min_count_samples;
	for (i = 0; i < g->n; i++) {
		for (j = 0; j < g->v[i].nm; j++) {
			uint64_t tid = g->v[i].m[j].tid, h = ks_hash_u64(tid);

			/* a tid is never 0: the value itself is the key */
			if (ks_hashtab_get(&seen, h, ks_tid_eq, &tid))
				continue;
			if (!ks_hashtab_add(&seen, h, (void *)(uintptr_t)tid)) {
				ks_hashtab_fini(&seen);
				return UINT64_MAX;
			}
			n++;
		}
	}
	ks_hashtab_fini(&seen);
	return n;
}
