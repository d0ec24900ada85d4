// SPDX-License-Identifier: GPL-2.0
/* kstack's triage options: parsing and checks (see triage.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "triage.h"

void triage_opts_init(struct triage_opts *t)
{
	memset(t, 0, sizeof(*t));
	t->format = KS_FORMAT_TEXT;
	t->interval_ns = KS_SAMPLE_INTERVAL_NS;
	t->duration_ns = KS_SAMPLE_DURATION_NS;
}

bool triage_parse_duration(const char *s, uint64_t *ns_ret)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ull },
		{ "m", 60000000000ull },
	};
	char *end;
	double v;
	size_t i;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			double ns = v * (double)units[i].ns;

			/* a day is more than any run of this tool */
			if (ns < 1 || ns > 86400e9)
				return false;
			*ns_ret = (uint64_t)ns;
			return true;
		}
	}
	return false;
}

static int triage_bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "kstack: %s: need %s, got \"%s\"\n", opt, want, arg);
	return -1;
}

int triage_opt(struct triage_opts *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case KS_OPT_GROUP:
		if (!arg || !strcmp(arg, "whole"))
			t->group = KS_GROUP_WHOLE;
		else if (!strcmp(arg, "kernel"))
			t->group = KS_GROUP_KERNEL;
		else
			return triage_bad("--group", arg, "\"kernel\" or \"whole\" (or nothing)");
		break;
	case KS_OPT_STATE:
		t->states = arg;
		break;
	case KS_OPT_COMM:
		t->comm = arg;
		break;
	case KS_OPT_MATCH:
		t->match = arg;
		break;
	case KS_OPT_PROCESS:
		t->process = arg;
		break;
	case KS_OPT_MIN_COUNT:
		errno = 0;
		if (*arg < '0' || *arg > '9')
			return triage_bad("--min-count", arg, "a count >= 1");
		t->min_count = strtoull(arg, &end, 10);
		if (*end || errno || !t->min_count)
			return triage_bad("--min-count", arg, "a count >= 1");
		break;
	case KS_OPT_FORMAT:
		if (!ks_format_parse(arg, &t->format))
			return triage_bad("--format", arg, "text, json, folded or pprof");
		break;
	case 'o':
		if (!*arg)
			return triage_bad("-o", arg, "a file name");
		t->output = arg;
		break;
	case KS_OPT_SAMPLE:
		t->sample = true;
		break;
	case KS_OPT_INTERVAL:
		if (!triage_parse_duration(arg, &t->interval_ns))
			return triage_bad("--interval", arg, "a duration such as 10ms, 500us, 1s");
		t->timing_given = true;
		break;
	case KS_OPT_DURATION:
		if (!triage_parse_duration(arg, &t->duration_ns))
			return triage_bad("--duration", arg, "a duration such as 5s, 1500ms, 2m");
		t->timing_given = true;
		break;
	default:
		return 0;
	}
	t->used = true;
	return 1;
}

bool triage_opts_check(const struct triage_opts *t, bool all, int npids)
{
	struct ks_filter f;
	struct ks_error *err = ks_filter_init(&f, t->states, t->comm, t->match);

	if (!err) {
		err = ks_filter_set_process(&f, t->process);
		if (err)
			ks_filter_fini(&f);
	}
	/* bad letters or regexes: say so before touching the system */
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		return false;
	}
	ks_filter_fini(&f);
	if (t->min_count && t->group == KS_GROUP_NONE && !t->sample) {
		fprintf(stderr, "kstack: --min-count counts a group's threads: use it with --group\n");
		return false;
	}
	if (t->timing_given && !t->sample) {
		fprintf(stderr, "kstack: --interval and --duration time --sample: use them with --sample\n");
		return false;
	}
	if (t->sample && t->interval_ns > t->duration_ns) {
		fprintf(stderr, "kstack: --interval (%.3f s) is longer than --duration (%.3f s): "
			"one snapshot would be all\n", (double)t->interval_ns / 1e9,
			(double)t->duration_ns / 1e9);
		return false;
	}
	if (!all && npids <= 0) {
		fprintf(stderr, "kstack: --group, the filters, --format, -o and --sample take "
			"PID..., -t TID... or --all\n");
		return false;
	}
	if (t->format == KS_FORMAT_PPROF && !t->output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "kstack: --format pprof writes gzip'd protobuf: give -o FILE\n");
		return false;
	}
	return true;
}
