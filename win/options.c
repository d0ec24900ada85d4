// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Command-line parsing for kstack.exe. No getopt in a bare mingw CRT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

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
"  --no-suspend           do not suspend threads while walking (may be torn)\n"
"  --symbol-path PATH     dbghelp symbol path (default: _NT_SYMBOL_PATH, else\n"
"                         srv*%TEMP%\\kstack-symbols*https://msdl.microsoft.com/download/symbols)\n"
"  --driver FILE          install: register this driver image in place, no copy\n"
"  -h, --help             this text\n"
"  -V, --version          program and protocol version\n"
"\n"
"Output: per thread a header line, then kernel frames, then user frames:\n"
"  thread TID: state STATE, wait reason REASON, description \"TEXT\"\n"
"    ADDRESS : module!symbol+0xoffset\n"
"A name taken from a module's exports (no symbol file on the symbol path)\n"
"ends in \" (nearest export)\": the function there may be another one.\n"
"Names from the target (process, thread description, modules, symbols) are\n"
"escaped: \\\\, \\n, \\r, \\t, and \\xHH for control bytes and malformed UTF-8.\n"
"A part that cannot be shown is one line saying why: \"kernel part: ...\" once\n"
"for the whole run (no driver, or no kernel stacks on this host), else\n"
"\"  kernel: ...\" / \"  user: ...\" in the thread's section.\n"
"\n"
"Exit codes:\n"
"  0    every thread shown, kernel part included (or --no-kernel given)\n"
"  1    partial: some part missing (e.g. no driver: kernel part), or a thread failed\n"
"  2    nothing shown (no such process or thread, exited, access denied)\n"
"  3    usage error\n"
"  4    install / uninstall failed\n"
"  (status: 0 when the driver answers, 2 when it does not)\n"
"  130  interrupted by Ctrl+C (every suspended thread was resumed)\n",
	      out);
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

static const char *need_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "kstack: option %s needs a value\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

int ks_parse_options(int argc, char **argv, struct ks_options *opt)
{
	int i, have_pid = 0;
	const char *v;

	memset(opt, 0, sizeof(*opt));
	opt->command = KS_CMD_STACKS;
	opt->max_frames = KS_DEFAULT_MAX_FRAMES;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "/?")) {
			opt->command = KS_CMD_HELP;
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			opt->command = KS_CMD_VERSION;
			return 0;
		} else if (!strcmp(a, "-t") || !strcmp(a, "--tid")) {
			if (!(v = need_value(argc, argv, &i)))
				return -1;
			if (parse_id(v, &opt->tid)) {
				fprintf(stderr, "kstack: bad thread id '%s': expected a positive decimal number\n", v);
				return -1;
			}
		} else if (!strcmp(a, "-n") || !strcmp(a, "--max-frames")) {
			DWORD n;

			if (!(v = need_value(argc, argv, &i)))
				return -1;
			if (parse_id(v, &n) || n > KS_MAX_FRAMES_LIMIT) {
				fprintf(stderr, "kstack: bad frame count '%s': expected 1..%u\n",
					v, KS_MAX_FRAMES_LIMIT);
				return -1;
			}
			opt->max_frames = n;
		} else if (!strcmp(a, "--no-kernel")) {
			opt->no_kernel = 1;
		} else if (!strcmp(a, "--no-suspend")) {
			opt->no_suspend = 1;
		} else if (!strcmp(a, "--symbol-path")) {
			if (!(v = need_value(argc, argv, &i)))
				return -1;
			opt->symbol_path = v;
		} else if (!strcmp(a, "--driver")) {
			if (!(v = need_value(argc, argv, &i)))
				return -1;
			opt->driver_file = v;
		} else if (!strcmp(a, "install") && i == 1) {
			opt->command = KS_CMD_INSTALL;
		} else if (!strcmp(a, "uninstall") && i == 1) {
			opt->command = KS_CMD_UNINSTALL;
		} else if (!strcmp(a, "status") && i == 1) {
			opt->command = KS_CMD_STATUS;
		} else if (a[0] == '-') {
			fprintf(stderr, "kstack: unknown option '%s' (see kstack --help)\n", a);
			return -1;
		} else if (!have_pid && opt->command == KS_CMD_STACKS) {
			if (parse_id(a, &opt->pid)) {
				fprintf(stderr, "kstack: bad process id '%s': expected a positive decimal number\n", a);
				return -1;
			}
			have_pid = 1;
		} else {
			fprintf(stderr, "kstack: unexpected argument '%s' (see kstack --help)\n", a);
			return -1;
		}
	}

	if (opt->command == KS_CMD_STACKS && !opt->pid && !opt->tid) {
		fprintf(stderr, "kstack: no process id given (see kstack --help)\n");
		return -1;
	}
	if (opt->command != KS_CMD_STACKS && (opt->pid || opt->tid)) {
		fprintf(stderr, "kstack: install/uninstall/status take no process or thread id\n");
		return -1;
	}
	if (opt->driver_file && opt->command != KS_CMD_INSTALL) {
		fprintf(stderr, "kstack: --driver only applies to install\n");
		return -1;
	}
	return 0;
}
