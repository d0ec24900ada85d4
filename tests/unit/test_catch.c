// SPDX-License-Identifier: GPL-2.0
/*
 * Running threads taken where they run (lib/kernel/catch.c, lib/pipeline.c, cli/running.c, the
 * user half's copy of a caught thread), against a fake driver (ioctl
 * wrapped at link time): its SNAPSHOT of process PID gives a sleeping
 * thread, three running ones and a preempted one (state R); its
 * CATCH_RUNNING catches one in user mode (with stack bytes), finds one
 * gone, copies the preempted one's stack asleep, misses one, and catches
 * one more in kernel mode when asked. Checked: which threads are asked,
 * the snapshot after the records are replaced (order, counts, each
 * record's catch and bytes), the checks of a reply, the listing's lines
 * and exit status, the reports' on-CPU flag, and the user half's copy of
 * a caught thread taken from its record, not from the process.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "helpers.h"
#include "capture.h"
#include "catch.h"
#include "cli.h"
#include "triage.h"
#include "user_half.h"

#define PID 4000
#define IP_K 0xffffffff81000100ull	/* kernel frames */
#define IP_U 0x401234ull		/* where the user-mode one was caught */
#define SP_U 0x7ffc0000ull

static int fake_fd = -1;
static uint64_t asked[16];		/* tids CATCH_RUNNING was asked for */
static size_t nasked;
static uint64_t wrong_tid;		/* answer for this tid with another thread's record */
static uint64_t kernel_tid;		/* catch this one in kernel mode */
static uint32_t bad_stack_len;		/* a catch whose stack_len overruns its record */

/* A whole file, NUL-terminated (malloc'd). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* One record into buf (rec_size set); catch: NULL for none. */
static size_t put_rec(uint8_t *buf, uint64_t tid, uint32_t flags, uint32_t state, uint32_t nframes,
		      const struct kstack_snap_catch *k, const uint8_t *bytes)
{
	struct kstack_snap_thread *r = (void *)buf;
	struct kstack_snap_tail *t;
	size_t len = sizeof(*r) + 8u * nframes, i;

	memset(r, 0, sizeof(*r));
	r->flags = flags | KSTACK_SNAP_F_TAIL;
	r->tid = tid;
	r->tgid = PID;
	r->state = state;
	r->nr_frames = nframes;
	r->nvcsw_before = r->nvcsw_after = 3;
	snprintf(r->comm, sizeof(r->comm), "t%llu", (unsigned long long)tid);
	for (i = 0; i < nframes; i++)
		((uint64_t *)(r + 1))[i] = IP_K + 0x10 * i;
	if (k) {
		size_t pad = (k->stack_len + 7u) & ~7u;

		memset(buf + len, 0, pad);
		if (bytes)
			memcpy(buf + len, bytes, k->stack_len);
		len += pad;
		memcpy(buf + len, k, sizeof(*k));
		len += sizeof(*k);
		r->flags |= KSTACK_SNAP_F_CATCH;
	}
	t = (void *)(buf + len);
	memset(t, 0, sizeof(*t));
	t->end = flags & KSTACK_SNAP_F_RUNNING ? KSTACK_END_RUNNING : KSTACK_END_USER;
	t->user.ip = IP_U;
	t->user.sp = SP_U;
	len += sizeof(*t);
	r->rec_size = (uint32_t)len;
	return len;
}

static int fake_snapshot(struct kstack_snapshot *q)
{
	uint8_t *p = (void *)(uintptr_t)q->buffer;
	size_t len = 0;

	if (q->pid != PID) {
		errno = ESRCH;
		return -1;
	}
	if (q->buffer_size < 4096) {
		q->bytes_needed = 4096;
		errno = ENOSPC;
		return -1;
	}
	len += put_rec(p + len, 101, KSTACK_SNAP_F_USER_REGS, 1, 2, NULL, NULL);	/* S */
	len += put_rec(p + len, 102, KSTACK_SNAP_F_RUNNING, 0, 0, NULL, NULL);
	len += put_rec(p + len, 103, KSTACK_SNAP_F_RUNNING, 0, 0, NULL, NULL);
	len += put_rec(p + len, 104, KSTACK_SNAP_F_USER_REGS, 0, 3, NULL, NULL);	/* R, preempted */
	len += put_rec(p + len, 105, KSTACK_SNAP_F_RUNNING, 0, 0, NULL, NULL);
	q->nr_threads = 5;
	q->nr_skipped = 0;
	q->bytes_used = q->bytes_needed = len;
	return 0;
}

static const uint8_t pattern[24] = "0123456789abcdefghijklm";

static int fake_catch(struct kstack_catch_running *q)
{
	struct kstack_snap_catch k = { .cpu = 1, .stack_start = SP_U };
	uint8_t *rec = (void *)(uintptr_t)q->record;
	size_t len;

	if (nasked < sizeof(asked) / sizeof(asked[0]))
		asked[nasked++] = q->tid;
	if (q->tid == 103) {
		errno = ESRCH;
		return -1;
	}
	if (q->tid == 105) {
		k.how = KSTACK_CATCH_MISSED;
		k.missed = KSTACK_MISS_MIGRATED;
		k.stack_start = 0;
		len = put_rec(rec, 105, KSTACK_SNAP_F_RUNNING, 0, 0, &k, NULL);
	} else if (q->tid == kernel_tid) {
		k.how = KSTACK_CATCH_KERNEL;
		k.ip = IP_K;
		len = put_rec(rec, q->tid, KSTACK_SNAP_F_USER_REGS, 0, 4, &k, NULL);
	} else if (q->tid == 104 || q->tid == 101) {
		/* off its CPU: a quiet copy with its registers */
		k.how = KSTACK_CATCH_ASLEEP;
		k.stack_len = q->stack_bytes < sizeof(pattern) ? q->stack_bytes : sizeof(pattern);
		len = put_rec(rec, q->tid, KSTACK_SNAP_F_USER_REGS, q->tid == 104 ? 0 : 1, 3,
			      k.stack_len ? &k : NULL, pattern);
	} else {
		k.how = KSTACK_CATCH_USER;
		k.ip = IP_U;
		k.stack_len = q->stack_bytes < sizeof(pattern) ? q->stack_bytes : sizeof(pattern);
		len = put_rec(rec, q->tid == wrong_tid ? q->tid + 1 : q->tid,
			      KSTACK_SNAP_F_USER_REGS, 0, 0, &k, pattern);
		/* a catch that claims more bytes than its record holds */
		if (bad_stack_len)
			((struct kstack_snap_catch *)(rec + len - sizeof(struct kstack_snap_tail)) - 1)
				->stack_len = bad_stack_len;
	}
	q->how = ((struct kstack_snap_catch *)(rec + len - sizeof(struct kstack_snap_tail)) - 1)->how;
	q->rec_size = (uint32_t)len;
	if (len > q->record_size) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd)
		return __real_ioctl(fd, req, arg);
	if (req == KSTACK_IOCTL_SNAPSHOT)
		return fake_snapshot(arg);
	if (req == KSTACK_IOCTL_CATCH_RUNNING)
		return fake_catch(arg);
	errno = ENOTTY;
	return -1;
}

struct fake {
	struct ks_driver drv;
	struct ks_snapshot snap;
};

static int setup(void **state)
{
	static struct fake fk;

	memset(&fk, 0, sizeof(fk));
	fake_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fake_fd >= 0);
	fk.drv.fd = fake_fd;
	fk.drv.version.caps = KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SNAP_TAIL | KSTACK_CAP_SYMBOLIZE |
			      KSTACK_CAP_CATCH_RUNNING;
	nasked = 0;
	wrong_tid = kernel_tid = 0;
	bad_stack_len = 0;
	*state = &fk;
	return 0;
}

static int teardown(void **state)
{
	struct fake *fk = *state;

	ks_snapshot_fini(&fk->snap);
	close(fake_fd);
	fake_fd = -1;
	return 0;
}

/* The records of snap, in order: their tids into tids[], how many. */
static size_t records(const struct ks_snapshot *snap, uint64_t *tids, size_t max)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0, n = 0;

	while ((r = ks_snapshot_next(snap, &off, &data, &err)))
		if (n < max)
			tids[n++] = r->tid;
	assert_null(err);
	return n;
}

static const struct kstack_snap_thread *record_of(const struct ks_snapshot *snap, uint64_t tid)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	while ((r = ks_snapshot_next(snap, &off, &data, &err)))
		if (r->tid == tid)
			return r;
	return NULL;
}

/* With a user half: the running ones and the preempted one are asked; records replaced in place. */
static void catch_replaces_records(void **state)
{
	struct fake *fk = *state;
	const struct kstack_snap_catch *k;
	const struct kstack_snap_thread *r;
	const uint8_t *bytes;
	uint64_t tids[8];
	size_t n, len;

	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	assert_no_error(ks_catch_running(&fk->drv, &fk->snap, 16, 4096, NULL, 0));
	/* the sleeping one is not asked; the preempted one is (its copy goes with its registers) */
	assert_int_equal(nasked, 4);
	assert_int_equal(asked[0], 102);
	assert_int_equal(asked[1], 103);
	assert_int_equal(asked[2], 104);
	assert_int_equal(asked[3], 105);
	/* 103 was gone: left out and counted, the others in their places */
	n = records(&fk->snap, tids, 8);
	assert_int_equal(n, 4);
	assert_int_equal(fk->snap.nr, 4);
	assert_int_equal(fk->snap.skipped, 1);
	assert_int_equal(tids[0], 101);
	assert_int_equal(tids[1], 102);
	assert_int_equal(tids[2], 104);
	assert_int_equal(tids[3], 105);
	r = record_of(&fk->snap, 102);
	k = ks_snapshot_catch(r, &bytes);
	assert_non_null(k);
	assert_true(ks_catch_caught(k));
	assert_int_equal(k->how, KSTACK_CATCH_USER);
	assert_int_equal(k->ip, IP_U);
	assert_false(r->flags & KSTACK_SNAP_F_RUNNING);
	assert_non_null(bytes);
	assert_memory_equal(bytes, pattern, sizeof(pattern));
	assert_null(ks_catch_frame_flags(r));	/* no kernel frames */
	/* preempted: asleep, with its copy, not "caught on a CPU" */
	r = record_of(&fk->snap, 104);
	k = ks_snapshot_catch(r, NULL);
	assert_non_null(k);
	assert_false(ks_catch_caught(k));
	assert_non_null(ks_catch_stack(r, &len));
	assert_int_equal(len, sizeof(pattern));
	/* missed: still running, with why */
	r = record_of(&fk->snap, 105);
	k = ks_snapshot_catch(r, NULL);
	assert_true(r->flags & KSTACK_SNAP_F_RUNNING);
	assert_int_equal(k->how, KSTACK_CATCH_MISSED);
	assert_non_null(strstr(ks_catch_missed_why(k->missed), "moved to another CPU"));
	/* the sleeping one untouched */
	assert_null(ks_snapshot_catch(record_of(&fk->snap, 101), NULL));
	/* a second pass asks nothing: every record is the driver's now, or not running */
	nasked = 0;
	assert_no_error(ks_catch_running(&fk->drv, &fk->snap, 16, 4096, NULL, 0));
	assert_int_equal(nasked, 0);
}

/* --kernel (no user stack asked): only those on a CPU; -t: only that thread. */
static void catch_asks_whom(void **state)
{
	struct fake *fk = *state;
	uint64_t only = 105;

	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	assert_no_error(ks_catch_running(&fk->drv, &fk->snap, 16, 0, NULL, 0));
	assert_int_equal(nasked, 3);
	assert_int_equal(asked[2], 105);
	nasked = 0;
	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	assert_no_error(ks_catch_running(&fk->drv, &fk->snap, 16, 4096, &only, 1));
	assert_int_equal(nasked, 1);
	assert_int_equal(asked[0], 105);
	/* the user half's retake: these threads, running or not */
	nasked = 0;
	only = 101;
	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	assert_no_error(ks_catch_threads(&fk->drv, &fk->snap, 16, 4096, &only, 1));
	assert_int_equal(nasked, 1);
	assert_non_null(ks_snapshot_catch(record_of(&fk->snap, 101), NULL));
	/* an older driver: nothing asked, nothing changed */
	nasked = 0;
	fk->drv.version.caps &= ~KSTACK_CAP_CATCH_RUNNING;
	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	assert_no_error(ks_catch_running(&fk->drv, &fk->snap, 16, 4096, NULL, 0));
	assert_int_equal(nasked, 0);
	assert_int_equal(fk->snap.nr, 5);
}

/* Replies that do not add up: another thread's record; a catch overrunning its record. */
static void catch_checks_replies(void **state)
{
	struct fake *fk = *state;
	struct ks_error *err;
	uint64_t tids[8];

	wrong_tid = 102;
	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	err = ks_catch_running(&fk->drv, &fk->snap, 16, 4096, NULL, 0);
	assert_non_null(err);
	assert_int_equal(err->code, EPROTO);
	ks_error_destroy(err);
	wrong_tid = 0;
	bad_stack_len = 1u << 20;
	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	err = ks_catch_running(&fk->drv, &fk->snap, 16, 4096, NULL, 0);
	assert_non_null(err);
	assert_int_equal(err->code, EPROTO);
	ks_error_destroy(err);
	(void)tids;
}

/* Caught in kernel mode: the first frame is the interrupted ip, named as such. */
static void catch_kernel_first_frame_exact(void **state)
{
	struct fake *fk = *state;
	const struct kstack_snap_thread *r;
	const uint8_t *fl;

	kernel_tid = 102;
	assert_no_error(ks_snapshot_take(&fk->drv, PID, KSTACK_SNAP_FRAMES, 16, &fk->snap));
	assert_no_error(ks_catch_running(&fk->drv, &fk->snap, 16, 0, NULL, 0));
	r = record_of(&fk->snap, 102);
	assert_int_equal(ks_snapshot_catch(r, NULL)->how, KSTACK_CATCH_KERNEL);
	fl = ks_catch_frame_flags(r);
	assert_non_null(fl);
	assert_int_equal(fl[0], KS_CAP_FRAME_EXACT);
	assert_int_equal(fl[1], 0);
	assert_int_equal(fl[0], KS_TEXT_EXACT);
}

/* The listing: headers, lines, tally and exit status (stdout into a file). */
static void listing_says_running(void **state)
{
	struct fake *fk = *state;
	struct ks_session s = { .drv = fk->drv };
	uint64_t pid = PID;
	struct opts o = {
		.action = CLI_SHOW, .target = CLI_PIDS, .half = CLI_KERNEL, .ids = &pid, .nids = 1,
	};
	struct tally tally = { 0 };
	struct ks_symcache names;
	struct ks_stack_text text;
	struct listing l = {
		.s = &s, .names = &names, .text = &text, .o = &o, .path = KS_PIPE_FRAMES,
		.tally = &tally,
	};
	char path[] = "/tmp/test_catch.XXXXXX", *out;
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO), errfd = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY);
	size_t len;

	assert_true(fd >= 0 && saved >= 0 && null >= 0);
	ks_symcache_init(&names, &s.ksyms);
	ks_stack_text_init(&text, &names, 0);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	/* the pipeline catches them (lib/pipeline.c), the listing shows them */
	assert_no_error(listing_run(&l));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	close(saved);
	close(errfd);
	close(null);
	close(fd);
	ks_stack_text_fini(&text);
	ks_symcache_fini(&names);
	out = slurp(path, &len);
	unlink(path);
	assert_non_null(strstr(out, "101 t101 S [ctxsw 3+0]\n"));
	assert_non_null(strstr(out, "102 t102 R [running on CPU 1: caught at 0000000000401234 in user mode; ctxsw 3+0]\n"
				    "user mode: ip 0000000000401234 sp 000000007ffc0000\n"));
	assert_null(strstr(out, "103 "));
	assert_non_null(strstr(out, "105 t105 R [running on CPU 1: not caught: it moved to another CPU before each call reached it]\n"));
	free(out);
	/* 101, 102 whole (104: --kernel asks no copy, so it is not asked); 105 not caught: partial */
	assert_int_equal(tally.whole, 3);
	assert_int_equal(tally.cut, 1);
	assert_int_equal(exit_status(&tally, CLI_SHOW), EXIT_PARTIAL);
}

/* The reports: a caught thread on CPU, one not caught partial. */
static void triage_marks_on_cpu(void **state)
{
	struct fake *fk = *state;
	struct ks_session s = { .drv = fk->drv };
	uint64_t pid = PID;
	struct ks_symcache names;
	struct ks_cap_pool pool;
	struct ks_capture c;
	struct ks_pipe pipe;
	struct triage_counts counts = { 0 };
	struct cli_procs procs = { 0 };
	struct triage_target tg = { .pipe = &pipe, .pids = &pid, .npids = 1, .procs = &procs };
	size_t i, on = 0, partial = 0;

	ks_symcache_init(&names, &s.ksyms);
	ks_cap_pool_init(&pool);
	ks_capture_init(&c, &pool);
	/* as a sampling round: not said on stderr */
	ks_pipe_init(&pipe, &s, &names, &pool,
		     &(struct ks_pipe_opts){ .path = KS_PIPE_FRAMES, .catch_running = true });
	assert_no_error(triage_capture(&tg, &c, &counts));
	assert_int_equal(c.n, 4);
	for (i = 0; i < c.n; i++) {
		if (c.v[i].flags & KS_CAP_ON_CPU) {
			on++;
			assert_int_equal(c.v[i].tid, 102);
			assert_int_equal(c.v[i].cpu, 1);
			assert_int_equal(c.v[i].caught_ip, IP_U);
			assert_int_equal(c.v[i].state, 'R');
		}
		if (c.v[i].flags & KS_CAP_PARTIAL) {
			partial++;
			assert_int_equal(c.v[i].tid, 105);
			assert_true(c.v[i].flags & KS_CAP_RUNNING);
		}
	}
	assert_int_equal(on, 1);
	assert_int_equal(partial, 1);
	ks_pipe_fini(&pipe);
	ks_capture_fini(&c);
	cli_procs_fini(&procs);
	ks_cap_pool_fini(&pool);
	ks_symcache_fini(&names);
	free(counts.gone);
}

/* The user half: a caught thread's copy comes from its record, not the process. */
static void user_copy_from_record(void **state)
{
	struct ks_user_proc p;
	struct kstack_user_regs regs = { 0 };
	uint8_t live[256];
	const struct ks_user_thread *t;

	(void)state;
	memset(live, 'L', sizeof(live));
	ks_user_proc_init(&p, (uint64_t)getpid());
	regs.sp = (uint64_t)(uintptr_t)live;
	regs.cs = 0x33;
	assert_no_error(ks_user_proc_add(&p, 1, &regs, 0, 0, NULL));
	ks_user_thread_caught(&p, 0, pattern, sizeof(pattern));
	assert_no_error(ks_user_proc_add(&p, 2, &regs, 0, 0, NULL));
	assert_no_error(ks_user_proc_copy(&p, 64));
	t = &p.v[0];
	assert_true(t->flags & KS_UT_CAUGHT);
	assert_int_equal(t->stack_start, regs.sp);
	assert_int_equal(t->stack_len, sizeof(pattern));
	assert_memory_equal(ks_user_thread_stack(&p, t), pattern, sizeof(pattern));
	/* the other thread's copy is read from the process: 'L's */
	t = &p.v[1];
	assert_int_equal(t->stack_len, 64);
	assert_int_equal(ks_user_thread_stack(&p, t)[0], 'L');
	assert_int_equal(p.nr_readv, 1);
	ks_user_proc_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(catch_replaces_records, setup, teardown),
		cmocka_unit_test_setup_teardown(catch_asks_whom, setup, teardown),
		cmocka_unit_test_setup_teardown(catch_checks_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(catch_kernel_first_frame_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(listing_says_running, setup, teardown),
		cmocka_unit_test_setup_teardown(triage_marks_on_cpu, setup, teardown),
		cmocka_unit_test(user_copy_from_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
