// SPDX-License-Identifier: GPL-2.0
/*
 * An address space shared by several processes (vfork children, CLONE_VM)
 * is read once per snapshot, not once per process: the user half of this
 * process and of CLONE_VM children of it (each a process of its own in our
 * address space) taken from one SNAPSHOT whose records name the same mm.
 * A fake driver (ioctl wrapped at link time) answers the check SNAPSHOT
 * each process gets; open() is wrapped to count reads of /proc/PID/maps.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "fake_driver.h"
#include "user_half.h"

#define KIDS 3
#define MM_SHARED 0x5eed0001ull
#define MM_OTHER 0x5eed0002ull

static size_t maps_opened;
static pid_t kids[KIDS];
static int block_pipe[2];
static struct kstack_user_regs regs;	/* every record's: a word of our stack */

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

int __wrap_open(const char *path, int flags, ...)
{
	size_t len = strlen(path);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (len > 5 && !strcmp(path + len - 5, "/maps"))
		maps_opened++;
	return __real_open(path, flags, mode);
}

/* One FRAMES record with a tail for (tgid, tid) at buf; its size. */
static size_t put_record(uint8_t *buf, uint64_t tgid, uint64_t tid, uint64_t mm_id)
{
	size_t need = sizeof(struct kstack_snap_thread) + 8 + sizeof(struct kstack_snap_tail);
	struct kstack_snap_thread *r = (void *)buf;
	struct kstack_snap_tail *t = (void *)(buf + need - sizeof(*t));

	memset(buf, 0, need);
	r->rec_size = (uint32_t)need;
	r->flags = KSTACK_SNAP_F_TAIL | KSTACK_SNAP_F_USER_REGS;
	r->tid = tid;
	r->tgid = tgid;
	r->state = 1;
	r->nr_frames = 1;
	r->nvcsw_before = r->nvcsw_after = 7;
	strcpy(r->comm, "mm");
	*(uint64_t *)(r + 1) = 0xffffffff81000100ull;
	t->end = KSTACK_END_USER;
	t->mm_id = mm_id;
	t->user = regs;
	return need;
}

/* The check SNAPSHOT of one process: its one thread, counts unmoved. */
static int fake_snapshot(struct kstack_snapshot *q)
{
	size_t len = put_record((uint8_t *)(uintptr_t)q->buffer, q->pid, q->pid, MM_SHARED);

	q->nr_threads = 1;
	q->nr_skipped = 0;
	q->bytes_used = q->bytes_needed = len;
	return 0;
}

/* A CLONE_VM child: blocks on the pipe, in our address space, until killed. */
static int kid_main(void *arg)
{
	char c;

	(void)arg;
	for (;;)
		syscall(SYS_read, block_pipe[0], &c, 1);
	return 0;
}

static void user_half_shared_mm(void **state)
{
	static uint8_t stacks[KIDS][64 << 10] __attribute__((aligned(16)));
	static uint8_t buf[16 << 10];
	struct ks_driver drv = { 0 };
	struct ks_snapshot snap = { 0 };
	struct ks_user_half h;
	size_t off = 0, at[KIDS + 2], i, opened_before;
	uint64_t here = (uint64_t)(uintptr_t)&off;

	(void)state;
	assert_int_equal(pipe(block_pipe), 0);
	for (i = 0; i < KIDS; i++) {
		kids[i] = clone(kid_main, stacks[i] + sizeof(stacks[i]), CLONE_VM | SIGCHLD, NULL);
		assert_true(kids[i] > 0);
	}
	/* registers that point into our stack and code: a walk to take, whatever it finds */
	regs.ip = (uint64_t)(uintptr_t)user_half_shared_mm;
	regs.sp = here & ~7ull;
	regs.cs = 0x33;
	/* us, the children sharing our mm, then a process with an mm of its own (our parent's) */
	at[0] = off;
	off += put_record(buf + off, (uint64_t)getpid(), (uint64_t)getpid(), MM_SHARED);
	for (i = 0; i < KIDS; i++) {
		at[i + 1] = off;
		off += put_record(buf + off, (uint64_t)kids[i], (uint64_t)kids[i], MM_SHARED);
	}
	at[KIDS + 1] = off;
	off += put_record(buf + off, (uint64_t)getppid(), (uint64_t)getppid(), MM_OTHER);
	snap = (struct ks_snapshot){ .buf = buf, .cap = sizeof(buf), .used = off, .nr = KIDS + 2,
				     .tails = true, .seq = 424242 };
	fake_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fake_fd >= 0);
	drv.fd = fake_fd;
	drv.version.caps = KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SNAP_TAIL | KSTACK_CAP_SNAP_MM_ID;

	ks_user_half_init(&h, 0, 16, 16);
	opened_before = maps_opened;
	for (i = 0; i < KIDS + 1; i++) {
		const struct ks_user_walk *w;
		const struct kstack_snap_thread *rec;
		const struct ks_user_half_proc *hp;
		uint64_t pid = i ? (uint64_t)kids[i - 1] : (uint64_t)getpid();

		assert_no_error(ks_user_half_take_proc(&h, &drv, &snap, at[i]));
		assert_non_null(ks_user_half_find(&h, pid, pid, &w, &rec, &hp));
		assert_null(hp->err);
		assert_non_null(w);
		assert_true(w->nr >= 1);	/* at least the ip's frame */
		assert_int_equal(w->frames[0].pc, regs.ip);
	}
	/* one address space, read once, lent to the three others */
	assert_int_equal(maps_opened - opened_before, 1);
	assert_int_equal(h.mms.maps_read, 1);
	assert_int_equal(h.mms.maps_lent, KIDS);
	/* a process of its own mm reads its own maps */
	ks_user_half_take_proc(&h, &drv, &snap, at[KIDS + 1]);
	assert_int_equal(maps_opened - opened_before, 2);
	ks_user_half_fini(&h);

	for (i = 0; i < KIDS; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	close(fake_fd);
	close(block_pipe[0]);
	close(block_pipe[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_half_shared_mm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
