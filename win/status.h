/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* kstack status: is the driver there, what can it do, does READ_MEMORY work. */
#ifndef KSTACK_WIN_STATUS_H
#define KSTACK_WIN_STATUS_H

#include <stddef.h>

/* Returns KS_EXIT_OK when the driver answers, KS_EXIT_FAILED otherwise. */
int ks_status(void);

/* VERSION's kthread_layout as text ("ReactOS x86", ...). */
const char *ks_kthread_layout_name(unsigned id);
/* VERSION's kthread_checks as text: the load-time checks that failed. */
void ks_kthread_checks_text(unsigned checks, char *buf, size_t size);

#endif
