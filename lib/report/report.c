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
	return r->left.state + r->left.comm + r->left.match;
}
