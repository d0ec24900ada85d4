// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds it (lib/waitfor.h, lib/waitgraph.h): the futex call read from
 * the user registers, the object told from the frames and the layout, the
 * owner read beside the word (on a fake process's memory); the kernel wait
 * site from the frames; /proc/locks; the line; the wait-for graph's cycles.
 */
#include <errno.h>
#include <linux/futex.h>

#include "helpers.h"
#include "waitfor.h"
#include "waitgraph.h"

/* A fake process: mem.len bytes at mem.base; reads outside fault. */
struct fake_mem {
	uint64_t base;
	uint8_t bytes[256];
	size_t len;
	int err;		/* every read fails with it */
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_mem *m = ctx;

	if (m->err)
		return m->err;
	if (addr < m->base || addr + len > m->base + m->len)
		return EFAULT;
	memcpy(buf, m->bytes + (addr - m->base), len);
	return 0;
}

static void put32(struct fake_mem *m, uint64_t addr, uint32_t v)
{
	memcpy(m->bytes + (addr - m->base), &v, 4);
}

#define BASE 0x7f0000001000ull

static const char *const mutex_frames[] = {
	"libc.so.6!__lll_lock_wait+0x38/0x80",
	"libc.so.6!___pthread_mutex_lock+0x87/0x100",
	"prog!worker+0x1a/0x40",
};

static const char *const cond_frames[] = {
	"libc.so.6!__futex_abstimed_wait_common+0x6c/0xe0",
	"libc.so.6!__pthread_cond_wait_common+0x130/0x4a0",
	"prog!worker+0x1a/0x40",
};

static const char *const wrlock_frames[] = {
	"libc.so.6!__futex_abstimed_wait_common+0x6c/0xe0",
	"libc.so.6!__pthread_rwlock_wrlock_full64+0x1c0/0x2a0",
	"prog!worker+0x1a/0x40",
};

static const char *const rdlock_frames32[] = {
	"[vdso]!__kernel_vsyscall+0x9/0x10",
	"prog!__futex_abstimed_wait_common+0x9c/0x120",
	"prog!__pthread_rwlock_rdlock_full64+0x1f0/0x3b0",
};

static const char *const own_frames[] = {
	"libc.so.6!syscall+0x1d/0x30",
	"prog!my_pthread_mutex_lock_wrapper+0x10/0x40",
};

static struct ks_futex_call call(uint64_t uaddr, uint32_t op, bool compat)
{
	struct ks_futex_call c = { .uaddr = uaddr, .op = op, .compat = compat };

	return c;
}

static void futex_call_from_registers(void **state)
{
	struct kstack_user_regs r = { 0 };
	struct ks_futex_call c;

	(void)state;
	r.orig_ax = 202;
	r.di = BASE;
	r.si = FUTEX_WAIT_PRIVATE;
	r.cs = 0x33;
	assert_true(ks_futex_call_of(&r, &c));
	assert_int_equal(c.uaddr, BASE);
	assert_int_equal(c.op, FUTEX_WAIT);
	assert_false(c.compat);
	assert_false(c.shared);
	/* i386: int 0x80 order, futex_time64 too */
	memset(&r, 0, sizeof(r));
	r.cs = 0x23;
	r.orig_ax = 422;
	r.bx = 0x8049000;
	r.cx = FUTEX_LOCK_PI;
	assert_true(ks_futex_call_of(&r, &c));
	assert_int_equal(c.uaddr, 0x8049000);
	assert_int_equal(c.op, FUTEX_LOCK_PI);
	assert_true(c.compat);
	assert_true(c.shared);
	r.orig_ax = 202;	/* x86_64's futex is not i386's */
	assert_false(ks_futex_call_of(&r, &c));
	r.cs = 0x33;
	r.orig_ax = 0;		/* read(2) */
	assert_false(ks_futex_call_of(&r, &c));
	assert_false(ks_waitfor_user_wanted(NULL, NULL, &r));
}

static void mutex_owner_beside_the_word(void **state)
{
	struct fake_mem m = { .base = BASE, .len = 64 };
	struct ks_futex_call c = call(BASE + 16, FUTEX_WAIT, false);
	struct ks_wait w = { 0 };

	(void)state;
	put32(&m, BASE + 16, 2);	/* __lock: contended */
	put32(&m, BASE + 24, 4242);	/* __owner */
	put32(&m, BASE + 32, 0);	/* __kind: normal */
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_MUTEX);
	assert_int_equal(w.addr, BASE + 16);
	assert_int_equal(w.why, KS_WHY_HELD);
	assert_int_equal(w.tid, 4242);
	assert_false(w.flags & KS_WAIT_F_SHARED);
	/* process-shared */
	put32(&m, BASE + 32, 128);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_MUTEX);
	assert_true(w.flags & KS_WAIT_F_SHARED);
	/* taken, owner not yet stored */
	put32(&m, BASE + 24, 0);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_MUTEX);
	assert_int_equal(w.why, KS_WHY_NO_OWNER);
	/* a robust owner died */
	put32(&m, BASE + 24, 0x7fffffff);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.why, KS_WHY_OWNER_DIED);
}

static void mutex_layout_must_hold(void **state)
{
	struct fake_mem m = { .base = BASE, .len = 64 };
	struct ks_futex_call c = call(BASE, FUTEX_WAIT, false);
	struct ks_wait w = { 0 };

	(void)state;
	put32(&m, BASE, 2);
	put32(&m, BASE + 8, 77);
	put32(&m, BASE + 16, 0x12345);	/* no kind glibc has */
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	assert_int_equal(w.why, KS_WHY_NO_OWNER);
	assert_int_equal(w.addr, BASE);
	/* a lock word no normal mutex has */
	put32(&m, BASE + 16, 0);
	put32(&m, BASE, 7);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	/* right layout, frames of someone else's futex: not a pthread mutex */
	put32(&m, BASE, 2);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, own_frames, 2, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	assert_int_equal(w.why, KS_WHY_NO_OWNER);
	/* no frames at all */
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, NULL, 0, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	assert_int_equal(w.why, KS_WHY_NO_FRAMES);
	/* unreadable */
	m.err = EPERM;
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	assert_int_equal(w.why, KS_WHY_UNREADABLE);
}

static void mutex_i386_and_robust(void **state)
{
	struct fake_mem m = { .base = 0x8049000, .len = 64 };
	struct ks_futex_call c = call(0x8049000, FUTEX_WAIT, true);
	struct ks_wait w = { 0 };

	(void)state;
	put32(&m, 0x8049000, 2);
	put32(&m, 0x8049008, 31);	/* __owner */
	put32(&m, 0x804900c, 1);	/* __kind @12 on i386: recursive */
	put32(&m, 0x8049010, 1);	/* __nusers */
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_MUTEX);
	assert_int_equal(w.tid, 31);
	/* robust: the word holds the owner */
	c.compat = false;
	memset(m.bytes, 0, sizeof(m.bytes));
	put32(&m, 0x8049000, 0x80000000u | 555);
	put32(&m, 0x8049008, 555);
	put32(&m, 0x8049010, 16);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, mutex_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_MUTEX);
	assert_int_equal(w.why, KS_WHY_HELD);
	assert_int_equal(w.tid, 555);
}

static void pi_futex_owner_in_the_word(void **state)
{
	struct fake_mem m = { .base = BASE, .len = 64 };
	struct ks_futex_call c = call(BASE + 4, FUTEX_LOCK_PI, false);
	struct ks_wait w = { 0 };

	(void)state;
	put32(&m, BASE + 4, FUTEX_WAITERS | 1001);
	ks_wait_futex(&c, NULL, 0, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PI_FUTEX);
	assert_int_equal(w.why, KS_WHY_HELD);
	assert_int_equal(w.tid, 1001);
	put32(&m, BASE + 4, FUTEX_WAITERS | FUTEX_OWNER_DIED);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, NULL, 0, fake_read, &m, &w);
	assert_int_equal(w.why, KS_WHY_OWNER_DIED);
	/* not a wait at all */
	c.op = FUTEX_WAKE;
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, NULL, 0, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_NONE);
}

static void rwlock_writer_and_readers(void **state)
{
	struct fake_mem m = { .base = BASE, .len = 128 };
	struct ks_futex_call c = call(BASE + 12, FUTEX_WAIT, false);
	struct ks_wait w = { 0 };

	(void)state;
	/* x86_64: __readers WRLOCKED|WRPHASE, __cur_writer @24 */
	put32(&m, BASE, 3);
	put32(&m, BASE + 12, 3);
	put32(&m, BASE + 24, 808);
	ks_wait_futex(&c, wrlock_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_RWLOCK);
	assert_int_equal(w.addr, BASE);
	assert_int_equal(w.tid, 808);
	assert_true(w.flags & KS_WAIT_F_WRITE);
	/* read-held: two readers, no writer */
	put32(&m, BASE, 2 << 3);
	put32(&m, BASE + 24, 0);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, wrlock_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_RWLOCK);
	assert_int_equal(w.why, KS_WHY_READERS);
	/* a pad that is not zero: not a rwlock */
	put32(&m, BASE + 16, 1);
	put32(&m, BASE + 20, 1);
	memset(&w, 0, sizeof(w));
	ks_wait_futex(&c, wrlock_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	assert_int_equal(w.addr, BASE + 12);
}

static void rwlock_i386_reader(void **state)
{
	struct fake_mem m = { .base = 0x8049000, .len = 64 };
	/* a reader sleeps on __wrphase_futex (@8) */
	struct ks_futex_call c = call(0x8049008, FUTEX_WAIT, true);
	struct ks_wait w = { 0 };

	(void)state;
	put32(&m, 0x8049000, 3);
	put32(&m, 0x8049008, 3);
	put32(&m, 0x804901c, 99);	/* __cur_writer @28 on i386 */
	ks_wait_futex(&c, rdlock_frames32, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_PTHREAD_RWLOCK);
	assert_int_equal(w.addr, 0x8049000);
	assert_int_equal(w.tid, 99);
	assert_false(w.flags & KS_WAIT_F_WRITE);
}

static void condvar_has_no_owner(void **state)
{
	struct fake_mem m = { .base = BASE, .len = 64 };
	struct ks_futex_call c = call(BASE + 8, FUTEX_WAIT_BITSET, false);
	struct ks_wait w = { 0 };
	char line[KS_WAIT_LINE_LEN];

	(void)state;
	ks_wait_futex(&c, cond_frames, 3, fake_read, &m, &w);
	assert_int_equal(w.kind, KS_WAIT_FUTEX);
	assert_int_equal(w.why, KS_WHY_NO_OWNER);
	assert_string_equal(ks_wait_line(&w, line, sizeof(line)),
			    "waiting for futex at 0x7f0000001008, holder unknown (no owner recorded)");
}

static void the_line(void **state)
{
	struct ks_wait w = { .kind = KS_WAIT_PTHREAD_MUTEX, .why = KS_WHY_HELD, .addr = 0x4c14c0,
			     .tid = 101, .comm = "work\ner" };
	char line[KS_WAIT_LINE_LEN];

	(void)state;
	assert_string_equal(ks_wait_line(&w, line, sizeof(line)),
			    "waiting for pthread_mutex at 0x4c14c0, held by 101 work\\ner");
	w.kind = KS_WAIT_RWSEM;
	w.why = KS_WHY_READERS;
	assert_string_equal(ks_wait_line(&w, line, sizeof(line)),
			    "waiting for rwsem at 0x4c14c0, holder unknown (held by readers)");
	w.kind = KS_WAIT_SEMAPHORE;
	w.why = KS_WHY_SEM;
	assert_string_equal(ks_wait_line(&w, line, sizeof(line)),
			    "waiting for semaphore at 0x4c14c0, holder unknown (a semaphore has no owner)");
	w.kind = KS_WAIT_NONE;
	assert_string_equal(ks_wait_line(&w, line, sizeof(line)), "");
}

static void kernel_wait_sites(void **state)
{
	static const char *const mutex[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!schedule+0x5a/0xd0",
		"vmlinux!schedule_preempt_disabled+0x11/0x20",
		"vmlinux!__mutex_lock.constprop.0+0x399/0x700", "vmlinux!pipe_write+0x3b/0x6a0",
	};
	static const char *const rwsem[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!schedule+0x5a/0xd0",
		"vmlinux!rwsem_down_write_slowpath+0x2c1/0x690",
		"vmlinux!generic_file_write_iter+0x41/0xd0",
	};
	static const char *const fault[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!schedule+0x5a/0xd0",
		"vmlinux!handle_userfault+0x2b4/0x4b0", "vmlinux!handle_mm_fault+0xed/0x2d0",
		"vmlinux!exc_page_fault+0x77/0x170", "vmlinux!asm_exc_page_fault+0x22/0x30",
		"vmlinux!fault_in_readable+0x5e/0xb0", "vmlinux!generic_perform_write+0x8d/0x1f0",
		"vmlinux!__mutex_lock.constprop.0+0x399/0x700",
	};
	static const char *const futex[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!schedule+0x5a/0xd0",
		"vmlinux!futex_wait_queue+0x60/0x90", "vmlinux!futex_wait+0x185/0x260",
		"vmlinux!do_futex+0x106/0x1b0",
	};
	static const char *const flock[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!schedule+0x5a/0xd0",
		"vmlinux!locks_lock_inode_wait+0x12e/0x190", "vmlinux!__do_sys_flock+0x137/0x1c0",
	};
	static const char *const sem[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!schedule_timeout+0x88/0x150",
		"vmlinux!__down_common+0x10c/0x210", "vmlinux!down+0x47/0x60",
	};
	static const char *const sleep[] = {
		"vmlinux!__schedule+0x34d/0xa00", "vmlinux!do_nanosleep+0x7b/0x140",
		"vmlinux!__down_write_common_not_a_sem+0x1/0x2",
	};

	(void)state;
	assert_int_equal(ks_wait_site_of(mutex, 5), KS_SITE_MUTEX);
	assert_int_equal(ks_wait_site_of(rwsem, 4), KS_SITE_RWSEM_WRITE);
	assert_int_equal(ks_wait_site_of(fault, 9), KS_SITE_NONE);
	assert_int_equal(ks_wait_site_of(futex, 5), KS_SITE_FUTEX);
	assert_int_equal(ks_wait_site_of(flock, 4), KS_SITE_FILE_LOCK);
	assert_int_equal(ks_wait_site_of(sem, 4), KS_SITE_SEMAPHORE);
	assert_int_equal(ks_wait_site_of(sleep, 3), KS_SITE_NONE);
}

static void proc_locks_blockers(void **state)
{
	static const char text[] =
		"1: FLOCK  ADVISORY  WRITE 120 00:1a:4242 0 EOF\n"
		"1: -> FLOCK  ADVISORY  WRITE 121 00:1a:4242 0 EOF\n"
		"1:  -> FLOCK  ADVISORY  WRITE 122 00:1a:4242 0 EOF\n"
		"2: POSIX  ADVISORY  WRITE 130 08:01:77 0 EOF\n"
		"2: -> POSIX  ADVISORY  WRITE 131 08:01:77 0 9\n"
		"3: OFDLCK ADVISORY  WRITE -1 08:01:78 0 EOF\n"
		"3: -> OFDLCK ADVISORY  WRITE -1 08:01:78 0 EOF\n";
	struct ks_wait w = { 0 };

	(void)state;
	assert_true(ks_wait_proc_locks(text, 121, 0, 0x1a, 4242, true, &w));
	assert_int_equal(w.kind, KS_WAIT_FLOCK);
	assert_int_equal(w.why, KS_WHY_HELD);
	assert_int_equal(w.tid, 120);
	assert_true(w.flags & KS_WAIT_F_PROCESS);
	/* one level deeper: blocked by the waiter above it */
	memset(&w, 0, sizeof(w));
	assert_true(ks_wait_proc_locks(text, 122, 0, 0x1a, 4242, true, &w));
	assert_int_equal(w.tid, 121);
	memset(&w, 0, sizeof(w));
	assert_true(ks_wait_proc_locks(text, 131, 8, 1, 77, false, &w));
	assert_int_equal(w.kind, KS_WAIT_POSIX_LOCK);
	assert_int_equal(w.tid, 130);
	memset(&w, 0, sizeof(w));
	assert_true(ks_wait_proc_locks(text, 500, 8, 1, 78, false, &w));
	assert_int_equal(w.why, KS_WHY_OFD);
	/* another file, another process, a holder's own line */
	assert_false(ks_wait_proc_locks(text, 121, 8, 1, 77, true, &w));
	assert_false(ks_wait_proc_locks(text, 999, 0, 0x1a, 4242, true, &w));
	assert_false(ks_wait_proc_locks(text, 120, 0, 0x1a, 4242, true, &w));
}

static struct ks_wait held(uint64_t tid)
{
	struct ks_wait w = { .kind = KS_WAIT_PTHREAD_MUTEX, .why = KS_WHY_HELD, .tid = tid };

	return w;
}

static void graph_cycles(void **state)
{
	struct ks_waitgraph g;
	struct ks_wait w;

	(void)state;
	ks_waitgraph_init(&g);
	/* 30 -> 20 -> 10 -> 30; 40 -> 20 (into the cycle, not of it); 50 -> 50 */
	w = held(20);
	assert_null(ks_waitgraph_add(&g, 30, 1, 0, 0, &w));
	w = held(10);
	assert_null(ks_waitgraph_add(&g, 20, 1, 0, 0, &w));
	w = held(30);
	assert_null(ks_waitgraph_add(&g, 10, 1, 0, 0, &w));
	w = held(20);
	assert_null(ks_waitgraph_add(&g, 40, 1, 0, 0, &w));
	w = held(50);
	assert_null(ks_waitgraph_add(&g, 50, 2, 0, 0, &w));
	/* 60 -> 70, 70 waits for nothing; 80 -> 90 that ran: no edge */
	w = held(70);
	assert_null(ks_waitgraph_add(&g, 60, 3, 0, 0, &w));
	assert_null(ks_waitgraph_add(&g, 70, 3, 0, 0, NULL));
	w = held(80);
	assert_null(ks_waitgraph_add(&g, 90, 4, 0, 0, &w));
	w = held(90);
	w.flags |= KS_WAIT_F_RAN;
	assert_null(ks_waitgraph_add(&g, 80, 4, 0, 0, &w));
	assert_null(ks_waitgraph_cycles(&g));
	assert_int_equal(g.ncycles, 2);
	assert_int_equal(g.ran, 1);
	/* smallest tid first, in wait-for order: 10 -> 30 -> 20 */
	assert_int_equal(g.cycles[0].n, 3);
	assert_int_equal(g.v[g.cycles[0].v[0]].tid, 10);
	assert_int_equal(g.v[g.cycles[0].v[1]].tid, 30);
	assert_int_equal(g.v[g.cycles[0].v[2]].tid, 20);
	assert_int_equal(g.cycles[1].n, 1);
	assert_int_equal(g.v[g.cycles[1].v[0]].tid, 50);
	ks_waitgraph_drop(&g, 0);
	assert_int_equal(g.ncycles, 1);
	ks_waitgraph_fini(&g);
}

/* A file lock's holder is a process: the edge goes to its waiting thread. */
static void graph_process_holders(void **state)
{
	struct ks_waitgraph g;
	struct ks_wait w = { .kind = KS_WAIT_FLOCK, .why = KS_WHY_HELD,
			     .flags = KS_WAIT_F_PROCESS };

	(void)state;
	ks_waitgraph_init(&g);
	w.tid = 200;			/* thread 101 of process 100 waits for process 200's flock */
	assert_null(ks_waitgraph_add(&g, 100, 100, 0, 0, NULL));
	assert_null(ks_waitgraph_add(&g, 101, 100, 0, 0, &w));
	w.tid = 100;			/* thread 201 of process 200 waits for process 100's */
	assert_null(ks_waitgraph_add(&g, 200, 200, 0, 0, NULL));
	assert_null(ks_waitgraph_add(&g, 201, 200, 0, 0, &w));
	assert_null(ks_waitgraph_cycles(&g));
	assert_int_equal(g.ncycles, 1);
	assert_int_equal(g.v[g.cycles[0].v[0]].tid, 101);
	assert_int_equal(g.v[g.cycles[0].v[1]].tid, 201);
	ks_waitgraph_fini(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(futex_call_from_registers),
		cmocka_unit_test(mutex_owner_beside_the_word),
		cmocka_unit_test(mutex_layout_must_hold),
		cmocka_unit_test(mutex_i386_and_robust),
		cmocka_unit_test(pi_futex_owner_in_the_word),
		cmocka_unit_test(rwlock_writer_and_readers),
		cmocka_unit_test(rwlock_i386_reader),
		cmocka_unit_test(condvar_has_no_owner),
		cmocka_unit_test(the_line),
		cmocka_unit_test(kernel_wait_sites),
		cmocka_unit_test(proc_locks_blockers),
		cmocka_unit_test(graph_cycles),
		cmocka_unit_test(graph_process_holders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
