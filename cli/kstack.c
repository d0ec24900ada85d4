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

#include "escape.h"
#include "output.h"
#include "session.h"
#include "snapshot.h"
#include "stack_text.h"
#include "symcache.h"
#include "threads.h"
#include "verify.h"
#include "cli.h"
#include "triage.h"

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
	fputc('\n', f);
	triage_usage(f);
}

/* Notes name modules and paths: escaped (escape.h). */
static void note(void *ctx, const char *msg)
{
	(void)ctx;
	fputs("kstack: note: ", stderr);
	ks_escape_write(stderr, msg, strlen(msg));
	fputc('\n', stderr);
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
		KS_TRIAGE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .max_frames = 0 };
	struct triage_opts tr;
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

	triage_opts_init(&tr);
	while ((opt = getopt_long(argc, argv, "tan:VqrTSd:k:h" KS_TRIAGE_SHORTOPTS, longopts,
				  NULL)) != -1) {
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
			rc = triage_opt(&tr, opt, optarg);
			if (rc > 0)
				break;
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return EXIT_USAGE;
		}
	}
	if (tr.used && (o.threads || o.verify || o.raw || o.tables || o.no_snapshot)) {
		fprintf(stderr, "kstack: --group, the filters, --format, -o and --sample take PID... "
			"or --all, without -t, -V, -r, -T or -S\n");
		return EXIT_USAGE;
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

	if (tr.used && !triage_opts_check(&tr, o.all, argc - optind))
		return EXIT_USAGE;

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

	if (tr.used) {
		rc = triage_run(&s, &names, &tr, o.all, argv + optind, argc - optind);
		ks_stack_text_fini(&text);
		ks_symcache_fini(&names);
		ks_session_close(&s);
		return rc;
	}
	if (o.tables) {
		for (i = 0; i < s.orc.count; i++) {
			const struct ks_orc_table *t = s.orc.tables[i];
			char name[KS_ESCAPE_SIZE(64)];

			/* a module's name, from /sys/module: escaped */
			ks_escape_str(name, sizeof(name), t->name);
			printf("%-20s %8zu ORC entries for [%016" PRIx64 ", %016" PRIx64 ")\n",
			       name, t->n, t->start, t->end);
		}
		printf("layout: %s; %zu kernel symbols\n", ks_orc_layout_name(s.layout),
		       s.ksyms.nsyms);
		ks_stack_text_fini(&text);
		ks_symcache_fini(&names);
		ks_session_close(&s);
		return EXIT_ALL;
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
