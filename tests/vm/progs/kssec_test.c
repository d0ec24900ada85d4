// SPDX-License-Identifier: GPL-2.0
/*
 * Who may ask the driver what (issue 14), inside the VM as root. Prints
 * PASS:/FAIL:/SKIP: lines and, last, "refusals tried: N". Subcommands:
 *   creds        every request served to root, then refused (EPERM) to an
 *                fd kept across a drop to uid 1000, kept across a drop of
 *                every capability, and passed to a uid-1000 process over
 *                SCM_RIGHTS; open refused without CAP_SYS_ADMIN
 *   target       root without CAP_SYS_PTRACE: requests about a uid-1000
 *                thread refused as /proc/PID/stack refuses them; a
 *                whole-system SNAPSHOT leaves the thread out
 *   ctx TID      print an address in TID's stack, read here (for pidns)
 *   pidns TID ADDR  (run in a new pid namespace) TID, numbered outside,
 *                and its stack at ADDR are unreachable from inside
 *   lockdown     (lockdown raised to confidentiality) memory contents
 *                refused, frames, names and contexts still served
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "test_util.h"

int tu_failures;

static char snapbuf[16 << 20];
static int refusals;

/* What the requests are about: kernel text and a sleeping thread of ours. */
struct targets {
	uint64_t text;
	pid_t sleeper;
	uint64_t stack_top;	/* the sleeper's stack base + size */
};

static void *sleeper_main(void *arg)
{
	struct timespec ts = { .tv_sec = 100000 };

	*(volatile pid_t *)arg = tu_gettid();
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

/* A sleeping thread in this process; its stack through fd (root). */
static int start_sleeper(int fd, struct targets *t)
{
	struct kstack_kernel_info ki;
	struct kstack_thread_context c;
	volatile pid_t tid = 0;
	pthread_t th;
	int i;

	if (pthread_create(&th, NULL, sleeper_main, (void *)&tid))
		return -1;
	while (!tid)
		usleep(1000);
	for (i = 0; i < 200; i++) {	/* until it sleeps */
		if (!tu_context(fd, tid, &c))
			break;
		usleep(10000);
	}
	TU_HDR(ki);
	if (i == 200 || ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki))
		return -1;
	t->text = ki.text_start;
	t->sleeper = tid;
	t->stack_top = c.stack_base + c.stack_size;
	return 0;
}

/*
 * Every request, each one that root is served; want 0: all served, else
 * all refused with errno want. Returns how many were as wanted.
 */
static int try_all(int fd, const struct targets *t, int want, const char *who)
{
	static char names[1][KSTACK_SYM_LEN];
	uint64_t frames[KSTACK_FRAMES_MAX], buf[8];
	struct kstack_thread_context c;
	struct kstack_version v;
	struct kstack_kernel_info ki;
	struct kstack_stack st;
	struct kstack_snapshot s;
	struct kstack_catch_running cr;
	struct { const char *name; int r, e; } res[13];
	int n = 0, ok = 0, i;

#define TRY(label, call) do { int r_ = (call); res[n].name = (label); res[n].r = r_; \
		res[n].e = r_ < 0 ? errno : 0; n++; } while (0)
	TU_HDR(v);
	TRY("VERSION", ioctl(fd, KSTACK_IOCTL_VERSION, &v));
	TU_HDR(ki);
	TRY("KERNEL_INFO", ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki));
	TRY("THREAD_CONTEXT", tu_context(fd, t->sleeper, &c));
	TRY("STACK", tu_stack(fd, t->sleeper, frames, KSTACK_FRAMES_MAX, &st));
	TRY("READ_MEMORY of kernel text", tu_read_mem(fd, t->text, buf, sizeof(buf)));
	TRY("READ_MEMORY of a thread's stack",
	    tu_read_mem(fd, t->stack_top - sizeof(buf), buf, sizeof(buf)));
	TRY("SNAPSHOT frames of a process",
	    tu_snap(fd, getpid(), KSTACK_SNAP_FRAMES, snapbuf, sizeof(snapbuf), &s));
	TRY("SNAPSHOT raw of a process",
	    tu_snap(fd, getpid(), KSTACK_SNAP_RAW, snapbuf, sizeof(snapbuf), &s));
	TRY("SNAPSHOT frames (kernel unwinder) of the system",
	    tu_snap(fd, 0, KSTACK_SNAP_FRAMES_KERNEL, snapbuf, sizeof(snapbuf), &s));
	TRY("SNAPSHOT raw of the system",
	    tu_snap(fd, 0, KSTACK_SNAP_RAW, snapbuf, sizeof(snapbuf), &s));
	TRY("SYMBOLIZE", tu_symbolize(fd, &t->text, 1, names));
	TRY("CATCH_RUNNING", tu_catch(fd, t->sleeper, snapbuf, sizeof(snapbuf), KSTACK_FRAMES_MAX,
				      4096, &cr));
#undef TRY
	for (i = 0; i < n; i++) {
		char name[200];
		int good = want ? res[i].r < 0 && res[i].e == want : res[i].r == 0;

		snprintf(name, sizeof(name), "%s: %s %s", who, res[i].name,
			 want ? "refused (EPERM)" : "served");
		tu_result(good, name, "ioctl returned %d, errno %d (%s)", res[i].r, res[i].e,
			  strerror(res[i].e));
		ok += good;
		if (want)
			refusals++;
	}
	return ok;
}

/* Drop every capability for good: bounding set, then all three sets. */
static int drop_all_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap;

	for (cap = 0; cap <= 63; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);	/* EINVAL past the last: fine */
	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

/* Drop one capability from the effective and permitted sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	d[cap / 32].inheritable &= ~(1u << (cap % 32));
	return (int)syscall(SYS_capset, &h, d);
}

static int send_fd(int sock, int fd)
{
	char data = 'f', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Run fn in a child; its PASS/FAIL lines are its own; returns its exit code. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t p;
	int st;

	fflush(stdout);
	p = fork();
	if (p == 0)
		_exit(fn(arg));
	if (p < 0 || waitpid(p, &st, 0) != p)
		return 100;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 101;
}

/* exit code: number of refusals seen (the parent adds them up) */
static int child_keep_uid(void *arg)
{
	struct targets t;
	int fd = tu_open();

	(void)arg;
	if (fd < 0 || start_sleeper(fd, &t))
		return 200;
	if (setresuid(1000, 1000, 1000))
		return 201;
	return try_all(fd, &t, EPERM, "fd kept across setresuid(1000)");
}

static int child_keep_nocaps(void *arg)
{
	struct targets t;
	int fd = tu_open();

	(void)arg;
	if (fd < 0 || start_sleeper(fd, &t))
		return 200;
	if (drop_all_caps())
		return 201;
	return try_all(fd, &t, EPERM, "fd kept by uid 0 after dropping every capability");
}

static int child_fdpass(void *arg)
{
	int sock = *(int *)arg, fd0 = tu_open(), fd;
	struct targets t;

	/* its own sleeper, located while root; that fd is then closed */
	if (fd0 < 0 || start_sleeper(fd0, &t))
		return 200;
	close(fd0);
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 201;
	if (write(sock, "r", 1) != 1)
		return 202;
	fd = recv_fd(sock);
	if (fd < 0)
		return 203;
	return try_all(fd, &t, EPERM, "fd passed from root to uid 1000 over SCM_RIGHTS");
}

static int child_open_as(void *arg)
{
	int mode = *(int *)arg;

	if (mode == 0 ? drop_all_caps() : setresuid(1000, 1000, 1000))
		return 200;
	if (tu_open() >= 0)
		return 0;
	return errno;
}

static int cmd_creds(void)
{
	struct targets t;
	int fd = tu_open(), sv[2], e, mode;
	char c;
	pid_t p;

	if (fd < 0 || start_sleeper(fd, &t)) {
		tu_result(0, "creds: setup", "open or sleeper: %s", strerror(errno));
		return 1;
	}
	try_all(fd, &t, 0, "root");
	e = in_child(child_keep_uid, NULL);
	refusals += 12;	/* tried in the child */
	tu_result(e == 12, "creds: fd kept across setresuid(1000): every request refused",
		  "%d of 12 refused (exit %d)", e, e);
	e = in_child(child_keep_nocaps, NULL);
	refusals += 12;
	tu_result(e == 12, "creds: fd kept after dropping every capability: every request refused",
		  "%d of 12 refused", e);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		tu_result(0, "creds: socketpair", "%s", strerror(errno));
		return 1;
	}
	fflush(stdout);
	p = fork();
	if (p == 0) {
		close(sv[0]);
		_exit(child_fdpass(&sv[1]));
	}
	close(sv[1]);
	if (read(sv[0], &c, 1) == 1)
		send_fd(sv[0], fd);
	waitpid(p, &e, 0);
	e = WIFEXITED(e) ? WEXITSTATUS(e) : 101;
	refusals += 12;
	tu_result(e == 12, "creds: fd passed over SCM_RIGHTS to uid 1000: every request refused",
		  "%d of 12 refused", e);
	close(sv[0]);
	/* the same fd still serves root: the refusals were about the caller */
	e = try_all(fd, &t, 0, "root, after passing its fd");
	mode = 0;
	e = in_child(child_open_as, &mode);
	tu_result(e == EPERM, "creds: open by root without capabilities -> EPERM", "got %d (%s)",
		  e, strerror(e));
	refusals++;
	chmod(KSTACK_DEVICE_LINUX, 0666);
	mode = 1;
	e = in_child(child_open_as, &mode);
	chmod(KSTACK_DEVICE_LINUX, 0600);
	tu_result(e == EPERM, "creds: open by uid 1000 (node mode 0666) -> EPERM", "got %d (%s)",
		  e, strerror(e));
	refusals++;
	close(fd);
	return 0;
}

/* A process of uid 1000 that sleeps; its pid. */
static pid_t start_other_user(void)
{
	int pfd[2];
	pid_t p;
	char c;

	if (pipe(pfd))
		return -1;
	p = fork();
	if (p == 0) {
		close(pfd[0]);
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(1);
		close(pfd[1]);	/* EOF: ready */
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) < 0)
		p = -1;
	close(pfd[0]);
	usleep(100 * 1000);	/* into pause() */
	return p;
}

static int child_no_ptrace(void *arg)
{
	const struct targets *t = arg;
	const struct kstack_snap_thread *r = NULL;
	uint64_t frames[KSTACK_FRAMES_MAX], buf[8];
	struct kstack_thread_context c;
	struct kstack_snapshot s;
	struct kstack_catch_running cr;
	struct kstack_stack st;
	int fd = tu_open(), ok = 0, r1;
	long n;

	if (fd < 0 || drop_cap(CAP_SYS_PTRACE))
		return 200;
#define DENIED(name, call) do { int r_ = (call); int e_ = errno; \
		tu_result(r_ < 0 && e_ == EPERM, "target: without CAP_SYS_PTRACE, " name \
			  " of a uid-1000 thread -> EPERM", "ioctl %d errno %d", r_, e_); \
		ok += r_ < 0 && e_ == EPERM; refusals++; } while (0)
	DENIED("THREAD_CONTEXT", tu_context(fd, t->sleeper, &c));
	DENIED("STACK", tu_stack(fd, t->sleeper, frames, KSTACK_FRAMES_MAX, &st));
	DENIED("SNAPSHOT frames", tu_snap(fd, t->sleeper, KSTACK_SNAP_FRAMES, snapbuf,
					  sizeof(snapbuf), &s));
	DENIED("SNAPSHOT raw", tu_snap(fd, t->sleeper, KSTACK_SNAP_RAW, snapbuf,
				       sizeof(snapbuf), &s));
	DENIED("READ_MEMORY of its stack", tu_read_mem(fd, t->stack_top - 64, buf, 64));
	DENIED("CATCH_RUNNING", tu_catch(fd, t->sleeper, snapbuf, sizeof(snapbuf),
					 KSTACK_FRAMES_MAX, 4096, &cr));
#undef DENIED
	r1 = tu_snap(fd, 0, KSTACK_SNAP_FRAMES, snapbuf, sizeof(snapbuf), &s);
	n = r1 == 0 ? tu_snap_records(snapbuf, &s, (uint64_t)t->sleeper, &r) : -1;
	/* (and, under Yama's default ptrace_scope 1, every thread but its own) */
	tu_result(n >= 1 && !r && s.nr_skipped >= 1,
		  "target: whole-system SNAPSHOT without CAP_SYS_PTRACE leaves the uid-1000 thread out",
		  "ret %d records %ld, thread %s, nr_skipped %u", r1, n, r ? "present" : "absent",
		  s.nr_skipped);
	refusals++;
	/* told apart from threads that exited: nr_denied, a part of nr_skipped */
	tu_result(r1 == 0 && s.nr_denied >= 1 && s.nr_denied <= s.nr_skipped,
		  "target: whole-system SNAPSHOT counts the refused threads in nr_denied",
		  "ret %d nr_denied %u nr_skipped %u", r1, s.nr_denied, s.nr_skipped);
	{
		/*
		 * A tool that knows only the 72-byte request (before nr_denied):
		 * served, and nothing written past its size.
		 */
		struct kstack_snapshot old;

		memset(&old, 0, sizeof(old));
		old.hdr.version = KSTACK_PROTO_VERSION;
		old.hdr.size = offsetof(struct kstack_snapshot, nr_denied);
		old.mode = KSTACK_SNAP_FRAMES;
		old.max_frames = KSTACK_FRAMES_MAX;
		old.buffer = (uintptr_t)snapbuf;
		old.buffer_size = sizeof(snapbuf);
		old.nr_denied = 0xa5a5a5a5u;
		old.reserved2 = 0xa5a5a5a5u;
		r1 = ioctl(fd, KSTACK_IOCTL_SNAPSHOT, &old);
		tu_result(r1 == 0 && old.nr_threads >= 1 && old.nr_denied == 0xa5a5a5a5u &&
			  old.reserved2 == 0xa5a5a5a5u,
			  "target: a 72-byte SNAPSHOT request (older tool) served, nothing written past it",
			  "ret %d errno %d nr_threads %u nr_denied %#x", r1, errno, old.nr_threads,
			  old.nr_denied);
	}
	/* our own threads stay ours */
	r1 = tu_snap(fd, getpid(), KSTACK_SNAP_FRAMES, snapbuf, sizeof(snapbuf), &s);
	tu_result(r1 == 0 && s.nr_threads >= 1,
		  "target: without CAP_SYS_PTRACE, SNAPSHOT of its own process still served",
		  "ret %d errno %d", r1, errno);
	close(fd);
	return ok;
}

static int cmd_target(void)
{
	struct kstack_thread_context c;
	struct targets t = { 0 };
	int fd = tu_open(), e;
	pid_t other = start_other_user();

	if (fd < 0 || other <= 0) {
		tu_result(0, "target: setup", "%s", strerror(errno));
		return 1;
	}
	t.sleeper = other;
	e = tu_context(fd, other, &c);
	tu_result(e == 0, "target: root (CAP_SYS_PTRACE) reads a uid-1000 thread's context",
		  "errno %d", errno);
	t.stack_top = c.stack_base + c.stack_size;
	e = in_child(child_no_ptrace, &t);
	refusals += 6;	/* tried in the child */
	tu_result(e == 6, "target: every request about the uid-1000 thread refused", "%d of 6", e);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	close(fd);
	return 0;
}

/* An address in TID's stack that this caller can read (64 bytes below its top). */
static int cmd_ctx(const char *tid)
{
	struct kstack_thread_context c;
	uint64_t buf[8], addr;
	int fd = tu_open();

	if (fd < 0 || tu_context(fd, strtoull(tid, NULL, 10), &c))
		return 1;
	addr = c.stack_base + c.stack_size - sizeof(buf);
	if (tu_read_mem(fd, addr, buf, sizeof(buf)))
		return 1;
	printf("%" PRIu64 "\n", addr);
	return 0;
}

static int cmd_pidns(const char *tidarg, const char *basearg)
{
	uint64_t tid = strtoull(tidarg, NULL, 10), base = strtoull(basearg, NULL, 0);
	uint64_t frames[KSTACK_FRAMES_MAX], buf[8];
	struct kstack_thread_context c;
	struct kstack_snapshot s;
	struct kstack_stack st;
	int fd = tu_open(), r;

	if (getpid() != 1) {
		tu_skip("pidns", "not in a new pid namespace");
		return 0;
	}
	if (fd < 0) {
		tu_result(0, "pidns: open", "%s", strerror(errno));
		return 1;
	}
#define GONE(name, call, want) do { r = (call); \
		tu_result(r < 0 && errno == (want), "pidns: from inside, " name \
			  " of an outside thread by its outer number refused", \
			  "ioctl %d errno %d (%s)", r, errno, strerror(errno)); refusals++; } while (0)
	GONE("THREAD_CONTEXT", tu_context(fd, tid, &c), ESRCH);
	GONE("STACK", tu_stack(fd, tid, frames, KSTACK_FRAMES_MAX, &st), ESRCH);
	GONE("SNAPSHOT", tu_snap(fd, tid, KSTACK_SNAP_RAW, snapbuf, sizeof(snapbuf), &s), ESRCH);
	GONE("READ_MEMORY (by its stack address)",
	     tu_read_mem(fd, base, buf, sizeof(buf)), EPERM);
#undef GONE
	close(fd);
	return 0;
}

static int cmd_lockdown(void)
{
	static char names[1][KSTACK_SYM_LEN];
	uint64_t frames[KSTACK_FRAMES_MAX], buf[8];
	struct kstack_thread_context c;
	struct kstack_kernel_info ki;
	struct kstack_snapshot s;
	struct kstack_stack st;
	struct targets t;
	int fd = tu_open(), r;

	if (fd < 0 || start_sleeper(fd, &t)) {
		tu_result(0, "lockdown: setup", "%s", strerror(errno));
		return 1;
	}
#define REFUSED(name, call) do { r = (call); \
		tu_result(r < 0 && errno == EPERM, "lockdown: " name " refused (EPERM)", \
			  "ioctl %d errno %d (%s)", r, errno, strerror(errno)); refusals++; } while (0)
#define SERVED(name, call, cond) do { r = (call); \
		tu_result(r == 0 && (cond), "lockdown: " name " still served", \
			  "ioctl %d errno %d (%s)", r, errno, strerror(errno)); } while (0)
	REFUSED("READ_MEMORY of kernel text", tu_read_mem(fd, t.text, buf, sizeof(buf)));
	REFUSED("READ_MEMORY of a thread's stack",
		tu_read_mem(fd, t.stack_top - sizeof(buf), buf, sizeof(buf)));
	REFUSED("SNAPSHOT raw of a process",
		tu_snap(fd, getpid(), KSTACK_SNAP_RAW, snapbuf, sizeof(snapbuf), &s));
	REFUSED("SNAPSHOT raw of the system",
		tu_snap(fd, 0, KSTACK_SNAP_RAW, snapbuf, sizeof(snapbuf), &s));
	SERVED("SNAPSHOT frames", tu_snap(fd, getpid(), KSTACK_SNAP_FRAMES, snapbuf,
					  sizeof(snapbuf), &s), s.nr_threads == 2);
	SERVED("STACK", tu_stack(fd, t.sleeper, frames, KSTACK_FRAMES_MAX, &st),
	       st.nr_frames > 3);
	SERVED("THREAD_CONTEXT (fp withheld)", tu_context(fd, t.sleeper, &c),
	       c.fp == 0 && c.ip && c.sp);
	SERVED("SYMBOLIZE", tu_symbolize(fd, &t.text, 1, names), names[0][0]);
	TU_HDR(ki);
	SERVED("KERNEL_INFO", ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki), ki.text_start);
#undef REFUSED
#undef SERVED
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "creds"))
		cmd_creds();
	else if (argc >= 2 && !strcmp(argv[1], "target"))
		cmd_target();
	else if (argc >= 3 && !strcmp(argv[1], "ctx"))
		return cmd_ctx(argv[2]);
	else if (argc >= 4 && !strcmp(argv[1], "pidns"))
		cmd_pidns(argv[2], argv[3]);
	else if (argc >= 2 && !strcmp(argv[1], "lockdown"))
		cmd_lockdown();
	else {
		fprintf(stderr, "usage: kssec_test creds|target|ctx TID|pidns TID BASE|lockdown\n");
		return 2;
	}
	printf("refusals tried: %d\n", refusals);
	return tu_failures ? 1 : 0;
}
