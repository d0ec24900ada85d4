// SPDX-License-Identifier: GPL-2.0
/*
 * --verify's comparisons (frame for frame; /proc after dropping scheduler
 * functions, at most 64 frames), /proc parsing, thread enumeration, and
 * loading a kernel's ORC tables (vmlinux + modules via sysfs) from a fake
 * /proc, /sys/module and kernel memory.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_orc.h"
#include "threads.h"
#include "verify.h"


static struct ks_walk_result walk_of(const uint64_t *ips, size_t n)
{
	struct ks_walk_result w = { .frames = calloc(n ? n : 1, sizeof(struct ks_frame)), .nr = n };
	size_t i;

	for (i = 0; i < n; i++) {
		w.frames[i].ip = ips[i];
		w.frames[i].reliable = true;
	}
	return w;
}

static const uint64_t nanosleep_ips[] = {
	0xffffffff81a523d0ull + 0x34d,	/* __schedule: sched */
	0xffffffff81a52dd0ull + 0x5a,	/* schedule: sched */
	0xffffffff81a58920ull + 0x7b,	/* do_nanosleep: sched */
	0xffffffff811566b0ull + 0x9e,	/* hrtimer_nanosleep */
	0xffffffff8115ead0ull + 0x3f,	/* common_nsleep */
	0xffffffff81161700ull + 0xdb,	/* __x64_sys_clock_nanosleep */
	0xffffffff81a43dc0ull + 0x5d,	/* do_syscall_64 */
	0xffffffff81c000b8ull + 0x6e,	/* entry_SYSCALL_64_after_hwframe */
};

static void kernel_frames_compared_exactly(void **state)
{
	struct ks_walk_result w = walk_of(nanosleep_ips, 8);
	uint64_t k[8];
	size_t diff;

	(void)state;
	memcpy(k, nanosleep_ips, sizeof(k));
	assert_true(ks_verify_cmp_kernel(&w, k, 8, &diff));
	k[5]++;
	assert_false(ks_verify_cmp_kernel(&w, k, 8, &diff));
	assert_int_equal(diff, 5);
	assert_false(ks_verify_cmp_kernel(&w, k, 7, &diff));	/* length differs */
	/* scan guesses are ours alone: not compared */
	w.frames[7].how = KS_HOW_SCAN;
	memcpy(k, nanosleep_ips, sizeof(k));
	assert_true(ks_verify_cmp_kernel(&w, k, 7, &diff));
	ks_walk_result_fini(&w);
}

static void proc_compared_without_sched(void **state)
{
	char *proc[] = {
		"hrtimer_nanosleep+0x9e/0x170", "common_nsleep+0x3f/0x50",
		"__x64_sys_clock_nanosleep+0xdb/0x140", "do_syscall_64+0x5d/0xb0",
		"entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
	};
	struct ks_walk_result w = walk_of(nanosleep_ips, 8);
	size_t diff;

	assert_true(ks_verify_cmp_proc(*state, &w, proc, 5, &diff));
	proc[1] = "common_nsleep+0x40/0x50";
	assert_false(ks_verify_cmp_proc(*state, &w, proc, 5, &diff));
	assert_int_equal(diff, 1);
	proc[1] = "common_nsleep+0x3f/0x50";
	assert_false(ks_verify_cmp_proc(*state, &w, proc, 4, &diff));	/* /proc shorter */
	ks_walk_result_fini(&w);
}

/*
 * Names formed as the kernel forms them (SYMBOLIZE) are compared with
 * /proc exactly: a BPF trampoline's size is the image's, which no
 * kallsyms parse can know; a name that differs in its size alone differs.
 */
static void proc_compared_by_kernel_names(void **state)
{
	static const uint64_t ips[] = {
		0xffffffff81a523d0ull + 0x34d,	/* __schedule: sched, dropped */
		0xffffffffc0580000ull + 0x3e,	/* a BPF trampoline */
		0xffffffff811566b0ull + 0x5,	/* hrtimer_nanosleep */
	};
	char *names[] = {
		"__schedule+0x34d/0xa00", "bpf_trampoline_6442462463+0x3e/0x1000",
		"hrtimer_nanosleep+0x5/0x170",
	};
	char *proc[] = { "bpf_trampoline_6442462463+0x3e/0x1000", "hrtimer_nanosleep+0x5/0x170" };
	struct ks_walk_result w = walk_of(ips, 3);
	size_t diff;

	assert_true(ks_verify_cmp_proc_names(*state, &w, names, proc, 2, &diff));
	assert_int_equal(diff, 2);
	names[1] = "bpf_trampoline_6442462463+0x3e/0x2000";
	assert_false(ks_verify_cmp_proc_names(*state, &w, names, proc, 2, &diff));
	assert_int_equal(diff, 0);
	ks_walk_result_fini(&w);
}

static void proc_depth_limit_respected(void **state)
{
	uint64_t ips[70];
	char *proc[64];
	char buf[64][64];
	struct ks_walk_result w;
	size_t i, diff;

	for (i = 0; i < 70; i++)
		ips[i] = 0xffffffff810cd340ull + 0x10 + i;	/* kthread+0x10.. */
	for (i = 0; i < 64; i++) {
		snprintf(buf[i], sizeof(buf[i]), "kthread+0x%zx/0x100", 0x10 + i);
		proc[i] = buf[i];
	}
	w = walk_of(ips, 70);
	/* /proc stops at 64 entries: a longer walk still agrees */
	assert_true(ks_verify_cmp_proc(*state, &w, proc, 64, &diff));
	ks_walk_result_fini(&w);
}

/* kstack --verify -n 3: a walk cut at the user's frame limit agrees with
 * the first frames of the kernel's uncut stack (and /proc's) */
static void walk_cut_by_frame_limit_compared_over_its_frames(void **state)
{
	char *proc[] = {
		"hrtimer_nanosleep+0x9e/0x170", "common_nsleep+0x3f/0x50",
		"__x64_sys_clock_nanosleep+0xdb/0x140", "do_syscall_64+0x5d/0xb0",
		"entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
	};
	struct ks_walk_result w = walk_of(nanosleep_ips, 4);
	uint64_t k[8];
	size_t diff;

	memcpy(k, nanosleep_ips, sizeof(k));
	w.stop = KS_STOP_MAX_FRAMES;
	assert_true(ks_verify_cut_by_limit(&w));
	assert_true(ks_verify_cmp_kernel(&w, k, 8, &diff));
	assert_int_equal(diff, 4);
	assert_true(ks_verify_cmp_proc(*state, &w, proc, 5, &diff));
	assert_int_equal(diff, 1);	/* hrtimer_nanosleep: the one non-sched frame */
	/* a difference within the frames we have is still one */
	k[3]++;
	assert_false(ks_verify_cmp_kernel(&w, k, 8, &diff));
	assert_int_equal(diff, 3);
	proc[0] = "hrtimer_nanosleep+0x9f/0x170";
	assert_false(ks_verify_cmp_proc(*state, &w, proc, 5, &diff));
	/* and the kernel's shorter than ours is not agreement */
	k[3]--;
	assert_false(ks_verify_cmp_kernel(&w, k, 3, &diff));
	/* a walk that stopped there for another reason is not cut by -n */
	w.stop = KS_STOP_NO_ORC;
	assert_false(ks_verify_cut_by_limit(&w));
	assert_false(ks_verify_cmp_kernel(&w, k, 8, &diff));
	ks_walk_result_fini(&w);
}

static char tmpdir[] = "/tmp/kstack-unit-XXXXXX";

static void write_file(const char *rel, const char *text)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (slash = strchr(path + strlen(tmpdir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_tmp(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown_tmp(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void proc_stack_parsed(void **state)
{
	char **lines;
	size_t n;
	struct ks_error *err;

	(void)state;
	write_file("proc/42/task/43/stack",
		   "[<0>] hrtimer_nanosleep+0x9e/0x170\n[<0>] kvm_vcpu_block+0x4c/0xa0 [kvm]\n");
	{
		char proc[512];

		snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
		assert_no_error(ks_proc_stack_read(proc, 42, 43, &lines, &n));
		assert_int_equal(n, 2);
		assert_string_equal(lines[0], "hrtimer_nanosleep+0x9e/0x170");
		assert_string_equal(lines[1], "kvm_vcpu_block+0x4c/0xa0 [kvm]");
		free(lines[0]);
		free(lines[1]);
		free(lines);
		err = ks_proc_stack_read(proc, 42, 44, &lines, &n);
		assert_non_null(err);
		assert_int_equal(err->code, ESRCH);	/* gone thread */
		ks_error_destroy(err);
	}
}

static void threads_enumerated(void **state)
{
	struct ks_tid_list l = { 0 };
	char proc[512];
	struct ks_error *err;

	(void)state;
	write_file("p2/10/task/10/stat", "x");
	write_file("p2/10/task/11/stat", "x");
	write_file("p2/12/task/12/stat", "x");
	write_file("p2/self/stat", "x");		/* not a pid */
	snprintf(proc, sizeof(proc), "%s/p2", tmpdir);
	assert_no_error(ks_threads_of(&l, proc, 10));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].tgid, 10);
	ks_tid_list_fini(&l);
	assert_no_error(ks_threads_all(&l, proc));
	assert_int_equal(l.n, 3);
	ks_tid_list_fini(&l);
	err = ks_threads_of(&l, proc, 99);
	assert_non_null(err);
	assert_int_equal(err->code, ESRCH);
	ks_error_destroy(err);
	ks_tid_list_fini(&l);
}

/* Fake kernel memory: two regions, served by a read callback. */
struct fakemem {
	uint64_t addr[2];
	uint8_t buf[2][4096];
};

static struct ks_error *fake_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct fakemem *m = ctx;
	int i;

	for (i = 0; i < 2; i++)
		if (addr >= m->addr[i] && addr + len <= m->addr[i] + sizeof(m->buf[i])) {
			memcpy(out, m->buf[i] + (addr - m->addr[i]), len);
			return NULL;
		}
	return ks_error_format(EPERM, "READ_MEMORY %#llx: not allowed", (unsigned long long)addr);
}

/* n entries: CALL frames every 0x10 bytes from text, the last END_OF_STACK */
static void fake_tables(uint8_t *ipraw, uint64_t ipaddr, uint8_t *orcraw, size_t n, uint64_t text)
{
	size_t i;

	for (i = 0; i < n; i++) {
		raw_ip(ipraw, ipaddr, i, text + 0x10 * i);
		if (i == n - 1)
			raw_orc_v1(orcraw + 6 * i, 0, 0, 0, 0, 0, 1);
		else
			raw_orc_v1(orcraw + 6 * i, 8, 0, KS_ORC_REG_SP, 0, 0, 0);
	}
}

static void notes(void *ctx, const char *msg)
{
	char *buf = ctx;

	strncat(buf, msg, 1023 - strlen(buf));
	strncat(buf, "\n", 1023 - strlen(buf));
}

static void kernel_and_module_tables_loaded(void **state)
{
	static struct fakemem m;
	struct kstack_module_orc mods[3];
	char text[1024], notebuf[1024] = "";
	uint64_t vip = 0xffffffff82c00000ull, vorc = vip + 4 * 20;
	uint64_t morc = 0xffffffffc0001000ull, mip = morc + 6 * 10;
	struct ks_ksyms ks;
	struct ks_orc_set set = { 0 };
	struct ks_kernel_orc_opts o;
	const struct ks_orc *e;

	(void)state;
	m.addr[0] = vip;
	m.addr[1] = morc;
	fake_tables(m.buf[0], vip, m.buf[0] + 4 * 20, 20, 0xffffffff81000000ull);
	fake_tables(m.buf[1] + 6 * 10, mip, m.buf[1], 10, 0xffffffffc0000000ull);
	snprintf(text, sizeof(text),
		 "ffffffff81000000 T _stext\nffffffff81001000 T _etext\n"
		 "%016llx R __start_orc_unwind_ip\n%016llx R __stop_orc_unwind_ip\n"
		 "%016llx R __start_orc_unwind\n%016llx R __stop_orc_unwind\n",
		 (unsigned long long)vip, (unsigned long long)vorc,
		 (unsigned long long)vorc, (unsigned long long)(vorc + 6 * 20));
	assert_no_error(ks_ksyms_parse(&ks, strdup(text), strlen(text)));
	/* where the driver's MODULE_ORC says the loader put them */
	memset(mods, 0, sizeof(mods));
	strcpy(mods[0].name, "fakemod");
	mods[0].text_start = 0xffffffffc0000000ull;
	mods[0].text_end = mods[0].text_start + 0x1000;
	mods[0].orc_ip = mip;
	mods[0].orc = morc;
	mods[0].num_orcs = 10;
	/* tables READ_MEMORY refuses: noted, left out */
	strcpy(mods[1].name, "unreadable");
	mods[1].text_start = 0xffffffffc0010000ull;
	mods[1].text_end = mods[1].text_start + 0x1000;
	mods[1].orc_ip = 0xffffffffc0011000ull;
	mods[1].orc = 0xffffffffc0012000ull;
	mods[1].num_orcs = 4;
	/* an entry that cannot be right */
	strcpy(mods[2].name, "bogus");
	mods[2].text_start = 0xffffffffc0020000ull;
	mods[2].text_end = mods[2].text_start;
	mods[2].num_orcs = 4;
	o = (struct ks_kernel_orc_opts){
		.layout = KS_ORC_LAYOUT_V1, .read = fake_read, .ctx = &m, .ksyms = &ks,
		.modules = mods, .nr_modules = 3, .note = notes, .note_ctx = notebuf,
	};
	assert_no_error(ks_kernel_orc_load(&o, &set));
	assert_int_equal(set.count, 2);
	e = ks_orc_set_find(&set, 0xffffffff81000015ull);
	assert_non_null(e);
	assert_int_equal(e->type, KS_ORC_TYPE_CALL);
	e = ks_orc_set_find(&set, 0xffffffffc0000095ull);	/* module entry 9: END */
	assert_non_null(e);
	assert_int_equal(e->type, KS_ORC_TYPE_END_OF_STACK);
	assert_non_null(strstr(notebuf, "module unreadable: unreadable: reading ORC tables"));
	assert_non_null(strstr(notebuf, "module bogus: MODULE_ORC entry makes no sense"));
	assert_null(ks_orc_set_find(&set, 0xffffffffc0010005ull));

	/* a driver without MODULE_ORC: vmlinux only, and a note saying so */
	notebuf[0] = 0;
	o.modules = NULL;
	o.nr_modules = 0;
	ks_orc_set_clear(&set);
	assert_no_error(ks_kernel_orc_load(&o, &set));
	assert_int_equal(set.count, 1);
	assert_non_null(strstr(notebuf, "driver has no MODULE_ORC"));
	ks_orc_set_clear(&set);

	/* a driver that refuses the ORC read: a clear error, no table */
	m.addr[0] = 0;
	{
		struct ks_error *err = ks_kernel_orc_load(&o, &set);

		assert_non_null(err);
		assert_non_null(strstr(err->message, "vmlinux: reading ORC tables"));
		ks_error_destroy(err);
	}
	ks_orc_set_clear(&set);
	ks_ksyms_fini(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_frames_compared_exactly),
		cmocka_unit_test_setup_teardown(proc_compared_without_sched, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(proc_compared_by_kernel_names, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(proc_depth_limit_respected, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test_setup_teardown(walk_cut_by_frame_limit_compared_over_its_frames, ksyms_fixture_setup, ksyms_fixture_teardown),
		cmocka_unit_test(proc_stack_parsed),
		cmocka_unit_test(threads_enumerated),
		cmocka_unit_test(kernel_and_module_tables_loaded),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
