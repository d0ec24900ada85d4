// SPDX-License-Identifier: GPL-2.0
/*
 * pprof report: a perftools.profiles.Profile (profile.proto, pprof's
 * published schema), serialized with protobuf-c and gzip'd with zlib, as
 * `go tool pprof`, Parca, Pyroscope and Grafana read it.
 *
 * One sample per thread (ungrouped) or per group, leaf first. Values: one
 * capture: [threads/count]; --sample: [samples/count, wall/nanoseconds]
 * (wall: the estimated time threads spent there). Labels: "thread" (the
 * tid as a number; for a group the tid ranges as a string), "tgid" (a
 * thread's, as a number), "state" (the ps letter; for a group "S x 100,
 * D x 3"), "comm" (for a group "zoo x 100, ..."), and "threads" (a group's
 * thread count). Mapping 1 is the kernel
 * ("[kernel.kallsyms]", as perf names it), 2 user space: each location
 * names its function (Function.filename: the module, "vmlinux" for the
 * core kernel). "[running]" and "[cut short]" are pseudo-frames without a
 * mapping, as in the folded output.
 *
 * Checked by the reference reader: tests/unit/test_report.c loads these
 * profiles with `go tool pprof` and checks what it shows.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "profile.pb-c.h"
#include "report.h"
#include "vec.h"

#define KS_MAP_KERNEL 1
#define KS_MAP_USER 2

typedef Perftools__Profiles__Profile KsProfile;
typedef Perftools__Profiles__Sample KsSample;
typedef Perftools__Profiles__Label KsLabel;
typedef Perftools__Profiles__Location KsLocation;
typedef Perftools__Profiles__Line KsLine;
typedef Perftools__Profiles__Function KsFunction;
typedef Perftools__Profiles__Mapping KsMapping;
typedef Perftools__Profiles__ValueType KsValueType;

struct ks_pp_loc {
	uint64_t ip, mapping, func;
};

struct ks_pp {
	char **strs;
	size_t nstrs, strs_cap;
	struct ks_hashtab strtab;	/* values: strs indices (ks_hashtab_index_val) */
	KsFunction *funcs;
	size_t nfuncs, funcs_cap;
	struct ks_hashtab functab;	/* funcs indices */
	struct ks_pp_loc *locs;
	size_t nlocs, locs_cap;
	struct ks_hashtab loctab;	/* locs indices */
	KsSample *samples;
	size_t nsamples;
	KsLabel *labels;		/* every sample's, in order */
	size_t nlabels, labels_cap;
	uint64_t kmin, kmax, umin, umax;	/* mapping bounds */
	bool ok;
};

/* The lookup keys: the writer (its arrays move as they grow) and the item. */
struct ks_pp_key {
	const struct ks_pp *pp;
	const void *item;
};

static bool ks_pp_str_eq(const void *val, const void *key)
{
	const struct ks_pp_key *k = key;

	return !strcmp(k->pp->strs[ks_hashtab_val_index(val)], k->item);
}

/*
 * A copy of len bytes of s (up to a NUL) that is printable ASCII. Names
 * come escaped (capture.h) and comms are escaped here, so this only
 * changes a string that broke that contract: proto3 requires a string
 * field to be UTF-8 (pprof's Go reader does not check, other readers
 * refuse the whole profile), and a raw control byte would reach the
 * terminal of whoever runs `go tool pprof -traces`. Such bytes become
 * "\ooo" as escape.h writes them; '\' is kept, being already escaped text.
 */
static char *ks_pp_ascii(const char *s, size_t len)
{
	size_t n = strnlen(s, len), i, bad = 0, k = 0;
	char *e;

	for (i = 0; i < n; i++)
		bad += (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e;
	e = malloc(n + 3 * bad + 1);
	if (!e)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			k += (size_t)sprintf(e + k, "\\%03o", c);
		else
			e[k++] = (char)c;
	}
	e[k] = '\0';
	return e;
}

/* The string table index of s (len bytes; escaped text, or ours). */
static int64_t ks_pp_str(struct ks_pp *pp, const char *s, size_t len)
{
	char *e = ks_pp_ascii(s, len);
	struct ks_pp_key k = { pp, e };
	uint64_t h;
	void *val;
	char *copy = e;

	if (!e) {
		pp->ok = false;
		return 0;
	}
	h = ks_hash_bytes(0, e, strlen(e));
	val = ks_hashtab_get(&pp->strtab, h, ks_pp_str_eq, &k);
	if (val) {
		free(e);
		return (int64_t)ks_hashtab_val_index(val);
	}
	if (!ks_vec_grow(&pp->strs, &pp->strs_cap, pp->nstrs + 1, sizeof(*pp->strs), 64) ||
	    !ks_hashtab_add(&pp->strtab, h, ks_hashtab_index_val(pp->nstrs))) {
		free(copy);
		pp->ok = false;
		return 0;
	}
	pp->strs[pp->nstrs] = copy;
	return (int64_t)pp->nstrs++;
}

static int64_t ks_pp_cstr(struct ks_pp *pp, const char *s)
{
	return ks_pp_str(pp, s, SIZE_MAX);
}

struct ks_pp_func_key {
	int64_t name, system_name, filename;
};

static bool ks_pp_func_eq(const void *val, const void *key)
{
	const struct ks_pp_key *k = key;
	const struct ks_pp_func_key *f = k->item;
	const KsFunction *have = &k->pp->funcs[ks_hashtab_val_index(val)];

	return have->name == f->name && have->system_name == f->system_name &&
	       have->filename == f->filename;
}

/*
 * Function id (1-based) for a function name, its system name (profile.proto:
 * "name of the function, as identified by the system", the mangled
 * symbol where name is demangled; else name again) and its module.
 */
static uint64_t ks_pp_func(struct ks_pp *pp, int64_t name, int64_t system_name, int64_t filename)
{
	struct ks_pp_func_key fk = { name, system_name, filename };
	struct ks_pp_key k = { pp, &fk };
	uint64_t h = ks_hash_mix(ks_hash_mix(ks_hash_mix(1, (uint64_t)name), (uint64_t)system_name),
				 (uint64_t)filename);
	void *val = ks_hashtab_get(&pp->functab, h, ks_pp_func_eq, &k);
	KsFunction *f;

	if (val)
		return (uint64_t)ks_hashtab_val_index(val) + 1;
	if (!ks_vec_grow(&pp->funcs, &pp->funcs_cap, pp->nfuncs + 1, sizeof(*pp->funcs), 64) ||
	    !ks_hashtab_add(&pp->functab, h, ks_hashtab_index_val(pp->nfuncs))) {
		pp->ok = false;
		return 0;
	}
	f = &pp->funcs[pp->nfuncs++];
	perftools__profiles__function__init(f);
	f->id = pp->nfuncs;
	f->name = name;
	f->system_name = system_name;
	f->filename = filename;
	return f->id;
}

static bool ks_pp_loc_eq(const void *val, const void *key)
{
	const struct ks_pp_key *k = key;
	const struct ks_pp_loc *a = &k->pp->locs[ks_hashtab_val_index(val)], *b = k->item;

	return a->ip == b->ip && a->mapping == b->mapping && a->func == b->func;
}

static uint64_t ks_pp_loc(struct ks_pp *pp, uint64_t ip, uint64_t mapping, uint64_t func)
{
	struct ks_pp_loc loc = { ip, mapping, func };
	struct ks_pp_key k = { pp, &loc };
	uint64_t h = ks_hash_mix(ks_hash_mix(ks_hash_mix(2, ip), mapping), func);
	void *val = ks_hashtab_get(&pp->loctab, h, ks_pp_loc_eq, &k);

	if (val)
		return (uint64_t)ks_hashtab_val_index(val) + 1;
	if (!ks_vec_grow(&pp->locs, &pp->locs_cap, pp->nlocs + 1, sizeof(*pp->locs), 64) ||
	    !ks_hashtab_add(&pp->loctab, h, ks_hashtab_index_val(pp->nlocs))) {
		pp->ok = false;
		return 0;
	}
	pp->locs[pp->nlocs++] = loc;
	if (mapping == KS_MAP_KERNEL) {
		pp->kmin = pp->kmin && pp->kmin < ip ? pp->kmin : ip;
		pp->kmax = pp->kmax > ip ? pp->kmax : ip;
	} else if (mapping == KS_MAP_USER) {
		pp->umin = pp->umin && pp->umin < ip ? pp->umin : ip;
		pp->umax = pp->umax > ip ? pp->umax : ip;
	}
	return pp->nlocs;
}

/*
 * A frame's location: its function by name and module. A frame no symbol
 * covers has no function name ("libx.so!+0x1234", the user unwinder's
 * form): pprof would show the mapping's name for it and fold every such
 * frame of a module into one function, so it is named by its module and
 * offset ("libx.so+0x1234", the address in the file), one function each.
 */
static uint64_t ks_pp_frame(struct ks_pp *pp, const struct ks_cap_frame *f, uint64_t mapping)
{
	struct ks_name_parts p;
	int64_t name, sys, file;

	ks_name_split(f->name, &p);
	if (p.func_len) {
		name = ks_pp_str(pp, p.func, p.func_len);
	} else {
		char *anon;

		if (asprintf(&anon, "%.*s+0x%" PRIx64, p.owner_len ? (int)p.owner_len : 9,
			     p.owner_len ? p.owner : "[unknown]", p.offset) < 0) {
			pp->ok = false;
			return 0;
		}
		name = ks_pp_cstr(pp, anon);
		free(anon);
	}
	sys = name;
	if (f->raw) {
		struct ks_name_parts r;

		ks_name_split(f->raw, &r);
		sys = ks_pp_str(pp, r.func, r.func_len);
	}
	file = p.owner_len ? ks_pp_str(pp, p.owner, p.owner_len) : 0;
	return ks_pp_loc(pp, f->ip, mapping, ks_pp_func(pp, name, sys, file));
}

static uint64_t ks_pp_pseudo(struct ks_pp *pp, const char *what)
{
	int64_t name = ks_pp_cstr(pp, what);

	return ks_pp_loc(pp, 0, 0, ks_pp_func(pp, name, name, 0));
}

/*
 * A comm for a label. pprof drops a string label whose value is "" (index
 * 0 is "not set": profile.proto's Label.str), and a thread may clear its
 * name (prctl(PR_SET_NAME, "")): such a comm is "-", as ps prints an empty
 * field, so every sample keeps its "comm" label.
 */
static const char *ks_pp_comm(const char *comm, char buf[KS_COMM_ESC])
{
	ks_report_comm(comm, buf);
	return buf[0] ? buf : "-";
}

static void ks_pp_label(struct ks_pp *pp, const char *key, const char *str, int64_t num)
{
	KsLabel *l;

	if (!ks_vec_grow(&pp->labels, &pp->labels_cap, pp->nlabels + 1, sizeof(*pp->labels), 64)) {
		pp->ok = false;
		return;
	}
	l = &pp->labels[pp->nlabels++];
	perftools__profiles__label__init(l);
	l->key = ks_pp_cstr(pp, key);
	if (str)
		l->str = ks_pp_cstr(pp, str);
	else
		l->num = num;
}

/* "S x 100, D x 3" */
static void ks_pp_states(const struct ks_group *gr, char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(gr->states) / sizeof(gr->states[0]) && len < cap; i++)
		if (gr->states[i])
			len += (size_t)snprintf(buf + len, cap - len, "%s%c x %" PRIu64,
						len ? ", " : "", KS_STATE_LETTERS[i], gr->states[i]);
}

/* Labels of a group: its thread count, tid ranges, states, comms. */
static void ks_pp_group_labels(struct ks_pp *pp, const struct ks_group *gr)
{
	struct ks_comm_count *cc;
	size_t nc = ks_report_comms(gr, &cc), i, len = 0, cap = nc * (KS_COMM_ESC + 24) + 1;
	char *tids = ks_report_tid_ranges(gr), *comms = malloc(cap), states[160];

	if (!cc || !tids || !comms) {
		pp->ok = false;
	} else {
		comms[0] = '\0';
		for (i = 0; i < nc; i++) {
			char c[KS_COMM_ESC];

			len += (size_t)snprintf(comms + len, cap - len, "%s%s x %" PRIu64,
						i ? ", " : "", ks_pp_comm(cc[i].comm, c),
						cc[i].threads);
		}
		ks_pp_states(gr, states, sizeof(states));
		ks_pp_label(pp, "threads", NULL, (int64_t)gr->nm);
		ks_pp_label(pp, "thread", tids, 0);
		ks_pp_label(pp, "state", states, 0);
		ks_pp_label(pp, "comm", comms, 0);
	}
	free(cc);
	free(tids);
	free(comms);
}

static void ks_pp_sample(struct ks_pp *pp, const struct ks_report *r, const struct ks_group *gr)
{
	KsSample *s = &pp->samples[pp->nsamples++];
	size_t nk = ks_group_nk(gr), nu = ks_group_nu(gr), n = nk + nu, i, k = 0;

	perftools__profiles__sample__init(s);
	s->location_id = malloc((n + 1) * sizeof(*s->location_id));
	s->value = malloc(2 * sizeof(*s->value));
	if (!s->location_id || !s->value) {
		pp->ok = false;
		return;
	}
	if (gr->flags & KS_CAP_RUNNING)
		s->location_id[k++] = ks_pp_pseudo(pp, "[running]");
	for (i = 0; i < nk; i++)
		s->location_id[k++] = ks_pp_frame(pp, &gr->kstack->f[i], KS_MAP_KERNEL);
	for (i = 0; i < nu; i++)
		s->location_id[k++] = ks_pp_frame(pp, &gr->ustack->f[i], KS_MAP_USER);
	if ((gr->flags & KS_CAP_PARTIAL) && k < n + 1)
		s->location_id[k++] = ks_pp_pseudo(pp, "[cut short]");
	s->n_location_id = k;
	if (r->sampled) {
		s->value[0] = (int64_t)gr->samples;
		s->value[1] = (int64_t)ks_report_wall_ns(r, gr->samples);
		s->n_value = 2;
	} else {
		s->value[0] = (int64_t)gr->nm;
		s->n_value = 1;
	}
	/* labels: indices into pp->labels until the pointers are made */
	s->n_label = pp->nlabels;
	if (r->g->by == KS_GROUP_NONE) {
		char state[2] = { gr->m[0].state ? gr->m[0].state : '?', '\0' };

		ks_pp_label(pp, "thread", NULL, (int64_t)gr->m[0].tid);
		ks_pp_label(pp, "tgid", NULL, (int64_t)gr->m[0].tgid);
		ks_pp_label(pp, "state", state, 0);
		char comm[KS_COMM_ESC];

		ks_pp_label(pp, "comm", ks_pp_comm(gr->m[0].comm, comm), 0);
	} else {
		ks_pp_group_labels(pp, gr);
	}
}

static void ks_pp_free(struct ks_pp *pp)
{
	size_t i;

	for (i = 0; i < pp->nstrs; i++)
		free(pp->strs[i]);
	free(pp->strs);
	ks_hashtab_fini(&pp->strtab);
	free(pp->funcs);
	ks_hashtab_fini(&pp->functab);
	free(pp->locs);
	ks_hashtab_fini(&pp->loctab);
	for (i = 0; i < pp->nsamples; i++) {
		free(pp->samples[i].location_id);
		free(pp->samples[i].value);
		free(pp->samples[i].label);
	}
	free(pp->samples);
	free(pp->labels);
}

/* gzip (RFC 1952) of buf into out. */
static struct ks_error *ks_pp_gzip(const uint8_t *buf, size_t len, FILE *out)
{
	z_stream z = { 0 };
	uint8_t chunk[1 << 14];
	int rc;

	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return ks_error_format(ENOMEM, "zlib: deflateInit2 failed");
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR)
			break;
		if (fwrite(chunk, 1, sizeof(chunk) - z.avail_out, out) !=
		    sizeof(chunk) - z.avail_out) {
			deflateEnd(&z);
			return ks_error_format(EIO, "writing pprof: %s", strerror(errno));
		}
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? NULL : ks_error_format(EIO, "zlib: deflate failed (%d)", rc);
}

struct ks_error *ks_report_pprof(const struct ks_report *r, FILE *out)
{
	const struct ks_grouping *g = r->g;
	struct ks_pp pp = { .ok = true };
	KsProfile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	KsValueType vt[2], period, *vtp[2];
	KsMapping maps[2], *mapp[2];
	KsLocation *locs = NULL, **locp = NULL;
	KsLine *lines = NULL, **linep = NULL;
	KsFunction **funcp = NULL;
	KsSample **samplep = NULL;
	KsLabel **labelp = NULL;
	struct ks_error *err = NULL;
	uint8_t *buf = NULL;
	int64_t comment;
	size_t i, len;
	char note[256];

	ks_pp_cstr(&pp, "");	/* string_table[0] must be "" */
	pp.samples = calloc(g->n ? g->n : 1, sizeof(*pp.samples));
	if (!pp.samples)
		pp.ok = false;
	for (i = 0; i < g->n && pp.ok; i++)
		ks_pp_sample(&pp, r, &g->v[i]);

	for (i = 0; i < 2; i++)
		perftools__profiles__value_type__init(&vt[i]);
	perftools__profiles__value_type__init(&period);
	if (r->sampled) {
		vt[0].type = ks_pp_cstr(&pp, "samples");
		vt[0].unit = ks_pp_cstr(&pp, "count");
		vt[1].type = ks_pp_cstr(&pp, "wall");
		vt[1].unit = ks_pp_cstr(&pp, "nanoseconds");
		prof.n_sample_type = 2;
		period.type = vt[1].type;
		period.unit = vt[1].unit;
		prof.period_type = &period;
		prof.period = g->rounds ? (int64_t)(r->duration_ns / g->rounds) : 0;
		prof.duration_nanos = (int64_t)r->duration_ns;
	} else {
		vt[0].type = ks_pp_cstr(&pp, "threads");
		vt[0].unit = ks_pp_cstr(&pp, "count");
		prof.n_sample_type = 1;
	}
	vtp[0] = &vt[0];
	vtp[1] = &vt[1];
	prof.sample_type = vtp;
	prof.time_nanos = (int64_t)r->start_ns;
	snprintf(note, sizeof(note), "kstack: %" PRIu64 " threads walked, %" PRIu64
		 " left out by filters, %" PRIu64 " by --min-count, %" PRIu64
		 " threads and %" PRIu64 " processes not permitted", r->walked,
		 ks_report_left_out(r), r->sampled ? g->min_count_samples : g->min_count_threads,
		 r->not_permitted, r->not_permitted_processes);
	comment = ks_pp_cstr(&pp, note);
	prof.comment = &comment;
	prof.n_comment = 1;

	for (i = 0; i < 2; i++) {
		perftools__profiles__mapping__init(&maps[i]);
		maps[i].id = i + 1;
		maps[i].has_functions = 1;
		mapp[i] = &maps[i];
	}
	maps[0].memory_start = pp.kmin;
	maps[0].memory_limit = pp.kmax ? pp.kmax + 1 : 0;
	maps[0].filename = ks_pp_cstr(&pp, "[kernel.kallsyms]");
	maps[1].memory_start = pp.umin;
	maps[1].memory_limit = pp.umax ? pp.umax + 1 : 0;
	maps[1].filename = ks_pp_cstr(&pp, "[user]");
	prof.mapping = mapp;
	prof.n_mapping = 2;

	/* the pointer arrays, now that no array moves any more */
	locs = calloc(pp.nlocs + 1, sizeof(*locs));
	locp = calloc(pp.nlocs + 1, sizeof(*locp));
	lines = calloc(pp.nlocs + 1, sizeof(*lines));
	linep = calloc(pp.nlocs + 1, sizeof(*linep));
	funcp = calloc(pp.nfuncs + 1, sizeof(*funcp));
	samplep = calloc(pp.nsamples + 1, sizeof(*samplep));
	labelp = calloc(pp.nlabels + 1, sizeof(*labelp));
	if (!pp.ok || !locs || !locp || !lines || !linep || !funcp || !samplep || !labelp) {
		err = &ks_error_nomem;
		goto out;
	}
	for (i = 0; i < pp.nlocs; i++) {
		perftools__profiles__location__init(&locs[i]);
		perftools__profiles__line__init(&lines[i]);
		locs[i].id = i + 1;
		locs[i].mapping_id = pp.locs[i].mapping;
		locs[i].address = pp.locs[i].ip;
		lines[i].function_id = pp.locs[i].func;
		linep[i] = &lines[i];
		locs[i].line = &linep[i];
		locs[i].n_line = 1;
		locp[i] = &locs[i];
	}
	for (i = 0; i < pp.nfuncs; i++)
		funcp[i] = &pp.funcs[i];
	for (i = 0; i < pp.nlabels; i++)
		labelp[i] = &pp.labels[i];
	for (i = 0; i < pp.nsamples; i++) {
		KsSample *s = &pp.samples[i];
		size_t first = s->n_label;
		size_t end = i + 1 < pp.nsamples ? pp.samples[i + 1].n_label : pp.nlabels;

		s->label = &labelp[first];
		s->n_label = end - first;
		samplep[i] = s;
	}
	/* the label pointers belong to labelp, not to the samples */
	prof.sample = samplep;
	prof.n_sample = pp.nsamples;
	prof.location = locp;
	prof.n_location = pp.nlocs;
	prof.function = funcp;
	prof.n_function = pp.nfuncs;
	prof.string_table = pp.strs;
	prof.n_string_table = pp.nstrs;

	len = perftools__profiles__profile__get_packed_size(&prof);
	buf = malloc(len ? len : 1);
	if (!buf) {
		err = &ks_error_nomem;
		goto out;
	}
	if (perftools__profiles__profile__pack(&prof, buf) != len) {
		err = ks_error_format(EIO, "protobuf-c: packed size differs");
		goto out;
	}
	err = ks_pp_gzip(buf, len, out);
out:
	for (i = 0; i < pp.nsamples; i++)
		pp.samples[i].label = NULL;
	free(buf);
	free(locs);
	free(locp);
	free(lines);
	free(linep);
	free(funcp);
	free(samplep);
	free(labelp);
	ks_pp_free(&pp);
	return err;
}
