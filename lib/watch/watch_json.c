// SPDX-License-Identifier: GPL-2.0
/* kstack --watch --format json: one event a line (watch_json.h). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "report.h"
#include "watch_json.h"

static void ks_wj_set(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v))
		*ok = false;
}

/* Escaped text (ASCII); a part of a name is len bytes long. */
static json_t *ks_wj_str(const char *s, size_t len)
{
	return json_stringn(s, len);
}

static json_t *ks_wj_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
	return json_string(buf);
}

static json_t *ks_wj_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* "2024-12-08T03:00:12.345Z" */
static json_t *ks_wj_time(uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	char buf[48], date[32];
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
		return json_null();
	snprintf(buf, sizeof(buf), "%s.%03uZ", date, (unsigned int)(ns % 1000000000ull / 1000000));
	return json_string(buf);
}

/* The frames as the JSON report has them (report_json.c). */
static json_t *ks_wj_frames(const struct ks_cap_frame *f, size_t n, bool *ok)
{
	json_t *a = json_array();
	size_t i;

	if (!a) {
		*ok = false;
		return NULL;
	}
	for (i = 0; i < n && *ok; i++) {
		json_t *o = json_object();
		struct ks_name_parts p;

		if (!o || json_array_append_new(a, o)) {
			*ok = false;
			break;
		}
		ks_name_split(f[i].name, &p);
		ks_wj_set(o, "address", ks_wj_hex(f[i].ip), ok);
		ks_wj_set(o, "name", json_string(f[i].name), ok);
		ks_wj_set(o, "module", p.owner_len ? ks_wj_str(p.owner, p.owner_len) : json_null(), ok);
		ks_wj_set(o, "function", ks_wj_str(p.func, p.func_len), ok);
		if (f[i].raw)
			ks_name_split(f[i].raw, &p);
		ks_wj_set(o, "raw_function", ks_wj_str(p.func, p.func_len), ok);
		ks_wj_set(o, "offset", ks_wj_u64(p.offset), ok);
		ks_wj_set(o, "reliable", json_boolean(!(f[i].flags & KS_CAP_FRAME_UNRELIABLE)), ok);
		ks_wj_set(o, "exact", json_boolean(f[i].flags & KS_CAP_FRAME_EXACT), ok);
	}
	return a;
}

static void ks_wj_stack(json_t *o, const struct ks_watch_event *e, bool *ok)
{
	json_t *cs = json_object();

	if (cs) {
		ks_wj_set(cs, "voluntary", ks_wj_u64(e->nvcsw), ok);
		ks_wj_set(cs, "involuntary", ks_wj_u64(e->nivcsw), ok);
	}
	ks_wj_set(o, "ctxsw", cs, ok);
	ks_wj_set(o, "end", json_string(e->end ? e->end : "stopped"), ok);
	ks_wj_set(o, "partial", json_boolean(e->stop_reason != NULL), ok);
	if (e->stop_reason)
		ks_wj_set(o, "stop_reason", json_string(e->stop_reason), ok);
	ks_wj_set(o, "kernel_frames", ks_wj_frames(e->kf, e->nk, ok), ok);
	ks_wj_set(o, "user_frames", ks_wj_frames(e->uf, e->nu, ok), ok);
}

struct ks_error *ks_watch_json_write(FILE *out, const struct ks_watch_event *e)
{
	json_t *o = json_object();
	char comm[KS_COMM_ESC];
	bool ok = o != NULL;

	if (!ok)
		return &ks_error_nomem;
	ks_wj_set(o, "event", json_string(e->event), &ok);
	ks_wj_set(o, "time", ks_wj_time(e->time_ns), &ok);
	ks_wj_set(o, "tid", ks_wj_u64(e->tid), &ok);
	ks_wj_set(o, "tgid", ks_wj_u64(e->tgid), &ok);
	ks_wj_set(o, "comm", json_string(ks_report_comm(e->comm ? e->comm : "", comm)), &ok);
	if (e->state) {
		char state[2] = { e->state, '\0' };

		ks_wj_set(o, "state", json_string(state), &ok);
	}
	/* tenths of a second, as the text says it */
	ks_wj_set(o, "seconds", json_real((double)(int64_t)(e->seconds * 10.0) / 10.0), &ok);
	if (!strcmp(e->event, "unstuck"))
		ks_wj_set(o, "exited", json_boolean(e->exited), &ok);
	if (e->function)
		ks_wj_set(o, "function", json_string(e->function), &ok);
	if (e->waiting_for)
		ks_wj_set(o, "waiting_for", json_string(e->waiting_for), &ok);
	if (e->no_stack)
		ks_wj_set(o, "no_stack", json_string(e->no_stack), &ok);
	if (e->with_stack)
		ks_wj_stack(o, e, &ok);
	if (!ok) {
		json_decref(o);
		return &ks_error_nomem;
	}
	if (json_dumpf(o, out, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENSURE_ASCII |
		       JSON_REAL_PRECISION(9)) ||
	    fputc('\n', out) == EOF) {
		json_decref(o);
		return ks_error_format(EIO, "writing JSON: %s", strerror(errno));
	}
	json_decref(o);
	return NULL;
}
