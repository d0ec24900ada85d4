// SPDX-License-Identifier: GPL-2.0
/*
 * ksdrv_test: the device and its one-shot requests. VERSION, dispatch
 * and request validation, KERNEL_INFO (basic); THREAD_CONTEXT of a
 * sleeping / running / gone thread (context); READ_MEMORY's happy path
 * and every refusal (readmem); SYMBOLIZE vs /proc/kallsyms (symbolize);
 * who may open the device (perm, holdfd).
 */
#define _GNU_SOURCE
#include "ksdrv_test.h"
#include "ksyms_mini.h"

int cmd_basic(void)
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

static void *quitter(void *arg)
{
	*(volatile pid_t *)arg = gettid_();
	return NULL;
}

int cmd_context(void)
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
	/*
	 * /proc says S once its state is set, a moment before its switch
	 * completes (on_cpu still 1: EBUSY): under TCG that moment is seen
	 */
	for (int tries = 0; tries < 50; tries++) {
		HDR(c);
		c.tid = tid;
		r = ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c);
		if (r == 0 || errno != EBUSY)
			break;
		usleep(10000);
	}
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

int cmd_readmem(void)
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

int cmd_symbolize(void)
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

int cmd_perm(void)
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

int cmd_holdfd(const char *ready)
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
