// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic capture test_report's parts report on: a zoo of 300
 * threads in 3 stacks and states plus system threads, running and
 * cut-short ones; sampling rounds; a stack with both halves. And the
 * helpers that write a report to a file and have an independent reader
 * (tests/unit/tools/check_report.py) read it back.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "test_report.h"

/* every test's distinct stacks: outlives each capture and grouping */
struct ks_cap_pool pool;

const struct ks_cap_frame stack_sleep[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0, NULL },
	{ 0xffffffff81a52e2aull, "vmlinux!schedule+0x5a/0xd0", 0, NULL },
	{ 0xffffffff81a5899bull, "vmlinux!do_nanosleep+0x7b/0x140", 0, NULL },
	{ 0xffffffff81c00126ull, "vmlinux!entry_SYSCALL_64_after_hwframe+0x6e/0xd8", 0, NULL },
};

const struct ks_cap_frame stack_d[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0, NULL },
	{ 0xffffffffc0a0204cull, "kvm!kvm_vcpu_block+0x4c/0xa0", 0, NULL },
	{ 0xffffffff81300010ull, "vmlinux!vfs_ioctl+0x10/0x40", KS_CAP_FRAME_UNRELIABLE, NULL },
	{ 0xffffffff81c00126ull, "vmlinux!entry_SYSCALL_64_after_hwframe+0x6e/0xd8", 0, NULL },
};

const struct ks_cap_frame stack_pipe[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0, NULL },
	{ 0xffffffff81a52e2aull, "vmlinux!schedule+0x5a/0xd0", 0, NULL },
	{ 0xffffffff812f1111ull, "vmlinux!pipe_read+0x2d1/0x470", 0, NULL },
	{ 0xffffffff81c00126ull, "vmlinux!entry_SYSCALL_64_after_hwframe+0x6e/0xd8", 0, NULL },
};

const struct ks_cap_frame stack_kthread[] = {
	{ 0xffffffff81a526adull, "vmlinux!__schedule+0x2dd/0x960", 0, NULL },
	{ 0xffffffff810c4567ull, "vmlinux!worker_thread+0xb7/0x3c0", 0, NULL },
	{ 0xffffffff810cd41aull, "vmlinux!kthread+0xda/0x100", 0, NULL },
	{ 0xffffffff81001f0full, "vmlinux!ret_from_fork+0x1f/0x30", 0, NULL },
};

const struct ks_cap_frame user_a[] = {
	{ 0x00007f0000001000ull, "libc.so.6!__nanosleep+0x17/0x40", 0, NULL },
	{ 0x0000000000401000ull, "zoo!main+0x20/0x80", 0, NULL },
};

const struct ks_cap_frame user_b[] = {
	{ 0x00007f0000001000ull, "libc.so.6!__nanosleep+0x17/0x40", 0, NULL },
	{ 0x0000000000402000ull, "zoo!other+0x20/0x80", 0, NULL },
};

void add(struct ks_capture *c, uint64_t tid, const char *comm, char state, uint32_t flags,
		const struct ks_cap_frame *kf, size_t nk)
{
	struct ks_cap_thread t = { .tid = tid, .tgid = tid, .state = state, .flags = flags,
				   .nvcsw = tid, .nivcsw = 1, .user_ip = 0x401234, .user_sp = 0x7ffc00 };

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	/* the zoo's 300 threads are one process's; a kworker is a kernel thread of its own */
	if (tid >= 1000 && tid < 1300) {
		t.tgid = 1000;
		t.pname = "zoo";
		t.pcmd = "zoo -n 100";
	} else {
		t.pname = comm;
	}
	if (!strncmp(comm, "kworker/", 8))
		t.flags |= KS_CAP_KTHREAD;
	if (flags & KS_CAP_PARTIAL)
		t.why = "frame limit";
	assert_non_null(ks_capture_add_frames(c, &t, kf, nk, NULL, 0));
}

/* The zoo: 100 sleeping, 100 in D, 100 reading a pipe; kworkers; running; cut. */
void zoo(struct ks_capture *c)
{
	char comm[32];
	int i;

	ks_capture_init(c, &pool);
	/* interleaved, as threads of several processes come in a listing */
	for (i = 0; i < 100; i++) {
		add(c, 1000 + i, "zoo", 'S', KS_CAP_USER, stack_sleep, 4);
		add(c, 1100 + i, "zoo", 'D', KS_CAP_USER, stack_d, 4);
		add(c, 1200 + i, "zoo-pipe", 'S', KS_CAP_USER, stack_pipe, 4);
	}
	for (i = 0; i < N_SYS; i++) {
		snprintf(comm, sizeof(comm), "kworker/%d:1", i);
		add(c, 10 + i, comm, 'I', 0, stack_kthread, 4);
	}
	for (i = 0; i < N_RUN; i++)
		add(c, 2000 + i, "hog", 'R', KS_CAP_RUNNING, NULL, 0);
	for (i = 0; i < N_CUT; i++)
		add(c, 3000 + i, "deep", 'S', KS_CAP_PARTIAL | KS_CAP_TRUNCATED, stack_sleep, 2);
	c->walked = c->n;
}

void group_zoo(struct ks_grouping *g, enum ks_group_by by, uint64_t min_count)
{
	struct ks_capture c;

	zoo(&c);
	ks_grouping_init(g, by);
	assert_no_error(ks_grouping_add(g, &c));
	ks_grouping_finish(g, min_count);
	ks_capture_fini(&c);
}

/* Four sampling rounds of the same 10 threads: two asleep, two reading a pipe. */
void group_rounds(struct ks_grouping *g)
{
	struct ks_capture c;
	int round;

	ks_grouping_init(g, KS_GROUP_WHOLE);
	for (round = 0; round < 4; round++) {
		ks_capture_init(&c, &pool);
		for (int i = 0; i < 10; i++)
			add(&c, 500 + i, "alt", 'S', KS_CAP_USER, round < 2 ? stack_sleep : stack_pipe, 4);
		assert_no_error(ks_grouping_add(g, &c));
		ks_capture_fini(&c);
	}
	ks_grouping_finish(g, 0);
}

/* A report of the zoo into a file; its path in buf. */
void write_report(struct ks_grouping *g, enum ks_format fmt, bool sampled, char *path,
			 size_t len, struct ks_filter_counts *left)
{
	struct ks_report r = { .g = g, .walked = g->samples,
			       .sampled = sampled,
			       .interval_ns = 10000000, .duration_ns = 1000000000 };
	FILE *f;
	size_t i;

	if (left) {
		r.left = *left;
		r.walked += ks_report_left_out(&r);
	}
	if (sampled) {
		/* samples are (thread, round) pairs; threads, each thread once */
		r.samples_walked = r.walked;
		for (r.walked = 0, i = 0; i < g->n; i++)
			r.walked += g->v[i].nm;
	}
	snprintf(path, len, "%s/report-%s-%d.out", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 ks_format_name(fmt), (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_no_error(ks_report_write(&r, fmt, f));
	fclose(f);
}

/* Run the independent reader; returns its exit status (SKIP_EXIT: reader missing). */
int reader(const char *kind, const char *path, const char *args)
{
	char cmd[16384];
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 %s/../tools/check_report.py %s %s %s", FIXTURES,
		 kind, path, args);
	/* the reader's "SKIP: why" lands in the log before cmocka's verdict (run.sh) */
	fflush(stdout);
	fflush(stderr);
	rc = system(cmd);
	unlink(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

void expect_reader(const char *kind, const char *path, const char *args)
{
	int rc = reader(kind, path, args);

	if (rc == SKIP_EXIT)
		skip();
	assert_int_equal(rc, 0);
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

/* 3 threads in one whole stack: kernel half, then user half. */
void group_user_half(struct ks_grouping *g)
{
	struct ks_cap_thread t = { .tgid = 7, .state = 'S', .flags = KS_CAP_USER,
				   .user_ip = 0x7f0000001000ull, .user_sp = 0x7ffc00 };
	struct ks_capture c;
	int i;

	ks_capture_init(&c, &pool);
	for (i = 0; i < 3; i++) {
		t.tid = 300 + i;
		strcpy(t.comm, "app");
		assert_non_null(ks_capture_add_frames(&c, &t, stack_sleep, 4, user_a, 2));
	}
	c.walked = c.n;
	ks_grouping_init(g, KS_GROUP_WHOLE);
	assert_no_error(ks_grouping_add(g, &c));
	ks_grouping_finish(g, 0);
	ks_capture_fini(&c);
}
