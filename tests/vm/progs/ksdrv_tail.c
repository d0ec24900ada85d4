// SPDX-License-Identifier: GPL-2.0
/*
 * ksdrv_test: SNAPSHOT records' tails (tail): end reasons of every
 * record kind, the user-mode registers of a thread blocked in a known
 * syscall, a request of the size before tails.
 */
#define _GNU_SOURCE
#include "ksdrv_test.h"

/* snap() with the tail asked for */
int snap_tail(int fd, uint64_t pid, uint32_t mode, uint32_t max_frames, void *buf,
		     uint64_t size, struct kstack_snapshot *s)
{
	HDR(*s);
	s->pid = pid;
	s->mode = mode;
	s->max_frames = max_frames;
	s->buffer = (uintptr_t)buf;
	s->buffer_size = size;
	s->flags = KSTACK_SNAP_WANT_TAIL;
	return ioctl(fd, KSTACK_IOCTL_SNAPSHOT, s);
}

const struct kstack_snap_tail *rec_tail(const struct kstack_snap_thread *r)
{
	return (const void *)((const char *)r + r->rec_size - sizeof(struct kstack_snap_tail));
}

/*
 * One record with a tail: its layout adds up and its end reason agrees with
 * the record's flags and kind. NULL if fine, else why.
 */
const char *tail_check(const struct kstack_snap_thread *r, uint32_t mode)
{
	const struct kstack_snap_tail *t = rec_tail(r);
	uint64_t data = mode == KSTACK_SNAP_RAW ? r->raw_len : r->nr_frames * 8ull;
	int kthread = !!(r->flags & KSTACK_TF_KTHREAD);

	if (!(r->flags & KSTACK_SNAP_F_TAIL))
		return "no KSTACK_SNAP_F_TAIL";
	if (r->rec_size != sizeof(*r) + ((data + 7) & ~7ull) +
			   t->nr_ret_fixups * sizeof(struct kstack_ret_fixup) + sizeof(*t))
		return "rec_size is not header + data + fixups + tail";
	if (kthread && t->mm_id)
		return "a kernel thread with an mm_id";
	if (!kthread && !(r->flags & KSTACK_TF_EXITING) && !t->mm_id)
		return "a user thread without an mm_id";
	if (mode != KSTACK_SNAP_RAW && t->nr_ret_fixups)
		return "fixups in a frames record";
	for (uint32_t k = 0; k < t->nr_ret_fixups; k++) {
		const struct kstack_ret_fixup *f = (const struct kstack_ret_fixup *)t -
						   t->nr_ret_fixups + k;

		if (f->slot % 8 || f->slot < r->sp || f->slot + 8 > r->sp + r->raw_len)
			return "a fixup's slot outside the raw stack";
	}
	if (!!(r->flags & KSTACK_SNAP_F_RUNNING) != (t->end == KSTACK_END_RUNNING))
		return "RUNNING flag and end reason disagree";
	if ((r->flags & KSTACK_SNAP_F_USER_REGS) && kthread)
		return "user registers on a kernel thread";
	if (r->flags & KSTACK_SNAP_F_USER_REGS) {
		if ((t->user.cs & 3) != 3 || (t->user.ss & 3) != 3)
			return "user registers with a kernel cs/ss";
	} else {
		static const struct kstack_user_regs zero;

		if (memcmp(&t->user, &zero, sizeof(zero)))
			return "user registers without KSTACK_SNAP_F_USER_REGS";
	}
	if (r->flags & KSTACK_SNAP_F_RUNNING)
		return NULL;
	if (!kthread && !(r->flags & KSTACK_SNAP_F_USER_REGS))
		return "a sleeping user thread without user registers";
	if (mode == KSTACK_SNAP_RAW)
		return t->end == KSTACK_END_UNKNOWN ? NULL : "RAW record with an end reason";
	if (!!(r->flags & KSTACK_SNAP_F_TRUNCATED) != (t->end == KSTACK_END_LIMIT))
		return "TRUNCATED flag and end reason disagree";
	/* USER may come with UNRELIABLE: reached through a frame-pointer guess */
	if (t->end == KSTACK_END_UNRELIABLE && !(r->flags & KSTACK_SNAP_F_UNRELIABLE))
		return "end reason unreliable without the UNRELIABLE flag";
	if ((r->flags & KSTACK_SNAP_F_UNRELIABLE) && t->end != KSTACK_END_UNRELIABLE &&
	    t->end != KSTACK_END_USER)
		return "UNRELIABLE flag with an end reason that is neither unreliable nor user mode";
	if (t->end == KSTACK_END_LIMIT || t->end == KSTACK_END_UNRELIABLE)
		return NULL;
	if (t->end != (kthread ? KSTACK_END_KTHREAD : KSTACK_END_USER))
		return kthread ? "kernel thread's walk did not end at its stack's end" :
				 "user thread's walk did not end at user mode";
	return NULL;
}

/* every record of a whole-system snapshot in this mode: tails sane */
static void tail_whole_system(int fd, char *buf, size_t size, uint32_t mode, uint32_t max_frames,
			      const char *what)
{
	struct kstack_snapshot s;
	int ret = snap_tail(fd, 0, mode, max_frames, buf, size, &s), bad = 0, limit = 0;
	int kthreads = 0, users = 0, unrel = 0;
	const char *why = NULL;
	uint64_t off = 0;
	long n = 0;

	for (; ret == 0 && off + sizeof(struct kstack_snap_thread) <= s.bytes_used; n++) {
		const struct kstack_snap_thread *r = (const void *)(buf + off);
		const char *w;

		if (r->rec_size < sizeof(*r) + sizeof(struct kstack_snap_tail) ||
		    off + r->rec_size > s.bytes_used) {
			why = "record size overruns the buffer";
			bad++;
			break;
		}
		w = tail_check(r, mode);
		if (w) {
			if (!why)
				printf("# tid %" PRIu64 " %s flags %#x end %u: %s\n", r->tid, r->comm,
				       r->flags, rec_tail(r)->end, w);
			why = why ? why : w;
			bad++;
		}
		limit += rec_tail(r)->end == KSTACK_END_LIMIT;
		/* no tracing here: a quiet thread's walk is whole or cut at the limit */
		if (rec_tail(r)->end == KSTACK_END_UNRELIABLE && !(r->flags & KSTACK_SNAP_F_RAN)) {
			printf("# tid %" PRIu64 " %s: walk cut short (flags %#x)\n", r->tid, r->comm,
			       r->flags);
			unrel++;
		}
		kthreads += rec_tail(r)->end == KSTACK_END_KTHREAD;
		users += !!(r->flags & KSTACK_SNAP_F_USER_REGS);
		off += r->rec_size;
	}
	result(ret == 0 && n > 50 && n == (long)s.nr_threads && !bad && users > 5 && !unrel &&
	       (mode == KSTACK_SNAP_RAW || max_frames < KSTACK_FRAMES_MAX || kthreads > 5) &&
	       (max_frames != 3 || limit > 20), what,
	       "ret=%d errno=%d records=%ld (%u) bad=%d (%s) user regs %d, kthread ends %d, limit %d, cut %d",
	       ret, errno, n, s.nr_threads, bad, why ? why : "-", users, kthreads, limit, unrel);
}

static void *pause_thread(void *arg)
{
	*(volatile pid_t *)arg = gettid_();
	/* distinct argument registers; pause(2) ignores them */
	for (;;)
		syscall(SYS_pause, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666);
	return NULL;
}

/* the mapping of this process that holds addr: its permissions and path */
static int self_mapping(uint64_t addr, char *perms, char *path, size_t pathlen)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char p[8], name[256] = "";

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %255s", &lo, &hi, p, name) < 3)
			continue;
		if (addr >= lo && addr < hi) {
			strcpy(perms, p);
			snprintf(path, pathlen, "%s", name);
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/*
 * The user registers the driver copied for a thread blocked in
 * syscall(SYS_pause, 0x1111, ...): orig_ax is that syscall, the argument
 * registers hold our values, ip follows a syscall instruction in our own
 * executable's text (or the vDSO, for a 32-bit task), sp lies inside the
 * thread's stack, and ip/sp equal what /proc/PID/task/TID/syscall shows.
 */
static void tail_known_thread(int fd, char *buf, size_t size)
{
	volatile pid_t tid = 0;
	struct kstack_snapshot s;
	const struct kstack_snap_thread *r = NULL;
	struct kstack_user_regs uregs;
	const struct kstack_user_regs *u = &uregs;
	pthread_attr_t attr;
	pthread_t th;
	void *stk = NULL;
	size_t stksz = 0;
	char perms[8] = "", path[256] = "", exe[256] = "", sysline[256] = "", procpath[96];
	unsigned long long pnr = 0, psp = 0, ppc = 0;
	int ret = -1, ok, args_ok;
	FILE *f;

	pthread_create(&th, NULL, pause_thread, (void *)&tid);
	while (!tid)
		usleep(1000);
	wait_sleeping(tid);
	for (int i = 0; i < 5 && (!r || (r->flags & KSTACK_SNAP_F_RAN)); i++) {
		ret = snap_tail(fd, (uint64_t)getpid(), KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf,
				size, &s);
		tu_snap_records(buf, &s, (uint64_t)tid, &r);
	}
	pthread_getattr_np(th, &attr);
	pthread_attr_getstack(&attr, &stk, &stksz);
	pthread_attr_destroy(&attr);
	snprintf(procpath, sizeof(procpath), "/proc/self/task/%d/syscall", tid);
	f = fopen(procpath, "r");
	if (f && fgets(sysline, sizeof(sysline), f))
		sscanf(sysline, "%llu %*s %*s %*s %*s %*s %*s %llx %llx", &pnr, &psp, &ppc);
	if (f)
		fclose(f);
	if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) < 0)
		exe[0] = 0;
	ok = ret == 0 && r && (r->flags & KSTACK_SNAP_F_TAIL) &&
	     (r->flags & KSTACK_SNAP_F_USER_REGS) && !(r->flags & KSTACK_SNAP_F_RAN);
	result(ok && rec_tail(r)->end == KSTACK_END_USER,
	       "SNAPSHOT tail of a thread blocked in pause(): user registers, walk ended at user mode",
	       "ret=%d errno=%d rec=%p flags=%#x end=%u", ret, errno, (void *)r,
	       r ? r->flags : 0, r && (r->flags & KSTACK_SNAP_F_TAIL) ? rec_tail(r)->end : 0);
	if (!ok)
		return;
	uregs = rec_tail(r)->user;	/* buf is reused below */
	self_mapping(u->ip, perms, path, sizeof(path));
#ifdef __i386__
	args_ok = u->orig_ax == 29 /* i386 __NR_pause */ && u->cs == 0x23 && u->bx == 0x1111 &&
		  u->cx == 0x2222 && u->dx == 0x3333 && u->si == 0x4444 && u->di == 0x5555;
	ok = perms[2] == 'x' && (!strcmp(path, exe) || !strcmp(path, "[vdso]"));
#else
	args_ok = u->orig_ax == SYS_pause && u->cs == 0x33 && u->di == 0x1111 &&
		  u->si == 0x2222 && u->dx == 0x3333 && u->r10 == 0x4444 && u->r8 == 0x5555 &&
		  u->r9 == 0x6666;
	ok = perms[2] == 'x' && !strcmp(path, exe) &&
	     !memcmp((const void *)(uintptr_t)(u->ip - 2), "\x0f\x05", 2);	/* syscall */
#endif
	result(args_ok, "SNAPSHOT tail: orig_ax is the syscall, argument registers as passed",
	       "orig_ax=%" PRIu64 " cs=%#" PRIx64 " di=%#" PRIx64 " si=%#" PRIx64 " dx=%#" PRIx64
	       " bx=%#" PRIx64, u->orig_ax, u->cs, u->di, u->si, u->dx, u->bx);
	result(ok, "SNAPSHOT tail: user ip right after a syscall instruction in our text",
	       "ip=%#" PRIx64 " in '%s' %s (exe %s)", u->ip, path, perms, exe);
	result(u->sp >= (uintptr_t)stk && u->sp < (uintptr_t)stk + stksz,
	       "SNAPSHOT tail: user sp inside the thread's stack", "sp=%#" PRIx64 " stack %p+%#zx",
	       u->sp, stk, stksz);
	result(pnr == u->orig_ax && psp == u->sp && ppc == u->ip,
	       "SNAPSHOT tail: user ip/sp/syscall equal /proc/PID/task/TID/syscall",
	       "/proc: '%.80s' driver: %" PRIu64 " sp %#" PRIx64 " ip %#" PRIx64, sysline,
	       u->orig_ax, u->sp, u->ip);
	/* the same from a raw record */
	r = NULL;
	for (int i = 0; i < 5 && (!r || (r->flags & KSTACK_SNAP_F_RAN)); i++) {
		ret = snap_tail(fd, (uint64_t)getpid(), KSTACK_SNAP_RAW, 0, buf, size, &s);
		tu_snap_records(buf, &s, (uint64_t)tid, &r);
	}
	result(ret == 0 && r && (r->flags & KSTACK_SNAP_F_USER_REGS) &&
	       !memcmp(&rec_tail(r)->user, u, sizeof(*u)) && !tail_check(r, KSTACK_SNAP_RAW),
	       "SNAPSHOT tail of a RAW record: the same user registers",
	       "ret=%d errno=%d rec=%p", ret, errno, (void *)r);
}

int cmd_tail(void)
{
	static char buf[64 << 20];
	struct kstack_snapshot s;
	struct kstack_version v;
	volatile pid_t spin = 0;
	pthread_t th;
	int fd = open_dev(), ret, running = 0;
	long n;

	HDR(v);
	ret = ioctl(fd, KSTACK_IOCTL_VERSION, &v);
	result(ret == 0 && (v.caps & KSTACK_CAP_SNAP_TAIL), "VERSION reports KSTACK_CAP_SNAP_TAIL",
	       "caps %#x", v.caps);
	tail_whole_system(fd, buf, sizeof(buf), KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX,
			  "SNAPSHOT tails (frames): every record's end reason and user registers sane");
	tail_whole_system(fd, buf, sizeof(buf), KSTACK_SNAP_FRAMES_KERNEL, KSTACK_FRAMES_MAX,
			  "SNAPSHOT tails (kernel unwinder): every record's end reason and user registers sane");
	tail_whole_system(fd, buf, sizeof(buf), KSTACK_SNAP_RAW, 0,
			  "SNAPSHOT tails (raw): every record's layout and user registers sane");
	tail_whole_system(fd, buf, sizeof(buf), KSTACK_SNAP_FRAMES, 3,
			  "SNAPSHOT tails at max_frames 3: cut stacks end at the limit");
	tail_whole_system(fd, buf, sizeof(buf), KSTACK_SNAP_FRAMES_KERNEL, 3,
			  "SNAPSHOT tails at max_frames 3 (kernel unwinder): cut stacks end at the limit");
	tail_known_thread(fd, buf, sizeof(buf));

	/* a thread on a CPU: its record's tail says so */
	pthread_create(&th, NULL, spinner, (void *)&spin);
	while (!spin)
		;
	for (int i = 0; i < 200 && !running; i++) {
		const struct kstack_snap_thread *r;

		ret = snap_tail(fd, (uint64_t)getpid(), KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf,
				sizeof(buf), &s);
		tu_snap_records(buf, &s, (uint64_t)spin, &r);
		running = ret == 0 && r && (r->flags & KSTACK_SNAP_F_RUNNING) &&
			  rec_tail(r)->end == KSTACK_END_RUNNING && !tail_check(r, KSTACK_SNAP_FRAMES);
	}
	result(running, "SNAPSHOT tail of a running thread: end reason RUNNING", "not seen in 200 tries");

	/* a v1-sized request: the flags beyond it are not read, no tails come */
	{
		uint64_t off = 0;
		int tails = 0;

		snap_tail(fd, 0, KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf, sizeof(buf), &s);
		s.hdr.size = KSTACK_SNAPSHOT_V1_SIZE;
		ret = ioctl(fd, KSTACK_IOCTL_SNAPSHOT, &s);
		n = 0;
		for (; ret == 0 && off < s.bytes_used; n++) {
			const struct kstack_snap_thread *r = (const void *)(buf + off);

			tails += !!(r->flags & KSTACK_SNAP_F_TAIL) ||
				 r->rec_size != sizeof(*r) + r->nr_frames * 8;
			off += r->rec_size;
		}
		result(ret == 0 && n > 50 && n == (long)s.nr_threads && !tails && s.flags == KSTACK_SNAP_WANT_TAIL,
		       "SNAPSHOT v1-sized request: no tails, records as before",
		       "ret=%d errno=%d records=%ld, %d with a tail", ret, errno, n, tails);
	}
	snap_tail(fd, 0, KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf, sizeof(buf), &s);
	s.flags |= 1u << 7;
	expect_errno(fd, KSTACK_IOCTL_SNAPSHOT, &s, EINVAL, "SNAPSHOT with unknown flags -> EINVAL");
	snap_tail(fd, 0, KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf, sizeof(buf), &s);
	s.reserved = 1;
	expect_errno(fd, KSTACK_IOCTL_SNAPSHOT, &s, EINVAL, "SNAPSHOT with reserved set -> EINVAL");
	/* too small: the records that fit keep their tails */
	{
		uint64_t half, off = 0;
		int bad = 0;

		snap_tail(fd, 0, KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf, sizeof(buf), &s);
		half = s.bytes_used / 2;
		ret = snap_tail(fd, 0, KSTACK_SNAP_FRAMES, KSTACK_FRAMES_MAX, buf, half, &s);
		n = 0;
		for (; off < s.bytes_used && off < half; n++) {
			const struct kstack_snap_thread *r = (const void *)(buf + off);

			bad += tail_check(r, KSTACK_SNAP_FRAMES) != NULL;
			off += r->rec_size;
		}
		result(ret < 0 && errno == ENOSPC && n > 10 && !bad && off == s.bytes_used &&
		       s.bytes_needed > half, "SNAPSHOT tails into half the space: ENOSPC, the records that fit whole",
		       "ret=%d errno=%d records=%ld bad=%d used=%" PRIu64 " needed=%" PRIu64, ret, errno,
		       n, bad, s.bytes_used, s.bytes_needed);
	}
	close(fd);
	return 0;
}
