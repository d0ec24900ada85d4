// SPDX-License-Identifier: GPL-2.0
/*
 * user_phases: what the user half of `kstack --all` costs, phase by
 * phase, per process and per thread, on the threads of this box (run in
 * the VM by make bench): one whole-system SNAPSHOT with record tails, then
 * for every process with user registers, each phase timed apart with the
 * library's own calls: its maps from /proc/PID/maps and from the driver's
 * USER_MAPS, its check SNAPSHOT (one frame a thread), the copy of its
 * threads' stacks (process_vm_readv), their walk and names by the compiled
 * CFI rules, and the same by libdwfl alone (each walker with its own
 * caches, as a run would have). Prints BENCH lines.
 *
 *   user_phases LABEL
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kdriver.h"
#include "snapshot.h"
#include "user_half.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

enum phase { P_PROC_MAPS, P_USER_MAPS, P_CHECK, P_COPY, P_WALK_RULES, P_WALK_DWFL, P_COLD_RULES,
	     P_COLD_DWFL, P_N };

struct phases {
	double us[P_N];
	size_t procs, threads, bytes, rule_walks, failed;
	struct ks_user_unwinder rules, dwfl;
	struct ks_snapshot check;
};

static void take(struct phases *ph, struct ks_driver *drv, struct ks_user_proc *p)
{
	struct ks_user_walk *w = calloc(p->n, sizeof(*w));
	struct ks_maps m;
	struct ks_error *err;
	uint64_t *sps = malloc(p->n * sizeof(*sps));
	size_t i, before;
	double t;

	if (!w || !sps)
		goto out;
	for (i = 0; i < p->n; i++)
		sps[i] = p->v[i].regs.sp;
	t = now_us();
	err = ks_maps_read(&m, NULL, p->pid);
	ph->us[P_PROC_MAPS] += now_us() - t;
	ks_maps_fini(&m);
	ks_error_destroy(err);
	t = now_us();
	err = ks_maps_read_driver(&p->maps, drv, p->pid, sps, p->n);
	ph->us[P_USER_MAPS] += now_us() - t;
	if (err) {
		ph->failed++;
		ks_error_destroy(err);
		goto out;
	}
	t = now_us();
	err = ks_snapshot_take(drv, p->pid, KSTACK_SNAP_FRAMES, 1, &ph->check);
	ph->us[P_CHECK] += now_us() - t;
	ks_error_destroy(err);
	t = now_us();
	err = ks_user_proc_copy(p, KS_USER_STACK_BYTES_DEFAULT);
	ph->us[P_COPY] += now_us() - t;
	if (err) {
		ph->failed++;
		ks_error_destroy(err);
		goto out;
	}
	for (i = 0; i < p->n; i++)
		ph->bytes += p->v[i].stack_len;
	/*
	 * Each walker twice: the first pays the process's Dwfl, its files
	 * and names once (cold), the second is the walk itself (warm); who
	 * goes first alternates, so neither always meets a cold cache
	 */
	before = ph->rules.fast_walks;
	for (i = 0; i < 4; i++) {
		bool rules = (i / 2 + ph->procs) % 2 == 0;
		enum phase at = rules ? (i % 2 ? P_WALK_RULES : P_COLD_RULES) :
				(i % 2 ? P_WALK_DWFL : P_COLD_DWFL);

		t = now_us();
		err = ks_user_unwind_proc(rules ? &ph->rules : &ph->dwfl, p, KS_WALK_DEFAULT_MAX, w);
		ph->us[at] += now_us() - t;
		ks_user_walks_fini(w, p->n);
		ks_error_destroy(err);
	}
	ph->rule_walks += (ph->rules.fast_walks - before) / 2;
	ph->procs++;
	ph->threads += p->n;
out:
	free(sps);
	free(w);
}

int main(int argc, char **argv)
{
	const char *label = argc > 1 ? argv[1] : "-";
	struct ks_snapshot snap = { 0 };
	struct ks_user_proc p = { 0 };
	const struct kstack_snap_thread *r;
	static struct phases ph;
	struct ks_driver drv;
	struct ks_error *err;
	const void *data;
	size_t off = 0;
	bool open_proc = false;
	double t;

	err = ks_driver_open(&drv, NULL);
	if (err || !(drv.version.caps & KSTACK_CAP_USER_MAPS)) {
		fprintf(stderr, "user_phases: %s\n", err ? err->message : "no USER_MAPS");
		return 1;
	}
	ks_user_unwinder_init(&ph.rules);
	ks_user_unwinder_init(&ph.dwfl);
	ph.dwfl.dwfl_only = true;
	t = now_us();
	err = ks_snapshot_take(&drv, 0, KSTACK_SNAP_FRAMES, KS_WALK_DEFAULT_MAX, &snap);
	t = now_us() - t;
	if (err) {
		fprintf(stderr, "user_phases: %s\n", err->message);
		return 1;
	}
	printf("BENCH N=%s user phase: whole-system SNAPSHOT (frames + tails): %.1f us/thread (%u threads)\n",
	       label, t / snap.nr, snap.nr);
	while ((r = ks_snapshot_next(&snap, &off, &data, &err))) {
		const struct kstack_snap_tail *tail = ks_snapshot_tail(r, NULL);

		if (open_proc && r->tgid != p.pid) {
			take(&ph, &drv, &p);
			ks_user_proc_fini(&p);
			open_proc = false;
		}
		if (!tail || !(r->flags & KSTACK_SNAP_F_USER_REGS) || (r->flags & KSTACK_SNAP_F_RUNNING) ||
		    tail->user.cs != 0x33)
			continue;	/* kernel threads, running ones, i386 tasks */
		if (!open_proc) {
			ks_user_proc_init(&p, r->tgid);
			open_proc = true;
		}
		ks_user_proc_add(&p, r->tid, &tail->user, r->nvcsw_after, r->nivcsw_after, r);
	}
	if (open_proc) {
		take(&ph, &drv, &p);
		ks_user_proc_fini(&p);
	}
	if (!ph.procs || !ph.threads)
		return 1;
	printf("BENCH N=%s user phase: %zu processes, %zu threads with a user half (%zu processes failed)\n",
	       label, ph.procs, ph.threads, ph.failed);
	printf("BENCH N=%s user phase: maps from /proc/PID/maps: %.1f us/process\n", label,
	       ph.us[P_PROC_MAPS] / ph.procs);
	printf("BENCH N=%s user phase: maps from USER_MAPS: %.1f us/process\n", label,
	       ph.us[P_USER_MAPS] / ph.procs);
	printf("BENCH N=%s user phase: check SNAPSHOT of a process (one frame a thread): %.1f us/process\n",
	       label, ph.us[P_CHECK] / ph.procs);
	printf("BENCH N=%s user phase: stack copy (process_vm_readv): %.1f us/thread (%.1f KiB/thread)\n",
	       label, ph.us[P_COPY] / ph.threads, (double)ph.bytes / 1024 / ph.threads);
	printf("BENCH N=%s user phase: walk by CFI rules: %.1f us/thread (%zu of %zu threads by the rules, the rest by libdwfl)\n",
	       label, ph.us[P_WALK_RULES] / ph.threads, ph.rule_walks, ph.threads);
	printf("BENCH N=%s user phase: walk by libdwfl alone: %.1f us/thread\n", label,
	       ph.us[P_WALK_DWFL] / ph.threads);
	printf("BENCH N=%s user phase: a process's Dwfl, files and names, first walk: %.1f us/process (CFI rules), %.1f (libdwfl)\n",
	       label, (ph.us[P_COLD_RULES] - ph.us[P_WALK_RULES]) / ph.procs,
	       (ph.us[P_COLD_DWFL] - ph.us[P_WALK_DWFL]) / ph.procs);
	ks_user_unwinder_fini(&ph.rules);
	ks_user_unwinder_fini(&ph.dwfl);
	ks_snapshot_fini(&ph.check);
	ks_snapshot_fini(&snap);
	ks_driver_close(&drv);
	return 0;
}
