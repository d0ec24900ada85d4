// SPDX-License-Identifier: GPL-2.0
/*
 * CATCH_RUNNING (issue 24), the driver alone, inside the VM as root.
 * Threads of this process with known places: one spinning in user code
 * (spin_user), one spinning in the kernel (read of /dev/zero in 1 MiB
 * blocks), one asleep in pause(), and this thread itself. Checks each
 * answer's kind and its record as a tool reads it: the layout
 * (kstack_ioctl.h), the interrupted ip inside the function it spins in,
 * the user stack bytes against the thread's memory, the kernel frames
 * named by SYMBOLIZE (read_zero, vfs_read, ksys_read), the user registers
 * of a thread caught in the kernel (orig_ax: read); then every refusal.
 * Prints PASS:/FAIL:/SKIP: lines.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <sys/uio.h>
#include <time.h>
#include "test_util.h"

int tu_failures;

#define KEEP() __asm__ volatile("" ::: "memory")
#define TRIES 40

static volatile unsigned long counter;
/* which spinner runs: 1 user, 2 kernel (one at a time: each gets a CPU of the two) */
static volatile int phase, stop;
static volatile pid_t user_tid, kernel_tid, sleep_tid;
static char rec[KSTACK_CATCH_RECORD_SIZE(KSTACK_FRAMES_MAX, KSTACK_CATCH_STACK_MAX)];

void spin_user(void);

/* tiny and aligned: its code is the 64 bytes from its address */
__attribute__((noinline, aligned(64))) void spin_user(void)
{
	while (phase == 1)
		counter++;
	KEEP();
}

/* the spinners on the last CPU, this thread on the first: each spinner has its CPU */
static void pin(int last)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(last ? (int)n - 1 : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *user_main(void *arg)
{
	pin(1);
	user_tid = tu_gettid();
	while (!stop) {
		/* seldom: a wakeup on the spinners' CPU would preempt the other */
		while (phase != 1 && !stop)
			usleep(50000);
		spin_user();
	}
	return arg;
}

static void *kernel_main(void *arg)
{
	static char buf[1 << 20];
	int fd = open("/dev/zero", O_RDONLY);

	pin(1);
	kernel_tid = tu_gettid();
	while (!stop) {
		while (phase != 2 && !stop)
			usleep(50000);
		while (phase == 2 && fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
			counter++;
	}
	return arg;
}

static void *sleep_main(void *arg)
{
	sleep_tid = tu_gettid();
	while (!stop)
		pause();
	return arg;
}

/* The record's parts as a tool finds them (lib/kernel/catch.c, lib/kernel/snapshot.c). */
struct parts {
	const struct kstack_snap_thread *r;
	const uint64_t *frames;
	const struct kstack_snap_tail *tail;
	const struct kstack_snap_catch *k;	/* NULL: none */
	const uint8_t *stack;
};

/* NULL if the record does not add up. */
static const char *parse(const struct kstack_catch_running *c, struct parts *p)
{
	const struct kstack_snap_thread *r = (const void *)rec;
	size_t data, after;

	memset(p, 0, sizeof(*p));
	if (c->rec_size < sizeof(*r) || c->rec_size % 8 || r->rec_size != c->rec_size)
		return "rec_size";
	if (!(r->flags & KSTACK_SNAP_F_TAIL))
		return "no tail";
	data = (size_t)r->nr_frames * 8;
	if (data + sizeof(*r) + sizeof(*p->tail) > r->rec_size)
		return "frames overrun";
	after = r->rec_size - sizeof(*r) - data;
	p->r = r;
	p->frames = (const uint64_t *)(r + 1);
	p->tail = (const void *)(rec + r->rec_size - sizeof(*p->tail));
	if (!(r->flags & KSTACK_SNAP_F_CATCH))
		return NULL;
	if (p->tail->nr_ret_fixups || after < sizeof(*p->tail) + sizeof(*p->k))
		return "catch overruns";
	p->k = (const struct kstack_snap_catch *)p->tail - 1;
	if ((p->k->stack_len + 7u) / 8 * 8 > after - sizeof(*p->tail) - sizeof(*p->k))
		return "stack bytes overrun";
	if (p->k->stack_len)
		p->stack = (const uint8_t *)p->k - (p->k->stack_len + 7u) / 8 * 8;
	return NULL;
}

/* Does any of n frames name a function in names (SYMBOLIZE)? */
static int frames_name(int fd, const uint64_t *f, uint32_t n, const char *want)
{
	static char names[KSTACK_FRAMES_MAX][KSTACK_SYM_LEN];
	struct kstack_symbolize s;
	uint32_t i;
	size_t wl = strlen(want);

	TU_HDR(s);
	s.addrs = (uintptr_t)f;
	s.names = (uintptr_t)names;
	s.nr = n;
	s.flags = KSTACK_SYM_RETADDR;
	if (!n || ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &s))
		return 0;
	for (i = 0; i < n; i++)
		if (!strncmp(names[i], want, wl) && names[i][wl] == '+')
			return 1;
	return 0;
}

static void check_user(int fd)
{
	struct kstack_catch_running c;
	struct parts p;
	int i, caught = 0, in_fn = 0, bytes_same = 0, layout_bad = 0, err = 0;
	const char *why = NULL;

	for (i = 0; i < TRIES; i++) {
		if (tu_catch(fd, user_tid, rec, sizeof(rec), 64, 64 << 10, &c)) {
			err = errno;
			break;
		}
		why = parse(&c, &p);
		if (why) {
			layout_bad++;
			continue;
		}
		if (c.how != KSTACK_CATCH_USER)
			continue;
		caught++;
		if (!p.k || p.k->how != KSTACK_CATCH_USER || (p.r->flags & KSTACK_SNAP_F_RUNNING) ||
		    !(p.r->flags & KSTACK_SNAP_F_USER_REGS) || p.r->nr_frames ||
		    p.tail->end != KSTACK_END_USER || p.tail->user.ip != p.k->ip ||
		    p.tail->user.sp != p.k->stack_start || p.r->ip != p.k->ip || !p.k->stack_len ||
		    p.k->cpu >= 64 || c.tries < 1 || c.tries > 2 || p.r->state != 0) {
			layout_bad++;
			why = "fields";
			continue;
		}
		in_fn += p.k->ip >= (uintptr_t)spin_user && p.k->ip < (uintptr_t)spin_user + 64;
		/* the frames above sp do not change while it spins: the copy is the memory */
		if (p.k->stack_len >= 256 &&
		    !memcmp(p.stack, (const void *)(uintptr_t)p.k->stack_start, 256))
			bytes_same++;
	}
	printf("catch: user spinner: %d of %d caught in user mode\n", caught, TRIES);
	tu_result(!err && caught >= TRIES / 2 && !layout_bad,
		  "catch: a thread spinning in user code caught in user mode, records whole",
		  "errno %d, %d of %d caught in user mode, %d records bad (%s)", err, caught, TRIES,
		  layout_bad, why ? why : "-");
	tu_result(caught && in_fn == caught,
		  "catch: the interrupted ip is inside the function it spins in",
		  "%d of %d inside spin_user", in_fn, caught);
	tu_result(caught && bytes_same == caught,
		  "catch: the user stack bytes copied are the thread's stack from its sp",
		  "%d of %d equal", bytes_same, caught);
}

static void check_kernel(int fd)
{
	struct kstack_catch_running c;
	struct parts p;
	int i, caught = 0, named = 0, regs_ok = 0, first_ok = 0, layout_bad = 0, err = 0;
	const char *why = NULL;

	for (i = 0; i < TRIES; i++) {
		if (tu_catch(fd, kernel_tid, rec, sizeof(rec), 64, 4096, &c)) {
			err = errno;
			break;
		}
		why = parse(&c, &p);
		if (why) {
			layout_bad++;
			continue;
		}
		if (c.how != KSTACK_CATCH_KERNEL)
			continue;
		caught++;
		if (!p.k || p.k->how != KSTACK_CATCH_KERNEL || p.r->nr_frames < 3 ||
		    !(p.r->flags & KSTACK_SNAP_F_KERNEL_UNWINDER) || p.k->ip < 0xffff800000000000ull) {
			layout_bad++;
			why = "fields";
			continue;
		}
		first_ok += p.frames[0] == p.k->ip && p.r->ip == p.k->ip;
		if (frames_name(fd, p.frames, p.r->nr_frames, "vfs_read") &&
		    frames_name(fd, p.frames, p.r->nr_frames, "ksys_read") &&
		    (frames_name(fd, p.frames, p.r->nr_frames, "read_zero") ||
		     frames_name(fd, p.frames, p.r->nr_frames, "read_iter_zero")))
			named++;
		/* its user registers: as it entered read() */
		if ((p.r->flags & KSTACK_SNAP_F_USER_REGS) && p.tail->end == KSTACK_END_USER &&
		    p.tail->user.orig_ax == SYS_read && p.k->stack_len && p.k->stack_len <= 4096 &&
		    p.k->stack_start == p.tail->user.sp)
			regs_ok++;
	}
	printf("catch: kernel spinner: %d of %d caught in kernel mode\n", caught, TRIES);
	tu_result(!err && caught >= 1 && !layout_bad,
		  "catch: a thread busy in the kernel caught in kernel mode, records whole",
		  "errno %d, %d of %d caught in kernel mode, %d records bad (%s)", err, caught, TRIES,
		  layout_bad, why ? why : "-");
	tu_result(caught && first_ok == caught,
		  "catch: kernel mode: the first frame is the interrupted ip",
		  "%d of %d", first_ok, caught);
	/*
	 * 9 in 10 at least: the interrupt can also land on the syscall's
	 * entry or return (the spinner calls read() in a loop), where the
	 * thread is in kernel mode but no longer inside vfs_read
	 */
	tu_result(caught && named * 10 >= caught * 9,
		  "catch: kernel mode: frames read_zero, vfs_read, ksys_read (SYMBOLIZE)",
		  "%d of %d named so", named, caught);
	tu_result(caught && regs_ok == caught,
		  "catch: kernel mode: user registers of its read() entry, its user stack copied",
		  "%d of %d", regs_ok, caught);
}

static void check_others(int fd)
{
	struct kstack_catch_running c;
	struct kstack_snapshot s;
	const struct kstack_snap_thread *sr;
	struct parts p;
	static char snap[1 << 20];
	int r;

	/* asleep, no copy asked: the record SNAPSHOT gives, no catch */
	r = tu_catch(fd, sleep_tid, rec, sizeof(rec), KSTACK_FRAMES_MAX, 0, &c);
	tu_result(!r && !parse(&c, &p) && c.how == KSTACK_CATCH_ASLEEP && c.tries == 0 && !p.k &&
		  !(p.r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_CATCH)) &&
		  p.r->nr_frames >= 3 && p.tail->end == KSTACK_END_USER,
		  "catch: a sleeping thread is taken as SNAPSHOT takes it (ASLEEP, no call sent)",
		  "ret %d errno %d how %u tries %u", r, errno, c.how, c.tries);
	r = tu_snap(fd, getpid(), KSTACK_SNAP_FRAMES_KERNEL, snap, sizeof(snap), &s);
	if (!r && tu_snap_records(snap, &s, sleep_tid, &sr) > 0 && sr && p.r)
		tu_result(sr->nr_frames == p.r->nr_frames &&
			  !memcmp(sr + 1, p.frames, 8ul * sr->nr_frames),
			  "catch: ASLEEP frames equal SNAPSHOT's (the kernel's unwinder)",
			  "%u frames vs %u", p.r->nr_frames, sr->nr_frames);
	/* asleep, with its user stack: copied while it stays asleep, with its registers */
	r = tu_catch(fd, sleep_tid, rec, sizeof(rec), KSTACK_FRAMES_MAX, 4096, &c);
	tu_result(!r && !parse(&c, &p) && c.how == KSTACK_CATCH_ASLEEP && p.k &&
		  p.k->how == KSTACK_CATCH_ASLEEP && p.k->stack_len &&
		  p.k->stack_start == p.tail->user.sp && p.tail->end == KSTACK_END_USER &&
		  !memcmp(p.stack, (const void *)(uintptr_t)p.k->stack_start, p.k->stack_len),
		  "catch: a sleeping thread's user stack is copied with its registers (ASLEEP, F_CATCH)",
		  "ret %d errno %d how %u stack_len %u", r, errno, c.how, p.k ? p.k->stack_len : 0);
	/* this thread: it runs the request */
	r = tu_catch(fd, tu_gettid(), rec, sizeof(rec), 8, 4096, &c);
	tu_result(!r && !parse(&c, &p) && c.how == KSTACK_CATCH_SELF && c.tries == 0 && p.k &&
		  p.k->how == KSTACK_CATCH_SELF && (p.r->flags & KSTACK_SNAP_F_RUNNING) &&
		  !p.r->nr_frames && p.tail->end == KSTACK_END_RUNNING,
		  "catch: the caller's own thread is SELF (RUNNING, no frames, no call sent)",
		  "ret %d errno %d how %u tries %u", r, errno, c.how, c.tries);
	/* stack_bytes 0: caught with no copy */
	r = tu_catch(fd, user_tid, rec, sizeof(rec), 8, 0, &c);
	tu_result(!r && !parse(&c, &p) && (c.how != KSTACK_CATCH_USER || (p.k && !p.k->stack_len)),
		  "catch: stack_bytes 0 copies no user stack", "ret %d how %u", r, c.how);
}

static void check_refusals(int fd)
{
	struct kstack_catch_running c;
	char *edge;
	int r, e;

#define REFUSED(name, want, call) do { r = (call); e = errno; \
		tu_result(r < 0 && e == (want), "catch: " name, "ret %d errno %d (%s)", r, e, \
			  strerror(e)); } while (0)
	REFUSED("max_frames 0 -> EINVAL", EINVAL, tu_catch(fd, user_tid, rec, sizeof(rec), 0, 0, &c));
	REFUSED("max_frames over KSTACK_FRAMES_MAX -> EINVAL", EINVAL,
		tu_catch(fd, user_tid, rec, sizeof(rec), KSTACK_FRAMES_MAX + 1, 0, &c));
	REFUSED("stack_bytes over KSTACK_CATCH_STACK_MAX -> EINVAL", EINVAL,
		tu_catch(fd, user_tid, rec, sizeof(rec), 8, KSTACK_CATCH_STACK_MAX + 1, &c));
	TU_HDR(c);
	c.tid = user_tid;
	c.record = (uintptr_t)rec;
	c.record_size = sizeof(rec);
	c.max_frames = 8;
	c.flags = 1;
	REFUSED("unknown flags -> EINVAL", EINVAL, ioctl(fd, KSTACK_IOCTL_CATCH_RUNNING, &c));
	c.flags = 0;
	c.reserved = 1;
	REFUSED("reserved not 0 -> EINVAL", EINVAL, ioctl(fd, KSTACK_IOCTL_CATCH_RUNNING, &c));
	c.reserved = 0;
	c.hdr.size = sizeof(c) - 8;
	REFUSED("a short request -> EINVAL", EINVAL, ioctl(fd, KSTACK_IOCTL_CATCH_RUNNING, &c));
	REFUSED("no such thread -> ESRCH", ESRCH, tu_catch(fd, 999999, rec, sizeof(rec), 8, 0, &c));
	r = tu_catch(fd, user_tid, rec, 64, 8, 4096, &c);
	e = errno;
	tu_result(r < 0 && e == ENOSPC && c.rec_size > 64 && c.rec_size % 8 == 0,
		  "catch: a record buffer too small -> ENOSPC with the bytes needed",
		  "ret %d errno %d rec_size %u", r, e, c.rec_size);
	edge = tu_edge_alloc(64, 0);
	REFUSED("a record buffer that ends at an unmapped page -> EFAULT", EFAULT,
		edge ? tu_catch(fd, kernel_tid, edge, 4096, 64, 4096, &c) : -1);
	if (edge)
		tu_edge_free(edge, 64, 0);
#undef REFUSED
}

int main(void)
{
	struct kstack_version v;
	pthread_t th[3];
	int fd = tu_open();

	setvbuf(stdout, NULL, _IOLBF, 0);
	TU_HDR(v);
	if (fd < 0 || ioctl(fd, KSTACK_IOCTL_VERSION, &v)) {
		tu_result(0, "catch: open and VERSION", "errno %d", errno);
		return 1;
	}
	tu_result(v.caps & KSTACK_CAP_CATCH_RUNNING, "catch: VERSION says CATCH_RUNNING",
		  "caps %#x", v.caps);
	if (pthread_create(&th[0], NULL, user_main, NULL) ||
	    pthread_create(&th[1], NULL, kernel_main, NULL) ||
	    pthread_create(&th[2], NULL, sleep_main, NULL))
		return 1;
	while (!user_tid || !kernel_tid || !sleep_tid)
		usleep(1000);
	pin(0);
	phase = 1;
	usleep(300000);
	check_user(fd);
	phase = 2;
	usleep(300000);
	check_kernel(fd);
	phase = 1;
	usleep(100000);
	check_others(fd);
	check_refusals(fd);
	phase = 0;
	stop = 1;
	close(fd);
	return tu_failures ? 1 : 0;
}
