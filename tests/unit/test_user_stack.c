// SPDX-License-Identifier: GPL-2.0
/*
 * The user-mode half on a real thread of this process: a thread records its
 * own registers (inline asm, as the kernel saves them at entry) right before
 * it blocks in read() on a pipe; the test copies its stack with the
 * library's one process_vm_readv and unwinds it with libdwfl, and the
 * frames must name the functions the thread is in, in order. (The test may
 * look at its own threads; the tool never ptraces anything.)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "proc_maps.h"
#include "user_stack.h"
#include "user_unwind.h"

void user_test_block(int fd);
void user_test_fp_middle(int fd);	/* user_fp.c: no CFI */

static struct kstack_user_regs captured;
static atomic_int captured_tid;
static volatile int sink;

#define R(f) [f] "i"(offsetof(struct kstack_user_regs, f))

/* Record the registers the way pt_regs would hold them at a syscall, then block. */
__attribute__((noinline)) void user_test_block(int fd)
{
	char c;

	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "mov %%rax, %c[ip](%0)\n\t"
			 "mov %%rsp, %c[sp](%0)\n\t"
			 "mov %%rbp, %c[bp](%0)\n\t"
			 "mov %%rbx, %c[bx](%0)\n\t"
			 "mov %%r12, %c[r12](%0)\n\t"
			 "mov %%r13, %c[r13](%0)\n\t"
			 "mov %%r14, %c[r14](%0)\n\t"
			 "mov %%r15, %c[r15](%0)\n\t"
			 "movq $0x33, %c[cs](%0)\n"
			 "1:\n\t"
			 : : "r"(&captured), R(ip), R(sp), R(bp), R(bx), R(r12), R(r13), R(r14),
			   R(r15), R(cs)
			 : "rax", "memory");
	atomic_store(&captured_tid, (int)syscall(SYS_gettid));
	sink = (int)read(fd, &c, 1);
}

__attribute__((noinline)) static void user_test_level2(int fd)
{
	user_test_block(fd);
	sink++;
}

__attribute__((noinline)) static void user_test_level1(int fd)
{
	user_test_level2(fd);
	sink++;
}

__attribute__((noinline)) static void *user_test_thread(void *arg)
{
	int fd = *(int *)arg;

	if (fd < 0)
		user_test_fp_middle(-fd);
	else
		user_test_level1(fd);
	sink++;
	return NULL;
}

/* Wait until the thread sleeps (in read: "S" in /proc/self/task/TID/stat). */
static void wait_blocked(int tid)
{
	char path[64], buf[256], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 5000; i++) {
		FILE *f = fopen(path, "r");

		if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[2] == 'S') {
			fclose(f);
			return;
		}
		if (f)
			fclose(f);
		usleep(1000);
	}
	fail_msg("thread %d never blocked", tid);
}

struct blocked {
	pthread_t th;
	int pipe[2];
	int arg;
	int tid;
};

static void start_blocked(struct blocked *b, bool through_fp)
{
	atomic_store(&captured_tid, 0);
	assert_int_equal(pipe(b->pipe), 0);
	b->arg = through_fp ? -b->pipe[0] : b->pipe[0];
	assert_int_equal(pthread_create(&b->th, NULL, user_test_thread, &b->arg), 0);
	while (!(b->tid = atomic_load(&captured_tid)))
		usleep(1000);
	wait_blocked(b->tid);
}

static void stop_blocked(struct blocked *b)
{
	assert_int_equal(write(b->pipe[1], "x", 1), 1);
	pthread_join(b->th, NULL);
	close(b->pipe[0]);
	close(b->pipe[1]);
}

/* Index of the first frame at or after from whose name has "!fn+", or -1. */
static int find_frame(const struct ks_user_walk *w, size_t from, const char *fn)
{
	char pat[128];
	size_t i;

	snprintf(pat, sizeof(pat), "!%s+", fn);
	for (i = from; i < w->nr; i++)
		if (strstr(w->frames[i].name, pat))
			return (int)i;
	return -1;
}

static void print_walk(const struct ks_user_walk *w)
{
	size_t i;

	for (i = 0; i < w->nr; i++)
		print_message("  %016llx : %s%s\n", (unsigned long long)w->frames[i].pc,
			      w->frames[i].flags & KS_UF_FALLBACK ? "? " : "", w->frames[i].name);
}

static void capture(struct ks_user_proc *p, struct blocked *b, size_t bytes)
{
	ks_user_proc_init(p, (uint64_t)getpid());
	assert_no_error(ks_user_proc_add(p, (uint64_t)b->tid, &captured, 1, 2, NULL));
	assert_no_error(ks_user_proc_copy(p, bytes));
}

static void test_unwind_blocked_thread(void **state)
{
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct ks_user_walk w;
	struct blocked b;
	const struct ks_map *m;
	int i3, i2, i1, i0;

	(void)state;
	start_blocked(&b, false);
	capture(&p, &b, KS_USER_STACK_BYTES_DEFAULT);
	assert_int_equal(p.nr_readv, 1);
	/* the copy starts at sp and stays inside the stack's mapping */
	m = ks_maps_find(&p.maps, captured.sp);
	assert_non_null(m);
	assert_int_equal(p.v[0].stack_start, captured.sp);
	assert_true(p.v[0].stack_len > 0);
	assert_true(captured.sp + p.v[0].stack_len <= m->end);
	assert_false(p.v[0].flags & (KS_UT_SHORT | KS_UT_NO_STACK | KS_UT_COMPAT));

	ks_user_unwinder_init(&u);
	assert_no_error(ks_user_unwind_proc(&u, &p, 64, &w));
	print_walk(&w);
	i3 = find_frame(&w, 0, "user_test_block");
	i2 = find_frame(&w, 0, "user_test_level2");
	i1 = find_frame(&w, 0, "user_test_level1");
	i0 = find_frame(&w, 0, "user_test_thread");
	assert_int_equal(i3, 0);	/* the exact ip first */
	assert_true(w.frames[0].flags & KS_UF_EXACT);
	assert_int_equal(w.frames[0].pc, captured.ip);
	assert_int_equal(i2, 1);
	assert_int_equal(i1, 2);
	assert_int_equal(i0, 3);
	/* CFI all the way: nothing is marked as found by the fallback */
	for (size_t i = 0; i < w.nr; i++)
		assert_false(w.frames[i].flags & KS_UF_FALLBACK);
	/* a thread made by clone ends where glibc marks the outermost frame */
	assert_int_equal(w.stop, KS_USTOP_END);
	assert_int_equal(u.mem_fallback_reads, 0);
	/* the offset is that of the return address, the size the symbol's */
	assert_non_null(strstr(w.frames[1].name, "/0x"));

	/* a second walk names from the cache and opens nothing new */
	{
		size_t opened = u.files_opened, made = u.names_made;
		struct ks_user_walk w2;

		assert_no_error(ks_user_unwind_proc(&u, &p, 64, &w2));
		assert_int_equal(w2.nr, w.nr);
		assert_int_equal(u.files_opened, opened);
		assert_int_equal(u.names_made, made);
		assert_true(u.names_reused >= w.nr);
		for (size_t i = 0; i < w.nr; i++)
			assert_ptr_equal(w2.frames[i].name, w.frames[i].name);
		ks_user_walks_fini(&w2, 1);
	}
	ks_user_walks_fini(&w, 1);
	ks_user_unwinder_fini(&u);
	ks_user_proc_fini(&p);
	stop_blocked(&b);
}

/* A copy smaller than the frames: the rest is read on demand, same frames. */
static void test_short_copy_reads_rest(void **state)
{
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct ks_user_walk w;
	struct blocked b;

	(void)state;
	start_blocked(&b, false);
	capture(&p, &b, 16);
	assert_int_equal(p.v[0].stack_len, 16);
	ks_user_unwinder_init(&u);
	assert_no_error(ks_user_unwind_proc(&u, &p, 64, &w));
	assert_int_equal(find_frame(&w, 0, "user_test_level1"), 2);
	assert_true(u.mem_fallback_reads > 0);
	ks_user_walks_fini(&w, 1);
	ks_user_unwinder_fini(&u);
	ks_user_proc_fini(&p);
	stop_blocked(&b);
}

/* Through a function without CFI: the frame above it is marked fallback. */
static void test_fallback_marked(void **state)
{
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct ks_user_walk w;
	struct blocked b;
	int im, it;

	(void)state;
	start_blocked(&b, true);
	capture(&p, &b, KS_USER_STACK_BYTES_DEFAULT);
	ks_user_unwinder_init(&u);
	assert_no_error(ks_user_unwind_proc(&u, &p, 64, &w));
	print_walk(&w);
	im = find_frame(&w, 0, "user_test_fp_middle");
	it = find_frame(&w, 0, "user_test_thread");
	assert_int_equal(im, 1);
	assert_false(w.frames[im].flags & KS_UF_FALLBACK);	/* from block's CFI */
	assert_int_equal(it, 2);
	assert_true(w.frames[it].flags & KS_UF_FALLBACK);	/* by frame pointer */
	ks_user_walks_fini(&w, 1);
	ks_user_unwinder_fini(&u);
	ks_user_proc_fini(&p);
	stop_blocked(&b);
}

/* The frame limit cuts the walk and says so. */
static void test_frame_limit(void **state)
{
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct ks_user_walk w;
	struct blocked b;

	(void)state;
	start_blocked(&b, false);
	capture(&p, &b, KS_USER_STACK_BYTES_DEFAULT);
	ks_user_unwinder_init(&u);
	assert_no_error(ks_user_unwind_proc(&u, &p, 2, &w));
	assert_int_equal(w.nr, 2);
	assert_int_equal(w.stop, KS_USTOP_LIMIT);
	ks_user_walks_fini(&w, 1);
	ks_user_unwinder_fini(&u);
	ks_user_proc_fini(&p);
	stop_blocked(&b);
}

/*
 * sp outside every mapping: nothing copied, the walk says why, and its
 * first frame is still named, from the registers alone (ip).
 */
static void test_sp_unmapped(void **state)
{
	struct kstack_user_regs r = { .ip = (uint64_t)(uintptr_t)test_sp_unmapped, .sp = 8, .cs = 0x33 };
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct ks_user_walk w;

	(void)state;
	ks_user_proc_init(&p, (uint64_t)getpid());
	assert_no_error(ks_user_proc_add(&p, (uint64_t)getpid(), &r, 0, 0, NULL));
	assert_no_error(ks_user_proc_copy(&p, 4096));
	assert_true(p.v[0].flags & KS_UT_NO_STACK);
	assert_int_equal(p.nr_readv, 0);
	ks_user_unwinder_init(&u);
	assert_no_error(ks_user_unwind_proc(&u, &p, 8, &w));
	assert_int_equal(w.stop, KS_USTOP_NONE);
	assert_string_equal(w.why, "user sp in no readable mapping");
	assert_int_equal(w.nr, 1);
	assert_int_equal(w.frames[0].pc, r.ip);
	assert_true(w.frames[0].flags & KS_UF_EXACT);
	assert_non_null(strstr(w.frames[0].name, "!test_sp_unmapped+0x0"));
	ks_user_walks_fini(&w, 1);
	ks_user_unwinder_fini(&u);
	ks_user_proc_fini(&p);
}

/*
 * Where a frame-pointer chain ends: a hand-made stack, ip in
 * user_test_fp_middle (no CFI: the frame-pointer rule), rbp at a frame
 * record {prev_fp 0, ret}. A return address in a module's code with a
 * frame pointer of 0 is the psABI's outermost frame: whole. The same chain
 * whose last step lands outside every module is cut short; so is a thread
 * whose own frame has neither CFI nor a frame pointer.
 */
static void test_fp_chain_end(void **state)
{
	static const int stops[] = { KS_USTOP_END, KS_USTOP_ERROR, KS_USTOP_ERROR };
	static const size_t nrs[] = { 2, 2, 1 };
	volatile uint64_t stack[8];
	uint64_t fn = (uint64_t)(uintptr_t)user_test_fp_middle;
	size_t k, i;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct kstack_user_regs r = { .ip = fn + 4, .sp = (uint64_t)(uintptr_t)&stack[0],
					      .bp = (uint64_t)(uintptr_t)&stack[2], .cs = 0x33 };
		struct ks_user_unwinder u;
		struct ks_user_proc p;
		struct ks_user_walk w;

		for (i = 0; i < 8; i++)
			stack[i] = 0;
		/* the return address: in user_test_fp_middle, or nowhere */
		stack[3] = k == 1 ? 0x10 : fn + 8;
		if (k == 2)
			r.bp = 0;	/* no frame pointer at all: the walk cannot start */
		ks_user_proc_init(&p, (uint64_t)getpid());
		assert_no_error(ks_user_proc_add(&p, (uint64_t)syscall(SYS_gettid), &r, 0, 0, NULL));
		assert_no_error(ks_user_proc_copy(&p, sizeof(stack)));
		ks_user_unwinder_init(&u);
		assert_no_error(ks_user_unwind_proc(&u, &p, 8, &w));
		assert_int_equal(w.nr, nrs[k]);
		if (w.nr > 1)
			assert_true(w.frames[1].flags & KS_UF_FALLBACK);
		assert_int_equal(w.stop, stops[k]);
		ks_user_walks_fini(&w, 1);
		ks_user_unwinder_fini(&u);
		ks_user_proc_fini(&p);
	}
}

/*
 * A process's stacks copied a batch at a time: each batch replaces the
 * last (only its threads live), and every thread is copied once; walked
 * batch by batch, each thread's walk is its own.
 */
static void test_copy_batches(void **state)
{
	struct ks_user_walk w[3] = { 0 };
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct blocked b;
	size_t next = 0, batches = 0, i;

	(void)state;
	start_blocked(&b, false);
	ks_user_proc_init(&p, (uint64_t)getpid());
	for (i = 0; i < 3; i++)
		assert_no_error(ks_user_proc_add(&p, (uint64_t)b.tid, &captured, 0, 0, NULL));
	ks_user_unwinder_init(&u);
	for (;;) {
		assert_no_error(ks_user_proc_copy_batch(&p, 4096, 1, &next));
		if (!p.nlive)
			break;
		batches++;
		assert_int_equal(p.nlive, 1);	/* budget 1 byte: one thread a batch */
		assert_int_equal(p.live[0], batches - 1);
		assert_true(p.v[batches - 1].flags & KS_UT_LIVE);
		for (i = 0; i + 1 < batches; i++)
			assert_false(p.v[i].flags & KS_UT_LIVE);
		assert_true(p.buf_len <= 4096);
		assert_no_error(ks_user_unwind_live(&u, &p, 64, w));
	}
	assert_int_equal(batches, 3);
	assert_int_equal(next, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(find_frame(&w[i], 0, "user_test_level1"), 2);
	/* one process: one Dwfl, held for the next of its layout */
	assert_int_equal(u.dwfls_made, 1);
	assert_non_null(u.held);
	ks_user_walks_fini(w, 3);
	ks_user_unwinder_fini(&u);
	ks_user_proc_fini(&p);
	stop_blocked(&b);
}

static void test_copy_bad_input(void **state)
{
	struct kstack_user_regs r = { .sp = 4096, .cs = 0x23 };
	struct ks_user_proc p;
	struct ks_error *err;

	(void)state;
	ks_user_proc_init(&p, (uint64_t)getpid());
	assert_no_error(ks_user_proc_add(&p, 1, &r, 0, 0, NULL));
	assert_true(p.v[0].flags & KS_UT_COMPAT);	/* cs 0x23: an i386 task */
	err = ks_user_proc_copy(&p, 0);
	assert_non_null(err);
	assert_int_equal(err->code, EINVAL);
	ks_error_destroy(err);
	err = ks_user_proc_copy(&p, KS_USER_STACK_BYTES_MAX + 1);
	assert_int_equal(err->code, EINVAL);
	ks_error_destroy(err);
	ks_user_proc_fini(&p);
	/* a process that does not exist */
	ks_user_proc_init(&p, 0x7ffffff0);
	assert_no_error(ks_user_proc_add(&p, 1, &r, 0, 0, NULL));
	err = ks_user_proc_copy(&p, 4096);
	assert_non_null(err);
	assert_int_equal(err->code, ESRCH);
	ks_error_destroy(err);
	ks_user_proc_fini(&p);
}

/*
 * Two processes of one layout share a Dwfl (here: the same process twice,
 * each with its own blocked thread); each keeps its own walk. A layout
 * with one module elsewhere is not the same.
 */
static void test_group_same_layout(void **state)
{
	struct ks_user_proc p1, p2, *procs[2] = { &p1, &p2 };
	struct ks_user_walk w1, w2, *walks[2] = { &w1, &w2 };
	struct kstack_user_regs r1;
	struct ks_user_unwinder u;
	struct blocked b1, b2;

	(void)state;
	start_blocked(&b1, false);
	r1 = captured;
	start_blocked(&b2, true);
	ks_user_proc_init(&p1, (uint64_t)getpid());
	assert_no_error(ks_user_proc_add(&p1, (uint64_t)b1.tid, &r1, 0, 0, NULL));
	assert_no_error(ks_user_proc_copy(&p1, KS_USER_STACK_BYTES_DEFAULT));
	ks_user_proc_init(&p2, (uint64_t)getpid());
	assert_no_error(ks_user_proc_add(&p2, (uint64_t)b2.tid, &captured, 0, 0, NULL));
	assert_no_error(ks_user_proc_copy(&p2, KS_USER_STACK_BYTES_DEFAULT));
	assert_true(ks_user_same_layout(&p1, &p2));
	ks_user_unwinder_init(&u);
	assert_no_error(ks_user_unwind_procs(&u, procs, 2, 64, walks));
	assert_int_equal(u.dwfls_made, 1);
	assert_int_equal(find_frame(&w1, 0, "user_test_level1"), 2);
	assert_int_equal(find_frame(&w2, 0, "user_test_fp_middle"), 1);
	assert_int_equal(find_frame(&w2, 0, "user_test_level1"), -1);
	ks_user_walks_fini(&w1, 1);
	ks_user_walks_fini(&w2, 1);
	ks_user_unwinder_fini(&u);

	/* one module moved: not the same layout */
	for (size_t i = 0; i < p2.maps.n; i++) {
		if (p2.maps.v[i].path[0] == '/') {
			p2.maps.v[i].start += 0x1000;
			break;
		}
	}
	assert_false(ks_user_same_layout(&p1, &p2));
	ks_user_proc_fini(&p1);
	ks_user_proc_fini(&p2);
	stop_blocked(&b1);
	stop_blocked(&b2);
}

static void test_maps_parse(void **state)
{
	char *text = strdup(
		"55d0c1a2b000-55d0c1a2c000 r--p 00000000 08:01 1234 /usr/bin/my prog (deleted)\n"
		"55d0c1a2c000-55d0c1a2d000 r-xp 00001000 08:01 1234 /usr/bin/my prog (deleted)\n"
		"7ffd5e6f0000-7ffd5e711000 rw-p 00000000 00:00 0                          [stack]\n"
		"7ffd5e7f0000-7ffd5e7f2000 r-xp 00000000 00:00 0 [vdso]\n"
		"7ffd5e800000-7ffd5e801000 r--p 00000000 08:01 77 /tmp/a\\012b\n");
	struct ks_maps m;
	const struct ks_map *x;

	(void)state;
	assert_no_error(ks_maps_parse(&m, text));
	assert_int_equal(m.n, 5);
	/* the kernel's "\012" for a newline in a path, given back */
	assert_string_equal(m.v[4].path, "/tmp/a\nb");
	assert_string_equal(m.v[0].path, "/usr/bin/my prog");
	assert_true(m.v[0].deleted);
	assert_true(m.v[1].exec);
	assert_int_equal(m.v[1].offset, 0x1000);
	assert_int_equal(m.v[1].ino, 1234);
	assert_int_equal(m.v[1].dev_major, 8);
	assert_string_equal(m.v[2].path, "[stack]");
	assert_string_equal(m.v[3].path, "[vdso]");
	x = ks_maps_find(&m, 0x7ffd5e710fff);
	assert_ptr_equal(x, &m.v[2]);
	assert_null(ks_maps_find(&m, 0x7ffd5e711000));
	assert_null(ks_maps_find(&m, 0x1000));
	ks_maps_fini(&m);

	text = strdup("garbage line\n");
	{
		struct ks_error *err = ks_maps_parse(&m, text);

		assert_non_null(err);
		assert_int_equal(err->code, EPROTO);
		ks_error_destroy(err);
	}
	ks_maps_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwind_blocked_thread),
		cmocka_unit_test(test_short_copy_reads_rest),
		cmocka_unit_test(test_fallback_marked),
		cmocka_unit_test(test_frame_limit),
		cmocka_unit_test(test_sp_unmapped),
		cmocka_unit_test(test_copy_bad_input),
		cmocka_unit_test(test_group_same_layout),
		cmocka_unit_test(test_fp_chain_end),
		cmocka_unit_test(test_copy_batches),
		cmocka_unit_test(test_maps_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
