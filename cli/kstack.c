// SPDX-License-Identifier: GPL-2.0
/*
 * kstack: kernel-mode call stacks of Linux threads, walked in user space
 * with the kernel's ORC tables read through /dev/kstack (kstack.ko).
 * Option parsing and printing only; the work is in lib/.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "session.h"
#include "snapshot.h"
#include "symcache.h"
#include "threads.h"
#include "verify.h"

/* Exit codes (documented in --help) */
#define EXIT_ALL	0	/* every thread shown (--verify: agreement met) */
#define EXIT_PARTIAL	1	/* some threads failed (--verify: below the bar) */
#define EXIT_NOTHING	2	/* nothing shown: setup failed or no thread */
#define EXIT_USAGE	64	/* bad command line */

/* --verify passes when /proc agrees for at least this share of threads */
#define KS_PROC_AGREEMENT_MIN 0.99

struct opts {
	bool threads, all, verify, quiet, raw, tables, no_snapshot;
	uint32_t max_frames;
	const char *device, *kallsyms;
};

struct counts {
	size_t shown, failed, running, vanished, ran;
	/* --verify */
	size_t walked, eq_kernel, eq_proc, unreliable;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [OPTION]... PID...\n"
"       %s [OPTION]... -t TID...\n"
"       %s [OPTION]... --all\n"
"Show the kernel-mode call stack of Linux threads, walked in user space with\n"
"the kernel's ORC unwind tables, read through the kstack driver (/dev/kstack).\n"
"\n"
"What to inspect:\n"
"  PID...                 every thread of these processes\n"
"  -t, --thread TID...    these threads\n"
"  -a, --all              every thread on the system, kernel threads included\n"
"\n"
"What to print:\n"
"  -n, --max-frames N     walk at most N frames (default %u, 1..%u)\n"
"  -V, --verify           walk each thread three ways (this walker, the kernel's\n"
"                         unwinder via the driver's STACK, /proc/PID/task/TID/stack)\n"
"                         and report agreement, with both stacks of every mismatch\n"
"  -q, --quiet            with --verify: print only mismatches and the summary\n"
"  -r, --raw              also print the saved stack's bytes, the kernel\n"
"                         unwinder's frames and kernel text bounds (raw-* lines),\n"
"                         from one moment: a self-contained record of the walk\n"
"  -T, --tables           list the ORC tables loaded (vmlinux, modules) and exit\n"
"  -S, --no-snapshot      PID/--all: ask the driver thread by thread instead of\n"
"                         one SNAPSHOT call per process (slower; for comparison)\n"
"  -d, --device PATH      driver device (default " KSTACK_DEVICE_LINUX ")\n"
"  -k, --kallsyms PATH    kernel symbols (default /proc/kallsyms)\n"
"  -h, --help             this help\n"
"\n"
"Output: per thread a header \"TID comm state [ctxsw V+I]\" (state as in ps;\n"
"V/I: voluntary/involuntary context switches), then one frame a line\n"
"  ffffffff9c05271d : vmlinux!__schedule+0x2dd/0x960\n"
"(module frames name the module: kvm!kvm_vcpu_block+0x4c/0xa0). A frame found\n"
"by a fallback (no ORC data: frame pointer or stack scan) is marked \"? \".\n"
"Where the walk reaches user mode it prints the user ip and sp; a walk cut\n"
"short says why, and a frame-limit cut is also reported on stderr.\n"
"\n"
"Needs root and the driver: insmod kstack.ko (or modprobe kstack).\n"
"\n"
"Exit status:\n"
"  0   every thread shown (--verify: the walker equals the kernel's unwinder for\n"
"      every sleeping thread, and /proc for at least 99%% of them; no thread\n"
"      failed except by running or exiting)\n"
"  1   some threads could not be shown (--verify: agreement below that bar)\n"
"  2   nothing shown: no such thread, not root, driver not loaded, ...\n"
"  64  usage error\n",
		prog, prog, prog, KS_WALK_DEFAULT_MAX, KSTACK_FRAMES_MAX * 16);
}

static void note(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "kstack: note: %s\n", msg);
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return !*end && !errno && *ret;
}

static void print_header_of(uint64_t tid, const char *comm, uint32_t state, uint64_t nvcsw,
			    uint64_t nivcsw)
{
	printf("%" PRIu64 " %s %c [ctxsw %" PRIu64 "+%" PRIu64 "]\n", tid, comm,
	       ks_task_state_letter(state), nvcsw, nivcsw);
}

static void print_header(const struct kstack_thread_context *c, uint64_t tid)
{
	print_header_of(tid, c->comm, c->state, c->nvcsw, c->nivcsw);
}

/* Frames in the seed's format; names come from the cache (each distinct
 * address is looked up once per run). */
static void print_walk(struct ks_symcache *names, const struct ks_walk_result *w, uint64_t tid)
{
	size_t i;

	for (i = 0; i < w->nr; i++) {
		const struct ks_frame *f = &w->frames[i];

		printf("%016" PRIx64 " : %s%s\n", f->ip, f->reliable ? "" : "? ",
		       ks_symcache_name(names, f->ip, f->exact));
	}
	switch (w->stop) {
	case KS_STOP_USER:
		printf("user mode: ip %016" PRIx64 " sp %016" PRIx64 "\n", w->user_ip, w->user_sp);
		break;
	case KS_STOP_END_OF_STACK:
		break;
	case KS_STOP_MAX_FRAMES:
		printf("... truncated at %zu frames (raise with -n)\n", w->nr);
		fprintf(stderr, "kstack: thread %" PRIu64 ": stack truncated at %zu frames\n",
			tid, w->nr);
		break;
	default:
		printf("(walk stopped: %s at %016" PRIx64 ")\n", ks_walk_stop_name(w->stop),
		       w->stop_ip);
		break;
	}
}

/* Running/vanished threads are facts, not failures; the rest are. */
static void count_error(struct counts *c, const struct ks_error *err, uint64_t tid, bool loud)
{
	switch (err->code) {
	case EBUSY:
		c->running++;
		break;
	case ESRCH:
		c->vanished++;
		break;
	case EAGAIN:
		c->ran++;
		c->failed++;
		break;
	default:
		c->failed++;
		loud = true;
		break;
	}
	if (loud)
		fprintf(stderr, "kstack: thread %" PRIu64 ": %s\n", tid, err->message);
}

/* A running thread's name, from /proc (the driver has no context for it). */
static void proc_comm(const struct ks_tid *t, char *buf, size_t len)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/task/%" PRIu64 "/comm", t->tgid, t->tid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, (int)len, f))
		snprintf(buf, len, "-");
	buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

static void show_thread(struct ks_session *s, struct ks_symcache *names, const struct ks_tid *t,
			struct counts *c, bool explicit)
{
	struct kstack_thread_context ctx;
	struct ks_walk_result w;
	struct ks_error *err = ks_session_walk(s, t->tid, &ctx, &w);

	if (err) {
		if (err->code == EBUSY) {
			/* say so on stdout too: the thread exists, it has no saved stack */
			char comm[64];

			proc_comm(t, comm, sizeof(comm));
			printf("%" PRIu64 " %s R [running on a CPU: no saved kernel stack]\n\n",
			       t->tid, comm);
		}
		count_error(c, err, t->tid, explicit || err->code == EAGAIN);
		ks_error_destroy(err);
		return;
	}
	print_header(&ctx, t->tid);
	print_walk(names, &w, t->tid);
	printf("\n");
	c->shown++;
	if (w.stop == KS_STOP_MAX_FRAMES)
		c->failed++;
	ks_walk_result_fini(&w);
}

/*
 * --raw: the thread's saved stack bytes with our walk and the kernel's, all
 * from one quiet moment: a self-contained record for bug reports and for
 * unit-test fixtures (tests/unit/fixtures/README.md).
 */
static void raw_thread(struct ks_session *s, struct ks_symcache *names, const struct ks_tid *t,
		       struct counts *c)
{
	struct kstack_thread_context ctx, after;
	uint64_t kernel[KSTACK_FRAMES_MAX];
	struct kstack_stack st;
	struct ks_walk_thread wt;
	struct ks_walk_result w;
	struct ks_error *err = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, i;
	int tries;

	for (tries = 0; tries < KS_SESSION_TRIES; tries++) {
		free(buf);
		buf = NULL;
		err = ks_driver_thread_context(&s->drv, t->tid, &ctx);
		if (err)
			break;
		len = ctx.stack_base + ctx.stack_size - ctx.sp;
		buf = malloc(len);
		if (!buf) {
			err = &ks_error_nomem;
			break;
		}
		err = ks_driver_read(&s->drv, ctx.sp, buf, len);
		if (!err)
			err = ks_driver_stack(&s->drv, t->tid, kernel, KSTACK_FRAMES_MAX, &st);
		if (!err)
			err = ks_driver_thread_context(&s->drv, t->tid, &after);
		if (err)
			break;
		if (!(st.flags & KSTACK_SF_RAN) && after.nvcsw == ctx.nvcsw &&
		    after.nivcsw == ctx.nivcsw && after.sp == ctx.sp && st.nvcsw_before == ctx.nvcsw &&
		    st.nivcsw_before == ctx.nivcsw)
			break;
		err = ks_error_format(EAGAIN, "thread %" PRIu64 ": ran during the walk %d times",
				      t->tid, KS_SESSION_TRIES);
	}
	if (!err) {
		wt = (struct ks_walk_thread){ ctx.stack_base, ctx.stack_size, ctx.sp };
		err = ks_walk_image(&s->cfg, &wt, buf, &w);
	}
	if (err) {
		count_error(c, err, t->tid, true);
		ks_error_destroy(err);
		free(buf);
		return;
	}
	print_header(&ctx, t->tid);
	print_walk(names, &w, t->tid);
	printf("raw-context sp %016" PRIx64 " base %016" PRIx64 " size %" PRIx64
	       " stext %016" PRIx64 " etext %016" PRIx64 "\n",
	       ctx.sp, ctx.stack_base, ctx.stack_size, s->ksyms.stext, s->ksyms.etext);
	printf("raw-kernel %u", st.nr_frames);
	for (i = 0; i < st.nr_frames && i < KSTACK_FRAMES_MAX; i++)
		printf(" %016" PRIx64, kernel[i]);
	printf("\nraw-walk %zu", w.nr);
	for (i = 0; i < w.nr; i++)
		printf(" %016" PRIx64, w.frames[i].ip);
	printf("\nraw-stop %s", ks_walk_stop_name(w.stop));
	if (w.stop == KS_STOP_USER)
		printf(" user-ip %016" PRIx64 " user-sp %016" PRIx64, w.user_ip, w.user_sp);
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, buf + i, 8);
		if (i % 32 == 0)
			printf("\nraw-stack %016" PRIx64 ":", ctx.sp + i);
		printf(" %016" PRIx64, v);
	}
	printf("\n\n");
	c->shown++;
	ks_walk_result_fini(&w);
	free(buf);
}

/*
 * PID.../--all fast path: one SNAPSHOT of raw stacks per process (or for
 * the system), each walked here. A thread that ran during its capture (even
 * when retaken) goes through the per-thread path, which retries.
 */
static struct ks_error *show_snapshot(struct ks_session *s, struct ks_symcache *names,
				      uint64_t pid, struct counts *c, struct ks_snapshot *snap)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	err = ks_snapshot_take(&s->drv, pid, KSTACK_SNAP_RAW, 0, snap);
	if (err)
		return err;
	while ((r = ks_snapshot_next(snap, &off, &data, &err))) {
		struct ks_tid t = { .tgid = r->tgid, .tid = r->tid };
		struct ks_walk_thread wt = { r->stack_base, r->stack_size, r->sp };
		struct ks_walk_result w;
		char comm[KSTACK_COMM_LEN];

		memcpy(comm, r->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			printf("%" PRIu64 " %s R [running on a CPU: no saved kernel stack]\n\n",
			       r->tid, comm);
			c->running++;
			continue;
		}
		/* a capture the thread ran through, or one that does not cover
		 * [sp, top): take this thread again on its own */
		if ((r->flags & KSTACK_SNAP_F_RAN) || !r->raw_len ||
		    r->sp + r->raw_len != r->stack_base + r->stack_size) {
			show_thread(s, names, &t, c, false);
			continue;
		}
		err = ks_walk_image(&s->cfg, &wt, data, &w);
		if (err) {
			count_error(c, err, r->tid, true);
			ks_error_destroy(err);
			continue;
		}
		print_header_of(r->tid, comm, r->state, r->nvcsw_after, r->nivcsw_after);
		print_walk(names, &w, r->tid);
		printf("\n");
		c->shown++;
		if (w.stop == KS_STOP_MAX_FRAMES)
			c->failed++;
		ks_walk_result_fini(&w);
	}
	return err;
}

static void print_mismatch(const struct ks_session *s, const struct ks_verify *v, uint64_t tid)
{
	char buf[512];
	size_t i;

	printf("MISMATCH %" PRIu64 " %s %c:%s%s\n", tid, v->ctx.comm,
	       ks_task_state_letter(v->ctx.state),
	       v->eq_kernel ? "" : " walker != kernel unwinder",
	       v->eq_proc ? "" : " walker != /proc");
	printf("  walker (%zu frames, stop: %s):\n", v->walk.nr, ks_walk_stop_name(v->walk.stop));
	for (i = 0; i < v->walk.nr; i++) {
		const struct ks_frame *f = &v->walk.frames[i];

		ks_format_frame(buf, sizeof(buf), &s->ksyms, f->ip, f->exact, f->reliable);
		printf("    %s%s\n", buf, ks_ksyms_in_sched(&s->ksyms, f->ip) ? "  [sched]" : "");
	}
	printf("  kernel unwinder via STACK (%u frames%s):\n", v->nkernel,
	       v->kernel_flags & KSTACK_SF_UNRELIABLE ? ", unreliable" : "");
	for (i = 0; i < v->nkernel && i < KSTACK_FRAMES_MAX; i++) {
		ks_format_frame(buf, sizeof(buf), &s->ksyms, v->kernel[i], false, true);
		printf("    %s\n", buf);
	}
	printf("  /proc/%" PRIu64 "/task/%" PRIu64 "/stack (%zu frames):\n", v->ctx.tgid, tid,
	       v->nproc);
	for (i = 0; i < v->nproc; i++)
		printf("    %s\n", v->proc[i]);
	if (!v->eq_kernel)
		printf("  first difference from the kernel unwinder at frame %zu\n", v->kernel_diff);
	if (!v->eq_proc)
		printf("  first difference from /proc at frame %zu (scheduler frames dropped)\n",
		       v->proc_diff);
}

static void verify_thread(struct ks_session *s, const struct ks_tid *t, struct counts *c,
			  const struct opts *o)
{
	struct ks_verify v;
	struct ks_error *err = ks_verify_thread(s, t->tgid, t->tid, &v);

	if (err) {
		count_error(c, err, t->tid, err->code == EAGAIN);
		ks_error_destroy(err);
		return;
	}
	c->walked++;
	c->eq_kernel += v.eq_kernel;
	c->eq_proc += v.eq_proc;
	c->unreliable += !v.walk.reliable;
	if (!v.eq_kernel || !v.eq_proc) {
		print_mismatch(s, &v, t->tid);
	} else if (!o->quiet) {
		printf("ok %" PRIu64 " %s %c: %zu frames, stop: %s\n", t->tid, v.ctx.comm,
		       ks_task_state_letter(v.ctx.state), v.walk.nr,
		       ks_walk_stop_name(v.walk.stop));
	}
	ks_verify_fini(&v);
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static int verify_summary(const struct counts *c, double secs)
{
	/* a thread we failed to walk for a reason other than running is a
	 * failure too: it was neither compared nor explained away */
	bool ok = c->walked > 0 && c->eq_kernel == c->walked && c->failed == c->ran &&
		  (double)c->eq_proc >= KS_PROC_AGREEMENT_MIN * (double)c->walked;

	printf("verify: %zu sleeping threads walked; %zu running, %zu exited, %zu kept running (skipped); %zu errors\n",
	       c->walked, c->running, c->vanished, c->ran, c->failed - c->ran);
	printf("verify: walker == kernel unwinder (STACK), frame for frame: %zu/%zu (%.1f%%)\n",
	       c->eq_kernel, c->walked, pct(c->eq_kernel, c->walked));
	printf("verify: walker == /proc/PID/task/TID/stack (scheduler frames dropped): %zu/%zu (%.1f%%)\n",
	       c->eq_proc, c->walked, pct(c->eq_proc, c->walked));
	printf("verify: walks with unreliable frames: %zu; time %.3f s\n", c->unreliable, secs);
	printf("verify: %s\n", ok ? "PASSED" : "FAILED");
	return ok ? EXIT_ALL : EXIT_PARTIAL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "thread", no_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "max-frames", required_argument, NULL, 'n' },
		{ "verify", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "raw", no_argument, NULL, 'r' },
		{ "tables", no_argument, NULL, 'T' },
		{ "no-snapshot", no_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'd' },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .max_frames = 0 };
	struct ks_session_opts so = { .note = note };
	struct ks_tid_list tids = { 0 };
	struct counts c = { 0 };
	struct ks_session s;
	struct ks_symcache names;
	struct ks_error *err;
	struct timespec t0, t1;
	size_t i;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "tan:VqrTSd:k:h", longopts, NULL)) != -1) {
		uint64_t v;

		switch (opt) {
		case 't':
			o.threads = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'n':
			if (!parse_u64(optarg, &v) || v > KSTACK_FRAMES_MAX * 16) {
				fprintf(stderr, "kstack: -n: need a frame count 1..%u, got \"%s\"\n",
					KSTACK_FRAMES_MAX * 16, optarg);
				return EXIT_USAGE;
			}
			o.max_frames = (uint32_t)v;
			break;
		case 'V':
			o.verify = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'r':
			o.raw = true;
			break;
		case 'T':
			o.tables = true;
			break;
		case 'S':
			o.no_snapshot = true;
			break;
		case 'd':
			o.device = optarg;
			break;
		case 'k':
			o.kallsyms = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return EXIT_ALL;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return EXIT_USAGE;
		}
	}
	if (o.tables && (o.all || optind < argc)) {
		fprintf(stderr, "kstack: --tables takes no threads\n");
		return EXIT_USAGE;
	}
	if (!o.tables && o.all == (optind < argc)) {
		fprintf(stderr, "kstack: %s\nTry '%s --help'.\n",
			o.all ? "--all takes no PID/TID arguments" : "name a PID, -t TID, or --all",
			argv[0]);
		return EXIT_USAGE;
	}
	if (o.raw && o.verify) {
		fprintf(stderr, "kstack: --raw and --verify exclude each other\n");
		return EXIT_USAGE;
	}
	if (o.all && o.threads) {
		fprintf(stderr, "kstack: --all and --thread exclude each other\n");
		return EXIT_USAGE;
	}
	/* Check the command line before touching the system. */
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		uint64_t v;

		if (!parse_u64(argv[i], &v)) {
			fprintf(stderr, "kstack: \"%s\" is not a %s\n", argv[i], o.threads ? "TID" : "PID");
			return EXIT_USAGE;
		}
	}

	so.device = o.device;
	so.kallsyms = o.kallsyms;
	/* --verify compares with STACK, which returns up to KSTACK_FRAMES_MAX */
	so.max_frames = o.max_frames ? o.max_frames :
			o.verify ? KSTACK_FRAMES_MAX : KS_WALK_DEFAULT_MAX;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ks_session_open(&s, &so);
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		return EXIT_NOTHING;
	}
	ks_symcache_init(&names, &s.ksyms);

	if (o.tables) {
		for (i = 0; i < s.orc.count; i++) {
			const struct ks_orc_table *t = s.orc.tables[i];

			printf("%-20s %8zu ORC entries for [%016" PRIx64 ", %016" PRIx64 ")\n",
			       t->name, t->n, t->start, t->end);
		}
		printf("layout: %s; %zu kernel symbols\n", ks_orc_layout_name(s.layout),
		       s.ksyms.nsyms);
		ks_symcache_fini(&names);
		ks_session_close(&s);
		return EXIT_ALL;
	}
	if (!o.threads && !o.verify && !o.raw && !o.no_snapshot &&
	    (s.drv.version.caps & KSTACK_CAP_SNAPSHOT)) {
		struct ks_snapshot snap = { 0 };

		if (o.all) {
			err = show_snapshot(&s, &names, 0, &c, &snap);
		} else {
			for (i = (size_t)optind; !err && i < (size_t)argc; i++) {
				uint64_t v;

				parse_u64(argv[i], &v);
				err = show_snapshot(&s, &names, v, &c, &snap);
				if (err && err->code == ESRCH) {	/* report, go on */
					fprintf(stderr, "kstack: %s\n", err->message);
					ks_error_destroy(err);
					err = NULL;
					c.failed++;
				}
			}
		}
		ks_snapshot_fini(&snap);
		if (err) {
			fprintf(stderr, "kstack: %s\n", err->message);
			ks_error_destroy(err);
			ks_symcache_fini(&names);
			ks_session_close(&s);
			return EXIT_NOTHING;
		}
		rc = c.shown == 0 && c.running == 0 ? EXIT_NOTHING :
		     c.failed ? (c.shown ? EXIT_PARTIAL : EXIT_NOTHING) : EXIT_ALL;
		ks_symcache_fini(&names);
		ks_session_close(&s);
		return rc;
	}
	if (o.all) {
		err = ks_threads_all(&tids, NULL);
	} else {
		for (i = (size_t)optind; !err && i < (size_t)argc; i++) {
			uint64_t v;

			parse_u64(argv[i], &v);
			if (o.threads) {
				err = ks_tid_list_add(&tids, 0, v);
			} else {
				err = ks_threads_of(&tids, NULL, v);
				if (err && err->code == ESRCH) {	/* report, go on */
					fprintf(stderr, "kstack: %s\n", err->message);
					ks_error_destroy(err);
					err = NULL;
					c.failed++;
				}
			}
		}
	}
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		ks_symcache_fini(&names);
		ks_session_close(&s);
		ks_tid_list_fini(&tids);
		return EXIT_NOTHING;
	}

	for (i = 0; i < tids.n; i++) {
		struct ks_tid *t = &tids.v[i];

		if (!t->tgid) {		/* -t: find the process for /proc paths */
			struct kstack_thread_context ctx;
			struct ks_error *e = ks_driver_thread_context(&s.drv, t->tid, &ctx);

			if (e && e->code != EBUSY) {
				count_error(&c, e, t->tid, true);
				ks_error_destroy(e);
				continue;
			}
			ks_error_destroy(e);
			t->tgid = e ? t->tid : ctx.tgid;
		}
		if (o.verify)
			verify_thread(&s, t, &c, &o);
		else if (o.raw)
			raw_thread(&s, &names, t, &c);
		else
			show_thread(&s, &names, t, &c, !o.all);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (o.verify) {
		rc = verify_summary(&c, (double)(t1.tv_sec - t0.tv_sec) +
					(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else if (c.shown == 0 && c.running == 0) {
		rc = EXIT_NOTHING;
	} else {
		rc = c.failed ? EXIT_PARTIAL : EXIT_ALL;
	}
	if (!o.all && c.vanished)
		rc = c.shown ? EXIT_PARTIAL : EXIT_NOTHING;
	ks_symcache_fini(&names);
	ks_session_close(&s);
	ks_tid_list_fini(&tids);
	return rc;
}
