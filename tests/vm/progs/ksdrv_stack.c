// SPDX-License-Identifier: GPL-2.0
/*
 * ksdrv_test: whole stacks against /proc/PID/task/TID/stack and the
 * kernel's unwinder. STACK of every zoo thread (stackcmp); SNAPSHOT of a
 * thread whose stack holds a kretprobe trampoline (fallback); a thread
 * sleeping under tracing that rewrites its stack (traced).
 */
#define _GNU_SOURCE
#include "ksdrv_test.h"
#include "ksyms_mini.h"

/* frames in the scheduler or lock text, which /proc/PID/stack skips */
static int skipped_by_proc(uint64_t a, uint64_t ss, uint64_t se, uint64_t ls, uint64_t le)
{
	return (a >= ss && a < se) || (a >= ls && a < le);
}

/* One thread: STACK frames (minus sched/lock text) vs /proc's lines. */
static int compare_one(int fd, pid_t tid, const char *state, uint64_t ss, uint64_t se,
		       uint64_t ls, uint64_t le, char *why, size_t whylen)
{
	char path[96], line[256], ours[64][96];
	uint64_t frames[KSTACK_FRAMES_MAX];
	struct kstack_stack st;
	int n = 0, i = 0, tries;
	FILE *f;

	for (tries = 0; tries < 3; tries++) {
		HDR(st);
		st.tid = tid;
		st.max_frames = KSTACK_FRAMES_MAX;
		st.frames = (uintptr_t)frames;
		if (ioctl(fd, KSTACK_IOCTL_STACK, &st)) {
			snprintf(why, whylen, "STACK: %s", strerror(errno));
			return -1;
		}
		if (!(st.flags & KSTACK_SF_RAN))
			break;
	}
	if (st.flags & KSTACK_SF_RAN) {
		snprintf(why, whylen, "%s thread kept running", state);
		return -1;
	}
	for (uint32_t k = 0; k < st.nr_frames && n < 64; k++)
		if (!skipped_by_proc(frames[k], ss, se, ls, le))
			ksym_format_ret(frames[k], ours[n++], sizeof(ours[0]));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", tid, tid);
	f = fopen(path, "r");
	if (!f) {
		/* tid may be a thread of another process: find via /proc/TID */
		snprintf(path, sizeof(path), "/proc/%d/stack", tid);
		f = fopen(path, "r");
	}
	if (!f) {
		snprintf(why, whylen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = strchr(line, ']'), *slash;

		if (!s)
			continue;
		s += 2;
		slash = strchr(s, '/');
		if (slash)
			*slash = 0;
		if (i >= n || strcmp(ours[i], s)) {
			snprintf(why, whylen, "%s frame %d: driver %s, /proc %s", state, i,
				 i < n ? ours[i] : "(none)", s);
			fclose(f);
			return -1;
		}
		i++;
	}
	fclose(f);
	if (i != n || n == 0) {
		snprintf(why, whylen, "%s: driver has %d frames, /proc %d", state, n, i);
		return -1;
	}
	return 0;
}

int cmd_stackcmp(const char *zoofile)
{
	uint64_t ss, se, ls, le;
	char state[64], why[512];
	FILE *z = fopen(zoofile, "r");
	int fd = open_dev(), tid;

	if (!z || ksyms_load()) {
		result(0, "stackcmp setup", "cannot read %s or /proc/kallsyms", zoofile);
		return 1;
	}
	ss = ksym_addr("__sched_text_start");
	se = ksym_addr("__sched_text_end");
	ls = ksym_addr("__lock_text_start");
	le = ksym_addr("__lock_text_end");
	while (fscanf(z, "%d %63s", &tid, state) == 2) {
		char name[128];
		int ok = compare_one(fd, tid, state, ss, se, ls, le, why, sizeof(why)) == 0;

		snprintf(name, sizeof(name), "STACK equals /proc stack: %s thread", state);
		result(ok, name, "tid %d: %s", tid, why);
	}
	fclose(z);
	close(fd);
	return 0;
}

/*
 * PID sleeps in do_nanosleep under a kretprobe: its return address on the
 * stack is the rethook trampoline. The driver's fast walk must not report
 * it: the record comes from the kernel's unwinder (which puts the real
 * return address back) and equals STACK.
 */
int cmd_fallback(const char *pidarg)
{
	static char buf[1 << 20];
	const struct kstack_snap_thread *r;
	uint64_t frames[KSTACK_FRAMES_MAX], tramp;
	struct kstack_snapshot s;
	struct kstack_stack st;
	int fd = open_dev(), ret, has_tramp = 0;
	uint64_t pid = strtoull(pidarg, NULL, 10);
	long n;

	if (ksyms_load()) {
		result(0, "SNAPSHOT fallback: /proc/kallsyms", "cannot read it");
		return 1;
	}
	tramp = ksym_addr("arch_rethook_trampoline");
	ret = snap(fd, pid, KSTACK_SNAP_FRAMES, buf, sizeof(buf), &s);
	n = tu_snap_records(buf, &s, pid, &r);
	HDR(st);
	st.tid = pid;
	st.max_frames = KSTACK_FRAMES_MAX;
	st.frames = (uintptr_t)frames;
	for (uint32_t i = 0; r && i < r->nr_frames; i++)
		has_tramp += ((const uint64_t *)(r + 1))[i] == tramp;
	result(ret == 0 && n == 1 && r && (r->flags & KSTACK_SNAP_F_KERNEL_UNWINDER) && tramp &&
	       !has_tramp, "SNAPSHOT: a stack with a kretprobe trampoline goes to the kernel's unwinder",
	       "ret=%d errno=%d records=%ld flags=%#x trampoline %#" PRIx64 " in frames: %d", ret,
	       errno, n, r ? r->flags : 0, tramp, has_tramp);
	result(r && !ioctl(fd, KSTACK_IOCTL_STACK, &st) && st.nr_frames == r->nr_frames &&
	       !memcmp(frames, r + 1, st.nr_frames * 8),
	       "SNAPSHOT of that stack equals STACK", "%u vs %u frames", r ? r->nr_frames : 0,
	       st.nr_frames);
	close(fd);
	return 0;
}

/* one quiet thread's record of a one-process SNAPSHOT in mode (with tail) */
static const struct kstack_snap_thread *traced_rec(int fd, uint64_t tid, uint32_t mode, char *buf,
						   size_t size)
{
	const struct kstack_snap_thread *r = NULL;
	struct kstack_snapshot s;
	char path[64];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/%llu/status", (unsigned long long)tid);
	f = fopen(path, "r");
	while (f && fgets(buf, 256, f))
		if (sscanf(buf, "Tgid: %d", &pid) == 1)
			break;
	if (f)
		fclose(f);
	for (int i = 0; i < 5 && (!r || (r->flags & KSTACK_SNAP_F_RAN)); i++) {
		if (snap_tail(fd, (uint64_t)pid, mode, KSTACK_FRAMES_MAX, buf, size, &s))
			return NULL;
		tu_snap_records(buf, &s, tid, &r);
	}
	return r && (r->flags & KSTACK_SNAP_F_TAIL) ? r : NULL;
}

static int is_ret_trampoline(uint64_t a)
{
	return a && (a == ksym_addr("return_to_handler") || a == ksym_addr("arch_rethook_trampoline") ||
		     a == ksym_addr("__kretprobe_trampoline"));
}

/*
 * A thread that sleeps in do_nanosleep under a kretprobe, function_graph
 * or a BPF fexit program. The driver's SNAPSHOT frames (fast walk or its
 * hand-off), the kernel's unwinder in SNAPSHOT (FRAMES_KERNEL) and STACK
 * agree frame for frame, equal /proc/PID/task/TID/stack minus scheduler
 * frames, reach user mode past do_nanosleep's caller, and hold no
 * trampoline address; its RAW record lists each replaced return address.
 */
int cmd_traced(const char *tidarg, const char *label)
{
	static char fbuf[1 << 20], kbuf[1 << 20], rbuf[1 << 20];
	uint64_t tid = strtoull(tidarg, NULL, 10), frames[KSTACK_FRAMES_MAX];
	uint64_t ss, se, ls, le, caller, caller_end = 0;
	const struct kstack_snap_thread *fr = NULL, *kr = NULL, *rr = NULL;
	struct kstack_stack st = { 0 };
	int fd = open_dev(), same = 0, tramp = 0, has_caller = 0, raw_tramp = 0, fix_ok = 1;
	char what[160], why[512] = "";
	const struct kstack_snap_tail *t;

	if (ksyms_load()) {
		result(0, "traced: /proc/kallsyms", "cannot read it");
		return 1;
	}
	ss = ksym_addr("__sched_text_start");
	se = ksym_addr("__sched_text_end");
	ls = ksym_addr("__lock_text_start");
	le = ksym_addr("__lock_text_end");
	caller = ksym_addr("hrtimer_nanosleep");
	ksym_bounds(caller, &caller, &caller_end);
	/* the three kernel-side walks from one quiet moment: counts unchanged */
	for (int i = 0; i < 5 && !same; i++) {
		fr = traced_rec(fd, tid, KSTACK_SNAP_FRAMES, fbuf, sizeof(fbuf));
		kr = traced_rec(fd, tid, KSTACK_SNAP_FRAMES_KERNEL, kbuf, sizeof(kbuf));
		HDR(st);
		st.tid = tid;
		st.max_frames = KSTACK_FRAMES_MAX;
		st.frames = (uintptr_t)frames;
		if (!fr || !kr || ioctl(fd, KSTACK_IOCTL_STACK, &st) || (st.flags & KSTACK_SF_RAN) ||
		    fr->nvcsw_after != st.nvcsw_before || kr->nvcsw_after != st.nvcsw_before)
			continue;
		same = fr->nr_frames == st.nr_frames && kr->nr_frames == st.nr_frames &&
		       !memcmp(fr + 1, frames, st.nr_frames * 8) && !memcmp(kr + 1, frames, st.nr_frames * 8);
		if (!same)
			snprintf(why, sizeof(why), "frames %u (fast walk), %u (kernel unwinder), %u (STACK)",
				 fr->nr_frames, kr->nr_frames, st.nr_frames);
	}
	snprintf(what, sizeof(what), "%s: SNAPSHOT frames == FRAMES_KERNEL == STACK", label);
	result(same, what, "%s", why[0] ? why : "no quiet moment in 5 tries");
	for (uint32_t i = 0; i < st.nr_frames; i++) {
		tramp += is_ret_trampoline(frames[i]);
		has_caller |= frames[i] >= caller && frames[i] < caller_end;
	}
	t = fr ? rec_tail(fr) : NULL;
	snprintf(what, sizeof(what), "%s: whole (end reason user mode), past do_nanosleep's caller, no trampoline",
		 label);
	result(t && t->end == KSTACK_END_USER && has_caller && !tramp, what,
	       "end %u flags %#x, hrtimer_nanosleep %s, %d trampoline frames", t ? t->end : 99,
	       fr ? fr->flags : 0, has_caller ? "seen" : "missing", tramp);
	/* frames outside core and module text (generated code): text to the driver */
	for (uint32_t i = 0; i < st.nr_frames; i++) {
		static char nm[1][KSTACK_SYM_LEN];
		struct kstack_symbolize sy;
		uint64_t a = frames[i];

		if (ksym_find(a) >= 0 && a >= ksym_addr("_stext") && a < ksym_addr("_etext"))
			continue;
		HDR(sy);
		sy.addrs = (uintptr_t)&a;
		sy.names = (uintptr_t)nm;
		sy.nr = 1;
		sy.flags = KSTACK_SYM_TEXT | KSTACK_SYM_RETADDR;
		snprintf(what, sizeof(what), "%s: frame %#" PRIx64 " outside core text is text to SYMBOLIZE (KSTACK_SYM_TEXT)",
			 label, a);
		result(!ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy) && nm[0][0], what, "errno %d", errno);
	}
	snprintf(what, sizeof(what), "%s: STACK equals /proc/PID/task/TID/stack (scheduler frames dropped)",
		 label);
	result(compare_one(fd, (pid_t)tid, label, ss, se, ls, le, why, sizeof(why)) == 0, what, "%s", why);

	/* the raw stack: each slot holding a trampoline has its fixup, and back */
	rr = traced_rec(fd, tid, KSTACK_SNAP_RAW, rbuf, sizeof(rbuf));
	if (rr) {
		const struct kstack_snap_tail *rt = rec_tail(rr);
		const struct kstack_ret_fixup *fx = (const void *)((const char *)rt -
								  rt->nr_ret_fixups * sizeof(*fx));
		const uint8_t *raw = (const void *)(rr + 1);

		for (uint64_t off = 0; off + 8 <= rr->raw_len; off += 8) {
			uint64_t v;

			memcpy(&v, raw + off, 8);
			raw_tramp += is_ret_trampoline(v);
		}
		/* each fixup: a slot holding a trampoline, the address it stands for */
		for (uint32_t k = 0; k < rt->nr_ret_fixups; k++) {
			uint64_t v = 0;

			if (fx[k].slot >= rr->sp && fx[k].slot + 8 <= rr->sp + rr->raw_len)
				memcpy(&v, raw + (fx[k].slot - rr->sp), 8);
			fix_ok &= is_ret_trampoline(v) && !is_ret_trampoline(fx[k].ret) &&
				  ksym_find(fx[k].ret) >= 0;
		}
		snprintf(what, sizeof(what), "%s: RAW record lists every replaced return address (slot, original)",
			 label);
		/* a trampoline address may also linger, stale, in a dead slot */
		result(!tail_check(rr, KSTACK_SNAP_RAW) && fix_ok &&
		       (raw_tramp ? rt->nr_ret_fixups >= 1 : !rt->nr_ret_fixups) &&
		       rt->nr_ret_fixups <= (uint32_t)raw_tramp, what,
		       "%u fixups, %d trampoline slots in the copy, consistent %d", rt->nr_ret_fixups,
		       raw_tramp, fix_ok);
	} else {
		snprintf(what, sizeof(what), "%s: RAW record", label);
		result(0, what, "no record with a tail");
	}
	close(fd);
	return 0;
}
