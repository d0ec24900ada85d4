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
#include "stack_text.h"
#include "symcache.h"
#include "threads.h"
#include "user_half.h"
#include "verify.h"
#include "cli.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [OPTION]... PID...\n"
"       %s [OPTION]... -t TID...\n"
"       %s [OPTION]... --all\n"
"Show the call stacks of Linux threads, kernel half and user half, without\n"
"stopping, signalling or ptrace-attaching them: kernel frames from the kstack\n"
"driver (/dev/kstack), user frames unwound with elfutils libdwfl from the\n"
"registers saved at kernel entry and a copy of the user stack.\n"
"\n"
"What to inspect:\n"
"  PID...                 every thread of these processes\n"
"  -t, --thread TID...    these threads\n"
"  -a, --all              every thread on the system, kernel threads included\n"
"\n"
"What to print:\n"
"  -K, --kernel           only the kernel half (walked in user space with the\n"
"                         kernel's ORC tables)\n"
"  -U, --user             only the user half\n"
"                         (default: both, kernel frames first; -V, -r, -S and a\n"
"                         driver without SNAPSHOT tails: the kernel half)\n"
"  -u, --user-stack-bytes N  copy N bytes of each user stack from its sp, within\n"
"                         its mapping (default %u; deeper frames are read on demand)\n"
"  -n, --max-frames N     walk at most N frames a half (default %u, 1..%u)\n"
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
"Where the walk reaches user mode it prints the user ip and sp; then the user\n"
"frames in the same form (00007f3a1c2e5a3d : libc.so.6!__clock_nanosleep+0x4d/0x80;\n"
"\"myprog!+0x1234\" where only the module is known: the address in its ELF file;\n"
"\"[unknown]\" where nothing is). A user frame found without CFI (frame pointer)\n"
"is marked \"? \". User names come from the files the process maps (through\n"
"/proc/PID/map_files: deleted files and other mount namespaces too), .symtab,\n"
".dynsym or debuginfo by build-id under /usr/lib/debug; this static build\n"
"has no debuginfod. Every name is escaped (\\ooo for control bytes). A thread\n"
"that ran between the capture of its registers and the copy of its user stack\n"
"is taken again once, then flagged. A walk cut short says why, and a\n"
"frame-limit cut is also reported on stderr.\n"
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
		prog, prog, prog, KS_USER_STACK_BYTES_DEFAULT, KS_WALK_DEFAULT_MAX,
		KSTACK_FRAMES_MAX * 16);
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

/* The process of thread tid, from /proc/TID/status (0: no such thread). */
static uint64_t tgid_of(uint64_t tid)
{
	char path[64], line[128];
	uint64_t tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/status", tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %" SCNu64, &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/*
 * -t TID... with both halves: a SNAPSHOT of each named thread's process,
 * only the named threads shown (and their user stacks copied).
 */
static struct ks_error *show_named(struct ks_session *s, struct ks_stack_text *text,
				   const struct opts *o, int argc, char **argv, struct counts *c,
				   struct ks_snapshot *snap, struct ks_user_half *h)
{
	struct ks_error *err = NULL;
	uint64_t tid = 0, tgid;
	int i;

	for (i = optind; !err && i < argc; i++) {
		parse_u64(argv[i], &tid);
		tgid = tgid_of(tid);
		if (!tgid) {
			fprintf(stderr, "kstack: thread %" PRIu64 ": no such thread\n", tid);
			c->failed++;
			continue;
		}
		ks_user_half_only(h, &tid, 1);
		c->named_seen = 0;
		err = show_whole(s, text, tgid, c, snap, h, o);
		if ((err && err->code == ESRCH) || (!err && !c->named_seen)) {
			fprintf(stderr, "kstack: thread %" PRIu64 ": gone\n", tid);
			ks_error_destroy(err);
			err = NULL;
			c->failed++;
		}
	}
	ks_user_half_only(h, NULL, 0);
	return err;
}

/*
 * PID.../-t TID.../--all with both halves (or --user): one show_whole() per
 * process or for the system. The exit status, or -1 to go on thread by
 * thread (--all past SNAPSHOT's bound).
 */
static int show_both(struct ks_session *s, struct ks_stack_text *text, const struct opts *o,
		     int argc, char **argv, struct counts *c)
{
	struct ks_snapshot snap = { 0 };
	struct ks_user_half h;
	struct ks_error *err = NULL;
	int i, rc;

	ks_user_half_init(&h, o->user_stack_bytes, s->cfg.max_frames,
			  s->cfg.max_frames < KSTACK_FRAMES_MAX ? s->cfg.max_frames : KSTACK_FRAMES_MAX);
	if (o->all) {
		err = show_whole(s, text, 0, c, &snap, &h, o);
		if (err && err->code == E2BIG) {
			fprintf(stderr, "kstack: %s; reading thread by thread (kernel half only)\n",
				err->message);
			ks_error_destroy(err);
			ks_user_half_fini(&h);
			ks_snapshot_fini(&snap);
			return -1;
		}
	} else if (o->threads) {
		err = show_named(s, text, o, argc, argv, c, &snap, &h);
	} else {
		for (i = optind; !err && i < argc; i++) {
			uint64_t v = 0;

			parse_u64(argv[i], &v);
			err = show_whole(s, text, v, c, &snap, &h, o);
			if (err && err->code == ESRCH) {	/* report, go on */
				fprintf(stderr, "kstack: %s\n", err->message);
				ks_error_destroy(err);
				err = NULL;
				c->failed++;
			}
		}
	}
	ks_user_half_fini(&h);
	ks_snapshot_fini(&snap);
	if (err) {
		fprintf(stderr, "kstack: %s\n", err->message);
		ks_error_destroy(err);
		return EXIT_NOTHING;
	}
	rc = c->shown == 0 && c->running == 0 ? EXIT_NOTHING :
	     c->failed ? (c->shown ? EXIT_PARTIAL : EXIT_NOTHING) : EXIT_ALL;
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "thread", no_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "max-frames", required_argument, NULL, 'n' },
		{ "kernel", no_argument, NULL, 'K' },
		{ "user", no_argument, NULL, 'U' },
		{ "user-stack-bytes", required_argument, NULL, 'u' },
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
	struct ks_stack_text text;
	struct ks_error *err;
	struct timespec t0, t1;
	size_t i;
	static char outbuf[1 << 16];
	int opt, rc;

	/* into a pipe or file, many short lines go out in large blocks */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	while ((opt = getopt_long(argc, argv, "tan:KUu:VqrTSd:k:h", longopts, NULL)) != -1) {
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
		case 'K':
			o.kernel_only = true;
			break;
		case 'U':
			o.user_only = true;
			break;
		case 'u':
			if (!parse_u64(optarg, &v) || v > KS_USER_STACK_BYTES_MAX) {
				fprintf(stderr, "kstack: --user-stack-bytes: need 1..%u, got \"%s\"\n",
					KS_USER_STACK_BYTES_MAX, optarg);
				return EXIT_USAGE;
			}
			o.user_stack_bytes = (size_t)v;
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
	if (o.kernel_only && o.user_only) {
		fprintf(stderr, "kstack: --kernel and --user exclude each other\n");
		return EXIT_USAGE;
	}
	if (o.user_only && (o.verify || o.raw || o.no_snapshot || o.tables)) {
		fprintf(stderr, "kstack: --user excludes -V, -r, -S, -T\n");
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
	/* --verify and --tables print kallsyms-based text */
	so.need_ksyms = o.verify || o.tables;
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
	ks_symcache_use_driver(&names, &s.drv);
	ks_stack_text_init(&text, &names, 0);

	if (o.tables) {
		for (i = 0; i < s.orc.count; i++) {
			const struct ks_orc_table *t = s.orc.tables[i];

			printf("%-20s %8zu ORC entries for [%016" PRIx64 ", %016" PRIx64 ")\n",
			       t->name, t->n, t->start, t->end);
		}
		printf("layout: %s; %zu kernel symbols\n", ks_orc_layout_name(s.layout),
		       s.ksyms.nsyms);
		ks_stack_text_fini(&text);
		ks_symcache_fini(&names);
		ks_session_close(&s);
		return EXIT_ALL;
	}
	if (!o.verify && !o.raw && !o.no_snapshot && !o.kernel_only &&
	    (s.drv.version.caps & KSTACK_CAP_SNAP_TAIL)) {
		rc = show_both(&s, &text, &o, argc, argv, &c);
		if (rc >= 0) {
			ks_stack_text_fini(&text);
			ks_symcache_fini(&names);
			ks_session_close(&s);
			return rc;
		}
	} else if (o.user_only) {
		fprintf(stderr, "kstack: --user: the driver gives no user registers (SNAPSHOT tails)\n");
		ks_stack_text_fini(&text);
		ks_symcache_fini(&names);
		ks_session_close(&s);
		return EXIT_NOTHING;
	} else if (!o.verify && !o.raw && !o.no_snapshot && !o.kernel_only) {
		note(NULL, "the driver gives no user registers: kernel half only");
	}
	if (!o.threads && !o.verify && !o.raw && !o.no_snapshot &&
	    (s.drv.version.caps & KSTACK_CAP_SNAPSHOT)) {
		struct ks_snapshot snap = { 0 };
		bool too_big = false;

		if (o.all) {
			err = show_snapshot(&s, &text, 0, &c, &snap);
			if (err && err->code == E2BIG) {
				/* over one call's bound, before any output: thread by thread */
				fprintf(stderr, "kstack: %s; reading thread by thread\n",
					err->message);
				ks_error_destroy(err);
				err = NULL;
				too_big = true;
			}
		} else {
			for (i = (size_t)optind; !err && i < (size_t)argc; i++) {
				uint64_t v;

				parse_u64(argv[i], &v);
				err = show_snapshot(&s, &text, v, &c, &snap);
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
			ks_stack_text_fini(&text);
			ks_symcache_fini(&names);
			ks_session_close(&s);
			return EXIT_NOTHING;
		}
		if (!too_big) {
			rc = c.shown == 0 && c.running == 0 ? EXIT_NOTHING :
			     c.failed ? (c.shown ? EXIT_PARTIAL : EXIT_NOTHING) : EXIT_ALL;
			ks_stack_text_fini(&text);
			ks_symcache_fini(&names);
			ks_session_close(&s);
			return rc;
		}
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
		ks_stack_text_fini(&text);
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
			raw_thread(&s, &text, t, &c);
		else
			show_thread(&s, &text, t, &c, !o.all);
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
	ks_stack_text_fini(&text);
	ks_symcache_fini(&names);
	ks_session_close(&s);
	ks_tid_list_fini(&tids);
	return rc;
}
