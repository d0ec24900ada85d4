// SPDX-License-Identifier: GPL-2.0
/*
 * report_bench [THREADS [PROCS]]: the report writers (lib/report_*.c) alone,
 * on the host, over a synthetic capture shaped like make bench's zoo at
 * N = 4,000: THREADS threads (default 4,800) in PROCS processes (default
 * 400), both halves, 16 kernel frames from 12 distinct stacks, 10 user frames
 * per process. Each format is written to /dev/null in a child of its own:
 * the time of the write and the child's peak RSS above the capture's (Linux
 * keeps a process's peak, so the capture's share is taken first).
 *
 *   report_bench                  all formats, grouped and not
 *   report_bench 66000 2          the scale suite's shape
 *   report_bench 4800 400 json    one format
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "group.h"
#include "report.h"

#define NK 16
#define NU 10
#define KSTACKS 12

static char names[KSTACKS * NK + 4096 * NU][64];

static long peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void build(struct ks_capture *c, size_t threads, size_t procs)
{
	struct ks_cap_frame kf[KSTACKS][NK], uf[NU];
	size_t i, j, nn = 0;

	for (i = 0; i < KSTACKS; i++) {
		for (j = 0; j < NK; j++) {
			snprintf(names[nn], sizeof(names[nn]), "vmlinux!func_%zu_%zu+0x%zx/0x400",
				 i, j, 16 * j + 5);
			kf[i][j] = (struct ks_cap_frame){ 0xffffffff81000000ull + i * 0x10000 + j * 0x40,
							  names[nn++], 0 };
		}
	}
	for (i = 0; i < threads; i++) {
		size_t p = i * procs / threads;	/* a process's threads in a run, as listed */
		struct ks_cap_thread t = { .tid = 1000 + i, .tgid = 1000 + p, .state = 'S',
					   .flags = KS_CAP_USER, .nvcsw = i, .nivcsw = 1,
					   .user_ip = 0x401234, .user_sp = 0x7ffc00 };

		snprintf(t.comm, sizeof(t.comm), "proc-%u", (unsigned int)(p % 100000));
		for (j = 0; j < NU; j++) {
			size_t k = KSTACKS * NK + (p % 4096) * NU + j;

			if (!names[k][0])
				snprintf(names[k], sizeof(names[k]), "libproc%zu.so!user_%zu+0x%zx/0x80",
					 p, j, 4 * j + 1);
			uf[j] = (struct ks_cap_frame){ 0x7f0000000000ull + p * 0x100000 + j * 0x10,
						       names[k], 0 };
		}
		if (!ks_capture_add_frames(c, &t, kf[i % KSTACKS], NK, uf, NU)) {
			fprintf(stderr, "report_bench: out of memory\n");
			exit(1);
		}
	}
	c->walked = c->n;
	(void)nn;
}

static void run(const struct ks_capture *c, enum ks_format fmt, enum ks_group_by by,
		long base_kib)
{
	struct ks_grouping g;
	struct ks_report r = { 0 };
	struct ks_error *err;
	double t0, t1, t2;
	FILE *out;
	int status;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p) {
		waitpid(p, &status, 0);
		return;
	}
	out = fopen("/dev/null", "w");
	t0 = now_ms();
	ks_grouping_init(&g, by);
	if (ks_grouping_add(&g, c))
		_exit(1);
	ks_grouping_finish(&g, 0);
	r.g = &g;
	r.walked = c->walked;
	t1 = now_ms();
	err = ks_report_write(&r, fmt, out);
	t2 = now_ms();
	printf("report_bench: %zu threads --format %-6s --group=%-6s: grouping %.1f ms, "
	       "write %.1f ms, peak RSS +%ld KiB over the capture%s\n", c->n, ks_format_name(fmt),
	       by == KS_GROUP_NONE ? "none" : by == KS_GROUP_WHOLE ? "whole" : "kernel",
	       t1 - t0, t2 - t1, peak_kib() - base_kib, err ? " (error)" : "");
	fflush(stdout);
	_exit(err ? 1 : 0);
}

int main(int argc, char **argv)
{
	size_t threads = argc > 1 ? strtoul(argv[1], NULL, 0) : 4800;
	size_t procs = argc > 2 ? strtoul(argv[2], NULL, 0) : 400;
	static const enum ks_format fmts[] = { KS_FORMAT_JSON, KS_FORMAT_TEXT, KS_FORMAT_FOLDED,
					       KS_FORMAT_PPROF };
	struct ks_cap_pool pool;
	struct ks_capture c;
	long base;
	size_t i;

	enum ks_format only;

	if (!threads || !procs || (argc > 3 && !ks_format_parse(argv[3], &only))) {
		fprintf(stderr, "usage: report_bench [THREADS [PROCS [FORMAT]]]\n");
		return 2;
	}
	ks_cap_pool_init(&pool);
	ks_capture_init(&c, &pool);
	build(&c, threads, procs);
	base = peak_kib();
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (argc > 3 && fmts[i] != only)
			continue;
		if (fmts[i] != KS_FORMAT_FOLDED)
			run(&c, fmts[i], KS_GROUP_NONE, base);
		run(&c, fmts[i], KS_GROUP_WHOLE, base);
	}
	ks_capture_fini(&c);
	ks_cap_pool_fini(&pool);
	return 0;
}
