// SPDX-License-Identifier: GPL-2.0
/*
 * Driver tests for /dev/kstack, run inside the VM as root. Each check
 * prints "PASS: name" or "FAIL: name: why". Subcommands:
 *   basic                 VERSION, dispatch and request-validation errors
 *   readmem               READ_MEMORY happy path and every refusal
 *   context               THREAD_CONTEXT of a sleeping / running / gone thread
 *   stackcmp ZOOFILE      STACK of every zoo thread vs /proc/PID/task/TID/stack
 *   snapshot ZOOFILE      SNAPSHOT (frames and raw) vs STACK, ENOSPC, errors
 *   symbolize             SYMBOLIZE vs /proc/kallsyms
 *   fallback PID          SNAPSHOT of a thread whose stack holds a kretprobe
 *                         trampoline: the kernel's unwinder answers, as STACK
 *   tail                  SNAPSHOT records' tails: end reasons, user-mode
 *                         registers of a thread blocked in a known syscall
 *   traced TID LABEL      a thread sleeping under tracing that rewrites its
 *                         stack (LABEL says which): SNAPSHOT frames == the
 *                         kernel's unwinder == STACK == /proc, whole; RAW
 *                         records carry the replaced return addresses
 *   fastcmp LABEL         the fast walk vs the kernel's unwinder, whole system
 *   modorc                MODULE_ORC vs /sys/module/NAME/sections and the
 *                         tables themselves, read back; every refusal
 *   churn                 whole-system SNAPSHOTs while processes come and go
 *   selfsnap LABEL        SNAPSHOT of this process: ids as this pid namespace
 *                         numbers them (run it in a child namespace too)
 *   perm                  who may open the device
 *   holdfd READYFILE      open the device, create READYFILE, wait to be killed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kstack/kstack_ioctl.h"
#include "ksyms_mini.h"
#include "test_util.h"

static int failures;

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s%s\n", sizeof(void *) == 4 ? "m32 " : "", name);
		return;
	}
	failures++;
	printf("FAIL: %s%s: ", sizeof(void *) == 4 ? "m32 " : "", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* expect ioctl to fail with errno want */
static void expect_errno(int fd, unsigned long cmd, void *arg, int want, const char *name)
{
	int r = ioctl(fd, cmd, arg);

	result(r < 0 && errno == want, name, "ioctl returned %d errno %d (%s), want %s",
	       r, r < 0 ? errno : 0, r < 0 ? strerror(errno) : "-", strerror(want));
}

static int open_dev(void)
{
	int fd = open(KSTACK_DEVICE_LINUX, O_RDONLY);

	if (fd < 0) {
		printf("FAIL: open %s: %s\n", KSTACK_DEVICE_LINUX, strerror(errno));
		exit(1);
	}
	return fd;
}

#define HDR(r) do { memset(&(r), 0, sizeof(r)); (r).hdr.size = sizeof(r); \
		(r).hdr.version = KSTACK_PROTO_VERSION; } while (0)

static int read_mem(int fd, uint64_t addr, void *buf, uint32_t len, uint32_t *got)
{
	struct kstack_read_memory r;
	int ret;

	HDR(r);
	r.address = addr;
	r.buffer = (uintptr_t)buf;
	r.length = len;
	ret = ioctl(fd, KSTACK_IOCTL_READ_MEMORY, &r);
	if (got)
		*got = r.bytes_read;
	return ret;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static int cmd_basic(void)
{
	struct kstack_version v;
	struct kstack_thread_context c;
	struct kstack_hdr h;
	int fd = open_dev(), r;

	HDR(v);
	r = ioctl(fd, KSTACK_IOCTL_VERSION, &v);
	result(r == 0 && v.proto_version == KSTACK_PROTO_VERSION &&
	       v.driver_version == KSTACK_DRIVER_VERSION, "VERSION protocol and driver version",
	       "r=%d proto=%u drv=%#x", r, v.proto_version, v.driver_version);
	result(r == 0 && v.thread_size >= 16384 && (v.thread_size & (v.thread_size - 1)) == 0,
	       "VERSION thread_size", "thread_size=%" PRIu64, v.thread_size);
	result(v.task_frame_layout == KSTACK_FRAME_LINUX_X86_64_V1 && v.task_frame_size == 56 &&
	       v.task_frame_ret_off == 48 && v.task_frame_bp_off == 40,
	       "VERSION inactive_task_frame layout", "layout=%u size=%u ret=%u bp=%u",
	       v.task_frame_layout, v.task_frame_size, v.task_frame_ret_off, v.task_frame_bp_off);
	result(v.orc_layout == KSTACK_ORC_V1 && v.arch == KSTACK_ARCH_X86_64 &&
	       (v.caps & KSTACK_CAP_READ_MEMORY) && (v.caps & KSTACK_CAP_STACK),
	       "VERSION orc layout, arch, caps", "orc=%u arch=%u caps=%#x",
	       v.orc_layout, v.arch, v.caps);
	result(v.release[0] && memchr(v.release, 0, sizeof(v.release)), "VERSION release string",
	       "release not terminated");

	expect_errno(fd, _IOWR('k', 99, struct kstack_hdr), &h, ENOTTY, "unknown ioctl number -> ENOTTY");
	expect_errno(fd, _IOWR('x', KSTACK_NR_VERSION, struct kstack_version), &v, ENOTTY,
		     "foreign ioctl magic -> ENOTTY");
	HDR(v);
	v.hdr.size = sizeof(struct kstack_hdr);
	expect_errno(fd, KSTACK_IOCTL_VERSION, &v, EINVAL, "truncated VERSION struct -> EINVAL");
	HDR(c);
	c.hdr.size = sizeof(c) - 8;
	c.tid = getpid();
	expect_errno(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c, EINVAL, "truncated THREAD_CONTEXT -> EINVAL");
	HDR(v);
	v.hdr.version = 99;
	expect_errno(fd, KSTACK_IOCTL_VERSION, &v, EINVAL, "wrong protocol version -> EINVAL");
	expect_errno(fd, KSTACK_IOCTL_VERSION, NULL, EFAULT, "NULL request pointer -> EFAULT");

	{
		struct kstack_kernel_info ki;
		int ok;

		HDR(ki);
		r = ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki);
		ok = r == 0 && !ksyms_load() &&
		     ki.text_start == ksym_addr("_stext") && ki.text_end == ksym_addr("_etext") &&
		     ki.orc_ip_start == ksym_addr("__start_orc_unwind_ip") &&
		     ki.orc_ip_end == ksym_addr("__stop_orc_unwind_ip") &&
		     ki.orc_start == ksym_addr("__start_orc_unwind") &&
		     ki.orc_end == ksym_addr("__stop_orc_unwind") &&
		     ki.ret_from_fork == ksym_addr("ret_from_fork") &&
		     ki.sched_start == ksym_addr("__sched_text_start") &&
		     ki.sched_end == ksym_addr("__sched_text_end") &&
		     ki.lock_start == ksym_addr("__lock_text_start") &&
		     ki.lock_end == ksym_addr("__lock_text_end") && ki.text_start &&
		     ki.orc_lookup_start == ksym_addr("orc_lookup") &&
		     ki.orc_lookup_end == ksym_addr("orc_lookup_end") &&
		     ki.orc_lookup_block_order == 8;
		result(ok, "KERNEL_INFO matches /proc/kallsyms", "r=%d errno=%d text=%#" PRIx64,
		       r, errno, ki.text_start);
		/* the block index is readable, and its first block starts at entry 0 */
		{
			uint32_t first[2] = { 1, 1 };

			r = read_mem(fd, ki.orc_lookup_start, first, sizeof(first), NULL);
			result(r == 0 && first[0] == 0 && first[1] >= first[0],
			       "READ_MEMORY of the ORC block index (orc_lookup)", "r=%d errno=%d %u %u",
			       r, errno, first[0], first[1]);
		}
	}
	/* a newer client's larger struct: accepted, extra bytes untouched */
	{
		struct { struct kstack_version v; uint64_t extra; } big;

		memset(&big, 0, sizeof(big));
		big.v.hdr.size = sizeof(big);
		big.v.hdr.version = KSTACK_PROTO_VERSION;
		big.extra = 0x1122334455667788ull;
		r = ioctl(fd, KSTACK_IOCTL_VERSION, &big);
		result(r == 0 && big.extra == 0x1122334455667788ull &&
		       big.v.proto_version == KSTACK_PROTO_VERSION,
		       "larger (newer) request accepted, tail untouched", "r=%d errno=%d", r, errno);
	}
	close(fd);
	return 0;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { .tv_sec = 100000 };

	*(volatile pid_t *)arg = gettid_();
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

static void *spinner(void *arg)
{
	*(volatile pid_t *)arg = gettid_();
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *quitter(void *arg)
{
	*(volatile pid_t *)arg = gettid_();
	return NULL;
}

/* wait until /proc says the thread sleeps (state S) */
static int wait_sleeping(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");

		if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[2] == 'S') {
			fclose(f);
			return 0;
		}
		if (f)
			fclose(f);
		usleep(10000);
	}
	return -1;
}

static int cmd_context(void)
{
	struct kstack_version v;
	struct kstack_thread_context c;
	volatile pid_t tid = 0, spin = 0, gone = 0;
	uint64_t sched, sched_end = 0, word = 0;
	pthread_t t, s, q;
	int fd = open_dev(), r, busy = 0;

	if (ksyms_load()) {
		result(0, "load /proc/kallsyms", "failed");
		return 1;
	}
	sched = ksym_addr("__schedule");
	ksym_bounds(sched, &sched, &sched_end);
	HDR(v);
	ioctl(fd, KSTACK_IOCTL_VERSION, &v);

	pthread_create(&t, NULL, sleeper, (void *)&tid);
	while (!tid)
		usleep(1000);
	wait_sleeping(tid);
	HDR(c);
	c.tid = tid;
	r = ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c);
	result(r == 0, "THREAD_CONTEXT of a nanosleep thread", "errno %s", strerror(errno));
	result(r == 0 && c.ip >= sched && c.ip < sched_end, "THREAD_CONTEXT ip inside __schedule",
	       "ip=%#" PRIx64 " __schedule=[%#" PRIx64 ",%#" PRIx64 ")", c.ip, sched, sched_end);
	result(r == 0 && c.sp >= c.stack_base && c.sp < c.stack_base + c.stack_size &&
	       c.stack_size == v.thread_size, "THREAD_CONTEXT sp inside its stack",
	       "sp=%#" PRIx64 " base=%#" PRIx64 " size=%" PRIu64, c.sp, c.stack_base, c.stack_size);
	result(r == 0 && c.tgid == (uint64_t)getpid() && !strncmp(c.comm, program_invocation_short_name, 15) &&
	       (c.state & 3) == 1 /* TASK_INTERRUPTIBLE, maybe |TASK_FREEZABLE */ && !(c.flags & KSTACK_TF_KTHREAD) && c.nvcsw > 0,
	       "THREAD_CONTEXT tgid, comm, state, ctxsw", "tgid=%" PRIu64 " comm=%s state=%u flags=%u nvcsw=%" PRIu64,
	       c.tgid, c.comm, c.state, c.flags, c.nvcsw);
	r = read_mem(fd, c.sp + v.task_frame_ret_off, &word, sizeof(word), NULL);
	result(r == 0 && word == c.ip, "READ_MEMORY at saved sp returns the same return address",
	       "r=%d errno=%d word=%#" PRIx64 " ip=%#" PRIx64, r, errno, word, c.ip);
	/* a whole stack in one call */
	{
		void *buf = malloc(c.stack_size);
		uint32_t got = 0;

		r = read_mem(fd, c.stack_base, buf, (uint32_t)c.stack_size, &got);
		result(r == 0 && got == c.stack_size &&
		       !memcmp((char *)buf + (c.sp - c.stack_base) + v.task_frame_ret_off, &c.ip, 8),
		       "READ_MEMORY of a whole thread stack", "r=%d errno=%d got=%u", r, errno, got);
		free(buf);
	}

	HDR(c);
	c.tid = 1;	/* init: a kernel-namespace-visible sleeping task */
	r = ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c);
	result(r == 0 && c.tgid == 1, "THREAD_CONTEXT of pid 1", "r=%d errno=%d", r, errno);
	HDR(c);
	c.tid = 2;	/* kthreadd */
	r = ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c);
	result(r == 0 && (c.flags & KSTACK_TF_KTHREAD) && !strcmp(c.comm, "kthreadd"),
	       "THREAD_CONTEXT of kthreadd flags a kernel thread", "r=%d flags=%u comm=%s", r, c.flags, c.comm);

	HDR(c);
	c.tid = gettid_();
	expect_errno(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c, EBUSY, "THREAD_CONTEXT of the running caller -> EBUSY");
	pthread_create(&s, NULL, spinner, (void *)&spin);
	while (!spin)
		;
	for (int i = 0; i < 200 && !busy; i++) {
		HDR(c);
		c.tid = spin;
		busy = ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c) < 0 && errno == EBUSY;
	}
	result(busy, "THREAD_CONTEXT of a spinning thread -> EBUSY", "never EBUSY in 200 tries");

	HDR(c);
	c.tid = 4194303;
	expect_errno(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c, ESRCH, "THREAD_CONTEXT of an unused tid -> ESRCH");
	c.tid = 0;
	expect_errno(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c, ESRCH, "THREAD_CONTEXT of tid 0 -> ESRCH");
	pthread_create(&q, NULL, quitter, (void *)&gone);
	pthread_join(q, NULL);
	/* join returns once the tid is cleared, a little before the task is reaped */
	for (int i = 0; i < 100; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/proc/self/task/%d", gone);
		if (access(p, F_OK))
			break;
		usleep(10000);
	}
	HDR(c);
	c.tid = gone;
	expect_errno(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c, ESRCH, "THREAD_CONTEXT of an exited thread -> ESRCH");
	{
		struct kstack_stack st;
		uint64_t frames[4];

		HDR(st);
		st.tid = gone;
		st.max_frames = 4;
		st.frames = (uintptr_t)frames;
		expect_errno(fd, KSTACK_IOCTL_STACK, &st, ESRCH, "STACK of an exited thread -> ESRCH");
		HDR(st);
		st.tid = tid;
		st.max_frames = 0;
		st.frames = (uintptr_t)frames;
		expect_errno(fd, KSTACK_IOCTL_STACK, &st, EINVAL, "STACK with max_frames 0 -> EINVAL");
		st.max_frames = KSTACK_FRAMES_MAX + 1;
		expect_errno(fd, KSTACK_IOCTL_STACK, &st, EINVAL, "STACK with max_frames over limit -> EINVAL");
		HDR(st);
		st.tid = tid;
		st.max_frames = 1;
		st.frames = (uintptr_t)frames;
		frames[0] = 0;
		r = ioctl(fd, KSTACK_IOCTL_STACK, &st);
		result(r < 0 && errno == ENOSPC && st.nr_frames > 1 && frames[0] >= sched &&
		       frames[0] < sched_end, "STACK with too small buffer -> ENOSPC + frames needed",
		       "r=%d errno=%d nr=%u f0=%#" PRIx64, r, errno, st.nr_frames, frames[0]);
		HDR(st);
		st.tid = tid;
		st.max_frames = 4;
		st.frames = 8;	/* unmapped user pointer */
		expect_errno(fd, KSTACK_IOCTL_STACK, &st, EFAULT, "STACK to a bad user buffer -> EFAULT");
		HDR(st);
		st.tid = spin;
		st.max_frames = 4;
		st.frames = (uintptr_t)frames;
		busy = 0;
		for (int i = 0; i < 200 && !busy; i++)
			busy = ioctl(fd, KSTACK_IOCTL_STACK, &st) < 0 && errno == EBUSY;
		result(busy, "STACK of a spinning thread -> EBUSY", "never EBUSY in 200 tries");
	}
	close(fd);
	return 0;
}

static int cmd_readmem(void)
{
	uint64_t text, etext, jiffies, buf[16];
	uint32_t got;
	int fd = open_dev(), r;
	static char big[KSTACK_READ_MAX + 4096];

	if (ksyms_load()) {
		result(0, "load /proc/kallsyms", "failed");
		return 1;
	}
	text = ksym_addr("_stext");
	etext = ksym_addr("_etext");
	jiffies = ksym_addr("jiffies");

	r = read_mem(fd, text, buf, sizeof(buf), &got);
	result(r == 0 && got == sizeof(buf), "READ_MEMORY of kernel text", "r=%d errno=%d got=%u", r, errno, got);
	{
		uint64_t ip = ksym_addr("__start_orc_unwind_ip"), o = ksym_addr("__start_orc_unwind");

		r = read_mem(fd, ip, buf, sizeof(buf), NULL);
		result(r == 0, "READ_MEMORY of the ORC ip table", "errno %s", strerror(errno));
		r = read_mem(fd, o, buf, 12, NULL);
		result(r == 0, "READ_MEMORY of the ORC entry table", "errno %s", strerror(errno));
		r = read_mem(fd, ksym_addr("linux_banner"), big, 64, NULL);
		result(r == 0 && !memcmp(big, "Linux version", 13), "READ_MEMORY of rodata (linux_banner)",
		       "r=%d errno=%d", r, errno);
	}
	r = read_mem(fd, text, big, KSTACK_READ_MAX, &got);
	result(r == 0 && got == KSTACK_READ_MAX, "READ_MEMORY of 1 MiB (the limit) in one call",
	       "r=%d errno=%d got=%u", r, errno, got);
	{
		/* a module's text: our own driver's ioctl handler */
		uint64_t m = ksym_addr("kstack_ioctl [kstack]");

		r = m ? read_mem(fd, m, buf, 16, NULL) : -1;
		result(r == 0, "READ_MEMORY of module text", "addr=%#" PRIx64 " errno %s", m, strerror(errno));
	}

	r = read_mem(fd, 0, buf, 8, NULL);
	result(r < 0 && errno == EPERM, "READ_MEMORY of address 0 -> EPERM", "r=%d errno=%d", r, errno);
	r = read_mem(fd, (uintptr_t)buf, big, 8, NULL);
	result(r < 0 && errno == EPERM, "READ_MEMORY of a user address -> EPERM", "r=%d errno=%d", r, errno);
	r = read_mem(fd, jiffies, buf, 8, NULL);
	result(jiffies && r < 0 && errno == EPERM, "READ_MEMORY of kernel data (jiffies) -> EPERM",
	       "jiffies=%#" PRIx64 " r=%d errno=%d", jiffies, r, errno);
	r = read_mem(fd, 0xffff800000000000ull, buf, 8, NULL);
	result(r < 0 && errno == EPERM, "READ_MEMORY of an unmapped high address -> EPERM",
	       "r=%d errno=%d", r, errno);
	r = read_mem(fd, 0xfffffffffffffff0ull, buf, 64, NULL);
	result(r < 0 && errno == EPERM, "READ_MEMORY of a wrapping range -> EPERM", "r=%d errno=%d", r, errno);
	r = read_mem(fd, text, big, KSTACK_READ_MAX + 1, NULL);
	result(r < 0 && errno == EINVAL, "READ_MEMORY over the 1 MiB limit -> EINVAL", "r=%d errno=%d", r, errno);
	r = read_mem(fd, text, big, 0, NULL);
	result(r < 0 && errno == EINVAL, "READ_MEMORY of length 0 -> EINVAL", "r=%d errno=%d", r, errno);
	r = read_mem(fd, etext - 16, big, 64, NULL);
	result(r < 0 && errno == EPERM, "READ_MEMORY running past the end of kernel text -> EPERM",
	       "r=%d errno=%d", r, errno);
	{
		struct kstack_thread_context c;

		HDR(c);
		c.tid = 1;
		r = ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c);
		r = r ? r : read_mem(fd, c.stack_base + c.stack_size - 8, big, 64, NULL);
		result(r < 0 && errno == EPERM, "READ_MEMORY running past the end of a stack -> EPERM",
		       "r=%d errno=%d", r, errno);
	}
	r = read_mem(fd, text, (void *)8, 16, NULL);
	result(r < 0 && errno == EFAULT, "READ_MEMORY into a bad user buffer -> EFAULT", "r=%d errno=%d", r, errno);
	close(fd);
	return 0;
}

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

static int cmd_stackcmp(const char *zoofile)
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

static int snap(int fd, uint64_t pid, uint32_t mode, void *buf, uint64_t size,
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
static void snapshot_fast_vs_kernel(int fd, char *buf, size_t size, uint32_t max_frames,
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

static int cmd_snapshot(const char *zoofile)
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

static int cmd_symbolize(void)
{
	static char names[4][KSTACK_SYM_LEN];
	struct kstack_symbolize sy;
	uint64_t addrs[4], s0, s1;
	char want[128];
	int fd = open_dev(), r;

	if (ksyms_load()) {
		result(0, "load /proc/kallsyms", "failed");
		return 1;
	}
	addrs[0] = ksym_addr("__schedule");
	ksym_bounds(addrs[0], &s0, &s1);
	addrs[1] = addrs[0] + 0x10;
	addrs[2] = ksym_addr("kstack_ioctl [kstack]");
	addrs[3] = 0;
	HDR(sy);
	sy.addrs = (uintptr_t)addrs;
	sy.names = (uintptr_t)names;
	sy.nr = 4;
	r = ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy);
	snprintf(want, sizeof(want), "__schedule+0x10/%#" PRIx64, s1 - s0);
	result(r == 0 && !strcmp(names[1], want), "SYMBOLIZE a core kernel address",
	       "r=%d got '%s' want '%s'", r, names[1], want);
	result(r == 0 && !strncmp(names[0], "__schedule+0x0/", 15), "SYMBOLIZE a symbol's start",
	       "got '%s'", names[0]);
	result(r == 0 && strstr(names[2], "kstack_ioctl+0x0/") == names[2] &&
	       strstr(names[2], " [kstack]"), "SYMBOLIZE a module address", "got '%s'", names[2]);
	result(r == 0 && names[3][0] == 0, "SYMBOLIZE address 0 -> empty", "got '%s'", names[3]);
	/* a return address at a function's very start belongs to the previous one */
	HDR(sy);
	sy.addrs = (uintptr_t)addrs;
	sy.names = (uintptr_t)names;
	sy.nr = 1;
	sy.flags = KSTACK_SYM_RETADDR;
	r = ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy);
	ksym_format_ret(addrs[0], want, sizeof(want));
	result(r == 0 && !strncmp(names[0], want, strlen(want)) && names[0][strlen(want)] == '/',
	       "SYMBOLIZE a return address like /proc/PID/stack", "got '%s' want '%s/...'", names[0], want);
	/* KSTACK_SYM_TEXT: text as the kernel's unwinder accepts it, nothing else */
	{
		uint64_t ta[4] = { ksym_addr("__schedule") + 0x10, ksym_addr("jiffies"),
				   ksym_addr("kstack_ioctl [kstack]"), 0 };

		HDR(sy);
		sy.addrs = (uintptr_t)ta;
		sy.names = (uintptr_t)names;
		sy.nr = 4;
		sy.flags = KSTACK_SYM_TEXT;
		r = ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy);
		result(r == 0 && !strncmp(names[0], "__schedule+0x10/", 16) && ta[1] && !names[1][0] &&
		       strstr(names[2], "kstack_ioctl+0x0/") == names[2] && !names[3][0],
		       "SYMBOLIZE with KSTACK_SYM_TEXT: core and module text named, data and 0 not",
		       "r=%d errno=%d '%s' '%s' '%s' '%s'", r, errno, names[0], names[1], names[2],
		       names[3]);
	}
	HDR(sy);
	sy.addrs = (uintptr_t)addrs;
	sy.names = (uintptr_t)names;
	sy.nr = 0;
	r = ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy);
	result(r < 0 && errno == EINVAL, "SYMBOLIZE of 0 addresses -> EINVAL", "r=%d errno=%d", r, errno);
	sy.nr = KSTACK_SYM_MAX + 1;
	r = ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy);
	result(r < 0 && errno == EINVAL, "SYMBOLIZE over the limit -> EINVAL", "r=%d errno=%d", r, errno);
	sy.nr = 1;
	sy.flags = 0x80;
	r = ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &sy);
	result(r < 0 && errno == EINVAL, "SYMBOLIZE with unknown flags -> EINVAL", "r=%d errno=%d", r, errno);
	close(fd);
	return 0;
}

/* drop CAP_SYS_ADMIN from the effective set, keep uid 0 */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

static int child_open(int mode)	/* 0: drop SYS_ADMIN; 1: become uid 1000 */
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		if (mode == 0 ? drop_sys_admin() : setuid(1000))
			_exit(100);
		if (open(KSTACK_DEVICE_LINUX, O_RDONLY) >= 0)
			_exit(0);
		_exit(errno);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 101;
}

static int cmd_perm(void)
{
	struct stat sb = { 0 };
	int e;

	result(stat(KSTACK_DEVICE_LINUX, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_uid == 0,
	       "/dev/kstack is root-owned mode 0600", "mode %o uid %d", sb.st_mode & 0777, sb.st_uid);
	e = child_open(0);
	result(e == EPERM, "open by root without CAP_SYS_ADMIN -> EPERM", "got %d (%s)", e, strerror(e));
	e = child_open(1);
	result(e == EACCES, "open by uid 1000 (mode 0600) -> EACCES", "got %d (%s)", e, strerror(e));
	/* even if an admin opened up the node's mode, the capability check holds */
	chmod(KSTACK_DEVICE_LINUX, 0666);
	e = child_open(1);
	chmod(KSTACK_DEVICE_LINUX, 0600);
	result(e == EPERM, "open by uid 1000 with node mode 0666 -> EPERM", "got %d (%s)", e, strerror(e));
	return 0;
}

/*
 * PID sleeps in do_nanosleep under a kretprobe: its return address on the
 * stack is the rethook trampoline. The driver's fast walk must not report
 * it: the record comes from the kernel's unwinder (which puts the real
 * return address back) and equals STACK.
 */
static int cmd_fallback(const char *pidarg)
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

/* snap() with the tail asked for */
static int snap_tail(int fd, uint64_t pid, uint32_t mode, uint32_t max_frames, void *buf,
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

static const struct kstack_snap_tail *rec_tail(const struct kstack_snap_thread *r)
{
	return (const void *)((const char *)r + r->rec_size - sizeof(struct kstack_snap_tail));
}

/*
 * One record with a tail: its layout adds up and its end reason agrees with
 * the record's flags and kind. NULL if fine, else why.
 */
static const char *tail_check(const struct kstack_snap_thread *r, uint32_t mode)
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

static int cmd_tail(void)
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

/* /sys/module/MOD/sections/SEC as a number, 0 if absent */
static uint64_t sys_section(const char *mod, const char *sec)
{
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", mod, sec);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int modorc_call(int fd, struct kstack_module_orc *buf, uint32_t max, struct kstack_module_orcs *req)
{
	HDR(*req);
	req->buffer = (uintptr_t)buf;
	req->max = max;
	return ioctl(fd, KSTACK_IOCTL_MODULE_ORC, req);
}

/*
 * Each entry against what sysfs shows for the module (the table addresses
 * are the loader's, which sysfs names by section), and the tables read back
 * through READ_MEMORY: every ip inside the module's text, sorted. Every
 * live module with ORC sections is listed. EXPECT: modules that must be there.
 */
static int cmd_modorc(int argc, char **argv)
{
	static struct kstack_module_orc mods[KSTACK_MODULE_ORC_MAX];
	struct kstack_module_orcs req;
	struct kstack_version v;
	int fd = open_dev(), ret, bad = 0, missing = 0;
	char line[512], why[256] = "-";
	FILE *pm;

	HDR(v);
	ioctl(fd, KSTACK_IOCTL_VERSION, &v);
	result(!!(v.caps & KSTACK_CAP_MODULE_ORC), "VERSION reports KSTACK_CAP_MODULE_ORC",
	       "caps %#x", v.caps);
	ret = modorc_call(fd, mods, KSTACK_MODULE_ORC_MAX, &req);
	for (uint32_t i = 0; ret == 0 && i < req.nr; i++) {
		const struct kstack_module_orc *m = &mods[i];
		uint64_t text = sys_section(m->name, ".text");
		int32_t *ips = calloc(m->num_orcs, 4);
		uint8_t last_orc[6];
		uint64_t prev = 0;
		int ok;

		ok = memchr(m->name, 0, sizeof(m->name)) && m->num_orcs &&
		     m->orc_ip == sys_section(m->name, ".orc_unwind_ip") &&
		     m->orc == sys_section(m->name, ".orc_unwind") &&
		     m->text_start < m->text_end && (!text || (text >= m->text_start && text < m->text_end));
		if (!ok && !bad)
			snprintf(why, sizeof(why), "%.56s: not as sysfs shows it (ip %#" PRIx64 " orc %#" PRIx64 ")",
				 m->name, m->orc_ip, m->orc);
		if (ok && (read_mem(fd, m->orc_ip, ips, m->num_orcs * 4, NULL) ||
			   read_mem(fd, m->orc + (m->num_orcs - 1) * 6ull, last_orc, 6, NULL))) {
			ok = 0;
			if (!bad)
				snprintf(why, sizeof(why), "%.56s: READ_MEMORY of its tables: %s", m->name,
					 strerror(errno));
		}
		/*
		 * sorted by the loader (orc_sort()); entries for .init.text lie
		 * outside the core text (that memory is freed after init, the
		 * kernel's orc_module_find() no longer reaches them), the rest
		 * inside it; a terminator may sit at the text's very end
		 */
		for (uint32_t k = 0, in = 0; ok && k < m->num_orcs; k++) {
			uint64_t ip = m->orc_ip + 4ull * k + (int64_t)ips[k];

			in += ip >= m->text_start && ip <= m->text_end;
			if (ip < prev || (k == m->num_orcs - 1 && in * 2 < m->num_orcs)) {
				ok = 0;
				if (!bad)
					snprintf(why, sizeof(why), "%.56s: entry %u ip %#" PRIx64 " unsorted, or only %u of %u in [%#" PRIx64 ", %#" PRIx64 "]",
						 m->name, k, ip, in, m->num_orcs, m->text_start, m->text_end);
			}
			prev = ip;
		}
		bad += !ok;
		free(ips);
	}
	result(ret == 0 && req.nr > 0 && !bad, "MODULE_ORC: every entry as sysfs shows it, tables readable, sorted, in the module's text",
	       "ret=%d errno=%d nr=%u bad=%d: %s", ret, errno, req.nr, bad, why);
	/* every live module with ORC sections is there */
	pm = fopen("/proc/modules", "r");
	while (ret == 0 && pm && fgets(line, sizeof(line), pm)) {
		char name[64], state[16];
		int found = 0;

		if (sscanf(line, "%63s %*s %*s %*s %15s", name, state) != 2 || strcmp(state, "Live") ||
		    !sys_section(name, ".orc_unwind_ip"))
			continue;
		for (uint32_t i = 0; i < req.nr; i++)
			found |= !strcmp(mods[i].name, name);
		if (!found) {
			printf("# MODULE_ORC misses %s\n", name);
			missing++;
		}
	}
	if (pm)
		fclose(pm);
	result(ret == 0 && !missing, "MODULE_ORC lists every live module with ORC tables",
	       "%d missing", missing);
	for (int a = 0; a < argc; a++) {
		int found = 0;
		char what[128];

		for (uint32_t i = 0; ret == 0 && i < req.nr; i++)
			found |= !strcmp(mods[i].name, argv[a]);
		snprintf(what, sizeof(what), "MODULE_ORC lists %s", argv[a]);
		result(found, what, "not among %u entries", req.nr);
	}
	/* our own module: its ioctl handler lies inside the text range given */
	if (!ksyms_load()) {
		uint64_t h = ksym_addr("kstack_ioctl [kstack]");
		int in = 0;

		for (uint32_t i = 0; ret == 0 && i < req.nr; i++)
			in |= !strcmp(mods[i].name, "kstack") && h >= mods[i].text_start &&
			      h < mods[i].text_end;
		result(in, "MODULE_ORC: kstack's text range holds kstack_ioctl", "kstack_ioctl %#" PRIx64, h);
	}
	if (req.nr > 1) {
		struct kstack_module_orc one[2];
		struct kstack_module_orcs r1;

		memset(one, 0x5a, sizeof(one));
		ret = modorc_call(fd, one, 1, &r1);
		result(ret < 0 && errno == ENOSPC && r1.nr == req.nr && !memcmp(&one[0], &mods[0], sizeof(one[0])) &&
		       ((unsigned char *)&one[1])[0] == 0x5a,
		       "MODULE_ORC with room for 1: ENOSPC, the count, the first entry, nothing past it",
		       "ret=%d errno=%d nr=%u of %u", ret, errno, r1.nr, req.nr);
	}
	ret = modorc_call(fd, mods, 0, &req);
	result(ret < 0 && errno == EINVAL, "MODULE_ORC with max 0 -> EINVAL", "ret=%d errno=%d", ret, errno);
	ret = modorc_call(fd, mods, KSTACK_MODULE_ORC_MAX + 1, &req);
	result(ret < 0 && errno == EINVAL, "MODULE_ORC over the limit -> EINVAL", "ret=%d errno=%d", ret, errno);
	ret = modorc_call(fd, (void *)8, 16, &req);
	result(ret < 0 && errno == EFAULT, "MODULE_ORC into a bad user buffer -> EFAULT", "ret=%d errno=%d", ret, errno);
	HDR(req);
	req.hdr.size = 16;
	ret = ioctl(fd, KSTACK_IOCTL_MODULE_ORC, &req);
	result(ret < 0 && errno == EINVAL, "MODULE_ORC truncated request -> EINVAL", "ret=%d errno=%d", ret, errno);
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
static int cmd_traced(const char *tidarg, const char *label)
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

/*
 * Whole-system raw snapshots (a lock break every few dozen threads) while
 * a child keeps forking processes that exit at once: every call must
 * succeed with well-formed records, and the kernel log stay clean.
 */
static int cmd_churn(void)
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
static int cmd_selfsnap(const char *label)
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

static int cmd_holdfd(const char *ready)
{
	int fd = open_dev();
	FILE *f = fopen(ready, "w");

	if (f)
		fclose(f);
	for (;;)
		pause();
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "basic"))
		cmd_basic();
	else if (argc >= 2 && !strcmp(argv[1], "readmem"))
		cmd_readmem();
	else if (argc >= 2 && !strcmp(argv[1], "context"))
		cmd_context();
	else if (argc >= 3 && !strcmp(argv[1], "stackcmp"))
		cmd_stackcmp(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "snapshot"))
		cmd_snapshot(argv[2]);
	else if (argc >= 2 && !strcmp(argv[1], "symbolize"))
		cmd_symbolize();
	else if (argc >= 2 && !strcmp(argv[1], "tail"))
		cmd_tail();
	else if (argc >= 3 && !strcmp(argv[1], "fastcmp")) {
		static char buf[64 << 20];
		char what[160];
		int fd = open_dev();

		snprintf(what, sizeof(what), "%s: SNAPSHOT fast walk equals the kernel's unwinder, whole system",
			 argv[2]);
		snapshot_fast_vs_kernel(fd, buf, sizeof(buf), KSTACK_FRAMES_MAX, what);
		close(fd);
	} else if (argc >= 4 && !strcmp(argv[1], "traced"))
		cmd_traced(argv[2], argv[3]);
	else if (argc >= 2 && !strcmp(argv[1], "modorc"))
		cmd_modorc(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "churn"))
		cmd_churn();
	else if (argc >= 2 && !strcmp(argv[1], "perm"))
		cmd_perm();
	else if (argc >= 3 && !strcmp(argv[1], "fallback"))
		cmd_fallback(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "selfsnap"))
		cmd_selfsnap(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "holdfd"))
		cmd_holdfd(argv[2]);
	else {
		fprintf(stderr, "usage: ksdrv_test basic|readmem|context|stackcmp ZOOFILE|snapshot ZOOFILE|symbolize|fallback PID|tail|traced TID LABEL|fastcmp LABEL|modorc [MODULE...]|churn|selfsnap LABEL|perm|holdfd FILE\n");
		return 2;
	}
	return failures ? 1 : 0;
}
