// SPDX-License-Identifier: GPL-2.0
/*
 * --all past one SNAPSHOT's bound (the driver's E2BIG over
 * KSTACK_SNAP_MAX_THREADS threads), without 65,536 threads: a fake driver
 * (ioctl wrapped at link time, -Wl,--wrap=ioctl) answers the whole
 * system's SNAPSHOT with E2BIG and each process's with one whole FRAMES
 * record. The capture pipeline (lib/pipeline.c), under the reports'
 * capture (cli/triage_capture.c: --group, --format, --sample) and the
 * listing (cli/listing.c), must then take every process of this
 * host's /proc one by one; a process gone or a zombie by its turn is left
 * out, one itself past the bound is a clear error for the reports. Also a
 * named zombie in the reports (counted, to be said as a zombie).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "helpers.h"
#include "fake_driver.h"
#include "capture.h"
#include "cli.h"
#include "triage.h"

#define NONE UINT64_MAX

/* The fake driver: its fd, which processes it answers how, what it was asked. */
static uint64_t e2big_pid = NONE, zombie_pid = NONE, gone_pid = NONE, denied_pid = NONE;
static size_t fake_records;	/* processes answered with a record */
static bool whole_asked;	/* the system's SNAPSHOT (pid 0) was asked */

#define FAKE_IP0 0xffffffff81000100ull

static int fake_snapshot(struct kstack_snapshot *q)
{
	size_t need = sizeof(struct kstack_snap_thread) + 2 * 8 + sizeof(struct kstack_snap_tail);
	struct kstack_snap_thread *r;
	struct kstack_snap_tail *t;
	uint64_t *frames;

	q->nr_threads = 0;
	q->nr_skipped = 0;
	q->bytes_used = 0;
	if (!q->pid)
		whole_asked = true;
	if (!q->pid || q->pid == e2big_pid) {
		errno = E2BIG;
		return -1;
	}
	if (q->pid == gone_pid) {
		errno = ESRCH;
		return -1;
	}
	if (q->pid == denied_pid) {
		errno = EPERM;	/* not the caller's to trace */
		return -1;
	}
	if (q->pid == zombie_pid) {
		q->nr_skipped = 1;	/* found, its one thread exited: left out */
		return 0;
	}
	if (q->buffer_size < need) {
		q->bytes_needed = need;
		errno = ENOSPC;
		return -1;
	}
	r = (void *)(uintptr_t)q->buffer;
	memset(r, 0, need);
	r->rec_size = (uint32_t)need;
	r->flags = KSTACK_SNAP_F_TAIL | KSTACK_SNAP_F_USER_REGS;
	r->tid = q->pid;
	r->tgid = q->pid;
	r->state = 1;		/* TASK_INTERRUPTIBLE: S */
	r->nr_frames = 2;
	strcpy(r->comm, "fake");
	frames = (uint64_t *)(r + 1);
	frames[0] = FAKE_IP0;
	frames[1] = FAKE_IP0 + 0x100;
	t = (void *)((uint8_t *)r + need - sizeof(*t));
	t->end = KSTACK_END_USER;
	t->user.ip = 0x401000;
	t->user.sp = 0x7ffc0000;
	q->nr_threads = 1;
	q->bytes_used = need;
	q->bytes_needed = need;
	fake_records++;
	return 0;
}

struct fake {
	struct ks_session s;
	struct ks_symcache names;
	struct ks_cap_pool pool;
	struct ks_capture c;
	struct ks_pipe pipe;
	struct triage_counts counts;
	struct triage_target tg;
	struct tally tally;
	struct cli_procs procs;
};

static int fake_setup(void **state)
{
	static struct fake fk;
	struct ks_error *err = ks_proc_is_ours();

	if (err) {
		/* /proc of another pid namespace: the fallback refuses it, by design */
		printf("SKIP: %s\n", err->message);
		fflush(stdout);
		ks_error_destroy(err);
		*state = NULL;
		return 0;
	}
	memset(&fk, 0, sizeof(fk));
	fake_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fake_fd >= 0);
	fk.s.drv.fd = fake_fd;
	fk.s.drv.version.caps = KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SNAP_TAIL | KSTACK_CAP_SYMBOLIZE;
	ks_symcache_init(&fk.names, &fk.s.ksyms);
	ks_cap_pool_init(&fk.pool);
	ks_capture_init(&fk.c, &fk.pool);
	ks_pipe_init(&fk.pipe, &fk.s, &fk.names, &fk.pool,
		     &(struct ks_pipe_opts){ .path = KS_PIPE_FRAMES, .retake_ran = true });
	fk.tg = (struct triage_target){ .pipe = &fk.pipe, .all = true, .tally = &fk.tally,
					.procs = &fk.procs };
	e2big_pid = zombie_pid = gone_pid = denied_pid = NONE;
	fake_records = 0;
	whole_asked = false;
	*state = &fk;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *fk = *state;

	if (!fk)
		return 0;
	ks_pipe_fini(&fk->pipe);
	ks_capture_fini(&fk->c);
	ks_cap_pool_fini(&fk->pool);
	ks_symcache_fini(&fk->names);
	free(fk->counts.gone);
	cli_procs_fini(&fk->procs);
	cli_problems_fini(&fk->tally.problems);
	close(fake_fd);
	fake_fd = -1;
	return 0;
}

/* A process of /proc other than init, us and our parent (NONE: none). */
static uint64_t other_pid(void)
{
	struct ks_tid_list l = { 0 };
	uint64_t pid = NONE;
	size_t i;

	assert_no_error(ks_procs_all(&l, NULL));
	for (i = 0; i < l.n && pid == NONE; i++)
		if (l.v[i].tgid != 1 && l.v[i].tgid != (uint64_t)getpid() &&
		    l.v[i].tgid != (uint64_t)getppid())
			pid = l.v[i].tgid;
	ks_tid_list_fini(&l);
	return pid;
}

static bool capture_has(const struct ks_capture *c, uint64_t tgid)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].tgid == tgid)
			return true;
	return false;
}

/* The reports' capture: E2BIG for the system, then every process, each whole. */
static void triage_all_per_process(void **state)
{
	struct fake *fk = *state;
	size_t i;

	if (!fk)
		skip();
	/* a zombie and a process gone by their turn: left out, as the system's SNAPSHOT does */
	zombie_pid = (uint64_t)getppid();
	gone_pid = 1;
	/* one not ours: left out, counted (said once by the tally) */
	denied_pid = other_pid();
	assert_no_error(triage_capture(&fk->tg, &fk->c, &fk->counts));
	assert_true(whole_asked);
	assert_int_equal(fk->counts.denied_listed, denied_pid == NONE ? 0 : 1);
	assert_int_equal(fk->counts.ndenied, 0);
	assert_true(fk->counts.per_process_said);
	assert_true(fake_records >= 1);
	assert_int_equal(fk->c.n, fake_records);
	assert_true(capture_has(&fk->c, (uint64_t)getpid()));
	assert_false(capture_has(&fk->c, zombie_pid));
	assert_false(capture_has(&fk->c, gone_pid));
	assert_int_equal(fk->counts.ngone, 0);
	assert_int_equal(fk->counts.failed, 0);
	for (i = 0; i < fk->c.n; i++) {
		const struct ks_cap_thread *t = &fk->c.v[i];

		assert_int_equal(t->flags, KS_CAP_USER);
		assert_non_null(t->kstack);
		assert_int_equal(t->kstack->n, 2);
		assert_int_equal(t->kstack->f[0].ip, FAKE_IP0);
		assert_int_equal(t->state, 'S');
	}
	/* a second round (--sample) takes them again, and says it no more */
	fake_records = 0;
	assert_no_error(triage_capture(&fk->tg, &fk->c, &fk->counts));
	assert_int_equal(fk->c.n, fake_records);
}

/* One process itself past the bound: a clear error, not a report without it. */
static void triage_one_process_past_bound(void **state)
{
	struct fake *fk = *state;
	struct ks_error *err;

	if (!fk)
		skip();
	e2big_pid = (uint64_t)getpid();
	err = triage_capture(&fk->tg, &fk->c, &fk->counts);
	assert_non_null(err);
	assert_int_equal(err->code, E2BIG);
	assert_non_null(strstr(err->message, "more than 65536 threads"));
	assert_non_null(strstr(err->message, "--group, --format and --sample"));
	ks_error_destroy(err);
}

/* A named zombie: counted once, as a zombie (triage_tally says it so). */
static void triage_named_zombie(void **state)
{
	struct fake *fk = *state;
	uint64_t pids[2];

	if (!fk)
		skip();
	zombie_pid = 4242;
	gone_pid = 4343;
	pids[0] = zombie_pid;
	pids[1] = gone_pid;
	fk->tg.all = false;
	fk->tg.pids = pids;
	fk->tg.npids = 2;
	assert_no_error(triage_capture(&fk->tg, &fk->c, &fk->counts));
	assert_no_error(triage_capture(&fk->tg, &fk->c, &fk->counts));
	assert_int_equal(fk->c.n, 0);
	assert_int_equal(fk->counts.ngone, 2);
	assert_int_equal(fk->counts.gone[0].pid, 4242);
	assert_int_equal(fk->counts.gone[0].zombie, 1);
	assert_int_equal(fk->counts.gone[1].pid, 4343);
	assert_int_equal(fk->counts.gone[1].zombie, 0);
	assert_false(whole_asked);
}

/* The listing: every process printed from its own SNAPSHOT, stdout to /dev/null. */
static struct ks_error *listing(struct fake *fk, enum cli_half half, struct tally *tally)
{
	struct opts o = { .action = CLI_SHOW, .target = CLI_ALL, .half = half };
	struct ks_stack_text text;
	struct listing l = {
		.s = &fk->s, .names = &fk->names, .text = &text, .o = &o,
		.path = KS_PIPE_FRAMES, .tally = tally,
	};
	struct ks_error *err;
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

	assert_true(saved >= 0 && null >= 0);
	ks_stack_text_init(&text, &fk->names, 0);
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	/* the system's SNAPSHOT says E2BIG: process by process */
	err = listing_run(&l);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	ks_stack_text_fini(&text);
	return err;
}

static void listing_per_process(void **state)
{
	struct fake *fk = *state;
	struct tally tally = { 0 };

	if (!fk)
		skip();
	zombie_pid = (uint64_t)getppid();
	gone_pid = 1;
	assert_no_error(listing(fk, CLI_KERNEL, &tally));
	assert_true(fake_records >= 1);
	/* each process's thread shown whole; the zombie and the gone one not missing */
	assert_int_equal(tally.whole, fake_records);
	assert_int_equal(tally.cut + tally.missing + tally.failed + tally.running, 0);
	assert_int_equal(tally.denied, 0);
	assert_int_equal(exit_status(&tally, CLI_SHOW), EXIT_ALL);
	/* a process not ours: left out and counted, not the end of the listing */
	denied_pid = other_pid();
	if (denied_pid == NONE)
		return;
	memset(&tally, 0, sizeof(tally));
	fake_records = 0;
	assert_no_error(listing(fk, CLI_KERNEL, &tally));
	assert_int_equal(tally.whole, fake_records);
	assert_int_equal(tally.denied, 1);
}

/* --user: a process past the bound has no user half to list: an error. */
static void listing_user_one_process_past_bound(void **state)
{
	struct fake *fk = *state;
	struct tally tally = { 0 };
	struct ks_error *err;

	if (!fk)
		skip();
	e2big_pid = (uint64_t)getpid();
	err = listing(fk, CLI_USER, &tally);
	assert_non_null(err);
	assert_int_equal(err->code, E2BIG);
	assert_non_null(strstr(err->message, "no user half"));
	ks_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(triage_all_per_process, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(triage_one_process_past_bound, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(triage_named_zombie, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(listing_per_process, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(listing_user_one_process_past_bound, fake_setup,
						fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
