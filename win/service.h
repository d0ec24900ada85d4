/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Installing KStack.sys as a demand-start kernel driver service. */
#ifndef KSTACK_WIN_SERVICE_H
#define KSTACK_WIN_SERVICE_H

#define KS_SERVICE_NAME		"KStack"
#define KS_DRIVER_FILE_NAME	"KStack.sys"

/*
 * Both are idempotent and print what they did (or why not) on stdout /
 * stderr. They return a KS_EXIT_* code.
 * install: copies driver_file (NULL: KStack.sys next to kstack.exe) to
 * %SystemRoot%\System32\drivers, creates the service, starts it.
 * uninstall: stops and deletes the service and removes the file.
 */
int ks_install(const char *driver_file);
int ks_uninstall(void);

#endif
