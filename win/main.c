// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kstack.exe: kernel- and user-mode call stacks of any thread, symbolized,
 * with KStack.sys for the kernel part. Thin: parse the command line, run
 * one command, return its exit code (options.h: KS_EXIT_*).
 */
#include <stdio.h>

#include "options.h"
#include "report.h"
#include "service.h"
#include "status.h"
#include "kstack/kstack_ioctl.h"

int main(int argc, char **argv)
{
	struct ks_options opt;

	/* Fully buffered: fast into pipes; every exit path returns to main,
	 * whose return flushes it. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (ks_parse_options(argc, argv, &opt)) {
		fflush(stdout);
		return KS_EXIT_USAGE;
	}
	switch (opt.command) {
	case KS_CMD_HELP:
		ks_print_usage(stdout);
		return KS_EXIT_OK;
	case KS_CMD_VERSION:
		printf("kstack %u.%u.%u (protocol %u, %s)\n",
		       KSTACK_DRIVER_VERSION >> 16, (KSTACK_DRIVER_VERSION >> 8) & 0xff,
		       KSTACK_DRIVER_VERSION & 0xff, KSTACK_PROTO_VERSION,
		       sizeof(void *) == 8 ? "x64" : "x86");
		return KS_EXIT_OK;
	case KS_CMD_INSTALL:
		return ks_install(opt.driver_file);
	case KS_CMD_UNINSTALL:
		return ks_uninstall();
	case KS_CMD_STATUS:
		return ks_status();
	case KS_CMD_STACKS:
		break;
	}
	return ks_report(&opt);
}
