/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Command line of kstack.exe: what to inspect, how to print it. */
#ifndef KSTACK_WIN_OPTIONS_H
#define KSTACK_WIN_OPTIONS_H

#include <stdio.h>
#include <windows.h>

/*
 * Exit codes, documented in --help and win/README.md. A usage error is 64
 * (sysexits.h's EX_USAGE), as kstack on Linux exits: one convention for
 * both tools, so a script can tell a bad command line from a failed run.
 */
#define KS_EXIT_OK		0	/* every thread shown, kernel part included */
#define KS_EXIT_PARTIAL		1	/* shown, but some part missing (kernel part, a thread) */
#define KS_EXIT_FAILED		2	/* nothing shown: no such process, access denied, ... */
#define KS_EXIT_USAGE		64	/* bad command line */
#define KS_EXIT_DEADLOCK	3	/* --deadlocks: a deadlock found */
#define KS_EXIT_SERVICE		4	/* install / uninstall failed */
#define KS_EXIT_INTERRUPTED	130	/* Ctrl+C: every suspended thread was resumed */

#define KS_DEFAULT_MAX_FRAMES	128u
#define KS_MAX_FRAMES_LIMIT	1024u

enum ks_command {
	KS_CMD_STACKS,
	KS_CMD_INSTALL,
	KS_CMD_UNINSTALL,
	KS_CMD_STATUS,
	KS_CMD_HELP,
	KS_CMD_VERSION,
};

/* --format: how the report is written. */
enum ks_format {
	KS_FORMAT_TEXT,
	KS_FORMAT_JSON,		/* doc/kstack-report.schema.json, as kstack on Linux */
};

/* --kernel-via: which driver request gives the kernel part (kernel_part.h). */
enum ks_kernel_via {
	KS_VIA_AUTO,		/* STACK, else THREAD_CONTEXT when STACK fails */
	KS_VIA_STACK,		/* STACK only */
	KS_VIA_CONTEXT,		/* THREAD_CONTEXT only (the seed's way) */
};

struct ks_options {
	enum ks_command command;
	DWORD pid;		/* 0: derive from tid */
	DWORD tid;		/* 0: every thread of pid */
	unsigned max_frames;
	int no_kernel;		/* --no-kernel: do not use the driver */
	enum ks_kernel_via kernel_via;	/* --kernel-via */
	int no_suspend;		/* --no-suspend: walk running threads (racy) */
	int deadlocks;		/* --deadlocks: the wait chains' cycles (waitchain.h) */
	enum ks_format format;	/* --format */
	int group;		/* --group: threads with the same stack together */
	const char *symbol_path;	/* --symbol-path, else _NT_SYMBOL_PATH, else default */
	const char *driver_file;	/* install: --driver, else KStack.sys next to the exe */
};

/*
 * Parses argv into *opt (its strings point into argv); on a usage error
 * prints one "kstack: ..." line to stderr and returns -1.
 */
int ks_parse_options(int argc, char **argv, struct ks_options *opt);
void ks_print_usage(FILE *out);

#endif
