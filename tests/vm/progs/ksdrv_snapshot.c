// SPDX-License-Identifier: GPL-2.0
/*
 * ksdrv_test: SNAPSHOT. Frames and raw records vs STACK, ENOSPC, errors
 * (snapshot); the fast walk vs the kernel's unwinder, whole system
 * (fastcmp, from main); whole-system snapshots while processes come and
 * go (churn); ids as the caller's pid namespace numbers them (selfsnap).
 */
#define _GNU_SOURCE
#include "ksdrv_test.h"

int snap(int fd, uint64_t pid, uint32_t mode, void *buf, uint64_t size,
		struct kstack_snapshot *s)
{
	HDR(*s);
	s->pid = pid;
	s->mode = mode;
	s->max_frames = KSTACK_FRAMES_MAX;
	s->buffer = (uintptr_t)buf;
	s->buffer_size = size;
	return ioctl(fd, KSTACK_IOCTL_SNAPSHOT, s);
}

/*
 * Frames of two whole-system snapshots, thread by thread, where the
 * thread did not run in between (same counts after): how many compared,
 * how many equal (frames and the truncation flag).
 */
static void snap_compare(const char *a, const struct kstack_snapshot *sa, const char *b,
			 const struct kstack_snapshot *sb, int *compared, int *equal)
{
	*compared = *equal = 0;
	for (uint64_t off = 0; off < sa->bytes_used;) {
		const struct kstack_snap_thread *x = (const void *)(a + off), *y;

		off += x->rec_size;
		if (tu_snap_records(b, sb, x->tid, &y) < 0 || !y ||
		    (x->flags | y->flags) & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN) ||
		    x->nvcsw_after != y->nvcsw_after || x->nivcsw_after != y->nivcsw_after)
			continue;
		(*compared)++;
		if (x->nr_frames == y->nr_frames && !memcmp(x + 1, y + 1, x->nr_frames * 8) &&
		    (x->flags & KSTACK_SNAP_F_TRUNCATED) == (y->flags & KSTACK_SNAP_F_TRUNCATED))
			(*equal)++;
		else
			printf("# fast/kernel unwinder differ: tid %" PRIu64 " %s: %u vs %u frames\n",
			       x->tid, x->comm, x->nr_frames, y->nr_frames);
	}
}

/* the driver's fast walk against the kernel's unwinder, whole system */
void snapshot_fast_vs_kernel(int fd, char *buf, size_t size, uint32_t max_frames,
				    const char *what)
{
	static char kbuf[32 << 20];
	struct kstack_snapshot s, k;
	int ret, ret2, compared, equal, kernel_flag = 0;
	long n = 0;

	ret = snap(fd, 0, KSTACK_SNAP_FRAMES, buf, size, &s);
	ret2 = snap(fd, 0, KSTACK_SNAP_FRAMES_KERNEL, kbuf, sizeof(kbuf), &k);
	/* snap() asks for every frame; redo both with the limit under test */
	if (max_frames != KSTACK_FRAMES_MAX) {
		HDR(s);
		s.mode = KSTACK_SNAP_FRAMES;
		s.max_frames = max_frames;
		s.buffer = (uintptr_t)buf;
		s.buffer_size = size;
		ret = ioctl(fd, KSTACK_IOCTL_SNAPSHOT, &s);
		k = s;
		k.mode = KSTACK_SNAP_FRAMES_KERNEL;
		k.buffer = (uintptr_t)kbuf;
		k.buffer_size = sizeof(kbuf);
		ret2 = ioctl(fd, KSTACK_IOCTL_SNAPSHOT, &k);
	}
	for (uint64_t off = 0; !ret2 && off < k.bytes_used; n++) {
		const struct kstack_snap_thread *r = (const void *)(kbuf + off);

		kernel_flag += !!(r->flags & KSTACK_SNAP_F_KERNEL_UNWINDER) ||
			       (r->flags & KSTACK_SNAP_F_RUNNING);
		off += r->rec_size;
	}
	snap_compare(buf, &s, kbuf, &k, &compared, &equal);
	result(ret == 0 && ret2 == 0 && compared > 50 && equal == compared, what,
	       "ret=%d/%d errno=%d: %d of %d unchanged threads equal", ret, ret2, errno, equal,
	       compared);
	if (max_frames == KSTACK_FRAMES_MAX)
		result(ret2 == 0 && n > 50 && kernel_flag == n,
		       "SNAPSHOT_FRAMES_KERNEL: every record made by the kernel's unwinder",
		       "%d of %ld flagged", kernel_flag, n);
}

int cmd_snapshot(const char *zoofile)
{
	static char buf[64 << 20];
	const struct kstack_snap_thread *r;
	struct kstack_snapshot s;
	struct kstack_version v;
	char state[64];
	FILE *z = fopen(zoofile, "r");
	int fd = open_dev(), tid, ret, nz = 0, same = 0, raw_ok = 0, zoo_pid = 0, fast = 0;
	long n;

	HDR(v);
	ioctl(fd, KSTACK_IOCTL_VERSION, &v);
	ret = snap(fd, 0, KSTACK_SNAP_FRAMES, buf, sizeof(buf), &s);
	n = tu_snap_records(buf, &s, 0, &r);
	result(ret == 0 && n > 50 && s.bytes_needed == s.bytes_used, "SNAPSHOT of the whole system (frames)",
	       "ret=%d errno=%d records=%ld used=%" PRIu64 " needed=%" PRIu64, ret, errno, n,
	       s.bytes_used, s.bytes_needed);
	while (z && fscanf(z, "%d %63s", &tid, state) == 2) {
		uint64_t frames[KSTACK_FRAMES_MAX];
		struct kstack_stack st;

		if (!strcmp(state, "sigstop"))
			continue;	/* another process: checked via the whole-system one */
		nz++;
		tu_snap_records(buf, &s, tid, &r);
		HDR(st);
		st.tid = tid;
		st.max_frames = KSTACK_FRAMES_MAX;
		st.frames = (uintptr_t)frames;
		if (r && !ioctl(fd, KSTACK_IOCTL_STACK, &st) && st.nr_frames == r->nr_frames &&
		    !memcmp(frames, r + 1, st.nr_frames * 8) && !(r->flags & KSTACK_SNAP_F_RUNNING))
			same++;
		else
			printf("# snapshot mismatch tid %d (%s): rec=%p nr=%u/%u\n", tid, state,
			       (void *)r, r ? r->nr_frames : 0, st.nr_frames);
		if (!zoo_pid && r)
			zoo_pid = (int)r->tgid;
		fast += r && !(r->flags & KSTACK_SNAP_F_KERNEL_UNWINDER);
	}
	result(nz > 0 && same == nz, "SNAPSHOT frames equal STACK for every zoo thread",
	       "%d of %d equal", same, nz);
	/* zoo threads sleep in core kernel text: the fast walk must take them */
	result(nz > 0 && fast == nz, "SNAPSHOT frames: the driver's fast walk took every zoo thread",
	       "%d of %d", fast, nz);
	snapshot_fast_vs_kernel(fd, buf, sizeof(buf), KSTACK_FRAMES_MAX,
				"SNAPSHOT fast walk equals the kernel's unwinder, whole system");
	snapshot_fast_vs_kernel(fd, buf, sizeof(buf), 3,
				"SNAPSHOT fast walk equals the kernel's unwinder at max_frames 3 (truncation)");

	/* frames, too small: the records that fit are whole and parse */
	{
		uint64_t half;

		snap(fd, 0, KSTACK_SNAP_FRAMES, buf, sizeof(buf), &s);
		half = s.bytes_used / 2;
		ret = snap(fd, 0, KSTACK_SNAP_FRAMES, buf, half, &s);
		n = tu_snap_records(buf, &s, 0, &r);
		result(ret < 0 && errno == ENOSPC && s.bytes_used <= half && n > 10 &&
		       s.bytes_used + 4096 > half,
		       "SNAPSHOT frames into half the space: ENOSPC, the records that fit parse",
		       "ret=%d errno=%d used=%" PRIu64 " of %" PRIu64 " records=%ld", ret, errno,
		       s.bytes_used, half, n);
	}

	/* one process, raw stacks */
	ret = snap(fd, zoo_pid, KSTACK_SNAP_RAW, buf, sizeof(buf), &s);
	n = tu_snap_records(buf, &s, 0, &r);
	result(ret == 0 && n == nz + 1, "SNAPSHOT of one process has exactly its threads",
	       "ret=%d errno=%d records=%ld, zoo threads %d + main", ret, errno, n, nz);
	for (uint64_t off = 0; ret == 0 && off < s.bytes_used;) {
		const struct kstack_snap_thread *t = (const void *)(buf + off);
		uint64_t ret_addr;

		memcpy(&ret_addr, (const char *)(t + 1) + v.task_frame_ret_off, 8);
		if (t->tgid == (uint64_t)zoo_pid && t->sp >= t->stack_base &&
		    t->sp + t->raw_len == t->stack_base + t->stack_size && ret_addr == t->ip &&
		    t->ip != 0)
			raw_ok++;
		off += t->rec_size;
	}
	result(raw_ok == n, "SNAPSHOT raw: each stack runs sp..top and holds the saved frame",
	       "%d of %ld records consistent", raw_ok, n);

	/* too small: ENOSPC, bytes_needed, the records that fit */
	ret = snap(fd, zoo_pid, KSTACK_SNAP_RAW, buf, 200, &s);
	result(ret < 0 && errno == ENOSPC && s.bytes_needed > 200 && s.bytes_used <= 200,
	       "SNAPSHOT into a too-small buffer -> ENOSPC + bytes needed",
	       "ret=%d errno=%d needed=%" PRIu64 " used=%" PRIu64, ret, errno, s.bytes_needed, s.bytes_used);
	{
		uint64_t need = s.bytes_needed + 64 * 1024;	/* threads may grow their stacks */

		ret = snap(fd, zoo_pid, KSTACK_SNAP_RAW, buf, need, &s);
		result(ret == 0, "SNAPSHOT with the size it asked for succeeds", "errno=%d", errno);
	}
	ret = snap(fd, zoo_pid, 7, buf, sizeof(buf), &s);
	result(ret < 0 && errno == EINVAL, "SNAPSHOT with a bad mode -> EINVAL", "ret=%d errno=%d", ret, errno);
	ret = snap(fd, 4194303, KSTACK_SNAP_RAW, buf, sizeof(buf), &s);
	result(ret < 0 && errno == ESRCH, "SNAPSHOT of a missing pid -> ESRCH", "ret=%d errno=%d", ret, errno);
	ret = snap(fd, zoo_pid, KSTACK_SNAP_RAW, (void *)8, 1 << 20, &s);
	result(ret < 0 && errno == EFAULT, "SNAPSHOT into a bad user buffer -> EFAULT", "ret=%d errno=%d", ret, errno);
	if (z)
		fclose(z);
	close(fd);
	return 0;
}

/*
 * Whole-system raw snapshots (a lock break every few dozen threads) while
 * a child keeps forking processes that exit at once: every call must
 * succeed with well-formed records, and the kernel log stay clean.
 */
int cmd_churn(void)
{
	static char buf[32 << 20];
	struct kstack_snapshot s;
	int fd = open_dev(), ok = 0, calls = 50;
	long n, fewest = -1;
	pid_t churner = fork();

	if (churner == 0) {
		for (;;) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
	}
	for (int i = 0; i < calls; i++) {
		const struct kstack_snap_thread *r;
		int ret = snap(fd, 0, KSTACK_SNAP_RAW, buf, sizeof(buf), &s);

		n = ret == 0 ? tu_snap_records(buf, &s, 0, &r) : -1;
		if (n > 20 && n == (long)s.nr_threads)
			ok++;
		if (fewest < 0 || n < fewest)
			fewest = n;
	}
	kill(churner, SIGKILL);
	waitpid(churner, NULL, 0);
	result(churner > 0 && ok == calls,
	       "SNAPSHOT of the whole system while processes come and go: every call whole",
	       "%d of %d calls ok (fewest records %ld, errno %d)", ok, calls, fewest, errno);
	close(fd);
	return 0;
}

static void *selfsnap_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* both threads of this process, numbered as our pid namespace sees them */
int cmd_selfsnap(const char *label)
{
	static char buf[1 << 20];
	const struct kstack_snap_thread *r;
	struct kstack_snapshot s;
	int fd = open_dev(), ret, ok = 0;
	pid_t me = getpid(), tid = 0;
	pthread_t th;
	char what[128];
	long n;

	if (pthread_create(&th, NULL, selfsnap_thread, NULL))
		return 1;
	usleep(100 * 1000);
	for (uint32_t mode = KSTACK_SNAP_FRAMES; mode <= KSTACK_SNAP_RAW; mode++) {
		ret = snap(fd, (uint64_t)me, mode, buf, sizeof(buf), &s);
		n = tu_snap_records(buf, &s, (uint64_t)me, &r);
		ok = ret == 0 && n == 2 && r && r->tgid == (uint64_t)me;
		for (uint64_t off = 0; ok && off < s.bytes_used;) {
			const struct kstack_snap_thread *t = (const void *)(buf + off);

			if (t->tid != (uint64_t)me)
				tid = (pid_t)t->tid;
			ok = t->tgid == (uint64_t)me;
			off += t->rec_size;
		}
		snprintf(what, sizeof(what), "SNAPSHOT %s of itself (%s): tids and tgid as its namespace numbers them",
			 mode == KSTACK_SNAP_RAW ? "raw" : "frames", label);
		result(ok && tid > me && tid < me + 64, what, "ret=%d errno=%d records=%ld pid %d other tid %d",
		       ret, errno, n, (int)me, (int)tid);
	}
	/* the whole system, as seen from here: in a new namespace, only us */
	ret = snap(fd, 0, KSTACK_SNAP_FRAMES, buf, sizeof(buf), &s);
	n = tu_snap_records(buf, &s, 0, &r);
	ok = ret == 0 && (me == 1 ? n == 2 : n > 50);
	for (uint64_t off = 0; ok && off < s.bytes_used;) {
		const struct kstack_snap_thread *t = (const void *)(buf + off);

		ok = t->tid != 0 && t->tgid != 0;
		off += t->rec_size;
	}
	snprintf(what, sizeof(what), "SNAPSHOT of the whole system (%s): only threads this namespace numbers",
		 label);
	result(ok, what, "ret=%d errno=%d records=%ld (pid %d)", ret, errno, n, (int)me);
	close(fd);
	return 0;
}
