// SPDX-License-Identifier: GPL-2.0
/*
 * Known answers from a real kernel: stacks recorded in the 6.1 VM with
 * `kstack --raw` (saved stack bytes + the kernel's own unwinder's frames,
 * from one moment), walked here with the real ORC entries of the same
 * kernel (fixture cut from its vmlinux, shifted by the run's KASLR offset).
 * Covers syscall entry, a page-fault entry, kernel threads, and timer
 * interrupts that preempted a task in kernel and in user mode.
 */
#include "helpers.h"
#include "unwind.h"

#define LINK_STEXT 0xffffffff81000000ull	/* vmlinux's link-time _stext */

struct record {
	char title[128];
	uint64_t sp, base, size, stext, etext;
	uint64_t kernel[64];
	size_t nkernel;
	bool user;
	uint64_t user_ip, user_sp;
	uint8_t *stack;		/* [sp, base + size) */
	size_t stack_len;
};

static size_t parse_records(char *text, struct record *recs, size_t max)
{
	size_t n = 0;
	char *save, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct record *r = n ? &recs[n - 1] : NULL;
		unsigned long long a, b, c, d, e;

		if (!strncmp(line, "# thread ", 9)) {
			assert_true(n < max);
			r = &recs[n++];
			memset(r, 0, sizeof(*r));
			snprintf(r->title, sizeof(r->title), "%s", line + 9);
		} else if (sscanf(line, "raw-context sp %llx base %llx size %llx stext %llx etext %llx",
				  &a, &b, &c, &d, &e) == 5) {
			r->sp = a, r->base = b, r->size = c, r->stext = d, r->etext = e;
			r->stack_len = (size_t)(b + c - a);
			r->stack = calloc(1, r->stack_len);
		} else if (!strncmp(line, "raw-kernel ", 11)) {
			char *p = line + 11, *end;
			size_t k = strtoul(p, &end, 10);

			assert_true(k <= 64);
			for (r->nkernel = 0; r->nkernel < k; r->nkernel++)
				r->kernel[r->nkernel] = strtoull(end, &end, 16);
		} else if (sscanf(line, "raw-stop user mode user-ip %llx user-sp %llx", &a, &b) == 2) {
			r->user = true;
			r->user_ip = a;
			r->user_sp = b;
		} else if (!strncmp(line, "raw-stack ", 10)) {
			char *p = line + 10, *end;
			uint64_t addr = strtoull(p, &end, 16), v;

			assert_int_equal(*end, ':');
			p = end + 1;
			while ((v = strtoull(p, &end, 16)), end != p) {
				assert_true(addr >= r->sp && addr + 8 <= r->sp + r->stack_len);
				memcpy(r->stack + (addr - r->sp), &v, 8);
				addr += 8;
				p = end;
			}
		}
	}
	return n;
}

static void recorded_stacks_walk_like_the_kernel(void **state)
{
	struct record recs[16];
	size_t len, n, i, j, orclen;
	char *text = read_fixture("stacks-6.1.txt", &len);
	char *orc = read_fixture("orc-6.1-subset.bin", &orclen);
	uint64_t ipaddr, norc;

	(void)state;
	memcpy(&ipaddr, orc + 8, 8);
	memcpy(&norc, orc + 16, 8);
	n = parse_records(text, recs, 16);
	assert_true(n >= 7);
	for (i = 0; i < n; i++) {
		struct record *r = &recs[i];
		uint64_t shift = r->stext - LINK_STEXT;	/* this boot's KASLR offset */
		struct ks_orc_set set = { 0 };
		struct ks_orc_table *t;
		struct ks_walk_config cfg = {
			.orc = &set, .frame_size = 56, .frame_ret_off = 48, .frame_bp_off = 40,
		};
		struct ks_walk_thread th = { .stack_base = r->base, .stack_size = r->size, .saved_sp = r->sp };
		struct ks_walk_result w;

		assert_non_null(r->stack);
		assert_no_error(ks_orc_table_from_raw("vmlinux", KS_ORC_LAYOUT_V1, orc + 24,
						      ipaddr + shift, orc + 24 + 4 * norc, norc,
						      r->stext, r->etext, &t));
		assert_no_error(ks_orc_set_add(&set, t));
		assert_no_error(ks_walk_image(&cfg, &th, r->stack, &w));
		for (j = 0; j < w.nr && j < r->nkernel; j++)
			if (w.frames[j].ip != r->kernel[j])
				fail_msg("%s: frame %zu: walker %#llx, kernel %#llx", r->title, j,
					 (unsigned long long)w.frames[j].ip,
					 (unsigned long long)r->kernel[j]);
		if (w.nr != r->nkernel)
			fail_msg("%s: walker %zu frames, kernel %zu", r->title, w.nr, r->nkernel);
		assert_true(w.reliable);
		if (r->user) {
			assert_int_equal(w.stop, KS_STOP_USER);
			assert_int_equal(w.user_ip, r->user_ip);
			assert_int_equal(w.user_sp, r->user_sp);
		} else {
			assert_int_equal(w.stop, KS_STOP_END_OF_STACK);
		}
		ks_walk_result_fini(&w);
		ks_orc_set_clear(&set);
		free(r->stack);
	}
	free(text);
	free(orc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recorded_stacks_walk_like_the_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
