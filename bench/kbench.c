// SPDX-License-Identifier: GPL-2.0
/*
 * kbench: how fast can every thread's kernel stack be captured, inside the
 * VM, by each method, on the same threads in the same run?
 *   proc        open/read/close every /proc/PID/task/TID/stack (the peer)
 *   stack       one STACK ioctl per thread
 *   snap        one SNAPSHOT call, in-kernel unwinding (the driver's fast
 *               ORC walk, the kernel's unwinder where it declines)
 *   snap-kunwind  the same with the kernel's unwinder for every thread
 *   orc-walk    one SNAPSHOT of raw stacks, walked by our user-space ORC
 *               unwinder (lib/), tables loaded once beforehand (timed apart)
 *   kstack-cli  the whole `kstack --all --kernel` command as a user runs it
 *               (the kernel half: all /proc/PID/task/TID/stack gives) (fork,
 *               exec, its setup, capture, symbols, output to a file)
 *   kstack-cli-null  the same with stdout to /dev/null
 *   kstack-both the default `kstack --all` (both halves: the user half of
 *               every thread too, symbolized) the same way, to a file
 *   kstack-start  `kstack --help` the same way: starting and ending the
 *               static binary, the floor under kstack-cli
 *   exec-floor  an empty static program the same way: the floor under
 *               any whole command (the /proc loop runs in-process)
 *   write-floor `cat` of kstack-cli's listing into a file the same way:
 *               the floor under any command that writes that listing
 *   snapshot+tails+print  snapshot+print with record tails (end reason,
 *               user registers), what kstack asks the driver for
 *   ...+sym     the same, plus symbolization with kstack's code
 *               (lib/kernel/stack_text.c): each distinct address named once through
 *               SYMBOLIZE, each distinct stack's lines formatted once, every
 *               thread given its frames' names (as /proc gives its text)
 *   ...+print   +sym, and every thread's header and frame lines written (to
 *               /dev/null) as kstack PID/--all prints them
 * Each method is repeated; we print median and min per thread, the share
 * of /proc's frames each method agrees with, and the tool's peak RSS.
 *
 *   kbench [-r REPEATS] [-l LABEL]     (LABEL: e.g. the zoo size N)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kstack/kstack_ioctl.h"
#include "session.h"
#include "stack_text.h"
#include "symcache.h"
#include "../tests/vm/progs/ksyms_mini.h"

#define MAXF 64			/* /proc/PID/stack shows at most 64 */

struct thr {
	int pid, tid;
	int nf;			/* frames captured by the method under test */
	uint64_t nvcsw, nivcsw;	/* snapshot methods: counts after capture */
	uint32_t state;		/* snapshot methods */
	char comm[KSTACK_COMM_LEN];	/* snapshot methods */
	uint64_t f[MAXF];
	uint8_t fl[MAXF];	/* orc-walk: KS_TEXT_* flags of each frame */
};

struct ref {			/* /proc's view, taken once, untimed */
	int tid, n;
	char (*line)[96];
};

static int fd;
static FILE *devnull;
static struct ref *refs;
static size_t nrefs;
static uint64_t ss, se, ls, le;
static char *snapbuf;
static size_t snapsize = 1 << 20;
static int snap_mode = KSTACK_SNAP_FRAMES;
static uint32_t snap_flags;	/* KSTACK_SNAP_WANT_*: +tails asks what kstack asks */
static double *sym_us, *fmt_us;	/* +sym methods: where the time goes */
static double *ioctl_us;	/* snapshot methods: time inside SNAPSHOT */
static size_t *stacks_kept;	/* +sym methods: distinct stacks formatted once */
static struct ks_session sess;	/* user-space walker: ksyms + ORC tables */
static long walk_errors;
static long kunwind_recs, snap_recs;	/* snap: threads the fast walk declined */

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* every thread on the system, as a tool must find them */
static size_t enum_threads(struct thr **out)
{
	static struct thr *v;
	static size_t cap;
	size_t n = 0;
	struct dirent *d, *e;
	DIR *proc = opendir("/proc");

	while (proc && (d = readdir(proc))) {
		char path[300];
		DIR *task;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", d->d_name);
		task = opendir(path);
		while (task && (e = readdir(task))) {
			if (e->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = realloc(v, cap * sizeof(*v));
			}
			v[n].pid = atoi(d->d_name);
			v[n].tid = atoi(e->d_name);
			v[n].nf = 0;
			v[n].state = 0;
			v[n].nvcsw = v[n].nivcsw = 0;
			v[n].comm[0] = 0;
			n++;
		}
		if (task)
			closedir(task);
	}
	if (proc)
		closedir(proc);
	*out = v;
	return n;
}

static int read_proc_stack(int pid, int tid, char *buf, size_t len)
{
	char path[64];
	int f, n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	f = open(path, O_RDONLY);
	if (f < 0)
		return -1;
	n = read(f, buf, len - 1);
	close(f);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static void take_reference(void)
{
	struct thr *t;
	size_t n = enum_threads(&t);
	char buf[8192];

	refs = calloc(n, sizeof(*refs));
	for (size_t i = 0; i < n; i++) {
		char *p, *save = NULL;
		struct ref *r = &refs[nrefs];

		if (read_proc_stack(t[i].pid, t[i].tid, buf, sizeof(buf)) < 0)
			continue;
		r->tid = t[i].tid;
		r->line = calloc(MAXF, sizeof(*r->line));
		for (p = strtok_r(buf, "\n", &save); p && r->n < MAXF; p = strtok_r(NULL, "\n", &save)) {
			char *s = strchr(p, ']'), *slash;

			if (!s)
				continue;
			s += 2;
			slash = strchr(s, '/');
			if (slash)
				*slash = 0;
			snprintf(r->line[r->n++], sizeof(r->line[0]), "%.90s", s);
		}
		nrefs++;
	}
}

static const struct ref *find_ref(int tid)
{
	for (size_t i = 0; i < nrefs; i++)
		if (refs[i].tid == tid)
			return &refs[i];
	return NULL;
}

static int walk_raw_on;	/* orc-walk: walk the raw stacks, else only capture */

/* names through the driver, as kstack has them (no kallsyms parse) */
static void names_init(struct ks_symcache *names)
{
	ks_symcache_init(names, NULL);
	ks_symcache_use_driver(names, &sess.drv);
}

/*
 * Symbolize every thread as kstack --all does, with its code: note every
 * stack, name the queued addresses in batches, and give each thread its
 * frames' names (each distinct stack's lines formatted once, as /proc hands
 * out text). print (sym 2): also write each thread's header and frame lines
 * (to /dev/null), as kstack prints them. Fresh caches each run, as each run
 * of the tool starts without them.
 */
static void symbolize(struct thr *t, size_t n, int sym)
{
	static struct ks_stack_text_entry **noted;
	static size_t noted_cap;
	struct ks_symcache names;
	struct ks_stack_text text;
	double t0 = now_us(), t1;
	size_t i, len;

	if (n > noted_cap) {
		noted_cap = n;
		noted = realloc(noted, n * sizeof(*noted));
		if (!noted) {
			perror("kbench");
			exit(1);
		}
	}
	names_init(&names);
	ks_stack_text_init(&text, &names, 0);
	for (i = 0; i < n; i++)
		noted[i] = ks_stack_text_note(&text, t[i].f, walk_raw_on ? t[i].fl : NULL, t[i].nf);
	ks_symcache_resolve(&names);
	for (i = 0; sym == 1 && i < n; i++) {
		if (noted[i] && ks_stack_text_lines(&text, noted[i], &len))
			continue;
		for (int k = 0; k < t[i].nf; k++)	/* past the bound: frame by frame */
			ks_symcache_name(&names, t[i].f[k],
					 walk_raw_on && (t[i].fl[k] & KS_TEXT_EXACT));
	}
	t1 = now_us();
	*sym_us += t1 - t0;
	for (i = 0; sym == 2 && i < n; i++) {
		ks_stack_text_put_header(devnull, t[i].tid, t[i].comm, t[i].state, t[i].nvcsw,
					 t[i].nivcsw);
		if (noted[i])
			ks_stack_text_put_noted(&text, devnull, noted[i]);
		else
			ks_stack_text_put(&text, devnull, t[i].f, walk_raw_on ? t[i].fl : NULL,
					  t[i].nf);
		putc_unlocked('\n', devnull);
	}
	fflush(devnull);
	*fmt_us += now_us() - t1;
	*stacks_kept = text.stacks.used;
	ks_stack_text_fini(&text);
	ks_symcache_fini(&names);
}

/* ---- the methods; each returns threads captured, fills *out ---- */
static size_t m_proc(struct thr **out, int sym)
{
	static char buf[8192];
	size_t n = enum_threads(out);

	(void)sym;	/* /proc's text is already symbolized */
	for (size_t i = 0; i < n; i++) {
		int len = read_proc_stack((*out)[i].pid, (*out)[i].tid, buf, sizeof(buf));

		(*out)[i].nf = 0;
		for (int k = 0; k < len; k++)
			(*out)[i].nf += buf[k] == '\n';
	}
	return n;
}

static size_t m_stack(struct thr **out, int sym)
{
	size_t n = enum_threads(out);

	for (size_t i = 0; i < n; i++) {
		struct kstack_stack s = { .hdr = { sizeof(s), KSTACK_PROTO_VERSION } };

		s.tid = (*out)[i].tid;
		s.max_frames = MAXF;
		s.frames = (uintptr_t)(*out)[i].f;
		(*out)[i].nf = ioctl(fd, KSTACK_IOCTL_STACK, &s) == 0 ? (int)s.nr_frames : 0;
	}
	if (sym)
		symbolize(*out, n, sym);
	return n;
}

/* our user-space ORC walk over one raw stack record */
static int walk_raw(const struct kstack_snap_thread *r, uint64_t *f, uint8_t *fl)
{
	struct ks_walk_thread t = {
		.stack_base = r->stack_base, .stack_size = r->stack_size, .saved_sp = r->sp,
	};
	struct ks_walk_result res;
	struct ks_error *err;
	int n = 0;

	if (!walk_raw_on || !r->raw_len)
		return 0;
	err = ks_walk_image(&sess.cfg, &t, r + 1, &res);
	if (err) {
		walk_errors++;
		ks_error_destroy(err);
		return 0;
	}
	for (size_t i = 0; i < res.nr && n < MAXF; i++, n++) {
		f[n] = res.frames[i].ip;
		fl[n] = (res.frames[i].reliable ? 0 : KS_TEXT_UNRELIABLE) |
			(res.frames[i].exact ? KS_TEXT_EXACT : 0);
	}
	ks_walk_result_fini(&res);
	return n;
}

static size_t m_snap(struct thr **out, int sym)
{
	static struct thr *v;
	static size_t cap;
	struct kstack_snapshot s;
	size_t n = 0;

	for (;;) {
		memset(&s, 0, sizeof(s));
		s.hdr.size = sizeof(s);
		s.hdr.version = KSTACK_PROTO_VERSION;
		s.mode = snap_mode;
		s.flags = snap_flags;
		s.max_frames = MAXF;
		s.buffer = (uintptr_t)snapbuf;
		s.buffer_size = snapsize;
		double t0 = now_us();
		int ret = ioctl(fd, KSTACK_IOCTL_SNAPSHOT, &s);

		*ioctl_us += now_us() - t0;
		if (!ret)
			break;
		if (errno != ENOSPC) {
			perror("kbench: SNAPSHOT");
			exit(1);
		}
		snapsize = s.bytes_needed + s.bytes_needed / 4;
		snapbuf = realloc(snapbuf, snapsize);
	}
	if (cap < s.nr_threads) {
		cap = s.nr_threads;
		v = realloc(v, cap * sizeof(*v));
	}
	for (uint64_t off = 0; off < s.bytes_used; n++) {
		const struct kstack_snap_thread *r = (const void *)(snapbuf + off);

		v[n].pid = (int)r->tgid;
		v[n].tid = (int)r->tid;
		v[n].nvcsw = r->nvcsw_after;
		v[n].nivcsw = r->nivcsw_after;
		v[n].state = r->state;
		memcpy(v[n].comm, r->comm, sizeof(v[n].comm));
		v[n].comm[sizeof(v[n].comm) - 1] = 0;
		if (snap_mode == KSTACK_SNAP_RAW) {
			v[n].nf = walk_raw(r, v[n].f, v[n].fl);
		} else {
			if (snap_mode == KSTACK_SNAP_FRAMES) {
				snap_recs++;
				kunwind_recs += !!(r->flags & KSTACK_SNAP_F_KERNEL_UNWINDER);
			}
			v[n].nf = (int)(r->nr_frames < MAXF ? r->nr_frames : MAXF);
			memcpy(v[n].f, r + 1, v[n].nf * sizeof(uint64_t));
		}
		off += r->rec_size;
	}
	*out = v;
	if (sym)
		symbolize(v, n, sym);
	return n;
}

/* m_snap in another SNAPSHOT mode */
static size_t m_snap_in(uint32_t mode, struct thr **out, int sym)
{
	size_t n;

	snap_mode = mode;
	n = m_snap(out, sym);
	snap_mode = KSTACK_SNAP_FRAMES;
	return n;
}

/* m_snap with record tails (end reason, user registers), as kstack asks */
static size_t m_snap_tails(struct thr **out, int sym)
{
	size_t n;

	snap_flags = KSTACK_SNAP_WANT_TAIL;
	n = m_snap(out, sym);
	snap_flags = 0;
	return n;
}

static size_t m_snap_raw(struct thr **out, int sym)
{
	return m_snap_in(KSTACK_SNAP_RAW, out, sym);
}

static size_t m_snap_kunwind(struct thr **out, int sym)
{
	return m_snap_in(KSTACK_SNAP_FRAMES_KERNEL, out, sym);
}

static size_t m_orc_walk(struct thr **out, int sym)
{
	size_t n;

	walk_raw_on = 1;
	n = m_snap_raw(out, sym);
	walk_raw_on = 0;
	return n;
}

static int cli_failed;

/*
 * Run argv as a shell runs a command: exec to exit, stdout to stdout_path
 * (a file is truncated each run: the pages a real listing writes), stderr
 * to /dev/null. Exit 0 or 1 (kstack: a thread vanished or kept running)
 * counts as success.
 */
static void run_cmd(char *const argv[], const char *stdout_path)
{
	posix_spawn_file_actions_t fa;
	int status;
	pid_t p;

	/*
	 * posix_spawn (vfork-like: no copy of kbench's page tables, no
	 * copy-on-write faults after it), as a shell starts a command; a
	 * fork of this process (80 MB at N=4000) would be charged to kstack.
	 */
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, 1, stdout_path,
					     O_WRONLY | O_CREAT | O_TRUNC, 0600) ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) ||
	    posix_spawnp(&p, argv[0], &fa, NULL, argv, environ) ||
	    waitpid(p, &status, 0) < 0 || !WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1))
		cli_failed++;
	posix_spawn_file_actions_destroy(&fa);
}

/* kstack ARG [ARG2], as a user runs it: its setup, capture, names, output */
static void run_kstack(const char *arg, const char *arg2, const char *stdout_path)
{
	char *argv[] = { "kstack", (char *)arg, (char *)arg2, NULL };

	run_cmd(argv, stdout_path);
}

static size_t m_cli(struct thr **out, int sym)
{
	(void)sym;
	*out = NULL;
	run_kstack("--all", "--kernel", "/tmp/kstack-all.out");
	return nrefs;	/* per-thread cost over the threads on the system */
}

/* The same with stdout to /dev/null: what writing the file costs */
static size_t m_cli_null(struct thr **out, int sym)
{
	(void)sym;
	*out = NULL;
	run_kstack("--all", "--kernel", "/dev/null");
	return nrefs;
}

/* The default, both halves: the whole `kstack --all` to a file. */
static size_t m_cli_both(struct thr **out, int sym)
{
	(void)sym;
	*out = NULL;
	run_kstack("--all", NULL, "/tmp/kstack-both.out");
	return nrefs;
}

/* The same binary's start and exit alone (--help): the floor of any command. */
static size_t m_cli_start(struct thr **out, int sym)
{
	(void)sym;
	*out = NULL;
	run_kstack("--help", NULL, "/dev/null");
	return nrefs;
}

/*
 * An empty static program the same way (bench/exec_floor.c): what any
 * whole command pays to be started and ended, before doing anything.
 */
static size_t m_exec_floor(struct thr **out, int sym)
{
	char *argv[] = { "exec_floor", NULL };

	(void)sym;
	*out = NULL;
	run_cmd(argv, "/dev/null");
	return nrefs;
}

/*
 * cat of the listing kstack-cli last wrote, stdout to a file, the same
 * way: exec plus writing those bytes, the floor under any whole command
 * whose output is that listing (cat may even splice them in the kernel).
 */
static size_t m_write_floor(struct thr **out, int sym)
{
	char *argv[] = { "cat", "/tmp/kstack-all.out", NULL };

	(void)sym;
	*out = NULL;
	run_cmd(argv, "/tmp/kstack-cat.out");
	return nrefs;
}

/*
 * Frame-for-frame agreement of two snapshot methods, over the threads whose
 * context-switch counts show they did not run between the two captures.
 */
static void compare_walks(const char *label, const char *what, struct thr *a, size_t na,
			  struct thr *b, size_t nb)
{
	size_t same = 0, compared = 0, shown = 0;

	for (size_t i = 0; i < na; i++) {
		for (size_t j = 0; j < nb; j++) {
			if (a[i].tid != b[j].tid)
				continue;
			if (a[i].nvcsw != b[j].nvcsw || a[i].nivcsw != b[j].nivcsw || !a[i].nf)
				break;
			compared++;
			if (a[i].nf == b[j].nf && !memcmp(a[i].f, b[j].f, a[i].nf * 8)) {
				same++;
			} else if (shown++ < 3) {
				printf("BENCH N=%s %s mismatch tid %d: %d and %d frames\n",
				       label, what, a[i].tid, a[i].nf, b[j].nf);
			}
			break;
		}
	}
	printf("BENCH N=%s %s: %zu of %zu unchanged threads equal frame for frame (%.1f%%), walk errors %ld\n",
	       label, what, same, compared, compared ? 100.0 * same / compared : 0, walk_errors);
}

/* share of /proc's frames that the method's frames match, in order */
static double agreement(struct thr *t, size_t n, int *nthreads)
{
	struct ks_symcache c;
	long match = 0, total = 0;

	*nthreads = 0;
	names_init(&c);
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < t[i].nf; j++)
			ks_symcache_want(&c, t[i].f[j], false);
	ks_symcache_resolve(&c);
	for (size_t i = 0; i < n; i++) {
		const struct ref *r = find_ref(t[i].tid);
		int k = 0;

		if (!r)
			continue;
		(*nthreads)++;
		total += r->n;
		for (int j = 0; j < t[i].nf && k < r->n; j++) {
			char name[128], *p;
			const char *s;

			if ((t[i].f[j] >= ss && t[i].f[j] < se) || (t[i].f[j] >= ls && t[i].f[j] < le))
				continue;	/* /proc skips scheduler and lock functions */
			s = ks_symcache_name(&c, t[i].f[j], false);
			s = strchr(s, '!') ? strchr(s, '!') + 1 : s;
			snprintf(name, sizeof(name), "%s", s);
			p = strchr(name, '/');
			if (p)
				*p = 0;
			if (strcmp(name, r->line[k]))
				break;
			match++;
			k++;
		}
	}
	ks_symcache_fini(&c);
	return total ? 100.0 * match / total : 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct thr *copy_threads(const struct thr *t, size_t n)
{
	struct thr *c = calloc(n ? n : 1, sizeof(*c));

	if (t)	/* kstack-cli returns no frames */
		memcpy(c, t, n * sizeof(*c));
	return c;
}

struct method {
	const char *name;
	size_t (*fn)(struct thr **out, int sym);
	int sym;
};

int main(int argc, char **argv)
{
	static const struct method methods[] = {
		{ "proc", m_proc, 0 },
		{ "stack-ioctl", m_stack, 0 },
		{ "snapshot", m_snap, 0 },
		{ "snapshot-kunwind", m_snap_kunwind, 0 },
		{ "stack-ioctl+sym", m_stack, 1 },
		{ "snapshot+sym", m_snap, 1 },
		{ "snapshot-raw", m_snap_raw, 0 },
		{ "orc-walk", m_orc_walk, 0 },
		{ "orc-walk+sym", m_orc_walk, 1 },
		{ "snapshot+print", m_snap, 2 },
		{ "snapshot+tails+print", m_snap_tails, 2 },
		{ "orc-walk+print", m_orc_walk, 2 },
		{ "kstack-cli", m_cli, 2 },
		{ "kstack-cli-null", m_cli_null, 2 },
		{ "kstack-both", m_cli_both, 2 },
		{ "kstack-start", m_cli_start, 2 },
		{ "exec-floor", m_exec_floor, 2 },
		{ "write-floor", m_write_floor, 2 },
	};
	enum { NM = sizeof(methods) / sizeof(methods[0]) };
	static double t[NM][1000], symt[NM], fmtt[NM], ioct[NM][1000];
	static size_t kept[NM];
	struct thr *last[NM];
	size_t nthreads[NM];
	const char *label = "-";
	int repeats = 7, opt;
	double proc_med = 0;
	struct rusage ru;

	while ((opt = getopt(argc, argv, "r:l:h")) != -1) {
		switch (opt) {
		case 'r': repeats = atoi(optarg); break;
		case 'l': label = optarg; break;
		default:
			fprintf(stderr, "usage: kbench [-r REPEATS] [-l LABEL]\n");
			return 2;
		}
	}
	if (repeats < 1 || repeats > 1000) {
		fprintf(stderr, "kbench: -r must be 1..1000\n");
		return 2;
	}
	fd = open(KSTACK_DEVICE_LINUX, O_RDONLY);
	devnull = fopen("/dev/null", "w");
	/* buffered as kstack's stdout is when not a terminal */
	if (devnull)
		setvbuf(devnull, NULL, _IOFBF, 1 << 16);
	snapbuf = malloc(snapsize);
	if (fd < 0 || !devnull || !snapbuf || ksyms_load()) {
		fprintf(stderr, "kbench: need %s (insmod kstack.ko) and /proc/kallsyms\n",
			KSTACK_DEVICE_LINUX);
		return 1;
	}
	ss = ksym_addr("__sched_text_start");
	se = ksym_addr("__sched_text_end");
	ls = ksym_addr("__lock_text_start");
	le = ksym_addr("__lock_text_end");
	free(ksyms);	/* symbol names come from the driver from here on */
	take_reference();
	{
		struct ks_session_opts so = { .max_frames = MAXF };
		double t0 = now_us();
		struct ks_error *err = ks_session_open(&sess, &so);

		if (err) {
			fprintf(stderr, "kbench: walker setup: %s\n", err->message);
			return 1;
		}
		printf("BENCH N=%s orc-walk one-time setup (parse /proc/kallsyms, read ORC tables): %.1f ms\n",
		       label, (now_us() - t0) / 1e3);
	}

	/*
	 * Round-robin: repetition r of every method before repetition r + 1,
	 * so a noisy neighbour slows all methods alike and the ratios hold;
	 * in a new order each repetition (a fixed seed: runs repeat), as a
	 * method measured right after another inherits its cache and TLB state
	 * (under TCG, up to a third of a snapshot's time).
	 */
	unsigned int seed = 1;
	size_t order[NM];

	/* the listing write-floor copies exists before any method runs */
	run_kstack("--all", "--kernel", "/tmp/kstack-all.out");

	for (size_t m = 0; m < NM; m++)
		order[m] = m;
	for (int r = 0; r < repeats; r++) {
		for (size_t k = NM - 1; k > 0; k--) {
			size_t j = (size_t)rand_r(&seed) % (k + 1), tmp = order[k];

			order[k] = order[j];
			order[j] = tmp;
		}
		for (size_t k = 0; k < NM; k++) {
			size_t m = order[k];
			struct thr *out = NULL;
			double t0 = now_us();

			sym_us = &symt[m];
			ioctl_us = &ioct[m][r];
			fmt_us = &fmtt[m];
			stacks_kept = &kept[m];
			nthreads[m] = methods[m].fn(&out, methods[m].sym);
			t[m][r] = now_us() - t0;
			if (r == repeats - 1)
				last[m] = copy_threads(out, nthreads[m]);
		}
	}
	for (size_t m = 0; m < NM; m++) {
		size_t n = nthreads[m];
		double med;
		int nthr = 0;

		qsort(t[m], repeats, sizeof(t[m][0]), cmp_d);
		med = t[m][repeats / 2];
		if (m == 0)
			proc_med = med;
		printf("BENCH N=%s method=%-18s threads=%5zu us/thread med=%7.2f min=%7.2f total_ms med=%8.2f min=%8.2f speedup=%6.1fx agree_proc=",
		       label, methods[m].name, n, med / n, t[m][0] / n, med / 1e3, t[m][0] / 1e3, proc_med / med);
		/* /proc's own frames are text: compare only methods with addresses */
		if (m == 0 || methods[m].fn == m_snap_raw || methods[m].fn == m_cli ||
		    methods[m].fn == m_cli_null || methods[m].fn == m_cli_start ||
		    methods[m].fn == m_cli_both ||
		    methods[m].fn == m_exec_floor || methods[m].fn == m_write_floor) {
			printf("    -");
		} else {
			double a = agreement(last[m], n, &nthr);

			printf("%5.1f%% (of %d threads)", a, nthr);
			if (methods[m].sym == 1)
				printf(" sym_us/run=%.0f distinct_stacks=%zu", symt[m] / repeats,
				       kept[m]);
			if (methods[m].sym == 2)
				printf(" sym+print_us/run=%.0f+%.0f distinct_stacks=%zu", symt[m] / repeats,
				       fmtt[m] / repeats, kept[m]);
		}
		qsort(ioct[m], repeats, sizeof(ioct[m][0]), cmp_d);
		if (ioct[m][repeats / 2] > 0)
			printf(" ioctl_us med=%.0f", ioct[m][repeats / 2]);
		printf("\n");
	}
	for (size_t m = 0; m < NM; m++)
		for (size_t k = 0; k < NM; k++) {
			if (methods[m].sym || methods[k].sym || methods[m].fn != m_snap_kunwind)
				continue;
			if (methods[k].fn == m_orc_walk)
				compare_walks(label, "orc-walk vs in-kernel unwinder", last[m],
					      nthreads[m], last[k], nthreads[k]);
			if (methods[k].fn == m_snap)
				compare_walks(label, "snapshot fast walk vs in-kernel unwinder",
					      last[m], nthreads[m], last[k], nthreads[k]);
		}
	printf("BENCH N=%s snapshot, all runs: %ld of %ld records by the fast walk, %ld by the kernel's unwinder\n",
	       label, snap_recs - kunwind_recs, snap_recs, kunwind_recs);
	getrusage(RUSAGE_SELF, &ru);
	/* kstack --all's own peak RSS: runrss, from the shell (see runrss.c) */
	printf("BENCH N=%s peak_rss_kib=%ld (kbench itself)%s\n", label, ru.ru_maxrss,
	       cli_failed ? " kstack --all FAILED" : "");
	return 0;
}
