// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Command-line parsing for kstack.exe: getopt_long from mingw-w64's CRT
 * (getopt.h), the parser kstack on Linux uses, so both tools take options
 * the same way (--opt=VALUE, -n5, "--" ends the options) and exit 64 on a
 * usage error. getopt's own messages are off (opterr = 0): they would name
 * argv[0], a full Windows path here, and every message starts "kstack: ".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

void ks_print_usage(FILE *out)
{
	fputs(
"usage: kstack [options] PID            stacks of every thread of PID\n"
"       kstack [options] [PID] -t TID    stack of one thread\n"
"       kstack install                   copy KStack.sys (next to kstack.exe) to the\n"
"                                        drivers directory, create and start the service\n"
"       kstack install --driver FILE     register FILE where it is (no copy: for a\n"
"                                        read-only system directory), start it\n"
"       kstack uninstall                 stop and delete the service; remove the\n"
"                                        driver file only if install copied it\n"
"       kstack status                    is the driver running; version, caps, a test read\n"
"\n"
"What to inspect:\n"
"  -t, --tid TID          only this thread\n"
"  -n, --max-frames N     at most N frames per part (default 128, max 1024)\n"
"  --no-kernel            do not use the driver: user part only\n"
"  --kernel-via HOW       how the driver gets the kernel part: auto (default:\n"
"                         STACK, else THREAD_CONTEXT), stack (an APC walks the\n"
"                         thread in the kernel), context (its saved kernel\n"
"                         frame, walked by kstack before the thread is suspended,\n"
"                         kept if its saved sp and switch count did not move)\n"
"  --no-suspend           do not suspend threads while walking (may be torn)\n"
"  --symbol-path PATH     dbghelp symbol path (default: _NT_SYMBOL_PATH, else\n"
"                         srv*%TEMP%\\kstack-symbols*https://msdl.microsoft.com/download/symbols)\n"
"  --driver FILE          install: register this driver image in place, no copy\n"
"  --group                each distinct stack once, largest group first, with\n"
"                         its thread count, states, names and thread ids\n"
"  --format FMT           text (default) or json (doc/kstack-report.schema.json,\n"
"                         the schema of kstack on Linux; see win/README.md)\n"
"  --deadlocks            the wait chains of PID's threads that close on\n"
"                         themselves (Wait Chain Traversal's own cycle flag):\n"
"                         \"deadlock: TID -> ... -> TID\" each, then those threads\n"
"  -h, --help             this text\n"
"  -V, --version          program and protocol version\n"
"\n"
"Output: per thread a header line, then kernel frames, then user frames:\n"
"  thread TID: state STATE, wait reason REASON, description \"TEXT\"\n"
"  waiting for KIND at 0x0, held by TID PROCESS   (or holder unknown (REASON))\n"
"(that line from Wait Chain Traversal, Vista and later; KIND critical_section,\n"
"mutex, alpc, com, send_message, thread, process, ...; it gives no address)\n"
"  kernel: via STACK   (or via THREAD_CONTEXT: which request gave the kernel part)\n"
"    ADDRESS : module!symbol+0xoffset\n"
"Without a symbol file on the symbol path a name comes from the module\n"
"itself: from its COFF symbol table, ending in \" (COFF symbol)\", else its\n"
"exports, ending in \" (nearest export)\" (the function there may be\n"
"another one); \"module+0xoffset (no symbols)\" when it has neither.\n"
"Names from the target (process, thread description, modules, symbols) are\n"
"escaped: \\\\, \\n, \\r, \\t, and \\xHH for control bytes and malformed UTF-8.\n"
"A part that cannot be shown is one line saying why: \"kernel part: ...\" once\n"
"for the whole run (no driver, or no kernel stacks on this host), else\n"
"\"  kernel: ...\" / \"  user: ...\" in the thread's section.\n"
"--group: after the process line, a block per distinct stack headed\n"
"  == N threads (STATE x N): PROCESS x N (pid PID); tids 4-7,9\n"
"(\"; NAME x N, ...\" before the tids when threads have descriptions), then\n"
"its frames; last \"-- N threads walked, N shown in N groups\".\n"
"\n"
"Exit codes:\n"
"  0    every thread shown, kernel part included (or --no-kernel given)\n"
"  1    partial: some part missing (e.g. no driver: kernel part), or a thread failed\n"
"  2    nothing shown (no such process or thread, exited, access denied)\n"
"  3    --deadlocks: a deadlock found\n"
"  4    install / uninstall failed\n"
"  64   usage error\n"
"  (status: 0 when the driver answers, 2 when it does not)\n"
"  130  interrupted by Ctrl+C (every suspended thread was resumed)\n",
	      out);
}

/* getopt values of the options that have no letter. */
enum {
	KS_OPT_NO_KERNEL = 0x100,
	KS_OPT_NO_SUSPEND,
	KS_OPT_SYMBOL_PATH,
	KS_OPT_DRIVER,
	KS_OPT_DEADLOCKS,
	KS_OPT_FORMAT,
	KS_OPT_GROUP,
	KS_OPT_KERNEL_VIA,
};

/*
 * A leading '-': operands come back in order as option 1, so a command
 * word is known to be the first argument and -h stops at once, as before
 * getopt; ':' tells a missing value (':') from an unknown option ('?').
 */
static const char ks_letters[] = "-:hVt:n:";
static const struct option ks_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "tid", required_argument, NULL, 't' },
	{ "max-frames", required_argument, NULL, 'n' },
	{ "no-kernel", no_argument, NULL, KS_OPT_NO_KERNEL },
	{ "no-suspend", no_argument, NULL, KS_OPT_NO_SUSPEND },
	{ "symbol-path", required_argument, NULL, KS_OPT_SYMBOL_PATH },
	{ "driver", required_argument, NULL, KS_OPT_DRIVER },
	{ "deadlocks", no_argument, NULL, KS_OPT_DEADLOCKS },
	{ "format", required_argument, NULL, KS_OPT_FORMAT },
	{ "group", no_argument, NULL, KS_OPT_GROUP },
	{ "kernel-via", required_argument, NULL, KS_OPT_KERNEL_VIA },
	{ NULL, 0, NULL, 0 },
};

/* "-t/--tid" or "--driver": how a message names option val. */
static void option_name(int val, char *buf, size_t size)
{
	const struct option *o;

	for (o = ks_longopts; o->name; o++) {
		if (o->val != val)
			continue;
		if (val < 0x100)
			snprintf(buf, size, "-%c/--%s", val, o->name);
		else
			snprintf(buf, size, "--%s", o->name);
		return;
	}
	snprintf(buf, size, "-%c", val > 0x20 && val < 0x7f ? val : '?');
}

/* An option's value out of its list of names (NULL-ended, in enum order). */
static const char *const ks_formats[] = { "text", "json", NULL };
static const char *const ks_vias[] = { "auto", "stack", "context", NULL };

/* The index of s in names, or -1. */
static int choice(const char *s, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* Strict decimal parse: all digits, no sign, fits in a DWORD, not 0. */
static int parse_id(const char *s, DWORD *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > 0xffffffffull)
		return -1;
	*out = (DWORD)v;
	return 0;
}

/*
 * An option getopt could not take: ':' a value missing, or given to an
 * option that takes none ("--help=x"); '?' an unknown option.
 */
static int bad_option(int c, char **argv)
{
	const struct option *o;
	char name[64];

	for (o = ks_longopts; o->name && o->val != optopt; o++)
		;
	if (c == ':' && o->name && o->has_arg == no_argument) {
		fprintf(stderr, "kstack: option --%s takes no value\n", o->name);
	} else if (c == ':') {
		option_name(optopt, name, sizeof(name));
		fprintf(stderr, "kstack: option %s needs a value\n", name);
	} else if (optopt) {
		fprintf(stderr, "kstack: unknown option '-%c' (see kstack --help)\n",
			optopt > 0x20 && optopt < 0x7f ? optopt : '?');
	} else {		/* a long option: getopt has stepped past it */
		fprintf(stderr, "kstack: unknown option '%s' (see kstack --help)\n",
			argv[optind - 1]);
	}
	return -1;
}

/* An operand: the command word (first argument only), else the PID. */
static int operand(const char *a, int first, int *have_pid, struct ks_options *opt)
{
	if (first && !strcmp(a, "install")) {
		opt->command = KS_CMD_INSTALL;
	} else if (first && !strcmp(a, "uninstall")) {
		opt->command = KS_CMD_UNINSTALL;
	} else if (first && !strcmp(a, "status")) {
		opt->command = KS_CMD_STATUS;
	} else if (!*have_pid && opt->command == KS_CMD_STACKS) {
		if (parse_id(a, &opt->pid)) {
			fprintf(stderr, "kstack: bad process id '%s': expected a positive decimal number\n", a);
			return -1;
		}
		*have_pid = 1;
	} else {
		fprintf(stderr, "kstack: unexpected argument '%s' (see kstack --help)\n", a);
		return -1;
	}
	return 0;
}

/* The options that cannot go together, once all are read. */
static int check_combination(const struct ks_options *opt)
{
	if (opt->command == KS_CMD_STACKS && !opt->pid && !opt->tid) {
		fprintf(stderr, "kstack: no process id given (see kstack --help)\n");
		return -1;
	}
	if (opt->command != KS_CMD_STACKS && (opt->pid || opt->tid)) {
		fprintf(stderr, "kstack: install/uninstall/status take no process or thread id\n");
		return -1;
	}
	if (opt->deadlocks && (opt->command != KS_CMD_STACKS || opt->tid)) {
		fprintf(stderr, "kstack: --deadlocks takes a process id\n");
		return -1;
	}
	if ((opt->format != KS_FORMAT_TEXT || opt->group) && opt->command != KS_CMD_STACKS) {
		fprintf(stderr, "kstack: --format and --group apply to stacks, not install/uninstall/status\n");
		return -1;
	}
	/* its report is the cycles' own text ("deadlock: ..."), not a thread list */
	if (opt->deadlocks && (opt->format != KS_FORMAT_TEXT || opt->group)) {
		fprintf(stderr, "kstack: --deadlocks takes neither --format json nor --group\n");
		return -1;
	}
	if (opt->kernel_via != KS_VIA_AUTO && opt->no_kernel) {
		fprintf(stderr, "kstack: --kernel-via and --no-kernel cannot go together\n");
		return -1;
	}
	if (opt->driver_file && opt->command != KS_CMD_INSTALL) {
		fprintf(stderr, "kstack: --driver only applies to install\n");
		return -1;
	}
	return 0;
}

int ks_parse_options(int argc, char **argv, struct ks_options *opt)
{
	int c, v, have_pid = 0;
	DWORD n;

	memset(opt, 0, sizeof(*opt));
	opt->command = KS_CMD_STACKS;
	opt->max_frames = KS_DEFAULT_MAX_FRAMES;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ks_letters, ks_longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			/* "/?": the Windows way of asking for help */
			if (!strcmp(optarg, "/?")) {
				opt->command = KS_CMD_HELP;
				return 0;
			}
			if (operand(optarg, optind == 2, &have_pid, opt))
				return -1;
			break;
		case 'h':
			opt->command = KS_CMD_HELP;
			return 0;
		case 'V':
			opt->command = KS_CMD_VERSION;
			return 0;
		case 't':
			if (parse_id(optarg, &opt->tid)) {
				fprintf(stderr, "kstack: bad thread id '%s': expected a positive decimal number\n",
					optarg);
				return -1;
			}
			break;
		case 'n':
			if (parse_id(optarg, &n) || n > KS_MAX_FRAMES_LIMIT) {
				fprintf(stderr, "kstack: bad frame count '%s': expected 1..%u\n",
					optarg, KS_MAX_FRAMES_LIMIT);
				return -1;
			}
			opt->max_frames = n;
			break;
		case KS_OPT_NO_KERNEL:
			opt->no_kernel = 1;
			break;
		case KS_OPT_NO_SUSPEND:
			opt->no_suspend = 1;
			break;
		case KS_OPT_SYMBOL_PATH:
			opt->symbol_path = optarg;
			break;
		case KS_OPT_DRIVER:
			opt->driver_file = optarg;
			break;
		case KS_OPT_DEADLOCKS:
			opt->deadlocks = 1;
			break;
		case KS_OPT_FORMAT:
			v = choice(optarg, ks_formats);
			if (v < 0) {
				/* as kstack on Linux says it */
				fprintf(stderr, "kstack: --format: need text or json, got \"%s\"\n",
					optarg);
				return -1;
			}
			opt->format = (enum ks_format)v;
			break;
		case KS_OPT_GROUP:
			opt->group = 1;
			break;
		case KS_OPT_KERNEL_VIA:
			v = choice(optarg, ks_vias);
			if (v < 0) {
				fprintf(stderr, "kstack: bad --kernel-via '%s': expected auto, "
					"stack or context\n", optarg);
				return -1;
			}
			opt->kernel_via = (enum ks_kernel_via)v;
			break;
		default:
			return bad_option(c, argv);
		}
	}
	/* after "--": operands only */
	for (; optind < argc; optind++)
		if (operand(argv[optind], optind == 1, &have_pid, opt))
			return -1;
	return check_combination(opt);
}
