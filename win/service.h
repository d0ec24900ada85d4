/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Installing KStack.sys as a demand-start kernel driver service. */
#ifndef KSTACK_WIN_SERVICE_H
#define KSTACK_WIN_SERVICE_H

#define KS_SERVICE_NAME		"KStack"
#define KS_DRIVER_FILE_NAME	"KStack.sys"

/* Value in the service's key: the file install copied (absent: in place). */
#define KS_REG_COPIED		"KStackCopiedFile"

/*
 * Both are idempotent and print what they did (or why not) on stdout /
 * stderr. They return a KS_EXIT_* code.
 * install: driver_file NULL: copies KStack.sys (next to kstack.exe) to
 * %SystemRoot%\System32\drivers and registers the copy; else registers
 * driver_file where it is, without copying. Creates the service, records
 * which of the two it did (KS_REG_COPIED), starts it.
 * uninstall: stops and deletes the service; removes the file only if
 * install copied it there.
 */
int ks_install(const char *driver_file);
int ks_uninstall(void);

#endif
