// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the input of flamegraph.pl (stackcollapse output) and
 * speedscope: one line per distinct (comm, stack),
 *   comm;outermost;...;innermost count
 * root first, frames separated by ';', the count after the last space.
 * A frame is its function name ("__schedule"), a module's with the module
 * as /proc/PID/stack writes it ("kvm_vcpu_block [kvm]"); where no symbol
 * covers it, its file in brackets ("[libc.so.6]", as stackcollapse-perf.pl
 * writes perf's unsymbolized frames), or "[unknown]" when no file is known. A stack cut short starts with "[cut short]"
 * (its root is missing), a running thread is "comm;[running]". Counts are
 * threads (one capture) or samples (--sample). Comms are escaped here,
 * names come escaped (escape.h); a ';' inside either (a comm may hold one)
 * is written as \073, the escape the same convention gives other bytes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* len bytes of already escaped text, with ';' (the frame separator) escaped too */
static void ks_folded_put(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i]; i++) {
		if (s[i] == ';')
			fputs("\\073", out);
		else
			fputc(s[i], out);
	}
}

static void ks_folded_frame(FILE *out, const struct ks_cap_frame *f)
{
	struct ks_name_parts p;

	ks_name_split(f->name, &p);
	fputc(';', out);
	if (!p.func_len) {	/* "libx.so!+0x1234": the file alone */
		fputc('[', out);
		if (p.owner_len)
			ks_folded_put(out, p.owner, p.owner_len);
		else
			fputs("unknown", out);
		fputc(']', out);
		return;
	}
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
	size_t i;

	if (gr->flags & KS_CAP_RUNNING) {
		fputs(";[running]", out);
		return;
	}
	if (gr->flags & KS_CAP_PARTIAL)
		fputs(";[cut short]", out);
	for (i = ks_group_nu(gr); i-- > 0;)
		ks_folded_frame(out, &gr->ustack->f[i]);
	for (i = ks_group_nk(gr); i-- > 0;)
		ks_folded_frame(out, &gr->kstack->f[i]);
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
			char comm[KS_COMM_ESC];

			ks_folded_put(out, ks_report_comm(cc[j].comm, comm), KS_COMM_ESC);
			ks_folded_stack(out, gr);
			fprintf(out, " %" PRIu64 "\n", cc[j].samples);
		}
		free(cc);
	}
	return NULL;
}
