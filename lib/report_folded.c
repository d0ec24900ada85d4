// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the input of flamegraph.pl (stackcollapse output) and
 * speedscope: one line per distinct (comm, stack),
 *   comm;outermost;...;innermost count
 * root first, frames separated by ';', the count after the last space.
 * A frame is its function name ("__schedule"), a module's with the module
 * as /proc/PID/stack writes it ("kvm_vcpu_block [kvm]"), "[unknown]"
 * where no symbol covers it. A stack cut short starts with "[cut short]"
 * (its root is missing), a running thread is "comm;[running]". Counts are
 * threads (one capture) or samples (--sample). Names are escaped, and a
 * ';' inside one (a comm may hold it) is written as \x3b.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void ks_folded_put(FILE *out, const char *s, size_t len)
{
	char buf[1024];
	const char *e = ks_report_escape(s, len, buf, sizeof(buf));

	for (; *e; e++) {
		if (*e == ';')
			fputs("\\x3b", out);
		else
			fputc(*e, out);
	}
}

static void ks_folded_frame(FILE *out, const struct ks_cap_frame *f)
{
	struct ks_name_parts p;

	ks_name_split(f->name, &p);
	fputc(';', out);
	ks_folded_put(out, p.func, p.func_len);
	/* vmlinux frames go bare, as in every kernel flame graph */
	if (p.owner_len && !(p.owner_len == 7 && !memcmp(p.owner, "vmlinux", 7))) {
		fputs(" [", out);
		ks_folded_put(out, p.owner, p.owner_len);
		fputc(']', out);
	}
}

/* The stack part of a group's lines, root first. */
static void ks_folded_stack(FILE *out, const struct ks_group *gr)
{
	const struct ks_cap_frame *uf = ks_group_uframes(gr);
	size_t i;

	if (gr->flags & KS_CAP_RUNNING) {
		fputs(";[running]", out);
		return;
	}
	if (gr->flags & KS_CAP_PARTIAL)
		fputs(";[cut short]", out);
	for (i = gr->nu; i-- > 0;)
		ks_folded_frame(out, &uf[i]);
	for (i = gr->nk; i-- > 0;)
		ks_folded_frame(out, &gr->frames[i]);
}

struct ks_error *ks_report_folded(const struct ks_report *r, FILE *out)
{
	size_t i, j;

	for (i = 0; i < r->g->n; i++) {
		const struct ks_group *gr = &r->g->v[i];
		struct ks_comm_count *cc;
		size_t nc = ks_report_comms(gr, &cc);

		if (!cc)
			return &ks_error_nomem;
		for (j = 0; j < nc; j++) {
			ks_folded_put(out, cc[j].comm, KSTACK_COMM_LEN);
			ks_folded_stack(out, gr);
			fprintf(out, " %" PRIu64 "\n", cc[j].samples);
		}
		free(cc);
	}
	return NULL;
}
