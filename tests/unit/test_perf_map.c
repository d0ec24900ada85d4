// SPDX-License-Identifier: GPL-2.0
/*
 * Perf maps (lib/user/perf_map.h): the format as runtimes write it, a later
 * line winning over an earlier one, hostile text (malformed lines, ranges
 * past the end of memory, long names, control bytes), and the checks on
 * the file (owner, kind, size) on a map of this very process; then the
 * user unwinder naming a pc in an anonymous executable page from it.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "perf_map.h"
#include "user_unwind.h"

static void parse(struct ks_perf_map *m, const char *text)
{
	assert_no_error(ks_perf_map_parse(m, strdup(text), strlen(text)));
}

static const char *name_at(const struct ks_perf_map *m, uint64_t addr, char *buf)
{
	const struct ks_perf_sym *s = ks_perf_map_find(m, addr);

	if (!s)
		return "(none)";
	memcpy(buf, s->name, s->name_len);
	buf[s->name_len] = '\0';
	return buf;
}

/* node --perf-basic-prof and CPython -X perf lines; names hold spaces */
static void format(void **state)
{
	struct ks_perf_map m;
	char buf[2048];

	(void)state;
	parse(&m, "3ef414c0 398 RegExp:[{(]\n"
		  "0x7f0000001000 0x40 LazyCompile:*fib /app/fib.js:3\n"
		  "7f0000002000 20 py::worker:/app/w.py\n"
		  "7f0000003000\t10\ttabbed");
	assert_int_equal(m.n, 4);
	assert_int_equal(m.skipped, 0);
	assert_string_equal(name_at(&m, 0x3ef414c0, buf), "RegExp:[{(]");
	assert_string_equal(name_at(&m, 0x3ef414c0 + 0x397, buf), "RegExp:[{(]");
	assert_string_equal(name_at(&m, 0x3ef414c0 + 0x398, buf), "(none)");
	assert_string_equal(name_at(&m, 0x7f0000001010, buf), "LazyCompile:*fib /app/fib.js:3");
	assert_string_equal(name_at(&m, 0x7f000000201f, buf), "py::worker:/app/w.py");
	/* the last line, without its newline (a map being written) */
	assert_string_equal(name_at(&m, 0x7f0000003000, buf), "tabbed");
	assert_string_equal(name_at(&m, 0x7f0000000fff, buf), "(none)");
	ks_perf_map_fini(&m);
}

/* Code freed and its memory reused: the later line names it. */
static void later_wins(void **state)
{
	struct ks_perf_map m;
	char buf[2048];

	(void)state;
	parse(&m, "1000 1000 old_big\n"
		  "1800 100 new_small\n"
		  "1000 10 newer_start\n"
		  "5000 10 alone\n");
	assert_string_equal(name_at(&m, 0x1000, buf), "newer_start");
	assert_string_equal(name_at(&m, 0x1010, buf), "old_big");
	assert_string_equal(name_at(&m, 0x1880, buf), "new_small");
	assert_string_equal(name_at(&m, 0x1900, buf), "old_big");
	assert_string_equal(name_at(&m, 0x1fff, buf), "old_big");
	assert_string_equal(name_at(&m, 0x2000, buf), "(none)");
	assert_string_equal(name_at(&m, 0x5005, buf), "alone");
	ks_perf_map_fini(&m);
}

/* What a hostile or broken writer may leave: skipped, never trusted. */
static void hostile_lines(void **state)
{
	struct ks_perf_map m;
	char text[8192], buf[2048], *p = text, *big;
	const struct ks_perf_sym *s;

	(void)state;
	p += sprintf(p, "garbage line\n");
	p += sprintf(p, "1000\n");				/* no size */
	p += sprintf(p, "1000 10\n");				/* no name */
	p += sprintf(p, "1000 10 \n");				/* empty name */
	p += sprintf(p, "2000 0 zero_size\n");			/* empty range */
	p += sprintf(p, "ffffffffffffff00 200 wraps\n");	/* past the end of memory */
	p += sprintf(p, "10000000000000000 10 too_wide\n");	/* 17 digits */
	p += sprintf(p, "-1000 10 negative\n");
	p += sprintf(p, "\n\n");
	p += sprintf(p, "3000 10 ctl\033[31m\r\x7f" "end\n");	/* kept raw: the printer escapes */
	memcpy(p, "4000 10 nul\0inside\n", 19);			/* a NUL is a byte of the name */
	p += 19;
	assert_no_error(ks_perf_map_parse(&m, memcpy(malloc((size_t)(p - text)), text,
						     (size_t)(p - text)), (size_t)(p - text)));
	assert_int_equal(m.n, 2);
	assert_int_equal(m.skipped, 10);
	assert_string_equal(name_at(&m, 0x3000, buf), "ctl\033[31m\r\x7f" "end");
	s = ks_perf_map_find(&m, 0x4000);
	assert_non_null(s);
	assert_int_equal(s->name_len, 10);
	assert_memory_equal(s->name, "nul\0inside", 10);
	assert_string_equal(name_at(&m, 0xffffffffffffff80ull, buf), "(none)");
	ks_perf_map_fini(&m);

	/* a name past KS_PERF_MAP_NAME_MAX is cut there */
	big = malloc(16 + 5000);
	strcpy(big, "5000 10 ");
	memset(big + 8, 'x', 5000);
	big[8 + 5000] = '\0';
	parse(&m, big);
	s = ks_perf_map_find(&m, 0x5000);
	assert_non_null(s);
	assert_int_equal(s->name_len, KS_PERF_MAP_NAME_MAX);
	ks_perf_map_fini(&m);
	free(big);
}

/* More entries than KS_PERF_MAP_MAX_SYMS: the map is not used at all. */
static void too_many(void **state)
{
	size_t n = KS_PERF_MAP_MAX_SYMS + 1, i, len = 0;
	char *text = malloc(n * 8 + 1);
	struct ks_perf_map m;
	struct ks_error *err;

	(void)state;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zx 1 f\n", i % 0xfff);
	err = ks_perf_map_parse(&m, text, len);
	assert_non_null(err);
	assert_int_equal(err->code, E2BIG);
	assert_int_equal(m.n, 0);
	ks_error_destroy(err);
}

static char map_path[64];

static void write_map(const char *text)
{
	int fd;

	unlink(map_path);
	fd = open(map_path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int expect_read(int code)
{
	struct ks_perf_map m;
	struct ks_error *err = ks_perf_map_read(&m, NULL, (uint64_t)getpid());
	int got = err ? err->code : 0;

	if (got != code)
		fail_msg("perf map read: %s, want code %d", err ? err->message : "no error", code);
	if (!err) {
		assert_int_equal(m.nspid, (uint64_t)getpid());
		assert_int_equal(m.n, 1);
		ks_perf_map_fini(&m);
	}
	ks_error_destroy(err);
	return got;
}

/* The file's checks: present, ours or root's, a regular file, not too big. */
static void read_checks(void **state)
{
	(void)state;
	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", (int)getpid());
	unlink(map_path);
	expect_read(ENOENT);
	write_map("1000 10 mine\n");
	expect_read(0);
	/* owned by a uid that is none of ours, nor root: not used */
	if (geteuid() == 0 && !chown(map_path, 4242, 4242))
		expect_read(EPERM);
	else
		print_message("SKIP: perf map of another owner: not root\n");
	unlink(map_path);
	/* a symlink (to a map that would pass): not followed */
	write_map("1000 10 mine\n");
	assert_int_equal(rename(map_path, "/tmp/perf-target.map"), 0);
	assert_int_equal(symlink("/tmp/perf-target.map", map_path), 0);
	expect_read(EPERM);
	unlink(map_path);
	unlink("/tmp/perf-target.map");
	/* a FIFO: never opened for a blocking read */
	assert_int_equal(mkfifo(map_path, 0600), 0);
	expect_read(EPERM);
	unlink(map_path);
	/* over the size bound (sparse: nothing written) */
	write_map("1000 10 mine\n");
	assert_int_equal(truncate(map_path, (off_t)KS_PERF_MAP_MAX_BYTES + 1), 0);
	expect_read(EFBIG);
	unlink(map_path);
}

/* A map read is kept while its file stays as it was (--sample's rounds). */
static void unchanged(void **state)
{
	struct ks_perf_map m;
	struct ks_error *err;
	FILE *f;

	(void)state;
	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", (int)getpid());
	unlink(map_path);
	err = ks_perf_map_read(&m, NULL, (uint64_t)getpid());
	assert_non_null(err);
	ks_error_destroy(err);
	assert_true(ks_perf_map_unchanged(&m, NULL, (uint64_t)getpid()));	/* still none */
	write_map("1000 10 first\n");
	assert_false(ks_perf_map_unchanged(&m, NULL, (uint64_t)getpid()));	/* one now */
	ks_perf_map_fini(&m);
	assert_no_error(ks_perf_map_read(&m, NULL, (uint64_t)getpid()));
	assert_true(ks_perf_map_unchanged(&m, NULL, (uint64_t)getpid()));
	f = fopen(map_path, "a");
	assert_non_null(f);
	fputs("2000 10 second\n", f);	/* a runtime appends */
	fclose(f);
	assert_false(ks_perf_map_unchanged(&m, NULL, (uint64_t)getpid()));
	ks_perf_map_fini(&m);
	unlink(map_path);
}

/*
 * The unwinder names a pc in an anonymous executable page of this
 * process from its perf map (registers alone: sp in no mapping, the ip
 * frame is named all the same); without the map it stays "[unknown]".
 * One unwinder for both takes, as --sample keeps it: the map written
 * after the first take is read for the second.
 */
static void unwinder_names_jit(void **state)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kstack_user_regs r = { .sp = 8, .cs = 0x33 };
	char text[256], want[256];
	struct ks_user_unwinder u;
	struct ks_user_proc p;
	struct ks_user_walk w;
	int round;

	(void)state;
	assert_true(page != MAP_FAILED);
	r.ip = (uint64_t)(uintptr_t)page + 0x21;
	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", (int)getpid());
	unlink(map_path);
	ks_user_unwinder_init(&u);
	for (round = 0; round < 2; round++) {
		if (round) {
			snprintf(text, sizeof(text), "%lx 40 jit\033fn one\n",
				 (unsigned long)(uintptr_t)page + 0x10);
			write_map(text);
		}
		ks_user_proc_init(&p, (uint64_t)getpid());
		assert_no_error(ks_user_proc_add(&p, (uint64_t)getpid(), &r, 0, 0, NULL));
		assert_no_error(ks_user_proc_copy(&p, 4096));
		assert_no_error(ks_user_unwind_proc(&u, &p, 8, &w));
		assert_int_equal(w.nr, 1);
		snprintf(want, sizeof(want), "perf-%d.map!jit\\033fn one+0x11/0x40", (int)getpid());
		assert_string_equal(w.frames[0].name, round ? want : "[unknown]");
		assert_null(w.frames[0].raw);
		ks_user_walks_fini(&w, 1);
		ks_user_proc_fini(&p);
	}
	ks_user_unwinder_fini(&u);
	unlink(map_path);
	munmap(page, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format),
		cmocka_unit_test(later_wins),
		cmocka_unit_test(hostile_lines),
		cmocka_unit_test(too_many),
		cmocka_unit_test(read_checks),
		cmocka_unit_test(unchanged),
		cmocka_unit_test(unwinder_names_jit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
