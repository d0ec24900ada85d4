// SPDX-License-Identifier: GPL-2.0
/*
 * The capture pipeline (lib/pipeline.c) against a fake driver (ioctl
 * wrapped at link time, -Wl,--wrap=ioctl) that answers SNAPSHOT with
 * FRAMES records of a made-up system: what each thread is handed on as
 * (a record, running, taken again on its own), distinct stacks interned
 * once and named, a thread of a process alone, each process announced
 * before its threads, each target's outcome (gone, zombie, leader
 * exited), and a second round trying the first round's stacks first.
 * The fake driver has no walker (its VERSION names no arch): a thread
 * taken again on its own fails, with the walker's error.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "helpers.h"
#include "fake_driver.h"
#include "pipeline.h"

#define IP0 0xffffffff81000100ull
#define IP1 0xffffffff81000200ull
#define GONE_PID 4343
#define ZOMBIE_PID 4242

/* The made-up system: records in the driver's order, processes together. */
struct fake_rec {
	uint64_t tid, tgid;
	uint32_t flags;		/* KSTACK_SNAP_F_* beyond TAIL */
	uint32_t nframes;
	uint32_t end;		/* KSTACK_END_* */
};

static const struct fake_rec fake_sys[] = {
	{ 100, 100, 0, 2, KSTACK_END_KTHREAD },
	{ 101, 100, 0, 2, KSTACK_END_KTHREAD },		/* the same stack as 100's */
	{ 102, 100, KSTACK_SNAP_F_RUNNING, 0, KSTACK_END_RUNNING },
	{ 200, 200, KSTACK_SNAP_F_RAN, 1, KSTACK_END_KTHREAD },
	{ 301, 300, 0, 1, KSTACK_END_KTHREAD },		/* 300's leader has exited */
};

#define NSYS (sizeof(fake_sys) / sizeof(fake_sys[0]))

static size_t snapshots;	/* SNAPSHOT calls answered */

static int fake_snapshot(struct kstack_snapshot *q)
{
	size_t rec = sizeof(struct kstack_snap_thread) + 2 * 8 + sizeof(struct kstack_snap_tail);
	uint8_t *out = (void *)(uintptr_t)q->buffer;
	uint64_t tgid = q->pid;
	size_t i, n = 0, need = 0;

	q->nr_threads = 0;
	q->nr_skipped = 0;
	q->bytes_used = 0;
	if (q->pid == GONE_PID) {
		errno = ESRCH;
		return -1;
	}
	if (q->pid == ZOMBIE_PID) {
		q->nr_skipped = 1;	/* found, its one thread exited: left out */
		return 0;
	}
	/* any thread's id selects its whole thread group */
	for (i = 0; i < NSYS; i++)
		if (fake_sys[i].tid == q->pid)
			tgid = fake_sys[i].tgid;
	for (i = 0; i < NSYS; i++)
		if (!tgid || fake_sys[i].tgid == tgid)
			need += rec;
	q->bytes_needed = need;
	if (q->buffer_size < need) {
		errno = ENOSPC;
		return -1;
	}
	for (i = 0; i < NSYS; i++) {
		const struct fake_rec *f = &fake_sys[i];
		struct kstack_snap_thread *r = (void *)(out + n * rec);
		struct kstack_snap_tail *t = (void *)((uint8_t *)r + rec - sizeof(*t));
		uint64_t *frames = (uint64_t *)(r + 1);

		if (tgid && f->tgid != tgid)
			continue;
		memset(r, 0, rec);
		r->rec_size = (uint32_t)rec;
		r->flags = KSTACK_SNAP_F_TAIL | KSTACK_TF_KTHREAD | f->flags;
		r->tid = f->tid;
		r->tgid = f->tgid;
		r->state = 1;	/* S */
		r->nr_frames = f->nframes;
		snprintf(r->comm, sizeof(r->comm), "t%llu", (unsigned long long)f->tid);
		frames[0] = IP0;
		frames[1] = IP1;
		t->end = f->end;
		n++;
	}
	q->nr_threads = (uint32_t)n;
	q->bytes_used = need;
	snapshots++;
	return 0;
}

/* What a round handed on, in order. */
struct seen {
	struct ks_pipe_thread t[16];
	int code[16];			/* FAILED: its error's code */
	size_t n;
	uint64_t procs[8];	/* ops->process, in order */
	size_t nprocs;
	size_t procs_before[8];	/* threads handed on before each process */
	size_t procs_left[8];	/* records left in the SNAPSHOT at each */
	struct ks_pipe_target out[8];	/* ops->target */
	int out_code[8];
	size_t nout;
};

static struct ks_error *on_thread(void *ctx, const struct ks_pipe_thread *t)
{
	struct seen *s = ctx;

	assert_true(s->n < 16);
	s->t[s->n] = *t;
	s->code[s->n] = t->kind == KS_PIPE_FAILED ? t->err->code : 0;
	s->n++;
	return NULL;
}

static struct ks_error *on_process(void *ctx, const struct ks_pipe_proc *pp)
{
	struct seen *s = ctx;

	assert_true(s->nprocs < 8);
	s->procs_before[s->nprocs] = s->n;
	s->procs_left[s->nprocs] = pp->left;
	s->procs[s->nprocs++] = pp->tgid;
	assert_null(pp->hp);	/* no user half asked */
	return NULL;
}

static struct ks_error *on_target(void *ctx, const struct ks_pipe_target *tg)
{
	struct seen *s = ctx;

	assert_true(s->nout < 8);
	s->out[s->nout] = *tg;
	s->out_code[s->nout] = tg->err ? tg->err->code : 0;
	s->out[s->nout].err = NULL;	/* valid during the call only */
	s->nout++;
	return NULL;
}

struct fake {
	struct ks_session s;
	struct ks_symcache names;
	struct ks_cap_pool pool;
	struct ks_pipe pipe;
	struct seen seen;
	struct ks_pipe_ops ops;
};

static struct fake fk;

static void fake_open(bool retake_ran)
{
	struct ks_pipe_opts o = { .path = KS_PIPE_FRAMES, .retake_ran = retake_ran };

	memset(&fk, 0, sizeof(fk));
	fake_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fake_fd >= 0);
	fk.s.drv.fd = fake_fd;
	fk.s.drv.version.caps = KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SNAP_TAIL | KSTACK_CAP_SYMBOLIZE;
	ks_symcache_init(&fk.names, &fk.s.ksyms);
	ks_symcache_use_driver(&fk.names, &fk.s.drv);
	ks_cap_pool_init(&fk.pool);
	ks_pipe_init(&fk.pipe, &fk.s, &fk.names, &fk.pool, &o);
	fk.ops = (struct ks_pipe_ops){ on_thread, on_process, on_target, &fk.seen };
	snapshots = 0;
}

static void fake_close(void)
{
	ks_pipe_fini(&fk.pipe);
	ks_cap_pool_fini(&fk.pool);
	ks_symcache_fini(&fk.names);
	close(fake_fd);
	fake_fd = -1;
}

static struct ks_error *round_all(void)
{
	struct ks_pipe_targets all = { .all = true };

	memset(&fk.seen, 0, sizeof(fk.seen));
	return ks_pipe_run(&fk.pipe, &all, &fk.ops);
}

/* The system: each thread as it was taken, processes announced first, one outcome. */
static void system_round(void **state)
{
	const struct ks_pipe_thread *t = fk.seen.t;

	(void)state;
	fake_open(false);
	assert_no_error(round_all());
	assert_int_equal(snapshots, 1);
	assert_int_equal(fk.seen.n, NSYS);
	/* a whole record: its stack interned, named, how it ended from its tail */
	assert_int_equal(t[0].kind, KS_PIPE_RECORD);
	assert_int_equal(t[0].tid, 100);
	assert_string_equal(t[0].comm, "t100");
	assert_non_null(t[0].kstack);
	assert_int_equal(t[0].kstack->n, 2);
	assert_int_equal(t[0].kstack->f[0].ip, IP0);
	assert_true(t[0].kstack->named);
	assert_non_null(t[0].kstack->f[1].name);
	assert_int_equal(t[0].end.stop, KS_STOP_END_OF_STACK);
	assert_true(ks_walk_whole(&t[0].end));
	assert_false(t[0].ran);
	/* the same frames: the same stack, interned once */
	assert_ptr_equal(t[1].kstack, t[0].kstack);
	assert_int_equal(t[2].kind, KS_PIPE_RUNNING);
	assert_null(t[2].kstack);
	/* ran through its capture, not taken again (sampling): cut */
	assert_int_equal(t[3].kind, KS_PIPE_RECORD);
	assert_true(t[3].ran);
	assert_false(ks_walk_whole(&t[3].end));
	assert_int_equal(t[4].tgid, 300);
	assert_int_equal(fk.pool.n, 2);
	/* each process before its threads, once */
	assert_int_equal(fk.seen.nprocs, 3);
	assert_int_equal(fk.seen.procs[0], 100);
	assert_int_equal(fk.seen.procs_before[0], 0);
	assert_int_equal(fk.seen.procs_left[0], NSYS);
	assert_int_equal(fk.seen.procs[1], 200);
	assert_int_equal(fk.seen.procs_before[1], 3);
	assert_int_equal(fk.seen.procs_left[1], 2);
	assert_int_equal(fk.seen.procs[2], 300);
	assert_int_equal(fk.seen.procs_left[2], 1);
	assert_int_equal(fk.seen.nout, 1);
	assert_int_equal(fk.seen.out[0].scope, KS_PIPE_SYSTEM);
	assert_true(fk.seen.out[0].found);
	assert_false(fk.pipe.per_process);
	/* a second round: the first round's stacks tried first, none added */
	assert_no_error(round_all());
	assert_int_equal(fk.pool.n, 2);
	assert_ptr_equal(fk.seen.t[1].kstack, fk.seen.t[0].kstack);
	assert_true(fk.pipe.nhints >= NSYS);
	assert_ptr_equal(fk.pipe.hints[0], fk.seen.t[0].kstack);
	fake_close();
}

/* Taken again on its own where the caller asks: the walker's failure handed on. */
static void ran_taken_again(void **state)
{
	(void)state;
	fake_open(true);
	assert_no_error(round_all());
	assert_int_equal(fk.seen.n, NSYS);
	assert_int_equal(fk.seen.t[3].kind, KS_PIPE_FAILED);
	assert_int_equal(fk.seen.t[3].tid, 200);
	assert_string_equal(fk.seen.t[3].comm, "t200");
	/* no walker here: the driver names no arch */
	assert_int_equal(fk.seen.code[3], ENOTSUP);
	assert_int_equal(fk.seen.t[0].kind, KS_PIPE_RECORD);
	fake_close();
}

/* Named targets: each one's outcome after its threads; a thread of a process alone. */
static void named_targets(void **state)
{
	const uint64_t pids[] = { 300, GONE_PID, ZOMBIE_PID };
	const uint64_t tids[] = { 101 };
	struct ks_pipe_targets procs = { .ids = pids, .nids = 3 };
	struct ks_pipe_targets threads = { .threads = true, .ids = tids, .nids = 1 };

	(void)state;
	fake_open(false);
	assert_no_error(ks_pipe_run(&fk.pipe, &procs, &fk.ops));
	assert_int_equal(fk.seen.n, 1);
	assert_int_equal(fk.seen.t[0].tid, 301);
	assert_int_equal(fk.seen.nout, 3);
	assert_int_equal(fk.seen.out[0].scope, KS_PIPE_PROCESS);
	assert_true(fk.seen.out[0].found);
	assert_true(fk.seen.out[0].leader_gone);
	assert_int_equal(fk.seen.out_code[1], ESRCH);
	assert_false(fk.seen.out[1].found);
	assert_int_equal(fk.seen.out_code[2], 0);
	assert_false(fk.seen.out[2].found);
	assert_int_equal(fk.seen.out[2].skipped, 1);
	/* -t 101: its process's SNAPSHOT (no context here: by its own id), it alone */
	memset(&fk.seen, 0, sizeof(fk.seen));
	assert_no_error(ks_pipe_run(&fk.pipe, &threads, &fk.ops));
	assert_int_equal(fk.seen.n, 1);
	assert_int_equal(fk.seen.t[0].tid, 101);
	assert_int_equal(fk.seen.t[0].kind, KS_PIPE_RECORD);
	assert_int_equal(fk.seen.nprocs, 1);
	assert_int_equal(fk.seen.nout, 1);
	assert_int_equal(fk.seen.out[0].scope, KS_PIPE_THREAD);
	assert_true(fk.seen.out[0].found);
	assert_false(fk.seen.out[0].refused);
	fake_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(system_round),
		cmocka_unit_test(ran_taken_again),
		cmocka_unit_test(named_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
