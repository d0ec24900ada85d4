// SPDX-License-Identifier: GPL-2.0
/*
 * kstack's command line: one table of options (name, letter, argument,
 * help, setter), parsed once into struct opts, checked before the system
 * is touched. An option is one row and one setter; --help is printed from
 * the table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "user_stack.h"

struct cli_option {
	const char *name;
	int letter;		/* >= 0x100: a long option alone (getopt's value) */
	const char *arg;	/* NULL: takes no argument; else its name in --help */
	const char *shown;	/* what --help shows after the name, if not arg */
	const char *help;	/* lines after the first start with \n */
	int group;		/* CLI_GROUP_* */
	/* 0, or EXIT_USAGE after saying why */
	int (*set)(struct opts *o, const char *arg);
};

enum { CLI_GROUP_INSPECT, CLI_GROUP_PRINT, CLI_GROUP_TRIAGE, CLI_GROUP_WATCH };

static int set_action(struct opts *o, enum cli_action a, const char *name)
{
	if (o->action != CLI_SHOW && o->action != a) {
		cli_message("%s and an earlier action option exclude each other", name);
		return EXIT_USAGE;
	}
	o->action = a;
	return 0;
}

static int set_target(struct opts *o, enum cli_target t)
{
	if ((o->target != CLI_PIDS && o->target != t) || (t != CLI_PIDS && o->npids)) {
		cli_message("%s", o->npids ? "-p names processes: not with -t or --all" :
			    "--all and --thread exclude each other");
		return EXIT_USAGE;
	}
	o->target = t;
	return 0;
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

static int opt_thread(struct opts *o, const char *arg)
{
	(void)arg;
	return set_target(o, CLI_TIDS);
}

static int opt_all(struct opts *o, const char *arg)
{
	(void)arg;
	return set_target(o, CLI_ALL);
}

/* -p PID[,PID...]: the PID form, as eu-stack, gdb, perf and py-spy take it */
static int opt_pid(struct opts *o, const char *arg)
{
	const char *p = arg;
	uint64_t *ids;
	size_t n = 1;
	char *end;

	if (o->target != CLI_PIDS) {
		cli_message("-p names processes: not with -t or --all");
		return EXIT_USAGE;
	}
	for (; *p; p++)
		n += *p == ',';
	ids = realloc(o->pids, (o->npids + n) * sizeof(*ids));
	if (!ids) {
		cli_message("out of memory");
		return EXIT_NOTHING;
	}
	o->pids = ids;
	for (p = arg; ; p = end + 1) {
		if (*p < '0' || *p > '9') {
			cli_message("-p: \"%s\" is not a PID", arg);
			return EXIT_USAGE;
		}
		errno = 0;
		ids[o->npids] = strtoull(p, &end, 10);
		if (errno || !ids[o->npids] || (*end && *end != ',')) {
			cli_message("-p: \"%s\" is not a PID", arg);
			return EXIT_USAGE;
		}
		o->npids++;
		if (!*end)
			return 0;
	}
}

static int opt_max_frames(struct opts *o, const char *arg)
{
	uint64_t v;

	if (!parse_u64(arg, &v) || v > KSTACK_FRAMES_MAX * 16) {
		cli_message("-n: need a frame count 1..%u, got \"%s\"", KSTACK_FRAMES_MAX * 16, arg);
		return EXIT_USAGE;
	}
	o->max_frames = (uint32_t)v;
	return 0;
}

static int opt_verify(struct opts *o, const char *arg)
{
	(void)arg;
	return set_action(o, CLI_VERIFY, "--verify");
}

static int opt_verify_user(struct opts *o, const char *arg)
{
	(void)arg;
	o->verify_user = true;
	return 0;
}

static int opt_quiet(struct opts *o, const char *arg)
{
	(void)arg;
	o->quiet = true;
	return 0;
}

static int opt_raw(struct opts *o, const char *arg)
{
	(void)arg;
	return set_action(o, CLI_RAW, "--raw");
}

static int opt_tables(struct opts *o, const char *arg)
{
	(void)arg;
	return set_action(o, CLI_TABLES, "--tables");
}

static int opt_no_snapshot(struct opts *o, const char *arg)
{
	(void)arg;
	o->no_snapshot = true;
	return 0;
}

static int set_half(struct opts *o, enum cli_half h)
{
	if (o->half != CLI_BOTH && o->half != h) {
		cli_message("--kernel and --user exclude each other");
		return EXIT_USAGE;
	}
	o->half = h;
	return 0;
}

static int opt_kernel(struct opts *o, const char *arg)
{
	(void)arg;
	return set_half(o, CLI_KERNEL);
}

static int opt_user(struct opts *o, const char *arg)
{
	(void)arg;
	return set_half(o, CLI_USER);
}

static int opt_user_stack_bytes(struct opts *o, const char *arg)
{
	uint64_t v;

	if (!parse_u64(arg, &v) || v > KS_USER_STACK_BYTES_MAX) {
		cli_message("--user-stack-bytes: need 1..%u, got \"%s\"", KS_USER_STACK_BYTES_MAX, arg);
		return EXIT_USAGE;
	}
	o->user_stack_bytes = (size_t)v;
	return 0;
}

static int opt_deadlocks(struct opts *o, const char *arg)
{
	(void)arg;
	return set_action(o, CLI_DEADLOCKS, "--deadlocks");
}

static int opt_no_demangle(struct opts *o, const char *arg)
{
	(void)arg;
	o->no_demangle = true;
	return 0;
}

static int opt_verbose(struct opts *o, const char *arg)
{
	(void)arg;
	o->verbose = true;
	return 0;
}

static int opt_strict(struct opts *o, const char *arg)
{
	(void)arg;
	o->strict = true;
	return 0;
}

/* An empty path would open nothing and read as "driver not loaded". */
static int opt_path(const char *opt, const char *arg)
{
	if (*arg)
		return 0;
	cli_message("%s: need a file name, got \"\"", opt);
	return EXIT_USAGE;
}

static int opt_device(struct opts *o, const char *arg)
{
	o->device = arg;
	return opt_path("-d", arg);
}

static int opt_kallsyms(struct opts *o, const char *arg)
{
	o->kallsyms = arg;
	return opt_path("-k", arg);
}

/* -n's help below names these bounds */
_Static_assert(KS_WALK_DEFAULT_MAX == 128 && KSTACK_FRAMES_MAX * 16 == 4096,
	       "update the help of --max-frames");

/* Triage options: triage_opts.c parses their values (getopt value = option). */
static int opt_triage(struct opts *o, int opt, const char *arg)
{
	return triage_opt(&o->triage, opt, arg) > 0 ? 0 : EXIT_USAGE;
}

static int opt_group(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_GROUP, arg);
}

static int opt_state(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_STATE, arg);
}

static int opt_comm(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_COMM, arg);
}

static int opt_match(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_MATCH, arg);
}

static int opt_process(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_PROCESS, arg);
}

static int opt_min_count(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_MIN_COUNT, arg);
}

static int opt_format(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_FORMAT, arg);
}

static int opt_output(struct opts *o, const char *arg)
{
	return opt_triage(o, 'o', arg);
}

static int opt_sample(struct opts *o, const char *arg)
{
	return opt_triage(o, KS_OPT_SAMPLE, arg);
}

static int opt_interval(struct opts *o, const char *arg)
{
	o->watch.interval_given = true;
	return opt_triage(o, KS_OPT_INTERVAL, arg);
}

static int opt_duration(struct opts *o, const char *arg)
{
	o->watch.duration_given = true;
	return opt_triage(o, KS_OPT_DURATION, arg);
}

static int opt_watch(struct opts *o, const char *arg)
{
	(void)arg;
	return set_action(o, CLI_WATCH, "--watch");
}

static int opt_stuck(struct opts *o, const char *arg)
{
	o->watch.used = true;
	if (triage_parse_duration(arg, &o->watch.stuck_ns))
		return 0;
	cli_message("--stuck: need a duration such as 30s, 2m, 500ms, got \"%s\"", arg);
	return EXIT_USAGE;
}

static int opt_textfile(struct opts *o, const char *arg)
{
	o->watch.used = true;
	o->watch.textfile = arg;
	return opt_path("--textfile", arg);
}

static const struct cli_option cli_options[] = {
	{ "pid", 'p', "PID", NULL,
	  "this process (PID[,PID...], or again): the PID form,\n"
	  "as eu-stack, gdb and perf take it",
	  CLI_GROUP_INSPECT, opt_pid },
	{ "thread", 't', NULL, "TID...", "these threads", CLI_GROUP_INSPECT, opt_thread },
	{ "all", 'a', NULL, NULL, "every thread on the system, kernel threads included",
	  CLI_GROUP_INSPECT, opt_all },
	{ "deadlocks", KS_OPT_DEADLOCKS, NULL, NULL,
	  "the wait-for graph of PID... or --all (default):\n"
	  "one line per cycle, \"deadlock: TID -> ... -> TID\",\n"
	  "then the listings of its threads (exit 3)",
	  CLI_GROUP_INSPECT, opt_deadlocks },
	{ "kernel", 'K', NULL, NULL, "only the kernel half of each stack", CLI_GROUP_PRINT,
	  opt_kernel },
	{ "user", 'U', NULL, NULL,
	  "only the user half (default: both, kernel frames\n"
	  "first; -S, --raw, --verify: the kernel half)",
	  CLI_GROUP_PRINT, opt_user },
	{ "user-stack-bytes", 'u', "N", NULL,
	  "copy N bytes of each user stack from its sp, within\n"
	  "its mapping (default 65536; deeper frames are read\n"
	  "on demand; a running thread's: at most 262144, by\n"
	  "the driver where it runs)",
	  CLI_GROUP_PRINT, opt_user_stack_bytes },
	{ "no-demangle", KS_OPT_NO_DEMANGLE, NULL, NULL,
	  "user frames' C++ and Rust names as the files have\n"
	  "them, mangled (eu-stack's -r; default: demangled)",
	  CLI_GROUP_PRINT, opt_no_demangle },
	{ "max-frames", 'n', "N", NULL, "walk at most N frames a half (default 128, 1..4096)",
	  CLI_GROUP_PRINT, opt_max_frames },
	{ "strict", KS_OPT_STRICT, NULL, NULL,
	  "a user half that ends in a binary's code without\n"
	  "unwind information (no CFI, no frame pointers) is\n"
	  "partial, exit 1, as eu-stack counts it (default: whole\n"
	  "as far as the binary allows, as perf shows it)",
	  CLI_GROUP_PRINT, opt_strict },
	{ "verbose", 'v', NULL, NULL,
	  "say every problem of every thread on stderr as it\n"
	  "happens (default: one line a kind, with a count and\n"
	  "example thread ids, at the end), and whole thread id\n"
	  "lists in group headers",
	  CLI_GROUP_PRINT, opt_verbose },
	{ "verify", 'V', NULL, NULL,
	  "walk each thread three ways (this walker, the kernel's\n"
	  "unwinder via the driver's STACK, /proc/PID/task/TID/stack)\n"
	  "and report agreement, with both stacks of every mismatch",
	  CLI_GROUP_PRINT, opt_verify },
	{ "verify-user", KS_OPT_VERIFY_USER, NULL, NULL,
	  "walk each user stack with libdwfl as well as with the\n"
	  "compiled CFI rules, compare them frame for frame and\n"
	  "say so on stderr (one that differs: exit 1)",
	  CLI_GROUP_PRINT, opt_verify_user },
	{ "quiet", 'q', NULL, NULL, "with --verify: print only mismatches and the summary",
	  CLI_GROUP_PRINT, opt_quiet },
	{ "raw", 'r', NULL, NULL,
	  "also print the saved stack's bytes, the kernel\n"
	  "unwinder's frames and kernel text bounds (raw-* lines),\n"
	  "from one moment: a self-contained record of the walk",
	  CLI_GROUP_PRINT, opt_raw },
	{ "tables", 'T', NULL, NULL, "list the ORC tables loaded (vmlinux, modules) and exit",
	  CLI_GROUP_PRINT, opt_tables },
	{ "no-snapshot", 'S', NULL, NULL,
	  "walk thread by thread in user space instead of\n"
	  "printing the driver's SNAPSHOT (slower; for comparison)",
	  CLI_GROUP_PRINT, opt_no_snapshot },
	{ "device", 'd', "PATH", NULL, "driver device (default " KSTACK_DEVICE_LINUX ")",
	  CLI_GROUP_PRINT, opt_device },
	{ "kallsyms", 'k', "PATH", NULL, "kernel symbols (default /proc/kallsyms)",
	  CLI_GROUP_PRINT, opt_kallsyms },
	{ "group", KS_OPT_GROUP, "kernel", "[=kernel]",
	  "each distinct stack once, largest group first, with\n"
	  "its thread count, states, comms and tid ranges;\n"
	  "=kernel: on the kernel half alone (default: whole stack)",
	  CLI_GROUP_TRIAGE, opt_group },
	{ "state", KS_OPT_STATE, "LETTERS", NULL, "only threads in these ps states (e.g. D, DR)",
	  CLI_GROUP_TRIAGE, opt_state },
	{ "process", KS_OPT_PROCESS, "REGEX", NULL,
	  "only threads of processes whose name or command\n"
	  "line matches (POSIX ERE; pgrep's name, and -f)",
	  CLI_GROUP_TRIAGE, opt_process },
	{ "comm", KS_OPT_COMM, "REGEX", NULL, "only threads whose own name matches (POSIX ERE)",
	  CLI_GROUP_TRIAGE, opt_comm },
	{ "match", KS_OPT_MATCH, "REGEX", NULL,
	  "only threads with a frame that matches, as printed\n"
	  "(module!function: 'svc!db_query', 'libc') or by its\n"
	  "function alone ('^mutex_lock$')",
	  CLI_GROUP_TRIAGE, opt_match },
	{ "min-count", KS_OPT_MIN_COUNT, "N", NULL,
	  "with --group/--sample: leave out smaller groups\n"
	  "(threads; --sample: samples)",
	  CLI_GROUP_TRIAGE, opt_min_count },
	{ "format", KS_OPT_FORMAT, "FMT", NULL,
	  "text (default), json (doc/kstack-report.schema.json),\n"
	  "folded (flamegraph.pl, speedscope), pprof (gzip'd\n"
	  "protobuf: go tool pprof; -o FILE on a terminal)",
	  CLI_GROUP_TRIAGE, opt_format },
	{ "output", 'o', "FILE", NULL, "write the report to FILE", CLI_GROUP_TRIAGE, opt_output },
	{ "sample", KS_OPT_SAMPLE, NULL, NULL,
	  "a snapshot every --interval for --duration, per\n"
	  "distinct stack: samples (a thread a round), threads,\n"
	  "and the thread-seconds they stand for; threads on a\n"
	  "CPU are taken there (on- and off-CPU samples, each\n"
	  "marked); Ctrl-C ends early, still writes; both\n"
	  "halves, as the listing (--kernel: the kernel half\n"
	  "alone, rounds several times cheaper)",
	  CLI_GROUP_TRIAGE, opt_sample },
	{ "interval", KS_OPT_INTERVAL, "DUR", NULL,
	  "between snapshots (default 10ms; --watch: 1s;\n"
	  "ns, us, ms, s, m)", CLI_GROUP_TRIAGE, opt_interval },
	{ "duration", KS_OPT_DURATION, "DUR", NULL, "how long to sample (default 5s)",
	  CLI_GROUP_TRIAGE, opt_duration },
	{ "watch", KS_OPT_WATCH, NULL, NULL,
	  "a round every --interval (default 1s) until SIGINT or\n"
	  "SIGTERM (exit 0), the kernel half of PID... (none:\n"
	  "every thread); a thread unchanged (state, kernel stack,\n"
	  "context switches) for --stuck is reported once:\n"
	  "\"stuck: TID COMM STATE for SECONDSs\" and its whole\n"
	  "stack, both halves, taken then; once it moves or exits,\n"
	  "\"unstuck: TID COMM after SECONDSs\"; --state, --comm,\n"
	  "--match (kernel frames) pick the threads watched;\n"
	  "--format json: one JSON object a line ({\"event\": ...})",
	  CLI_GROUP_WATCH, opt_watch },
	{ "stuck", KS_OPT_STUCK, "DUR", NULL,
	  "with --watch: unchanged this long is stuck (default 30s)",
	  CLI_GROUP_WATCH, opt_stuck },
	{ "textfile", KS_OPT_TEXTFILE, "DIR", NULL,
	  "with --watch: rewrite DIR/kstack.prom every round,\n"
	  "atomically, for node_exporter's textfile collector\n"
	  "(kstack_threads, kstack_stuck_threads{state,function},\n"
	  "kstack_deadlocks, kstack_snapshot_seconds,\n"
	  "kstack_watch_rounds_total)",
	  CLI_GROUP_WATCH, opt_textfile },
};

#define CLI_NOPTS (sizeof(cli_options) / sizeof(cli_options[0]))

/* An argument that may be left out: only --group's ("--group" or "--group=kernel"). */
static bool cli_optional_arg(const struct cli_option *c)
{
	return c->set == opt_group;
}

static void usage_group(FILE *f, int group)
{
	size_t i;

	for (i = 0; i < CLI_NOPTS; i++) {
		const struct cli_option *c = &cli_options[i];
		const char *arg = c->shown ? c->shown : c->arg;
		const char *h = c->help, *nl;
		char head[64];

		if (c->group != group)
			continue;
		if (c->letter >= 0x100)
			snprintf(head, sizeof(head), "    --%s%s%s", c->name,
				 arg && !cli_optional_arg(c) ? " " : "", arg ? arg : "");
		else
			snprintf(head, sizeof(head), "-%c, --%s%s%s", c->letter, c->name,
				 arg ? " " : "", arg ? arg : "");
		fprintf(f, "  %-21s", head);
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "  %.*s\n%23s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "  %s\n", h);
	}
}

#ifdef KS_STATIC_BUILD
#define KS_DEBUGINFOD_HELP "; this static build has no debuginfod"
#else
#define KS_DEBUGINFOD_HELP ", or debuginfod when DEBUGINFOD_URLS is set"
#endif

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kstack [OPTION]... PID...\n"
"       kstack [OPTION]... -p PID[,PID...]\n"
"       kstack [OPTION]... -t TID...\n"
"       kstack [OPTION]... --all\n"
"       kstack --watch [OPTION]... [PID...]\n"
"Show the call stacks of Linux threads, kernel half and user half, without\n"
"stopping, signalling or ptrace-attaching them: kernel frames unwound by the\n"
"kstack driver (/dev/kstack) or walked in user space with the kernel's ORC\n"
"tables; user frames unwound with elfutils libdwfl from the registers saved\n"
"at kernel entry and a copy of the top of the user stack.\n"
"\n"
"What to inspect:\n"
"  PID...                 every thread of these processes (each once)\n");
	usage_group(f, CLI_GROUP_INSPECT);
	fprintf(f, "\nWhat to print:\n");
	usage_group(f, CLI_GROUP_PRINT);
	fprintf(f, "\nTriage (PID..., -t TID... or --all; the filters apply before grouping,\n"
		"and the report counts the threads they left out):\n");
	usage_group(f, CLI_GROUP_TRIAGE);
	fprintf(f, "\nHang watch (runs until SIGINT or SIGTERM; PID... or -t TID..., none: all):\n");
	usage_group(f, CLI_GROUP_WATCH);
	fprintf(f, "  -h, --help             this help\n"
"\n"
"Output: before each process's threads a line \"PID pid name: command line\",\n"
"then per thread a header \"TID comm state [ctxsw V+I]\" (state as in ps;\n"
"V/I: voluntary/involuntary context switches), then one frame a line\n"
"  ffffffff9c05271d : vmlinux!__schedule+0x2dd/0x960\n"
"(module frames name the module: kvm!kvm_vcpu_block+0x4c/0xa0). A frame found\n"
"by a fallback (no ORC data: frame pointer or stack scan) is marked \"? \".\n"
"Where the walk reaches user mode it prints the user ip and sp; then the\n"
"user frames in the same form (00007f3a1c2e5a3d : libc.so.6!clock_nanosleep+0x65/0x86;\n"
"\"prog!+0x1234\" where only the module is known: the address in its ELF file;\n"
"\"[unknown]\" where nothing is; \"? \" a frame found without CFI). User names\n"
"come from the mapped files (through /proc/PID/map_files: deleted files and\n"
"other mount namespaces too): .symtab, .dynsym, or debuginfo by build-id under\n"
"/usr/lib/debug" KS_DEBUGINFOD_HELP "; C++ and Rust names\n"
"demangled (libiberty; --no-demangle: as the files have them); JIT code named\n"
"from the process's /tmp/perf-PID.map (\"perf-PID.map!name+0x1c/0x80\"; a\n"
"map not owned by it or root, a symlink or one over 16 MiB is not used). The\n"
"first frame is named from the registers even where the stack cannot be\n"
"read; a Go goroutine's stack ends at runtime.goexit. A thread that ran\n"
"between the capture of its registers and the copy of its user stack is\n"
"taken again once, then flagged. A walk cut short says why under its\n"
"frames. The listing ends in \"-- N threads in M processes shown; K partial\n"
"(why: ...)\". On stderr, at the end, one line a kind of problem with a\n"
"count and example thread ids (--verbose: each as it happens).\n"
"Under the header of a thread blocked on a lock kstack can name, one line\n"
"  waiting for KIND at 0xADDR, held by TID COMM\n"
"or \"..., holder unknown (REASON)\"; KIND: pthread_mutex, pi_futex,\n"
"pthread_rwlock, futex, mutex, rwsem, semaphore, flock, posix_lock (kstack(1),\n"
"WHO HOLDS IT).\n"
"Thread ids are those of the caller's pid namespace, as the driver sees them.\n"
"\n"
"Needs root and the driver: insmod kstack.ko (or modprobe kstack).\n"
"\n"
"Exit status:\n"
"  0   every requested thread shown whole (a thread running on a CPU is taken\n"
"      there; with a driver too old to, or kstack's own, shown as running;\n"
"      --verify: the walker equals the kernel's unwinder for every sleeping\n"
"      thread, and /proc for at least 99%% of them)\n"
"  1   partial: something shown, but a stack was cut short, a thread kept\n"
"      running (also: ran while its user stack was copied, twice; on a CPU\n"
"      and not caught there: it moved twice, its CPU went offline), a\n"
"      requested id has no thread, a thread failed, or a process or thread\n"
"      was not the caller's to trace (named on stderr; --all: counted);\n"
"      every exit 1 says why on stderr. A user half that ends in a\n"
"      binary's code without unwind information (no CFI, no frame\n"
"      pointers: busybox, say) is whole as far as the binary allows, as\n"
"      perf shows it; with --strict it is partial, as eu-stack counts it\n"
"      (--verify: agreement below that bar; where the walkers agree but a\n"
"      stack was cut short,\n"
"      by -n or where the kernel's own unwinder stops too, the verdict\n"
"      reads \"verify: PASSED (N stacks cut short: partial)\")\n"
"  2   nothing shown: no such thread, not root, driver not loaded, ...\n"
"  3   --deadlocks: a deadlock found (one line per cycle)\n"
"  64  usage error\n"
"  --watch: 0 when SIGINT or SIGTERM ends it; 2 when it cannot start or go on\n");
}

/* The letters and long options getopt wants, from the table. */
static void getopt_spec(char *letters, struct option *longopts)
{
	size_t i;
	char *p = letters;

	*p++ = ':';	/* a missing argument returns ':', not '?' */
	for (i = 0; i < CLI_NOPTS; i++) {
		const struct cli_option *c = &cli_options[i];

		if (c->letter < 0x100) {
			*p++ = (char)c->letter;
			if (c->arg)
				*p++ = ':';
		}
		longopts[i] = (struct option){ c->name,
					       !c->arg ? no_argument :
					       cli_optional_arg(c) ? optional_argument : required_argument,
					       NULL, c->letter };
	}
	*p++ = 'h';
	*p = '\0';
	longopts[i] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[i + 1] = (struct option){ NULL, 0, NULL, 0 };
}

/* The combination of options and arguments makes sense; else say why (usage). */
static int opts_check(struct opts *o, int nargs)
{
	/* a run that takes no user half: options about it would be ignored */
	bool no_user_half = o->half == CLI_KERNEL || o->action != CLI_SHOW || o->no_snapshot;

	if (o->action == CLI_WATCH)
		return watch_opts_check(o, nargs) ? -1 : EXIT_USAGE;
	if (o->watch.used) {
		fprintf(stderr, "kstack: --stuck and --textfile go with --watch\n");
		return EXIT_USAGE;
	}
	if (o->triage.used) {
		if (o->action != CLI_SHOW || o->no_snapshot) {
			cli_message("--group, the filters, --format, -o and --sample take PID..., "
				    "-t TID... or --all, without -V, -r, -T or -S");
			return EXIT_USAGE;
		}
		if (!triage_opts_check(&o->triage, o->target == CLI_ALL, nargs))
			return EXIT_USAGE;
	}
	if (o->action == CLI_DEADLOCKS) {
		if (o->no_snapshot || o->triage.used || o->half == CLI_USER) {
			fprintf(stderr, "kstack: --deadlocks takes PID..., -t TID... or --all, "
				"without -S, --user or the report options\n");
			return EXIT_USAGE;
		}
		if (o->target == CLI_PIDS && !nargs)
			o->target = CLI_ALL;	/* the whole system by default */
	}
	if (o->action == CLI_TABLES) {
		if (o->target == CLI_ALL || nargs) {
			cli_message("--tables takes no threads");
			return EXIT_USAGE;
		}
		return -1;
	}
	if (o->quiet && o->action != CLI_VERIFY) {
		cli_message("-q quiets --verify: use it with --verify");
		return EXIT_USAGE;
	}
	if (o->verify_user && (o->half == CLI_KERNEL || o->action != CLI_SHOW || o->no_snapshot ||
			       o->triage.used)) {
		cli_message("--verify-user checks the user halves of a listing: "
			    "not with --kernel, -V, -r, -S or the report options");
		return EXIT_USAGE;
	}
	if (o->half == CLI_USER && (o->action != CLI_SHOW || o->no_snapshot)) {
		cli_message("--user excludes --verify, --raw and -S");
		return EXIT_USAGE;
	}
	if (no_user_half && (o->user_stack_bytes || o->no_demangle || o->strict)) {
		cli_message("%s concerns the user half, which --kernel, -V, -r and -S do not take",
			    o->user_stack_bytes ? "--user-stack-bytes" :
			    o->no_demangle ? "--no-demangle" : "--strict");
		return EXIT_USAGE;
	}
	if ((o->target == CLI_ALL) == (nargs > 0)) {
		cli_message("%s", o->target == CLI_ALL ? "--all takes no PID/TID arguments" :
			    "name a PID (or -p PID), -t TID, or --all");
		return EXIT_USAGE;
	}
	return -1;
}

/* What getopt refused (arg: the word it was reading), said as kstack says everything. */
static void opts_refused(int opt, const char *arg)
{
	size_t len = strcspn(arg, "=");

	if (!strncmp(arg, "--", 2)) {
		if (opt == ':')
			cli_message("option '%.*s' requires an argument", (int)len, arg);
		else if (optopt)
			cli_message("option '%.*s' takes no argument", (int)len, arg);
		else
			cli_message("unrecognized option '%.*s'", (int)len, arg);
	} else if (opt == ':') {
		cli_message("option requires an argument -- '%c'", optopt);
	} else {
		cli_message("invalid option -- '%c'", optopt);
	}
}

/* Add id to o->ids unless it is there: "kstack 1 1" shows process 1 once. */
static void opts_add_id(struct opts *o, uint64_t id)
{
	size_t i;

	for (i = 0; i < o->nids; i++)
		if (o->ids[i] == id)
			return;
	o->ids[o->nids++] = id;
}

/* Every usage error ends the same way, as GNU tools end theirs. */
static int opts_usage_error(void)
{
	fputs("Try 'kstack --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	struct option longopts[CLI_NOPTS + 2];
	char letters[2 * CLI_NOPTS + 3];
	int opt, rc, i;
	size_t j;

	memset(o, 0, sizeof(*o));
	triage_opts_init(&o->triage);
	o->watch.stuck_ns = KS_WATCH_STUCK_NS;
	getopt_spec(letters, longopts);
	/* getopt's own messages name argv[0]: ours name kstack */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, letters, longopts, NULL)) != -1) {
		size_t k;

		if (opt == 'h') {
			usage(stdout);
			return EXIT_ALL;
		}
		for (k = 0; k < CLI_NOPTS && cli_options[k].letter != opt; k++)
			;
		if (k == CLI_NOPTS) {
			opts_refused(opt, argv[optind - 1]);
			opts_fini(o);
			return opts_usage_error();
		}
		rc = cli_options[k].set(o, optarg);
		if (rc) {
			opts_fini(o);
			return rc == EXIT_USAGE ? opts_usage_error() : rc;
		}
	}
	rc = opts_check(o, argc - optind + (int)o->npids);
	if (rc >= 0) {
		opts_fini(o);
		return rc == EXIT_USAGE ? opts_usage_error() : rc;
	}
	/* the ids (-p's first), each once, checked before the system is touched */
	o->ids = calloc((size_t)(argc - optind) + o->npids + 1, sizeof(*o->ids));
	if (!o->ids) {
		cli_message("out of memory");
		opts_fini(o);
		return EXIT_NOTHING;
	}
	for (j = 0; j < o->npids; j++)
		opts_add_id(o, o->pids[j]);
	for (i = optind; i < argc; i++) {
		uint64_t id;

		if (!parse_u64(argv[i], &id)) {
			cli_message("\"%s\" is not a %s", argv[i],
				    o->target == CLI_TIDS ? "TID" : "PID");
			opts_fini(o);
			return opts_usage_error();
		}
		opts_add_id(o, id);
	}
	return -1;
}

void opts_fini(struct opts *o)
{
	free(o->ids);
	free(o->pids);
	o->ids = o->pids = NULL;
	o->nids = o->npids = 0;
}
